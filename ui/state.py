"""The app's session state: one current scenario held by the app (not by a widget), a
page-local what-if on top of it, named variants, and the cached computations pages share.

The current scenario lives under ``SCENARIO`` in ``st.session_state``, a key no widget owns, so
Streamlit never drops it on a run that does not draw some widget (the cause of edits being lost
after a page switch). Every change goes through the schema: text through
``scenarios.io.parse_scenario``, field edits through ``scenarios.overrides.apply_overrides``.
Widgets that show scenario values use keys that carry the scenario's digest (``widget_key``),
so after any change they are drawn afresh from the scenario.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
import yaml

from erlang import erlang_a_kpis, erlang_c_kpis
from scenarios import ScenarioError
from scenarios.examples import example_path
from scenarios.files import DataDir, DataFileError, resolve
from scenarios.io import mapping_from_text, parse_scenario
from scenarios.overrides import REMOVE, OverrideError, apply_overrides, resolve_path
from scenarios.scenario import Scenario
from ui.uploads import session_folder

#: Session keys no widget uses (Streamlit keeps them across runs and pages).
SCENARIO = "app_scenario"
WHATIF = "app_whatif"
VARIANTS = "app_variants"
FORECAST = "app_forecast"
EFFECTIVE = "app_effective"  # (digest and what-if, the scenario with the what-if applied)
EDITOR_TAGS = "app_editor_tags"  # {editor: (tag its widget keys carry, what-if tag it left)}


@dataclass(frozen=True)
class Current:
    """The scenario every page uses: the validated model, its source text (what a download
    gives back), where it came from, and the data files it names by a relative path (an
    uploaded interval CSV), as ``(file name, bytes)`` pairs."""

    scenario: Scenario
    text: str
    source: str
    files: tuple[tuple[str, bytes], ...] = ()

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def digest(self) -> str:
        """A short fingerprint of the text and data files (widget keys, cache keys)."""
        h = hashlib.sha1(self.text.encode())
        for name, data in self.files:
            h.update(name.encode())
            h.update(data)
        return h.hexdigest()[:12]


def scenario_text(name: str) -> str:
    """The text of a bundled example."""
    return example_path(name).read_text(encoding="utf-8")


def dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def scenario_yaml(scenario: Scenario) -> str:
    """A scenario as tidy YAML (fields at their defaults left out; loads back equal)."""
    return dump(json.loads(scenario.model_dump_json(exclude_defaults=True)))


def parse_text(text: str | bytes, source: str):
    """``(scenario, None)`` for valid YAML/JSON scenario text (an upload's bytes, the editor's
    text), else ``(None, message)``: the CLI's reading (size, UTF-8, YAML or JSON) and schema
    (``scenarios.io``), then the app's rule for the files it names (``refused_file``)."""
    try:
        scenario = parse_scenario(mapping_from_text(text, source), source)
    except ScenarioError as err:
        return None, str(err)
    return (None, refused) if (refused := refused_file(scenario, source)) else (scenario, None)


def refused_file(scenario: Scenario, source: str) -> str | None:
    """The message if ``scenario`` names a file the app may not read (an absolute path, a
    device, a name leaving the upload's folder: ``scenarios.files.resolve``'s rules under the
    app's ``DataDir``), else None. Nothing is opened; a file not uploaded yet is fine (the
    pages say where to upload it)."""
    folder = DataDir(session_folder(), allow_absolute=False)
    for ch in scenario.channels:
        if ch.demand.csv is not None:
            try:
                resolve(ch.demand.csv, folder, f"channel {ch.name}: demand.csv")
            except DataFileError as err:
                return f"{source}: {err}"
    return None


# ----- the current scenario --------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _default_current() -> Current:
    """The bundled default, read and validated once per server (a new session starts from
    it without parsing it again; ``Current`` and ``Scenario`` are immutable, so sessions may
    share it)."""
    text = scenario_text("default")
    scenario, _ = parse_text(text, "default")
    return Current(scenario, text, "example: default")


def current() -> Current:
    """The current scenario (the bundled default on a session's first run)."""
    if SCENARIO not in st.session_state:
        st.session_state[SCENARIO] = _default_current()
    return st.session_state[SCENARIO]


