//! TTL + LRU cache: the dashboard `CacheManager`/`FallbackCache` (catalog §2),
//! seed 003's `ThreadSafeCache` (§99) and the analytics cache-aside helper
//! (§8), done right.
//!
//! The originals store data and bookkeeping in separate steps (L1, then L2,
//! then metadata), check the size bound and evict in separate dictionary
//! operations (R2.2), serve expired entries (§99), let a delete be undone by a
//! set that was half-way through (R2.4), and let a loader that read the
//! database *before* an invalidation store its stale rows *after* it (R8.1).
//! Here one [`CacheCore`] holds entries, recency order, expiry index and
//! in-flight loads together, and the shared [`Cache`] changes all of them in
//! one critical section per operation.
//!
//! Eviction happens only when a *new* key is inserted at capacity: the entry
//! that expires soonest goes first if it has already expired (R2.3), otherwise
//! the least recently used one. A read refreshes recency, never the TTL.
//!
//! Cache-aside without stale refill: [`Cache::get_or_load`] registers the load
//! (a [`LoadTicket`] carrying the key's load generation) before calling the
//! loader outside the lock. Every write to the key (`insert`, `remove`,
//! `clear`) bumps the generation of the loads in flight for it, and the
//! loader's result is stored only if the generation is unchanged. A writer
//! that updates the database and then invalidates the key therefore can never
//! be overtaken by a loader that read the database before the invalidation;
//! that loader still returns its value to its own caller (it was current when
//! read), it just does not cache it. Generations live only while a load is in
//! flight, so deleted keys leave no tombstones behind.
//!
//! # Invariants (asserted by the model checks)
//! - **size-within-capacity**: [`Cache::len`] (expired entries not yet purged
//!   included) never exceeds the capacity.
//! - **lru-evicts-least-recent**: at capacity, inserting a new key evicts an
//!   expired entry if there is one, else the least recently used entry, and
//!   nothing else.
//! - **no-expired-read**: an entry whose TTL has elapsed (`now >= inserted +
//!   ttl`) is never returned.
//! - **read-your-write**: after `insert(k, v)` returns, with no other writer of
//!   `k` and no eviction, `get(k)` returns `v` until it expires.
//! - **ttl-never-widened**: an entry's deadline is exactly its insertion time
//!   plus its TTL; reads (which refresh recency) never move it.
//! - **no-resurrection**: once a value has been read and the key then removed,
//!   no later read returns it unless it is inserted again.
//! - **no-stale-refill**: after "write the source, then remove the key"
//!   completes, no `get_or_load` that read the source before the removal can
//!   store its value: reads return the new value or miss.
//! - **invalidation-atomic**: invalidating by tag ([`Cache::invalidate_tag`])
//!   or by key pattern ([`Cache::invalidate_matching`]) acts at one instant:
//!   it removes every matching entry present then and none written after. The
//!   original snapshots the matching keys under its metadata lock and deletes
//!   them one by one afterwards (R2.7), so a key re-set in between is deleted
//!   while a key newly set in between survives.
//! - **invalidation-covers-promoted**: see [`TieredCache`], the two-level
//!   cache whose L1 copies promoted from L2 carry their tags (R2.6).
//! - **stats-consistent**: [`Cache::stats`] is a copy taken under the lock,
//!   so `hits + misses == gets` in every snapshot (the original returns its
//!   live metrics object, read field by field while gets update it: R2.8).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::Hash;

use super::clock::{Clock, Millis, SystemClock};
use super::sync::{Arc, Mutex};

/// Errors of cache construction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// A cache that can hold nothing would evict every insert on arrival.
    #[error("cache capacity must be at least 1 entry")]
    ZeroCapacity,
}

/// One stored value with its bookkeeping.
#[derive(Debug, Clone)]
struct Entry<V> {
    value: V,
    /// `None`: never expires.
    deadline: Option<Millis>,
    /// Key of this entry in `CacheCore::recency` (changes on every use).
    stamp: u64,
    /// Stable id of this entry, the tie-breaker in `CacheCore::expiries`.
    id: u64,
    /// Invalidation tags (empty for most entries: no allocation).
    tags: Vec<String>,
}

