#!/usr/bin/env python3
"""Accuracy orders p = 4, 6, 8, options growth and GRAD_SPACING_NONUNIFORM.

Checked against independent models (tests/python/accuracy_model.py: exact
rational Fornberg weights, the uniform-step arithmetic in numpy scalars of
the working precision, numpy's non-uniform formulas) and against findiff:

* uniform steps (UNIT, UNIFORM, evenly spaced coordinates): bit-identical to
  the model for every dtype, axis, layout, edge_order q = 1..p, and with
  PERIODIC (w = p/2 wrapped points per side) and GHOST (w halo points) ends;
* coordinates (uneven, decreasing, periodic with a period): within
  1e-12 * sum_j |w_j f[s+j]| of the exact result (plus half an ulp of a
  float32 output); NONUNIFORM equals COORDINATES there;
* polynomials of degree <= q are differentiated exactly (to rounding);
* reversing an axis negates the result bit for bit; constants give 0;
* findiff (installed with pip if missing) agrees at interior points and at
  the two end points for q = p;
* options growth: the 0.1 struct (24 bytes), 28, 32, 40 bytes with a zero
  tail; a nonzero tail, size 4097 and size 16 refused; nothing written on
  any failure;
* every new bad input refused with nothing written;
* NONUNIFORM at p = 2 is numpy's non-uniform formulas at every point, even
  on evenly spaced coordinates, and ghost blocks whose own slice is evenly
  spaced reassemble the global result bit for bit;
* measured convergence orders (docs/figures/accuracy.py) within 0.3 of p.

  python3 tests/python/test_accuracy.py [--cases N] [--seed S] [--mutate]

Ends with one line "N passed, N failed"; exit code 1 on any failure.
--mutate corrupts every expectation, so every case must fail.
"""

import argparse
import os
import re
import subprocess
import sys
import traceback
from fractions import Fraction

import numpy as np

import accuracy_model as M
import gradient_ffi as G

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ONE, PER, GHO = G.GRAD_BOUNDARY_ONE_SIDED, G.GRAD_BOUNDARY_PERIODIC, G.GRAD_BOUNDARY_GHOST
IO = G.GRAD_STATUS_INVALID_OPTIONS
DTYPES = [np.float64, np.float32, np.complex128, np.complex64, np.int8, np.int16,
          np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
PS = (4, 6, 8)
MUTATE = False


# ------------------------------------------------------------------ helpers
def values(rng, dt, shape):
    dt = np.dtype(dt)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt) * 3
    if dt.kind == "f":
        return (rng.standard_normal(shape) * 10.0 ** int(rng.integers(-3, 4))).astype(dt)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)


def layout(rng, a):
    r = rng.random()
    if r < 0.25:
        return np.asfortranarray(a)
    if r < 0.4:
        b = np.empty(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)[..., ::2]
        b[...] = a
        return b
    if r < 0.55:
        return np.flip(np.ascontiguousarray(np.flip(a)))
    return np.ascontiguousarray(a)


def bits(a):
    a = np.ascontiguousarray(a)
    if a.dtype.kind == "c":
        a = a.view(a.real.dtype)
    return a.view(np.uint64 if a.itemsize == 8 else np.uint32)


def same(got, exp):
    """Bit for bit (NaNs equal to NaNs)."""
    got, exp = np.asarray(got), np.asarray(exp)
    if got.shape != exp.shape or got.dtype != exp.dtype:
        return False
    if MUTATE:
        return False
    g, e = bits(got), bits(exp)
    gf = np.ascontiguousarray(got)
    ef = np.ascontiguousarray(exp)
    if gf.dtype.kind == "c":
        gf, ef = gf.view(gf.real.dtype), ef.view(ef.real.dtype)
    return bool(np.all((g == e) | (np.isnan(gf) & np.isnan(ef))))


def first_diff(got, exp):
    g = np.ascontiguousarray(got).ravel()
    e = np.ascontiguousarray(exp).ravel()
    for k in range(g.size):
        if bits(g[k:k + 1]).tobytes() != bits(e[k:k + 1]).tobytes():
            idx = np.unravel_index(k, np.shape(got))
            return "first difference at %s: got %r expected %r" % (tuple(int(i) for i in idx),
                                                                    g[k], e[k])
    return "shape/dtype %s %s vs %s %s" % (np.shape(got), np.asarray(got).dtype,
                                             np.shape(exp), np.asarray(exp).dtype)


def out_type(dt):
    return M.output_dtype(dt)


def step_spacing(rng, n):
    """('unit'|'uniform'|'evencoords', Spacing, h, is_step)."""
    r = rng.random()
    if r < 0.25:
        return "UNIT", G.unit(), 1.0, True
    if r < 0.65:
        h = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.05, 3.0))
        return "UNIFORM(%r)" % h, G.uniform(h), h, True
    # evenly spaced coordinates: dyadic start and step, so every difference is exact
    h = float(rng.choice([-1.0, 1.0]) * rng.choice([0.125, 0.25, 0.5, 0.75, 1.5, 3.0]))
    x0 = float(rng.integers(-64, 64)) / 8
    x = x0 + h * np.arange(n, dtype=np.float64)
    assert M.evenly_spaced(x)
    return "EVEN_COORDS(h=%r)" % h, G.coords(x), h, False


