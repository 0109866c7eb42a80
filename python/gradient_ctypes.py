"""numpy.gradient, bit for bit, from the gradient C library (ctypes).

The single-file module that `make install` installs.  For Python users the
package ``ndgradient`` (``pip install .`` from the repository root) is the
recommended route: a wheel with the library inside, numpy's results for
every call numpy accepts, and a dask path.  This module is kept unchanged
for existing users.

    >>> import numpy as np
    >>> from gradient_ctypes import gradient
    >>> gradient(np.array([1.0, 2.0, 4.0, 7.0, 11.0, 16.0]))
    array([1. , 1.5, 2.5, 3.5, 4.5, 5. ])

``gradient(f, *varargs, axis=None, edge_order=1, boundaries=None,
periods=None, threads=None, out=None)`` takes numpy.gradient's arguments and
returns what it returns (one array for one axis, a tuple otherwise; integer
input gives float64), with the same values bit for bit.  It adds:

* ``boundaries``: how the ends of each differentiated axis are treated.  A
  string applies to every axis; otherwise one entry per differentiated axis
  (in ``axis`` order), each a string or a ``(lo, hi)`` pair of strings among
  ``'one_sided'`` (numpy's edge formulas, the default), ``'periodic'`` (both
  sides: the axis wraps around) and ``'ghost'`` (the input holds one extra
  halo point on that side that is only read as a neighbour; the outputs have
  the owned shape, one point fewer per ghost side).  With a single axis a
  bare ``(lo, hi)`` pair is accepted too.
* ``periods``: for periodic axes with coordinates, the period (a number for
  every axis, or one entry per differentiated axis, None where unused).
* ``threads``: how many threads the library may use (results do not depend
  on it).
* ``out``: an array (one axis) or a sequence of arrays (one per axis) to
  write into; they must have the output shape and dtype.  They are returned.

Where it differs from numpy, it raises instead of returning garbage:
``edge_order`` not 1 or 2, 0-d input, a step that is 0/NaN/inf, coordinates
that are not finite or not strictly monotonic (see docs/numerics.md, where the library differs from numpy).  Library
status codes are raised as ``GradientError`` (a ``ValueError``) carrying the
library's message.  Unsupported dtypes (bool, float16, longdouble, object,
datetime) raise ``TypeError``.

Precision.  The library computes a step as numpy does for a Python float
and coordinates as numpy does for a float64 array (docs/numerics.md, working precision).  So steps
may be Python numbers or numpy values of the data's working precision
(float32 for float32/complex64 data, float64 or integers otherwise), and
coordinates float64 or integer arrays (or lists).  Other spacing dtypes, for
which numpy's type promotion gives different bits (a float32 step with
float64 data, edge_order=2; a float64 step with float32 data; float32
coordinates), raise ``TypeError`` naming the conversion to make, rather than
returning results that differ from numpy in the last bit.

Strides are passed to the library in elements, so any strided view works
without a copy (slices, negative steps, transposes, Fortran order); a view
whose byte strides are not whole elements (e.g. a field of a packed record
array) is refused with a ``GradientError``.  Non-native byte order input is
converted to native order first.

The shared library is looked up in this order: the ``GRADIENT_LIB``
environment variable (a path), next to this module, the directory
``make install`` put it in, the source tree's ``target/release`` (or
``$CARGO_TARGET_DIR/release``), then the system's search path.
"""

import ctypes
import ctypes.util
import glob
import numbers
import operator
import os
import sys

import numpy as np

try:  # numpy >= 2.0
    from numpy.lib.array_utils import normalize_axis_tuple as _normalize_axis_tuple
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.numeric import normalize_axis_tuple as _normalize_axis_tuple

__all__ = ["gradient", "GradientError", "library", "library_path", "version"]

# `make install` replaces this with the directory it installed the library in.
_INSTALLED_LIBDIR = "@LIBDIR@"

GRAD_STATUS_OK = 0
GRAD_STATUS_INVALID_STRIDES = 4
GRAD_STATUS_INVALID_EDGE_ORDER = 7
GRAD_STATUS_INVALID_OPTIONS = 12

