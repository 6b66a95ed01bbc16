//! The Louvain method as python-louvain 0.16's
//! `community.best_partition(G, resolution=r, random_state=seed)` runs it on
//! the weighted graph (`weight='weight'`).
//!
//! Level by level: passes over the nodes in a shuffled order move each node
//! to the neighbouring community with the largest positive gain (neighbour
//! communities also visited in a shuffled order, the first strict maximum
//! wins) until a pass moves nothing or gains less than 1e-7 modularity;
//! then the communities become the nodes of the next level's graph. The
//! last level that still gained at least 1e-7 is the answer.
//!
//! The randomness is numpy's `RandomState`, reproduced draw for draw (see
//! [`super::mt19937`]), and every quantity is computed with python-louvain's
//! operations in its order, including the order of the aggregated graphs'
//! adjacency (networkx insertion order), so a given seed gives exactly the
//! partition python-louvain gives for `random_state=seed`. The original
//! passes no `random_state`, so its runs use numpy's global generator and
//! differ from call to call.

use super::modularity::py_square;
use super::mt19937::RandomState;
use super::pyset::PySet;
use super::{CommunityError, CsrGraph};

/// python-louvain's `__MIN`: the smallest modularity gain worth another
/// pass or level.
const MIN_GAIN: f64 = 1e-7;
const NONE: u32 = u32::MAX;

/// A level's graph with networkx's adjacency order: level 0 is the input
/// (rows ascending), an aggregated level lists each node's neighbours in the
/// order its edges were first added. A self-loop is one entry.
#[derive(Debug, Clone)]
struct LevelGraph {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
}

impl LevelGraph {
    fn from_csr(graph: &CsrGraph) -> Self {
        Self {
            offsets: graph.offsets().to_vec(),
            targets: graph.targets().to_vec(),
            weights: graph.weights().to_vec(),
        }
    }

    fn node_count(&self) -> usize {
        self.offsets.len() - 1
    }

    fn neighbors(&self, node: usize) -> impl Iterator<Item = (u32, f64)> + '_ {
        let span = self.offsets[node]..self.offsets[node + 1];
        self.targets[span.clone()]
            .iter()
            .copied()
            .zip(self.weights[span].iter().copied())
    }

    /// `G.degree(node, weight)`: weights in adjacency order, a self-loop's
    /// weight once more.
    fn degree(&self, node: usize) -> f64 {
        let mut sum = 0.0;
        let mut self_loop = None;
        for (w, weight) in self.neighbors(node) {
            sum += weight;
            if w as usize == node {
                self_loop = Some(weight);
            }
        }
        self_loop.map_or(sum, |weight| sum + weight)
    }

    fn self_loop(&self, node: usize) -> f64 {
        self.neighbors(node)
            .find(|&(w, _)| w as usize == node)
            .map_or(0.0, |(_, weight)| weight)
    }

    /// python-louvain's `induced_graph`: node `part[v]` for each community,
    /// numbered by first appearance; edges visited as `G.edges()` lists
    /// them (node order, adjacency order, each edge once), their weights
    /// summed in that order, and each aggregated edge placed in both
    /// adjacency lists when first met (networkx's insertion order).
    fn induced(&self, part: &[u32], communities: usize) -> Self {
        // (low, high, visit order) per edge of this level.
        let mut visits: Vec<(u32, u32, u32)> = Vec::with_capacity(self.targets.len());
        let mut visit_weights: Vec<f64> = Vec::with_capacity(self.targets.len());
        for a in 0..self.node_count() {
            for (b, weight) in self.neighbors(a) {
                if b as usize >= a {
                    let (ca, cb) = (part[a], part[b as usize]);
                    visits.push((ca.min(cb), ca.max(cb), visits.len() as u32));
                    visit_weights.push(weight);
                }
            }
        }
        visits.sort_unstable();
        // One aggregated edge per (low, high) run: first visit and summed weight.
        let mut edges: Vec<(u32, u32, u32, f64)> = Vec::new();
        for run in visits.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            let total = run
                .iter()
                .fold(0.0, |acc, &(_, _, seq)| acc + visit_weights[seq as usize]);
            edges.push((run[0].2, run[0].0, run[0].1, total));
        }
        edges.sort_unstable_by_key(|e| e.0);

        let mut degree = vec![0usize; communities + 1];
        for &(_, lo, hi, _) in &edges {
            degree[lo as usize] += 1;
            if lo != hi {
                degree[hi as usize] += 1;
            }
        }
        let mut offsets = Vec::with_capacity(communities + 1);
        let mut running = 0;
        for d in &degree[..communities] {
            offsets.push(running);
            running += d;
        }
        offsets.push(running);
        let mut cursor = offsets.clone();
        let mut targets = vec![0u32; running];
        let mut weights = vec![0.0; running];
        for &(_, lo, hi, total) in &edges {
            for (from, to) in [(lo, hi), (hi, lo)] {
                let slot = &mut cursor[from as usize];
                targets[*slot] = to;
                weights[*slot] = total;
                *slot += 1;
                if lo == hi {
                    break;
                }
            }
        }
        Self {
            offsets,
            targets,
            weights,
        }
    }
}

