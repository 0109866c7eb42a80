#!/usr/bin/env python3
"""Error contract of the `gradient` C ABI (docs/reference.md and docs/numerics.md).

Plain script (not pytest).  For each error case it checks:
  * the returned status code,
  * grad_error.status == return value (the struct is prefilled with garbage),
  * grad_error.message is NUL-terminated, non-empty and names the argument,
  * grad_error.axis (index into axes[] or -1) where it is meaningful,
  * every output buffer and the input are left byte-for-byte untouched,
  * the same status with err = NULL, and through the typed entry point too.
Plus the order in which errors are reported when two are present, a few
boundary cases that must be ACCEPTED (and correct against numpy),
grad_status_str and grad_version.

Usage: test_errors.py [--verbose] [--mutate]
  --mutate   self-check: corrupt every expectation; every case must FAIL.
Last line of output: "N passed, N failed".
"""

import argparse
import ctypes
import os
import re
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gradient_ffi as G  # noqa: E402
from test_differential import first_mismatch, fmt  # noqa: E402

S = G  # constants
ANY = object()       # "don't check grad_error.axis"
SENTINEL = 0xA5
MUTATE = False
TRACE = None


# ------------------------------------------------------------ arg builder
def root(a):
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def sentinel_out(shape, dtype, layout="C"):
    return G.alloc_output(shape, dtype, layout, fill=SENTINEL)[0]


def default_f(dtype=G.GRAD_DTYPE_F64, shape=(4, 5)):
    dt = G.DTYPES[dtype][0]
    n = int(np.prod(shape))
    v = (np.arange(n) * 7 % 11).astype(dt)
    return np.ascontiguousarray(v.reshape(shape))


class Call:
    """Valid default arguments; tests override fields to inject errors."""

    def __init__(self, dtype=G.GRAD_DTYPE_F64, f=None, **kw):
        self.dtype = dtype
        self.f = default_f(dtype if 0 <= dtype <= 11 else 0, (4, 5)) if f is None else f
        self.f_ptr = ANY            # ANY -> address of self.f; None -> NULL; int -> raw
        self.ndim = ANY             # ANY -> f.ndim
        self.shape = ANY            # ANY -> f.shape; None -> NULL; list -> as given
        self.strides = ANY          # ANY -> element strides of f; None -> NULL
        self.axes = None            # None -> NULL
        self.naxes = ANY            # ANY -> len(axes) or ndim
        self.spacing = []           # list of Spacing or raw (kind, delta, ptr|array|None, len)
        self.spacing_null = False
        self.nspacing = ANY
        self.edge = 1
        self.outs = ANY             # ANY -> C-contiguous sentinel outputs; list of ndarrays
        self.out_ptrs = None        # list overriding the output pointers (int / None)
        self.out_null = False       # pass NULL for the out array itself
        self.out_strides = ANY      # ANY -> from outs; None -> NULL; list -> as given
        self.options = None         # None / dict for make_options
        self.out_shape = None       # shape of the default outputs (default: f.shape)
        for k, v in kw.items():
            if not hasattr(self, k):
                raise AttributeError(k)
            setattr(self, k, v)

    def resolved_naxes(self):
        if self.naxes is not ANY:
            return self.naxes
        if self.axes is not None:
            return len(self.axes)
        return self.f.ndim if self.ndim is ANY else self.ndim

    def prepare(self):
        """Create the default (sentinel-filled, C-contiguous) outputs."""
        if self.outs is ANY:
            f = self.f
            oshape = self.out_shape or (tuple(f.shape) if self.shape is ANY else (16,))
            odt = G.out_dtype(self.dtype if 0 <= self.dtype <= 11 else 0)
            naxes = self.resolved_naxes()
            nout = naxes if 1 <= naxes <= 64 else 2
            self.outs = [sentinel_out(oshape, odt) for _ in range(nout)]
        return self

    def invoke(self, entry="generic", use_err=True):
        self.prepare()
        keep = []
        f = self.f
        ndim = f.ndim if self.ndim is ANY else self.ndim
        shape = list(f.shape) if self.shape is ANY else self.shape
        shape_arr = None if shape is None else G.i64_array(shape)
        strides = G.elem_strides(f) if self.strides is ANY else self.strides
        strides_arr = None if strides is None else G.i64_array(strides)
        naxes = self.resolved_naxes()
        axes_arr = None if self.axes is None else G.i32_array(self.axes)
        nsp = len(self.spacing) if self.nspacing is ANY else self.nspacing
        sp = None
        if not self.spacing_null and (self.spacing or nsp):
            sp = (G.grad_spacing * max(len(self.spacing), 1))()
            for i, s in enumerate(self.spacing):
                if isinstance(s, G.Spacing):
                    s = (s.kind, s.delta, s.coords, None if s.coords is None else len(s.coords))
                kind, delta, ptr, ln = s
                sp[i].kind = kind
                sp[i].delta = delta
                if isinstance(ptr, np.ndarray):
                    keep.append(ptr)
                    sp[i].coords = G.addr(ptr)
                    sp[i].coords_len = len(ptr) if ln is None else ln
                else:
                    sp[i].coords = ptr
                    sp[i].coords_len = 0 if ln is None else ln
        outs = self.outs
        ptrs = self.out_ptrs if self.out_ptrs is not None else [G.addr(o) for o in outs]
        out_arr = (ctypes.c_void_p * max(len(ptrs), 1))(*ptrs)
        if self.out_strides is ANY:
            flat = []
            for o in outs:
                flat.extend(G.elem_strides(o))
            ostr = G.i64_array(flat)
        elif self.out_strides is None:
            ostr = None
        else:
            ostr = G.i64_array(self.out_strides)
        opt = None
        if self.options is not None:
            opt = G.make_options(keep=keep, **self.options)
        err = None
        if use_err:
            err = G.grad_error()
            err.status = -12345
            err.axis = -777
            ctypes.memset(ctypes.addressof(err) + G.grad_error.message.offset, ord("Z"), 256)
        f_ptr = G.addr(f) if self.f_ptr is ANY else self.f_ptr
        status = G.raw_gradient(
            entry, self.dtype, f_ptr, ndim,
            None if shape_arr is None else ctypes.addressof(shape_arr),
            None if strides_arr is None else ctypes.addressof(strides_arr),
            naxes, None if axes_arr is None else ctypes.addressof(axes_arr),
            nsp, None if sp is None else ctypes.addressof(sp), self.edge,
            None if self.out_null else ctypes.addressof(out_arr),
            None if ostr is None else ctypes.addressof(ostr),
            None if opt is None else ctypes.addressof(opt),
            None if err is None else ctypes.addressof(err))
        return status, err

    def watched(self):
        self.prepare()
        arrs = [self.f] + (list(self.outs) if self.outs is not ANY else [])
        roots, seen = [], set()
        for a in arrs:
            r = root(a)
            if id(r) not in seen:
                seen.add(id(r))
                roots.append(r)
        return roots