/// Counters of a cache, from one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups (`get`, and the lookup of `get_or_load`).
    pub gets: u64,
    pub hits: u64,
    /// Absent or expired.
    pub misses: u64,
}

impl<V> Entry<V> {
    /// TTL 0 is already expired (catalog §2, `CacheEntry.is_expired`).
    fn is_expired(&self, now: Millis) -> bool {
        self.deadline.is_some_and(|deadline| now >= deadline)
    }
}

/// A live entry as [`CacheCore::get_entry`] found it.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a, V> {
    pub value: &'a V,
    /// `None`: never expires.
    pub deadline: Option<Millis>,
    pub tags: &'a [String],
}

/// Loads of one key currently in flight.
#[derive(Debug, Clone, Copy)]
struct PendingLoads {
    /// Bumped by every write of the key; a load stores only if unchanged.
    generation: u64,
    /// Tickets not yet completed or abandoned.
    loaders: usize,
}

/// Proof that a load of `key` began at a given generation; hand it back with
/// [`CacheCore::complete_load`] or [`CacheCore::abandon_load`].
#[derive(Debug)]
pub struct LoadTicket<K> {
    key: K,
    generation: u64,
}

impl<K> LoadTicket<K> {
    pub fn key(&self) -> &K {
        &self.key
    }
}

/// The cache's logic, unsynchronised: one owner, `&mut self`, explicit time.
#[derive(Debug, Clone)]
pub struct CacheCore<K, V> {
    capacity: usize,
    default_ttl: Option<Millis>,
    entries: HashMap<K, Entry<V>>,
    /// Least recently used first.
    recency: BTreeMap<u64, K>,
    /// Soonest deadline first; entries that never expire are absent.
    expiries: BTreeMap<(Millis, u64), K>,
    next_stamp: u64,
    loads: HashMap<K, PendingLoads>,
    next_generation: u64,
    stats: CacheStats,
}

impl<K: Hash + Eq + Clone, V> CacheCore<K, V> {
    /// A cache of at most `capacity` entries; `default_ttl` (`None`: never
    /// expire) applies to [`CacheCore::insert`] and to completed loads.
    pub fn new(capacity: usize, default_ttl: Option<Millis>) -> Result<Self, CacheError> {
        if capacity == 0 {
            return Err(CacheError::ZeroCapacity);
        }
        Ok(Self {
            capacity,
            default_ttl,
            entries: HashMap::new(),
            recency: BTreeMap::new(),
            expiries: BTreeMap::new(),
            next_stamp: 0,
            loads: HashMap::new(),
            next_generation: 0,
            stats: CacheStats::default(),
        })
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Entries stored, including expired ones not yet purged.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The live value of `key`, marking it most recently used. An expired
    /// entry is removed and reported as a miss.
    pub fn get(&mut self, key: &K, now: Millis) -> Option<&V> {
        self.get_entry(key, now).map(|hit| hit.value)
    }

    /// [`CacheCore::get`], with the entry's deadline and tags: what a
    /// promotion into another level must carry along (R2.6).
    pub fn get_entry(&mut self, key: &K, now: Millis) -> Option<Hit<'_, V>> {
        self.stats.gets += 1;
        let expired = self.entries.get(key).is_none_or(|e| e.is_expired(now));
        if expired {
            self.stats.misses += 1;
            self.remove_entry(key);
            return None;
        }
        self.stats.hits += 1;
        let stamp = self.fresh_stamp();
        let entry = self.entries.get_mut(key)?;
        if let Some(k) = self.recency.remove(&entry.stamp) {
            self.recency.insert(stamp, k);
        }
        entry.stamp = stamp;
        Some(Hit {
            value: &entry.value,
            deadline: entry.deadline,
            tags: &entry.tags,
        })
    }

    /// When `key`'s entry expires: `None` if it is absent or never expires.
    /// Does not touch recency.
    pub fn deadline(&self, key: &K) -> Option<Millis> {
        self.entries.get(key).and_then(|e| e.deadline)
    }

    /// Inserts with the default TTL; see [`CacheCore::insert_with_ttl`].
    pub fn insert(&mut self, key: K, value: V, now: Millis) -> Option<(K, V)> {
        self.insert_with_ttl(key, value, self.default_ttl, now)
    }

