/*
 * test_julia_layout.c: the calling convention of julia/Gradient.jl, from C.
 *
 * Julia is not available on the machines this project is built on, so this
 * program makes exactly the calls Gradient.jl makes (through ccall) and
 * checks their results:
 *
 *  - arrays are column-major: shape = size(f) in Julia's dimension order,
 *    strides = strides(f) in elements (1, n1, n1*n2, ...), the data pointer is
 *    pointer(f), i.e. f[1,1,...];
 *  - Julia dimension d is C axis d-1; outputs are fresh column-major Arrays
 *    passed with their own strides;
 *  - views are passed without a copy: view(A, n:-1:1, :) has pointer(A[n,1])
 *    and strides (-1, n); view(A, 1:2:n, 2:3) has strides (2, n);
 *  - a grad_options is always passed (size 32, threads, boundaries or NULL,
 *    periods or NULL) and a grad_error whose axis is reported 1-based;
 *  - the struct layouts Gradient.jl asserts (offsets and sizes).
 *
 * Results must be bit-identical to the same data laid out in C order and
 * differentiated along the mirrored axis, and to numpy's values (docs/numerics.md, golden values).
 * Ends with "N passed, N failed"; exit status 1 on any failure.
 *
 * Build: cc -std=c11 test_julia_layout.c $(pkg-config --cflags --libs gradient)
 */
#include <gradient.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void expect(int ok, const char *what)
{
    if (ok) {
        passed++;
        printf("ok   %s\n", what);
    } else {
        failed++;
        printf("FAIL %s\n", what);
    }
}

static int same_bits(const void *a, const void *b, size_t bytes)
{
    return memcmp(a, b, bytes) == 0;
}

/* Gradient.jl's call: everything Julia passes, in Julia's order. */
static grad_status julia_call(int32_t dtype, const void *f, int32_t ndim, const int64_t *size,
                              const int64_t *strides, int32_t ndims, const int32_t *dims_1based,
                              int32_t nspacing, const grad_spacing *spacing, int32_t edge_order,
                              void *const *outs, const int64_t *out_strides,
                              const int32_t *boundaries, const double *periods, int32_t threads,
                              grad_error *err)
{
    int32_t axes[GRAD_MAX_NDIM];
    grad_options options;
    int32_t k;
    for (k = 0; k < ndims; k++) {
        axes[k] = dims_1based[k] - 1; /* Julia dimension d = C axis d-1 */
    }
    options.size = (uint32_t)sizeof(grad_options);
    options.threads = threads;
    options.boundaries = boundaries;
    options.periods = periods;
    options.accuracy = 0; /* Julia's GradOptions passes every field */
    options.reserved = 0;
    err->status = 0;
    err->axis = -1;
    memset(err->message, 0, sizeof err->message);
    return grad_gradient(dtype, f, ndim, size, strides, ndims, axes, nspacing, spacing, edge_order,
                         outs, out_strides, &options, err);
}

/* column-major strides of a Julia Array of size sz */
static void julia_strides(int ndim, const int64_t *sz, int64_t *st)
{
    int d;
    st[0] = 1;
    for (d = 1; d < ndim; d++) {
        st[d] = st[d - 1] * sz[d - 1];
    }
}

static double value(int i)
{
    return 10.0 * sin(0.37 * (double)((i * 7919) % 1009)) + (double)(i % 7);
}

static void test_layouts(void)
{
    /* sizeof/offsetof as Gradient.jl asserts them */
    expect(sizeof(grad_spacing) == 32 && offsetof(grad_spacing, delta) == 8 &&
               offsetof(grad_spacing, coords) == 16 && offsetof(grad_spacing, coords_len) == 24,
           "grad_spacing layout = Julia struct GradSpacing");
    expect(sizeof(grad_error) == 264 && offsetof(grad_error, axis) == 4 &&
               offsetof(grad_error, message) == 8,
           "grad_error layout = Julia struct GradError");
    expect(sizeof(grad_options) == 32 && offsetof(grad_options, threads) == 4 &&
               offsetof(grad_options, boundaries) == 8 && offsetof(grad_options, periods) == 16 &&
               offsetof(grad_options, accuracy) == 24 && offsetof(grad_options, reserved) == 28,
           "grad_options layout = Julia struct GradOptions");
    expect(sizeof(grad_complex128) == 16 && sizeof(grad_complex64) == 8,
           "ComplexF64/ComplexF32 = grad_complex128/grad_complex64");
}

