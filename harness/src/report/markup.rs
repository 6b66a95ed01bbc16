//! Markup helpers every section uses: escaping, numbers in words, figures
//! and problem lists. A leaf: it uses no other part of the report.

use std::fmt::Write;

use crate::stats::Estimate;

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

/// 1536 → "1.5 KiB": bytes of one call, one decimal.
pub(super) fn format_call_bytes(b: u64) -> String {
    if b >= 1 << 20 {
        format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20))
    } else if b >= 1 << 10 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else {
        format!("{b} B")
    }
}

pub(super) fn three_significant(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

pub(super) fn format_ratio(e: &Estimate) -> String {
    format!(
        "{}× <span class=muted>[{}, {}]</span>",
        three_significant(e.point),
        three_significant(e.low),
        three_significant(e.high)
    )
}

pub(super) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

pub(super) fn or_missing(cell: Option<String>) -> String {
    cell.unwrap_or_else(|| "<span class=bad>missing</span>".into())
}

/// An inline SVG chart, or why there is none.
pub(super) fn figure(out: &mut String, svg: Option<String>, missing: &str) {
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

pub(super) fn problem_list(out: &mut String, problems: &[String]) {
    if problems.is_empty() {
        return;
    }
    out.push_str("<ul class=problems>");
    for p in problems {
        let _ = write!(out, "<li>{}</li>", esc(p));
    }
    out.push_str("</ul>");
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
