//! A throwaway PostgreSQL cluster: `initdb` into a temporary folder, the
//! server started as this process's child on a unix socket in that folder
//! (nothing on TCP), stopped and the folder removed on drop.
//!
//! Why the server is spawned directly rather than with `pg_ctl start`:
//! `pg_ctl` detaches the postmaster, and where PID 1 does not reap orphans
//! (this container's does not) the stopped postmaster stays a zombie
//! forever. As our child it is reaped by [`PgCluster`]'s drop, and an early
//! exit (a bad setting, a taken socket) is seen at once instead of after a
//! timeout. `pg_ctl stop` still does the stopping.
//!
//! Why settings are what they are: see [`DURABILITY_SETTINGS`].

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The role `initdb` creates (a superuser), the one every client connects as.
pub const SUPERUSER: &str = "twinbench";

/// The database every client connects to (`initdb` creates it).
pub const DATABASE: &str = "postgres";

/// The port: with `listen_addresses=''` it only names the socket file
/// (`.s.PGSQL.<port>`), and each cluster has a socket folder of its own, so
/// every cluster can use the same one.
pub const DEFAULT_PORT: u16 = 5432;

/// Set to anything non-empty, a missing PostgreSQL fails the tests instead
/// of skipping them (CI sets it).
pub const REQUIRE_ENV: &str = "TWINBENCH_REQUIRE_POSTGRES";

/// Set, the only folder searched for the server binaries (a developer's own
/// build; an empty folder makes PostgreSQL absent, which is how the tests
/// of the "not installed" path simulate a machine without it).
pub const BIN_DIR_ENV: &str = "TWINBENCH_PG_BIN_DIR";

/// The signal a server started with [`PgClusterBuilder::die_with_parent`]
/// gets when the thread that started it ends: SIGQUIT is PostgreSQL's
/// immediate shutdown (backends killed, no checkpoint; the cluster is
/// thrown away anyway).
const PARENT_DEATH_SIGNAL: &str = "SIGQUIT";

/// Server settings every cluster starts with, chosen to match the SQLite
/// side's durability (`journal_mode=WAL`, `synchronous=NORMAL`): there a
/// commit appends to the WAL without syncing it, and only checkpoints sync.
/// `synchronous_commit=off` is the same promise: a commit returns before its
/// WAL is flushed (a crash loses the last few commits but never corrupts),
/// while `fsync` stays on, so the WAL writer and checkpoints still sync as
/// SQLite's checkpoints do. `fsync=off` would make PostgreSQL sync nothing
/// at all, less work than SQLite does, and flatter it in every timed write.
pub const DURABILITY_SETTINGS: &[(&str, &str)] = &[("synchronous_commit", "off"), ("fsync", "on")];

/// The longest path a unix socket can have on Linux (`sun_path` is 108
/// bytes with the terminating NUL).
const MAX_SOCKET_PATH: usize = 107;

/// How many lines of the server log an error quotes.
const LOG_TAIL_LINES: usize = 20;

/// Why a cluster could not be found, made, started or stopped. Each message
/// names the thing and the fix.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "PostgreSQL server binaries (initdb, postgres, pg_ctl) not found (looked in: {searched}): \
         install the Debian package postgresql (apt-get install postgresql)"
    )]
    BinariesNotFound { searched: String },
    #[error(
        "running as root, and PostgreSQL refuses to run as root; the unprivileged user \
         `{user}` to run it as does not exist: install the Debian package postgresql (it \
         creates the user) or create one (useradd --system {user})"
    )]
    NoUnprivilegedUser { user: String },
    #[error(
        "running as root, and PostgreSQL refuses to run as root; `setpriv`, used to run it as \
         `{user}`, was not found: install the Debian package util-linux"
    )]
    SetprivMissing { user: String },
    #[error(
        "setpriv, which ties the server's life to this process (--pdeathsig), was not found: \
         install the Debian package util-linux"
    )]
    NoParentDeathSignal,
    #[error("could not {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "the cluster folder {dir} is not writable by `{user}`, the user the server runs as: \
         set TMPDIR to a folder every user can enter (such as /tmp)"
    )]
    FolderNotAccessible { dir: PathBuf, user: String },
    #[error(
        "the socket path {path} is {len} bytes, longer than the {MAX_SOCKET_PATH} a unix socket \
         allows: set TMPDIR (or the socket folder) to a shorter path"
    )]
    SocketPathTooLong { path: PathBuf, len: usize },
    #[error(
        "the socket {socket} (port {port}) is already in use by another server{evidence}: pick \
         another port or socket folder (PgClusterBuilder::port / socket_dir) or stop that server"
    )]
    SocketInUse {
        socket: PathBuf,
        port: u16,
        /// What showed it: empty when the socket or its lock file was
        /// found before starting, else the server log's last lines.
        evidence: String,
    },
    #[error("initdb failed ({status}):\n{stderr}")]
    InitdbFailed { status: String, stderr: String },
    #[error("the PostgreSQL server would not start ({status}); server log, last lines:\n{tail}")]
    StartFailed { status: String, tail: String },
    #[error(
        "the PostgreSQL server was not ready after {seconds} s (stopped it); server log, last \
         lines:\n{tail}"
    )]
    StartTimeout { seconds: u64, tail: String },
    #[error("could not stop the PostgreSQL server (pid {pid}): {detail}")]
    StopFailed { pid: u32, detail: String },
    #[error("could not connect to the cluster at {socket_dir}: {source}")]
    Connect {
        socket_dir: PathBuf,
        #[source]
        source: postgres::Error,
    },
}

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> ClusterError {
    let what = what.into();
    move |source| ClusterError::Io { what, source }
}

