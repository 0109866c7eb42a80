"""Independent models of the library's higher accuracy orders (p = 4, 6, 8)
and of numpy's non-uniform formulas, used by test_accuracy.py and
docs/figures/accuracy.py.  Nothing here calls the library.

* Exact weights: Fornberg's recurrence in rational arithmetic (`fractions`),
  cross-checked against the derivative of the Lagrange basis.
* Windows: interior point i uses i-w .. i+w (w = p/2); a point i < w near the
  low end uses the q+1 points starting at s = max(0, i - q//2); the high end
  is the mirror image (point n-1-i uses the window ending at n-1-s).
* model_uniform(): the library's arithmetic for a uniform step, in numpy
  scalars of the working precision:
    interior  (sum_k m_k * (f[i+k] - f[i-k]), increasing k) * r,
              r = RN_wp(1 / (D*h)) computed in double;
    low end   (sum_j n_j * f[s+j], increasing j, zero n_j skipped) * r_w;
    high end  (sum_j n_j * f[n-1-s-j], same order) * (-r_w);
  with integer numerators over the least common positive denominator.
* exact_coords(): the exact rational result for given (double) coordinates,
  with the scale sum_j |w_j f[s+j]| that bounds the allowed error.
* numpy_nonuniform(): numpy.gradient's non-uniform branch (coordinates whose
  differences are not all equal), written out with the same numpy operations
  so it can be applied to evenly spaced coordinates too.
"""

from fractions import Fraction
from math import lcm

import numpy as np

INTERIOR = {  # p: (D, m_1 .. m_w), the classical central stencils
    4: (12, (8, -1)),
    6: (60, (45, -9, 1)),
    8: (840, (672, -168, 32, -3)),
}


# ------------------------------------------------------------ exact weights
def fornberg(z, x0, m=1):
    """Fornberg (1988) weights, exact when z and x0 are Fractions/ints.

    Returns c with c[k][j] = weight of f(z[j]) in the k-th derivative at x0,
    k = 0..m."""
    n = len(z) - 1
    c = [[Fraction(0)] * (n + 1) for _ in range(m + 1)]
    c1 = Fraction(1)
    c4 = Fraction(z[0]) - x0
    c[0][0] = Fraction(1)
    for i in range(1, n + 1):
        mn = min(i, m)
        c2 = Fraction(1)
        c5 = c4
        c4 = Fraction(z[i]) - x0
        for j in range(i):
            c3 = Fraction(z[i]) - Fraction(z[j])
            c2 = c2 * c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[k][i] = c1 * (k * c[k - 1][i - 1] - c5 * c[k][i - 1]) / c2
                c[0][i] = -c1 * c5 * c[0][i - 1] / c2
            for k in range(mn, 0, -1):
                c[k][j] = (c4 * c[k][j] - k * c[k - 1][j]) / c3
            c[0][j] = c4 * c[0][j] / c3
        c1 = c2
    return c


def lagrange_d1(z, x0):
    """First-derivative weights from the Lagrange basis (exact, independent)."""
    z = [Fraction(v) for v in z]
    x0 = Fraction(x0)
    out = []
    for j, zj in enumerate(z):
        total = Fraction(0)
        for l, zl in enumerate(z):
            if l == j:
                continue
            term = Fraction(1) / (zj - zl)
            for k, zk in enumerate(z):
                if k not in (j, l):
                    term *= (x0 - zk) / (zj - zk)
            total += term
        out.append(total)
    return out


def d1_weights(z, x0):
    return fornberg([Fraction(v) for v in z], Fraction(x0), 1)[1]


