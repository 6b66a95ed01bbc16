//! The HTTP API's contract (docs/service.md, "HTTP API"), free of any
//! server: the reply bodies, and the checks of what a client sends, in the
//! order and with the messages app.py uses, so both servers refuse the same
//! request with the same bytes.
//!
//! Invariant of every reply type: fields are declared in sorted order (the
//! order Flask's `sort_keys` writes), so [`crate::json::to_body`] matches
//! `jsonify` byte for byte.

use serde::Serialize;
use serde_json::Value;
use twinbench_service::model::{SlaStatus, Task};

/// Task statuses a listing may ask for.
pub const TASK_STATUSES: [&str; 5] = ["pending", "assigned", "in_progress", "completed", "failed"];
/// The fields of a submission, in the order they are checked.
pub const SUBMIT_FIELDS: [&str; 3] = ["type", "priority", "environment"];
/// Largest `limit` a listing accepts.
pub const MAX_LIMIT: i64 = 1000;
/// Longest `type` or `environment`, in characters (code points).
pub const MAX_NAME_CHARS: usize = 64;

/// A refused request: its status and JSON body `{"error", "field"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    /// The field (or `body`, `task_id`) at fault; `None` for a bad route.
    pub field: Option<String>,
}

impl ApiError {
    fn bad(message: impl Into<String>, field: &str) -> ApiError {
        ApiError {
            status: 400,
            message: message.into(),
            field: Some(field.to_string()),
        }
    }

    /// The body app.py's error handlers write.
    pub fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            error: &self.message,
            field: self.field.as_deref(),
        }
    }

    /// An unknown route (Flask's 404 handler).
    pub fn no_endpoint() -> ApiError {
        ApiError {
            status: 404,
            message: "no such endpoint".into(),
            field: None,
        }
    }

    /// A known route with another method (Flask's 405 handler).
    pub fn method_not_allowed() -> ApiError {
        ApiError {
            status: 405,
            message: "method not allowed".into(),
            field: None,
        }
    }

    /// `GET /api/tasks/<id>/sla` with an id that is not `[0-9]{1,18}`.
    pub fn bad_task_id() -> ApiError {
        ApiError {
            status: 404,
            message: "no such task; task ids are non-negative integers".into(),
            field: Some("task_id".into()),
        }
    }

    /// `GET /api/tasks/<id>/sla` for an id no task has.
    pub fn no_task(id: i64) -> ApiError {
        ApiError {
            status: 404,
            message: format!("no task with id {id}"),
            field: Some("task_id".into()),
        }
    }
}

/// `{"error": ..., "field": ...}`.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub error: &'a str,
    pub field: Option<&'a str>,
}

/// `GET /api/health`.
#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
}

/// One task of a listing: every column, as `dict(sqlite3.Row)`.
#[derive(Debug, Serialize)]
pub struct TaskView<'a> {
    pub assigned_at: Option<i64>,
    pub assigned_to: Option<&'a str>,
    pub content: &'a str,
    pub created_at: i64,
    pub environment: &'a str,
    pub id: i64,
    pub priority: i64,
    pub status: &'a str,
    #[serde(rename = "type")]
    pub task_type: &'a str,
}

impl<'a> From<&'a Task> for TaskView<'a> {
    fn from(t: &'a Task) -> TaskView<'a> {
        TaskView {
            assigned_at: t.assigned_at,
            assigned_to: t.assigned_to.as_deref(),
            content: &t.content,
            created_at: t.created_at,
            environment: &t.environment,
            id: t.id,
            priority: t.priority,
            status: &t.status,
            task_type: &t.task_type,
        }
    }
}

/// The SLA status as app.py names it (`SLAManager.get_sla_status`).
pub fn sla_name(status: SlaStatus) -> &'static str {
    match status {
        SlaStatus::Ok => "ok",
        SlaStatus::Warning => "warning",
        SlaStatus::Breached => "breached",
    }
}

/// `POST /api/tasks` → 201.
#[derive(Debug, Serialize)]
pub struct SubmitReply<'a> {
    pub assigned_to: Option<&'a str>,
    pub id: i64,
    pub sla_status: &'static str,
    /// `assigned` or `pending`.
    pub status: &'static str,
}

