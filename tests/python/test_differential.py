#!/usr/bin/env python3
"""Differential test: the `gradient` C ABI against numpy.gradient, bit for bit.

Plain script (not pytest).  Generates random cases from a fixed seed and
compares every output element's raw bits with numpy (numpy >= 2.0), where
NaN matches NaN (any payload / sign) and everything else, including the sign
of zero, must be identical.  Each case is run through the generic
grad_gradient and, for float/complex dtypes, also through the typed entry
point (grad_gradient_f64, ...), each time into freshly allocated outputs
whose backing buffers are filled with a sentinel byte pattern: bytes of the
buffer outside the output views must be untouched, and so must the input.

Usage: test_differential.py [--seed S] [--cases N] [--verbose] [--mutate]
  --mutate   self-check: corrupt every expectation; every case must FAIL.
Last line of output: "N passed, N failed".
"""

import argparse
import ctypes
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
import gradient_ffi as G  # noqa: E402

FLOAT_CODES = [G.GRAD_DTYPE_F64, G.GRAD_DTYPE_F32, G.GRAD_DTYPE_C128, G.GRAD_DTYPE_C64]
INT_CODES = [G.GRAD_DTYPE_I8, G.GRAD_DTYPE_I16, G.GRAD_DTYPE_I32, G.GRAD_DTYPE_I64,
             G.GRAD_DTYPE_U8, G.GRAD_DTYPE_U16, G.GRAD_DTYPE_U32, G.GRAD_DTYPE_U64]
OUT_LAYOUTS = ["C", "F", "strided", "neg", "perm"]
SENTINEL = 0xA5

SPECIALS64 = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 5e-324, -5e-324, 2.2e-310,
              -1.1e-309, 2.2250738585072014e-308, 1.7976931348623157e308,
              -1.7976931348623157e308, 1e300, -1e300, 1.0, -1.0]
SPECIALS32 = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-45, -1e-45, 1e-40,
              -3e-39, 1.1754944e-38, 3.4028235e38, -3.4028235e38, 1e38, -1e38, 1.0, -1.0]


# ------------------------------------------------------------------ data
def gen_reals(rng, n, fdt):
    mode = rng.choice(["normal", "wide", "smooth", "special", "ints", "zeros", "underflow"],
                      p=[.45, .13, .1, .12, .07, .05, .08])
    scale = 10.0 ** rng.uniform(-4, 4)
    if mode == "smooth":
        v = np.cumsum(rng.normal(size=n)) * scale
    elif mode == "wide":
        lo, hi = (-300, 300) if fdt == np.float64 else (-40, 38)
        v = rng.normal(size=n) * 10.0 ** rng.integers(lo, hi, size=n).astype(np.float64)
    elif mode == "ints":
        v = rng.integers(-50, 50, size=n).astype(np.float64)
    elif mode == "zeros":
        v = rng.choice([0.0, -0.0, 1.0, -1.0], size=n)
    elif mode == "underflow":
        # values near the bottom of the range: products/quotients underflow to
        # signed zeros and subnormals (sign-of-zero paths of complex arithmetic)
        lo, hi = (-322, -300) if fdt == np.float64 else (-45, -36)
        v = rng.normal(size=n) * 10.0 ** rng.uniform(lo, hi, size=n)
        m = rng.random(n) < 0.3
        v[m] = rng.normal(size=int(m.sum())) * scale
    else:
        v = rng.normal(size=n) * scale
    if mode in ("special", "wide") or rng.random() < 0.05:
        sp = SPECIALS64 if fdt == np.float64 else SPECIALS32
        m = rng.random(n) < rng.uniform(0.02, 0.3)
        v[m] = np.array(sp)[rng.integers(0, len(sp), size=int(m.sum()))]
    with np.errstate(over="ignore"):
        return v.astype(fdt)


