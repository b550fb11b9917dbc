"""The app's session state and cached computations, shared by the pages (Streamlit caches)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import streamlit as st
import yaml

from erlang import erlang_a_kpis, erlang_c_kpis
from scenarios import ScenarioError, plan
from scenarios.examples import example_path
from scenarios.io import parse_scenario


# ----- cached computations (closed forms are instant on re-runs) ------------------------------
@st.cache_data(show_spinner=False)
def calculator_curves(cph, aht_s, patience_s, threshold_s, max_agents):
    n = np.arange(0, max_agents + 1)
    c = erlang_c_kpis(cph, aht_s, n, threshold_s)
    a = erlang_a_kpis(cph, aht_s, patience_s, n, threshold_s) if patience_s else None
    return n, c, a


@st.cache_data(show_spinner=False)
def cached_plan(scenario_json: str, model: str):
    return plan(parse_scenario(json.loads(scenario_json)), model)


@st.cache_data(show_spinner=False)
def cached_feasibility(scenario_json: str, fte: float, model: str):
    """The verdict's feasibility part, from the cached plan (keyed on the scenario JSON)."""
    from scenarios.verdict import feasibility

    return feasibility(cached_plan(scenario_json, model), fte=fte)


@st.cache_data(show_spinner="re-planning the channel for 48 standards")
def cached_cost_curve(scenario_json: str, channel: str, model: str):
    """The verdict's cost curve of ``channel``, from the cached plan."""
    from scenarios.verdict import cost_curve

    return cost_curve(cached_plan(scenario_json, model), channel)


def scenario_text(name: str) -> str:
    return example_path(name).read_text(encoding="utf-8")


# Defaults live in the session state (not in the widgets), so keeping them is warning-free.
DEFAULTS = {
    "calc_cph": 1200.0,
    "calc_aht": 300.0,
    "calc_patience": 180.0,
    "calc_threshold": 20.0,
    "calc_target": 0.8,
    "check_reps": 10,
    "sim_reps": 10,
    "plan_period": "month",
    "hist_interval": 30,
    "hist_threshold": 20.0,
    "hist_busy": 30,
    "settings_executor": "processes",
    "settings_scheduler": os.environ.get("DASK_SCHEDULER_ADDRESS", ""),
}


def parse_text(text: str, source: str):
    """``(scenario, None)`` for valid YAML/JSON scenario text, else ``(None, message)``."""
    try:
        return parse_scenario(yaml.safe_load(text), source), None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        return None, f"{source}: not valid YAML or JSON{where}"
    except ScenarioError as err:
        return None, str(err)


def current_scenario():
    """The edited scenario, or None with the validation message."""
    return parse_text(st.session_state.scenario_yaml, "scenario")


def planned(scenario, model: str):
    """``(plan, None)``, or ``(None, message)`` when the demand cannot be built (e.g. a
    volume CSV that is missing or malformed)."""
    try:
        return cached_plan(scenario.model_dump_json(), model), None
    except (ScenarioError, ValueError, OSError) as err:
        return None, str(err)


@st.cache_resource(show_spinner=False)
def shared_executor(kind: str, address: str):
    """One executor per setting, shared by the app's sessions (a process pool or a Dask client
    is expensive to start). Workers start by forkserver: forking a threaded server is unsafe."""
    import multiprocessing

    from simulator import DaskExecutor, ProcessExecutor, SerialExecutor

    if kind == "dask":
        return DaskExecutor(address)
    if kind == "processes":
        context = multiprocessing.get_context("forkserver")
        # Not the default preload of `__main__`: under `streamlit run` that is this script,
        # which the workers must not run. The simulator is what they need.
        context.set_forkserver_preload(["simulator", "scenarios.simulation"])
        return ProcessExecutor(mp_context=context)
    return SerialExecutor()


EXECUTORS = {
    "processes": "local processes (all cores)",
    "serial": "this process",
    "dask": "a Dask cluster",
}


def executor_or_error():
    """The executor chosen in the sidebar, or None with the reason it cannot be used."""
    from simulator import ExecutorError

    kind = st.session_state.get("settings_executor", "processes")
    address = st.session_state.get("settings_scheduler", "").strip()
    if kind == "dask" and not address:
        return None, "Settings: give the Dask scheduler address (tcp://host:port)."
    try:
        return shared_executor(kind, address), None
    except (ExecutorError, ValueError) as err:
        return None, f"Settings: {err}"


def _uploaded_once(upload, key: str) -> bool:
    """Whether ``upload`` is a file not handled yet (an upload stays in the widget across
    reruns; it must not overwrite later edits)."""
    if upload is None or st.session_state.get(key) == upload.file_id:
        return False
    st.session_state[key] = upload.file_id
    return True


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _session_file(upload, name: str | None = None) -> Path:
    """An uploaded file saved in this session's temporary folder (readers take paths)."""
    import tempfile

    if "upload_dir" not in st.session_state:
        st.session_state.upload_dir = tempfile.mkdtemp(prefix="ccplan-app-")
    path = Path(st.session_state.upload_dir) / (name or Path(upload.name).name)
    path.write_bytes(upload.getvalue())
    return path
