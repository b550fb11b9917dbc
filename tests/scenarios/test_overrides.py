"""The one validated way to change a scenario: every route names the field and its range."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.examples import load_example
from scenarios.overrides import REMOVE, OverrideError, apply_overrides

ROOT = Path(__file__).resolve().parents[2]


def test_positional_and_named_paths_change_the_same_field():
    base = load_example("default")
    voice = next(i for i, t in enumerate(base.targets) if t.channel == "voice")
    by_position = apply_overrides(base, {f"targets[{voice}].threshold_s": 30})
    by_name = apply_overrides(base, {"targets.voice.threshold_s": 30})
    assert by_position == by_name
    assert by_name.target_for("voice").threshold_s == 30
    assert base.target_for("voice").threshold_s != 30  # the given scenario is untouched


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"targets[0].service_level": 5}, "targets[0].service_level: must be a fraction in [0, 1]"),
        ({"targets[0].threshold_s": -3}, "targets[0].threshold_s"),
        ({"workforce.max_occupancy": 2}, "workforce.max_occupancy"),
        ({"targets[0].nope": 1}, "has no field 'nope'"),
        ({"channels.fax.aht_s": 1}, "no entry 'fax' in channels"),
        ({"targets[0]": 1}, "names a group of fields"),
    ],
)
def test_bad_changes_are_one_line_naming_the_field(changes, message):
    with pytest.raises(OverrideError) as err:
        apply_overrides(load_example("default"), changes)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_remove_drops_a_list_entry_and_unsets_an_optional_field():
    base = load_example("default")
    n = len(base.targets)
    dropped = apply_overrides(base, {"targets.voice": REMOVE})
    assert len(dropped.targets) == n - 1 and dropped.target_for("voice") is None
    no_cap = apply_overrides(base, {"targets.voice.max_abandon": REMOVE})
    assert no_cap.target_for("voice").max_abandon is None


def test_total_shrinkage_scales_every_component():
    base = load_example("default")
    out = apply_overrides(base, {"workforce.shrinkage": 0.4})
    parts = base.workforce.shrinkage
    assert sum(out.workforce.shrinkage.values()) == pytest.approx(0.4)
    for name, share in parts.items():
        assert out.workforce.shrinkage[name] / 0.4 == pytest.approx(share / sum(parts.values()))


def test_no_unvalidated_model_copy_anywhere():
    """pydantic's model_copy(update=...) skips validation: only overrides may change a scenario."""
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("erlang", "simulator", "scenarios", "ui", "tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        # Our code only: `make bench` builds a virtual environment inside bench/.
        if not any(part.startswith(".venv") for part in path.relative_to(ROOT).parts)
        and "model_copy(update" in path.read_text(encoding="utf-8")
        and path.name != "test_overrides.py"
    ]
    offenders += ["app.py"] if "model_copy(update" in (ROOT / "app.py").read_text() else []
    assert offenders == []
