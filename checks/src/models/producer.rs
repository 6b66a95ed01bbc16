//! Stream producer: concurrent producers under backpressure, a flusher, a sink
//! that fails partway, and a flush cancelled mid-write must deliver every
//! accepted event exactly once, in per-stream order; the original's
//! swap-then-await flush (R7.1), drop-on-failure (R7.2) and re-buffer with
//! `extend` (R7.3) do not. One flusher at a time that backs off while the
//! sink is down, a bounded buffer, events counted once, and no event kept
//! after close: the original's lifecycle (R7.7), buffer (R7.4), counters
//! (R7.5) and swallowed flush errors (R7.6) break each.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use super::super::SCALE;
use super::super::bug_zoo::producer::{PyStreamProducer, StreamClient};
use super::super::clock::{Clock, ManualClock, Millis};
use super::super::producer::{
    Acked, Backoff, Event, Producer, ProducerConfig, Record, Sink, TryProduceError, WriteError,
};
use super::super::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use super::super::sync::{Arc, Mutex, block_on, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure, violated};

const NO_EVENT_LOST: &str = "no-event-lost";
const NO_EVENT_DUPLICATED: &str = "no-event-duplicated";
const PER_KEY_ORDER: &str = "per-key-order";
const BUFFER_BOUNDED: &str = "buffer-bounded";
const ONE_FLUSHER: &str = "one-flusher";
const FLUSHER_BACKS_OFF: &str = "flusher-backs-off";
const COUNTED_ONCE: &str = "counted-once";

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
            id: "stream_producer.flusher_lifecycle",
            component: Component::StreamProducer,
            subject: Subject::Fixed,
            operations: "workers each produce, then try to start the flusher and run a \
                         round with it; main closes meanwhile",
            invariants: &[
                ONE_FLUSHER,
                NO_EVENT_LOST,
                NO_EVENT_DUPLICATED,
                PER_KEY_ORDER,
            ],
            checkers: &Checker::ALL,
            body: flusher_lifecycle,
        },
        CheckCase {
            id: "stream_producer.sink_outage",
            component: Component::StreamProducer,
            subject: Subject::Fixed,
            operations: "producers try_produce into a small buffer while the flusher runs \
                         rounds on a logical clock against a sink that is down for its first \
                         writes; main closes (retrying) after the flusher",
            invariants: &[
                BUFFER_BOUNDED,
                FLUSHER_BACKS_OFF,
                COUNTED_ONCE,
                NO_EVENT_LOST,
                NO_EVENT_DUPLICATED,
                PER_KEY_ORDER,
            ],
            checkers: &Checker::ALL,
            body: sink_outage,
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
        CheckCase {
            id: "zoo.R7.7.second-flusher",
            component: Component::StreamProducer,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R7.7.second-flusher",
                breaks: ONE_FLUSHER,
            }),
            operations: "a worker and main each call start(), each storing its new flusher \
                         task in _flush_task; main calls stop()",
            invariants: &[ONE_FLUSHER],
            checkers: &Checker::ALL,
            body: zoo_second_flusher,
        },
        CheckCase {
            id: "zoo.R7.7.produce-during-stop",
            component: Component::StreamProducer,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R7.7.produce-during-stop",
                breaks: NO_EVENT_LOST,
            }),
            operations: "producers produce_event while main starts and stops the producer \
                         (cancel the flusher, await it, final flush); no closed flag",
            invariants: DELIVERY,
            checkers: &Checker::ALL,
            body: zoo_produce_during_stop,
        },
        CheckCase {
            id: "zoo.R7.4",
            component: Component::StreamProducer,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R7.4",
                breaks: BUFFER_BOUNDED,
            }),
            operations: "producers produce_event into a sink that is down; at buffer_size \
                         each call flushes inline, fails, and re-buffers everything",
            invariants: &[BUFFER_BOUNDED],
            checkers: &Checker::ALL,
            body: zoo_unbounded_buffer,
        },
        CheckCase {
            id: "zoo.R7.5",
            component: Component::StreamProducer,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R7.5",
                breaks: COUNTED_ONCE,
            }),
            operations: "producers produce_event while a flush's client connection fails \
                         (batch counted failed, re-buffered); stop's final flush writes it",
            invariants: &[COUNTED_ONCE],
            checkers: &Checker::ALL,
            body: zoo_double_counted_failures,
        },
        CheckCase {
            id: "zoo.R7.6",
            component: Component::StreamProducer,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R7.6",
                breaks: FLUSHER_BACKS_OFF,
            }),
            operations: "producers produce_event while the periodic flusher runs rounds on a \
                         logical clock against a sink that is down",
            invariants: &[FLUSHER_BACKS_OFF],
            checkers: &Checker::ALL,
            body: zoo_dead_backoff,
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
    /// Writes that failed so far.
    failed: Mutex<u64>,
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

    fn failed(&self) -> u64 {
        *self.failed.lock()
    }
}

