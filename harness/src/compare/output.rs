//! What a kernel returns, in one form both sides are converted to.

/// A kernel's result, language-neutral.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// One score per node, indexed by node id (centralities, PageRank).
    NodeScores(Vec<f64>),
    /// Events reported at positions of a series, in increasing position.
    Events(Vec<Event>),
    /// A fixed sequence of numbers: whole-graph metrics in a documented
    /// order, or a matrix flattened row-major (node features).
    Values(Vec<f64>),
    /// Integer lists that must be identical (paths, communities, clusters)
    /// plus numbers that go with them (statistics, modularity, densities).
    Lists(Lists),
    /// Texts that must be identical byte for byte (a JSON document, a
    /// normalised message, a cache key per item): kept as strings, so
    /// neither side pays for a per-byte integer list inside its timed call.
    Texts(Vec<String>),
}

/// Integer lists compared exactly, and values compared within tolerance.
///
/// Each kernel documents its layout in its pair-table row (which list is what,
/// which value is what); both sides produce the same canonical layout, so
/// "equal up to relabelling" becomes plain equality.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lists {
    pub lists: Vec<Vec<i64>>,
    pub values: Vec<f64>,
}

impl Lists {
    /// Room for `n` lists, for layouts with one value per list.
    pub fn with_capacity(n: usize) -> Self {
        Lists {
            lists: Vec::with_capacity(n),
            values: Vec::with_capacity(n),
        }
    }

    /// Appends a list with its value (layouts with one value per list).
    pub fn push(&mut self, list: Vec<i64>, value: f64) {
        self.lists.push(list);
        self.values.push(value);
    }
}

/// One reported event (e.g. a spike).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub index: usize,
    pub value: f64,
    /// The reference the value was judged against (rolling mean for spikes).
    pub baseline: f64,
    /// Severity code: 0 medium, 1 high.
    pub severity: u8,
    /// Distance past the firing threshold, when the side knows it (the Rust
    /// twins do; the Python original does not report it).
    pub margin: Option<f64>,
}

impl Output {
    /// Number of elements, for messages ("compared 100000 node scores").
    pub fn len(&self) -> usize {
        match self {
            Output::NodeScores(v) => v.len(),
            Output::Events(v) => v.len(),
            Output::Values(v) => v.len(),
            Output::Lists(l) => l.lists.len() + l.values.len(),
            Output::Texts(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
