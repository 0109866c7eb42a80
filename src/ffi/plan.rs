//! Plans (docs/reference.md, "Plans"): `grad_plan_create` runs every check
//! of a call that does not depend on the data and output pointers, once, and
//! keeps owned copies of what it needs; `grad_plan_execute` checks only the
//! new pointers and runs.

use std::any::Any;
use std::mem::{align_of, size_of};
use std::panic::{catch_unwind, AssertUnwindSafe};

use num_complex::Complex;

use super::call::{
    bounds, c_strides, check_args, check_out_strides, check_overlap, compute, compute_dense,
    compute_interleaved, compute_prepared, dense_layout, interleaved_at, interleaved_layout,
    out_range_err, read_out_strides, Checked, OutPtr, OutStrides,
};
use super::region::{fits_at, Region};
use super::{
    boundary, grad_error, grad_options, grad_spacing, grad_status, RawArgs, GRAD_DTYPE_C128,
    GRAD_DTYPE_C64, GRAD_DTYPE_F32, GRAD_DTYPE_F64, GRAD_DTYPE_I16, GRAD_DTYPE_I32, GRAD_DTYPE_I64,
    GRAD_DTYPE_I8, GRAD_DTYPE_U16, GRAD_DTYPE_U32, GRAD_DTYPE_U64, GRAD_DTYPE_U8,
};
use crate::api::{Order, Plan, PreparedDense, DENSE_OUTS};
use crate::error::GradientError;
use crate::num::Element;
use crate::small::Small;

type Result<T> = std::result::Result<T, GradientError>;

/// A checked gradient call without its data: made by grad_plan_create, run
/// by grad_plan_execute on any number of arrays, freed by grad_plan_destroy.
/// Opaque.
pub struct grad_plan {
    dtype: i32,
    /// Owns copies of the coordinates; every coefficient table is built.
    plan: Plan<'static>,
    shape: Small<usize>,
    in_strides: Small<i64>,
    /// Byte offsets of the input's lowest and highest element.
    in_extent: (isize, isize),
    /// The caller's output strides, flat (None: C order, `c_out`).
    out_strides: Option<OutStrides>,
    c_out: Small<i64>,
    /// Byte offsets of every output's lowest and highest element.
    out_extents: Small<(isize, isize)>,
    empty: bool,
    /// The memory order when every array is contiguous in one order (then
    /// outputs in memory of their own take the slice loops).
    dense: Option<Order>,
    /// For small dense plans: the stencils built for the plan's dtype (a
    /// `PreparedDense<I>`).
    prepared: Option<Box<dyn Any + Send + Sync>>,
    /// The memory order when the input is contiguous and the output
    /// strides are those of one interleaved array (the pointers decide at
    /// each execute).
    interleaved: Option<Order>,
    /// For dense non-empty plans of up to `DENSE_OUTS` outputs: the byte
    /// lengths of the input and of each output ((0, 0) otherwise).
    dense_bytes: (usize, usize),
    /// `plan.axes().len()`, read without the list on execute's fast path.
    naxes: usize,
}

impl grad_plan {
    fn out_st(&self, k: usize) -> &[i64] {
        let ndim = self.shape.len();
        match &self.out_strides {
            Some(s) => &s[k * ndim..(k + 1) * ndim],
            None => &self.c_out,
        }
    }
}

fn null(message: &str) -> GradientError {
    GradientError::NullPointer {
        index: None,
        message: message.into(),
    }
}

