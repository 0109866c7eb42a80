//! The fma quotient against true division, bit for bit: random pairs and
//! adversarial ones, in float64 and float32, through the scalar form and
//! through the SIMD loop (when this machine has it).
//!
//! `GRADIENT_DIV_PAIRS` sets the number of random pairs per type for the
//! SIMD loop (default 10^8, what scripts/test.sh runs); the scalar form
//! checks a tenth of that with a fresh random divisor for every pair.

use super::*;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn pairs() -> u64 {
    std::env::var("GRADIENT_DIV_PAIRS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000_000)
}

macro_rules! suite {
    ($modname:ident, $t:ty, $u:ty, $bits:expr, $p:expr, $bexp:expr) => {
        mod $modname {
            use super::*;
            type T = $t;
            const MANT: u32 = $p - 1;
            const EXP_BITS: u32 = $bits - 1 - MANT;
            const BIAS: i64 = (1 << (EXP_BITS - 1)) - 1;

            fn from(u: u64) -> T {
                <T>::from_bits(u as $u)
            }
            fn up(x: T) -> T {
                if x == 0.0 {
                    from(1)
                } else if x > 0.0 {
                    <T>::from_bits(x.to_bits() + 1)
                } else {
                    <T>::from_bits(x.to_bits() - 1)
                }
            }
            fn down(x: T) -> T {
                -up(-x)
            }
            /// A number with a random significand and sign and a biased
            /// exponent drawn from [e0, e1].
            fn with_exp(rng: &mut Rng, e0: i64, e1: i64) -> T {
                let r = rng.next();
                let e = e0 + (r % (e1 - e0 + 1) as u64) as i64;
                let m = rng.next() & ((1u64 << MANT) - 1);
                let s = (rng.next() & 1) << ($bits - 1);
                from(s | ((e as u64) << MANT) | m)
            }
            /// Random a: any bit pattern (a quarter), else within a few
            /// binades of b (where gradients live), else any normal.
            fn random_a(rng: &mut Rng, eb: i64) -> T {
                match rng.next() % 4 {
                    0 => from(rng.next() >> (64 - $bits)),
                    1 => with_exp(rng, 1, 2 * BIAS),
                    _ => with_exp(rng, (eb - 30).max(0), (eb + 30).min(2 * BIAS)),
                }
            }
            fn random_b(rng: &mut Rng) -> T {
                with_exp(rng, BIAS - $bexp, BIAS + $bexp - 1)
            }
            fn biased_exp(b: T) -> i64 {
                ((b.to_bits() as u64 >> MANT) & ((1 << EXP_BITS) - 1)) as i64
            }
            fn same(x: T, y: T) -> bool {
                x.to_bits() == y.to_bits()
            }

            fn adversarial_b() -> Vec<T> {
                let one_minus = down(1.0);
                let mut v: Vec<T> = vec![
                    0.2,
                    (2.0 * 0.1f64) as T,
                    3.0,
                    1.0 / 3.0,
                    0.6,
                    1.0,
                    up(1.0),
                    one_minus,
                    down(2.0), // all-ones significand
                    up(2.0),
                    7.0,
                    1e-3,
                    12345.678,
                ];
                let lim = 2f64.powi($bexp) as T;
                v.extend([lim, down(lim), 1.0 / lim, up(1.0 / lim), 1.5 / lim * 0.999]);
                let n = v.len();
                for k in 0..n {
                    let b = v[k];
                    v.push(-b);
                }
                v
            }

            fn adversarial_a(b: T, r: &Recip<T>, rng: &mut Rng) -> Vec<T> {
                let mut v: Vec<T> = vec![
                    0.0,
                    -0.0,
                    <T>::INFINITY,
                    <T>::NEG_INFINITY,
                    <T>::NAN,
                    -<T>::NAN,
                    from(1),
                    from(3),
                    <T>::MIN_POSITIVE,
                    down(<T>::MIN_POSITIVE),
                    up(<T>::MIN_POSITIVE),
                    <T>::MAX,
                    down(<T>::MAX),
                    <T>::EPSILON,
                    b,
                    r.lo,
                    up(r.lo),
                    down(r.lo),
                    r.hi,
                    up(r.hi),
                    down(r.hi),
                    b * <T>::MAX / 4.0,
                    b * <T>::MIN_POSITIVE * 4.0,
                ];
                // k * b and its neighbours
                for k in (1..=64).chain((0..64).map(|_| (rng.next() % (1 << 20)) as i32)) {
                    let a = k as T * b;
                    v.extend([a, up(a), down(a), up(up(a)), down(down(a))]);
                }
                // subnormals and the powers of two
                for _ in 0..64 {
                    v.push(from(rng.next() % (1u64 << MANT)));
                }
                for e in 1..2 * BIAS {
                    v.push(from((e as u64) << MANT));
                }
                let n = v.len();
                for k in 0..n {
                    let a = v[k];
                    v.push(-a);
                }
                v
            }

            #[test]
            fn scalar_form_is_true_division() {
                let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ $bits);
                let n = pairs() / 10;
                let (mut fast, mut all) = (0u64, 0u64);
                for _ in 0..n {
                    let b = random_b(&mut rng);
                    let r = Recip::<T>::new(b).expect("b in range");
                    let a = random_a(&mut rng, biased_exp(b));
                    let (x, y) = (r.div(a), a / b);
                    assert!(same(x, y), "{a:e} / {b:e}: {x:e} != {y:e}");
                    let m = a.abs();
                    fast += (m >= r.lo && m <= r.hi) as u64;
                    all += 1;
                }
                // Most pairs take the reciprocal, not the divider.
                assert!(fast * 2 > all, "{fast} of {all} on the fast path");
                for b in adversarial_b() {
                    let r = Recip::<T>::new(b).expect("b in range");
                    for a in adversarial_a(b, &r, &mut rng) {
                        let (x, y) = (r.div(a), a / b);
                        assert!(same(x, y), "{a:e} / {b:e}: {x:e} != {y:e}");
                    }
                }
            }

            #[test]
            fn divisors_out_of_range_have_no_fast_path() {
                let lim = 2f64.powi($bexp) as T;
                for b in [
                    0.0,
                    -0.0,
                    <T>::INFINITY,
                    <T>::NAN,
                    from(1),
                    up(lim),
                    down(1.0 / lim),
                ] {
                    assert!(Recip::<T>::new(b).is_none(), "{b:e}");
                }
            }

            #[test]
            fn simd_loop_is_true_division() {
                if !available() {
                    eprintln!("no AVX2+FMA here: the portable division runs instead");
                    return;
                }
                const LEN: usize = 4099;
                let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ $bits);
                let (mut fm, mut fp, mut o) = (
                    vec![0.0 as T; LEN],
                    vec![0.0 as T; LEN],
                    vec![0.0 as T; LEN + 8],
                );
                let check = |fm: &[T], fp: &[T], o: &mut [T], q: &Quot, b: T, stream: bool| {
                    let n = fp.len();
                    assert!(<T as SubDiv>::sub_div(q, fm, fp, &mut o[..n], stream));
                    for k in 0..n {
                        let y = (fp[k] - fm[k]) / b;
                        assert!(
                            same(o[k], y),
                            "({:e} - {:e}) / {b:e}: {:e} != {y:e}",
                            fp[k],
                            fm[k],
                            o[k]
                        );
                    }
                };
                let quot = |b: T| Quot {
                    d64: Recip::<f64>::new(b as f64),
                    d32: Recip::<f32>::new(b as f32),
                };
                let mut done = 0u64;
                let mut round = 0u64;
                while done < pairs() {
                    let b = random_b(&mut rng);
                    let q = quot(b);
                    let eb = biased_exp(b);
                    // every other round: a = fp - 0 exactly; else a true difference
                    let zero_fm = round % 2 == 0;
                    for k in 0..LEN {
                        fp[k] = random_a(&mut rng, eb);
                        fm[k] = if zero_fm { 0.0 } else { random_a(&mut rng, eb) };
                    }
                    // shift the output by 0..7 elements: every alignment
                    let s = (round % 8) as usize;
                    check(&fm, &fp, &mut o[s..], &q, b, round % 3 == 0);
                    done += LEN as u64;
                    round += 1;
                }
                for b in adversarial_b() {
                    let q = quot(b);
                    let r = Recip::<T>::new(b).expect("b in range");
                    let a = adversarial_a(b, &r, &mut rng);
                    let z = vec![0.0 as T; a.len()];
                    let mut o = vec![0.0 as T; a.len()];
                    for stream in [false, true] {
                        check(&z, &a, &mut o, &q, b, stream);
                        check(&a, &a, &mut o, &q, b, stream);
                        let neg: Vec<T> = a.iter().map(|x| -x).collect();
                        check(&neg, &z, &mut o, &q, b, stream);
                    }
                }
            }
        }
    };
}

suite!(f64_, f64, u64, 64, 53, 300);
suite!(f32_, f32, u32, 32, 24, 40);

