//! A stream of dashboard alerts: what the alert correlator (K8) is handed.
//!
//! Shaped by what makes each strategy's answer depend on detail:
//!
//! - **Time.** Alerts arrive in bursts: a quarter within a microsecond of
//!   the previous one (identical or near-identical stamps), most seconds
//!   apart, some minutes apart (so a 10-minute window holds anything from
//!   one alert to hundreds); 3% arrive late, stamped up to ten minutes
//!   before the previous alert.
//! - **Text.** Titles and descriptions come from fourteen message families
//!   (English, French, German, Russian, Japanese, and a few with the
//!   characters whose Python lower-casing is special: U+0130, the Kelvin
//!   sign, U+001C–U+001F, which Python splits on and Rust's `split_whitespace`
//!   does not), filled with hosts, numbers and ids; 40% repeat a recent
//!   alert's title with one number changed (near-duplicates); a third of the
//!   descriptions run past 200 characters, where `SequenceMatcher`'s autojunk
//!   rule applies; 2% of titles and 3% of descriptions are empty.
//! - **Fields.** Hosts and components are missing (`None`) 10% of the time
//!   and empty 3%; 0–3 tags from five keys; metric values absent 30%, an
//!   empty dict 5%, else one to four of six metrics with values near their
//!   family's level, 5% exact zeros, 2% NaN, 1% negative.
//! - **Ids.** 5% of alerts re-send one of the previous 50 alerts' ids (a
//!   re-fired alert keeps its UUID), so a new alert can already belong to a
//!   stored correlation. About 1 in 64 is already resolved.

use twinbench_kernels::alerting::Alert;

use super::SplitMix64;

/// How many alerts follow the existing ones, each correlated against the
/// `existing` before it.
pub const NEW_ALERTS: usize = 8;

/// 2026-01-20T00:00:00Z in microseconds: the first alert.
pub const ALERTS_ORIGIN_MICROS: i64 = 1_768_867_200 * 1_000_000;

pub use twinbench_kernels::alerting::alert::{
    CATEGORIES as ALERT_CATEGORIES, SEVERITIES as ALERT_SEVERITIES,
};

const HOSTS: [&str; 12] = [
    "api-01",
    "api-02",
    "api-03",
    "db-01",
    "db-02",
    "cache-01",
    "search-01",
    "worker-01",
    "worker-02",
    "gateway-01",
    "queue-01",
    "auth-01",
];
const COMPONENTS: [&str; 6] = ["database", "cache", "search", "api", "queue", "auth"];
const TAG_KEYS: [&str; 5] = ["env", "region", "team", "service", "test"];
const TAG_VALUES: [&str; 6] = ["prod", "staging", "eu-west", "us-east", "core", "true"];
const METRICS: [(&str, f64); 6] = [
    ("cpu_usage", 85.0),
    ("memory_usage", 90.0),
    ("response_time", 850.0),
    ("error_rate", 5.0),
    ("disk_usage", 95.0),
    ("queue_depth", 1_200.0),
];

