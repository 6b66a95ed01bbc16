//! Renders [`Results`] as one self-contained HTML page.

use std::fmt::Write;

use crate::registry::Domain;
use crate::results::{Correctness, PairResult, Results, SideTiming, SizeResult};
use crate::timing::Side;
use crate::timing::bootstrap::Estimate;

use super::{memory_chart, scaling_chart, speedup_chart, thread_chart};

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;color:#1d1d1f;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{padding:.35rem .55rem;border-bottom:1px solid #e5e5e5;text-align:right;vertical-align:top}
th{background:#f5f5f7}td.l,th.l{text-align:left}code.wrap{word-break:break-all;font-size:.8rem}.ok{color:#0a7d28;font-weight:600}.bad{color:#b3261e;font-weight:600}
.muted{color:#666;font-size:.85rem}code{background:#f5f5f7;padding:0 .2rem;border-radius:3px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
.problems li{color:#b3261e}figure{margin:1rem 0}svg{max-width:100%;height:auto}
tr.group th{background:#e8eef7;font-size:.95rem}h3.group{margin-top:1.6rem;color:#244a7a}dl.index dd{line-height:1.7}
";

/// Escapes text for HTML element content and attribute values.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// 812_000_000 ns → "812 ms": three significant digits, SI unit.
pub fn format_duration(ns: f64) -> String {
    let (value, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    format!("{} {unit}", three_significant(value))
}

fn three_significant(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

fn format_ratio(e: &Estimate) -> String {
    format!(
        "{}× <span class=muted>[{}, {}]</span>",
        three_significant(e.point),
        three_significant(e.low),
        three_significant(e.high)
    )
}

fn timing(size: &SizeResult, side: Side) -> Option<&SideTiming> {
    size.timings.iter().find(|t| t.side == side)
}

fn correctness_cell(c: &Correctness) -> String {
    match c {
        Correctness::Agree { agreement } => format!(
            "<span class=ok>agree</span> <span class=muted>max |Δ| {:.1e}{}</span>",
            agreement.max_abs_error,
            if agreement.borderline > 0 {
                format!(", {} on threshold", agreement.borderline)
            } else {
                String::new()
            }
        ),
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
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

fn or_missing(cell: Option<String>) -> String {
    cell.unwrap_or_else(|| "<span class=bad>missing</span>".into())
}

fn summary_rows(out: &mut String, pair: &PairResult) {
    for size in &pair.sizes {
        let time = |side| timing(size, side).map(|t| format_duration(t.mean_ns.point));
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
fn alternatives_cell(size: &SizeResult) -> String {
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
/// speedup a Python fix gives).
fn alternatives_detail(out: &mut String, pair: &PairResult) {
    if pair.alternatives.is_empty() {
        return;
    }
    out.push_str("<h4>Peers and fixed baselines</h4><dl>");
    for info in &pair.alternatives {
        let _ = write!(
            out,
            "<dt>{side}: <code>{f}</code></dt><dd>{note}; checked against the baseline by {mode}, {tol}</dd>",
            side = info.side,
            mode = esc(info.comparison.describe()),
            f = esc(&info.function),
            note = esc(&info.note),
            tol = esc(&info.tolerance.to_string()),
        );
    }
    out.push_str(
        "</dl><table><tr><th>size</th><th class=l>side</th><th>its time ÷ Rust (1 thread)</th>\
         <th>Python ÷ its time</th><th class=l>its answer vs the baseline</th></tr>",
    );
    let ratio = |e: &Option<Estimate>| e.as_ref().map(format_ratio).unwrap_or_else(|| "—".into());
    for size in &pair.sizes {
        for alt in &size.alternatives {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=l>{}</td><td>{}</td><td>{}</td><td class=l>{}</td></tr>",
                size.size,
                alt.side,
                ratio(&alt.rust_speedup),
                ratio(&alt.speedup_over_python),
                correctness_cell(&alt.correctness),
            );
        }
    }
    out.push_str("</table>");
}

fn pair_detail(out: &mut String, pair: &PairResult) {
    let _ = write!(
        out,
        "<h3 id=\"{k}\">{k}</h3><dl>\
         <dt>What</dt><dd>{summary}</dd>\
         <dt>Python baseline</dt><dd><code>{py}</code></dd>\
         <dt>Input</dt><dd>{input}</dd>\
         <dt>Comparison</dt><dd>{cmp}; {tol}</dd>\
         <dt>Why that tolerance</dt><dd>{why}</dd>\
         <dt>Claims fed</dt><dd>{claims}</dd>\
         <dt>Scaling</dt><dd>{scaling}</dd></dl>",
        k = esc(&pair.kernel),
        summary = esc(&pair.summary),
        py = esc(&pair.python_function),
        input = esc(&pair.input),
        cmp = esc(pair.comparison.describe()),
        tol = esc(&pair.tolerance.to_string()),
        why = esc(&pair.tolerance_rationale),
        claims = esc(&pair.claims.join(", ")),
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
        "<table><tr><th>size</th><th>seed</th><th>side</th><th>mean [95% CI]</th><th>median</th>\
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
    out.push_str("</table>");
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

/// The CSR graph's bytes against the budget (24 per edge + 16 per node) and
/// beside what networkx and the peers hold for the same graph.
fn graph_memory(out: &mut String, results: &Results) {
    if results.graph_footprints.is_empty() {
        return;
    }
    out.push_str(
        "<h2 id=memory>Graph memory</h2><p class=muted>Bytes per undirected edge. Rust: the CSR graph's \
         arrays, exact. Python libraries: Python objects kept (tracemalloc) and, separately, C-heap \
         bytes in use (glibc mallinfo2), each measured around building the graph with \
         temporaries freed; Python allocations over 512 bytes appear in both, so the two are \
         not added. Budget: 24 bytes per edge + 16 per node.</p>\
         <table><tr><th>nodes</th><th>edges</th><th>Rust CSR</th><th class=l>budget</th>",
    );
    let libraries: Vec<&str> = results.graph_footprints[0]
        .libraries
        .iter()
        .map(|l| l.library.as_str())
        .collect();
    for library in &libraries {
        let _ = write!(out, "<th>{} (Python objects + C heap)</th>", esc(library));
    }
    out.push_str("</tr>");
    for f in &results.graph_footprints {
        let per_edge = |bytes: f64| bytes / f.edges.max(1) as f64;
        let budget = 24 * f.edges + 16 * f.nodes;
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td class=l>{}</td>",
            f.nodes,
            f.edges,
            f.rust_bytes_per_edge(),
            if f.rust_csr_bytes <= budget {
                format!(
                    "<span class=ok>within</span> ({:.1})",
                    per_edge(budget as f64)
                )
            } else {
                format!(
                    "<span class=bad>over</span> ({:.1})",
                    per_edge(budget as f64)
                )
            },
        );
        for library in &libraries {
            match f.libraries.iter().find(|l| l.library == *library) {
                Some(l) => {
                    let _ = write!(
                        out,
                        "<td>{:.1} + {:.1}</td>",
                        per_edge(l.python_object_bytes),
                        per_edge(l.c_heap_bytes)
                    );
                }
                None => out.push_str("<td>—</td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
}

/// Peak memory per call, both sides, every kernel × size.
fn call_memory(out: &mut String, results: &Results) {
    out.push_str(
        "<h2 id=call-memory>Memory per call</h2><p class=muted>Bytes one call allocates at its peak \
         beyond its prepared input, measured in a run separate from timing: the Rust twin under a \
         counting global allocator, the Python baseline under <code>tracemalloc</code> (numpy's \
         buffers included). “Retained” is what the Rust call still holds after its result is \
         dropped: anything but 0 is a leak.</p><table><tr><th class=l>kernel</th><th>size</th>\
         <th>Rust peak</th><th>Python peak</th><th>Python ÷ Rust</th><th>Rust retained</th></tr>",
    );
    let bytes = |b: u64| {
        if b >= 1 << 20 {
            format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20))
        } else if b >= 1 << 10 {
            format!("{:.1} KiB", b as f64 / 1024.0)
        } else {
            format!("{b} B")
        }
    };
    for pair in &results.pairs {
        for size in &pair.sizes {
            let Some(m) = &size.memory else { continue };
            let rust = m.rust.map(|r| bytes(r.peak_bytes));
            let python = m.python.map(|p| bytes(p.peak_bytes));
            let ratio = match (m.rust, m.python) {
                (Some(r), Some(p)) => Some(format!(
                    "{:.1}×",
                    p.peak_bytes as f64 / r.peak_bytes.max(1) as f64
                )),
                _ => None,
            };
            let retained = m.rust.map(|r| {
                if r.retained_bytes == 0 {
                    "0".to_string()
                } else {
                    format!("<span class=bad>{} B</span>", r.retained_bytes)
                }
            });
            let _ = write!(
                out,
                "<tr><td class=l><a href=\"#{k}\">{k}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                size.size,
                or_missing(rust),
                or_missing(python),
                or_missing(ratio),
                or_missing(retained),
                k = esc(&pair.kernel),
            );
        }
    }
    out.push_str("</table>");
}

/// The pairs grouped by the part of the original service they come from, in
/// scenario order within each group.
fn by_domain(results: &Results) -> Vec<(Domain, Vec<&PairResult>)> {
    let mut groups: Vec<(Domain, Vec<&PairResult>)> = Vec::new();
    for pair in &results.pairs {
        match groups.iter_mut().find(|(d, _)| *d == pair.domain) {
            Some((_, pairs)) => pairs.push(pair),
            None => groups.push((pair.domain, vec![pair])),
        }
    }
    groups
}

fn domain_slug(domain: Domain) -> &'static str {
    match domain {
        Domain::Analytics => "analytics",
        Domain::Detection => "detection",
    }
}

fn domain_name(domain: Domain) -> &'static str {
    match domain {
        Domain::Analytics => "Analytics engine",
        Domain::Detection => "AI detection",
    }
}

/// An inline SVG chart, or why there is none.
fn figure(out: &mut String, svg: Option<String>, missing: &str) {
    match svg {
        Some(svg) => {
            let svg = svg.trim_start_matches(|c| c != '<');
            let _ = write!(out, "<figure>{svg}</figure>");
        }
        None => {
            let _ = write!(out, "<p class=muted>{}</p>", esc(missing));
        }
    }
}

fn problem_list(out: &mut String, problems: &[String]) {
    if problems.is_empty() {
        return;
    }
    out.push_str("<ul class=problems>");
    for p in problems {
        let _ = write!(out, "<li>{}</li>", esc(p));
    }
    out.push_str("</ul>");
}

/// The whole page.
pub fn render(results: &Results) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <title>twinbench report {id}</title><style>{STYLE}</style></head><body>\
         <h1>twinbench report</h1><p class=muted>run {id} · {created} · scenario <code>{scenario}</code>{desc}</p>",
        id = esc(&results.run_id),
        created = esc(&results.created_at),
        scenario = esc(&results.scenario.path),
        desc = if results.scenario.description.is_empty() {
            String::new()
        } else {
            format!(" — {}", esc(&results.scenario.description))
        },
    );

    let checked: usize = results.pairs.iter().map(|p| p.sizes.len()).sum();
    let agreed: usize = results
        .pairs
        .iter()
        .flat_map(|p| &p.sizes)
        .filter(|s| s.correctness.is_agree())
        .count();
    let _ = write!(
        out,
        "<p>{agreed} of {checked} pair × size checks agree{}.</p>",
        if agreed == checked {
            ""
        } else {
            " — <span class=bad>see the failures below</span>"
        }
    );
    problem_list(&mut out, &results.problems);

    out.push_str(
        "<nav><strong>Contents</strong>: <a href=\"#verdicts\">verdicts</a> · \
         <a href=\"#claims\">claims ledger</a> · <a href=\"#speedups\">speedups</a> · \
         <a href=\"#scaling\">scaling and threads</a> · <a href=\"#call-memory\">memory per call</a> · <a href=\"#memory\">graph memory</a> · <a href=\"#concurrency\">concurrency</a> · \
         <a href=\"#defects\">defects</a> · <a href=\"#pairs\">kernel details</a> · \
         <a href=\"#environment\">environment</a></nav>",
    );
    super::ledger::verdicts_section(&mut out, results);
    super::ledger::claims_section(&mut out, results);

    out.push_str(
        "<h2 id=speedups>Speedups</h2><p class=muted>Means per call; intervals are 95% percentile-bootstrap \
         intervals over criterion's samples. Python times include networkx/pandas work the \
         original pays on every call (e.g. building the scipy matrix inside nx.pagerank) and \
         one pyo3 call. “peer ÷ Rust” divides a peer library's time (or the original with its \
         accidental slowness fixed) by the single-thread twin's: above 1× the twin is faster. \
         “÷ copy” columns divide a Rust time by the time to copy the \
         prepared input (allocation included): 1× would be as fast as copying the input once.</p>\
         <table><tr><th class=l>kernel</th><th>size</th><th>Python</th><th>Rust (1 thread)</th>\
         <th>speedup</th><th>1 thread ÷ parallel</th><th class=l>peer or fixed Python ÷ Rust</th>\
         <th>1 thread ÷ copy</th><th>parallel ÷ copy</th><th class=l>correctness</th></tr>",
    );
    for (domain, pairs) in by_domain(results) {
        let _ = write!(
            out,
            "<tr class=group id=\"speedups-{slug}\"><th class=l colspan=10>{name} ({n} kernels)</th></tr>",
            slug = domain_slug(domain),
            name = domain_name(domain),
            n = pairs.len(),
        );
        for pair in pairs {
            summary_rows(&mut out, pair);
        }
    }
    out.push_str("</table>");

    figure(
        &mut out,
        speedup_chart(results),
        "No speedups to chart: no pair has timings for both sides.",
    );

    out.push_str(
        "<h2 id=scaling>Scaling and threads</h2><p class=muted>How each side's time grows \
         with input size (slope of a log–log fit over the sizes run, 95% bootstrap interval), \
         and what the parallel path gains over one thread.</p>",
    );
    for (chart, missing) in [
        (
            scaling_chart(results),
            "No kernel was timed at two sizes or more.",
        ),
        (
            thread_chart(results),
            "No kernel has a parallel path timed.",
        ),
    ] {
        figure(&mut out, chart, missing);
    }

    call_memory(&mut out, results);
    figure(&mut out, memory_chart(results), "No memory measured.");
    graph_memory(&mut out, results);

    super::concurrency::section(
        &mut out,
        results.concurrency.as_ref(),
        &results.locking_overhead,
    );

    if !results.defects.is_empty() {
        out.push_str(
            "<h2 id=defects>Defects found in the original</h2><table><tr><th class=l>id</th>\
             <th class=l>kernel</th><th class=l>what breaks</th><th class=l>what the baseline does</th>\
             <th class=l>where</th></tr>",
        );
        for d in &results.defects {
            let _ = write!(
                out,
                "<tr><td class=l>{}</td><td class=l><a href=\"#{k}\">{k}</a></td><td class=l>{}</td>\
                 <td class=l>{}</td><td class=l>{}</td></tr>",
                esc(&d.id),
                esc(&d.breaks),
                esc(&d.baseline),
                esc(&d.catalog),
                k = esc(&d.kernel),
            );
        }
        out.push_str("</table>");
    }

    // An index first: at 200 kernels the details are a long scroll, and
    // every name here (and in every table above) links to its entry.
    out.push_str("<h2 id=pairs>Kernel pairs</h2><dl class=index>");
    for (domain, pairs) in by_domain(results) {
        let links: Vec<String> = pairs
            .iter()
            .map(|p| format!("<a href=\"#{k}\">{k}</a>", k = esc(&p.kernel)))
            .collect();
        let _ = write!(
            out,
            "<dt><a href=\"#pairs-{slug}\">{name}</a></dt><dd>{}</dd>",
            links.join(" · "),
            slug = domain_slug(domain),
            name = domain_name(domain),
        );
    }
    out.push_str("</dl>");
    for (domain, pairs) in by_domain(results) {
        let _ = write!(
            out,
            "<h3 class=group id=\"pairs-{}\">{}</h3>",
            domain_slug(domain),
            domain_name(domain)
        );
        for pair in pairs {
            pair_detail(&mut out, pair);
        }
    }

    out.push_str("<h2 id=environment>Environment</h2><dl>");
    let m = &results.machine;
    let _ = write!(
        out,
        "<dt>Machine</dt><dd>{} · {} logical CPUs · {} · {}/{}</dd>",
        esc(&m.cpu_model),
        m.logical_cpus,
        m.memory_bytes
            .map(|b| format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64))
            .unwrap_or_else(|| "memory unknown".into()),
        esc(&m.os),
        esc(&m.arch),
    );
    let v = &results.versions;
    let _ = write!(
        out,
        "<dt>Rust</dt><dd>{} · twinbench {} · criterion {}</dd><dt>Python</dt><dd>{}</dd><dt>Packages</dt><dd>{}</dd>",
        esc(&v.rustc),
        esc(&v.twinbench),
        esc(&v.criterion),
        esc(v.python.as_deref().unwrap_or("not started")),
        esc(&v
            .python_packages
            .iter()
            .map(|p| format!("{} {}", p.package, p.version))
            .collect::<Vec<_>>()
            .join(", ")),
    );
    let _ = write!(
        out,
        "<dt>Commit</dt><dd>{}</dd>",
        match &results.git {
            Some(g) => format!(
                "<code>{}</code>{}",
                esc(&g.commit),
                if g.dirty {
                    " (with uncommitted changes)"
                } else {
                    ""
                }
            ),
            None => "not a git checkout".into(),
        }
    );
    let _ = write!(
        out,
        "<dt>Timings from</dt><dd>{}</dd>",
        match &results.bench_run {
            Some(run) => format!(
                "<code>cargo bench</code> started {}{}",
                esc(&run.started_at),
                run.git
                    .as_ref()
                    .map(|g| format!(
                        " at commit <code>{}</code>{}",
                        esc(&g.commit),
                        if g.dirty {
                            " with uncommitted changes"
                        } else {
                            ""
                        }
                    ))
                    .unwrap_or_default()
            ),
            None => "<span class=bad>unknown: no record of a measuring run</span>".into(),
        }
    );
    let _ = write!(
        out,
        "<dt>pyo3 call overhead</dt><dd>{}</dd></dl>",
        results
            .pyo3_call_overhead
            .as_ref()
            .map(|t| format!(
                "{} per call (no-op Python function), included in every Python time",
                format_duration(t.mean_ns.point)
            ))
            .unwrap_or_else(|| "<span class=bad>not measured</span>".into())
    );
    let _ = writeln!(
        out,
        "<p class=muted>Schema version {}. Data: <code>{}/results.json</code>.</p></body></html>",
        results.schema_version,
        esc(&results.run_id)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_use_three_significant_digits() {
        assert_eq!(format_duration(812_000_000.0), "812 ms");
        assert_eq!(format_duration(1_234.0), "1.23 µs");
        assert_eq!(format_duration(45.67), "45.7 ns");
        assert_eq!(format_duration(2.5e9), "2.50 s");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
