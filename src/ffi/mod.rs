//! Layer 3: the C ABI (docs/reference.md), the crate's only `unsafe` surface.
//!
//! Every entry point runs the same pipeline: check every argument in the
//! order docs/reference.md gives, turning raw pointers, shapes and strides into
//! checked ndarray views; only then write. Errors become status codes and a
//! filled `grad_error`; panics are caught at the boundary and reported as
//! `GRAD_STATUS_INTERNAL`.
#![allow(non_camel_case_types)]
// The doc comments here are C documentation (cbindgen copies them into
// gradient.h): `shape[axis]` is C indexing, not a rustdoc link.
#![allow(rustdoc::broken_intra_doc_links)]

mod call;
mod plan;
mod region;

pub use plan::{grad_plan, grad_plan_create, grad_plan_destroy, grad_plan_execute};

use std::ffi::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

use num_complex::Complex;

use crate::error::GradientError;

/// A status code: `GRAD_STATUS_OK` (0) on success.
pub type grad_status = i32;

/// Success.
pub const GRAD_STATUS_OK: grad_status = 0;
/// A required pointer is NULL.
pub const GRAD_STATUS_NULL_POINTER: grad_status = 1;
/// ndim < 1 or > GRAD_MAX_NDIM.
pub const GRAD_STATUS_INVALID_NDIM: grad_status = 2;
/// A negative extent, or an element count or extent that overflows.
pub const GRAD_STATUS_INVALID_SHAPE: grad_status = 3;
/// Address arithmetic would overflow; an output stride 0 on an extent > 1
/// (or output strides that make elements share memory).
pub const GRAD_STATUS_INVALID_STRIDES: grad_status = 4;
/// An axis out of range or repeated.
pub const GRAD_STATUS_INVALID_AXIS: grad_status = 5;
/// Wrong count, unknown kind, bad step or bad coordinates.
pub const GRAD_STATUS_INVALID_SPACING: grad_status = 6;
/// edge_order is not 1 or 2 (1 to accuracy with accuracy 4, 6 or 8).
pub const GRAD_STATUS_INVALID_EDGE_ORDER: grad_status = 7;
/// shape[axis] < edge_order + 1 (accuracy + 1 with accuracy 4, 6 or 8).
pub const GRAD_STATUS_SHAPE_TOO_SMALL: grad_status = 8;
/// A data pointer is not aligned to its element type.
pub const GRAD_STATUS_MISALIGNED: grad_status = 9;
/// An output overlaps the input or another output.
pub const GRAD_STATUS_OVERLAP: grad_status = 10;
/// An unknown dtype code.
pub const GRAD_STATUS_INVALID_DTYPE: grad_status = 11;
/// A bad options struct (size, unknown nonzero tail, boundary codes,
/// periods, threads, accuracy, reserved).
pub const GRAD_STATUS_INVALID_OPTIONS: grad_status = 12;
/// A bug: a panic was caught at the boundary.
pub const GRAD_STATUS_INTERNAL: grad_status = 99;

/// The most dimensions an array may have.
pub const GRAD_MAX_NDIM: i32 = 64;
/// The most threads `grad_options.threads` may ask for.
pub const GRAD_MAX_THREADS: i32 = 1024;

/// Unit spacing (step 1.0).
pub const GRAD_SPACING_UNIT: i32 = 0;
/// A uniform step in `delta`.
pub const GRAD_SPACING_UNIFORM: i32 = 1;
/// `coords_len` coordinates in `coords`; evenly spaced coordinates are
/// reduced to a step, as numpy does.
pub const GRAD_SPACING_COORDINATES: i32 = 2;
/// Coordinates as GRAD_SPACING_COORDINATES, never reduced to a step: the
/// non-uniform formulas at every point. Pass it for every block of a
/// decomposed axis whose whole is not evenly spaced, so that each block
/// decides as the whole does.
pub const GRAD_SPACING_NONUNIFORM: i32 = 3;

/// numpy's one-sided edge formulas.
pub const GRAD_BOUNDARY_ONE_SIDED: i32 = 0;
/// Periodic: the axis wraps around (both sides).
pub const GRAD_BOUNDARY_PERIODIC: i32 = 1;
/// The input holds extra halo points on that side: 1, or accuracy / 2 with
/// accuracy 4, 6 or 8. Every output is that many points shorter along the
/// axis.
pub const GRAD_BOUNDARY_GHOST: i32 = 2;