impl Sink for LogSink {
    async fn write(&self, batch: &[Event], acked: &mut Acked) -> Result<(), WriteError> {
        for (i, event) in batch.iter().enumerate() {
            if i == self.fail_after && take_failure(&self.failures) {
                *self.failed.lock() += 1;
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
    /// Connections and XADDs that failed so far.
    failed: Mutex<u64>,
}

impl PyClient {
    fn log(&self) -> Vec<Event> {
        self.log.lock().clone()
    }

    /// A client whose server is down: every connection fails.
    fn down() -> Self {
        Self {
            connect_failures: Mutex::new(usize::MAX),
            ..Self::default()
        }
    }

    fn failed(&self) -> u64 {
        *self.failed.lock()
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
            *self.failed.lock() += 1;
            return Err(WriteError::new("connection refused"));
        }
        Ok(())
    }

    async fn xadd(&self, _stream: &str, event: &Event) -> Result<(), WriteError> {
        YieldOnce(false).await;
        if take_failure(&self.xadd_failures) {
            *self.failed.lock() += 1;
            return Err(WriteError::new("XADD failed"));
        }
        self.log.lock().push(event.clone());
        Ok(())
    }
}

/// The original's threshold is 100; no case reaches it.
const PY_BUFFER_SIZE: usize = 100;

/// The bound R7.4's case holds the original to: two batches of its flush
/// threshold (1), the capacity `sink_outage` gives the fixed twin.
const PY_BOUND: usize = 2;

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

/// Workers each produce their records, then try to start the flusher and, if
/// they got it, run one round with it (while main closes): the flushers that
/// exist at once are counted around each round.
fn flusher_lifecycle() {
    let total = SCALE.threads * SCALE.ops_per_thread;
    let config = ProducerConfig {
        capacity: total,
        batch_size: SCALE.ops_per_thread,
        flush_interval: 1_000,
    };
    let producer = producer(config, LogSink::default());
    // (flushers running now, most at once)
    let flushers = Arc::new(Mutex::new((0usize, 0usize)));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let producer = producer.clone();
            let flushers = Arc::clone(&flushers);
            thread::spawn(move || {
                let accepted: Vec<u64> = (0..SCALE.ops_per_thread)
                    .filter_map(|i| producer.try_produce(record(t, i)).ok())
                    .collect();
                if let Ok(mut flusher) = producer.start_flusher(Backoff::ORIGINAL) {
                    {
                        let mut f = flushers.lock();
                        f.0 += 1;
                        f.1 = f.1.max(f.0);
                    }
                    let _ = block_on(flusher.round(config.flush_interval));
                    flushers.lock().0 -= 1;
                }
                accepted
            })
        })
        .collect();
    let closed = block_on(producer.close());
    let accepted = join_all(workers);
    ensure(closed.is_ok(), NO_EVENT_LOST, || {
        format!("close failed with a sink that never fails: {closed:?}")
    });
    let peak = flushers.lock().1;
    ensure(peak <= 1 && !producer.has_flusher(), ONE_FLUSHER, || {
        format!(
            "{peak} flushers ran at once; one still registered: {}",
            producer.has_flusher()
        )
    });
    check_delivery(&producer.sink().log(), &accepted);
}

