//! Layer 1: the kernels.
//!
//! One pass per output: every output element is written exactly once, from
//! at most three input values along the differentiated axis. The loops put
//! the input's fastest-varying dimension innermost whatever the axis:
//!
//! * **lane mode** (the axis is the fastest dimension, or the rest of the
//!   array is tiny): walk each 1-d lane along the axis; a contiguous lane is
//!   a plain slice loop.
//! * **row mode** (an outer axis): for each position `i` along the axis,
//!   combine the three input rows `i-1, i, i+1` of the fastest other
//!   dimension into output row `i`; contiguous rows are slice loops the
//!   compiler vectorises.
//!
//! No allocation happens here; the non-uniform coefficients arrive
//! precomputed ([`Coefs`]). The arithmetic of one point is in [`crate::num`].

use std::marker::PhantomData;

use ndarray::{s, ArrayView1, ArrayViewD, ArrayViewMut1, ArrayViewMutD, Axis, Zip};

use crate::num::{Element, Lift, Native, Num, Real, Wide};

/// How one axis is differentiated, resolved from the caller's spacing.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rule {
    /// A uniform step passed as a number (numpy: a Python float, which takes
    /// the array's precision).
    Step(f64),
    /// Evenly spaced coordinates (numpy reduces them to a float64 scalar,
    /// which promotes float32 data to double).
    CoordStep(f64),
    /// Unevenly spaced coordinates.
    Coords(Coefs),
}

/// How one end of an axis is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// numpy's one-sided edge formula.
    Edge,
    /// The input holds one halo point beyond the owned region; the owned
    /// end point is an interior point.
    Ghost,
    /// Periodic: the axis wraps around (always on both ends).
    Wrap,
}

/// The two ends of a differentiated axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ends {
    pub lo: End,
    pub hi: End,
}

impl Ends {
    pub(crate) const ONE_SIDED: Ends = Ends {
        lo: End::Edge,
        hi: End::Edge,
    };

    /// Halo points on the low and high side.
    pub(crate) fn ghosts(self) -> (usize, usize) {
        (
            (self.lo == End::Ghost) as usize,
            (self.hi == End::Ghost) as usize,
        )
    }
}

/// Coefficients of the non-uniform formulas (SPEC A1), computed once per
/// axis from the coordinate differences.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Coefs {
    /// `[a, b, c]` of the interior formula at input point `first + k`.
    interior: Vec<[f64; 3]>,
    first: usize,
    d0: f64,
    dn: f64,
    lo: [f64; 3],
    hi: [f64; 3],
}

fn interior_coefs(d: &[f64]) -> Vec<[f64; 3]> {
    d.windows(2)
        .map(|w| {
            let (h1, h2) = (w[0], w[1]);
            [
                (-h2) / (h1 * (h1 + h2)),
                (h2 - h1) / (h1 * h2),
                h1 / (h2 * (h1 + h2)),
            ]
        })
        .collect()
}

impl Coefs {
    /// `d` holds the `n - 1 >= 1` coordinate differences.
    pub(crate) fn new(d: &[f64]) -> Self {
        let m = d.len();
        let (lo, hi) = if m >= 2 {
            let (h1, h2) = (d[0], d[1]);
            let lo = [
                (-((2.0 * h1) + h2)) / (h1 * (h1 + h2)),
                (h1 + h2) / (h1 * h2),
                (-h1) / (h2 * (h1 + h2)),
            ];
            let (h1, h2) = (d[m - 2], d[m - 1]);
            let hi = [
                h2 / (h1 * (h1 + h2)),
                (-(h2 + h1)) / (h1 * h2),
                ((2.0 * h2) + h1) / (h2 * (h1 + h2)),
            ];
            (lo, hi)
        } else {
            // Only reachable with n == 2, where edge_order 2 is refused.
            ([0.0; 3], [0.0; 3])
        };
        Coefs {
            interior: interior_coefs(d),
            first: 1,
            d0: d[0],
            dn: d[m - 1],
            lo,
            hi,
        }
    }

