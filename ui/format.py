"""How the app shows numbers: FTE with one decimal, money with thousands separators and the
currency, percentages with one decimal, long durations in h/min, and the one cost period the
user chose (per month or per year). Pure functions; no Streamlit here.

Conversions between what people type and what the schema stores live here too: a service level
typed as 80 is the fraction 0.8 (``percent_to_fraction``), a deadline typed in hours is seconds.
"""

from __future__ import annotations

import math
import re

#: Months per year, for costs shown per month (a year of 365 days is 12 months of 30.4 days).
MONTHS_PER_YEAR = 12.0
#: The cost periods a user can pick once for the whole app.
COST_PERIODS = ("year", "month")


def fte(value: float) -> str:
    """``66.6908`` -> ``"66.7"``."""
    return "—" if value is None or not math.isfinite(value) else f"{value:,.1f}"


def money(value: float, currency: str) -> str:
    """``1234567.8`` -> ``"1,234,568 EUR"``."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:,.0f} {currency}"


def pct(fraction: float, decimals: int = 1) -> str:
    """``0.8703`` -> ``"87.0%"``."""
    if fraction is None or not math.isfinite(fraction):
        return "—"
    return f"{fraction * 100:.{decimals}f}%"


def duration(seconds: float) -> str:
    """A duration in the unit people read: ``20`` -> ``"20 s"``, ``90`` -> ``"1 min 30 s"``,
    ``86400`` -> ``"24 h"``, ``5400`` -> ``"1 h 30 min"``."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds < 60:
        return f"{seconds:g} s"
    if seconds < 3600:
        m, s = divmod(round(seconds), 60)
        return f"{m} min" + (f" {s} s" if s else "")
    h, rest = divmod(round(seconds), 3600)
    m = rest // 60
    return f"{h} h" + (f" {m} min" if m else "")


def cost_in_period(cost_per_year: float, period: str) -> float:
    """A yearly cost in the chosen period (``"year"`` or ``"month"``)."""
    if period not in COST_PERIODS:
        raise ValueError(f"`period` must be one of {COST_PERIODS}, got {period!r}")
    return cost_per_year if period == "year" else cost_per_year / MONTHS_PER_YEAR


def per_year(amount_over_horizon: float, days: int) -> float:
    """An amount over a scenario's horizon of ``days`` days, scaled to 365 days."""
    return amount_over_horizon * 365.0 / days


def standard_text(service_level: float, threshold_s: float) -> str:
    """``(0.8, 20)`` -> ``"80/20"`` (the industry's shorthand: % answered within s)."""
    return f"{service_level * 100:g}/{threshold_s:g}"


def parse_standard(text: str) -> tuple[float, float]:
    """``"85/30"`` -> ``(0.85, 30.0)``: the schema's ``scenarios.scenario.parse_standard`` (a
    service level in percent and a threshold in seconds; a ``ValueError`` names the ranges)."""
    from scenarios.scenario import parse_standard as parse

    return parse(text)


def range_message(label: str, value: float, low: float, high: float, unit: str) -> str | None:
    """None when ``low <= value <= high``, else the message shown under the field, naming the
    range in the unit the user typed (``"SL target: 180% is outside 0% to 100%"``)."""
    if value is None:
        return None
    if math.isfinite(value) and low <= value <= high:
        return None
    space = "" if unit in ("%", "") else " "

    def number(x: float) -> str:  # 10000000 -> "10,000,000", 1e300 -> "1e+300"
        return f"{x:,.0f}" if math.isfinite(x) and x == int(x) and abs(x) < 1e15 else f"{x:g}"

    return (
        f"{label}: {value:g}{space}{unit} is outside {number(low)}{space}{unit} to "
        f"{number(high)}{space}{unit}"
    )


#: Characters Markdown (CommonMark, GFM, Streamlit's directives and math) may read as syntax.
_MARKDOWN = frozenset("\\`*_{}[]()<>#+-.!|~$:&\"'=?@^%/,;")
#: An invisible word joiner: it breaks GFM's autolinks, which are found in the text after
#: escapes are resolved (``http://``, ``www.``, ``a@b.c``), so no escape can stop them.
JOINER = "\u2060"
#: Where GFM would start a link in plain text: ``://``, ``www.``, ``mailto:``/``xmpp:``, ``@``.
_AUTOLINK = re.compile(r"(?i)(:)(?=//)|(www)(?=\.)|((?:mailto|xmpp):)|(@)")


def plain(text: str) -> str:
    """``text`` (a scenario name, a currency, a file name, a message quoting a user's input)
    for a Streamlit element that renders Markdown, shown as typed: every ASCII punctuation
    character backslash-escaped (CommonMark: "any ASCII punctuation character may be
    backslash-escaped" and is then a literal); line breaks and other control characters as
    spaces; an invisible word joiner (``JOINER``) where GFM would make a bare address a link
    (after the colon of ``http://``, between ``www`` and ``.``, after ``@``). So
    ``![x](http://e.com/a.png)`` loads no image, ``[a](b)``, ``http://e.com`` and
    ``www.e.com`` make no link, ``<img>`` is text, and ``_b_``, ``:red[x]``,
    ``:material/home:`` and ``$x$`` stay as typed."""
    text = _AUTOLINK.sub(lambda m: m[0] + JOINER, str(text))
    out = []
    for ch in text:
        if ch in _MARKDOWN:
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)