def uneven(rng, n, decreasing=None):
    x = np.cumsum(rng.uniform(0.05, 1.0, n)) + rng.uniform(-5, 5)
    if decreasing is None:
        decreasing = rng.random() < 0.3
    return x[::-1].copy() if decreasing else x


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def add(self, ok, desc):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL", desc, flush=True)

    def run(self, fn, *args):
        """fn yields (ok, desc) pairs; an exception is one failure."""
        try:
            for ok, desc in fn(*args):
                self.add(ok, desc)
        except Exception:
            self.add(False, "%s raised:\n%s" % (fn.__name__, traceback.format_exc()))


def lib_call(f, sp, axes, q, p, boundaries=None, periods=None, threads=1, outs=None, lay="C"):
    opts = dict(threads=threads, accuracy=p)
    if boundaries is not None:
        opts["boundaries"] = boundaries
    if periods is not None:
        opts["periods"] = periods
    return G.call(f, sp, axes=axes, edge_order=q, options=opts, outs=outs, out_layout=lay)


# ---------------------------------------------------------------- sections
def model_checks():
    for name, ok, detail in M.self_check():
        yield ok and not MUTATE, "model self-check: %s %s" % (name, detail)


def uniform_one_sided(rng, cases):
    """Uniform steps, ONE_SIDED ends: bit-identical to the model."""
    for _ in range(cases):
        p = int(rng.choice(PS))
        q = int(rng.integers(1, p + 1))
        ndim = int(rng.integers(1, 4))
        shape = [int(rng.integers(1, 4)) for _ in range(ndim)]
        axes = [int(a) for a in rng.permutation(ndim)[: rng.integers(1, ndim + 1)]]
        for a in axes:
            shape[a] = int(rng.integers(p + 1, p + 14))
        dt = DTYPES[int(rng.integers(len(DTYPES)))]
        f = values(rng, dt, shape)
        sps, descs, exp = [], [], []
        for a in axes:
            d, s, h, is_step = step_spacing(rng, shape[a])
            sps.append(s)
            descs.append(d)
            exp.append(M.model_uniform(f, a, p, q, h, step=is_step))
        neg_axes = [a - ndim if rng.random() < 0.3 else a for a in axes]
        lay = str(rng.choice(["C", "F", "strided", "neg"]))
        st, err, outs = lib_call(layout(rng, f), sps, neg_axes, q, p,
                                 threads=int(rng.integers(1, 3)), lay=lay)
        desc = "uniform %s shape=%s axes=%s p=%d q=%d %s" % (np.dtype(dt).name, shape, neg_axes,
                                                             p, q, descs)
        if st != 0:
            yield False, "%s: status %d %s" % (desc, st, err.text)
            continue
        for k, (o, e) in enumerate(zip(outs, exp)):
            ok = same(o, e)
            yield ok, "%s output %d%s" % (desc, k, "" if ok else ": " + first_diff(o, e))


def uniform_periodic(rng, cases):
    """PERIODIC with a uniform step: the model on the array padded by w
    wrapped points per side; and the library on that padded array (ONE_SIDED)
    gives the same bits."""
    for _ in range(cases):
        p = int(rng.choice(PS))
        w = p // 2
        q = int(rng.integers(1, p + 1))
        ndim = int(rng.integers(1, 3))
        shape = [int(rng.integers(p + 1, p + 8)) for _ in range(ndim)]
        axes = [int(a) for a in rng.permutation(ndim)[: rng.integers(1, ndim + 1)]]
        dt = DTYPES[int(rng.integers(len(DTYPES)))]
        f = values(rng, dt, shape)
        codes, steps, sps = [], [], []
        g = f
        for a in axes:
            kind, s, h, is_step = step_spacing(rng, shape[a])
            if not is_step:
                s, kind = G.uniform(h), "UNIFORM(%r)" % h
            sps.append(s)
            steps.append(h)
            per = rng.random() < 0.75
            codes += [PER, PER] if per else [ONE, ONE]
            if per:
                idx = list(range(shape[a] - w, shape[a])) + list(range(shape[a])) + list(range(w))
                g = np.take(g, idx, axis=a)
        cut = tuple(slice(w, -w) if a in axes and codes[2 * axes.index(a)] == PER else slice(None)
                    for a in range(ndim))
        exp = [M.model_uniform(g, a, p, q, steps[k], step=True)[cut] for k, a in enumerate(axes)]
        st, err, outs = lib_call(layout(rng, f), sps, axes, q, p, boundaries=codes,
                                 threads=int(rng.integers(1, 3)),
                                 lay=str(rng.choice(["C", "F", "strided", "neg"])))
        desc = "periodic %s shape=%s axes=%s codes=%s p=%d q=%d" % (np.dtype(dt).name, shape,
                                                                   axes, codes, p, q)
        if st != 0:
            yield False, "%s: status %d %s" % (desc, st, err.text)
            continue
        st2, err2, pad = lib_call(g, sps, axes, q, p)
        for k, (o, e) in enumerate(zip(outs, exp)):
            ok = same(o, e)
            yield ok, "%s output %d vs model%s" % (desc, k, "" if ok else ": " + first_diff(o, e))
            ok = st2 == 0 and same(o, pad[k][cut])
            yield ok, "%s output %d vs the library on the padded array%s" % (
                desc, k, "" if ok else ": " + (err2.text if st2 else first_diff(o, pad[k][cut])))


