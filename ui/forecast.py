"""The History page's forecast: interval volumes in -> forecast, accuracy table, plot ->
a scenario (volume CSV + opening hours + measured forecast error) for every page."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import guard, state
from ui.format import plain
from ui.uploads import LIMITS_MB, upload_bytes, without_folder


def accuracy_frame(fc):
    """The backtest accuracy of every candidate, WAPE in percent."""
    import pandas as pd

    from scenarios.forecast.output import accuracy_rows

    rows = accuracy_rows(fc)
    return pd.DataFrame(
        {
            "model": [r[0] for r in rows],
            "": [r[1] for r in rows],
            "WAPE daily [%]": [round(r[2] * 100, 2) for r in rows],
            f"WAPE per {fc.interval_minutes} min [%]": [round(r[3] * 100, 2) for r in rows],
            "MASE daily": [round(r[4], 3) for r in rows],
            "MASE interval": [round(r[5], 3) for r in rows],
        }
    )


def forecast_section() -> None:
    """Upload a volume history (or use the bundled 5-minute sample), forecast, show accuracy
    and the plot, and offer the forecast as the app's scenario."""
    from scenarios.forecast import forecast, read_volume_history
    from scenarios.forecast.output import csv_name, forecast_figure, forecast_scenario, volume_csv
    from scenarios.history.samples import sample_path

    st.subheader("Forecast from interval volumes")
    upload = st.file_uploader(
        "Volume history (CSV: start/DateTime, volume/Calls, optional channel)",
        type=["csv"],
        key="fc_upload",
        max_upload_size=LIMITS_MB["records"],
    )
    cols = st.columns(4)
    weeks = cols[0].number_input(
        "Horizon [weeks]", min_value=1, max_value=52, value=8, step=1, key="fc_weeks"
    )
    minutes = cols[1].selectbox("Forecast interval [min]", (15, 30, 60), key="fc_interval")
    country = cols[2].text_input("Holidays of (country code)", value="US", key="fc_country")
    aht_s = cols[3].number_input(
        "AHT for the scenario [s]", min_value=1.0, max_value=14_400.0, value=300.0, key="fc_aht"
    )
    if upload is None:
        st.caption(
            "No file uploaded: the bundled 5-minute volumes of a North American bank "
            "(20 weekdays, March 2003) are used."
        )
    if st.button("Forecast", key="fc_run"):
        try:
            if upload is None:
                path = sample_path("bank-5min")
            else:
                data = upload_bytes(upload, "Volume history", LIMITS_MB["records"])
                path = state.session_file(data, upload.name)
            with st.spinner("backtesting the models from rolling origins"):
                histories = read_volume_history(path)
                forecasts = [
                    forecast(
                        h,
                        int(weeks) * 7,
                        interval_minutes=int(minutes),
                        country=country.strip() or None,
                    )
                    for h in histories.values()
                ]
                scenario = forecast_scenario(forecasts, aht_s=float(aht_s))
        except (ValueError, OSError) as err:
            st.error(plain(f"Not forecast — {without_folder(err)}"))
            return
        files = tuple((csv_name(fc), volume_csv(fc).encode()) for fc in forecasts)
        st.session_state.fc_result = forecasts
        state.offer_forecast(scenario, files, f"forecast of {Path(str(path)).name}")
    forecasts = st.session_state.get("fc_result")
    if not forecasts:
        return
    for fc in forecasts:
        bt = fc.backtest
        st.markdown(
            f"**{plain(fc.channel)}**: chosen **{bt.chosen.name}** by a rolling-origin backtest "
            f"({bt.origins} origins, {bt.pairs} days scored). WAPE daily "
            f"**{bt.chosen.daily_wape:.2%}** vs seasonal naive {bt.baseline.daily_wape:.2%}; "
            f"per {fc.interval_minutes}-minute interval **{bt.chosen.interval_wape:.2%}** vs "
            f"{bt.baseline.interval_wape:.2%}. 80% intervals held out: "
            f"{bt.coverage.interval:.1%} of {bt.coverage.intervals} intervals inside. Forecast "
            f"error for the scenario: day CV {bt.day_volume_cv:.3f}, interval CV "
            f"{bt.interval_volume_cv:.3f}."
        )
        hours = ", ".join(f"{d[:3]} {a}-{b}" for d, (a, b) in fc.opening.spans().items())
        st.caption(f"Opening hours learned from the history: {hours}; other days closed.")
        st.dataframe(accuracy_frame(fc), hide_index=True)
        st.pyplot(forecast_figure(fc))
        for note in fc.notes:
            st.caption(plain(note))
    st.button("Use the forecast as the scenario", key="fc_use", on_click=_use_forecast)
    if st.session_state.get("fc_used"):
        st.success("The forecast is now the scenario of every page (see the Scenario page).")


@guard.callback
def _use_forecast() -> None:
    state.use_forecast()
    st.session_state.fc_used = True
