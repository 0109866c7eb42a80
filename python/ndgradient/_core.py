"""ndgradient.gradient: numpy.gradient's signature and results (internal module)."""

from __future__ import annotations

import ctypes
import os
import re
import struct
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _lib
from ._lib import BOUNDARY_CODES, GHOST, STATUS_NAMES

try:  # numpy >= 2.0
    from numpy.lib.array_utils import normalize_axis_tuple
except ImportError:  # pragma: no cover
    from numpy.core.numeric import normalize_axis_tuple  # type: ignore

__all__ = ["gradient", "GradientError", "resolve_threads"]

Result = Union[NDArray[Any], Tuple[NDArray[Any], ...]]

_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
# native dtype -> (GRAD_DTYPE_* code, output dtype, single-precision working type)
_DTYPES = {
    _F64: (0, _F64, False),
    _F32: (1, _F32, True),
    np.dtype(np.complex128): (2, np.dtype(np.complex128), False),
    np.dtype(np.complex64): (3, np.dtype(np.complex64), True),
    np.dtype(np.int8): (4, _F64, False),
    np.dtype(np.int16): (5, _F64, False),
    np.dtype(np.int32): (6, _F64, False),
    np.dtype(np.int64): (7, _F64, False),
    np.dtype(np.uint8): (8, _F64, False),
    np.dtype(np.uint16): (9, _F64, False),
    np.dtype(np.uint32): (10, _F64, False),
    np.dtype(np.uint64): (11, _F64, False),
}
_ACCURACIES = (2, 4, 6, 8)
# packers for int64 (shape, strides), int32 (axes) and pointer arrays, by count
_Q = [struct.Struct("@%dq" % n) for n in range(65)]
_I = [struct.Struct("@%di" % n) for n in range(65)]
_P = [struct.Struct("@%dP" % n) for n in range(65)]
_RANGES = [tuple(range(n)) for n in range(65)]
_TWO53 = 2**53
_ndarray = np.ndarray


class GradientError(ValueError):
    """An argument the library refused (only raised for calls that use the
    library's extras: with numpy's own arguments, whatever numpy.gradient
    does is done).  ``name`` is the reason (e.g. ``'INVALID_SPACING'``),
    ``axis`` the array axis at fault (or None)."""

    def __init__(self, message: str, name: str = "INVALID_ARGUMENT", axis: Optional[int] = None):
        self.name = name
        self.axis = axis
        super().__init__(message)