# ----------------------------------------------------------------- runner
class Runner:
    def __init__(self, verbose=False):
        self.passed = 0
        self.failed = 0
        self.verbose = verbose

    def record(self, name, problems):
        # (in --mutate mode every check corrupts its own expectation, so a
        # working check reports problems here)
        if problems:
            self.failed += 1
            for p in problems:
                print("FAIL %s: %s" % (name, p))
        else:
            self.passed += 1
            if self.verbose:
                print("ok   %s" % name)

    def error(self, name, make, status, words=None, axis=ANY, entries=None):
        """`make()` returns a fresh Call.  status: int or a set of accepted ints.
        words: regex the message must match (case-insensitive).
        axis: expected grad_error.axis (int or set), or ANY."""
        accepted = {status} if isinstance(status, int) else set(status)
        if MUTATE:
            accepted = {a + 1 for a in accepted}
        if entries is None:
            c0 = make()
            entries = ["generic"]
            if 0 <= c0.dtype <= 3:
                entries.append("typed")
        problems = []
        for entry in entries:
            for use_err in (True, False):
                c = make()
                roots = c.watched()
                before = [r.tobytes() for r in roots]
                if TRACE:
                    with open(TRACE, "w") as tf:
                        tf.write("%s [%s]\n" % (name, entry))
                try:
                    got, err = c.invoke(entry, use_err)
                except Exception as ex:
                    problems.append("[%s] exception %r" % (entry, ex))
                    continue
                tag = "[%s, err=%s]" % (entry, "struct" if use_err else "NULL")
                if got not in accepted:
                    detail = ""
                    if err is not None:
                        detail = " (message=%r, axis=%d)" % (err.text, err.axis)
                    problems.append("%s status %d %s, expected %s%s" % (
                        tag, got, G.STATUS_NAMES.get(got, "?"),
                        "/".join("%d %s" % (a, G.STATUS_NAMES.get(a, "?")) for a in sorted(accepted)),
                        detail))
                after = [r.tobytes() for r in roots]
                for i, (b, a) in enumerate(zip(before, after)):
                    if b != a:
                        pos = next(j for j in range(len(b)) if b[j] != a[j])
                        problems.append("%s %s buffer %d modified (first byte %d)" % (
                            tag, "input" if i == 0 else "output", i, pos))
                if err is None:
                    continue
                if err.status != got:
                    problems.append("%s grad_error.status=%d but returned %d" % (tag, err.status, got))
                raw = ctypes.string_at(ctypes.addressof(err) + G.grad_error.message.offset, 256)
                if b"\0" not in raw:
                    problems.append("%s message not NUL-terminated" % tag)
                    continue
                msg = err.text
                if not msg:
                    problems.append("%s empty message" % tag)
                if words and got in accepted and not re.search(words, msg, re.I):
                    problems.append("%s message %r does not name %r" % (tag, msg, words))
                if axis is not ANY and got in accepted:
                    ax = {axis} if isinstance(axis, int) else set(axis)
                    if err.axis not in ax:
                        problems.append("%s grad_error.axis=%d, expected %s (message %r)" % (
                            tag, err.axis, sorted(ax), msg))
        self.record(name, problems)

    def ok(self, name, make, axes=None, spacing=(), edge=1, entries=("generic",), ref_f=None):
        """A case that must SUCCEED and match numpy bit for bit."""
        problems = []
        for entry in entries:
            c = make()
            roots = c.watched()
            empties = [(root(o), root(o).tobytes()) for o in c.outs if o.size == 0]
            if TRACE:
                with open(TRACE, "w") as tf:
                    tf.write("%s [%s]\n" % (name, entry))
            got, err = c.invoke(entry, True)
            want = G.GRAD_STATUS_OK if not MUTATE else 1
            if got != want:
                problems.append("[%s] status %d %s, expected %d (message=%r)" % (
                    entry, got, G.STATUS_NAMES.get(got, "?"), want, err.text))
                continue
            if err.status != got:
                problems.append("[%s] grad_error.status=%d but returned 0" % (entry, err.status))
            f = c.f if ref_f is None else ref_f
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = G.numpy_reference(f, list(spacing), axes, edge)
            for k, (o, r) in enumerate(zip(c.outs, ref)):
                m = first_mismatch(o, r)
                if m is not None:
                    problems.append("[%s] output %d mismatch at %s: numpy=%s lib=%s" % (
                        entry, k, m, fmt(r[m]) if m != "shape" else r.shape,
                        fmt(o[m]) if m != "shape" else o.shape))
            for r, before in empties:
                if r.tobytes() != before:
                    problems.append("[%s] an empty output's buffer was written" % entry)
            del roots
        self.record(name, problems)


# ------------------------------------------------------------------ cases
def F64(**kw):
    return lambda: Call(**kw)


