//! Where the project's files are, and how a file is written so a reader
//! never sees half of it. No twinbench types: every module may use it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The workspace root (the folder holding `Cargo.toml`, `scenarios/`, ...)
/// and the variable that overrides it, looked up as every crate of the
/// workspace does.
pub use twinbench_service::workspace::{ROOT_ENV, root};

/// `python_baselines/`: put on `sys.path` so `twinbench_baselines` imports.
pub fn baselines_dir() -> PathBuf {
    root().join("python_baselines")
}

/// The pins the venv must match.
pub fn requirements_file() -> PathBuf {
    baselines_dir().join("requirements.txt")
}

/// Defects found in the original, kept beside the baselines.
pub fn defects_file() -> PathBuf {
    baselines_dir().join("defects.toml")
}

/// The scenario benches and reports use unless told otherwise.
pub fn default_scenario() -> PathBuf {
    root().join("scenarios").join("default.toml")
}

/// Cargo's target directory (`$CARGO_TARGET_DIR`, else `<root>/target`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Where criterion saves its samples (`$CRITERION_HOME`, as criterion
/// itself reads it, else `<target>/criterion`).
pub fn criterion_dir() -> PathBuf {
    std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("criterion"))
}

/// Where reports are written.
pub fn reports_dir() -> PathBuf {
    root().join("reports")
}

/// Whether `a` and `b` name the same file: the same canonical path where
/// both exist, else the same absolute path once `.` and `..` are resolved
/// lexically (an output that does not exist yet cannot be an input, unless
/// it is spelled as one).
pub fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(x), Ok(y)) = (a.canonicalize(), b.canonicalize()) {
        return x == y;
    }
    lexical_absolute(a) == lexical_absolute(b)
}

fn lexical_absolute(path: &Path) -> PathBuf {
    use std::path::Component;
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The first output that would overwrite one of `inputs`, as an error
/// message naming both; a command checks this before doing any work.
pub fn refuse_overwrite<'a>(
    outputs: impl IntoIterator<Item = (&'a str, &'a Path)>,
    inputs: &[&Path],
) -> Result<(), String> {
    for (flag, output) in outputs {
        if let Some(input) = inputs.iter().find(|i| same_file(output, i)) {
            return Err(format!(
                "{flag} {} is also an input ({}): writing it would destroy what is read; \
                 choose another path",
                output.display(),
                input.display()
            ));
        }
    }
    Ok(())
}

/// Checks that files can be written in `dir` (creating it), before a long
/// run whose results would otherwise be lost at the end.
pub fn check_writable(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".twinbench-write-check-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed to disk, then renamed over `path`. A reader never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let dir = std::env::temp_dir().join(format!("twinbench-atomic-{}", std::process::id()));
        let path = dir.join("results.json");
        write_atomic(&path, b"one").expect("first write");
        write_atomic(&path, b"two").expect("second write");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let leftovers = std::fs::read_dir(&dir)
            .expect("dir")
            .filter(|e| e.as_ref().is_ok_and(|e| e.file_name() != "results.json"))
            .count();
        assert_eq!(leftovers, 0);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
