//! TTL + LRU cache: concurrent inserts at capacity (the original's L1 has no
//! bound: R2.1), eviction racing expiry (the original evicts the least recent
//! entry while an expired one stays: R2.3), a cached `None` (a miss in the
//! original: R2.12), set ‖ delete ‖ get,
//! cache-aside loads racing an invalidating writer, and expiry while another
//! thread moves the clock; then the original's check-then-act eviction (R2.2),
//! delete resurrection through L2 (R2.4), L2 TTL widening (R2.5), promoted
//! keys missed by pattern invalidation (R2.6),
//! snapshot-then-delete tag invalidation (R2.7), metrics read by reference
//! (R2.8), seed 003's expired reads, cache-aside stale refill (R8.1),
//! KEYS-then-DEL pattern invalidation (R8.2), the analytics globals
//! published one by one (R8.5) and the analytics key's 32-bit MD5 prefix
//! (R8.4, a defect caught on the first schedule); a warmer stopped right
//! after startup (the original's fire-and-forget preload keeps warming
//! after the stop: R2.11).

use super::super::SCALE;
use super::super::breaker_manager::BreakerRegistry;
use super::super::bug_zoo::cache::{
    AnalyticsGlobals, FallbackCache, MetricsCacheManager, NoneBlindCache, PromotingCacheManager,
    QueryCache, RacyCacheWarmer, RedisAnalyticsCache, TaggedCacheManager, ThreadSafeCache,
    TwoLevelCache, UnboundedCacheManager, UninitializedCacheManager,
};
use super::super::bug_zoo::singleton::PublishBeforeInit;
use super::super::cache::{Cache, TieredCache};
use super::super::cache_manager::{
    AnalyticsCaches, AnalyticsKey, CacheManager, CacheManagerConfig, CacheWarmer, WarmTask,
};
use super::super::clock::{Clock, ManualClock, Millis};
use super::super::singleton::Singleton;
use super::super::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use super::super::sync::{Arc, Mutex, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const SIZE_WITHIN_CAPACITY: &str = "size-within-capacity";
const LRU_EVICTS_LEAST_RECENT: &str = "lru-evicts-least-recent";
const NO_EXPIRED_READ: &str = "no-expired-read";
const READ_YOUR_WRITE: &str = "read-your-write";
const TTL_NEVER_WIDENED: &str = "ttl-never-widened";
const NO_RESURRECTION: &str = "no-resurrection";
const NO_STALE_REFILL: &str = "no-stale-refill";
const INVALIDATION_ATOMIC: &str = "invalidation-atomic";
const STATS_CONSISTENT: &str = "stats-consistent";
const INVALIDATION_COVERS_PROMOTED: &str = "invalidation-covers-promoted";
const GLOBALS_PUBLISHED_TOGETHER: &str = "globals-published-together";
const CACHED_NONE_IS_A_HIT: &str = "cached-none-is-a-hit";
const SET_SUCCESS_MEANS_STORED: &str = "set-success-means-stored";
const DISTINCT_PARAMS_DISTINCT_KEYS: &str = "distinct-params-distinct-keys";
const NO_WARMING_AFTER_STOP: &str = "no-warming-after-stop";

/// The key the single-key cases fight over.
const KEY: u64 = 7;
const TTL: Millis = 10;

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "cache.inserts_at_capacity",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "cache one entry short of full; workers insert distinct new keys, \
                         checking the size after each insert",
            invariants: &[SIZE_WITHIN_CAPACITY, LRU_EVICTS_LEAST_RECENT],
            checkers: &Checker::ALL,
            body: inserts_at_capacity,
        },
        CheckCase {
            id: "cache.set_delete_get",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "one thread sets a key; another reads it and, if it saw the value, \
                         deletes it and reads again; others read",
            invariants: &[NO_RESURRECTION],
            checkers: &Checker::ALL,
            body: set_delete_get,
        },
        CheckCase {
            id: "cache.stale_refill",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "readers get_or_load a key from a 'database'; a writer updates the \
                         database and invalidates the key",
            invariants: &[NO_STALE_REFILL],
            checkers: &Checker::ALL,
            body: stale_refill,
        },
        CheckCase {
            id: "cache.expiry_with_clock",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "one thread sets a key with a TTL and reads it back while another \
                         advances the clock past the TTL and others read it",
            invariants: &[
                NO_EXPIRED_READ,
                READ_YOUR_WRITE,
                TTL_NEVER_WIDENED,
                SIZE_WITHIN_CAPACITY,
            ],
            checkers: &Checker::ALL,
            body: expiry_with_clock,
        },
        CheckCase {
            id: "cache.tag_invalidation_during_sets",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "key 1 tagged t; one worker sets key 2 then re-sets key 1 (both \
                         tagged t) while another invalidates tag t",
            invariants: &[INVALIDATION_ATOMIC],
            checkers: &Checker::ALL,
            body: tag_invalidation_during_sets,
        },
        CheckCase {
            id: "cache.stats_during_gets",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "workers get a present and an absent key in turn while main reads \
                         the counters",
            invariants: &[STATS_CONSISTENT],
            checkers: &Checker::ALL,
            body: stats_during_gets,
        },
        CheckCase {
            id: "cache.expired_read_after_purge",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "one thread sets a key with a TTL while another advances the clock \
                         by the TTL; main purges expired entries and reads the key",
            invariants: &[NO_EXPIRED_READ],
            checkers: &Checker::ALL,
            body: expired_read_after_purge,
        },
        CheckCase {
            id: "cache.tiered_invalidation_covers_promoted",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "another worker wrote two keys into the shared L2; workers read them \
                         through one tier (promoting into L1) while one invalidates the \
                         pattern of one of them",
            invariants: &[INVALIDATION_COVERS_PROMOTED],
            checkers: &Checker::ALL,
            body: tiered_invalidation_covers_promoted,
        },
        CheckCase {
            id: "cache.pattern_invalidation_during_sets",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "key query:1 exists; one worker sets query:2 then re-sets query:1 \
                         while another invalidates the pattern query:*",
            invariants: &[INVALIDATION_ATOMIC],
            checkers: &Checker::ALL,
            body: pattern_invalidation_during_sets,
        },
        CheckCase {
            id: "cache.analytics_globals_together",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "one thread initialises (and, under shuttle, re-initialises) the \
                         analytics caches while others get the manager, query cache and API \
                         cache",
            invariants: &[GLOBALS_PUBLISHED_TOGETHER],
            checkers: &Checker::ALL,
            body: analytics_globals_together,
        },
        CheckCase {
            id: "cache.evicts_expired_first",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "full cache: a never-expiring least-recent entry and a recent one with \
                         a TTL; one thread moves the clock past the TTL while another inserts \
                         a new key",
            invariants: &[LRU_EVICTS_LEAST_RECENT],
            checkers: &Checker::ALL,
            body: evicts_expired_first,
        },
        CheckCase {
            id: "cache.cached_none_is_a_hit",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "a key cached with the value None; workers get_or_load it, counting \
                         loader runs",
            invariants: &[CACHED_NONE_IS_A_HIT],
            checkers: &Checker::ALL,
            body: cached_none_is_a_hit,
        },
        CheckCase {
            id: "cache.first_use_set_is_stored",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "workers each get the global cache manager (initialised on first use), \
                         set their own key and read it back",
            invariants: &[SET_SUCCESS_MEANS_STORED],
            checkers: &Checker::ALL,
            body: first_use_set_is_stored,
        },
        CheckCase {
            id: "cache.analytics_params_keys",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "workers each store a query result under one identifier with their own \
                         parameters (two of them the pair whose 32-bit keys collide in the \
                         original) and read it back",
            invariants: &[DISTINCT_PARAMS_DISTINCT_KEYS],
            checkers: &Checker::ALL,
            body: analytics_params_keys,
        },
        CheckCase {
            id: "cache.warmer_stop_after_initialize",
            component: Component::Cache,
            subject: Subject::Fixed,
            operations: "main initialises the warmer (the preload; under shuttle also the \
                         background loop, whose interval a ticker elapses) and stops it at \
                         once, then tries to start it again",
            invariants: &[NO_WARMING_AFTER_STOP],
            checkers: &Checker::ALL,
            body: warmer_stop_after_initialize,
        },
        CheckCase {
            id: "zoo.R2.1",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R2.1",
                breaks: SIZE_WITHIN_CAPACITY,
            }),
            operations: "CacheManager over an unbounded SimpleMemoryCache, one short of \
                         l1_max_size; workers set distinct new keys, checking entry_count",
            invariants: &[SIZE_WITHIN_CAPACITY],
            checkers: &Checker::ALL,
            body: zoo_unbounded,
        },
        CheckCase {
            id: "zoo.R2.3",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R2.3",
                breaks: LRU_EVICTS_LEAST_RECENT,
            }),
            operations: "full FallbackCache: a never-expiring least-recent entry and a recent \
                         one with a TTL; one thread moves the clock past the TTL while another \
                         sets a new key",
            invariants: &[LRU_EVICTS_LEAST_RECENT],
            checkers: &Checker::ALL,
            body: zoo_eviction_ignores_expiry,
        },
        CheckCase {
            id: "zoo.R2.9",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R2.9",
                breaks: SET_SUCCESS_MEANS_STORED,
            }),
            operations: "workers each call get_cache_manager() (published, then initialised), \
                         set their own key (True with no backend) and read it back",
            invariants: &[SET_SUCCESS_MEANS_STORED],
            checkers: &Checker::ALL,
            body: zoo_silent_set,
        },
        CheckCase {
            id: "zoo.R2.12",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R2.12",
                breaks: CACHED_NONE_IS_A_HIT,
            }),
            operations: "a key cached with the value None; workers run the callers' \
                         cache-aside (get, compute if None, set), counting computations",
            invariants: &[CACHED_NONE_IS_A_HIT],
            checkers: &Checker::ALL,
            body: zoo_none_is_a_miss,
        },
        CheckCase {
            id: "zoo.R2.2",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R2.2",
                breaks: SIZE_WITHIN_CAPACITY,
            }),
            operations: "FallbackCache one short of full; two threads set distinct new keys",
            invariants: &[SIZE_WITHIN_CAPACITY],
            checkers: &Checker::ALL,
            body: zoo_fallback_check_then_act,
        },
        CheckCase {
            id: "zoo.R2.4",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R2.4",
                breaks: NO_RESURRECTION,
            }),
            operations: "two-level cache: one thread sets a key (L1, L2, metadata); another \
                         reads it, deletes it, reads again",
            invariants: &[NO_RESURRECTION],
            checkers: &Checker::ALL,
            body: zoo_delete_resurrection,
        },
        CheckCase {
            id: "zoo.R2.5",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R2.5",
                breaks: TTL_NEVER_WIDENED,
            }),
            operations: "two-level cache: one thread sets a key with a short TTL while \
                         another advances the clock past it; then the key is read",
            invariants: &[TTL_NEVER_WIDENED],
            checkers: &Checker::ALL,
            body: zoo_ttl_widening,
        },
        CheckCase {
            id: "zoo.R2.6",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R2.6",
                breaks: INVALIDATION_COVERS_PROMOTED,
            }),
            operations: "another worker wrote two keys into the shared L2; workers read them \
                         through one manager (promoting into L1, no metadata) while one \
                         invalidates the pattern of one of them",
            invariants: &[INVALIDATION_COVERS_PROMOTED],
            checkers: &Checker::ALL,
            body: zoo_promotion_skips_metadata,
        },
        CheckCase {
            id: "zoo.R2.7",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R2.7",
                breaks: INVALIDATION_ATOMIC,
            }),
            operations: "key 1 tagged t; one worker sets key 2 then re-sets key 1 while \
                         another invalidates tag t (keys snapshotted under the metadata \
                         lock, deleted one by one after)",
            invariants: &[INVALIDATION_ATOMIC],
            checkers: &Checker::ALL,
            body: zoo_tag_invalidation,
        },
        CheckCase {
            id: "zoo.R2.8",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R2.8",
                breaks: STATS_CONSISTENT,
            }),
            operations: "workers get a present and an absent key in turn while main reads \
                         the live metrics object field by field",
            invariants: &[STATS_CONSISTENT],
            checkers: &Checker::ALL,
            body: zoo_live_metrics,
        },
        CheckCase {
            id: "zoo.seed003-cache-expired-read",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "seed003-cache-expired-read",
                breaks: NO_EXPIRED_READ,
            }),
            operations: "ThreadSafeCache: one thread sets a key with a TTL while another \
                         advances the clock by the TTL; main runs cleanup_expired and reads",
            invariants: &[NO_EXPIRED_READ],
            checkers: &Checker::ALL,
            body: zoo_expired_read,
        },
        CheckCase {
            id: "zoo.R8.2",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R8.2",
                breaks: INVALIDATION_ATOMIC,
            }),
            operations: "Redis key analytics:query:1 exists; one worker sets query:2 then \
                         re-sets query:1 while another runs invalidate_pattern(\"query:*\") \
                         (KEYS, then DEL)",
            invariants: &[INVALIDATION_ATOMIC],
            checkers: &Checker::ALL,
            body: zoo_keys_then_del,
        },
        CheckCase {
            id: "zoo.R8.5",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R8.5",
                breaks: GLOBALS_PUBLISHED_TOGETHER,
            }),
            operations: "one thread runs initialize_cache_manager (three global assignments; \
                         twice under shuttle) while others read the three accessors",
            invariants: &[GLOBALS_PUBLISHED_TOGETHER],
            checkers: &Checker::ALL,
            body: zoo_torn_globals,
        },
        CheckCase {
            id: "zoo.R2.11",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R2.11",
                breaks: NO_WARMING_AFTER_STOP,
            }),
            operations: "main runs CacheManager.initialize's warming (preload_analytics_data \
                         fire-and-forget; under shuttle also the deferred \
                         start_background_warming, a ticker elapsing its interval), then \
                         stop_all_warming",
            invariants: &[NO_WARMING_AFTER_STOP],
            checkers: &Checker::ALL,
            body: zoo_warmer_untracked_preload,
        },
        CheckCase {
            id: "zoo.R8.4",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R8.4",
                breaks: DISTINCT_PARAMS_DISTINCT_KEYS,
            }),
            operations: "workers each set_query_result under one identifier with their own \
                         param_0 (two share the key's 8 hex digits of MD5) and read it back",
            invariants: &[DISTINCT_PARAMS_DISTINCT_KEYS],
            checkers: &Checker::ALL,
            body: zoo_key_collision,
        },
        CheckCase {
            id: "zoo.R8.1",
            component: Component::Cache,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R8.1",
                breaks: NO_STALE_REFILL,
            }),
            operations: "QueryCache: a reader runs a cached query; a writer updates the \
                         database and invalidates the key",
            invariants: &[NO_STALE_REFILL],
            checkers: &Checker::ALL,
            body: zoo_stale_refill,
        },
    ]
}

