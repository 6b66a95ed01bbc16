//! Least-loaded balancer: routes each request to the backend with the fewest
//! requests in flight.
//!
//! The seed 003 `HybridLoadBalancer` picks `min` by load and increments under one
//! lock (good), but never decrements on completion and lets an external
//! measurement *overwrite* the load, so increments made after the measurement
//! are lost (bug zoo `LB.seed003`). Here the load is exactly the in-flight count.
//!
//! The shared balancer takes no lock: each backend's load is one atomic, and
//! select-and-increment is a compare-and-swap loop — scan the loads, pick the
//! least (lowest index on ties), and increment it only if it still holds the
//! value the scan saw; otherwise scan again. A release is one decrement.
//!
//! # Invariants (asserted by the model checks)
//! - **load-equals-in-flight**: `loads()[b]` equals the number of live
//!   [`Lease`]s on backend `b`; a load never goes negative. (Every increment
//!   is a successful CAS made for exactly one lease, every decrement is that
//!   lease's drop, and a decrement that would go below zero is refused.)
//! - **select-and-increment-atomic**: choosing a backend and incrementing its
//!   load act as one atomic step, so with no releases, loads never differ by
//!   more than one (ties go to the lowest index, deterministically). Why the
//!   CAS loop keeps this: without releases loads only grow, so when the CAS
//!   on the chosen backend succeeds its load is still the value the scan saw,
//!   and every other load is still at least what the scan saw — the chosen
//!   backend is a least-loaded one (and the lowest-indexed such) at the
//!   instant of the CAS, which is where the step takes effect. With
//!   concurrent releases the choice is least-loaded as of the scan.
//!
//! [`Balancer::loads`] reads each backend's load on its own: exact per
//! backend, not one instant across backends while requests are in flight.

use std::borrow::Borrow;
use std::fmt;

use super::sync::Arc;
use super::sync::atomic::{AtomicU64, Ordering};

/// Errors of the balancer's logic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BalancerError {
    #[error("backend {0} does not exist")]
    NoSuchBackend(usize),
    #[error("backend {0} has no request in flight to release")]
    NothingInFlight(usize),
}

/// The balancer's logic, unsynchronised: one owner, `&mut self`.
#[derive(Debug, Clone)]
pub struct BalancerCore {
    loads: Vec<u64>,
}

impl BalancerCore {
    pub fn new(backends: usize) -> Self {
        Self {
            loads: vec![0; backends],
        }
    }

    /// Picks the least-loaded backend (lowest index on ties) and counts the
    /// request against it. `None` when there are no backends.
    pub fn acquire(&mut self) -> Option<usize> {
        let (backend, _) = self
            .loads
            .iter()
            .enumerate()
            .min_by_key(|&(index, &load)| (load, index))?;
        self.loads[backend] += 1;
        Some(backend)
    }

    /// Ends one request on `backend`.
    pub fn release(&mut self, backend: usize) -> Result<(), BalancerError> {
        let load = self
            .loads
            .get_mut(backend)
            .ok_or(BalancerError::NoSuchBackend(backend))?;
        *load = load
            .checked_sub(1)
            .ok_or(BalancerError::NothingInFlight(backend))?;
        Ok(())
    }

    pub fn loads(&self) -> &[u64] {
        &self.loads
    }
}

/// The shared balancer: a handle; clones share one set of loads.
#[derive(Clone)]
pub struct Balancer {
    loads: Arc<Vec<AtomicU64>>,
}

impl Balancer {
    pub fn new(backends: usize) -> Self {
        Self {
            loads: Arc::new((0..backends).map(|_| AtomicU64::new(0)).collect()),
        }
    }

    /// Routes one request; the returned lease ends it when dropped, so the
    /// load is decremented on every path out of the caller (error, panic,
    /// cancellation included).
    pub fn acquire(&self) -> Option<Lease> {
        let backend = self.select_and_increment()?;
        Some(Lease {
            balancer: self.clone(),
            backend,
        })
    }

