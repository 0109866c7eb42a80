//! Division without the divider, and streaming stores: the one hot loop of
//! a uniform step that is not a power of two, `o = (fp - fm) / (2h)`, with
//! SIMD chosen at run time. The only `unsafe` code outside `ffi`.
//!
//! numpy divides every difference by the constant `b = 2h`. With
//! `y = RN(1/b)` computed once, `q = RN(a * y)`, `r = fma(-q, b, a)` (exact)
//! and `q' = fma(r, y, q)` give `RN(a / b)` bit for bit (Markstein's
//! theorem), as long as nothing underflows or overflows on the way:
//! [`Recip`] holds the range of `|a|` where that is so, with margins.
//! Lanes outside it (subnormal, huge, infinite and NaN differences; not
//! zero, whose corrected quotient is exact, sign included, in the form
//! chosen by the sign of `b`: see `quot4`) are recomputed with a
//! true division, so every output is `(fp - fm) / b` exactly as numpy
//! computes it. The tests below check that on 10^8 pairs and on the
//! adversarial cases.
//!
//! The loop needs hardware FMA (a software fma is slower than a division):
//! on x86-64 with AVX2 and FMA, detected at run time, it runs here;
//! everywhere else [`SubDiv::sub_div`] returns `false` and the caller runs its
//! portable loop with a plain division.
//!
//! Unevenly spaced coordinates have a loop here too ([`Comb3`]): numpy's
//! `a * f[:-2] + b * f[1:-1] + c * f[2:]` with every product and sum
//! rounded in double (no fma), four doubles a step, with streaming stores
//! for the rows of large outputs.
//!
//! Streaming (non-temporal) stores: when `stream` is set, the aligned body
//! of the output is written with `vmovntpd`/`vmovntps`, which skips reading
//! each output line into the cache before overwriting it (write-allocate).
//! They are not fenced here: an `sfence` after every row drains the
//! write-combining buffers each time (on Intel cores that halved the speed
//! of large calls), so each thread's run ends with one [`fence`]. The
//! caller sets `stream` only for outputs far larger than the cache.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

mod separate;
pub(crate) use separate::{Comb3Separate, Outs, SubDivSeparate, PAD as SEPARATE_PAD};

/// The constant divisor `b`, its reciprocal, and the range of `|a|` for
/// which the fma quotient is `RN(a / b)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Recip<T> {
    b: T,
    y: T,
    lo: T,
    hi: T,
    /// `y` is the exact reciprocal of `b` (a power of two): `RN(a * y)` is
    /// `RN(a / b)` for every `a`, no correction needed.
    exact: bool,
}

macro_rules! recip {
    ($t:ty, $p:expr, $emin:expr, $emax:expr, $bexp:expr) => {
        impl Recip<$t> {
            /// None when `b` is outside `[2^-bexp, 2^bexp]` in magnitude
            /// (then every quotient takes the divider).
            pub(crate) fn new(b: $t) -> Option<Self> {
                let m = b.abs();
                let lim = 2f64.powi($bexp);
                if !((m as f64) >= 1.0 / lim && (m as f64) <= lim) {
                    return None;
                }
                let y = 1.0 / b;
                // r = a - q*b is exact when ulp(q) * ulp(b) is no finer
                // than the subnormal grid: |a| >= 2^(emin + p) suffices
                // (2 binades of margin); q and q' normal: |a / b| >=
                // 2^(emin + 2); no overflow of a * y: |a / b| <= 2^(emax - 3).
                let mf = m as f64;
                let lo = f64::max(2f64.powi($emin + $p + 2), 2f64.powi($emin + 2) * mf);
                let hi = f64::min(<$t>::MAX as f64, 2f64.powi($emax - 3) * mf);
                Some(Recip {
                    b,
                    y,
                    lo: lo as $t,
                    hi: hi as $t,
                    exact: false,
                })
            }

            /// `b` with its exact reciprocal `y` ([`crate::Real::exact_reciprocal`]).
            pub(crate) fn exact(b: $t, y: $t) -> Self {
                Recip {
                    b,
                    y,
                    lo: 0.0,
                    hi: <$t>::INFINITY,
                    exact: true,
                }
            }

            #[cfg_attr(not(test), allow(dead_code))]
            /// `a / b` rounded to nearest, through the reciprocal when `a`
            /// is in range (the scalar form of the SIMD loop; with a
            /// software fma it is slow, so the kernels use it only through
            /// the SIMD path).
            #[inline(always)]
            pub(crate) fn div(&self, a: $t) -> $t {
                let q = a * self.y;
                if a == 0.0 {
                    return q;
                }
                let m = a.abs();
                if !(m >= self.lo && m <= self.hi) {
                    return a / self.b;
                }
                let r = (-q).mul_add(self.b, a);
                r.mul_add(self.y, q)
            }
        }
    };
}
recip!(f64, 53, -1022, 1023, 300);
recip!(f32, 24, -126, 127, 40);

/// The divisor in both precisions, built once per plan from `2h` (a
/// double, as numpy's Python float; `h` for the one-sided ends of edge
/// order 1), or None when the fast path is not available on this
/// machine.
///
/// `pub` (in this private module, so unreachable from outside the crate)
/// because [`crate::Element`] names it in a hidden method.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quot {
    pub(crate) d64: Option<Recip<f64>>,
    pub(crate) d32: Option<Recip<f32>>,
}

impl Quot {
    /// The divisor `b` (`2h`, or `h`) in both precisions: in a precision
    /// where `b` is a power of two, its exact reciprocal (the loop
    /// multiplies; the kernel takes it only for its streaming stores),
    /// otherwise the Markstein correction.
    pub(crate) fn for_step(b: f64) -> Option<Quot> {
        use crate::Real;
        let (b32, b64) = (b as f32, b);
        available().then(|| Quot {
            d64: match b64.exact_reciprocal() {
                Some(y) => Some(Recip::<f64>::exact(b64, y)),
                None => Recip::<f64>::new(b64),
            },
            d32: match b32.exact_reciprocal() {
                Some(y) => Some(Recip::<f32>::exact(b32, y)),
                None => Recip::<f32>::new(b32),
            },
        })
    }
}

/// Calls whose outputs together exceed this many bytes stream their
/// stores (the floor loop of benches/floor.c gains from streaming from a
/// few times the last-level cache on; 32 MiB of L3 on the machine of the
/// README's figures).
pub(crate) const STREAM_MIN_BYTES: usize = 64 << 20;

/// How far (in bytes) behind a load the streamed store of an earlier
/// point may be, modulo a page, and still stall the load (see
/// [`stores_stall_loads`]). Measured on an AMD EPYC (Zen 3), 256^3 float64
/// and float32, three outputs in one sweep: 4 to 9 times the time from 64
/// to 256 bytes, twice at 320 (where ordinary stores, 1.4 to 1.6 times,
/// are faster), 1.3 to 1.6 times at 384, 1.2 to 1.3 times at 448 and 512.
pub(crate) const STALL_WINDOW: usize = 320;

/// A page's bytes: the processor compares a load with the stores in
/// flight by its offset in one (see [`stores_stall_loads`]).
pub(crate) const PAGE: usize = 4096;

/// Whether a streamed store `d` bytes (wrapping arithmetic) past a load
/// stalls it: past by up to [`STALL_WINDOW`] bytes modulo a [`PAGE`].
#[inline]
fn stalls(d: usize) -> bool {
    (1..=STALL_WINDOW).contains(&(d % PAGE))
}

/// Whether the sweep that loads an input at `input` (an address) and
/// stores the same point of each output (the addresses `outs`, elements
/// of the input's size, in the input's order) would stall on its own
/// streaming stores: the processor compares a load's address with the
/// stores still in flight by its offset in the page (the low 12 bits);
/// one that matches an earlier streamed store waits for that store to
/// reach memory, which takes as long as memory does. A sweep loads each
/// point and its neighbours `strides` (elements, both sides; 1 for the
/// contiguous axis, whose neighbours are loaded with the point) away, so an
/// output whose start, less one of those loads', lies up to
/// [`STALL_WINDOW`] bytes past a page boundary holds every load of the
/// sweep. Ordinary stores do not stall so (a matching load is checked
/// against the whole address at once).
pub(crate) fn stores_stall_loads(
    input: usize,
    size: usize,
    outs: impl Iterator<Item = usize>,
    strides: &[usize],
) -> bool {
    // The contiguous axis's neighbours are in the block the loads of the
    // point itself cover (the left ones carried over, not loaded).
    let loads = (strides.iter().filter(|&&s| s != 1))
        .map(|&s| s.wrapping_mul(size))
        .flat_map(|s| [s, s.wrapping_neg()])
        .chain([0]);
    // Offsets modulo a page: wrapping arithmetic keeps the low 12 bits.
    outs.into_iter().any(|o| {
        loads
            .clone()
            .any(|l| stalls(o.wrapping_sub(input).wrapping_sub(l)))
    })
}

/// How many copies of a [`Place::Wrap`] place's columns the sweeps may
/// choose from, a row at a time ([`pick_copies`]): their columns start
/// at page offsets a quarter of a page apart, so that at most one of them
/// lies in each output's stall window.
pub(crate) const COPIES: usize = 4;

/// The columns of one copy of a [`Place::Wrap`] place's start this many
/// bytes apart modulo a page (so that their lines fall in different
/// sets of the cache), few enough that one output's stall windows over
/// the three stay narrower than the quarter page between copies.
pub(crate) const SHIFT: usize = 192;

/// The float64 outputs (their addresses at point 0: `outs`) of a sweep of
/// `len` points (point 0 at `p0` of its row of `n`) that streams them and
/// loads a [`Place::Wrap`] place's columns: for each row `q` of the run
/// (from point 0's), the copy of the columns (of [`COPIES`], copy `k`'s
/// entry of a row's point `p` in column `j` at the address
/// `cols + k * gap + 8 * p` plus `j` [`SHIFT`]s modulo a page) whose loads no output's
/// streamed stores stall (see [`stores_stall_loads`]; the outputs and the
/// columns advance 8 bytes a point, so their distance is the row's), and
/// of those the one whose loads lie furthest behind the stores (the stall
/// fades over a few hundred bytes past the window: measured on Zen 3,
/// 256^3 float64, three outputs at one page offset, copies whose columns
/// lay 64, 512 and 960 bytes behind them took 99, 45 and 37 ms), into
/// `pick[q]`. The number of rows, or None (nothing written) where `pick`
/// is shorter. `memo`: the choices made before (by earlier runs of the
/// same sweep), reused.
pub(crate) fn pick_copies(
    (cols, gap): (usize, usize),
    (n, p0, len): (usize, usize, usize),
    outs: &[usize],
    pick: &mut [u8],
    memo: &mut PickMemo,
) -> Option<usize> {
    if n == 0 || p0 >= n {
        return None;
    }
    let rows = (p0 + len).div_ceil(n);
    if rows > pick.len() {
        return None;
    }
    // Row q's first point: an output `d` bytes past a column (modulo a
    // page, wrapping arithmetic) at point 0 is `d + 8 q n` past it there
    // (the same for every point of the row), so the rows repeat every
    // `period`.
    let period = 512 >> n.trailing_zeros().min(9);
    for q in 0..rows {
        if q >= period {
            pick[q] = pick[q - period];
            continue;
        }
        let at = cols
            .wrapping_add(8 * p0)
            .wrapping_sub((8 * q).wrapping_mul(n));
        // The choice made before for a row as far from the outputs.
        let slot = memo.slot((cols, gap), outs, at);
        if let Some(k) = slot.and_then(|s| memo.picks[s].checked_sub(1)) {
            pick[q] = k;
            continue;
        }
        // Copy k: whether a load stalls, and the least distance from a
        // column's load to a store, negated.
        let score = |k: usize| -> (bool, isize) {
            let col = at.wrapping_add(k.wrapping_mul(gap));
            let d = (outs.iter())
                .flat_map(|&o| (0..3).map(move |j| o.wrapping_sub(col + j * SHIFT) % PAGE));
            d.fold((false, -(PAGE as isize)), |(stall, far), d| {
                (stall || stalls(d), far.max(-(d as isize)))
            })
        };
        let best = (0..COPIES)
            .map(|k| (score(k), k))
            .min()
            .map_or(0, |(_, k)| k);
        pick[q] = best as u8;
        if let Some(s) = slot {
            memo.picks[s] = best as u8 + 1;
        }
    }
    Some(rows)
}

/// The copies [`pick_copies`] chose in one sweep, by a row's distance
/// from the first output modulo a page (in 8-byte steps): a choice
/// depends on nothing else while the columns and the outputs' distances
/// from each other stay. Rows whose length is not a power of two repeat
/// over many rows (128 for rows of 60 points), and working each one out
/// again took a sixth of the time of 1024x256x60 float64 with coordinates.
pub(crate) struct PickMemo {
    /// The columns and their gap, and the outputs' distances from the
    /// first, that the choices were made for.
    key: ((usize, usize), [usize; 2]),
    /// Each distance's copy plus one; 0: not chosen yet.
    picks: [u8; PAGE / 8],
}

impl PickMemo {
    pub(crate) fn new() -> Self {
        PickMemo {
            key: ((0, 0), [0; 2]),
            picks: [0; PAGE / 8],
        }
    }

    /// The entry of a row whose columns start at `at`, the memo emptied
    /// first if it was made for other columns or outputs; None for
    /// outputs and columns not 8 bytes apart (or more than three outputs).
    fn slot(&mut self, cols: (usize, usize), outs: &[usize], at: usize) -> Option<usize> {
        let (&first, rest) = outs.split_first()?;
        let mut apart = [0; 2];
        for (a, &o) in apart.iter_mut().zip(rest) {
            *a = o.wrapping_sub(first);
        }
        if rest.len() > apart.len() {
            return None;
        }
        if self.key != (cols, apart) {
            *self = PickMemo::new();
            self.key = (cols, apart);
        }
        let d = first.wrapping_sub(at) % PAGE;
        (d % 8 == 0).then_some(d / 8)
    }
}

