"""Negotiate page (first in the navigation): proposed standards per channel and the headcount
or budget on offer in; at the top one sentence and a table: realistic or not, FTE and cost
needed, the binding clause, alternative standards side by side; P(breach) per period,
expected breaches, penalties and bonuses by simulation on demand (kept in the session); the
report to hand over."""

from __future__ import annotations

import time

import streamlit as st

from ui import state
from ui.format import (
    cost_in_period,
    duration,
    fte,
    money,
    parse_standard,
    pct,
    plain,
    standard_text,
)
from ui.negotiate import (
    CLAUSES,
    answer,
    breach_row,
    clause_rows,
    compare_row,
    optimal_row,
    risk_periods,
    with_standard,
)
from ui.targets import sl_channels, standards_editor
from ui.widgets import fte_message, stale_note

MODEL = "erlang_a"
#: {(scenario digest, channel, standard, fte, replications): {clause: BreachRisk}}
RISKS = "neg_risks"
OPTIMAL = "neg_optimal"  # period-optimal staffing checked by simulation, by comparison key
MEMO = "neg_memo"  # the session's SimulationMemo


@st.cache_data(show_spinner=False, max_entries=128)
def cached_row(scenario_json: str, channel: str, fte_offered: float, files):
    """The comparison row of ``channel`` in the scenario ``scenario_json`` (its standard
    applied), its cost difference still to be taken (``with_difference``). Keyed on the
    standard's own scenario, not the proposed one's: a change of the proposed standard
    re-plans that row alone, the alternatives' rows are read from the cache."""
    result = state.cached_plan(scenario_json, MODEL, files)
    # The same cached feasibility as the page's headline (the proposed standard's is shared).
    feas = state.cached_feasibility(scenario_json, fte_offered, MODEL, files)
    return compare_row(result, feas, channel, 0.0)


@st.cache_data(show_spinner=False, max_entries=128)
def cached_optimal_row(scenario_json: str, channel: str, files):
    """The same standard under period-optimal staffing (closed forms, fast)."""
    result = state.cached_plan(scenario_json, MODEL, files)
    return optimal_row(result, channel, 0.0)


def with_difference(row: dict, base_cost_per_year: float) -> dict:
    """``row`` with its cost against the proposed standard's per-interval cost."""
    return row | {"cost_difference_per_year": row["cost_per_year"] - base_cost_per_year}


def offered_fte(scenario, result) -> tuple[float | None, bool]:
    """The headcount on offer, typed as FTE or as a budget per year (converted to FTE)."""
    wf = scenario.workforce
    default = state.offer_default_fte()
    cols = st.columns([1, 2])
    kind = cols[0].radio("On offer", ("FTE", "budget per year"), key="neg_offer_kind")
    if kind == "FTE":
        value = state.remembered_number(
            cols[1], "FTE on offer", float(default), "neg_fte", step=1.0, format="%.1f"
        )
        if message := fte_message("FTE on offer", value):
            cols[1].error(message)
            return None, False
        return float(value), True
    if wf.hourly_cost <= 0:
        cols[1].error("Budget: the scenario has no hourly cost (workforce.hourly_cost)")
        return None, False
    per_fte_year = wf.hourly_cost * wf.hours_per_fte_per_week * 365.0 / 7.0
    budget = state.remembered_number(
        cols[1],
        f"Budget per year [{plain(wf.currency)}]",
        float(round(default * per_fte_year, -3)),
        "neg_budget",
        step=10_000.0,
        help=f"converted at {per_fte_year:,.0f} {plain(wf.currency)} per FTE-year",
    )
    if message := fte_message("Budget per year", None if budget is None else budget / per_fte_year):
        cols[1].error(message)
        return None, False
    cols[1].caption(f"= {budget / per_fte_year:,.1f} FTE")
    return budget / per_fte_year, True


