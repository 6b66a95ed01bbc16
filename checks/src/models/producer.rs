//! Stream producer: concurrent producers under backpressure, a flusher, a sink
//! that fails partway, and a flush cancelled mid-write must deliver every
//! accepted event exactly once, in per-stream order; the original's
//! swap-then-await flush (R7.1), drop-on-failure (R7.2) and re-buffer with
//! `extend` (R7.3) do not.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use super::super::SCALE;
use super::super::bug_zoo::producer::{PyStreamProducer, StreamClient};
use super::super::producer::{Acked, Event, Producer, ProducerConfig, Record, Sink, WriteError};
use super::super::sync::atomic::{AtomicBool, Ordering};
use super::super::sync::{Arc, Mutex, block_on, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const NO_EVENT_LOST: &str = "no-event-lost";
const NO_EVENT_DUPLICATED: &str = "no-event-duplicated";
const PER_KEY_ORDER: &str = "per-key-order";
const BUFFER_BOUNDED: &str = "buffer-bounded";

const DELIVERY: &[&str] = &[NO_EVENT_LOST, NO_EVENT_DUPLICATED, PER_KEY_ORDER];

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "stream_producer.backpressure_flush_close",
            component: Component::StreamProducer,
            subject: Subject::Fixed,
            operations: "producers fill a small buffer and wait for room while a flusher \
                         awaits full batches and flushes; main closes (final flush)",
            invariants: &[
                BUFFER_BOUNDED,
                NO_EVENT_LOST,
                NO_EVENT_DUPLICATED,
                PER_KEY_ORDER,
            ],
            checkers: &Checker::ALL,
            body: backpressure_flush_close,
        },
        CheckCase {
            id: "stream_producer.failed_write_retried",
            component: Component::StreamProducer,
            subject: Subject::Fixed,
            operations: "producers produce while a flusher flushes into a sink whose writes \
                         fail after a durable prefix; main retries close until it succeeds",
            invariants: DELIVERY,
            checkers: &Checker::ALL,
            body: failed_write_retried,
        },
        CheckCase {
            id: "stream_producer.cancelled_flush",
            component: Component::StreamProducer,
            subject: Subject::Fixed,
            operations: "producers produce; a flusher task is polled by hand and dropped \
                         mid-write when main stops it; main flushes concurrently, then closes",
            invariants: DELIVERY,
            checkers: &Checker::ALL,
            body: cancelled_flush,
        },
        CheckCase {
            id: "zoo.R7.1",
            component: Component::StreamProducer,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R7.1",
                breaks: NO_EVENT_LOST,
            }),
            operations: "producers produce; the periodic flusher's _flush_buffer is polled by \
                         hand and dropped mid-write when stop() cancels it; stop's final flush",
            invariants: DELIVERY,
            checkers: &Checker::ALL,
            body: zoo_cancelled_flush,
        },
        CheckCase {
            id: "zoo.R7.2",
            component: Component::StreamProducer,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R7.2",
                breaks: NO_EVENT_LOST,
            }),
            operations: "producers produce while the flusher flushes; one XADD fails; \
                         stop's final flush",
            invariants: DELIVERY,
            checkers: &Checker::ALL,
            body: zoo_failed_xadd,
        },
        CheckCase {
            id: "zoo.R7.3",
            component: Component::StreamProducer,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R7.3",
                breaks: PER_KEY_ORDER,
            }),
            operations: "a flush whose client connection fails re-buffers its batch with \
                         extend while a producer appends to the same stream; stop's final flush",
            invariants: DELIVERY,
            checkers: &Checker::ALL,
            body: zoo_rebuffer_reorders,
        },
    ]
}

