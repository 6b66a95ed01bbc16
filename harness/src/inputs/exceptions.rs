//! A seeded stream of errors for the error-processing path (catalog
//! error_handling.md K10.1–K10.9): per error the exception's class name
//! and message, and its context (component, operation, request id,
//! timestamp).
//!
//! Shaped by what the path's answer depends on:
//!
//! - **Classes**: builtins that classify (ConnectionError, TimeoutError,
//!   PermissionError, NotImplementedError) and builtins that miss although
//!   they look related (ConnectionRefusedError, ModuleNotFoundError,
//!   FileNotFoundError, ValueError, KeyError — whose `str()` is the
//!   `repr` of its message); synthetic names built from each of the 20
//!   classifier patterns with prefixes, suffixes and mixed case; names
//!   that match nothing, some non-ASCII.
//! - **Messages**: numbers (ASCII and Arabic-Indic digits, decimals,
//!   negative, glued to letters), lower- and upper-case UUIDs, paths and
//!   URLs, a Kelvin sign and a dotted capital I (they lower to ASCII),
//!   U+001C–U+001F and U+0085 (Python whitespace), combining marks and
//!   superscripts (word characters differ from Rust's), classifier patterns
//!   of another type than the class, colons, quotes, control characters,
//!   emoji, empty messages.
//! - **Repeats**: 60% of errors reuse an earlier (class, template,
//!   component), so patterns recur with new numbers and ids; 2% are the
//!   catalog's colliding pair (component `svc:ValueError` + class `x` +
//!   `msg`, component `svc` + class `ValueError` + `x:msg`).
//! - **Context**: components with registered cache or default fallbacks
//!   and without, some holding ':'; operations with "test" inside
//!   ("latest", "attestation", "TEST") and empty ones (the retry never
//!   succeeds for them); 8- and 36-character request ids; times in bursts
//!   of milliseconds, seconds apart and minutes apart, 3% late.

use twinbench_kernels::errors::classify::PATTERNS;

use super::SplitMix64;

/// 2026-01-20T10:00:00 (naive) in microseconds.
pub const EXCEPTIONS_ORIGIN_MICROS: i64 = (1_768_867_200 + 10 * 3_600) * 1_000_000;

/// Builtin exception classes the stream raises (the Python side looks them
/// up in `builtins`).
pub const BUILTIN_CLASSES: [&str; 10] = [
    "ValueError",
    "KeyError",
    "ConnectionError",
    "ConnectionRefusedError",
    "TimeoutError",
    "PermissionError",
    "FileNotFoundError",
    "NotImplementedError",
    "ModuleNotFoundError",
    "ImportError",
];

const PREFIXES: [&str; 5] = ["", "Db", "Http", "Upstream", "Meta"];
const SUFFIXES: [&str; 4] = ["", "Exception", "Error", "V2"];
const UNMATCHED: [&str; 5] = [
    "WidgetFailure",
    "ÉchecError",
    "Ωmega_fault",
    "StaleReadError",
    "ConnectionResetError",
];

/// Message templates: `{n}` a decimal number, `{a}` Arabic-Indic digits,
/// `{u}` a lower-case UUID, `{U}` an upper-case one, `{h}` hex digits,
/// `{p}` a path.
const TEMPLATES: [&str; 26] = [
    "connection to db-{n} failed after {n} ms",
    "request {u} timed out",
    "Request {U} rejected by upstream",
    "[Errno {n}] No such file or directory: '{p}'",
    "GET http://api.local{p}?page={n} returned {n}",
    "user {n} is Forbidden to access {p}",
    "quota exceeded: {n}/{n} requests",
    "Слишком много запросов: {a} в минуту",
    "ratelimiterror hit for key_{n}",
    "NETWOR\u{212A}ERROR on link {n}",
    "\u{130}nvalid token {n} for tenant {h}",
    "value {n}\u{b2} out of range",
    "item {n}\u{301} missing",
    "path{p}\u{1c}next {n}",
    "trailing separator {n}\u{85}",
    "  padded message {n}\u{1f} ",
    "parse failed at line {n}, column {n}: unexpected '{h}'",
    "v{n} id_{n} {n}e10 0x{h} {n}ms req{n} -{n} {n}.{n}",
    "",
    "ValidationError: field 'name' {n}.{n}",
    "svc:{n}:timeout",
    "emoji \u{1f600} and tab\tnewline\n and DEL\u{7f}",
    "'quoted' \"double\" {n}",
    "config missing key {n} (DataError in loader)",
    "notimplementederror in handler {n}",
    "{u}x9 and {u}-{h}",
];

/// Components; the baseline's fixed registrations name some of them.
pub const COMPONENTS: [&str; 12] = [
    "api",
    "db",
    "cache-svc",
    "empty-cache",
    "none-cache",
    "parser",
    "worker",
    "auth",
    "auth-gateway",
    "dash:board",
    "Ünïcode-svc",
    "search",
];

const OPERATIONS: [&str; 12] = [
    "fetch",
    "query",
    "Test_run",
    "latest",
    "attestation",
    "",
    "sync",
    "render",
    "TEST",
    "\u{fb01}le_read",
    "contest",
    "write",
];

/// One column per field; row `i` is error `i`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exceptions {
    pub class_name: Vec<String>,
    pub message: Vec<String>,
    pub component: Vec<String>,
    pub operation: Vec<String>,
    pub request_id: Vec<String>,
    /// Naive microseconds since 1970-01-01.
    pub time: Vec<i64>,
}