def headline(ans, scenario, period: str) -> str:
    cur = plain(scenario.workforce.currency)
    cost = money(cost_in_period(ans.cost_per_year, period), cur)
    binding = "; ".join(f"{ch}: {CLAUSES.get(c, c)}" for ch, c in ans.binding.items())
    if ans.realistic:
        spare = ans.fte_offered - ans.fte_needed
        return (
            f"At **{fte(ans.fte_offered)} FTE** on offer the standards of "
            f"{plain(scenario.name)} are **realistic**: they need {fte(ans.fte_needed)} FTE "
            f"({cost} per {period}), "
            f"{fte(spare)} FTE to spare. Binding clause: {binding}."
        )
    return (
        f"At **{fte(ans.fte_offered)} FTE** on offer the standards of "
        f"{plain(scenario.name)} are **not realistic**: they need {fte(ans.fte_needed)} FTE "
        f"({cost} per {period}), "
        f"{fte(ans.fte_needed - ans.fte_offered)} FTE more. Missed: {'; '.join(ans.missed)}. "
        f"Binding clause: {binding}."
    )


def alternatives(scenario, channel: str) -> tuple[list, str | None]:
    """The alternative standards typed by the user, e.g. "80/20, 85/30, 90/15"."""
    text = st.text_input(
        f"Alternative standards for {channel} (percent/seconds, comma separated)",
        key="neg_alternatives",
    )
    out = []
    for part in (p for p in text.split(",") if p.strip()):
        try:
            out.append(parse_standard(part))
        except ValueError as err:
            return [], str(err)
    return out, None


def comparison_table(rows: list[dict], currency: str, period: str):
    import pandas as pd

    def money_or_dash(value):
        return "—" if value is None else money(cost_in_period(value, period), currency)

    def cells(r: dict) -> dict:
        return {
            "standard": r["standard"],
            "staffing": r["staffing"],
            "realistic at offer": {True: "yes", False: "no"}.get(r.get("realistic"), "—"),
            "FTE needed": fte(r["fte"]),
            f"cost per {period}": money_or_dash(r["cost_per_year"]),
            "difference": money_or_dash(r["cost_difference_per_year"]),
            "worst P(breach)": ("—" if r["p_breach_worst"] is None else pct(r["p_breach_worst"])),
            "breaches per year": (
                "—"
                if r["expected_breaches_per_year"] is None
                else f"{r['expected_breaches_per_year']:.1f}"
            ),
            f"penalty per {period}": money_or_dash(r["expected_penalty_per_year"]),
            f"bonus per {period}": money_or_dash(r["expected_bonus_per_year"]),
            "binding clause": CLAUSES.get(r.get("binding"), r.get("binding") or ""),
        }

    table = pd.DataFrame([cells(r) for r in rows])
    table["staffing"] = [
        "per interval" if s == "per_interval" else "period-optimal" for s in table["staffing"]
    ]
    return table


