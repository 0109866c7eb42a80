//! The kernels of the accuracy orders p = 4, 6 and 8.
//!
//! Point `g` of an axis of `n` points reads the `p + 1` points
//! `g - w ..= g + w` (`w = p / 2`, wrapping around on a periodic axis), or,
//! within `w` points of a one-sided end, the `q + 1` points of its window
//! ([`crate::stencil::window`]). Two kinds of arithmetic:
//!
//! * a uniform step ([`UniformW`]): integer numerators and one reciprocal,
//!   `(sum_k m_k * (f[g+k] - f[g-k])) * r` in the interior and
//!   `(sum_j n_j * f[s+j]) * r_w` near the ends, mirrored (and negated) at
//!   the high end, so a constant gives exactly 0 and a reversed axis the
//!   exactly negated result;
//! * coordinates ([`Fornberg`]): `sum_j w_j * f[s+j]` in double with
//!   Fornberg's weights, rounded once.
//!
//! Loops follow the 3-point kernels: lanes along the axis when it is the
//! fastest dimension, otherwise output rows from input rows along the
//! fastest other dimension. Nothing here allocates but the optional weight
//! table of a coordinate axis, built once per call or plan.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::OnceLock;

use ndarray::{
    ArrayView1, ArrayView2, ArrayViewD, ArrayViewMut1, ArrayViewMut2, ArrayViewMutD, Axis, Ix2, Zip,
};

use super::{End, Ends, Slab};
use crate::num::{Element, Lift, Native, Num, Real, Wide};
use crate::stencil::{exact, fornberg, window, MAX_POINTS};

/// The integer tables of accuracy `p` with edge order `q` (they do not
/// depend on the step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tables {
    pub p: usize,
    pub q: usize,
    /// Central numerators `m_1..m_w` and their denominator.
    m: [i64; 4],
    d: i64,
    /// Near-edge point `i < w`: window start and exact weights.
    edge: [(usize, exact::Exact); 4],
}

impl Tables {
    /// `p` in {4, 6, 8}, `q` in `1..=p`.
    pub(crate) fn new(p: usize, q: usize) -> Tables {
        let (m, d) = exact::central(p);
        let mut edge = [(
            0,
            exact::Exact {
                n: [0; MAX_POINTS],
                len: 0,
                d: 1,
            },
        ); 4];
        for (i, e) in edge.iter_mut().enumerate().take(p / 2) {
            *e = exact::near_edge(i, q);
        }
        Tables { p, q, m, d, edge }
    }

    /// The halo width `w = p / 2`.
    pub(crate) fn w(&self) -> usize {
        self.p / 2
    }
}

/// Where a point of a lane sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    /// Near the low one-sided end: `i` points from it.
    Lo(usize),
    /// Near the high one-sided end: `i` points from it.
    Hi(usize),
    /// Everywhere else: the central window (wrapping on a periodic axis).
    In,
}

/// The coordinates of a non-uniform axis at accuracy p >= 4, with the
/// optional per-point weight table.
#[derive(Debug)]
pub(crate) struct WideCoefs<'a> {
    /// The coordinates; on a periodic axis padded with `w` wrapped points
    /// per side.
    x: Cow<'a, [f64]>,
    /// Index in `x` of the axis's point 0 (`w` when padded).
    pad: usize,
    /// Points along the axis.
    n: usize,
    ends: Ends,
    t: Tables,
    table: OnceLock<Box<[[f64; MAX_POINTS]]>>,
}

impl Clone for WideCoefs<'_> {
    fn clone(&self) -> Self {
        let c = WideCoefs {
            x: self.x.clone(),
            pad: self.pad,
            n: self.n,
            ends: self.ends,
            t: self.t,
            table: OnceLock::new(),
        };
        if let Some(t) = self.table.get() {
            let _ = c.table.set(t.clone());
        }
        c
    }
}

