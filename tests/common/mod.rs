//! Shared by the reliability tests: random sources, the plain reference,
//! random safe-API cases and strided layouts.
#![allow(dead_code)]

pub mod ffi_case;
pub mod gen;
pub mod plan_seq;
pub mod reference;

use gen::Source;
use gradient::{Boundary, GradientError, Options, Side, Spacing};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice};
use reference::{RBoundary, RCall, RSpacing};

/// The C ABI status code of a safe-API error (`status_of` in src/ffi).
pub fn status(e: &GradientError) -> i32 {
    match e {
        GradientError::NullPointer { .. } => 1,
        GradientError::InvalidNdim(_) => 2,
        GradientError::InvalidShape(_) => 3,
        GradientError::InvalidStrides { .. } => 4,
        GradientError::InvalidAxis { .. } => 5,
        GradientError::InvalidSpacing { .. } => 6,
        GradientError::InvalidEdgeOrder(_) => 7,
        GradientError::ShapeTooSmall { .. } => 8,
        GradientError::Misaligned { .. } => 9,
        GradientError::Overlap { .. } => 10,
        GradientError::InvalidDtype(_) => 11,
        GradientError::InvalidOptions { .. } => 12,
        GradientError::Internal(_) => 99,
        _ => -1,
    }
}

/// A random safe-API call on an array of `shape` with the values `values`
/// (logical C order), mostly valid.
#[derive(Clone, Debug)]
pub struct Case {
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
    pub call: RCall,
    pub threads: usize,
}

impl Case {
    pub fn spacing(&self) -> Vec<Spacing<'_>> {
        self.call.spacing.iter().map(to_spacing).collect()
    }

    pub fn options(&self) -> Options {
        Options::default()
            .threads(self.threads)
            .boundaries(self.call.boundaries.iter().map(to_boundary).collect())
    }

    /// edge_order as the safe API takes it (negative orders become 0, also
    /// invalid).
    pub fn edge_order(&self) -> usize {
        self.call.edge_order.max(0) as usize
    }

    pub fn array(&self) -> ArrayD<f64> {
        ArrayD::from_shape_vec(IxDyn(&self.shape), self.values.clone()).unwrap()
    }
}

pub fn to_spacing(s: &RSpacing) -> Spacing<'_> {
    match s {
        RSpacing::Unit => Spacing::Unit,
        RSpacing::Uniform(h) => Spacing::Uniform(*h),
        RSpacing::Coords(x) => Spacing::Coordinates(x),
    }
}

pub fn to_boundary(b: &RBoundary) -> Boundary {
    let side = |g: bool| if g { Side::Ghost } else { Side::OneSided };
    match *b {
        RBoundary::OneSided => Boundary::OneSided,
        RBoundary::Periodic(period) => Boundary::Periodic { period },
        RBoundary::Sides(lo, hi) => Boundary::Sides {
            lo: side(lo),
            hi: side(hi),
        },
    }
}

/// A random shape: 1 to 4 dimensions (rarely up to 6), extents 1 to 7
/// (rarely 0 or up to 12).
pub fn gen_shape(src: &mut impl Source) -> Vec<usize> {
    let ndim = match src.below(16) {
        0 => src.range(5, 6) as usize,
        1..=5 => 1,
        6..=10 => 2,
        11..=13 => 3,
        _ => 4,
    };
    let mut shape: Vec<usize> = (0..ndim)
        .map(|_| match src.below(30) {
            0 => 0,
            1..=3 => src.range(8, 12) as usize,
            _ => src.range(1, 7) as usize,
        })
        .collect();
    // at most ~1000 elements: the reference is slow, and small arrays
    // reach every code path (an empty axis counts as one: gen_call may
    // lengthen it, and the buffers are sized by the others)
    while footprint(&shape) > 1000 {
        let big = (0..ndim).max_by_key(|&d| shape[d]).unwrap();
        shape[big] -= 1;
    }
    shape
}

/// The product of the extents, an empty axis counting as one.
fn footprint(shape: &[usize]) -> usize {
    shape.iter().map(|&n| n.max(1)).product()
}

