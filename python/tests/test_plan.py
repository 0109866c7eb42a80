"""ndgradient.plan: bit for bit ndgradient.gradient, copies its arguments, frees itself."""

import gc
import threading

import numpy as np
import pytest

import ndgradient


def _same(a, b):
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
        return
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.int32, np.uint8])
@pytest.mark.parametrize("edge_order", [1, 2])
def test_plan_equals_gradient(dtype, edge_order):
    rng = np.random.default_rng(7)
    shape = (5, 7, 6)
    x = np.cumsum(rng.uniform(0.1, 1.0, 7))
    for varargs, axis in [((), None), ((0.5,), None), ((x,), 1), ((2.0, x), (0, 1)),
                          ((x, 3.0), (-2, 2))]:
        p = ndgradient.plan(shape, dtype, *varargs, axis=axis, edge_order=edge_order)
        for _ in range(3):
            f = (rng.standard_normal(shape) * 50).astype(dtype)
            _same(p(f), ndgradient.gradient(f, *varargs, axis=axis, edge_order=edge_order))


def test_plan_extras_and_out():
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.uniform(0.1, 1.0, 12))
    kw = dict(accuracy=6, edge_order=3)
    p = ndgradient.plan((12,), np.float64, x, **kw)
    f = rng.standard_normal(12)
    out = np.empty(12)
    assert p(f, out=[out]) is out
    _same(out, ndgradient.gradient(f, x, **kw))
    g = ndgradient.plan((9, 8), np.float64, boundaries="periodic", axis=0)
    f = rng.standard_normal((9, 8))
    _same(g(f), ndgradient.gradient(f, boundaries="periodic", axis=0))


def test_plan_copies_coordinates_and_threads_share_it():
    x = np.cumsum(np.linspace(0.2, 1.0, 10))
    want_x = x.copy()
    p = ndgradient.plan((4, 10), np.float64, x, axis=1)
    x[:] = np.nan
    del x
    gc.collect()
    rng = np.random.default_rng(1)
    fs = [rng.standard_normal((4, 10)) for _ in range(8)]
    want = [ndgradient.gradient(f, want_x, axis=1) for f in fs]
    got = [None] * 8

    def work(i):
        for _ in range(200):
            got[i] = p(fs[i])

    ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for g, w in zip(got, want):
        _same(g, w)


def test_plan_errors():
    with pytest.raises(ndgradient.GradientError):
        ndgradient.plan((1,), np.float64)  # too short for edge_order 1
    p = ndgradient.plan((5,), np.float64)
    with pytest.raises(ValueError):
        p(np.zeros(6))
    with pytest.raises(ValueError):
        p(np.zeros(5, dtype=np.float32))
    f = np.arange(5.0)
    with pytest.raises(ndgradient.GradientError) as e:
        p(f, out=[f])  # the output is the input
    assert e.value.name == "OVERLAP"
    assert (f == np.arange(5.0)).all()
    p.close()
    with pytest.raises(ValueError):
        p(f)


def test_plan_frees_itself():
    import weakref
    p = ndgradient.plan((5,), np.float64)
    fin = p._finalizer
    assert fin.alive
    del p
    gc.collect()
    assert not fin.alive
    r = weakref.ref(ndgradient.plan((5,), np.float64))
    gc.collect()
    assert r() is None
