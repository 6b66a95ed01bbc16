//! `twinbench merge`: the shards' results of one run back into one. The
//! merge refuses anything that would make a wrong whole: a missing or
//! repeated shard, or shards from different scenarios, machines or commits.

use thiserror::Error;

use crate::results::validate::MAX_SHARDS;
use crate::results::{ConcurrencyResults, Results};

/// Why shards cannot be merged.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error("{0} is not a shard (run `twinbench report --shard i/n`)")]
    NotAShard(String),
    #[error("shards disagree on {what}: {first} vs {other}")]
    Mismatch {
        what: &'static str,
        first: String,
        other: String,
    },
    #[error("shard {index}/{count} is missing")]
    Missing { index: usize, count: usize },
    #[error("shard {index}/{count} appears twice")]
    Repeated { index: usize, count: usize },
    #[error("shard {index}/{count} is out of range: need 1 <= index <= count <= {max}")]
    OutOfRange {
        index: usize,
        count: usize,
        max: usize,
    },
    #[error(
        "kernel {kernel} is in shards {first} and {other}: shards of one run are disjoint, so \
         these are not shards of one run"
    )]
    Overlap {
        kernel: String,
        first: usize,
        other: usize,
    },
    #[error("model check {check} is in shards {first} and {other}")]
    OverlappingCheck {
        check: String,
        first: usize,
        other: usize,
    },
}

/// Shards of one run never share a kernel or a model check: two that do are
/// not parts of one whole, and merging them would keep one copy and lose
/// another kernel.
fn disjoint(shards: &[Results]) -> Result<(), MergeError> {
    let mut kernels = std::collections::BTreeMap::new();
    let mut checks = std::collections::BTreeMap::new();
    for r in shards {
        let index = r.shard.map_or(0, |s| s.index);
        for pair in &r.pairs {
            if let Some(first) = kernels.insert(pair.kernel.clone(), index) {
                return Err(MergeError::Overlap {
                    kernel: pair.kernel.clone(),
                    first,
                    other: index,
                });
            }
        }
        for record in r.concurrency.iter().flat_map(|c| &c.records) {
            let check = format!("{}/{}", record.id, record.checker);
            if let Some(first) = checks.insert(check.clone(), index) {
                return Err(MergeError::OverlappingCheck {
                    check,
                    first,
                    other: index,
                });
            }
        }
    }
    Ok(())
}

/// Combines every shard of one run into one result; verdicts and the claims
/// ledger are recomputed over the whole.
pub fn merge(mut shards: Vec<Results>) -> Result<Results, MergeError> {
    let first = shards.first().ok_or(MergeError::Empty)?;
    let count = first
        .shard
        .ok_or_else(|| MergeError::NotAShard(first.run_id.clone()))?
        .count;
    let mut seen = std::collections::BTreeSet::new();
    for r in &shards {
        let shard = r
            .shard
            .ok_or_else(|| MergeError::NotAShard(r.run_id.clone()))?;
        if shard.count != count {
            return Err(MergeError::Mismatch {
                what: "shard count",
                first: count.to_string(),
                other: shard.count.to_string(),
            });
        }
        if let Some((what, first, other)) = first.origin_mismatch(r) {
            return Err(MergeError::Mismatch { what, first, other });
        }
        if !(1 <= shard.index && shard.index <= count && count <= MAX_SHARDS) {
            return Err(MergeError::OutOfRange {
                index: shard.index,
                count,
                max: MAX_SHARDS,
            });
        }
        if !seen.insert(shard.index) {
            return Err(MergeError::Repeated {
                index: shard.index,
                count,
            });
        }
    }
    if let Some(missing) = (1..=count).find(|i| !seen.contains(i)) {
        return Err(MergeError::Missing {
            index: missing,
            count,
        });
    }
    disjoint(&shards)?;
    shards.sort_by_key(|r| r.shard.map(|s| s.index));
    let mut merged = shards.remove(0);
    merged.shard = None;
    merged.run_id = format!("{}-merged", merged.run_id);
    for r in shards {
        merged.pairs.extend(r.pairs);
        for f in r.graph_footprints {
            if !merged
                .graph_footprints
                .iter()
                .any(|x| (x.nodes, x.edges) == (f.nodes, f.edges))
            {
                merged.graph_footprints.push(f);
            }
        }
        for d in r.defects {
            if !merged.defects.iter().any(|x| x.id == d.id) {
                merged.defects.push(d);
            }
        }
        // Each shard starts the other pin sets' processes its own kernels
        // need: the run imported every set any shard did.
        for v in r.versions.pin_sets {
            if !merged.versions.pin_sets.iter().any(|x| x.pins == v.pins) {
                merged.versions.pin_sets.push(v);
            }
        }
        merged.locking_overhead.extend(r.locking_overhead);
        merged.latencies.extend(r.latencies);
        merged.problems.extend(r.problems);
        merged.concurrency = match (merged.concurrency.take(), r.concurrency) {
            (Some(mut a), Some(b)) => {
                a.records.extend(b.records);
                Some(a)
            }
            (a, b) => a.or(b),
        };
    }
    if let Some(ConcurrencyResults { records, .. }) = merged.concurrency.as_mut() {
        records.sort_by(|a, b| (a.component, &a.id).cmp(&(b.component, &b.id)));
    }
    // Each shard measured every other graph (run::measure_footprints):
    // back in the unsharded run's order.
    merged.graph_footprints.sort_by_key(|f| (f.nodes, f.edges));
    merged.locking_overhead.sort_by_key(|o| o.component);
    merged.locking_overhead.dedup_by_key(|o| o.component);
    crate::verdicts::attach(&mut merged);
    Ok(merged)
}
