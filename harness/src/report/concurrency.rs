//! The concurrency section: one table per component, jcstress style — each
//! row a scenario under one checker, with the schedules explored, what was
//! observed, whether that is what should happen, and how to replay it.

use std::fmt::Write;

use twinbench_checks::runner::{Outcome, SubjectInfo};
use twinbench_checks::{CheckRecord, Component};

use super::html::esc;
use crate::concurrency::ConcurrencyResults;

/// Writes the section (a visible note when the run had no checks).
pub fn section(out: &mut String, concurrency: Option<&ConcurrencyResults>) {
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
         {ps} PCT (depth {d}) schedules per scenario, seed {seed:#x}. Budget: {level:?}{filter}.</p>\
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
            .map(|f| format!(", only scenarios matching <code>{}</code>", esc(f)))
            .unwrap_or_default(),
        ok = if unexpected == 0 {
            "all as expected".to_string()
        } else {
            format!("<span class=bad>{unexpected} not as expected</span>")
        },
    );
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
            "<h3 id=\"concurrency-{anchor:?}\">{title}</h3><table><tr><th class=l>scenario</th>\
             <th class=l>subject</th><th class=l>checker</th><th>schedules</th>\
             <th class=l>outcome</th><th class=l>expected?</th><th class=l>replay</th></tr>",
            anchor = component,
            title = esc(component.title()),
        );
        for r in rows {
            row(out, r);
        }
        out.push_str("</table>");
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
