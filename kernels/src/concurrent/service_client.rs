//! Inter-service client: JSON calls to one service, each with its own
//! deadline, none waiting for another.
//!
//! Listed under the service registry component (`Component::ServiceRegistry`,
//! inter-service communication). The original is seed 003's `ServiceClient`
//! (§3 "Thread Safety Patterns", REST API Communication; catalog §99): it
//! holds one `asyncio.Lock` per client across the whole HTTP round trip
//! (`async with self._lock: ... await response.json()`), so every call
//! through a client is serialized, one slow or hung call (up to its 30 s
//! timeout) blocks all others, and a call that needs another call's effect
//! (a long poll answered by a later request) cannot complete at all; and an
//! `asyncio.Lock` guards nothing across threads despite the "thread-safe"
//! label (`seed003-client-serialized`, ported in
//! [`super::bug_zoo::service_client`]).
//!
//! Here no lock is held across the round trip: the transport's future runs
//! with nothing of the client locked, and only the client's own bookkeeping
//! (calls in flight with their deadlines, and the completed / failed / timed
//! out / cancelled counters) is updated, in short critical sections, when a
//! call starts and when it ends. The transport is injected ([`Transport`]):
//! the shipped service gives an HTTP one, the unit tests and model checks
//! the in-memory [`MailboxTransport`].
//!
//! Time is the logical clock's ([`super::clock`]): a call's deadline is its
//! start plus the timeout (the original's default, 30 s). The runtime
//! supplies the timer, as for the registry's probes: a sweeper calls
//! [`ServiceClient::expire_overdue`] on its tick, which fails every call past
//! its deadline (the call's future returns [`ServiceCommunicationError::Timeout`]
//! and drops the transport's future); a reply that arrives at or after the
//! deadline counts as a timeout as well, so a call's outcome does not depend
//! on whether the sweep or the reply came first.
//!
//! # Invariants (asserted by the model checks)
//! - **calls-independent**: a call is never delayed by another call's round
//!   trip: nothing a call waits for is held by another call.
//! - **every-call-completes**: a call whose reply arrives before its deadline
//!   returns that reply (a long poll answered by a later call completes).
//! - **counted-once**: every call started is, once it has returned, counted
//!   exactly once as completed, failed, timed out or cancelled (dropped),
//!   and its result agrees with the counter it is in; calls in flight are
//!   exactly those started and not yet ended.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use super::clock::{Clock, Millis};
use super::sync::{Arc, Mutex, Notify};

/// The original's per-call timeout (`timeout: int = 30`, seconds).
pub const DEFAULT_TIMEOUT: Millis = 30_000;

/// A JSON request or reply body (`Dict[str, Any]` in the original).
pub type Payload = serde_json::Value;

/// Why a transport could not deliver a call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("cannot reach the service: {0}")]
    Unreachable(String),
    #[error("the service answered HTTP {0}")]
    Status(u16),
    #[error("the reply is not JSON: {0}")]
    Malformed(String),
}

/// How a call reaches the service (`aiohttp.ClientSession.post` in the
/// original).
pub trait Transport: Send + Sync {
    /// POSTs `body` to `url` and returns the decoded reply. The future may be
    /// dropped at any await (the call timed out or was cancelled); the
    /// transport must leave nothing behind that a later call depends on.
    fn post<'a>(
        &'a self,
        url: &'a str,
        body: &'a Payload,
    ) -> impl Future<Output = Result<Payload, TransportError>> + Send + 'a;
}

/// A failed call: the original's `ServiceCommunicationError`, with the
/// reason kept instead of only logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceCommunicationError {
    #[error("call to {url} timed out after {timeout} ms")]
    Timeout { url: String, timeout: Millis },
    #[error("call to {url} failed: {source}")]
    Failed {
        url: String,
        #[source]
        source: TransportError,
    },
}

/// A configuration the client cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientConfigError {
    #[error(
        "ClientConfig::service_url is empty: give the service's base URL, e.g. http://analytics:8000"
    )]
    EmptyUrl,
    #[error(
        "ClientConfig::timeout is 0 ms: give a call at least 1 ms (the original's default is 30 s)"
    )]
    ZeroTimeout,
}

/// Where a client calls and how long a call may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Base URL; a call to `endpoint` posts to `{service_url}/{endpoint}`.
    pub service_url: String,
    /// Per-call timeout on the logical clock.
    pub timeout: Millis,
}

