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
use std::sync::OnceLock;

use ndarray::{
    ArrayView, ArrayView1, ArrayViewD, ArrayViewMut1, ArrayViewMutD, Axis, IxDyn, ShapeBuilder, Zip,
};

use crate::num::{Element, Lift, Native, Num, Real, Wide};
// interior_coef: `[a, b, c]` of an interior point between two steps, one
// definition with the SIMD loops, which compute it in lanes.
use crate::simd::{interior_coef, Coef3};
use crate::small::Small;

pub(crate) mod fused;
pub(crate) mod wide;

pub(crate) use wide::{Tables, WideCoefs};

/// How one axis is differentiated, resolved from the caller's spacing.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rule<'a> {
    /// A uniform step passed as a number (numpy: a Python float, which takes
    /// the array's precision).
    Step(Step),
    /// Evenly spaced coordinates (numpy reduces them to a float64 scalar,
    /// which promotes float32 data to double).
    CoordStep(Step),
    /// Unevenly spaced coordinates (inline: a plan for a small array
    /// allocates nothing).
    Coords(Coefs<'a>),
    /// Unevenly spaced coordinates at accuracy p >= 4.
    Wide(Box<WideCoefs<'a>>),
}

impl Default for Rule<'_> {
    /// A filler (of inline lists, and of `mem::take`): a unit step without
    /// its SIMD divisor, built without arithmetic. Plans build their rules
    /// with [`Step::new`].
    fn default() -> Self {
        Rule::Step(Step::UNIT_FILLER)
    }
}

/// A uniform step `h` with the reciprocals its loops choose by, computed
/// once. Kept small (it is moved with every plan); the stencil built from
/// it ([`Uniform::new`]) derives the edge coefficients and the SIMD divisor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step {
    pub h: f64,
    /// The exact reciprocals of `2h` and of `h`, rounded to each
    /// precision ([`Real::INDEX`]; an `f32` value kept as the double equal
    /// to it), NaN where none exists (no reciprocal is NaN; a NaN rather
    /// than an `Option` keeps a step, and so every plan, small).
    inv_two_h: [f64; 2],
    inv_h: [f64; 2],
}

impl PartialEq for Step {
    fn eq(&self, o: &Self) -> bool {
        self.h.to_bits() == o.h.to_bits()
    }
}

impl Step {
    /// `Step::new(1.0)`, built without arithmetic.
    const UNIT_FILLER: Step = Step {
        h: 1.0,
        inv_two_h: [0.5, 0.5],
        inv_h: [1.0, 1.0],
    };

    pub(crate) fn new(h: f64) -> Step {
        let recips = |x: f64| {
            [
                x.exact_reciprocal().unwrap_or(f64::NAN),
                (x as f32).exact_reciprocal().map_or(f64::NAN, f64::from),
            ]
        };
        Step {
            h,
            inv_two_h: recips(2.0 * h),
            inv_h: recips(h),
        }
    }

    /// The SIMD divisor of `2h` ([`crate::simd::Quot::for_step`]).
    pub(crate) fn quot(&self) -> Option<crate::simd::Quot> {
        crate::simd::Quot::for_step(2.0 * self.h)
    }

    /// The SIMD divisor of `h`: numpy's one-sided ends at edge order 1.
    pub(crate) fn edge_quot(&self) -> Option<crate::simd::Quot> {
        crate::simd::Quot::for_step(self.h)
    }

    /// Whether `2h`, in precision `R`, has an exact reciprocal.
    fn exact<R: Real>(&self) -> bool {
        known(self.inv_two_h[R::INDEX]).is_some()
    }
}

/// A reciprocal kept by [`Step`], NaN meaning none.
fn known(r: f64) -> Option<f64> {
    Some(r).filter(|r| !r.is_nan())
}

impl Rule<'_> {
    /// The same rule owning everything it reads, with every coefficient
    /// table a plan's runs could need built now (`lanes`: how many lanes
    /// run along the axis), so that running it never allocates nor changes
    /// it. The same bits as the borrowed rule.
    pub(crate) fn into_owned(self, lanes: usize) -> Rule<'static> {
        match self {
            Rule::Step(h) => Rule::Step(h),
            Rule::CoordStep(h) => Rule::CoordStep(h),
            Rule::Coords(c) => Rule::Coords(c.into_owned(lanes)),
            Rule::Wide(c) => Rule::Wide(Box::new(c.into_owned())),
        }
    }
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

impl Default for Ends {
    fn default() -> Ends {
        Ends::ONE_SIDED
    }
}

impl Ends {
    pub(crate) const ONE_SIDED: Ends = Ends {
        lo: End::Edge,
        hi: End::Edge,
    };

    /// Halo points on the low and high side, for a halo `width` (1, or
    /// `p / 2` at accuracy p >= 4).
    pub(crate) fn ghosts(self, width: usize) -> (usize, usize) {
        (
            (self.lo == End::Ghost) as usize * width,
            (self.hi == End::Ghost) as usize * width,
        )
    }
}

/// Coefficients of the non-uniform formulas (docs/numerics.md), from the coordinate
/// differences of one axis.
///
/// The per-point tables (`3n` doubles by row, `6n` by column) are built
/// once per call for axes of up to [`TABLE_MAX`] points that have more
/// than one lane to share them, or when row mode first needs them; lanes
/// of a longer axis (a long 1-d array) or of a lone lane compute each
/// point's coefficients as they go, with the same operations. The steps of
/// an ordinary axis are the caller's coordinates, borrowed (no copy, no
/// allocation); a periodic axis owns its padded differences.
#[derive(Debug)]
pub(crate) struct Coefs<'a> {
    /// The steps: point `first + k` uses steps `k` and `k + 1`.
    d: Steps<'a>,
    first: usize,
    /// Boxed: it is rarely built, and the plan moves `Coefs` around.
    table: OnceLock<Box<Table>>,
    d0: f64,
    dn: f64,
    lo: [f64; 3],
    hi: [f64; 3],
}

#[derive(Debug)]
struct Table {
    /// `[a, b, c]` of point `first + k` (row mode's per-row producer).
    rows: Vec<[f64; 3]>,
    /// The same as three columns by point (what lane loops vectorise),
    /// over the whole axis twice (`2n` entries), zero at the points the
    /// table does not hold (the ends of an axis that is not periodic): a
    /// run of points from one row into the next (the interleaved output's
    /// windows) is one slice too.
    columns: [Vec<f64>; 3],
    /// [`COPIES`](crate::simd::COPIES) copies of the columns for the
    /// streaming sweeps, made when one first asks ([`Table::copies`]).
    copies: OnceLock<Option<ColumnCopies>>,
}

/// The columns of a [`Table`] [`COPIES`](crate::simd::COPIES) times in
/// one buffer, every column of copy `k` at the page offset of copy 0's
/// plus `k` quarter pages (so that the sweep can take, row by row, one
/// whose loads no streamed store stalls: [`crate::simd::pick_copies`]).
#[derive(Debug)]
struct ColumnCopies {
    buf: Vec<f64>,
    /// Where copy 0's first column starts in `buf`.
    at: usize,
    /// Entries between one column's start and the next's (whole pages).
    col: usize,
    /// Entries between one copy's start and the next's.
    gap: usize,
}

/// Columns (of `2n` entries) up to this long are copied for the sweeps
/// ([`ColumnCopies`]: twelve of them, 1.5 MiB at most).
const COPIES_MAX: usize = 1 << 14;

impl Table {
    /// The columns' copies for a sweep (each column's slice from copy 0's
    /// start, holding every copy) and the entries between copies; None
    /// for columns longer than [`COPIES_MAX`].
    pub(crate) fn copies(&self) -> Option<([&[f64]; 3], usize)> {
        let copies = self.copies.get_or_init(|| {
            let len = self.columns[0].len();
            if len > COPIES_MAX {
                return None;
            }
            // A page of entries; columns a whole number of them and
            // `SHIFT` apart, copies a whole number and a quarter.
            const PAGE: usize = crate::simd::PAGE / 8;
            let col = len.div_ceil(PAGE) * PAGE + crate::simd::SHIFT / 8;
            let gap = (3 * col).div_ceil(PAGE) * PAGE + PAGE / crate::simd::COPIES;
            let mut buf = vec![0.0; PAGE + (crate::simd::COPIES - 1) * gap + 3 * col];
            // Copy 0 at a page boundary (Vec's buffer does not move).
            let at = (PAGE - buf.as_ptr() as usize / 8 % PAGE) % PAGE;
            for k in 0..crate::simd::COPIES {
                for (j, c) in self.columns.iter().enumerate() {
                    let start = at + k * gap + j * col;
                    buf[start..start + len].copy_from_slice(c);
                }
            }
            Some(ColumnCopies { buf, at, col, gap })
        });
        let c = copies.as_ref()?;
        let cols = [0, 1, 2].map(|j| &c.buf[c.at + j * c.col..]);
        Some((cols, c.gap))
    }
}

/// Where the steps between points come from.
#[derive(Clone, Debug)]
enum Steps<'a> {
    /// Differences computed up front (periodic axes: padded with the
    /// wrapped neighbours).
    Diffs(Diffs),
    /// The caller's coordinates: step `k` is `x[k + 1] - x[k]`, numpy's
    /// `np.diff`, computed where it is needed (the same bits every time).
    Coords(&'a [f64]),
}

impl Steps<'_> {
    /// How many steps.
    fn len(&self) -> usize {
        match self {
            Steps::Diffs(d) => d.len(),
            Steps::Coords(x) => x.len() - 1,
        }
    }

    #[inline(always)]
    fn get(&self, k: usize) -> f64 {
        match self {
            Steps::Diffs(d) => d[k],
            Steps::Coords(x) => x[k + 1] - x[k],
        }
    }
}

/// Axes up to this many points get their coefficient tables up front.
const TABLE_MAX: usize = 1 << 16;

/// The coordinate differences of one axis.
pub(crate) type Diffs = Vec<f64>;

impl Clone for Coefs<'_> {
    fn clone(&self) -> Self {
        Coefs::build(
            self.d.clone(),
            self.first,
            self.lo,
            self.hi,
            self.table.get().is_some(),
        )
    }
}

impl PartialEq for Coefs<'_> {
    fn eq(&self, o: &Self) -> bool {
        let n = self.d.len();
        self.first == o.first
            && n == o.d.len()
            && (0..n).all(|k| self.d.get(k).to_bits() == o.d.get(k).to_bits())
    }
}

impl<'a> Coefs<'a> {
    /// Test only: from the `n - 1 >= 1` coordinate differences `d`
    /// (`table` as for [`Coefs::coords`]).
    #[cfg(test)]
    pub(crate) fn new(d: Diffs, table: bool) -> Self {
        Coefs::ends(Steps::Diffs(d), table)
    }

