//! Bencher Metric Format: a JSON object keyed by benchmark name, each a map
//! from measure to `{value, lower_value?, upper_value?}`. `bencher run
//! --adapter json` reads it. Measures: `latency` (ns, with the 95%
//! interval's bounds), `speedup` (Python ÷ this side, with its interval),
//! `peak-bytes`, and `instructions` from the instruction-count run.

use serde_json::{Map, Value, json};

use super::{Exported, instruction_rows, nothing_to_export, rows};
use crate::format::{Format, FormatError};
use crate::stats::Estimate;

#[derive(Debug, Clone, Copy)]
pub struct Bmf;

fn metric(e: &Estimate) -> Value {
    json!({ "value": e.point, "lower_value": e.low, "upper_value": e.high })
}

impl Format<Exported<'_>> for Bmf {
    fn name(&self) -> &'static str {
        "bmf"
    }
    fn file_name(&self) -> &'static str {
        "bmf.json"
    }
    fn render(&self, input: &Exported<'_>) -> Result<String, FormatError> {
        let mut out = Map::new();
        for row in rows(input.results) {
            let mut measures = Map::new();
            measures.insert("latency".into(), metric(&row.latency_ns));
            if let Some(s) = &row.speedup {
                measures.insert("speedup".into(), metric(s));
            }
            if let Some(b) = row.peak_bytes {
                measures.insert("peak-bytes".into(), json!({ "value": b as f64 }));
            }
            out.insert(row.name, Value::Object(measures));
        }
        for (name, instructions) in input.instructions.map(instruction_rows).unwrap_or_default() {
            let entry = out.entry(name).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(measures) = entry {
                measures.insert(
                    "instructions".into(),
                    json!({ "value": instructions as f64 }),
                );
            }
        }
        if out.is_empty() {
            return Err(nothing_to_export());
        }
        serde_json::to_string_pretty(&Value::Object(out)).map_err(FormatError::serialise("BMF"))
    }
}