/// Whether the SIMD fma loop can run here (AVX2 and FMA, detected once).
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static HAVE: OnceLock<bool> = OnceLock::new();
        *HAVE.get_or_init(|| {
            std::env::var_os("GRADIENT_NO_SIMD").is_none()
                && is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("fma")
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this processor's loads wait on streamed stores to the same
/// offset in a page, as [`stores_stall_loads`] models (detected once):
/// true but on Intel's. Measured on an AMD EPYC (Zen 3): 4 to 9 times the
/// time ([`STALL_WINDOW`]). On an Intel Xeon (family 6, model 207), 256^3
/// three axes, the outputs 8 to 2048 bytes past the input's offset: the
/// sweep took 1.0 to 1.25 times its time at the same offset, where the
/// passes the model chose took 2.3 to 3.1 times (float64 with a step 51
/// ms against 21.8, with coordinates 70 against 22; float32 24.6 against
/// 10.8). Intel's processors check a load that matches a store's page
/// offset against its whole address within a few cycles (the "4K
/// aliasing" of their optimisation manual), so the others are taken to be
/// like the one measured.
pub(crate) fn streamed_stores_stall() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static STALL: OnceLock<bool> = OnceLock::new();
        *STALL.get_or_init(|| {
            // SAFETY: every x86-64 processor has cpuid and its leaf 0
            // (an unsafe fn in older Rust, hence the allow).
            #[allow(unused_unsafe)]
            let id = unsafe { std::arch::x86_64::__cpuid(0) };
            // The vendor string in ebx, edx, ecx: "GenuineIntel".
            (id.ebx, id.edx, id.ecx) != (0x756e_6547, 0x4965_6e69, 0x6c65_746e)
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        true
    }
}

/// Whether the AVX-512 loops can run here too: [`available`] and AVX-512F
/// (detected once; `GRADIENT_NO_AVX512` set in the environment turns them
/// off, leaving the AVX2 ones), and a compiler that builds them (Rust 1.89
/// or newer: `cfg(gradient_avx512)`, set by build.rs).
pub(crate) fn available512() -> bool {
    #[cfg(all(target_arch = "x86_64", gradient_avx512))]
    {
        use std::sync::OnceLock;
        static HAVE: OnceLock<bool> = OnceLock::new();
        *HAVE.get_or_init(|| {
            available()
                && std::env::var_os("GRADIENT_NO_AVX512").is_none()
                && is_x86_feature_detected!("avx512f")
        })
    }
    #[cfg(not(all(target_arch = "x86_64", gradient_avx512)))]
    {
        false
    }
}

/// Whether the difference `(b - a) * sign` is positive and finite (false
/// for NaN): the coordinates' test of one step, [`steps_positive`]'s for
/// each (branch-free, so that a loop of it vectorises).
#[inline(always)]
pub(crate) fn step_positive(a: f64, b: f64, sign: f64) -> bool {
    let d = (b - a) * sign;
    (d > 0.0) & (d < f64::INFINITY)
}

/// Whether every difference `(x[i + 1] - x[i]) * sign` is positive and
/// finite ([`step_positive`]), four at a time; None where there is no SIMD
/// loop. The coordinates' check: non-finite coordinates give NaN or
/// infinite differences, so they fail too.
pub(crate) fn steps_positive(x: &[f64], sign: f64) -> Option<bool> {
    if x.len() < 2 || !available() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: AVX2 was detected at run time (available()).
    unsafe {
        Some(steps_positive_avx2(x, sign))
    }
    #[cfg(not(target_arch = "x86_64"))]
    None
}

/// [`steps_positive`]' loop. Caller: AVX2 present, `x.len() >= 2`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unused_unsafe)]
unsafe fn steps_positive_avx2(x: &[f64], sign: f64) -> bool {
    let n = x.len() - 1;
    let (p, blocks) = (x.as_ptr(), n / 4 * 4);
    // SAFETY: register operations only.
    let (zero, inf, sv) = unsafe {
        let v = _mm256_set1_pd;
        (_mm256_setzero_pd(), v(f64::INFINITY), v(sign))
    };
    // SAFETY: register operations only.
    let mut all = unsafe { _mm256_castsi256_pd(_mm256_set1_epi64x(-1)) };
    for i in (0..blocks).step_by(4) {
        // SAFETY: i + 4 <= n, so i + 5 <= x.len(): both loads inside x.
        // Ordered comparisons: false for NaN, as `>` and `<` are.
        unsafe {
            let a = _mm256_loadu_pd(p.add(i));
            let b = _mm256_loadu_pd(p.add(i + 1));
            let d = _mm256_mul_pd(_mm256_sub_pd(b, a), sv);
            let ok = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_GT_OQ>(d, zero),
                _mm256_cmp_pd::<_CMP_LT_OQ>(d, inf),
            );
            all = _mm256_and_pd(all, ok);
        }
    }
    let tail = (x[blocks..].windows(2)).all(|w| step_positive(w[0], w[1], sign));
    // SAFETY: register operations only.
    tail && unsafe { _mm256_movemask_pd(all) } == 0xf
}

/// `o[i] = one(i)` from the start of `o` up to its first 32-byte aligned
/// element when `stream` is set (the SIMD loops then store aligned, as
/// streaming stores require), else nothing; returns where the SIMD blocks
/// start.
#[inline(always)]
fn aligned_head<T>(o: &mut [T], stream: bool, one: impl Fn(usize) -> T) -> usize {
    let mut i = 0;
    if stream {
        let at = o.as_ptr() as usize;
        while i < o.len() && (at + i * std::mem::size_of::<T>()) % 32 != 0 {
            o[i] = one(i);
            i += 1;
        }
    }
    i
}

/// Element types with a SIMD quotient loop.
pub(crate) trait SubDiv: Sized {
    /// `o[k] = (fp[k] - fm[k]) / b`, bit for bit; false (nothing written)
    /// when there is no fast path for this divisor or machine.
    fn sub_div(q: &Quot, fm: &[Self], fp: &[Self], o: &mut [Self], stream: bool) -> bool;
}

impl SubDiv for f64 {
    #[inline]
    fn sub_div(q: &Quot, fm: &[f64], fp: &[f64], o: &mut [f64], stream: bool) -> bool {
        let Some(r) = q.d64 else { return false };
        let n = o.len();
        assert!(fm.len() >= n && fp.len() >= n);
        #[cfg(target_arch = "x86_64")]
        if available() {
            // SAFETY: AVX2 and FMA were detected at run time (available()),
            // and the slices are at least n long (asserted above).
            unsafe { sub_div_f64_avx2(&r, fm, fp, o, stream) };
            return true;
        }
        let _ = (r, stream);
        false
    }
}

impl SubDiv for f32 {
    #[inline]
    fn sub_div(q: &Quot, fm: &[f32], fp: &[f32], o: &mut [f32], stream: bool) -> bool {
        let Some(r) = q.d32 else { return false };
        let n = o.len();
        assert!(fm.len() >= n && fp.len() >= n);
        #[cfg(target_arch = "x86_64")]
        if available() {
            // SAFETY: AVX2 and FMA were detected at run time (available()),
            // and the slices are at least n long (asserted above).
            unsafe { sub_div_f32_avx2(&r, fm, fp, o, stream) };
            return true;
        }
        let _ = (r, stream);
        false
    }
}

/// The forms of the quotient: the exact reciprocal (one product), or the
/// Markstein correction in the form for `b > 0` or for `b < 0` (the form
/// keeps the sign of a zero quotient; see [`quot4`]).
#[cfg(target_arch = "x86_64")]
const EXACT: u8 = 0;
#[cfg(target_arch = "x86_64")]
const POS: u8 = 1;
#[cfg(target_arch = "x86_64")]
const NEG: u8 = 2;
/// Any of the three, decided per divisor as the loop runs.
#[cfg(target_arch = "x86_64")]
const ANY: u8 = 3;

/// `$run::<F, STREAM>($args)` for the form `$form` and `$stream`: one
/// monomorphic loop each, so no test is left inside the loop.
#[cfg(target_arch = "x86_64")]
macro_rules! by_form {
    ($form:expr, $stream:expr, $run:ident($($args:expr),*)) => {
        match ($form, $stream) {
            (EXACT, false) => $run::<EXACT, false>($($args),*),
            (EXACT, true) => $run::<EXACT, true>($($args),*),
            (POS, false) => $run::<POS, false>($($args),*),
            (POS, true) => $run::<POS, true>($($args),*),
            (_, false) => $run::<NEG, false>($($args),*),
            (_, true) => $run::<NEG, true>($($args),*),
        }
    };
}

/// The 4-lane f64 loop. Caller: AVX2 and FMA present, `fm` and `fp` at
/// least `o.len()` long.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
// Register-only intrinsics are safe inside this function on newer
// compilers, unsafe on older ones (rust-version 1.82).
#[allow(unused_unsafe)]
unsafe fn sub_div_f64_avx2(r: &Recip<f64>, fm: &[f64], fp: &[f64], o: &mut [f64], stream: bool) {
    let n = o.len();
    let i = aligned_head(o, stream, |i| (fp[i] - fm[i]) / r.b);
    // SAFETY: register operations only (AVX2 is enabled for this function).
    let rv = unsafe { RecipV::new(r) };
    // SAFETY: as this function's; with `stream`, `o[i..]` starts 32-byte
    // aligned (aligned_head).
    let i = unsafe { by_form!(rv.form, stream, quot_loop_f64(&rv, fm, fp, o, i)) };
    for i in i..n {
        o[i] = (fp[i] - fm[i]) / r.b;
    }
}

/// `o[i..]` by blocks of 4 in quotient form `F`; returns where the blocks
/// end. Caller: as [`sub_div_f64_avx2`]'s, `F` the form of `rv`, and with
/// `STREAM` the address of `o[i]` 32-byte aligned.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn quot_loop_f64<const F: u8, const STREAM: bool>(
    rv: &RecipV,
    fm: &[f64],
    fp: &[f64],
    o: &mut [f64],
    mut i: usize,
) -> usize {
    let n = o.len().min(fm.len()).min(fp.len());
    let (pm, pp, po) = (fm.as_ptr(), fp.as_ptr(), o.as_mut_ptr());
    // Two blocks at a time (a cache line of each input): one prefetch,
    // one test for the divider, half the loop's own instructions.
    while i + 8 <= n {
        // SAFETY: i + 8 <= n: as below, for the blocks from i and i + 4
        // (the second 32 bytes after the first, so aligned too).
        unsafe {
            prefetch_ahead(fp, i);
            let a0 = _mm256_sub_pd(_mm256_loadu_pd(pp.add(i)), _mm256_loadu_pd(pm.add(i)));
            let a1 = _mm256_sub_pd(
                _mm256_loadu_pd(pp.add(i + 4)),
                _mm256_loadu_pd(pm.add(i + 4)),
            );
            let (q0, b0) = quot4_parts::<F>(rv, a0);
            let (q1, b1) = quot4_parts::<F>(rv, a1);
            let (q0, q1) = match F != EXACT && _mm256_movemask_pd(_mm256_or_pd(b0, b1)) != 0 {
                true => (quot4_fix(rv, a0, q0, b0), quot4_fix(rv, a1, q1, b1)),
                false => (q0, q1),
            };
            put_pd(po.add(i), q0, STREAM);
            put_pd(po.add(i + 4), q1, STREAM);
        }
        i += 8;
    }
    // One block left at most.
    if i + 4 <= n {
        // SAFETY: i + 4 <= n <= fm.len(), fp.len(), o.len(): the unaligned
        // loads and the store stay inside the slices; with `STREAM` the
        // output address is 32-byte aligned (the caller's, then steps of
        // 32 bytes), as vmovntpd requires.
        unsafe {
            prefetch_ahead(fp, i);
            let a = _mm256_sub_pd(_mm256_loadu_pd(pp.add(i)), _mm256_loadu_pd(pm.add(i)));
            let res = quot4::<F>(rv, a);
            put_pd(po.add(i), res, STREAM);
        }
        i += 4;
    }
    i
}

/// How far ahead the SIMD loops prefetch their inputs: the outer axes'
/// loads wait on memory (or L3), and the hardware prefetcher alone runs too
/// few of them at once; arrays in cache lose nothing. Measured on an AMD
/// EPYC (Zen 4), 4000^2 float64 from C, step 0.1: 11.8 ms at 1 KiB, 10.9
/// at 2, 10.8 at 3 (a plain C loop: 12.2, 11.3, 11.1, and 11.6 at 4 KiB);
/// 256^3 with three axes within 1% either way.
#[cfg(target_arch = "x86_64")]
const PREFETCH_BYTES: usize = 3072;

/// The 8-lane f32 loop. Caller: AVX2 and FMA present, `fm` and `fp` at
/// least `o.len()` long.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
// Register-only intrinsics are safe inside this function on newer
// compilers, unsafe on older ones (rust-version 1.82).
#[allow(unused_unsafe)]
unsafe fn sub_div_f32_avx2(r: &Recip<f32>, fm: &[f32], fp: &[f32], o: &mut [f32], stream: bool) {
    let n = o.len();
    let i = aligned_head(o, stream, |i| (fp[i] - fm[i]) / r.b);
    // SAFETY: register operations only (AVX2 is enabled for this function).
    let rv = unsafe { RecipV32::new(r) };
    // SAFETY: as sub_div_f64_avx2's.
    let i = unsafe { by_form!(rv.form, stream, quot_loop_f32(&rv, fm, fp, o, i)) };
    for i in i..n {
        o[i] = (fp[i] - fm[i]) / r.b;
    }
}

/// [`quot_loop_f64`] for `f32`, by blocks of 8.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn quot_loop_f32<const F: u8, const STREAM: bool>(
    rv: &RecipV32,
    fm: &[f32],
    fp: &[f32],
    o: &mut [f32],
    mut i: usize,
) -> usize {
    let n = o.len().min(fm.len()).min(fp.len());
    let (pm, pp, po) = (fm.as_ptr(), fp.as_ptr(), o.as_mut_ptr());
    // Two blocks at a time, as quot_loop_f64.
    while i + 16 <= n {
        // SAFETY: i + 16 <= n: as below, for the blocks from i and i + 8
        // (the second 32 bytes after the first, so aligned too).
        unsafe {
            prefetch_ahead(fp, i);
            let a0 = _mm256_sub_ps(_mm256_loadu_ps(pp.add(i)), _mm256_loadu_ps(pm.add(i)));
            let a1 = _mm256_sub_ps(
                _mm256_loadu_ps(pp.add(i + 8)),
                _mm256_loadu_ps(pm.add(i + 8)),
            );
            let (q0, b0) = quot8_parts::<F>(rv, a0);
            let (q1, b1) = quot8_parts::<F>(rv, a1);
            let (q0, q1) = match F != EXACT && _mm256_movemask_ps(_mm256_or_ps(b0, b1)) != 0 {
                true => (quot8_fix(rv, a0, q0, b0), quot8_fix(rv, a1, q1, b1)),
                false => (q0, q1),
            };
            put_ps(po.add(i), q0, STREAM);
            put_ps(po.add(i + 8), q1, STREAM);
        }
        i += 16;
    }
    if i + 8 <= n {
        // SAFETY: as quot_loop_f64's, with 8 lanes of 4 bytes (vmovntps).
        unsafe {
            prefetch_ahead(fp, i);
            let a = _mm256_sub_ps(_mm256_loadu_ps(pp.add(i)), _mm256_loadu_ps(pm.add(i)));
            let res = quot8::<F>(rv, a);
            put_ps(po.add(i), res, STREAM);
        }
        i += 8;
    }
    i
}

/// Orders this thread's streaming stores before what it does next (the
/// interleaving loops leave the fence to their caller: once per run, not
/// once per row).
#[inline]
pub(crate) fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: sfence has no memory operands; SSE is part of x86-64.
    unsafe {
        _mm_sfence()
    };
}

/// The range two input ranges `[l, h]` share.
fn meet((l, h): (f64, f64), (l2, h2): (f64, f64)) -> (f64, f64) {
    (l.max(l2), h.min(h2))
}

/// The divisors of [`SubDivInterleave`], one per place in a point, built
/// once per call (`pub` for the reason [`Quot`] is).
#[derive(Clone, Copy, Debug)]
pub struct Quots {
    m: usize,
    d64: Option<[Recip<f64>; 3]>,
    d32: Option<[Recip<f32>; 3]>,
    /// The fast forms' input range `[L, H]` in each type (the separate
    /// and the interleaving loops'; `separate::input_range`): for these
    /// divisors, narrowed by
    /// [`Quots::narrowed`] to hold for others the same inputs meet.
    r64: (f64, f64),
    r32: (f64, f64),
}

/// `[a, b, b]` or `[a, b, c]` from the divisors of 2 or 3 places, when
/// every one has a reciprocal in this precision.
fn three<R: Copy>(qs: &[Option<Quot>], d: impl Fn(&Quot) -> Option<R>) -> Option<[R; 3]> {
    let d = |q: &Option<Quot>| q.as_ref().and_then(&d);
    match qs {
        [a, b] => d(a).zip(d(b)).map(|(a, b)| [a, b, b]),
        [a, b, c] => d(a).zip(d(b)).zip(d(c)).map(|((a, b), c)| [a, b, c]),
        _ => None,
    }
}

impl Quots {
    /// The divisors `qs` (2 or 3 of them, all known, for a loop to exist).
    pub(crate) fn new(qs: &[Option<Quot>]) -> Quots {
        let (d64, d32) = (three(qs, |q| q.d64), three(qs, |q| q.d32));
        let m = qs.len();
        let every = (0.0, f64::INFINITY);
        Quots {
            m,
            d64,
            d32,
            r64: d64.map_or(every, |r| separate::input_range(&r[..m])),
            r32: d32.map_or(every, |r| separate::input_range(&r[..m])),
        }
    }

    /// These divisors, their input range narrowed to hold also for the
    /// divisors `others` (each with a reciprocal in a type; one without
    /// has no loop in that type): a loop with any of them may then read
    /// untested what a loop with these vouched for.
    pub(crate) fn narrowed(mut self, others: impl IntoIterator<Item = Quot>) -> Quots {
        for q in others {
            if let Some(r) = q.d64 {
                self.r64 = meet(self.r64, separate::input_range(&[r]));
            }
            if let Some(r) = q.d32 {
                self.r32 = meet(self.r32, separate::input_range(&[r]));
            }
        }
        self
    }

    /// These divisors with `other`'s input range (where it is narrower).
    pub(crate) fn within(mut self, other: &Quots) -> Quots {
        self.r64 = meet(self.r64, other.r64);
        self.r32 = meet(self.r32, other.r32);
        self
    }

    /// Whether some element type may have a loop for these divisors.
    pub(crate) fn any(&self) -> bool {
        self.d64.is_some() || self.d32.is_some()
    }

    /// Whether the interleaving loop takes its fast form for these
    /// divisors in the element type of `size` bytes: one divisor for every
    /// place, not a power of two.
    pub(crate) fn interleave_fast(&self, size: usize) -> bool {
        fn one<T: Copy + PartialEq>(rs: &[Recip<T>]) -> bool {
            !rs[0].exact && rs.iter().all(|r| r.b == rs[0].b)
        }
        match size {
            8 => self.d64.is_some_and(|r| one(&r[..self.m])),
            4 => self.d32.is_some_and(|r| one(&r[..self.m])),
            _ => false,
        }
    }
}

/// Element types with a SIMD loop that divides and interleaves at once.
pub(crate) trait SubDivInterleave: Sized {
    /// `out[m * i + k] = (fp[k][i] - fm[k][i]) / b_k` bit for bit, for the
    /// `m` divisors `b_k` of `q` and every point `i < out.len() / m`; None
    /// (nothing written) where there is no such loop (this type, `m`,
    /// divisor or machine). With `inner`, the place whose neighbours are
    /// adjacent points (then `fp[inner]` holds each point's right
    /// neighbour): `Some(true)` when every one of those `n` values is a
    /// value the fast form takes (as `separate::SubDivSeparate::inputs_ok`
    /// tests), and then the quotients are right if every other input value
    /// read is one too (the caller's to know: the first point's own, the
    /// other places' neighbours); `Some(false)` otherwise (the output then
    /// holds no promise). Without, every quotient is right (`Some(true)`).
    /// `stream`: non-temporal stores, for an `out` that starts on a 32-byte
    /// boundary (asserted) and whose points come in whole SIMD blocks (8
    /// points hold whole blocks for every type). `given`: points' values of
    /// one place, given ([`Given`]). `wide`: take the AVX-512 loop where
    /// this type has one for the divisors and the machine runs it
    /// ([`available512`]; the callers pass that, the tests both).
    #[allow(clippy::too_many_arguments)]
    fn sub_div_interleave(
        q: &Quots,
        fm: &[&[Self]],
        fp: &[&[Self]],
        inner: Option<usize>,
        out: &mut [Self],
        stream: bool,
        given: Option<Given<'_, Self>>,
        wide: bool,
    ) -> Option<bool>;
}