    /// The `n >= 2` coordinates `x` of an ordinary axis, borrowed; `table`:
    /// build the per-point tables now (worth it when several lanes share
    /// them).
    pub(crate) fn coords(x: &'a [f64], table: bool) -> Self {
        Coefs::ends(Steps::Coords(x), table)
    }

    /// With numpy's one-sided edge coefficients.
    fn ends(d: Steps<'a>, table: bool) -> Self {
        let m = d.len();
        let (lo, hi) = if m >= 2 {
            let (h1, h2) = (d.get(0), d.get(1));
            let lo = [
                (-((2.0 * h1) + h2)) / (h1 * (h1 + h2)),
                (h1 + h2) / (h1 * h2),
                (-h1) / (h2 * (h1 + h2)),
            ];
            let (h1, h2) = (d.get(m - 2), d.get(m - 1));
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
        Coefs::build(d, 1, lo, hi, table)
    }

    /// A periodic axis of `n` points: `dp` holds the `n + 1` differences of
    /// the coordinates padded with one wrapped point per side, so every
    /// point gets an interior formula.
    pub(crate) fn periodic(dp: Diffs, table: bool) -> Self {
        Coefs::build(Steps::Diffs(dp), 0, [0.0; 3], [0.0; 3], table)
    }

    fn build(d: Steps<'a>, first: usize, lo: [f64; 3], hi: [f64; 3], table: bool) -> Self {
        let c = Coefs {
            d0: d.get(0),
            dn: d.get(d.len() - 1),
            d,
            first,
            table: OnceLock::new(),
            lo,
            hi,
        };
        if table && c.d.len() <= TABLE_MAX {
            c.table();
        }
        c
    }

    /// [`Rule::into_owned`]: the caller's coordinates become their
    /// differences (`x[k + 1] - x[k]`, the bits [`Steps::get`] computes),
    /// and the tables are built when a run could need them: for several
    /// lanes always (row mode builds them on demand otherwise), for a lone
    /// lane up to [`TABLE_MAX`] points (no division per point).
    fn into_owned(self, lanes: usize) -> Coefs<'static> {
        if lanes > 1 || self.d.len() <= TABLE_MAX {
            self.table();
        }
        let d = match self.d {
            Steps::Diffs(d) => d,
            Steps::Coords(x) => x.windows(2).map(|w| w[1] - w[0]).collect(),
        };
        Coefs {
            d: Steps::Diffs(d),
            first: self.first,
            table: self.table,
            d0: self.d0,
            dn: self.dn,
            lo: self.lo,
            hi: self.hi,
        }
    }

    fn table(&self) -> &Table {
        self.table.get_or_init(|| {
            let rows: Vec<[f64; 3]> = (1..self.d.len())
                .map(|k| interior_coef(self.d.get(k - 1), self.d.get(k)))
                .collect();
            let (first, n) = (self.first, rows.len() + 2 * self.first);
            let columns = [0, 1, 2].map(|j| {
                (0..2 * n)
                    .map(|p| match (p % n).checked_sub(first) {
                        Some(k) if k < rows.len() => rows[k][j],
                        _ => 0.0,
                    })
                    .collect()
            });
            Box::new(Table {
                rows,
                columns,
                copies: OnceLock::new(),
            })
        })
    }
}

/// A real divisor with, when it is a power of two, its exact reciprocal.
pub(crate) struct Divisor<R> {
    d: R,
    r: Option<R>,
}

impl<R: Real> Divisor<R> {
    fn new(d: R) -> Self {
        Divisor {
            d,
            r: d.exact_reciprocal(),
        }
    }
}

impl<R: Copy> Clone for Divisor<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: Copy> Copy for Divisor<R> {}

/// `(hi - lo) / d`: the difference in the output type, the division in the
/// stencil's precision (a multiplication when that is exact).
#[inline(always)]
fn diff_div<I: Element, L: Lift<I::Output>>(
    hi: I,
    lo: I,
    d: Divisor<<L::P as Num>::Real>,
) -> I::Output {
    let x = L::up(hi.load().sub(lo.load()));
    L::down(match d.r {
        Some(r) => x.div_real_exact(d.d, r),
        None => x.div_real(d.d),
    })
}

/// `((c0 * f0) + (c1 * f1)) + (c2 * f2)` in the stencil's precision, with
/// numpy's array-loop products.
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

/// An edge's `comb3`. numpy computes the edges of a 1-d input on single
/// elements (0-d scalars), whose complex products are not fused like its
/// array loops': `scalar` selects that arithmetic.
#[inline]
fn edge3<I: Element, L: Lift<I::Output>>(
    scalar: bool,
    c: [<L::P as Num>::Real; 3],
    f0: I,
    f1: I,
    f2: I,
) -> I::Output {
    if !scalar {
        return comb3::<I, L>(c, f0, f1, f2);
    }
    let t0 = <L::P as Num>::mul_real_scalar(c[0], L::up(f0.load()));
    let t1 = <L::P as Num>::mul_real_scalar(c[1], L::up(f1.load()));
    let t2 = <L::P as Num>::mul_real_scalar(c[2], L::up(f2.load()));
    L::down(t0.add(t1).add(t2))
}

/// The formula for one interior point, with its coefficients bound.
pub(crate) trait Point<I: Element>: Copy {
    fn eval(self, fm: I, f0: I, fp: I) -> I::Output;
    /// `o[k] = eval(fm[k], f0[k], fp[k])`: a contiguous row or lane.
    #[inline(always)]
    fn rows(self, fm: &[I], f0: &[I], fp: &[I], o: &mut [I::Output]) {
        for (((o, &x), &y), &z) in o.iter_mut().zip(fm).zip(f0).zip(fp) {
            *o = self.eval(x, y, z);
        }
    }
}

/// A differentiation stencil along one axis of `n` points.
///
/// The interior formula of point `g` is built from a per-point entry of a
/// table ([`Stencil::table`]): one shared entry for a uniform step
/// ([`Stencil::STEP`] 0), one entry per point for coordinates (`STEP` 1).
pub(crate) trait Stencil<I: Element>: Sync {
    type Op: Point<I>;
    type Coef: Copy + Sync;
    /// How far the table advances per point: 0 or 1.
    const STEP: usize;
    fn table(&self) -> &[Self::Coef];
    /// The table index of point `g`'s entry.
    fn index(&self, g: usize) -> usize;
    fn make(&self, c: Self::Coef) -> Self::Op;
    /// `out[0]` from `f[0], f[1], f[2]` (edge_order 1 ignores `f2`).
    fn left(&self, f0: I, f1: I, f2: I) -> I::Output;
    /// `out[n-1]` from `f[n-3], f[n-2], f[n-1]` (edge_order 1 ignores `fa`).
    fn right(&self, fa: I, fb: I, fc: I) -> I::Output;

    /// The interior formula at input point `g` (any point of a periodic
    /// axis, `1 <= g <= n - 2` otherwise).
    #[inline(always)]
    fn op(&self, g: usize) -> Self::Op {
        self.make(self.table()[self.index(g)])
    }

    /// `o[k]` for interior points `g0 + k`, from `f[0][k], f[1][k], f[2][k]`
    /// (the points before, at and after): the contiguous lane loop.
    fn lane_interior(&self, g0: usize, f: [&[I]; 3], o: &mut [I::Output]);

    /// `o`: consecutive interior rows of `inner >= 2` points from point
    /// `g0` on, each from the rows before, at and after it in `f` (three
    /// runs as long as `o`): the loop over an outer axis of a contiguous
    /// block. Each row by its own formula unless overridden.
    #[inline(always)]
    fn block_rows(&self, g0: usize, inner: usize, f: [&[I]; 3], o: &mut [I::Output]) {
        rows_each(self, g0, inner, f, o)
    }

    /// Whether the loops write with streaming stores.
    #[inline(always)]
    fn streams(&self) -> bool {
        false
    }

    /// [`Stencil::lane_interior`] through a SIMD loop with streaming
    /// stores, into an `o` on a 32-byte boundary holding whole SIMD blocks
    /// (whole 64-byte lines do); false (nothing written) where there is no
    /// such loop (this stencil, type or machine).
    #[inline(always)]
    fn lane_streamed(&self, _g0: usize, _f: [&[I]; 3], _o: &mut [I::Output]) -> bool {
        false
    }

    /// [`Stencil::lane_interior`] with ordinary stores (into a buffer
    /// that is read back at once).
    #[inline(always)]
    fn lane_interior_cached(&self, g0: usize, f: [&[I]; 3], o: &mut [I::Output]) {
        self.lane_interior(g0, f, o)
    }

    /// Lanes of `n` points laid end to end: each column of `cols` gets
    /// entry `k` of a lane's interior coefficients at `k % n` (any value
    /// at a lane's end points), for [`Stencil::comb_columns`]. False
    /// (nothing written) where the stencil has no such columns.
    #[inline(always)]
    fn tile_columns(&self, _n: usize, _cols: [&mut [f64]; 3]) -> bool {
        false
    }

    /// `o[k]` from `f[0][k], f[1][k], f[2][k]` by the coefficients
    /// `cols[j][k]` (from [`Stencil::tile_columns`]), ordinary stores.
    #[inline(always)]
    fn comb_columns(&self, _cols: [&[f64]; 3], _f: [&[I]; 3], _o: &mut [I::Output]) {
        unreachable!("comb_columns without tile_columns")
    }
}

/// [`Stencil::block_rows`] row by row.
#[inline(always)]
fn rows_each<I: Element, S: Stencil<I> + ?Sized>(
    st: &S,
    g0: usize,
    inner: usize,
    f: [&[I]; 3],
    o: &mut [I::Output],
) {
    for (r, o) in o.chunks_exact_mut(inner).enumerate() {
        let row = |j: usize| &f[j][r * inner..(r + 1) * inner];
        st.op(g0 + r).rows(row(0), row(1), row(2), o);
    }
}

/// A uniform step `h`, computed in precision `L`.
pub(crate) struct Uniform<I: Element, L: Lift<I::Output>, const EXACT: bool> {
    op: [UniformOp<I, L, EXACT>; 1],
    h: Divisor<<L::P as Num>::Real>,
    lo: [<L::P as Num>::Real; 3],
    hi: [<L::P as Num>::Real; 3],
    order2: bool,
    scalar_edges: bool,
    _m: PhantomData<fn() -> (I, L)>,
}

