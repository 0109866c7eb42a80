//! Every axis at once into separate outputs: the dividing loop of a
//! uniform step for two or three axes, each axis's quotients streamed into
//! its own output, and the loop of coordinates (three terms per point and
//! axis, as numpy computes them; it reads every value as it is, so no
//! test of the inputs). A block is a cache line of every output (8 float64 or
//! 16 float32 points), written output after output, whole lines in turn:
//! the pattern that keeps the write-combining buffers full (partial lines
//! alternating between outputs cost several times as much).
//!
//! The inner axis's neighbours are adjacent points. Loading the left one
//! (`f[i - 1]`) would read, four kilobytes apart, the place the last
//! block's stores went to when input and outputs start at the same offset
//! in a page (the usual case: large allocations are page-aligned plus a
//! header); the processor then takes the load as dependent on those
//! stores, still in flight, and waits for them (measured on an AMD EPYC:
//! 24.5 ms instead of 18.5 for a 256^3 float64 field). So the loop loads
//! each point once, at or ahead of the block it stores, and builds the
//! left neighbours from the vector carried from the block before.
//!
//! The dividing loop's range test (see `quot4`) costs here what the
//! division saves: with three outputs streamed the loop is bound by how
//! many instructions stand between its stores (measured: each extra
//! instruction per block of 4 points costs about 2% of the run). So the
//! fast form tests the inputs instead, once per point: where every input
//! value is zero or has a magnitude in `[L, H]` (`L` the least difference
//! the correction takes times `2^(p+1)`, `H` half the greatest), every
//! difference of two of them is zero or in the range the correction
//! takes. The loop tests the points it is given (the inner place's, each
//! loaded once) and answers whether they all are; its caller answers for
//! the rest and computes again, by the tested loops, what it cannot vouch
//! for.

use super::*;
use std::cell::Cell;

/// Input points before the first point that the inner axis's slice holds
/// (the carried vector's, for both types).
pub(crate) const PAD: usize = 8;

/// Element types with a SIMD loop that divides into separate outputs.
pub(crate) trait SubDivSeparate: Sized {
    /// `outs[k][i] = (fp[k][i] - fm[k][i]) / b_k` for the `m` divisors
    /// `b_k` of `q` and every point `i < n` (every output `n` long, every
    /// `fm[k]`, `fp[k]` at least `n`); None (nothing written) where there
    /// is no such loop (this type, `m`, divisor or machine). With `inner`,
    /// the fast form: `Some(true)` when every point's input value (`inner`
    /// from `PAD` on) is in the range [`SubDivSeparate::inputs_ok`] tests,
    /// and then the outputs are those quotients bit for bit if every other
    /// input value read is too (the caller's to know); `Some(false)`
    /// otherwise (the outputs then hold no promise). Without, every
    /// quotient is tested (`Some(true)`).
    /// `inner`: the place whose neighbours are adjacent points, and the
    /// input from [`PAD`] points before point 0 to one after point
    /// `n - 1` (`n + PAD + 1` long): that place's neighbours are read
    /// there (its `fm` and `fp` only by the scalar tail). `stream`:
    /// non-temporal stores, for outputs that all start on a 32-byte
    /// boundary (asserted; on a 64-byte one, each block is a line of each
    /// output). `given`: points' values of one place, given ([`Given`]).
    fn sub_div_separate(
        q: &Quots,
        fm: &[&[Self]],
        fp: &[&[Self]],
        inner: Option<(usize, &[Self])>,
        outs: &mut [&mut [Self]],
        stream: bool,
        given: Option<Given<'_, Self>>,
    ) -> Option<bool>;

    /// Whether every value of `xs` is one the fast form takes for `q`
    /// (zero, or a magnitude in `[L, H]`; every value for exact divisors).
    fn inputs_ok(q: &Quots, xs: &[Self]) -> bool;
}

/// The precision of a floating-point type, in bits.
pub(super) trait Precision {
    const BITS: i32;
}

impl Precision for f64 {
    const BITS: i32 = f64::MANTISSA_DIGITS as i32;
}

impl Precision for f32 {
    const BITS: i32 = f32::MANTISSA_DIGITS as i32;
}

/// `[L, H]` of the fast form for the divisors `rs` (see the module
/// documentation), in `f64`. Exact divisors (powers of two) take every
/// value.
pub(super) fn input_range<T: Copy + Into<f64> + Precision>(rs: &[Recip<T>]) -> (f64, f64) {
    let (mut l, mut h) = (0.0f64, f64::INFINITY);
    for r in rs.iter().filter(|r| !r.exact) {
        l = l.max(r.lo.into() * 2f64.powi(T::BITS + 1));
        h = h.min(r.hi.into() / 2.0);
    }
    (l, h)
}

/// The checks and the dispatch of [`SubDivSeparate`] for one type: `$d`
/// its divisors in [`Quots`], `$r` their input range, `$run` its loop.
macro_rules! sub_div_separate_impl {
    ($t:ty, $d:ident, $r:ident, $run:ident) => {
        impl SubDivSeparate for $t {
            #[inline]
            fn sub_div_separate(
                q: &Quots,
                fm: &[&[$t]],
                fp: &[&[$t]],
                inner: Option<(usize, &[$t])>,
                outs: &mut [&mut [$t]],
                stream: bool,
                given: Option<Given<'_, $t>>,
            ) -> Option<bool> {
                let m = q.m;
                let rs = q.$d.as_ref()?;
                if fm.len() != m || fp.len() != m || outs.len() != m || !available() {
                    return None;
                }
                let n = outs[0].len();
                assert!(outs.iter().all(|o| o.len() == n));
                Given::check(&given, m);
                assert!(fm.iter().chain(fp).all(|s| s.len() >= n));
                if let Some((slot, c)) = inner {
                    assert!(slot < m && c.len() == n + PAD + 1);
                }
                assert!(!stream || outs.iter().all(|o| o.as_ptr() as usize % 32 == 0));
                #[cfg(target_arch = "x86_64")]
                {
                    // The inner place last (the loops know it by its index).
                    let (mut fm2, mut fp2) = ([fm[0]; 3], [fp[0]; 3]);
                    fm2[..m].copy_from_slice(fm);
                    fp2[..m].copy_from_slice(fp);
                    let mut rs = *rs;
                    let mut outs2: [&mut [$t]; 3] = Default::default();
                    for (o, h) in outs2.iter_mut().zip(outs.iter_mut()) {
                        *o = &mut **h;
                    }
                    let mut given = given;
                    let c = match inner {
                        Some((slot, c)) => {
                            let last = m - 1;
                            fm2.swap(slot, last);
                            fp2.swap(slot, last);
                            rs.swap(slot, last);
                            outs2.swap(slot, last);
                            if let Some(g) = &mut given {
                                g.slot = match g.slot {
                                    x if x == slot => last,
                                    x if x == last => slot,
                                    x => x,
                                };
                            }
                            Some(c)
                        }
                        None => None,
                    };
                    let one = rs[1..m].iter().all(|r| r.b.to_bits() == rs[0].b.to_bits());
                    let f = form(rs[0].exact, rs[0].b > 0.0);
                    let (fm, fp, o, s, g) = (&fm2[..m], &fp2[..m], &mut outs2[..m], stream, given);
                    let c = c.map(|c| (c, q.$r));
                    macro_rules! go {
                        ($fast:expr) => {
                            match (m == 3, one, f) {
                                (true, true, EXACT) => {
                                    $run::<3, EXACT, true, $fast>(&rs, fm, fp, c, o, s, g)
                                }
                                (true, true, POS) => {
                                    $run::<3, POS, true, $fast>(&rs, fm, fp, c, o, s, g)
                                }
                                (true, true, _) => {
                                    $run::<3, NEG, true, $fast>(&rs, fm, fp, c, o, s, g)
                                }
                                (false, true, EXACT) => {
                                    $run::<2, EXACT, true, $fast>(&rs, fm, fp, c, o, s, g)
                                }
                                (false, true, POS) => {
                                    $run::<2, POS, true, $fast>(&rs, fm, fp, c, o, s, g)
                                }
                                (false, true, _) => {
                                    $run::<2, NEG, true, $fast>(&rs, fm, fp, c, o, s, g)
                                }
                                (true, false, _) => {
                                    $run::<3, ANY, false, $fast>(&rs, fm, fp, c, o, s, g)
                                }
                                (false, false, _) => {
                                    $run::<2, ANY, false, $fast>(&rs, fm, fp, c, o, s, g)
                                }
                            }
                        };
                    }
                    // SAFETY: AVX2 and FMA were detected at run time
                    // (available()); every output holds n points, every fm
                    // and fp at least n, the inner slice n + PAD + 1, the
                    // outputs 32-byte aligned when streamed (asserted
                    // above); m is 2 or 3 (Quots::new).
                    Some(unsafe {
                        match c.is_some() {
                            true => go!(true),
                            false => go!(false),
                        }
                    })
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = (rs, stream, given, inner);
                    None
                }
            }

            fn inputs_ok(q: &Quots, xs: &[$t]) -> bool {
                if q.$d.is_none() {
                    return true;
                }
                let (l, h) = q.$r;
                if l == 0.0 && h == f64::INFINITY {
                    return true;
                }
                // Exact in this type: powers of two times its values.
                let (l, h) = (l as $t, h as $t);
                // Without branches per value (the compiler's SIMD), a
                // chunk at a time.
                xs.chunks(256).all(|c| {
                    c.iter().fold(true, |ok, &x| {
                        let a = x.abs();
                        ok & ((a == 0.0) | ((l <= a) & (a <= h)))
                    })
                })
            }
        }
    };
}
sub_div_separate_impl!(f64, d64, r64, sub_div_sep_f64);
sub_div_separate_impl!(f32, d32, r32, sub_div_sep_f32);

/// `[a3, b0, b1, b2]`: the left neighbours of the points of `b`, `a` the
/// four points before them.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn left_pd(a: __m256d, b: __m256d) -> __m256d {
    // SAFETY: register operations only.
    unsafe { _mm256_shuffle_pd::<0b0101>(_mm256_permute2f128_pd::<0x21>(a, b), b) }
}

