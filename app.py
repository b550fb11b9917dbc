"""Streamlit front end: calculator, scenario, plan, SLA check and simulation.

Only widgets, layout and plots live here; every number comes from the same pipeline functions
the CLI calls. Run with ``make app`` (http://localhost:8501).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import streamlit as st
import yaml
from matplotlib.figure import Figure

from erlang import SLDefinition, erlang_a_kpis, erlang_c_kpis, required_agents
from scenarios import ScenarioError, plan
from scenarios.examples import example_path, list_examples
from scenarios.io import parse_scenario
from scenarios.output.export import intervals_csv
from scenarios.output.plots import kpi_curve, staffing_curve, week_heatmap

PAGES = ("Quick calculator", "Scenario", "Plan", "SLA check", "Simulate", "History")


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
    from scenarios.verdict import feasibility

    return feasibility(parse_scenario(json.loads(scenario_json)), fte=fte, model=model)


@st.cache_data(show_spinner="re-planning the scenario for 48 standards")
def cached_cost_curve(scenario_json: str, channel: str, model: str):
    from scenarios.verdict import cost_curve

    return cost_curve(parse_scenario(json.loads(scenario_json)), channel, model=model)


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


# ----- pages ----------------------------------------------------------------------------------
def page_calculator():
    st.title("Quick calculator")
    unit = st.radio(
        "Volume given",
        ("per hour", "per 15 minutes", "per 30 minutes"),
        horizontal=True,
        key="calc_unit",
    )
    per_hour = {"per hour": 1.0, "per 15 minutes": 4.0, "per 30 minutes": 2.0}[unit]
    col = st.columns(5)
    volume = col[0].number_input(f"Calls {unit}", 0.0, 1e6, step=10.0, key="calc_cph")
    cph = volume * per_hour
    aht = col[1].number_input("AHT [s]", 1.0, 36_000.0, step=10.0, key="calc_aht")
    patience = col[2].number_input(
        "Mean patience [s] (0: nobody abandons)", 0.0, 36_000.0, key="calc_patience"
    )
    threshold = col[3].number_input("SL threshold [s]", 0.0, 3600.0, key="calc_threshold")
    target = col[4].number_input(
        "SL target (fraction)", 0.0, 1.0, step=0.01, key="calc_target", help="0.8 for 80%"
    )
    patience_s = patience or None
    definition = SLDefinition.OF_OFFERED.describe(threshold)
    # Each model at the staffing it needs for the target (Erlang C with patience ignored).
    needed = {
        "Erlang C (nobody abandons)": required_agents(
            cph, aht, service_level=target, threshold_s=threshold
        )
    }
    if patience_s:
        needed["Erlang A (exponential patience)"] = required_agents(
            cph, aht, patience_s=patience_s, service_level=target, threshold_s=threshold
        )
    if not all(r.reachable for r in needed.values()):
        st.error(f"An SL target of {target:.0%} cannot be reached (up to 100,000 agents).")
        return
    top = max(int(r.agents) for r in needed.values())
    n, c, a = calculator_curves(cph, aht, patience_s, threshold, int(top * 1.5 + 10))
    cols = st.columns(2)
    for box, (name, r), k in zip(cols, needed.items(), (c, a), strict=False):
        agents = int(r.agents)
        box.subheader(name)
        box.metric(
            "Agents needed",
            agents,
            help=f"smallest count with SL >= {target:.0%} ({definition})",
        )
        box.metric("Service level", f"{k.service_level[agents]:.1%}", help=definition)
        box.metric("ASA [s]", f"{k.asa_s[agents]:.1f}", help="mean wait of answered contacts")
        box.metric("Abandonment", f"{k.p_abandon[agents]:.1%}", help="share of offered")
        box.metric("Occupancy", f"{k.occupancy[agents]:.1%}")
    if not patience_s:
        cols[1].info("Erlang A needs a mean patience above 0 s.")
    st.subheader("At a staffing of your choice")
    st.session_state.setdefault("calc_agents", top)
    agents = int(st.number_input("Agents", 0, 100_000, step=1, key="calc_agents"))
    chosen = {"Erlang C": erlang_c_kpis(cph, aht, agents, threshold)}
    if patience_s:
        chosen["Erlang A"] = erlang_a_kpis(cph, aht, patience_s, agents, threshold)
    st.dataframe(
        {
            "model": list(chosen),
            f"service level ({definition})": [f"{k.service_level:.1%}" for k in chosen.values()],
            "ASA [s]": [f"{k.asa_s:.1f}" for k in chosen.values()],
            "abandonment (of offered)": [f"{k.p_abandon:.1%}" for k in chosen.values()],
            "occupancy": [f"{k.occupancy:.1%}" for k in chosen.values()],
        }
    )
    fig = Figure(figsize=(8, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(n, c.service_level, label=f"SL, Erlang C ({definition})")
    if a is not None:
        ax.plot(n, a.service_level, label=f"SL, Erlang A ({definition})")
        ax.plot(n, a.p_abandon, label="abandonment, Erlang A (of offered)")
    ax.axhline(target, color="red", ls="--", label=f"target {target:.0%}")
    ax.set_xlabel("agents")
    ax.set_ylabel("share of contacts")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize="small")
    st.pyplot(fig)


def _uploaded_once(upload, key: str) -> bool:
    """Whether ``upload`` is a file not handled yet (an upload stays in the widget across
    reruns; it must not overwrite later edits)."""
    if upload is None or st.session_state.get(key) == upload.file_id:
        return False
    st.session_state[key] = upload.file_id
    return True


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _load_scenario_upload(upload) -> None:
    """Take an uploaded scenario file if it is valid; otherwise keep the current scenario and
    remember the message."""
    text = upload.getvalue().decode("utf-8", errors="replace")
    _, error = parse_text(text, upload.name)
    st.session_state.scen_upload_error = error
    if error is None:
        st.session_state.scenario_yaml = text


def _session_file(upload, name: str | None = None) -> Path:
    """An uploaded file saved in this session's temporary folder (readers take paths)."""
    import tempfile

    if "upload_dir" not in st.session_state:
        st.session_state.upload_dir = tempfile.mkdtemp(prefix="ccplan-app-")
    path = Path(st.session_state.upload_dir) / (name or Path(upload.name).name)
    path.write_bytes(upload.getvalue())
    return path


