//! The counts and the gate's decision as Markdown.

use std::fmt::Write as _;

use super::{CountReport, InstructionRun};
use crate::gate::Verdict;

/// The counts of one run as a Markdown table (no baseline given).
pub fn markdown_counts(run: &InstructionRun) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## twinbench instruction counts\n\n{} · {} profile · {} · {} · {}\n",
        run.toolchain.rustc,
        run.toolchain.profile,
        run.toolchain.libc,
        run.toolchain.arch,
        run.valgrind
    );
    let _ = writeln!(
        out,
        "| kernel | size | seed | instructions |\n|---|---:|---:|---:|"
    );
    for r in &run.records {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            r.kernel,
            r.size,
            r.seed,
            group_digits(r.instructions)
        );
    }
    out
}

/// The comparison as a Markdown table, every kernel listed, regressions named first.
pub fn markdown_report(report: &CountReport) -> String {
    let mut out = String::new();
    let title = match report.verdict {
        Verdict::Pass => "PASS",
        Verdict::Regression => "REGRESSION",
        Verdict::CannotJudge => "CANNOT JUDGE",
    };
    let _ = writeln!(
        out,
        "## twinbench instruction-count gate: {title}\n\nLimit ±{:.1}% instructions \
         (callgrind `Ir`, single-threaded twin, fixed input)\n",
        report.limit * 100.0
    );
    for reason in &report.reasons {
        let _ = writeln!(out, "- {reason}");
    }
    let regressions: Vec<String> = report
        .regressions()
        .map(|c| format!("`{}` at {}", c.kernel, c.size))
        .collect();
    if !regressions.is_empty() {
        let _ = writeln!(out, "\nRegressions: {}", regressions.join(", "));
        for c in report.regressions() {
            if let Some(profile) = &c.profile {
                let _ = writeln!(
                    out,
                    "- `{}` at {}: profile `{profile}` (`callgrind_annotate {profile}`)",
                    c.kernel, c.size
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n| kernel | size | baseline | current | change | verdict | detail |\n\
         |---|---:|---:|---:|---:|---|---|"
    );
    let show = |n: Option<u64>| n.map_or_else(|| "—".to_string(), group_digits);
    for c in &report.checks {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {:?} | {} |",
            c.kernel,
            c.size,
            show(c.baseline),
            show(c.current),
            c.change
                .map_or_else(|| "—".to_string(), |x| format!("{:+.2}%", x * 100.0)),
            c.verdict,
            c.detail.replace('|', "\\|")
        );
    }
    out
}

/// `1234567` → `1 234 567` (thin grouping, readable in a table).
pub(super) fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}
