"""ndgradient.plan: a gradient checked once and run many times (internal module).

A plan wraps grad_plan_create / grad_plan_execute / grad_plan_destroy: every
argument is checked and copied when the plan is made; calling it on an array
checks only the array and the outputs, then computes exactly what
``ndgradient.gradient`` (and numpy.gradient) returns for the same arguments.
"""

from __future__ import annotations

import ctypes
import weakref
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from . import _lib
from ._core import (_DTYPES, _I, _P, _Q, _RANGES, GradientError, _boundary_codes,
                    _edge_order_extra, _period_values, _spacing, _translate, normalize_axis_tuple,
                    resolve_threads)
from ._lib import GHOST

__all__ = ["Plan", "plan"]

_create = _execute = _destroy = None


def _functions():
    global _create, _execute, _destroy
    if _create is None:
        lib = _lib.load()
        vp, cp, i32 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32
        c = lib.grad_plan_create
        c.restype = i32
        #            plan dtype ndim shape strides naxes axes nsp spacing edge out_st opts err
        c.argtypes = [vp, i32, i32, cp, cp, i32, cp, i32, cp, i32, cp, cp, vp]
        e = lib.grad_plan_execute
        e.restype = i32
        e.argtypes = [vp, vp, cp, vp]
        d = lib.grad_plan_destroy
        d.restype = None
        d.argtypes = [vp]
        _create, _execute, _destroy = c, e, d
    return _create, _execute, _destroy


