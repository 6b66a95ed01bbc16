//! The rollout's decisions and closed periods as stored (JSON, one list
//! entry each): plain data with a schema version, converted exactly to and
//! from the kernel's types, so a reader never parses display strings.

use serde::{Deserialize, Serialize};
use twinbench_kernels::concurrent::rollout::{Action, Breach, Decision, HoldReason, PeriodStats};

/// The version of every record and of the state hash's layout.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsRecord {
    pub twin_calls: u64,
    pub twin_errors: u64,
    pub twin_ns: u64,
    pub original_calls: u64,
    pub original_ns: u64,
}

impl From<PeriodStats> for StatsRecord {
    fn from(s: PeriodStats) -> Self {
        Self {
            twin_calls: s.twin_calls,
            twin_errors: s.twin_errors,
            twin_ns: s.twin_ns,
            original_calls: s.original_calls,
            original_ns: s.original_ns,
        }
    }
}

impl From<StatsRecord> for PeriodStats {
    fn from(s: StatsRecord) -> Self {
        Self {
            twin_calls: s.twin_calls,
            twin_errors: s.twin_errors,
            twin_ns: s.twin_ns,
            original_calls: s.original_calls,
            original_ns: s.original_ns,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldRecord {
    TooFewTwinCalls,
    NoOriginalCalls,
    AtFull,
    RolledBack,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachRecord {
    ErrorRate,
    Performance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ActionRecord {
    Promoted { from: u8, to: u8 },
    Held { reason: HoldRecord },
    RolledBack { from: u8, breach: BreachRecord },
}

/// One entry of the decision log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub v: u32,
    pub period: u64,
    #[serde(flatten)]
    pub action: ActionRecord,
    pub stats: StatsRecord,
}

/// One closed period's final counters: every sample counted is in exactly
/// one of these or in the open period's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodRecord {
    pub v: u32,
    pub period: u64,
    pub stats: StatsRecord,
}

impl From<Decision> for DecisionRecord {
    fn from(d: Decision) -> Self {
        let action = match d.action {
            Action::Promoted { from, to } => ActionRecord::Promoted { from, to },
            Action::Held(reason) => ActionRecord::Held {
                reason: match reason {
                    HoldReason::TooFewTwinCalls => HoldRecord::TooFewTwinCalls,
                    HoldReason::NoOriginalCalls => HoldRecord::NoOriginalCalls,
                    HoldReason::AtFull => HoldRecord::AtFull,
                    HoldReason::RolledBack => HoldRecord::RolledBack,
                },
            },
            Action::RolledBack { from, breach } => ActionRecord::RolledBack {
                from,
                breach: match breach {
                    Breach::ErrorRate => BreachRecord::ErrorRate,
                    Breach::Performance => BreachRecord::Performance,
                },
            },
        };
        Self {
            v: SCHEMA_VERSION,
            period: d.period,
            action,
            stats: d.stats.into(),
        }
    }
}

impl From<DecisionRecord> for Decision {
    fn from(r: DecisionRecord) -> Self {
        let action = match r.action {
            ActionRecord::Promoted { from, to } => Action::Promoted { from, to },
            ActionRecord::Held { reason } => Action::Held(match reason {
                HoldRecord::TooFewTwinCalls => HoldReason::TooFewTwinCalls,
                HoldRecord::NoOriginalCalls => HoldReason::NoOriginalCalls,
                HoldRecord::AtFull => HoldReason::AtFull,
                HoldRecord::RolledBack => HoldReason::RolledBack,
            }),
            ActionRecord::RolledBack { from, breach } => Action::RolledBack {
                from,
                breach: match breach {
                    BreachRecord::ErrorRate => Breach::ErrorRate,
                    BreachRecord::Performance => Breach::Performance,
                },
            },
        };
        Decision {
            period: r.period,
            action,
            stats: r.stats.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_json() {
        let stats = PeriodStats {
            twin_calls: 3,
            twin_errors: 1,
            twin_ns: 30,
            original_calls: 2,
            original_ns: 200,
        };
        let actions = [
            Action::Promoted { from: 5, to: 15 },
            Action::Held(HoldReason::TooFewTwinCalls),
            Action::Held(HoldReason::NoOriginalCalls),
            Action::Held(HoldReason::AtFull),
            Action::Held(HoldReason::RolledBack),
            Action::RolledBack {
                from: 15,
                breach: Breach::ErrorRate,
            },
            Action::RolledBack {
                from: 25,
                breach: Breach::Performance,
            },
        ];
        for action in actions {
            let d = Decision {
                period: 9,
                action,
                stats,
            };
            let json = serde_json::to_string(&DecisionRecord::from(d)).expect("serialises");
            let back: DecisionRecord = serde_json::from_str(&json).expect("parses");
            assert_eq!(Decision::from(back), d, "{json}");
        }
    }
}
