/*
 * C-side tests of the gradient library's C ABI (docs/reference.md), written the way
 * a C program uses the library: only "gradient.h" and the shared library.
 *
 * Build and run by hand after `cargo build` (tests/c_harness.rs does the same
 * under `cargo test`, linking target/debug/deps/libgradient.so):
 *
 *   cc -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude \
 *      ctests/test_gradient.c -Ltarget/debug -lgradient \
 *      -Wl,-rpath,"$PWD/target/debug" -ffp-contract=off -lm -o test_gradient && ./test_gradient
 *
 * Every failure is printed as "FAIL file:line [section] ..."; the last line is
 * exactly "N passed, N failed" and the exit status is nonzero on any failure.
 * Set GRAD_TEST_VERBOSE=1 to also print the message of every expected error.
 *
 * Expected values are numpy 2.4.6 results (docs/numerics.md's golden values and more, generated with
 * numpy and written with repr(), so every literal is the exact double) or the
 * numpy's formulas (docs/numerics.md) evaluated by a small reference below. Doubles are compared
 * exactly (==), float results as (double)value == the golden double.
 */
#include "gradient.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAN_VALUE ((double)NAN)
#define INF_VALUE ((double)INFINITY)

/* ------------------------------------------------------------------------ */
/* A tiny check framework                                                    */
/* ------------------------------------------------------------------------ */

static long g_passed;
static long g_failed;
static const char *g_section = "";
static int g_verbose;

static int check_at(int ok, const char *file, int line, const char *fmt, ...)
{
    if (ok) {
        g_passed++;
        return 1;
    }
    g_failed++;
    {
        va_list ap;
        fprintf(stdout, "FAIL %s:%d [%s] ", file, line, g_section);
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
    }
    return 0;
}

#define CHECK(cond) check_at((cond) ? 1 : 0, __FILE__, __LINE__, "%s", #cond)
#define CHECKF(cond, ...) check_at((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

/* A call that must succeed: checks the status and prints the message if not. */
#define CHECK_OK(call, errp)                                                   \
    check_at((call) == GRAD_STATUS_OK, __FILE__, __LINE__,                     \
             "%s did not return GRAD_STATUS_OK: status %d, message \"%.255s\"", \
             #call, (int)(errp)->status, (errp)->message)

static int same_double(double a, double b)
{
    return a == b || (a != a && b != b);
}

static void check_f64_at(const char *file, int line, const char *what,
                         const double *got, const double *exp, size_t n)
{
    size_t i, bad = 0;
    for (i = 0; i < n; i++) {
        if (!same_double(got[i], exp[i])) {
            bad++;
        }
    }
    if (check_at(bad == 0, file, line, "%s: %lu of %lu doubles differ", what,
                 (unsigned long)bad, (unsigned long)n)) {
        return;
    }
    for (i = 0; i < n; i++) {
        if (!same_double(got[i], exp[i])) {
            printf("    [%lu] got %.17g, expected %.17g\n", (unsigned long)i, got[i], exp[i]);
        }
    }
}

static void check_f32_at(const char *file, int line, const char *what,
                         const float *got, const double *exp, size_t n)
{
    size_t i, bad = 0;
    for (i = 0; i < n; i++) {
        if (!same_double((double)got[i], exp[i])) {
            bad++;
        }
    }
    if (check_at(bad == 0, file, line, "%s: %lu of %lu floats differ", what,
                 (unsigned long)bad, (unsigned long)n)) {
        return;
    }
    for (i = 0; i < n; i++) {
        if (!same_double((double)got[i], exp[i])) {
            printf("    [%lu] got %.17g, expected %.17g\n", (unsigned long)i, (double)got[i], exp[i]);
        }
    }
}

/* exp holds re, im pairs */
static void check_c128_at(const char *file, int line, const char *what,
                          const grad_complex128 *got, const double *exp, size_t n)
{
    size_t i, bad = 0;
    for (i = 0; i < n; i++) {
        if (!same_double(got[i].re, exp[2 * i]) || !same_double(got[i].im, exp[2 * i + 1])) {
            bad++;
        }
    }
    if (check_at(bad == 0, file, line, "%s: %lu of %lu complex128 differ", what,
                 (unsigned long)bad, (unsigned long)n)) {
        return;
    }
    for (i = 0; i < n; i++) {
        printf("    [%lu] got (%.17g, %.17g), expected (%.17g, %.17g)\n", (unsigned long)i,
               got[i].re, got[i].im, exp[2 * i], exp[2 * i + 1]);
    }
}

static void check_c64_at(const char *file, int line, const char *what,
                         const grad_complex64 *got, const double *exp, size_t n)
{
    size_t i, bad = 0;
    for (i = 0; i < n; i++) {
        if (!same_double((double)got[i].re, exp[2 * i]) ||
            !same_double((double)got[i].im, exp[2 * i + 1])) {
            bad++;
        }
    }
    if (check_at(bad == 0, file, line, "%s: %lu of %lu complex64 differ", what,
                 (unsigned long)bad, (unsigned long)n)) {
        return;
    }
    for (i = 0; i < n; i++) {
        printf("    [%lu] got (%.17g, %.17g), expected (%.17g, %.17g)\n", (unsigned long)i,
               (double)got[i].re, (double)got[i].im, exp[2 * i], exp[2 * i + 1]);
    }
}

#define CHECK_F64(what, got, exp, n) check_f64_at(__FILE__, __LINE__, (what), (got), (exp), (n))
#define CHECK_F32(what, got, exp, n) check_f32_at(__FILE__, __LINE__, (what), (got), (exp), (n))
#define CHECK_C128(what, got, exp, n) check_c128_at(__FILE__, __LINE__, (what), (got), (exp), (n))
#define CHECK_C64(what, got, exp, n) check_c64_at(__FILE__, __LINE__, (what), (got), (exp), (n))

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------ */
/* Golden values                                                             */
/* ------------------------------------------------------------------------ */

/* Inputs */
static const double F6[] = {1, 2, 4, 7, 11, 16};
static const double X6[] = {0., 1., 1.5, 3.5, 4., 6.};
static const double A23[] = {1, 2, 6, 3, 4, 5}; /* [[1, 2, 6], [3, 4, 5]] */
static const double X3[] = {1., 1.5, 3.5};
static const double F4[] = {5, 7, 4, 8};
static const double F7[] = {3.086571, 4.92576, 3.440159, -2.919539, -4.1784, 0.201589, 2.584053};
static const double X7[] = {0.230824, 0.640471, 0.86009, 1.498849, 2.165657, 2.321042, 2.936774};
/* complex input (re, im pairs) and its coordinates */
static const double ZC[] = {1, 2, 3, -1, 4, 4, 0.5, 0, -2, 3, 0.1, -0.7};
static const double XC[] = {0., 0.4, 1.1, 1.3, 2.0, 2.9};

/* Expected results, numpy 2.4.6 (dtype noted; float32/complex64 results are
 * written as the double value of the float). */
/* G_F6_UNIT dtype=float64 shape=(6,) */
static const double G_F6_UNIT[] = {1.0, 1.5, 2.5, 3.5, 4.5, 5.0};
/* G_F6_UNIT_E2 dtype=float64 shape=(6,) */
static const double G_F6_UNIT_E2[] = {0.5, 1.5, 2.5, 3.5, 4.5, 5.5};
/* G_F6_H2 dtype=float64 shape=(6,) */
static const double G_F6_H2[] = {0.5, 0.75, 1.25, 1.75, 2.25, 2.5};
/* G_F6_X_E1 dtype=float64 shape=(6,) */
static const double G_F6_X_E1[] = {1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, 2.5};
/* G_F6_X_E2 dtype=float64 shape=(6,) */
static const double G_F6_X_E2[] = {-1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, -1.8999999999999968};
/* G_F6_REV dtype=float64 shape=(6,) */
static const double G_F6_REV[] = {-5.0, -4.5, -3.5, -2.5, -1.5, -1.0};
/* G_F6_REV_E2 dtype=float64 shape=(6,) */
static const double G_F6_REV_E2[] = {-5.5, -4.5, -3.5, -2.5, -1.5, -0.5};
/* G_F6_REV_X_E2 dtype=float64 shape=(6,) */
static const double G_F6_REV_X_E2[] = {-3.0, -7.0, -6.700000000000001, -3.5, -3.3000000000000003, 2.3000000000000003};
/* G_A_AX0 dtype=float64 shape=(2, 3) */
static const double G_A_AX0[] = {2.0, 2.0, -1.0, 2.0, 2.0, -1.0};
/* G_A_AX1 dtype=float64 shape=(2, 3) */
static const double G_A_AX1[] = {1.0, 2.5, 4.0, 1.0, 1.0, 1.0};
/* G_A_SP_AX0 dtype=float64 shape=(2, 3) */
static const double G_A_SP_AX0[] = {1.0, 1.0, -0.5, 1.0, 1.0, -0.5};
/* G_A_SP_AX1 dtype=float64 shape=(2, 3) */
static const double G_A_SP_AX1[] = {2.0, 2.0, 2.0, 2.0, 1.6999999999999993, 0.5};
/* G_A_H2_AX0 dtype=float64 shape=(2, 3) */
static const double G_A_H2_AX0[] = {1.0, 1.0, -0.5, 1.0, 1.0, -0.5};
/* G_A_H2_AX1 dtype=float64 shape=(2, 3) */
static const double G_A_H2_AX1[] = {0.5, 1.25, 2.0, 0.5, 0.5, 0.5};
/* G_A_AX1_E2 dtype=float64 shape=(2, 3) */
static const double G_A_AX1_E2[] = {-0.5, 2.5, 5.5, 1.0, 1.0, 1.0};
/* G_AREV_AX0 dtype=float64 shape=(2, 3) */
static const double G_AREV_AX0[] = {-2.0, -2.0, 1.0, -2.0, -2.0, 1.0};
/* G_AREV_AX1 dtype=float64 shape=(2, 3) */
static const double G_AREV_AX1[] = {1.0, 1.0, 1.0, 1.0, 2.5, 4.0};
/* G_ACREV_AX0 dtype=float64 shape=(2, 3) */
static const double G_ACREV_AX0[] = {-1.0, 2.0, 2.0, -1.0, 2.0, 2.0};
/* G_ACREV_AX1 dtype=float64 shape=(2, 3) */
static const double G_ACREV_AX1[] = {-4.0, -2.5, -1.0, -1.0, -1.0, -1.0};
/* G_F4 dtype=float64 shape=(4,) */
static const double G_F4[] = {2.0, -0.5, 0.5, 4.0};
/* G_F7_H07_E1 dtype=float64 shape=(7,) */
static const double G_F7_H07_E1[] = {2.6274128571428577, 0.25256285714285703, -5.603785000000001, -5.441827857142857, 2.229377142857143, 4.830323571428572, 3.4035200000000003};
/* G_F7_H07_E2 dtype=float64 shape=(7,) */
static const double G_F7_H07_E2[] = {5.002262857142858, 0.25256285714285703, -5.603785000000001, -5.441827857142857, 2.229377142857143, 4.830323571428572, 1.9767164285714287};
/* G_F7_X_E1 dtype=float64 shape=(7,) */
static const double G_F7_X_E1[] = {4.489692344872537, -2.8366597230432458, -7.581102132327416, -6.008784499327689, 22.50398557854497, 23.28761326055923, 3.869319768990403};
/* G_F7_X_E2 dtype=float64 shape=(7,) */
static const double G_F7_X_E2[] = {11.816044412788319, -2.8366597230432458, -7.581102132327416, -6.008784499327689, 22.50398557854497, 23.28761326055923, -15.548973722578424};
/* G_F7_XT_E1 dtype=float64 shape=(7,) */
static const double G_F7_XT_E1[] = {18.39189, 1.7679399999999976, -39.226494999999986, -38.09279499999998, 15.605640000000005, 33.812265, 23.82463999999998};
/* G_F7_XT_E2 dtype=float64 shape=(7,) */
static const double G_F7_XT_E2[] = {35.01584, 1.7679399999999976, -39.226494999999986, -38.09279499999998, 15.605640000000005, 33.812265, 13.837014999999962};
/* G_F7S_H03_E2 dtype=float32 shape=(7,) */
static const double G_F7S_H03_E2[] = {11.671945571899414, 0.5893135070800781, -13.0754976272583, -12.69759750366211, 5.201879978179932, 11.27075481414795, 4.612339019775391};
/* G_F7S_X_E2 dtype=float32 shape=(7,) */
static const double G_F7S_X_E2[] = {11.81604290008545, -2.8366589546203613, -7.581100940704346, -6.008784770965576, 22.503986358642578, 23.287612915039062, -15.54897403717041};
/* G_F7S_UNIT_E1 dtype=float32 shape=(7,) */
static const double G_F7S_UNIT_E1[] = {1.839188814163208, 0.17679405212402344, -3.922649383544922, -3.809279441833496, 1.5605640411376953, 3.3812265396118164, 2.3824639320373535};
/* G_F7S_X_E1 dtype=float32 shape=(7,) */
static const double G_F7S_X_E1[] = {4.489691734313965, -2.8366589546203613, -7.581100940704346, -6.008784770965576, 22.503986358642578, 23.287612915039062, 3.8693196773529053};
/* G_F7S_H07_E1 dtype=float32 shape=(7,) */
static const double G_F7S_H07_E1[] = {2.6274125576019287, 0.252562940120697, -5.603785037994385, -5.441827774047852, 2.229377269744873, 4.830323696136475, 3.403519868850708};
/* G_U8 dtype=float64 shape=(5,) */
static const double G_U8[] = {-1.0, -1.0, -1.0, -1.0, -1.0};
/* G_C128_UNIT dtype=complex128 shape=(6,) */
static const double G_C128_UNIT[] = {2.0, -3.0, 1.5, 1.0, -1.25, 0.5, -3.0, -0.5, -0.2, -0.35, 2.1, -3.7};
/* G_C128_H07_E2 dtype=complex128 shape=(6,) */
static const double G_C128_H07_E2[] = {3.5714285714285716, -10.0, 2.142857142857143, 1.4285714285714286, -1.7857142857142858, 0.7142857142857143, -4.285714285714286, -0.7142857142857143, -0.28571428571428575, -0.5, 6.285714285714286, -10.071428571428571};
/* G_C128_H07_E1 dtype=complex128 shape=(6,) */
static const double G_C128_H07_E1[] = {2.857142857142857, -4.285714285714286, 2.142857142857143, 1.4285714285714286, -1.7857142857142858, 0.7142857142857143, -4.285714285714286, -0.7142857142857143, -0.28571428571428575, -0.5, 3.0, -5.2857142857142865};
/* G_C128_X_E1 dtype=complex128 shape=(6,) */
static const double G_C128_X_E1[] = {5.0, -7.5, 3.7012987012987013, -2.175324675324675, -13.293650793650798, -13.968253968253972, -14.404761904761909, -14.603174603174608, -0.9880952380952381, 0.6121031746031745, 2.3333333333333335, -4.111111111111112};
/* G_C128_X_E2 dtype=complex128 shape=(6,) */
static const double G_C128_X_E2[] = {6.298701298701299, -12.824675324675322, 3.7012987012987013, -2.175324675324675, -13.293650793650798, -13.968253968253972, -14.404761904761909, -14.603174603174608, -0.9880952380952381, 0.6121031746031745, 5.654761904761905, -8.834325396825399};
/* G_C64_UNIT dtype=complex64 shape=(6,) */
static const double G_C64_UNIT[] = {2.0, -3.0, 1.5, 1.0, -1.25, 0.5, -3.0, -0.5, -0.20000000298023224, -0.3499999940395355, 2.0999999046325684, -3.700000047683716};
/* G_C64_H07_E2 dtype=complex64 shape=(6,) */
static const double G_C64_H07_E2[] = {3.5714282989501953, -10.0, 2.142857074737549, 1.4285714626312256, -1.7857143878936768, 0.7142857313156128, -4.285714149475098, -0.7142857313156128, -0.2857142984867096, -0.5, 6.285714626312256, -10.071428298950195};
/* G_C64_H07_E1 dtype=complex64 shape=(6,) */
static const double G_C64_H07_E1[] = {2.857142925262451, -4.285714149475098, 2.142857074737549, 1.4285714626312256, -1.7857143878936768, 0.7142857313156128, -4.285714149475098, -0.7142857313156128, -0.2857142984867096, -0.5, 3.0, -5.285714626312256};
/* G_C64_X_E1 dtype=complex64 shape=(6,) */
static const double G_C64_X_E1[] = {5.0, -7.5, 3.701298713684082, -2.1753246784210205, -13.29365062713623, -13.968254089355469, -14.404762268066406, -14.603174209594727, -0.988095223903656, 0.6121031641960144, 2.3333332538604736, -4.111111164093018};
/* G_C64_X_E2 dtype=complex64 shape=(6,) */
static const double G_C64_X_E2[] = {6.298701286315918, -12.824675559997559, 3.701298713684082, -2.1753246784210205, -13.29365062713623, -13.968254089355469, -14.404762268066406, -14.603174209594727, -0.988095223903656, 0.6121031641960144, 5.654761791229248, -8.834325790405273};
/* G_INT_I8 dtype=float64 shape=(6,) */
static const double G_INT_I8[] = {255.0, 64.0, -64.0, 2.5, -63.5, -133.0};
/* G_INTX_I8 dtype=float64 shape=(6,) */
static const double G_INTX_I8[] = {935.2922077922077, 339.7077922077922, -44.206349206349195, -1.9841269841269853, -59.831349206349216, -235.72420634920638};
/* G_INT_I16 dtype=float64 shape=(6,) */
static const double G_INT_I16[] = {65535.0, 16384.0, -16384.0, 2.5, -16383.5, -32773.0};
/* G_INTX_I16 dtype=float64 shape=(6,) */
static const double G_INTX_I16[] = {240436.59090909088, 87238.40909090909, -10406.111111111106, -1.9841269841269853, -15926.498015873018, -56902.39087301588};
/* G_INT_I32 dtype=float64 shape=(6,) */
static const double G_INT_I32[] = {4294967295.0, 1073741824.0, -1073741824.0, 2.5, -1073741823.5, -2147483653.0};
/* G_INTX_I32 dtype=float64 shape=(6,) */
static const double G_INTX_I32[] = {15757509880.746752, 5717326594.253246, -681740844.2063489, -1.9841269841269853, -1043915659.8313493, -3728270235.724207};
/* G_INT_I64 dtype=float64 shape=(6,) */
static const double G_INT_I64[] = {1.8446744073709552e+19, 4.611686018427388e+18, -4.611686018427388e+18, 4.611686018427388e+18, -4.611686018427388e+18, -1.8446744073709552e+19};
/* G_INTX_I64 dtype=float64 shape=(6,) */
static const double G_INTX_I64[] = {6.767798962107725e+19, 2.4555730747470504e+19, -2.928054614874531e+18, 2.928054614874532e+18, -1.5555290141520957e+18, -3.943723559409136e+19};
/* G_INT_U8 dtype=float64 shape=(6,) */
static const double G_INT_U8[] = {-255.0, 0.0, 0.5, -127.5, 99.5, 200.0};
/* G_INTX_U8 dtype=float64 shape=(6,) */
static const double G_INTX_U8[] = {-1001.7857142857142, -273.2142857142857, -906.8253968253971, -988.0952380952384, 96.4186507936508, 348.02579365079373};
/* G_INT_U16 dtype=float64 shape=(6,) */
static const double G_INT_U16[] = {-65535.0, 0.0, 0.5, -32767.5, 99.5, 200.0};
/* G_INTX_U16 dtype=float64 shape=(6,) */
static const double G_INTX_U16[] = {-257458.92857142855, -70216.07142857142, -234049.68253968263, -254854.761904762, 96.4186507936508, 348.02579365079373};
/* G_INT_U32 dtype=float64 shape=(6,) */
static const double G_INT_U32[] = {-4294967295.0, 0.0, 0.5, -2147483647.5, 99.5, 200.0};
/* G_INTX_U32 dtype=float64 shape=(6,) */
static const double G_INTX_U32[] = {-16873085801.785713, -4601750673.214286, -15339168906.825401, -16702650588.095243, 96.4186507936508, 348.02579365079373};
/* G_INT_U64 dtype=float64 shape=(6,) */
static const double G_INT_U64[] = {-1.8446744073709552e+19, 0.0, 0.5, -4.611686018427388e+18, -0.5, -9.223372036854776e+18};
/* G_INTX_U64 dtype=float64 shape=(6,) */
static const double G_INTX_U64[] = {-7.2469351718144655e+19, -1.976436865040309e+19, -6.588122883467699e+19, -6.880928344955153e+19, 2.928054614874532e+18, -2.342443691899626e+19};
/* G_F6_HNEG2 dtype=float64 shape=(6,) */
static const double G_F6_HNEG2[] = {-0.5, -0.75, -1.25, -1.75, -2.25, -2.5};
/* G_F6_XDEC_E1 dtype=float64 shape=(6,) */
static const double G_F6_XDEC_E1[] = {-0.5, -3.3000000000000003, -3.5, -6.700000000000001, -7.000000000000001, -5.0};
/* G_F6_XDEC_E2 dtype=float64 shape=(6,) */
static const double G_F6_XDEC_E2[] = {2.3000000000000007, -3.3000000000000003, -3.5, -6.700000000000001, -7.000000000000001, -3.0};
/* G_F7_XU_E2 dtype=float64 shape=(7,) */
static const double G_F7_XU_E2[] = {14.006336000000001, 0.7071759999999996, -15.690598000000001, -15.237117999999999, 6.242255999999999, 13.524906, 5.534806};
/* G_B0 dtype=float64 shape=(2, 3) */
static const double G_B0[] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
/* G_B1 dtype=float64 shape=(2, 3) */
static const double G_B1[] = {1.0, 2.5, 4.0, 1.0, 2.5, 4.0};

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static grad_spacing sp_unit(void)
{
    grad_spacing s;
    memset(&s, 0, sizeof s);
    s.kind = GRAD_SPACING_UNIT;
    return s;
}

static grad_spacing sp_uniform(double h)
{
    grad_spacing s;
    memset(&s, 0, sizeof s);
    s.kind = GRAD_SPACING_UNIFORM;
    s.delta = h;
    return s;
}

static grad_spacing sp_coords(const double *x, int64_t n)
{
    grad_spacing s;
    memset(&s, 0, sizeof s);
    s.kind = GRAD_SPACING_COORDINATES;
    s.coords = x;
    s.coords_len = n;
    return s;
}

/* A grad_error full of garbage (and no NUL), so the checks see what the
 * library wrote. */
static grad_error fresh_err(void)
{
    grad_error e;
    memset(&e, 0x5A, sizeof e);
    return e;
}

static void fill_sentinel(void *p, size_t nbytes)
{
    memset(p, 0xA5, nbytes);
}

static int is_sentinel(const void *p, size_t nbytes)
{
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < nbytes; i++) {
        if (b[i] != 0xA5) {
            return 0;
        }
    }
    return 1;
}

