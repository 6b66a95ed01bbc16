//! Splitting one run over CI matrix jobs (`--shard i/n`) and merging the
//! shards' results back into one (`twinbench merge`).
//!
//! Shard `i` of `n` takes every `n`-th kernel of the scenario (and every
//! `n`-th concurrency check), starting at the `i`-th, so shards are balanced
//! by count and disjoint by construction. The merge refuses anything that
//! would make a wrong whole: a missing or repeated shard, or shards from
//! different scenarios, machines or commits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::concurrency::ConcurrencyResults;
use crate::results::Results;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Whether the item at 0-based `position` belongs to this shard.
    pub fn takes(&self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("expected a shard as i/n (e.g. 2/4), got {text:?}"))?;
        let parse = |s: &str| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("expected a shard as i/n with whole numbers, got {text:?}"))
        };
        let (index, count) = (parse(i)?, parse(n)?);
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {text:?}: need 1 <= i <= n"));
        }
        Ok(Shard { index, count })
    }
}

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
}

/// The first way in which `other` does not come from the same scenario,
/// results schema, machine and commit as `first`: (what, first's, other's).
pub(crate) fn origin_mismatch(
    first: &Results,
    other: &Results,
) -> Option<(&'static str, String, String)> {
    let machine = |r: &Results| format!("{} × {}", r.machine.cpu_model, r.machine.logical_cpus);
    let commit = |r: &Results| r.git.as_ref().map(|g| g.commit.clone()).unwrap_or_default();
    [
        (
            "scenario",
            first.scenario.path.clone(),
            other.scenario.path.clone(),
        ),
        (
            "schema version",
            first.schema_version.to_string(),
            other.schema_version.to_string(),
        ),
        ("machine", machine(first), machine(other)),
        ("commit", commit(first), commit(other)),
    ]
    .into_iter()
    .find(|(_, a, b)| a != b)
}

/// Combines every shard of one run into one result; verdicts and the claims
/// ledger are recomputed over the whole.
pub fn merge(mut shards: Vec<Results>) -> Result<Results, MergeError> {
    let first = shards.first().ok_or(MergeError::Empty)?;
    let count = first
        .shard
        .ok_or_else(|| MergeError::NotAShard(first.run_id.clone()))?
        .count;
    let mut seen = vec![false; count];
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
        if let Some((what, first, other)) = origin_mismatch(first, r) {
            return Err(MergeError::Mismatch { what, first, other });
        }
        let slot = &mut seen[shard.index - 1];
        if *slot {
            return Err(MergeError::Repeated {
                index: shard.index,
                count,
            });
        }
        *slot = true;
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(MergeError::Missing {
            index: missing + 1,
            count,
        });
    }
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
        merged.locking_overhead.extend(r.locking_overhead);
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
    merged.locking_overhead.sort_by_key(|o| o.component);
    merged.locking_overhead.dedup_by_key(|o| o.component);
    merged.verdicts = crate::ledger::verdicts(&merged);
    merged.claims = crate::ledger::ledger(&merged);
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_partitions() {
        let shards: Vec<Shard> = ["1/3", "2/3", "3/3"]
            .iter()
            .map(|s| s.parse().expect("shard"))
            .collect();
        for position in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.takes(position)).count(), 1);
        }
        for bad in ["0/3", "4/3", "1/0", "x/2", "2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
