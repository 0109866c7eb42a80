//! Random choices for the property tests and the fuzz targets.
//!
//! One trait, two sources: a seeded PRNG (splitmix64) for `cargo test`, and
//! the fuzzer's bytes (read eight at a time, zeros once they run out) for
//! the fuzz targets, which include this file with `#[path]`. Generators are
//! written once against [`Source`] and serve both. No dependency.

/// Where random choices come from.
pub trait Source {
    /// A value from `nbytes` (1 to 8) random bytes. The PRNG ignores the
    /// count; the fuzzer's bytes are spent sparingly, so that small inputs
    /// already make complete calls and byte mutations map to single choices.
    fn raw(&mut self, nbytes: usize) -> u64;

    fn next_u64(&mut self) -> u64 {
        self.raw(8)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let bits = 64 - (n - 1).leading_zeros() as usize;
        self.raw(bits.div_ceil(8).max(1)) % n
    }

    /// In `lo..=hi` (`lo` when the range is empty).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi as i128 - lo as i128 + 1) as u128;
        let r = if span > u64::MAX as u128 {
            self.next_u64() as u128
        } else {
            self.below(span as u64) as u128
        };
        (lo as i128 + r as i128) as i64
    }

    /// True with probability about `num / den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A uniform double in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A data value: mostly ordinary numbers of mixed magnitude, sometimes
    /// small integers, and now and then the IEEE specials (data are never
    /// validated: they must propagate).
    fn value(&mut self) -> f64 {
        match self.below(20) {
            0 => *self.pick(&[
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                -0.0,
                0.0,
                f64::MIN_POSITIVE,
                5e-324,
                f64::MAX,
                -f64::MAX,
            ]),
            1..=6 => self.range(-20, 20) as f64,
            7..=9 => (self.unit() - 0.5) * 10f64.powi(self.range(-30, 30) as i32),
            _ => (self.unit() - 0.5) * 100.0,
        }
    }

    /// A nonzero finite step, either sign, mixed magnitudes.
    fn step(&mut self) -> f64 {
        let h = match self.below(6) {
            0 => *self.pick(&[1.0, 0.5, 2.0, 0.1, 0.3, 0.7, 1e-3, 1e3]),
            1 => (self.below(16) + 1) as f64 / 8.0,
            2 => self.unit() * 10f64.powi(self.range(-12, 12) as i32),
            _ => self.unit() * 4.0,
        };
        let h = if h == 0.0 { 0.25 } else { h };
        if self.chance(1, 4) {
            -h
        } else {
            h
        }
    }

    /// `n` valid coordinates: finite, strictly monotonic, with finite
    /// differences. Sometimes exactly evenly spaced (A1's uniform detection),
    /// sometimes `0.1 * i` (not exactly even), sometimes decreasing.
    fn coords(&mut self, n: usize) -> Vec<f64> {
        let mut x = Vec::with_capacity(n);
        match self.below(4) {
            0 => {
                let h = (self.below(8) + 1) as f64 * 0.25;
                let x0 = self.range(-5, 5) as f64;
                x.extend((0..n).map(|i| x0 + h * i as f64));
            }
            1 => x.extend((0..n).map(|i| 0.1 * i as f64)),
            _ => {
                let mut v = (self.unit() - 0.5) * 10.0;
                for _ in 0..n {
                    x.push(v);
                    let mut d = self.unit() * 2.0 + 1e-3;
                    if self.chance(1, 8) {
                        d *= 1e6;
                    }
                    v += d;
                }
            }
        }
        if self.chance(1, 3) {
            x.reverse();
        }
        x
    }
}

/// splitmix64: a seeded PRNG for reproducible property tests.
pub struct Rng(pub u64);

impl Source for Rng {
    fn raw(&mut self, _nbytes: usize) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The fuzzer's bytes as a source; zeros once they run out, so every input
/// decodes to something (and short inputs to small, simple calls).
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl Source for Bytes<'_> {
    fn raw(&mut self, nbytes: usize) -> u64 {
        let n = self.data.len().min(nbytes);
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        u64::from_le_bytes(b)
    }
}

/// The seed for a property test: `GRADIENT_PROP_SEED` if set (to replay a
/// failure), else `default`. Printed so a failing run can be replayed.
pub fn seed(default: u64) -> u64 {
    let s = std::env::var("GRADIENT_PROP_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    eprintln!("seed {s} (replay with GRADIENT_PROP_SEED={s})");
    s
}

/// How many cases a property test runs: `GRADIENT_PROP_CASES` if set.
pub fn cases(default: usize) -> usize {
    std::env::var("GRADIENT_PROP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
