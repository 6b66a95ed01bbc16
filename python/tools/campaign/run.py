"""Runs the families of one venv through shadow mode and writes the record
the harness reads (harness/src/measure/shadow.rs; bump SCHEMA with it).

Every call is shadowed (``shadow_fraction=1``): both sides run on the same
arguments and are compared under the pair's tolerance. Which side answers
the caller (``twin_fraction``) does not change what is compared; half the
calls go each way so both paths of the shadow runner are exercised. Only
counts are recorded per function, and the mismatches and failures with the
input they happened on; the per-call latencies are not (the campaign runs
beside the build, so its times are not measurements).
"""

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
import warnings
from importlib import metadata

from twinbench.shadow import Shadow

from . import families

SCHEMA = 1
#: The mismatches and failures kept per function, with their inputs.
KEPT_PER_FUNCTION = 5


#: Rounds of top-up calls when the twins declined some: a family whose
#: twins decline nearly everything stops here, short of the count.
TOP_UP_ROUNDS = 3


def _enough(module, rng, count, shadows):
    """The family's cases until ``count`` calls were shadowed (calls the
    twins declined are not shadowed, so more are drawn), at most
    TOP_UP_ROUNDS more batches."""
    wanted = count
    for _ in range(1 + TOP_UP_ROUNDS):
        yield from module.cases(rng, wanted)
        shadowed = sum(s.stats.shadowed for s in shadows.values())
        if shadowed >= count:
            return
        wanted = count - shadowed


def run_family(module, seed, count):
    """Shadows at least ``count`` calls of one family (see ``_enough``);
    its record."""
    rng = random.Random(f"{seed}/{module.FAMILY}")
    shadows = {}
    kept = {}
    started = time.perf_counter()
    for case in _enough(module, rng, count, shadows):
        shadow = shadows.get(case.function)
        if shadow is None:
            shadow = Shadow(
                case.original,
                case.twin,
                compare=case.compare,
                twin_fraction=0.5,
                shadow_fraction=1.0,
                max_kept=1,
                max_latencies=0,
                seed=rng.randrange(2**31),
            )
            shadows[case.function] = shadow
            kept[case.function] = []
        before = shadow.stats
        try:
            shadow(*case.args, **case.kwargs)
        except Exception:  # noqa: BLE001 - the original raised: the caller's answer, not a finding
            pass
        after = shadow.stats
        if after.mismatches + after.failures > before.mismatches + before.failures:
            found = shadow.kept[-1]
            if len(kept[case.function]) < KEPT_PER_FUNCTION:
                kept[case.function].append({"kind": found.kind, "detail": found.detail, "input": case.describe})
    seconds = time.perf_counter() - started
    functions = []
    for name, shadow in shadows.items():
        s = shadow.stats
        functions.append(
            {
                "function": name,
                "calls": s.calls,
                "shadowed": s.shadowed,
                "declined": s.declined,
                "mismatches": s.mismatches,
                "failures": s.failures,
                "original_ns_total": s.original_ns_total,
                "twin_ns_total": s.twin_ns_total,
                "kept": kept[name],
            }
        )
    total = {key: sum(f[key] for f in functions) for key in ("calls", "shadowed", "declined", "mismatches", "failures")}
    return {"family": module.FAMILY, **total, "seconds": seconds, "functions": functions}


def _versions():
    out = {}
    for name in ("twinbench", "networkx", "numpy", "pandas", "scikit-learn", "scipy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def write_atomically(path, record):
    """The record, whole or not at all: a temporary file renamed over it."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as out:
        json.dump(record, out, indent=1)
        out.write("\n")
    # A temporary file is private (0600); the record is an ordinary file.
    os.chmod(out.name, 0o644)
    os.replace(out.name, path)


def main(argv=None):
    # The originals' own deprecation and runtime warnings (pandas, numpy) are
    # theirs, not findings: the record says what disagreed.
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(prog="python -m campaign", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pins", choices=("main", "monitoring"), required=True, help="run the families whose originals run in this venv")
    parser.add_argument("--calls", type=int, default=4000, help="shadowed calls per family (default 4000)")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--family", action="append", help="only these families (default: all of the venv's)")
    parser.add_argument("--out", required=True, help="the record to write (JSON)")
    args = parser.parse_args(argv)
    if args.calls < 1:
        parser.error("--calls must be at least 1")
    chosen = [m for m in families.modules(args.pins) if not args.family or m.FAMILY in args.family]
    if args.family:
        unknown = set(args.family) - {m.FAMILY for m in chosen}
        if unknown:
            parser.error(f"no family {sorted(unknown)} runs under --pins {args.pins}")
    record = {
        "schema": SCHEMA,
        "pins": args.pins,
        "seed": args.seed,
        "calls_per_family": args.calls,
        "python": platform.python_version(),
        "packages": _versions(),
        "families": [],
    }
    for module in chosen:
        family = run_family(module, args.seed, args.calls)
        record["families"].append(family)
        print(
            f"shadow campaign: {family['family']}: {family['shadowed']} shadowed calls, "
            f"{family['mismatches']} mismatches, {family['failures']} failures, "
            f"{family['declined']} declined ({family['seconds']:.0f} s)",
            file=sys.stderr,
        )
    write_atomically(args.out, record)
    return 0
