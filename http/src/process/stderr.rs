//! A server's stderr, drained by a thread for the server's whole life (a
//! full pipe would block the server) and kept as the last lines, with what
//! start-up waits for read out of it as the lines arrive.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// Lines kept for error messages.
const KEPT_LINES: usize = 200;

/// What the stderr thread has seen so far.
#[derive(Debug, Default)]
pub struct StderrLog {
    lines: VecDeque<String>,
    /// The address from the "listening" line.
    pub addr: Option<SocketAddr>,
    /// A line said the port is taken.
    pub port_in_use: bool,
    /// gunicorn workers that have loaded the app.
    pub ready_workers: usize,
    /// The pipe is closed: every process holding it has exited.
    pub closed: bool,
}

impl StderrLog {
    fn take(&mut self, line: String) {
        if let Some(at) = line
            .find("Listening at: http://")
            .map(|i| i + "Listening at: http://".len())
            .or_else(|| {
                line.find("listening on http://")
                    .map(|i| i + "listening on http://".len())
            })
        {
            let addr = line[at..].split_whitespace().next().unwrap_or("");
            self.addr = addr.parse().ok().or(self.addr);
        }
        if line.contains("Connection in use") || line.contains("address is already in use") {
            self.port_in_use = true;
        }
        if line.contains("twinbench: worker") && line.contains(" ready") {
            self.ready_workers += 1;
        }
        if self.lines.len() == KEPT_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }

    /// The last `n` lines, joined.
    pub fn tail(&self, n: usize) -> String {
        let skip = self.lines.len().saturating_sub(n);
        let lines: Vec<&str> = self.lines.iter().skip(skip).map(String::as_str).collect();
        lines.join("\n")
    }
}

/// Starts the thread reading `pipe` into a shared [`StderrLog`].
pub fn collect(pipe: impl Read + Send + 'static) -> Arc<Mutex<StderrLog>> {
    let log = Arc::new(Mutex::new(StderrLog::default()));
    let writer = Arc::clone(&log);
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                    writer
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .take(line);
                }
            }
        }
        writer.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
    });
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_servers_listening_and_in_use_lines() {
        let mut log = StderrLog::default();
        log.take(
            "[2026-12-04 14:34:36 +0000] [1] [INFO] Listening at: http://127.0.0.1:42201 (1)"
                .into(),
        );
        assert_eq!(log.addr, Some(SocketAddr::from(([127, 0, 0, 1], 42201))));
        let mut log = StderrLog::default();
        log.take("twinbench-serve: listening on http://127.0.0.1:5000".into());
        assert_eq!(log.addr, Some(SocketAddr::from(([127, 0, 0, 1], 5000))));
        log.take("[ERROR] Connection in use: ('127.0.0.1', 5000)".into());
        log.take("[INFO] twinbench: worker 77 ready".into());
        assert!(log.port_in_use);
        assert_eq!(log.ready_workers, 1);
        assert_eq!(log.tail(1), "[INFO] twinbench: worker 77 ready");
    }
}
