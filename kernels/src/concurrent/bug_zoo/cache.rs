//! Cache races of the original service (catalog §2 and §8), ported as written.
//!
//! - `R2.1` — [`UnboundedCacheManager`]: with aiocache installed, the L1 is a
//!   `SimpleMemoryCache()` built with no size limit (l.469–472; `l1_max_size`
//!   only reaches `FallbackCache`, l.490), and `entry_metadata` grows with
//!   every set and shrinks only on delete/clear; `entry_count` (l.784) is its
//!   length, expired keys included. The size bound is never enforced.
//! - `R2.2` — [`FallbackCache::set`] checks `len >= max_size and key not in
//!   cache`, picks the oldest entry, deletes it and inserts, each step its own
//!   dictionary operation (atomic under threads one by one, not as a
//!   sequence). Two threads inserting distinct new keys at `max − 1` both skip
//!   eviction, so the cache holds `max + 1` entries; at `max` both may pick the
//!   same victim and the second `del` raises `KeyError`.
//! - `R2.3` — [`FallbackCache::set_with_ttl`] at capacity evicts the least
//!   recently accessed entry (l.394–398) even when an expired entry is
//!   there; expired entries leave only when a `get` trips over them.
//! - `R2.4` — [`TwoLevelCache::set`] writes L1, then L2, then metadata, with an
//!   `await` between each; `delete` removes all three; `get` falls back to L2
//!   and promotes into L1. A delete that runs between a set's L1 and L2 writes
//!   is undone: the value comes back from L2 after it was deleted.
//! - `R2.5` — [`TwoLevelCache::set`] gives L2 the TTL `max(ttl, l2_ttl)`, so an
//!   entry set with a short TTL is served from L2 (and re-promoted) long after
//!   it expired.
//! - `R2.6` — [`PromotingCacheManager::get`] promotes an L2 hit into L1
//!   (l.559–568) without creating metadata, and
//!   [`PromotingCacheManager::invalidate_pattern`] (l.725–731) deletes only
//!   the keys found in `entry_metadata`. A key this process never `set` (one
//!   another worker wrote into the shared Redis L2, or this process before a
//!   restart) is served from L1 and L2 after a matching invalidation.
//! - `R2.9` — [`UninitializedCacheManager::set`] (`_set_internal`,
//!   l.620–642) starts from `success = True` and returns it when neither
//!   level exists: a manager whose `initialize` has not run yet (handed out
//!   early by `get_cache_manager`, which publishes before it initializes in
//!   threads, R2.10, [`super::singleton::PublishBeforeInit`]) reports every
//!   set stored and stores nothing.
//! - `R2.12` — [`NoneBlindCache::get`] treats a stored `None` as a miss
//!   (`if value is not None`, l.544, 560), so a cached `None` result is
//!   recomputed by every cache-aside caller.
//! - `R2.7` — [`TaggedCacheManager::invalidate_by_tags`] collects the keys
//!   whose metadata carries a tag under `_metadata_lock` (l.739–743), then
//!   deletes them one by one outside it (l.745–747): a key re-set in between
//!   is deleted (its new write lost) while a key newly set in between
//!   survives, so the invalidation corresponds to no single instant.
//! - `R2.8` — [`MetricsCacheManager::get_metrics`] returns the live metrics
//!   object after releasing `_metrics_lock` (l.777–786); the caller reads its
//!   counters one by one while gets keep updating them, so `hits + misses`
//!   need not equal `total_operations` in what it reads.
//! - `seed003-cache-expired-read` — seed 003's [`ThreadSafeCache`] (§99):
//!   `get` returns the stored record without looking at its expiry, and
//!   `cleanup_expired` (which nothing schedules) keeps an entry whose expiry
//!   equals now, so expired entries are served.
//! - `R8.1` — [`QueryCache::execute_cached_query`] is cache-aside with no
//!   versioning: miss, run the query, store the rows. A writer that updates the
//!   database and invalidates the key between the query and the store is
//!   overtaken, and the pre-write rows are served until they expire.
//! - `R8.2` — [`RedisAnalyticsCache::invalidate_pattern`] (l.172–174) is
//!   `KEYS analytics:<pattern>` then `DEL` of those keys: two round trips,
//!   each atomic in Redis, not together. A matching key set in between
//!   survives; a listed key re-set in between is deleted (its new value
//!   lost).
//! - `R8.5` — [`AnalyticsGlobals::initialize_cache_manager`] (l.365–367)
//!   assigns `_cache_manager`, `_query_cache` and `_api_cache` one after
//!   another; a thread reading the three accessors meanwhile gets a manager
//!   with no (or the previous manager's) query and API caches.
//! - `R2.11` — [`RacyCacheWarmer`]: `CacheManager.initialize` (l.503,
//!   505–509) fire-and-forgets `preload_analytics_data()` and a task that
//!   runs `start_background_warming()`, which creates the warming loop and
//!   stores it as `warming_tasks["background"]`; no reference to the first
//!   two is kept. `stop_all_warming` (l.308–318) sets `warming_enabled =
//!   False`, then cancels and awaits each task in `warming_tasks.values()`
//!   and clears the dict: the preload is in no dict, so a preload already
//!   under way keeps issuing gets after the stop returned. The loop and the
//!   stop share only the bool `warming_enabled`, read once at the start of
//!   each preload. (The "dictionary changed size during iteration" the
//!   catalog names needs an insert while the stop awaits inside its loop;
//!   on one event loop the deferred start reads `warming_enabled` and
//!   inserts in one step, after which the stop's `False` refuses it, so
//!   only a second, overlapping stop (its `clear()`) gets there. The port
//!   keeps the dict iteration with its size check; the checks assert that
//!   a stop never fails.)
//! - `R8.4` — [`generate_key`] (`_generate_key`, l.74–80) keeps only the
//!   first 8 hex digits of `md5(json.dumps(sorted(kwargs.items())))`: 32
//!   bits, so among ~65 k parameter sets of one identifier two likely share
//!   a key, and [`RedisAnalyticsCache::get_typed`] returns one query's
//!   result for the other's parameters.

