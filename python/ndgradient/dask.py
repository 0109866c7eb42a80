"""ndgradient.dask.gradient: numpy.gradient on dask arrays, bit for bit.

``gradient(x, *varargs, axis=None, edge_order=1, accuracy=2,
boundaries=None, periods=None)`` returns what ``numpy.gradient(x.compute(),
*varargs, ...)`` returns (one dask array, or a tuple of them), with the same
bits, dtype and shape, for every dtype, spacing kind and edge order.

How: a halo of w points (1 for accuracy 2, accuracy/2 otherwise) on each
differentiated axis that has more than one chunk, taken from the faces of
the neighbouring chunks (what ``map_overlap`` with ``boundary="none"`` would
give, with fewer tasks: an axis-aligned stencil never reads the corners),
then one task per block that computes every differentiated axis in one
library call: GHOST at cuts inside the array, ONE_SIDED (or PERIODIC) at
the array's own ends, and each block's slice of the coordinates with its
halo.  Whether an axis's coordinates are evenly spaced is decided once, on
the whole coordinate array (numpy's rule); where the whole is uneven but a
block's slice happens to be even, the block is computed with non-uniform
coordinates all the same (GRAD_SPACING_NONUNIFORM from libgradient 0.2, or
numpy's non-uniform formulas on that block before it) -- dask.array.gradient
decides per chunk and gets other last bits there.  Chunks shorter than the
halo or the edge stencil are merged with their neighbours, never refused.
Each block runs on one library thread; ctypes releases the GIL, so dask's
threaded scheduler runs blocks in parallel, and the tasks pickle, so
dask.distributed worker processes run them too.

Data types, steps and coordinates the library cannot compute to numpy's bits
(see ndgradient.gradient) are computed per block by numpy's own formulas,
written as numpy.gradient writes them, which assemble bit-identically too.
"""

from __future__ import annotations

import ctypes
import struct
from typing import Any, Optional, Sequence, Union

import numpy as np
import dask.array as da

from . import _core, _lib
from ._lib import GRAD_SPACING_COORDINATES, GRAD_SPACING_NONUNIFORM, GRAD_SPACING_UNIFORM

__all__ = ["gradient"]

_ONE_SIDED, _PERIODIC, _GHOST = 0, 1, 2


def _merge_chunks(chunks, m):
    """Chunks of at least m points (a short chunk joins its neighbour)."""
    out = []
    acc = 0
    for c in chunks:
        acc += c
        if acc >= m:
            out.append(acc)
            acc = 0
    if acc:
        if out:
            out[-1] += acc
        else:
            out.append(acc)
    return tuple(out)


class _AxisPlan:
    """What one differentiated axis needs in every block (picklable)."""

    def __init__(self, axis, n, chunks, w, periodic, kind, value, even, period, numpy_dx):
        self.axis = axis          # array axis
        self.n = n
        self.chunks = chunks      # merged chunk sizes
        self.starts = np.concatenate([[0], np.cumsum(chunks)]).astype(int).tolist()
        self.w = w if len(chunks) > 1 else 0   # halo depth given by the overlap
        self.periodic = periodic
        self.kind = kind          # 'unit', 'step' or 'coords'
        self.value = value        # the step (float), or float64 coordinates (padded if periodic)
        self.even = even          # coordinates: evenly spaced on the whole axis
        self.period = period
        self.numpy_dx = numpy_dx
        # periodic coordinates are padded with w wrapped points per side
        self.pad = w if periodic and kind == "coords" else 0  # numpy path: the step as given, or np.diff of the coordinates


