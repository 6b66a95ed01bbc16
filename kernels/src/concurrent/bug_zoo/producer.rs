//! `R7.1`–`R7.7` — the original `StreamProducer`
//! (`server/streaming/stream_producer.py`, catalog §7), ported as written.
//!
//! - **R7.1** `_flush_buffer` copies and clears the whole buffer *before* its
//!   awaits. When `stop()` cancels the periodic flusher mid-write (a
//!   `CancelledError` bypasses `except Exception`), the not-yet-sent part of
//!   the snapshot exists nowhere any more: the final flush only sees the
//!   buffer. Here: dropping the [`PyStreamProducer::flush_buffer`] future
//!   mid-write drops the snapshot.
//! - **R7.2** a failing `XADD` is logged and counted, and the event is
//!   discarded: at-most-once delivery, never retried.
//! - **R7.3** a failure *before* sending (getting the client) re-buffers the
//!   batch with `extend`, i.e. *behind* events produced while the flush was
//!   awaiting, so a stream's events come out of order.
//!
//! - **R7.4** the buffer has no bound: while the sink is down every batch is
//!   re-buffered, and once it holds `buffer_size` events *every*
//!   `produce_event` (l.147–149) bumps `buffer_overflows` — which counts
//!   these inline flushes, not lost events — and runs another failing flush.
//! - **R7.5** a batch whose client connection fails adds its size to
//!   `events_failed` (l.335) and is re-buffered; when a later flush writes
//!   it, it counts as `events_produced` too, so `produced + failed` exceeds
//!   the events produced (a batch failing k times counts k times).
//! - **R7.6** `_periodic_flush` (l.273–286) backs off exponentially after an
//!   exception and pauses after ten, but `_flush_buffer` catches every
//!   `Exception` itself (l.331), so no exception ever reaches it: while the
//!   sink is down the flusher retries at the plain interval
//!   ([`PyStreamProducer::periodic_round`]).
//! - **R7.7** `start()` (l.124) creates a flusher task and stores it in
//!   `_flush_task` without looking at the one already there: a second call
//!   runs two flushers, and `stop()` cancels only the second. There is no
//!   closed flag: `produce_event` during or after `stop()` appends to a
//!   buffer whose final snapshot has already been taken; the call returns
//!   normally, the event is never written.
//!
//! Python's asyncio makes every stretch between two awaits atomic; the port
//! gives each such stretch one critical section of a facade [`Mutex`], and
//! keeps every await where the original has one. A flusher *task* is a
//! thread that sleeps (a [`Condvar`] wait: its interval never elapses inside
//! a check) until it is cancelled; [`PyStreamProducer::periodic_round`] is
//! one iteration of its loop, driven on a logical clock by the checks.

use std::future::Future;

use super::super::clock::Millis;
use super::super::producer::{Event, Record, WriteError};
use super::super::sync::thread::{self, JoinHandle};
use super::super::sync::{Arc, Condvar, Mutex};

/// The DragonflyDB client as the original uses it.
pub trait StreamClient: Send + Sync {
    /// `await get_dragonfly_client()`: may fail before anything is sent.
    fn connect(&self) -> impl Future<Output = Result<(), WriteError>> + Send + '_;

    /// `await client.xadd(stream, event.to_dict(), maxlen=10000)`.
    fn xadd<'a>(
        &'a self,
        stream: &'a str,
        event: &'a Event,
    ) -> impl Future<Output = Result<(), WriteError>> + Send + 'a;
}

/// `self._stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PyStats {
    pub events_produced: u64,
    pub events_failed: u64,
    pub buffer_overflows: u64,
}

#[derive(Debug, Default)]
struct Buffer {
    /// `self._event_buffer`.
    events: Vec<Event>,
    /// Not in the original (events carry a timestamp id); numbers events in
    /// production order so the checks can see order and loss.
    next_seq: u64,
}

/// The flusher tasks, as the event loop sees them.
#[derive(Debug, Default)]
struct Tasks {
    /// `self._flush_task`: the cancel flag of the task it holds.
    flush_task: Option<Arc<Mutex<bool>>>,
    /// Every task created, for `stop`'s await and the event loop's teardown.
    handles: Vec<(Arc<Mutex<bool>>, JoinHandle<()>)>,
    /// Flusher tasks running now, and the most ever at once (observation).
    live: usize,
    peak: usize,
    /// The event loop is closing: every task ends (test teardown).
    closed: bool,
}

/// The original producer: unbounded buffer, swap-then-await flush.
#[derive(Debug)]
pub struct PyStreamProducer<C> {
    buffer: Mutex<Buffer>,
    stats: Mutex<PyStats>,
    /// `self.buffer_size` (100 in the original): an inline flush threshold.
    buffer_size: usize,
    /// `self.flush_interval` (5 s in the original).
    flush_interval: Millis,
    tasks: Arc<(Mutex<Tasks>, Condvar)>,
    client: C,
}

impl<C: StreamClient> PyStreamProducer<C> {
    pub fn new(buffer_size: usize, client: C) -> Self {
        Self {
            buffer: Mutex::new(Buffer::default()),
            stats: Mutex::new(PyStats::default()),
            buffer_size,
            flush_interval: 5_000,
            tasks: Arc::new((Mutex::new(Tasks::default()), Condvar::new())),
            client,
        }
    }

    /// `self.flush_interval`.
    pub fn flush_interval(&self) -> Millis {
        self.flush_interval
    }