/* docs/numerics.md, golden values: Julia's A = [1 2 6; 3 4 5], gradient(A, 2.0, [1.0, 1.5, 3.5]) */
static void test_golden(void)
{
    const double a[6] = {1, 3, 2, 4, 6, 5}; /* column-major storage of [1 2 6; 3 4 5] */
    const int64_t size[2] = {2, 3};
    int64_t st[2];
    const int32_t dims[2] = {1, 2};
    const double x[3] = {1.0, 1.5, 3.5};
    grad_spacing sp[2];
    double g1[6], g2[6];
    void *outs[2];
    int64_t ost[4];
    grad_error err;
    grad_status s;
    /* numpy axis 0 [[1,1,-0.5],[1,1,-0.5]] and axis 1 [[2,2,2],[2,1.6999999999999993,0.5]],
     * column-major */
    const double want1[6] = {1, 1, 1, 1, -0.5, -0.5};
    const double want2[6] = {2, 2, 2, 1.6999999999999993, 2, 0.5};

    julia_strides(2, size, st);
    memset(sp, 0, sizeof sp);
    sp[0].kind = GRAD_SPACING_UNIFORM;
    sp[0].delta = 2.0;
    sp[1].kind = GRAD_SPACING_COORDINATES;
    sp[1].coords = x;
    sp[1].coords_len = 3;
    outs[0] = g1;
    outs[1] = g2;
    julia_strides(2, size, ost);
    julia_strides(2, size, ost + 2);
    s = julia_call(GRAD_DTYPE_F64, a, 2, size, st, 2, dims, 2, sp, 1, outs, ost, NULL, NULL, 0,
                   &err);
    expect(s == GRAD_STATUS_OK && same_bits(g1, want1, sizeof want1) &&
               same_bits(g2, want2, sizeof want2),
           "golden 2-d (docs/numerics.md, golden values) through the column-major convention");
}

/* a column-major (4,5,6) array equals the C-order (6,5,4) array differentiated
 * along the mirrored axes */
static void test_mirror(void)
{
    enum { N1 = 4, N2 = 5, N3 = 6, N = N1 * N2 * N3 };
    static double a[N], gj[3][N], gc[3][N];
    const int64_t size[3] = {N1, N2, N3};
    const int64_t csize[3] = {N3, N2, N1};
    int64_t st[3], ost[9];
    const int32_t dims[3] = {3, 1, 2};
    const int32_t caxes[3] = {0, 2, 1}; /* Julia dim d = C-order axis 3-d */
    double x3[N3];
    grad_spacing sp[3], csp[3];
    void *outs[3], *couts[3];
    grad_error err;
    grad_status s1, s2;
    int i, k;
    for (i = 0; i < N; i++) {
        a[i] = value(i);
    }
    for (i = 0; i < N3; i++) {
        x3[i] = 0.5 * i + 0.1 * (double)(i * i);
    }
    julia_strides(3, size, st);
    for (k = 0; k < 3; k++) {
        julia_strides(3, size, ost + 3 * k);
        outs[k] = gj[k];
        couts[k] = gc[k];
    }
    memset(sp, 0, sizeof sp);
    sp[0].kind = GRAD_SPACING_COORDINATES; /* dims order: 3, 1, 2 */
    sp[0].coords = x3;
    sp[0].coords_len = N3;
    sp[1].kind = GRAD_SPACING_UNIFORM;
    sp[1].delta = 0.25;
    sp[2].kind = GRAD_SPACING_UNIFORM;
    sp[2].delta = -3.0;
    memcpy(csp, sp, sizeof sp);
    s1 = julia_call(GRAD_DTYPE_F64, a, 3, size, st, 3, dims, 3, sp, 2, outs, ost, NULL, NULL, 0,
                    &err);
    s2 = grad_gradient(GRAD_DTYPE_F64, a, 3, csize, NULL, 3, caxes, 3, csp, 2, couts, NULL, NULL,
                       NULL);
    expect(s1 == GRAD_STATUS_OK && s2 == GRAD_STATUS_OK && same_bits(gj, gc, sizeof gj),
           "3-d column-major = C order on mirrored axes, bit for bit");

    /* threads do not change the bits */
    s1 = julia_call(GRAD_DTYPE_F64, a, 3, size, st, 3, dims, 3, sp, 2, outs, ost, NULL, NULL, 2,
                    &err);
    expect(s1 == GRAD_STATUS_OK && same_bits(gj, gc, sizeof gj), "threads = 2, same bits");
}

