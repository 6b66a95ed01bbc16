//! The one OS thread every bridge call runs on.
//!
//! CPython 3.11 embedded in a multi-threaded Rust process crashed here
//! (SIGSEGV in `_PyEval_EvalFrameDefault`, on a frame whose memory held
//! garbage) when baselines ran from several short-lived threads in turn:
//! the thread that started the interpreter ended (a finished test), and
//! others kept creating and deleting thread states around each call.
//! Reproduced 5 times in 6 with two differential tests on two test threads,
//! never on one. So the interpreter is started on a thread of its own that
//! never ends, holds one thread state for the life of the process, and runs
//! every bridge call, one at a time, in arrival order. One at a time is
//! needed anyway: baselines share numpy's global generator (a seeded
//! Louvain must not interleave with OneClassSVM drawing libsvm's seed), and
//! tracemalloc is process-wide (a peak measured while another thread
//! allocates would count that thread's arrays).
//!
//! The benchmarks call Python from their own single thread as well; that
//! thread lives as long as the process, which is all this needs.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, OnceLock, PoisonError, mpsc};

use pyo3::prelude::*;

type Job = Box<dyn for<'py> FnOnce(Python<'py>) + Send>;

/// The queue into the Python thread.
struct Worker {
    /// The sender, and how many jobs were ever sent through it (the
    /// ticket of the last one).
    jobs: Mutex<(mpsc::Sender<Job>, u64)>,
}

static WORKER: OnceLock<Worker> = OnceLock::new();

/// How many jobs the Python thread has finished, *including* freeing what
/// each one captured. A caller waits for its own ticket here before going
/// on, so nothing the Python thread does for its call overlaps what the
/// caller does next: the memory figures count every allocation of the
/// process (a counting global allocator) and must see only the call they
/// measure. Static, so waiting allocates nothing.
static FINISHED: (Mutex<u64>, Condvar) = (Mutex::new(0), Condvar::new());

/// The Python thread's stack: deep Python recursion (networkx's recursive
/// generators, pandas) goes through C frames, which a 2 MiB test-thread
/// stack would hold less of.
const STACK_BYTES: usize = 64 << 20;

fn worker() -> &'static Worker {
    WORKER.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<Job>();
        // The receiver is only ever used by the Python thread; the mutex
        // makes it shareable with the GIL-free wait below.
        let receiver = Mutex::new(receiver);
        let spawned = std::thread::Builder::new()
            .name("twinbench-python".into())
            .stack_size(STACK_BYTES)
            .spawn(move || {
                Python::initialize();
                Python::attach(|py| {
                    // Wait without the GIL, so the benchmarks' own thread
                    // can call Python meanwhile.
                    while let Ok(job) = py.detach(|| {
                        receiver
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .recv()
                    }) {
                        job(py);
                        let (count, changed) = &FINISHED;
                        *count.lock().unwrap_or_else(PoisonError::into_inner) += 1;
                        changed.notify_all();
                    }
                });
            });
        if let Err(e) = spawned {
            // Without a thread nothing can run; every call below then
            // reports it instead of hanging.
            eprintln!("twinbench: cannot start the Python thread: {e}");
        }
        Worker {
            jobs: Mutex::new((sender, 0)),
        }
    })
}

/// Runs `f` on the Python thread with the GIL and returns its value; a
/// panic in `f` is resumed here, on the caller's thread.
///
/// # Panics
/// When the Python thread could not be started (the OS refused a thread).
pub(super) fn run<T: Send + 'static>(
    f: impl for<'py> FnOnce(Python<'py>) -> T + Send + 'static,
) -> T {
    let (reply, answer) = mpsc::sync_channel(1);
    let job: Job = Box::new(move |py| {
        // The caller may be gone (it panicked meanwhile); nothing to do then.
        let _ = reply.send(panic::catch_unwind(AssertUnwindSafe(|| f(py))));
    });
    let sent = {
        let mut queue = worker().jobs.lock().unwrap_or_else(PoisonError::into_inner);
        queue.1 += 1;
        queue.0.send(job).map(|()| queue.1)
    };
    let outcome = answer.recv();
    // Without an answer the Python thread is gone and will finish nothing.
    if let (Ok(ticket), Ok(_)) = (&sent, &outcome) {
        let (count, changed) = &FINISHED;
        let mut finished = count.lock().unwrap_or_else(PoisonError::into_inner);
        while *finished < *ticket {
            finished = changed
                .wait(finished)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
    match (sent, outcome) {
        (Ok(_), Ok(Ok(value))) => value,
        (Ok(_), Ok(Err(payload))) => panic::resume_unwind(payload),
        _ => panic!("twinbench: the Python thread is not running (see the message above)"),
    }
}
