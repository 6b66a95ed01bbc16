//! CPython's `random` module for the two calls a baseline makes:
//! `random.seed(n)` with a non-negative `int` and `random.random()`.
//!
//! The generator is MT19937 ([`crate::mt19937`], `Modules/_randommodule.c`).
//! `seed(n)` splits `abs(n)` into 32-bit words, least significant first
//! (`[0]` for zero), and runs `init_by_array` on them; `random()` takes two 32-bit outputs
//! `a`, `b` and returns `((a >> 5) * 2**26 + (b >> 6)) / 2**53`, exactly
//! representable, so the twin's draws are the interpreter's bit for bit
//! (checked against the embedded CPython by `tests/differential_errors.rs`).

use crate::mt19937::Mt19937;

/// The state of a `random.Random` after `seed(n)`.
#[derive(Debug, Clone)]
pub struct PythonRandom {
    mt: Mt19937,
}

impl PythonRandom {
    /// `random.seed(seed)` for a non-negative integer seed: its 32-bit
    /// words, least significant first, through `init_by_array`.
    pub fn seed(seed: u64) -> Self {
        let low = seed as u32;
        let high = (seed >> 32) as u32;
        let key: &[u32] = if high == 0 { &[low] } else { &[low, high] };
        PythonRandom {
            mt: Mt19937::from_key(key),
        }
    }

    /// `random.random()`: a float in [0, 1) with 53 random bits.
    pub fn random(&mut self) -> f64 {
        let a = self.mt.next_u32() >> 5;
        let b = self.mt.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) * (1.0 / 9_007_199_254_740_992.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `random.seed(0); [random.random() for _ in range(3)]` and
    /// `random.seed(2**40 + 5); random.random()` on CPython 3.11.
    #[test]
    fn draws_match_cpython() {
        let mut rng = PythonRandom::seed(0);
        let draws: Vec<f64> = (0..3).map(|_| rng.random()).collect();
        assert_eq!(draws, PY_SEED_0);
        assert_eq!(PythonRandom::seed((1 << 40) + 5).random(), PY_SEED_BIG);
    }

    const PY_SEED_0: [f64; 3] = [
        0.844_421_851_525_048_1,
        0.757_954_402_940_302_5,
        0.420_571_580_830_845,
    ];
    const PY_SEED_BIG: f64 = 0.504_380_297_041_844_3;
}
