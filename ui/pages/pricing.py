"""Pricing page: each pricing model at the P10/P50/P90 volume (client's cost, provider's
margin, break-even volume) and the contract over its term (``scenarios.contract``)."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.format import cost_in_period, fte, money, pct, plain


@st.cache_data(show_spinner="re-planning at P10/P50/P90 and scanning the break-even volumes")
def cached_pricing(scenario_json: str, files: tuple = ()):
    """(``PricingAnalysis``, ``TermResult`` or None) of the scenario, from the cached plan."""
    from scenarios.cli.price import price_data

    result = state.cached_plan(scenario_json, "erlang_a", files)
    return price_data(result, state.data_dir(files))


def page_pricing():
    import pandas as pd

    from scenarios.contract import QUANTILES
    from scenarios.output.pricing_plots import pricing_figure

    st.title("Pricing")
    scenario = state.effective()
    st.caption(f"Scenario: **{plain(scenario.name)}**")
    if scenario.pricing is None:
        st.info("This scenario has no pricing: add a `pricing` block on the Scenario page.")
        return
    _, error = state.planned(scenario)
    if error:
        st.error(plain(error))
        return
    try:
        analysis, term = cached_pricing(scenario.model_dump_json(), state.current().files)
    except ValueError as err:
        st.error(plain(str(err)))
        return
    a, cur, period = analysis, analysis.currency, state.cost_period()

    def show(per_year: float) -> str:  # the sidebar's cost period, every page alike
        return money(cost_in_period(per_year, period), cur)

    contract = a.named("contract")
    p50 = QUANTILES.index("P50")
    cols = st.columns(4)
    cols[0].metric(f"Client pays per {period} (P50)", show(contract.client_cost[p50]))
    cols[1].metric(f"Provider's cost per {period} (P50)", show(a.provider_cost[p50]))
    cols[2].metric(f"Provider's margin per {period} (P50)", show(contract.margin[p50]))
    cols[3].metric("FTE (P50)", fte(a.fte[p50]))
    st.caption(
        f"Money per {period}: the {a.days}-day horizon x 365 / {a.days} (/ 12 for a month). "
        f"Volume: {a.source}. "
        "Staffing re-planned at each volume (Erlang A); plain models set to charge the "
        "contract's P50 price, so they differ only in who carries the volume risk."
    )
    rows = []
    for m in a.models:
        share = a.client_share_of_risk(m)
        row = {"model": m.name, "pricing": m.description}
        row |= {f"client pays {q}": show(v) for q, v in zip(QUANTILES, m.client_cost, strict=True)}
        row |= {f"margin {q}": show(v) for q, v in zip(QUANTILES, m.margin, strict=True)}
        row["client's share of the cost risk"] = "—" if share is None else pct(share, 0)
        row["break-even volume"] = m.break_even.describe()
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    cheap, best = a.cheapest_for_client, a.best_for_provider
    st.markdown(
        "  \n".join(
            f"**{q}** ({a.offered[i]:,.0f} contacts/yr): cheapest for the client "
            f"{cheap[q]}; best for the provider {best[q]}"
            for i, q in enumerate(QUANTILES)
        )
    )
    st.pyplot(pricing_figure(a))
    if term is None:
        st.info("No contract term in this scenario: add a `term` block (years, indexation, ...).")
        return
    st.subheader(f"The contract term: {len(term.years)} years from {term.start_date}")
    st.caption("Money per contract year.")
    rows = [
        {
            "year": y.year,
            "from": y.start.isoformat(),
            "contacts offered": f"{y.offered:,.0f}",
            "FTE": fte(y.fte),
            "price index": f"{y.price_factor:.4f}",
            "price": money(y.price, cur),
            "cost": money(y.cost, cur),
            "margin": money(y.margin, cur),
        }
        for y in term.years
    ]
    rows.append(
        {
            "year": "total",
            "from": "",
            "contacts offered": f"{term.total('offered'):,.0f}",
            "FTE": "",
            "price index": "",
            "price": money(term.total("price"), cur),
            "cost": money(term.total("cost"), cur),
            "margin": money(term.total("margin"), cur),
        }
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(
        "Penalties (with the liability cap per year) need the simulation: they are in the "
        "SLA check's report (ccplan check --report)."
    )
