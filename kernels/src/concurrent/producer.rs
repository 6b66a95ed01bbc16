//! Stream producer: a bounded, batching event buffer in front of a sink (the
//! original writes to DragonflyDB streams with `XADD`).
//!
//! The original (`server/streaming/stream_producer.py`, catalog §7) swaps the
//! whole buffer out *before* its awaits, so a flush cancelled mid-write loses
//! the unsent part (R7.1); it drops every event whose `XADD` fails (R7.2);
//! it re-buffers a failed batch *behind* newer events and lets flushes run
//! concurrently, so a stream's events can be reordered (R7.3); and its buffer
//! has no bound (R7.4). Here:
//!
//! - the buffer is bounded: [`Producer::produce`] waits for room
//!   (backpressure), [`Producer::try_produce`] hands the record back;
//! - at most one batch is *in flight* at a time, taken from the front of the
//!   buffer, so the sink sees every stream in acceptance order;
//! - the sink acknowledges, in order, the prefix of a batch it has made
//!   durable ([`Acked`]); when the write fails *or the flush future is
//!   dropped mid-write*, a drop guard commits that prefix and puts the rest
//!   back at the *front* of the buffer, so a retry re-sends exactly the
//!   unacknowledged events;
//! - [`Producer::close`] rejects further events and drains the buffer; an
//!   event offered after `close` began is handed back, never silently kept
//!   (R7.7: the original has no closed flag);
//! - at most one periodic [`Flusher`] exists per producer (R7.7: the
//!   original's second `start()` spawns a second flusher and loses the first
//!   one's handle), and it *sees* a failed flush and backs off on the
//!   logical clock (R7.6: the original swallows every error inside the flush,
//!   so its back-off never runs);
//! - every accepted event is counted once: `written` when the sink
//!   acknowledges it, never as a failure that may later succeed too (R7.5);
//!   a record [`Producer::try_produce`] hands back because the buffer is full
//!   is counted in `rejected_full` (R7.4: the original's `buffer_overflows`
//!   counts inline flushes, not lost events).
//!
//! The component is runtime-agnostic async built on the [`super::sync`]
//! facade: it runs under tokio or any executor in production, and under
//! `loom::future::block_on` / shuttle in the model checks. Flushing is driven
//! by the caller: a flusher task awaits [`Producer::batch_ready`] (size
//! trigger) or its own timer, then calls [`Producer::flush_if_due`] with a
//! [`super::clock::Clock`] reading (interval trigger), e.g. with tokio:
//!
//! ```ignore
//! loop {
//!     tokio::select! { _ = producer.batch_ready() => {}, _ = interval.tick() => {} }
//!     if let Err(e) = producer.flush_if_due(clock.now()).await { log(e) } // retried next round
//!     if producer.is_closed() { break }
//! }
//! ```
//!
//! The one window no producer can close alone: if a flush is cancelled while
//! the sink is inside the write of one event, the producer cannot know
//! whether that event landed and re-sends it. A sink that can be cancelled
//! there must make writes idempotent by [`Event::seq`] (e.g. `XADD` with an
//! explicit id derived from it).
//!
//! # Invariants (asserted by the model checks)
//! - **no-event-lost**: every accepted event (`produce` returned its sequence
//!   number) has been written to the sink once a later [`Producer::flush`] or
//!   [`Producer::close`] returns `Ok` — also when an earlier write failed
//!   partway or an earlier flush future was dropped mid-write.
//! - **no-event-duplicated**: the sink receives each accepted event once; only
//!   the unacknowledged part of a batch is ever re-sent.
//! - **per-key-order**: per stream, the sink receives events in sequence
//!   (acceptance) order — one batch in flight at a time, and an unwritten
//!   remainder goes back to the front of the buffer.
//! - **buffer-bounded**: buffered plus in-flight events never exceed the
//!   capacity.
//! - **one-flusher**: at most one [`Flusher`] of a producer exists at a time.
//! - **flusher-backs-off**: after `k` consecutive failed flush rounds, the
//!   flusher's next round is due no sooner than `flush_interval +
//!   Backoff::delay(k)` after the failed one.
//! - **counted-once**: once drained, `written == accepted`, and `written`
//!   equals the number of events the sink holds (no event counted both as
//!   failed and as written, none twice).

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;

use super::clock::Millis;
use super::sync::{Arc, Mutex, Notify};

/// One event as the caller hands it over: the stream (key) it belongs to and
/// its serialized payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub stream: String,
    pub payload: String,
}

impl Record {
    pub fn new(stream: impl Into<String>, payload: impl Into<String>) -> Self {
        Self {
            stream: stream.into(),
            payload: payload.into(),
        }
    }
}

/// An accepted event: the record plus its per-producer sequence number, which
/// orders every event the producer accepted (and so every stream's events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub seq: u64,
    pub stream: String,
    pub payload: String,
}

