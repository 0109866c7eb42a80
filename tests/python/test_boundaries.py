#!/usr/bin/env python3
"""Periodic and ghost-cell boundaries against numpy constructions, bit for bit.

* PERIODIC equals numpy on the array padded by one wrapped point per side
  (coordinates padded with x[n-1] - period and x[0] + period; the period is
  signed like the coordinates), with the pad removed.
* GHOST: a block cut at random out of a global array, with one halo point on
  every side that has a neighbour, equals numpy on the whole global array
  restricted to the block's owned region.
* Every boundary error gives GRAD_STATUS_INVALID_OPTIONS (or the status the
  checking order of docs/reference.md puts first) and leaves every output byte untouched.

  python3 tests/python/test_boundaries.py [--cases N] [--seed S]

Ends with one line "N passed, N failed"; exit code 1 on any failure.
"""

import argparse
import sys

import numpy as np

import gradient_ffi as G

ONE, PER, GHO = G.GRAD_BOUNDARY_ONE_SIDED, G.GRAD_BOUNDARY_PERIODIC, G.GRAD_BOUNDARY_GHOST
DTYPES = [np.float64, np.float32, np.complex128, np.complex64, np.int8, np.int16,
          np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


def values(rng, dt, shape):
    dt = np.dtype(dt)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt) * 3
    if dt.kind == "f":
        return (rng.standard_normal(shape) * 10.0 ** int(rng.integers(-3, 4))).astype(dt)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)


def spacing_for(rng, n):
    """A UNIFORM step (Python float) or coordinates not evenly spaced anywhere."""
    if rng.random() < 0.4:
        return float(rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 2.0))
    x = np.cumsum(rng.uniform(0.1, 1.0, n)) + rng.uniform(-5, 5)
    return x[::-1].copy() if rng.random() < 0.25 else x


def layout(rng, a):
    r = rng.random()
    if r < 0.25:
        return np.asfortranarray(a)
    if r < 0.4 and a.ndim >= 1:
        b = np.empty(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)[..., ::2]
        b[...] = a
        return b
    if r < 0.55:
        # a reversed view whose values are a
        b = np.ascontiguousarray(np.flip(a))
        return np.flip(b)
    return np.ascontiguousarray(a)


def same(got, exp):
    if got.shape != exp.shape or got.dtype != exp.dtype:
        return False
    g = np.ascontiguousarray(got)
    e = np.ascontiguousarray(exp)
    if g.dtype.kind == "c":
        g = g.view(g.real.dtype)
        e = e.view(e.real.dtype)
    gb = g.view(np.uint64 if g.itemsize == 8 else np.uint32)
    eb = e.view(np.uint64 if e.itemsize == 8 else np.uint32)
    return bool(np.all((gb == eb) | (np.isnan(g) & np.isnan(e))))


def out_type(f):
    return np.float64 if f.dtype.kind in "iu" else f.dtype


def periodic_case(rng):
    ndim = int(rng.integers(1, 4))
    shape = [int(n) for n in rng.integers(3, 8, size=ndim)]
    dt = DTYPES[int(rng.integers(len(DTYPES)))]
    e = int(rng.integers(1, 3))
    axes = [int(a) for a in rng.permutation(ndim)[: rng.integers(1, ndim + 1)]]
    f = values(rng, dt, shape)
    sp, codes, periods = [], [], []
    for a in axes:
        s = spacing_for(rng, shape[a])
        sp.append(s)
        periodic = rng.random() < 0.7
        codes += [PER, PER] if periodic else [ONE, ONE]
        span = 0.0 if isinstance(s, float) else abs(s[-1] - s[0])
        periods.append(span + float(rng.uniform(0.05, 2.0)))
    # numpy on the padded array
    g, args = f, []
    for k, a in enumerate(axes):
        s = sp[k]
        if codes[2 * k] == PER:
            g = np.concatenate([np.take(g, [-1], axis=a), g, np.take(g, [0], axis=a)], axis=a)
            if not isinstance(s, float):
                p = periods[k] if s[1] > s[0] else -periods[k]
                s = np.concatenate([[s[-1] - p], s, [s[0] + p]])
        args.append(s)
    ref = np.gradient(g, *args, axis=axes, edge_order=e)
    ref = [ref] if len(axes) == 1 else list(ref)
    cut = tuple(slice(1, -1) if a in axes and codes[2 * axes.index(a)] == PER else slice(None)
                for a in range(ndim))
    ref = [r[cut] for r in ref]
    fin = layout(rng, f)
    opts = dict(threads=int(rng.integers(1, 3)), boundaries=codes,
                periods=periods if rng.random() < 0.9 else None)
    if opts["periods"] is None and any(not isinstance(s, float) and codes[2 * k] == PER
                                       for k, s in enumerate(sp)):
        opts["periods"] = periods
    st, err, outs = G.call(fin, sp, axes=axes, edge_order=e,
                           out_layout=rng.choice(["C", "F", "strided", "neg"]), options=opts)
    desc = f"periodic {np.dtype(dt).name} shape={shape} axes={axes} codes={codes} e={e}"
    if st != 0:
        return False, f"{desc}: status {st} {err.text}"
    for k, (o, r) in enumerate(zip(outs, ref)):
        if not same(o, r.astype(out_type(f))):
            return False, f"{desc}: output {k} differs"
    return True, desc