/// Points' values of one place, given: place `slot` of point `at[j].0` of
/// a run takes `at[j].1`, the points in increasing order (a point past the
/// run: none, as `usize::MAX`). These are rows' ends along the inner axis,
/// whose formulas are not the loop's; the loop still reads its inputs
/// there, and drops what it computes.
///
/// `pub` for the reason [`Coef3`] is.
#[derive(Clone, Copy, Debug)]
pub struct Given<'a, T> {
    pub slot: usize,
    pub at: &'a [(usize, T)],
}

impl<T> Given<'_, T> {
    /// The checks of the loops' callers: the place exists, the points in
    /// increasing order.
    fn check(g: &Option<Self>, m: usize) {
        if let Some(g) = g {
            assert!(g.slot < m && g.at.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }
}

/// The checks and the dispatch of [`SubDivInterleave`] for one type: `$d`
/// its divisors in [`Quots`], `$run` its loop.
macro_rules! sub_div_interleave_impl {
    ($t:ty, $d:ident, $r:ident, $run:ident $(, $wide:ident)?) => {
        impl SubDivInterleave for $t {
            #[inline]
            fn sub_div_interleave(
                q: &Quots,
                fm: &[&[$t]],
                fp: &[&[$t]],
                inner: Option<usize>,
                out: &mut [$t],
                stream: bool,
                given: Option<Given<'_, $t>>,
                wide: bool,
            ) -> Option<bool> {
                let m = q.m;
                let rs = q.$d.as_ref()?;
                if fm.len() != m || fp.len() != m || !available() {
                    return None;
                }
                let n = out.len() / m;
                assert!(out.len() == m * n);
                Given::check(&given, m);
                assert!(fm.iter().chain(fp).all(|s| s.len() >= n));
                assert!(inner.is_none_or(|k| k < m));
                assert!(!stream || out.as_ptr() as usize % 32 == 0);
                #[cfg(target_arch = "x86_64")]
                {
                    // One divisor for every place (the usual call: one step
                    // for all axes) keeps one set of constants in registers,
                    // its form decided once; several divisors decide each
                    // one's form per block.
                    let one = rs[1..m].iter().all(|r| r.b.to_bits() == rs[0].b.to_bits());
                    let f = form(rs[0].exact, rs[0].b > 0.0);
                    let s = stream;
                    // One divisor, not a power of two, and the inner place
                    // first or last: the fast form, which tests the inner
                    // place's right neighbours (loaded anyway) instead of
                    // the quotients, once, after the blocks.
                    let fast = inner.filter(|&k| one && f != EXACT && (k == 0 || k == m - 1));
                    let r = q.$r;
                    let wide = wide && available512();
                    // SAFETY: AVX2 and FMA were detected at run time
                    // (available()), AVX-512F too where wide
                    // (available512()); every slice holds at least n
                    // points, out exactly m * n, 32-byte aligned when
                    // streamed (asserted above); m is 2 or 3 (Quots::new).
                    unsafe {
                        // The loop with these constants on this call's
                        // arguments: the AVX-512 one where asked for and
                        // there is one (one divisor, its fast form or its
                        // differences tested after the blocks), for an
                        // output on a 64-byte boundary (each block's 192
                        // bytes whole lines: from a 32-byte boundary it
                        // lost to the AVX2 loop, measured below).
                        macro_rules! go {
                            ($m:literal, $f:ident, $one:literal, $g:ident, $k:literal) => {{
                                #[allow(unused_mut)]
                                let mut done: Option<bool> = None;
                                $(
                                    #[cfg(gradient_avx512)]
                                    if wide && (out.as_ptr() as usize) % 64 == 0 && $one && ($g == INNER || $g == DIFFS) {
                                        let o = &mut *out;
                                        done = Some($wide::<$m, $f, $g, $k>(rs, fm, fp, r, o, s, given));
                                    }
                                )?
                                match done {
                                    Some(d) => d,
                                    None => $run::<$m, $f, $one, $g, $k>(rs, fm, fp, r, &mut *out, s, given),
                                }
                            }};
                        }
                        let _ = wide;
                        if let Some(k) = fast {
                            let clean = match (m == 3, f == POS, k == 0) {
                                (true, true, true) => go!(3, POS, true, INNER, 0),
                                (true, true, false) => go!(3, POS, true, INNER, 2),
                                (true, false, true) => go!(3, NEG, true, INNER, 0),
                                (true, false, false) => go!(3, NEG, true, INNER, 2),
                                (false, true, true) => go!(2, POS, true, INNER, 0),
                                (false, true, false) => go!(2, POS, true, INNER, 1),
                                (false, false, true) => go!(2, NEG, true, INNER, 0),
                                (false, false, false) => go!(2, NEG, true, INNER, 1),
                            };
                            // The loop answers for its blocks' values; the
                            // scalar tail's (after the last block of 8, or
                            // of 16 for the AVX-512 loop, at most) are
                            // tested here.
                            let tail = &fp[k][n - n % 16..n];
                            return Some(
                                clean && <$t as separate::SubDivSeparate>::inputs_ok(q, tail),
                            );
                        }
                        // One divisor, not a power of two: the loop that
                        // tests the differences once, after; again with
                        // every quotient tested where one is out of range.
                        macro_rules! lazy {
                            ($m:literal, $f:ident) => {{
                                if !go!($m, $f, true, DIFFS, 0) {
                                    go!($m, $f, true, TESTED, 0);
                                }
                            }};
                        }
                        match (m == 3, one, f) {
                            (true, true, EXACT) => {
                                go!(3, EXACT, true, TESTED, 0);
                            }
                            (true, true, POS) => lazy!(3, POS),
                            (true, true, _) => lazy!(3, NEG),
                            (false, true, EXACT) => {
                                go!(2, EXACT, true, TESTED, 0);
                            }
                            (false, true, POS) => lazy!(2, POS),
                            (false, true, _) => lazy!(2, NEG),
                            (true, false, _) => {
                                go!(3, ANY, false, TESTED, 0);
                            }
                            (false, false, _) => {
                                go!(2, ANY, false, TESTED, 0);
                            }
                        }
                    };
                    // Every quotient right; the inner place's right
                    // neighbours, when asked, answered for here (others'
                    // fast forms read them untested).
                    let ok = |k: usize| <$t as separate::SubDivSeparate>::inputs_ok(q, &fp[k][..n]);
                    Some(inner.is_none_or(ok))
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = (rs, stream, given, inner);
                    None
                }
            }
        }
    };
}
sub_div_interleave_impl!(f64, d64, r64, sub_div_ilv_f64);
sub_div_interleave_impl!(f32, d32, r32, sub_div_ilv_f32, sub_div_ilv_f32_512);

/// What the interleaving dividing loop tests: every quotient ([`TESTED`]);
/// the differences' magnitudes, gathered and tested once after the blocks
/// ([`DIFFS`], one divisor); the inner place's right neighbours, likewise
/// ([`INNER`], one divisor: the caller answers for the other values read).
const TESTED: u8 = 0;
const DIFFS: u8 = 1;
const INNER: u8 = 2;

/// A [`Recip<f64>`] in registers, its range of `|a|` as the integer test
/// of [`quot4`].
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct RecipV {
    b: __m256d,
    y: __m256d,
    /// `2^63 - bits(lo)`: added to `bits(|a|)`, it maps `[lo, hi]` to the
    /// lowest signed values.
    off: __m256i,
    /// `bits(hi) - bits(lo) - 2^63`: the highest of them.
    top: __m256i,
    /// `-y`, for the correction of form [`POS`].
    ny: __m256d,
    /// [`EXACT`], [`POS`] or [`NEG`].
    form: u8,
}

#[cfg(target_arch = "x86_64")]
impl RecipV {
    #[target_feature(enable = "avx2")]
    #[allow(unused_unsafe)]
    unsafe fn new(r: &Recip<f64>) -> RecipV {
        let (l, h) = (r.lo.to_bits(), r.hi.to_bits());
        let s = 1u64 << 63;
        // SAFETY: register operations only (AVX2 enabled here).
        unsafe {
            RecipV {
                b: _mm256_set1_pd(r.b),
                y: _mm256_set1_pd(r.y),
                off: _mm256_set1_epi64x(s.wrapping_sub(l) as i64),
                top: _mm256_set1_epi64x(h.wrapping_sub(l).wrapping_add(s) as i64),
                ny: _mm256_set1_pd(-r.y),
                form: form(r.exact, r.b > 0.0),
            }
        }
    }
}

/// The quotient form of a divisor: [`EXACT`], or [`POS`] / [`NEG`] by the
/// sign of `b`.
#[cfg(target_arch = "x86_64")]
fn form(exact: bool, pos: bool) -> u8 {
    match (exact, pos) {
        (true, _) => EXACT,
        (false, true) => POS,
        (false, false) => NEG,
    }
}

/// `RN(a / b)` in each of 4 lanes: `q = RN(a * y)`, then the exact
/// remainder and the corrected quotient (Markstein), or the divider for
/// the lanes whose `|a|` is outside `[lo, hi]` and not 0.
///
/// The range test is integer arithmetic on the bits of `|a|` (ordered as
/// the values are, NaN above infinity): `bits(|a|) - bits(lo)`, as an
/// unsigned number, at most `bits(hi) - bits(lo)`; unsigned order is
/// signed order shifted by `2^63`, hence [`RecipV::off`] and
/// [`RecipV::top`]: one add and one compare for both ends. A zero `a` is
/// outside the range but needs no divider: its corrected quotient is
/// exact, sign included, with the form of the correction chosen by the
/// sign of `b` (`F` [`POS`], `b > 0`: `nr = q * b - a`, `q' = q - nr * y`;
/// [`NEG`], `b < 0`: `r = a - q * b`, `q' = q + r * y`; for every other `a`
/// both are the same rounding of the same exact value). [`EXACT`]: `q`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn quot4<const F: u8>(r: &RecipV, a: __m256d) -> __m256d {
    // SAFETY: register operations only (AVX2 and FMA enabled here).
    unsafe {
        let (q2, bad) = quot4_parts::<F>(r, a);
        if F != EXACT && _mm256_movemask_pd(bad) != 0 {
            return quot4_fix(r, a, q2, bad);
        }
        q2
    }
}

/// [`quot4`] but the divider: the corrected quotient and the lanes that
/// need the divider (none in form [`EXACT`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn quot4_parts<const F: u8>(r: &RecipV, a: __m256d) -> (__m256d, __m256d) {
    // SAFETY: register operations only (AVX2 and FMA enabled here).
    unsafe {
        let q = _mm256_mul_pd(a, r.y);
        if F == EXACT {
            return (q, _mm256_setzero_pd());
        }
        // q - nr * y as nr * (-y) + q: the same exact value, and one fma
        // (the compiler would negate nr with an extra operation).
        let q2 = if F == POS {
            _mm256_fmadd_pd(_mm256_fmsub_pd(q, r.b, a), r.ny, q)
        } else {
            _mm256_fmadd_pd(_mm256_fnmadd_pd(q, r.b, a), r.y, q)
        };
        let x = _mm256_and_si256(_mm256_castpd_si256(a), _mm256_set1_epi64x(i64::MAX));
        let out = _mm256_cmpgt_epi64(_mm256_add_epi64(x, r.off), r.top);
        let zero = _mm256_cmpeq_epi64(x, _mm256_setzero_si256());
        (q2, _mm256_castsi256_pd(_mm256_andnot_si256(zero, out)))
    }
}

/// The quotients `q` with the lanes `bad` from the divider.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn quot4_fix(r: &RecipV, a: __m256d, q: __m256d, bad: __m256d) -> __m256d {
    // SAFETY: register operations only (AVX2 enabled here).
    unsafe { _mm256_blendv_pd(q, _mm256_div_pd(a, r.b), bad) }
}

/// [`RecipV`] for `f32`: 8 lanes, the range test in 32-bit integers.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct RecipV32 {
    b: __m256,
    y: __m256,
    off: __m256i,
    top: __m256i,
    ny: __m256,
    form: u8,
}

#[cfg(target_arch = "x86_64")]
impl RecipV32 {
    #[target_feature(enable = "avx2")]
    #[allow(unused_unsafe)]
    unsafe fn new(r: &Recip<f32>) -> RecipV32 {
        let (l, h) = (r.lo.to_bits(), r.hi.to_bits());
        let s = 1u32 << 31;
        // SAFETY: register operations only (AVX2 enabled here).
        unsafe {
            RecipV32 {
                b: _mm256_set1_ps(r.b),
                y: _mm256_set1_ps(r.y),
                off: _mm256_set1_epi32(s.wrapping_sub(l) as i32),
                top: _mm256_set1_epi32(h.wrapping_sub(l).wrapping_add(s) as i32),
                ny: _mm256_set1_ps(-r.y),
                form: form(r.exact, r.b > 0.0),
            }
        }
    }
}

/// [`quot4`] for 8 `f32` lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn quot8<const F: u8>(r: &RecipV32, a: __m256) -> __m256 {
    // SAFETY: register operations only (AVX2 and FMA enabled here).
    unsafe {
        let (q2, bad) = quot8_parts::<F>(r, a);
        if F != EXACT && _mm256_movemask_ps(bad) != 0 {
            return quot8_fix(r, a, q2, bad);
        }
        q2
    }
}

/// [`quot8`] but the divider, as [`quot4_parts`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn quot8_parts<const F: u8>(r: &RecipV32, a: __m256) -> (__m256, __m256) {
    // SAFETY: register operations only (AVX2 and FMA enabled here).
    unsafe {
        let q = _mm256_mul_ps(a, r.y);
        if F == EXACT {
            return (q, _mm256_setzero_ps());
        }
        let q2 = if F == POS {
            _mm256_fmadd_ps(_mm256_fmsub_ps(q, r.b, a), r.ny, q)
        } else {
            _mm256_fmadd_ps(_mm256_fnmadd_ps(q, r.b, a), r.y, q)
        };
        let x = _mm256_and_si256(_mm256_castps_si256(a), _mm256_set1_epi32(i32::MAX));
        let out = _mm256_cmpgt_epi32(_mm256_add_epi32(x, r.off), r.top);
        let zero = _mm256_cmpeq_epi32(x, _mm256_setzero_si256());
        (q2, _mm256_castsi256_ps(_mm256_andnot_si256(zero, out)))
    }
}

/// The quotients `q` with the lanes `bad` from the divider.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn quot8_fix(r: &RecipV32, a: __m256, q: __m256, bad: __m256) -> __m256 {
    // SAFETY: register operations only (AVX2 enabled here).
    unsafe { _mm256_blendv_ps(q, _mm256_div_ps(a, r.b), bad) }
}

/// A range test made once after a loop instead of once per vector: the
/// greatest magnitude and the least nonzero magnitude less one (zero's
/// wraps round to the greatest integer, so zero never lowers it) of the
/// values gathered so far, as unsigned numbers in 32-bit lanes. A float64
/// value's upper 32 bits are its odd lanes (see [`upper_bounds`]).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Gathered {
    big: __m256i,
    small: __m256i,
}

#[cfg(target_arch = "x86_64")]
impl Gathered {
    /// Nothing gathered.
    #[target_feature(enable = "avx2")]
    #[inline]
    #[allow(unused_unsafe)]
    unsafe fn new() -> Self {
        // SAFETY: register operations only.
        unsafe {
            Gathered {
                big: _mm256_setzero_si256(),
                small: _mm256_set1_epi32(-1),
            }
        }
    }

    /// With the four float64 values of `a`.
    #[target_feature(enable = "avx2")]
    #[inline]
    #[allow(unused_unsafe)]
    unsafe fn pd(self, a: __m256d) -> Self {
        // SAFETY: register operations only.
        unsafe {
            let x = _mm256_and_si256(_mm256_castpd_si256(a), _mm256_set1_epi64x(i64::MAX));
            let x1 = _mm256_sub_epi64(x, _mm256_set1_epi64x(1));
            Gathered {
                big: _mm256_max_epu32(self.big, x),
                small: _mm256_min_epu32(self.small, x1),
            }
        }
    }

    /// With the eight float32 values of `a`.
    #[target_feature(enable = "avx2")]
    #[inline]
    #[allow(unused_unsafe)]
    unsafe fn ps(self, a: __m256) -> Self {
        // SAFETY: register operations only.
        unsafe {
            let x = _mm256_and_si256(_mm256_castps_si256(a), _mm256_set1_epi32(i32::MAX));
            let x1 = _mm256_sub_epi32(x, _mm256_set1_epi32(1));
            Gathered {
                big: _mm256_max_epu32(self.big, x),
                small: _mm256_min_epu32(self.small, x1),
            }
        }
    }

    /// Whether, in the 32-bit lanes of `lanes` (a bit each), every
    /// greatest is at most `hi` and every least at least `lo`.
    #[target_feature(enable = "avx2")]
    #[inline]
    #[allow(unused_unsafe)]
    unsafe fn within(self, lo: u32, hi: u32, lanes: i32) -> bool {
        // SAFETY: register operations only.
        unsafe {
            let (l, h) = (_mm256_set1_epi32(lo as i32), _mm256_set1_epi32(hi as i32));
            let hi_ok = _mm256_cmpeq_epi32(_mm256_min_epu32(self.big, h), self.big);
            let lo_ok = _mm256_cmpeq_epi32(_mm256_max_epu32(self.small, l), self.small);
            let ok = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_and_si256(hi_ok, lo_ok)));
            ok & lanes == lanes
        }
    }
}

/// [`Gathered::within`]'s bounds for float64 magnitudes in `[lo, hi]`
/// tested on their upper 32 bits: the least upper half above `lo`'s and
/// the greatest below `hi`'s, so the test may refuse values next to the
/// range's ends, never take one outside it.
fn upper_bounds(lo: f64, hi: f64) -> (u32, u32) {
    let upper = |x: f64| (x.to_bits() >> 32) as u32;
    (upper(lo) + 1, upper(hi).saturating_sub(1))
}

