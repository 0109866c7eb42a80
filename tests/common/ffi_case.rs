//! Random C ABI calls with memory the test owns, and mutations that make
//! them invalid in known ways.
//!
//! A [`FfiCase`] is a valid call: a random dtype and entry point, a random
//! shape and call (from [`super::gen_call`]), an input stored in a random
//! strided layout (permuted, reversed, with gaps, sometimes stride 0) inside
//! a buffer sized exactly for it, and outputs likewise. Every pointer and
//! stride it passes stays inside the buffers it owns.
//!
//! A [`Mutation`] breaks one argument so that the library must refuse the
//! call with a known status at a known stage of the check order of docs/reference.md;
//! with several mutations the earliest stage must be the one reported.
//! Mutations never make the library read beyond what the test owns: a
//! broken count or pointer is always one the library must stop at before
//! reading through it (for example `naxes > ndim` is refused before `axes`
//! is read).
//!
//! Used by tests/ffi_contract.rs and, with the fuzzer's bytes as the
//! source, by fuzz/fuzz_targets/ffi_mutations.rs.

use std::ffi::c_void;
use std::mem::size_of;
use std::ptr::{null, null_mut};

use gradient::ffi::*;
use gradient::{Complex, Element};
use ndarray::{ArrayD, IxDyn};

use super::gen::Source;
use super::reference::{self, RBoundary, RCall, RSpacing};
use super::{gen_call, gen_shape, Layout};

/// The byte written everywhere the library must not write.
pub const FILL: u8 = 0xA5;

/// An 8-aligned byte buffer (every element type aligns to at most 8).
#[derive(Clone)]
pub struct Buf {
    words: Vec<u64>,
    pub len: usize,
}

impl Buf {
    pub fn new(len: usize, fill: u8) -> Buf {
        Buf {
            words: vec![u64::from_ne_bytes([fill; 8]); len.div_ceil(8).max(1)],
            len,
        }
    }
    pub fn ptr(&self) -> *mut u8 {
        self.words.as_ptr() as *mut u8
    }
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the words hold at least len bytes.
        unsafe { std::slice::from_raw_parts(self.ptr(), self.len) }
    }
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        unsafe { std::slice::from_raw_parts_mut(self.words.as_mut_ptr() as *mut u8, self.len) }
    }
}

/// An array of `shape` in a buffer: element 0 at byte `base`, element
/// strides `strides`.
#[derive(Clone)]
pub struct Strided {
    pub buf: Buf,
    pub base: usize,
    pub strides: Vec<i64>,
    pub elem: usize,
}

impl Strided {
    /// A random layout for `shape` (`zero_strides`: allow stride 0 on an
    /// extent > 1, valid for inputs only).
    pub fn random(
        src: &mut impl Source,
        shape: &[usize],
        elem: usize,
        zero_strides: bool,
    ) -> Strided {
        let ndim = shape.len();
        let layout = Layout::random(src, ndim);
        let alloc = layout.alloc_shape(shape);
        let mut phys = vec![0i64; ndim];
        let mut acc = 1i64;
        for j in (0..ndim).rev() {
            phys[j] = acc;
            acc *= alloc[j].max(1) as i64;
        }
        let total: usize = alloc.iter().product();
        let mut strides = vec![0i64; ndim];
        for (j, &d) in layout.perm.iter().enumerate() {
            strides[d] = phys[j] * layout.step[d] as i64;
        }
        if zero_strides && src.chance(1, 8) {
            let d = src.below(ndim as u64) as usize;
            strides[d] = 0;
        }
        let mut base = 0i64;
        for d in 0..ndim {
            if layout.rev[d] && shape[d] > 0 {
                base += (shape[d] as i64 - 1) * strides[d];
                strides[d] = -strides[d];
            }
        }
        let front = src.below(3) as usize;
        let back = src.below(3) as usize;
        let elems = total + front + back + 1;
        Strided {
            buf: Buf::new(elems * elem, FILL),
            base: (base as usize + front) * elem,
            strides,
            elem,
        }
    }

    /// C-contiguous at the start of a fresh buffer.
    pub fn c_order(shape: &[usize], elem: usize) -> Strided {
        let ndim = shape.len();
        let mut strides = vec![0i64; ndim];
        let mut acc = 1i64;
        for d in (0..ndim).rev() {
            strides[d] = acc;
            acc *= shape[d].max(1) as i64;
        }
        let total: usize = shape.iter().product();
        Strided {
            buf: Buf::new((total + 1) * elem, FILL),
            base: 0,
            strides,
            elem,
        }
    }

    pub fn ptr(&self) -> *mut u8 {
        self.buf.ptr().wrapping_add(self.base)
    }

