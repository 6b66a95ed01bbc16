//! A closed-loop HTTP/1.1 load generator for loopback servers only.
//!
//! Each of `connections` simulated clients holds one keep-alive connection
//! and sends its next request when the previous response has been read
//! (the model `wrk` uses): the latency of a request is its service time
//! under that concurrency, and requests/s is what the server sustained.
//!
//! Invariants, each enforced here rather than trusted to the caller:
//! - the target is a loopback address (127.0.0.0/8 or ::1); anything else
//!   is refused before a socket is opened;
//! - a run stops by itself: at most `max_requests` requests are sent and
//!   none is started after `max_duration`; a request still in flight at the
//!   deadline is abandoned (counted as `timed_out`, not as a latency);
//! - the generator runs on one thread (a current-thread tokio runtime), so
//!   on a small machine it takes one core from the server, the same core
//!   for every server measured.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Method, Request as HttpRequest};
use hyper_util::rt::TokioIo;
use thiserror::Error;
use tokio::net::TcpStream;

use crate::record::windows;
pub use crate::record::{LatencySummary, LoadReport, LoadWindow};

/// One request of the mix: the connection cycles through the plan's list.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// Path and query, e.g. `/api/tasks?status=pending&limit=50`.
    pub path: String,
    /// A JSON body, sent with `Content-Type: application/json`.
    pub json_body: Option<Bytes>,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            json_body: None,
        }
    }

    pub fn post_json(path: impl Into<String>, body: &serde_json::Value) -> Self {
        Self {
            method: Method::POST,
            path: path.into(),
            json_body: Some(Bytes::from(body.to_string())),
        }
    }
}

/// What to send, where, and when to stop.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub target: SocketAddr,
    /// The mix; client `i` starts at request `i % len` and cycles, so
    /// every connection count sends the same mix.
    pub requests: Vec<Request>,
    pub connections: usize,
    pub max_requests: u64,
    pub max_duration: Duration,
}

/// Why a run could not start. Failures of single requests are counted in
/// the report, not raised: a server that drops connections under load is a
/// result.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error(
        "load target {0} is not a loopback address: twinbench only sends load to 127.0.0.1 or ::1; start the server on 127.0.0.1"
    )]
    NotLoopback(SocketAddr),
    #[error("a load plan needs at least one request, one connection and a request bound above 0")]
    EmptyPlan,
    #[error("cannot start the load generator's runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs `plan` to completion (blocking the calling thread).
pub fn run(plan: &LoadPlan) -> Result<LoadReport, LoadError> {
    if !plan.target.ip().is_loopback() {
        return Err(LoadError::NotLoopback(plan.target));
    }
    if plan.requests.is_empty() || plan.connections == 0 || plan.max_requests == 0 {
        return Err(LoadError::EmptyPlan);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(LoadError::Runtime)?;
    Ok(runtime.block_on(run_async(plan)))
}

/// Per-client tallies, merged at the end.
#[derive(Debug, Default)]
struct Tally {
    /// `(ended_ns, latency_ns)` per response, `ended` since the run started.
    done: Vec<(u64, u64)>,
    non_2xx: u64,
    transport_errors: u64,
    timed_out: u64,
}

async fn run_async(plan: &LoadPlan) -> LoadReport {
    let budget = Arc::new(AtomicU64::new(plan.max_requests));
    let requests: Arc<[Request]> = plan.requests.clone().into();
    let start = Instant::now();
    let deadline = tokio::time::Instant::from_std(start + plan.max_duration);
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..plan.connections {
        clients.spawn(client_loop(
            start,
            plan.target,
            Arc::clone(&requests),
            client,
            Arc::clone(&budget),
            deadline,
        ));
    }
    let mut total = Tally::default();
    while let Some(joined) = clients.join_next().await {
        // A client task cannot panic (it returns errors as counts); if the
        // runtime reports one anyway, it is a transport failure of that
        // client's in-flight request, not a lost run.
        let tally = joined.unwrap_or_else(|_| Tally {
            transport_errors: 1,
            ..Tally::default()
        });
        total.done.extend(tally.done);
        total.non_2xx += tally.non_2xx;
        total.transport_errors += tally.transport_errors;
        total.timed_out += tally.timed_out;
    }
    let elapsed = start.elapsed();
    let elapsed_s = elapsed.as_secs_f64();
    let completed = total.done.len() as u64;
    let windows = windows(&total.done, nanos(elapsed), WINDOW.as_nanos() as u64);
    LoadReport {
        connections: plan.connections,
        completed,
        non_2xx: total.non_2xx,
        transport_errors: total.transport_errors,
        timed_out: total.timed_out,
        elapsed_s,
        requests_per_s: completed as f64 / elapsed_s,
        latency: LatencySummary::of(total.done.iter().map(|&(_, l)| l).collect()),
        window_s: WINDOW.as_secs_f64(),
        windows,
    }
}

/// The windows a run is cut into for confidence intervals: short enough
/// for ~40 of them in a 10-second run, long enough that a 1-connection run
/// at ~1 ms per request has hundreds of responses in each.
const WINDOW: Duration = Duration::from_millis(250);

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Takes one request from the shared budget; false once it is spent.
fn claim(budget: &AtomicU64) -> bool {
    budget
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            left.checked_sub(1)
        })
        .is_ok()
}

