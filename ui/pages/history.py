"""History page: call records in, import report, service given, patience, backtest, calibration."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import streamlit as st

from scenarios import ScenarioError
from ui import guard, state
from ui.forecast import forecast_section
from ui.format import plain, range_message
from ui.uploads import LIMITS_MB, upload_bytes, without_folder
from ui.widgets import count_input

MODEL_WORDS = {
    "erlang_c": "Nobody hangs up (Erlang C)",
    "erlang_a": "With abandonment (Erlang A)",
    "simulation": "Simulation",
}


def backtest_table(rows: list[dict]):
    """The backtest errors in plain words: errors in percentage points and seconds, rounded."""
    import pandas as pd

    return pd.DataFrame(
        {
            "inputs": [r["inputs"] for r in rows],
            "model": [MODEL_WORDS.get(r["model"], r["model"]) for r in rows],
            "handle time [s]": [round(r["aht_s"], 1) for r in rows],
            "SL error [points]": [round(r["mae_service_level"] * 100, 1) for r in rows],
            "abandonment error [points]": [round(r["mae_abandon_rate"] * 100, 1) for r in rows],
            "ASA error [s]": [round(r["mae_asa_s"], 1) for r in rows],
            "SL bias [points]": [round(r["bias_service_level"] * 100, 1) for r in rows],
            "abandonment bias [points]": [round(r["bias_abandon_rate"] * 100, 1) for r in rows],
        }
    )


def saved(upload, what: str, limit_mb: float) -> Path:
    """An upload of at most ``limit_mb`` saved in the session's folder (the history readers
    take paths, and read them with the CLI's limits)."""
    return state.session_file(upload_bytes(upload, what, limit_mb), upload.name)


