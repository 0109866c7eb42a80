#!/usr/bin/env python3
"""Side-by-side benchmark: numpy.gradient vs this library vs a memory copy.

All three run in ONE process, INTERLEAVED: every repetition times each
method once (round-robin, the starting method rotating from one repetition
to the next), so load drift on a shared machine hits all of them alike.
Medians are reported, and speed is reported as ratios:

  speedup       = numpy median / library median
  bw fraction   = achieved library bandwidth / copy bandwidth
                = ((input bytes + naxes * output bytes) / t_lib)
                  / ((2 * input bytes) / t_copy)

The library is called through ctypes (`grad_gradient`, the generic entry
point) with argument arrays built once and outputs allocated once, outside
the timed region, so a timed call is the C call plus ~1 us of ctypes.
numpy.gradient has no `out=`: it allocates (and frees) its outputs inside
every call, which is part of what a numpy user pays. The copy is
`np.copyto(dst, f)` into a preallocated `dst`: the memory-bandwidth
yardstick (it reads and writes `f.nbytes` each).

Before timing, each case is run once and the library's outputs are compared
with numpy's bit for bit (as unsigned integers); the result is printed and
recorded. Timings are never asserted: this is a measurement, not a test.

    python3 benches/bench.py                  # all cases, default reps
    python3 benches/bench.py --quick          # smoke run (< 20 s)
    python3 benches/bench.py --sweep --json benches/results.json \\
        --markdown benches/results.md         # what scripts/bench.sh runs

Library: env var GRADIENT_LIB, else <repo>/target/release/libgradient.so.
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
SPACINGS = ["uniform", "coords"]
EDGE_ORDERS = [1, 2]
THREADS = [1, 2]
STEP = 0.1  # the uniform step (a Python float for numpy)

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
        if spacing_kind == "uniform":
            entries = [G.uniform(STEP)]
        else:
            entries = [G.coords(x) for x in coords]
        sp = G.spacing_array(entries, keep)
        ptrs = (ctypes.c_void_p * ndim)(*[G.addr(o) for o in outs])
        opts = G.make_options(threads=threads, keep=keep)
        keep += [f, outs, shape, ptrs]
        self.keep = keep
        # dtype, f, ndim, shape, strides (NULL = C order), naxes, axes (NULL =
        # all), nspacing, spacing, edge_order, out, out_strides (NULL = C
        # order), options, err (NULL; re-run with one only on failure)
        self.args = (code, G.addr(f), ndim, ctypes.addressof(shape), None, ndim, None,
                     len(entries), ctypes.addressof(sp), edge_order,
                     ctypes.addressof(ptrs), None, ctypes.addressof(opts), None)

    def __call__(self):
        st = self.fn(*self.args)
        if st:
            e = G.grad_error()
            self.fn(*(self.args[:-1] + (ctypes.addressof(e),)))
            raise RuntimeError("grad_gradient failed: %s: %s"
                               % (G.STATUS_NAMES.get(st, st), e.text))


def numpy_call(f, spacing_kind, coords, edge_order):
    varargs = (STEP,) if spacing_kind == "uniform" else tuple(coords)

    def run():
        return np.gradient(f, *varargs, edge_order=edge_order)
    return run


def copy_call(f, dst):
    def run():
        np.copyto(dst, f)
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
    r % len(methods), so no method is always first (or always after numpy
    has just trashed the cache)."""
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


def run_cases(args, shapes, out_rows):
    rng = np.random.default_rng(20240607)
    hdr = ("%-40s %10s %10s %10s %8s %7s  %s"
           % ("case", "numpy ms", "lib ms", "copy ms", "speedup", "bw frac", "bits vs numpy"))
    print(hdr)
    print("-" * len(hdr))
    for shape in shapes:
        base = rng.standard_normal(shape)
        coords = make_coords(rng, shape)
        for dt in DTYPES:
            f = np.ascontiguousarray(base.astype(dt))
            dst = np.empty_like(f)
            outs = [np.empty_like(f) for _ in shape]
            for sk in SPACINGS:
                for eo in EDGE_ORDERS:
                    tag = "%dd %s %s %s e%d" % (len(shape), shape_name(shape),
                                                np.dtype(dt).name, sk, eo)
                    if args.only and not any(s in tag for s in args.only):
                        continue
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
                    methods += [("copy", copy_call(f, dst))]
                    samples, inner = interleaved(methods, args.reps, args.min_sample)
                    t_np = median(samples["numpy"])
                    t_cp = median(samples["copy"])
                    nbytes = f.nbytes
                    moved = nbytes + len(shape) * outs[0].nbytes
                    for t in THREADS:
                        t_lib = median(samples["lib_t%d" % t])
                        row = {
                            "case": "%s t%d" % (tag, t),
                            "ndim": len(shape), "shape": list(shape),
                            "elements": int(f.size), "dtype": np.dtype(dt).name,
                            "spacing": sk, "edge_order": eo, "threads": t,
                            "axes": "all", "naxes": len(shape),
                            "input_bytes": int(nbytes), "output_bytes": int(len(shape) * outs[0].nbytes),
                            "numpy_ms": t_np * 1e3, "lib_ms": t_lib * 1e3, "copy_ms": t_cp * 1e3,
                            "speedup": t_np / t_lib,
                            "bw_fraction": (moved / t_lib) / ((2 * nbytes) / t_cp),
                            "bit_identical": ident[t],
                            "calls_per_sample": {"numpy": inner["numpy"], "lib": inner["lib_t%d" % t],
                                                 "copy": inner["copy"]},
                            "samples_ms": {"numpy": [s * 1e3 for s in samples["numpy"]],
                                           "lib": [s * 1e3 for s in samples["lib_t%d" % t]],
                                           "copy": [s * 1e3 for s in samples["copy"]]},
                        }
                        out_rows.append(row)
                        print("%-40s %10.3f %10.3f %10.3f %7.2fx %7.2f  %s"
                              % (row["case"], row["numpy_ms"], row["lib_ms"], row["copy_ms"],
                                 row["speedup"], row["bw_fraction"],
                                 "identical" if ident[t] else "DIFFERENT"), flush=True)
                    del libs, np_fn, methods
            del f, dst, outs
        del base, coords
        gc.collect()