/// Sizes and timing of a producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerConfig {
    /// Most events buffered or in flight at once.
    pub capacity: usize,
    /// Most events per sink write; a full batch makes a flush due.
    pub batch_size: usize,
    /// A non-empty buffer is flushed at least this often (by `flush_if_due`).
    pub flush_interval: Millis,
}

impl ProducerConfig {
    /// The original's batch size (100) and interval (5 s), with a bound of
    /// ten batches, which the original lacked (R7.4).
    pub const ORIGINAL: ProducerConfig = ProducerConfig {
        capacity: 1_000,
        batch_size: 100,
        flush_interval: 5_000,
    };
}

impl Default for ProducerConfig {
    fn default() -> Self {
        Self::ORIGINAL
    }
}

/// A configuration the producer cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("capacity must be at least 1")]
    ZeroCapacity,
    #[error("batch_size must be between 1 and capacity ({capacity}), got {batch_size}")]
    BatchSize { batch_size: usize, capacity: usize },
}

/// Why [`Producer::try_produce`] did not accept a record (it is handed back).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TryProduceError {
    #[error("buffer full ({capacity} events pending); flush, or await produce() to wait")]
    Full { capacity: usize, record: Record },
    #[error("producer closed; the event was not accepted")]
    Closed { record: Record },
}

impl TryProduceError {
    /// The record that was not accepted.
    pub fn into_record(self) -> Record {
        match self {
            TryProduceError::Full { record, .. } | TryProduceError::Closed { record } => record,
        }
    }
}

/// [`Producer::produce`] on a closed producer: the record is handed back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("producer closed; the event was not accepted")]
pub struct Closed {
    pub record: Record,
}

/// A sink write that failed; how much of the batch landed is in [`Acked`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sink write failed: {reason}")]
pub struct WriteError {
    pub reason: String,
}

impl WriteError {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// A flush whose write failed. The acknowledged prefix is committed; the
/// rest is back at the front of the buffer for the next flush.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "flush wrote {written} events, then failed; {requeued} are back at the front of the buffer"
)]
pub struct FlushError {
    pub written: usize,
    pub requeued: usize,
    #[source]
    pub source: WriteError,
}

/// [`ProducerCore::take_batch`] while another batch is in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a batch is already in flight; one flush at a time keeps each stream in order")]
pub struct FlushInFlight;

/// The prefix of a batch the sink has made durable, acknowledged in order.
///
/// A sink calls [`Acked::ack`] as soon as events are durable, so a flush that
/// fails or is cancelled later re-sends only what was not acknowledged.
#[derive(Debug, Default)]
pub struct Acked {
    count: usize,
}

impl Acked {
    /// `events` more events of the batch (the next ones, in order) are durable.
    pub fn ack(&mut self, events: usize) {
        self.count = self.count.saturating_add(events);
    }

    /// Events acknowledged so far.
    pub fn count(&self) -> usize {
        self.count
    }
}

/// Where batches go (DragonflyDB streams in the original).
pub trait Sink: Send + Sync {
    /// Writes `batch` in order. `Ok` means every event is durable; on `Err`,
    /// and if the future is dropped before it completes, exactly the first
    /// `acked.count()` events are taken as durable and the rest are re-sent
    /// by a later flush.
    fn write<'a>(
        &'a self,
        batch: &'a [Event],
        acked: &'a mut Acked,
    ) -> impl Future<Output = Result<(), WriteError>> + Send + 'a;
}

/// Counters of a producer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProducerStats {
    /// Events accepted (each got a sequence number).
    pub accepted: u64,
    /// Events the sink acknowledged (each counted once).
    pub written: u64,
    /// Sink writes that returned an error.
    pub failed_writes: u64,
    /// Flushes dropped (cancelled) while their batch was in flight.
    pub cancelled_flushes: u64,
    /// Events put back at the front of the buffer after a failed or
    /// cancelled write (an event retried twice counts twice). Not a loss:
    /// a requeued event is still pending and later counts in `written`.
    pub requeued: u64,
    /// Records [`Producer::try_produce`] handed back because the buffer was
    /// full: the events the caller had to drop or retry (never accepted).
    pub rejected_full: u64,
}

/// How an in-flight batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlightEnd {
    /// The sink wrote the whole batch.
    Written,
    /// The sink returned an error.
    Failed,
    /// The flush future was dropped mid-write.
    Cancelled,
}

/// The producer's logic, unsynchronised: one owner, `&mut self`.
///
/// The buffer is always in sequence order: new events go to the back, an
/// unwritten remainder (always older than everything buffered) to the front.
#[derive(Debug, Clone)]
pub struct ProducerCore {
    config: ProducerConfig,
    buffer: VecDeque<Event>,
    /// Size of the batch in flight, if any.
    in_flight: Option<usize>,
    next_seq: u64,
    closed: bool,
    /// A [`Flusher`] exists.
    flusher: bool,
    last_interval_flush: Millis,
    stats: ProducerStats,
}