/// grad_plan_create for input element type `I`.
///
/// # Safety
/// The pointers in `a` must honour the C ABI's contract.
unsafe fn create<I: Element>(dtype: i32, a: &RawArgs) -> Result<Box<grad_plan>> {
    let osize_of = size_of::<I::Output>();
    let sizes = (size_of::<I>(), osize_of);
    let mut checked = Checked::blank();
    unsafe { check_args(a, false, sizes, align_of::<I>(), &mut checked) }?;
    let Checked {
        plan,
        shape,
        in_strides,
        in_extent,
        empty,
    } = checked;
    let ndim = shape.len();
    let naxes = plan.axes().len();
    let out_shape = plan.out_shape();
    // Outputs: the strides (the pointers come with each execute).
    let mut given = OutStrides::new();
    let out_strides =
        unsafe { read_out_strides(a.out_strides, naxes * ndim, &mut given) }?.then_some(given);
    let c_out = c_strides(out_shape);
    let mut out_extents = Small::new();
    if !empty {
        for k in 0..naxes {
            let st = match &out_strides {
                Some(s) => &s[k * ndim..(k + 1) * ndim],
                None => &c_out[..],
            };
            let given = out_strides.is_some();
            out_extents.push(check_out_strides(k, st, out_shape, osize_of, given)?);
        }
    }
    let out_st = |k: usize| match &out_strides {
        Some(s) => &s[k * ndim..(k + 1) * ndim],
        None => &c_out[..],
    };
    let dense = dense_layout(&plan, &in_strides, out_st);
    let interleaved = interleaved_layout(&plan, &in_strides, out_st);
    let plan = plan.into_owned();
    let prepared = dense
        .and_then(|order| plan.prepare_dense::<I>(order))
        .map(|p| Box::new(p) as Box<dyn Any + Send + Sync>);
    let dense_bytes = match (dense, empty, in_extent, out_extents.first()) {
        (Some(_), false, (0, i), Some(&(0, o)))
            if naxes <= DENSE_OUTS && out_extents.iter().all(|&e| e == (0, o)) =>
        {
            (i as usize + sizes.0, o as usize + osize_of)
        }
        _ => (0, 0),
    };
    Ok(Box::new(grad_plan {
        dense_bytes,
        naxes,
        dense,
        prepared,
        interleaved,
        dtype,
        plan,
        shape,
        in_strides,
        in_extent,
        out_strides,
        c_out,
        out_extents,
        empty,
    }))
}

/// grad_plan_execute for input element type `I` (the plan's dtype).
///
/// # Safety
/// As grad_plan_execute.
unsafe fn execute<I: Element>(p: &grad_plan, f: *const I, out: *const *mut u8) -> Result<()> {
    if let Some(order) = p.dense {
        // SAFETY: as this function's.
        if let Some(outs) = unsafe { dense_ready::<I>(p, f, out) } {
            let ptrs = outs[..p.naxes].iter().copied();
            let prepared = p.prepared.as_deref();
            match prepared.and_then(|b| b.downcast_ref::<PreparedDense<I>>()) {
                Some(pd) => unsafe { compute_prepared::<I>(&p.plan, pd, f, ptrs) },
                None => unsafe { compute_dense::<I>(&p.plan, f, order, ptrs) },
            }
            return Ok(());
        }
    }
    let (isize_of, osize_of) = (size_of::<I>(), size_of::<I::Output>());
    if f.is_null() {
        return Err(null("f is NULL"));
    }
    if out.is_null() {
        return Err(null("out is NULL (it must point to naxes output pointers)"));
    }
    if !p.empty && !fits_at(f as usize, p.in_extent, isize_of) {
        return Err(GradientError::InvalidStrides {
            index: None,
            message: format!(
                "strides {:?} over shape {:?}: the address range of f overflows",
                p.in_strides, p.shape
            ),
        });
    }
    if f.align_offset(align_of::<I>()) != 0 {
        return Err(GradientError::Misaligned {
            index: None,
            message: format!(
                "f = {f:p} is not aligned to {} bytes (its element type)",
                align_of::<I>()
            ),
        });
    }
    if out.align_offset(align_of::<*mut u8>()) != 0 {
        return Err(GradientError::Misaligned {
            index: None,
            message: format!(
                "out = {out:p} is not aligned to {} bytes",
                align_of::<*mut u8>()
            ),
        });
    }
    let naxes = p.plan.axes().len();
    // Copied before anything is written (the pointer array may lie inside
    // an output).
    let outs: Small<OutPtr> = (0..naxes)
        .map(|k| OutPtr(unsafe { out.add(k).read() }))
        .collect();
    if let Some(k) = outs.iter().position(|o| o.0.is_null()) {
        return Err(GradientError::NullPointer {
            index: Some(k),
            message: format!("out[{k}] is NULL"),
        });
    }
    let out_shape = p.plan.out_shape();
    let mut spans: Small<(i128, i128), { crate::small::INLINE + 1 }> = Small::new();
    if !p.empty {
        spans.push(bounds(f as usize, p.in_extent, isize_of));
        for (k, o) in outs.iter().enumerate() {
            let extent = p.out_extents[k];
            if !fits_at(o.0 as usize, extent, osize_of) {
                return Err(out_range_err(k, p.out_st(k), out_shape));
            }
            spans.push(bounds(o.0 as usize, extent, osize_of));
        }
    }
    for (k, &OutPtr(o)) in outs.iter().enumerate() {
        let align = align_of::<I::Output>();
        if o.align_offset(align) != 0 {
            return Err(GradientError::Misaligned {
                index: Some(k),
                message: format!(
                    "out[{k}] = {o:p} is not aligned to {align} bytes (its element type)"
                ),
            });
        }
    }
    let apart = check_overlap(&spans, |i| {
        if i == 0 {
            Region::new(f as usize, &p.shape, &p.in_strides, isize_of)
        } else {
            Region::new(outs[i - 1].0 as usize, out_shape, p.out_st(i - 1), osize_of)
        }
    })?;
    if p.empty {
        return Ok(());
    }
    let ptrs = outs.iter().map(|o| o.0);
    if let (None, Some(order)) = (p.dense, p.interleaved) {
        if let Some((base, slots)) = interleaved_at(&p.plan, &outs, osize_of, spans[0]) {
            unsafe { compute_interleaved::<I>(&p.plan, f, order, base, &slots) };
            return Ok(());
        }
    }
    match p.dense.filter(|_| apart) {
        Some(order) => unsafe { compute_dense::<I>(&p.plan, f, order, ptrs) },
        None => unsafe { compute::<I>(&p.plan, f, &p.shape, &p.in_strides, ptrs, |k| p.out_st(k)) },
    }
    Ok(())
}