/* Copies a strided n-d double array (strides in elements, may be negative)
 * into dst in C order. */
static void gather_f64(const double *base, int ndim, const int64_t *shape,
                       const int64_t *strides, double *dst)
{
    int64_t idx[8] = {0};
    int64_t total = 1, k;
    int d;
    for (d = 0; d < ndim; d++) {
        total *= shape[d];
    }
    for (k = 0; k < total; k++) {
        ptrdiff_t off = 0;
        for (d = 0; d < ndim; d++) {
            off += (ptrdiff_t)(idx[d] * strides[d]);
        }
        dst[k] = base[off];
        for (d = ndim - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                break;
            }
            idx[d] = 0;
        }
    }
}

/* Reference: numpy's formulas (docs/numerics.md) evaluated literally, one line of n points (f at f[i*fs],
 * result at out[i*os]). */
static void ref_line(const double *f, ptrdiff_t fs, int64_t n, const grad_spacing *sp,
                     int edge_order, double *out, ptrdiff_t os)
{
#define F_(i) f[(ptrdiff_t)(i) * fs]
#define O_(i) out[(ptrdiff_t)(i) * os]
    int uniform = 1;
    double h = 1.0;
    const double *x = NULL;
    int64_t i;
    if (sp != NULL && sp->kind == GRAD_SPACING_UNIFORM) {
        h = sp->delta;
    } else if (sp != NULL && sp->kind == GRAD_SPACING_COORDINATES) {
        x = sp->coords;
        h = x[1] - x[0];
        for (i = 1; i + 1 < n; i++) {
            if (!(x[i + 1] - x[i] == h)) {
                uniform = 0;
            }
        }
    }
    if (uniform) {
        for (i = 1; i + 1 < n; i++) {
            O_(i) = (F_(i + 1) - F_(i - 1)) / (2.0 * h);
        }
        if (edge_order == 1) {
            O_(0) = (F_(1) - F_(0)) / h;
            O_(n - 1) = (F_(n - 1) - F_(n - 2)) / h;
        } else {
            O_(0) = (((-1.5 / h) * F_(0)) + ((2.0 / h) * F_(1))) + ((-0.5 / h) * F_(2));
            O_(n - 1) = (((0.5 / h) * F_(n - 3)) + ((-2.0 / h) * F_(n - 2))) + ((1.5 / h) * F_(n - 1));
        }
    } else {
        double h1, h2, a, b, c;
        for (i = 1; i + 1 < n; i++) {
            h1 = x[i] - x[i - 1];
            h2 = x[i + 1] - x[i];
            a = (-h2) / (h1 * (h1 + h2));
            b = (h2 - h1) / (h1 * h2);
            c = h1 / (h2 * (h1 + h2));
            O_(i) = ((a * F_(i - 1)) + (b * F_(i))) + (c * F_(i + 1));
        }
        if (edge_order == 1) {
            O_(0) = (F_(1) - F_(0)) / (x[1] - x[0]);
            O_(n - 1) = (F_(n - 1) - F_(n - 2)) / (x[n - 1] - x[n - 2]);
        } else {
            h1 = x[1] - x[0];
            h2 = x[2] - x[1];
            a = (-((2.0 * h1) + h2)) / (h1 * (h1 + h2));
            b = (h1 + h2) / (h1 * h2);
            c = (-h1) / (h2 * (h1 + h2));
            O_(0) = ((a * F_(0)) + (b * F_(1))) + (c * F_(2));
            h1 = x[n - 2] - x[n - 3];
            h2 = x[n - 1] - x[n - 2];
            a = h2 / (h1 * (h1 + h2));
            b = (-(h2 + h1)) / (h1 * h2);
            c = ((2.0 * h2) + h1) / (h2 * (h1 + h2));
            O_(n - 1) = ((a * F_(n - 3)) + (b * F_(n - 2))) + (c * F_(n - 1));
        }
    }
#undef F_
#undef O_
}

/* Reference along one axis of an n-d array (input strides in elements),
 * result written C-contiguous. */
static void ref_axis(const double *f, int ndim, const int64_t *shape, const int64_t *strides,
                     int axis, const grad_spacing *sp, int edge_order, double *out)
{
    int64_t idx[8] = {0};
    int64_t cstr[8];
    int64_t lines = 1, k;
    int d;
    cstr[ndim - 1] = 1;
    for (d = ndim - 2; d >= 0; d--) {
        cstr[d] = cstr[d + 1] * shape[d + 1];
    }
    for (d = 0; d < ndim; d++) {
        if (d != axis) {
            lines *= shape[d];
        }
    }
    for (k = 0; k < lines; k++) {
        ptrdiff_t fo = 0, oo = 0;
        for (d = 0; d < ndim; d++) {
            fo += (ptrdiff_t)(idx[d] * strides[d]);
            oo += (ptrdiff_t)(idx[d] * cstr[d]);
        }
        ref_line(f + fo, (ptrdiff_t)strides[axis], shape[axis], sp, edge_order, out + oo,
                 (ptrdiff_t)cstr[axis]);
        for (d = ndim - 1; d >= 0; d--) {
            if (d == axis) {
                continue;
            }
            if (++idx[d] < shape[d]) {
                break;
            }
            idx[d] = 0;
        }
    }
}

/* One 1-d f64 call with unit/uniform/coordinate spacing. */
static grad_status grad1_f64(const double *f, int64_t n, const grad_spacing *sp,
                             int32_t edge_order, double *out, grad_error *err)
{
    int64_t shape[1];
    double *outs[1];
    shape[0] = n;
    outs[0] = out;
    return grad_gradient_f64(f, 1, shape, NULL, 1, NULL, sp != NULL ? 1 : 0, sp, edge_order,
                             outs, NULL, NULL, err);
}

static grad_status grad1_f32(const float *f, int64_t n, const grad_spacing *sp,
                             int32_t edge_order, float *out, grad_error *err)
{
    int64_t shape[1];
    float *outs[1];
    shape[0] = n;
    outs[0] = out;
    return grad_gradient_f32(f, 1, shape, NULL, 1, NULL, sp != NULL ? 1 : 0, sp, edge_order,
                             outs, NULL, NULL, err);
}

static grad_status grad1_c128(const grad_complex128 *f, int64_t n, const grad_spacing *sp,
                              int32_t edge_order, grad_complex128 *out, grad_error *err)
{
    int64_t shape[1];
    grad_complex128 *outs[1];
    shape[0] = n;
    outs[0] = out;
    return grad_gradient_c128(f, 1, shape, NULL, 1, NULL, sp != NULL ? 1 : 0, sp, edge_order,
                              outs, NULL, NULL, err);
}

static grad_status grad1_c64(const grad_complex64 *f, int64_t n, const grad_spacing *sp,
                             int32_t edge_order, grad_complex64 *out, grad_error *err)
{
    int64_t shape[1];
    grad_complex64 *outs[1];
    shape[0] = n;
    outs[0] = out;
    return grad_gradient_c64(f, 1, shape, NULL, 1, NULL, sp != NULL ? 1 : 0, sp, edge_order,
                             outs, NULL, NULL, err);
}

/* ------------------------------------------------------------------------ */
/* Version and status strings                                                */
/* ------------------------------------------------------------------------ */

