/*
 * A/B timing of two (or more) builds of the library in one process: each
 * round calls every build once, in turn, on the same arrays, so that the
 * load of a shared machine hits them alike; medians and minima per build.
 * For judging a change to the library on a noisy machine (bench.py times
 * one build against numpy and the floor).
 *
 * Build and run from the repository root:
 *
 *   cc -O2 -std=c11 -Wall -Wextra -Iinclude benches/ab.c -ldl -lm -o target/ab
 *   target/ab old/libgradient.so target/release/libgradient.so
 *
 * The case (environment variables, all optional):
 *   T=f64|f32      element type (f64)
 *   S=256          extent of each of the three axes
 *   SHAPE=AxBxC    the three extents instead (A the first axis's); AxB: a
 *                  2-D array (AXIS 0 or 1, FI its (2, nx, ny) output)
 *   COORDS=1       coordinates on every axis (unevenly spaced) instead of a step
 *   STEP=0.1       the step
 *   E=1|2          edge_order (1)
 *   F=1            Fortran order (C order otherwise)
 *   FI=1           Fortran order, one interleaved output (3, nx, ny, nz)
 *   THREADS=1      grad_options.threads
 *   AXIS=k         that axis only (0, 1 or 2; every axis otherwise)
 *   N=15           rounds (one more, untimed, first)
 *   IOFF=16        the input's offset from a page boundary, in bytes
 *   OBASE=16       separate outputs: the first one's offset from a page
 *   OOFF=0         separate outputs: output k starts OBASE + k * OOFF bytes
 *                  past a page boundary (numpy's large arrays: all 16)
 *   FLOOR=libfloor.so  also time the floor of benches/floor.c (built with
 *                  cc -O2 -shared -fPIC -pthread benches/floor.c -o ...) on
 *                  the same arrays, streaming and ordinary stores, in the
 *                  same rounds (bench.py takes the faster as the floor)
 */
#define _POSIX_C_SOURCE 199309L
#include <dlfcn.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gradient.h"

typedef grad_status (*gradient_fn)(const void *, int32_t, const int64_t *, const int64_t *,
                                   int32_t, const int32_t *, int32_t, const grad_spacing *,
                                   int32_t, void *const *, const int64_t *,
                                   const grad_options *, grad_error *);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static long env(const char *name, long fallback) {
    const char *v = getenv(name);
    return v ? atol(v) : fallback;
}