    /// [`Balancer::acquire`] for a caller that ends the request within the
    /// handle's borrow: the lease borrows the balancer instead of cloning its
    /// `Arc` (one atomic increment and one decrement fewer per request).
    pub fn acquire_scoped(&self) -> Option<ScopedLease<'_>> {
        let backend = self.select_and_increment()?;
        Some(Lease {
            balancer: self,
            backend,
        })
    }

    /// The CAS loop (see the module docs); the chosen backend, now counted.
    fn select_and_increment(&self) -> Option<usize> {
        loop {
            // [`BalancerCore::acquire`]'s choice, on what this scan saw.
            let (backend, seen) = self
                .loads
                .iter()
                .map(|load| load.load(Ordering::Acquire))
                .enumerate()
                .min_by_key(|&(index, load)| (load, index))?;
            if self.loads[backend]
                .compare_exchange(seen, seen + 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Some(backend);
            }
            // Someone else moved this load since the scan: choose again.
        }
    }

    /// Every backend's load, each read on its own (see the module docs).
    pub fn loads(&self) -> Vec<u64> {
        self.loads
            .iter()
            .map(|load| load.load(Ordering::Acquire))
            .collect()
    }

    /// Ends one request on `backend`, refusing to go below zero.
    fn release(&self, backend: usize) -> Result<(), BalancerError> {
        self.loads
            .get(backend)
            .ok_or(BalancerError::NoSuchBackend(backend))?
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |load| {
                load.checked_sub(1)
            })
            .map(|_| ())
            .map_err(|_| BalancerError::NothingInFlight(backend))
    }
}

impl fmt::Debug for Balancer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Balancer")
            .field("loads", &self.loads())
            .finish()
    }
}

/// One request in flight on one backend.
///
/// `B` is how the lease reaches its balancer: an owned handle (the default,
/// from [`Balancer::acquire`]; the lease may move to another thread) or a
/// borrow ([`ScopedLease`], from [`Balancer::acquire_scoped`]).
pub struct Lease<B: Borrow<Balancer> = Balancer> {
    balancer: B,
    backend: usize,
}

/// A lease that borrows its balancer (no `Arc` clone).
pub type ScopedLease<'a> = Lease<&'a Balancer>;

impl<B: Borrow<Balancer>> Lease<B> {
    pub fn backend(&self) -> usize {
        self.backend
    }
}

impl<B: Borrow<Balancer>> Drop for Lease<B> {
    fn drop(&mut self) {
        // A lease is only created by `acquire`, which counted it, so the
        // release cannot find the load at zero; if it ever did, that is the
        // invariant the checks look for, visible in `loads()`.
        let _ = self.balancer.borrow().release(self.backend);
    }
}

impl<B: Borrow<Balancer>> fmt::Debug for Lease<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("backend", &self.backend)
            .finish()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;

    #[test]
    fn routes_to_least_loaded_and_releases_on_drop() {
        let balancer = Balancer::new(3);
        let a = balancer.acquire().map(|l| l.backend());
        assert_eq!(a, Some(0));
        let held: Vec<Lease> = (0..5).filter_map(|_| balancer.acquire()).collect();
        assert_eq!(balancer.loads(), vec![2, 2, 1]);
        drop(held);
        assert_eq!(balancer.loads(), vec![0, 0, 0]);
    }

    #[test]
    fn no_backends_means_no_lease() {
        assert!(Balancer::new(0).acquire().is_none());
    }

    #[test]
    fn core_refuses_to_release_what_is_not_in_flight() {
        let mut core = BalancerCore::new(1);
        assert_eq!(core.release(0), Err(BalancerError::NothingInFlight(0)));
        assert_eq!(core.release(4), Err(BalancerError::NoSuchBackend(4)));
    }

    #[test]
    fn scoped_lease_counts_and_releases_like_the_owned_one() {
        let balancer = Balancer::new(2);
        let owned = balancer.acquire().map(|l| l.backend());
        let scoped = balancer.acquire_scoped();
        assert_eq!(scoped.as_ref().map(Lease::backend), Some(0));
        assert_eq!(balancer.loads(), vec![1, 0], "the owned lease was dropped");
        drop(scoped);
        assert_eq!(owned, Some(0));
        assert_eq!(balancer.loads(), vec![0, 0]);
    }
}
