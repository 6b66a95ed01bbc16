//! Message-queue manager: topic subscriptions over a pub/sub broker, at most
//! one per (topic, subscriber), and publishes that never wait on them.
//!
//! Listed under the stream producer component (`Component::StreamProducer`,
//! messaging). The original is seed 003's `MessageQueueManager` (§3 "Thread
//! Safety Patterns", Message Queue Communication; catalog §99) over Redis
//! pub/sub. It holds its one `asyncio.Lock` across the Redis `PUBLISH`, so
//! publishers run one at a time and a publish stuck at the broker blocks
//! every other publish and subscribe (`seed003-mq-publish-serialized`);
//! and `subscribe_to_topic` makes a new pubsub, overwrites
//! `_subscribers[topic]` without unsubscribing the old one and starts
//! another handler task, while the first (not retained) keeps running, so a
//! second subscribe delivers every later message to the callback twice
//! (`seed003-mq-double-subscribe`). Both are ported in
//! [`super::bug_zoo::message_queue`].
//!
//! Here:
//! - a subscription is keyed by (topic, subscriber). The first
//!   [`MessageQueue::subscribe`] of a key claims it (one critical section)
//!   and opens the broker subscription outside any lock; a concurrent or
//!   later subscribe of the same key only replaces the callback, after
//!   waiting for the opening to finish, so one broker subscription serves
//!   the key and a swap never loses nor doubles a message;
//! - the broker delivers through the key's callback *cell*; an unsubscribe
//!   empties the cell in the same critical section that removes the key, so
//!   delivery stops at once, before the broker's own unsubscribe completes;
//! - [`MessageQueue::publish`] hands the message to the broker without
//!   taking any lock of the manager.
//!
//! The broker is injected ([`Broker`]): a Redis one in the service, the
//! in-memory [`MemoryBroker`] in the unit tests and model checks. The
//! component is runtime-agnostic async on the [`super::sync`] facade, like
//! the stream producer.
//!
//! # Invariants (asserted by the model checks)
//! - **one-subscription-per-subscriber**: at most one broker subscription
//!   per (topic, subscriber) is open once no subscribe or unsubscribe is
//!   running.
//! - **delivered-exactly-once**: a message published after a subscribe of
//!   its topic has returned (and before an unsubscribe of it) reaches the
//!   subscriber's callback exactly once.
//! - **unsubscribe-stops-delivery**: after [`MessageQueue::unsubscribe`]
//!   has returned, no message reaches the callback it removed.
//! - **publishes-independent**: a publish never waits on another publish's
//!   (or a subscribe's) round trip to the broker.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;

use super::sync::{Arc, Mutex, Notify};

/// A message (`Dict[str, Any]` in the original; JSON on the wire).
pub type Payload = serde_json::Value;

/// A broker's name for one of its subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubscriptionId(pub u64);

/// Where a broker hands a subscription's messages (their JSON text).
///
/// A plain `std` `Arc`: an immutable closure shared, not a synchronisation
/// the checkers need to see (as the health monitor's channels).
pub type Deliver = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// A message as a subscriber receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub topic: String,
    pub payload: Payload,
}

impl Delivery {
    /// Decodes a message's JSON text as the broker delivered it.
    pub fn decode(topic: &str, text: &str) -> Result<Self, serde_json::Error> {
        Ok(Self {
            topic: topic.to_string(),
            payload: serde_json::from_str(text)?,
        })
    }
}

/// A subscriber's callback.
pub type Callback = std::sync::Arc<dyn Fn(&Delivery) + Send + Sync>;

/// Why the broker refused an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrokerError {
    #[error("cannot reach the broker: {0}")]
    Unreachable(String),
}

/// A pub/sub broker (Redis `PUBLISH` / `SUBSCRIBE` in the original).
pub trait Broker: Send + Sync {
    /// Publishes `payload` on `topic`; returns the subscriptions it reached.
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        payload: &'a str,
    ) -> impl Future<Output = Result<usize, BrokerError>> + Send + 'a;

    /// Opens a subscription: every message published on `topic` after this
    /// returns goes to `deliver`, until [`Broker::unsubscribe`].
    fn subscribe<'a>(
        &'a self,
        topic: &'a str,
        deliver: Deliver,
    ) -> impl Future<Output = Result<SubscriptionId, BrokerError>> + Send + 'a;

    fn unsubscribe(
        &self,
        id: SubscriptionId,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send + '_;
}

