//! The `pending_tasks` page (docs/service.md kernel 2): the ids of one
//! status's tasks, highest priority first, as the template orders them.

use rusqlite::Connection;

use super::{KernelError, build};
use crate::config::{Config, ParamValue};
use crate::sqlite::rows;

/// Ids of the first `limit` tasks of `status`, in the template's order.
pub fn pending_ids(
    conn: &Connection,
    config: &Config,
    status: &str,
    limit: i64,
) -> Result<Vec<i64>, KernelError> {
    let query = build(
        config,
        "pending_tasks",
        &[
            ("status", ParamValue::String(status.into())),
            ("limit", ParamValue::Integer(limit)),
        ],
    )?;
    Ok(rows(conn, &query, |r| r.get::<_, i64>(0))?)
}