impl PartialEq for WideCoefs<'_> {
    fn eq(&self, o: &Self) -> bool {
        self.pad == o.pad
            && self.n == o.n
            && self.ends == o.ends
            && self.t == o.t
            && self.x.len() == o.x.len()
            && self
                .x
                .iter()
                .zip(o.x.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

/// Axes up to this many points get their weight tables when several lanes
/// share them.
const TABLE_MAX: usize = 1 << 16;

impl<'a> WideCoefs<'a> {
    /// An ordinary axis with coordinates `x` (borrowed), ends `ends` (not
    /// periodic).
    pub(crate) fn coords(x: &'a [f64], ends: Ends, t: Tables, table: bool) -> Self {
        WideCoefs::build(Cow::Borrowed(x), 0, x.len(), ends, t, table)
    }

    /// A periodic axis: the coordinates padded with `w` points per side,
    /// `x[n-w..] - period` before and `x[..w] + period` after (`period`
    /// signed like the coordinates).
    pub(crate) fn periodic(x: &[f64], period: f64, t: Tables, table: bool) -> Self {
        let (n, w) = (x.len(), t.w());
        let p = if n > 1 && x[1] < x[0] {
            -period
        } else {
            period
        };
        let mut xp = Vec::with_capacity(n + 2 * w);
        xp.extend(x[n - w..].iter().map(|&v| v - p));
        xp.extend_from_slice(x);
        xp.extend(x[..w].iter().map(|&v| v + p));
        let ends = Ends {
            lo: End::Wrap,
            hi: End::Wrap,
        };
        WideCoefs::build(Cow::Owned(xp), w, n, ends, t, table)
    }

    fn build(x: Cow<'a, [f64]>, pad: usize, n: usize, ends: Ends, t: Tables, table: bool) -> Self {
        let c = WideCoefs {
            x,
            pad,
            n,
            ends,
            t,
            table: OnceLock::new(),
        };
        if table && n <= TABLE_MAX {
            let rows: Box<[[f64; MAX_POINTS]]> = (0..n).map(|g| c.compute(g)).collect();
            let _ = c.table.set(rows);
        }
        c
    }

    /// [`Rule::into_owned`](super::Rule::into_owned): the coordinates
    /// copied, the weight table built (up to [`TABLE_MAX`] points; longer
    /// axes compute weights as they go, changing nothing).
    pub(crate) fn into_owned(self) -> WideCoefs<'static> {
        if self.table.get().is_none() && self.n <= TABLE_MAX {
            let rows: Box<[[f64; MAX_POINTS]]> = (0..self.n).map(|g| self.compute(g)).collect();
            let _ = self.table.set(rows);
        }
        WideCoefs {
            x: Cow::Owned(self.x.into_owned()),
            pad: self.pad,
            n: self.n,
            ends: self.ends,
            t: self.t,
            table: self.table,
        }
    }

    /// Where point `g` of the whole axis sits.
    fn at(&self, g: usize) -> At {
        at(g, self.n, self.ends, self.t.w())
    }

    /// The weights of point `g`, in the window's ascending order.
    #[inline]
    fn weights(&self, g: usize) -> [f64; MAX_POINTS] {
        match self.table.get() {
            Some(t) => t[g],
            None => self.compute(g),
        }
    }

    fn compute(&self, g: usize) -> [f64; MAX_POINTS] {
        let (start, len) = span(self.at(g), g, self.n, &self.t);
        let mut t = [0.0; MAX_POINTS];
        let (first, last) = (
            self.pad as isize + start,
            self.pad as isize + start + len as isize,
        );
        if first < 0 || last > self.x.len() as isize {
            // A halo point (of a ghost end): never an output.
            return t;
        }
        let xi = self.x[g + self.pad];
        for (j, tj) in t.iter_mut().enumerate().take(len) {
            // Padded index of window point j (start may reach below 0 on a
            // periodic axis, where the padding begins at -pad).
            let k = (self.pad as isize + start + j as isize) as usize;
            *tj = self.x[k] - xi;
        }
        fornberg::weights(&t[..len])
    }
}

/// Where point `g` of an axis of `n` points with `ends` sits.
#[inline(always)]
fn at(g: usize, n: usize, ends: Ends, w: usize) -> At {
    if ends.lo == End::Edge && g < w {
        At::Lo(g)
    } else if ends.hi == End::Edge && g + w >= n {
        At::Hi(n - 1 - g)
    } else {
        At::In
    }
}

/// The first input point (relative to the axis start, negative only on a
/// periodic axis) and the length of the window of a point at `at`, `g`.
#[inline(always)]
fn span(at: At, g: usize, n: usize, t: &Tables) -> (isize, usize) {
    match at {
        At::Lo(i) => (window(i, t.q) as isize, t.q + 1),
        At::Hi(i) => ((n - 1 - window(i, t.q) - t.q) as isize, t.q + 1),
        At::In => (g as isize - t.w() as isize, t.p + 1),
    }
}

/// A stencil of accuracy p >= 4 along one axis.
trait WideStencil<I: Element>: Sync {
    /// The output at point `at` from its window's values in ascending
    /// order; `gg` is the point's index on the whole axis.
    fn point(&self, at: At, gg: usize, v: &[I]) -> I::Output;
    /// Interior points `gg0 ..` of the whole axis into `o`, from `f`, which
    /// starts `w` points before the first of them.
    fn lane(&self, gg0: usize, f: &[I], o: &mut [I::Output]);
    /// Output row of interior point `gg` from the `p + 1` input rows
    /// `gg - w ..= gg + w`, all of `o`'s length.
    fn row(&self, gg: usize, rows: &[&[I]], o: &mut [I::Output]);
}

/// A uniform step at accuracy p >= 4, computed in precision `L`.
struct UniformW<I: Element, L: Lift<I::Output>> {
    w: usize,
    m: [R<I, L>; 4],
    r: R<I, L>,
    /// Near-edge point `i`: numerators of its window and `r_w`.
    n: [[R<I, L>; MAX_POINTS]; 4],
    rw: [R<I, L>; 4],
    /// `-r_w` (rounding to nearest is symmetric: exactly the negation).
    rwn: [R<I, L>; 4],
    t: Tables,
    _m: PhantomData<fn() -> (I, L)>,
}

type R<I, L> = <<L as Lift<<I as Element>::Output>>::P as Num>::Real;

impl<I: Element, L: Lift<I::Output>> UniformW<I, L> {
    fn new(h: f64, t: &Tables) -> Self {
        let r = <R<I, L> as Real>::from_f64;
        let mut n = [[r(0.0); MAX_POINTS]; 4];
        let mut rw = [r(0.0); 4];
        let mut rwn = [r(0.0); 4];
        for i in 0..t.w() {
            let e = &t.edge[i].1;
            for (nj, &ej) in n[i].iter_mut().zip(&e.n[..e.len]) {
                *nj = r(ej as f64);
            }
            rw[i] = r(1.0 / (e.d as f64 * h));
            rwn[i] = r(-(1.0 / (e.d as f64 * h)));
        }
        UniformW {
            w: t.w(),
            m: t.m.map(|m| r(m as f64)),
            r: r(1.0 / (t.d as f64 * h)),
            n,
            rw,
            rwn,
            t: *t,
            _m: PhantomData,
        }
    }

    /// `sum_k m_k * (hi[k] - lo[k])` in increasing k, then `* r`.
    #[inline(always)]
    fn central<const W: usize>(&self, lo: [I; W], hi: [I; W]) -> I::Output {
        let d = |k: usize| L::up(hi[k].load().sub(lo[k].load()));
        let mut acc = d(0).scale(self.m[0]);
        for k in 1..W {
            acc = acc.add(d(k).scale(self.m[k]));
        }
        L::down(acc.scale(self.r))
    }

    #[inline(always)]
    fn lane_w<const W: usize>(&self, f: &[I], o: &mut [I::Output]) {
        let len = o.len();
        let lo: [&[I]; W] = std::array::from_fn(|k| &f[W - 1 - k..W - 1 - k + len]);
        let hi: [&[I]; W] = std::array::from_fn(|k| &f[W + 1 + k..W + 1 + k + len]);
        self.rows_w(lo, hi, o);
    }

    /// Output row from the rows `lo[k] = f[g-1-k]`, `hi[k] = f[g+1+k]`:
    /// plain zipped iterators (no index arithmetic, so the loops vectorise).
    #[inline(always)]
    fn rows_w<const W: usize>(&self, lo: [&[I]; W], hi: [&[I]; W], o: &mut [I::Output]) {
        let (m, r) = (self.m, self.r);
        let d = |a: I, b: I| L::up(b.load().sub(a.load()));
        let fin = |acc: <L as Lift<I::Output>>::P| L::down(acc.scale(r));
        match W {
            2 => {
                let it = o.iter_mut().zip(lo[0]).zip(hi[0]).zip(lo[1]).zip(hi[1]);
                for ((((o, &a1), &b1), &a2), &b2) in it {
                    *o = fin(d(a1, b1).scale(m[0]).add(d(a2, b2).scale(m[1])));
                }
            }
            3 => {
                let it = (o.iter_mut().zip(lo[0]).zip(hi[0]).zip(lo[1]).zip(hi[1]))
                    .zip(lo[2])
                    .zip(hi[2]);
                for ((((((o, &a1), &b1), &a2), &b2), &a3), &b3) in it {
                    let acc = d(a1, b1).scale(m[0]).add(d(a2, b2).scale(m[1]));
                    *o = fin(acc.add(d(a3, b3).scale(m[2])));
                }
            }
            _ => {
                let it = (o.iter_mut().zip(lo[0]).zip(hi[0]).zip(lo[1]).zip(hi[1]))
                    .zip(lo[2].iter().zip(hi[2]))
                    .zip(lo[3].iter().zip(hi[3]));
                for ((((((o, &a1), &b1), &a2), &b2), (&a3, &b3)), (&a4, &b4)) in it {
                    let acc = d(a1, b1).scale(m[0]).add(d(a2, b2).scale(m[1]));
                    let acc = acc.add(d(a3, b3).scale(m[2]));
                    *o = fin(acc.add(d(a4, b4).scale(m[3])));
                }
            }
        }
    }
}

impl<I: Element, L: Lift<I::Output>> WideStencil<I> for UniformW<I, L> {
    fn point(&self, at: At, _gg: usize, v: &[I]) -> I::Output {
        match at {
            At::In => {
                let w = self.w;
                match w {
                    2 => self.central::<2>([v[1], v[0]], [v[3], v[4]]),
                    3 => self.central::<3>([v[2], v[1], v[0]], [v[4], v[5], v[6]]),
                    _ => self.central::<4>([v[3], v[2], v[1], v[0]], [v[5], v[6], v[7], v[8]]),
                }
            }
            At::Lo(i) | At::Hi(i) => {
                let (n, q) = (&self.n[i], self.t.q);
                // Low end: n_j * f[s + j]; high end: n_j * f[n-1-s-j], the
                // window read from its top.
                let val = |j: usize| match at {
                    At::Lo(_) => v[j],
                    _ => v[q - j],
                };
                let mut acc: Option<L::P> = None;
                for (j, &nj) in n.iter().enumerate().take(q + 1) {
                    if self.t.edge[i].1.n[j] == 0 {
                        continue;
                    }
                    let t = L::up(val(j).load()).scale(nj);
                    acc = Some(match acc {
                        None => t,
                        Some(a) => a.add(t),
                    });
                }
                let acc = acc.expect("a derivative stencil has a nonzero weight");
                L::down(match at {
                    At::Lo(_) => acc.scale(self.rw[i]),
                    _ => acc.scale(self.rwn[i]),
                })
            }
        }
    }

    fn lane(&self, _gg0: usize, f: &[I], o: &mut [I::Output]) {
        match self.w {
            2 => self.lane_w::<2>(f, o),
            3 => self.lane_w::<3>(f, o),
            _ => self.lane_w::<4>(f, o),
        }
    }

    fn row(&self, _gg: usize, rows: &[&[I]], o: &mut [I::Output]) {
        let w = self.w;
        match w {
            2 => self.rows_w::<2>([rows[1], rows[0]], [rows[3], rows[4]], o),
            3 => self.rows_w::<3>([rows[2], rows[1], rows[0]], [rows[4], rows[5], rows[6]], o),
            _ => self.rows_w::<4>(
                [rows[3], rows[2], rows[1], rows[0]],
                [rows[5], rows[6], rows[7], rows[8]],
                o,
            ),
        }
    }
}

/// Coordinates at accuracy p >= 4: Fornberg's weights, in double.
struct Fornberg<'c, 'x, I> {
    c: &'c WideCoefs<'x>,
    _m: PhantomData<fn() -> I>,
}

type Wd<I> = <<I as Element>::Output as Num>::Wide;

impl<I: Element> Fornberg<'_, '_, I> {
    /// Interior points `gg0..` of a contiguous lane, `P1 = p + 1` points
    /// each.
    #[inline(always)]
    fn lane_p<const P1: usize>(&self, gg0: usize, f: &[I], o: &mut [I::Output]) {
        let m = o.len();
        let f = &f[..m + P1 - 1];
        match self.c.table.get() {
            Some(t) => {
                for ((o, w), v) in o.iter_mut().zip(&t[gg0..gg0 + m]).zip(f.windows(P1)) {
                    *o = Self::sum(w, |j| v[j], P1);
                }
            }
            None => {
                for (k, (o, v)) in o.iter_mut().zip(f.windows(P1)).enumerate() {
                    *o = Self::sum(&self.c.compute(gg0 + k), |j| v[j], P1);
                }
            }
        }
    }

    /// `sum_j w_j * v_j` in increasing j, in double, rounded once.
    #[inline(always)]
    fn sum(w: &[f64; MAX_POINTS], v: impl Fn(usize) -> I, len: usize) -> I::Output {
        let mut acc: Wd<I> = v(0).load().widen().scale(w[0]);
        for (j, &wj) in w.iter().enumerate().take(len).skip(1) {
            acc = acc.add(v(j).load().widen().scale(wj));
        }
        <I::Output as Num>::narrow(acc)
    }
}

impl<I: Element> WideStencil<I> for Fornberg<'_, '_, I> {
    fn point(&self, _at: At, gg: usize, v: &[I]) -> I::Output {
        Self::sum(&self.c.weights(gg), |j| v[j], v.len())
    }

    fn lane(&self, gg0: usize, f: &[I], o: &mut [I::Output]) {
        match self.c.t.p {
            4 => self.lane_p::<5>(gg0, f, o),
            6 => self.lane_p::<7>(gg0, f, o),
            _ => self.lane_p::<9>(gg0, f, o),
        }
    }

    fn row(&self, gg: usize, rows: &[&[I]], o: &mut [I::Output]) {
        let w = self.c.weights(gg);
        let len = o.len();
        match rows.len() {
            5 => rows_fornberg::<I, 5>(&w, std::array::from_fn(|j| &rows[j][..len]), o),
            7 => rows_fornberg::<I, 7>(&w, std::array::from_fn(|j| &rows[j][..len]), o),
            _ => rows_fornberg::<I, 9>(&w, std::array::from_fn(|j| &rows[j][..len]), o),
        }
    }
}

#[inline(always)]
fn rows_fornberg<I: Element, const P1: usize>(
    w: &[f64; MAX_POINTS],
    rows: [&[I]; P1],
    o: &mut [I::Output],
) {
    for (k, o) in o.iter_mut().enumerate() {
        *o = Fornberg::<I>::sum(w, |j| rows[j][k], P1);
    }
}

/// How one axis is differentiated at accuracy p >= 4.
pub(crate) enum WideRule<'r, 'x> {
    /// A step in the data's precision.
    Step(f64),
    /// A step from evenly spaced coordinates, in double.
    CoordStep(f64),
    /// Uneven coordinates.
    Coords(&'r WideCoefs<'x>),
}

/// Differentiate at accuracy `t.p`: [`super::differentiate`]'s contract,
/// with `w` halo points at each `Ghost` end.
pub(crate) fn differentiate<I: Element>(
    slab: Slab<'_, '_, I>,
    axis: usize,
    rule: WideRule<'_, '_>,
    t: &Tables,
    job: Job,
) {
    match rule {
        WideRule::Step(h) => run(&UniformW::<I, Native>::new(h, t), t, slab, axis, job),
        WideRule::CoordStep(h) => run(&UniformW::<I, Wide>::new(h, t), t, slab, axis, job),
        WideRule::Coords(c) => run(&Fornberg::<I> { c, _m: PhantomData }, t, slab, axis, job),
    }
}

/// The ends of the (tile of the) axis, output point 0's input point, and
/// the whole axis's index of the tile's first input point.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Job {
    pub ends: Ends,
    pub off: usize,
    pub base: usize,
}

