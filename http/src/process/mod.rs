//! The two servers as child processes the caller owns: started on
//! 127.0.0.1 (port 0 by default: the port the server reports), ready when
//! `/api/health` answers (and, for gunicorn, every worker has loaded the
//! app), stopped — the whole process group, SIGTERM then SIGKILL, reaped —
//! when the handle is dropped, also while a panic unwinds.
//!
//! Invariant: once [`RunningServer::start_python`] or
//! [`RunningServer::start_rust`] has spawned a process, a handle owns it,
//! so every return path (ready, failed, panicked) ends with the group
//! stopped. A test process killed outright (SIGKILL) cannot run drop; its
//! servers then have to be stopped by hand.

mod group;
pub mod launch;
mod stderr;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rustix::process::Signal;
use thiserror::Error;

pub use launch::{
    default_workers, gunicorn_available, twin_binary_beside_current_exe, venv_dir, workspace_root,
};
use stderr::StderrLog;

use crate::client;

/// Lines of a server's stderr quoted in an error.
const TAIL_LINES: usize = 25;

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// app.py under gunicorn (sync workers).
    Python,
    /// `twinbench-serve` (axum on tokio).
    Rust,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Python => "gunicorn (app.py, the Flask original)",
            Side::Rust => "twinbench-serve (the Rust twin)",
        }
    }
}

/// What to serve and how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    /// The database file; give each server its own copy
    /// ([`copy_database`]): submissions write to it.
    pub db: PathBuf,
    /// The rule folder (`base/`, `environments/`, `local/`).
    pub config_dir: PathBuf,
    /// The override environment; `None` removes `TWINBENCH_SERVICE_ENV`.
    pub env: Option<String>,
    /// Pins the clock (unix seconds); `None`: the wall clock.
    pub now: Option<i64>,
    /// 0: any free port (read back from the server's log).
    pub port: u16,
    /// gunicorn workers; `None`: [`default_workers`].
    pub workers: Option<usize>,
    pub startup_timeout: Duration,
    /// How long SIGTERM may take before SIGKILL.
    pub stop_timeout: Duration,
}

impl ServerSpec {
    /// Port 0, wall clock, no override environment, 60 s to start, 10 s to stop.
    pub fn new(db: impl Into<PathBuf>, config_dir: impl Into<PathBuf>) -> ServerSpec {
        ServerSpec {
            db: db.into(),
            config_dir: config_dir.into(),
            env: None,
            now: None,
            port: 0,
            workers: None,
            startup_timeout: Duration::from_secs(60),
            stop_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a server is not running; every variant quotes its stderr's tail.
#[derive(Debug, Error)]
pub enum StartError {
    #[error("cannot run {} for {}: {source}; fix: {fix}", program.display(), side.name())]
    Program {
        side: Side,
        program: PathBuf,
        #[source]
        source: io::Error,
        fix: String,
    },
    #[error(
        "{} cannot listen on {addr}: the address is already in use; fix: choose another \
         port (or port 0 for any free one) or stop the process using it\n\
         --- its stderr ends with:\n{tail}",
        side.name()
    )]
    PortInUse {
        side: Side,
        addr: SocketAddr,
        tail: String,
    },
    #[error("{} exited during start-up ({status}); its stderr ends with:\n{tail}", side.name())]
    Exited {
        side: Side,
        status: String,
        tail: String,
    },
    #[error(
        "{} was not ready after {waited:?} (waiting for: {waiting_for}); stopped it; \
         its stderr ends with:\n{tail}",
        side.name()
    )]
    Timeout {
        side: Side,
        waited: Duration,
        waiting_for: &'static str,
        tail: String,
    },
    #[error("cannot watch {}: {source}", side.name())]
    Wait {
        side: Side,
        #[source]
        source: io::Error,
    },
}

/// A server process group the caller owns; stopped on drop.
#[derive(Debug)]
pub struct RunningServer {
    side: Side,
    child: Option<Child>,
    leader: u32,
    addr: SocketAddr,
    log: Arc<Mutex<StderrLog>>,
    stop_timeout: Duration,
}

/// Copies the database `src` (and its WAL, if any) to `dest`, so a server
/// gets rows no other server has written to.
pub fn copy_database(src: &Path, dest: &Path) -> io::Result<()> {
    std::fs::copy(src, dest)?;
    let wal = |p: &Path| {
        let mut s = p.as_os_str().to_owned();
        s.push("-wal");
        PathBuf::from(s)
    };
    if wal(src).is_file() {
        std::fs::copy(wal(src), wal(dest))?;
    }
    Ok(())
}

impl RunningServer {
    /// app.py under gunicorn from [`venv_dir`].
    pub fn start_python(spec: &ServerSpec) -> Result<RunningServer, StartError> {
        RunningServer::start_python_in(&venv_dir(), spec)
    }

    /// app.py under the gunicorn of `venv`.
    pub fn start_python_in(venv: &Path, spec: &ServerSpec) -> Result<RunningServer, StartError> {
        let workers = spec.workers.unwrap_or_else(default_workers).max(1);
        let command = launch::gunicorn(venv, spec, workers);
        let fix = format!(
            "install the pinned packages into {}: `make setup`, or \
             `{}/bin/pip install -r python_baselines/requirements.txt`",
            venv.display(),
            venv.display()
        );
        RunningServer::launch(Side::Python, command, fix, workers, spec)
    }

    /// The Rust twin from `binary` (in tests:
    /// `env!("CARGO_BIN_EXE_twinbench-serve")`).
    pub fn start_rust(binary: &Path, spec: &ServerSpec) -> Result<RunningServer, StartError> {
        let command = launch::twin(binary, spec);
        let fix = "build it: `cargo build -p twinbench-http --bin twinbench-serve`".to_string();
        RunningServer::launch(Side::Rust, command, fix, 0, spec)
    }