static void test_version_and_status_str(void)
{
    static const int32_t codes[] = {
        GRAD_STATUS_OK, GRAD_STATUS_NULL_POINTER, GRAD_STATUS_INVALID_NDIM,
        GRAD_STATUS_INVALID_SHAPE, GRAD_STATUS_INVALID_STRIDES, GRAD_STATUS_INVALID_AXIS,
        GRAD_STATUS_INVALID_SPACING, GRAD_STATUS_INVALID_EDGE_ORDER,
        GRAD_STATUS_SHAPE_TOO_SMALL, GRAD_STATUS_MISALIGNED, GRAD_STATUS_OVERLAP,
        GRAD_STATUS_INVALID_DTYPE, GRAD_STATUS_INVALID_OPTIONS, GRAD_STATUS_INTERNAL};
    static const int32_t unknown[] = {-1, 13, 14, 98, 100, 1000, INT32_MAX, INT32_MIN};
    size_t i, j;
    g_section = "version/status_str";

    CHECKF(grad_version() == ((0u << 16) | (1u << 8) | 0u), "grad_version() = 0x%06lx, expected 0x000100",
           (unsigned long)grad_version());

    /* the frozen numeric values (docs/reference.md) */
    CHECK(GRAD_STATUS_OK == 0);
    CHECK(GRAD_STATUS_NULL_POINTER == 1);
    CHECK(GRAD_STATUS_INVALID_NDIM == 2);
    CHECK(GRAD_STATUS_INVALID_SHAPE == 3);
    CHECK(GRAD_STATUS_INVALID_STRIDES == 4);
    CHECK(GRAD_STATUS_INVALID_AXIS == 5);
    CHECK(GRAD_STATUS_INVALID_SPACING == 6);
    CHECK(GRAD_STATUS_INVALID_EDGE_ORDER == 7);
    CHECK(GRAD_STATUS_SHAPE_TOO_SMALL == 8);
    CHECK(GRAD_STATUS_MISALIGNED == 9);
    CHECK(GRAD_STATUS_OVERLAP == 10);
    CHECK(GRAD_STATUS_INVALID_DTYPE == 11);
    CHECK(GRAD_STATUS_INVALID_OPTIONS == 12);
    CHECK(GRAD_STATUS_INTERNAL == 99);
    CHECK(GRAD_SPACING_UNIT == 0 && GRAD_SPACING_UNIFORM == 1 && GRAD_SPACING_COORDINATES == 2);
    CHECK(GRAD_BOUNDARY_ONE_SIDED == 0 && GRAD_BOUNDARY_PERIODIC == 1 && GRAD_BOUNDARY_GHOST == 2);
    CHECK(GRAD_DTYPE_F64 == 0 && GRAD_DTYPE_F32 == 1 && GRAD_DTYPE_C128 == 2 && GRAD_DTYPE_C64 == 3);
    CHECK(GRAD_DTYPE_I8 == 4 && GRAD_DTYPE_I16 == 5 && GRAD_DTYPE_I32 == 6 && GRAD_DTYPE_I64 == 7);
    CHECK(GRAD_DTYPE_U8 == 8 && GRAD_DTYPE_U16 == 9 && GRAD_DTYPE_U32 == 10 && GRAD_DTYPE_U64 == 11);
    CHECK(GRAD_MAX_NDIM == 64);
#ifdef MAX_NDIM
    CHECKF(0, "gradient.h defines MAX_NDIM: every constant must be GRAD_* (docs/reference.md)");
#endif
    CHECK(sizeof(grad_complex128) == 2 * sizeof(double));
    CHECK(sizeof(grad_complex64) == 2 * sizeof(float));
    CHECK(sizeof(((grad_error *)0)->message) == 256);
    /* docs/reference.md: struct tags as well as typedef names, fields in this order */
    CHECK(sizeof(struct grad_spacing) == sizeof(grad_spacing));
    CHECK(sizeof(struct grad_error) == sizeof(grad_error));
    CHECK(sizeof(struct grad_options) == sizeof(grad_options));
    CHECK(sizeof(struct grad_complex64) == sizeof(grad_complex64));
    CHECK(sizeof(struct grad_complex128) == sizeof(grad_complex128));
    CHECK(offsetof(grad_spacing, kind) == 0 &&
          offsetof(grad_spacing, kind) < offsetof(grad_spacing, delta) &&
          offsetof(grad_spacing, delta) < offsetof(grad_spacing, coords) &&
          offsetof(grad_spacing, coords) < offsetof(grad_spacing, coords_len));
    CHECK(offsetof(grad_error, status) == 0 && offsetof(grad_error, axis) == 4 &&
          offsetof(grad_error, message) == 8);
    CHECK(offsetof(grad_options, size) == 0 && offsetof(grad_options, threads) == 4 &&
          offsetof(grad_options, threads) < offsetof(grad_options, boundaries) &&
          offsetof(grad_options, boundaries) < offsetof(grad_options, periods));
    CHECK(offsetof(grad_complex128, re) == 0 && offsetof(grad_complex128, im) == sizeof(double));
    CHECK(offsetof(grad_complex64, re) == 0 && offsetof(grad_complex64, im) == sizeof(float));

    for (i = 0; i < COUNT(codes); i++) {
        const char *s = grad_status_str(codes[i]);
        CHECKF(s != NULL && s[0] != '\0', "grad_status_str(%d) is NULL or empty", (int)codes[i]);
        /* distinct texts for distinct codes */
        for (j = 0; j < i; j++) {
            const char *t = grad_status_str(codes[j]);
            CHECKF(s == NULL || t == NULL || strcmp(s, t) != 0,
                   "grad_status_str(%d) == grad_status_str(%d) == \"%s\"", (int)codes[i],
                   (int)codes[j], s != NULL ? s : "(null)");
        }
    }
    for (i = 0; i < COUNT(unknown); i++) {
        const char *s = grad_status_str(unknown[i]);
        CHECKF(s != NULL, "grad_status_str(%ld) is NULL", (long)unknown[i]);
    }
}

/* ------------------------------------------------------------------------ */
/* Golden values of docs/numerics.md, 1-d                                               */
/* ------------------------------------------------------------------------ */

static void test_golden_1d_f64(void)
{
    double out[8];
    double xt[7];
    grad_error e = fresh_err();
    grad_spacing s;
    int i;
    g_section = "golden 1-d f64";

    /* unit spacing: no spacing list, and an explicit UNIT entry */
    CHECK_OK(grad1_f64(F6, 6, NULL, 1, out, &e), &e);
    CHECK_F64("f6 unit", out, G_F6_UNIT, 6);
    CHECK(e.status == GRAD_STATUS_OK);
    s = sp_unit();
    CHECK_OK(grad1_f64(F6, 6, &s, 1, out, &e), &e);
    CHECK_F64("f6 UNIT entry", out, G_F6_UNIT, 6);
    CHECK_OK(grad1_f64(F6, 6, NULL, 2, out, &e), &e);
    CHECK_F64("f6 unit e2", out, G_F6_UNIT_E2, 6);
    /* err == NULL on success */
    CHECK(grad1_f64(F6, 6, NULL, 1, out, NULL) == GRAD_STATUS_OK);
    CHECK_F64("f6 unit, err NULL", out, G_F6_UNIT, 6);

    s = sp_uniform(2.0);
    CHECK_OK(grad1_f64(F6, 6, &s, 1, out, &e), &e);
    CHECK_F64("f6 h=2", out, G_F6_H2, 6);
    s = sp_uniform(-2.0);
    CHECK_OK(grad1_f64(F6, 6, &s, 1, out, &e), &e);
    CHECK_F64("f6 h=-2", out, G_F6_HNEG2, 6);

    s = sp_coords(X6, 6);
    CHECK_OK(grad1_f64(F6, 6, &s, 1, out, &e), &e);
    CHECK_F64("f6 x e1", out, G_F6_X_E1, 6);
    CHECK_OK(grad1_f64(F6, 6, &s, 2, out, &e), &e);
    CHECK_F64("f6 x e2", out, G_F6_X_E2, 6);

    {
        /* decreasing coordinates are valid */
        double xd[6];
        for (i = 0; i < 6; i++) {
            xd[i] = X6[5 - i];
        }
        s = sp_coords(xd, 6);
        CHECK_OK(grad1_f64(F6, 6, &s, 1, out, &e), &e);
        CHECK_F64("f6 decreasing x e1", out, G_F6_XDEC_E1, 6);
        CHECK_OK(grad1_f64(F6, 6, &s, 2, out, &e), &e);
        CHECK_F64("f6 decreasing x e2", out, G_F6_XDEC_E2, 6);
    }
    {
        /* evenly spaced coordinates take the uniform path (bit-identical to h) */
        double x2[6], xu[7];
        for (i = 0; i < 6; i++) {
            x2[i] = 2.0 * i;
        }
        for (i = 0; i < 7; i++) {
            xu[i] = 0.25 * i + 1;
        }
        s = sp_coords(x2, 6);
        CHECK_OK(grad1_f64(F6, 6, &s, 1, out, &e), &e);
        CHECK_F64("f6 x=[0,2,..,10]", out, G_F6_H2, 6);
        s = sp_coords(xu, 7);
        CHECK_OK(grad1_f64(F7, 7, &s, 2, out, &e), &e);
        CHECK_F64("f7 x=0.25k+1 e2", out, G_F7_XU_E2, 7);
    }

    CHECK_OK(grad1_f64(F4, 4, NULL, 1, out, &e), &e);
    CHECK_F64("f4 unit", out, G_F4, 4);

    s = sp_uniform(0.7);
    CHECK_OK(grad1_f64(F7, 7, &s, 1, out, &e), &e);
    CHECK_F64("f7 h=0.7 e1", out, G_F7_H07_E1, 7);
    CHECK_OK(grad1_f64(F7, 7, &s, 2, out, &e), &e);
    CHECK_F64("f7 h=0.7 e2", out, G_F7_H07_E2, 7);

    s = sp_coords(X7, 7);
    CHECK_OK(grad1_f64(F7, 7, &s, 1, out, &e), &e);
    CHECK_F64("f7 x e1", out, G_F7_X_E1, 7);
    CHECK_OK(grad1_f64(F7, 7, &s, 2, out, &e), &e);
    CHECK_F64("f7 x e2", out, G_F7_X_E2, 7);

    for (i = 0; i < 7; i++) {
        xt[i] = 0.1 * i; /* not exactly uniform: the non-uniform path */
    }
    s = sp_coords(xt, 7);
    CHECK_OK(grad1_f64(F7, 7, &s, 1, out, &e), &e);
    CHECK_F64("f7 xt e1", out, G_F7_XT_E1, 7);
    CHECK_OK(grad1_f64(F7, 7, &s, 2, out, &e), &e);
    CHECK_F64("f7 xt e2", out, G_F7_XT_E2, 7);
}

/* The C reference must agree with the goldens, or its use below means nothing. */
static void test_reference_matches_goldens(void)
{
    double out[8];
    grad_spacing s;
    g_section = "reference self-check";
    ref_line(F6, 1, 6, NULL, 1, out, 1);
    CHECK_F64("ref f6 unit", out, G_F6_UNIT, 6);
    s = sp_coords(X6, 6);
    ref_line(F6, 1, 6, &s, 2, out, 1);
    CHECK_F64("ref f6 x e2", out, G_F6_X_E2, 6);
    s = sp_uniform(0.7);
    ref_line(F7, 1, 7, &s, 2, out, 1);
    CHECK_F64("ref f7 h e2", out, G_F7_H07_E2, 7);
    s = sp_coords(X7, 7);
    ref_line(F7, 1, 7, &s, 1, out, 1);
    CHECK_F64("ref f7 x e1", out, G_F7_X_E1, 7);
    ref_line(F7, 1, 7, &s, 2, out, 1);
    CHECK_F64("ref f7 x e2", out, G_F7_X_E2, 7);
}

static void test_golden_1d_f32(void)
{
    float f[7], out[8];
    grad_error e = fresh_err();
    grad_spacing s;
    int i;
    g_section = "golden 1-d f32";
    for (i = 0; i < 7; i++) {
        f[i] = (float)F7[i]; /* as numpy's astype(float32) */
    }
    s = sp_uniform(0.3);
    CHECK_OK(grad1_f32(f, 7, &s, 2, out, &e), &e);
    CHECK_F32("f32 h=0.3 e2", out, G_F7S_H03_E2, 7);
    s = sp_coords(X7, 7);
    CHECK_OK(grad1_f32(f, 7, &s, 2, out, &e), &e);
    CHECK_F32("f32 x e2", out, G_F7S_X_E2, 7);
    CHECK_OK(grad1_f32(f, 7, &s, 1, out, &e), &e);
    CHECK_F32("f32 x e1", out, G_F7S_X_E1, 7);
    CHECK_OK(grad1_f32(f, 7, NULL, 1, out, &e), &e);
    CHECK_F32("f32 unit e1", out, G_F7S_UNIT_E1, 7);
    s = sp_uniform(0.7);
    CHECK_OK(grad1_f32(f, 7, &s, 1, out, &e), &e);
    CHECK_F32("f32 h=0.7 e1", out, G_F7S_H07_E1, 7);
}

static void test_golden_complex(void)
{
    grad_complex128 z[6], oz[6];
    grad_complex64 c[6], oc[6];
    grad_error e = fresh_err();
    grad_spacing s;
    int i;
    g_section = "golden complex";
    for (i = 0; i < 6; i++) {
        z[i].re = ZC[2 * i];
        z[i].im = ZC[2 * i + 1];
        c[i].re = (float)ZC[2 * i];
        c[i].im = (float)ZC[2 * i + 1];
    }

    CHECK_OK(grad1_c128(z, 6, NULL, 1, oz, &e), &e);
    CHECK_C128("c128 unit", oz, G_C128_UNIT, 6);
    s = sp_uniform(0.7);
    CHECK_OK(grad1_c128(z, 6, &s, 1, oz, &e), &e);
    CHECK_C128("c128 h=0.7 e1", oz, G_C128_H07_E1, 6);
    CHECK_OK(grad1_c128(z, 6, &s, 2, oz, &e), &e);
    CHECK_C128("c128 h=0.7 e2", oz, G_C128_H07_E2, 6);
    s = sp_coords(XC, 6);
    CHECK_OK(grad1_c128(z, 6, &s, 1, oz, &e), &e);
    CHECK_C128("c128 x e1", oz, G_C128_X_E1, 6);
    CHECK_OK(grad1_c128(z, 6, &s, 2, oz, &e), &e);
    CHECK_C128("c128 x e2", oz, G_C128_X_E2, 6);

    CHECK_OK(grad1_c64(c, 6, NULL, 1, oc, &e), &e);
    CHECK_C64("c64 unit", oc, G_C64_UNIT, 6);
    s = sp_uniform(0.7);
    CHECK_OK(grad1_c64(c, 6, &s, 1, oc, &e), &e);
    CHECK_C64("c64 h=0.7 e1", oc, G_C64_H07_E1, 6);
    CHECK_OK(grad1_c64(c, 6, &s, 2, oc, &e), &e);
    CHECK_C64("c64 h=0.7 e2", oc, G_C64_H07_E2, 6);
    s = sp_coords(XC, 6);
    CHECK_OK(grad1_c64(c, 6, &s, 1, oc, &e), &e);
    CHECK_C64("c64 x e1", oc, G_C64_X_E1, 6);
    CHECK_OK(grad1_c64(c, 6, &s, 2, oc, &e), &e);
    CHECK_C64("c64 x e2", oc, G_C64_X_E2, 6);
}

/* ------------------------------------------------------------------------ */
/* The generic entry point, every dtype                                      */
/* ------------------------------------------------------------------------ */

static grad_status gen1(int32_t dtype, const void *f, int64_t n, const grad_spacing *sp,
                        int32_t edge_order, void *out, grad_error *err)
{
    int64_t shape[1];
    void *outs[1];
    shape[0] = n;
    outs[0] = out;
    return grad_gradient(dtype, f, 1, shape, NULL, 1, NULL, sp != NULL ? 1 : 0, sp, edge_order,
                         outs, NULL, NULL, err);
}