fn run<I: Element, S: WideStencil<I>>(
    st: &S,
    t: &Tables,
    slab: Slab<'_, '_, I>,
    axis: usize,
    job: Job,
) {
    match slab {
        Slab::Lane(f, o) if !o.is_empty() => lane(st, t, f, o, job),
        Slab::Lane(..) => {}
        Slab::Dyn(f, o) => apply(st, t, f, o, axis, job),
        // The plan sends dense arrays here only with numpy's formulas.
        Slab::Dense(_) => unreachable!("accuracy orders p >= 4 take views"),
    }
}

/// Rows shorter than this are not worth row mode's set-up.
const MIN_ROW: usize = 8;

fn apply<I: Element, S: WideStencil<I>>(
    st: &S,
    t: &Tables,
    f: ArrayViewD<'_, I>,
    out: ArrayViewMutD<'_, I::Output>,
    axis: usize,
    job: Job,
) {
    if out.is_empty() {
        return;
    }
    let inner = (0..f.ndim())
        .filter(|&j| j != axis && f.len_of(Axis(j)) > 1)
        .min_by_key(|&j| f.stride_of(Axis(j)).unsigned_abs());
    match inner {
        Some(j)
            if f.len_of(Axis(j)) >= MIN_ROW
                && f.stride_of(Axis(j)).unsigned_abs() < f.stride_of(Axis(axis)).unsigned_abs() =>
        {
            rows(st, t, f, out, axis, job, j)
        }
        _ => {
            let mut out = out;
            Zip::from(out.lanes_mut(Axis(axis)))
                .and(f.lanes(Axis(axis)))
                .for_each(|o, f| lane(st, t, f, o, job))
        }
    }
}

