"""Shared helpers for the ndgradient package tests (pytest).

Run from outside the source tree against the installed package
(scripts/test-python.sh does): `import ndgradient` must find the installed
wheel, not python/ndgradient."""

import numpy as np


def same_bits(a, b):
    """Same type, dtype, shape and bits (NaN matches NaN; the sign of zero counts)."""
    if type(a) is not type(b):
        return "type %s != %s" % (type(a).__name__, type(b).__name__)
    if isinstance(a, tuple):
        if len(a) != len(b):
            return "tuple length %d != %d" % (len(a), len(b))
        for k, (x, y) in enumerate(zip(a, b)):
            why = same_bits(x, y)
            if why:
                return "[%d] %s" % (k, why)
        return None
    if a.dtype != b.dtype:
        return "dtype %s != %s" % (a.dtype, b.dtype)
    if a.shape != b.shape:
        return "shape %s != %s" % (a.shape, b.shape)
    if isinstance(a, np.ma.MaskedArray):
        if not np.array_equal(np.ma.getmaskarray(a), np.ma.getmaskarray(b)):
            return "masks differ"
        # numpy leaves the data under the mask uninitialised (empty_like): compare the rest
        keep = ~np.ma.getmaskarray(a)
        a, b = np.asarray(a.data)[keep], np.asarray(b.data)[keep]
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype.kind in "mM":
        eq = a.view(np.int64) == b.view(np.int64)
    elif a.dtype in (np.longdouble, np.clongdouble):  # padding bytes: compare values
        eq = ((a == b) & (np.signbit(a.real) == np.signbit(b.real))) | (np.isnan(a) & np.isnan(b))
    elif a.dtype.kind in "fc":
        a = np.ascontiguousarray(a)
        b = np.ascontiguousarray(b)
        av = a.view(np.uint8).reshape(a.shape + (a.itemsize,))
        bv = b.view(np.uint8).reshape(b.shape + (b.itemsize,))
        eq = (av == bv).all(axis=-1) | (np.isnan(a) & np.isnan(b))
    else:
        eq = a == b
    if not np.all(eq):
        i = np.argwhere(~np.asarray(eq))[0]
        return "differs at %s: %r != %r" % (tuple(i), a[tuple(i)], b[tuple(i)])
    return None
