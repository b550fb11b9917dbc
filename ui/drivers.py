"""The SLA check page's demand-drivers section: where the contacts come from, what +5 points
of FCR or deflection are worth, and the bot's outage month (``scenarios.verdict.drivers``)."""

from __future__ import annotations

import streamlit as st

from ui.format import plain


def drivers_section(result, feas, reps: int, executor) -> None:
    """Shown when the plan ``result`` has demand drivers: the contact mix at once, the
    drivers' value and outage risk on a button (re-plans and simulations)."""
    if result.drivers is None:
        return
    import pandas as pd

    from scenarios.verdict.drivers import drivers_verdict, fixed_point_text

    st.subheader("Demand drivers")
    load = result.drivers
    fixed = {
        "iterations": load.iterations,
        "converged": load.converged,
        "tolerance_contacts_per_interval": load.tolerance,
        "flipping_intervals": load.flipping_intervals,
    }
    st.caption(
        "Contacts over the horizon. Planned at the fixed point of staffing and abandonment "
        f"({load.iterations} passes, {plain(fixed_point_text(fixed))})."
    )
    st.table(
        pd.DataFrame(
            [
                {
                    "channel": name,
                    "forecast": f"{d.forecast.sum():,.0f}",
                    "deflected by the bot": f"{d.deflected.sum():,.0f}",
                    "repeats": f"{d.repeats.sum():,.0f}",
                    "retrials": f"{d.retrials.sum():,.0f}",
                    "offered to agents": f"{d.offered.sum():,.0f}",
                }
                for name, d in load.channels.items()
            ]
        ).set_index("channel")
    )
    key = (result.scenario.model_dump_json(), result.model, reps, float(feas.fte_offered))
    if st.button(
        "Value of the drivers (re-plan; simulate the bot's outage month)",
        key="check_drivers_run",
        disabled=executor is None,
    ):
        with st.spinner("re-planning with +5 points, simulating outage months"):
            verdict = drivers_verdict(
                result, agents=feas.on_duty, replications=reps, seed=1, executor=executor
            )
        st.session_state.check_drivers = (key, verdict)
    stored = st.session_state.get("check_drivers")
    if stored is None or stored[0] != key:
        return
    verdict = stored[1]
    for line in [v.sentence for v in verdict.values] + [
        o.sentence for o in verdict.outages.values()
    ]:
        st.markdown(f"- {plain(line)}")
