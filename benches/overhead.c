/*
 * Per-call overhead of the C ABI on tiny arrays, against hand-written C loops
 * computing the same gradients (numpy's formulas (docs/numerics.md), bit-identical results),
 * for direct calls and for plans (grad_plan_create once, grad_plan_execute per call).
 *
 * Build and run from the repository root (scripts/bench.sh does this):
 *
 *   cargo build --release
 *   mkdir -p target/bench
 *   cc -O3 -std=c11 -Wall -Wextra -Iinclude benches/overhead.c \
 *      -Ltarget/release -lgradient -Wl,-rpath,"$PWD/target/release" \
 *      -lm -o target/bench/overhead
 *   target/bench/overhead [calls_per_batch [batches]]     (default 1000000 11)
 *   target/bench/overhead count CASE N
 *
 * The `count` form makes exactly N calls of the first case whose name
 * contains CASE and prints nothing, for instruction counts that do not move
 * with the machine's load: run it under `valgrind --tool=callgrind` at two
 * values of N; the difference of the totals over the difference of the N is
 * the instructions per call (the fixed start-up cancels).
 *
 * Every case runs `calls_per_batch` calls in a tight loop per batch; the
 * batches of all cases are interleaved (round-robin, so load drift hits all
 * alike) and the median ns per call over the batches is reported, with the
 * minimum and maximum batch. Each library call gets a compiler barrier after
 * it, like each hand-written call (both are real, non-inlined calls), so
 * neither can be hoisted out of the loop.
 */
#define _POSIX_C_SOURCE 199309L

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gradient.h"

#define BARRIER() __asm__ __volatile__("" ::: "memory")

static double f10[10];
static double x10[10];
static double f44[16];
static double out_lib[2][16];
static double out_hand[2][16];
#define B 16
#define B3 (B * B * B)
static double f3[B3];
static double out3_lib[3][B3];
static double out3_hand[3][B3];
static grad_plan *plan_unit10_p, *plan_coords10_p, *plan_2d44_p, *plan_b3_p;

/* ------------------------------------------------------ hand-written loops */

/* numpy.gradient(f) for 10 points, unit spacing, edge order 1. */
__attribute__((noinline)) static void hand_unit10(const double *f, double *out) {
    const double h = 1.0;
    out[0] = (f[1] - f[0]) / h;
    for (int i = 1; i < 9; i++) out[i] = (f[i + 1] - f[i - 1]) / (2.0 * h);
    out[9] = (f[9] - f[8]) / h;
}

/* numpy.gradient(f, x) for 10 non-uniform coordinates, edge order 1. */
__attribute__((noinline)) static void hand_coords10(const double *f, const double *x, double *out) {
    double d[9];
    for (int k = 0; k < 9; k++) d[k] = x[k + 1] - x[k];
    out[0] = (f[1] - f[0]) / d[0];
    for (int i = 1; i < 9; i++) {
        double h1 = d[i - 1], h2 = d[i];
        double a = (-h2) / (h1 * (h1 + h2));
        double b = (h2 - h1) / (h1 * h2);
        double c = h1 / (h2 * (h1 + h2));
        out[i] = ((a * f[i - 1]) + (b * f[i])) + (c * f[i + 1]);
    }
    out[9] = (f[9] - f[8]) / d[8];
}

/* numpy.gradient(f) for a 4x4 C-contiguous array: both axes, unit spacing. */
__attribute__((noinline)) static void hand_2d44(const double *f, double *o0, double *o1) {
    for (int j = 0; j < 4; j++) { /* axis 0: along columns */
        o0[0 * 4 + j] = (f[1 * 4 + j] - f[0 * 4 + j]) / 1.0;
        for (int i = 1; i < 3; i++) o0[i * 4 + j] = (f[(i + 1) * 4 + j] - f[(i - 1) * 4 + j]) / 2.0;
        o0[3 * 4 + j] = (f[3 * 4 + j] - f[2 * 4 + j]) / 1.0;
    }
    for (int i = 0; i < 4; i++) { /* axis 1: along rows */
        const double *r = f + i * 4;
        double *o = o1 + i * 4;
        o[0] = (r[1] - r[0]) / 1.0;
        for (int j = 1; j < 3; j++) o[j] = (r[j + 1] - r[j - 1]) / 2.0;
        o[3] = (r[3] - r[2]) / 1.0;
    }
}