/* views: reversed and stepped ranges, without a copy */
static void test_views(void)
{
    enum { M = 7, N = 5 };
    double a[M * N], copy[M * N], g[2][M * N], want[2][M * N];
    const int32_t dims[2] = {1, 2};
    int64_t size[2], st[2], ost[4], csize[2], cst[2];
    void *outs[2] = {g[0], g[1]}, *wouts[2] = {want[0], want[1]};
    grad_error err;
    grad_status s1, s2;
    int i, j;
    for (i = 0; i < M * N; i++) {
        a[i] = value(i + 100);
    }

    /* view(A, M:-1:1, :): pointer(A[M,1]), strides (-1, M) */
    size[0] = M;
    size[1] = N;
    st[0] = -1;
    st[1] = M;
    for (j = 0; j < N; j++) {
        for (i = 0; i < M; i++) {
            copy[i + M * j] = a[(M - 1 - i) + M * j];
        }
    }
    julia_strides(2, size, ost);
    julia_strides(2, size, ost + 2);
    s1 = julia_call(GRAD_DTYPE_F64, &a[M - 1], 2, size, st, 2, dims, 0, NULL, 2, outs, ost, NULL,
                    NULL, 0, &err);
    julia_strides(2, size, cst);
    s2 = julia_call(GRAD_DTYPE_F64, copy, 2, size, cst, 2, dims, 0, NULL, 2, wouts, ost, NULL,
                    NULL, 0, &err);
    expect(s1 == GRAD_STATUS_OK && s2 == GRAD_STATUS_OK &&
               same_bits(g, want, 2 * M * N * sizeof(double)),
           "view(A, M:-1:1, :) (negative stride) = its copy");

    /* view(A, 1:2:M, 2:3): pointer(A[1,2]), size (4, 2), strides (2, M) */
    csize[0] = 4;
    csize[1] = 2;
    st[0] = 2;
    st[1] = M;
    for (j = 0; j < 2; j++) {
        for (i = 0; i < 4; i++) {
            copy[i + 4 * j] = a[2 * i + M * (j + 1)];
        }
    }
    julia_strides(2, csize, ost);
    julia_strides(2, csize, ost + 2);
    julia_strides(2, csize, cst);
    s1 = julia_call(GRAD_DTYPE_F64, &a[M], 2, csize, st, 2, dims, 0, NULL, 1, outs, ost, NULL,
                    NULL, 0, &err);
    s2 = julia_call(GRAD_DTYPE_F64, copy, 2, csize, cst, 2, dims, 0, NULL, 1, wouts, ost, NULL,
                    NULL, 0, &err);
    expect(s1 == GRAD_STATUS_OK && s2 == GRAD_STATUS_OK && same_bits(g, want, 2 * 8 * sizeof(double)),
           "view(A, 1:2:M, 2:3) (stepped) = its copy");
}

