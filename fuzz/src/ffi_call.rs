//! Fuzz the C ABI entry points with arbitrary arguments.
//!
//! The fuzzer's bytes choose the entry point and dtype, ndim, shape,
//! strides (small, or extremes such as i64::MAX/MIN), axes, naxes, spacing
//! entries (kinds, steps, coordinates, lengths), edge_order, options (size,
//! threads, boundary codes, periods), output pointers and strides, pointer
//! misalignment, the grad_error mode, and the memory layout: every array in
//! its own heap buffer (AddressSanitizer catches any access outside it), or
//! all of them in one arena at chosen offsets (overlapping outputs).
//!
//! The harness owns all memory. Every caller array (shape, strides, axes,
//! spacing, out, out_strides, boundaries, periods) has room for the most the
//! library may read (64 dimensions); coordinates are never longer than 64
//! and always backed. The data buffers are sized from the address ranges of
//! the shape and strides; when those cannot be backed (huge extents or
//! strides, negative extents, overflow) every output pointer is NULL, so a
//! call the library accepts cannot touch data at all (it must then have no
//! outputs), and any other call must be refused before reading data.
//!
//! Invariants (a violation aborts: a crash for libFuzzer):
//! * no panic, no sanitizer report, status is a documented code (never
//!   GRAD_STATUS_INTERNAL), grad_error consistent, misaligned err untouched;
//! * a refused call leaves every byte of every buffer unchanged;
//! * an accepted call never writes its input, writes nothing outside its
//!   output elements, produces what the safe API produces on a contiguous
//!   copy (bit for bit, NaN for NaN), and, in arena mode, its regions were
//!   really disjoint.

use std::ffi::c_void;
use std::mem::size_of;
use std::ptr::{null, null_mut};

use crate::common::ffi_case::{check_outcome, elem_sizes, same_value, Buf, Outcome};
use crate::common::gen::{Bytes, Rng, Source};
use gradient::ffi::*;
use gradient::{Boundary, Complex, Element, Num, Options, Plan, Side, Spacing};
use ndarray::{ArrayD, IxDyn};

const MAXD: usize = 64;
/// The most bytes the harness backs for one array.
const MAX_SPAN: i128 = 1 << 18;
/// The most elements the harness lets one call compute.
const MAX_ELEMS: i64 = 1 << 17;

fn special_i64(src: &mut Bytes<'_>) -> i64 {
    *src.pick(&[
        0,
        1,
        -1,
        i64::MAX,
        i64::MIN,
        i64::MIN + 1,
        1 << 31,
        (1 << 31) + 3,
        1 << 32,
        1 << 40,
        -(1 << 40),
        1 << 59,
        1 << 62,
        i64::MAX / 8,
        i64::MAX / 2 + 1,
    ])
}

fn c_strides(shape: &[i64]) -> Vec<i64> {
    let mut s = vec![0i64; shape.len()];
    let mut acc = 1i64;
    for d in (0..shape.len()).rev() {
        s[d] = acc;
        acc = acc.saturating_mul(shape[d].max(1));
    }
    s
}

/// (lowest, highest) element offsets of a non-empty array, exactly (None
/// beyond i128).
fn span(shape: &[i64], strides: &[i64]) -> Option<(i128, i128)> {
    let (mut lo, mut hi) = (0i128, 0i128);
    for (&n, &s) in shape.iter().zip(strides) {
        let t = (n as i128 - 1).checked_mul(s as i128)?;
        if t < 0 {
            lo = lo.checked_add(t)?;
        } else {
            hi = hi.checked_add(t)?;
        }
    }
    Some((lo, hi))
}

