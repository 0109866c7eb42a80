/*
 * The header under a C89 compiler (tests/c_harness.rs builds this file with
 * -std=c89 -pedantic -Wall -Wextra -Werror), and the version macros checked
 * against the library that is loaded: GRAD_VERSION_MAJOR, _MINOR and _PATCH
 * must be what grad_version() returns. The last line is "N passed, N failed".
 */
#include "gradient.h"

#include <stdio.h>

#if !defined(GRAD_VERSION_MAJOR) || !defined(GRAD_VERSION_MINOR) || !defined(GRAD_VERSION_PATCH)
#error "gradient.h defines no GRAD_VERSION_MAJOR, GRAD_VERSION_MINOR or GRAD_VERSION_PATCH"
#endif

/* what a user writes to require a version at compile time */
#if GRAD_VERSION_MAJOR == 0 && GRAD_VERSION_MINOR < 1
#error "gradient 0.1 or newer is required"
#endif

static int passed;
static int failed;

static void check(int ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s\n", what);
    }
}

int main(void)
{
    uint32_t v = grad_version();
    uint32_t from_macros = ((uint32_t)GRAD_VERSION_MAJOR << 16) |
                           ((uint32_t)GRAD_VERSION_MINOR << 8) | (uint32_t)GRAD_VERSION_PATCH;
    double f[4];
    double df[4];
    double *out[1];
    int64_t shape[1];
    grad_error err;
    grad_status s;

    printf("header %d.%d.%d, library %lu.%lu.%lu\n", GRAD_VERSION_MAJOR, GRAD_VERSION_MINOR,
           GRAD_VERSION_PATCH, (unsigned long)(v >> 16), (unsigned long)((v >> 8) & 255),
           (unsigned long)(v & 255));
    check(v == from_macros, "grad_version() == the GRAD_VERSION_* macros");
    check(GRAD_VERSION_MINOR < 256 && GRAD_VERSION_PATCH < 256, "minor and patch fit 8 bits");

    /* one call, C89 style (no designated initialisers) */
    f[0] = 5;
    f[1] = 7;
    f[2] = 4;
    f[3] = 8;
    shape[0] = 4;
    out[0] = df;
    s = grad_gradient_f64(f, 1, shape, NULL, 1, NULL, 0, NULL, 1, out, NULL, NULL, &err);
    check(s == GRAD_STATUS_OK, "grad_gradient_f64 returns GRAD_STATUS_OK");
    check(df[0] == 2.0 && df[1] == -0.5 && df[2] == 0.5 && df[3] == 4.0,
          "[5, 7, 4, 8] -> [2, -0.5, 0.5, 4]");
    check(grad_status_str(GRAD_STATUS_OK) != NULL, "grad_status_str is never NULL");

    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