    /// Stores `value` under `key` until `now + ttl` (`None`: forever) and
    /// returns the entry evicted to make room, if any. Invalidates loads of
    /// `key` in flight. A TTL of 0 stores nothing (the entry would be expired
    /// on arrival) but still removes the old value.
    pub fn insert_with_ttl(
        &mut self,
        key: K,
        value: V,
        ttl: Option<Millis>,
        now: Millis,
    ) -> Option<(K, V)> {
        self.invalidate_loads(&key);
        self.store(key, value, ttl, Vec::new(), now)
    }

    /// [`CacheCore::insert_with_ttl`], with invalidation tags.
    pub fn insert_tagged(
        &mut self,
        key: K,
        value: V,
        ttl: Option<Millis>,
        tags: Vec<String>,
        now: Millis,
    ) -> Option<(K, V)> {
        self.invalidate_loads(&key);
        self.store(key, value, ttl, tags, now)
    }

    /// Removes every entry tagged `tag`; returns how many. Loads in flight
    /// carry no tags and store untagged entries, so they are not affected.
    pub fn invalidate_tag(&mut self, tag: &str) -> usize {
        let keys: Vec<K> = self
            .entries
            .iter()
            .filter(|(_, e)| e.tags.iter().any(|t| t == tag))
            .map(|(k, _)| k.clone())
            .collect();
        for key in &keys {
            self.remove(key);
        }
        keys.len()
    }

    /// Removes every entry whose key matches `pattern` and invalidates the
    /// loads in flight for matching keys; returns how many entries went.
    pub fn invalidate_matching(&mut self, pattern: impl Fn(&K) -> bool) -> usize {
        let loads: Vec<K> = self.loads.keys().filter(|k| pattern(k)).cloned().collect();
        for key in &loads {
            self.invalidate_loads(key);
        }
        let keys: Vec<K> = self
            .entries
            .keys()
            .filter(|k| pattern(k))
            .cloned()
            .collect();
        for key in &keys {
            self.remove_entry(key);
        }
        keys.len()
    }

    /// The counters so far.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// Removes `key`; true if an entry (live or expired) was there.
    /// Invalidates loads of `key` in flight.
    pub fn remove(&mut self, key: &K) -> bool {
        self.invalidate_loads(key);
        self.remove_entry(key).is_some()
    }

    /// Removes every entry and invalidates every load in flight.
    pub fn clear(&mut self) {
        for pending in self.loads.values_mut() {
            pending.generation = self.next_generation;
            self.next_generation += 1;
        }
        self.entries.clear();
        self.recency.clear();
        self.expiries.clear();
    }

    /// Drops every expired entry; returns how many.
    pub fn purge_expired(&mut self, now: Millis) -> usize {
        let mut purged = 0;
        while let Some(key) = self.first_expired(now) {
            self.remove_entry(&key);
            purged += 1;
        }
        purged
    }

    /// Registers a load of `key` about to read the source of truth.
    pub fn begin_load(&mut self, key: K) -> LoadTicket<K> {
        let next_generation = &mut self.next_generation;
        let pending = self.loads.entry(key.clone()).or_insert_with(|| {
            let generation = *next_generation;
            *next_generation += 1;
            PendingLoads {
                generation,
                loaders: 0,
            }
        });
        pending.loaders += 1;
        LoadTicket {
            key,
            generation: pending.generation,
        }
    }

    /// Stores a loaded value (default TTL) unless the key was written since
    /// the ticket was issued; true if stored.
    pub fn complete_load(&mut self, ticket: LoadTicket<K>, value: V, now: Millis) -> bool {
        if !self.release_ticket(&ticket) {
            return false;
        }
        self.store(ticket.key, value, self.default_ttl, Vec::new(), now);
        true
    }

    /// Gives a ticket back without a value (the loader failed).
    pub fn abandon_load(&mut self, ticket: LoadTicket<K>) {
        self.release_ticket(&ticket);
    }

    /// Ends one load; true if no write of the key happened since it began.
    fn release_ticket(&mut self, ticket: &LoadTicket<K>) -> bool {
        let Some(pending) = self.loads.get_mut(&ticket.key) else {
            return false;
        };
        let fresh = pending.generation == ticket.generation;
        pending.loaders = pending.loaders.saturating_sub(1);
        if pending.loaders == 0 {
            self.loads.remove(&ticket.key);
        }
        fresh
    }

