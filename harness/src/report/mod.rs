//! The HTML report: one self-contained page (inline CSS and SVG, no
//! JavaScript, no network) rendered from [`Results`].

mod chart;
mod concurrency;
mod html;
mod ledger;

use std::path::{Path, PathBuf};

use thiserror::Error;

pub use chart::{memory_chart, scaling_chart, speedup_chart, thread_chart};
pub use html::render;

use crate::results::{Results, write_atomic};

#[derive(Debug, Error)]
pub enum ReportError {
    #[error("cannot serialise results: {0}")]
    Serialise(#[from] serde_json::Error),
    #[error("cannot write {path}: {source}", path = path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What [`write`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub results_json: PathBuf,
    /// `<reports>/results.json`: the latest run's results, where `make gate` reads them.
    pub latest_json: PathBuf,
    pub run_html: PathBuf,
    pub index_html: PathBuf,
}

/// Writes `<reports>/<run_id>/results.json`, the run's own `index.html`
/// beside it, and `<reports>/index.html` and `<reports>/results.json` (the
/// latest run), each atomically.
pub fn write(results: &Results, reports_dir: &Path) -> Result<Written, ReportError> {
    let run_dir = reports_dir.join(&results.run_id);
    let json = serde_json::to_vec_pretty(results)?;
    let page = render(results);
    let written = Written {
        results_json: run_dir.join("results.json"),
        latest_json: reports_dir.join("results.json"),
        run_html: run_dir.join("index.html"),
        index_html: reports_dir.join("index.html"),
    };
    for (path, bytes) in [
        (&written.results_json, json.as_slice()),
        (&written.latest_json, json.as_slice()),
        (&written.run_html, page.as_bytes()),
        (&written.index_html, page.as_bytes()),
    ] {
        write_atomic(path, bytes).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(written)
}
