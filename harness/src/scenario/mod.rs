//! Scenario files (`scenarios/*.toml`): which kernels to run, at which sizes,
//! with which seed and tolerance.
//!
//! ```toml
//! description = "what this scenario is for"
//!
//! [[kernel]]
//! name = "pagerank"                  # a kernel pair's name
//! sizes = [1000, 10000, 100000]      # optional; the pair's sizes otherwise
//! seed = 42                          # optional; 0 otherwise
//! tolerance = { rtol = 1e-9, atol = 1e-12 }   # optional; the pair's otherwise
//! gate_threshold = 0.2               # optional; `twinbench gate`'s default (0.10) otherwise
//! ```
//!
//! Every error names the file, the line and column, and the field.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

use crate::compare::Tolerance;
use crate::pairs::{self, KernelPair};

mod shard;

pub use shard::Shard;

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub path: PathBuf,
    pub description: String,
    pub kernels: Vec<KernelPlan>,
}

/// One kernel of a scenario, with every default filled in.
#[derive(Debug, Clone)]
pub struct KernelPlan {
    pub pair: &'static KernelPair,
    pub sizes: Vec<usize>,
    pub seed: u64,
    pub tolerance: Tolerance,
    /// Slowdown the gate tolerates for this kernel (fraction), if not the default.
    pub gate_threshold: Option<f64>,
}

/// Where in a scenario file something is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Dotted path of the field, e.g. `kernel[1].sizes`.
    pub field: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: field `{}`",
            self.path.display(),
            self.line,
            self.column,
            self.field
        )
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, Error)]
pub enum ScenarioError {
    #[error("{path}: cannot read scenario file: {source}", path = path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    description: Option<String>,
    kernel: Option<Spanned<Vec<Spanned<RawKernel>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKernel {
    name: Spanned<String>,
    sizes: Option<Spanned<Vec<Spanned<i64>>>>,
    seed: Option<Spanned<i64>>,
    tolerance: Option<Spanned<RawTolerance>>,
    gate_threshold: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTolerance {
    rtol: Spanned<f64>,
    atol: Spanned<f64>,
}

/// Reads and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let source = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &source)
}

/// Validates `source` as the contents of `path` (the path is only named in errors).
pub fn parse(path: &Path, source: &str) -> Result<Scenario, ScenarioError> {
    let ctx = Context { path, source };
    let raw: RawScenario = toml::from_str(source).map_err(|err| {
        let span = err.span().unwrap_or(0..0);
        ctx.invalid(
            span.clone(),
            ctx.field_at(span.start),
            err.message().to_string(),
        )
    })?;
    let Some(kernels) = raw.kernel else {
        return Err(ctx.invalid(
            0..0,
            "kernel".into(),
            format!(
                "a scenario needs at least one [[kernel]] table; known kernels: {}",
                pairs::names().join(", ")
            ),
        ));
    };
    let kernel_span = kernels.span();
    let kernels = kernels.into_inner();
    if kernels.is_empty() {
        return Err(ctx.invalid(kernel_span, "kernel".into(), "no kernels listed".into()));
    }
    let mut plans: Vec<KernelPlan> = Vec::with_capacity(kernels.len());
    for (index, kernel) in kernels.into_iter().enumerate() {
        let span = kernel.span();
        let plan = validate_kernel(&ctx, index, kernel.into_inner())?;
        if plans.iter().any(|p| p.pair.name == plan.pair.name) {
            return Err(ctx.invalid(
                span,
                format!("kernel[{index}].name"),
                format!("kernel `{}` is listed twice", plan.pair.name),
            ));
        }
        plans.push(plan);
    }
    Ok(Scenario {
        path: path.to_path_buf(),
        description: raw.description.unwrap_or_default(),
        kernels: plans,
    })
}

fn validate_kernel(
    ctx: &Context<'_>,
    index: usize,
    raw: RawKernel,
) -> Result<KernelPlan, ScenarioError> {
    let field = |name: &str| format!("kernel[{index}].{name}");
    let pair = pairs::find(raw.name.get_ref()).ok_or_else(|| {
        ctx.invalid(
            raw.name.span(),
            field("name"),
            format!(
                "unknown kernel `{}`; expected one of: {}",
                raw.name.get_ref(),
                pairs::names().join(", ")
            ),
        )
    })?;

    let sizes = match raw.sizes {
        None => pair.sizes.to_vec(),
        Some(sizes) => {
            let list_span = sizes.span();
            let sizes = sizes.into_inner();
            if sizes.is_empty() {
                return Err(ctx.invalid(
                    list_span,
                    field("sizes"),
                    "expected at least one size".into(),
                ));
            }
            let min = pair.generator.min_size().max(1);
            let max = max_size(pair.generator);
            let mut out = Vec::with_capacity(sizes.len());
            for size in sizes {
                let value = *size.get_ref();
                if let Some(limit) = max
                    && u64::try_from(value).is_ok_and(|v| v > limit)
                {
                    let need = u128::from(pair.generator.bytes_per_unit())
                        * u128::try_from(value).unwrap_or(u128::MAX);
                    return Err(ctx.invalid(
                        size.span(),
                        field("sizes"),
                        format!(
                            "size {value} cannot fit: `{}` needs about {} bytes per {} \
                             ({} GiB for this size) and this machine has {} GiB; at most {limit}",
                            pair.name,
                            pair.generator.bytes_per_unit(),
                            pair.generator.size_unit().trim_end_matches('s'),
                            need / (1 << 30),
                            machine_memory().unwrap_or(0) / (1 << 30),
                        ),
                    ));
                }
                if out
                    .iter()
                    .any(|&seen| i64::try_from(seen).is_ok_and(|s| s == value))
                {
                    return Err(ctx.invalid(
                        size.span(),
                        field("sizes"),
                        format!("size {value} is listed twice"),
                    ));
                }
                let ok = usize::try_from(value).ok().filter(|&v| v >= min);
                let Some(value) = ok else {
                    return Err(ctx.invalid(
                        size.span(),
                        field("sizes"),
                        format!(
                            "size {value} is impossible: `{}` needs at least {min} {}",
                            pair.name,
                            pair.generator.size_unit()
                        ),
                    ));
                };
                out.push(value);
            }
            out
        }
    };

    let seed = match raw.seed {
        None => 0,
        Some(seed) => u64::try_from(*seed.get_ref()).map_err(|_| {
            ctx.invalid(
                seed.span(),
                field("seed"),
                format!("expected a non-negative integer, got {}", seed.get_ref()),
            )
        })?,
    };

    let tolerance = match raw.tolerance {
        None => pair.tolerance,
        Some(tol) => {
            let tol = tol.into_inner();
            for (name, value) in [("rtol", &tol.rtol), ("atol", &tol.atol)] {
                let v = *value.get_ref();
                if !(v.is_finite() && v >= 0.0) {
                    return Err(ctx.invalid(
                        value.span(),
                        field(&format!("tolerance.{name}")),
                        format!("expected a finite number >= 0, got {v}"),
                    ));
                }
            }
            Tolerance {
                rtol: *tol.rtol.get_ref(),
                atol: *tol.atol.get_ref(),
            }
        }
    };

    let gate_threshold = match raw.gate_threshold {
        None => None,
        Some(t) => {
            let v = *t.get_ref();
            if !(v.is_finite() && v > 0.0) {
                return Err(ctx.invalid(
                    t.span(),
                    field("gate_threshold"),
                    format!("expected a fraction > 0 (0.1 = 10% slower), got {v}"),
                ));
            }
            Some(v)
        }
    };

    Ok(KernelPlan {
        pair,
        sizes,
        seed,
        tolerance,
        gate_threshold,
    })
}

/// This machine's memory, where it can be read.
fn machine_memory() -> Option<u64> {
    crate::environment::Machine::current().memory_bytes
}

/// The largest size of `generator` whose estimated peak fits in this
/// machine's memory (`None` where the memory cannot be read).
fn max_size(generator: crate::inputs::Generator) -> Option<u64> {
    Some(machine_memory()? / generator.bytes_per_unit().max(1))
}

struct Context<'a> {
    path: &'a Path,
    source: &'a str,
}

