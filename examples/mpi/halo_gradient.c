/*
 * halo_gradient.c: numpy.gradient of a distributed 3-d field, with MPI halo
 * exchange and the gradient library's GHOST boundaries.
 *
 * A 25 x 19 x 16 field on NON-uniform coordinates on every axis (not evenly
 * spaced anywhere) is split over a Cartesian grid of ranks (MPI_Dims_create,
 * MPI_Cart_create). Every rank owns a block and keeps w halo points on each
 * side that has a neighbour (w = 1 for numpy's formulas, accuracy / 2 for
 * options.accuracy 4); the halos are filled with MPI_Sendrecv (faces
 * described by MPI subarray datatypes). Each rank then calls
 * grad_gradient_f64 once on its block (owned + halos) with GHOST at the cuts
 * and ONE_SIDED at the physical edges (PERIODIC for a wrapped axis kept on one
 * rank), the owned results are gathered on rank 0, and rank 0 checks them
 * with memcmp against ONE call on the whole field: they must be
 * bit-identical.
 *
 * Cases (each checked for d/dx, d/dy, d/dz):
 *   cuts      x and y cut, physical edges ONE_SIDED: edge_order 1, 2, 2 with
 *             options.threads = 2, and uniform steps instead of coordinates
 *   periodic  x wraps and stays on one rank (PERIODIC, options.periods),
 *             y and z cut
 *   wrapped   x wraps and IS cut: a periodic Cartesian grid, the wrapped
 *             halos come from the other end (coordinates x[N-1]-P, x[0]+P),
 *             GHOST on both sides of x on every rank; compared with one
 *             PERIODIC call on the whole field
 *   control   the same blocks WITHOUT their halos (ONE_SIDED at the cuts):
 *             must differ from the global result exactly at the w points
 *             next to a cut, which shows the comparison can fail
 *   accuracy 4  cuts, uniform steps, periodic and wrapped x, control, with
 *             options.accuracy = 4 and 2-point halos
 *   evenly spaced x block  x is exactly evenly spaced on its first 15 points
 *             and uneven after, so a block's x slice can be evenly spaced
 *             while the axis is not. The spacing kind is decided once for
 *             the whole axis (each rank tests its slice, one MPI_Allreduce):
 *             not evenly spaced, so every rank passes GRAD_SPACING_NONUNIFORM
 *             and no block reduces its slice to a step; as a control, the
 *             same blocks with COORDINATES must differ from the whole field
 *             along x (the evenly spaced block takes the uniform formulas)
 * plus, on rank 0, PERIODIC against ONE_SIDED on the field padded by w
 * wrapped points per side (docs/numerics.md, docs/accuracy.md), and a check
 * that every block's coordinates are non-uniform where COORDINATES is passed
 * (docs/numerics.md: the evenly spaced detection runs per block).
 *
 * Halo "corners" (points outside the owned range on two or more axes) are
 * never exchanged and hold NaN: a gradient along one axis must not read them.
 *
 * Build (from the repository root; scripts/test-mpi.sh does this):
 *   cargo build --release
 *   make -C examples/mpi            # or:
 *   mpicc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude examples/mpi/halo_gradient.c \
 *       -Ltarget/release -lgradient -Wl,-rpath,"$PWD/target/release" -lm -o halo_gradient
 *   mpirun -n 4 ./halo_gradient
 *
 * Rank 0 prints one "PASS ..." or "FAIL ..." line per check and a summary;
 * the exit status is nonzero on any failure (on every rank, after
 * MPI_Finalize).
 */
#include "gradient.h"

#include <math.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NDIM = 3 };

/* The global field: uneven sizes, so blocks differ in size. */
static const int64_t GN[NDIM] = {25, 19, 16};
/* Uniform steps for the "uniform" case. */
static const double STEP[NDIM] = {1.0, 0.5, 0.7};
/* Periods of the axes (used when an axis wraps): larger than the span. */
static const double PERIOD[NDIM] = {25.0, 9.5, 11.2};
static const char AXIS_NAME[NDIM] = {'x', 'y', 'z'};

static const double TWO_PI = 6.283185307179586;

/* Global coordinates: computed on rank 0, broadcast to every rank. Set 0 is
 * not evenly spaced anywhere; set 1 has the same y and z, and an x axis whose
 * first 15 points are exactly evenly spaced (x = 0.75 i) and the rest uneven.
 * g_coords points to the set of the running case. */
static double *g_sets[2][NDIM];
static double **g_coords = g_sets[0];

