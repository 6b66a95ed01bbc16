//! The gate's decision as JUnit XML, the way CI test UIs read it: one test
//! case per check, a regression a `<failure>`, "cannot judge" an `<error>`,
//! a timing shown but not judged `<skipped>`.

use std::fmt::Write;

use super::{CheckKind, GateReport, Verdict};
use crate::format::{Format, FormatError};

/// [`junit`] as an output [`Format`].
#[derive(Debug, Clone, Copy)]
pub struct Junit;

impl Format<GateReport> for Junit {
    fn name(&self) -> &'static str {
        "junit"
    }
    fn file_name(&self) -> &'static str {
        "gate.junit.xml"
    }
    fn render(&self, report: &GateReport) -> Result<String, FormatError> {
        Ok(junit(report))
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The JUnit document. Each case's `time` is what the check measured, in
/// seconds: the current run's mean time per call (timing checks), the
/// checker's run time (model checks), 0 for correctness.
pub fn junit(report: &GateReport) -> String {
    let count =
        |f: &dyn Fn(&super::GateCheck) -> bool| report.checks.iter().filter(|c| f(c)).count();
    let failures = count(&|c| c.verdict == Verdict::Regression);
    let run_errors = report.reasons.iter().filter(|r| r.blocks_pass()).count();
    let errors = count(&|c| c.verdict == Verdict::CannotJudge) + run_errors;
    let skipped = count(&|c| c.not_judged);
    let tests = report.checks.len() + run_errors;
    let time: f64 = report.checks.iter().map(|c| c.seconds).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"twinbench gate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.6}\">\n\
         <testsuite name=\"twinbench-gate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.6}\">"
    );
    for reason in report.reasons.iter().filter(|r| r.blocks_pass()) {
        let _ = writeln!(
            out,
            "<testcase classname=\"twinbench.run\" name=\"run\" time=\"0\"><error message=\"{}\"/></testcase>",
            xml_escape(reason.text())
        );
    }
    for c in &report.checks {
        let class = match c.kind() {
            CheckKind::Correctness => "twinbench.correctness",
            CheckKind::Timing => "twinbench.timing",
            CheckKind::Concurrency => "twinbench.concurrency",
        };
        let body = match c.verdict {
            _ if c.not_judged => format!("<skipped message=\"{}\"/>", xml_escape(&c.detail)),
            Verdict::Pass => String::new(),
            Verdict::Regression => format!("<failure message=\"{}\"/>", xml_escape(&c.detail)),
            Verdict::CannotJudge => format!("<error message=\"{}\"/>", xml_escape(&c.detail)),
        };
        let _ = writeln!(
            out,
            "<testcase classname=\"{class}\" name=\"{}\" time=\"{:.6}\">{body}<system-out>{}</system-out></testcase>",
            xml_escape(&c.id.to_string()),
            c.seconds,
            xml_escape(&c.detail)
        );
    }
    out.push_str("</testsuite>\n</testsuites>\n");
    out
}
