//! PostgreSQL for the service twin (issue 20): a throwaway cluster per test
//! or run ([`cluster`]), the schema and rows on it and the query templates
//! run there ([`store`]), and the one cluster a benchmark process shares
//! ([`shared`]).
//!
//! Dependencies point one way: `value` ← `placeholders` ← `store`;
//! `cluster` knows nothing of the schema; `shared` uses both.

pub mod cluster;
pub mod placeholders;
pub mod shared;
pub mod store;
pub mod value;

pub use cluster::{ClusterError, PgCluster, PgClusterBuilder, available, probe, required};
pub use placeholders::{Bound, Param, PlaceholderError, bind};
pub use store::{Rows, StoreError};
pub use value::SqlValue;