use std::collections::{HashMap, HashSet};
use std::fmt;

use md5::{Digest, Md5};

use super::super::clock::{Clock, Millis};
use super::super::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use super::super::sync::thread::{self, JoinHandle};
use super::super::sync::{Arc, Condvar, Mutex};

/// `R2.2`'s `KeyError`: a victim deleted by another thread first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("KeyError: {0}")]
pub struct KeyError(pub u64);

#[derive(Debug, Clone, Copy)]
struct FallbackEntry {
    value: u64,
    last_accessed: Millis,
    /// `None`: never expires (the R2.2 entry does not use TTLs).
    expires_at: Option<Millis>,
}

/// `R2.2`: the dashboard's `FallbackCache`, one lock per dictionary operation.
#[derive(Debug)]
pub struct FallbackCache<C> {
    cache: Mutex<HashMap<u64, FallbackEntry>>,
    max_size: usize,
    clock: C,
}

impl<C: Clock> FallbackCache<C> {
    pub fn new(max_size: usize, clock: C) -> Arc<Self> {
        Arc::new(Self {
            cache: Mutex::new(HashMap::new()),
            max_size,
            clock,
        })
    }

    /// `if len(self.cache) >= self.max_size and key not in self.cache:
    ///     oldest = min(self.cache, key=last_accessed); del self.cache[oldest]
    /// self.cache[key] = CacheEntry(value)`
    pub fn set(&self, key: u64, value: u64) -> Result<(), KeyError> {
        self.set_with_ttl(key, value, None)
    }

    /// `set(key, value, ttl)`: the same steps; the victim is the least
    /// recently accessed entry, expired or not (R2.3).
    pub fn set_with_ttl(&self, key: u64, value: u64, ttl: Option<Millis>) -> Result<(), KeyError> {
        let full = self.cache.lock().len() >= self.max_size;
        if full && !self.cache.lock().contains_key(&key) {
            let oldest = self
                .cache
                .lock()
                .iter()
                .min_by_key(|(k, e)| (e.last_accessed, **k))
                .map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                self.cache.lock().remove(&oldest).ok_or(KeyError(oldest))?;
            }
        }
        let now = self.clock.now();
        let entry = FallbackEntry {
            value,
            last_accessed: now,
            expires_at: ttl.map(|ttl| now + ttl),
        };
        self.cache.lock().insert(key, entry);
        Ok(())
    }

    /// `get`: an expired entry is deleted and missed (the only place expired
    /// entries go).
    pub fn get(&self, key: u64) -> Option<u64> {
        let mut cache = self.cache.lock();
        let now = self.clock.now();
        let entry = cache.get_mut(&key)?;
        if entry.expires_at.is_some_and(|e| now >= e) {
            cache.remove(&key);
            return None;
        }
        entry.last_accessed = now;
        Some(entry.value)
    }

    pub fn len(&self) -> usize {
        self.cache.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone, Copy)]
