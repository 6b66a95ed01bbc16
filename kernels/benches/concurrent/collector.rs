//! Collector: request a collection tick and read the collected count, with the
//! loop running (the tick path a monitoring timer and a dashboard hit).
//!
//! Unsynchronized, the same state machine steps run inline (request, the
//! loop's step, its bookkeeping); synchronized, the loop is a real thread that
//! wakes on the condition variable, so the figure includes the cross-thread
//! hand-off (ticks coalesce while a collection is pending).

use criterion::Criterion;
use twinbench_kernels::concurrent::collector::{Collector, LifecycleCore, LoopStep, Tick};

use crate::common::overhead;

/// A started collector that stops (joins its loop) when the bench drops it,
/// outside the timed region.
struct Running(Collector);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.stop();
    }
}

pub fn bench(c: &mut Criterion) {
    overhead(
        c,
        "collector",
        || {
            let mut core = LifecycleCore::new();
            let generation = core.request_start();
            let _ = core.start_step(generation);
            (core, generation)
        },
        |(core, generation), _| {
            if core.request_tick() != Tick::NotRunning
                && core.loop_step(*generation) != LoopStep::Wait
            {
                core.record_collection(*generation);
            }
            std::hint::black_box(core.ticks_collected());
        },
        || {
            let collector = Collector::new(|n| {
                std::hint::black_box(n);
            });
            collector.start();
            Running(collector)
        },
        |running, _| {
            running.0.tick();
            std::hint::black_box(running.0.ticks_collected());
        },
    );
}
