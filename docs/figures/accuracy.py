#!/usr/bin/env python3
"""Convergence of the accuracy orders p = 2, 4, 6, 8; draws docs/accuracy.png.

    python3 docs/figures/accuracy.py            (from anywhere)

f(x) = sin(2x + 0.5) + 0.5 exp(-x) on [0, 3] is sampled on refined grids,
uniform (UNIFORM step h) and uneven (x = 3 (t + 0.1 sin(2 pi t)), t evenly
spaced, passed as coordinates). The library (accuracy p, edge_order q = p;
p = 2 is numpy's formulas with edge_order 2) is called through ctypes on
target/release/libgradient.so (or $GRADIENT_LIB), and the maximum error over
ALL points, ends included, is plotted against h (the largest spacing).
findiff's accuracy 8 is drawn beside it. The measured order is the
least-squares slope of log(error) against log(h) over the grids whose error
is well above rounding (> 2e-11), the four finest such; tests/python/test_accuracy.py calls
measure_orders() and requires every order within 0.3 of p.

matplotlib and findiff are installed with pip if missing (only for drawing).
"""
import math
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "docs", "accuracy.png")
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
import gradient_ffi as G  # noqa: E402

L = 3.0
ORDERS = (2, 4, 6, 8)
SIZES = (9, 12, 16, 22, 30, 40, 54, 72, 96, 128, 170, 226, 300, 400)
FLOOR = 2e-11


def func(x):
    return np.sin(2 * x + 0.5) + 0.5 * np.exp(-x)


def dfunc(x):
    return 2 * np.cos(2 * x + 0.5) - 0.5 * np.exp(-x)


def grid(kind, n):
    t = np.arange(n) / (n - 1)
    if kind == "uniform":
        h = L / (n - 1)
        return h * np.arange(n), h
    x = L * (t + 0.1 * np.sin(2 * np.pi * t))
    return x, float(np.max(np.diff(x)))


def ours(kind, n, p):
    x, h = grid(kind, n)
    sp = G.uniform(h) if kind == "uniform" else G.coords(x)
    st, err, outs = G.call(func(x), [sp], edge_order=p, options=dict(accuracy=p))
    if st != 0:
        raise RuntimeError("library: status %d: %s" % (st, err.text))
    return h, float(np.max(np.abs(outs[0] - dfunc(x))))


def findiff_err(kind, n, acc=8):
    import warnings
    warnings.filterwarnings("ignore")
    from findiff import Diff
    x, h = grid(kind, n)
    d = Diff(0, h if kind == "uniform" else x)
    d.set_accuracy(acc)
    return h, float(np.max(np.abs(d(func(x)) - dfunc(x))))


def slope(hs, es, last=4):
    """Least-squares slope over the `last` finest grids still above FLOOR
    (the asymptotic range: coarser grids are not there yet, finer ones
    reach rounding)."""
    pts = sorted((math.log(h), math.log(e)) for h, e in zip(hs, es) if e > FLOOR)[:last]
    if len(pts) < 3:
        return float("nan")
    a = np.array(pts)
    return float(np.polyfit(a[:, 0], a[:, 1], 1)[0])


def curves():
    """{(kind, p): (hs, errors)} for every grid kind and order that fits."""
    res = {}
    for kind in ("uniform", "uneven"):
        for p in ORDERS:
            hs, es = [], []
            for n in SIZES:
                if n < p + 1:
                    continue
                h, e = ours(kind, n, p)
                hs.append(h)
                es.append(e)
            res[(kind, p)] = (hs, es)
    return res


def measure_orders():
    """[(grid kind, p, measured order)]"""
    return [(kind, p, slope(*hc)) for (kind, p), hc in curves().items()]


def ensure(module):
    try:
        __import__(module)
    except ImportError:
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        if subprocess.call(cmd + [module]) != 0:
            subprocess.check_call(cmd + ["--break-system-packages", module])


def main():
    ensure("matplotlib")
    ensure("findiff")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401

    data = curves()
    fig, axs = plt.subplots(1, 2, figsize=(10, 4.4), sharey=True)
    colors = {2: "tab:red", 4: "tab:orange", 6: "tab:green", 8: "tab:blue"}
    for ax, kind in zip(axs, ("uniform", "uneven")):
        for p in ORDERS:
            hs, es = data[(kind, p)]
            ax.loglog(hs, es, "o-", ms=3.5, color=colors[p],
                      label="accuracy %d (order %.2f)" % (p, slope(hs, es)))
            print("%-8s p=%d measured order %.2f" % (kind, p, slope(hs, es)))
        fh, fe = zip(*[findiff_err(kind, n) for n in SIZES if n >= 16])
        ax.loglog(fh, fe, "x--", ms=4, color="black", lw=0.9,
                  label="findiff acc=8 (order %.2f)" % slope(fh, fe))
        print("%-8s findiff acc=8 order %.2f" % (kind, slope(fh, fe)))
        ax.set_title("%s grid" % kind + (" (x = 3(t + 0.1 sin 2πt))" if kind == "uneven" else ""))
        ax.set_xlabel("h (largest spacing)")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    axs[0].set_ylabel("max |error| over all points, ends included")
    fig.suptitle("d/dx of sin(2x + 0.5) + 0.5 exp(-x) on [0, 3], edge_order = accuracy")
    fig.tight_layout()
    fig.savefig(OUT, dpi=110)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
