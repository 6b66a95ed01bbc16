//! SLA status of open tasks (docs/service.md kernel 3): elapsed minutes as a
//! float, `breached` above the target, `warning` from target × percent / 100.

use super::{KernelError, Store, build};
use crate::config::{BuiltQuery, Config, ParamValue, SlaRules};
use crate::model::{OPEN_STATUSES, SlaStatus, Task};

/// The status of one task at `now`. The float arithmetic is Python's:
/// `(now - created_at) / 60` and `target * percent / 100`, each a single
/// correctly rounded division of exactly representable integers.
pub fn status_of(task: &Task, rules: &SlaRules, now: i64) -> SlaStatus {
    let target = rules.target_for(&task.task_type);
    let elapsed = (now - task.created_at) as f64 / 60.0;
    let warning = (target.target_minutes * target.warning_percent) as f64 / 100.0;
    if elapsed > target.target_minutes as f64 {
        SlaStatus::Breached
    } else if elapsed >= warning {
        SlaStatus::Warning
    } else {
        SlaStatus::Ok
    }
}

/// `(id, status)` per task, in the order given.
pub fn statuses(tasks: &[Task], rules: &SlaRules, now: i64) -> Vec<(i64, SlaStatus)> {
    tasks
        .iter()
        .map(|t| (t.id, status_of(t, rules, now)))
        .collect()
}

/// The open tasks (`open_tasks`, by id) and their statuses.
pub fn sla_report<S: Store + ?Sized>(
    store: &mut S,
    config: &Config,
    now: i64,
) -> Result<Vec<(i64, SlaStatus)>, KernelError> {
    let tasks = store.tasks(&open_tasks_query(config)?)?;
    Ok(statuses(&tasks, &config.sla, now))
}

/// The `open_tasks` template built for [`OPEN_STATUSES`]: the query
/// [`sla_report`] runs (and whose plan the report shows).
pub fn open_tasks_query(config: &Config) -> Result<BuiltQuery, KernelError> {
    let open = OPEN_STATUSES.iter().map(|s| s.to_string()).collect();
    Ok(build(
        config,
        "open_tasks",
        &[("statuses", ParamValue::StringList(open))],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SlaTarget;

    fn task(task_type: &str, age: i64) -> Task {
        Task {
            id: 1,
            task_type: task_type.into(),
            status: "pending".into(),
            priority: 0,
            created_at: 1_000_000 - age,
            environment: "dev".into(),
            assigned_to: None,
            assigned_at: None,
            content: String::new(),
        }
    }

    #[test]
    fn boundaries_exactly_at_target_and_threshold() {
        let rules = SlaRules {
            targets: [(
                "shell".to_string(),
                SlaTarget {
                    target_minutes: 5,
                    warning_percent: 80,
                },
            )]
            .into(),
            default: SlaTarget {
                target_minutes: 30,
                warning_percent: 50,
            },
        };
        let at = |t: &str, age| status_of(&task(t, age), &rules, 1_000_000);
        assert_eq!(
            at("shell", 300),
            SlaStatus::Warning,
            "at target: not breached"
        );
        assert_eq!(at("shell", 301), SlaStatus::Breached);
        assert_eq!(at("shell", 240), SlaStatus::Warning, "at the threshold");
        assert_eq!(at("shell", 239), SlaStatus::Ok);
        assert_eq!(at("unknown", 900), SlaStatus::Warning, "default rule");
        assert_eq!(at("unknown", 899), SlaStatus::Ok);
    }
}