def simulate(tasks: list, reps: int, finished=None, optimal=None) -> None:
    """Breach risks of ``tasks`` [(key, plan, channel, agents, label, compared)], kept in the
    session (``RISKS``) as each finishes, ``finished()`` called then (the page redraws its
    table); and, with ``optimal`` ``(key, plan, channel)``, that standard's period-optimal
    staffing checked by simulation (``period_optimal_verified``, kept in ``OPTIMAL``). A
    progress bar counts what is done.

    With local worker processes they run side by side in threads (``side_by_side``), in
    order (the compared standards first): the workers never wait between two standards, and
    each result is shown as it finishes. Every simulation is seeded, so the numbers are those
    of running them one after the other."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from scenarios.verdict.breach import breach_risks
    from scenarios.verdict.optimal import period_optimal_verified

    executor, error = state.executor_or_error()
    if error:
        st.error(plain(error))
        return
    risks = st.session_state.setdefault(RISKS, {})
    checked = st.session_state.setdefault(OPTIMAL, {})
    memo = session_memo()
    jobs = []  # (label, compared, compute, store)
    for key, result, channel, agents, label, compared in tasks:
        if key in risks:
            continue

        def compute(result=result, channel=channel, agents=agents):
            return breach_risks(
                result, channel, agents=agents, replications=reps, seed=1, executor=executor,
                memo=memo,
            )  # fmt: skip

        def store(found, key=key):
            risks[key] = found

        jobs.append((label, compared, compute, store))
    if optimal is not None and optimal[0] not in checked:
        key, result, channel = optimal

        def compute_optimal():
            return period_optimal_verified(
                result, channel, replications=reps, seed=1, executor=executor, memo=memo
            )

        def store_optimal(found, key=key):
            checked[key] = found

        label = f"{channel}: the proposed standard's period-optimal staffing"
        jobs.append((label, False, compute_optimal, store_optimal))
    if not jobs:
        return
    compared = sum(job[1] for job in jobs)
    bar = st.progress(0.0, text=f"simulating {len(jobs)} question(s), {reps} runs each")
    started = time.perf_counter()
    side = side_by_side(executor, len(jobs))
    if side > 1:  # the workers started (if not yet) from here, not by several threads at once
        from scenarios.verdict.stream import warm_worker

        executor.map(warm_worker, range(executor.workers))
    threads = ThreadPoolExecutor(side, "ccplan-breach")
    futures = {threads.submit(job[2]): job for job in jobs}
    done_compared, ok = 0, False
    try:
        for n, future in enumerate(as_completed(futures), start=1):
            label, is_compared, _, store = futures[future]
            store(future.result())
            done_compared += is_compared
            spent = time.perf_counter() - started
            bar.progress(
                n / len(jobs),
                text=f"{done_compared} of {compared} compared standards simulated; {n} of "
                f"{len(jobs)} done ({plain(label)} last), about "
                f"{spent / n * (len(jobs) - n):.0f} s left",
            )
            if finished is not None:
                finished()
        ok = True
    finally:
        # Stopped (a rerun, a page switch) or failed: the questions not started are dropped,
        # the running ones finish on the workers (their answers go to the session's memo).
        threads.shutdown(wait=ok, cancel_futures=True)
    bar.progress(1.0, text=f"done in {time.perf_counter() - started:.1f} s")


def side_by_side(executor, jobs: int) -> int:
    """Threads running the questions at once: one per local worker process (while one
    question waits for its last replications, the next one's keep the other workers busy;
    more would interleave every question's replications and show the first one later),
    else one (one after the other): in this process they would only take turns, and a Dask
    cluster queues them anyway. The verdict's own rule (``side_by_side_workers``), at most
    one per question."""
    from scenarios.verdict import side_by_side_workers

    return max(1, min(jobs, side_by_side_workers(executor)))


def session_memo():
    """The session's ``SimulationMemo``: a staffing this session simulated before (another
    offer or standard that leads to it, a check run again) is answered from it."""
    from scenarios.verdict import SimulationMemo

    return st.session_state.setdefault(MEMO, SimulationMemo())


def page_negotiate():
    import pandas as pd

    st.title("Negotiate")
    scenario = state.effective()
    cur = state.current()
    period = state.cost_period()
    st.caption(f"Scenario: **{plain(scenario.name)}** · model: with abandonment (Erlang A)")
    top = st.container()
    channels = sl_channels(scenario)
    ok = True
    with st.expander("Proposed standards", expanded=True):
        for channel in channels:
            st.markdown(f"**{channel}**")
            ok = standards_editor(channel, prefix="neg") and ok
    result, error = state.planned(scenario, MODEL)
    if error:
        top.error(plain(error))
        return
    offered, ok_offer = offered_fte(scenario, result)
    if not (ok and ok_offer):
        stale_note(top)
        return
    feas = state.cached_feasibility(scenario.model_dump_json(), offered, MODEL, cur.files)
    ans = answer(result, feas)
    (top.success if ans.realistic else top.error)(headline(ans, scenario, period))
    top.table(pd.DataFrame(clause_rows(feas)).set_index("channel"))

    # Alternatives side by side (closed forms), the proposed standard first.
    queues = [c for c in channels if scenario.channel(c).kind != "deferred"]
    if not queues:
        return
    channel = (
        st.selectbox("Compare standards of", queues, key="neg_channel")
        if len(queues) > 1
        else queues[0]
    )
    alts, alt_error = alternatives(scenario, channel)
    if alt_error:
        st.error(plain(f"Alternatives: {alt_error}"))
    target = scenario.target_for(channel)
    proposed = (float(target.service_level), float(target.threshold_s))
    standards = [None] + [s for s in alts if s != proposed]
    json_text = scenario.model_dump_json()
    texts = [
        json_text if s is None else with_standard(scenario, channel, *s).model_dump_json()
        for s in standards
    ]
    per_interval = [cached_row(text, channel, offered, cur.files) for text in texts]
    base = per_interval[0]["cost_per_year"]
    per_interval = [with_difference(row, base) for row in per_interval]
    reps = int(st.session_state.get("neg_reps", 20))
    digest = f"{state.current().digest}:{hash(json_text)}"
    keys = [(digest, channel, s or proposed, round(offered, 3), reps) for s in standards]

    def show_table() -> None:
        """The comparison with every breach risk simulated so far (called again as each
        standard's simulation finishes, so the table fills in while the rest run)."""
        risks = st.session_state.get(RISKS, {})
        rows = []
        for k, (row, key, text) in enumerate(zip(per_interval, keys, texts, strict=True)):
            if key in risks:
                row = row | breach_row(risks[key])
            optimal = with_difference(cached_optimal_row(text, channel, cur.files), base)
            checked = st.session_state.get(OPTIMAL, {}).get(key)
            if checked is not None:  # the period-optimal staffing the simulation confirmed
                optimal = optimal_row(result, channel, base, checked)
            if k == 0:
                row = row | {"standard": row["standard"] + " (proposed)"}
                optimal = optimal | {"standard": optimal["standard"] + " (proposed)"}
            rows += [row, optimal]
        st.session_state.neg_compare_rows = (keys[0], per_interval, rows)
        table_slot.table(
            comparison_table(rows, plain(scenario.workforce.currency), period).set_index(
                ["standard", "staffing"]
            )
        )

    top.markdown(f"**{channel}: alternative standards side by side** (at {fte(offered)} FTE)")
    table_slot = top.empty()
    show_table()
    top.caption(
        "Per interval: every interval staffed to the standard (the plan). Period-optimal: the "
        "cheapest staffing that meets every clause as the contract measures it, per reporting "
        "period: from the closed forms until the simulation below checks the proposed one "
        "(margins raised until every clause is met on average with 95% confidence), then its "
        "cost, realism and risk are the simulated ones."
    )

    # Breach risk by simulation, on demand.
    st.subheader("Breach risk (simulation)")
    cols = st.columns([1, 3])
    cols[0].number_input(  # floats: Streamlit's int fields fail on a NaN a client sends
        "Simulated runs",
        2.0,
        500.0,
        step=10.0,
        format="%.0f",
        key="neg_reps",
        help="replications: independent simulated runs of the whole horizon",
    )
    cols[1].caption(
        "Each reporting period is simulated with the scenario's forecast error at the FTE on "
        "offer; P(breach) is the share of simulated runs that miss the standard."
    )
    if st.button("Estimate breach risk (simulation)", key="neg_sim_run", type="primary"):
        # The compared standards first (the table fills in row by row), the other channels'
        # proposed standards after them.
        proposed_label = f"{channel} as proposed"
        tasks = [(keys[0], result, channel, feas.on_duty[channel], proposed_label, True)]
        for s, key, text in zip(standards[1:], keys[1:], texts[1:], strict=True):
            alt_feas = state.cached_feasibility(text, offered, MODEL, cur.files)
            alt_plan = state.cached_plan(text, MODEL, cur.files)
            label = f"{channel} at {standard_text(*s)}"
            tasks.append((key, alt_plan, channel, alt_feas.on_duty[channel], label, True))
        for ch in (c for c in channels if c != channel):
            key = (digest, ch, _proposed(scenario, ch), round(offered, 3), reps)
            tasks.append((key, result, ch, feas.on_duty[ch], f"{ch} as proposed", False))
        simulate(tasks, reps, show_table, optimal=(keys[0], result, channel))
        st.rerun()
    risks = st.session_state.get(RISKS, {})
    shown = False
    for ch in channels:
        key = (digest, ch, _proposed(scenario, ch), round(offered, 3), reps)
        if key not in risks:
            continue
        shown = True
        cur_money = plain(scenario.workforce.currency)
        for risk in risks[key].values():
            st.markdown(
                f"**{ch}, {clause_words(risk)}**, measured per {risk.reporting_period} "
                f"({risk.replications} simulated runs): {risk.expected_breaches_per_year:.1f} "
                f"breached period(s) expected per year; expected penalty "
                f"{money(cost_in_period(risk.penalty_per_year, period), cur_money)} and bonus "
                f"{money(cost_in_period(risk.bonus_per_year, period), cur_money)} per {period}."
            )
            table = pd.DataFrame(risk_periods(risk)).set_index("period")
            for column in ("expected penalty", "expected bonus"):
                table[column] = [money(v, cur_money) for v in table[column]]
            st.table(table)
    if not shown:
        st.caption("Not simulated yet for these standards and this offer.")
    report_section(result, offered, channels, digest, reps)


def clause_words(risk) -> str:
    """A clause as a negotiator reads it: "80% answered within 20 s", "abandonment at most
    5.0% of offered" (thresholds in s, min or h)."""
    if risk.clause == "service_level" and risk.threshold_s is not None:
        return f"{pct(risk.standard, 0)} answered within {duration(risk.threshold_s)}"
    return risk.description


def _proposed(scenario, channel: str) -> tuple[float, float]:
    t = scenario.target_for(channel)
    return float(t.service_level), float(t.threshold_s)


def report_section(result, offered, channels, digest, reps) -> None:
    """Prepare the hand-over report (the verdict's report writer) and offer it for download."""
    st.subheader("Report to hand over")
    key = (digest, round(offered, 3), reps)
    if st.button("Prepare the report", key="neg_report_run"):
        with st.spinner("writing the report"):
            st.session_state.neg_report = (key, build_report(result, offered, channels, key))
    stored = st.session_state.get("neg_report")
    if stored is None or stored[0] != key:
        st.caption("The report includes the breach risk when it has been simulated above.")
        return
    for k, (data, name, mime) in enumerate(stored[1]):
        st.download_button(
            f"Download report ({name})",
            data,
            file_name=name,
            mime=mime,
            key=f"neg_report_{k}_download",
            on_click="ignore",
            type="primary" if k == 0 else "secondary",
        )


def build_report(result, offered: float, channels, key) -> list[tuple[bytes, str, str]]:
    """The verdict at the offer (with the breach risks simulated on this page) written by
    ``scenarios.output.report.write_report``: its HTML (and PDF where it writes one), else a
    ZIP of what it writes. ``[(bytes, file name, mime)]``."""
    import dataclasses
    import io
    import tempfile
    import zipfile
    from pathlib import Path

    from scenarios.output.report import write_report
    from scenarios.verdict import verdict

    digest, _, reps = key
    risks = st.session_state.get(RISKS, {})
    scenario = result.scenario
    from scenarios.verdict.breach import headline_clause

    # Closed-form sections only; the simulations run on this page go in as the verdict's
    # breach risks of every clause and its checked period-optimal staffing.
    v = verdict(result, fte=offered, sections=())
    checked = st.session_state.get(OPTIMAL, {})
    optimal = {k[1]: found for k, found in checked.items() if k[0] == digest and k[-1] == reps}
    v = dataclasses.replace(v, period_optimal=optimal)
    found = {
        ch: risks[k]
        for ch in channels
        if (k := (digest, ch, _proposed(scenario, ch), round(offered, 3), reps)) in risks
    }
    v = dataclasses.replace(
        v,
        breach_risks={ch: headline_clause(r) for ch, r in found.items()},
        clause_risks=found,
    )
    with tempfile.TemporaryDirectory(prefix="ccplan-report-") as folder:
        paths = [Path(p) for p in write_report(v, folder)]
        mimes = {".html": "text/html", ".pdf": "application/pdf"}
        found = [(p.read_bytes(), p.name, mimes[p.suffix]) for p in paths if p.suffix in mimes]
        if found:
            return found
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for p in paths:
                z.write(p, p.name)
        return [(buffer.getvalue(), "verdict.zip", "application/zip")]
