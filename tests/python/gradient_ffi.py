"""Low-level ctypes binding of the `gradient` C ABI (docs/reference.md).

Everything here mirrors include/gradient.h exactly: the structs, the
constants and the 13-argument entry points.  All pointer arguments are
declared as ``c_void_p`` so tests can pass arbitrary addresses (NULL,
misaligned, overlapping) as plain integers.

Library location: env var GRADIENT_LIB, else <repo>/target/release/libgradient.so.

High-level helper: :func:`call` (numpy array in, numpy arrays out).
"""

import ctypes
import os
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------- constants
GRAD_STATUS_OK = 0
GRAD_STATUS_NULL_POINTER = 1
GRAD_STATUS_INVALID_NDIM = 2
GRAD_STATUS_INVALID_SHAPE = 3
GRAD_STATUS_INVALID_STRIDES = 4
GRAD_STATUS_INVALID_AXIS = 5
GRAD_STATUS_INVALID_SPACING = 6
GRAD_STATUS_INVALID_EDGE_ORDER = 7
GRAD_STATUS_SHAPE_TOO_SMALL = 8
GRAD_STATUS_MISALIGNED = 9
GRAD_STATUS_OVERLAP = 10
GRAD_STATUS_INVALID_DTYPE = 11
GRAD_STATUS_INVALID_OPTIONS = 12
GRAD_STATUS_INTERNAL = 99

STATUS_NAMES = {
    0: "OK", 1: "NULL_POINTER", 2: "INVALID_NDIM", 3: "INVALID_SHAPE",
    4: "INVALID_STRIDES", 5: "INVALID_AXIS", 6: "INVALID_SPACING",
    7: "INVALID_EDGE_ORDER", 8: "SHAPE_TOO_SMALL", 9: "MISALIGNED",
    10: "OVERLAP", 11: "INVALID_DTYPE", 12: "INVALID_OPTIONS", 99: "INTERNAL",
}

GRAD_MAX_NDIM = 64

GRAD_SPACING_UNIT = 0
GRAD_SPACING_UNIFORM = 1
GRAD_SPACING_COORDINATES = 2
GRAD_SPACING_NONUNIFORM = 3     # since 0.2: coordinates never reduced to a step

# accuracy orders accepted in grad_options.accuracy (since 0.2)
ACCURACIES = (0, 2, 4, 6, 8)

GRAD_DTYPE_F64 = 0
GRAD_DTYPE_F32 = 1
GRAD_DTYPE_C128 = 2
GRAD_DTYPE_C64 = 3
GRAD_DTYPE_I8 = 4
GRAD_DTYPE_I16 = 5
GRAD_DTYPE_I32 = 6
GRAD_DTYPE_I64 = 7
GRAD_DTYPE_U8 = 8
GRAD_DTYPE_U16 = 9
GRAD_DTYPE_U32 = 10
GRAD_DTYPE_U64 = 11

GRAD_BOUNDARY_ONE_SIDED = 0
GRAD_BOUNDARY_PERIODIC = 1
GRAD_BOUNDARY_GHOST = 2

# dtype code -> (input numpy dtype, output numpy dtype, typed entry point or None)
DTYPES = {
    GRAD_DTYPE_F64: (np.dtype(np.float64), np.dtype(np.float64), "grad_gradient_f64"),
    GRAD_DTYPE_F32: (np.dtype(np.float32), np.dtype(np.float32), "grad_gradient_f32"),
    GRAD_DTYPE_C128: (np.dtype(np.complex128), np.dtype(np.complex128), "grad_gradient_c128"),
    GRAD_DTYPE_C64: (np.dtype(np.complex64), np.dtype(np.complex64), "grad_gradient_c64"),
    GRAD_DTYPE_I8: (np.dtype(np.int8), np.dtype(np.float64), None),
    GRAD_DTYPE_I16: (np.dtype(np.int16), np.dtype(np.float64), None),
    GRAD_DTYPE_I32: (np.dtype(np.int32), np.dtype(np.float64), None),
    GRAD_DTYPE_I64: (np.dtype(np.int64), np.dtype(np.float64), None),
    GRAD_DTYPE_U8: (np.dtype(np.uint8), np.dtype(np.float64), None),
    GRAD_DTYPE_U16: (np.dtype(np.uint16), np.dtype(np.float64), None),
    GRAD_DTYPE_U32: (np.dtype(np.uint32), np.dtype(np.float64), None),
    GRAD_DTYPE_U64: (np.dtype(np.uint64), np.dtype(np.float64), None),
}
DTYPE_NAMES = {
    0: "f64", 1: "f32", 2: "c128", 3: "c64", 4: "i8", 5: "i16", 6: "i32",
    7: "i64", 8: "u8", 9: "u16", 10: "u32", 11: "u64",
}
_NP_TO_CODE = {v[0]: k for k, v in DTYPES.items()}