impl<I: Element, L: Lift<I::Output>, const EXACT: bool> Uniform<I, L, EXACT> {
    /// `EXACT` must be `two_h_is_exact::<I, L>(h)`.
    pub(crate) fn new(s: &Step, order2: bool, scalar_edges: bool, stream: bool) -> Self {
        type R<I, L> = <<L as Lift<<I as Element>::Output>>::P as Num>::Real;
        let r = <R<I, L> as Real>::from_f64;
        let i = <R<I, L> as Real>::INDEX;
        let h = s.h;
        // numpy's second-order edge coefficients, in double; only
        // edge_order 2 reads them (six divisions a call spared otherwise).
        let (lo, hi) = if order2 {
            ([-1.5 / h, 2.0 / h, -0.5 / h], [0.5 / h, -2.0 / h, 1.5 / h])
        } else {
            ([0.0; 3], [0.0; 3])
        };
        Uniform {
            op: [UniformOp {
                two_h: r(2.0 * h),
                inv: r(known(s.inv_two_h[i]).unwrap_or(2.0 * h)),
                // A true division, numpy's, for every point: the SIMD
                // reciprocal loop gives the same bits (crate::simd).
                // With an exact reciprocal the portable loop multiplies at
                // memory speed; the SIMD loop adds streaming stores.
                quot: match (L::NATIVE, EXACT, stream) {
                    (true, false, _) | (true, true, true) => s.quot(),
                    _ => None,
                },
                stream,
                _m: PhantomData,
            }],
            h: Divisor {
                d: r(h),
                r: known(s.inv_h[i]).map(r),
            },
            lo: lo.map(r),
            hi: hi.map(r),
            order2,
            scalar_edges,
            _m: PhantomData,
        }
    }
}

/// The interior formula of a uniform step; `EXACT` when `2h` has an exact
/// reciprocal (the division is then a multiplication, decided once per call
/// so the loops stay branch-free).
pub(crate) struct UniformOp<I: Element, L: Lift<I::Output>, const EXACT: bool> {
    two_h: <L::P as Num>::Real,
    inv: <L::P as Num>::Real,
    /// The divisor for the SIMD reciprocal loop, when it runs here.
    quot: Option<crate::simd::Quot>,
    /// Write contiguous rows with streaming stores.
    stream: bool,
    _m: PhantomData<fn() -> (I, L)>,
}

impl<I: Element, L: Lift<I::Output>, const E: bool> Clone for UniformOp<I, L, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<I: Element, L: Lift<I::Output>, const E: bool> Copy for UniformOp<I, L, E> {}

impl<I: Element, L: Lift<I::Output>, const EXACT: bool> Point<I> for UniformOp<I, L, EXACT> {
    #[inline(always)]
    fn eval(self, fm: I, _f0: I, fp: I) -> I::Output {
        let x = L::up(fp.load().sub(fm.load()));
        L::down(if EXACT {
            x.div_real_exact(self.two_h, self.inv)
        } else {
            x.div_real(self.two_h)
        })
    }
    #[inline(always)]
    fn rows(self, fm: &[I], f0: &[I], fp: &[I], o: &mut [I::Output]) {
        if let Some(q) = &self.quot {
            if I::sub_div_rows(q, fm, fp, o, self.stream) {
                return;
            }
        }
        for (((o, &x), &y), &z) in o.iter_mut().zip(fm).zip(f0).zip(fp) {
            *o = self.eval(x, y, z);
        }
    }
}

impl<I: Element, L: Lift<I::Output>, const EXACT: bool> Stencil<I> for Uniform<I, L, EXACT> {
    type Op = UniformOp<I, L, EXACT>;
    type Coef = UniformOp<I, L, EXACT>;
    const STEP: usize = 0;
    #[inline(always)]
    fn table(&self) -> &[Self::Coef] {
        &self.op
    }
    #[inline(always)]
    fn index(&self, _g: usize) -> usize {
        0
    }
    #[inline(always)]
    fn make(&self, c: Self::Coef) -> Self::Op {
        c
    }
    #[inline(always)]
    fn lane_interior(&self, _g0: usize, f: [&[I]; 3], o: &mut [I::Output]) {
        let [fa, fb, fc] = f;
        self.op[0].rows(fa, fb, fc, o);
    }
    #[inline(always)]
    fn block_rows(&self, _g0: usize, _inner: usize, f: [&[I]; 3], o: &mut [I::Output]) {
        // One formula: the rows are one run.
        let [fa, fb, fc] = f;
        self.op[0].rows(fa, fb, fc, o);
    }
    #[inline(always)]
    fn streams(&self) -> bool {
        self.op[0].stream
    }
    #[inline(always)]
    fn lane_streamed(&self, _g0: usize, f: [&[I]; 3], o: &mut [I::Output]) -> bool {
        let [fa, _, fc] = f;
        (self.op[0].quot.as_ref()).is_some_and(|q| I::sub_div_rows(q, fa, fc, o, true))
    }
    #[inline(always)]
    fn lane_interior_cached(&self, _g0: usize, f: [&[I]; 3], o: &mut [I::Output]) {
        let [fa, fb, fc] = f;
        let op = UniformOp {
            stream: false,
            ..self.op[0]
        };
        op.rows(fa, fb, fc, o);
    }
    #[inline]
    fn left(&self, f0: I, f1: I, f2: I) -> I::Output {
        if self.order2 {
            edge3::<I, L>(self.scalar_edges, self.lo, f0, f1, f2)
        } else {
            diff_div::<I, L>(f1, f0, self.h)
        }
    }
    #[inline]
    fn right(&self, fa: I, fb: I, fc: I) -> I::Output {
        if self.order2 {
            edge3::<I, L>(self.scalar_edges, self.hi, fa, fb, fc)
        } else {
            diff_div::<I, L>(fc, fb, self.h)
        }
    }
}

/// Unevenly spaced coordinates, always computed in double precision.
pub(crate) struct NonUniform<'a, 'x, I> {
    c: &'a Coefs<'x>,
    order2: bool,
    scalar_edges: bool,
    /// Streaming stores: rows straight from the SIMD loop, lanes through
    /// the staged buffer ([`dense_lanes_staged`]).
    stream: bool,
    _m: PhantomData<fn() -> I>,
}

impl<'a, 'x, I> NonUniform<'a, 'x, I> {
    pub(crate) fn new(c: &'a Coefs<'x>, order2: bool, scalar_edges: bool, stream: bool) -> Self {
        NonUniform {
            c,
            order2,
            scalar_edges,
            stream,
            _m: PhantomData,
        }
    }
}

impl<I: Element> NonUniform<'_, '_, I> {
    /// A lane's interior points `o` from `f` (the points before, at and
    /// after) with the coefficients `c`: the SIMD loop, else point by
    /// point, the points' coefficients from `coefs` (the same, in order).
    #[inline(always)]
    fn comb(
        &self,
        c: Coef3<'_>,
        coefs: impl Iterator<Item = [f64; 3]>,
        f: [&[I]; 3],
        o: &mut [I::Output],
    ) {
        if o.len() >= COMB3_SIMD_MIN && I::comb3_rows(c, f, o, false) {
            return;
        }
        let points = o.iter_mut().zip(f[0]).zip(f[1]).zip(f[2]);
        for ((((o, &x), &y), &z), c) in points.zip(coefs) {
            *o = self.make(c).eval(x, y, z);
        }
    }
}

pub(crate) struct CoefOp<I> {
    c: [f64; 3],
    stream: bool,
    _m: PhantomData<fn() -> I>,
}

/// Rows shorter than this take the portable loop (a call into the SIMD
/// loop costs more than it saves there: small plans' rows).
const COMB3_SIMD_MIN: usize = 16;

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
    #[inline(always)]
    fn rows(self, fm: &[I], f0: &[I], fp: &[I], o: &mut [I::Output]) {
        if (o.len() >= COMB3_SIMD_MIN || self.stream)
            && I::comb3_rows(Coef3::Same(self.c), [fm, f0, fp], o, self.stream)
        {
            return;
        }
        for (((o, &x), &y), &z) in o.iter_mut().zip(fm).zip(f0).zip(fp) {
            *o = self.eval(x, y, z);
        }
    }
}

impl<I: Element> Stencil<I> for NonUniform<'_, '_, I> {
    type Op = CoefOp<I>;
    type Coef = [f64; 3];
    const STEP: usize = 1;
    #[inline(always)]
    fn table(&self) -> &[Self::Coef] {
        &self.c.table().rows
    }
    #[inline(always)]
    fn index(&self, g: usize) -> usize {
        g - self.c.first
    }
    #[inline(always)]
    fn make(&self, c: Self::Coef) -> Self::Op {
        CoefOp {
            c,
            stream: self.stream,
            _m: PhantomData,
        }
    }
    #[inline(always)]
    fn streams(&self) -> bool {
        self.stream
    }
    #[inline(always)]
    fn block_rows(&self, g0: usize, inner: usize, f: [&[I]; 3], o: &mut [I::Output]) {
        // All the rows in one SIMD loop when the table is there: one call,
        // and streamed lines never shared with ordinary stores at row
        // boundaries that are not 32-byte aligned.
        if let (Some(t), true) = (self.c.table.get(), inner >= COMB3_SIMD_MIN) {
            let k = g0 - self.c.first;
            let rows = &t.rows[k..k + o.len() / inner];
            if I::comb3_rows(Coef3::Rows(rows, inner), f, o, self.stream) {
                return;
            }
        }
        rows_each(self, g0, inner, f, o)
    }
    #[inline(always)]
    fn op(&self, g: usize) -> Self::Op {
        let k = g - self.c.first;
        match self.c.table.get() {
            Some(t) => self.make(t.rows[k]),
            None => self.make(interior_coef(self.c.d.get(k), self.c.d.get(k + 1))),
        }
    }
    fn tile_columns(&self, n: usize, cols: [&mut [f64]; 3]) -> bool {
        let Some(t) = self.c.table.get() else {
            return false;
        };
        if t.columns.iter().any(|c| c.len() < n) {
            return false;
        }
        for (to, from) in cols.into_iter().zip(&t.columns) {
            for (k, x) in to.iter_mut().enumerate() {
                *x = from[k % n];
            }
        }
        true
    }
    #[inline(always)]
    fn comb_columns(&self, cols: [&[f64]; 3], f: [&[I]; 3], o: &mut [I::Output]) {
        let [a, b, c] = cols;
        let coefs = a.iter().zip(b).zip(c).map(|((&a, &b), &c)| [a, b, c]);
        self.comb(Coef3::Each(cols), coefs, f, o);
    }
    #[inline(always)]
    fn lane_streamed(&self, g0: usize, f: [&[I]; 3], o: &mut [I::Output]) -> bool {
        let Some(t) = self.c.table.get() else {
            return false;
        };
        let r = g0..g0 + o.len();
        let [a, b, c] = &t.columns;
        let each = [&a[r.clone()], &b[r.clone()], &c[r]];
        I::comb3_rows(Coef3::Each(each), f, o, true)
    }
    #[inline(always)]
    fn lane_interior(&self, g0: usize, f: [&[I]; 3], o: &mut [I::Output]) {
        let (k, len) = (g0 - self.c.first, o.len());
        match (self.c.table.get(), &self.c.d) {
            (Some(t), _) => {
                let [a, b, c] = &t.columns;
                let [a, b, c] = [&a[g0..g0 + len], &b[g0..g0 + len], &c[g0..g0 + len]];
                let coefs = a.iter().zip(b).zip(c).map(|((&a, &b), &c)| [a, b, c]);
                self.comb(Coef3::Each([a, b, c]), coefs, f, o);
            }
            // No table (a long lone lane): the SIMD loop computes each
            // point's coefficients from its steps as it goes (four points'
            // divisions at a time: the divider sets the pace), from the
            // coordinates too (numpy's np.diff in the loop).
            (None, Steps::Diffs(d)) => {
                let h = &d[k..k + len + 1];
                let coefs = h.windows(2).map(|h| interior_coef(h[0], h[1]));
                self.comb(Coef3::Steps(h), coefs, f, o);
            }
            (None, Steps::Coords(x)) => {
                let x = &x[k..k + len + 2];
                let coefs = x
                    .windows(3)
                    .map(|w| interior_coef(w[1] - w[0], w[2] - w[1]));
                self.comb(Coef3::Coords(x), coefs, f, o);
            }
        }
    }
    #[inline]
    fn left(&self, f0: I, f1: I, f2: I) -> I::Output {
        if self.order2 {
            edge3::<I, Wide>(self.scalar_edges, self.c.lo, f0, f1, f2)
        } else {
            diff_div::<I, Wide>(f1, f0, Divisor::new(self.c.d0))
        }
    }
    #[inline]
    fn right(&self, fa: I, fb: I, fc: I) -> I::Output {
        if self.order2 {
            edge3::<I, Wide>(self.scalar_edges, self.c.hi, fa, fb, fc)
        } else {
            diff_div::<I, Wide>(fc, fb, Divisor::new(self.c.dn))
        }
    }
}