/// `GET /api/tasks/<id>/sla`. `sla_status` is `None` for a finished task
/// (completed or failed: its SLA clock has stopped).
#[derive(Debug, Serialize)]
pub struct SlaReply<'a> {
    /// `(now - created_at) / 60`, a float as Python divides.
    pub elapsed_minutes: f64,
    pub id: i64,
    pub sla_status: Option<&'static str>,
    pub status: &'a str,
    pub target_minutes: i64,
    #[serde(rename = "type")]
    pub task_type: &'a str,
    pub warning_percent: i64,
}

/// What a listing asked for; `None` takes the template's default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Listing {
    pub status: Option<String>,
    pub limit: Option<i64>,
}

/// The query string of `GET /api/tasks` (`None`: none given). As
/// werkzeug's `request.args.get`: form-decoded, the first value of a name
/// wins, other names are ignored.
pub fn parse_listing(query: Option<&str>) -> Result<Listing, ApiError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let first = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let mut listing = Listing::default();
    if let Some(status) = first("status") {
        if !TASK_STATUSES.contains(&status.as_str()) {
            return Err(ApiError::bad(
                format!("`status` must be one of {}", TASK_STATUSES.join(", ")),
                "status",
            ));
        }
        listing.status = Some(status.clone());
    }
    if let Some(limit) = first("limit") {
        let digits = (1..=4).contains(&limit.len()) && limit.bytes().all(|b| b.is_ascii_digit());
        match limit.parse::<i64>() {
            Ok(n) if digits && (1..=MAX_LIMIT).contains(&n) => listing.limit = Some(n),
            _ => {
                return Err(ApiError::bad(
                    format!("`limit` must be an integer from 1 to {MAX_LIMIT}"),
                    "limit",
                ));
            }
        }
    }
    Ok(listing)
}

/// A valid submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub task_type: String,
    pub priority: i64,
    pub environment: String,
}

fn name_field(body: &serde_json::Map<String, Value>, key: &str) -> Result<String, ApiError> {
    match body.get(key) {
        None => Err(ApiError::bad(format!("missing field `{key}`"), key)),
        Some(Value::String(s)) if (1..=MAX_NAME_CHARS).contains(&s.chars().count()) => {
            Ok(s.clone())
        }
        Some(_) => Err(ApiError::bad(
            format!("`{key}` must be a string of 1 to {MAX_NAME_CHARS} characters"),
            key,
        )),
    }
}

/// The body of `POST /api/tasks`, checked in app.py's order: JSON at all,
/// an object, no unknown key (the first in sorted order is named), then
/// `type`, `priority` (an integer literal 0..=10; `true`, `5.0` are not),
/// `environment`.
pub fn parse_submission(raw: &[u8]) -> Result<Submission, ApiError> {
    let value: Value = serde_json::from_slice(raw)
        .map_err(|_| ApiError::bad("the body is not valid JSON", "body"))?;
    let Value::Object(body) = value else {
        return Err(ApiError::bad(
            "the body must be a JSON object with the fields type, priority, environment",
            "body",
        ));
    };
    // The smallest unknown key, as `sorted(...)[0]` in app.py (byte order of
    // UTF-8 is code point order).
    if let Some(unknown) = body
        .keys()
        .filter(|k| !SUBMIT_FIELDS.contains(&k.as_str()))
        .min()
    {
        return Err(ApiError::bad(
            "unknown field; the fields are type, priority, environment",
            unknown,
        ));
    }
    let task_type = name_field(&body, "type")?;
    let priority = match body.get("priority") {
        None => return Err(ApiError::bad("missing field `priority`", "priority")),
        Some(Value::Number(n)) => n.as_i64().filter(|p| (0..=10).contains(p) && !n.is_f64()),
        Some(_) => None,
    }
    .ok_or_else(|| ApiError::bad("`priority` must be an integer from 0 to 10", "priority"))?;
    let environment = name_field(&body, "environment")?;
    Ok(Submission {
        task_type,
        priority,
        environment,
    })
}

/// The task id of `/api/tasks/<id>/sla`, as app.py accepts it.
pub fn parse_task_id(raw: &str) -> Result<i64, ApiError> {
    let digits = (1..=18).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit());
    match raw.parse::<i64>() {
        Ok(id) if digits => Ok(id),
        _ => Err(ApiError::bad_task_id()),
    }
}

#[cfg(test)]
mod tests;