def page_history():
    from scenarios.history import analyse_history
    from scenarios.history.records import BUNDLED_MAPPINGS, load_mapping
    from scenarios.history.samples import sample_path
    from scenarios.output.history_plots import backtest_figure, patience_figure, staffing_figure

    st.title("History")
    st.caption(
        "Call-level records (one row per call) -> what was offered, the service given, "
        "patience under censoring, and whether the models reproduce it."
    )
    with st.expander("Forecast volumes from history", expanded=True):
        forecast_section()
    records = st.file_uploader(
        "Call records (CSV)",
        type=["csv", "txt"],
        key="hist_records_upload",
        max_upload_size=LIMITS_MB["records"],
    )
    mapping = st.file_uploader(
        "Column mapping (YAML/JSON; default: the Anonymous Bank export format)",
        type=["yaml", "yml", "json"],
        key="hist_mapping_upload",
        max_upload_size=LIMITS_MB["mapping"],
    )
    layout = st.selectbox(
        "Export layout (when no mapping is uploaded)",
        tuple(BUNDLED_MAPPINGS),
        key="hist_layout",
        help="bank-day: the bundled sample's; technion: the Technion text files (tabs, YYMMDD "
        "dates); generic-acd: a generic ACD call-detail export",
    )
    cols = st.columns(3)
    minutes = cols[0].selectbox("Interval [min]", (15, 30, 60), key="hist_interval")
    threshold = cols[1].number_input("SL threshold [s]", step=1.0, key="hist_threshold")
    bad_threshold = range_message("SL threshold", threshold, 0, 3600, "s")
    if bad_threshold or threshold is None:
        cols[1].error(bad_threshold or "SL threshold: give a number of seconds from 0 to 3,600")
    busy, ok = count_input("Busy interval: offered calls >=", "hist_busy", 1, 100_000, box=cols[2])
    if records is not None:
        source = records
    else:
        source = sample_path("bank-day")
        st.caption(
            f"No file uploaded: the bundled sample day `{source.name}` (Anonymous Bank, "
            "1 August 1999) is used."
        )
    if not ok or bad_threshold or threshold is None:
        return
    if not st.button("Analyse", key="hist_run"):
        stored = st.session_state.get("hist_result")
        if stored is None:
            return
        analysis = stored
    else:
        try:
            path = (
                source
                if isinstance(source, Path)
                else saved(source, "Call records", LIMITS_MB["records"])
            )
            columns = (
                load_mapping(layout)
                if mapping is None
                else load_mapping(saved(mapping, "Column mapping", LIMITS_MB["mapping"]))
            )
            with st.spinner("importing and backtesting (Erlang C, Erlang A, simulation)"):
                analysis = analyse_history(
                    path,
                    columns,
                    interval_minutes=int(minutes),
                    threshold_s=float(threshold),
                    busy_min_offered=int(busy),
                    prediction_replications=40,
                )
        except (ScenarioError, ValueError, OSError) as err:
            st.error(plain(f"Not analysed — {without_folder(err)}"))
            return
        except csv.Error as err:  # e.g. an unbalanced quote: one field past the csv limit
            st.error(plain(f"Not analysed — {path.name}: not a readable CSV file ({err})"))
            return
        st.session_state.hist_result = analysis
    rep, bt = analysis.report, analysis.backtest
    st.subheader("Import")
    st.markdown(
        f"{plain(Path(rep.source).name)}: **{rep.rows_in}** rows read, **{rep.kept}** kept "
        f"(offered calls), **{rep.rows_in - rep.kept}** dropped — "
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
    for warning in [*rep.warnings, *(x.describe() for x in analysis.surges)]:
        st.warning(plain(warning))
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
        f"Callers wait **{pat.mean_s:.0f} s** on average before hanging up (95% range "
        f"{pat.ci_low_s:.0f}–{pat.ci_high_s:.0f} s; half hang up within "
        f"{pat.km_median_s:.0f} s); {pat.abandoned} hung up. {pat.censored_share:.0%} of waits "
        "ended in an answer before the caller's patience ran out: they count as 'waited at "
        "least this long' (censored), not as patience. The plain mean wait of those who hung "
        f"up ({pat.naive_abandoner_mean_s:.0f} s) is biased low and not used."
    )
    st.caption(f"Method: {pat.method}.")
    st.pyplot(patience_figure(pat))
    st.subheader("Backtest")
    st.caption(
        f"SL = {bt.sl_definition}; errors over {int(bt.busy.sum())} busy intervals (>= "
        f"{bt.busy_min_offered} offered); simulation: {bt.replications} simulated runs."
    )
    for line in bt.staffing.method:
        st.caption(line)
    st.dataframe(backtest_table(bt.mae_table()), hide_index=True)
    st.pyplot(backtest_figure(bt))
    st.pyplot(staffing_figure(bt))
    pred = analysis.prediction
    if pred is not None:
        st.markdown(
            f"**Prediction intervals ({pred.level:.0%})** — agents: {plain(pred.agents_source)}"
        )
        for kpi, word in (("service_level", "SL"), ("abandon_rate", "Abandonment")):
            st.caption(
                f"{word}: observed inside the interval in {int(pred.covered[kpi].sum())} of "
                f"{int(pred.busy.sum())} busy intervals ({pred.coverage[kpi]:.0%}); mean width "
                f"{pred.width[kpi] * 100:.0f} points."
            )
        st.caption(plain(pred.method))
    st.button(
        "Use the calibrated scenario",
        key="hist_calibrate_run",
        on_click=_use_calibrated,
        args=(analysis, int(minutes)),
    )
    notes = st.session_state.get("hist_calibration_notes")
    if notes is not None:
        st.success("The calibrated scenario is now the scenario of every page.")
        for note in notes:
            st.caption(plain(note))
        evidence = st.session_state.get("hist_calibration_evidence") or []
        if evidence:
            st.dataframe(
                {
                    "weekday": [r["weekday"] for r in evidence],
                    "band": [r["band"] for r in evidence],
                    "answered": [r["answered"] for r in evidence],
                    "AHT [s]": [round(r["aht_s"], 1) for r in evidence],
                    "AHT used": ["yes" if r["aht_used"] else "" for r in evidence],
                    "abandoned": [r["abandoned"] for r in evidence],
                    "patience [s]": [round(r["patience_s"], 1) for r in evidence],
                    "patience used": ["yes" if r["patience_used"] else "" for r in evidence],
                },
                hide_index=True,
            )


@guard.callback
def _use_calibrated(analysis, minutes: int) -> None:
    """on_click: the calibrated scenario becomes the app's scenario before the page is drawn
    (so the sidebar and every page show it in this run)."""
    from scenarios.history.calibrate import calibrate

    calibration = calibrate(analysis.calls, interval_minutes=minutes)
    state.set_scenario(calibration.scenario, "History: calibrated from the call records")
    st.session_state.hist_calibration_notes = list(calibration.notes)
    st.session_state.hist_calibration_evidence = list(calibration.evidence)