/// A failed manager operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MqError {
    #[error("message for topic {topic} cannot be encoded as JSON: {reason}")]
    Encode { topic: String, reason: String },
    #[error("broker failed on topic {topic}: {source}")]
    Broker {
        topic: String,
        #[source]
        source: BrokerError,
    },
}

/// What a subscribe did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscribed {
    /// Opened the key's broker subscription.
    New,
    /// The key was subscribed already: its callback was replaced.
    Replaced,
}

/// The manager's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MqStats {
    pub published: u64,
    /// Messages handed to a callback.
    pub delivered: u64,
    /// Messages the broker delivered whose text was not JSON.
    pub undecodable: u64,
    /// Messages the broker delivered to a subscription already removed.
    pub after_unsubscribe: u64,
    pub subscriptions_opened: u64,
    pub subscriptions_closed: u64,
}

/// The callback a key's broker subscription delivers to; `None` once
/// unsubscribed.
type Cell = Arc<Mutex<Option<Callback>>>;

enum SlotState {
    /// The broker subscription is being opened.
    Opening,
    Open(SubscriptionId),
}

struct Slot {
    cell: Cell,
    state: SlotState,
}

type Key = (String, String);

/// The shared manager: a handle; clones share one broker and one registry.
pub struct MessageQueue<B> {
    shared: Arc<Shared<B>>,
}

struct Shared<B> {
    broker: B,
    /// Subscriptions by (topic, subscriber). Never held across an await.
    registry: Mutex<HashMap<Key, Slot>>,
    /// Notified when an opening ends (opened or failed).
    settled: Notify,
    /// Shared with the delivery closures, which must not own the manager.
    stats: Arc<Mutex<MqStats>>,
}

impl<B> Clone for MessageQueue<B> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<B> fmt::Debug for MessageQueue<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageQueue").finish_non_exhaustive()
    }
}

impl<B: Broker> MessageQueue<B> {
    pub fn new(broker: B) -> Self {
        Self {
            shared: Arc::new(Shared {
                broker,
                registry: Mutex::new(HashMap::new()),
                settled: Notify::new(),
                stats: Arc::new(Mutex::new(MqStats::default())),
            }),
        }
    }

    pub fn broker(&self) -> &B {
        &self.shared.broker
    }

    /// `publish_message`: encodes `message` and hands it to the broker,
    /// holding no lock of the manager meanwhile.
    pub async fn publish(&self, topic: &str, message: &Payload) -> Result<usize, MqError> {
        let payload = serde_json::to_string(message).map_err(|e| MqError::Encode {
            topic: topic.to_string(),
            reason: e.to_string(),
        })?;
        let reached = self
            .shared
            .broker
            .publish(topic, &payload)
            .await
            .map_err(|source| MqError::Broker {
                topic: topic.to_string(),
                source,
            })?;
        self.shared.stats.lock().published += 1;
        Ok(reached)
    }

    /// `subscribe_to_topic`: `subscriber`'s `callback` receives every
    /// message published on `topic` after this returns. A key already
    /// subscribed (or being subscribed) keeps its one broker subscription
    /// and gets the new callback.
    pub async fn subscribe(
        &self,
        topic: &str,
        subscriber: &str,
        callback: Callback,
    ) -> Result<Subscribed, MqError> {
        let shared = &*self.shared;
        let key: Key = (topic.to_string(), subscriber.to_string());
        loop {
            let epoch = shared.settled.epoch();
            let claimed = {
                let mut registry = shared.registry.lock();
                match registry.get(&key) {
                    Some(slot) => {
                        *slot.cell.lock() = Some(callback.clone());
                        if matches!(slot.state, SlotState::Open(_)) {
                            return Ok(Subscribed::Replaced);
                        }
                        None
                    }
                    None => {
                        let cell: Cell = Arc::new(Mutex::new(Some(callback.clone())));
                        let slot = Slot {
                            cell: Arc::clone(&cell),
                            state: SlotState::Opening,
                        };
                        registry.insert(key.clone(), slot);
                        Some(cell)
                    }
                }
            };
            match claimed {
                Some(cell) => return self.open(key, cell).await,
                // Another subscribe of the key is opening it: wait for it.
                None => shared.settled.changed_since(epoch).await,
            }
        }
    }

