//! The memory sections: graph footprints per library and peak / retained
//! bytes per call, both sides.

use std::fmt::Write;

use super::markup::{esc, format_call_bytes as bytes, or_missing};
use crate::results::Results;

/// The CSR graph's bytes against the budget (24 per edge + 16 per node) and
/// beside what networkx and the peers hold for the same graph.
pub(super) fn graph_memory(out: &mut String, results: &Results) {
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

/// Peak memory per call, both sides and any Rust peer, every kernel × size.
pub(super) fn call_memory(out: &mut String, results: &Results) {
    out.push_str(
        "<h2 id=call-memory>Memory per call</h2><p class=muted>Bytes one call allocates at its peak \
         beyond its prepared input, measured in a run separate from timing: the Rust twin under a \
         counting global allocator, the Python baseline under <code>tracemalloc</code> (numpy's \
         buffers included). “Retained” is what the Rust call still holds after its result is \
         dropped: anything but 0 is a leak. Rust peers (a crate timed beside the twin) are \
         measured like the twin.</p><table><tr><th class=l>kernel</th><th>size</th>\
         <th>Rust peak</th><th>Python peak</th><th>Python ÷ Rust</th><th>Rust retained</th>\
         <th class=l>Rust peers' peak</th></tr>",
    );
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
            let peers: Vec<String> = size
                .alternatives
                .iter()
                .filter_map(|a| Some(format!("{}: {}", a.side, bytes(a.memory?.peak_bytes))))
                .collect();
            let _ = write!(
                out,
                "<tr><td class=l><a href=\"#{k}\">{k}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=l>{}</td></tr>",
                size.size,
                or_missing(rust),
                or_missing(python),
                or_missing(ratio),
                or_missing(retained),
                if peers.is_empty() {
                    "—".to_string()
                } else {
                    peers.join("<br>")
                },
                k = esc(&pair.kernel),
            );
        }
    }
    out.push_str("</table>");
}