/// The loop of the interleaving dividing loops ([`sub_div_ilv_f64`],
/// [`sub_div_ilv_f32`], [`sub_div_ilv_f32_512`]) around their blocks: the
/// blocks of `W` points (`V`, a vector per place), the interleaving stores,
/// the given points, the scalar tail (true division, as numpy); the
/// gathered test, which starts at `$test0`, returned. The function's
/// arguments `$args`, its names (macro hygiene) for the inputs' pointers,
/// the output's and the gathered test's cell, and `|i| block` (the
/// block's quotients), `|i, v, stream| put` (its stores) and `|v, lane,
/// x| set` (a given value into its lane).
#[cfg(target_arch = "x86_64")]
macro_rules! sub_div_ilv_loop {
    (
        ($rs:ident, $fm:ident, $fp:ident, $out:ident, $stream:ident, $given:ident),
        ($pm:ident, $pp:ident, $po:ident, $test:ident),
        ($w:literal, $vt:ty, $test0:expr),
        |$i:ident| $block:block,
        |$pi:ident, $v:ident, $s:ident| unsafe $put:block,
        |$sv:ident, $sl:ident, $sx:ident| unsafe $set:block
    ) => {{
        let (out, stream) = ($out, $stream);
        let n = out.len() / M;
        let $po = out.as_mut_ptr();
        let ($pm, $pp): ([*const _; M], [*const _; M]) = (
            std::array::from_fn(|k| $fm[k].as_ptr()),
            std::array::from_fn(|k| $fp[k].as_ptr()),
        );
        let mut stops = Stops::<_, $w>::new($given, n);
        let $test = std::cell::Cell::new($test0);
        let block = |$i: usize| -> [$vt; M] {
            for &r in &$pp {
                prefetch_ptr(r, $i);
            }
            $block
        };
        let put = |$pi: usize, $v: [$vt; M], $s: bool| unsafe { $put };
        let mut i = blocks(
            &mut stops,
            stream,
            ((), |_, _| usize::MAX),
            |i, _, s| put(i, block(i), s),
            |i, _, stops| {
                let mut v = block(i);
                stops.place(i, &mut v, |$sv, $sl, $sx| unsafe { $set });
                put(i, v, stream);
            },
        );
        while i < n {
            for k in 0..M {
                out[M * i + k] = ($fp[k][i] - $fm[k][i]) / $rs[k].b;
            }
            stops.at(&mut out[M * i..M * i + M], i);
            i += 1;
        }
        $test.get()
    }};
}

/// The loop of [`SubDivInterleave`] for `M` (2 or 3) f64 divisors: every
/// divisor of form `F` ([`ANY`]: each its own), `ONE`: all of them
/// `rs[0]`. Caller: AVX2 and FMA present, `out.len() == M * n`, every `fm[k]` and
/// `fp[k]` at least `n` long, `out` 32-byte aligned when `stream`.
///
/// `G` [`TESTED`]: every quotient tested. Otherwise (`ONE`, `F` [`POS`]
/// or [`NEG`]) no test per block: magnitudes are gathered (their greatest
/// and least) and tested once after the blocks, and false returned where
/// one may be outside the range. [`DIFFS`]: the differences', against
/// `rs[0]`'s range (the output then holds no promise: the caller runs the
/// loop again, every quotient tested). [`INNER`]: place `S`'s right
/// neighbours `fp[S]` (the inner place's: the points' right neighbours),
/// against the input range `range` (`[L, H]`): one vector per block, not
/// one per place, and one already loaded, whose word (on the blocks'
/// values; the scalar tail's are the caller's to test) the caller takes
/// for those input points and answers for the rest. A test and a branch per
/// vector cost about 4% of a large call (256^3, three axes, one
/// interleaved output); gathering the differences 3-5% more than
/// [`INNER`]'s one vector, and loading the points' own values to gather
/// them 2-3% more.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(unused_unsafe)]
unsafe fn sub_div_ilv_f64<
    const M: usize,
    const F: u8,
    const ONE: bool,
    const G: u8,
    const S: usize,
>(
    rs: &[Recip<f64>; 3],
    fm: &[&[f64]],
    fp: &[&[f64]],
    range: (f64, f64),
    out: &mut [f64],
    stream: bool,
    given: Option<Given<'_, f64>>,
) -> bool {
    debug_assert!(S < M);
    // SAFETY: register operations only.
    let rv: [RecipV; M] =
        std::array::from_fn(|k| unsafe { RecipV::new(&rs[if ONE { 0 } else { k }]) });
    // DIFFS, INNER: the magnitudes gathered, tested after the blocks.
    let test = sub_div_ilv_loop!(
        (rs, fm, fp, out, stream, given),
        (pm, pp, po, test),
        // SAFETY: register operations only.
        (4, __m256d, unsafe { Gathered::new() }),
        |i| {
            // SAFETY: i + 4 <= n: the loads stay inside fm[k] and fp[k].
            std::array::from_fn(|k| unsafe {
                let p = _mm256_loadu_pd(pp[k].add(i));
                if G == INNER && k == S {
                    test.set(test.get().pd(p));
                }
                let a = _mm256_sub_pd(p, _mm256_loadu_pd(pm[k].add(i)));
                let r = &rv[if ONE { 0 } else { k }];
                if G != TESTED {
                    if G == DIFFS {
                        test.set(test.get().pd(a));
                    }
                    return separate::quot4_fast(r, F, a);
                }
                match if F == ANY { r.form } else { F } {
                    EXACT => quot4::<EXACT>(r, a),
                    POS => quot4::<POS>(r, a),
                    _ => quot4::<NEG>(r, a),
                }
            })
        },
        // SAFETY: i + 4 <= n: the stores (4M values from M i) stay inside
        // out; each starts 32 M i bytes after out, hence aligned when
        // streamed.
        |i, v, s| unsafe {
            let p = po.add(M * i);
            for (k, &y) in ilv_pd::<M>(v).iter().enumerate().take(M) {
                put_pd(p.add(4 * k), y, s);
            }
        },
        // SAFETY: register operations only.
        |v, l, x| unsafe { set_lane_pd(v, l, x) }
    );
    let (lo, hi) = match G {
        DIFFS => upper_bounds(rs[0].lo, rs[0].hi),
        INNER => upper_bounds(range.0, range.1),
        _ => return true,
    };
    // SAFETY: register operations only. The upper halves: the odd lanes.
    unsafe { test.within(lo, hi, 0xaa) }
}

/// [`sub_div_ilv_f64`] for `f32`, by blocks of 8 points (the gathered test on
/// the whole magnitudes).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(unused_unsafe)]
unsafe fn sub_div_ilv_f32<
    const M: usize,
    const F: u8,
    const ONE: bool,
    const G: u8,
    const S: usize,
>(
    rs: &[Recip<f32>; 3],
    fm: &[&[f32]],
    fp: &[&[f32]],
    range: (f64, f64),
    out: &mut [f32],
    stream: bool,
    given: Option<Given<'_, f32>>,
) -> bool {
    debug_assert!(S < M);
    // SAFETY: register operations only.
    let rv: [RecipV32; M] =
        std::array::from_fn(|k| unsafe { RecipV32::new(&rs[if ONE { 0 } else { k }]) });
    // SAFETY: register operations only.
    let idx = unsafe { ilv_ps_index() };
    // DIFFS, INNER: the magnitudes gathered, tested after the blocks.
    let test = sub_div_ilv_loop!(
        (rs, fm, fp, out, stream, given),
        (pm, pp, po, test),
        // SAFETY: register operations only.
        (8, __m256, unsafe { Gathered::new() }),
        |i| {
            // SAFETY: i + 8 <= n: the loads stay inside fm[k] and fp[k].
            std::array::from_fn(|k| unsafe {
                let p = _mm256_loadu_ps(pp[k].add(i));
                if G == INNER && k == S {
                    test.set(test.get().ps(p));
                }
                let a = _mm256_sub_ps(p, _mm256_loadu_ps(pm[k].add(i)));
                let r = &rv[if ONE { 0 } else { k }];
                if G != TESTED {
                    if G == DIFFS {
                        test.set(test.get().ps(a));
                    }
                    return separate::quot8_fast(r, F, a);
                }
                match if F == ANY { r.form } else { F } {
                    EXACT => quot8::<EXACT>(r, a),
                    POS => quot8::<POS>(r, a),
                    _ => quot8::<NEG>(r, a),
                }
            })
        },
        // SAFETY: i + 8 <= n: the stores (8M values from M i) stay inside
        // out; each starts 32 M i bytes after out, hence aligned when
        // streamed.
        |i, v, s| unsafe {
            let p = po.add(M * i);
            for (k, &y) in ilv_ps::<M>(v, &idx).iter().enumerate().take(M) {
                put_ps(p.add(8 * k), y, s);
            }
        },
        // SAFETY: register operations only.
        |v, l, x| unsafe { set_lane_ps(v, l, x) }
    );
    let (lo, hi) = match G {
        DIFFS => (rs[0].lo, rs[0].hi),
        // Exact in float32 (see `takes`).
        INNER => (range.0 as f32, range.1 as f32),
        _ => return true,
    };
    // The least less one: `lo` itself is in the range.
    let (lo, hi) = (lo.to_bits().saturating_sub(1), hi.to_bits());
    // SAFETY: register operations only.
    unsafe { test.within(lo, hi, 0xff) }
}

/// A [`RecipV32`]'s divisor and reciprocals in 512-bit registers, for the
/// fast forms (no range test per vector).
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[derive(Clone, Copy)]
struct RecipW32 {
    b: __m512,
    y: __m512,
    ny: __m512,
}

#[cfg(all(target_arch = "x86_64", gradient_avx512))]
impl RecipW32 {
    #[target_feature(enable = "avx512f")]
    #[allow(unused_unsafe, clippy::incompatible_msrv)]
    unsafe fn new(r: &Recip<f32>) -> RecipW32 {
        // SAFETY: register operations only (AVX-512F enabled here).
        unsafe {
            RecipW32 {
                b: _mm512_set1_ps(r.b),
                y: _mm512_set1_ps(r.y),
                ny: _mm512_set1_ps(-r.y),
            }
        }
    }
}

/// [`separate::quot8_fast`] for 16 lanes, its form `F`.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,fma")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn quot16_fast<const F: u8>(r: &RecipW32, a: __m512) -> __m512 {
    // SAFETY: register operations only (AVX-512F enabled here).
    unsafe {
        let q = _mm512_mul_ps(a, r.y);
        match F {
            EXACT => q,
            POS => _mm512_fmadd_ps(_mm512_fmsub_ps(q, r.b, a), r.ny, q),
            _ => _mm512_fmadd_ps(_mm512_fnmadd_ps(q, r.b, a), r.y, q),
        }
    }
}

/// [`Gathered`] over 16 float32 lanes, folded into it at the end.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[derive(Clone, Copy)]
struct GatheredW {
    big: __m512i,
    small: __m512i,
}

#[cfg(all(target_arch = "x86_64", gradient_avx512))]
impl GatheredW {
    /// Nothing gathered.
    #[target_feature(enable = "avx512f")]
    #[inline]
    #[allow(unused_unsafe, clippy::incompatible_msrv)]
    unsafe fn new() -> Self {
        // SAFETY: register operations only.
        unsafe {
            GatheredW {
                big: _mm512_setzero_si512(),
                small: _mm512_set1_epi32(-1),
            }
        }
    }

    /// With the sixteen float32 values of `a`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    #[allow(unused_unsafe, clippy::incompatible_msrv)]
    unsafe fn ps(self, a: __m512) -> Self {
        // SAFETY: register operations only.
        unsafe {
            let x = _mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(i32::MAX));
            let x1 = _mm512_sub_epi32(x, _mm512_set1_epi32(1));
            GatheredW {
                big: _mm512_max_epu32(self.big, x),
                small: _mm512_min_epu32(self.small, x1),
            }
        }
    }

    /// The same bounds in 8 lanes (each the greatest, or least, of two).
    #[target_feature(enable = "avx512f,avx2")]
    #[inline]
    #[allow(unused_unsafe, clippy::incompatible_msrv)]
    unsafe fn narrow(self) -> Gathered {
        // SAFETY: register operations only.
        unsafe {
            let halves =
                |v: __m512i| (_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64::<1>(v));
            let ((b0, b1), (s0, s1)) = (halves(self.big), halves(self.small));
            Gathered {
                big: _mm256_max_epu32(b0, b1),
                small: _mm256_min_epu32(s0, s1),
            }
        }
    }
}

/// Where [`ilv_ps512`] takes each lane of its three vectors from, for
/// `m` (2 or 3) places: the first two places' (an index into both, as a
/// two-source permutation reads them; the third's lanes 0), then the
/// third's (an index into it; the others 0), and the mask of its lanes.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
const fn ilv16(m: usize) -> [Ilv16; 3] {
    let mut t = [([0; 16], [0; 16], 0); 3];
    let mut j = 0;
    while j < 3 {
        let mut l = 0;
        while l < 16 {
            let p = 16 * j + l;
            let (point, place) = ((p / m) as i32, p % m);
            if place < 2 {
                t[j].0[l] = 16 * place as i32 + point;
            } else {
                t[j].1[l] = point;
                t[j].2 |= 1 << l;
            }
            l += 1;
        }
        j += 1;
    }
    t
}

/// The permutation tables of [`ilv_ps512`] for one output vector: the
/// first two places' indices, the third's, the third's lanes.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
type Ilv16 = ([i32; 16], [i32; 16], u16);

/// [`ilv16`] for two and three places.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
static ILV16: [[Ilv16; 3]; 2] = [ilv16(2), ilv16(3)];

/// 16 points of `M` (2 or 3) places, one vector per place, as the `M`
/// vectors of their interleaved values (as [`ilv_pd512`] does for 8
/// doubles: a two-source permutation of the first two places, the third's
/// lanes put in by a masked one). Caller: AVX-512F present.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn ilv_ps512<const M: usize>(v: [__m512; M]) -> [__m512; 3] {
    // SAFETY: the loads read the static tables (16 lanes each); the rest
    // register operations.
    unsafe {
        let t = &ILV16[M - 2];
        let one = |j: usize| {
            let ab = _mm512_loadu_si512(t[j].0.as_ptr().cast());
            let x = _mm512_permutex2var_ps(v[0], ab, v[1]);
            if M == 3 {
                let c = _mm512_loadu_si512(t[j].1.as_ptr().cast());
                _mm512_mask_permutexvar_ps(x, t[j].2, c, v[M - 1])
            } else {
                x
            }
        };
        [one(0), one(1), one(2)]
    }
}

/// [`sub_div_ilv_f32`] with AVX-512F for one divisor (`rs[0]`) of form `F`
/// whose input range is tested after the blocks (`G`: [`DIFFS`] or
/// [`INNER`], as there), by blocks of 16 points: a 512-bit vector per
/// place, interleaved by [`ilv_ps512`] and stored as 32-byte halves (half
/// the instructions of the AVX2 loop's two blocks of 8, whose interleave
/// alone was a tenth of its time). The scalar tail after the last block
/// of 16 (the caller tests its inner neighbours). Caller: AVX2, FMA and
/// AVX-512F present, the rest as [`sub_div_ilv_f32`]'s. Built only by
/// compilers that have these intrinsics (`gradient_avx512`: Rust 1.89 or
/// newer), hence the crate's older rust-version allowed here.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2,fma")]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn sub_div_ilv_f32_512<const M: usize, const F: u8, const G: u8, const S: usize>(
    rs: &[Recip<f32>; 3],
    fm: &[&[f32]],
    fp: &[&[f32]],
    range: (f64, f64),
    out: &mut [f32],
    stream: bool,
    given: Option<Given<'_, f32>>,
) -> bool {
    debug_assert!(S < M && (G == DIFFS || G == INNER));
    // SAFETY: register operations only.
    let rv = unsafe { RecipW32::new(&rs[0]) };
    // The magnitudes gathered, tested after the blocks.
    let test = sub_div_ilv_loop!(
        (rs, fm, fp, out, stream, given),
        (pm, pp, po, test),
        // SAFETY: register operations only.
        (16, __m512, unsafe { GatheredW::new() }),
        // Plain loops (see comb3_ilv_f32_512).
        |i| {
            // SAFETY: i + 16 <= n: the loads stay inside fm[k] and fp[k].
            unsafe {
                let mut v = [_mm512_setzero_ps(); M];
                for (k, v) in v.iter_mut().enumerate() {
                    let p = _mm512_loadu_ps(pp[k].add(i));
                    if G == INNER && k == S {
                        test.set(test.get().ps(p));
                    }
                    let a = _mm512_sub_ps(p, _mm512_loadu_ps(pm[k].add(i)));
                    if G == DIFFS {
                        test.set(test.get().ps(a));
                    }
                    *v = quot16_fast::<F>(&rv, a);
                }
                v
            }
        },
        // SAFETY: i + 16 <= n: the stores (16M values from M i) stay inside
        // out; each half starts 64 M i / 16 bytes after out (or 32 more),
        // hence aligned when streamed.
        |i, v, s| unsafe {
            let p = po.add(M * i);
            for (k, &y) in ilv_ps512::<M>(v).iter().enumerate().take(M) {
                put_halves(p.add(16 * k).cast(), _mm512_castps_pd(y), s);
            }
        },
        // SAFETY: register operations only.
        |v, l, x| unsafe { _mm512_mask_mov_ps(v, 1 << l, _mm512_set1_ps(x)) }
    );
    let (lo, hi) = match G {
        DIFFS => (rs[0].lo, rs[0].hi),
        // Exact in float32 (see `takes`).
        _ => (range.0 as f32, range.1 as f32),
    };
    // The least less one: `lo` itself is in the range.
    let (lo, hi) = (lo.to_bits().saturating_sub(1), hi.to_bits());
    // SAFETY: register operations only.
    unsafe { test.narrow().within(lo, hi, 0xff) }
}