def gen_ints(rng, n, dt):
    info = np.iinfo(dt)
    mode = rng.choice(["full", "small", "extreme"], p=[.45, .3, .25])
    if mode == "full":
        v = rng.integers(info.min, info.max, size=n, dtype=dt, endpoint=True)
    elif mode == "small":
        lo = max(int(info.min), -100)
        v = rng.integers(lo, 100, size=n, endpoint=True).astype(dt)
    else:
        ext = [info.min, info.max, info.min + 1, info.max - 1, 0, 1, info.max // 2,
               info.max // 2 + 1]
        if info.min < 0:
            ext += [-1, info.min // 2]
        v = np.array(ext, dtype=dt)[rng.integers(0, len(ext), size=n)]
        m = rng.random(n) < 0.3
        v[m] = rng.integers(info.min, info.max, size=int(m.sum()), dtype=dt, endpoint=True)
    return v


def gen_values(rng, code, n):
    dt = G.DTYPES[code][0]
    if code in (G.GRAD_DTYPE_F64, G.GRAD_DTYPE_F32):
        return gen_reals(rng, n, dt.type)
    if code in (G.GRAD_DTYPE_C128, G.GRAD_DTYPE_C64):
        part = np.float64 if code == G.GRAD_DTYPE_C128 else np.float32
        out = np.empty(n, dt)
        out.real = gen_reals(rng, n, part)      # assigned separately: no 1j*inf -> nan
        out.imag = gen_reals(rng, n, part)
        return out
    return gen_ints(rng, n, dt.type)


def make_input(rng, code, shape, layout):
    """An ndarray of `shape` with the requested memory layout."""
    ndim = len(shape)
    dt = G.DTYPES[code][0]
    steps = [1] * ndim
    offs = [0] * ndim
    flips = [False] * ndim
    perm = list(range(ndim))
    bcast = [False] * ndim
    maxstep = 3 if ndim <= 3 else 2
    if layout == "F":
        perm = perm[::-1]
    elif layout == "slice":
        steps = [int(rng.integers(1, maxstep + 1)) for _ in range(ndim)]
        offs = [int(rng.integers(0, 2)) for _ in range(ndim)]
    elif layout == "neg":
        flips = [bool(rng.random() < 0.6) for _ in range(ndim)]
        flips[int(rng.integers(0, ndim))] = True
        steps = [int(rng.integers(1, 3)) for _ in range(ndim)]
    elif layout == "perm":
        perm = [int(p) for p in rng.permutation(ndim)]
    elif layout == "bcast":
        bcast = [bool(rng.random() < 0.4) for _ in range(ndim)]
        bcast[int(rng.integers(0, ndim))] = True
    elif layout == "mixed":
        steps = [int(rng.integers(1, maxstep + 1)) for _ in range(ndim)]
        offs = [int(rng.integers(0, 2)) for _ in range(ndim)]
        flips = [bool(rng.random() < 0.4) for _ in range(ndim)]
        perm = [int(p) for p in rng.permutation(ndim)]
        bcast = [bool(rng.random() < 0.2) for _ in range(ndim)]
    big = []
    for i in range(ndim):
        if bcast[i]:
            big.append(1)
        else:
            big.append(offs[i] + steps[i] * max(shape[i] - 1, 0) + (1 if shape[i] > 0 else 0)
                       + int(rng.integers(0, 2)))
    n = int(np.prod(big, dtype=np.int64))
    vals = gen_values(rng, code, n).astype(dt)
    pshape = [big[p] for p in perm]
    base = vals.reshape(pshape).transpose(list(np.argsort(perm)))
    assert list(base.shape) == big
    sl = []
    for i in range(ndim):
        if bcast[i]:
            sl.append(slice(None))
        else:
            sl.append(slice(None, None, -1) if flips[i] else slice(None))
    v = base[tuple(sl)]
    sl = []
    for i in range(ndim):
        if bcast[i]:
            sl.append(slice(None))
        else:
            sl.append(slice(offs[i], offs[i] + steps[i] * shape[i], steps[i]))
    v = v[tuple(sl)]
    if any(bcast):
        if layout == "bcast" and ndim > 1 and rng.random() < 0.3 and bcast[0]:
            v = v[0]          # broadcast_to will prepend the stride-0 leading axis
        v = np.broadcast_to(v, tuple(shape))
    assert v.shape == tuple(shape), (v.shape, shape, layout)
    return v


# --------------------------------------------------------------- spacing
def gen_step(rng):
    r = rng.random()
    if r < 0.3:
        h = float(rng.normal()) * 10.0 ** rng.uniform(-3, 3)
    elif r < 0.55:
        h = float(rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, 0.5, 0.25, 10.0]))
    elif r < 0.8:
        h = float(rng.choice([0.1, 0.3, 0.7, 1.1, 0.01, 1 / 3, 2 / 3, 1e-3, 7.5]))
    elif r < 0.95:
        h = float(10.0 ** rng.uniform(-30, 30))
    else:
        h = float(rng.choice([1e-300, 1e300, 5e-324, 1e-310, 1.7976931348623157e308]))
    if h == 0.0:
        h = 1.5
    if rng.random() < 0.35:
        h = -h
    return h


