"""Fuzz the scenario loader: any file gives a ``Scenario`` or one ``ScenarioError`` line.

Random text and bytes, deeply nested documents, random JSON-like structures, and the bundled
default scenario with one field replaced, removed or added. Any other exception (TypeError,
RecursionError, UnicodeDecodeError, ...) is a bug in the loader or the schema.
"""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import yaml
from hypothesis import given
from hypothesis import strategies as st

from scenarios.io import ScenarioError, load_scenario, read_mapping
from scenarios.pipeline import plan
from scenarios.scenario import Scenario

from .support import fuzz_settings, hang_guard
from .values import DEFAULT_DATA, json_values, mutated_scenario_data

SUFFIXES = st.sampled_from([".yaml", ".yml", ".json"])


def load_outcome(path):
    """Load under the hang guard; a ``Scenario``, or the ``ScenarioError`` (checked: one line
    that names the file)."""
    with hang_guard():
        try:
            return load_scenario(path)
        except ScenarioError as err:
            message = str(err)
            assert message.startswith(str(path)), message
            assert "\n" not in message and "Traceback" not in message, message
            return err


@given(text=st.text(max_size=400), suffix=SUFFIXES)
@fuzz_settings(300)
def test_random_text(tmp_path_factory, text, suffix):
    path = tmp_path_factory.mktemp("t") / f"s{suffix}"
    path.write_text(text, encoding="utf-8")
    load_outcome(path)


@given(data=st.binary(max_size=300), suffix=SUFFIXES)
@fuzz_settings(150)
def test_random_bytes(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("b") / f"s{suffix}"
    path.write_bytes(data)
    load_outcome(path)


@given(depth=st.integers(1, 200_000), kind=st.sampled_from(["[", "{a: ", '{"a": ']))
@fuzz_settings(40)
def test_deep_nesting(tmp_path_factory, depth, kind):
    closing = {"[": "]", "{a: ": "}", '{"a": ': "}"}[kind]
    suffix = ".json" if kind != "{a: " else ".yaml"
    path = tmp_path_factory.mktemp("n") / f"s{suffix}"
    path.write_text(kind * depth + "1" + closing * depth)
    outcome = load_outcome(path)
    assert isinstance(outcome, ScenarioError)  # never a scenario at the top level


@given(value=json_values, as_json=st.booleans())
@fuzz_settings(250)
def test_random_structures(tmp_path_factory, value, as_json):
    directory = tmp_path_factory.mktemp("r")
    if as_json:
        path = directory / "s.json"
        path.write_text(json.dumps(value))
    else:
        path = directory / "s.yaml"
        path.write_text(yaml.safe_dump(value))
    outcome = load_outcome(path)
    if not isinstance(value, dict):
        assert isinstance(outcome, ScenarioError)


@given(data=mutated_scenario_data(), as_json=st.booleans())
@fuzz_settings(500)
def test_one_field_changed(tmp_path_factory, data, as_json):
    directory = tmp_path_factory.mktemp("m")
    path = directory / ("s.json" if as_json else "s.yaml")
    text = json.dumps(data, default=str) if as_json else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text)
    outcome = load_outcome(path)
    if isinstance(outcome, Scenario):
        # What validated must plan: the numbers the planner divides by are finite and
        # positive, and the totals are finite (a plan error is one ValueError sentence).
        assert outcome.days >= 1
        for ch in outcome.channels:
            assert math.isfinite(ch.aht_s) and ch.aht_s > 0
            if ch.patience_s is not None:
                assert math.isfinite(ch.patience_s) and ch.patience_s > 0
        with hang_guard():
            try:
                result = plan(outcome, "erlang_a", base_dir=directory)
            except ValueError as err:
                assert "\n" not in str(err), str(err)
                return
        for field in ("offered", "handled", "paid_hours", "fte", "cost", "revenue"):
            values = np.asarray(getattr(result.total, field), dtype=float)
            assert np.all(np.isfinite(values)), (field, values)


def test_default_data_loads_unchanged(tmp_path):
    # The mutations start from a valid scenario (else every case would be a rejection).
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(copy.deepcopy(DEFAULT_DATA)))
    assert isinstance(load_scenario(path), Scenario)
    assert read_mapping(path) == DEFAULT_DATA
