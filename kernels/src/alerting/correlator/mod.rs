//! The dashboard's alert correlator (catalog ml_monitoring.md §8,
//! `server/dashboard/alert_correlator.py` at 9455c19): four strategies
//! score a new alert against the existing ones ([`temporal`], [`spatial`],
//! [`semantic`], [`metric_pattern`]); the strictly best score wins and is
//! kept when significant ([`AlertCorrelator::correlate_alert`], K8.5).
//!
//! Every strategy averages over the *set* of alert ids it matched plus the
//! new alert's (the original's quirk: the divisor counts the new alert, and
//! a duplicated id counts once while its score counts twice). Scores are
//! the original's float operations in the original's order, so they agree
//! bit for bit except where the original sums in hash order (metric
//! pattern).

pub mod metric_pattern;
pub mod semantic;
pub mod spatial;
pub mod temporal;

use std::collections::BTreeMap;

use super::Alert;

/// The strategies in the default rule order (which breaks score ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Temporal,
    Spatial,
    Semantic,
    MetricPattern,
}

impl Strategy {
    /// The harness's code (`STRATEGY_CODES` in the baseline).
    pub fn code(self) -> u8 {
        match self {
            Strategy::Temporal => 0,
            Strategy::Spatial => 1,
            Strategy::Semantic => 2,
            Strategy::MetricPattern => 3,
        }
    }
}

/// `CorrelationConfidence`, ordered from lowest to highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    VeryLow,
    Low,
    Medium,
    High,
    VeryHigh,
}

impl Confidence {
    /// The bucketing all four correlators share; NaN is `VeryLow`.
    pub fn of(score: f64) -> Self {
        if score >= 0.9 {
            Confidence::VeryHigh
        } else if score >= 0.7 {
            Confidence::High
        } else if score >= 0.5 {
            Confidence::Medium
        } else if score >= 0.3 {
            Confidence::Low
        } else {
            Confidence::VeryLow
        }
    }

    /// The harness's code (`CONFIDENCE_CODES` in the baseline).
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// One matched existing alert's contribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Factor {
    /// Index into the existing alerts.
    pub alert: usize,
    /// What the strategy sums: time score, match score, similarity.
    pub score: f64,
    /// Strategy detail: the time offset (temporal), the title and
    /// description similarities (semantic); zero otherwise.
    pub detail: [f64; 2],
}

/// A strategy's result (`CorrelationResult` without its uuid and clock).
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub strategy: Strategy,
    /// The matched alerts' ids and the new alert's, distinct, sorted.
    pub alert_ids: Vec<u128>,
    pub confidence: Confidence,
    pub confidence_score: f64,
    /// One per match, in the existing alerts' order.
    pub factors: Vec<Factor>,
}

impl Correlation {
    /// From a strategy's matches: `score` turns the average over the id
    /// set into the confidence score.
    fn from_factors(
        strategy: Strategy,
        new: &Alert,
        existing: &[Alert],
        factors: Vec<Factor>,
        score: impl Fn(f64) -> f64,
    ) -> Option<Self> {
        if factors.is_empty() {
            return None;
        }
        let mut alert_ids: Vec<u128> = factors.iter().map(|f| existing[f.alert].id).collect();
        alert_ids.push(new.id);
        alert_ids.sort_unstable();
        alert_ids.dedup();
        // Python's sum(): left to right from 0.
        let total = factors.iter().fold(0.0, |sum, f| sum + f.score);
        let confidence_score = score(total / alert_ids.len() as f64);
        Some(Correlation {
            strategy,
            alert_ids,
            confidence: Confidence::of(confidence_score),
            confidence_score,
            factors,
        })
    }

    /// `_is_significant`: two alerts or more, HIGH or VERY_HIGH.
    pub fn is_significant(&self) -> bool {
        self.alert_ids.len() >= 2 && self.confidence >= Confidence::High
    }

    /// What a caller sees of it.
    pub fn outcome(&self) -> Outcome {
        Outcome {
            strategy: self.strategy,
            members: self.alert_ids.len(),
            confidence: self.confidence,
            confidence_score: self.confidence_score,
        }
    }
}

/// Python's `min(1.0, x)`: `x` only if `x < 1.0` (so NaN gives 1.0).
#[inline]
pub(crate) fn python_min_one(x: f64) -> f64 {
    if x < 1.0 { x } else { 1.0 }
}

/// A significant correlation as `correlate_alert` returns it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub strategy: Strategy,
    pub members: usize,
    pub confidence: Confidence,
    pub confidence_score: f64,
}

/// `AlertCorrelator` with the default rules and no cache manager or
/// callbacks: the significant correlations it keeps, and which one each
/// alert id maps to (a later correlation overwrites an id's mapping; the
/// older one stays stored, orphaned, as in the original). An ordered map,
/// not a hashed one: no per-process random state, so the instruction
/// counts of a call are the same on every run.
#[derive(Debug, Default)]
pub struct AlertCorrelator {
    correlations: Vec<Correlation>,
    by_alert: BTreeMap<u128, usize>,
    vocabulary: semantic::Vocabulary,
    /// Scratch for [`Self::analyze`].
    normalised: Vec<u8>,
    text: semantic::Scratch,
}

impl AlertCorrelator {
    pub fn new() -> Self {
        Self::default()
    }

    /// What the semantic strategy needs of `alert`, computed once when it
    /// arrives and kept beside it for as long as it is in the window (the
    /// original recomputes it for every pair; see [`semantic`]).
    pub fn analyze(&mut self, alert: &Alert) -> semantic::AlertText {
        semantic::AlertText::new(alert, &mut self.vocabulary, &mut self.normalised)
    }