/// python-louvain's `Status` for one level, with communities numbered by
/// the node that started them.
#[derive(Debug)]
struct Status {
    node2com: Vec<u32>,
    total_weight: f64,
    /// Per community.
    degrees: Vec<f64>,
    internals: Vec<f64>,
    /// Per node.
    gdegrees: Vec<f64>,
    loops: Vec<f64>,
}

impl Status {
    /// `Status.init(graph, weight)`: every node alone.
    fn new(graph: &LevelGraph) -> Result<Self, CommunityError> {
        let n = graph.node_count();
        let gdegrees: Vec<f64> = (0..n).map(|v| graph.degree(v)).collect();
        if let Some(node) = gdegrees.iter().position(|&d| d < 0.0) {
            return Err(CommunityError::NegativeDegree {
                node: node as u32,
                degree: gdegrees[node],
            });
        }
        // `G.size(weight)`: the degree total (summed in node order) halved.
        let total_weight = gdegrees.iter().fold(0.0, |acc, &d| acc + d) / 2.0;
        let loops: Vec<f64> = (0..n).map(|v| graph.self_loop(v)).collect();
        Ok(Self {
            node2com: (0..n as u32).collect(),
            total_weight,
            degrees: gdegrees.clone(),
            internals: loops.clone(),
            gdegrees,
            loops,
        })
    }

    /// `__modularity(status, resolution)`: communities summed in the order
    /// Python iterates `set(node2com.values())`. (python-louvain applies the
    /// resolution to the internal term here but to the null-model term in
    /// the move gains; kept as it is.)
    fn modularity(&self, resolution: f64) -> f64 {
        let links = self.total_weight;
        let mut result = 0.0;
        if links > 0.0 {
            for com in PySet::from_adds(self.node2com.iter().copied()).iter() {
                let (inside, degree) = (self.internals[com as usize], self.degrees[com as usize]);
                result += inside * resolution / links - py_square(degree / (2.0 * links));
            }
        }
        result
    }

    fn remove(&mut self, node: usize, com: usize, weight: f64) {
        self.degrees[com] -= self.gdegrees[node];
        self.internals[com] = self.internals[com] - weight - self.loops[node];
        self.node2com[node] = NONE;
    }

    fn insert(&mut self, node: usize, com: usize, weight: f64) {
        self.node2com[node] = com as u32;
        self.degrees[com] += self.gdegrees[node];
        self.internals[com] = self.internals[com] + weight + self.loops[node];
    }
}

/// `__neighcom`: the weight from `node` to each neighbouring community, in
/// order of first appearance along its adjacency (self-loop skipped).
#[derive(Debug)]
struct NeighbourCommunities {
    /// `slot[com]`: index into `weights`, or `NONE`.
    slot: Vec<u32>,
    weights: Vec<(u32, f64)>,
}