/// Message families: (title template, description template, category).
/// `{h}` is a host, `{n}` a number, `{i}` an id.
const FAMILIES: [(&str, &str, u8); 14] = [
    (
        "High CPU usage on {h}",
        "CPU usage above {n}% on {h} for 5 minutes; load average rising.",
        0,
    ),
    (
        "Database connection pool exhausted",
        "All {n} connections of the pool on {h} are in use; requests queue (request {i}).",
        0,
    ),
    (
        "Database connection timeout after {n} ms",
        "Query to {h} timed out after {n} ms; retrying with backoff. Trace id {i}.",
        2,
    ),
    (
        "Slow response time for /api/v1/search",
        "p95 latency {n} ms on {h}, above the 500 ms objective.",
        0,
    ),
    (
        "Error rate {n}% on {h}",
        "HTTP 5xx responses at {n}% of traffic on {h}.",
        4,
    ),
    (
        "Memory usage {n}% on {h}",
        "Resident memory of the worker on {h} grew to {n}%.",
        3,
    ),
    (
        "Disk almost full on {h} ({n}%)",
        "Volume /var/lib/data on {h} is {n}% full.",
        3,
    ),
    (
        "Authentication failures from 10.0.{n}.7",
        "{n} failed logins for user {i} in 60 s; account locked.",
        1,
    ),
    (
        "Temps de réponse élevé sur {h}",
        "Le délai de réponse dépasse {n} ms — requête {i} annulée.",
        0,
    ),
    (
        "Hohe CPU-Auslastung auf {h}",
        "Die CPU-Auslastung liegt seit {n} Minuten über 90 % (Größe {i}).",
        0,
    ),
    (
        "Ошибка подключения к базе данных {h}",
        "Не удалось подключиться к {h}: таймаут {n} мс, попытка {i}.",
        2,
    ),
    (
        "データベース接続タイムアウト {n} ms",
        "ホスト {h} への接続が {n} ms でタイムアウトしました (ID {i})。",
        2,
    ),
    (
        "İSTANBUL region DIS\u{212a} pressure {n}",
        "Dis\u{212a} queue on {h}\u{1c}above {n}\u{1f}items; İzmir replica lagging {i}.",
        3,
    ),
    (
        "Checkout revenue dropped {n}% ✓",
        "Orders per minute fell {n}% on {h} — 😱 incident {i}; ΟΔΟΣ ΣΤΑΣΗ.",
        5,
    ),
];

/// The stream and how many of its first alerts only serve as history.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertStream {
    pub alerts: Vec<Alert>,
    /// Alerts `existing..` are correlated, each against the `existing`
    /// before it.
    pub existing: usize,
}

fn pick<'a>(rng: &mut SplitMix64, from: &[&'a str]) -> &'a str {
    from[rng.below(from.len() as u64) as usize]
}

fn fill(template: &str, rng: &mut SplitMix64, host: &str) -> String {
    let n = (10 + rng.below(990)).to_string();
    let id = format!("{:08x}", rng.next_u64() as u32);
    template
        .replace("{h}", host)
        .replace("{n}", &n)
        .replace("{i}", &id)
}

/// Replaces the first run of digits in `text` with another number: a
/// near-duplicate of a recent title.
fn change_a_number(text: &str, rng: &mut SplitMix64) -> String {
    let Some(start) = text.find(|c: char| c.is_ascii_digit()) else {
        return text.to_string();
    };
    let end = text[start..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(text.len(), |k| start + k);
    format!("{}{}{}", &text[..start], 10 + rng.below(990), &text[end..])
}

fn optional_name(rng: &mut SplitMix64, from: &[&str]) -> Option<String> {
    match rng.below(100) {
        0..10 => None,
        10..13 => Some(String::new()),
        _ => Some(pick(rng, from).to_string()),
    }
}

fn metric_values(rng: &mut SplitMix64) -> Option<Vec<(String, f64)>> {
    match rng.below(100) {
        0..30 => return None,
        30..35 => return Some(Vec::new()),
        _ => {}
    }
    let count = 1 + rng.below(4) as usize;
    let first = rng.below(METRICS.len() as u64) as usize;
    let values = (0..count)
        .map(|k| {
            let (name, level) = METRICS[(first + k) % METRICS.len()];
            let value = match rng.below(100) {
                0..5 => 0.0,
                5..7 => f64::NAN,
                7 => -level,
                _ => level * (1.0 + 0.1 * rng.normal()),
            };
            (name.to_string(), value)
        })
        .collect();
    Some(values)
}

/// About 1 alert in 64 arrives already resolved, chosen by its id (the
/// stream's random draws stay those of the inputs before the field
/// existed; a re-sent alert keeps its status).
fn resolved(id: u128) -> bool {
    id.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835) >> 122 == 0
}

/// `existing` alerts of history plus [`NEW_ALERTS`] to correlate.
pub fn alert_stream(existing: usize, rng: &mut SplitMix64) -> AlertStream {
    alert_stream_with(existing, NEW_ALERTS, rng)
}

