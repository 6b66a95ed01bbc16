//! The report's first two sections: a verdict per migrated component and the
//! claims ledger.

use std::fmt::Write;

use super::markup::{esc, format_duration, format_ratio};
use crate::results::Results;
use crate::results::verdicts::{ClaimVerdict, Readiness, RequirementStatus};

/// Ready / not ready per component, with each requirement's reason.
pub fn verdicts_section(out: &mut String, results: &Results) {
    out.push_str(
        "<h2 id=verdicts>Verdicts</h2><p class=muted>Seed 002's readiness checklist, measured: \
         correctness (differential checks against the faithful Python), concurrency (model \
         checks), speed (seed 000's rule: at least 90% of the baseline's performance, judged on \
         the speedup's 95% interval; for concurrent components the 20% locking-overhead budget), \
         memory. A component is ready only when every criterion that applies passes; \
         unmeasured is not a pass.</p><div class=scroll><table><tr><th class=l>component</th><th class=l>verdict</th>\
         <th class=l>correctness</th><th class=l>concurrency</th><th class=l>speed</th><th class=l>memory</th></tr>",
    );
    for v in &results.verdicts {
        let verdict = match v.readiness {
            Readiness::Ready => "<span class=ok>ready</span>",
            Readiness::NotReady => "<span class=bad>not ready</span>",
            Readiness::NotAssessed => "<span class=muted>not assessed</span>",
        };
        let _ = write!(
            out,
            "<tr><td class=l>{}</td><td class=l>{verdict}</td>",
            esc(&v.component)
        );
        if v.readiness == Readiness::NotAssessed {
            let why = v
                .requirements
                .first()
                .map(|c| c.detail.as_str())
                .unwrap_or("");
            let _ = write!(out, "<td class=l colspan=4>{}</td></tr>", esc(why));
            continue;
        }
        for name in ["correctness", "concurrency", "speed", "memory"] {
            match v.requirements.iter().find(|c| c.name == name) {
                Some(c) => {
                    let mark = match c.status {
                        RequirementStatus::Pass => "<span class=ok>pass</span>",
                        RequirementStatus::Fail => "<span class=bad>fail</span>",
                        RequirementStatus::NotMeasured => "<span class=bad>not measured</span>",
                        RequirementStatus::NotApplicable => "<span class=muted>n/a</span>",
                    };
                    let _ = write!(
                        out,
                        "<td class=l>{mark}<br><small>{}</small></td>",
                        esc(&c.detail)
                    );
                }
                None => out.push_str("<td class=l>—</td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</table></div>");
}

/// Every claim, measured or visibly unmeasured.
pub fn claims_section(out: &mut String, results: &Results) {
    out.push_str(
        "<h2 id=claims>Claims ledger</h2><p class=muted>Every promise of the migration documents \
         (<code>shared/CLAIMS.md</code>). Verdicts from the measured 95% interval [lo, hi] against \
         the claimed figure C: confirmed (lo ≥ C), consistent (C inside), refuted (hi &lt; C); \
         for “less than” claims the test flips. Unmeasured claims stay listed with what would \
         measure them.</p><div class=scroll><table><tr><th class=l>id</th><th class=l>claim</th><th class=l>source</th>\
         <th class=l>claimed</th><th class=l>measured</th><th class=l>verdict</th>\
         <th class=l>rests on</th><th class=l>against</th></tr>",
    );
    for c in &results.claims {
        let verdict = match c.verdict {
            ClaimVerdict::Confirmed => "<span class=ok>confirmed</span>",
            ClaimVerdict::Consistent => "consistent",
            ClaimVerdict::Refuted => "<span class=bad>refuted</span>",
            ClaimVerdict::Unmeasured => "<span class=muted>unmeasured</span>",
        };
        let _ = write!(
            out,
            "<tr id=\"claim-{id}\"><td class=l>{id}</td><td class=l>{claim}</td><td class=l>{source}</td>\
             <td class=l>{claimed}</td><td class=l>{measured}</td><td class=l>{verdict}</td>\
             <td class=l><small>{rests}</small></td><td class=l><small>{against}</small></td></tr>",
            id = esc(&c.id),
            claim = esc(&c.claim),
            source = esc(&c.source),
            claimed = esc(&c.claimed),
            measured = esc(&c.measured_text),
            rests = esc(&c.rests_on.join(", ")),
            against = esc(&c.against),
        );
    }
    out.push_str("</table></div>");
    for c in results.claims.iter().filter(|c| !c.attribution.is_empty()) {
        attribution_table(out, c);
    }
}

/// A claim's attribution, per database: Python as written → Python fixed
/// → Rust (mean per call, each kernel at its largest size timed on all
/// three), and the two steps with their 95% intervals: how much of the win
/// is the fix and how much the port, on SQLite and on PostgreSQL.
fn attribution_table(out: &mut String, c: &crate::results::ClaimRow) {
    let _ = write!(
        out,
        "<h3 id=\"attribution-{id}\">{id}: fix or port, per database</h3><div class=scroll><table>\
         <tr><th class=l>database</th><th class=l>kernel @ size</th><th>python (as written)</th>\
         <th>python-fixed</th><th>rust</th><th>fix: python ÷ python-fixed</th>\
         <th>port: python-fixed ÷ rust</th></tr>",
        id = esc(&c.id)
    );
    for row in &c.attribution {
        let _ = write!(
            out,
            "<tr><td class=l>{db}</td><td class=l>{k} @ {size}</td><td>{py}</td><td>{fixed}</td>\
             <td>{rust}</td><td>{fix}</td><td>{port}</td></tr>",
            db = esc(row.database.as_deref().unwrap_or("none (CPU-bound)")),
            k = esc(&row.kernel),
            size = row.size,
            py = format_duration(row.python_ns),
            fixed = format_duration(row.python_fixed_ns),
            rust = format_duration(row.rust_ns),
            fix = format_ratio(&row.fix),
            port = format_ratio(&row.port),
        );
    }
    out.push_str("</table></div>");
}
