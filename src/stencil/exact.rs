//! Exact first-derivative weights on an evenly spaced grid.
//!
//! The weights of the nodes `t_0 < ... < t_k` (integers, in units of the
//! step) for the derivative at 0 are rational. They are computed here with
//! Fornberg's recurrence in exact rational arithmetic (`i128` numerators
//! and denominators, reduced at every step: the windows have at most nine
//! points, so nothing comes near overflow) and returned as integer
//! numerators `n_j` over their least common positive denominator `D`.

use super::MAX_POINTS;

/// A reduced fraction with a positive denominator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Q {
    n: i128,
    d: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Q {
    const ZERO: Q = Q { n: 0, d: 1 };

    fn new(n: i128, d: i128) -> Q {
        assert!(d != 0, "a zero denominator in an exact stencil");
        let g = gcd(n, d).max(1) * d.signum();
        Q { n: n / g, d: d / g }
    }
    fn int(n: i128) -> Q {
        Q { n, d: 1 }
    }
    fn add(self, o: Q) -> Q {
        Q::new(self.n * o.d + o.n * self.d, self.d * o.d)
    }
    fn sub(self, o: Q) -> Q {
        self.add(Q::new(-o.n, o.d))
    }
    fn mul(self, o: Q) -> Q {
        Q::new(self.n * o.n, self.d * o.d)
    }
    fn div(self, o: Q) -> Q {
        Q::new(self.n * o.d, self.d * o.n)
    }
}

/// Integer weights `n_j / d` of a stencil.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Exact {
    /// Numerators, `len` of them used.
    pub n: [i64; MAX_POINTS],
    pub len: usize,
    /// The least common positive denominator.
    pub d: i64,
}

/// The exact first-derivative weights at node offset 0 of the nodes
/// `t[0..len]` (distinct integers).
pub(crate) fn weights(t: &[i64]) -> Exact {
    let len = t.len();
    assert!((2..=MAX_POINTS).contains(&len), "a window of {len} points");
    // Fornberg (1988), derivative orders 0 and 1, evaluated at z = 0.
    let mut c = [[Q::ZERO; 2]; MAX_POINTS];
    let x = |j: usize| Q::int(t[j] as i128);
    let mut c1 = Q::int(1);
    let mut c4 = x(0);
    c[0][0] = Q::int(1);
    for i in 1..len {
        let mut c2 = Q::int(1);
        let c5 = c4;
        c4 = x(i);
        for j in 0..i {
            let c3 = x(i).sub(x(j));
            c2 = c2.mul(c3);
            if j == i - 1 {
                c[i][1] = c1.mul(c[i - 1][0].sub(c5.mul(c[i - 1][1]))).div(c2);
                c[i][0] = Q::ZERO.sub(c1.mul(c5).mul(c[i - 1][0])).div(c2);
            }
            c[j][1] = c4.mul(c[j][1]).sub(c[j][0]).div(c3);
            c[j][0] = c4.mul(c[j][0]).div(c3);
        }
        c1 = c2;
    }
    let lcm = (0..len).fold(1i128, |l, j| l / gcd(l, c[j][1].d) * c[j][1].d);
    let mut n = [0i64; MAX_POINTS];
    for j in 0..len {
        n[j] = i64::try_from(c[j][1].n * (lcm / c[j][1].d)).expect("small stencil numerators");
    }
    Exact {
        n,
        len,
        d: i64::try_from(lcm).expect("small stencil denominator"),
    }
}

/// The central weights of order `p` (4, 6 or 8): `m_k` for `k = 1..=p/2`
/// (the weight of `f[i+k]`; `f[i-k]` has `-m_k`) and their denominator.
pub(crate) fn central(p: usize) -> ([i64; 4], i64) {
    let w = (p / 2) as i64;
    let t: Vec<i64> = (-w..=w).collect();
    let e = weights(&t);
    let mut m = [0i64; 4];
    for k in 1..=w as usize {
        m[k - 1] = e.n[w as usize + k];
    }
    (m, e.d)
}

/// The weights of near-edge point `i` for edge order `q`: the window's first
/// point `s` and the weights of points `s ..= s + q`.
pub(crate) fn near_edge(i: usize, q: usize) -> (usize, Exact) {
    let s = super::window(i, q);
    let t: Vec<i64> = (0..=q).map(|j| (s + j) as i64 - i as i64).collect();
    (s, weights(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn central_tables() {
        assert_eq!(central(4), ([8, -1, 0, 0], 12));
        assert_eq!(central(6), ([45, -9, 1, 0], 60));
        assert_eq!(central(8), ([672, -168, 32, -3], 840));
    }

    #[test]
    fn numpy_orders_one_and_two() {
        // edge_order 1 and 2 at point 0: numpy's one-sided formulas.
        let (s, e) = near_edge(0, 1);
        assert_eq!((s, &e.n[..2], e.d), (0, &[-1, 1][..], 1));
        let (s, e) = near_edge(0, 2);
        assert_eq!((s, &e.n[..3], e.d), (0, &[-3, 4, -1][..], 2));
    }

    #[test]
    fn edge_anchored_order_eight() {
        // Point 3 of order 8 uses the window 0..=8; its weights sum to zero
        // and differentiate t exactly.
        let (s, e) = near_edge(3, 8);
        assert_eq!((s, e.len), (0, 9));
        let sum: i64 = e.n[..9].iter().sum();
        assert_eq!(sum, 0);
        let moment: i64 = (0..9).map(|j| e.n[j] * (j as i64 - 3)).sum();
        assert_eq!(moment, e.d);
        // sum |w| = 2506/840, about 3 (in units of 1/h), far below the 78 of
        // a window that starts at the point itself.
        let abs: i64 = e.n[..9].iter().map(|v| v.abs()).sum();
        assert_eq!((abs, e.d), (2506, 840));
        let t: Vec<i64> = (0..9).collect();
        let own = weights(&t);
        let abs: i64 = own.n[..9].iter().map(|v| v.abs()).sum();
        assert!(abs > 77 * own.d && abs < 79 * own.d, "{abs}/{}", own.d);
    }

    #[test]
    fn weights_are_exact_for_polynomials() {
        for q in 1..=8usize {
            for i in 0..4usize {
                let (s, e) = near_edge(i, q);
                for deg in 0..=q as u32 {
                    let got: i128 = (0..=q)
                        .map(|j| e.n[j] as i128 * ((s + j) as i128 - i as i128).pow(deg))
                        .sum();
                    let want = if deg == 1 { e.d as i128 } else { 0 };
                    assert_eq!(got, want, "q {q} i {i} degree {deg}");
                }
            }
        }
    }
}