def _load_volume_upload(upload, channel: str) -> None:
    """Point ``channel``'s demand at an uploaded interval-volume CSV (kept in this session's
    temporary folder) if the file fits the scenario's interval grid."""
    from scenarios.demand import expand

    path = _session_file(upload, f"{channel}-volumes.csv")
    data = yaml.safe_load(st.session_state.scenario_yaml)
    for ch in data["channels"]:
        if ch.get("name") == channel:
            kept = {
                k: v for k, v in ch["demand"].items() if k in ("special_periods", "forecast_error")
            }
            ch["demand"] = {"csv": str(path), **kept}
    try:
        expand(parse_scenario(data, upload.name))
    except (ScenarioError, ValueError, OSError) as err:
        st.session_state.scen_csv_error = str(err).replace(str(path), upload.name)
        return
    st.session_state.scen_csv_error = None
    st.session_state.scenario_yaml = _dump(data)


def _apply_form(fields, prefix: str) -> None:
    """Form submit: validate the edited mapping with the scenario schema; keep the scenario
    (and the form's values) unchanged if it fails."""
    from ui.scenario_form import apply_edits

    edits = {f.path: st.session_state[f"{prefix}{k}"] for k, f in enumerate(fields)}
    data = apply_edits(yaml.safe_load(st.session_state.scenario_yaml), edits)
    _, error = parse_text(_dump(data), "form")
    st.session_state.scen_form_error = (prefix, error)
    if error is None:
        st.session_state.scenario_yaml = _dump(data)


def scenario_form(scenario) -> None:
    """The main fields in a form; the widget keys follow the scenario text, so after a change
    (here, in the file editor or by an upload) the form shows the new values."""
    import hashlib
    from itertools import groupby

    from ui.scenario_form import editable_fields

    data = yaml.safe_load(st.session_state.scenario_yaml)
    prefix = "form_" + hashlib.sha1(st.session_state.scenario_yaml.encode()).hexdigest()[:12] + "_"
    fields = editable_fields(data)
    with st.form("scen_form"):
        k = 0
        for section, group in groupby(fields, key=lambda f: f.section):
            st.markdown(f"**{section}**")
            group = list(group)
            cols = st.columns(min(len(group), 4))
            for i, f in enumerate(group):
                box = cols[i % len(cols)]
                if f.options:
                    box.selectbox(
                        f.label, f.options, index=f.options.index(f.value), key=f"{prefix}{k}"
                    )
                else:
                    box.number_input(
                        f.label, value=f.value, step=None, key=f"{prefix}{k}", help=f.help or None
                    )
                k += 1
        st.form_submit_button("Apply", on_click=_apply_form, args=(fields, prefix))
    form_prefix, error = st.session_state.get("scen_form_error", (None, None))
    if error and form_prefix == prefix:
        st.error(f"Not applied — {error}")