def run_sweep(args, sizes, out_rows):
    print("\nsweep: float64, uniform step, edge order 1, all axes; ns per element (median)")
    hdr = "%-22s %10s %10s %10s %10s %10s" % ("shape", "elements", "numpy", "lib t1", "lib t2", "copy")
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
            dst = np.empty_like(f)
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
            methods += [("copy", copy_call(f, dst))]
            samples, inner = interleaved(methods, args.reps, args.min_sample)
            row = {"ndim": ndim, "shape": list(shape), "elements": int(f.size),
                   "dtype": "float64", "spacing": "uniform", "edge_order": 1,
                   "bit_identical": ident, "calls_per_sample": inner}
            for name in samples:
                t = median(samples[name])
                row[name + "_ms"] = t * 1e3
                row[name + "_ns_per_elem"] = t * 1e9 / f.size
            out_rows.append(row)
            print("%-22s %10d %10.3f %10.3f %10.3f %10.3f%s"
                  % (shape_name(shape), f.size, row["numpy_ns_per_elem"],
                     row["lib_t1_ns_per_elem"], row["lib_t2_ns_per_elem"],
                     row["copy_ns_per_elem"], "" if ident else "  DIFFERENT FROM NUMPY"),
                  flush=True)
            del f, dst, outs, libs, np_fn, methods


# ------------------------------------------------------------------- output
def write_markdown(path, meta, cases, sweep):
    m = meta
    lines = []
    lines.append("### Benchmark: numpy.gradient vs gradient (ctypes) vs memory copy")
    lines.append("")
    lines.append("- Machine: %s, %s cores available (load average %s at start, %s at end; "
                 "the benchmark process got %.2f CPU s per wall s)"
                 % (m["machine"]["cpu"], m["machine"]["cores"],
                    fmt_load(m["load_start"]), fmt_load(m["load_end"]),
                    m["cpu_per_wall"] or 0.0))
    lines.append("- numpy %s, Python %s, library version %s, commit %s"
                 % (m["numpy"], m["python"], m["lib_version"], m["commit"]))
    lines.append("- Command: `%s`%s" % (m["command"], " (run by `%s`)" % m["via"] if m.get("via") else ""))
    lines.append("- Medians of %d interleaved repetitions; all axes; uniform = step %r "
                 "(a Python float for numpy), coords = one non-uniform float64 array per axis. "
                 "Library into reused outputs; numpy allocates its outputs in every call."
                 % (m["reps"], STEP))
    lines.append("- speedup = numpy / lib; bw frac = ((input + outputs) bytes / t_lib) / "
                 "(2 x input bytes / t_copy), copy = `np.copyto` of the input.")
    lines.append("")
    if cases:
        bad = [c["case"] for c in cases if not c["bit_identical"]]
        lines.append("Library outputs bit-identical to numpy in every case: %s"
                     % ("yes" if not bad else "NO (%s)" % ", ".join(bad)))
        lines.append("")
        lines.append("| case | numpy ms | lib ms | copy ms | speedup | bw frac |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for c in cases:
            lines.append("| %s | %.2f | %.2f | %.2f | %.2f | %.2f |"
                         % (c["case"], c["numpy_ms"], c["lib_ms"], c["copy_ms"],
                            c["speedup"], c["bw_fraction"]))
        lines.append("")
    if sweep:
        lines.append("Size sweep (float64, uniform step, edge order 1, all axes), ns per element:")
        lines.append("")
        lines.append("| shape | elements | numpy | lib t1 | lib t2 | copy |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for s in sweep:
            lines.append("| %s | %d | %.3f | %.3f | %.3f | %.3f |"
                         % (shape_name(s["shape"]), s["elements"], s["numpy_ns_per_elem"],
                            s["lib_t1_ns_per_elem"], s["lib_t2_ns_per_elem"],
                            s["copy_ns_per_elem"]))
        lines.append("")
    Path(path).write_text("\n".join(lines))


def fmt_load(la):
    return "n/a" if la is None else "/".join("%.2f" % v for v in la)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="small sizes and few reps: a smoke run (< 20 s)")
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
        run_cases(args, QUICK_SHAPES if args.quick else FULL_SHAPES, cases)
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