static void test_generic_dtypes(void)
{
    static const uint8_t u8_54321[] = {5, 4, 3, 2, 1};
    static const int8_t i8[] = {-128, 127, 0, -1, 5, -128};
    static const int16_t i16[] = {-32768, 32767, 0, -1, 5, -32768};
    static const int32_t i32[] = {INT32_MIN, INT32_MAX, 0, -1, 5, INT32_MIN};
    static const int64_t i64[] = {INT64_MIN, INT64_MAX, 0, -1, INT64_MAX, INT64_MIN};
    static const uint8_t u8[] = {255, 0, 255, 1, 0, 200};
    static const uint16_t u16[] = {65535, 0, 65535, 1, 0, 200};
    static const uint32_t u32[] = {UINT32_MAX, 0, UINT32_MAX, 1, 0, 200};
    static const uint64_t u64[] = {UINT64_MAX, 0, UINT64_MAX, 1, (uint64_t)1 << 63, 0};
    static const struct {
        int32_t dtype;
        const void *data;
        const double *unit;
        const double *coords_e2;
        const char *name;
    } ints[] = {
        {GRAD_DTYPE_I8, i8, G_INT_I8, G_INTX_I8, "int8"},
        {GRAD_DTYPE_I16, i16, G_INT_I16, G_INTX_I16, "int16"},
        {GRAD_DTYPE_I32, i32, G_INT_I32, G_INTX_I32, "int32"},
        {GRAD_DTYPE_I64, i64, G_INT_I64, G_INTX_I64, "int64"},
        {GRAD_DTYPE_U8, u8, G_INT_U8, G_INTX_U8, "uint8"},
        {GRAD_DTYPE_U16, u16, G_INT_U16, G_INTX_U16, "uint16"},
        {GRAD_DTYPE_U32, u32, G_INT_U32, G_INTX_U32, "uint32"},
        {GRAD_DTYPE_U64, u64, G_INT_U64, G_INTX_U64, "uint64"},
    };
    double out[8];
    float f32[7], o32[7];
    grad_complex128 z[6], oz[6];
    grad_complex64 c[6], oc[6];
    grad_error e = fresh_err();
    grad_spacing s;
    size_t i;
    char what[64];
    g_section = "grad_gradient dtypes";

    CHECK_OK(gen1(GRAD_DTYPE_F64, F6, 6, NULL, 1, out, &e), &e);
    CHECK_F64("F64 f6 unit", out, G_F6_UNIT, 6);
    s = sp_coords(X6, 6);
    CHECK_OK(gen1(GRAD_DTYPE_F64, F6, 6, &s, 2, out, &e), &e);
    CHECK_F64("F64 f6 x e2", out, G_F6_X_E2, 6);

    for (i = 0; i < 7; i++) {
        f32[i] = (float)F7[i];
    }
    s = sp_uniform(0.3);
    CHECK_OK(gen1(GRAD_DTYPE_F32, f32, 7, &s, 2, o32, &e), &e);
    CHECK_F32("F32 h=0.3 e2", o32, G_F7S_H03_E2, 7);
    s = sp_coords(X7, 7);
    CHECK_OK(gen1(GRAD_DTYPE_F32, f32, 7, &s, 2, o32, &e), &e);
    CHECK_F32("F32 x e2", o32, G_F7S_X_E2, 7);

    for (i = 0; i < 6; i++) {
        z[i].re = ZC[2 * i];
        z[i].im = ZC[2 * i + 1];
        c[i].re = (float)ZC[2 * i];
        c[i].im = (float)ZC[2 * i + 1];
    }
    CHECK_OK(gen1(GRAD_DTYPE_C128, z, 6, NULL, 1, oz, &e), &e);
    CHECK_C128("C128 unit", oz, G_C128_UNIT, 6);
    s = sp_coords(XC, 6);
    CHECK_OK(gen1(GRAD_DTYPE_C128, z, 6, &s, 2, oz, &e), &e);
    CHECK_C128("C128 x e2", oz, G_C128_X_E2, 6);
    s = sp_uniform(0.7);
    CHECK_OK(gen1(GRAD_DTYPE_C64, c, 6, &s, 2, oc, &e), &e);
    CHECK_C64("C64 h=0.7 e2", oc, G_C64_H07_E2, 6);
    s = sp_coords(XC, 6);
    CHECK_OK(gen1(GRAD_DTYPE_C64, c, 6, &s, 1, oc, &e), &e);
    CHECK_C64("C64 x e1", oc, G_C64_X_E1, 6);

    /* docs/numerics.md, golden values: uint8 [5, 4, 3, 2, 1] -> -1 everywhere (no wrap-around) */
    CHECK_OK(gen1(GRAD_DTYPE_U8, u8_54321, 5, NULL, 1, out, &e), &e);
    CHECK_F64("U8 [5,4,3,2,1]", out, G_U8, 5);
    CHECK_OK(gen1(GRAD_DTYPE_U8, u8_54321, 5, NULL, 2, out, &e), &e);
    CHECK_F64("U8 [5,4,3,2,1] e2", out, G_U8, 5);

    /* integer extremes: converted to double first */
    for (i = 0; i < COUNT(ints); i++) {
        CHECK_OK(gen1(ints[i].dtype, ints[i].data, 6, NULL, 1, out, &e), &e);
        sprintf(what, "%s extremes unit", ints[i].name);
        CHECK_F64(what, out, ints[i].unit, 6);
        s = sp_coords(XC, 6);
        CHECK_OK(gen1(ints[i].dtype, ints[i].data, 6, &s, 2, out, &e), &e);
        sprintf(what, "%s extremes x e2", ints[i].name);
        CHECK_F64(what, out, ints[i].coords_e2, 6);
    }
    {
        /* a 2-d integer array, both axes, interleaved outputs */
        static const int32_t ai[] = {1, 2, 6, 3, 4, 5};
        static const int64_t shape[] = {2, 3};
        static const int64_t ostr[] = {6, 2, 6, 2};
        double buf[12], g0[6], g1[6];
        void *outs[2];
        outs[0] = buf;
        outs[1] = buf + 1;
        CHECK_OK(grad_gradient(GRAD_DTYPE_I32, ai, 2, shape, NULL, 2, NULL, 0, NULL, 1, outs, ostr,
                               NULL, &e),
                 &e);
        gather_f64(buf, 2, shape, ostr, g0);
        gather_f64(buf + 1, 2, shape, ostr + 2, g1);
        CHECK_F64("I32 2-d axis0", g0, G_A_AX0, 6);
        CHECK_F64("I32 2-d axis1", g1, G_A_AX1, 6);
    }
}

/* ------------------------------------------------------------------------ */
/* 2-d: axes, spacing, layouts                                               */
/* ------------------------------------------------------------------------ */

static const int64_t SHAPE23[] = {2, 3};

static void test_2d_axes_and_spacing(void)
{
    double o0[6], o1[6];
    double *outs[2];
    grad_error e = fresh_err();
    grad_spacing sp[2];
    int32_t axes[2];
    static const int64_t cstr[] = {3, 1};
    g_section = "2-d axes/spacing";
    outs[0] = o0;
    outs[1] = o1;

    /* all axes: axes NULL, and explicit {0, 1}, and explicit C strides */
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 2, NULL, 0, NULL, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("all axes: axis0", o0, G_A_AX0, 6);
    CHECK_F64("all axes: axis1", o1, G_A_AX1, 6);
    axes[0] = 0;
    axes[1] = 1;
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, cstr, 2, axes, 0, NULL, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("axes {0,1}: axis0", o0, G_A_AX0, 6);
    CHECK_F64("axes {0,1}: axis1", o1, G_A_AX1, 6);

    /* axes {1} */
    axes[0] = 1;
    fill_sentinel(o1, sizeof o1);
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 1, axes, 0, NULL, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("axes {1}", o0, G_A_AX1, 6);
    CHECK(is_sentinel(o1, sizeof o1)); /* only naxes outputs are touched */
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 1, axes, 0, NULL, 2, outs, NULL, NULL, &e), &e);
    CHECK_F64("axes {1} e2", o0, G_A_AX1_E2, 6);

    /* axes {-1, 0}: outputs in the order of axes */
    axes[0] = -1;
    axes[1] = 0;
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 2, axes, 0, NULL, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("axes {-1,0}: out[0] is axis1", o0, G_A_AX1, 6);
    CHECK_F64("axes {-1,0}: out[1] is axis0", o1, G_A_AX0, 6);

    /* spacing (UNIFORM 2, COORDINATES [1, 1.5, 3.5]) */
    sp[0] = sp_uniform(2.0);
    sp[1] = sp_coords(X3, 3);
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 2, NULL, 2, sp, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("spacing: axis0", o0, G_A_SP_AX0, 6);
    CHECK_F64("spacing: axis1", o1, G_A_SP_AX1, 6);

    /* the spacing list follows axes[] */
    sp[0] = sp_coords(X3, 3);
    sp[1] = sp_uniform(2.0);
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 2, axes, 2, sp, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("axes {-1,0} spacing: out[0]", o0, G_A_SP_AX1, 6);
    CHECK_F64("axes {-1,0} spacing: out[1]", o1, G_A_SP_AX0, 6);

    /* one coordinate entry for a call on one axis is fine */
    axes[0] = 1;
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 1, axes, 1, sp, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("axes {1} coords", o0, G_A_SP_AX1, 6);

    /* one uniform step for every axis */
    sp[0] = sp_uniform(2.0);
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 2, NULL, 1, sp, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("one step 2: axis0", o0, G_A_H2_AX0, 6);
    CHECK_F64("one step 2: axis1", o1, G_A_H2_AX1, 6);
    sp[0] = sp_unit();
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 2, NULL, 1, sp, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("one UNIT entry: axis0", o0, G_A_AX0, 6);
    CHECK_F64("one UNIT entry: axis1", o1, G_A_AX1, 6);
}