/* numpy.gradient(f) for a 16^3 C-contiguous block along all three axes. */
__attribute__((noinline)) static void hand_b3(const double *f, double *o0, double *o1, double *o2) {
    const ptrdiff_t s0 = B * B, s1 = B;
    for (int i = 0; i < B; i++)
        for (int j = 0; j < B; j++) {
            const double *r = f + i * s0 + j * s1;
            ptrdiff_t o = i * s0 + j * s1;
            /* axis 0 */
            if (i == 0)
                for (int k = 0; k < B; k++) o0[o + k] = (r[s0 + k] - r[k]) / 1.0;
            else if (i == B - 1)
                for (int k = 0; k < B; k++) o0[o + k] = (r[k] - r[k - s0]) / 1.0;
            else
                for (int k = 0; k < B; k++) o0[o + k] = (r[s0 + k] - r[k - s0]) / 2.0;
            /* axis 1 */
            if (j == 0)
                for (int k = 0; k < B; k++) o1[o + k] = (r[s1 + k] - r[k]) / 1.0;
            else if (j == B - 1)
                for (int k = 0; k < B; k++) o1[o + k] = (r[k] - r[k - s1]) / 1.0;
            else
                for (int k = 0; k < B; k++) o1[o + k] = (r[s1 + k] - r[k - s1]) / 2.0;
            /* axis 2 */
            o2[o] = (r[1] - r[0]) / 1.0;
            for (int k = 1; k < B - 1; k++) o2[o + k] = (r[k + 1] - r[k - 1]) / 2.0;
            o2[o + B - 1] = (r[B - 1] - r[B - 2]) / 1.0;
        }
}

/* ------------------------------------------------------------------ cases */

static const int64_t shape10[1] = {10};
static const int64_t shape44[2] = {4, 4};

static grad_status lib_unit10(void) {
    double *const outs[1] = {out_lib[0]};
    return grad_gradient_f64(f10, 1, shape10, NULL, 1, NULL, 0, NULL, 1, outs, NULL, NULL, NULL);
}

static grad_status lib_unit10_t2(void) {
    double *const outs[1] = {out_lib[0]};
    grad_options o;
    memset(&o, 0, sizeof o);
    o.size = (uint32_t)sizeof o;
    o.threads = 2;
    return grad_gradient_f64(f10, 1, shape10, NULL, 1, NULL, 0, NULL, 1, outs, NULL, &o, NULL);
}

static grad_status lib_coords10(void) {
    double *const outs[1] = {out_lib[0]};
    grad_spacing sp;
    memset(&sp, 0, sizeof sp);
    sp.kind = GRAD_SPACING_COORDINATES;
    sp.coords = x10;
    sp.coords_len = 10;
    return grad_gradient_f64(f10, 1, shape10, NULL, 1, NULL, 1, &sp, 1, outs, NULL, NULL, NULL);
}

static grad_status lib_2d44(void) {
    double *const outs[2] = {out_lib[0], out_lib[1]};
    return grad_gradient_f64(f44, 2, shape44, NULL, 2, NULL, 0, NULL, 1, outs, NULL, NULL, NULL);
}

static const int64_t shape_b3[3] = {B, B, B};

static grad_status lib_b3(void) {
    double *const outs[3] = {out3_lib[0], out3_lib[1], out3_lib[2]};
    return grad_gradient_f64(f3, 3, shape_b3, NULL, 3, NULL, 0, NULL, 1, outs, NULL, NULL, NULL);
}

static grad_status plan_unit10(void) {
    void *const outs[1] = {out_lib[0]};
    return grad_plan_execute(plan_unit10_p, f10, outs, NULL);
}

static grad_status plan_coords10(void) {
    void *const outs[1] = {out_lib[0]};
    return grad_plan_execute(plan_coords10_p, f10, outs, NULL);
}

static grad_status plan_2d44(void) {
    void *const outs[2] = {out_lib[0], out_lib[1]};
    return grad_plan_execute(plan_2d44_p, f44, outs, NULL);
}

static grad_status plan_b3(void) {
    void *const outs[3] = {out3_lib[0], out3_lib[1], out3_lib[2]};
    return grad_plan_execute(plan_b3_p, f3, outs, NULL);
}

static grad_status run_hand_b3(void) {
    hand_b3(f3, out3_hand[0], out3_hand[1], out3_hand[2]);
    return 0;
}

static int make_plans(void) {
    grad_spacing sp;
    memset(&sp, 0, sizeof sp);
    sp.kind = GRAD_SPACING_COORDINATES;
    sp.coords = x10;
    sp.coords_len = 10;
    return grad_plan_create(&plan_unit10_p, GRAD_DTYPE_F64, 1, shape10, NULL, 1, NULL, 0, NULL, 1,
                            NULL, NULL, NULL) == GRAD_STATUS_OK &&
           grad_plan_create(&plan_coords10_p, GRAD_DTYPE_F64, 1, shape10, NULL, 1, NULL, 1, &sp, 1,
                            NULL, NULL, NULL) == GRAD_STATUS_OK &&
           grad_plan_create(&plan_2d44_p, GRAD_DTYPE_F64, 2, shape44, NULL, 2, NULL, 0, NULL, 1,
                            NULL, NULL, NULL) == GRAD_STATUS_OK &&
           grad_plan_create(&plan_b3_p, GRAD_DTYPE_F64, 3, shape_b3, NULL, 3, NULL, 0, NULL, 1,
                            NULL, NULL, NULL) == GRAD_STATUS_OK;
}

