//! Element types and numpy's exact scalar arithmetic.
//!
//! Every operation here is one IEEE rounding in the type it names, in the
//! order numpy performs it (docs/numerics.md). Nothing is fused or reassociated:
//! Rust never contracts `a * b + c` into a fused multiply-add on its own, and
//! these functions keep numpy's operand order even where IEEE arithmetic is
//! commutative, so the code reads like the numpy expression it mirrors.

use num_complex::Complex;

use crate::simd::{
    Coef3, Comb3, Comb3Interleave, Comb3Separate, Given, Outs, Place, Quot, Quots, SubDiv,
    SubDivInterleave, SubDivSeparate,
};

/// A real working precision: `f32` or `f64`.
pub trait Real: Copy + Send + Sync + 'static + std::fmt::Debug {
    /// Round a double to this precision (how numpy casts a Python float).
    fn from_f64(x: f64) -> Self;
    /// `1 / self` when dividing by `self` is exactly multiplying by it: `self`
    /// is a power of two whose reciprocal is a normal number. Then both
    /// `x / self` and `x * (1 / self)` are the exact scaling of `x` rounded
    /// once, bit for bit the same for every `x`.
    fn exact_reciprocal(self) -> Option<Self>;
    /// 0 for `f64`, 1 for `f32`: where per-precision constants are kept.
    const INDEX: usize;
}

macro_rules! real {
    ($t:ty, $mantissa:expr, $index:expr) => {
        impl Real for $t {
            const INDEX: usize = $index;
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            fn exact_reciprocal(self) -> Option<Self> {
                let r = 1.0 / self;
                (self.is_normal() && self.to_bits() & $mantissa == 0 && r.is_normal()).then_some(r)
            }
        }
    };
}
real!(f32, 0x007f_ffffu32, 1);
real!(f64, 0x000f_ffff_ffff_ffffu64, 0);

/// A value type the kernels compute and store in: `f32`, `f64`,
/// `Complex<f32>`, `Complex<f64>`.
pub trait Num: Copy + Send + Sync + 'static + std::fmt::Debug {
    /// The real type of this precision (for coefficients and steps).
    type Real: Real;
    /// The double-precision type numpy promotes to when a float64 array or
    /// numpy scalar meets this type (`f64` or `Complex<f64>`).
    type Wide: Num<Real = f64>;

    fn zero() -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    /// `self / d` for a real `d`, as numpy divides this type by a real scalar.
    fn div_real(self, d: Self::Real) -> Self;
    /// `self / d` given `r`, the exact reciprocal of `d`
    /// ([`Real::exact_reciprocal`]): the same bits as `div_real`, faster.
    fn div_real_exact(self, d: Self::Real, r: Self::Real) -> Self;
    /// `c * x` for a real coefficient `c`, as numpy's array loops multiply.
    fn mul_real(c: Self::Real, x: Self) -> Self;
    /// `c * x` as numpy's 0-d scalar arithmetic multiplies (the edges of a
    /// 1-d input, where numpy indexes single elements).
    fn mul_real_scalar(c: Self::Real, x: Self) -> Self;
    /// `c * self` part by part: a complex number's real and imaginary
    /// parts are each multiplied by the real `c` (one rounding each; the
    /// accuracy orders' arithmetic, not numpy's complex product).
    fn scale(self, c: Self::Real) -> Self;
    /// Exact conversion to the wide type.
    fn widen(self) -> Self::Wide;
    /// Rounding conversion from the wide type (numpy's store into the output).
    fn narrow(w: Self::Wide) -> Self;
    /// `out[m * i + k] = parts[k][i]` (`m = parts.len()`) through a SIMD
    /// loop, with streaming stores if `stream` (from the first point on a
    /// 16-byte boundary); false (nothing written) where there is none for
    /// this type, `m` or machine.
    #[doc(hidden)]
    #[inline(always)]
    fn interleave(_parts: &[&[Self]], _out: &mut [Self], _stream: bool) -> bool {
        false
    }
}

macro_rules! real_num {
    ($t:ty) => {
        impl Num for $t {
            type Real = $t;
            type Wide = f64;
            fn zero() -> Self {
                0.0
            }
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                self + o
            }
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                self - o
            }
            #[inline(always)]
            fn div_real(self, d: $t) -> Self {
                self / d
            }
            #[inline(always)]
            fn div_real_exact(self, _d: $t, r: $t) -> Self {
                self * r
            }
            #[inline(always)]
            fn mul_real(c: $t, x: Self) -> Self {
                c * x
            }
            #[inline(always)]
            fn mul_real_scalar(c: $t, x: Self) -> Self {
                c * x
            }
            #[inline(always)]
            fn scale(self, c: $t) -> Self {
                c * self
            }
            #[inline(always)]
            fn widen(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn narrow(w: f64) -> Self {
                w as $t
            }
            #[inline(always)]
            fn interleave(parts: &[&[$t]], out: &mut [$t], stream: bool) -> bool {
                <$t as crate::simd::Interleave>::interleave(parts, out, stream)
            }
        }
    };
}
real_num!(f32);
real_num!(f64);