/// A run of blocks, as [`blocks`]'s `run` gives it: its end, and whether
/// its one block takes the `given` form (a block that holds a row's end,
/// whose halves take different coefficients: the `block` form then holds
/// one set, so that it keeps every vector in a register).
struct Run {
    end: usize,
    alone: bool,
}

impl From<usize> for Run {
    #[inline(always)]
    fn from(end: usize) -> Run {
        Run { end, alone: false }
    }
}

/// The blocks of `W` points from point 0 to `stops.full` (returned), in
/// runs: `run(start, state)` gives a run's end (the run stops earlier at
/// `stops.full`; a [`Run`] says whether its block goes alone) and sets its
/// state (its shared coefficients), asked for each run in turn; `block(i,
/// state, stream)` for each block that holds no given point and does not
/// go alone (called with `stream` a constant, so that each of its two
/// forms has its own code and tests nothing per block), `given(i, state,
/// stops)` for the others.
#[inline(always)]
fn blocks<T: Copy, C, R: Into<Run>, const W: usize>(
    stops: &mut Stops<'_, T, W>,
    stream: bool,
    (mut c, mut run): (C, impl FnMut(usize, &mut C) -> R),
    block: impl Fn(usize, &C, bool),
    mut given: impl FnMut(usize, &C, &mut Stops<'_, T, W>),
) -> usize {
    let mut i = 0;
    while i < stops.full {
        let Run { end, alone } = run(i, &mut c).into();
        let end = end.min(stops.full);
        debug_assert!(end > i);
        debug_assert!(!alone || end <= i + W);
        while i < end {
            let stop = if alone { i } else { stops.next.min(end) };
            if stream {
                while i < stop {
                    block(i, &c, true);
                    i += W;
                }
            } else {
                while i < stop {
                    block(i, &c, false);
                    i += W;
                }
            }
            if i < end {
                given(i, &c, stops);
                i += W;
            }
        }
    }
    i
}

/// Where a loop's given points are: the start of the next SIMD block (of
/// `W` points, from point 0, of `n`) that holds one, `usize::MAX` when no
/// block does (a point in the scalar tail or past the run): the loop
/// compares each block with it.
struct Stops<'a, T, const W: usize> {
    given: Option<Given<'a, T>>,
    /// The blocks end here (the scalar tail after).
    full: usize,
    /// The first given point not yet placed.
    k: usize,
    next: usize,
}

impl<'a, T: Copy, const W: usize> Stops<'a, T, W> {
    #[inline(always)]
    fn new(given: Option<Given<'a, T>>, n: usize) -> Self {
        let mut s = Stops {
            given,
            full: n - n % W,
            k: 0,
            next: usize::MAX,
        };
        s.advance();
        s
    }

    #[inline(always)]
    fn advance(&mut self) {
        let p = self
            .given
            .and_then(|g| g.at.get(self.k))
            .map_or(usize::MAX, |a| a.0);
        self.next = if p < self.full { p - p % W } else { usize::MAX };
    }

    /// The block of `W` points from `i` (its places' vectors `v`) takes
    /// the values given for it (none where it is not the next block that
    /// holds one), each put in its lane by `set(vector, lane, value)`.
    #[inline(always)]
    fn place<V: Copy, const M: usize>(
        &mut self,
        i: usize,
        v: &mut [V; M],
        set: impl Fn(V, usize, T) -> V,
    ) {
        let Some(g) = self.given else { return };
        if i != self.next {
            return;
        }
        // Each place by its constant index, the values blended in
        // registers: a run-time index, or lanes written through memory,
        // would keep the vectors in memory (a store and a reload every
        // block, and a stalled reload where a lane was just written).
        while let Some(&(p, x)) = g.at.get(self.k).filter(|a| a.0 < i + W) {
            for (k, v) in v.iter_mut().enumerate() {
                if k == g.slot {
                    *v = set(*v, p - i, x);
                }
            }
            self.k += 1;
        }
        self.advance();
    }

    /// Point `i` of the scalar tail (its values `o`) takes the value
    /// given for it.
    #[inline(always)]
    fn at(&self, o: &mut [T], i: usize) {
        if let Some(g) = self.given {
            for &(p, x) in &g.at[self.k..] {
                if p == i {
                    o[g.slot] = x;
                }
            }
        }
    }
}

/// `v` with lane `l` (below 4) set to `x`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn set_lane_pd(v: __m256d, l: usize, x: f64) -> __m256d {
    // SAFETY: register operations only.
    unsafe {
        let at = _mm256_cmpeq_epi64(_mm256_set1_epi64x(l as i64), _mm256_setr_epi64x(0, 1, 2, 3));
        _mm256_blendv_pd(v, _mm256_set1_pd(x), _mm256_castsi256_pd(at))
    }
}

/// `v` with lane `l` (below 8) set to `x`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn set_lane_ps(v: __m256, l: usize, x: f32) -> __m256 {
    // SAFETY: register operations only.
    unsafe {
        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let at = _mm256_cmpeq_epi32(_mm256_set1_epi32(l as i32), lanes);
        _mm256_blendv_ps(v, _mm256_set1_ps(x), _mm256_castsi256_ps(at))
    }
}

/// 4 points of `M` (2 or 3) places, one vector per place, as the `M`
/// vectors of their interleaved values (`a0 b0 c0 a1 | b1 c1 a2 b2 | c2 a3
/// b3 c3`; the third unused for 2).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn ilv_pd<const M: usize>(v: [__m256d; M]) -> [__m256d; 3] {
    // SAFETY: register operations only.
    unsafe {
        if M == 3 {
            let x = _mm256_unpacklo_pd(v[0], v[1]); // a0 b0 a2 b2
            let w = _mm256_shuffle_pd::<0b1010>(v[2], v[0]); // c0 a1 c2 a3
            let z = _mm256_unpackhi_pd(v[1], v[2]); // b1 c1 b3 c3
            [
                _mm256_permute2f128_pd::<0x20>(x, w), // a0 b0 c0 a1
                _mm256_permute2f128_pd::<0x30>(z, x), // b1 c1 a2 b2
                _mm256_permute2f128_pd::<0x31>(w, z), // c2 a3 b3 c3
            ]
        } else {
            let x = _mm256_unpacklo_pd(v[0], v[1]); // a0 b0 a2 b2
            let w = _mm256_unpackhi_pd(v[0], v[1]); // a1 b1 a3 b3
            [
                _mm256_permute2f128_pd::<0x20>(x, w), // a0 b0 a1 b1
                _mm256_permute2f128_pd::<0x31>(x, w), // a2 b2 a3 b3
                x,
            ]
        }
    }
}

/// The permutations of [`ilv_ps`] for three places.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn ilv_ps_index() -> [__m256i; 3] {
    // SAFETY: register operations only.
    unsafe {
        [
            _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5),
            _mm256_setr_epi32(5, 0, 3, 6, 1, 4, 7, 2),
            _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7),
        ]
    }
}

/// [`ilv_pd`] for 8 float points. Three places: each part permuted
/// (`idx`, from [`ilv_ps_index`]) so that its values sit where the three
/// outputs take them, then two blends per output: `a0 b0 c0 a1 b1 c1 a2
/// b2 | c2 a3 b3 c3 a4 b4 c4 a5 | b5 c5 a6 b6 c6 a7 b7 c7`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn ilv_ps<const M: usize>(v: [__m256; M], idx: &[__m256i; 3]) -> [__m256; 3] {
    // SAFETY: register operations only.
    unsafe {
        if M == 3 {
            let a = _mm256_permutevar8x32_ps(v[0], idx[0]);
            let b = _mm256_permutevar8x32_ps(v[1], idx[1]);
            let c = _mm256_permutevar8x32_ps(v[2], idx[2]);
            [
                _mm256_blend_ps::<0x24>(_mm256_blend_ps::<0x92>(a, b), c),
                _mm256_blend_ps::<0x49>(_mm256_blend_ps::<0x24>(a, b), c),
                _mm256_blend_ps::<0x92>(_mm256_blend_ps::<0x49>(a, b), c),
            ]
        } else {
            let x = _mm256_unpacklo_ps(v[0], v[1]); // a0 b0 a1 b1 | a4 b4 a5 b5
            let w = _mm256_unpackhi_ps(v[0], v[1]); // a2 b2 a3 b3 | a6 b6 a7 b7
            [
                _mm256_permute2f128_ps::<0x20>(x, w),
                _mm256_permute2f128_ps::<0x31>(x, w),
                x,
            ]
        }
    }
}

/// The shortest rows the coordinate loops that interleave take: a block
/// of 4 or 8 points then holds at most one row's end.
const ROW_MIN: usize = 8;

/// The coefficients of one place of [`Comb3Interleave`] at point `i` of
/// a run over rows of points (the points of an output row and on into the
/// rows after it). `pub` for the reason [`Coef3`] is.
#[derive(Clone, Copy, Debug)]
pub enum Place<'a> {
    /// An outer axis: the same three for each of its rows of `s` points
    /// (`s` at least [`ROW_MIN`] for the loops), point 0 being point `p0` (below `s`) of its row:
    /// point `i` takes `rows[(p0 + i) / s]`.
    Rows {
        rows: &'a [[f64; 3]],
        s: usize,
        p0: usize,
    },
    /// The inner axis: three per point of a row of `n` points (`n` at
    /// least [`ROW_MIN`] for the loops), point 0 being point `p0` (below `n`) of its row: point `i`
    /// takes `cols[j][(p0 + i) % n]`. Each column holds the row's twice
    /// (`2n` entries), so that a block from one row into the next is one
    /// load.
    Wrap {
        cols: [&'a [f64]; 3],
        n: usize,
        p0: usize,
        copies: Copies<'a>,
    },
    /// An outer axis at one of its one-sided ends, the same formula for
    /// every point (numpy's there): at the first point along the axis
    /// (`lo`, its neighbours after it) or the last (before it). Only the
    /// float32 separate loop with AVX-512 takes it
    /// ([`separate::Comb3Separate::comb3_separate`]); the others answer
    /// false.
    Edge { lo: bool, op: EdgeOp },
}

/// The formula of a [`Place::Edge`]. `pub` for the reason [`Coef3`] is.
#[derive(Clone, Copy, Debug)]
pub enum EdgeOp {
    /// Edge order 1: `(f[1] - f[0]) / d` at the first point, `(f[n-1] -
    /// f[n-2]) / d` at the last: the difference in the input's type, the
    /// division in double.
    Div(f64),
    /// Edge order 2: `c0 * f[0] + c1 * f[1] + c2 * f[2]` at the first
    /// point, `c0 * f[n-3] + c1 * f[n-2] + c2 * f[n-1]` at the last, in
    /// double, numpy's order.
    Comb([f64; 3]),
}

/// Copies of a [`Place::Wrap`] place's columns, one chosen for each row
/// of a run ([`pick_copies`]): the points of row `q` (from point 0's, up
/// to the end of the block holding its end) read copy `pick[q]` (0 past
/// the end of `pick`), `gap` entries on in every column from copy 0.
/// `pub` for the reason [`Coef3`] is.
#[derive(Clone, Copy, Debug, Default)]
pub struct Copies<'a> {
    pub pick: &'a [u8],
    pub gap: usize,
}

impl Copies<'_> {
    /// The entries before row `q`'s copy.
    #[inline(always)]
    fn skip(&self, q: usize) -> usize {
        self.pick.get(q).map_or(0, |&k| k as usize * self.gap)
    }
}

impl Place<'_> {
    /// The length of the place's rows and point 0's place in its row.
    #[inline(always)]
    fn row(&self) -> (usize, usize) {
        match *self {
            Place::Rows { s, p0, .. } => (s, p0),
            Place::Wrap { n, p0, .. } => (n, p0),
            // One row, as long as any run.
            Place::Edge { .. } => (usize::MAX, 0),
        }
    }

    #[inline(always)]
    fn at(&self, i: usize) -> [f64; 3] {
        match *self {
            Place::Rows { rows, s, p0 } => rows[(p0 + i) / s],
            Place::Wrap {
                cols,
                n,
                p0,
                copies,
            } => {
                let skip = copies.skip((p0 + i) / n);
                cols.map(|c| c[skip + (p0 + i) % n])
            }
            Place::Edge { .. } => unreachable!("an edge place takes its own loop"),
        }
    }

    /// Whether the place holds coefficients for points `0..len` as its
    /// loop reads them.
    fn fits(&self, len: usize) -> bool {
        let (s, p0) = self.row();
        s >= ROW_MIN
            && p0 < s
            && match *self {
                Place::Rows { rows, .. } => len == 0 || (p0 + len - 1) / s < rows.len(),
                Place::Wrap { cols, copies, .. } => {
                    let most = copies.pick.iter().max().map_or(0, |&k| k as usize);
                    let need = most
                        .checked_mul(copies.gap)
                        .and_then(|e| e.checked_add(2 * s));
                    need.is_some_and(|e| cols.iter().all(|c| c.len() >= e))
                }
                Place::Edge { .. } => true,
            }
    }

    /// Whether it is a [`Place::Edge`].
    pub(crate) fn is_edge(&self) -> bool {
        matches!(self, Place::Edge { .. })
    }
}

/// Where a run of blocks stands in a place's rows: the row `q` of the
/// run's first point (counted from point 0's) and the point `b` where the
/// row after starts. Moved from run to run, no division.
#[derive(Clone, Copy)]
struct Cursor {
    q: usize,
    b: usize,
    s: usize,
}

impl Cursor {
    #[inline(always)]
    fn new(c: &Place<'_>) -> Self {
        let (s, p0) = c.row();
        Cursor { q: 0, b: s - p0, s }
    }

    /// At point `i` (at or after the point it was at), and the end of the
    /// run of `w`-point blocks from there that stay in one row: the
    /// block holding the row's end is a run alone.
    #[inline(always)]
    fn to(&mut self, i: usize, w: usize) -> usize {
        while self.b <= i {
            self.q += 1;
            self.b += self.s;
        }
        match self.b < i + w {
            true => i + w,
            false => self.b - self.b % w,
        }
    }

    /// The coefficient columns of a [`Place::Wrap`] (`cols`, rows of `n`,
    /// point 0 at `p0`, the run's row's copy of `copies`) moved so that
    /// point `i` of the run is at `i`: wrapping arithmetic (the pointer
    /// may lie before the columns); the loads at the run's points lie
    /// inside them.
    #[inline(always)]
    fn cols(&self, cols: [&[f64]; 3], n: usize, p0: usize, copies: Copies<'_>) -> [*const f64; 3] {
        let skip = copies.skip(self.q);
        cols.map(|c| c.as_ptr().wrapping_add(skip + p0).wrapping_sub(self.q * n))
    }
}

/// A [`Place::Rows`]'s coefficients for the four points from `j`, a lane
/// per point, the run's cursor `at` (its row `q` up to point `b`, the
/// next row's from there): made in registers (a change of row by a blend
/// on the lanes before it), as four lanes stored one by one and loaded as
/// a vector would stall the load.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn rows_pd(rows: &[[f64; 3]], at: &Cursor, j: usize) -> [__m256d; 3] {
    // SAFETY: register operations only.
    unsafe {
        let splat = |c: [f64; 3]| c.map(|x| _mm256_set1_pd(x));
        let a = splat(rows[at.q]);
        // The lanes before point `b`: row q's.
        let before = at.b.saturating_sub(j).min(4);
        if before == 4 {
            return a;
        }
        two_rows_pd(rows[at.q], rows[at.q + 1], before)
    }
}

/// The coefficients of four points whose first `before` take row `a`'s,
/// the others row `b`'s. Caller: AVX2 present.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn two_rows_pd(a: [f64; 3], b: [f64; 3], before: usize) -> [__m256d; 3] {
    // SAFETY: register operations only.
    unsafe {
        let splat = |c: [f64; 3]| c.map(|x| _mm256_set1_pd(x));
        let (a, b) = (splat(a), splat(b));
        let lanes = _mm256_setr_epi64x(0, 1, 2, 3);
        let m = _mm256_cmpgt_epi64(_mm256_set1_epi64x(before as i64), lanes);
        let m = _mm256_castsi256_pd(m);
        [0, 1, 2].map(|j| _mm256_blendv_pd(b[j], a[j], m))
    }
}

/// A run's coefficients of the `M` places: the [`Place::Rows`] ones' in
/// registers for the four points from `j` (`cv`), the [`Place::Wrap`]
/// ones' columns moved to the run (`pe`); zero and null for the other
/// kind.
#[cfg(target_arch = "x86_64")]
struct RunCoefs<const M: usize> {
    cv: [[__m256d; 3]; M],
    pe: [[*const f64; 3]; M],
}

#[cfg(target_arch = "x86_64")]
impl<const M: usize> RunCoefs<M> {
    /// `H` of them, zero and null.
    #[inline(always)]
    fn none<const H: usize>() -> [RunCoefs<M>; H] {
        // SAFETY: all-zero bytes are a valid vector (plain numbers) and a
        // valid (null) raw pointer.
        unsafe { std::mem::zeroed() }
    }
}

