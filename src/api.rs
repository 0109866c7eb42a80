//! Layer 2: the safe Rust API on ndarray views.

use ndarray::{
    Array, ArrayBase, ArrayView1, ArrayViewD, ArrayViewMut, ArrayViewMut1, ArrayViewMutD, Axis,
    Data, Dimension, ShapeBuilder,
};

use crate::error::GradientError;
use crate::kernel::{self, Coefs, Diffs, End, Ends, Mode, Rule, Slab, Step, Tables, WideCoefs};
use crate::num::{Element, Num};
use crate::small::Small;

/// The most dimensions an array may have (numpy's limit too).
pub const MAX_NDIM: usize = 64;

/// The spacing of one axis (or of every axis, see [`gradient`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Spacing<'a> {
    /// Step 1.0.
    Unit,
    /// A uniform step: finite and nonzero; negative flips the sign.
    Uniform(f64),
    /// The coordinates of the points along the axis: one per point, finite,
    /// strictly increasing or strictly decreasing. Evenly spaced coordinates
    /// (every difference equal) are reduced to a step, as numpy does.
    Coordinates(&'a [f64]),
    /// Coordinates as [`Spacing::Coordinates`], but never reduced to a step:
    /// the non-uniform formulas at every point, even where the coordinates
    /// happen to be evenly spaced. For a block of a decomposed axis whose
    /// whole is not evenly spaced (each block then decides as the whole).
    NonUniform(&'a [f64]),
}

impl<'a> Spacing<'a> {
    /// The coordinates of a `Coordinates` or `NonUniform` entry.
    pub fn coordinates(&self) -> Option<&'a [f64]> {
        match *self {
            Spacing::Coordinates(x) | Spacing::NonUniform(x) => Some(x),
            _ => None,
        }
    }
}

/// Unit spacing, numpy's default.
impl Default for Spacing<'_> {
    fn default() -> Self {
        Spacing::Unit
    }
}

/// How the ends of one differentiated axis are treated.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Boundary {
    /// numpy's one-sided edge formulas on both ends.
    #[default]
    OneSided,
    /// The axis wraps around: point 0's left neighbour is point n-1 and
    /// point n-1's right neighbour is point 0. A uniform step wraps with the
    /// same step. With coordinates, `period` is required: finite, positive and
    /// larger than the coordinate span; the wrap step is
    /// `x[0] + period - x[n-1]` (`x[0] - period - x[n-1]` for decreasing
    /// coordinates). `period` is not used with a step.
    ///
    /// The result equals numpy on the array padded with one wrapped point per
    /// side (coordinates padded with `x[n-1] - period` and `x[0] + period`),
    /// with the pad removed.
    Periodic { period: Option<f64> },
    /// Each end is one-sided or a ghost (halo) point.
    Sides { lo: Side, hi: Side },
}

/// One end of an axis that is not periodic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// numpy's one-sided edge formula (a physical boundary).
    OneSided,
    /// The input holds one extra halo point on this side, read only as a
    /// neighbour (filled by the caller, e.g. by an MPI exchange). The
    /// outputs cover the owned region: one point fewer along this axis, for
    /// every output. The result equals numpy on the whole global array,
    /// restricted to the owned region.
    Ghost,
}

/// Options beyond numpy's behaviour. `Options::default()` is numpy's
/// behaviour on the calling thread.
///
/// ```
/// use gradient::{gradient_with, Boundary, Options, Spacing};
/// use ndarray::arr1;
///
/// // A periodic signal: the ends use the wrapped neighbours.
/// let f = arr1(&[0.0, 1.0, 0.0, -1.0]);
/// let opts = Options::default().boundaries(vec![Boundary::Periodic { period: None }]);
/// let g = gradient_with(&f, &[Spacing::Unit], None, 1, &opts)?;
/// assert_eq!(g[0].to_vec(), [1.0, 0.0, -1.0, 0.0]);
/// # Ok::<(), gradient::GradientError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// Worker threads; 0 or 1 means the calling thread only. Results do not
    /// depend on it.
    pub threads: usize,
    /// Empty (every axis one-sided, numpy's behaviour) or one entry per
    /// differentiated axis, in axes order.
    pub boundaries: Vec<Boundary>,
    /// The order of accuracy of the interior stencil: 0 or 2 is numpy's
    /// second order (bit for bit); 4, 6 or 8 use the central `p + 1`-point
    /// stencil, with `edge_order` (1 to `p`) setting the order of the
    /// windows near one-sided ends, and `p / 2` halo points per ghost side.
    /// See `docs/accuracy.md`.
    pub accuracy: usize,
}

impl Options {
    /// Set the number of threads.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Set the boundaries, one per differentiated axis in axes order.
    pub fn boundaries(mut self, boundaries: Vec<Boundary>) -> Self {
        self.boundaries = boundaries;
        self
    }

    /// Set the order of accuracy: 2 (numpy's, the default), 4, 6 or 8.
    ///
    /// ```
    /// use gradient::{gradient_with, Options, Spacing};
    /// use ndarray::Array1;
    ///
    /// // A cubic is differentiated exactly by the fourth-order stencils.
    /// let f = Array1::from_iter((0..8).map(|i| (i * i * i) as f64));
    /// let opts = Options::default().accuracy(4);
    /// let g = gradient_with(&f, &[Spacing::Unit], None, 4, &opts)?;
    /// let exact: Vec<f64> = (0..8).map(|i| (3 * i * i) as f64).collect();
    /// assert_eq!(g[0].to_vec(), exact);
    /// # Ok::<(), gradient::GradientError>(())
    /// ```
    pub fn accuracy(mut self, accuracy: usize) -> Self {
        self.accuracy = accuracy;
        self
    }
}

type Result<T> = std::result::Result<T, GradientError>;

/// A validated gradient call: which axes, how each is differentiated, with
/// the non-uniform coefficients computed once. Build it once and run it on
/// any number of arrays of its shape (for example every time step of a
/// simulation).
///
/// ```
/// use gradient::{Plan, Spacing};
/// use ndarray::array;
///
/// let x = [0.0, 1.0, 1.5, 3.5];
/// let plan = Plan::new(&[2, 4], &[Spacing::Uniform(2.0), Spacing::Coordinates(&x)], None, 1)?;
/// let f = array![[1.0, 2.0, 4.0, 7.0], [3.0, 4.0, 5.0, 6.0]];
/// let mut d0 = ndarray::Array2::<f64>::zeros((2, 4));
/// let mut d1 = ndarray::Array2::<f64>::zeros((2, 4));
/// plan.run(&f, &mut [d0.view_mut(), d1.view_mut()])?;
/// assert_eq!(d0.row(0).to_vec(), [1.0, 1.0, 0.5, -0.5]);
/// assert_eq!(d1.row(0).to_vec(), [1.0, 2.9999999999999996, 3.5, 1.5]);
/// # Ok::<(), gradient::GradientError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Plan<'a> {
    // Inline up to 4 dimensions/axes: building a plan allocates nothing
    // unless coordinates on an axis with several lanes need coefficient
    // tables, or an accuracy order p >= 4 its (boxed) stencil tables.
    shape: Small<usize>,
    out_shape: Small<usize>,
    /// Halo points (low, high) of every dimension.
    ghosts: Small<(usize, usize)>,
    axes: Small<usize>,
    /// Borrows the caller's coordinates (non-periodic axes).
    rules: Small<Rule<'a>>,
    ends: Small<Ends>,
    order2: bool,
    /// The tables of an accuracy order p >= 4 (None: numpy's formulas);
    /// boxed, as they are large and every call moves its plan.
    wide: Option<Box<Tables>>,
    threads: usize,
}

impl<'a> Plan<'a> {
    /// Validate a call on arrays of `shape` (see [`gradient`] for the
    /// arguments) with default options. The plan borrows the coordinate
    /// arrays of `spacing`.
    pub fn new(
        shape: &[usize],
        spacing: &[Spacing<'a>],
        axes: Option<&[isize]>,
        edge_order: usize,
    ) -> Result<Plan<'a>> {
        Plan::with_options(shape, spacing, axes, edge_order, &Options::default())
    }

    /// Validate a call with explicit [`Options`]. Checks run in the order of
    /// the C ABI: ndim, axes, spacing count, each spacing entry, edge_order,
    /// options, axis lengths.
    pub fn with_options(
        shape: &[usize],
        spacing: &[Spacing<'a>],
        axes: Option<&[isize]>,
        edge_order: usize,
        options: &Options,
    ) -> Result<Plan<'a>> {
        check_ndim(shape.len())?;
        let axes = normalize_axes(shape.len(), axes)?;
        check_spacing_count(spacing, axes.len())?;
        for (k, s) in spacing.iter().enumerate() {
            check_spacing_entry(k, s, spacing.len(), shape, &axes, options.threads)?;
        }
        check_edge_order(edge_order as i64)?;
        let mut plan = Plan::blank();
        plan.fill(shape, spacing, axes, edge_order, options)?;
        Ok(plan)
    }

