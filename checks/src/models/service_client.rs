//! Inter-service client (listed under the service registry component:
//! inter-service communication): a long poll and the calls that answer it
//! run through one client independently, every call is answered or times
//! out at its deadline, and each is counted once; seed 003's client, which
//! holds its lock across the round trip (`seed003-client-serialized`), makes
//! the answering calls wait for the poll's timeout.
//!
//! Time is logical: main lets the clock reach the calls' timeout only when
//! nothing else can happen (the poll is parked at the service and a call is
//! waiting on the client's lock), as the original's 30 s timer would fire in
//! a real run; a client that never blocks a call never gets there.

use super::super::SCALE;
use super::super::bug_zoo::service_client::LockedServiceClient;
use super::super::clock::{Clock, ManualClock, Millis};
use super::super::service_client::{
    ClientConfig, ClientStats, DEFAULT_TIMEOUT, MailboxTransport, Payload, ServiceClient,
    ServiceCommunicationError,
};
use super::super::sync::atomic::{AtomicUsize, Ordering};
use super::super::sync::{Arc, block_on, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const CALLS_INDEPENDENT: &str = "calls-independent";
const EVERY_CALL_COMPLETES: &str = "every-call-completes";
const COUNTED_ONCE: &str = "counted-once";

type Client = ServiceClient<MailboxTransport, Arc<ManualClock>>;
type CallResult = Result<Payload, ServiceCommunicationError>;

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "service_client.long_poll_answered",
            component: Component::ServiceRegistry,
            subject: Subject::Fixed,
            operations: "one worker long-polls the service through the client while the \
                         others send it a message each through the same client; main lets \
                         the timeout fire only if a call is stuck behind another",
            invariants: &[CALLS_INDEPENDENT, EVERY_CALL_COMPLETES, COUNTED_ONCE],
            checkers: &Checker::ALL,
            body: long_poll_answered,
        },
        CheckCase {
            id: "service_client.late_reply_vs_timeout",
            component: Component::ServiceRegistry,
            subject: Subject::Fixed,
            operations: "one worker long-polls, one sends the answer, the others call a failing \
                         endpoint; main meanwhile moves the clock to the deadline and sweeps",
            invariants: &[COUNTED_ONCE],
            checkers: &Checker::ALL,
            body: late_reply_vs_timeout,
        },
        CheckCase {
            id: "zoo.seed003-client-serialized",
            component: Component::ServiceRegistry,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "seed003-client-serialized",
                breaks: CALLS_INDEPENDENT,
            }),
            operations: "one worker long-polls the service through the client while the \
                         others send it a message each through the same client (each call \
                         under the client's asyncio.Lock); the timeout fires when the senders \
                         wait on the poll's lock",
            invariants: &[CALLS_INDEPENDENT, EVERY_CALL_COMPLETES],
            checkers: &Checker::ALL,
            body: zoo_serialized,
        },
    ]
}

fn new_client(clock: &Arc<ManualClock>) -> Client {
    ServiceClient::new(
        ClientConfig::new("http://analytics"),
        MailboxTransport::new(),
        Arc::clone(clock),
    )
    .expect("a valid config")
}

/// The fixed client or the original, as the cases drive them.
trait Calls: Send + Sync + 'static {
    fn call(&self, endpoint: &str, data: &Payload) -> CallResult;
    /// Calls waiting for another call's round trip to end (the original's
    /// lock); the fixed client has none.
    fn waiting_on_lock(&self) -> usize;
    fn client(&self) -> &Client;
}

impl Calls for Client {
    fn call(&self, endpoint: &str, data: &Payload) -> CallResult {
        block_on(self.call_service(endpoint, data))
    }

    fn waiting_on_lock(&self) -> usize {
        0
    }

    fn client(&self) -> &Client {
        self
    }
}

impl Calls for LockedServiceClient<MailboxTransport, Arc<ManualClock>> {
    fn call(&self, endpoint: &str, data: &Payload) -> CallResult {
        block_on(self.call_service(endpoint, data))
    }

    fn waiting_on_lock(&self) -> usize {
        LockedServiceClient::waiting_on_lock(self)
    }

    fn client(&self) -> &Client {
        LockedServiceClient::client(self)
    }
}

/// What each sender saw: its result and how long its call took on the
/// logical clock.
struct Sent {
    result: CallResult,
    took: Millis,
}

