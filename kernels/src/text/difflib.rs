//! CPython's `difflib.SequenceMatcher(None, a, b)` (autojunk on), bit for
//! bit: the same matching blocks, so the same `ratio()` float.
//!
//! The original's alert correlators call `SequenceMatcher(None, x,
//! y).ratio()` on alert texts and compare the float against thresholds
//! (0.85, 0.5), so a port that finds *a* good alignment instead of
//! CPython's alignment flips correlations. What must match (CPython 3.11
//! `Lib/difflib.py`):
//!
//! - **b2j and autojunk.** Positions of each element of `b`; when `b` has at
//!   least 200 elements, every element occurring more than `len(b) // 100 +
//!   1` times is *popular* and dropped from b2j. Popular elements are not
//!   junk: with `isjunk=None` the junk set is empty.
//! - **find_longest_match.** Over `i` ascending and, for `a[i]`, the
//!   positions `j` of b2j ascending, the run length ending at `(i, j)` is
//!   one more than the run ending at `(i - 1, j - 1)`; the first run
//!   strictly longer than the best so far wins, so ties go to the smallest
//!   end in `a`, then in `b`. The best run is then extended on both sides
//!   over equal non-junk elements, which can grow it through popular
//!   elements (absent from b2j) and can find a match where b2j gave none.
//!   The junk-extension loops that follow never run: the junk set is empty.
//! - **get_matching_blocks.** The longest match of the whole ranges, then
//!   recursively of the parts left and right of it; `ratio()` is `2.0 *
//!   matches / (len(a) + len(b))`, `1.0` when both are empty.
//!
//! Elements are Unicode scalar values (Python iterates a `str` by code
//! point; a Rust `char` is one), or bytes for text known to be ASCII.
//! Ids are given in order of first appearance in `b`; which element gets
//! which id never shows in a result.

/// What a sequence is made of: a direct-table slot for the common
/// elements, a hash key for the others.
pub trait Element: Copy + Eq {
    /// Slot in a 256-entry table, if the element has one (ASCII characters,
    /// every byte); other elements go through a small hash table.
    fn slot(self) -> Option<usize>;
    /// The element as a number below `u32::MAX` (hash key of the others).
    fn key(self) -> u32;
}

impl Element for char {
    #[inline]
    fn slot(self) -> Option<usize> {
        self.is_ascii().then_some(self as usize)
    }

    #[inline]
    fn key(self) -> u32 {
        u32::from(self)
    }
}

impl Element for u8 {
    #[inline]
    fn slot(self) -> Option<usize> {
        Some(self as usize)
    }

    #[inline]
    fn key(self) -> u32 {
        u32::from(self)
    }
}

/// A run of equal elements: `a[a..a + size] == b[b..b + size]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    pub a: usize,
    pub b: usize,
    pub size: usize,
}