    fn invalidate_loads(&mut self, key: &K) {
        if let Some(pending) = self.loads.get_mut(key) {
            pending.generation = self.next_generation;
            self.next_generation += 1;
        }
    }

    /// Insert without touching load generations (a completed load is not a
    /// write that makes other loads of the same generation stale).
    fn store(
        &mut self,
        key: K,
        value: V,
        ttl: Option<Millis>,
        tags: Vec<String>,
        now: Millis,
    ) -> Option<(K, V)> {
        let deadline = ttl.map(|ttl| now.saturating_add(ttl));
        if deadline.is_some_and(|d| d <= now) {
            self.remove_entry(&key);
            return None;
        }
        let stamp = self.fresh_stamp();
        if let Some(entry) = self.entries.get_mut(&key) {
            if let Some(old) = entry.deadline {
                self.expiries.remove(&(old, entry.id));
            }
            if let Some(d) = deadline {
                self.expiries.insert((d, entry.id), key.clone());
            }
            if let Some(k) = self.recency.remove(&entry.stamp) {
                self.recency.insert(stamp, k);
            }
            entry.value = value;
            entry.deadline = deadline;
            entry.stamp = stamp;
            entry.tags = tags;
            return None;
        }
        let evicted = if self.entries.len() >= self.capacity {
            self.evict_one(now)
        } else {
            None
        };
        // Stamps are unique, so the first stamp of an entry doubles as its id.
        let id = stamp;
        if let Some(d) = deadline {
            self.expiries.insert((d, id), key.clone());
        }
        self.recency.insert(stamp, key.clone());
        self.entries.insert(
            key,
            Entry {
                value,
                deadline,
                stamp,
                id,
                tags,
            },
        );
        evicted
    }

    /// An expired entry if there is one, else the least recently used.
    fn evict_one(&mut self, now: Millis) -> Option<(K, V)> {
        let victim = match self.first_expired(now) {
            Some(key) => key,
            None => self.recency.values().next()?.clone(),
        };
        self.remove_entry(&victim)
    }

    fn first_expired(&self, now: Millis) -> Option<K> {
        let (&(deadline, _), key) = self.expiries.iter().next()?;
        (deadline <= now).then(|| key.clone())
    }

    fn remove_entry(&mut self, key: &K) -> Option<(K, V)> {
        let (key, entry) = self.entries.remove_entry(key)?;
        self.recency.remove(&entry.stamp);
        if let Some(d) = entry.deadline {
            self.expiries.remove(&(d, entry.id));
        }
        Some((key, entry.value))
    }

    fn fresh_stamp(&mut self) -> u64 {
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        stamp
    }
}

/// The shared cache: a handle; clones share one state and one clock.
pub struct Cache<K, V, C = SystemClock> {
    core: Arc<Mutex<CacheCore<K, V>>>,
    clock: Arc<C>,
}