/// The folder holding `initdb`, `postgres` and `pg_ctl` (all three present).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binaries {
    bin_dir: PathBuf,
}

impl Binaries {
    const REQUIRED: [&'static str; 3] = ["initdb", "postgres", "pg_ctl"];

    /// The binaries in `bin_dir`, if all three are there.
    pub fn in_dir(bin_dir: &Path) -> Result<Self, ClusterError> {
        if Self::REQUIRED.iter().all(|b| bin_dir.join(b).is_file()) {
            Ok(Self {
                bin_dir: bin_dir.to_path_buf(),
            })
        } else {
            Err(ClusterError::BinariesNotFound {
                searched: bin_dir.display().to_string(),
            })
        }
    }

    /// Where they are: `pg_config --bindir` first (the installation a
    /// developer chose), then the newest `/usr/lib/postgresql/<major>/bin`
    /// (Debian keeps them off PATH), then PATH.
    /// [`BIN_DIR_ENV`], when set, is the only folder searched.
    pub fn find() -> Result<Self, ClusterError> {
        if let Some(dir) = std::env::var_os(BIN_DIR_ENV).filter(|d| !d.is_empty()) {
            return Self::in_dir(Path::new(&dir)).map_err(|_| ClusterError::BinariesNotFound {
                searched: format!("{} (from {BIN_DIR_ENV})", Path::new(&dir).display()),
            });
        }
        let mut searched = Vec::new();
        let mut candidates = Vec::new();
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
            && out.status.success()
        {
            let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !dir.is_empty() {
                candidates.push(PathBuf::from(dir));
            }
        } else {
            searched.push("pg_config --bindir (no pg_config)".to_string());
        }
        candidates.extend(debian_bin_dirs(Path::new("/usr/lib/postgresql")));
        if let Some(path) = std::env::var_os("PATH") {
            candidates.extend(std::env::split_paths(&path));
        }
        for dir in candidates {
            if let Ok(found) = Self::in_dir(&dir) {
                return Ok(found);
            }
            searched.push(dir.display().to_string());
        }
        Err(ClusterError::BinariesNotFound {
            searched: searched.join(", "),
        })
    }

    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    fn path(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }
}

/// `<root>/<major>/bin`, the highest major version first (numerically:
/// 9.6 < 10 < 15).
fn debian_bin_dirs(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u64>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let key: Option<Vec<u64>> = name.split('.').map(|p| p.parse().ok()).collect();
            key.map(|k| (k, e.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

/// Who runs `initdb`, the server and `pg_ctl`. PostgreSQL refuses to run as
/// root, so as root every command goes through `setpriv` to the Debian
/// package's `postgres` user (setpriv execs in place, unlike runuser and su,
/// which fork: the server stays this process's own child).
#[derive(Debug, Clone, PartialEq, Eq)]
enum RunAs {
    CurrentUser,
    Unprivileged {
        user: String,
        uid: u32,
        gid: u32,
        setpriv: PathBuf,
    },
}

/// The user the server runs as when this process is root.
const UNPRIVILEGED_USER: &str = "postgres";

impl RunAs {
    fn detect() -> Result<Self, ClusterError> {
        if effective_uid()? != 0 {
            return Ok(RunAs::CurrentUser);
        }
        let user = UNPRIVILEGED_USER.to_string();
        let id = |flag: &str| -> Option<u32> {
            let out = Command::new("id").arg(flag).arg(&user).output().ok()?;
            if !out.status.success() {
                return None;
            }
            String::from_utf8_lossy(&out.stdout).trim().parse().ok()
        };
        let (Some(uid), Some(gid)) = (id("-u"), id("-g")) else {
            return Err(ClusterError::NoUnprivilegedUser { user });
        };
        let setpriv = find_on_path("setpriv")
            .or_else(|| {
                ["/usr/bin/setpriv", "/bin/setpriv"]
                    .iter()
                    .map(PathBuf::from)
                    .find(|p| p.is_file())
            })
            .ok_or_else(|| ClusterError::SetprivMissing { user: user.clone() })?;
        Ok(RunAs::Unprivileged {
            user,
            uid,
            gid,
            setpriv,
        })
    }

    /// `program` to be run as this user, in `cwd` (a folder the user can
    /// enter: the server would otherwise warn about the inherited one), with
    /// no `PG*` variable of ours leaking in (`PGPORT`, `PGDATA`, `PGHOST`
    /// would redirect the tools).
    fn command(&self, program: &Path, cwd: &Path) -> Command {
        let mut cmd = match self {
            RunAs::CurrentUser => Command::new(program),
            RunAs::Unprivileged {
                uid, gid, setpriv, ..
            } => {
                let mut cmd = Command::new(setpriv);
                cmd.arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={gid}"))
                    .arg("--clear-groups")
                    .arg("--")
                    .arg(program);
                cmd
            }
        };
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PG") {
                cmd.env_remove(key);
            }
        }
        cmd.current_dir(cwd).stdin(Stdio::null());
        cmd
    }

    /// [`Self::command`] for the server; with `die_with_parent`, through
    /// `setpriv --pdeathsig` (in the same `setpriv` as the user change: a
    /// change of user clears the parent-death signal, so it must be set
    /// after it, which one setpriv invocation does).
    fn server_command(
        &self,
        program: &Path,
        cwd: &Path,
        die_with_parent: bool,
    ) -> Result<Command, ClusterError> {
        if !die_with_parent {
            return Ok(self.command(program, cwd));
        }
        let (setpriv, user_args) = match self {
            RunAs::CurrentUser => (
                find_on_path("setpriv")
                    .or_else(|| {
                        ["/usr/bin/setpriv", "/bin/setpriv"]
                            .iter()
                            .map(PathBuf::from)
                            .find(|p| p.is_file())
                    })
                    .ok_or(ClusterError::NoParentDeathSignal)?,
                Vec::new(),
            ),
            RunAs::Unprivileged {
                uid, gid, setpriv, ..
            } => (
                setpriv.clone(),
                vec![
                    format!("--reuid={uid}"),
                    format!("--regid={gid}"),
                    "--clear-groups".to_string(),
                ],
            ),
        };
        let mut cmd = RunAs::CurrentUser.command(&setpriv, cwd);
        cmd.args(user_args)
            .arg(format!("--pdeathsig={PARENT_DEATH_SIGNAL}"))
            .arg("--")
            .arg(program);
        Ok(cmd)
    }

    /// Hands `dir` to the user (as root; otherwise it is ours already).
    fn own(&self, dir: &Path) -> Result<(), ClusterError> {
        if let RunAs::Unprivileged { uid, gid, .. } = self {
            std::os::unix::fs::chown(dir, Some(*uid), Some(*gid)).map_err(io_error(format!(
                "hand {} to the server's user",
                dir.display()
            )))?;
        }
        Ok(())
    }
}

/// This process's effective user id, from `/proc/self/status` (no libc:
/// the workspace forbids unsafe code), else `id -u`.
fn effective_uid() -> Result<u32, ClusterError> {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(uid) = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|fields| fields.split_whitespace().nth(1))
            .and_then(|euid| euid.parse().ok())
    {
        return Ok(uid);
    }
    let out = Command::new("id")
        .arg("-u")
        .output()
        .map_err(io_error("run `id -u` to learn the effective user"))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| ClusterError::Io {
            what: "read the effective user from `id -u`".to_string(),
            source: io::Error::other(String::from_utf8_lossy(&out.stdout).into_owned()),
        })
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// What this machine offers: the binaries and who runs them. Found once per
/// process.
#[derive(Debug)]
pub struct Host {
    binaries: Binaries,
    run_as: RunAs,
}

impl Host {
    fn detect() -> Result<Self, ClusterError> {
        Ok(Host {
            binaries: Binaries::find()?,
            run_as: RunAs::detect()?,
        })
    }

