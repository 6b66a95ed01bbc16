//! Dependencies between the harness's modules point one way: no import
//! circle between the top-level modules of `harness/src`, nor between the
//! sections of `report/`. Read from the source text (`crate::x` and
//! `super::x` paths outside comments), so a new circle fails `make test`
//! before anyone has to untangle it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common;

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The code of a file with comments removed (line comments only: the
/// harness has no block comments).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("read source")
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Identifiers that follow `prefix` in `text` (`crate::` → `results`, …),
/// including those inside a grouped `use prefix{a, b::c}`.
fn targets(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in text.match_indices(prefix) {
        let rest = &text[i + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for part in inner.split(',') {
                let name = ident(part.trim());
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// The module a file belongs to one level below `root`: `root/x.rs` and
/// `root/x/...` are `x`; `root/mod.rs` and `root/lib.rs` are the root itself.
fn module_of(root: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(root).ok()?.components().next()?;
    let name = first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string();
    (!matches!(name.as_str(), "mod" | "lib" | "main")).then_some(name)
}

/// A circle in `graph`, if there is one, as the modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// The dependency graph between the modules directly under `root`, read
/// from `prefix` paths (`crate::` for the crate's top level, `super::` for
/// the sections of one module folder).
fn graph(root: &Path, prefix: &str, skip: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(root) {
        let Some(module) = module_of(root, &file) else {
            continue;
        };
        if skip.contains(&module.as_str()) {
            continue;
        }
        // `super::` only names a sibling from a file directly in `root`.
        if prefix == "super::" && file.parent() != Some(root) {
            continue;
        }
        let deps = graph.entry(module.clone()).or_default();
        for target in targets(&code(&file), prefix) {
            let is_module = root.join(format!("{target}.rs")).is_file()
                || root.join(&target).join("mod.rs").is_file();
            if is_module && target != module {
                deps.insert(target);
            }
        }
    }
    graph
}

#[test]
fn the_harness_modules_form_no_circle() {
    let src = common::workspace_file("harness/src");
    // The binary's commands sit above everything: they may use any module.
    let top = graph(&src, "crate::", &["commands"]);
    assert!(top.len() >= 15, "read too few modules: {top:?}");
    if let Some(cycle) = find_cycle(&top) {
        panic!("import circle in harness/src: {}", cycle.join(" -> "));
    }
    // The results types never depend on the code that computes them.
    for computing in [
        "measure", "verdicts", "run", "report", "gate", "export", "sides",
    ] {
        assert!(
            !top["results"].contains(computing),
            "results depends on {computing}: {:?}",
            top["results"]
        );
    }
    // The outputs only read results: they never measure or run.
    for output in ["report", "gate", "export"] {
        for measuring in ["measure", "run", "sides"] {
            let reads_samples = output == "gate" && measuring == "measure";
            assert!(
                reads_samples || !top[output].contains(measuring),
                "{output} depends on {measuring}"
            );
        }
    }
    let report = graph(&src.join("report"), "super::", &[]);
    if let Some(cycle) = find_cycle(&report) {
        panic!(
            "import circle in harness/src/report: {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn a_circle_is_found() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    graph.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(
        find_cycle(&graph).map(|c| c.join(" -> ")),
        Some("a -> b -> c -> a".to_string())
    );
    graph.insert("c".to_string(), BTreeSet::new());
    assert_eq!(find_cycle(&graph), None);
}