impl<K, V, C> Clone for Cache<K, V, C> {
    fn clone(&self) -> Self {
        Self {
            core: Arc::clone(&self.core),
            clock: Arc::clone(&self.clock),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone, C: Clock> Cache<K, V, C> {
    /// See [`CacheCore::new`]; time comes from `clock`.
    pub fn new(capacity: usize, default_ttl: Option<Millis>, clock: C) -> Result<Self, CacheError> {
        Ok(Self {
            core: Arc::new(Mutex::new(CacheCore::new(capacity, default_ttl)?)),
            clock: Arc::new(clock),
        })
    }

    /// A clone of the live value of `key` (marks it most recently used).
    pub fn get(&self, key: &K) -> Option<V> {
        let mut core = self.core.lock();
        // Time is read under the lock, so no other operation runs between the
        // reading and the expiry decision.
        let now = self.clock.now();
        core.get(key, now).cloned()
    }

    /// Inserts with the default TTL; returns the evicted entry, if any.
    pub fn insert(&self, key: K, value: V) -> Option<(K, V)> {
        let mut core = self.core.lock();
        let now = self.clock.now();
        core.insert(key, value, now)
    }

    /// Inserts with an explicit TTL (`None`: forever).
    pub fn insert_with_ttl(&self, key: K, value: V, ttl: Option<Millis>) -> Option<(K, V)> {
        let mut core = self.core.lock();
        let now = self.clock.now();
        core.insert_with_ttl(key, value, ttl, now)
    }

    /// Inserts with an explicit TTL and invalidation tags.
    pub fn insert_tagged(
        &self,
        key: K,
        value: V,
        ttl: Option<Millis>,
        tags: Vec<String>,
    ) -> Option<(K, V)> {
        let mut core = self.core.lock();
        let now = self.clock.now();
        core.insert_tagged(key, value, ttl, tags, now)
    }

    /// Removes every entry tagged `tag` in one critical section.
    pub fn invalidate_tag(&self, tag: &str) -> usize {
        self.core.lock().invalidate_tag(tag)
    }

    /// Removes every entry whose key matches `pattern` in one critical
    /// section (`pattern` runs under the lock: keep it cheap and pure).
    pub fn invalidate_matching(&self, pattern: impl Fn(&K) -> bool) -> usize {
        self.core.lock().invalidate_matching(pattern)
    }

    /// A copy of the counters, from one instant.
    pub fn stats(&self) -> CacheStats {
        self.core.lock().stats()
    }

    /// Removes `key` (the invalidation step of "write the source, then
    /// invalidate"); true if an entry was there.
    pub fn remove(&self, key: &K) -> bool {
        self.core.lock().remove(key)
    }

    pub fn clear(&self) {
        self.core.lock().clear();
    }

    pub fn purge_expired(&self) -> usize {
        let mut core = self.core.lock();
        let now = self.clock.now();
        core.purge_expired(now)
    }

    pub fn len(&self) -> usize {
        self.core.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.core.lock().is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.core.lock().capacity()
    }

    /// True if `other` is a handle of this very cache (not a copy).
    pub fn same_cache(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.core, &other.core)
    }

    /// See [`CacheCore::deadline`].
    pub fn deadline(&self, key: &K) -> Option<Millis> {
        self.core.lock().deadline(key)
    }

    /// Cache-aside: the cached value of `key`, or `load(&key)` (called without
    /// the lock held), stored unless `key` was written or removed while the
    /// loader ran (then the loader's value, current when read, is returned but
    /// not cached). A loader error is returned and nothing is stored.
    pub fn get_or_load<E>(&self, key: K, load: impl FnOnce(&K) -> Result<V, E>) -> Result<V, E> {
        let ticket = {
            let mut core = self.core.lock();
            let now = self.clock.now();
            if let Some(value) = core.get(&key, now) {
                return Ok(value.clone());
            }
            core.begin_load(key.clone())
        };
        let pending = PendingLoad {
            cache: self,
            ticket: Some(ticket),
        };
        let value = load(&key)?;
        pending.complete(value.clone());
        Ok(value)
    }
}

/// A load in flight: completes its ticket, or abandons it when dropped (loader
/// error or panic), so no generation outlives its loads.
struct PendingLoad<'a, K: Hash + Eq + Clone, V, C> {
    cache: &'a Cache<K, V, C>,
    ticket: Option<LoadTicket<K>>,
}

impl<K: Hash + Eq + Clone, V, C: Clock> PendingLoad<'_, K, V, C> {
    fn complete(mut self, value: V) -> bool {
        let Some(ticket) = self.ticket.take() else {
            return false;
        };
        let mut core = self.cache.core.lock();
        let now = self.cache.clock.now();
        core.complete_load(ticket, value, now)
    }
}

impl<K: Hash + Eq + Clone, V, C> Drop for PendingLoad<'_, K, V, C> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.cache.core.lock().abandon_load(ticket);
        }
    }
}

impl<K, V, C> fmt::Debug for Cache<K, V, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

/// Entries removed by a [`TieredCache`] invalidation, per level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Invalidated {
    pub l1: usize,
    pub l2: usize,
}