fn new_cache<C: Clock>(capacity: usize, clock: C) -> Cache<u64, u64, C> {
    Cache::new(capacity, None, clock).expect("capacity is positive")
}

/// Capacity `(T−1)·ops + 1`, prefilled with `capacity − 1` keys; `T` workers
/// insert `ops` new keys each. The size never exceeds capacity; at the end the
/// cache is full, every prefilled key (older than every new one, never read)
/// was evicted, and each worker's last key survived (fewer than `capacity`
/// inserts came after it).
fn inserts_at_capacity() {
    let (threads, ops) = (SCALE.threads, SCALE.ops_per_thread);
    let capacity = (threads - 1) * ops + 1;
    let cache = new_cache(capacity, ManualClock::new(0));
    let prefill: Vec<u64> = (0..capacity as u64 - 1).map(|k| 1_000 + k).collect();
    for &key in &prefill {
        cache.insert(key, key);
    }
    let workers: Vec<_> = (0..threads as u64)
        .map(|t| {
            let cache = cache.clone();
            thread::spawn(move || {
                let mut last = 0;
                for j in 0..ops as u64 {
                    last = t * 100 + j;
                    cache.insert(last, last);
                    let len = cache.len();
                    ensure(len <= capacity, SIZE_WITHIN_CAPACITY, || {
                        format!("{len} entries in a cache of capacity {capacity}")
                    });
                }
                last
            })
        })
        .collect();
    let lasts: Vec<u64> = workers.into_iter().filter_map(|w| w.join().ok()).collect();
    let len = cache.len();
    ensure(len == capacity, LRU_EVICTS_LEAST_RECENT, || {
        format!("{len} entries after more inserts than capacity {capacity}")
    });
    for key in prefill {
        ensure(cache.get(&key).is_none(), LRU_EVICTS_LEAST_RECENT, || {
            format!("prefilled key {key} (least recent) survived")
        });
    }
    for key in lasts {
        ensure(
            cache.get(&key) == Some(key),
            LRU_EVICTS_LEAST_RECENT,
            || format!("key {key} evicted although fewer than {capacity} inserts followed it"),
        );
    }
}

