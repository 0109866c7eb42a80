//! Every axis at once into one interleaved output: the layout of Fortran's
//! `g(3, nx, ny, nz)` and of numpy's `np.stack(grads, axis=-1)`, where the
//! derivatives of a point sit side by side.
//!
//! Separate passes per axis would write each output line once per axis
//! (and read it from memory before each write); here the output is written
//! in one sequential sweep (streaming stores for outputs far larger than
//! the cache). An interior row with a uniform step on every axis, or
//! coordinates on every axis, takes one SIMD loop that computes
//! every axis and interleaves; other rows, and the points around a row's
//! ends, are differentiated along every axis into small buffers, which are
//! then interleaved. A run of interior rows goes through that loop in
//! windows of whole 8-point blocks on one grid over the output (from a
//! 64-byte boundary where one is), a window from a row's first grid point
//! over up to 64 rows into the row after, the inner axis's end values
//! computed first and given to the loop (with coordinates, each point
//! takes its own row's coefficients, the loop's runs of blocks cut where
//! rows change): one call per run of rows and one streamed sweep, for rows
//! of any length from 8 points and outputs at any offset from a cache line
//! (numpy's large arrays start 16 bytes past one).
//! Each point takes the same formula from the same inputs as in
//! [`super::dense`], so the same bits.
//!
//! The same sweep also fills separate outputs, one per axis ([`separate`]:
//! large C and Fortran arrays with a uniform step or coordinates on two or
//! three axes), each block of points a cache line of every output in turn.
//! A pass per axis reads the input once per axis and writes the outputs in
//! long runs one after the other; one sweep reads it once and keeps every
//! output's stream going (measured on an AMD EPYC, 256^3 float64, all axes, step
//! 0.1: 23.3 ms for the passes, 19.2 for the sweep, 15.5 for a loop that
//! only copies the input to the three outputs). Its SIMD loop's fast form
//! tests the input values instead of every difference (see the loop), so
//! the sweep answers for the points it reads outside the loop (the pieces
//! and the planes on either side) and, where a value fails, leaves the
//! rows to the passes.

use super::{
    end_point, end_positions, end_row, eval, lane_end, streamed_span, End, NonUniform, Prepared,
    Rule,
};
use super::{Ends, Point};
use super::{Stencil, Table};
use crate::num::{Element, Num};
use crate::simd::{Given, Quot};

/// Points per buffer: a row longer than this is done in pieces.
const CHUNK: usize = 256;

/// The most axes one interleaved output holds.
pub(crate) const MAX_AXES: usize = 8;

/// The most axes the SIMD loops take.
const SIMD_AXES: usize = 3;

/// The most rows one call of the SIMD loop takes.
const RUN: usize = 64;

/// One differentiated axis: its stencil (prepared from `rule`), its ends,
/// the memory dimension it runs along (0 = outermost) and its place among
/// a point's values.
pub(crate) struct Axis<'p, 'r, I: Element> {
    pub st: &'p Prepared<I>,
    pub rule: &'p Rule<'r>,
    pub ends: Ends,
    pub dim: usize,
    pub slot: usize,
}

/// A contiguous input with extents `dims` in memory order (outermost
/// first, at least two), and an interleaved output holding rows `rows.0 ..
/// rows.1` of the outermost dimension: `m` values per point, value `slot`
/// of each point from the axis with that slot.
pub(crate) struct Interleaved<'f, 'o, 'd, I: Element> {
    pub f: &'f [I],
    pub dims: &'d [usize],
    pub out: &'o mut [I::Output],
    pub rows: (usize, usize),
    pub stream: bool,
}

/// Fill `x.out` from the axes (the `Some` ones; each slot `0..m` taken
/// once by the `m` axes).
pub(crate) fn interleaved<I: Element>(
    axes: &[Option<Axis<'_, '_, I>>],
    x: Interleaved<'_, '_, '_, I>,
) {
    let Interleaved {
        f,
        dims,
        out,
        rows,
        stream,
    } = x;
    let m = axes.iter().flatten().count();
    let nd = dims.len();
    assert!(nd >= 2 && (1..=MAX_AXES).contains(&m));
    let plane: usize = dims[1..].iter().product();
    let (r0, r1) = rows;
    let len = (r1.saturating_sub(r0)) * plane * m;
    let (kind, edges) = Kind::with_edges(axes, m, nd);
    // A step's fast form (one divisor, not a power of two, in this type;
    // the inner axis the first or the last place: its slot) vouches for
    // the points its loops read along the inner axis; every other input
    // value it may read is tested here: the pieces' points as they go,
    // the planes on either side of the rows first (else no fast form).
    let inner = axes.iter().flatten().find(|a| a.dim == nd - 1);
    let slot = inner.map(|a| a.slot).filter(|&k| k == 0 || k == m - 1);
    let fast = match &kind {
        Kind::Quots(q) if q.interleave_fast(std::mem::size_of::<I>()) => {
            slot.filter(|_| planes_ok(q, f, dims, rows))
        }
        _ => None,
    };
    let mut sink = Ilv {
        out: &mut out[..len],
        m,
        fast,
        clean: true,
    };
    sweep(
        axes,
        (f, dims, rows, stream),
        (kind.clone(), edges.clone()),
        &mut sink,
    );
    if !sink.clean {
        // An input value the fast form does not take: every quotient
        // tested, the output written again.
        let mut sink = Ilv {
            fast: None,
            clean: true,
            ..sink
        };
        sweep(axes, (f, dims, rows, stream), (kind, edges), &mut sink);
    }
}

/// A contiguous input with extents `dims` in memory order (outermost
/// first, at least two, none of them 1), and one output per axis (in slot
/// order) holding rows `rows.0 .. rows.1` of the outermost dimension.
pub(crate) struct Separate<'f, 'o, 'd, 'x, I: Element> {
    pub f: &'f [I],
    pub dims: &'d [usize],
    pub outs: &'x mut [&'o mut [I::Output]],
    pub rows: (usize, usize),
    pub stream: bool,
}