static grad_status run_hand_unit10(void) { hand_unit10(f10, out_hand[0]); return 0; }
static grad_status run_hand_coords10(void) { hand_coords10(f10, x10, out_hand[0]); return 0; }
static grad_status run_hand_2d44(void) { hand_2d44(f44, out_hand[0], out_hand[1]); return 0; }

typedef grad_status (*case_fn)(void);

struct bench_case {
    const char *name;
    case_fn fn;
    double *samples; /* ns per call, one per batch */
};

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The library's outputs against the hand-written loops', bit for bit. */
static int same_bits(const double *a, const double *b, int n) {
    return memcmp(a, b, (size_t)n * sizeof(double)) == 0;
}

static int check(void) {
    int ok = 1;
    grad_status st;
    memset(out_lib, 0, sizeof out_lib);
    st = lib_unit10();
    run_hand_unit10();
    ok &= st == GRAD_STATUS_OK && same_bits(out_lib[0], out_hand[0], 10);
    st = lib_unit10_t2();
    ok &= st == GRAD_STATUS_OK && same_bits(out_lib[0], out_hand[0], 10);
    st = lib_coords10();
    run_hand_coords10();
    ok &= st == GRAD_STATUS_OK && same_bits(out_lib[0], out_hand[0], 10);
    st = lib_2d44();
    run_hand_2d44();
    ok &= st == GRAD_STATUS_OK && same_bits(out_lib[0], out_hand[0], 16) &&
          same_bits(out_lib[1], out_hand[1], 16);
    memset(out_lib, 0, sizeof out_lib);
    ok &= plan_unit10() == GRAD_STATUS_OK;
    run_hand_unit10();
    ok &= same_bits(out_lib[0], out_hand[0], 10);
    ok &= plan_coords10() == GRAD_STATUS_OK;
    run_hand_coords10();
    ok &= same_bits(out_lib[0], out_hand[0], 10);
    ok &= plan_2d44() == GRAD_STATUS_OK;
    run_hand_2d44();
    ok &= same_bits(out_lib[0], out_hand[0], 16) && same_bits(out_lib[1], out_hand[1], 16);
    run_hand_b3();
    for (int pass = 0; pass < 2; pass++) {
        memset(out3_lib, 0, sizeof out3_lib);
        ok &= (pass ? plan_b3() : lib_b3()) == GRAD_STATUS_OK;
        for (int k = 0; k < 3; k++) ok &= same_bits(out3_lib[k], out3_hand[k], B3);
    }
    return ok;
}

