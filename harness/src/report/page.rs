//! The whole page: the style sheet and the order of the sections.

use std::fmt::Write;

use super::markup::{esc, figure, format_duration, problem_list};
use super::memory::{call_memory, graph_memory};
use super::pairs::{by_domain, domain_name, domain_slug, pair_detail, summary_rows};
use super::{memory_chart, scaling_charts, speedup_panels, thread_chart};
use crate::results::Results;

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;color:#1d1d1f;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{padding:.35rem .55rem;border-bottom:1px solid #e5e5e5;text-align:right;vertical-align:top}
th{background:#f5f5f7}td.l,th.l{text-align:left}code.wrap{word-break:break-all;font-size:.8rem}.ok{color:#0a7d28;font-weight:600}.bad{color:#b3261e;font-weight:600}
.muted{color:#666;font-size:.85rem}code{background:#f5f5f7;padding:0 .2rem;border-radius:3px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
.problems li{color:#b3261e}figure{margin:1rem 0}svg{max-width:100%;height:auto}
.panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,30rem),1fr));gap:.4rem 1rem}.panels figure{margin:0}
.scroll,pre{overflow-x:auto;max-width:100%}p,dd,li,h2,h3{overflow-wrap:anywhere}
tr.group th{background:#e8eef7;font-size:.95rem}h3.group{margin-top:1.6rem;color:#244a7a}dl.index dd{line-height:1.7}
";

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
         <a href=\"#scaling\">scaling and threads</a> · <a href=\"#latency\">latency</a> · <a href=\"#http\">HTTP service</a> · <a href=\"#stream\">stream latency</a> · <a href=\"#shadow\">shadow mode</a> · <a href=\"#boundary\">crossing from Python</a> · <a href=\"#call-memory\">memory per call</a> · <a href=\"#memory\">graph memory</a> · <a href=\"#concurrency\">concurrency</a> · <a href=\"#rollout\">rollout</a> · \
         <a href=\"#defects\">defects</a> · <a href=\"#pairs\">kernel details</a> · \
         <a href=\"#environment\">environment</a></nav>",
    );
    super::verdicts::verdicts_section(&mut out, results);
    super::verdicts::claims_section(&mut out, results);

    out.push_str(
        "<h2 id=speedups>Speedups</h2><p class=muted>Means per call; intervals are 95% percentile-bootstrap \
         intervals over criterion's samples. Python times include networkx/pandas work the \
         original pays on every call (e.g. building the scipy matrix inside nx.pagerank) and \
         one pyo3 call. “peer ÷ Rust” divides a peer library's time (rustworkx and igraph called \
         from Python, a Rust crate such as linfa called in process like the twin, or the \
         original with its accidental slowness fixed) by the single-thread twin's: above 1× \
         the twin is faster. \
         “÷ copy” columns divide a Rust time by the time to copy the \
         prepared input (allocation included): 1× would be as fast as copying the input once.</p>\
         <div class=scroll><table><tr><th class=l>kernel</th><th>size</th><th>Python</th><th>Rust (1 thread)</th>\
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
    out.push_str("</table></div>");

    speedup_figures(&mut out, results);

    out.push_str(
        "<h2 id=scaling>Scaling and threads</h2><p class=muted>How each side's time grows \
         with input size (slope of a log–log fit over the sizes run, 95% bootstrap interval), \
         and what the parallel path gains over one thread.</p>",
    );
    let scaling = scaling_charts(results);
    if scaling.is_empty() {
        figure(&mut out, None, "No kernel was timed at two sizes or more.");
    }
    for chart in scaling {
        figure(&mut out, Some(chart), "");
    }
    figure(
        &mut out,
        thread_chart(results),
        "No kernel has a parallel path timed.",
    );

    super::latency::section(&mut out, &results.latencies);
    super::http::section(&mut out, results.http.as_ref());
    super::stream::section(&mut out, results.stream.as_ref());
    super::shadow::section(&mut out, &results.shadow);
    super::boundary::section(&mut out, results);

    call_memory(&mut out, results);
    figure(&mut out, memory_chart(results), "No memory measured.");
    graph_memory(&mut out, results);

    super::concurrency::section(
        &mut out,
        results.concurrency.as_ref(),
        &results.locking_overhead,
    );
    super::rollout::section(&mut out, &results.rollouts);

    if !results.defects.is_empty() {
        out.push_str(
            "<h2 id=defects>Defects found in the original</h2><div class=scroll><table><tr><th class=l>id</th>\
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
        out.push_str("</table></div>");
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
    // The other pin sets' interpreters (crate::pins), each beside the pairs
    // that ran under it.
    for set in &v.pin_sets {
        let kernels: Vec<&str> = results
            .pairs
            .iter()
            .filter(|p| p.pins == set.pins)
            .map(|p| p.kernel.as_str())
            .collect();
        let _ = write!(
            out,
            "<dt>Packages, {pins} pins</dt><dd>{packages} ({origin}; its own venv and process, \
             for {kernels})</dd>",
            pins = esc(set.pins.id()),
            packages = esc(&set
                .python_packages
                .iter()
                .map(|p| format!("{} {}", p.package, p.version))
                .collect::<Vec<_>>()
                .join(", ")),
            origin = esc(set.pins.origin()),
            kernels = esc(&kernels.join(", ")),
        );
    }
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
    let _ = write!(
        out,
        "<dl><dt>thread-pool hop</dt><dd>{}</dd></dl>",
        results
            .executor_hop
            .as_ref()
            .map(|h| format!(
                "{}{} per kernel call: what the original's <code>await \
                 loop.run_in_executor(ThreadPoolExecutor(4), ...)</code> adds around each \
                 analytics kernel (twice for community detection), measured as {} through \
                 the pool − {} inline. Not in any Python time above: read small sizes' \
                 speedups against it.",
                if h.hop_ns() < 0.0 { "−" } else { "" },
                format_duration(h.hop_ns().abs()),
                format_duration(h.through_executor.mean_ns.point),
                format_duration(h.direct.mean_ns.point)
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

/// The speedup small multiples: a grid of panels, one or more per domain,
/// every panel on the same axes.
fn speedup_figures(out: &mut String, results: &Results) {
    let panels = speedup_panels(results);
    if panels.is_empty() {
        figure(
            out,
            None,
            "No speedups to chart: no pair has timings for both sides.",
        );
        return;
    }
    out.push_str(
        "<p class=muted>Speedup (Python time ÷ Rust time, one thread, 95% interval) against \
         input size, one panel per domain, all panels on the same log–log axes; each kernel \
         has its own colour and marker, and the names on the right are in the order the \
         lines end, top to bottom.</p><div class=panels id=speedup-panels>",
    );
    for panel in panels {
        figure(out, Some(panel.svg), "");
    }
    out.push_str("</div>");
}
