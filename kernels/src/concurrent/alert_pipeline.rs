//! The alert pipeline's shared state: the threshold engine's rule registry
//! and the alert correlator's correlation store (catalog ml_monitoring.md
//! §9 and §8, "Concurrency").
//!
//! In the original both live in plain dicts on one asyncio event loop, so
//! a coroutine's steps are atomic *between* awaits and two races follow
//! from where the awaits are (bug zoo `ML9.rules-iteration`,
//! `ML8.mapping-await`):
//!
//! - the evaluation loop iterates `self.alert_rules.values()` and awaits
//!   inside the loop body (cache writes, notification dispatch), so an
//!   `add_rule` / `remove_rule` coroutine can change the dict's size
//!   mid-iteration: the `for` statement raises "dictionary changed size
//!   during iteration", outside the per-rule `try`, and the loop's outer
//!   `except` abandons the rest of the pass;
//! - `_process_correlation_result` writes the alert → correlation mappings,
//!   *then* awaits the cache write, *then* runs the callbacks, so two
//!   correlations stored in one order can reach the subscribers in the
//!   other, and a subscriber ends up mapping an alert to the correlation
//!   the store has already replaced.
//!
//! Here a pass walks a snapshot of the rules (an `Arc` taken under the
//! lock; add and remove swap in a new one), and every stored correlation
//! carries a sequence number drawn under the same lock as its mapping
//! writes, which subscribers use to keep the newer of two mappings
//! whatever order they are told in. The callbacks (and any await) stay
//! outside the lock, as in the original.
//!
//! # Invariants (asserted by the model checks)
//! - **every-rule-evaluated-once-per-pass**: a pass evaluates each rule
//!   registered for the whole pass exactly once, and never a rule twice;
//!   rules added or removed during a pass are evaluated at most once.
//! - **subscriber-agrees-with-store**: once every stored correlation has
//!   been delivered, in any order, a [`CorrelationView`] maps each alert to
//!   the same correlation as the store.

use std::collections::HashMap;
use std::fmt;

use super::sync::{Arc, Mutex};

/// A rule's key in the registry (`rule.id`).
pub type RuleId = u64;
/// An alert's id.
pub type AlertId = u64;
/// A correlation's id.
pub type CorrelationId = u64;

/// Errors of the pipeline's logic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PipelineError {
    #[error("rule {0} is already registered; remove it first or use another id")]
    DuplicateRule(RuleId),
    #[error("no rule {0} to remove")]
    NoSuchRule(RuleId),
}

/// The rules in registration order (the dict's order), unsynchronised.
#[derive(Debug, Clone)]
pub struct RuleBookCore<R> {
    rules: Vec<(RuleId, R)>,
}

impl<R> Default for RuleBookCore<R> {
    fn default() -> Self {
        Self { rules: Vec::new() }
    }
}

impl<R> RuleBookCore<R> {
    pub fn new() -> Self {
        Self::default()
    }

    /// `add_rule`: appended at the end of the order.
    pub fn add(&mut self, id: RuleId, rule: R) -> Result<(), PipelineError> {
        if self.rules.iter().any(|(r, _)| *r == id) {
            return Err(PipelineError::DuplicateRule(id));
        }
        self.rules.push((id, rule));
        Ok(())
    }

    /// `remove_rule`: the rule, the others keeping their order.
    pub fn remove(&mut self, id: RuleId) -> Result<R, PipelineError> {
        let at = self
            .rules
            .iter()
            .position(|(r, _)| *r == id)
            .ok_or(PipelineError::NoSuchRule(id))?;
        Ok(self.rules.remove(at).1)
    }

    /// One evaluation pass: every rule, in order.
    pub fn pass(&self, mut evaluate: impl FnMut(RuleId, &R)) {
        for (id, rule) in &self.rules {
            evaluate(*id, rule);
        }
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// The shared rule registry: a handle; clones share one registry.
pub struct RuleBook<R> {
    /// The current rules; replaced, never mutated in place, so a pass
    /// holding an older `Arc` walks a registry no one changes.
    rules: Arc<Mutex<Arc<RuleBookCore<R>>>>,
}

impl<R> Clone for RuleBook<R> {
    fn clone(&self) -> Self {
        Self {
            rules: Arc::clone(&self.rules),
        }
    }
}

impl<R> Default for RuleBook<R> {
    fn default() -> Self {
        Self {
            rules: Arc::new(Mutex::new(Arc::new(RuleBookCore::new()))),
        }
    }
}

impl<R: Clone> RuleBook<R> {
    pub fn new() -> Self {
        Self::default()
    }

    /// `add_rule`, safe during a pass (the pass keeps its snapshot).
    pub fn add(&self, id: RuleId, rule: R) -> Result<(), PipelineError> {
        let mut current = self.rules.lock();
        let mut next = RuleBookCore::clone(&current);
        next.add(id, rule)?;
        *current = Arc::new(next);
        Ok(())
    }

    /// `remove_rule`, safe during a pass.
    pub fn remove(&self, id: RuleId) -> Result<R, PipelineError> {
        let mut current = self.rules.lock();
        let mut next = RuleBookCore::clone(&current);
        let removed = next.remove(id)?;
        *current = Arc::new(next);
        Ok(removed)
    }

    /// One evaluation pass over the rules registered when it starts; the
    /// lock is not held while `evaluate` runs (it may block or await).
    pub fn pass(&self, evaluate: impl FnMut(RuleId, &R)) {
        let snapshot = Arc::clone(&*self.rules.lock());
        snapshot.pass(evaluate);
    }

    pub fn ids(&self) -> Vec<RuleId> {
        let snapshot = Arc::clone(&*self.rules.lock());
        snapshot.rules.iter().map(|(id, _)| *id).collect()
    }
}

impl<R> fmt::Debug for RuleBook<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleBook")
            .field("rules", &self.rules.lock().len())
            .finish()
    }
}

