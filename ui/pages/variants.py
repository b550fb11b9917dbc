"""Named variants (part of the Scenario page): keep the scenario in force under a name and
compare variants side by side (FTE, cost, standards, whether the standards are met)."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.format import cost_in_period, fte, money, pct, per_year, plain


def variant_row(name: str, cur: state.Current, period: str, offer: float) -> dict:
    """One column of the comparison: what the variant needs, what it promises, and whether
    its standards hold at the FTE on ``offer`` (closed forms, every reporting period)."""
    s = cur.scenario
    row = {"variant": name, "scenario": s.name}
    try:
        result = state.cached_plan(s.model_dump_json(), "erlang_a", cur.files)
    except (ValueError, OSError) as err:
        return row | {"FTE needed": f"not planned: {err}"}
    cost_year = per_year(float(result.total.cost[0]), s.days)
    row |= {
        "FTE needed": fte(float(result.total.fte[0])),
        f"cost per {period}": money(cost_in_period(cost_year, period), result.currency),
        "peak agents on duty": int(sum(p.required_agents for p in result.channels.values()).max()),
    }
    feas = state.cached_feasibility(s.model_dump_json(), offer, "erlang_a", cur.files)
    missed = sorted({c.channel for c in feas.checks if not all(c.met)})
    row[f"standards at {fte(offer)} FTE"] = "met" if not missed else "missed: " + ", ".join(missed)
    for t in s.targets:
        if t.service_level is not None:
            within = (
                f"{t.threshold_s / 3600:g} h" if t.threshold_s >= 3600 else f"{t.threshold_s:g} s"
            )
            row[f"{t.channel}: service level"] = f"{pct(t.service_level)} within {within}"
        if t.max_abandon is not None:
            row[f"{t.channel}: max abandonment"] = pct(t.max_abandon)
    return row


def variants_section() -> None:
    cols = st.columns([3, 1])
    name = cols[0].text_input(
        "Save the scenario in force as a variant", key="scen_variant_name", placeholder="offer A"
    )
    if cols[1].button("Save variant", key="scen_variant_save_run"):
        error = state.save_variant(name)
        if error:
            st.error(error)
        else:
            st.success(plain(f"Saved as variant '{name.strip()}'."))
    saved = state.variants()
    if not saved:
        st.caption("No variants yet: save one, change the scenario, save another, compare.")
        return
    period = state.cost_period()
    offer = state.offer_default_fte()
    rows = [variant_row(n, v, period, offer) for n, v in saved.items()]
    keys = list(dict.fromkeys(k for r in rows for k in r))
    # st.table renders Markdown: names typed by users (scenario, variant) shown as typed.
    table = {plain(k): [plain(str(r.get(k, ""))) for r in rows] for k in keys if k != "variant"}
    st.markdown("**Variants side by side**")
    import pandas as pd

    st.table(
        pd.DataFrame(
            {plain(r["variant"]): [table[k][i] for k in table] for i, r in enumerate(rows)},
            index=pd.Index(list(table), name=""),
        )
    )
    cols = st.columns([3, 1])
    chosen = cols[0].selectbox("Variant", list(saved), key="scen_variant_pick")
    cols[1].button(
        "Use this variant", key="scen_variant_load_run", on_click=state.load_variant, args=(chosen,)
    )