/// One long poll and `SCALE.threads - 1` senders through `calls`; main
/// waits until every sender is done or nothing can move (the poll parked at
/// the service and a call waiting on the lock), and in the latter case lets
/// the clock reach the timeout and sweeps. Returns the poll's result and the
/// senders'.
fn poll_and_send<K: Calls>(calls: Arc<K>, clock: &Arc<ManualClock>) -> (CallResult, Vec<Sent>) {
    let senders = SCALE.threads.saturating_sub(1).max(1);
    let done = Arc::new(AtomicUsize::new(0));
    let poller = {
        let calls = Arc::clone(&calls);
        thread::spawn(move || calls.call("poll", &serde_json::json!({})))
    };
    let workers: Vec<_> = (0..senders)
        .map(|i| {
            let (calls, clock, done) = (Arc::clone(&calls), Arc::clone(clock), Arc::clone(&done));
            thread::spawn(move || {
                let start = clock.now();
                let result = calls.call("send", &serde_json::json!({ "from": i }));
                let took = clock.now() - start;
                done.fetch_add(1, Ordering::SeqCst);
                Sent { result, took }
            })
        })
        .collect();
    loop {
        if done.load(Ordering::SeqCst) == senders {
            break;
        }
        if calls.client().transport().parked_polls() > 0 && calls.waiting_on_lock() > 0 {
            clock.advance(DEFAULT_TIMEOUT);
            calls.client().expire_overdue();
            break;
        }
        thread::yield_now();
    }
    let sent = workers
        .into_iter()
        .map(|w| w.join().expect("sender"))
        .collect();
    (poller.join().expect("poller"), sent)
}

fn check_independent_and_complete(poll: &CallResult, sent: &[Sent]) {
    for (i, s) in sent.iter().enumerate() {
        ensure(s.took == 0, CALLS_INDEPENDENT, || {
            format!(
                "send #{i} took {} ms: it waited on the client's lock for the long poll's whole \
                 round trip (until its timeout)",
                s.took
            )
        });
        ensure(s.result.is_ok(), EVERY_CALL_COMPLETES, || {
            format!("send #{i} failed: {:?}", s.result)
        });
    }
    ensure(poll.is_ok(), EVERY_CALL_COMPLETES, || {
        format!(
            "the long poll failed ({poll:?}) although the message answering it was sent through \
             the same client"
        )
    });
}

/// Each result is in the counter it belongs to, and none is left in flight.
fn check_counted(stats: ClientStats, results: &[&CallResult]) {
    let count = |f: fn(&CallResult) -> bool| results.iter().filter(|r| f(r)).count() as u64;
    let completed = count(|r| r.is_ok());
    let timed_out = count(|r| matches!(r, Err(ServiceCommunicationError::Timeout { .. })));
    let failed = count(|r| matches!(r, Err(ServiceCommunicationError::Failed { .. })));
    let expected = ClientStats {
        started: results.len() as u64,
        in_flight: 0,
        completed,
        failed,
        timed_out,
        cancelled: 0,
    };
    ensure(stats == expected, COUNTED_ONCE, || {
        format!("counters {stats:?}, results say {expected:?}")
    });
}

fn long_poll_answered() {
    let clock = Arc::new(ManualClock::new(0));
    let client = Arc::new(new_client(&clock));
    let (poll, sent) = poll_and_send(Arc::clone(&client), &clock);
    check_independent_and_complete(&poll, &sent);
    let mut results: Vec<&CallResult> = sent.iter().map(|s| &s.result).collect();
    results.push(&poll);
    check_counted(client.stats(), &results);
}

fn late_reply_vs_timeout() {
    let clock = Arc::new(ManualClock::new(0));
    let client = Arc::new(new_client(&clock));
    let failing = SCALE.threads.saturating_sub(2);
    let mut workers = Vec::new();
    for endpoint in ["poll", "send"]
        .into_iter()
        .chain(std::iter::repeat_n("fail", failing))
    {
        let client = Arc::clone(&client);
        workers.push(thread::spawn(move || {
            block_on(client.call_service(endpoint, &serde_json::json!({})))
        }));
    }
    clock.advance(DEFAULT_TIMEOUT);
    client.expire_overdue();
    let results: Vec<CallResult> = workers
        .into_iter()
        .map(|w| w.join().expect("caller"))
        .collect();
    check_counted(client.stats(), &results.iter().collect::<Vec<_>>());
}

/// `seed003-client-serialized`: when the poll takes the lock first, the
/// senders wait on it until the poll times out.
fn zoo_serialized() {
    let clock = Arc::new(ManualClock::new(0));
    let client = Arc::new(LockedServiceClient::new(new_client(&clock)));
    let (poll, sent) = poll_and_send(client, &clock);
    check_independent_and_complete(&poll, &sent);
}