def ghost_blocks(rng, cases, coords_kind):
    """A block with w halo points at each cut equals the global result (the
    model for uniform steps, the library's global call for coordinates)."""
    for _ in range(cases):
        p = int(rng.choice(PS))
        w = p // 2
        q = int(rng.integers(1, p + 1))
        ndim = int(rng.integers(1, 4))
        axes = [int(a) for a in rng.permutation(ndim)[: rng.integers(1, ndim + 1)]]
        gshape = [int(rng.integers(2, 6)) for _ in range(ndim)]
        for a in axes:
            gshape[a] = int(rng.integers(p + 2, 3 * p + 4))
        dt = DTYPES[int(rng.integers(len(DTYPES)))]
        F = values(rng, dt, gshape)
        gsp, exp = {}, None
        if coords_kind is None:
            hs = {}
            for a in axes:
                kind, s, h, is_step = step_spacing(rng, gshape[a])
                gsp[a], hs[a] = (s.coords if s.coords is not None else h), (h, is_step)
            exp = [M.model_uniform(F, a, p, q, hs[a][0], step=hs[a][1]) for a in axes]
        else:
            for a in axes:
                gsp[a] = uneven(rng, gshape[a])
        mk = (lambda v: G.nonuniform(v) if coords_kind == "NONUNIFORM" and np.ndim(v) else
              (G.coords(v) if np.ndim(v) else G.uniform(v)))
        if exp is None:
            st, err, exp = lib_call(F, [mk(gsp[a]) for a in axes], axes, q, p)
            if st != 0:
                yield False, "ghost: global call failed: %s" % err.text
                continue
        inp, own, side = [], [], {}
        for d in range(ndim):
            n = gshape[d]
            if d not in axes:
                s = int(rng.integers(0, n))
                t = int(rng.integers(s + 1, n + 1))
                inp.append(slice(s, t))
                own.append(slice(s, t))
                continue
            while True:
                s = 0 if rng.random() < 0.3 else int(rng.integers(w, n - w))
                t = n if rng.random() < 0.3 else int(rng.integers(s + 1, n - w + 1))
                if s >= t:
                    continue
                lo, hi = s > 0, t < n
                if s > 0 and s < w or (t < n and t > n - w):
                    continue
                if (t - s) + w * (lo + hi) >= p + 1:
                    break
            inp.append(slice(s - w * lo, t + w * hi))
            own.append(slice(s, t))
            side[d] = [GHO if lo else ONE, GHO if hi else ONE]
        codes = [c for a in axes for c in side[a]]   # lo, hi for axes[k], in axes order
        f = layout(rng, F[tuple(inp)])
        sp = [mk(gsp[a][inp[a]] if np.ndim(gsp[a]) else gsp[a]) for a in axes]
        oshape = tuple(sl.stop - sl.start for sl in own)
        lay = str(rng.choice(["C", "F", "strided", "neg"]))
        outs = [G.alloc_output(oshape, out_type(dt), lay)[0] for _ in axes]
        st, err, outs = lib_call(f, sp, axes, q, p, boundaries=codes, outs=outs,
                                 threads=int(rng.integers(1, 3)))
        desc = ("ghost(%s) %s global=%s block=%s axes=%s codes=%s p=%d q=%d"
                % (coords_kind or "steps", np.dtype(dt).name, gshape,
                   [(s.start, s.stop) for s in own], axes, codes, p, q))
        if st != 0:
            yield False, "%s: status %d %s" % (desc, st, err.text)
            continue
        for k, (o, e) in enumerate(zip(outs, exp)):
            ok = same(o, e[tuple(own)])
            yield ok, "%s output %d%s" % (desc, k, "" if ok else ": " + first_diff(o, e[tuple(own)]))