impl ClientConfig {
    /// `service_url` with the original's default timeout (30 s).
    pub fn new(service_url: impl Into<String>) -> Self {
        Self {
            service_url: service_url.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// The client's counters. `started` equals the sum of the other five.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    pub started: u64,
    /// Calls started and not yet ended.
    pub in_flight: u64,
    /// Calls that returned the service's reply.
    pub completed: u64,
    /// Calls the transport failed.
    pub failed: u64,
    /// Calls past their deadline (swept, or answered late).
    pub timed_out: u64,
    /// Calls whose future was dropped before they ended.
    pub cancelled: u64,
}

#[derive(Debug, Default)]
struct Calls {
    next_id: u64,
    /// Deadline of each call in flight.
    deadlines: BTreeMap<u64, Millis>,
    stats: ClientStats,
}

struct Shared<T, C> {
    config: ClientConfig,
    transport: T,
    clock: C,
    calls: Mutex<Calls>,
    /// Notified when a sweep fails calls, so their futures return.
    expired: Notify,
}

/// The shared client: a handle; clones share one transport and one set of
/// counters. No lock is held across a call's round trip.
pub struct ServiceClient<T, C> {
    shared: Arc<Shared<T, C>>,
}

impl<T, C> Clone for ServiceClient<T, C> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T, C> fmt::Debug for ServiceClient<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceClient")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl<T: Transport, C: Clock> ServiceClient<T, C> {
    pub fn new(config: ClientConfig, transport: T, clock: C) -> Result<Self, ClientConfigError> {
        if config.service_url.is_empty() {
            return Err(ClientConfigError::EmptyUrl);
        }
        if config.timeout == 0 {
            return Err(ClientConfigError::ZeroTimeout);
        }
        Ok(Self {
            shared: Arc::new(Shared {
                config,
                transport,
                clock,
                calls: Mutex::new(Calls::default()),
                expired: Notify::new(),
            }),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    pub fn transport(&self) -> &T {
        &self.shared.transport
    }

    /// `call_service(endpoint, data)`: posts `data` to
    /// `{service_url}/{endpoint}` and returns the reply, or fails with the
    /// transport's error or, once past the deadline, with a timeout. Other
    /// calls run meanwhile; dropping the future cancels the call (counted).
    pub async fn call_service(
        &self,
        endpoint: &str,
        data: &Payload,
    ) -> Result<Payload, ServiceCommunicationError> {
        let shared = &*self.shared;
        let url = format!("{}/{endpoint}", shared.config.service_url);
        let mut call = Call::begin(shared);
        let reply = Race {
            reply: pin!(shared.transport.post(&url, data)),
            shared,
            id: call.id,
        }
        .await;
        call.end(reply).map_err(|end| match end {
            End::TimedOut => ServiceCommunicationError::Timeout {
                url,
                timeout: shared.config.timeout,
            },
            End::Failed(source) => ServiceCommunicationError::Failed { url, source },
        })
    }

    /// Fails every call whose deadline has passed (one critical section) and
    /// wakes them; returns how many. The runtime calls it on its timer.
    pub fn expire_overdue(&self) -> usize {
        let shared = &*self.shared;
        let now = shared.clock.now();
        let expired = {
            let mut calls = shared.calls.lock();
            let overdue: Vec<u64> = calls
                .deadlines
                .iter()
                .filter(|&(_, &deadline)| deadline <= now)
                .map(|(&id, _)| id)
                .collect();
            for id in &overdue {
                calls.deadlines.remove(id);
            }
            let n = overdue.len();
            calls.stats.timed_out += n as u64;
            n
        };
        if expired > 0 {
            shared.expired.notify_all();
        }
        expired
    }

    /// The counters, read in one critical section.
    pub fn stats(&self) -> ClientStats {
        let calls = self.shared.calls.lock();
        ClientStats {
            in_flight: calls.deadlines.len() as u64,
            ..calls.stats
        }
    }
}

/// Why a call did not return a reply.
enum End {
    TimedOut,
    Failed(TransportError),
}

/// A call in flight; dropping it before [`Call::end`] counts it cancelled.
struct Call<'a, T, C> {
    shared: &'a Shared<T, C>,
    id: u64,
    ended: bool,
}

impl<'a, T, C: Clock> Call<'a, T, C> {
    /// Registers the call and its deadline (one critical section).
    fn begin(shared: &'a Shared<T, C>) -> Self {
        let deadline = shared.clock.now().saturating_add(shared.config.timeout);
        let mut calls = shared.calls.lock();
        let id = calls.next_id;
        calls.next_id += 1;
        calls.deadlines.insert(id, deadline);
        calls.stats.started += 1;
        Self {
            shared,
            id,
            ended: false,
        }
    }

    /// Settles the call: `None` means a sweep expired it (already counted).
    /// A reply at or after the deadline is a timeout too.
    fn end(&mut self, reply: Option<Result<Payload, TransportError>>) -> Result<Payload, End> {
        self.ended = true;
        let now = self.shared.clock.now();
        let mut calls = self.shared.calls.lock();
        let (Some(reply), Some(deadline)) = (reply, calls.deadlines.remove(&self.id)) else {
            return Err(End::TimedOut);
        };
        if now >= deadline {
            calls.stats.timed_out += 1;
            return Err(End::TimedOut);
        }
        match reply {
            Ok(reply) => {
                calls.stats.completed += 1;
                Ok(reply)
            }
            Err(source) => {
                calls.stats.failed += 1;
                Err(End::Failed(source))
            }
        }
    }
}

impl<T, C> Drop for Call<'_, T, C> {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let mut calls = self.shared.calls.lock();
        if calls.deadlines.remove(&self.id).is_some() {
            calls.stats.cancelled += 1;
        }
    }
}

/// The transport's future raced against the call's expiry: `Some(reply)`,
/// or `None` once a sweep has expired the call.
struct Race<'a, F, T, C> {
    reply: Pin<&'a mut F>,
    shared: &'a Shared<T, C>,
    id: u64,
}

