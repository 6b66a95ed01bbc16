//! The memory sections: graph footprints per library and peak / retained
//! bytes per call, both sides.

use std::fmt::Write;

use super::markup::{esc, format_call_bytes as bytes, or_missing};
use crate::pairs::memory_notes::MemoryNoteKind;
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
         <div class=scroll><table><tr><th>nodes</th><th>edges</th><th>Rust CSR</th><th class=l>budget</th>",
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
    out.push_str("</table></div>");
}

/// The kernel × size where the twin's peak is largest against its
/// baseline's (compared bytes): `(kernel, size, rust, python)`.
fn worst_ratio(results: &Results) -> Option<(&str, usize, u64, u64)> {
    results
        .pairs
        .iter()
        .flat_map(|pair| pair.sizes.iter().map(move |s| (pair, s)))
        .filter_map(|(pair, s)| {
            let m = s.memory.as_ref()?;
            let (r, p) = (m.rust?, m.python?);
            Some((
                pair.kernel.as_str(),
                s.size,
                r.peak_bytes,
                p.compared_bytes(),
            ))
        })
        .max_by(|a, b| {
            let ratio = |x: &(&str, usize, u64, u64)| x.2 as f64 / x.3.max(1) as f64;
            ratio(a).total_cmp(&ratio(b))
        })
}

/// Peak memory per call, both sides and any Rust peer, every kernel × size.
pub(super) fn call_memory(out: &mut String, results: &Results) {
    let worst = match worst_ratio(results) {
        Some((kernel, size, rust, python)) => format!(
            "<p>Highest twin peak against its baseline's: <a href=\"#{k}\">{k}</a> @ {size}, \
             {} against {} ({:.2}× the baseline's){}.</p>",
            bytes(rust),
            bytes(python),
            rust as f64 / python.max(1) as f64,
            if rust > python {
                ": <span class=bad>the twin needs more</span>"
            } else {
                ""
            },
            k = esc(kernel),
        ),
        None => String::new(),
    };
    let _ = write!(
        out,
        "<h2 id=call-memory>Memory per call</h2><p class=muted>Bytes one call allocates at its peak \
         beyond its prepared input, measured in a run separate from timing: the Rust twin under a \
         counting global allocator, the Python baseline under <code>tracemalloc</code> (numpy's \
         buffers included), and, since tracemalloc cannot see what C or Cython code takes from \
         <code>malloc</code> (scikit-learn's tree nodes, for one), the C heap the result of a \
         second, untraced call holds (glibc <code>mallinfo2</code>, result alive minus dropped) \
         and how far that call raised the process's peak resident size (Linux <code>VmHWM</code>, \
         reset before it: what native code allocates and frees within the call, such as \
         libsvm's kernel cache). The three Python figures are lower bounds of its true peak and \
         overlap, so the sides are compared on the largest, never the sum. “Retained” is what the Rust call still holds \
         after its result is dropped: anything but 0 is a leak. Rust peers (a crate timed \
         beside the twin) are measured like the twin.</p>{worst}<div class=scroll><table><tr>\
         <th class=l>kernel</th><th>size</th><th>Rust peak</th><th>Python peak \
         (tracemalloc)</th><th>C heap its result holds</th><th>resident growth</th>\
         <th>Python ÷ Rust</th>\
         <th>Rust retained</th><th class=l>Rust peers' peak</th></tr>",
    );
    for pair in &results.pairs {
        for size in &pair.sizes {
            let Some(m) = &size.memory else { continue };
            let rust = m.rust.map(|r| bytes(r.peak_bytes));
            let python = m.python.map(|p| bytes(p.peak_bytes));
            let c_heap = m.python.and_then(|p| p.result_c_heap_bytes).map(bytes);
            let resident = m.python.and_then(|p| p.resident_growth_bytes).map(bytes);
            let ratio = match (m.rust, m.python) {
                (Some(r), Some(p)) => {
                    let ratio = p.compared_bytes() as f64 / r.peak_bytes.max(1) as f64;
                    Some(if r.peak_bytes > p.compared_bytes() {
                        format!("<span class=bad>{ratio:.2}×</span>")
                    } else {
                        format!("{ratio:.1}×")
                    })
                }
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
                "<tr><td class=l><a href=\"#{k}\">{k}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=l>{}</td></tr>",
                size.size,
                or_missing(rust),
                or_missing(python),
                or_missing(c_heap),
                or_missing(resident),
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
    out.push_str("</table></div>");
    let notes: Vec<String> = results
        .pairs
        .iter()
        .filter_map(|pair| {
            let note = pair.memory_note.as_ref()?;
            Some(format!(
                "<li><a href=\"#{k}\">{k}</a> ({}): {}</li>",
                match note.kind {
                    MemoryNoteKind::NotLikeForLike =>
                        "not like for like; does not decide the verdict",
                    MemoryNoteKind::TwinHoldsMore =>
                        "the twin holds more; counts against the verdict",
                },
                esc(&note.text),
                k = esc(&pair.kernel),
            ))
        })
        .collect();
    if !notes.is_empty() {
        let _ = write!(
            out,
            "<h3 id=memory-notes>Where a twin can read above its baseline, and why</h3><ul>{}</ul>",
            notes.concat()
        );
    }
}
