//! The one place Python is embedded: starts the interpreter with the
//! project's `.venv`, imports baselines, converts inputs and outputs.
//!
//! Start-up mimics what activating the venv would do, whether or not it is
//! activated: the base interpreter's own site-packages are dropped from
//! `sys.path` (they may hold other versions of the same libraries, e.g.
//! networkx 3.6 next to the pinned 3.4.2), the venv's site-packages and the
//! baselines package go first, and every pinned package is checked to be
//! installed, in the venv, at its pinned version — before any baseline runs.
//! libpython itself is found through the rpath set by `harness/build.rs`.

mod convert;
mod errors;
mod requirements;
mod worker;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::PyTuple;

pub use errors::{BridgeError, PythonError};
pub use requirements::read_pins;

use crate::compare::Output;
use crate::environment::Pin;
use crate::inputs::Input;
use crate::pairs::{KernelPair, OutputKind, PythonFunction};
use crate::pins::PinSet;
use crate::results::ThreadPool;
use crate::workspace;

/// A Python function that returns its argument: timing it measures the fixed
/// cost of one pyo3 call.
pub const NOOP: PythonFunction = PythonFunction {
    module: "twinbench_baselines",
    function: "noop",
};

/// The original's thread-pool hop around a no-op, and the same coroutine
/// calling it inline (`twinbench_baselines/executor.py`), in the order of
/// the bench ids' `EXECUTOR_HOP_FUNCTIONS`.
pub const EXECUTOR_HOP: [PythonFunction; 2] = [
    PythonFunction {
        module: "twinbench_baselines.executor",
        function: "through_executor",
    },
    PythonFunction {
        module: "twinbench_baselines.executor",
        function: "direct",
    },
];

/// A call the twin serves through the shadow runner (`twinbench.shadow`,
/// shadowing off, routed by and reported to a `twinbench.Migration` at 100%)
/// and the same twin called directly
/// (`twinbench_baselines/shadow_runner.py`), in the order of the bench ids'
/// `SHADOW_RUNNER_FUNCTIONS`.
pub const SHADOW_RUNNER: [PythonFunction; 2] = [
    PythonFunction {
        module: "twinbench_baselines.shadow_runner",
        function: "routed",
    },
    PythonFunction {
        module: "twinbench_baselines.shadow_runner",
        function: "direct",
    },
];

pub use crate::pins::VENV_ENV;

/// A baseline call's memory figures (`twinbench_baselines.memory`):
/// tracemalloc's peak and retained bytes, the C heap the result of an
/// untraced call holds and that call's resident growth (-1: not
/// measurable).
pub type MemoryFigures = (i64, i64, i64, i64);

/// [`Bridge::answer_and_memory`]: the baseline's answer, and its memory as
/// [`Bridge::peak_memory`] gives it.
#[derive(Debug)]
pub struct AnsweredMemory {
    pub answer: Result<Output, BridgeError>,
    pub memory: MemoryFigures,
}

/// A started interpreter whose imports are known to be the pinned ones.
#[derive(Debug, Clone)]
pub struct Bridge {
    /// The pin set it serves: every pair of another set runs in a process of
    /// its own.
    pub pins: PinSet,
    pub venv: PathBuf,
    /// `sys.version` of the embedded interpreter, first line.
    pub python_version: String,
    /// Every pinned package with the version actually imported (equal to its pin).
    pub packages: Vec<Pin>,
}

static BRIDGE: OnceLock<Result<Bridge, BridgeError>> = OnceLock::new();

/// The venv the bridge uses: the process's pin set's
/// ([`PinSet::venv_dir`]; `$TWINBENCH_VENV` or `<workspace>/.venv` for the
/// server's).
pub fn venv_dir() -> PathBuf {
    PinSet::current().unwrap_or_default().venv_dir()
}

