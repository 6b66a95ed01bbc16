//! Shared-state components of the original service, race-free, and the bug zoo.
//!
//! Each component is a usable Rust type with its invariants stated in its doc
//! comment; the model checks in the `twinbench-checks` crate assert exactly
//! those invariants under loom (exhaustive, bounded preemptions) and shuttle
//! (random and PCT schedules). Every component imports its primitives from
//! [`sync`], the facade, never from `std`, so the checked code is the shipped
//! code.
//!
//! Each component also splits its logic (`…Core`, plain `&mut self` methods,
//! no synchronisation) from its shared wrapper. The overhead benchmarks
//! (`cargo bench -p twinbench-kernels --bench concurrent`) time the same logic
//! both ways, which is what "locking overhead" (claim C10) means.
//!
//! [`bug_zoo`] holds faithful ports of the racy originals, one per catalog id
//! (`../shared/catalog/concurrency.md`); the checks must catch every one.

/// The `std` backend of the [`sync`] facade (loom and shuttle backends live in
/// the `twinbench-checks` crate).
mod backend {
    pub const NAME: &str = "std";
    pub use std::sync::atomic;
    pub use std::sync::{
        Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    };
    pub use std::thread;

    /// Numbers threads in the order they first ask (one relaxed increment per
    /// thread, then a thread-local read).
    pub fn thread_index() -> usize {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed);
        }
        INDEX.with(|index| *index)
    }

    /// A minimal executor: polls on this thread, parks until woken.
    pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
        use std::sync::Arc;
        use std::task::{Context, Poll, Wake, Waker};

        struct Unparker(std::thread::Thread);
        impl Wake for Unparker {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }

        let waker = Waker::from(Arc::new(Unparker(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        loop {
            match future.as_mut().poll(&mut cx) {
                Poll::Ready(out) => return out,
                Poll::Pending => std::thread::park(),
            }
        }
    }
}

pub mod sync;

pub mod clock;

pub mod alert_pipeline;
pub mod balancer;
pub mod breaker;
pub mod breaker_manager;
pub mod cache;
pub mod cache_manager;
pub mod collector;
pub mod error_aggregator;
pub mod fallback;
pub mod health_monitor;
pub mod incidents;
pub mod message_queue;
pub mod metrics;
pub mod pool;
pub mod producer;
pub mod rate_limiter;
pub mod registry;
pub mod resource_monitor;
pub mod rollout;
pub mod service_client;
pub mod service_errors;
pub mod singleton;

#[doc(hidden)]
pub mod bug_zoo;
