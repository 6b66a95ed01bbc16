//! The alert pipeline's two event-loop races (catalog ml_monitoring.md §9
//! and §8, "Concurrency"), ported with a lock per dict access: each access
//! is one atomic step, as between two awaits on one event loop; the
//! sequence of steps is not.
//!
//! - `ML9.rules-iteration` — `AlertEngine._evaluation_loop` iterates
//!   `self.alert_rules.values()` and awaits inside the body; `add_rule` /
//!   `remove_rule` running at that await change the dict's size, the next
//!   step of the `for` raises "dictionary changed size during iteration"
//!   (outside the per-rule `try`) and the outer `except` abandons the pass:
//!   the rules after that point are not evaluated until the next pass, 30 s
//!   later.
//! - `ML8.mapping-await` — `AlertCorrelator._process_correlation_result`
//!   writes the member → correlation mappings, awaits the cache write, then
//!   runs the callbacks: two correlations stored in one order can reach the
//!   subscribers in the other, and a subscriber keeps the mapping the store
//!   has replaced.

use std::collections::HashMap;

use super::super::alert_pipeline::{AlertId, CorrelationId, RuleId};
use super::super::sync::{Arc, Mutex, thread};

/// Why a pass stopped early: the `RuntimeError` the `for` raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DictChangedSize;

/// The rules dict, iterated the way a Python dict iterator does: by
/// position, checking the size it started with at every step.
#[derive(Debug)]
pub struct IteratedRules<R> {
    rules: Mutex<Vec<(RuleId, R)>>,
}

impl<R: Clone> IteratedRules<R> {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            rules: Mutex::new(Vec::new()),
        })
    }

    /// `self.alert_rules[rule.id] = rule` (no duplicate check, as a dict).
    pub fn add_rule(&self, id: RuleId, rule: R) {
        let mut rules = self.rules.lock();
        match rules.iter_mut().find(|(r, _)| *r == id) {
            Some(slot) => slot.1 = rule,
            None => rules.push((id, rule)),
        }
    }

    /// `del self.alert_rules[rule_id]`.
    pub fn remove_rule(&self, id: RuleId) {
        self.rules.lock().retain(|(r, _)| *r != id);
    }

    /// `for rule in self.alert_rules.values(): … await …`: each step reads
    /// one entry; `evaluate` runs between steps (the await).
    pub fn evaluation_pass(
        &self,
        mut evaluate: impl FnMut(RuleId, &R),
    ) -> Result<(), DictChangedSize> {
        let size = self.rules.lock().len();
        let mut position = 0;
        loop {
            let next = {
                let rules = self.rules.lock();
                if rules.len() != size {
                    return Err(DictChangedSize);
                }
                rules.get(position).cloned()
            };
            let Some((id, rule)) = next else {
                return Ok(());
            };
            evaluate(id, &rule);
            position += 1;
        }
    }

    pub fn ids(&self) -> Vec<RuleId> {
        self.rules.lock().iter().map(|(id, _)| *id).collect()
    }
}

/// The correlator's mappings and one subscriber's replica of them, kept
/// from the callbacks in delivery order.
#[derive(Debug, Default)]
pub struct AwaitingCorrelator {
    alert_to_correlation: Mutex<HashMap<AlertId, CorrelationId>>,
    subscriber: Mutex<HashMap<AlertId, CorrelationId>>,
}

impl AwaitingCorrelator {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// `_process_correlation_result`: the mapping writes, the cache
    /// write's await, the callback.
    pub fn process_correlation_result(&self, correlation: CorrelationId, members: &[AlertId]) {
        {
            let mut mapping = self.alert_to_correlation.lock();
            for &alert in members {
                mapping.insert(alert, correlation);
            }
        }
        // `await self.cache_manager.set(...)`: other coroutines run here.
        thread::yield_now();
        let mut subscriber = self.subscriber.lock();
        for &alert in members {
            subscriber.insert(alert, correlation);
        }
    }

    pub fn mapping(&self) -> HashMap<AlertId, CorrelationId> {
        self.alert_to_correlation.lock().clone()
    }

    pub fn subscriber(&self) -> HashMap<AlertId, CorrelationId> {
        self.subscriber.lock().clone()
    }
}
