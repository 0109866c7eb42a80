"""Loading the bundled C library and the raw ctypes call (internal).

Every pointer argument of grad_gradient is declared ``c_void_p`` or
``c_char_p``: the arrays of int64 (shape, strides), int32 (axes) and the
grad_spacing / grad_options structs are packed with ``struct`` into bytes
objects, which ctypes passes as pointers to their buffers without copying.
That keeps a small call free of ctypes object construction.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys
import threading
from typing import Optional

__all__ = ["load", "library_path", "features"]

GRAD_SPACING_UNIT = 0
GRAD_SPACING_UNIFORM = 1
GRAD_SPACING_COORDINATES = 2
GRAD_SPACING_NONUNIFORM = 3

BOUNDARY_CODES = {"one_sided": 0, "periodic": 1, "ghost": 2}
GHOST = 2

STATUS_NAMES = {
    0: "OK", 1: "NULL_POINTER", 2: "INVALID_NDIM", 3: "INVALID_SHAPE",
    4: "INVALID_STRIDES", 5: "INVALID_AXIS", 6: "INVALID_SPACING",
    7: "INVALID_EDGE_ORDER", 8: "SHAPE_TOO_SMALL", 9: "MISALIGNED", 10: "OVERLAP",
    11: "INVALID_DTYPE", 12: "INVALID_OPTIONS", 99: "INTERNAL",
}

# struct layouts (native alignment), as in include/gradient.h
SPACING = struct.Struct("@idPq")          # kind, delta, coords, coords_len: 32 bytes on LP64
OPTIONS_V1 = struct.Struct("@IiPP")       # size, threads, boundaries, periods: 24 on LP64
OPTIONS_V2 = struct.Struct("@IiPPii")     # ... accuracy, reserved (0.2): 32 on LP64
ERROR_SIZE = 8 + 256                      # status, axis, message[256]


def _library_name() -> str:
    if sys.platform == "darwin":
        return "libgradient.dylib"
    if sys.platform == "win32":
        return "gradient.dll"
    return "libgradient.so"


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, _library_name()), "bundled with ndgradient"
    # running from a source checkout (python/ndgradient): the cargo build
    root = os.path.dirname(os.path.dirname(here))
    if os.path.exists(os.path.join(root, "Cargo.toml")):
        target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(root, "target")
        yield os.path.join(target, "release", _library_name()), "source tree"


_lock = threading.Lock()
_lib = None
_path: Optional[str] = None
fn = None  # grad_gradient, with argtypes set; None until load()


def load():
    """The ctypes library, loaded on first use.

    GRADIENT_LIB (a path), when set, overrides the bundled library (for
    development against a fresh cargo build); otherwise the library shipped
    inside the package is used."""
    global _lib, _path, fn
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        path = os.environ.get("GRADIENT_LIB")
        if path:
            lib = ctypes.CDLL(path)  # an explicit choice: no fallback if it fails
        else:
            tried = []
            lib = None
            for cand, _where in _candidates():
                tried.append(cand)
                if os.path.exists(cand):
                    lib = ctypes.CDLL(cand)
                    path = cand
                    break
            if lib is None:
                raise OSError(
                    "ndgradient: the gradient library is missing (tried %s). Reinstall the "
                    "package (pip install ndgradient), or set GRADIENT_LIB to a libgradient "
                    "built with cargo build --release" % ", ".join(tried)
                )
        g = lib.grad_gradient
        g.restype = ctypes.c_int32
        vp, cp, i32 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32
        #              dtype f   ndim shape strides naxes axes nsp spacing edge out out_st opts err
        g.argtypes = [i32, vp, i32, cp, cp, i32, cp, i32, cp, i32, cp, cp, cp, vp]
        lib.grad_version.restype = ctypes.c_uint32
        lib.grad_version.argtypes = []
        lib.grad_status_str.restype = ctypes.c_char_p
        lib.grad_status_str.argtypes = [ctypes.c_int32]
        fn = g
        _path = path
        _lib = lib
    return _lib


def library_path() -> str:
    """The path of the shared library in use."""
    load()
    assert _path is not None
    return _path


def version() -> str:
    """The library's version, 'major.minor.patch' (grad_version)."""
    v = load().grad_version()
    return "%d.%d.%d" % (v >> 16, (v >> 8) & 0xFF, v & 0xFF)


_features: Optional[dict] = None


def features() -> dict:
    """What the loaded library supports, found by trial calls (cached):
    'options_v2' (the 0.2 grad_options with accuracy), 'nonuniform'
    (GRAD_SPACING_NONUNIFORM) and 'accuracy' (orders 4, 6, 8)."""
    global _features
    if _features is not None:
        return _features
    load()
    f = (ctypes.c_double * 9)(*[float(i * i) for i in range(9)])
    o = (ctypes.c_double * 9)()
    shape = struct.pack("@q", 9)
    outp = struct.pack("@P", ctypes.addressof(o))
    x = (ctypes.c_double * 9)(*[float(i) for i in range(9)])

    def trial(spacing_kind, accuracy):
        nsp, sp = 0, None
        if spacing_kind is not None:
            nsp, sp = 1, SPACING.pack(spacing_kind, 0.0, ctypes.addressof(x), 9)
        opts = OPTIONS_V2.pack(OPTIONS_V2.size, 0, 0, 0, accuracy, 0)
        return fn(0, ctypes.addressof(f), 1, shape, None, 1, None, nsp, sp, 1, outp, None,
                  opts, None) == 0

    v2 = trial(None, 0)
    _features = {
        "options_v2": v2,
        "accuracy": v2 and trial(None, 4),
        "nonuniform": v2 and trial(GRAD_SPACING_NONUNIFORM, 0),
    }
    return _features


def error_buffer():
    return ctypes.create_string_buffer(ERROR_SIZE)


def decode_error(buf):
    status, axis = struct.unpack_from("@ii", buf.raw, 0)
    msg = buf.raw[8:].split(b"\0", 1)[0].decode("utf-8", "replace")
    return status, (None if axis < 0 else axis), msg