struct Timed {
    value: u64,
    expires_at: Millis,
}

/// `R2.4` / `R2.5`: the dashboard `CacheManager` with L2 enabled; every level
/// is its own (per-operation atomic) store, like aiocache's and Redis's.
#[derive(Debug)]
pub struct TwoLevelCache<C> {
    l1: Mutex<HashMap<u64, Timed>>,
    l2: Mutex<HashMap<u64, Timed>>,
    metadata: Mutex<HashSet<u64>>,
    l1_ttl: Millis,
    l2_ttl: Millis,
    clock: C,
}

impl<C: Clock> TwoLevelCache<C> {
    /// `l1_ttl` is what a promotion from L2 gets; `l2_ttl` the L2 floor.
    pub fn new(l1_ttl: Millis, l2_ttl: Millis, clock: C) -> Arc<Self> {
        Arc::new(Self {
            l1: Mutex::new(HashMap::new()),
            l2: Mutex::new(HashMap::new()),
            metadata: Mutex::new(HashSet::new()),
            l1_ttl,
            l2_ttl,
            clock,
        })
    }

    /// `_set_internal`: L1, (await) L2 with `max(ttl, l2_ttl)`, (await)
    /// metadata.
    pub fn set(&self, key: u64, value: u64, ttl: Millis) {
        let now = self.clock.now();
        self.l1.lock().insert(
            key,
            Timed {
                value,
                expires_at: now + ttl,
            },
        );
        self.l2.lock().insert(
            key,
            Timed {
                value,
                expires_at: now + ttl.max(self.l2_ttl),
            },
        );
        self.metadata.lock().insert(key);
    }

    /// `delete`: L1, (await) L2, (await) metadata.
    pub fn delete(&self, key: u64) {
        self.l1.lock().remove(&key);
        self.l2.lock().remove(&key);
        self.metadata.lock().remove(&key);
    }

    /// `get`: L1 hit, else L2 hit promoted into L1 with the L1 TTL.
    pub fn get(&self, key: u64) -> Option<u64> {
        let now = self.clock.now();
        if let Some(hit) = self.l1.lock().get(&key).filter(|e| now < e.expires_at) {
            return Some(hit.value);
        }
        let hit = *self.l2.lock().get(&key).filter(|e| now < e.expires_at)?;
        self.l1.lock().insert(
            key,
            Timed {
                value: hit.value,
                expires_at: now + self.l1_ttl,
            },
        );
        Some(hit.value)
    }
}

/// `R2.6`: the dashboard `CacheManager` with L2 enabled: a private L1 and
/// `entry_metadata`, in front of an L2 shared with the other workers; each
/// store is per-operation atomic (aiocache, Redis, a dict).
#[derive(Debug)]
pub struct PromotingCacheManager {
    l1: Mutex<HashMap<String, u64>>,
    l2: Arc<Mutex<HashMap<String, u64>>>,
    metadata: Mutex<HashSet<String>>,
}

impl PromotingCacheManager {
    /// A manager over the shared `l2` (TTLs play no part in R2.6).
    pub fn new(l2: Arc<Mutex<HashMap<String, u64>>>) -> Arc<Self> {
        Arc::new(Self {
            l1: Mutex::new(HashMap::new()),
            l2,
            metadata: Mutex::new(HashSet::new()),
        })
    }

    /// `_set_internal`: L1, (await) L2, (await) metadata.
    pub fn set(&self, key: &str, value: u64) {
        self.l1.lock().insert(key.to_string(), value);
        self.l2.lock().insert(key.to_string(), value);
        self.metadata.lock().insert(key.to_string());
    }

    /// `delete`: L1, (await) L2, (await) metadata.
    pub fn delete(&self, key: &str) {
        self.l1.lock().remove(key);
        self.l2.lock().remove(key);
        self.metadata.lock().remove(key);
    }

