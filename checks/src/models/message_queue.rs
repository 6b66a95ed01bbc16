//! Message-queue manager (listed under the stream producer component:
//! messaging): concurrent subscribes of one subscriber keep one broker
//! subscription and every later message reaches it once, an unsubscribe
//! stops delivery of what is published after it, and a publish stuck at the
//! broker holds up no other publish; seed 003's manager, which overwrites
//! the pubsub of a topic subscribed twice (`seed003-mq-double-subscribe`,
//! a defect caught on the first schedule) and holds its lock across the
//! publish (`seed003-mq-publish-serialized`), does not.

use std::collections::BTreeMap;

use super::super::SCALE;
use super::super::bug_zoo::message_queue::PyMessageQueueManager;
use super::super::message_queue::{Callback, Delivery, MemoryBroker, MessageQueue, Payload};
use super::super::sync::atomic::{AtomicUsize, Ordering};
use super::super::sync::{Arc, Mutex, block_on, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const ONE_SUBSCRIPTION: &str = "one-subscription-per-subscriber";
const DELIVERED_ONCE: &str = "delivered-exactly-once";
const UNSUBSCRIBE_STOPS: &str = "unsubscribe-stops-delivery";
const PUBLISHES_INDEPENDENT: &str = "publishes-independent";

const TOPIC: &str = "events";
/// The topic whose publishes hang at the broker.
const SLOW: &str = "slow";
const SUBSCRIBER: &str = "analytics";
/// The message main publishes once it has unsubscribed.
const AFTER_UNSUBSCRIBE: u64 = 999;

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "message_queue.subscribe_then_publish",
            component: Component::StreamProducer,
            subject: Subject::Fixed,
            operations: "workers each subscribe the same subscriber to one topic, then publish \
                         a message on it; main then unsubscribes and publishes once more",
            invariants: &[DELIVERED_ONCE, ONE_SUBSCRIPTION, UNSUBSCRIBE_STOPS],
            checkers: &Checker::ALL,
            body: subscribe_then_publish,
        },
        CheckCase {
            id: "message_queue.unsubscribe_while_publishing",
            component: Component::StreamProducer,
            subject: Subject::Fixed,
            operations: "main subscribes; workers publish a message each while main \
                         unsubscribes, then publishes once more",
            invariants: &[DELIVERED_ONCE, UNSUBSCRIBE_STOPS, ONE_SUBSCRIPTION],
            checkers: &Checker::ALL,
            body: unsubscribe_while_publishing,
        },
        CheckCase {
            id: "message_queue.publish_held_at_broker",
            component: Component::StreamProducer,
            subject: Subject::Fixed,
            operations: "main subscribes; one worker publishes on a topic the broker holds, the \
                         others publish on the subscribed topic; main releases the broker once \
                         they are done (or one waits behind the held publish)",
            invariants: &[PUBLISHES_INDEPENDENT, DELIVERED_ONCE],
            checkers: &Checker::ALL,
            body: publish_held_at_broker,
        },
        CheckCase {
            id: "zoo.seed003-mq-double-subscribe",
            component: Component::StreamProducer,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "seed003-mq-double-subscribe",
                breaks: DELIVERED_ONCE,
            }),
            operations: "workers each subscribe_to_topic the same callback to one topic (a new \
                         pubsub and handler each, the old one overwritten), then publish a \
                         message on it",
            invariants: &[DELIVERED_ONCE, ONE_SUBSCRIPTION],
            checkers: &Checker::ALL,
            body: zoo_double_subscribe,
        },
        CheckCase {
            id: "zoo.seed003-mq-publish-serialized",
            component: Component::StreamProducer,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "seed003-mq-publish-serialized",
                breaks: PUBLISHES_INDEPENDENT,
            }),
            operations: "main subscribes; one worker publishes on a topic the broker holds \
                         (under the manager's lock), the others publish on the subscribed \
                         topic; main releases the broker once they are done or one waits on \
                         the lock",
            invariants: &[PUBLISHES_INDEPENDENT, DELIVERED_ONCE],
            checkers: &Checker::ALL,
            body: zoo_publish_serialized,
        },
    ]
}