def page_scenario():
    st.title("Scenario")
    scenario, _ = current_scenario()
    form_tab, file_tab, upload_tab = st.tabs(["Main fields", "Scenario file", "Load or upload"])
    # Uploads first: they may replace the scenario text before its editor is drawn.
    with upload_tab:
        name = st.selectbox("Bundled example", list_examples(), key="scen_example")
        if st.button("Load this example", key="scen_load"):
            st.session_state.scenario_yaml = scenario_text(name)
        upload = st.file_uploader(
            "Upload a scenario file (YAML or JSON)", type=["yaml", "yml", "json"], key="scen_upload"
        )
        if _uploaded_once(upload, "scen_upload_id"):
            _load_scenario_upload(upload)
        if upload is not None and st.session_state.get("scen_upload_error"):
            st.error(f"Not loaded — {st.session_state.scen_upload_error}")
        if scenario is not None:
            channel = st.selectbox(
                "Interval volumes for channel",
                [c.name for c in scenario.channels],
                key="scen_csv_channel",
            )
            volumes = st.file_uploader(
                "Upload interval volumes (CSV: `start` ISO date-time, `volume` contacts in the "
                f"interval, on the {scenario.interval_minutes}-minute grid)",
                type=["csv"],
                key="scen_csv",
            )
            if _uploaded_once(volumes, "scen_csv_id"):
                _load_volume_upload(volumes, channel)
            if volumes is not None and st.session_state.get("scen_csv_error"):
                st.error(f"Not loaded — {st.session_state.scen_csv_error}")
    scenario, error = current_scenario()  # the uploads above may have replaced the text
    with form_tab:
        if scenario is None:
            st.info("Fix the scenario file first (see the message).")
        else:
            scenario_form(scenario)
    with file_tab:
        st.text_area(
            "Scenario (YAML; units in the field names, shares as fractions)",
            height=420,
            key="scenario_yaml",
        )
    if error:
        st.error(error)
    else:
        st.success(
            f"Valid: {scenario.name} — {len(scenario.channels)} channel(s), "
            f"{scenario.days} days of {scenario.interval_minutes}-minute intervals"
        )
    st.download_button(
        "Download the scenario",
        st.session_state.scenario_yaml,
        file_name="scenario.yaml",
        disabled=error is not None,
        key="scen_download",
    )


def target_editor(scenario):
    """Edit the first SL target; returns the scenario with it applied."""
    targets = [t for t in scenario.targets if t.service_level is not None]
    if not targets:
        return scenario
    t = targets[0]
    cols = st.columns(3)
    st.session_state.setdefault("plan_target", float(t.service_level))
    st.session_state.setdefault("plan_threshold", float(t.threshold_s))
    sl = cols[0].number_input(
        f"SL target for {t.channel} (fraction)", 0.0, 1.0, step=0.01, key="plan_target"
    )
    thr = cols[1].number_input(
        f"Threshold for {t.channel} [s]", 0.0, 604_800.0, key="plan_threshold"
    )
    cols[2].caption(f"SL definition: {t.sl_definition.describe(thr)}")
    new = t.model_copy(update={"service_level": sl, "threshold_s": thr})
    others = tuple(x for x in scenario.targets if x is not t)
    return scenario.model_copy(update={"targets": (*others, new)})