/// A Python thread state kept on the thread that made it, until dropped;
/// the thread does not hold the GIL meanwhile. Not `Send` (it belongs to
/// its thread).
///
/// Why: each `Python::attach` on a thread without one makes a thread state
/// and deletes it afterwards, and scipy's pybind11 code, taking the GIL for
/// the first `pdist` of the process on such a thread, deleted the state it
/// found (SIGSEGV in `tstate_delete_common`, every time, when that first
/// `pdist` was a benchmark's timed call: CPython 3.11.7, scipy 1.15.3).
/// With one kept, every `attach` on the thread nests in it. The bridge's own
/// thread keeps one the same way ([`worker`]).
#[derive(Debug)]
pub struct KeptThreadState {
    gil_state: pyo3::ffi::PyGILState_STATE,
    /// The state `PyEval_SaveThread` detached; raw, so the guard is not
    /// `Send`.
    saved: *mut pyo3::ffi::PyThreadState,
}

impl Bridge {
    /// Keeps a thread state on the calling thread (see [`KeptThreadState`]).
    ///
    /// # Panics
    /// When the calling thread already holds the GIL (inside
    /// `Python::attach`): the guard would then release a GIL its caller
    /// still uses.
    #[allow(unsafe_code)]
    pub fn keep_thread_state(&self) -> KeptThreadState {
        // SAFETY: a `Bridge` exists only once the interpreter is initialised
        // (`bridge()` starts it first). `PyGILState_Check` may be called
        // without the GIL. `PyGILState_Ensure` gives this thread a state and
        // the GIL; `PyEval_SaveThread` then releases the GIL, keeping the
        // state, which `Drop` restores and releases in reverse order on
        // this same thread (the guard is not `Send`).
        unsafe {
            assert!(
                pyo3::ffi::PyGILState_Check() == 0,
                "keep_thread_state called with the GIL held"
            );
            let gil_state = pyo3::ffi::PyGILState_Ensure();
            let saved = pyo3::ffi::PyEval_SaveThread();
            KeptThreadState { gil_state, saved }
        }
    }
}

impl Drop for KeptThreadState {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: on the thread that made the guard (not `Send`), which
        // holds no GIL here (every `attach` since has ended): re-attach the
        // state saved in `keep_thread_state`, then release it as
        // `PyGILState_Ensure` asked.
        unsafe {
            pyo3::ffi::PyEval_RestoreThread(self.saved);
            pyo3::ffi::PyGILState_Release(self.gil_state);
        }
    }
}

/// Starts (once per process) and returns the bridge, for the process's pin
/// set (`$TWINBENCH_PINS`). A failure is remembered: an interpreter can only
/// be set up once per process.
pub fn bridge() -> Result<&'static Bridge, BridgeError> {
    BRIDGE
        .get_or_init(|| {
            let pins = PinSet::current().map_err(BridgeError::PinSet)?;
            let (venv, requirements) = (pins.venv_dir(), pins.requirements_file());
            worker::run(move |py| start(py, &venv, &requirements))
                .map(|bridge| Bridge { pins, ..bridge })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Sets the interpreter up for the venv; runs on the Python thread
/// ([`worker`]), which initialised it.
fn start(py: Python<'_>, venv: &Path, requirements: &Path) -> Result<Bridge, BridgeError> {
    let venv_cfg = venv.join("pyvenv.cfg");
    if !venv_cfg.is_file() {
        return Err(BridgeError::VenvMissing {
            venv: venv.to_path_buf(),
            io: None,
        });
    }
    let venv_python = read_venv_version(&venv_cfg)?;
    let pins = read_pins(requirements)?;
    {
        let (version_info, python_version) = interpreter_version(py)?;
        if venv_python.as_deref().is_some_and(|v| v != version_info) {
            return Err(BridgeError::VenvPythonMismatch {
                venv: venv.to_path_buf(),
                venv_version: venv_python.unwrap_or_default(),
                embedded_version: version_info,
            });
        }
        let minor = version_info
            .rsplit_once('.')
            .map_or(version_info.as_str(), |(mm, _)| mm);
        let site_packages = venv
            .join("lib")
            .join(format!("python{minor}"))
            .join("site-packages");
        isolate_sys_path(py, &site_packages, &workspace::baselines_dir())
            .map_err(|e| errors::python(py, "setting up sys.path", e))?;
        let packages = check_pins(py, venv, requirements, &site_packages, &pins)?;
        Ok(Bridge {
            pins: PinSet::Server,
            venv: venv.to_path_buf(),
            python_version,
            packages,
        })
    }
}

/// `version = 3.11.7` from pyvenv.cfg, if the file states it.
fn read_venv_version(cfg: &Path) -> Result<Option<String>, BridgeError> {
    let text = std::fs::read_to_string(cfg).map_err(|e| BridgeError::VenvMissing {
        venv: cfg.parent().map(Path::to_path_buf).unwrap_or_default(),
        io: Some(e.to_string()),
    })?;
    Ok(text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        matches!(key.trim(), "version" | "version_info").then(|| value.trim().to_string())
    }))
}

