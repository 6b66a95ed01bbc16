//! The rows the service reads and writes, and what its kernels answer.

/// A row of `tasks` (and of `prompts`, which has the same columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: i64,
    pub task_type: String,
    /// pending | assigned | in_progress | completed | failed
    pub status: String,
    /// 0..=10, higher first.
    pub priority: i64,
    /// Unix seconds.
    pub created_at: i64,
    pub environment: String,
    pub assigned_to: Option<String>,
    pub assigned_at: Option<i64>,
    pub content: String,
}

/// A row of `sessions`. Invariant: `name` is unique in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub name: String,
    /// idle | busy | offline
    pub status: String,
    /// Unix seconds.
    pub last_heartbeat: i64,
    pub environment: String,
    pub provider: String,
    pub current_task_id: Option<i64>,
}

/// A session as the detector reports it (no id: it may not be stored yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectedSession {
    pub name: String,
    pub status: String,
    pub last_heartbeat: i64,
    pub environment: String,
    pub provider: String,
}

/// A task's SLA state; the discriminant is the code both twins output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaStatus {
    Ok = 0,
    Warning = 1,
    Breached = 2,
}

/// What a session scan did with one detected session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanAction {
    Updated = 0,
    Inserted = 1,
}

/// One task of an assignment pass. Invariant: `timed_out` only when
/// `session_id` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub task_id: i64,
    pub session_id: Option<i64>,
    pub timed_out: bool,
}

/// Statuses of a task not finished yet (what `sla_status` reads).
pub const OPEN_STATUSES: [&str; 3] = ["pending", "assigned", "in_progress"];
