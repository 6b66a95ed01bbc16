//! The iteration order of a CPython 3.11 `set` of node ids.
//!
//! The original breaks ties by the order in which Python iterates sets of
//! ints: `graph.subgraph(nodes).degree()` walks the node set in hash-table
//! slot order when the community is smaller than half the graph, and the
//! members of a greedy-modularity community come out of a `frozenset` built
//! by a chain of unions. For a non-negative int `hash(x) == x`, so that
//! order is a deterministic function of the insertion history; this module
//! replays CPython's `Objects/setobject.c` (open addressing with nine linear
//! probes, then perturbed jumps; grow when 3/5 full) to reproduce it.
//!
//! Only what the kernels need is modelled: adds, `set(other_set)` copies and
//! `a | b` unions. Nothing is ever deleted, so the tables hold no dummies.

/// Marks an unused slot. Node ids are below `u32::MAX` because a graph has
/// at most `u32::MAX` nodes.
const EMPTY: u32 = u32::MAX;
/// `PySet_MINSIZE`: a fresh set's table has eight slots.
const MIN_SIZE: usize = 8;
/// `LINEAR_PROBES` in setobject.c.
const LINEAR_PROBES: usize = 9;
/// `PERTURB_SHIFT` in setobject.c.
const PERTURB_SHIFT: u32 = 5;

/// A CPython set of ints, reduced to its hash table.
///
/// Invariant: `table.len()` is a power of two ≥ 8 and `used` counts the
/// occupied slots (CPython's `fill == used`: there are no deletions).
#[derive(Debug, Clone)]
pub(super) struct PySet {
    table: Vec<u32>,
    used: usize,
}

impl PySet {
    /// `set()`: an empty eight-slot table.
    pub(super) fn new() -> Self {
        Self {
            table: vec![EMPTY; MIN_SIZE],
            used: 0,
        }
    }

    /// `set(iterable)` for an iterable that is not itself a set (a list or a
    /// generator): one `add` per item, in iteration order.
    pub(super) fn from_adds(items: impl IntoIterator<Item = u32>) -> Self {
        let mut set = Self::new();
        for key in items {
            set.add(key);
        }
        set
    }

    /// `a | b` for two sets: a copy of `a` (`set_copy`), then `b` merged in.
    pub(super) fn union(a: &Self, b: &Self) -> Self {
        let mut set = Self::new();
        set.merge(a);
        set.merge(b);
        set
    }

    /// `set(self)`: a new set filled from this one (`set_merge` into an
    /// empty table, which copies slot for slot only if the sizes agree).
    pub(super) fn copied(&self) -> Self {
        let mut set = Self::new();
        set.merge(self);
        set
    }

    /// Number of members.
    pub(super) fn len(&self) -> usize {
        self.used
    }

    /// Members in Python's iteration order: table slot order.
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.table.iter().copied().filter(|&key| key != EMPTY)
    }

    fn mask(&self) -> usize {
        self.table.len() - 1
    }

    /// `set_add_entry`: probe from the home slot, nine linear steps at a
    /// time, and grow the table once it is 3/5 full.
    pub(super) fn add(&mut self, key: u32) {
        let mask = self.mask();
        let mut perturb = key as usize;
        let mut i = key as usize & mask;
        loop {
            let probes = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            for slot in i..=i + probes {
                match self.table[slot] {
                    EMPTY => {
                        self.table[slot] = key;
                        self.used += 1;
                        if self.used * 5 >= mask * 3 {
                            let grow_to = if self.used > 50_000 {
                                self.used * 2
                            } else {
                                self.used * 4
                            };
                            self.resize(grow_to);
                        }
                        return;
                    }
                    existing if existing == key => return,
                    _ => {}
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i.wrapping_mul(5).wrapping_add(1).wrapping_add(perturb)) & mask;
        }
    }

    /// `set_table_resize`: the smallest power of two above `min_used`, the
    /// old members re-inserted in old slot order.
    fn resize(&mut self, min_used: usize) {
        let mut size = MIN_SIZE;
        while size <= min_used {
            size <<= 1;
        }
        let old = std::mem::replace(&mut self.table, vec![EMPTY; size]);
        for key in old.into_iter().filter(|&key| key != EMPTY) {
            insert_clean(&mut self.table, key);
        }
    }

    /// `set_merge(self, other)`: one resize up front, then a slot-for-slot
    /// copy when an empty table has the other's size, clean inserts into any
    /// other empty table, and ordinary adds otherwise.
    fn merge(&mut self, other: &Self) {
        if other.used == 0 {
            return;
        }
        if (self.used + other.used) * 5 >= self.mask() * 3 {
            self.resize((self.used + other.used) * 2);
        }
        if self.used == 0 {
            if self.table.len() == other.table.len() {
                self.table.copy_from_slice(&other.table);
            } else {
                for key in other.iter() {
                    insert_clean(&mut self.table, key);
                }
            }
            self.used = other.used;
            return;
        }
        for key in other.iter() {
            self.add(key);
        }
    }
}

