#!/usr/bin/env python3
"""Draws docs/periodic.png: numpy.gradient's one-sided ends against the
library's PERIODIC boundary on a periodic signal.

    python3 docs/figures/periodic.py          (from anywhere)

The signal is f(x) = sin(x + 1) sampled at 12 points on [0, 2*pi), endpoint
excluded, so the samples are one period of a periodic function. numpy.gradient
uses one-sided differences at the two ends, which ignore the wrap-around; the
library's PERIODIC boundary uses the wrapped neighbours, so every point gets
the central difference. The library is called through ctypes on
target/release/libgradient.so (built with `cargo build --release` if missing;
CARGO_TARGET_DIR is honoured). matplotlib is installed with pip if missing.

Before drawing, the script checks that the library's PERIODIC result is
bit-identical to numpy.gradient on the array padded by one wrapped point per
side (np.pad(mode="wrap")) with the pad removed (docs/numerics.md, boundaries), and that it
equals numpy.gradient at every interior point.
"""
import ctypes
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "docs", "periodic.png")

try:
    import matplotlib
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "matplotlib"])
    import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


# ---- the library, through its C ABI ---------------------------------------
class GradSpacing(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int32), ("delta", ctypes.c_double),
                ("coords", ctypes.POINTER(ctypes.c_double)), ("coords_len", ctypes.c_int64)]


class GradOptions(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("threads", ctypes.c_int32),
                ("boundaries", ctypes.POINTER(ctypes.c_int32)),
                ("periods", ctypes.POINTER(ctypes.c_double))]


class GradError(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int32), ("axis", ctypes.c_int32),
                ("message", ctypes.c_char * 256)]


GRAD_SPACING_UNIFORM = 1
GRAD_BOUNDARY_PERIODIC = 1


def load_library():
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    lib = os.path.join(ROOT, target, "release", "libgradient.so")
    if not os.path.exists(lib):
        subprocess.check_call(["cargo", "build", "--release"], cwd=ROOT)
    lib = ctypes.CDLL(lib)
    dptr = ctypes.POINTER(ctypes.c_double)
    lib.grad_gradient_f64.restype = ctypes.c_int32
    lib.grad_gradient_f64.argtypes = [
        dptr, ctypes.c_int32, ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_int64),
        ctypes.c_int32, ctypes.POINTER(ctypes.c_int32), ctypes.c_int32,
        ctypes.POINTER(GradSpacing), ctypes.c_int32, ctypes.POINTER(dptr),
        ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(GradOptions), ctypes.POINTER(GradError)]
    return lib


def periodic_gradient(lib, f, h, edge_order=1):
    """The library's gradient of the 1-d array f with step h, PERIODIC."""
    f = np.ascontiguousarray(f, dtype=np.float64)
    out = np.full_like(f, np.nan)
    dptr = ctypes.POINTER(ctypes.c_double)
    shape = (ctypes.c_int64 * 1)(f.size)
    spacing = GradSpacing(GRAD_SPACING_UNIFORM, h, None, 0)
    outs = (dptr * 1)(out.ctypes.data_as(dptr))
    bnd = (ctypes.c_int32 * 2)(GRAD_BOUNDARY_PERIODIC, GRAD_BOUNDARY_PERIODIC)
    opts = GradOptions(ctypes.sizeof(GradOptions), 1, bnd, None)
    err = GradError()
    status = lib.grad_gradient_f64(f.ctypes.data_as(dptr), 1, shape, None, 1, None, 1,
                                   ctypes.byref(spacing), edge_order, outs, None,
                                   ctypes.byref(opts), ctypes.byref(err))
    if status != 0:
        raise RuntimeError(f"grad_gradient_f64: status {status}: {err.message.decode()}")
    return out


# ---- data -----------------------------------------------------------------
n = 12
h = 2 * np.pi / n
x = np.arange(n) * h                      # [0, 2*pi), endpoint excluded
f = np.sin(x + 1.0)
exact = np.cos(x + 1.0)

lib = load_library()
ours = periodic_gradient(lib, f, h)
theirs = np.gradient(f, h)                # numpy: one-sided at both ends

padded = np.gradient(np.pad(f, 1, mode="wrap"), h)[1:-1]
assert ours.tobytes() == padded.tobytes(), "PERIODIC != numpy on the wrap-padded array"
assert ours[1:-1].tobytes() == theirs[1:-1].tobytes(), "interior differs from numpy"
assert not np.array_equal(ours[[0, -1]], theirs[[0, -1]])

# ---- figure ---------------------------------------------------------------
fine = np.linspace(0, 2 * np.pi, 400)
fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6.4), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 2]})
fig.suptitle(f"Derivative of sin(x + 1) from {n} samples on [0, 2\u03c0), endpoint excluded",
             fontsize=12)

top.plot(fine, np.cos(fine + 1.0), color="0.55", lw=1.5, label="exact: cos(x + 1)", zorder=1)
top.plot(x, theirs, "o", ms=10, mfc="none", mec="tab:red", mew=1.8,
         label="numpy.gradient (one-sided ends)", zorder=2)
top.plot(x, ours, "o", ms=5, color="tab:blue", label="gradient, PERIODIC", zorder=3)
for i in (0, n - 1):
    top.annotate("numpy: one-sided", xy=(x[i], theirs[i]),
                 xytext=(x[i] + (0.35 if i == 0 else -0.35), theirs[i] - 0.45),
                 ha="left" if i == 0 else "right", color="tab:red", fontsize=9,
                 arrowprops={"arrowstyle": "->", "color": "tab:red"})
top.axvline(2 * np.pi, color="0.8", ls=":", lw=1)
top.text(2 * np.pi - 0.05, -1.2, "x = 2\u03c0 wraps to sample 0", color="0.45", fontsize=8,
         ha="right", va="center")
top.set_ylabel("df/dx")
top.set_ylim(-1.35, 1.35)
top.legend(loc="upper left", fontsize=9, framealpha=0.95)
top.grid(alpha=0.3)

bottom.axhline(0, color="0.55", lw=1)
bottom.plot(x, theirs - exact, "o-", ms=9, mfc="none", mec="tab:red", mew=1.6,
            color="tab:red", lw=1, label="numpy.gradient \u2212 exact")
bottom.plot(x, ours - exact, "o-", ms=4, color="tab:blue", lw=1,
            label="gradient PERIODIC \u2212 exact")
bottom.set_ylabel("error")
bottom.set_xlabel("x")
bottom.legend(loc="lower center", fontsize=9, ncol=2, framealpha=0.95)
bottom.grid(alpha=0.3)
bottom.set_xticks(np.arange(0, 2 * np.pi + 0.01, np.pi / 2))
bottom.set_xticklabels(["0", "\u03c0/2", "\u03c0", "3\u03c0/2", "2\u03c0"])

fig.tight_layout()
fig.savefig(OUT, dpi=120)
print(f"wrote {os.path.relpath(OUT, os.getcwd())}: max |error| numpy "
      f"{np.abs(theirs - exact).max():.3f}, PERIODIC {np.abs(ours - exact).max():.3f}")
