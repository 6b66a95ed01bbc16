//! The `pending_tasks` page (docs/service.md kernel 2): the ids of one
//! status's tasks, highest priority first, as the template orders them.

use super::{KernelError, Store, build};
use crate::config::{BuiltQuery, Config, ParamValue};

/// Ids of the first `limit` tasks of `status`, in the template's order.
pub fn pending_ids<S: Store + ?Sized>(
    store: &mut S,
    config: &Config,
    status: &str,
    limit: i64,
) -> Result<Vec<i64>, KernelError> {
    store.ints(&pending_query(config, status, limit)?, 0)
}

/// The `pending_tasks` template built for `status` and `limit`: the query
/// [`pending_ids`] runs (and whose plan the report shows).
pub fn pending_query(config: &Config, status: &str, limit: i64) -> Result<BuiltQuery, KernelError> {
    Ok(build(
        config,
        "pending_tasks",
        &[
            ("status", ParamValue::String(status.into())),
            ("limit", ParamValue::Integer(limit)),
        ],
    )?)
}