def gen_coords(rng, n):
    kind = rng.choice(["nonuniform", "uniform_int", "uniform_pow2", "arange_float",
                       "linspace", "one_irregular", "wide"],
                      p=[.35, .15, .1, .1, .1, .1, .1])
    if kind == "nonuniform":
        d = 10.0 ** rng.uniform(-2, 1, size=n - 1)
        x = float(rng.normal() * 10) + np.concatenate([[0.0], np.cumsum(d)])
    elif kind == "uniform_int":
        x0 = float(rng.integers(-20, 20))
        st = float(rng.integers(1, 6))
        x = x0 + st * np.arange(n, dtype=np.float64)
    elif kind == "uniform_pow2":
        st = 2.0 ** int(rng.integers(-6, 6))
        x = st * np.arange(n, dtype=np.float64) + float(rng.integers(-4, 4)) * 0.5
    elif kind == "arange_float":
        st = float(rng.choice([0.1, 0.3, 0.7, 0.01]))
        x = np.array([st * i for i in range(n)], dtype=np.float64)
    elif kind == "linspace":
        x = np.linspace(float(rng.uniform(-5, 5)), float(rng.uniform(6, 20)), n)
    elif kind == "one_irregular":
        x = np.arange(n, dtype=np.float64) * 2.0
        if n >= 3:
            k = int(rng.integers(1, n - 1))
            x[k] += 0.5
    else:
        d = 10.0 ** rng.uniform(-3, 3, size=n - 1)
        x = np.concatenate([[0.0], np.cumsum(d)])
    if rng.random() < 0.35:
        x = x[::-1].copy()          # decreasing coordinates
    assert np.all(np.isfinite(x))
    dx = np.diff(x)
    assert np.all(dx > 0) or np.all(dx < 0), x
    return np.ascontiguousarray(x, dtype=np.float64)


def gen_spacing(rng, shape, sel):
    form = rng.choice(["none", "single_unit", "single_uniform", "per_axis"], p=[.15, .07, .18, .6])
    if form == "none":
        return []
    if form == "single_unit":
        return [G.unit(0.0 if rng.random() < 0.8 else 7.0)]
    if form == "single_uniform":
        return [G.uniform(gen_step(rng))]
    out = []
    for ax in sel:
        r = rng.random()
        if r < 0.15:
            out.append(G.unit())
        elif r < 0.45:
            out.append(G.uniform(gen_step(rng)))
        else:
            out.append(G.coords(gen_coords(rng, shape[ax])))
    return out


