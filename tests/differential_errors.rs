//! The error-processing pairs (catalog error_handling.md K10.1–K10.9)
//! against the embedded CPython: the character classes and the random
//! stream the twins rest on, code point by code point and draw by draw;
//! every pair on random error streams and on named edge cases; the
//! package-mode error id format.

use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};
use twinbench::compare::compare;
use twinbench::inputs::{EXCEPTIONS_ORIGIN_MICROS, Exceptions, Input, SplitMix64, exceptions};
use twinbench::pairs::{KernelPair, PAIRS};
use twinbench::sides::python as bridge;
use twinbench_kernels::errors::handler::is_error_id;
use twinbench_kernels::text::python_random::PythonRandom;
use twinbench_kernels::text::python_unicode::{is_decimal, is_printable, is_word};

fn eval(expression: &str) -> String {
    bridge::bridge()
        .expect("bridge starts")
        .eval_expression(expression)
        .expect("the expression evaluates")
}

/// Inclusive ranges of the code points where `class` holds, written as
/// Python's `ranges()` below writes them.
fn rust_ranges(class: fn(char) -> bool) -> String {
    let mut out = Vec::new();
    let mut start = None;
    for code in 0..=0x10_ffffu32 {
        let holds = char::from_u32(code).is_some_and(class);
        match (holds, start) {
            (true, None) => start = Some(code),
            (false, Some(s)) => {
                out.push(format!("{s}-{}", code - 1));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(format!("{s}-{}", 0x10_ffff));
    }
    out.join(",")
}

/// The Python side of [`rust_ranges`]: surrogates (not Rust chars) are
/// left out of both.
fn python_ranges(predicate: &str) -> String {
    eval(&format!(
        "(lambda p: (lambda flags: ','.join(f'{{a}}-{{b - 1}}' for a, b in zip(\
            [c for c in range(0x110001) if flags[c] and not flags[c - 1]], \
            [c for c in range(0x110001) if not flags[c] and c and flags[c - 1]])))(\
            [p(chr(c)) and not 0xD800 <= c <= 0xDFFF for c in range(0x110000)] + [False]))\
         (lambda c, re=__import__('re'): {predicate})"
    ))
}

#[test]
fn python_word_decimal_and_printable_classes_match_every_code_point() {
    assert_eq!(
        rust_ranges(is_word),
        python_ranges("re.match(r'\\w', c) is not None")
    );
    assert_eq!(
        rust_ranges(is_decimal),
        python_ranges("re.match(r'\\d', c) is not None")
    );
    assert_eq!(rust_ranges(is_printable), python_ranges("c.isprintable()"));
}

/// The non-ASCII characters the generator plants lower alike in both.
#[test]
fn planted_characters_lower_as_python_does() {
    let planted = "\u{212A}\u{130}ÉÜΩСЛИШКОМ\u{fb01}ÏÑ\u{b2}\u{301}\u{663}";
    let codes: Vec<String> = planted.chars().map(|c| u32::from(c).to_string()).collect();
    let python = eval(&format!(
        "''.join(map(chr, [{}])).lower()",
        codes.join(", ")
    ));
    assert_eq!(python, planted.to_lowercase());
}

#[test]
fn python_random_matches_cpython_draw_for_draw() {
    for seed in [
        0u64,
        1,
        20_261_204,
        u64::from(u32::MAX),
        1 << 40,
        u64::MAX >> 1,
    ] {
        let python = eval(&format!(
            "(lambda r: (r.seed({seed}), ','.join(repr(r.random()) for _ in range(700)))[1])\
             (__import__('random').Random())"
        ));
        let mut rng = PythonRandom::seed(seed);
        let rust: Vec<String> = (0..700).map(|_| format!("{:?}", rng.random())).collect();
        assert_eq!(python, rust.join(","), "seed {seed}");
    }
}

#[test]
fn package_mode_error_ids_have_the_err_format() {
    let direct =
        eval("__import__('twinbench_baselines.error_handler', fromlist=['_']).generate_error_id()");
    assert!(is_error_id(&direct), "{direct}");
    let from_handler = eval(
        "(lambda eh: __import__('asyncio').run(eh.EnhancedErrorHandler().handle_error(\
             ValueError('x'), eh.ErrorContext('api', 'op', eh._EPOCH, 'r'))).error_id)\
         (__import__('twinbench_baselines.error_handler', fromlist=['_']))",
    );
    assert!(is_error_id(&from_handler), "{from_handler}");
    assert_eq!(
        eval("__import__('twinbench_baselines.error_handler', fromlist=['_']).IMPORT_MODE"),
        "package"
    );
}

fn error_pairs() -> Vec<&'static KernelPair> {
    let pairs: Vec<&KernelPair> = PAIRS
        .iter()
        .filter(|p| p.name.starts_with("error_"))
        .collect();
    assert_eq!(pairs.len(), 5);
    pairs
}

/// The twin and the baseline (and every alternative of the pair) agree
/// exactly on `input`.
fn check(pair: &KernelPair, input: &Input) -> Result<(), TestCaseError> {
    let bridge = bridge::bridge().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let prepared = (pair.rust.prepare)(input)
        .map_err(|e| TestCaseError::fail(format!("{}: prepare: {e}", pair.name)))?;
    let rust = (pair.rust.run)(&prepared)
        .map_err(|e| TestCaseError::fail(format!("{}: run: {e}", pair.name)))?;
    let python = bridge
        .compute(pair, input)
        .map_err(|e| TestCaseError::fail(format!("{}: Python: {e}", pair.name)))?;
    compare(
        pair.comparison,
        pair.tolerance,
        &rust,
        &python,
        input.truth(),
    )
    .map_err(|m| {
        TestCaseError::fail(format!(
            "{}: {m}\n  rust:   {rust:?}\n  python: {python:?}",
            pair.name
        ))
    })?;
    for alt in pair.alternatives {
        let twinbench::pairs::Implementation::Python(f) = alt.implementation else {
            continue;
        };
        let fixed = bridge
            .compute_with(f, pair.output, input)
            .map_err(|e| TestCaseError::fail(format!("{}: {e}", f.function)))?;
        compare(
            pair.comparison,
            pair.tolerance,
            &fixed,
            &python,
            input.truth(),
        )
        .map_err(|m| TestCaseError::fail(format!("{}: {m}", f.function)))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn error_kernels_agree_on_random_streams(size in 0usize..400, seed in any::<u64>()) {
        let input = Input::Exceptions(exceptions(size, &mut SplitMix64::new(seed)));
        for pair in error_pairs() {
            check(pair, &input)?;
        }
    }
}

fn stream(rows: &[(&str, &str, &str, &str)], step: i64) -> Input {
    let mut e = Exceptions::default();
    for (i, (class, message, component, operation)) in rows.iter().enumerate() {
        e.push(
            class,
            message,
            component,
            operation,
            &format!("{i:08x}"),
            EXCEPTIONS_ORIGIN_MICROS + i as i64 * step,
        );
    }
    Input::Exceptions(e)
}

/// `n` errors cycling through `rows`, `step` µs apart.
fn repeated(rows: &[(&str, &str, &str, &str)], n: usize, step: i64) -> Input {
    let cycled: Vec<_> = rows.iter().copied().cycle().take(n).collect();
    stream(&cycled, step)
}

#[test]
fn error_kernels_agree_on_edge_cases() {
    let non_ascii = [
        ("ValueError", "NETWOR\u{212A}ERROR at /x 5", "api", "fetch"),
        (
            "KeyError",
            "clé \u{130}d \u{85}\u{1c} 'q' \"d\" \u{7f}\u{200b}",
            "db",
            "query",
        ),
        (
            "Ωmega_fault",
            "\u{663}\u{664} 5\u{b2} 5\u{301} \u{1f600}",
            "Ünïcode-svc",
            "Tést",
        ),
        (
            "dataerror",
            "550E8400-E29B-41D4-A716-446655440000 550e8400-e29b-41d4-a716-446655440000x9",
            "parser",
            "write",
        ),
        (
            "UpstreamForbiddenV2",
            "  \u{1f}padded\u{3000} ",
            "auth",
            "sync",
        ),
    ];
    let collisions = [
        ("x", "msg", "svc:ValueError", "fetch"),
        ("ValueError", "x:msg", "svc", "fetch"),
        ("TimeoutError", "t 1", "a:b", "c"),
        ("TimeoutError", "t 2", "a:b", "c"),
    ];
    let empty = [
        ("ValueError", "", "none-cache", ""),
        ("TimeoutError", "", "api", ""),
        ("NotImplementedError", "", "", "latest"),
    ];
    let cases: Vec<(&str, Input)> = vec![
        ("empty batch", stream(&[], 1)),
        (
            "one error",
            stream(&[("TimeoutError", "slow 3 s", "api", "fetch")], 1),
        ),
        ("empty messages", stream(&empty, 1_000)),
        ("non-ASCII messages", repeated(&non_ascii, 25, 900_000)),
        ("key collisions", repeated(&collisions, 40, 10)),
        // One pattern counted 10,500 times: the deques full, the totals
        // past total_errors, the rate at its 1,000 cap.
        (
            "past 10,000 errors, one huge count",
            repeated(&[("ParseError", "line 7", "api", "ab")], 10_500, 1_000),
        ),
        ("past 1,000 errors", repeated(&non_ascii, 1_200, 50_000)),
    ];
    for (name, input) in &cases {
        for pair in error_pairs() {
            check(pair, input).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