def page_plan():
    st.title("Plan")
    scenario, error = current_scenario()
    if error:
        st.error(error)
        st.button("Plan", disabled=True, key="plan_run_disabled")
        return
    model = st.radio(
        "Model",
        ("erlang_a", "erlang_c"),
        horizontal=True,
        key="plan_model",
        format_func=lambda m: {"erlang_a": "Erlang A", "erlang_c": "Erlang C"}[m],
    )
    scenario = target_editor(scenario)
    result, error = planned(scenario, model)
    if error:
        st.error(error)
        return
    cur = result.currency
    cols = st.columns(4)
    total_required = sum(p.required_agents for p in result.channels.values())
    cols[0].metric("Peak required agents", int(total_required.max()))
    cols[1].metric("FTE (average)", f"{result.total.fte[0]:.1f}")
    cols[2].metric(f"Cost [{cur}]", f"{result.total.cost[0]:,.0f}")
    cols[3].metric(f"Cost per contact [{cur}]", f"{result.total.cost_per_contact[0]:.2f}")
    day = 0
    if scenario.days > 1:
        day = st.select_slider(
            "Day",
            range(scenario.days),
            format_func=lambda d: f"{scenario.start_date + dt.timedelta(days=d):%a %d %b %Y}",
            key="plan_day",
        )
    st.pyplot(staffing_curve(result, day))
    channel = st.selectbox("Channel", list(result.channels), key="plan_channel")
    st.pyplot(week_heatmap(result, channel))
    st.pyplot(kpi_curve(result, channel))
    period = st.radio("Totals per", ("day", "week", "month"), horizontal=True, key="plan_period")
    totals = {"day": result.days, "week": result.weeks, "month": result.months}[period]
    st.dataframe(
        {
            period: totals.label,
            "paid hours": totals.paid_hours,
            "FTE": totals.fte,
            f"cost [{cur}]": totals.cost,
            f"revenue [{cur}]": totals.revenue,
            f"cost per contact [{cur}]": totals.cost_per_contact,
        }
    )
    st.download_button(
        "Download intervals (CSV)", intervals_csv(result), file_name="intervals.csv", key="plan_csv"
    )


def page_check():
    from scenarios.output.report import breach_figure, cost_curve_figure
    from scenarios.verdict import breach_risk

    st.title("SLA check")
    scenario, error = current_scenario()
    if error:
        st.error(error)
        return
    model = st.radio("Model", ("erlang_a", "erlang_c"), horizontal=True, key="check_model")
    result, error = planned(scenario, model)
    if error:
        st.error(error)
        return
    required = result.total.fte[0]
    st.session_state.setdefault("check_fte", float(round(required, 1)))
    fte = st.number_input("FTE on offer", 0.0, 1e6, key="check_fte")
    feas = cached_feasibility(scenario.model_dump_json(), float(fte), model)
    st.caption(f"The plan needs {feas.fte_required:.1f} FTE (closed forms, {model}).")

    def shown(clause: str, value: float) -> str:
        return f"{value:.1f} s" if clause == "max_asa_s" else f"{value:.1%}"

    rows = []
    for c in feas.checks:
        worst = int(np.nanargmax(c.gap)) if np.isfinite(c.gap).any() else 0
        rows.append(
            {
                "channel": c.channel,
                "standard": c.description,
                "verdict": "met" if np.all(c.met) else f"missed in {int(np.sum(~c.met))} period(s)",
                "worst period": f"{c.periods[worst]}: {shown(c.clause, c.measured[worst])}",
                "by how much": "—" if c.gap[worst] <= 0 else shown(c.clause, c.gap[worst]),
                "binding peak interval": f"{c.worst_start}: {shown(c.clause, c.worst_value)}",
                "failing intervals": c.failing_intervals,
                "price [FTE]": round(c.fte_saved, 2),
                f"price [{scenario.workforce.currency}]": round(c.cost_saved),
            }
        )
    st.caption(
        "Per reporting period at the FTE on offer (closed forms). 'By how much': how far the "
        "worst period is on the wrong side of the standard. 'Price': FTE and cost saved if "
        "that clause alone were dropped."
    )
    st.dataframe(rows)
    for w in feas.warnings:
        st.warning(w)
    queues = [
        t.channel
        for t in scenario.targets
        if t.service_level is not None and scenario.channel(t.channel).kind != "deferred"
    ]
    if not queues:
        return
    channel = st.selectbox("Channel", queues, key="check_channel")
    curve = cached_cost_curve(scenario.model_dump_json(), channel, model)
    target = scenario.target_for(channel)
    i = int(np.argmin(np.abs(curve.service_levels - target.service_level)))
    j = int(np.argmin(np.abs(curve.thresholds_s - target.threshold_s)))
    entry = {
        "service_levels": curve.service_levels,
        "thresholds_s": curve.thresholds_s,
        "cost_per_year": curve.cost_per_year,
        "sl_definition": curve.sl_definition.value,
        "model": model,
        "current": {
            "service_level": curve.service_levels[i],
            "threshold_s": curve.thresholds_s[j],
            "cost_per_year": curve.cost_per_year[i, j],
        },
    }
    st.pyplot(cost_curve_figure(channel, entry, curve.currency))
    reps = st.number_input("Replications for the breach risk", 2, 200, key="check_reps")
    key = (scenario.model_dump_json(), channel, model, float(fte), int(reps))
    executor, executor_error = executor_or_error()
    if executor_error:
        st.error(executor_error)
    if st.button("Estimate breach risk (simulation)", key="check_run", disabled=executor is None):
        with st.spinner("simulating the reporting periods"):
            risk = breach_risk(
                scenario,
                channel,
                agents=feas.on_duty[channel],
                model=model,
                replications=int(reps),
                seed=1,
                executor=executor,
            )
        st.session_state.check_risk = (key, risk)
    stored = st.session_state.get("check_risk")
    if stored is not None and stored[0] == key:
        risk = stored[1]
        st.pyplot(
            breach_figure(
                channel,
                {
                    "periods": [
                        {"period": str(p), "p_breach": b, "p_breach_low": lo, "p_breach_high": hi}
                        for p, b, lo, hi in zip(
                            risk.periods,
                            risk.p_breach,
                            risk.p_breach_low,
                            risk.p_breach_high,
                            strict=True,
                        )
                    ],
                    "reporting_period": risk.reporting_period,
                    "standard": f"{risk.standard:.0%} "
                    f"{risk.sl_definition.describe(risk.threshold_s)}",
                    "model": f"simulation, {risk.replications} replications",
                },
            )
        )
    peak_section(scenario, channel, model, int(reps), executor)