    /// A plan of nothing, for [`Plan::fill`].
    pub(crate) fn blank() -> Plan<'a> {
        Plan {
            shape: Small::new(),
            out_shape: Small::new(),
            ghosts: Small::new(),
            axes: Small::new(),
            rules: Small::new(),
            ends: Small::new(),
            order2: false,
            wide: None,
            threads: 0,
        }
    }

    /// The rest of [`Plan::with_options`], into a [`Plan::blank`] in place,
    /// for a caller that has run the checks up to `edge_order`, in order:
    /// `axes` normalised, the spacing count, every entry and `edge_order`
    /// ([`check_edge_order`]) checked. Checks the options and the axis
    /// lengths. In place because a plan is large (its rules are inline) and
    /// one returned by value is copied on its way out, which a direct call,
    /// building one per call, would pay every time. On failure `self` is
    /// left partly filled: discard it.
    #[inline]
    pub(crate) fn fill(
        &mut self,
        shape: &[usize],
        spacing: &[Spacing<'a>],
        axes: Small<usize>,
        edge_order: usize,
        options: &Options,
    ) -> Result<()> {
        debug_assert!(self.rules.is_empty(), "fill takes a blank plan");
        let entry = |k: usize| match spacing.len() {
            0 => Spacing::Unit,
            1 => spacing[0],
            _ => spacing[k],
        };
        let p = check_accuracy(options.accuracy, edge_order)?;
        let wide = (p >= 4).then(|| Box::new(Tables::new(p, edge_order)));
        let boundaries = check_boundaries(&options.boundaries, &axes, shape, &entry)?;
        check_lengths(shape, &axes, edge_order, p, &boundaries)?;
        self.ends = boundaries.iter().map(ends_of).collect();
        self.ghosts = Small::filled((0, 0), shape.len());
        for (&axis, e) in axes.iter().zip(&self.ends) {
            self.ghosts[axis] = e.ghosts(halo_width(p));
        }
        self.out_shape = shape
            .iter()
            .zip(&self.ghosts)
            .map(|(&n, &(lo, hi))| n - lo - hi)
            .collect();
        let size = shape.iter().fold(1usize, |p, &n| p.saturating_mul(n));
        for (k, &axis) in axes.iter().enumerate() {
            let lanes = size.checked_div(shape[axis]).unwrap_or(0);
            let rule = rule(
                &entry(k),
                &boundaries[k],
                self.ends[k],
                wide.as_deref(),
                lanes,
            );
            self.rules.push(rule);
        }
        self.shape = shape.into();
        self.axes = axes;
        self.order2 = edge_order == 2;
        self.wide = wide;
        self.threads = options.threads;
        Ok(())
    }

    /// The same plan owning everything it keeps (a copy of the coordinates),
    /// with every coefficient table it could need built now: a
    /// `Plan<'static>` can be stored, sent and shared across threads, and
    /// running it allocates nothing (on the calling thread) and changes
    /// nothing, so any number of threads may run it at once. The results
    /// are bit for bit those of the borrowing plan.
    ///
    /// ```
    /// use gradient::{Plan, Spacing};
    /// use ndarray::{array, Array1};
    ///
    /// let plan: Plan<'static> = {
    ///     let x = vec![0.0, 1.0, 1.5, 3.5]; // freed below: the plan keeps a copy
    ///     Plan::new(&[4], &[Spacing::Coordinates(&x)], None, 1)?.into_owned()
    /// };
    /// let mut d = Array1::<f64>::zeros(4);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         let mut d = Array1::<f64>::zeros(4);
    ///         plan.run(&array![1.0, 2.0, 4.0, 7.0], &mut [d.view_mut()]).unwrap();
    ///     });
    ///     plan.run(&array![1.0, 2.0, 4.0, 7.0], &mut [d.view_mut()]).unwrap();
    /// });
    /// assert_eq!(d.to_vec(), [1.0, 2.9999999999999996, 3.5, 1.5]);
    /// # Ok::<(), gradient::GradientError>(())
    /// ```
    pub fn into_owned(mut self) -> Plan<'static> {
        let size = self.shape.iter().fold(1usize, |p, &n| p.saturating_mul(n));
        let rules = (self.rules.iter_mut().zip(&self.axes))
            .map(|(r, &axis)| {
                let lanes = size.checked_div(self.shape[axis]).unwrap_or(0);
                std::mem::take(r).into_owned(lanes)
            })
            .collect();
        Plan {
            shape: self.shape,
            out_shape: self.out_shape,
            ghosts: self.ghosts,
            axes: self.axes,
            rules,
            ends: self.ends,
            order2: self.order2,
            wide: self.wide,
            threads: self.threads,
        }
    }

    /// The differentiated axes, normalised, in output order.
    pub fn axes(&self) -> &[usize] {
        &self.axes
    }

    /// The input shape this plan was validated for.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The shape of every output: the input shape less the ghost points
    /// (equal to [`Plan::shape`] without [`Side::Ghost`] boundaries).
    pub fn out_shape(&self) -> &[usize] {
        &self.out_shape
    }

    /// Differentiate `f` into caller-owned outputs, one per axis in axes
    /// order, each of [`Plan::out_shape`] with any strides. Nothing is
    /// written unless every shape matches.
    pub fn run<A, S, D>(
        &self,
        f: &ArrayBase<S, D>,
        out: &mut [ArrayViewMut<'_, A::Output, D>],
    ) -> Result<()>
    where
        A: Element,
        S: Data<Elem = A>,
        D: Dimension,
    {
        if f.shape() != self.shape.as_slice() {
            return Err(GradientError::InvalidShape(format!(
                "f has shape {:?} but the plan was made for {:?}",
                f.shape(),
                self.shape
            )));
        }
        if out.len() != self.axes.len() {
            return Err(GradientError::InvalidShape(format!(
                "{} outputs given for {} axes",
                out.len(),
                self.axes.len()
            )));
        }
        for (k, o) in out.iter().enumerate() {
            if o.shape() != self.out_shape.as_slice() {
                return Err(GradientError::InvalidShape(format!(
                    "out[{k}] has shape {:?}, expected {:?}",
                    o.shape(),
                    self.out_shape
                )));
            }
        }
        if let Some((order, fs)) = self.dense_input(f).filter(|_| out.len() <= DENSE_OUTS) {
            let mut held: [&mut [A::Output]; DENSE_OUTS] = Default::default();
            let slots = held.iter_mut().zip(out.iter_mut());
            if slots
                .map(|(h, o)| dense_of(o, order).map(|s| *h = s))
                .all(|s| s.is_some())
            {
                self.execute_dense(fs, order, &mut held[..self.axes.len()]);
                return Ok(());
            }
        }
        let outs = out.iter_mut().map(|o| o.view_mut().into_dyn());
        self.execute(f.view().into_dyn(), outs);
        Ok(())
    }

    /// `f`'s memory as a slice and its order, when it is contiguous and the
    /// plan can take dense arrays.
    fn dense_input<'f, A, S, D>(&self, f: &'f ArrayBase<S, D>) -> Option<(Order, &'f [A])>
    where
        S: Data<Elem = A>,
        D: Dimension,
    {
        if !self.dense_ok() {
            return None;
        }
        let order = if f.is_standard_layout() {
            Order::C
        } else if f.t().is_standard_layout() {
            Order::F
        } else {
            return None;
        };
        f.as_slice_memory_order().map(|s| (order, s))
    }

    /// Compute every output from validated views of [`Plan::shape`] and
    /// [`Plan::out_shape`].
    ///
    /// The outputs are cut into tiles along the input's outermost dimension
    /// (a cut across a differentiated axis is a ghost end: the tile reads one
    /// neighbour beyond it), and each tile computes all outputs while its
    /// input is in cache. With `threads > 1`, each thread takes a run of
    /// tiles. Every output element is computed by the same formula from the
    /// same inputs whatever the tiling, so results do not depend on it.
    pub(crate) fn execute<'o, A: Element>(
        &self,
        f: ArrayViewD<'_, A>,
        outs: impl IntoIterator<Item = ArrayViewMutD<'o, A::Output>>,
    ) {
        self.execute_tuned(f, outs, TILE_BYTES, MIN_PARALLEL_LEN)
    }

    /// [`Plan::execute`] with explicit tile size and parallel threshold (the
    /// tests force tiny tiles and threads on small arrays).
    fn execute_tuned<'o, A: Element>(
        &self,
        f: ArrayViewD<'_, A>,
        outs: impl IntoIterator<Item = ArrayViewMutD<'o, A::Output>>,
        tile_bytes: usize,
        min_parallel: usize,
    ) {
        if self.axes.is_empty() || f.is_empty() {
            return;
        }
        let (threads, worth_tiling) = self.tiling::<A>(f.len(), tile_bytes, min_parallel);
        let bytes = f.len() * std::mem::size_of::<A>();
        let Some(d) = worth_tiling.then(|| self.tile_dim(&f)).flatten() else {
            // Untiled (small arrays): each output straight from the
            // caller's iterator, nothing collected.
            for (k, o) in outs.into_iter().enumerate() {
                self.run_tile(f.view(), o, k, None, false);
            }
            return;
        };
        let m = self.out_shape[d];
        let plane = bytes / self.shape[d];
        let rows = (tile_bytes / plane.max(1)).clamp(1, m);
        // Outputs far larger than the cache: streaming stores.
        let stream = bytes * self.axes.len() >= crate::simd::STREAM_MIN_BYTES;
        if threads == 1 && self.axes.len() <= SERIAL_OUTS {
            // One thread: the tiles of run_tiles, with the outputs held
            // on the stack (a plan's execute allocates nothing).
            let mut held: [Option<ArrayViewMutD<'o, A::Output>>; SERIAL_OUTS] = Default::default();
            for (slot, o) in held.iter_mut().zip(outs) {
                *slot = Some(o);
            }
            return self.run_tiles(f, &mut held, d, (0, m), rows, stream);
        }
        let mut outs: Vec<_> = outs.into_iter().collect();
        let chunks = threads.min(m);
        std::thread::scope(|s| {
            let mut start = 0;
            for c in 0..chunks {
                let len = (m - start) / (chunks - c);
                let (mine, rest): (Vec<_>, Vec<_>) =
                    outs.into_iter().map(|o| o.split_at(Axis(d), len)).unzip();
                outs = rest;
                let f = f.view();
                let mut mine: Vec<_> = mine.into_iter().map(Some).collect();
                let work =
                    move || self.run_tiles(f, &mut mine, d, (start, start + len), rows, stream);
                if c + 1 == chunks {
                    work();
                } else if let Err(e) = std::thread::Builder::new().spawn_scoped(s, work) {
                    // The OS refused a thread; the C boundary reports the
                    // panic as an internal error and nothing is half-done
                    // by this thread.
                    panic!("could not start a worker thread: {e}");
                }
                start += len;
            }
        });
    }

    /// Whether dense arrays may take [`Plan::execute_dense`]: numpy's
    /// formulas (accuracy 2) and outputs of the input's own shape.
    pub(crate) fn dense_ok(&self) -> bool {
        // Element by element: the lengths are equal, and a call into
        // memcmp costs more than these few extents.
        self.wide.is_none() && self.out_shape.iter().zip(&self.shape).all(|(a, b)| a == b)
    }

    /// [`Plan::execute`] for contiguous memory: `f` is the whole input in
    /// `order`, each of `outs` (one per axis, at most [`DENSE_OUTS`]) a
    /// whole output in the same order. Slice loops only: no views to set
    /// up, so small and repeated calls cost little, and large ones tile and
    /// thread as [`Plan::execute`] does. Requires [`Plan::dense_ok`].
    pub(crate) fn execute_dense<A: Element>(
        &self,
        f: &[A],
        order: Order,
        outs: &mut [&mut [A::Output]],
    ) {
        // Outputs far larger than the cache: streaming stores, unless the
        // sweep would stall on them (a pass per axis then: measured 4 to 7
        // times faster there), or is slower than the passes anyway
        // (Plan::sweep_slower). The passes stream the outputs whose own
        // loads do not stall (Plan::pass_streams; the others take
        // ordinary stores, 1.4 to 1.6 times slower than streaming where
        // nothing stalls): a stall comes from one axis's loads, and the
        // slowness from the contiguous axis's coefficients.
        // (Asked only of calls large enough to stream: execute_dense_masked
        // tests the size again. Small calls pay nothing for it.)
        // Processors whose loads do not wait on streamed stores to the
        // same offset in a page (crate::simd::streamed_stores_stall) skip
        // that test: the sweep everywhere, every pass streamed.
        let stream_min = crate::simd::STREAM_MIN_BYTES;
        let large = std::mem::size_of_val(f) * self.axes.len() >= stream_min;
        let stall = large && crate::simd::streamed_stores_stall();
        let passes = large
            && (self.sweep_slower::<A>()
                || self.rows_too_short::<A>(order)
                || (stall && self.sweep_stalls(f, order, outs)));
        let streams = passes.then(|| {
            (outs.iter().enumerate())
                .filter(|(k, o)| self.pass_streams(*k, f, order, o, stall))
                .fold(0, |m, (k, _)| m | 1 << k)
        });
        let tuning = (TILE_BYTES, MIN_PARALLEL_LEN, stream_min);
        self.execute_dense_masked(f, order, outs, tuning, streams)
    }

    /// [`Plan::execute_dense`] with its thresholds given: tiles of
    /// `tile_bytes`, threads from `min_parallel` elements, streaming stores
    /// (the sweep where it takes the plan) from `stream_min` bytes.
    #[cfg(test)]
    fn execute_dense_tuned<A: Element>(
        &self,
        f: &[A],
        order: Order,
        outs: &mut [&mut [A::Output]],
        tuning: (usize, usize, usize),
    ) {
        self.execute_dense_masked(f, order, outs, tuning, None)
    }

    /// [`Plan::execute_dense`] with its thresholds given (tiles of
    /// `tile_bytes`, threads from `min_parallel` elements, streaming stores
    /// from `stream_min` bytes): with `passes` a pass per axis, only the
    /// outputs `k` with bit `k` set taking streaming stores; with None the
    /// sweep where it takes the plan, every output streamed.
    fn execute_dense_masked<A: Element>(
        &self,
        f: &[A],
        order: Order,
        outs: &mut [&mut [A::Output]],
        (tile_bytes, min_parallel, stream_min): (usize, usize, usize),
        passes: Option<u32>,
    ) {
        debug_assert!(self.dense_ok() && outs.len() == self.axes.len());
        if self.axes.is_empty() || f.is_empty() {
            return;
        }
        let (threads, worth_tiling) = self.tiling::<A>(f.len(), tile_bytes, min_parallel);
        if let ([out], false, 1) = (&mut *outs, worth_tiling, self.shape.len()) {
            // One small lane: straight to the kernel.
            let n = f.len();
            let slab = kernel::Dense {
                f,
                out,
                outer: 1,
                n,
                inner: 1,
                rows: (0, n),
                merge: true,
            };
            let mode = Mode {
                order2: self.order2,
                scalar_edges: true,
                wide: None,
                stream: false,
            };
            let (rule, ends) = (&self.rules[0], self.ends[0]);
            return kernel::differentiate(Slab::Dense(slab), 0, rule, ends, (0, 0), mode);
        }
        // The extents in memory order, outermost first.
        let dims: Small<usize> = match order {
            Order::C => self.shape.clone(),
            Order::F => self.shape.iter().rev().copied().collect(),
        };
        let plane: usize = dims[1..].iter().product();
        let rows = if worth_tiling {
            let bytes = plane.saturating_mul(std::mem::size_of::<A>()).max(1);
            (tile_bytes / bytes).clamp(1, dims[0])
        } else {
            dims[0]
        };
        let bytes = std::mem::size_of_val(f);
        let every = (1u32 << outs.len()) - 1;
        let streams = match bytes * self.axes.len() >= stream_min {
            true => passes.unwrap_or(every) & every,
            false => 0,
        };
        // Outputs far larger than the cache: every axis in one sweep where
        // that path takes the plan (asked first with no rows); a pass per
        // axis otherwise, and for a thread's rows whose input the sweep
        // refuses.
        let sweep = streams != 0 && passes.is_none() && self.dense_sweep(f, order, outs, (0, 0));
        let run = |outs: &mut [&mut [A::Output]], span: (usize, usize)| {
            if !(sweep && self.dense_sweep(f, order, outs, span)) {
                self.dense_tiles(f, &dims, order, outs, span, rows, streams)
            }
        };
        let chunks = threads.min(dims[0]);
        if chunks <= 1 {
            return run(outs, (0, dims[0]));
        }
        // Each thread a run of outermost rows of every output.
        let mut rest: Vec<&mut [A::Output]> = outs.iter_mut().map(|o| &mut **o).collect();
        std::thread::scope(|s| {
            let mut start = 0;
            for c in 0..chunks {
                let len = (dims[0] - start) / (chunks - c);
                let (mut mine, others): (Vec<_>, Vec<_>) = std::mem::take(&mut rest)
                    .into_iter()
                    .map(|o| o.split_at_mut(len * plane))
                    .unzip();
                rest = others;
                let run = &run;
                let mut work = move || run(&mut mine, (start, start + len));
                if c + 1 == chunks {
                    work();
                } else if let Err(e) = std::thread::Builder::new().spawn_scoped(s, work) {
                    // As in execute: reported at the C boundary.
                    panic!("could not start a worker thread: {e}");
                }
                start += len;
            }
        });
    }

    /// Whether the one-sweep path is slower than ordinary stores and a
    /// pass per axis wherever the outputs are: float32 outputs with
    /// unevenly spaced coordinates on an axis, unless the sweep's AVX-512
    /// loop runs. That sweep computes in double, as numpy does (per point,
    /// six conversions to double, nine products, six sums and three
    /// conversions back), so it is held up by its arithmetic, not by memory
    /// alone; and its streamed stores hold up the loads of the contiguous axis's
    /// coefficients, whose 8-byte columns drift against the 4-byte outputs
    /// (no choice of column copy is clear of every output for a whole row,
    /// as for float64). With its AVX2 loop the passes take half the time
    /// (measured on an AMD EPYC, Zen 3: 256^3 and 4000^2, one thread and
    /// two); its AVX-512 loop, twice the lanes, reaches 0.73 to 0.77 of
    /// the floor in 3-D and 0.82 in 2-D on an Intel Xeon, which the passes
    /// are not known to beat. Evenly
    /// spaced coordinates are a step in double and read no columns: they
    /// keep the sweep.
    fn sweep_slower<A: Element>(&self) -> bool {
        // (A 4-byte output is float32: the only one, see num::Element.)
        let single = std::mem::size_of::<A::Output>() == 4 && !crate::simd::available512();
        single && self.rules.iter().any(|r| matches!(r, Rule::Coords(_)))
    }

    /// Whether the rows along the contiguous dimension are so short that
    /// the sweep is slower than a pass per axis wherever the outputs are:
    /// 64 bytes or less, 128 or less with unevenly spaced coordinates on
    /// an axis. The sweep pays per row: the ends of every row take a path
    /// of their own in every block or two, and even with the contiguous
    /// axis not among the axes it was slower (1024x1024x16 float32 with
    /// coordinates, axes 0 and 1 by the sweep then axis 2 by a pass: 38.9
    /// ms, with axes 0 and 1 by passes 31.3). Measured on an Intel Xeon
    /// (AVX-512), three axes, the outputs where nothing stalls: rows of 16
    /// float32 (64 bytes) with a step 23.5 ms by the sweep against 21.9 by
    /// the passes, with coordinates 44 against 31; rows of 32 float32 or
    /// 16 float64 (128 bytes) with coordinates 34.7 against 26.5 and 60
    /// against 54, with a step the sweep faster (16.2 against 18.7, 35
    /// against 41); longer rows the sweep faster or the same. (Where loads
    /// wait on streamed stores, rows of 320 bytes or less leave the sweep
    /// anyway: [`crate::simd::stores_stall_loads`] with the row's stride.)
    fn rows_too_short<A: Element>(&self, order: Order) -> bool {
        let row = match order {
            Order::C => self.shape.last(),
            Order::F => self.shape.first(),
        };
        let coords = self.rules.iter().any(|r| matches!(r, Rule::Coords(_)));
        let most = if coords { 128 } else { 64 };
        row.is_some_and(|&n| n.saturating_mul(std::mem::size_of::<A>()) <= most)
    }

    /// Whether output `k`'s pass (one axis) may take streaming stores into
    /// `out`: its loads (the points and their neighbours along the axis)
    /// do not stall on them ([`crate::simd::stores_stall_loads`], asked
    /// where `stall`: the processor's loads wait on streamed stores), the
    /// input and output elements are the same size (else their distance
    /// drifts through the stall), and, along the contiguous dimension, the
    /// axis takes no unevenly spaced coordinates, whose per-point
    /// coefficients (8 bytes) drift against float32 outputs and are not
    /// checked here.
    fn pass_streams<A: Element>(
        &self,
        k: usize,
        f: &[A],
        order: Order,
        out: &[A::Output],
        stall: bool,
    ) -> bool {
        let size = std::mem::size_of::<A>();
        let stride = self.memory_stride(self.axes[k], order);
        let coords = matches!(self.rules[k], Rule::Coords(_));
        if size != std::mem::size_of::<A::Output>() || (stride == 1 && coords) {
            return false;
        }
        let at = [out.as_ptr() as usize].into_iter();
        !stall || !crate::simd::stores_stall_loads(f.as_ptr() as usize, size, at, &[stride])
    }

    /// Whether the one-sweep path (two or three outputs) would stall on
    /// its own streaming stores into `outs`
    /// ([`crate::simd::stores_stall_loads`]).
    fn sweep_stalls<A: Element>(&self, f: &[A], order: Order, outs: &[&mut [A::Output]]) -> bool {
        let size = std::mem::size_of::<A>();
        if size != std::mem::size_of::<A::Output>() || !(2..=3).contains(&outs.len()) {
            return false;
        }
        let strides: Small<usize> = (self.axes.iter())
            .map(|&a| self.memory_stride(a, order))
            .collect();
        let outs = outs.iter().map(|o| o.as_ptr() as usize);
        crate::simd::stores_stall_loads(f.as_ptr() as usize, size, outs, &strides)
    }

    /// Axis `a`'s stride in elements of a contiguous array in `order`: the
    /// extents after it in memory order.
    fn memory_stride(&self, a: usize, order: Order) -> usize {
        match order {
            Order::C => self.shape[a + 1..].iter().product(),
            Order::F => self.shape[..a].iter().product(),
        }
    }

    /// Rows `span` of the outermost dimension of every output of a dense
    /// run (`outs` hold just those) in one sweep over `f`, streamed
    /// ([`kernel::fused::separate`]); false where that path does not take
    /// this plan, element type, outputs or input (asked with no rows: for
    /// all but the input, nothing written).
    fn dense_sweep<A: Element>(
        &self,
        f: &[A],
        order: Order,
        outs: &mut [&mut [A::Output]],
        span: (usize, usize),
    ) -> bool {
        let m = outs.len();
        if !(2..=3).contains(&m) || self.shape.contains(&1) {
            return false;
        }
        self.fused(
            order,
            |k| k,
            |dims, axes| {
                if axes[..m].iter().any(Option::is_none) {
                    return false;
                }
                let x = kernel::fused::Separate {
                    f,
                    dims,
                    outs,
                    rows: span,
                    stream: true,
                };
                kernel::fused::separate(axes, x)
            },
        )
    }

    /// Whether [`Plan::execute_interleaved`] can run this plan: the dense
    /// path's formulas and at least two (at most eight) axes.
    pub(crate) fn interleaved_ok(&self) -> bool {
        self.dense_ok() && (2..=kernel::fused::MAX_AXES).contains(&self.axes.len())
    }

    /// [`Plan::execute`] for a contiguous input `f` in `order` and ONE
    /// interleaved output: the values of a point side by side, the value of
    /// axis `k` (axes order) at place `slots[k]` (a permutation), the points
    /// in `order` (Fortran's `g(3, nx, ny, nz)`, C's `g[nx][ny][nz][3]`).
    /// All axes in one sweep. Requires [`Plan::interleaved_ok`].
    pub(crate) fn execute_interleaved<A: Element>(
        &self,
        f: &[A],
        order: Order,
        out: &mut [A::Output],
        slots: &[usize],
    ) {
        let stream_min = crate::simd::STREAM_MIN_BYTES;
        self.execute_interleaved_tuned(f, order, out, slots, MIN_PARALLEL_LEN, stream_min)
    }

    fn execute_interleaved_tuned<A: Element>(
        &self,
        f: &[A],
        order: Order,
        out: &mut [A::Output],
        slots: &[usize],
        min_parallel: usize,
        stream_min: usize,
    ) {
        let m = self.axes.len();
        debug_assert!(self.interleaved_ok() && slots.len() == m);
        if f.is_empty() {
            return;
        }
        self.fused(
            order,
            |k| slots[k],
            |dims, axes| {
                assert!(
                    axes[..m].iter().all(Option::is_some),
                    "interleaved_ok: numpy's formulas"
                );
                let plane: usize = dims[1..].iter().product();
                let stream = std::mem::size_of_val(f) * m >= stream_min;
                let (threads, _) = self.tiling::<A>(f.len(), TILE_BYTES, min_parallel);
                let chunks = threads.min(dims[0]);
                let run = |out: &mut [A::Output], rows| {
                    let x = kernel::fused::Interleaved {
                        f,
                        dims,
                        out,
                        rows,
                        stream,
                    };
                    kernel::fused::interleaved(axes, x)
                };
                if chunks <= 1 {
                    return run(out, (0, dims[0]));
                }
                // Each thread a run of outermost rows.
                let mut rest = out;
                std::thread::scope(|s| {
                    let mut start = 0;
                    for c in 0..chunks {
                        let len = (dims[0] - start) / (chunks - c);
                        let (mine, others) =
                            std::mem::take(&mut rest).split_at_mut(len * plane * m);
                        rest = others;
                        let run = &run;
                        let work = move || {
                            let mine = mine;
                            run(mine, (start, start + len))
                        };
                        if c + 1 == chunks {
                            work();
                        } else if let Err(e) = std::thread::Builder::new().spawn_scoped(s, work) {
                            // As in execute: reported at the C boundary.
                            panic!("could not start a worker thread: {e}");
                        }
                        start += len;
                    }
                });
            },
        )
    }

    /// The fused loops' view of this plan on a contiguous input in
    /// `order`, given to `run`: the extents in memory order without those
    /// of 1 (no axis runs along them), and each axis's stencil and memory
    /// dimension, axis `k` (axes order) at place `slot(k)` (None for an
    /// axis without numpy's formulas: accuracy orders).
    fn fused<A: Element, R>(
        &self,
        order: Order,
        slot: impl Fn(usize) -> usize,
        run: impl FnOnce(&[usize], &[Option<kernel::fused::Axis<'_, '_, A>>]) -> R,
    ) -> R {
        let nd = self.shape.len();
        // Memory dimension of each input dimension (0 = outermost), with
        // the extents of 1 left out (no axis runs along them).
        let mem = |axis: usize| match order {
            Order::C => axis,
            Order::F => nd - 1 - axis,
        };
        let mut dims: Small<usize> = Small::new();
        let mut place: Small<usize> = Small::filled(0, nd);
        for d in 0..nd {
            // (`mem` is its own inverse: the input dimension at `d`.)
            let axis = mem(d);
            if self.shape[axis] != 1 {
                place[d] = dims.len();
                dims.push(self.shape[axis]);
            }
        }
        let prepared: [Option<kernel::Prepared<A>>; kernel::fused::MAX_AXES] =
            std::array::from_fn(|k| {
                let rule = self.rules.get(k)?;
                kernel::Prepared::new(rule, self.order2, false)
            });
        let axes: [Option<kernel::fused::Axis<'_, '_, A>>; kernel::fused::MAX_AXES] =
            std::array::from_fn(|k| {
                let &axis = self.axes.get(k)?;
                Some(kernel::fused::Axis {
                    st: prepared[k].as_ref()?,
                    rule: &self.rules[k],
                    ends: self.ends[k],
                    dim: place[mem(axis)],
                    slot: slot(k),
                })
            });
        run(&dims, &axes)
    }

    /// What [`Plan::run_prepared`] needs to run this plan on contiguous
    /// arrays of `A` in `order`: each output's geometry and stencil, built
    /// once. None when the dense path would tile or thread (large arrays),
    /// or cannot run ([`Plan::dense_ok`]).
    pub(crate) fn prepare_dense<A: Element>(&self, order: Order) -> Option<PreparedDense<A>> {
        let size: usize = self.shape.iter().product();
        if !self.dense_ok() || self.axes.is_empty() || size == 0 {
            return None;
        }
        let (threads, worth_tiling) = self.tiling::<A>(size, TILE_BYTES, MIN_PARALLEL_LEN);
        if threads > 1 || worth_tiling {
            return None;
        }
        let nd = self.shape.len();
        let dims: Small<usize> = match order {
            Order::C => self.shape.clone(),
            Order::F => self.shape.iter().rev().copied().collect(),
        };
        let mut outs = Vec::with_capacity(self.axes.len());
        for (k, &axis) in self.axes.iter().enumerate() {
            let d = match order {
                Order::C => axis,
                Order::F => nd - 1 - axis,
            };
            let geometry = (
                dims[..d].iter().product(),
                dims[d],
                dims[d + 1..].iter().product(),
            );
            let st = kernel::Prepared::new(&self.rules[k], self.order2, nd == 1)?;
            let route = st.route(geometry);
            outs.push((geometry, st, self.ends[k], route));
        }
        Some(PreparedDense { outs, size })
    }

    /// [`Plan::execute_dense`] by stencils from [`Plan::prepare_dense`]
    /// (for this plan and `A`): the same bits, without the per-call set-up.
    pub(crate) fn run_prepared<'o, A: Element>(
        &self,
        p: &PreparedDense<A>,
        f: &[A],
        outs: impl IntoIterator<Item = &'o mut [A::Output]>,
    ) {
        for (k, (o, &((outer, n, inner), ref st, ends, route))) in
            outs.into_iter().zip(&p.outs).enumerate()
        {
            let slab = kernel::Dense {
                f,
                out: o,
                outer,
                n,
                inner,
                rows: (0, n),
                merge: true,
            };
            st.run(|| &self.rules[k], slab, ends, route);
        }
    }

    /// Outermost rows `[a, b)` of every output (`outs` hold just those),
    /// `rows` at a time: each tile computes all outputs while its input is
    /// in cache. An axis that is the outermost dimension reads its
    /// neighbours from the whole of `f`; the others only the tile's rows.
    /// Output `k` takes streaming stores where bit `k` of `streams` is set.
    #[allow(clippy::too_many_arguments)]
    fn dense_tiles<A: Element>(
        &self,
        f: &[A],
        dims: &[usize],
        order: Order,
        outs: &mut [&mut [A::Output]],
        (a, b): (usize, usize),
        rows: usize,
        streams: u32,
    ) {
        let nd = dims.len();
        let plane: usize = dims[1..].iter().product();
        let mut t = a;
        while t < b {
            let e = (t + rows).min(b);
            for (k, o) in outs.iter_mut().enumerate() {
                let axis = self.axes[k];
                let stream = streams >> k & 1 == 1;
                let d = match order {
                    Order::C => axis,
                    Order::F => nd - 1 - axis,
                };
                let out = &mut o[(t - a) * plane..(e - a) * plane];
                let slab = if d == 0 {
                    kernel::Dense {
                        f,
                        out,
                        outer: 1,
                        n: dims[0],
                        inner: plane,
                        rows: (t, e),
                        merge: !stream,
                    }
                } else {
                    let (n, inner) = (dims[d], dims[d + 1..].iter().product::<usize>());
                    kernel::Dense {
                        f: &f[t * plane..e * plane],
                        out,
                        outer: (e - t) * dims[1..d].iter().product::<usize>(),
                        n,
                        inner,
                        rows: (0, n),
                        merge: !stream,
                    }
                };
                kernel::differentiate(
                    Slab::Dense(slab),
                    axis,
                    &self.rules[k],
                    self.ends[k],
                    (0, 0),
                    Mode {
                        order2: self.order2,
                        scalar_edges: nd == 1,
                        wide: None,
                        stream,
                    },
                );
            }
            t = e;
        }
        if streams != 0 {
            // The streaming stores of this thread's run, once.
            crate::simd::fence();
        }
    }

    /// Threads to use on `len` elements, and whether tiling is worth it.
    fn tiling<A>(&self, len: usize, tile_bytes: usize, min_parallel: usize) -> (usize, bool) {
        let threads = if len >= min_parallel {
            self.threads.max(1)
        } else {
            1
        };
        let bytes = len.saturating_mul(std::mem::size_of::<A>());
        (threads, threads > 1 || bytes > tile_bytes.saturating_mul(2))
    }

    /// [`Plan::execute`] for a 1-d plan: the untiled call (small arrays)
    /// goes straight to the lane kernel on 1-d views.
    pub(crate) fn execute_lane<A: Element>(
        &self,
        f: ArrayView1<'_, A>,
        out: ArrayViewMut1<'_, A::Output>,
    ) {
        if self.axes.is_empty() || f.is_empty() {
            return;
        }
        if self.tiling::<A>(f.len(), TILE_BYTES, MIN_PARALLEL_LEN).1 {
            return self.execute(f.into_dyn(), std::iter::once(out.into_dyn()));
        }
        // As run_tile for the whole of output 0 of a 1-d input.
        kernel::differentiate(
            Slab::Lane(f, out),
            0,
            &self.rules[0],
            self.ends[0],
            (self.ghosts[0].0, 0),
            Mode {
                order2: self.order2,
                scalar_edges: true,
                wide: self.wide.as_deref(),
                stream: false,
            },
        );
    }

    /// Tiles `[a, b)` of `rows` output rows along `d`, for outputs that
    /// hold rows `[a, b)` (views starting at row `a`; `None` slots are
    /// skipped, so a caller can hold them on the stack).
    fn run_tiles<A: Element>(
        &self,
        f: ArrayViewD<'_, A>,
        outs: &mut [Option<ArrayViewMutD<'_, A::Output>>],
        d: usize,
        (a, b): (usize, usize),
        rows: usize,
        stream: bool,
    ) {
        let mut t = a;
        while t < b {
            let e = (t + rows).min(b);
            for (k, o) in outs.iter_mut().flatten().enumerate() {
                let tile = o.slice_axis_mut(Axis(d), (t - a..e - a).into());
                self.run_tile(f.view(), tile, k, Some((d, t, e)), stream);
            }
            t = e;
        }
        if stream {
            // The streaming stores of this thread's run, once.
            crate::simd::fence();
        }
    }

    /// The dimension to tile along: the input's outermost (largest stride)
    /// dimension with more than one output row that no output wraps around.
    fn tile_dim<A>(&self, f: &ArrayViewD<'_, A>) -> Option<usize> {
        (0..f.ndim())
            .filter(|&d| self.out_shape[d] > 1)
            .filter(|&d| {
                !self
                    .axes
                    .iter()
                    .zip(&self.ends)
                    .any(|(&a, e)| a == d && e.lo == End::Wrap)
            })
            .max_by_key(|&d| f.stride_of(Axis(d)).unsigned_abs())
    }

    /// Output `k` (axes order), or its rows `[a, b)` along `d` (`tile`).
    fn run_tile<A: Element>(
        &self,
        f: ArrayViewD<'_, A>,
        out: ArrayViewMutD<'_, A::Output>,
        k: usize,
        tile: Option<(usize, usize, usize)>,
        stream: bool,
    ) {
        let axis = self.axes[k];
        let mut f = f;
        let mut ends = self.ends[k];
        let mut off = self.ghosts[axis].0;
        let mut base = 0;
        for (dim, &(lo, hi)) in self.ghosts.iter().enumerate() {
            let n = self.shape[dim];
            let (start, end) = match tile {
                Some((d, a, b)) if d == dim && dim == axis => {
                    // Output rows [a, b) are input rows [a + lo, b + lo). Each
                    // cut becomes a ghost end with its one neighbour; a tile
                    // at an edge reads the points its edge formula needs.
                    // A cut reads `hw` neighbours beyond it; a tile that
                    // reaches an end keeps that end, and at a one-sided end
                    // reads every point its edge windows need.
                    let (hw, need) = match &self.wide {
                        Some(t) => (t.w(), t.p + 1),
                        None => (1, self.order2 as usize + 2),
                    };
                    let mut start = (a + lo).saturating_sub(hw);
                    let mut end = (b + lo + hw).min(n);
                    if start > 0 {
                        ends.lo = End::Ghost;
                    } else if ends.lo == End::Edge {
                        end = end.max(need.min(n));
                    }
                    if end < n {
                        ends.hi = End::Ghost;
                    } else if ends.hi == End::Edge {
                        start = start.min(n.saturating_sub(need));
                    }
                    off = a + lo - start;
                    base = start;
                    (start, end)
                }
                Some((d, a, b)) if d == dim => (a + lo, b + lo),
                // The differentiated axis keeps its halo; other axes' halo
                // points are not part of this output.
                _ if dim == axis => (0, n),
                _ => (lo, n - hi),
            };
            if (start, end) != (0, n) {
                f.slice_axis_inplace(Axis(dim), (start..end).into());
            }
        }
        let scalar_edges = self.shape.len() == 1;
        kernel::differentiate(
            Slab::Dyn(f, out),
            axis,
            &self.rules[k],
            ends,
            (off, base),
            Mode {
                order2: self.order2,
                scalar_edges,
                wide: self.wide.as_deref(),
                stream,
            },
        );
    }
}