/// `b`'s elements by symbol: every distinct element gets a dense id, and
/// `positions[starts[id]..starts[id + 1]]` are its indices in `b`,
/// ascending (empty for a popular element).
#[derive(Debug)]
struct IndexedB {
    /// Ids of elements with a table slot; [`NONE`] for absent ones.
    table: [u32; 256],
    /// Open addressing for the other elements: keys ([`NONE`] for an empty
    /// cell) and their ids; the length is a power of two, at least twice
    /// the number of such elements in `b` (0 when there are none).
    wide_keys: Vec<u32>,
    wide_ids: Vec<u32>,
    starts: Vec<u32>,
    positions: Vec<u32>,
    /// Scratch: `b`'s elements as ids, and the fill cursor per id.
    b_ids: Vec<u32>,
    fill: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl Default for IndexedB {
    fn default() -> Self {
        Self {
            table: [NONE; 256],
            wide_keys: Vec::new(),
            wide_ids: Vec::new(),
            starts: Vec::new(),
            positions: Vec::new(),
            b_ids: Vec::new(),
            fill: Vec::new(),
        }
    }
}

/// The first cell to probe for `key` in a table of `len` (a power of two).
#[inline]
fn home(key: u32, len: usize) -> usize {
    ((u64::from(key).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize) & (len - 1)
}

impl IndexedB {
    #[inline]
    fn id_of<T: Element>(&self, c: T) -> u32 {
        match c.slot() {
            Some(slot) => self.table[slot],
            None => self.wide_id(c.key()),
        }
    }

    #[inline]
    fn wide_id(&self, key: u32) -> u32 {
        let len = self.wide_keys.len();
        if len == 0 {
            return NONE;
        }
        let mut cell = home(key, len);
        loop {
            match self.wide_keys[cell] {
                k if k == key => return self.wide_ids[cell],
                NONE => return NONE,
                _ => cell = (cell + 1) & (len - 1),
            }
        }
    }

    /// The id of `key`, given the next one if it is new.
    fn wide_id_or_insert(&mut self, key: u32, next: &mut u32) -> u32 {
        let len = self.wide_keys.len();
        let mut cell = home(key, len);
        loop {
            match self.wide_keys[cell] {
                k if k == key => return self.wide_ids[cell],
                NONE => {
                    self.wide_keys[cell] = key;
                    self.wide_ids[cell] = *next;
                    *next += 1;
                    return self.wide_ids[cell];
                }
                _ => cell = (cell + 1) & (len - 1),
            }
        }
    }

    /// `__chain_b`: positions per element, popular ones purged.
    fn build<T: Element>(&mut self, b: &[T]) {
        self.table = [NONE; 256];
        let wide = b.iter().filter(|c| c.slot().is_none()).count();
        let len = if wide == 0 {
            0
        } else {
            (2 * wide).next_power_of_two()
        };
        self.wide_keys.clear();
        self.wide_keys.resize(len, NONE);
        self.wide_ids.clear();
        self.wide_ids.resize(len, 0);
        let mut next = 0u32;
        let mut b_ids = std::mem::take(&mut self.b_ids);
        b_ids.clear();
        for &c in b {
            let id = match c.slot() {
                Some(slot) => {
                    if self.table[slot] == NONE {
                        self.table[slot] = next;
                        next += 1;
                    }
                    self.table[slot]
                }
                None => self.wide_id_or_insert(c.key(), &mut next),
            };
            b_ids.push(id);
        }
        let symbols = next as usize;
        // Counting sort of positions by id: counts, then prefix sums.
        self.starts.clear();
        self.starts.resize(symbols + 1, 0);
        for &id in &b_ids {
            self.starts[id as usize + 1] += 1;
        }
        let popular_above = (b.len() >= 200).then(|| b.len() / 100 + 1);
        if let Some(limit) = popular_above {
            for count in &mut self.starts[1..] {
                if *count as usize > limit {
                    *count = 0;
                }
            }
        }
        for id in 0..symbols {
            self.starts[id + 1] += self.starts[id];
        }
        self.positions.clear();
        self.positions.resize(self.starts[symbols] as usize, 0);
        // Fill in ascending j: each id's slice ends up ascending.
        self.fill.clear();
        self.fill.extend_from_slice(&self.starts[..symbols]);
        for (j, &id) in b_ids.iter().enumerate() {
            let id = id as usize;
            if self.fill[id] < self.starts[id + 1] {
                self.positions[self.fill[id] as usize] = j as u32;
                self.fill[id] += 1;
            }
        }
        self.b_ids = b_ids;
    }

    fn positions_of(&self, id: u32) -> &[u32] {
        if id == NONE {
            return &[];
        }
        let id = id as usize;
        &self.positions[self.starts[id] as usize..self.starts[id + 1] as usize]
    }
}

/// Reusable state for many comparisons: `b`'s index and the run-length
/// cells of `find_longest_match`, kept between calls so a correlator
/// comparing thousands of pairs allocates once.
#[derive(Debug)]
pub struct SequenceMatcher<T = char> {
    b_index: IndexedB,
    element: std::marker::PhantomData<T>,
    /// `a`'s elements as `b`'s ids ([`NONE`] if absent from b2j).
    a_ids: Vec<u32>,
    /// Per `j`: the row number that wrote it (high 32 bits) and the length
    /// of the run ending at `(that row, j)` (low 32 bits). Python's `j2len`
    /// dict is "the cells stamped with the previous row"; rows are numbered
    /// afresh in every search, so no cell needs clearing.
    cells: Vec<u64>,
    row: u32,
    queue: Vec<(usize, usize, usize, usize)>,
    blocks: Vec<Match>,
}

impl<T> Default for SequenceMatcher<T> {
    fn default() -> Self {
        Self {
            b_index: IndexedB::default(),
            element: std::marker::PhantomData,
            a_ids: Vec::new(),
            cells: Vec::new(),
            row: 0,
            queue: Vec::new(),
            blocks: Vec::new(),
        }
    }
}

impl<T: Element> SequenceMatcher<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// `SequenceMatcher(None, a, b).ratio()`.
    pub fn ratio(&mut self, a: &[T], b: &[T]) -> f64 {
        let matches = self.match_all(a, b);
        ratio_of(matches, a.len() + b.len())
    }

    /// `SequenceMatcher(None, a, b).get_matching_blocks()`: the blocks in
    /// order, adjacent ones merged, ending with `(len(a), len(b), 0)`.
    pub fn matching_blocks(&mut self, a: &[T], b: &[T]) -> Vec<Match> {
        self.match_all(a, b);
        let mut found = std::mem::take(&mut self.blocks);
        found.sort_unstable();
        let mut merged: Vec<Match> = Vec::with_capacity(found.len() + 1);
        for m in found {
            match merged.last_mut() {
                Some(last) if last.a + last.size == m.a && last.b + last.size == m.b => {
                    last.size += m.size;
                }
                _ => merged.push(m),
            }
        }
        merged.push(Match {
            a: a.len(),
            b: b.len(),
            size: 0,
        });
        merged
    }

    /// Runs `get_matching_blocks`' search, leaving the blocks (unsorted) in
    /// `self.blocks`; returns the total matched.
    fn match_all(&mut self, a: &[T], b: &[T]) -> usize {
        self.b_index.build(b);
        self.a_ids.clear();
        self.a_ids.extend(a.iter().map(|&c| self.b_index.id_of(c)));
        if self.cells.len() < b.len() {
            self.cells.resize(b.len(), 0);
        }
        self.blocks.clear();
        self.queue.clear();
        self.queue.push((0, a.len(), 0, b.len()));
        let mut matched = 0;
        while let Some((alo, ahi, blo, bhi)) = self.queue.pop() {
            let m = self.find_longest_match(a, b, alo, ahi, blo, bhi);
            if m.size > 0 {
                matched += m.size;
                self.blocks.push(m);
                if alo < m.a && blo < m.b {
                    self.queue.push((alo, m.a, blo, m.b));
                }
                if m.a + m.size < ahi && m.b + m.size < bhi {
                    self.queue.push((m.a + m.size, ahi, m.b + m.size, bhi));
                }
            }
        }
        matched
    }

    /// Row numbers for a search over `rows` elements of `a`, plus one
    /// never written (the row "before `alo`"): the first of them. Restarts
    /// the numbering, clearing every cell, when it would wrap, so a stale
    /// cell never carries a live row's number.
    fn take_rows(&mut self, rows: usize) -> u32 {
        let needed = rows as u64 + 2;
        if u64::from(u32::MAX - self.row) <= needed {
            self.cells.fill(0);
            self.row = 0;
        }
        let before_first = self.row + 1;
        self.row += needed as u32;
        before_first
    }

    /// `find_longest_match(alo, ahi, blo, bhi)`.
    ///
    /// Python walks each row's `j` ascending and takes the first run longer
    /// than the best so far; that is the row's longest run at its smallest
    /// `j`, if longer than the best before the row. The row is walked here
    /// descending, so one array serves both rows (cell `j - 1` still holds
    /// the previous row when `j` reads it): the same match.
    fn find_longest_match(
        &mut self,
        a: &[T],
        b: &[T],
        alo: usize,
        ahi: usize,
        blo: usize,
        bhi: usize,
    ) -> Match {
        let (mut besti, mut bestj, mut bestsize) = (alo, blo, 0usize);
        let mut previous = self.take_rows(ahi - alo);
        let cells = &mut self.cells;
        for i in alo..ahi {
            let current = previous + 1;
            let (mut row_best, mut row_j) = (0u32, 0usize);
            let positions = self.b_index.positions_of(self.a_ids[i]);
            // Past bhi: skipped by a binary search (Python loops to them and
            // breaks), since the recursion's left parts end early in b.
            let end = match positions.last() {
                Some(&last) if last as usize >= bhi => {
                    positions.partition_point(|&j| (j as usize) < bhi)
                }
                _ => positions.len(),
            };
            for &j in positions[..end].iter().rev() {
                let j = j as usize;
                if j < blo {
                    break;
                }
                let before = match j.checked_sub(1).map(|p| cells[p]) {
                    Some(cell) if (cell >> 32) as u32 == previous => cell as u32,
                    _ => 0,
                };
                let k = before + 1;
                cells[j] = u64::from(current) << 32 | u64::from(k);
                if k >= row_best {
                    row_best = k;
                    row_j = j;
                }
            }
            let k = row_best as usize;
            if k > bestsize {
                besti = i + 1 - k;
                bestj = row_j + 1 - k;
                bestsize = k;
            }
            previous = current;
        }
        // Extend over equal elements (none is junk: isjunk is None).
        while besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1] {
            besti -= 1;
            bestj -= 1;
            bestsize += 1;
        }
        while besti + bestsize < ahi
            && bestj + bestsize < bhi
            && a[besti + bestsize] == b[bestj + bestsize]
        {
            bestsize += 1;
        }
        Match {
            a: besti,
            b: bestj,
            size: bestsize,
        }
    }
}