/// One setter, one reader-deleter (which deletes only what it saw), and
/// `T − 1` plain readers (whose reads refresh recency concurrently). Once the
/// deleter saw the value and deleted it, no read may return it again: there
/// is exactly one set, and the deleter's read proves it came first.
fn set_delete_get() {
    let cache = new_cache(4, ManualClock::new(0));
    let setter = {
        let cache = cache.clone();
        thread::spawn(move || {
            cache.insert(KEY, 1);
        })
    };
    let readers: Vec<_> = (1..SCALE.threads)
        .map(|_| {
            let cache = cache.clone();
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    cache.get(&KEY);
                }
            })
        })
        .collect();
    let deleter = {
        let cache = cache.clone();
        thread::spawn(move || {
            if cache.get(&KEY) != Some(1) {
                return false;
            }
            cache.remove(&KEY);
            let again = cache.get(&KEY);
            ensure(again.is_none(), NO_RESURRECTION, || {
                format!("read {again:?} right after deleting the value it had seen")
            });
            true
        })
    };
    let deleted = deleter.join().unwrap_or(false);
    let _ = setter.join();
    for reader in readers {
        let _ = reader.join();
    }
    if deleted {
        let after = cache.get(&KEY);
        ensure(after.is_none(), NO_RESURRECTION, || {
            format!("deleted key came back as {after:?}")
        });
    }
}

/// `T` readers `get_or_load` from a database at version 1; a writer moves it
/// to version 2 (and, under shuttle, 3), invalidating after each write and
/// checking it never reads a version older than its own write. At the end the
/// cache holds the last version or nothing.
fn stale_refill() {
    let db = Arc::new(AtomicU64::new(1));
    let cache = new_cache(4, ManualClock::new(0));
    let readers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (cache, db) = (cache.clone(), Arc::clone(&db));
            thread::spawn(move || {
                let _ = cache.get_or_load(KEY, |_| Ok::<u64, ()>(db.load(Ordering::SeqCst)));
            })
        })
        .collect();
    let versions = if SCALE.threads > 2 { 3 } else { 2 };
    let writer = {
        let (cache, db) = (cache.clone(), Arc::clone(&db));
        thread::spawn(move || {
            for version in 2..=versions {
                db.store(version, Ordering::SeqCst);
                cache.remove(&KEY);
                let seen = cache.get(&KEY);
                ensure(seen.is_none_or(|v| v >= version), NO_STALE_REFILL, || {
                    format!("read version {seen:?} after writing {version} and invalidating")
                });
            }
        })
    };
    for reader in readers {
        let _ = reader.join();
    }
    let _ = writer.join();
    let cached = cache.get(&KEY);
    ensure(
        cached.is_none_or(|v| v == versions),
        NO_STALE_REFILL,
        || format!("cache holds version {cached:?}, database is at {versions}"),
    );
}