    /// Byte offsets (in the buffer) of the elements, logical C order.
    pub fn offsets(&self, shape: &[usize]) -> Vec<usize> {
        let mut out = Vec::new();
        if shape.contains(&0) {
            return out;
        }
        let mut idx = vec![0usize; shape.len()];
        loop {
            let mut off = self.base as i64;
            for (d, &i) in idx.iter().enumerate() {
                off += i as i64 * self.strides[d] * self.elem as i64;
            }
            out.push(off as usize);
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
}

/// Element types with a code and a random value.
pub trait Dt: Element + std::fmt::Debug {
    const CODE: i32;
    fn gen(src: &mut impl Source) -> Self;
}

macro_rules! dt_float {
    ($t:ty, $code:expr) => {
        impl Dt for $t {
            const CODE: i32 = $code;
            fn gen(src: &mut impl Source) -> Self {
                src.value() as $t
            }
        }
    };
}
dt_float!(f64, GRAD_DTYPE_F64);
dt_float!(f32, GRAD_DTYPE_F32);

impl Dt for Complex<f64> {
    const CODE: i32 = GRAD_DTYPE_C128;
    fn gen(src: &mut impl Source) -> Self {
        Complex::new(src.value(), src.value())
    }
}
impl Dt for Complex<f32> {
    const CODE: i32 = GRAD_DTYPE_C64;
    fn gen(src: &mut impl Source) -> Self {
        Complex::new(src.value() as f32, src.value() as f32)
    }
}

macro_rules! dt_int {
    ($t:ty, $code:expr) => {
        impl Dt for $t {
            const CODE: i32 = $code;
            fn gen(src: &mut impl Source) -> Self {
                if src.chance(1, 2) {
                    src.range(-100, 100) as $t
                } else {
                    src.next_u64() as $t
                }
            }
        }
    };
}
dt_int!(i8, GRAD_DTYPE_I8);
dt_int!(i16, GRAD_DTYPE_I16);
dt_int!(i32, GRAD_DTYPE_I32);
dt_int!(i64, GRAD_DTYPE_I64);
dt_int!(u8, GRAD_DTYPE_U8);
dt_int!(u16, GRAD_DTYPE_U16);
dt_int!(u32, GRAD_DTYPE_U32);
dt_int!(u64, GRAD_DTYPE_U64);

/// (input, output) element sizes of a dtype code.
pub fn elem_sizes(dtype: i32) -> (usize, usize) {
    match dtype {
        GRAD_DTYPE_F64 => (8, 8),
        GRAD_DTYPE_F32 => (4, 4),
        GRAD_DTYPE_C128 => (16, 16),
        GRAD_DTYPE_C64 => (8, 8),
        GRAD_DTYPE_I8 | GRAD_DTYPE_U8 => (1, 8),
        GRAD_DTYPE_I16 | GRAD_DTYPE_U16 => (2, 8),
        GRAD_DTYPE_I32 | GRAD_DTYPE_U32 => (4, 8),
        _ => (8, 8),
    }
}

/// The output alignment of a dtype code.
pub fn out_align(dtype: i32) -> usize {
    match dtype {
        GRAD_DTYPE_F32 | GRAD_DTYPE_C64 => 4,
        _ => 8,
    }
}

fn in_align(dtype: i32) -> usize {
    match dtype {
        GRAD_DTYPE_C64 => 4,
        d => elem_sizes(d).0.min(8),
    }
}

/// How `err` is passed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ErrMode {
    Null,
    Valid,
    /// Misaligned: the library must not write it.
    Misaligned,
}

/// A valid call with its memory.
#[derive(Clone)]
pub struct FfiCase {
    pub dtype: i32,
    /// grad_gradient (true) or the typed entry point (f64/f32/c64/c128).
    pub generic: bool,
    pub shape: Vec<usize>,
    pub call: RCall,
    pub input: Strided,
    pub in_strides_null: bool,
    pub outs: Vec<Strided>,
    pub out_strides_null: bool,
    pub out_shape: Vec<usize>,
    pub options_null: bool,
    pub threads: i32,
    pub err: ErrMode,
    /// `grad_options.accuracy` (0 from [`FfiCase::random`]).
    pub accuracy: i32,
    /// COORDINATES entries passed as NONUNIFORM (false from
    /// [`FfiCase::random`]).
    pub nonuniform: bool,
}

impl FfiCase {
    /// A random valid call (retries until the reference accepts one).
    pub fn random(src: &mut impl Source) -> FfiCase {
        let mut tries = 0;
        loop {
            let mut shape = gen_shape(src);
            let mut call = gen_call(src, &mut shape);
            tries += 1;
            if tries > 20 {
                // a source that keeps making invalid calls (the fuzzer's
                // bytes running out give zeros): make this one valid
                for n in shape.iter_mut() {
                    *n = (*n).max(3);
                }
                call = RCall {
                    spacing: vec![],
                    axes: None,
                    edge_order: 1,
                    boundaries: vec![],
                };
            }
            let Ok(r) = reference::validate(&shape, &call) else {
                continue;
            };
            let dtype = src.below(12) as i32;
            let generic = dtype > GRAD_DTYPE_C64 || src.chance(1, 2);
            let (ie, oe) = elem_sizes(dtype);
            let in_strides_null = src.chance(1, 4);
            let input = if in_strides_null {
                Strided::c_order(&shape, ie)
            } else {
                Strided::random(src, &shape, ie, true)
            };
            let out_strides_null = src.chance(1, 4);
            let outs = (0..r.axes.len())
                .map(|_| {
                    if out_strides_null {
                        Strided::c_order(&r.out_shape, oe)
                    } else {
                        Strided::random(src, &r.out_shape, oe, false)
                    }
                })
                .collect();
            let options_null = call.boundaries.is_empty() && src.chance(1, 2);
            let threads = *src.pick(&[-3, 0, 1, 1, 2, 3]);
            let err = match src.below(5) {
                0 => ErrMode::Null,
                1 => ErrMode::Misaligned,
                _ => ErrMode::Valid,
            };
            let mut case = FfiCase {
                dtype,
                generic,
                shape,
                call,
                input,
                in_strides_null,
                outs,
                out_strides_null,
                out_shape: r.out_shape,
                options_null,
                threads,
                err,
                accuracy: 0,
                nonuniform: false,
            };
            case.fill_input(src);
            return case;
        }
    }

    fn fill_input(&mut self, src: &mut impl Source) {
        fn fill<T: Dt>(s: &mut Strided, src: &mut impl Source) {
            let n = s.buf.len / size_of::<T>();
            let p = s.buf.ptr() as *mut T;
            for i in 0..n {
                // SAFETY: inside the buffer, aligned (8-aligned buffer,
                // offsets multiples of the element size).
                unsafe { p.add(i).write_unaligned(T::gen(src)) };
            }
        }
        let s = &mut self.input;
        match self.dtype {
            GRAD_DTYPE_F64 => fill::<f64>(s, src),
            GRAD_DTYPE_F32 => fill::<f32>(s, src),
            GRAD_DTYPE_C128 => fill::<Complex<f64>>(s, src),
            GRAD_DTYPE_C64 => fill::<Complex<f32>>(s, src),
            GRAD_DTYPE_I8 => fill::<i8>(s, src),
            GRAD_DTYPE_I16 => fill::<i16>(s, src),
            GRAD_DTYPE_I32 => fill::<i32>(s, src),
            GRAD_DTYPE_I64 => fill::<i64>(s, src),
            GRAD_DTYPE_U8 => fill::<u8>(s, src),
            GRAD_DTYPE_U16 => fill::<u16>(s, src),
            GRAD_DTYPE_U32 => fill::<u32>(s, src),
            _ => fill::<u64>(s, src),
        }
    }

    pub fn naxes(&self) -> usize {
        self.outs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shape.contains(&0)
    }