/// Fill every output of `x` from its axis (axis with slot `k` into
/// `x.outs[k]`) in one sweep over the input, each block of points a cache
/// line of every output in turn: the layout of three separate arrays
/// written as fast as one. Taken for two or three axes, each with a
/// uniform step its type has the dividing loop for or each with
/// coordinates, and (streamed) outputs at the same offset from a 32-byte
/// boundary; false otherwise, nothing written (the caller then takes a
/// pass per axis). False too, the outputs then holding no promise, where
/// a step's fast form meets input values it does not take (see
/// [`crate::simd`]'s separate loops: zeros and magnitudes far from the
/// ends of the type's range are taken): the caller computes those outputs
/// again. Coordinates take every value.
pub(crate) fn separate<I: Element>(
    axes: &[Option<Axis<'_, '_, I>>],
    x: Separate<'_, '_, '_, '_, I>,
) -> bool {
    let Separate {
        f,
        dims,
        outs,
        rows,
        stream,
    } = x;
    let m = axes.iter().flatten().count();
    let nd = dims.len();
    if nd < 2 || !(2..=SIMD_AXES).contains(&m) || outs.len() != m || dims.contains(&1) {
        return false;
    }
    let (kind, edges) = Kind::with_edges(axes, m, nd);
    // The loop exists for this type, divisors and machine (asked with no
    // points: nothing written).
    let mut none: [&mut [I::Output]; SIMD_AXES] = Default::default();
    let empty: [&[I]; SIMD_AXES] = Default::default();
    let found = match &kind {
        Kind::Quots(q) => {
            let (e, o) = (&empty[..m], &mut none[..m]);
            I::sub_div_separate(q, e, e, None, o, false, None).is_some()
        }
        Kind::Coords(_) => {
            let row = crate::simd::Place::Rows {
                rows: &[],
                s: usize::MAX,
                p0: 0,
            };
            let (s, o) = (&[1; SIMD_AXES][..m], &mut none[..m]);
            let o = crate::simd::Outs::Each(o);
            I::comb3_separate(&[row; SIMD_AXES][..m], &[], 0, s, None, o, false, None)
        }
        Kind::None => false,
    };
    if !found {
        return false;
    }
    // Streamed, every output from the same offset in a 32-byte block.
    let at = |o: &&mut [I::Output], b: usize| o.as_ptr() as usize % b;
    if stream && outs.iter().any(|o| at(o, 32) != at(&outs[0], 32)) {
        return false;
    }
    let plane: usize = dims[1..].iter().product();
    let (r0, r1) = rows;
    if r0 >= r1 {
        return true;
    }
    // The fast form (the inner axis among the axes) vouches for the
    // points it reads as its own; the rest of the input it may read is
    // tested here: the pieces' points as they go, the planes on either
    // side of the rows first.
    let quots = match kind {
        Kind::Quots(q) => Some(q),
        _ => None,
    };
    let fast = quots.is_some() && axes.iter().flatten().any(|a| a.dim == nd - 1);
    if fast && !(quots.iter()).all(|q| planes_ok(q, f, dims, rows)) {
        return false;
    }
    let mut held: [&mut [I::Output]; SIMD_AXES] = Default::default();
    for (h, o) in held.iter_mut().zip(outs.iter_mut()) {
        *h = &mut o[..(r1 - r0) * plane];
    }
    let mut sink = Sep {
        outs: &mut held[..m],
        fast,
        clean: true,
        memo: crate::simd::PickMemo::new(),
    };
    sweep(axes, (f, dims, rows, stream), (kind, edges), &mut sink);
    sink.clean
}

/// The SIMD loop of the fused paths: divisors or coordinate tables (with
/// each table's first point) in slot order, or none.
#[derive(Clone)]
enum Kind<'t> {
    Quots(crate::simd::Quots),
    Coords([Option<(&'t Table, usize)>; MAX_AXES]),
    None,
}

impl<'p> Kind<'p> {
    /// A uniform step on every axis (numpy's division, in the input's
    /// precision), or coordinates on every axis with their tables.
    fn of<I: Element>(axes: &[Option<Axis<'p, '_, I>>], m: usize) -> Self {
        let mut quots = [None; MAX_AXES];
        let mut tables: [Option<(&Table, usize)>; MAX_AXES] = [None; MAX_AXES];
        for a in axes.iter().flatten() {
            match a.rule {
                Rule::Step(st) => quots[a.slot] = st.quot(),
                Rule::Coords(c) => tables[a.slot] = c.table.get().map(|t| (&**t, c.first)),
                _ => {}
            }
        }
        let quots = crate::simd::Quots::new(&quots[..m]);
        if quots.any() {
            Kind::Quots(quots)
        } else if tables[..m].iter().all(Option::is_some) {
            Kind::Coords(tables)
        } else {
            Kind::None
        }
    }

    /// [`Kind::of`] and its [`EdgeRuns`], with one input range for every
    /// loop of a sweep: the rows at one-sided ends read, untested, rows
    /// the interior's loops vouched for (and the other way round).
    fn with_edges<I: Element>(
        axes: &[Option<Axis<'p, '_, I>>],
        m: usize,
        nd: usize,
    ) -> (Self, EdgeRuns) {
        let kind = Kind::of(axes, m);
        let mut edges = EdgeRuns::new(axes, &kind, nd);
        let kind = edges.narrow(kind);
        (kind, edges)
    }
}

/// Whether the planes on either side of rows `r0 .. r1` of the outermost
/// dimension of `f` (extents `dims`), where they exist, hold only values
/// a fast form takes for `q`: a sweep over those rows reads them untested.
fn planes_ok<I: Element>(
    q: &crate::simd::Quots,
    f: &[I],
    dims: &[usize],
    (r0, r1): (usize, usize),
) -> bool {
    let plane: usize = dims[1..].iter().product();
    let ok = |r: usize| I::fast_inputs_ok(q, &f[r * plane..(r + 1) * plane]);
    (r0 == 0 || ok(r0 - 1)) && (r1 >= dims[0] || ok(r1))
}

/// The rows at outer axes' one-sided ends with a uniform step and
/// numpy's edge order 1, whose formula there is the interior one's with
/// the row itself for the missing neighbour and `h` for `2h`: `(f[1] -
/// f[0]) / h` and `(f[n-1] - f[n-2]) / h`. Such rows take the SIMD loop
/// with those divisors, in runs of rows that stand alike (a plane at the
/// outermost axis's end, a row at the middle one's), not each axis by its
/// own formulas.
#[derive(Clone)]
struct EdgeRuns {
    /// Per slot: the divisor of its interior points (`2h`) and of its ends
    /// (`h`), for the axes with a uniform step.
    two_h: [Option<Quot>; SIMD_AXES],
    h: [Option<Quot>; SIMD_AXES],
    /// The bits of [`Interior::code`] whose ends take the loop.
    bits: u32,
    /// The interior's divisors (their input range that of every run).
    base: Option<crate::simd::Quots>,
    /// Coordinates: the rows at `bits`' ends take the coordinates' loop
    /// with those axes' formulas there ([`crate::simd::Place::Edge`]).
    coords: bool,
}

impl EdgeRuns {
    fn new<I: Element>(axes: &[Option<Axis<'_, '_, I>>], kind: &Kind<'_>, nd: usize) -> Self {
        let mut e = EdgeRuns {
            two_h: [None; SIMD_AXES],
            h: [None; SIMD_AXES],
            bits: 0,
            base: None,
            coords: false,
        };
        let q = match kind {
            Kind::Quots(q) => q,
            Kind::Coords(_) => {
                // Coordinates: the outer axes' one-sided ends (numpy's
                // formulas for arrays there; not a 1-d input's).
                for a in axes.iter().flatten().filter(|a| a.slot < SIMD_AXES) {
                    let one_sided = matches!(
                        a.st,
                        Prepared::Coords {
                            scalar_edges: false,
                            ..
                        }
                    );
                    if a.dim + 1 < nd && one_sided && matches!(a.rule, Rule::Coords(_)) {
                        e.bits |= Self::end_bits(a);
                    }
                }
                e.coords = true;
                return e;
            }
            Kind::None => return e,
        };
        e.base = Some(*q);
        for a in axes.iter().flatten().filter(|a| a.slot < SIMD_AXES) {
            let Rule::Step(step) = a.rule else { continue };
            e.two_h[a.slot] = step.quot();
            let one_sided = match a.st {
                Prepared::Native(u) => !u.order2,
                Prepared::NativeExact(u) => !u.order2,
                _ => false,
            };
            if a.dim + 1 < nd && one_sided {
                e.h[a.slot] = step.edge_quot();
                if e.h[a.slot].is_some() {
                    e.bits |= Self::end_bits(a);
                }
            }
        }
        e
    }

    /// The bits of [`Interior::code`] for the one-sided ends of axis `a`.
    fn end_bits<I: Element>(a: &Axis<'_, '_, I>) -> u32 {
        let (lo, hi) = (a.ends.lo == End::Edge, a.ends.hi == End::Edge);
        (lo as u32) << (2 * a.slot) | (hi as u32) << (2 * a.slot + 1)
    }

    /// Whether the rows that stand at `code` (not 0) may take a loop: every
    /// end among `bits`, no axis at both its ends (one point), `m` axes a
    /// loop takes.
    fn takes(&self, code: u32, m: usize) -> bool {
        let both = code & (code >> 1) & 0x5555_5555;
        code & !self.bits == 0 && both == 0 && m <= SIMD_AXES
    }

    /// Whether the rows that stand at `code` (not 0) take the coordinates'
    /// loop, with their axes' formulas there.
    fn coords(&self, code: u32, m: usize) -> bool {
        self.coords && self.takes(code, m)
    }

    /// The loop's divisors for the rows that stand at `code` (not 0), or
    /// None where those rows take each axis's own formulas (an end that
    /// is not one-sided, edge order 2, an axis of one point).
    fn kind(&self, code: u32, m: usize) -> Option<Kind<'static>> {
        if !self.takes(code, m) {
            return None;
        }
        let qs: [Option<Quot>; SIMD_AXES] = std::array::from_fn(|k| match code >> (2 * k) & 3 {
            0 => self.two_h[k],
            _ => self.h[k],
        });
        let q = crate::simd::Quots::new(&qs[..m]);
        let q = match &self.base {
            Some(b) => q.within(b),
            None => q,
        };
        q.any().then_some(Kind::Quots(q))
    }

    /// The interior's divisors `kind` with the input range that holds for
    /// the ends' divisors too, which every run then meets (`base`): the
    /// fast form of the separate loop reads untested the rows on either
    /// side of the one it runs over, vouched for by the loops that ran
    /// over them, interior or end.
    fn narrow<'t>(&mut self, kind: Kind<'t>) -> Kind<'t> {
        match kind {
            Kind::Quots(q) if self.bits != 0 => {
                let q = q.narrowed(self.h.iter().flatten().copied());
                self.base = Some(q);
                Kind::Quots(q)
            }
            k => k,
        }
    }
}