/// The memory order of a contiguous array: C (last index fastest) or
/// Fortran (first index fastest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    C,
    F,
}

/// The most outputs the dense path takes (held on the stack).
pub(crate) const DENSE_OUTS: usize = 8;

/// (outer, n, inner) of an output in memory, its stencil, its ends, and
/// the loops that run it.
type PreparedAxis<A> = (
    (usize, usize, usize),
    kernel::Prepared<A>,
    kernel::Ends,
    kernel::Route,
);

/// A plan's stencils built for element type `A` ([`Plan::prepare_dense`]).
pub(crate) struct PreparedDense<A: Element> {
    /// Per output: (outer, n, inner) in memory, the axis's stencil, its
    /// ends and its route.
    outs: Vec<PreparedAxis<A>>,
    /// The number of elements of the input (and of each output).
    pub(crate) size: usize,
}

/// An output's memory as a slice, when it is contiguous in `order`.
fn dense_of<'s, O, D: Dimension>(
    o: &'s mut ArrayViewMut<'_, O, D>,
    order: Order,
) -> Option<&'s mut [O]> {
    let ok = match order {
        Order::C => o.is_standard_layout(),
        Order::F => o.t().is_standard_layout(),
    };
    ok.then(|| o.as_slice_memory_order_mut()).flatten()
}

