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
    /// What tells apart two hosts whose CPU reads the same name (a VM's
    /// "AMD EPYC" covers several generations). `None` in files written
    /// before it was recorded, or where `/proc` and `/sys` cannot be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<HostFingerprint>,
}

/// The processor as the kernel describes it, beyond its name: identical on
/// every host of one hardware kind, different between generations (a
/// different family/model, another cache size, an instruction-set
/// extension more or less). Never the clock rate, which moves at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HostFingerprint {
    /// `vendor family/model/stepping` from `/proc/cpuinfo`, e.g.
    /// `GenuineIntel 6/207/2`.
    pub cpu_id: String,
    /// The `flags` of the first processor, sorted.
    pub cpu_flags: Vec<String>,
    /// Each cache of the first processor, `L<level> <type> <size>`, from
    /// `/sys/devices/system/cpu/cpu0/cache`.
    pub caches: Vec<String>,
}

impl HostFingerprint {
    /// Reads this host's fingerprint; `None` where `/proc/cpuinfo` has no
    /// processor description (another OS).
    pub fn current() -> Option<Self> {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
        let first = cpuinfo.split("\n\n").next()?;
        let field = |name: &str| {
            first.lines().find_map(|l| {
                let (key, value) = l.split_once(':')?;
                (key.trim() == name).then(|| value.trim().to_string())
            })
        };
        let mut cpu_flags: Vec<String> = field("flags")?
            .split_whitespace()
            .map(str::to_string)
            .collect();
        cpu_flags.sort();
        cpu_flags.dedup();
        let cpu_id = format!(
            "{} {}/{}/{}",
            field("vendor_id").unwrap_or_default(),
            field("cpu family").unwrap_or_default(),
            field("model").unwrap_or_default(),
            field("stepping").unwrap_or_default()
        );
        Some(Self {
            cpu_id,
            cpu_flags,
            caches: caches(Path::new("/sys/devices/system/cpu/cpu0/cache")),
        })
    }

    /// How `other` differs from `self`, in words (empty: the same).
    pub fn differences(&self, other: &HostFingerprint) -> Vec<String> {
        let mut out = Vec::new();
        if self.cpu_id != other.cpu_id {
            out.push(format!("CPU {} vs {}", self.cpu_id, other.cpu_id));
        }
        if self.cpu_flags != other.cpu_flags {
            let only = |a: &[String], b: &[String]| -> Vec<String> {
                a.iter().filter(|f| !b.contains(f)).cloned().collect()
            };
            let (gone, new) = (
                only(&self.cpu_flags, &other.cpu_flags),
                only(&other.cpu_flags, &self.cpu_flags),
            );
            let list = |v: &[String]| {
                if v.is_empty() {
                    return "none".to_string();
                }
                let shown: Vec<&str> = v.iter().take(6).map(String::as_str).collect();
                let more = v.len().saturating_sub(shown.len());
                if more > 0 {
                    format!("{} (+{more} more)", shown.join(" "))
                } else {
                    shown.join(" ")
                }
            };
            out.push(format!(
                "CPU flags differ (only the first: {}; only the second: {})",
                list(&gone),
                list(&new)
            ));
        }
        if self.caches != other.caches {
            out.push(format!(
                "caches {} vs {}",
                self.caches.join(", "),
                other.caches.join(", ")
            ));
        }
        out
    }
}

/// `L<level> <type> <size>` for each `index*` folder under `dir`, sorted.
fn caches(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("index"))
        .filter_map(|e| {
            let read = |name: &str| {
                std::fs::read_to_string(e.path().join(name))
                    .ok()
                    .map(|s| s.trim().to_string())
            };
            Some(format!(
                "L{} {} {}",
                read("level")?,
                read("type")?,
                read("size")?
            ))
        })
        .collect();
    out.sort();
    out
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
    ///
    /// Where both records carry a [`HostFingerprint`], it must match too: a
    /// generic VM CPU name can stand for hosts that time kernels by
    /// different factors.
    pub fn same_hardware(&self, other: &Machine) -> bool {
        self.hardware_differences(other).is_empty()
    }

    /// How `other`'s hardware differs from `self`'s, in words (empty: the
    /// same, as far as both records tell).
    pub fn hardware_differences(&self, other: &Machine) -> Vec<String> {
        let mut out = Vec::new();
        if self.hardware() != other.hardware() {
            out.push(format!("{} vs {}", self.hardware(), other.hardware()));
        }
        if let (Some(mine), Some(theirs)) = (&self.fingerprint, &other.fingerprint) {
            out.extend(mine.differences(theirs));
        }
        out
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
            fingerprint: HostFingerprint::current(),
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