/// Element byte offsets (relative to element 0), logical C order.
fn offsets(shape: &[usize], strides: &[i64], elem: usize) -> Vec<i128> {
    let mut out = Vec::new();
    if shape.contains(&0) {
        return out;
    }
    let mut idx = vec![0usize; shape.len()];
    loop {
        out.push(
            idx.iter()
                .zip(strides)
                .map(|(&i, &s)| i as i128 * s as i128 * elem as i128)
                .sum(),
        );
        let mut d = shape.len();
        loop {
            if d == 0 {
                return out;
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// The data memory: one buffer per array, or one arena (buffer 0).
struct Mem {
    bufs: Vec<Buf>,
    /// (buffer, byte offset of element 0) of the input and each output.
    f_at: (usize, usize),
    out_at: Vec<(usize, usize)>,
}

impl Mem {
    fn ptr(&self, at: (usize, usize)) -> *mut u8 {
        self.bufs[at.0].ptr().wrapping_add(at.1)
    }
    fn snapshot(&self) -> Vec<Vec<u8>> {
        self.bufs.iter().map(|b| b.bytes().to_vec()).collect()
    }
}

/// One fuzz input.
pub fn run(data: &[u8]) {
    let mut bytes = Bytes::new(data);
    let src = &mut bytes;

    // entry point and dtype
    let generic = src.chance(1, 2);
    let dtype: i32 = if generic {
        match src.below(20) {
            0 => *src.pick(&[12, -1, 99, i32::MIN, i32::MAX]),
            d => (d % 12) as i32,
        }
    } else {
        src.below(4) as i32
    };
    let (ie, oe) = if (0..12).contains(&dtype) {
        elem_sizes(dtype)
    } else {
        (8, 8)
    };

    // ndim and shape (64 entries always backed)
    let ndim: i32 = match src.below(24) {
        0 => *src.pick(&[0, -1, 65, 64, i32::MAX, i32::MIN]),
        1 => src.range(5, 64) as i32,
        n => 1 + (n % 4) as i32,
    };
    let nd = if (1..=64).contains(&ndim) {
        ndim as usize
    } else {
        0
    };
    let mut shape = vec![1i64; MAXD];
    for n in shape.iter_mut().take(nd) {
        *n = match src.below(24) {
            0 => special_i64(src),
            1 => 0,
            2 => 1,
            _ if nd > 6 => src.range(1, 2),
            _ => src.range(1, 6),
        };
    }

    // input strides (64 entries)
    let strides_null = src.chance(1, 3);
    let mut strides = vec![0i64; MAXD];
    for s in strides.iter_mut().take(nd) {
        *s = match src.below(24) {
            0 => special_i64(src),
            1 => 0,
            _ => src.range(-12, 12),
        };
    }

    // axes (64 entries); naxes either the list's length or a value the
    // library refuses before reading the list
    let axes_null = src.chance(1, 3);
    let naxes_guess = if axes_null {
        nd
    } else {
        src.below(nd as u64 + 1) as usize
    };
    let naxes: i32 = match src.below(20) {
        0 => *src.pick(&[-1, ndim.wrapping_add(1), i32::MAX, i32::MIN, 0]),
        _ => naxes_guess as i32,
    };
    let mut axes = vec![0i32; MAXD];
    for a in axes.iter_mut().take(naxes_guess.max(1)) {
        *a = match src.below(12) {
            0 => *src.pick(&[
                i32::MAX,
                i32::MIN,
                ndim,
                ndim.wrapping_neg().wrapping_sub(1),
            ]),
            _ => src.range(-(nd as i64), nd as i64 - 1) as i32,
        };
    }
    if !axes_null && src.chance(3, 4) {
        // mostly distinct valid axes
        let mut all: Vec<i32> = (0..nd as i32).collect();
        for i in (1..all.len()).rev() {
            all.swap(i, src.below(i as u64 + 1) as usize);
        }
        for k in 0..naxes_guess.min(nd) {
            axes[k] = if src.chance(1, 4) {
                all[k] - nd as i32
            } else {
                all[k]
            };
        }
    }
    // the extent spacing entry k probably serves (for coords_len)
    let axis_extent = |k: usize| -> i64 {
        let a = if axes_null { k as i64 } else { axes[k] as i64 };
        let a = if a < 0 { a + nd as i64 } else { a };
        if (0..nd as i64).contains(&a) {
            shape[a as usize]
        } else {
            3
        }
    };

    // spacing: 64 entries; coordinates at most 64 values, always backed
    let nspacing: i32 = match src.below(16) {
        0 => *src.pick(&[-1, i32::MAX, 65, naxes.wrapping_add(1)]),
        1..=4 => 0,
        5..=7 => 1,
        _ => naxes.clamp(0, 64),
    };
    let mut coords_store: Vec<Vec<f64>> = Vec::new();
    let mut spacing = vec![
        grad_spacing {
            kind: GRAD_SPACING_UNIT,
            delta: 0.0,
            coords: null(),
            coords_len: 0,
        };
        MAXD
    ];
    for (k, e) in spacing
        .iter_mut()
        .enumerate()
        .take(nspacing.clamp(0, 64) as usize)
    {
        match src.below(12) {
            0 => e.kind = *src.pick(&[4, -1, i32::MAX]),
            1..=3 => e.kind = GRAD_SPACING_UNIT,
            4..=7 => {
                e.kind = GRAD_SPACING_UNIFORM;
                e.delta = if src.chance(1, 8) {
                    *src.pick(&[
                        0.0,
                        -0.0,
                        f64::NAN,
                        f64::INFINITY,
                        f64::NEG_INFINITY,
                        5e-324,
                        f64::MAX,
                    ])
                } else {
                    src.step()
                };
            }
            _ => {
                e.kind = if src.chance(1, 3) {
                    GRAD_SPACING_NONUNIFORM
                } else {
                    GRAD_SPACING_COORDINATES
                };
                let want = axis_extent(k);
                let len = if src.chance(1, 8) || !(0..=64).contains(&want) {
                    src.range(0, 8)
                } else {
                    want
                };
                let mut x = src.coords(len as usize);
                if src.chance(1, 10) && !x.is_empty() {
                    let i = src.below(x.len() as u64) as usize;
                    x[i] = *src.pick(&[f64::NAN, f64::INFINITY, x[0], 1e308, -1e308]);
                }
                if src.chance(1, 16) {
                    e.coords = null();
                    e.coords_len = special_i64(src);
                } else {
                    e.coords_len = x.len() as i64;
                    coords_store.push(x);
                    e.coords = coords_store.last().unwrap().as_ptr();
                }
            }
        }
    }
    let spacing_null = nspacing > 0 && src.chance(1, 40);

    // edge order
    let edge_order: i32 = match src.below(16) {
        0 => *src.pick(&[0, -1, 3, 9, i32::MAX, i32::MIN]),
        e if e < 10 => 1 + (e % 2) as i32,
        e => 1 + (e % 8) as i32,
    };

    // options (boundaries: 128 codes, periods: 64 values, always backed)
    let options_null = src.chance(1, 2);
    let mut codes = vec![GRAD_BOUNDARY_ONE_SIDED; 2 * MAXD];
    let boundaries_set = src.chance(1, 2);
    if boundaries_set {
        for k in 0..naxes_guess.min(MAXD) {
            let (lo, hi) = match src.below(16) {
                0 => (src.range(-1, 3) as i32, src.range(-1, 3) as i32),
                1..=5 => (GRAD_BOUNDARY_PERIODIC, GRAD_BOUNDARY_PERIODIC),
                6..=11 => (
                    src.below(2) as i32 * GRAD_BOUNDARY_GHOST,
                    src.below(2) as i32 * GRAD_BOUNDARY_GHOST,
                ),
                _ => (GRAD_BOUNDARY_ONE_SIDED, GRAD_BOUNDARY_ONE_SIDED),
            };
            codes[2 * k] = lo;
            codes[2 * k + 1] = hi;
        }
    }
    let mut periods = vec![0.0f64; MAXD];
    let periods_set = src.chance(1, 2);
    for (k, p) in periods.iter_mut().enumerate().take(naxes_guess.min(MAXD)) {
        // a period just above the coordinate span, or anything
        let span = coords_store.get(k).map_or(1.0, |x| {
            if x.is_empty() {
                0.0
            } else {
                (x[x.len() - 1] - x[0]).abs()
            }
        });
        *p = match src.below(8) {
            0 => *src.pick(&[0.0, -1.0, f64::NAN, f64::INFINITY, span]),
            _ => span + src.unit() * 2.0 + 1e-3,
        };
    }
    let size_of_opts = size_of::<grad_options>() as u32;
    let size = match src.below(24) {
        0 => *src.pick(&[0, 4, 16, 23, 24, 28, 40, 64, 4097, u32::MAX]),
        _ => size_of_opts,
    };
    // accuracy: mostly valid orders; reserved rarely nonzero; a nonzero
    // byte beyond sizeof(grad_options) now and then (the options live in
    // a 64-byte zeroed buffer, so a size up to 64 is always backed).
    let accuracy: i32 = match src.below(16) {
        0 => *src.pick(&[1, 3, 5, 10, -2, i32::MIN]),
        a => [0, 2, 4, 6, 8][(a % 5) as usize],
    };
    let reserved: i32 = if src.chance(1, 32) { 1 } else { 0 };
    let tail_byte = src.chance(1, 8).then(|| src.range(size_of_opts as i64, 63) as usize);
    let mut threads: i32 = match src.below(12) {
        0 => *src.pick(&[-1, 1024, 1025, i32::MAX, i32::MIN, 64]),
        t => (t % 5) as i32,
    };

    // output strides: naxes rows of ndim, 64 x 64 always backed
    let out_strides_null = src.chance(1, 3);
    let mut out_strides = vec![0i64; MAXD * MAXD];
    for s in out_strides
        .iter_mut()
        .take((naxes_guess.max(1) + 1) * nd.max(1))
    {
        *s = match src.below(32) {
            0 => special_i64(src),
            1 => 0,
            _ => src.range(-12, 12),
        };
    }
    let shape_v = &shape[..nd];
    let in_strides: Vec<i64> = if strides_null {
        c_strides(shape_v)
    } else {
        strides[..nd].to_vec()
    };
    let out_st = |k: usize| -> Vec<i64> {
        if out_strides_null {
            c_strides(shape_v)
        } else {
            out_strides[k * nd..k * nd + nd].to_vec()
        }
    };

    // memory: spans over the input shape bound the outputs' (an output
    // extent is never larger than the input's)
    let nouts = naxes_guess.min(MAXD);
    let empty = shape_v.contains(&0);
    let valid_shape = nd > 0 && shape_v.iter().all(|&n| n >= 0);
    let backable = |st: &[i64], elem: usize| -> Option<(i128, i128)> {
        if !valid_shape {
            return None;
        }
        if empty {
            return Some((0, 0));
        }
        // many elements in a small span (stride 0): bounded work too
        shape_v
            .iter()
            .try_fold(1i64, |a, &n| a.checked_mul(n))
            .filter(|&c| c <= MAX_ELEMS)?;
        let (lo, hi) = span(shape_v, st)?;
        let (lo, hi) = (
            lo.checked_mul(elem as i128)?,
            hi.checked_mul(elem as i128)?.checked_add(elem as i128)?,
        );
        (hi.checked_sub(lo)? <= MAX_SPAN).then_some((lo, hi))
    };
    let in_span = backable(&in_strides, ie);
    let out_spans: Vec<Option<(i128, i128)>> =
        (0..nouts).map(|k| backable(&out_st(k), oe)).collect();
    let poison = in_span.is_none() || out_spans.iter().any(|s| s.is_none());
    let count = shape_v
        .iter()
        .fold(1i64, |a, &n| a.saturating_mul(n.max(0)));
    if !poison && threads > 4 && count >= 1 << 15 {
        // at most 4 worker threads on arrays big enough to split (bounded
        // run time); more only where the library stays on the caller
        threads = 4;
    }
    let arena = src.chance(1, 3);
    let shift_f = if src.chance(1, 16) {
        src.range(1, 7) as usize
    } else {
        0
    };
    let shift_out = if src.chance(1, 16) {
        src.range(1, 7) as usize
    } else {
        0
    };
    let mut mem = if arena {
        // one buffer; the input and every output at chosen offsets
        let (flo, fhi) = in_span.unwrap_or((0, 16));
        let mut len = (fhi - flo) as usize + 64;
        let f_at = (0usize, (-flo) as usize + shift_f);
        let mut out_at = Vec::new();
        for s in &out_spans {
            let (lo, hi) = s.unwrap_or((0, 16));
            let off = if src.chance(1, 4) {
                // somewhere over what is already there: overlap likely
                src.below(len as u64) as usize / 8 * 8
            } else {
                len
            };
            let base = off + (-lo) as usize;
            out_at.push((0usize, base + shift_out));
            len = len.max(base + hi as usize + 64);
        }
        Mem {
            bufs: vec![Buf::new(len + 64, 0xA5)],
            f_at,
            out_at,
        }
    } else {
        let (flo, fhi) = in_span.unwrap_or((0, 16));
        let mut bufs = vec![Buf::new((fhi - flo) as usize + shift_f + 8, 0xA5)];
        let f_at = (0usize, (-flo) as usize + shift_f);
        let mut out_at = Vec::new();
        for s in &out_spans {
            let (lo, hi) = s.unwrap_or((0, 16));
            bufs.push(Buf::new((hi - lo) as usize + shift_out + 8, 0xA5));
            out_at.push((bufs.len() - 1, (-lo) as usize + shift_out));
        }
        Mem { bufs, f_at, out_at }
    };
    let mut outs: Vec<*mut c_void> = vec![null_mut(); MAXD];
    if !poison {
        for (k, &at) in mem.out_at.iter().enumerate() {
            outs[k] = mem.ptr(at) as *mut c_void;
        }
        if src.chance(1, 30) && nouts > 0 {
            outs[src.below(nouts as u64) as usize] = null_mut();
        }
    }
    let f: *const c_void = if src.chance(1, 60) {
        null()
    } else {
        mem.ptr(mem.f_at) as *const c_void
    };
    let err_mode = src.below(4);
    let shape_ptr = if src.chance(1, 80) {
        null()
    } else {
        shape.as_ptr()
    };
    let out_ptr = if src.chance(1, 80) {
        null()
    } else {
        outs.as_ptr()
    };
    // the data: random bytes from a PRNG seeded by the input (the fuzzer's
    // bytes go to the structure of the call)
    let mut rng = Rng(src.next_u64());
    for b in mem.bufs.iter_mut() {
        for x in b.bytes_mut().chunks_mut(8) {
            let v = match rng.below(8) {
                0 => rng.next_u64(),
                _ => rng.value().to_bits(),
            }
            .to_le_bytes();
            x.copy_from_slice(&v[..x.len()]);
        }
    }

    // the call
    let opts = grad_options {
        size,
        threads,
        accuracy,
        reserved,
        boundaries: if boundaries_set {
            codes.as_ptr()
        } else {
            null()
        },
        periods: if periods_set {
            periods.as_ptr()
        } else {
            null()
        },
    };
    let before = mem.snapshot();
    let mut err = grad_error {
        status: -12345,
        axis: -12345,
        message: [0x5a; 256],
    };
    let mut err_bytes = Buf::new(size_of::<grad_error>() + 8, 0x3c);
    let err_ptr: *mut grad_error = match err_mode {
        0 => null_mut(),
        1 => err_bytes.ptr().wrapping_add(1) as *mut grad_error,
        _ => &mut err,
    };
    let strides_ptr = if strides_null {
        null()
    } else {
        strides.as_ptr()
    };
    let axes_ptr = if axes_null { null() } else { axes.as_ptr() };
    let spacing_ptr = if spacing_null {
        null()
    } else {
        spacing.as_ptr()
    };
    let out_strides_ptr = if out_strides_null {
        null()
    } else {
        out_strides.as_ptr()
    };
    let mut opts_buf = [0u64; 8];
    // SAFETY: the buffer is 64 bytes, 8-aligned, and larger than grad_options.
    unsafe { (opts_buf.as_mut_ptr() as *mut grad_options).write(opts) };
    if let Some(t) = tail_byte {
        // SAFETY: t < 64.
        unsafe { *(opts_buf.as_mut_ptr() as *mut u8).add(t) = 0x77 };
    }
    let opts_ptr = if options_null {
        null()
    } else {
        opts_buf.as_ptr() as *const grad_options
    };
    let status = unsafe {
        if generic {
            grad_gradient(
                dtype,
                f,
                ndim,
                shape_ptr,
                strides_ptr,
                naxes,
                axes_ptr,
                nspacing,
                spacing_ptr,
                edge_order,
                out_ptr,
                out_strides_ptr,
                opts_ptr,
                err_ptr,
            )
        } else {
            match dtype {
                GRAD_DTYPE_F64 => grad_gradient_f64(
                    f.cast(),
                    ndim,
                    shape_ptr,
                    strides_ptr,
                    naxes,
                    axes_ptr,
                    nspacing,
                    spacing_ptr,
                    edge_order,
                    out_ptr.cast(),
                    out_strides_ptr,
                    opts_ptr,
                    err_ptr,
                ),
                GRAD_DTYPE_F32 => grad_gradient_f32(
                    f.cast(),
                    ndim,
                    shape_ptr,
                    strides_ptr,
                    naxes,
                    axes_ptr,
                    nspacing,
                    spacing_ptr,
                    edge_order,
                    out_ptr.cast(),
                    out_strides_ptr,
                    opts_ptr,
                    err_ptr,
                ),
                GRAD_DTYPE_C128 => grad_gradient_c128(
                    f.cast(),
                    ndim,
                    shape_ptr,
                    strides_ptr,
                    naxes,
                    axes_ptr,
                    nspacing,
                    spacing_ptr,
                    edge_order,
                    out_ptr.cast(),
                    out_strides_ptr,
                    opts_ptr,
                    err_ptr,
                ),
                _ => grad_gradient_c64(
                    f.cast(),
                    ndim,
                    shape_ptr,
                    strides_ptr,
                    naxes,
                    axes_ptr,
                    nspacing,
                    spacing_ptr,
                    edge_order,
                    out_ptr.cast(),
                    out_strides_ptr,
                    opts_ptr,
                    err_ptr,
                ),
            }
        }
    };
    let outcome = Outcome {
        status,
        err: (err_mode >= 2).then_some(err),
        err_untouched: err_bytes.bytes_mut().iter().all(|&b| b == 0x3c),
    };
    if let Err(e) = check_outcome(&outcome) {
        panic!("{e}");
    }
    if status != GRAD_STATUS_OK {
        assert!(
            mem.snapshot() == before,
            "status {status}: a buffer was written"
        );
        return;
    }

    // Accepted: rebuild the call for the safe API from the raw arguments.
    let naxes_n = if axes_null { nd } else { naxes as usize };
    let shape_u: Vec<usize> = shape_v.iter().map(|&n| n as usize).collect();
    let axes_l: Option<Vec<isize>> =
        (!axes_null).then(|| axes[..naxes_n].iter().map(|&a| a as isize).collect());
    let sp: Vec<Spacing<'_>> = spacing[..nspacing as usize]
        .iter()
        .map(|e| match e.kind {
            GRAD_SPACING_UNIT => Spacing::Unit,
            GRAD_SPACING_UNIFORM => Spacing::Uniform(e.delta),
            GRAD_SPACING_NONUNIFORM => Spacing::NonUniform(unsafe {
                std::slice::from_raw_parts(e.coords, e.coords_len as usize)
            }),
            _ => Spacing::Coordinates(unsafe {
                std::slice::from_raw_parts(e.coords, e.coords_len as usize)
            }),
        })
        .collect();
    let bounds: Vec<Boundary> = if options_null || !boundaries_set {
        vec![]
    } else {
        let side = |c| {
            if c == GRAD_BOUNDARY_GHOST {
                Side::Ghost
            } else {
                Side::OneSided
            }
        };
        (0..naxes_n)
            .map(|k| match (codes[2 * k], codes[2 * k + 1]) {
                (GRAD_BOUNDARY_PERIODIC, _) => Boundary::Periodic {
                    period: periods_set.then_some(periods[k]),
                },
                (lo, hi) => Boundary::Sides {
                    lo: side(lo),
                    hi: side(hi),
                },
            })
            .collect()
    };
    // accuracy lies beyond a 0.1-sized struct: then it reads as 0.
    let accuracy_within = size as usize >= std::mem::offset_of!(grad_options, accuracy) + 4;
    let opts_safe = Options::default()
        .threads(threads.max(0) as usize)
        .boundaries(bounds)
        .accuracy(if options_null || !accuracy_within {
            0
        } else {
            accuracy as usize
        });
    let plan = Plan::with_options(
        &shape_u,
        &sp,
        axes_l.as_deref(),
        edge_order as usize,
        &opts_safe,
    )
    .unwrap_or_else(|e| panic!("the C ABI accepted what the safe API refuses: {e}"));
    if poison {
        // memory the harness could not back: accepted only without outputs,
        // and then nothing may have been touched
        assert!(plan.axes().is_empty(), "accepted a call with NULL outputs");
        assert!(
            mem.snapshot() == before,
            "no outputs, but a buffer was written"
        );
        return;
    }
    let out_shape = plan.out_shape().to_vec();
    let after = mem.snapshot();
    // who owns each byte: -1 nobody, 0 the input, k + 1 output k
    let mut owner: Vec<Vec<i32>> = mem.bufs.iter().map(|b| vec![-1; b.len]).collect();
    let in_offs = offsets(&shape_u, &in_strides, ie);
    let fb = mem.f_at;
    for &o in &in_offs {
        let at = (fb.1 as i128 + o) as usize;
        owner[fb.0][at..at + ie].iter_mut().for_each(|b| *b = 0);
    }
    let out_shape_i: Vec<i64> = out_shape.iter().map(|&n| n as i64).collect();
    let mut out_offs = Vec::new();
    for k in 0..plan.axes().len() {
        let st = if out_strides_null {
            c_strides(&out_shape_i)
        } else {
            out_st(k)
        };
        let offs = offsets(&out_shape, &st, oe);
        let (bi, base) = mem.out_at[k];
        for &o in &offs {
            let at = (base as i128 + o) as usize;
            for b in &mut owner[bi][at..at + oe] {
                assert!(
                    *b == -1,
                    "accepted output {k} overlaps region {b} (0 = input)"
                );
                *b = k as i32 + 1;
            }
        }
        out_offs.push(offs);
    }
    for (i, (a, b)) in after.iter().zip(&before).enumerate() {
        for byte in 0..a.len() {
            if owner[i][byte] <= 0 {
                assert!(
                    a[byte] == b[byte],
                    "byte {byte} of buffer {i}, outside the outputs, was written"
                );
            }
        }
    }
    let ctx = Ctx {
        before: &before,
        after: &after,
        f_at: fb,
        in_offs: &in_offs,
        shape: &shape_u,
        out_at: &mem.out_at,
        out_offs: &out_offs,
        plan: &plan,
        dtype,
    };
    match dtype {
        GRAD_DTYPE_F64 => ctx.check::<f64>(),
        GRAD_DTYPE_F32 => ctx.check::<f32>(),
        GRAD_DTYPE_C128 => ctx.check::<Complex<f64>>(),
        GRAD_DTYPE_C64 => ctx.check::<Complex<f32>>(),
        GRAD_DTYPE_I8 => ctx.check::<i8>(),
        GRAD_DTYPE_I16 => ctx.check::<i16>(),
        GRAD_DTYPE_I32 => ctx.check::<i32>(),
        GRAD_DTYPE_I64 => ctx.check::<i64>(),
        GRAD_DTYPE_U8 => ctx.check::<u8>(),
        GRAD_DTYPE_U16 => ctx.check::<u16>(),
        GRAD_DTYPE_U32 => ctx.check::<u32>(),
        _ => ctx.check::<u64>(),
    }
}

/// What an accepted call must have computed.
struct Ctx<'a> {
    before: &'a [Vec<u8>],
    after: &'a [Vec<u8>],
    f_at: (usize, usize),
    in_offs: &'a [i128],
    shape: &'a [usize],
    out_at: &'a [(usize, usize)],
    out_offs: &'a [Vec<i128>],
    plan: &'a Plan<'a>,
    dtype: i32,
}

impl Ctx<'_> {
    /// The safe API on a contiguous copy of the input, bit for bit (NaN for
    /// NaN).
    fn check<I: Element>(&self) {
        let src = &self.before[self.f_at.0];
        let vals: Vec<I> = self
            .in_offs
            .iter()
            .map(|&o| unsafe {
                (src.as_ptr().add((self.f_at.1 as i128 + o) as usize) as *const I).read_unaligned()
            })
            .collect();
        let f = ArrayD::from_shape_vec(IxDyn(self.shape), vals).unwrap();
        let mut want: Vec<ArrayD<I::Output>> = (0..self.plan.axes().len())
            .map(|_| ArrayD::from_elem(IxDyn(self.plan.out_shape()), I::Output::zero()))
            .collect();
        let mut views: Vec<_> = want.iter_mut().map(|w| w.view_mut()).collect();
        self.plan.run(&f, &mut views).unwrap();
        let osz = size_of::<I::Output>();
        for (k, w) in want.iter().enumerate() {
            let (bi, base) = self.out_at[k];
            for (&o, v) in self.out_offs[k].iter().zip(w.iter()) {
                let at = (base as i128 + o) as usize;
                let got = &self.after[bi][at..at + osz];
                let exp =
                    unsafe { std::slice::from_raw_parts(v as *const I::Output as *const u8, osz) };
                assert!(
                    same_value(self.dtype, got, exp),
                    "output {k} differs from the safe API"
                );
            }
        }
    }
}