type Sender = http1::SendRequest<Full<Bytes>>;

/// Why one request got no response. Counted, never raised.
#[derive(Debug)]
enum Failure {
    Connect,
    Http,
    /// The plan's path does not form a valid request line.
    BadRequest,
}

impl From<hyper::Error> for Failure {
    fn from(_: hyper::Error) -> Self {
        Failure::Http
    }
}

async fn connect(target: SocketAddr) -> Result<Sender, Failure> {
    let stream = TcpStream::connect(target)
        .await
        .map_err(|_| Failure::Connect)?;
    // Latency, not throughput of big bodies: no Nagle delay on requests.
    stream.set_nodelay(true).map_err(|_| Failure::Connect)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // The connection ends when the client drops its sender or the
        // server closes; either way the next request reconnects.
        let _ = connection.await;
    });
    Ok(sender)
}

/// Sends `request` on `sender` (a new connection when there is none or the
/// server closed it) and reads the whole response; returns the connection
/// for the next request.
async fn exchange(
    sender: Option<Sender>,
    target: SocketAddr,
    host: &str,
    request: &Request,
) -> Result<(Sender, hyper::StatusCode), Failure> {
    let mut sender = match sender {
        Some(s) if !s.is_closed() => s,
        _ => connect(target).await?,
    };
    sender.ready().await?;
    let mut builder = HttpRequest::builder()
        .method(request.method.clone())
        .uri(request.path.as_str())
        .header(hyper::header::HOST, host);
    let body = match &request.json_body {
        Some(b) => {
            builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
            b.clone()
        }
        None => Bytes::new(),
    };
    let http_request = builder
        .body(Full::new(body))
        .map_err(|_| Failure::BadRequest)?;
    let response = sender.send_request(http_request).await?;
    let status = response.status();
    response.into_body().collect().await?;
    Ok((sender, status))
}

async fn client_loop(
    start: Instant,
    target: SocketAddr,
    requests: Arc<[Request]>,
    client: usize,
    budget: Arc<AtomicU64>,
    deadline: tokio::time::Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut sender: Option<Sender> = None;
    let mut next = client % requests.len();
    let host = target.to_string();
    while tokio::time::Instant::now() < deadline && claim(&budget) {
        let request = &requests[next];
        next = (next + 1) % requests.len();
        let sent = Instant::now();
        let outcome =
            tokio::time::timeout_at(deadline, exchange(sender.take(), target, &host, request))
                .await;
        match outcome {
            Err(_) => tally.timed_out += 1,
            Ok(Err(_)) => tally.transport_errors += 1,
            Ok(Ok((s, status))) => {
                let ended = Instant::now();
                tally.done.push((nanos(ended - start), nanos(ended - sent)));
                if !status.is_success() {
                    tally.non_2xx += 1;
                }
                sender = Some(s);
            }
        }
    }
    tally
}