/// The run of blocks of `w` points from point `i` for the places `c`,
/// their cursors `at` moved there: its end, its coefficients into `r`
/// (`cv` for each offset in `js`: the points from `i + js[h]`), in place
/// (returned, the few hundred bytes would be copied for every run).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn run_coefs<const M: usize, const H: usize>(
    c: &[Place<'_>],
    at: &mut [Cursor; M],
    (i, w): (usize, usize),
    js: [usize; H],
    r: &mut [RunCoefs<M>; H],
) -> usize {
    let mut end = usize::MAX;
    for (k, at) in at.iter_mut().enumerate() {
        end = end.min(at.to(i, w));
        match c[k] {
            Place::Rows { rows, .. } => {
                for (r, &j) in r.iter_mut().zip(&js) {
                    // SAFETY: register operations only.
                    r.cv[k] = unsafe { rows_pd(rows, at, i + j) };
                }
            }
            Place::Wrap {
                cols,
                n,
                p0,
                copies,
            } => {
                let pe = at.cols(cols, n, p0, copies);
                for r in r.iter_mut() {
                    r.pe[k] = pe;
                }
            }
            Place::Edge { .. } => unreachable!("an edge place takes its own loop"),
        }
    }
    end
}

/// Element types with a SIMD loop that combines coordinates' three terms
/// and interleaves at once (float64, and float32 computed in double).
pub(crate) trait Comb3Interleave: Sized {
    /// `out[m * i + k] = c0 * fm[k][i] + c1 * f0[i] + c2 * fp[k][i]` (in
    /// double, numpy's order, rounded to `Self` at the end) for the `m`
    /// places `c[k]` and every point `i < out.len() / m`, bit for bit;
    /// false (nothing written) where there is no such loop, or a place's
    /// rows are shorter than [`ROW_MIN`]. `stream` and `given`: as
    /// [`SubDivInterleave::sub_div_interleave`]'s; `wide` as
    /// [`separate::Comb3Separate::comb3_separate`]'s.
    #[allow(clippy::too_many_arguments)]
    fn comb3_interleave(
        _c: &[Place<'_>],
        _fm: &[&[Self]],
        _f0: &[Self],
        _fp: &[&[Self]],
        _out: &mut [Self],
        _stream: bool,
        _given: Option<Given<'_, Self>>,
        _wide: bool,
    ) -> bool {
        false
    }
}

/// `$run::<M, E>` of the arguments `$args` (a tuple) for `M` = `$m` and the
/// run-time `$e`, one of the `E` listed.
macro_rules! by_each {
    ($run:ident, $m:literal, $e:expr, $args:expr, $($k:literal)*) => {{
        let (c, fm, f0, fp, out, stream, given) = $args;
        match $e {
            $($k => $run::<$m, $k>(c, fm, f0, fp, out, stream, given),)*
            _ => unreachable!(),
        }
    }};
}

/// The checks and the dispatch of [`Comb3Interleave`] for one type: `$run`
/// its loop, `$wide` its AVX-512 loop if it has one.
macro_rules! comb3_interleave_impl {
    ($t:ty, $run:ident $(, $wide:ident)?) => {
        impl Comb3Interleave for $t {
            #[inline]
            fn comb3_interleave(
                c: &[Place<'_>],
                fm: &[&[$t]],
                f0: &[$t],
                fp: &[&[$t]],
                out: &mut [$t],
                stream: bool,
                given: Option<Given<'_, $t>>,
                wide: bool,
            ) -> bool {
                let m = c.len();
                let short = c.iter().any(|c| c.row().0 < ROW_MIN || c.is_edge());
                if !(2..=3).contains(&m) || fm.len() != m || fp.len() != m || short || !available()
                {
                    return false;
                }
                let n = out.len() / m;
                assert!(out.len() == m * n && f0.len() >= n);
                Given::check(&given, m);
                assert!(fm.iter().chain(fp).all(|s| s.len() >= n));
                assert!(c.iter().all(|c| c.fits(n)));
                assert!(!stream || out.as_ptr() as usize % 32 == 0);
                #[cfg(target_arch = "x86_64")]
                {
                    // SAFETY: AVX2 was detected at run time (available()),
                    // AVX-512F too where wide (available512()); every slice
                    // holds at least n points and out exactly m * n,
                    // 32-byte aligned when streamed (asserted above).
                    let each = c.iter().enumerate();
                    let e = each.fold(0, |e, (k, c)| e | (matches!(c, Place::Wrap { .. }) as u8) << k);
                    let args = (c, fm, f0, fp, out, stream, given);
                    let wide = wide && available512();
                    $(
                        #[cfg(gradient_avx512)]
                        if wide {
                            unsafe {
                                if m == 3 {
                                    by_each!($wide, 3, e, args, 0 1 2 3 4 5 6 7)
                                } else {
                                    by_each!($wide, 2, e, args, 0 1 2 3)
                                }
                            };
                            return true;
                        }
                    )?
                    let _ = wide;
                    unsafe {
                        if m == 3 {
                            by_each!($run, 3, e, args, 0 1 2 3 4 5 6 7)
                        } else {
                            by_each!($run, 2, e, args, 0 1 2 3)
                        }
                    };
                    true
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = (c, f0, stream, given, wide);
                    false
                }
            }
        }
    };
}
comb3_interleave_impl!(f64, comb3_ilv_f64, comb3_ilv_f64_512);
comb3_interleave_impl!(f32, comb3_ilv_f32, comb3_ilv_f32_512);

/// The loop of the interleaving coordinate loops ([`comb3_ilv_f64`],
/// [`comb3_ilv_f64_512`], [`comb3_ilv_f32`], [`comb3_ilv_f32_512`]) around
/// their blocks: the runs of blocks of `W` points (`H` sets of
/// coefficients for the offsets `js` in each), the stores, the given
/// points, the scalar tail (in double, rounded to the element type `T`).
/// The function's arguments `$args`, its names (macro hygiene) for the
/// inputs' pointers and the output's, the run's coefficients made once
/// per run from its sets `|r| join`, the block `|i, r, j| block` (its sets
/// and their join), the stores `|i, v, stream| put`, and `|v, lane, x|
/// set` (a given value into its lane).
#[cfg(target_arch = "x86_64")]
macro_rules! comb3_ilv_loop {
    (
        ($c:ident, $fm:ident, $f0:ident, $fp:ident, $out:ident, $stream:ident, $given:ident),
        ($pm:ident, $pp:ident, $po:ident),
        ($t:ty, $w:literal, $h:literal, $js:expr),
        |$rr:ident| -> $jt:ty $join:block,
        |$i:ident, $r:ident, $j:ident| -> $vt:ty $block:block,
        |$pi:ident, $v:ident, $s:ident| unsafe $put:block,
        |$sv:ident, $sl:ident, $sx:ident| unsafe $set:block
    ) => {{
        let (c, f0, out, stream) = ($c, $f0, $out, $stream);
        let n = out.len() / M;
        let $po = out.as_mut_ptr();
        let ($pm, $pp): ([*const $t; M], [*const $t; M]) = (
            std::array::from_fn(|k| $fm[k].as_ptr()),
            std::array::from_fn(|k| $fp[k].as_ptr()),
        );
        let mut at: [Cursor; M] = std::array::from_fn(|k| Cursor::new(&c[k]));
        let mut stops = Stops::<_, $w>::new($given, n);
        let join = |$rr: &[RunCoefs<M>; $h]| -> $jt { $join };
        let none = RunCoefs::none();
        let state = (join(&none), none);
        let block = |$i: usize, ($j, $r): &($jt, [RunCoefs<M>; $h])| -> $vt {
            for &p in &$pp {
                prefetch_ptr(p, $i);
            }
            $block
        };
        let put = |$pi: usize, $v: $vt, $s: bool| unsafe { $put };
        let mut i = blocks(
            &mut stops,
            stream,
            (state, |i, (j, r): &mut ($jt, _)| {
                // SAFETY: register operations only.
                let end = unsafe { run_coefs::<M, $h>(c, &mut at, (i, $w), $js, r) };
                *j = join(r);
                end
            }),
            |i, r, s| put(i, block(i, r), s),
            |i, r, stops| {
                let mut v = block(i, r);
                stops.place(i, &mut v, |$sv, $sl, $sx| unsafe { $set });
                put(i, v, stream);
            },
        );
        while i < n {
            for k in 0..M {
                let x = [$fm[k][i], f0[i], $fp[k][i]].map(f64::from);
                out[M * i + k] = comb3_at(c[k].at(i), x) as $t;
            }
            stops.at(&mut out[M * i..M * i + M], i);
            i += 1;
        }
    }};
}

/// The loop of [`Comb3Interleave`] for `M` (2 or 3) f64 places, by blocks
/// of 4 points in runs that stay in one row of every place (the block
/// holding a row's end a run alone), bit `k` of `E` set when place `k` is
/// [`Place::Wrap`] (its columns loaded per block, the others'
/// coefficients held in registers for the run). Caller: AVX2 present, the
/// slices and places as there, `E` true to `c`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unused_unsafe)]
unsafe fn comb3_ilv_f64<const M: usize, const E: u8>(
    c: &[Place<'_>],
    fm: &[&[f64]],
    f0: &[f64],
    fp: &[&[f64]],
    out: &mut [f64],
    stream: bool,
    given: Option<Given<'_, f64>>,
) {
    comb3_ilv_loop!(
        (c, fm, f0, fp, out, stream, given),
        (pm, pp, po),
        (f64, 4, 1, [0]),
        |_r| -> () {},
        // The block from `i`, its run's coefficients `r`.
        |i, r, _j| -> [__m256d; M] {
            // SAFETY: i + 4 <= n: the loads stay inside fm[k], f0 and
            // fp[k], and those of a Wrap place's columns inside them (its
            // cursor is at the run's row, which i + 3 leaves by less than a
            // row: an index below 2n). The products and sums in numpy's
            // order.
            unsafe {
                let x0 = _mm256_loadu_pd(f0.as_ptr().add(i));
                std::array::from_fn(|k| {
                    let cs = match E >> k & 1 {
                        1 => r[0].pe[k].map(|e| _mm256_loadu_pd(e.wrapping_add(i))),
                        _ => r[0].cv[k],
                    };
                    let a = _mm256_mul_pd(cs[0], _mm256_loadu_pd(pm[k].add(i)));
                    let b = _mm256_mul_pd(cs[1], x0);
                    let z = _mm256_mul_pd(cs[2], _mm256_loadu_pd(pp[k].add(i)));
                    _mm256_add_pd(_mm256_add_pd(a, b), z)
                })
            }
        },
        // SAFETY: i + 4 <= n: the stores (4M values from M i) stay inside
        // out; each starts 32 M i bytes after out, hence aligned when
        // streamed.
        |i, v, s| unsafe {
            let p = po.add(M * i);
            for (k, &y) in ilv_pd::<M>(v).iter().enumerate().take(M) {
                put_pd(p.add(4 * k), y, s);
            }
        },
        // SAFETY: register operations only.
        |v, l, x| unsafe { set_lane_pd(v, l, x) }
    )
}

/// A run's coefficients of the [`Place::Rows`] places for a block of 8
/// points (`r`: its halves'), joined into one 512-bit vector each, each
/// half read alone: joined in the block, LLVM loaded each low half with
/// its neighbour as one 512-bit load across two of [`run_coefs`]' 256-bit
/// stores, which cannot take its value from the store buffer and waits
/// until every store before it, the streamed ones too, has left (a quarter
/// of the samples on that load; 256^3 interleaved float32 coordinates
/// 19.5 to 15.7 ms on an Intel Xeon with AVX-512). Caller: AVX-512F
/// present.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn join_halves<const M: usize>(r: &[RunCoefs<M>; 2]) -> [[__m512d; 3]; M] {
    // SAFETY: the reads are of live, aligned vectors; the rest register
    // operations.
    unsafe {
        let half = |h: usize, k: usize, t: usize| std::ptr::read_volatile(&r[h].cv[k][t]);
        let mut j = [[_mm512_setzero_pd(); 3]; M];
        for (k, j) in j.iter_mut().enumerate() {
            for (t, j) in j.iter_mut().enumerate() {
                *j = _mm512_insertf64x4::<1>(_mm512_castpd256_pd512(half(0, k, t)), half(1, k, t));
            }
        }
        j
    }
}

/// 8 points of `M` (2 or 3) places, one vector per place, as the `M`
/// vectors of their interleaved values (`a0 b0 c0 a1 b1 c1 a2 b2 | c2 a3
/// b3 c3 a4 b4 c4 a5 | b5 c5 a6 b6 c6 a7 b7 c7`; the third unused for 2):
/// each a two-source permutation of the first two places, and for three
/// the third's lanes put in by a masked one. Caller: AVX-512F present.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn ilv_pd512<const M: usize>(v: [__m512d; M]) -> [__m512d; 3] {
    // SAFETY: register operations only.
    unsafe {
        let ab = |i: [i64; 8]| {
            let idx = _mm512_setr_epi64(i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7]);
            _mm512_permutex2var_pd(v[0], idx, v[1])
        };
        if M == 3 {
            let c = |t: __m512d, m: u8, i: [i64; 8]| {
                let idx = _mm512_setr_epi64(i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7]);
                _mm512_mask_permutexvar_pd(t, m, idx, v[M - 1])
            };
            // Index 0 where the lane comes from the other step.
            [
                c(
                    ab([0, 8, 0, 1, 9, 0, 2, 10]),
                    0x24,
                    [0, 0, 0, 0, 0, 1, 0, 0],
                ),
                c(
                    ab([0, 3, 11, 0, 4, 12, 0, 5]),
                    0x49,
                    [2, 0, 0, 3, 0, 0, 4, 0],
                ),
                c(
                    ab([13, 0, 6, 14, 0, 7, 15, 0]),
                    0x92,
                    [0, 5, 0, 0, 6, 0, 0, 7],
                ),
            ]
        } else {
            let (x, w) = (
                ab([0, 8, 1, 9, 2, 10, 3, 11]),
                ab([4, 12, 5, 13, 6, 14, 7, 15]),
            );
            [x, w, x]
        }
    }
}

/// [`comb3_ilv_f64`] with AVX-512F: blocks of 8 points, a 512-bit vector
/// per place, interleaved by [`ilv_pd512`] and stored as 32-byte halves
/// (twice the points per instruction, and three permutations of 8 points
/// where the AVX2 loop takes six for its two blocks of 4). Caller: AVX2
/// and AVX-512F present, the rest as [`comb3_ilv_f64`]'s. Built only by
/// compilers that have these intrinsics (`gradient_avx512`: Rust 1.89 or
/// newer), hence the crate's older rust-version allowed here.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn comb3_ilv_f64_512<const M: usize, const E: u8>(
    c: &[Place<'_>],
    fm: &[&[f64]],
    f0: &[f64],
    fp: &[&[f64]],
    out: &mut [f64],
    stream: bool,
    given: Option<Given<'_, f64>>,
) {
    comb3_ilv_loop!(
        (c, fm, f0, fp, out, stream, given),
        (pm, pp, po),
        (f64, 8, 2, [0, 4]),
        // SAFETY: as join_halves asks.
        |r| -> [[__m512d; 3]; M] { unsafe { join_halves(r) } },
        // The block from `i`, its run's coefficients (the Rows places'
        // joined `j`, the Wrap places' columns in `r[0]`).
        |i, r, j| -> [__m512d; M] {
            // SAFETY: i + 8 <= n: the loads as comb3_ilv_f64's (8 points,
            // the Wrap places' columns 8 at a time: an index below 2n). The
            // products and sums in numpy's order. Plain loops (see
            // comb3_ilv_f32_512: closures per place were not inlined).
            unsafe {
                let x0 = _mm512_loadu_pd(f0.as_ptr().add(i));
                let mut v = [_mm512_setzero_pd(); M];
                for (k, v) in v.iter_mut().enumerate() {
                    let mut cs = [_mm512_setzero_pd(); 3];
                    for (t, c) in cs.iter_mut().enumerate() {
                        *c = match E >> k & 1 {
                            1 => _mm512_loadu_pd(r[0].pe[k][t].wrapping_add(i)),
                            _ => j[k][t],
                        };
                    }
                    let a = _mm512_mul_pd(cs[0], _mm512_loadu_pd(pm[k].add(i)));
                    let b = _mm512_mul_pd(cs[1], x0);
                    let z = _mm512_mul_pd(cs[2], _mm512_loadu_pd(pp[k].add(i)));
                    *v = _mm512_add_pd(_mm512_add_pd(a, b), z);
                }
                v
            }
        },
        // SAFETY: i + 8 <= n: the stores (8M values from M i) stay inside
        // out; each half starts 64 M i / 8 bytes after out (or 32 more),
        // hence aligned when streamed.
        |i, v, s| unsafe {
            let p = po.add(M * i);
            for (k, &y) in ilv_pd512::<M>(v).iter().enumerate().take(M) {
                put_halves(p.add(8 * k), y, s);
            }
        },
        // SAFETY: register operations only.
        |v, l, x| unsafe { _mm512_mask_mov_pd(v, 1 << l, _mm512_set1_pd(x)) }
    )
}

