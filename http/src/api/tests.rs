use super::*;
use crate::json::to_body;

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("utf-8")
}

/// The reply types write their keys sorted, as `jsonify` does.
#[test]
fn replies_write_sorted_keys() {
    let task = Task {
        id: 7,
        task_type: "shell".into(),
        status: "pending".into(),
        priority: 3,
        created_at: 100,
        environment: "dev".into(),
        assigned_to: None,
        assigned_at: None,
        content: "x".into(),
    };
    assert_eq!(
        text(to_body(&[TaskView::from(&task)])),
        "[{\"assigned_at\":null,\"assigned_to\":null,\"content\":\"x\",\"created_at\":100,\
         \"environment\":\"dev\",\"id\":7,\"priority\":3,\"status\":\"pending\",\"type\":\"shell\"}]\n"
    );
    let reply = SubmitReply {
        assigned_to: Some("a"),
        id: 1,
        sla_status: "ok",
        status: "assigned",
    };
    assert_eq!(
        text(to_body(&reply)),
        "{\"assigned_to\":\"a\",\"id\":1,\"sla_status\":\"ok\",\"status\":\"assigned\"}\n"
    );
    let sla = SlaReply {
        elapsed_minutes: 20.0 / 3.0,
        id: 1,
        sla_status: None,
        status: "completed",
        target_minutes: 5,
        task_type: "shell",
        warning_percent: 80,
    };
    assert_eq!(
        text(to_body(&sla)),
        "{\"elapsed_minutes\":6.666666666666667,\"id\":1,\"sla_status\":null,\"status\":\"completed\",\
         \"target_minutes\":5,\"type\":\"shell\",\"warning_percent\":80}\n"
    );
    assert_eq!(
        text(to_body(&ApiError::no_endpoint().body())),
        "{\"error\":\"no such endpoint\",\"field\":null}\n"
    );
}

fn field_of(raw: &str) -> String {
    parse_submission(raw.as_bytes())
        .expect_err(raw)
        .field
        .unwrap_or_default()
}

#[test]
fn submissions_are_checked_in_app_py_order() {
    let ok = parse_submission(br#"{"type":"shell","priority":10,"environment":"dev"}"#);
    assert_eq!(
        ok,
        Ok(Submission {
            task_type: "shell".into(),
            priority: 10,
            environment: "dev".into()
        })
    );
    assert_eq!(field_of(""), "body");
    assert_eq!(field_of("NaN"), "body");
    assert_eq!(field_of("[1]"), "body");
    assert_eq!(field_of(r#"{"zeta":1,"beta":2,"type":"x"}"#), "beta");
    assert_eq!(field_of(r#"{"priority":1,"environment":"dev"}"#), "type");
    assert_eq!(
        field_of(r#"{"type":"","priority":1,"environment":"dev"}"#),
        "type"
    );
    assert_eq!(
        field_of(r#"{"type":"a","priority":true,"environment":"dev"}"#),
        "priority"
    );
    assert_eq!(
        field_of(r#"{"type":"a","priority":5.0,"environment":"dev"}"#),
        "priority"
    );
    assert_eq!(
        field_of(r#"{"type":"a","priority":11,"environment":"dev"}"#),
        "priority"
    );
    assert_eq!(
        field_of(r#"{"type":"a","priority":-1,"environment":"dev"}"#),
        "priority"
    );
    assert_eq!(field_of(r#"{"type":"a","priority":1}"#), "environment");
    let long = "é".repeat(MAX_NAME_CHARS);
    let body = format!(r#"{{"type":"{long}","priority":1,"environment":"dev"}}"#);
    assert!(parse_submission(body.as_bytes()).is_ok(), "64 characters");
    let body = format!(r#"{{"type":"{long}x","priority":1,"environment":"dev"}}"#);
    assert_eq!(field_of(&body), "type");
}

#[test]
fn listings_take_the_first_value_and_check_ranges() {
    assert_eq!(parse_listing(None), Ok(Listing::default()));
    assert_eq!(
        parse_listing(Some("limit=5&limit=x&status=assigned&other=1")),
        Ok(Listing {
            status: Some("assigned".into()),
            limit: Some(5)
        })
    );
    for bad in [
        "limit=0",
        "limit=1001",
        "limit=+5",
        "limit=",
        "limit=%205",
        "limit=00001",
    ] {
        let err = parse_listing(Some(bad)).expect_err(bad);
        assert_eq!(err.field.as_deref(), Some("limit"), "{bad}");
    }
    assert_eq!(
        parse_listing(Some("limit=0010")).map(|l| l.limit),
        Ok(Some(10))
    );
    let err = parse_listing(Some("status=done")).expect_err("status");
    assert_eq!(err.field.as_deref(), Some("status"));
}

#[test]
fn task_ids_are_digits_only() {
    assert_eq!(parse_task_id("42"), Ok(42));
    assert_eq!(parse_task_id("007"), Ok(7));
    for bad in ["", "-1", "+1", "1a", "1234567890123456789"] {
        assert_eq!(parse_task_id(bad), Err(ApiError::bad_task_id()), "{bad}");
    }
}