    /// A periodic axis of `n` points: `dp` holds the `n + 1` differences of
    /// the coordinates padded with one wrapped point per side, so every
    /// point gets an interior formula.
    pub(crate) fn periodic(dp: &[f64]) -> Self {
        Coefs {
            interior: interior_coefs(dp),
            first: 0,
            d0: dp[0],
            dn: dp[dp.len() - 1],
            lo: [0.0; 3],
            hi: [0.0; 3],
        }
    }
}

/// `(hi - lo) / d`: the difference in the output type, the division in the
/// stencil's precision.
#[inline(always)]
fn diff_div<I: Element, L: Lift<I::Output>>(hi: I, lo: I, d: <L::P as Num>::Real) -> I::Output {
    L::down(L::up(hi.load().sub(lo.load())).div_real(d))
}

/// `((c0 * f0) + (c1 * f1)) + (c2 * f2)` in the stencil's precision.
#[inline(always)]
fn comb3<I: Element, L: Lift<I::Output>>(
    c: [<L::P as Num>::Real; 3],
    f0: I,
    f1: I,
    f2: I,
) -> I::Output {
    let t0 = <L::P as Num>::mul_real(c[0], L::up(f0.load()));
    let t1 = <L::P as Num>::mul_real(c[1], L::up(f1.load()));
    let t2 = <L::P as Num>::mul_real(c[2], L::up(f2.load()));
    L::down(t0.add(t1).add(t2))
}

/// The formula for one interior point, with its coefficients bound.
pub(crate) trait Point<I: Element>: Copy {
    fn eval(self, fm: I, f0: I, fp: I) -> I::Output;
}

/// A differentiation stencil along one axis of `n` points.
pub(crate) trait Stencil<I: Element>: Sync {
    type Op: Point<I>;
    /// The interior formula at input point `i` (any point of a periodic
    /// axis, `1 <= i <= n - 2` otherwise).
    fn op(&self, i: usize) -> Self::Op;
    /// `out[0]` from `f[0], f[1], f[2]` (edge_order 1 ignores `f2`).
    fn left(&self, f0: I, f1: I, f2: I) -> I::Output;
    /// `out[n-1]` from `f[n-3], f[n-2], f[n-1]` (edge_order 1 ignores `fa`).
    fn right(&self, fa: I, fb: I, fc: I) -> I::Output;
}

/// A uniform step `h`, computed in precision `L`.
pub(crate) struct Uniform<I: Element, L: Lift<I::Output>> {
    two_h: <L::P as Num>::Real,
    h: <L::P as Num>::Real,
    lo: [<L::P as Num>::Real; 3],
    hi: [<L::P as Num>::Real; 3],
    order2: bool,
    _m: PhantomData<fn() -> (I, L)>,
}

impl<I: Element, L: Lift<I::Output>> Uniform<I, L> {
    pub(crate) fn new(h: f64, order2: bool) -> Self {
        type R<I, L> = <<L as Lift<<I as Element>::Output>>::P as Num>::Real;
        let r = <R<I, L> as Real>::from_f64;
        Uniform {
            two_h: r(2.0 * h),
            h: r(h),
            lo: [r(-1.5 / h), r(2.0 / h), r(-0.5 / h)],
            hi: [r(0.5 / h), r(-2.0 / h), r(1.5 / h)],
            order2,
            _m: PhantomData,
        }
    }
}

pub(crate) struct UniformOp<I: Element, L: Lift<I::Output>> {
    two_h: <L::P as Num>::Real,
    _m: PhantomData<fn() -> (I, L)>,
}

impl<I: Element, L: Lift<I::Output>> Clone for UniformOp<I, L> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<I: Element, L: Lift<I::Output>> Copy for UniformOp<I, L> {}

impl<I: Element, L: Lift<I::Output>> Point<I> for UniformOp<I, L> {
    #[inline(always)]
    fn eval(self, fm: I, _f0: I, fp: I) -> I::Output {
        diff_div::<I, L>(fp, fm, self.two_h)
    }
}