/// How points are computed beyond the axis's rule.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Mode<'t> {
    /// numpy's edge_order 2 (else 1) at one-sided ends.
    pub order2: bool,
    /// numpy's 0-d scalar arithmetic at the edges (a 1-d input).
    pub scalar_edges: bool,
    /// The tables of an accuracy order p >= 4 (then `w = p / 2` halo points
    /// at a `Ghost` end), or None for numpy's formulas.
    pub wide: Option<&'t Tables>,
    /// Streaming (non-temporal) stores for outputs far larger than the
    /// cache, where the SIMD loops run.
    pub stream: bool,
}

/// Differentiate `f` along `axis` into `out` by `rule`.
///
/// `f` has `n` points along `axis`; `out` has `m` points (the same extent on
/// every other dimension), output point `i` being input point `i + off`.
/// `base` is the index, in the axis the rule was made for, of `f`'s first
/// point (nonzero when `f` is a tile of a larger input). The caller
/// guarantees `off + m <= n`, a neighbour beyond every output point that is
/// not at an `Edge` or `Wrap` end, and enough points for the edge formulas.
/// `mode`: the formulas and how the stores are made.
pub(crate) fn differentiate<I: Element>(
    slab: Slab<'_, '_, I>,
    axis: usize,
    rule: &Rule<'_>,
    ends: Ends,
    (off, base): (usize, usize),
    mode: Mode<'_>,
) {
    let Mode {
        order2,
        scalar_edges,
        wide,
        stream,
    } = mode;
    if let Some(t) = wide {
        let rule = match rule {
            Rule::Step(s) => wide::WideRule::Step(s.h),
            Rule::CoordStep(s) => wide::WideRule::CoordStep(s.h),
            Rule::Wide(c) => wide::WideRule::Coords(c),
            Rule::Coords(_) => unreachable!("accuracy p >= 4 never builds 3-point coefficients"),
        };
        #[cfg(feature = "test-panic-hook")]
        panic_hook(&slab);
        let job = wide::Job { ends, off, base };
        return wide::differentiate(slab, axis, rule, t, job);
    }
    let job = Job {
        axis,
        ends,
        off,
        base,
    };
    let (o2, se) = (order2, scalar_edges);
    match rule {
        Rule::Step(h) if h.exact::<RealOf<I, Native>>() => run(
            &Uniform::<I, Native, true>::new(h, o2, se, stream),
            slab,
            job,
        ),
        Rule::Step(h) => run(
            &Uniform::<I, Native, false>::new(h, o2, se, stream),
            slab,
            job,
        ),
        Rule::CoordStep(h) if h.exact::<RealOf<I, Wide>>() => {
            run(&Uniform::<I, Wide, true>::new(h, o2, se, stream), slab, job)
        }
        Rule::CoordStep(h) => run(
            &Uniform::<I, Wide, false>::new(h, o2, se, stream),
            slab,
            job,
        ),
        Rule::Coords(c) => run(&NonUniform::<I>::new(c, o2, se, stream), slab, job),
        Rule::Wide(_) => unreachable!("a p >= 4 rule needs its tables"),
    }
}

/// The stencil of one axis built once for element type `I` (a plan's
/// small dense runs: no dispatch on the rule nor set-up per call). Steps
/// keep their stencil; coordinates build theirs (a reference) per run from
/// the rule.
pub(crate) enum Prepared<I: Element> {
    NativeExact(Uniform<I, Native, true>),
    Native(Uniform<I, Native, false>),
    WideExact(Uniform<I, Wide, true>),
    Wide(Uniform<I, Wide, false>),
    Coords { order2: bool, scalar_edges: bool },
}

impl<I: Element> Prepared<I> {
    /// numpy's formulas (accuracy 2) for `rule`, as [`differentiate`] picks
    /// them; None for the wide rules of accuracy orders.
    pub(crate) fn new(rule: &Rule<'_>, order2: bool, scalar_edges: bool) -> Option<Self> {
        let (o2, se) = (order2, scalar_edges);
        Some(match rule {
            Rule::Step(h) if h.exact::<RealOf<I, Native>>() => {
                Prepared::NativeExact(Uniform::new(h, o2, se, false))
            }
            Rule::Step(h) => Prepared::Native(Uniform::new(h, o2, se, false)),
            Rule::CoordStep(h) if h.exact::<RealOf<I, Wide>>() => {
                Prepared::WideExact(Uniform::new(h, o2, se, false))
            }
            Rule::CoordStep(h) => Prepared::Wide(Uniform::new(h, o2, se, false)),
            Rule::Coords(_) => Prepared::Coords {
                order2,
                scalar_edges,
            },
            Rule::Wide(_) => return None,
        })
    }

    /// The loops [`Prepared::run`] takes for whole slabs of `geometry`
    /// (outer, n, inner) with merged lanes.
    pub(crate) fn route(&self, geometry: (usize, usize, usize)) -> Route {
        let uniform = !matches!(self, Prepared::Coords { .. });
        Route::of(geometry, true, true, uniform)
    }

    /// [`differentiate`] of a dense slab by this stencil (`rule`: the one
    /// it was prepared from), without streaming stores; `route` from
    /// [`Prepared::route`] for the slab's geometry, whole and merged.
    #[inline]
    pub(crate) fn run<'r, 'x: 'r>(
        &self,
        rule: impl FnOnce() -> &'r Rule<'x>,
        d: Dense<'_, '_, I>,
        ends: Ends,
        route: Route,
    ) {
        #[cfg(feature = "test-panic-hook")]
        panic_hook(&Slab::Dense(Dense {
            f: d.f,
            out: &mut [],
            ..d
        }));
        match self {
            Prepared::NativeExact(st) => dense_by(st, d, ends, route),
            Prepared::Native(st) => dense_by(st, d, ends, route),
            Prepared::WideExact(st) => dense_by(st, d, ends, route),
            Prepared::Wide(st) => dense_by(st, d, ends, route),
            Prepared::Coords {
                order2,
                scalar_edges,
            } => match rule() {
                Rule::Coords(c) => {
                    let st = NonUniform::new(c, *order2, *scalar_edges, false);
                    dense_by(&st, d, ends, route)
                }
                _ => unreachable!("prepared from another rule"),
            },
        }
    }
}

/// An input and one output of the same shape but for the axis: any number
/// of dimensions, or a single lane (a 1-d call, which skips the dynamic
/// dimension handling).
pub(crate) enum Slab<'f, 'o, I: Element> {
    Dyn(ArrayViewD<'f, I>, ArrayViewMutD<'o, I::Output>),
    Lane(ArrayView1<'f, I>, ArrayViewMut1<'o, I::Output>),
    /// Contiguous memory (no views to set up: small and repeated calls).
    Dense(Dense<'f, 'o, I>),
}

/// A contiguous input seen as `outer` blocks of `n` rows (the axis) of
/// `inner` contiguous elements, and an output holding rows `rows.0 ..
/// rows.1` of every block (all of them, or a tile of an outermost axis).
/// `f` is the whole axis: the rows' neighbours and both ends are in it.
pub(crate) struct Dense<'f, 'o, I: Element> {
    pub f: &'f [I],
    pub out: &'o mut [I::Output],
    pub outer: usize,
    pub n: usize,
    pub inner: usize,
    pub rows: (usize, usize),
    /// The lanes may be computed as one loop, the lane ends written twice
    /// (not with streaming stores).
    pub merge: bool,
}

fn run<I: Element, S: Stencil<I>>(st: &S, slab: Slab<'_, '_, I>, job: Job) {
    // Test only (cargo feature `test-panic-hook`, off by default: then this
    // is not compiled at all): a slab with an extent of 12345 panics here, on
    // the calling thread or on a worker thread, so tests/panic_boundary.rs can
    // prove the C boundary reports GRAD_STATUS_INTERNAL and the process lives.
    #[cfg(feature = "test-panic-hook")]
    panic_hook(&slab);
    match slab {
        Slab::Dyn(f, out) => apply(st, f, out, job),
        Slab::Lane(f, out) if !out.is_empty() => lane(st, f, out, job),
        Slab::Lane(..) => {}
        Slab::Dense(d) => dense(st, d, job.ends),
    }
}

#[cfg(feature = "test-panic-hook")]
fn panic_hook<I: Element>(slab: &Slab<'_, '_, I>) {
    let dense;
    let shape = match slab {
        Slab::Dyn(f, _) => f.shape(),
        Slab::Lane(f, _) => f.shape(),
        Slab::Dense(d) => {
            // A tile of an outermost axis: its rows count too.
            dense = [d.outer, d.n, d.inner, d.rows.1 - d.rows.0];
            &dense[..]
        }
    };
    if shape.contains(&12345) {
        panic!("test-panic-hook: an input slab of shape {shape:?}");
    }
}

/// The real type of input `I`'s stencil in precision `L`.
type RealOf<I, L> = <<L as Lift<<I as Element>::Output>>::P as Num>::Real;

