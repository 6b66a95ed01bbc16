//! Stream producer: accept one event per operation (4 streams); every 64th
//! operation flushes the buffer into a sink that acknowledges at once.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::Criterion;
use twinbench_kernels::concurrent::producer::{
    Acked, Event, FlightEnd, Producer, ProducerConfig, ProducerCore, Record, Sink, WriteError,
};

use crate::common::overhead;

const CONFIG: ProducerConfig = ProducerConfig {
    capacity: 1_024,
    batch_size: 64,
    flush_interval: 5_000,
};

const STREAMS: [&str; 4] = [
    "analytics:memory_operations",
    "analytics:user_interactions",
    "analytics:system_metrics",
    "analytics:telemetry",
];

const PAYLOAD: &str = r#"{"operation":"store","memory_id":"m-1","duration_ms":3}"#;

/// A sink that makes every batch durable at once (no I/O), so the bench
/// times the producer, not a network.
struct NullSink;

impl Sink for NullSink {
    fn write<'a>(
        &'a self,
        batch: &'a [Event],
        acked: &'a mut Acked,
    ) -> impl Future<Output = Result<(), WriteError>> + Send + 'a {
        black_box(batch);
        acked.ack(batch.len());
        std::future::ready(Ok(()))
    }
}

/// Polls once with a no-op waker: every future here is ready at once unless
/// another thread holds the batch slot (2-thread case), where it is dropped.
fn poll_once<F: Future>(future: F) -> Option<F::Output> {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}

fn record(i: u64) -> Record {
    Record::new(STREAMS[(i % 4) as usize], PAYLOAD)
}

fn flush_now(i: u64) -> bool {
    (i + 1) % CONFIG.batch_size as u64 == 0
}

pub fn bench(c: &mut Criterion) {
    overhead(
        c,
        "producer",
        || match ProducerCore::new(CONFIG, 0) {
            Ok(core) => core,
            Err(e) => panic!("{e}"),
        },
        |core, i| {
            let _ = core.try_push(record(i));
            if flush_now(i) {
                // What `Producer::flush` does, unsynchronised.
                let before = core.next_seq();
                while let Ok(batch) = core.take_batch(before) {
                    if batch.is_empty() {
                        break;
                    }
                    let mut acked = Acked::default();
                    let _ = poll_once(NullSink.write(&batch, &mut acked));
                    let written = acked.count();
                    core.finish(batch, written, FlightEnd::Written);
                }
            }
        },
        || match Producer::new(CONFIG, NullSink, 0) {
            Ok(producer) => producer,
            Err(e) => panic!("{e}"),
        },
        |producer, i| {
            let _ = poll_once(producer.produce(record(i)));
            if flush_now(i) {
                let _ = poll_once(producer.flush());
            }
        },
    );
}