#[test]
fn exact_reciprocal_loop_multiplies_bit_for_bit() {
    if !available() {
        return;
    }
    let mut rng = Rng(12345);
    for e in [-20, -1, 0, 1, 3, 30] {
        let b = 2f64.powi(e);
        let q = Quot::for_step(b).expect("available");
        let fp: Vec<f64> = (0..1027).map(|_| f64::from_bits(rng.next())).collect();
        let fm: Vec<f64> = (0..1027).map(|_| f64::from_bits(rng.next() >> 2)).collect();
        let fp32: Vec<f32> = fp.iter().map(|&x| x as f32).collect();
        let fm32: Vec<f32> = fm.iter().map(|&x| x as f32).collect();
        for stream in [false, true] {
            for s in 0..4 {
                let mut o = vec![0.0; 1027 - s];
                assert!(f64::sub_div(&q, &fm[s..], &fp[s..], &mut o, stream));
                for (k, o) in o.iter().enumerate() {
                    let y = (fp[s + k] - fm[s + k]) / b;
                    assert_eq!(o.to_bits(), y.to_bits());
                }
                let mut o = vec![0.0f32; 1027 - s];
                assert!(f32::sub_div(&q, &fm32[s..], &fp32[s..], &mut o, stream));
                for (k, o) in o.iter().enumerate() {
                    let y = (fp32[s + k] - fm32[s + k]) / b as f32;
                    assert_eq!(o.to_bits(), y.to_bits());
                }
            }
        }
    }
}

/// The interleaving loops against the plain one: every type, two and three
/// parts, every length up to 40, every start within a 16-byte block,
/// streamed or not.
#[test]
fn interleave_matches_the_plain_loop() {
    fn check<T: Interleave + Copy + PartialEq + std::fmt::Debug>(val: impl Fn(usize) -> T) {
        for m in 2..=3 {
            for n in 0..40 {
                let parts: Vec<Vec<T>> = (0..m)
                    .map(|k| (0..n).map(|i| val(1000 * k + i)).collect())
                    .collect();
                let refs: Vec<&[T]> = parts.iter().map(|p| &p[..]).collect();
                for (shift, stream) in (0..4).flat_map(|s| [(s, false), (s, true)]) {
                    let mut buf = vec![val(99_999); m * n + 4];
                    if !T::interleave(&refs, &mut buf[shift..shift + m * n], stream) {
                        continue;
                    }
                    for i in 0..n {
                        for k in 0..m {
                            assert_eq!(buf[shift + m * i + k], parts[k][i], "m {m} n {n}");
                        }
                    }
                    assert!(buf[..shift].iter().all(|&v| v == val(99_999)));
                    assert!(buf[shift + m * n..].iter().all(|&v| v == val(99_999)));
                }
            }
        }
    }
    check(|i| i as f64 + 0.5);
    check(|i| i as f32 + 0.25);
}

/// `stream_copy` copies exactly, whatever the start's alignment and the
/// length (the streamed body and the ordinary ends).
#[test]
fn stream_copy_copies_exactly() {
    for n in 0..70 {
        for shift in 0..4 {
            let src: Vec<f32> = (0..n).map(|i| i as f32 + 0.5).collect();
            let mut buf = vec![-1.0f32; n + 8];
            stream_copy(&src, &mut buf[shift..shift + n]);
            fence();
            assert_eq!(&buf[shift..shift + n], &src[..], "n {n} shift {shift}");
            assert!(buf[..shift]
                .iter()
                .chain(&buf[shift + n..])
                .all(|&v| v == -1.0));
        }
    }
}

/// The coordinate loops against the plain formula, in double: both types,
/// shared, per-point and per-row coefficients (rows shorter and longer
/// than a SIMD block) and coefficients from steps (numpy's interior
/// formula, divisions in the loop), every length up to 40 and a long
/// one, every start within a 32-byte block, with and without streaming
/// stores; random bit patterns (NaN, infinities, subnormals among them).
#[test]
fn comb3_loops_match_the_plain_formula() {
    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }
    let mut rng = Rng(777);
    let mut val = |k: usize| {
        let v = (rng.next() % 2001) as f64 * 0.37 - 350.0;
        match k % 4 {
            // Raw bits (any class), or numbers of mixed sizes.
            0 => f64::from_bits(rng.next()),
            1 => v,
            2 => v * 1e9,
            _ => v * 1e-3,
        }
    };
    let len = 1027 + 8;
    let mut x: [Vec<f64>; 3] = std::array::from_fn(|j| (0..len).map(|i| val(i + j)).collect());
    let mut c: [Vec<f64>; 3] = std::array::from_fn(|j| (0..len).map(|i| val(3 * i + j)).collect());
    // Every third point cancels its first two terms exactly (x1 = x0, c1 =
    // -c0): the result is the third term, only if summed in numpy's order.
    for i in (0..len).step_by(3) {
        x[1][i] = x[0][i];
        c[1][i] = -c[0][i];
    }
    let x32: [Vec<f32>; 3] = std::array::from_fn(|j| x[j].iter().map(|&v| v as f32).collect());
    // Per-row triples: row r of the Rows cases is point r's triple.
    let rows: Vec<[f64; 3]> = (0..len).map(|i| [c[0][i], c[1][i], c[2][i]]).collect();
    // Steps of both signs and mixed sizes, some of any bits.
    let h: Vec<f64> = (0..=len).map(|i| val(5 * i + 1)).collect();
    let by_steps = |(h1, h2): (f64, f64)| {
        [
            (-h2) / (h1 * (h1 + h2)),
            (h2 - h1) / (h1 * h2),
            h1 / (h2 * (h1 + h2)),
        ]
    };
    // Coordinates, of any bits too.
    let xs: Vec<f64> = (0..len + 2).map(|i| val(7 * i + 2)).collect();
    let mut ran = false;
    for n in (0..40).chain([1027]) {
        for s in 0..8 {
            for stream in [false, true] {
                // 0: shared, 1: per point, inner >= 2: per row of inner,
                // STEPS: from steps, COORDS: from coordinates.
                const STEPS: usize = usize::MAX;
                const COORDS: usize = usize::MAX - 1;
                for kind in [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 33, STEPS, COORDS] {
                    let at = |i: usize| -> [f64; 3] {
                        let j = s + i;
                        let i = match kind {
                            STEPS => return by_steps((h[j], h[j + 1])),
                            COORDS => return by_steps((xs[j + 1] - xs[j], xs[j + 2] - xs[j + 1])),
                            0 => 0,
                            1 => s + i,
                            inner => s + i / inner,
                        };
                        [c[0][i], c[1][i], c[2][i]]
                    };
                    let coef = match kind {
                        STEPS => Coef3::Steps(&h[s..s + n + 1]),
                        COORDS => Coef3::Coords(&xs[s..s + n + 2]),
                        0 => Coef3::Same(at(0)),
                        1 => Coef3::Each([&c[0][s..s + n], &c[1][s..s + n], &c[2][s..s + n]]),
                        inner => Coef3::Rows(&rows[s..s + n.div_ceil(inner)], inner),
                    };
                    let mut o = vec![0.0f64; n + 8];
                    let f = [&x[0][s..], &x[1][s..], &x[2][s..]];
                    if !f64::comb3(coef, f, &mut o[s..s + n], stream) {
                        continue;
                    }
                    ran = true;
                    let mut o32 = vec![0.0f32; n + 8];
                    let f = [&x32[0][s..], &x32[1][s..], &x32[2][s..]];
                    assert!(f32::comb3(coef, f, &mut o32[s..s + n], stream));
                    fence();
                    for i in 0..n {
                        let c = at(i);
                        let want = c[0] * x[0][s + i] + c[1] * x[1][s + i] + c[2] * x[2][s + i];
                        assert!(same(o[s + i], want), "f64 n {n} s {s} kind {kind} i {i}");
                        let v = |j: usize| f64::from(x32[j][s + i]);
                        let want = (c[0] * v(0) + c[1] * v(1) + c[2] * v(2)) as f32;
                        assert!(
                            same(o32[s + i].into(), want.into()),
                            "f32 n {n} s {s} kind {kind} i {i}"
                        );
                    }
                    assert!(o[..s].iter().chain(&o[s + n..]).all(|&v| v == 0.0));
                    assert!(o32[..s].iter().chain(&o32[s + n..]).all(|&v| v == 0.0));
                }
            }
        }
    }
    assert_eq!(ran, available());
}

