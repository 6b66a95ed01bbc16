//! (in progress)

use crate::scenario::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    Vec::new()
}
