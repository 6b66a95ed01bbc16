//! The gate's decision as Markdown: for the terminal, `gate.md`, and a CI
//! step summary (size-guarded: GitHub drops a step summary over 1 MiB).

use std::fmt::Write;

use super::{CheckKind, GateCheck, GateReport, Verdict};
use crate::format::{Format, FormatError};
use crate::stats::percent_change;

/// [`markdown`] as an output [`Format`].
#[derive(Debug, Clone, Copy)]
pub struct Markdown;

impl Format<GateReport> for Markdown {
    fn name(&self) -> &'static str {
        "markdown"
    }
    fn file_name(&self) -> &'static str {
        "gate.md"
    }
    fn render(&self, report: &GateReport) -> Result<String, FormatError> {
        Ok(markdown(report))
    }
}

/// GitHub Actions refuses a step summary larger than this (1 MiB).
pub const STEP_SUMMARY_LIMIT: usize = 1 << 20;

/// The whole summary: run-wide reasons, counts, every flagged check, and
/// every timing check folded in a `<details>` block.
pub fn markdown(report: &GateReport) -> String {
    let mut out = head(report);
    let _ = write!(out, "{}", flagged_table(report));
    out.push_str(&timing_details(report));
    out
}

/// [`markdown`] if it fits in `limit` bytes; otherwise the same summary
/// with the per-kernel detail cut to what fits, and a pointer to `full`
/// (where the whole summary is written) in its place. Never over `limit`
/// unless the run-wide part alone is.
pub fn step_summary(report: &GateReport, limit: usize, full: &str) -> String {
    let whole = markdown(report);
    if whole.len() <= limit {
        return whole;
    }
    let mut out = head(report);
    let pointer = format!(
        "\n_The per-kernel detail is cut to fit GitHub's {limit}-byte step-summary limit; \
         the full summary is `{full}`._\n"
    );
    let flagged = flagged(report);
    let mut shown = 0;
    let mut table = String::from(TABLE_HEAD);
    for c in &flagged {
        let row = flagged_row(c);
        if out.len() + table.len() + row.len() + pointer.len() + 64 > limit {
            break;
        }
        table.push_str(&row);
        shown += 1;
    }
    if !flagged.is_empty() {
        out.push_str(&table);
        if shown < flagged.len() {
            let _ = writeln!(
                out,
                "\n{} more flagged checks in the full summary",
                flagged.len() - shown
            );
        }
    }
    out.push_str(&pointer);
    out
}

const TABLE_HEAD: &str = "| check | verdict | detail |\n|---|---|---|\n";

fn head(report: &GateReport) -> String {
    let mut out = String::new();
    let title = match report.verdict {
        Verdict::Pass => "PASS",
        Verdict::Regression => "REGRESSION",
        Verdict::CannotJudge => "CANNOT JUDGE",
    };
    let _ = writeln!(out, "## twinbench gate: {title}\n");
    let _ = writeln!(
        out,
        "Baseline {} · current {} · slowdown threshold {:.0}% (the 95% interval must lie above it{})\n",
        report.baseline_run,
        report.current_run,
        report.threshold * 100.0,
        if report.confirmed_by_rerun {
            ", in the first run and again in a rerun of the flagged kernels"
        } else {
            ""
        }
    );
    if !report.drift.is_empty() {
        let drift: Vec<String> = report
            .drift
            .iter()
            .map(|(side, d)| format!("{side} {:+.1}%", percent_change(*d)))
            .collect();
        let _ = writeln!(
            out,
            "Run-wide drift (median change; each kernel is also judged against its side's): {}\n",
            drift.join(", ")
        );
    }
    for reason in &report.reasons {
        let _ = writeln!(out, "- {reason}");
    }
    let count = |v: Verdict| report.checks.iter().filter(|c| c.verdict == v).count();
    let _ = writeln!(
        out,
        "\n{} checks: {} pass, {} regression, {} cannot judge\n",
        report.checks.len(),
        count(Verdict::Pass),
        count(Verdict::Regression),
        count(Verdict::CannotJudge)
    );
    out
}

fn flagged(report: &GateReport) -> Vec<&GateCheck> {
    report
        .checks
        .iter()
        .filter(|c| c.verdict != Verdict::Pass)
        .collect()
}

fn flagged_row(c: &GateCheck) -> String {
    format!(
        "| `{}` | {:?} | {} |\n",
        c.id,
        c.verdict,
        c.detail.replace('|', "\\|").replace('\n', " ")
    )
}

fn flagged_table(report: &GateReport) -> String {
    let flagged = flagged(report);
    if flagged.is_empty() {
        return String::new();
    }
    let mut out = String::from(TABLE_HEAD);
    for c in flagged {
        out.push_str(&flagged_row(c));
    }
    out
}

fn timing_details(report: &GateReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n<details><summary>all timing checks</summary>\n\n| check | change [95% CI] |\n|---|---|"
    );
    for c in report
        .checks
        .iter()
        .filter(|c| c.kind() == CheckKind::Timing)
    {
        let _ = writeln!(out, "| `{}` | {} |", c.id, c.detail.replace('|', "\\|"));
    }
    let _ = writeln!(out, "\n</details>");
    out
}
