//! # gradient
//!
//! numpy.gradient, bit for bit, as a Rust library with a C ABI.
//!
//! The crate has three layers, each using only the one beneath it:
//!
//! 1. the kernels (private): one pass per output, the contiguous dimension
//!    innermost whatever the axis, no allocation;
//! 2. the safe API on ndarray views: [`gradient`], [`gradient_into`] and
//!    [`Plan`];
//! 3. the C ABI in [`ffi`] (`include/gradient.h`).
//!
//! `unsafe` code lives in `ffi` and in one small private module of SIMD
//! intrinsics (chosen at run time, with the portable loops as fallback).
//!
//! ```
//! use gradient::{gradient, Spacing};
//! use ndarray::array;
//!
//! let f = array![[1.0, 2.0, 6.0], [3.0, 4.0, 5.0]];
//! let x = [1.0, 1.5, 3.5];
//! let g = gradient(&f, &[Spacing::Uniform(2.0), Spacing::Coordinates(&x)], None, 1)?;
//! assert_eq!(g[0], array![[1.0, 1.0, -0.5], [1.0, 1.0, -0.5]]);
//! assert_eq!(g[1], array![[2.0, 2.0, 2.0], [2.0, 1.6999999999999993, 0.5]]);
//! # Ok::<(), gradient::GradientError>(())
//! ```
//!
//! ## Exactness
//!
//! Results are bit-identical to `numpy.gradient` (numpy >= 2.0) under
//! numpy's own precision rules: a step is a Python float (float32 data
//! computes in float32), coordinates are a float64 array (float32 data
//! computes in double and rounds once), integers are converted to f64 as
//! they are read, complex numbers follow numpy's complex arithmetic.
//! `docs/numerics.md` in the repository (and in `share/doc/gradient/docs/` after
//! `make install`) gives the formulas, their order of operations and the
//! precision rules; `docs/reference.md` is the C API reference (every symbol
//! of `gradient.h`, the order arguments are checked in, ownership, thread
//! safety and the stability policy).
//!
//! ## Beyond numpy: accuracy orders 4, 6 and 8
//!
//! [`Options::accuracy`] selects the central stencil of order 4, 6 or 8,
//! with `edge_order` 1 to p near the ends (windows anchored at the edge).
//! Steps use exact integer weights over one denominator, so results are
//! reproducible to the bit and a reversed axis gives the negated result;
//! coordinates use Fornberg's weights in double. [`Spacing::NonUniform`]
//! keeps coordinates from being reduced to a step (for blocks of a
//! decomposed axis). `docs/accuracy.md` gives the rules.
//!
//! ```
//! use gradient::{gradient_with, Options, Spacing};
//! use ndarray::Array1;
//!
//! let f = Array1::from_iter((0..9).map(|i| (i as f64).powi(4)));
//! let g = gradient_with(&f, &[Spacing::Unit], None, 6, &Options::default().accuracy(6))?;
//! // a quartic is differentiated exactly up to the rounding of 1/(60 h)
//! assert!((g[0][4] - 4.0 * 64.0).abs() < 1e-12);
//! # Ok::<(), gradient::GradientError>(())
//! ```
//!
//! ## Where it differs from numpy
//!
//! It refuses what numpy silently turns into garbage: an `edge_order` other
//! than 1 or 2 (1 to p at accuracy p), 0-d input, a step that is 0, NaN or infinite, coordinates
//! that are not finite or not strictly monotonic. Data are never validated:
//! NaN and infinity propagate as in numpy.
#![deny(unsafe_op_in_unsafe_fn)]

mod api;
mod error;
pub mod ffi;
mod kernel;
mod num;
mod simd;
mod small;
mod stencil;

pub use api::{
    gradient, gradient_into, gradient_with, Boundary, Options, Plan, Side, Spacing, MAX_NDIM,
};
pub use error::GradientError;
pub use num::{Element, Num, Real};
pub use num_complex::Complex;