# ------------------------------------------------------------------ cases
def gen_case(rng, idx):
    r = rng.random()
    if r < 0.03:
        ndim = int(rng.integers(5, 7))
    else:
        ndim = int(rng.choice([1, 2, 3, 4], p=[.3, .33, .22, .15]))
    code = int(rng.integers(0, 12)) if rng.random() < 0.6 else int(rng.choice(FLOAT_CODES))
    edge = int(rng.integers(1, 3))
    r = rng.random()
    if r < 0.3:
        sel = list(range(ndim))
        axes = None
    else:
        if r < 0.5:
            sel = [int(a) for a in rng.permutation(ndim)]
        else:
            k = int(rng.integers(1, ndim + 1))
            sel = [int(a) for a in rng.choice(ndim, size=k, replace=False)]
        axes = [a - ndim if rng.random() < 0.3 else a for a in sel]
    budget = float(10.0 ** rng.uniform(0.8, 3.4))
    cap = max(edge + 1, int(round(budget ** (1.0 / ndim))))
    shape = []
    for ax in range(ndim):
        if ax in sel:
            if rng.random() < 0.25:
                shape.append(edge + 1)
            else:
                shape.append(int(rng.integers(edge + 1, cap + 1)))
        else:
            rr = rng.random()
            shape.append(1 if rr < 0.15 else int(rng.integers(1, cap + 1)))
    if len(sel) < ndim and rng.random() < 0.12:
        free = [a for a in range(ndim) if a not in sel]
        shape[int(rng.choice(free))] = 0
    layout = str(rng.choice(["C", "F", "slice", "neg", "perm", "bcast", "mixed"],
                            p=[.2, .1, .15, .15, .1, .1, .2]))
    f = make_input(rng, code, shape, layout)
    spacing = gen_spacing(rng, shape, sel)
    naxes = len(sel)
    calls = []
    entries = ["generic"] + (["typed"] if code in FLOAT_CODES else [])
    for entry in entries:
        if rng.random() < 0.2:
            outl = "null"
        elif naxes >= 2 and rng.random() < 0.25:
            outl = interleaved_layout(str(rng.choice(["C", "F"])), rng.permutation(naxes))
        else:
            outl = [str(rng.choice(OUT_LAYOUTS)) for _ in range(naxes)]
        opts = None
        if rng.random() < 0.06:
            opts = dict(threads=int(rng.choice([0, 1, 2, 2, 4])),
                        boundaries=None if rng.random() < 0.5 else [G.GRAD_BOUNDARY_ONE_SIDED] * (2 * naxes),
                        periods=None)
        calls.append((entry, outl, opts, bool(rng.random() < 0.9)))
    null_strides = bool(f.flags.c_contiguous and rng.random() < 0.35)
    return dict(idx=idx, code=code, f=f, layout=layout, axes=axes, sel=sel,
                spacing=spacing, edge=edge, calls=calls, null_strides=null_strides)


def interleaved_layout(order, perm, at16=False):
    """The out layout 'ilvC:2,0,1': ONE buffer holding every output, the
    values of a point side by side (C: g[..., naxes]; F: g(naxes, ...) in
    Fortran order), output k at place perm[k] of a point. at16 ('ilvC16:'):
    the array starts 16 bytes past a 64-byte boundary (as the 'C16' layout
    does), wherever the allocator puts the buffer."""
    return "ilv%s%s:%s" % (order, "16" if at16 else "", ",".join(str(int(p)) for p in perm))


def alloc_interleaved(shape, dtype, outl, pad=3):
    """The outputs of an interleaved layout: (views, buffer, rebuild), where
    rebuild(buffer) is the whole interleaved array (exactly the memory of
    the outputs) inside a buffer with `pad` spare elements at each end."""
    head, places = outl.split(":")
    order, at16 = head[3], head.endswith("16")
    perm = [int(p) for p in places.split(",")]
    dtype = np.dtype(dtype)
    m, n = len(perm), int(np.prod(shape, dtype=np.int64))
    size = (m * n + 2 * pad) * dtype.itemsize
    buf = np.full(size + 64, SENTINEL, dtype=np.uint8)
    skip = (16 - pad * dtype.itemsize - buf.ctypes.data) % 64 if at16 else 0
    buf = buf[skip:skip + size]

    def rebuild(b):
        flat = b.view(dtype)[pad:pad + m * n]
        if order == "C":
            return flat.reshape(tuple(shape) + (m,))
        return flat.reshape((m,) + tuple(shape), order="F")

    whole = rebuild(buf)
    views = [whole[..., p] if order == "C" else whole[p] for p in perm]
    return views, buf, rebuild


