#!/usr/bin/env python3
"""ndgradient.dask.gradient against dask.array.gradient, same array, same run.

    python benches/dask_bench.py [--quick] [--n 256] [--chunk 64] [--reps 5]

Default: a 256^3 float64 array in 64^3 chunks, threaded scheduler, all three
axes, a step on two axes and coordinates (not evenly spaced) on the third.
Reports the median wall time of each over --reps interleaved runs, the
ratio, and whether each equals numpy.gradient on the whole array bit for
bit (dask.array.gradient is not guaranteed to).  --quick runs 64^3 in 16^3
chunks once: a smoke run for the test command, never an assertion.
"""

import argparse
import os
import platform
import statistics
import time

import numpy as np
import dask
import dask.array as da

import ndgradient
import ndgradient.dask as ndd


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def identical(got, want):
    return all(np.array_equal(g.view(np.uint64), w.view(np.uint64)) for g, w in zip(got, want))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    if args.quick:
        args.n, args.chunk, args.reps = 64, 16, 1
    n, c = args.n, args.chunk
    rng = np.random.default_rng(0)
    f = rng.normal(size=(n, n, n))
    x = np.cumsum(rng.uniform(0.5, 1.5, size=n))
    d = da.from_array(f, chunks=(c, c, c))
    spacing = (0.5, x, 2.0)

    def ours():
        return dask.compute(*ndd.gradient(d, *spacing), scheduler="threads")

    def theirs():
        return dask.compute(*da.gradient(d, *spacing), scheduler="threads")

    want = np.gradient(f, *spacing)
    same_ours = identical(ours(), want)
    same_theirs = identical(theirs(), want)
    t_ours, t_theirs = [], []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        ours()
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        theirs()
        t_theirs.append(time.perf_counter() - t0)
    mo, mt = statistics.median(t_ours), statistics.median(t_theirs)
    print("%d^3 float64 in %d^3 chunks, all axes (step, coordinates, step), threaded scheduler, "
          "%d CPUs (%s), dask %s, numpy %s, ndgradient %s"
          % (n, c, len(os.sched_getaffinity(0)), cpu_name(), dask.__version__, np.__version__,
             ndgradient.__version__))
    print("ndgradient.dask.gradient  %8.1f ms  bit-identical to numpy.gradient: %s"
          % (mo * 1e3, same_ours))
    print("dask.array.gradient       %8.1f ms  bit-identical to numpy.gradient: %s"
          % (mt * 1e3, same_theirs))
    print("speedup %.2fx (median of %d)" % (mt / mo, args.reps))
    if not same_ours:
        raise SystemExit("ndgradient.dask.gradient differs from numpy.gradient")


if __name__ == "__main__":
    main()