/// Where a sweep writes: its outputs seen from the row loop. Output point
/// `q` is the `q`-th point of the slab's rows.
trait Sink<I: Element> {
    /// Points per block of the SIMD loop (its grid's period).
    fn block(&self) -> usize;
    /// Whether the sweep may stop: what it writes will be thrown away.
    fn failed(&self) -> bool {
        false
    }
    /// Input points the SIMD loop reads before a span's first point.
    fn reach(&self) -> usize;
    /// Whether output point `p`'s values start on a `b`-byte boundary in
    /// every output.
    fn aligned(&self, p: usize, b: usize) -> bool;
    /// The span of an interior row from output point `q` (`n0` points)
    /// that streams whole lines ([`streamed_span`]).
    fn span(&self, q: usize, n0: usize) -> (usize, usize);
    /// Points `[lo, hi)` of the row at `x` (output point `q + lo` on)
    /// through the SIMD loop (see [`RowAt::simd`]); false, nothing
    /// written, without one.
    fn simd(
        &mut self,
        x: &RowAt<'_, '_, '_, '_, I>,
        kind: &Kind<'_>,
        span: (usize, usize),
        q: usize,
        stream: bool,
        given: Option<Given<'_, I::Output>>,
    ) -> bool;
    /// Points `[lo, hi)` of the row at `x` (from output point `q`) by
    /// pieces (see [`RowAt::pieces`]); false when an interior row found no
    /// SIMD loop.
    #[allow(clippy::too_many_arguments)]
    fn pieces(
        &mut self,
        x: &RowAt<'_, '_, '_, '_, I>,
        kind: &Kind<'_>,
        span: (usize, usize),
        interior: bool,
        stream: bool,
        q: usize,
        scratch: &mut Scratch<I::Output>,
    ) -> bool;
}

/// One interleaved output, `m` values per point, and whether every
/// input value read by a step's fast form so far is one it takes.
struct Ilv<'o, O> {
    out: &'o mut [O],
    m: usize,
    /// A step's SIMD loop takes its fast form: the inner axis's slot.
    fast: Option<usize>,
    clean: bool,
}

impl<I: Element> Sink<I> for Ilv<'_, I::Output> {
    fn block(&self) -> usize {
        // 8 float64 points, 16 float32 (the float32 loops with AVX-512 go
        // by 16: windows of whole blocks take the two-rows loop).
        64 / std::mem::size_of::<I::Output>()
    }
    fn failed(&self) -> bool {
        !self.clean
    }
    fn reach(&self) -> usize {
        // The loops that read every neighbour from the input itself
        // (float32 coordinates) read as far as the separate sweep's;
        // a window that starts closer takes pieces, where a loop that
        // declined it would turn the rows at outer axes' ends to pieces
        // for the rest of the sweep.
        crate::simd::SEPARATE_PAD
    }
    fn aligned(&self, p: usize, b: usize) -> bool {
        let point = self.m * std::mem::size_of::<I::Output>();
        (self.out.as_ptr() as usize + p * point) % b == 0
    }
    fn span(&self, q: usize, n0: usize) -> (usize, usize) {
        let m = self.m;
        streamed_span::<I::Output>(&self.out[q * m..(q + n0) * m], m, n0)
    }
    fn simd(
        &mut self,
        x: &RowAt<'_, '_, '_, '_, I>,
        kind: &Kind<'_>,
        (lo, hi): (usize, usize),
        q: usize,
        stream: bool,
        given: Option<Given<'_, I::Output>>,
    ) -> bool {
        let m = self.m;
        let o = &mut self.out[(q + lo) * m..(q + hi) * m];
        let done = x.simd(kind, (lo, hi), o, stream, given, self.fast);
        if let Some(clean) = done {
            self.clean &= clean;
        }
        done.is_some()
    }
    fn pieces(
        &mut self,
        x: &RowAt<'_, '_, '_, '_, I>,
        kind: &Kind<'_>,
        span: (usize, usize),
        interior: bool,
        stream: bool,
        q: usize,
        scratch: &mut Scratch<I::Output>,
    ) -> bool {
        // The pieces' input points answered for (the fast form reads them
        // untested as neighbours); the pieces take the tested loop.
        if let (Some(_), Kind::Quots(q)) = (self.fast, kind) {
            self.clean &= I::fast_inputs_ok(q, &x.f[x.at + span.0..x.at + span.1]);
        }
        let (m, n0) = (self.m, x.dims[x.dims.len() - 1]);
        let o_row = &mut self.out[q * m..(q + n0) * m];
        x.pieces(kind, span, interior, stream, o_row, scratch)
    }
}

