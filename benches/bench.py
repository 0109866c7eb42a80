#!/usr/bin/env python3
"""Side-by-side benchmark: numpy.gradient vs this library vs the machine's floor.

All methods run in ONE process, INTERLEAVED: every repetition times each
method once (round-robin, the starting method rotating from one repetition
to the next), so load drift on a shared machine hits all of them alike.
Medians are reported, and speed is reported as ratios:

  speedup       = numpy median / library median
  lib/floor     = floor median / library median (1.0 = as fast as the floor)

The floor is what no gradient can beat: a small C loop (benches/floor.c,
built here with `cc -O2`) that reads the input once and writes every output
once, with no arithmetic, once with ordinary stores and once with streaming
(non-temporal) stores; the faster of the two, at the same thread count, is
the floor. `hand` is the gradient a C user writes by hand (interior points
only, a triple loop with the contiguous dimension innermost, `cc -O2`),
timed for the uniform-step cases.

Layouts: `C` (C-order input and separate C-order outputs), `F` (Fortran
order, separate Fortran-order outputs) and `Fi` (Fortran-order input, ONE
interleaved output buffer g(3, nx, ny, nz) in Fortran order, the components
of a point side by side), the last two for the 3-D shapes.

The library is called through ctypes (`grad_gradient`, the generic entry
point) with argument arrays built once and outputs allocated once, outside
the timed region, so a timed call is the C call plus ~1 us of ctypes.
numpy.gradient has no `out=`: it allocates (and frees) its outputs inside
every call, which is part of what a numpy user pays.

Before timing, each case is run once and the library's outputs are compared
with numpy's bit for bit (as unsigned integers); the result is printed and
recorded. Timings are never asserted: this is a measurement, not a test.

    python3 benches/bench.py                  # all cases, default reps
    python3 benches/bench.py --quick          # smoke run (< 30 s)
    python3 benches/bench.py --shape 260x260x260 --only 'float64 C uniform e1'
    python3 benches/bench.py --sweep --json benches/results.json \\
        --markdown benches/results.md         # what scripts/bench.sh runs

Library: env var GRADIENT_LIB, else <repo>/target/release/libgradient.so.
C compiler for the floor: env var CC, else cc.
"""

import argparse
import ctypes
import datetime
import gc
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "python"))
import gradient_ffi as G  # noqa: E402

FULL_SHAPES = [(10_000_000,), (4000, 4000), (256, 256, 256)]
QUICK_SHAPES = [(100_000,), (300, 300), (40, 40, 40)]
DTYPES = [np.float64, np.float32]
SPACINGS = ["uniform", "pow2", "coords"]
EDGE_ORDERS = [1, 2]
THREADS = [1, 2]
LAYOUTS = ["C", "F", "Fi"]
STEP = 0.1  # the uniform step (a Python float for numpy)
STEP_POW2 = 0.5  # "pow2": 2h = 1 has an exact reciprocal


def step_of(spacing_kind):
    return STEP_POW2 if spacing_kind == "pow2" else STEP

# Sweep: float64, uniform step, edge order 1, all axes; element counts from
# ~1e3 to ~2e7 for 1-D and 3-D (cubes of the nearest side).
SWEEP_FULL = [int(round(v)) for v in np.logspace(3, math.log10(2e7), 15)]
SWEEP_QUICK = [1_000, 10_000, 100_000, 300_000]


# ------------------------------------------------------------------ machine
def machine():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        ncpu = len(os.sched_getaffinity(0))
    except AttributeError:
        ncpu = os.cpu_count()
    return {"cpu": model, "cores": ncpu, "cpu_count": os.cpu_count()}


def git_commit():
    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        rev = out.stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("+dirty-src" if dirty else "") if rev else None
    except (OSError, subprocess.SubprocessError):
        return None


def loadavg():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