impl ProducerCore {
    /// A producer whose interval starts at `now`.
    pub fn new(config: ProducerConfig, now: Millis) -> Result<Self, ConfigError> {
        if config.capacity == 0 {
            return Err(ConfigError::ZeroCapacity);
        }
        if config.batch_size == 0 || config.batch_size > config.capacity {
            return Err(ConfigError::BatchSize {
                batch_size: config.batch_size,
                capacity: config.capacity,
            });
        }
        Ok(Self {
            config,
            buffer: VecDeque::with_capacity(config.capacity),
            in_flight: None,
            next_seq: 0,
            closed: false,
            flusher: false,
            last_interval_flush: now,
            stats: ProducerStats::default(),
        })
    }

    pub fn config(&self) -> ProducerConfig {
        self.config
    }

    /// Events buffered or in flight: what the capacity bounds.
    pub fn pending(&self) -> usize {
        self.buffer.len() + self.in_flight.unwrap_or(0)
    }

    /// Events waiting in the buffer (not in flight).
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    pub fn is_flushing(&self) -> bool {
        self.in_flight.is_some()
    }

    /// The sequence number the next accepted event gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub fn stats(&self) -> ProducerStats {
        self.stats
    }

    /// Accepts `record` if the producer is open and below capacity.
    pub fn try_push(&mut self, record: Record) -> Result<u64, TryProduceError> {
        if self.closed {
            return Err(TryProduceError::Closed { record });
        }
        if self.pending() >= self.config.capacity {
            return Err(TryProduceError::Full {
                capacity: self.config.capacity,
                record,
            });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.buffer.push_back(Event {
            seq,
            stream: record.stream,
            payload: record.payload,
        });
        self.stats.accepted += 1;
        Ok(seq)
    }

    /// A full batch is waiting.
    pub fn batch_ready(&self) -> bool {
        self.buffer.len() >= self.config.batch_size
    }

    /// A flush is due at `now`: a full batch is waiting, or the buffer is
    /// non-empty and the interval has passed since the last interval flush.
    pub fn flush_due(&self, now: Millis) -> bool {
        self.batch_ready()
            || (!self.buffer.is_empty()
                && now.saturating_sub(self.last_interval_flush) >= self.config.flush_interval)
    }

    /// [`Self::flush_due`], and if so restarts the interval at `now`.
    pub fn start_flush_if_due(&mut self, now: Millis) -> bool {
        let due = self.flush_due(now);
        if due {
            self.last_interval_flush = now;
        }
        due
    }

    /// Takes the next batch (at most `batch_size` events with `seq < before`)
    /// from the front of the buffer and marks it in flight. An empty batch
    /// marks nothing. Every taken batch must be handed back to
    /// [`Self::finish`].
    pub fn take_batch(&mut self, before: u64) -> Result<Vec<Event>, FlushInFlight> {
        if self.in_flight.is_some() {
            return Err(FlushInFlight);
        }
        let n = self
            .buffer
            .iter()
            .take(self.config.batch_size)
            .take_while(|e| e.seq < before)
            .count();
        if n > 0 {
            self.in_flight = Some(n);
        }
        Ok(self.buffer.drain(..n).collect())
    }

    /// Ends the batch in flight: its first `written` events are committed,
    /// the rest go back to the front of the buffer, in order. Returns how
    /// many were put back.
    pub fn finish(&mut self, mut batch: Vec<Event>, written: usize, end: FlightEnd) -> usize {
        let written = written.min(batch.len());
        self.in_flight = None;
        self.stats.written += written as u64;
        match end {
            FlightEnd::Written => {}
            FlightEnd::Failed => self.stats.failed_writes += 1,
            FlightEnd::Cancelled => self.stats.cancelled_flushes += 1,
        }
        let unwritten = batch.drain(written..);
        let requeued = unwritten.len();
        for event in unwritten.rev() {
            self.buffer.push_front(event);
        }
        self.stats.requeued += requeued as u64;
        requeued
    }

    /// Stops accepting events. Returns whether it was open.
    pub fn close(&mut self) -> bool {
        !std::mem::replace(&mut self.closed, true)
    }

    /// Claims the one flusher slot; refused while a flusher exists.
    pub fn claim_flusher(&mut self) -> Result<(), FlusherRunning> {
        if std::mem::replace(&mut self.flusher, true) {
            return Err(FlusherRunning);
        }
        Ok(())
    }

    /// Frees the flusher slot (the [`Flusher`] was dropped).
    pub fn release_flusher(&mut self) {
        self.flusher = false;
    }

    /// Whether a flusher exists.
    pub fn has_flusher(&self) -> bool {
        self.flusher
    }
}

/// [`Producer::start_flusher`] while a flusher exists: one is enough, and a
/// second would race the first for the one in-flight slot (R7.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a flusher is already running for this producer; drop it before starting another")]
pub struct FlusherRunning;

/// The periodic flusher's back-off after failed flushes: `base · 2^(k-1)`
/// after the `k`-th consecutive failure, capped at `cap`, and a `pause`
/// (after which the count restarts) at `pause_after` failures. No jitter:
/// the delays are a pure function of the failure count, so they can be
/// checked on a logical clock; add jitter where the timer is armed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Millis,
    pub cap: Millis,
    pub pause_after: u32,
    pub pause: Millis,
}

