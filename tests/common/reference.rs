//! A plain reference for numpy.gradient: numpy's formulas (docs/numerics.md) evaluated one output
//! element at a time, straight from the formulas, with none of the
//! library's machinery (no plans, no lanes or rows, no views, no threads).
//!
//! * f64 data (and integer data converted to f64) compute in f64: every
//!   operator below is one IEEE rounding, in the order docs/numerics.md writes it, so
//!   the library must match bit for bit.
//! * f32 data follow docs/numerics.md's precision rules: with a step (`Unit`/`Uniform`) every operation
//!   is a float32 operation (evaluated here in f64 and rounded to f32 after
//!   each operator, which gives the float32 result exactly: double rounding
//!   through binary64 is innocuous for +, -, *, / of binary32 operands);
//!   with coordinates the differences of `f` are float32, everything else
//!   f64, rounded once to f32.
//! * Boundaries by their definitions in docs/numerics.md: PERIODIC = numpy on the
//!   array padded with one wrapped point per side, pad removed; GHOST =
//!   numpy on the whole array, restricted to the owned region.
//!
//! Validation mirrors docs/numerics.md and the checking order of docs/reference.md and answers with the C
//! ABI's status codes, so a test can check that the library refuses exactly
//! what the reference refuses, with the same status.

use ndarray::{ArrayD, ArrayViewD, Axis, Dimension, IxDyn, Slice};

pub const OK: i32 = 0;
pub const INVALID_NDIM: i32 = 2;
pub const INVALID_AXIS: i32 = 5;
pub const INVALID_SPACING: i32 = 6;
pub const INVALID_EDGE_ORDER: i32 = 7;
pub const SHAPE_TOO_SMALL: i32 = 8;
pub const INVALID_OPTIONS: i32 = 12;

