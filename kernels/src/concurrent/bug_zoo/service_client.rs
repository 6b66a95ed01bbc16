//! `seed003-client-serialized` — seed 003's `ServiceClient` (§3 "Thread
//! Safety Patterns", REST API Communication, lines ~99–121; catalog §99),
//! ported as written. Listed under the service registry component, like the
//! fixed [`super::super::service_client`].
//!
//! ```python
//! async def call_service(self, endpoint, data):
//!     async with self._lock:
//!         try:
//!             async with self.session.post(f"{self.service_url}/{endpoint}",
//!                                          json=data, timeout=self.timeout) as response:
//!                 return await response.json()
//!         except Exception as e:
//!             raise ServiceCommunicationError(f"Failed to call {endpoint}")
//! ```
//!
//! The client's one `asyncio.Lock` is held across the whole round trip, so
//! calls through one client run one at a time: a call waits for the reply
//! (or the 30 s timeout) of whichever call holds the lock. A long poll whose
//! answer needs a later call on the same client (a message that call
//! sends) cannot get it: the later call waits on the lock until the poll
//! times out. That breaks **calls-independent** (the later call is delayed
//! by the poll's whole round trip, its timeout) and **every-call-completes**
//! (the poll fails although its answer was one call away).
//!
//! The round trip itself, its timeout (aiohttp's `timeout=30`) and the error
//! mapping are the fixed client's, [`ServiceClient::call_service`]: the port
//! adds only the lock around it, which is the whole defect.

use super::super::clock::Clock;
use super::super::service_client::{Payload, ServiceClient, ServiceCommunicationError, Transport};
use super::asyncio::AsyncLock;

/// The original client: one lock held across every call.
#[derive(Debug)]
pub struct LockedServiceClient<T, C> {
    /// `self._lock`.
    lock: AsyncLock,
    client: ServiceClient<T, C>,
}

impl<T: Transport, C: Clock> LockedServiceClient<T, C> {
    pub fn new(client: ServiceClient<T, C>) -> Self {
        Self {
            lock: AsyncLock::new(),
            client,
        }
    }

    /// `call_service`: the round trip under `self._lock`.
    pub async fn call_service(
        &self,
        endpoint: &str,
        data: &Payload,
    ) -> Result<Payload, ServiceCommunicationError> {
        let _held = self.lock.acquire().await;
        self.client.call_service(endpoint, data).await
    }

    /// Calls waiting for the lock now.
    pub fn waiting_on_lock(&self) -> usize {
        self.lock.waiting()
    }

    /// The client under the lock (its counters, its timeout sweep).
    pub fn client(&self) -> &ServiceClient<T, C> {
        &self.client
    }
}
