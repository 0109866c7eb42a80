/* The yardsticks of benches/bench.py, built by it as a shared library
 * (cc -O2 -shared -fPIC -pthread).
 *
 * The floor: a gradient over `nout` axes must read its input once and write
 * every output once; these loops do only that, with no arithmetic:
 *
 *   floor_separate    out_k[i] = f[i] for k < nout (separate outputs, each
 *                     as contiguous as the input: C or Fortran order alike)
 *   floor_interleaved out[nout*i + k] = f[i] (one buffer, the components of
 *                     a point side by side: Fortran's g(3, nx, ny, nz))
 *
 * each with ordinary stores (`streaming` 0: every output line is first read
 * into the cache, write-allocate) or non-temporal ones (`streaming` 1,
 * x86-64 only: SSE2 `movntdq`, for the interleaved output AVX2's 32-byte
 * ones where the CPU has AVX2, as the library's loops, then `sfence`).
 * The caller takes the faster.
 * `threads` splits the elements into that many contiguous ranges.
 *
 * hand2 / hand3: the gradient a user writes by hand in C, interior points
 * only, `(f[i+1] - f[i-1]) / (2h)` along every axis, one loop nest with the
 * last dimension innermost (the caller orders the dimensions so that the
 * innermost one is the contiguous one: reversed for Fortran order). Strides
 * in elements; out_k belongs to dimension k. */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef struct {
    const char *f;
    char *outs[8];
    int nout;
    size_t a, b; /* byte range of the input */
    int streaming, interleaved;
    size_t esize;
} job_t;

static void copy_ordinary(const job_t *j) {
    const char *f = j->f;
    if (!j->interleaved) {
        if (j->esize == 8) {
            for (size_t i = j->a; i < j->b; i += 8) {
                uint64_t v;
                memcpy(&v, f + i, 8);
                for (int k = 0; k < j->nout; k++) memcpy(j->outs[k] + i, &v, 8);
            }
        } else {
            for (size_t i = j->a; i < j->b; i += 4) {
                uint32_t v;
                memcpy(&v, f + i, 4);
                for (int k = 0; k < j->nout; k++) memcpy(j->outs[k] + i, &v, 4);
            }
        }
        return;
    }
    char *o = j->outs[0];
    size_t e = j->esize, m = (size_t)j->nout;
    for (size_t i = j->a; i < j->b; i += e) {
        for (size_t k = 0; k < m; k++) memcpy(o + i * m + k * e, f + i, e);
    }
}

#if defined(__x86_64__)
/* Interleaved, three components, with AVX2: 32 input bytes to 96 output
 * bytes, three 32-byte streaming stores from the first point whose place
 * in the output is 32-byte aligned (ordinary stores before it and after
 * the last whole block). 13 to 15% faster than 16-byte stores on an Intel
 * Xeon (three float64 components of 256^3: 21 against 25 ms). */
__attribute__((target("avx2"))) static void interleave3_avx2(const job_t *j) {
    size_t e = j->esize, a = j->a, b = j->b, step = 32;
    char *o = j->outs[0];
    size_t h = a;
    while (h < b && ((uintptr_t)(o + 3 * h) & 31)) h += e;
    if ((uintptr_t)(o + 3 * h) & 31) h = b; /* no aligned point: all ordinary */
    size_t end = h + (b - h) / step * step;
    job_t head = *j, tail = *j;
    head.b = h;
    tail.a = end;
    copy_ordinary(&head);
    for (size_t i = h; i < end; i += step) {
        double *d = (double *)(o + 3 * i);
        if (e == 8) {
            __m256d v = _mm256_loadu_pd((const double *)(j->f + i)); /* a b c d */
            _mm256_stream_pd(d, _mm256_permute4x64_pd(v, 0x40));      /* a a a b */
            _mm256_stream_pd(d + 4, _mm256_permute4x64_pd(v, 0xA5));  /* b b c c */
            _mm256_stream_pd(d + 8, _mm256_permute4x64_pd(v, 0xFE));  /* c d d d */
        } else {
            __m256 v = _mm256_loadu_ps((const float *)(j->f + i)); /* a .. h */
            const __m256i i0 = _mm256_setr_epi32(0, 0, 0, 1, 1, 1, 2, 2);
            const __m256i i1 = _mm256_setr_epi32(2, 3, 3, 3, 4, 4, 4, 5);
            const __m256i i2 = _mm256_setr_epi32(5, 5, 6, 6, 6, 7, 7, 7);
            _mm256_stream_ps((float *)d, _mm256_permutevar8x32_ps(v, i0));
            _mm256_stream_ps((float *)d + 8, _mm256_permutevar8x32_ps(v, i1));
            _mm256_stream_ps((float *)d + 16, _mm256_permutevar8x32_ps(v, i2));
        }
    }
    copy_ordinary(&tail);
    _mm_sfence();
}