class _NumpyComputes(Exception):
    """Internal: this call is numpy's to compute (see the module docstring)."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def resolve_threads(threads: Union[None, int, str]) -> int:
    """The thread count a ``threads`` argument means: None -> 1 (numpy's
    behaviour, the calling thread only); a positive n -> n; 'auto' or -1 ->
    every CPU this process may use; -k -> that number minus k - 1 (at least
    1), the joblib convention.  0, other strings and non-integers are errors."""
    if threads is None:
        return 1
    if isinstance(threads, str):
        if threads == "auto":
            return _cpus()
        raise ValueError("threads = %r is invalid: give a positive count, -1 or 'auto' for every "
                         "CPU, or None" % (threads,))
    if isinstance(threads, (bool, np.bool_)) or not isinstance(threads, (int, np.integer)):
        raise TypeError("threads = %r is invalid: give an int, 'auto' or None" % (threads,))
    t = int(threads)
    if t > 0:
        return t
    if t < 0:
        return max(1, _cpus() + 1 + t)
    raise ValueError("threads = 0 is invalid: give a positive count, -1 or 'auto' for every CPU, "
                     "or None for one thread")


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------- spacing
def _step(h, single: bool) -> Optional[float]:
    """A scalar step as the double the library takes, when numpy's arithmetic
    with this step equals the library's (a Python number, or a numpy value of
    the working precision: float32 for float32/complex64 data; float64 or an
    integer otherwise); None when numpy must compute."""
    t = type(h)
    if t is float:
        return h
    if t is int or t is bool:
        return float(h) if -_TWO53 <= h <= _TWO53 else None
    if isinstance(h, (np.generic, _ndarray)):
        dt = h.dtype
        if (dt == _F32) if single else (dt == _F64 or dt.kind in "iu"):
            return float(h)
        return None
    if isinstance(h, float):
        return float(h)
    if isinstance(h, int):
        return float(h) if -_TWO53 <= h <= _TWO53 else None
    return None


def _coords(d, n: int) -> Optional[NDArray[np.float64]]:
    """1-d coordinates as float64, when numpy computes with them as the
    library does (float64 or integer values); None otherwise."""
    if type(d) is not _ndarray:
        d = np.asanyarray(d)
        if type(d) is not _ndarray:
            return None
    if d.ndim != 1 or d.shape[0] != n:
        return None
    k = d.dtype.kind
    if d.dtype == _F64 or k in "iu":
        return np.ascontiguousarray(d, dtype=_F64)
    return None


def _loose_step(h, k, axis):
    """Extras (boundaries, periods, accuracy): there is no numpy result to
    match, so any real step is taken as a Python float would be."""
    try:
        return float(h)
    except (TypeError, ValueError):
        raise TypeError("varargs[%d] = %r, the spacing of axis %d, is not a real number"
                        % (k, h, axis)) from None


def _loose_coords(d, n, k, axis):
    d = np.asarray(d)
    if d.ndim != 1:
        raise ValueError("distances must be either scalars or 1d")
    if d.shape[0] != n:
        raise ValueError("when 1d, distances must match the length of the corresponding "
                         "dimension (varargs[%d] has %d values, axis %d has %d points)"
                         % (k, d.shape[0], axis, n))
    if d.dtype.kind not in "iuf":
        raise TypeError("varargs[%d], the coordinates of axis %d, have dtype %s: give real "
                        "numbers" % (k, axis, d.dtype))
    return np.ascontiguousarray(d, dtype=_F64)


def _spacing(varargs, shape, axes, single, strict, coord_kind=2):
    """numpy's varargs rules -> (packed grad_spacing entries, count, arrays to
    keep alive, index into varargs per entry)."""
    n = len(varargs)
    if n == 0:
        return None, 0, ()
    naxes = len(axes)
    if n == 1 and np.ndim(varargs[0]) == 0:
        h = _step(varargs[0], single) if strict else _loose_step(varargs[0], 0, axes[0])
        if h is None:
            raise _NumpyComputes("step type")
        return _lib.SPACING.pack(1, h, 0, 0), 1, ()
    if n != naxes:
        if strict:
            raise _NumpyComputes("count")
        raise TypeError("invalid number of arguments: %d spacings for %d differentiated axes "
                        "(give none, one scalar, or one per axis)" % (n, naxes))
    parts = []
    keep = []
    for k, d in enumerate(varargs):
        if np.ndim(d) == 0:
            h = _step(d, single) if strict else _loose_step(d, k, axes[k])
            if h is None:
                raise _NumpyComputes("step type")
            parts.append(_lib.SPACING.pack(1, h, 0, 0))
            continue
        m = shape[axes[k]]
        x = _coords(d, m) if strict else _loose_coords(d, m, k, axes[k])
        if x is None:
            raise _NumpyComputes("coordinate type")
        keep.append(x)
        parts.append(_lib.SPACING.pack(coord_kind, 0.0, x.ctypes.data, m))
    return b"".join(parts), naxes, keep


# ---------------------------------------------------------------- extras
def _boundary_codes(boundaries, naxes):
    if isinstance(boundaries, str):
        per_axis = [boundaries] * naxes
    else:
        per_axis = list(boundaries)
        if naxes == 1 and len(per_axis) == 2 and all(isinstance(s, str) for s in per_axis):
            per_axis = [tuple(per_axis)]
        if len(per_axis) != naxes:
            raise ValueError(
                "boundaries = %r has %d entries for %d differentiated axes: give one per axis (a "
                "string or a (lo, hi) pair), or one string for all" % (boundaries, len(per_axis),
                                                                     naxes))
    codes = []
    for k, b in enumerate(per_axis):
        pair = (b, b) if isinstance(b, str) else tuple(b)
        if len(pair) != 2:
            raise ValueError("boundaries[%d] = %r is neither a string nor a (lo, hi) pair"
                             % (k, b))
        for side in pair:
            code = BOUNDARY_CODES.get(side.lower()) if isinstance(side, str) else None
            if code is None:
                raise ValueError("boundaries[%d] = %r: %r is not one of 'one_sided', "
                                 "'periodic', 'ghost'" % (k, b, side))
            codes.append(code)
    return codes


def _period_values(periods, naxes):
    if np.ndim(periods) == 0:
        return [float(periods)] * naxes
    values = list(periods)
    if len(values) != naxes:
        raise ValueError("periods has %d entries for %d differentiated axes"
                         % (len(values), naxes))
    return [float("nan") if p is None else float(p) for p in values]


def _edge_order_numpy(edge_order) -> Optional[int]:
    try:
        if edge_order == 1:
            return 1
        if edge_order == 2:
            return 2
    except Exception:
        pass
    return None


def _edge_order_extra(edge_order, accuracy):
    top = max(accuracy, 2)
    try:
        e = int(edge_order)
        ok = e == edge_order and 1 <= e <= top and not isinstance(edge_order, bool)
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ValueError("edge_order = %r is invalid with accuracy = %d: give an integer from 1 to "
                         "%d" % (edge_order, accuracy, top))
    return e


# ---------------------------------------------------------------- errors
def _translate(status, k, msg, axes, varargs, periods):
    """The library's message, in the caller's terms."""
    name = STATUS_NAMES.get(status, "UNKNOWN")
    axis = axes[k] if k is not None and 0 <= k < len(axes) else None

    def vararg(j):
        return 0 if len(varargs) == 1 else j

    def step(mo):
        j = vararg(int(mo.group(1)))
        return "varargs[%d] = %r, the step of axis %s," % (
            j, varargs[j] if j < len(varargs) else None, axes[int(mo.group(1))])

    msg = re.sub(r"spacing\[(\d+)\]\.delta = \S+", step, msg)
    msg = re.sub(r"spacing\[(\d+)\]\.coords_len = (\d+) does not match shape\[(\d+)\] = (\d+)"
                 r" \(axes\[\d+\]\)",
                 lambda mo: "varargs[%d] has %s coordinates but axis %s has %s points" % (
                     vararg(int(mo.group(1))), mo.group(2), mo.group(3), mo.group(4)), msg)
    msg = re.sub(r"spacing\[(\d+)\]\.coords\[(\d+)\] - coords\[(\d+)\]",
                 lambda mo: "varargs[%d][%s] - varargs[%d][%s]" % (
                     vararg(int(mo.group(1))), mo.group(2), vararg(int(mo.group(1))),
                     mo.group(3)), msg)
    msg = re.sub(r"spacing\[(\d+)\]\.coords(\[\d+\])?",
                 lambda mo: "varargs[%d]%s (the coordinates of axis %d)" % (
                     vararg(int(mo.group(1))), mo.group(2) or "", axes[int(mo.group(1))]), msg)
    if k is not None:
        msg = re.sub(r"\bcoords\[", "varargs[%d][" % vararg(k), msg)
    scalar_period = periods is not None and np.ndim(periods) == 0
    msg = re.sub(r"options->periods\[(\d+)\]",
                 ("periods = %r" % (periods,)) if scalar_period else r"periods[\1]", msg)
    msg = re.sub(r"shape\[(\d+)\] = (\d+) \(axes\[\d+\]\)", r"axis \1 (\2 points)", msg)
    msg = re.sub(r"axes\[(\d+)\]", lambda mo: "axis %d" % axes[int(mo.group(1))], msg)
    msg = msg.replace("options->threads", "threads").replace("options->", "")
    msg = msg.replace("PERIODIC", "'periodic'").replace("COORDINATES", "coordinates")
    msg = msg.replace("GHOST", "'ghost'").replace("GRAD_", "")
    return GradientError(msg, name, axis)


# ---------------------------------------------------------------- the call
def gradient(f: ArrayLike, *varargs: Any, axis: Union[None, int, Sequence[int]] = None,
             edge_order: int = 1, accuracy: int = 2, nonuniform: bool = False,
             boundaries: Union[None, str, Sequence[Any]] = None,
             periods: Union[None, float, Sequence[Optional[float]]] = None,
             threads: Union[None, int, str] = None,
             out: Union[None, NDArray[Any], Sequence[NDArray[Any]]] = None) -> Any:
    """numpy.gradient(f, *varargs, axis=axis, edge_order=edge_order), with the
    same result, bit for bit, and the same type: one array for one axis, a
    tuple of arrays otherwise.

    The library computes float64, float32, complex128, complex64 and integer
    data (native byte order) with unit spacing, Python-number steps, steps of
    the data's working precision (numpy float32 for float32/complex64 data,
    numpy float64 or integer otherwise) and float64 or integer coordinates,
    for edge_order 1 and 2.  Every other call numpy.gradient computes
    itself, so the result (or the exception) is numpy's:

    * float16, longdouble, datetime64, timedelta64, bool, object, and
      non-native byte order data;
    * steps of another precision (a numpy float64 step with float32 data, a
      numpy float32 step with float64 data) and float32 (or other non-float64)
      coordinates: numpy's type promotion then rounds differently;
    * subclasses: numpy.ma.MaskedArray (the mask propagates), numpy.matrix
      and others;
    * edge_order other than 1 or 2, 0-d input, axis=(), a step of 0, NaN or
      inf, coordinates that are not finite or not strictly monotonic, axes
      too short for edge_order (numpy raises or returns inf/nan there).

    A dask array goes to ndgradient.dask.gradient (a lazy result).

    Extras (numpy has none of these):

    * ``accuracy``: 2 (numpy's formulas) or, with libgradient 0.2, 4, 6, 8:
      the order of the interior stencil; ``edge_order`` is then 1..accuracy.
    * ``nonuniform``: True takes coordinates as they are, never reduced to
      a step where they happen to be evenly spaced (numpy reduces them):
      the non-uniform formulas at every point. For a block of an axis whose
      whole is unevenly spaced, so that every block decides as the whole.
    * ``boundaries``: a string for every axis, or one entry per
      differentiated axis (a string or a (lo, hi) pair) among 'one_sided'
      (numpy's), 'periodic' (both sides) and 'ghost' (the input holds halo
      points on that side, read only as neighbours: one for accuracy 2,
      accuracy/2 otherwise; the outputs have the owned shape).
    * ``periods``: the period of periodic axes with coordinates (a number,
      or one entry per differentiated axis, None where unused).
    * ``threads``: None (default) = the calling thread only, as numpy; n > 0
      = up to n threads; 'auto' or -1 = every CPU this process may use; -k =
      that many minus k - 1.  Results never depend on it.
    * ``out``: an array (one axis) or a sequence of arrays (one per axis) to
      write into and return, of the result's shape and dtype.

    With ``accuracy``, ``boundaries`` or ``periods`` there is no numpy result
    to match: steps are taken as Python floats and coordinates as float64,
    data must have one of the library's dtypes, and a refused argument raises
    GradientError (a ValueError) worded with the arguments as given.
    """
    extras = (accuracy != 2 or bool(nonuniform) or boundaries is not None
              or periods is not None)
    if type(f) is not _ndarray:
        if _is_dask(f):
            from . import dask as _dask
            if out is not None:
                raise TypeError("out is not supported for dask arrays (results are lazy)")
            if nonuniform:
                raise TypeError("nonuniform is decided by ndgradient.dask.gradient itself, "
                                "once for each whole axis")
            return _dask.gradient(f, *varargs, axis=axis, edge_order=edge_order,
                                  accuracy=accuracy, boundaries=boundaries, periods=periods)
        a = np.asanyarray(f)
        if type(a) is not _ndarray:
            if extras:
                raise TypeError("accuracy, nonuniform, boundaries and periods are not "
                                "supported for %s "
                                "(numpy.gradient computes subclasses of ndarray)"
                                % type(a).__name__)
            return _numpy(a, varargs, axis, edge_order, out)
    else:
        a = f
    nthreads = resolve_threads(threads) if threads is not None else 1
    try:
        return _library(a, varargs, axis, edge_order, accuracy, boundaries, periods, nthreads,
                        out, extras, 3 if nonuniform else 2)
    except _NumpyComputes as why:
        if extras:
            raise TypeError("ndgradient.gradient: accuracy, boundaries and periods need data of "
                            "dtype float64, float32, complex128, complex64 or an integer type, "
                            "with at least one axis; got %s data of shape %s (%s)"
                            % (a.dtype, a.shape, why.why)) from None
        return _numpy(a, varargs, axis, edge_order, out)


def _is_dask(f) -> bool:
    mod = type(f).__module__
    if not mod.startswith("dask"):
        return False
    import dask.array as da
    return isinstance(f, da.Array)


def _numpy(a, varargs, axis, edge_order, out):
    r = np.gradient(a, *varargs, axis=axis, edge_order=edge_order)
    if out is None:
        return r
    rs = [r] if not isinstance(r, tuple) else list(r)
    outs = _check_out(out, len(rs), rs[0].dtype if rs else None,
                      rs[0].shape if rs else None)
    for o, v in zip(outs, rs):
        np.copyto(o, v, casting="no")
    return outs[0] if len(outs) == 1 and not isinstance(r, tuple) else tuple(outs)


def _check_out(out, naxes, otype, oshape):
    outs = [out] if isinstance(out, _ndarray) else list(out)
    if len(outs) != naxes:
        raise ValueError("out has %d arrays for %d differentiated axes" % (len(outs), naxes))
    for k, o in enumerate(outs):
        if not isinstance(o, _ndarray):
            raise TypeError("out[%d] is a %s, not a numpy array" % (k, type(o).__name__))
        if o.dtype != otype or o.shape != oshape:
            raise ValueError("out[%d] has dtype %s and shape %s; the result has dtype %s and "
                             "shape %s" % (k, o.dtype, o.shape, otype, oshape))
        if not o.flags.writeable:
            raise ValueError("out[%d] is read-only" % k)
    return outs


def _elem_strides(a, isz):
    st = []
    for n, s in zip(a.shape, a.strides):
        q, r = divmod(s, isz)
        if r and n > 1:
            return None
        st.append(q if n > 1 else 0)
    return st


def _library(a, varargs, axis, edge_order, accuracy, boundaries, periods, nthreads, out,
             extras, coord_kind=2):
    info = _DTYPES.get(a.dtype)
    if info is None:
        dt = a.dtype
        if extras and not dt.isnative and dt.newbyteorder("=") in _DTYPES:
            a = a.astype(dt.newbyteorder("="))
            info = _DTYPES[a.dtype]
        else:
            raise _NumpyComputes("dtype %s" % dt)
    code, otype, single = info
    ndim = a.ndim
    if ndim == 0:
        raise _NumpyComputes("0-d input")
    if ndim > 64:
        raise _NumpyComputes("more than 64 dimensions")
    axes = _RANGES[ndim] if axis is None else normalize_axis_tuple(axis, ndim)
    naxes = len(axes)
    if naxes == 0:
        raise _NumpyComputes("no axis")
    shape = a.shape
    if extras:
        if accuracy not in _ACCURACIES or isinstance(accuracy, bool):
            raise ValueError("accuracy = %r is invalid: give 2 (numpy's formulas), 4, 6 or 8"
                             % (accuracy,))
        if accuracy != 2 and not _lib.features()["accuracy"]:
            raise NotImplementedError(
                "accuracy = %d needs libgradient 0.2 (accuracy orders 4, 6, 8); the library "
                "loaded from %s is %s" % (accuracy, _lib.library_path(), _lib.version()))
        order = _edge_order_extra(edge_order, accuracy)
    else:
        order = _edge_order_numpy(edge_order)
        if order is None:
            raise _NumpyComputes("edge_order")
    fn = _lib.fn
    if fn is None:
        _lib.load()
        fn = _lib.fn
    sp, nsp, keep = _spacing(varargs, shape, axes, single, not extras, coord_kind)

    # output shape: minus the halo on each ghost side
    codes = None
    opts = None
    if extras or nthreads > 1:
        codes = None if boundaries is None else _boundary_codes(boundaries, naxes)
        pvals = None if periods is None else _period_values(periods, naxes)
        bufs = []
        bptr = pptr = 0
        if codes is not None:
            b = (ctypes.c_int32 * len(codes))(*codes)
            bufs.append(b)
            bptr = ctypes.addressof(b)
        if pvals is not None:
            p = (ctypes.c_double * len(pvals))(*pvals)
            bufs.append(p)
            pptr = ctypes.addressof(p)
        keep = (keep, bufs)
        if _lib.features()["options_v2"]:
            opts = _lib.OPTIONS_V2.pack(_lib.OPTIONS_V2.size, nthreads, bptr, pptr, accuracy, 0)
        else:
            opts = _lib.OPTIONS_V1.pack(_lib.OPTIONS_V1.size, nthreads, bptr, pptr)

    oshape = shape
    if codes is not None and GHOST in codes:
        halo = 1 if accuracy == 2 else accuracy // 2
        oshape = list(shape)
        for k, ax in enumerate(axes):
            g = (codes[2 * k] == GHOST) + (codes[2 * k + 1] == GHOST)
            oshape[ax] = max(oshape[ax] - g * halo, 0)
        oshape = tuple(oshape)

    # input: element strides, aligned
    layout = a  # numpy's outputs follow the input's memory order (empty_like)
    contiguous = a.flags.c_contiguous
    if contiguous:
        strides = None
    else:
        st = _elem_strides(a, a.itemsize)
        if st is None:
            a = np.ascontiguousarray(a)  # byte strides that are not whole elements
            strides = None
        else:
            strides = _Q[ndim].pack(*st)
    ptr = a.ctypes.data
    if ptr % a.dtype.alignment:
        a = a.copy()
        ptr = a.ctypes.data
        strides = None

    # outputs: numpy's layout (empty_like), or the caller's
    if out is None and oshape is shape:
        o0 = np.empty_like(layout, dtype=otype)
        if naxes == 1:
            outs = (o0,)
            outp = _P[1].pack(o0.ctypes.data)
        else:
            outs = (o0,) + tuple(np.empty_like(layout, dtype=otype) for _ in range(naxes - 1))
            outp = _P[naxes].pack(*[o.ctypes.data for o in outs])
        if contiguous:
            out_strides = None
        else:
            out_strides = _Q[ndim].pack(*_elem_strides(o0, o0.itemsize)) * naxes
    else:
        if out is None:
            fortran = a.flags.f_contiguous and not a.flags.c_contiguous
            outs = [np.empty(oshape, dtype=otype, order="F" if fortran else "C") for _ in axes]
        else:
            outs = _check_out(out, naxes, otype, oshape)
        o0 = outs[0]
        ost = []
        for o in outs:
            st = _elem_strides(o, o.itemsize)
            if st is None:
                raise _NumpyComputes("out strides")
            ost += st
        out_strides = struct.pack("@%dq" % len(ost), *ost)
        outp = _P[naxes].pack(*[o.ctypes.data for o in outs])
    axes_b = None if axis is None else _I[naxes].pack(*axes)
    shape_b = _Q[ndim].pack(*shape)
    status = fn(code, ptr, ndim, shape_b, strides, naxes, axes_b, nsp, sp, order, outp,
                out_strides, opts, None)
    if status:
        if not extras:
            raise _NumpyComputes("refused by the library")
        err = _lib.error_buffer()
        fn(code, ptr, ndim, shape_b, strides, naxes, axes_b, nsp, sp, order, outp,
           out_strides, opts, ctypes.addressof(err))
        status, k, msg = _lib.decode_error(err)
        raise _translate(status, k, msg, axes, varargs, periods)
    del keep
    if naxes == 1:
        return o0
    return tuple(outs)