def spacing_cases(R):
    x5 = np.arange(5, dtype=np.float64) * 0.5
    x4 = np.array([0.0, 1.0, 3.0, 4.5])
    SP = r"spacing|coord|step|delta"
    R.error("nspacing 2 for 3 axes", lambda: Call(f=default_f(shape=(3, 4, 5)),
            spacing=[G.unit(), G.unit()]), S.GRAD_STATUS_INVALID_SPACING, SP)
    R.error("nspacing 3 for 2 axes", lambda: Call(spacing=[G.unit()] * 3),
            S.GRAD_STATUS_INVALID_SPACING, SP)
    R.error("nspacing 2 for axes=[1]", lambda: Call(axes=[1], spacing=[G.unit(), G.unit()]),
            S.GRAD_STATUS_INVALID_SPACING, SP)
    R.error("nspacing -1", lambda: Call(nspacing=-1), S.GRAD_STATUS_INVALID_SPACING, SP)
    R.error("unknown spacing kind 3 (single)", lambda: Call(spacing=[(3, 1.0, None, 0)]),
            S.GRAD_STATUS_INVALID_SPACING, SP)
    R.error("unknown spacing kind -1 (per axis, entry 1)",
            lambda: Call(spacing=[G.unit(), (-1, 1.0, None, 0)]),
            S.GRAD_STATUS_INVALID_SPACING, SP, axis=1)
    for h in (0.0, -0.0, float("nan"), float("inf"), float("-inf")):
        R.error("single UNIFORM step %r" % h, lambda h=h: Call(spacing=[G.uniform(h)]),
                S.GRAD_STATUS_INVALID_SPACING, SP)
        R.error("per-axis UNIFORM step %r at entry 1" % h,
                lambda h=h: Call(spacing=[G.uniform(2.0), G.uniform(h)]),
                S.GRAD_STATUS_INVALID_SPACING, SP, axis=1)
    R.error("step nan with axes=[1,0] at entry 0",
            lambda: Call(axes=[1, 0], spacing=[G.uniform(float("nan")), G.unit()]),
            S.GRAD_STATUS_INVALID_SPACING, SP, axis=0)
    R.error("coords wrong length (4 for extent 5), entry 1",
            lambda: Call(spacing=[G.unit(), G.coords(x4)]),
            S.GRAD_STATUS_INVALID_SPACING, SP, axis=1)
    R.error("coords wrong length (5 for extent 4), entry 0",
            lambda: Call(spacing=[G.coords(x5), G.unit()]),
            S.GRAD_STATUS_INVALID_SPACING, SP, axis=0)
    R.error("coords_len 0", lambda: Call(spacing=[G.unit(), (2, 0.0, x5, 0)]),
            S.GRAD_STATUS_INVALID_SPACING, SP, axis=1)
    R.error("coords_len -5", lambda: Call(spacing=[G.unit(), (2, 0.0, x5, -5)]),
            S.GRAD_STATUS_INVALID_SPACING, SP, axis=1)
    for label, bad in [("nan", [0.0, 1.0, float("nan"), 3.0, 4.0]),
                       ("inf", [0.0, 1.0, 2.0, 3.0, float("inf")]),
                       ("-inf first", [float("-inf"), 1.0, 2.0, 3.0, 4.0]),
                       ("repeated", [0.0, 1.0, 1.0, 2.0, 3.0]),
                       ("all equal", [2.0, 2.0, 2.0, 2.0, 2.0]),
                       ("zig-zag", [0.0, 1.0, 0.5, 2.0, 3.0]),
                       ("zig-zag decreasing", [4.0, 3.0, 3.5, 1.0, 0.0]),
                       ("repeated -0.0/0.0", [-1.0, -0.0, 0.0, 1.0, 2.0])]:
        arr = np.array(bad, dtype=np.float64)
        R.error("coords %s (entry 1)" % label,
                lambda arr=arr: Call(spacing=[G.unit(), G.coords(arr)]),
                S.GRAD_STATUS_INVALID_SPACING, SP, axis=1)
    R.error("coords zig-zag, 1-D single entry",
            lambda: Call(f=default_f(shape=(5,)), spacing=[G.coords(np.array([0., 2., 1., 3., 4.]))]),
            S.GRAD_STATUS_INVALID_SPACING, SP)
    R.error("single COORDINATES entry for a 2-axis call",
            lambda: Call(f=default_f(shape=(5, 5)), spacing=[G.coords(x5)]),
            S.GRAD_STATUS_INVALID_SPACING, SP)
    R.error("single COORDINATES entry for axes=[0,1]",
            lambda: Call(f=default_f(shape=(5, 5)), axes=[0, 1], spacing=[G.coords(x5)]),
            S.GRAD_STATUS_INVALID_SPACING, SP)
    R.error("spacing NULL with nspacing 1", lambda: Call(spacing_null=True, nspacing=1),
            S.GRAD_STATUS_NULL_POINTER, SP)
    R.error("coords NULL (entry 1)", lambda: Call(spacing=[G.unit(), (2, 0.0, None, 5)]),
            S.GRAD_STATUS_NULL_POINTER, SP, axis=1)