def peak_section(scenario, channel: str, model: str, reps: int, executor) -> None:
    """Busiest day: where the simulated time-varying system falls short of the per-interval
    Erlang staffing (backlog carried over between intervals)."""
    from scenarios.output.report import peak_figure
    from scenarios.verdict import busiest_day, one_day, peak_check

    key = (scenario.model_dump_json(), channel, model, reps)
    if st.button(
        "Check the busiest day by simulation", key="check_peak_run", disabled=executor is None
    ):
        with st.spinner("simulating the busiest day, then iterating its staffing"):
            day = one_day(scenario, busiest_day(scenario, channel))
            st.session_state.check_peak = (
                key,
                day,
                peak_check(day, channel, model=model, replications=reps, seed=1, executor=executor),
            )
    stored = st.session_state.get("check_peak")
    if stored is None or stored[0] != key:
        return
    _, day, peak = stored
    minutes = day.interval_minutes
    clock = [f"{i * minutes // 60:02d}:{i * minutes % 60:02d}" for i in peak.short_intervals]
    definition = peak.sl_definition.describe(peak.threshold_s)
    st.markdown(
        f"**Busiest day {day.start_date}** ({channel}, SL {definition}): "
        f"{len(clock)} interval(s) where the simulated SL is below {peak.target:.0%} with "
        f"{peak.confidence:.0%} confidence at per-interval Erlang staffing"
        + (f": {', '.join(clock)}." if clock else ".")
        + f" Iterated staffing {'meets' if peak.converged else 'does not yet meet'} the target "
        f"in every interval with {peak.extra_agent_hours:.1f} extra agent-hours."
    )
    st.pyplot(peak_figure(peak, minutes, str(day.start_date)))
    i = peak.short_intervals
    if i.size:
        st.dataframe(
            {
                "interval start": clock,
                "Erlang agents": peak.erlang_agents[i],
                "SL closed form": [f"{v:.1%}" for v in peak.sl_formula[i]],
                "SL simulated": [
                    f"{m:.1%} ± {h:.1%}"
                    for m, h in zip(
                        peak.sl_sim_erlang[i], peak.sl_sim_erlang_half_width[i], strict=True
                    )
                ],
                "agents after iterating": peak.isa_agents[i],
                "SL simulated after": [f"{v:.1%}" for v in peak.sl_sim_isa[i]],
            }
        )


