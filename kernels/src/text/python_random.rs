//! CPython's `random` module for the two calls a baseline makes:
//! `random.seed(n)` with a non-negative `int` and `random.random()`.
//!
//! The generator is MT19937 (`Modules/_randommodule.c`). `seed(n)` splits
//! `abs(n)` into 32-bit words, least significant first (`[0]` for zero),
//! and runs `init_by_array` on them; `random()` takes two 32-bit outputs
//! `a`, `b` and returns `((a >> 5) * 2**26 + (b >> 6)) / 2**53`, exactly
//! representable, so the twin's draws are the interpreter's bit for bit
//! (checked against the embedded CPython by `tests/differential_errors.rs`).

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// The state of a `random.Random` after `seed(n)`.
#[derive(Clone)]
pub struct PythonRandom {
    state: [u32; N],
    index: usize,
}

impl std::fmt::Debug for PythonRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PythonRandom")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl PythonRandom {
    /// `random.seed(seed)` for a non-negative integer seed.
    pub fn seed(seed: u64) -> Self {
        let low = seed as u32;
        let high = (seed >> 32) as u32;
        let key: &[u32] = if high == 0 { &[low] } else { &[low, high] };
        let mut rng = PythonRandom {
            state: [0; N],
            index: N,
        };
        rng.init_by_array(key);
        rng
    }

    fn init_genrand(&mut self, s: u32) {
        self.state[0] = s;
        for i in 1..N {
            let prev = self.state[i - 1];
            self.state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let mt = &mut self.state;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = mt[i - 1];
            mt[i] = (mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = mt[i - 1];
            mt[i] =
                (mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
    }

    fn twist(&mut self) {
        let mt = &mut self.state;
        for k in 0..N {
            let y = (mt[k] & UPPER_MASK) | (mt[(k + 1) % N] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            mt[k] = mt[(k + M) % N] ^ (y >> 1) ^ mag;
        }
        self.index = 0;
    }

    /// One 32-bit MT19937 output (`genrand_uint32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random.random()`: a float in [0, 1) with 53 random bits.
    pub fn random(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
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