/// The fixed manager or the original, as the cases drive them.
trait Queue: Send + Sync + 'static {
    fn subscribe(&self, callback: Callback);
    fn publish(&self, topic: &str, id: u64);
    /// Calls waiting for another call's round trip (the original's lock);
    /// the fixed manager has none.
    fn waiting_on_lock(&self) -> usize;
    fn broker(&self) -> &MemoryBroker;
}

fn message(id: u64) -> Payload {
    serde_json::json!({ "id": id })
}

impl Queue for MessageQueue<MemoryBroker> {
    fn subscribe(&self, callback: Callback) {
        block_on(MessageQueue::subscribe(self, TOPIC, SUBSCRIBER, callback)).expect("subscribe");
    }

    fn publish(&self, topic: &str, id: u64) {
        block_on(MessageQueue::publish(self, topic, &message(id))).expect("publish");
    }

    fn waiting_on_lock(&self) -> usize {
        0
    }

    fn broker(&self) -> &MemoryBroker {
        MessageQueue::broker(self)
    }
}

impl Queue for PyMessageQueueManager<MemoryBroker> {
    fn subscribe(&self, callback: Callback) {
        block_on(self.subscribe_to_topic(TOPIC, callback)).expect("subscribe");
    }

    fn publish(&self, topic: &str, id: u64) {
        block_on(self.publish_message(topic, &message(id))).expect("publish");
    }

    fn waiting_on_lock(&self) -> usize {
        PyMessageQueueManager::waiting_on_lock(self)
    }

    fn broker(&self) -> &MemoryBroker {
        PyMessageQueueManager::broker(self)
    }
}

/// The subscriber's callback: records every message id it receives.
type Log = Arc<Mutex<Vec<u64>>>;

fn recorder() -> (Callback, Log) {
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let callback: Callback = std::sync::Arc::new(move |d: &Delivery| {
        if let Some(id) = d.payload.get("id").and_then(Payload::as_u64) {
            sink.lock().push(id);
        }
    });
    (callback, log)
}

fn deliveries(log: &Log) -> BTreeMap<u64, usize> {
    let mut counts = BTreeMap::new();
    for &id in log.lock().iter() {
        *counts.entry(id).or_insert(0) += 1;
    }
    counts
}

/// Each of `ids` delivered exactly once (`must`), or at most once.
fn check_delivered(log: &Log, ids: impl IntoIterator<Item = u64>, must: bool) {
    let counts = deliveries(log);
    for id in ids {
        let n = counts.get(&id).copied().unwrap_or(0);
        ensure(n == 1 || (!must && n == 0), DELIVERED_ONCE, || {
            format!(
                "message {id} reached the subscriber's callback {n} times (open broker \
                 subscriptions on {TOPIC}: see one-subscription-per-subscriber)"
            )
        });
    }
}

fn check_one_subscription(broker: &MemoryBroker, most: usize) {
    let open = broker.subscriptions(TOPIC);
    ensure(open <= most, ONE_SUBSCRIPTION, || {
        format!("{open} broker subscriptions open on {TOPIC} for one subscriber")
    });
}