/// [`comb3_ilv_f64`] for `f32` inputs and outputs, by blocks of 8 points,
/// each half of four in double as numpy computes it (the inputs converted
/// exactly, the products and sums rounded in double, the result rounded to
/// float32).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unused_unsafe)]
unsafe fn comb3_ilv_f32<const M: usize, const E: u8>(
    c: &[Place<'_>],
    fm: &[&[f32]],
    f0: &[f32],
    fp: &[&[f32]],
    out: &mut [f32],
    stream: bool,
    given: Option<Given<'_, f32>>,
) {
    // SAFETY: register operations only.
    let idx = unsafe { ilv_ps_index() };
    comb3_ilv_loop!(
        (c, fm, f0, fp, out, stream, given),
        (pm, pp, po),
        (f32, 8, 2, [0, 4]),
        |_r| -> () {},
        // The block from `i`, its halves' run coefficients `r`.
        |i, r, _j| -> [__m256; M] {
            // SAFETY: i + 8 <= n: the loads stay inside fm[k], f0 and fp[k],
            // and those of a Wrap place's columns inside them (as in
            // comb3_ilv_f64: an index below 2n). The conversions to double are
            // exact, the products and sums in numpy's order, the conversion
            // back rounds to nearest as `as f32` does.
            unsafe {
                let half = |j: usize, r: &RunCoefs<M>| -> [__m128; M] {
                    let wide = |p: *const f32| _mm256_cvtps_pd(_mm_loadu_ps(p.add(j)));
                    let x0 = wide(f0.as_ptr());
                    std::array::from_fn(|k| {
                        let cs = match E >> k & 1 {
                            1 => r.pe[k].map(|e| _mm256_loadu_pd(e.wrapping_add(j))),
                            _ => r.cv[k],
                        };
                        let a = _mm256_mul_pd(cs[0], wide(pm[k]));
                        let b = _mm256_mul_pd(cs[1], x0);
                        let z = _mm256_mul_pd(cs[2], wide(pp[k]));
                        _mm256_cvtpd_ps(_mm256_add_pd(_mm256_add_pd(a, b), z))
                    })
                };
                let (l, h) = (half(i, &r[0]), half(i + 4, &r[1]));
                std::array::from_fn(|k| _mm256_set_m128(h[k], l[k]))
            }
        },
        // SAFETY: i + 8 <= n: the stores (8M values from M i) stay inside
        // out; each starts 32 M i bytes after out, hence aligned when
        // streamed.
        |i, v, s| unsafe {
            let p = po.add(M * i);
            for (k, &y) in ilv_ps::<M>(v, &idx).iter().enumerate().take(M) {
                put_ps(p.add(8 * k), y, s);
            }
        },
        // SAFETY: register operations only.
        |v, l, x| unsafe { set_lane_ps(v, l, x) }
    )
}

/// [`comb3_ilv_f32`] with AVX-512F: a block's 8 points in one 512-bit
/// vector of doubles per place (the loop is held up by its arithmetic and
/// its loads together, as [`separate`]'s float32 coordinates loop is).
/// Caller: AVX2 and AVX-512F present, the rest as [`comb3_ilv_f32`]'s.
/// Built only by compilers that have these intrinsics (`gradient_avx512`:
/// Rust 1.89 or newer), hence the crate's older rust-version allowed here.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx2")]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn comb3_ilv_f32_512<const M: usize, const E: u8>(
    c: &[Place<'_>],
    fm: &[&[f32]],
    f0: &[f32],
    fp: &[&[f32]],
    out: &mut [f32],
    stream: bool,
    given: Option<Given<'_, f32>>,
) {
    // The run's coefficients of the Rows places for the block's 8 points
    // (its halves' joined), once per run (join_halves).
    // SAFETY: register operations only.
    let idx = unsafe { ilv_ps_index() };
    comb3_ilv_loop!(
        (c, fm, f0, fp, out, stream, given),
        (pm, pp, po),
        (f32, 8, 2, [0, 4]),
        // SAFETY: as join_halves asks.
        |r| -> [[__m512d; 3]; M] { unsafe { join_halves(r) } },
        |i, r, j| -> [__m256; M] {
            // SAFETY: i + 8 <= n: the loads as comb3_ilv_f32's (the Wrap
            // places' columns 8 at a time); the rest register operations, in
            // numpy's order as there.
            unsafe {
                let wide = |p: *const f32| _mm512_cvtps_pd(_mm256_loadu_ps(p.add(i)));
                let x0 = wide(f0.as_ptr());
                // Plain loops, not `array::from_fn` or `map`: with them
                // the place's closure was not inlined, a call per place
                // that passed its vectors through memory (25.4 ms against
                // 19.5 at 256^3, as above).
                let mut v = [_mm256_setzero_ps(); M];
                for (k, v) in v.iter_mut().enumerate() {
                    let mut cs = [_mm512_setzero_pd(); 3];
                    for (t, c) in cs.iter_mut().enumerate() {
                        *c = match E >> k & 1 {
                            1 => _mm512_loadu_pd(r[0].pe[k][t].wrapping_add(i)),
                            _ => j[k][t],
                        };
                    }
                    let a = _mm512_mul_pd(cs[0], wide(pm[k]));
                    let b = _mm512_mul_pd(cs[1], x0);
                    let z = _mm512_mul_pd(cs[2], wide(pp[k]));
                    *v = _mm512_cvtpd_ps(_mm512_add_pd(_mm512_add_pd(a, b), z));
                }
                v
            }
        },
        // SAFETY: as comb3_ilv_f32's.
        |i, v, s| unsafe {
            let p = po.add(M * i);
            for (k, &y) in ilv_ps::<M>(v, &idx).iter().enumerate().take(M) {
                put_ps(p.add(8 * k), y, s);
            }
        },
        // SAFETY: register operations only.
        |v, l, x| unsafe { set_lane_ps(v, l, x) }
    )
}

/// The coefficients of [`Comb3`]: the same three for every point (a row
/// of an outer axis), three per point (a lane: `c[j][k]` for point `k`),
/// three per run of `inner` points (consecutive rows of an outer axis:
/// point `k` takes `rows[k / inner]`), or the steps or coordinates they
/// come from (a lane too long for a table).
///
/// `pub` (in this private module, so unreachable from outside the crate)
/// because [`crate::Element`] names it in a hidden method.
#[derive(Clone, Copy)]
pub enum Coef3<'a> {
    Same([f64; 3]),
    Each([&'a [f64]; 3]),
    Rows(&'a [[f64; 3]], usize),
    /// The steps between points (one more than the points): point `k`'s
    /// coefficients are the interior formula of steps `h[k]` and
    /// `h[k + 1]`, computed in the loop ([`interior_coef`]).
    Steps(&'a [f64]),
    /// The points' coordinates and one more on each side: point `k`'s
    /// steps are `x[k + 1] - x[k]` and `x[k + 2] - x[k + 1]` (numpy's
    /// `np.diff`), then as [`Coef3::Steps`].
    Coords(&'a [f64]),
}

/// Element types with a SIMD loop for the three-point combination of
/// unevenly spaced coordinates.
pub(crate) trait Comb3: Sized {
    /// `o[k] = ((c0 * fm[k]) + (c1 * f0[k])) + (c2 * fp[k])`, every
    /// operation rounded in double (numpy's float64 coefficient arrays;
    /// `f32` data converted exactly, the sum rounded back to `f32`), bit
    /// for bit as the portable loop; false (nothing written) where there
    /// is no such loop.
    fn comb3(c: Coef3<'_>, f: [&[Self]; 3], o: &mut [Self], stream: bool) -> bool;
}

/// Where [`Comb3`]'s loops take their coefficients from (`MODE`).
const SAME: u8 = 0;
const EACH: u8 = 1;
const ROWS: u8 = 2;
const STEPS: u8 = 3;
const COORDS: u8 = 4;

/// The per-point and per-row coefficients of [`Coef3::Each`] and
/// [`Coef3::Rows`], and the steps or coordinates of [`Coef3::Steps`] and
/// [`Coef3::Coords`], for the loops.
#[derive(Clone, Copy, Default)]
struct Src<'a> {
    each: [&'a [f64]; 3],
    rows: &'a [[f64; 3]],
    inner: usize,
    /// The steps (STEPS) or the coordinates (COORDS).
    steps: &'a [f64],
}

/// Coordinates' interior coefficients `[a, b, c]` of the point between
/// steps `h1` and `h2`: numpy's formulas (docs/numerics.md), the one
/// definition the kernel's tables and scalar loops and these SIMD loops
/// (the same operations in each lane) share.
#[inline(always)]
pub(crate) fn interior_coef(h1: f64, h2: f64) -> [f64; 3] {
    [
        (-h2) / (h1 * (h1 + h2)),
        (h2 - h1) / (h1 * h2),
        h1 / (h2 * (h1 + h2)),
    ]
}

/// [`interior_coef`] for the four points from the steps at `p` (five of
/// them), a lane per point: each operation correctly rounded in every
/// lane, so the same bits. Caller: AVX present, `p` valid for 5 reads.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn steps_coef4(p: *const f64) -> [__m256d; 3] {
    // SAFETY: the caller's: five doubles from p.
    unsafe { coef4(_mm256_loadu_pd(p), _mm256_loadu_pd(p.add(1))) }
}

/// [`steps_coef4`] from the coordinates at `p` (six of them, the steps
/// their differences). Caller: AVX present, `p` valid for 6 reads.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn coords_coef4(p: *const f64) -> [__m256d; 3] {
    // SAFETY: the caller's: six doubles from p.
    unsafe {
        let x = [0, 1, 2].map(|j| _mm256_loadu_pd(p.add(j)));
        coef4(_mm256_sub_pd(x[1], x[0]), _mm256_sub_pd(x[2], x[1]))
    }
}

/// [`interior_coef`] in four lanes: the steps before (`h1`) and after
/// (`h2`) four points.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn coef4(h1: __m256d, h2: __m256d) -> [__m256d; 3] {
    // SAFETY: register operations only.
    unsafe {
        let s = _mm256_add_pd(h1, h2);
        // -h2: the sign bit flipped, as the scalar negation does.
        let neg = _mm256_xor_pd(h2, _mm256_set1_pd(-0.0));
        [
            _mm256_div_pd(neg, _mm256_mul_pd(h1, s)),
            _mm256_div_pd(_mm256_sub_pd(h2, h1), _mm256_mul_pd(h1, h2)),
            _mm256_div_pd(h1, _mm256_mul_pd(h2, s)),
        ]
    }
}

macro_rules! comb3_impl {
    ($t:ty, $avx2:ident) => {
        impl Comb3 for $t {
            #[inline]
            fn comb3(c: Coef3<'_>, f: [&[$t]; 3], o: &mut [$t], stream: bool) -> bool {
                let n = o.len();
                assert!(f.iter().all(|r| r.len() >= n));
                match c {
                    Coef3::Each(c) => assert!(c.iter().all(|r| r.len() >= n)),
                    Coef3::Rows(r, inner) => {
                        assert!(inner > 0 && r.len().checked_mul(inner).is_some_and(|m| m >= n))
                    }
                    Coef3::Steps(h) => assert!(h.len() > n),
                    Coef3::Coords(x) => assert!(x.len() > n + 1),
                    Coef3::Same(_) => {}
                }
                #[cfg(target_arch = "x86_64")]
                if available() {
                    // SAFETY: AVX2 was detected at run time (available()),
                    // and the inputs and the coefficients cover the n
                    // points (asserted above). The shared coefficients go
                    // in registers: a row's triple has just been written
                    // to the stack, and loading it back in other widths
                    // than it was stored would wait for every store ahead
                    // of it (the streaming ones too), every row.
                    unsafe {
                        match c {
                            Coef3::Same([c0, c1, c2]) => {
                                $avx2::<SAME>(c0, c1, c2, Src::default(), f, o, stream)
                            }
                            Coef3::Each(each) => {
                                let src = Src {
                                    each,
                                    ..Src::default()
                                };
                                $avx2::<EACH>(0.0, 0.0, 0.0, src, f, o, stream)
                            }
                            Coef3::Rows(rows, inner) => {
                                let src = Src {
                                    rows,
                                    inner,
                                    ..Src::default()
                                };
                                $avx2::<ROWS>(0.0, 0.0, 0.0, src, f, o, stream)
                            }
                            Coef3::Steps(steps) => {
                                let src = Src {
                                    steps,
                                    ..Src::default()
                                };
                                $avx2::<STEPS>(0.0, 0.0, 0.0, src, f, o, stream)
                            }
                            Coef3::Coords(x) => {
                                let src = Src {
                                    steps: x,
                                    ..Src::default()
                                };
                                $avx2::<COORDS>(0.0, 0.0, 0.0, src, f, o, stream)
                            }
                        }
                    }
                    return true;
                }
                let _ = (c, stream);
                false
            }
        }
    };
}
comb3_impl!(f64, comb3_f64_avx2);
comb3_impl!(f32, comb3_f32_avx2);

/// Store 4 doubles at `p`, streamed (non-temporal) or not.
///
/// # Safety
/// `p` valid for 32 bytes of writes, 32-byte aligned when `stream`; AVX
/// present.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn put_pd(p: *mut f64, r: __m256d, stream: bool) {
    // SAFETY: as the caller guarantees.
    unsafe {
        if stream {
            _mm256_stream_pd(p, r);
        } else {
            _mm256_storeu_pd(p, r);
        }
    }
}

/// [`put_pd`] for a 512-bit vector (8 doubles, or 16 floats cast), as two
/// 32-byte halves (the AVX-512 loops' outputs start on 32-byte boundaries
/// when streamed).
///
/// # Safety
/// `p` valid for 64 bytes of writes, 32-byte aligned when `stream`;
/// AVX-512F present.
#[cfg(all(target_arch = "x86_64", gradient_avx512))]
#[target_feature(enable = "avx512f,avx")]
#[inline]
#[allow(unused_unsafe, clippy::incompatible_msrv)]
unsafe fn put_halves(p: *mut f64, r: __m512d, stream: bool) {
    // SAFETY: as the caller guarantees.
    unsafe {
        put_pd(p, _mm512_castpd512_pd256(r), stream);
        put_pd(p.add(4), _mm512_extractf64x4_pd::<1>(r), stream);
    }
}

/// [`put_pd`] for 8 floats.
///
/// # Safety
/// As [`put_pd`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
#[allow(unused_unsafe)]
unsafe fn put_ps(p: *mut f32, r: __m256, stream: bool) {
    // SAFETY: as the caller guarantees.
    unsafe {
        if stream {
            _mm256_stream_ps(p, r);
        } else {
            _mm256_storeu_ps(p, r);
        }
    }
}

/// `x`, unseen by the optimiser: a loop that takes its index so reads
/// and writes every stream at that index from its own fixed base, where
/// the optimiser would otherwise give each stream a pointer of its own to
/// step (a dozen of them do not fit the registers: the loop then steps
/// them in memory).
#[inline(always)]
fn opaque(mut x: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: an empty template (a comment): no instruction runs; no
    // memory, stack or flags are touched, `x` stays in its register.
    unsafe {
        std::arch::asm!("/* {0} */", inout(reg) x, options(pure, nomem, nostack, preserves_flags))
    };
    x
}

/// Ask for `r` [`PREFETCH_BYTES`] past point `i`: the input after the
/// point (the row or plane beyond it), the one not read before; the others
/// were, as the neighbours after earlier points.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn prefetch_ahead<T>(r: &[T], i: usize) {
    prefetch_ptr(r.as_ptr(), i);
}

/// [`prefetch_ahead`] from a slice's start pointer `r`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn prefetch_ptr<T>(r: *const T, i: usize) {
    prefetch_raw(r.wrapping_add(i + PREFETCH_BYTES / std::mem::size_of::<T>()));
}