    /// K8.5 `correlate_alert`: the stored correlation if the new alert's
    /// id is mapped to one; else the strictly best-scoring strategy
    /// (temporal, spatial, semantic, metric pattern: ties keep the
    /// earlier), stored and returned only if significant.
    /// `existing_text[i]` is [`Self::analyze`] of `existing[i]`, from this
    /// correlator (word ids are its own).
    pub fn correlate_alert(
        &mut self,
        new: &Alert,
        new_text: &semantic::AlertText,
        existing: &[Alert],
        existing_text: &[semantic::AlertText],
    ) -> Option<Outcome> {
        if let Some(&stored) = self.by_alert.get(&new.id) {
            return Some(self.correlations[stored].outcome());
        }
        let candidates = [
            temporal::correlate(new, existing),
            spatial::correlate(new, existing),
            semantic::correlate(new, new_text, existing, existing_text, &mut self.text),
            metric_pattern::correlate(new, existing),
        ];
        let mut best: Option<Correlation> = None;
        for found in candidates.into_iter().flatten() {
            if best
                .as_ref()
                .is_none_or(|b| found.confidence_score > b.confidence_score)
            {
                best = Some(found);
            }
        }
        let best = best.filter(Correlation::is_significant)?;
        let outcome = best.outcome();
        let index = self.correlations.len();
        for &id in &best.alert_ids {
            self.by_alert.insert(id, index);
        }
        self.correlations.push(best);
        Some(outcome)
    }
}

/// Alerts `existing..` correlated in turn through one correlator, each
/// against the `existing` alerts just before it (a sliding window of active
/// alerts). Each alert is analysed once, when it arrives: the window's
/// first alerts when the stream is created, every later one inside the
/// [`Iterator::next`] call that correlates it.
#[derive(Debug)]
pub struct SlidingWindow<'a> {
    alerts: &'a [Alert],
    existing: usize,
    next: usize,
    correlator: AlertCorrelator,
    texts: Vec<semantic::AlertText>,
}

impl<'a> SlidingWindow<'a> {
    pub fn new(alerts: &'a [Alert], existing: usize) -> Self {
        let mut correlator = AlertCorrelator::new();
        let existing = existing.min(alerts.len());
        // Room for every alert of the stream up front: growing by doubling
        // at the first new alert would hold the old and the new buffer at
        // once (three times the window's analyses at the peak).
        let mut texts = Vec::with_capacity(alerts.len());
        texts.extend(alerts[..existing].iter().map(|a| correlator.analyze(a)));
        SlidingWindow {
            alerts,
            existing,
            next: existing,
            correlator,
            texts,
        }
    }
}

impl Iterator for SlidingWindow<'_> {
    /// The outcome of `correlate_alert` for the next alert.
    type Item = Option<Outcome>;

    fn next(&mut self) -> Option<Self::Item> {
        let i = self.next;
        let alert = self.alerts.get(i)?;
        let text = self.correlator.analyze(alert);
        let window = i - self.existing..i;
        let outcome = self.correlator.correlate_alert(
            alert,
            &text,
            &self.alerts[window.clone()],
            &self.texts[window],
        );
        self.texts.push(text);
        self.next += 1;
        Some(outcome)
    }
}

/// Every outcome of a [`SlidingWindow`].
pub fn correlate_stream(alerts: &[Alert], existing: usize) -> Vec<Option<Outcome>> {
    SlidingWindow::new(alerts, existing).collect()
}

#[cfg(test)]
pub(crate) mod test_alerts {
    use super::super::Alert;

    /// A plain alert at `seconds`, with id `id`.
    pub fn alert(id: u128, seconds: i64) -> Alert {
        Alert {
            id,
            triggered_at: seconds * 1_000_000,
            title: String::new(),
            description: String::new(),
            category: 0,
            severity: 0,
            source_host: None,
            source_component: None,
            tags: Vec::new(),
            metric_values: None,
            resolved: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_alerts::alert;
    use super::*;

    /// `correlate_alert` with every alert analysed on the spot.
    fn correlate(c: &mut AlertCorrelator, new: &Alert, existing: &[Alert]) -> Option<Outcome> {
        let new_text = c.analyze(new);
        let texts: Vec<_> = existing.iter().map(|a| c.analyze(a)).collect();
        c.correlate_alert(new, &new_text, existing, &texts)
    }

    #[test]
    fn confidence_buckets_and_nan() {
        assert_eq!(Confidence::of(0.9), Confidence::VeryHigh);
        assert_eq!(Confidence::of(0.7), Confidence::High);
        assert_eq!(Confidence::of(0.6999999999999999), Confidence::Medium);
        assert_eq!(Confidence::of(f64::NAN), Confidence::VeryLow);
        assert_eq!(python_min_one(f64::NAN), 1.0);
    }

    /// Two simultaneous alerts before the new one: temporal 1.2 × 2/3 =
    /// 0.8 (HIGH), kept; the category match (1.5/7 per alert) is weaker.
    /// A re-sent member then gets the stored correlation back.
    #[test]
    fn two_simultaneous_alerts_make_a_temporal_correlation_that_is_kept() {
        let existing = [alert(1, 100), alert(2, 100)];
        let mut correlator = AlertCorrelator::new();
        let out = correlate(&mut correlator, &alert(3, 100), &existing).expect("significant");
        assert_eq!(out.strategy, Strategy::Temporal);
        assert_eq!(out.members, 3);
        assert_eq!(out.confidence_score, (1.0 + 1.0) / 3.0 * 1.2);
        let again = correlate(&mut correlator, &alert(1, 5_000), &[]);
        assert_eq!(again, Some(out));
        // One earlier alert: 0.6, not significant.
        assert_eq!(
            correlate(&mut AlertCorrelator::new(), &alert(3, 100), &existing[..1]),
            None
        );
    }
}