    /// `get`: L1 hit, else an L2 hit promoted into L1 (l.568); the
    /// promotion writes no metadata.
    pub fn get(&self, key: &str) -> Option<u64> {
        if let Some(&value) = self.l1.lock().get(key) {
            return Some(value);
        }
        let value = *self.l2.lock().get(key)?;
        self.l1.lock().insert(key.to_string(), value);
        Some(value)
    }

    /// `invalidate_pattern`: the metadata keys containing `pattern`, each
    /// deleted from every level.
    pub fn invalidate_pattern(&self, pattern: &str) -> usize {
        let keys: Vec<String> = self
            .metadata
            .lock()
            .iter()
            .filter(|k| k.contains(pattern))
            .cloned()
            .collect();
        for key in &keys {
            self.delete(key);
        }
        keys.len()
    }
}

/// `R8.1`: the analytics `QueryCache` over a per-key atomic store (Redis).
#[derive(Debug, Default)]
pub struct QueryCache {
    redis: Mutex<HashMap<u64, u64>>,
}

impl QueryCache {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// `execute_cached_query`: cached rows, else run the query and store them.
    pub fn execute_cached_query(&self, key: u64, query: impl FnOnce() -> u64) -> u64 {
        if let Some(rows) = self.get(key) {
            return rows;
        }
        let rows = query();
        self.redis.lock().insert(key, rows);
        rows
    }

    pub fn get(&self, key: u64) -> Option<u64> {
        self.redis.lock().get(&key).copied()
    }

    /// The writer's invalidation (`DEL`).
    pub fn invalidate(&self, key: u64) {
        self.redis.lock().remove(&key);
    }
}

/// `R2.7`: the dashboard `CacheManager`'s L1 and `entry_metadata` (with the
/// entry's tags), each its own store, and tag invalidation as written.
#[derive(Debug, Default)]
pub struct TaggedCacheManager {
    l1: Mutex<HashMap<u64, u64>>,
    /// `entry_metadata` under `_metadata_lock`: key → tags.
    metadata: Mutex<HashMap<u64, Vec<String>>>,
}

impl TaggedCacheManager {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// `_set_internal`: L1, (await) then metadata.
    pub fn set(&self, key: u64, value: u64, tags: &[&str]) {
        self.l1.lock().insert(key, value);
        self.metadata
            .lock()
            .insert(key, tags.iter().map(|t| t.to_string()).collect());
    }

    /// `delete`: L1, (await) then metadata.
    pub fn delete(&self, key: u64) {
        self.l1.lock().remove(&key);
        self.metadata.lock().remove(&key);
    }

    /// `invalidate_by_tags`: matching keys collected under the metadata
    /// lock, then deleted one by one (each an awaited `delete`).
    pub fn invalidate_by_tags(&self, tag: &str) -> usize {
        let keys: Vec<u64> = self
            .metadata
            .lock()
            .iter()
            .filter(|(_, tags)| tags.iter().any(|t| t == tag))
            .map(|(&k, _)| k)
            .collect();
        for &key in &keys {
            self.delete(key);
        }
        keys.len()
    }

    pub fn get(&self, key: u64) -> Option<u64> {
        self.l1.lock().get(&key).copied()
    }
}

/// `R2.8`: `CacheMetrics`, whose counters readers read directly.
#[derive(Debug, Default)]
pub struct LiveMetrics {
    pub total_operations: AtomicU64,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

/// `R2.8`: a cache whose metrics are updated under `_metrics_lock` and
/// handed out by reference.
#[derive(Debug, Default)]
pub struct MetricsCacheManager {
    l1: Mutex<HashMap<u64, u64>>,
    metrics_lock: Mutex<()>,
    metrics: Arc<LiveMetrics>,
}

impl MetricsCacheManager {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn set(&self, key: u64, value: u64) {
        self.l1.lock().insert(key, value);
    }

    /// `get`: look up, then record the hit or miss and the operation under
    /// `_metrics_lock` (one critical section: the update itself is atomic).
    pub fn get(&self, key: u64) -> Option<u64> {
        let found = self.l1.lock().get(&key).copied();
        let _guard = self.metrics_lock.lock();
        let counter = if found.is_some() {
            &self.metrics.hits
        } else {
            &self.metrics.misses
        };
        counter.fetch_add(1, Ordering::SeqCst);
        self.metrics.total_operations.fetch_add(1, Ordering::SeqCst);
        found
    }