def targeted_cases(start):
    """Deterministic cases aimed at corners random data rarely reaches."""
    out = []
    rng = np.random.default_rng(12345)

    def add(code, f, axes, spacing, edge, outl="C", opts=None):
        f = np.asarray(f)
        naxes = f.ndim if axes is None else len(axes)
        if not (outl == "null" or outl.startswith("ilv")):
            outl = [outl] * naxes
        calls = [("generic", outl, opts, True)]
        if code in FLOAT_CODES:
            calls.append(("typed", outl, opts, True))
        out.append(dict(idx=start + len(out), code=code, f=f, layout="targeted", axes=axes,
                        sel=G.normalize_axes(axes, f.ndim) if axes is not None else list(range(f.ndim)),
                        spacing=spacing, edge=edge, calls=calls, null_strides=False))

    # 1. integer extremes: conversion to f64 without wrap-around
    for code in INT_CODES:
        dt = G.DTYPES[code][0]
        info = np.iinfo(dt)
        v = np.array([info.min, info.max, info.min, info.max, 0, info.max, info.max - 1, info.min], dtype=dt)
        for edge in (1, 2):
            for sp in ([], [G.uniform(0.1)], [G.coords(np.array([0., 1., 3., 3.5, 5., 8., 8.25, 9.]))]):
                add(code, v, None, sp, edge)
                add(code, np.stack([v, v[::-1], v[::-2].repeat(2)]), [1], sp, edge, "strided")
    # 2. complex data whose products with the edge coefficients underflow to
    #    signed zeros: 1-D (numpy scalar arithmetic at the edges) vs n-D (ufuncs)
    for code, tiny in ((G.GRAD_DTYPE_C64, 1e-45), (G.GRAD_DTYPE_C128, 5e-324)):
        dt = G.DTYPES[code][0]
        for k in range(8):
            signs = rng.choice([1.0, -1.0], size=6)
            base = np.array([complex(signs[2 * i] * tiny, signs[2 * i + 1] * tiny) for i in range(3)], dtype=dt)
            for h in (1e23, -1e23):
                for edge in (1, 2):
                    add(code, base, None, [G.uniform(h)], edge)
                    add(code, np.stack([base, base[::-1]], 1), [0], [G.uniform(h)], edge)
    # 3. steps that are valid doubles but round to 0 / inf in single precision
    for code in (G.GRAD_DTYPE_F32, G.GRAD_DTYPE_C64):
        dt = G.DTYPES[code][0]
        base = np.array([1 + 2j, -3 + 0.5j, 0j, 4 - 1j, 2 + 2j]).astype(dt) if code == G.GRAD_DTYPE_C64 \
            else np.array([1.0, -3.0, 0.0, 4.0, 2.0], dtype=dt)
        for h in (1e-300, -1e-300, 1e-46, 5e-324, 1e300, -1e39):
            for edge in (1, 2):
                add(code, base, None, [G.uniform(h)], edge)
                add(code, np.stack([base, base * 2]).T.copy(), [0], [G.uniform(h)], edge)
    # 4. larger arrays with threads > 1 (results must not depend on threads)
    for k, (code, shape, layout) in enumerate([
            (G.GRAD_DTYPE_F64, (300, 400), "C"), (G.GRAD_DTYPE_F32, (64, 48, 40), "F"),
            (G.GRAD_DTYPE_C128, (50, 60, 30), "mixed"), (G.GRAD_DTYPE_C64, (200, 300), "neg"),
            (G.GRAD_DTYPE_I32, (40, 30, 20, 10), "perm"), (G.GRAD_DTYPE_U64, (100000,), "slice"),
            (G.GRAD_DTYPE_F64, (3, 200000), "bcast"), (G.GRAD_DTYPE_I8, (300, 3, 300), "C")]):
        f = make_input(rng, code, list(shape), layout)
        ndim = len(shape)
        axes = None if k % 2 == 0 else [-1] + list(range(ndim - 1))
        sel = G.normalize_axes(axes, ndim)
        sp = [] if k % 3 == 0 else [G.coords(gen_coords(rng, shape[a])) if (a + k) % 2 else
                                    G.uniform(gen_step(rng)) for a in sel]
        for threads in (2, 4):
            add(code, f, axes, sp, 1 + k % 2, outl=["C", "strided", "neg", "F"][k % 4],
                opts=dict(threads=threads, boundaries=None, periods=None))
    # 5. one interleaved output (Fortran's g(3, nx, ny, nz), C's g[..][3]):
    #    threads, and arrays large enough for streaming stores
    for k, (code, shape, layout, order, threads) in enumerate([
            (G.GRAD_DTYPE_F64, (60, 50, 40), "F", "F", 2),
            (G.GRAD_DTYPE_F32, (70, 80, 3), "C", "C", 3),
            (G.GRAD_DTYPE_F64, (160, 160, 112), "F", "F", 1),
            (G.GRAD_DTYPE_F64, (300, 250, 40), "C", "C", 2),
            (G.GRAD_DTYPE_F32, (200, 200, 180), "F", "F", 1)]):
        f = make_input(rng, code, list(shape), layout)
        sp = [G.uniform(0.5), G.uniform(gen_step(rng)), G.coords(gen_coords(rng, shape[2]))][:3 - k % 2]
        if k % 2:
            sp = [G.uniform(0.1)] * 3
        perm = [(i + k) % 3 for i in range(3)]
        opts = dict(threads=threads, boundaries=None, periods=None)
        add(code, f, None, sp, 1 + k % 2, outl=interleaved_layout(order, perm), opts=opts)
    # 6. float32 with coordinates on every axis, contiguous, rows a
    #    whole number of 64-byte lines (the loop that takes two rows at a
    #    time), large enough for streaming stores; the outputs 16 bytes past
    #    a 64-byte boundary each (numpy's large arrays), so that the SIMD
    #    loops take the rows (at the one-sided ends too) whatever the
    #    allocator gives
    for k, (shape, layout, threads) in enumerate([
            ((180, 200, 176), "C", 1), ((160, 150, 240), "F", 2), ((2600, 3232), "C", 1),
            ((3200, 2700), "F", 2)]):
        f = make_input(rng, G.GRAD_DTYPE_F32, list(shape), layout)
        # contiguous (make_input may leave a spare element at a dimension's
        # end, and the sweeps take contiguous inputs only)
        f = np.asfortranarray(f) if layout == "F" else np.ascontiguousarray(f)
        sp = [G.coords(np.cumsum(rng.uniform(0.5, 1.5, n))) for n in shape]
        opts = dict(threads=threads, boundaries=None, periods=None)
        for edge in (1, 2):
            add(G.GRAD_DTYPE_F32, f, None, sp, edge, outl=["C16", "F16"][k % 2], opts=opts)
        # and one interleaved output in the input's order, the axes' values
        # in another order than theirs (the loop's own order is a third)
        perm = [(i + 1 + k) % len(shape) for i in range(len(shape))]
        outl = interleaved_layout(layout, perm, at16=True)
        add(G.GRAD_DTYPE_F32, f, None, sp, 1 + k % 2, outl=outl, opts=opts)
    return out