/// A setter inserts with TTL 10 and reads back `ops` times, while an advancer
/// moves the clock past the TTL in `ops` steps and `T − 2` readers touch the
/// key (recency only: never its deadline). Each read is judged by clock reads
/// around it: certainly expired ⇒ miss; certainly live ⇒ hit.
fn expiry_with_clock() {
    let ops = SCALE.ops_per_thread as u64;
    let clock = Arc::new(ManualClock::new(0));
    let cache = new_cache(2, Arc::clone(&clock));
    let advancer = {
        let clock = Arc::clone(&clock);
        thread::spawn(move || {
            for _ in 0..ops {
                clock.advance(TTL.div_ceil(ops));
            }
        })
    };
    let readers: Vec<_> = (2..SCALE.threads)
        .map(|_| {
            let cache = cache.clone();
            thread::spawn(move || {
                for _ in 0..ops {
                    cache.get(&KEY);
                }
            })
        })
        .collect();
    let setter = {
        let (cache, clock) = (cache.clone(), Arc::clone(&clock));
        thread::spawn(move || {
            let before = clock.now();
            cache.insert_with_ttl(KEY, 1, Some(TTL));
            let after = clock.now();
            if let Some(deadline) = cache.deadline(&KEY) {
                ensure(
                    (before + TTL..=after + TTL).contains(&deadline),
                    TTL_NEVER_WIDENED,
                    || {
                        format!(
                            "set with TTL {TTL} during [{before}, {after}] expires at {deadline}"
                        )
                    },
                );
            }
            for _ in 0..ops {
                let t0 = clock.now();
                let got = cache.get(&KEY);
                let t1 = clock.now();
                if t0 >= after + TTL {
                    ensure(got.is_none(), NO_EXPIRED_READ, || {
                        format!("read {got:?} at {t0}, set by {after} with TTL {TTL}")
                    });
                }
                if t1 < before + TTL {
                    ensure(got == Some(1), READ_YOUR_WRITE, || {
                        format!("read {got:?} by {t1}, set from {before} with TTL {TTL}")
                    });
                }
            }
            after
        })
    };
    let _ = advancer.join();
    for reader in readers {
        let _ = reader.join();
    }
    let after = setter.join().unwrap_or(0);
    if let Some(deadline) = cache.deadline(&KEY) {
        ensure(deadline <= after + TTL, TTL_NEVER_WIDENED, || {
            format!("deadline {deadline} after concurrent reads; set by {after} with TTL {TTL}")
        });
    }
    let len = cache.len();
    ensure(len <= 2, SIZE_WITHIN_CAPACITY, || format!("{len} entries"));
    // One more TTL and the entry is certainly expired, whenever it was set.
    clock.advance(TTL);
    let got = cache.get(&KEY);
    ensure(got.is_none(), NO_EXPIRED_READ, || {
        format!(
            "read {got:?} at {}, set by {after} with TTL {TTL}",
            clock.now()
        )
    });
}

/// R2.2: size `max − 1`, two distinct new keys set at once.
fn zoo_fallback_check_then_act() {
    const MAX: usize = 2;
    let cache = FallbackCache::new(MAX, ManualClock::new(0));
    let _ = cache.set(100, 0);
    let setters: Vec<_> = [1u64, 2]
        .into_iter()
        .map(|key| {
            let cache = Arc::clone(&cache);
            thread::spawn(move || {
                // A KeyError (both picked the same victim) is the other half of
                // R2.2; it fails the set, it does not break the bound.
                let _ = cache.set(key, key);
            })
        })
        .collect();
    for setter in setters {
        let _ = setter.join();
    }
    let len = cache.len();
    ensure(len <= MAX, SIZE_WITHIN_CAPACITY, || {
        format!("{len} entries in a FallbackCache of max_size {MAX}")
    });
}

/// R2.4: set ‖ (get, delete-if-seen, get); the final read must miss.
fn zoo_delete_resurrection() {
    let cache = TwoLevelCache::new(300, 1_800, ManualClock::new(0));
    let setter = {
        let cache = Arc::clone(&cache);
        thread::spawn(move || cache.set(KEY, 1, 300))
    };
    let deleter = {
        let cache = Arc::clone(&cache);
        thread::spawn(move || {
            if cache.get(KEY) != Some(1) {
                return false;
            }
            cache.delete(KEY);
            let again = cache.get(KEY);
            ensure(again.is_none(), NO_RESURRECTION, || {
                format!("read {again:?} right after deleting the value it had seen")
            });
            true
        })
    };
    let deleted = deleter.join().unwrap_or(false);
    let _ = setter.join();
    if deleted {
        let after = cache.get(KEY);
        ensure(after.is_none(), NO_RESURRECTION, || {
            format!("deleted key came back as {after:?} (from L2)")
        });
    }
}

/// R2.5: a key set with TTL 10 is still served once the clock has passed it.
fn zoo_ttl_widening() {
    let clock = Arc::new(ManualClock::new(0));
    let cache = TwoLevelCache::new(300, 1_800, Arc::clone(&clock));
    let setter = {
        let (cache, clock) = (Arc::clone(&cache), Arc::clone(&clock));
        thread::spawn(move || {
            cache.set(KEY, 1, TTL);
            clock.now()
        })
    };
    let advancer = {
        let clock = Arc::clone(&clock);
        thread::spawn(move || clock.advance(2 * TTL))
    };
    let set_by = setter.join().unwrap_or(0);
    let _ = advancer.join();
    let now = clock.now();
    let got = cache.get(KEY);
    if now >= set_by + TTL {
        ensure(got.is_none(), TTL_NEVER_WIDENED, || {
            format!("set by {set_by} with TTL {TTL}, still served ({got:?}) at {now}")
        });
    }
}

/// R8.1: a cached query racing "update the database, then invalidate".
fn zoo_stale_refill() {
    let db = Arc::new(AtomicU64::new(1));
    let cache = QueryCache::new();
    let reader = {
        let (cache, db) = (Arc::clone(&cache), Arc::clone(&db));
        thread::spawn(move || cache.execute_cached_query(KEY, || db.load(Ordering::SeqCst)))
    };
    let writer = {
        let (cache, db) = (Arc::clone(&cache), Arc::clone(&db));
        thread::spawn(move || {
            db.store(2, Ordering::SeqCst);
            cache.invalidate(KEY);
        })
    };
    let _ = reader.join();
    let _ = writer.join();
    let cached = cache.get(KEY);
    ensure(cached.is_none_or(|v| v == 2), NO_STALE_REFILL, || {
        format!("cache holds version {cached:?} after the database moved to 2 and was invalidated")
    });
}