impl Backoff {
    /// The original's intended (dead, R7.6) policy: 1 s doubling up to 60 s,
    /// a 60 s pause after 10 consecutive errors.
    pub const ORIGINAL: Backoff = Backoff {
        base: 1_000,
        cap: 60_000,
        pause_after: 10,
        pause: 60_000,
    };

    /// Extra wait after the `failures`-th consecutive failure (0 for none).
    pub fn delay(&self, failures: u32) -> Millis {
        match failures {
            0 => 0,
            k if k >= self.pause_after => self.pause,
            k => self
                .base
                .saturating_mul(1u64.checked_shl(k - 1).unwrap_or(u64::MAX))
                .min(self.cap),
        }
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::ORIGINAL
    }
}

/// What one [`Flusher::round`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    /// Events this round wrote.
    pub written: usize,
    /// The round's flush failed (its unwritten events are buffered again).
    pub failed: Option<FlushError>,
    /// Failed rounds in a row, this one included.
    pub consecutive_failures: u32,
    /// When the next round is due: one interval after this one, plus the
    /// back-off while failing. Until then, wait for the timer only (not for
    /// [`Producer::batch_ready`]), or the back-off is void.
    pub next: Millis,
    /// The producer is closed and drained: the flusher can stop.
    pub drained: bool,
}

/// What a waiter is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// Room in the buffer (or closed): blocked producers.
    Space,
    /// No batch in flight: flushes.
    Slot,
    /// A full batch (or closed): flusher tasks.
    Ready,
}

/// Which waiter classes are registered (or must be woken).
#[derive(Debug, Default, Clone, Copy)]
struct Waiting {
    space: bool,
    slot: bool,
    ready: bool,
}

impl Waiting {
    fn flag(&mut self, wait: Wait) -> &mut bool {
        match wait {
            Wait::Space => &mut self.space,
            Wait::Slot => &mut self.slot,
            Wait::Ready => &mut self.ready,
        }
    }
}

#[derive(Debug)]
struct State {
    core: ProducerCore,
    /// Set by a waiter that found its condition false (after reading the
    /// epoch); cleared, with a notify, by the change that makes it true. So
    /// uncontended operations never touch the [`Notify`]s.
    waiting: Waiting,
}

impl State {
    fn satisfied(&self, wait: Wait) -> bool {
        let core = &self.core;
        match wait {
            Wait::Space => core.closed || core.pending() < core.config.capacity,
            Wait::Slot => core.in_flight.is_none(),
            Wait::Ready => core.closed || core.batch_ready(),
        }
    }

    /// Clears and returns the waiters whose condition now holds.
    fn wakeups(&mut self) -> Waiting {
        let mut wake = Waiting::default();
        for wait in [Wait::Space, Wait::Slot, Wait::Ready] {
            if *self.waiting.flag(wait) && self.satisfied(wait) {
                *self.waiting.flag(wait) = false;
                *wake.flag(wait) = true;
            }
        }
        wake
    }
}

struct Shared<S> {
    state: Mutex<State>,
    space: Notify,
    slot: Notify,
    ready: Notify,
    sink: S,
}

impl<S> Shared<S> {
    fn notify(&self, wait: Wait) -> &Notify {
        match wait {
            Wait::Space => &self.space,
            Wait::Slot => &self.slot,
            Wait::Ready => &self.ready,
        }
    }

    /// Runs `f` in one critical section, then wakes whoever it unblocked.
    fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let (out, mut wake) = {
            let mut state = self.state.lock();
            let out = f(&mut state);
            (out, state.wakeups())
        };
        for wait in [Wait::Space, Wait::Slot, Wait::Ready] {
            if *wake.flag(wait) {
                self.notify(wait).notify_all();
            }
        }
        out
    }

    /// Retries `attempt` (one critical section each) until it succeeds,
    /// sleeping on `wait`'s [`Notify`] in between. `attempt` fails exactly
    /// when `wait`'s condition is false.
    async fn wait_for<T>(
        &self,
        wait: Wait,
        mut attempt: impl FnMut(&mut ProducerCore) -> Option<T>,
    ) -> T {
        loop {
            if let Some(out) = self.update(|state| attempt(&mut state.core)) {
                return out;
            }
            let notify = self.notify(wait);
            // Epoch first, then the re-test and registration: a wake-up after
            // this line completes the wait below.
            let epoch = notify.epoch();
            let got = self.update(|state| {
                let got = attempt(&mut state.core);
                if got.is_none() {
                    *state.waiting.flag(wait) = true;
                }
                got
            });
            if let Some(out) = got {
                return out;
            }
            notify.changed_since(epoch).await;
        }
    }
}