impl<F, T, C> Future for Race<'_, F, T, C>
where
    F: Future<Output = Result<Payload, TransportError>>,
{
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            if let Poll::Ready(reply) = self.reply.as_mut().poll(cx) {
                return Poll::Ready(Some(reply));
            }
            // Epoch first, then the test: a sweep after this line wakes us.
            let epoch = self.shared.expired.epoch();
            if !self.shared.calls.lock().deadlines.contains_key(&self.id) {
                return Poll::Ready(None);
            }
            let mut changed = self.shared.expired.changed_since(epoch);
            if Pin::new(&mut changed).poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

/// An in-memory service for the unit tests and model checks: `…/send`
/// queues its body and answers `{"queued": n}`, `…/poll` is a long poll
/// answered with the oldest queued body once there is one, `…/fail` answers
/// HTTP 503; anything else is unreachable.
#[derive(Debug, Default)]
pub struct MailboxTransport {
    state: Mutex<Mailbox>,
    arrived: Notify,
}

#[derive(Debug, Default)]
struct Mailbox {
    queued: VecDeque<Payload>,
    /// Long polls waiting for a message now.
    parked: usize,
}

impl MailboxTransport {
    pub fn new() -> Self {
        Self::default()
    }

    /// Long polls waiting at the service for a message.
    pub fn parked_polls(&self) -> usize {
        self.state.lock().parked
    }

    async fn long_poll(&self) -> Payload {
        let mut parked = None;
        loop {
            let epoch = self.arrived.epoch();
            {
                let mut mailbox = self.state.lock();
                if let Some(message) = mailbox.queued.pop_front() {
                    return message;
                }
                if parked.is_none() {
                    mailbox.parked += 1;
                    parked = Some(Parked(self));
                }
            }
            self.arrived.changed_since(epoch).await;
        }
    }
}

/// A long poll counted as parked until it returns or is dropped.
struct Parked<'a>(&'a MailboxTransport);

impl Drop for Parked<'_> {
    fn drop(&mut self) {
        self.0.state.lock().parked -= 1;
    }
}

impl Transport for MailboxTransport {
    async fn post(&self, url: &str, body: &Payload) -> Result<Payload, TransportError> {
        match url.rsplit('/').next() {
            Some("send") => {
                let queued = {
                    let mut mailbox = self.state.lock();
                    mailbox.queued.push_back(body.clone());
                    mailbox.queued.len()
                };
                self.arrived.notify_all();
                Ok(serde_json::json!({ "queued": queued }))
            }
            Some("poll") => Ok(self.long_poll().await),
            Some("fail") => Err(TransportError::Status(503)),
            _ => Err(TransportError::Unreachable(url.to_string())),
        }
    }
}

