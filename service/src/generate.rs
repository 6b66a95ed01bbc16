//! Seeded rows for the task database: the same `(seed, tasks, sessions,
//! now)` gives the same rows on every run, so both twins read identical
//! files.
//!
//! Shaped by what the kernels' answers depend on: statuses weighted toward
//! pending and completed; a task type (`translation`) with no SLA entry
//! (→ default) and an environment (`edge`) with no routing rule (→ default);
//! tasks created exactly at their SLA target and exactly at the warning
//! threshold; priorities and creation times with ties; sessions idle, busy
//! and offline with fresh, stale and exactly-at-timeout heartbeats, equal
//! heartbeats, the routing rules' preferred and excluded names, non-ASCII
//! names; and the detector's sessions, ~90% already stored plus new ones.

use crate::config::SlaRules;
use crate::model::{DetectedSession, Session, Task};

/// SplitMix64: a tiny, well-mixed generator, enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5EED_0004_7A5C_0000)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `n > 0`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Task types: eight with SLA rules, one without.
pub const TASK_TYPES: [&str; 9] = [
    "shell",
    "python",
    "review",
    "deploy",
    "test",
    "docs",
    "data_migration",
    "security_scan",
    "translation",
];
/// Environments: six with routing rules, one without.
pub const ENVIRONMENTS: [&str; 7] = ["prod", "staging", "dev", "gpu", "macos", "windows", "edge"];
/// Session providers; a session's name starts with its provider.
pub const PROVIDERS: [&str; 4] = ["claude", "codex", "gemini", "local"];

/// Everything the database holds, plus the detector's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub now: i64,
    pub tasks: Vec<Task>,
    pub prompts: Vec<Task>,
    pub sessions: Vec<Session>,
    pub detected: Vec<DetectedSession>,
}

/// How many rows to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub seed: u64,
    pub tasks: usize,
    pub sessions: usize,
    /// Heartbeats older than this are stale (the routing rules' value).
    pub heartbeat_timeout: i64,
    pub now: i64,
}

fn status(rng: &mut Rng) -> &'static str {
    match rng.below(100) {
        0..40 => "pending",
        40..50 => "assigned",
        50..65 => "in_progress",
        65..95 => "completed",
        _ => "failed",
    }
}

fn session_name(i: usize, provider: &str) -> String {
    // Every 13th session has a non-ASCII name (a multilingual team).
    match i % 13 {
        12 => format!("séance-{i:04}"),
        6 if i % 26 == 6 => format!("会话-{i:04}"),
        _ => format!("{provider}-{i:04}"),
    }
}

fn tasks(rng: &mut Rng, n: usize, shape: &Shape, sla: &SlaRules, prefix: &str) -> Vec<Task> {
    let now = shape.now;
    (0..n)
        .map(|i| {
            let task_type = rng.pick(&TASK_TYPES);
            let target = sla.target_for(task_type);
            let age = match rng.below(20) {
                // Exactly at the target, exactly at the warning threshold
                // (in whole seconds when target × percent × 60 / 100 is one).
                0 => target.target_minutes * 60,
                1 => (target.target_minutes * target.warning_percent * 60) / 100,
                // A shared creation second: ties on created_at.
                2 => 600,
                _ => rng.below(6 * 3_600) as i64,
            };
            let status = status(rng);
            let assigned = matches!(status, "assigned" | "in_progress" | "completed");
            Task {
                id: i as i64 + 1,
                task_type: task_type.to_string(),
                status: status.to_string(),
                priority: rng.below(11) as i64,
                created_at: now - age,
                environment: rng.pick(&ENVIRONMENTS).to_string(),
                assigned_to: assigned.then(|| format!("claude-{:04}", rng.below(50))),
                assigned_at: assigned.then_some(now - age / 2),
                content: format!("{prefix} {i}: {task_type} job — ünïcode ✓"),
            }
        })
        .collect()
}

