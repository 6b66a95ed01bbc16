//! Gradual-rollout controller: threads reporting at a period boundary close
//! it once, promote by one step, and a rollback racing a promotion sticks;
//! the naive controller does neither.

use super::super::SCALE;
use super::super::bug_zoo::rollout::NaiveRollout;
use super::super::clock::ManualClock;
use super::super::rollout::{Action, Breach, Policy, Rollout, RolloutCore, Sample};
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const PERCENT_IN_RANGE: &str = "percent-in-range";
const ONE_DECISION_PER_PERIOD: &str = "one-decision-per-period";
const PROMOTION_BY_RULE: &str = "promotion-by-rule";
const ROLLBACK_STICKS: &str = "rollback-sticks";
const SAMPLES_COUNTED_ONCE: &str = "samples-counted-once";

/// Period length of the cases, in the manual clock's milliseconds.
const PERIOD: u64 = 10;

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "rollout.boundary_reports",
            component: Component::Rollout,
            subject: Subject::Fixed,
            operations: "after a healthy period ends, workers report samples and tick at once \
                         (each may be the one to close it)",
            invariants: &[
                PERCENT_IN_RANGE,
                ONE_DECISION_PER_PERIOD,
                PROMOTION_BY_RULE,
                SAMPLES_COUNTED_ONCE,
            ],
            checkers: &Checker::ALL,
            body: boundary_reports,
        },
        CheckCase {
            id: "rollout.rollback_races_promotion",
            component: Component::Rollout,
            subject: Subject::Fixed,
            operations: "after a healthy period ends, one thread ticks (promotion) while \
                         others report failed twin calls (rollback)",
            invariants: &[PERCENT_IN_RANGE, ONE_DECISION_PER_PERIOD, ROLLBACK_STICKS],
            checkers: &Checker::ALL,
            body: rollback_races_promotion,
        },
        CheckCase {
            id: "zoo.RO.double-promotion",
            component: Component::Rollout,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "RO.double-promotion",
                breaks: ONE_DECISION_PER_PERIOD,
            }),
            operations: "two request threads notice the period ended and both evaluate it",
            invariants: &[ONE_DECISION_PER_PERIOD],
            checkers: &Checker::ALL,
            body: zoo_double_promotion,
        },
        CheckCase {
            id: "zoo.RO.lost-rollback",
            component: Component::Rollout,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "RO.lost-rollback",
                breaks: ROLLBACK_STICKS,
            }),
            operations: "one thread promotes at the period's end while another reports a failed \
                         twin call and rolls back",
            invariants: &[ROLLBACK_STICKS],
            checkers: &Checker::ALL,
            body: zoo_lost_rollback,
        },
    ]
}

/// Seed 000's rule with one twin call enough to judge a period (the cases
/// report a handful of calls, not a day's traffic).
fn policy() -> Policy {
    Policy::new(5, 10, PERIOD, 900, 10_000, 1).expect("a valid policy")
}

/// A rollout whose first period saw one healthy twin call and one original
/// call, with the clock moved past that period's end: the next report
/// or tick closes it, promoting 5 → 15.
fn after_healthy_period() -> (Rollout<Arc<ManualClock>>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(0));
    let rollout = Rollout::new(policy(), Arc::clone(&clock));
    rollout.record(Sample::Twin {
        ns: 10,
        error: false,
    });
    rollout.record(Sample::Original { ns: 100 });
    clock.advance(PERIOD);
    (rollout, clock)
}

/// The checks every final state must pass: the percentage is in range,
/// reachable and mirrored; the log names each period once, in order.
fn check_state(rollout: &Rollout<Arc<ManualClock>>, core: &RolloutCore) {
    let percent = core.percent();
    ensure(
        percent <= 100 && core.policy().reachable(percent),
        PERCENT_IN_RANGE,
        || format!("percentage {percent}"),
    );
    ensure(rollout.percent() == percent, PERCENT_IN_RANGE, || {
        format!(
            "routing reads {} but the rollout is at {percent}",
            rollout.percent()
        )
    });
    let periods: Vec<u64> = core.decisions().iter().map(|d| d.period).collect();
    ensure(
        periods.windows(2).all(|w| w[0] < w[1]),
        ONE_DECISION_PER_PERIOD,
        || format!("decided periods {periods:?}"),
    );
}