/// The batch in flight; dropping it (on success, error or cancellation)
/// commits the acknowledged prefix and re-buffers the rest at the front.
struct InFlight<'a, S> {
    shared: &'a Shared<S>,
    batch: Vec<Event>,
    acked: Acked,
    end: FlightEnd,
}

impl<S> Drop for InFlight<'_, S> {
    fn drop(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        let (written, end) = (self.acked.count(), self.end);
        self.shared
            .update(|state| state.core.finish(batch, written, end));
    }
}

/// The shared producer: a handle; clones share one buffer and one sink.
pub struct Producer<S> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for Producer<S> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S: Sink> Producer<S> {
    /// A producer writing to `sink`, whose flush interval starts at `now`.
    pub fn new(config: ProducerConfig, sink: S, now: Millis) -> Result<Self, ConfigError> {
        let core = ProducerCore::new(config, now)?;
        Ok(Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    core,
                    waiting: Waiting::default(),
                }),
                space: Notify::new(),
                slot: Notify::new(),
                ready: Notify::new(),
                sink,
            }),
        })
    }

    /// Accepts `record` now or hands it back (full or closed). A record
    /// handed back because the buffer is full counts in
    /// [`ProducerStats::rejected_full`].
    pub fn try_produce(&self, record: Record) -> Result<u64, TryProduceError> {
        self.shared.update(|state| {
            let out = state.core.try_push(record);
            if matches!(out, Err(TryProduceError::Full { .. })) {
                state.core.stats.rejected_full += 1;
            }
            out
        })
    }

    /// The producer's one periodic flusher (R7.7: the original's `start()`
    /// spawns another on every call). Refused while one exists; dropping the
    /// [`Flusher`] frees the slot. Run its [`Flusher::round`]s from one task.
    pub fn start_flusher(&self, backoff: Backoff) -> Result<Flusher<S>, FlusherRunning> {
        self.shared.update(|state| state.core.claim_flusher())?;
        Ok(Flusher {
            producer: self.clone(),
            backoff,
            failures: 0,
        })
    }

    /// Whether a [`Flusher`] exists.
    pub fn has_flusher(&self) -> bool {
        self.shared.state.lock().core.has_flusher()
    }

    /// Accepts `record`, waiting while the buffer is full (backpressure).
    /// Returns its sequence number, or the record if the producer is (or
    /// gets) closed first. Dropping the future before it completes leaves
    /// nothing behind: the record was either accepted or not.
    pub async fn produce(&self, record: Record) -> Result<u64, Closed> {
        let mut held = Some(record);
        self.shared
            .wait_for(Wait::Space, |core| {
                // `held` is refilled on every failed attempt, so it is Some.
                let record = held.take()?;
                match core.try_push(record) {
                    Ok(seq) => Some(Ok(seq)),
                    Err(TryProduceError::Closed { record }) => Some(Err(Closed { record })),
                    Err(TryProduceError::Full { record, .. }) => {
                        held = Some(record);
                        None
                    }
                }
            })
            .await
    }

    /// Completes once a full batch is buffered or the producer is closed: the
    /// size trigger for a flusher task.
    pub async fn batch_ready(&self) {
        self.shared
            .wait_for(Wait::Ready, |core| {
                (core.closed || core.batch_ready()).then_some(())
            })
            .await
    }

    /// Writes every event accepted before the call, batch by batch, one batch
    /// in flight at a time (waiting for another flush's batch first). Returns
    /// the number of events this call wrote. On a write error the unwritten
    /// events are back at the front of the buffer and the next flush retries
    /// them; a dropped (cancelled) flush leaves them there too.
    pub async fn flush(&self) -> Result<usize, FlushError> {
        let before = self.shared.state.lock().core.next_seq();
        let mut written = 0;
        loop {
            let batch = self
                .shared
                .wait_for(Wait::Slot, |core| core.take_batch(before).ok())
                .await;
            if batch.is_empty() {
                return Ok(written);
            }
            written += self.write_batch(batch).await?;
        }
    }

    /// [`Self::flush`] if a flush is due at `now` (full batch or interval
    /// elapsed), else nothing.
    pub async fn flush_if_due(&self, now: Millis) -> Result<usize, FlushError> {
        if self
            .shared
            .update(|state| state.core.start_flush_if_due(now))
        {
            self.flush().await
        } else {
            Ok(0)
        }
    }

    /// Whether a flush is due at `now`.
    pub fn flush_due(&self, now: Millis) -> bool {
        self.shared.state.lock().core.flush_due(now)
    }

    /// Rejects further events (waking blocked producers with [`Closed`]) and
    /// flushes everything accepted. If the final flush fails, the events stay
    /// buffered and `close` (or `flush`) can be called again.
    pub async fn close(&self) -> Result<usize, FlushError> {
        self.shared.update(|state| state.core.close());
        self.flush().await
    }

    async fn write_batch(&self, batch: Vec<Event>) -> Result<usize, FlushError> {
        let len = batch.len();
        let mut flight = InFlight {
            shared: &self.shared,
            batch,
            acked: Acked::default(),
            end: FlightEnd::Cancelled,
        };
        let result = {
            let InFlight { batch, acked, .. } = &mut flight;
            self.shared.sink.write(batch, acked).await
        };
        match result {
            Ok(()) => {
                flight.acked.count = len;
                flight.end = FlightEnd::Written;
                Ok(len)
            }
            Err(source) => {
                flight.end = FlightEnd::Failed;
                let written = flight.acked.count().min(len);
                drop(flight);
                Err(FlushError {
                    written,
                    requeued: len - written,
                    source,
                })
            }
        }
    }

    /// Events buffered or in flight.
    pub fn pending(&self) -> usize {
        self.shared.state.lock().core.pending()
    }

    pub fn is_closed(&self) -> bool {
        self.shared.state.lock().core.is_closed()
    }

    /// Closed, and every accepted event written: a flusher task can stop.
    pub fn is_drained(&self) -> bool {
        let state = self.shared.state.lock();
        state.core.is_closed() && state.core.pending() == 0
    }

    pub fn stats(&self) -> ProducerStats {
        self.shared.state.lock().core.stats()
    }

    pub fn config(&self) -> ProducerConfig {
        self.shared.state.lock().core.config()
    }

    /// The sink, e.g. to read what a test sink received.
    pub fn sink(&self) -> &S {
        &self.shared.sink
    }
}