fn sessions(rng: &mut Rng, shape: &Shape) -> Vec<Session> {
    let now = shape.now;
    let timeout = shape.heartbeat_timeout;
    (0..shape.sessions)
        .map(|i| {
            let provider = PROVIDERS[i % PROVIDERS.len()];
            let status = match rng.below(10) {
                0..5 => "idle",
                5..8 => "busy",
                _ => "offline",
            };
            let age = match rng.below(10) {
                0 => timeout,     // exactly at the timeout: still fresh
                1 => timeout + 1, // one second too old
                2 => 42,          // a shared heartbeat: ties
                3..5 => timeout + rng.below(3_600) as i64,
                _ => rng.below(timeout as u64) as i64,
            };
            Session {
                id: i as i64 + 1,
                name: session_name(i, provider),
                status: status.to_string(),
                last_heartbeat: now - age,
                environment: ENVIRONMENTS[rng.below(ENVIRONMENTS.len() as u64 - 1) as usize]
                    .to_string(),
                provider: provider.to_string(),
                current_task_id: (status == "busy").then(|| rng.below(1_000) as i64 + 1),
            }
        })
        .collect()
}

/// The detector's report: about 90% of the stored sessions (shuffled) and
/// new sessions making up the rest, `sessions` in all, names unique.
fn detected(rng: &mut Rng, stored: &[Session], shape: &Shape) -> Vec<DetectedSession> {
    let n = stored.len();
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let known = n - n / 10;
    let mut out: Vec<DetectedSession> = order[..known]
        .iter()
        .map(|&i| DetectedSession {
            name: stored[i].name.clone(),
            status: rng.pick(&["idle", "busy"]).to_string(),
            last_heartbeat: shape.now - rng.below(60) as i64,
            environment: stored[i].environment.clone(),
            provider: stored[i].provider.clone(),
        })
        .collect();
    for j in 0..n - known {
        let provider = rng.pick(&PROVIDERS);
        let name = if j % 4 == 3 {
            format!("新しい-{j:04}")
        } else {
            format!("{provider}-new-{j:04}")
        };
        let at = rng.below(out.len() as u64 + 1) as usize;
        out.insert(
            at,
            DetectedSession {
                name,
                status: "idle".into(),
                last_heartbeat: shape.now - rng.below(60) as i64,
                environment: rng.pick(&ENVIRONMENTS).to_string(),
                provider: provider.to_string(),
            },
        );
    }
    out
}

/// The rows for `shape`; `sla` places the boundary ties.
pub fn generate(shape: &Shape, sla: &SlaRules) -> Dataset {
    let mut rng = Rng::new(shape.seed ^ ((shape.tasks as u64) << 20) ^ shape.sessions as u64);
    let tasks_rows = tasks(&mut rng, shape.tasks, shape, sla, "task");
    let prompts = tasks(&mut rng, shape.tasks / 10, shape, sla, "prompt");
    let sessions_rows = sessions(&mut rng, shape);
    let detected = detected(&mut rng, &sessions_rows, shape);
    Dataset {
        now: shape.now,
        tasks: tasks_rows,
        prompts,
        sessions: sessions_rows,
        detected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(seed: u64) -> Shape {
        Shape {
            seed,
            tasks: 2_000,
            sessions: 200,
            heartbeat_timeout: 300,
            now: 1_771_070_400,
        }
    }

    fn rules() -> SlaRules {
        crate::config::load(&crate::config::default_dir(), Some("none-such"))
            .expect("rules")
            .sla
    }

    #[test]
    fn the_same_seed_gives_the_same_rows() {
        let sla = rules();
        assert_eq!(generate(&shape(1), &sla), generate(&shape(1), &sla));
        assert_ne!(generate(&shape(1), &sla), generate(&shape(2), &sla));
    }

    #[test]
    fn the_shapes_the_kernels_need_are_there() {
        let sla = rules();
        let d = generate(&shape(7), &sla);
        assert!(d.tasks.iter().any(|t| t.task_type == "translation"));
        assert!(d.tasks.iter().any(|t| t.environment == "edge"));
        assert!(d.tasks.iter().any(|t| {
            let target = sla.target_for(&t.task_type);
            d.now - t.created_at == target.target_minutes * 60
        }));
        assert!(d.sessions.iter().any(|s| d.now - s.last_heartbeat == 300));
        assert!(d.sessions.iter().any(|s| !s.name.is_ascii()));
        let names: std::collections::HashSet<&str> =
            d.detected.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names.len(), d.detected.len(), "detected names are unique");
        let stored = d
            .detected
            .iter()
            .filter(|s| d.sessions.iter().any(|x| x.name == s.name))
            .count();
        assert_eq!(stored, 180);
    }
}
