//! The random generator of the tree ensembles (isolation forest, random
//! forest): one independent stream per tree, derived from the seed and the
//! tree's index, so a parallel fit grows exactly the sequential fit's trees.

/// xoshiro256++ (Blackman & Vigna): fast, small state, and seedable per
/// tree, which is all the forest needs from its generator.
#[derive(Debug, Clone)]
pub(crate) struct Xoshiro256pp {
    s: [u64; 4],
}

impl Xoshiro256pp {
    /// The generator of tree `tree` under `seed`: SplitMix64 from a mix of
    /// both, so neighbouring trees and seeds get unrelated streams.
    pub(crate) fn for_tree(seed: u64, tree: usize) -> Self {
        let mut state = splitmix64_mix(seed) ^ (tree as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4];
        for word in &mut s {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            *word = splitmix64_mix(state);
        }
        if s == [0; 4] {
            s[0] = 1; // the one state xoshiro cannot leave
        }
        Xoshiro256pp { s }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` for `n ≥ 1`, without modulo bias (Lemire).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let mut wide = u128::from(self.next_u64()) * u128::from(n);
        if (wide as u64) < n {
            let floor = n.wrapping_neg() % n;
            while (wide as u64) < floor {
                wide = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (wide >> 64) as usize
    }
}

fn splitmix64_mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