#[derive(Clone, Debug, PartialEq)]
pub enum RSpacing {
    Unit,
    Uniform(f64),
    Coords(Vec<f64>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RBoundary {
    OneSided,
    Periodic(Option<f64>),
    /// (low side is a ghost, high side is a ghost)
    Sides(bool, bool),
}

#[derive(Clone, Debug, PartialEq)]
pub struct RCall {
    pub spacing: Vec<RSpacing>,
    pub axes: Option<Vec<isize>>,
    pub edge_order: i64,
    /// Empty = one-sided everywhere, else one per differentiated axis.
    pub boundaries: Vec<RBoundary>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Prec {
    F64,
    F32,
}

/// What a validated call does on one axis.
#[derive(Clone, Debug)]
struct AxisPlan {
    axis: usize,
    spacing: RSpacing,
    boundary: RBoundary,
}

/// A validated call.
#[derive(Clone, Debug)]
pub struct Resolved {
    plans: Vec<AxisPlan>,
    pub axes: Vec<usize>,
    pub out_shape: Vec<usize>,
    ghost_lo: Vec<usize>,
    edge2: bool,
}

fn ghosts(b: &RBoundary) -> (usize, usize) {
    match *b {
        RBoundary::Sides(lo, hi) => (lo as usize, hi as usize),
        _ => (0, 0),
    }
}

/// docs/numerics.md and the boundary rules, in the checking order of docs/reference.md; Err(status).
pub fn validate(shape: &[usize], call: &RCall) -> Result<Resolved, i32> {
    let ndim = shape.len();
    if ndim == 0 || ndim > 64 {
        return Err(INVALID_NDIM);
    }
    // axes
    let axes: Vec<usize> = match &call.axes {
        None => (0..ndim).collect(),
        Some(list) => {
            if list.len() > ndim {
                return Err(INVALID_AXIS);
            }
            let mut v = Vec::new();
            for &a in list {
                let n = ndim as isize;
                if a < -n || a >= n {
                    return Err(INVALID_AXIS);
                }
                let a = if a < 0 { a + n } else { a } as usize;
                if v.contains(&a) {
                    return Err(INVALID_AXIS);
                }
                v.push(a);
            }
            v
        }
    };
    let naxes = axes.len();
    // spacing count
    let ns = call.spacing.len();
    let count_ok = match ns {
        0 => true,
        1 => naxes == 1 || !matches!(call.spacing[0], RSpacing::Coords(_)),
        n => n == naxes,
    };
    if !count_ok {
        return Err(INVALID_SPACING);
    }
    // each entry
    for (k, s) in call.spacing.iter().enumerate() {
        match s {
            RSpacing::Unit => {}
            RSpacing::Uniform(h) => {
                if !h.is_finite() || *h == 0.0 {
                    return Err(INVALID_SPACING);
                }
            }
            RSpacing::Coords(x) => {
                if x.len() != shape[axes[k]] || x.iter().any(|v| !v.is_finite()) {
                    return Err(INVALID_SPACING);
                }
                if x.len() >= 2 {
                    let up = x[1] > x[0];
                    for w in x.windows(2) {
                        let ok = if up { w[1] > w[0] } else { w[1] < w[0] };
                        if !ok || !(w[1] - w[0]).is_finite() {
                            return Err(INVALID_SPACING);
                        }
                    }
                }
            }
        }
    }
    // edge_order
    if call.edge_order != 1 && call.edge_order != 2 {
        return Err(INVALID_EDGE_ORDER);
    }
    let e = call.edge_order as usize;
    let entry = |k: usize| match ns {
        0 => RSpacing::Unit,
        1 => call.spacing[0].clone(),
        _ => call.spacing[k].clone(),
    };
    // options: boundaries and periods
    let boundaries = if call.boundaries.is_empty() {
        vec![RBoundary::OneSided; naxes]
    } else if call.boundaries.len() != naxes {
        return Err(INVALID_OPTIONS);
    } else {
        call.boundaries.clone()
    };
    for (k, b) in boundaries.iter().enumerate() {
        if let (RBoundary::Periodic(period), RSpacing::Coords(x)) = (b, entry(k)) {
            let Some(p) = *period else {
                return Err(INVALID_OPTIONS);
            };
            let n = x.len();
            let span = if n > 0 { (x[n - 1] - x[0]).abs() } else { 0.0 };
            if !(p.is_finite() && p > 0.0 && p > span) {
                return Err(INVALID_OPTIONS);
            }
            if n >= 1 {
                let xp = padded_coords(&x, p);
                let (first, last) = (xp[1] - xp[0], xp[n + 1] - xp[n]);
                let sign = if n >= 2 { (x[1] - x[0]).signum() } else { 1.0 };
                if !(first.is_finite()
                    && last.is_finite()
                    && first * sign > 0.0
                    && last * sign > 0.0)
                {
                    return Err(INVALID_OPTIONS);
                }
            }
        }
    }
    // axis lengths
    for (&a, b) in axes.iter().zip(&boundaries) {
        let n = shape[a];
        let (lo, hi) = ghosts(b);
        if lo + hi == 0 {
            if n < e + 1 {
                return Err(SHAPE_TOO_SMALL);
            }
        } else if n < lo + hi + 1 || (lo + hi < 2 && n < e + 1) {
            return Err(INVALID_OPTIONS);
        }
    }
    let mut out_shape = shape.to_vec();
    let mut ghost_lo = vec![0; ndim];
    for (&a, b) in axes.iter().zip(&boundaries) {
        let (lo, hi) = ghosts(b);
        out_shape[a] -= lo + hi;
        ghost_lo[a] = lo;
    }
    let plans = axes
        .iter()
        .enumerate()
        .map(|(k, &axis)| AxisPlan {
            axis,
            spacing: entry(k),
            boundary: boundaries[k],
        })
        .collect();
    Ok(Resolved {
        plans,
        axes,
        out_shape,
        ghost_lo,
        edge2: e == 2,
    })
}

/// `[x[n-1] - P, x..., x[0] + P]`, `P` signed like the coordinates.
fn padded_coords(x: &[f64], period: f64) -> Vec<f64> {
    let n = x.len();
    let p = if n > 1 && x[1] < x[0] {
        -period
    } else {
        period
    };
    let mut v = vec![x[n - 1] - p];
    v.extend_from_slice(x);
    v.push(x[0] + p);
    v
}

/// numpy's resolution of one axis' spacing (A1).
enum Rule1 {
    /// A Python float step (float32 data compute in float32).
    Step(f64),
    /// Evenly spaced coordinates: a float64 scalar step.
    CoordStep(f64),
    /// Coordinate differences.
    NonUniform(Vec<f64>),
}

fn rule1(s: &RSpacing) -> Rule1 {
    match s {
        RSpacing::Unit => Rule1::Step(1.0),
        RSpacing::Uniform(h) => Rule1::Step(*h),
        RSpacing::Coords(x) => {
            let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
            if d.iter().all(|&v| v == d[0]) {
                Rule1::CoordStep(d[0])
            } else {
                Rule1::NonUniform(d)
            }
        }
    }
}

/// numpy.gradient of the 1-d array `f` at point `i`, docs/numerics.md, rounded to
/// the output precision (returned as f64).
fn point(f: &[f64], i: usize, rule: &Rule1, edge2: bool, prec: Prec) -> f64 {
    let n = f.len();
    let r32 = |x: f64| x as f32 as f64;
    let out = |x: f64| if prec == Prec::F32 { r32(x) } else { x };
    match *rule {
        Rule1::Step(h) if prec == Prec::F32 => {
            // every operator a float32 operation; coefficients from double
            let q = r32;
            if i > 0 && i < n - 1 {
                q(q(f[i + 1] - f[i - 1]) / q(2.0 * h))
            } else if !edge2 {
                if i == 0 {
                    q(q(f[1] - f[0]) / q(h))
                } else {
                    q(q(f[n - 1] - f[n - 2]) / q(h))
                }
            } else if i == 0 {
                let (a, b, c) = (q(-1.5 / h), q(2.0 / h), q(-0.5 / h));
                q(q(q(a * f[0]) + q(b * f[1])) + q(c * f[2]))
            } else {
                let (a, b, c) = (q(0.5 / h), q(-2.0 / h), q(1.5 / h));
                q(q(q(a * f[n - 3]) + q(b * f[n - 2])) + q(c * f[n - 1]))
            }
        }
        Rule1::Step(h) | Rule1::CoordStep(h) => {
            // f64 data: all f64. f32 data with a float64 step: differences
            // of f in float32, the rest in double, one rounding at the store.
            let diff = |a: f64, b: f64| out(a - b);
            if i > 0 && i < n - 1 {
                out(diff(f[i + 1], f[i - 1]) / (2.0 * h))
            } else if !edge2 {
                if i == 0 {
                    out(diff(f[1], f[0]) / h)
                } else {
                    out(diff(f[n - 1], f[n - 2]) / h)
                }
            } else if i == 0 {
                out((((-1.5 / h) * f[0]) + ((2.0 / h) * f[1])) + ((-0.5 / h) * f[2]))
            } else {
                out((((0.5 / h) * f[n - 3]) + ((-2.0 / h) * f[n - 2])) + ((1.5 / h) * f[n - 1]))
            }
        }
        Rule1::NonUniform(ref d) => {
            let diff = |a: f64, b: f64| out(a - b);
            if i > 0 && i < n - 1 {
                let (h1, h2) = (d[i - 1], d[i]);
                let a = (-h2) / (h1 * (h1 + h2));
                let b = (h2 - h1) / (h1 * h2);
                let c = h1 / (h2 * (h1 + h2));
                out(((a * f[i - 1]) + (b * f[i])) + (c * f[i + 1]))
            } else if !edge2 {
                if i == 0 {
                    out(diff(f[1], f[0]) / d[0])
                } else {
                    out(diff(f[n - 1], f[n - 2]) / d[n - 2])
                }
            } else if i == 0 {
                let (h1, h2) = (d[0], d[1]);
                let a = (-((2.0 * h1) + h2)) / (h1 * (h1 + h2));
                let b = (h1 + h2) / (h1 * h2);
                let c = (-h1) / (h2 * (h1 + h2));
                out(((a * f[0]) + (b * f[1])) + (c * f[2]))
            } else {
                let (h1, h2) = (d[n - 3], d[n - 2]);
                let a = h2 / (h1 * (h1 + h2));
                let b = (-(h2 + h1)) / (h1 * h2);
                let c = ((2.0 * h2) + h1) / (h2 * (h1 + h2));
                out(((a * f[n - 3]) + (b * f[n - 2])) + (c * f[n - 1]))
            }
        }
    }
}

/// Output `plan` along one whole input lane: `m` owned points starting at
/// input point `lo`.
fn lane_values(
    lane: &[f64],
    lo: usize,
    m: usize,
    plan: &AxisPlan,
    edge2: bool,
    prec: Prec,
) -> Vec<f64> {
    match plan.boundary {
        RBoundary::Periodic(period) => {
            let n = lane.len();
            let mut padded = vec![lane[n - 1]];
            padded.extend_from_slice(lane);
            padded.push(lane[0]);
            let spacing = match &plan.spacing {
                RSpacing::Coords(x) => RSpacing::Coords(padded_coords(x, period.unwrap())),
                s => s.clone(),
            };
            let rule = rule1(&spacing);
            (0..m)
                .map(|g| point(&padded, g + 1, &rule, edge2, prec))
                .collect()
        }
        _ => {
            let rule = rule1(&plan.spacing);
            (lo..lo + m)
                .map(|g| point(lane, g, &rule, edge2, prec))
                .collect()
        }
    }
}

/// The reference gradient of `f` (values as f64: f64 data, or f32 data with
/// `Prec::F32`, or integers converted). Outputs hold the results rounded to
/// the output precision.
pub fn gradient(
    f: &ArrayViewD<'_, f64>,
    call: &RCall,
    prec: Prec,
) -> Result<Vec<ArrayD<f64>>, i32> {
    let shape = f.shape().to_vec();
    let r = validate(&shape, call)?;
    let mut outs = Vec::new();
    for plan in &r.plans {
        let a = plan.axis;
        // the owned region of every other dimension, the whole axis
        let mut fv = f.view();
        for d in 0..shape.len() {
            if d != a {
                let lo = r.ghost_lo[d];
                fv.slice_axis_inplace(Axis(d), Slice::from(lo..lo + r.out_shape[d]));
            }
        }
        let mut o = ArrayD::zeros(IxDyn(&r.out_shape));
        let m = r.out_shape[a];
        for (mut ol, fl) in o.lanes_mut(Axis(a)).into_iter().zip(fv.lanes(Axis(a))) {
            let lane = fl.to_vec();
            let v = lane_values(&lane, r.ghost_lo[a], m, plan, r.edge2, prec);
            for (dst, x) in ol.iter_mut().zip(v) {
                *dst = x;
            }
        }
        outs.push(o);
    }
    Ok(outs)
}

/// Bit-identical, treating every NaN as equal to every NaN.
pub fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// The first position where `got` and `want` differ, if any.
pub fn first_difference(got: &ArrayViewD<'_, f64>, want: &ArrayViewD<'_, f64>) -> Option<String> {
    if got.shape() != want.shape() {
        return Some(format!("shape {:?} != {:?}", got.shape(), want.shape()));
    }
    got.indexed_iter()
        .zip(want.iter())
        .find(|((_, &g), &w)| !same(g, w))
        .map(|((i, &g), &w)| {
            format!(
                "at {:?}: got {g:e} ({:#x}), want {w:e} ({:#x})",
                i.slice(),
                g.to_bits(),
                w.to_bits()
            )
        })
}