int main(int argc, char **argv) {
    int count_only = argc == 4 && strcmp(argv[1], "count") == 0;
    long calls = count_only ? atol(argv[3]) : argc > 1 ? atol(argv[1]) : 1000000L;
    int batches = !count_only && argc > 2 ? atoi(argv[2]) : 11;
    if (calls < 1 || batches < 1) {
        fprintf(stderr, "usage: %s [calls_per_batch >= 1 [batches >= 1]]\n"
                        "       %s count CASE N (N >= 1)\n", argv[0], argv[0]);
        return 2;
    }

    for (int i = 0; i < 10; i++) {
        f10[i] = sin(0.7 * i) * 3.0 + 0.25 * i * i;
        x10[i] = 0.5 * i + 0.03 * i * i + 0.01 * sin(3.0 * i); /* strictly increasing, non-uniform */
    }
    for (int i = 0; i < 16; i++) f44[i] = cos(0.37 * i) + 0.1 * i;
    for (int i = 0; i < B3; i++) f3[i] = sin(0.013 * i) + 0.001 * (i % 97);
    if (!make_plans()) {
        fprintf(stderr, "grad_plan_create failed\n");
        return 1;
    }

    struct bench_case cases[] = {
        {"lib  f64 1-D n=10, unit spacing", lib_unit10, NULL},
        {"hand f64 1-D n=10, unit spacing", run_hand_unit10, NULL},
        {"lib  f64 1-D n=10, 10 coordinates", lib_coords10, NULL},
        {"hand f64 1-D n=10, 10 coordinates", run_hand_coords10, NULL},
        {"lib  f64 2-D 4x4, both axes, unit", lib_2d44, NULL},
        {"hand f64 2-D 4x4, both axes, unit", run_hand_2d44, NULL},
        {"lib  f64 1-D n=10, unit, threads=2", lib_unit10_t2, NULL},
        {"plan f64 1-D n=10, unit spacing", plan_unit10, NULL},
        {"plan f64 1-D n=10, 10 coordinates", plan_coords10, NULL},
        {"plan f64 2-D 4x4, both axes, unit", plan_2d44, NULL},
        {"lib  f64 3-D 16^3, all axes, unit", lib_b3, NULL},
        {"plan f64 3-D 16^3, all axes, unit", plan_b3, NULL},
        {"hand f64 3-D 16^3, all axes, unit", run_hand_b3, NULL},
    };
    const int ncases = (int)(sizeof cases / sizeof cases[0]);

    if (count_only) {
        for (int c = 0; c < ncases; c++) {
            if (strstr(cases[c].name, argv[2]) == NULL) continue;
            grad_status acc = 0;
            for (long k = 0; k < calls; k++) {
                acc |= cases[c].fn();
                BARRIER();
            }
            return acc == GRAD_STATUS_OK ? 0 : 1;
        }
        fprintf(stderr, "no case contains \"%s\"\n", argv[2]);
        return 2;
    }

    int ok = check();
    printf("per-call overhead: %ld calls per batch, %d batches, median ns per call\n", calls, batches);
    printf("library outputs bit-identical to the hand-written loops: %s\n\n", ok ? "yes" : "NO");

    for (int c = 0; c < ncases; c++) {
        cases[c].samples = calloc((size_t)batches, sizeof(double));
        if (!cases[c].samples) return 2;
        /* warm up */
        for (long k = 0; k < calls / 10 + 1; k++) { cases[c].fn(); BARRIER(); }
    }

    int failures = 0;
    for (int b = 0; b < batches; b++) {
        for (int j = 0; j < ncases; j++) {
            struct bench_case *bc = &cases[(b + j) % ncases];
            case_fn fn = bc->fn;
            grad_status acc = 0;
            double t0 = now_ns();
            for (long k = 0; k < calls; k++) {
                acc |= fn();
                BARRIER();
            }
            double t1 = now_ns();
            if (acc != GRAD_STATUS_OK) failures++;
            bc->samples[b] = (t1 - t0) / (double)calls;
        }
    }

    printf("%-38s %10s %10s %10s\n", "case", "median ns", "min ns", "max ns");
    double med[32];
    for (int c = 0; c < ncases; c++) {
        med[c] = median(cases[c].samples, batches);
        printf("%-38s %10.1f %10.1f %10.1f\n", cases[c].name, med[c], cases[c].samples[0],
               cases[c].samples[batches - 1]);
    }
    printf("\nlibrary / hand-written: n=10 unit %.1fx, n=10 coordinates %.1fx, 4x4 %.1fx\n",
           med[0] / med[1], med[2] / med[3], med[4] / med[5]);
    printf("library overhead over the hand loop (ns): n=10 unit %.1f, n=10 coordinates %.1f, "
           "4x4 %.1f\n",
           med[0] - med[1], med[2] - med[3], med[4] - med[5]);
    printf("plan execute (ns): n=10 unit %.1f, n=10 coordinates %.1f, 4x4 %.1f; "
           "16^3 block: direct %.1f, plan %.1f, hand %.1f (plan / hand %.2fx)\n",
           med[7], med[8], med[9], med[10], med[11], med[12], med[11] / med[12]);
    printf("\n| case | direct call | plan execute | hand-written C | plan calls per second |\n");
    printf("|---|---|---|---|---|\n");
    printf("| 10 doubles, unit step | %.0f ns | %.0f ns | %.0f ns | %.1f M |\n", med[0], med[7],
           med[1], 1e3 / med[7]);
    printf("| 10 doubles, 10 coordinates | %.0f ns | %.0f ns | %.0f ns | %.1f M |\n", med[2],
           med[8], med[3], 1e3 / med[8]);
    printf("| 4x4, both axes | %.0f ns | %.0f ns | %.0f ns | %.1f M |\n", med[4], med[9], med[5],
           1e3 / med[9]);
    printf("| 16^3 block, all 3 axes | %.2f us | %.2f us | %.2f us | %.0f k |\n", med[10] / 1e3,
           med[11] / 1e3, med[12] / 1e3, 1e6 / med[11]);
    grad_plan_destroy(plan_unit10_p);
    grad_plan_destroy(plan_coords10_p);
    grad_plan_destroy(plan_2d44_p);
    grad_plan_destroy(plan_b3_p);
    if (failures) {
        fprintf(stderr, "a library call failed during timing\n");
        return 1;
    }
    return ok ? 0 : 1;
}
