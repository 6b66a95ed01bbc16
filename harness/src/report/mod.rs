//! The HTML report: one self-contained page (inline CSS and SVG, no
//! JavaScript, no network) rendered from [`Results`].

mod boundary;
mod charts;
mod concurrency;
mod http;
mod latency;
mod markup;
mod memory;
mod page;
mod pairs;
mod rollout;
mod shadow;
mod stream;
mod verdicts;

use std::path::{Path, PathBuf};

use thiserror::Error;

pub use charts::{
    PANEL_LINES, SpeedupPanel, memory_chart, scaling_charts, speedup_panels, thread_chart,
};
pub use page::render;

use crate::format::{Format, FormatError};
use crate::results::Results;
use crate::workspace::write_atomic;

/// The HTML page of a run: self-contained, charts inline.
#[derive(Debug, Clone, Copy)]
pub struct Html;

impl Format<Results> for Html {
    fn name(&self) -> &'static str {
        "html"
    }
    fn file_name(&self) -> &'static str {
        "index.html"
    }
    fn render(&self, results: &Results) -> Result<String, FormatError> {
        Ok(render(results))
    }
}

/// results.json itself, pretty-printed: the source every other format reads.
#[derive(Debug, Clone, Copy)]
pub struct Json;

impl Format<Results> for Json {
    fn name(&self) -> &'static str {
        "json"
    }
    fn file_name(&self) -> &'static str {
        "results.json"
    }
    fn render(&self, results: &Results) -> Result<String, FormatError> {
        serde_json::to_string_pretty(results).map_err(FormatError::serialise("results"))
    }
}

#[derive(Debug, Error)]
pub enum ReportError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(
        "run id {0:?} is not a plain folder name; refusing to write outside the reports folder"
    )]
    RunId(String),
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
    if !crate::results::validate::is_path_component(&results.run_id) {
        return Err(ReportError::RunId(results.run_id.clone()));
    }
    let run_dir = reports_dir.join(&results.run_id);
    let json = Json.render(results)?;
    let page = Html.render(results)?;
    let written = Written {
        results_json: run_dir.join(Json.file_name()),
        latest_json: reports_dir.join(Json.file_name()),
        run_html: run_dir.join(Html.file_name()),
        index_html: reports_dir.join(Html.file_name()),
    };
    for (path, bytes) in [
        (&written.results_json, json.as_bytes()),
        (&written.latest_json, json.as_bytes()),
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
