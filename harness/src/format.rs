//! The one seam every output goes through, as criterion's `Report` trait is
//! for its reporters: a format renders what it is given, and writes nothing
//! itself. The HTML page and results.json (`report`), the gate's Markdown
//! and JUnit (`gate`), and the exports for other tools (`export`) each
//! implement it, so a new output is one type in one file.
//!
//! A leaf: it names no other twinbench module, so every output module can
//! implement it without depending on another.

use thiserror::Error;

/// An output format of `T` (a run's results, a gate's decision).
pub trait Format<T: ?Sized> {
    /// Its name on the command line (`--format bmf`).
    fn name(&self) -> &'static str;
    /// The file name it is written to when none is given.
    fn file_name(&self) -> &'static str;
    /// The document.
    fn render(&self, input: &T) -> Result<String, FormatError>;
}

/// Why a document could not be rendered.
#[derive(Debug, Error)]
pub enum FormatError {
    #[error("cannot serialise {what}: {source}")]
    Serialise {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

impl FormatError {
    /// A serde_json error while writing `what`.
    pub fn serialise(what: &'static str) -> impl FnOnce(serde_json::Error) -> Self {
        move |source| FormatError::Serialise { what, source }
    }
}