impl Context<'_> {
    fn invalid(&self, span: Range<usize>, field: String, message: String) -> ScenarioError {
        let (line, column) = line_column(self.source, span.start);
        ScenarioError::Invalid {
            location: Location {
                path: self.path.to_path_buf(),
                line,
                column,
                field,
            },
            message,
        }
    }

    /// The dotted field path at byte `offset`, read from the text itself
    /// (toml's own errors carry a span but not the key): the enclosing table
    /// header, with its array index, and the key on that line.
    fn field_at(&self, offset: usize) -> String {
        let before = &self.source[..offset.min(self.source.len())];
        let mut table = String::new();
        let mut kernel_index: Option<usize> = None;
        for line in before.lines() {
            let line = line.trim();
            if let Some(name) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
                let name = name.trim();
                if name == "kernel" {
                    kernel_index = Some(kernel_index.map_or(0, |i| i + 1));
                }
                table = match kernel_index {
                    Some(i) if name == "kernel" => format!("kernel[{i}]"),
                    _ => name.to_string(),
                };
            } else if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                table = name.trim().to_string();
            }
        }
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line_text = self.source[line_start..].lines().next().unwrap_or("");
        let key = line_text
            .split_once('=')
            .map(|(k, _)| k.trim())
            .filter(|k| !k.is_empty() && !k.starts_with('['))
            .unwrap_or("");
        match (table.is_empty(), key.is_empty()) {
            (true, true) => "(top level)".into(),
            (true, false) => key.into(),
            (false, true) => table,
            (false, false) => format!("{table}.{key}"),
        }
    }
}

/// 1-based line and column of byte `offset`.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_is_one_based() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
    }
}