impl Exceptions {
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Appends one error.
    pub fn push(
        &mut self,
        class_name: &str,
        message: &str,
        component: &str,
        operation: &str,
        request_id: &str,
        time: i64,
    ) {
        self.class_name.push(class_name.to_string());
        self.message.push(message.to_string());
        self.component.push(component.to_string());
        self.operation.push(operation.to_string());
        self.request_id.push(request_id.to_string());
        self.time.push(time);
    }
}

fn mixed_case(name: &str, rng: &mut SplitMix64) -> String {
    match rng.below(4) {
        0 => name.to_lowercase(),
        1 => name.to_uppercase(),
        2 => name
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
        _ => name.to_string(),
    }
}

fn class_name(rng: &mut SplitMix64) -> String {
    match rng.below(10) {
        0..4 => BUILTIN_CLASSES[rng.below(BUILTIN_CLASSES.len() as u64) as usize].to_string(),
        4..8 => {
            let count: usize = PATTERNS.iter().map(|(_, ps)| ps.len()).sum();
            let pattern = PATTERNS
                .iter()
                .flat_map(|(_, ps)| ps.iter())
                .nth(rng.below(count as u64) as usize)
                .copied()
                .unwrap_or("Error");
            let prefix = PREFIXES[rng.below(PREFIXES.len() as u64) as usize];
            let suffix = SUFFIXES[rng.below(SUFFIXES.len() as u64) as usize];
            mixed_case(&format!("{prefix}{pattern}{suffix}"), rng)
        }
        _ => UNMATCHED[rng.below(UNMATCHED.len() as u64) as usize].to_string(),
    }
}

fn uuid(rng: &mut SplitMix64) -> String {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

fn fill(template: &str, rng: &mut SplitMix64) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '{' {
            out.push(c);
            continue;
        }
        let tag = chars.next().unwrap_or('n');
        chars.next(); // '}'
        match tag {
            'n' => out.push_str(&rng.below(100_000).to_string()),
            'a' => out.extend(
                rng.below(1_000)
                    .to_string()
                    .chars()
                    .map(|d| char::from_u32(0x660 + (d as u32 - '0' as u32)).unwrap_or(d)),
            ),
            'u' => out.push_str(&uuid(rng)),
            'U' => out.push_str(&uuid(rng).to_uppercase()),
            'h' => out.push_str(&format!("{:x}", rng.below(1 << 20))),
            'p' => out.push_str(&format!(
                "/var/data/{}/part-{}.bin",
                rng.below(50),
                rng.below(9)
            )),
            other => out.push(other),
        }
    }
    out
}

fn request_id(rng: &mut SplitMix64) -> String {
    if rng.below(4) == 0 {
        uuid(rng)
    } else {
        format!("{:08x}", rng.next_u64() >> 32)
    }
}

/// `size` errors.
pub fn exceptions(size: usize, rng: &mut SplitMix64) -> Exceptions {
    let mut out = Exceptions::default();
    // Earlier (class, template, component) triples, for repeats.
    let mut seen: Vec<(String, usize, &str)> = Vec::new();
    let mut clock = EXCEPTIONS_ORIGIN_MICROS;
    for _ in 0..size {
        clock += match rng.below(100) {
            0..70 => rng.below(200_000) as i64,
            70..95 => (rng.unit() * 5.0e6) as i64,
            _ => (rng.unit() * 600.0e6) as i64,
        };
        // Whole seconds now and then: isoformat drops the fraction.
        if rng.below(20) == 0 {
            clock -= clock.rem_euclid(1_000_000);
        }
        let time = if rng.below(100) < 3 {
            clock - rng.below(120_000_000) as i64
        } else {
            clock
        };
        let operation = OPERATIONS[rng.below(OPERATIONS.len() as u64) as usize];
        let request = request_id(rng);
        if rng.below(50) == 0 {
            let (component, class, message) = if rng.below(2) == 0 {
                ("svc:ValueError", "x", "msg")
            } else {
                ("svc", "ValueError", "x:msg")
            };
            out.push(class, message, component, operation, &request, time);
            continue;
        }
        let (class, template, component) = if !seen.is_empty() && rng.below(10) < 6 {
            seen[rng.below(seen.len() as u64) as usize].clone()
        } else {
            let triple = (
                class_name(rng),
                rng.below(TEMPLATES.len() as u64) as usize,
                COMPONENTS[rng.below(COMPONENTS.len() as u64) as usize],
            );
            seen.push(triple.clone());
            triple
        };
        let message = fill(TEMPLATES[template], rng);
        out.push(&class, &message, component, operation, &request, time);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_plants_what_the_path_depends_on() {
        let e = exceptions(3_000, &mut SplitMix64::new(7));
        assert_eq!(e.len(), 3_000);
        assert!(e.time.windows(2).any(|w| w[1] < w[0]));
        assert!(e.time.iter().any(|t| t % 1_000_000 == 0));
        assert!(e.class_name.iter().any(|c| c == "KeyError"));
        assert!(e.class_name.iter().any(|c| c == "x"));
        assert!(e.message.iter().any(|m| m.is_empty()));
        assert!(e.message.iter().any(|m| m.contains('\u{212A}')));
        assert!(
            e.message
                .iter()
                .any(|m| m.contains('\u{663}') || m.contains('\u{660}'))
        );
        assert!(e.operation.iter().any(|o| o.is_empty()));
        assert!(e.request_id.iter().any(|r| r.len() == 36));
        // Repeats: fewer distinct (class, component) than errors.
        let mut pairs: Vec<(&String, &String)> = e.class_name.iter().zip(&e.component).collect();
        pairs.sort();
        pairs.dedup();
        assert!(pairs.len() < 1_500);
    }
}