/// double data, double outputs.
pub const GRAD_DTYPE_F64: i32 = 0;
/// float data, float outputs.
pub const GRAD_DTYPE_F32: i32 = 1;
/// grad_complex128 data and outputs.
pub const GRAD_DTYPE_C128: i32 = 2;
/// grad_complex64 data and outputs.
pub const GRAD_DTYPE_C64: i32 = 3;
/// int8_t data, double outputs.
pub const GRAD_DTYPE_I8: i32 = 4;
/// int16_t data, double outputs.
pub const GRAD_DTYPE_I16: i32 = 5;
/// int32_t data, double outputs.
pub const GRAD_DTYPE_I32: i32 = 6;
/// int64_t data, double outputs.
pub const GRAD_DTYPE_I64: i32 = 7;
/// uint8_t data, double outputs.
pub const GRAD_DTYPE_U8: i32 = 8;
/// uint16_t data, double outputs.
pub const GRAD_DTYPE_U16: i32 = 9;
/// uint32_t data, double outputs.
pub const GRAD_DTYPE_U32: i32 = 10;
/// uint64_t data, double outputs.
pub const GRAD_DTYPE_U64: i32 = 11;

/// The spacing of one axis (or of every axis when it is the only entry).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct grad_spacing {
    /// GRAD_SPACING_*.
    pub kind: i32,
    /// UNIFORM: the step (finite, nonzero; negative flips the sign).
    pub delta: f64,
    /// COORDINATES, NONUNIFORM: coords_len values along the axis, finite
    /// and strictly monotonic.
    pub coords: *const f64,
    /// COORDINATES, NONUNIFORM: must equal shape[axis].
    pub coords_len: i64,
}

/// Details of a failed call; optional, caller-allocated.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct grad_error {
    /// Same as the return value.
    pub status: i32,
    /// Index into axes[] of the offending axis, or -1.
    pub axis: i32,
    /// NUL-terminated; names the argument and its value.
    pub message: [c_char; 256],
}

/// Options beyond numpy's behaviour; NULL = numpy behaviour, one thread.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct grad_options {
    /// sizeof(grad_options) as the caller compiled it.
    pub size: u32,
    /// <= 1: the calling thread only; at most GRAD_MAX_THREADS.
    pub threads: i32,
    /// NULL, or 2*naxes GRAD_BOUNDARY_* codes: lo, hi for axes[k].
    pub boundaries: *const i32,
    /// NULL, or naxes values (PERIODIC with COORDINATES or NONUNIFORM).
    pub periods: *const f64,
    /// Since 0.2. 0 or 2: numpy's second-order formulas; 4, 6 or 8: the
    /// central stencil of that order, edge_order 1 to accuracy near
    /// one-sided ends, accuracy / 2 halo points per GHOST side.
    pub accuracy: i32,
    /// Since 0.2. Must be 0.
    pub reserved: i32,
}

/// A single-precision complex number, layout-compatible with C's
/// `float _Complex`, C++'s `std::complex<float>` and numpy's complex64.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct grad_complex64 {
    pub re: f32,
    pub im: f32,
}

/// A double-precision complex number, layout-compatible with C's
/// `double _Complex`, C++'s `std::complex<double>` and numpy's complex128.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct grad_complex128 {
    pub re: f64,
    pub im: f64,
}

// The complex structs are read as num_complex::Complex, which is #[repr(C)]
// { re, im } too.
const _: () = {
    assert!(std::mem::size_of::<grad_complex64>() == std::mem::size_of::<Complex<f32>>());
    assert!(std::mem::align_of::<grad_complex64>() == std::mem::align_of::<Complex<f32>>());
    assert!(std::mem::size_of::<grad_complex128>() == std::mem::size_of::<Complex<f64>>());
    assert!(std::mem::align_of::<grad_complex128>() == std::mem::align_of::<Complex<f64>>());
};

/// The raw arguments every entry point shares.
pub(crate) struct RawArgs {
    pub f: *const c_void,
    pub ndim: i32,
    pub shape: *const i64,
    pub strides: *const i64,
    pub naxes: i32,
    pub axes: *const i32,
    pub nspacing: i32,
    pub spacing: *const grad_spacing,
    pub edge_order: i32,
    pub out: *const *mut c_void,
    pub out_strides: *const i64,
    pub options: *const grad_options,
}