def describe(case, call=None):
    f = case["f"]
    s = ("case #%d dtype=%s shape=%s strides(elems)=%s%s layout=%s axes=%s spacing=%s edge_order=%d"
         % (case["idx"], G.DTYPE_NAMES[case["code"]], list(f.shape), G.elem_strides(f),
            " (passed as NULL)" if case.get("null_strides") else "",
            case["layout"], case["axes"], case["spacing"], case["edge"]))
    if call is not None:
        entry, outl, opts, use_err = call
        s += " entry=%s out_layout=%s options=%s err=%s" % (entry, outl, opts, use_err)
    return s


def fmt(v):
    if isinstance(v, complex) or np.iscomplexobj(v):
        return "(%s, %s)" % (float(np.real(v)).hex(), float(np.imag(v)).hex())
    return float(v).hex()


def first_mismatch(got, exp):
    """Index of the first element whose bits differ (NaN==NaN), or None."""
    if got.shape != exp.shape:
        return "shape"
    if got.size == 0:
        return None
    parts = [(got.real, exp.real), (got.imag, exp.imag)] if got.dtype.kind == "c" else [(got, exp)]
    bad = np.zeros(got.shape, dtype=bool)
    for g, e in parts:
        g = np.ascontiguousarray(g)
        e = np.ascontiguousarray(e)
        u = {4: np.uint32, 8: np.uint64}[g.dtype.itemsize]
        bad |= (g.view(u) != e.view(u)) & ~(np.isnan(g) & np.isnan(e))
    if bad.any():
        return tuple(int(i) for i in np.argwhere(bad)[0])
    return None


