#!/usr/bin/env python3
"""Plot the size sweep of benches/bench.py: time per element against size.

    python3 benches/plot.py [benches/results.json] [-o docs/bench.png]

Log-log, one panel per dimensionality in the sweep (1-D and 3-D), lines for
numpy.gradient, the library with 1 and 2 threads, and the floor (the
C loop that reads the input once and writes every output once). Medians of interleaved repetitions.
"""

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

SERIES = [
    ("numpy", "numpy.gradient", "tab:blue", "o", "-"),
    ("lib_t1", "gradient, 1 thread", "tab:orange", "s", "-"),
    ("lib_t2", "gradient, 2 threads", "tab:red", "^", "--"),
    ("floor", "floor: read once, write once, 1 thread", "tab:gray", "", ":"),
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", nargs="?", default=str(REPO / "benches" / "results.json"))
    ap.add_argument("-o", "--output", default=str(REPO / "docs" / "bench.png"))
    args = ap.parse_args(argv)

    data = json.loads(Path(args.json).read_text())
    sweep = data.get("sweep") or []
    if not sweep:
        print("plot.py: %s has no sweep (run bench.py with --sweep)" % args.json, file=sys.stderr)
        return 1
    meta = data.get("meta", {})
    ndims = sorted({s["ndim"] for s in sweep})

    fig, axes = plt.subplots(1, len(ndims), figsize=(6.4 * len(ndims), 5.2), squeeze=False)
    for ax, nd in zip(axes[0], ndims):
        rows = sorted((s for s in sweep if s["ndim"] == nd), key=lambda s: s["elements"])
        n = [s["elements"] for s in rows]
        for key, label, color, marker, style in SERIES:
            col = key + "_ns_per_elem"
            if not all(col in s for s in rows):
                continue
            ax.plot(n, [s[col] for s in rows], style, color=color, marker=marker,
                    markersize=4, linewidth=1.6, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("elements in the array")
        ax.set_ylabel("median time per element (ns)")
        what = "1-D (n,)" if nd == 1 else "%d-D cube (n^(1/%d) per side)" % (nd, nd)
        ax.set_title("%s, float64, uniform step, %s" % (what, "its axis" if nd == 1 else "all %d axes" % nd),
                     fontsize=10)
        ax.grid(True, which="major", alpha=0.4)
        ax.grid(True, which="minor", alpha=0.12)
        ax.legend(fontsize=8, loc="best")
    m = meta.get("machine", {})
    la = meta.get("load_start")
    sub = "%s, %s cores; numpy %s; library %s (%s); %s reps, medians" % (
        m.get("cpu", "?"), m.get("cores", "?"), meta.get("numpy", "?"),
        meta.get("lib_version", "?"), meta.get("commit", "?"), meta.get("reps", "?"))
    if la:
        sub += "; load avg %.1f at start" % la[0]
    if meta.get("cpu_per_wall") is not None:
        sub += ", %.2f CPU s per wall s" % meta["cpu_per_wall"]
    fig.suptitle("numpy.gradient vs gradient (C ABI via ctypes): time per element\n" + sub,
                 fontsize=10)
    fig.tight_layout()
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.output, dpi=110)
    print("wrote " + args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
