//! Finite-difference weights for the accuracy orders 4, 6 and 8.
//!
//! * [`exact`]: the exact weights of a stencil on an evenly spaced grid, as
//!   integer numerators over their least common denominator (computed with
//!   exact rational arithmetic, never with floating point);
//! * [`fornberg`]: the weights on arbitrary coordinates, by Fornberg's
//!   recurrence in double precision.
//!
//! Both follow the same window rule ([`window`]): the interior uses the
//! central `p + 1` points, a point near a one-sided end the `q + 1`
//! consecutive points starting at `max(0, i - floor(q / 2))`.

pub(crate) mod exact;
pub(crate) mod fornberg;

/// The most points a window holds: `p + 1` for `p = 8`.
pub(crate) const MAX_POINTS: usize = 9;

/// The window of near-edge point `i` (`0 <= i < p / 2`) for edge order `q`:
/// its first point `s` and its `q + 1` points `s ..= s + q`.
#[inline]
pub(crate) fn window(i: usize, q: usize) -> usize {
    i.saturating_sub(q / 2)
}
