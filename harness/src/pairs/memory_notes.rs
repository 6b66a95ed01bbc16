//! Why a twin's peak per call reads above its baseline's, where it does:
//! either the two figures do not measure the same thing (the baseline's
//! misses memory it does use, native code allocating and freeing within
//! the call out of every Python-side measure's sight; or the Rust figure
//! includes the harness's copy of the answer), or the twin does hold more.
//! The report shows the note beside the figures; only the second kind
//! counts against the memory verdict (`verdicts::readiness`).

use serde::{Deserialize, Serialize};

/// Which side the explanation puts the difference on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemoryNoteKind {
    /// The figures measure different things (said how): the comparison
    /// cannot decide the verdict.
    NotLikeForLike,
    /// The twin holds more than the baseline: the verdict counts it.
    TwinHoldsMore,
}

/// A pair's memory explanation, as results.json carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MemoryNote {
    pub kind: MemoryNoteKind,
    pub text: String,
}

/// libsvm's kernel cache, for every pair that fits scikit-learn's
/// `OneClassSVM`.
const LIBSVM_CACHE: &str = "scikit-learn's OneClassSVM runs libsvm, whose kernel-row cache \
    (cache_size=200 MB) lives in C and is allocated and freed within fit: tracemalloc never \
    sees it, and below a few thousand rows it reuses pages already resident, so the resident \
    growth misses it too (at 5,000 rows, where it shows, it was 19.0 MB against the twin's \
    20.6 MB). The twin caches kernel rows the same way, counted to the byte";

/// scikit-learn's tree nodes, for the pairs whose baseline grows trees and
/// drops them before returning.
const SKLEARN_TREES: &str = "scikit-learn grows its trees in C (64-byte nodes plus an 8-byte \
    value each, up to 511 nodes per isolation tree: ~3.7 MB for 100 trees) and frees those \
    the result does not keep within the call: tracemalloc sees none of them, the resident \
    growth misses them when pages are reused, and only the trees the result holds are counted \
    (the C heap it holds). The twin's trees are counted to the byte";

/// The note for `kernel`, if its twin can read above its baseline.
pub fn memory_note(kernel: &str) -> Option<MemoryNote> {
    let (kind, text) = match kernel {
        "one_class_svm" | "ensemble_detector" | "ensemble_detector_corrected" => {
            (MemoryNoteKind::NotLikeForLike, LIBSVM_CACHE)
        }
        "node_anomaly_scores" | "optimizer_training" | "optimizer_pass" => {
            (MemoryNoteKind::NotLikeForLike, SKLEARN_TREES)
        }
        "two_sigma" => (
            MemoryNoteKind::NotLikeForLike,
            "the answer is large (1,399 of 5,000 points flagged) and the Rust figure holds it \
             twice: the twin's list (32 bytes an event, 64 KB with the vector's doubling) and \
             the harness's conversion of it to the comparison format (48 bytes an event), \
             which the Python figure does not include (its conversion to numpy runs after \
             the measure). The twin's own answer is 45 KB at 5,000 points against the \
             baseline's 54 KB peak; the scan itself allocates nothing",
        ),
        "contextual_alerts" => (
            MemoryNoteKind::NotLikeForLike,
            "the Rust figure includes the harness's conversion of the answer to the comparison \
             format inside the measured call: each incident's json.dumps(analysis) as one 64-bit \
             integer per UTF-8 byte (8 bytes a character, most of the figure), which the Python \
             figure does not include (its conversion runs after the measure). Without that \
             conversion the twin's peak was 373 KB at 1,000 alerts against the baseline's \
             664 KB (2026-12-04, issue 18's note)",
        ),
        _ => return None,
    };
    Some(MemoryNote {
        kind,
        text: text.to_string(),
    })
}
