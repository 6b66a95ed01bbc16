//! Peak memory of a server made of one or more processes (gunicorn's master
//! and workers, or the one Rust process), sampled from /proc while a load
//! runs.
//!
//! Why sampled sums and not each process's own peak: forked workers share
//! the master's pages, so adding their resident sets counts shared pages
//! once per worker. The proportional set size (PSS, from `smaps_rollup`)
//! charges each shared page to its sharers in equal parts, so the sum of
//! PSS over the processes is the memory the server occupies; the peak of
//! that sum over the samples is reported, beside the peak of summed RSS
//! (an upper bound) and the kernel's per-process high-water marks (VmHWM,
//! exact per process, but peaks at different moments).

use std::fs;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

pub use crate::record::MemoryPeak;

/// One process's current figures, in bytes; `None` when it has exited
/// (a worker may be replaced between listing and reading).
fn read_rss_pss(pid: u32) -> Option<(u64, u64)> {
    let text = fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    Some((kib_field(&text, "Rss:")?, kib_field(&text, "Pss:")?))
}

fn read_hwm(pid: u32) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    kib_field(&text, "VmHWM:")
}

/// The value of a `Name:   1234 kB` line, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kib * 1024)
}

/// Samples the processes `pids()` lists every `interval` on a thread of its
/// own until [`MemorySampler::stop`].
#[derive(Debug)]
pub struct MemorySampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<MemoryPeak>,
}

impl MemorySampler {
    pub fn start(pids: impl Fn() -> Vec<u32> + Send + 'static, interval: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut peak = MemoryPeak::default();
            loop {
                let done = flag.load(Ordering::Acquire);
                let listed = pids();
                let (mut rss, mut pss, mut alive) = (0, 0, 0);
                for &pid in &listed {
                    if let Some((r, p)) = read_rss_pss(pid) {
                        rss += r;
                        pss += p;
                        alive += 1;
                    }
                }
                peak.peak_rss_bytes = peak.peak_rss_bytes.max(rss);
                peak.peak_pss_bytes = peak.peak_pss_bytes.max(pss);
                peak.samples += 1;
                peak.processes = alive;
                if done {
                    peak.hwm_sum_bytes = listed.iter().filter_map(|&p| read_hwm(p)).sum();
                    return peak;
                }
                std::thread::park_timeout(interval);
            }
        });
        Self { stop, thread }
    }

    /// Takes a last sample (the server must still be running) and returns
    /// the peaks.
    pub fn stop(self) -> MemoryPeak {
        self.stop.store(true, Ordering::Release);
        self.thread.thread().unpark();
        self.thread.join().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kib_lines() {
        let text = "Rss:                5000 kB\nPss:                 1234 kB\n";
        assert_eq!(kib_field(text, "Pss:"), Some(1234 * 1024));
        assert_eq!(kib_field(text, "Swap:"), None);
    }

    #[test]
    fn samples_this_process() {
        let me = std::process::id();
        let sampler = MemorySampler::start(move || vec![me], Duration::from_millis(5));
        // Touch 32 MiB so the peak must include it.
        let block = vec![1u8; 32 << 20];
        std::thread::sleep(Duration::from_millis(50));
        let peak = sampler.stop();
        assert!(block.iter().all(|&b| b == 1));
        assert!(peak.samples >= 2, "{peak:?}");
        assert_eq!(peak.processes, 1);
        assert!(peak.peak_rss_bytes >= 32 << 20, "{peak:?}");
        assert!(peak.peak_pss_bytes >= 32 << 20, "{peak:?}");
        assert!(peak.hwm_sum_bytes >= peak.peak_rss_bytes, "{peak:?}");
    }

    #[test]
    fn an_exited_process_reads_as_nothing() {
        assert_eq!(read_rss_pss(u32::MAX), None);
    }
}
