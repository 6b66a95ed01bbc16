//! Loading the repository's rule files, overrides, and every kind of
//! broken file: each message names the file, the key path and the fix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;

/// A copy of the repository's rule files in a fresh folder, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("twinbench-config-{tag}-{}-{n}", std::process::id()));
        let base = dir.join("base");
        std::fs::create_dir_all(&base).expect("scratch dir");
        for name in ["sla_rules.yaml", "routing_rules.yaml", "queries.yaml"] {
            std::fs::copy(default_dir().join("base").join(name), base.join(name)).expect("copy");
        }
        Scratch(dir)
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn the_repository_rules_load() {
    let config = load(&default_dir(), Some("none-such")).expect("base rules");
    assert_eq!(config.sla.target_for("shell").target_minutes, 5);
    assert_eq!(config.sla.target_for("no such type"), config.sla.default);
    assert_eq!(config.routing.rule_for("nowhere"), &config.routing.default);
    assert!(config.routing.rule_for("prod").requires_env);
    for name in [
        "pending_tasks",
        "open_tasks",
        "all_sessions",
        "sessions_by_names",
        "idle_sessions",
        "assign_task",
        "mark_session_busy",
        "update_session",
        "insert_session",
    ] {
        assert!(config.queries.contains_key(name), "{name}");
    }
}

#[test]
fn environment_then_local_overrides_merge_key_by_key() {
    let s = Scratch::new("override");
    s.write(
        "environments/staging.yaml",
        "sla_targets:\n  shell:\n    target_minutes: 7\n",
    );
    s.write(
        "local/10-a.yaml",
        "sla_targets:\n  shell:\n    target_minutes: 9\n",
    );
    s.write(
        "local/20-b.yaml",
        "environment_routing:\n  prod:\n    preferred_sessions: []\n",
    );
    let config = load(s.path(), Some("staging")).expect("overrides");
    // local after environment, in name order; untouched keys kept.
    assert_eq!(config.sla.target_for("shell").target_minutes, 9);
    assert_eq!(config.sla.target_for("shell").warning_percent, 80);
    assert!(
        config
            .routing
            .rule_for("prod")
            .preferred_sessions
            .is_empty()
    );
    assert_eq!(
        config.routing.rule_for("prod").excluded_sessions,
        ["local-0003"]
    );
    // Without the environment, only local applies.
    let plain = load(s.path(), Some("production")).expect("local only");
    assert_eq!(plain.sla.target_for("shell").target_minutes, 9);
}

fn message(result: Result<Config, ConfigError>) -> String {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_yaml_names_the_file_and_the_fix() {
    let s = Scratch::new("syntax");
    s.write("local/broken.yaml", "sla_targets:\n  shell: [unclosed\n");
    let text = message(load(s.path(), None));
    assert!(text.contains("broken.yaml"), "{text}");
    assert!(text.contains("not valid YAML"), "{text}");
    assert!(text.contains("fix:"), "{text}");
}

#[test]
fn a_wrong_type_names_file_key_expected_found_and_fix() {
    let s = Scratch::new("type");
    s.write(
        "environments/qa.yaml",
        "sla_targets:\n  shell:\n    target_minutes: soon\n",
    );
    let err = load(s.path(), Some("qa")).expect_err("wrong type");
    let text = err.to_string();
    assert!(text.contains("qa.yaml"), "{text}");
    assert!(text.contains("sla_targets.shell.target_minutes"), "{text}");
    assert!(text.contains("an integer"), "{text}");
    assert!(text.contains("\"soon\""), "{text}");
    assert!(text.contains("fix: write a whole number"), "{text}");
    assert!(matches!(err, ConfigError::WrongType { .. }));
}

#[test]
fn out_of_range_and_list_items_are_wrong_types() {
    let s = Scratch::new("range");
    s.write(
        "local/a.yaml",
        "environment_routing:\n  prod:\n    excluded_sessions: [ok, 3]\n",
    );
    let text = message(load(s.path(), None));
    assert!(
        text.contains("environment_routing.prod.excluded_sessions[1]"),
        "{text}"
    );
    let s = Scratch::new("percent");
    s.write(
        "local/a.yaml",
        "sla_targets:\n  docs:\n    warning_percent: 150\n",
    );
    let text = message(load(s.path(), None));
    assert!(text.contains("sla_targets.docs.warning_percent"), "{text}");
    assert!(text.contains("from 1 to 100"), "{text}");
}

#[test]
fn a_missing_default_names_the_base_file_and_the_fix() {
    let s = Scratch::new("default");
    let sla = std::fs::read_to_string(s.path().join("base/sla_rules.yaml")).expect("read");
    let cut = sla.find("  default:").expect("default entry");
    s.write("base/sla_rules.yaml", &sla[..cut]);
    let err = load(s.path(), None).expect_err("no default");
    let text = err.to_string();
    assert!(text.contains("sla_rules.yaml"), "{text}");
    assert!(text.contains("sla_targets.default"), "{text}");
    assert!(text.contains("fix: add `default:"), "{text}");
    assert!(matches!(err, ConfigError::Missing { .. }));
}

#[test]
fn an_unknown_param_type_is_named() {
    let s = Scratch::new("param");
    s.write(
        "local/q.yaml",
        "queries:\n  x:\n    sql: SELECT 1\n    params:\n      - name: a\n        type: float\n",
    );
    let text = message(load(s.path(), None));
    assert!(text.contains("queries.x.params[0].type"), "{text}");
    assert!(text.contains("integer, string, string_list"), "{text}");
}

#[test]
fn build_query_expands_lists_and_applies_defaults() {
    let config = load(&default_dir(), Some("none-such")).expect("rules");
    let mut given = BTreeMap::new();
    given.insert(
        "names",
        ParamValue::StringList(vec!["a".into(), "b".into()]),
    );
    let q = config
        .build_query("sessions_by_names", &given)
        .expect("build");
    assert!(
        q.sql.ends_with("WHERE name IN (:names_0, :names_1)"),
        "{}",
        q.sql
    );
    assert_eq!(q.params.len(), 2);
    given.insert("names", ParamValue::StringList(Vec::new()));
    let q = config
        .build_query("sessions_by_names", &given)
        .expect("empty");
    assert!(q.sql.ends_with("IN (NULL)"), "{}", q.sql);
    let q = config
        .build_query("pending_tasks", &BTreeMap::new())
        .expect("defaults");
    assert_eq!(
        q.params,
        [
            ("status".to_string(), ParamValue::String("pending".into())),
            ("limit".to_string(), ParamValue::Integer(50)),
        ]
    );
    assert!(matches!(
        config.build_query("assign_task", &BTreeMap::new()),
        Err(QueryError::MissingParam { .. })
    ));
    assert!(matches!(
        config.build_query("nope", &BTreeMap::new()),
        Err(QueryError::UnknownQuery { .. })
    ));
}