    /// Opens the broker subscription of a key this call claimed.
    async fn open(&self, key: Key, cell: Cell) -> Result<Subscribed, MqError> {
        let shared = &*self.shared;
        let mut opening = Opening {
            shared,
            key: &key,
            cell: &cell,
            armed: true,
        };
        let deliver = delivery(&key.0, Arc::clone(&cell), Arc::clone(&shared.stats));
        let opened = shared.broker.subscribe(&key.0, deliver).await;
        opening.armed = false;
        let outcome = {
            let mut registry = shared.registry.lock();
            match opened {
                Ok(id) => {
                    if let Some(slot) = registry.get_mut(&key) {
                        slot.state = SlotState::Open(id);
                    }
                    shared.stats.lock().subscriptions_opened += 1;
                    Ok(Subscribed::New)
                }
                Err(source) => {
                    registry.remove(&key);
                    Err(MqError::Broker {
                        topic: key.0.clone(),
                        source,
                    })
                }
            }
        };
        shared.settled.notify_all();
        outcome
    }

    /// Stops `subscriber`'s delivery on `topic` (at once, in one critical
    /// section) and closes its broker subscription. `Ok(false)` if the key
    /// was not subscribed.
    pub async fn unsubscribe(&self, topic: &str, subscriber: &str) -> Result<bool, MqError> {
        let shared = &*self.shared;
        let key: Key = (topic.to_string(), subscriber.to_string());
        loop {
            let epoch = shared.settled.epoch();
            let open = {
                let mut registry = shared.registry.lock();
                match registry.get(&key).map(|slot| &slot.state) {
                    None => return Ok(false),
                    Some(SlotState::Opening) => None,
                    Some(&SlotState::Open(id)) => {
                        if let Some(slot) = registry.remove(&key) {
                            *slot.cell.lock() = None;
                        }
                        shared.stats.lock().subscriptions_closed += 1;
                        Some(id)
                    }
                }
            };
            match open {
                Some(id) => {
                    shared
                        .broker
                        .unsubscribe(id)
                        .await
                        .map_err(|source| MqError::Broker {
                            topic: topic.to_string(),
                            source,
                        })?;
                    return Ok(true);
                }
                None => shared.settled.changed_since(epoch).await,
            }
        }
    }

    /// Keys with an open broker subscription.
    pub fn active_subscriptions(&self) -> usize {
        let registry = self.shared.registry.lock();
        registry
            .values()
            .filter(|slot| matches!(slot.state, SlotState::Open(_)))
            .count()
    }

    pub fn stats(&self) -> MqStats {
        *self.shared.stats.lock()
    }
}

/// The broker's delivery for one key: decode, then call the key's current
/// callback (outside the cell's lock, so a callback may publish, subscribe
/// or unsubscribe). A delivery that read the callback just before an
/// unsubscribe may still run it after; a message published after the
/// unsubscribe returned never reaches it.
fn delivery(topic: &str, cell: Cell, stats: Arc<Mutex<MqStats>>) -> Deliver {
    let topic = topic.to_string();
    std::sync::Arc::new(move |text: &str| {
        let Some(callback) = cell.lock().clone() else {
            stats.lock().after_unsubscribe += 1;
            return;
        };
        match Delivery::decode(&topic, text) {
            Ok(delivery) => {
                stats.lock().delivered += 1;
                callback(&delivery);
            }
            Err(_) => stats.lock().undecodable += 1,
        }
    })
}

/// A claimed key whose opening has not finished; dropped armed (the
/// subscribe future was cancelled), it frees the key and wakes the waiters.
struct Opening<'a, B> {
    shared: &'a Shared<B>,
    key: &'a Key,
    cell: &'a Cell,
    armed: bool,
}

impl<B> Drop for Opening<'_, B> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        {
            let mut registry = self.shared.registry.lock();
            if registry
                .get(self.key)
                .is_some_and(|slot| Arc::ptr_eq(&slot.cell, self.cell))
            {
                registry.remove(self.key);
            }
        }
        self.shared.settled.notify_all();
    }
}

/// An in-memory broker for the unit tests and model checks: delivers each
/// publish to the topic's subscriptions before it returns. A topic can be
/// *held*: its publishes and subscribes wait at the broker until
/// [`MemoryBroker::release`] (a broker round trip that does not come back).
#[derive(Default)]
pub struct MemoryBroker {
    state: Mutex<BrokerState>,
    released: Notify,
}