static void test_2d_layouts(void)
{
    static const double AF[] = {1, 3, 2, 4, 6, 5}; /* A23 in Fortran order */
    static const int64_t fstr[] = {1, 2};
    double o0[6], o1[6], g0[6], g1[6], buf[12], rv[6];
    double *outs[2];
    grad_error e = fresh_err();
    grad_spacing sp[2];
    int64_t str[4];
    int i;
    g_section = "2-d layouts";
    outs[0] = o0;
    outs[1] = o1;

    /* column-major input via strides == C-order result */
    CHECK_OK(grad_gradient_f64(AF, 2, SHAPE23, fstr, 2, NULL, 0, NULL, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("F-order input: axis0", o0, G_A_AX0, 6);
    CHECK_F64("F-order input: axis1", o1, G_A_AX1, 6);
    sp[0] = sp_uniform(2.0);
    sp[1] = sp_coords(X3, 3);
    CHECK_OK(grad_gradient_f64(AF, 2, SHAPE23, fstr, 2, NULL, 2, sp, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("F-order input spacing: axis0", o0, G_A_SP_AX0, 6);
    CHECK_F64("F-order input spacing: axis1", o1, G_A_SP_AX1, 6);

    /* negative strides: reversed 1-d view (pointer at the last element in memory) */
    {
        static const int64_t shape6[] = {6};
        static const int64_t rstr[] = {-1};
        double out[6];
        double *o[1];
        o[0] = out;
        CHECK_OK(grad_gradient_f64(F6 + 5, 1, shape6, rstr, 1, NULL, 0, NULL, 1, o, NULL, NULL, &e), &e);
        CHECK_F64("reversed f6", out, G_F6_REV, 6);
        CHECK_OK(grad_gradient_f64(F6 + 5, 1, shape6, rstr, 1, NULL, 0, NULL, 2, o, NULL, NULL, &e), &e);
        CHECK_F64("reversed f6 e2", out, G_F6_REV_E2, 6);
        sp[0] = sp_coords(X6, 6);
        CHECK_OK(grad_gradient_f64(F6 + 5, 1, shape6, rstr, 1, NULL, 1, sp, 2, o, NULL, NULL, &e), &e);
        CHECK_F64("reversed f6 x e2", out, G_F6_REV_X_E2, 6);
        /* reversed = negated, reversed unit result (exact for e1) */
        for (i = 0; i < 6; i++) {
            rv[i] = -G_F6_UNIT[5 - i];
        }
        CHECK_OK(grad_gradient_f64(F6 + 5, 1, shape6, rstr, 1, NULL, 0, NULL, 1, o, NULL, NULL, &e), &e);
        CHECK_F64("reversed f6 == -reverse(gradient)", out, rv, 6);
        /* a negative output stride: the result lands reversed in memory */
        for (i = 0; i < 6; i++) {
            rv[i] = G_F6_UNIT[5 - i];
        }
        /* out[0] is element 0, so pass the pointer to the end */
        o[0] = out + 5;
        CHECK_OK(grad_gradient_f64(F6, 1, shape6, NULL, 1, NULL, 0, NULL, 1, o, rstr, NULL, &e), &e);
        CHECK_F64("negative output stride", out, rv, 6);
    }
    /* 2-d: rows reversed, columns reversed, both */
    str[0] = -3;
    str[1] = 1;
    CHECK_OK(grad_gradient_f64(A23 + 3, 2, SHAPE23, str, 2, NULL, 0, NULL, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("rows reversed: axis0", o0, G_AREV_AX0, 6);
    CHECK_F64("rows reversed: axis1", o1, G_AREV_AX1, 6);
    str[0] = 3;
    str[1] = -1;
    CHECK_OK(grad_gradient_f64(A23 + 2, 2, SHAPE23, str, 2, NULL, 0, NULL, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("columns reversed: axis0", o0, G_ACREV_AX0, 6);
    CHECK_F64("columns reversed: axis1", o1, G_ACREV_AX1, 6);
    str[0] = -3;
    str[1] = -1;
    CHECK_OK(grad_gradient_f64(A23 + 5, 2, SHAPE23, str, 2, NULL, 0, NULL, 1, outs, NULL, NULL, &e), &e);
    for (i = 0; i < 6; i++) {
        rv[i] = -G_A_AX0[5 - i];
    }
    CHECK_F64("both reversed: axis0", o0, rv, 6);
    for (i = 0; i < 6; i++) {
        rv[i] = -G_A_AX1[5 - i];
    }
    CHECK_F64("both reversed: axis1", o1, rv, 6);

    /* input stride 0 (a broadcast row) is valid */
    str[0] = 0;
    str[1] = 1;
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, str, 2, NULL, 0, NULL, 1, outs, NULL, NULL, &e), &e);
    CHECK_F64("stride-0 input: axis0", o0, G_B0, 6);
    CHECK_F64("stride-0 input: axis1", o1, G_B1, 6);

    /* column-major outputs */
    str[0] = 1;
    str[1] = 2;
    str[2] = 1;
    str[3] = 2;
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 2, NULL, 0, NULL, 1, outs, str, NULL, &e), &e);
    gather_f64(o0, 2, SHAPE23, str, g0);
    gather_f64(o1, 2, SHAPE23, str + 2, g1);
    CHECK_F64("F-order outputs: axis0", g0, G_A_AX0, 6);
    CHECK_F64("F-order outputs: axis1", g1, G_A_AX1, 6);
    CHECK(o0[1] == G_A_AX0[3]); /* memory order really is column-major */

    /* two outputs interleaved in one (2,3,2) buffer: disjoint elements, accepted */
    str[0] = 6;
    str[1] = 2;
    str[2] = 6;
    str[3] = 2;
    outs[0] = buf;
    outs[1] = buf + 1;
    fill_sentinel(buf, sizeof buf);
    CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 2, NULL, 0, NULL, 1, outs, str, NULL, &e), &e);
    gather_f64(buf, 2, SHAPE23, str, g0);
    gather_f64(buf + 1, 2, SHAPE23, str + 2, g1);
    CHECK_F64("interleaved outputs: axis0", g0, G_A_AX0, 6);
    CHECK_F64("interleaved outputs: axis1", g1, G_A_AX1, 6);
    /* F-order input with interleaved outputs and axes {-1, 0} */
    {
        int32_t axes[2];
        axes[0] = -1;
        axes[1] = 0;
        CHECK_OK(grad_gradient_f64(AF, 2, SHAPE23, fstr, 2, axes, 0, NULL, 1, outs, str, NULL, &e), &e);
        gather_f64(buf, 2, SHAPE23, str, g0);
        gather_f64(buf + 1, 2, SHAPE23, str + 2, g1);
        CHECK_F64("F input, interleaved, axes {-1,0}: out[0]", g0, G_A_AX1, 6);
        CHECK_F64("F input, interleaved, axes {-1,0}: out[1]", g1, G_A_AX0, 6);
    }

    /* an output stride of 0 is fine on an extent of 1 */
    {
        static const int64_t shape16[] = {1, 6};
        static const int64_t ostr[] = {0, 1};
        int32_t ax = 1;
        outs[0] = o0;
        CHECK_OK(grad_gradient_f64(F6, 2, shape16, NULL, 1, &ax, 0, NULL, 1, outs, ostr, NULL, &e), &e);
        CHECK_F64("(1,6) axis 1, out stride 0 on extent 1", o0, G_F6_UNIT, 6);
    }
}

/* ------------------------------------------------------------------------ */
/* 3-d, many layouts, against the reference of numpy's formulas                          */
/* ------------------------------------------------------------------------ */

static double val3(int64_t i0, int64_t i1, int64_t i2)
{
    int64_t k = (i0 * 5 + i1) * 6 + i2;
    return (double)((k * 7919) % 1013) / 7.0 - 50.0;
}

static void test_3d_layouts(void)
{
    static const int64_t shape[] = {4, 5, 6};
    static const int64_t cstr[] = {30, 6, 1};
    static const int64_t fstr[] = {1, 4, 20};
    static const int64_t vstr[] = {-120, 12, 2}; /* view big[7::-2, :, 1::2] of (8,5,12) */
    static const double x5[] = {0, 0.3, 1.0, 1.1, 2.5};
    double fc[120], ff[120], big[480];
    double ref[3][120], got[120];
    double ob[3][120], inter[360];
    grad_spacing sp[3];
    grad_error e = fresh_err();
    int64_t i0, i1, i2;
    int eo, lay, olay, k;
    char what[96];
    g_section = "3-d layouts";

    for (k = 0; k < 480; k++) {
        big[k] = 1e300; /* never read */
    }
    for (i0 = 0; i0 < 4; i0++) {
        for (i1 = 0; i1 < 5; i1++) {
            for (i2 = 0; i2 < 6; i2++) {
                double v = val3(i0, i1, i2);
                fc[i0 * 30 + i1 * 6 + i2] = v;
                ff[i0 + 4 * i1 + 20 * i2] = v;
                big[(7 - 2 * i0) * 60 + i1 * 12 + (1 + 2 * i2)] = v;
            }
        }
    }
    sp[0] = sp_uniform(0.3);
    sp[1] = sp_coords(x5, 5);
    sp[2] = sp_unit();

    for (eo = 1; eo <= 2; eo++) {
        for (k = 0; k < 3; k++) {
            ref_axis(fc, 3, shape, cstr, k, &sp[k], eo, ref[k]);
        }
        for (lay = 0; lay < 4; lay++) {
            const double *f = lay == 3 ? big + 7 * 60 + 1 : lay == 2 ? ff : fc;
            const int64_t *istr = lay == 0 ? NULL : lay == 1 ? cstr : lay == 2 ? fstr : vstr;
            for (olay = 0; olay < 4; olay++) {
                int64_t ostr[9];
                double *outs[3];
                for (k = 0; k < 3; k++) {
                    switch (olay) {
                    case 0: /* C order, out_strides NULL */
                    case 1: /* F order */
                        outs[k] = ob[k];
                        memcpy(ostr + 3 * k, olay == 0 ? cstr : fstr, sizeof cstr);
                        break;
                    case 2: /* three outputs interleaved in one buffer */
                        outs[k] = inter + k;
                        ostr[3 * k] = 90;
                        ostr[3 * k + 1] = 18;
                        ostr[3 * k + 2] = 3;
                        break;
                    default: /* everything reversed in memory */
                        outs[k] = ob[k] + 119;
                        ostr[3 * k] = -30;
                        ostr[3 * k + 1] = -6;
                        ostr[3 * k + 2] = -1;
                        break;
                    }
                }
                fill_sentinel(ob, sizeof ob);
                fill_sentinel(inter, sizeof inter);
                CHECK_OK(grad_gradient_f64(f, 3, shape, istr, 3, NULL, 3, sp, eo, outs,
                                           olay == 0 ? NULL : ostr, NULL, &e),
                         &e);
                for (k = 0; k < 3; k++) {
                    gather_f64(outs[k], 3, shape, ostr + 3 * k, got);
                    sprintf(what, "e%d input layout %d output layout %d axis %d", eo, lay, olay, k);
                    CHECK_F64(what, got, ref[k], 120);
                }
            }
        }
    }

    /* a subset of axes in another order, with their own spacing */
    {
        int32_t axes[2];
        double r0[120], r1[120];
        double *outs[2];
        grad_spacing s2[2];
        axes[0] = -1;
        axes[1] = 0;
        s2[0] = sp_coords(X6, 6);
        s2[1] = sp_uniform(-0.5);
        ref_axis(fc, 3, shape, cstr, 2, &s2[0], 2, r0);
        ref_axis(fc, 3, shape, cstr, 0, &s2[1], 2, r1);
        outs[0] = ob[0];
        outs[1] = ob[1];
        CHECK_OK(grad_gradient_f64(ff, 3, shape, fstr, 2, axes, 2, s2, 2, outs, NULL, NULL, &e), &e);
        CHECK_F64("F input, axes {-1,0} e2: out[0]", ob[0], r0, 120);
        CHECK_F64("F input, axes {-1,0} e2: out[1]", ob[1], r1, 120);
    }
}

/* ------------------------------------------------------------------------ */
/* Edge cases that must succeed                                              */
/* ------------------------------------------------------------------------ */

static void test_valid_edge_cases(void)
{
    grad_error e = fresh_err();
    double o0[8], o1[8];
    double *outs[2];
    g_section = "valid edge cases";
    outs[0] = o0;
    outs[1] = o1;

    /* GRAD_MAX_NDIM dimensions */
    {
        int64_t shape[GRAD_MAX_NDIM];
        int32_t ax;
        int d;
        for (d = 0; d < GRAD_MAX_NDIM; d++) {
            shape[d] = 1;
        }
        shape[GRAD_MAX_NDIM - 1] = 6;
        ax = GRAD_MAX_NDIM - 1;
        CHECK_OK(grad_gradient_f64(F6, GRAD_MAX_NDIM, shape, NULL, 1, &ax, 0, NULL, 1, outs, NULL,
                                   NULL, &e),
                 &e);
        CHECK_F64("64-d, last axis", o0, G_F6_UNIT, 6);
        ax = -1;
        CHECK_OK(grad_gradient_f64(F6, GRAD_MAX_NDIM, shape, NULL, 1, &ax, 0, NULL, 1, outs, NULL,
                                   NULL, &e),
                 &e);
        CHECK_F64("64-d, axis -1", o0, G_F6_UNIT, 6);
        ax = -GRAD_MAX_NDIM;
        shape[GRAD_MAX_NDIM - 1] = 1;
        shape[0] = 6;
        CHECK_OK(grad_gradient_f64(F6, GRAD_MAX_NDIM, shape, NULL, 1, &ax, 0, NULL, 1, outs, NULL,
                                   NULL, &e),
                 &e);
        CHECK_F64("64-d, axis -64", o0, G_F6_UNIT, 6);
    }

    /* exactly edge_order + 1 points */
    {
        static const int64_t s2[] = {2};
        static const int64_t s3[] = {3};
        double exp2[2], exp3[3];
        ref_line(F6, 1, 2, NULL, 1, exp2, 1);
        ref_line(F6, 1, 3, NULL, 2, exp3, 1);
        CHECK_OK(grad_gradient_f64(F6, 1, s2, NULL, 1, NULL, 0, NULL, 1, outs, NULL, NULL, &e), &e);
        CHECK_F64("2 points e1", o0, exp2, 2);
        CHECK_OK(grad_gradient_f64(F6, 1, s3, NULL, 1, NULL, 0, NULL, 2, outs, NULL, NULL, &e), &e);
        CHECK_F64("3 points e2", o0, exp3, 3);
    }

    /* empty arrays: valid when the differentiated axes are long enough; nothing written */
    {
        static const int64_t s03[] = {0, 3};
        static const int64_t s30[] = {3, 0};
        int32_t ax = 1;
        fill_sentinel(o0, sizeof o0);
        fill_sentinel(o1, sizeof o1);
        CHECK_OK(grad_gradient_f64(A23, 2, s03, NULL, 1, &ax, 0, NULL, 1, outs, NULL, NULL, &e), &e);
        CHECK(is_sentinel(o0, sizeof o0));
        ax = 0;
        CHECK_OK(grad_gradient_f64(A23, 2, s30, NULL, 1, &ax, 0, NULL, 2, outs, NULL, NULL, &e), &e);
        CHECK(is_sentinel(o0, sizeof o0));
        CHECK(is_sentinel(o1, sizeof o1));
    }

    /* data are never validated: NaN and inf propagate */
    {
        double f[4];
        f[0] = 1.0;
        f[1] = NAN_VALUE;
        f[2] = 3.0;
        f[3] = INF_VALUE;
        CHECK_OK(grad1_f64(f, 4, NULL, 1, o0, &e), &e);
        CHECK(o0[0] != o0[0]);
        CHECK(o0[1] == 1.0);
        CHECK(o0[2] != o0[2]);
        CHECK(o0[3] == INF_VALUE);
    }
}

/* ------------------------------------------------------------------------ */
/* Options                                                                   */
/* ------------------------------------------------------------------------ */

static void test_options(void)
{
    grad_options opt;
    grad_error e = fresh_err();
    double o0[6], o1[6];
    double *outs[2];
    grad_spacing sp[2];
    int32_t axes[2];
    static const int32_t one_sided4[] = {GRAD_BOUNDARY_ONE_SIDED, GRAD_BOUNDARY_ONE_SIDED,
                                         GRAD_BOUNDARY_ONE_SIDED, GRAD_BOUNDARY_ONE_SIDED};
    static const int32_t thread_counts[] = {1, 0, -1, 2, 4};
    size_t t;
    g_section = "options";
    outs[0] = o0;
    outs[1] = o1;

    memset(&opt, 0, sizeof opt);
    opt.size = (uint32_t)sizeof(grad_options);
    opt.threads = 1;
    opt.boundaries = NULL;
    opt.periods = NULL;

    sp[0] = sp_coords(X6, 6);
    CHECK_OK(grad_gradient_f64(F6, 1, (const int64_t[]){6}, NULL, 1, NULL, 1, sp, 2, outs, NULL, &opt, &e), &e);
    CHECK_F64("options defaults, f6 x e2", o0, G_F6_X_E2, 6);
    opt.boundaries = one_sided4;
    CHECK_OK(grad_gradient_f64(F6, 1, (const int64_t[]){6}, NULL, 1, NULL, 1, sp, 2, outs, NULL, &opt, &e), &e);
    CHECK_F64("boundaries ONE_SIDED, f6 x e2", o0, G_F6_X_E2, 6);

    axes[0] = -1;
    axes[1] = 0;
    sp[0] = sp_coords(X3, 3);
    sp[1] = sp_uniform(2.0);
    for (t = 0; t < COUNT(thread_counts); t++) {
        opt.threads = thread_counts[t];
        opt.boundaries = (t % 2) ? one_sided4 : NULL;
        CHECK_OK(grad_gradient_f64(A23, 2, SHAPE23, NULL, 2, axes, 2, sp, 1, outs, NULL, &opt, &e), &e);
        CHECKF(memcmp(o0, G_A_SP_AX1, sizeof o0) == 0 && memcmp(o1, G_A_SP_AX0, sizeof o1) == 0,
               "2-d with options threads=%d: wrong result", (int)opt.threads);
    }

    /* the typed entry points take options too */
    {
        float f[7], o[7];
        grad_complex128 z[6], oz[6];
        float *of[1];
        grad_complex128 *ozp[1];
        int i;
        for (i = 0; i < 7; i++) {
            f[i] = (float)F7[i];
        }
        for (i = 0; i < 6; i++) {
            z[i].re = ZC[2 * i];
            z[i].im = ZC[2 * i + 1];
        }
        of[0] = o;
        ozp[0] = oz;
        opt.threads = 1;
        opt.boundaries = one_sided4;
        sp[0] = sp_uniform(0.3);
        CHECK_OK(grad_gradient_f32(f, 1, (const int64_t[]){7}, NULL, 1, NULL, 1, sp, 2, of, NULL, &opt, &e), &e);
        CHECK_F32("f32 with options", o, G_F7S_H03_E2, 7);
        CHECK_OK(grad_gradient_c128(z, 1, (const int64_t[]){6}, NULL, 1, NULL, 0, NULL, 1, ozp, NULL, &opt, &e), &e);
        CHECK_C128("c128 with options", oz, G_C128_UNIT, 6);
    }
}

/* ------------------------------------------------------------------------ */
/* Every status code                                                         */
/* ------------------------------------------------------------------------ */

/* All data the error cases use lives here, so "nothing was written" is one
 * memcmp of the whole arena (inputs and outputs alike). */
static struct {
    double in64[16]; /* F6 at [0], A23 at [8] */
    float in32[16];
    grad_complex128 inz[8];
    grad_complex64 inc[8];
    double out64[3][16];
    float out32[2][16];
    grad_complex128 outz[2][8];
    grad_complex64 outc[2][8];
    double raw[32]; /* room for misaligned pointers */
} g_arena;
static unsigned char g_snapshot[sizeof g_arena];

static void arena_reset(void)
{
    int i;
    fill_sentinel(&g_arena, sizeof g_arena);
    for (i = 0; i < 6; i++) {
        g_arena.in64[i] = F6[i];
        g_arena.in64[8 + i] = A23[i];
        g_arena.in32[i] = (float)F6[i];
        g_arena.inz[i].re = ZC[2 * i];
        g_arena.inz[i].im = ZC[2 * i + 1];
        g_arena.inc[i].re = (float)ZC[2 * i];
        g_arena.inc[i].im = (float)ZC[2 * i + 1];
    }
    for (i = 0; i < 32; i++) {
        g_arena.raw[i] = (double)i;
    }
}

/* a byte address inside the arena, as any pointer type */
static void *raw_at(size_t byte_offset)
{
    return (void *)((unsigned char *)g_arena.raw + byte_offset);
}

enum entry { E_F64, E_F32, E_C128, E_C64, E_GENERIC };
static const char *const entry_name[] = {"grad_gradient_f64", "grad_gradient_f32",
                                         "grad_gradient_c128", "grad_gradient_c64",
                                         "grad_gradient"};

typedef struct {
    enum entry entry;
    int32_t dtype; /* E_GENERIC only */
    const void *f;
    int32_t ndim;
    const int64_t *shape;
    const int64_t *strides;
    int32_t naxes;
    const int32_t *axes;
    int32_t nspacing;
    const grad_spacing *spacing;
    int32_t edge_order;
    int out_is_null; /* pass out = NULL */
    void *out[4];
    const int64_t *out_strides;
    const grad_options *options;
} call_t;

static grad_status run_call(const call_t *c, grad_error *err)
{
    double *o64[4];
    float *o32[4];
    grad_complex128 *oz[4];
    grad_complex64 *oc[4];
    int k;
    for (k = 0; k < 4; k++) {
        o64[k] = (double *)c->out[k];
        o32[k] = (float *)c->out[k];
        oz[k] = (grad_complex128 *)c->out[k];
        oc[k] = (grad_complex64 *)c->out[k];
    }
    switch (c->entry) {
    case E_F64:
        return grad_gradient_f64((const double *)c->f, c->ndim, c->shape, c->strides, c->naxes,
                                 c->axes, c->nspacing, c->spacing, c->edge_order,
                                 c->out_is_null ? NULL : o64, c->out_strides, c->options, err);
    case E_F32:
        return grad_gradient_f32((const float *)c->f, c->ndim, c->shape, c->strides, c->naxes,
                                 c->axes, c->nspacing, c->spacing, c->edge_order,
                                 c->out_is_null ? NULL : o32, c->out_strides, c->options, err);
    case E_C128:
        return grad_gradient_c128((const grad_complex128 *)c->f, c->ndim, c->shape, c->strides,
                                  c->naxes, c->axes, c->nspacing, c->spacing, c->edge_order,
                                  c->out_is_null ? NULL : oz, c->out_strides, c->options, err);
    case E_C64:
        return grad_gradient_c64((const grad_complex64 *)c->f, c->ndim, c->shape, c->strides,
                                 c->naxes, c->axes, c->nspacing, c->spacing, c->edge_order,
                                 c->out_is_null ? NULL : oc, c->out_strides, c->options, err);
    default:
        return grad_gradient(c->dtype, c->f, c->ndim, c->shape, c->strides, c->naxes, c->axes,
                             c->nspacing, c->spacing, c->edge_order,
                             c->out_is_null ? NULL : (void *const *)c->out, c->out_strides,
                             c->options, err);
    }
}

static const int64_t SHAPE6[] = {6};

/* A valid 1-d call on F6 (6 points, unit spacing, edge_order 1). */
static call_t base_1d(enum entry entry)
{
    call_t c;
    memset(&c, 0, sizeof c);
    c.entry = entry;
    c.ndim = 1;
    c.shape = SHAPE6;
    c.naxes = 1;
    c.edge_order = 1;
    switch (entry) {
    case E_F32:
        c.f = g_arena.in32;
        c.out[0] = g_arena.out32[0];
        c.out[1] = g_arena.out32[1];
        break;
    case E_C128:
        c.f = g_arena.inz;
        c.out[0] = g_arena.outz[0];
        c.out[1] = g_arena.outz[1];
        break;
    case E_C64:
        c.f = g_arena.inc;
        c.out[0] = g_arena.outc[0];
        c.out[1] = g_arena.outc[1];
        break;
    default:
        c.dtype = GRAD_DTYPE_F64;
        c.f = g_arena.in64;
        c.out[0] = g_arena.out64[0];
        c.out[1] = g_arena.out64[1];
        break;
    }
    return c;
}

/* A valid 2-d f64 call on A23 (2x3), all axes. */
static call_t base_2d(void)
{
    call_t c = base_1d(E_F64);
    c.f = g_arena.in64 + 8;
    c.ndim = 2;
    c.shape = SHAPE23;
    c.naxes = 2;
    return c;
}

#define AXIS_ANY (-1000)

static void expect_status_at(const char *file, int line, const char *label, const call_t *c,
                             grad_status want, grad_status alt, int want_axis)
{
    grad_error e = fresh_err();
    grad_status rc, rc2;
    int terminated;
    memcpy(g_snapshot, &g_arena, sizeof g_snapshot);

    rc = run_call(c, &e);
    terminated = memchr(e.message, '\0', sizeof e.message) != NULL;
    if (g_verbose) {
        printf("  %s: %s -> %d (%s), axis %d: %.255s\n", entry_name[c->entry], label, (int)rc,
               grad_status_str(rc), (int)e.axis, terminated ? e.message : "(not terminated)");
    }
    check_at(rc == want || rc == alt, file, line,
             "%s(%s): returned %d (%s), expected %d (%s)%s; message \"%.255s\"",
             entry_name[c->entry], label, (int)rc, grad_status_str(rc), (int)want,
             grad_status_str(want), alt != want ? " or the alternative" : "",
             terminated ? e.message : "(not terminated)");
    check_at(e.status == rc, file, line, "%s(%s): grad_error.status %d != returned %d",
             entry_name[c->entry], label, (int)e.status, (int)rc);
    check_at(terminated, file, line, "%s(%s): grad_error.message is not NUL-terminated",
             entry_name[c->entry], label);
    check_at(terminated && e.message[0] != '\0', file, line,
             "%s(%s): grad_error.message is empty", entry_name[c->entry], label);
    if (want_axis != AXIS_ANY) {
        check_at(e.axis == want_axis, file, line, "%s(%s): grad_error.axis %d, expected %d",
                 entry_name[c->entry], label, (int)e.axis, want_axis);
    } else {
        check_at(e.axis >= -1 && e.axis < GRAD_MAX_NDIM, file, line,
                 "%s(%s): grad_error.axis %d out of range", entry_name[c->entry], label,
                 (int)e.axis);
    }
    check_at(memcmp(g_snapshot, &g_arena, sizeof g_snapshot) == 0, file, line,
             "%s(%s): the failed call wrote to an output or the input", entry_name[c->entry],
             label);

    /* the same call with err == NULL */
    rc2 = run_call(c, NULL);
    check_at(rc2 == rc, file, line, "%s(%s) with err NULL: returned %d, with err %d",
             entry_name[c->entry], label, (int)rc2, (int)rc);
    check_at(memcmp(g_snapshot, &g_arena, sizeof g_snapshot) == 0, file, line,
             "%s(%s) with err NULL: the failed call wrote to an output or the input",
             entry_name[c->entry], label);
}

#define EXPECT(c, want, axis, label) \
    expect_status_at(__FILE__, __LINE__, (label), &(c), (want), (want), (axis))
#define EXPECT2(c, want, alt, axis, label) \
    expect_status_at(__FILE__, __LINE__, (label), &(c), (want), (alt), (axis))

static void expect_ok_at(const char *file, int line, const char *label, const call_t *c)
{
    grad_error e = fresh_err();
    grad_status rc = run_call(c, &e);
    check_at(rc == GRAD_STATUS_OK, file, line, "%s(%s): base call returned %d: %.255s",
             entry_name[c->entry], label, (int)rc, e.message);
    check_at(e.status == GRAD_STATUS_OK, file, line,
             "%s(%s): grad_error.status %d after a successful call", entry_name[c->entry], label,
             (int)e.status);
}
#define EXPECT_OK(c, label) expect_ok_at(__FILE__, __LINE__, (label), &(c))

static void test_status_codes(void)
{
    static const enum entry entries[] = {E_F64, E_F32, E_C128, E_C64, E_GENERIC};
    static const int64_t shape1[] = {1}, shape2[] = {2}, shape0[] = {0}, shape03[] = {0, 3};
    static const int64_t shape7[] = {7};
    static const double xrep[] = {0, 1, 1, 2, 3, 4};
    static const double xzig[] = {0, 1, 0.5, 2, 3, 4};
    static const double xsame[] = {1, 1, 1, 1, 1, 1};
    static const double x2[] = {0, 1};
    double xbad[7];
    int64_t shape65[GRAD_MAX_NDIM + 1];
    grad_spacing sp[3];
    grad_options opt;
    call_t c;
    size_t i;

    arena_reset();

    g_section = "status: valid base calls";
    for (i = 0; i < COUNT(entries); i++) {
        c = base_1d(entries[i]);
        EXPECT_OK(c, "base 1-d");
    }
    c = base_2d();
    EXPECT_OK(c, "base 2-d");
    arena_reset();

    /* ---- NULL_POINTER */
    g_section = "GRAD_STATUS_NULL_POINTER";
    for (i = 0; i < COUNT(entries); i++) {
        c = base_1d(entries[i]);
        c.f = NULL;
        EXPECT(c, GRAD_STATUS_NULL_POINTER, -1, "f NULL");
        c = base_1d(entries[i]);
        c.shape = NULL;
        EXPECT(c, GRAD_STATUS_NULL_POINTER, -1, "shape NULL");
        c = base_1d(entries[i]);
        c.out_is_null = 1;
        EXPECT(c, GRAD_STATUS_NULL_POINTER, AXIS_ANY, "out NULL");
        c = base_1d(entries[i]);
        c.out[0] = NULL;
        EXPECT(c, GRAD_STATUS_NULL_POINTER, AXIS_ANY, "out[0] NULL");
    }
    c = base_2d();
    c.out[1] = NULL;
    EXPECT(c, GRAD_STATUS_NULL_POINTER, AXIS_ANY, "2-d out[1] NULL");
    c = base_1d(E_F64);
    c.nspacing = 1;
    c.spacing = NULL;
    EXPECT(c, GRAD_STATUS_NULL_POINTER, AXIS_ANY, "nspacing 1, spacing NULL");
    c = base_1d(E_F64);
    sp[0] = sp_coords(NULL, 6);
    c.nspacing = 1;
    c.spacing = sp;
    EXPECT2(c, GRAD_STATUS_NULL_POINTER, GRAD_STATUS_INVALID_SPACING, AXIS_ANY,
            "COORDINATES with coords NULL");

    /* ---- INVALID_NDIM */
    g_section = "GRAD_STATUS_INVALID_NDIM";
    for (i = 0; i < COUNT(shape65); i++) {
        shape65[i] = 1;
    }
    shape65[0] = 6;
    for (i = 0; i < COUNT(entries); i++) {
        c = base_1d(entries[i]);
        c.ndim = 0;
        EXPECT(c, GRAD_STATUS_INVALID_NDIM, -1, "ndim 0 (0-d input)");
    }
    c = base_1d(E_F64);
    c.shape = shape65;
    c.ndim = -1;
    EXPECT(c, GRAD_STATUS_INVALID_NDIM, -1, "ndim -1");
    c.ndim = GRAD_MAX_NDIM + 1;
    c.axes = (const int32_t[]){0};
    EXPECT(c, GRAD_STATUS_INVALID_NDIM, -1, "ndim 65");
    c.ndim = INT32_MIN;
    EXPECT(c, GRAD_STATUS_INVALID_NDIM, -1, "ndim INT32_MIN");

    /* ---- INVALID_SHAPE */
    g_section = "GRAD_STATUS_INVALID_SHAPE";
    c = base_1d(E_F64);
    c.shape = (const int64_t[]){-1};
    EXPECT(c, GRAD_STATUS_INVALID_SHAPE, AXIS_ANY, "shape {-1}");
    c.shape = (const int64_t[]){INT64_MIN};
    EXPECT(c, GRAD_STATUS_INVALID_SHAPE, AXIS_ANY, "shape {INT64_MIN}");
    c = base_2d();
    c.shape = (const int64_t[]){2, -3};
    EXPECT(c, GRAD_STATUS_INVALID_SHAPE, AXIS_ANY, "shape {2, -3}");
    c.shape = (const int64_t[]){INT64_MAX, 2};
    EXPECT(c, GRAD_STATUS_INVALID_SHAPE, AXIS_ANY, "shape {INT64_MAX, 2}: element count overflows");
    c.shape = (const int64_t[]){(int64_t)1 << 32, (int64_t)1 << 32};
    EXPECT(c, GRAD_STATUS_INVALID_SHAPE, AXIS_ANY, "shape {2^32, 2^32}: element count overflows");
    c.shape = (const int64_t[]){(int64_t)1 << 31, (int64_t)1 << 31};
    EXPECT2(c, GRAD_STATUS_INVALID_SHAPE, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY,
            "shape {2^31, 2^31}: 2^62 doubles do not fit an address space");

    /* ---- INVALID_STRIDES */
    g_section = "GRAD_STATUS_INVALID_STRIDES";
    c = base_1d(E_F64);
    c.strides = (const int64_t[]){INT64_MAX};
    EXPECT(c, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY, "strides {INT64_MAX}");
    c.strides = (const int64_t[]){INT64_MIN};
    EXPECT(c, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY, "strides {INT64_MIN}");
    c.strides = (const int64_t[]){(int64_t)1 << 60};
    EXPECT(c, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY, "strides {2^60}: byte offset overflows");
    c = base_2d();
    c.strides = (const int64_t[]){INT64_MAX / 2, 1};
    EXPECT(c, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY, "2-d strides {INT64_MAX/2, 1}");
    c = base_1d(E_F64);
    c.out_strides = (const int64_t[]){0};
    EXPECT(c, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY, "output stride 0 on extent 6");
    c.out_strides = (const int64_t[]){INT64_MAX};
    EXPECT(c, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY, "output stride INT64_MAX");
    c = base_1d(E_C128);
    c.out_strides = (const int64_t[]){0};
    EXPECT(c, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY, "c128 output stride 0 on extent 6");
    c = base_2d();
    c.out_strides = (const int64_t[]){3, 1, 0, 1};
    EXPECT(c, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY, "out[1] stride 0 on extent 2");
    c.out_strides = (const int64_t[]){3, 1, (int64_t)1 << 62, 1};
    EXPECT(c, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY, "out[1] stride 2^62");
    c.out_strides = (const int64_t[]){1, 1, 3, 1};
    EXPECT(c, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY, "out[0] strides {1, 1}: elements share memory");

    /* ---- INVALID_AXIS */
    g_section = "GRAD_STATUS_INVALID_AXIS";
    c = base_1d(E_F64);
    c.axes = (const int32_t[]){1};
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, 0, "1-d axes {1}");
    c.axes = (const int32_t[]){-2};
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, 0, "1-d axes {-2}");
    c.axes = (const int32_t[]){INT32_MIN};
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, 0, "1-d axes {INT32_MIN}");
    c = base_2d();
    c.axes = (const int32_t[]){0, 2};
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, 1, "2-d axes {0, 2}");
    c.axes = (const int32_t[]){0, 0};
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, 1, "2-d axes {0, 0} (repeated)");
    c.axes = (const int32_t[]){1, -1};
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, 1, "2-d axes {1, -1} (repeated)");
    c.axes = (const int32_t[]){-3, 0};
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, 0, "2-d axes {-3, 0}");
    c.naxes = 3;
    c.axes = (const int32_t[]){0, 1, 0};
    c.out[2] = g_arena.out64[2];
    /* naxes > ndim: reported as a bad count (axis -1) or at the repeat (axis 2) */
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, AXIS_ANY, "2-d naxes 3, axes {0, 1, 0}");
    c = base_2d();
    c.naxes = 1; /* axes NULL means all axes: naxes must be ndim */
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, AXIS_ANY, "2-d axes NULL with naxes 1");
    c.naxes = -1;
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, AXIS_ANY, "2-d naxes -1");
    c.naxes = -1;
    c.axes = (const int32_t[]){0};
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, AXIS_ANY, "2-d naxes -1 with axes");

    /* ---- INVALID_SPACING */
    g_section = "GRAD_STATUS_INVALID_SPACING";
    c = base_1d(E_F64);
    sp[0] = sp_unit();
    sp[1] = sp_unit();
    sp[2] = sp_unit();
    c.spacing = sp;
    c.nspacing = 2;
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, AXIS_ANY, "1 axis, 2 spacing entries");
    c.nspacing = -1;
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, AXIS_ANY, "nspacing -1");
    c = base_2d();
    c.spacing = sp;
    c.nspacing = 3;
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, AXIS_ANY, "2 axes, 3 spacing entries");
    sp[0] = sp_coords(X3, 3);
    c.nspacing = 1;
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, AXIS_ANY,
           "2 axes, one COORDINATES entry (numpy: invalid number of arguments)");
    for (i = 0; i < COUNT(entries); i++) {
        c = base_1d(entries[i]);
        c.spacing = sp;
        c.nspacing = 1;
        sp[0] = sp_unit();
        sp[0].kind = 4;
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "unknown spacing kind 4");
        sp[0].kind = -1;
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "unknown spacing kind -1");
        sp[0] = sp_uniform(0.0);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "step 0");
        sp[0] = sp_uniform(-0.0);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "step -0");
        sp[0] = sp_uniform(NAN_VALUE);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "step NaN");
        sp[0] = sp_uniform(INF_VALUE);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "step inf");
        sp[0] = sp_uniform(-INF_VALUE);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "step -inf");
        sp[0] = sp_coords(X6, 5);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "5 coordinates for 6 points");
        sp[0] = sp_coords(X7, 7);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "7 coordinates for 6 points");
        sp[0] = sp_coords(X6, -1);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "coords_len -1");
        sp[0] = sp_coords(xrep, 6);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "repeated coordinate");
        sp[0] = sp_coords(xzig, 6);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "zig-zag coordinates");
        sp[0] = sp_coords(xsame, 6);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "all coordinates equal");
        memcpy(xbad, X6, sizeof X6);
        xbad[3] = NAN_VALUE;
        sp[0] = sp_coords(xbad, 6);
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "NaN coordinate");
        xbad[3] = X6[3];
        xbad[5] = INF_VALUE;
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "inf coordinate");
        xbad[5] = X6[5];
        xbad[0] = -INF_VALUE;
        EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "-inf coordinate");
    }
    c = base_2d();
    c.spacing = sp;
    c.nspacing = 2;
    sp[0] = sp_unit();
    sp[1] = sp_uniform(0.0);
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, 1, "2-d, spacing[1] step 0");
    sp[1] = sp_coords(x2, 2);
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, 1, "2-d, spacing[1]: 2 coordinates for 3 points");
    sp[0] = sp_coords(X3, 3);
    sp[1] = sp_unit();
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "2-d, spacing[0]: 3 coordinates for 2 points");
    /* spacing[k] belongs to axes[k] */
    c.axes = (const int32_t[]){-1, 0};
    sp[0] = sp_coords(x2, 2);
    sp[1] = sp_unit();
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "axes {-1,0}: spacing[0] (axis 1) 2 coordinates");
    sp[0] = sp_coords(X3, 3);
    sp[1] = sp_coords(X3, 3);
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, 1, "axes {-1,0}: spacing[1] (axis 0) 3 coordinates");
    c = base_2d();
    c.spacing = sp;
    c.nspacing = 1;
    sp[0] = sp_uniform(NAN_VALUE);
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, AXIS_ANY, "2-d, one step NaN for both axes");

    /* ---- INVALID_EDGE_ORDER */
    g_section = "GRAD_STATUS_INVALID_EDGE_ORDER";
    for (i = 0; i < COUNT(entries); i++) {
        c = base_1d(entries[i]);
        c.edge_order = 0;
        EXPECT(c, GRAD_STATUS_INVALID_EDGE_ORDER, -1, "edge_order 0");
        c.edge_order = 3;
        EXPECT(c, GRAD_STATUS_INVALID_EDGE_ORDER, -1, "edge_order 3");
        c.edge_order = -1;
        EXPECT(c, GRAD_STATUS_INVALID_EDGE_ORDER, -1, "edge_order -1");
        c.edge_order = INT32_MAX;
        EXPECT(c, GRAD_STATUS_INVALID_EDGE_ORDER, -1, "edge_order INT32_MAX");
    }

    /* ---- SHAPE_TOO_SMALL */
    g_section = "GRAD_STATUS_SHAPE_TOO_SMALL";
    for (i = 0; i < COUNT(entries); i++) {
        c = base_1d(entries[i]);
        c.shape = shape2;
        c.edge_order = 2;
        EXPECT(c, GRAD_STATUS_SHAPE_TOO_SMALL, 0, "2 points, edge_order 2");
        c.shape = shape1;
        c.edge_order = 1;
        EXPECT(c, GRAD_STATUS_SHAPE_TOO_SMALL, 0, "1 point, edge_order 1");
        c.shape = shape0;
        EXPECT(c, GRAD_STATUS_SHAPE_TOO_SMALL, 0, "0 points, edge_order 1");
    }
    c = base_1d(E_F64);
    c.shape = shape2;
    c.edge_order = 2;
    sp[0] = sp_coords(x2, 2);
    c.spacing = sp;
    c.nspacing = 1;
    EXPECT(c, GRAD_STATUS_SHAPE_TOO_SMALL, 0, "2 points with 2 coordinates, edge_order 2");
    c = base_2d();
    c.edge_order = 2;
    EXPECT(c, GRAD_STATUS_SHAPE_TOO_SMALL, 0, "2-d (2,3), edge_order 2: axis 0 has 2 points");
    c.axes = (const int32_t[]){1, 0};
    EXPECT(c, GRAD_STATUS_SHAPE_TOO_SMALL, 1, "2-d axes {1,0}, edge_order 2: axes[1] too short");
    c = base_2d();
    c.shape = shape03;
    EXPECT(c, GRAD_STATUS_SHAPE_TOO_SMALL, 0, "2-d (0,3), all axes");

    /* ---- MISALIGNED */
    g_section = "GRAD_STATUS_MISALIGNED";
    c = base_1d(E_F64);
    c.f = raw_at(1);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "f64 input at +1 byte");
    c.f = raw_at(4);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "f64 input at +4 bytes");
    c = base_1d(E_F64);
    c.out[0] = raw_at(4);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "f64 output at +4 bytes");
    c = base_2d();
    c.out[1] = raw_at(2);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "2-d, out[1] at +2 bytes");
    c = base_1d(E_F32);
    c.f = raw_at(2);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "f32 input at +2 bytes");
    c = base_1d(E_F32);
    c.out[0] = raw_at(1);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "f32 output at +1 byte");
    c = base_1d(E_C128);
    c.f = raw_at(4);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "c128 input at +4 bytes");
    c = base_1d(E_C128);
    c.out[0] = raw_at(4);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "c128 output at +4 bytes");
    c = base_1d(E_C64);
    c.f = raw_at(2);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "c64 input at +2 bytes");
    c = base_1d(E_C64);
    c.out[0] = raw_at(2);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "c64 output at +2 bytes");
    c = base_1d(E_GENERIC);
    c.dtype = GRAD_DTYPE_I16;
    c.f = raw_at(1);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "int16 input at +1 byte");
    c.dtype = GRAD_DTYPE_I32;
    c.f = raw_at(2);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "int32 input at +2 bytes");
    c.dtype = GRAD_DTYPE_U64;
    c.f = raw_at(4);
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "uint64 input at +4 bytes");
    c.dtype = GRAD_DTYPE_U8;
    c.f = raw_at(1); /* a byte is always aligned ... */
    c.out[0] = raw_at(12); /* ... but its double output is not */
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "uint8 input, double output at +4 bytes");

    /* ---- OVERLAP */
    g_section = "GRAD_STATUS_OVERLAP";
    for (i = 0; i < COUNT(entries); i++) {
        c = base_1d(entries[i]);
        c.out[0] = (void *)(uintptr_t)c.f; /* in place */
        EXPECT(c, GRAD_STATUS_OVERLAP, AXIS_ANY, "output == input");
    }
    c = base_1d(E_F64);
    c.out[0] = g_arena.in64 + 3;
    EXPECT(c, GRAD_STATUS_OVERLAP, AXIS_ANY, "output overlaps the input's tail");
    c.f = g_arena.in64 + 4;
    c.out[0] = g_arena.in64;
    EXPECT(c, GRAD_STATUS_OVERLAP, AXIS_ANY, "output overlaps the input's head");
    c = base_1d(E_F64);
    c.out[0] = g_arena.in64 + 5;
    c.out_strides = (const int64_t[]){-1};
    EXPECT(c, GRAD_STATUS_OVERLAP, AXIS_ANY, "output is the input reversed");
    c = base_1d(E_C64);
    c.out[0] = g_arena.inc + 5;
    EXPECT(c, GRAD_STATUS_OVERLAP, AXIS_ANY, "c64 output starts at the input's last element");
    c = base_2d();
    c.out[1] = c.out[0];
    EXPECT(c, GRAD_STATUS_OVERLAP, AXIS_ANY, "2-d, out[1] == out[0]");
    c.out[1] = g_arena.out64[0] + 3;
    EXPECT(c, GRAD_STATUS_OVERLAP, AXIS_ANY, "2-d, out[1] overlaps out[0]");
    c = base_2d();
    c.out[0] = g_arena.in64 + 6; /* 6 doubles up to the input A23 at in64[8] */
    EXPECT(c, GRAD_STATUS_OVERLAP, AXIS_ANY, "2-d, out[0] overlaps the input");
    c = base_2d();
    c.f = g_arena.in64;
    c.strides = (const int64_t[]){6, 2};
    c.out[0] = g_arena.in64; /* the input uses every other double; so does out[0] */
    c.out_strides = (const int64_t[]){6, 2, 3, 1};
    EXPECT(c, GRAD_STATUS_OVERLAP, AXIS_ANY, "2-d, strided out[0] on the strided input");
    c = base_1d(E_GENERIC);
    c.dtype = GRAD_DTYPE_U8;
    c.f = (const unsigned char *)g_arena.out64[0] + 16; /* bytes inside the output */
    EXPECT(c, GRAD_STATUS_OVERLAP, AXIS_ANY, "uint8 input inside the double output");

    /* ---- INVALID_DTYPE */
    g_section = "GRAD_STATUS_INVALID_DTYPE";
    c = base_1d(E_GENERIC);
    c.dtype = 12;
    EXPECT(c, GRAD_STATUS_INVALID_DTYPE, -1, "dtype 12");
    c.dtype = -1;
    EXPECT(c, GRAD_STATUS_INVALID_DTYPE, -1, "dtype -1");
    c.dtype = 99;
    EXPECT(c, GRAD_STATUS_INVALID_DTYPE, -1, "dtype 99");
    c.dtype = INT32_MAX;
    EXPECT(c, GRAD_STATUS_INVALID_DTYPE, -1, "dtype INT32_MAX");

    /* ---- INVALID_OPTIONS */
    g_section = "GRAD_STATUS_INVALID_OPTIONS";
    memset(&opt, 0, sizeof opt);
    opt.threads = 1;
    for (i = 0; i < COUNT(entries); i++) {
        c = base_1d(entries[i]);
        c.options = &opt;
        opt.size = 0;
        EXPECT(c, GRAD_STATUS_INVALID_OPTIONS, AXIS_ANY, "options.size 0");
        opt.size = 4;
        EXPECT(c, GRAD_STATUS_INVALID_OPTIONS, AXIS_ANY, "options.size 4");
        opt.size = (uint32_t)offsetof(grad_options, accuracy) - 1;
        EXPECT(c, GRAD_STATUS_INVALID_OPTIONS, AXIS_ANY, "options.size below the 0.1 layout");
        opt.size = 4097;
        EXPECT(c, GRAD_STATUS_INVALID_OPTIONS, AXIS_ANY, "options.size 4097");
        /* the 0.1 layout, and a size that cuts the last field: accepted */
        opt.size = (uint32_t)offsetof(grad_options, accuracy);
        EXPECT_OK(c, "options.size of the 0.1 layout");
        opt.size = (uint32_t)sizeof(grad_options) - 1;
        EXPECT_OK(c, "options.size sizeof - 1 (reserved cut: read as 0)");
        opt.size = (uint32_t)sizeof(grad_options);
        opt.accuracy = 3;
        EXPECT(c, GRAD_STATUS_INVALID_OPTIONS, AXIS_ANY, "options.accuracy 3");
        opt.accuracy = 0;
        opt.reserved = 1;
        EXPECT(c, GRAD_STATUS_INVALID_OPTIONS, AXIS_ANY, "options.reserved 1");
        opt.reserved = 0;
        opt.boundaries = (const int32_t[]){7, GRAD_BOUNDARY_ONE_SIDED};
        EXPECT(c, GRAD_STATUS_INVALID_OPTIONS, AXIS_ANY, "boundary code 7");
        opt.boundaries = (const int32_t[]){GRAD_BOUNDARY_ONE_SIDED, -1};
        EXPECT(c, GRAD_STATUS_INVALID_OPTIONS, AXIS_ANY, "boundary code -1");
        opt.boundaries = NULL;
        /* and the same options are fine with the right size */
        EXPECT_OK(c, "options.size == sizeof(grad_options)");
        arena_reset();
    }

    /* ---- the documented order of checks: the first failure is reported */
    g_section = "order of checks";
    c = base_1d(E_GENERIC);
    c.dtype = 12;
    c.f = NULL;
    EXPECT(c, GRAD_STATUS_INVALID_DTYPE, -1, "dtype before NULL f");
    c = base_1d(E_F64);
    c.f = NULL;
    c.ndim = 0;
    EXPECT(c, GRAD_STATUS_NULL_POINTER, -1, "NULL f before ndim");
    c = base_1d(E_F64);
    c.ndim = 0;
    c.edge_order = 0;
    EXPECT(c, GRAD_STATUS_INVALID_NDIM, -1, "ndim before edge_order");
    c = base_1d(E_F64);
    c.shape = (const int64_t[]){-1};
    c.axes = (const int32_t[]){5};
    EXPECT(c, GRAD_STATUS_INVALID_SHAPE, AXIS_ANY, "shape before axes");
    c = base_1d(E_F64);
    c.strides = (const int64_t[]){INT64_MAX};
    c.f = raw_at(1);
    EXPECT(c, GRAD_STATUS_INVALID_STRIDES, AXIS_ANY, "strides before alignment");
    c = base_1d(E_F64);
    c.f = raw_at(1);
    c.axes = (const int32_t[]){5};
    EXPECT(c, GRAD_STATUS_MISALIGNED, AXIS_ANY, "data alignment before axes");
    c = base_1d(E_F64);
    c.axes = (const int32_t[]){5};
    c.nspacing = 2;
    c.spacing = sp;
    EXPECT(c, GRAD_STATUS_INVALID_AXIS, 0, "axes before spacing count");
    c = base_1d(E_F64);
    sp[0] = sp_uniform(0.0);
    c.nspacing = 1;
    c.spacing = sp;
    c.edge_order = 5;
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "spacing before edge_order");
    c = base_1d(E_F64);
    opt.size = 0;
    c.options = &opt;
    c.edge_order = 9;
    EXPECT(c, GRAD_STATUS_INVALID_EDGE_ORDER, -1, "edge_order before options");
    /* edge_order 5 is in range for some accuracy: checked against the
       accuracy once the options are read */
    c.edge_order = 5;
    EXPECT(c, GRAD_STATUS_INVALID_OPTIONS, AXIS_ANY, "edge_order against accuracy after options");
    c = base_1d(E_F64);
    c.options = &opt;
    c.shape = shape1;
    EXPECT(c, GRAD_STATUS_INVALID_OPTIONS, AXIS_ANY, "options before axis length");
    c = base_1d(E_F64);
    c.shape = shape1;
    c.out[0] = NULL;
    EXPECT(c, GRAD_STATUS_SHAPE_TOO_SMALL, 0, "axis length before out[0] NULL");
    c = base_1d(E_F64);
    c.shape = shape1;
    c.out[0] = c.out[1] = (void *)(uintptr_t)c.f;
    EXPECT(c, GRAD_STATUS_SHAPE_TOO_SMALL, 0, "axis length before overlap");
    c = base_1d(E_F64);
    c.shape = shape7; /* 7 points, but 6 coordinates: spacing entry before outputs */
    sp[0] = sp_coords(X6, 6);
    c.nspacing = 1;
    c.spacing = sp;
    c.out[0] = NULL;
    EXPECT(c, GRAD_STATUS_INVALID_SPACING, 0, "spacing entry before out[0] NULL");
}