def dtype_code(dt):
    """numpy dtype -> GRAD_DTYPE_* code (native byte order only)."""
    dt = np.dtype(dt)
    if not dt.isnative:
        raise ValueError("non-native byte order is not representable")
    return _NP_TO_CODE[dt]


def out_dtype(code):
    return DTYPES[code][1]


# ------------------------------------------------------------------ structs
class grad_spacing(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_int32),
        ("delta", ctypes.c_double),
        ("coords", ctypes.c_void_p),      # const double *
        ("coords_len", ctypes.c_int64),
    ]


class grad_error(ctypes.Structure):
    _fields_ = [
        ("status", ctypes.c_int32),
        ("axis", ctypes.c_int32),
        ("message", ctypes.c_char * 256),
    ]

    @property
    def text(self):
        return self.message.decode("utf-8", "replace")


class grad_options(ctypes.Structure):
    """The 0.2 layout (32 bytes on LP64).  `size` says how much of it the
    caller knows: the 0.1 layout ends before `accuracy` (see grad_options_v01)."""
    _fields_ = [
        ("size", ctypes.c_uint32),
        ("threads", ctypes.c_int32),
        ("boundaries", ctypes.c_void_p),  # const int32_t *
        ("periods", ctypes.c_void_p),     # const double *
        ("accuracy", ctypes.c_int32),     # since 0.2: 0 or 2 numpy, 4/6/8 higher order
        ("reserved", ctypes.c_int32),     # since 0.2: must be 0
    ]


class grad_options_v01(ctypes.Structure):
    """The 0.1 layout (24 bytes on LP64): what an old caller compiled."""
    _fields_ = grad_options._fields_[:4]


class grad_complex64(ctypes.Structure):
    _fields_ = [("re", ctypes.c_float), ("im", ctypes.c_float)]


class grad_complex128(ctypes.Structure):
    _fields_ = [("re", ctypes.c_double), ("im", ctypes.c_double)]


SIZEOF_OPTIONS = ctypes.sizeof(grad_options)
SIZEOF_OPTIONS_V01 = ctypes.sizeof(grad_options_v01)
OFFSETOF_ACCURACY = grad_options.accuracy.offset   # == SIZEOF_OPTIONS_V01
OFFSETOF_RESERVED = grad_options.reserved.offset
OPTIONS_MAX_SIZE = 4096

# ---------------------------------------------------------------- library
_VP = ctypes.c_void_p
_I32 = ctypes.c_int32
# f, ndim, shape, strides, naxes, axes, nspacing, spacing, edge_order, out, out_strides, options, err
_COMMON_ARGS = [_VP, _I32, _VP, _VP, _I32, _VP, _I32, _VP, _I32, _VP, _VP, _VP, _VP]

_lib = None


def lib_path():
    return os.environ.get("GRADIENT_LIB") or str(REPO / "target" / "release" / "libgradient.so")