class _Block:
    """The task run on each overlapped block (picklable)."""

    def __init__(self, plans, ndim, edge_order, accuracy, library, code, otype):
        self.plans = plans
        self.ndim = ndim
        self.edge_order = edge_order
        self.accuracy = accuracy
        self.library = library
        self.code = code
        self.otype = otype

    def __call__(self, center, *faces, block_id=None):
        if block_id is None:  # pragma: no cover - meta is given, dask never probes
            block_id = (0,) * self.ndim
        if len(block_id) > self.ndim:  # the stacked outputs' new leading axis
            block_id = block_id[len(block_id) - self.ndim:]
        b = self._assemble(center, faces)
        if self.library:
            return self._library(b, block_id)
        return self._numpy(b, block_id)

    def _assemble(self, center, faces):
        """The block with its halo: the chunk in the middle, each face (lo, hi
        per cut axis) beside it.  Corners stay unset: an axis-aligned
        stencil at an owned point never reads them."""
        if not faces:
            return center
        shape = list(center.shape)
        k = 0
        cut = []
        for p in self.plans:
            if p.w:
                lo, hi = faces[k], faces[k + 1]
                k += 2
                cut.append((p.axis, lo, hi))
                shape[p.axis] += lo.shape[p.axis] + hi.shape[p.axis]
        b = np.empty(shape, dtype=center.dtype)
        mid = [slice(None)] * self.ndim
        for ax, lo, hi in cut:
            mid[ax] = slice(lo.shape[ax], lo.shape[ax] + center.shape[ax])
        b[tuple(mid)] = center
        for ax, lo, hi in cut:
            sl = list(mid)
            sl[ax] = slice(0, lo.shape[ax])
            b[tuple(sl)] = lo
            sl[ax] = slice(b.shape[ax] - hi.shape[ax], b.shape[ax])
            b[tuple(sl)] = hi
        return b

    def _sides(self, p, i):
        """(lo code, hi code, global start index of the block with its halo,
        global end index) for axis plan p at chunk index i."""
        last = len(p.chunks) - 1
        lo_cut = i > 0 or (p.periodic and last > 0)
        hi_cut = i < last or (p.periodic and last > 0)
        lo = _GHOST if lo_cut else (_PERIODIC if p.periodic else _ONE_SIDED)
        hi = _GHOST if hi_cut else (_PERIODIC if p.periodic else _ONE_SIDED)
        s = p.starts[i] - (p.w if lo_cut else 0)
        e = p.starts[i + 1] + (p.w if hi_cut else 0)
        return lo, hi, s, e

    def _library(self, b, block_id):
        naxes = len(self.plans)
        codes = []
        parts = []
        keep = []
        pvals = []
        oshape = list(b.shape)
        for p in self.plans:
            i = block_id[p.axis]
            lo, hi, s, e = self._sides(p, i)
            codes += [lo, hi]
            oshape[p.axis] = p.chunks[i]
            pvals.append(p.period if p.period is not None else float("nan"))
            if p.kind == "unit":
                parts.append(_lib.SPACING.pack(GRAD_SPACING_UNIFORM, 1.0, 0, 0))
            elif p.kind == "step":
                parts.append(_lib.SPACING.pack(GRAD_SPACING_UNIFORM, p.value, 0, 0))
            else:
                x = np.ascontiguousarray(p.value[s + p.pad:e + p.pad])
                keep.append(x)
                if p.even:
                    kind = GRAD_SPACING_COORDINATES
                else:
                    kind = GRAD_SPACING_NONUNIFORM
                    if not _lib.features()["nonuniform"]:
                        d = np.diff(x)
                        if (d == d[0]).all() and _PERIODIC not in (lo, hi):
                            return self._numpy(b, block_id)  # an even slice, uneven axis
                        kind = GRAD_SPACING_COORDINATES
                parts.append(_lib.SPACING.pack(kind, 0.0, x.ctypes.data, len(x)))
        oshape = tuple(oshape)
        res = np.empty(((naxes,) if naxes > 1 else ()) + oshape, dtype=self.otype)
        outs = list(res) if naxes > 1 else [res]
        bc = (ctypes.c_int32 * len(codes))(*codes)
        pc = (ctypes.c_double * len(pvals))(*pvals)
        a = np.ascontiguousarray(b)
        if _lib.features()["options_v2"]:
            opts = _lib.OPTIONS_V2.pack(_lib.OPTIONS_V2.size, 1, ctypes.addressof(bc),
                                        ctypes.addressof(pc), self.accuracy, 0)
        else:
            opts = _lib.OPTIONS_V1.pack(_lib.OPTIONS_V1.size, 1, ctypes.addressof(bc),
                                        ctypes.addressof(pc))
        axes = [p.axis for p in self.plans]
        _lib.load()
        err = _lib.error_buffer()
        status = _lib.fn(self.code, a.ctypes.data, a.ndim, struct.pack("@%dq" % a.ndim, *a.shape),
                         None, naxes, struct.pack("@%di" % naxes, *axes), naxes, b"".join(parts),
                         self.edge_order, struct.pack("@%dP" % naxes,
                                                      *[o.ctypes.data for o in outs]),
                         None, opts, ctypes.addressof(err))
        if status:
            status, k, msg = _lib.decode_error(err)
            raise _core._translate(status, k, "block %s: %s" % (block_id, msg), axes, (), None)
        del keep
        return res

    def _numpy(self, f, block_id):
        """numpy.gradient's own arithmetic on one block, edges only at the
        array's ends; the halo is cut off at the end."""
        otype = f.dtype
        if otype.type is np.datetime64:
            otype = np.dtype(otype.name.replace("datetime", "timedelta"))
            f = f.view(otype)
        elif otype.type is np.timedelta64 or np.issubdtype(otype, np.inexact):
            pass
        else:
            if np.issubdtype(otype, np.integer):
                f = f.astype(np.float64)
            otype = np.dtype(np.float64)
        N = f.ndim
        owned = [slice(None)] * N
        ranges = []
        for p in self.plans:
            i = block_id[p.axis]
            lo, hi, s, e = self._sides(p, i)
            ranges.append((lo, hi, s, e))
            owned[p.axis] = slice(p.starts[i] - s, p.starts[i] - s + p.chunks[i])
        outs = []
        for p, (lo, hi, s, e) in zip(self.plans, ranges):
            axis = p.axis
            ax_dx = p.numpy_dx
            if np.ndim(ax_dx) != 0:
                ax_dx = ax_dx[s + p.pad:e + p.pad - 1]
            out = np.empty_like(f, dtype=otype)
            uniform_spacing = np.ndim(ax_dx) == 0
            s1 = [slice(None)] * N
            s2 = [slice(None)] * N
            s3 = [slice(None)] * N
            s4 = [slice(None)] * N
            s1[axis] = slice(1, -1)
            s2[axis] = slice(None, -2)
            s3[axis] = slice(1, -1)
            s4[axis] = slice(2, None)
            if uniform_spacing:
                out[tuple(s1)] = (f[tuple(s4)] - f[tuple(s2)]) / (2. * ax_dx)
            else:
                dx1 = ax_dx[0:-1]
                dx2 = ax_dx[1:]
                a = -(dx2) / (dx1 * (dx1 + dx2))
                b = (dx2 - dx1) / (dx1 * dx2)
                c = dx1 / (dx2 * (dx1 + dx2))
                shape = np.ones(N, dtype=int)
                shape[axis] = -1
                a = a.reshape(shape)
                b = b.reshape(shape)
                c = c.reshape(shape)
                out[tuple(s1)] = a * f[tuple(s2)] + b * f[tuple(s3)] + c * f[tuple(s4)]
            if self.edge_order == 1:
                if lo == _ONE_SIDED:
                    s1[axis], s2[axis], s3[axis] = 0, 1, 0
                    dx_0 = ax_dx if uniform_spacing else ax_dx[0]
                    out[tuple(s1)] = (f[tuple(s2)] - f[tuple(s3)]) / dx_0
                if hi == _ONE_SIDED:
                    s1[axis], s2[axis], s3[axis] = -1, -1, -2
                    dx_n = ax_dx if uniform_spacing else ax_dx[-1]
                    out[tuple(s1)] = (f[tuple(s2)] - f[tuple(s3)]) / dx_n
            else:
                if lo == _ONE_SIDED:
                    s1[axis], s2[axis], s3[axis], s4[axis] = 0, 0, 1, 2
                    if uniform_spacing:
                        a, b, c = -1.5 / ax_dx, 2. / ax_dx, -0.5 / ax_dx
                    else:
                        dx1, dx2 = ax_dx[0], ax_dx[1]
                        a = -(2. * dx1 + dx2) / (dx1 * (dx1 + dx2))
                        b = (dx1 + dx2) / (dx1 * dx2)
                        c = - dx1 / (dx2 * (dx1 + dx2))
                    out[tuple(s1)] = a * f[tuple(s2)] + b * f[tuple(s3)] + c * f[tuple(s4)]
                if hi == _ONE_SIDED:
                    s1[axis], s2[axis], s3[axis], s4[axis] = -1, -3, -2, -1
                    if uniform_spacing:
                        a, b, c = 0.5 / ax_dx, -2. / ax_dx, 1.5 / ax_dx
                    else:
                        dx1, dx2 = ax_dx[-2], ax_dx[-1]
                        a = (dx2) / (dx1 * (dx1 + dx2))
                        b = - (dx2 + dx1) / (dx1 * dx2)
                        c = (2. * dx2 + dx1) / (dx2 * (dx1 + dx2))
                    out[tuple(s1)] = a * f[tuple(s2)] + b * f[tuple(s3)] + c * f[tuple(s4)]
            outs.append(out[tuple(owned)])
        if len(outs) == 1:
            return outs[0]
        return np.stack(outs)