/// `fma(c, x, z)` for an addend `z` that is +0, -0 or NaN (a product with
/// zero), exactly: adding a zero to a nonzero exact product does not change
/// its rounding, so the result is the rounded product, except when the exact
/// product is zero (IEEE signed-zero sum) or `z` is NaN.
#[inline(always)]
fn fused<
    T: Copy + PartialEq + std::ops::Mul<Output = T> + std::ops::Add<Output = T> + From<f32>,
>(
    c: T,
    x: T,
    z: T,
) -> T {
    let zero = T::from(0.0);
    let p = c * x;
    #[allow(clippy::eq_op)]
    let z_is_nan = z != z;
    if c != zero && x != zero && !z_is_nan {
        p
    } else {
        p + z
    }
}

macro_rules! complex_num {
    ($t:ty) => {
        impl Num for Complex<$t> {
            type Real = $t;
            type Wide = Complex<f64>;
            fn zero() -> Self {
                Complex::new(0.0, 0.0)
            }
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                Complex::new(self.re + o.re, self.im + o.im)
            }
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                Complex::new(self.re - o.re, self.im - o.im)
            }
            /// numpy casts the real divisor to complex `(d, +0.0)` and divides
            /// with Smith's algorithm (`loops.c.src`, `@TYPE@_divide`):
            /// `rat = 0/d`, `scl = 1/(d + 0*rat)`,
            /// `((re + im*rat)*scl, (im - re*rat)*scl)`. The zero products
            /// matter: they decide signed zeros and turn inf into nan exactly
            /// as numpy does. A divisor that is zero (a step that rounds to 0
            /// in single precision) takes numpy's `(re/|d|, im/|d|)` branch.
            #[inline(always)]
            fn div_real(self, d: $t) -> Self {
                let zero: $t = 0.0;
                if d == zero {
                    return Complex::new(self.re / zero, self.im / zero);
                }
                let rat = zero / d;
                let scl = (1.0 as $t) / (d + zero * rat);
                Complex::new(
                    (self.re + self.im * rat) * scl,
                    (self.im - self.re * rat) * scl,
                )
            }
            /// Smith's algorithm already multiplies by `1/d` (`scl`).
            #[inline(always)]
            fn div_real_exact(self, d: $t, _r: $t) -> Self {
                self.div_real(d)
            }
            /// numpy's array loops cast the coefficient to complex `(c, +0.0)`
            /// and multiply with fused multiply-adds (`simd_cmul`:
            /// `fma(c, re, -(0*im))`, `fma(c, im, 0*re)`), emulated here
            /// exactly without relying on an FMA instruction.
            #[inline(always)]
            fn mul_real(c: $t, x: Self) -> Self {
                let zero: $t = 0.0;
                Complex::new(fused(c, x.re, -(zero * x.im)), fused(c, x.im, zero * x.re))
            }
            /// numpy's scalar arithmetic: the plain complex product
            /// `(c*re - 0*im, c*im + 0*re)`.
            #[inline(always)]
            fn mul_real_scalar(c: $t, x: Self) -> Self {
                let zero: $t = 0.0;
                Complex::new(c * x.re - zero * x.im, c * x.im + zero * x.re)
            }
            #[inline(always)]
            fn scale(self, c: $t) -> Self {
                Complex::new(c * self.re, c * self.im)
            }
            #[inline(always)]
            fn widen(self) -> Complex<f64> {
                Complex::new(self.re as f64, self.im as f64)
            }
            #[inline(always)]
            fn narrow(w: Complex<f64>) -> Self {
                Complex::new(w.re as $t, w.im as $t)
            }
        }
    };
}
complex_num!(f32);
complex_num!(f64);

mod sealed {
    pub trait Sealed {}
}