/// A stored correlation as subscribers are told of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Draw order of the mapping writes: a later store has a larger number.
    pub sequence: u64,
    pub correlation: CorrelationId,
    pub members: Vec<AlertId>,
}

/// The correlator's state, unsynchronised: the stored correlations and
/// which one each alert id maps to. A later correlation overwrites its
/// members' mappings and the older one stays stored, orphaned, as in the
/// original (`active_correlations` is never pruned by a mapping change).
#[derive(Debug, Clone, Default)]
pub struct CorrelationStoreCore {
    by_alert: HashMap<AlertId, CorrelationId>,
    active: HashMap<CorrelationId, Vec<AlertId>>,
    next_sequence: u64,
}

impl CorrelationStoreCore {
    pub fn new() -> Self {
        Self::default()
    }

    /// The stored correlation `alert` maps to (`correlate_alert`'s first
    /// step: a re-sent alert gets it back).
    pub fn lookup(&self, alert: AlertId) -> Option<CorrelationId> {
        self.by_alert.get(&alert).copied()
    }

    /// `_process_correlation_result`'s writes: the correlation stored, each
    /// member mapped to it; the sequence number for its publication.
    pub fn store(&mut self, correlation: CorrelationId, members: Vec<AlertId>) -> Published {
        for &alert in &members {
            self.by_alert.insert(alert, correlation);
        }
        self.active.insert(correlation, members.clone());
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        Published {
            sequence,
            correlation,
            members,
        }
    }

    /// Every alert's mapping.
    pub fn mapping(&self) -> &HashMap<AlertId, CorrelationId> {
        &self.by_alert
    }

    /// Stored correlations, orphaned ones included.
    pub fn stored(&self) -> usize {
        self.active.len()
    }
}

/// The shared correlation store: a handle; clones share one store.
#[derive(Clone, Default)]
pub struct CorrelationStore {
    core: Arc<Mutex<CorrelationStoreCore>>,
}

impl CorrelationStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn lookup(&self, alert: AlertId) -> Option<CorrelationId> {
        self.core.lock().lookup(alert)
    }

    /// Stores a correlation; the mapping writes and the sequence number are
    /// one critical section. Publish the result to subscribers afterwards,
    /// outside any lock (after the cache write, as the original does).
    pub fn store(&self, correlation: CorrelationId, members: Vec<AlertId>) -> Published {
        self.core.lock().store(correlation, members)
    }

    /// A consistent copy of every alert's mapping.
    pub fn mapping(&self) -> HashMap<AlertId, CorrelationId> {
        self.core.lock().mapping().clone()
    }
}

impl fmt::Debug for CorrelationStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let core = self.core.lock();
        f.debug_struct("CorrelationStore")
            .field("mapped", &core.by_alert.len())
            .field("stored", &core.stored())
            .finish()
    }
}

/// A subscriber's replica of the mapping, built from publications in
/// whatever order they arrive: each alert keeps the mapping with the
/// highest sequence number seen.
#[derive(Debug, Clone, Default)]
pub struct CorrelationView {
    by_alert: HashMap<AlertId, (u64, CorrelationId)>,
}

impl CorrelationView {
    pub fn new() -> Self {
        Self::default()
    }

    /// A callback's delivery.
    pub fn apply(&mut self, published: &Published) {
        let newer = (published.sequence, published.correlation);
        for &alert in &published.members {
            self.by_alert
                .entry(alert)
                .and_modify(|slot| {
                    if newer.0 > slot.0 {
                        *slot = newer;
                    }
                })
                .or_insert(newer);
        }
    }

    /// The replica's mapping, comparable with [`CorrelationStore::mapping`].
    pub fn mapping(&self) -> HashMap<AlertId, CorrelationId> {
        self.by_alert
            .iter()
            .map(|(&alert, &(_, correlation))| (alert, correlation))
            .collect()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;

    #[test]
    fn a_pass_keeps_its_snapshot_while_rules_change() {
        let book = RuleBook::new();
        for id in 0..3 {
            assert_eq!(book.add(id, id * 10), Ok(()));
        }
        let mut seen = Vec::new();
        book.pass(|id, &rule| {
            seen.push((id, rule));
            if id == 0 {
                // What an add/remove coroutine does at the loop's await.
                assert_eq!(book.add(7, 70), Ok(()));
                assert_eq!(book.remove(2), Ok(20));
            }
        });
        assert_eq!(seen, vec![(0, 0), (1, 10), (2, 20)]);
        assert_eq!(book.ids(), vec![0, 1, 7]);
        assert_eq!(book.add(1, 0), Err(PipelineError::DuplicateRule(1)));
        assert_eq!(book.remove(9), Err(PipelineError::NoSuchRule(9)));
    }

    #[test]
    fn a_view_agrees_with_the_store_whatever_the_delivery_order() {
        let store = CorrelationStore::new();
        let first = store.store(100, vec![1, 2]);
        let second = store.store(200, vec![2, 3]);
        assert_eq!(store.lookup(2), Some(200));
        let mut view = CorrelationView::new();
        view.apply(&second);
        view.apply(&first);
        assert_eq!(view.mapping(), store.mapping());
        assert_eq!(store.core.lock().stored(), 2);
    }
}