def set_scenario(
    scenario: Scenario,
    source: str,
    text: str | None = None,
    files=None,
    *,
    keep_whatif: bool = False,
) -> None:
    """Make ``scenario`` (already validated) the current one. A what-if is dropped when another
    scenario is loaded; with ``keep_whatif`` (an edit of the same scenario) it stays on top of
    the edited one where it still validates, less the changes the edit made anyway.
    ``files`` default: the current data files that the new scenario still names."""
    if files is None:
        named = _named_files(scenario)
        files = tuple((n, b) for n, b in current().files if n in named)
    w = whatif()
    st.session_state[SCENARIO] = Current(
        scenario, text if text is not None else scenario_yaml(scenario), source, tuple(files)
    )
    st.session_state.pop(WHATIF, None)
    if keep_whatif and w is not None:
        set_whatif(w["changes"])  # refused (dropped) if it no longer fits the edited scenario


def set_text(text: str | bytes, source: str, *, keep_whatif: bool = False) -> str | None:
    """Take scenario text (a file, an example, the editor) if the schema accepts it; else keep
    the current scenario and return the message."""
    scenario, error = parse_text(text, source)
    if error is None:
        if isinstance(text, bytes):  # UTF-8: parse_text said so
            text = text.decode("utf-8-sig")
        set_scenario(scenario, source, text, keep_whatif=keep_whatif)
    return error


def edit(changes: dict, source: str, files=None) -> str | None:
    """Apply field changes (``apply_overrides`` paths -> values) to the current scenario; the
    message naming the field and its range if the schema rejects them (nothing changes)."""
    try:
        changed = apply_overrides(current().scenario, changes)
    except OverrideError as err:
        return str(err)
    set_scenario(changed, source, files=files, keep_whatif=True)
    return None


def _named_files(scenario: Scenario) -> set[str]:
    return {ch.demand.csv for ch in scenario.channels if ch.demand.csv is not None}


def widget_key(name: str, *, with_whatif: bool = True, editor: str | None = None) -> str:
    """A widget key tied to the scenario in force (and its what-if, unless ``with_whatif`` is
    False): a change anywhere redraws the widget from the scenario's values instead of keeping
    a stale one. The widgets of an ``editor`` (a group of fields that writes the what-if) keep
    their keys across the what-if changes they made themselves (``editor_tag``)."""
    tag = "" if not with_whatif else whatif_tag() if editor is None else editor_tag(editor)
    return f"w_{current().digest}_{tag}_{name}"


def whatif_tag() -> str:
    """A short fingerprint of the what-if in force ("" without one)."""
    w = whatif()
    if w is None:
        return ""
    return hashlib.sha1(repr(sorted(w["changes"].items())).encode()).hexdigest()[:8]


def editor_tag(editor: str) -> str:
    """The what-if part of ``editor``'s widget keys. After a what-if change the editor made
    itself (``kept_editor_keys``) its widgets already show the new values: they keep their
    keys, so the browser updates them in place instead of replacing every field of the editor
    (a third of the browser's work on a Negotiate target change). Any other change (Drop it,
    another page's editor) gives keys never in use by the editor's widgets, drawn afresh from
    the scenario."""
    now = whatif_tag()
    kept = st.session_state.get(EDITOR_TAGS, {}).get(editor)
    if kept is None:
        return now
    in_use, left = kept
    if left == now:
        return in_use
    return now if now != in_use else now + "~"  # "~" is in no fingerprint


def kept_editor_keys(editor: str, tag: str) -> None:
    """The editor whose widgets carry ``tag`` has just changed the what-if itself: its
    widgets keep their keys while the what-if stays as it left it (``editor_tag``)."""
    st.session_state.setdefault(EDITOR_TAGS, {})[editor] = (tag, whatif_tag())


# ----- a page-local what-if on top of the scenario ---------------------------------------------
def describe_changes(changes: dict, changed: Scenario) -> str:
    """The banner's words for a what-if: ``{"targets.voice.service_level": 0.9}`` with voice's
    threshold at 15 s in ``changed`` (the scenario with the what-if) -> ``"voice SL 90/15"``."""
    by_owner: dict[str, list[str]] = {}
    for path in changes:
        parts = path.split(".")
        owner = parts[1] if parts[0] == "targets" and len(parts) == 3 else ""
        by_owner.setdefault(owner, []).append(parts[-1] if owner else path)
    out = []
    for owner, fields in by_owner.items():
        if not owner:
            out.append(", ".join(f"{p} = {changes[p]}" for p in fields))
            continue
        t = changed.target_for(owner)
        words = []
        if {"service_level", "threshold_s"} & set(fields) and t.service_level is not None:
            thr = t.threshold_s
            sl = f"{t.service_level * 100:g}"
            words.append(f"SL {sl}/{thr:g}" if thr < 3600 else f"SL {sl}% in {thr / 3600:g} h")
        if "max_abandon" in fields:
            cap = t.max_abandon
            words.append("no abandonment cap" if cap is None else f"abandonment ≤ {cap * 100:g}%")
        if "max_asa_s" in fields:
            cap = t.max_asa_s
            words.append("no ASA cap" if cap is None else f"ASA ≤ {cap:g} s")
        out.append(f"{owner} " + ", ".join(words))
    return "; ".join(out)