/* Streams 16-byte blocks; the ends before the outputs' first line
 * boundary and after their last go through ordinary stores. Separate
 * outputs take 64 input bytes at a time and write them to each output in
 * turn, four consecutive blocks apiece, each group one whole cache line of
 * the output: blocks alternating between the outputs one by one leave
 * every output's write-combining buffer part full for longer, which costs
 * a third of the time on some machines (an AMD EPYC, Zen 4: 25.6 against
 * 17.6 ms for three float64 outputs of 256^3), and so do groups that
 * straddle two lines (numpy's large arrays start 16 bytes past a line: on
 * an Intel Xeon, 35 against 23 ms for the same outputs). Outputs at
 * different offsets from a line take 16-byte blocks from their first
 * 16-byte boundary. */
static void copy_streaming(const job_t *j) {
    size_t e = j->esize;
    if (!j->interleaved) {
        /* the boundary every output shares: a line (64), else 16 bytes
         * (the loads need none) */
        uintptr_t line = 64;
        uintptr_t off = (uintptr_t)(j->outs[0] + j->a);
        for (int k = 1; k < j->nout; k++) {
            uintptr_t o = (uintptr_t)(j->outs[k] + j->a);
            if ((o & 15) != (off & 15)) {
                copy_ordinary(j);
                return;
            }
            if ((o & 63) != (off & 63)) line = 16;
        }
        size_t mis = off & (line - 1);
        size_t a = j->a, b = j->b;
        size_t a16 = a + ((line - mis) & (line - 1));
        if (a16 > b) a16 = b;
        size_t b16 = a16 + ((b - a16) & ~(size_t)15);
        job_t head = *j, tail = *j;
        head.b = a16;
        tail.a = b16;
        copy_ordinary(&head);
        size_t i = a16;
        for (; i + 64 <= b16; i += 64) {
            const __m128i *s = (const __m128i *)(j->f + i);
            __m128i v0 = _mm_loadu_si128(s), v1 = _mm_loadu_si128(s + 1);
            __m128i v2 = _mm_loadu_si128(s + 2), v3 = _mm_loadu_si128(s + 3);
            for (int k = 0; k < j->nout; k++) {
                __m128i *d = (__m128i *)(j->outs[k] + i);
                _mm_stream_si128(d, v0);
                _mm_stream_si128(d + 1, v1);
                _mm_stream_si128(d + 2, v2);
                _mm_stream_si128(d + 3, v3);
            }
        }
        for (; i < b16; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(j->f + i));
            for (int k = 0; k < j->nout; k++) _mm_stream_si128((__m128i *)(j->outs[k] + i), v);
        }
        copy_ordinary(&tail);
        _mm_sfence();
        return;
    }
    /* interleaved, nout 3 (else ordinary): 16 input bytes -> 48 output bytes */
    char *o = j->outs[0];
    if (j->nout == 3 && __builtin_cpu_supports("avx2")) {
        interleave3_avx2(j);
        return;
    }
    if (j->nout != 3 || ((uintptr_t)(o + 3 * j->a) & 15) || ((j->b - j->a) & 15)) {
        copy_ordinary(j);
        return;
    }
    for (size_t i = j->a; i < j->b; i += 16) {
        __m128i *d = (__m128i *)(o + 3 * i);
        if (e == 8) {
            __m128d v = _mm_loadu_pd((const double *)(j->f + i));
            __m128d x0 = _mm_unpacklo_pd(v, v), x2 = _mm_unpackhi_pd(v, v);
            __m128d x1 = _mm_shuffle_pd(v, v, 2); /* (v0, v1) */
            _mm_stream_pd((double *)d, x0);
            _mm_stream_pd((double *)(d + 1), x1);
            _mm_stream_pd((double *)(d + 2), x2);
        } else {
            __m128i v = _mm_loadu_si128((const __m128i *)(j->f + i)); /* a b c d */
            __m128i y0 = _mm_shuffle_epi32(v, 0x40); /* a a a b */
            __m128i y1 = _mm_shuffle_epi32(v, 0xA5); /* b b c c */
            __m128i y2 = _mm_shuffle_epi32(v, 0xFE); /* c d d d */
            _mm_stream_si128(d, y0);
            _mm_stream_si128(d + 1, y1);
            _mm_stream_si128(d + 2, y2);
        }
    }
    _mm_sfence();
}
#else
static void copy_streaming(const job_t *j) { copy_ordinary(j); }
#endif