/// Workers each subscribe the one subscriber, then publish their id: every
/// id is published after a subscribe returned. Returns the log.
fn subscribe_and_publish<Q: Queue>(queue: &Arc<Q>) -> Log {
    let (callback, log) = recorder();
    let workers: Vec<_> = (0..SCALE.threads as u64)
        .map(|id| {
            let (queue, callback) = (Arc::clone(queue), callback.clone());
            thread::spawn(move || {
                queue.subscribe(callback);
                queue.publish(TOPIC, id);
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    check_delivered(&log, 0..SCALE.threads as u64, true);
    check_one_subscription(queue.broker(), 1);
    log
}

fn subscribe_then_publish() {
    let queue = Arc::new(MessageQueue::new(MemoryBroker::new()));
    let log = subscribe_and_publish(&queue);
    let removed = block_on(queue.unsubscribe(TOPIC, SUBSCRIBER)).expect("unsubscribe");
    ensure(removed, UNSUBSCRIBE_STOPS, || {
        "nothing to unsubscribe".into()
    });
    Queue::publish(&*queue, TOPIC, AFTER_UNSUBSCRIBE);
    check_not_after_unsubscribe(&log);
    check_one_subscription(queue.broker(), 0);
}

fn check_not_after_unsubscribe(log: &Log) {
    let n = deliveries(log)
        .get(&AFTER_UNSUBSCRIBE)
        .copied()
        .unwrap_or(0);
    ensure(n == 0, UNSUBSCRIBE_STOPS, || {
        format!("a message published after unsubscribe returned was delivered {n} times")
    });
}

fn unsubscribe_while_publishing() {
    let queue = Arc::new(MessageQueue::new(MemoryBroker::new()));
    let (callback, log) = recorder();
    Queue::subscribe(&*queue, callback);
    let workers: Vec<_> = (0..SCALE.threads as u64)
        .map(|id| {
            let queue = Arc::clone(&queue);
            thread::spawn(move || Queue::publish(&*queue, TOPIC, id))
        })
        .collect();
    let removed = block_on(queue.unsubscribe(TOPIC, SUBSCRIBER)).expect("unsubscribe");
    Queue::publish(&*queue, TOPIC, AFTER_UNSUBSCRIBE);
    for worker in workers {
        let _ = worker.join();
    }
    ensure(removed, UNSUBSCRIBE_STOPS, || {
        "nothing to unsubscribe".into()
    });
    check_not_after_unsubscribe(&log);
    check_delivered(&log, 0..SCALE.threads as u64, false);
    check_one_subscription(queue.broker(), 0);
}

/// Main subscribes; worker 0 publishes on the held topic, the others on the
/// subscribed one. Main releases the broker once the others are done or one
/// of them waits on the lock while a publish is parked at the broker (all
/// that can happen then is the held publish's return).
fn held_publish<Q: Queue>(queue: Arc<Q>) {
    let (callback, log) = recorder();
    queue.subscribe(callback);
    queue.broker().hold(SLOW);
    let others = SCALE.threads.saturating_sub(1).max(1);
    let done = Arc::new(AtomicUsize::new(0));
    let slow = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.publish(SLOW, 0))
    };
    let workers: Vec<_> = (1..=others as u64)
        .map(|id| {
            let (queue, done) = (Arc::clone(&queue), Arc::clone(&done));
            thread::spawn(move || {
                queue.publish(TOPIC, id);
                done.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    let blocked = loop {
        if done.load(Ordering::SeqCst) == others {
            break None;
        }
        if queue.broker().parked() > 0 && queue.waiting_on_lock() > 0 {
            break Some(queue.waiting_on_lock());
        }
        thread::yield_now();
    };
    queue.broker().release();
    let _ = slow.join();
    for worker in workers {
        let _ = worker.join();
    }
    ensure(blocked.is_none(), PUBLISHES_INDEPENDENT, || {
        format!(
            "{} publish(es) on {TOPIC} waited on the manager's lock while a publish on {SLOW} \
             was at the broker",
            blocked.unwrap_or(0)
        )
    });
    check_delivered(&log, 1..=others as u64, true);
}

fn publish_held_at_broker() {
    held_publish(Arc::new(MessageQueue::new(MemoryBroker::new())));
}

/// `seed003-mq-double-subscribe`: each worker's subscribe opens another
/// pubsub; the last worker's message reaches the callback once per worker.
fn zoo_double_subscribe() {
    subscribe_and_publish(&Arc::new(PyMessageQueueManager::new(MemoryBroker::new())));
}

/// `seed003-mq-publish-serialized`: when the held publish takes the lock
/// first, every other publish waits on it.
fn zoo_publish_serialized() {
    held_publish(Arc::new(PyMessageQueueManager::new(MemoryBroker::new())));
}