def gradient(x: Any, *varargs: Any, axis: Union[None, int, Sequence[int]] = None,
             edge_order: int = 1, accuracy: int = 2,
             boundaries: Union[None, str, Sequence[Any]] = None,
             periods: Union[None, float, Sequence[Optional[float]]] = None) -> Any:
    """numpy.gradient for a dask array: lazily, bit-identical to
    ``numpy.gradient(x.compute(), *varargs, axis=axis, edge_order=edge_order)``.

    ``varargs`` are numpy's: none (unit spacing), one scalar for every axis,
    or one scalar or 1-d coordinate array (numpy, list or dask) per
    differentiated axis.  Extras as in ndgradient.gradient: ``accuracy`` (2,
    or 4, 6, 8 with libgradient 0.2) and ``boundaries`` of 'one_sided' or
    'periodic' per axis (a string for all, or one per differentiated axis),
    with ``periods`` for periodic axes with coordinates; 'ghost' is what the
    blocks use inside, not an option here.
    """
    if not isinstance(x, da.Array):
        x = da.asarray(x)
    ndim = x.ndim
    axes = tuple(range(ndim)) if axis is None else _core.normalize_axis_tuple(axis, ndim)
    naxes = len(axes)
    extras = accuracy != 2 or boundaries is not None or periods is not None
    if ndim == 0 or naxes == 0:
        return np.gradient(np.asarray(x), *varargs, axis=axis, edge_order=edge_order)

    # numpy's argument rules and messages
    n = len(varargs)
    if n == 0:
        spacing = [None] * naxes
    elif n == 1 and np.ndim(varargs[0]) == 0:
        spacing = [varargs[0]] * naxes
    elif n == naxes:
        spacing = []
        for k, d in enumerate(varargs):
            if np.ndim(d) == 0:
                spacing.append(d)
                continue
            if isinstance(d, da.Array):
                d = d.compute()
            d = np.asanyarray(d)
            if d.ndim != 1:
                raise ValueError("distances must be either scalars or 1d")
            if len(d) != x.shape[axes[k]]:
                raise ValueError("when 1d, distances must match "
                                 "the length of the corresponding dimension")
            spacing.append(d)
    else:
        raise TypeError("invalid number of arguments")

    if extras:
        if accuracy not in _core._ACCURACIES or isinstance(accuracy, bool):
            raise ValueError("accuracy = %r is invalid: give 2 (numpy's formulas), 4, 6 or 8"
                             % (accuracy,))
        if accuracy != 2 and not _lib.features()["accuracy"]:
            raise NotImplementedError(
                "accuracy = %d needs libgradient 0.2 (accuracy orders 4, 6, 8); the library "
                "loaded from %s is %s" % (accuracy, _lib.library_path(), _lib.version()))
        order = _core._edge_order_extra(edge_order, accuracy)
        codes = [0, 0] * naxes if boundaries is None else _core._boundary_codes(boundaries,
                                                                                naxes)
        for k in range(naxes):
            lo, hi = codes[2 * k], codes[2 * k + 1]
            if _GHOST in (lo, hi) or lo != hi:
                raise ValueError("boundaries = %r: ndgradient.dask.gradient takes 'one_sided' or "
                                 "'periodic' per axis (blocks get their halos from dask)"
                                 % (boundaries,))
        pvals = [None] * naxes if periods is None else _core._period_values(periods, naxes)
    else:
        order = _core._edge_order_numpy(edge_order)
        if order is None:
            if edge_order > 2:
                raise ValueError("'edge_order' greater than 2 not supported")
            # numpy's order-2 formulas (its behaviour for edge_order 0, 1.5, ...): one block
            return _whole_numpy(x, varargs, axis, edge_order)
        codes = [0, 0] * naxes
        pvals = [None] * naxes

    for k, ax in enumerate(axes):
        if x.shape[ax] < order + 1:
            raise ValueError(
                "Shape of array too small to calculate a numerical gradient, "
                "at least (edge_order + 1) elements are required.")

    info = _core._DTYPES.get(x.dtype)
    single = bool(info and info[2])
    library = info is not None
    w = 1 if accuracy == 2 else accuracy // 2
    m = max(order + 1, accuracy + 1 if accuracy > 2 else 0, w)

    # spacing per axis: library form, and numpy's form (np.diff like numpy)
    forms = []
    for k, (ax, d) in enumerate(zip(axes, spacing)):
        periodic = codes[2 * k] == _PERIODIC
        if d is None:
            forms.append(("unit", 1.0, True, None, 1.0))
            continue
        if np.ndim(d) == 0:
            h = _core._step(d, single) if not extras else _core._loose_step(d, k, ax)
            if h is None:
                library = False
            forms.append(("step", h, True, None, d))
            continue
        dd = d.astype(np.float64) if np.issubdtype(d.dtype, np.integer) else d
        diffx = np.diff(dd)
        even = bool((diffx == diffx[0]).all())
        numpy_dx = diffx[0] if even else diffx
        xc = _core._coords(d, d.shape[0]) if not extras else _core._loose_coords(
            d, d.shape[0], k, ax)
        if xc is None:
            library = False
        if periodic and xc is not None:
            p = pvals[k]
            if p is None or not np.isfinite(p):
                raise ValueError("periods[%d]: a periodic axis with coordinates needs its period"
                                 % k)
            xc = np.concatenate([xc[len(xc) - w:] - p, xc, xc[:w] + p])
            dpad = np.diff(xc)
            even = bool((dpad == dpad[0]).all())
            numpy_dx = dpad
        forms.append(("coords", xc, even, None, numpy_dx))

    if not library:
        if extras:
            raise TypeError("ndgradient.dask.gradient: accuracy, boundaries and periods need data "
                            "of dtype float64, float32, complex128, complex64 or an integer type; "
                            "got %s" % x.dtype)
        _, otype = None, _numpy_otype(x.dtype)
        code = -1
    else:
        code, otype, _ = info

    # merge short chunks, then overlap
    chunks = list(x.chunks)
    for ax in axes:
        chunks[ax] = _merge_chunks(x.chunks[ax], m)
    if tuple(chunks) != x.chunks:
        x = x.rechunk(tuple(chunks))
    plans = []
    faces = []
    for k, ax in enumerate(axes):
        periodic = codes[2 * k] == _PERIODIC
        kind, value, even, _, numpy_dx = forms[k]
        p = _AxisPlan(ax, x.shape[ax], x.chunks[ax], w, periodic, kind, value, even, pvals[k],
                      numpy_dx)
        plans.append(p)
        if p.w:
            faces += _faces(x, ax, p, w)
    task = _Block(plans, ndim, order, accuracy, library, code, otype)
    meta = np.empty((0,) * (ndim + (naxes > 1)), dtype=otype)
    name = "ndgradient-" + da.core.tokenize(task, x, naxes)
    if naxes > 1:
        res = da.map_blocks(task, x, *faces, dtype=otype, meta=meta, new_axis=0,
                            chunks=((naxes,),) + x.chunks, name=name)
        return tuple(res[k] for k in range(naxes))
    return da.map_blocks(task, x, *faces, dtype=otype, meta=meta, chunks=x.chunks,
                         name=name)