    /// `get_metrics`: `async with self._metrics_lock: return self.metrics`.
    pub fn get_metrics(&self) -> Arc<LiveMetrics> {
        let _guard = self.metrics_lock.lock();
        Arc::clone(&self.metrics)
    }
}

/// `seed003-cache-expired-read`: seed 003's `ThreadSafeCache`, one
/// `asyncio.Lock` around a dict of `{value, expires}` records.
#[derive(Debug)]
pub struct ThreadSafeCache<C> {
    cache: Mutex<HashMap<u64, Timed>>,
    clock: C,
}

impl<C: Clock> ThreadSafeCache<C> {
    pub fn new(clock: C) -> Arc<Self> {
        Arc::new(Self {
            cache: Mutex::new(HashMap::new()),
            clock,
        })
    }

    /// `set(key, value, ttl)`: `expires = now + ttl`.
    pub fn set(&self, key: u64, value: u64, ttl: Millis) {
        let expires_at = self.clock.now() + ttl;
        self.cache.lock().insert(key, Timed { value, expires_at });
    }

    /// `get(key)`: the stored record, expiry not checked.
    pub fn get(&self, key: u64) -> Option<u64> {
        self.cache.lock().get(&key).map(|record| record.value)
    }

    /// `cleanup_expired`: drops records with `expires < now` (keeps `==`).
    pub fn cleanup_expired(&self) -> usize {
        let now = self.clock.now();
        let mut cache = self.cache.lock();
        let before = cache.len();
        cache.retain(|_, record| record.expires_at >= now);
        before - cache.len()
    }
}

/// `R8.2`: the analytics `CacheManager`'s Redis, one atomic command per
/// lock: `SETEX`, `GET`, `KEYS`, `DEL key…`.
#[derive(Debug, Default)]
pub struct RedisAnalyticsCache {
    redis: Mutex<HashMap<String, u64>>,
}

impl RedisAnalyticsCache {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// `set`: `SETEX analytics:<key>` (TTLs play no part in R8.2).
    pub fn set(&self, key: &str, value: u64) {
        self.redis.lock().insert(format!("analytics:{key}"), value);
    }

    pub fn get(&self, key: &str) -> Option<u64> {
        self.redis.lock().get(&format!("analytics:{key}")).copied()
    }

    /// R8.4 — `set(cache_type, identifier, data, **kwargs)`: `SETEX` under
    /// [`generate_key`]'s key.
    pub fn set_typed(
        &self,
        cache_type: &str,
        identifier: &str,
        kwargs: &[(&str, &str)],
        value: u64,
    ) {
        let key = generate_key(cache_type, identifier, kwargs);
        self.redis.lock().insert(key, value);
    }

    /// R8.4 — `get(cache_type, identifier, **kwargs)`.
    pub fn get_typed(
        &self,
        cache_type: &str,
        identifier: &str,
        kwargs: &[(&str, &str)],
    ) -> Option<u64> {
        let key = generate_key(cache_type, identifier, kwargs);
        self.redis.lock().get(&key).copied()
    }

