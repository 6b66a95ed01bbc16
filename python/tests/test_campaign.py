"""The shadow campaign (tools/campaign): counts what shadow mode finds,
tops up what the twins decline, keeps the inputs of what went wrong, writes
a whole record; and the real families agree on a short run."""

import json
import sys
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python_baselines"))

from campaign import families  # noqa: E402
from campaign.case import Case  # noqa: E402
from campaign.run import main, run_family  # noqa: E402
from twinbench.shadow import exact  # noqa: E402


def fake_family(twin):
    def cases(rng, count):
        for _ in range(count):
            x = rng.randrange(100)
            yield Case("double", lambda v: 2 * v, twin, exact, (x,), {}, f"x = {x}")

    return types.SimpleNamespace(FAMILY="fake", PINS="main", cases=cases)


def test_mismatches_failures_and_declines_are_counted_and_kept():
    def twin(v):
        if v % 10 == 0:
            raise NotImplementedError("declined")
        if v % 10 == 1:
            raise RuntimeError("boom")
        return 2 * v + (v % 10 == 2)

    record = run_family(fake_family(twin), seed=1, count=300)
    assert record["shadowed"] >= 300, "the declined calls are topped up"
    assert record["declined"] > 0 and record["calls"] == record["shadowed"] + record["declined"]
    assert record["mismatches"] > 0 and record["failures"] > 0
    [function] = record["functions"]
    kinds = {k["kind"] for k in function["kept"]}
    assert kinds <= {"mismatch", "failure"} and len(function["kept"]) == 5
    assert all(k["input"].startswith("x = ") for k in function["kept"])


def test_a_correct_twin_has_nothing_to_report():
    record = run_family(fake_family(lambda v: 2 * v), seed=2, count=50)
    assert (record["shadowed"], record["mismatches"], record["failures"], record["declined"]) == (50, 0, 0, 0)


def test_every_family_agrees_on_a_short_run(tmp_path):
    out = tmp_path / "shadow.json"
    assert main(["--pins", "main", "--calls", "60", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert record["schema"] == 1 and record["calls_per_family"] == 60
    names = {m.FAMILY for m in families.modules("main")}
    assert {f["family"] for f in record["families"]} == names
    for family in record["families"]:
        assert family["shadowed"] >= 60
        assert (family["mismatches"], family["failures"]) == (0, 0), family["functions"]
    analytics = next(f for f in record["families"] if f["family"] == "analytics")
    assert len(analytics["functions"]) == 19


def test_the_venv_list_names_every_family_module_with_its_pins():
    import pkgutil

    on_disk = {info.name for info in pkgutil.iter_modules(families.__path__)}
    assert on_disk == set(families.PINS_OF)
    for module in families.modules():
        assert module.PINS == families.PINS_OF[module.__name__.rsplit(".", 1)[1]]