fn status_of(e: &GradientError) -> grad_status {
    match e {
        GradientError::NullPointer { .. } => GRAD_STATUS_NULL_POINTER,
        GradientError::InvalidNdim(_) => GRAD_STATUS_INVALID_NDIM,
        GradientError::InvalidShape(_) => GRAD_STATUS_INVALID_SHAPE,
        GradientError::InvalidStrides { .. } => GRAD_STATUS_INVALID_STRIDES,
        GradientError::InvalidAxis { .. } => GRAD_STATUS_INVALID_AXIS,
        GradientError::InvalidSpacing { .. } => GRAD_STATUS_INVALID_SPACING,
        GradientError::InvalidEdgeOrder(_) => GRAD_STATUS_INVALID_EDGE_ORDER,
        GradientError::ShapeTooSmall { .. } => GRAD_STATUS_SHAPE_TOO_SMALL,
        GradientError::Misaligned { .. } => GRAD_STATUS_MISALIGNED,
        GradientError::Overlap { .. } => GRAD_STATUS_OVERLAP,
        GradientError::InvalidDtype(_) => GRAD_STATUS_INVALID_DTYPE,
        GradientError::InvalidOptions { .. } => GRAD_STATUS_INVALID_OPTIONS,
        GradientError::Internal(_) => GRAD_STATUS_INTERNAL,
    }
}

/// Run `body` behind the panic boundary and report its outcome.
fn boundary(err: *mut grad_error, body: impl FnOnce() -> Result<(), GradientError>) -> grad_status {
    let result = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        Err(GradientError::Internal(what))
    });
    let status = result.as_ref().map_or_else(status_of, |_| GRAD_STATUS_OK);
    if !err.is_null() && err.align_offset(std::mem::align_of::<grad_error>()) == 0 {
        if result.is_ok() {
            // SAFETY: err is non-NULL and aligned, and the caller promises
            // a writable grad_error: status 0, axis -1, an empty message.
            unsafe {
                (*err).status = status;
                (*err).axis = -1;
                (*err).message[0] = 0;
            }
            return status;
        }
        let mut e = grad_error {
            status,
            axis: -1,
            message: [0; 256],
        };
        if let Err(x) = &result {
            e.axis = x.axis_index().map_or(-1, |k| k as i32);
            let text = x.to_string();
            let mut n = text.len().min(255);
            while !text.is_char_boundary(n) {
                n -= 1;
            }
            for (d, &b) in e.message.iter_mut().zip(&text.as_bytes()[..n]) {
                *d = b as c_char;
            }
        }
        // SAFETY: err is non-NULL and aligned; the caller promises it points
        // to a writable grad_error.
        unsafe { err.write(e) };
    }
    status
}

/// Differentiate double data.
///
/// `f` addresses element (0, ..., 0) of an `ndim`-dimensional array of
/// `shape`, with `strides` in elements (may be negative; NULL = C order).
/// `axes` lists `naxes` axes to differentiate (negative count from the end;
/// NULL = all axes, and then `naxes` must equal `ndim`). `spacing` holds 0
/// (unit), 1 (UNIT/UNIFORM for every axis) or `naxes` entries. `edge_order`
/// is 1 or 2. `out` holds `naxes` output pointers in axes order, each an
/// array of `shape`; `out_strides` holds `naxes * ndim` element strides
/// (NULL = every output C-contiguous). `options` may be NULL; `err` may be
/// NULL.
///
/// Returns GRAD_STATUS_OK, or the status of the first invalid argument,
/// in which case nothing has been written to any output.
///
/// # Safety
/// Every non-NULL pointer must point to memory valid for the extents the
/// other arguments describe, and outputs must be writable.
#[no_mangle]
pub unsafe extern "C" fn grad_gradient_f64(
    f: *const f64,
    ndim: i32,
    shape: *const i64,
    strides: *const i64,
    naxes: i32,
    axes: *const i32,
    nspacing: i32,
    spacing: *const grad_spacing,
    edge_order: i32,
    out: *const *mut f64,
    out_strides: *const i64,
    options: *const grad_options,
    err: *mut grad_error,
) -> grad_status {
    let a = RawArgs {
        f: f.cast(),
        ndim,
        shape,
        strides,
        naxes,
        axes,
        nspacing,
        spacing,
        edge_order,
        out: out.cast(),
        out_strides,
        options,
    };
    boundary(err, || unsafe { call::call::<f64>(&a) })
}

