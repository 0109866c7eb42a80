//! The memory a strided array touches, in plain integer arithmetic.
//!
//! Nothing here dereferences anything: these are the checks the C layer runs
//! on caller-supplied shapes, strides and addresses before it builds a view.

use crate::small::Small;

/// A strided array in memory: a base address, per-dimension extents and
/// byte strides, and the element size in bytes. Only built for arrays with
/// at least one element, after the address range was checked.
#[derive(Clone, Debug, Default)]
pub(crate) struct Region {
    pub base: i128,
    /// (extent, byte stride) of every dimension with extent > 1.
    pub dims: Small<(i128, i128)>,
    pub elem: i128,
}

/// Lowest and highest element offsets (in elements) reached by `strides`
/// over `shape`, or None on i64 overflow. `shape` has no zero extent.
pub(crate) fn offset_range(shape: &[usize], strides: &[i64]) -> Option<(i64, i64)> {
    let (mut lo, mut hi) = (0i64, 0i64);
    for (&n, &s) in shape.iter().zip(strides) {
        let span = i64::try_from(n - 1).ok()?.checked_mul(s)?;
        if span < 0 {
            lo = lo.checked_add(span)?;
        } else {
            hi = hi.checked_add(span)?;
        }
    }
    Some((lo, hi))
}

/// Check that an array of `elem`-byte elements at address `addr` with
/// element `strides` stays inside the address space and inside `isize`
/// byte offsets (what a Rust view needs). Returns the byte offsets
/// `(lo, hi)` of the lowest and highest element. (The calls check in two
/// steps, [`byte_extent`] then [`fits_at`]: a plan knows no address yet.)
#[cfg(test)]
pub(crate) fn byte_range(
    addr: usize,
    shape: &[usize],
    strides: &[i64],
    elem: usize,
) -> Option<(isize, isize)> {
    byte_extent(shape, strides, elem).filter(|&r| fits_at(addr, r, elem))
}

/// The part of `byte_range` that does not depend on the address: the
/// byte offsets `(lo, hi)` of the lowest and highest element, when the
/// whole span fits `isize` offsets.
pub(crate) fn byte_extent(shape: &[usize], strides: &[i64], elem: usize) -> Option<(isize, isize)> {
    let (lo, hi) = offset_range(shape, strides)?;
    let e = isize::try_from(elem).ok()?;
    let lo_b = isize::try_from(lo).ok()?.checked_mul(e)?;
    let hi_b = isize::try_from(hi).ok()?.checked_mul(e)?;
    // The whole span, last element included, must be addressable.
    hi_b.checked_sub(lo_b)?.checked_add(e)?;
    Some((lo_b, hi_b))
}

/// [`byte_extent`] of a non-empty C-contiguous array (NULL strides) whose
/// byte size is known to fit `isize`: no scan of strides.
#[inline]
pub(crate) fn contiguous_extent(shape: &[usize], elem: usize) -> (isize, isize) {
    let count: usize = shape.iter().product();
    (0, (count.saturating_sub(1) * elem) as isize)
}

/// The rest of `byte_range`: whether the extent `(lo, hi)` of
/// [`byte_extent`] at address `addr` stays inside the address space.
#[inline]
pub(crate) fn fits_at(addr: usize, (lo, hi): (isize, isize), elem: usize) -> bool {
    let a = addr as i128;
    a + lo as i128 >= 0 && a + hi as i128 + elem as i128 <= usize::MAX as i128
}

impl Region {
    pub(crate) fn new(addr: usize, shape: &[usize], strides: &[i64], elem: usize) -> Region {
        let elem = elem as i128;
        Region {
            base: addr as i128,
            dims: shape
                .iter()
                .zip(strides)
                .filter(|(&n, _)| n > 1)
                .map(|(&n, &s)| (n as i128, s as i128 * elem))
                .collect(),
            elem,
        }
    }

    /// `[first byte, one past the last byte)`.
    fn bounds(&self) -> (i128, i128) {
        let (mut lo, mut hi) = (self.base, self.base + self.elem);
        for &(n, s) in &self.dims {
            if s < 0 {
                lo += (n - 1) * s;
            } else {
                hi += (n - 1) * s;
            }
        }
        (lo, hi)
    }
}