#[inline(always)]
fn wrap(k: isize, n: usize) -> usize {
    k.rem_euclid(n as isize) as usize
}

/// One lane: `n` input and `m` output points.
fn lane<I: Element, S: WideStencil<I>>(
    st: &S,
    t: &Tables,
    f: ArrayView1<'_, I>,
    mut o: ArrayViewMut1<'_, I::Output>,
    job: Job,
) {
    let (n, m) = (f.len(), o.len());
    let w = t.w();
    let Job { ends, off, base } = job;
    // Output points whose central window lies inside the lane: [k0, k1).
    let k0 = w.saturating_sub(off).min(m);
    let k1 = n.saturating_sub(w).saturating_sub(off).clamp(k0, m);
    let (mut a, mut b) = (0, 0);
    if k1 > k0 {
        if let (Some(fs), Some(os)) = (f.as_slice(), o.as_slice_mut()) {
            let (g0, g1) = (k0 + off, k1 + off);
            st.lane(g0 + base, &fs[g0 - w..g1 + w], &mut os[k0..k1]);
            (a, b) = (k0, k1);
        }
    }
    let wraps = ends.lo == End::Wrap;
    let mut v = [f[0]; MAX_POINTS];
    for k in (0..a).chain(b..m) {
        let g = k + off;
        let at = at(g, n, ends, w);
        let (start, len) = span(at, g, n, t);
        if wraps {
            for (j, vj) in v.iter_mut().enumerate().take(len) {
                *vj = f[wrap(start + j as isize, n)];
            }
        } else {
            let s0 = start as usize;
            for (j, vj) in v.iter_mut().enumerate().take(len) {
                *vj = f[s0 + j];
            }
        }
        o[k] = st.point(at, g + base, &v[..len]);
    }
}