typedef struct {
    const char *name;
    int wraps[NDIM];     /* 1: the axis is periodic in the global problem */
    int dims_hint[NDIM]; /* MPI_Dims_create constraints (0 = free) */
    int edge_order;
    int threads;
    int uniform;         /* 1: uniform steps instead of coordinates */
    int control;         /* 1: blocks without their halos (must differ) */
    int accuracy;        /* options.accuracy: 0 (numpy) or 4; halos are max(1, accuracy/2) wide */
    int coords_set;      /* 0 or 1 (x evenly spaced on [0, 14]) */
    int decide;          /* 1: spacing kind decided once per axis (MPI_Allreduce);
                          * 2: control, COORDINATES on every block (must differ) */
} Case;

/* One rank's block of the decomposition. */
typedef struct {
    int dims[NDIM], cc[NDIM]; /* grid and this rank's grid coordinates */
    int64_t lo[NDIM];         /* first owned global index */
    int64_t own[NDIM];        /* owned points */
    int64_t glo[NDIM];        /* halo points below (0 or w) */
    int64_t ghi[NDIM];        /* halo points above (0 or w) */
    int64_t w;                /* halo width: max(1, accuracy / 2) */
    int64_t n[NDIM];          /* input extent: own + glo + ghi */
    int nb_lo[NDIM], nb_hi[NDIM];
    int32_t bnd[2 * NDIM];    /* options.boundaries */
} Block;

static int g_rank, g_size;
static int g_pass, g_fail; /* rank 0 only */

