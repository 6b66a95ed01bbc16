//! `_scan_sessions`, fixed (seed 004 L1138-1161): the stored sessions of
//! every detected name in one `WHERE name IN (...)` query, a map by name,
//! then one update or insert per detected session, in detector order.

use std::collections::HashSet;

use rusqlite::Connection;

use super::{Finish, KernelError, build, in_transaction};
use crate::config::{Config, ParamValue};
use crate::model::{DetectedSession, ScanAction};
use crate::sqlite::{execute, rows};

/// One scan in one transaction. Invariant: detected names are unique (the
/// detector reports each session once), so no insert collides.
pub fn scan_sessions(
    conn: &Connection,
    config: &Config,
    detected: &[DetectedSession],
    finish: Finish,
) -> Result<Vec<ScanAction>, KernelError> {
    in_transaction(conn, finish, |tx| {
        let names: Vec<String> = detected.iter().map(|s| s.name.clone()).collect();
        let query = build(
            config,
            "sessions_by_names",
            &[("names", ParamValue::StringList(names))],
        )?;
        let existing: HashSet<String> = rows(tx, &query, |r| r.get::<_, String>(1))?
            .into_iter()
            .collect();
        let mut out = Vec::with_capacity(detected.len());
        for s in detected {
            let common = [
                ("name", ParamValue::String(s.name.clone())),
                ("status", ParamValue::String(s.status.clone())),
                ("last_heartbeat", ParamValue::Integer(s.last_heartbeat)),
            ];
            if existing.contains(&s.name) {
                execute(tx, &build(config, "update_session", &common)?)?;
                out.push(ScanAction::Updated);
            } else {
                let mut params = common.to_vec();
                params.push(("environment", ParamValue::String(s.environment.clone())));
                params.push(("provider", ParamValue::String(s.provider.clone())));
                execute(tx, &build(config, "insert_session", &params)?)?;
                out.push(ScanAction::Inserted);
            }
        }
        Ok(out)
    })
}