def load(path=None):
    """Load (once) and return the CDLL with all prototypes declared."""
    global _lib
    if _lib is not None and path is None:
        return _lib
    lib = ctypes.CDLL(path or lib_path())
    for name in ("grad_gradient_f64", "grad_gradient_f32", "grad_gradient_c64", "grad_gradient_c128"):
        fn = getattr(lib, name)
        fn.argtypes = list(_COMMON_ARGS)
        fn.restype = ctypes.c_int32
    lib.grad_gradient.argtypes = [_I32] + list(_COMMON_ARGS)
    lib.grad_gradient.restype = ctypes.c_int32
    lib.grad_status_str.argtypes = [_I32]
    lib.grad_status_str.restype = ctypes.c_void_p   # raw pointer, so NULL is detectable
    lib.grad_version.argtypes = []
    lib.grad_version.restype = ctypes.c_uint32
    if path is None:
        _lib = lib
    return lib


def status_str(code):
    """grad_status_str(code) -> (pointer, text or None)."""
    p = load().grad_status_str(int(code))
    if not p:
        return p, None
    return p, ctypes.string_at(p).decode("utf-8", "replace")


def version():
    return int(load().grad_version())


# --------------------------------------------------------- raw entry point
def raw_gradient(entry, dtype, f, ndim, shape, strides, naxes, axes, nspacing,
                 spacing, edge_order, out, out_strides, options, err):
    """Call the library with raw arguments (ints / None / ctypes objects).

    entry: 'generic' -> grad_gradient(dtype, ...); 'typed' -> the typed entry
    point for `dtype` (which must be F64/F32/C128/C64).
    """
    lib = load()
    args = (f, ndim, shape, strides, naxes, axes, nspacing, spacing,
            edge_order, out, out_strides, options, err)
    if entry == "generic":
        return int(lib.grad_gradient(dtype, *args))
    name = DTYPES[dtype][2]
    if name is None:
        raise ValueError("no typed entry point for dtype %d" % dtype)
    return int(getattr(lib, name)(*args))


def addr(a):
    """Address of an ndarray's element (0,...,0) (valid for negative strides)."""
    return a.__array_interface__["data"][0]


