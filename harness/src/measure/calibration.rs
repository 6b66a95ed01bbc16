//! A short fixed workload timed at the start of every measuring bench run:
//! a figure of the host itself, so the gate can tell "another machine" from
//! "slower code".
//!
//! Two loops, because hosts differ in two ways that kernels feel by
//! different factors: a dependent integer chain (core clock and pipeline)
//! and a random pointer chase through 64 MiB (cache sizes and memory
//! latency). Each is repeated and the *fastest* repetition kept: outside
//! load only ever adds time, so the minimum is the host's own speed, far
//! steadier from run to run than a kernel's mean.

use std::hint::black_box;
use std::time::Instant;

pub use crate::results::Calibration;

/// Iterations of the integer chain (about a millisecond).
const CHAIN_STEPS: u64 = 1 << 20;
/// Elements (u32) of the pointer-chase table: 64 MiB, beyond the last-level
/// cache of the hosts this runs on, so the chase measures memory latency.
const CHASE_LEN: usize = 1 << 24;
/// Steps of one pointer chase (about ten milliseconds).
const CHASE_STEPS: usize = 1 << 16;
/// Many short repetitions rather than a few long ones: on a busy machine a
/// short one is likelier to run undisturbed in one time slice, and the
/// fastest is what is kept.
const CHAIN_REPETITIONS: u32 = 31;
const CHASE_REPETITIONS: u32 = 31;

/// Times both loops on this host (under a second, most of it building the
/// chase's table).
pub fn measure() -> Calibration {
    let chain_ns = fastest(CHAIN_REPETITIONS, || {
        black_box(chain(black_box(0x9E37_79B9_7F4A_7C15), CHAIN_STEPS));
    });
    let table = cycle(CHASE_LEN);
    let chase_ns = fastest(CHASE_REPETITIONS, || {
        black_box(chase(black_box(&table), CHASE_STEPS));
    });
    Calibration {
        chain_ns,
        chase_ns,
        chain_steps: CHAIN_STEPS,
        chase_steps: CHASE_STEPS as u64,
    }
}

/// The fastest of `repetitions` timings of `work`, nanoseconds.
fn fastest(repetitions: u32, mut work: impl FnMut()) -> f64 {
    (0..repetitions)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed().as_secs_f64() * 1e9
        })
        .fold(f64::INFINITY, f64::min)
}

/// A chain of dependent multiply-xorshift steps: each needs the last.
fn chain(mut x: u64, steps: u64) -> u64 {
    for _ in 0..steps {
        x = x
            .wrapping_mul(0x5851_F42D_4C95_7F2D)
            .wrapping_add(0x1405_7B7E_F767_814F);
        x ^= x >> 29;
    }
    x
}

/// One cycle through all `len` slots in a fixed pseudo-random order
/// (Sattolo's shuffle: every slot is visited before the chase repeats).
fn cycle(len: usize) -> Vec<u32> {
    let mut next: Vec<u32> = (0..len as u32).collect();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for i in (1..len).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = (state % i as u64) as usize;
        next.swap(i, j);
    }
    next
}

/// Follows `steps` links of the cycle from slot 0.
fn chase(next: &[u32], steps: usize) -> u32 {
    let mut at = 0u32;
    for _ in 0..steps {
        at = next[at as usize];
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shuffle_is_one_cycle_through_every_slot() {
        let next = cycle(1000);
        let mut seen = vec![false; next.len()];
        let mut at = 0usize;
        for _ in 0..next.len() {
            assert!(!seen[at], "slot {at} visited twice before the cycle closed");
            seen[at] = true;
            at = next[at] as usize;
        }
        assert_eq!(at, 0, "the chase returns to its start after every slot");
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn the_chain_depends_on_its_start() {
        assert_ne!(chain(1, 100), chain(2, 100));
        assert_eq!(chain(7, 0), 7);
    }
}