/// Ask for the cache line holding `p`, any address (nothing where there
/// is no prefetch instruction).
#[inline(always)]
fn prefetch_raw<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it reads nothing the program sees and
    // never faults, whatever the address; SSE is part of x86-64.
    unsafe {
        _mm_prefetch::<_MM_HINT_T0>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The coefficients of point `i` (the loops' heads, tails and the blocks
/// that span two rows).
#[inline(always)]
fn coef_at<const MODE: u8>(same: [f64; 3], src: &Src<'_>, i: usize) -> [f64; 3] {
    match MODE {
        SAME => same,
        EACH => [src.each[0][i], src.each[1][i], src.each[2][i]],
        STEPS => interior_coef(src.steps[i], src.steps[i + 1]),
        COORDS => {
            let x = &src.steps[i..i + 3];
            interior_coef(x[1] - x[0], x[2] - x[1])
        }
        _ => src.rows[i / src.inner],
    }
}

/// Point `i` of [`Comb3`] from its coefficients `c` and data `x`.
#[inline(always)]
fn comb3_at(c: [f64; 3], x: [f64; 3]) -> f64 {
    c[0] * x[0] + c[1] * x[1] + c[2] * x[2]
}

/// Where the block of points from `i` ends in `ROWS` mode: the end of the
/// row holding `i` (capped at `n`), and that row's triple; `n` and `same`
/// otherwise.
#[inline(always)]
fn row_run<const MODE: u8>(same: [f64; 3], src: &Src<'_>, i: usize, n: usize) -> (usize, [f64; 3]) {
    if MODE == ROWS {
        let r = i / src.inner;
        (((r + 1) * src.inner).min(n), src.rows[r])
    } else {
        (n, same)
    }
}

/// The 4-lane f64 loop, coefficients as `MODE` says (`c0, c1, c2` for
/// `SAME`, `src` otherwise). Caller: AVX2 present, the inputs and the
/// coefficients covering `o.len()` points.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unused_unsafe)]
unsafe fn comb3_f64_avx2<const MODE: u8>(
    c0: f64,
    c1: f64,
    c2: f64,
    src: Src<'_>,
    f: [&[f64]; 3],
    o: &mut [f64],
    stream: bool,
) {
    let n = o.len();
    let same = [c0, c1, c2];
    let one = |i: usize| comb3_at(coef_at::<MODE>(same, &src, i), [f[0][i], f[1][i], f[2][i]]);
    let mut i = aligned_head(o, stream, one);
    let po = o.as_mut_ptr();
    // The four points from `i` by the coefficients `cv`. Separate
    // multiplies and adds, never fused: numpy rounds each product.
    // SAFETY (of the loads): the callers' i + 4 <= n <= every input's
    // length.
    let comb4 = |i: usize, cv: [__m256d; 3]| unsafe {
        let t = |j: usize| _mm256_mul_pd(cv[j], _mm256_loadu_pd(f[j].as_ptr().add(i)));
        _mm256_add_pd(_mm256_add_pd(t(0), t(1)), t(2))
    };
    while i + 4 <= n {
        let (end, c) = row_run::<MODE>(same, &src, i, n);
        // SAFETY: only register operations (AVX is enabled here).
        let cs = unsafe { c.map(|c| _mm256_set1_pd(c)) };
        while i + 4 <= end {
            prefetch_ahead(f[2], i);
            // SAFETY: i + 4 <= n <= the length of every input, coefficient
            // slice (EACH) and of o, and i + 5 <= the steps' (STEPS), i + 6
            // <= the coordinates' (COORDS): the unaligned loads and the
            // store stay inside the slices; with `stream` the output
            // address is 32-byte aligned (prologue above, then steps of 32
            // bytes), as vmovntpd requires.
            unsafe {
                let cv = match MODE {
                    EACH => [0, 1, 2].map(|j| _mm256_loadu_pd(src.each[j].as_ptr().add(i))),
                    STEPS => steps_coef4(src.steps.as_ptr().add(i)),
                    COORDS => coords_coef4(src.steps.as_ptr().add(i)),
                    _ => cs,
                };
                put_pd(po.add(i), comb4(i, cv), stream);
            }
            i += 4;
        }
        if MODE == ROWS && i < end && i + 4 <= n {
            // A block across rows. Across one boundary (as streamed stores
            // to an output 16 bytes past a 32-byte boundary have it every
            // row): each lane by its row's coefficients, in the loop's
            // operations (1024x1024x16 float64 with coordinates, three
            // axes, a pass each: 45.4 ms against 51.5 point by point on an
            // Intel Xeon). Otherwise point by point, stored as one block
            // (streamed like the others).
            let (a, b) = (i / src.inner, (i + 3) / src.inner);
            let r = if b == a + 1 {
                // SAFETY: register operations (rows a and b exist: they
                // hold points below n).
                let cv = unsafe { two_rows_pd(src.rows[a], src.rows[b], b * src.inner - i) };
                comb4(i, cv)
            } else {
                let r: [f64; 4] = std::array::from_fn(|k| one(i + k));
                // SAFETY: i + 4 <= n: 4 values of r.
                unsafe { _mm256_loadu_pd(r.as_ptr()) }
            };
            // SAFETY: i + 4 <= n, aligned as above.
            unsafe { put_pd(po.add(i), r, stream) };
            i += 4;
        }
    }
    for (k, o) in (i..).zip(&mut o[i..]) {
        *o = one(k);
    }
}

/// The f32 loop, 8 points a step computed as two halves in double (as
/// [`comb3_f64_avx2`]). Caller: as there.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unused_unsafe)]
unsafe fn comb3_f32_avx2<const MODE: u8>(
    c0: f64,
    c1: f64,
    c2: f64,
    src: Src<'_>,
    f: [&[f32]; 3],
    o: &mut [f32],
    stream: bool,
) {
    let n = o.len();
    let same = [c0, c1, c2];
    let one = |i: usize| {
        let x = [f[0][i], f[1][i], f[2][i]].map(f64::from);
        comb3_at(coef_at::<MODE>(same, &src, i), x) as f32
    };
    let mut i = aligned_head(o, stream, one);
    let po = o.as_mut_ptr();
    // The four points from `k` by the coefficients `cv`: the conversions
    // to double exact, the products and sums rounded in double as numpy's,
    // the conversion back rounding to nearest as `as f32` does.
    // SAFETY (of the loads): the callers' k + 4 <= n <= every input's
    // length.
    let half = |k: usize, cv: [__m256d; 3]| unsafe {
        let t = |j: usize| {
            let x = _mm256_cvtps_pd(_mm_loadu_ps(f[j].as_ptr().add(k)));
            _mm256_mul_pd(cv[j], x)
        };
        _mm256_cvtpd_ps(_mm256_add_pd(_mm256_add_pd(t(0), t(1)), t(2)))
    };
    while i + 8 <= n {
        let (end, c) = row_run::<MODE>(same, &src, i, n);
        // SAFETY: only register operations (AVX is enabled here).
        let cs = unsafe { c.map(|c| _mm256_set1_pd(c)) };
        while i + 8 <= end {
            prefetch_ahead(f[2], i);
            // SAFETY: i + 8 <= n <= the length of every input, coefficient
            // slice (EACH) and of o, and i + 9 <= the steps' (STEPS), i +
            // 10 <= the coordinates' (COORDS): the unaligned loads and the
            // store stay inside the slices; with `stream` the output
            // address is 32-byte aligned (as above), as vmovntps requires.
            unsafe {
                let coefs = |k: usize| match MODE {
                    EACH => [0, 1, 2].map(|j| _mm256_loadu_pd(src.each[j].as_ptr().add(k))),
                    STEPS => steps_coef4(src.steps.as_ptr().add(k)),
                    COORDS => coords_coef4(src.steps.as_ptr().add(k)),
                    _ => cs,
                };
                let r = _mm256_set_m128(half(i + 4, coefs(i + 4)), half(i, coefs(i)));
                put_ps(po.add(i), r, stream);
            }
            i += 8;
        }
        if MODE == ROWS && i < end && i + 8 <= n {
            // A block across rows. Its halves each within a row (rows of a
            // multiple of 4 points, the block 4 points off their starts,
            // as streamed stores to an output 16 bytes past a 32-byte
            // boundary have every block): a half by its row's
            // coefficients, in the loop's operations (1024x1024x16 float32
            // with coordinates, three axes, a pass each: 29.4 ms against
            // 47.7 with every second block point by point, on an Intel
            // Xeon). Otherwise point by point, as in the f64 loop.
            let row = |k: usize| k / src.inner;
            let r = if row(i) == row(i + 3) && row(i + 4) == row(i + 7) {
                // SAFETY: register operations (the rows exist: points i
                // and i + 4 are below n).
                let cv = |k: usize| unsafe { src.rows[row(k)].map(|c| _mm256_set1_pd(c)) };
                // SAFETY: register operations.
                unsafe { _mm256_set_m128(half(i + 4, cv(i + 4)), half(i, cv(i))) }
            } else {
                let r: [f32; 8] = std::array::from_fn(|k| one(i + k));
                // SAFETY: i + 8 <= n: 8 values of r.
                unsafe { _mm256_loadu_ps(r.as_ptr()) }
            };
            // SAFETY: i + 8 <= n, aligned as above.
            unsafe { put_ps(po.add(i), r, stream) };
            i += 8;
        }
    }
    for (k, o) in (i..).zip(&mut o[i..]) {
        *o = one(k);
    }
}

/// How many elements of `size` bytes from address `addr` come before the
/// first `align`-byte boundary (0 when `addr` is on one); None when no
/// element starts on one.
pub(crate) fn to_boundary(addr: usize, size: usize, align: usize) -> Option<usize> {
    (0..align.div_ceil(size).max(1)).find(|&i| (addr + i * size) % align == 0)
}

/// `dst.copy_from_slice(src)` with non-temporal stores for the 16-byte
/// aligned blocks of `dst` (ordinary stores for the partial blocks at its
/// ends), not fenced (see [`fence`]). `T`: a plain number type (every byte
/// of it a value byte).
#[inline]
pub(crate) fn stream_copy<T: crate::num::Num>(src: &[T], dst: &mut [T]) {
    assert_eq!(src.len(), dst.len());
    #[cfg(target_arch = "x86_64")]
    {
        let size = std::mem::size_of::<T>();
        // Elements before the first 16-byte boundary; none when no element
        // starts on one (then every store is ordinary).
        let Some(head) = to_boundary(dst.as_ptr() as usize, size, 16) else {
            return dst.copy_from_slice(src);
        };
        let head = head.min(dst.len());
        let blocks = (dst.len() - head) * size / 16;
        let body = blocks * 16 / size;
        dst[..head].copy_from_slice(&src[..head]);
        let (ps, pdst) = (
            src[head..].as_ptr().cast::<u8>(),
            dst[head..].as_mut_ptr().cast::<u8>(),
        );
        for b in 0..blocks {
            // SAFETY: blocks * 16 bytes from element `head` lie inside both
            // slices (body elements, body <= len - head); the destination
            // block is 16-byte aligned (head above); SSE2 is part of x86-64;
            // `T` has no padding, so its bytes may be read as integers.
            unsafe {
                let v = _mm_loadu_si128(ps.add(16 * b).cast::<__m128i>());
                _mm_stream_si128(pdst.add(16 * b).cast::<__m128i>(), v);
            }
        }
        let done = head + body;
        dst[done..].copy_from_slice(&src[done..]);
    }
    #[cfg(not(target_arch = "x86_64"))]
    dst.copy_from_slice(src);
}

/// Element types with SIMD interleaving loops.
pub(crate) trait Interleave: Sized {
    /// `out[m * i + k] = parts[k][i]` for `m = parts.len()` and every
    /// point `i < out.len() / m`; false (nothing written) when there is no
    /// SIMD loop for `m` here. `stream`: non-temporal stores from the first
    /// point whose values start on a 16-byte boundary (ordinary stores
    /// before it, and for all when no point does).
    fn interleave(parts: &[&[Self]], out: &mut [Self], stream: bool) -> bool;
}

/// The scalar interleaving of points `[a, b)` (the loops' heads and tails).
#[inline(always)]
fn ilv_scalar<T: Copy>(parts: &[&[T]], out: &mut [T], (a, b): (usize, usize)) {
    let m = parts.len();
    for i in a..b {
        for (k, p) in parts.iter().enumerate() {
            out[m * i + k] = p[i];
        }
    }
}

macro_rules! interleave_impl {
    ($t:ty, $two:ident, $three:ident) => {
        impl Interleave for $t {
            #[inline]
            fn interleave(parts: &[&[$t]], out: &mut [$t], stream: bool) -> bool {
                let m = parts.len();
                if !(2..=3).contains(&m) {
                    return false;
                }
                let n = out.len() / m;
                assert!(out.len() == m * n && parts.iter().all(|p| p.len() >= n));
                #[cfg(target_arch = "x86_64")]
                {
                    // Streamed: the points before the first on a 16-byte
                    // boundary with ordinary stores (then every SIMD store
                    // is on one: each block of points spans whole 16-byte
                    // blocks).
                    let size = std::mem::size_of::<$t>();
                    let head = (0..16 / size)
                        .find(|i| (out.as_ptr() as usize + i * m * size) % 16 == 0)
                        .filter(|_| stream);
                    let h = head.unwrap_or(0).min(n);
                    ilv_scalar(parts, out, (0, h));
                    let p: [&[$t]; 3] = std::array::from_fn(|k| &parts[k.min(m - 1)][h..]);
                    let (o, s) = (&mut out[m * h..], head.is_some());
                    // SAFETY: SSE2 is part of x86-64; every part holds at
                    // least n - h points from h and o exactly m (n - h)
                    // values (asserted above), on a 16-byte boundary when
                    // streamed (head above).
                    unsafe {
                        if m == 2 {
                            $two(p[0], p[1], o, s)
                        } else {
                            $three(p[0], p[1], p[2], o, s)
                        }
                    };
                    true
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = stream;
                    false
                }
            }
        }
    };
}
interleave_impl!(f64, ilv2_f64, ilv3_f64);
interleave_impl!(f32, ilv2_f32, ilv3_f32);

/// Store 2 doubles at `p`, streamed or not.
///
/// # Safety
/// `p` valid for 16 bytes of writes, 16-byte aligned when `stream`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unused_unsafe)]
unsafe fn put2_pd(p: *mut f64, v: __m128d, stream: bool) {
    // SAFETY: as the caller guarantees; SSE2 is part of x86-64.
    unsafe {
        if stream {
            _mm_stream_pd(p, v);
        } else {
            _mm_storeu_pd(p, v);
        }
    }
}

/// [`put2_pd`] for 4 floats.
///
/// # Safety
/// As [`put2_pd`].
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unused_unsafe)]
unsafe fn put4_ps(p: *mut f32, v: __m128, stream: bool) {
    // SAFETY: as the caller guarantees; SSE is part of x86-64.
    unsafe {
        if stream {
            _mm_stream_ps(p, v);
        } else {
            _mm_storeu_ps(p, v);
        }
    }
}

/// Two f64 parts: `(a0 b0) (a1 b1)`. Caller: `out.len() == 2n`, the parts
/// at least `n` long, `out` 16-byte aligned when `stream`.
#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)]
unsafe fn ilv2_f64(a: &[f64], b: &[f64], out: &mut [f64], stream: bool) {
    let n = out.len() / 2;
    let po = out.as_mut_ptr();
    let mut i = 0;
    while i + 2 <= n {
        // SAFETY: i + 2 <= n: the loads stay inside a and b, the stores
        // (4 values from 2i, 32 i bytes from out) inside out.
        unsafe {
            let (x, y) = (
                _mm_loadu_pd(a.as_ptr().add(i)),
                _mm_loadu_pd(b.as_ptr().add(i)),
            );
            let p = po.add(2 * i);
            put2_pd(p, _mm_unpacklo_pd(x, y), stream);
            put2_pd(p.add(2), _mm_unpackhi_pd(x, y), stream);
        }
        i += 2;
    }
    ilv_scalar(&[a, b], out, (i, n));
}

/// Three f64 parts: `(a0 b0) (c0 a1) (b1 c1)` per two points. Caller:
/// `out.len() == 3n`, the parts at least `n` long, `out` 16-byte aligned
/// when `stream`.
#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)]
unsafe fn ilv3_f64(a: &[f64], b: &[f64], c: &[f64], out: &mut [f64], stream: bool) {
    let n = out.len() / 3;
    let po = out.as_mut_ptr();
    let mut i = 0;
    while i + 2 <= n {
        // SAFETY: i + 2 <= n: loads inside the parts, stores (6 values from
        // 3i, 48 i bytes from out) inside out.
        unsafe {
            let x = _mm_loadu_pd(a.as_ptr().add(i));
            let y = _mm_loadu_pd(b.as_ptr().add(i));
            let z = _mm_loadu_pd(c.as_ptr().add(i));
            let p = po.add(3 * i);
            put2_pd(p, _mm_unpacklo_pd(x, y), stream); // a0 b0
            put2_pd(p.add(2), _mm_shuffle_pd::<0b10>(z, x), stream); // c0 a1
            put2_pd(p.add(4), _mm_unpackhi_pd(y, z), stream); // b1 c1
        }
        i += 2;
    }
    ilv_scalar(&[a, b, c], out, (i, n));
}

/// Two f32 parts: `(a0 b0 a1 b1) (a2 b2 a3 b3)` per four points. Caller:
/// as [`ilv2_f64`].
#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)]
unsafe fn ilv2_f32(a: &[f32], b: &[f32], out: &mut [f32], stream: bool) {
    let n = out.len() / 2;
    let po = out.as_mut_ptr();
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n: loads inside the parts, stores (8 values from
        // 2i, 8 i bytes from out) inside out.
        unsafe {
            let (x, y) = (
                _mm_loadu_ps(a.as_ptr().add(i)),
                _mm_loadu_ps(b.as_ptr().add(i)),
            );
            let p = po.add(2 * i);
            put4_ps(p, _mm_unpacklo_ps(x, y), stream);
            put4_ps(p.add(4), _mm_unpackhi_ps(x, y), stream);
        }
        i += 4;
    }
    ilv_scalar(&[a, b], out, (i, n));
}

/// Three f32 parts: `(a0 b0 c0 a1) (b1 c1 a2 b2) (c2 a3 b3 c3)` per four
/// points. Caller: as [`ilv3_f64`].
#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)]
unsafe fn ilv3_f32(a: &[f32], b: &[f32], c: &[f32], out: &mut [f32], stream: bool) {
    let n = out.len() / 3;
    let po = out.as_mut_ptr();
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n: loads inside the parts, stores (12 values
        // from 3i, 12 i bytes from out) inside out.
        unsafe {
            let x = _mm_loadu_ps(a.as_ptr().add(i));
            let y = _mm_loadu_ps(b.as_ptr().add(i));
            let z = _mm_loadu_ps(c.as_ptr().add(i));
            let t0 = _mm_unpacklo_ps(x, y); // a0 b0 a1 b1
            let t1 = _mm_unpackhi_ps(x, y); // a2 b2 a3 b3
            let u0 = _mm_shuffle_ps::<0b10_10_00_00>(z, t0); // c0 c0 a1 a1
            let s0 = _mm_shuffle_ps::<0b10_00_01_00>(t0, u0); // a0 b0 c0 a1
            let u1 = _mm_shuffle_ps::<0b01_01_11_11>(t0, z); // b1 b1 c1 c1
            let s1 = _mm_shuffle_ps::<0b01_00_10_00>(u1, t1); // b1 c1 a2 b2
            let u2 = _mm_shuffle_ps::<0b10_10_10_10>(z, t1); // c2 c2 a3 a3
            let u3 = _mm_shuffle_ps::<0b11_11_11_11>(t1, z); // b3 b3 c3 c3
            let s2 = _mm_shuffle_ps::<0b10_00_10_00>(u2, u3); // c2 a3 b3 c3
            let p = po.add(3 * i);
            put4_ps(p, s0, stream);
            put4_ps(p.add(4), s1, stream);
            put4_ps(p.add(8), s2, stream);
        }
        i += 4;
    }
    ilv_scalar(&[a, b, c], out, (i, n));
}

#[cfg(test)]
pub(crate) mod tests;
