//! What every PostgreSQL test shares: whether to run at all.

use twinbench_service::pg;

/// Whether a test needing a cluster runs here. Without PostgreSQL it says
/// so loudly and the test returns early, unless `TWINBENCH_REQUIRE_POSTGRES`
/// is set (CI), where it fails with the probe's error (which names the fix).
pub fn postgres_or_skip(test: &str) -> bool {
    if pg::available() {
        return true;
    }
    let why = pg::probe()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(!pg::required(), "{test}: {why}");
    eprintln!("!! {test} SKIPPED: PostgreSQL not available ({why})");
    false
}

/// Whether process `pid` is gone: no `/proc/<pid>`, or a zombie (exited,
/// not yet reaped by whoever is its parent).
#[allow(dead_code)] // Not every test binary checks processes.
pub fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

/// The processes whose command line mentions `needle` (a cluster's folder:
/// the postmaster names its data folder, and its children are gone with it).
#[allow(dead_code)]
pub fn processes_mentioning(needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .filter(|cmd| cmd.contains(needle))
        .collect()
}