    pub fn binaries(&self) -> &Binaries {
        &self.binaries
    }
}

/// The machine's PostgreSQL, probed once per process.
pub fn probe() -> Result<&'static Host, &'static ClusterError> {
    static HOST: OnceLock<Result<Host, ClusterError>> = OnceLock::new();
    HOST.get_or_init(Host::detect).as_ref()
}

/// Whether clusters can be started here. When not, prints one loud line
/// (once per process) saying why and that only the SQLite half runs, so a
/// run without PostgreSQL is never mistaken for a run with it.
pub fn available() -> bool {
    static SAID: OnceLock<()> = OnceLock::new();
    match probe() {
        Ok(_) => true,
        Err(e) => {
            SAID.get_or_init(|| {
                eprintln!("!! PostgreSQL NOT AVAILABLE, running only the SQLite half: {e}");
            });
            false
        }
    }
}

/// Whether [`REQUIRE_ENV`] asks for PostgreSQL to be there (CI).
pub fn required() -> bool {
    std::env::var_os(REQUIRE_ENV).is_some_and(|v| !v.is_empty())
}

/// How to start a cluster: the defaults suit every test and benchmark; the
/// overrides exist to reproduce failures (another server's socket, a
/// broken setting, missing binaries).
#[derive(Debug, Clone)]
pub struct PgClusterBuilder {
    bin_dir: Option<PathBuf>,
    socket_dir: Option<PathBuf>,
    port: u16,
    settings: Vec<(String, String)>,
    start_timeout: Duration,
    die_with_parent: bool,
}

impl Default for PgClusterBuilder {
    fn default() -> Self {
        Self {
            bin_dir: None,
            socket_dir: None,
            port: DEFAULT_PORT,
            settings: Vec::new(),
            start_timeout: Duration::from_secs(30),
            die_with_parent: false,
        }
    }
}

impl PgClusterBuilder {
    /// The binaries from `dir` instead of the probed ones.
    pub fn bin_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.bin_dir = Some(dir.into());
        self
    }