    /// `invalidate_pattern`: `KEYS analytics:<pattern>` (a glob; `*` only
    /// at the end here), then `DEL *keys`.
    pub fn invalidate_pattern(&self, pattern: &str) -> usize {
        let glob = format!("analytics:{pattern}");
        let matches = |key: &str| match glob.strip_suffix('*') {
            Some(prefix) => key.starts_with(prefix),
            None => key == glob,
        };
        let keys: Vec<String> = self
            .redis
            .lock()
            .keys()
            .filter(|k| matches(k))
            .cloned()
            .collect();
        let mut redis = self.redis.lock();
        keys.iter().filter(|k| redis.remove(*k).is_some()).count()
    }
}

/// R8.4 — `CacheManager._generate_key` (l.74–80):
/// `analytics:<type>:<identifier>:` and the first 8 hex digits of
/// `md5(json.dumps(sorted(kwargs.items()), sort_keys=True))`. Keyword values
/// are strings here, as `execute_cached_query` makes them (`str(param)`);
/// the JSON text is Python's (`", "` separators, `ensure_ascii`).
pub fn generate_key(cache_type: &str, identifier: &str, kwargs: &[(&str, &str)]) -> String {
    let mut items: Vec<(&str, &str)> = kwargs.to_vec();
    items.sort_unstable();
    let mut params = String::from("[");
    for (i, (name, value)) in items.iter().enumerate() {
        if i > 0 {
            params.push_str(", ");
        }
        params.push('[');
        push_json_str(&mut params, name);
        params.push_str(", ");
        push_json_str(&mut params, value);
        params.push(']');
    }
    params.push(']');
    let digest = Md5::digest(params.as_bytes());
    let mut key = format!("analytics:{cache_type}:{identifier}:");
    // `.hexdigest()[:8]`: the first four bytes.
    for byte in &digest[..4] {
        key.push_str(&format!("{byte:02x}"));
    }
    key
}

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii`).
fn push_json_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// `R8.5`: a `CacheManager`, told apart by the initialisation that built it.
#[derive(Debug)]
pub struct AnalyticsManager {
    pub generation: u64,
}

/// `R8.5`: `QueryCache(manager)` / `APIResponseCache(manager)`.
#[derive(Debug)]
pub struct ManagerView {
    pub manager: Arc<AnalyticsManager>,
}

/// `R8.5`: the module globals `_cache_manager`, `_query_cache`, `_api_cache`.
#[derive(Debug, Default)]
pub struct AnalyticsGlobals {
    cache_manager: Mutex<Option<Arc<AnalyticsManager>>>,
    query_cache: Mutex<Option<Arc<ManagerView>>>,
    api_cache: Mutex<Option<Arc<ManagerView>>>,
}

impl AnalyticsGlobals {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// `initialize_cache_manager`: the three assignments of l.365–367.
    pub fn initialize_cache_manager(&self, generation: u64) {
        let manager = Arc::new(AnalyticsManager { generation });
        *self.cache_manager.lock() = Some(Arc::clone(&manager));
        *self.query_cache.lock() = Some(Arc::new(ManagerView {
            manager: Arc::clone(&manager),
        }));
        *self.api_cache.lock() = Some(Arc::new(ManagerView { manager }));
    }

    pub fn get_cache_manager(&self) -> Option<Arc<AnalyticsManager>> {
        self.cache_manager.lock().clone()
    }

    pub fn get_query_cache(&self) -> Option<Arc<ManagerView>> {
        self.query_cache.lock().clone()
    }

    pub fn get_api_cache(&self) -> Option<Arc<ManagerView>> {
        self.api_cache.lock().clone()
    }
}

/// `R2.1`: the dashboard `CacheManager` over aiocache's unbounded
/// `SimpleMemoryCache`, with its `entry_metadata`.
#[derive(Debug)]
pub struct UnboundedCacheManager {
    l1: Mutex<HashMap<u64, u64>>,
    metadata: Mutex<HashSet<u64>>,
    /// Configured, passed to nothing on this path.
    l1_max_size: usize,
}

impl UnboundedCacheManager {
    pub fn new(l1_max_size: usize) -> Arc<Self> {
        Arc::new(Self {
            l1: Mutex::new(HashMap::new()),
            metadata: Mutex::new(HashSet::new()),
            l1_max_size,
        })
    }

    pub fn l1_max_size(&self) -> usize {
        self.l1_max_size
    }

    /// `_set_internal`: L1 (no size check), (await) metadata.
    pub fn set(&self, key: u64, value: u64) {
        self.l1.lock().insert(key, value);
        self.metadata.lock().insert(key);
    }

    pub fn get(&self, key: u64) -> Option<u64> {
        self.l1.lock().get(&key).copied()
    }

    /// `get_metrics().entry_count`: `len(self.entry_metadata)`.
    pub fn entry_count(&self) -> usize {
        self.metadata.lock().len()
    }
}

/// `R2.12`: the dashboard `CacheManager`'s L1 as `get` sees it.
#[derive(Debug, Default)]
pub struct NoneBlindCache {
    l1: Mutex<HashMap<u64, Option<u64>>>,
}

impl NoneBlindCache {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// `set(key, value)`: `None` is stored like any value.
    pub fn set(&self, key: u64, value: Option<u64>) {
        self.l1.lock().insert(key, value);
    }

    /// `get(key, default=None)`: `value = await l1.get(key); if value is not
    /// None: return value` — else a miss, and `default`.
    pub fn get(&self, key: u64) -> Option<u64> {
        self.l1.lock().get(&key).copied().flatten()
    }