def mutate(exp):
    """Self-check: make the expectation wrong in one element."""
    if exp.size == 0:
        return None
    e = exp.copy()
    idx = (0,) * e.ndim
    v = e[idx]
    if e.dtype.kind == "c":
        e[idx] = complex(1.0 if np.real(v) != 1.0 else 2.0, np.imag(v))
    else:
        e[idx] = 1.0 if (np.isnan(v) or v != 1.0) else 2.0
    return e


def run_case(case, mutate_mode=False):
    """Returns a list of failure strings (empty = pass)."""
    f = case["f"]
    code = case["code"]
    odt = G.out_dtype(code)
    failures = []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # numpy's complex products differ with the layout: its contiguous
        # (SIMD, fused multiply-add) loops and its strided scalar loops give
        # opposite signs to some zeros when a product underflows. The library
        # gives the contiguous loops' bits for every layout, so complex
        # inputs are judged against numpy on a contiguous copy.
        fr = np.ascontiguousarray(f) if f.dtype.kind == "c" else f
        ref = G.numpy_reference(fr, case["spacing"], case["axes"], case["edge"])
    ref = [np.asarray(r) for r in ref]
    for r in ref:
        if r.dtype != odt:
            failures.append("%s: numpy returned dtype %s, expected %s" % (describe(case), r.dtype, odt))
            return failures
    expect_empty_status = G.GRAD_STATUS_OK
    if mutate_mode:
        ref2 = [mutate(r) for r in ref]
        if all(r is None for r in ref2):
            expect_empty_status = -1      # cannot corrupt an empty output: demand a wrong status
        else:
            ref = [m if m is not None else r for m, r in zip(ref2, ref)]
    f_before = np.array(f, copy=True, order="C")
    naxes = len(case["sel"])
    for call in case["calls"]:
        entry, outl, opts, use_err = call
        outs, bufs, rebuilds = [], [], []
        if isinstance(outl, str) and outl.startswith("ilv"):
            outs, b, rb = alloc_interleaved(f.shape, odt, outl)
            bufs, rebuilds = [b], [rb]
        else:
            layouts = ["C"] * naxes if outl == "null" else outl
            for lay in layouts:
                o, b, rb = G.alloc_output(f.shape, odt, lay, fill=SENTINEL)
                outs.append(o)
                bufs.append(b)
                rebuilds.append(rb)
        status, err, _ = _call_err(f, case, outs, outl, opts, entry, use_err)
        where = describe(case, call)
        if status != expect_empty_status or (expect_empty_status == -1):
            if expect_empty_status == -1:
                failures.append("%s: [mutate] expected an impossible status" % where)
            else:
                failures.append("%s: status %d (%s) message=%r axis=%s" % (
                    where, status, G.STATUS_NAMES.get(status, "?"),
                    err.text if err is not None else None, err.axis if err is not None else None))
            continue
        if err is not None and err.status != status:
            failures.append("%s: grad_error.status=%d but returned %d" % (where, err.status, status))
        for k, (o, r) in enumerate(zip(outs, ref)):
            m = first_mismatch(o, r)
            if m is not None:
                if m == "shape":
                    failures.append("%s: output %d shape %s vs numpy %s" % (where, k, o.shape, r.shape))
                else:
                    failures.append("%s: output %d (axis %d) first mismatch at %s: numpy=%s lib=%s"
                                    % (where, k, case["sel"][k], list(m), fmt(r[m]), fmt(o[m])))
                break
        # nothing outside the output views may have been written
        for k, (b, rb) in enumerate(zip(bufs, rebuilds)):
            chk = b.copy()
            sentinel_val = np.frombuffer(bytes([SENTINEL]) * odt.itemsize, dtype=odt)[0]
            v = rb(chk)
            if v.size:
                v[...] = sentinel_val
            if not np.all(chk == SENTINEL):
                pos = int(np.argwhere(chk != SENTINEL)[0][0])
                failures.append("%s: output %d wrote outside its view (byte %d of its buffer)"
                                % (where, k, pos))
        if not (np.array_equal(f_before.view(np.uint8), np.ascontiguousarray(f).view(np.uint8))):
            failures.append("%s: input was modified" % where)
    return failures


