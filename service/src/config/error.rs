//! Why the rule files could not be used: every variant names the file, the
//! key path and what to do about it, so a broken override is fixed from the
//! message alone.

use std::path::PathBuf;

use thiserror::Error;

/// A rule file that could not be read, parsed or understood.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{}: cannot read it: {source}; fix: check that the file exists and is readable", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not valid YAML: {message}; fix: correct the syntax at the position shown", file.display())]
    Syntax { file: PathBuf, message: String },
    #[error(
        "{}: `{key}` must be {expected}, found {found}; fix: {fix}",
        file.display()
    )]
    WrongType {
        file: PathBuf,
        key: String,
        expected: &'static str,
        found: String,
        fix: String,
    },
    #[error("{}: `{key}` is missing; fix: {fix}", file.display())]
    Missing {
        file: PathBuf,
        key: String,
        fix: String,
    },
    #[error("{}: cannot list override files: {source}; fix: make the folder readable", dir.display())]
    ListDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Why a query template could not be built from the caller's parameters.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("no query template `{name}` in queries.yaml; known: {known}")]
    UnknownQuery { name: String, known: String },
    #[error("query `{query}`: parameter `{param}` has no value and no default; fix: pass it")]
    MissingParam { query: String, param: String },
    #[error("query `{query}`: parameter `{param}` must be {expected}, got {found}")]
    WrongParam {
        query: String,
        param: String,
        expected: &'static str,
        found: &'static str,
    },
}