#[derive(Default)]
struct BrokerState {
    next_id: u64,
    subscriptions: BTreeMap<SubscriptionId, (String, Deliver)>,
    held: Vec<String>,
    /// Round trips waiting at a held topic now.
    parked: usize,
}

impl fmt::Debug for MemoryBroker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryBroker").finish_non_exhaustive()
    }
}

impl MemoryBroker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Open subscriptions on `topic`.
    pub fn subscriptions(&self, topic: &str) -> usize {
        let state = self.state.lock();
        state
            .subscriptions
            .values()
            .filter(|(t, _)| t == topic)
            .count()
    }

    /// Publishes and subscribes on `topic` wait at the broker from now on.
    pub fn hold(&self, topic: &str) {
        self.state.lock().held.push(topic.to_string());
    }

    /// Lets every held round trip through.
    pub fn release(&self) {
        self.state.lock().held.clear();
        self.released.notify_all();
    }

    /// Round trips (publishes, subscribes) waiting at a held topic now.
    pub fn parked(&self) -> usize {
        self.state.lock().parked
    }

    /// Waits while `topic` is held (counted as parked until it returns or
    /// is dropped).
    async fn wait_unless_held(&self, topic: &str) {
        let mut parked = None;
        loop {
            let epoch = self.released.epoch();
            {
                let mut state = self.state.lock();
                if !state.held.iter().any(|t| t == topic) {
                    drop(state);
                    drop(parked);
                    return;
                }
                if parked.is_none() {
                    state.parked += 1;
                    parked = Some(ParkedAtBroker(self));
                }
            }
            self.released.changed_since(epoch).await;
        }
    }
}

/// A round trip waiting at a held topic.
struct ParkedAtBroker<'a>(&'a MemoryBroker);

impl Drop for ParkedAtBroker<'_> {
    fn drop(&mut self) {
        self.0.state.lock().parked -= 1;
    }
}

impl Broker for MemoryBroker {
    async fn publish(&self, topic: &str, payload: &str) -> Result<usize, BrokerError> {
        self.wait_unless_held(topic).await;
        let targets: Vec<Deliver> = {
            let state = self.state.lock();
            state
                .subscriptions
                .values()
                .filter(|(t, _)| t == topic)
                .map(|(_, deliver)| deliver.clone())
                .collect()
        };
        for deliver in &targets {
            deliver(payload);
        }
        Ok(targets.len())
    }

    async fn subscribe(
        &self,
        topic: &str,
        deliver: Deliver,
    ) -> Result<SubscriptionId, BrokerError> {
        self.wait_unless_held(topic).await;
        let mut state = self.state.lock();
        let id = SubscriptionId(state.next_id);
        state.next_id += 1;
        state.subscriptions.insert(id, (topic.to_string(), deliver));
        Ok(id)
    }

    async fn unsubscribe(&self, id: SubscriptionId) -> Result<(), BrokerError> {
        self.state.lock().subscriptions.remove(&id);
        Ok(())
    }
}

