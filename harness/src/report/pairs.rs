//! The kernel-pair sections: the summary table's rows and each pair's
//! detail (sizes, sides, alternatives), grouped by domain.

use std::fmt::Write;

use super::markup::{
    esc, first_line, format_call_bytes, format_duration, format_ratio, or_missing, problem_list,
};
use crate::pairs::{Domain, Side};
use crate::results::{Correctness, Language, PairResult, Results, SizeResult};
use crate::stats::Estimate;

pub(super) fn correctness_cell(c: &Correctness) -> String {
    match c {
        Correctness::Agree { agreement } => match agreement.quality {
            // A randomized model: its quality beside its speed, both sides.
            Some(q) => format!(
                "<span class=ok>agree</span> <span class=muted>{} rust {:.4} · python {:.4}; \
                 {} {:.4}</span>",
                q.measure.label(),
                q.rust,
                q.python,
                q.between_measure.label(),
                q.between
            ),
            None => format!(
                "<span class=ok>agree</span> <span class=muted>max |Δ| {:.1e}{}</span>",
                agreement.max_abs_error,
                if agreement.borderline > 0 {
                    format!(", {} on threshold", agreement.borderline)
                } else {
                    String::new()
                }
            ),
        },
        Correctness::Disagree { mismatch } => {
            format!(
                "<span class=bad>disagree</span><br><span class=muted>{}</span>",
                esc(&mismatch.to_string())
            )
        }
        Correctness::Failed { side, error } => {
            format!(
                "<span class=bad>{side} failed</span><br><span class=muted>{}</span>",
                esc(first_line(error))
            )
        }
        Correctness::BothFailed { rust, python } => format!(
            "<span class=bad>both failed</span><br><span class=muted>rust: {}<br>python: {}</span>",
            esc(first_line(rust)),
            esc(first_line(python))
        ),
        Correctness::NotRun { reason } => format!(
            "<span class=bad>NOT RUN</span><br><span class=muted>{}</span>",
            esc(first_line(reason))
        ),
    }
}

pub(super) fn summary_rows(out: &mut String, pair: &PairResult) {
    for size in &pair.sizes {
        let time = |side| size.timing(side).map(|t| format_duration(t.mean_ns.point));
        let ratio =
            |e: &Option<Estimate>| e.as_ref().map(format_ratio).unwrap_or_else(|| "—".into());
        let _ = write!(
            out,
            "<tr><td class=l><a href=\"#{k}\">{k}</a></td><td>{size} {unit}</td><td>{py}</td><td>{rs}</td>\
             <td>{speedup}</td><td>{par}</td><td class=l>{alts}</td><td>{copy}</td><td>{par_copy}</td>\
             <td class=l>{ok}</td></tr>",
            k = esc(&pair.kernel),
            size = size.size,
            unit = esc(&pair.size_unit),
            py = or_missing(time(Side::Python)),
            rs = or_missing(time(Side::Rust)),
            speedup = or_missing(size.speedup.as_ref().map(format_ratio)),
            par = ratio(&size.parallel_speedup),
            copy = ratio(&size.rust_over_copy),
            par_copy = ratio(&size.parallel_over_copy),
            alts = alternatives_cell(size),
            ok = correctness_cell(&size.correctness),
        );
    }
}