/// A random call on `shape`: axes, spacing, edge order, boundaries; valid
/// about 85% of the time, with every kind of invalid argument in the rest.
/// May lengthen differentiated axes so that most calls have enough points.
pub fn gen_call(src: &mut impl Source, shape: &mut [usize]) -> RCall {
    let ndim = shape.len();
    let n = ndim as isize;
    // axes
    let axes: Option<Vec<isize>> = if src.chance(2, 5) {
        None
    } else {
        let mut all: Vec<isize> = (0..n).collect();
        for i in (1..all.len()).rev() {
            all.swap(i, src.below(i as u64 + 1) as usize);
        }
        let k = src.range(1, n as i64) as usize;
        let mut list: Vec<isize> = all[..k]
            .iter()
            .map(|&a| if src.chance(1, 3) { a - n } else { a })
            .collect();
        match src.below(40) {
            0 => list.push(n + src.range(0, 2) as isize), // out of range
            1 => list.push(-n - 1),
            2 => {
                let a = list[0];
                list.push(if a < 0 { a + n } else { a - n }); // the same axis again
            }
            3 => list.clear(), // no axes at all: valid, nothing to do
            _ => {}
        }
        Some(list)
    };
    let norm: Vec<usize> = match &axes {
        None => (0..ndim).collect(),
        Some(l) => l
            .iter()
            .filter(|&&a| a >= -n && a < n)
            .map(|&a| if a < 0 { a + n } else { a } as usize)
            .collect(),
    };
    let naxes = axes.as_ref().map_or(ndim, |l| l.len());
    // edge order
    let edge_order = match src.below(40) {
        0 => *src.pick(&[0, 3, -1, 100]),
        e => 1 + (e % 2) as i64,
    };
    // boundaries
    let boundaries: Vec<RBoundary> = if src.chance(2, 3) || naxes == 0 {
        Vec::new()
    } else {
        let mut b: Vec<RBoundary> = (0..naxes)
            .map(|_| match src.below(4) {
                0 => RBoundary::OneSided,
                1 => RBoundary::Periodic(None),
                _ => RBoundary::Sides(src.chance(1, 2), src.chance(1, 2)),
            })
            .collect();
        if src.chance(1, 40) {
            b.pop(); // wrong count
        }
        b
    };
    // enough points on the differentiated axes, most of the time
    if src.chance(9, 10) {
        let cap = footprint(shape).max(4096);
        let mut floor = vec![1; ndim];
        for (k, &a) in norm.iter().enumerate() {
            let (lo, hi) = match boundaries.get(k) {
                Some(RBoundary::Sides(lo, hi)) => (*lo as usize, *hi as usize),
                _ => (0, 0),
            };
            let need = (edge_order.clamp(1, 2) as usize + 1).max(lo + hi + 1);
            if shape[a] < need {
                shape[a] = need + src.below(3) as usize;
            }
            floor[a] = floor[a].max(need);
        }
        // lengthening several axes can multiply the size many times over
        // (six axes of one raised to five: 15,625 elements, tens of MB
        // once padded and doubled per output): shrink again, the longest
        // axis above its floor first, to 4096 elements or the size asked
        // for if that was more
        while footprint(shape) > cap {
            let Some(big) = (0..ndim)
                .filter(|&d| shape[d] > floor[d])
                .max_by_key(|&d| shape[d])
            else {
                break;
            };
            shape[big] -= 1;
        }
    }
    // spacing
    let nspacing = match src.below(10) {
        0..=2 => 0,
        3..=4 => 1,
        5 if src.chance(1, 6) => naxes + 1, // wrong count
        _ => naxes,
    };
    let mut spacing = Vec::with_capacity(nspacing);
    for k in 0..nspacing {
        let axis_len = norm.get(k).map(|&a| shape[a]);
        let s = match src.below(8) {
            0 | 1 => RSpacing::Unit,
            2..=4 => RSpacing::Uniform(src.step()),
            _ => match axis_len {
                Some(len) if nspacing == naxes || naxes == 1 => RSpacing::Coords(src.coords(len)),
                _ => RSpacing::Uniform(src.step()),
            },
        };
        spacing.push(s);
    }
    if nspacing == 1 && naxes >= 2 && src.chance(1, 30) {
        // one coordinate array for several axes: numpy's "invalid number of
        // arguments"
        spacing[0] = RSpacing::Coords(src.coords(shape[norm[0]]));
    }
    // invalid spacing entries, now and then
    if !spacing.is_empty() && src.chance(1, 25) {
        let k = src.below(spacing.len() as u64) as usize;
        spacing[k] = match src.below(5) {
            0 => RSpacing::Uniform(*src.pick(&[0.0, -0.0, f64::NAN, f64::INFINITY])),
            1 => match &spacing[k] {
                RSpacing::Coords(x) if !x.is_empty() => {
                    let mut x = x.clone();
                    x.pop();
                    RSpacing::Coords(x)
                }
                _ => RSpacing::Uniform(f64::NEG_INFINITY),
            },
            2 => match &spacing[k] {
                RSpacing::Coords(x) if x.len() >= 2 => {
                    let mut x = x.clone();
                    let i = src.below(x.len() as u64 - 1) as usize;
                    x[i + 1] = x[i]; // repeated: not strictly monotonic
                    RSpacing::Coords(x)
                }
                _ => RSpacing::Uniform(f64::NAN),
            },
            3 => match &spacing[k] {
                RSpacing::Coords(x) if !x.is_empty() => {
                    let mut x = x.clone();
                    let i = src.below(x.len() as u64) as usize;
                    x[i] = *src.pick(&[f64::NAN, f64::INFINITY]);
                    RSpacing::Coords(x)
                }
                _ => RSpacing::Uniform(0.0),
            },
            _ => match &spacing[k] {
                RSpacing::Coords(x) if x.len() >= 3 => {
                    let mut x = x.clone();
                    x.swap(0, 1); // zig-zag
                    RSpacing::Coords(x)
                }
                _ => RSpacing::Uniform(-0.0),
            },
        };
    }
    // periods for periodic axes with coordinates
    let boundaries = boundaries
        .into_iter()
        .enumerate()
        .map(|(k, b)| {
            let RBoundary::Periodic(_) = b else { return b };
            let sp = match spacing.len() {
                0 => None,
                1 => spacing.first(),
                _ => spacing.get(k),
            };
            let period = match sp {
                Some(RSpacing::Coords(x)) if !x.is_empty() => {
                    let span = (x[x.len() - 1] - x[0]).abs();
                    match src.below(12) {
                        0 => None,
                        1 => Some(span), // too small
                        2 => Some(*src.pick(&[f64::NAN, -1.0, f64::INFINITY])),
                        _ => {
                            // a margin like one of the steps, or random
                            let d = if x.len() >= 2 {
                                (x[1] - x[0]).abs()
                            } else {
                                1.0
                            };
                            Some(
                                span + if src.chance(1, 2) {
                                    d
                                } else {
                                    src.unit() * 3.0 + 1e-3
                                },
                            )
                        }
                    }
                }
                _ => {
                    if src.chance(1, 4) {
                        Some(src.unit() * 100.0) // ignored with a step
                    } else {
                        None
                    }
                }
            };
            RBoundary::Periodic(period)
        })
        .collect();
    RCall {
        spacing,
        axes,
        edge_order,
        boundaries,
    }
}

