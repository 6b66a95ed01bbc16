//! Every error the kernels (or the conversion of an argument) can raise, and
//! the one place it becomes a Python exception.
//!
//! The Python exception classes form one tree under `TwinbenchError`, so a
//! caller can catch everything the twins raise at once, or one kind. The
//! networkx backend (`twinbench/_backend.py`) maps these onward to the
//! exceptions networkx raises in the same cases.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use thiserror::Error;
use twinbench_kernels::detect::TimestampError;
use twinbench_kernels::graph::communities::CommunityError;
use twinbench_kernels::graph::{CentralityError, GraphError, PageRankError};

create_exception!(
    twinbench._twinbench,
    TwinbenchError,
    PyException,
    "Base class of every error a twinbench kernel raises."
);
create_exception!(
    twinbench._twinbench,
    InputError,
    TwinbenchError,
    "An argument the kernels cannot take: arrays of different lengths or not \
     contiguous, a node id out of range."
);
create_exception!(
    twinbench._twinbench,
    NotConvergedError,
    TwinbenchError,
    "A power iteration (PageRank, eigenvector centrality) did not converge \
     within max_iter iterations (networkx: PowerIterationFailedConvergence)."
);
create_exception!(
    twinbench._twinbench,
    EmptyGraphError,
    TwinbenchError,
    "The quantity is undefined for the null graph (networkx: \
     NetworkXPointlessConcept)."
);
create_exception!(
    twinbench._twinbench,
    NotAPartitionError,
    TwinbenchError,
    "The communities do not partition the graph's nodes (networkx: NotAPartition)."
);
create_exception!(
    twinbench._twinbench,
    ZeroTotalWeightError,
    TwinbenchError,
    "Modularity divides by the total edge weight, which is zero (networkx: \
     ZeroDivisionError)."
);

/// Why a binding call failed: a kernel's typed error, or an argument that
/// could not be converted.
#[derive(Debug, Error)]
pub enum BindingError {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    PageRank(#[from] PageRankError),
    #[error(transparent)]
    Centrality(#[from] CentralityError),
    #[error(transparent)]
    Community(#[from] CommunityError),
    /// A detector's record at a row its timestamp grid cannot stamp; the
    /// bindings stamp rows by number, so only a row past `i64::MAX` could.
    #[error(transparent)]
    Timestamp(#[from] TimestampError),
    /// `what` names the argument and says how to fix it.
    #[error("{what}")]
    Input { what: String },
}

impl BindingError {
    /// An argument error whose message names the argument and the fix.
    pub fn input(what: impl Into<String>) -> Self {
        Self::Input { what: what.into() }
    }
}

/// The one mapping from the kernels' errors to Python exceptions.
impl From<BindingError> for PyErr {
    fn from(error: BindingError) -> Self {
        let message = error.to_string();
        match error {
            BindingError::Graph(_) | BindingError::Timestamp(_) | BindingError::Input { .. } => {
                InputError::new_err(message)
            }
            BindingError::PageRank(PageRankError::NotConverged { .. })
            | BindingError::Centrality(CentralityError::NotConverged { .. }) => {
                NotConvergedError::new_err(message)
            }
            BindingError::Centrality(CentralityError::EmptyGraph) => {
                EmptyGraphError::new_err(message)
            }
            BindingError::Community(CommunityError::NotAPartition { .. }) => {
                NotAPartitionError::new_err(message)
            }
            BindingError::Community(CommunityError::ZeroTotalWeight) => {
                ZeroTotalWeightError::new_err(message)
            }
            // Louvain is not bound; a new kernel error lands here until it
            // gets a class of its own.
            BindingError::Community(CommunityError::NegativeDegree { .. }) => {
                InputError::new_err(message)
            }
        }
    }
}

/// Registers the exception classes on the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add("TwinbenchError", py.get_type::<TwinbenchError>())?;
    module.add("InputError", py.get_type::<InputError>())?;
    module.add("NotConvergedError", py.get_type::<NotConvergedError>())?;
    module.add("EmptyGraphError", py.get_type::<EmptyGraphError>())?;
    module.add("NotAPartitionError", py.get_type::<NotAPartitionError>())?;
    module.add(
        "ZeroTotalWeightError",
        py.get_type::<ZeroTotalWeightError>(),
    )?;
    Ok(())
}
