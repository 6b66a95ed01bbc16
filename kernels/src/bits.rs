//! A set of small integers (node ids, row indices) as one bit each: an
//! eighth of a `Vec<bool>`, so a per-call membership array over a
//! 100,000-node graph costs 12.5 KB instead of 100 KB.

/// Membership over `0..len`, one bit per element.
#[derive(Debug, Clone, Default)]
pub struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    /// The empty set over `0..len`.
    pub fn with_len(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(64)],
        }
    }

    /// Makes room for `0..len` (new elements absent); never shrinks.
    pub fn grow_to(&mut self, len: usize) {
        let words = len.div_ceil(64);
        if words > self.words.len() {
            self.words.resize(words, 0);
        }
    }

    /// Whether `i` is in the set. Panics if `i` is beyond the set's length.
    #[inline]
    pub fn contains(&self, i: usize) -> bool {
        self.words[i / 64] >> (i % 64) & 1 == 1
    }

    #[inline]
    pub fn insert(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }

    #[inline]
    pub fn remove(&mut self, i: usize) {
        self.words[i / 64] &= !(1 << (i % 64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_come_and_go() {
        let mut s = BitSet::with_len(130);
        for i in [0, 63, 64, 129] {
            assert!(!s.contains(i));
            s.insert(i);
            assert!(s.contains(i));
        }
        s.remove(64);
        assert!(!s.contains(64) && s.contains(63) && s.contains(129));
        s.grow_to(200);
        assert!(!s.contains(199) && s.contains(129));
    }
}