/* ------------------------------------------------------------------------ */
/* Plans: create once, execute on new data; the caller's arrays are copied. */

static void test_plans(void)
{
    grad_error err;
    grad_plan *plan = NULL;
    memset(&err, 0, sizeof err);
    grad_spacing sp[2];
    double *x = (double *)malloc(6 * sizeof(double));
    int64_t *shape = (int64_t *)malloc(sizeof(int64_t));
    double out[6], out2[6], g[6];
    void *outs[1];
    void *outs2[2];
    double f2[6], o20[6], o21[6];
    const int64_t shape23[2] = {2, 3};
    int i;

    g_section = "plans";
    memcpy(x, X6, sizeof X6);
    shape[0] = 6;
    memset(sp, 0, sizeof sp);
    sp[0].kind = GRAD_SPACING_COORDINATES;
    sp[0].coords = x;
    sp[0].coords_len = 6;
    CHECK_OK(grad_plan_create(&plan, GRAD_DTYPE_F64, 1, shape, NULL, 1, NULL, 1, sp, 2, NULL, NULL,
                              &err),
             &err);
    CHECK(plan != NULL);
    /* The plan keeps copies: scribble over and free the arguments. */
    for (i = 0; i < 6; i++) x[i] = NAN_VALUE;
    shape[0] = -1;
    sp[0].kind = 77;
    free(x);
    free(shape);
    outs[0] = out;
    CHECK_OK(grad_plan_execute(plan, F6, outs, &err), &err);
    CHECK_F64("plan f6 x e2", out, G_F6_X_E2, 6);
    /* Many executes, new data each time: the direct call's bits. */
    for (i = 0; i < 6; i++) g[i] = F6[i] * 3.0 - 1.0;
    CHECK_OK(grad_plan_execute(plan, g, outs, &err), &err);
    memset(sp, 0, sizeof sp);
    sp[0].kind = GRAD_SPACING_COORDINATES;
    sp[0].coords = X6;
    sp[0].coords_len = 6;
    {
        const int64_t s6[1] = {6};
        double *o[1];
        o[0] = out2;
        CHECK_OK(grad_gradient_f64(g, 1, s6, NULL, 1, NULL, 1, sp, 2, o, NULL, NULL, &err), &err);
    }
    CHECK(memcmp(out, out2, sizeof out) == 0);

    /* Execute-time failures write nothing. */
    for (i = 0; i < 6; i++) out[i] = 42.0;
    CHECK(grad_plan_execute(plan, NULL, outs, &err) == GRAD_STATUS_NULL_POINTER);
    CHECK(grad_plan_execute(plan, F6, NULL, &err) == GRAD_STATUS_NULL_POINTER);
    CHECK(grad_plan_execute(NULL, F6, outs, &err) == GRAD_STATUS_NULL_POINTER);
    CHECK(grad_plan_execute(plan, (const char *)F6 + 1, outs, &err) == GRAD_STATUS_MISALIGNED);
    outs[0] = (void *)F6; /* the output is the input */
    CHECK(grad_plan_execute(plan, F6, outs, &err) == GRAD_STATUS_OVERLAP);
    CHECK(err.status == GRAD_STATUS_OVERLAP && err.axis == 0);
    outs[0] = NULL;
    CHECK(grad_plan_execute(plan, F6, outs, &err) == GRAD_STATUS_NULL_POINTER);
    CHECK(err.axis == 0);
    for (i = 0; i < 6; i++) CHECK(out[i] == 42.0);
    grad_plan_destroy(plan);
    grad_plan_destroy(NULL);

    /* Create failures: the status of grad_gradient, *plan NULL. */
    plan = (grad_plan *)&err; /* any non-NULL value */
    CHECK(grad_plan_create(&plan, 99, 1, shape23, NULL, 1, NULL, 0, NULL, 1, NULL, NULL, &err) ==
          GRAD_STATUS_INVALID_DTYPE);
    CHECK(plan == NULL);
    plan = (grad_plan *)&err;
    CHECK(grad_plan_create(&plan, GRAD_DTYPE_F64, 2, shape23, NULL, 2, NULL, 0, NULL, 3, NULL, NULL,
                           &err) == GRAD_STATUS_INVALID_EDGE_ORDER);
    CHECK(plan == NULL && err.status == GRAD_STATUS_INVALID_EDGE_ORDER);
    CHECK(grad_plan_create(NULL, GRAD_DTYPE_F64, 2, shape23, NULL, 2, NULL, 0, NULL, 1, NULL, NULL,
                           &err) == GRAD_STATUS_NULL_POINTER);

    /* 2-d, both axes, an integer dtype (double outputs). */
    {
        const int32_t a23[6] = {1, 2, 6, 3, 4, 5};
        CHECK_OK(grad_plan_create(&plan, GRAD_DTYPE_I32, 2, shape23, NULL, 2, NULL, 0, NULL, 1, NULL,
                                  NULL, &err),
                 &err);
        outs2[0] = o20;
        outs2[1] = o21;
        CHECK_OK(grad_plan_execute(plan, a23, outs2, &err), &err);
        CHECK_F64("plan i32 axis 0", o20, G_A_AX0, 6);
        CHECK_F64("plan i32 axis 1", o21, G_A_AX1, 6);
        grad_plan_destroy(plan);
        (void)f2;
    }

    /* Create / execute / destroy loops, with coordinates, accuracy orders and
     * failed creates (valgrind and ASan run this harness: no leak). */
    for (i = 0; i < 200; i++) {
        grad_options o;
        double xs[12], fs[12], os[12];
        void *po[1];
        const int64_t s12[1] = {12};
        int j;
        memset(&o, 0, sizeof o);
        o.size = (uint32_t)sizeof o;
        o.accuracy = (i % 3) * 2 + (i % 3 != 0) * 2; /* 0, 4, 6 */
        for (j = 0; j < 12; j++) {
            xs[j] = j + 0.1 * j * j;
            fs[j] = sin(0.5 * j);
        }
        memset(sp, 0, sizeof sp);
        sp[0].kind = i % 2 ? GRAD_SPACING_NONUNIFORM : GRAD_SPACING_COORDINATES;
        sp[0].coords = xs;
        sp[0].coords_len = 12;
        plan = NULL;
        if (grad_plan_create(&plan, GRAD_DTYPE_F64, 1, s12, NULL, 1, NULL, 1, sp, 1 + i % 5, NULL,
                             &o, &err) != GRAD_STATUS_OK) {
            CHECK(plan == NULL);
            continue;
        }
        po[0] = os;
        CHECK(grad_plan_execute(plan, fs, po, NULL) == GRAD_STATUS_OK);
        grad_plan_destroy(plan);
    }
}