fn interpreter_version(py: Python<'_>) -> Result<(String, String), BridgeError> {
    let sys = py
        .import("sys")
        .map_err(|e| errors::python(py, "importing sys", e))?;
    let read = || -> PyResult<(String, String)> {
        let v = sys.getattr("version_info")?;
        let info: (u32, u32, u32) = (
            v.getattr("major")?.extract()?,
            v.getattr("minor")?.extract()?,
            v.getattr("micro")?.extract()?,
        );
        let full: String = sys.getattr("version")?.extract()?;
        let first_line = full.lines().next().unwrap_or_default().to_string();
        Ok((format!("{}.{}.{}", info.0, info.1, info.2), first_line))
    };
    read().map_err(|e| errors::python(py, "reading sys.version_info", e))
}

fn isolate_sys_path(py: Python<'_>, site_packages: &Path, baselines: &Path) -> PyResult<()> {
    let sys = py.import("sys")?;
    let site = py.import("site")?;
    let mut base_sites: Vec<String> = site.call_method0("getsitepackages")?.extract()?;
    base_sites.push(site.call_method0("getusersitepackages")?.extract()?);
    let old: Vec<String> = sys.getattr("path")?.extract()?;
    let mut path: Vec<String> = vec![
        baselines.display().to_string(),
        site_packages.display().to_string(),
    ];
    path.extend(old.into_iter().filter(|p| !base_sites.contains(p)));
    sys.setattr("path", path)?;
    Ok(())
}

fn check_pins(
    py: Python<'_>,
    venv: &Path,
    requirements: &Path,
    site_packages: &Path,
    pins: &[Pin],
) -> Result<Vec<Pin>, BridgeError> {
    let metadata = py
        .import("importlib.metadata")
        .map_err(|e| errors::python(py, "importing importlib.metadata", e))?;
    let mut found = Vec::with_capacity(pins.len());
    for pin in pins {
        let dist = match metadata.call_method1("distribution", (pin.package.as_str(),)) {
            Ok(dist) => dist,
            Err(_) => {
                return Err(BridgeError::PackageMissing {
                    package: pin.package.clone(),
                    venv: venv.to_path_buf(),
                    requirements: requirements.to_path_buf(),
                });
            }
        };
        let read = || -> PyResult<(String, String)> {
            let version: String = dist.getattr("version")?.extract()?;
            let location = dist.call_method1("locate_file", ("",))?.str()?.to_string();
            Ok((version, location))
        };
        let (version, location) = read()
            .map_err(|e| errors::python(py, &format!("reading {} metadata", pin.package), e))?;
        if !Path::new(&location).starts_with(site_packages) {
            return Err(BridgeError::PackageMissing {
                package: pin.package.clone(),
                venv: venv.to_path_buf(),
                requirements: requirements.to_path_buf(),
            });
        }
        if version != pin.version {
            return Err(BridgeError::VersionMismatch {
                package: pin.package.clone(),
                found: version,
                pinned: pin.version.clone(),
                venv: venv.to_path_buf(),
            });
        }
        found.push(Pin {
            package: pin.package.clone(),
            version,
        });
    }
    Ok(found)
}

