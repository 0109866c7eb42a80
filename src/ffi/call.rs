//! The checked pipeline from raw C arguments to ndarray views.
//!
//! Checks run in the order of docs/reference.md and the first failure is returned:
//! NULL pointers, ndim, shape, strides, data alignment, axes, spacing count,
//! each spacing entry, edge_order, options, axis lengths, outputs (NULLs,
//! strides, alignment, overlap). The dtype is checked by the caller. Only
//! after all of them pass is anything written.

use std::mem::{align_of, size_of};
use std::slice;

use ndarray::{
    ArrayView, ArrayView1, ArrayViewD, ArrayViewMut, ArrayViewMut1, ArrayViewMutD, Axis, IxDyn,
    ShapeBuilder,
};

use super::region::{
    byte_extent, contiguous_extent, fits_at, may_overlap, self_overlaps, Overlap, Region,
};
use super::{
    grad_options, RawArgs, GRAD_BOUNDARY_GHOST, GRAD_BOUNDARY_ONE_SIDED, GRAD_BOUNDARY_PERIODIC,
    GRAD_MAX_NDIM, GRAD_MAX_THREADS, GRAD_SPACING_COORDINATES, GRAD_SPACING_NONUNIFORM,
    GRAD_SPACING_UNIFORM, GRAD_SPACING_UNIT,
};
use crate::api::{self, Boundary, Options, Order, Plan, PreparedDense, Side, Spacing, DENSE_OUTS};
use crate::error::GradientError;
use crate::num::Element;
use crate::small::Small;

type Result<T> = std::result::Result<T, GradientError>;

/// A caller's output pointer, copied (a `Default` for [`Small`]).
#[derive(Clone, Copy)]
pub(crate) struct OutPtr(pub *mut u8);

impl Default for OutPtr {
    fn default() -> Self {
        OutPtr(std::ptr::null_mut())
    }
}

fn null(index: Option<usize>, message: String) -> GradientError {
    GradientError::NullPointer { index, message }
}

fn strides_err(index: Option<usize>, message: String) -> GradientError {
    GradientError::InvalidStrides { index, message }
}

fn misaligned<T>(index: Option<usize>, what: &str, p: *const T, align: usize) -> GradientError {
    GradientError::Misaligned {
        index,
        message: format!("{what} = {p:p} is not aligned to {align} bytes (its element type)"),
    }
}

/// Read `n` values from a caller array that was checked non-NULL.
///
/// # Safety
/// `p` must be valid for `n` reads of `T` and aligned.
unsafe fn read_n<'a, T>(p: *const T, n: usize) -> &'a [T] {
    if n == 0 {
        &[]
    } else {
        unsafe { slice::from_raw_parts(p, n) }
    }
}

pub(crate) fn c_strides(shape: &[usize]) -> Small<i64> {
    let mut s = Small::filled(0i64, shape.len());
    let mut acc = 1i64;
    for (d, &n) in s.iter_mut().zip(shape).rev() {
        *d = acc;
        acc = acc.saturating_mul(n.max(1) as i64);
    }
    s
}

/// What the checks before the outputs give: everything a call or a plan
/// needs about the input and the differentiation.
pub(crate) struct Checked<'a> {
    /// Borrows the caller's coordinates.
    pub plan: Plan<'a>,
    pub shape: Small<usize>,
    /// The input's element strides (C order when the caller passed NULL).
    pub in_strides: Small<i64>,
    /// The input's byte offsets (lowest, highest element) from `f`; (0, 0)
    /// when the array is empty.
    pub in_extent: (isize, isize),
    /// Some extent is 0: nothing to compute.
    pub empty: bool,
}

impl Checked<'_> {
    /// Nothing checked yet, for [`check_args`] to fill.
    pub(crate) fn blank() -> Self {
        Checked {
            plan: Plan::blank(),
            shape: Small::new(),
            in_strides: Small::new(),
            in_extent: (0, 0),
            empty: false,
        }
    }
}

