//! The stream producer under tokio, the runtime the original service's port
//! targets: several producer tasks on a multi-threaded runtime, a flusher
//! task, a sink that yields, fails after partial writes, and flushes
//! cancelled by a timeout. Every event must reach the sink exactly once, in
//! order per stream. (The model checks run the same code under loom and
//! shuttle; this shows it on a real executor.)

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use twinbench_kernels::concurrent::producer::{
    Acked, Event, Producer, ProducerConfig, Record, Sink, WriteError,
};

/// Logs events; every 5th write fails after acknowledging half its batch;
/// every 3rd stalls for a millisecond after its first event, long enough for
/// the flusher's timeout to cancel it mid-write.
#[derive(Default)]
struct FlakySink {
    log: Mutex<Vec<Event>>,
    writes: AtomicUsize,
}

impl Sink for FlakySink {
    async fn write(&self, batch: &[Event], acked: &mut Acked) -> Result<(), WriteError> {
        let n = self.writes.fetch_add(1, Ordering::SeqCst);
        for (i, event) in batch.iter().enumerate() {
            if n % 5 == 4 && i == batch.len() / 2 {
                return Err(WriteError::new("connection reset"));
            }
            if n % 3 == 1 && i == 1 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            tokio::task::yield_now().await;
            self.log.lock().expect("log").push(event.clone());
            acked.ack(1);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_once_in_order_per_stream_under_tokio() {
    const PRODUCERS: usize = 4;
    const EVENTS: usize = 300;
    let config = ProducerConfig {
        capacity: 16,
        batch_size: 8,
        flush_interval: 1_000,
    };
    let sink = std::sync::Arc::new(FlakySink::default());
    let producer = Producer::new(config, SinkHandle(sink.clone()), 0).expect("valid config");

    let flusher = {
        let producer = producer.clone();
        tokio::spawn(async move {
            let mut cancelled = 0;
            loop {
                producer.batch_ready().await;
                // Some flushes are cut short by a timeout: the future is
                // dropped mid-write, as a cancelled task would drop it.
                let flush = tokio::time::timeout(Duration::from_micros(50), producer.flush());
                if flush.await.is_err() {
                    cancelled += 1;
                }
                if producer.stats().accepted == (PRODUCERS * EVENTS) as u64
                    && producer.stats().written == producer.stats().accepted
                {
                    return cancelled;
                }
                tokio::task::yield_now().await;
            }
        })
    };
    let tasks: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let producer = producer.clone();
            tokio::spawn(async move {
                for i in 0..EVENTS {
                    let record = Record::new(format!("stream-{}", i % 3), format!("{p}:{i}"));
                    producer.produce(record).await.expect("open");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("producer task");
    }
    // Drain what is left (failed writes are retried by later flushes).
    let mut attempts = 0;
    while producer.stats().written < producer.stats().accepted {
        let _ = producer.flush().await;
        attempts += 1;
        assert!(
            attempts < 10_000,
            "the buffer never drained: {:?}",
            producer.stats()
        );
    }
    // Closing wakes the flusher's `batch_ready` for its last round.
    producer.close().await.expect("close");
    let cancelled = flusher.await.expect("flusher task");

    let log = sink.log.lock().expect("log");
    assert_eq!(log.len(), PRODUCERS * EVENTS, "no event lost or duplicated");
    let mut seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), PRODUCERS * EVENTS, "each sequence number once");
    let mut last: BTreeMap<&str, u64> = BTreeMap::new();
    for event in log.iter() {
        if let Some(&before) = last.get(event.stream.as_str()) {
            assert!(before < event.seq, "stream {} out of order", event.stream);
        }
        last.insert(&event.stream, event.seq);
    }
    let stats = producer.stats();
    assert!(
        stats.failed_writes > 0,
        "the sink's failures were exercised: {stats:?}"
    );
    assert!(
        cancelled > 0 && stats.cancelled_flushes > 0,
        "flushes were cancelled mid-write: {stats:?}"
    );
    eprintln!("cancelled flushes: {cancelled}; {stats:?}");
}

/// `Sink` for a shared sink, so the test keeps a handle to its log.
struct SinkHandle(std::sync::Arc<FlakySink>);

impl Sink for SinkHandle {
    async fn write(&self, batch: &[Event], acked: &mut Acked) -> Result<(), WriteError> {
        self.0.write(batch, acked).await
    }
}
