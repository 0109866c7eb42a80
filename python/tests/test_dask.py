"""ndgradient.dask.gradient against numpy.gradient on the whole array."""

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
import dask  # noqa: E402

import ndgradient  # noqa: E402
import ndgradient.dask as ndd  # noqa: E402
from conftest import same_bits  # noqa: E402

FEATURES = ndgradient.features()
needs_accuracy = pytest.mark.skipif(
    not FEATURES["accuracy"],
    reason="the bundled libgradient has no accuracy orders 4/6/8 (options 0.2, issue 11)")


def random_chunks(rng, n):
    """Irregular chunks, with chunks of 1 and 2 points."""
    out = []
    left = n
    while left:
        c = int(min(left, rng.choice([1, 2, 1, 3, 5, int(rng.integers(1, n + 1))])))
        out.append(c)
        left -= c
    return tuple(out)


def uneven_with_even_slices(rng, n):
    """Coordinates that are not evenly spaced overall but evenly spaced in runs."""
    d = np.full(n - 1, 0.25)
    d[rng.integers(0, n - 1, size=max(1, n // 6))] = 0.5
    if (d == d[0]).all():
        d[-1] = 0.75
    return np.concatenate([[1.0], 1.0 + np.cumsum(d)])


def compare(x, chunks, *varargs, **kw):
    d = da.from_array(x, chunks=chunks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = np.gradient(x, *varargs, **kw)
        got = ndd.gradient(d, *varargs, **kw)
        got = dask.compute(got, scheduler="threads")[0] if isinstance(got, tuple) else \
            got.compute(scheduler="threads")
    why = same_bits(got, want)
    assert why is None, "%s (chunks %s, kw %s)" % (why, chunks, kw)


DTYPES = [np.float64, np.float32, np.complex128, np.complex64, np.int16, np.uint8,
          np.float16, "datetime64[s]"]


@pytest.mark.parametrize("seed", range(30))
def test_random(seed):
    rng = np.random.default_rng(seed)
    ndim = int(rng.integers(1, 4))
    shape = tuple(int(n) for n in rng.integers(3, 14, size=ndim))
    dt = np.dtype(DTYPES[seed % len(DTYPES)])
    v = rng.normal(size=shape) * 100
    if dt.kind == "M":
        x = (v.astype(np.int64) + 10**9).astype(dt)
    elif dt.kind == "c":
        x = (v + 1j * rng.normal(size=shape)).astype(dt)
    else:
        x = (np.abs(v) if dt.kind == "u" else v).astype(dt)
    chunks = tuple(random_chunks(rng, n) for n in shape)
    for edge in (1, 2):
        kinds = rng.choice(["unit", "step", "np64", "np32", "even", "uneven-even", "uneven",
                            "f32coords", "int"], size=ndim)
        varargs = []
        for ax, kind in enumerate(kinds):
            n = shape[ax]
            if kind == "unit":
                varargs.append(1.0)
            elif kind == "step":
                varargs.append(float(rng.uniform(0.1, 3)))
            elif kind == "np64":
                varargs.append(np.float64(rng.uniform(0.1, 3)))
            elif kind == "np32":
                varargs.append(np.float32(rng.uniform(0.1, 3)))
            elif kind == "even":
                varargs.append(np.linspace(0, 3, n))
            elif kind == "uneven-even":
                varargs.append(uneven_with_even_slices(rng, n))
            elif kind == "f32coords":
                varargs.append(uneven_with_even_slices(rng, n).astype(np.float32))
            elif kind == "int":
                varargs.append(np.cumsum(rng.integers(1, 3, size=n)))
            else:
                varargs.append(np.cumsum(rng.uniform(0.1, 2, size=n)))
        compare(x, chunks, *varargs, edge_order=edge)
        compare(x, chunks, edge_order=edge)
        ax = int(rng.integers(ndim))
        compare(x, chunks, varargs[ax], axis=ax, edge_order=edge)
        compare(x, chunks, 0.5, axis=tuple(range(ndim))[::-1], edge_order=edge)


def test_even_slice_of_uneven_axis():
    # dask.array.gradient decides per chunk here and gets other last bits
    x = np.concatenate([[0.0], np.cumsum([0.1] * 9 + [0.3] + [0.1] * 9)])
    f = np.sin(3 * x) * 7.3
    for edge in (1, 2):
        compare(f, 5, x, edge_order=edge)
        compare(f.astype(np.float32), (1, 2, 7, 1, 9), x, edge_order=edge)


def test_chunks_of_one_and_two():
    f = np.arange(10.0) ** 3
    for chunks in ((1,) * 10, (2,) * 5, (1, 2, 1, 2, 1, 2, 1)):
        for edge in (1, 2):
            compare(f, chunks, edge_order=edge)
            compare(f, chunks, np.cumsum(np.arange(1.0, 11.0)), edge_order=edge)
    compare(np.arange(3.0) ** 2, 1, edge_order=2)


def test_numpy_errors():
    d = da.from_array(np.arange(5.0), chunks=2)
    with pytest.raises(ValueError, match="too small"):
        ndd.gradient(d[:2], edge_order=2)
    with pytest.raises(TypeError, match="invalid number of arguments"):
        ndd.gradient(d, 1.0, 2.0)
    with pytest.raises(ValueError, match="greater than 2"):
        ndd.gradient(d, edge_order=3)


def test_meta_no_probe():
    # dask must not call the library on empty probe arrays: meta is given
    d = da.from_array(np.arange(24.0).reshape(4, 6), chunks=(2, 3))
    g = ndd.gradient(d, 2.0, np.cumsum(np.arange(1.0, 7.0)))
    assert isinstance(g, tuple) and len(g) == 2
    assert all(type(r._meta) is np.ndarray and r.dtype == np.float64 for r in g)
    assert g[0].chunks == d.chunks


@pytest.mark.parametrize("edge", [1, 2])
def test_periodic(edge):
    rng = np.random.default_rng(5)
    f = rng.normal(size=(12, 10))
    d = da.from_array(f, chunks=((3, 1, 4, 4), (2, 5, 3)))
    h = 0.7
    for bnd in ("periodic", ["periodic", "one_sided"]):
        want = ndgradient.gradient(f, h, edge_order=edge, boundaries=bnd)
        got = dask.compute(ndd.gradient(d, h, edge_order=edge, boundaries=bnd))[0]
        assert same_bits(got, want) is None
    x = np.cumsum(rng.uniform(0.5, 1.5, size=10))
    want = ndgradient.gradient(f, 1.0, x, edge_order=edge, boundaries="periodic",
                               periods=[None, 20.0])
    got = dask.compute(ndd.gradient(d, 1.0, x, edge_order=edge, boundaries="periodic",
                                    periods=[None, 20.0]))[0]
    assert same_bits(got, want) is None


@needs_accuracy
@pytest.mark.parametrize("acc", [4, 6, 8])
def test_accuracy_orders(acc):
    rng = np.random.default_rng(acc)
    n = 40
    f = rng.normal(size=(n, 9))
    x = uneven_with_even_slices(rng, n)
    for edge in range(1, acc + 1):
        for sp in ((0.3, 1.0), (x, 2.0)):
            want = ndgradient.gradient(f, *sp, edge_order=edge, accuracy=acc)
            d = da.from_array(f, chunks=(random_chunks(rng, n), (1, 8)))
            got = dask.compute(ndd.gradient(d, *sp, edge_order=edge, accuracy=acc))[0]
            assert same_bits(got, want) is None


@pytest.mark.skipif(not FEATURES["nonuniform"],
                    reason="the bundled libgradient has no GRAD_SPACING_NONUNIFORM (issue 11): "
                           "even slices of uneven axes are computed by numpy's formulas instead")
def test_even_slices_go_through_the_library(monkeypatch):
    def refuse(*args, **kw):
        raise AssertionError("numpy's formulas were used for a library dtype")
    monkeypatch.setattr(ndd._Block, "_numpy", refuse)
    x = np.concatenate([[0.0], np.cumsum([0.1] * 9 + [0.3] + [0.1] * 9)])
    f = np.sin(3 * x) * 7.3
    for edge in (1, 2):
        compare(f, 5, x, edge_order=edge)