/// The checks of every argument up to the outputs, in the order of
/// docs/reference.md: shared by [`call`] (`data`: also `f` and `out`
/// against NULL, `f`'s address range and alignment, each in its place) and
/// `grad_plan_create` (no data pointers yet). `elem`: the sizes in bytes of
/// the input and output elements. Fills `out`, a [`Checked::blank`], in
/// place (see [`Plan::fill`]); on failure, discard it.
///
/// # Safety
/// The pointers in `a` must honour the C ABI's contract.
#[inline(always)]
pub(crate) unsafe fn check_args<'a>(
    a: &'a RawArgs,
    data: bool,
    (isize_of, osize_of): (usize, usize),
    in_align: usize,
    out: &mut Checked<'a>,
) -> Result<()> {
    // NULL pointers.
    if data && a.f.is_null() {
        return Err(null(None, "f is NULL".into()));
    }
    if a.shape.is_null() {
        return Err(null(None, "shape is NULL".into()));
    }
    if data && a.out.is_null() {
        return Err(null(
            None,
            "out is NULL (it must point to naxes output pointers)".into(),
        ));
    }
    if a.nspacing > 0 && a.spacing.is_null() {
        return Err(null(
            None,
            format!("spacing is NULL but nspacing = {}", a.nspacing),
        ));
    }

    // ndim.
    if a.ndim < 1 || a.ndim > GRAD_MAX_NDIM {
        return Err(GradientError::InvalidNdim(a.ndim as i64));
    }
    let ndim = a.ndim as usize;

    // shape: extents, element count (also in bytes for either element type).
    if a.shape.align_offset(align_of::<i64>()) != 0 {
        return Err(misaligned(None, "shape", a.shape, align_of::<i64>()));
    }
    let raw_shape = unsafe { read_n(a.shape, ndim) };
    let mut shape: Small<usize> = Small::new();
    for (k, &n) in raw_shape.iter().enumerate() {
        if n < 0 {
            return Err(GradientError::InvalidShape(format!(
                "shape[{k}] = {n} is negative"
            )));
        }
        shape.push(usize::try_from(n).map_err(|_| {
            GradientError::InvalidShape(format!(
                "shape[{k}] = {n} does not fit this platform's size type"
            ))
        })?);
    }
    let max_elem = isize_of.max(osize_of);
    let nonzero_count = shape
        .iter()
        .filter(|&&n| n != 0)
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .and_then(|c| c.checked_mul(max_elem))
        .filter(|&b| b <= isize::MAX as usize);
    if nonzero_count.is_none() {
        return Err(GradientError::InvalidShape(format!(
            "shape {raw_shape:?}: the element count overflows (at most isize::MAX bytes)"
        )));
    }
    let empty = shape.contains(&0);

    // strides: the input's address range.
    let in_strides = if a.strides.is_null() {
        c_strides(&shape)
    } else {
        if a.strides.align_offset(align_of::<i64>()) != 0 {
            return Err(misaligned(None, "strides", a.strides, align_of::<i64>()));
        }
        Small::from(unsafe { read_n(a.strides, ndim) })
    };
    let mut in_extent = (0, 0);
    if !empty {
        let extent = if a.strides.is_null() {
            // The element count in bytes fits isize (checked above).
            Some(contiguous_extent(&shape, isize_of))
        } else {
            byte_extent(&shape, &in_strides, isize_of)
        };
        let extent = extent.filter(|&r| !data || fits_at(a.f as usize, r, isize_of));
        let Some(extent) = extent else {
            return Err(in_range_err(&in_strides, raw_shape));
        };
        in_extent = extent;
    }

    // Data alignment.
    if data && a.f.align_offset(in_align) != 0 {
        return Err(misaligned(None, "f", a.f, in_align));
    }

    // axes.
    let raw_axes: Option<Small<isize>> = if a.axes.is_null() {
        if a.naxes != a.ndim {
            return Err(GradientError::InvalidAxis {
                index: None,
                message: format!(
                    "axes is NULL (all axes) but naxes = {} differs from ndim = {}",
                    a.naxes, a.ndim
                ),
            });
        }
        None
    } else {
        if a.naxes < 0 || a.naxes > a.ndim {
            return Err(GradientError::InvalidAxis {
                index: None,
                message: format!("naxes = {} is out of range 0 to ndim = {}", a.naxes, a.ndim),
            });
        }
        if a.axes.align_offset(align_of::<i32>()) != 0 {
            return Err(misaligned(None, "axes", a.axes, align_of::<i32>()));
        }
        Some(
            unsafe { read_n(a.axes, a.naxes as usize) }
                .iter()
                .map(|&x| x as isize)
                .collect(),
        )
    };
    let axes = api::normalize_axes(ndim, raw_axes.as_deref())?;
    let naxes = axes.len();

    // Spacing count (only the count and the kind of a lone entry matter).
    let nspacing = usize::try_from(a.nspacing).map_err(|_| GradientError::InvalidSpacing {
        index: None,
        message: format!("nspacing = {} is negative", a.nspacing),
    })?;
    if nspacing > 1 && nspacing != naxes {
        return Err(GradientError::InvalidSpacing {
            index: None,
            message: format!(
                "nspacing = {nspacing} is invalid for naxes = {naxes}: pass 0, 1 or {naxes} entries"
            ),
        });
    }
    if nspacing > 0 && a.spacing.align_offset(align_of::<super::grad_spacing>()) != 0 {
        return Err(misaligned(
            None,
            "spacing",
            a.spacing,
            align_of::<super::grad_spacing>(),
        ));
    }
    let raw_spacing = unsafe { read_n(a.spacing, nspacing) };
    if nspacing == 1
        && matches!(
            raw_spacing[0].kind,
            GRAD_SPACING_COORDINATES | GRAD_SPACING_NONUNIFORM
        )
    {
        api::check_spacing_count(&[Spacing::Coordinates(&[])], naxes)?;
    }

    // Each spacing entry (long coordinates checked on the threads the
    // options ask for, before the options themselves are).
    // SAFETY: the options are NULL or honour the C ABI's contract, as
    // this function's caller promises.
    let threads = unsafe { threads_hint(a.options) };
    let mut spacing: Small<Spacing<'_>> = Small::new();
    for (k, e) in raw_spacing.iter().enumerate() {
        let index = (nspacing == naxes).then_some(k);
        let s = match e.kind {
            GRAD_SPACING_UNIT => Spacing::Unit,
            GRAD_SPACING_UNIFORM => Spacing::Uniform(e.delta),
            kind @ (GRAD_SPACING_COORDINATES | GRAD_SPACING_NONUNIFORM) => {
                if e.coords.is_null() {
                    return Err(null(index, format!("spacing[{k}].coords is NULL")));
                }
                let axis = axes[k];
                if e.coords_len != shape[axis] as i64 {
                    return Err(GradientError::InvalidSpacing {
                        index,
                        message: format!(
                            "spacing[{k}].coords_len = {} does not match shape[{axis}] = {} (axes[{k}])",
                            e.coords_len, shape[axis]
                        ),
                    });
                }
                if e.coords.align_offset(align_of::<f64>()) != 0 {
                    return Err(misaligned(
                        index,
                        &format!("spacing[{k}].coords"),
                        e.coords,
                        8,
                    ));
                }
                let x = unsafe { read_n(e.coords, shape[axis]) };
                if kind == GRAD_SPACING_COORDINATES {
                    Spacing::Coordinates(x)
                } else {
                    Spacing::NonUniform(x)
                }
            }
            kind => {
                return Err(GradientError::InvalidSpacing {
                    index,
                    message: format!(
                        "spacing[{k}].kind = {kind} is not a GRAD_SPACING_* code \
                         (0 UNIT, 1 UNIFORM, 2 COORDINATES, 3 NONUNIFORM)"
                    ),
                })
            }
        };
        api::check_spacing_entry(k, &s, nspacing, &shape, &axes, threads)?;
        spacing.push(s);
    }

    // edge_order: against the accuracy the options ask for, when they ask
    // for a valid one (any other options error is reported next).
    api::check_edge_order(a.edge_order as i64)?;
    if a.edge_order as usize > unsafe { edge_order_bound(a.options) } {
        return Err(GradientError::InvalidEdgeOrder(a.edge_order as i64));
    }
    let edge_order = a.edge_order as usize;

    // options.
    let options = unsafe { read_options(a.options, naxes) }?;

    // The plan checks the boundaries against the spacing (periods) and
    // the axis lengths.
    out.plan
        .fill(&shape, &spacing, axes, edge_order, &options)?;
    out.shape = shape;
    out.in_strides = in_strides;
    out.in_extent = in_extent;
    out.empty = empty;
    Ok(())
}

