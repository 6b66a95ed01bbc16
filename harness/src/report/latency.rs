//! The latency section: per-call latency distributions, both sides, with
//! the promised percentile beside the measured one.

use std::fmt::Write;

use super::markup::{esc, format_duration};
use crate::results::{LatencyDistribution, LatencyResult};

/// Writes the section (a visible note when the run measured no latency).
pub(super) fn section(out: &mut String, latencies: &[LatencyResult]) {
    out.push_str("<h2 id=latency>Latency per call</h2>");
    if latencies.is_empty() {
        out.push_str(
            "<p class=muted>Not measured in this run: a latency is timed only when the \
             scenario runs its pair at the window size (the full profile does).</p>",
        );
        return;
    }
    out.push_str(
        "<p class=muted>Each call timed on its own, in \
         stream order, both sides on the same generated stream; percentiles by nearest rank \
         (a measured call, never an interpolation). A p99 needs 100 calls or more; the slower \
         side runs fewer calls, so its p99 may be missing. Timings vary with the machine's \
         load: they are reported, and no test asserts them.</p>",
    );
    for l in latencies {
        let _ = write!(
            out,
            "<h3 id=\"latency-{name}\">{name}</h3><p>{description} (<a href=\"#{pair}\">{pair}</a>)</p>",
            name = esc(&l.name),
            description = esc(&l.description),
            pair = esc(&l.pair),
        );
        if let Some(t) = &l.target {
            let measured = l.rust.as_ref().map(|d| d.percentile(t.percentile) as f64);
            let (class, verdict) = match measured {
                Some(m) if m < t.under_ns => ("good", "met"),
                Some(_) => ("bad", "not met"),
                None => ("bad", "not measured"),
            };
            let _ = write!(
                out,
                "<p>Target: p{p} under {under} ({source}). Twin: p{p} = {measured} — \
                 <span class={class}>{verdict}</span>.</p>",
                p = t.percentile,
                under = format_duration(t.under_ns),
                source = esc(&t.source),
                measured = measured.map_or_else(|| "—".to_string(), format_duration),
            );
        }
        out.push_str(
            "<div class=scroll><table><tr><th class=l>side</th><th>calls</th><th>p50</th>\
             <th>p90</th><th>p99</th><th>max</th><th>mean</th></tr>",
        );
        for (side, d) in [("Python", &l.python), ("Rust", &l.rust)] {
            match d {
                Some(d) => {
                    let _ = write!(
                        out,
                        "<tr><td class=l>{side}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                         <td>{}</td><td>{}</td></tr>",
                        d.calls(),
                        format_duration(d.p50_ns as f64),
                        format_duration(d.p90_ns as f64),
                        d.p99_ns
                            .map_or_else(|| "—".to_string(), |p| format_duration(p as f64)),
                        format_duration(d.max_ns as f64),
                        format_duration(d.mean_ns),
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        "<tr><td class=l>{side}</td><td class=l colspan=6>not measured</td></tr>"
                    );
                }
            }
        }
        if let (Some(p), Some(r)) = (&l.python, &l.rust) {
            let _ = write!(
                out,
                "<tr><td class=l>Python ÷ Rust</td><td></td><td>{:.0}×</td><td>{:.0}×</td>\
                 <td></td><td>{:.0}×</td><td>{:.0}×</td></tr>",
                p.p50_ns as f64 / r.p50_ns as f64,
                p.p90_ns as f64 / r.p90_ns as f64,
                p.max_ns as f64 / r.max_ns as f64,
                p.mean_ns / r.mean_ns,
            );
        }
        out.push_str("</table></div>");
        super::markup::problem_list(out, &l.problems);
        if let Some(svg) = cdf_chart(l) {
            super::markup::figure(out, Some(svg), "");
        }
    }
}