GRAD_SPACING_UNIT = 0
GRAD_SPACING_UNIFORM = 1
GRAD_SPACING_COORDINATES = 2

_BOUNDARY_CODES = {"one_sided": 0, "periodic": 1, "ghost": 2}
_GHOST = 2

_STATUS_NAMES = {
    0: "OK",
    1: "NULL_POINTER",
    2: "INVALID_NDIM",
    3: "INVALID_SHAPE",
    4: "INVALID_STRIDES",
    5: "INVALID_AXIS",
    6: "INVALID_SPACING",
    7: "INVALID_EDGE_ORDER",
    8: "SHAPE_TOO_SMALL",
    9: "MISALIGNED",
    10: "OVERLAP",
    11: "INVALID_DTYPE",
    12: "INVALID_OPTIONS",
    99: "INTERNAL",
}

# numpy dtype (native byte order) -> (GRAD_DTYPE_* code, output dtype)
_DTYPES = {
    np.dtype(np.float64): (0, np.dtype(np.float64)),
    np.dtype(np.float32): (1, np.dtype(np.float32)),
    np.dtype(np.complex128): (2, np.dtype(np.complex128)),
    np.dtype(np.complex64): (3, np.dtype(np.complex64)),
    np.dtype(np.int8): (4, np.dtype(np.float64)),
    np.dtype(np.int16): (5, np.dtype(np.float64)),
    np.dtype(np.int32): (6, np.dtype(np.float64)),
    np.dtype(np.int64): (7, np.dtype(np.float64)),
    np.dtype(np.uint8): (8, np.dtype(np.float64)),
    np.dtype(np.uint16): (9, np.dtype(np.float64)),
    np.dtype(np.uint32): (10, np.dtype(np.float64)),
    np.dtype(np.uint64): (11, np.dtype(np.float64)),
}


class GradientError(ValueError):
    """A call the library refused: ``status`` is the GRAD_STATUS_* code,
    ``name`` its name (e.g. ``'INVALID_AXIS'``), ``axis`` the index into the
    differentiated axes of the offending axis (or None) and ``message`` the
    library's explanation (grad_error.message)."""

    def __init__(self, status, message, axis=None):
        self.status = int(status)
        self.name = _STATUS_NAMES.get(self.status, "UNKNOWN")
        self.axis = axis
        self.message = message
        super().__init__("%s (GRAD_STATUS_%s = %d)" % (message, self.name, self.status))


class _Spacing(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_int32),
        ("delta", ctypes.c_double),
        ("coords", ctypes.POINTER(ctypes.c_double)),
        ("coords_len", ctypes.c_int64),
    ]


class _Error(ctypes.Structure):
    _fields_ = [
        ("status", ctypes.c_int32),
        ("axis", ctypes.c_int32),
        ("message", ctypes.c_char * 256),
    ]


class _Options(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint32),
        ("threads", ctypes.c_int32),
        ("boundaries", ctypes.POINTER(ctypes.c_int32)),
        ("periods", ctypes.POINTER(ctypes.c_double)),
    ]


def _library_names():
    if sys.platform == "darwin":
        return ["libgradient.dylib"]
    if sys.platform == "win32":
        return ["gradient.dll"]
    return ["libgradient.so"]


def _candidates():
    """(path, where) pairs in search order, after GRADIENT_LIB."""
    here = os.path.dirname(os.path.abspath(__file__))
    dirs = [(here, "next to %s" % os.path.basename(__file__))]
    if not _INSTALLED_LIBDIR.startswith("@"):
        dirs.append((_INSTALLED_LIBDIR, "installed libdir"))
    source_root = os.path.dirname(here)
    target = os.environ.get("CARGO_TARGET_DIR") or "target"
    if not os.path.isabs(target):
        target = os.path.join(source_root, target)
    dirs.append((os.path.join(target, "release"), "source tree"))
    out = []
    for d, where in dirs:
        for name in _library_names():
            out.append((os.path.join(d, name), where))
            # an installed library without its dev symlink: libgradient.so.X.Y
            out.extend((p, where) for p in sorted(glob.glob(os.path.join(d, name + ".*"))))
    return out


_LIB = None
_LIB_PATH = None