/// Runs `rounds` periodic-flusher rounds on `clock`, starting one interval
/// in: `round(now)` returns when the next round is due, and the clock
/// jumps there. A round during which the sink's failure count (`failed()`)
/// rose failed; after the `k`-th failed round in a row (rounds that fail
/// nothing in between do not reset the count, a round that writes does), the
/// next one must be at least one interval plus `Backoff::ORIGINAL.delay(k)`
/// later.
fn run_flusher_rounds(
    clock: &ManualClock,
    interval: Millis,
    rounds: usize,
    mut round: impl FnMut(Millis) -> (Millis, bool),
    failed: impl Fn() -> u64,
) {
    clock.advance(interval);
    let mut failures = 0u32;
    for _ in 0..rounds {
        let now = clock.now();
        let before = failed();
        let (next, wrote) = round(now);
        if failed() > before {
            failures += 1;
            let wait = next.saturating_sub(now);
            let due = interval + Backoff::ORIGINAL.delay(failures);
            ensure(wait >= due, FLUSHER_BACKS_OFF, || {
                format!(
                    "after {failures} failed flush round(s) in a row the next round is due \
                     {wait} ms later, back-off requires at least {due} ms"
                )
            });
        } else if wrote {
            failures = 0;
        }
        clock.advance(next.saturating_sub(now));
    }
}

/// The sink is down for its first writes: producers `try_produce` into a
/// small buffer (records that find it full are handed back and counted),
/// the one flusher backs off on the logical clock, and main's close,
/// retried, writes the rest. Each accepted event counts once.
fn sink_outage() {
    let interval = 5_000;
    let config = ProducerConfig {
        capacity: 2,
        batch_size: 1,
        flush_interval: interval,
    };
    let outage = 2;
    let producer = producer(config, LogSink::failing(outage, 0));
    let attempts = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let producer = producer.clone();
            let attempts = Arc::clone(&attempts);
            thread::spawn(move || {
                let mut accepted = Vec::new();
                for i in 0..SCALE.ops_per_thread {
                    attempts.fetch_add(1, Ordering::SeqCst);
                    match producer.try_produce(record(t, i)) {
                        Ok(seq) => accepted.push(seq),
                        Err(TryProduceError::Full { .. } | TryProduceError::Closed { .. }) => {}
                    }
                    let pending = producer.pending();
                    ensure(pending <= config.capacity, BUFFER_BOUNDED, || {
                        format!("{pending} events pending, capacity {}", config.capacity)
                    });
                }
                accepted
            })
        })
        .collect();
    let flusher = {
        let producer = producer.clone();
        thread::spawn(move || {
            let Ok(mut flusher) = producer.start_flusher(Backoff::ORIGINAL) else {
                violated(ONE_FLUSHER, "the only flusher was refused")
            };
            let clock = ManualClock::new(0);
            run_flusher_rounds(
                &clock,
                interval,
                2,
                |now| {
                    let round = block_on(flusher.round(now));
                    (round.next, round.written > 0)
                },
                || producer.sink().failed(),
            );
        })
    };
    let accepted = join_all(workers);
    let _ = flusher.join();
    let mut closed = block_on(producer.close());
    for _ in 0..outage {
        if closed.is_ok() {
            break;
        }
        closed = block_on(producer.close());
    }
    ensure(closed.is_ok(), NO_EVENT_LOST, || {
        format!("close still failing after the outage: {closed:?}")
    });
    let log = producer.sink().log();
    let stats = producer.stats();
    let tried = attempts.load(Ordering::SeqCst);
    ensure(
        stats.written == stats.accepted
            && stats.written == log.len() as u64
            && stats.accepted == accepted.len() as u64
            && stats.accepted + stats.rejected_full == tried,
        COUNTED_ONCE,
        || {
            format!(
                "{stats:?} for {tried} records offered, sink holds {}",
                log.len()
            )
        },
    );
    check_delivery(&log, &accepted);
}

/// R7.7: two `start()` calls, two flusher tasks; `stop()` cancels the one
/// `_flush_task` holds, the other runs on.
fn zoo_second_flusher() {
    let producer = Arc::new(PyStreamProducer::new(PY_BUFFER_SIZE, PyClient::default()));
    let worker = {
        let producer = Arc::clone(&producer);
        thread::spawn(move || producer.start())
    };
    producer.start();
    let _ = worker.join();
    block_on(producer.stop());
    let (peak, alive) = (producer.peak_flushers(), producer.live_flushers());
    producer.close_loop();
    ensure(peak <= 1 && alive == 0, ONE_FLUSHER, || {
        format!("{peak} flusher tasks ran at once; {alive} still running after stop() returned")
    });
}