/// An input element type the library differentiates.
///
/// Floating and complex types keep their precision (`Output = Self`); the
/// integer types are converted to `f64` value by value as they are read
/// (numpy's `f.astype(float64)`, with no wrap-around and no temporary copy),
/// so their output is `f64`.
///
/// This trait is sealed: it is implemented for `f32`, `f64`,
/// `Complex<f32>`, `Complex<f64>`, `i8`..`i64` and `u8`..`u64`.
pub trait Element: Copy + Send + Sync + 'static + sealed::Sealed {
    /// The output element type (and the working type of uniform steps).
    type Output: Num;
    /// Convert one input value to the working type.
    fn load(self) -> Self::Output;
    /// `o[k] = (fp[k] - fm[k]) / b` through the SIMD reciprocal loop, bit
    /// for bit as that division; false (nothing written) where there is no
    /// such loop (this type, divisor or machine).
    #[doc(hidden)]
    #[inline(always)]
    fn sub_div_rows(
        _q: &Quot,
        _fm: &[Self],
        _fp: &[Self],
        _o: &mut [Self::Output],
        _stream: bool,
    ) -> bool {
        false
    }
    /// `o[k] = ((c[0] * fm[k]) + (c[1] * f0[k])) + (c[2] * fp[k])` in
    /// double (coordinates' coefficients) through a SIMD loop, bit for bit
    /// as the portable one; false (nothing written) where there is no
    /// such loop (this type or machine).
    #[doc(hidden)]
    #[inline(always)]
    fn comb3_rows(_c: Coef3<'_>, _f: [&[Self]; 3], _o: &mut [Self::Output], _stream: bool) -> bool {
        false
    }
    /// `out[m * i + k] = (fp[k][i] - fm[k][i]) / b_k` through the SIMD
    /// loop that also interleaves, bit for bit as those divisions; None
    /// (nothing written) where there is no such loop. `inner`: the place
    /// whose neighbours are adjacent points: then the fast form, bit for
    /// bit when every input value read passes [`Element::fast_inputs_ok`]
    /// (`Some(false)`: one of that place's right neighbours does not).
    /// `stream`: streaming stores, for an `out` on a 32-byte boundary
    /// holding whole blocks of 8 points. `given`: points' values of one
    /// place, given.
    #[doc(hidden)]
    #[inline(always)]
    fn sub_div_interleave(
        _q: &Quots,
        _fm: &[&[Self]],
        _fp: &[&[Self]],
        _inner: Option<usize>,
        _out: &mut [Self::Output],
        _stream: bool,
        _given: Option<Given<'_, Self::Output>>,
    ) -> Option<bool> {
        None
    }
    /// `outs[k][i] = (fp[k][i] - fm[k][i]) / b_k` through the SIMD loop
    /// that writes every axis's output in one sweep; None (nothing
    /// written) where there is no such loop. `inner`: the place whose
    /// neighbours are adjacent points, with the input around the points:
    /// then the fast form, bit for bit as those divisions when every input
    /// value read passes [`Element::fast_inputs_ok`] (`Some(false)`:
    /// one of the points' own does not). `stream` and `given`: as
    /// [`Element::sub_div_interleave`]'s (every output on a 32-byte
    /// boundary when streamed).
    #[doc(hidden)]
    #[inline(always)]
    fn sub_div_separate(
        _q: &Quots,
        _fm: &[&[Self]],
        _fp: &[&[Self]],
        _inner: Option<(usize, &[Self])>,
        _outs: &mut [&mut [Self::Output]],
        _stream: bool,
        _given: Option<Given<'_, Self::Output>>,
    ) -> Option<bool> {
        None
    }
    /// Whether the fast forms of [`Element::sub_div_separate`] and
    /// [`Element::sub_div_interleave`] take every input value of `xs` for
    /// the divisors `q`.
    #[doc(hidden)]
    #[inline(always)]
    fn fast_inputs_ok(_q: &Quots, _xs: &[Self]) -> bool {
        true
    }
    /// `out[m * i + k] = c0 * fm[k][i] + c1 * f0[i] + c2 * fp[k][i]`
    /// through the SIMD loop that also interleaves, bit for bit as the
    /// portable coordinate formula; false (nothing written) where there is
    /// no such loop. `stream` and `given`: as
    /// [`Element::sub_div_interleave`]'s.
    #[doc(hidden)]
    #[inline(always)]
    fn comb3_interleave(
        _c: &[Place<'_>],
        _fm: &[&[Self]],
        _f0: &[Self],
        _fp: &[&[Self]],
        _out: &mut [Self::Output],
        _stream: bool,
        _given: Option<Given<'_, Self::Output>>,
    ) -> bool {
        false
    }
    /// `outs[k][i] = c0 * f[at + i - s_k] + c1 * f[at + i] + c2 * f[at +
    /// i + s_k]` (`s_k = strides[k]`; or the interleaved output's value
    /// `m i + k`) through the SIMD loop that writes every axis's output
    /// in one sweep, bit for bit as the portable
    /// coordinate formula; false (nothing written) where there is no such
    /// loop (with every output empty: whether there is one). `inner`: the
    /// place whose neighbours are adjacent points. `stream` and `given`: as
    /// [`Element::sub_div_separate`]'s.
    #[doc(hidden)]
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn comb3_separate(
        _c: &[Place<'_>],
        _f: &[Self],
        _at: usize,
        _strides: &[usize],
        _inner: Option<usize>,
        _outs: Outs<'_, '_, Self::Output>,
        _stream: bool,
        _given: Option<Given<'_, Self::Output>>,
    ) -> bool {
        false
    }
}

macro_rules! identity_element {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            type Output = $t;
            #[inline(always)]
            fn load(self) -> $t {
                self
            }
        }
    )*};
}
identity_element!(Complex<f32>, Complex<f64>);