    /// `start()` (l.120–125): `self._flush_task =
    /// asyncio.create_task(self._periodic_flush())`, whatever `_flush_task`
    /// held before (R7.7). The task sleeps until cancelled.
    pub fn start(&self) {
        let cancel = Arc::new(Mutex::new(false));
        let shared = Arc::clone(&self.tasks);
        let flag = Arc::clone(&cancel);
        {
            let mut tasks = self.tasks.0.lock();
            tasks.live += 1;
            tasks.peak = tasks.peak.max(tasks.live);
        }
        let handle = thread::spawn(move || {
            // `while True: await asyncio.sleep(self.flush_interval); ...`
            let (lock, wake) = &*shared;
            let mut tasks = lock.lock();
            while !*flag.lock() && !tasks.closed {
                tasks = wake.wait(tasks);
            }
            tasks.live -= 1;
        });
        let mut tasks = self.tasks.0.lock();
        tasks.flush_task = Some(Arc::clone(&cancel));
        tasks.handles.push((cancel, handle));
    }

    /// Flusher tasks running now.
    pub fn live_flushers(&self) -> usize {
        self.tasks.0.lock().live
    }

    /// Most flusher tasks ever running at once.
    pub fn peak_flushers(&self) -> usize {
        self.tasks.0.lock().peak
    }

    /// The event loop closes: every task ends; waits for them.
    pub fn close_loop(&self) {
        let handles = {
            let (lock, wake) = &*self.tasks;
            let mut tasks = lock.lock();
            tasks.closed = true;
            wake.notify_all();
            std::mem::take(&mut tasks.handles)
        };
        for (_, handle) in handles {
            let _ = handle.join();
        }
    }

    /// `produce_event`: append; at `buffer_size` count an "overflow" and flush
    /// inline. Returns the event's sequence number.
    pub async fn produce_event(&self, record: Record) -> u64 {
        let (seq, full) = {
            let mut buffer = self.buffer.lock();
            let seq = buffer.next_seq;
            buffer.next_seq += 1;
            buffer.events.push(Event {
                seq,
                stream: record.stream,
                payload: record.payload,
            });
            (seq, buffer.events.len() >= self.buffer_size)
        };
        if full {
            self.stats.lock().buffer_overflows += 1;
            self.flush_buffer().await;
        }
        seq
    }

    /// `_flush_buffer`, as written.
    pub async fn flush_buffer(&self) {
        // events_to_flush = self._event_buffer.copy(); self._event_buffer.clear()
        let events_to_flush = {
            let mut buffer = self.buffer.lock();
            if buffer.events.is_empty() {
                return;
            }
            std::mem::take(&mut buffer.events)
        };
        // R7.1: from here on the snapshot lives only in this future.
        if self.client.connect().await.is_err() {
            // except Exception: self._event_buffer.extend(events_to_flush)  (R7.3)
            let failed = events_to_flush.len() as u64;
            self.buffer.lock().events.extend(events_to_flush);
            self.stats.lock().events_failed += failed;
            return;
        }
        // streams = {}; streams.setdefault(event.stream_name, []).append(event)
        let mut streams: Vec<(String, Vec<Event>)> = Vec::new();
        for event in events_to_flush {
            match streams.iter_mut().find(|(name, _)| *name == event.stream) {
                Some((_, events)) => events.push(event),
                None => streams.push((event.stream.clone(), vec![event])),
            }
        }
        for (stream, events) in &streams {
            for event in events {
                match self.client.xadd(stream, event).await {
                    Ok(()) => self.stats.lock().events_produced += 1,
                    // R7.2: logged, counted, dropped.
                    Err(_) => self.stats.lock().events_failed += 1,
                }
            }
        }
    }

    /// One iteration of `_periodic_flush` (l.273–286) at `now`, after its
    /// `await asyncio.sleep(self.flush_interval)`; returns when the next one
    /// is due. As written: `try: await self._flush_buffer();
    /// consecutive_errors = 0` — and the `except Exception` branch with the
    /// back-off and the pause is dead, since `_flush_buffer` never raises
    /// (R7.6). So the next round is always one interval later.
    pub async fn periodic_round(&self, now: Millis, consecutive_errors: &mut u32) -> Millis {
        self.flush_buffer().await;
        *consecutive_errors = 0;
        now.saturating_add(self.flush_interval)
    }

    /// `stop()` (l.127–139): cancel the task `_flush_task` holds and await
    /// it (only the latest one: R7.7), then the final flush, which only sees
    /// what is in the buffer *now*; nothing stops `produce_event` from
    /// appending afterwards.
    pub async fn stop(&self) {
        let task = {
            let (lock, wake) = &*self.tasks;
            let mut tasks = lock.lock();
            let task = tasks.flush_task.take();
            if let Some(cancel) = &task {
                *cancel.lock() = true;
                wake.notify_all();
            }
            task.and_then(|cancel| {
                let at = tasks
                    .handles
                    .iter()
                    .position(|(c, _)| Arc::ptr_eq(c, &cancel))?;
                Some(tasks.handles.swap_remove(at).1)
            })
        };
        if let Some(handle) = task {
            let _ = handle.join();
        }
        self.flush_buffer().await;
    }

    pub fn buffered(&self) -> usize {
        self.buffer.lock().events.len()
    }

    pub fn stats(&self) -> PyStats {
        *self.stats.lock()
    }

    pub fn client(&self) -> &C {
        &self.client
    }
}