fn in_range_err(in_strides: &[i64], raw_shape: &[i64]) -> GradientError {
    strides_err(
        None,
        format!(
            "strides {in_strides:?} over shape {raw_shape:?}: the address range of f overflows"
        ),
    )
}

/// The caller's output strides, flat: inline up to 4 outputs of 4
/// dimensions.
pub(crate) type OutStrides = Small<i64, 16>;

/// Read the caller's output strides, flat, `naxes` rows of `ndim`, into
/// `into` (empty), and say whether there were any (false: every output
/// C-contiguous, all with the same strides). Filled in place: a list
/// returned by value is copied, every call.
///
/// # Safety
/// A non-NULL `p` must be valid for `n` reads.
#[inline(always)]
pub(crate) unsafe fn read_out_strides(
    p: *const i64,
    n: usize,
    into: &mut OutStrides,
) -> Result<bool> {
    if p.is_null() {
        return Ok(false);
    }
    if p.align_offset(align_of::<i64>()) != 0 {
        return Err(misaligned(None, "out_strides", p, align_of::<i64>()));
    }
    for &s in unsafe { read_n(p, n) } {
        into.push(s);
    }
    Ok(true)
}

/// The checks of output `k`'s strides `st` that do not depend on its
/// address: no stride 0 on an extent > 1, a byte extent that fits, and
/// (`given`: strides from the caller) distinct elements in distinct memory.
/// Returns the byte extent.
pub(crate) fn check_out_strides(
    k: usize,
    st: &[i64],
    out_shape: &[usize],
    osize_of: usize,
    given: bool,
) -> Result<(isize, isize)> {
    if let Some(d) = (0..st.len()).find(|&d| st[d] == 0 && out_shape[d] > 1) {
        return Err(strides_err(
            Some(k),
            format!(
                "out_strides[{}] = 0 (out[{k}], dimension {d}) on an output extent of {}: \
                 every output element needs its own memory",
                k * st.len() + d,
                out_shape[d]
            ),
        ));
    }
    let Some(extent) = byte_extent(out_shape, st, osize_of) else {
        return Err(out_range_err(k, st, out_shape));
    };
    // C-contiguous outputs (out_strides NULL) cannot self-overlap.
    if given && self_overlaps(&Region::new(0, out_shape, st, osize_of)) {
        return Err(strides_err(
            Some(k),
            format!("out[{k}] strides {st:?} over output shape {out_shape:?} make distinct elements share memory"),
        ));
    }
    Ok(extent)
}

pub(crate) fn out_range_err(k: usize, st: &[i64], out_shape: &[usize]) -> GradientError {
    strides_err(
        Some(k),
        format!(
            "out[{k}] strides {st:?} over output shape {out_shape:?}: the address range overflows"
        ),
    )
}

/// The byte bounds `[first, last)` of an array at `addr` with byte extent
/// `(lo, hi)`.
#[inline]
pub(crate) fn bounds(addr: usize, (lo, hi): (isize, isize), elem: usize) -> (i128, i128) {
    (
        addr as i128 + lo as i128,
        addr as i128 + hi as i128 + elem as i128,
    )
}