/// The axis, its ends, the input point of output point 0, and the rule
/// index of the view's first point.
#[derive(Clone, Copy)]
struct Job {
    axis: usize,
    ends: Ends,
    off: usize,
    base: usize,
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
fn eval<I: Element, S: Stencil<I>>(
    st: &S,
    fm: Formula,
    base: usize,
    a: I,
    b: I,
    c: I,
) -> I::Output {
    match fm {
        Formula::Left => st.left(a, b, c),
        Formula::Right => st.right(a, b, c),
        Formula::Op(g) => st.op(g + base).eval(a, b, c),
    }
}

/// The output positions that are not plain interior points: the first and
/// the last (one position when `m == 1`).
fn end_positions(m: usize) -> impl Iterator<Item = usize> {
    std::iter::once(0).chain((m > 1).then_some(m - 1))
}

/// Rows shorter than this are not worth the per-row set-up of row mode.
const MIN_ROW: usize = 8;

fn apply<I: Element, S: Stencil<I>>(
    st: &S,
    f: ArrayViewD<'_, I>,
    mut out: ArrayViewMutD<'_, I::Output>,
    job: Job,
) {
    if out.is_empty() {
        return;
    }
    if f.ndim() == 1 {
        // One lane: no lane iteration to set up (small 1-d calls).
        let (f, o) = (f.into_dimensionality(), out.into_dimensionality());
        if let (Ok(f), Ok(o)) = (f, o) {
            return lane(st, f, o, job);
        }
        unreachable!("a 1-d view converts to Ix1");
    }
    let axis = job.axis;
    let inner = (0..f.ndim())
        .filter(|&j| j != axis && f.len_of(Axis(j)) > 1)
        .min_by_key(|&j| f.stride_of(Axis(j)).unsigned_abs());
    match inner {
        Some(j)
            if f.len_of(Axis(j)) >= MIN_ROW
                && f.stride_of(Axis(j)).unsigned_abs() < f.stride_of(Axis(axis)).unsigned_abs() =>
        {
            rows(st, f, out, job, j)
        }
        _ => Zip::from(out.lanes_mut(Axis(axis)))
            .and(f.lanes(Axis(axis)))
            .for_each(|o, f| lane(st, f, o, job)),
    }
}

/// Row mode: output row by output row along dimension `inner`, each from the
/// three input rows around it along the axis. One `Zip` over all interior
/// rows lets ndarray walk them in memory order whatever the axis; the two
/// end planes follow.
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
    let off = job.off;
    // Dimension numbers once `inner` is taken out.
    let jj = if inner > job.axis { inner - 1 } else { inner };
    let aa = if job.axis > inner {
        job.axis - 1
    } else {
        job.axis
    };
    if m > 2 {
        let lanes = |k: usize| f.slice_axis(axis, (off + k..off + k + m - 2).into());
        let (fa, fb, fc) = (lanes(0), lanes(1), lanes(2));
        let mut o = out.slice_axis_mut(axis, (1..m - 1).into());
        // The formula table as a producer of the rows' shape: stride 0
        // everywhere but along the axis (and there too for a uniform step).
        let shape: Small<usize> = (o.shape().iter().enumerate())
            .filter(|&(d, _)| d != inner)
            .map(|(_, &n)| n)
            .collect();
        let mut strides: Small<usize> = Small::filled(0, shape.len());
        strides[aa] = S::STEP;
        let table = &st.table()[st.index(off + 1 + job.base)..];
        let coefs = ArrayView::from_shape(IxDyn(&shape).strides(IxDyn(&strides)), table)
            .expect("the formula table covers every interior row");
        Zip::from(o.lanes_mut(Axis(inner)))
            .and(fa.lanes(Axis(inner)))
            .and(fb.lanes(Axis(inner)))
            .and(fc.lanes(Axis(inner)))
            .and(coefs)
            .for_each(|o, a, b, c, &k| {
                row3_op(o, a, b, c, st.make(k));
            });
    }
    let plane = |k: usize| f.index_axis(axis, k);
    for i in end_positions(m) {
        let (fm, [a, b, c]) = end_point(i + off, n, job.ends);
        let (o, planes) = (out.index_axis_mut(axis, i), [plane(a), plane(b), plane(c)]);
        // One formula per plane: keep the per-element loop branch-free.
        match fm {
            Formula::Left => planes3(o, planes, jj, |a, b, c| st.left(a, b, c)),
            Formula::Right => planes3(o, planes, jj, |a, b, c| st.right(a, b, c)),
            Formula::Op(g) => {
                let op = st.op(g + job.base);
                planes3(o, planes, jj, move |a, b, c| op.eval(a, b, c))
            }
        }
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

/// `o[j] = op(a[j], b[j], c[j])`; the point's row loop when everything is
/// contiguous.
#[inline(always)]
fn row3_op<I: Element, P: Point<I>>(
    mut o: ArrayViewMut1<'_, I::Output>,
    a: ArrayView1<'_, I>,
    b: ArrayView1<'_, I>,
    c: ArrayView1<'_, I>,
    op: P,
) {
    if let (Some(a), Some(b), Some(c)) = (a.as_slice(), b.as_slice(), c.as_slice()) {
        if let Some(o) = o.as_slice_mut() {
            return op.rows(a, b, c, o);
        }
    }
    Zip::from(o)
        .and(a)
        .and(b)
        .and(c)
        .for_each(|o, &a, &b, &c| *o = op.eval(a, b, c));
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
    job: Job,
) {
    if let Some(fs) = f.as_slice() {
        if let Some(os) = o.as_slice_mut() {
            return lane_slice(st, fs, os, job);
        }
    }
    let (n, m) = (f.len(), o.len());
    let (ends, base) = (job.ends, job.base);
    let off = job.off;
    // A strided lane: plain indexing (no per-lane slicing set-up).
    for k in 1..m.saturating_sub(1) {
        let g = k + off;
        o[k] = st.op(g + base).eval(f[g - 1], f[g], f[g + 1]);
    }
    for i in end_positions(m) {
        let (fm, [a, b, c]) = end_point(i + off, n, ends);
        o[i] = eval(st, fm, base, f[a], f[b], f[c]);
    }
}

fn lane_slice<I: Element, S: Stencil<I>>(st: &S, f: &[I], o: &mut [I::Output], job: Job) {
    let (n, m) = (f.len(), o.len());
    let (ends, base) = (job.ends, job.base);
    let off = job.off;
    if m > 2 {
        let f3 = [
            &f[off..off + m - 2],
            &f[off + 1..off + m - 1],
            &f[off + 2..off + m],
        ];
        st.lane_interior(off + 1 + base, f3, &mut o[1..m - 1]);
    }
    for i in end_positions(m) {
        let (fm, [a, b, c]) = end_point(i + off, n, ends);
        o[i] = eval(st, fm, base, f[a], f[b], f[c]);
    }
}

/// Dense mode: plain slice loops over contiguous memory. A lane (`inner
/// == 1`) is the contiguous lane loop; otherwise each interior output row is
/// the row loop over the three input rows around it, and the end rows take
/// their formulas element by element. The same formulas as lane and row
/// mode, so the same bits.
///
/// A uniform step has one interior formula, so the interior rows of a
/// block are one contiguous loop; and with `merge`, the lanes of all
/// blocks are one loop too, whose points at the lane ends are then
/// overwritten by their end formulas (short lanes cost no per-lane set-up).
#[inline(always)]
fn dense<I: Element, S: Stencil<I>>(st: &S, d: Dense<'_, '_, I>, ends: Ends) {
    let whole = d.rows == (0, d.n);
    let route = Route::of((d.outer, d.n, d.inner), whole, d.merge, S::STEP == 0);
    let route = match route {
        Route::Merged | Route::Small if st.streams() => Route::Blocks,
        r => r,
    };
    dense_by(st, d, ends, route)
}

/// Which loops [`dense`] runs a slab by (a plan decides it once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// One whole lane: [`dense_lane`].
    Lane,
    /// A small slab by a uniform step: [`merged_uniform`].
    Merged,
    /// A small slab by coordinates: [`dense_small`].
    Small,
    /// Anything else: [`dense_blocks`].
    Blocks,
}

impl Route {
    /// The route of a slab of `outer` blocks of `n` rows of `inner` points
    /// without streaming stores: `whole` when the output holds every row
    /// of every block, `merge` as [`Dense::merge`], `uniform` for a
    /// stencil of one interior formula ([`Stencil::STEP`] 0).
    pub(crate) fn of(
        (outer, n, inner): (usize, usize, usize),
        whole: bool,
        merge: bool,
        uniform: bool,
    ) -> Route {
        // A whole lane (small 1-d calls) in a function of its own: the
        // set-up of the general loops costs more than such a lane.
        if (outer, inner) == (1, 1) && whole && n >= 2 {
            return Route::Lane;
        }
        // Small slabs (small plans: AMR blocks, tiny arrays) in one of
        // their own too.
        let len = outer.saturating_mul(n).saturating_mul(inner);
        if merge && whole && n >= 2 && len <= SMALL_LEN {
            return if uniform { Route::Merged } else { Route::Small };
        }
        Route::Blocks
    }
}

/// [`dense`] by `route`.
#[inline(always)]
fn dense_by<I: Element, S: Stencil<I>>(st: &S, d: Dense<'_, '_, I>, ends: Ends, route: Route) {
    let geometry = (d.outer, d.n, d.inner);
    match route {
        Route::Lane => dense_lane(st, d.f, d.out, ends),
        Route::Merged => merged_uniform(st, d.f, d.out, geometry, ends),
        Route::Small => dense_small(st, d.f, d.out, geometry, ends),
        Route::Blocks => dense_blocks(st, d, ends),
    }
}

/// Slabs of up to this many points take [`merged_uniform`] (a uniform
/// step) or [`dense_small`] (coordinates).
const SMALL_LEN: usize = 4096;

/// [`dense`] of a whole small slab of `outer` blocks of `n >= 2` rows of
/// `inner` points by coordinates (a formula per row): each block's
/// interior rows (or a lane's interior points) by plain loops, then every
/// block's two end rows.
#[inline(never)]
fn dense_small<I: Element, S: Stencil<I>>(
    st: &S,
    f: &[I],
    out: &mut [I::Output],
    (outer, n, inner): (usize, usize, usize),
    ends: Ends,
) {
    let b = n * inner;
    let len = outer * b;
    let (f, out) = (&f[..len], &mut out[..len]);
    if n > 2 {
        for k in 0..outer {
            let (f, o) = (&f[k * b..(k + 1) * b], &mut out[k * b..(k + 1) * b]);
            if inner == 1 {
                st.lane_interior(1, [&f[..n - 2], &f[1..n - 1], &f[2..]], &mut o[1..n - 1]);
                continue;
            }
            for g in 1..n - 1 {
                let row = |g: usize| &f[g * inner..(g + 1) * inner];
                let o = &mut o[g * inner..(g + 1) * inner];
                st.op(g).rows(row(g - 1), row(g), row(g + 1), o);
            }
        }
    }
    slab_ends(st, f, out, (n, inner), ends);
}

/// [`dense`] of a whole slab of `outer` blocks of `n >= 2` rows of `inner`
/// points by a uniform step ([`Stencil::STEP`] 0), whose interior formula
/// is the same at every point: one loop over the slab from its second row
/// to its last but one, then every block's two end rows, which overwrite
/// what that loop wrote there. Small slabs (small plans) and merged lanes
/// of any length: the least set-up per call.
#[inline(never)]
fn merged_uniform<I: Element, S: Stencil<I>>(
    st: &S,
    f: &[I],
    out: &mut [I::Output],
    (outer, n, inner): (usize, usize, usize),
    ends: Ends,
) {
    let b = n * inner;
    let len = outer * b;
    let (f, out) = (&f[..len], &mut out[..len]);
    if len > 2 * inner {
        let s = inner;
        let o = &mut out[s..len - s];
        st.op(1)
            .rows(&f[..len - 2 * s], &f[s..len - s], &f[2 * s..], o);
    }
    slab_ends(st, f, out, (n, inner), ends);
}

/// The two end rows of every block of `n` rows of `inner` points of a
/// slab (a lane's two end points when `inner` is 1; `f` and `out` hold
/// whole blocks), each formula in a loop of its own.
#[inline(always)]
fn slab_ends<I: Element, S: Stencil<I>>(
    st: &S,
    f: &[I],
    out: &mut [I::Output],
    (n, inner): (usize, usize),
    ends: Ends,
) {
    if let ((Formula::Left, lo), (Formula::Right, hi)) =
        (end_point(0, n, ends), end_point(n - 1, n, ends))
    {
        // numpy's edges at both ends (most calls): both end rows in one
        // pass.
        let (el, er) = (|a, b, c| st.left(a, b, c), |a, b, c| st.right(a, b, c));
        if inner == 1 {
            return edge_lanes(f, out, n, [lo, hi], el, er);
        }
        return edge_blocks(f, out, (n, inner), [lo, hi], el, er);
    }
    for g in [0, n - 1] {
        let (fm, [x, y, z]) = end_point(g, n, ends);
        let at = [g, x, y, z];
        let geometry = (n, inner);
        match fm {
            Formula::Left => each_end(f, out, geometry, at, |a, b, c| st.left(a, b, c)),
            Formula::Right => each_end(f, out, geometry, at, |a, b, c| st.right(a, b, c)),
            Formula::Op(h) => {
                let op = st.op(h);
                each_end(f, out, geometry, at, |a, b, c| op.eval(a, b, c));
            }
        }
    }
}

/// Row `g` of every block by `e`: a point per lane, or a row per block.
#[inline(always)]
fn each_end<I: Copy, O>(
    f: &[I],
    out: &mut [O],
    (n, inner): (usize, usize),
    at: [usize; 4],
    e: impl Fn(I, I, I) -> O,
) {
    if inner == 1 {
        each_lane(f, out, n, at, e);
    } else {
        each_block(f, out, (n, inner), at, e);
    }
}

/// `o[g] = e(l[x], l[y], l[z])` for every lane `l` of `n` points of `f`
/// and its lane `o` of `out`.
#[inline(never)]
fn each_lane<I: Copy, O>(
    f: &[I],
    out: &mut [O],
    n: usize,
    [g, x, y, z]: [usize; 4],
    e: impl Fn(I, I, I) -> O,
) {
    let len = f.len().min(out.len());
    let mut k = 0;
    while k + n <= len {
        let (l, o) = (&f[k..k + n], &mut out[k..k + n]);
        o[g] = e(l[x], l[y], l[z]);
        k += n;
    }
}

/// Row `g` of every block of `n` rows of `inner` points: `e` of rows `x,
/// y, z` of the same block, point by point.
#[inline(never)]
fn each_block<I: Copy, O>(
    f: &[I],
    out: &mut [O],
    (n, inner): (usize, usize),
    [g, x, y, z]: [usize; 4],
    e: impl Fn(I, I, I) -> O,
) {
    let b = n * inner;
    let len = f.len().min(out.len());
    let mut k = 0;
    while k + b <= len {
        let (fb, ob) = (&f[k..k + b], &mut out[k..k + b]);
        let row = |r: usize| &fb[r * inner..(r + 1) * inner];
        let (rx, ry, rz) = (row(x), row(y), row(z));
        for (((o, &a), &b), &c) in ob[g * inner..(g + 1) * inner]
            .iter_mut()
            .zip(rx)
            .zip(ry)
            .zip(rz)
        {
            *o = e(a, b, c);
        }
        k += b;
    }
}

/// `o[0] = el(l[lo])` and `o[n - 1] = er(l[hi])` for every lane `l` of `n`
/// points of `f` and its lane `o` of `out` (each `[x, y, z]`: the three
/// input points of a formula).
#[inline(always)]
fn edge_lanes<I: Copy, O>(
    f: &[I],
    out: &mut [O],
    n: usize,
    [lo, hi]: [[usize; 3]; 2],
    el: impl Fn(I, I, I) -> O,
    er: impl Fn(I, I, I) -> O,
) {
    let len = f.len().min(out.len());
    let mut k = 0;
    while k + n <= len {
        let (l, o) = (&f[k..k + n], &mut out[k..k + n]);
        o[0] = el(l[lo[0]], l[lo[1]], l[lo[2]]);
        o[n - 1] = er(l[hi[0]], l[hi[1]], l[hi[2]]);
        k += n;
    }
}

/// Rows 0 and `n - 1` of every block of `n >= 2` rows of `inner` points by
/// numpy's edge formulas: `el` of rows `lo`, `er` of rows `hi`, point by
/// point. Those are [`end_point`]'s rows (0, 1, 2 and the last three; 0,
/// 1, 1 and 0, 0, 1 when `n` is 2), sliced here from the block's ends so
/// that the loop checks no bounds.
#[inline(always)]
fn edge_blocks<I: Copy, O>(
    f: &[I],
    out: &mut [O],
    (n, inner): (usize, usize),
    [lo, hi]: [[usize; 3]; 2],
    el: impl Fn(I, I, I) -> O,
    er: impl Fn(I, I, I) -> O,
) {
    let two = n == 2;
    debug_assert_eq!(lo, [0, 1, if two { 1 } else { 2 }]);
    debug_assert_eq!(hi, [if two { 0 } else { n - 3 }, n - 2, n - 1]);
    let b = n * inner;
    let len = f.len().min(out.len());
    let m = inner;
    let mut k = 0;
    while k + b <= len && n >= 2 {
        let (fb, ob) = (&f[k..k + b], &mut out[k..k + b]);
        // Every row sliced to `m` once: the loop below checks no bounds.
        let (x, y) = (&fb[..m], &fb[m..2 * m]);
        let z = if n > 2 { &fb[2 * m..3 * m] } else { y };
        let (v, w) = (&fb[b - 2 * m..b - m], &fb[b - m..]);
        let u = if n > 2 { &fb[b - 3 * m..b - 2 * m] } else { v };
        let (o0, rest) = ob.split_at_mut(m);
        let o1 = &mut rest[b - 2 * m..];
        let (o0, o1) = (&mut o0[..m], &mut o1[..m]);
        let (x, y, z, u, v, w) = (&x[..m], &y[..m], &z[..m], &u[..m], &v[..m], &w[..m]);
        for j in 0..m {
            o0[j] = el(x[j], y[j], z[j]);
            o1[j] = er(u[j], v[j], w[j]);
        }
        k += b;
    }
}

/// [`dense`] of one whole lane of `n >= 2` points.
#[inline(never)]
fn dense_lane<I: Element, S: Stencil<I>>(st: &S, f: &[I], o: &mut [I::Output], ends: Ends) {
    let n = f.len();
    let o = &mut o[..n];
    if n > 2 {
        st.lane_interior(1, [&f[..n - 2], &f[1..n - 1], &f[2..]], &mut o[1..n - 1]);
    }
    for g in [0, n - 1] {
        o[g] = lane_end(st, f, g, ends);
    }
}

/// End point `g` of the lane `f` (the whole lane) by its formula.
#[inline(always)]
fn lane_end<I: Element, S: Stencil<I>>(st: &S, f: &[I], g: usize, ends: Ends) -> I::Output {
    let (fm, [a, b, c]) = end_point(g, f.len(), ends);
    eval(st, fm, 0, f[a], f[b], f[c])
}

/// `o[j]` by formula `fm` from the rows `r[0][j], r[1][j], r[2][j]`: an
/// end row of a dense axis. One formula per row keeps the per-element loop
/// branch-free.
#[inline(always)]
fn end_row<I: Element, S: Stencil<I>>(st: &S, fm: Formula, r: [&[I]; 3], o: &mut [I::Output]) {
    let points = o.iter_mut().zip(r[0]).zip(r[1]).zip(r[2]);
    match fm {
        Formula::Left => {
            for (((o, &a), &b), &c) in points {
                *o = st.left(a, b, c);
            }
        }
        Formula::Right => {
            for (((o, &a), &b), &c) in points {
                *o = st.right(a, b, c);
            }
        }
        Formula::Op(g) => {
            let op = st.op(g);
            for (((o, &a), &b), &c) in points {
                *o = op.eval(a, b, c);
            }
        }
    }
}

/// The points `[a, b)` of a row of `n` points (`m` values each, from
/// `o`) that a streamed SIMD loop can store in whole cache lines: `a` the
/// first point after the row's first whose values start a 64-byte line,
/// `b - a` a multiple of 8 points filling whole lines, `b` before the
/// row's last point; `(n, n)` when there are none.
pub(super) fn streamed_span<T>(o: &[T], m: usize, n: usize) -> (usize, usize) {
    let size = std::mem::size_of::<T>();
    let point = m * size;
    // Points per run of whole lines: 8 (the longest SIMD block) or more.
    let Some(p) = (1..=64).map(|k| 8 * k).find(|p| p * point % 64 == 0) else {
        return (n, n);
    };
    // The points on lines repeat every p points, if any is on one.
    let addr = o.as_ptr() as usize;
    match (1..=p).find(|a| (addr + a * point) % 64 == 0) {
        Some(a) if a + p < n => (a, a + (n - 1 - a) / p * p),
        _ => (n, n),
    }
}

/// [`dense`] of whole lanes with streaming stores. The outputs of the
/// `outer` lanes are one run of memory. Each lane's middle, from its first
/// point after the lane's start whose output starts a 64-byte line to the
/// last whole line before its end point, is computed straight into the
/// output by the streaming loop; the rest (the lanes' ends and the points
/// around them, and whole lanes too short for a line) goes through a
/// buffer in pieces that may span lanes, each piece streamed whole.
/// Writing the ends in place would mix ordinary stores into lines being
/// streamed, and every such line is then read from memory first (on Intel
/// cores that cost a third of the run); streaming lane by lane would do
/// the same wherever a lane starts off a 16-byte boundary (lanes of odd
/// length: the contiguous axis of a 255^3 array took 35% longer than
/// 256^3's). Every piece starts and ends on the output's 64-byte
/// boundaries but at the two ends of the run, so every line but those is
/// written by streaming stores only.
#[inline(never)]
fn dense_lanes_staged<I: Element, S: Stencil<I>>(
    st: &S,
    f: &[I],
    out: &mut [I::Output],
    (outer, n): (usize, usize),
    ends: Ends,
) {
    let mut buf = [<I::Output as Num>::zero(); PIECE];
    let total = outer * n;
    let (f, out) = (&f[..total], &mut out[..total]);
    let size = std::mem::size_of::<I::Output>();
    // Points per line (a lane shorter than two lines stays in the buffer),
    // and the first point of the run on a line (None: none starts on one).
    let line = 64 / size;
    let head = crate::simd::to_boundary(out.as_ptr() as usize, size, 64);
    // The buffer holds points [p0, p0 + fill) of the run; it is streamed
    // when it holds `cap` (the first piece ends on the first line).
    let (mut p0, mut fill) = (0, 0);
    let mut cap = match head {
        Some(h) if h > 0 => h,
        _ => PIECE,
    };
    let flush = |buf: &[I::Output], out: &mut [I::Output], p0: &mut usize, fill: &mut usize| {
        crate::simd::stream_copy(&buf[..*fill], &mut out[*p0..*p0 + *fill]);
        *p0 += *fill;
        *fill = 0;
    };
    // Lanes longer than a chunk in groups of GROUP: first the group's
    // middles, straight into the output a chunk of CHUNK points at a time
    // across the group's lanes (a coordinate axis's coefficients for the
    // chunk, read by every lane, stay in L1: a 4000-point lane's table is
    // twice its size), then the rest of the group's lanes through the
    // buffer, in order. Shorter lanes one at a time, each middle where it
    // comes in memory. `direct`: the stencil has a streaming loop (else
    // every point takes the buffer).
    const GROUP: usize = 8;
    const CHUNK: usize = 512;
    let mut direct = n > 2 * line;
    let grouped = n > CHUNK;
    let group = if grouped { GROUP } else { 1 };
    for g0 in (0..outer).step_by(group) {
        let lanes = g0..(g0 + group).min(outer);
        let mut spans = [(n, n); GROUP];
        if direct {
            for k in lanes.clone() {
                spans[k - g0] = streamed_span(&out[k * n..(k + 1) * n], 1, n);
            }
        }
        let mut c = 0;
        while grouped && direct && c < n {
            for k in lanes.clone() {
                let lane = &f[k * n..(k + 1) * n];
                let (a, b) = spans[k - g0];
                // Chunk boundaries a + m * CHUNK: every chunk starts on a
                // line (CHUNK is a whole number of lines).
                let (s, e) = (a + c, (a + c + CHUNK).min(b));
                if s < e {
                    let o = &mut out[k * n + s..k * n + e];
                    let f3 = [&lane[s - 1..e - 1], &lane[s..e], &lane[s + 1..e + 1]];
                    direct = st.lane_streamed(s, f3, o);
                    if !direct {
                        // No such loop (decided by the stencil, so at its
                        // first chunk): nothing written.
                        break;
                    }
                }
            }
            c += CHUNK;
        }
        if !direct {
            // Every point of the group through the buffer (a middle
            // written in part gets the same values again).
            spans = [(n, n); GROUP];
        }
        for k in lanes {
            let lane = &f[k * n..(k + 1) * n];
            let (a, b) = spans[k - g0];
            for (mut c0, c1) in [(0, a), (b, n)] {
                if c0 == b && a < b {
                    // The middle (the buffer, which ends where the middle
                    // starts, first): written above, or now.
                    flush(&buf, out, &mut p0, &mut fill);
                    cap = PIECE;
                    if !grouped {
                        let o = &mut out[k * n + a..k * n + b];
                        let f3 = [&lane[a - 1..b - 1], &lane[a..b], &lane[a + 1..b + 1]];
                        direct = st.lane_streamed(a, f3, o);
                    }
                    if direct {
                        p0 = k * n + b;
                    } else {
                        // No such loop: this lane's middle and every later
                        // lane through the buffer.
                        c0 = a;
                    }
                }
                let mut q = c0;
                while q < c1 {
                    let take = (cap - fill).min(c1 - q);
                    let o = &mut buf[fill..fill + take];
                    fused::lane_span(st, lane, (q, q + take), ends, o);
                    (q, fill) = (q + take, fill + take);
                    if fill == cap {
                        flush(&buf, out, &mut p0, &mut fill);
                        cap = PIECE;
                    }
                }
            }
        }
    }
    flush(&buf, out, &mut p0, &mut fill);
}

/// Whole lanes along the contiguous axis, `outer` of `n > 2` points whose
/// output lanes hold [`SHORT_LANE`] bytes or fewer, a piece of [`PIECE`]
/// points at a time across lanes. The interior formula runs over the
/// whole piece as if it were one lane: one formula by a uniform step
/// ([`Stencil::STEP`] 0, as [`merged_uniform`] does), and with
/// coordinates each point's lane's coefficients from columns laid end to
/// end for the call ([`Stencil::tile_columns`]; lanes longer than
/// [`TILE_LANE`] bytes, or without columns, a call per lane); then the
/// lanes' end points in the piece are overwritten by their own formulas.
/// `stream`: the piece goes through a buffer and is streamed whole (else
/// written in place). Lane by lane, lanes this short cost their calls
/// more than their points (1024x256x60 float32, the contiguous axis of
/// three streamed: three times the other two axes together).
#[inline(never)]
fn merged_lanes<I: Element, S: Stencil<I>>(
    st: &S,
    f: &[I],
    out: &mut [I::Output],
    (outer, n): (usize, usize),
    ends: Ends,
    stream: bool,
) {
    debug_assert!(n > 2 && n * std::mem::size_of::<I::Output>() <= SHORT_LANE);
    let mut buf = [<I::Output as Num>::zero(); PIECE];
    let total = outer * n;
    let (f, out) = (&f[..total], &mut out[..total]);
    let size = std::mem::size_of::<I::Output>();
    // Coefficient columns laid end to end over a piece from any point of
    // a lane on (float32 or wider, so n <= TILE_LANE / 4).
    let mut cols = [[0.0; PIECE + TILE_LANE / 4]; 3];
    let tiled = S::STEP != 0 && n * size <= TILE_LANE && {
        let len = total.min(PIECE) + n;
        let [a, b, c] = &mut cols;
        st.tile_columns(n, [&mut a[..len], &mut b[..len], &mut c[..len]])
    };
    // Streamed, the first piece ends on a 64-byte line of the output
    // (where a point starts on one), so that every later one starts on
    // one.
    let mut cap = match crate::simd::to_boundary(out.as_ptr() as usize, size, 64) {
        Some(h) if h > 0 && stream => h,
        _ => PIECE,
    };
    // Points [p, q) of the run into `o`.
    let piece = |(p, q): (usize, usize), o: &mut [I::Output]| {
        let interior = |(a, b): (usize, usize), g0: usize, o: &mut [I::Output]| {
            if a >= b {
                return;
            }
            let f3 = [&f[a - 1..b - 1], &f[a..b], &f[a + 1..b + 1]];
            let o = &mut o[a - p..b - p];
            if tiled {
                let r = a % n..a % n + (b - a);
                let [c0, c1, c2] = &cols;
                st.comb_columns([&c0[r.clone()], &c1[r.clone()], &c2[r]], f3, o);
            } else {
                st.lane_interior_cached(g0, f3, o);
            }
        };
        if S::STEP == 0 || tiled {
            // Every point with both neighbours in the run by the interior
            // formula (the lanes' ends too, overwritten below).
            interior((p.max(1), q.min(total - 1)), 1, o);
        } else {
            for k in p / n..=(q - 1) / n {
                // The lane's interior points in the piece, by their own
                // coefficients.
                let (a, b) = ((k * n + 1).max(p), (k * n + n - 1).min(q));
                interior((a, b), a - k * n, o);
            }
        }
        // Each end of every lane in the piece: its formula found once,
        // then the lanes in a tight loop (1024x1024x16, three axes, on an
        // Intel Xeon: float32 16.0 ms to 14.6, with coordinates 29.9 to
        // 26.3, lane by lane with the ends found per lane).
        for g in end_positions(n) {
            let (fm, [x, y, z]) = end_point(g, n, ends);
            // The lanes whose point g lies in [p, q).
            let (k0, k1) = ((p + n - 1 - g) / n, (q + n - 1 - g) / n);
            for k in k0..k1 {
                let at = k * n;
                o[at + g - p] = eval(st, fm, 0, f[at + x], f[at + y], f[at + z]);
            }
        }
    };
    let mut p = 0;
    while p < total {
        let q = (p + cap).min(total);
        if stream {
            let o = &mut buf[..q - p];
            piece((p, q), o);
            crate::simd::stream_copy(o, &mut out[p..q]);
        } else {
            piece((p, q), &mut out[p..q]);
        }
        (p, cap) = (q, PIECE);
    }
}

/// The longest output lanes (in bytes) [`merged_lanes`] takes. Streamed,
/// longer ones stream their middles straight from the loop
/// ([`dense_lanes_staged`]), which the copy through the buffer would slow.
/// Measured on an AMD EPYC (Zen 3), along the last axis: 1024x64x256
/// float32 (1 KiB lanes) 11 ms merged against 16; 256^3 float64 (2 KiB),
/// three axes a pass each, 5% slower merged.
const SHORT_LANE: usize = 1024;

/// The longest output lanes (in bytes) whose coordinates' coefficient
/// columns [`merged_lanes`] lays end to end; longer ones take a call per
/// lane. Measured on an AMD EPYC (Zen 3), float32 with coordinates, three
/// axes, the last axis's pass by ordinary stores: 32 points 30% faster
/// so, 64 points 15%, 128 points 3%; 256 points 3% slower (the columns of
/// a piece then fill more of L1 than one lane's).
const TILE_LANE: usize = 512;

/// Points per piece of the staged lane paths' buffer.
const PIECE: usize = 512;

#[inline(never)]
fn dense_blocks<I: Element, S: Stencil<I>>(st: &S, d: Dense<'_, '_, I>, ends: Ends) {
    let Dense {
        f,
        out,
        outer,
        n,
        inner,
        rows: (r0, r1),
        merge,
    } = d;
    if r0 >= r1 || inner == 0 || outer == 0 {
        return;
    }
    let (fb, ob) = (n * inner, (r1 - r0) * inner);
    let (f, out) = (&f[..outer * fb], &mut out[..outer * ob]);
    // Rows with both neighbours inside the axis.
    let (lo, hi) = (r0.max(1), r1.min(n - 1));
    if S::STEP == 0 && inner == 1 && merge && (r0, r1) == (0, n) && outer > 1 && n > 2 {
        return merged_uniform(st, f, out, (outer, n, 1), ends);
    }
    let bytes = n * std::mem::size_of::<I::Output>();
    let short = n > 2 && bytes <= SHORT_LANE;
    // (Runs of lanes shorter than a piece: the columns' set-up would
    // cost more than the calls it saves.)
    let tiled = n > 2 && bytes <= TILE_LANE && S::STEP != 0 && outer * n >= PIECE;
    if tiled && inner == 1 && !st.streams() && (r0, r1) == (0, n) {
        return merged_lanes(st, f, out, (outer, n), ends, false);
    }
    if inner == 1 && outer > 1 && st.streams() && (r0, r1) == (0, n) {
        if short {
            return merged_lanes(st, f, out, (outer, n), ends, true);
        }
        return dense_lanes_staged(st, f, out, (outer, n), ends);
    }
    for k in 0..outer {
        let (f, o) = (&f[k * fb..(k + 1) * fb], &mut out[k * ob..(k + 1) * ob]);
        let row = |g: usize| &f[g * inner..(g + 1) * inner];
        if lo < hi {
            // The interior rows (points of a lane) as three runs of input.
            let (a, b) = (lo * inner, hi * inner);
            let f3 = [&f[a - inner..b - inner], &f[a..b], &f[a + inner..b + inner]];
            let o = &mut o[a - r0 * inner..b - r0 * inner];
            if inner == 1 {
                st.lane_interior(lo, f3, o);
            } else {
                st.block_rows(lo, inner, f3, o);
            }
        }
        for g in end_positions(n).filter(|g| (r0..r1).contains(g)) {
            let (fm, [a, b, c]) = end_point(g, n, ends);
            if inner == 1 {
                o[g - r0] = eval(st, fm, 0, f[a], f[b], f[c]);
                continue;
            }
            let o = &mut o[(g - r0) * inner..(g - r0 + 1) * inner];
            end_row(st, fm, [row(a), row(b), row(c)], o);
        }
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
            Slab::Dyn(f.view(), out.view_mut()),
            0,
            rule,
            Ends::ONE_SIDED,
            (0, 0),
            Mode {
                order2,
                scalar_edges: false,
                ..Mode::default()
            },
        );
        out.into_iter().collect()
    }