/// Two levels: a private L1 in front of an L2 that several tiers may share
/// (the dashboard `CacheManager` with L2 enabled, catalog §2: its L2 is a
/// Redis that every worker process, and every earlier incarnation of this
/// one, reads and writes).
///
/// The original keeps what it knows about a key (`entry_metadata`: tags,
/// presence) apart from the data and builds it only in `set`, so a key that
/// reached L1 by promotion from L2 (l.568), e.g. one another worker wrote,
/// has no metadata, and pattern and tag invalidation (l.725–747), which walk
/// the metadata, never remove it, from L1 or from L2 (R2.6). Here an entry is
/// its own metadata: tags and deadline travel with the value in both
/// [`CacheCore`]s, a promotion copies them, and invalidation walks the
/// entries of both levels, not a side index, so nothing present can be
/// missed.
///
/// One operation holds the L1 lock, then the L2 lock: always in that order,
/// and the L2 (a [`Cache`], shared) never takes an L1 lock, so tiers sharing
/// one L2 cannot deadlock. Holding both makes each operation one step of both
/// levels (no set half-way through when a delete runs: R2.4). A promotion
/// keeps the L2 deadline, cut to the L1 TTL, never later (R2.5).
///
/// Each L1 is private: a write or invalidation through another tier sharing
/// the L2 reaches this L1 only once its copy expires (after at most the L1
/// TTL), as with the original's per-process L1.
///
/// # Invariants
/// - **invalidation-covers-promoted** (model check): once an invalidation by
///   key pattern or tag returns, no entry it matched (promoted into L1 or
///   not) is returned through this tier until it is set again.
/// - **levels-agree** (unit test): through one tier, L1 and L2 never hold
///   different values for a key, and an L1 copy never outlives its L2
///   deadline.
pub struct TieredCache<K, V, C = SystemClock> {
    l1: Arc<Mutex<CacheCore<K, V>>>,
    /// Cap on an L1 copy's lifetime (`None`: as long as the L2 entry).
    l1_ttl: Option<Millis>,
    l2: Cache<K, V, C>,
}

impl<K, V, C> Clone for TieredCache<K, V, C> {
    fn clone(&self) -> Self {
        Self {
            l1: Arc::clone(&self.l1),
            l1_ttl: self.l1_ttl,
            l2: self.l2.clone(),
        }
    }
}