/// "igraph 1.8× [1.7, 1.9]" per alternative: its time ÷ the Rust twin's,
/// flagged when its answer did not match the baseline's.
pub(super) fn alternatives_cell(size: &SizeResult) -> String {
    if size.alternatives.is_empty() {
        return "—".into();
    }
    size.alternatives
        .iter()
        .map(|alt| {
            let ratio = alt
                .rust_speedup
                .as_ref()
                .map(format_ratio)
                .unwrap_or_else(|| "<span class=bad>not timed</span>".into());
            let flag = if alt.correctness.is_agree() {
                ""
            } else {
                " <span class=bad>(answer differs)</span>"
            };
            format!("{}: {ratio}{flag}", alt.side)
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Per size and alternative: its answer, its time against the twin's and
/// against the original's (for a fixed Python baseline, the part of the
/// speedup a Python fix gives), and for a Rust peer its memory per call.
pub(super) fn alternatives_detail(out: &mut String, pair: &PairResult) {
    if pair.alternatives.is_empty() {
        return;
    }
    out.push_str("<h4>Peers and fixed baselines</h4><dl>");
    for info in &pair.alternatives {
        let _ = write!(
            out,
            "<dt>{side} ({lang}): <code>{f}</code></dt><dd>{note}; checked against the baseline by {mode}, {tol}</dd>",
            side = info.side,
            lang = match info.language {
                Language::Python => "Python, through the bridge",
                Language::Rust => "Rust, in process like the twin",
            },
            mode = esc(info.comparison.describe()),
            f = esc(&info.function),
            note = esc(&info.note),
            tol = esc(&info.tolerance.to_string()),
        );
    }
    out.push_str(
        "</dl><div class=scroll><table><tr><th>size</th><th class=l>side</th><th>its time ÷ Rust (1 thread)</th>\
         <th>Python ÷ its time</th><th class=l>its answer vs the baseline</th>\
         <th>its peak memory</th></tr>",
    );
    let ratio = |e: &Option<Estimate>| e.as_ref().map(format_ratio).unwrap_or_else(|| "—".into());
    for size in &pair.sizes {
        for alt in &size.alternatives {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=l>{}</td><td>{}</td><td>{}</td><td class=l>{}</td><td>{}</td></tr>",
                size.size,
                alt.side,
                ratio(&alt.rust_speedup),
                ratio(&alt.speedup_over_python),
                correctness_cell(&alt.correctness),
                alt.memory
                    .map(|m| format_call_bytes(m.peak_bytes))
                    .unwrap_or_else(|| "—".into()),
            );
        }
    }
    out.push_str("</table></div>");
}

pub(super) fn pair_detail(out: &mut String, pair: &PairResult) {
    let _ = write!(
        out,
        "<h3 id=\"{k}\">{k}</h3><dl>\
         <dt>What</dt><dd>{summary}</dd>\
         <dt>Python baseline</dt><dd><code>{py}</code>, under the {pins} pins ({origin})</dd>\
         <dt>Input</dt><dd>{input}</dd>\
         <dt>Comparison</dt><dd>{cmp}; {tol}</dd>\
         <dt>Why that tolerance</dt><dd>{why}</dd>\
         <dt>Claims fed</dt><dd>{claims}</dd>\
         <dt>In the original</dt><dd>{original}</dd>\
         <dt>Scaling</dt><dd>{scaling}</dd></dl>",
        k = esc(&pair.kernel),
        summary = esc(&pair.summary),
        py = esc(&pair.python_function),
        pins = esc(pair.pins.id()),
        origin = esc(pair.pins.origin()),
        input = esc(&pair.input),
        cmp = esc(pair.comparison.describe()),
        tol = esc(&pair.tolerance.to_string()),
        why = esc(&pair.tolerance_rationale),
        claims = esc(&pair.claims.join(", ")),
        // The registry's row (the pair table is compiled in); a kernel the
        // binary does not know is one a newer build dropped.
        original = crate::pairs::find(&pair.kernel)
            .map(|p| esc(&p.original.describe()))
            .unwrap_or_else(|| "not in this build's pair table".to_string()),
        scaling = if pair.scaling.is_empty() {
            "not enough sizes timed".to_string()
        } else {
            pair.scaling
                .iter()
                .map(|s| match s.slope_interval {
                    Some(e) if e.low.is_finite() && e.high.is_finite() => format!(
                        "{}: time ∝ size<sup>{:.2}</sup> [{:.2}, {:.2}]",
                        s.side, s.slope, e.low, e.high
                    ),
                    _ => format!("{}: time ∝ size<sup>{:.2}</sup>", s.side, s.slope),
                })
                .collect::<Vec<_>>()
                .join(" · ")
        },
    );
    alternatives_detail(out, pair);
    out.push_str(
        "<div class=scroll><table><tr><th>size</th><th>seed</th><th>side</th><th>mean [95% CI]</th><th>median</th>\
         <th>min</th><th>max</th><th>samples</th><th>iterations</th></tr>",
    );
    for size in &pair.sizes {
        for t in &size.timings {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=l>{}</td><td>{} <span class=muted>[{}, {}]</span></td>\
                 <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                size.size,
                size.seed,
                t.side,
                format_duration(t.mean_ns.point),
                format_duration(t.mean_ns.low),
                format_duration(t.mean_ns.high),
                format_duration(t.median_ns),
                format_duration(t.min_ns),
                format_duration(t.max_ns),
                t.samples,
                t.iterations,
            );
        }
    }
    out.push_str("</table></div>");
    query_plans_detail(out, pair);
    let problems: Vec<String> = pair
        .sizes
        .iter()
        .flat_map(|s| {
            s.problems
                .iter()
                .map(move |p| format!("size {}: {p}", s.size))
        })
        .collect();
    problem_list(out, &problems);
}

/// Per size, the plan each database chose for the pair's main query, right
/// under the figures it explains: whether the seed's index was used.
fn query_plans_detail(out: &mut String, pair: &PairResult) {
    if pair.sizes.iter().all(|s| s.query_plans.is_empty()) {
        return;
    }
    out.push_str("<h4>Query plans (taken on each size's data, outside the timed calls)</h4>");
    for size in &pair.sizes {
        for plan in &size.query_plans {
            let sides: Vec<String> = plan.sides.iter().map(ToString::to_string).collect();
            let uses_index = plan.plan.iter().any(|l| l.contains("idx_"));
            let _ = write!(
                out,
                "<p>{size} {unit}: <code>{query}</code> on {db}, {indexes} (timed sides: {sides})                  — {verdict}</p><pre>{plan}</pre>",
                size = size.size,
                unit = esc(&pair.size_unit),
                query = esc(&plan.query),
                db = esc(&plan.database),
                indexes = if plan.indexes {
                    "with the seed's indexes"
                } else {
                    "without indexes"
                },
                sides = esc(&sides.join(", ")),
                verdict = if uses_index {
                    "<b>an index is used</b>"
                } else {
                    "<b>no index used</b>"
                },
                plan = esc(&plan.plan.join("\n")),
            );
        }
    }
}

/// The pairs grouped by the part of the original service they come from, in
/// scenario order within each group.
pub(super) fn by_domain(results: &Results) -> Vec<(Domain, Vec<&PairResult>)> {
    let mut groups: Vec<(Domain, Vec<&PairResult>)> = Vec::new();
    for pair in &results.pairs {
        match groups.iter_mut().find(|(d, _)| *d == pair.domain) {
            Some((_, pairs)) => pairs.push(pair),
            None => groups.push((pair.domain, vec![pair])),
        }
    }
    groups
}

pub(super) fn domain_slug(domain: Domain) -> &'static str {
    match domain {
        Domain::Analytics => "analytics",
        Domain::Detection => "detection",
        Domain::Forecasting => "forecasting",
        Domain::Optimizer => "optimizer",
        Domain::Alerting => "alerting",
        Domain::Monitoring => "monitoring",
        Domain::ErrorHandling => "errors",
        Domain::TaskRouting => "routing",
    }
}

pub(super) fn domain_name(domain: Domain) -> &'static str {
    domain.title()
}
