//! Seed 003's `MessageQueueManager` (§3 "Thread Safety Patterns", Message
//! Queue Communication, lines ~124–145; catalog §99), ported as written.
//! Listed under the stream producer component (messaging), like the fixed
//! [`super::super::message_queue`].
//!
//! ```python
//! async def publish_message(self, topic, message):
//!     async with self._lock:
//!         await self.redis.publish(topic, json.dumps(message))
//!
//! async def subscribe_to_topic(self, topic, callback):
//!     async with self._lock:
//!         pubsub = self.redis.pubsub()
//!         await pubsub.subscribe(topic)
//!         self._subscribers[topic] = pubsub
//!         asyncio.create_task(self._message_handler(pubsub, callback))
//! ```
//!
//! - `seed003-mq-double-subscribe` — a second `subscribe_to_topic` of a
//!   topic opens a second pubsub, overwrites `_subscribers[topic]` without
//!   unsubscribing the first, and starts a second handler task; the first
//!   task (not retained anywhere) keeps reading the first pubsub. Every
//!   message published afterwards reaches the callback twice. Two
//!   concurrent subscribes end the same way (the lock only orders them), so
//!   they are this entry, not another.
//! - `seed003-mq-publish-serialized` — the lock is held across the Redis
//!   `PUBLISH` round trip: publishers run one at a time, and a publish stuck
//!   at the broker blocks every other publish (and subscribe) of the
//!   manager; the original sets no timeout on it.
//!
//! A handler task is the broker's delivery to the pubsub: it decodes each
//! message and awaits the callback ([`Delivery::decode`], as the fixed
//! manager). The `asyncio.Lock` is [`AsyncLock`].

use std::collections::HashMap;

use super::super::message_queue::{
    Broker, Callback, Deliver, Delivery, MqError, Payload, SubscriptionId,
};
use super::super::sync::Mutex;
use super::asyncio::AsyncLock;

/// The original manager.
#[derive(Debug)]
pub struct PyMessageQueueManager<B> {
    /// `self.redis`.
    broker: B,
    /// `self._subscribers`: topic → the latest pubsub.
    subscribers: Mutex<HashMap<String, SubscriptionId>>,
    /// `self._lock`.
    lock: AsyncLock,
}

impl<B: Broker> PyMessageQueueManager<B> {
    pub fn new(broker: B) -> Self {
        Self {
            broker,
            subscribers: Mutex::new(HashMap::new()),
            lock: AsyncLock::new(),
        }
    }

    pub fn broker(&self) -> &B {
        &self.broker
    }

    /// `publish_message`: `json.dumps`, then `PUBLISH`, under the lock.
    pub async fn publish_message(&self, topic: &str, message: &Payload) -> Result<usize, MqError> {
        let _held = self.lock.acquire().await;
        let payload = serde_json::to_string(message).map_err(|e| MqError::Encode {
            topic: topic.to_string(),
            reason: e.to_string(),
        })?;
        self.broker
            .publish(topic, &payload)
            .await
            .map_err(|source| MqError::Broker {
                topic: topic.to_string(),
                source,
            })
    }

    /// `subscribe_to_topic`: a new pubsub every call; the old one is
    /// overwritten, never unsubscribed, and its handler keeps delivering.
    pub async fn subscribe_to_topic(&self, topic: &str, callback: Callback) -> Result<(), MqError> {
        let _held = self.lock.acquire().await;
        let id = self
            .broker
            .subscribe(topic, message_handler(topic, callback))
            .await
            .map_err(|source| MqError::Broker {
                topic: topic.to_string(),
                source,
            })?;
        self.subscribers.lock().insert(topic.to_string(), id);
        Ok(())
    }

    /// Tasks waiting for `self._lock` now.
    pub fn waiting_on_lock(&self) -> usize {
        self.lock.waiting()
    }
}

/// `_message_handler(pubsub, callback)`: every message of the pubsub,
/// decoded, to the callback.
fn message_handler(topic: &str, callback: Callback) -> Deliver {
    let topic = topic.to_string();
    std::sync::Arc::new(move |text: &str| {
        if let Ok(delivery) = Delivery::decode(&topic, text) {
            callback(&delivery);
        }
    })
}