/// Workers each report `ops` samples (and tick) right after period 0 ended:
/// period 0 is decided once, as a promotion by one step, and every sample is
/// counted in period 1.
fn boundary_reports() {
    let (rollout, _clock) = after_healthy_period();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|w| {
            let rollout = rollout.clone();
            thread::spawn(move || {
                for op in 0..SCALE.ops_per_thread {
                    if (w + op) % 2 == 0 {
                        rollout.record(Sample::Twin {
                            ns: 10,
                            error: false,
                        });
                    } else {
                        rollout.record(Sample::Original { ns: 100 });
                    }
                    rollout.tick();
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let core = rollout.snapshot();
    check_state(&rollout, &core);
    let actions: Vec<Action> = core.decisions().iter().map(|d| d.action).collect();
    ensure(
        actions == [Action::Promoted { from: 5, to: 15 }] && core.percent() == 15,
        PROMOTION_BY_RULE,
        || {
            format!(
                "one healthy period gave {actions:?}, now at {}%",
                core.percent()
            )
        },
    );
    let (period, stats) = core.open_period();
    let reported = (SCALE.threads * SCALE.ops_per_thread) as u64;
    ensure(
        period == 1 && stats.samples() == reported,
        SAMPLES_COUNTED_ONCE,
        || format!("{reported} samples reported in period 1, counted {stats:?} in period {period}"),
    );
}

/// One thread ticks (closing period 0: promotion to 15) while the others
/// report a failed twin call each (in period 1: with one call enough to
/// judge, the first is a 100% error rate, an immediate rollback). Whatever
/// the order, the rollout ends rolled back at 0, decided once per period.
fn rollback_races_promotion() {
    let (rollout, _clock) = after_healthy_period();
    let ticker = {
        let rollout = rollout.clone();
        thread::spawn(move || {
            rollout.tick();
        })
    };
    let reporters: Vec<_> = (0..SCALE.threads.saturating_sub(1).max(1))
        .map(|_| {
            let rollout = rollout.clone();
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    rollout.record(Sample::Twin {
                        ns: 10,
                        error: true,
                    });
                }
            })
        })
        .collect();
    let _ = ticker.join();
    for reporter in reporters {
        let _ = reporter.join();
    }
    let core = rollout.snapshot();
    check_state(&rollout, &core);
    let actions: Vec<Action> = core.decisions().iter().map(|d| d.action).collect();
    ensure(
        core.is_rolled_back()
            && core.percent() == 0
            && rollout.percent() == 0
            && actions
                == [
                    Action::Promoted { from: 5, to: 15 },
                    Action::RolledBack {
                        from: 15,
                        breach: Breach::ErrorRate,
                    },
                ],
        ROLLBACK_STICKS,
        || {
            format!(
                "rolled back: {}, at {}% (routing {}%), decisions {actions:?}",
                core.is_rolled_back(),
                core.percent(),
                rollout.percent()
            )
        },
    );
}

/// Two threads close period 0 of the naive controller.
fn zoo_double_promotion() {
    let rollout = NaiveRollout::new(5);
    rollout.record(Sample::Twin {
        ns: 10,
        error: false,
    });
    let closers: Vec<_> = (0..2)
        .map(|_| {
            let rollout = Arc::clone(&rollout);
            thread::spawn(move || rollout.close_period(0))
        })
        .collect();
    for closer in closers {
        let _ = closer.join();
    }
    let log = rollout.log();
    ensure(log.len() == 1, ONE_DECISION_PER_PERIOD, || {
        format!(
            "period 0 decided {} times: {log:?}, now at {}%",
            log.len(),
            rollout.percent()
        )
    });
}

/// The naive controller closes period 0 (promotion) while a failed twin call
/// rolls it back.
fn zoo_lost_rollback() {
    let rollout = NaiveRollout::new(5);
    rollout.record(Sample::Twin {
        ns: 10,
        error: false,
    });
    let closer = {
        let rollout = Arc::clone(&rollout);
        thread::spawn(move || rollout.close_period(0))
    };
    let reporter = {
        let rollout = Arc::clone(&rollout);
        thread::spawn(move || rollout.report_error(1))
    };
    let _ = closer.join();
    let _ = reporter.join();
    let (rolled_back, percent) = (rollout.is_rolled_back(), rollout.percent());
    ensure(!rolled_back || percent == 0, ROLLBACK_STICKS, || {
        format!(
            "rolled back, yet the twin serves {percent}%: {:?}",
            rollout.log()
        )
    });
}
