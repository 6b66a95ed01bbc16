//! The boundary section (issue 21's three-way timing): per pair with a
//! "twin from Python" column and per size, the original, the twin as the
//! Python service calls it (conversion included), and the twin called from
//! Rust, so what crossing from Python costs is a column, not a guess.

use super::markup::{esc, format_duration};
use crate::pairs::Side;
use crate::results::Results;

/// Writes the section (a visible note when no pair has the column).
pub(super) fn section(out: &mut String, results: &Results) {
    let rows: Vec<String> = results
        .pairs
        .iter()
        .flat_map(|pair| pair.sizes.iter().map(move |size| (pair, size)))
        .filter_map(|(pair, size)| {
            let alt = size
                .alternatives
                .iter()
                .find(|a| a.side == Side::TwinFromPython)?;
            let mean = |side| size.timing(side).map(|t| t.mean_ns.point);
            let (python, from_python, rust) = (
                mean(Side::Python),
                mean(Side::TwinFromPython),
                mean(Side::Rust),
            );
            let cell = |ns: Option<f64>| ns.map(format_duration).unwrap_or_else(|| "—".into());
            let boundary = from_python.zip(rust).map(|(p, r)| {
                format!(
                    "{} ({:.0}% of the call)",
                    if p >= r {
                        format_duration(p - r)
                    } else {
                        format!("−{}", format_duration(r - p))
                    },
                    100.0 * (p - r) / p
                )
            });
            let speedup = python
                .zip(from_python)
                .map(|(a, b)| format!("{:.1}×", a / b));
            let answer = if alt.correctness.is_agree() {
                String::new()
            } else {
                " <span class=bad>(answer differs)</span>".into()
            };
            Some(format!(
                "<tr><td class=l>{}</td><td>{}</td><td>{}</td><td>{}{answer}</td><td>{}</td>\
                 <td>{}</td><td>{}</td></tr>",
                esc(&pair.kernel),
                size.size,
                cell(python),
                cell(from_python),
                cell(rust),
                boundary.unwrap_or_else(|| "—".into()),
                speedup.unwrap_or_else(|| "—".into()),
            ))
        })
        .collect();
    out.push_str("<h2 id=boundary>Crossing from Python</h2>");
    if rows.is_empty() {
        out.push_str(
            "<p class=muted>No pair of this run has a twin-from-python column (the analytics \
             pairs and the detectors do).</p>",
        );
        return;
    }
    out.push_str(
        "<p class=muted>Mean time per call of the \
         original, of the twin as the Python service would call it (the original's code with \
         networkx dispatching to the twinbench backend, the graph converted on every call; or \
         the twinbench package function in place of the original), and of the same twin called \
         from Rust on its prepared input. The boundary is the difference: converting the \
         input, dispatching, building the Python answer. The last column is the speedup the \
         Python service would see.</p><div class=scroll><table><tr><th class=l>kernel</th>\
         <th>size</th><th>original</th><th>twin from Python</th><th>twin from Rust</th>\
         <th>boundary</th><th>original ÷ twin from Python</th></tr>",
    );
    for row in rows {
        out.push_str(&row);
    }
    out.push_str("</table></div>");
}