/// Both sides' cumulative distributions on one log time axis.
fn cdf_chart(l: &LatencyResult) -> Option<String> {
    let sides: Vec<(&str, &str, Vec<u64>)> = [
        ("Python", "#b2182b", &l.python),
        ("Rust", "#2166ac", &l.rust),
    ]
    .into_iter()
    .filter_map(|(name, colour, d)| {
        d.as_ref()
            .map(|d: &LatencyDistribution| (name, colour, d.sorted_samples()))
    })
    .collect();
    let all = sides.iter().flat_map(|(_, _, s)| s.iter().copied());
    let lo = all.clone().min()?.max(1) as f64;
    let hi = all.max()?.max(2) as f64;
    let (lo_decade, hi_decade) = (
        lo.log10().floor(),
        hi.log10().ceil().max(lo.log10().floor() + 1.0),
    );
    let (w, h, left, right, top, bottom) = (640.0, 240.0, 56.0, 16.0, 12.0, 36.0);
    let x = |ns: f64| {
        left + (ns.max(1.0).log10() - lo_decade) / (hi_decade - lo_decade) * (w - left - right)
    };
    let y = |q: f64| top + (1.0 - q) * (h - top - bottom);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         role=img aria-label=\"cumulative distribution of per-call latency, {name}\">",
        name = esc(&l.name)
    );
    for (q, label) in [(0.0, "0"), (0.5, "p50"), (0.9, "p90"), (0.99, "p99")] {
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{x2}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{tx}\" y=\"{ty:.1}\" font-size=\"11\" text-anchor=\"end\">{label}</text>",
            x2 = w - right,
            yy = y(q),
            tx = left - 4.0,
            ty = y(q) + 4.0,
        );
    }
    let mut decade = lo_decade;
    while decade <= hi_decade {
        let ns = 10f64.powf(decade);
        let _ = write!(
            svg,
            "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{top}\" y2=\"{yb}\" stroke=\"#eee\"/>\
             <text x=\"{xx:.1}\" y=\"{ty}\" font-size=\"11\" text-anchor=\"middle\">{label}</text>",
            xx = x(ns),
            yb = h - bottom,
            ty = h - bottom + 14.0,
            label = format_duration(ns),
        );
        decade += 1.0;
    }
    if let Some(t) = &l.target {
        let _ = write!(
            svg,
            "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{top}\" y2=\"{yb}\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\
             <text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"11\">target</text>",
            xx = x(t.under_ns),
            yb = h - bottom,
            tx = x(t.under_ns) + 3.0,
            ty = top + 10.0,
        );
    }
    for (k, (name, colour, sorted)) in sides.iter().enumerate() {
        let n = sorted.len() as f64;
        let mut path = String::new();
        for (i, &ns) in sorted.iter().enumerate() {
            let (px, below, above) = (x(ns as f64), y(i as f64 / n), y((i + 1) as f64 / n));
            let _ = write!(
                path,
                "{}{px:.1},{below:.1} L{px:.1},{above:.1} ",
                if i == 0 { "M" } else { "L" }
            );
        }
        let _ = write!(
            svg,
            "<path d=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"/>\
             <text x=\"{lx}\" y=\"{ly}\" font-size=\"12\" fill=\"{colour}\">{name} ({calls} calls)</text>",
            lx = left + 8.0,
            ly = top + 14.0 + 14.0 * k as f64,
            calls = sorted.len(),
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::LatencyTarget;

    fn result(rust: Vec<u64>, python: Vec<u64>) -> LatencyResult {
        LatencyResult {
            name: "per_alert".into(),
            pair: "alert_correlation".into(),
            description: "one call".into(),
            target: Some(LatencyTarget {
                percentile: 99.0,
                under_ns: 100_000.0,
                source: "issue 18".into(),
            }),
            rust: LatencyDistribution::from_samples(rust),
            python: LatencyDistribution::from_samples(python),
            problems: Vec::new(),
        }
    }

    #[test]
    fn the_target_is_judged_on_the_twins_percentile() {
        let mut out = String::new();
        let fast: Vec<u64> = (0..200).map(|i| 50_000 + i).collect();
        section(&mut out, &[result(fast, vec![200_000_000; 30])]);
        assert!(out.contains("<span class=good>met</span>"), "{out}");
        assert!(out.contains("<svg"), "a distribution chart");
        // Python's 30 calls have no p99.
        assert!(out.contains("<td>—</td>"), "{out}");

        let mut out = String::new();
        // 3 calls in 200 over the target: the p99 (rank 198) is one of them.
        let mut slow: Vec<u64> = vec![50_000; 197];
        slow.extend([150_000; 3]);
        section(&mut out, &[result(slow, Vec::new())]);
        assert!(out.contains("<span class=bad>not met</span>"), "{out}");
        assert!(out.contains("not measured"), "{out}");
    }

    #[test]
    fn no_latency_is_said_not_hidden() {
        let mut out = String::new();
        section(&mut out, &[]);
        assert!(out.contains("id=latency") && out.contains("Not measured"));
    }
}