/// The periodic flusher of one producer (at most one exists, see
/// [`Producer::start_flusher`]). Each [`Flusher::round`] flushes if a flush
/// is due and says when the next round is; unlike the original, whose flush
/// swallows every error (R7.6), a failed flush is counted here and delays the
/// next round by the [`Backoff`].
pub struct Flusher<S: Sink> {
    producer: Producer<S>,
    backoff: Backoff,
    failures: u32,
}

impl<S: Sink> Flusher<S> {
    /// One round at `now`: flushes if due (full batch or interval elapsed).
    /// A round that writes resets the failure count; a failed one raises it
    /// and pushes `next` back by the back-off.
    pub async fn round(&mut self, now: Millis) -> Round {
        let interval = self.producer.config().flush_interval;
        let (written, failed) = match self.producer.flush_if_due(now).await {
            Ok(written) => {
                if written > 0 {
                    self.failures = 0;
                }
                (written, None)
            }
            Err(e) => {
                self.failures = self.failures.saturating_add(1);
                (e.written, Some(e))
            }
        };
        let consecutive_failures = self.failures;
        let delay = self.backoff.delay(consecutive_failures);
        if consecutive_failures >= self.backoff.pause_after {
            self.failures = 0;
        }
        Round {
            written,
            failed,
            consecutive_failures,
            next: now.saturating_add(interval).saturating_add(delay),
            drained: self.producer.is_drained(),
        }
    }

    pub fn producer(&self) -> &Producer<S> {
        &self.producer
    }
}

impl<S: Sink> Drop for Flusher<S> {
    fn drop(&mut self) {
        self.producer
            .shared
            .update(|state| state.core.release_flusher());
    }
}

impl<S: Sink> fmt::Debug for Flusher<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flusher")
            .field("failures", &self.failures)
            .finish()
    }
}