/// `existing` alerts of history plus `new` to correlate. Alert `i` depends
/// only on the alerts before it: a longer stream from the same generator
/// state starts with the shorter one.
pub fn alert_stream_with(existing: usize, new: usize, rng: &mut SplitMix64) -> AlertStream {
    let total = existing + new;
    let mut alerts: Vec<Alert> = Vec::with_capacity(total);
    let mut clock = ALERTS_ORIGIN_MICROS;
    let mut next_id: u128 = 0x5eed_0000_0000_0000_0000_0000_0000_0000;
    for i in 0..total {
        clock += match rng.below(100) {
            0..20 => 0,
            20..25 => 1,
            25..85 => (rng.unit() * 40.0e6) as i64,
            _ => (rng.unit() * 600.0e6) as i64,
        };
        let triggered_at = if rng.below(100) < 3 {
            clock - rng.below(600_000_000) as i64
        } else {
            clock
        };
        let id = if i > 0 && rng.below(100) < 5 {
            let back = 1 + rng.below(50.min(i as u64)) as usize;
            alerts[i - back].id
        } else {
            next_id += 1;
            next_id
        };
        let (title_template, description_template, category) =
            FAMILIES[rng.below(FAMILIES.len() as u64) as usize];
        let host = pick(rng, &HOSTS);
        let mut title = if i > 0 && rng.below(100) < 40 {
            let back = 1 + rng.below(30.min(i as u64)) as usize;
            change_a_number(&alerts[i - back].title, rng)
        } else {
            fill(title_template, rng, host)
        };
        let mut description = fill(description_template, rng, host);
        if rng.below(3) == 0 {
            for _ in 0..3 {
                description.push(' ');
                description.push_str(&fill(FAMILIES[rng.below(14) as usize].1, rng, host));
            }
        }
        if rng.below(100) < 2 {
            title.clear();
        }
        if rng.below(100) < 3 {
            description.clear();
        }
        let tags = (0..rng.below(4))
            .map(|k| {
                (
                    TAG_KEYS[(k as usize + i) % TAG_KEYS.len()].to_string(),
                    pick(rng, &TAG_VALUES).to_string(),
                )
            })
            .collect();
        alerts.push(Alert {
            id,
            triggered_at,
            title,
            description,
            category,
            severity: rng.below(ALERT_SEVERITIES.len() as u64) as u8,
            source_host: optional_name(rng, &HOSTS),
            source_component: optional_name(rng, &COMPONENTS),
            tags,
            metric_values: metric_values(rng),
            resolved: resolved(id),
        });
    }
    AlertStream { alerts, existing }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_plants_what_the_strategies_depend_on() {
        let stream = alert_stream(2_000, &mut SplitMix64::new(7));
        let a = &stream.alerts;
        assert_eq!(a.len(), 2_000 + NEW_ALERTS);
        let same_stamp = a
            .windows(2)
            .filter(|w| w[0].triggered_at == w[1].triggered_at);
        assert!(same_stamp.count() > 200);
        assert!(a.windows(2).any(|w| w[1].triggered_at < w[0].triggered_at));
        let mut ids: Vec<u128> = a.iter().map(|x| x.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert!(ids.len() < a.len());
        assert!(a.iter().any(|x| x.source_host.is_none()));
        assert!(a.iter().any(|x| x.source_host.as_deref() == Some("")));
        assert!(a.iter().any(|x| x.description.chars().count() >= 200));
        assert!(a.iter().any(|x| x.title.is_empty()));
        let values = a.iter().filter_map(|x| x.metric_values.as_ref()).flatten();
        assert!(values.clone().any(|(_, v)| v.is_nan()));
        assert!(values.clone().any(|(_, v)| *v == 0.0));
        assert!(
            a.iter()
                .any(|x| x.metric_values.as_ref().is_some_and(Vec::is_empty))
        );
    }
}