impl<I: Element, L: Lift<I::Output>> Stencil<I> for Uniform<I, L> {
    type Op = UniformOp<I, L>;
    #[inline(always)]
    fn op(&self, _i: usize) -> Self::Op {
        UniformOp {
            two_h: self.two_h,
            _m: PhantomData,
        }
    }
    #[inline]
    fn left(&self, f0: I, f1: I, f2: I) -> I::Output {
        if self.order2 {
            comb3::<I, L>(self.lo, f0, f1, f2)
        } else {
            diff_div::<I, L>(f1, f0, self.h)
        }
    }
    #[inline]
    fn right(&self, fa: I, fb: I, fc: I) -> I::Output {
        if self.order2 {
            comb3::<I, L>(self.hi, fa, fb, fc)
        } else {
            diff_div::<I, L>(fc, fb, self.h)
        }
    }
}

/// Unevenly spaced coordinates, always computed in double precision.
pub(crate) struct NonUniform<'a, I> {
    c: &'a Coefs,
    order2: bool,
    _m: PhantomData<fn() -> I>,
}

impl<'a, I> NonUniform<'a, I> {
    pub(crate) fn new(c: &'a Coefs, order2: bool) -> Self {
        NonUniform {
            c,
            order2,
            _m: PhantomData,
        }
    }
}

pub(crate) struct CoefOp<I> {
    c: [f64; 3],
    _m: PhantomData<fn() -> I>,
}

impl<I> Clone for CoefOp<I> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<I> Copy for CoefOp<I> {}

impl<I: Element> Point<I> for CoefOp<I> {
    #[inline(always)]
    fn eval(self, fm: I, f0: I, fp: I) -> I::Output {
        comb3::<I, Wide>(self.c, fm, f0, fp)
    }
}

impl<I: Element> Stencil<I> for NonUniform<'_, I> {
    type Op = CoefOp<I>;
    #[inline(always)]
    fn op(&self, i: usize) -> Self::Op {
        CoefOp {
            c: self.c.interior[i - self.c.first],
            _m: PhantomData,
        }
    }
    #[inline]
    fn left(&self, f0: I, f1: I, f2: I) -> I::Output {
        if self.order2 {
            comb3::<I, Wide>(self.c.lo, f0, f1, f2)
        } else {
            diff_div::<I, Wide>(f1, f0, self.c.d0)
        }
    }
    #[inline]
    fn right(&self, fa: I, fb: I, fc: I) -> I::Output {
        if self.order2 {
            comb3::<I, Wide>(self.c.hi, fa, fb, fc)
        } else {
            diff_div::<I, Wide>(fc, fb, self.c.dn)
        }
    }
}

/// Differentiate `f` along `axis` into `out` by `rule`.
///
/// `f` has `n` points along `axis`; `out` has the owned `m = n - ghosts`
/// points (the same extent on every other dimension). The caller
/// guarantees enough points for the ends and the edge order.
pub(crate) fn differentiate<I: Element>(
    f: ArrayViewD<'_, I>,
    out: ArrayViewMutD<'_, I::Output>,
    axis: usize,
    rule: &Rule,
    ends: Ends,
    order2: bool,
    threads: usize,
) {
    let job = Job { axis, ends };
    match rule {
        Rule::Step(h) => split(&Uniform::<I, Native>::new(*h, order2), f, out, job, threads),
        Rule::CoordStep(h) => split(&Uniform::<I, Wide>::new(*h, order2), f, out, job, threads),
        Rule::Coords(c) => split(&NonUniform::<I>::new(c, order2), f, out, job, threads),
    }
}

/// The axis and its ends.
#[derive(Clone, Copy)]
struct Job {
    axis: usize,
    ends: Ends,
}

/// Which formula an end point uses.
#[derive(Clone, Copy)]
enum Formula {
    Left,
    Right,
    Op(usize),
}

