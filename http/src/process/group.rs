//! A server's processes as one POSIX process group: the server is spawned
//! as the leader of a new group (`process_group(0)`), everything it forks
//! (gunicorn's workers) stays in that group, so one signal reaches them all
//! and `/proc` lists them by group id. Linux only (reads `/proc`).

use std::io;

use rustix::process::{Pid, Signal, kill_process_group};

/// One process of the group, from `/proc/<pid>/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub pid: u32,
    /// `Z` for a zombie (exited, not reaped yet).
    pub state: char,
}

/// `(state, pgrp)` from a `/proc/<pid>/stat` line. The command name is in
/// parentheses and may hold spaces or parentheses: fields are counted after
/// the last `)`.
fn parse_stat(stat: &str) -> Option<(char, u32)> {
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

/// Every process of group `leader` (zombies included), leader first, the
/// rest by pid.
pub fn members(leader: u32) -> Vec<Member> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out: Vec<Member> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let (state, pgrp) = parse_stat(&stat)?;
            (pgrp == leader).then_some(Member { pid, state })
        })
        .collect();
    out.sort_by_key(|m| (m.pid != leader, m.pid));
    out
}

/// Whether `pid` still exists (running or a zombie).
pub fn exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Sends `signal` to every process of group `leader`; a group with no
/// process left is not an error.
pub fn signal(leader: u32, signal: Signal) -> io::Result<()> {
    let Some(pid) = i32::try_from(leader).ok().and_then(Pid::from_raw) else {
        return Ok(());
    };
    match kill_process_group(pid, signal) {
        Err(err) if err == rustix::io::Errno::SRCH => Ok(()),
        other => other.map_err(io::Error::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_read_after_the_command_name() {
        let line = "4242 (gunicorn: (worker) x) S 4200 4200 4200 0 -1";
        assert_eq!(parse_stat(line), Some(('S', 4200)));
        assert_eq!(parse_stat("garbage"), None);
    }
}