def elem_strides(a):
    """ndarray strides in ELEMENTS (exact division required)."""
    it = a.dtype.itemsize
    res = []
    for s in a.strides:
        if s % it:
            raise ValueError("stride %d is not a multiple of the item size %d" % (s, it))
        res.append(s // it)
    return res


def i64_array(values):
    return (ctypes.c_int64 * max(len(values), 1))(*[int(v) for v in values])


def i32_array(values):
    return (ctypes.c_int32 * max(len(values), 1))(*[int(v) for v in values])


# ----------------------------------------------------------- spacing forms
class Spacing:
    """One spacing entry.  kind: GRAD_SPACING_*; delta for UNIFORM;
    coords (float64 ndarray) for COORDINATES."""

    __slots__ = ("kind", "delta", "coords")

    def __init__(self, kind, delta=0.0, coords=None):
        self.kind = kind
        self.delta = float(delta)
        self.coords = None if coords is None else np.ascontiguousarray(coords, dtype=np.float64)

    def numpy_arg(self):
        """The argument numpy.gradient gets for this entry (docs/numerics.md, working precision)."""
        if self.kind == GRAD_SPACING_UNIT:
            return 1.0
        if self.kind == GRAD_SPACING_UNIFORM:
            return float(self.delta)
        return np.asarray(self.coords, dtype=np.float64)

    def __repr__(self):
        if self.kind == GRAD_SPACING_UNIT:
            return "UNIT" if self.delta == 0.0 else "UNIT(delta=%r)" % self.delta
        if self.kind == GRAD_SPACING_UNIFORM:
            return "UNIFORM(%s)" % float(self.delta).hex()
        if self.kind == GRAD_SPACING_NONUNIFORM:
            return "NONUNIFORM([%s])" % ", ".join(float(v).hex() for v in self.coords)
        return "COORDS([%s])" % ", ".join(float(v).hex() for v in self.coords)


def unit(delta=0.0):
    return Spacing(GRAD_SPACING_UNIT, delta)


def uniform(h):
    return Spacing(GRAD_SPACING_UNIFORM, h)


def coords(x):
    return Spacing(GRAD_SPACING_COORDINATES, 0.0, x)


def nonuniform(x):
    """GRAD_SPACING_NONUNIFORM: coordinates that are never reduced to a step."""
    return Spacing(GRAD_SPACING_NONUNIFORM, 0.0, x)


def as_spacing(s):
    if isinstance(s, Spacing):
        return s
    if s is None:
        return unit()
    if np.ndim(s) == 0:
        return uniform(float(s))
    return coords(s)


def spacing_array(entries, keep):
    """Build a ctypes grad_spacing[] from Spacing entries; `keep` holds refs."""
    n = len(entries)
    arr = (grad_spacing * max(n, 1))()
    for i, s in enumerate(entries):
        arr[i].kind = s.kind
        arr[i].delta = s.delta
        if s.coords is not None:
            keep.append(s.coords)
            arr[i].coords = addr(s.coords)
            arr[i].coords_len = len(s.coords)
        else:
            arr[i].coords = None
            arr[i].coords_len = 0
    keep.append(arr)
    return arr


def make_options(size=None, threads=1, boundaries=None, periods=None, keep=None,
                 accuracy=0, reserved=0, tail=None, beyond=0xEE):
    """A grad_options for the library, as a ctypes object to pass by address.

    size: the value of options.size (default sizeof(grad_options) = 32 on LP64).
    With the default size and no tail this is a plain grad_options.  Otherwise
    it is a byte buffer laid out as a caller that compiled a struct of `size`
    bytes would lay it out:
      * size < 32: the first `size` bytes of the 0.2 struct; the bytes from
        `size` up to 32 (the fields this caller does not know about) hold the
        `beyond` pattern, so a library that reads them sees garbage (they must
        be read as 0);
      * size > 32: the 0.2 struct, then `tail` (bytes, default all zero) for
        offsets 32 .. size (padded with zeros or cut to length);
    and in every case a few `beyond` bytes after `size` (never to be read).
    """
    o = grad_options()
    o.size = SIZEOF_OPTIONS if size is None else size
    o.threads = threads
    o.accuracy = accuracy
    o.reserved = reserved
    if boundaries is not None:
        b = i32_array(boundaries)
        if keep is not None:
            keep.append(b)
        o.boundaries = ctypes.addressof(b)
    if periods is not None:
        p = (ctypes.c_double * max(len(periods), 1))(*periods)
        if keep is not None:
            keep.append(p)
        o.periods = ctypes.addressof(p)
    if (size is None or size == SIZEOF_OPTIONS) and tail is None:
        if keep is not None:
            keep.append(o)
        return o
    declared = int(o.size)
    n = min(declared, OPTIONS_MAX_SIZE + 64)
    raw = bytearray(ctypes.string_at(ctypes.addressof(o), SIZEOF_OPTIONS))
    if n > SIZEOF_OPTIONS:
        t = bytes(tail or b"")[: n - SIZEOF_OPTIONS]
        raw += t + bytes(n - SIZEOF_OPTIONS - len(t))
    else:
        raw = raw[:n] + bytes([beyond]) * (SIZEOF_OPTIONS - n)
    raw += bytes([beyond]) * 16
    buf = (ctypes.c_uint8 * len(raw)).from_buffer_copy(bytes(raw))
    # the buffer must be aligned like the struct (pointer members)
    assert ctypes.addressof(buf) % 8 == 0
    if keep is not None:
        keep.append(buf)
    return buf


def options_bytes(opt):
    """The bytes of an options object from make_options (for "unchanged" checks)."""
    return ctypes.string_at(ctypes.addressof(opt), ctypes.sizeof(opt))


# ------------------------------------------------------------ output helpers
def alloc_output(shape, dtype, layout, fill=0xA5):
    """Allocate one output view of `shape`/`dtype` with the given layout.

    Returns (view, backing_uint8_buffer, rebuild) where rebuild(buffer) returns
    the same view on another buffer of identical size (used for "nothing
    outside the view was written" checks).  layouts:
      'C', 'F'       contiguous
      'C16', 'F16'   contiguous, 16 bytes past a 64-byte boundary (where
                     numpy's large arrays start: 16 bytes past a page), so
                     that the sweeps' blocks start alike in every output
      'strided'      every other element of a larger buffer, with an offset
      'neg'          reversed (negative strides) inside a larger buffer
      'perm'         C-contiguous in a permuted axis order (transposed view)
    """
    dtype = np.dtype(dtype)
    shape = tuple(int(s) for s in shape)
    ndim = len(shape)
    if layout in ("C", "F", "null"):
        order = "F" if layout == "F" else "C"
        n = int(np.prod(shape, dtype=np.int64))
        buf = np.full(max(n, 1) * dtype.itemsize, fill, dtype=np.uint8)

        def rebuild(b):
            flat = b.view(dtype)[:n]
            return flat.reshape(shape, order=order)
    elif layout in ("C16", "F16"):
        order = layout[0]
        n = int(np.prod(shape, dtype=np.int64))
        size = max(n, 1) * dtype.itemsize
        big = np.full(size + 64, fill, dtype=np.uint8)
        skip = (16 - big.ctypes.data) % 64
        buf = big[skip:skip + size]

        def rebuild(b):
            return b.view(dtype)[:n].reshape(shape, order=order)
    elif layout == "strided":
        big = tuple(2 * s + 1 for s in shape)
        n = int(np.prod(big, dtype=np.int64))
        buf = np.full(max(n, 1) * dtype.itemsize, fill, dtype=np.uint8)

        def rebuild(b):
            v = b.view(dtype)[:n].reshape(big)
            return v[tuple(slice(1, 1 + 2 * s, 2) for s in shape)]
    elif layout == "neg":
        big = tuple(2 * s + 1 for s in shape)
        n = int(np.prod(big, dtype=np.int64))
        buf = np.full(max(n, 1) * dtype.itemsize, fill, dtype=np.uint8)

        def rebuild(b):
            v = b.view(dtype)[:n].reshape(big)
            sl = []
            for i, s in enumerate(shape):
                if s == 0:
                    sl.append(slice(0, 0))
                elif i % 2 == 0:
                    sl.append(slice(2 * s - 1, None, -2) if s > 0 else slice(0, 0))
                else:
                    sl.append(slice(s - 1, None, -1))
            return v[tuple(sl)]
    elif layout == "perm":
        perm = list(range(ndim))[::-1]
        pshape = tuple(shape[p] for p in perm)
        n = int(np.prod(shape, dtype=np.int64))
        buf = np.full(max(n, 1) * dtype.itemsize, fill, dtype=np.uint8)
        inv = list(np.argsort(perm))

        def rebuild(b):
            return b.view(dtype)[:n].reshape(pshape).transpose(inv)
    else:
        raise ValueError("unknown output layout %r" % layout)
    view = rebuild(buf)
    assert view.shape == shape, (view.shape, shape, layout)
    return view, buf, rebuild


def normalize_axes(axes, ndim):
    if axes is None:
        return list(range(ndim))
    return [a + ndim if a < 0 else a for a in axes]


# --------------------------------------------------------------- high level
def call(f, spacing=(), axes=None, edge_order=1, outs=None, out_layout="C",
         options=None, dtype_entry="generic", err=True, dtype=None, accuracy=None):
    """Run the library on ndarray `f`.

    spacing: list of Spacing (or None -> UNIT, scalar -> UNIFORM, array -> COORDINATES;
      G.nonuniform(x) for NONUNIFORM).
    axes: None (NULL axes, naxes = ndim) or a list of ints (negative allowed).
    outs: list of preallocated output ndarrays (any strides), or None to
      allocate with `out_layout` ('C', 'F', 'strided', 'neg', 'perm', or a list
      of those per output).  out_layout='null' passes NULL out_strides (the
      outputs must then be C-contiguous).
    options: None, a grad_options (or any object from make_options()), or a
      dict for make_options().
    accuracy: shortcut for options.accuracy (None: leave the options as they
      are; with options None, a default 32-byte struct is made for it).
    dtype_entry: 'generic' (grad_gradient) or 'typed' (grad_gradient_f64...).
    err: True to pass a grad_error (returned), False to pass NULL.

    Returns (status, grad_error or None, outs).
    """
    keep = []
    f = np.asarray(f)
    code = dtype_code(f.dtype) if dtype is None else dtype
    ndim = f.ndim
    shape = i64_array(f.shape)
    strides = i64_array(elem_strides(f))
    naxes = ndim if axes is None else len(axes)
    axes_arr = None if axes is None else i32_array(axes)
    entries = [as_spacing(s) for s in spacing]
    sp = spacing_array(entries, keep) if entries else None
    odt = out_dtype(code)

    if outs is None:
        layouts = out_layout if isinstance(out_layout, (list, tuple)) else [out_layout] * naxes
        outs = [alloc_output(f.shape, odt, lay)[0] for lay in layouts]
    null_out_strides = (out_layout == "null")
    out_ptrs = (ctypes.c_void_p * max(naxes, 1))(*[addr(o) for o in outs])
    if null_out_strides:
        out_strides = None
    else:
        flat = []
        for o in outs:
            flat.extend(elem_strides(o))
        out_strides = i64_array(flat)

    if accuracy is not None:
        if options is None:
            options = dict(accuracy=accuracy)
        elif isinstance(options, dict):
            options = dict(options, accuracy=accuracy)
        else:
            raise ValueError("accuracy= goes with options None or a dict")
    if options is None:
        opt_ptr = None
    else:
        if isinstance(options, dict):
            options = make_options(keep=keep, **options)
        keep.append(options)
        opt_ptr = options.address if isinstance(options, GuardedBytes) else ctypes.addressof(options)

    e = grad_error() if err else None
    status = raw_gradient(
        dtype_entry, code, addr(f), ndim, ctypes.addressof(shape),
        ctypes.addressof(strides), naxes,
        None if axes_arr is None else ctypes.addressof(axes_arr),
        len(entries), None if sp is None else ctypes.addressof(sp),
        edge_order, ctypes.addressof(out_ptrs),
        None if out_strides is None else ctypes.addressof(out_strides),
        opt_ptr, None if e is None else ctypes.addressof(e))
    del keep
    return status, e, outs


def numpy_reference(f, spacing=(), axes=None, edge_order=1):
    """numpy.gradient called exactly as docs/numerics.md, working precision prescribes; always a list."""
    varargs = [as_spacing(s).numpy_arg() for s in spacing]
    r = np.gradient(f, *varargs, axis=None if axes is None else tuple(axes),
                    edge_order=edge_order)
    if isinstance(r, (list, tuple)):
        return list(r)
    return [r]


# ------------------------------------------------------- guarded memory
class GuardedBytes:
    """`data` placed so that it ENDS exactly at a page that may not be
    accessed (PROT_NONE): a read of one byte past it kills the process.
    .address is the first byte.  Linux/macOS only (mmap + mprotect)."""

    def __init__(self, data):
        import mmap
        page = mmap.PAGESIZE
        data = bytes(data)
        npages = (len(data) + page - 1) // page + 1
        self._map = mmap.mmap(-1, npages * page, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        base = ctypes.addressof(ctypes.c_char.from_buffer(self._map))
        guard = base + (npages - 1) * page
        self.address = guard - len(data)
        ctypes.memmove(self.address, data, len(data))
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        if libc.mprotect(guard, page, 0) != 0:
            raise OSError(ctypes.get_errno(), "mprotect failed")
        self._base = base

    def bytes(self, n):
        return ctypes.string_at(self.address, n)


def guarded_options(size, readable=None, **fields):
    """An options struct of declared `size` whose readable bytes end at a
    guard page after `readable` bytes (default: min(size, 32)): a library
    that reads beyond what it may read crashes.  Fields as make_options."""
    o = make_options(size=None, **fields)   # a plain 32-byte struct
    raw = ctypes.string_at(ctypes.addressof(o), SIZEOF_OPTIONS)
    keep = fields.get("keep")
    n = min(size, SIZEOF_OPTIONS) if readable is None else readable
    raw = bytearray(raw[:n]) + bytes(max(0, n - SIZEOF_OPTIONS))
    raw[0:4] = int(size).to_bytes(4, "little")
    g = GuardedBytes(raw)
    if keep is not None:
        keep.append(g)
    return g