/// `[a7, b0, ..., b6]`: [`left_pd`] for 8 floats.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn left_ps(a: __m256, b: __m256) -> __m256 {
    // SAFETY: register operations only.
    unsafe {
        // a4..a7 | b0..b3, then per 128-bit half the last float of the
        // first operand's half before the second's first three.
        let t = _mm256_castps_si256(_mm256_permute2f128_ps::<0x21>(a, b));
        _mm256_castsi256_ps(_mm256_alignr_epi8::<12>(_mm256_castps_si256(b), t))
    }
}

/// `RN(a / b)` in 4 lanes without the range test: right when `|a|` is in
/// `r`'s range or 0 (see `quot4`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(unused_unsafe)]
pub(super) unsafe fn quot4_fast(r: &RecipV, form: u8, a: __m256d) -> __m256d {
    // SAFETY: register operations only (AVX2 and FMA enabled here).
    unsafe {
        let q = _mm256_mul_pd(a, r.y);
        match form {
            EXACT => q,
            POS => _mm256_fmadd_pd(_mm256_fmsub_pd(q, r.b, a), r.ny, q),
            _ => _mm256_fmadd_pd(_mm256_fnmadd_pd(q, r.b, a), r.y, q),
        }
    }
}

/// [`quot4_fast`] for 8 `f32` lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(unused_unsafe)]
pub(super) unsafe fn quot8_fast(r: &RecipV32, form: u8, a: __m256) -> __m256 {
    // SAFETY: register operations only (AVX2 and FMA enabled here).
    unsafe {
        let q = _mm256_mul_ps(a, r.y);
        match form {
            EXACT => q,
            POS => _mm256_fmadd_ps(_mm256_fmsub_ps(q, r.b, a), r.ny, q),
            _ => _mm256_fmadd_ps(_mm256_fnmadd_ps(q, r.b, a), r.y, q),
        }
    }
}

/// The loop of [`SubDivSeparate`] for `M` (2 or 3) f64 divisors: every
/// divisor of form `F` ([`ANY`]: each its own), `ONE`: all of them
/// `rs[0]`. `FAST` (with `inner`, its place the last, and the inputs'
/// range): the fast form, which returns whether the inner place's points
/// are in that range; otherwise every quotient tested (returns true).
/// Caller: AVX2 and FMA present, the lengths and alignment as
/// [`SubDivSeparate::sub_div_separate`] checks them.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(unused_unsafe)]
unsafe fn sub_div_sep_f64<const M: usize, const F: u8, const ONE: bool, const FAST: bool>(
    rs: &[Recip<f64>; 3],
    fm: &[&[f64]],
    fp: &[&[f64]],
    inner: Option<(&[f64], (f64, f64))>,
    outs: &mut [&mut [f64]],
    stream: bool,
    given: Option<Given<'_, f64>>,
) -> bool {
    let n = outs[0].len();
    // SAFETY: register operations only.
    let rv: [RecipV; M] =
        std::array::from_fn(|k| unsafe { RecipV::new(&rs[if ONE { 0 } else { k }]) });
    let (pm, pp): ([*const f64; M], [*const f64; M]) = (
        std::array::from_fn(|k| fm[k].as_ptr()),
        std::array::from_fn(|k| fp[k].as_ptr()),
    );
    let po: [*mut f64; M] = std::array::from_fn(|k| outs[k].as_mut_ptr());
    // The places whose neighbours are rows away (all but the inner one).
    let outer = if FAST { M - 1 } else { M };
    debug_assert_eq!(FAST, inner.is_some());
    let (pc, (l, h)) = inner.map_or((std::ptr::null(), (0.0, 0.0)), |(c, r)| (c.as_ptr(), r));
    // The test of the inner place's points, on the upper 32 bits of their
    // magnitudes.
    let (lo_bits, hi_bits) = upper_bounds(l, h);
    // The four points before the next block's, carried, and the test's
    // greatest and least so far.
    // SAFETY: the inner slice starts PAD >= 4 points before point 0.
    let prev = Cell::new(match inner {
        Some(_) => unsafe { _mm256_loadu_pd(pc.add(PAD - 4)) },
        None => unsafe { _mm256_setzero_pd() },
    });
    // SAFETY: register operations only.
    let test = Cell::new(unsafe { Gathered::new() });
    let mut stops = Stops::<_, 8>::new(given, n);
    // The quotients of place `k` for the block of 8 points from `i`.
    // A macro, not a closure: used 2M times, a closure is not inlined.
    macro_rules! quots {
        ($k:expr, $i:expr) => {{
            let (k, i): (usize, usize) = ($k, $i);
            // SAFETY: i + 8 <= n: the loads stay inside fm[k] and fp[k], and
            // inside the inner slice (points PAD + i - 4 to PAD + i + 9 of its
            // n + PAD + 1); the rest are register operations.
            unsafe {
                let (a0, a1) = if k < outer {
                    let d = |j: usize| {
                        _mm256_sub_pd(_mm256_loadu_pd(pp[k].add(j)), _mm256_loadu_pd(pm[k].add(j)))
                    };
                    (d(i), d(i + 4))
                } else {
                    let c = pc.add(PAD + i);
                    let (x0, x1) = (_mm256_loadu_pd(c), _mm256_loadu_pd(c.add(4)));
                    let (m0, m1) = (left_pd(prev.get(), x0), left_pd(x0, x1));
                    prev.set(x1);
                    if FAST && F != EXACT {
                        test.set(test.get().pd(x0).pd(x1));
                    }
                    (
                        _mm256_sub_pd(_mm256_loadu_pd(c.add(1)), m0),
                        _mm256_sub_pd(_mm256_loadu_pd(c.add(5)), m1),
                    )
                };
                let r = &rv[if ONE { 0 } else { k }];
                let form = if F == ANY { r.form } else { F };
                if FAST {
                    [quot4_fast(r, form, a0), quot4_fast(r, form, a1)]
                } else if form == EXACT {
                    [_mm256_mul_pd(a0, r.y), _mm256_mul_pd(a1, r.y)]
                } else {
                    let ((q0, b0), (q1, b1)) = match form {
                        POS => (quot4_parts::<POS>(r, a0), quot4_parts::<POS>(r, a1)),
                        _ => (quot4_parts::<NEG>(r, a0), quot4_parts::<NEG>(r, a1)),
                    };
                    match _mm256_movemask_pd(_mm256_or_pd(b0, b1)) != 0 {
                        true => [quot4_fix(r, a0, q0, b0), quot4_fix(r, a1, q1, b1)],
                        false => [q0, q1],
                    }
                }
            }
        }};
    }
    // The block from `i`, every place.
    let block = |i: usize| -> [[__m256d; 2]; M] {
        // SAFETY: register operations only.
        let mut v = [[unsafe { _mm256_setzero_pd() }; 2]; M];
        v[0] = quots!(0, i);
        v[1] = quots!(1, i);
        if M == 3 {
            v[M - 1] = quots!(2, i);
        }
        v
    };
    // SAFETY: i + 8 <= n: the stores stay inside output k; i is a multiple
    // of 8, so each starts 64 i / 8 bytes after the output's start (or 32
    // more), hence aligned when streamed.
    let put = |k: usize, i: usize, v: [__m256d; 2], s: bool| unsafe {
        put_pd(po[k].add(i), v[0], s);
        put_pd(po[k].add(i + 4), v[1], s);
    };
    let mut i = blocks(
        &mut stops,
        stream,
        ((), |_, _| usize::MAX),
        |i, _, s| {
            for &r in &pp[..outer] {
                prefetch_ptr(r, i);
            }
            // Every load before the block's first store (a store four
            // kilobytes from a later load would hold that load up), then
            // each output's line whole, in turn.
            let v = block(i);
            for (k, v) in v.into_iter().enumerate() {
                put(k, i, v, s);
            }
        },
        |i, _, stops| {
            let mut v = block(i);
            // SAFETY: register operations only.
            stops.place(i, &mut v, |v, l, x| unsafe {
                match l < 4 {
                    true => [set_lane_pd(v[0], l, x), v[1]],
                    false => [v[0], set_lane_pd(v[1], l - 4, x)],
                }
            });
            for (k, v) in v.into_iter().enumerate() {
                put(k, i, v, stream);
            }
        },
    );
    // Exact divisors only: every value is taken.
    let every = l == 0.0 && h == f64::INFINITY;
    let mut clean = true;
    if FAST && !every {
        // SAFETY: register operations only. The upper halves: the odd
        // lanes.
        clean = unsafe { test.get().within(lo_bits, hi_bits, 0xaa) };
    }
    while i < n {
        let mut o = [0.0; M];
        for (k, o) in o.iter_mut().enumerate() {
            *o = (fp[k][i] - fm[k][i]) / rs[if ONE { 0 } else { k }].b;
        }
        stops.at(&mut o, i);
        for (k, o) in o.iter().enumerate() {
            outs[k][i] = *o;
        }
        if let (true, false, Some((c, _))) = (FAST, every, inner) {
            let a = c[PAD + i].abs();
            clean &= a == 0.0 || (l <= a && a <= h);
        }
        i += 1;
    }
    clean
}