/// The output pointers of a contiguous plan's execute, when every check
/// passes and every array has memory of its own (then the slice loops
/// run); None sends the call down the general path, which reports the
/// first failure in grad_gradient's order (or runs strided arrays).
///
/// # Safety
/// As grad_plan_execute.
#[inline]
unsafe fn dense_ready<I: Element>(
    p: &grad_plan,
    f: *const I,
    out: *const *mut u8,
) -> Option<[*mut u8; DENSE_OUTS]> {
    let (in_bytes, out_bytes) = p.dense_bytes;
    if in_bytes == 0
        || f.is_null()
        || out.is_null()
        || f.align_offset(align_of::<I>()) != 0
        || out.align_offset(align_of::<*mut u8>()) != 0
    {
        return None;
    }
    // Byte ranges [start, end): inside the address space, and apart.
    let fs = f as usize;
    let fe = fs.checked_add(in_bytes)?;
    let mut outs = [std::ptr::null_mut(); DENSE_OUTS];
    let mut ends = [0usize; DENSE_OUTS];
    for k in 0..p.naxes.min(DENSE_OUTS) {
        // SAFETY: `out` is non-NULL and aligned; the caller promises naxes
        // pointers there.
        let o = unsafe { out.add(k).read() };
        if o.is_null() || o.align_offset(align_of::<I::Output>()) != 0 {
            return None;
        }
        let os = o as usize;
        let oe = os.checked_add(out_bytes)?;
        let apart = |s: usize, e: usize| oe <= s || e <= os;
        if !apart(fs, fe) || !(0..k).all(|j| apart(outs[j] as usize, ends[j])) {
            return None;
        }
        (outs[k], ends[k]) = (o, oe);
    }
    Some(outs)
}

/// Make a plan: check every argument of a grad_gradient call except the
/// data and output pointers, in the same order, and keep copies of what
/// the calls need (shape, strides, axes, coordinates, periods, boundary
/// codes: the caller may free them as soon as this returns), with the
/// coefficient tables of coordinates and accuracy orders computed once.
///
/// On success `*plan` is a new plan (free it with grad_plan_destroy);
/// otherwise `*plan` is NULL and the status (and `err`) says why. A NULL
/// `plan` is GRAD_STATUS_NULL_POINTER.
///
/// # Safety
/// As grad_gradient, without `f` and `out`; `plan` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grad_plan_create(
    plan: *mut *mut grad_plan,
    dtype: i32,
    ndim: i32,
    shape: *const i64,
    strides: *const i64,
    naxes: i32,
    axes: *const i32,
    nspacing: i32,
    spacing: *const grad_spacing,
    edge_order: i32,
    out_strides: *const i64,
    options: *const grad_options,
    err: *mut grad_error,
) -> grad_status {
    let plan_ok = !plan.is_null() && plan.align_offset(align_of::<*mut grad_plan>()) == 0;
    if plan_ok {
        // SAFETY: non-NULL and aligned; the caller promises it is writable.
        unsafe { plan.write(std::ptr::null_mut()) };
    }
    let a = RawArgs {
        f: std::ptr::null(),
        ndim,
        shape,
        strides,
        naxes,
        axes,
        nspacing,
        spacing,
        edge_order,
        out: std::ptr::null(),
        out_strides,
        options,
    };
    boundary(err, || {
        type Create = unsafe fn(i32, &RawArgs) -> Result<Box<grad_plan>>;
        let create: Create = match dtype {
            GRAD_DTYPE_F64 => create::<f64>,
            GRAD_DTYPE_F32 => create::<f32>,
            GRAD_DTYPE_C128 => create::<Complex<f64>>,
            GRAD_DTYPE_C64 => create::<Complex<f32>>,
            GRAD_DTYPE_I8 => create::<i8>,
            GRAD_DTYPE_I16 => create::<i16>,
            GRAD_DTYPE_I32 => create::<i32>,
            GRAD_DTYPE_I64 => create::<i64>,
            GRAD_DTYPE_U8 => create::<u8>,
            GRAD_DTYPE_U16 => create::<u16>,
            GRAD_DTYPE_U32 => create::<u32>,
            GRAD_DTYPE_U64 => create::<u64>,
            d => return Err(GradientError::InvalidDtype(d)),
        };
        // The NULL pointers come after the dtype, the plan first.
        if plan.is_null() {
            return Err(null("plan is NULL"));
        }
        if !plan_ok {
            return Err(GradientError::Misaligned {
                index: None,
                message: format!("plan = {plan:p} is not aligned"),
            });
        }
        let made = unsafe { create(dtype, &a) }?;
        // SAFETY: non-NULL and aligned (checked above).
        unsafe { plan.write(Box::into_raw(made)) };
        Ok(())
    })
}