/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* Accuracy orders 4, 6, 8, options growth, GRAD_SPACING_NONUNIFORM (0.2)   */
/* ------------------------------------------------------------------------ */

/* Expected values computed exactly with Python's fractions: for f = x^d with
 * d <= edge_order every window's integer-weighted sum is exact, so the result
 * is that sum times r = RN(1 / (D*h)), rounded once (e.g. p = 8: D = 840,
 * 5880 i^6 * RN(1/840) is 7 i^6 plus one ulp for most i). */
static const double G_P4_CUBE[] = {0.0, 3.0, 12.0, 27.0, 48.0, 75.0, 108.0, 147.0, 192.0};
static const double G_P8_SEVENTH[] = {0.0, 7.000000000000001, 448.00000000000006, 5103.000000000001,
                                      28672.000000000004, 109375.00000000001, 326592.00000000006,
                                      823543.0000000001, 1835008.0000000002, 3720087.0000000005,
                                      7000000.000000001, 12400927.000000002};
/* F7, h = 0.7, accuracy 4, edge_order 2: points 1 and 5 use the centred
 * 3-point window with r = RN(1/(2h)) (numpy divides by 2h: 0.25256285714285703) */
static const double G_F7_P4_Q2[] = {5.002262857142858, 0.252562857142857, -6.606835833333335,
                                    -6.693369166666668, 3.0744202380952386, 4.830323571428571,
                                    1.9767164285714285};
