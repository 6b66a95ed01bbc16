//! The shadow-mode section (claim C14): per family and function, how many
//! calls ran both sides, how many the twin declined, and every mismatch or
//! failure kept with the input it happened on.

use std::fmt::Write;

use super::markup::esc;
use crate::results::{ShadowCounts, ShadowRun};

/// Writes the section (a visible note when the run did not include it).
pub(super) fn section(out: &mut String, runs: &[ShadowRun]) {
    out.push_str("<h2 id=shadow>Shadow mode</h2>");
    if runs.is_empty() {
        out.push_str(
            "<p class=muted>Not part of this run: `make report` runs the shadow campaign \
             (python -m campaign, from python/tools) and passes its records with --shadow.</p>",
        );
        return;
    }
    out.push_str(
        "<p class=muted>The twins as the service would call them from Python (the twinbench \
         package: the NetworkX backend, the monitoring functions) beside the originals, through \
         <code>twinbench.shadow.Shadow</code>, on generated inputs (graphs of 1–100 nodes in \
         shuffled and canonical orders with int, string and tuple labels, weights, self-loops \
         and several components; metric frames with spikes, flat stretches and missing \
         scrapes). Every call is shadowed: both sides run on the same arguments and are \
         compared under the pair's registered tolerance; both raising the same way agrees. A \
         call the twin <em>declines</em> (NotImplementedError: what \
         <code>backend_priority</code> hands back to networkx) is counted, not compared. The \
         campaign runs beside the build, so its times are not measurements and are not \
         shown.</p>",
    );
    for run in runs {
        let _ = write!(
            out,
            "<p class=muted>venv <code>{}</code>: Python {}, {}; seed {}, {} shadowed calls \
             asked per family.</p>",
            esc(&run.pins),
            esc(&run.python),
            esc(&run
                .packages
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")),
            run.seed,
            run.calls_per_family
        );
        out.push_str(
            "<div class=scroll><table><tr><th class=l>family / function</th><th>shadowed</th>\
             <th>declined</th><th>mismatches</th><th>failures</th></tr>",
        );
        for family in &run.families {
            row(
                out,
                &format!("<b>{}</b>", esc(family.family.title())),
                &family.counts,
            );
            for f in &family.functions {
                row(out, &format!("&nbsp;&nbsp;{}", esc(&f.function)), &f.counts);
            }
        }
        out.push_str("</table></div>");
        let kept: Vec<String> = run
            .families
            .iter()
            .flat_map(|family| {
                family.functions.iter().flat_map(move |f| {
                    f.kept.iter().map(move |k| {
                        format!(
                            "<li>{} / <code>{}</code>: {} on {}: {}</li>",
                            esc(family.family.title()),
                            esc(&f.function),
                            esc(&k.kind),
                            esc(&k.input),
                            esc(&k.detail)
                        )
                    })
                })
            })
            .collect();
        if !kept.is_empty() {
            let _ = write!(
                out,
                "<p>What went wrong (the first five per function):</p><ul>{}</ul>",
                kept.join("")
            );
        }
        for p in run.inconsistencies() {
            let _ = write!(out, "<p class=bad>{}</p>", esc(&p));
        }
    }
}

fn row(out: &mut String, name: &str, c: &ShadowCounts) {
    let bad = |n: u64| {
        if n > 0 {
            format!("<td class=bad>{n}</td>")
        } else {
            format!("<td>{n}</td>")
        }
    };
    let _ = write!(
        out,
        "<tr><td class=l>{name}</td><td>{}</td><td>{}</td>{}{}</tr>",
        c.shadowed,
        c.declined,
        bad(c.mismatches),
        bad(c.failures)
    );
}
