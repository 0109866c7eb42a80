#!/usr/bin/env python3
"""Tests of gradient_ctypes against numpy.gradient, bit for bit.

    python3 python/test_gradient_ctypes.py [--cases N] [--seed S] [-v]

A plain script (no pytest needed).  The module is imported from the
directory of this file unless GRADIENT_CTYPES_DIR names another one (the
packaging test points it at the installed copy); the library is found the way
the module finds it (GRADIENT_LIB, installed location, target/release).
Prints one line per failure and ends with "N passed, N failed"; exit status
1 if anything failed.
"""

import argparse
import os
import subprocess
import sys
import traceback

import numpy as np

sys.path.insert(0, os.environ.get("GRADIENT_CTYPES_DIR") or os.path.dirname(os.path.abspath(__file__)))
import gradient_ctypes as gc  # noqa: E402

PASSED = 0
FAILED = 0
VERBOSE = False


def report(ok, name, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        if VERBOSE:
            print("ok   %s" % name)
    else:
        FAILED += 1
        print("FAIL %s %s" % (name, detail))


def check(name, fn):
    """Run fn(); it returns None/True (pass) or a string (failure detail)."""
    try:
        r = fn()
    except Exception:  # noqa: BLE001 - a test failure, reported with its traceback
        report(False, name, "\n" + traceback.format_exc())
        return
    report(r is None or r is True, name, "" if r in (None, True) else str(r))


def bits(a):
    return np.ascontiguousarray(a).tobytes()


def same(got, want):
    """None if got is want bit for bit (same container, dtype, shape, bytes)."""
    if isinstance(want, tuple):
        if not isinstance(got, tuple) or len(got) != len(want):
            return "expected a tuple of %d arrays, got %r" % (len(want), type(got))
        for k, (g, w) in enumerate(zip(got, want)):
            r = same(g, w)
            if r:
                return "output %d: %s" % (k, r)
        return None
    if not isinstance(got, np.ndarray):
        return "expected an ndarray, got %r" % type(got)
    if got.dtype != want.dtype or got.shape != want.shape:
        return "dtype/shape %s%s, numpy %s%s" % (got.dtype, got.shape, want.dtype, want.shape)
    if bits(got) != bits(want):
        diff = np.flatnonzero(
            np.ascontiguousarray(got).view(np.uint8) != np.ascontiguousarray(want).view(np.uint8)
        )
        return "values differ (first differing byte %d):\n got  %r\n want %r" % (
            diff[0], got.ravel()[:6].tolist(), want.ravel()[:6].tolist())
    return None


def raises(exc, fn, status=None, text=None):
    try:
        fn()
    except exc as e:
        if status is not None and getattr(e, "status", None) != status:
            return "raised %r with status %r, expected %r" % (e, getattr(e, "status", None), status)
        if text is not None and text not in str(e):
            return "message %r does not contain %r" % (str(e), text)
        return None
    except Exception as e:  # noqa: BLE001
        return "raised %r, expected %s" % (e, exc.__name__)
    return "did not raise %s" % exc.__name__


# --------------------------------------------------------------------------
# generators

DTYPES = [np.float64, np.float32, np.complex128, np.complex64, np.int8, np.int16, np.int32,
          np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


def random_data(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4)).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


def random_coords(rng, n):
    kind = rng.integers(0, 4)
    if kind == 0:  # exactly uniform: numpy and the library take the step path
        return np.arange(n) * 0.25 + 1.0
    if kind == 1:  # integer coordinates (numpy converts them to float64)
        return np.cumsum(rng.integers(1, 5, size=n)) - 3
    x = np.cumsum(rng.uniform(0.1, 2.0, size=n))
    return -x if kind == 3 else x  # decreasing coordinates are valid too


def random_view(rng, a):
    """A strided view of a (or a itself) with the same values layout-free."""
    kind = rng.integers(0, 5)
    if kind == 0:
        return a
    if kind == 1:  # Fortran order copy
        return np.asfortranarray(a)
    if kind == 2:  # embedded in a bigger array with steps
        big = np.zeros(tuple(2 * n + 1 for n in a.shape), dtype=a.dtype)
        sl = tuple(slice(1, 1 + 2 * n, 2) for n in a.shape)
        big[sl] = a
        return big[sl]
    if kind == 3:  # negative strides
        rev = np.ascontiguousarray(a[(slice(None, None, -1),) * a.ndim])
        return rev[(slice(None, None, -1),) * a.ndim]
    # transposed storage
    perm = rng.permutation(a.ndim)
    store = np.ascontiguousarray(np.transpose(a, perm))
    return np.transpose(store, np.argsort(perm))


def random_case(rng):
    ndim = int(rng.integers(1, 5))
    edge = int(rng.integers(1, 3))
    maxn = {1: 12, 2: 7, 3: 5, 4: 4}[ndim]
    shape = tuple(int(rng.integers(edge + 1, maxn + 1)) for _ in range(ndim))
    dtype = DTYPES[rng.integers(0, len(DTYPES))]
    f = random_view(rng, random_data(rng, shape, dtype))
    r = rng.integers(0, 4)
    if r == 0:
        axis = None
        axes = tuple(range(ndim))
    elif r == 1:
        a = int(rng.integers(-ndim, ndim))
        axis, axes = a, (a % ndim,)
    else:
        k = int(rng.integers(1, ndim + 1))
        axes = tuple(int(a) for a in rng.permutation(ndim)[:k])
        axis = tuple(a - ndim if rng.integers(0, 2) else a for a in axes)
    s = rng.integers(0, 4)
    if s == 0:
        varargs = ()
    elif s == 1:
        varargs = (float(rng.choice([0.5, 2.0, 0.3, -0.7, 1e-3, 3])),)
    else:
        varargs = tuple(
            random_coords(rng, f.shape[a]) if rng.integers(0, 2) else float(rng.uniform(0.1, 3.0))
            for a in axes
        )
    return f, varargs, axis, edge


# --------------------------------------------------------------------------
# tests


def test_golden():
    f = np.array([1, 2, 4, 7, 11, 16], dtype=float)
    check("golden unit", lambda: same(gc.gradient(f), np.array([1.0, 1.5, 2.5, 3.5, 4.5, 5.0])))
    x = np.array([0.0, 1.0, 1.5, 3.5, 4.0, 6.0])
    check("golden coords e2", lambda: same(
        gc.gradient(f, x, edge_order=2),
        np.array([-1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999,
                  -1.8999999999999968])))
    check("golden uint8", lambda: same(gc.gradient(np.array([5, 4, 3, 2, 1], np.uint8)),
                                       np.full(5, -1.0)))
    a = np.array([[1, 2, 6], [3, 4, 5]])
    check("golden 2-d tuple", lambda: same(
        gc.gradient(a, 2.0, [1.0, 1.5, 3.5]),
        (np.array([[1, 1, -0.5], [1, 1, -0.5]]), np.array([[2, 2, 2], [2, 1.6999999999999993, 0.5]]))))


def test_differential(cases, seed):
    rng = np.random.default_rng(seed)
    for i in range(cases):
        f, varargs, axis, edge = random_case(rng)
        name = "random %d: %s%s axis=%s e%d" % (i, f.dtype, f.shape, axis, edge)

        def run(f=f, varargs=varargs, axis=axis, edge=edge):
            want = np.gradient(f, *varargs, axis=axis, edge_order=edge)
            got = gc.gradient(f, *varargs, axis=axis, edge_order=edge)
            r = same(got, want)
            if r:
                return r
            # outputs keep the input's memory layout, as numpy's do
            for g, w in zip(got if isinstance(got, tuple) else (got,),
                            want if isinstance(want, tuple) else (want,)):
                if g.strides != w.strides:
                    return "strides %s, numpy %s" % (g.strides, w.strides)
            return None

        check(name, run)


def test_out_and_threads():
    rng = np.random.default_rng(7)
    f = rng.standard_normal((6, 5))
    want = np.gradient(f, 0.5, axis=(1, 0), edge_order=2)

    def with_out():
        outs = (np.empty((6, 5)), np.empty((5, 6)).T)  # the second one strided
        got = gc.gradient(f, 0.5, axis=(1, 0), edge_order=2, out=outs)
        if got[0] is not outs[0] or got[1] is not outs[1]:
            return "the out arrays were not returned"
        return same(got, want)

    check("out= writes into the given arrays", with_out)

    def single_out():
        o = np.empty(6)
        got = gc.gradient(f[:, 2], out=o)
        return same(got, np.gradient(f[:, 2])) if got is o else "out not returned"

    check("out= single array", single_out)
    check("out= wrong dtype", lambda: raises(ValueError, lambda: gc.gradient(
        f, axis=0, out=np.empty((6, 5), np.float32)), text="dtype"))
    check("out= wrong count", lambda: raises(ValueError, lambda: gc.gradient(f, out=[np.empty((6, 5))])))
    check("out= overlapping the input", lambda: raises(
        gc.GradientError, lambda: gc.gradient(f, axis=0, out=f), status=10))
    big = rng.standard_normal((40, 30, 20))
    xb = np.cumsum(rng.uniform(0.5, 1.0, 30))
    check("threads=4 gives numpy's bits", lambda: same(
        gc.gradient(big, 0.1, xb, 2.0, edge_order=2, threads=4),
        np.gradient(big, 0.1, xb, 2.0, edge_order=2)))


def pad_wrap(f, axis, x=None, period=None):
    fp = np.concatenate([np.take(f, [-1], axis=axis), f, np.take(f, [0], axis=axis)], axis=axis)
    if x is None:
        return fp, None
    p = -period if len(x) > 1 and x[1] < x[0] else period
    return fp, np.concatenate([[x[-1] - p], x, [x[0] + p]])


def test_boundaries():
    rng = np.random.default_rng(11)
    f = rng.standard_normal((7, 6))
    x = np.cumsum(rng.uniform(0.2, 1.0, 6))

    def periodic_step():
        fp, _ = pad_wrap(f, 0)
        want = np.gradient(fp, 0.5, axis=0)[1:-1]
        return same(gc.gradient(f, 0.5, axis=0, boundaries="periodic"), want)

    check("periodic with a step equals numpy on the wrapped array", periodic_step)

    def periodic_coords():
        fp, xp = pad_wrap(f, 1, x, 9.0)
        want = np.gradient(fp, xp, axis=1, edge_order=2)[:, 1:-1]
        return same(gc.gradient(f, x, axis=1, edge_order=2, boundaries=["periodic"], periods=9.0), want)

    check("periodic with coordinates and a period", periodic_coords)

    def ghost_both():
        want = tuple(g[1:-1, 1:] for g in np.gradient(f, 2.0, x))
        got = gc.gradient(f, 2.0, x, boundaries=["ghost", ("ghost", "one_sided")])
        return same(got, want)

    check("ghost sides give the owned shape and numpy's values", ghost_both)

    def ghost_pair_one_axis():
        v = f[:, 0]
        return same(gc.gradient(v, boundaries=("one_sided", "ghost")), np.gradient(v)[:-1])

    check("a bare (lo, hi) pair for one axis", ghost_pair_one_axis)

    def mixed():
        fp, _ = pad_wrap(f, 0)
        want = tuple(g[1:-1, :-1] for g in np.gradient(fp, axis=(0, 1)))
        got = gc.gradient(f, axis=(0, 1), boundaries=["periodic", ("one_sided", "ghost")])
        return same(got, want)

    check("periodic and ghost axes together", mixed)
    check("unknown boundary name", lambda: raises(
        gc.GradientError, lambda: gc.gradient(f, boundaries="wrap"), status=12, text="'wrap'"))
    check("periodic on one side only", lambda: raises(
        gc.GradientError, lambda: gc.gradient(f[:, 0], boundaries=[("periodic", "one_sided")]),
        status=12))
    check("periodic coordinates without a period", lambda: raises(
        gc.GradientError, lambda: gc.gradient(f, x, axis=1, boundaries="periodic"), status=12,
        text="period"))
    check("boundaries count", lambda: raises(
        gc.GradientError, lambda: gc.gradient(f, boundaries=["ghost"]), status=12))


def test_errors_and_types():
    f = np.arange(12.0).reshape(3, 4)
    check("returns a tuple for several axes", lambda: None if isinstance(gc.gradient(f), tuple)
          else "not a tuple")
    check("returns an array for one axis", lambda: None if isinstance(gc.gradient(f, axis=1), np.ndarray)
          else "not an array")
    check("integer input gives float64", lambda: same(gc.gradient([1, 3, 9]), np.gradient([1, 3, 9])))
    check("python list input", lambda: same(gc.gradient([[1.0, 2.0], [4.0, 8.0]]),
                                            np.gradient([[1.0, 2.0], [4.0, 8.0]])))
    big_endian = np.arange(6, dtype=">f8") ** 2
    check("non-native byte order", lambda: same(gc.gradient(big_endian), np.gradient(big_endian.astype("=f8"))))
    check("edge_order 3", lambda: raises(gc.GradientError, lambda: gc.gradient(f, edge_order=3), status=7))
    check("edge_order 0", lambda: raises(gc.GradientError, lambda: gc.gradient(f, edge_order=0), status=7))
    check("edge_order 1.5", lambda: raises(gc.GradientError, lambda: gc.gradient(f, edge_order=1.5), status=7))
    check("edge_order 2.0 is 2", lambda: same(gc.gradient(f, edge_order=2.0), np.gradient(f, edge_order=2)))
    check("0-d input", lambda: raises(gc.GradientError, lambda: gc.gradient(np.float64(3.0)), status=2))
    check("step 0", lambda: raises(gc.GradientError, lambda: gc.gradient(f, 0.0), status=6))
    check("step nan", lambda: raises(gc.GradientError, lambda: gc.gradient(f, float("nan")), status=6))
    check("non-monotonic coordinates", lambda: raises(
        gc.GradientError, lambda: gc.gradient(f, [0.0, 2.0, 1.0, 3.0], axis=1), status=6))
    check("shape too small", lambda: raises(
        gc.GradientError, lambda: gc.gradient(f[:2], axis=0, edge_order=2), status=8))
    check("error carries the axis index", lambda: None if _axis_of_error() == 1 else
          "axis %r" % _axis_of_error())
    check("invalid number of arguments", lambda: raises(TypeError, lambda: gc.gradient(f, 1.0, 2.0, 3.0),
                                                        text="invalid number of arguments"))
    check("coordinate length", lambda: raises(ValueError, lambda: gc.gradient(f, [1.0, 2.0], 1.0),
                                              text="must match the length"))
    check("2-d distances", lambda: raises(ValueError, lambda: gc.gradient(f, np.ones((3, 1)), 1.0),
                                          text="scalars or 1d"))
    check("axis out of range", lambda: raises(np.exceptions.AxisError, lambda: gc.gradient(f, axis=2)))
    check("repeated axis", lambda: raises(ValueError, lambda: gc.gradient(f, axis=(0, -2))))
    for dt in (np.bool_, np.float16, np.longdouble, object):
        if np.dtype(dt) in (np.dtype(np.float64),):
            continue  # longdouble is float64 on some platforms
        check("unsupported dtype %s" % np.dtype(dt), lambda dt=dt: raises(
            TypeError, lambda: gc.gradient(np.ones(4, dtype=dt))))

    # spacing dtypes: accepted where numpy computes as the library does
    f32 = np.linspace(-3, 5, 9, dtype=np.float32) ** 2
    f64 = f32.astype(np.float64)
    c64 = (f32 + 1j * f32[::-1]).astype(np.complex64)
    for data, h in ((f32, np.float32(0.3)), (f64, np.float64(0.3)), (f64, np.int64(3)),
                    (c64, np.float32(0.7)), (f32, 3), (np.arange(9), np.int8(2)),
                    (f64, np.array(0.25))):
        check("step %r with %s data, edge_order 2" % (h, data.dtype), lambda data=data, h=h: same(
            gc.gradient(data, h, edge_order=2), np.gradient(data, h, edge_order=2)))
    x64 = np.cumsum(np.arange(1.0, 10.0))
    for data in (f32, f64, c64):
        check("int64 coordinates with %s data" % data.dtype, lambda data=data: same(
            gc.gradient(data, x64.astype(np.int64), edge_order=2),
            np.gradient(data, x64.astype(np.int64), edge_order=2)))
    # refused where numpy's promotion would give other bits
    for data, h in ((f64, np.float32(0.3)), (f32, np.float64(0.3)), (f32, np.int64(3)),
                    (f32, np.array(0.25))):
        check("step %r with %s data is refused" % (h, data.dtype), lambda data=data, h=h: raises(
            TypeError, lambda: gc.gradient(data, h, edge_order=2), text="float(step)"))
    check("float32 coordinates are refused", lambda: raises(
        TypeError, lambda: gc.gradient(f64, x64.astype(np.float32)), text="float64"))
    check("complex coordinates are refused", lambda: raises(
        TypeError, lambda: gc.gradient(f64, x64.astype(np.complex128))))

    def odd_strides():
        rec = np.zeros(5, dtype=[("a", "u1"), ("x", "<f8")])  # packed: 9-byte records
        rec["x"] = [1.0, 2.0, 4.0, 8.0, 16.0]
        return raises(gc.GradientError, lambda: gc.gradient(rec["x"]), status=4,
                      text="not whole multiples")

    check("byte strides that are not whole elements are refused", odd_strides)

    def misaligned():
        buf = np.zeros(8 * 6 + 1, dtype=np.uint8)
        a = np.ndarray((6,), dtype=np.float64, buffer=buf, offset=1)
        return raises(gc.GradientError, lambda: gc.gradient(a), status=9)

    check("misaligned data are refused by the library", misaligned)

    def size_one_stride():
        # extents of 1 may have any byte stride: they are never stepped over
        a = np.lib.stride_tricks.as_strided(np.arange(5.0), shape=(5, 1), strides=(8, 3))
        return same(gc.gradient(a, axis=0), np.gradient(np.arange(5.0)).reshape(5, 1))

    check("odd stride on an extent of 1 is accepted", size_one_stride)

    def empty():
        a = np.zeros((0, 4))
        return same(gc.gradient(a, axis=1), np.gradient(a, axis=1))

    check("empty array", empty)


def _axis_of_error():
    f = np.zeros((5, 2))
    try:
        gc.gradient(f, axis=(0, 1), edge_order=2)
    except gc.GradientError as e:
        return e.axis
    return "no error"


def test_loading():
    here = os.path.dirname(os.path.abspath(gc.__file__))
    env = dict(os.environ, GRADIENT_LIB="/nonexistent/libgradient.so")
    code = "import gradient_ctypes as g\ntry:\n g.version()\nexcept OSError as e:\n print('OSError')"
    p = subprocess.run([sys.executable, "-c", code], cwd=here, env=env, capture_output=True, text=True)
    check("GRADIENT_LIB is honoured (no silent fallback)", lambda: None if p.stdout.strip() == "OSError"
          else p.stdout + p.stderr)
    v = gc._load().grad_version()
    check("grad_version matches version()", lambda: None if gc.version() == "%d.%d.%d" % (
        v >> 16, (v >> 8) & 255, v & 255) else gc.version())


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    VERBOSE = args.verbose
    print("gradient_ctypes from %s, library %s (version %s), numpy %s" % (
        gc.__file__, gc.library_path(), gc.version(), np.__version__))
    test_golden()
    test_differential(args.cases, args.seed)
    test_out_and_threads()
    test_boundaries()
    test_errors_and_types()
    test_loading()
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