/// [`sub_div_sep_f64`] for `f32`, by blocks of 16 points; its test on the
/// whole magnitudes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(unused_unsafe)]
unsafe fn sub_div_sep_f32<const M: usize, const F: u8, const ONE: bool, const FAST: bool>(
    rs: &[Recip<f32>; 3],
    fm: &[&[f32]],
    fp: &[&[f32]],
    inner: Option<(&[f32], (f64, f64))>,
    outs: &mut [&mut [f32]],
    stream: bool,
    given: Option<Given<'_, f32>>,
) -> bool {
    let n = outs[0].len();
    // SAFETY: register operations only.
    let rv: [RecipV32; M] =
        std::array::from_fn(|k| unsafe { RecipV32::new(&rs[if ONE { 0 } else { k }]) });
    let (pm, pp): ([*const f32; M], [*const f32; M]) = (
        std::array::from_fn(|k| fm[k].as_ptr()),
        std::array::from_fn(|k| fp[k].as_ptr()),
    );
    let po: [*mut f32; M] = std::array::from_fn(|k| outs[k].as_mut_ptr());
    let outer = if FAST { M - 1 } else { M };
    debug_assert_eq!(FAST, inner.is_some());
    let (pc, (l, h)) = inner.map_or((std::ptr::null(), (0.0, 0.0)), |(c, r)| (c.as_ptr(), r));
    // `L` and `H` are exact in f32 (powers of two times the divisor's
    // range, itself in f32); an infinite `H` takes every finite value.
    let (l, h) = (l as f32, h as f32);
    let (lo_bits, hi_bits) = (l.to_bits(), h.to_bits());
    // The eight points before the next block's, carried; the test.
    // SAFETY: the inner slice starts PAD = 8 points before point 0.
    let prev = Cell::new(match inner {
        Some(_) => unsafe { _mm256_loadu_ps(pc.add(PAD - 8)) },
        None => unsafe { _mm256_setzero_ps() },
    });
    // SAFETY: register operations only.
    let test = Cell::new(unsafe { Gathered::new() });
    let mut stops = Stops::<_, 16>::new(given, n);
    // The quotients of place `k` for the block of 16 points from `i`.
    // A macro, not a closure: used 2M times, a closure is not inlined.
    macro_rules! quots {
        ($k:expr, $i:expr) => {{
            let (k, i): (usize, usize) = ($k, $i);
            // SAFETY: i + 16 <= n: as sub_div_sep_f64's, 16 points.
            unsafe {
                let (a0, a1) = if k < outer {
                    let d = |j: usize| {
                        _mm256_sub_ps(_mm256_loadu_ps(pp[k].add(j)), _mm256_loadu_ps(pm[k].add(j)))
                    };
                    (d(i), d(i + 8))
                } else {
                    let c = pc.add(PAD + i);
                    let (x0, x1) = (_mm256_loadu_ps(c), _mm256_loadu_ps(c.add(8)));
                    let (m0, m1) = (left_ps(prev.get(), x0), left_ps(x0, x1));
                    prev.set(x1);
                    if FAST && F != EXACT {
                        test.set(test.get().ps(x0).ps(x1));
                    }
                    (
                        _mm256_sub_ps(_mm256_loadu_ps(c.add(1)), m0),
                        _mm256_sub_ps(_mm256_loadu_ps(c.add(9)), m1),
                    )
                };
                let r = &rv[if ONE { 0 } else { k }];
                let form = if F == ANY { r.form } else { F };
                if FAST {
                    [quot8_fast(r, form, a0), quot8_fast(r, form, a1)]
                } else if form == EXACT {
                    [_mm256_mul_ps(a0, r.y), _mm256_mul_ps(a1, r.y)]
                } else {
                    let ((q0, b0), (q1, b1)) = match form {
                        POS => (quot8_parts::<POS>(r, a0), quot8_parts::<POS>(r, a1)),
                        _ => (quot8_parts::<NEG>(r, a0), quot8_parts::<NEG>(r, a1)),
                    };
                    match _mm256_movemask_ps(_mm256_or_ps(b0, b1)) != 0 {
                        true => [quot8_fix(r, a0, q0, b0), quot8_fix(r, a1, q1, b1)],
                        false => [q0, q1],
                    }
                }
            }
        }};
    }
    // The block from `i`, every place.
    let block = |i: usize| -> [[__m256; 2]; M] {
        // SAFETY: register operations only.
        let mut v = [[unsafe { _mm256_setzero_ps() }; 2]; M];
        v[0] = quots!(0, i);
        v[1] = quots!(1, i);
        if M == 3 {
            v[M - 1] = quots!(2, i);
        }
        v
    };
    // SAFETY: i + 16 <= n: the stores stay inside output k; i is a
    // multiple of 16, so each starts 64 i / 16 bytes after the output's
    // start (or 32 more), hence aligned when streamed.
    let put = |k: usize, i: usize, v: [__m256; 2], s: bool| unsafe {
        put_ps(po[k].add(i), v[0], s);
        put_ps(po[k].add(i + 8), v[1], s);
    };
    let mut i = blocks(
        &mut stops,
        stream,
        ((), |_, _| usize::MAX),
        |i, _, s| {
            for &r in &pp[..outer] {
                prefetch_ptr(r, i);
            }
            // As sub_div_sep_f64's: every load first.
            let v = block(i);
            for (k, v) in v.into_iter().enumerate() {
                put(k, i, v, s);
            }
        },
        |i, _, stops| {
            let mut v = block(i);
            // SAFETY: register operations only.
            stops.place(i, &mut v, |v, l, x| unsafe {
                match l < 8 {
                    true => [set_lane_ps(v[0], l, x), v[1]],
                    false => [v[0], set_lane_ps(v[1], l - 8, x)],
                }
            });
            for (k, v) in v.into_iter().enumerate() {
                put(k, i, v, stream);
            }
        },
    );
    // Exact divisors only: every value is taken.
    let every = l == 0.0 && h == f32::INFINITY;
    let mut clean = true;
    if FAST && !every {
        // SAFETY: register operations only.
        clean = unsafe { test.get().within(lo_bits, hi_bits, 0xff) };
    }
    while i < n {
        let mut o = [0.0; M];
        for (k, o) in o.iter_mut().enumerate() {
            *o = (fp[k][i] - fm[k][i]) / rs[if ONE { 0 } else { k }].b;
        }
        stops.at(&mut o, i);
        for (k, o) in o.iter().enumerate() {
            outs[k][i] = *o;
        }
        if let (true, false, Some((c, _))) = (FAST, every, inner) {
            let a = c[PAD + i].abs();
            clean &= a == 0.0 || (l <= a && a <= h);
        }
        i += 1;
    }
    clean
}

/// Where [`Comb3Separate::comb3_separate`] writes: an output per place
/// (`Each`, `n` points each), or one output holding every point's `m`
/// values in turn, place `k`'s at `m i + k` (`Interleaved`, `m n`).
///
/// `pub` for the reason [`Coef3`] is.
pub enum Outs<'a, 'b, T> {
    Each(&'a mut [&'b mut [T]]),
    Interleaved(&'a mut [T]),
}

impl<T> Outs<'_, '_, T> {
    /// The points, for `m` places; None where the outputs do not hold
    /// them (not `m` outputs of one length; not a whole number of points).
    fn points(&self, m: usize) -> Option<usize> {
        match self {
            Outs::Each(o) => {
                let n = o.first().map_or(0, |o| o.len());
                (o.len() == m && o.iter().all(|o| o.len() == n)).then_some(n)
            }
            Outs::Interleaved(o) => (m > 0 && o.len() % m == 0).then(|| o.len() / m),
        }
    }

    /// Whether every output starts on a 32-byte boundary.
    fn aligned32(&self) -> bool {
        match self {
            Outs::Each(o) => o.iter().all(|o| o.as_ptr() as usize % 32 == 0),
            Outs::Interleaved(o) => o.as_ptr() as usize % 32 == 0,
        }
    }
}