/// The formula and the three input points of output point `i` (input point
/// `g = i + lo ghosts`) when it may be an end point.
#[inline]
fn end_point(g: usize, n: usize, ends: Ends) -> (Formula, [usize; 3]) {
    if g == 0 && ends.lo == End::Edge {
        (Formula::Left, [0, 1, if n > 2 { 2 } else { 1 }])
    } else if g == n - 1 && ends.hi == End::Edge {
        (
            Formula::Right,
            [if n > 2 { n - 3 } else { n - 2 }, n - 2, n - 1],
        )
    } else {
        // An interior point, wrapping around on a periodic axis.
        let gm = if g == 0 { n - 1 } else { g - 1 };
        let gp = if g + 1 == n { 0 } else { g + 1 };
        (Formula::Op(g), [gm, g, gp])
    }
}

#[inline(always)]
fn eval<I: Element, S: Stencil<I>>(st: &S, fm: Formula, a: I, b: I, c: I) -> I::Output {
    match fm {
        Formula::Left => st.left(a, b, c),
        Formula::Right => st.right(a, b, c),
        Formula::Op(g) => st.op(g).eval(a, b, c),
    }
}

/// The output positions that are not plain interior points: the first and
/// the last (one position when `m == 1`).
fn end_positions(m: usize) -> impl Iterator<Item = usize> {
    std::iter::once(0).chain((m > 1).then_some(m - 1))
}

/// Arrays smaller than this are not worth a thread.
const MIN_PARALLEL_LEN: usize = 1 << 15;

/// Run on `threads` scoped threads (the calling thread included), each on a
/// slab of a non-differentiated dimension: every output element is computed
/// by the same formula whatever the split, so results do not depend on it.
fn split<I: Element, S: Stencil<I>>(
    st: &S,
    f: ArrayViewD<'_, I>,
    out: ArrayViewMutD<'_, I::Output>,
    job: Job,
    threads: usize,
) {
    let dim = (0..f.ndim())
        .filter(|&d| d != job.axis && f.len_of(Axis(d)) > 1)
        .max_by_key(|&d| f.stride_of(Axis(d)).unsigned_abs());
    let Some(d) = dim.filter(|_| threads > 1 && f.len() >= MIN_PARALLEL_LEN) else {
        return apply(st, f, out, job);
    };
    let pieces = threads.min(f.len_of(Axis(d)));
    std::thread::scope(|s| {
        let (mut f, mut out) = (f, out);
        for p in 0..pieces - 1 {
            let len = f.len_of(Axis(d)) / (pieces - p);
            let (fa, fb) = f.split_at(Axis(d), len);
            let (oa, ob) = out.split_at(Axis(d), len);
            (f, out) = (fb, ob);
            let spawned =
                std::thread::Builder::new().spawn_scoped(s, move || apply(st, fa, oa, job));
            if let Err(e) = spawned {
                // The OS refused a thread: a bug-free caller cannot cause
                // this, and the boundary reports it as an internal error.
                panic!("could not start a worker thread: {e}");
            }
        }
        apply(st, f, out, job);
    });
}

/// Rows shorter than this are not worth the per-row set-up of row mode.
const MIN_ROW_PLANE: usize = 32;

fn apply<I: Element, S: Stencil<I>>(
    st: &S,
    f: ArrayViewD<'_, I>,
    mut out: ArrayViewMutD<'_, I::Output>,
    job: Job,
) {
    // Test only (cargo feature `test-panic-hook`, off by default: then this
    // is not compiled at all): a slab with an extent of 12345 panics here, on
    // the calling thread or on a worker thread, so tests/panic_boundary.rs can
    // prove the C boundary reports GRAD_STATUS_INTERNAL and the process lives.
    #[cfg(feature = "test-panic-hook")]
    if f.shape().contains(&12345) {
        panic!("test-panic-hook: an input slab of shape {:?}", f.shape());
    }
    if out.is_empty() {
        return;
    }
    let axis = job.axis;
    let n = f.len_of(Axis(axis));
    let plane = f.len() / n;
    let inner = (0..f.ndim())
        .filter(|&j| j != axis && f.len_of(Axis(j)) > 1)
        .min_by_key(|&j| f.stride_of(Axis(j)).unsigned_abs());
    match inner {
        Some(j)
            if plane >= MIN_ROW_PLANE
                && f.stride_of(Axis(j)).unsigned_abs() < f.stride_of(Axis(axis)).unsigned_abs() =>
        {
            rows(st, f, out, job, j)
        }
        _ => Zip::from(out.lanes_mut(Axis(axis)))
            .and(f.lanes(Axis(axis)))
            .for_each(|o, f| lane(st, f, o, job.ends)),
    }
}

