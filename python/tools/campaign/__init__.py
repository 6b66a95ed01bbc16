"""The shadow campaign (claim C14): the twins run beside the originals in
shadow mode (:class:`twinbench.shadow.Shadow`) on generated inputs, every
answer compared under the pair's registered tolerance, so the error rate of
a migration is a measured count with an interval, not a promise.

Not part of the wheel: it drives the package from outside, as the service
would. ``python -m campaign --help`` runs it; ``make report`` does, and the
harness reads what it writes (harness/src/measure/shadow.rs).
"""