/// Key 1 (tag `t`) exists; a setter sets key 2 then re-sets key 1 (both
/// tagged `t`) while an invalidator drops tag `t` (or, for R8.2, the key
/// pattern both match). An invalidation at one
/// instant that spared key 2 (set after it) also spared key 1 (set later
/// still), so "key 2 present, key 1 absent" is impossible.
fn tag_race(
    set: impl Fn(u64, u64) + Send + Sync + 'static,
    invalidate: impl Fn() + Send + 'static,
    get: impl Fn(u64) -> Option<u64>,
) {
    set(1, 1);
    let setter = thread::spawn(move || {
        set(2, 2);
        set(1, 2);
    });
    let invalidator = thread::spawn(invalidate);
    let _ = setter.join();
    let _ = invalidator.join();
    let (one, two) = (get(1), get(2));
    ensure(
        !(two.is_some() && one.is_none()),
        INVALIDATION_ATOMIC,
        || {
            format!(
                "after the invalidation (tag t / pattern query:*): key 2 (set first) is {two:?}, \
                 key 1 (re-set after it) is {one:?}"
            )
        },
    );
}

fn tag_invalidation_during_sets() {
    let cache = new_cache(4, ManualClock::new(0));
    let (setting, invalidating) = (cache.clone(), cache.clone());
    tag_race(
        move |k, v| {
            setting.insert_tagged(k, v, None, vec!["t".to_string()]);
        },
        move || {
            invalidating.invalidate_tag("t");
        },
        |k| cache.get(&k),
    );
}

fn zoo_tag_invalidation() {
    let cache = TaggedCacheManager::new();
    let (setting, invalidating) = (Arc::clone(&cache), Arc::clone(&cache));
    tag_race(
        move |k, v| setting.set(k, v, &["t"]),
        move || {
            invalidating.invalidate_by_tags("t");
        },
        |k| cache.get(k),
    );
}

/// Counters as a reader sees them: (total, hits, misses).
fn check_stats((gets, hits, misses): (u64, u64, u64), most: u64) {
    ensure(
        hits + misses == gets && gets <= most,
        STATS_CONSISTENT,
        || format!("read gets {gets}, hits {hits}, misses {misses} (at most {most} gets ran)"),
    );
}

/// Key 1 is present, key 2 never is; worker `t`'s `k`-th get asks for key
/// `1 + (t + k) % 2`. Main reads the counters meanwhile and at the end.
fn stats_race(get: impl Fn(u64) + Send + Sync + 'static, read: impl Fn() -> (u64, u64, u64)) {
    let get = Arc::new(get);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let get = Arc::clone(&get);
            thread::spawn(move || {
                for k in 0..SCALE.ops_per_thread {
                    get(1 + ((t + k) % 2) as u64);
                }
            })
        })
        .collect();
    let most = (SCALE.threads * SCALE.ops_per_thread) as u64;
    check_stats(read(), most);
    for worker in workers {
        let _ = worker.join();
    }
    let last = read();
    check_stats(last, most);
    ensure(last.0 == most, STATS_CONSISTENT, || {
        format!("{most} gets ran, {} counted", last.0)
    });
}

fn stats_during_gets() {
    let cache = new_cache(4, ManualClock::new(0));
    cache.insert(1, 1);
    let getting = cache.clone();
    stats_race(
        move |k| {
            getting.get(&k);
        },
        move || {
            let stats = cache.stats();
            (stats.gets, stats.hits, stats.misses)
        },
    );
}

fn zoo_live_metrics() {
    let cache = MetricsCacheManager::new();
    cache.set(1, 1);
    let getting = Arc::clone(&cache);
    stats_race(
        move |k| {
            getting.get(k);
        },
        move || {
            // The caller reads the returned object's attributes in turn.
            let metrics = cache.get_metrics();
            let total = metrics.total_operations.load(Ordering::SeqCst);
            let hits = metrics.hits.load(Ordering::SeqCst);
            let misses = metrics.misses.load(Ordering::SeqCst);
            (total, hits, misses)
        },
    );
}

/// A setter sets [`KEY`] with TTL 10 and reports the clock after; an advancer
/// moves the clock by 10; main, once the setter is done, purges expired
/// entries and reads: at `now >= set-by + TTL` the read must miss.
fn expired_race(
    clock: Arc<ManualClock>,
    set: impl FnOnce() + Send + 'static,
    purge_then_get: impl FnOnce() -> Option<u64>,
) {
    let setter = {
        let clock = Arc::clone(&clock);
        thread::spawn(move || {
            set();
            clock.now()
        })
    };
    let advancer = {
        let clock = Arc::clone(&clock);
        thread::spawn(move || clock.advance(TTL))
    };
    let set_by = setter.join().unwrap_or(0);
    let t0 = clock.now();
    let got = purge_then_get();
    let _ = advancer.join();
    if t0 >= set_by + TTL {
        ensure(got.is_none(), NO_EXPIRED_READ, || {
            format!("read {got:?} at {t0}, set by {set_by} with TTL {TTL}")
        });
    }
}

fn expired_read_after_purge() {
    let clock = Arc::new(ManualClock::new(0));
    let cache = new_cache(2, Arc::clone(&clock));
    let setting = cache.clone();
    expired_race(
        clock,
        move || {
            setting.insert_with_ttl(KEY, 1, Some(TTL));
        },
        move || {
            cache.purge_expired();
            cache.get(&KEY)
        },
    );
}

fn zoo_expired_read() {
    let clock = Arc::new(ManualClock::new(0));
    let cache = ThreadSafeCache::new(Arc::clone(&clock));
    let setting = Arc::clone(&cache);
    expired_race(
        clock,
        move || setting.set(KEY, 1, TTL),
        move || {
            cache.cleanup_expired();
            cache.get(KEY)
        },
    );
}

/// The keys of the promotion race: one matches the invalidated pattern.
const PROMOTED: &str = "user:1";
const UNTOUCHED: &str = "post:1";

/// Another worker has written [`PROMOTED`] = 1 and [`UNTOUCHED`] = 2 into the
/// shared L2; this tier or manager never set either. `T − 1` workers read
/// both (an L1 miss promotes them) while one invalidates the pattern
/// `user:`. Once it has returned, [`PROMOTED`] must miss whether it was
/// promoted before (the L1 copy goes) or after (the L2 entry went), and
/// [`UNTOUCHED`] must still be served.
fn promotion_race(
    get: impl Fn(&str) -> Option<u64> + Send + Sync + 'static,
    invalidate: impl FnOnce(&str) + Send + 'static,
) {
    let get = Arc::new(get);
    let readers: Vec<_> = (1..SCALE.threads)
        .map(|_| {
            let get = Arc::clone(&get);
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    get(PROMOTED);
                    get(UNTOUCHED);
                }
            })
        })
        .collect();
    let invalidator = {
        let get = Arc::clone(&get);
        thread::spawn(move || {
            invalidate("user:");
            let after = get(PROMOTED);
            ensure(after.is_none(), INVALIDATION_COVERS_PROMOTED, || {
                format!("{PROMOTED} read as {after:?} right after invalidating \"user:\"")
            })
        })
    };
    for reader in readers {
        let _ = reader.join();
    }
    let _ = invalidator.join();
    let (promoted, untouched) = (get(PROMOTED), get(UNTOUCHED));
    ensure(
        promoted.is_none() && untouched == Some(2),
        INVALIDATION_COVERS_PROMOTED,
        || {
            format!(
                "after invalidating \"user:\": {PROMOTED} is {promoted:?} (want None), \
                 {UNTOUCHED} is {untouched:?} (want Some(2))"
            )
        },
    );
}