/// Returns `Pending` once (waking itself at once), then `Ready`: an await
/// point inside a write, where a flush can be cancelled. Shared with the
/// error handler's models (its retry sleeps).
pub(super) struct YieldOnce(pub(super) bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The sink: logs every event it receives, one at a time, acknowledging each.
#[derive(Default)]
struct LogSink {
    log: Mutex<Vec<Event>>,
    /// Writes still to fail; a failing write fails after `fail_after`
    /// durable events.
    failures: Mutex<usize>,
    fail_after: usize,
    /// Await (once) before each event: a point where a flush can be dropped.
    yielding: bool,
}

impl LogSink {
    fn failing(failures: usize, fail_after: usize) -> Self {
        Self {
            failures: Mutex::new(failures),
            fail_after,
            ..Self::default()
        }
    }

    fn yielding() -> Self {
        Self {
            yielding: true,
            ..Self::default()
        }
    }

    fn log(&self) -> Vec<Event> {
        self.log.lock().clone()
    }
}

impl Sink for LogSink {
    async fn write(&self, batch: &[Event], acked: &mut Acked) -> Result<(), WriteError> {
        for (i, event) in batch.iter().enumerate() {
            if i == self.fail_after && take_failure(&self.failures) {
                return Err(WriteError::new("connection reset"));
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

/// Worker `t`'s `i`-th record: workers 0 and 1 share stream `s0` (2 and 3
/// share `s1`), so per-stream order spans producers.
fn record(t: usize, i: usize) -> Record {
    Record::new(format!("s{}", t / 2), format!("t{t}-{i}"))
}

/// The sink's log against the accepted events: each exactly once, and each
/// stream's events in sequence (acceptance) order.
fn check_delivery(log: &[Event], accepted: &[u64]) {
    let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
    let mut seen = BTreeSet::new();
    for &seq in &seqs {
        ensure(seen.insert(seq), NO_EVENT_DUPLICATED, || {
            format!("event {seq} written twice; sink log {seqs:?}")
        });
    }
    for seq in accepted {
        ensure(seen.contains(seq), NO_EVENT_LOST, || {
            format!("accepted event {seq} never written; sink log {seqs:?}, accepted {accepted:?}")
        });
    }
    let mut last: BTreeMap<&str, u64> = BTreeMap::new();
    for event in log {
        if let Some(&before) = last.get(event.stream.as_str()) {
            ensure(before < event.seq, PER_KEY_ORDER, || {
                format!(
                    "stream {} got event {} after {before}; sink log {seqs:?}",
                    event.stream, event.seq
                )
            });
        }
        last.insert(&event.stream, event.seq);
    }
}

fn producer(config: ProducerConfig, sink: LogSink) -> Producer<LogSink> {
    match Producer::new(config, sink, 0) {
        Ok(producer) => producer,
        Err(e) => panic!("case config rejected: {e}"),
    }
}

/// Spawns `SCALE.threads` producers, each producing `SCALE.ops_per_thread`
/// records with `produce().await` and checking the bound after each.
/// Each returns the sequence numbers it got accepted.
fn spawn_producers(producer: &Producer<LogSink>) -> Vec<thread::JoinHandle<Vec<u64>>> {
    let capacity = producer.config().capacity;
    (0..SCALE.threads)
        .map(|t| {
            let producer = producer.clone();
            thread::spawn(move || {
                let mut accepted = Vec::new();
                for i in 0..SCALE.ops_per_thread {
                    if let Ok(seq) = block_on(producer.produce(record(t, i))) {
                        accepted.push(seq);
                    }
                    let pending = producer.pending();
                    ensure(pending <= capacity, BUFFER_BOUNDED, || {
                        format!("{pending} events pending, capacity {capacity}")
                    });
                }
                accepted
            })
        })
        .collect()
}

fn join_all(workers: Vec<thread::JoinHandle<Vec<u64>>>) -> Vec<u64> {
    workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect()
}

/// More producers than room: they wait (backpressure) until the flusher,
/// woken by a full batch, flushes; main closes after they are done. The
/// flusher stops once the producer is closed and drained.
fn backpressure_flush_close() {
    // Room for half the producers' first events (1 under loom, 2 under
    // shuttle), one full batch.
    let capacity = (SCALE.threads / 2).max(1);
    let config = ProducerConfig {
        capacity,
        batch_size: capacity,
        flush_interval: 1_000,
    };
    let producer = producer(config, LogSink::default());
    let workers = spawn_producers(&producer);
    let flusher = {
        let producer = producer.clone();
        thread::spawn(move || {
            loop {
                let _ = block_on(async {
                    producer.batch_ready().await;
                    producer.flush().await
                });
                if producer.is_drained() {
                    break;
                }
            }
        })
    };
    let accepted = join_all(workers);
    let closed = block_on(producer.close());
    ensure(closed.is_ok(), NO_EVENT_LOST, || {
        format!("close failed with a sink that never fails: {closed:?}")
    });
    let _ = flusher.join();
    ensure(
        accepted.len() == SCALE.threads * SCALE.ops_per_thread,
        NO_EVENT_LOST,
        || format!("only {accepted:?} accepted before close"),
    );
    check_delivery(&producer.sink().log(), &accepted);
}

/// The sink fails its first writes after one durable event; the flusher's
/// and main's retries must re-send exactly the unacknowledged rest.
fn failed_write_retried() {
    let total = SCALE.threads * SCALE.ops_per_thread;
    let failures = 2;
    let config = ProducerConfig {
        capacity: total,
        batch_size: 2,
        flush_interval: 1_000,
    };
    let producer = producer(config, LogSink::failing(failures, 1));
    let workers = spawn_producers(&producer);
    let flusher = {
        let producer = producer.clone();
        thread::spawn(move || {
            for _ in 0..failures {
                let _ = block_on(producer.flush());
            }
        })
    };
    let accepted = join_all(workers);
    let mut closed = block_on(producer.close());
    for _ in 0..failures {
        if closed.is_ok() {
            break;
        }
        closed = block_on(producer.close());
    }
    let _ = flusher.join();
    ensure(closed.is_ok(), NO_EVENT_LOST, || {
        format!("close still failing after {failures} retries: {closed:?}")
    });
    check_delivery(&producer.sink().log(), &accepted);
}

/// A flusher task polled by hand (as an executor would) until main stops it,
/// then dropped — possibly mid-write — as `stop()` cancelling a task does.
/// Main flushes concurrently (waiting for the cancelled flush's batch), then
/// closes.
fn cancelled_flush() {
    let total = SCALE.threads * SCALE.ops_per_thread;
    // Several batches, so the two flushes can each hold one.
    let config = ProducerConfig {
        capacity: total,
        batch_size: SCALE.ops_per_thread,
        flush_interval: 1_000,
    };
    let producer = producer(config, LogSink::yielding());
    let workers = spawn_producers(&producer);
    let stop = Arc::new(AtomicBool::new(false));
    let task = {
        let producer = producer.clone();
        let stop = Arc::clone(&stop);
        thread::spawn(move || poll_until_stopped(producer.flush(), &stop, 2 * total + 2))
    };
    let _ = block_on(producer.flush());
    let accepted = join_all(workers);
    stop.store(true, Ordering::SeqCst);
    let _ = task.join();
    let closed = block_on(producer.close());
    ensure(closed.is_ok(), NO_EVENT_LOST, || {
        format!("close failed with a sink that never fails: {closed:?}")
    });
    check_delivery(&producer.sink().log(), &accepted);
}

/// Polls `future` with a no-op waker at most `polls` times, yielding between
/// polls, until it completes (its output) or `stop` is set (`None`); then
/// drops it, as cancelling a task does.
pub(super) fn poll_until_stopped<F: Future>(
    future: F,
    stop: &AtomicBool,
    polls: usize,
) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..polls {
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return Some(out);
        }
        thread::yield_now();
    }
    None
}

/// The DragonflyDB client of the original: logs each `XADD`, awaiting once
/// before it; fails the first `xadd_failures` XADDs and the first
/// `connect_failures` connections (after an await).
#[derive(Default)]
struct PyClient {
    log: Mutex<Vec<Event>>,
    xadd_failures: Mutex<usize>,
    connect_failures: Mutex<usize>,
}

impl PyClient {
    fn log(&self) -> Vec<Event> {
        self.log.lock().clone()
    }
}

fn take_failure(budget: &Mutex<usize>) -> bool {
    let mut left = budget.lock();
    let fail = *left > 0;
    *left = left.saturating_sub(1);
    fail
}

impl StreamClient for PyClient {
    async fn connect(&self) -> Result<(), WriteError> {
        YieldOnce(false).await;
        if take_failure(&self.connect_failures) {
            return Err(WriteError::new("connection refused"));
        }
        Ok(())
    }

    async fn xadd(&self, _stream: &str, event: &Event) -> Result<(), WriteError> {
        YieldOnce(false).await;
        if take_failure(&self.xadd_failures) {
            return Err(WriteError::new("XADD failed"));
        }
        self.log.lock().push(event.clone());
        Ok(())
    }
}

/// The original's threshold is 100; no case reaches it.
const PY_BUFFER_SIZE: usize = 100;

fn spawn_py_producers(
    producer: &Arc<PyStreamProducer<PyClient>>,
) -> Vec<thread::JoinHandle<Vec<u64>>> {
    (0..SCALE.threads)
        .map(|t| {
            let producer = Arc::clone(producer);
            thread::spawn(move || {
                (0..SCALE.ops_per_thread)
                    .map(|i| block_on(producer.produce_event(record(t, i))))
                    .collect()
            })
        })
        .collect()
}

/// R7.1: `stop()` cancels the periodic flusher while `_flush_buffer` is
/// between XADDs; the snapshot's unsent part is gone, and the final flush
/// only sees the (empty) buffer.
fn zoo_cancelled_flush() {
    let total = SCALE.threads * SCALE.ops_per_thread;
    let producer = Arc::new(PyStreamProducer::new(PY_BUFFER_SIZE, PyClient::default()));
    let workers = spawn_py_producers(&producer);
    let stop = Arc::new(AtomicBool::new(false));
    let task = {
        let producer = Arc::clone(&producer);
        let stop = Arc::clone(&stop);
        // Enough polls to connect and send every event, if not stopped.
        thread::spawn(move || poll_until_stopped(producer.flush_buffer(), &stop, total + 2))
    };
    let accepted = join_all(workers);
    stop.store(true, Ordering::SeqCst);
    let _ = task.join();
    block_on(producer.stop());
    check_delivery(&producer.client().log(), &accepted);
}

/// R7.2: the first XADD fails; the event is counted as failed and dropped.
fn zoo_failed_xadd() {
    let client = PyClient {
        xadd_failures: Mutex::new(1),
        ..PyClient::default()
    };
    let producer = Arc::new(PyStreamProducer::new(PY_BUFFER_SIZE, client));
    let workers = spawn_py_producers(&producer);
    let flusher = {
        let producer = Arc::clone(&producer);
        thread::spawn(move || block_on(producer.flush_buffer()))
    };
    let accepted = join_all(workers);
    let _ = flusher.join();
    block_on(producer.stop());
    check_delivery(&producer.client().log(), &accepted);
}

/// R7.3: the flusher's connection fails after it took the batch; a producer
/// appends to the same stream meanwhile; `extend` puts the old batch behind.
fn zoo_rebuffer_reorders() {
    let client = PyClient {
        connect_failures: Mutex::new(1),
        ..PyClient::default()
    };
    let producer = Arc::new(PyStreamProducer::new(PY_BUFFER_SIZE, client));
    let first = block_on(producer.produce_event(record(0, 0)));
    let flusher = {
        let producer = Arc::clone(&producer);
        thread::spawn(move || block_on(producer.flush_buffer()))
    };
    let later = {
        let producer = Arc::clone(&producer);
        thread::spawn(move || block_on(producer.produce_event(record(1, 0))))
    };
    let _ = flusher.join();
    let mut accepted = vec![first];
    accepted.extend(later.join().ok());
    block_on(producer.stop());
    check_delivery(&producer.client().log(), &accepted);
}