/// One output per axis, in slot order, and whether every input value
/// read by the fast form so far is one it takes.
struct Sep<'x, 'o, O> {
    outs: &'x mut [&'o mut [O]],
    /// A step's SIMD loop takes its fast form (the inner axis is an axis;
    /// never with coordinates, which take every value).
    fast: bool,
    clean: bool,
    /// The column copies chosen for earlier runs (coordinates, streamed
    /// float64).
    memo: crate::simd::PickMemo,
}

impl<I: Element> Sink<I> for Sep<'_, '_, I::Output> {
    fn block(&self) -> usize {
        64 / std::mem::size_of::<I::Output>()
    }
    fn failed(&self) -> bool {
        !self.clean
    }
    fn reach(&self) -> usize {
        crate::simd::SEPARATE_PAD
    }
    fn aligned(&self, p: usize, b: usize) -> bool {
        let size = std::mem::size_of::<I::Output>();
        (self.outs.iter()).all(|o| (o.as_ptr() as usize + p * size) % b == 0)
    }
    fn span(&self, q: usize, n0: usize) -> (usize, usize) {
        streamed_span::<I::Output>(&self.outs[0][q..q + n0], 1, n0)
    }
    fn simd(
        &mut self,
        x: &RowAt<'_, '_, '_, '_, I>,
        kind: &Kind<'_>,
        (lo, hi): (usize, usize),
        q: usize,
        stream: bool,
        given: Option<Given<'_, I::Output>>,
    ) -> bool {
        let (f, at, nd, m) = (x.f, x.at, x.dims.len(), x.m);
        let inner = (x.axes.iter().flatten()).find(|a| a.dim == nd - 1);
        let mut outs: [&mut [I::Output]; SIMD_AXES] = Default::default();
        for (o, h) in outs.iter_mut().zip(self.outs.iter_mut()) {
            *o = &mut h[q + lo..q + hi];
        }
        let outs = &mut outs[..m];
        match kind {
            Kind::Quots(quots) => {
                let (fm, fp) = x.neighbours((lo, hi));
                // The inner axis reads its points from the carried
                // vector's on (the fast form; at an outer axis's end too:
                // the range is made for those divisors as well).
                let pad = crate::simd::SEPARATE_PAD;
                let inner = inner.map(|a| (a.slot, &f[at + lo - pad..at + hi + 1]));
                let (fm, fp) = (&fm[..m], &fp[..m]);
                let done = I::sub_div_separate(quots, fm, fp, inner, outs, stream, given);
                if let Some(clean) = done {
                    self.clean &= clean;
                }
                done.is_some()
            }
            Kind::Coords(t) => {
                // Float64 outputs keep pace with the columns: one of
                // their copies lies clear of every output's stall window.
                let mut streams = [0; SIMD_AXES];
                for (s, o) in streams.iter_mut().zip(outs.iter()) {
                    *s = o.as_ptr() as usize;
                }
                let pace = std::mem::size_of::<I::Output>() == 8;
                let mut pick = [0; RUN + 2];
                let memo = &mut self.memo;
                let streams = (stream && pace).then_some((&streams[..m], &mut pick, memo));
                let Some(places) = x.places(t, (lo, hi), streams) else {
                    return false;
                };
                let strides = x.slot_strides();
                let (c, s, inner) = (&places[..m], &strides[..m], inner.map(|a| a.slot));
                let outs = crate::simd::Outs::Each(outs);
                I::comb3_separate(c, f, at + lo, s, inner, outs, stream, given)
            }
            Kind::None => false,
        }
    }
    fn pieces(
        &mut self,
        x: &RowAt<'_, '_, '_, '_, I>,
        kind: &Kind<'_>,
        (lo, hi): (usize, usize),
        _interior: bool,
        stream: bool,
        q: usize,
        scratch: &mut Scratch<I::Output>,
    ) -> bool {
        // Each axis by its own formulas (the rows at outer axes' ends
        // that take no loop, the few points around a run, and every row
        // where there is none), copied out; their input points answered
        // for (the fast form reads them untested as neighbours).
        if let (true, Kind::Quots(q)) = (self.fast, kind) {
            let f = &x.f[x.at + lo..x.at + hi];
            self.clean &= I::fast_inputs_ok(q, f);
        }
        let bufs = &mut scratch.bufs;
        let mut c0 = lo;
        while c0 < hi {
            let c1 = (c0 + CHUNK).min(hi);
            x.each_axis((c0, c1), bufs);
            for (o, b) in self.outs.iter_mut().zip(bufs.iter()) {
                let (o, b) = (&mut o[q + c0..q + c1], &b[..c1 - c0]);
                match stream {
                    true => crate::simd::stream_copy(b, o),
                    false => o.copy_from_slice(b),
                }
            }
            c0 = c1;
        }
        true
    }
}