fn tiered_invalidation_covers_promoted() {
    let l2: Cache<String, u64, _> = Cache::new(4, None, ManualClock::new(0)).expect("capacity");
    l2.insert(PROMOTED.to_string(), 1);
    l2.insert(UNTOUCHED.to_string(), 2);
    let tier = TieredCache::new(4, Some(TTL), l2).expect("capacity");
    let invalidating = tier.clone();
    promotion_race(
        move |k| tier.get(&k.to_string()),
        move |pattern| {
            invalidating.invalidate_matching(|k| k.contains(pattern));
        },
    );
}

fn zoo_promotion_skips_metadata() {
    let l2 = Arc::new(Mutex::new(std::collections::HashMap::new()));
    l2.lock().insert(PROMOTED.to_string(), 1);
    l2.lock().insert(UNTOUCHED.to_string(), 2);
    let manager = PromotingCacheManager::new(l2);
    let invalidating = Arc::clone(&manager);
    promotion_race(
        move |k| manager.get(k),
        move |pattern| {
            invalidating.invalidate_pattern(pattern);
        },
    );
}

/// The analytics key of [`tag_race`]'s key `k`.
fn query_key(k: u64) -> String {
    format!("query:{k}")
}

fn pattern_invalidation_during_sets() {
    let cache: Cache<String, u64, _> = Cache::new(4, None, ManualClock::new(0)).expect("capacity");
    let (setting, invalidating) = (cache.clone(), cache.clone());
    tag_race(
        move |k, v| {
            setting.insert(query_key(k), v);
        },
        move || {
            invalidating.invalidate_matching(|k| k.starts_with("query:"));
        },
        move |k| cache.get(&query_key(k)),
    );
}

/// R8.2: `KEYS analytics:query:*`, then `DEL` of what it listed.
fn zoo_keys_then_del() {
    let cache = RedisAnalyticsCache::new();
    let (setting, invalidating) = (Arc::clone(&cache), Arc::clone(&cache));
    tag_race(
        move |k, v| setting.set(&query_key(k), v),
        move || {
            invalidating.invalidate_pattern("query:*");
        },
        move |k| cache.get(&query_key(k)),
    );
}

/// One initialiser publishes generation 1 (and, with more than two
/// workers, generation 2); the other workers read the manager, query cache
/// and API cache: `read` reports how they disagree, if they do.
fn globals_race(
    initialize: impl Fn(u64) + Send + 'static,
    read: impl Fn() -> Result<(), String> + Send + Sync + 'static,
) {
    let generations = if SCALE.threads > 2 { 2 } else { 1 };
    let initializer = thread::spawn(move || {
        for generation in 1..=generations {
            initialize(generation);
        }
    });
    let read = Arc::new(read);
    let readers: Vec<_> = (1..SCALE.threads)
        .map(|_| {
            let read = Arc::clone(&read);
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    if let Err(detail) = read() {
                        crate::case::violated(GLOBALS_PUBLISHED_TOGETHER, detail);
                    }
                }
            })
        })
        .collect();
    let _ = initializer.join();
    for reader in readers {
        let _ = reader.join();
    }
    if let Err(detail) = read() {
        crate::case::violated(GLOBALS_PUBLISHED_TOGETHER, detail);
    }
}

fn analytics_globals_together() {
    type Caches = AnalyticsCaches<u64, u64, ManualClock>;
    let global: Singleton<Caches> = Singleton::new();
    let publishing = global.clone();
    globals_race(
        move |_| {
            let replaced = publishing
                .try_replace(|| Cache::new(4, None, ManualClock::new(0)).map(AnalyticsCaches::new));
            // The displaced bundle is torn down (dropped) here.
            drop(replaced.map(|r| r.old));
        },
        move || match global.get() {
            None => Ok(()),
            Some(caches) => {
                let manager = caches.manager();
                if manager.same_cache(caches.query_cache())
                    && manager.same_cache(caches.api_cache())
                {
                    Ok(())
                } else {
                    Err("query or API cache is not the manager's".to_string())
                }
            }
        },
    );
}

/// R8.5: the three accessors, read one after another.
fn zoo_torn_globals() {
    let globals = AnalyticsGlobals::new();
    let initializing = Arc::clone(&globals);
    globals_race(
        move |generation| initializing.initialize_cache_manager(generation),
        move || {
            let manager = globals.get_cache_manager().map(|m| m.generation);
            let query = globals.get_query_cache().map(|q| q.manager.generation);
            let api = globals.get_api_cache().map(|a| a.manager.generation);
            if query == manager && api == manager {
                Ok(())
            } else {
                Err(format!(
                    "manager of generation {manager:?}, query cache over {query:?}, API cache \
                     over {api:?}"
                ))
            }
        },
    );
}