/* Records one check on rank 0 and prints it. */
static void check(int ok, const char *fmt, ...)
{
    va_list ap;
    printf("%s  ", ok ? "PASS" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    if (ok) {
        g_pass++;
    } else {
        g_fail++;
    }
}

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (p == NULL) {
        fprintf(stderr, "rank %d: out of memory (%zu bytes)\n", g_rank, bytes);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    return p;
}

static double *nan_array(size_t count)
{
    double *a = xmalloc(count * sizeof(double));
    for (size_t i = 0; i < count; i++) {
        a[i] = NAN;
    }
    return a;
}

static size_t count3(const int64_t n[NDIM])
{
    return (size_t)n[0] * (size_t)n[1] * (size_t)n[2];
}

/* Global coordinate of point g along axis d, wrapping for a periodic axis:
 * the same expressions as the library's padding (x[N-1] - P, x[0] + P). */
static double coord_at(int d, int64_t g)
{
    if (g < 0) {
        return g_coords[d][g + GN[d]] - PERIOD[d];
    }
    if (g >= GN[d]) {
        return g_coords[d][g - GN[d]] + PERIOD[d];
    }
    return g_coords[d][g];
}

/* The field: smooth, periodic in every axis's period, non-separable. */
static double field(double x, double y, double z)
{
    double u = TWO_PI * x / PERIOD[0], v = TWO_PI * y / PERIOD[1], w = TWO_PI * z / PERIOD[2];
    return sin(u + 0.3) * (1.5 + cos(v)) + 0.4 * cos(w - 0.2) * sin(2.0 * u) +
           0.2 * sin(v + w) + 0.05 * cos(3.0 * u - v);
}

static void make_coords(void)
{
    g_coords = g_sets[0];
    for (int d = 0; d < NDIM; d++) {
        g_sets[0][d] = xmalloc((size_t)GN[d] * sizeof(double));
        g_sets[1][d] = d == 0 ? xmalloc((size_t)GN[d] * sizeof(double)) : g_sets[0][d];
    }
    if (g_rank == 0) {
        for (int64_t i = 0; i < GN[0]; i++) {
            g_sets[1][0][i] = i <= 14 ? 0.75 * (double)i
                                      : 10.5 + (double)(i - 14) + 0.3 * sin((double)i);
        }
        for (int64_t i = 0; i < GN[0]; i++) {
            g_coords[0][i] = (double)i + 0.3 * sin((double)i);
        }
        for (int64_t j = 0; j < GN[1]; j++) {
            g_coords[1][j] = 0.5 * (double)j + 0.2 * sin(1.3 * (double)j + 0.5);
        }
        for (int64_t k = 0; k < GN[2]; k++) {
            g_coords[2][k] = 0.7 * (double)k + 0.25 * sin(0.9 * (double)k + 0.4);
        }
    }
    for (int d = 0; d < NDIM; d++) {
        MPI_Bcast(g_coords[d], (int)GN[d], MPI_DOUBLE, 0, MPI_COMM_WORLD);
    }
    MPI_Bcast(g_sets[1][0], (int)GN[0], MPI_DOUBLE, 0, MPI_COMM_WORLD);
}

/* Block distribution: part c of p of n points. */
static void block_range(int64_t n, int p, int c, int64_t *lo, int64_t *own)
{
    *lo = n * c / p;
    *own = n * (c + 1) / p - *lo;
}

/* Builds the Cartesian communicator of a case and this rank's block. */
static MPI_Comm make_block(const Case *cs, Block *b)
{
    int periods[NDIM], rank;
    MPI_Comm cart;

    memset(b, 0, sizeof *b);
    b->w = cs->accuracy > 2 ? cs->accuracy / 2 : 1;
    for (int d = 0; d < NDIM; d++) {
        b->dims[d] = cs->dims_hint[d];
    }
    MPI_Dims_create(g_size, NDIM, b->dims);
    for (int d = 0; d < NDIM; d++) {
        /* A wrapped axis kept on one rank uses PERIODIC, no halos; a wrapped
         * axis that is cut gets its halos from the other end of the grid. */
        periods[d] = cs->wraps[d] && b->dims[d] > 1;
    }
    MPI_Cart_create(MPI_COMM_WORLD, NDIM, b->dims, periods, 0, &cart);
    MPI_Comm_rank(cart, &rank);
    MPI_Cart_coords(cart, rank, NDIM, b->cc);
    for (int d = 0; d < NDIM; d++) {
        block_range(GN[d], b->dims[d], b->cc[d], &b->lo[d], &b->own[d]);
        MPI_Cart_shift(cart, d, 1, &b->nb_lo[d], &b->nb_hi[d]);
        b->glo[d] = b->nb_lo[d] != MPI_PROC_NULL ? b->w : 0;
        b->ghi[d] = b->nb_hi[d] != MPI_PROC_NULL ? b->w : 0;
        b->n[d] = b->own[d] + b->glo[d] + b->ghi[d];
        if (cs->wraps[d] && b->dims[d] == 1) {
            b->bnd[2 * d] = b->bnd[2 * d + 1] = GRAD_BOUNDARY_PERIODIC;
        } else {
            b->bnd[2 * d] = b->glo[d] ? GRAD_BOUNDARY_GHOST : GRAD_BOUNDARY_ONE_SIDED;
            b->bnd[2 * d + 1] = b->ghi[d] ? GRAD_BOUNDARY_GHOST : GRAD_BOUNDARY_ONE_SIDED;
        }
    }
    return cart;
}

/* A face of the local input array: `width` layers from index `at` along
 * axis d, the owned range along the other axes. */
static MPI_Datatype face_type(const Block *b, int d, int64_t at, int64_t width)
{
    int sizes[NDIM], sub[NDIM], starts[NDIM];
    MPI_Datatype t;
    for (int e = 0; e < NDIM; e++) {
        sizes[e] = (int)b->n[e];
        sub[e] = e == d ? (int)width : (int)b->own[e];
        starts[e] = e == d ? (int)at : (int)b->glo[e];
    }
    MPI_Type_create_subarray(NDIM, sizes, sub, starts, MPI_ORDER_C, MPI_DOUBLE, &t);
    MPI_Type_commit(&t);
    return t;
}

/* Fills the halos of the local array `a` from the neighbours. */
static void exchange_halos(MPI_Comm cart, const Block *b, double *a)
{
    for (int d = 0; d < NDIM; d++) {
        /* w layers each way (w = 1 for numpy's formulas, accuracy / 2 above) */
        int64_t w = b->w, first = b->glo[d], last = b->glo[d] + b->own[d] - w;
        MPI_Datatype send_lo = face_type(b, d, first, w), send_hi = face_type(b, d, last, w);
        MPI_Datatype recv_lo = face_type(b, d, 0, w), recv_hi = face_type(b, d, b->n[d] - w, w);
        /* Downward: my first w owned layers to the lower neighbour, my upper
         * halo from the upper neighbour. Then upward. MPI_PROC_NULL sides
         * transfer nothing. */
        MPI_Sendrecv(a, 1, send_lo, b->nb_lo[d], 10 + d, a, 1, recv_hi, b->nb_hi[d], 10 + d, cart,
                     MPI_STATUS_IGNORE);
        MPI_Sendrecv(a, 1, send_hi, b->nb_hi[d], 20 + d, a, 1, recv_lo, b->nb_lo[d], 20 + d, cart,
                     MPI_STATUS_IGNORE);
        MPI_Type_free(&send_lo);
        MPI_Type_free(&send_hi);
        MPI_Type_free(&recv_lo);
        MPI_Type_free(&recv_hi);
    }
}

/* Gathers a distributed array on rank 0: every rank sends the owned part
 * (`src` has shape src_n, the owned part starts at src_start) and rank 0
 * places each part at the owner's global position in `dst` (shape GN). */
static void gather_owned(MPI_Comm cart, const Block *b, const double *src,
                         const int64_t src_n[NDIM], const int64_t src_start[NDIM], double *dst)
{
    int sizes[NDIM], sub[NDIM], starts[NDIM];
    MPI_Datatype st;
    MPI_Request req;

    for (int e = 0; e < NDIM; e++) {
        sizes[e] = (int)src_n[e];
        sub[e] = (int)b->own[e];
        starts[e] = (int)src_start[e];
    }
    MPI_Type_create_subarray(NDIM, sizes, sub, starts, MPI_ORDER_C, MPI_DOUBLE, &st);
    MPI_Type_commit(&st);
    MPI_Isend(src, 1, st, 0, 99, cart, &req);
    if (g_rank == 0) {
        for (int r = 0; r < g_size; r++) {
            int cc[NDIM];
            int64_t lo, own;
            MPI_Datatype rt;
            MPI_Cart_coords(cart, r, NDIM, cc);
            for (int e = 0; e < NDIM; e++) {
                block_range(GN[e], b->dims[e], cc[e], &lo, &own);
                sizes[e] = (int)GN[e];
                sub[e] = (int)own;
                starts[e] = (int)lo;
            }
            MPI_Type_create_subarray(NDIM, sizes, sub, starts, MPI_ORDER_C, MPI_DOUBLE, &rt);
            MPI_Type_commit(&rt);
            MPI_Recv(dst, 1, rt, r, 99, cart, MPI_STATUS_IGNORE);
            MPI_Type_free(&rt);
        }
    }
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    MPI_Type_free(&st);
}

/* 1 if the n coordinates are NOT evenly spaced (A1's uniform detection). */
static int non_uniform(const double *x, int64_t n)
{
    for (int64_t k = 1; k + 1 < n; k++) {
        if (x[k + 1] - x[k] != x[1] - x[0]) {
            return 1;
        }
    }
    return 0;
}

/* memcmp of two global arrays; on a mismatch, describes the first one. */
static int same_bits(const double *want, const double *got, char *why, size_t why_len)
{
    size_t n = count3(GN), bad = 0, first = 0;
    if (memcmp(want, got, n * sizeof(double)) == 0) {
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (memcmp(&want[i], &got[i], sizeof(double)) != 0) {
            if (bad++ == 0) {
                first = i;
            }
        }
    }
    snprintf(why, why_len, ": %zu of %zu points differ, first at (%zu, %zu, %zu): want %.17g, got %.17g",
             bad, n, first / (size_t)(GN[1] * GN[2]), first / (size_t)GN[2] % (size_t)GN[1],
             first % (size_t)GN[2], want[first], got[first]);
    return 0;
}

/* kinds: NULL (COORDINATES on every axis) or the coordinate kind per axis
 * (COORDINATES or NONUNIFORM). */
static void fill_spacing(grad_spacing sp[NDIM], double *const coords[NDIM], const int64_t n[NDIM],
                         int uniform, const int32_t *kinds)
{
    for (int d = 0; d < NDIM; d++) {
        if (uniform) {
            sp[d] = (grad_spacing){GRAD_SPACING_UNIFORM, STEP[d], NULL, 0};
        } else {
            sp[d] = (grad_spacing){kinds ? kinds[d] : GRAD_SPACING_COORDINATES, 0.0, coords[d], n[d]};
        }
    }
}

/* The spacing kind of every axis, decided once for the whole axis although
 * each rank sees only its slice: the axis is evenly spaced iff every block's
 * slice is (the slices overlap by their halos, so they share differences)
 * with one and the same step. Then COORDINATES (the library reduces it to the
 * step, as numpy does); otherwise NONUNIFORM, so that a block whose own
 * slice happens to be evenly spaced still uses the non-uniform formulas like
 * the rest of the axis. One MPI_Allreduce for all axes. any_even[d] reports
 * whether some block's slice along d is evenly spaced. */
static void decide_kinds(MPI_Comm cart, double *const lc[NDIM], const int64_t n[NDIM],
                         int32_t kinds[NDIM], int any_even[NDIM])
{
    double v[4 * NDIM];
    for (int d = 0; d < NDIM; d++) {
        int even = !non_uniform(lc[d], n[d]);
        double step = lc[d][1] - lc[d][0];
        v[d] = even;                /* min: every slice even */
        v[NDIM + d] = -even;        /* min: -(some slice even) */
        v[2 * NDIM + d] = step;     /* min step */
        v[3 * NDIM + d] = -step;    /* -(max step) */
    }
    MPI_Allreduce(MPI_IN_PLACE, v, 4 * NDIM, MPI_DOUBLE, MPI_MIN, cart);
    for (int d = 0; d < NDIM; d++) {
        int whole_even = v[d] == 1.0 && v[2 * NDIM + d] == -v[3 * NDIM + d];
        kinds[d] = whole_even ? GRAD_SPACING_COORDINATES : GRAD_SPACING_NONUNIFORM;
        any_even[d] = v[NDIM + d] == -1.0;
    }
}

/* One call on the whole field (rank 0): the reference. */
static grad_status global_gradient(const Case *cs, const double *f, double *out[NDIM],
                                   grad_error *err)
{
    int32_t bnd[2 * NDIM];
    grad_spacing sp[NDIM];
    for (int d = 0; d < NDIM; d++) {
        bnd[2 * d] = bnd[2 * d + 1] = cs->wraps[d] ? GRAD_BOUNDARY_PERIODIC : GRAD_BOUNDARY_ONE_SIDED;
    }
    fill_spacing(sp, g_coords, GN, cs->uniform, NULL);
    grad_options o = {sizeof(grad_options), 1, bnd, PERIOD, cs->accuracy, 0};
    return grad_gradient_f64(f, NDIM, GN, NULL, NDIM, NULL, NDIM, sp, cs->edge_order, out, NULL,
                             &o, err);
}

/* docs/numerics.md: PERIODIC == ONE_SIDED on the array padded by w wrapped points per side
 * along the periodic axis p (w = 1 for numpy's formulas, accuracy / 2 above),
 * pad removed. */
static void check_periodic_definition(const Case *cs, int p, const double *f,
                                      double *const ref[NDIM])
{
    const int64_t w = cs->accuracy > 2 ? cs->accuracy / 2 : 1;
    int64_t pn[NDIM];
    double *pc[NDIM];
    for (int d = 0; d < NDIM; d++) {
        pn[d] = GN[d] + (d == p ? 2 * w : 0);
        pc[d] = xmalloc((size_t)pn[d] * sizeof(double));
        for (int64_t i = 0; i < pn[d]; i++) {
            pc[d][i] = d == p ? coord_at(d, i - w) : g_coords[d][i];
        }
    }
    size_t np = count3(pn), n = count3(GN);
    double *pf = xmalloc(np * sizeof(double));
    for (int64_t i = 0; i < pn[0]; i++) {
        for (int64_t j = 0; j < pn[1]; j++) {
            for (int64_t k = 0; k < pn[2]; k++) {
                int64_t g[NDIM] = {i, j, k};
                g[p] = (g[p] - w + GN[p]) % GN[p]; /* the wrapped source point */
                pf[(i * pn[1] + j) * pn[2] + k] = f[(g[0] * GN[1] + g[1]) * GN[2] + g[2]];
            }
        }
    }
    double *pout[NDIM], *cut[NDIM];
    grad_spacing sp[NDIM];
    grad_error err;
    for (int d = 0; d < NDIM; d++) {
        pout[d] = nan_array(np);
        cut[d] = nan_array(n);
    }
    fill_spacing(sp, pc, pn, cs->uniform, NULL);
    grad_options po = {sizeof(grad_options), 1, NULL, NULL, cs->accuracy, 0};
    grad_status s = grad_gradient_f64(pf, NDIM, pn, NULL, NDIM, NULL, NDIM, sp, cs->edge_order,
                                      pout, NULL, &po, &err);
    for (int d = 0; d < NDIM; d++) {
        char why[512] = "";
        for (int64_t i = 0; i < GN[0]; i++) {
            for (int64_t j = 0; j < GN[1]; j++) {
                for (int64_t k = 0; k < GN[2]; k++) {
                    int64_t g[NDIM] = {i, j, k};
                    g[p] += w;
                    cut[d][(i * GN[1] + j) * GN[2] + k] =
                        pout[d][(g[0] * pn[1] + g[1]) * pn[2] + g[2]];
                }
            }
        }
        if (s != GRAD_STATUS_OK) {
            snprintf(why, sizeof why, ": padded call failed: %s", err.message);
        }
        check(s == GRAD_STATUS_OK && same_bits(cut[d], ref[d], why, sizeof why),
              "%s, accuracy=%d, edge_order=%d: d/d%c of PERIODIC == ONE_SIDED on the field padded "
              "by %d point(s) per side along %c, pad removed%s",
              cs->name, cs->accuracy, cs->edge_order, AXIS_NAME[d], (int)w, AXIS_NAME[p], why);
        free(pout[d]);
        free(cut[d]);
    }
    for (int d = 0; d < NDIM; d++) {
        free(pc[d]);
    }
    free(pf);
}

/* Runs one case on every rank; rank 0 records the checks. */
static void run_case(const Case *cs)
{
    g_coords = g_sets[cs->coords_set];
    Block b;
    MPI_Comm cart = make_block(cs, &b);
    size_t nin = count3(b.n), nown = count3(b.own), nglob = count3(GN);

    /* Local input: owned points from the field, halos (and corners) NaN. */
    double *a = nan_array(nin);
    for (int64_t i = 0; i < b.own[0]; i++) {
        for (int64_t j = 0; j < b.own[1]; j++) {
            for (int64_t k = 0; k < b.own[2]; k++) {
                double v = field(g_coords[0][b.lo[0] + i], g_coords[1][b.lo[1] + j],
                                 g_coords[2][b.lo[2] + k]);
                a[((i + b.glo[0]) * b.n[1] + (j + b.glo[1])) * b.n[2] + (k + b.glo[2])] = v;
            }
        }
    }
    exchange_halos(cart, &b, a);

    /* The block's slice of the global coordinates, halos included. */
    double *lc[NDIM];
    int local_non_uniform = 1;
    for (int d = 0; d < NDIM; d++) {
        lc[d] = xmalloc((size_t)b.n[d] * sizeof(double));
        for (int64_t i = 0; i < b.n[d]; i++) {
            lc[d][i] = coord_at(d, b.lo[d] - b.glo[d] + i);
        }
        local_non_uniform &= non_uniform(lc[d], b.n[d]);
    }

    /* The block's gradient: one call, owned outputs. */
    double *out[NDIM];
    for (int d = 0; d < NDIM; d++) {
        out[d] = nan_array(nown);
    }
    grad_spacing sp[NDIM];
    grad_error err;
    grad_status s;
    grad_options o = {sizeof(grad_options), cs->threads, b.bnd, PERIOD, cs->accuracy, 0};
    int32_t kinds[NDIM];
    int any_even[NDIM] = {0, 0, 0};
    if (cs->decide) {
        decide_kinds(cart, lc, b.n, kinds, any_even);
    }
    if (!cs->control) {
        fill_spacing(sp, lc, b.n, cs->uniform, cs->decide == 1 ? kinds : NULL);
        s = grad_gradient_f64(a, NDIM, b.n, NULL, NDIM, NULL, NDIM, sp, cs->edge_order, out,
                              NULL, &o, &err);
    } else {
        /* The owned region alone, as a strided view into the same buffer. */
        int64_t strides[NDIM] = {b.n[1] * b.n[2], b.n[2], 1};
        int32_t one_sided[2 * NDIM] = {0};
        double *oc[NDIM];
        for (int d = 0; d < NDIM; d++) {
            oc[d] = lc[d] + b.glo[d];
        }
        fill_spacing(sp, oc, b.own, cs->uniform, NULL);
        o.boundaries = one_sided;
        const double *f0 = a + (b.glo[0] * b.n[1] + b.glo[1]) * b.n[2] + b.glo[2];
        s = grad_gradient_f64(f0, NDIM, b.own, strides, NDIM, NULL, NDIM, sp, cs->edge_order,
                              out, NULL, &o, &err);
    }
    if (s != GRAD_STATUS_OK) {
        fprintf(stderr, "rank %d (%s): grad_gradient_f64 failed: %s (status %d): %s\n", g_rank,
                cs->name, grad_status_str(s), (int)s, err.message);
    }
    int worst = (int)s, all_non_uniform = local_non_uniform;
    MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_INT, MPI_MAX, cart);
    MPI_Allreduce(MPI_IN_PLACE, &all_non_uniform, 1, MPI_INT, MPI_LAND, cart);

    /* Gather the field and the owned results on rank 0. */
    double *gf = NULL, *got[NDIM] = {NULL, NULL, NULL};
    int64_t own_start[NDIM] = {0, 0, 0};
    if (g_rank == 0) {
        gf = nan_array(nglob);
        for (int d = 0; d < NDIM; d++) {
            got[d] = nan_array(nglob);
        }
    }
    gather_owned(cart, &b, a, b.n, b.glo, gf);
    for (int d = 0; d < NDIM; d++) {
        gather_owned(cart, &b, out[d], b.own, own_start, got[d]);
    }

    if (g_rank == 0) {
        char grid[64];
        snprintf(grid, sizeof grid, "%dx%dx%d", b.dims[0], b.dims[1], b.dims[2]);
        check(worst == GRAD_STATUS_OK, "%s (grid %s, accuracy=%d, edge_order=%d, threads=%d): the "
              "block calls return GRAD_STATUS_OK on all %d ranks",
              cs->name, grid, cs->accuracy, cs->edge_order, cs->threads, g_size);
        if (cs->decide == 2) {
            check(any_even[0], "%s (grid %s): a block's x slice is evenly spaced", cs->name, grid);
        } else if (cs->decide) {
            check(any_even[0] && kinds[0] == GRAD_SPACING_NONUNIFORM,
                  "%s (grid %s): a block's x slice is evenly spaced, the whole x axis is not, and "
                  "every rank chose GRAD_SPACING_NONUNIFORM for x", cs->name, grid);
        } else if (!cs->uniform && !cs->control) {
            check(all_non_uniform, "%s (grid %s): every block's coordinates are non-uniform on "
                  "every axis", cs->name, grid);
        }

        double *ref[NDIM];
        grad_error gerr;
        for (int d = 0; d < NDIM; d++) {
            ref[d] = nan_array(nglob);
        }
        grad_status gs = global_gradient(cs, gf, ref, &gerr);
        if (gs != GRAD_STATUS_OK) {
            check(0, "%s: the call on the whole field failed: %s", cs->name, gerr.message);
        } else if (cs->decide == 2) {
            /* Control: with COORDINATES the evenly spaced block reduces its
             * slice to a step and d/dx differs in the last bit; y and z
             * (uneven everywhere) still agree. */
            for (int d = 0; d < NDIM; d++) {
                char why[512] = "";
                int same = same_bits(ref[d], got[d], why, sizeof why);
                check(d == 0 ? !same : same,
                      "%s (grid %s, accuracy=%d, edge_order=%d): d/d%c of the assembled blocks %s "
                      "one call on the whole field%s",
                      cs->name, grid, cs->accuracy, cs->edge_order, AXIS_NAME[d],
                      d == 0 ? "differs from" : "is bit-identical to", why);
            }
        } else if (!cs->control) {
            for (int d = 0; d < NDIM; d++) {
                char why[512] = "";
                check(same_bits(ref[d], got[d], why, sizeof why),
                      "%s (grid %s, accuracy=%d, edge_order=%d, threads=%d): d/d%c of the "
                      "assembled blocks is bit-identical to one call on the whole field%s",
                      cs->name, grid, cs->accuracy, cs->edge_order, cs->threads, AXIS_NAME[d], why);
            }
            for (int d = 0; d < NDIM; d++) {
                if (cs->wraps[d] && b.dims[d] == 1 && cs->threads == 1) {
                    check_periodic_definition(cs, d, gf, ref);
                }
            }
        } else {
            /* Control: mismatches exactly at the owned points next to a cut
             * along the differentiated axis. */
            for (int d = 0; d < NDIM; d++) {
                size_t bad = 0, unexpected = 0, missing = 0;
                for (size_t i = 0; i < nglob; i++) {
                    int64_t gi[NDIM] = {(int64_t)(i / (size_t)(GN[1] * GN[2])),
                                        (int64_t)(i / (size_t)GN[2] % (size_t)GN[1]),
                                        (int64_t)(i % (size_t)GN[2])};
                    int near_cut = 0;
                    for (int c = 0; c < b.dims[d]; c++) {
                        int64_t lo, own;
                        block_range(GN[d], b.dims[d], c, &lo, &own);
                        /* the w owned points next to each cut */
                        near_cut |= (c > 0 && gi[d] >= lo && gi[d] < lo + b.w) ||
                                    (c + 1 < b.dims[d] && gi[d] > lo + own - 1 - b.w &&
                                     gi[d] <= lo + own - 1);
                    }
                    int differs = memcmp(&ref[d][i], &got[d][i], sizeof(double)) != 0;
                    bad += (size_t)differs;
                    unexpected += (size_t)(differs && !near_cut);
                    missing += (size_t)(!differs && near_cut);
                }
                check(unexpected == 0 && missing == 0 && (bad > 0 || b.dims[d] == 1),
                      "%s (grid %s, edge_order=%d): without halos d/d%c differs from the whole "
                      "field exactly next to the cuts (%zu points differ, %zu elsewhere, %zu next "
                      "to a cut agree)",
                      cs->name, grid, cs->edge_order, AXIS_NAME[d], bad, unexpected, missing);
            }
        }
        for (int d = 0; d < NDIM; d++) {
            free(ref[d]);
            free(got[d]);
        }
        free(gf);
    }
    for (int d = 0; d < NDIM; d++) {
        free(out[d]);
        free(lc[d]);
    }
    free(a);
    MPI_Comm_free(&cart);
}