/// Run a plan on input `f` (of the plan's dtype, shape and strides) into
/// the outputs `out[0 .. naxes-1]` (of the plan's output shape and
/// strides): exactly what grad_gradient with the plan's arguments writes,
/// bit for bit.
///
/// Checks only what depends on the new pointers, in grad_gradient's order:
/// `plan`, `f` and `out` NULL, f's address range and alignment, out[k]
/// NULL, address range, alignment, and the overlap rules. Nothing is
/// written unless it returns GRAD_STATUS_OK. The plan is not changed: any
/// number of threads may execute one plan at once (with distinct outputs).
/// With threads <= 1 in the plan's options it allocates nothing (arrays
/// of up to 4 dimensions, up to 4 outputs; more keep their lists on the
/// heap).
///
/// # Safety
/// `plan` NULL or from grad_plan_create and not destroyed; `f` and the
/// outputs as for grad_gradient.
#[no_mangle]
pub unsafe extern "C" fn grad_plan_execute(
    plan: *const grad_plan,
    f: *const std::ffi::c_void,
    out: *const *mut std::ffi::c_void,
    err: *mut grad_error,
) -> grad_status {
    boundary(err, || {
        // SAFETY: NULL or a live plan (the caller's promise).
        let Some(p) = (unsafe { plan.as_ref() }) else {
            return Err(null("plan is NULL"));
        };
        let out = out.cast::<*mut u8>();
        unsafe {
            match p.dtype {
                GRAD_DTYPE_F64 => execute::<f64>(p, f.cast(), out),
                GRAD_DTYPE_F32 => execute::<f32>(p, f.cast(), out),
                GRAD_DTYPE_C128 => execute::<Complex<f64>>(p, f.cast(), out),
                GRAD_DTYPE_C64 => execute::<Complex<f32>>(p, f.cast(), out),
                GRAD_DTYPE_I8 => execute::<i8>(p, f.cast(), out),
                GRAD_DTYPE_I16 => execute::<i16>(p, f.cast(), out),
                GRAD_DTYPE_I32 => execute::<i32>(p, f.cast(), out),
                GRAD_DTYPE_I64 => execute::<i64>(p, f.cast(), out),
                GRAD_DTYPE_U8 => execute::<u8>(p, f.cast(), out),
                GRAD_DTYPE_U16 => execute::<u16>(p, f.cast(), out),
                GRAD_DTYPE_U32 => execute::<u32>(p, f.cast(), out),
                GRAD_DTYPE_U64 => execute::<u64>(p, f.cast(), out),
                d => Err(GradientError::Internal(format!("a plan of dtype {d}"))),
            }
        }
    })
}

/// Free a plan. NULL is fine. Destroying a plan while an execute on it
/// runs, or twice, is the caller's bug.
///
/// # Safety
/// `plan` NULL or from grad_plan_create and not yet destroyed.
#[no_mangle]
pub unsafe extern "C" fn grad_plan_destroy(plan: *mut grad_plan) {
    if !plan.is_null() {
        // Dropping owned vectors cannot panic; catch anyway (no unwind
        // crosses the boundary).
        let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(plan) })));
    }
}