def whatif() -> dict | None:
    """``{"changes": {path: value}, "label": str}`` or None."""
    return st.session_state.get(WHATIF)


def set_whatif(changes: dict) -> str | None:
    """Merge ``changes`` into the what-if of the current scenario (not saved into it):
    validated now, shown on every page until applied or dropped. Changes back to the
    scenario's own values leave the what-if; nothing left drops it. The message if the schema
    rejects them (the what-if stays as it was)."""
    scenario = current().scenario
    w = whatif()
    merged = {**(w["changes"] if w else {}), **changes}
    try:
        changed = apply_overrides(scenario, merged)
    except OverrideError as err:
        return str(err)
    data = scenario.model_dump(mode="json")
    kept = {}
    for path, value in merged.items():
        node = data
        for key in resolve_path(scenario, path):
            node = node[key]
        same = (
            node == value
            or (value is REMOVE and node is None)
            or (isinstance(node, float) and isinstance(value, float) and abs(node - value) < 1e-9)
        )
        if not same:
            kept[path] = value
    if kept:
        st.session_state[WHATIF] = {"changes": kept, "label": describe_changes(kept, changed)}
    else:
        st.session_state.pop(WHATIF, None)
    return None


def drop_whatif() -> None:
    st.session_state.pop(WHATIF, None)


def apply_whatif() -> None:
    """Save the what-if into the current scenario."""
    w = whatif()
    if w is not None:
        edit(w["changes"], f"what-if applied: {w['label']}")


def effective() -> Scenario:
    """The scenario the pages compute with: the current one with the what-if, if any. Kept
    in the session under the current scenario's digest and the what-if's changes: a run asks
    for it several times (sidebar, page, standards editor), and validating the changes again
    each time cost a third of a target change's re-render."""
    w = whatif()
    cur = current()
    if w is None:
        return cur.scenario
    key = (cur.digest, repr(sorted(w["changes"].items())))
    kept = st.session_state.get(EFFECTIVE)
    if kept is not None and kept[0] == key:
        return kept[1]
    try:
        scenario = apply_overrides(cur.scenario, w["changes"])
    except OverrideError:  # validated when set; a later scenario change dropped it anyway
        drop_whatif()
        return cur.scenario
    st.session_state[EFFECTIVE] = (key, scenario)
    return scenario


def whatif_banner() -> None:
    """On every page: the what-if in force, with one click to apply or drop it."""
    w = whatif()
    if w is None:
        return
    box = st.container(border=True)
    cols = box.columns([6, 1, 1])
    cols[0].markdown(
        f"**What-if: {w['label']}, not saved.** Every page uses it until saved or dropped."
    )
    cols[1].button(
        "Save it", key="whatif_apply_run", on_click=apply_whatif, help="into the scenario"
    )
    cols[2].button("Drop it", key="whatif_drop_run", on_click=drop_whatif)


# ----- named variants ---------------------------------------------------------------------------
def variants() -> dict[str, Current]:
    return st.session_state.setdefault(VARIANTS, {})


def save_variant(name: str) -> str | None:
    """Keep the scenario in force (with its what-if) under ``name`` for side-by-side
    comparison; the message if the name is empty."""
    name = name.strip()
    if not name:
        return "Variant name: give a name, e.g. 'offer A'"
    cur = current()
    scenario = effective()
    text = cur.text if scenario is cur.scenario else scenario_yaml(scenario)
    variants()[name] = Current(scenario, text, f"variant {name}", cur.files)
    return None


def load_variant(name: str) -> None:
    v = variants()[name]
    set_scenario(v.scenario, f"variant {name}", v.text, v.files)


# ----- the History page's forecast, offered to every page ---------------------------------------
def offer_forecast(scenario: Scenario, files, source: str) -> None:
    """Keep the latest forecast's scenario (validated) and its volume CSVs ``(name, bytes)``
    so the History and Scenario pages can make it the current scenario."""
    st.session_state[FORECAST] = (scenario, tuple(files), source)