def _faces(x, ax, p, w):
    """Two arrays chunked like x whose block i along ax holds the w points
    before (lo) and after (hi) chunk i: the neighbours' edges, or the far end
    of the array on a periodic axis, or nothing at a plain end."""
    n = x.shape[ax]

    def cut(a, b):
        sl = [slice(None)] * x.ndim
        sl[ax] = slice(a, b)
        return x[tuple(sl)]

    starts = p.starts
    last = len(p.chunks) - 1
    lo = [cut(n - w, n) if p.periodic else cut(0, 0)]
    lo += [cut(starts[i] - w, starts[i]) for i in range(1, last + 1)]
    hi = [cut(starts[i + 1], starts[i + 1] + w) for i in range(last)]
    hi += [cut(0, w) if p.periodic else cut(n, n)]
    lo = da.concatenate(lo, axis=ax)
    hi = da.concatenate(hi, axis=ax)
    # one block per chunk of x along ax (a zero-length piece keeps its block)
    lo = lo.rechunk({ax: tuple(w if (i or p.periodic) else 0 for i in range(last + 1))})
    hi = hi.rechunk({ax: tuple(w if (i < last or p.periodic) else 0 for i in range(last + 1))})
    return [lo, hi]


def _numpy_otype(dt):
    if dt.type is np.datetime64:
        return np.dtype(dt.name.replace("datetime", "timedelta"))
    if dt.type is np.timedelta64 or np.issubdtype(dt, np.inexact):
        return dt
    return np.dtype(np.float64)


def _whole_numpy(x, varargs, axis, edge_order):
    """numpy.gradient on the whole array in one task (edge_order values numpy
    accepts but the library does not, such as 0)."""
    import dask
    r = dask.delayed(np.gradient, pure=True)(x, *varargs, axis=axis, edge_order=edge_order)
    ref = np.gradient(np.ones((3,) * x.ndim, dtype=x.dtype), axis=axis, edge_order=edge_order)
    if isinstance(ref, tuple):
        return tuple(da.from_delayed(r[k], shape=x.shape, dtype=ref[k].dtype)
                     for k in range(len(ref)))
    return da.from_delayed(r, shape=x.shape, dtype=ref.dtype)