/// R2.1: `capacity − 1` keys stored; `T` workers set `ops` new keys each and
/// read the entry count after each set.
fn zoo_unbounded() {
    let capacity = 2;
    let cache = UnboundedCacheManager::new(capacity);
    cache.set(1_000, 0);
    let workers: Vec<_> = (0..SCALE.threads as u64)
        .map(|t| {
            let cache = Arc::clone(&cache);
            thread::spawn(move || {
                for j in 0..SCALE.ops_per_thread as u64 {
                    cache.set(t * 100 + j, j);
                    let len = cache.entry_count();
                    let max = cache.l1_max_size();
                    ensure(len <= max, SIZE_WITHIN_CAPACITY, || {
                        format!("{len} entries with l1_max_size {max}")
                    });
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
}

/// Keys of the eviction race.
const OLD: u64 = 1;
const SHORT: u64 = 2;
const NEW: u64 = 3;

/// Capacity 2: [`OLD`] (never expires) set at 0, [`SHORT`] (TTL 5) set at 0
/// and read at 1, so [`OLD`] is the least recent. One thread moves the clock
/// to 11; another reads the clock, then inserts [`NEW`]. If the clock it read
/// was past [`SHORT`]'s TTL, the expired [`SHORT`] must be the victim and
/// [`OLD`] must survive.
fn eviction_race(
    clock: Arc<ManualClock>,
    set: impl Fn(u64, Option<Millis>) + Send + Sync + 'static,
    get: impl Fn(u64) -> Option<u64>,
) {
    set(OLD, None);
    set(SHORT, Some(5));
    clock.advance(1);
    let _ = get(SHORT);
    let advancer = {
        let clock = Arc::clone(&clock);
        thread::spawn(move || clock.advance(TTL))
    };
    let inserter = {
        let clock = Arc::clone(&clock);
        thread::spawn(move || {
            let t0 = clock.now();
            set(NEW, None);
            t0
        })
    };
    let _ = advancer.join();
    let t0 = inserter.join().unwrap_or(0);
    if t0 >= 5 {
        let old = get(OLD);
        ensure(old == Some(OLD), LRU_EVICTS_LEAST_RECENT, || {
            format!(
                "new key inserted at {t0}, after key {SHORT} expired at 5, yet key {OLD} went \
                 ({old:?})"
            )
        });
    }
}

fn evicts_expired_first() {
    let clock = Arc::new(ManualClock::new(0));
    let cache = new_cache(2, Arc::clone(&clock));
    let setting = cache.clone();
    eviction_race(
        clock,
        move |k, ttl| {
            setting.insert_with_ttl(k, k, ttl);
        },
        move |k| cache.get(&k),
    );
}

/// R2.3: `FallbackCache.set` at capacity evicts the least recently accessed.
fn zoo_eviction_ignores_expiry() {
    let clock = Arc::new(ManualClock::new(0));
    let cache = FallbackCache::new(2, Arc::clone(&clock));
    let setting = Arc::clone(&cache);
    eviction_race(
        clock,
        move |k, ttl| {
            let _ = setting.set_with_ttl(k, k, ttl);
        },
        move |k| cache.get(k),
    );
}

/// [`KEY`] holds the value `None`; `T` workers run cache-aside on it, the
/// loader counting its runs: a cached `None` is a hit, so it never runs.
fn none_race(lookup: impl Fn(&AtomicU64) + Send + Sync + 'static) {
    let computed = Arc::new(AtomicU64::new(0));
    let lookup = Arc::new(lookup);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (lookup, computed) = (Arc::clone(&lookup), Arc::clone(&computed));
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    lookup(&computed);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let runs = computed.load(Ordering::SeqCst);
    ensure(runs == 0, CACHED_NONE_IS_A_HIT, || {
        format!("key cached as None, yet the value was computed {runs} times")
    });
}

fn cached_none_is_a_hit() {
    let cache: Cache<u64, Option<u64>, _> =
        Cache::new(2, None, ManualClock::new(0)).expect("capacity");
    cache.insert(KEY, None);
    none_race(move |computed| {
        let _ = cache.get_or_load(KEY, |_| {
            computed.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(None)
        });
    });
}

/// R2.12: `get` returns `default` for a stored `None`.
fn zoo_none_is_a_miss() {
    let cache = NoneBlindCache::new();
    cache.set(KEY, None);
    none_race(move |computed| {
        cache.get_or_compute(KEY, || {
            computed.fetch_add(1, Ordering::SeqCst);
            None
        });
    });
}

/// `T` workers each get the global manager (the first one initialises it),
/// set key `t` and, if the set reported success, read it back: nothing else
/// writes key `t`, so it must be there (the manager is not full).
fn first_use_race(set_then_get: impl Fn(u64) -> (bool, Option<u64>) + Send + Sync + 'static) {
    let set_then_get = Arc::new(set_then_get);
    let workers: Vec<_> = (0..SCALE.threads as u64)
        .map(|t| {
            let set_then_get = Arc::clone(&set_then_get);
            thread::spawn(move || {
                let (stored, got) = set_then_get(t);
                ensure(!stored || got == Some(t), SET_SUCCESS_MEANS_STORED, || {
                    format!("set of key {t} reported success, reading it back gave {got:?}")
                });
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
}

fn first_use_set_is_stored() {
    type Manager = CacheManager<u64, u64, Arc<ManualClock>>;
    let clock = Arc::new(ManualClock::new(0));
    let breakers = BreakerRegistry::new(Arc::clone(&clock));
    let l2: Cache<u64, u64, _> = Cache::new(8, None, clock).expect("capacity");
    let config = CacheManagerConfig {
        l1_capacity: 8,
        l1_ttl: None,
        ..CacheManagerConfig::default()
    };
    let global: Singleton<Manager> = Singleton::new();
    first_use_race(move |key| {
        let Ok(manager) =
            global.get_or_try_init(|| Manager::initialize(config, l2.clone(), &breakers))
        else {
            return (false, None);
        };
        let stored = manager.insert_tagged(key, key, None, Vec::new()).is_ok();
        (stored, manager.get(&key).ok().flatten())
    });
}

/// R2.9: `get_cache_manager()` publishes before `initialize()`; `set`
/// succeeds without a backend.
fn zoo_silent_set() {
    let global: Arc<PublishBeforeInit<UninitializedCacheManager>> =
        Arc::new(PublishBeforeInit::new());
    first_use_race(move |key| {
        let manager = global.get(UninitializedCacheManager::new, |m| m.initialize());
        (manager.set(key, key), manager.get(key))
    });
}

/// Two values of `param_0` whose analytics keys under one identifier share
/// the first 8 hex digits of MD5 (`55827347`), found once by a birthday
/// search over `param_0` = 0, 1, 2, …; the unit test below recomputes both
/// keys, so the pair cannot go stale.
const COLLIDING_PARAM_0: [&str; 2] = ["77588", "91232"];

/// The query every worker caches a result for.
const QUERY_IDENTIFIER: &str = "q";

/// Worker `t`'s `param_0`: the colliding pair for workers 0 and 1, its own
/// number for the others.
fn param_0(t: usize) -> String {
    COLLIDING_PARAM_0
        .get(t)
        .map_or_else(|| t.to_string(), |p| (*p).to_string())
}

/// Reads worker `t`'s parameters back: its own result, `t + 1`.
fn check_own_result(get: &dyn Fn(&str) -> Option<u64>, t: usize) {
    let param = param_0(t);
    let got = get(&param);
    ensure(
        got == Some(t as u64 + 1),
        DISTINCT_PARAMS_DISTINCT_KEYS,
        || {
            format!(
                "query {QUERY_IDENTIFIER} with param_0={param} stored result {}, reading it back \
             gave {got:?}",
                t + 1
            )
        },
    );
}

/// `T` workers (at least the colliding two) each store result `t + 1` for
/// their own parameters, then read it back; nobody else writes those
/// parameters, so every read, and each read once all are done, returns the
/// worker's own result.
fn params_race(
    set: impl Fn(&str, u64) + Send + Sync + 'static,
    get: impl Fn(&str) -> Option<u64> + Send + Sync + 'static,
) {
    let (set, get) = (Arc::new(set), Arc::new(get));
    let count = SCALE.threads.max(COLLIDING_PARAM_0.len());
    let workers: Vec<_> = (0..count)
        .map(|t| {
            let (set, get) = (Arc::clone(&set), Arc::clone(&get));
            thread::spawn(move || {
                set(&param_0(t), t as u64 + 1);
                check_own_result(&*get, t);
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    for t in 0..count {
        check_own_result(&*get, t);
    }
}

fn analytics_params_keys() {
    let caches: AnalyticsCaches<AnalyticsKey, u64, _> =
        AnalyticsCaches::new(Cache::new(8, None, ManualClock::new(0)).expect("capacity"));
    let caches = Arc::new(caches);
    let key =
        |param: &str| AnalyticsKey::new("query_result", QUERY_IDENTIFIER, [("param_0", param)]);
    let setting = Arc::clone(&caches);
    params_race(
        move |param, result| {
            setting.query_cache().insert(key(param), result);
        },
        move |param| caches.query_cache().get(&key(param)),
    );
}

/// R8.4: `set_query_result` / `get_query_result` through `_generate_key`.
fn zoo_key_collision() {
    let redis = RedisAnalyticsCache::new();
    let setting = Arc::clone(&redis);
    params_race(
        move |param, result| {
            setting.set_typed(
                "query_result",
                QUERY_IDENTIFIER,
                &[("param_0", param)],
                result,
            )
        },
        move |param| redis.get_typed("query_result", QUERY_IDENTIFIER, &[("param_0", param)]),
    );
}

/// The original's preload keys (`preload_analytics_data`).
const WARM_KEYS: [&str; 3] = ["system_metrics", "memory_insights", "graph_metrics"];

/// The gets a warmer issues, and those issued once the stop had returned.
#[derive(Default)]
struct WarmLog {
    stopped: AtomicBool,
    late: AtomicU64,
}

impl WarmLog {
    /// The warmer's `cache_manager.get(key)`.
    fn warm(&self, _key: &str) {
        if self.stopped.load(Ordering::SeqCst) {
            self.late.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// One key per operation (at most the original's three).
fn warm_keys() -> Vec<String> {
    WARM_KEYS
        .iter()
        .take(SCALE.ops_per_thread.max(1))
        .map(|k| (*k).to_string())
        .collect()
}

/// With more than two workers, the warmer also runs its background loop.
fn warm_in_background() -> bool {
    SCALE.threads > 2
}

/// Main initialises the warmer, a ticker (with a background loop) elapses
/// its interval, and main stops it at once, as a shutdown right after
/// startup does; `after_stop` checks (fixed) or tears down (zoo). Once the
/// stop returned, no key may be warmed, and the stop must not fail.
fn warmer_race(
    log: &WarmLog,
    initialize: impl FnOnce(),
    tick: impl Fn() + Send + 'static,
    stop: impl FnOnce() -> Result<(), String>,
    after_stop: impl FnOnce() -> Result<(), String>,
) {
    let ticker = warm_in_background().then(|| {
        thread::spawn(move || {
            for _ in 0..SCALE.ops_per_thread {
                tick();
            }
        })
    });
    initialize();
    let stopped = stop();
    log.stopped.store(true, Ordering::SeqCst);
    if let Some(ticker) = ticker {
        let _ = ticker.join();
    }
    let after = after_stop();
    let late = log.late.load(Ordering::SeqCst);
    ensure(late == 0, NO_WARMING_AFTER_STOP, || {
        format!("{late} key(s) warmed after the stop returned")
    });
    if let Err(detail) = stopped.and(after) {
        crate::case::violated(NO_WARMING_AFTER_STOP, detail);
    }
}

fn warmer_stop_after_initialize() {
    let log = Arc::new(WarmLog::default());
    let warming = Arc::clone(&log);
    let warmer = CacheWarmer::new(warm_keys(), move |key| warming.warm(key));
    let (starting, ticking) = (warmer.clone(), warmer.clone());
    warmer_race(
        &log,
        move || {
            let _ = starting.initialize(warm_in_background());
        },
        move || ticking.tick(),
        || {
            warmer.stop_all();
            Ok(())
        },
        || {
            let live = warmer.stats().live;
            if live > 0 {
                return Err(format!("{live} warming task(s) live after stop_all"));
            }
            match warmer.start(WarmTask::Preload) {
                Err(_) => Ok(()),
                Ok(_) => Err("a preload started after stop_all".to_string()),
            }
        },
    );
}

/// R2.11: the preload is in no `warming_tasks`, so the stop never cancels
/// or awaits it.
fn zoo_warmer_untracked_preload() {
    let log = Arc::new(WarmLog::default());
    let warming = Arc::clone(&log);
    let warmer = RacyCacheWarmer::new(warm_keys(), move |key| warming.warm(key));
    let (starting, ticking) = (Arc::clone(&warmer), Arc::clone(&warmer));
    warmer_race(
        &log,
        move || starting.initialize(warm_in_background()),
        move || ticking.tick(),
        || {
            warmer
                .stop_all_warming()
                .map_err(|e| format!("stop_all_warming failed: {e}"))
        },
        || {
            warmer.exit();
            Ok(())
        },
    );
}

#[cfg(test)]
mod tests {
    use super::super::super::bug_zoo::cache::generate_key;
    use super::COLLIDING_PARAM_0;

    #[test]
    fn the_colliding_pair_still_collides() {
        let [a, b] =
            COLLIDING_PARAM_0.map(|p| generate_key("query_result", "q", &[("param_0", p)]));
        assert_ne!(COLLIDING_PARAM_0[0], COLLIDING_PARAM_0[1]);
        assert_eq!(a, b, "the original's keys of the R8.4 pair");
        // Python: hashlib.md5(json.dumps(sorted({"param_0": "77588"}.items()),
        // sort_keys=True).encode()).hexdigest()[:8]
        assert_eq!(a, "analytics:query_result:q:55827347");
        // json.dumps(sorted({"b": "\u00e9\"x", "a": "1"}.items()),
        // sort_keys=True) == '[["a", "1"], ["b", "\\u00e9\\"x"]]'
        assert_eq!(
            generate_key("t", "i", &[("b", "\u{e9}\"x"), ("a", "1")]),
            "analytics:t:i:3b349ba4"
        );
    }
}