/// The overlap rules: `spans[0]` is f's byte bounds, `spans[k + 1]`
/// out[k]'s; disjoint bounds settle most pairs, only the others get the
/// exact test on `region(i)` (array i: f for 0, out[i - 1] otherwise).
/// Returns whether every pair's bounds are disjoint: then each array can
/// be a slice of its own.
pub(crate) fn check_overlap(
    spans: &[(i128, i128)],
    region: impl Fn(usize) -> Region,
) -> Result<bool> {
    let mut apart = true;
    for k in 1..spans.len() {
        for j in 0..k {
            let ((ka, kb), (ja, jb)) = (spans[k], spans[j]);
            if kb <= ja || jb <= ka {
                continue;
            }
            apart = false;
            let verdict = may_overlap(&region(k), &region(j));
            if verdict == Overlap::Disjoint {
                continue;
            }
            let what = if j == 0 {
                "f".to_string()
            } else {
                format!("out[{}]", j - 1)
            };
            let message = match verdict {
                Overlap::Disjoint => unreachable!("handled above"),
                Overlap::Overlapping => format!("out[{}] overlaps {what}", k - 1),
                Overlap::TooHard => format!(
                    "out[{}] interleaves with {what} in a way too complex to prove disjoint",
                    k - 1
                ),
            };
            return Err(GradientError::Overlap {
                index: Some(k - 1),
                message,
            });
        }
    }
    Ok(apart)
}

/// The full pipeline for input element type `I`.
///
/// # Safety
/// The pointers in `a` must honour the C ABI's contract.
pub(crate) unsafe fn call<I: Element>(a: &RawArgs) -> Result<()> {
    let isize_of = size_of::<I>();
    let osize_of = size_of::<I::Output>();
    let mut checked = Checked::blank();
    unsafe { check_args(a, true, (isize_of, osize_of), align_of::<I>(), &mut checked) }?;
    // Borrowed in place: the plan is large, and moving it out costs copies.
    let Checked {
        plan,
        shape,
        in_strides,
        in_extent,
        empty,
    } = &checked;
    let (in_extent, empty) = (*in_extent, *empty);
    let ndim = shape.len();
    let naxes = plan.axes().len();
    let out_shape = plan.out_shape();

    // Outputs: NULLs, strides, alignment, overlap.
    if a.out.align_offset(align_of::<*mut u8>()) != 0 {
        return Err(misaligned(None, "out", a.out, align_of::<*mut u8>()));
    }
    // Copied now, with the other argument arrays: the pointer array may lie
    // inside an output, and nothing of the caller's may be read after the
    // first store (nor kept as a shared slice while a view writes there).
    let outs: Small<OutPtr> = unsafe { read_n(a.out, naxes) }
        .iter()
        .map(|&p| OutPtr(p.cast()))
        .collect();
    if let Some(k) = outs.iter().position(|p| p.0.is_null()) {
        return Err(null(Some(k), format!("out[{k}] is NULL")));
    }
    let mut given = OutStrides::new();
    let given_strides = unsafe { read_out_strides(a.out_strides, naxes * ndim, &mut given) }?;
    // Every array C-contiguous (both stride arguments NULL, the usual
    // call): the extents and the layout are known without a scan.
    let contiguous = a.strides.is_null() && !given_strides;
    // C-order output strides, made only when something reads them.
    let c_out = std::cell::OnceCell::new();
    let out_st = |k: usize| {
        if given_strides {
            &given[k * ndim..(k + 1) * ndim]
        } else {
            &c_out.get_or_init(|| c_strides(out_shape))[..]
        }
    };
    // f and every output: one more than the axes.
    let mut spans: Small<(i128, i128), { crate::small::INLINE + 1 }> = Small::new();
    if !empty {
        spans.push(bounds(a.f as usize, in_extent, isize_of));
        for (k, p) in outs.iter().enumerate() {
            let extent = if contiguous {
                // No more points than the input, each no larger than the
                // element size its byte count was checked with.
                Ok(contiguous_extent(out_shape, osize_of))
            } else {
                check_out_strides(k, out_st(k), out_shape, osize_of, given_strides)
            };
            let extent = extent.and_then(|r| {
                if fits_at(p.0 as usize, r, osize_of) {
                    Ok(r)
                } else {
                    Err(out_range_err(k, out_st(k), out_shape))
                }
            })?;
            spans.push(bounds(p.0 as usize, extent, osize_of));
        }
    }
    for (k, &OutPtr(p)) in outs.iter().enumerate() {
        if p.align_offset(align_of::<I::Output>()) != 0 {
            return Err(misaligned(
                Some(k),
                &format!("out[{k}]"),
                p,
                align_of::<I::Output>(),
            ));
        }
    }
    let apart = check_overlap(&spans, |i| {
        if i == 0 {
            Region::new(a.f as usize, shape, in_strides, isize_of)
        } else {
            Region::new(outs[i - 1].0 as usize, out_shape, out_st(i - 1), osize_of)
        }
    })?;

    // Everything is valid: compute.
    if empty {
        return Ok(());
    }
    let ptrs = outs.iter().map(|p| p.0);
    let order = if contiguous {
        // What dense_layout finds for such arrays.
        dense_plan(plan).then_some(Order::C)
    } else {
        dense_layout(plan, in_strides, out_st)
    };
    let order = order.filter(|_| apart);
    if order.is_none() {
        let ilv = interleaved_layout(plan, in_strides, out_st)
            .and_then(|order| interleaved_at(plan, &outs, osize_of, spans[0]).map(|o| (order, o)));
        if let Some((order, (base, slots))) = ilv {
            unsafe { compute_interleaved::<I>(plan, a.f.cast(), order, base, &slots) };
            return Ok(());
        }
    }
    match order {
        Some(order) => unsafe { compute_dense::<I>(plan, a.f.cast(), order, ptrs) },
        None => unsafe { compute::<I>(plan, a.f.cast(), shape, in_strides, ptrs, out_st) },
    }
    Ok(())
}