/// Element types with a SIMD loop that combines coordinates' three terms
/// into separate outputs (float64, and float32 computed in double), each
/// block of points a cache line of every output, as the dividing loop;
/// float32's two-rows loop into an interleaved output too.
pub(crate) trait Comb3Separate: Sized {
    /// `outs[k][i] = c0 * f[e - s_k] + c1 * f[e] + c2 * f[e + s_k]`, `e =
    /// at + i` (in double, numpy's order, rounded to `Self` at the end),
    /// for the `m` places `c[k]` with neighbours `strides[k] = s_k`
    /// elements away and every point `i < n` (every output `n` long; or
    /// the interleaved output's value `m i + k`), bit for bit; false
    /// (nothing written) where there is no such loop (this type, `m`,
    /// machine, or an interleaved output anywhere but in the float32
    /// AVX-512 loops [`comb3_sep_f32_512_pairs`] and
    /// [`comb3_sep_f32_512_edge`]), a place's rows are shorter than a
    /// block (8 float64 points, 16 float32), `inner` names a place that is
    /// not the one [`Place::Wrap`] or its stride is not 1, or `f` does not
    /// hold [`PAD`] points before point 0 and every neighbour. With no
    /// points, whether the loop exists. All neighbours are read
    /// from one pointer at fixed distances (a pointer per neighbour would
    /// not leave the loop registers enough); `inner`'s left ones from the
    /// vector carried from the block before. `stream` and `given`: as
    /// [`SubDivSeparate::sub_div_separate`]'s. `wide`: take the AVX-512
    /// loop where this type has one and the machine runs it
    /// ([`available512`]; the callers pass that, the tests both).
    #[allow(clippy::too_many_arguments)]
    fn comb3_separate(
        c: &[Place<'_>],
        f: &[Self],
        at: usize,
        strides: &[usize],
        inner: Option<usize>,
        outs: Outs<'_, '_, Self>,
        stream: bool,
        given: Option<Given<'_, Self>>,
        wide: bool,
    ) -> bool;
}

/// The checks and the dispatch of [`Comb3Separate`] for one type: `$run`
/// its loop, `$w` its block, `$wide` its AVX-512 loop if it has one (the
/// same block, the same arguments).
macro_rules! comb3_separate_impl {
    ($t:ty, $run:ident, $w:expr $(, $wide:ident, $edge:ident, $pairs:ident)?) => {
        impl Comb3Separate for $t {
            #[inline]
            fn comb3_separate(
                c: &[Place<'_>],
                f: &[$t],
                at: usize,
                strides: &[usize],
                inner: Option<usize>,
                mut outs: Outs<'_, '_, $t>,
                stream: bool,
                given: Option<Given<'_, $t>>,
                wide: bool,
            ) -> bool {
                let m = c.len();
                let points = outs.points(m);
                if !(2..=3).contains(&m) || strides.len() != m || points.is_none() || !available() {
                    return false;
                }
                let n = points.unwrap_or(0);
                let ilv = matches!(outs, Outs::Interleaved(_));
                // Edge places and interleaved outputs: only the AVX-512
                // loops of a type with them (for edge places, and the
                // two-rows loop), with an inner place whose columns have
                // no copies.
                let edged = c.iter().any(Place::is_edge);
                let plain = inner.is_some_and(|k| match c[k] {
                    Place::Wrap { copies, .. } => copies.pick.is_empty(),
                    _ => false,
                });
                #[allow(unused_variables)]
                let plain_loops = false;
                $(
                    #[cfg(gradient_avx512)]
                    let plain_loops = {
                        let _ = ($edge::<2, true>, $pairs::<2, true>);
                        wide && available512() && plain
                    };
                )?
                let _ = plain;
                if (edged || ilv) && !plain_loops {
                    return false;
                }
                if n == 0 {
                    return true;
                }
                // The inner place (if any) the one Wrap, every row a block
                // or longer: a block then holds at most one row's end.
                let wrap = |k: usize| matches!(c[k], Place::Wrap { .. });
                let kinds = (0..m).all(|k| wrap(k) == (inner == Some(k)));
                let unit = inner.is_none_or(|k| strides[k] == 1);
                if !kinds || !unit || c.iter().any(|c| c.row().0 < $w) {
                    return false;
                }
                // Every point's neighbours before and after it (an edge
                // place's on one side only, two strides away at edge order
                // 2), and PAD points either side.
                let far = |k: usize, after: bool| match c[k] {
                    Place::Edge { lo, .. } if lo != after => Some(0),
                    Place::Edge { op: EdgeOp::Comb(_), .. } => strides[k].checked_mul(2),
                    _ => Some(strides[k]),
                };
                let reach = |after: bool| (0..m).try_fold(PAD, |r, k| Some(r.max(far(k, after)?)));
                let (Some(before), Some(after)) = (reach(false), reach(true)) else {
                    return false;
                };
                let end = at.checked_add(n).and_then(|e| e.checked_add(after));
                if at < before || end.is_none_or(|e| e > f.len()) || strides.contains(&0) {
                    return false;
                }
                Given::check(&given, m);
                assert!(c.iter().all(|c| c.fits(n)));
                assert!(!stream || outs.aligned32());
                #[cfg(target_arch = "x86_64")]
                {
                    // The inner place last (the loops know it by its index):
                    // each place's slot in the caller's order.
                    let (mut c2, mut s2) = ([c[0]; 3], [1; 3]);
                    c2[..m].copy_from_slice(c);
                    s2[..m].copy_from_slice(strides);
                    let mut slots = [0, 1, 2];
                    let mut given = given;
                    if let Some(slot) = inner {
                        let last = m - 1;
                        c2.swap(slot, last);
                        s2.swap(slot, last);
                        slots.swap(slot, last);
                        if let Some(g) = &mut given {
                            g.slot = match g.slot {
                                x if x == slot => last,
                                x if x == last => slot,
                                x => x,
                            };
                        }
                    }
                    let mut outs2: [&mut [$t]; 3] = Default::default();
                    let mut ilv_out: &mut [$t] = &mut [];
                    match &mut outs {
                        Outs::Each(o) => {
                            // (slots: one swap, its own inverse)
                            for (k, h) in o.iter_mut().enumerate() {
                                outs2[slots[k]] = &mut **h;
                            }
                        }
                        Outs::Interleaved(o) => ilv_out = &mut **o,
                    }
                    let (c, x, o) = (&c2[..m], (f, at, &s2), &mut outs2[..m]);
                    let (s, g) = (stream, given);
                    let wide = wide && available512();
                    let _ = (&ilv_out, slots);
                    // The loop for M places, INNER or not: the AVX-512 one
                    // if asked for and there is one.
                    macro_rules! go {
                        ($m:literal, $i:literal) => {{
                            $(
                                #[cfg(gradient_avx512)]
                                if ilv {
                                    let slots: [usize; $m] = std::array::from_fn(|k| slots[k]);
                                    let po = [ilv_out.as_mut_ptr(); $m];
                                    if edged {
                                        $edge::<$m, true>(c, x, (po, slots, n), s, g);
                                    } else if $i && pairs_fit(c, &s2[..$m], n) {
                                        $pairs::<$m, true>(c, x, (po, slots, n), s, g);
                                    } else {
                                        return false;
                                    }
                                    return true;
                                }
                                #[cfg(gradient_avx512)]
                                if edged {
                                    let po = std::array::from_fn(|k| o[k].as_mut_ptr());
                                    let each = (po, std::array::from_fn(|k| k), n);
                                    $edge::<$m, false>(c, x, each, s, g);
                                    return true;
                                }
                                #[cfg(gradient_avx512)]
                                if wide {
                                    $wide::<$m, $i>(c, x, o, s, g);
                                    return true;
                                }
                            )?
                            $run::<$m, $i>(c, x, o, s, g)
                        }};
                    }
                    let _ = wide;
                    // SAFETY: AVX2 was detected at run time (available()),
                    // AVX-512F too where wide (available512()), edged or
                    // interleaved (plain_loops, which also found the inner
                    // place and its columns without copies; the two-rows
                    // loop pairs_fit too); every output holds n points
                    // (the interleaved one m n values), f every neighbour
                    // of theirs (an edge place's on its side) and PAD
                    // points either side, the places fit n points with rows
                    // of a block or more, the inner one (if any) last, the
                    // only Wrap, stride 1; the outputs are 32-byte aligned
                    // when streamed (checked above).
                    unsafe {
                        match (m == 3, inner.is_some()) {
                            (true, true) => go!(3, true),
                            (true, false) => go!(3, false),
                            (false, true) => go!(2, true),
                            (false, false) => go!(2, false),
                        }
                    }
                    true
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = (f, at, inner, stream, given, wide, outs);
                    false
                }
            }
        }
    };
}
comb3_separate_impl!(f64, comb3_sep_f64, 8);
comb3_separate_impl!(
    f32,
    comb3_sep_f32,
    16,
    comb3_sep_f32_512,
    comb3_sep_f32_512_edge,
    comb3_sep_f32_512_pairs
);

/// The loop of [`Comb3Separate`] for `M` (2 or 3) f64 places, by blocks of
/// 8 points (a line of each output) in runs that stay in one row of every
/// place (the block holding a row's end a run alone). `INNER`: the last
/// place is the inner one ([`Place::Wrap`], its columns loaded per block,
/// its neighbours from the centre: the left ones from the vector carried
/// from the block before); the others are [`Place::Rows`], their
/// coefficients in registers for the run. Caller: AVX2 present, the
/// slices and places as [`Comb3Separate::comb3_separate`] checks them.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unused_unsafe)]
unsafe fn comb3_sep_f64<const M: usize, const INNER: bool>(
    c: &[Place<'_>],
    (f, at, strides): (&[f64], usize, &[usize; 3]),
    outs: &mut [&mut [f64]],
    stream: bool,
    given: Option<Given<'_, f64>>,
) {
    let n = outs[0].len();
    let po: [*mut f64; M] = std::array::from_fn(|k| outs[k].as_mut_ptr());
    let outer = if INNER { M - 1 } else { M };
    // Point 0, and each place's stride.
    // SAFETY: at < f.len() (f holds point 0's neighbours).
    let pc = unsafe { f.as_ptr().add(at) };
    let st: [usize; M] = std::array::from_fn(|k| strides[k]);
    let mut cur: [Cursor; M] = std::array::from_fn(|k| Cursor::new(&c[k]));
    // The four points before the next block's, carried.
    // SAFETY: f holds PAD >= 4 points before point 0.
    let prev = Cell::new(unsafe { _mm256_loadu_pd(pc.sub(4)) });
    let mut stops = Stops::<_, 8>::new(given, n);
    // The block from `i`, every place, its run's coefficients for its
    // halves `r`: the first's for both unless `split` (the block holds a
    // row's end: fewer registers held for the blocks of a row).
    let block = |i: usize, r: &[RunCoefs<M>; 2], split: bool| -> [[__m256d; 2]; M] {
        // SAFETY: i + 8 <= n: the loads stay inside f (points 0 to n - 1
        // and their neighbours, s[k] away, the inner place's one), and
        // inside the inner place's columns
        // (its cursor is at the run's row, which i + 7 leaves by less than
        // a row: an index below 2n). The products and sums in numpy's
        // order.
        unsafe {
            let x0 = _mm256_loadu_pd(pc.add(i));
            let x1 = _mm256_loadu_pd(pc.add(i + 4));
            let x = [x0, x1];
            let l = if INNER {
                let l = [left_pd(prev.get(), x0), left_pd(x0, x1)];
                prev.set(x1);
                l
            } else {
                x
            };
            macro_rules! comb {
                ($k:expr, $h:expr) => {{
                    let (k, h): (usize, usize) = ($k, $h);
                    let j = i + 4 * h;
                    let (cs, a, z) = if k < outer {
                        let e = pc.add(j);
                        let (a, z) = (_mm256_loadu_pd(e.sub(st[k])), _mm256_loadu_pd(e.add(st[k])));
                        (r[if split { h } else { 0 }].cv[k], a, z)
                    } else {
                        // (The same columns for every half.)
                        let cs = r[0].pe[k].map(|e| _mm256_loadu_pd(e.wrapping_add(j)));
                        (cs, l[h], _mm256_loadu_pd(pc.add(j + 1)))
                    };
                    let a = _mm256_mul_pd(cs[0], a);
                    let b = _mm256_mul_pd(cs[1], x[h]);
                    let z = _mm256_mul_pd(cs[2], z);
                    _mm256_add_pd(_mm256_add_pd(a, b), z)
                }};
            }
            let zero = _mm256_setzero_pd();
            let mut v = [[zero; 2]; M];
            v[0] = [comb!(0, 0), comb!(0, 1)];
            v[1] = [comb!(1, 0), comb!(1, 1)];
            if M == 3 {
                v[M - 1] = [comb!(2, 0), comb!(2, 1)];
            }
            v
        }
    };
    // SAFETY: i + 8 <= n: the stores stay inside output k; i is a multiple
    // of 8, so each starts 64 i / 8 bytes after the output's start (or 32
    // more), hence aligned when streamed.
    let put = |k: usize, i: usize, v: [__m256d; 2], s: bool| unsafe {
        put_pd(po[k].add(i), v[0], s);
        put_pd(po[k].add(i + 4), v[1], s);
    };
    let mut i = blocks(
        &mut stops,
        stream,
        // SAFETY: register operations only.
        (RunCoefs::none(), |i, r: &mut _| {
            // SAFETY: register operations only.
            let end = unsafe { run_coefs::<M, 2>(c, &mut cur, (i, 8), [0, 4], r) };
            // A run of more than one block holds no row's end; a block
            // that does goes alone, its halves with their coefficients.
            Run {
                end,
                alone: end <= i + 8,
            }
        }),
        |i, r, s| {
            // One index for every stream, each read from its own base.
            let i = opaque(i);
            for &k in &st[..outer] {
                prefetch_ptr(pc.wrapping_add(k), i);
            }
            // Every load before the block's first store, then each
            // output's line whole, in turn (as sub_div_sep_f64). One set
            // of coefficients: the blocks that hold a row's end go alone.
            let v = block(i, r, false);
            for (k, v) in v.into_iter().enumerate() {
                put(k, i, v, s);
            }
        },
        |i, r, stops| {
            let mut v = block(i, r, true);
            // SAFETY: register operations only.
            stops.place(i, &mut v, |v, l, x| unsafe {
                match l < 4 {
                    true => [set_lane_pd(v[0], l, x), v[1]],
                    false => [v[0], set_lane_pd(v[1], l - 4, x)],
                }
            });
            for (k, v) in v.into_iter().enumerate() {
                put(k, i, v, stream);
            }
        },
    );
    while i < n {
        let mut o = [0.0; M];
        for (k, o) in o.iter_mut().enumerate() {
            let e = at + i;
            *o = comb3_at(c[k].at(i), [f[e - st[k]], f[e], f[e + st[k]]]);
        }
        stops.at(&mut o, i);
        for (k, o) in o.iter().enumerate() {
            outs[k][i] = *o;
        }
        i += 1;
    }
}

/// The loop of [`comb3_sep_f32`] and [`comb3_sep_f32_512`] around their
/// blocks (as [`comb3_sep_f64`]'s): the runs of blocks, the stores, the
/// given points, the scalar tail. The function's arguments `$args`, its
/// names (macro hygiene: the caller's code sees only names it gave) for
/// point 0 `$pc`, the strides `$st`, the places by row `$outer` and the
/// vector carried from block to block `$prev`, its first value `$first`
/// (given `$pc`), and `|i, r, split| block`: the block from `i`, every
/// place, two vectors of 8 floats each, its run's coefficients for its
/// quarters `r` (the first's for all unless `split`), written out twice
/// (the blocks in a run and the one with given points).
#[cfg(target_arch = "x86_64")]
macro_rules! comb3_sep_f32_loop {
    (
        ($c:ident, $f:ident, $at:ident, $strides:ident, $outs:ident, $stream:ident, $given:ident),
        $M:ident, ($pc:ident, $st:ident, $outer:ident, $prev:ident), $first:expr,
        |$i:ident, $r:ident, $split:ident| $block:block
    ) => {{
        let (c, f, at, outs, stream) = ($c, $f, $at, $outs, $stream);
        let n = outs[0].len();
        let po: [*mut f32; $M] = std::array::from_fn(|k| outs[k].as_mut_ptr());
        let $outer = if INNER { $M - 1 } else { $M };
        // Point 0, and each place's stride.
        // SAFETY: at < f.len() (f holds point 0's neighbours).
        let $pc = unsafe { f.as_ptr().add(at) };
        let $st: [usize; $M] = std::array::from_fn(|k| $strides[k]);
        let mut cur: [Cursor; $M] = std::array::from_fn(|k| Cursor::new(&c[k]));
        let $prev = Cell::new($first);
        let mut stops = Stops::<_, 16>::new($given, n);
        // SAFETY: i + 16 <= n: the stores stay inside output k; i is a
        // multiple of 16, so each starts 64 i / 16 bytes after the output's
        // start (or 32 more), hence aligned when streamed.
        let put = |k: usize, i: usize, v: [__m256; 2], s: bool| unsafe {
            put_ps(po[k].add(i), v[0], s);
            put_ps(po[k].add(i + 8), v[1], s);
        };
        // One copy of the block's code (blocks makes one per form of stores
        // given `stream`: two copies this size are not inlined, and a call per
        // block costs a third of the time), the form chosen per block.
        let mut i = blocks(
            &mut stops,
            false,
            // SAFETY: register operations only.
            (RunCoefs::none(), |i, r: &mut _| {
                // SAFETY: register operations only.
                let end = unsafe { run_coefs::<$M, 4>(c, &mut cur, (i, 16), [0, 4, 8, 12], r) };
                // As comb3_sep_f64's: a block that holds a row's end goes
                // alone.
                Run {
                    end,
                    alone: end <= i + 16,
                }
            }),
            |i, r, _| {
                // One index for every stream (as comb3_sep_f64's).
                let i = opaque(i);
                for &k in &$st[..$outer] {
                    prefetch_ptr($pc.wrapping_add(k), i);
                }
                // As comb3_sep_f64's: every load first.
                let v = {
                    let ($i, $r, $split): (usize, &[RunCoefs<$M>; 4], bool) = (i, r, false);
                    $block
                };
                for (k, v) in v.into_iter().enumerate() {
                    put(k, i, v, stream);
                }
            },
            |i, r, stops| {
                let mut v = {
                    let ($i, $r, $split): (usize, &[RunCoefs<$M>; 4], bool) = (i, r, true);
                    $block
                };
                // SAFETY: register operations only.
                stops.place(i, &mut v, |v, l, x| unsafe {
                    match l < 8 {
                        true => [set_lane_ps(v[0], l, x), v[1]],
                        false => [v[0], set_lane_ps(v[1], l - 8, x)],
                    }
                });
                for (k, v) in v.into_iter().enumerate() {
                    put(k, i, v, stream);
                }
            },
        );
        while i < n {
            let mut o = [0.0; $M];
            for (k, o) in o.iter_mut().enumerate() {
                let e = at + i;
                let x = [f[e - $st[k]], f[e], f[e + $st[k]]].map(f64::from);
                *o = comb3_at(c[k].at(i), x) as f32;
            }
            stops.at(&mut o, i);
            for (k, o) in o.iter().enumerate() {
                outs[k][i] = *o;
            }
            i += 1;
        }
    }};
}

/// [`comb3_sep_f64`] for `f32` inputs and outputs, by blocks of 16 points,
/// each quarter of four in double as numpy computes it (the inputs
/// converted exactly, the products and sums rounded in double, the result
/// rounded to float32); the inner place's left neighbours built from the
/// converted centre, the quarter before carried.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unused_unsafe)]
unsafe fn comb3_sep_f32<const M: usize, const INNER: bool>(
    c: &[Place<'_>],
    (f, at, strides): (&[f32], usize, &[usize; 3]),
    outs: &mut [&mut [f32]],
    stream: bool,
    given: Option<Given<'_, f32>>,
) {
    // Four points from `p`, in double (exact). Macros, not closures
    // (used dozens of times in a block, closures are not inlined).
    macro_rules! wide {
        ($p:expr) => {
            _mm256_cvtps_pd(_mm_loadu_ps($p))
        };
    }
    comb3_sep_f32_loop!(
        (c, f, at, strides, outs, stream, given),
        M,
        (pc, st, outer, prev),
        // The four points before the first block's, in double.
        // SAFETY: f holds PAD >= 4 points before point 0.
        unsafe { wide!(pc.sub(4)) },
        // The block from `i` (see comb3_sep_f32_loop), by quarters.
        |i, r, split| {
            // SAFETY: i + 16 <= n: as comb3_sep_f64's, 16 points.
            unsafe {
                let x: [__m256d; 4] = [0, 1, 2, 3].map(|q| wide!(pc.add(i + 4 * q)));
                let l = if INNER {
                    let l = [
                        left_pd(prev.get(), x[0]),
                        left_pd(x[0], x[1]),
                        left_pd(x[1], x[2]),
                        left_pd(x[2], x[3]),
                    ];
                    prev.set(x[3]);
                    l
                } else {
                    x
                };
                macro_rules! comb {
                    ($k:expr, $q:expr) => {{
                        let (k, q): (usize, usize) = ($k, $q);
                        let j = i + 4 * q;
                        let (cs, a, z) = if k < outer {
                            let e = pc.add(j);
                            let cv = r[if split { q } else { 0 }].cv[k];
                            (cv, wide!(e.sub(st[k])), wide!(e.add(st[k])))
                        } else {
                            // (The same columns for every quarter.)
                            let cs = r[0].pe[k].map(|e| _mm256_loadu_pd(e.wrapping_add(j)));
                            (cs, l[q], wide!(pc.add(j + 1)))
                        };
                        let a = _mm256_mul_pd(cs[0], a);
                        let b = _mm256_mul_pd(cs[1], x[q]);
                        let z = _mm256_mul_pd(cs[2], z);
                        _mm256_cvtpd_ps(_mm256_add_pd(_mm256_add_pd(a, b), z))
                    }};
                }
                macro_rules! place {
                    ($k:expr) => {
                        [
                            _mm256_set_m128(comb!($k, 1), comb!($k, 0)),
                            _mm256_set_m128(comb!($k, 3), comb!($k, 2)),
                        ]
                    };
                }
                let zero = _mm256_setzero_ps();
                let mut v = [[zero; 2]; M];
                v[0] = place!(0);
                v[1] = place!(1);
                if M == 3 {
                    v[M - 1] = place!(2);
                }
                v
            }
        }
    )
}

/// Lanes `N` to `N + 7` of `a` followed by `b` (16 doubles): with `N` 7,
/// `[a7, b0, ..., b6]`, the left neighbours of `b`'s points (`a` the eight
/// before them); with `N` 1, `[a1, ..., a7, b0]`, the right neighbours of
/// `a`'s (`b` the eight after). Caller: AVX-512F present.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn shift_pd<const N: i32>(a: __m512d, b: __m512d) -> __m512d {
    // SAFETY: register operations only.
    unsafe {
        _mm512_castsi512_pd(_mm512_alignr_epi64::<N>(
            _mm512_castpd_si512(b),
            _mm512_castpd_si512(a),
        ))
    }
}

/// [`comb3_sep_f32`] with AVX-512F: each half of a block (8 points) in
/// one 512-bit vector of doubles. The float32 loop is held up by its
/// arithmetic and its loads together: per point, seven conversions to
/// double, nine products, six sums and the conversion back, in numpy's
/// order (no fused multiply-add can stand for a product and a sum rounded
/// apart). Timed on an Intel Xeon (256^3, one thread) without one part at
/// a time (results wrong): the conversions back 9% of its time, the
/// neighbouring planes' loads 6%, the inner place's columns 5%, converting
/// the centre row and its neighbours (read from a buffer of doubles
/// instead) 7%; a loop with no arithmetic at all was no faster. Twice the
/// lanes per instruction take a fifth of its time off (no shuffles
/// join the halves either: a conversion back gives the 8 floats of a half
/// at once). The inner place's left neighbours as in the AVX2 loop: from
/// the half before, carried (one lane rotation per half). Caller: AVX2 and
/// AVX-512F present, the rest as [`comb3_sep_f32`]'s. Built only by
/// compilers that have these intrinsics (`gradient_avx512`: Rust 1.89 or
/// newer), hence the crate's older rust-version allowed here.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn comb3_sep_f32_512<const M: usize, const INNER: bool>(
    c: &[Place<'_>],
    (f, at, strides): (&[f32], usize, &[usize; 3]),
    outs: &mut [&mut [f32]],
    stream: bool,
    given: Option<Given<'_, f32>>,
) {
    let n = outs[0].len();
    if INNER && pairs_fit(c, &strides[..M], n) {
        let po = std::array::from_fn(|k| outs[k].as_mut_ptr());
        let each = (po, std::array::from_fn(|k| k), n);
        // SAFETY: as this function's caller guarantees, and pairs_fit.
        return unsafe {
            comb3_sep_f32_512_pairs::<M, false>(c, (f, at, strides), each, stream, given)
        };
    }
    // Eight points from `p`, in double (exact).
    macro_rules! wide {
        ($p:expr) => {
            _mm512_cvtps_pd(_mm256_loadu_ps($p))
        };
    }
    comb3_sep_f32_loop!(
        (c, f, at, strides, outs, stream, given),
        M,
        (pc, st, outer, prev),
        // The eight points before the first block's, in double.
        // SAFETY: f holds PAD >= 8 points before point 0.
        unsafe { wide!(pc.sub(8)) },
        // The block from `i` (see comb3_sep_f32_loop), by halves, the
        // coefficients of its quarters joined two by two.
        |i, r, split| {
            // SAFETY: i + 16 <= n: the loads as comb3_sep_f32's (16
            // points, the inner place's columns 8 at a time); the rest
            // register operations.
            unsafe {
                let x: [__m512d; 2] = [0, 1].map(|h| wide!(pc.add(i + 8 * h)));
                let l = if INNER {
                    let l = [shift_pd::<7>(prev.get(), x[0]), shift_pd::<7>(x[0], x[1])];
                    prev.set(x[1]);
                    l
                } else {
                    x
                };
                // Quarters `a` and `b` of a place's coefficients.
                let join = |a: [__m256d; 3], b: [__m256d; 3]| -> [__m512d; 3] {
                    [0, 1, 2].map(|t| _mm512_insertf64x4::<1>(_mm512_castpd256_pd512(a[t]), b[t]))
                };
                macro_rules! comb {
                    ($k:expr, $h:expr) => {{
                        let (k, h): (usize, usize) = ($k, $h);
                        let j = i + 8 * h;
                        let (cs, a, z) = if k < outer {
                            let e = pc.add(j);
                            let cs = match split {
                                true => join(r[2 * h].cv[k], r[2 * h + 1].cv[k]),
                                false => join(r[0].cv[k], r[0].cv[k]),
                            };
                            (cs, wide!(e.sub(st[k])), wide!(e.add(st[k])))
                        } else {
                            // (The same columns for every half.)
                            let cs = r[0].pe[k].map(|e| _mm512_loadu_pd(e.wrapping_add(j)));
                            (cs, l[h], wide!(pc.add(j + 1)))
                        };
                        let a = _mm512_mul_pd(cs[0], a);
                        let b = _mm512_mul_pd(cs[1], x[h]);
                        let z = _mm512_mul_pd(cs[2], z);
                        _mm512_cvtpd_ps(_mm512_add_pd(_mm512_add_pd(a, b), z))
                    }};
                }
                let zero = _mm256_setzero_ps();
                let mut v = [[zero; 2]; M];
                v[0] = [comb!(0, 0), comb!(0, 1)];
                v[1] = [comb!(1, 0), comb!(1, 1)];
                if M == 3 {
                    v[M - 1] = [comb!(2, 0), comb!(2, 1)];
                }
                v
            }
        }
    )
}

/// Sixteen points from `p`, in double (exact), as two halves. Caller:
/// AVX-512F present, 16 points readable from `p`.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn wide16(p: *const f32) -> [__m512d; 2] {
    // SAFETY: as the caller guarantees.
    unsafe {
        [
            _mm512_cvtps_pd(_mm256_loadu_ps(p)),
            _mm512_cvtps_pd(_mm256_loadu_ps(p.add(8))),
        ]
    }
}

/// `((c0 * a) + (c1 * x)) + (c2 * y)` for the two halves of a block of 16
/// points, in numpy's order, rounded to float32. Caller: AVX-512F present.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn comb16(
    cs: [[__m512d; 2]; 3],
    a: [__m512d; 2],
    x: [__m512d; 2],
    y: [__m512d; 2],
) -> [__m256; 2] {
    // SAFETY: register operations only.
    unsafe {
        std::array::from_fn(|h| {
            let p = _mm512_mul_pd(cs[0][h], a[h]);
            let q = _mm512_mul_pd(cs[1][h], x[h]);
            let w = _mm512_mul_pd(cs[2][h], y[h]);
            _mm512_cvtpd_ps(_mm512_add_pd(_mm512_add_pd(p, q), w))
        })
    }
}

/// A [`Place::Rows`] place's coefficients (`rw`, rows of `s` points) for
/// the block of 16 points from `i`, its cursor `(q, b)` (the row at the
/// last block and the point after that row's end) moved there: row q's up
/// to its end, the next row's from there (a row of 16 points or more: one
/// end at most). Caller: AVX-512F present, the rows cover the block.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn rows16(
    rw: &[[f64; 3]],
    s: usize,
    (q, b): &mut (usize, usize),
    i: usize,
) -> [[__m512d; 2]; 3] {
    while *b <= i {
        *q += 1;
        *b += s;
    }
    // SAFETY: register operations only.
    unsafe {
        let lo = rw[*q].map(|x| _mm512_set1_pd(x));
        if *b >= i + 16 {
            return lo.map(|x| [x, x]);
        }
        let hi = rw[*q + 1].map(|x| _mm512_set1_pd(x));
        let m = (!0u16) << (*b - i);
        let (m0, m1) = (m as u8, (m >> 8) as u8);
        std::array::from_fn(|j| {
            [
                _mm512_mask_blend_pd(m0, lo[j], hi[j]),
                _mm512_mask_blend_pd(m1, lo[j], hi[j]),
            ]
        })
    }
}

