//! `R7.1`, `R7.2`, `R7.3` — the original `StreamProducer`
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
//! Python's asyncio makes every stretch between two awaits atomic; the port
//! gives each such stretch one critical section of a facade [`Mutex`], and
//! keeps every await where the original has one. The buffer is unbounded and
//! there is no closed flag, as in the original (R7.4, R7.7 are not modelled).

use std::future::Future;

use super::super::producer::{Event, Record, WriteError};
use super::super::sync::Mutex;

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

/// The original producer: unbounded buffer, swap-then-await flush.
#[derive(Debug)]
pub struct PyStreamProducer<C> {
    buffer: Mutex<Buffer>,
    stats: Mutex<PyStats>,
    /// `self.buffer_size` (100 in the original): an inline flush threshold.
    buffer_size: usize,
    client: C,
}

impl<C: StreamClient> PyStreamProducer<C> {
    pub fn new(buffer_size: usize, client: C) -> Self {
        Self {
            buffer: Mutex::new(Buffer::default()),
            stats: Mutex::new(PyStats::default()),
            buffer_size,
            client,
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

    /// `stop()` after the flusher task was cancelled: the final flush, which
    /// only sees what is in the buffer.
    pub async fn stop(&self) {
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