def forecast_offer():
    """``(scenario, files, source)`` of the latest forecast, or None."""
    return st.session_state.get(FORECAST)


def use_forecast() -> None:
    """The latest forecast becomes the current scenario, its volume CSVs with it."""
    scenario, files, source = st.session_state[FORECAST]
    set_scenario(scenario, f"History: {source}", files=files)


# ----- data files and plans ---------------------------------------------------------------------
def data_dir(files) -> DataDir:
    """The folder holding ``files`` (name, bytes) for readers that take paths: a subfolder of
    the session's folder (``ui.uploads``, deleted with the session) per content, so a scenario
    sees only its own files, as a ``DataDir`` that refuses absolute names: an uploaded scenario
    reads only the files uploaded with it."""
    h = hashlib.sha1()
    for name, data in files or ():
        h.update(name.encode())
        h.update(data)
    folder = session_folder() / h.hexdigest()[:16]
    folder.mkdir(exist_ok=True)
    for name, data in files or ():
        path = folder / name
        if not path.exists():
            path.write_bytes(data)
    return DataDir(folder, allow_absolute=False)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_plan(scenario_json: str, model: str, files: tuple = ()):
    from scenarios import plan

    return plan(parse_scenario(json.loads(scenario_json)), model, base_dir=data_dir(files))


def offer_default_fte() -> float:
    """The FTE on offer before the user types one: the scenario's ``workforce.fte_offered``,
    else what the current scenario's plan needs (rounded up to a whole FTE), what-if aside."""
    import math

    scenario = current().scenario
    if scenario.workforce.fte_offered is not None:
        return float(scenario.workforce.fte_offered)
    result, error = planned(scenario)
    return 0.0 if error else float(math.ceil(float(result.total.fte[0])))


def planned(scenario: Scenario, model: str = "erlang_a"):
    """``(plan, None)``, or ``(None, message)`` when the demand cannot be built (e.g. a volume
    CSV that is missing or malformed). Data files are the current scenario's."""
    try:
        return cached_plan(scenario.model_dump_json(), model, current().files), None
    except FileNotFoundError as err:
        name = Path(err.filename or "").name
        channels = [
            c.name for c in scenario.channels if c.demand.csv and c.demand.csv.endswith(name)
        ]
        who = f"channel {channels[0]}" if channels else "the scenario"
        return None, (
            f"{who}: its interval volumes file {name!r} is not here; upload the CSV under "
            "Scenario → Interval volumes (CSV)"
        )
    except OverflowError:  # date arithmetic past year 9999 (the schema bounds the horizon)
        return None, (
            f"start_date: {scenario.start_date} with days: {scenario.days} runs past the last "
            "date the planner can count to; move the horizon"
        )
    except (ScenarioError, ValueError, OSError) as err:
        return None, str(err)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_feasibility(scenario_json: str, fte: float | None, model: str, files: tuple = ()):
    """The verdict's feasibility part, from the cached plan (keyed on the scenario JSON)."""
    from scenarios.verdict import feasibility

    return feasibility(cached_plan(scenario_json, model, files), fte=fte)


@st.cache_data(show_spinner="re-planning the channel for 48 standards", max_entries=16)
def cached_cost_curve(scenario_json: str, channel: str, model: str, files: tuple = ()):
    """The verdict's cost curve of ``channel``, from the cached plan."""
    from scenarios.verdict import cost_curve

    return cost_curve(cached_plan(scenario_json, model, files), channel)


@st.cache_data(show_spinner=False)
def calculator_curves(cph, aht_s, patience_s, threshold_s, max_agents):
    n = np.arange(0, max_agents + 1)
    c = erlang_c_kpis(cph, aht_s, n, threshold_s)
    a = erlang_a_kpis(cph, aht_s, patience_s, n, threshold_s) if patience_s else None
    return n, c, a


# ----- settings and executors -------------------------------------------------------------------
# Defaults of page-local inputs live in the session state (not in the widgets), so keeping
# them across pages is warning-free.
DEFAULTS = {
    "calc_volume": 1200.0,
    "calc_unit": "per hour",
    "calc_aht": 300.0,
    "calc_patience": 180.0,
    "calc_threshold": 20.0,
    "calc_target_pct": 80.0,
    "calc_shrinkage_pct": 30.0,
    "calc_occupancy_pct": 100.0,
    "check_reps": 10.0,
    "sim_reps": 10.0,
    "neg_reps": 20.0,
    "neg_alternatives": "80/20, 85/30, 90/15",
    "plan_period": "month",
    "hist_interval": 30,
    "hist_threshold": 20.0,
    "hist_busy": 30.0,
    "settings_executor": "processes",
    "settings_scheduler": os.environ.get("DASK_SCHEDULER_ADDRESS", ""),
    "settings_cost_period": "year",
}