/// Row mode: for every 2-d slab (the axis and dimension `inner`, at each
/// position of the other dimensions), output row by output row, each from
/// the input rows of its window along `inner`.
fn rows<I: Element, S: WideStencil<I>>(
    st: &S,
    t: &Tables,
    f: ArrayViewD<'_, I>,
    out: ArrayViewMutD<'_, I::Output>,
    axis: usize,
    job: Job,
    inner: usize,
) {
    if f.ndim() == 2 {
        let (f, o) = (
            f.into_dimensionality::<Ix2>(),
            out.into_dimensionality::<Ix2>(),
        );
        let (Ok(f), Ok(o)) = (f, o) else {
            unreachable!("2-d views convert to Ix2");
        };
        // Axis first, inner second.
        let (f, o) = if axis == 0 {
            (f, o)
        } else {
            (f.reversed_axes(), o.reversed_axes())
        };
        return slab(st, t, f, o, job);
    }
    // Peel off the outermost (largest stride) other dimension.
    let d = (0..f.ndim())
        .filter(|&d| d != axis && d != inner)
        .max_by_key(|&d| f.stride_of(Axis(d)).unsigned_abs())
        .expect("three or more dimensions");
    let (axis2, inner2) = (axis - (axis > d) as usize, inner - (inner > d) as usize);
    let mut out = out;
    for (fi, oi) in f.axis_iter(Axis(d)).zip(out.axis_iter_mut(Axis(d))) {
        rows(st, t, fi, oi, axis2, job, inner2);
    }
}