/* F7 on x = 0.75 i (evenly spaced), edge_order 2: NONUNIFORM keeps numpy's
 * non-uniform formulas; COORDINATES reduces to the step (numpy) */
static const double G_F7_X075_NONUNI[] = {4.668778666666666, 0.23572533333333334, -5.230199333333333,
                                          -5.079039333333332, 2.080752, 4.508302, 1.8449353333333338};
static const double G_F7_X075_COORDS[] = {4.668778666666666, 0.2357253333333332, -5.230199333333334,
                                          -5.079039333333333, 2.080752, 4.508302, 1.8449353333333338};

/* An options struct as a caller that compiled `size` bytes of it lays it
 * out, in a buffer whose bytes after the known 32 are `tail` (or 0). */
typedef union {
    grad_options o;
    unsigned char bytes[64];
    double align_;
} options_buf;

static void test_accuracy_orders(void)
{
    grad_error e = fresh_err();
    grad_options opt;
    grad_spacing sp[1];
    double cube[9], seventh[12], o[12], x075[7];
    double *outs[1] = {o};
    int64_t n9[1] = {9}, n12[1] = {12}, n7[1] = {7};
    int i;
    g_section = "accuracy";

    for (i = 0; i < 9; i++) cube[i] = (double)(i * i * i);
    for (i = 0; i < 12; i++) seventh[i] = pow((double)i, 7.0);
    for (i = 0; i < 7; i++) x075[i] = 0.75 * i;

    CHECK(GRAD_SPACING_NONUNIFORM == 3);
    CHECK(sizeof(grad_options) == 32 || sizeof(void *) != 8);
    CHECK(offsetof(grad_options, periods) < offsetof(grad_options, accuracy) &&
          offsetof(grad_options, accuracy) < offsetof(grad_options, reserved));
    CHECK(offsetof(grad_options, reserved) + sizeof(int32_t) == sizeof(grad_options));

    memset(&opt, 0, sizeof opt);
    opt.size = (uint32_t)sizeof(grad_options);
    opt.accuracy = 4;
    sp[0] = sp_unit();
    CHECK_OK(grad_gradient_f64(cube, 1, n9, NULL, 1, NULL, 1, sp, 4, outs, NULL, &opt, &e), &e);
    CHECK_F64("accuracy 4, edge_order 4, i^3", o, G_P4_CUBE, 9);
    CHECK_OK(grad_gradient_f64(cube, 1, n9, NULL, 1, NULL, 1, sp, 3, outs, NULL, &opt, &e), &e);
    CHECK_F64("accuracy 4, edge_order 3, i^3", o, G_P4_CUBE, 9);
    opt.accuracy = 8;
    CHECK_OK(grad_gradient_f64(seventh, 1, n12, NULL, 1, NULL, 1, sp, 8, outs, NULL, &opt, &e), &e);
    CHECK_F64("accuracy 8, edge_order 8, i^7", o, G_P8_SEVENTH, 12);
    opt.accuracy = 4;
    sp[0] = sp_uniform(0.7);
    CHECK_OK(grad_gradient_f64(F7, 1, n7, NULL, 1, NULL, 1, sp, 2, outs, NULL, &opt, &e), &e);
    CHECK_F64("accuracy 4, edge_order 2, f7 h=0.7", o, G_F7_P4_Q2, 7);

    /* NONUNIFORM on evenly spaced coordinates: numpy's non-uniform formulas */
    opt.accuracy = 0;
    sp[0] = sp_coords(x075, 7);
    sp[0].kind = GRAD_SPACING_NONUNIFORM;
    CHECK_OK(grad_gradient_f64(F7, 1, n7, NULL, 1, NULL, 1, sp, 2, outs, NULL, &opt, &e), &e);
    CHECK_F64("NONUNIFORM x=0.75i e2", o, G_F7_X075_NONUNI, 7);
    sp[0].kind = GRAD_SPACING_COORDINATES;
    CHECK_OK(grad_gradient_f64(F7, 1, n7, NULL, 1, NULL, 1, sp, 2, outs, NULL, &opt, &e), &e);
    CHECK_F64("COORDINATES x=0.75i e2 (a step)", o, G_F7_X075_COORDS, 7);

    /* new bad inputs */
    opt.accuracy = 4;
    sp[0] = sp_unit();
    e = fresh_err();
    CHECK(grad_gradient_f64(cube, 1, n9, NULL, 1, NULL, 1, sp, 5, outs, NULL, &opt, &e) ==
          GRAD_STATUS_INVALID_EDGE_ORDER);
    CHECK(grad_gradient_f64(cube, 1, (const int64_t[]){4}, NULL, 1, NULL, 1, sp, 1, outs, NULL, &opt,
                            &e) == GRAD_STATUS_SHAPE_TOO_SMALL);
    opt.accuracy = 3;
    CHECK(grad_gradient_f64(cube, 1, n9, NULL, 1, NULL, 1, sp, 1, outs, NULL, &opt, &e) ==
          GRAD_STATUS_INVALID_OPTIONS);
    opt.accuracy = 10;
    CHECK(grad_gradient_f64(cube, 1, n9, NULL, 1, NULL, 1, sp, 1, outs, NULL, &opt, &e) ==
          GRAD_STATUS_INVALID_OPTIONS);
    opt.accuracy = -2;
    CHECK(grad_gradient_f64(cube, 1, n9, NULL, 1, NULL, 1, sp, 1, outs, NULL, &opt, &e) ==
          GRAD_STATUS_INVALID_OPTIONS);
    opt.accuracy = 4;
    opt.reserved = 1;
    CHECK(grad_gradient_f64(cube, 1, n9, NULL, 1, NULL, 1, sp, 1, outs, NULL, &opt, &e) ==
          GRAD_STATUS_INVALID_OPTIONS);
}

/* The size rule of grad_options (C1): a caller that compiled an older or
 * newer struct keeps working, and nothing is written on a refusal. */
static void test_options_sizes(void)
{
    static const struct {
        uint32_t size;
        int tail_offset; /* a nonzero byte at this offset, or -1 */
        int expect_ok;
        int expect_accuracy4; /* accuracy 4 in force (else numpy) */
    } cases[] = {
        {24, -1, 1, 0}, /* the 0.1 layout: accuracy and reserved are garbage */
        {28, -1, 1, 1}, /* accuracy inside, reserved cut off (garbage) */
        {32, -1, 1, 1},
        {40, -1, 1, 1},  /* a newer caller that uses no newer field */
        {40, 35, 0, 0},  /* a newer caller that does */
        {64, 63, 0, 0},
        {4097, -1, 0, 0},
        {16, -1, 0, 0},
        {23, -1, 0, 0},
    };
    static const double CUBE_E2[] = {-2.0, 4.0, 13.0, 28.0, 49.0, 76.0, 109.0, 148.0, 190.0}; /* numpy */
    double cube[9], o[9], pattern[9];
    double *outs[1] = {o};
    int64_t n9[1] = {9};
    size_t c;
    int i;
    g_section = "options size";
    for (i = 0; i < 9; i++) cube[i] = (double)(i * i * i);
    memset(pattern, 0xA7, sizeof pattern);
    for (c = 0; c < COUNT(cases); c++) {
        options_buf *buf;
        grad_error e = fresh_err();
        grad_status s;
        size_t alloc = cases[c].size > 64 ? cases[c].size : 64;
        buf = calloc(1, alloc + 8);
        if (buf == NULL) {
            CHECKF(0, "out of memory");
            return;
        }
        buf->o.size = cases[c].size;
        buf->o.threads = 1;
        buf->o.accuracy = 4;
        if (cases[c].size < sizeof(grad_options)) {
            /* the bytes this caller does not know about hold garbage */
            memset(buf->bytes + cases[c].size, 0xEE, sizeof(grad_options) - cases[c].size);
        }
        if (cases[c].tail_offset >= 0) buf->bytes[cases[c].tail_offset] = 0x01;
        memcpy(o, pattern, sizeof o);
        s = grad_gradient_f64(cube, 1, n9, NULL, 1, NULL, 0, NULL, cases[c].expect_accuracy4 ? 4 : 2,
                              outs, NULL, &buf->o, &e);
        if (cases[c].expect_ok) {
            CHECKF(s == GRAD_STATUS_OK, "size %u: status %d: %s", (unsigned)cases[c].size, (int)s,
                   e.message);
            if (cases[c].expect_accuracy4) {
                CHECK_F64("options size, accuracy 4", o, G_P4_CUBE, 9);
            } else {
                CHECK_F64("options size 24 = numpy", o, CUBE_E2, 9);
            }
        } else {
            CHECKF(s == GRAD_STATUS_INVALID_OPTIONS, "size %u tail %d: status %d, want INVALID_OPTIONS",
                   (unsigned)cases[c].size, cases[c].tail_offset, (int)s);
            CHECKF(memcmp(o, pattern, sizeof o) == 0, "size %u: output written on failure",
                   (unsigned)cases[c].size);
            if (cases[c].tail_offset >= 0) {
                char want[16];
                snprintf(want, sizeof want, "%d", cases[c].tail_offset);
                CHECKF(strstr(e.message, want) != NULL, "size %u: message \"%s\" does not name offset %s",
                       (unsigned)cases[c].size, e.message, want);
            }
        }
        free(buf);
    }
}

int main(void)
{
    const char *v = getenv("GRAD_TEST_VERBOSE");
    g_verbose = v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;

    test_version_and_status_str();
    test_reference_matches_goldens();
    test_golden_1d_f64();
    test_golden_1d_f32();
    test_golden_complex();
    test_generic_dtypes();
    test_2d_axes_and_spacing();
    test_2d_layouts();
    test_3d_layouts();
    test_valid_edge_cases();
    test_options();
    test_status_codes();
    test_accuracy_orders();
    test_options_sizes();
    test_plans();

    printf("%ld passed, %ld failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
