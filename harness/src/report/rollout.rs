//! The rollout section (claim C13): seed 000's gradual rollout replayed on
//! the run's measurements, one row per component and injected error rate,
//! the twin's share of calls per 24-hour period.

use std::fmt::Write;

use super::markup::esc;
use crate::results::{RolloutOutcome, SimulatedRollout};

fn percent(x: f64) -> String {
    let p = x * 100.0;
    if p == 0.0 {
        "0%".into()
    } else if p < 1.0 {
        format!("{p:.2}%")
    } else {
        format!("{p:.1}%")
    }
}

/// Writes the section (a visible note when nothing was replayed).
pub fn section(out: &mut String, rollouts: &[SimulatedRollout]) {
    out.push_str(
        "<h2 id=rollout>Gradual rollout, replayed</h2><p class=muted>Seed 000's rule — start at \
         5% of calls, +10% per 24-hour period, promote only at ≥ 90% of the original's speed and \
         &lt; 1% twin errors, roll back to 0 on a breach — run by the shipped controller \
         (<code>kernels/src/concurrent/rollout.rs</code>, model-checked above) on this run's \
         own measurements: each call is routed by the controller, takes one of its kernel's \
         timing samples on the side it was routed to, and a twin call fails at the kernel's \
         measured check-failure rate plus the injected one. Each row is one seeded sample path \
         (replayed exactly), not an average: at 5% a period has ~1,000 twin calls, so a twin \
         failing 0.5% of them still crosses the seed's 1% now and then. Cells: the twin's share \
         of calls in each period; a cell's title gives the period's decision and performance \
         (original ÷ twin mean time).</p>",
    );
    if rollouts.is_empty() {
        out.push_str(
            "<p class=bad>Not replayed: no kernel of this run was timed on both sides.</p>",
        );
        return;
    }
    let periods = rollouts.iter().map(|r| r.periods.len()).max().unwrap_or(0);
    out.push_str(
        "<div class=scroll><table><tr><th class=l>component</th><th>twin errors: measured</th>\
         <th>+ injected</th>",
    );
    for p in 0..periods {
        let _ = write!(out, "<th>P{p}</th>");
    }
    out.push_str("<th class=l>outcome</th></tr>");
    for r in rollouts {
        let _ = write!(
            out,
            "<tr><td class=l title=\"{}\">{}</td><td>{}</td><td>{}</td>",
            esc(&r.kernels.join(", ")),
            esc(r.domain.title()),
            percent(r.measured_error_rate),
            percent(r.injected_error_rate),
        );
        for p in &r.periods {
            let title = format!(
                "{}; twin {} calls ({} failed), original {}; performance {}",
                p.decision,
                p.twin_calls,
                p.twin_errors,
                p.original_calls,
                p.performance
                    .map(|x| format!("{x:.2}"))
                    .unwrap_or_else(|| "—".into())
            );
            let class = if p.decision.starts_with("rolled back") {
                " class=bad"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<td{class} title=\"{}\">{}%</td>",
                esc(&title),
                p.percent
            );
        }
        for _ in r.periods.len()..periods {
            out.push_str("<td></td>");
        }
        let outcome = match r.outcome {
            RolloutOutcome::ReachedFull { period } => {
                format!("<span class=ok>100% after period {period}</span>")
            }
            RolloutOutcome::RolledBack { period } => {
                let why = r
                    .periods
                    .iter()
                    .find(|p| p.period == period)
                    .map(|p| esc(&p.decision))
                    .unwrap_or_default();
                format!("<span class=bad>rolled back in period {period}</span> ({why})")
            }
            RolloutOutcome::Incomplete { percent } => format!("at {percent}%, not yet full"),
        };
        let _ = write!(out, "<td class=l>{outcome}</td></tr>");
    }
    out.push_str("</table></div>");
}
