//! The monitoring server's rule-driven alert correlation engine (catalog
//! ml_monitoring.md §6, `server/monitoring/alert_correlation_engine.py` at
//! 9455c19): each arriving alert is tried against the recently updated
//! groups with the applicable rules ([`strategies`]) and joins groups or
//! opens one (K6.1).
//!
//! The order of operations is the original's, quirks included:
//!
//! - resolved alerts and alerts tagged `test=true` are skipped;
//! - candidates are the groups in dict order that are neither suppressed
//!   nor resolved and were updated within the longest rule window (15
//!   minutes) of the clock;
//! - for each candidate, the rules by priority: the first rule that
//!   correlates with a confidence *above the best so far in this call* adds
//!   the alert to that group and ends that group's rules, so an alert joins
//!   every later group that beats the previous one;
//! - a group holding `suppress_after` alerts of the adding rule is
//!   suppressed;
//! - no group: a new one, keyed by `md5(f"{alert.id}_{now.isoformat()}")`,
//!   so a re-sent alert opening a group at the same instant as its first
//!   copy *replaces* that group in the dict (same key, same position);
//! - cleanup (groups older than 24 h) an hour after the last one, checked
//!   as each alert is processed, and when a new group takes the dict past
//!   1,000.
//!
//! The clock is injected: [`RuleEngine::process`] takes `now`.
//!
//! Memory: the twin analyses each alert once (the original redoes the text
//! work for every comparison) and keeps an analysis only while the alert is
//! in a group that can still be a candidate. The clock never goes back, so
//! a group idle past the longest window, suppressed, replaced or cleaned up
//! is never a candidate again: it is *retired* once, and an alert's
//! analysis is dropped when its last candidate-capable group retires.

pub mod strategies;

use std::collections::HashMap;

use super::Alert;
use crate::text::difflib::SequenceMatcher;
use strategies::{Analysis, LONGEST_WINDOW, Seen};

const HOUR: i64 = 3_600 * 1_000_000;

/// `cleanup_interval`, `max_groups`, and the age at which cleanup drops a
/// group.
const CLEANUP_INTERVAL: i64 = HOUR;
const MAX_GROUPS: usize = 1_000;
const GROUP_LIFETIME: i64 = 24 * HOUR;

/// One `AlertGroup`. Groups are named by their root alert's position in the
/// stream (an alert roots at most one group).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub root: usize,
    /// Positions of the correlated alerts, in the order they were added.
    pub correlated: Vec<usize>,
    /// Codes of the rules that added alerts, each once, first use first.
    pub rules: Vec<u8>,
    pub confidence: f64,
    pub created_at: i64,
    pub last_updated: i64,
    pub suppressed: bool,
    /// Still in the engine's dict (not cleaned up, not replaced).
    pub live: bool,
    /// The dict key's parts: the root alert's id and the creation instant.
    key: (u128, i64),
    /// Never a candidate again (see the module notes); its members'
    /// reference counts no longer include it.
    retired: bool,
}

/// The engine: every group it ever created, the live ones in dict order.
#[derive(Debug)]
pub struct RuleEngine<'a> {
    alerts: &'a [Alert],
    /// Alert `i`'s analysis while `holders[i] > 0`.
    analyses: Vec<Option<Box<Analysis>>>,
    /// How many unretired groups alert `i` is in (root or correlated).
    holders: Vec<u32>,
    groups: Vec<Group>,
    /// Indices into `groups`, in dict order.
    order: Vec<usize>,
    keys: HashMap<(u128, i64), usize>,
    last_cleanup: i64,
    matcher: SequenceMatcher<char>,
}

impl<'a> RuleEngine<'a> {
    /// An engine over the stream `alerts`, created at `now`.
    pub fn new(alerts: &'a [Alert], now: i64) -> Self {
        RuleEngine {
            alerts,
            analyses: vec![None; alerts.len()],
            holders: vec![0; alerts.len()],
            groups: Vec::new(),
            order: Vec::new(),
            keys: HashMap::new(),
            last_cleanup: now,
            matcher: SequenceMatcher::new(),
        }
    }