# ------------------------------------------------------------------ windows
def window(i, n, p, q):
    """(first point, number of points, mirrored) of the window of point i on
    an axis of n points; mirrored=True at the high end (the window is then
    read from its last point downwards, see model_uniform)."""
    w = p // 2
    if w <= i <= n - 1 - w:
        return i - w, p + 1, False
    if i < w:
        return max(0, i - q // 2), q + 1, False
    ii = n - 1 - i
    s = max(0, ii - q // 2)
    return n - 1 - s - q, q + 1, True


def integer_weights(offsets):
    """Exact unit-step weights at offsets (relative to the point), as
    (numerators, D) with D the least common positive denominator."""
    wts = d1_weights(offsets, 0)
    D = 1
    for v in wts:
        D = lcm(D, v.denominator)
    nums = [int(v * D) for v in wts]
    assert all(Fraction(a, D) == v for a, v in zip(nums, wts))
    return nums, D


def edge_tables(p, q):
    """For the points i < p/2 near the low end: [(s, numerators n_j, D_w)]."""
    w = p // 2
    rows = []
    for i in range(w):
        s = max(0, i - q // 2)
        nums, D = integer_weights([s + j - i for j in range(q + 1)])
        rows.append((s, nums, D))
    return rows


# --------------------------------------------------- the uniform arithmetic
def working_precision(dtype, spacing_is_step):
    """numpy dtype of the working precision: a step keeps float32/complex64 in
    single precision; coordinates (even evenly spaced ones) and integers
    compute in double."""
    dt = np.dtype(dtype)
    if spacing_is_step and dt in (np.dtype(np.float32), np.dtype(np.complex64)):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def output_dtype(dtype):
    dt = np.dtype(dtype)
    return np.dtype(np.float64) if dt.kind in "iub" else dt


def _uniform_real(work, p, q, h, wp, data=None):
    """work: real array in wp, differentiated axis first.  data: the same
    values in the data's own (narrower) precision when the differences
    f[i+k] - f[i-k] are taken in it and only then widened (float32 data with
    evenly spaced coordinates, as numpy does for coordinates), else None."""
    n = work.shape[0]
    w = p // 2
    T = wp.type
    out = np.empty_like(work)
    D, m = INTERIOR[p]
    r = T(1.0 / (D * h))
    def diff(a, b):
        if data is None:
            return work[a] - work[b]
        return (data[a] - data[b]).astype(wp)

    for i in range(w, n - w):
        acc = T(m[0]) * diff(i + 1, i - 1)
        for k in range(2, w + 1):
            acc = acc + T(m[k - 1]) * diff(i + k, i - k)
        out[i] = acc * r
    for i, (s, nums, Dw) in enumerate(edge_tables(p, q)):
        rw = T(1.0 / (Dw * h))
        lo = hi = None
        for j, c in enumerate(nums):
            if c == 0:
                continue
            a = T(c) * work[s + j]
            b = T(c) * work[n - 1 - s - j]
            lo = a if lo is None else lo + a
            hi = b if hi is None else hi + b
        out[i] = lo * rw
        out[n - 1 - i] = hi * (-rw)
    return out


def model_uniform(f, axis, p, q, h, step=True):
    """The library's result for accuracy p >= 4, edge_order q, a uniform step
    h along `axis` (ONE_SIDED ends).  step=False: the step came from evenly
    spaced coordinates: working precision double, but (numpy's rule for
    coordinates) the differences of float32/complex64 data are taken in
    single precision and then widened."""
    f = np.asarray(f)
    wp = working_precision(f.dtype, step)
    odt = output_dtype(f.dtype)
    g = np.moveaxis(f, axis, 0)
    narrow = not step and g.dtype.kind in "fc" and g.dtype.itemsize in (4, 8) and \
        g.real.dtype == np.float32
    if g.dtype.kind == "c":
        re = _uniform_real(np.ascontiguousarray(g.real).astype(wp), p, q, h, wp,
                           np.ascontiguousarray(g.real) if narrow else None)
        im = _uniform_real(np.ascontiguousarray(g.imag).astype(wp), p, q, h, wp,
                           np.ascontiguousarray(g.imag) if narrow else None)
        out = np.empty(g.shape, odt)
        out.real = re.astype(odt.type(0).real.dtype)
        out.imag = im.astype(odt.type(0).real.dtype)
    else:
        out = _uniform_real(g.astype(wp), p, q, h, wp, g if narrow else None).astype(odt)
    return np.moveaxis(out, 0, axis)


def evenly_spaced(x):
    d = np.diff(np.asarray(x, dtype=np.float64))
    return bool(np.all(d == d[0]))


# ------------------------------------------------ exact, for coordinates
class ExactAxis:
    """Exact weights of every point of an axis with coordinates x (doubles)."""

    def __init__(self, x, p, q):
        self.x = [Fraction(float(v)) for v in x]
        n = len(self.x)
        self.rows = []
        for i in range(n):
            s, cnt, _ = window(i, n, p, q)
            wts = d1_weights(self.x[s:s + cnt], self.x[i])
            self.rows.append((s, wts))

    def lane(self, f):
        """Exact results and scales sum_j |w_j f[s+j]| of a 1-d real lane."""
        fv = [Fraction(float(v)) for v in f]
        vals, scales = [], []
        for s, wts in self.rows:
            terms = [wj * fv[s + j] for j, wj in enumerate(wts)]
            vals.append(sum(terms, Fraction(0)))
            scales.append(float(sum(abs(t) for t in terms)))
        return vals, scales


def check_coords(got, f, x, axis, p, q, rel=1e-12):
    """Compares a library result computed with (non evenly spaced) coordinates
    with the exact result: |got - exact| <= rel * sum|w_j f_j| plus half an
    ulp of the output type.  Returns (ok, worst ratio, message)."""
    ax = ExactAxis(x, p, q)
    g = np.moveaxis(np.asarray(got), axis, 0)
    F = np.moveaxis(np.asarray(f), axis, 0)
    parts = [(g.real, F.real), (g.imag, F.imag)] if g.dtype.kind == "c" else [(g, F)]
    worst, msg = 0.0, ""
    for gp, fp in parts:
        gl = gp.reshape(gp.shape[0], -1)
        fl = fp.reshape(fp.shape[0], -1)
        ulp_half = float(np.finfo(gl.dtype).eps) / 2
        for c in range(gl.shape[1]):
            vals, scales = ax.lane([v for v in fl[:, c]])
            for i, (e, sc) in enumerate(zip(vals, scales)):
                gv = float(gl[i, c])
                if not np.isfinite(gv):
                    return False, float("inf"), "point %d lane %d: %r" % (i, c, gv)
                err = abs(Fraction(gv) - e)
                allow = rel * sc + ulp_half * abs(float(e)) + 1e-300
                ratio = float(err) / allow
                if ratio > worst:
                    worst = ratio
                    msg = "point %d lane %d: got %r exact %r (scale %g)" % (i, c, gv, float(e), sc)
    return worst <= 1.0, worst, msg


# ------------------------------------------------ numpy's non-uniform branch
def numpy_nonuniform(f, x, axis, edge_order):
    """numpy.gradient(f, x, axis=axis, edge_order=edge_order) as numpy computes
    it when the coordinates are not evenly spaced, whatever x is (numpy 2.x,
    lib/_function_base_impl.py, the `else` branch of the uniform test)."""
    f = np.asanyarray(f)
    N = f.ndim
    otype = f.dtype
    if otype.type is np.datetime64 or otype.type is np.timedelta64:
        raise TypeError("not modelled")
    if np.issubdtype(otype, np.inexact):
        pass
    else:
        if np.issubdtype(otype, np.integer):
            f = f.astype(np.float64)
        otype = np.float64
    ax_dx = np.diff(np.asanyarray(x))
    if ax_dx.dtype.kind in "iu":
        ax_dx = ax_dx.astype(np.float64)
    out = np.empty_like(f, dtype=otype)
    s1 = [slice(None)] * N
    s2 = [slice(None)] * N
    s3 = [slice(None)] * N
    s4 = [slice(None)] * N
    # interior
    s1[axis] = slice(1, -1)
    s2[axis] = slice(None, -2)
    s3[axis] = slice(1, -1)
    s4[axis] = slice(2, None)
    dx1 = ax_dx[0:-1]
    dx2 = ax_dx[1:]
    a = -(dx2) / (dx1 * (dx1 + dx2))
    b = (dx2 - dx1) / (dx1 * dx2)
    c = dx1 / (dx2 * (dx1 + dx2))
    shape = np.ones(N, dtype=int)
    shape[axis] = -1
    a.shape = b.shape = c.shape = shape
    out[tuple(s1)] = a * f[tuple(s2)] + b * f[tuple(s3)] + c * f[tuple(s4)]
    if edge_order == 1:
        s1[axis] = 0
        s2[axis] = 1
        s3[axis] = 0
        dx_0 = ax_dx[0]
        out[tuple(s1)] = (f[tuple(s2)] - f[tuple(s3)]) / dx_0
        s1[axis] = -1
        s2[axis] = -1
        s3[axis] = -2
        dx_n = ax_dx[-1]
        out[tuple(s1)] = (f[tuple(s2)] - f[tuple(s3)]) / dx_n
    else:
        s1[axis] = 0
        s2[axis] = 0
        s3[axis] = 1
        s4[axis] = 2
        dx1 = ax_dx[0]
        dx2 = ax_dx[1]
        a = -(2. * dx1 + dx2) / (dx1 * (dx1 + dx2))
        b = (dx1 + dx2) / (dx1 * dx2)
        c = - dx1 / (dx2 * (dx1 + dx2))
        out[tuple(s1)] = a * f[tuple(s2)] + b * f[tuple(s3)] + c * f[tuple(s4)]
        s1[axis] = -1
        s2[axis] = -3
        s3[axis] = -2
        s4[axis] = -1
        dx1 = ax_dx[-2]
        dx2 = ax_dx[-1]
        a = (dx2) / (dx1 * (dx1 + dx2))
        b = - (dx2 + dx1) / (dx1 * dx2)
        c = (2. * dx2 + dx1) / (dx2 * (dx1 + dx2))
        out[tuple(s1)] = a * f[tuple(s2)] + b * f[tuple(s3)] + c * f[tuple(s4)]
    return out


# ----------------------------------------------------------- self-checks
def self_check():
    """Returns a list of (name, ok, detail) for the model's own checks."""
    res = []
    for p, (D, m) in INTERIOR.items():
        w = p // 2
        nums, Dx = integer_weights(list(range(-w, w + 1)))
        want = [-v for v in m[::-1]] + [0] + list(m)
        res.append(("interior stencil p=%d is D=%d m=%s" % (p, D, m),
                    Dx == D and nums == want, "got D=%d %s" % (Dx, nums)))
    rng = np.random.default_rng(5)
    for trial in range(20):
        k = int(rng.integers(2, 10))
        z = sorted(set(Fraction(int(v), int(d)) for v, d in
                       zip(rng.integers(-50, 50, k), rng.integers(1, 9, k))))
        x0 = z[int(rng.integers(len(z)))]
        ok = d1_weights(z, x0) == lagrange_d1(z, x0)
        res.append(("Fornberg == Lagrange, %d points" % len(z), ok, ""))
    # exactness for polynomials of degree <= q on every window
    for p in (4, 6, 8):
        for q in range(1, p + 1):
            for i, (s, nums, Dw) in enumerate(edge_tables(p, q)):
                ok = all(sum(c * Fraction(s + j - i) ** d for j, c in enumerate(nums))
                         == (Dw if d == 1 else 0) for d in range(q + 1))
                res.append(("p=%d q=%d near-edge point %d exact to degree %d" % (p, q, i, q), ok, ""))
    # numpy_nonuniform reproduces numpy on uneven coordinates
    for dt in (np.float64, np.float32, np.complex128, np.complex64, np.int16, np.uint8):
        for e in (1, 2):
            x = np.cumsum(rng.uniform(0.1, 1.0, 9))
            f = (rng.standard_normal((9, 3)) * 50).astype(dt) if np.dtype(dt).kind != "c" else \
                (rng.standard_normal((9, 3)) + 1j * rng.standard_normal((9, 3))).astype(dt)
            a = numpy_nonuniform(f, x, 0, e)
            b = np.gradient(f, x, axis=0, edge_order=e)
            ok = a.dtype == b.dtype and a.tobytes() == b.tobytes()
            res.append(("numpy_nonuniform == numpy.gradient (%s, e%d)" % (np.dtype(dt).name, e), ok, ""))
    return res


if __name__ == "__main__":
    bad = 0
    for name, ok, detail in self_check():
        if not ok:
            bad += 1
            print("FAIL", name, detail)
    print("self-check:", "all ok" if not bad else "%d failed" % bad)