    /// The raw arguments of this call.
    pub fn args(&self) -> Args {
        let ndim = self.shape.len();
        let axes = self
            .call
            .axes
            .as_ref()
            .map(|l| l.iter().map(|&a| a as i32).collect::<Vec<i32>>());
        let coords: Vec<Vec<f64>> = self
            .call
            .spacing
            .iter()
            .map(|s| match s {
                RSpacing::Coords(x) => x.clone(),
                _ => Vec::new(),
            })
            .collect();
        let spacing = self
            .call
            .spacing
            .iter()
            .zip(&coords)
            .map(|(s, x)| match s {
                RSpacing::Unit => grad_spacing {
                    kind: GRAD_SPACING_UNIT,
                    delta: 0.0,
                    coords: null(),
                    coords_len: 0,
                },
                RSpacing::Uniform(h) => grad_spacing {
                    kind: GRAD_SPACING_UNIFORM,
                    delta: *h,
                    coords: null(),
                    coords_len: 0,
                },
                RSpacing::Coords(_) => grad_spacing {
                    kind: if self.nonuniform {
                        GRAD_SPACING_NONUNIFORM
                    } else {
                        GRAD_SPACING_COORDINATES
                    },
                    delta: 0.0,
                    coords: x.as_ptr(),
                    coords_len: x.len() as i64,
                },
            })
            .collect();
        let (boundaries, periods) = if self.call.boundaries.is_empty() {
            (None, None)
        } else {
            let mut codes = Vec::new();
            let mut periods = Vec::new();
            let mut any_period = false;
            for b in &self.call.boundaries {
                match *b {
                    RBoundary::OneSided => codes.extend([GRAD_BOUNDARY_ONE_SIDED; 2]),
                    RBoundary::Periodic(p) => {
                        codes.extend([GRAD_BOUNDARY_PERIODIC; 2]);
                        any_period |= p.is_some();
                    }
                    RBoundary::Sides(lo, hi) => {
                        let c = |g: bool| {
                            if g {
                                GRAD_BOUNDARY_GHOST
                            } else {
                                GRAD_BOUNDARY_ONE_SIDED
                            }
                        };
                        codes.extend([c(lo), c(hi)]);
                    }
                }
                periods.push(match *b {
                    RBoundary::Periodic(Some(p)) => p,
                    _ => 0.0,
                });
            }
            (Some(codes), any_period.then_some(periods))
        };
        let out_strides = (!self.out_strides_null).then(|| {
            self.outs
                .iter()
                .flat_map(|o| o.strides.iter().copied())
                .collect::<Vec<i64>>()
        });
        Args {
            dtype: self.dtype,
            generic: self.generic,
            f: self.input.ptr() as *const u8,
            ndim: ndim as i32,
            shape: Some(self.shape.iter().map(|&n| n as i64).collect()),
            strides: (!self.in_strides_null).then(|| self.input.strides.clone()),
            naxes: self.naxes() as i32,
            axes,
            nspacing: self.call.spacing.len() as i32,
            spacing: Some(spacing),
            coords,
            edge_order: self.call.edge_order as i32,
            out: Some(self.outs.iter().map(|o| o.ptr() as *mut c_void).collect()),
            out_strides,
            options: (!self.options_null).then_some(Opts {
                size: size_of::<grad_options>() as u32,
                threads: self.threads,
                boundaries,
                periods,
                accuracy: self.accuracy,
                reserved: 0,
                tail: None,
            }),
            err: self.err,
        }
    }