int main(int argc, char **argv)
{
    static const Case cases[] = {
        /* name        wraps      dims hint  edge thr unif ctrl acc set decide */
        {"cuts", {0, 0, 0}, {0, 0, 1}, 1, 1, 0, 0, 0, 0, 0},
        {"cuts", {0, 0, 0}, {0, 0, 1}, 2, 1, 0, 0, 0, 0, 0},
        {"cuts", {0, 0, 0}, {0, 0, 1}, 2, 2, 0, 0, 0, 0, 0},
        {"cuts, uniform steps", {0, 0, 0}, {0, 0, 1}, 2, 1, 1, 0, 0, 0, 0},
        {"periodic x on one rank", {1, 0, 0}, {1, 0, 0}, 1, 1, 0, 0, 0, 0, 0},
        {"periodic x on one rank", {1, 0, 0}, {1, 0, 0}, 2, 1, 0, 0, 0, 0, 0},
        {"periodic x on one rank", {1, 0, 0}, {1, 0, 0}, 2, 2, 0, 0, 0, 0, 0},
        {"wrapped x cut, halos from the other end", {1, 0, 0}, {0, 0, 1}, 1, 1, 0, 0, 0, 0, 0},
        {"wrapped x cut, halos from the other end", {1, 0, 0}, {0, 0, 1}, 2, 2, 0, 0, 0, 0, 0},
        {"control, no halos", {0, 0, 0}, {0, 0, 1}, 1, 1, 0, 1, 0, 0, 0},
        {"control, no halos", {0, 0, 0}, {0, 0, 1}, 2, 1, 0, 1, 0, 0, 0},
        /* accuracy 4: halos of 2 points */
        {"accuracy 4, cuts", {0, 0, 0}, {0, 0, 1}, 4, 1, 0, 0, 4, 0, 0},
        {"accuracy 4, cuts", {0, 0, 0}, {0, 0, 1}, 2, 2, 0, 0, 4, 0, 0},
        {"accuracy 4, cuts, uniform steps", {0, 0, 0}, {0, 0, 1}, 4, 1, 1, 0, 4, 0, 0},
        {"accuracy 4, periodic x on one rank", {1, 0, 0}, {1, 0, 0}, 4, 1, 0, 0, 4, 0, 0},
        {"accuracy 4, wrapped x cut", {1, 0, 0}, {0, 0, 1}, 3, 1, 0, 0, 4, 0, 0},
        {"accuracy 4, control, no halos", {0, 0, 0}, {0, 0, 1}, 4, 1, 0, 1, 4, 0, 0},
        /* an x block whose slice is evenly spaced inside an uneven axis:
         * NONUNIFORM decided once for the whole axis */
        {"evenly spaced x block, NONUNIFORM", {0, 0, 0}, {0, 0, 1}, 1, 1, 0, 0, 0, 1, 1},
        {"evenly spaced x block, NONUNIFORM", {0, 0, 0}, {0, 0, 1}, 2, 1, 0, 0, 0, 1, 1},
        {"evenly spaced x block, NONUNIFORM", {0, 0, 0}, {0, 0, 1}, 4, 1, 0, 0, 4, 1, 1},
        {"control, evenly spaced x block, COORDINATES", {0, 0, 0}, {0, 0, 1}, 2, 1, 0, 0, 0, 1, 2},
        {"control, evenly spaced x block, COORDINATES", {0, 0, 0}, {0, 0, 1}, 4, 1, 0, 0, 4, 1, 2},
    };
    double t0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    t0 = MPI_Wtime();
    if (g_rank == 0) {
        uint32_t v = grad_version();
        printf("halo_gradient: %lld x %lld x %lld field on %d ranks, gradient %u.%u.%u\n",
               (long long)GN[0], (long long)GN[1], (long long)GN[2], g_size, (unsigned)(v >> 16),
               (unsigned)((v >> 8) & 0xff), (unsigned)(v & 0xff));
        fflush(stdout);
    }
    make_coords();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        run_case(&cases[c]);
    }

    int failed = g_fail;
    MPI_Bcast(&failed, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (g_rank == 0) {
        printf("halo_gradient: %s: %d checks, %d passed, %d failed (%.2f s)\n",
               g_fail ? "FAIL" : "PASS", g_pass + g_fail, g_pass, g_fail, MPI_Wtime() - t0);
    }
    for (int d = 0; d < NDIM; d++) {
        free(g_sets[0][d]);
    }
    free(g_sets[1][0]);
    MPI_Finalize();
    return failed ? 1 : 0;
}