def coordinates(rng, cases):
    """Uneven (and decreasing) coordinates, COORDINATES and NONUNIFORM, with
    ONE_SIDED or PERIODIC ends: within the contract of the exact result."""
    for _ in range(cases):
        p = int(rng.choice(PS))
        w = p // 2
        q = int(rng.integers(1, p + 1))
        n = int(rng.integers(p + 1, p + 10))
        m = int(rng.integers(1, 4))
        axis = int(rng.integers(0, 2))
        shape = (n, m) if axis == 0 else (m, n)
        dt = DTYPES[int(rng.integers(len(DTYPES)))]
        f = values(rng, dt, shape)
        x = uneven(rng, n)
        periodic = rng.random() < 0.35
        desc = "coords %s shape=%s axis=%d p=%d q=%d %s%s" % (
            np.dtype(dt).name, shape, axis, p, q, "decreasing" if x[0] > x[-1] else "increasing",
            " PERIODIC" if periodic else "")
        if periodic:
            span = abs(x[-1] - x[0])
            period = span + float(rng.uniform(0.05, 1.5))
            sgn = period if x[1] > x[0] else -period
            xp = np.concatenate([x[n - w:] - sgn, x, x[:w] + sgn])
            fp = np.take(f, list(range(n - w, n)) + list(range(n)) + list(range(w)), axis=axis)
            st, err, outs = lib_call(layout(rng, f), [G.coords(x)], [axis], q, p,
                                     boundaries=[PER, PER], periods=[period])
            st2, err2, outs2 = lib_call(f, [G.nonuniform(x)], [axis], q, p,
                                        boundaries=[PER, PER], periods=[period])
        else:
            st, err, outs = lib_call(layout(rng, f), [G.coords(x)], [axis], q, p)
            st2, err2, outs2 = lib_call(f, [G.nonuniform(x)], [axis], q, p)
        if st != 0 or st2 != 0:
            yield False, "%s: status %d %s / NONUNIFORM %d %s" % (desc, st, err.text, st2, err2.text)
            continue
        if periodic:
            # the exact result on the padded coordinates, pad removed
            ax = M.ExactAxis(xp, p, q)
            ok_all, worst, msg = True, 0.0, ""
            g = np.moveaxis(outs[0], axis, 0)
            F = np.moveaxis(fp, axis, 0)
            parts = [(g.real, F.real), (g.imag, F.imag)] if g.dtype.kind == "c" else [(g, F)]
            for gp, fpp in parts:
                ulp = float(np.finfo(gp.dtype).eps) / 2
                for c in range(gp.shape[1]):
                    vals, scales = ax.lane(list(fpp[:, c]))
                    for i in range(n):
                        e, sc = vals[i + w], scales[i + w]
                        err_ = abs(Fraction(float(gp[i, c])) - e)
                        r = float(err_) / (1e-12 * sc + ulp * abs(float(e)) + 1e-300)
                        if r > worst:
                            worst, msg = r, "point %d: got %r exact %r" % (i, float(gp[i, c]), float(e))
            ok = worst <= 1.0 and not MUTATE
        else:
            ok, worst, msg = M.check_coords(outs[0], f, x, axis, p, q)
            ok = ok and not MUTATE
        yield ok, "%s: within 1e-12*sum|w f| of exact (worst %.3g of the bound)%s" % (
            desc, worst, "" if ok else ": " + msg)
        ok = same(outs2[0], outs[0])
        yield ok, "%s: NONUNIFORM == COORDINATES%s" % (desc, "" if ok else ": " + first_diff(outs2[0], outs[0]))


def polynomials(rng, cases):
    """Degree <= q polynomials on random uneven grids (and a uniform step):
    exact derivative to rounding."""
    for _ in range(cases):
        p = int(rng.choice(PS))
        q = int(rng.integers(1, p + 1))
        n = int(rng.integers(p + 1, p + 12))
        coef = [Fraction(int(c), 8) for c in rng.integers(-16, 17, q + 1)]
        uni = rng.random() < 0.3
        if uni:
            h = float(rng.choice([0.25, 0.5, -0.5, 1.0, 0.1, 0.3]))
            x = h * np.arange(n) + 1.0
            sp = G.uniform(h)
        else:
            x = uneven(rng, n)
            sp = G.coords(x) if rng.random() < 0.5 else G.nonuniform(x)

        def P(t):
            return sum(c * t ** k for k, c in enumerate(coef))

        def dP(t):
            return sum(k * c * t ** (k - 1) for k, c in enumerate(coef) if k)

        xs = [Fraction(float(v)) for v in x]
        f = np.array([float(P(t)) for t in xs])
        st, err, outs = lib_call(f, [sp], None, q, p)
        desc = "polynomial degree %d p=%d q=%d n=%d %r" % (q, p, q, n, sp)
        if st != 0:
            yield False, "%s: status %d %s" % (desc, st, err.text)
            continue
        ax = M.ExactAxis(x, p, q)
        vals, scales = ax.lane(list(f))
        worst, msg = 0.0, ""
        for i in range(n):
            e = dP(xs[i])
            bound = 2e-12 * scales[i] + 1e-300
            r = float(abs(Fraction(float(outs[0][i])) - e)) / bound
            if r > worst:
                worst, msg = r, "point %d: got %r exact %r" % (i, float(outs[0][i]), float(e))
        yield worst <= 1.0 and not MUTATE, "%s: worst %.3g of 2e-12*sum|w f|%s" % (
            desc, worst, "" if worst <= 1 else ": " + msg)


