//! First-derivative weights on arbitrary coordinates (Fornberg's
//! recurrence, in double precision).

use super::MAX_POINTS;

/// The weights of the nodes `t` (coordinates already taken relative to the
/// point of evaluation, which is at 0) for the first derivative at 0.
/// `t` holds 2 to [`MAX_POINTS`] distinct finite values.
#[inline]
pub(crate) fn weights(t: &[f64]) -> [f64; MAX_POINTS] {
    let len = t.len();
    debug_assert!((2..=MAX_POINTS).contains(&len));
    // c0[j], c1[j]: weights of node j for the value and the first derivative.
    let mut c0 = [0.0f64; MAX_POINTS];
    let mut c1 = [0.0f64; MAX_POINTS];
    let mut a = 1.0f64;
    let mut c4 = t[0];
    c0[0] = 1.0;
    for i in 1..len {
        let mut c2 = 1.0f64;
        let c5 = c4;
        c4 = t[i];
        for j in 0..i {
            let c3 = t[i] - t[j];
            c2 *= c3;
            if j == i - 1 {
                c1[i] = a * (c0[i - 1] - c5 * c1[i - 1]) / c2;
                c0[i] = -a * c5 * c0[i - 1] / c2;
            }
            c1[j] = (c4 * c1[j] - c0[j]) / c3;
            c0[j] = c4 * c0[j] / c3;
        }
        a = c2;
    }
    c1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_nodes_give_the_central_weights() {
        let w = weights(&[-2.0, -1.0, 0.0, 1.0, 2.0]);
        let want = [1.0 / 12.0, -8.0 / 12.0, 0.0, 8.0 / 12.0, -1.0 / 12.0];
        for (g, e) in w.iter().zip(want) {
            assert!((g - e).abs() < 1e-15, "{w:?}");
        }
    }

    #[test]
    fn uneven_nodes_differentiate_polynomials() {
        let t = [-0.7, -0.31, 0.0, 0.2, 0.93, 1.4];
        let w = weights(&t);
        for deg in 0..6i32 {
            let got: f64 = t.iter().zip(&w).map(|(x, w)| w * x.powi(deg)).sum();
            let want = if deg == 1 { 1.0 } else { 0.0 };
            assert!((got - want).abs() < 1e-12, "degree {deg}: {got}");
        }
    }
}
