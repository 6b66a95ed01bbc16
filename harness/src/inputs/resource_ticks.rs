//! The threshold alert engine's input: one tick of resource metrics per
//! evaluation (the loop runs every 30 s), with an operator's occasional
//! acknowledge or resolve between ticks.
//!
//! Shaped by what the engine's answer depends on:
//!
//! - **Time.** Ticks 30 s apart plus a few milliseconds of processing; 5%
//!   after the loop's 5-second error back-off; 3% after a gap of up to ten
//!   minutes (a restart), so breach windows, cooldowns and the hourly rate
//!   limit see irregular spacing.
//! - **Values.** CPU, memory, connections and cache hit rate drift as
//!   random walks with episodes that cross every default threshold (CPU ≥
//!   85, memory ≥ 90, hit rate < 70%) for minutes at a time; memory exactly
//!   50.0 or within 0.001 of it (the `ne` rule's tolerance), hit rate
//!   exactly 0 (`eq`), 1% NaN, 0.5% ±inf; each field missing 4% of the
//!   time; memory reported as used/total MB 40% of the time, the total
//!   sometimes 0 or NaN (the percentage is used then).
//! - **Operators.** 2% of ticks acknowledge and 3% resolve an active alert.

use super::SplitMix64;

/// 2026-01-20T00:00:00Z in microseconds: the first tick.
pub const TICKS_ORIGIN_MICROS: i64 = 1_768_867_200 * 1_000_000;

/// One column per field; row `i` is tick `i`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceTicks {
    /// Naive UTC wall-clock microseconds.
    pub time: Vec<i64>,
    pub cpu: Vec<Option<f64>>,
    pub memory: Vec<Option<f64>>,
    pub memory_used: Vec<Option<f64>>,
    pub memory_total: Vec<Option<f64>>,
    pub connections: Vec<Option<f64>>,
    pub hit_rate: Vec<Option<f64>>,
    /// 0 none, 1 acknowledge, 2 resolve.
    pub action: Vec<u8>,
    /// Which active alert the action targets (modulo their number).
    pub target: Vec<u32>,
}

impl ResourceTicks {
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }
}

/// A random walk kept in `[lo, hi]`, with episodes that hold it at a
/// level for a while.
struct Walk {
    value: f64,
    lo: f64,
    hi: f64,
    step: f64,
    episode: u32,
    level: f64,
}

impl Walk {
    fn next(&mut self, rng: &mut SplitMix64, episode_levels: (f64, f64)) -> f64 {
        if self.episode > 0 {
            self.episode -= 1;
            return self.level + 0.5 * rng.normal();
        }
        if rng.below(100) < 2 {
            self.episode = 2 + rng.below(30) as u32;
            self.level = episode_levels.0 + rng.unit() * (episode_levels.1 - episode_levels.0);
        }
        self.value = (self.value + self.step * rng.normal()).clamp(self.lo, self.hi);
        self.value
    }
}

/// Applies the planted oddities to one reading.
fn reading(rng: &mut SplitMix64, value: f64) -> Option<f64> {
    match rng.below(1_000) {
        0..40 => None,
        40..50 => Some(f64::NAN),
        50..53 => Some(f64::INFINITY),
        53..55 => Some(f64::NEG_INFINITY),
        _ => Some(value),
    }
}

/// `size` ticks.
pub fn resource_ticks(size: usize, rng: &mut SplitMix64) -> ResourceTicks {
    let mut t = ResourceTicks::default();
    let mut clock = TICKS_ORIGIN_MICROS;
    let walk = |value, lo, hi, step| Walk {
        value,
        lo,
        hi,
        step,
        episode: 0,
        level: 0.0,
    };
    let mut cpu = walk(45.0, 0.0, 100.0, 3.0);
    let mut memory = walk(60.0, 10.0, 99.5, 1.5);
    let mut connections = walk(200.0, 0.0, 900.0, 25.0);
    let mut hit = walk(0.85, 0.0, 1.0, 0.02);
    for i in 0..size {
        if i > 0 {
            clock += match rng.below(100) {
                0..5 => 35_000_000,
                5..8 => 30_000_000 + rng.below(600_000_000) as i64,
                _ => 30_000_000,
            } + rng.below(20_000) as i64;
        }
        t.time.push(clock);
        let c = cpu.next(rng, (80.0, 99.0));
        t.cpu.push(reading(rng, c));
        let mut m = memory.next(rng, (88.0, 99.0));
        match rng.below(100) {
            0..3 => m = 50.0,
            3..5 => m = 50.0 + (rng.unit() - 0.5) * 0.002,
            _ => {}
        }
        if rng.below(100) < 40 {
            let total = match rng.below(20) {
                0 => 0.0,
                1 => f64::NAN,
                _ => 16_384.0,
            };
            t.memory_used.push(Some(m / 100.0 * 16_384.0));
            t.memory_total.push(Some(total));
            t.memory.push(reading(rng, m));
        } else {
            t.memory_used.push(None);
            t.memory_total.push(None);
            t.memory.push(reading(rng, m));
        }
        let n = connections.next(rng, (450.0, 800.0)).round();
        t.connections.push(reading(rng, n));
        let mut h = hit.next(rng, (0.3, 0.69));
        if rng.below(100) < 2 {
            h = 0.0;
        }
        t.hit_rate.push(reading(rng, h));
        let (action, target) = match rng.below(100) {
            0..2 => (1, rng.next_u64() as u32),
            2..5 => (2, rng.next_u64() as u32),
            _ => (0, 0),
        };
        t.action.push(action);
        t.target.push(target);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticks_plant_what_the_rules_depend_on() {
        let t = resource_ticks(5_000, &mut SplitMix64::new(3));
        assert_eq!(t.len(), 5_000);
        let some = |c: &[Option<f64>], f: fn(f64) -> bool| c.iter().flatten().any(|&v| f(v));
        assert!(some(&t.cpu, |v| v >= 85.0 && v.is_finite()));
        assert!(some(&t.memory, |v| v == 50.0));
        assert!(some(&t.memory, |v| v != 50.0 && (v - 50.0).abs() < 0.001));
        assert!(some(&t.hit_rate, |v| v == 0.0));
        assert!(some(&t.cpu, f64::is_nan));
        assert!(some(&t.connections, f64::is_infinite));
        assert!(t.cpu.iter().any(Option::is_none));
        assert!(t.memory_total.iter().flatten().any(|&v| v == 0.0));
        assert!(t.action.contains(&1) && t.action.contains(&2));
        assert!(t.time.windows(2).all(|w| w[1] > w[0]));
    }
}