/// The row loop of the fused paths: rows `r0 .. r1` of the outermost
/// dimension of `f` (extents `dims`), every axis of `axes`, into `sink`.
///
/// Runs of interior rows go through the SIMD loop in windows of whole
/// blocks on one grid over the output, the inner axis's values at the
/// rows' ends computed first and given to the loop: its neighbours there
/// (read and dropped) lie in the rows before and after, which an outer
/// axis's interior row has. A window runs from the first grid point of a
/// run's first row over up to RUN rows (each outer axis's neighbours are
/// the same distance away in all of them) to the first grid point of the
/// row after; with coordinates, each point takes its own row's
/// coefficients (the inner axis's by its place in its row). So a run is
/// streamed in one sweep, a call per RUN rows, whatever the rows' length
/// (a block or more); the points before the run's first grid point and
/// after its last go through pieces. The grid starts on a 64-byte boundary
/// where one is (else 32, the streaming stores' need). `edges`: the runs
/// of rows at one-sided ends that take the loop too ([`EdgeRuns`], built
/// by the caller from `kind`).
fn sweep<I: Element, S: Sink<I>>(
    axes: &[Option<Axis<'_, '_, I>>],
    (f, dims, (r0, r1), stream): (&[I], &[usize], (usize, usize), bool),
    (kind, mut edges): (Kind<'_>, EdgeRuns),
    sink: &mut S,
) {
    let (nd, m) = (dims.len(), axes.iter().flatten().count());
    let n0 = dims[nd - 1];
    let plane: usize = dims[1..].iter().product();
    if r0 >= r1 || n0 == 0 || plane == 0 {
        return;
    }
    let f = &f[..dims[0] * plane];
    // Elements between neighbours along each axis.
    let strides: [usize; MAX_AXES] = std::array::from_fn(|k| match axes.get(k) {
        Some(Some(a)) => dims[a.dim + 1..].iter().product(),
        _ => 0,
    });
    let mut fast = !matches!(kind, Kind::None);
    let zero = <I::Output as Num>::zero();
    let mut scratch = Scratch {
        bufs: [[zero; CHUNK]; MAX_AXES],
        stage: [zero; CHUNK * MAX_AXES],
        given: [(0, zero); 2 * RUN + 1],
        ends: [(0, 0); 2 * RUN + 1],
    };
    let (row0, row1) = (r0 * (plane / n0), r1 * (plane / n0));
    // Every outer axis at a row interior: one formula for every point but
    // the inner axis's ends.
    let outer = axes.iter().flatten().filter(|a| a.dim < nd - 1);
    let mut interior_at = Interior::new(dims, outer.map(|a| (a.dim, a.slot)), row0);
    let inner = axes.iter().flatten().find(|a| a.dim == nd - 1);
    let b = sink.block();
    // The first point of the grid (below a block): 0, or streamed, where
    // blocks start on a 64-byte boundary (else 32) of the output(s).
    let on = |a: usize| (0..b).find(|&p| sink.aligned(p, a));
    let grid = match &kind {
        _ if n0 < b => None,
        Kind::None => None,
        _ if !stream => Some(0),
        _ => on(64).or_else(|| on(32)),
    };
    // The first grid point at or after output point `q`.
    let up = |c: usize, q: usize| q + (c + b - q % b) % b;
    // Whether the row's points before its first grid point were written
    // with the row before.
    let mut carried = false;
    let mut row = row0;
    while row < row1 && !sink.failed() {
        let at = row * n0;
        // The output point of the row's first.
        let q = at - r0 * plane;
        let x = RowAt {
            axes,
            strides: &strides,
            dims,
            f,
            at,
            m,
            edge: 0,
        };
        let (code, alike) = interior_at.run(row);
        let interior = fast && code == 0;
        // A row at outer axes' one-sided ends: the loop with those
        // divisors, the row itself as one neighbour.
        let at_edge = match fast && code != 0 {
            true => edges.kind(code, m),
            false => None,
        };
        // With coordinates: the same loop, those axes' formulas there.
        let coords_edge = fast && code != 0 && edges.coords(code, m);
        if let (true, Some(c)) = (interior || at_edge.is_some() || coords_edge, grid) {
            let run_kind = at_edge.as_ref().unwrap_or(&kind);
            let x = RowAt { edge: code, ..x };
            // The run: this row and the rows after it that stand where it
            // does, `rows` in all; `next`: the row after does too. The
            // window [lo, hi) in the run's points (hi past the run: into
            // that row).
            let rows = alike.min(RUN).min(row1 - row);
            let next = rows < alike && row + rows < row1;
            let len = rows * n0;
            let lo = up(c, q) - q;
            let hi = match next {
                true => up(c, q + len) - q,
                false => (up(c, q + len + 1) - b).max(q + lo) - q,
            };
            let inside = inner.is_none() || (at + lo >= sink.reach() && at + hi < f.len());
            if inside {
                if !carried && lo > 0 {
                    sink.pieces(&x, &kind, (0, lo), interior, stream, q, &mut scratch);
                }
                // The rows' ends inside the window, as the window's
                // points: each row's first and last, the next row's first.
                let given = match inner {
                    Some(ax) => {
                        let ends = (0..rows).flat_map(|r| [(r, 0), (r, n0 - 1)]);
                        let mut k = 0;
                        for (r, p) in ends.chain([(rows, 0)]) {
                            if (lo..hi).contains(&(r * n0 + p)) {
                                scratch.ends[k] = (at + r * n0, p);
                                scratch.given[k].0 = r * n0 + p - lo;
                                k += 1;
                            }
                        }
                        let (e, g) = (&scratch.ends[..k], &mut scratch.given[..k]);
                        ax.st.fused(ax.rule, |st| st.ends(f, n0, ax.ends, e, g));
                        Some(Given {
                            slot: ax.slot,
                            at: &scratch.given[..k],
                        })
                    }
                    None => None,
                };
                let done = sink.simd(&x, run_kind, (lo, hi), q, stream, given);
                if done {
                    let last = (rows - 1) * n0;
                    if !next && hi < len {
                        let x = RowAt { at: at + last, ..x };
                        let span = (hi - last, n0);
                        sink.pieces(&x, &kind, span, interior, stream, q + last, &mut scratch);
                    }
                    carried = next;
                    row += rows;
                    continue;
                }
                // No loop: not again (the rows at the ends take the other
                // way; without one for the interior, every row).
                match code {
                    0 => fast = false,
                    _ => edges.bits = 0,
                }
            }
        }
        carried = false;
        // With streaming stores, an interior row streams the SIMD loop's
        // stores straight into the output from the first point whose values
        // start a cache line to the last whole block of lines before the
        // row's last point; the points around (the inner axis's ends among
        // them) go through pieces.
        let (a, e) = match (interior, stream) {
            (true, true) => sink.span(q, n0),
            _ => (n0, n0),
        };
        if a < e && fast {
            fast = sink.simd(&x, &kind, (a, e), q, true, None);
        }
        let parts = if a < e && fast {
            [(0, a), (e, n0)]
        } else {
            [(0, n0), (n0, n0)]
        };
        for span in parts {
            fast &= sink.pieces(&x, &kind, span, interior && fast, stream, q, &mut scratch);
        }
        row += 1;
    }
    if stream {
        crate::simd::fence();
    }
}

/// The row loop's buffers: one per axis for a piece of a row, and the
/// stage where a piece to be streamed is assembled first (an ordinary
/// store into a line being streamed would cost a read of that line from
/// memory).
struct Scratch<T> {
    bufs: [[T; CHUNK]; MAX_AXES],
    stage: [T; CHUNK * MAX_AXES],
    /// The values given to the SIMD loop: a run's rows' ends.
    given: [(usize, T); 2 * RUN + 1],
    /// Where those are: each one's row's first element and its point.
    ends: [(usize, usize); 2 * RUN + 1],
}

/// Where a row stands along every outer axis, and how many rows from it
/// stand alike: each outer axis's index carried from a row to the next (no
/// division per row), found by division after a jump over a run.
struct Interior {
    /// The row the indices are at.
    at: usize,
    /// Per outer axis: its stride in rows, the rows into its current
    /// index, that index, its length and its slot.
    axes: [(usize, usize, usize, usize, usize); MAX_AXES],
    k: usize,
}

impl Interior {
    /// At row `row` of `dims` (memory order, rows along the last), for the
    /// outer axes `outer` (up to [`MAX_AXES`]: each one's memory dimension,
    /// below the last, and its slot).
    fn new(dims: &[usize], outer: impl IntoIterator<Item = (usize, usize)>, row: usize) -> Self {
        let nd = dims.len();
        let mut x = Interior {
            at: row,
            axes: [(1, 0, 0, 0, 0); MAX_AXES],
            k: 0,
        };
        for (d, slot) in outer {
            let p: usize = dims[d + 1..nd - 1].iter().product();
            x.axes[x.k] = (p, row % p, (row / p) % dims[d], dims[d], slot);
            x.k += 1;
        }
        x
    }

    /// Where row `row` stands: 0 where it is interior along every outer
    /// axis, else bit `2 slot` set for each outer axis at its first index
    /// and bit `2 slot + 1` for each at its last (both for an axis of one
    /// point). From the last row asked about to the next, the indices are
    /// carried; to any other row, they are found by division.
    #[inline]
    fn code(&mut self, row: usize) -> u32 {
        if row == self.at + 1 {
            self.at = row;
            for (p, c, g, n, _) in &mut self.axes[..self.k] {
                *c += 1;
                if *c == *p {
                    *c = 0;
                    *g = if *g + 1 == *n { 0 } else { *g + 1 };
                }
            }
        } else if row != self.at {
            self.at = row;
            for (p, c, g, n, _) in &mut self.axes[..self.k] {
                (*c, *g) = (row % *p, (row / *p) % *n);
            }
        }
        let mut code = 0;
        for &(_, _, g, n, slot) in &self.axes[..self.k] {
            code |= ((g == 0) as u32) << (2 * slot) | ((g + 1 >= n) as u32) << (2 * slot + 1);
        }
        code
    }

    /// [`Interior::code`] of row `row`, and how many rows from it on (it
    /// among them) stand where it does: `usize::MAX` where every row does
    /// (no outer axis, or each of one point).
    fn run(&mut self, row: usize) -> (u32, usize) {
        let code = self.code(row);
        let mut len = usize::MAX;
        for &(p, c, g, n, _) in &self.axes[..self.k] {
            // This axis's index stays for `p - c` rows; an index between
            // the ends stands with the others up to the last index.
            let rows = match (n, g) {
                (1, _) => usize::MAX,
                (_, 0) => p - c,
                _ if g + 1 == n => p - c,
                _ => (n - 2 - g) * p + (p - c),
            };
            len = len.min(rows);
        }
        (code, len)
    }
}

/// One row of the fused paths: the input row starting at element `at` of
/// `f`, and the axes.
struct RowAt<'x, 'p, 'r, 'f, I: Element> {
    axes: &'x [Option<Axis<'p, 'r, I>>],
    strides: &'x [usize; MAX_AXES],
    dims: &'x [usize],
    f: &'f [I],
    at: usize,
    /// Values per point (the axes).
    m: usize,
    /// Where the row stands along the outer axes ([`Interior::code`]): 0
    /// for an interior row; else the SIMD loop takes each end's row
    /// itself for the neighbour beyond it.
    edge: u32,
}

impl<I: Element> RowAt<'_, '_, '_, '_, I> {
    /// Each slot's neighbours before and after points `[lo, hi)` of the
    /// row (every slot below `m` taken by an axis; `m` at most
    /// [`SIMD_AXES`]).
    fn neighbours(&self, (lo, hi): (usize, usize)) -> ([&[I]; SIMD_AXES], [&[I]; SIMD_AXES]) {
        let (f, at) = (self.f, self.at);
        let (mut fm, mut fp): ([&[I]; SIMD_AXES], [&[I]; SIMD_AXES]) = Default::default();
        for (slot, &s) in self.slot_strides().iter().enumerate().take(self.m) {
            // At an end, the row itself for the neighbour beyond it.
            let (first, last) = (self.edge >> (2 * slot) & 1, self.edge >> (2 * slot + 1) & 1);
            let (sm, sp) = (s * (1 - first as usize), s * (1 - last as usize));
            fm[slot] = &f[at + lo - sm..at + hi - sm];
            fp[slot] = &f[at + lo + sp..at + hi + sp];
        }
        (fm, fp)
    }

    /// Each slot's stride: the elements between its neighbours (the inner
    /// axis's 1; every slot below `m` taken by an axis, `m` at most
    /// [`SIMD_AXES`]).
    fn slot_strides(&self) -> [usize; SIMD_AXES] {
        let mut st = [1; SIMD_AXES];
        for (ax, &s) in self.axes.iter().zip(self.strides) {
            if let Some(ax) = ax {
                st[ax.slot] = s;
            }
        }
        st
    }

    /// Points `[lo, hi)` of an interior row, inside `[1, n - 1)` of the
    /// inner axis (or a row with every axis outer), through the SIMD loop
    /// into `o` (`m` values per point); None (nothing written) without
    /// one. With `given`, `[lo, hi)` may run past the row's end over the
    /// interior rows after it (its inputs reach into the rows before and
    /// after), the inner axis's values at the rows' ends given (with
    /// coordinates, each point takes its own row's coefficients). `fast`
    /// (the inner axis's slot): a step's fast form, whose word on the
    /// points' own input values and the one after them is returned (see
    /// [`Element::sub_div_interleave`]: the loop's on its inner place's
    /// right neighbours, and the first point's here); otherwise
    /// `Some(true)`.
    fn simd(
        &self,
        kind: &Kind<'_>,
        (lo, hi): (usize, usize),
        o: &mut [I::Output],
        stream: bool,
        given: Option<Given<'_, I::Output>>,
        fast: Option<usize>,
    ) -> Option<bool> {
        let (f, at, m) = (self.f, self.at, self.m);
        // The loops take two or three axes (a call per run of rows or per
        // row: no more set up than that).
        if m > SIMD_AXES {
            return None;
        }
        let (fm, fp) = self.neighbours((lo, hi));
        match kind {
            Kind::Quots(q) => {
                let done = I::sub_div_interleave(q, &fm[..m], &fp[..m], fast, o, stream, given);
                let first = || lo == hi || I::fast_inputs_ok(q, &f[at + lo..at + lo + 1]);
                done.map(|clean| clean && (fast.is_none() || first()))
            }
            Kind::Coords(t) => {
                // (An interleaved output drifts against the columns: no
                // copy is clear of it for a whole row.)
                let places = self.places(t, (lo, hi), None)?;
                // The loop that reads every neighbour from the input
                // itself where there is one (float32, AVX-512: two rows
                // at a time), else a pointer per neighbour.
                let nd = self.dims.len();
                let inner = (self.axes.iter().flatten()).find(|a| a.dim == nd - 1);
                let (s, inner) = (self.slot_strides(), inner.map(|a| a.slot));
                let out = crate::simd::Outs::Interleaved(&mut *o);
                let c = &places[..m];
                if I::comb3_separate(c, f, at + lo, &s[..m], inner, out, stream, given) {
                    return Some(true);
                }
                I::comb3_interleave(
                    &places[..m],
                    &fm[..m],
                    &f[at + lo..at + hi],
                    &fp[..m],
                    o,
                    stream,
                    given,
                )
                .then_some(true)
            }
            Kind::None => None,
        }
    }

    /// Whether the row stands at a one-sided end of the axis in `slot`:
    /// its first point along it (true) or its last (false).
    fn at_end(&self, slot: usize) -> Option<bool> {
        match self.edge >> (2 * slot) & 3 {
            1 => Some(true),
            2 => Some(false),
            _ => None,
        }
    }

    /// Each slot's coefficients from the row's point `lo` on (up to `hi`),
    /// from the tables `t` (every slot below `m` taken by an axis with
    /// one); None where a table lacks the columns the inner axis needs.
    /// `streams`: the float64 outputs' addresses at point `lo` when they
    /// are streamed, and room for the choices: the inner axis's columns
    /// then come from the copy each row's stores do not stall
    /// ([`crate::simd::pick_copies`]).
    fn places<'t>(
        &self,
        t: &[Option<(&'t Table, usize)>; MAX_AXES],
        (lo, hi): (usize, usize),
        mut streams: Option<(&[usize], &'t mut [u8; RUN + 2], &mut crate::simd::PickMemo)>,
    ) -> Option<[crate::simd::Place<'t>; SIMD_AXES]> {
        let (at, nd) = (self.at, self.dims.len());
        let mut places = [crate::simd::Place::Rows {
            rows: &[],
            s: 0,
            p0: 0,
        }; SIMD_AXES];
        for (ax, &s) in self.axes.iter().zip(self.strides) {
            let Some(ax) = ax else { continue };
            let (t, first) = t[ax.slot]?;
            let n = self.dims[ax.dim];
            places[ax.slot] = if ax.dim == nd - 1 {
                // By point, on into the rows after (their ends given).
                let [a, b, c] = &t.columns;
                if a.len() != 2 * n {
                    return None;
                }
                let p0 = lo % n;
                // (One inner axis: `streams` is taken once.)
                let copies = streams.take().and_then(|(o, pick, memo)| {
                    let (cols, gap) = t.copies()?;
                    let at = (cols[0].as_ptr() as usize, gap * 8);
                    let rows = crate::simd::pick_copies(at, (n, p0, hi - lo), o, pick, memo)?;
                    let pick: &'t [u8] = pick;
                    Some((cols, gap, &pick[..rows]))
                });
                match copies {
                    Some((cols, gap, pick)) => crate::simd::Place::Wrap {
                        cols,
                        n,
                        p0,
                        copies: crate::simd::Copies { pick, gap },
                    },
                    None => crate::simd::Place::Wrap {
                        cols: [a, b, c],
                        n,
                        p0,
                        copies: Default::default(),
                    },
                }
            } else if let Some(lo) = self.at_end(ax.slot) {
                // At one of its one-sided ends: numpy's formula there.
                let (Rule::Coords(c), Prepared::Coords { order2, .. }) = (ax.rule, ax.st) else {
                    return None;
                };
                let op = match (*order2, lo) {
                    (false, true) => crate::simd::EdgeOp::Div(c.d0),
                    (false, false) => crate::simd::EdgeOp::Div(c.dn),
                    (true, true) => crate::simd::EdgeOp::Comb(c.lo),
                    (true, false) => crate::simd::EdgeOp::Comb(c.hi),
                };
                crate::simd::Place::Edge { lo, op }
            } else {
                // By row of this axis (`s` points), from the first
                // point's on.
                let e = at + lo;
                crate::simd::Place::Rows {
                    rows: &t.rows[(e / s) % n - first..],
                    s,
                    p0: e % s,
                }
            };
        }
        Some(places)
    }

    /// Points `[lo, hi)` of the row (its output `o_row`) a chunk at a time:
    /// an `interior` row's through the SIMD loop (but the inner axis's
    /// ends, each axis by its own formula), others each axis into `bufs`
    /// and then interleaved; with `stream`, assembled in the stage and then
    /// streamed. False when an interior row found no SIMD loop (it then
    /// took the other way).
    fn pieces(
        &self,
        kind: &Kind<'_>,
        (lo, hi): (usize, usize),
        interior: bool,
        stream: bool,
        o_row: &mut [I::Output],
        scratch: &mut Scratch<I::Output>,
    ) -> bool {
        let Scratch { bufs, stage, .. } = scratch;
        let (m, n0) = (self.m, self.dims[self.dims.len() - 1]);
        let mut found = true;
        let mut c0 = lo;
        while c0 < hi {
            let c1 = (c0 + CHUNK).min(hi);
            let piece = if stream {
                &mut stage[..(c1 - c0) * m]
            } else {
                &mut o_row[c0 * m..c1 * m]
            };
            // An interior row takes the SIMD loop for the piece but the
            // inner axis's two end points, which are then computed one by
            // one, each axis by its own formula.
            let mut simd = interior && found;
            let mut staged = stream;
            if simd {
                let (l, h) = (c0.max(1), c1.min(n0 - 1));
                if l < h {
                    let o = &mut piece[(l - c0) * m..(h - c0) * m];
                    simd = self.simd(kind, (l, h), o, false, None, None).is_some();
                    // No such loop here (type or machine): not again.
                    found = simd;
                }
                if simd {
                    for g in [0, n0 - 1].into_iter().filter(|g| (c0..c1).contains(g)) {
                        let o = &mut piece[(g - c0) * m..(g - c0 + 1) * m];
                        self.each_axis((g, g + 1), bufs);
                        for (k, o) in o.iter_mut().enumerate() {
                            *o = bufs[k][0];
                        }
                    }
                }
            }
            // Otherwise each axis into its buffer, then interleaved.
            if !simd {
                let len = c1 - c0;
                self.each_axis((c0, c1), bufs);
                let parts: [&[I::Output]; MAX_AXES] = std::array::from_fn(|k| &bufs[k][..len]);
                // Streamed: interleaved straight into the output, its
                // stores streamed there (no stage to copy).
                let dst = if stream {
                    staged = false;
                    &mut o_row[c0 * m..c1 * m]
                } else {
                    piece
                };
                if !<I::Output as Num>::interleave(&parts[..m], dst, stream) {
                    for (i, o) in dst.chunks_exact_mut(m).enumerate() {
                        for (o, p) in o.iter_mut().zip(&parts[..m]) {
                            *o = p[i];
                        }
                    }
                }
            }
            if staged {
                crate::simd::stream_copy(&stage[..(c1 - c0) * m], &mut o_row[c0 * m..c1 * m]);
            }
            c0 = c1;
        }
        found
    }

    /// Points `[c0, c1)` of the row along each axis into `bufs[slot]`, by
    /// the axis's own formulas.
    fn each_axis(&self, (c0, c1): (usize, usize), bufs: &mut [[I::Output; CHUNK]; MAX_AXES]) {
        let (f, at, nd, len) = (self.f, self.at, self.dims.len(), c1 - c0);
        for (ax, &s) in self.axes.iter().zip(self.strides) {
            let Some(ax) = ax else { continue };
            let buf = &mut bufs[ax.slot][..len];
            let n = self.dims[ax.dim];
            if ax.dim == nd - 1 {
                let lane = &f[at..at + n];
                ax.st
                    .fused(ax.rule, |st| st.lane(lane, (c0, c1), ax.ends, buf));
            } else {
                let g = (at / s) % n;
                let first = at - g * s + c0;
                let f = &f[first..];
                ax.st
                    .fused(ax.rule, |st| st.row(f, (g, n, s), len, ax.ends, buf));
            }
        }
    }
}

impl<I: Element> Prepared<I> {
    /// `run(stencil)` with this axis's stencil (`rule`: the one it was
    /// prepared from).
    #[inline(always)]
    fn fused(&self, rule: &Rule<'_>, run: impl FnOnce(&dyn Piece<I>)) {
        match (self, rule) {
            (Prepared::NativeExact(st), _) => run(st),
            (Prepared::Native(st), _) => run(st),
            (Prepared::WideExact(st), _) => run(st),
            (Prepared::Wide(st), _) => run(st),
            (
                Prepared::Coords {
                    order2,
                    scalar_edges,
                },
                Rule::Coords(c),
            ) => run(&NonUniform::new(c, *order2, *scalar_edges, false)),
            (Prepared::Coords { .. }, _) => unreachable!("prepared from another rule"),
        }
    }
}

/// A stencil seen through the pieces of work of the fused loop.
trait Piece<I: Element> {
    fn lane(&self, f: &[I], span: (usize, usize), ends: Ends, o: &mut [I::Output]);
    fn row(&self, f: &[I], at: (usize, usize, usize), len: usize, ends: Ends, o: &mut [I::Output]);
    /// The end points `at[k] = (first, g)` (`g` 0 or `n - 1`) of lanes of
    /// `n` points starting at element `first` of `f` into `o[k].1`.
    fn ends(
        &self,
        f: &[I],
        n: usize,
        ends: Ends,
        at: &[(usize, usize)],
        o: &mut [(usize, I::Output)],
    );
}

impl<I: Element, S: Stencil<I>> Piece<I> for S {
    fn ends(
        &self,
        f: &[I],
        n: usize,
        ends: Ends,
        at: &[(usize, usize)],
        o: &mut [(usize, I::Output)],
    ) {
        // The two ends' formulas found once (short rows have many ends).
        let forms = [end_point(0, n, ends), end_point(n - 1, n, ends)];
        for (&(first, g), o) in at.iter().zip(o) {
            debug_assert!(g == 0 || g == n - 1);
            let (fm, [a, b, c]) = forms[usize::from(g != 0)];
            let f = &f[first..first + n];
            o.1 = eval(self, fm, 0, f[a], f[b], f[c]);
        }
    }
    fn lane(&self, f: &[I], span: (usize, usize), ends: Ends, o: &mut [I::Output]) {
        lane_span(self, f, span, ends, o)
    }
    fn row(&self, f: &[I], at: (usize, usize, usize), len: usize, ends: Ends, o: &mut [I::Output]) {
        row_span(self, f, at, len, ends, o)
    }
}

/// Points `[c0, c1)` of the lane `f` (the whole lane: its ends are in it)
/// into `o`, as [`super::dense_lane`] computes them, with ordinary stores.
pub(super) fn lane_span<I: Element, S: Stencil<I>>(
    st: &S,
    f: &[I],
    (c0, c1): (usize, usize),
    ends: Ends,
    o: &mut [I::Output],
) {
    let n = f.len();
    let (lo, hi) = (c0.max(1), c1.min(n - 1));
    if lo < hi {
        let f3 = [&f[lo - 1..hi - 1], &f[lo..hi], &f[lo + 1..hi + 1]];
        st.lane_interior_cached(lo, f3, &mut o[lo - c0..hi - c0]);
    }
    for g in end_positions(n).filter(|g| (c0..c1).contains(g)) {
        o[g - c0] = lane_end(st, f, g, ends);
    }
}

/// `len` points of the row at index `g` of an axis of `n` rows `s`
/// elements apart into `o`, as [`super::dense_blocks`] computes them; `f`
/// starts at the first of those points in row 0.
fn row_span<I: Element, S: Stencil<I>>(
    st: &S,
    f: &[I],
    (g, n, s): (usize, usize, usize),
    len: usize,
    ends: Ends,
    o: &mut [I::Output],
) {
    let row = |h: usize| &f[h * s..h * s + len];
    let o = &mut o[..len];
    if g > 0 && g + 1 < n {
        return st.op(g).rows(row(g - 1), row(g), row(g + 1), o);
    }
    let (fm, [a, b, c]) = end_point(g, n, ends);
    end_row(st, fm, [row(a), row(b), row(c)], o);
}

#[cfg(test)]
mod tests {
    use super::Interior;

    /// The indices carried from row to row find where each row stands
    /// (interior, or which ends of which axes) as division finds it: every
    /// shape of 2 to 5 dimensions with extents 1 to 4 (rows of 3 points),
    /// every set of outer axes (in slots that are not their order), from
    /// every starting row, each row in turn, every other row, and back.
    #[test]
    fn row_codes_and_runs_match_division() {
        for nd in 2..=5usize {
            for code in 0..4usize.pow(nd as u32 - 1) {
                let mut dims: Vec<usize> = (0..nd - 1)
                    .map(|d| code / 4usize.pow(d as u32) % 4 + 1)
                    .collect();
                dims.push(3);
                let rows: usize = dims[..nd - 1].iter().product();
                for set in 0..1usize << (nd - 1) {
                    let outer: Vec<usize> = (0..nd - 1).filter(|d| set >> d & 1 == 1).collect();
                    // Axis `d` in slot `nd - 1 - d`.
                    let slot = |d: usize| nd - 1 - d;
                    let truth = |r: usize| {
                        let mut code = 0;
                        for &d in &outer {
                            let g = r / dims[d + 1..nd - 1].iter().product::<usize>() % dims[d];
                            code |= ((g == 0) as u32) << (2 * slot(d));
                            code |= ((g + 1 == dims[d]) as u32) << (2 * slot(d) + 1);
                        }
                        code
                    };
                    for start in 0..rows {
                        // Each row in turn, every other row, and two
                        // ahead then one back.
                        let back = (0..rows - start).map(|k| start + k + 1 - 2 * (k % 2));
                        let walks: [Vec<usize>; 3] = [
                            (start..rows).collect(),
                            (start..rows).step_by(2).collect(),
                            back.filter(|&r| r < rows).collect(),
                        ];
                        for walk in walks {
                            let o = outer.iter().map(|&d| (d, slot(d)));
                            let mut x = Interior::new(&dims, o, start);
                            for r in walk {
                                let (code, len) = x.run(r);
                                let at = format!("{dims:?} {outer:?} from {start}, row {r}");
                                assert_eq!(code, truth(r), "{at}");
                                let alike = (r..rows).take_while(|&s| truth(s) == code).count();
                                assert_eq!(len.min(rows - r), alike, "{at}");
                                assert_eq!(x.code(r), code, "{at}: asked again");
                            }
                        }
                    }
                }
            }
        }
    }
}
