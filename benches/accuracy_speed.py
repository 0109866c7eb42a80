#!/usr/bin/env python3
"""Accuracy orders: speed of the library at accuracy 2, 4, 6, 8 against
findiff, side by side in one run.

  python3 benches/accuracy_speed.py [--n 256] [--reps 5] [--quick]

A float64 n^3 array, all three axes, one thread, outputs preallocated for the
library (findiff allocates its own, as it always does). Steps: h = 0.1 on
every axis; coordinates: an uneven grid on every axis. Runs are interleaved
(every variant once per round) and the median of the rounds is printed, with
the ratio to accuracy 2 and findiff's time over ours. Figures are printed,
never asserted.

Needs numpy and findiff (pip install findiff) and the ndgradient package, or
python/ on PYTHONPATH with GRADIENT_LIB pointing at the release library.
"""

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
import ndgradient  # noqa: E402


def cpu_name():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="n = 64, 3 rounds")
    args = ap.parse_args()
    n, reps = (64, 3) if args.quick else (args.n, args.reps)
    try:
        import findiff
    except ImportError:
        findiff = None
    rng = np.random.default_rng(1)
    f = rng.normal(size=(n, n, n))
    h = 0.1
    x = np.cumsum(0.05 + 0.1 * rng.random(n))
    outs = [np.empty_like(f) for _ in range(3)]

    def ours(p, coords):
        sp = (x, x, x) if coords else (h,)
        return lambda: ndgradient.gradient(f, *sp, accuracy=p, edge_order=1, out=outs)

    def theirs(p, coords):
        if findiff is None:
            return None
        ds = [findiff.Diff(a, x if coords else h, acc=p) for a in range(3)]
        return lambda: [d(f) for d in ds]

    variants = {}
    for coords in (False, True):
        kind = "coordinates" if coords else "step 0.1"
        for p in (2, 4, 6, 8):
            variants[("ours", kind, p)] = ours(p, coords)
        for p in (4, 8):
            t = theirs(p, coords)
            if t is not None:
                variants[("findiff", kind, p)] = t
    times = {k: [] for k in variants}
    for k, fn in variants.items():  # warm up (and build findiff's stencils)
        fn()
    for _ in range(reps):
        for k, fn in variants.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    print("%d^3 float64, all 3 axes, one thread, median of %d interleaved rounds" % (n, reps))
    print("CPU: %s; numpy %s; findiff %s" % (cpu_name(), np.__version__,
                                             getattr(findiff, "__version__", "not installed")))
    print("| spacing | accuracy | gradient ms | vs accuracy 2 | findiff ms | findiff / gradient |")
    print("|---|---|---|---|---|---|")
    for kind in ("step 0.1", "coordinates"):
        base = med[("ours", kind, 2)]
        for p in (2, 4, 6, 8):
            m = med[("ours", kind, p)]
            fd = med.get(("findiff", kind, p))
            print("| %s | %d | %.1f | %.2fx | %s | %s |" % (
                kind, p, m, m / base, "%.1f" % fd if fd else "-",
                "%.1fx" % (fd / m) if fd else "-"))


if __name__ == "__main__":
    main()