impl NeighbourCommunities {
    fn new(n: usize) -> Self {
        Self {
            slot: vec![NONE; n],
            weights: Vec::new(),
        }
    }

    fn collect(&mut self, graph: &LevelGraph, status: &Status, node: usize) {
        for &(com, _) in &self.weights {
            self.slot[com as usize] = NONE;
        }
        self.weights.clear();
        for (neighbor, weight) in graph.neighbors(node) {
            if neighbor as usize == node {
                continue;
            }
            let com = status.node2com[neighbor as usize];
            match self.slot[com as usize] {
                NONE => {
                    self.slot[com as usize] = self.weights.len() as u32;
                    // Python: `weights.get(com, 0) + weight`.
                    self.weights.push((com, 0.0 + weight));
                }
                at => self.weights[at as usize].1 += weight,
            }
        }
    }

    fn get(&self, com: usize) -> Option<f64> {
        match self.slot[com] {
            NONE => None,
            at => Some(self.weights[at as usize].1),
        }
    }
}

/// `__one_level`: passes of node moves until a pass moves nothing or gains
/// less than `MIN_GAIN`.
fn one_level(graph: &LevelGraph, status: &mut Status, resolution: f64, rng: &mut RandomState) {
    let n = graph.node_count();
    let mut neighbours = NeighbourCommunities::new(n);
    let mut order: Vec<u32> = Vec::with_capacity(n);
    let mut candidates: Vec<(u32, f64)> = Vec::new();
    let mut new_mod = status.modularity(resolution);
    let mut modified = true;
    while modified {
        let cur_mod = new_mod;
        modified = false;
        order.clear();
        order.extend(0..n as u32);
        rng.shuffle(&mut order);
        for &node in &order {
            let node = node as usize;
            let com_node = status.node2com[node] as usize;
            let degc_totw = status.gdegrees[node] / (status.total_weight * 2.0);
            neighbours.collect(graph, status, node);
            let own = neighbours.get(com_node);
            let stay = resolution * (status.degrees[com_node] - status.gdegrees[node]) * degc_totw;
            // Python: `-neigh.get(com_node, 0) + stay`.
            let remove_cost = own.map_or(0.0 + stay, |w| -w + stay);
            status.remove(node, com_node, own.unwrap_or(0.0));
            let mut best_com = com_node;
            let mut best_increase = 0.0;
            candidates.clear();
            candidates.extend_from_slice(&neighbours.weights);
            rng.shuffle(&mut candidates);
            for &(com, dnc) in &candidates {
                let incr =
                    remove_cost + dnc - resolution * status.degrees[com as usize] * degc_totw;
                if incr > best_increase {
                    best_increase = incr;
                    best_com = com as usize;
                }
            }
            status.insert(node, best_com, neighbours.get(best_com).unwrap_or(0.0));
            if best_com != com_node {
                modified = true;
            }
        }
        new_mod = status.modularity(resolution);
        if new_mod - cur_mod < MIN_GAIN {
            break;
        }
    }
}

/// `__renumber`, up to the labels: each node's community as an index
/// `0..k` in order of first appearance (the node order of the induced
/// graph), and `k`.
fn renumber(node2com: &[u32]) -> (Vec<u32>, usize) {
    let mut index = vec![NONE; node2com.len()];
    let mut k = 0u32;
    let part = node2com
        .iter()
        .map(|&com| {
            let slot = &mut index[com as usize];
            if *slot == NONE {
                *slot = k;
                k += 1;
            }
            *slot
        })
        .collect();
    (part, k as usize)
}

