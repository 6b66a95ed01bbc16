//! The sink the stream producer writes to: an `XADD`-speaking stand-in for
//! DragonflyDB over a loopback TCP connection.
//!
//! Why this sink: the original (`stream_producer.py`, catalog concurrency.md
//! §7) sends each event of a batch as its own `XADD … MAXLEN ~ 10000`
//! command and awaits the reply before the next, so one event costs a
//! network round trip plus the server's append. This sink does the same
//! calls: one line per event written to a real socket, one reply read back
//! before the next event, and the server appends every line to a real file
//! in a scratch folder (one `write(2)` each, to the page cache: Dragonfly's
//! in-memory append, without an `fsync` it does not do either). The batch's
//! cost is then the sum of its events' round trips, which is what a flush
//! of the original costs. A pipelining sink (all of a batch's commands, then
//! all replies) would cut that to about one round trip per batch; it is not
//! what the original does, so the claim is measured without it.
//!
//! The server is a plain OS thread, not a task on the runtime being
//! measured: DragonflyDB is a process of its own. It shares this machine's
//! cores with the runtime, as a local Dragonfly would.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use twinbench_kernels::concurrent::producer::{Acked, Event, Sink, WriteError};

/// The sink, in words, for the record.
pub const DESCRIPTION: &str = "one XADD line per event over a loopback TCP connection, each \
    awaiting its reply before the next (the original's one-by-one XADD); the server, an OS \
    thread, appends each line to a file in a scratch folder (one write(2) each) and replies \
    with the entry's id";

/// The server side: accepts one connection, appends each line it reads to
/// `file` and answers it with an id, until the client closes.
#[derive(Debug)]
pub struct XaddServer {
    addr: SocketAddr,
    thread: JoinHandle<std::io::Result<u64>>,
}

impl XaddServer {
    pub fn start(file: &Path) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let mut file = std::fs::File::create(file)?;
        let thread = std::thread::Builder::new()
            .name("xadd-server".into())
            .spawn(move || {
                let (stream, _) = listener.accept()?;
                stream.set_nodelay(true)?;
                let mut reader = BufReader::new(stream.try_clone()?);
                let mut writer = stream;
                let mut line = Vec::with_capacity(512);
                let mut appended: u64 = 0;
                loop {
                    line.clear();
                    if reader.read_until(b'\n', &mut line)? == 0 {
                        return Ok(appended);
                    }
                    file.write_all(&line)?;
                    appended += 1;
                    writer.write_all(format!("{appended}-0\n").as_bytes())?;
                }
            })?;
        Ok(Self { addr, thread })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits for the client to close; returns the lines appended. Call it
    /// only after a client connected (or the accept waits forever).
    pub fn join(self) -> std::io::Result<u64> {
        self.thread
            .join()
            .map_err(|_| std::io::Error::other("the XADD server thread panicked"))?
    }
}

struct Conn {
    reader: tokio::io::BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    line: String,
    reply: String,
}

/// The client side, as the producer's [`Sink`]. Logs, per written event,
/// its sequence number and when its batch was done (ns since `origin`).
///
/// Invariant: an event is logged once per write that acknowledged it, so a
/// re-sent event shows up twice (the run counts it as duplicated).
pub struct XaddSink {
    conn: tokio::sync::Mutex<Conn>,
    origin: Instant,
    log: Mutex<Vec<(u64, u64)>>,
    batch_ns: Mutex<Vec<u64>>,
    batches: AtomicU64,
    failed: AtomicU64,
}

impl XaddSink {
    pub async fn connect(addr: SocketAddr, origin: Instant) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (read, writer) = stream.into_split();
        Ok(Self {
            conn: tokio::sync::Mutex::new(Conn {
                reader: tokio::io::BufReader::new(read),
                writer,
                line: String::with_capacity(512),
                reply: String::with_capacity(32),
            }),
            origin,
            log: Mutex::new(Vec::new()),
            batch_ns: Mutex::new(Vec::new()),
            batches: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        })
    }

    /// Closes the connection, so the server returns its count.
    pub async fn shutdown(&self) -> std::io::Result<()> {
        self.conn.lock().await.writer.shutdown().await
    }

    /// The `(seq, written_ns)` log so far, taken out.
    pub fn take_log(&self) -> Vec<(u64, u64)> {
        std::mem::take(&mut *lock(&self.log))
    }

    /// Each batch write's duration, nanoseconds, taken out.
    pub fn take_batch_times(&self) -> Vec<u64> {
        std::mem::take(&mut *lock(&self.batch_ns))
    }

    /// Batch writes, and how many of them failed.
    pub fn batches(&self) -> (u64, u64) {
        (
            self.batches.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }

    fn now_ns(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// The log's lock; a panic while it was held leaves a log that is still
/// whole (pushes are the only writes), so poisoning is ignored.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Conn {
    /// One `XADD` per event, each awaiting its reply; acknowledges each
    /// event as its reply arrives.
    async fn xadd_each(&mut self, batch: &[Event], acked: &mut Acked) -> Result<(), WriteError> {
        for event in batch {
            self.line.clear();
            self.line.push_str("XADD ");
            self.line.push_str(&event.stream);
            self.line.push_str(" MAXLEN ~ 10000 * seq ");
            self.line.push_str(&event.seq.to_string());
            self.line.push_str(" payload ");
            self.line.push_str(&event.payload);
            self.line.push('\n');
            self.writer
                .write_all(self.line.as_bytes())
                .await
                .map_err(|e| WriteError::new(format!("XADD send: {e}")))?;
            self.reply.clear();
            let n = self
                .reader
                .read_line(&mut self.reply)
                .await
                .map_err(|e| WriteError::new(format!("XADD reply: {e}")))?;
            if n == 0 {
                return Err(WriteError::new(
                    "XADD reply: the server closed the connection",
                ));
            }
            acked.ack(1);
        }
        Ok(())
    }
}

impl Sink for XaddSink {
    async fn write(&self, batch: &[Event], acked: &mut Acked) -> Result<(), WriteError> {
        let start = self.now_ns();
        let result = self.conn.lock().await.xadd_each(batch, acked).await;
        let done = self.now_ns();
        // The acknowledged prefix is written, whether or not the rest failed.
        let written = acked.count().min(batch.len());
        lock(&self.log).extend(batch[..written].iter().map(|e| (e.seq, done)));
        lock(&self.batch_ns).push(done.saturating_sub(start));
        self.batches.fetch_add(1, Ordering::Relaxed);
        if result.is_err() {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        result
    }
}