def _load():
    global _LIB, _LIB_PATH
    if _LIB is not None:
        return _LIB
    tried = []
    path = os.environ.get("GRADIENT_LIB")
    if path:
        lib = ctypes.CDLL(path)  # an explicit choice: no fallback if it fails
    else:
        lib = None
        for cand, _where in _candidates():
            tried.append(cand)
            if os.path.exists(cand):
                lib = ctypes.CDLL(cand)
                path = cand
                break
        if lib is None:
            found = ctypes.util.find_library("gradient")
            if found is None:
                raise OSError(
                    "gradient_ctypes: libgradient not found; set GRADIENT_LIB to its path. "
                    "Tried: " + ", ".join(tried) + ", and the system search path"
                )
            lib = ctypes.CDLL(found)
            path = found
    fn = lib.grad_gradient
    fn.restype = ctypes.c_int32
    fn.argtypes = [
        ctypes.c_int32,  # dtype
        ctypes.c_void_p,  # f
        ctypes.c_int32,  # ndim
        ctypes.POINTER(ctypes.c_int64),  # shape
        ctypes.POINTER(ctypes.c_int64),  # strides
        ctypes.c_int32,  # naxes
        ctypes.POINTER(ctypes.c_int32),  # axes
        ctypes.c_int32,  # nspacing
        ctypes.POINTER(_Spacing),  # spacing
        ctypes.c_int32,  # edge_order
        ctypes.POINTER(ctypes.c_void_p),  # out
        ctypes.POINTER(ctypes.c_int64),  # out_strides
        ctypes.POINTER(_Options),  # options
        ctypes.POINTER(_Error),  # err
    ]
    lib.grad_status_str.restype = ctypes.c_char_p
    lib.grad_status_str.argtypes = [ctypes.c_int32]
    lib.grad_version.restype = ctypes.c_uint32
    lib.grad_version.argtypes = []
    _LIB, _LIB_PATH = lib, path
    return lib


def library():
    """The loaded ctypes.CDLL (loading it on first use)."""
    return _load()


def library_path():
    """The path the shared library was loaded from."""
    _load()
    return _LIB_PATH


def version():
    """The library's version as 'major.minor.patch' (grad_version)."""
    v = _load().grad_version()
    return "%d.%d.%d" % (v >> 16, (v >> 8) & 0xFF, v & 0xFF)