def ghost_case(rng):
    ndim = int(rng.integers(1, 4))
    gshape = [int(n) for n in rng.integers(4, 12, size=ndim)]
    dt = DTYPES[int(rng.integers(len(DTYPES)))]
    e = int(rng.integers(1, 3))
    axes = [int(a) for a in rng.permutation(ndim)[: rng.integers(1, ndim + 1)]]
    F = values(rng, dt, gshape)
    gsp = {a: spacing_for(rng, gshape[a]) for a in axes}
    ref = np.gradient(F, *[gsp[a] for a in axes], axis=axes, edge_order=e)
    ref = [ref] if len(axes) == 1 else list(ref)
    # a random block on every dimension; halos only on differentiated axes
    inp, own, codes = [], [], []
    for d in range(ndim):
        n = gshape[d]
        while True:
            s = int(rng.integers(0, n))
            t = int(rng.integers(s + 1, n + 1))
            if d not in axes:
                break
            lo, hi = s > 0, t < n
            size = (t - s) + lo + hi
            if (lo and hi) or size >= e + 1:
                break
        if d in axes:
            lo, hi = s > 0, t < n
            inp.append(slice(s - lo, t + hi))
        else:
            inp.append(slice(s, t))
        own.append(slice(s, t))
    for a in axes:
        codes += [GHO if own[a].start > 0 else ONE, GHO if own[a].stop < gshape[a] else ONE]
    f = layout(rng, F[tuple(inp)])
    sp = [gsp[a] if isinstance(gsp[a], float) else gsp[a][inp[a]] for a in axes]
    oshape = tuple(sl.stop - sl.start for sl in own)
    lay = rng.choice(["C", "F", "strided", "neg"])
    outs = [G.alloc_output(oshape, out_type(F), lay)[0] for _ in axes]
    st, err, outs = G.call(f, sp, axes=axes, edge_order=e, outs=outs,
                           options=dict(threads=int(rng.integers(1, 3)), boundaries=codes))
    desc = (f"ghost {np.dtype(dt).name} global={gshape} block={[(s.start, s.stop) for s in own]} "
            f"axes={axes} codes={codes} e={e}")
    if st != 0:
        return False, f"{desc}: status {st} {err.text}"
    for k, (o, r) in enumerate(zip(outs, ref)):
        if not same(o, r[tuple(own)].astype(out_type(F))):
            return False, f"{desc}: output {k} differs"
    return True, desc


def error_cases():
    """(description, kwargs for G.call, expected status)."""
    f = np.arange(12.0).reshape(3, 4) ** 2
    x4 = np.array([0.0, 1.0, 2.5, 3.0])
    IO = G.GRAD_STATUS_INVALID_OPTIONS
    yield "unknown boundary code", dict(options=dict(boundaries=[ONE, 3, ONE, ONE])), IO
    yield "negative boundary code", dict(options=dict(boundaries=[-1, ONE, ONE, ONE])), IO
    yield "PERIODIC on the low side only", dict(options=dict(boundaries=[PER, ONE, ONE, ONE])), IO
    yield "PERIODIC on the high side only", dict(options=dict(boundaries=[ONE, ONE, GHO, PER])), IO
    yield "PERIODIC coordinates, periods NULL", dict(
        spacing=[None, x4], options=dict(boundaries=[ONE, ONE, PER, PER])), IO
    for p in (0.0, -4.0, 3.0, 2.9, float("nan"), float("inf")):
        yield f"PERIODIC coordinates, period {p}", dict(
            spacing=[None, x4], options=dict(boundaries=[ONE, ONE, PER, PER], periods=[1.0, p])), IO
    yield "PERIODIC period barely above the span", dict(
        spacing=[None, np.array([0.0, 1.0, 2.5, 1e17])],
        options=dict(boundaries=[ONE, ONE, PER, PER], periods=[1.0, 1e17 + 2.0])), IO
    yield "GHOST both sides, 2 points", dict(
        f=np.ones((3, 2)), axes=[1], options=dict(boundaries=[GHO, GHO])), IO
    yield "GHOST + ONE_SIDED, too short for edge_order 2", dict(
        f=np.ones((3, 2)), axes=[1], edge_order=2, options=dict(boundaries=[GHO, ONE])), IO
    yield "edge_order beats options", dict(edge_order=3, options=dict(boundaries=[PER, ONE, ONE, ONE])), \
        G.GRAD_STATUS_INVALID_EDGE_ORDER
    yield "options beat shape too small", dict(
        f=np.ones((3, 2)), edge_order=2, options=dict(boundaries=[ONE, ONE, 9, ONE])), IO


def run_errors():
    passed = failed = 0
    for desc, kw, want in error_cases():
        f = kw.pop("f", np.arange(12.0).reshape(3, 4) ** 2)
        axes = kw.pop("axes", None)
        naxes = f.ndim if axes is None else len(axes)
        outs = [G.alloc_output(f.shape, np.float64, "C")[0] for _ in range(naxes)]
        before = [o.copy() for o in outs]
        st, err, outs = G.call(f, kw.pop("spacing", ()), axes=axes, outs=outs, **kw)
        ok = (st == want and err.status == st and err.text
              and all(np.array_equal(a.view(np.uint8), b.view(np.uint8)) for a, b in zip(outs, before)))
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL error case {desc}: status {st} (want {want}) message {err.text!r}")
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    G.load()
    rng = np.random.default_rng(args.seed)
    passed = failed = 0
    for i in range(args.cases):
        ok, desc = (periodic_case if i % 2 == 0 else ghost_case)(rng)
        if ok:
            passed += 1
        else:
            failed += 1
            if failed <= 10:
                print(f"FAIL case {i}: {desc}")
    p, q = run_errors()
    print(f"  boundaries: {args.cases} generated cases, {p + q} error cases")
    print(f"{passed + p} passed, {failed + q} failed")
    return 1 if failed + q else 0


if __name__ == "__main__":
    sys.exit(main())