/// One 2-d slab: `f[g, j]` with `g` along the axis.
fn slab<I: Element, S: WideStencil<I>>(
    st: &S,
    t: &Tables,
    f: ArrayView2<'_, I>,
    mut o: ArrayViewMut2<'_, I::Output>,
    job: Job,
) {
    let (n, m) = (f.nrows(), o.nrows());
    let w = t.w();
    let Job { ends, off, base } = job;
    for k in 0..m {
        let g = k + off;
        let at = at(g, n, ends, w);
        let (start, len) = span(at, g, n, t);
        let frows: [ArrayView1<'_, I>; MAX_POINTS] =
            std::array::from_fn(|j| f.row(wrap(start + j.min(len - 1) as isize, n)));
        let mut orow = o.row_mut(k);
        let slices: [&[I]; MAX_POINTS] =
            std::array::from_fn(|j| frows[j].as_slice().unwrap_or(&[]));
        match orow.as_slice_mut() {
            Some(os) if slices[..len].iter().all(|r| r.len() == os.len()) => {
                plane_rows(st, at, g + base, &slices[..len], os)
            }
            _ => {
                let mut v = [f[[0, 0]]; MAX_POINTS];
                for (i, o) in orow.iter_mut().enumerate() {
                    for (j, vj) in v.iter_mut().enumerate().take(len) {
                        *vj = frows[j][i];
                    }
                    *o = st.point(at, g + base, &v[..len]);
                }
            }
        }
    }
}

/// `o[k]` from `rows[j][k]`, the window's rows in ascending order.
fn plane_rows<I: Element, S: WideStencil<I>>(
    st: &S,
    a: At,
    gg: usize,
    rows: &[&[I]],
    o: &mut [I::Output],
) {
    if a == At::In {
        return st.row(gg, rows, o);
    }
    let len = rows.len();
    let mut v = [rows[0][0]; MAX_POINTS];
    for (k, o) in o.iter_mut().enumerate() {
        for (j, vj) in v.iter_mut().enumerate().take(len) {
            *vj = rows[j][k];
        }
        *o = st.point(a, gg, &v[..len]);
    }
}
