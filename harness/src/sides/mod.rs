//! The two sides of a pair, each called so that a failure is a value: the
//! Python baseline through the embedded interpreter ([`python`]) and the Rust
//! twin behind `catch_unwind` ([`rust`]).

pub mod python;
pub mod rust;
