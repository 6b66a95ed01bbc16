//! The text twins against the embedded CPython itself: difflib's
//! `SequenceMatcher` on ten thousand random string pairs, and the `str`
//! whitespace, `split()` and the alert correlator's normalisation over every
//! code point. The alert kernels' answers rest on these being exact.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use twinbench::pairs::PythonFunction;
use twinbench::sides::python as bridge;
use twinbench_kernels::alerting::correlator::semantic::normalize;
use twinbench_kernels::text::difflib::SequenceMatcher;
use twinbench_kernels::text::python_str;

fn checks(function: &'static str) -> PythonFunction {
    PythonFunction {
        module: "twinbench_baselines.text_checks",
        function,
    }
}

fn ask(function: &'static str, args: &[String]) -> String {
    bridge::bridge()
        .expect("bridge starts")
        .call_with_strings(checks(function), args)
        .expect("the check runs")
}

/// The twin's answer in `text_checks.matching_blocks`' format.
fn rust_blocks(a: &str, b: &str) -> String {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut matcher = SequenceMatcher::<char>::new();
    let ratio = matcher.ratio(&a, &b);
    let blocks: Vec<String> = matcher
        .matching_blocks(&a, &b)
        .iter()
        .map(|m| format!("{},{},{}", m.a, m.b, m.size))
        .collect();
    format!("{} {}", ratio.to_bits(), blocks.join(" "))
}

/// Alphabets from two letters (long runs, the autojunk regime from 200
/// characters) to mixed scripts with combining marks, emoji and Python's
/// extra whitespace.
const ALPHABETS: [&str; 6] = [
    "ab",
    "ab c",
    "abcdefghijklmnopqrstuvwxyz ",
    "The quick brown fox: 0123456789, db-01 timeout!",
    "aé ëΣσςД日本語😀\u{301}\u{1c}\u{130}\u{212a}",
    "\u{0}\u{7f}\u{80}\u{ffff}\u{10ffff}a",
];

fn text(alphabet: &'static str, max: usize) -> impl Strategy<Value = String> {
    let chars: Vec<char> = alphabet.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 0..=max)
        .prop_map(|v| v.into_iter().collect())
}

/// `b` from `a` by a few edits (so the two share long runs, as alert texts
/// do), or drawn on its own.
fn string_pair() -> impl Strategy<Value = (String, String)> {
    (0..ALPHABETS.len(), any::<bool>()).prop_flat_map(|(k, related)| {
        let alphabet = ALPHABETS[k];
        let a = text(alphabet, 400);
        if related {
            (
                a,
                proptest::collection::vec((0usize..400, text(alphabet, 6)), 0..8),
            )
                .prop_map(|(a, edits)| {
                    let mut b: Vec<char> = a.chars().collect();
                    for (at, insert) in edits {
                        let at = at.min(b.len());
                        let end = (at + insert.chars().count() / 2).min(b.len());
                        b.splice(at..end, insert.chars());
                    }
                    let b: String = b.into_iter().collect();
                    (a, b)
                })
                .boxed()
        } else {
            (a, text(alphabet, 400)).boxed()
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10_000,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/proptest-regressions/text.txt"
        )))),
        ..ProptestConfig::default()
    })]

    /// Ratio bits and every matching block, both argument orders (autojunk
    /// looks only at the second string).
    #[test]
    fn sequence_matcher_agrees_with_cpython_bit_for_bit((a, b) in string_pair()) {
        let python = ask("matching_blocks", &[a.clone(), b.clone()]);
        prop_assert_eq!(rust_blocks(&a, &b), python, "a = {:?}, b = {:?}", a, b);
        let python = ask("matching_blocks", &[b.clone(), a.clone()]);
        prop_assert_eq!(rust_blocks(&b, &a), python, "a = {:?}, b = {:?}", b, a);
    }
}

fn every_code_point() -> impl Iterator<Item = char> {
    (0..=u32::from(char::MAX)).filter_map(char::from_u32)
}

fn joined_with_x() -> String {
    let mut s = String::new();
    for (i, c) in every_code_point().enumerate() {
        if i > 0 {
            s.push('x');
        }
        s.push(c);
    }
    s
}

/// Where two long strings first differ, with some context.
fn first_difference(rust: &str, python: &str) -> String {
    let at = rust
        .chars()
        .zip(python.chars())
        .position(|(r, p)| r != p)
        .unwrap_or(rust.chars().count().min(python.chars().count()));
    let around = |s: &str| {
        s.chars()
            .skip(at.saturating_sub(20))
            .take(40)
            .collect::<String>()
    };
    format!(
        "first difference at char {at}: rust {:?} vs python {:?}",
        around(rust),
        around(python)
    )
}

#[test]
fn python_whitespace_is_cpythons_on_every_code_point() {
    let rust: Vec<String> = every_code_point()
        .filter(|&c| python_str::is_space(c))
        .map(|c| u32::from(c).to_string())
        .collect();
    assert_eq!(rust.join(","), ask("python_spaces", &[]));
    let joined = joined_with_x();
    let rust = python_str::split(&joined).collect::<Vec<_>>().join("|");
    let python = ask("split_every_code_point", &[]);
    assert!(rust == python, "{}", first_difference(&rust, &python));
}

#[test]
fn normalisation_is_the_originals_on_every_code_point() {
    let mut bytes = Vec::new();
    normalize(&joined_with_x(), &mut bytes);
    let rust = String::from_utf8(bytes).expect("normalised text is ASCII");
    let python = ask("normalize_every_code_point", &[]);
    assert!(rust == python, "{}", first_difference(&rust, &python));
    // Contexts the per-character pass cannot show: final sigma, İ then a
    // letter, runs of separators.
    for sample in [
        "ΟΔΟΣ ΣΑ",
        "İİx",
        "a\u{1c}\u{1f}  \u{3000}b",
        "",
        "  ",
        "DIS\u{212a}",
    ] {
        let mut bytes = Vec::new();
        normalize(sample, &mut bytes);
        let rust = String::from_utf8(bytes).expect("ASCII");
        assert_eq!(rust, ask("normalize", &[sample.to_string()]), "{sample:?}");
    }
}