    /// The callers' cache-aside: `value = await get(k); if value is None:
    /// value = compute(); await set(k, value)`.
    pub fn get_or_compute(&self, key: u64, compute: impl FnOnce() -> Option<u64>) -> Option<u64> {
        if let Some(value) = self.get(key) {
            return Some(value);
        }
        let value = compute();
        self.set(key, value);
        value
    }
}

/// `R2.9`: the dashboard `CacheManager` before and after `initialize`.
#[derive(Debug, Default)]
pub struct UninitializedCacheManager {
    /// `l1_cache`: `None` until `initialize` assigns it.
    l1: Mutex<Option<HashMap<u64, u64>>>,
}

impl UninitializedCacheManager {
    pub fn new() -> Self {
        Self::default()
    }

    /// `initialize`: `self.l1_cache = SimpleMemoryCache(...)`.
    pub fn initialize(&self) {
        *self.l1.lock() = Some(HashMap::new());
    }

    /// `_set_internal`: `success = True`; `if self.l1_cache: ...`; `return
    /// success`.
    pub fn set(&self, key: u64, value: u64) -> bool {
        if let Some(l1) = self.l1.lock().as_mut() {
            l1.insert(key, value);
        }
        true
    }

    pub fn get(&self, key: u64) -> Option<u64> {
        self.l1.lock().as_ref().and_then(|l1| l1.get(&key).copied())
    }
}

/// `R2.11`'s `RuntimeError: dictionary changed size during iteration`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("RuntimeError: dictionary changed size during iteration")]
pub struct DictChangedSize;

/// `R2.11`: an `asyncio.Task` in `warming_tasks`.
struct WarmingTask {
    cancelled: Arc<AtomicBool>,
    done: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct WarmerState {
    /// `self.warming_enabled` (`True` at construction).
    warming_enabled: bool,
    /// `self.warming_tasks`, in insertion order (a dict).
    warming_tasks: Vec<(&'static str, WarmingTask)>,
    /// Intervals elapsed (`asyncio.sleep(interval)` returning).
    ticks: u64,
    /// The event loop is closing: every task ends (test teardown).
    exiting: bool,
}

struct WarmerShared {
    state: Mutex<WarmerState>,
    wake: Condvar,
    keys: Vec<String>,
    /// `await self.cache_manager.get(key)`.
    warm: Box<dyn Fn(&str) + Send + Sync>,
}

/// `R2.11`: the dashboard `CacheWarmer` and the tasks `CacheManager.
/// initialize` starts. asyncio runs one stretch between two awaits at a
/// time, so each stretch is one critical section here; each task is a
/// thread, `await task` a join, `task.cancel()` a flag the task sees at its
/// next await.
pub struct RacyCacheWarmer {
    shared: Arc<WarmerShared>,
    /// Handles of the fire-and-forget tasks: nothing in the original holds
    /// them (kept only so [`Self::exit`] can end the test).
    untracked: Mutex<Vec<JoinHandle<()>>>,
}

impl RacyCacheWarmer {
    pub fn new(keys: Vec<String>, warm: impl Fn(&str) + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Self {
            shared: Arc::new(WarmerShared {
                state: Mutex::new(WarmerState {
                    warming_enabled: true,
                    ..WarmerState::default()
                }),
                wake: Condvar::new(),
                keys,
                warm: Box::new(warm),
            }),
            untracked: Mutex::new(Vec::new()),
        })
    }

    /// `initialize` (l.503–509): `asyncio.create_task(preload_analytics_data())`
    /// and, if `warm_interval_seconds > 0` (`background`),
    /// `asyncio.create_task(start_background_warming(...))`; both references
    /// dropped.
    pub fn initialize(&self, background: bool) {
        let shared = Arc::clone(&self.shared);
        let preload = thread::spawn(move || {
            let _ = preload_analytics_data(&shared, None);
        });
        self.untracked.lock().push(preload);
        if background {
            let shared = Arc::clone(&self.shared);
            let starter = thread::spawn(move || start_background_warming(&shared));
            self.untracked.lock().push(starter);
        }
    }

    /// The warming interval elapsing (`asyncio.sleep(interval_seconds)`).
    pub fn tick(&self) {
        self.shared.state.lock().ticks += 1;
        self.shared.wake.notify_all();
    }

    /// `stop_all_warming` (l.308–318).
    pub fn stop_all_warming(&self) -> Result<(), DictChangedSize> {
        let shared = &self.shared;
        // `self.warming_enabled = False`; `for task in
        // self.warming_tasks.values():` takes an iterator (its size).
        let size = {
            let mut state = shared.state.lock();
            state.warming_enabled = false;
            state.warming_tasks.len()
        };
        let mut next = 0;
        loop {
            // The iterator's `__next__`: the size check, then the value;
            // `if not task.done(): task.cancel()`.
            let handle = {
                let mut state = shared.state.lock();
                if state.warming_tasks.len() != size {
                    return Err(DictChangedSize);
                }
                let Some((_, task)) = state.warming_tasks.get_mut(next) else {
                    break;
                };
                next += 1;
                if !task.done.load(Ordering::SeqCst) {
                    task.cancelled.store(true, Ordering::SeqCst);
                    shared.wake.notify_all();
                    task.handle.take()
                } else {
                    None
                }
            };
            // `await task`.
            if let Some(handle) = handle {
                let _ = handle.join();
            }
        }
        shared.state.lock().warming_tasks.clear();
        Ok(())
    }

    /// The event loop closes: every task ends and is joined (test teardown).
    pub fn exit(&self) {
        let handles: Vec<JoinHandle<()>> = {
            let mut state = self.shared.state.lock();
            state.exiting = true;
            self.shared.wake.notify_all();
            state
                .warming_tasks
                .iter_mut()
                .filter_map(|(_, t)| t.handle.take())
                .collect()
        };
        let untracked = std::mem::take(&mut *self.untracked.lock());
        for handle in untracked.into_iter().chain(handles) {
            let _ = handle.join();
        }
    }
}

impl fmt::Debug for RacyCacheWarmer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RacyCacheWarmer").finish_non_exhaustive()
    }
}