/// Whether `strides` are `m` times those of a contiguous array of `shape`
/// in `order` (an extent of 1 may have any stride).
fn is_dense_times(shape: &[usize], strides: &[i64], order: Order, m: i64) -> bool {
    let mut want = m;
    let mut check = |(&n, &s): (&usize, &i64)| {
        let ok = n == 1 || s == want;
        want = want.saturating_mul(n as i64);
        ok
    };
    let mut dims = shape.iter().zip(strides);
    match order {
        Order::C => dims.rev().all(&mut check),
        Order::F => dims.all(&mut check),
    }
}

/// The memory order in which the input is contiguous and the outputs are
/// the columns of one interleaved array (each output's strides `naxes`
/// times the input's: Fortran's `g(3, nx, ny, nz)`, C's `g[nx][ny][nz][3]`),
/// when the plan can take that layout ([`Plan::interleaved_ok`]). The
/// pointers decide the rest ([`interleaved_at`]).
pub(crate) fn interleaved_layout<'s>(
    plan: &Plan<'_>,
    in_strides: &[i64],
    out_st: impl Fn(usize) -> &'s [i64],
) -> Option<Order> {
    if !plan.interleaved_ok() {
        return None;
    }
    let (shape, m) = (plan.shape(), plan.axes().len() as i64);
    [Order::C, Order::F].into_iter().find(|&order| {
        is_dense(shape, in_strides, order)
            && (0..plan.axes().len()).all(|k| is_dense_times(shape, out_st(k), order, m))
    })
}

/// For outputs laid out as [`interleaved_layout`] says: the address of the
/// interleaved array and each output's place in a point (`slots[k]`), when
/// the outputs start at consecutive elements in some order (a permutation
/// of `0..naxes`) and the whole array is disjoint from the input's bytes
/// `f_span`.
pub(crate) fn interleaved_at(
    plan: &Plan<'_>,
    outs: &[OutPtr],
    osize: usize,
    f_span: (i128, i128),
) -> Option<(usize, [usize; DENSE_OUTS])> {
    let m = plan.axes().len();
    let base = outs.iter().map(|p| p.0 as usize).min()?;
    let mut slots = [0usize; DENSE_OUTS];
    let mut seen = [false; DENSE_OUTS];
    for (slot, p) in slots.iter_mut().zip(outs) {
        let off = p.0 as usize - base;
        let k = off / osize;
        if off % osize != 0 || k >= m || seen[k] {
            return None;
        }
        (*slot, seen[k]) = (k, true);
    }
    let size: usize = plan.shape().iter().product();
    let end = (base as i128) + (size as i128) * (m as i128) * (osize as i128);
    (end <= f_span.0 || f_span.1 <= base as i128).then_some((base, slots))
}

/// [`compute`] for a contiguous input and outputs interleaved in one array
/// at `base` (`slots` from [`interleaved_at`]).
///
/// # Safety
/// Every argument checked, the arrays non-empty, the layout from
/// [`interleaved_layout`] and [`interleaved_at`].
pub(crate) unsafe fn compute_interleaved<I: Element>(
    plan: &Plan<'_>,
    f: *const I,
    order: Order,
    base: usize,
    slots: &[usize; DENSE_OUTS],
) {
    let size: usize = plan.shape().iter().product();
    let m = plan.axes().len();
    // SAFETY: a contiguous array of `size` elements starts at `f`.
    let f = unsafe { slice::from_raw_parts(f, size) };
    // SAFETY: output k holds every m-th element from base + slots[k]; the
    // slots are a permutation of 0..m, so together the outputs are exactly
    // the m * size elements from base (each checked to lie in the address
    // space), and that memory is disjoint from f (interleaved_at).
    let out = unsafe { slice::from_raw_parts_mut(base as *mut I::Output, m * size) };
    plan.execute_interleaved(f, order, out, &slots[..m]);
}

/// Whether `strides` are those of a contiguous array of `shape` in `order`
/// (an extent of 1 may have any stride).
fn is_dense(shape: &[usize], strides: &[i64], order: Order) -> bool {
    is_dense_times(shape, strides, order, 1)
}

/// The memory order in which the input (`in_strides`) and every output
/// (`out_st(k)`) are contiguous, when they all are in one order and the
/// plan can take contiguous arrays ([`dense_plan`]).
pub(crate) fn dense_layout<'s>(
    plan: &Plan<'_>,
    in_strides: &[i64],
    out_st: impl Fn(usize) -> &'s [i64],
) -> Option<Order> {
    if !dense_plan(plan) {
        return None;
    }
    let naxes = plan.axes().len();
    let shape = plan.shape();
    [Order::C, Order::F].into_iter().find(|&order| {
        is_dense(shape, in_strides, order) && (0..naxes).all(|k| is_dense(shape, out_st(k), order))
    })
}

/// Whether the plan can take contiguous arrays at all: numpy's formulas,
/// outputs of the input's shape, at most [`DENSE_OUTS`] of them.
fn dense_plan(plan: &Plan<'_>) -> bool {
    plan.dense_ok() && plan.axes().len() <= DENSE_OUTS
}

/// [`compute`] for arrays that are contiguous in `order` with disjoint
/// memory: plain slices.
///
/// # Safety
/// Every argument checked, the arrays non-empty, the layout from
/// [`dense_layout`] and the byte bounds disjoint ([`check_overlap`]).
pub(crate) unsafe fn compute_dense<I: Element>(
    plan: &Plan<'_>,
    f: *const I,
    order: Order,
    outs: impl Iterator<Item = *mut u8>,
) {
    unsafe { with_slices(plan, f, outs, |f, o| plan.execute_dense(f, order, o)) }
}