def reversal_and_constants(rng, cases):
    for _ in range(cases):
        p = int(rng.choice(PS))
        q = int(rng.integers(1, p + 1))
        n = int(rng.integers(p + 1, p + 10))
        dt = [np.float64, np.float32, np.complex128, np.complex64][int(rng.integers(4))]
        f = values(rng, dt, (n, 3))
        kind, sp, h, is_step = step_spacing(rng, n)
        if not is_step:
            sp = G.uniform(h)
        st, err, a = lib_call(f, [sp], [0], q, p)
        st2, err2, b = lib_call(f[::-1], [sp], [0], q, p)
        desc = "reversal %s n=%d p=%d q=%d h=%r" % (np.dtype(dt).name, n, p, q, h)
        if st or st2:
            yield False, "%s: status %d/%d" % (desc, st, st2)
            continue
        ok = same(b[0], -a[0][::-1])
        yield ok, "%s: reversed input gives the negated reversed result%s" % (
            desc, "" if ok else ": " + first_diff(b[0], -a[0][::-1]))
        # constants: interior points are exactly 0 for any constant; with few
        # significant bits (every product and sum exact) every point is 0
        w = p // 2
        c = values(rng, dt, (1, 3))
        fc = np.repeat(c, n, axis=0)
        st, err, oc = lib_call(fc, [sp], [0], q, p)
        ok = st == 0 and not MUTATE and bool(np.all(oc[0][w:n - w] == 0))
        yield ok, "%s: a constant has interior derivative exactly 0" % desc
        small = np.repeat(rng.integers(-64, 65, (1, 3)).astype(dt), n, axis=0)
        st, err, os_ = lib_call(small, [sp], [0], q, p)
        ok = st == 0 and not MUTATE and bool(np.all(os_[0] == 0))
        yield ok, "%s: a small-integer constant has derivative exactly 0 everywhere%s" % (
            desc, "" if ok else ": %r" % (os_[0],))
        exp = M.model_uniform(fc, 0, p, q, h, step=True)
        ok = st == 0 and same(oc[0], exp)
        yield ok, "%s: a general constant near the ends equals the model (not always 0)" % desc