/// The inner place's coefficients of a block of 16 points: entries `pos`
/// to `pos + 15` of each column. Caller: AVX-512F present, those entries
/// inside the columns.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn cols16(cols: [&[f64]; 3], pos: usize) -> [[__m512d; 2]; 3] {
    // SAFETY: as the caller guarantees.
    unsafe {
        std::array::from_fn(|j| {
            let p = cols[j].as_ptr().add(pos);
            [_mm512_loadu_pd(p), _mm512_loadu_pd(p.add(8))]
        })
    }
}

/// The inner place's values of the block of 16 points at `e` (`x` those
/// points in double, `ci` their coefficients): the left neighbours of the
/// first half loaded, of the second shifted from `x`, the right ones the
/// other way round. Caller: AVX-512F present, points `e - 1` to `e + 16`
/// readable.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn inner16(ci: [[__m512d; 2]; 3], e: *const f32, x: [__m512d; 2]) -> [__m256; 2] {
    // SAFETY: as the caller guarantees.
    unsafe {
        let l = [
            _mm512_cvtps_pd(_mm256_loadu_ps(e.sub(1))),
            shift_pd::<7>(x[0], x[1]),
        ];
        let z = [
            shift_pd::<1>(x[0], x[1]),
            _mm512_cvtps_pd(_mm256_loadu_ps(e.add(9))),
        ];
        comb16(ci, l, x, z)
    }
}