    #[test]
    fn the_filler_step_is_the_unit_step() {
        let (a, b) = (Step::UNIT_FILLER, Step::new(1.0));
        assert_eq!((a.h, a.inv_two_h, a.inv_h), (b.h, b.inv_two_h, b.inv_h));
    }

    #[test]
    fn golden_unit_and_step() {
        let f = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];
        assert_eq!(
            grad1(&f, &Rule::Step(Step::new(1.0)), false),
            [1.0, 1.5, 2.5, 3.5, 4.5, 5.0]
        );
        assert_eq!(
            grad1(&f, &Rule::Step(Step::new(2.0)), false),
            [0.5, 0.75, 1.25, 1.75, 2.25, 2.5]
        );
    }

    #[test]
    fn golden_coordinates() {
        let f = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];
        let x = [0., 1., 1.5, 3.5, 4., 6.];
        let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        let rule = Rule::Coords(Coefs::new(d.clone(), true));
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
        assert_eq!(
            grad1(&[3.0, 5.0], &Rule::Step(Step::new(0.5)), false),
            [4.0, 4.0]
        );
        let rule = Rule::Coords(Coefs::new(vec![2.0], true));
        assert_eq!(grad1(&[3.0, 5.0], &rule, false), [1.0, 1.0]);
    }

    #[test]
    fn row_and_lane_modes_agree() {
        // 40 x 37: axis 0 goes through row mode, the transposed view through
        // lane mode with strided lanes; both must give the same numbers.
        let f = Array2::from_shape_fn((40, 37), |(i, j)| ((i * 37 + j) as f64).sin());
        let d: Vec<f64> = (0..39).map(|k| 0.5 + (k as f64) * 0.01).collect();
        for rule in [
            Rule::Step(Step::new(0.3)),
            Rule::Coords(Coefs::new(d.clone(), true)),
        ] {
            for order2 in [false, true] {
                let mut a = ArrayD::<f64>::zeros(IxDyn(&[40, 37]));
                differentiate(
                    Slab::Dyn(f.view().into_dyn(), a.view_mut()),
                    0,
                    &rule,
                    Ends::ONE_SIDED,
                    (0, 0),
                    Mode {
                        order2,
                        scalar_edges: false,
                        ..Mode::default()
                    },
                );
                let ft = f.t().as_standard_layout().into_owned();
                let mut b = ArrayD::<f64>::zeros(IxDyn(&[37, 40]));
                differentiate(
                    Slab::Dyn(ft.view().into_dyn(), b.view_mut()),
                    1,
                    &rule,
                    Ends::ONE_SIDED,
                    (0, 0),
                    Mode {
                        order2,
                        scalar_edges: false,
                        ..Mode::default()
                    },
                );
                assert_eq!(a, b.t());
            }
        }
    }

    #[test]
    fn long_axes_compute_coefficients_on_the_fly_with_the_same_bits() {
        let n = TABLE_MAX + 37;
        let x: Vec<f64> = (0..n)
            .map(|i| i as f64 + 0.4 * (i as f64 * 0.37).sin())
            .collect();
        let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        let f: Vec<f64> = x.iter().map(|v| (v * 0.01).cos()).collect();
        let lazy = Rule::Coords(Coefs::new(d.clone(), true));
        let Rule::Coords(c) = &lazy else {
            unreachable!()
        };
        assert!(
            c.table.get().is_none(),
            "a long axis must not build its tables up front"
        );
        let tabled = Rule::Coords(Coefs::new(d, true));
        let Rule::Coords(c) = &tabled else {
            unreachable!()
        };
        c.table();
        let borrowed = Rule::Coords(Coefs::coords(&x, true));
        for order2 in [false, true] {
            let b = grad1(&f, &tabled, order2);
            for other in [&lazy, &borrowed] {
                let a = grad1(&f, other, order2);
                assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
            }
        }
    }

    #[test]
    fn long_float32_axes_compute_coefficients_on_the_fly_with_the_same_bits() {
        // Every tail after the SIMD loop's blocks of 8 (float32) points.
        for n in (TABLE_MAX + 2..TABLE_MAX + 10).chain([TABLE_MAX + 37]) {
            let x: Vec<f64> = (0..n).map(|i| (i as f64).powf(1.1)).collect();
            let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
            let f: Vec<f32> = x.iter().map(|v| (v * 0.01).sin() as f32).collect();
            let borrowed = Rule::Coords(Coefs::coords(&x, true));
            let owned = Rule::Coords(Coefs::new(d, true));
            let tabled = Rule::Coords(Coefs::coords(&x, true));
            let Rule::Coords(c) = &tabled else {
                unreachable!()
            };
            c.table();
            let grad = |rule: &Rule| {
                let f = arr1(&f).into_dyn();
                let mut out = ArrayD::<f32>::zeros(f.raw_dim());
                let slab = Slab::Dyn(f.view(), out.view_mut());
                differentiate(slab, 0, rule, Ends::ONE_SIDED, (0, 0), Mode::default());
                out.into_iter().map(f32::to_bits).collect::<Vec<_>>()
            };
            let want = grad(&tabled);
            assert!(grad(&borrowed) == want && grad(&owned) == want, "n = {n}");
        }
    }

    /// The copies of a table's columns for the sweeps: every copy holds
    /// each column's numbers (the row's twice), its columns `SHIFT` bytes
    /// apart modulo a page and each copy a quarter page on from the one
    /// before; the copy the sweep reads past copy 0 (`gap` entries a
    /// copy) lies inside each column's slice; none for columns longer
    /// than `COPIES_MAX`.
    #[test]
    fn column_copies_lie_a_quarter_page_apart() {
        use crate::simd::{COPIES, SHIFT};
        for n in [
            3,
            8,
            255,
            256,
            257,
            4000,
            COPIES_MAX / 2,
            COPIES_MAX / 2 + 1,
        ] {
            let d: Vec<f64> = (1..n).map(|i| 1.0 + (i as f64 * 0.7).sin() / 3.0).collect();
            let c = Coefs::new(d, true);
            let t = c.table();
            let Some((cols, gap)) = t.copies() else {
                assert!(2 * n > COPIES_MAX, "{n}");
                continue;
            };
            assert!(2 * n <= COPIES_MAX, "{n}");
            let base = cols[0].as_ptr() as usize;
            for (j, col) in cols.iter().enumerate() {
                let page = (col.as_ptr() as usize).wrapping_sub(base) % 4096;
                assert_eq!(page, j * SHIFT, "{n}");
                for k in 0..COPIES {
                    let copy = &col[k * gap..k * gap + 2 * n];
                    assert_eq!(copy, &t.columns[j][..], "{n} {j} {k}");
                    let page = (copy.as_ptr() as usize).wrapping_sub(base) % 4096;
                    assert_eq!(page, (k * 4096 / COPIES + j * SHIFT) % 4096, "{n} {j} {k}");
                }
            }
            // The same copies when asked again.
            assert_eq!(t.copies().unwrap().0[0].as_ptr() as usize, base);
        }
    }

    #[test]
    fn short_axes_without_tables_give_the_same_bits() {
        // A lone lane (a 1-d array) skips the tables: the same numbers.
        for n in [3, 5, 16, 17, 18, 200] {
            let x: Vec<f64> = (0..n).map(|i| (i as f64).powf(1.3) - 0.7).collect();
            let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
            let f: Vec<f64> = x.iter().map(|v| (v * 0.3).sin()).collect();
            let plain = Rule::Coords(Coefs::new(d.clone(), false));
            let borrowed = Rule::Coords(Coefs::coords(&x, false));
            let tabled = Rule::Coords(Coefs::new(d, true));
            let borrowed_tabled = Rule::Coords(Coefs::coords(&x, true));
            let (Rule::Coords(p), Rule::Coords(t)) = (&plain, &tabled) else {
                unreachable!()
            };
            assert!(p.table.get().is_none() && t.table.get().is_some());
            assert_eq!(plain, borrowed);
            for order2 in [false, true] {
                let b = grad1(&f, &tabled, order2);
                for other in [&plain, &borrowed, &borrowed_tabled] {
                    let a = grad1(&f, other, order2);
                    assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
                }
            }
        }
    }
}
