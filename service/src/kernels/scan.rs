//! `_scan_sessions`, fixed (seed 004 L1138-1161): the stored sessions of
//! every detected name in one `WHERE name IN (...)` query, a map by name,
//! then one update or insert per detected session, in detector order.

use std::collections::HashSet;

use super::{Finish, KernelError, Store, build, in_transaction};
use crate::config::{Config, ParamValue};
use crate::model::{DetectedSession, ScanAction};

/// One scan in one transaction. Invariant: detected names are unique (the
/// detector reports each session once), so no insert collides.
pub fn scan_sessions<S: Store + ?Sized>(
    store: &mut S,
    config: &Config,
    detected: &[DetectedSession],
    finish: Finish,
) -> Result<Vec<ScanAction>, KernelError> {
    in_transaction(store, finish, |tx| {
        let names: Vec<String> = detected.iter().map(|s| s.name.clone()).collect();
        let query = build(
            config,
            "sessions_by_names",
            &[("names", ParamValue::StringList(names))],
        )?;
        let existing: HashSet<String> = tx.texts(&query, 1)?.into_iter().collect();
        let mut out = Vec::with_capacity(detected.len());
        for s in detected {
            let common = [
                ("name", ParamValue::String(s.name.clone())),
                ("status", ParamValue::String(s.status.clone())),
                ("last_heartbeat", ParamValue::Integer(s.last_heartbeat)),
            ];
            if existing.contains(&s.name) {
                tx.execute(&build(config, "update_session", &common)?)?;
                out.push(ScanAction::Updated);
            } else {
                let mut params = common.to_vec();
                params.push(("environment", ParamValue::String(s.environment.clone())));
                params.push(("provider", ParamValue::String(s.provider.clone())));
                tx.execute(&build(config, "insert_session", &params)?)?;
                out.push(ScanAction::Inserted);
            }
        }
        Ok(out)
    })
}