/// [`compute_dense`] with the stencils of [`Plan::prepare_dense`].
///
/// # Safety
/// As [`compute_dense`].
pub(crate) unsafe fn compute_prepared<I: Element>(
    plan: &Plan<'_>,
    prepared: &PreparedDense<I>,
    f: *const I,
    outs: impl Iterator<Item = *mut u8>,
) {
    let size = prepared.size;
    // SAFETY: as with_slices'.
    let f = unsafe { slice::from_raw_parts(f, size) };
    // SAFETY: as with_slices'.
    let outs = outs.map(|p| unsafe { slice::from_raw_parts_mut(p.cast::<I::Output>(), size) });
    plan.run_prepared(prepared, f, outs);
}

/// The input and the outputs of a dense call as slices.
///
/// # Safety
/// As [`compute_dense`].
#[inline(always)]
unsafe fn with_slices<I: Element>(
    plan: &Plan<'_>,
    f: *const I,
    outs: impl Iterator<Item = *mut u8>,
    run: impl FnOnce(&[I], &mut [&mut [I::Output]]),
) {
    let size: usize = plan.shape().iter().product();
    // SAFETY: a contiguous array of `size` elements starts at `f` (its
    // lowest address: every stride of an extent above 1 is positive).
    let f = unsafe { slice::from_raw_parts(f, size) };
    let mut held: [&mut [I::Output]; DENSE_OUTS] = Default::default();
    for (slot, p) in held.iter_mut().zip(outs) {
        // SAFETY: as f, in memory no other slice here touches.
        *slot = unsafe { slice::from_raw_parts_mut(p.cast::<I::Output>(), size) };
    }
    run(f, &mut held[..plan.axes().len()]);
}

/// Run a checked `plan` on the input at `f` (of `shape`, `in_strides`) into
/// the outputs at `outs` (of the plan's output shape, strides `out_st(k)`).
///
/// # Safety
/// Every argument checked, the arrays non-empty.
#[inline]
pub(crate) unsafe fn compute<'s, I: Element>(
    plan: &Plan<'_>,
    f: *const I,
    shape: &[usize],
    in_strides: &[i64],
    outs: impl Iterator<Item = *mut u8>,
    out_st: impl Fn(usize) -> &'s [i64],
) {
    let out_shape = plan.out_shape();
    if shape.len() == 1 {
        // One lane: 1-d views, no dynamic-dimension set-up (small calls).
        let f = unsafe { view1(f, shape[0], in_strides[0]) };
        let mut outs = outs;
        if let Some(p) = outs.next() {
            let o = unsafe { view1_mut(p.cast::<I::Output>(), out_shape[0], out_st(0)[0]) };
            plan.execute_lane(f, o);
        }
        return;
    }
    let f = unsafe { view(f, shape, in_strides) };
    // Views made one at a time as the plan takes them (from the copies
    // the caller made, never from the caller's arrays).
    let outs = (outs.enumerate())
        .map(|(k, p)| unsafe { view_mut(p.cast::<I::Output>(), out_shape, out_st(k)) });
    plan.execute(f, outs);
}

/// Split strides into the lowest-address pointer offset, absolute strides
/// and the axes to invert (ndarray views are built from non-negative
/// strides).
fn normalise(shape: &[usize], strides: &[i64]) -> (isize, Small<usize>, Small<usize>) {
    let mut low = 0isize;
    let mut abs = Small::new();
    let mut flip = Small::new();
    for (k, (&n, &s)) in shape.iter().zip(strides).enumerate() {
        let (l, a, f) = normalise1(n, s);
        low += l;
        abs.push(a);
        if f {
            flip.push(k);
        }
    }
    (low, abs, flip)
}

/// A 1-d [`view`].
///
/// # Safety
/// As [`view`].
unsafe fn view1<'a, T>(p: *const T, n: usize, stride: i64) -> ArrayView1<'a, T> {
    let (low, abs, flip) = normalise1(n, stride);
    let mut v = unsafe { ArrayView1::from_shape_ptr([n].strides([abs]), p.offset(low)) };
    if flip {
        v.invert_axis(Axis(0));
    }
    v
}

/// A 1-d [`view_mut`].
///
/// # Safety
/// As [`view_mut`].
unsafe fn view1_mut<'a, T>(p: *mut T, n: usize, stride: i64) -> ArrayViewMut1<'a, T> {
    let (low, abs, flip) = normalise1(n, stride);
    let mut v = unsafe { ArrayViewMut1::from_shape_ptr([n].strides([abs]), p.offset(low)) };
    if flip {
        v.invert_axis(Axis(0));
    }
    v
}

/// [`normalise`] for one dimension of `n` points and stride `s`: the
/// pointer offset to its lowest address, the absolute stride, and whether
/// to invert it.
fn normalise1(n: usize, s: i64) -> (isize, usize, bool) {
    if n <= 1 {
        // Never stepped along: any stride (even i64::MIN, whose magnitude
        // does not fit an isize) is as good as 0.
        (0, 0, false)
    } else if s < 0 {
        (
            (n as isize - 1) * s as isize,
            s.unsigned_abs() as usize,
            true,
        )
    } else {
        (0, s as usize, false)
    }
}

