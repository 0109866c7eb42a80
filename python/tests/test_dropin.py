"""ndgradient.gradient against numpy.gradient: same result, type, dtype, bits."""

import warnings

import numpy as np
import pytest

import ndgradient
from conftest import same_bits

LIB_DTYPES = [np.float64, np.float32, np.complex128, np.complex64, np.int8, np.int16,
              np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


def check(f, *varargs, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = np.gradient(f, *varargs, **kw)
        except Exception as e:  # numpy raises: so must we, the same way
            with pytest.raises(type(e)) as got:
                ndgradient.gradient(f, *varargs, **kw)
            assert str(got.value) == str(e)
            return None
        got = ndgradient.gradient(f, *varargs, **kw)
    why = same_bits(got, want)
    assert why is None, why
    return got


def data(rng, shape, dt):
    dt = np.dtype(dt)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
    v = rng.normal(size=shape) * 10.0 ** rng.uniform(-3, 3)
    if dt.kind == "c":
        v = v + 1j * rng.normal(size=shape)
    return v.astype(dt)


def coords(rng, n, kind):
    if kind == "even":
        return np.linspace(0.0, 1.0, n) if n != 4 else np.array([0.0, 0.25, 0.5, 0.75])
    if kind == "int":
        return np.cumsum(rng.integers(1, 5, size=n))
    x = np.cumsum(rng.uniform(0.1, 2.0, size=n))
    return x[::-1].copy() if kind == "decreasing" else x


def layout(rng, a):
    kind = rng.choice(["C", "F", "strided", "neg", "T"])
    if kind == "F":
        return np.asfortranarray(a)
    if kind == "strided":
        big = np.repeat(a, 2, axis=0)
        return big[::2]
    if kind == "neg":
        return np.ascontiguousarray(a[::-1])[::-1]
    if kind == "T" and a.ndim > 1:
        return np.ascontiguousarray(a.T).T
    return a


@pytest.mark.parametrize("seed", range(40))
def test_random_library_cases(seed):
    rng = np.random.default_rng(seed)
    for _ in range(25):
        ndim = int(rng.integers(1, 4))
        shape = tuple(int(n) for n in rng.integers(2, 7, size=ndim))
        dt = LIB_DTYPES[int(rng.integers(len(LIB_DTYPES)))]
        f = layout(rng, data(rng, shape, dt))
        edge = int(rng.integers(1, 3))
        if min(shape) < edge + 1:
            edge = 1
        if rng.random() < 0.5:
            axes = None
            ax_list = list(range(ndim))
        else:
            k = int(rng.integers(1, ndim + 1))
            ax_list = [int(a) for a in rng.permutation(ndim)[:k]]
            axes = ax_list[0] if k == 1 and rng.random() < 0.5 else tuple(ax_list)
        mode = rng.choice(["none", "scalar", "per-axis"])
        if mode == "none":
            varargs = ()
        elif mode == "scalar":
            varargs = (float(rng.choice([0.5, 2.0, 0.3, -1.7, 3])),)
        else:
            varargs = tuple(
                float(rng.uniform(0.1, 3)) if rng.random() < 0.4
                else coords(rng, shape[a], rng.choice(["even", "uneven", "decreasing", "int"]))
                for a in ax_list)
        check(f, *varargs, axis=axes, edge_order=edge)


@pytest.mark.parametrize("edge", [1, 2])
def test_golden(edge):
    f = np.array([1, 2, 4, 7, 11, 16], dtype=float)
    x = np.array([0., 1., 1.5, 3.5, 4., 6.])
    got = check(f, x, edge_order=edge)
    want = {1: [1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, 2.5],
            2: [-1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999,
                -1.8999999999999968]}[edge]
    assert got.tolist() == want


# --------------------------------------------------- what numpy accepts, accepted
def test_float32_data_with_float64_step():
    x = np.linspace(0, 1, 11)
    dx = x[1] - x[0]  # numpy float64
    f = np.sin(x).astype(np.float32)
    for e in (1, 2):
        check(f, dx, edge_order=e)


def test_float64_data_with_float32_coordinates():
    rng = np.random.default_rng(1)
    lat = np.cumsum(rng.uniform(0.5, 1.5, 9)).astype(np.float32)
    lon = np.linspace(0, 10, 7, dtype=np.float32)
    f = rng.normal(size=(9, 7))
    for e in (1, 2):
        check(f, lat, lon, edge_order=e)
        check(f.astype(np.float32), lat, lon, edge_order=e)


def test_other_scalar_types():
    f64 = np.arange(8.0) ** 2
    f32 = f64.astype(np.float32)
    for h in (np.float32(0.3), np.float16(0.3), np.int64(3), np.uint8(2), np.float64(0.3),
              np.array(0.3), np.array(0.3, dtype=np.float32), 2**60, True, np.longdouble(0.3)):
        for e in (1, 2):
            check(f64, h, edge_order=e)
            check(f32, h, edge_order=e)
            check(f64.astype(np.complex64), h, edge_order=e)


@pytest.mark.parametrize("dt", [np.float16, np.longdouble, "datetime64[s]", "timedelta64[ms]",
                                np.bool_, ">f8", ">i4", "<f8"])
def test_numpy_dtypes(dt):
    f = (np.arange(10) ** 2).astype(dt)
    check(f)
    check(f, 2.0, edge_order=2)
    check(f, np.cumsum(np.arange(1, 11)) * 1.0)


def test_record_fields():
    rec = np.zeros(7, dtype=[("a", np.int8), ("x", np.float64), ("y", np.float32)])
    rec["x"] = np.arange(7) ** 2
    rec["y"] = np.arange(7) ** 3
    check(rec["x"])
    check(rec["y"], 0.5, edge_order=2)
    packed = np.zeros((4, 5), dtype=np.dtype([("a", "u1"), ("v", "<f8")], align=False))
    packed["v"] = np.arange(20.0).reshape(4, 5) ** 2
    check(packed["v"])


def test_masked_array_and_matrix():
    f = np.ma.masked_array(np.arange(8.0) ** 2, mask=[0, 0, 1, 0, 0, 0, 0, 1])
    got = check(f)
    assert isinstance(got, np.ma.MaskedArray)
    m = np.matrix([[1.0, 2.0, 6.0], [3.0, 4.0, 5.0]])
    got = check(m)
    assert all(isinstance(g, np.matrix) for g in got)


def test_lists_and_ints():
    check([1, 2, 4, 7, 11, 16])
    check([[1, 2, 6], [3, 4, 5]], 2.0, [1.0, 1.5, 3.5])
    check(np.array([5, 4, 3, 2, 1], dtype=np.uint8))


@pytest.mark.parametrize("call", [
    lambda f: (f, 0.0), lambda f: (f, np.nan), lambda f: (f, np.inf),
    lambda f: (f, [0.0, 1.0, 1.0, 2.0, 3.0, 4.0]), lambda f: (f, [0.0, 1.0, 0.5, 2.0, 3.0, 4.0]),
    lambda f: (f[:1],), lambda f: (f, [1.0, 2.0]), lambda f: (f, 1.0, 2.0),
    lambda f: (np.float64(3.0),), lambda f: (f, np.ones((2, 3))),
])
def test_numpy_semantics_where_the_library_refuses(call):
    f = np.arange(6.0) ** 2
    check(*call(f))
    check(*call(f), edge_order=2)


@pytest.mark.parametrize("edge", [0, 3, 1.0, 2.0, True, -1, 1.5])
def test_edge_order_values(edge):
    check(np.arange(6.0) ** 2, edge_order=edge)


def test_axis_errors_and_forms():
    f = np.arange(12.0).reshape(3, 4) ** 2
    for axis in (0, 1, -1, (1, 0), (0, 0), 2, (), [0, 1]):
        check(f, axis=axis)


def test_empty_and_broadcast():
    check(np.empty((3, 0)), axis=0)
    check(np.broadcast_to(np.arange(5.0), (3, 5)))


# --------------------------------------------------- extras
def test_out_and_threads():
    f = np.random.default_rng(2).normal(size=(300, 200))
    want = np.gradient(f, 0.5, edge_order=2)
    outs = (np.empty_like(f), np.empty_like(f))
    got = ndgradient.gradient(f, 0.5, edge_order=2, out=outs, threads=2)
    assert got[0] is outs[0] and got[1] is outs[1]
    assert same_bits(got, want) is None
    for t in (-1, "auto", 1, 3, None, -100):
        assert same_bits(ndgradient.gradient(f, threads=t), np.gradient(f)) is None
    with pytest.raises(ValueError, match="threads = 0"):
        ndgradient.gradient(f, threads=0)
    with pytest.raises(TypeError, match="threads"):
        ndgradient.gradient(f, threads=1.5)
    assert ndgradient.resolve_threads(-1) == ndgradient.resolve_threads("auto") >= 1
    assert ndgradient.resolve_threads(None) == 1
    with pytest.raises(ValueError, match=r"out\[0\] has dtype float32"):
        ndgradient.gradient(f, axis=0, out=np.empty(f.shape, np.float32))
    # numpy computes (float16), the result still goes into out
    h = np.arange(6, dtype=np.float16)
    o = np.empty(6, np.float16)
    assert ndgradient.gradient(h, out=o) is o
    assert same_bits(o, np.gradient(h)) is None


def test_periodic_and_ghost():
    n = 12
    x = np.linspace(0, 2 * np.pi, n, endpoint=False)
    f = np.sin(x + 1)
    h = x[1] - x[0]
    got = ndgradient.gradient(f, h, boundaries="periodic")
    pad = np.gradient(np.concatenate([f[-1:], f, f[:1]]), h)[1:-1]
    assert same_bits(got, pad) is None
    # ghost: a block owning [5, 12) with one halo point
    whole = np.gradient(f, x, edge_order=2)
    part = ndgradient.gradient(f[4:], x[4:], edge_order=2, boundaries=[("ghost", "one_sided")])
    assert same_bits(part, whole[5:]) is None


def message_of(exc_info):
    m = str(exc_info.value)
    for c_word in ("spacing[", "options->", "GRAD_", ".delta", ".coords", "coords_len"):
        assert c_word not in m, m
    return m


def test_errors_in_the_callers_terms():
    f = np.arange(6.0)
    with pytest.raises(ndgradient.GradientError) as e:
        ndgradient.gradient(f, 0.0, boundaries="periodic")
    assert "varargs[0] = 0.0" in message_of(e)
    with pytest.raises(ndgradient.GradientError) as e:
        ndgradient.gradient(f, [0.0, 1.0, 3.0, 2.0, 4.0, 5.0], boundaries="periodic", periods=9.0)
    assert "varargs[0]" in message_of(e) and "monotonic" in str(e.value)
    with pytest.raises(ndgradient.GradientError) as e:
        ndgradient.gradient(f, np.arange(6.0), boundaries="periodic", periods=[2.0])
    assert "periods[0]" in message_of(e)
    with pytest.raises(ValueError) as e:
        ndgradient.gradient(f, boundaries="wrap")
    assert "'wrap'" in message_of(e)
    with pytest.raises(ValueError) as e:
        ndgradient.gradient(f, accuracy=3)
    assert "accuracy = 3" in message_of(e)
    with pytest.raises(TypeError) as e:
        ndgradient.gradient(f.astype(np.float16), boundaries="periodic")
    assert "float16" in message_of(e)
    with pytest.raises(ndgradient.GradientError) as e:
        ndgradient.gradient(f[:2], edge_order=2, boundaries="one_sided")
    assert "edge_order = 2" in message_of(e)


def test_dask_array_goes_to_the_dask_path():
    da = pytest.importorskip("dask.array")
    f = np.arange(20.0) ** 2
    d = da.from_array(f, chunks=5)
    r = ndgradient.gradient(d, 0.5)
    assert isinstance(r, da.Array)
    assert same_bits(r.compute(), np.gradient(f, 0.5)) is None


def test_package():
    import os
    if "site-packages" not in ndgradient.__file__:
        pytest.skip("ndgradient is not an installed package here")
    assert ndgradient.__version__ == ndgradient.version()
    path = ndgradient.library_path()
    assert os.path.dirname(path) == os.path.dirname(ndgradient.__file__) or \
        os.environ.get("GRADIENT_LIB")
    assert os.path.exists(os.path.join(os.path.dirname(ndgradient.__file__), "py.typed"))


def _numpy_nonuniform_1d(f, x, edge_order):
    """numpy.gradient's non-uniform formulas (its code, on float64 arrays),
    applied even where the coordinates are evenly spaced."""
    dx = np.diff(x)
    out = np.empty_like(f)
    dx1, dx2 = dx[:-1], dx[1:]
    a = -(dx2) / (dx1 * (dx1 + dx2))
    b = (dx2 - dx1) / (dx1 * dx2)
    c = dx1 / (dx2 * (dx1 + dx2))
    out[1:-1] = a * f[:-2] + b * f[1:-1] + c * f[2:]
    if edge_order == 1:
        out[0] = (f[1] - f[0]) / dx[0]
        out[-1] = (f[-1] - f[-2]) / dx[-1]
    else:
        d1, d2 = dx[0], dx[1]
        a, b, c = -(2. * d1 + d2) / (d1 * (d1 + d2)), (d1 + d2) / (d1 * d2), \
            -d1 / (d2 * (d1 + d2))
        out[0] = a * f[0] + b * f[1] + c * f[2]
        d1, d2 = dx[-2], dx[-1]
        a, b, c = d2 / (d1 * (d1 + d2)), -(d2 + d1) / (d1 * d2), (2. * d2 + d1) / (d2 * (d1 + d2))
        out[-1] = a * f[-3] + b * f[-2] + c * f[-1]
    return out


@pytest.mark.parametrize("edge_order", [1, 2])
def test_nonuniform_keyword_never_reduces_to_a_step(edge_order):
    if not ndgradient.features()["nonuniform"]:
        pytest.skip("the loaded library has no GRAD_SPACING_NONUNIFORM")
    rng = np.random.default_rng(7)
    f = rng.normal(size=40)
    x = np.arange(40) * 0.1 + 3.0          # not exactly even: numpy's own path
    xe = np.arange(40) * 0.5               # exactly even: numpy reduces it
    for xs in (x, xe):
        got = ndgradient.gradient(f, xs, edge_order=edge_order, nonuniform=True)
        want = _numpy_nonuniform_1d(f, xs, edge_order)
        assert same_bits(got, want) is None
    # without the keyword, evenly spaced coordinates are numpy's step path
    assert same_bits(ndgradient.gradient(f, xe, edge_order=edge_order),
                     np.gradient(f, xe, edge_order=edge_order)) is None