/// Row mode: output plane `i` from the input planes around `g = i + off`,
/// row by row along dimension `inner`.
fn rows<I: Element, S: Stencil<I>>(
    st: &S,
    f: ArrayViewD<'_, I>,
    mut out: ArrayViewMutD<'_, I::Output>,
    job: Job,
    inner: usize,
) {
    let axis = Axis(job.axis);
    let n = f.len_of(axis);
    let m = out.len_of(axis);
    let off = job.ends.ghosts().0;
    let jj = if inner > job.axis { inner - 1 } else { inner };
    let plane = |k: usize| f.index_axis(axis, k);
    for i in 1..m.saturating_sub(1) {
        let g = i + off;
        let op = st.op(g);
        planes3(
            out.index_axis_mut(axis, i),
            [plane(g - 1), plane(g), plane(g + 1)],
            jj,
            move |a, b, c| op.eval(a, b, c),
        );
    }
    for i in end_positions(m) {
        let (fm, [a, b, c]) = end_point(i + off, n, job.ends);
        planes3(
            out.index_axis_mut(axis, i),
            [plane(a), plane(b), plane(c)],
            jj,
            |a, b, c| eval(st, fm, a, b, c),
        );
    }
}

fn planes3<I: Copy, O>(
    mut o: ArrayViewMutD<'_, O>,
    [a, b, c]: [ArrayViewD<'_, I>; 3],
    jj: usize,
    g: impl Fn(I, I, I) -> O + Copy,
) {
    Zip::from(o.lanes_mut(Axis(jj)))
        .and(a.lanes(Axis(jj)))
        .and(b.lanes(Axis(jj)))
        .and(c.lanes(Axis(jj)))
        .for_each(|o, a, b, c| row3(o, a, b, c, g));
}

/// `o[j] = g(a[j], b[j], c[j])`; a slice loop when everything is contiguous.
#[inline(always)]
fn row3<I: Copy, O>(
    mut o: ArrayViewMut1<'_, O>,
    a: ArrayView1<'_, I>,
    b: ArrayView1<'_, I>,
    c: ArrayView1<'_, I>,
    g: impl Fn(I, I, I) -> O + Copy,
) {
    if let (Some(a), Some(b), Some(c)) = (a.as_slice(), b.as_slice(), c.as_slice()) {
        if let Some(o) = o.as_slice_mut() {
            for (((o, &a), &b), &c) in o.iter_mut().zip(a).zip(b).zip(c) {
                *o = g(a, b, c);
            }
            return;
        }
    }
    Zip::from(o)
        .and(a)
        .and(b)
        .and(c)
        .for_each(|o, &a, &b, &c| *o = g(a, b, c));
}

/// Lane mode: one 1-d lane along the axis, `n` input and `m` output points.
fn lane<I: Element, S: Stencil<I>>(
    st: &S,
    f: ArrayView1<'_, I>,
    mut o: ArrayViewMut1<'_, I::Output>,
    ends: Ends,
) {
    if let Some(fs) = f.as_slice() {
        if let Some(os) = o.as_slice_mut() {
            return lane_slice(st, fs, os, ends);
        }
    }
    let (n, m) = (f.len(), o.len());
    let off = ends.ghosts().0;
    if m > 2 {
        Zip::indexed(o.slice_mut(s![1..m - 1]))
            .and(f.slice(s![off..off + m - 2]))
            .and(f.slice(s![off + 1..off + m - 1]))
            .and(f.slice(s![off + 2..off + m]))
            .for_each(|k, o, &a, &b, &c| *o = st.op(k + 1 + off).eval(a, b, c));
    }
    for i in end_positions(m) {
        let (fm, [a, b, c]) = end_point(i + off, n, ends);
        o[i] = eval(st, fm, f[a], f[b], f[c]);
    }
}

fn lane_slice<I: Element, S: Stencil<I>>(st: &S, f: &[I], o: &mut [I::Output], ends: Ends) {
    let (n, m) = (f.len(), o.len());
    let off = ends.ghosts().0;
    if m > 2 {
        let inner = o[1..m - 1]
            .iter_mut()
            .zip(&f[off..off + m - 2])
            .zip(&f[off + 1..off + m - 1])
            .zip(&f[off + 2..off + m]);
        for (k, (((o, &a), &b), &c)) in inner.enumerate() {
            *o = st.op(k + 1 + off).eval(a, b, c);
        }
    }
    for i in end_positions(m) {
        let (fm, [a, b, c]) = end_point(i + off, n, ends);
        o[i] = eval(st, fm, f[a], f[b], f[c]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr1, Array2, ArrayD, IxDyn};

    fn grad1(f: &[f64], rule: &Rule, order2: bool) -> Vec<f64> {
        let f = arr1(f).into_dyn();
        let mut out = ArrayD::<f64>::zeros(f.raw_dim());
        differentiate(
            f.view(),
            out.view_mut(),
            0,
            rule,
            Ends::ONE_SIDED,
            order2,
            1,
        );
        out.into_iter().collect()
    }

    #[test]
    fn golden_unit_and_step() {
        let f = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];
        assert_eq!(
            grad1(&f, &Rule::Step(1.0), false),
            [1.0, 1.5, 2.5, 3.5, 4.5, 5.0]
        );
        assert_eq!(
            grad1(&f, &Rule::Step(2.0), false),
            [0.5, 0.75, 1.25, 1.75, 2.25, 2.5]
        );
    }

    #[test]
    fn golden_coordinates() {
        let f = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];
        let x = [0., 1., 1.5, 3.5, 4., 6.];
        let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        let rule = Rule::Coords(Coefs::new(&d));
        assert_eq!(
            grad1(&f, &rule, false),
            [
                1.0,
                2.9999999999999996,
                3.5,
                6.700000000000001,
                6.899999999999999,
                2.5
            ]
        );
        assert_eq!(
            grad1(&f, &rule, true),
            [
                -1.0,
                2.9999999999999996,
                3.5,
                6.700000000000001,
                6.899999999999999,
                -1.8999999999999968
            ]
        );
    }

    #[test]
    fn two_points_edge_order_one() {
        assert_eq!(grad1(&[3.0, 5.0], &Rule::Step(0.5), false), [4.0, 4.0]);
        let rule = Rule::Coords(Coefs::new(&[2.0]));
        assert_eq!(grad1(&[3.0, 5.0], &rule, false), [1.0, 1.0]);
    }

    #[test]
    fn row_and_lane_modes_agree() {
        // 40 x 37: axis 0 goes through row mode, the transposed view through
        // lane mode with strided lanes; both must give the same numbers.
        let f = Array2::from_shape_fn((40, 37), |(i, j)| ((i * 37 + j) as f64).sin());
        let d: Vec<f64> = (0..39).map(|k| 0.5 + (k as f64) * 0.01).collect();
        for rule in [Rule::Step(0.3), Rule::Coords(Coefs::new(&d))] {
            for order2 in [false, true] {
                let mut a = ArrayD::<f64>::zeros(IxDyn(&[40, 37]));
                differentiate(
                    f.view().into_dyn(),
                    a.view_mut(),
                    0,
                    &rule,
                    Ends::ONE_SIDED,
                    order2,
                    1,
                );
                let ft = f.t().as_standard_layout().into_owned();
                let mut b = ArrayD::<f64>::zeros(IxDyn(&[37, 40]));
                differentiate(
                    ft.view().into_dyn(),
                    b.view_mut(),
                    1,
                    &rule,
                    Ends::ONE_SIDED,
                    order2,
                    1,
                );
                assert_eq!(a, b.t());
            }
        }
    }
}
