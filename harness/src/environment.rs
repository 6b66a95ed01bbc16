//! The machine, commit, library pins and toolchain a run happened on,
//! recorded beside every number.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Machine {
    pub hostname: String,
    pub os: String,
    pub arch: String,
    pub cpu_model: String,
    pub logical_cpus: usize,
    pub memory_bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GitInfo {
    pub commit: String,
    /// Uncommitted changes were present: the numbers are not for `commit` alone.
    pub dirty: bool,
}

impl Machine {
    /// Whether timings taken on `self` and on `other` can be compared: the
    /// same processor model and count, OS and architecture. The one rule the
    /// gate, `merge` and `pool` all use (the hostname may differ: CI runners
    /// of one kind are interchangeable).
    pub fn same_hardware(&self, other: &Machine) -> bool {
        self.hardware() == other.hardware()
    }

    /// The hardware [`Machine::same_hardware`] compares, in words.
    pub fn hardware(&self) -> String {
        format!(
            "{} × {} ({}/{})",
            self.cpu_model, self.logical_cpus, self.os, self.arch
        )
    }

    /// Reads the current machine (Linux `/proc` where available).
    pub fn current() -> Self {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let memory_bytes = read("/proc/meminfo").lines().find_map(|l| {
            let kib: u64 = l
                .strip_prefix("MemTotal:")?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()?;
            Some(kib * 1024)
        });
        let hostname = read("/proc/sys/kernel/hostname").trim().to_string();
        Self {
            hostname: if hostname.is_empty() {
                "unknown".into()
            } else {
                hostname
            },
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
            cpu_model,
            logical_cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_bytes,
        }
    }
}

impl GitInfo {
    /// The checkout at `root`, if it is a git work tree.
    pub fn of(root: &Path) -> Option<Self> {
        let git = |args: &[&str]| {
            Command::new("git")
                .arg("-C")
                .arg(root)
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        let commit = git(&["rev-parse", "HEAD"])?;
        let dirty =
            git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
        Some(Self { commit, dirty })
    }
}

/// One `package==version` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Pin {
    pub package: String,
    pub version: String,
}

/// Everything an instruction count depends on besides the code and the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Toolchain {
    /// `rustc --version` of the compiler that built the measured binary.
    pub rustc: String,
    /// `release` or `debug`, from `debug_assertions` of the measured binary
    /// (the dev profile `make test` builds has them; release does not).
    pub profile: String,
    /// `getconf GNU_LIBC_VERSION` (malloc, memcpy run inside the kernels),
    /// `unknown` where it cannot be read.
    pub libc: String,
    /// Target architecture: counts are per instruction set.
    pub arch: String,
}

impl Toolchain {
    /// The toolchain of this binary (the one `icount-one` runs as).
    pub fn current() -> Self {
        let libc = Command::new("getconf")
            .arg("GNU_LIBC_VERSION")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown".into());
        Self {
            rustc: env!("TWINBENCH_RUSTC_VERSION").to_string(),
            profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .into(),
            libc,
            arch: std::env::consts::ARCH.into(),
        }
    }
}