def _call_err(f, case, outs, outl, opts, entry, use_err=True):
    """Like G.call, but the grad_error is prefilled with garbage so that
    err.status == return value is really checked."""
    keep = []
    code = G.dtype_code(f.dtype)
    shape = G.i64_array(f.shape)
    strides = None if case.get("null_strides") else G.i64_array(G.elem_strides(f))
    axes = case["axes"]
    naxes = f.ndim if axes is None else len(axes)
    axes_arr = None if axes is None else G.i32_array(axes)
    sp = G.spacing_array(case["spacing"], keep) if case["spacing"] else None
    out_ptrs = (ctypes.c_void_p * max(naxes, 1))(*[G.addr(o) for o in outs])
    if outl == "null":
        ostr = None
    else:
        flat = []
        for o in outs:
            flat.extend(G.elem_strides(o))
        ostr = G.i64_array(flat)
    opt = G.make_options(keep=keep, **opts) if opts is not None else None
    e = G.grad_error() if use_err else None
    if e is not None:
        e.status = -12345
        e.axis = -777
        e.message = b"Z" * 255
    status = G.raw_gradient(
        entry, code, G.addr(f), f.ndim, ctypes.addressof(shape),
        None if strides is None else ctypes.addressof(strides),
        naxes, None if axes_arr is None else ctypes.addressof(axes_arr),
        len(case["spacing"]), None if sp is None else ctypes.addressof(sp), case["edge"],
        ctypes.addressof(out_ptrs), None if ostr is None else ctypes.addressof(ostr),
        None if opt is None else ctypes.addressof(opt), None if e is None else ctypes.addressof(e))
    return status, e, outs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--cases", type=int, default=20000)
    ap.add_argument("--verbose", action="store_true", help="print every case before running it")
    ap.add_argument("--mutate", action="store_true", help="self-check: every case must fail")
    ap.add_argument("--max-report", type=int, default=30)
    ap.add_argument("--no-targeted", dest="targeted", action="store_false",
                    help="skip the deterministic targeted cases run after the random ones")
    ap.add_argument("--trace", help="write each case to this file before running it "
                                    "(to identify the case if the library crashes)")
    args = ap.parse_args(argv)

    G.load()
    rng = np.random.default_rng(args.seed)
    passed = failed = 0
    reported = 0
    t0 = time.time()
    stats = {}
    cases = (gen_case(rng, i) for i in range(args.cases))
    if args.targeted:
        import itertools
        cases = itertools.chain(cases, targeted_cases(args.cases))
    for case in cases:
        i = case["idx"]
        if args.verbose:
            print("RUN " + describe(case), flush=True)
        if args.trace:
            with open(args.trace, "w") as tf:
                tf.write(describe(case) + "\n")
        try:
            fails = run_case(case, args.mutate)
        except Exception as ex:  # a bug in the suite or a library crash caught by ctypes
            fails = ["%s: exception %r" % (describe(case), ex)]
        key = G.DTYPE_NAMES[case["code"]]
        stats[key] = stats.get(key, 0) + 1
        if fails:
            failed += 1
            if reported < args.max_report:
                for s in fails[:3]:
                    print("FAIL " + s)
                reported += 1
        else:
            passed += 1
    dt = time.time() - t0
    print("differential: seed=%d cases=%d (+%d targeted) in %.1fs; per dtype: %s" % (
        args.seed, args.cases, passed + failed - args.cases, dt, ", ".join("%s=%d" % kv for kv in sorted(stats.items()))))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
