//! The concurrency section: one table per component, jcstress style — each
//! row a model-check case under one checker, with the schedules explored, what was
//! observed, whether that is what should happen, and how to replay it.

use std::fmt::Write;

use twinbench_checks::runner::{Outcome, SubjectInfo};
use twinbench_checks::{CheckRecord, Component};

use super::markup::esc;
use crate::results::ConcurrencyResults;
use crate::results::OverheadResult;
use crate::stats::Estimate;

/// Locking overhead per component (claim C10): the same operations on the
/// unsynchronised core and on the shared component.
fn overhead_table(out: &mut String, overhead: &[OverheadResult]) {
    out.push_str(
        "<h3 id=locking-overhead>Locking overhead</h3><p class=muted>The same operation mix \
         (<code>kernels/benches/concurrent/</code>) on each component's unsynchronised core and on \
         the shared component; nanoseconds per operation with 95% intervals. Overhead = one \
         thread ÷ core − 1; claim C10 promises under 20%. Where the operation itself takes a few \
         nanoseconds, one uncontended lock is most of the cost, so the added nanoseconds say more \
         than the percentage.</p>",
    );
    if overhead.is_empty() {
        out.push_str("<p class=bad>Not measured in this run (<code>cargo bench -p twinbench-kernels --bench concurrent</code>).</p>");
        return;
    }
    out.push_str(
        "<div class=scroll><table><tr><th class=l>component</th><th>core ns/op</th><th>shared, 1 thread</th>\
         <th>added ns/op</th><th>overhead</th><th>shared, 2 threads (wall)</th><th>1 ÷ 2 threads</th></tr>",
    );
    let ns = |e: &Estimate| format!("{:.1} [{:.1}, {:.1}]", e.point, e.low, e.high);
    for o in overhead {
        let r = o.overhead_ratio;
        let over = r.low >= 1.2;
        let _ = write!(
            out,
            "<tr><td class=l>{}</td><td>{}</td><td>{}</td><td>{:+.1}</td><td>{}{}{}</td><td>{}</td><td>{}</td></tr>",
            esc(o.component.title()),
            ns(&o.unsynchronized_ns),
            ns(&o.synchronized_ns),
            o.synchronized_ns.point - o.unsynchronized_ns.point,
            if over { "<span class=bad>" } else { "" },
            r.percent_change(0),
            if over { "</span>" } else { "" },
            o.two_threads_ns
                .as_ref()
                .map(ns)
                .unwrap_or_else(|| "—".into()),
            o.two_thread_speedup
                .map(|e| format!("{:.2} [{:.2}, {:.2}]", e.point, e.low, e.high))
                .unwrap_or_else(|| "—".into()),
        );
    }
    out.push_str("</table></div>");
}

/// Writes the section (a visible note when the run had no checks).
pub fn section(
    out: &mut String,
    concurrency: Option<&ConcurrencyResults>,
    overhead: &[OverheadResult],
) {
    out.push_str("<h2 id=concurrency>Concurrency</h2>");
    let Some(results) = concurrency else {
        out.push_str(
            "<p class=bad>The concurrency checks were not part of this run \
             (<code>twinbench report --skip-checks</code>): nothing is claimed about thread safety.</p>",
        );
        return;
    };
    let b = &results.budget;
    let fixed = results
        .records
        .iter()
        .filter(|r| r.subject == SubjectInfo::Fixed)
        .count();
    let zoo = results.records.len() - fixed;
    let unexpected = results.unexpected().count();
    let _ = write!(
        out,
        "<p class=muted>Every fixed component must keep its invariants in every explored schedule; \
         every bug-zoo entry (a faithful port of a race in the original) must be <em>caught</em> \
         breaking the invariant it names — a checker that cannot fail proves nothing. \
         loom explores every interleaving within {pb} preemptions; shuttle runs {rs} random and \
         {ps} PCT (depth {d}) schedules per case, seed {seed:#x}. Budget: {level:?}{filter}.</p>\
         <p>{fixed} fixed-component checks and {zoo} zoo checks; {ok}.</p>",
        pb = b.loom_preemption_bound,
        rs = b.shuttle_random_schedules,
        ps = b.shuttle_pct_schedules,
        d = b.pct_depth,
        seed = b.seed,
        level = b.level,
        filter = results
            .filter
            .as_ref()
            .map(|f| format!(", only cases matching <code>{}</code>", esc(f)))
            .unwrap_or_default(),
        ok = if unexpected == 0 {
            "all as expected".to_string()
        } else {
            format!("<span class=bad>{unexpected} not as expected</span>")
        },
    );
    overhead_table(out, overhead);
    for component in Component::ALL {
        let rows: Vec<&CheckRecord> = results
            .records
            .iter()
            .filter(|r| r.component == component)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<h3 id=\"concurrency-{anchor:?}\">{title}</h3><div class=scroll><table><tr><th class=l>case</th>\
             <th class=l>subject</th><th class=l>checker</th><th>schedules</th>\
             <th class=l>outcome</th><th class=l>expected?</th><th class=l>replay</th></tr>",
            anchor = component,
            title = esc(component.title()),
        );
        for r in rows {
            row(out, r);
        }
        out.push_str("</table></div>");
    }
}

fn row(out: &mut String, r: &CheckRecord) {
    let subject = match &r.subject {
        SubjectInfo::Fixed => "fixed component".to_string(),
        SubjectInfo::Zoo { catalog_id, breaks } => {
            format!(
                "bug zoo {} — must break <code>{}</code>",
                esc(catalog_id),
                esc(breaks)
            )
        }
    };
    let outcome = match &r.outcome {
        Outcome::Passed => "all schedules kept every invariant".to_string(),
        Outcome::Violated { invariant, detail } => {
            format!("violated <code>{}</code>: {}", esc(invariant), esc(detail))
        }
    };
    let schedules = if r.exhaustive {
        format!("{} (exhaustive)", r.schedules)
    } else {
        r.schedules.to_string()
    };
    let replay = r
        .replay
        .as_ref()
        .map(|p| {
            format!(
                "<details><summary>schedule</summary><code class=wrap>{}</code><br><code class=wrap>{}</code></details>",
                esc(&p.schedule),
                esc(&p.command)
            )
        })
        .unwrap_or_default();
    let _ = write!(
        out,
        "<tr><td class=l title=\"{ops}\">{id}</td><td class=l>{subject}</td><td class=l>{checker}</td>\
         <td>{schedules}</td><td class=l>{outcome}</td><td class=l>{expected}</td><td class=l>{replay}</td></tr>",
        ops = esc(&r.operations),
        id = esc(&r.id),
        checker = r.checker,
        expected = if r.as_expected() {
            "<span class=ok>yes</span>"
        } else {
            "<span class=bad>NO</span>"
        },
    );
}