/// Differentiate float data into float outputs; see grad_gradient_f64.
///
/// A UNIT/UNIFORM step computes in single precision (numpy with a Python
/// float step); COORDINATES compute in double and round once at the store.
///
/// # Safety
/// As grad_gradient_f64.
#[no_mangle]
pub unsafe extern "C" fn grad_gradient_f32(
    f: *const f32,
    ndim: i32,
    shape: *const i64,
    strides: *const i64,
    naxes: i32,
    axes: *const i32,
    nspacing: i32,
    spacing: *const grad_spacing,
    edge_order: i32,
    out: *const *mut f32,
    out_strides: *const i64,
    options: *const grad_options,
    err: *mut grad_error,
) -> grad_status {
    let a = RawArgs {
        f: f.cast(),
        ndim,
        shape,
        strides,
        naxes,
        axes,
        nspacing,
        spacing,
        edge_order,
        out: out.cast(),
        out_strides,
        options,
    };
    boundary(err, || unsafe { call::call::<f32>(&a) })
}

/// Differentiate single-precision complex data; see grad_gradient_f64 and
/// grad_gradient_f32 for precision.
///
/// # Safety
/// As grad_gradient_f64.
#[no_mangle]
pub unsafe extern "C" fn grad_gradient_c64(
    f: *const grad_complex64,
    ndim: i32,
    shape: *const i64,
    strides: *const i64,
    naxes: i32,
    axes: *const i32,
    nspacing: i32,
    spacing: *const grad_spacing,
    edge_order: i32,
    out: *const *mut grad_complex64,
    out_strides: *const i64,
    options: *const grad_options,
    err: *mut grad_error,
) -> grad_status {
    let a = RawArgs {
        f: f.cast(),
        ndim,
        shape,
        strides,
        naxes,
        axes,
        nspacing,
        spacing,
        edge_order,
        out: out.cast(),
        out_strides,
        options,
    };
    boundary(err, || unsafe { call::call::<Complex<f32>>(&a) })
}

/// Differentiate double-precision complex data; see grad_gradient_f64.
///
/// # Safety
/// As grad_gradient_f64.
#[no_mangle]
pub unsafe extern "C" fn grad_gradient_c128(
    f: *const grad_complex128,
    ndim: i32,
    shape: *const i64,
    strides: *const i64,
    naxes: i32,
    axes: *const i32,
    nspacing: i32,
    spacing: *const grad_spacing,
    edge_order: i32,
    out: *const *mut grad_complex128,
    out_strides: *const i64,
    options: *const grad_options,
    err: *mut grad_error,
) -> grad_status {
    let a = RawArgs {
        f: f.cast(),
        ndim,
        shape,
        strides,
        naxes,
        axes,
        nspacing,
        spacing,
        edge_order,
        out: out.cast(),
        out_strides,
        options,
    };
    boundary(err, || unsafe { call::call::<Complex<f64>>(&a) })
}

/// Differentiate data of any GRAD_DTYPE_*; see grad_gradient_f64.
///
/// Outputs are double for the integer dtypes (values converted as they are
/// read, no wrap-around), the input type otherwise.
///
/// # Safety
/// As grad_gradient_f64, with `f` and the outputs of the dtype's types.
#[no_mangle]
pub unsafe extern "C" fn grad_gradient(
    dtype: i32,
    f: *const c_void,
    ndim: i32,
    shape: *const i64,
    strides: *const i64,
    naxes: i32,
    axes: *const i32,
    nspacing: i32,
    spacing: *const grad_spacing,
    edge_order: i32,
    out: *const *mut c_void,
    out_strides: *const i64,
    options: *const grad_options,
    err: *mut grad_error,
) -> grad_status {
    let a = RawArgs {
        f,
        ndim,
        shape,
        strides,
        naxes,
        axes,
        nspacing,
        spacing,
        edge_order,
        out,
        out_strides,
        options,
    };
    boundary(err, || unsafe {
        match dtype {
            GRAD_DTYPE_F64 => call::call::<f64>(&a),
            GRAD_DTYPE_F32 => call::call::<f32>(&a),
            GRAD_DTYPE_C128 => call::call::<Complex<f64>>(&a),
            GRAD_DTYPE_C64 => call::call::<Complex<f32>>(&a),
            GRAD_DTYPE_I8 => call::call::<i8>(&a),
            GRAD_DTYPE_I16 => call::call::<i16>(&a),
            GRAD_DTYPE_I32 => call::call::<i32>(&a),
            GRAD_DTYPE_I64 => call::call::<i64>(&a),
            GRAD_DTYPE_U8 => call::call::<u8>(&a),
            GRAD_DTYPE_U16 => call::call::<u16>(&a),
            GRAD_DTYPE_U32 => call::call::<u32>(&a),
            GRAD_DTYPE_U64 => call::call::<u64>(&a),
            d => Err(GradientError::InvalidDtype(d)),
        }
    })
}

