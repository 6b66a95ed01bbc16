//! github-action-benchmark's `customSmallerIsBetter` tool: a JSON array of
//! `{name, unit, value, range?, extra?}`, every value one where smaller is
//! better — latency, peak bytes per call and instructions. (Speedups are
//! bigger-is-better and so not in this file; the BMF export has them.)

use serde::Serialize;

use super::{Exported, instruction_rows, nothing_to_export, rows};
use crate::format::{Format, FormatError};

#[derive(Debug, Clone, Copy)]
pub struct Gab;

/// One entry of the array.
#[derive(Debug, Clone, Serialize)]
struct Entry {
    name: String,
    unit: &'static str,
    value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<String>,
}

impl Format<Exported<'_>> for Gab {
    fn name(&self) -> &'static str {
        "gab"
    }
    fn file_name(&self) -> &'static str {
        "gab.json"
    }
    fn render(&self, input: &Exported<'_>) -> Result<String, FormatError> {
        let mut entries = Vec::new();
        for row in rows(input.results) {
            let e = row.latency_ns;
            entries.push(Entry {
                name: format!("{} latency", row.name),
                unit: "ns",
                value: e.point,
                range: Some(format!(
                    "{:.0}% interval {}–{}",
                    e.confidence * 100.0,
                    e.low,
                    e.high
                )),
                extra: row.speedup.map(|s| {
                    format!(
                        "speedup over Python {:.2}x [{:.2}, {:.2}]",
                        s.point, s.low, s.high
                    )
                }),
            });
            if let Some(bytes) = row.peak_bytes {
                entries.push(Entry {
                    name: format!("{} peak-bytes", row.name),
                    unit: "bytes",
                    value: bytes as f64,
                    range: None,
                    extra: None,
                });
            }
        }
        for (name, instructions) in input.instructions.map(instruction_rows).unwrap_or_default() {
            entries.push(Entry {
                name: format!("{name} instructions"),
                unit: "instructions",
                value: instructions as f64,
                range: None,
                extra: None,
            });
        }
        if entries.is_empty() {
            return Err(nothing_to_export());
        }
        serde_json::to_string_pretty(&entries)
            .map_err(FormatError::serialise("github-action-benchmark JSON"))
    }
}