# ------------------------------------------------------------------ library
class LibCall:
    """One prebuilt grad_gradient call: f -> outs, all argument memory owned here."""

    def __init__(self, f, spacing_kind, coords, edge_order, threads, outs):
        lib = G.load()
        self.fn = lib.grad_gradient
        keep = []
        code = G.dtype_code(f.dtype)
        ndim = f.ndim
        shape = G.i64_array(f.shape)
        if spacing_kind in ("uniform", "pow2"):
            entries = [G.uniform(step_of(spacing_kind))]
        else:
            entries = [G.coords(x) for x in coords]
        sp = G.spacing_array(entries, keep)
        ptrs = (ctypes.c_void_p * ndim)(*[G.addr(o) for o in outs])
        opts = G.make_options(threads=threads, keep=keep)
        c_order = f.flags.c_contiguous and all(o.flags.c_contiguous for o in outs)
        strides = None if c_order else G.i64_array(G.elem_strides(f))
        ostrides = None if c_order else G.i64_array(
            [s for o in outs for s in G.elem_strides(o)])
        keep += [f, outs, shape, ptrs, strides, ostrides]
        self.keep = keep
        # dtype, f, ndim, shape, strides (NULL = C order), naxes, axes (NULL =
        # all), nspacing, spacing, edge_order, out, out_strides (NULL = C
        # order), options, err (NULL; re-run with one only on failure)
        self.args = (code, G.addr(f), ndim, ctypes.addressof(shape),
                     None if strides is None else ctypes.addressof(strides), ndim, None,
                     len(entries), ctypes.addressof(sp), edge_order,
                     ctypes.addressof(ptrs),
                     None if ostrides is None else ctypes.addressof(ostrides),
                     ctypes.addressof(opts), None)

    def __call__(self):
        st = self.fn(*self.args)
        if st:
            e = G.grad_error()
            self.fn(*(self.args[:-1] + (ctypes.addressof(e),)))
            raise RuntimeError("grad_gradient failed: %s: %s"
                               % (G.STATUS_NAMES.get(st, st), e.text))


def numpy_call(f, spacing_kind, coords, edge_order):
    varargs = ((step_of(spacing_kind),) if spacing_kind in ("uniform", "pow2")
               else tuple(coords))

    def run():
        return np.gradient(f, *varargs, edge_order=edge_order)
    return run


# -------------------------------------------------------- floor and hand loop
_FLOOR = None


def floor_lib():
    """benches/floor.c, built once per run into a temporary directory,
    removed at exit."""
    global _FLOOR
    if _FLOOR is None:
        import atexit
        import shutil
        import tempfile
        d = tempfile.mkdtemp(prefix="gradient-floor-")
        atexit.register(shutil.rmtree, d, True)
        so = os.path.join(d, "libfloor.so")
        cc = shlex.split(os.environ.get("CC") or "cc")
        subprocess.run(cc + ["-O2", "-std=c11", "-shared", "-fPIC", "-pthread",
                             str(REPO / "benches" / "floor.c"), "-o", so], check=True)
        lib = ctypes.CDLL(so)
        sz, vp, i = ctypes.c_size_t, ctypes.c_void_p, ctypes.c_int
        lib.floor_separate.argtypes = [vp, sz, sz, vp, i, i, i]
        lib.floor_interleaved.argtypes = [vp, sz, sz, vp, i, i, i]
        for name in ("hand2_f64", "hand3_f64", "hand2_f32", "hand3_f32"):
            getattr(lib, name).argtypes = [vp, vp, vp, vp, vp, ctypes.c_double]
            getattr(lib, name).restype = None
        _FLOOR = lib
    return _FLOOR


def floor_call(f, outs, buf, streaming, threads):
    """Read f once, write every output once (buf: the one interleaved
    output buffer, or None for separate outputs)."""
    lib = floor_lib()
    n, es = f.size, f.dtype.itemsize
    fa = G.addr(f)
    if buf is not None:
        fn, args = lib.floor_interleaved, (fa, n, es, G.addr(buf), len(outs), streaming, threads)
    else:
        ptrs = (ctypes.c_void_p * len(outs))(*[G.addr(o) for o in outs])
        fn, args = lib.floor_separate, (fa, n, es, ctypes.addressof(ptrs), len(outs),
                                        streaming, threads)

    def run():
        if fn(*args):
            raise RuntimeError("floor loop failed")
    run.keep = (f, outs, buf, args, locals().get("ptrs"))
    return run