def _element_strides(a, what):
    """Byte strides -> element strides; extents <= 1 get stride 0."""
    size = a.dtype.itemsize
    out = []
    for n, s in zip(a.shape, a.strides):
        if n <= 1 or a.size == 0:
            out.append(0)
        elif s % size != 0:
            raise GradientError(
                GRAD_STATUS_INVALID_STRIDES,
                "%s has byte strides %s, which are not whole multiples of its element size "
                "(%d bytes, %s): the library counts strides in elements; pass a copy "
                "(np.ascontiguousarray) instead" % (what, a.strides, size, a.dtype),
            )
        else:
            out.append(s // size)
    return out


def _edge_order(edge_order):
    try:
        e = operator.index(edge_order)
    except TypeError:
        if isinstance(edge_order, numbers.Real) and float(edge_order).is_integer():
            e = int(edge_order)
        else:
            raise GradientError(
                GRAD_STATUS_INVALID_EDGE_ORDER,
                "edge_order = %r is invalid: it must be 1 or 2" % (edge_order,),
            ) from None
    if not -(2**31) <= e < 2**31:
        raise GradientError(
            GRAD_STATUS_INVALID_EDGE_ORDER, "edge_order = %d is invalid: it must be 1 or 2" % e
        )
    return e


def _boundary_code(side, k):
    if isinstance(side, str):
        code = _BOUNDARY_CODES.get(side.lower())
        if code is not None:
            return code
    raise GradientError(
        GRAD_STATUS_INVALID_OPTIONS,
        "boundaries for axis %d: %r is not one of 'one_sided', 'periodic', 'ghost'" % (k, side),
        k,
    )


def _boundary_codes(boundaries, naxes):
    """boundaries argument -> [lo0, hi0, lo1, hi1, ...] or None."""
    if boundaries is None:
        return None
    if isinstance(boundaries, str):
        per_axis = [boundaries] * naxes
    else:
        per_axis = list(boundaries)
        if (
            naxes == 1
            and len(per_axis) == 2
            and all(isinstance(s, str) for s in per_axis)
        ):
            per_axis = [tuple(per_axis)]
        if len(per_axis) != naxes:
            raise GradientError(
                GRAD_STATUS_INVALID_OPTIONS,
                "boundaries has %d entries for %d differentiated axes: give one per axis "
                "(a string or a (lo, hi) pair), or a single string for all"
                % (len(per_axis), naxes),
            )
    codes = []
    for k, b in enumerate(per_axis):
        if isinstance(b, str):
            c = _boundary_code(b, k)
            codes += [c, c]
        else:
            pair = list(b)
            if len(pair) != 2:
                raise GradientError(
                    GRAD_STATUS_INVALID_OPTIONS,
                    "boundaries for axis %d: %r is neither a string nor a (lo, hi) pair" % (k, b),
                    k,
                )
            codes += [_boundary_code(pair[0], k), _boundary_code(pair[1], k)]
    return codes


def _periods(periods, naxes):
    if periods is None:
        return None
    if np.ndim(periods) == 0:
        return [float(periods)] * naxes
    values = list(periods)
    if len(values) != naxes:
        raise GradientError(
            GRAD_STATUS_INVALID_OPTIONS,
            "periods has %d entries for %d differentiated axes" % (len(values), naxes),
        )
    return [float("nan") if p is None else float(p) for p in values]


def _step(h, working, k):
    """A scalar step as a Python float, if numpy would compute with it as the
    library does (see the module documentation), else TypeError."""
    if not isinstance(h, np.generic) and isinstance(h, (int, float)):
        return float(h)  # a Python number: numpy's weak scalar, as the library
    dt = np.asarray(h).dtype
    if dt == working or (working == np.float64 and dt.kind in "iu"):
        return float(h)
    raise TypeError(
        "spacing %d is a %s step for %s arithmetic: numpy's type promotion would then compute "
        "in a different precision than this library, which computes a step as a Python float "
        "does; pass float(step) to accept that, or a %s step"
        % (k, dt, np.dtype(working), np.dtype(working))
    )


def _spacing(varargs, f, axes, working):
    """numpy's varargs rules -> (list of _Spacing, arrays to keep alive)."""
    naxes = len(axes)
    n = len(varargs)
    keep = []
    if n == 0:
        return [], keep
    if n == 1 and np.ndim(varargs[0]) == 0:
        return [_Spacing(GRAD_SPACING_UNIFORM, _step(varargs[0], working, 0), None, 0)], keep
    if n != naxes:
        raise TypeError("invalid number of arguments")
    entries = []
    for k, d in enumerate(varargs):
        if np.ndim(d) == 0:
            entries.append(_Spacing(GRAD_SPACING_UNIFORM, _step(d, working, k), None, 0))
            continue
        d = np.asanyarray(d)
        if d.ndim != 1:
            raise ValueError("distances must be either scalars or 1d")
        if len(d) != f.shape[axes[k]]:
            raise ValueError(
                "when 1d, distances must match the length of the corresponding dimension"
            )
        if d.dtype.kind not in "iu" and d.dtype != np.float64:
            raise TypeError(
                "coordinates %d have dtype %s: give float64 (or integer) coordinates; numpy "
                "computes %s coordinate differences in that precision, this library in float64 "
                "(x.astype(np.float64) accepts that)" % (k, d.dtype, d.dtype)
            )
        x = np.ascontiguousarray(d, dtype=np.float64)
        keep.append(x)
        entries.append(
            _Spacing(
                GRAD_SPACING_COORDINATES,
                0.0,
                x.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                len(x),
            )
        )
    return entries, keep


def _int64s(values):
    return (ctypes.c_int64 * max(len(values), 1))(*values)


def gradient(f, *varargs, axis=None, edge_order=1, boundaries=None, periods=None,
             threads=None, out=None):
    """numpy.gradient(f, *varargs, axis=axis, edge_order=edge_order), bit for
    bit, computed by the gradient library; see the module documentation for
    boundaries, periods, threads and out."""
    lib = _load()
    f = np.asanyarray(f)
    dt = f.dtype
    if not dt.isnative and dt.kind in "iufc":
        f = f.astype(dt.newbyteorder("="))
        dt = f.dtype
    if dt not in _DTYPES:
        raise TypeError(
            "gradient: dtype %s is not supported (float64, float32, complex128, complex64, "
            "int8..int64, uint8..uint64)" % dt
        )
    code, otype = _DTYPES[dt]
    ndim = f.ndim
    axes = tuple(range(ndim)) if axis is None else _normalize_axis_tuple(axis, ndim)
    naxes = len(axes)
    single = dt in (np.dtype(np.float32), np.dtype(np.complex64))
    working = np.dtype(np.float32 if single else np.float64)  # numpy's arithmetic precision
    entries, keep = _spacing(varargs, f, axes, working)
    order = _edge_order(edge_order)
    codes = _boundary_codes(boundaries, naxes)
    period_values = _periods(periods, naxes)

    # the output shape: one point fewer per ghost side of each axis
    oshape = list(f.shape)
    if codes is not None:
        for k, a in enumerate(axes):
            ghosts = (codes[2 * k] == _GHOST) + (codes[2 * k + 1] == _GHOST)
            oshape[a] = max(oshape[a] - ghosts, 0)
    oshape = tuple(oshape)

    if out is None:
        if oshape == f.shape:
            outs = [np.empty_like(f, dtype=otype, subok=False) for _ in axes]
        else:
            fortran = f.flags.f_contiguous and not f.flags.c_contiguous
            outs = [np.empty(oshape, dtype=otype, order="F" if fortran else "C") for _ in axes]
    else:
        outs = [out] if isinstance(out, np.ndarray) else list(out)
        if len(outs) != naxes:
            raise ValueError("out has %d arrays for %d differentiated axes" % (len(outs), naxes))
        for k, o in enumerate(outs):
            if not isinstance(o, np.ndarray):
                raise TypeError("out[%d] is not a numpy array" % k)
            if o.dtype != otype or o.shape != oshape:
                raise ValueError(
                    "out[%d] has dtype %s and shape %s; expected dtype %s and shape %s"
                    % (k, o.dtype, o.shape, otype, oshape)
                )
            if not o.flags.writeable:
                raise ValueError("out[%d] is read-only" % k)

    shape_c = _int64s(f.shape)
    strides_c = _int64s(_element_strides(f, "the input array"))
    axes_c = (ctypes.c_int32 * max(naxes, 1))(*axes)
    spacing_c = (_Spacing * max(len(entries), 1))(*entries)
    out_ptrs = (ctypes.c_void_p * max(naxes, 1))(*[o.ctypes.data for o in outs])
    out_strides = []
    for k, o in enumerate(outs):
        out_strides += _element_strides(o, "out[%d]" % k)
    out_strides_c = _int64s(out_strides)

    options = None
    if codes is not None or period_values is not None or threads is not None:
        options = _Options()
        options.size = ctypes.sizeof(_Options)
        options.threads = 0 if threads is None else operator.index(threads)
        if codes is not None:
            b = (ctypes.c_int32 * len(codes))(*codes)
            keep.append(b)
            options.boundaries = ctypes.cast(b, ctypes.POINTER(ctypes.c_int32))
        if period_values is not None:
            p = (ctypes.c_double * max(len(period_values), 1))(*period_values)
            keep.append(p)
            options.periods = ctypes.cast(p, ctypes.POINTER(ctypes.c_double))

    err = _Error()
    status = lib.grad_gradient(
        code,
        f.ctypes.data,
        ndim,
        shape_c,
        strides_c,
        naxes,
        axes_c,
        len(entries),
        spacing_c,
        order,
        out_ptrs,
        out_strides_c,
        ctypes.byref(options) if options is not None else None,
        ctypes.byref(err),
    )
    del keep  # the coordinates, boundaries and periods were only borrowed
    if status != GRAD_STATUS_OK:
        message = err.message.decode("utf-8", "replace") or lib.grad_status_str(status).decode()
        raise GradientError(status, message, None if err.axis < 0 else err.axis)
    if naxes == 1:
        return outs[0]
    return tuple(outs)