/// Up to this many outputs, a one-thread tiled run holds them on the stack.
const SERIAL_OUTS: usize = 4;

/// Tiles hold about this much input: small enough to stay in a core's
/// cache while every output reads it.
const TILE_BYTES: usize = 256 << 10;

/// Arrays smaller than this are not worth a thread: starting one costs tens
/// of microseconds, about the time of 2^18 elements' work.
const MIN_PARALLEL_LEN: usize = 1 << 18;

/// The gradient of `f` along `axes` (numpy.gradient), one new array per
/// axis in axes order.
///
/// * `spacing`: empty = unit spacing on every axis; one `Unit`/`Uniform`
///   entry = that step on every axis; otherwise one entry per axis.
/// * `axes`: `None` = every axis in order; negative axes count from the end.
/// * `edge_order`: 1 or 2.
///
/// Integer inputs give `f64` outputs; other types keep their type. Results
/// are bit-identical to numpy >= 2.0 (docs/numerics.md, working precision).
///
/// ```
/// use gradient::{gradient, Spacing};
/// use ndarray::{array, arr1};
///
/// let f = arr1(&[1.0, 2.0, 4.0, 7.0, 11.0, 16.0]);
/// let g = gradient(&f, &[], None, 1)?;
/// assert_eq!(g[0].to_vec(), [1.0, 1.5, 2.5, 3.5, 4.5, 5.0]);
///
/// let g = gradient(&f, &[Spacing::Uniform(2.0)], None, 1)?;
/// assert_eq!(g[0].to_vec(), [0.5, 0.75, 1.25, 1.75, 2.25, 2.5]);
///
/// let f2 = array![[1, 2, 6], [3, 4, 5]];            // integers give f64
/// let g = gradient(&f2, &[], Some(&[-1]), 1)?;
/// assert_eq!(g[0], array![[1.0, 2.5, 4.0], [1.0, 1.0, 1.0]]);
/// # Ok::<(), gradient::GradientError>(())
/// ```
pub fn gradient<A, S, D>(
    f: &ArrayBase<S, D>,
    spacing: &[Spacing<'_>],
    axes: Option<&[isize]>,
    edge_order: usize,
) -> Result<Vec<Array<A::Output, D>>>
where
    A: Element,
    S: Data<Elem = A>,
    D: Dimension,
{
    gradient_with(f, spacing, axes, edge_order, &Options::default())
}

/// [`gradient`] with [`Options`]: threads, periodic and ghost-cell
/// boundaries. The outputs have [`Plan::out_shape`].
pub fn gradient_with<A, S, D>(
    f: &ArrayBase<S, D>,
    spacing: &[Spacing<'_>],
    axes: Option<&[isize]>,
    edge_order: usize,
    options: &Options,
) -> Result<Vec<Array<A::Output, D>>>
where
    A: Element,
    S: Data<Elem = A>,
    D: Dimension,
{
    let plan = Plan::with_options(f.shape(), spacing, axes, edge_order, options)?;
    // Keep a Fortran-ordered input's layout, as numpy's empty_like does.
    let fortran = f.ndim() > 1 && f.t().is_standard_layout() && !f.is_standard_layout();
    let mut dim = f.raw_dim();
    for (d, &n) in plan.out_shape.iter().enumerate() {
        dim[d] = n;
    }
    let mut outs: Vec<Array<A::Output, D>> = (0..plan.axes.len())
        .map(|_| Array::from_elem(dim.clone().set_f(fortran), A::Output::zero()))
        .collect();
    let mut views: Vec<_> = outs.iter_mut().map(|o| o.view_mut()).collect();
    plan.run(f, &mut views)?;
    Ok(outs)
}

/// Like [`gradient`], into caller-owned outputs (any strides), with no
/// allocation for the outputs. Nothing is written on error.
///
/// ```
/// use gradient::{gradient_into, Spacing};
/// use ndarray::{arr1, Array1};
///
/// let f = arr1(&[5.0f32, 7.0, 4.0, 8.0]);
/// let mut d = Array1::<f32>::zeros(4);
/// gradient_into(&f, &[Spacing::Unit], None, 1, &mut [d.view_mut()])?;
/// assert_eq!(d.to_vec(), [2.0, -0.5, 0.5, 4.0]);
/// # Ok::<(), gradient::GradientError>(())
/// ```
pub fn gradient_into<A, S, D>(
    f: &ArrayBase<S, D>,
    spacing: &[Spacing<'_>],
    axes: Option<&[isize]>,
    edge_order: usize,
    out: &mut [ArrayViewMut<'_, A::Output, D>],
) -> Result<()>
where
    A: Element,
    S: Data<Elem = A>,
    D: Dimension,
{
    Plan::new(f.shape(), spacing, axes, edge_order)?.run(f, out)
}

// ---------------------------------------------------------------------------
// Validation, one function per stage of the C ABI's order (docs/reference.md).

pub(crate) fn check_ndim(ndim: usize) -> Result<()> {
    if ndim == 0 || ndim > MAX_NDIM {
        return Err(GradientError::InvalidNdim(ndim as i64));
    }
    Ok(())
}

/// Normalise `axes` (None = all axes) against `ndim`.
pub(crate) fn normalize_axes(ndim: usize, axes: Option<&[isize]>) -> Result<Small<usize>> {
    let Some(axes) = axes else {
        return Ok((0..ndim).collect());
    };
    if axes.len() > ndim {
        return Err(GradientError::axis(
            None,
            format!(
                "naxes = {} exceeds ndim = {ndim}: an axis would repeat",
                axes.len()
            ),
        ));
    }
    let mut out = Small::new();
    for (k, &a) in axes.iter().enumerate() {
        let n = ndim as isize;
        if a < -n || a >= n {
            return Err(GradientError::axis(
                Some(k),
                format!(
                    "axes[{k}] = {a} is out of range for ndim {ndim} (valid: {} to {})",
                    -n,
                    n - 1
                ),
            ));
        }
        let norm = if a < 0 { a + n } else { a } as usize;
        if let Some(j) = out.iter().position(|&b| b == norm) {
            return Err(GradientError::axis(
                Some(k),
                format!(
                    "axes[{k}] = {a} repeats axes[{j}] = {}: axis {norm} is listed twice",
                    axes[j]
                ),
            ));
        }
        out.push(norm);
    }
    Ok(out)
}

pub(crate) fn check_spacing_count(spacing: &[Spacing<'_>], naxes: usize) -> Result<()> {
    match spacing.len() {
        0 => Ok(()),
        1 if naxes == 1 => Ok(()),
        1 if spacing[0].coordinates().is_some() => Err(GradientError::spacing(
            None,
            format!(
                "spacing[0] is COORDINATES but the call has naxes = {naxes}: one entry for \
                 several axes must be UNIT or UNIFORM (numpy: invalid number of arguments)"
            ),
        )),
        1 => Ok(()),
        n if n == naxes => Ok(()),
        n => Err(GradientError::spacing(
            None,
            format!("nspacing = {n} is invalid for naxes = {naxes}: pass 0, 1 or {naxes} entries"),
        )),
    }
}

/// Check entry `k` of `spacing` (of `nspacing` entries) for the axes it
/// serves; long coordinates on up to `threads` threads (the answer is the
/// same for any number).
pub(crate) fn check_spacing_entry(
    k: usize,
    s: &Spacing<'_>,
    nspacing: usize,
    shape: &[usize],
    axes: &[usize],
    threads: usize,
) -> Result<()> {
    let index = (nspacing == axes.len()).then_some(k);
    match *s {
        Spacing::Unit => Ok(()),
        Spacing::Uniform(h) => {
            if h.is_finite() && h != 0.0 {
                Ok(())
            } else {
                Err(GradientError::spacing(
                    index,
                    format!(
                        "spacing[{k}].delta = {h} is invalid: a step must be finite and nonzero"
                    ),
                ))
            }
        }
        Spacing::Coordinates(x) | Spacing::NonUniform(x) => {
            let axis = axes[k];
            if x.len() != shape[axis] {
                return Err(GradientError::spacing(
                    index,
                    format!(
                        "spacing[{k}].coords_len = {} does not match shape[{axis}] = {} (axes[{k}])",
                        x.len(),
                        shape[axis]
                    ),
                ));
            }
            check_coordinates(k, index, x, threads)
        }
    }
}

/// Whether every step of `x` (two or more coordinates), signed by `sign`,
/// is positive and finite (the coordinates' fast pass), in `parts` runs of
/// steps, all but the last on threads of their own (each run holds the
/// coordinate that starts the next, so every step lies in one run).
fn steps_ok(x: &[f64], sign: f64, parts: usize) -> bool {
    let one = move |x: &[f64]| {
        crate::simd::steps_positive(x, sign).unwrap_or_else(|| {
            let good: usize = x[..x.len() - 1]
                .iter()
                .zip(&x[1..])
                .map(|(&a, &b)| crate::simd::step_positive(a, b, sign) as usize)
                .sum();
            good == x.len() - 1
        })
    };
    let steps = x.len() - 1;
    let parts = parts.clamp(1, steps);
    if parts == 1 {
        return one(x);
    }
    std::thread::scope(|s| {
        let (mut start, mut ok) = (0, true);
        let mut workers = Vec::with_capacity(parts - 1);
        for p in 0..parts {
            let len = (steps - start) / (parts - p);
            let run = &x[start..=start + len];
            start += len;
            if p + 1 == parts {
                ok &= one(run);
            } else {
                // A thread the OS refuses: this thread checks that run too.
                match std::thread::Builder::new().spawn_scoped(s, move || one(run)) {
                    Ok(w) => workers.push(w),
                    Err(_) => ok &= one(run),
                }
            }
        }
        for w in workers {
            ok &= w.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        }
        ok
    })
}

fn check_coordinates(k: usize, index: Option<usize>, x: &[f64], threads: usize) -> Result<()> {
    // Fast pass, branch-free so it vectorises: every difference, signed by
    // the direction of the first, must be positive and finite. That also
    // catches non-finite coordinates (their differences are inf or nan) and
    // overflowing differences. Only a failure runs the precise pass below,
    // which words the message.
    // (The SIMD loop where there is one: the same test, four differences
    // at a time; it reads a long axis's coordinates at memory speed, and
    // a very long one on the threads the caller gave.)
    if x.len() >= 2 {
        let sign = if x[1] > x[0] { 1.0 } else { -1.0 };
        let parts = threads.min(x.len() / MIN_PARALLEL_LEN).max(1);
        if steps_ok(x, sign, parts) {
            return Ok(());
        }
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(GradientError::spacing(
            index,
            format!("spacing[{k}].coords[{i}] = {} is not finite", x[i]),
        ));
    }
    let Some(&first) = x.first() else {
        return Ok(());
    };
    let increasing = x.get(1).is_some_and(|&x1| x1 > first);
    for i in 1..x.len() {
        let (a, b) = (x[i - 1], x[i]);
        let ok = if increasing { b > a } else { b < a };
        if !ok {
            return Err(GradientError::spacing(
                index,
                format!(
                    "spacing[{k}].coords is not strictly monotonic: coords[{i}] = {b} after \
                     coords[{}] = {a}",
                    i - 1
                ),
            ));
        }
        if !(b - a).is_finite() {
            return Err(GradientError::spacing(
                index,
                format!(
                    "spacing[{k}].coords[{i}] - coords[{}] = {b} - {a} overflows to infinity",
                    i - 1
                ),
            ));
        }
    }
    Ok(())
}

/// The first check of `edge_order`: 1 to 8, the widest any accuracy
/// allows ([`check_accuracy`] checks it against the accuracy).
pub(crate) fn check_edge_order(edge_order: i64) -> Result<()> {
    match edge_order {
        1..=8 => Ok(()),
        e => Err(GradientError::InvalidEdgeOrder(e)),
    }
}

/// The accuracy order (0 means 2), and `edge_order` within it: 1 or 2 at
/// accuracy 2, 1 to p at accuracy p.
pub(crate) fn check_accuracy(accuracy: usize, edge_order: usize) -> Result<usize> {
    let p = match accuracy {
        0 | 2 => 2,
        4 | 6 | 8 => accuracy,
        a => {
            return Err(GradientError::InvalidOptions {
                index: None,
                message: format!(
                "accuracy = {a} is invalid: it must be 0 or 2 (numpy's second order), 4, 6 or 8"
            ),
            })
        }
    };
    if edge_order == 0 || edge_order > p {
        return Err(GradientError::InvalidEdgeOrder(edge_order as i64));
    }
    Ok(p)
}

/// Halo points per ghost side at accuracy `p`.
pub(crate) fn halo_width(p: usize) -> usize {
    (p / 2).max(1)
}

/// Check the options' boundaries against the axes and spacing; returns one
/// boundary per axis.
pub(crate) fn check_boundaries<'a>(
    boundaries: &[Boundary],
    axes: &[usize],
    shape: &[usize],
    entry: &dyn Fn(usize) -> Spacing<'a>,
) -> Result<Small<Boundary>> {
    let opt = |index, message| GradientError::InvalidOptions { index, message };
    if boundaries.is_empty() {
        return Ok(Small::filled(Boundary::OneSided, axes.len()));
    }
    if boundaries.len() != axes.len() {
        return Err(opt(
            None,
            format!(
                "{} boundaries given for naxes = {}: give one per differentiated axis",
                boundaries.len(),
                axes.len()
            ),
        ));
    }
    for (k, b) in boundaries.iter().enumerate() {
        let Boundary::Periodic { period } = *b else {
            continue;
        };
        let Some(x) = entry(k).coordinates() else {
            continue;
        };
        let Some(p) = period else {
            return Err(opt(
                Some(k),
                format!(
                    "axes[{k}] is PERIODIC with COORDINATES but has no period (options->periods[{k}])"
                ),
            ));
        };
        let n = shape[axes[k]];
        let span = if n > 0 { (x[n - 1] - x[0]).abs() } else { 0.0 };
        if !(p.is_finite() && p > 0.0 && p > span) {
            return Err(opt(
                Some(k),
                format!(
                    "options->periods[{k}] = {p} is invalid: a period must be finite, positive and \
                     larger than the coordinate span {span}"
                ),
            ));
        }
        if n >= 1 {
            let dp = periodic_diffs(x, p);
            let (first, last) = (dp[0], dp[dp.len() - 1]);
            let sign = x.get(1).map_or(1.0, |&x1| (x1 - x[0]).signum());
            if !(first.is_finite() && last.is_finite() && first * sign > 0.0 && last * sign > 0.0) {
                return Err(opt(
                    Some(k),
                    format!(
                        "options->periods[{k}] = {p}: the wrapped coordinates are not strictly \
                         monotonic (wrap steps {first} and {last})"
                    ),
                ));
            }
        }
    }
    Ok(boundaries.into())
}

fn ends_of(b: &Boundary) -> Ends {
    let end = |s: Side| match s {
        Side::OneSided => End::Edge,
        Side::Ghost => End::Ghost,
    };
    match *b {
        Boundary::OneSided => Ends::ONE_SIDED,
        Boundary::Periodic { .. } => Ends {
            lo: End::Wrap,
            hi: End::Wrap,
        },
        Boundary::Sides { lo, hi } => Ends {
            lo: end(lo),
            hi: end(hi),
        },
    }
}

pub(crate) fn check_lengths(
    shape: &[usize],
    axes: &[usize],
    edge_order: usize,
    p: usize,
    boundaries: &[Boundary],
) -> Result<()> {
    for (k, (&axis, b)) in axes.iter().zip(boundaries).enumerate() {
        let n = shape[axis];
        let (lo, hi) = ends_of(b).ghosts(1);
        if p >= 4 {
            // p + 1 points hold every window, and leave an owned region of
            // at least one point between p / 2 halo points per side.
            if n < p + 1 {
                return Err(GradientError::ShapeTooSmall {
                    index: k,
                    message: format!(
                        "shape[{axis}] = {n} (axes[{k}]) is too short for accuracy = {p}: at \
                         least {} points are needed",
                        p + 1
                    ),
                });
            }
        } else if lo + hi == 0 {
            if n < edge_order + 1 {
                return Err(GradientError::ShapeTooSmall {
                    index: k,
                    message: format!(
                        "shape[{axis}] = {n} (axes[{k}]) is too short for edge_order = \
                         {edge_order}: at least {} points are needed",
                        edge_order + 1
                    ),
                });
            }
        } else if n < lo + hi + 1 || (lo + hi < 2 && n < edge_order + 1) {
            return Err(GradientError::InvalidOptions {
                index: Some(k),
                message: format!(
                    "shape[{axis}] = {n} (axes[{k}]) with {} ghost point(s) leaves an owned \
                     region too short for edge_order = {edge_order}: the input needs at least \
                     {} points",
                    lo + hi,
                    (lo + hi + 1).max(if lo + hi < 2 { edge_order + 1 } else { 0 })
                ),
            });
        }
    }
    Ok(())
}

/// Differences of the coordinates padded periodically (numpy's `np.diff` of
/// `[x[n-1] - P, x..., x[0] + P]`, with `P` signed like the coordinates).
fn periodic_diffs(x: &[f64], period: f64) -> Diffs {
    let n = x.len();
    let p = if n > 1 && x[1] < x[0] {
        -period
    } else {
        period
    };
    let mut dp = Diffs::with_capacity(n + 1);
    dp.push(x[0] - (x[n - 1] - p));
    for w in x.windows(2) {
        dp.push(w[1] - w[0]);
    }
    dp.push((x[0] + p) - x[n - 1]);
    dp
}

/// Resolve a validated spacing entry (numpy's varargs handling). `lanes`:
/// how many lanes run along the axis (coefficient tables pay off for more
/// than one).
fn rule<'a>(
    s: &Spacing<'a>,
    b: &Boundary,
    ends: Ends,
    wide: Option<&Tables>,
    lanes: usize,
) -> Rule<'a> {
    let table = lanes > 1;
    match (*s, *b) {
        (Spacing::Unit, _) => Rule::Step(Step::new(1.0)),
        (Spacing::Uniform(h), _) => Rule::Step(Step::new(h)),
        (Spacing::NonUniform(x), Boundary::Periodic { period: Some(p) }) => match wide {
            Some(t) => Rule::Wide(Box::new(WideCoefs::periodic(x, p, *t, table))),
            None => Rule::Coords(Coefs::periodic(periodic_diffs(x, p), table)),
        },
        (Spacing::NonUniform(x), _) => match wide {
            Some(t) => Rule::Wide(Box::new(WideCoefs::coords(x, ends, *t, table))),
            None if x.len() < 2 => Rule::Step(Step::new(1.0)),
            None => Rule::Coords(Coefs::coords(x, table)),
        },
        (Spacing::Coordinates(x), Boundary::Periodic { period: Some(p) }) => {
            let dp = periodic_diffs(x, p);
            match (dp.iter().all(|&v| v == dp[0]), wide) {
                (true, _) => Rule::CoordStep(Step::new(dp[0])),
                (false, Some(t)) => Rule::Wide(Box::new(WideCoefs::periodic(x, p, *t, table))),
                (false, None) => Rule::Coords(Coefs::periodic(dp, table)),
            }
        }
        (Spacing::Coordinates(x), _) => {
            // numpy: `if (diffx == diffx[0]).all(): diffx = diffx[0]`, a float64
            // scalar. Fewer than two points never reach a kernel.
            let Some(d0) = x.get(..2).map(|w| w[1] - w[0]) else {
                return Rule::Step(Step::new(1.0));
            };
            match (x.windows(2).all(|w| w[1] - w[0] == d0), wide) {
                (true, _) => Rule::CoordStep(Step::new(d0)),
                (false, Some(t)) => Rule::Wide(Box::new(WideCoefs::coords(x, ends, *t, table))),
                (false, None) => Rule::Coords(Coefs::coords(x, table)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// The sweep of separate outputs over all of `f` (every row), as a
    /// dense execute asks for it; whether it was taken.
    /// Values a step's fast form refuses (NaN, infinities, subnormal, tiny
    /// and huge in each type) at one to three points of `f` a third of the
    /// time, zeros (which it takes) another third: anywhere, or in the
    /// first plane in memory (C order: the first along axis 0; Fortran:
    /// along the last), which a sweep tests apart from the rest. Returns
    /// which: 0 neither, 1 refused values, 2 zeros.
    fn refuse_some<A: crate::num::Real>(
        f: &mut [A],
        shape: &[usize],
        rnd: &mut impl FnMut(usize) -> usize,
    ) -> usize {
        let special = rnd(3);
        if special == 0 {
            return 0;
        }
        let wide = std::mem::size_of::<A>() == 8;
        let refused = [
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
            if wide { 1e-310 } else { 1e-40 },
            if wide { -1e-300 } else { -1e-30 },
            if wide { 1e307 } else { 1e38 },
        ]
        .map(A::from_f64);
        let size = f.len();
        for _ in 0..1 + rnd(3) {
            let v = match special {
                1 => refused[rnd(refused.len())],
                _ => A::from_f64(0.0),
            };
            let within = match rnd(3) {
                0 => size,
                1 => size / shape[0],
                _ => size / shape[shape.len() - 1],
            };
            f[rnd(within)] = v;
        }
        special
    }

    fn sweep<A: Element>(
        plan: &Plan,
        f: &[A],
        order: Order,
        outs: &mut [&mut [A::Output]],
        stream: bool,
    ) -> bool {
        plan.fused(
            order,
            |k| k,
            |dims, axes| {
                let x = kernel::fused::Separate {
                    f,
                    dims,
                    outs,
                    rows: (0, dims[0]),
                    stream,
                };
                kernel::fused::separate(axes, x)
            },
        )
    }

    /// The coordinates' fast pass in 1 to 6 runs, as the plain test finds
    /// it, for every case of [`crate::simd::tests::coordinate_cases`]
    /// (a defect anywhere: where one run ends and the next starts too).
    #[test]
    fn coordinates_check_in_runs_finds_every_defect() {
        crate::simd::tests::coordinate_cases(|x, sign, want| {
            for parts in 1..=6 {
                assert_eq!(steps_ok(x, sign, parts), want, "{x:?} in {parts} runs");
            }
        });
    }

    /// Coordinates long enough to be checked on threads: the same answer
    /// and message as on one thread, a defect anywhere (around where the
    /// runs meet too).
    #[test]
    fn long_coordinates_are_checked_alike_on_threads() {
        let n = 3 * MIN_PARALLEL_LEN + 7;
        let good: Vec<f64> = (0..n).map(|i| i as f64 * 0.5).collect();
        let third = (n - 1) / 3;
        let spots = [1, third - 1, third, third + 1, 2 * third, n / 2, n - 1];
        let check = |x: &[f64], threads: usize| {
            let opts = Options::default().threads(threads);
            Plan::with_options(&[n], &[Spacing::Coordinates(x)], None, 1, &opts)
                .err()
                .map(|e| e.to_string())
        };
        assert_eq!(check(&good, 3), None);
        for at in spots {
            for bad in [good[at - 1], f64::NAN] {
                let mut x = good.clone();
                x[at] = bad;
                let one = check(&x, 1);
                assert!(one.is_some(), "defect at {at} not found");
                for threads in [2, 3, 4] {
                    assert_eq!(check(&x, threads), one, "defect at {at}, {threads} threads");
                }
            }
        }
    }

    #[test]
    fn two_d_golden() {
        let f = array![[1.0, 2.0, 6.0], [3.0, 4.0, 5.0]];
        let g = gradient(&f, &[], None, 1).unwrap();
        assert_eq!(g[0], array![[2.0, 2.0, -1.0], [2.0, 2.0, -1.0]]);
        assert_eq!(g[1], array![[1.0, 2.5, 4.0], [1.0, 1.0, 1.0]]);
        let x = [1.0, 1.5, 3.5];
        let g = gradient(
            &f,
            &[Spacing::Uniform(2.0), Spacing::Coordinates(&x)],
            None,
            1,
        )
        .unwrap();
        assert_eq!(g[0], array![[1.0, 1.0, -0.5], [1.0, 1.0, -0.5]]);
        assert_eq!(
            g[1],
            array![[2.0, 2.0, 2.0], [2.0, 1.6999999999999993, 0.5]]
        );
    }

    #[test]
    fn validation_messages_name_the_argument() {
        let e = Plan::new(&[2, 3], &[], Some(&[0, 3]), 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "axes[1] = 3 is out of range for ndim 2 (valid: -2 to 1)"
        );
        assert_eq!(e.axis_index(), Some(1));
        let e = Plan::new(&[2, 3], &[], Some(&[1, -1]), 1).unwrap_err();
        assert!(e.to_string().contains("repeats axes[0]"), "{e}");
        let e = Plan::new(&[4], &[Spacing::Uniform(0.0)], None, 1).unwrap_err();
        assert!(matches!(e, GradientError::InvalidSpacing { .. }), "{e}");
        let e = Plan::new(
            &[4],
            &[Spacing::Coordinates(&[0.0, 1.0, 1.0, 2.0])],
            None,
            1,
        )
        .unwrap_err();
        assert!(e.to_string().contains("strictly monotonic"), "{e}");
        let e = Plan::new(
            &[4, 4],
            &[Spacing::Coordinates(&[0.0, 1.0, 2.0, 3.0])],
            None,
            1,
        )
        .unwrap_err();
        assert!(e.to_string().contains("COORDINATES"), "{e}");
        let e = Plan::new(&[4], &[], None, 3).unwrap_err();
        assert_eq!(e, GradientError::InvalidEdgeOrder(3));
        let e = Plan::new(&[2], &[], None, 2).unwrap_err();
        assert!(
            matches!(e, GradientError::ShapeTooSmall { index: 0, .. }),
            "{e}"
        );
        let e = Plan::new(&[], &[], None, 1).unwrap_err();
        assert_eq!(e, GradientError::InvalidNdim(0));
    }

    #[test]
    fn float32_uneven_coordinates_leave_the_sweep() {
        const UNEVEN: [f64; 4] = [0.0, 1.0, 3.0, 3.5];
        const EVEN: [f64; 4] = [0.0, 0.5, 1.0, 1.5];
        let (uneven, even): (&'static [f64], &'static [f64]) = (&UNEVEN, &EVEN);
        let plan = |s: &[Spacing<'static>]| Plan::new(&[4, 4, 4], s, None, 1).unwrap();
        let one = |s| plan(&[Spacing::Unit, s, Spacing::Uniform(0.1)]);
        // (The AVX-512 loop keeps the sweep.)
        let avx2 = !crate::simd::available512();
        for s in [Spacing::Coordinates(uneven), Spacing::NonUniform(even)] {
            assert_eq!(one(s).sweep_slower::<f32>(), avx2);
            assert!(!one(s).sweep_slower::<f64>());
            assert!(!one(s).sweep_slower::<crate::Complex<f32>>());
            assert!(!one(s).sweep_slower::<i32>());
        }
        for s in [Spacing::Coordinates(even), Spacing::Uniform(0.5)] {
            assert!(!one(s).sweep_slower::<f32>());
        }
        let all = plan(&[Spacing::Coordinates(uneven); 3]);
        assert_eq!(all.sweep_slower::<f32>(), avx2);
        assert!(!all.sweep_slower::<f64>());
        assert!(!plan(&[]).sweep_slower::<f32>());
    }

    #[test]
    fn rows_of_64_bytes_or_128_with_coordinates_leave_the_sweep() {
        let x: Vec<f64> = (0..64).map(|i| i as f64 + (i % 3) as f64 * 0.25).collect();
        let plan = |shape: &[usize], coords: bool| {
            let s = [
                Spacing::Unit,
                Spacing::Coordinates(&x[..shape[1]]),
                Spacing::Unit,
            ];
            Plan::new(shape, if coords { &s } else { &[] }, None, 1).unwrap()
        };
        let short = |shape: &[usize], coords| {
            let p = plan(shape, coords);
            let (c, f) = (
                p.rows_too_short::<f32>(Order::C),
                p.rows_too_short::<f64>(Order::C),
            );
            (c, f, p.rows_too_short::<f32>(Order::F))
        };
        // (float32 C order, float64 C order, float32 Fortran order: rows
        // of the first extent)
        assert_eq!(short(&[64, 64, 16], false), (true, false, false));
        assert_eq!(short(&[64, 64, 16], true), (true, true, false));
        assert_eq!(short(&[16, 64, 32], false), (false, false, true));
        assert_eq!(short(&[16, 64, 32], true), (true, false, true));
        assert_eq!(short(&[33, 64, 33], true), (false, false, false));
        assert_eq!(short(&[64, 8, 8], false), (true, true, false));
    }

    #[test]
    fn passes_stream_the_outputs_whose_loads_do_not_stall() {
        // C order 4 x 64 x 64 float32: the axes' neighbours 16384 (a
        // multiple of a page), 256 and 4 bytes away.
        let x: Vec<f64> = (0..64).map(|i| i as f64 + (i % 3) as f64 * 0.25).collect();
        let s = [Spacing::Unit, Spacing::Unit, Spacing::Coordinates(&x)];
        let plan = Plan::new(&[4, 64, 64], &s, None, 1).unwrap();
        let step = Plan::new(&[4, 64, 64], &[], None, 1).unwrap();
        let buf = vec![0f32; 4 * PAGE_F32];
        let f = &buf[..1];
        // An output `d` bytes past the input modulo a page.
        let out = |d: usize| &buf[2 * PAGE_F32 + d / 4..][..1];
        let ask = |p: &Plan, d: usize| -> Vec<bool> {
            (0..3)
                .map(|k| p.pass_streams(k, f, Order::C, out(d), true))
                .collect()
        };
        // The same offset: axis 1's load 256 bytes before the point stalls
        // on the store 256 bytes past it; the contiguous axis streams with a
        // step, not with coordinates (their coefficients drift).
        assert_eq!(ask(&step, 0), [true, false, true]);
        assert_eq!(ask(&plan, 0), [true, false, false]);
        // 64 bytes past: every axis's own point stalls.
        assert_eq!(ask(&step, 64), [false, false, false]);
        // 768 bytes past: axis 1's nearest load 512 bytes behind, clear.
        assert_eq!(ask(&step, 768), [true, true, true]);
        // Float64 output of int32 input: their distance drifts.
        let ints = vec![0i32; 4 * PAGE_F32];
        let wide = vec![0f64; 4 * PAGE_F32];
        let o = &wide[..1];
        assert!((0..3).all(|k| !step.pass_streams(k, &ints[..1], Order::C, o, true)));
        // Where loads do not wait on streamed stores, every pass streams
        // but the contiguous axis's with coordinates.
        assert_eq!(
            (0..3)
                .map(|k| plan.pass_streams(k, f, Order::C, out(64), false))
                .collect::<Vec<_>>(),
            [true, true, false]
        );
    }

    /// Float32 elements in a page.
    const PAGE_F32: usize = crate::simd::PAGE / 4;

    #[test]
    fn nothing_written_on_error() {
        let f = array![1.0, 2.0];
        let mut o = array![7.0, 7.0];
        assert!(gradient_into(&f, &[], None, 2, &mut [o.view_mut()]).is_err());
        assert_eq!(o, array![7.0, 7.0]);
    }

    #[test]
    fn empty_arrays_are_valid_when_axes_are_long_enough() {
        let f = ndarray::Array2::<f64>::zeros((0, 3));
        let g = gradient(&f, &[], Some(&[1]), 2).unwrap();
        assert_eq!(g[0].shape(), &[0, 3]);
        assert!(gradient(&f, &[], Some(&[0]), 1).is_err());
    }

    #[test]
    fn ghost_blocks_assemble_the_global_result() {
        let x: Vec<f64> = (0..12).map(|i| (i as f64).powf(1.3)).collect();
        let f = ndarray::Array1::from_shape_fn(12, |i| (i as f64 * 0.7).sin());
        for e in [1, 2] {
            let global = gradient(&f, &[Spacing::Coordinates(&x)], None, e).unwrap();
            // Blocks [0, 5), [5, 9), [9, 12) with one halo point at each cut.
            let mut assembled = Vec::new();
            for (lo, hi) in [(0, 5), (5, 9), (9, 12)] {
                let (glo, ghi) = (lo > 0, hi < 12);
                let (a, b) = (lo - glo as usize, hi + ghi as usize);
                let side = |g| if g { Side::Ghost } else { Side::OneSided };
                let opts = Options::default().boundaries(vec![Boundary::Sides {
                    lo: side(glo),
                    hi: side(ghi),
                }]);
                let part = f.slice(ndarray::s![a..b]);
                let g = gradient_with(&part, &[Spacing::Coordinates(&x[a..b])], None, e, &opts)
                    .unwrap();
                assert_eq!(g[0].len(), hi - lo);
                assembled.extend(g[0].iter().copied());
            }
            assert_eq!(assembled, global[0].to_vec(), "edge_order {e}");
        }
    }

    #[test]
    fn periodic_equals_numpy_on_the_padded_array() {
        // numpy: np.gradient([3, 0, 1, 0, -1, 3], 0.5)[1:-1] on the padded array
        let f = array![0.0, 1.0, 0.0, -1.0];
        let opts = Options::default().boundaries(vec![Boundary::Periodic { period: None }]);
        let g = gradient_with(&f, &[Spacing::Uniform(0.5)], None, 1, &opts).unwrap();
        assert_eq!(g[0].to_vec(), [2.0, 0.0, -2.0, 0.0]);
        // Coordinates need a period larger than their span.
        let x = [0.0, 1.0, 2.0, 3.0];
        let e = gradient_with(&f, &[Spacing::Coordinates(&x)], None, 1, &opts).unwrap_err();
        assert!(e.to_string().contains("no period"), "{e}");
        let bad = Options::default().boundaries(vec![Boundary::Periodic { period: Some(3.0) }]);
        let e = gradient_with(&f, &[Spacing::Coordinates(&x)], None, 1, &bad).unwrap_err();
        assert!(
            matches!(e, GradientError::InvalidOptions { index: Some(0), .. }),
            "{e}"
        );
        let ok = Options::default().boundaries(vec![Boundary::Periodic { period: Some(4.0) }]);
        let g = gradient_with(&f, &[Spacing::Coordinates(&x)], None, 1, &ok).unwrap();
        assert_eq!(g[0].to_vec(), [1.0, 0.0, -1.0, 0.0]);
    }

    #[test]
    fn ghost_outputs_share_the_owned_shape() {
        let f = ndarray::Array2::<f64>::from_shape_fn((5, 6), |(i, j)| (i * 6 + j) as f64);
        let opts = Options::default().boundaries(vec![
            Boundary::Sides {
                lo: Side::Ghost,
                hi: Side::OneSided,
            },
            Boundary::Sides {
                lo: Side::Ghost,
                hi: Side::Ghost,
            },
        ]);
        let g = gradient_with(&f, &[], None, 1, &opts).unwrap();
        assert_eq!(g[0].shape(), &[4, 4]);
        assert_eq!(g[1].shape(), &[4, 4]);
        assert!(g[0].iter().all(|&v| v == 6.0) && g[1].iter().all(|&v| v == 1.0));
        // Too short an owned region: INVALID_OPTIONS, not SHAPE_TOO_SMALL.
        let tiny = ndarray::Array1::<f64>::zeros(2);
        let o = Options::default().boundaries(vec![Boundary::Sides {
            lo: Side::Ghost,
            hi: Side::Ghost,
        }]);
        let e = gradient_with(&tiny, &[], None, 1, &o).unwrap_err();
        assert!(matches!(e, GradientError::InvalidOptions { .. }), "{e}");
        let wrong = Options::default().boundaries(vec![Boundary::OneSided]);
        assert!(gradient_with(&f, &[], None, 1, &wrong).is_err());
    }

    /// Tiling and threads never change a bit: one-row tiles and 1 to 4
    /// threads against the untiled computation, on random shapes, layouts,
    /// axes, spacings, edge orders and boundaries (ghost and periodic).
    #[test]
    fn tiles_and_threads_do_not_change_results() {
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut rnd = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for case in 0..400 {
            let ndim = 1 + rnd(3);
            let mut shape: Vec<usize> = (0..ndim).map(|_| 3 + rnd(10)).collect();
            // Some lanes and rows longer than the pieces of the streaming
            // loops, on a dense plan: longer than their chunks (lanes
            // taken in groups) or not.
            let long = (case % 16 == 0).then(|| rnd(ndim));
            if let Some(d) = long {
                shape[d] = if case % 32 == 0 {
                    1000 + rnd(200)
                } else {
                    40 + rnd(300)
                };
            }
            let accuracy = if long.is_some() {
                2
            } else {
                [2, 2, 4, 6, 8][rnd(5)]
            };
            let order = 1 + rnd(accuracy);
            let f = ndarray::ArrayD::from_shape_fn(shape.clone(), |i| {
                let s: usize = i
                    .slice()
                    .iter()
                    .enumerate()
                    .map(|(k, &v)| v * (k + 3))
                    .sum();
                ((s * 7919 % 1000) as f64 - 500.0) * 0.37
            });
            let f = if rnd(2) == 0 { f.t().to_owned() } else { f };
            let shape = f.shape().to_vec();
            let coords: Vec<Vec<f64>> = shape
                .iter()
                .map(|&n| {
                    (0..n)
                        .map(|i| i as f64 + 0.25 * ((i * i) % 5) as f64)
                        .collect()
                })
                .collect();
            let mut spacing = Vec::new();
            let mut bounds = Vec::new();
            for d in 0..ndim {
                spacing.push(match rnd(3) {
                    0 => Spacing::Uniform(0.3 + rnd(4) as f64),
                    1 => Spacing::Coordinates(&coords[d]),
                    _ => Spacing::Unit,
                });
                let side = |r: usize| {
                    if r == 0 && long.is_none() {
                        Side::Ghost
                    } else {
                        Side::OneSided
                    }
                };
                bounds.push(match rnd(4) {
                    0 => Boundary::Periodic {
                        period: Some(coords[d][shape[d] - 1] + 1.0),
                    },
                    _ => Boundary::Sides {
                        lo: side(rnd(2)),
                        hi: side(rnd(2)),
                    },
                });
            }
            let opts = Options::default().boundaries(bounds).accuracy(accuracy);
            let Ok(plan) = Plan::with_options(&shape, &spacing, None, order, &opts) else {
                continue;
            };
            let run = |tile: usize, threads: usize, min_par: usize| {
                let mut p = plan.clone();
                p.threads = threads;
                let mut outs: Vec<ndarray::ArrayD<f64>> = (0..ndim)
                    .map(|_| ndarray::ArrayD::zeros(plan.out_shape()))
                    .collect();
                let views: Vec<_> = outs.iter_mut().map(|o| o.view_mut()).collect();
                p.execute_tuned(f.view(), views, tile, min_par);
                outs
            };
            let whole = run(usize::MAX, 1, usize::MAX);
            for threads in 1..=4 {
                let tiled = run(1, threads, 0);
                for (a, b) in whole.iter().zip(&tiled) {
                    let same = a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
                    assert!(
                        same,
                        "case {case}: shape {shape:?} threads {threads}\n{a}\n{b}"
                    );
                }
            }
            if !plan.dense_ok() {
                continue;
            }
            // The slice loops, in both memory orders, whole and tiled.
            let c = f.as_standard_layout().into_owned();
            let fo = f.t().as_standard_layout().into_owned();
            let size = f.len();
            for (order, fs) in [(Order::C, c.as_slice()), (Order::F, fo.as_slice())] {
                let fs = fs.expect("contiguous");
                // Every output in memory order, as the dense runs write them.
                let want: Vec<Vec<f64>> = (whole.iter())
                    .map(|a| match order {
                        Order::C => a.as_standard_layout().iter().copied().collect(),
                        Order::F => a.t().as_standard_layout().iter().copied().collect(),
                    })
                    .collect();
                let check_one = |a: &[f64], b: &[f64], what: &str| {
                    let same = a.len() == b.len()
                        && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
                    assert!(same, "case {case}: {what} {order:?} shape {shape:?}");
                };
                let check = |outs: &[Vec<f64>], what: &str| {
                    for (a, b) in want.iter().zip(outs) {
                        let same = a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
                        assert!(same, "case {case}: {what} {order:?} shape {shape:?}");
                    }
                };
                // The stencils a plan prepares once (small arrays: all but
                // the long ones, which may tile).
                let prepared = plan.prepare_dense::<f64>(order);
                assert!(
                    prepared.is_some() || long.is_some(),
                    "case {case}: not prepared"
                );
                if let Some(prepared) = prepared {
                    let mut outs = vec![vec![f64::NAN; size]; ndim];
                    plan.run_prepared(&prepared, fs, outs.iter_mut().map(|o| &mut o[..]));
                    check(&outs, "prepared");
                }
                let all = None;
                let tunings = [
                    (usize::MAX, 1, usize::MAX, all),
                    (1, 1, usize::MAX, all),
                    (1, 2, usize::MAX, all),
                    (1, 3, usize::MAX, all),
                    (64, 4, usize::MAX, all),
                    // Streaming stores (the staged lanes), whole and tiled.
                    (usize::MAX, 1, 0, all),
                    (64, 2, 0, all),
                    (4200, 1, 0, all),
                    // Some outputs streamed, each in its own pass.
                    (usize::MAX, 1, 0, Some(0b101)),
                    (64, 2, 0, Some(0b010)),
                    (4200, 1, 0, Some(0b111)),
                ];
                for (tile, threads, stream_min, streams) in tunings {
                    let mut p = plan.clone();
                    p.threads = threads;
                    let mut outs = vec![vec![f64::NAN; size]; ndim];
                    let mut held: Vec<&mut [f64]> = outs.iter_mut().map(|o| &mut o[..]).collect();
                    p.execute_dense_masked(fs, order, &mut held, (tile, 0, stream_min), streams);
                    let what = format!(
                        "dense, tile {tile}, threads {threads}, stream {stream_min} {streams:?}"
                    );
                    check(&outs, &what);
                }
                if long.is_some() {
                    // float32 (its own SIMD loops, 16 points to a line):
                    // the streamed runs against the plain one.
                    let f32s: Vec<f32> = fs.iter().map(|&x| x as f32).collect();
                    let run32 = |tile: usize, threads: usize, stream_min: usize, streams| {
                        let mut p = plan.clone();
                        p.threads = threads;
                        let mut outs = vec![vec![f32::NAN; size]; ndim];
                        let mut held: Vec<&mut [f32]> =
                            outs.iter_mut().map(|o| &mut o[..]).collect();
                        let tuning = (tile, 0, stream_min);
                        p.execute_dense_masked(&f32s, order, &mut held, tuning, streams);
                        outs
                    };
                    let want32 = run32(usize::MAX, 1, usize::MAX, all);
                    let runs = [
                        (usize::MAX, 1, all),
                        (4200, 1, all),
                        (64, 2, all),
                        (64, 2, Some(0b110)),
                        (4200, 1, Some(0b111)),
                    ];
                    for (tile, threads, streams) in runs {
                        let got = run32(tile, threads, 0, streams);
                        let same = want32
                            .iter()
                            .zip(&got)
                            .all(|(a, b)| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
                        assert!(
                            same,
                            "case {case}: float32 streamed ({streams:?}), tile {tile}, \
                             threads {threads}, {order:?} shape {shape:?}"
                        );
                    }
                }
                if !plan.interleaved_ok() {
                    continue;
                }
                // One interleaved output, the axes' places rotated, with
                // and without streaming stores, from a shifted start (the
                // streaming loops' aligned and unaligned heads).
                let m = ndim;
                let slots: Vec<usize> = (0..m).map(|k| (k + case) % m).collect();
                for (threads, stream_min, shift) in [(1, usize::MAX, 0), (1, 0, 1), (3, 0, 0)] {
                    let mut p = plan.clone();
                    p.threads = threads;
                    let mut buf = vec![f64::NAN; m * size + 1];
                    let out = &mut buf[shift..shift + m * size];
                    p.execute_interleaved_tuned(fs, order, out, &slots, 0, stream_min);
                    let what = format!("interleaved, threads {threads}, stream_min {stream_min}");
                    for (k, &slot) in slots.iter().enumerate() {
                        let got: Vec<f64> = out.iter().skip(slot).step_by(m).copied().collect();
                        check_one(&want[k], &got, &format!("{what}, axis {k}"));
                    }
                }
            }
        }
    }

    /// The interleaved path against the dense one, bit for bit: 2-d and
    /// 3-d arrays of both orders, every axes subset of two or more, steps
    /// (powers of two and not), coordinates, edges and periodic ends,
    /// float64 and float32, streaming or not, one to three threads, rows
    /// short and long.
    #[test]
    fn interleaved_matches_dense() {
        fn run<A: Element + From<i16> + crate::num::Real>(rnd: &mut impl FnMut(usize) -> usize)
        where
            A::Output: Copy + PartialEq + std::fmt::Debug + Default,
        {
            let ndim = 2 + rnd(2);
            // Some rows long enough for the streamed span of the dividing
            // and interleaving loop (whole cache lines away from the ends),
            // some of whole 8-point blocks (runs of rows in one call).
            let shape: Vec<usize> = (0..ndim)
                .map(|_| match rnd(4) {
                    0 => 20 + rnd(60),
                    1 => 8 * (1 + rnd(6)),
                    _ => 3 + rnd(14),
                })
                .collect();
            let size: usize = shape.iter().product();
            let mut f: Vec<A> = (0..size)
                .map(|i| A::from(((i * 7919 + 13) % 2001) as i16 - 1000))
                .collect();
            // (An interleaved output then computed again, every quotient
            // tested.)
            refuse_some(&mut f, &shape, &mut *rnd);
            let coords: Vec<Vec<f64>> = (shape.iter())
                .map(|&n| {
                    (0..n)
                        .map(|i| i as f64 + 0.3 * ((i * i) % 3) as f64)
                        .collect()
                })
                .collect();
            // Coordinates on every axis a quarter of the time (their own
            // loop), one step that is not a power of two on every axis
            // another quarter (the dividing loop's fast form).
            let (coords_only, one_step) = match rnd(4) {
                0 => (true, false),
                1 => (false, true),
                _ => (false, false),
            };
            let spacing: Vec<Spacing<'_>> = (0..ndim)
                .map(|d| match (coords_only, one_step) {
                    (true, _) => Spacing::Coordinates(&coords[d]),
                    (_, true) => Spacing::Uniform(0.3),
                    _ => match rnd(4) {
                        0 => Spacing::Uniform(0.5),
                        1 => Spacing::Coordinates(&coords[d]),
                        2 => Spacing::Unit,
                        _ => Spacing::Uniform(0.1 + rnd(5) as f64),
                    },
                })
                .collect();
            let axes: Vec<isize> = match rnd(3) {
                0 if ndim == 3 => vec![2, 0],
                1 if ndim == 3 => vec![1, 2],
                _ => (0..ndim as isize).collect(),
            };
            let sp: Vec<Spacing<'_>> = axes.iter().map(|&a| spacing[a as usize]).collect();
            let bounds = (axes.iter())
                .map(|_| match rnd(3) {
                    0 => Boundary::Periodic { period: None },
                    _ => Boundary::Sides {
                        lo: Side::OneSided,
                        hi: Side::OneSided,
                    },
                })
                .collect();
            let edge = 1 + rnd(2);
            let opts = Options::default().boundaries(bounds);
            let Ok(plan) = Plan::with_options(&shape, &sp, Some(&axes), edge, &opts) else {
                return;
            };
            assert!(plan.interleaved_ok());
            let m = axes.len();
            for order in [Order::C, Order::F] {
                let mut want = vec![vec![A::Output::default(); size]; m];
                let mut held: Vec<&mut [A::Output]> = want.iter_mut().map(|o| &mut o[..]).collect();
                plan.execute_dense(&f, order, &mut held);
                let slots: Vec<usize> = (0..m).map(|k| (k + rnd(m)) % m).collect();
                let mut seen = vec![false; m];
                let slots: Vec<usize> = (slots.into_iter())
                    .map(|s| {
                        let s = (s..s + m).map(|t| t % m).find(|&t| !seen[t]).unwrap();
                        seen[s] = true;
                        s
                    })
                    .collect();
                // Streamed from every offset to a 32-byte boundary too (where
                // a run of rows starts its blocks).
                let esize = std::mem::size_of::<A::Output>();
                let per = 32 / esize;
                let spots = [
                    (1, usize::MAX, 0),
                    (1, 0, 1),
                    (2, 0, 3),
                    (1, 0, per),
                    (2, 0, per),
                ];
                for (threads, stream_min, shift) in spots {
                    let mut p = plan.clone();
                    p.threads = threads;
                    let mut buf = vec![A::Output::default(); m * size + 2 * per];
                    let shift = match shift == per {
                        true => (32 - buf.as_ptr() as usize % 32) % 32 / esize + rnd(per),
                        false => shift,
                    };
                    let out = &mut buf[shift..shift + m * size];
                    p.execute_interleaved_tuned(&f, order, out, &slots, 0, stream_min);
                    for (k, &slot) in slots.iter().enumerate() {
                        let got: Vec<_> = out.iter().skip(slot).step_by(m).copied().collect();
                        // Debug text: -0.0 and 0.0 differ, as their bits do.
                        assert!(
                            format!("{got:?}") == format!("{:?}", want[k]),
                            "{} shape {shape:?} axes {axes:?} {order:?} slots {slots:?} \
                             threads {threads} stream_min {stream_min} axis {k}:\n{:?}\n{:?}",
                            std::any::type_name::<A>(),
                            got,
                            want[k]
                        );
                    }
                }
            }
        }
        let mut seed = 0x2545f4914f6cdd1du64;
        let mut rnd = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..300 {
            run::<f64>(&mut rnd);
            run::<f32>(&mut rnd);
        }
    }

    /// Every axis in one sweep into separate outputs against a pass per
    /// axis, bit for bit: 2-d and 3-d arrays of both orders, two or three
    /// axes (the inner one among them or not), steps (powers of two and
    /// not, negative, one per axis or the same), edges and periodic ends,
    /// edge orders 1 and 2, float64 and float32, one to three threads, the
    /// outputs at one offset from a line (every offset to 64 bytes) or not,
    /// the input with values the fast form refuses (zeros, which it takes;
    /// NaN, infinities, subnormal, huge and tiny ones, which send the rows
    /// back to the passes; anywhere, or in the first plane, which the sweep
    /// takes apart) or without. Where the sweep must take the call
    /// (steps, outputs at one offset, no refused value) it is asked
    /// directly and must answer that it did.
    #[test]
    fn separate_matches_dense() {
        fn run<A: Element + crate::num::Real>(rnd: &mut impl FnMut(usize) -> usize)
        where
            A::Output: Copy + PartialEq + std::fmt::Debug + Default,
        {
            let ndim = 2 + rnd(2);
            // Rows long enough for whole blocks (and runs of them), some
            // of whole blocks, some short.
            let shape: Vec<usize> = (0..ndim)
                .map(|_| match rnd(4) {
                    0 => 20 + rnd(70),
                    1 => 16 * (1 + rnd(4)),
                    _ => 3 + rnd(14),
                })
                .collect();
            let size: usize = shape.iter().product();
            let mut f: Vec<A> = (0..size)
                .map(|i| A::from_f64((((i * 7919 + 13) % 2001) as f64 - 1000.0) * 0.37))
                .collect();
            let special = refuse_some(&mut f, &shape, &mut *rnd);
            let coords: Vec<f64> = (0..shape[0]).map(|i| i as f64 * 1.5 + 0.25).collect();
            // Uneven coordinates for every dimension.
            let uneven: Vec<Vec<f64>> = (shape.iter())
                .map(|&n| {
                    let mut x = -3.0;
                    (0..n)
                        .map(|_| {
                            x += 0.25 + rnd(100) as f64 * 0.0137;
                            x
                        })
                        .collect()
                })
                .collect();
            // The same step on every axis, coordinates on every axis, or
            // each its own.
            let form = rnd(3);
            let spacing: Vec<Spacing<'_>> = (0..ndim)
                .map(|d| match [1, 6, rnd(6)][form] {
                    0 => Spacing::Uniform(0.5),
                    1 => Spacing::Uniform(0.1),
                    2 => Spacing::Unit,
                    3 => Spacing::Uniform(-0.3),
                    4 if d == 0 => Spacing::Coordinates(&coords),
                    6 => Spacing::Coordinates(&uneven[d]),
                    _ => Spacing::Uniform(0.7 + rnd(5) as f64),
                })
                .collect();
            let axes: Vec<isize> = match rnd(4) {
                0 if ndim == 3 => vec![2, 0],
                1 if ndim == 3 => vec![0, 1],
                2 if ndim == 3 => vec![1, 2],
                _ => (0..ndim as isize).collect(),
            };
            let sp: Vec<Spacing<'_>> = axes.iter().map(|&a| spacing[a as usize]).collect();
            let bounds = (axes.iter())
                .map(|_| match rnd(3) {
                    0 => Boundary::Periodic { period: None },
                    _ => Boundary::Sides {
                        lo: Side::OneSided,
                        hi: Side::OneSided,
                    },
                })
                .collect();
            let edge = 1 + rnd(2);
            let opts = Options::default().boundaries(bounds);
            let Ok(plan) = Plan::with_options(&shape, &sp, Some(&axes), edge, &opts) else {
                return;
            };
            let m = axes.len();
            let steps = sp.iter().all(|s| !matches!(s, Spacing::Coordinates(_)));
            let coords = sp.iter().all(|s| matches!(s, Spacing::Coordinates(_)));
            let esize = std::mem::size_of::<A::Output>();
            let line = 64 / esize;
            for order in [Order::C, Order::F] {
                let mut want = vec![vec![A::Output::default(); size]; m];
                let mut held: Vec<&mut [A::Output]> = want.iter_mut().map(|o| &mut o[..]).collect();
                plan.execute_dense(&f, order, &mut held);
                // The outputs in one buffer, each a whole number of lines
                // after the one before (so at one offset from a line), from
                // any offset; or one of them an element further on.
                let apart = (size.div_ceil(line) + 1 + rnd(2)) * line;
                let mut buf = vec![A::Output::default(); m * apart + 3 * line];
                let start = (64 - buf.as_ptr() as usize % 64) % 64 / esize + rnd(line);
                let skew = rnd(4) == 0;
                let one = !skew;
                for (threads, tile) in [(1, usize::MAX), (2, 64), (3, usize::MAX)] {
                    let mut p = plan.clone();
                    p.threads = threads;
                    buf.iter_mut().for_each(|x| *x = A::Output::default());
                    let mut outs: Vec<&mut [A::Output]> = Vec::new();
                    let mut rest = &mut buf[start..];
                    for k in 0..m {
                        let at = if skew && k == m - 1 { 1 } else { 0 };
                        let (o, r) = std::mem::take(&mut rest).split_at_mut(apart);
                        outs.push(&mut o[at..at + size]);
                        rest = r;
                    }
                    p.execute_dense_tuned(&f, order, &mut outs, (tile, 0, 0));
                    for (k, (got, want)) in outs.iter().zip(&want).enumerate() {
                        assert!(
                            format!("{got:?}") == format!("{want:?}"),
                            "{} shape {shape:?} axes {axes:?} spacing {sp:?} edge {edge} \
                             {order:?} threads {threads} tile {tile} start {start} skew {skew} \
                             special {special} axis {k}:\n{got:?}\n{want:?}",
                            std::any::type_name::<A>(),
                        );
                    }
                }
                // Taken, and vouched for, where it must be (with
                // coordinates, whatever the values), wherever the SIMD
                // loops run (`GRADIENT_NO_SIMD` set, never).
                let clean = special != 1;
                let must = ((steps && clean) || coords) && crate::simd::available();
                if must && one && plan.dense_ok() && (2..=3).contains(&m) {
                    let mut outs: Vec<&mut [A::Output]> = Vec::new();
                    let mut rest = &mut buf[start..];
                    for _ in 0..m {
                        let (o, r) = std::mem::take(&mut rest).split_at_mut(apart);
                        outs.push(&mut o[..size]);
                        rest = r;
                    }
                    let done = sweep(&plan, &f, order, &mut outs, true);
                    assert!(
                        done,
                        "{} shape {shape:?} axes {axes:?} spacing {sp:?} {order:?}: not taken",
                        std::any::type_name::<A>()
                    );
                }
            }
        }
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut rnd = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..300 {
            run::<f64>(&mut rnd);
            run::<f32>(&mut rnd);
        }
    }

    /// The rows at one-sided ends take the fast form with `h` for `2h`,
    /// and read untested rows the interior's loops vouched for: so with
    /// edge order 1 every loop of the sweep tests with the range for `h`
    /// too, and a value that the range for `2h` takes and the one for `h`
    /// does not (above half the greatest) is refused wherever it lies
    /// (the results then the passes'); with edge order 2 (no such rows) it
    /// is taken. Each type, C and Fortran order.
    #[test]
    fn separate_range_holds_for_the_ends_divisors() {
        fn run<A: Element + crate::num::Real>(top: f64)
        where
            A::Output: Copy + PartialEq + std::fmt::Debug + Default,
        {
            let shape = [5usize, 6, 40];
            let size: usize = shape.iter().product();
            let sp = [Spacing::Uniform(0.1); 3];
            // The greatest input the fast form takes for 0.2 (2h) is
            // `top`, for 0.1 half of it.
            let big = A::from_f64(0.75 * top);
            // Beside the first plane, beside a plane's first row, inside.
            for at in [240 + 41, 2 * 240 + 40 + 3, 2 * 240 + 2 * 40 + 7] {
                for (edge, taken) in [(1, false), (2, true)] {
                    let plan = Plan::new(&shape, &sp, None, edge).unwrap();
                    for order in [Order::C, Order::F] {
                        let mut f: Vec<A> = (0..size)
                            .map(|i| A::from_f64((i % 13) as f64 * 0.5))
                            .collect();
                        f[at] = big;
                        let mut want = vec![vec![A::Output::default(); size]; 3];
                        let mut held: Vec<&mut [A::Output]> =
                            want.iter_mut().map(|o| &mut o[..]).collect();
                        plan.execute_dense_tuned(&f, order, &mut held, (usize::MAX, 0, 0));
                        let mut got = vec![vec![A::Output::default(); size]; 3];
                        let mut outs: Vec<&mut [A::Output]> =
                            got.iter_mut().map(|o| &mut o[..]).collect();
                        let done = sweep(&plan, &f, order, &mut outs, false);
                        let name = std::any::type_name::<A>();
                        // (Never taken without the SIMD loops.)
                        let taken = taken && crate::simd::available();
                        assert_eq!(done, taken, "{name} {order:?} edge {edge} value at {at}");
                        if done {
                            let same = format!("{got:?}") == format!("{want:?}");
                            assert!(same, "{name} {order:?} edge {edge} value at {at}");
                        }
                    }
                }
            }
        }
        run::<f64>(2f64.powi(1020) * 0.1);
        run::<f32>(2f64.powi(124) * 0.1);

        // A step so large that the least input taken depends on it (f64
        // above 2^53, f32 above 2^24), on the first axis only: the rows at
        // its first end take `h` there and 0.2 elsewhere, whose range alone
        // takes what `2h`'s refuses (between the least for `h` and twice
        // it). Such a value in the first plane, which the second plane's
        // loop reads untested with `2h`, is refused there too.
        fn low<A: Element + crate::num::Real>(h: f64, least: f64)
        where
            A::Output: Copy + PartialEq + std::fmt::Debug + Default,
        {
            let shape = [5usize, 6, 40];
            let size: usize = shape.iter().product();
            let sp = [
                Spacing::Uniform(h),
                Spacing::Uniform(0.1),
                Spacing::Uniform(0.1),
            ];
            let plan = Plan::new(&shape, &sp, None, 1).unwrap();
            let mut f: Vec<A> = (0..size)
                .map(|i| A::from_f64((i % 13) as f64 * 0.5))
                .collect();
            f[2 * 40 + 7] = A::from_f64(1.5 * least);
            let mut got = vec![vec![A::Output::default(); size]; 3];
            let mut outs: Vec<&mut [A::Output]> = got.iter_mut().map(|o| &mut o[..]).collect();
            let done = sweep(&plan, &f, Order::C, &mut outs, false);
            assert!(!done, "{}: taken", std::any::type_name::<A>());
        }
        // The least input for divisor h: 2^(emin + 2) h 2^(p + 1).
        let h64 = 1.1e16;
        low::<f64>(h64, 2f64.powi(-1020) * h64 * 2f64.powi(54));
        let h32 = 2e7;
        low::<f32>(h32, 2f64.powi(-124) * h32 * 2f64.powi(25));
    }

    fn grad1(f: &[f64], s: Spacing<'_>, q: usize, opts: &Options) -> Vec<f64> {
        let f = ndarray::Array1::from_vec(f.to_vec());
        gradient_with(&f, &[s], None, q, opts).unwrap()[0].to_vec()
    }

    /// Accuracy p >= 4: polynomials of degree <= q exactly (to rounding),
    /// constants exactly 0, a reversed axis exactly negated.
    #[test]
    fn accuracy_orders_basic_properties() {
        for p in [4usize, 6, 8] {
            let opts = Options::default().accuracy(p);
            for q in 1..=p {
                for n in [p + 1, p + 2, 2 * p + 3] {
                    let x: Vec<f64> = (0..n).map(|i| i as f64 * 0.5).collect();
                    let xs: Vec<f64> = (0..n)
                        .map(|i| i as f64 + 0.3 * ((i * 7 % 5) as f64) / 5.0)
                        .collect();
                    let c = vec![3.25; n];
                    assert!(grad1(&c, Spacing::Uniform(0.1), q, &opts)
                        .iter()
                        .all(|&v| v == 0.0));
                    for deg in 0..=q as i32 {
                        for (grid, kind) in [(&x, 0), (&xs, 1)] {
                            let f: Vec<f64> = grid.iter().map(|t| t.powi(deg)).collect();
                            let s = match kind {
                                0 => Spacing::Uniform(0.5),
                                _ => Spacing::NonUniform(grid),
                            };
                            let g = grad1(&f, s, q, &opts);
                            for (i, (&gi, t)) in g.iter().zip(grid.iter()).enumerate() {
                                let want = deg as f64 * t.powi((deg - 1).max(0));
                                let tol = 1e-9 * (1.0 + want.abs()) * (n as f64).powi(deg);
                                assert!(
                                    (gi - want).abs() <= tol,
                                    "p {p} q {q} n {n} deg {deg} kind {kind} i {i}: {gi} vs {want}"
                                );
                            }
                        }
                    }
                    let f: Vec<f64> = (0..n).map(|i| ((i * 37 % 11) as f64).sin()).collect();
                    let r: Vec<f64> = f.iter().rev().copied().collect();
                    let a = grad1(&f, Spacing::Uniform(0.3), q, &opts);
                    let b = grad1(&r, Spacing::Uniform(0.3), q, &opts);
                    for (u, v) in a.iter().zip(b.iter().rev()) {
                        assert_eq!(u.to_bits(), (-v).to_bits(), "p {p} q {q} n {n}");
                    }
                }
            }
        }
    }

    /// Periodic at p >= 4 is the one-sided result of the array padded with
    /// w wrapped points per side, bit for bit; ghost blocks reassemble the
    /// whole.
    #[test]
    fn accuracy_orders_periodic_and_ghost() {
        for p in [4usize, 6, 8] {
            let w = p / 2;
            let n = 3 * p;
            let f: Vec<f64> = (0..n).map(|i| ((i * 13 % 7) as f64 * 0.7).cos()).collect();
            let x: Vec<f64> = (0..n).map(|i| i as f64 + 0.2 * (i % 3) as f64).collect();
            let period = x[n - 1] - x[0] + 1.1;
            let mut fp = f[n - w..].to_vec();
            fp.extend(&f);
            fp.extend(&f[..w]);
            let mut xp: Vec<f64> = x[n - w..].iter().map(|v| v - period).collect();
            xp.extend(&x);
            xp.extend(x[..w].iter().map(|v| v + period));
            let one = Options::default().accuracy(p);
            let per = one.clone().boundaries(vec![Boundary::Periodic {
                period: Some(period),
            }]);
            for q in [1, p] {
                let a = grad1(&f, Spacing::Uniform(0.7), q, &per);
                let b = grad1(&fp, Spacing::Uniform(0.7), q, &one);
                assert_eq!(a, b[w..n + w].to_vec(), "p {p}");
                let a = grad1(&f, Spacing::Coordinates(&x), q, &per);
                let b = grad1(&fp, Spacing::Coordinates(&xp), q, &one);
                assert_eq!(a, b[w..n + w].to_vec(), "p {p}");
                // Ghost blocks [a, b) with w halo points at each cut.
                for kind in 0..2 {
                    let s = |x: &'static [f64]| match kind {
                        0 => Spacing::Uniform(0.7),
                        _ => Spacing::NonUniform(x),
                    };
                    let xs: &'static [f64] = Box::leak(x.clone().into_boxed_slice());
                    let whole = grad1(&f, s(xs), q, &one);
                    let cuts = [0, p + 1, 2 * p, n];
                    let mut got = Vec::new();
                    for c in cuts.windows(2) {
                        let lo = if c[0] > 0 { c[0] - w } else { 0 };
                        let hi = if c[1] < n { c[1] + w } else { n };
                        let side = |g: bool| if g { Side::Ghost } else { Side::OneSided };
                        let o = one.clone().boundaries(vec![Boundary::Sides {
                            lo: side(c[0] > 0),
                            hi: side(c[1] < n),
                        }]);
                        got.extend(grad1(&f[lo..hi], s(&xs[lo..hi]), q, &o));
                    }
                    assert_eq!(got, whole, "p {p} q {q} kind {kind}");
                }
            }
        }
    }

    #[test]
    fn accuracy_orders_refuse_bad_input() {
        let f = ndarray::Array1::<f64>::zeros(8);
        let e = gradient_with(&f, &[], None, 1, &Options::default().accuracy(3)).unwrap_err();
        assert!(matches!(e, GradientError::InvalidOptions { .. }), "{e}");
        let e = gradient_with(&f, &[], None, 5, &Options::default().accuracy(4)).unwrap_err();
        assert_eq!(e, GradientError::InvalidEdgeOrder(5));
        let e = gradient_with(&f, &[], None, 3, &Options::default()).unwrap_err();
        assert_eq!(e, GradientError::InvalidEdgeOrder(3));
        let e = gradient_with(&f, &[], None, 1, &Options::default().accuracy(8)).unwrap_err();
        assert!(matches!(e, GradientError::ShapeTooSmall { .. }), "{e}");
        assert!(gradient_with(&f, &[], None, 6, &Options::default().accuracy(6)).is_ok());
    }
}