impl<S> fmt::Debug for Producer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("Producer")
            .field("pending", &state.core.pending())
            .field("closed", &state.core.closed)
            .field("stats", &state.core.stats)
            .finish()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::super::clock::{Clock, ManualClock};
    use super::super::sync::block_on;
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const SMALL: ProducerConfig = ProducerConfig {
        capacity: 4,
        batch_size: 2,
        flush_interval: 100,
    };

    /// Returns `Pending` once (waking itself), then `Ready`.
    struct YieldOnce(bool);

    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    /// Logs what it receives, one event at a time; fails (after writing
    /// `fail_after` events) while `failures` remain; yields before each event
    /// when `yielding`.
    #[derive(Default)]
    struct TestSink {
        log: Mutex<Vec<Event>>,
        failures: Mutex<usize>,
        fail_after: usize,
        yielding: bool,
    }

    impl Sink for TestSink {
        async fn write(&self, batch: &[Event], acked: &mut Acked) -> Result<(), WriteError> {
            for (i, event) in batch.iter().enumerate() {
                if i == self.fail_after {
                    let mut failures = self.failures.lock();
                    if *failures > 0 {
                        *failures -= 1;
                        return Err(WriteError::new("connection reset"));
                    }
                }
                if self.yielding {
                    YieldOnce(false).await;
                }
                self.log.lock().push(event.clone());
                acked.ack(1);
            }
            Ok(())
        }
    }

    fn seqs(sink: &TestSink) -> Vec<u64> {
        sink.log.lock().iter().map(|e| e.seq).collect()
    }

    fn record(i: usize) -> Record {
        Record::new(format!("s{}", i % 2), format!("p{i}"))
    }

    #[test]
    fn config_is_validated() -> TestResult {
        let zero = ProducerConfig {
            capacity: 0,
            ..SMALL
        };
        assert_eq!(
            ProducerCore::new(zero, 0).err(),
            Some(ConfigError::ZeroCapacity)
        );
        let big_batch = ProducerConfig {
            batch_size: 5,
            ..SMALL
        };
        assert!(matches!(
            ProducerCore::new(big_batch, 0),
            Err(ConfigError::BatchSize { .. })
        ));
        Ok(())
    }

    #[test]
    fn core_bounds_the_buffer_and_requeues_at_the_front() -> TestResult {
        let mut core = ProducerCore::new(SMALL, 0)?;
        for i in 0..4 {
            assert_eq!(core.try_push(record(i)), Ok(i as u64));
        }
        assert!(matches!(
            core.try_push(record(4)),
            Err(TryProduceError::Full { capacity: 4, .. })
        ));
        let batch = core.take_batch(u64::MAX)?;
        assert_eq!(batch.len(), 2);
        assert_eq!(core.take_batch(u64::MAX), Err(FlushInFlight));
        // In-flight events still count against the capacity.
        assert!(core.try_push(record(4)).is_err());
        assert_eq!(core.finish(batch, 1, FlightEnd::Failed), 1);
        assert_eq!(core.pending(), 3);
        let next: Vec<u64> = core.take_batch(u64::MAX)?.iter().map(|e| e.seq).collect();
        assert_eq!(
            next,
            vec![1, 2],
            "the unwritten event goes back to the front"
        );
        assert_eq!(core.stats().written, 1);
        assert_eq!(core.stats().requeued, 1);
        Ok(())
    }

    #[test]
    fn take_batch_stops_at_the_cutoff() -> TestResult {
        let mut core = ProducerCore::new(SMALL, 0)?;
        for i in 0..3 {
            core.try_push(record(i))?;
        }
        let batch = core.take_batch(1)?;
        assert_eq!(batch.len(), 1);
        core.finish(batch, 1, FlightEnd::Written);
        assert!(core.take_batch(1)?.is_empty());
        assert!(!core.is_flushing(), "an empty batch takes no slot");
        Ok(())
    }

    #[test]
    fn flush_is_due_by_size_or_interval() -> TestResult {
        let clock = ManualClock::new(0);
        let mut core = ProducerCore::new(SMALL, clock.now())?;
        assert!(!core.flush_due(clock.now()));
        core.try_push(record(0))?;
        assert!(!core.flush_due(clock.now()));
        clock.advance(100);
        assert!(core.start_flush_if_due(clock.now()));
        assert!(!core.flush_due(clock.now()), "the interval restarted");
        core.try_push(record(1))?;
        assert!(core.flush_due(clock.now()), "a full batch is due at once");
        Ok(())
    }

    #[test]
    fn close_rejects_and_drains() -> TestResult {
        let producer = Producer::new(SMALL, TestSink::default(), 0)?;
        for i in 0..3 {
            block_on(producer.produce(record(i)))?;
        }
        assert_eq!(block_on(producer.close()), Ok(3));
        assert!(block_on(producer.produce(record(3))).is_err());
        assert!(matches!(
            producer.try_produce(record(3)),
            Err(TryProduceError::Closed { .. })
        ));
        assert_eq!(seqs(producer.sink()), vec![0, 1, 2]);
        assert_eq!(producer.pending(), 0);
        Ok(())
    }

    #[test]
    fn a_failed_write_resends_only_the_unacknowledged_part() -> TestResult {
        let sink = TestSink {
            failures: Mutex::new(1),
            fail_after: 1,
            ..TestSink::default()
        };
        let producer = Producer::new(SMALL, sink, 0)?;
        for i in 0..3 {
            producer.try_produce(record(i))?;
        }
        let Err(err) = block_on(producer.flush()) else {
            return Err("the first write must fail".into());
        };
        assert_eq!((err.written, err.requeued), (1, 1));
        assert_eq!(producer.pending(), 2);
        assert_eq!(block_on(producer.flush()), Ok(2));
        assert_eq!(seqs(producer.sink()), vec![0, 1, 2]);
        let stats = producer.stats();
        assert_eq!((stats.written, stats.failed_writes), (3, 1));
        Ok(())
    }

    #[test]
    fn a_cancelled_flush_loses_and_duplicates_nothing() -> TestResult {
        let sink = TestSink {
            yielding: true,
            ..TestSink::default()
        };
        let producer = Producer::new(SMALL, sink, 0)?;
        for i in 0..4 {
            producer.try_produce(record(i))?;
        }
        {
            let mut flush = pin!(producer.flush());
            let mut cx = Context::from_waker(Waker::noop());
            // Poll 1: first event pending; poll 2: it is written, the second pending.
            assert!(flush.as_mut().poll(&mut cx).is_pending());
            assert!(flush.as_mut().poll(&mut cx).is_pending());
        } // cancelled here
        assert_eq!(seqs(producer.sink()), vec![0]);
        assert_eq!(producer.pending(), 3);
        assert_eq!(producer.stats().cancelled_flushes, 1);
        assert_eq!(block_on(producer.close()), Ok(3));
        assert_eq!(seqs(producer.sink()), vec![0, 1, 2, 3]);
        Ok(())
    }

    #[test]
    fn produce_waits_for_room_until_a_flush() -> TestResult {
        let producer = Producer::new(SMALL, TestSink::default(), 0)?;
        for i in 0..4 {
            producer.try_produce(record(i))?;
        }
        let blocked = {
            let producer = producer.clone();
            std::thread::spawn(move || block_on(producer.produce(record(4))))
        };
        block_on(producer.batch_ready());
        let mut written = 0;
        while written < 5 {
            written += block_on(producer.flush())?;
        }
        assert_eq!(
            blocked.join().map_err(|_| "producer thread panicked")?,
            Ok(4)
        );
        assert_eq!(seqs(producer.sink()), vec![0, 1, 2, 3, 4]);
        Ok(())
    }

    #[test]
    fn close_wakes_a_blocked_producer_with_its_record() -> TestResult {
        let config = ProducerConfig {
            capacity: 1,
            batch_size: 1,
            ..SMALL
        };
        let producer = Producer::new(config, TestSink::default(), 0)?;
        producer.try_produce(record(0))?;
        let blocked = {
            let producer = producer.clone();
            std::thread::spawn(move || block_on(producer.produce(record(1))))
        };
        let _ = block_on(producer.close());
        let outcome = blocked.join().map_err(|_| "producer thread panicked")?;
        // Either it got in before close (and was drained) or it was handed back.
        match outcome {
            Ok(seq) => assert!(seqs(producer.sink()).contains(&seq)),
            Err(Closed { record: r }) => assert_eq!(r, record(1)),
        }
        Ok(())
    }

    #[test]
    fn flush_if_due_uses_the_clock() -> TestResult {
        let clock = ManualClock::new(0);
        let producer = Producer::new(SMALL, TestSink::default(), clock.now())?;
        producer.try_produce(record(0))?;
        assert_eq!(block_on(producer.flush_if_due(clock.now())), Ok(0));
        clock.advance(100);
        assert!(producer.flush_due(clock.now()));
        assert_eq!(block_on(producer.flush_if_due(clock.now())), Ok(1));
        Ok(())
    }

    #[test]
    fn one_flusher_at_a_time() -> TestResult {
        let producer = Producer::new(SMALL, TestSink::default(), 0)?;
        let flusher = producer.start_flusher(Backoff::ORIGINAL)?;
        assert_eq!(
            producer.start_flusher(Backoff::ORIGINAL).err(),
            Some(FlusherRunning)
        );
        assert!(producer.has_flusher());
        drop(flusher);
        assert!(!producer.has_flusher());
        assert!(producer.start_flusher(Backoff::ORIGINAL).is_ok());
        Ok(())
    }

    #[test]
    fn backoff_doubles_caps_and_pauses() {
        let b = Backoff::ORIGINAL;
        let delays: Vec<Millis> = (0..=10).map(|k| b.delay(k)).collect();
        assert_eq!(
            delays,
            [
                0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000
            ]
        );
        assert_eq!(b.delay(u32::MAX), b.pause);
    }

    #[test]
    fn the_flusher_backs_off_while_the_sink_fails() -> TestResult {
        let sink = TestSink {
            failures: Mutex::new(2),
            ..TestSink::default()
        };
        let producer = Producer::new(SMALL, sink, 0)?;
        producer.try_produce(record(0))?;
        let mut flusher = producer.start_flusher(Backoff::ORIGINAL)?;
        let first = block_on(flusher.round(100));
        assert!(first.failed.is_some());
        assert_eq!(
            (first.consecutive_failures, first.next),
            (1, 100 + 100 + 1_000)
        );
        let second = block_on(flusher.round(first.next));
        assert_eq!(second.consecutive_failures, 2);
        assert_eq!(second.next, first.next + 100 + 2_000);
        let third = block_on(flusher.round(second.next));
        assert_eq!((third.written, third.consecutive_failures), (1, 0));
        assert_eq!(third.next, second.next + 100);
        let stats = producer.stats();
        assert_eq!((stats.accepted, stats.written), (1, 1), "counted once");
        Ok(())
    }

    #[test]
    fn full_rejections_are_counted() -> TestResult {
        let producer = Producer::new(SMALL, TestSink::default(), 0)?;
        for i in 0..5 {
            let _ = producer.try_produce(record(i));
        }
        let stats = producer.stats();
        assert_eq!((stats.accepted, stats.rejected_full), (4, 1));
        Ok(())
    }

    #[test]
    fn futures_are_send() -> TestResult {
        fn send<T: Send>(_: &T) {}
        let producer = Producer::new(SMALL, TestSink::default(), 0)?;
        send(&producer.flush());
        send(&producer.produce(record(0)));
        send(&producer.close());
        let mut flusher = producer.start_flusher(Backoff::ORIGINAL)?;
        send(&flusher.round(0));
        Ok(())
    }
}
