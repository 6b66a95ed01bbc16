//! The three singleton-accessor shapes of the original (catalog §10), ported
//! with their races. The module global is a `Mutex<Option<Arc<T>>>`: each
//! read or write of the global is one atomic step (as under the GIL), the
//! sequence of steps is not.
//!
//! - `S1` — lazy sync (`if g is None: g = X(); return g`): the check and the
//!   assignment are separate steps, so two callers can both see `None` and
//!   both construct; one instance is silently discarded (R5.7, R6.1).
//! - `S2` — lazy async, publish-before-init (`if g is None: g = X()` then
//!   `await g.initialize()`): the global is assigned before initialisation,
//!   so a concurrent caller receives a half-initialised instance (R1.9,
//!   R4.13). The check-and-assign is one step here (no await between them in
//!   the original), so this entry shows only the half-initialised race.
//! - `S3` — explicit init that overwrites (`initialize_x()`: `g = X()`
//!   unconditionally): the old instance is dropped from the global without
//!   being shut down, so its background work keeps running beside the new
//!   one (R1.9, R4.13, R5.7).

use super::super::sync::{Arc, Mutex};

/// `S1`: check, then construct and assign, in separate steps.
#[derive(Debug)]
pub struct UnlockedLazy<T> {
    global: Mutex<Option<Arc<T>>>,
}

impl<T> Default for UnlockedLazy<T> {
    fn default() -> Self {
        Self {
            global: Mutex::new(None),
        }
    }
}

impl<T> UnlockedLazy<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// `if g is None: g = construct()`, then `return g`.
    pub fn get(&self, construct: impl FnOnce() -> T) -> Arc<T> {
        let current = self.global.lock().clone();
        if let Some(instance) = current {
            return instance;
        }
        let instance = Arc::new(construct());
        *self.global.lock() = Some(Arc::clone(&instance));
        self.global.lock().clone().unwrap_or(instance)
    }
}

/// `S2`: assign the global, then initialise the published instance.
#[derive(Debug)]
pub struct PublishBeforeInit<T> {
    global: Mutex<Option<Arc<T>>>,
}

impl<T> Default for PublishBeforeInit<T> {
    fn default() -> Self {
        Self {
            global: Mutex::new(None),
        }
    }
}

impl<T> PublishBeforeInit<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// `if g is None: g = construct(); initialize(g)`; `return g`.
    pub fn get(&self, construct: impl FnOnce() -> T, initialize: impl FnOnce(&T)) -> Arc<T> {
        let created = {
            let mut global = self.global.lock();
            match &*global {
                Some(instance) => return Arc::clone(instance),
                None => {
                    let instance = Arc::new(construct());
                    *global = Some(Arc::clone(&instance));
                    instance
                }
            }
        };
        // `await g.initialize()`: the instance is already visible to others.
        initialize(&created);
        created
    }
}

/// `S3`: a correct lazy getter beside an `initialize_x()` that overwrites.
#[derive(Debug)]
pub struct OverwritingInit<T> {
    global: Mutex<Option<Arc<T>>>,
}

impl<T> Default for OverwritingInit<T> {
    fn default() -> Self {
        Self {
            global: Mutex::new(None),
        }
    }
}

impl<T> OverwritingInit<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Lazy get, check-and-assign in one step (not this entry's bug).
    pub fn get(&self, construct: impl FnOnce() -> T) -> Arc<T> {
        let mut global = self.global.lock();
        Arc::clone(global.get_or_insert_with(|| Arc::new(construct())))
    }

    /// `initialize_x()`: `g = construct()`, the old instance simply dropped
    /// from the global, never shut down.
    pub fn initialize(&self, construct: impl FnOnce() -> T) -> Arc<T> {
        let instance = Arc::new(construct());
        *self.global.lock() = Some(Arc::clone(&instance));
        instance
    }

    pub fn current(&self) -> Option<Arc<T>> {
        self.global.lock().clone()
    }
}