def page_simulate():
    from scenarios.simulation import simulation_config
    from simulator import ReplicationResult, replicate_in_batches

    st.title("Simulate")
    scenario, error = current_scenario()
    if error:
        st.error(error)
        return
    result, error = planned(scenario, "erlang_a")
    if error:
        st.error(error)
        return
    channel = st.selectbox("Channel", list(result.channels), key="sim_channel")
    reps = st.number_input("Replications", 2, 500, key="sim_reps")
    executor, executor_error = executor_or_error()
    if executor_error:
        st.error(executor_error)
    key = (scenario.model_dump_json(), int(reps))
    if st.button("Run", key="sim_run", disabled=executor is None):
        # Batch by batch, so that "Cancel" (which stops this run) keeps what has finished.
        st.button("Cancel", key="sim_cancel_run")
        bar = st.progress(0.0, text="simulating")
        st.session_state.sim_partial = (key, [])
        for batch in replicate_in_batches(
            simulation_config(result),
            int(reps),
            1,
            executor=executor,
            progress=lambda done, total: bar.progress(done / total, f"{done}/{total} replications"),
        ):
            st.session_state.sim_partial[1].extend(batch)
        st.session_state.sim = (key, ReplicationResult(tuple(st.session_state.sim_partial[1])))
    partial = st.session_state.get("sim_partial")
    if (
        ("sim" not in st.session_state or st.session_state.sim[0] != key)
        and partial is not None
        and partial[0] == key
        and len(partial[1]) >= 2
    ):
        st.warning(f"Cancelled: showing the {len(partial[1])} replications that finished.")
        st.session_state.sim = (key, ReplicationResult(tuple(partial[1])))
    if "sim" not in st.session_state or st.session_state.sim[0] != key:
        st.caption("Agents on duty = the plan's required agents. Results stay cached here.")
        return
    reps_result = st.session_state.sim[1]
    sim_results(scenario, result, reps_result, channel)


def sim_results(scenario, result, reps_result, channel: str) -> None:
    """Simulated vs closed-form KPIs: the horizon, each day, and the intervals of one day."""
    from scenarios.simulation import simulation_summary

    plan_ch = result.channels[channel]
    definition = plan_ch.sl_definition.describe(plan_ch.threshold_s)
    entry = simulation_summary(result, reps_result, 1)["channels"][channel]
    kpis = {k: v for k, v in entry.items() if isinstance(v, dict)}  # the rest: definitions
    names = {"abandon_rate": "abandonment (of offered)", "asa_s": "ASA [s]"}
    st.dataframe(
        {
            "KPI": [names.get(k, f"SL ({definition})") for k in kpis],
            "simulated mean": [v["simulated_mean"] for v in kpis.values()],
            "95% CI": [f"{v['ci_low']:.4g} .. {v['ci_high']:.4g}" for v in kpis.values()],
            "closed form (plan)": [v["planned"] for v in kpis.values()],
        }
    )
    offered = result.table.channels[channel].offered
    per_day = scenario.intervals_per_day
    field = plan_ch.sl_definition.field
    days = np.arange(scenario.days)
    dates = [scenario.start_date + dt.timedelta(days=int(d)) for d in days]
    daily = reps_result.estimate(field, channel=channel, level="day")
    weights = offered.reshape(scenario.days, per_day)
    with np.errstate(invalid="ignore", divide="ignore"):
        formula_daily = (plan_ch.service_level.reshape(scenario.days, per_day) * weights).sum(
            axis=1
        ) / weights.sum(axis=1)
    open_day = weights.sum(axis=1) > 0
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(days[open_day], formula_daily[open_day], "o-", ms=3, label="closed form (plan)")
    ax.errorbar(
        days[open_day],
        daily.mean[open_day],
        yerr=daily.half_width[open_day],
        fmt="s",
        ms=3,
        capsize=2,
        label=f"simulation, {daily.n} replications (95% CI)",
    )
    ax.set_xticks(
        days[open_day], [f"{dates[d]:%d %b}" for d in days[open_day]], rotation=60, fontsize="small"
    )
    ax.set_ylabel(f"SL per day\n({definition})", fontsize="small")
    ax.set_title(f"{channel}: service level per day", fontsize="medium")
    ax.legend(fontsize="small")
    st.pyplot(fig)
    options = [int(d) for d in days[open_day]] or [0]
    day = st.select_slider(
        "Day shown per interval",
        options,
        format_func=lambda d: f"{dates[d]:%a %d %b %Y}",
        key="sim_day",
    )
    est = reps_result.estimate(field, channel=channel, level="interval")
    cut = slice(day * per_day, (day + 1) * per_day)
    served = np.where(offered[cut] > 0, 1.0, np.nan)  # closed intervals are not drawn
    hours = np.arange(per_day) * scenario.interval_minutes / 60
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax = fig.add_subplot()
    ax.step(hours, served * plan_ch.service_level[cut], where="post", label="closed form (plan)")
    ax.step(hours, served * est.mean[cut], where="post", label=f"simulation, mean of {est.n}")
    ax.fill_between(
        hours,
        served * est.low[cut],
        served * est.high[cut],
        step="post",
        alpha=0.3,
        label="95% confidence interval",
    )
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("hour of day")
    ax.set_ylabel(f"SL ({definition})", fontsize="small")
    ax.set_title(
        f"{channel}, {dates[day]:%a %d %b %Y}: per {scenario.interval_minutes}-minute interval",
        fontsize="medium",
    )
    ax.legend(fontsize="small")
    st.pyplot(fig)