def hand_call(f, outs, step):
    """The hand-written C loop (uniform step, interior only), the contiguous
    dimension innermost."""
    if f.ndim not in (2, 3):
        return None
    lib = floor_lib()
    es = f.dtype.itemsize
    order = list(range(f.ndim))
    if not f.flags.c_contiguous:
        order = order[::-1]  # Fortran order: the first dimension innermost
    n = G.i64_array([f.shape[d] for d in order])
    s = G.i64_array([f.strides[d] // es for d in order])
    os_ = G.i64_array([outs[d].strides[e] // es for d in order for e in order])
    ptrs = (ctypes.c_void_p * f.ndim)(*[G.addr(outs[d]) for d in order])
    fn = getattr(lib, "hand%d_%s" % (f.ndim, "f64" if es == 8 else "f32"))
    args = (G.addr(f), ctypes.addressof(n), ctypes.addressof(s), ctypes.addressof(ptrs),
            ctypes.addressof(os_), step)

    def run():
        fn(*args)
    run.keep = (f, outs, n, s, os_, ptrs)
    return run


def make_coords(rng, shape):
    """Strictly increasing, non-uniform float64 coordinates, one per axis."""
    return [np.cumsum(rng.uniform(0.5, 1.5, n)) / n for n in shape]


def bit_equal(a, b):
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    u = np.dtype("u%d" % a.dtype.itemsize)
    return bool(np.array_equal(a.view(u), b.view(u)))


def as_list(r):
    return list(r) if isinstance(r, (list, tuple)) else [r]


def make_layout(base, dt, layout):
    """(f, outs, buf): the input, the outputs, the interleaved buffer or None."""
    if layout == "C":
        f = np.ascontiguousarray(base.astype(dt))
        return f, [np.empty_like(f) for _ in f.shape], None
    f = np.asfortranarray(base.astype(dt))
    if layout == "F":
        return f, [np.empty(f.shape, dt, order="F") for _ in f.shape], None
    buf = np.empty((f.ndim,) + f.shape, dt, order="F")  # g(3, nx, ny, nz)
    return f, [buf[k] for k in range(f.ndim)], buf


# ------------------------------------------------------------------- timing
def calibrate(fn, min_sample_s):
    """Calls per sample so that one sample lasts at least min_sample_s."""
    t0 = time.perf_counter()
    fn()
    t = time.perf_counter() - t0
    if t >= min_sample_s:
        return 1
    # a second, warmer estimate for small calls
    k = max(1, int(min(1e-3, min_sample_s) / max(t, 1e-9)))
    t0 = time.perf_counter()
    for _ in range(k):
        fn()
    t = (time.perf_counter() - t0) / k
    return max(1, int(math.ceil(min_sample_s / max(t, 1e-9))))


def interleaved(methods, reps, min_sample_s):
    """methods: list of (name, fn). Returns {name: [seconds per call] * reps}.

    Round-robin: repetition r times every method once, starting with method
    r % len(methods), so no method is always first. Each timed sample comes
    right after one untimed call of the same method, so every method is
    timed with the caches as its own call leaves them, not as its neighbour
    in the list does (numpy's temporaries, or the dirty lines an ordinary-
    store loop leaves behind: a streaming loop timed after one pays for
    writing them back)."""
    inner = {name: calibrate(fn, min_sample_s) for name, fn in methods}
    samples = {name: [] for name, _ in methods}
    perf = time.perf_counter_ns
    gc_was = gc.isenabled()
    gc.disable()
    try:
        m = len(methods)
        for r in range(reps):
            for j in range(m):
                name, fn = methods[(r + j) % m]
                k = inner[name]
                rng = range(k)
                fn()
                t0 = perf()
                for _ in rng:
                    fn()
                t1 = perf()
                samples[name].append((t1 - t0) * 1e-9 / k)
    finally:
        if gc_was:
            gc.enable()
    return samples, inner


def median(xs):
    return statistics.median(xs)


# -------------------------------------------------------------------- cases
def shape_name(shape):
    return "x".join(str(s) for s in shape)


def parse_shape(text):
    """`260x260x260` as (260, 260, 260): one to three extents of 3 or more."""
    try:
        shape = tuple(int(x) for x in text.split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("not NxM...: %r" % text)
    if not 1 <= len(shape) <= 3 or min(shape) < 3:
        raise argparse.ArgumentTypeError("one to three extents of 3 or more: %r" % text)
    return shape


def case_list(shapes):
    """(shape, dtype, layout, spacing, edge order) of every case."""
    out = []
    for shape in shapes:
        for dt in DTYPES:
            for layout in LAYOUTS:
                if layout != "C" and len(shape) != 3:
                    continue
                for sk in SPACINGS:
                    for eo in EDGE_ORDERS:
                        if layout != "C" and eo != 1:
                            continue
                        out.append((shape, dt, layout, sk, eo))
    return out


def floor_methods(f, outs, buf):
    ms = []
    for t in THREADS:
        for st in (0, 1):
            ms.append(("floor_%s_t%d" % ("os"[st], t), floor_call(f, outs, buf, st, t)))
    return ms


def run_cases(args, shapes, out_rows):
    rng = np.random.default_rng(20240607)
    hdr = ("%-38s %9s %9s %9s %9s %8s %9s %7s  %s"
           % ("case", "numpy ms", "lib ms", "floor ms", "hand ms", "speedup", "lib/floor",
              "vs hand", "bits vs numpy"))
    print(hdr)
    print("-" * len(hdr))
    cases = case_list(shapes)
    for shape in shapes:
        base = rng.standard_normal(shape)
        coords = make_coords(rng, shape)
        for (shp, dt, layout, sk, eo) in cases:
            if shp != shape:
                continue
            tag = "%dd %s %s %s %s e%d" % (len(shape), shape_name(shape), np.dtype(dt).name,
                                           layout, sk, eo)
            if args.only and not any(s in tag for s in args.only):
                continue
            f, outs, buf = make_layout(base, dt, layout)
            np_fn = numpy_call(f, sk, coords, eo)
            libs = {t: LibCall(f, sk, coords, eo, t, outs) for t in THREADS}
            # verification (outside timing), also the warm-up
            ref = as_list(np_fn())
            ident = {}
            for t in THREADS:
                for o in outs:
                    o.fill(np.nan)
                libs[t]()
                ident[t] = all(bit_equal(a, b) for a, b in zip(outs, ref))
            del ref
            methods = [("numpy", np_fn)]
            methods += [("lib_t%d" % t, libs[t]) for t in THREADS]
            methods += floor_methods(f, outs, buf)
            hand = hand_call(f, outs, step_of(sk)) if sk != "coords" else None
            if hand is not None:
                methods.append(("hand", hand))
            samples, inner = interleaved(methods, args.reps, args.min_sample)
            med = {k: median(v) for k, v in samples.items()}
            t_np = med["numpy"]
            nbytes = f.nbytes
            for t in THREADS:
                t_lib = med["lib_t%d" % t]
                t_fo, t_fs = med["floor_o_t%d" % t], med["floor_s_t%d" % t]
                t_floor = min(t_fo, t_fs)
                row = {
                    "case": "%s t%d" % (tag, t),
                    "ndim": len(shape), "shape": list(shape), "layout": layout,
                    "elements": int(f.size), "dtype": np.dtype(dt).name,
                    "spacing": sk, "edge_order": eo, "threads": t,
                    "axes": "all", "naxes": len(shape),
                    "input_bytes": int(nbytes), "output_bytes": int(len(shape) * nbytes),
                    "numpy_ms": t_np * 1e3, "lib_ms": t_lib * 1e3,
                    "floor_ms": t_floor * 1e3, "floor_ordinary_ms": t_fo * 1e3,
                    "floor_streaming_ms": t_fs * 1e3,
                    "hand_ms": med["hand"] * 1e3 if hand is not None else None,
                    "speedup": t_np / t_lib,
                    "lib_over_floor": t_floor / t_lib,
                    "lib_vs_hand": med["hand"] / t_lib if hand is not None else None,
                    "bit_identical": ident[t],
                    "calls_per_sample": inner,
                    "samples_ms": {k: [x * 1e3 for x in v] for k, v in samples.items()},
                }
                out_rows.append(row)
                print("%-38s %9.3f %9.3f %9.3f %9s %7.2fx %9.2f %7s  %s"
                      % (row["case"], row["numpy_ms"], row["lib_ms"], row["floor_ms"],
                         "-" if hand is None or t != 1 else "%.3f" % row["hand_ms"],
                         row["speedup"], row["lib_over_floor"],
                         "-" if hand is None or t != 1 else "%.2fx" % row["lib_vs_hand"],
                         "identical" if ident[t] else "DIFFERENT"), flush=True)
            del libs, np_fn, methods, f, outs, buf, hand
            gc.collect()
        del base, coords
        gc.collect()


def run_sweep(args, sizes, out_rows):
    print("\nsweep: float64, uniform step, edge order 1, all axes; ns per element (median)")
    hdr = "%-22s %10s %10s %10s %10s %10s" % ("shape", "elements", "numpy", "lib t1", "lib t2",
                                               "floor t1")
    print(hdr)
    print("-" * len(hdr))
    rng = np.random.default_rng(7)
    for ndim in (1, 3):
        seen = set()
        for n in sizes:
            if ndim == 1:
                shape = (n,)
            else:
                side = max(3, int(round(n ** (1.0 / 3.0))))
                shape = (side, side, side)
            if shape in seen:
                continue
            seen.add(shape)
            f = rng.standard_normal(shape)
            outs = [np.empty_like(f) for _ in shape]
            np_fn = numpy_call(f, "uniform", None, 1)
            libs = {t: LibCall(f, "uniform", None, 1, t, outs) for t in THREADS}
            ref = as_list(np_fn())
            ident = True
            for t in THREADS:
                for o in outs:
                    o.fill(np.nan)
                libs[t]()
                ident = ident and all(bit_equal(a, b) for a, b in zip(outs, ref))
            del ref
            methods = [("numpy", np_fn)] + [("lib_t%d" % t, libs[t]) for t in THREADS]
            methods += [("floor_o", floor_call(f, outs, None, 0, 1)),
                        ("floor_s", floor_call(f, outs, None, 1, 1))]
            samples, inner = interleaved(methods, args.reps, args.min_sample)
            row = {"ndim": ndim, "shape": list(shape), "elements": int(f.size),
                   "dtype": "float64", "spacing": "uniform", "edge_order": 1,
                   "bit_identical": ident, "calls_per_sample": inner}
            for name in samples:
                t = median(samples[name])
                row[name + "_ms"] = t * 1e3
                row[name + "_ns_per_elem"] = t * 1e9 / f.size
            row["floor_ns_per_elem"] = min(row["floor_o_ns_per_elem"], row["floor_s_ns_per_elem"])
            out_rows.append(row)
            print("%-22s %10d %10.3f %10.3f %10.3f %10.3f%s"
                  % (shape_name(shape), f.size, row["numpy_ns_per_elem"],
                     row["lib_t1_ns_per_elem"], row["lib_t2_ns_per_elem"],
                     row["floor_ns_per_elem"], "" if ident else "  DIFFERENT FROM NUMPY"),
                  flush=True)
            del f, outs, libs, np_fn, methods


# ------------------------------------------------------------------- output
def write_markdown(path, meta, cases, sweep):
    m = meta
    lines = []
    lines.append("### Benchmark: numpy.gradient vs gradient (ctypes) vs the floor")
    lines.append("")
    lines.append("- Machine: %s, %s cores available (load average %s at start, %s at end; "
                 "the benchmark process got %.2f CPU s per wall s)"
                 % (m["machine"]["cpu"], m["machine"]["cores"],
                    fmt_load(m["load_start"]), fmt_load(m["load_end"]),
                    m["cpu_per_wall"] or 0.0))
    lines.append("- numpy %s, Python %s, library version %s, commit %s"
                 % (m["numpy"], m["python"], m["lib_version"], m["commit"]))
    lines.append("- Command: `%s`%s" % (m["command"], " (run by `%s`)" % m["via"] if m.get("via") else ""))
    lines.append("- Medians of %d interleaved repetitions, each timed call right after an untimed call "
                 "of the same method; all axes; uniform = step %r "
                 "(a Python float for numpy), pow2 = step %r (2h a power of two), coords = one non-uniform float64 array per axis. "
                 "Library into reused outputs; numpy allocates its outputs in every call."
                 % (m["reps"], STEP, STEP_POW2))
    lines.append("- Layouts: C = C order, separate outputs; F = Fortran order, separate "
                 "outputs; Fi = Fortran order, one interleaved output g(3, nx, ny, nz).")
    lines.append("- floor = read the input once and write every output once, no arithmetic "
                 "(benches/floor.c, cc -O2), the faster of ordinary and streaming stores at the "
                 "same thread count; lib/floor = floor time / library time. hand = the "
                 "gradient written by hand in C (interior only, uniform step, cc -O2), one "
                 "thread; vs hand = hand time / library time.")
    lines.append("")
    if cases:
        bad = [c["case"] for c in cases if not c["bit_identical"]]
        lines.append("Library outputs bit-identical to numpy in every case: %s"
                     % ("yes" if not bad else "NO (%s)" % ", ".join(bad)))
        lines.append("")
        lines.append("| case | numpy ms | lib ms | floor ms (ordinary / streaming) | hand ms "
                     "| speedup | lib/floor | vs hand |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for c in cases:
            h = c["hand_ms"] is not None and c["threads"] == 1
            lines.append("| %s | %.2f | %.2f | %.2f (%.2f / %.2f) | %s | %.2f | %.2f | %s |"
                         % (c["case"], c["numpy_ms"], c["lib_ms"], c["floor_ms"],
                            c["floor_ordinary_ms"], c["floor_streaming_ms"],
                            "%.2f" % c["hand_ms"] if h else "-", c["speedup"],
                            c["lib_over_floor"], "%.2f" % c["lib_vs_hand"] if h else "-"))
        lines.append("")
    if sweep:
        lines.append("Size sweep (float64, C order, uniform step, edge order 1, all axes), "
                     "ns per element:")
        lines.append("")
        lines.append("| shape | elements | numpy | lib t1 | lib t2 | floor t1 |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for s in sweep:
            lines.append("| %s | %d | %.3f | %.3f | %.3f | %.3f |"
                         % (shape_name(s["shape"]), s["elements"], s["numpy_ns_per_elem"],
                            s["lib_t1_ns_per_elem"], s["lib_t2_ns_per_elem"],
                            s["floor_ns_per_elem"]))
        lines.append("")
    Path(path).write_text("\n".join(lines))


def fmt_load(la):
    return "n/a" if la is None else "/".join("%.2f" % v for v in la)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="small sizes and few reps: a smoke run (< 30 s)")
    ap.add_argument("--reps", type=int, default=None,
                    help="repetitions per method (default 9, quick 3)")
    ap.add_argument("--min-sample", type=float, default=None, metavar="SECONDS",
                    help="small calls are repeated until one sample lasts this long "
                         "(default 0.005, quick 0.001)")
    ap.add_argument("--sweep", action="store_true",
                    help="also run the size sweep that benches/plot.py draws")
    ap.add_argument("--sweep-only", action="store_true", help="run only the size sweep")
    ap.add_argument("--only", action="append", metavar="SUBSTRING",
                    help="run only the cases whose name contains this (repeatable)")
    ap.add_argument("--shape", action="append", metavar="NxM...", type=parse_shape,
                    help="run this shape (repeatable) instead of the standard ones, "
                         "e.g. 260x260x260")
    ap.add_argument("--json", metavar="FILE", help="write all figures as JSON")
    ap.add_argument("--markdown", metavar="FILE", help="write a Markdown table (for the README)")
    args = ap.parse_args(argv)
    if args.reps is None:
        args.reps = 3 if args.quick else 9
    if args.min_sample is None:
        args.min_sample = 0.001 if args.quick else 0.005
    if args.reps < 1:
        ap.error("--reps must be >= 1")

    lib = G.load()
    v = int(lib.grad_version())
    command = "python3 " + " ".join(shlex.quote(a) for a in
                                    [os.path.relpath(__file__, REPO)] + (sys.argv[1:] if argv is None else argv))
    meta = {
        "machine": machine(),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "lib": G.lib_path(),
        "lib_version": "%d.%d.%d" % (v >> 16, (v >> 8) & 0xFF, v & 0xFF),
        "commit": git_commit(),
        "command": command,
        # scripts/bench.sh says it ran us (its own command line)
        "via": os.environ.get("GRADIENT_BENCH_VIA") or None,
        "reps": args.reps,
        "min_sample_s": args.min_sample,
        "quick": args.quick,
        "step": STEP,
        "step_pow2": STEP_POW2,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "load_start": loadavg(),
    }
    print("machine: %s, %s cores; load average %s" % (meta["machine"]["cpu"], meta["machine"]["cores"],
                                                       fmt_load(meta["load_start"])))
    print("numpy %s, library %s (%s), reps %d, medians\n"
          % (meta["numpy"], meta["lib_version"], meta["lib"], args.reps))
    t_start = time.perf_counter()
    cpu_start = os.times()
    cases, sweep = [], []
    if not args.sweep_only:
        shapes = args.shape or (QUICK_SHAPES if args.quick else FULL_SHAPES)
        run_cases(args, shapes, cases)
    if args.sweep or args.sweep_only:
        run_sweep(args, SWEEP_QUICK if args.quick else SWEEP_FULL, sweep)
    meta["load_end"] = loadavg()
    meta["seconds"] = time.perf_counter() - t_start
    cpu_end = os.times()
    cpu = (cpu_end.user - cpu_start.user) + (cpu_end.system - cpu_start.system)
    # CPU seconds this process got per wall second: well below 1 means the
    # process often waited for a core (a busy machine); threads=2 calls can
    # push it above 1.
    meta["cpu_per_wall"] = cpu / meta["seconds"] if meta["seconds"] > 0 else None

    if cases:
        bad = [c["case"] for c in cases if not c["bit_identical"]]
        print("\nbit-identical to numpy: %s" % ("all %d cases" % len(cases) if not bad
                                                 else "NO: " + ", ".join(bad)))
        slower = [c["case"] for c in cases if c["speedup"] < 1.0]
        if slower:
            print("library slower than numpy: " + ", ".join(slower))
    print("load average at end %s; %.1f s wall, %.2f CPU s per wall s"
          % (fmt_load(meta["load_end"]), meta["seconds"], meta["cpu_per_wall"] or 0.0))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        with open(args.json, "w") as fh:
            json.dump({"meta": meta, "cases": cases, "sweep": sweep}, fh, indent=1)
            fh.write("\n")
        print("wrote " + args.json)
    if args.markdown:
        Path(args.markdown).parent.mkdir(parents=True, exist_ok=True)
        write_markdown(args.markdown, meta, cases, sweep)
        print("wrote " + args.markdown)
    ok = all(c["bit_identical"] for c in cases) and all(s["bit_identical"] for s in sweep)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
