//! A throwaway `redis-server` for tests: started as this process's child in
//! a temporary folder, listening only on a unix socket there (`--port 0`:
//! no TCP), nothing persisted (`--save ""`, `--appendonly no`); killed,
//! reaped and its folder removed on drop, also while a panic unwinds.
//!
//! Like the PostgreSQL clusters of the service crate (`service/src/pg/
//! cluster.rs`), a machine without the server makes the tests skip loudly,
//! unless [`REQUIRE_ENV`] is set (CI), where it is a failure.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set to anything non-empty, a missing redis-server fails the tests instead
/// of skipping them (CI sets it).
pub const REQUIRE_ENV: &str = "TWINBENCH_REQUIRE_REDIS";

/// Set, the redis-server binary to use instead of the one on PATH (a path
/// that does not exist makes the server absent).
pub const SERVER_ENV: &str = "TWINBENCH_REDIS_SERVER";

/// The longest path a unix socket can have on Linux.
const MAX_SOCKET_PATH: usize = 107;

/// Why a server could not be found or started. Each message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "redis-server not found (looked for {looked}): install the Debian package \
         redis-server (apt-get install redis-server)"
    )]
    NotFound { looked: String },
    #[error("could not {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "the socket path {path} is {len} bytes, longer than the {MAX_SOCKET_PATH} a unix \
         socket allows: set TMPDIR to a shorter folder"
    )]
    SocketPathTooLong { path: PathBuf, len: usize },
    #[error("redis-server exited at start ({status}); its log, last lines:\n{tail}")]
    StartFailed { status: String, tail: String },
    #[error("redis-server did not answer PING within {seconds} s (killed it); its log:\n{tail}")]
    StartTimeout { seconds: u64, tail: String },
}

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> ServerError {
    let what = what.into();
    move |source| ServerError::Io { what, source }
}

/// The redis-server binary: [`SERVER_ENV`] if set, else the first on PATH,
/// else Debian's `/usr/bin/redis-server`.
pub fn find_server() -> Result<PathBuf, ServerError> {
    if let Some(path) = std::env::var_os(SERVER_ENV).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(ServerError::NotFound {
                looked: format!("{} (from {SERVER_ENV})", path.display()),
            })
        };
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .iter()
        .map(|d| d.join("redis-server"))
        .chain([PathBuf::from("/usr/bin/redis-server")])
        .find(|p| p.is_file())
        .ok_or_else(|| ServerError::NotFound {
            looked: "redis-server on PATH and /usr/bin/redis-server".to_string(),
        })
}

/// Whether [`REQUIRE_ENV`] asks for redis-server to be there (CI).
pub fn required() -> bool {
    std::env::var_os(REQUIRE_ENV).is_some_and(|v| !v.is_empty())
}

/// A running throwaway server. Invariant: while it exists the server is this
/// process's child, listening only on [`Self::socket`]; dropping it kills
/// and reaps the server, then removes the folder.
#[derive(Debug)]
pub struct RedisServer {
    /// `None` once stopped.
    child: Option<Child>,
    socket: PathBuf,
    log: PathBuf,
    /// Removed on drop, after the server is gone (field order: dropped last).
    folder: tempfile::TempDir,
}

impl RedisServer {
    /// Starts the server found by [`find_server`].
    pub fn start() -> Result<Self, ServerError> {
        Self::start_with(&find_server()?)
    }

    /// Starts `binary` and waits (up to 10 s) until it answers PING on its
    /// socket. On any error nothing is left behind.
    pub fn start_with(binary: &Path) -> Result<Self, ServerError> {
        if !binary.is_file() {
            return Err(ServerError::NotFound {
                looked: binary.display().to_string(),
            });
        }
        let folder = tempfile::Builder::new()
            .prefix("twinbench-redis-")
            .tempdir()
            .map_err(io_error("make the server's temporary folder"))?;
        let socket = folder.path().join("redis.sock");
        let len = socket.as_os_str().len();
        if len > MAX_SOCKET_PATH {
            return Err(ServerError::SocketPathTooLong { path: socket, len });
        }
        let log = folder.path().join("redis.log");
        // stderr to a file, not a pipe nobody drains (a full pipe would
        // stall the server): what it says before its log opens (a bad
        // argument) is quoted by a failed start.
        let stderr_path = folder.path().join("stderr.log");
        let stderr = std::fs::File::create(&stderr_path)
            .map_err(io_error("create the server's stderr file"))?;
        let child = Command::new(binary)
            .arg("--port")
            .arg("0")
            .arg("--unixsocket")
            .arg(&socket)
            .args(["--unixsocketperm", "700"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .args(["--daemonize", "no"])
            .arg("--dir")
            .arg(folder.path())
            .arg("--logfile")
            .arg(&log)
            .current_dir(folder.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(io_error(format!("start {}", binary.display())))?;
        let mut server = Self {
            child: Some(child),
            socket,
            log,
            folder,
        };
        server.wait_ready(Duration::from_secs(10))?;
        Ok(server)
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<(), ServerError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child
                    .try_wait()
                    .map_err(io_error("watch the starting redis-server"))?
            {
                let stderr = std::fs::read_to_string(self.folder.path().join("stderr.log"))
                    .unwrap_or_default();
                self.child = None;
                return Err(ServerError::StartFailed {
                    status: status.to_string(),
                    tail: format!("{}{stderr}", self.log_tail()),
                });
            }
            if self.socket.exists() && self.ping() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(ServerError::StartTimeout {
                    seconds: timeout.as_secs(),
                    tail: self.log_tail(),
                });
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn ping(&self) -> bool {
        let Ok(client) = redis::Client::open(redis::ConnectionAddr::Unix(self.socket.clone()))
        else {
            return false;
        };
        let Ok(mut con) = client.get_connection_with_timeout(Duration::from_secs(1)) else {
            return false;
        };
        redis::cmd("PING").query::<String>(&mut con).is_ok()
    }

    /// The log's last 20 lines.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// The unix socket the server listens on (its only way in).
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The server's process id (`None` once stopped).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The server's temporary folder.
    pub fn folder(&self) -> &Path {
        self.folder.path()
    }

    /// A client for the socket.
    pub fn client(&self) -> Result<redis::Client, redis::RedisError> {
        redis::Client::open(redis::ConnectionAddr::Unix(self.socket.clone()))
    }

    /// SIGKILL and reap: the data is thrown away, so no clean shutdown is
    /// owed, and a kill cannot hang a test.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_binary_is_an_error_naming_the_package() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e =
            RedisServer::start_with(&dir.path().join("redis-server")).expect_err("no server there");
        assert!(matches!(e, ServerError::NotFound { .. }));
        assert!(
            e.to_string().contains("apt-get install redis-server"),
            "{e}"
        );
    }
}