#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Waker};

    use serde_json::json;

    use super::super::sync::block_on;
    use super::*;

    /// A callback that records what it receives.
    fn recorder() -> (Callback, Arc<Mutex<Vec<Payload>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let callback: Callback =
            std::sync::Arc::new(move |d: &Delivery| sink.lock().push(d.payload.clone()));
        (callback, log)
    }

    #[test]
    fn a_second_subscribe_replaces_the_callback_and_keeps_one_subscription() {
        let mq = MessageQueue::new(MemoryBroker::new());
        let (first, first_log) = recorder();
        let (second, second_log) = recorder();
        assert_eq!(
            block_on(mq.subscribe("t", "svc", first)),
            Ok(Subscribed::New)
        );
        assert_eq!(block_on(mq.publish("t", &json!(1))), Ok(1));
        assert_eq!(
            block_on(mq.subscribe("t", "svc", second)),
            Ok(Subscribed::Replaced)
        );
        assert_eq!(mq.broker().subscriptions("t"), 1);
        assert_eq!(block_on(mq.publish("t", &json!(2))), Ok(1));
        assert_eq!(*first_log.lock(), vec![json!(1)]);
        assert_eq!(*second_log.lock(), vec![json!(2)]);
        assert_eq!(mq.active_subscriptions(), 1);
    }

    #[test]
    fn subscribers_of_one_topic_each_get_every_message_once() {
        let mq = MessageQueue::new(MemoryBroker::new());
        let (a, a_log) = recorder();
        let (b, b_log) = recorder();
        block_on(mq.subscribe("t", "a", a)).expect("subscribe a");
        block_on(mq.subscribe("t", "b", b)).expect("subscribe b");
        assert_eq!(block_on(mq.publish("t", &json!({"n": 1}))), Ok(2));
        assert_eq!(block_on(mq.publish("other", &json!(0))), Ok(0));
        assert_eq!(*a_log.lock(), vec![json!({"n": 1})]);
        assert_eq!(*b_log.lock(), vec![json!({"n": 1})]);
        let stats = mq.stats();
        assert_eq!((stats.published, stats.delivered), (2, 2));
    }

    #[test]
    fn unsubscribe_stops_delivery_and_closes_the_broker_subscription() {
        let mq = MessageQueue::new(MemoryBroker::new());
        let (callback, log) = recorder();
        block_on(mq.subscribe("t", "svc", callback)).expect("subscribe");
        assert_eq!(block_on(mq.unsubscribe("t", "svc")), Ok(true));
        assert_eq!(block_on(mq.unsubscribe("t", "svc")), Ok(false));
        assert_eq!(block_on(mq.publish("t", &json!(1))), Ok(0));
        assert!(log.lock().is_empty());
        assert_eq!(mq.broker().subscriptions("t"), 0);
        assert_eq!(mq.active_subscriptions(), 0);
    }

    #[test]
    fn a_publish_held_at_the_broker_blocks_neither_publishes_nor_subscribes() {
        let mq = MessageQueue::new(MemoryBroker::new());
        mq.broker().hold("slow");
        let empty = json!({});
        let mut slow = pin!(mq.publish("slow", &empty));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(slow.as_mut().poll(&mut cx).is_pending());
        assert_eq!(mq.broker().parked(), 1);
        let (callback, log) = recorder();
        block_on(mq.subscribe("t", "svc", callback)).expect("subscribe");
        assert_eq!(block_on(mq.publish("t", &json!(1))), Ok(1));
        assert_eq!(*log.lock(), vec![json!(1)]);
        mq.broker().release();
        assert!(slow.as_mut().poll(&mut cx).is_ready());
    }

    #[test]
    fn a_cancelled_subscribe_frees_its_key() {
        let mq = MessageQueue::new(MemoryBroker::new());
        let (callback, log) = recorder();
        mq.broker().hold("t");
        {
            let mut claim = pin!(mq.subscribe("t", "svc", callback.clone()));
            let mut cx = Context::from_waker(Waker::noop());
            assert!(claim.as_mut().poll(&mut cx).is_pending());
            assert_eq!(mq.broker().parked(), 1);
        }
        assert_eq!(mq.broker().parked(), 0);
        mq.broker().release();
        assert_eq!(block_on(mq.unsubscribe("t", "svc")), Ok(false));
        assert_eq!(
            block_on(mq.subscribe("t", "svc", callback)),
            Ok(Subscribed::New)
        );
        assert_eq!(block_on(mq.publish("t", &json!(1))), Ok(1));
        assert_eq!(*log.lock(), vec![json!(1)]);
    }

    #[test]
    fn a_broker_failure_is_typed_and_names_the_topic() {
        struct Down;
        impl Broker for Down {
            async fn publish(&self, _: &str, _: &str) -> Result<usize, BrokerError> {
                Err(BrokerError::Unreachable("redis://down".into()))
            }
            async fn subscribe(&self, _: &str, _: Deliver) -> Result<SubscriptionId, BrokerError> {
                Err(BrokerError::Unreachable("redis://down".into()))
            }
            async fn unsubscribe(&self, _: SubscriptionId) -> Result<(), BrokerError> {
                Ok(())
            }
        }
        let mq = MessageQueue::new(Down);
        let down = BrokerError::Unreachable("redis://down".into());
        assert_eq!(
            block_on(mq.publish("t", &json!(1))),
            Err(MqError::Broker {
                topic: "t".into(),
                source: down.clone()
            })
        );
        let (callback, _log) = recorder();
        assert_eq!(
            block_on(mq.subscribe("t", "svc", callback)),
            Err(MqError::Broker {
                topic: "t".into(),
                source: down
            })
        );
        // The failed opening freed the key.
        assert_eq!(mq.active_subscriptions(), 0);
        assert_eq!(block_on(mq.unsubscribe("t", "svc")), Ok(false));
    }
}