/* boundaries in Julia's dims order; ghost outputs have the owned size */
static void test_ghost_and_periodic(void)
{
    enum { M = 6, N = 5 };
    double a[M * N], g[2][(M - 2) * (N - 1)], whole[2][M * N];
    const int64_t size[2] = {M, N};
    const int64_t osize[2] = {M - 2, N - 1};
    int64_t st[2], ost[4], wst[4];
    const int32_t dims[2] = {1, 2};
    /* dim 1: ghost both sides; dim 2: ghost low, one-sided high */
    const int32_t codes[4] = {GRAD_BOUNDARY_GHOST, GRAD_BOUNDARY_GHOST, GRAD_BOUNDARY_GHOST,
                              GRAD_BOUNDARY_ONE_SIDED};
    const int32_t periodic[2] = {GRAD_BOUNDARY_PERIODIC, GRAD_BOUNDARY_PERIODIC};
    void *outs[2] = {g[0], g[1]}, *wouts[2] = {whole[0], whole[1]};
    grad_error err;
    grad_status s1, s2;
    int i, j, k, ok;
    for (i = 0; i < M * N; i++) {
        a[i] = value(i + 300);
    }
    julia_strides(2, size, st);
    julia_strides(2, osize, ost);
    julia_strides(2, osize, ost + 2);
    julia_strides(2, size, wst);
    julia_strides(2, size, wst + 2);
    s1 = julia_call(GRAD_DTYPE_F64, a, 2, size, st, 2, dims, 0, NULL, 1, outs, ost, codes, NULL, 0,
                    &err);
    s2 = julia_call(GRAD_DTYPE_F64, a, 2, size, st, 2, dims, 0, NULL, 1, wouts, wst, NULL, NULL, 0,
                    &err);
    ok = s1 == GRAD_STATUS_OK && s2 == GRAD_STATUS_OK;
    for (k = 0; ok && k < 2; k++) {
        for (j = 0; j < N - 1; j++) {
            for (i = 0; i < M - 2; i++) {
                ok = ok && same_bits(&g[k][i + (M - 2) * j], &whole[k][(i + 1) + M * (j + 1)],
                                     sizeof(double));
            }
        }
    }
    expect(ok, "ghost sides: owned-size outputs = the whole array's gradient restricted");

    /* periodic along dim 2 of a 1-row slice: wrap neighbours */
    {
        const double row[4] = {0.0, 1.0, 0.0, -1.0};
        const int64_t rsize[1] = {4};
        const int64_t rst[1] = {1};
        const int32_t rdims[1] = {1};
        double gr[4];
        const double want[4] = {1.0, 0.0, -1.0, 0.0};
        void *routs[1] = {gr};
        s1 = julia_call(GRAD_DTYPE_F64, row, 1, rsize, rst, 1, rdims, 0, NULL, 1, routs, rst,
                        periodic, NULL, 0, &err);
        expect(s1 == GRAD_STATUS_OK && same_bits(gr, want, sizeof want), "periodic boundaries");
    }
}