def page_history():
    from scenarios.history import analyse_history
    from scenarios.history.records import load_mapping
    from scenarios.history.samples import sample_path
    from scenarios.output.history_plots import backtest_figure, patience_figure, staffing_figure

    st.title("History")
    st.caption(
        "Call-level records (one row per call) -> what was offered, the service given, "
        "patience under censoring, and whether the models reproduce it."
    )
    records = st.file_uploader("Call records (CSV)", type=["csv", "txt"], key="hist_records_upload")
    mapping = st.file_uploader(
        "Column mapping (YAML/JSON; default: the Anonymous Bank export format)",
        type=["yaml", "yml", "json"],
        key="hist_mapping_upload",
    )
    cols = st.columns(3)
    minutes = cols[0].selectbox("Interval [min]", (15, 30, 60), key="hist_interval")
    threshold = cols[1].number_input("SL threshold [s]", 0.0, 3600.0, key="hist_threshold")
    busy = cols[2].number_input("Busy interval: offered calls >=", 1, 100_000, key="hist_busy")
    if records is not None:
        source = records
    else:
        source = sample_path("bank-day")
        st.caption(
            f"No file uploaded: the bundled sample day `{source.name}` (Anonymous Bank, "
            "1 August 1999) is used."
        )
    if not st.button("Analyse", key="hist_run"):
        stored = st.session_state.get("hist_result")
        if stored is None:
            return
        analysis = stored
    else:
        try:
            path = source if isinstance(source, Path) else _session_file(source)
            with st.spinner("importing and backtesting (Erlang C, Erlang A, simulation)"):
                analysis = analyse_history(
                    path,
                    load_mapping(_session_file(mapping)) if mapping is not None else None,
                    interval_minutes=int(minutes),
                    threshold_s=float(threshold),
                    busy_min_offered=int(busy),
                )
        except (ScenarioError, ValueError, OSError) as err:
            st.error(f"Not analysed — {err}")
            return
        st.session_state.hist_result = analysis
    rep, bt = analysis.report, analysis.backtest
    st.subheader("Import")
    st.markdown(
        f"`{Path(rep.source).name}`: **{rep.rows_in}** rows read, **{rep.kept}** kept (offered "
        f"calls), **{rep.rows_in - rep.kept}** dropped — "
        + ("counts reconcile." if rep.reconciles else "counts do NOT reconcile.")
    )
    st.dataframe(
        {
            "rows": [f"kept: {k}" for k in rep.kept_by_kind]
            + [f"dropped: {k}" for k in rep.dropped],
            "count": list(rep.kept_by_kind.values()) + list(rep.dropped.values()),
            "first line": [""] * len(rep.kept_by_kind)
            + [str(rep.first_dropped_line[k]) for k in rep.dropped],
        }
    )
    for line in rep.definitions:
        st.caption(line)
    st.subheader("Service given (observed, per day)")
    d = analysis.days
    defs = d.to_dict()["sl_definitions"]
    st.dataframe(
        {
            "day": [str(x)[:10] for x in d.start],
            "offered": d.offered,
            "answered": d.answered,
            "abandoned": d.abandoned,
            f"SL ({defs['of_offered']})": [f"{v:.1%}" for v in d.service_level],
            f"SL ({defs['excl_short_abandons']})": [
                f"{v:.1%}" for v in d.service_level_excl_short_abandons
            ],
            f"SL ({defs['of_answered']})": [f"{v:.1%}" for v in d.service_level_of_answered],
            "abandonment (of offered)": [f"{v:.1%}" for v in d.abandon_rate],
            "ASA [s]": np.round(d.asa_s, 1),
            "AHT recorded [s]": np.round(d.aht_s, 1),
        }
    )
    pat = bt.patience
    st.subheader("Patience")
    st.markdown(
        f"Mean patience **{pat.mean_s:.0f} s** (95% CI {pat.ci_low_s:.0f}–{pat.ci_high_s:.0f} s), "
        f"Kaplan-Meier median {pat.km_median_s:.0f} s; {pat.abandoned} abandonments, "
        f"{pat.censored_share:.0%} of waits censored. Method: {pat.method}. The mean wait of "
        f"abandoners ({pat.naive_abandoner_mean_s:.0f} s) is biased low and not used."
    )
    st.pyplot(patience_figure(pat))
    st.subheader("Backtest")
    st.caption(
        f"SL = {bt.sl_definition}; errors over {int(bt.busy.sum())} busy intervals (>= "
        f"{bt.busy_min_offered} offered); simulation {bt.replications} replications."
    )
    for line in bt.staffing.method:
        st.caption(line)
    st.dataframe(bt.mae_table())
    st.pyplot(backtest_figure(bt))
    st.pyplot(staffing_figure(bt))
    if st.button("Use the calibrated scenario", key="hist_calibrate_run"):
        from scenarios.history.calibrate import calibrate

        calibration = calibrate(analysis.calls, interval_minutes=int(minutes))
        st.session_state.scenario_yaml = _dump(
            json.loads(calibration.scenario.model_dump_json(exclude_defaults=True))
        )
        st.success("The calibrated scenario is now the scenario of every page.")
        for note in calibration.notes:
            st.caption(note)