pub fn gen_case(src: &mut impl Source) -> Case {
    let mut shape = gen_shape(src);
    let call = gen_call(src, &mut shape);
    let len: usize = shape.iter().product();
    let values = (0..len).map(|_| src.value()).collect();
    let threads = *src.pick(&[0, 1, 1, 2, 3]);
    Case {
        shape,
        values,
        call,
        threads,
    }
}

/// A strided layout for an array of a given logical shape: the dimensions
/// stored in a permuted order, some with a step of 2 (gaps between
/// elements), some reversed (negative strides).
#[derive(Clone, Debug)]
pub struct Layout {
    /// perm[j] = the logical dimension stored as physical dimension j
    /// (j = 0 outermost).
    pub perm: Vec<usize>,
    pub step: Vec<usize>,
    pub rev: Vec<bool>,
}

impl Layout {
    pub fn c_order(ndim: usize) -> Layout {
        Layout {
            perm: (0..ndim).collect(),
            step: vec![1; ndim],
            rev: vec![false; ndim],
        }
    }

    pub fn random(src: &mut impl Source, ndim: usize) -> Layout {
        let mut perm: Vec<usize> = (0..ndim).collect();
        match src.below(4) {
            0 => {}
            1 => perm.reverse(), // Fortran order
            _ => {
                for i in (1..ndim).rev() {
                    perm.swap(i, src.below(i as u64 + 1) as usize);
                }
            }
        }
        let step = (0..ndim)
            .map(|_| if src.chance(1, 4) { 2 } else { 1 })
            .collect();
        let rev = (0..ndim).map(|_| src.chance(1, 4)).collect();
        Layout { perm, step, rev }
    }

    /// The allocation this layout needs for `shape` (elements, C order of
    /// the physical dimensions).
    pub fn alloc_shape(&self, shape: &[usize]) -> Vec<usize> {
        self.perm.iter().map(|&d| shape[d] * self.step[d]).collect()
    }

    /// A view of logical `shape` into `base` (of [`Layout::alloc_shape`]).
    pub fn view_mut<'a, T>(&self, base: &'a mut ArrayD<T>) -> ArrayViewMutD<'a, T> {
        let mut v = base.view_mut();
        for (j, &d) in self.perm.iter().enumerate() {
            v.slice_axis_inplace(Axis(j), Slice::new(0, None, self.step[d] as isize));
        }
        let mut inv = vec![0; self.perm.len()];
        for (j, &d) in self.perm.iter().enumerate() {
            inv[d] = j;
        }
        let mut v = v.permuted_axes(IxDyn(&inv));
        for (d, &r) in self.rev.iter().enumerate() {
            if r {
                v.invert_axis(Axis(d));
            }
        }
        v
    }

    pub fn view<'a, T>(&self, base: &'a ArrayD<T>) -> ArrayViewD<'a, T> {
        let mut v = base.view();
        for (j, &d) in self.perm.iter().enumerate() {
            v.slice_axis_inplace(Axis(j), Slice::new(0, None, self.step[d] as isize));
        }
        let mut inv = vec![0; self.perm.len()];
        for (j, &d) in self.perm.iter().enumerate() {
            inv[d] = j;
        }
        let mut v = v.permuted_axes(IxDyn(&inv));
        for (d, &r) in self.rev.iter().enumerate() {
            if r {
                v.invert_axis(Axis(d));
            }
        }
        v
    }
}

/// `values` (logical C order over `shape`) stored in `layout`, with every
/// gap element set to `fill`. Returns the allocation; view it with
/// [`Layout::view`].
pub fn store<T: Copy>(values: &[T], shape: &[usize], layout: &Layout, fill: T) -> ArrayD<T> {
    let mut base = ArrayD::from_elem(IxDyn(&layout.alloc_shape(shape)), fill);
    let mut v = layout.view_mut(&mut base);
    for (dst, &src) in v.iter_mut().zip(values) {
        *dst = src;
    }
    base
}