impl Bridge {
    /// `module.function`, imported.
    pub fn function<'py>(
        &self,
        py: Python<'py>,
        function: PythonFunction,
    ) -> Result<Bound<'py, PyAny>, BridgeError> {
        let what = format!("{}.{}", function.module, function.function);
        py.import(function.module)
            .and_then(|m| m.getattr(function.function))
            .map_err(|e| errors::python(py, &format!("importing {what}"), e))
    }

    /// `<function>_<hook>` if the module has it, else the module's shared
    /// `<hook>` (e.g. one `prepare` for every graph kernel).
    fn hook<'py>(
        &self,
        py: Python<'py>,
        function: PythonFunction,
        hook: &str,
    ) -> Result<Bound<'py, PyAny>, BridgeError> {
        let specific = format!("{}_{hook}", function.function);
        let module = py
            .import(function.module)
            .map_err(|e| errors::python(py, &format!("importing {}", function.module), e))?;
        for name in [specific.as_str(), hook] {
            if let Ok(f) = module.getattr(name) {
                return Ok(f);
            }
        }
        Err(BridgeError::Python(PythonError {
            context: format!("looking up {}.{specific}", function.module),
            exception: format!(
                "AttributeError: module '{}' has neither `{specific}` nor `{hook}`",
                function.module
            ),
            traceback: String::new(),
        }))
    }

    /// The input as `function` receives it (`<fn>_prepare`), built once;
    /// time only [`Bridge::run`] on it.
    pub fn prepare<'py>(
        &self,
        py: Python<'py>,
        function: PythonFunction,
        input: &Input,
    ) -> Result<Bound<'py, PyAny>, BridgeError> {
        let prepare = self.hook(py, function, "prepare")?;
        let args: Bound<'py, PyTuple> = convert::input_args(py, input)
            .map_err(|e| errors::python(py, "converting the input", e))?;
        prepare
            .call1(args)
            .map_err(|e| errors::python(py, &format!("{}_prepare", function.function), e))
    }

    /// The computation on a prepared input: the call benchmarks time.
    pub fn run<'py>(
        &self,
        py: Python<'py>,
        function: PythonFunction,
        prepared: &Bound<'py, PyAny>,
    ) -> Result<Bound<'py, PyAny>, BridgeError> {
        self.function(py, function)?
            .call1((prepared,))
            .map_err(|e| errors::python(py, function.function, e))
    }

    /// The result in comparable form, read as `kind`.
    pub fn output<'py>(
        &self,
        py: Python<'py>,
        function: PythonFunction,
        kind: OutputKind,
        result: &Bound<'py, PyAny>,
        prepared: &Bound<'py, PyAny>,
    ) -> Result<Output, BridgeError> {
        let raw = self
            .hook(py, function, "output")?
            .call1((result, prepared))
            .map_err(|e| errors::python(py, &format!("{}_output", function.function), e))?;
        convert::output(kind, &raw)
            .map_err(|e| errors::python(py, &format!("reading {}_output", function.function), e))
    }

    /// Prepare, run and convert `function` in one go, on the Python thread
    /// ([`worker`]).
    pub fn compute_with(
        &self,
        function: PythonFunction,
        kind: OutputKind,
        input: &Input,
    ) -> Result<Output, BridgeError> {
        let (this, input) = (self.clone(), input.clone());
        worker::run(move |py| {
            let prepared = this.prepare(py, function, &input)?;
            let result = this.run(py, function, &prepared)?;
            this.output(py, function, kind, &result, &prepared)
        })
    }

    /// The pair's baseline, prepared, run and converted (differential tests,
    /// report checks).
    pub fn compute(&self, pair: &KernelPair, input: &Input) -> Result<Output, BridgeError> {
        self.compute_with(pair.python, pair.output, input)
    }

    /// Peak and retained bytes (tracemalloc) of one call of `function` on
    /// `input`, prepared outside the traced region, and the C-heap bytes the
    /// result of another, untraced call holds and that call's peak resident
    /// growth (-1: not measurable) (`twinbench_baselines.memory`).
    pub fn peak_memory(
        &self,
        function: PythonFunction,
        input: &Input,
    ) -> Result<MemoryFigures, BridgeError> {
        let (this, input) = (self.clone(), input.clone());
        worker::run(move |py| {
            let prepared = this.prepare(py, function, &input)?;
            this.memory_calls(py, function, &prepared, |_| ())
                .map(|((), memory)| memory)
        })
    }

    /// The baseline's answer and its memory figures from the same calls:
    /// [`Self::peak_memory`]'s, with the answer read from its untraced call
    /// while the result is alive, so a report needs no call of its own for
    /// the answer. The answer's Rust copy is alive at both of the C-heap
    /// readings and so cancels out of that figure. `Err`: the call raised
    /// (no answer and no memory); an answer that cannot be read is
    /// `answer`'s error alone.
    pub fn answer_and_memory(
        &self,
        function: PythonFunction,
        kind: OutputKind,
        input: &Input,
    ) -> Result<AnsweredMemory, BridgeError> {
        let (this, input) = (self.clone(), input.clone());
        worker::run(move |py| {
            let prepared = this.prepare(py, function, &input)?;
            let (answer, memory) = this.memory_calls(py, function, &prepared, |result| {
                this.output(py, function, kind, result, &prepared)
            })?;
            Ok(AnsweredMemory { answer, memory })
        })
    }

    /// The memory measurement (`twinbench_baselines.memory`): an untraced
    /// call of `function` on `prepared`, `read` given its result while it
    /// is alive, the C heap it holds and the resident growth, then a call
    /// under tracemalloc. Returns what `read` returned and (tracemalloc
    /// peak, retained, C heap, resident growth).
    fn memory_calls<'py, R>(
        &self,
        py: Python<'py>,
        function: PythonFunction,
        prepared: &Bound<'py, PyAny>,
        read: impl FnOnce(&Bound<'py, PyAny>) -> R,
    ) -> Result<(R, MemoryFigures), BridgeError> {
        let helper = |name: &'static str| {
            self.function(
                py,
                PythonFunction {
                    module: "twinbench_baselines.memory",
                    function: name,
                },
            )
        };
        let target = self.function(py, function)?;
        let (holder, resident, peak): (Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>) =
            helper("untraced_call")?
                .call1((&target, prepared))
                .and_then(|t| t.extract())
                .map_err(|e| errors::python(py, function.function, e))?;
        // The result's one reference outside `holder` ends with this block,
        // before the release reads the C heap without it.
        let read = {
            let result = holder
                .get_item(0)
                .map_err(|e| errors::python(py, "twinbench_baselines.memory.untraced_call", e))?;
            read(&result)
        };
        let (c_heap, resident_growth): (i64, i64) = helper("untraced_release")?
            .call1((holder, resident, peak))
            .and_then(|t| t.extract())
            .map_err(|e| errors::python(py, "twinbench_baselines.memory.untraced_release", e))?;
        let (traced_peak, retained): (i64, i64) = helper("traced")?
            .call1((target, prepared))
            .and_then(|t| t.extract())
            .map_err(|e| errors::python(py, "twinbench_baselines.memory.traced", e))?;
        Ok((read, (traced_peak, retained, c_heap, resident_growth)))
    }

    /// Bytes networkx, igraph and rustworkx hold for the graph `input`
    /// (`twinbench_baselines.footprint.graph_bytes`): per library, Python
    /// object bytes and C-heap bytes.
    pub fn graph_footprint(&self, input: &Input) -> Result<Vec<(String, f64, f64)>, BridgeError> {
        const GRAPH_BYTES: PythonFunction = PythonFunction {
            module: "twinbench_baselines.footprint",
            function: "graph_bytes",
        };
        let (this, input) = (self.clone(), input.clone());
        worker::run(move |py| {
            let args = convert::input_args(py, &input)
                .map_err(|e| errors::python(py, "converting the input", e))?;
            this.function(py, GRAPH_BYTES)?
                .call1(args)
                .and_then(|rows| rows.extract())
                .map_err(|e| errors::python(py, "twinbench_baselines.footprint.graph_bytes", e))
        })
    }

    /// Runs `f` with every native thread pool of the process (OpenBLAS,
    /// OpenMP) pinned to one thread (`twinbench_baselines.threads`), and
    /// restores the original limits afterwards, also when `f` fails.
    /// OpenMP's limit belongs to the calling thread: `f` must call Python
    /// from this thread.
    pub fn one_thread<T>(&self, f: impl FnOnce() -> T) -> Result<T, BridgeError> {
        const LIMIT: PythonFunction = PythonFunction {
            module: "twinbench_baselines.threads",
            function: "limit_to_one",
        };
        let controller: Py<PyAny> = Python::attach(|py| {
            self.function(py, LIMIT)?
                .call0()
                .map(Bound::unbind)
                .map_err(|e| errors::python(py, "twinbench_baselines.threads.limit_to_one", e))
        })?;
        let value = f();
        Python::attach(|py| {
            controller
                .bind(py)
                .call_method0("restore_original_limits")
                .map(|_| value)
                .map_err(|e| errors::python(py, "restoring the thread-pool limits", e))
        })
    }

    /// The native thread pools loaded once numpy, scipy and scikit-learn
    /// are (`twinbench_baselines.threads.pools`).
    pub fn thread_pools(&self) -> Result<Vec<ThreadPool>, BridgeError> {
        const POOLS: PythonFunction = PythonFunction {
            module: "twinbench_baselines.threads",
            function: "pools",
        };
        let this = self.clone();
        worker::run(move |py| {
            let rows: Vec<(String, String, String, usize, String, String, String)> = this
                .function(py, POOLS)?
                .call0()
                .and_then(|rows| rows.extract())
                .map_err(|e| errors::python(py, "twinbench_baselines.threads.pools", e))?;
            Ok(rows
                .into_iter()
                .map(
                    |(
                        user_api,
                        internal_api,
                        version,
                        num_threads,
                        architecture,
                        threading_layer,
                        filepath,
                    )| {
                        ThreadPool {
                            user_api,
                            internal_api,
                            version,
                            num_threads,
                            architecture,
                            threading_layer,
                            filepath,
                        }
                    },
                )
                .collect())
        })
    }

    /// `function(prepared, calls)` for a latency measurement
    /// (`pairs::latency`): the baseline times each call itself and returns
    /// the nanoseconds, one per call.
    pub fn per_call_times<'py>(
        &self,
        py: Python<'py>,
        function: PythonFunction,
        prepared: &Bound<'py, PyAny>,
        calls: usize,
    ) -> Result<Vec<u64>, BridgeError> {
        let what = format!("{}.{}", function.module, function.function);
        self.function(py, function)?
            .call1((prepared, calls))
            .and_then(|times| times.extract::<Vec<u64>>())
            .map_err(|e| errors::python(py, &what, e))
    }

    /// [`Bridge::per_call_times`] on `input`, prepared first, on the
    /// Python thread.
    pub fn per_call_times_on(
        &self,
        function: PythonFunction,
        input: &Input,
        calls: usize,
    ) -> Result<Vec<u64>, BridgeError> {
        let (this, input) = (self.clone(), input.clone());
        worker::run(move |py| {
            let prepared = this.prepare(py, function, &input)?;
            this.per_call_times(py, function, &prepared, calls)
        })
    }

    /// `str(function(*args))` for string arguments: how tests put text
    /// kernels (difflib, `re`, `str` methods) to the embedded interpreter
    /// without quoting text into an expression.
    pub fn call_with_strings(
        &self,
        function: PythonFunction,
        args: &[String],
    ) -> Result<String, BridgeError> {
        let args = args.to_vec();
        let this = self.clone();
        worker::run(move |py| {
            let what = format!("{}.{}", function.module, function.function);
            let f = this.function(py, function)?;
            let args = PyTuple::new(py, &args).map_err(|e| errors::python(py, &what, e))?;
            f.call1(args)
                .and_then(|v| v.str().map(|s| s.to_string()))
                .map_err(|e| errors::python(py, &what, e))
        })
    }

    /// Evaluates a Python expression with the bridge's `sys.path` (tests use
    /// it to check facts such as `hash((u, v))` against the interpreter).
    pub fn eval_expression(&self, expression: &str) -> Result<String, BridgeError> {
        let expression = expression.to_owned();
        worker::run(move |py| {
            let code = std::ffi::CString::new(expression.as_str()).map_err(|_| {
                BridgeError::Python(PythonError {
                    context: "evaluating an expression".into(),
                    exception: "ValueError: expression contains a NUL byte".into(),
                    traceback: String::new(),
                })
            })?;
            py.eval(&code, None, None)
                .and_then(|v| v.str().map(|s| s.to_string()))
                .map_err(|e| errors::python(py, &expression, e))
        })
    }
}