/* ComplexF64 (interleaved) and Int64 input -> Float64 output */
static void test_types(void)
{
    enum { M = 4, N = 3 };
    double z[2 * M * N], gz[2][2 * M * N], re[M * N], im[M * N], gre[2][M * N], gim[2][M * N];
    int64_t ints[M * N];
    double dints[M * N], gi[2][M * N], gd[2][M * N];
    const int64_t size[2] = {M, N};
    int64_t st[2], ost[4];
    const int32_t dims[2] = {1, 2};
    void *outs[2] = {gz[0], gz[1]}, *ro[2] = {gre[0], gre[1]}, *io[2] = {gim[0], gim[1]};
    void *go[2] = {gi[0], gi[1]}, *dgo[2] = {gd[0], gd[1]};
    grad_spacing sp;
    grad_error err;
    grad_status s1, s2, s3;
    int i, k, ok;
    for (i = 0; i < M * N; i++) {
        re[i] = value(i + 500);
        im[i] = value(i + 900);
        z[2 * i] = re[i];
        z[2 * i + 1] = im[i];
        ints[i] = (int64_t)(value(i) * 1e6);
        dints[i] = (double)ints[i];
    }
    julia_strides(2, size, st);
    julia_strides(2, size, ost);
    julia_strides(2, size, ost + 2);
    memset(&sp, 0, sizeof sp);
    sp.kind = GRAD_SPACING_UNIFORM;
    sp.delta = 0.5;
    s1 = julia_call(GRAD_DTYPE_C128, z, 2, size, st, 2, dims, 1, &sp, 2, outs, ost, NULL, NULL, 0,
                    &err);
    s2 = julia_call(GRAD_DTYPE_F64, re, 2, size, st, 2, dims, 1, &sp, 2, ro, ost, NULL, NULL, 0,
                    &err);
    s3 = julia_call(GRAD_DTYPE_F64, im, 2, size, st, 2, dims, 1, &sp, 2, io, ost, NULL, NULL, 0,
                    &err);
    ok = s1 == GRAD_STATUS_OK && s2 == GRAD_STATUS_OK && s3 == GRAD_STATUS_OK;
    /* step 0.5: numpy's complex division by 2h = 1.0 (Smith's algorithm, docs/numerics.md, working precision)
     * and the real division by 1.0 are both exact, so the parts must agree */
    for (k = 0; ok && k < 2; k++) {
        for (i = 0; i < M * N; i++) {
            ok = ok && same_bits(&gz[k][2 * i], &gre[k][i], sizeof(double)) &&
                 same_bits(&gz[k][2 * i + 1], &gim[k][i], sizeof(double));
        }
    }
    expect(ok, "ComplexF64 column-major = its real and imaginary parts");

    s1 = julia_call(GRAD_DTYPE_I64, ints, 2, size, st, 2, dims, 0, NULL, 1, go, ost, NULL, NULL, 0,
                    &err);
    s2 = julia_call(GRAD_DTYPE_F64, dints, 2, size, st, 2, dims, 0, NULL, 1, dgo, ost, NULL, NULL,
                    0, &err);
    expect(s1 == GRAD_STATUS_OK && s2 == GRAD_STATUS_OK && same_bits(gi, gd, sizeof gi),
           "Int64 input gives Float64 = gradient of Float64.(A)");
}

/* errors as Gradient.jl reports them: err.axis + 1 is the index into dims */
static void test_errors(void)
{
    const double a[6] = {1, 2, 3, 4, 5, 6};
    const int64_t size[2] = {3, 2};
    int64_t st[2], ost[4];
    const int32_t dims[2] = {1, 2};
    double g[2][6];
    const double sentinel = -7.0;
    void *outs[2] = {g[0], g[1]};
    grad_error err;
    grad_status s;
    int i, untouched = 1;
    for (i = 0; i < 6; i++) {
        g[0][i] = g[1][i] = sentinel;
    }
    julia_strides(2, size, st);
    julia_strides(2, size, ost);
    julia_strides(2, size, ost + 2);
    s = julia_call(GRAD_DTYPE_F64, a, 2, size, st, 2, dims, 0, NULL, 2, outs, ost, NULL, NULL, 0,
                   &err);
    for (i = 0; i < 6; i++) {
        untouched = untouched && g[0][i] == sentinel && g[1][i] == sentinel;
    }
    printf("     (library message: \"%s\")\n", err.message);
    expect(s == GRAD_STATUS_SHAPE_TOO_SMALL && err.status == s && err.axis + 1 == 2 &&
               strlen(err.message) > 0 && untouched,
           "size(A, 2) = 2 with edge_order = 2: SHAPE_TOO_SMALL at dims[2], nothing written");
}

int main(void)
{
    printf("gradient %u.%u.%u: the column-major calling convention of julia/Gradient.jl\n",
           grad_version() >> 16, (grad_version() >> 8) & 0xffu, grad_version() & 0xffu);
    test_layouts();
    test_golden();
    test_mirror();
    test_views();
    test_ghost_and_periodic();
    test_types();
    test_errors();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