macro_rules! float_element {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            type Output = $t;
            #[inline(always)]
            fn load(self) -> $t {
                self
            }
            #[inline(always)]
            fn sub_div_rows(q: &Quot, fm: &[$t], fp: &[$t], o: &mut [$t], stream: bool) -> bool {
                <$t as SubDiv>::sub_div(q, fm, fp, o, stream)
            }
            #[inline(always)]
            fn comb3_rows(c: Coef3<'_>, f: [&[$t]; 3], o: &mut [$t], stream: bool) -> bool {
                <$t as Comb3>::comb3(c, f, o, stream)
            }
            #[inline(always)]
            fn sub_div_interleave(
                q: &Quots,
                fm: &[&[$t]],
                fp: &[&[$t]],
                inner: Option<usize>,
                out: &mut [$t],
                stream: bool,
                given: Option<Given<'_, $t>>,
            ) -> Option<bool> {
                let wide = crate::simd::available512();
                <$t as SubDivInterleave>::sub_div_interleave(q, fm, fp, inner, out, stream, given, wide)
            }
            #[inline(always)]
            fn sub_div_separate(
                q: &Quots,
                fm: &[&[$t]],
                fp: &[&[$t]],
                inner: Option<(usize, &[$t])>,
                outs: &mut [&mut [$t]],
                stream: bool,
                given: Option<Given<'_, $t>>,
            ) -> Option<bool> {
                <$t as SubDivSeparate>::sub_div_separate(q, fm, fp, inner, outs, stream, given)
            }
            #[inline(always)]
            fn fast_inputs_ok(q: &Quots, xs: &[$t]) -> bool {
                <$t as SubDivSeparate>::inputs_ok(q, xs)
            }
            #[inline(always)]
            fn comb3_interleave(
                c: &[Place<'_>],
                fm: &[&[$t]],
                f0: &[$t],
                fp: &[&[$t]],
                out: &mut [$t],
                stream: bool,
                given: Option<Given<'_, $t>>,
            ) -> bool {
                let wide = crate::simd::available512();
                <$t as Comb3Interleave>::comb3_interleave(c, fm, f0, fp, out, stream, given, wide)
            }
            #[inline(always)]
            fn comb3_separate(
                c: &[Place<'_>],
                f: &[$t],
                at: usize,
                strides: &[usize],
                inner: Option<usize>,
                outs: Outs<'_, '_, $t>,
                stream: bool,
                given: Option<Given<'_, $t>>,
            ) -> bool {
                let wide = crate::simd::available512();
                <$t as Comb3Separate>::comb3_separate(c, f, at, strides, inner, outs, stream, given, wide)
            }
        }
    )*};
}
float_element!(f32, f64);

macro_rules! int_element {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            type Output = f64;
            #[inline(always)]
            fn load(self) -> f64 {
                self as f64
            }
        }
    )*};
}
int_element!(i8, i16, i32, i64, u8, u16, u32, u64);

/// Where a stencil computes: in the output type itself (a step passed as a
/// Python float is "weak" in numpy and takes the array's precision), or in
/// the wide type (a float64 coordinate array or numpy float64 scalar is
/// "strong" and promotes float32/complex64 to double).
pub(crate) trait Lift<O: Num>: Copy + Send + Sync + 'static {
    type P: Num;
    /// The stencil computes in the output's own type.
    const NATIVE: bool;
    fn up(o: O) -> Self::P;
    fn down(p: Self::P) -> O;
}

/// Compute in the output precision.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Native;
/// Compute in double precision, round once at the store.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wide;

