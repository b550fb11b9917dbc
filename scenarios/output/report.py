"""The verdict as one self-contained HTML report, and its PDF (``ccplan check FILE --report DIR``).

``write_report`` writes ``report.html`` (figures embedded, no external resources, an A4 print
style) and, where WeasyPrint is installed (extra ``pdf``), ``report.pdf`` of the same page;
``pdf_unavailable_reason()`` says why there is no PDF otherwise. The page is drawn from the
verdict's JSON document (``Verdict.to_dict()``) and its figures from the typed results: the same
figures the app shows (``cost_curve_figure``, ``breach_figure``, ``peak_figure``).

In this order: a headline a negotiator can read aloud, the comparison of standards and the
period-optimal staffing (when the document has them), each clause per reporting period with its
price, the breach risk, the cost of the standard and the busiest day per channel, then the
assumptions and warnings.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..io import write_atomic
from ..verdict import MODEL_NAMES, BreachRisk, CostCurve, Verdict, risk_staffing_text
from ..verdict.drivers import fixed_point_text
from . import html as h
from .html import pdf_unavailable_reason
from .plots import _figure

__all__ = [
    "breach_figure",
    "cost_curve_figure",
    "headline",
    "pdf_unavailable_reason",
    "peak_figure",
    "render_html",
    "write_report",
]


def cost_curve_figure(curve: CostCurve) -> Figure:
    """Cost per year against the SL target, one line per threshold, current standard marked
    (the grid point nearest it)."""
    fig = _figure(8.0, 4.2)
    ax = fig.add_subplot()
    sls = curve.service_levels
    for j, threshold in enumerate(curve.thresholds_s):
        ax.plot(
            sls * 100,
            curve.cost_per_year[:, j] / 1e3,
            marker="o",
            ms=3,
            label=f"within {h.seconds(threshold)}",
        )
    if curve.current is not None:
        i, j = curve.current_index()
        ax.plot(
            sls[i] * 100,
            curve.cost_per_year[i, j] / 1e3,
            "r*",
            ms=14,
            label=f"current: {sls[i]:.0%} within {h.seconds(curve.thresholds_s[j])}",
        )
    ax.set_xlabel(f"service level target [%] ({curve.sl_definition.value.replace('_', ' ')})")
    ax.set_ylabel(f"cost of the whole scenario [k{curve.currency}/yr]")
    ax.set_title(f"Cost of the standard, {curve.channel} ({MODEL_NAMES[curve.model]})")
    ax.legend(fontsize="small", ncol=2)
    return fig


def breach_figure(risk: BreachRisk) -> Figure:
    """P(breach) per reporting period with its 95% (Wilson) interval; a period not measured
    (excluded from the SLA) is marked as such, with no bar."""
    fig = _figure(8.0, 3.6)
    ax = fig.add_subplot()
    periods = [str(p) for p in risk.periods]
    # A period not measured (excluded from the SLA) has no risk to draw, not 0%.
    measured = np.asarray(risk.counted, dtype=bool)
    p, low, high = (
        np.where(measured, a, np.nan)
        for a in (risk.p_breach, risk.p_breach_low, risk.p_breach_high)
    )
    x = np.arange(len(periods))
    ax.bar(x, p, color="tab:red", alpha=0.7)
    ax.errorbar(x, p, yerr=[p - low, high - p], fmt="none", color="black", capsize=3)
    for k in np.flatnonzero(~measured):
        ax.text(
            x[k],
            0.03,
            "not measured",
            rotation=90,
            ha="center",
            va="bottom",
            fontsize="small",
            color="grey",
        )
    ax.set_xticks(x, periods, rotation=45 if len(periods) > 6 else 0, fontsize="small")
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(breach): measured KPI misses the standard", fontsize="small")
    title = (
        f"Breach risk per {risk.reporting_period}, {risk.channel}: {risk.standard_text} "
        f"({risk.method})"
    )
    ax.set_title("\n".join(textwrap.wrap(title, 95)), fontsize="medium")  # long clauses wrap
    return fig


def peak_figure(peak, interval_minutes: int, date: str) -> Figure:
    """SL per interval of the busiest day: the closed form at per-interval Erlang staffing, the
    simulation of that staffing (with its confidence band) and of the iterated staffing."""
    fig = _figure(9.0, 3.8)
    ax = fig.add_subplot()
    hours = np.arange(peak.sl_formula.size) * interval_minutes / 60
    staffed = np.where(peak.erlang_agents > 0, 1.0, np.nan)  # closed intervals are not drawn
    level = f"{peak.confidence:.0%}"
    ax.step(
        hours, staffed * peak.sl_formula, where="post", lw=1, label="closed form, Erlang staffing"
    )
    ax.step(
        hours, staffed * peak.sl_sim_erlang, where="post", lw=1, label="simulated, Erlang staffing"
    )
    ax.fill_between(
        hours,
        staffed * (peak.sl_sim_erlang - peak.sl_sim_erlang_half_width),
        staffed * (peak.sl_sim_erlang + peak.sl_sim_erlang_half_width),
        step="post",
        alpha=0.25,
        label=f"{level} confidence interval",
    )
    ax.step(
        hours, staffed * peak.sl_sim_isa, where="post", lw=1, label="simulated, iterated staffing"
    )
    ax.axhline(peak.target, color="red", ls="--", lw=1, label=f"target {peak.target:.0%}")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("hour of day")
    ax.set_ylabel(f"SL ({peak.sl_definition.describe(peak.threshold_s)})", fontsize="small")
    ax.set_title(
        f"Busiest day {date}, {peak.channel}: {peak.replications} replications", fontsize="medium"
    )
    ax.legend(fontsize="small", ncol=2)
    return fig


#: The closed-form models in plain words (the assumptions section).
MODEL_WORDS = {
    "erlang_a": (
        "Erlang A (M/M/n+M): random (Poisson) arrivals, exponential handle times, and callers "
        "who hang up after an exponential patience; realistic when callers abandon"
    ),
    "erlang_c": (
        "Erlang C (M/M/n): random (Poisson) arrivals, exponential handle times, and nobody "
        "hangs up; conservative, it overstates waits under load"
    ),
}

#: What each SL definition leaves in or out, in words (the assumptions section).
SL_WORDS = {
    "of_offered": "abandoned contacts count against the standard (the strictest count)",
    "excl_short_abandons": "callers who hang up before the threshold are left out",
    "of_answered": "every abandoned contact is left out",
}

#: How the targets' clauses are named in tables.
CLAUSE_NAMES = {
    "service_level": "service level",
    "max_asa_s": "ASA",
    "max_abandon": "abandonment",
    "max_occupancy": "occupancy",
}

NOT_MEASURED = "excluded / not measured"


# --- reading the document --------------------------------------------------------------------


def period_measured(period: dict) -> bool:
    """Whether a reporting period was measured: not flagged ``measured: false`` (excluded from
    the SLA, or nothing to count) and its predicted KPI is not missing (NaN or null)."""
    if period.get("measured", True) is False:
        return False
    value = period.get("predicted", period.get("p_breach"))
    return not h.missing(value)


def clause_tally(target: dict) -> tuple[int, int]:
    """(periods missed, periods measured) of one clause: excluded periods count neither."""
    measured = [p for p in target["periods"] if period_measured(p)]
    return sum(not p["met"] for p in measured), len(measured)


def cost_per_fte_year(data: dict) -> float | None:
    """Cost per FTE-year: the cost of the current standard's grid point over its FTE (cost is
    paid hours x hourly cost and FTE is paid hours over contract hours, so the ratio is the
    same at every staffing); None without a cost-of-the-standard section."""
    for curve in data.get("cost_of_standard", {}).values():
        current = curve["current"]
        i = list(np.asarray(curve["service_levels"])).index(current["service_level"])
        j = list(np.asarray(curve["thresholds_s"])).index(current["threshold_s"])
        fte = float(np.asarray(curve["fte"])[i, j])
        if fte > 0:
            return float(current["cost_per_year"]) / fte
    return None


#: The label formats of ``scenarios.periods.period_label``, to tell a reporting period by its
#: labels when the document does not name it (no breach-risk section).
LABEL_PERIODS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}T"), "interval"),
    (re.compile(r"\d{4}-\d{2}-\d{2}$"), "day"),
    (re.compile(r"\d{4}-W\d{2}$"), "week"),
    (re.compile(r"\d{4}-\d{2}$"), "month"),
    (re.compile(r"\d{4}-Q\d$"), "quarter"),
    (re.compile(r"\d{4}$"), "year"),
)


def _reporting_period(data: dict, channel: str) -> str | None:
    """The channel's reporting period: named by its target or breach risk, else read from its
    period labels (``2027-W01`` is a week); None when neither says."""
    risk = data.get("breach_risk", {}).get(channel)
    if risk:
        return risk["reporting_period"]
    for t in data["targets"]:
        if t["channel"] == channel:
            if t.get("reporting_period"):
                return t["reporting_period"]
            label = str(t["periods"][0]["period"]) if t["periods"] else ""
            return next((name for rx, name in LABEL_PERIODS if rx.match(label)), None)
    return None


def _worst_breach(data: dict) -> tuple[float, str, str] | None:
    """The largest P(breach) over every clause and measured period of the breach-risk section,
    with its reporting period and clause; None without that section or when it is 0."""
    worst = None
    for risk in data.get("breach_risk", {}).values():
        for clause in risk.get("clauses") or [risk]:
            p = max(
                (float(q["p_breach"]) for q in clause["periods"] if period_measured(q)),
                default=0.0,
            )
            if p > 0 and (worst is None or p > worst[0]):
                worst = (p, clause["reporting_period"], clause["standard"])
    return worst


def _plural(word: str, n: int) -> str:
    return word if n == 1 else f"{word}s"


# --- the headline ----------------------------------------------------------------------------


def headline(data: dict) -> str:
    """One sentence a negotiator can read aloud (plain text), built from the document.

    The standards (each channel's service-level clause) are *realistic* when every clause of
    every target is met in every measured reporting period at the FTE on offer; otherwise the
    sentence names the clauses missed, marking the binding one (the clause whose price is
    highest), and the FTE the plan needs. The cost per year is the FTE on offer at the plan's
    cost per FTE-year (``cost_per_fte_year``). Then what the other standards compared cost
    (per-interval staffing), and what staffing to the reporting period saves.
    """
    cur = data["currency"]
    targets = data["targets"]
    channels = {t["channel"] for t in targets}
    standards = []
    for t in targets:
        if t["clause"] != "service_level":
            continue
        period = _reporting_period(data, t["channel"])
        text = t["standard"] + (f" per {period}" if period else "")
        standards.append(f"{t['channel']}: {text}" if len(channels) > 1 else text)
    subject = " and ".join(standards) if standards else "The targets"
    subject = subject[:1].upper() + subject[1:]
    verb = "is" if len(standards) == 1 else "are"
    per_fte = cost_per_fte_year(data)
    at = f"{h.fte(data['fte_offered'])} FTE"
    if per_fte is not None:
        at += f", {h.money_short(data['fte_offered'] * per_fte, cur)}/yr"
    missed = []
    for t in targets:
        k, n = clause_tally(t)
        if k:
            period = _reporting_period(data, t["channel"]) or "period"
            binding = data["binding"].get(t["channel"]) == t["clause"]
            what = (  # the subject names the service level already
                "the service level"
                if t["clause"] == "service_level"
                else t["standard"] + (" (the binding clause)" if binding else "")
            )
            missed.append(f"{t['channel']} misses {what} in {k} of {n} {_plural(period, n)}")
    if missed:
        shown = "; ".join(missed[:3]) + (f"; and {len(missed) - 3} more" if len(missed) > 3 else "")
        sentence = (
            f"{subject} {verb} not realistic at {at}: {shown}; "
            f"the plan needs {h.fte(data['fte_required'])} FTE"
        )
    else:
        sentence = f"{subject} {verb} realistic at {at}"
    risk = _worst_breach(data)
    if risk is not None:
        p, period, standard = risk
        sentence += f"; simulated, P(breach) reaches {h.percent(p)} in a {period} ({standard})"
    others = [
        r
        for r in data.get("compare") or []
        if r.get("staffing") == "per_interval"
        and not r.get("current", False)
        and not h.missing(r.get("cost_difference_per_year"))
    ]
    for r in others[:3]:
        diff = float(r["cost_difference_per_year"])
        if round(diff) == 0:
            sentence += f"; {r['standard']} costs the same"
        else:
            verb_cost = "costs" if diff > 0 else "saves"
            money = h.money_short(abs(diff), cur, signed=diff > 0)
            sentence += f"; {r['standard']} {verb_cost} {money}/yr"
    saving = sum(
        float(p["saving_per_year"])
        for p in (data.get("period_optimal") or {}).values()
        if not h.missing(p.get("saving_per_year"))
    )
    if round(saving) > 0:
        sentence += (
            f"; staffing to the reporting period rather than every interval saves "
            f"{h.money_short(saving, cur)}/yr"
        )
        # That staffing meets each clause at its edge: say how often it would be missed.
        edge = next(
            (
                r
                for r in data.get("compare") or []
                if r.get("current") and r.get("staffing") == "period_optimal"
            ),
            None,
        )
        if edge is not None and not h.missing(edge.get("p_breach_worst")):
            sentence += (
                f" at a simulated P(breach) of up to {h.percent(edge['p_breach_worst'])} per period"
            )
    return sentence + "."


# --- the sections ----------------------------------------------------------------------------


def _kpi(clause: str, value) -> str:
    """A clause's KPI as people read it: shares as percentages, ASA in seconds."""
    if h.missing(value):
        return h.MISSING
    if clause == "max_asa_s":
        return f"{float(value):,.1f} s"
    return h.percent(value)


def _gap(clause: str, gap) -> str:
    """How far a missed period is on the wrong side: percentage points, or seconds of ASA."""
    if clause == "max_asa_s":
        return f"{float(gap):,.1f} s"
    return f"{100 * float(gap):.1f} pts"


def _verdict_cell(period: dict) -> h.Raw:
    if not period_measured(period):
        return h.Raw(f'<span class="excluded">{NOT_MEASURED}</span>')
    if period["met"]:
        return h.Raw('<span class="met">met</span>')
    return h.Raw('<span class="missed">missed</span>')


def _binding_text(binding: str | None) -> str:
    """``"voice: service_level"`` (or a bare clause) in words: ``"voice: service level"``."""
    if not binding:
        return h.MISSING
    channel, _, clause = binding.rpartition(": ")
    name = CLAUSE_NAMES.get(clause, clause.replace("_", " "))
    return f"{channel}: {name}" if channel else name


def _compare_section(data: dict) -> str:
    rows = data.get("compare")
    if not rows:
        return ""
    cur = data["currency"]
    staffing = {"per_interval": "every interval", "period_optimal": "the reporting period"}
    body = [
        [
            r["standard"] + (" (current)" if r.get("current") else ""),
            staffing.get(r["staffing"], str(r["staffing"]).replace("_", " ")),
            _binding_text(r.get("binding")),
            h.fte(r["fte"]),
            h.amount(r["cost_per_year"]),
            h.amount(r["cost_difference_per_year"], signed=True),
            h.percent(r["p_breach_worst"]),
            h.MISSING
            if h.missing(r["expected_breaches_per_year"])
            else f"{float(r['expected_breaches_per_year']):.1f}",
            h.amount(r["expected_penalty_per_year"]),
            h.amount(r["expected_bonus_per_year"]),
        ]
        for r in rows
    ]
    headers = [
        "Standard",
        "Staffed to meet it in",
        "Binding clause",
        "FTE",
        f"Cost per year [{cur}]",
        f"Difference per year [{cur}]",
        "Worst P(breach)",
        "Breaches expected per year",
        f"Expected penalty per year [{cur}]",
        f"Expected bonus per year [{cur}]",
    ]
    note = (
        '<p class="note">Each standard staffed to meet it (the whole scenario\'s FTE and cost '
        "per year), its breach risk simulated at that staffing; differences against the current "
        "standard staffed for every interval.</p>"
    )
    return (
        "<h2>Standards compared</h2>"
        + note
        + h.table(headers, body, numeric_from=3, css_class="wide")
    )


def _period_optimal_section(data: dict) -> str:
    optimal = data.get("period_optimal")
    if not optimal:
        return ""
    cur = data["currency"]
    body = [
        [
            channel,
            h.fte(p["fte_per_interval_staffing"]),
            h.fte(p["fte"]),
            h.amount(p["cost_per_year_per_interval_staffing"]),
            h.amount(p["cost_per_year"]),
            h.amount(p["saving_per_year"]),
        ]
        for channel, p in optimal.items()
    ]
    headers = [
        "Channel",
        "FTE, every interval meets the standard",
        "FTE, the reporting period meets it",
        f"Cost per year, every interval [{cur}]",
        f"Cost per year, reporting period [{cur}]",
        f"Saving per year [{cur}]",
    ]
    return (
        "<h2>Staffing to the reporting period</h2>"
        '<p class="note">The contract measures the service level over the reporting period, '
        "not in every interval: the cheapest staffing that meets it over the period, against "
        "staffing every interval to the standard.</p>"
        + h.table(headers, body, css_class="wide")
        + "".join(
            f'<p class="note">Method: {h.esc(m)}.</p>'
            for m in dict.fromkeys(p["method"] for p in optimal.values() if p.get("method"))
        )
    )


def _hiring_section(data: dict) -> str:
    """The hiring plan (``ccplan hiring``): the smallest plan that covers every month, month by
    month, against the scenario's own classes."""
    hiring = data.get("hiring")
    if not hiring:
        return ""
    cur = data["currency"]
    best, given = hiring["smallest"], hiring["given"]
    body = [
        [
            m["month"],
            h.fte(m["headcount"]),
            h.fte(m["hires"]),
            h.fte(m["leavers"]),
            h.fte(m["in_training"]),
            h.fte(m["available_fte"]),
            h.fte(m["required_fte"]),
            h.fte(m["gap_fte"]),
            h.percent(m["service_level"]),
            h.percent(m["p_breach"]),
            h.amount(m["cost"]),
        ]
        for m in best["months"]
    ]
    headers = [
        "Month",
        "Headcount",
        "Hires",
        "Leavers (expected)",
        "In training",
        "Available FTE",
        "Required FTE",
        "Gap FTE",
        "SL",
        "P(breach)",
        f"Cost [{cur}]",
    ]
    classes = "; ".join(f"{c['size']} on {c['start_date']}" for c in best["classes"]) or "none"
    service = next(iter(best["service"].values()), None)
    sl_text = (
        f"SL of {h.esc(next(iter(best['service'])))}: answered within "
        f"{service['threshold_s']:g} s ({h.esc(service['sl_definition'])}), per "
        f"{h.esc(service['reporting_period'])} (the worst starting in each month), closed "
        f"form at the available staff; P(breach): {h.esc(service['method'])}. "
        if service
        else ""
    )
    unreachable = (
        f"Not reachable by hiring (classes still in training): "
        f"{h.esc(', '.join(best['unreachable_months']))}; a starting headcount of "
        f"{h.fte(best['starting_headcount_needed'])} FTE covers it. "
        if best["unreachable_months"]
        else ""
    )
    return (
        "<h2>Hiring plan</h2>"
        f'<p class="note">The smallest hiring plan (one class a month, added to the '
        f"scenario's own) that covers every month's requirement (agents on duty in its busiest "
        f"ISO week): classes {h.esc(classes)}; {best['total_hires']} hires, "
        f"{h.amount(best['total_paid_hours'])} paid hours (training included), "
        f"{h.money(best['total_cost'], cur)}. The scenario's own plan: "
        f"{given['total_hires']} hires, {h.money(given['total_cost'], cur)}, short of staff in "
        f"{sum(m['gap_fte'] < -1e-9 for m in given['months'])} of {len(given['months'])} "
        f"months. {unreachable}Leavers are expected values; FTE are agents on duty after "
        f"{h.percent(best['shrinkage'])} shrinkage. {sl_text}</p>"
        + h.table(headers, body, css_class="wide")
    )


def _drivers_section(data: dict) -> str:
    """Demand drivers: contacts by source, the value of each driver, the bot's outage month."""
    dd = data.get("demand_drivers")
    if not dd:
        return ""
    body = [
        [ch] + [f"{m[k]:,.0f}" for k in ("forecast", "deflected", "repeats", "retrials", "offered")]
        for ch, m in dd["contacts"].items()
    ]
    headers = ["Channel", "Forecast", "Deflected by the bot", "Repeats", "Retrials", "Offered"]
    fp = dd["fixed_point"]
    how = fixed_point_text(fp)
    note = (
        '<p class="note">Contacts over the horizon. Repeats: answered contacts not resolved at '
        "first contact, back after their delay; retrials: abandoned callers calling again. "
        f"Planned at the fixed point of staffing and abandonment ({fp['iterations']} passes, "
        f"{h.esc(how)}).</p>"
    )
    lines = [v["text"] for v in dd["values"]] + [o["text"] for o in dd["bot_outages"].values()]
    items = "".join(f"<li>{h.esc(t)}</li>" for t in lines)
    return (
        "<h2>Demand drivers</h2>"
        + note
        + h.table(headers, body, numeric_from=1, css_class="wide")
        + (f"<ul>{items}</ul>" if items else "")
    )


def _targets_section(data: dict) -> str:
    cur = data["currency"]
    rows = []
    for t in data["targets"]:
        k, n = clause_tally(t)
        period = _reporting_period(data, t["channel"]) or "period"
        if n == 0:
            verdict = NOT_MEASURED
        elif k == 0:
            verdict = f"met in every measured {period} ({n})"
        else:
            verdict = f"missed in {k} of {n} {_plural(period, n)}"
        worst = t.get("worst_interval") or {}
        worst_text = (
            f"{worst['start'].replace('T', ' ')}: {_kpi(t['clause'], worst.get('predicted'))}"
            if worst.get("start")
            else h.MISSING
        )
        rows.append(
            [
                t["channel"],
                t["standard"]
                + (" (binding)" if data["binding"].get(t["channel"]) == t["clause"] else ""),
                verdict,
                f"{t['failing_intervals']:,}",
                worst_text,
                h.fte(t["price_fte"]),
                h.money(t["price_per_year"], cur),
            ]
        )
    headers = [
        "Channel",
        "Clause",
        "Verdict per reporting period",
        "Intervals missing it",
        "Worst interval",
        "Price if dropped [FTE]",
        "Price if dropped per year",
    ]
    out = [
        "<h2>The targets at the staffing on offer</h2>",
        f"<p>{h.esc(h.fte(data['fte_offered']))} FTE on offer; the plan needs "
        f"{h.esc(h.fte(data['fte_required']))} FTE. Closed forms "
        f"({h.esc(MODEL_NAMES.get(data['model'], data['model']))}); the binding clause is the "
        "one whose price (the staff saved if it alone were dropped) is highest.</p>",
        h.table(headers, rows, numeric_from=3),
    ]
    allocation = data.get("fte_allocation")
    if allocation:
        out.append("<h3>FTE on offer per channel</h3>")
        needed = all("fte_needed" in a for a in allocation.values())
        out.append(
            h.table(
                ["Channel", "FTE", "Share"] + (["FTE the plan needs"] if needed else []),
                [
                    [ch, h.fte(a["fte"]), h.percent(a["share"])]
                    + ([h.fte(a["fte_needed"])] if needed else [])
                    for ch, a in allocation.items()
                ],
            )
        )
    return "\n".join(out)


def _periods_table(targets: list[dict]) -> str:
    """One channel's clauses per reporting period: the predicted KPI and its verdict."""
    labels = [p["period"] for p in targets[0]["periods"]]
    headers = ["Period"] + [CLAUSE_NAMES.get(t["clause"], t["clause"]) for t in targets]
    rows = []
    for k, label in enumerate(labels):
        row = [label]
        for t in targets:
            p = t["periods"][k]
            shown = _kpi(t["clause"], p.get("predicted")) if period_measured(p) else ""
            cell = f"{h.esc(shown)} {_verdict_cell(p)}".strip()
            if period_measured(p) and not p["met"] and not h.missing(p.get("gap")):
                cell += f" by {h.esc(_gap(t['clause'], p['gap']))}"
            row.append(h.Raw(cell))
        rows.append(row)
    return h.table(headers, rows)


def _yearly_counts(risk: dict, key: str) -> str:
    """``{"1": p, "2": p, ...}`` as "1: 73.3%, 2: 40.1%, ..." (the first six)."""
    counts = risk.get(key) or {}
    return ", ".join(f"{k}: {h.percent(p)}" for k, p in list(counts.items())[:6])


def _breach_section(risk: dict, cur: str, unmeasured: set[str]) -> str:
    """One clause's breach risk per period; a period flagged ``measured: false`` (or in
    ``unmeasured``: the channel's targets measured nothing there) shows as not measured, not
    as a 0% risk."""
    rows = []
    for p in risk["periods"]:
        if not period_measured(p) or p["period"] in unmeasured:
            rows.append([p["period"], _verdict_cell({"measured": False}), "", "", ""])
            continue
        rows.append(
            [
                p["period"],
                h.percent(p["p_breach"]),
                f"{h.percent(p['p_breach_low'])} – {h.percent(p['p_breach_high'])}",
                h.money(p["expected_penalty"], cur),
                h.money(p["expected_bonus"], cur),
            ]
        )
    period = risk["reporting_period"]
    headers = [
        period.title(),
        "P(breach)",
        "95% interval (Wilson)",
        "Expected penalty",
        "Expected bonus",
    ]
    text = (
        f"Measured per {period} ({risk['model']}): "
        f"{float(risk['expected_breaches_per_year']):.1f} breached {period}s expected per "
        f"year; expected penalty {h.money(risk['expected_penalty_per_year'], cur)} per year, "
        f"expected bonus {h.money(risk['expected_bonus_per_year'], cur)} per year."
    )
    at_least = _yearly_counts(risk, "p_at_least_breaches_per_year")
    if at_least:
        text += f" P(at least k breached {period}s in a year), k = {at_least}."
    in_a_row = _yearly_counts(risk, "p_consecutive_breaches_per_year")
    if in_a_row:
        text += f" P(k breached {period}s in a row within a year), k = {in_a_row}."
    return f"<h3>Breach risk: {h.esc(risk['standard'])}</h3><p>{h.esc(text)}</p>" + h.table(
        headers, rows, numeric_from=1
    )


def _cost_table(curve: dict, cur: str) -> str:
    """Cost per year of each standard of the grid, the current one in bold."""
    sls = np.asarray(curve["service_levels"], dtype=float)
    thresholds = np.asarray(curve["thresholds_s"], dtype=float)
    costs = np.asarray(curve["cost_per_year"], dtype=float)
    current = curve["current"]
    rows = []
    for i, sl in enumerate(sls):
        row = [f"{100 * sl:g}%"]
        for j, threshold in enumerate(thresholds):
            text = h.money(costs[i, j], cur).removesuffix(f" {cur}")
            if sl == current["service_level"] and threshold == current["threshold_s"]:
                text = h.Raw(f"<strong>{h.esc(text)}</strong>")
            row.append(text)
        rows.append(row)
    headers = ["SL target"] + [f"within {h.seconds(t)}" for t in thresholds]
    return (
        f'<p class="note">Cost per year of the whole scenario [{h.esc(cur)}], '
        f"{h.esc(curve['model'])}; the current standard in bold.</p>" + h.table(headers, rows)
    )


def _clock(interval: int, interval_minutes: int) -> str:
    minutes = interval * interval_minutes
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _generic_value(key: str, value) -> str:
    """A value of a list whose keys the report does not know, formatted from its key's name:
    shares and probabilities as percentages, ``*_s`` in seconds, counts as integers."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if h.missing(value):
        return h.MISSING
    x = float(value)
    if key.startswith(("sl", "p_", "service_level")) or "share" in key or "abandon" in key:
        return h.percent(x)
    if key.endswith("_s"):
        return h.seconds(round(x, 1))
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.2f}"


def _peak_section(channel: str, peak: dict, interval_minutes: int) -> str:
    short = peak.get("intervals_short_of_target_at_erlang_staffing", [])
    times = ", ".join(_clock(int(i), interval_minutes) for i in short) or "none"
    text = (
        f"Busiest day {peak['date']} ({peak['model']}; SL {peak['sl_definition']}): intervals "
        f"where the simulated SL falls short of the target at per-interval Erlang staffing: "
        f"{times}. Iterated staffing "
        + ("meets it everywhere" if peak.get("converged", True) else "did not converge")
        + f" with {float(peak['extra_agent_hours']):,.1f} extra agent-hours."
    )
    out = [f"<h3>The busiest day</h3><p>{h.esc(text)}</p>"]
    intervals = peak.get("intervals")
    if intervals:
        keys = [k for k in intervals[0] if not isinstance(intervals[0][k], list | dict)]
        rows = [[_generic_value(k, row.get(k)) for k in keys] for row in intervals]
        out.append(h.table([h.humanize(k) for k in keys], rows))
    return "".join(out)


def _channel_sections(result: Verdict, data: dict) -> str:
    """Per channel: the clauses per period, breach risk, staffing for risk, cost, busiest day."""
    cur = data["currency"]
    channels = list(dict.fromkeys(t["channel"] for t in data["targets"]))
    for extra in ("breach_risk", "cost_of_standard", "peak_day"):
        channels += [ch for ch in data.get(extra, {}) if ch not in channels]
    out = []
    for channel in channels:
        out.append(f"<h2>{h.esc(channel)}</h2>")
        targets = [t for t in data["targets"] if t["channel"] == channel]
        if targets:
            out.append("<h3>Each clause per reporting period</h3>")
            out.append(_periods_table(targets))
        risk = data.get("breach_risk", {}).get(channel)
        if risk is not None:
            unmeasured = {
                p["period"]
                for t in targets
                if t["clause"] == "service_level"
                for p in t["periods"]
                if not period_measured(p)
            }
            for clause_risk in risk.get("clauses") or [risk]:
                out.append(_breach_section(clause_risk, cur, unmeasured))
            if channel in result.breach_risks:
                caption = f"Breach risk per {risk['reporting_period']}, {channel}"
                out.append(h.figure(breach_figure(result.breach_risks[channel]), caption))
        staffing = data.get("staffing_for_risk", {}).get(channel)
        if staffing is not None:
            text = risk_staffing_text(staffing)
            out.append(f"<p>{h.esc(text[0].upper() + text[1:])}.</p>")
        curve = data.get("cost_of_standard", {}).get(channel)
        if curve is not None:
            out.append("<h3>The cost of the standard</h3>")
            if channel in result.cost_curves:
                caption = f"Cost of the standard, {channel}"
                out.append(h.figure(cost_curve_figure(result.cost_curves[channel]), caption))
            out.append(_cost_table(curve, cur))
        peak = data.get("peak_day", {}).get(channel)
        if peak is not None:
            out.append(_peak_section(channel, peak, result.interval_minutes))
            if channel in result.peak_days:
                day = result.peak_days[channel]
                caption = f"Busiest day {day.date}, {channel}"
                fig = peak_figure(day.check, result.interval_minutes, str(day.date))
                out.append(h.figure(fig, caption))
    return "\n".join(out)


def _pricing_section(pricing, term) -> str:
    """Pricing under volume risk (``scenarios.contract.PricingAnalysis``) and the contract
    term (``TermResult``): what each model costs the client and earns the provider at the
    P10/P50/P90 volume, break-even volumes, and the term year by year."""
    if pricing is None and term is None:
        return ""
    from ..contract import QUANTILES
    from .pricing_plots import pricing_figure

    out = ["<h2>Pricing</h2>"]
    if pricing is not None:
        a, cur = pricing, pricing.currency
        out.append(
            f'<p class="note">Money per year [{h.esc(cur)}]: the {a.days}-day horizon x 365 / '
            f"{a.days}. Volume: {h.esc(a.source)}. The provider's staffing is re-planned at "
            f"each volume ({h.esc(MODEL_NAMES.get(a.model, a.model))}): the P90 cost is "
            f"{h.percent(a.economies_of_scale)} of the cost scaled linearly. The plain models "
            "are set to charge what the contract charges at P50, so they differ only in who "
            "carries the volume risk.</p>"
        )
        rows = [
            ["contacts offered", *(h.amount(v) for v in a.offered)],
            ["FTE (re-planned)", *(h.fte(v) for v in a.fte)],
            ["provider's cost", *(h.amount(v) for v in a.provider_cost)],
        ]
        out.append(h.table(["per year", *QUANTILES], rows))
        rows = []
        for m in a.models:
            share = a.client_share_of_risk(m)
            rows.append(
                [
                    f"{m.name}: {m.description}",
                    *(h.amount(v) for v in m.client_cost),
                    *(h.amount(v, signed=True) for v in m.margin),
                    h.MISSING if share is None else h.percent(share),
                    m.break_even.describe(),
                ]
            )
        headers = [
            "pricing model",
            *(f"client pays, {q}" for q in QUANTILES),
            *(f"provider's margin, {q}" for q in QUANTILES),
            "client's share of the cost risk",
            "provider's break-even volume",
        ]
        out.append(h.table(headers, rows))
        cheap, best = a.cheapest_for_client, a.best_for_provider
        who = "; ".join(
            f"{q}: cheapest for the client {cheap[q]}, best for the provider {best[q]}"
            for q in QUANTILES
        )
        out.append(f"<p>{h.esc(who)}.</p>")
        out.append(h.figure(pricing_figure(a), "Pricing models under volume risk"))
    if term is not None:
        cur = term.currency
        cap = (
            h.money(term.liability_cap_per_year, cur)
            if term.liability_cap_per_year is not None
            else "none"
        )
        out.append("<h3>The contract term</h3>")
        out.append(
            f'<p class="note">From {term.start_date}, {len(term.years)} years; liability cap '
            f"per year: {h.esc(cap)}; penalties: {h.esc(term.penalties_source)}. Money "
            f"[{h.esc(cur)}] per contract year.</p>"
        )
        rows = [
            [
                str(y.year),
                y.start.isoformat(),
                h.amount(y.offered),
                h.fte(y.fte),
                f"{y.price_factor:.4f}",
                h.amount(y.price),
                h.amount(y.cost),
                h.amount(y.penalties),
                h.amount(y.margin, signed=True),
            ]
            for y in term.years
        ]
        rows.append(
            [
                "total",
                "",
                h.amount(term.total("offered")),
                "",
                "",
                h.amount(term.total("price")),
                h.amount(term.total("cost")),
                h.amount(term.total("penalties")),
                h.amount(term.total("margin"), signed=True),
            ]
        )
        headers = ["year", "from", "offered", "FTE", "price index", "price", "cost", "penalties"]
        out.append(h.table([*headers, "margin"], rows, numeric_from=2))
    return "\n".join(out)


def _assumptions_section(result: Verdict, data: dict) -> str:
    items = [
        f"Model: {MODEL_WORDS.get(data['model'], data['model'])}.",
    ]
    thresholds = {ch: c.current[1] for ch, c in result.cost_curves.items() if c.current}
    thresholds |= {
        ch: r.threshold_s for ch, r in result.breach_risks.items() if r.threshold_s is not None
    }
    definitions = {ch: r.sl_definition for ch, r in result.breach_risks.items() if r.sl_definition}
    for channel, definition in {**definitions, **result.sl_definitions}.items():
        words = (
            definition.describe(thresholds[channel])
            if channel in thresholds
            else f"{definition.formula} (T the threshold)"
        )
        items.append(f"Service level, {channel}: {words}; {SL_WORDS.get(definition.value, '')}.")
    errors = data.get("forecast_error")
    if errors:
        for channel, e in errors.items():
            parts = ", ".join(f"{h.humanize(k).lower()} {float(v):g}" for k, v in e.items())
            items.append(f"Forecast error, {channel}: {parts}.")
    elif result.breach_risks:
        items.append(
            "Forecast error: the simulations draw the scenario's forecast error (day-level "
            "volume, interval-level volume and day-level handle-time variation) in every "
            "replication."
        )
    runs = {(r.replications, r.seed) for r in result.breach_risks.values()}
    for replications, seed in sorted(runs):
        items.append(f"Breach risk: {replications} simulated replications, seed {seed}.")
    for channel, day in result.peak_days.items():
        items.append(f"Busiest day, {channel}: {day.check.replications} replications.")
    if not runs and not result.peak_days:
        items.append("No simulation in this report: closed forms only.")
    items.append(
        f"Horizon: {result.days} {_plural('day', result.days)} in "
        f"{result.interval_minutes}-minute intervals; money per year is scaled from the "
        "horizon to 365 days."
    )
    channels = [t["channel"] for t in data["targets"]] + list(data.get("breach_risk", {}))
    for channel in dict.fromkeys(channels):
        period = _reporting_period(data, channel)
        risk = data.get("breach_risk", {}).get(channel)
        target = next((t for t in data["targets"] if t["channel"] == channel), None)
        labels = [p["period"] for p in (risk or target)["periods"]]
        if period and labels:
            span = labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
            items.append(f"Reporting period, {channel}: one {period} ({span}).")
    items.append(
        "A reporting period or interval excluded from the SLA is not measured: neither met "
        "nor missed, no penalty, no bonus."
    )
    for e in data.get("excluded") or []:
        span = e["start"] if e["start"] == e["end"] else f"{e['start']} to {e['end']}"
        label = f" ({e['label']})" if e.get("label") else ""
        items.append(f"Excluded, {e['channel']}: {span}{label}: {e['reason']}.")
    out = ["<h2>Assumptions</h2><ul>"] + [f"<li>{h.esc(i)}</li>" for i in items] + ["</ul>"]
    warnings = data.get("warnings") or []
    if warnings:
        out += ["<h2>Warnings</h2><ul>"] + [f"<li>{h.esc(w)}</li>" for w in warnings] + ["</ul>"]
    return "\n".join(out)


def _roster_section(data: dict) -> str:
    """Shift rosters (``ccplan check --roster``): the requirement-only FTE and cost beside the
    rostered ones, per channel and objective."""
    roster = data.get("roster")
    if not roster:
        return ""
    cur = data["currency"]
    body = []
    for objective, document in roster.items():
        for channel, c in document["channels"].items():
            body.append(
                [
                    channel,
                    objective.replace("_", " "),
                    h.fte(c["requirement_only"]["fte"]),
                    h.fte(c["fte"]),
                    h.amount(c["requirement_only"]["cost"]),
                    h.amount(c["cost"]),
                    f"{c['efficiency']:.1%}",
                    f"{c['under_coverage_hours']:,.0f}",
                    f"{c['gap']:.2%}",
                ]
            )
    headers = [
        "Channel",
        "Roster to",
        "FTE, requirement only",
        "FTE rostered",
        f"Cost, requirement only [{cur}]",
        f"Cost rostered [{cur}]",
        "Efficiency",
        "Hours under the interval requirement",
        "Gap to the bound",
    ]
    policy = next(iter(roster.values()))["policy"]
    return (
        "<h2>Shifts and rosters</h2>"
        '<p class="note">Real agents work shifts with breaks and days off: the cheapest roster '
        "of shifts (an integer program) against the per-interval requirement. Efficiency = "
        "requirement hours / rostered on-phone hours; costs over the planned horizon.</p>"
        + h.table(headers, body, numeric_from=2, css_class="wide")
        + f'<p class="note">Policy: {h.esc(policy)}.</p>'
    )


def _skills_section(data: dict) -> str:
    """Skills (``scenarios.skills``): the multi-skill design's clauses simulated with every
    pool together, its cost, and the pooling gain against separate teams where searched."""
    skills = data.get("skills")
    if not skills:
        return ""
    cur = skills["currency"]
    design = skills["design"]
    pools = "; ".join(
        f"{p['name']}: "
        + ", ".join(
            s["channel"] + (f" after {s['after_s']:g} s" if s["after_s"] else "")
            for s in p["skills"]
        )
        + (f" (keeps {p['reserve_agents']} idle for real-time)" if p["reserve_agents"] else "")
        for p in skills["pools"]
    )
    rows = [
        [
            channel,
            c["standard"],
            p["period"],
            _kpi(c["clause"], p["simulated"]),
            f"{_kpi(c['clause'], p['ci_low'])} .. {_kpi(c['clause'], p['ci_high'])}",
            h.percent(p["p_breach"]),
            "yes" if c["holds_with_95pct_confidence"] else "no",
        ]
        for channel, clauses in design["clauses"].items()
        for c in clauses
        for p in c["periods"]
        if p["measured"]
    ]
    out = (
        "<h2>Skills</h2>"
        f'<p class="note">Pools (channels in priority order): {h.esc(pools)}. The design as '
        f"given: {h.fte(design['fte'])} FTE, {h.money(design['cost_per_year'], cur)} a year; "
        f"every clause holds: {'yes' if design['meets_every_clause'] else 'no'}. Method: "
        f"{h.esc(skills['method'])}.</p>"
        + h.table(
            ["Channel", "Clause", "Period", "Simulated", "95% CI", "P(breach)", "Holds"],
            rows,
            numeric_from=3,
            css_class="wide",
        )
    )
    if skills["pooling_gain"]:
        body = [
            [
                g["standard"] or "own targets",
                h.fte(g["separate_fte"]),
                h.fte(g["shared_fte"]),
                h.fte(g["fte_saved"]),
                h.amount(g["cost_saved_per_year"], signed=True),
                "yes" if g["both_verified"] else "no",
            ]
            for g in skills["pooling_gain"]
        ]
        out += (
            '<p class="note">Pooling gain: separate teams (one pool per channel) and the shared '
            "design, each sized by the same simulation search (shrink while every clause "
            "holds, verified on a fresh seed).</p>"
            + h.table(
                [
                    "Standard",
                    "Separate FTE",
                    "Shared FTE",
                    "FTE saved",
                    f"Saved [{cur}/yr]",
                    "Verified",
                ],
                body,
            )
        )
    return out


def render_html(result: Verdict, data: dict | None = None, *, pricing=None, term=None) -> str:
    """The verdict as one self-contained HTML page (with ``pricing``, a
    ``scenarios.contract.PricingAnalysis``, and ``term``, a ``TermResult``: a Pricing section).

    ``data`` is the verdict's document (default ``result.to_dict()``; a caller may pass one with
    more keys, e.g. ``compare`` and ``period_optimal``); the figures come from ``result``'s
    typed sections. Every text from the scenario (names, labels) is escaped.
    """
    data = result.to_dict() if data is None else data
    body = [
        f"<h1>SLA verdict: {h.esc(data['scenario'])}</h1>",
        f'<p class="headline">{h.esc(headline(data))}</p>',
        _compare_section(data),
        _period_optimal_section(data),
        _roster_section(data),
        _targets_section(data),
        _channel_sections(result, data),
        _drivers_section(data),
        _pricing_section(pricing, term),
        _hiring_section(data),
        _skills_section(data),
        _assumptions_section(result, data),
    ]
    return h.page(f"SLA verdict: {data['scenario']}", "\n".join(b for b in body if b))


def write_report(
    result: Verdict, out_dir, data: dict | None = None, *, pricing=None, term=None
) -> list[Path]:
    """Write ``report.html`` into ``out_dir`` and, where WeasyPrint is installed,
    ``report.pdf`` of the same page (``pdf_unavailable_reason()`` says why not otherwise).
    Returns the paths written. Works on a partial verdict (sections not computed are left out).
    ``data``: the verdict's document with more keys (e.g. ``roster``), see ``render_html``;
    ``pricing`` and ``term`` add the Pricing section.
    """
    out = Path(out_dir)
    document = render_html(result, data, pricing=pricing, term=term)
    written = [out / "report.html"]
    write_atomic(written[0], document)
    if pdf_unavailable_reason() is None:
        written.append(out / "report.pdf")
        write_atomic(written[1], h.pdf_bytes(document))
    return written