def cost_period() -> str:
    """The cost period chosen once in the sidebar (``"year"`` or ``"month"``)."""
    return st.session_state.get("settings_cost_period", "year")


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
        # which the workers must not run. The simulator is what they need, with its compiled
        # engine loaded once in the fork server rather than in each worker.
        context.set_forkserver_preload(["simulator", "scenarios.simulation", "simulator.preload"])
        return ProcessExecutor(mp_context=context)
    return SerialExecutor()


#: Seconds after a page is drawn before the local workers are warmed (``warm_up_workers``):
#: the browser draws the first page without them competing for the cores.
WARM_UP_DELAY_S = 3.0
#: ``CCPLAN_APP_WARM_UP=0`` turns the warm-up off (a machine where idle workers are unwanted).
WARM_UP = os.environ.get("CCPLAN_APP_WARM_UP", "1") != "0"


@st.cache_resource(show_spinner=False)
def _warming(kind: str, address: str) -> threading.Thread:
    """The thread warming ``shared_executor(kind, address)``'s workers, started once per
    server: each worker imports the simulator and loads the compiled engine
    (``scenarios.verdict.stream.warm_worker``) while the user reads the page, so the first
    simulation asked for does not pay for it (about a second per worker). A failure is left
    to the first real simulation to report (its executor error is shown then)."""

    def warm() -> None:
        time.sleep(WARM_UP_DELAY_S)
        try:
            from scenarios.verdict.stream import warm_worker

            executor = shared_executor(kind, address)
            executor.map(warm_worker, range(executor.workers))
        except Exception:  # noqa: BLE001 -- reported by the first real simulation instead
            pass

    thread = threading.Thread(target=warm, name="ccplan-warm-up", daemon=True)
    thread.start()
    return thread


def warm_up_workers() -> None:
    """At the end of a run: warm the local worker processes once per server (``_warming``),
    when the simulations run in them (the sidebar's setting). Their pool is shared by every
    session; ``ProcessExecutor.map`` may be called from this thread and a script at once
    (the pool's ``submit`` is thread-safe)."""
    if WARM_UP and st.session_state.get("settings_executor", "processes") == "processes":
        _warming("processes", "")


@st.cache_resource(show_spinner=False)
def freeze_heap() -> bool:
    """Once per server (at the end of its first run): the objects alive then (the imported
    modules of numpy, pandas, pyarrow, Streamlit, the planner) moved out of the garbage
    collector's reach (``gc.freeze``). Python's full collections, about one in ten target
    changes, then traverse only what was made since: about 1 ms instead of 35-45 ms holding
    the GIL in the middle of a change. Cycles among those long-lived objects are never freed
    (there are none worth freeing); everything else is collected as before. The collection
    before freezing costs the first page 50-130 ms once per server."""
    import gc

    gc.collect()  # no garbage frozen with them
    gc.freeze()
    return True


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


def uploaded_once(upload, key: str) -> bool:
    """Whether ``upload`` is a file not handled yet (an upload stays in the widget across
    reruns; it must not overwrite later edits)."""
    if upload is None or st.session_state.get(key) == upload.file_id:
        return False
    st.session_state[key] = upload.file_id
    return True


def session_file(data: bytes, name: str) -> Path:
    """Uploaded bytes saved as ``name`` (its file name only) in this session's folder
    (``ui.uploads``: readers take paths)."""
    name = Path(name).name
    path = session_folder() / (name if name not in ("", ".", "..") else "upload")
    path.write_bytes(data)
    return path


REMEMBERED = "app_remembered"


def _remember(key: str) -> None:
    st.session_state.setdefault(REMEMBERED, {})[key] = st.session_state.get(key)


def remembered_number(box, label: str, default, name: str, **kwargs):
    """A number input tied to the current scenario (not to its what-if: an offer does not move
    with the standards tried) whose typed value survives page switches: Streamlit drops an
    undrawn widget's state, so the value is kept under a key no widget owns and given back as
    the widget's value."""
    key = widget_key(name, with_whatif=False)
    value = st.session_state.get(REMEMBERED, {}).get(key, default)
    return box.number_input(label, value=value, key=key, on_change=_remember, args=(key,), **kwargs)
