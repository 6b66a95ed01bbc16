//! numpy's legacy `RandomState` (MT19937), as far as python-louvain uses it:
//! seeding and `shuffle` of a Python list.
//!
//! python-louvain shuffles node and neighbour-community orders with
//! `random_state.shuffle(list)`. Reproducing numpy's generator and its
//! shuffle draw for draw makes `louvain_communities(.., seed)` give exactly
//! the partition of `community.best_partition(G, random_state=seed)`.

use crate::mt19937::Mt19937;

/// A `numpy.random.RandomState`.
#[derive(Debug, Clone)]
pub(super) struct RandomState {
    mt: Mt19937,
}

impl RandomState {
    /// `RandomState(seed)` for `seed < 2³²` (numpy's `init_genrand`);
    /// larger seeds as `RandomState([low 32 bits, high 32 bits])`
    /// (`init_by_array`), since numpy accepts no single seed above `2³² − 1`.
    pub(super) fn new(seed: u64) -> Self {
        let mt = match u32::try_from(seed) {
            Ok(seed) => Mt19937::from_u32(seed),
            Err(_) => Mt19937::from_key(&[seed as u32, (seed >> 32) as u32]),
        };
        Self { mt }
    }

    /// `genrand_int32`.
    fn next_u32(&mut self) -> u32 {
        self.mt.next_u32()
    }

    /// numpy's `random_interval(max)`: uniform on `0..=max` by masked
    /// rejection (32-bit draws while `max` fits, 64-bit ones after).
    fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = u64::MAX >> max.leading_zeros();
        loop {
            let value = if max <= u64::from(u32::MAX) {
                u64::from(self.next_u32()) & mask
            } else {
                let high = u64::from(self.next_u32());
                (high << 32 | u64::from(self.next_u32())) & mask
            };
            if value <= max {
                return value;
            }
        }
    }

    /// `RandomState.shuffle(list)`: Fisher–Yates from the back.
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.interval(i as u64) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values printed by numpy 2.2.6.
    #[test]
    fn matches_numpy_random_state() {
        // The first 32-bit output for MT19937's reference seed 5489.
        let mut rs = RandomState::new(5489);
        assert_eq!(rs.next_u32(), 3_499_211_612);
    }

    #[test]
    fn shuffle_matches_numpy() {
        // x = list(range(10)); np.random.RandomState(0).shuffle(x)
        let mut x: Vec<u32> = (0..10).collect();
        RandomState::new(0).shuffle(&mut x);
        assert_eq!(x, vec![2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
        // np.random.RandomState([7, 1]) for the seed 2**32 + 7
        let mut x: Vec<u32> = (0..10).collect();
        RandomState::new((1 << 32) + 7).shuffle(&mut x);
        assert_eq!(x, vec![9, 8, 5, 6, 2, 3, 7, 0, 1, 4]);
    }
}
