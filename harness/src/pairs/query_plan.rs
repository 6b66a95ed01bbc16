//! The plan a database chose for a pair's main query: recorded with the
//! figures so a reader sees whether an index was used (issue 20).

use serde::{Deserialize, Serialize};

use super::Side;

/// One database's plan for one query, as that database prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QueryPlan {
    /// "SQLite" (`EXPLAIN QUERY PLAN`) or "PostgreSQL" (`EXPLAIN`).
    pub database: String,
    /// Whether the seed's three indexes exist in that database.
    pub indexes: bool,
    /// The sides whose calls run this query on that database.
    pub sides: Vec<Side>,
    /// The query template's name (service/config/base/queries.yaml).
    pub query: String,
    /// The plan, one line per node (SQLite's indented by depth).
    pub plan: Vec<String>,
}