/// The given points `gat` in the block of 16 points from `i` set in slot
/// `gslot` of `v` (`gp`: the first not before an earlier block, moved to
/// the first not before this one). Indices by constants only, so that `v`
/// stays in registers. Caller: AVX-512F present.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn given16<const M: usize>(
    v: &mut [[__m256; 2]; M],
    (gat, gslot): (&[(usize, f32)], usize),
    gp: &mut usize,
    i: usize,
) {
    while *gp < gat.len() && gat[*gp].0 < i {
        *gp += 1;
    }
    let mut g = *gp;
    while g < gat.len() && gat[g].0 < i + 16 {
        let (p, y) = gat[g];
        let l = p - i;
        for (k, v) in v.iter_mut().enumerate() {
            for (h, v) in v.iter_mut().enumerate() {
                if k == gslot && l / 8 == h {
                    // SAFETY: register operations only.
                    *v = unsafe { set_lane_ps(*v, l % 8, y) };
                }
            }
        }
        g += 1;
    }
}

/// The inner place of a float32 AVX-512 loop (the last of `c`, a
/// [`Place::Wrap`]): its columns, the length of its rows and point 0's
/// place in its row.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
fn inner_of<'a>(c: &[Place<'a>]) -> ([&'a [f64]; 3], usize, usize) {
    match c[c.len() - 1] {
        Place::Wrap { cols, n, p0, .. } => (cols, n, p0),
        _ => unreachable!("the caller: the last place is the inner one"),
    }
}

/// How [`comb3_sep_f32_512_pairs`] interleaves 8 points of its `M`
/// places (one vector each, in its order) into an output that holds each
/// place's value at its slot among the point's: two two-source
/// permutations of the first two places, the third's lanes put in by a
/// masked one (as [`ilv_ps512`], but on 8 points: the 8 `M` values in the
/// first of two 16-lane vectors and the rest of the second).
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
struct Ilv8<const M: usize> {
    /// Per vector: the first two places' lanes (an index into both, as a
    /// two-source permutation reads them), the third's, its lanes' mask.
    t: [(__m512i, __m512i, u16); 2],
}

#[cfg(all(target_arch = "x86_64", gradient_avx512))]
impl<const M: usize> Ilv8<M> {
    /// The tables for places whose slots are `slots` (each of `0..M`
    /// once). Caller: AVX-512F present.
    #[target_feature(enable = "avx512f,avx2")]
    #[allow(unused_unsafe, clippy::incompatible_msrv)]
    unsafe fn new(slots: [usize; M]) -> Self {
        let mut place = [0; 3];
        for (k, &s) in slots.iter().enumerate() {
            place[s] = k;
        }
        let t = std::array::from_fn(|j| {
            let (mut ab, mut c, mut mask) = ([0i32; 16], [0i32; 16], 0u16);
            for l in 0..16 {
                let v = 16 * j + l;
                if v >= 8 * M {
                    break;
                }
                let (point, k) = ((v / M) as i32, place[v % M]);
                if k < 2 {
                    ab[l] = 16 * k as i32 + point;
                } else {
                    c[l] = point;
                    mask |= 1 << l;
                }
            }
            // SAFETY: the loads read the 16 lanes of each table.
            unsafe {
                let ld = |x: &[i32; 16]| _mm512_loadu_si512(x.as_ptr().cast());
                (ld(&ab), ld(&c), mask)
            }
        });
        Ilv8 { t }
    }

    /// A block of 16 points (`v`: each place's two halves) interleaved
    /// and stored from `p` (`16 M` values, by vectors of 8). Caller:
    /// AVX-512F present, those values inside the output, `p` 32-byte
    /// aligned when streamed.
    #[target_feature(enable = "avx512f,avx2")]
    #[inline]
    #[allow(unused_unsafe, clippy::incompatible_msrv)]
    unsafe fn put16(&self, p: *mut f32, v: &[[__m256; 2]; M], stream: bool) {
        for h in 0..2 {
            // (A plain loop, not `array::from_fn`: its closure was not
            // inlined.)
            let mut x = [v[0][h]; M];
            for (x, v) in x.iter_mut().zip(v) {
                *x = v[h];
            }
            // SAFETY: as the caller guarantees: values 8 M h to 8 M h +
            // 8 M - 1 from p, each vector from a multiple of 8 (32 bytes).
            unsafe {
                let w = self.weave(x);
                let p = p.add(8 * M * h);
                for (k, &w) in w.iter().enumerate().take(M) {
                    put_ps(p.add(8 * k), w, stream);
                }
            }
        }
    }

    /// 8 points' values of the `M` places, interleaved: `M` vectors of 8
    /// (the third unused for two places). Caller: AVX-512F present.
    #[target_feature(enable = "avx512f,avx2")]
    #[inline]
    #[allow(unused_unsafe, clippy::incompatible_msrv)]
    unsafe fn weave(&self, v: [__m256; M]) -> [__m256; 3] {
        // SAFETY: register operations only (lanes 8 to 15 of each place's
        // vector are never picked: no table names a point past 7).
        unsafe {
            let z = |k: usize| _mm512_castps256_ps512(v[k]);
            let one = |j: usize| {
                let (ab, c, mask) = self.t[j];
                let x = _mm512_permutex2var_ps(z(0), ab, z(1));
                match M {
                    3 => _mm512_mask_permutexvar_ps(x, mask, c, z(M - 1)),
                    _ => x,
                }
            };
            let a = one(0);
            let hi = _mm512_extractf64x4_pd::<1>(_mm512_castps_pd(a));
            let lo = _mm512_castps512_ps256(a);
            match M {
                3 => [lo, _mm256_castpd_ps(hi), _mm512_castps512_ps256(one(1))],
                _ => [lo, _mm256_castpd_ps(hi), lo],
            }
        }
    }
}

/// Where the float32 AVX-512 loops for two rows and for edge places
/// store place `k`'s value of point `i`: `po[k] + i` (an output per
/// place), or with `ILV` `po[0] + M i + slots[k]` (one interleaved output,
/// through [`Ilv8`]).
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
struct Dst<const M: usize, const ILV: bool> {
    po: [*mut f32; M],
    slots: [usize; M],
    /// With `ILV`: its tables (otherwise zeros, unused).
    tabs: Ilv8<M>,
}

#[cfg(all(target_arch = "x86_64", gradient_avx512))]
impl<const M: usize, const ILV: bool> Dst<M, ILV> {
    /// Caller: AVX-512F present; with `ILV`, `slots` a permutation.
    #[target_feature(enable = "avx512f,avx2")]
    #[allow(unused_unsafe, clippy::incompatible_msrv)]
    unsafe fn new(po: [*mut f32; M], slots: [usize; M]) -> Self {
        // SAFETY: as the caller guarantees; the rest register operations.
        let tabs = unsafe {
            match ILV {
                true => Ilv8::new(slots),
                false => Ilv8 {
                    t: [(_mm512_setzero_si512(), _mm512_setzero_si512(), 0); 2],
                },
            }
        };
        Dst { po, slots, tabs }
    }

    /// Where place `k`'s value of point `i` goes.
    fn at(&self, k: usize, i: usize) -> *mut f32 {
        match ILV {
            true => self.po[0].wrapping_add(M * i + self.slots[k]),
            false => self.po[k].wrapping_add(i),
        }
    }

    /// The block of 16 points from `i` (`v`: each place's two halves)
    /// stored. Caller: AVX-512F present, the block inside the outputs,
    /// its stores 32-byte aligned when streamed.
    #[target_feature(enable = "avx512f,avx2")]
    #[inline]
    #[allow(unused_unsafe, clippy::incompatible_msrv)]
    unsafe fn put16(&self, i: usize, v: &[[__m256; 2]; M], stream: bool) {
        // SAFETY: as the caller guarantees.
        unsafe {
            if ILV {
                self.tabs.put16(self.po[0].add(M * i), v, stream);
            } else {
                for (k, v) in v.iter().enumerate() {
                    put_ps(self.po[k].add(i), v[0], stream);
                    put_ps(self.po[k].add(i + 8), v[1], stream);
                }
            }
        }
    }
}

/// Whether [`comb3_sep_f32_512_pairs`] takes these places (the inner one
/// last, `strides` theirs) and `n` points: the smallest outer stride `r`
/// a whole number of blocks and of the inner place's rows, `n` a whole
/// number of blocks (the last segment may be short), the inner place's
/// columns without copies, no edge place.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
fn pairs_fit(c: &[Place<'_>], strides: &[usize], n: usize) -> bool {
    let m = c.len();
    let r = strides[..m - 1].iter().copied().min().unwrap_or(0);
    let Place::Wrap { n: nin, copies, .. } = c[m - 1] else {
        return false;
    };
    let edge = c.iter().any(Place::is_edge);
    !edge && r > 0 && r % 16 == 0 && r % nin == 0 && n % 16 == 0 && copies.pick.is_empty()
}

/// How far ahead [`comb3_sep_f32_512_pairs`] asks for its outer places'
/// neighbours, in points along a segment: 2 KiB (at 256^3 on an Intel
/// Xeon, 1 KiB was slower, 3 and 4 KiB no faster).
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
const PAIR_AHEAD: usize = 512;

/// [`comb3_sep_f32_512`] where the inner place is last and
/// [`pairs_fit`] holds: the points taken as segments of `r` (the last
/// one shorter where `r` does not divide `n`; `r` the smallest outer
/// stride: a row, in 2-D and 3-D with every axis), two at
/// a time, a block of each in turn (the first segment's, then the one
/// below it). The segment between them, converted to double once, is then
/// the first block's right neighbour along that place and the second's
/// centre, the first's centre the second's left neighbour: four
/// conversions of sixteen points for two blocks instead of six, and the
/// inner place's coefficients loaded once for both. On an Intel Xeon
/// (256^3 and 4000^2, one thread) a pass takes 4% and 10% less than in
/// the loop that goes through the points in order; three or more
/// segments at a time save more conversions but lose more in the cache
/// than they save (each segment is its own stream of loads). Given
/// points as [`comb3_sep_f32_512`]'s, each placed in the block that holds
/// it. Outputs: `po[k]` place `k`'s (`n` points), or with `ILV` one
/// interleaved output at `po[0]` (`M n` values, place `k`'s at `slots[k]`
/// of each point: [`Ilv8`]), each block's `16 M` values stored from `M i`
/// by 8-float vectors. Caller: as [`comb3_sep_f32_512`]'s (with `ILV`, the
/// output `M n` long, 32-byte aligned when streamed; `slots` a
/// permutation), and [`pairs_fit`].
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn comb3_sep_f32_512_pairs<const M: usize, const ILV: bool>(
    c: &[Place<'_>],
    (f, at, strides): (&[f32], usize, &[usize; 3]),
    (po, slots, n): ([*mut f32; M], [usize; M], usize),
    stream: bool,
    given: Option<Given<'_, f32>>,
) {
    let outer = M - 1;
    // The segments' length, and the place whose neighbours they are: taken
    // as the last outer place (outputs and all), so that each block knows
    // at compile time which place reads the segments around it.
    let r = strides[..outer].iter().copied().min().unwrap_or(1);
    let rk = strides[..outer].iter().position(|&s| s == r).unwrap_or(0);
    let mut ord: [usize; M] = std::array::from_fn(|k| k);
    ord.swap(rk, outer.saturating_sub(1));
    let st: [usize; M] = ord.map(|k| strides[k]);
    // SAFETY: at < f.len() (f holds point 0's neighbours).
    let pc = unsafe { f.as_ptr().add(at) };
    // SAFETY: register operations only (slots, reordered, stays a
    // permutation).
    let dst = unsafe { Dst::<M, ILV>::new(ord.map(|k| po[k]), ord.map(|k| slots[k])) };
    let (cols, nin, p0in) = inner_of(c);
    let rows: [(&[[f64; 3]], usize, usize); M] = ord.map(|k| match c[k] {
        Place::Rows { rows, s, p0 } => (rows, s, p0),
        Place::Wrap { .. } => (&[][..], 1, 0),
        Place::Edge { .. } => unreachable!("pairs_fit: no edge place"),
    });
    let (gat, gslot) = given.map_or((&[][..], usize::MAX), |g| (g.at, g.slot));
    let gslot = ord.iter().position(|&k| k == gslot).unwrap_or(usize::MAX);
    // The first given point of the pair of segments, each outer place's
    // row at a block and that row's end (the point after its last).
    let mut g0 = 0;
    let nseg = n.div_ceil(r);
    let mut t0 = 0;
    while t0 < nseg {
        let two = nseg - t0 >= 2;
        let i0 = t0 * r;
        while g0 < gat.len() && gat[g0].0 < i0 {
            g0 += 1;
        }
        let mut cur: [(usize, usize); M] = std::array::from_fn(|k| {
            let (_, s, p0) = rows[k];
            let q = (p0 + i0) / s;
            (q, (q + 1) * s - p0)
        });
        // The inner place's column entry of point i0 (r a whole number
        // of its rows).
        let mut pos = p0in;
        let mut cc = 0;
        while cc < r && i0 + cc < n {
            let ib = i0 + cc;
            for k in 0..outer {
                let ((q, b), s) = (&mut cur[k], rows[k].1);
                while *b <= ib {
                    *q += 1;
                    *b += s;
                }
            }
            // SAFETY: every block's i + 16 <= n (n a whole number of
            // blocks, each block taken only from below n): the loads stay
            // inside f (points 0 to n - 1 and their neighbours, up to every
            // place's stride away, r the smallest, the inner place's one
            // point either side of a block); the columns hold 2 nin
            // entries, read 16 from pos < nin (nin >= 16); the stores stay
            // inside the outputs, each block from a multiple of 16 points
            // (r is one), hence aligned when streamed (interleaved: values
            // M i to M (i + 16) - 1, by vectors of 8 from a multiple of 8
            // values, 32 bytes).
            unsafe {
                let ci = cols16(cols, pos);
                let mut gp = g0;
                let mut cq = cur;
                // The block from point `i` (its segment's row `x`, the
                // segments' around it `xm` and `xp`).
                macro_rules! block {
                    ($i:expr, $xm:expr, $x:expr, $xp:expr) => {{
                        let (i, xm, x, xp): (usize, [__m512d; 2], [__m512d; 2], [__m512d; 2]) =
                            ($i, $xm, $x, $xp);
                        let e = pc.add(i);
                        for &d in &st[..outer] {
                            prefetch_raw(e.wrapping_add(d + PAIR_AHEAD));
                            prefetch_raw(e.wrapping_sub(d).wrapping_add(PAIR_AHEAD));
                        }
                        let mut v = [[_mm256_setzero_ps(); 2]; M];
                        for k in 0..outer {
                            let (rw, s, _) = rows[k];
                            let cs = rows16(rw, s, &mut cq[k], i);
                            let (a, y) = match k + 1 == outer {
                                true => (xm, xp),
                                false => (wide16(e.sub(st[k])), wide16(e.add(st[k]))),
                            };
                            v[k] = comb16(cs, a, x, y);
                        }
                        v[M - 1] = inner16(ci, e, x);
                        // The given points in this block (the list in
                        // order: those before it belong to other blocks).
                        given16(&mut v, (gat, gslot), &mut gp, i);
                        dst.put16(i, &v, stream);
                    }};
                }
                // The segment above the pair's, the pair's, and the one
                // below them: each converted once.
                let e = pc.add(ib);
                let x0 = wide16(e);
                let x1 = wide16(e.add(r));
                block!(ib, wide16(e.sub(r)), x0, x1);
                if two && ib + r < n {
                    block!(ib + r, x0, x1, wide16(e.add(2 * r)));
                }
            }
            pos += 16;
            if pos >= nin {
                pos -= nin;
            }
            cc += 16;
        }
        t0 += if two { 2 } else { 1 };
    }
}

/// [`comb3_sep_f32_512`] where some outer places are [`Place::Edge`]: the
/// rows at outer axes' one-sided ends (a plane at the outermost axis's
/// first or last point, a row at the middle one's), by blocks of 16
/// points in order. An edge place's formula is numpy's there: edge order
/// 1 the difference of two float32 values (rounded to float32) divided in
/// double, edge order 2 three products and two sums in double; the other
/// outer places' (their rows' coefficients, a masked blend where a row
/// ends inside a block) and the inner place's as in
/// [`comb3_sep_f32_512_pairs`]. Points past the last whole block one at a
/// time, by the same formulas. Caller: AVX2 and AVX-512F present, the
/// inner place last, its columns without copies and its rows 16 points or
/// more; `f` holds each point's neighbours (an edge place's on its side
/// only, two strides away at edge order 2) and PAD points either side,
/// the rest as [`comb3_sep_f32_512`]'s. Outputs (`po`, `slots`, `ILV`) as
/// [`comb3_sep_f32_512_pairs`]'s.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn comb3_sep_f32_512_edge<const M: usize, const ILV: bool>(
    c: &[Place<'_>],
    (f, at, strides): (&[f32], usize, &[usize; 3]),
    (po, slots, n): ([*mut f32; M], [usize; M], usize),
    stream: bool,
    given: Option<Given<'_, f32>>,
) {
    let outer = M - 1;
    let st: [usize; M] = std::array::from_fn(|k| strides[k]);
    // SAFETY: register operations only.
    let dst = unsafe { Dst::<M, ILV>::new(po, slots) };
    let (cols, nin, p0in) = inner_of(c);
    // Each outer place's row at a block and that row's end (the point
    // after its last); unused for an edge place.
    let mut cur: [(usize, usize); M] = std::array::from_fn(|k| match c[k] {
        Place::Rows { s, p0, .. } => (0, s - p0),
        _ => (0, usize::MAX),
    });
    let (gat, gslot) = given.map_or((&[][..], usize::MAX), |g| (g.at, g.slot));
    let mut gp = 0;
    let mut pos = p0in;
    let mut i = 0;
    while i + 16 <= n {
        // SAFETY: i + 16 <= n: the loads stay inside f (points 0 to n - 1
        // and their neighbours: every place's stride away, an edge place's
        // on its side, two at edge order 2, the inner place's one point
        // either side of a block); the columns hold 2 nin entries, read 16
        // from pos < nin (nin >= 16); the stores stay inside the outputs,
        // each block from a multiple of 16 points, 64 bytes after the
        // previous one (32-byte aligned when streamed, as the first).
        unsafe {
            let e = f.as_ptr().add(at + i);
            for &d in &st[..outer] {
                prefetch_raw(e.wrapping_add(d + PAIR_AHEAD));
                prefetch_raw(e.wrapping_sub(d).wrapping_add(PAIR_AHEAD));
            }
            let x = wide16(e);
            let mut v = [[_mm256_setzero_ps(); 2]; M];
            for k in 0..outer {
                let s = st[k];
                v[k] = match c[k] {
                    Place::Edge { lo, op } => match op {
                        EdgeOp::Div(d) => {
                            let d = _mm512_set1_pd(d);
                            let (hi, low) = match lo {
                                true => (e.add(s), e),
                                false => (e, e.sub(s)),
                            };
                            [0, 8].map(|h| {
                                let a = _mm256_loadu_ps(hi.add(h));
                                let b = _mm256_loadu_ps(low.add(h));
                                let q = _mm512_div_pd(_mm512_cvtps_pd(_mm256_sub_ps(a, b)), d);
                                _mm512_cvtpd_ps(q)
                            })
                        }
                        EdgeOp::Comb(cs) => {
                            let cs = cs.map(|x| [_mm512_set1_pd(x); 2]);
                            match lo {
                                true => comb16(cs, x, wide16(e.add(s)), wide16(e.add(2 * s))),
                                false => comb16(cs, wide16(e.sub(2 * s)), wide16(e.sub(s)), x),
                            }
                        }
                    },
                    Place::Rows {
                        rows: rw, s: rs, ..
                    } => {
                        let cs = rows16(rw, rs, &mut cur[k], i);
                        comb16(cs, wide16(e.sub(s)), x, wide16(e.add(s)))
                    }
                    Place::Wrap { .. } => unreachable!("the caller: one Wrap, the last"),
                };
            }
            v[M - 1] = inner16(cols16(cols, pos), e, x);
            // The given points in this block (the list in order).
            given16(&mut v, (gat, gslot), &mut gp, i);
            dst.put16(i, &v, stream);
        }
        pos += 16;
        if pos >= nin {
            pos -= nin;
        }
        i += 16;
    }
    // The points after the last whole block.
    while i < n {
        let e = at + i;
        for k in 0..M {
            let s = st[k];
            let y = match c[k] {
                Place::Edge { lo, op } => match (op, lo) {
                    (EdgeOp::Div(d), true) => f64::from(f[e + s] - f[e]) / d,
                    (EdgeOp::Div(d), false) => f64::from(f[e] - f[e - s]) / d,
                    (EdgeOp::Comb(cs), true) => {
                        comb3_at(cs, [f[e], f[e + s], f[e + 2 * s]].map(f64::from))
                    }
                    (EdgeOp::Comb(cs), false) => {
                        comb3_at(cs, [f[e - 2 * s], f[e - s], f[e]].map(f64::from))
                    }
                },
                p => comb3_at(p.at(i), [f[e - s], f[e], f[e + s]].map(f64::from)),
            };
            // SAFETY: i < n: inside the outputs (place k's value of point i).
            unsafe { *dst.at(k, i) = y as f32 };
        }
        while gp < gat.len() && gat[gp].0 <= i {
            if gat[gp].0 == i && gslot < M {
                // SAFETY: as above.
                unsafe { *dst.at(gslot, i) = gat[gp].1 };
            }
            gp += 1;
        }
        i += 1;
    }
}