/// Whether two distinct index tuples of one array can reach overlapping
/// bytes. Exact for the layouts arrays actually have (strides that nest:
/// sorted by size, each at least the span of the smaller ones), conservative
/// otherwise: strides that do not nest are reported as overlapping.
pub(crate) fn self_overlaps(r: &Region) -> bool {
    let mut dims: Small<(i128, i128)> = r.dims.iter().map(|&(n, s)| (n, s.abs())).collect();
    dims.sort_by_key(|&(_, s)| s);
    let mut span = r.elem;
    for &(n, s) in &dims {
        if s < span {
            return true;
        }
        span += s * (n - 1);
    }
    false
}

/// The answer of [`may_overlap`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Overlap {
    Disjoint,
    Overlapping,
    /// The search gave up; treat as overlapping.
    TooHard,
}

/// Whether some element of `a` shares a byte with some element of `b`.
///
/// Exact: it decides whether `addr_a(i) - addr_b(j)` can fall within the
/// element sizes, a bounded linear Diophantine problem (numpy's
/// `solve_may_share_memory` solves the same). Interleaved outputs such as
/// the columns of one `(n, 3)` buffer are disjoint and accepted.
pub(crate) fn may_overlap(a: &Region, b: &Region) -> Overlap {
    let (alo, ahi) = a.bounds();
    let (blo, bhi) = b.bounds();
    if ahi <= blo || bhi <= alo {
        return Overlap::Disjoint;
    }
    // Overlap iff  sum_i sa_i*x_i - sum_j sb_j*y_j - t = b0 - a0 - (ea - 1)
    // with 0 <= x_i < na_i, 0 <= y_j < nb_j, 0 <= t <= ea + eb - 2.
    let mut target = b.base - a.base - (a.elem - 1);
    let mut terms: Vec<(i128, i128)> = Vec::new(); // (coefficient > 0, upper bound)
    let mut push = |c: i128, ub: i128, target: &mut i128| {
        if c == 0 || ub == 0 {
            return;
        }
        if c < 0 {
            // c*x = c*ub + |c|*(ub - x)
            *target -= c * ub;
            terms.push((-c, ub));
        } else {
            terms.push((c, ub));
        }
    };
    for &(n, s) in &a.dims {
        push(s, n - 1, &mut target);
    }
    for &(n, s) in &b.dims {
        push(-s, n - 1, &mut target);
    }
    push(-1, a.elem + b.elem - 2, &mut target);
    let mut budget = 200_000u32;
    match solve(&mut terms, target, &mut budget) {
        Some(true) => Overlap::Overlapping,
        Some(false) => Overlap::Disjoint,
        None => Overlap::TooHard,
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

/// Inverse of `a` modulo `m` (`gcd(a, m) == 1`, `m >= 1`).
fn mod_inverse(a: i128, m: i128) -> i128 {
    let (mut r0, mut r1) = (a.rem_euclid(m), m);
    let (mut s0, mut s1) = (1i128, 0i128);
    while r1 != 0 {
        let q = r0 / r1;
        (r0, r1) = (r1, r0 - q * r1);
        (s0, s1) = (s1, s0 - q * s1);
    }
    s0.rem_euclid(m)
}

/// Is there `0 <= x_k <= ub_k` with `sum c_k x_k == target`? None when the
/// work budget runs out.
fn solve(terms: &mut [(i128, i128)], target: i128, budget: &mut u32) -> Option<bool> {
    // Smallest coefficients first: each level must leave a remainder the
    // larger coefficients can divide, which pins x_k modulo a step.
    terms.sort();
    let m = terms.len();
    let mut rest = vec![0i128; m + 1]; // max sum of terms k..
    let mut g = vec![0i128; m + 1]; // gcd of coefficients k..
    for k in (0..m).rev() {
        rest[k] = rest[k + 1] + terms[k].0 * terms[k].1;
        g[k] = gcd(terms[k].0, g[k + 1]);
    }
    dfs(terms, &rest, &g, 0, target, budget)
}

fn dfs(
    terms: &[(i128, i128)],
    rest: &[i128],
    g: &[i128],
    k: usize,
    t: i128,
    budget: &mut u32,
) -> Option<bool> {
    if t < 0 || t > rest[k] {
        return Some(false);
    }
    if k == terms.len() {
        return Some(t == 0);
    }
    if t % g[k] != 0 {
        return Some(false);
    }
    *budget = budget.checked_sub(1)?;
    let (c, ub) = terms[k];
    let lo = (t - rest[k + 1]).max(0);
    let x_min = (lo + c - 1) / c;
    let x_max = ub.min(t / c);
    if x_min > x_max {
        return Some(false);
    }
    let gn = g[k + 1];
    if gn == 0 {
        // Last term: x is exactly t / c.
        return Some(t % c == 0 && (x_min..=x_max).contains(&(t / c)));
    }
    let (first, step) = {
        // c*x == t (mod gn)
        let d = gcd(c, gn);
        if t % d != 0 {
            return Some(false);
        }
        let md = gn / d;
        let x0 = ((t / d).rem_euclid(md) * mod_inverse(c / d, md)).rem_euclid(md);
        (x0, md)
    };
    // Candidates first + j*step within [x_min, x_max].
    let mut x = if first >= x_min {
        first - (first - x_min) / step * step
    } else {
        first + (x_min - first + step - 1) / step * step
    };
    while x <= x_max {
        if dfs(terms, rest, g, k + 1, t - c * x, budget)? {
            return Some(true);
        }
        *budget = budget.checked_sub(1)?;
        x += step;
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(base: i128, dims: &[(i128, i128)], elem: i128) -> Region {
        Region {
            base,
            dims: dims.into(),
            elem,
        }
    }

    /// Brute force: do any bytes coincide?
    fn brute(a: &Region, b: &Region) -> bool {
        fn bytes(r: &Region) -> Vec<i128> {
            let mut v = vec![r.base];
            for &(n, s) in &r.dims {
                v = v
                    .iter()
                    .flat_map(|&o| (0..n).map(move |i| o + i * s))
                    .collect();
            }
            v.iter().flat_map(|&o| o..o + r.elem).collect()
        }
        let bb = bytes(b);
        bytes(a).iter().any(|x| bb.contains(x))
    }

    #[test]
    fn interleaved_columns_are_disjoint() {
        let n = 1_000_000;
        let a = reg(0, &[(n, 24)], 8);
        for k in 1..3 {
            let b = reg(8 * k, &[(n, 24)], 8);
            assert_eq!(may_overlap(&a, &b), Overlap::Disjoint);
        }
        let b = reg(4, &[(n, 24)], 8);
        assert_eq!(may_overlap(&a, &b), Overlap::Overlapping);
    }

    #[test]
    fn agrees_with_brute_force() {
        let mut seed = 12345u64;
        let mut rnd = |m: i128| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as i128) % m
        };
        for _ in 0..3000 {
            let mut r = || {
                let nd = rnd(3) as usize + 1;
                let elem = [1, 2, 4, 8, 16][rnd(5) as usize];
                let dims = (0..nd)
                    .map(|_| (rnd(4) + 1, (rnd(41) - 20) * [1, 2, 4, 8][rnd(4) as usize]))
                    .collect::<Vec<_>>();
                reg(rnd(64), &dims, elem)
            };
            let (a, b) = (r(), r());
            let want = brute(&a, &b);
            let got = may_overlap(&a, &b);
            assert_eq!(got == Overlap::Overlapping, want, "{a:?} {b:?} {got:?}");
        }
    }

    #[test]
    fn self_overlap_of_common_layouts() {
        // C order 3x4 doubles, Fortran order, reversed, interleaved column.
        assert!(!self_overlaps(&reg(0, &[(3, 32), (4, 8)], 8)));
        assert!(!self_overlaps(&reg(0, &[(3, 8), (4, 24)], 8)));
        assert!(!self_overlaps(&reg(0, &[(3, -32), (4, -8)], 8)));
        assert!(!self_overlaps(&reg(0, &[(5, 24)], 8)));
        // Stride smaller than the element, or two dims hitting the same bytes.
        assert!(self_overlaps(&reg(0, &[(5, 4)], 8)));
        assert!(self_overlaps(&reg(0, &[(2, 8), (2, 8)], 8)));
    }

    #[test]
    fn ranges_refuse_overflow() {
        assert_eq!(offset_range(&[3], &[i64::MAX]), None);
        assert_eq!(byte_range(0x1000, &[3], &[1 << 62], 8), None);
        assert_eq!(byte_range(8, &[3], &[-1], 8), None); // below address 0
        assert_eq!(byte_range(0x1000, &[3, 2], &[2, -1], 8), Some((-8, 32)));
    }
}