class Plan:
    """A gradient of C-contiguous arrays of one shape and dtype, checked once.

    ``p(f)`` returns what ``ndgradient.gradient(f, *varargs, axis=...,
    edge_order=..., ...)`` returns (a tuple for several axes), bit for bit;
    ``p(f, out=...)`` writes into C-contiguous arrays of the output shape and
    type instead (returned).  The plan keeps copies of the coordinates and
    frees its library object when it is garbage collected (or on
    ``close()``).  One plan may be called from several threads at once.
    """

    def __init__(self, shape: Sequence[int], dtype: Any, *varargs: Any,
                 axis: Union[None, int, Sequence[int]] = None, edge_order: int = 1,
                 accuracy: int = 2, boundaries=None, periods=None,
                 threads: Union[None, int, str] = None):
        create, execute, destroy = _functions()
        self.dtype = np.dtype(dtype)
        info = _DTYPES.get(self.dtype)
        if info is None:
            raise TypeError("dtype %s is not supported by plans (give a native integer, float32/64 "
                            "or complex64/128 dtype)" % self.dtype)
        code, otype, single = info
        self.shape = tuple(int(n) for n in shape)
        ndim = len(self.shape)
        if not 1 <= ndim <= 64:
            raise ValueError("a plan needs 1 to 64 dimensions, not %d" % ndim)
        self.axes = _RANGES[ndim] if axis is None else normalize_axis_tuple(axis, ndim)
        naxes = len(self.axes)
        if accuracy not in (2, 4, 6, 8) or isinstance(accuracy, bool):
            raise ValueError("accuracy = %r is invalid: give 2, 4, 6 or 8" % (accuracy,))
        order = _edge_order_extra(edge_order, accuracy)
        sp, nsp, keep = _spacing(varargs, self.shape, self.axes, single, False)
        codes = None if boundaries is None else _boundary_codes(boundaries, naxes)
        pvals = None if periods is None else _period_values(periods, naxes)
        b = (ctypes.c_int32 * len(codes))(*codes) if codes is not None else None
        p = (ctypes.c_double * len(pvals))(*pvals) if pvals is not None else None
        opts = _lib.OPTIONS_V2.pack(_lib.OPTIONS_V2.size, resolve_threads(threads),
                                    ctypes.addressof(b) if b is not None else 0,
                                    ctypes.addressof(p) if p is not None else 0, accuracy, 0)
        oshape = list(self.shape)
        if codes is not None and GHOST in codes:
            halo = 1 if accuracy == 2 else accuracy // 2
            for k, ax in enumerate(self.axes):
                g = (codes[2 * k] == GHOST) + (codes[2 * k + 1] == GHOST)
                oshape[ax] = max(oshape[ax] - g * halo, 0)
        self.out_shape = tuple(oshape)
        self.out_dtype = otype
        handle = ctypes.c_void_p()
        err = _lib.error_buffer()
        axes_b = None if axis is None else _I[naxes].pack(*self.axes)
        status = create(ctypes.addressof(handle), code, ndim, _Q[ndim].pack(*self.shape), None,
                        naxes, axes_b, nsp, sp, order, None, opts, ctypes.addressof(err))
        del keep, b, p  # copied by the library
        if status:
            status, k, msg = _lib.decode_error(err)
            raise _translate(status, k, msg, self.axes, varargs, periods)
        self._handle = handle.value
        self._execute = execute
        self._naxes = naxes
        self._finalizer = weakref.finalize(self, destroy, handle.value)

    def close(self) -> None:
        """Free the library's plan now (later calls raise)."""
        self._finalizer()
        self._handle = None

    def __call__(self, f: Any, out: Optional[Sequence[np.ndarray]] = None
                 ) -> Union[np.ndarray, Tuple[np.ndarray, ...]]:
        if self._handle is None:
            raise ValueError("the plan is closed")
        a = np.asarray(f)
        if a.dtype != self.dtype or a.shape != self.shape:
            raise ValueError("f has dtype %s and shape %s; the plan was made for %s and %s"
                             % (a.dtype, a.shape, self.dtype, self.shape))
        if not a.flags.c_contiguous or a.ctypes.data % a.dtype.alignment:
            a = np.ascontiguousarray(a).copy() if a.ctypes.data % a.dtype.alignment else \
                np.ascontiguousarray(a)
        if out is None:
            outs = tuple(np.empty(self.out_shape, dtype=self.out_dtype)
                         for _ in range(self._naxes))
        else:
            outs = (out,) if isinstance(out, np.ndarray) else tuple(out)
            if len(outs) != self._naxes:
                raise ValueError("out has %d arrays for %d axes" % (len(outs), self._naxes))
            for k, o in enumerate(outs):
                if (not isinstance(o, np.ndarray) or o.dtype != self.out_dtype
                        or o.shape != self.out_shape or not o.flags.c_contiguous
                        or not o.flags.writeable):
                    raise ValueError("out[%d] must be a writeable C-contiguous %s array of shape "
                                     "%s" % (k, self.out_dtype, self.out_shape))
        outp = _P[self._naxes].pack(*[o.ctypes.data for o in outs])
        err = _lib.error_buffer()
        status = self._execute(self._handle, a.ctypes.data, outp, ctypes.addressof(err))
        if status:
            status, k, msg = _lib.decode_error(err)
            raise GradientError(msg, _lib.STATUS_NAMES.get(status, "UNKNOWN"),
                                None if k is None else self.axes[k])
        return outs[0] if self._naxes == 1 else outs

    def __repr__(self) -> str:
        return "ndgradient.Plan(shape=%s, dtype=%s, axes=%s)" % (self.shape, self.dtype,
                                                                 self.axes)


def plan(shape: Sequence[int], dtype: Any, *varargs: Any, **kwargs: Any) -> Plan:
    """A :class:`Plan` for C-contiguous arrays of ``shape`` and ``dtype``;
    ``varargs`` and the keywords (``axis``, ``edge_order``, ``accuracy``,
    ``boundaries``, ``periods``, ``threads``) as for ``ndgradient.gradient``.

        >>> import numpy as np, ndgradient
        >>> p = ndgradient.plan((6,), np.float64)
        >>> p(np.array([1.0, 2.0, 4.0, 7.0, 11.0, 16.0]))
        array([1. , 1.5, 2.5, 3.5, 4.5, 5. ])
    """
    return Plan(shape, dtype, *varargs, **kwargs)