/// The dividing and interleaving loop against true division, bit for bit:
/// 2 and 3 places; one divisor for all of them and different ones;
/// positive and negative, exact (a power of two) and not; every length up
/// to 40 (the blocks of 4 or 8 and the tail); numbers of mixed sizes, huge,
/// subnormal and zeros of both signs among them (the form of the
/// correction decides their sign), or only ordinary numbers and zeros
/// (which the loop's test of the differences after the blocks takes;
/// the others send it back over the blocks with every quotient tested);
/// ordinary stores at every length and streaming stores into a 32-byte
/// aligned output at the lengths of whole blocks.
macro_rules! interleave_suite {
    ($name:ident, $t:ty, $huge:expr, $tiny:expr) => {
        #[test]
        fn $name() {
            for tame in [false, true] {
                let mut rng = Rng(4242);
                let len = 40;
                let mut val = |k: usize| {
                    let v = ((rng.next() % 2001) as f64 * 0.37 - 370.0) as $t;
                    match k % 5 {
                        0 => 0.0,
                        1 => v,
                        2 if !tame => v * $huge,
                        3 if !tame => v * $tiny,
                        _ => v * 3.0,
                    }
                };
                let fm: Vec<Vec<$t>> = (0..3)
                    .map(|j| (0..len).map(|i| val(i + j)).collect())
                    .collect();
                let fp: Vec<Vec<$t>> = (0..3)
                    .map(|j| (0..len).map(|i| val(2 * i + j + 1)).collect())
                    .collect();
                let divisor_sets: [[f64; 3]; 6] = [
                    [0.2, 0.2, 0.2],
                    [-0.2, -0.2, -0.2],
                    [1.0, 1.0, 1.0],
                    [0.2, 0.6, 2.0],
                    [0.2, -0.2, 0.25],
                    [-3.0, 0.5, 7.0],
                ];
                let mut ran = false;
                let mut store = vec![0.0 as $t; 3 * len + 16];
                let size = std::mem::size_of::<$t>();
                // (64: where the AVX-512 loop runs.)
                let at = to_boundary(store.as_ptr() as usize, size, 64).unwrap();
                for b in divisor_sets {
                    for m in [2, 3] {
                        let qs: Vec<Option<Quot>> =
                            b[..m].iter().map(|&b| Quot::for_step(b)).collect();
                        let q = Quots::new(&qs);
                        for (n, stream) in (0..=len).flat_map(|n| [(n, false), (n, true)]) {
                            if stream && n % 8 != 0 {
                                continue;
                            }
                            let a: Vec<&[$t]> = fm[..m].iter().map(|v| &v[..n]).collect();
                            let c: Vec<&[$t]> = fp[..m].iter().map(|v| &v[..n]).collect();
                            let given = random_given(&mut rng, n, m, [1.5e3, -2.5e-3, 7.0]);
                            let given = given.as_ref().map(|(slot, at)| Given { slot: *slot, at });
                            let wides = [false, true].into_iter().filter(|&w| !w || available512());
                            for (given, wide) in [None, given].into_iter().flat_map(|g| wides.clone().map(move |w| (g, w))) {
                                let out = &mut store[at..at + m * n];
                                out.fill(<$t>::NAN);
                                let done = <$t>::sub_div_interleave(&q, &a, &c, None, out, stream, given, wide);
                                if done.is_none() {
                                    continue;
                                }
                                assert_eq!(done, Some(true));
                                ran = true;
                                for i in 0..n {
                                    for k in 0..m {
                                        let want = given_or((fp[k][i] - fm[k][i]) / b[k] as $t, given, (i, k));
                                        let got = out[m * i + k];
                                        assert!(
                                            got.to_bits() == want.to_bits()
                                                || (got.is_nan() && want.is_nan()),
                                            "divisors {b:?} m {m} n {n} stream {stream} wide {wide} \
                                             given {given:?} point {i} place {k}: {got:e} vs {want:e}"
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
                assert_eq!(ran, available());
            }
        }
    };
}
interleave_suite!(
    divide_and_interleave_match_true_division_f64,
    f64,
    1e306,
    1e-310
);
interleave_suite!(
    divide_and_interleave_match_true_division_f32,
    f32,
    1e35,
    1e-40
);

/// What a loop writes at point `i`, place `k`: the value given there, if
/// any, else `x`.
fn given_or<T: Copy>(x: T, given: Option<Given<'_, T>>, (i, k): (usize, usize)) -> T {
    let at = given
        .filter(|g| g.slot == k)
        .and_then(|g| g.at.iter().find(|a| a.0 == i));
    at.map_or(x, |a| a.1)
}

/// The divisor sets of the fast forms' suites: one for every place,
/// positive and negative, a power of two, several.
const FAST_DIVISORS: [[f64; 3]; 5] = [
    [0.2, 0.2, 0.2],
    [-0.2, -0.2, -0.2],
    [1.0, 1.0, 1.0],
    [0.2, 0.6, 2.0],
    [-3.0, 0.5, 7.0],
];

/// The divisors `b` (the first `m`) as the loops take them in `$t`, and
/// the values at and beyond their input range's ends (zeros, next to `L`
/// and `H`, subnormal, infinite, NaN); None where the type has no loop
/// for them.
macro_rules! range_edges {
    ($t:ty, $b:expr, $m:expr) => {{
        let (b, m): ([f64; 3], usize) = ($b, $m);
        let qs: Vec<Option<Quot>> = b[..m].iter().map(|&b| Quot::for_step(b)).collect();
        let q = Quots::new(&qs);
        let range = match (std::mem::size_of::<$t>(), q.d64, q.d32) {
            (8, Some(r), _) => Some(separate::input_range(&r[..m])),
            (4, _, Some(r)) => Some(separate::input_range(&r[..m])),
            _ => None,
        };
        range.map(|(l, h)| {
            let (l, h) = (l as $t, h as $t);
            let edge: [$t; 13] = [
                0.0,
                -0.0,
                l,
                -l,
                <$t>::from_bits(l.to_bits().saturating_sub(1)),
                <$t>::from_bits(l.to_bits() + 1),
                h,
                -h,
                <$t>::from_bits(h.to_bits() - 1),
                <$t>::from_bits(h.to_bits().saturating_add(1)),
                <$t>::MIN_POSITIVE / 4.0,
                <$t>::INFINITY,
                <$t>::NAN,
            ];
            (q, edge)
        })
    }};
}

/// The interleaving loop's fast form (an inner place named) against true
/// division, bit for bit, and its word on that place's right neighbours:
/// when it says they are all in its range, each one is (`inputs_ok`), and
/// the quotients are right; values well inside always pass. One of those
/// values at a time is at or beyond the range's ends (next to `L` and
/// `H`, zero, subnormal, infinite, NaN), in the blocks or the scalar
/// tail; the other values are well inside; the inner place first, last or
/// (three places) between; divisors one for every place or not, powers of
/// two or not (whose loops test every quotient and answer for the values
/// by `inputs_ok`); given values; streamed and not.
macro_rules! interleave_centre_suite {
    ($name:ident, $t:ty) => {
        #[test]
        fn $name() {
            let mut rng = Rng(31337);
            let len = 44;
            let plain = |rng: &mut Rng| ((rng.next() % 2001) as f64 * 0.37 - 370.0) as $t;
            let size = std::mem::size_of::<$t>();
            let mut ran = false;
            let mut store = vec![0.0 as $t; 3 * len + 64];
            // (64: where the AVX-512 loop runs.)
            let at0 = to_boundary(store.as_ptr() as usize, size, 64).unwrap();
            for b in FAST_DIVISORS {
                for m in [2, 3] {
                    let Some((q, edge)) = range_edges!($t, b, m) else {
                        continue;
                    };
                    for n in 0..=len {
                        let nb: Vec<Vec<$t>> =
                            (0..2 * m).map(|_| (0..n).map(|_| plain(&mut rng)).collect()).collect();
                        // Case 0: every value well inside; then one of the
                        // inner place's right neighbours at an edge value.
                        for case in 0..=edge.len() {
                            let slot = (rng.next() as usize) % m;
                            let mut c = nb[2 * slot + 1].clone();
                            if case > 0 && n > 0 {
                                c[(rng.next() as usize) % n] = edge[case - 1];
                            }
                            let fm: Vec<&[$t]> = (0..m).map(|k| &nb[2 * k][..]).collect();
                            let mut fp: Vec<&[$t]> = (0..m).map(|k| &nb[2 * k + 1][..]).collect();
                            fp[slot] = &c;
                            let stream = n % 8 == 0 && rng.next() % 2 == 0;
                            let given = random_given(&mut rng, n, m, [1.5e3, -2.5e-3, 7.0]);
                            let given = given.as_ref().map(|(slot, at)| Given { slot: *slot, at });
                            let out = &mut store[at0..at0 + m * n];
                            out.fill(<$t>::NAN);
                            // (The coin drawn on every machine: the same cases.)
                            let coin = rng.next() % 2 == 0;
                            let wide = available512() && coin;
                            let Some(clean) =
                                <$t>::sub_div_interleave(&q, &fm, &fp, Some(slot), out, stream, given, wide)
                            else {
                                continue;
                            };
                            ran = true;
                            let points_ok = c.iter().all(|&x| <$t>::inputs_ok(&q, &[x]));
                            assert!(
                                !clean || points_ok,
                                "divisors {b:?} m {m} n {n} case {case} slot {slot} wide {wide}: \
                                 vouched for a value out of range"
                            );
                            if case == 0 {
                                assert!(clean, "divisors {b:?} m {m} n {n}: values well inside refused");
                            }
                            if !clean {
                                continue;
                            }
                            for i in 0..n {
                                for k in 0..m {
                                    let want = given_or((fp[k][i] - fm[k][i]) / b[k] as $t, given, (i, k));
                                    let got = out[m * i + k];
                                    assert!(
                                        got.to_bits() == want.to_bits(),
                                        "divisors {b:?} m {m} n {n} case {case} slot {slot} \
                                         stream {stream} wide {wide} point {i} place {k}: {got:e} vs {want:e}"
                                    );
                                }
                            }
                        }
                    }
                }
            }
            assert_eq!(ran, available());
        }
    };
}
interleave_centre_suite!(interleave_fast_form_vouches_and_divides_f64, f64);
interleave_centre_suite!(interleave_fast_form_vouches_and_divides_f32, f32);

/// Points of one of `m` places of a run of `n` given the values `x` (in
/// turn), in increasing order: a few anywhere (in a block, two in one
/// block, in the scalar tail), or one block in four dense (about every
/// other point: several in every block, as a run of short rows has), and
/// one past the run half the time; none for a run shorter than 3. The
/// place, and the points with their values.
fn random_given<T: Copy>(
    rng: &mut Rng,
    n: usize,
    m: usize,
    x: [T; 3],
) -> Option<(usize, Vec<(usize, T)>)> {
    (n >= 3).then(|| {
        let dense = rng.next() % 4 == 0;
        let mut at: Vec<usize> = (0..n)
            .filter(|_| match dense {
                true => rng.next() % 2 == 0,
                false => rng.next() % (n as u64) < 3,
            })
            .collect();
        if rng.next() % 2 == 0 {
            at.push(usize::MAX);
        }
        let slot = rng.next() as usize % m;
        (
            slot,
            at.iter().enumerate().map(|(j, &p)| (p, x[j % 3])).collect(),
        )
    })
}

/// A [`Place::Wrap`] place's columns `t` (a row's twice each) as copies 1
/// to 3 of [`COPIES`] in one buffer each, copy 0 and the gaps between the
/// copies NaN, and for each of `rows` rows a copy among 1 to 3: a loop
/// that reads any copy but its row's, or the wrong entry of it, meets
/// NaN (copies 1 to 3 hold the same numbers, as the sweep's do).
fn spread_copies(t: &[Vec<f64>; 3], rows: usize, rng: &mut Rng) -> ([Vec<f64>; 3], usize, Vec<u8>) {
    let gap = t[0].len() + rng.next() as usize % 5;
    let cols = t.each_ref().map(|c| {
        let mut buf = vec![f64::NAN; (COPIES - 1) * gap + c.len()];
        for k in 1..COPIES {
            buf[k * gap..k * gap + c.len()].copy_from_slice(c);
        }
        buf
    });
    let pick = (0..rows).map(|_| 1 + (rng.next() % 3) as u8).collect();
    (cols, gap, pick)
}

/// The coordinate loop that interleaves, against the plain formula in
/// numpy's order, bit for bit, in float64 and in float32 (computed in
/// double): 2 and 3 places, each with coefficients by row (rows of 8 to
/// 14 points, or longer than the run: one row) or by a point's place in
/// its row (rows of 8 to 20 points), the run starting anywhere in a row,
/// with and without given points,
/// every length up to 40, ordinary stores at every length and streaming
/// stores into a 32-byte aligned output at whole blocks; random bit
/// patterns (NaN, infinities, subnormals among them) and numbers of mixed
/// sizes (a sum in another order gives other bits).
#[test]
fn comb3_interleave_matches_the_plain_formula() {
    fn check<T: Comb3Interleave + Copy + std::fmt::Debug>(
        rng: &mut Rng,
        from: fn(f64) -> T,
        to: fn(T) -> f64,
        bits: fn(u64) -> T,
    ) {
        let len = 40;
        let mut val = |k: usize| {
            let v = (rng.next() % 2001) as f64 * 0.37 - 350.0;
            match k % 6 {
                0 => to(bits(rng.next())),
                1..=3 => v + (rng.next() % 1000) as f64 * 1e-7,
                4 => v * 1e300,
                _ => v * 1e-310,
            }
        };
        let mut vals = |n: usize, k: usize, j: usize| -> Vec<T> {
            (0..n).map(|i| from(val(k * i + j))).collect()
        };
        let fm: Vec<Vec<T>> = (0..3).map(|j| vals(len, 1, j)).collect();
        let fp: Vec<Vec<T>> = (0..3).map(|j| vals(len, 2, j)).collect();
        let f0: Vec<T> = vals(len, 3, 1);
        // A row's coefficients by point (up to 20 points), and each row's
        // by row (up to 8 rows).
        let cols: Vec<Vec<f64>> = (0..3)
            .map(|j| (0..20).map(|i| val(5 * i + j + 1)).collect())
            .collect();
        let rows: Vec<[f64; 3]> = (0..8)
            .map(|r| [0, 1, 2].map(|j| val(7 * r + j + 2)))
            .collect();
        let size = std::mem::size_of::<T>();
        let mut store = vec![from(0.0); 3 * len + 8];
        let at = to_boundary(store.as_ptr() as usize, size, 32).unwrap();
        let mut ran = false;
        for m in [2, 3] {
            // Digit k (base 3) of `kinds`: place k takes one row's
            // coefficients (its rows longer than the run), its own by its
            // place in its row, or one row's and then the next's.
            for kinds in 0..[1, 3, 9, 27][m] {
                // Each length streamed and not, by the AVX2 loop and (where
                // the machine has it) the AVX-512 one.
                let wides = [false, true].into_iter().filter(|&w| !w || available512());
                let cases = (0..=len).flat_map(|n| [(n, false), (n, true)]);
                for ((n, stream), wide) in cases.flat_map(|c| wides.clone().map(move |w| (c, w))) {
                    if stream && n % 8 != 0 {
                        continue;
                    }
                    // Each place's rows: their length and point 0's place
                    // in its row; a Wrap place's columns (a row's twice).
                    let shape: Vec<(u8, usize, usize)> = (0..m)
                        .map(|k| {
                            let (kind, s) = match kinds / [1, 3, 9][k] % 3 {
                                0 => (0, len + 1 + rng.next() as usize % 9),
                                1 => (1, 8 + rng.next() as usize % 13),
                                _ => (0, 8 + rng.next() as usize % 7),
                            };
                            (kind, s, rng.next() as usize % s)
                        })
                        .collect();
                    let twice: Vec<[Vec<f64>; 3]> = shape
                        .iter()
                        .map(|&(_, s, _)| {
                            std::array::from_fn(|j| {
                                let c = &cols[j][..s.min(20)];
                                c.iter().chain(c).copied().collect()
                            })
                        })
                        .collect();
                    // Every other Wrap place's columns from copies.
                    let spread: Vec<_> = (shape.iter().zip(&twice))
                        .map(|(&(_, s, p0), t)| {
                            (rng.next() % 2 == 0)
                                .then(|| spread_copies(t, (p0 + n).div_ceil(s), rng))
                        })
                        .collect();
                    let places: Vec<Place<'_>> = (shape.iter().zip(&twice).zip(&spread))
                        .map(|((&(kind, s, p0), t), spread)| match (kind, spread) {
                            (1, Some((c, gap, pick))) => Place::Wrap {
                                cols: [&c[0], &c[1], &c[2]],
                                n: s,
                                p0,
                                copies: Copies { pick, gap: *gap },
                            },
                            (1, None) => Place::Wrap {
                                cols: [&t[0], &t[1], &t[2]],
                                n: s,
                                p0,
                                copies: Default::default(),
                            },
                            _ => Place::Rows { rows: &rows, s, p0 },
                        })
                        .collect();
                    // Point i's coefficients in place k, from the
                    // definitions.
                    let coef = |k: usize, i: usize| -> [f64; 3] {
                        let (kind, s, p0) = shape[k];
                        match kind {
                            1 => [0, 1, 2].map(|j| cols[j][(p0 + i) % s]),
                            _ => rows[(p0 + i) / s],
                        }
                    };
                    let a: Vec<&[T]> = fm[..m].iter().map(|v| &v[..n]).collect();
                    let c: Vec<&[T]> = fp[..m].iter().map(|v| &v[..n]).collect();
                    let given = random_given(rng, n, m, [1.5e3, -2.5e-3, 7.0].map(from));
                    let given = given.as_ref().map(|(slot, at)| Given { slot: *slot, at });
                    for given in [None, given] {
                        let out = &mut store[at..at + m * n];
                        out.fill(from(1.0));
                        let (f0, g) = (&f0[..n], given);
                        if !T::comb3_interleave(&places, &a, f0, &c, out, stream, g, wide) {
                            continue;
                        }
                        fence();
                        ran = true;
                        for i in 0..n {
                            for k in 0..m {
                                let w = coef(k, i);
                                let x = [fm[k][i], f0[i], fp[k][i]].map(to);
                                let mut want = from(w[0] * x[0] + w[1] * x[1] + w[2] * x[2]);
                                for &(p, x) in given.iter().flat_map(|g| g.at) {
                                    if p == i && k == given.unwrap().slot {
                                        want = x;
                                    }
                                }
                                let (got, want) = (to(out[m * i + k]), to(want));
                                assert!(
                                    got.to_bits() == want.to_bits()
                                        || (got.is_nan() && want.is_nan()),
                                    "{} wide {wide} m {m} places {places:?} n {n} stream {stream} \
                                     given {given:?} point {i} place {k}: {got:e} vs {want:e}",
                                    std::any::type_name::<T>()
                                );
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(ran, available());
    }
    let mut rng = Rng(99);
    check::<f64>(&mut rng, |x| x, |x| x, f64::from_bits);
    check::<f32>(
        &mut rng,
        |x| x as f32,
        f64::from,
        |b| f32::from_bits(b as u32),
    );
}

/// The loop that divides into separate outputs against true division, bit
/// for bit, and its fast form's word on its points: when it says they are
/// all in its range, each one is (by the exact definition, `inputs_ok`),
/// and the quotients are right; values well inside always pass. The points
/// take, one at a time, values at and beyond the range's ends (next to
/// `L` and `H`, zero, subnormal, infinite, NaN) at every place, the scalar
/// tail's too; the tested form (no inner place) against true division on
/// any values; given values; streamed and not.
macro_rules! separate_suite {
    ($name:ident, $t:ty) => {
        #[test]
        fn $name() {
            let mut rng = Rng(777);
            let len = 44;
            let pad = separate::PAD;
            let plain = |rng: &mut Rng| ((rng.next() % 2001) as f64 * 0.37 - 370.0) as $t;
            let size = std::mem::size_of::<$t>();
            let mut ran = false;
            for b in FAST_DIVISORS {
                for m in [2, 3] {
                    let Some((q, edge)) = range_edges!($t, b, m) else {
                        continue;
                    };
                    for n in 0..=len {
                        let outer: Vec<Vec<$t>> =
                            (0..2 * m).map(|_| (0..n).map(|_| plain(&mut rng)).collect()).collect();
                        let mut c: Vec<$t> = (0..n + pad + 1).map(|_| plain(&mut rng)).collect();
                        // Case 0: every point well inside; then one point
                        // at an edge value.
                        for case in 0..=edge.len() {
                            let mut c = c.clone();
                            if case > 0 && n > 0 {
                                c[pad + (rng.next() as usize) % n] = edge[case - 1];
                            }
                            let stream = n % 16 == 0 && rng.next() % 2 == 0;
                            let given = random_given(&mut rng, n, m, [1.5e3, -2.5e-3, 7.0]);
                            let given = given.as_ref().map(|(slot, at)| Given { slot: *slot, at });
                            let slot = (rng.next() as usize) % m;
                            for inner in [true, false] {
                                // Outer places' neighbours from `outer`; the
                                // inner place's from `c` (or from `outer` too
                                // without an inner place).
                                let fm: Vec<&[$t]> = (0..m).map(|k| &outer[2 * k][..]).collect();
                                let fp: Vec<&[$t]> = (0..m).map(|k| &outer[2 * k + 1][..]).collect();
                                let (cm, cp) = (c[pad - 1..pad - 1 + n].to_vec(), c[pad + 1..pad + 1 + n].to_vec());
                                let (mut fm, mut fp) = (fm, fp);
                                if inner {
                                    fm[slot] = &cm;
                                    fp[slot] = &cp;
                                }
                                let apart = n.div_ceil(64) * 64 + 64;
                                let mut store = vec![<$t>::NAN; m * apart + 64];
                                let at0 = to_boundary(store.as_ptr() as usize, size, 64).unwrap();
                                let mut outs: Vec<&mut [$t]> = Vec::new();
                                let mut rest = &mut store[at0..];
                                for _ in 0..m {
                                    let (o, r) = std::mem::take(&mut rest).split_at_mut(apart);
                                    outs.push(&mut o[..n]);
                                    rest = r;
                                }
                                let inner_arg = inner.then_some((slot, &c[..]));
                                let Some(clean) =
                                    <$t>::sub_div_separate(&q, &fm, &fp, inner_arg, &mut outs, stream, given)
                                else {
                                    continue;
                                };
                                ran = true;
                                let points_ok = (0..n).all(|i| <$t>::inputs_ok(&q, &[c[pad + i]]));
                                if inner && clean {
                                    assert!(points_ok, "divisors {b:?} m {m} n {n} case {case}: vouched for a value out of range");
                                }
                                if inner && case == 0 {
                                    assert!(clean, "divisors {b:?} m {m} n {n}: values well inside refused");
                                }
                                if inner && !clean {
                                    continue;
                                }
                                for i in 0..n {
                                    for k in 0..m {
                                        let want = given_or((fp[k][i] - fm[k][i]) / b[k] as $t, given, (i, k));
                                        let got = outs[k][i];
                                        assert!(
                                            got.to_bits() == want.to_bits()
                                                || (got.is_nan() && want.is_nan()),
                                            "divisors {b:?} m {m} n {n} case {case} inner {inner} \
                                             slot {slot} stream {stream} point {i} place {k}: {got:e} vs {want:e}"
                                        );
                                    }
                                }
                            }
                        }
                        c.clear();
                    }
                }
            }
            assert_eq!(ran, available());
        }
    };
}
separate_suite!(separate_loop_matches_true_division_f64, f64);
separate_suite!(separate_loop_matches_true_division_f32, f32);

/// The coordinate loop into separate outputs against the plain formula
/// in numpy's order, bit for bit, in float64 and in float32 (computed in
/// double): 2 and 3 places, with an inner place (coefficients by its
/// point's place in its row, neighbours adjacent, the left ones carried
/// from block to block) at any slot or none, the others by row (rows of a
/// block to a block and 7 points, or longer than the run) with neighbours
/// 2 to 40 points away, the run starting anywhere in each row; every
/// length up to 56 (whole blocks, runs of them, the scalar tail),
/// streamed and not, with and without given points; random bit patterns
/// and numbers of mixed sizes. And its refusals: rows shorter than a
/// block, an inner place that is not the one by point, an input without
/// room for the neighbours.
#[test]
fn comb3_separate_matches_the_plain_formula() {
    // Point i of every output, by its index.
    #[allow(clippy::needless_range_loop)]
    fn check<T: separate::Comb3Separate + Copy + std::fmt::Debug>(
        rng: &mut Rng,
        from: fn(f64) -> T,
        to: fn(T) -> f64,
        bits: fn(u64) -> T,
    ) {
        let (len, pad) = (56, separate::PAD);
        let w = 64 / std::mem::size_of::<T>();
        let mut val = |k: usize| {
            let v = (rng.next() % 2001) as f64 * 0.37 - 350.0;
            match k % 6 {
                0 => to(bits(rng.next())),
                1..=3 => v + (rng.next() % 1000) as f64 * 1e-7,
                4 => v * 1e300,
                _ => v * 1e-310,
            }
        };
        // The input: room for neighbours 40 points away on either side
        // of points that start at `reach` or one after.
        let reach = 40;
        let f: Vec<T> = (0..reach + 1 + len + reach).map(|i| from(val(i))).collect();
        let cols: Vec<Vec<f64>> = (0..3)
            .map(|j| (0..w + 14).map(|i| val(5 * i + j + 1)).collect())
            .collect();
        let rows: Vec<[f64; 3]> = (0..8)
            .map(|r| [0, 1, 2].map(|j| val(7 * r + j + 2)))
            .collect();
        let size = std::mem::size_of::<T>();
        let apart = len + 64;
        let mut store = vec![from(0.0); 3 * apart + 64];
        let base = to_boundary(store.as_ptr() as usize, size, 32).unwrap();
        let mut ran = false;
        for m in [2, 3] {
            for inner in [None, Some(0), Some(1), Some(2)] {
                if inner.is_some_and(|k| k >= m) {
                    continue;
                }
                // Each length streamed and not, by the AVX2 loop and (where
                // the machine has it) the AVX-512 one.
                let wides = [false, true].into_iter().filter(|&w| !w || available512());
                let cases = (0..=len).flat_map(|n| [(n, false), (n, true)]);
                for ((n, stream), wide) in cases.flat_map(|c| wides.clone().map(move |w| (c, w))) {
                    // Each place: inner (by point, rows of `s`) or by row
                    // (rows of `s`), point 0 at `p0` of its row; its
                    // neighbours' distance.
                    let shape: Vec<(bool, usize, usize, usize)> = (0..m)
                        .map(|k| {
                            let by_point = inner == Some(k);
                            let s = match (by_point, rng.next() % 2) {
                                (true, _) | (false, 0) => w + rng.next() as usize % 8,
                                _ => len + 1 + rng.next() as usize % 9,
                            };
                            let d = if by_point {
                                1
                            } else {
                                2 + rng.next() as usize % 39
                            };
                            (by_point, s, rng.next() as usize % s, d)
                        })
                        .collect();
                    let twice: Vec<[Vec<f64>; 3]> = (shape.iter())
                        .map(|&(_, s, _, _)| {
                            std::array::from_fn(|j| {
                                let c = &cols[j][..s.min(cols[j].len())];
                                c.iter().chain(c).copied().collect()
                            })
                        })
                        .collect();
                    // Every other Wrap place's columns from copies.
                    let spread: Vec<_> = (shape.iter().zip(&twice))
                        .map(|(&(_, s, p0, _), t)| {
                            (rng.next() % 2 == 0)
                                .then(|| spread_copies(t, (p0 + n).div_ceil(s), rng))
                        })
                        .collect();
                    let places: Vec<Place<'_>> = (shape.iter().zip(&twice).zip(&spread))
                        .map(
                            |((&(by_point, s, p0, _), t), spread)| match (by_point, spread) {
                                (true, Some((c, gap, pick))) => Place::Wrap {
                                    cols: [&c[0], &c[1], &c[2]],
                                    n: s,
                                    p0,
                                    copies: Copies { pick, gap: *gap },
                                },
                                (true, None) => Place::Wrap {
                                    cols: [&t[0], &t[1], &t[2]],
                                    n: s,
                                    p0,
                                    copies: Default::default(),
                                },
                                (false, _) => Place::Rows { rows: &rows, s, p0 },
                            },
                        )
                        .collect();
                    let coef = |k: usize, i: usize| -> [f64; 3] {
                        let (by_point, s, p0, _) = shape[k];
                        match by_point {
                            true => [0, 1, 2].map(|j| cols[j][(p0 + i) % s]),
                            false => rows[(p0 + i) / s],
                        }
                    };
                    let strides: Vec<usize> = shape.iter().map(|s| s.3).collect();
                    let at = reach + rng.next() as usize % 2;
                    let given = random_given(rng, n, m, [1.5e3, -2.5e-3, 7.0].map(from));
                    let given = given.as_ref().map(|(slot, at)| Given { slot: *slot, at });
                    for given in [None, given] {
                        // The outputs a whole number of 32-byte blocks apart.
                        let (mut outs, mut rest) = (Vec::new(), &mut store[base..]);
                        for _ in 0..m {
                            let (o, r) = std::mem::take(&mut rest).split_at_mut(apart);
                            o.fill(from(1.0));
                            outs.push(&mut o[..n]);
                            rest = r;
                        }
                        let o = Outs::Each(&mut outs);
                        let done = T::comb3_separate(
                            &places, &f, at, &strides, inner, o, stream, given, wide,
                        );
                        assert_eq!(
                            done,
                            available(),
                            "n {n} wide {wide} m {m} {strides:?} at {at}"
                        );
                        if !done {
                            continue;
                        }
                        fence();
                        ran = true;
                        for i in 0..n {
                            for k in 0..m {
                                let c = coef(k, i);
                                let (e, d) = (at + i, strides[k]);
                                let x = [f[e - d], f[e], f[e + d]].map(to);
                                let mut want = from(c[0] * x[0] + c[1] * x[1] + c[2] * x[2]);
                                for &(p, x) in given.iter().flat_map(|g| g.at) {
                                    if p == i && k == given.unwrap().slot {
                                        want = x;
                                    }
                                }
                                let (got, want) = (to(outs[k][i]), to(want));
                                assert!(
                                    got.to_bits() == want.to_bits()
                                        || (got.is_nan() && want.is_nan()),
                                    "{} wide {wide} m {m} inner {inner:?} places {places:?} strides \
                                     {strides:?} n {n} stream {stream} given {given:?} \
                                     point {i} place {k}: {got:e} vs {want:e}",
                                    std::any::type_name::<T>()
                                );
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(ran, available());
        // Refused: rows shorter than a block; an inner place by row, or a
        // place by point that is not the inner one; no room before point
        // 0 or after the last neighbour.
        let t = [&cols[0][..], &cols[1][..], &cols[2][..]].map(|c| c[..2 * (w - 1)].to_vec());
        let short = Place::Wrap {
            cols: [&t[0], &t[1], &t[2]],
            n: w - 1,
            p0: 0,
            copies: Default::default(),
        };
        let row = Place::Rows {
            rows: &rows,
            s: 100,
            p0: 0,
        };
        let short_row = Place::Rows {
            rows: &rows,
            s: w - 1,
            p0: 0,
        };
        let n = 2 * w;
        let mut o: Vec<Vec<T>> = (0..2).map(|_| vec![from(1.0); n]).collect();
        let [a, b] = &mut o[..] else { unreachable!() };
        let mut outs = [&mut a[..], &mut b[..]];
        for (places, strides, inner, at) in [
            ([short, row], [1, 5], Some(0), reach),
            ([row, short_row], [5, 5], None, reach),
            ([row, row], [1, 5], Some(0), reach),
            ([row, row], [5, 5], Some(1), reach),
            ([row, row], [5, 5], None, pad - 1),
            ([row, row], [5, 41], None, reach),
            ([row, row], [5, 5], None, f.len() - n - 4),
        ] {
            for wide in [false, true] {
                let o = Outs::Each(&mut outs);
                let done =
                    T::comb3_separate(&places, &f, at, &strides, inner, o, false, None, wide);
                assert!(!done, "{places:?} {strides:?} {inner:?} {at} {wide}");
            }
        }
        assert!(outs.iter().all(|o| o.iter().all(|&x| to(x) == 1.0)));
        // Asked with no points: whether the loop exists.
        let mut none: [&mut [T]; 2] = Default::default();
        for wide in [false, true] {
            let o = Outs::Each(&mut none);
            let probe = T::comb3_separate(&[row, row], &[], 0, &[1, 1], None, o, false, None, wide);
            assert_eq!(probe, available());
        }
    }
    let mut rng = Rng(4242);
    check::<f64>(&mut rng, |x| x, |x| x, f64::from_bits);
    check::<f32>(
        &mut rng,
        |x| x as f32,
        f64::from,
        |b| f32::from_bits(b as u32),
    );
}

/// A value of kind `k % 6` for the coordinate loops' tests: any float32
/// bit pattern (NaN and infinities among them), three kinds of ordinary
/// values, one scaled by `big` and one by `tiny` (overflow and subnormals
/// in the products, or in float32).
fn mixed_value(rng: &mut Rng, k: u64, (big, tiny): (f64, f64)) -> f64 {
    let v = (rng.next() % 2001) as f64 * 0.37 - 350.0;
    match k % 6 {
        0 => f64::from(f32::from_bits(rng.next() as u32)),
        1..=3 => v + (rng.next() % 1000) as f64 * 1e-7,
        4 => v * big,
        _ => v * tiny,
    }
}

/// Random coefficients ([`mixed_value`] of kinds 1 to 3, scaled by
/// `scale`) for the coordinate loops' tests: the rows of each outer place
/// (`(s, p0)`: rows of `s` points, point 0 at `p0`) covering `n` points
/// and one more, and the inner place's three columns of `nin` points, each
/// held twice.
#[allow(clippy::type_complexity)]
fn coord_tables(
    rng: &mut Rng,
    places: &[(usize, usize)],
    n: usize,
    nin: usize,
    scale: (f64, f64),
) -> (Vec<Vec<[f64; 3]>>, Vec<Vec<f64>>) {
    let rows = (places.iter())
        .map(|&(s, p0)| {
            let k = (p0 + n).div_ceil(s) + 1;
            (0..k)
                .map(|_| [0, 1, 2].map(|j| mixed_value(rng, j + 1, scale)))
                .collect()
        })
        .collect();
    let cols = (0..3)
        .map(|j| {
            let c: Vec<f64> = (0..nin).map(|_| mixed_value(rng, j + 1, scale)).collect();
            c.iter().chain(&c).copied().collect()
        })
        .collect();
    (rows, cols)
}

/// One case of the float32 coordinate loop: `places` (the inner one at
/// `inner`) over `n` points of `f` from `at`, streamed and not, with and
/// without the `given` points, asking for the AVX-512 loop and not, into
/// an output per place and into one interleaved output; each point
/// against `want(place, point)` (a given point's value where there is
/// one), bit for bit. `done(wide, interleaved)`: whether a loop is
/// expected. The runs that found one.
#[allow(clippy::needless_range_loop)]
fn run_comb3_f32(
    (places, strides, inner): (&[Place<'_>], &[usize], usize),
    (f, at, n): (&[f32], usize, usize),
    given: Option<Given<'_, f32>>,
    done: impl Fn(bool, bool) -> bool,
    want: impl Fn(usize, usize) -> f32,
    case: usize,
) -> usize {
    let m = places.len();
    let mut ran = 0;
    let apart = n.next_multiple_of(16) + 16;
    let mut store = vec![0f32; m * apart + 16];
    let base = to_boundary(store.as_ptr() as usize, 4, 64).unwrap();
    for (stream, given) in [(false, None), (true, given), (false, given)] {
        for (wide, ilv) in [(false, false), (true, false), (false, true), (true, true)] {
            store.fill(1.0);
            let got = if ilv {
                let o = Outs::Interleaved(&mut store[base..base + m * n]);
                f32::comb3_separate(places, f, at, strides, Some(inner), o, stream, given, wide)
            } else {
                let mut outs: Vec<&mut [f32]> = (store[base..].chunks_mut(apart))
                    .take(m)
                    .map(|o| &mut o[..n])
                    .collect();
                let o = Outs::Each(&mut outs);
                f32::comb3_separate(places, f, at, strides, Some(inner), o, stream, given, wide)
            };
            assert_eq!(got, done(wide, ilv), "case {case} interleaved {ilv}");
            if !got {
                assert!(store.iter().all(|&x| x == 1.0));
                continue;
            }
            fence();
            ran += 1;
            for i in 0..n {
                for k in 0..m {
                    let mut want = want(k, i);
                    for &(p, x) in given.iter().flat_map(|g| g.at) {
                        if p == i && k == given.unwrap().slot {
                            want = x;
                        }
                    }
                    let got = match ilv {
                        true => store[base + m * i + k],
                        false => store[base + k * apart + i],
                    };
                    assert!(
                        got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                        "case {case} wide {wide} interleaved {ilv} m {m} inner {inner} \
                         strides {strides:?} places {places:?} n {n} stream {stream} \
                         given {given:?} point {i} place {k}: {got:e} vs {want:e}"
                    );
                }
            }
            // Nothing written past the points.
            match ilv {
                true => assert!(store[base + m * n..].iter().all(|&x| x == 1.0)),
                false => assert!((0..m).all(|k| {
                    let o = &store[base + k * apart..];
                    o[n..apart.min(o.len())].iter().all(|&x| x == 1.0)
                })),
            }
        }
    }
    ran
}

/// The float32 loop with coordinates where its points are segments of the
/// smallest outer stride, a whole number of blocks (taken two at a time
/// where the machine has AVX-512): each point against the plain formula,
/// with rows that end inside blocks, outer places whose rows are not the
/// segments, pairs and a segment left alone, the last segment whole or
/// short, given points (none, a few, every other), streamed and not.
#[test]
#[allow(clippy::needless_range_loop)]
fn comb3_separate_by_segments_matches_the_plain_formula() {
    let mut rng = Rng(2718);
    let val = |rng: &mut Rng, k: u64| mixed_value(rng, k, (1e300, 1e-310));
    let mut ran = 0;
    for case in 0..160 {
        let m = 2 + case % 2;
        let inner = rng.next() as usize % m;
        let nin = 16 * (1 + rng.next() as usize % 3);
        let r = nin * (1 + rng.next() as usize % 2);
        let nseg = 1 + rng.next() as usize % 5;
        // Half the time the last segment short by whole blocks.
        let short = match rng.next() % 2 {
            0 => 16 * (rng.next() as usize % (r / 16)),
            _ => 0,
        };
        let n = nseg * r - short;
        // The outer places: their strides (the first r, the other a
        // multiple), rows (mostly the stride; sometimes 16 or more
        // points of their own) and point 0's place in its row.
        let mut outer = vec![r];
        if m == 3 {
            outer.push(r * (2 + rng.next() as usize % 3));
        }
        if rng.next() % 2 == 0 {
            outer.reverse();
        }
        let shape: Vec<(usize, usize, usize)> = outer
            .iter()
            .map(|&d| {
                let s = match rng.next() % 3 {
                    0 => 16 + rng.next() as usize % 40,
                    _ => d,
                };
                (d, s, rng.next() as usize % s)
            })
            .collect();
        let at_rows: Vec<(usize, usize)> = shape.iter().map(|&(_, s, p0)| (s, p0)).collect();
        let (rows, cols) = coord_tables(&mut rng, &at_rows, n, nin, (1e300, 1e-310));
        let p0in = rng.next() as usize % nin;
        let reach = outer.iter().copied().max().unwrap() + separate::PAD;
        let at = reach + rng.next() as usize % 2;
        let f: Vec<f32> = (0..at + n + reach + 1)
            .map(|i| val(&mut rng, i as u64) as f32)
            .collect();
        // The places and strides in slot order, the inner one at `inner`.
        let mut places = Vec::new();
        let mut strides = Vec::new();
        let mut by_row = shape.iter().zip(&rows);
        for k in 0..m {
            if k == inner {
                places.push(Place::Wrap {
                    cols: [&cols[0], &cols[1], &cols[2]],
                    n: nin,
                    p0: p0in,
                    copies: Default::default(),
                });
                strides.push(1);
            } else {
                let (&(d, s, p0), rows) = by_row.next().unwrap();
                places.push(Place::Rows { rows, s, p0 });
                strides.push(d);
            }
        }
        let coef = |k: usize, i: usize| -> [f64; 3] {
            match places[k] {
                Place::Wrap { p0, .. } => [0, 1, 2].map(|j| cols[j][(p0 + i) % nin]),
                Place::Rows { rows, s, p0 } => rows[(p0 + i) / s],
                Place::Edge { .. } => unreachable!("none made here"),
            }
        };
        let given = random_given(&mut rng, n, m, [1.5e3, -2.5e-3, 7.0]);
        let given = given.as_ref().map(|(slot, at)| Given { slot: *slot, at });
        let want = |k: usize, i: usize| {
            let (c, e, d) = (coef(k, i), at + i, strides[k]);
            let x = [f[e - d], f[e], f[e + d]].map(f64::from);
            (c[0] * x[0] + c[1] * x[1] + c[2] * x[2]) as f32
        };
        let on = (&places[..], &strides[..], inner);
        // Interleaved: only the AVX-512 loop.
        let done = |wide: bool, ilv: bool| available() && (!ilv || wide && available512());
        ran += run_comb3_f32(on, (&f, at, n), given, done, want, case);
    }
    assert_eq!(ran > 0, available());
}

/// The float32 loop with coordinates where outer places stand at their
/// one-sided ends (edge order 1 and 2, first and last point): each point
/// against numpy's formulas there, with one or two such places, the other
/// outer place's rows ending inside blocks, the inner place anywhere in
/// slot order, points past the last whole block, given points, streamed
/// and not; no loop (nothing written) without AVX-512.
#[test]
#[allow(clippy::needless_range_loop)]
fn comb3_separate_with_edge_places_matches_the_formulas_there() {
    let mut rng = Rng(1618);
    let val = |rng: &mut Rng, k: u64| mixed_value(rng, k, (1e30, 1e-40));
    let mut ran = 0;
    for case in 0..120 {
        let m = 2 + case % 2;
        let inner = rng.next() as usize % m;
        let nin = 16 + rng.next() as usize % 40;
        let n = 1 + rng.next() as usize % 150;
        // The outer places' strides, and which are at an end: with two,
        // one or both; with one, always.
        let mut outer = vec![nin * (1 + rng.next() as usize % 2)];
        if m == 3 {
            outer.push(outer[0] * (2 + rng.next() as usize % 3));
        }
        let edge: Vec<Option<EdgeOp>> = (0..outer.len())
            .map(|j| {
                let on = outer.len() == 1 || j == case % 2 || rng.next() % 3 == 0;
                let op = match rng.next() % 2 {
                    0 => EdgeOp::Div(val(&mut rng, 2).abs() + 0.25),
                    _ => EdgeOp::Comb([0, 1, 2].map(|j| val(&mut rng, j + 1))),
                };
                on.then_some(op)
            })
            .collect();
        let lo: Vec<bool> = (0..outer.len()).map(|_| rng.next() % 2 == 0).collect();
        let shape: Vec<(usize, usize)> = outer
            .iter()
            .map(|&d| {
                let s = match rng.next() % 3 {
                    0 => 16 + rng.next() as usize % 40,
                    _ => d,
                };
                (s, rng.next() as usize % s)
            })
            .collect();
        let (rows, cols) = coord_tables(&mut rng, &shape, n, nin, (1e30, 1e-40));
        let p0in = rng.next() as usize % nin;
        let reach = 2 * outer.iter().copied().max().unwrap() + separate::PAD;
        let at = reach + rng.next() as usize % 2;
        let f: Vec<f32> = (0..at + n + reach + 1)
            .map(|i| val(&mut rng, i as u64) as f32)
            .collect();
        // The places and strides in slot order, the inner one at `inner`.
        let mut places = Vec::new();
        let mut strides = Vec::new();
        let mut j = 0;
        for k in 0..m {
            if k == inner {
                places.push(Place::Wrap {
                    cols: [&cols[0], &cols[1], &cols[2]],
                    n: nin,
                    p0: p0in,
                    copies: Default::default(),
                });
                strides.push(1);
            } else {
                let (s, p0) = shape[j];
                places.push(match edge[j] {
                    Some(op) => Place::Edge { lo: lo[j], op },
                    None => Place::Rows {
                        rows: &rows[j],
                        s,
                        p0,
                    },
                });
                strides.push(outer[j]);
                j += 1;
            }
        }
        let want = |k: usize, i: usize| -> f32 {
            let (e, d) = (at + i, strides[k]);
            let w = |x: [f32; 3], c: [f64; 3]| {
                let x = x.map(f64::from);
                (c[0] * x[0] + c[1] * x[1] + c[2] * x[2]) as f32
            };
            match places[k] {
                Place::Edge { lo, op } => match (op, lo) {
                    (EdgeOp::Div(h), true) => (f64::from(f[e + d] - f[e]) / h) as f32,
                    (EdgeOp::Div(h), false) => (f64::from(f[e] - f[e - d]) / h) as f32,
                    (EdgeOp::Comb(c), true) => w([f[e], f[e + d], f[e + 2 * d]], c),
                    (EdgeOp::Comb(c), false) => w([f[e - 2 * d], f[e - d], f[e]], c),
                },
                Place::Wrap { p0, .. } => w(
                    [f[e - d], f[e], f[e + d]],
                    [0, 1, 2].map(|j| cols[j][(p0 + i) % nin]),
                ),
                Place::Rows { rows, s, p0 } => w([f[e - d], f[e], f[e + d]], rows[(p0 + i) / s]),
            }
        };
        let given = random_given(&mut rng, n, m, [1.5e3, -2.5e-3, 7.0]);
        let given = given.as_ref().map(|(slot, at)| Given { slot: *slot, at });
        let done = |wide: bool, _ilv: bool| wide && available() && available512();
        let on = (&places[..], &strides[..], inner);
        ran += run_comb3_f32(on, (&f, at, n), given, done, want, case);
    }
    assert_eq!(ran > 0, available() && available512());
}

/// The sweep's stall test: an output whose start lies 1 to
/// `STALL_WINDOW` bytes past (modulo a page) the place of one of the
/// sweep's loads (the point itself, or a neighbour a stride away on
/// either side) stalls; at the load's own offset, behind it, or farther
/// ahead it does not. The cases of the measurements: 256^3 float64 with
/// every array at the same page offset (free), its outputs 64 bytes on
/// (stalls), and 260^3 (the neighbour a plane back lies 128 bytes behind
/// the point modulo a page: stalls with every array at the same offset).
#[test]
fn sweep_stalls_where_a_store_is_just_behind_a_load() {
    let w = STALL_WINDOW;
    let f = 0x7f00_0000_0040usize;
    let stall = |out: usize, size: usize, strides: &[usize]| {
        stores_stall_loads(f, size, [f, out].into_iter(), strides)
    };
    // The point only (every stride a whole number of pages).
    for (d, want) in [
        (0, false),
        (1, true),
        (8, true),
        (w, true),
        (w + 1, false),
        (4095, false),
    ] {
        assert_eq!(stall(f + d, 8, &[512]), want, "{d}");
        assert_eq!(stall(f + d + 4096 * 3, 8, &[512]), want, "{d} pages on");
        assert_eq!(stall(f - 4096 + d, 8, &[512]), want, "{d} a page back");
    }
    // 256^3 float64, C order: the strides 1, 256, 65536 points.
    let cube = [1, 256, 65536];
    assert!(!stall(f, 8, &cube));
    assert!(stall(f + 64, 8, &cube));
    // Past the neighbour a row (2048 bytes) on, and past the point.
    assert!(stall(f + 2048 + 64, 8, &cube));
    assert!(!stall(f + 1024, 8, &cube));
    // The contiguous axis: its left neighbour is not loaded (carried), so
    // an output one element behind is free, one element on is not.
    assert!(!stall(f - 8, 8, &[1]));
    assert!(stall(f + 8, 8, &[1]));
    // 260^3: 67600 * 8 bytes is 128 more than a whole number of pages.
    assert!(stall(f, 8, &[1, 260, 67600]));
    assert!(!stall(f, 8, &[1, 256, 65536]));
    // float32: the same bytes, half the points.
    assert!(stall(f, 4, &[1, 260, 67600 * 2]));
    assert!(!stall(f, 4, &[1, 512, 1 << 20]));
    // No outputs, nothing to stall on.
    assert!(!stores_stall_loads(f, 8, std::iter::empty(), &cube));
}

/// The copy each row takes: from point to point (a streamed store up to
/// `STALL_WINDOW` bytes past a column's load, modulo a page, stalls it),
/// one whose loads no store stalls (one of four copies a quarter page
/// apart always clears three outputs' windows over three columns
/// `SHIFT` apart), and of those the one whose loads lie furthest behind
/// the stores; over runs from anywhere in a row across several rows.
#[test]
fn pick_copies_takes_the_copy_furthest_behind_the_stores() {
    let mut rng = Rng(2718);
    const PAGE: usize = 4096;
    let gap = 3 * PAGE + PAGE / COPIES;
    let mut moved = 0;
    for _ in 0..3000 {
        let n = 8 + rng.next() as usize % 300;
        let (p0, len) = (rng.next() as usize % n, rng.next() as usize % (4 * n));
        let cols = PAGE * 1000 + 8 * (rng.next() as usize % 512);
        let m = 2 + rng.next() as usize % 2;
        let outs: Vec<usize> = (0..m)
            .map(|_| PAGE * 5000 + 8 * (rng.next() as usize % 512))
            .collect();
        let mut pick = [0u8; 8];
        let rows = (p0 + len).div_ceil(n);
        let mut memo = PickMemo::new();
        let got = pick_copies((cols, gap), (n, p0, len), &outs, &mut pick, &mut memo);
        if rows > pick.len() {
            assert_eq!(got, None);
            continue;
        }
        assert_eq!(got, Some(rows));
        for q in 0..rows {
            let (i0, i1) = ((q * n).saturating_sub(p0), ((q + 1) * n - p0).min(len));
            // Copy k at each point of the row: the stalled loads and the
            // least distance from a load to a store.
            let of = |k: usize| -> (usize, usize) {
                let each = (i0..i1).flat_map(|i| {
                    let outs = &outs;
                    (0..3).flat_map(move |j| {
                        let col = cols + k * gap + 8 * (p0 + i - q * n) + j * SHIFT;
                        outs.iter()
                            .map(move |&o| (o + 8 * i).wrapping_sub(col) % PAGE)
                    })
                });
                each.fold((0, PAGE), |(s, near), d| {
                    (s + (1..=STALL_WINDOW).contains(&d) as usize, near.min(d))
                })
            };
            let all: Vec<(usize, usize)> = (0..COPIES).map(of).collect();
            let took = all[pick[q] as usize];
            if i1 > i0 {
                assert_eq!(took.0, 0, "{all:?} {pick:?}");
                let far = all.iter().filter(|a| a.0 == 0).map(|a| a.1).max().unwrap();
                assert_eq!(took.1, far, "{all:?} {pick:?}");
            }
            moved += (pick[q] != 0) as usize;
        }
    }
    // Rows that took another copy than the first, many.
    assert!(moved > 1000, "{moved}");
    // Too many rows for `pick`: nothing written.
    let mut pick = [9u8; 2];
    let mut memo = PickMemo::new();
    assert_eq!(
        pick_copies((0, gap), (10, 5, 20), &[64], &mut pick, &mut memo),
        None
    );
    assert_eq!(pick, [9, 9]);
}

/// The choices [`pick_copies`] remembers for a sweep are the ones it
/// makes afresh: runs anywhere, the outputs moved together, the memo kept
/// (and emptied when the columns or the outputs' distances change).
#[test]
fn pick_copies_remembers_what_it_would_choose() {
    let mut rng = Rng(1618);
    const PAGE: usize = 4096;
    let gap = 3 * PAGE + PAGE / COPIES;
    let mut memo = PickMemo::new();
    let (mut reused, mut cols, mut apart) = (0, PAGE * 1000, vec![0, 8 * 200]);
    for case in 0..20000 {
        if case % 2000 == 0 {
            // Other columns, or other distances between the outputs.
            cols = PAGE * 1000 + 8 * (rng.next() as usize % 512);
            let m = 2 + rng.next() as usize % 2;
            apart = (0..m)
                .map(|k| k * 8 * (rng.next() as usize % 512))
                .collect();
        }
        let n = [60, 100, 256, 37][case % 4];
        let (p0, len) = (rng.next() as usize % n, rng.next() as usize % (4 * n));
        let base = PAGE * 5000 + 8 * (rng.next() as usize % 4096);
        let outs: Vec<usize> = apart.iter().map(|a| base + a).collect();
        let (mut fresh, mut kept) = ([0u8; 8], [0u8; 8]);
        let want = pick_copies(
            (cols, gap),
            (n, p0, len),
            &outs,
            &mut fresh,
            &mut PickMemo::new(),
        );
        // The choices held before the call (none if it empties the memo).
        let mut key = ((cols, gap), [0; 2]);
        for (k, o) in key.1.iter_mut().zip(&outs[1..]) {
            *k = o - outs[0];
        }
        let held = memo.picks.iter().filter(|&&p| p != 0).count();
        let before = if memo.key == key { held } else { 0 };
        let got = pick_copies((cols, gap), (n, p0, len), &outs, &mut kept, &mut memo);
        assert_eq!(got, want);
        let rows = got.unwrap_or(0);
        assert_eq!(kept[..rows], fresh[..rows], "case {case}");
        let after = memo.picks.iter().filter(|&&p| p != 0).count();
        reused += (rows > 0 && after - before < rows) as usize;
    }
    // Most runs found some of their rows' choices made.
    assert!(reused > 10000, "{reused}");
}

/// Coordinates for the checks' tests: every length up to 40, both
/// directions, with one defect anywhere (a repeated, reversed, NaN or
/// infinite coordinate, a difference that overflows, random bits) or none;
/// `each(x, sign, want)` with the direction and the plain test's answer
/// (every step positive and finite). Both answers are asked for.
pub(crate) fn coordinate_cases(mut each: impl FnMut(&[f64], f64, bool)) {
    let mut rng = Rng(4242);
    let plain = |x: &[f64], sign: f64| {
        x.windows(2).all(|w| {
            let d = (w[1] - w[0]) * sign;
            d > 0.0 && d < f64::INFINITY
        })
    };
    let mut seen = [0; 2];
    for n in 2..40 {
        for sign in [1.0, -1.0] {
            let good: Vec<f64> = (0..n)
                .map(|i| sign * (i as f64 + 0.25 * (i % 3) as f64))
                .collect();
            for at in 0..=n {
                for defect in 0..6 {
                    let mut x = good.clone();
                    if at < n {
                        x[at] = match defect {
                            0 => x[at.saturating_sub(1)],
                            1 => -x[at] - sign,
                            2 => f64::NAN,
                            3 => sign * f64::INFINITY,
                            4 => -sign * f64::MAX,
                            _ => f64::from_bits(rng.next()),
                        };
                    }
                    let want = plain(&x, sign);
                    each(&x, sign, want);
                    seen[want as usize] += 1;
                }
            }
        }
    }
    assert!(seen[0] > 0 && seen[1] > 0);
}

/// The coordinates' check against the plain test ([`coordinate_cases`]).
#[test]
fn steps_positive_matches_the_scalar_test() {
    coordinate_cases(|x, sign, want| match steps_positive(x, sign) {
        Some(got) => assert_eq!(got, want, "{x:?}"),
        None => assert!(!available()),
    });
    assert_eq!(steps_positive(&[1.0], 1.0), None);
}