/// A static description of a status code; never NULL.
#[no_mangle]
pub extern "C" fn grad_status_str(status: i32) -> *const c_char {
    let s: &'static std::ffi::CStr = match status {
        GRAD_STATUS_OK => c"success",
        GRAD_STATUS_NULL_POINTER => c"a required pointer is NULL",
        GRAD_STATUS_INVALID_NDIM => c"ndim is out of range (1 to 64)",
        GRAD_STATUS_INVALID_SHAPE => c"invalid shape: negative extent or element count overflow",
        GRAD_STATUS_INVALID_STRIDES => {
            c"invalid strides: address range overflow or overlapping output elements"
        }
        GRAD_STATUS_INVALID_AXIS => c"an axis is out of range or repeated",
        GRAD_STATUS_INVALID_SPACING => {
            c"invalid spacing: wrong count, unknown kind, bad step or bad coordinates"
        }
        GRAD_STATUS_INVALID_EDGE_ORDER => c"edge_order must be 1 or 2",
        GRAD_STATUS_SHAPE_TOO_SMALL => c"an axis has fewer than edge_order + 1 points",
        GRAD_STATUS_MISALIGNED => c"a data pointer is not aligned to its element type",
        GRAD_STATUS_OVERLAP => c"an output overlaps the input or another output",
        GRAD_STATUS_INVALID_DTYPE => c"unknown dtype code",
        GRAD_STATUS_INVALID_OPTIONS => c"invalid options",
        GRAD_STATUS_INTERNAL => c"internal error (a bug in gradient)",
        _ => c"unknown status code",
    };
    s.as_ptr()
}

const fn parse_u32(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut v = 0u32;
    let mut i = 0;
    while i < b.len() {
        v = v * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    v
}

/// The library version: (major << 16) | (minor << 8) | patch.
#[no_mangle]
pub extern "C" fn grad_version() -> u32 {
    const V: u32 = (parse_u32(env!("CARGO_PKG_VERSION_MAJOR")) << 16)
        | (parse_u32(env!("CARGO_PKG_VERSION_MINOR")) << 8)
        | parse_u32(env!("CARGO_PKG_VERSION_PATCH"));
    V
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: &grad_error) -> String {
        let bytes: Vec<u8> = e
            .message
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_panic_becomes_internal_and_never_unwinds() {
        let mut e = grad_error {
            status: -5,
            axis: 7,
            message: [1; 256],
        };
        let s = boundary(&mut e, || panic!("kernel exploded"));
        assert_eq!(s, GRAD_STATUS_INTERNAL);
        assert_eq!(e.status, GRAD_STATUS_INTERNAL);
        assert_eq!(e.axis, -1);
        assert!(message(&e).contains("kernel exploded"), "{}", message(&e));
        // And with err == NULL.
        assert_eq!(
            boundary(std::ptr::null_mut(), || panic!("again")),
            GRAD_STATUS_INTERNAL
        );
    }

    #[test]
    fn long_messages_are_truncated_and_terminated() {
        let mut e = grad_error {
            status: 0,
            axis: 0,
            message: [1; 256],
        };
        let long = "é".repeat(300);
        let s = boundary(&mut e, || Err(GradientError::InvalidShape(long)));
        assert_eq!(s, GRAD_STATUS_INVALID_SHAPE);
        assert_eq!(e.message[255], 0);
        assert!(message(&e).chars().all(|c| c == 'é'));
    }

    #[test]
    fn every_status_has_a_text() {
        for s in (-1..=13).chain([99, 1000]) {
            let p = grad_status_str(s);
            assert!(!p.is_null());
            let text = unsafe { std::ffi::CStr::from_ptr(p) }.to_str().unwrap();
            assert!(!text.is_empty());
        }
        assert_eq!(grad_version(), 1 << 8);
    }
}