impl<O: Num> Lift<O> for Native {
    type P = O;
    const NATIVE: bool = true;
    #[inline(always)]
    fn up(o: O) -> O {
        o
    }
    #[inline(always)]
    fn down(p: O) -> O {
        p
    }
}

impl<O: Num> Lift<O> for Wide {
    type P = O::Wide;
    const NATIVE: bool = false;
    #[inline(always)]
    fn up(o: O) -> O::Wide {
        o.widen()
    }
    #[inline(always)]
    fn down(p: O::Wide) -> O {
        O::narrow(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complex_division_keeps_numpy_signed_zeros() {
        // re = -0.0, im = 1: numpy gives (+0.0, 0.5) for / 2.0 because
        // re + im*rat = -0.0 + +0.0 = +0.0.
        let z = Complex::new(-0.0f64, 1.0).div_real(2.0);
        assert_eq!(z.re.to_bits(), 0.0f64.to_bits());
        assert_eq!(z.im, 0.5);
        // A negative divisor gives rat = -0.0.
        let z = Complex::new(-0.0f64, 1.0).div_real(-2.0);
        assert_eq!(z.re.to_bits(), (-0.0f64 * -0.5).to_bits());
        // inf in one component makes the other nan, as in numpy.
        let z = Complex::new(f64::INFINITY, 1.0).div_real(2.0);
        assert!(z.re.is_infinite() && z.im.is_nan());
    }

    #[test]
    fn complex_products_follow_numpy_array_and_scalar_paths() {
        // 1e-3 * (tiny, -tiny): the imaginary product underflows to -0.
        // numpy's fused array loop keeps -0; its scalar path adds +0 to it.
        let t = Complex::new(5e-324f64, -5e-324);
        let z = Complex::<f64>::mul_real(1e-3, t);
        assert_eq!(
            (z.re.to_bits(), z.im.to_bits()),
            (0.0f64.to_bits(), (-0.0f64).to_bits())
        );
        let z = Complex::<f64>::mul_real_scalar(1e-3, t);
        assert_eq!(
            (z.re.to_bits(), z.im.to_bits()),
            (0.0f64.to_bits(), 0.0f64.to_bits())
        );
        // A zero divisor (2h rounded to 0 in f32) gives numpy's inf branch.
        let z = Complex::new(1.0f32, -2.0).div_real(0.0);
        assert_eq!((z.re, z.im), (f32::INFINITY, f32::NEG_INFINITY));
    }

    #[test]
    fn complex_real_product_is_a_full_complex_product() {
        let z = Complex::<f64>::mul_real(2.0, Complex::new(1.0, f64::INFINITY));
        assert!(z.re.is_nan() && z.im.is_infinite());
        let z = Complex::<f32>::mul_real(2.0, Complex::new(1.5, -2.0));
        assert_eq!((z.re, z.im), (3.0, -4.0));
    }

    #[test]
    fn exact_reciprocals_only_for_powers_of_two() {
        assert_eq!(1.0f64.exact_reciprocal(), Some(1.0));
        assert_eq!(0.25f64.exact_reciprocal(), Some(4.0));
        assert_eq!((-2.0f32).exact_reciprocal(), Some(-0.5));
        assert_eq!(0.1f64.exact_reciprocal(), None);
        assert_eq!(3.0f32.exact_reciprocal(), None);
        assert_eq!(
            f64::MIN_POSITIVE.exact_reciprocal(),
            Some(1.0 / f64::MIN_POSITIVE)
        );
        assert_eq!((f64::MIN_POSITIVE / 2.0).exact_reciprocal(), None); // subnormal
        assert_eq!(f64::MAX.exact_reciprocal(), None);
        assert_eq!(2f64.powi(1023).exact_reciprocal(), None); // 2^-1023 is subnormal
                                                              // Dividing and multiplying agree on hard cases, subnormal results too.
        for x in [
            1.0f64,
            -3.7,
            5e-324,
            2.2250738585072014e-308,
            f64::MAX,
            -0.0,
            f64::INFINITY,
        ] {
            for d in [0.5f64, 2.0, 1024.0, 2f64.powi(-1000), 2f64.powi(1000)] {
                let r = d.exact_reciprocal().unwrap();
                assert_eq!((x / d).to_bits(), (x * r).to_bits(), "{x} / {d}");
            }
        }
    }

    #[test]
    fn integers_convert_without_wraparound() {
        assert_eq!(i64::MAX.load(), 9.223_372_036_854_776e18);
        assert_eq!(u64::MAX.load(), 1.8446744073709552e19);
        assert_eq!((-128i8).load(), -128.0);
    }
}