static void *worker(void *p) {
    const job_t *j = p;
    if (j->streaming)
        copy_streaming(j);
    else
        copy_ordinary(j);
    return NULL;
}

static int run(const void *f, size_t n, size_t esize, void *const *outs, int nout, int streaming,
               int threads, int interleaved) {
    if (nout < 1 || nout > 8 || threads < 1 || threads > 64) return -1;
    job_t jobs[64];
    pthread_t tid[64];
    size_t bytes = n * esize;
    size_t start = 0;
    for (int t = 0; t < threads; t++) {
        job_t *j = &jobs[t];
        j->f = f;
        j->nout = nout;
        j->esize = esize;
        for (int k = 0; k < nout; k++) j->outs[k] = outs[k];
        j->streaming = streaming;
        j->interleaved = interleaved;
        /* split on 64-byte boundaries so every thread streams whole blocks */
        size_t end = t + 1 == threads ? bytes : (bytes / threads * (t + 1)) & ~(size_t)63;
        if (end < start) end = start;
        j->a = start;
        j->b = end;
        start = end;
    }
    for (int t = 1; t < threads; t++)
        if (pthread_create(&tid[t], NULL, worker, &jobs[t])) return -2;
    worker(&jobs[0]);
    for (int t = 1; t < threads; t++) pthread_join(tid[t], NULL);
    return 0;
}

int floor_separate(const void *f, size_t n, size_t esize, void *const *outs, int nout,
                   int streaming, int threads) {
    return run(f, n, esize, outs, nout, streaming, threads, 0);
}

int floor_interleaved(const void *f, size_t n, size_t esize, void *out, int nout, int streaming,
                      int threads) {
    void *outs[1] = {out};
    return run(f, n, esize, outs, nout, streaming, threads, 1);
}

/* ------------------------------------------------------------ hand loops */
#define HAND(T, SUF)                                                                             \
    void hand3_##SUF(const T *f, const int64_t *n, const int64_t *s, T *const *o,                \
                     const int64_t *os, double h) {                                              \
        T two_h = (T)(2.0 * h);                                                                  \
        T *o0 = o[0], *o1 = o[1], *o2 = o[2];                                                    \
        for (int64_t i = 1; i < n[0] - 1; i++)                                                   \
            for (int64_t j = 1; j < n[1] - 1; j++) {                                             \
                const T *p = f + i * s[0] + j * s[1];                                            \
                T *q0 = o0 + i * os[0] + j * os[1];                                              \
                T *q1 = o1 + i * os[3] + j * os[4];                                              \
                T *q2 = o2 + i * os[6] + j * os[7];                                              \
                for (int64_t k = 1; k < n[2] - 1; k++) {                                         \
                    const T *c = p + k * s[2];                                                   \
                    q0[k * os[2]] = (c[s[0]] - c[-s[0]]) / two_h;                                \
                    q1[k * os[5]] = (c[s[1]] - c[-s[1]]) / two_h;                                \
                    q2[k * os[8]] = (c[s[2]] - c[-s[2]]) / two_h;                                \
                }                                                                                \
            }                                                                                    \
    }                                                                                            \
    void hand2_##SUF(const T *f, const int64_t *n, const int64_t *s, T *const *o,                \
                     const int64_t *os, double h) {                                              \
        T two_h = (T)(2.0 * h);                                                                  \
        for (int64_t i = 1; i < n[0] - 1; i++) {                                                 \
            const T *p = f + i * s[0];                                                           \
            T *q0 = o[0] + i * os[0], *q1 = o[1] + i * os[2];                                    \
            for (int64_t k = 1; k < n[1] - 1; k++) {                                             \
                const T *c = p + k * s[1];                                                       \
                q0[k * os[1]] = (c[s[0]] - c[-s[0]]) / two_h;                                    \
                q1[k * os[3]] = (c[s[1]] - c[-s[1]]) / two_h;                                    \
            }                                                                                    \
        }                                                                                        \
    }
HAND(double, f64)
HAND(float, f32)