/// The labels python-louvain's `__renumber` gives the community ids in
/// `node2com` (indexed by id; unused ids get `NONE`): ids below the number
/// `k` of communities keep their value, the others take the free labels
/// below `k`, paired by `zip(values - target, target - values)` in CPython
/// set order. The labels only decide the order in which `modularity` sums
/// the communities.
fn python_labels(node2com: &[u32]) -> Vec<u32> {
    let values = PySet::from_adds(node2com.iter().copied());
    let k = values.len() as u32;
    let mut label = vec![NONE; node2com.len()];
    let mut present = vec![false; node2com.len()];
    for com in values.iter() {
        present[com as usize] = true;
        if com < k {
            label[com as usize] = com;
        }
    }
    let target = PySet::from_adds(0..k);
    let surplus = PySet::from_adds(values.iter().filter(|&com| com >= k));
    let free = PySet::from_adds(target.iter().filter(|&t| !present[t as usize]));
    for (com, t) in surplus.iter().zip(free.iter()) {
        label[com as usize] = t;
    }
    label
}

/// `community.best_partition(G, resolution=resolution, random_state=seed)`
/// with `weight='weight'` (python-louvain 0.16).
///
/// `seed` stands for numpy's `RandomState(seed)` (a seed of 2³² or more for
/// `RandomState([low, high])`, its 32-bit halves). `communities[i]` holds
/// the nodes python-louvain labels `i`, ascending. A graph without edges
/// gives one singleton per node.
///
/// Errors, as python-louvain raises them: a node with negative weighted
/// degree (`ValueError`), edges whose weights total zero
/// (`ZeroDivisionError`).
pub fn louvain_communities(
    graph: &CsrGraph,
    resolution: f64,
    seed: u64,
) -> Result<Vec<Vec<u32>>, CommunityError> {
    let n = graph.node_count();
    if graph.arc_count() == 0 {
        return Ok((0..n as u32).map(|v| vec![v]).collect());
    }
    let mut rng = RandomState::new(seed);
    let mut level = LevelGraph::from_csr(graph);
    let mut status = Status::new(&level)?;
    if status.total_weight == 0.0 {
        return Err(CommunityError::ZeroTotalWeight);
    }
    one_level(&level, &mut status, resolution, &mut rng);
    let mut best_mod = status.modularity(resolution);
    // The last level kept: its communities, and each input node's node there.
    let mut kept = status.node2com.clone();
    let mut kept_node: Vec<u32> = (0..n as u32).collect();
    let mut node_at_level = kept_node.clone();
    loop {
        let (part, k) = renumber(&status.node2com);
        for x in node_at_level.iter_mut() {
            *x = part[*x as usize];
        }
        level = level.induced(&part, k);
        status = Status::new(&level)?;
        one_level(&level, &mut status, resolution, &mut rng);
        let new_mod = status.modularity(resolution);
        if new_mod - best_mod < MIN_GAIN {
            break;
        }
        best_mod = new_mod;
        kept.clone_from(&status.node2com);
        kept_node.clone_from(&node_at_level);
    }
    let label = python_labels(&kept);
    let final_labels: Vec<u32> = kept_node
        .iter()
        .map(|&x| label[kept[x as usize] as usize])
        .collect();
    let k = final_labels.iter().max().map_or(0, |&l| l as usize + 1);
    let mut communities = vec![Vec::new(); k];
    for (node, &l) in final_labels.iter().enumerate() {
        communities[l as usize].push(node as u32);
    }
    Ok(communities)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_python_louvains_renumbering() {
        // __renumber({0: 5, 1: 5, 2: 2, 3: 7}) == {0: 0, 1: 0, 2: 2, 3: 1}
        // (ids are node indices of the level, so the tests pad node2com
        // with repeats up to the largest id).
        let label = python_labels(&[5, 5, 2, 7, 7, 7, 7, 7]);
        assert_eq!((label[5], label[2], label[7]), (0, 2, 1));
        // __renumber({0: 9, 1: 4, 2: 1, 3: 9, 4: 12, 5: 0})
        //   == {0: 2, 1: 4, 2: 1, 3: 2, 4: 3, 5: 0}
        let label = python_labels(&[9, 4, 1, 9, 12, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            (label[9], label[4], label[1], label[12], label[0]),
            (2, 4, 1, 3, 0)
        );
    }
}
