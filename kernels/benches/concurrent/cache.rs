//! Cache: a dashboard-like mix over 2,048 keys in a cache of 1,024 entries
//! (TTL 5 min): 80% reads, 15% inserts, 5% invalidations.

use criterion::Criterion;
use twinbench_kernels::concurrent::cache::{Cache, CacheCore};
use twinbench_kernels::concurrent::clock::ManualClock;

use crate::common::{OPS, overhead};

const CAPACITY: usize = 1_024;
const KEYS: u64 = 2_048;
const TTL: Option<u64> = Some(300_000);

/// Operation `i`: 0..80 read, 80..95 insert, 95..100 remove; key from a
/// multiplicative hash so consecutive operations touch unrelated keys.
#[derive(Clone, Copy)]
enum Op {
    Get(u64),
    Insert(u64),
    Remove(u64),
}

fn ops() -> Vec<Op> {
    (0..OPS)
        .map(|i| {
            let key = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) % KEYS;
            match i % 100 {
                0..80 => Op::Get(key),
                80..95 => Op::Insert(key),
                _ => Op::Remove(key),
            }
        })
        .collect()
}

/// Half the keys cached, so reads both hit and miss.
fn warm_core() -> CacheCore<u64, u64> {
    let mut core = CacheCore::new(CAPACITY, TTL).expect("capacity > 0");
    for key in (0..KEYS).step_by(2) {
        core.insert(key, key, 0);
    }
    core
}

pub fn bench(c: &mut Criterion) {
    let ops = ops();
    let ops = &ops;
    overhead(
        c,
        "cache",
        warm_core,
        |core, i| match ops[i as usize] {
            Op::Get(k) => {
                std::hint::black_box(core.get(&k, 0));
            }
            Op::Insert(k) => {
                core.insert(k, k, 0);
            }
            Op::Remove(k) => {
                core.remove(&k);
            }
        },
        || {
            let cache = Cache::new(CAPACITY, TTL, ManualClock::new(0)).expect("capacity > 0");
            for key in (0..KEYS).step_by(2) {
                cache.insert(key, key);
            }
            cache
        },
        |cache, i| match ops[i as usize] {
            Op::Get(k) => {
                std::hint::black_box(cache.get(&k));
            }
            Op::Insert(k) => {
                cache.insert(k, k);
            }
            Op::Remove(k) => {
                cache.remove(&k);
            }
        },
    );
}
