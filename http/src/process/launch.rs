//! The command lines of the two servers, and where their programs are.
//! Both listen on 127.0.0.1 only; the clock, the rules and the database
//! reach them as docs/service.md ("HTTP API") describes.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::ServerSpec;

pub use twinbench_service::workspace::{ROOT_ENV, VENV_ENV, root as workspace_root, venv_dir};

/// The venv's gunicorn.
pub fn gunicorn_program(venv: &Path) -> PathBuf {
    venv.join("bin").join("gunicorn")
}

/// Whether the venv has gunicorn (false: the Python side cannot start).
pub fn gunicorn_available() -> bool {
    gunicorn_program(&venv_dir()).is_file()
}

/// How many gunicorn workers to run: one per core tokio's runtime sees
/// (`available_parallelism`), so both servers get the same cores.
/// gunicorn_conf.py's own default, `os.cpu_count()`, is the same number
/// unless CPU affinity or a cgroup quota narrows it.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Sets or removes the variables both servers read.
fn clock_and_env(command: &mut Command, spec: &ServerSpec) {
    match spec.now {
        Some(now) => command.env("TWINBENCH_SERVICE_NOW", now.to_string()),
        None => command.env_remove("TWINBENCH_SERVICE_NOW"),
    };
    match &spec.env {
        Some(env) => command.env("TWINBENCH_SERVICE_ENV", env),
        None => command.env_remove("TWINBENCH_SERVICE_ENV"),
    };
}

/// gunicorn serving app.py from `python_baselines/` (so the package
/// imports), sync workers, `workers` of them, on 127.0.0.1:`spec.port`.
pub fn gunicorn(venv: &Path, spec: &ServerSpec, workers: usize) -> Command {
    let baselines = workspace_root().join("python_baselines");
    let mut command = Command::new(gunicorn_program(venv));
    command
        .current_dir(&baselines)
        .arg("--config")
        .arg("twinbench_baselines/task_service/gunicorn_conf.py")
        .arg("--bind")
        .arg(format!("127.0.0.1:{}", spec.port))
        .arg("--workers")
        .arg(workers.to_string())
        .arg("twinbench_baselines.task_service.app:create_app()")
        .env("TWINBENCH_SERVICE_DB", &spec.db)
        .env("TWINBENCH_SERVICE_CONFIG", &spec.config_dir)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    clock_and_env(&mut command, spec);
    command
}

/// The Rust twin's binary on 127.0.0.1:`spec.port`.
pub fn twin(binary: &Path, spec: &ServerSpec) -> Command {
    let mut command = Command::new(binary);
    command
        .arg("--db")
        .arg(&spec.db)
        .arg("--config")
        .arg(&spec.config_dir)
        .arg("--bind")
        .arg(format!("127.0.0.1:{}", spec.port));
    if let Some(env) = &spec.env {
        command.arg("--env").arg(env);
    }
    clock_and_env(&mut command, spec);
    command
}

/// The `twinbench-serve` cargo built beside the running executable (a
/// binary of this crate in `target/<profile>/`, or a test in
/// `target/<profile>/deps/`), for callers without
/// `env!("CARGO_BIN_EXE_twinbench-serve")`. `None` when it is not there:
/// build it with `cargo build -p twinbench-http --bin twinbench-serve`
/// (same profile).
pub fn twin_binary_beside_current_exe() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [Some(dir), dir.parent()]
        .into_iter()
        .flatten()
        .map(|d| d.join("twinbench-serve"))
        .find(|p| p.is_file())
}