    fn launch(
        side: Side,
        mut command: Command,
        fix: String,
        workers: usize,
        spec: &ServerSpec,
    ) -> Result<RunningServer, StartError> {
        use std::os::unix::process::CommandExt;
        let program = PathBuf::from(command.get_program());
        let mut child = command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| StartError::Program {
                side,
                program,
                source,
                fix,
            })?;
        let log = match child.stderr.take() {
            Some(pipe) => stderr::collect(pipe),
            None => Arc::new(Mutex::new(StderrLog::default())),
        };
        // From here on the handle owns the process: any error below drops
        // it, which stops the group.
        let mut server = RunningServer {
            side,
            leader: child.id(),
            child: Some(child),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, spec.port)),
            log,
            stop_timeout: spec.stop_timeout,
        };
        server.wait_ready(workers, spec)?;
        Ok(server)
    }

    fn log(&self) -> std::sync::MutexGuard<'_, StderrLog> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the address, a 200 from `/api/health`, then `workers`
    /// "worker ready" lines; fails fast on exit or a taken port.
    fn wait_ready(&mut self, workers: usize, spec: &ServerSpec) -> Result<(), StartError> {
        let started = Instant::now();
        let requested = SocketAddr::from((Ipv4Addr::LOCALHOST, spec.port));
        let mut healthy = false;
        loop {
            let (addr, in_use, ready) = {
                let log = self.log();
                (log.addr, log.port_in_use, log.ready_workers)
            };
            if in_use {
                return Err(self.port_in_use(requested));
            }
            let exited = match self.child.as_mut().map(Child::try_wait) {
                Some(Ok(status)) => status,
                Some(Err(source)) => {
                    return Err(StartError::Wait {
                        side: self.side,
                        source,
                    });
                }
                None => None,
            };
            if let Some(status) = exited {
                return Err(self.exited(status, requested));
            }
            if let Some(addr) = addr {
                self.addr = addr;
                if !healthy {
                    healthy =
                        client::request(addr, "GET", "/api/health", None, Duration::from_secs(2))
                            .is_ok_and(|r| r.status == 200);
                }
                if healthy && ready >= workers {
                    return Ok(());
                }
            }
            if started.elapsed() > spec.startup_timeout {
                let waiting_for = match (addr, healthy) {
                    (None, _) => "the listening address in its log",
                    (Some(_), false) => "a 200 from /api/health",
                    (Some(_), true) => "every gunicorn worker to load the app",
                };
                return Err(StartError::Timeout {
                    side: self.side,
                    waited: spec.startup_timeout,
                    waiting_for,
                    tail: self.stderr_tail(TAIL_LINES),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The error for a process that exited during start-up: its stderr is
    /// read to the end first (the reason is usually the last lines).
    fn exited(&mut self, status: ExitStatus, requested: SocketAddr) -> StartError {
        let until = Instant::now() + Duration::from_secs(2);
        while !self.log().closed && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        if self.log().port_in_use {
            return self.port_in_use(requested);
        }
        StartError::Exited {
            side: self.side,
            status: status.to_string(),
            tail: self.stderr_tail(TAIL_LINES),
        }
    }

    fn port_in_use(&mut self, addr: SocketAddr) -> StartError {
        // Nothing was served, so nothing to finish: SIGKILL at once (gunicorn
        // only acts on SIGTERM after its five one-second bind retries).
        self.shutdown_with(Signal::KILL);
        StartError::PortInUse {
            side: self.side,
            addr,
            tail: self.stderr_tail(TAIL_LINES),
        }
    }

    pub fn side(&self) -> Side {
        self.side
    }

    /// Where the server listens (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The process that was spawned (gunicorn's master), the group's id.
    pub fn leader_pid(&self) -> u32 {
        self.leader
    }

    /// Every live process of the server, leader first (gunicorn: the master
    /// and its workers; the twin: one process). Zombies are left out.
    pub fn pids(&self) -> Vec<u32> {
        group::members(self.leader)
            .into_iter()
            .filter(|m| m.state != 'Z')
            .map(|m| m.pid)
            .collect()
    }

    /// The last `lines` lines the server wrote to stderr.
    pub fn stderr_tail(&self, lines: usize) -> String {
        self.log().tail(lines)
    }

    /// Stops the server now (as drop does) and says how the leader ended.
    pub fn stop(mut self) -> Option<ExitStatus> {
        self.shutdown()
    }

    /// SIGTERM to the group; SIGKILL after `stop_timeout`; the leader
    /// reaped; then SIGKILL for any member still running (gunicorn reaps
    /// its workers before it exits, so normally there is none).
    fn shutdown(&mut self) -> Option<ExitStatus> {
        self.shutdown_with(Signal::TERM)
    }

    fn shutdown_with(&mut self, first: Signal) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = group::signal(self.leader, first);
        let deadline = Instant::now() + self.stop_timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                _ => {
                    let _ = group::signal(self.leader, Signal::KILL);
                    break child.wait().ok();
                }
            }
        };
        let until = Instant::now() + Duration::from_secs(5);
        while group::members(self.leader).iter().any(|m| m.state != 'Z') && Instant::now() < until {
            let _ = group::signal(self.leader, Signal::KILL);
            std::thread::sleep(Duration::from_millis(10));
        }
        status
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Whether process `pid` exists (for tests checking nothing is left).
pub fn process_exists(pid: u32) -> bool {
    group::exists(pid)
}