    /// Every group created so far, in creation order.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// `process_alert(alerts[i])` at `now`: the index (into
    /// [`RuleEngine::groups`]) of the group returned, `None` when skipped.
    pub fn process(&mut self, i: usize, now: i64) -> Option<usize> {
        let alerts = self.alerts;
        let alert = &alerts[i];
        let test = alert
            .tags
            .iter()
            .any(|(k, v)| k == "test" && crate::text::python_str::lower(v) == "true");
        if alert.resolved || test {
            return None;
        }
        if now - self.last_cleanup >= CLEANUP_INTERVAL {
            self.cleanup(now);
        }
        self.analyses[i] = Some(Box::new(Analysis::of(alert)));
        let mut candidates: Vec<usize> = Vec::new();
        for &g in &self.order {
            let group = &self.groups[g];
            if !group.suppressed && now - group.last_updated <= LONGEST_WINDOW {
                candidates.push(g);
            } else {
                retire(g, &mut self.groups, &mut self.holders, &mut self.analyses);
            }
        }
        let rules = strategies::applicable(alert);
        let (analyses, groups, matcher) = (&self.analyses, &mut self.groups, &mut self.matcher);
        let seen = |m: usize| {
            analyses[m].as_ref().map(|analysis| Seen {
                alert: &alerts[m],
                analysis,
            })
        };
        let new = seen(i)?;
        let mut best: Option<usize> = None;
        let mut best_confidence = 0.0;
        let mut members: Vec<Seen<'_>> = Vec::new();
        for g in candidates {
            let group = &mut groups[g];
            members.clear();
            members.extend(
                std::iter::once(group.root)
                    .chain(group.correlated.iter().copied())
                    .filter_map(seen),
            );
            for rule in &rules {
                let Some(confidence) =
                    strategies::apply(rule, new, &members, group.created_at, matcher)
                else {
                    continue;
                };
                if confidence > best_confidence {
                    group.correlated.push(i);
                    self.holders[i] += 1;
                    if !group.rules.contains(&rule.code) {
                        group.rules.push(rule.code);
                    }
                    group.confidence = group.confidence.max(confidence);
                    group.last_updated = now;
                    if group.correlated.len() + 1 >= rule.suppress_after {
                        group.suppressed = true;
                    }
                    best = Some(g);
                    best_confidence = confidence;
                    break;
                }
            }
        }
        let returned = best.unwrap_or_else(|| self.open_group(i, now));
        if self.holders[i] == 0 {
            self.analyses[i] = None;
        }
        Some(returned)
    }

    /// `_create_new_group`: a group rooted at alert `i`, entered in the
    /// dict under its key (replacing a group with the same key in place).
    fn open_group(&mut self, i: usize, now: i64) -> usize {
        let key = (self.alerts[i].id, now);
        let g = self.groups.len();
        self.groups.push(Group {
            root: i,
            correlated: Vec::new(),
            rules: Vec::new(),
            confidence: 0.0,
            created_at: now,
            last_updated: now,
            suppressed: false,
            live: true,
            key,
            retired: false,
        });
        self.holders[i] += 1;
        match self.keys.insert(key, g) {
            Some(old) => {
                self.groups[old].live = false;
                retire(old, &mut self.groups, &mut self.holders, &mut self.analyses);
                if let Some(slot) = self.order.iter_mut().find(|s| **s == old) {
                    *slot = g;
                }
            }
            None => self.order.push(g),
        }
        if self.order.len() > MAX_GROUPS {
            self.cleanup(now);
        }
        g
    }

    /// `_cleanup_old_groups`: drops groups created more than 24 hours ago
    /// (the original also drops resolved groups idle for an hour; nothing
    /// in `process_alert` resolves a group).
    fn cleanup(&mut self, now: i64) {
        let (groups, keys) = (&mut self.groups, &mut self.keys);
        let (holders, analyses) = (&mut self.holders, &mut self.analyses);
        self.order.retain(|&g| {
            let expired = now - groups[g].created_at > GROUP_LIFETIME;
            if expired {
                groups[g].live = false;
                keys.remove(&groups[g].key);
                retire(g, groups, holders, analyses);
            }
            !expired
        });
        self.last_cleanup = now;
    }
}

/// Retires group `g` (once): its members' hold on their analyses ends.
fn retire(
    g: usize,
    groups: &mut [Group],
    holders: &mut [u32],
    analyses: &mut [Option<Box<Analysis>>],
) {
    let group = &mut groups[g];
    if group.retired {
        return;
    }
    group.retired = true;
    for m in std::iter::once(group.root).chain(group.correlated.iter().copied()) {
        holders[m] -= 1;
        if holders[m] == 0 {
            analyses[m] = None;
        }
    }
}

/// The harness's stream: every alert through one engine in arrival order,
/// the clock at the latest `triggered_at` seen. Returns the group each
/// alert got (an index into the engine's groups) and the engine.
pub fn correlate_stream(alerts: &[Alert]) -> (Vec<Option<usize>>, Vec<Group>) {
    let Some(first) = alerts.first() else {
        return (Vec::new(), Vec::new());
    };
    let mut now = first.triggered_at;
    let mut engine = RuleEngine::new(alerts, now);
    let mut outcomes = Vec::with_capacity(alerts.len());
    for (i, alert) in alerts.iter().enumerate() {
        now = now.max(alert.triggered_at);
        outcomes.push(engine.process(i, now));
    }
    (outcomes, engine.groups)
}
