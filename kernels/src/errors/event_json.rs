//! K10.9 `create_error_sse_event`: a JSON text (not SSE wire format) of
//! `{"event": "error", "data": {...}}` with the data keys in the
//! original's order, written as `json.dumps` writes it by default
//! (`", "` and `": "` separators, `ensure_ascii`: everything outside
//! space..tilde escaped as `\uXXXX`, astral characters as surrogate
//! pairs), through [`python_json::dumps`].

use super::ErrorEvent;
use crate::forecast::calendar::civil_from_days;
use crate::text::python_json;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// `datetime.isoformat()` of a naive datetime `micros` after 1970-01-01:
/// `YYYY-MM-DDTHH:MM:SS`, then `.ffffff` only when the microseconds are
/// not zero.
pub fn isoformat(micros: i64) -> String {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let in_day = micros.rem_euclid(MICROS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let seconds = in_day / 1_000_000;
    let fraction = in_day % 1_000_000;
    let (h, m, s) = (seconds / 3_600, seconds / 60 % 60, seconds % 60);
    let mut out = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}");
    if fraction != 0 {
        out.push_str(&format!(".{fraction:06}"));
    }
    out
}

/// The event's JSON text, with `error_id` as the new id
/// `generate_error_id()` returned. Written straight into one string (the
/// keys are ASCII constants; every value goes through
/// [`python_json::dump_str_into`]), which is the text
/// `python_json::dumps` gives for the same dict (a test checks).
pub fn error_event(event: &ErrorEvent, error_id: &str) -> String {
    let fields: [(&str, &str); 7] = [
        ("error_id", error_id),
        ("component", &event.component),
        ("operation", &event.operation),
        ("error_type", &event.class_name),
        ("error_message", &event.text),
        ("timestamp", &isoformat(event.time)),
        ("request_id", &event.request_id),
    ];
    let mut out =
        String::with_capacity(160 + fields.iter().map(|(_, v)| v.len()).sum::<usize>() * 2);
    out.push_str("{\"event\": \"error\", \"data\": {");
    for (k, (name, value)) in fields.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(name);
        out.push_str("\": ");
        python_json::dump_str_into(value, &mut out);
    }
    out.push_str("}}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::python_json::Value;

    #[test]
    fn isoformat_drops_a_zero_fraction() {
        // 2026-01-20T23:00:00 and one microsecond later.
        let t = (1_768_867_200 + 23 * 3_600) * 1_000_000;
        assert_eq!(isoformat(t), "2026-01-20T23:00:00");
        assert_eq!(isoformat(t + 1), "2026-01-20T23:00:00.000001");
        assert_eq!(isoformat(-1), "1969-12-31T23:59:59.999999");
    }

    #[test]
    fn the_direct_writer_gives_what_dumps_gives_for_the_dict() {
        let text = |s: &str| Value::Str(s.encode_utf16().collect());
        let key = |s: &str| s.encode_utf16().collect::<Vec<u16>>();
        for message in [
            "",
            "plain",
            "q\"b\\s\u{8}\u{c}\r\t\u{1c}\u{7f}\u{85}é\u{1f600}\u{ffff}",
        ] {
            let e = ErrorEvent {
                class_name: "KeyError".into(),
                text: message.into(),
                component: "svc:ü".into(),
                operation: "/op".into(),
                request_id: "\u{10ffff}".into(),
                time: 1_234_567,
            };
            let data = Value::Dict(vec![
                (key("error_id"), text("ERR_00000002")),
                (key("component"), text(&e.component)),
                (key("operation"), text(&e.operation)),
                (key("error_type"), text(&e.class_name)),
                (key("error_message"), text(&e.text)),
                (key("timestamp"), text(&isoformat(e.time))),
                (key("request_id"), text(&e.request_id)),
            ]);
            let whole = Value::Dict(vec![(key("event"), text("error")), (key("data"), data)]);
            assert_eq!(error_event(&e, "ERR_00000002"), python_json::dumps(&whole));
        }
    }

    #[test]
    fn event_text_is_json_dumps_with_ensure_ascii() {
        let e = ErrorEvent {
            class_name: "ValueError".into(),
            text: "bad \"é\" \u{7f}/x\n\u{1f600}".into(),
            component: "api".into(),
            operation: "op".into(),
            request_id: "r".into(),
            time: 0,
        };
        assert_eq!(
            error_event(&e, "ERR_00000001"),
            "{\"event\": \"error\", \"data\": {\"error_id\": \"ERR_00000001\", \
             \"component\": \"api\", \"operation\": \"op\", \"error_type\": \"ValueError\", \
             \"error_message\": \"bad \\\"\\u00e9\\\" \\u007f/x\\n\\ud83d\\ude00\", \
             \"timestamp\": \"1970-01-01T00:00:00\", \"request_id\": \"r\"}}"
        );
    }
}