def main(argv=None):
    global MUTATE, TRACE
    ap = argparse.ArgumentParser()
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--trace", help="write each case name to this file before running it")
    ap.add_argument("--mutate", action="store_true", help="self-check: every case must fail")
    args = ap.parse_args(argv)
    MUTATE = args.mutate
    TRACE = args.trace
    G.load()
    R = Runner(args.verbose)
    NP = S.GRAD_STATUS_NULL_POINTER

    # ---------------------------------------------------------- dtype
    for d in (12, -1, 99, 2 ** 31 - 1):
        R.error("dtype %d" % d, lambda d=d: Call(dtype=d, f=default_f()), S.GRAD_STATUS_INVALID_DTYPE,
                r"dtype", axis=-1, entries=["generic"])

    # --------------------------------------------------- NULL pointers
    R.error("f NULL", F64(f_ptr=None), NP, r"\bf\b|input|data", axis=-1)
    R.error("shape NULL", F64(shape=None), NP, r"shape")
    R.error("out NULL", F64(out_null=True), NP, r"\bout")
    R.error("out[1] NULL", lambda: _out_ptr_null(1), NP, r"\bout")
    R.error("out[0] NULL (axes=[1])", lambda: _out_ptr_null(0, axes=[1]), NP, r"\bout")
    R.error("f NULL, int8", lambda: Call(dtype=G.GRAD_DTYPE_I8, f_ptr=None), NP, r"\bf\b|input|data")
    R.error("f NULL, c64", lambda: Call(dtype=G.GRAD_DTYPE_C64, f_ptr=None), NP, r"\bf\b|input|data")

    # ------------------------------------------------------------ ndim
    R.error("ndim 0", F64(ndim=0, naxes=0), S.GRAD_STATUS_INVALID_NDIM, r"ndim", axis=-1)
    R.error("ndim 0, axes=[0]", F64(ndim=0, axes=[0]), S.GRAD_STATUS_INVALID_NDIM, r"ndim", axis=-1)
    R.error("ndim -1", F64(ndim=-1, axes=[0]), S.GRAD_STATUS_INVALID_NDIM, r"ndim", axis=-1)
    R.error("ndim 65", lambda: _ndim65(axes=[0]), S.GRAD_STATUS_INVALID_NDIM, r"ndim", axis=-1)
    R.error("ndim 65, axes NULL", lambda: _ndim65(), S.GRAD_STATUS_INVALID_NDIM, r"ndim", axis=-1)
    R.error("ndim 2**31-1", F64(ndim=2 ** 31 - 1, axes=[0]), S.GRAD_STATUS_INVALID_NDIM, r"ndim", axis=-1)

    # ----------------------------------------------------------- shape
    SH = r"shape|extent|element"
    R.error("negative extent", F64(shape=[4, -1], strides=[5, 1]), S.GRAD_STATUS_INVALID_SHAPE, SH)
    R.error("negative extent, NULL strides", F64(shape=[-3, 5], strides=None),
            S.GRAD_STATUS_INVALID_SHAPE, SH)
    R.error("element count overflow [2**40, 2**40]", F64(shape=[2 ** 40, 2 ** 40], strides=None),
            S.GRAD_STATUS_INVALID_SHAPE, SH)
    R.error("element count overflow [2**40, 2**40], strides 0",
            F64(shape=[2 ** 40, 2 ** 40], strides=[0, 0]), S.GRAD_STATUS_INVALID_SHAPE, SH)
    R.error("element count overflow [2**62, 2, 2, 3]",
            lambda: Call(f=default_f(shape=(2, 2, 2, 3)), shape=[2 ** 62, 2, 2, 3], strides=None),
            S.GRAD_STATUS_INVALID_SHAPE, SH)
    R.error("element count overflow [2**32]*3 (3-D)",
            lambda: Call(f=default_f(shape=(2, 2, 2)), shape=[2 ** 32] * 3, strides=[0, 0, 0]),
            S.GRAD_STATUS_INVALID_SHAPE, SH)
    R.error("extent 2**61 f64, NULL strides (byte range overflows)",
            lambda: Call(f=default_f(shape=(5,)), shape=[2 ** 61], strides=None),
            {S.GRAD_STATUS_INVALID_SHAPE, S.GRAD_STATUS_INVALID_STRIDES}, r"shape|stride|extent|overflow")
    R.error("extent 2**63-1", lambda: Call(f=default_f(shape=(5,)), shape=[2 ** 63 - 1], strides=None),
            {S.GRAD_STATUS_INVALID_SHAPE, S.GRAD_STATUS_INVALID_STRIDES}, r"shape|stride|extent|overflow")

    # --------------------------------------------------------- strides
    ST = r"stride"
    R.error("stride 2**62 on extent 3", lambda: Call(f=default_f(shape=(3,)), strides=[2 ** 62]),
            S.GRAD_STATUS_INVALID_STRIDES, ST)
    R.error("stride -2**62 on extent 3", lambda: Call(f=default_f(shape=(3,)), strides=[-(2 ** 62)]),
            S.GRAD_STATUS_INVALID_STRIDES, ST)
    R.error("stride -2**63 on extent 2", lambda: Call(f=default_f(shape=(2,)), strides=[-(2 ** 63)]),
            S.GRAD_STATUS_INVALID_STRIDES, ST)
    R.error("strides [2**61, 2**61] on 3x3", lambda: Call(f=default_f(shape=(3, 3)), strides=[2 ** 61, 2 ** 61]),
            S.GRAD_STATUS_INVALID_STRIDES, ST)
    R.error("stride 2**60 on extent 3 (byte range 2**64 overflows)",
            lambda: Call(f=default_f(shape=(3,)), strides=[2 ** 60]), S.GRAD_STATUS_INVALID_STRIDES, ST)
    R.error("stride below address 0 (-(addr/8)-1 ... on extent 2)",
            lambda: _below_zero(), S.GRAD_STATUS_INVALID_STRIDES, ST)
    R.error("output stride 0 on extent 5", lambda: Call(f=default_f(shape=(5,)), out_strides=[0]),
            S.GRAD_STATUS_INVALID_STRIDES, r"stride|out")
    R.error("output 1 stride 0 on an extent-4 dim",
            lambda: Call(out_strides=[5, 1, 0, 1]), S.GRAD_STATUS_INVALID_STRIDES, r"stride|out")
    R.error("output stride 2**62 on extent 3", lambda: Call(f=default_f(shape=(3,)), out_strides=[2 ** 62]),
            S.GRAD_STATUS_INVALID_STRIDES, r"stride|out")
    R.error("output self-overlapping strides [1, 1] on 4x5",
            lambda: Call(out_strides=[1, 1, 5, 1]),
            {S.GRAD_STATUS_INVALID_STRIDES, S.GRAD_STATUS_OVERLAP}, r"stride|out|overlap")

    # ------------------------------------------------------- alignment
    AL = r"align"
    for d, off in [(G.GRAD_DTYPE_F64, 1), (G.GRAD_DTYPE_F64, 4), (G.GRAD_DTYPE_F32, 2),
                   (G.GRAD_DTYPE_C128, 4), (G.GRAD_DTYPE_C64, 1), (G.GRAD_DTYPE_I16, 1),
                   (G.GRAD_DTYPE_I32, 2), (G.GRAD_DTYPE_I64, 4), (G.GRAD_DTYPE_U64, 1)]:
        R.error("misaligned f %s +%d" % (G.DTYPE_NAMES[d], off), lambda d=d, off=off: _misaligned_f(d, off),
                S.GRAD_STATUS_MISALIGNED, AL)
    for d in (G.GRAD_DTYPE_F64, G.GRAD_DTYPE_F32, G.GRAD_DTYPE_C128, G.GRAD_DTYPE_C64, G.GRAD_DTYPE_I8,
              G.GRAD_DTYPE_U16):
        R.error("misaligned out[1] %s +1" % G.DTYPE_NAMES[d], lambda d=d: _misaligned_out(d, 1, 1),
                S.GRAD_STATUS_MISALIGNED, AL)
    R.error("misaligned out[0] i8 (f64 output) +4", lambda: _misaligned_out(G.GRAD_DTYPE_I8, 0, 4),
            S.GRAD_STATUS_MISALIGNED, AL)

    # --------------------------------------------------------- overlap
    OV = r"overlap|alias|out"
    R.error("out[0] is f", lambda: _overlap_input(0), S.GRAD_STATUS_OVERLAP, OV)
    R.error("out[1] is f shifted by one element", lambda: _overlap_input(1), S.GRAD_STATUS_OVERLAP, OV)
    R.error("out[0] overlaps f's last element only", lambda: _overlap_input(19, f_first=True),
            S.GRAD_STATUS_OVERLAP, OV)
    R.error("out[0] reversed over f", lambda: _overlap_reversed(), S.GRAD_STATUS_OVERLAP, OV)
    R.error("out[0] overlaps a broadcast (stride 0) input", lambda: _overlap_bcast(),
            S.GRAD_STATUS_OVERLAP, OV)
    R.error("out[0] and out[1] identical", lambda: _overlap_outputs(0), S.GRAD_STATUS_OVERLAP, OV)
    R.error("out[0] and out[1] partially overlapping", lambda: _overlap_outputs(7), S.GRAD_STATUS_OVERLAP, OV)
    R.error("out[0] and out[2] overlap (3-D, F-order vs C-order views of one buffer)",
            lambda: _overlap_outputs_3d(), S.GRAD_STATUS_OVERLAP, OV)
    R.error("out overlaps f, int8 input / f64 output bytes", lambda: _overlap_int8(), S.GRAD_STATUS_OVERLAP, OV)

    # ------------------------------------------------------------ axes
    AX = r"ax[ie]s"
    R.error("axes [2] on 2-D", F64(axes=[2]), S.GRAD_STATUS_INVALID_AXIS, AX, axis=0)
    R.error("axes [-3] on 2-D", F64(axes=[-3]), S.GRAD_STATUS_INVALID_AXIS, AX, axis=0)
    R.error("axes [0, 5] on 2-D", F64(axes=[0, 5]), S.GRAD_STATUS_INVALID_AXIS, AX, axis=1)
    R.error("axes [1, 2**31-1]", F64(axes=[1, 2 ** 31 - 1]), S.GRAD_STATUS_INVALID_AXIS, AX, axis=1)
    R.error("axes [1, -2**31]", F64(axes=[1, -(2 ** 31)]), S.GRAD_STATUS_INVALID_AXIS, AX, axis=1)
    R.error("axes [1, 1] repeated", F64(axes=[1, 1]), S.GRAD_STATUS_INVALID_AXIS, AX, axis={0, 1})
    R.error("axes [0, -2] repeated via negative", F64(axes=[0, -2]), S.GRAD_STATUS_INVALID_AXIS, AX,
            axis={0, 1})
    R.error("axes [2, 0, 0] repeated (3-D)",
            lambda: Call(f=default_f(shape=(3, 3, 3)), axes=[2, 0, 0]),
            S.GRAD_STATUS_INVALID_AXIS, AX, axis={1, 2})
    R.error("axes [2, 0, 1, 0] (naxes 4 > ndim 3)",
            lambda: Call(f=default_f(shape=(3, 3, 3)), axes=[2, 0, 1, 0]),
            S.GRAD_STATUS_INVALID_AXIS, AX)
    R.error("axes NULL with naxes 1 on 2-D", F64(naxes=1), S.GRAD_STATUS_INVALID_AXIS, AX)
    R.error("axes NULL with naxes 3 on 2-D", F64(naxes=3), S.GRAD_STATUS_INVALID_AXIS, AX)
    R.error("naxes -1", F64(axes=[0], naxes=-1), S.GRAD_STATUS_INVALID_AXIS, AX)
    R.error("naxes 3 > ndim 2 (axes [0,1,0])", F64(axes=[0, 1, 0]), S.GRAD_STATUS_INVALID_AXIS, AX)

    # --------------------------------------------------------- spacing
    spacing_cases(R)

    # ------------------------------------------------------ edge order
    for e in (0, 3, -1, 2 ** 31 - 1, -(2 ** 31)):
        R.error("edge_order %d" % e, F64(edge=e), S.GRAD_STATUS_INVALID_EDGE_ORDER, r"edge_order", axis=-1)
    R.error("edge_order 3 on a 2-point axis", lambda: Call(f=default_f(shape=(2,)), edge=3),
            S.GRAD_STATUS_INVALID_EDGE_ORDER, r"edge_order", axis=-1)

    # --------------------------------------------------------- options
    OP = r"option|size|thread|bound|period"
    for sz in (0, 4, 8, 16, G.OFFSETOF_ACCURACY - 1):
        R.error("options size %d" % sz, F64(options=dict(size=sz)), S.GRAD_STATUS_INVALID_OPTIONS, OP)
    R.error("options unknown boundary code 7", F64(options=dict(boundaries=[0, 0, 0, 7])),
            S.GRAD_STATUS_INVALID_OPTIONS, OP)
    R.error("options boundary code -1", F64(options=dict(boundaries=[-1, 0, 0, 0])),
            S.GRAD_STATUS_INVALID_OPTIONS, OP)
    R.error("options threads 1<<30", F64(options=dict(threads=1 << 30)), S.GRAD_STATUS_INVALID_OPTIONS, OP)
    R.error("options threads 2**31-1", F64(options=dict(threads=2 ** 31 - 1)),
            S.GRAD_STATUS_INVALID_OPTIONS, OP)

    # ------------------------------------------------- shape too small
    TS = r"shape|edge_order|point|extent|small|length"
    R.error("extent 2 with edge_order 2 (axis 0)", lambda: Call(f=default_f(shape=(2, 5)), edge=2),
            S.GRAD_STATUS_SHAPE_TOO_SMALL, TS, axis=0)
    R.error("extent 1 with edge_order 1 (axis 1)", lambda: Call(f=default_f(shape=(5, 1))),
            S.GRAD_STATUS_SHAPE_TOO_SMALL, TS, axis=1)
    R.error("axes=[1,0], shape[0]=2, edge 2 -> index 1",
            lambda: Call(f=default_f(shape=(2, 5)), axes=[1, 0], edge=2),
            S.GRAD_STATUS_SHAPE_TOO_SMALL, TS, axis=1)
    R.error("axes=[-1], extent 0 on the differentiated axis",
            lambda: Call(f=default_f(shape=(3, 0)), axes=[-1]), S.GRAD_STATUS_SHAPE_TOO_SMALL, TS, axis=0)
    R.error("1-D extent 1", lambda: Call(f=default_f(shape=(1,))), S.GRAD_STATUS_SHAPE_TOO_SMALL, TS, axis=0)
    R.error("shape too small, c64, edge 2",
            lambda: Call(dtype=G.GRAD_DTYPE_C64, f=default_f(G.GRAD_DTYPE_C64, (4, 2)), edge=2),
            S.GRAD_STATUS_SHAPE_TOO_SMALL, TS, axis=1)

    # ----------------------------------------------- order of checks
    order_cases(R)

    # --------------------------------------------- must be ACCEPTED
    accepted_cases(R)

    # ------------------------------------------- status_str / version
    misc_cases(R)

    print("errors: %d cases" % (R.passed + R.failed))
    print("%d passed, %d failed" % (R.passed, R.failed))
    return 1 if R.failed else 0