def findiff_agreement():
    """findiff (Diff with set_accuracy(p)) against the library: interior
    points and the two end points for q = p, to 1e-12 relative (to the
    larger of the result and max|f|/h)."""
    try:
        import findiff  # noqa: F401
    except ImportError:
        rc = subprocess.call([sys.executable, "-m", "pip", "install", "--quiet",
                              "--disable-pip-version-check", "findiff"])
        if rc != 0:
            subprocess.call([sys.executable, "-m", "pip", "install", "--quiet",
                             "--disable-pip-version-check", "--break-system-packages", "findiff"])
    import warnings
    warnings.filterwarnings("ignore")
    from findiff import Diff
    for p in PS:
        w = p // 2
        # findiff 0.16 needs 6, 9, 12 points for acc 4, 6, 8
        for n, h in ((3 * p // 2, 0.3), (2 * p + 3, 0.05), (40, 0.01)):
            x = 0.2 + h * np.arange(n)
            f = np.sin(3 * x) + np.exp(0.5 * x) + x ** 2
            d = Diff(0, h)
            d.set_accuracy(p)
            ref = d(f)
            st, err, outs = lib_call(f, [G.uniform(h)], None, p, p)
            if st:
                yield False, "findiff p=%d n=%d: status %d %s" % (p, n, st, err.text)
                continue
            got = outs[0]
            idx = [0, n - 1] + list(range(w, n - w))
            # relative to the size of the terms (max|f| / h): findiff's own
            # weights are rounded (4 comes out as 3.9999999999999916), and at
            # p = 8 its end stencil amplifies that by sum|w| = 78 / h
            scale = max(float(np.max(np.abs(ref))), float(np.max(np.abs(f))) / h)
            dev = float(np.max(np.abs(got[idx] - ref[idx]))) / scale
            ok = dev <= 1e-12 and not MUTATE
            yield ok, "findiff p=%d n=%d h=%r: interior and end points agree to %.2g relative" % (
                p, n, h, dev)
            near = list(range(1, w)) + list(range(n - w, n - 1))
            if near and n > p + 1:
                devn = float(np.max(np.abs(got[near] - ref[near]))) / scale
                print("  info: findiff p=%d n=%d: near-edge points 1..w-1 differ by %.2g relative "
                      "(its windows start at the point itself)" % (p, n, devn))


def options_growth():
    """C-style size rules from Python (every failure writes nothing)."""
    f = np.array([0.0, 1.0, 8.0, 27.0, 64.0, 125.0, 216.0])    # i^3
    want4 = M.model_uniform(f, 0, 4, 4, 1.0)
    want2 = np.gradient(f, edge_order=2)

    def run(opt, expect_status, want, desc, text=None):
        # edge_order 4 only where accuracy 4 is expected to be in force; a
        # refused struct gets edge_order 2, valid whatever the accuracy
        view, buf, _ = G.alloc_output(f.shape, np.float64, "C", fill=0x5A)
        before = buf.tobytes()
        st, err, outs = G.call(f, [], edge_order=4 if want is want4 else 2, outs=[view],
                               options=opt)
        if expect_status == 0:
            ok = st == 0 and same(outs[0], want)
            return ok, "%s: status %d %s" % (desc, st, "" if st == 0 else err.text)
        ok = st == expect_status and buf.tobytes() == before and not MUTATE
        if text is not None:
            ok = ok and re.search(text, err.text) is not None
        return ok, "%s: status %d (want %d), nothing written: %s, message %r" % (
            desc, st, expect_status, buf.tobytes() == before, err.text)

    keep = []
    # 24 bytes = the 0.1 layout; the 8 bytes after it are garbage (0xEE) that
    # must not count, and in the guarded variant cannot even be read
    yield run(G.make_options(size=24, accuracy=4, keep=keep), 0, want2,
              "size 24 (0.1 layout, garbage after it) behaves as 0.1")
    yield run(G.guarded_options(24, accuracy=4, keep=keep), 0, want2,
              "size 24 ending at an unreadable page behaves as 0.1")
    yield run(G.make_options(size=28, accuracy=4, reserved=0x11, keep=keep), 0, want4,
              "size 28 (accuracy inside, reserved cut off, garbage there) uses accuracy 4")
    yield run(G.make_options(size=32, accuracy=4, keep=keep), 0, want4, "size 32, accuracy 4")
    yield run(G.make_options(size=40, accuracy=4, keep=keep), 0, want4, "size 40, zero tail")
    yield run(G.make_options(size=4096, accuracy=4, keep=keep), 0, want4, "size 4096, zero tail")
    yield run(G.make_options(size=40, accuracy=4, tail=b"\0\0\0\x01", keep=keep), IO, None,
              "size 40, tail byte at offset 35 nonzero", r"\b35\b")
    yield run(G.make_options(size=48, accuracy=4, tail=bytes(9) + b"\x80", keep=keep), IO, None,
              "size 48, tail byte at offset 41 nonzero", r"\b41\b")
    yield run(G.make_options(size=4097, accuracy=4, keep=keep), IO, None, "size 4097")
    yield run(G.guarded_options(4097, readable=8, accuracy=4, keep=keep), IO, None,
              "size 4097 with only the size readable (nothing else is read)")
    yield run(G.guarded_options(0xFFFFFFFF, readable=8, keep=keep), IO, None, "size 2^32-1")
    yield run(G.make_options(size=16, accuracy=4, keep=keep), IO, None, "size 16")
    yield run(G.guarded_options(16, accuracy=4, keep=keep), IO, None, "size 16, guarded")
    yield run(G.make_options(size=23, keep=keep), IO, None, "size 23")
    for acc in (0, 2):
        yield run(G.make_options(accuracy=acc, keep=keep), 0, want2,
                  "accuracy %d is numpy (edge_order 2)" % acc)


def bad_inputs():
    """Every new bad input is refused and writes nothing."""
    rng = np.random.default_rng(11)

    def expect(desc, f, q, status, text=None, **kw):
        outs = []
        bufs = []
        nax = f.ndim if kw.get("axes") is None else len(kw["axes"])
        for _ in range(nax):
            v, b, _r = G.alloc_output(f.shape, out_type(f.dtype), "C", fill=0xC3)
            outs.append(v)
            bufs.append(b)
        before = [b.tobytes() for b in bufs]
        st, err, _ = G.call(f, kw.pop("spacing", []), edge_order=q, outs=outs, **kw)
        unchanged = all(b.tobytes() == o for b, o in zip(bufs, before))
        ok = (st in status if isinstance(status, tuple) else st == status) and unchanged and not MUTATE
        if text is not None:
            ok = ok and re.search(text, err.text, re.I) is not None
        return ok, "%s: status %d (want %s), nothing written %s, message %r" % (
            desc, st, status, unchanged, err.text)

    f = rng.standard_normal((12, 3))
    for p in PS:
        yield expect("accuracy %d, edge_order %d" % (p, p + 1), f, p + 1,
                     G.GRAD_STATUS_INVALID_EDGE_ORDER, r"edge_order", accuracy=p, axes=[0])
        yield expect("accuracy %d, edge_order 0" % p, f, 0,
                     G.GRAD_STATUS_INVALID_EDGE_ORDER, r"edge_order", accuracy=p, axes=[0])
        yield expect("accuracy %d, edge_order -1" % p, f, -1,
                     G.GRAD_STATUS_INVALID_EDGE_ORDER, None, accuracy=p, axes=[0])
        g = rng.standard_normal((p, 3))
        yield expect("accuracy %d, %d points" % (p, p), g, 1, G.GRAD_STATUS_SHAPE_TOO_SMALL, None,
                     accuracy=p, axes=[0])
        g = rng.standard_normal((p + 1, p))
        yield expect("accuracy %d, axis 1 has %d points" % (p, p), g, 2,
                     G.GRAD_STATUS_SHAPE_TOO_SMALL, None, accuracy=p)
        x = np.cumsum(rng.uniform(0.1, 1, p))
        yield expect("accuracy %d, %d points, NONUNIFORM" % (p, p), rng.standard_normal(p), 1,
                     G.GRAD_STATUS_SHAPE_TOO_SMALL, None, accuracy=p, spacing=[G.nonuniform(x)])
    # the order of checks: edge_order (judged with the accuracy) comes before
    # the other options errors
    for q, acc in ((3, 0), (5, 4), (7, 6), (9, 8)):
        yield expect("edge_order %d at accuracy %d beats a bad boundary code" % (q, acc), f, q,
                     G.GRAD_STATUS_INVALID_EDGE_ORDER, r"edge_order",
                     options=dict(accuracy=acc, boundaries=[PER, ONE, ONE, ONE]))
    for acc in (1, 3, 5, 7, 9, 10, -2, -1, 2 ** 31 - 1, -2 ** 31):
        yield expect("accuracy %d" % acc, f, 1, IO, r"accuracy", accuracy=acc)
    for res in (1, -1, 0x100):
        yield expect("reserved %d" % res, f, 1, IO, r"reserved",
                     options=dict(accuracy=4, reserved=res))
        yield expect("reserved %d with accuracy 0" % res, f, 1, IO, r"reserved",
                     options=dict(reserved=res))
    # NONUNIFORM is validated like COORDINATES
    for desc, x in (("repeated", [0.0, 1.0, 1.0, 2.0, 3.0]),
                    ("zig-zag", [0.0, 1.0, 0.5, 2.0, 3.0]),
                    ("NaN", [0.0, 1.0, float("nan"), 2.0, 3.0]),
                    ("inf", [0.0, 1.0, 2.0, 3.0, float("inf")])):
        yield expect("NONUNIFORM coordinates %s" % desc, rng.standard_normal(5), 1,
                     G.GRAD_STATUS_INVALID_SPACING, None, accuracy=4,
                     spacing=[G.nonuniform(np.array(x))])
    yield expect("NONUNIFORM with 4 coordinates for 5 points", rng.standard_normal(5), 1,
                 G.GRAD_STATUS_INVALID_SPACING, None, spacing=[G.nonuniform(np.arange(4.0))])
    yield expect("NONUNIFORM as the single spacing of a 2-axis call", rng.standard_normal((5, 5)),
                 1, G.GRAD_STATUS_INVALID_SPACING, None, spacing=[G.nonuniform(np.arange(5.0))])
    yield expect("spacing kind 4", rng.standard_normal(5), 1, G.GRAD_STATUS_INVALID_SPACING, None,
                 spacing=[G.Spacing(4, 0.0, np.arange(5.0))])
    # halo too short for the order: GHOST on both sides needs 2w+1 points
    for p in PS:
        w = p // 2
        g = rng.standard_normal(2 * w)
        # no owned point: refused by the options check (INVALID_OPTIONS, as
        # in 0.1) or by the length rule n >= p+1 (SHAPE_TOO_SMALL)
        yield expect("accuracy %d, GHOST both sides, %d points (no owned point)" % (p, 2 * w), g,
                     1, (IO, G.GRAD_STATUS_SHAPE_TOO_SMALL), None,
                     options=dict(accuracy=p, boundaries=[GHO, GHO]))


def nonuniform_p2(rng, cases):
    """NONUNIFORM, accuracy 0 or 2: numpy's non-uniform formulas at every
    point, even on evenly spaced coordinates."""
    for c in range(cases):
        n = int(rng.integers(3, 12))
        m = int(rng.integers(1, 4))
        axis = int(rng.integers(0, 2))
        shape = (n, m) if axis == 0 else (m, n)
        dt = DTYPES[int(rng.integers(len(DTYPES)))]
        f = values(rng, dt, shape)
        e = int(rng.integers(1, 3))
        if e == 2 and n < 3:
            e = 1
        r = c % 3
        if r == 0:
            x = float(rng.choice([0.1, 0.25, -0.5, 1.0, 0.3])) * np.arange(n) + float(rng.integers(-4, 4))
            x = x if M.evenly_spaced(x) else np.arange(n) * 0.25
            kind = "evenly spaced"
        elif r == 1:
            x = 0.1 * np.arange(n)          # almost even: numpy itself is non-uniform
            kind = "0.1*i"
        else:
            x = uneven(rng, n)
            kind = "uneven"
        acc = int(rng.choice([0, 2]))
        exp = M.numpy_nonuniform(f, x, axis, e)
        st, err, outs = G.call(layout(rng, f), [G.nonuniform(x)], axes=[axis], edge_order=e,
                               options=dict(accuracy=acc),
                               out_layout=str(rng.choice(["C", "F", "strided", "neg"])))
        desc = "NONUNIFORM p=%d %s %s shape=%s axis=%d e=%d" % (acc, kind, np.dtype(dt).name,
                                                                shape, axis, e)
        if st != 0:
            yield False, "%s: status %d %s" % (desc, st, err.text)
            continue
        ok = same(outs[0], exp)
        yield ok, "%s: numpy's non-uniform formulas%s" % (desc, "" if ok else ": " + first_diff(outs[0], exp))
        if r == 2:
            ref = np.gradient(f, x, axis=axis, edge_order=e)
            ok = same(outs[0], ref)
            yield ok, "%s: == numpy.gradient%s" % (desc, "" if ok else ": " + first_diff(outs[0], ref))


def nonuniform_blocks(rng):
    """An uneven axis with an exactly evenly spaced stretch, cut so that one
    block's slice (halos included) lies in that stretch: with NONUNIFORM the
    blocks reassemble the global result bit for bit, for p = 2 and 4, 6, 8."""
    N = 40
    x = np.empty(N)
    x[8:32] = 2.0 + 0.25 * np.arange(24)     # x[8..31] evenly spaced, exactly
    x[:8] = 2.0 - np.cumsum(rng.uniform(0.1, 1.0, 8))[::-1]
    x[32:] = x[31] + np.cumsum(rng.uniform(0.1, 1.0, N - 32))
    assert not M.evenly_spaced(x) and M.evenly_spaced(x[8:32])
    for dt in (np.float64, np.float32, np.complex128, np.int32):
        F = values(rng, dt, (N, 3))
        for p, qs in ((2, (1, 2)), (4, (1, 2, 4)), (6, (3, 6)), (8, (2, 5, 8))):
            w = max(1, p // 2)
            for q in qs:
                opts_p = p
                stg, errg, glob = G.call(F, [G.coords(x)], axes=[0], edge_order=q,
                                         options=dict(accuracy=opts_p))
                stn, errn, globn = G.call(F, [G.nonuniform(x)], axes=[0], edge_order=q,
                                          options=dict(accuracy=opts_p))
                desc = "NONUNIFORM blocks %s p=%d q=%d" % (np.dtype(dt).name, p, q)
                if stg or stn:
                    yield False, "%s: global status %d %s / %d %s" % (desc, stg, errg.text, stn,
                                                                      errn.text)
                    continue
                yield same(globn[0], glob[0]), "%s: global NONUNIFORM == COORDINATES" % desc
                # owned ranges; the middle block's input [14-w, 24+w) is evenly spaced
                cuts = [0, 14, 24, N]
                parts = np.empty_like(glob[0])
                ctrl = np.empty_like(glob[0])
                ok = True
                for b in range(3):
                    s, t = cuts[b], cuts[b + 1]
                    lo, hi = s > 0, t < N
                    sl = slice(s - w * lo, t + w * hi)
                    codes = [GHO if lo else ONE, GHO if hi else ONE]
                    if b == 1:
                        assert M.evenly_spaced(x[sl])
                    for sp, dest in ((G.nonuniform(x[sl]), parts), (G.coords(x[sl]), ctrl)):
                        view = dest[s:t]
                        st, err, _ = G.call(F[sl], [sp], axes=[0], edge_order=q, outs=[view],
                                            options=dict(accuracy=opts_p, boundaries=codes))
                        if st:
                            ok = False
                            yield False, "%s: block %d status %d %s" % (desc, b, st, err.text)
                if not ok:
                    continue
                good = same(parts, glob[0])
                yield good, "%s: blocks (middle one evenly spaced) reassemble bit for bit%s" % (
                    desc, "" if good else ": " + first_diff(parts, glob[0]))
                if not same(ctrl, glob[0]):
                    print("  info: %s: with COORDINATES the evenly spaced block differs (%d values)"
                          % (desc, int(np.sum(bits(ctrl) != bits(glob[0])))))


def convergence():
    sys.path.insert(0, os.path.join(ROOT, "docs", "figures"))
    import accuracy as A
    for grid, p, order in A.measure_orders():
        ok = abs(order - p) <= 0.3 and not MUTATE
        yield ok, "convergence %s grid p=%d: measured order %.2f" % (grid, p, order)


def main():
    global MUTATE
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20260)
    ap.add_argument("--mutate", action="store_true")
    ap.add_argument("--trace", default=None)
    args = ap.parse_args()
    MUTATE = args.mutate
    rng = np.random.default_rng(args.seed)
    R = Results()
    n = args.cases
    R.run(model_checks)
    R.run(uniform_one_sided, rng, n)
    R.run(uniform_periodic, rng, n // 3)
    R.run(ghost_blocks, rng, n // 3, None)
    R.run(ghost_blocks, rng, n // 6, "COORDINATES")
    R.run(ghost_blocks, rng, n // 6, "NONUNIFORM")
    R.run(coordinates, rng, n // 3)
    R.run(polynomials, rng, n // 3)
    R.run(reversal_and_constants, rng, n // 6)
    R.run(findiff_agreement)
    R.run(options_growth)
    R.run(bad_inputs)
    R.run(nonuniform_p2, rng, n // 2)
    R.run(nonuniform_blocks, rng)
    R.run(convergence)
    print("%d passed, %d failed" % (R.passed, R.failed))
    return 1 if R.failed else 0


if __name__ == "__main__":
    sys.exit(main())