/* `bytes` from `offset` bytes past a page boundary (the block leaked). */
static void *at_offset(size_t bytes, size_t offset) {
    char *p = aligned_alloc(4096, (bytes + offset + 4096) / 4096 * 4096);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    memset(p + offset, 0, bytes);
    return p + offset;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s LIBRARY.so [LIBRARY.so ...]  (case: see the header)\n", argv[0]);
        return 2;
    }
    int f32 = getenv("T") && !strcmp(getenv("T"), "f32");
    int coords = env("COORDS", 0) != 0, fi = env("FI", 0) != 0, fortran = fi || env("F", 0) != 0;
    double step = getenv("STEP") ? atof(getenv("STEP")) : 0.1;
    int rounds = (int)env("N", 15), edge = (int)env("E", 1);
    int64_t s = env("S", 256), shape[3] = {s, s, s};
    int nd = 3;
    if (getenv("SHAPE")) {
        nd = sscanf(getenv("SHAPE"), "%" SCNd64 "x%" SCNd64 "x%" SCNd64, &shape[0], &shape[1],
                    &shape[2]);
        if (nd < 2) {
            fprintf(stderr, "SHAPE must read AxBxC or AxB\n");
            return 2;
        }
        if (nd == 2) shape[2] = 1;
    }
    int64_t most = shape[0] > shape[1] ? shape[0] : shape[1];
    most = most > shape[2] ? most : shape[2];
    if (rounds < 1 || shape[0] < 3 || shape[1] < 3 || (nd == 3 && shape[2] < 3) ||
        most > 1 << 20) {
        fprintf(stderr, "N must be 1 or more, every extent 3 to 2^20\n");
        return 2;
    }
    size_t es = f32 ? 4 : 8, n = (size_t)(shape[0] * shape[1] * shape[2]);

    void *f = at_offset(n * es, (size_t)env("IOFF", 16));
    for (size_t i = 0; i < n; i++) {
        double v = sin(0.001 * (double)i) + 0.37 * (double)(i % 7);
        if (f32)
            ((float *)f)[i] = (float)v;
        else
            ((double *)f)[i] = v;
    }
    double *x = malloc((size_t)most * sizeof *x);
    double at = 0;
    for (int64_t i = 0; i < most; i++) {
        at += 0.1 + 0.05 * (double)((i * 7919) % 13) / 13.0;
        x[i] = at;
    }
    int64_t strides[3];
    if (fortran) {
        strides[0] = 1, strides[1] = shape[0], strides[2] = shape[0] * shape[1];
    } else if (nd == 2) {
        strides[0] = shape[1], strides[1] = 1, strides[2] = 1;
    } else {
        strides[0] = shape[1] * shape[2], strides[1] = shape[2], strides[2] = 1;
    }
    void *outs[3];
    int64_t out_strides[9];
    if (fi) {
        char *big = at_offset((size_t)nd * n * es, 16);
        for (int k = 0; k < nd; k++) {
            outs[k] = big + k * es;
            for (int d = 0; d < nd; d++) out_strides[nd * k + d] = nd * strides[d];
        }
    } else {
        long base = env("OBASE", 16), apart = env("OOFF", 0);
        for (int k = 0; k < nd; k++) {
            outs[k] = at_offset(n * es, (size_t)(base + k * apart) % 4096);
            for (int d = 0; d < nd; d++) out_strides[nd * k + d] = strides[d];
        }
    }
    grad_spacing spacing[3];
    for (int k = 0; k < 3; k++) {
        spacing[k] = (grad_spacing){0};
        spacing[k].kind = coords ? GRAD_SPACING_COORDINATES : GRAD_SPACING_UNIFORM;
        spacing[k].delta = step;
        spacing[k].coords = x;
        spacing[k].coords_len = shape[k];
    }
    grad_options options = {0};
    options.size = sizeof options;
    options.threads = (int32_t)env("THREADS", 1);

    int32_t one = (int32_t)env("AXIS", -1);
    if (one >= nd) {
        fprintf(stderr, "AXIS must be below the number of dimensions\n");
        return 2;
    }
    int libs = argc - 1;
    gradient_fn *fns = malloc((size_t)libs * sizeof *fns);
    for (int l = 0; l < libs; l++) {
        void *h = dlopen(argv[l + 1], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            fprintf(stderr, "%s\n", dlerror());
            return 1;
        }
        void *sym = dlsym(h, f32 ? "grad_gradient_f32" : "grad_gradient_f64");
        if (!sym) {
            fprintf(stderr, "%s: no gradient function\n", argv[l + 1]);
            return 1;
        }
        memcpy(&fns[l], &sym, sizeof sym);
    }
    typedef int (*floor_fn)(const void *, size_t, size_t, void *const *, int, int, int);
    floor_fn floor = NULL;
    if (getenv("FLOOR")) {
        void *h = dlopen(getenv("FLOOR"), RTLD_NOW | RTLD_LOCAL);
        void *sym = h ? dlsym(h, fi ? "floor_interleaved" : "floor_separate") : NULL;
        if (!sym) {
            fprintf(stderr, "FLOOR: %s\n", h ? "no floor function" : dlerror());
            return 1;
        }
        memcpy(&floor, &sym, sizeof sym);
    }
    int rows = libs + (floor ? 2 : 0);
    double *ms = malloc((size_t)rows * (size_t)rounds * sizeof *ms);
    for (int r = -1; r < rounds; r++) {
        for (int l = libs; l < rows; l++) {
            /* The floor's two ways: ordinary (libs), then streaming (libs
             * + 1), so that no build runs right after the ordinary stores
             * (which leave the cache full of the outputs' dirty lines). */
            double t0 = now();
            int bad = fi ? ((int (*)(const void *, size_t, size_t, void *, int, int, int))floor)(
                               f, n, es, outs[0], nd, l > libs, (int)options.threads)
                         : floor(f, n, es, outs, nd, l > libs, (int)options.threads);
            double t = now() - t0;
            if (bad) {
                fprintf(stderr, "the floor loop failed\n");
                return 1;
            }
            if (r >= 0) ms[l * rounds + r] = 1e3 * t;
        }
        for (int l = 0; l < libs; l++) {
            grad_error e;
            double t0 = now();
            grad_status st =
                one >= 0 ? fns[l](f, nd, shape, strides, 1, &one, 1, &spacing[one], edge, outs,
                                  out_strides, &options, &e)
                         : fns[l](f, nd, shape, strides, nd, NULL, nd, spacing, edge, outs,
                                  out_strides, &options, &e);
            double t = now() - t0;
            if (st != GRAD_STATUS_OK) {
                fprintf(stderr, "%s: status %d: %s\n", argv[l + 1], (int)st, e.message);
                return 1;
            }
            if (r >= 0) ms[l * rounds + r] = 1e3 * t;
        }
    }
    for (int l = 0; l < rows; l++) {
        double *m = ms + l * rounds;
        qsort(m, (size_t)rounds, sizeof *m, by_value);
        const char *name = l < libs ? argv[l + 1] : l == libs ? "floor, ordinary" : "floor, streaming";
        printf("%-40s median %8.2f ms  min %8.2f\n", name, m[rounds / 2], m[0]);
    }
    return 0;
}