/// # Safety
/// `p` with `shape` and `strides` must address valid, checked memory
/// (non-empty, in range, aligned).
unsafe fn view<'a, T>(p: *const T, shape: &[usize], strides: &[i64]) -> ArrayViewD<'a, T> {
    let (low, abs, flip) = normalise(shape, strides);
    let mut v =
        unsafe { ArrayView::from_shape_ptr(IxDyn(shape).strides(IxDyn(&abs)), p.offset(low)) };
    for &k in &flip {
        v.invert_axis(Axis(k));
    }
    v
}

/// # Safety
/// As [`view`], and the elements must be distinct and writable.
unsafe fn view_mut<'a, T>(p: *mut T, shape: &[usize], strides: &[i64]) -> ArrayViewMutD<'a, T> {
    let (low, abs, flip) = normalise(shape, strides);
    let mut v =
        unsafe { ArrayViewMut::from_shape_ptr(IxDyn(shape).strides(IxDyn(&abs)), p.offset(low)) };
    for &k in &flip {
        v.invert_axis(Axis(k));
    }
    v
}

/// Read and check `grad_options` (NULL = defaults).
///
/// # Safety
/// A non-NULL `p` must point to at least `p->size` readable bytes.
unsafe fn read_options(p: *const grad_options, naxes: usize) -> Result<Options> {
    if p.is_null() {
        return Ok(Options::default());
    }
    let opt =
        |index: Option<usize>, message: String| GradientError::InvalidOptions { index, message };
    if p.align_offset(align_of::<grad_options>()) != 0 {
        return Err(opt(
            None,
            format!(
                "options = {p:p} is not aligned to {} bytes",
                align_of::<grad_options>()
            ),
        ));
    }
    let o = unsafe { read_sized(p) }?;
    if o.threads > GRAD_MAX_THREADS {
        return Err(opt(
            None,
            format!(
                "options->threads = {} exceeds GRAD_MAX_THREADS = {GRAD_MAX_THREADS}",
                o.threads
            ),
        ));
    }
    let periods = if o.periods.is_null() {
        None
    } else {
        if o.periods.align_offset(align_of::<f64>()) != 0 {
            return Err(opt(
                None,
                format!("options->periods = {:p} is not aligned", o.periods),
            ));
        }
        Some(unsafe { read_n(o.periods, naxes) })
    };
    let mut boundaries = Vec::new();
    if !o.boundaries.is_null() {
        if o.boundaries.align_offset(align_of::<i32>()) != 0 {
            return Err(opt(
                None,
                format!("options->boundaries = {:p} is not aligned", o.boundaries),
            ));
        }
        let codes = unsafe { read_n(o.boundaries, 2 * naxes) };
        for (i, &code) in codes.iter().enumerate() {
            if !matches!(
                code,
                GRAD_BOUNDARY_ONE_SIDED | GRAD_BOUNDARY_PERIODIC | GRAD_BOUNDARY_GHOST
            ) {
                return Err(opt(
                    Some(i / 2),
                    format!(
                        "options->boundaries[{i}] = {code} is not a GRAD_BOUNDARY_* code \
                         (0 ONE_SIDED, 1 PERIODIC, 2 GHOST)"
                    ),
                ));
            }
        }
        for (k, pair) in codes.chunks(2).enumerate() {
            let side = |c| {
                if c == GRAD_BOUNDARY_GHOST {
                    Side::Ghost
                } else {
                    Side::OneSided
                }
            };
            boundaries.push(match (pair[0], pair[1]) {
                (GRAD_BOUNDARY_PERIODIC, GRAD_BOUNDARY_PERIODIC) => Boundary::Periodic {
                    period: periods.map(|p| p[k]),
                },
                (GRAD_BOUNDARY_PERIODIC, _) | (_, GRAD_BOUNDARY_PERIODIC) => {
                    return Err(opt(
                        Some(k),
                        format!(
                            "options->boundaries[{}..{}] = {{{}, {}}}: PERIODIC must be on both \
                             sides of axes[{k}]",
                            2 * k,
                            2 * k + 1,
                            pair[0],
                            pair[1]
                        ),
                    ))
                }
                (lo, hi) => Boundary::Sides {
                    lo: side(lo),
                    hi: side(hi),
                },
            });
        }
    }
    if o.reserved != 0 {
        return Err(opt(
            None,
            format!(
                "options->reserved = {} is invalid: it must be 0",
                o.reserved
            ),
        ));
    }
    if !matches!(o.accuracy, 0 | 2 | 4 | 6 | 8) {
        return Err(opt(
            None,
            format!(
                "options->accuracy = {} is invalid: it must be 0 or 2 (numpy's second order), \
                 4, 6 or 8",
                o.accuracy
            ),
        ));
    }
    Ok(Options::default()
        .threads(o.threads.max(0) as usize)
        .boundaries(boundaries)
        .accuracy(o.accuracy as usize))
}

/// The largest edge_order the options allow: 2 without options or with
/// accuracy 0 or 2, p with accuracy p = 4, 6, 8; 8 (the widest) when the
/// options are unreadable or the accuracy invalid, so that the options
/// check that follows reports them.
///
/// # Safety
/// `p` is NULL or honours the C ABI's contract for options.
unsafe fn edge_order_bound(p: *const grad_options) -> usize {
    if p.is_null() {
        return 2;
    }
    let Some(size) = (unsafe { readable_size(p) }) else {
        return 8;
    };
    let at = std::mem::offset_of!(grad_options, accuracy);
    if size < at + size_of::<i32>() {
        return 2;
    }
    match unsafe { std::ptr::addr_of!((*p).accuracy).read() } {
        0 | 2 => 2,
        a @ (4 | 6 | 8) => a as usize,
        _ => 8,
    }
}