/// R7.7: `produce_event` has no closed flag to check; an event appended
/// after `stop()`'s final snapshot is accepted and never written.
fn zoo_produce_during_stop() {
    let producer = Arc::new(PyStreamProducer::new(PY_BUFFER_SIZE, PyClient::default()));
    producer.start();
    let workers = spawn_py_producers(&producer);
    block_on(producer.stop());
    let accepted = join_all(workers);
    producer.close_loop();
    check_delivery(&producer.client().log(), &accepted);
}

/// R7.4: with the sink down and a flush threshold of one event, every
/// `produce_event` flushes inline, fails and re-buffers: the buffer only
/// grows. Checked against the bound the fixed twin runs this with (two
/// batches, as in `sink_outage`).
fn zoo_unbounded_buffer() {
    fn check(producer: &PyStreamProducer<PyClient>) {
        let bound = PY_BOUND;
        let buffered = producer.buffered();
        ensure(buffered <= bound, BUFFER_BOUNDED, || {
            let stats = producer.stats();
            format!(
                "{buffered} events buffered, bound {bound}; {} inline flushes counted as \
                 buffer_overflows, {} failed connections, {} events counted failed",
                stats.buffer_overflows,
                producer.client().failed(),
                stats.events_failed
            )
        });
    }
    let producer = Arc::new(PyStreamProducer::new(1, PyClient::down()));
    block_on(producer.produce_event(record(0, 0)));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let producer = Arc::clone(&producer);
            thread::spawn(move || {
                for i in 0..SCALE.ops_per_thread {
                    block_on(producer.produce_event(record(t, i + 1)));
                    check(&producer);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    check(&producer);
}

/// R7.5: the flush's connection fails: its batch is counted failed and
/// re-buffered; stop's final flush writes it, counting it produced as well.
fn zoo_double_counted_failures() {
    let client = PyClient {
        connect_failures: Mutex::new(1),
        ..PyClient::default()
    };
    let producer = Arc::new(PyStreamProducer::new(PY_BUFFER_SIZE, client));
    let first = block_on(producer.produce_event(record(0, 0)));
    let workers = spawn_py_producers(&producer);
    let flusher = {
        let producer = Arc::clone(&producer);
        thread::spawn(move || block_on(producer.flush_buffer()))
    };
    let mut accepted = join_all(workers);
    accepted.push(first);
    let _ = flusher.join();
    block_on(producer.stop());
    let stats = producer.stats();
    let written = producer.client().log().len() as u64;
    ensure(
        stats.events_produced + stats.events_failed == accepted.len() as u64
            && stats.events_produced == written,
        COUNTED_ONCE,
        || {
            format!(
                "{} events produced: events_produced {} + events_failed {}; the sink holds \
                 {written}",
                accepted.len(),
                stats.events_produced,
                stats.events_failed
            )
        },
    );
}

/// R7.6: the sink is down; `_flush_buffer` swallows the failure, so the
/// periodic flusher never backs off.
fn zoo_dead_backoff() {
    let producer = Arc::new(PyStreamProducer::new(PY_BUFFER_SIZE, PyClient::down()));
    block_on(producer.produce_event(record(0, 0)));
    let workers = spawn_py_producers(&producer);
    let flusher = {
        let producer = Arc::clone(&producer);
        thread::spawn(move || {
            let clock = ManualClock::new(0);
            let mut consecutive_errors = 0;
            run_flusher_rounds(
                &clock,
                producer.flush_interval(),
                2,
                |now| {
                    let written = producer.client().log().len();
                    let next = block_on(producer.periodic_round(now, &mut consecutive_errors));
                    (next, producer.client().log().len() > written)
                },
                || producer.client().failed(),
            );
        })
    };
    let _ = join_all(workers);
    let _ = flusher.join();
}