/// difflib's `_calculate_ratio`: `2.0 * matches / length`, `1.0` if empty.
pub fn ratio_of(matches: usize, length: usize) -> f64 {
    if length == 0 {
        1.0
    } else {
        2.0 * matches as f64 / length as f64
    }
}

/// `SequenceMatcher(None, a, b).ratio()` on two strings, for one-off calls.
pub fn ratio(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    SequenceMatcher::<char>::new().ratio(&a, &b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    /// Values printed by CPython 3.11's difflib.
    #[test]
    fn ratios_cpython_gives() {
        assert_eq!(ratio("", ""), 1.0);
        assert_eq!(ratio("abc", ""), 0.0);
        assert_eq!(ratio("abcd", "bcde"), 0.75);
        // difflib's docstring example.
        assert_eq!(ratio("abxcd", "abcd"), 2.0 * 4.0 / 9.0);
        let blocks =
            SequenceMatcher::<char>::new().matching_blocks(&chars("abxcd"), &chars("abcd"));
        assert_eq!(
            blocks,
            [
                Match {
                    a: 0,
                    b: 0,
                    size: 2
                },
                Match {
                    a: 3,
                    b: 2,
                    size: 2
                },
                Match {
                    a: 5,
                    b: 4,
                    size: 0
                },
            ]
        );
    }

    /// A popular element (here 'a', 200 of 202) is not in b2j, yet the
    /// extension step matches it next to a non-popular match.
    #[test]
    fn popular_elements_extend_a_match_but_never_start_one() {
        let b = format!("x{}y", "a".repeat(200));
        // CPython: SequenceMatcher(None, "xaa", b).ratio() == 2*3/205 (x, then
        // the two a's by extension); "aa" alone matches nothing, since 'a'
        // is popular and the extension starts from (0, 0) where "a" != "x".
        assert_eq!(ratio("xaa", &b), 2.0 * 3.0 / 205.0);
        assert_eq!(ratio("aa", &b), 0.0);
        // Below 200 elements nothing is popular.
        let short = format!("x{}y", "a".repeat(197));
        assert_eq!(ratio("aa", &short), 2.0 * 2.0 / 201.0);
    }

    #[test]
    fn a_reused_matcher_answers_as_a_fresh_one() {
        let mut reused = SequenceMatcher::<char>::new();
        let texts = [
            "database timeout",
            "dätäbase tïmeout",
            "",
            "pool pool pool",
            "é",
        ];
        for x in texts {
            for y in texts {
                let (x, y) = (chars(x), chars(y));
                assert_eq!(
                    reused.ratio(&x, &y),
                    SequenceMatcher::<char>::new().ratio(&x, &y)
                );
            }
        }
    }
}
