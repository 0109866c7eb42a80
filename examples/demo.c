/*
 * demo.c: numpy.gradient from C, through the gradient library's C ABI.
 *
 * Build and run it with scripts/demo.sh, or by hand from the repository root:
 *
 *   cargo build --release
 *   cc -std=c11 -Wall -Wextra -Werror -Iinclude examples/demo.c \
 *      -Ltarget/release -lgradient -Wl,-rpath,"$PWD/target/release" -o demo
 *   ./demo
 *
 * Every value is printed with %.17g, so it is the exact double: compare it
 * with Python's repr() of numpy.gradient's result.
 */
#include "gradient.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Prints "label: [v0, v1, ...]" with every value exact. */
static void print_values(const char *label, const double *v, int n)
{
    int i;
    printf("  %-36s [", label);
    for (i = 0; i < n; i++) {
        printf("%s%.17g", i > 0 ? ", " : "", v[i]);
    }
    printf("]\n");
}

/* Stops the demo when a call fails, with the library's explanation. */
static void check(grad_status status, const grad_error *err, const char *what)
{
    if (status != GRAD_STATUS_OK) {
        fprintf(stderr, "demo: %s failed: %s (status %d): %s\n", what, grad_status_str(status),
                (int)status, err->message);
        exit(1);
    }
}

/* The gradient of a 1-d array f of n points with one spacing entry. */
static void gradient_1d(const char *label, const double *f, int64_t n, grad_spacing spacing,
                        int32_t edge_order)
{
    double out[16];
    double *outs[1];      /* one output per differentiated axis */
    int64_t shape[1];
    grad_error err;
    grad_status status;

    shape[0] = n;
    outs[0] = out;
    status = grad_gradient_f64(f, 1, shape, /* strides: C order */ NULL,
                               /* naxes, axes: every axis */ 1, NULL,
                               /* one spacing entry */ 1, &spacing, edge_order, outs,
                               /* out_strides: C order */ NULL,
                               /* options: numpy behaviour */ NULL, &err);
    check(status, &err, label);
    print_values(label, out, (int)n);
}

int main(void)
{
    uint32_t v = grad_version();
    grad_spacing unit = {GRAD_SPACING_UNIT, 0.0, NULL, 0};
    grad_spacing step2 = {GRAD_SPACING_UNIFORM, 2.0, NULL, 0};

    printf("gradient %u.%u.%u: numpy.gradient through the C ABI\n\n", (unsigned)(v >> 16),
           (unsigned)((v >> 8) & 0xff), (unsigned)(v & 0xff));

    /* ---- 1-d: f = [1, 2, 4, 7, 11, 16] */
    {
        static const double f[] = {1, 2, 4, 7, 11, 16};
        static const double x[] = {0, 1, 1.5, 3.5, 4, 6};
        grad_spacing coords = {GRAD_SPACING_COORDINATES, 0.0, x, 6};

        printf("f = [1, 2, 4, 7, 11, 16]\n");
        gradient_1d("unit spacing", f, 6, unit, 1);
        gradient_1d("h = 2", f, 6, step2, 1);
        gradient_1d("x = [0, 1, 1.5, 3.5, 4, 6], edge 1", f, 6, coords, 1);
        gradient_1d("x = [0, 1, 1.5, 3.5, 4, 6], edge 2", f, 6, coords, 2);
    }

    /* ---- 1-d: f = [5, 7, 4, 8] */
    {
        static const double f[] = {5, 7, 4, 8};
        printf("\nf = [5, 7, 4, 8]\n");
        gradient_1d("unit spacing", f, 4, unit, 1);
    }

    /* ---- 2-d: both axes at once, one output per axis */
    {
        static const double a[2][3] = {{1, 2, 6}, {3, 4, 5}};
        static const int64_t shape[2] = {2, 3};
        static const double x[] = {1, 1.5, 3.5};
        double d0[2][3], d1[2][3];
        double *outs[2];
        grad_spacing spacing[2];
        grad_error err;
        grad_status status;

        outs[0] = &d0[0][0]; /* d/d(axis 0): down the columns */
        outs[1] = &d1[0][0]; /* d/d(axis 1): along the rows */

        printf("\nA = [[1, 2, 6], [3, 4, 5]]\n");
        status = grad_gradient_f64(&a[0][0], 2, shape, NULL, 2, NULL, 0, NULL, 1, outs, NULL,
                                   NULL, &err);
        check(status, &err, "2-d, unit spacing");
        print_values("axis 0, unit spacing, row 0", d0[0], 3);
        print_values("axis 0, unit spacing, row 1", d0[1], 3);
        print_values("axis 1, unit spacing, row 0", d1[0], 3);
        print_values("axis 1, unit spacing, row 1", d1[1], 3);

        /* one spacing entry per axis: a step of 2 down, coordinates across */
        spacing[0] = step2;
        spacing[1].kind = GRAD_SPACING_COORDINATES;
        spacing[1].delta = 0.0;
        spacing[1].coords = x;
        spacing[1].coords_len = 3;
        status = grad_gradient_f64(&a[0][0], 2, shape, NULL, 2, NULL, 2, spacing, 1, outs, NULL,
                                   NULL, &err);
        check(status, &err, "2-d, spacing (2, x)");
        print_values("axis 0, h = 2, row 0", d0[0], 3);
        print_values("axis 0, h = 2, row 1", d0[1], 3);
        print_values("axis 1, x = [1, 1.5, 3.5], row 0", d1[0], 3);
        print_values("axis 1, x = [1, 1.5, 3.5], row 1", d1[1], 3);
    }

    /* ---- what an error looks like */
    {
        static const double f[] = {1, 2};
        double out[2];
        double *outs[1];
        int64_t shape[1] = {2};
        grad_error err;
        grad_status status;
        outs[0] = out;
        status = grad_gradient_f64(f, 1, shape, NULL, 1, NULL, 0, NULL, 2, outs, NULL, NULL, &err);
        printf("\nan expected error (2 points, edge_order 2):\n  %s: %s\n",
               grad_status_str(status), err.message);
        if (status != GRAD_STATUS_SHAPE_TOO_SMALL) {
            fprintf(stderr, "demo: expected GRAD_STATUS_SHAPE_TOO_SMALL, got %d\n", (int)status);
            return 1;
        }
    }
    return 0;
}