/// The threads the options ask for, for work done before they are checked
/// (the coordinates' check, whose answer is the same on any number): 1
/// without options, or when they are unreadable or ask for none or too
/// many (the options check that follows reports that).
///
/// # Safety
/// `p` is NULL or honours the C ABI's contract for options.
unsafe fn threads_hint(p: *const grad_options) -> usize {
    if p.is_null() || unsafe { readable_size(p) }.is_none() {
        return 1;
    }
    match unsafe { std::ptr::addr_of!((*p).threads).read() } {
        t @ 1..=GRAD_MAX_THREADS => t as usize,
        _ => 1,
    }
}

/// The `size` of non-NULL options that may be read before they are
/// checked (for [`edge_order_bound`] and [`threads_hint`]): aligned, and at
/// least the 0.1 layout (so `threads` is there) and at most
/// [`MAX_OPTIONS_SIZE`]; None otherwise (the options check reports it).
///
/// # Safety
/// `p` is non-NULL and honours the C ABI's contract for options.
unsafe fn readable_size(p: *const grad_options) -> Option<usize> {
    if p.align_offset(align_of::<grad_options>()) != 0 {
        return None;
    }
    let size = unsafe { std::ptr::addr_of!((*p).size).read() } as usize;
    let v01 = std::mem::offset_of!(grad_options, accuracy);
    (v01..=MAX_OPTIONS_SIZE).contains(&size).then_some(size)
}

/// The most bytes an options struct may claim (a larger `size` is refused
/// without reading anything).
const MAX_OPTIONS_SIZE: usize = 4096;

/// Read a `grad_options` of the caller's `size`, the way the Linux kernel
/// reads extensible structs (`copy_struct_from_user`): at least the 0.1
/// layout; a field that lies wholly or partly beyond `size` reads as 0 (its
/// default); bytes beyond this library's struct must be zero (a newer
/// caller that uses none of the newer fields).
///
/// # Safety
/// `p` must be non-NULL, aligned, and valid for `size` bytes.
unsafe fn read_sized(p: *const grad_options) -> Result<grad_options> {
    let opt = |message: String| GradientError::InvalidOptions {
        index: None,
        message,
    };
    let size = unsafe { std::ptr::addr_of!((*p).size).read() } as usize;
    let v01 = std::mem::offset_of!(grad_options, accuracy);
    let full = size_of::<grad_options>();
    if size < v01 {
        return Err(opt(format!(
            "options->size = {size} is smaller than the smallest grad_options ({v01} bytes, \
             version 0.1): set it to sizeof(grad_options)"
        )));
    }
    if size > MAX_OPTIONS_SIZE {
        return Err(opt(format!(
            "options->size = {size} is larger than {MAX_OPTIONS_SIZE}: set it to \
             sizeof(grad_options)"
        )));
    }
    if size > full {
        let tail = unsafe { read_n(p.cast::<u8>().add(full), size - full) };
        if let Some(i) = tail.iter().position(|&b| b != 0) {
            return Err(opt(format!(
                "options->size = {size}: byte {} is nonzero, beyond this library's \
                 grad_options ({full} bytes): the options come from a newer version of \
                 gradient.h and use a field this library does not know",
                full + i
            )));
        }
    }
    // Every field of the 0.1 layout lies within `size`; each later one is
    // read only when it lies wholly within it.
    let within = |offset: usize, len: usize| offset + len <= size;
    unsafe {
        Ok(grad_options {
            size: size as u32,
            threads: std::ptr::addr_of!((*p).threads).read(),
            boundaries: std::ptr::addr_of!((*p).boundaries).read(),
            periods: std::ptr::addr_of!((*p).periods).read(),
            accuracy: if within(std::mem::offset_of!(grad_options, accuracy), 4) {
                std::ptr::addr_of!((*p).accuracy).read()
            } else {
                0
            },
            reserved: if within(std::mem::offset_of!(grad_options, reserved), 4) {
                std::ptr::addr_of!((*p).reserved).read()
            } else {
                0
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The threads asked for, where the options can be read and ask for a
    /// number the options check takes; 1 otherwise.
    #[test]
    fn threads_hint_reads_only_what_the_options_check_takes() {
        let with = |size: u32, threads: i32| grad_options {
            size,
            threads,
            boundaries: std::ptr::null(),
            periods: std::ptr::null(),
            accuracy: 0,
            reserved: 0,
        };
        let full = size_of::<grad_options>() as u32;
        let v01 = std::mem::offset_of!(grad_options, accuracy) as u32;
        let hint = |o: &grad_options| unsafe { threads_hint(o) };
        assert_eq!(unsafe { threads_hint(std::ptr::null()) }, 1);
        for (size, threads, want) in [
            (full, 3, 3),
            (v01, 2, 2),
            (full, GRAD_MAX_THREADS, GRAD_MAX_THREADS as usize),
            (full, GRAD_MAX_THREADS + 1, 1),
            (full, 0, 1),
            (full, -4, 1),
            (v01 - 1, 3, 1),
            (MAX_OPTIONS_SIZE as u32 + 1, 3, 1),
        ] {
            assert_eq!(
                hint(&with(size, threads)),
                want,
                "size {size} threads {threads}"
            );
        }
        // Misaligned: not read.
        let buf = [with(full, 3), with(full, 3)];
        let odd = (buf.as_ptr() as *const u8).wrapping_add(4) as *const grad_options;
        assert_eq!(unsafe { threads_hint(odd) }, 1);
    }
}
