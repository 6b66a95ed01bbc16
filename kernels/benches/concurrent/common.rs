//! The one timing pattern every component's overhead bench uses.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};

/// Operations per timed iteration.
pub const OPS: u64 = 10_000;

/// Times `OPS` operations three ways (see the bench's doc comment).
///
/// - `make_core` / `core_op`: the unsynchronised logic and one operation on it;
/// - `make_shared` / `shared_op`: the shared component and the same operation.
///
/// The operation receives its index `i` in `0..OPS`, so keys, outcomes and
/// clock steps are derived the same way on every side.
pub fn overhead<C, S>(
    c: &mut Criterion,
    component: &str,
    make_core: impl Fn() -> C,
    core_op: impl Fn(&mut C, u64),
    make_shared: impl Fn() -> S,
    shared_op: impl Fn(&S, u64) + Sync,
) where
    S: Sync,
{
    let mut group = c.benchmark_group(format!("concurrent/{component}"));
    group.throughput(Throughput::Elements(OPS));
    group.bench_function("unsynchronized", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut core = make_core();
                let start = Instant::now();
                for i in 0..OPS {
                    core_op(black_box(&mut core), i);
                }
                total += start.elapsed();
                black_box(&core);
            }
            total
        })
    });
    group.bench_function("synchronized/1-thread", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let shared = make_shared();
                let start = Instant::now();
                for i in 0..OPS {
                    shared_op(black_box(&shared), i);
                }
                total += start.elapsed();
                black_box(&shared);
            }
            total
        })
    });
    group.bench_function("synchronized/2-threads", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let shared = make_shared();
                let barrier = Barrier::new(3);
                let (op, shared_ref, barrier_ref) = (&shared_op, &shared, &barrier);
                total += std::thread::scope(|scope| {
                    for half in 0..2u64 {
                        scope.spawn(move || {
                            barrier_ref.wait();
                            for i in (half..OPS).step_by(2) {
                                op(black_box(shared_ref), i);
                            }
                        });
                    }
                    barrier_ref.wait();
                    let start = Instant::now();
                    // Scope end joins both workers; the time includes the slower one.
                    start
                })
                .elapsed();
                black_box(&shared);
            }
            total
        })
    });
    group.finish();
}