    /// Every byte of every buffer, to compare after a call.
    pub fn snapshot(&self) -> Vec<Vec<u8>> {
        std::iter::once(&self.input)
            .chain(&self.outs)
            .map(|s| s.buf.bytes().to_vec())
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct Opts {
    pub size: u32,
    pub threads: i32,
    pub boundaries: Option<Vec<i32>>,
    pub periods: Option<Vec<f64>>,
    pub accuracy: i32,
    pub reserved: i32,
    /// A nonzero byte at this offset beyond sizeof(grad_options) (`size`
    /// must reach it).
    pub tail: Option<usize>,
}

/// The raw arguments; `None` for an array argument passes NULL.
#[derive(Clone, Debug)]
pub struct Args {
    pub dtype: i32,
    pub generic: bool,
    pub f: *const u8,
    pub ndim: i32,
    pub shape: Option<Vec<i64>>,
    pub strides: Option<Vec<i64>>,
    pub naxes: i32,
    pub axes: Option<Vec<i32>>,
    pub nspacing: i32,
    pub spacing: Option<Vec<grad_spacing>>,
    /// Backing store of the coordinate pointers (kept alive).
    pub coords: Vec<Vec<f64>>,
    pub edge_order: i32,
    pub out: Option<Vec<*mut c_void>>,
    pub out_strides: Option<Vec<i64>>,
    pub options: Option<Opts>,
    pub err: ErrMode,
}

fn ptr_or_null<T>(v: &Option<Vec<T>>) -> *const T {
    v.as_ref().map_or(null(), |v| v.as_ptr())
}

/// The outcome of one call.
pub struct Outcome {
    pub status: grad_status,
    /// The grad_error, when `err` was passed valid.
    pub err: Option<grad_error>,
    /// The misaligned err buffer was left alone.
    pub err_untouched: bool,
}

impl Args {
    /// The options in a zeroed buffer as long as their `size` says (a
    /// size over 4096 is refused unread).
    fn options_buf(&self) -> Option<Vec<u64>> {
        self.options.as_ref().map(|o| {
            let full = size_of::<grad_options>();
            let len = if o.size as usize <= 4096 {
                (o.size as usize).max(full)
            } else {
                full
            };
            let mut buf = vec![0u64; len.div_ceil(8)];
            let head = grad_options {
                size: o.size,
                threads: o.threads,
                boundaries: ptr_or_null(&o.boundaries),
                periods: ptr_or_null(&o.periods),
                accuracy: o.accuracy,
                reserved: o.reserved,
            };
            // SAFETY: the buffer is 8-aligned and at least sizeof(grad_options).
            unsafe { (buf.as_mut_ptr() as *mut grad_options).write(head) };
            if let Some(t) = o.tail {
                // SAFETY: t < len (the mutation sets size past it).
                unsafe { *(buf.as_mut_ptr() as *mut u8).add(t) = 0x5a };
            }
            buf
        })
    }

    /// Call the library.
    ///
    /// # Safety
    /// Every pointer must be valid for what the library reads and writes
    /// with these arguments (FfiCase and the mutations guarantee it).
    pub unsafe fn invoke(&self) -> Outcome {
        let opts = self.options_buf();
        let opts_ptr = opts
            .as_ref()
            .map_or(null(), |o| o.as_ptr() as *const grad_options);
        let mut err = grad_error {
            status: -12345,
            axis: -12345,
            message: [0x5a; 256],
        };
        let mut err_bytes = Buf::new(size_of::<grad_error>() + 8, 0x3c);
        let err_ptr: *mut grad_error = match self.err {
            ErrMode::Null => null_mut(),
            ErrMode::Valid => &mut err,
            ErrMode::Misaligned => err_bytes.ptr().wrapping_add(1) as *mut grad_error,
        };
        let f = self.f as *const c_void;
        let shape = ptr_or_null(&self.shape);
        let strides = ptr_or_null(&self.strides);
        let axes = ptr_or_null(&self.axes);
        let spacing = ptr_or_null(&self.spacing);
        let out = ptr_or_null(&self.out);
        let out_strides = ptr_or_null(&self.out_strides);
        let status = unsafe {
            if self.generic {
                grad_gradient(
                    self.dtype,
                    f,
                    self.ndim,
                    shape,
                    strides,
                    self.naxes,
                    axes,
                    self.nspacing,
                    spacing,
                    self.edge_order,
                    out,
                    out_strides,
                    opts_ptr,
                    err_ptr,
                )
            } else {
                match self.dtype {
                    GRAD_DTYPE_F64 => grad_gradient_f64(
                        f.cast(),
                        self.ndim,
                        shape,
                        strides,
                        self.naxes,
                        axes,
                        self.nspacing,
                        spacing,
                        self.edge_order,
                        out.cast(),
                        out_strides,
                        opts_ptr,
                        err_ptr,
                    ),
                    GRAD_DTYPE_F32 => grad_gradient_f32(
                        f.cast(),
                        self.ndim,
                        shape,
                        strides,
                        self.naxes,
                        axes,
                        self.nspacing,
                        spacing,
                        self.edge_order,
                        out.cast(),
                        out_strides,
                        opts_ptr,
                        err_ptr,
                    ),
                    GRAD_DTYPE_C128 => grad_gradient_c128(
                        f.cast(),
                        self.ndim,
                        shape,
                        strides,
                        self.naxes,
                        axes,
                        self.nspacing,
                        spacing,
                        self.edge_order,
                        out.cast(),
                        out_strides,
                        opts_ptr,
                        err_ptr,
                    ),
                    _ => grad_gradient_c64(
                        f.cast(),
                        self.ndim,
                        shape,
                        strides,
                        self.naxes,
                        axes,
                        self.nspacing,
                        spacing,
                        self.edge_order,
                        out.cast(),
                        out_strides,
                        opts_ptr,
                        err_ptr,
                    ),
                }
            }
        };
        let err_untouched = err_bytes.bytes_mut().iter().all(|&b| b == 0x3c);
        Outcome {
            status,
            err: (self.err == ErrMode::Valid).then_some(err),
            err_untouched,
        }
    }
}

/// The outcome of a plan made and run with the same arguments as a call.
pub struct PlanOutcome {
    /// The create's, or the execute's when create succeeded.
    pub outcome: Outcome,
    /// grad_plan_create succeeded.
    pub created: bool,
    /// A failed create left `*plan` NULL.
    pub null_on_failure: bool,
    /// The create's own outcome (checked like every call's).
    pub create: Outcome,
}

impl Args {
    fn err_for(&self, err: &mut grad_error, spare: &mut Buf) -> *mut grad_error {
        *err = grad_error {
            status: -12345,
            axis: -12345,
            message: [0x5a; 256],
        };
        match self.err {
            ErrMode::Null => null_mut(),
            ErrMode::Valid => err,
            ErrMode::Misaligned => spare.ptr().wrapping_add(1) as *mut grad_error,
        }
    }

    /// grad_plan_create with these arguments, on copies of every argument
    /// array that are scribbled over and freed right after create (the plan
    /// must have copied them). Returns the outcome and the plan (NULL after
    /// a failure, checked: `null_on_failure`).
    ///
    /// # Safety
    /// As [`Args::invoke`].
    pub unsafe fn create_plan(&self) -> (Outcome, *mut grad_plan) {
        let mut copy = self.clone();
        if let Some(sp) = copy.spacing.as_mut() {
            for e in sp.iter_mut() {
                let j = self.coords.iter().position(|x| x.as_ptr() == e.coords);
                if let (false, Some(j)) = (e.coords.is_null(), j) {
                    e.coords = copy.coords[j].as_ptr();
                }
            }
        }
        let mut opts = copy.options_buf();
        let opts_ptr = opts
            .as_ref()
            .map_or(null(), |o| o.as_ptr() as *const grad_options);
        let mut err = grad_error {
            status: 0,
            axis: 0,
            message: [0; 256],
        };
        let mut spare = Buf::new(size_of::<grad_error>() + 8, 0x3c);
        let err_ptr = self.err_for(&mut err, &mut spare);
        let mut plan: *mut grad_plan = 1usize as *mut grad_plan;
        let status = unsafe {
            grad_plan_create(
                &mut plan,
                copy.dtype,
                copy.ndim,
                ptr_or_null(&copy.shape),
                ptr_or_null(&copy.strides),
                copy.naxes,
                ptr_or_null(&copy.axes),
                copy.nspacing,
                ptr_or_null(&copy.spacing),
                copy.edge_order,
                ptr_or_null(&copy.out_strides),
                opts_ptr,
                err_ptr,
            )
        };
        let create = Outcome {
            status,
            err: (self.err == ErrMode::Valid).then_some(err),
            err_untouched: spare.bytes_mut().iter().all(|&b| b == 0x3c),
        };
        // Scribble over every argument array, then free them.
        copy.shape.iter_mut().flatten().for_each(|v| *v = -7);
        copy.strides
            .iter_mut()
            .flatten()
            .for_each(|v| *v = i64::MIN);
        copy.axes.iter_mut().flatten().for_each(|v| *v = 99);
        copy.coords.iter_mut().flatten().for_each(|v| *v = f64::NAN);
        copy.out_strides.iter_mut().flatten().for_each(|v| *v = 0);
        if let Some(o) = copy.options.as_mut() {
            o.boundaries.iter_mut().flatten().for_each(|v| *v = 77);
            o.periods.iter_mut().flatten().for_each(|v| *v = f64::NAN);
        }
        opts.iter_mut().flatten().for_each(|v| *v = u64::MAX);
        copy.spacing.iter_mut().flatten().for_each(|e| {
            e.kind = 55;
            e.coords_len = -1;
        });
        drop(opts);
        drop(copy);
        (create, plan)
    }

    /// grad_plan_execute of `plan` on these arguments' `f` and `out`.
    ///
    /// # Safety
    /// As [`Args::invoke`]; `plan` from [`Args::create_plan`] of arguments
    /// with the same layout, not destroyed.
    pub unsafe fn execute_plan(&self, plan: *const grad_plan) -> Outcome {
        let mut err = grad_error {
            status: 0,
            axis: 0,
            message: [0; 256],
        };
        let mut spare = Buf::new(size_of::<grad_error>() + 8, 0x3c);
        let err_ptr = self.err_for(&mut err, &mut spare);
        let status = unsafe {
            grad_plan_execute(
                plan,
                self.f as *const c_void,
                ptr_or_null(&self.out),
                err_ptr,
            )
        };
        Outcome {
            status,
            err: (self.err == ErrMode::Valid).then_some(err),
            err_untouched: spare.bytes_mut().iter().all(|&b| b == 0x3c),
        }
    }

    /// The same arguments through a plan: [`Args::create_plan`], then
    /// [`Args::execute_plan`], then grad_plan_destroy.
    ///
    /// # Safety
    /// As [`Args::invoke`].
    pub unsafe fn invoke_plan(&self) -> PlanOutcome {
        let (create, plan) = unsafe { self.create_plan() };
        if create.status != GRAD_STATUS_OK {
            return PlanOutcome {
                outcome: Outcome {
                    status: create.status,
                    err: create.err,
                    err_untouched: create.err_untouched,
                },
                created: false,
                null_on_failure: plan.is_null(),
                create,
            };
        }
        let outcome = unsafe { self.execute_plan(plan) };
        unsafe { grad_plan_destroy(plan) };
        PlanOutcome {
            outcome,
            created: true,
            null_on_failure: true,
            create,
        }
    }
}

/// Run a case directly and through a plan: the same status, and the plan
/// writes every output byte exactly as the direct call (NaN for NaN),
/// touching nothing else (both write nothing when they refuse it).
pub fn check_plan_valid(case: &FfiCase) -> Result<(), String> {
    let before = case.snapshot();
    let direct = unsafe { case.args().invoke() };
    check_outcome(&direct)?;
    let after_direct = case.snapshot();
    // Back to the bytes before, so that untouched bytes compare too.
    let mut case = case.clone();
    for (s, b) in std::iter::once(&mut case.input)
        .chain(case.outs.iter_mut())
        .zip(&before)
    {
        s.buf.bytes_mut().copy_from_slice(b);
    }
    let p = unsafe { case.args().invoke_plan() };
    check_outcome(&p.create)?;
    check_outcome(&p.outcome)?;
    if !p.created && direct.status == GRAD_STATUS_OK {
        return Err(format!(
            "create failed with status {} ({}) on a valid call",
            p.outcome.status,
            p.outcome.err.as_ref().and_then(message).unwrap_or_default()
        ));
    }
    if p.outcome.status != direct.status {
        return Err(format!(
            "plan status {} != direct status {}",
            p.outcome.status, direct.status
        ));
    }
    for (k, (a, b)) in case.snapshot().iter().zip(&after_direct).enumerate() {
        if !same_value(case.dtype, a, b) {
            return Err(format!(
                "buffer {k} (0 = input) differs from the direct call's"
            ));
        }
    }
    Ok(())
}

/// A case with `chosen` applied, through a plan: refused with the status
/// of the earliest mutation create sees (or, when create sees none, of the
/// earliest execute sees), `*plan` NULL after a failed create, and no byte
/// of any buffer written.
pub fn check_plan_refused(case: &FfiCase, chosen: &[Mutation]) -> Result<(), String> {
    let before = case.snapshot();
    let mut args = case.args();
    for m in chosen {
        m.apply_to(&mut args);
    }
    let at_create: Vec<&Mutation> = chosen.iter().filter(|m| !m.at_execute()).collect();
    let want = if at_create.is_empty() {
        chosen.iter().min_by_key(|m| m.stage).unwrap().status
    } else {
        at_create.iter().min_by_key(|m| m.stage).unwrap().status
    };
    let p = unsafe { args.invoke_plan() };
    check_outcome(&p.create)?;
    check_outcome(&p.outcome)?;
    let names: Vec<&str> = chosen.iter().map(|m| m.what.as_str()).collect();
    if p.outcome.status != want {
        let m = p.outcome.err.as_ref().and_then(message).unwrap_or_default();
        return Err(format!(
            "plan, mutations {names:?}: status {} ({m}), expected {want}",
            p.outcome.status
        ));
    }
    if p.created != at_create.is_empty() {
        return Err(format!(
            "plan, mutations {names:?}: created {} but {} create-time mutations",
            p.created,
            at_create.len()
        ));
    }
    if !p.null_on_failure {
        return Err(format!(
            "plan, mutations {names:?}: *plan not NULL after a failed create"
        ));
    }
    if case.snapshot() != before {
        return Err(format!("plan, mutations {names:?}: a buffer was written"));
    }
    Ok(())
}

/// The message of a grad_error, if NUL-terminated.
pub fn message(e: &grad_error) -> Option<String> {
    let n = e.message.iter().position(|&c| c == 0)?;
    let bytes: Vec<u8> = e.message[..n].iter().map(|&c| c as u8).collect();
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Checks every call must pass: a known status, the grad_error filled
/// consistently, a misaligned err left alone.
pub fn check_outcome(o: &Outcome) -> Result<(), String> {
    let known = (0..=12).contains(&o.status);
    if !known {
        return Err(format!(
            "status {} is not a documented code (INTERNAL = a bug)",
            o.status
        ));
    }
    if !o.err_untouched {
        return Err("a misaligned err was written".into());
    }
    if let Some(e) = &o.err {
        if e.status != o.status {
            return Err(format!("err.status {} != returned {}", e.status, o.status));
        }
        let Some(m) = message(e) else {
            return Err("err.message is not NUL-terminated".into());
        };
        if (o.status == GRAD_STATUS_OK) != m.is_empty() {
            return Err(format!("err.message {m:?} for status {}", o.status));
        }
        if o.status == GRAD_STATUS_OK && e.axis != -1 {
            return Err(format!("err.axis {} on success", e.axis));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Mutations

/// One broken argument: the stage of the checking order (docs/reference.md) at which the
/// library must notice (lower = earlier), the status it must report, and
/// the field it touches (at most one mutation per field).
#[derive(Clone, Debug)]
pub struct Mutation {
    pub what: String,
    pub stage: u32,
    pub status: grad_status,
    field: String,
    apply: Apply,
}

#[derive(Clone, Debug)]
enum Apply {
    Dtype(i32),
    FNull,
    FMisalign(usize),
    ShapeNull,
    OutNull,
    SpacingNull,
    Ndim(i32),
    Shape(Vec<i64>),
    Strides(Vec<i64>),
    Axes(Option<Vec<i32>>, i32),
    NSpacing(i32),
    SpacingEntry(usize, grad_spacing, Option<Vec<f64>>),
    EdgeOrder(i32),
    Options(Opts),
    OutPtr(usize, *mut c_void),
    OutStrides(Vec<i64>),
}

pub const STAGE_DTYPE: u32 = 0;
pub const STAGE_NULL: u32 = 10;
pub const STAGE_NDIM: u32 = 20;
pub const STAGE_SHAPE: u32 = 30;
pub const STAGE_STRIDES: u32 = 40;
pub const STAGE_ALIGN: u32 = 50;
pub const STAGE_AXES: u32 = 60;
pub const STAGE_NSPACING: u32 = 70;
pub const STAGE_SPACING: u32 = 80;
pub const STAGE_EDGE: u32 = 90;
pub const STAGE_OPTIONS: u32 = 100;
pub const STAGE_LENGTHS: u32 = 110;
pub const STAGE_OUT_NULL: u32 = 120;
pub const STAGE_OUT_STRIDES: u32 = 121;
pub const STAGE_OUT_ALIGN: u32 = 122;
pub const STAGE_OUT_OVERLAP: u32 = 123;

impl Mutation {
    /// Whether the mutation is of a data or output pointer, which a plan
    /// sees only at execute.
    pub fn at_execute(&self) -> bool {
        matches!(
            self.apply,
            Apply::FNull | Apply::FMisalign(_) | Apply::OutNull | Apply::OutPtr(..)
        )
    }

    fn new(
        what: impl Into<String>,
        stage: u32,
        status: grad_status,
        field: impl Into<String>,
        apply: Apply,
    ) -> Mutation {
        Mutation {
            what: what.into(),
            stage,
            status,
            field: field.into(),
            apply,
        }
    }

    pub fn apply_to(&self, a: &mut Args) {
        match &self.apply {
            Apply::Dtype(d) => a.dtype = *d,
            Apply::FNull => a.f = null(),
            Apply::FMisalign(by) => a.f = a.f.wrapping_add(*by),
            Apply::ShapeNull => a.shape = None,
            Apply::OutNull => a.out = None,
            Apply::SpacingNull => a.spacing = None,
            Apply::Ndim(n) => a.ndim = *n,
            Apply::Shape(s) => a.shape = Some(s.clone()),
            Apply::Strides(s) => a.strides = Some(s.clone()),
            Apply::Axes(axes, naxes) => {
                a.axes = axes.clone();
                a.naxes = *naxes;
            }
            Apply::NSpacing(n) => a.nspacing = *n,
            Apply::SpacingEntry(k, e, coords) => {
                let mut e = *e;
                if let Some(c) = coords {
                    a.coords.push(c.clone());
                    e.coords = a.coords.last().unwrap().as_ptr();
                }
                if let Some(s) = a.spacing.as_mut() {
                    s[*k] = e;
                }
            }
            Apply::EdgeOrder(e) => a.edge_order = *e,
            Apply::Options(o) => a.options = Some(o.clone()),
            Apply::OutPtr(k, p) => {
                if let Some(o) = a.out.as_mut() {
                    o[*k] = *p;
                }
            }
            Apply::OutStrides(s) => a.out_strides = Some(s.clone()),
        }
    }
}

/// Every mutation that applies to `case`.
pub fn mutations(case: &FfiCase, src: &mut impl Source) -> Vec<Mutation> {
    use Apply as A;
    let mut m = Vec::new();
    let args = case.args();
    let ndim = case.shape.len();
    let naxes = case.naxes();
    let nonempty = !case.is_empty();
    let axes_norm = reference::validate(&case.shape, &case.call).unwrap().axes;

    if case.generic {
        let d = *src.pick(&[12, -1, 99, i32::MIN, i32::MAX]);
        m.push(Mutation::new(
            format!("dtype = {d}"),
            STAGE_DTYPE,
            GRAD_STATUS_INVALID_DTYPE,
            "dtype",
            A::Dtype(d),
        ));
    }
    m.push(Mutation::new(
        "f = NULL",
        STAGE_NULL,
        GRAD_STATUS_NULL_POINTER,
        "f",
        A::FNull,
    ));
    m.push(Mutation::new(
        "shape = NULL",
        STAGE_NULL,
        GRAD_STATUS_NULL_POINTER,
        "shape",
        A::ShapeNull,
    ));
    m.push(Mutation::new(
        "out = NULL",
        STAGE_NULL,
        GRAD_STATUS_NULL_POINTER,
        "out",
        A::OutNull,
    ));
    if args.nspacing > 0 {
        m.push(Mutation::new(
            "spacing = NULL",
            STAGE_NULL,
            GRAD_STATUS_NULL_POINTER,
            "nspacing", // NULL is only an error with nspacing > 0
            A::SpacingNull,
        ));
    }
    let nd = *src.pick(&[0, -1, 65, 1000, i32::MIN]);
    m.push(Mutation::new(
        format!("ndim = {nd}"),
        STAGE_NDIM,
        GRAD_STATUS_INVALID_NDIM,
        "ndim",
        A::Ndim(nd),
    ));
    {
        let mut s: Vec<i64> = case.shape.iter().map(|&n| n as i64).collect();
        let d = src.below(ndim as u64) as usize;
        let what = match src.below(3) {
            0 => {
                s[d] = *src.pick(&[-1, i64::MIN]);
                format!("shape[{d}] = {}", s[d])
            }
            _ if ndim >= 2 => {
                s[0] = 1 << 40;
                s[1] = 1 << 40;
                "shape[0] = shape[1] = 2^40 (count overflows)".to_string()
            }
            _ => {
                s[0] = *src.pick(&[i64::MAX, 1 << 61]);
                format!("shape[0] = {} (bytes overflow)", s[0])
            }
        };
        m.push(Mutation::new(
            what,
            STAGE_SHAPE,
            GRAD_STATUS_INVALID_SHAPE,
            "shape",
            A::Shape(s),
        ));
    }
    if nonempty {
        if let Some(d) = (0..ndim).find(|&d| case.shape[d] > 1) {
            let mut s = case.input.strides.clone();
            s[d] = *src.pick(&[i64::MAX, i64::MIN]);
            m.push(Mutation::new(
                format!("strides[{d}] = {}", s[d]),
                STAGE_STRIDES,
                GRAD_STATUS_INVALID_STRIDES,
                "strides",
                A::Strides(s),
            ));
        }
    }
    if in_align(case.dtype) > 1 {
        m.push(Mutation::new(
            "f misaligned",
            STAGE_ALIGN,
            GRAD_STATUS_MISALIGNED,
            "f",
            A::FMisalign(1),
        ));
    }
    // axes: never a count that would make the library read past the list
    {
        let n = ndim as i32;
        let choice = src.below(4);
        let (what, axes, na) = match (&args.axes, choice) {
            (Some(l), 0) if !l.is_empty() => {
                let mut l = l.clone();
                let k = src.below(l.len() as u64) as usize;
                l[k] = *src.pick(&[n, -n - 1, i32::MAX, i32::MIN]);
                (
                    format!("axes[{k}] = {}", l[k]),
                    Some(l.clone()),
                    l.len() as i32,
                )
            }
            (Some(l), 1) if l.len() >= 2 => {
                let mut l = l.clone();
                l[1] = l[0];
                (
                    "axes[1] = axes[0]".to_string(),
                    Some(l.clone()),
                    l.len() as i32,
                )
            }
            (Some(l), 2) => ("naxes = -1".to_string(), Some(l.clone()), -1),
            (Some(l), _) => (
                format!("naxes = ndim + 1 = {}", n + 1),
                Some(l.clone()),
                n + 1,
            ),
            (None, _) => {
                let na = *src.pick(&[n - 1, n + 1, -1, 0]);
                let na = if na == n { n + 1 } else { na };
                (format!("axes = NULL with naxes = {na} != ndim"), None, na)
            }
        };
        m.push(Mutation::new(
            what,
            STAGE_AXES,
            GRAD_STATUS_INVALID_AXIS,
            "axes",
            A::Axes(axes, na),
        ));
    }
    // spacing count
    if naxes >= 1 {
        let ns = *src.pick(&[naxes as i32 + 1, -1]);
        let ns = if ns == 1 { -1 } else { ns }; // naxes + 1 == 1 cannot happen (naxes >= 1)
        m.push(Mutation::new(
            format!("nspacing = {ns}"),
            STAGE_NSPACING,
            GRAD_STATUS_INVALID_SPACING,
            "nspacing",
            A::NSpacing(ns),
        ));
    }
    // spacing entries
    if let Some(sp) = &args.spacing {
        if !sp.is_empty() {
            let k = src.below(sp.len() as u64) as usize;
            let e = sp[k];
            let axis_len = if sp.len() == naxes {
                case.shape[axes_norm[k]]
            } else {
                0
            };
            let (what, status, entry, coords) = match src.below(6) {
                0 if e.kind == GRAD_SPACING_COORDINATES => {
                    let mut z = e;
                    z.coords = null();
                    (
                        format!("spacing[{k}].coords = NULL"),
                        GRAD_STATUS_NULL_POINTER,
                        z,
                        None,
                    )
                }
                1 if e.kind == GRAD_SPACING_COORDINATES => {
                    let mut z = e;
                    z.coords_len = *src.pick(&[e.coords_len + 1, e.coords_len - 1, -1, i64::MAX]);
                    (
                        format!("spacing[{k}].coords_len = {}", z.coords_len),
                        GRAD_STATUS_INVALID_SPACING,
                        z,
                        None,
                    )
                }
                2 if e.kind == GRAD_SPACING_COORDINATES && axis_len >= 2 => {
                    let mut x = args.coords[k].clone();
                    let i = src.below(x.len() as u64) as usize;
                    x[i] = *src.pick(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
                    (
                        format!("spacing[{k}].coords[{i}] = {}", x[i]),
                        GRAD_STATUS_INVALID_SPACING,
                        e,
                        Some(x),
                    )
                }
                3 if e.kind == GRAD_SPACING_COORDINATES && axis_len >= 2 => {
                    let mut x = args.coords[k].clone();
                    let i = src.below(x.len() as u64 - 1) as usize;
                    x[i + 1] = x[i];
                    (
                        format!("spacing[{k}].coords repeats a value at {i}"),
                        GRAD_STATUS_INVALID_SPACING,
                        e,
                        Some(x),
                    )
                }
                4 => {
                    let mut z = e;
                    z.kind = *src.pick(&[4, -1, i32::MAX]);
                    (
                        format!("spacing[{k}].kind = {}", z.kind),
                        GRAD_STATUS_INVALID_SPACING,
                        z,
                        None,
                    )
                }
                _ => {
                    let mut z = e;
                    z.kind = GRAD_SPACING_UNIFORM;
                    z.delta = *src.pick(&[0.0, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
                    (
                        format!("spacing[{k}].delta = {}", z.delta),
                        GRAD_STATUS_INVALID_SPACING,
                        z,
                        None,
                    )
                }
            };
            m.push(Mutation::new(
                what,
                STAGE_SPACING,
                status,
                "spacing",
                A::SpacingEntry(k, entry, coords),
            ));
        }
    }
    // edge_order (and, on the same field, too short an axis)
    {
        let mut longer = case.call.clone();
        longer.edge_order = 2;
        match reference::validate(&case.shape, &longer) {
            Err(s) if case.call.edge_order == 1 && src.chance(1, 2) => {
                m.push(Mutation::new(
                    "edge_order = 2 on a 2-point axis",
                    STAGE_LENGTHS,
                    s,
                    "edge_order",
                    A::EdgeOrder(2),
                ));
            }
            _ => {
                let e = *src.pick(&[0, 9, -1, i32::MAX, i32::MIN]);
                m.push(Mutation::new(
                    format!("edge_order = {e}"),
                    STAGE_EDGE,
                    GRAD_STATUS_INVALID_EDGE_ORDER,
                    "edge_order",
                    A::EdgeOrder(e),
                ));
            }
        }
    }
    // options
    {
        let base = args.options.clone().unwrap_or(Opts {
            size: size_of::<grad_options>() as u32,
            threads: 1,
            boundaries: None,
            periods: None,
            accuracy: 0,
            reserved: 0,
            tail: None,
        });
        let mut o = base.clone();
        let what = match src.below(6) {
            0 => {
                o.size = *src.pick(&[0, 16, 23, 4097, u32::MAX]);
                format!("options->size = {}", o.size)
            }
            5 => match src.below(3) {
                0 => {
                    o.accuracy = *src.pick(&[1, 3, -2, 10]);
                    format!("options->accuracy = {}", o.accuracy)
                }
                1 => {
                    o.reserved = *src.pick(&[1, -1]);
                    "options->reserved != 0".to_string()
                }
                _ => {
                    let full = size_of::<grad_options>();
                    let t = full + src.below(64) as usize;
                    o.size = (t + 1 + src.below(8) as usize) as u32;
                    o.tail = Some(t);
                    format!("options: nonzero byte {t} beyond sizeof(grad_options)")
                }
            },
            1 => {
                o.threads = *src.pick(&[1025, i32::MAX]);
                format!("options->threads = {}", o.threads)
            }
            2 if naxes >= 1 => {
                let mut codes = o
                    .boundaries
                    .clone()
                    .unwrap_or(vec![GRAD_BOUNDARY_ONE_SIDED; 2 * naxes]);
                let i = src.below(codes.len() as u64) as usize;
                codes[i] = *src.pick(&[3, -1, 7]);
                o.boundaries = Some(codes);
                format!("options->boundaries[{i}] = bad code")
            }
            3 if naxes >= 1 => {
                let mut codes = o
                    .boundaries
                    .clone()
                    .unwrap_or(vec![GRAD_BOUNDARY_ONE_SIDED; 2 * naxes]);
                let k = src.below(naxes as u64) as usize;
                codes[2 * k] = GRAD_BOUNDARY_PERIODIC;
                codes[2 * k + 1] = *src.pick(&[GRAD_BOUNDARY_ONE_SIDED, GRAD_BOUNDARY_GHOST]);
                o.boundaries = Some(codes);
                format!("options->boundaries: PERIODIC on one side of axes[{k}]")
            }
            _ => {
                // A periodic axis with coordinates and a bad period, if any.
                let k = (0..naxes).find(|&k| {
                    matches!(case.call.boundaries.get(k), Some(RBoundary::Periodic(_)))
                        && matches!(
                            case.call
                                .spacing
                                .get(if case.call.spacing.len() == 1 { 0 } else { k }),
                            Some(RSpacing::Coords(_))
                        )
                });
                match (k, o.periods.clone()) {
                    (Some(k), Some(mut p)) => {
                        p[k] = *src.pick(&[0.0, -1.0, f64::NAN, f64::INFINITY]);
                        o.periods = Some(p);
                        format!("options->periods[{k}] = bad period")
                    }
                    (Some(k), None) => format!("options->periods = NULL with axes[{k}] periodic"),
                    _ => {
                        o.size = 4;
                        "options->size = 4".to_string()
                    }
                }
            }
        };
        if what.starts_with("options->periods = NULL") {
            // the base case had periods: without them the period is missing
            o.periods = None;
        }
        m.push(Mutation::new(
            what,
            STAGE_OPTIONS,
            GRAD_STATUS_INVALID_OPTIONS,
            "options",
            A::Options(o),
        ));
    }
    // outputs
    if naxes >= 1 {
        let k = src.below(naxes as u64) as usize;
        let outs = args.out.clone().unwrap();
        let field = format!("out[{k}]");
        match src.below(4) {
            0 => m.push(Mutation::new(
                format!("out[{k}] = NULL"),
                STAGE_OUT_NULL,
                GRAD_STATUS_NULL_POINTER,
                field,
                A::OutPtr(k, null_mut()),
            )),
            1 => m.push(Mutation::new(
                format!("out[{k}] misaligned"),
                STAGE_OUT_ALIGN,
                GRAD_STATUS_MISALIGNED,
                field,
                A::OutPtr(
                    k,
                    (outs[k] as *mut u8)
                        .wrapping_add(1 + src.below(out_align(case.dtype) as u64 - 1) as usize)
                        as *mut c_void,
                ),
            )),
            2 if nonempty => {
                // another output, or the input when aligned for the output
                let f = case.input.ptr();
                if naxes >= 2 {
                    let j = (k + 1 + src.below(naxes as u64 - 1) as usize) % naxes;
                    m.push(Mutation::new(
                        format!("out[{k}] = out[{j}]"),
                        STAGE_OUT_OVERLAP,
                        GRAD_STATUS_OVERLAP,
                        field,
                        A::OutPtr(k, outs[j]),
                    ));
                } else if (f as usize) % out_align(case.dtype) == 0 {
                    m.push(Mutation::new(
                        format!("out[{k}] = f"),
                        STAGE_OUT_OVERLAP,
                        GRAD_STATUS_OVERLAP,
                        field,
                        A::OutPtr(k, f as *mut c_void),
                    ));
                }
            }
            _ if nonempty => {
                if let Some(d) = (0..ndim).find(|&d| case.out_shape[d] > 1) {
                    let mut st: Vec<i64> = args.out_strides.clone().unwrap_or_else(|| {
                        case.outs
                            .iter()
                            .flat_map(|o| o.strides.iter().copied())
                            .collect()
                    });
                    st[k * ndim + d] = *src.pick(&[0, i64::MAX, i64::MIN]);
                    m.push(Mutation::new(
                        format!("out_strides[{}] = {}", k * ndim + d, st[k * ndim + d]),
                        STAGE_OUT_STRIDES,
                        GRAD_STATUS_INVALID_STRIDES,
                        "out_strides",
                        A::OutStrides(st),
                    ));
                }
            }
            _ => {}
        }
    }
    m
}

/// A random non-empty set of mutations with distinct fields, and the status
/// the library must report: that of the earliest stage.
pub fn pick_mutations(all: &[Mutation], src: &mut impl Source) -> (Vec<Mutation>, grad_status) {
    let want = if src.chance(1, 2) {
        1
    } else {
        src.range(2, 4) as usize
    };
    let mut chosen: Vec<Mutation> = Vec::new();
    for _ in 0..want * 3 {
        if chosen.len() == want {
            break;
        }
        let m = src.pick(all);
        if chosen.iter().all(|c| c.field != m.field) {
            chosen.push(m.clone());
        }
    }
    let first = chosen.iter().min_by_key(|m| m.stage).unwrap();
    let status = first.status;
    (chosen, status)
}

/// Run a valid case and check the result against the safe API on a
/// contiguous copy of the input (bit for bit), the input untouched and
/// nothing written outside the output elements.
pub fn check_valid(case: &FfiCase) -> Result<(), String> {
    let before = case.snapshot();
    let out = unsafe { case.args().invoke() };
    check_outcome(&out)?;
    if out.status != GRAD_STATUS_OK {
        let m = out.err.as_ref().and_then(message).unwrap_or_default();
        return Err(format!(
            "a valid call failed with status {}: {m}",
            out.status
        ));
    }
    if case.input.buf.bytes() != before[0].as_slice() {
        return Err("the input was written".into());
    }
    match case.dtype {
        GRAD_DTYPE_F64 => compare::<f64>(case, &before),
        GRAD_DTYPE_F32 => compare::<f32>(case, &before),
        GRAD_DTYPE_C128 => compare::<Complex<f64>>(case, &before),
        GRAD_DTYPE_C64 => compare::<Complex<f32>>(case, &before),
        GRAD_DTYPE_I8 => compare::<i8>(case, &before),
        GRAD_DTYPE_I16 => compare::<i16>(case, &before),
        GRAD_DTYPE_I32 => compare::<i32>(case, &before),
        GRAD_DTYPE_I64 => compare::<i64>(case, &before),
        GRAD_DTYPE_U8 => compare::<u8>(case, &before),
        GRAD_DTYPE_U16 => compare::<u16>(case, &before),
        GRAD_DTYPE_U32 => compare::<u32>(case, &before),
        _ => compare::<u64>(case, &before),
    }
}

/// Equal bits, or NaN in both (component by component for complex): which
/// NaN an operation returns when both operands are NaN is not specified by
/// IEEE 754 and may differ between the vectorised and the scalar loops.
pub fn same_value(dtype: i32, a: &[u8], b: &[u8]) -> bool {
    let comp = if dtype == GRAD_DTYPE_F32 || dtype == GRAD_DTYPE_C64 {
        4
    } else {
        8
    };
    a.chunks(comp).zip(b.chunks(comp)).all(|(x, y)| {
        x == y
            || if comp == 4 {
                f32::from_ne_bytes(x.try_into().unwrap()).is_nan()
                    && f32::from_ne_bytes(y.try_into().unwrap()).is_nan()
            } else {
                f64::from_ne_bytes(x.try_into().unwrap()).is_nan()
                    && f64::from_ne_bytes(y.try_into().unwrap()).is_nan()
            }
    })
}

fn bytes_of<T>(v: &T) -> &[u8] {
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, size_of::<T>()) }
}

fn compare<I: Element>(case: &FfiCase, before: &[Vec<u8>]) -> Result<(), String> {
    // the logical input, contiguous
    let ib = case.input.buf.bytes();
    let vals: Vec<I> = case
        .input
        .offsets(&case.shape)
        .iter()
        .map(|&o| unsafe { (ib.as_ptr().add(o) as *const I).read_unaligned() })
        .collect();
    let f = ArrayD::from_shape_vec(IxDyn(&case.shape), vals).unwrap();
    let sp: Vec<gradient::Spacing<'_>> = case.call.spacing.iter().map(super::to_spacing).collect();
    let opts = gradient::Options::default()
        .threads(case.threads.max(0) as usize)
        .boundaries(
            case.call
                .boundaries
                .iter()
                .map(super::to_boundary)
                .collect(),
        );
    let want = gradient::gradient_with(
        &f,
        &sp,
        case.call.axes.as_deref(),
        case.call.edge_order as usize,
        &opts,
    )
    .map_err(|e| format!("the safe API refused what the C ABI accepted: {e}"))?;
    let osz = size_of::<I::Output>();
    for (k, (o, w)) in case.outs.iter().zip(&want).enumerate() {
        let ob = o.buf.bytes();
        let offs = o.offsets(&case.out_shape);
        let mut mask = vec![false; ob.len()];
        for (i, (&off, v)) in offs.iter().zip(w.iter()).enumerate() {
            if !same_value(case.dtype, &ob[off..off + osz], bytes_of(v)) {
                return Err(format!(
                    "output {k} element {i} differs from the safe API: {v:?}"
                ));
            }
            mask[off..off + osz].iter_mut().for_each(|b| *b = true);
        }
        if let Some(i) = (0..ob.len()).find(|&i| !mask[i] && ob[i] != before[k + 1][i]) {
            return Err(format!(
                "output {k}: byte {i} outside its elements was written"
            ));
        }
    }
    Ok(())
}

/// Run `case` with `mutations` applied and check it is refused with
/// `status`, touching no byte of any buffer.
pub fn check_refused(
    case: &FfiCase,
    chosen: &[Mutation],
    status: grad_status,
) -> Result<(), String> {
    let before = case.snapshot();
    let mut args = case.args();
    for m in chosen {
        m.apply_to(&mut args);
    }
    let out = unsafe { args.invoke() };
    check_outcome(&out)?;
    let names: Vec<&str> = chosen.iter().map(|m| m.what.as_str()).collect();
    if out.status != status {
        let m = out.err.as_ref().and_then(message).unwrap_or_default();
        return Err(format!(
            "mutations {names:?}: status {} ({m}), expected {status}",
            out.status
        ));
    }
    if case.snapshot() != before {
        return Err(format!(
            "mutations {names:?}: status {status} but a buffer was written"
        ));
    }
    Ok(())
}