/// `set_insert_clean`: place a key known to be absent, probing as
/// `set_add_entry` does.
fn insert_clean(table: &mut [u32], key: u32) {
    let mask = table.len() - 1;
    let mut perturb = key as usize;
    let mut i = key as usize & mask;
    loop {
        let probes = if i + LINEAR_PROBES <= mask {
            LINEAR_PROBES
        } else {
            0
        };
        if let Some(slot) = table[i..=i + probes].iter_mut().find(|s| **s == EMPTY) {
            *slot = key;
            return;
        }
        perturb >>= PERTURB_SHIFT;
        i = (i.wrapping_mul(5).wrapping_add(1).wrapping_add(perturb)) & mask;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(set: &PySet) -> Vec<u32> {
        set.iter().collect()
    }

    // Every expected order below was printed by CPython 3.11.7.
    #[test]
    fn collisions_follow_add_order() {
        // list(set(x for x in [9, 1, 17])) == [9, 1, 17]: 1 and 17 collide
        // with 9 in slot 1 and jump (no linear probes near the table's end).
        assert_eq!(order(&PySet::from_adds([9, 1, 17])), vec![9, 1, 17]);
        assert_eq!(order(&PySet::from_adds([1, 9, 17])), vec![1, 9, 17]);
    }

    #[test]
    fn growth_reinserts_in_slot_order() {
        // list(set(x for x in [1000, 5, 13, 2, 8])) == [2, 5, 1000, 8, 13]:
        // the fifth add grows the table to 32 slots, where 1000 % 32 == 8
        // holds slot 8, so 8 probes on to slot 9.
        let set = PySet::from_adds([1000, 5, 13, 2, 8]);
        assert_eq!(order(&set), vec![2, 5, 1000, 8, 13]);
        assert_eq!(set.len(), 5);
    }

    #[test]
    fn union_copies_then_adds() {
        // list(frozenset(x for x in [3, 11]) | frozenset(x for x in [19, 4]))
        let a = PySet::from_adds([3, 11]);
        let b = PySet::from_adds([19, 4]);
        assert_eq!(order(&PySet::union(&a, &b)), vec![11, 19, 3, 4]);
        // ... and with a resize before the copy:
        let a = PySet::from_adds([3, 11, 27, 35, 43, 51]);
        assert_eq!(
            order(&PySet::union(&a, &b)),
            vec![3, 35, 51, 19, 4, 27, 43, 11]
        );
    }

    #[test]
    fn copy_reinserts_into_its_own_size() {
        // a = set(x for x in [8, 16, 7, 31, 48, 28]) has grown to 32 slots,
        // list(a) == [7, 8, 16, 48, 28, 31]; set(a) sizes its table for
        // 2·6 members (16 slots): list(set(a)) == [16, 48, 7, 8, 28, 31].
        let a = PySet::from_adds([8, 16, 7, 31, 48, 28]);
        assert_eq!(order(&a), vec![7, 8, 16, 48, 28, 31]);
        assert_eq!(order(&a.copied()), vec![16, 48, 7, 8, 28, 31]);
    }
}