# ------------------------------------------------------------- helpers
def _out_ptr_null(k, axes=None):
    c = Call(axes=axes)
    n = c.resolved_naxes()
    c.outs = [sentinel_out((4, 5), np.float64) for _ in range(n)]
    ptrs = [G.addr(o) for o in c.outs]
    ptrs[k] = None
    c.out_ptrs = ptrs
    return c


def _below_zero():
    # an array whose lowest element would sit below address 0
    f = default_f(shape=(2,))
    a = G.addr(f)
    return Call(f=f, strides=[-(a // 8) - 16])


def _bytes_buffer(nbytes):
    return np.zeros(nbytes + 64, dtype=np.uint8)


def _misaligned_f(d, off):
    dt = G.DTYPES[d][0]
    n = 20
    buf = _bytes_buffer(n * dt.itemsize + 16)
    start = (-G.addr(buf)) % 16 + off          # 16-aligned + off
    c = Call(dtype=d, f=default_f(d, (4, 5)))
    c.f_ptr = G.addr(buf) + start
    c.strides = [5, 1]
    c._keep = buf
    return c


def _misaligned_out(d, k, off):
    c = Call(dtype=d, f=default_f(d, (4, 5)))
    odt = G.out_dtype(d)
    c.outs = [sentinel_out((4, 5), odt) for _ in range(2)]
    buf = np.full(20 * odt.itemsize + 64, SENTINEL, dtype=np.uint8)
    start = (-G.addr(buf)) % 16 + off
    ptrs = [G.addr(o) for o in c.outs]
    ptrs[k] = G.addr(buf) + start
    c.out_ptrs = ptrs
    c.outs.append(buf)        # watched for modification (pointer is inside it)
    c.out_strides = [5, 1, 5, 1]
    return c


def _overlap_input(shift, f_first=False):
    # f lives in a bigger float64 buffer; an output starts `shift` elements after f
    buf = np.full(80, 3.0)
    f = buf[:20].reshape(4, 5)
    f[...] = default_f()
    c = Call(f=f)
    other = sentinel_out((4, 5), np.float64)
    view = buf[shift:shift + 20].reshape(4, 5)
    if f_first:
        c.outs = [view, other]
    else:
        c.outs = [other, view] if shift else [view, other]
    return c


def _overlap_reversed():
    buf = np.arange(20.0)
    f = buf.reshape(4, 5)
    c = Call(f=f)
    c.outs = [buf[::-1].reshape(4, 5), sentinel_out((4, 5), np.float64)]
    return c


def _overlap_bcast():
    buf = np.zeros(40)
    buf[:5] = np.arange(5.0)
    c = Call(f=np.broadcast_to(buf[:5], (4, 5)))
    # output 0 covers buf[2:22] which includes buf[2..4] read by f
    c.outs = [buf[2:22].reshape(4, 5), sentinel_out((4, 5), np.float64)]
    return c


def _overlap_outputs(shift):
    buf = np.full(60, 1.0)
    c = Call()
    c.outs = [buf[:20].reshape(4, 5), buf[shift:shift + 20].reshape(4, 5)]
    return c


def _overlap_outputs_3d():
    f = default_f(shape=(3, 3, 3))
    buf = np.full(27 * 3, 2.0)
    c = Call(f=f)
    o0 = buf[:27].reshape(3, 3, 3)
    o1 = buf[27:54].reshape(3, 3, 3)
    o2 = buf[:27].reshape(3, 3, 3, order="F")
    c.outs = [o0, o1, o2]
    return c


def _overlap_int8():
    buf = np.zeros(400, dtype=np.uint8)
    f = buf[:20].view(np.int8).reshape(4, 5)
    f[...] = default_f(G.GRAD_DTYPE_I8)
    c = Call(dtype=G.GRAD_DTYPE_I8, f=f)
    # output 0 (float64) placed 8 bytes into the buffer: overlaps bytes 8..19 of f
    o0 = buf[8:168].view(np.float64).reshape(4, 5)
    c.outs = [o0, sentinel_out((4, 5), np.float64)]
    return c


def order_cases(R):
    """Two errors at once: the one earlier in the order of docs/reference.md wins."""
    I = S
    R.error("order: dtype before NULL f", lambda: Call(dtype=12, f_ptr=None),
            I.GRAD_STATUS_INVALID_DTYPE, r"dtype", entries=["generic"])
    R.error("order: dtype before ndim", lambda: Call(dtype=-1, ndim=0, naxes=0),
            I.GRAD_STATUS_INVALID_DTYPE, r"dtype", entries=["generic"])
    R.error("order: NULL f before ndim 0", F64(f_ptr=None, ndim=0, naxes=0), I.GRAD_STATUS_NULL_POINTER)
    R.error("order: NULL out before ndim 65", lambda: _ndim65(axes=[0], out_null=True),
            I.GRAD_STATUS_NULL_POINTER, r"\bout")
    R.error("order: NULL f before negative extent", F64(f_ptr=None, shape=[4, -1]), I.GRAD_STATUS_NULL_POINTER)
    R.error("order: ndim before shape", F64(ndim=-1, shape=[-4, 5]), I.GRAD_STATUS_INVALID_NDIM)
    R.error("order: NULL shape before bad edge_order", F64(shape=None, edge=0), I.GRAD_STATUS_NULL_POINTER)
    R.error("order: ndim 65 before bad axes", lambda: _ndim65(axes=[70]), I.GRAD_STATUS_INVALID_NDIM)
    R.error("order: negative extent before stride overflow", F64(shape=[4, -5], strides=[2 ** 62, 1]),
            I.GRAD_STATUS_INVALID_SHAPE)
    R.error("order: element-count overflow before misaligned f",
            lambda: _with(_misaligned_f(G.GRAD_DTYPE_F64, 1), shape=[2 ** 40, 2 ** 40], strides=None),
            I.GRAD_STATUS_INVALID_SHAPE)
    R.error("order: stride overflow before misaligned f",
            lambda: _with(_misaligned_f(G.GRAD_DTYPE_F64, 1), strides=[2 ** 62, 1]),
            I.GRAD_STATUS_INVALID_STRIDES)
    R.error("order: misaligned f before bad axes",
            lambda: _with(_misaligned_f(G.GRAD_DTYPE_F64, 1), axes=[9]), I.GRAD_STATUS_MISALIGNED)
    R.error("order: bad axes before wrong nspacing", F64(axes=[0, 0], spacing=[G.unit()] * 3),
            I.GRAD_STATUS_INVALID_AXIS, axis={0, 1})
    R.error("order: bad axes before bad edge_order", F64(axes=[5], edge=7), I.GRAD_STATUS_INVALID_AXIS, axis=0)
    R.error("order: wrong nspacing before bad step", F64(spacing=[G.uniform(0.0)] * 3),
            I.GRAD_STATUS_INVALID_SPACING, r"spacing")
    R.error("order: bad spacing entry before bad edge_order",
            F64(spacing=[G.unit(), G.uniform(float("nan"))], edge=3), I.GRAD_STATUS_INVALID_SPACING,
            r"spacing|step|delta", axis=1)
    R.error("order: earlier spacing entry reported first",
            F64(spacing=[G.uniform(float("inf")), G.coords(np.array([0., 1., 1., 2., 3.]))]),
            I.GRAD_STATUS_INVALID_SPACING, axis=0)
    R.error("order: coords NULL before bad edge_order",
            F64(spacing=[G.unit(), (2, 0.0, None, 5)], edge=3), I.GRAD_STATUS_NULL_POINTER)
    R.error("order: coords wrong length before bad edge_order",
            F64(spacing=[G.unit(), G.coords(np.arange(3.0))], edge=-1), I.GRAD_STATUS_INVALID_SPACING)
    R.error("order: edge_order before options", F64(edge=0, options=dict(size=0)),
            I.GRAD_STATUS_INVALID_EDGE_ORDER, r"edge_order")
    R.error("order: edge_order before shape too small", lambda: Call(f=default_f(shape=(1, 5)), edge=5),
            I.GRAD_STATUS_INVALID_EDGE_ORDER, r"edge_order")
    R.error("order: options before shape too small",
            lambda: Call(f=default_f(shape=(2, 5)), edge=2, options=dict(threads=1 << 30)),
            I.GRAD_STATUS_INVALID_OPTIONS)
    R.error("order: shape too small before out[k] NULL", lambda: _small_and_out_null(),
            I.GRAD_STATUS_SHAPE_TOO_SMALL, axis=1)
    R.error("order: bad edge_order before out[k] NULL", lambda: _with(_out_ptr_null(1), edge=3),
            I.GRAD_STATUS_INVALID_EDGE_ORDER, r"edge_order")
    R.error("order: shape too small before output overlap", _small_and_overlap,
            I.GRAD_STATUS_SHAPE_TOO_SMALL, axis=0)
    R.error("order: shape too small before misaligned out",
            lambda: _with(_misaligned_out(G.GRAD_DTYPE_F64, 0, 1), f=default_f(shape=(4, 1)),
                          out_strides=[1, 1, 1, 1]),
            I.GRAD_STATUS_SHAPE_TOO_SMALL, axis=1)
    R.error("order: spacing before misaligned out",
            lambda: _with(_misaligned_out(G.GRAD_DTYPE_F64, 0, 1), spacing=[G.uniform(0.0)]),
            I.GRAD_STATUS_INVALID_SPACING)
    R.error("order: axes before output overlap", lambda: _with(_overlap_outputs(0), axes=[0, 2]),
            I.GRAD_STATUS_INVALID_AXIS, axis=1)
    R.error("order: out NULL pointer before out stride 0 (single output)",
            lambda: Call(f=default_f(shape=(5,)), out_ptrs=[None], out_strides=[0]), I.GRAD_STATUS_NULL_POINTER)
    R.error("order: out stride 0 before out misaligned (single output)",
            lambda: _single_out(offset=1, stride=0), I.GRAD_STATUS_INVALID_STRIDES)
    R.error("order: out misaligned before out overlapping f (single output)",
            lambda: _single_out_over_f(offset=1), I.GRAD_STATUS_MISALIGNED)
    R.error("order: shape too small before out[0] NULL (1-D)",
            lambda: Call(f=default_f(shape=(2,)), edge=2, out_ptrs=[None]),
            I.GRAD_STATUS_SHAPE_TOO_SMALL, axis=0)


def _with(c, **kw):
    for k, v in kw.items():
        setattr(c, k, v)
    return c


def _ndim65(**kw):
    f = default_f(shape=(3,))
    return Call(f=f, ndim=65, shape=[3] + [1] * 64, strides=[1] * 65, out_shape=(3,), **kw)


def _small_and_out_null():
    c = Call(f=default_f(shape=(4, 1))).prepare()
    c.out_ptrs = [G.addr(c.outs[0]), None]
    return c


def _small_and_overlap():
    buf = np.full(60, 1.0)
    c = Call(f=default_f(shape=(2, 5)), edge=2)
    c.outs = [buf[:10].reshape(2, 5), buf[:10].reshape(2, 5)]
    return c


def _single_out(offset, stride):
    f = default_f(shape=(5,))
    buf = np.full(128, SENTINEL, dtype=np.uint8)
    start = (-G.addr(buf)) % 16 + offset
    c = Call(f=f)
    c.outs = [buf]
    c.out_ptrs = [G.addr(buf) + start]
    c.out_strides = [stride]
    return c


def _single_out_over_f(offset):
    buf = np.zeros(128, dtype=np.uint8)
    start = (-G.addr(buf)) % 16
    f = buf[start:start + 40].view(np.float64)
    f[...] = np.arange(5.0) ** 2
    c = Call(f=f)
    c.outs = [buf]
    c.out_ptrs = [G.addr(f) + 8 + offset]
    c.out_strides = [1]
    return c


def accepted_cases(R):
    """Boundary cases that must succeed (and match numpy)."""
    # two outputs interleaved in one buffer (..., 2) as [..., 0] and [..., 1]:
    # they share no element, so this must be accepted
    def interleaved(shape, axes):
        def make():
            f = np.sin(np.arange(np.prod(shape), dtype=np.float64)).reshape(shape) * 10.0
            big = np.full(tuple(shape) + (2,), -1.0)
            return Call(f=f, axes=axes, outs=[big[..., 0], big[..., 1]])
        return make
    R.ok("outputs interleaved in a (6,2,2) buffer as [...,0] / [...,1]", interleaved((6, 2), None),
         entries=("generic", "typed"))
    R.ok("outputs interleaved in a (4,6,2) buffer, axes=[1,0]", interleaved((4, 6), [1, 0]),
         axes=[1, 0], entries=("generic", "typed"))
    R.ok("outputs interleaved in a (2,7,2) buffer, axes=[-1,-2]", interleaved((2, 7), [-1, -2]),
         axes=[-1, -2])

    def interleaved_with_input():
        buf = np.zeros((6, 2))
        buf[:, 0] = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0]
        c = Call(f=buf[:, 0])
        c.outs = [buf[:, 1]]
        return c
    R.ok("output interleaved with the input (f = buf[:,0], out = buf[:,1])", interleaved_with_input)

    R.ok("output stride 0 on an extent-1 dim",
         lambda: Call(f=default_f(shape=(5, 1)), axes=[0], outs=[sentinel_out((5, 1), np.float64)],
                      out_strides=[1, 0]), axes=[0])
    R.ok("NULL input strides (C-contiguous)", lambda: Call(strides=None), entries=("generic", "typed"))
    R.ok("NULL out_strides (C-contiguous outputs)", lambda: Call(out_strides=None))
    R.ok("extent 0 on a non-differentiated axis", lambda: Call(f=default_f(shape=(0, 5)), axes=[1]),
         axes=[1], entries=("generic", "typed"))
    R.ok("extent 0, 3-D, edge 2", lambda: Call(f=default_f(shape=(3, 0, 4)), axes=[2, 0], edge=2),
         axes=[2, 0], edge=2)
    R.ok("ndim 64 (GRAD_MAX_NDIM), axes=[0, 63]",
         lambda: Call(f=np.arange(9.0).reshape((3,) + (1,) * 62 + (3,)) ** 2, axes=[0, -1]),
         axes=[0, -1])
    R.ok("single COORDINATES entry for a 1-axis call on 2-D",
         lambda: Call(axes=[1], spacing=[G.coords(np.array([0., 1., 3., 3.5, 5.]))]), axes=[1],
         spacing=[G.coords(np.array([0., 1., 3., 3.5, 5.]))])
    for th in (0, -1, 1, 2, 64):
        R.ok("options threads=%d" % th, lambda th=th: Call(f=default_f(shape=(40, 30)),
                                                           options=dict(threads=th)))
    R.ok("options size=sizeof, boundaries all ONE_SIDED",
         lambda: Call(options=dict(threads=2, boundaries=[0, 0, 0, 0])))
    R.ok("options size=sizeof, threads 2, boundaries ONE_SIDED, axes=[1]",
         lambda: Call(axes=[1], options=dict(size=G.SIZEOF_OPTIONS, threads=2, boundaries=[0, 0])), axes=[1])
    R.ok("2-point axis, edge_order 1", lambda: Call(f=default_f(shape=(2, 3)), axes=[0]), axes=[0])
    R.ok("3-point axis, edge_order 2", lambda: Call(f=default_f(shape=(3,)), edge=2), edge=2)
    R.ok("decreasing coordinates + negative step",
         lambda: Call(spacing=[G.coords(np.array([3.0, 2.5, 1.0, -4.0])), G.uniform(-0.25)], edge=2),
         spacing=[G.coords(np.array([3.0, 2.5, 1.0, -4.0])), G.uniform(-0.25)], edge=2)
    R.ok("UNIT kind ignores delta", lambda: Call(spacing=[G.unit(12.0)]), spacing=[G.unit(12.0)])


def misc_cases(R):
    # grad_status_str
    problems = []
    texts = {}
    known = sorted(G.STATUS_NAMES)
    for code in known:
        p, t = G.status_str(code)
        if not p:
            problems.append("grad_status_str(%d) is NULL" % code)
        elif not t:
            problems.append("grad_status_str(%d) is empty" % code)
        else:
            texts[code] = t
    if len(set(texts.values())) != len(texts):
        problems.append("grad_status_str texts are not distinct: %r" % texts)
    if MUTATE and texts.get(0) != "MUTATED":
        problems.append("[mutate] grad_status_str(0) != 'MUTATED'")
    for code in (-1, 13, 50, 98, 100, 2 ** 31 - 1, -(2 ** 31)):
        p, t = G.status_str(code)
        if not p:
            problems.append("grad_status_str(%d) is NULL" % code)
    R.record("grad_status_str", problems)

    # grad_version vs Cargo.toml
    want = (0 << 16) | (1 << 8) | 0
    try:
        txt = open(os.path.join(str(G.REPO), "Cargo.toml")).read()
        m = re.search(r'^version\s*=\s*"(\d+)\.(\d+)\.(\d+)', txt, re.M)
        if m:
            want = (int(m.group(1)) << 16) | (int(m.group(2)) << 8) | int(m.group(3))
    except OSError:
        pass
    if MUTATE:
        want += 1
    v = G.version()
    probs = []
    if v != want:
        probs.append("grad_version() = %#x, expected %#x" % (v, want))
    if v != 0x000100 and not MUTATE:
        probs.append("grad_version() = %#x, expected 0.1.0 = 0x100" % v)
    R.record("grad_version", probs)

    # constants and struct sizes vs the committed header (when present)
    hdr = os.path.join(str(G.REPO), "include", "gradient.h")
    if os.path.exists(hdr):
        text = open(hdr).read()
        probs = []
        for name in dir(G):
            if not name.startswith("GRAD_"):
                continue
            val = getattr(G, name)
            m = re.search(r"\b%s\b\s*(?:=\s*)?\(?\s*(-?(?:0x[0-9a-fA-F]+|\d+))" % name, text)
            if not m:
                probs.append("%s not found in include/gradient.h" % name)
                continue
            hv = int(m.group(1), 0)
            if MUTATE:
                hv += 1
            if hv != val:
                probs.append("%s = %d in the header, %d in the binding" % (name, hv, val))
        for fn in ("grad_gradient_f64", "grad_gradient_f32", "grad_gradient_c64", "grad_gradient_c128",
                   "grad_gradient", "grad_status_str", "grad_version"):
            if not re.search(r"\b%s\s*\(" % fn, text):
                probs.append("%s not declared in include/gradient.h" % fn)
        R.record("header constants match the binding", probs)


if __name__ == "__main__":
    sys.exit(main())