/// `preload_analytics_data`: `if not self.warming_enabled: return`, then
/// `await self.cache_manager.get(key)` per key; a cancelled task stops at
/// its next await. `false` if cancelled.
fn preload_analytics_data(shared: &WarmerShared, cancelled: Option<&AtomicBool>) -> bool {
    if !shared.state.lock().warming_enabled {
        return true;
    }
    for key in &shared.keys {
        if cancelled.is_some_and(|c| c.load(Ordering::SeqCst)) {
            return false;
        }
        (shared.warm)(key);
    }
    true
}

/// `start_background_warming` (one stretch, no await): `if not
/// self.warming_enabled: return`; create the loop task; store it as
/// `warming_tasks["background"]`.
fn start_background_warming(shared: &Arc<WarmerShared>) {
    let mut state = shared.state.lock();
    if !state.warming_enabled {
        return;
    }
    let (cancelled, done) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let handle = {
        let (shared, cancelled, done) = (
            Arc::clone(shared),
            Arc::clone(&cancelled),
            Arc::clone(&done),
        );
        thread::spawn(move || {
            warming_loop(&shared, &cancelled);
            done.store(true, Ordering::SeqCst);
        })
    };
    let task = WarmingTask {
        cancelled,
        done,
        handle: Some(handle),
    };
    match state
        .warming_tasks
        .iter_mut()
        .find(|(name, _)| *name == "background")
    {
        Some((_, slot)) => *slot = task,
        None => state.warming_tasks.push(("background", task)),
    }
}

/// `warming_loop`: `while self.warming_enabled: await
/// self.preload_analytics_data(); await asyncio.sleep(interval)`, ending on
/// `CancelledError`.
fn warming_loop(shared: &WarmerShared, cancelled: &AtomicBool) {
    loop {
        {
            let state = shared.state.lock();
            if !state.warming_enabled || state.exiting || cancelled.load(Ordering::SeqCst) {
                return;
            }
        }
        if !preload_analytics_data(shared, Some(cancelled)) {
            return;
        }
        let mut state = shared.state.lock();
        while state.ticks == 0 && !state.exiting && !cancelled.load(Ordering::SeqCst) {
            state = shared.wake.wait(state);
        }
        if state.ticks == 0 {
            return;
        }
        state.ticks -= 1;
    }
}