/// The earlier of two deadlines (`None`: never).
fn earlier(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

impl<K: Hash + Eq + Clone, V: Clone, C: Clock> TieredCache<K, V, C> {
    /// An L1 of `l1_capacity` entries whose copies live at most `l1_ttl`, in
    /// front of `l2` (shared: its clock is the tier's clock).
    pub fn new(
        l1_capacity: usize,
        l1_ttl: Option<Millis>,
        l2: Cache<K, V, C>,
    ) -> Result<Self, CacheError> {
        Ok(Self {
            l1: Arc::new(Mutex::new(CacheCore::new(l1_capacity, l1_ttl)?)),
            l1_ttl,
            l2,
        })
    }

    /// The shared L2.
    pub fn l2(&self) -> &Cache<K, V, C> {
        &self.l2
    }

    /// L1, else L2 (promoted into L1 with its tags and its deadline, cut to
    /// the L1 TTL), else a miss.
    pub fn get(&self, key: &K) -> Option<V> {
        let mut l1 = self.l1.lock();
        let now = self.l2.clock.now();
        if let Some(value) = l1.get(key, now) {
            return Some(value.clone());
        }
        let mut l2 = self.l2.core.lock();
        let hit = l2.get_entry(key, now)?;
        let value = hit.value.clone();
        let deadline = earlier(hit.deadline, self.l1_ttl.map(|t| now.saturating_add(t)));
        let tags = hit.tags.to_vec();
        // Live, so `deadline > now`.
        let ttl = deadline.map(|d| d - now);
        l1.insert_tagged(key.clone(), value.clone(), ttl, tags, now);
        Some(value)
    }

    /// Stores in L2 for `ttl` and in L1 for at most the L1 TTL, both tagged.
    pub fn insert_tagged(&self, key: K, value: V, ttl: Option<Millis>, tags: Vec<String>) {
        let mut l1 = self.l1.lock();
        let mut l2 = self.l2.core.lock();
        let now = self.l2.clock.now();
        l2.insert_tagged(key.clone(), value.clone(), ttl, tags.clone(), now);
        l1.insert_tagged(key, value, earlier(ttl, self.l1_ttl), tags, now);
    }

    /// Removes `key` from both levels; true if either held it.
    pub fn remove(&self, key: &K) -> bool {
        let mut l1 = self.l1.lock();
        let mut l2 = self.l2.core.lock();
        let in_l1 = l1.remove(key);
        l2.remove(key) || in_l1
    }

    /// Removes every entry tagged `tag` from both levels, in one step.
    pub fn invalidate_tag(&self, tag: &str) -> Invalidated {
        let mut l1 = self.l1.lock();
        let mut l2 = self.l2.core.lock();
        Invalidated {
            l1: l1.invalidate_tag(tag),
            l2: l2.invalidate_tag(tag),
        }
    }

    /// Removes every entry whose key matches `pattern` from both levels, in
    /// one step (`pattern` runs under the locks: keep it cheap and pure).
    pub fn invalidate_matching(&self, pattern: impl Fn(&K) -> bool) -> Invalidated {
        let mut l1 = self.l1.lock();
        let mut l2 = self.l2.core.lock();
        Invalidated {
            l1: l1.invalidate_matching(&pattern),
            l2: l2.invalidate_matching(&pattern),
        }
    }

    /// Entries in this tier's L1 (expired ones not yet purged included).
    pub fn l1_len(&self) -> usize {
        self.l1.lock().len()
    }
}

impl<K, V, C> fmt::Debug for TieredCache<K, V, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TieredCache").finish_non_exhaustive()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::super::clock::ManualClock;
    use super::*;

    fn core(capacity: usize) -> CacheCore<u32, &'static str> {
        CacheCore::new(capacity, None).expect("capacity > 0")
    }

    #[test]
    fn zero_capacity_is_refused() {
        assert_eq!(
            CacheCore::<u32, u32>::new(0, None).err(),
            Some(CacheError::ZeroCapacity)
        );
    }

    #[test]
    fn evicts_least_recently_used_only_for_new_keys() {
        let mut c = core(2);
        c.insert(1, "a", 0);
        c.insert(2, "b", 0);
        assert_eq!(c.get(&1, 0), Some(&"a")); // 2 is now least recent
        assert_eq!(c.insert(2, "b2", 0), None); // existing key: no eviction
        assert_eq!(c.insert(3, "c", 0), Some((1, "a")));
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&2, 0), Some(&"b2"));
        assert_eq!(c.get(&3, 0), Some(&"c"));
    }

    #[test]
    fn evicts_expired_before_least_recent() {
        let mut c = core(2);
        c.insert_with_ttl(1, "old", None, 0);
        c.insert_with_ttl(2, "short", Some(5), 0);
        assert_eq!(c.get(&2, 1), Some(&"short")); // 1 is least recent
        assert_eq!(c.insert(3, "new", 10), Some((2, "short")));
        assert_eq!(c.get(&1, 10), Some(&"old"));
    }

    #[test]
    fn expired_entries_are_never_returned_and_reads_do_not_extend_ttl() {
        let mut c = core(4);
        c.insert_with_ttl(1, "a", Some(10), 100);
        assert_eq!(c.get(&1, 109), Some(&"a"));
        assert_eq!(c.deadline(&1), Some(110));
        assert_eq!(c.get(&1, 110), None);
        assert!(c.is_empty());
        c.insert_with_ttl(2, "zero", Some(0), 100);
        assert_eq!(c.get(&2, 100), None);
        assert!(c.is_empty());
    }

    #[test]
    fn purge_drops_only_expired() {
        let mut c = core(4);
        c.insert_with_ttl(1, "a", Some(1), 0);
        c.insert_with_ttl(2, "b", Some(5), 0);
        c.insert_with_ttl(3, "c", None, 0);
        assert_eq!(c.purge_expired(5), 2);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn a_load_overtaken_by_a_write_is_not_stored() {
        let mut c = core(4);
        let stale = c.begin_load(1);
        assert!(!c.remove(&1));
        assert!(!c.complete_load(stale, "stale", 0));
        assert_eq!(c.get(&1, 0), None);
        let fresh = c.begin_load(1);
        assert!(c.complete_load(fresh, "fresh", 0));
        assert_eq!(c.get(&1, 0), Some(&"fresh"));
        assert!(c.loads.is_empty());
    }

    #[test]
    fn concurrent_loads_of_one_generation_both_store() {
        let mut c = core(4);
        let a = c.begin_load(1);
        let b = c.begin_load(1);
        assert!(c.complete_load(a, "x", 0));
        assert!(c.complete_load(b, "x", 0));
        let abandoned = c.begin_load(2);
        c.abandon_load(abandoned);
        assert!(c.loads.is_empty());
    }

    #[test]
    fn shared_cache_get_or_load_and_expiry() {
        let clock = Arc::new(ManualClock::new(0));
        let cache: Cache<u32, u32, _> = Cache::new(2, Some(10), Arc::clone(&clock)).expect("cap");
        let loaded: Result<u32, ()> = cache.get_or_load(7, |k| Ok(k * 2));
        assert_eq!(loaded, Ok(14));
        assert_eq!(cache.get(&7), Some(14));
        let err: Result<u32, &str> = cache.get_or_load(8, |_| Err("db down"));
        assert_eq!(err, Err("db down"));
        assert_eq!(cache.get(&8), None);
        clock.advance(10);
        assert_eq!(cache.get(&7), None);
    }

    #[test]
    fn tag_and_pattern_invalidation_remove_exactly_the_matches() {
        let mut c = core(8);
        let tags = |ts: &[&str]| ts.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        c.insert_tagged(1, "a", None, tags(&["user:1", "feed"]), 0);
        c.insert_tagged(2, "b", None, tags(&["user:2"]), 0);
        c.insert(3, "c", 0);
        assert_eq!(c.invalidate_tag("feed"), 1);
        assert_eq!(c.get(&1, 0), None);
        assert_eq!(c.get(&2, 0), Some(&"b"));
        // A re-set replaces the tags.
        c.insert_tagged(2, "b2", None, tags(&["other"]), 0);
        assert_eq!(c.invalidate_tag("user:2"), 0);
        let ticket = c.begin_load(13);
        assert_eq!(c.invalidate_matching(|k| k % 10 == 3), 1);
        assert!(
            !c.complete_load(ticket, "stale", 0),
            "a matching load is invalidated"
        );
        assert_eq!(c.get(&2, 0), Some(&"b2"));
        assert_eq!(c.get(&3, 0), None);
    }

    #[test]
    fn promoted_entries_keep_tags_and_deadline_and_are_invalidated() {
        let clock = Arc::new(ManualClock::new(0));
        let l2: Cache<String, u32, _> = Cache::new(8, None, Arc::clone(&clock)).expect("cap");
        let tier = TieredCache::new(4, Some(5), l2.clone()).expect("cap");
        // Written by another worker: this tier never saw a set of it.
        l2.insert_tagged("user:1".into(), 1, Some(20), vec!["feed".into()]);
        l2.insert_tagged("user:2".into(), 2, Some(3), vec!["feed".into()]);
        l2.insert("post:1".into(), 3);
        assert_eq!(tier.get(&"user:1".into()), Some(1));
        assert_eq!(tier.get(&"user:2".into()), Some(2));
        assert_eq!(tier.get(&"post:1".into()), Some(3));
        assert_eq!(tier.l1_len(), 3);
        // The L1 copy of user:2 keeps its L2 deadline (3), not now + 5.
        clock.advance(3);
        assert_eq!(tier.get(&"user:2".into()), None);
        assert_eq!(
            tier.invalidate_matching(|k| k.starts_with("user:")),
            Invalidated { l1: 1, l2: 1 }
        );
        assert_eq!(tier.get(&"user:1".into()), None);
        tier.insert_tagged("user:3".into(), 4, None, vec!["feed".into()]);
        assert_eq!(tier.get(&"post:1".into()), Some(3));
        assert_eq!(tier.invalidate_tag("feed"), Invalidated { l1: 1, l2: 1 });
        assert_eq!(tier.get(&"user:3".into()), None);
        assert!(tier.remove(&"post:1".into()));
        assert_eq!(tier.get(&"post:1".into()), None);
        assert!(l2.is_empty());
    }

    #[test]
    fn stats_count_every_lookup_once() {
        let mut c = core(2);
        c.insert_with_ttl(1, "a", Some(5), 0);
        let _ = c.get(&1, 1);
        let _ = c.get(&2, 1);
        let _ = c.get(&1, 5);
        assert_eq!(
            c.stats(),
            CacheStats {
                gets: 3,
                hits: 1,
                misses: 2
            }
        );
    }
}