    /// The socket in `dir` instead of the cluster's own folder (the server's
    /// user must be able to write there).
    pub fn socket_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.socket_dir = Some(dir.into());
        self
    }

    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// One more `-c name=value` for the server, after
    /// [`DURABILITY_SETTINGS`] (so it wins).
    pub fn setting(mut self, name: &str, value: &str) -> Self {
        self.settings.push((name.to_string(), value.to_string()));
        self
    }

    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// The server gets SIGQUIT (immediate shutdown) when the *thread* that
    /// calls [`Self::start`] ends, whatever ends it (a return, a panic, the
    /// process exiting or being killed): Linux's parent-death signal, set
    /// by `setpriv --pdeathsig`. For a cluster no destructor may stop (one
    /// kept for the whole process): start it on a thread that lives as
    /// long as the cluster is wanted. The folder is then left in TMPDIR
    /// (nothing runs to remove it); a drop still stops and removes both.
    pub fn die_with_parent(mut self) -> Self {
        self.die_with_parent = true;
        self
    }

    /// `initdb`, then the server, then waits until it accepts connections.
    /// On any error nothing is left behind: no process, no folder.
    pub fn start(self) -> Result<PgCluster, ClusterError> {
        let (binaries, run_as) = match &self.bin_dir {
            Some(dir) => (Binaries::in_dir(dir)?, RunAs::detect()?),
            None => match probe() {
                Ok(host) => (host.binaries.clone(), host.run_as.clone()),
                // The cached failure is shared; detect again for an owned
                // error (or a PostgreSQL installed since).
                Err(_) => {
                    let host = Host::detect()?;
                    (host.binaries, host.run_as)
                }
            },
        };
        let folder = tempfile::Builder::new()
            .prefix("twinbench-pg-")
            .tempdir()
            .map_err(io_error("make the cluster's temporary folder"))?;
        let base = folder.path().to_path_buf();
        run_as.own(&base)?;
        if let RunAs::Unprivileged { user, .. } = &run_as {
            let writable = run_as
                .command(Path::new("test"), Path::new("/"))
                .arg("-w")
                .arg(&base)
                .status()
                .map_err(io_error("check the cluster folder's permissions"))?;
            if !writable.success() {
                return Err(ClusterError::FolderNotAccessible {
                    dir: base,
                    user: user.clone(),
                });
            }
        }
        let socket_dir = self.socket_dir.clone().unwrap_or_else(|| base.clone());
        let socket = socket_dir.join(format!(".s.PGSQL.{}", self.port));
        let socket_len = socket.as_os_str().len();
        if socket_len > MAX_SOCKET_PATH {
            return Err(ClusterError::SocketPathTooLong {
                path: socket,
                len: socket_len,
            });
        }
        let lock = socket_dir.join(format!(".s.PGSQL.{}.lock", self.port));
        if socket.exists() || lock.exists() {
            return Err(ClusterError::SocketInUse {
                socket,
                port: self.port,
                evidence: String::new(),
            });
        }

        let data = base.join("data");
        let out = run_as
            .command(&binaries.path("initdb"), &base)
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ])
            // initdb's final fsync of every file: the cluster is thrown away.
            .arg("--no-sync")
            .output()
            .map_err(io_error(format!(
                "run {}",
                binaries.path("initdb").display()
            )))?;
        if !out.status.success() {
            return Err(ClusterError::InitdbFailed {
                status: describe(out.status),
                stderr: String::from_utf8_lossy(&out.stderr).trim_end().to_string(),
            });
        }

        let log_path = base.join("server.log");
        let log = File::create(&log_path).map_err(io_error("create the server log"))?;
        let log_err = log
            .try_clone()
            .map_err(io_error("share the server log with stderr"))?;
        let mut cmd =
            run_as.server_command(&binaries.path("postgres"), &base, self.die_with_parent)?;
        cmd.arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(&socket_dir)
            .arg("-p")
            .arg(self.port.to_string())
            // No TCP at all: the socket is the only way in.
            .args(["-c", "listen_addresses="]);
        for (name, value) in DURABILITY_SETTINGS
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .chain(self.settings.iter().cloned())
        {
            cmd.arg("-c").arg(format!("{name}={value}"));
        }
        let child = cmd
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(io_error(format!(
                "start {}",
                binaries.path("postgres").display()
            )))?;
        let mut cluster = PgCluster {
            child: Some(child),
            binaries,
            run_as,
            data,
            socket_dir,
            port: self.port,
            log_path,
            folder,
        };
        cluster.wait_ready(self.start_timeout)?;
        Ok(cluster)
    }
}

fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => format!("{status}"),
    }
}

/// A running throwaway cluster. Invariant: while it exists, the server is
/// this process's child, listening only on the unix socket in
/// [`Self::socket_dir`]; dropping it (also while a panic unwinds) stops the
/// server, reaps it and removes every file of the cluster.
#[derive(Debug)]
pub struct PgCluster {
    /// `None` once stopped.
    child: Option<Child>,
    binaries: Binaries,
    run_as: RunAs,
    data: PathBuf,
    socket_dir: PathBuf,
    port: u16,
    log_path: PathBuf,
    /// Removed on drop, after the server has stopped (field order: dropped last).
    folder: tempfile::TempDir,
}

impl PgCluster {
    /// A cluster with the default settings.
    pub fn start() -> Result<Self, ClusterError> {
        PgClusterBuilder::default().start()
    }

    pub fn builder() -> PgClusterBuilder {
        PgClusterBuilder::default()
    }

    /// Polls the server's `postmaster.pid` until its status line says
    /// `ready` (what `pg_ctl -w` waits for), watching for an early exit.
    fn wait_ready(&mut self, timeout: Duration) -> Result<(), ClusterError> {
        let deadline = Instant::now() + timeout;
        let pid_file = self.data.join("postmaster.pid");
        loop {
            let exited = match self.child.as_mut() {
                Some(child) => child
                    .try_wait()
                    .map_err(io_error("watch the starting server"))?,
                None => None,
            };
            if let Some(status) = exited {
                self.child = None;
                let tail = self.log_tail();
                if tail.contains(".s.PGSQL.") && tail.contains("lock file") {
                    return Err(ClusterError::SocketInUse {
                        socket: self.socket_dir.join(format!(".s.PGSQL.{}", self.port)),
                        port: self.port,
                        evidence: format!("; server log, last lines:\n{tail}\n"),
                    });
                }
                return Err(ClusterError::StartFailed {
                    status: describe(status),
                    tail,
                });
            }
            if let Ok(text) = std::fs::read_to_string(&pid_file)
                && text.lines().nth(7).is_some_and(|l| l.trim() == "ready")
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(ClusterError::StartTimeout {
                    seconds: timeout.as_secs(),
                    tail: self.log_tail(),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The server log's last [`LOG_TAIL_LINES`] lines.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
    }

    /// The postmaster's process id (`None` once stopped).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The folder holding the socket (`host` for every client).
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The cluster's temporary folder (data, log; the socket by default).
    pub fn folder(&self) -> &Path {
        self.folder.path()
    }

    /// Where the `postgres` crate connects: host = the socket folder.
    pub fn config(&self) -> postgres::Config {
        self.config_for(DATABASE)
    }

    /// [`Self::config`] for database `dbname`.
    pub fn config_for(&self, dbname: &str) -> postgres::Config {
        let mut config = postgres::Config::new();
        config
            .host_path(&self.socket_dir)
            .port(self.port)
            .user(SUPERUSER)
            .dbname(dbname)
            .application_name("twinbench");
        config
    }

    /// The same place as a libpq conninfo string (psycopg's `connect`),
    /// every value quoted, so a socket folder with spaces still parses.
    pub fn conninfo(&self) -> String {
        self.conninfo_for(DATABASE)
    }

    /// [`Self::conninfo`] for database `dbname`.
    pub fn conninfo_for(&self, dbname: &str) -> String {
        format!(
            "host={} port={} user={} dbname={}",
            quote_conninfo(&self.socket_dir.to_string_lossy()),
            self.port,
            quote_conninfo(SUPERUSER),
            quote_conninfo(dbname),
        )
    }

    /// A new connection through the `postgres` crate.
    pub fn connect(&self) -> Result<postgres::Client, ClusterError> {
        self.config()
            .connect(postgres::NoTls)
            .map_err(|source| ClusterError::Connect {
                socket_dir: self.socket_dir.clone(),
                source,
            })
    }

    /// Stops the server now, reporting a failure (drop does the same
    /// silently but for a line on stderr).
    pub fn stop(mut self) -> Result<(), ClusterError> {
        self.stop_server()
    }

    /// `pg_ctl stop -m fast` (rolls back open transactions, disconnects
    /// clients, checkpoints), then `-m immediate`, then SIGKILL; the child
    /// is reaped in every case.
    fn stop_server(&mut self) -> Result<(), ClusterError> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let pid = child.id();
        let mut detail = String::new();
        for mode in ["fast", "immediate"] {
            if let Ok(Some(_)) = child.try_wait() {
                return Ok(());
            }
            let out = self
                .run_as
                .command(&self.binaries.path("pg_ctl"), self.folder.path())
                .arg("stop")
                .arg("-D")
                .arg(&self.data)
                .args(["-m", mode, "-w", "-t", "10"])
                .output();
            match out {
                Ok(out) if out.status.success() => {
                    if wait_exit(&mut child, Duration::from_secs(5)) {
                        return Ok(());
                    }
                }
                Ok(out) => {
                    detail.push_str(&format!(
                        "pg_ctl stop -m {mode}: {}; ",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ));
                }
                Err(e) => detail.push_str(&format!("pg_ctl stop -m {mode}: {e}; ")),
            }
        }
        // The last resort: backends of a killed postmaster exit on their own
        // when they notice it gone.
        let _ = child.kill();
        let _ = child.wait();
        Err(ClusterError::StopFailed {
            pid,
            detail: format!("{detail}killed it"),
        })
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether `child` exited (and was reaped) within `timeout`.
fn wait_exit(child: &mut Child, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return true,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => return false,
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if let Err(e) = self.stop_server() {
            eprintln!("!! {e}");
        }
    }
}

/// A conninfo value in single quotes, `\` and `'` escaped (libpq's rule).
pub(crate) fn quote_conninfo(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('\'');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_versions_sort_numerically_highest_first() {
        let root = tempfile::tempdir().expect("tempdir");
        for v in ["9.6", "15", "10", "not-a-version"] {
            std::fs::create_dir(root.path().join(v)).expect("mkdir");
        }
        let dirs = debian_bin_dirs(root.path());
        let names: Vec<String> = dirs
            .iter()
            .map(|d| {
                d.parent()
                    .and_then(Path::file_name)
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(names, ["15", "10", "9.6"]);
    }

    #[test]
    fn conninfo_values_are_quoted_and_escaped() {
        assert_eq!(quote_conninfo("/tmp/a b"), "'/tmp/a b'");
        assert_eq!(quote_conninfo(r"it's\x"), r"'it\'s\\x'");
    }
}
