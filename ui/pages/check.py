"""SLA check page: every clause at the FTE on offer, cost of the standard, breach risk, peak day."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui import state
from ui.drivers import drivers_section
from ui.format import cost_in_period, fte, money, per_year, plain
from ui.state import cached_cost_curve, cached_feasibility, executor_or_error, planned
from ui.widgets import fte_message


def when(start: str) -> str:
    """``"2027-01-05T18:00"`` -> ``"Tue 05 Jan 2027 18:00"``."""
    import datetime as dt

    try:
        return f"{dt.datetime.fromisoformat(start):%a %d %b %Y %H:%M}"
    except ValueError:
        return start


def page_check():
    from scenarios.verdict import breach_risks_in_batches, headline_clause
    from ui.pages.plan import MODELS, model_choice

    st.title("SLA check")
    scenario = state.effective()
    files = state.current().files
    st.caption(f"Scenario: **{plain(scenario.name)}**")
    model = model_choice("check_model")
    result, error = planned(scenario, model)
    if error:
        st.error(plain(error))
        return
    offered = state.remembered_number(
        st, "FTE on offer", state.offer_default_fte(), "check_fte", step=1.0, format="%.1f"
    )
    if message := fte_message("FTE on offer", offered):
        st.error(f"{message} (results are stale until then)")
        return
    feas = cached_feasibility(scenario.model_dump_json(), float(offered), model, files)
    period = state.cost_period()
    cost_year = per_year(float(result.total.cost[0]), scenario.days)
    st.caption(
        f"The plan needs {fte(feas.fte_required)} FTE "
        f"({plain(money(cost_in_period(cost_year, period), result.currency))} per {period}; "
        f"{MODELS[model].lower()})."
    )

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
                "busiest interval": f"{when(c.worst_start)}: {shown(c.clause, c.worst_value)}",
                "intervals missing it": c.failing_intervals,
                "FTE it costs": fte(c.fte_saved),
                f"cost per {period}": money(
                    cost_in_period(per_year(c.cost_saved, scenario.days), period),
                    plain(scenario.workforce.currency),  # st.table renders Markdown
                ),
            }
        )
    st.caption(
        "Per reporting period at the FTE on offer. 'By how much': how far the worst period is "
        "on the wrong side of the standard. 'FTE it costs' and 'cost': what would be saved if "
        "that clause alone were dropped. 'Busiest interval': the interval furthest from it."
    )
    import pandas as pd

    st.table(pd.DataFrame(rows).set_index("channel"))
    for w in feas.warnings:
        st.warning(plain(w))
    queues = [
        t.channel
        for t in scenario.targets
        if t.service_level is not None and scenario.channel(t.channel).kind != "deferred"
    ]
    if not queues:
        return
    channel = st.selectbox("Channel", queues, key="check_channel")
    curve = cached_cost_curve(scenario.model_dump_json(), channel, model, files)
    import pandas as pd

    cur = scenario.workforce.currency
    st.markdown(f"**What each standard costs ({channel}), {plain(cur)} per {period}**")
    import altair as alt

    # Plain field names: Vega-Lite reads brackets and dots in a field name as nested access.
    points = pd.DataFrame(
        [
            {
                "service_level": float(sl * 100),
                "within": f"{t:g} s",
                "cost": cost_in_period(float(curve.cost_per_year[i, j]), period),
            }
            for i, sl in enumerate(curve.service_levels)
            for j, t in enumerate(curve.thresholds_s)
        ]
    )
    st.altair_chart(
        alt.Chart(points)
        .mark_line(point=True)
        .encode(
            x=alt.X("service_level:Q", title="service level [%]", scale=alt.Scale(zero=False)),
            y=alt.Y("cost:Q", title=f"cost per {period} [{cur}]", scale=alt.Scale(zero=False)),
            color=alt.Color("within:N", sort=None, title="answered within"),
            tooltip=[
                alt.Tooltip("service_level:Q", title="service level [%]"),
                alt.Tooltip("within:N", title="answered within"),
                alt.Tooltip("cost:Q", title=f"cost per {period} [{cur}]", format=",.0f"),
            ],
        ),
        width="stretch",
    )
    reps = st.number_input(  # floats: Streamlit's int fields fail on a NaN a client sends
        "Simulated runs for the breach risk",
        2.0,
        200.0,
        step=1.0,
        format="%.0f",
        key="check_reps",
        help="replications: independent simulated runs of the whole horizon",
    )
    key = (scenario.model_dump_json(), channel, model, float(offered), int(reps))
    executor, executor_error = executor_or_error()
    if executor_error:
        st.error(plain(executor_error))
    from ui.negotiate import risk_periods

    slot = st.empty()  # the table, filled as the replications come in, then kept
    if st.button("Estimate breach risk (simulation)", key="check_run", disabled=executor is None):
        # Streamed: the table of the replications done so far after each batch (one per
        # worker); the last is the whole run's.
        for done, risks in breach_risks_in_batches(
            result,
            channel,
            agents=feas.on_duty[channel],
            replications=int(reps),
            seed=1,
            executor=executor,
        ):
            risk = headline_clause(risks)
            with slot.container():
                st.caption(f"{done} of {int(reps)} simulated runs")
                st.table(pd.DataFrame(risk_periods(risk)).set_index("period"))
        st.session_state.check_risk = (key, risk)
    stored = st.session_state.get("check_risk")
    if stored is not None and stored[0] == key:
        with slot.container():
            st.caption(f"{stored[1].replications} simulated runs")
            st.table(pd.DataFrame(risk_periods(stored[1])).set_index("period"))
    peak_section(result, channel, int(reps), executor)
    drivers_section(result, feas, int(reps), executor)


def peak_section(result, channel: str, reps: int, executor) -> None:
    """Busiest day of the plan ``result``: where the simulated time-varying system falls short
    of the per-interval Erlang staffing (backlog carried over between intervals)."""
    from scenarios.output.report import peak_figure
    from scenarios.verdict import busiest_day, one_day_plan, peak_check

    scenario, model = result.scenario, result.model
    key = (scenario.model_dump_json(), channel, model, reps)
    if st.button(
        "Check the busiest day by simulation", key="check_peak_run", disabled=executor is None
    ):
        with st.spinner("simulating the busiest day, then iterating its staffing"):
            day_plan = one_day_plan(
                result, busiest_day(result, channel), state.data_dir(state.current().files)
            )
            day = day_plan.scenario
            st.session_state.check_peak = (
                key,
                day,
                peak_check(
                    day_plan,
                    channel,
                    replications=reps,
                    seed=1,
                    executor=executor,
                ),
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
                "agents (formula)": peak.erlang_agents[i],
                "SL by formula": [f"{v:.1%}" for v in peak.sl_formula[i]],
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