def main() -> None:
    """One run of the app: the session's defaults, the sidebar and the chosen page."""
    st.set_page_config(page_title="ccplan: contact-center capacity planner", layout="wide")
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)

    # Inputs survive page switches: Streamlit drops the state of widgets not drawn in a run, and
    # re-assigning it marks it as the user's. Buttons and file uploaders cannot be assigned:
    # their keys end in _run, _upload, _csv, _load or _download.
    kept = ("calc_", "plan_", "check_", "sim_", "hist_", "settings_")
    not_inputs = ("_run", "_csv", "_load", "_download", "_disabled", "_upload")
    for key in list(st.session_state.keys()):
        if str(key).startswith(kept) and not str(key).endswith(not_inputs):
            st.session_state[key] = st.session_state[key]

    # The scenario being edited.
    if "scenario_yaml" not in st.session_state:
        st.session_state.scenario_yaml = scenario_text("default")

    page = st.sidebar.radio("Page", PAGES, key="page")
    with st.sidebar.expander("Settings"):
        st.radio(
            "Run simulations in",
            list(EXECUTORS),
            format_func=EXECUTORS.get,
            key="settings_executor",
            help="Results are identical whichever runs them (seeds are spawned per replication).",
        )
        if st.session_state.settings_executor == "dask":
            st.text_input(
                "Dask scheduler address", key="settings_scheduler", placeholder="tcp://host:8786"
            )
    st.sidebar.caption(
        "Durations in seconds, rates in contacts per hour. Service level (SL) = answered within "
        "the threshold / offered unless a page says otherwise."
    )
    {
        "Quick calculator": page_calculator,
        "Scenario": page_scenario,
        "Plan": page_plan,
        "SLA check": page_check,
        "Simulate": page_simulate,
        "History": page_history,
    }[page]()


# `streamlit run` (and AppTest) run this file as `__main__`; the worker processes of the local
# process pool import it as `__mp_main__` and must not run the app.
if __name__ == "__main__":
    main()