#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use serde_json::json;

    use super::super::clock::ManualClock;
    use super::super::sync::block_on;
    use super::*;

    type Client = ServiceClient<MailboxTransport, Arc<ManualClock>>;

    fn client(timeout: Millis) -> (Client, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(0));
        let config = ClientConfig {
            service_url: "http://svc".into(),
            timeout,
        };
        let client = ServiceClient::new(config, MailboxTransport::new(), Arc::clone(&clock))
            .expect("valid config");
        (client, clock)
    }

    #[test]
    fn config_is_checked_and_defaults_to_the_originals_timeout() {
        assert_eq!(ClientConfig::new("http://svc").timeout, 30_000);
        let clock = ManualClock::new(0);
        let bad = |service_url: &str, timeout| {
            ServiceClient::new(
                ClientConfig {
                    service_url: service_url.into(),
                    timeout,
                },
                MailboxTransport::new(),
                &clock,
            )
            .err()
        };
        assert_eq!(bad("", 1), Some(ClientConfigError::EmptyUrl));
        assert_eq!(bad("http://svc", 0), Some(ClientConfigError::ZeroTimeout));
    }

    #[test]
    fn a_long_poll_is_answered_by_a_later_call_on_the_same_client() {
        let (client, _clock) = client(DEFAULT_TIMEOUT);
        let poller = {
            let client = client.clone();
            std::thread::spawn(move || block_on(client.call_service("poll", &json!({}))))
        };
        while client.transport().parked_polls() == 0 {
            std::thread::yield_now();
        }
        assert_eq!(client.stats().in_flight, 1);
        let sent = block_on(client.call_service("send", &json!({"n": 1})));
        assert_eq!(sent, Ok(json!({"queued": 1})));
        assert_eq!(poller.join().expect("poller"), Ok(json!({"n": 1})));
        let stats = client.stats();
        assert_eq!((stats.started, stats.completed, stats.in_flight), (2, 2, 0));
    }

    #[test]
    fn a_hung_call_times_out_at_its_deadline_and_only_then() {
        let (client, clock) = client(1_000);
        let poller = {
            let client = client.clone();
            std::thread::spawn(move || block_on(client.call_service("poll", &json!({}))))
        };
        while client.transport().parked_polls() == 0 {
            std::thread::yield_now();
        }
        clock.advance(999);
        assert_eq!(client.expire_overdue(), 0);
        clock.advance(1);
        assert_eq!(client.expire_overdue(), 1);
        assert_eq!(
            poller.join().expect("poller"),
            Err(ServiceCommunicationError::Timeout {
                url: "http://svc/poll".into(),
                timeout: 1_000
            })
        );
        // The dropped long poll left the service.
        assert_eq!(client.transport().parked_polls(), 0);
        let stats = client.stats();
        assert_eq!((stats.started, stats.timed_out, stats.in_flight), (1, 1, 0));
    }

    #[test]
    fn a_late_reply_counts_as_a_timeout_and_failures_keep_their_reason() {
        let (client, clock) = client(1_000);
        let empty = json!({});
        let mut poll = pin!(client.call_service("poll", &empty));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(poll.as_mut().poll(&mut cx).is_pending());
        clock.advance(1_000);
        // The poll's reply arrives after its deadline (no sweep ran).
        assert_eq!(
            block_on(client.call_service("send", &json!(1))),
            Ok(json!({"queued": 1}))
        );
        assert!(matches!(
            poll.as_mut().poll(&mut cx),
            Poll::Ready(Err(ServiceCommunicationError::Timeout { .. }))
        ));
        let failed = block_on(client.call_service("fail", &json!({})));
        assert_eq!(
            failed,
            Err(ServiceCommunicationError::Failed {
                url: "http://svc/fail".into(),
                source: TransportError::Status(503)
            })
        );
        let stats = client.stats();
        assert_eq!(
            (
                stats.started,
                stats.completed,
                stats.timed_out,
                stats.failed,
                stats.in_flight
            ),
            (3, 1, 1, 1, 0)
        );
    }

    #[test]
    fn a_dropped_call_is_counted_cancelled() {
        let (client, _clock) = client(1_000);
        {
            let empty = json!({});
            let mut poll = pin!(client.call_service("poll", &empty));
            let mut cx = Context::from_waker(Waker::noop());
            assert!(poll.as_mut().poll(&mut cx).is_pending());
            assert_eq!(client.stats().in_flight, 1);
        }
        let stats = client.stats();
        assert_eq!((stats.cancelled, stats.in_flight), (1, 0));
        assert_eq!(client.transport().parked_polls(), 0);
    }
}
