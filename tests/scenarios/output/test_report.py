"""The verdict report: one self-contained HTML page (and its PDF where WeasyPrint is installed).

The verdict is computed on a two-week service desk (the bundled default cut to 14 days,
measured per ISO week, the second week excluded from the SLA) with a hostile scenario name;
the expected headline figures are recomputed here from the scenario and the typed verdict,
not read from the report's own helpers.
"""

import base64
import math
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from scenarios import plan
from scenarios.examples import load_example
from scenarios.output import html as h
from scenarios.output import report
from scenarios.output.report import headline, render_html, write_report
from scenarios.overrides import apply_overrides
from scenarios.verdict import DAYS_PER_YEAR, verdict

#: A scenario name that needs escaping in HTML (the schema refuses markup such as
#: '<script>' in a name: tests/hostile).
HOSTILE = "O'Brien & Co (tenants, 80/20)"
VOID = {"meta", "img", "br", "hr", "link", "input", "col", "source", "wbr"}


class Page(HTMLParser):
    """Parses a page strictly enough for the tests: every end tag closes the innermost open
    element; collects attributes that load something, tables and the visible text."""

    def __init__(self, document: str):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors = [], []
        self.loads, self.imgs, self.tags = [], [], []
        self.tables, self.headers, self.text = [], [], []
        self._cell = None
        self._in_style = False
        self.feed(document)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        for name in ("src", "href", "data", "action", "srcset", "poster"):
            if name in attrs:
                self.loads.append(attrs[name])
        if tag == "img":
            self.imgs.append(attrs.get("src", ""))
        if tag == "style":
            self._in_style = True
        if tag == "table":
            self.tables.append([])
        if tag == "tr":
            self.tables[-1].append([])
        if tag in ("td", "th"):
            self._cell = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "style":
            self._in_style = False
        if tag in ("td", "th"):
            text = " ".join("".join(self._cell).split())
            self.tables[-1][-1].append(text)
            if tag == "th":
                self.headers.append(text)
            self._cell = None

    def handle_data(self, data):
        if self._in_style:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture(scope="module")
def scenario():
    base = load_example("default")
    return apply_overrides(
        base,
        {
            "name": HOSTILE,
            "days": 14,
            "targets[0].reporting_period": "week",
            "targets[0].excluded_periods": [
                {"label": "<b>migration</b>", "start_date": "2027-01-11", "end_date": "2027-01-17"}
            ],
        },
    )


@pytest.fixture(scope="module")
def planned(scenario):
    return plan(scenario)


@pytest.fixture(scope="module")
def full(planned):
    """Every section, a few replications (the report's layout, not the statistics, is tested)."""
    return verdict(planned, replications=3, seed=5)


@pytest.fixture(scope="module")
def short_of_staff(planned):
    """The closed-form verdict at 55 FTE, well below the plan's need."""
    return verdict(planned, fte=55.0, sections=())


@pytest.fixture(scope="module")
def written(full, tmp_path_factory):
    """``write_report`` of the full verdict: the paths it returned and its directory."""
    out = tmp_path_factory.mktemp("report")
    return write_report(full, out), out


@pytest.fixture(scope="module")
def document(written):
    """The page ``write_report`` wrote (the tests read it as a person would get it)."""
    return (written[1] / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compared(full):
    """The page of the verdict's document with the comparison keys added by hand."""
    return Page(render_html(full, with_comparison(full)))


def with_comparison(result):
    """The verdict's document plus the comparison and period-optimal keys, built by hand."""
    data = result.to_dict()
    data["compare"] = [
        {
            "standard": "80/20",
            "staffing": "per_interval",
            "fte": 66.69,
            "cost_per_year": 4_492_863.2,
            "cost_difference_per_year": 0.0,
            "p_breach_worst": 0.0333,
            "expected_breaches_per_year": 1.2345,
            "expected_penalty_per_year": 6_170.55,
            "expected_bonus_per_year": 0.0,
            "binding": "voice: max_abandon",
            "current": True,
        },
        {
            "standard": "90/15",
            "staffing": "per_interval",
            "fte": 70.79,
            "cost_per_year": 4_768_900.4,
            "cost_difference_per_year": 276_037.2,
            "p_breach_worst": 0.0,
            "expected_breaches_per_year": 0.0,
            "expected_penalty_per_year": 0.0,
            "expected_bonus_per_year": 1_234.5,
            "binding": "voice: service_level",
            "current": False,
        },
        {
            "standard": "80/20",
            "staffing": "period_optimal",
            "fte": 64.05,
            "cost_per_year": 4_315_000.0,
            "cost_difference_per_year": -177_863.2,
            "p_breach_worst": 0.1,
            "expected_breaches_per_year": float("nan"),
            "expected_penalty_per_year": 12_000.0,
            "expected_bonus_per_year": 0.0,
            "binding": "",
            "current": False,
        },
    ]
    data["period_optimal"] = {
        "voice": {
            "fte": 64.05,
            "cost_per_year": 4_315_000.0,
            "saving_per_year": 177_863.2,
            "fte_per_interval_staffing": 66.69,
            "cost_per_year_per_interval_staffing": 4_492_863.2,
            "method": "greedy marginal allocation per reporting period",
        }
    }
    data["fte_allocation"] = {"voice": {"fte": 60.01, "share": 0.9}}
    return data


def cost_per_fte_year(scenario) -> float:
    """Hourly cost x contract hours a year: what one FTE costs (independent of the report)."""
    wf = scenario.workforce
    return wf.hourly_cost * wf.hours_per_fte_per_week * DAYS_PER_YEAR / 7


def test_formats_are_for_people():
    assert h.money_short(4_492_863.2, "EUR") == "4.49 M EUR"
    assert h.money_short(276_037.2, "EUR", signed=True) == "+276 k EUR"
    assert h.money_short(27_640, "EUR") == "27.6 k EUR"
    assert h.money_short(999_999, "EUR") == "1.00 M EUR"  # rounds up into the next unit
    assert h.money_short(9_999, "EUR") == "10.0 k EUR"
    assert h.money_short(-512.4, "EUR") == "-512 EUR"
    assert h.money(1_234_567.8, "EUR") == "1,234,568 EUR"
    assert h.money(-276_037, "EUR", signed=True) == "-276,037 EUR"
    assert h.fte(66.6907) == "66.7"
    assert h.percent(0.87149) == "87.1%"
    assert h.seconds(86_400) == "24 h" and h.seconds(20) == "20 s"
    for nothing in (None, float("nan"), np.float64("nan")):
        assert h.money(nothing, "EUR") == h.percent(nothing) == h.fte(nothing) == h.MISSING
    assert h.humanize("extra_agent_hours") == "Extra agent hours"
    assert h.humanize("wait_s") == "Wait [s]" and h.humanize("p_breach") == "P(breach)"
    assert h.humanize("sl_simulated_erlang_staffing") == "SL simulated Erlang staffing"


def test_the_page_is_well_formed_and_self_contained(document):
    page = Page(document)
    assert not page.errors and not page.stack, (page.errors, page.stack)
    assert page.tags[:2] == ["html", "head"]
    # Nothing is loaded from elsewhere: every resource is a data: URI.
    assert page.loads and all(src.startswith("data:image/png;base64,") for src in page.loads)
    assert "url(" not in document and "@import" not in document


def test_every_figure_is_embedded(full, document):
    page = Page(document)
    expected = len(full.cost_curves) + len(full.breach_risks) + len(full.peak_days)
    assert expected == 5  # voice: cost, breach, busiest day; email: cost, breach
    assert len(page.imgs) == expected
    for src in page.imgs:
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_headline_states_the_verdict_at_the_fte_on_offer(scenario, full, short_of_staff):
    for result in (full, short_of_staff):
        data = result.to_dict()
        sl = next(c for c in result.feasibility.checks if c.clause == "service_level")
        measured = np.asarray(sl.counted)  # the excluded week is not measured
        assert list(measured) == [True, False]
        realistic = all(bool(np.all(c.met[measured])) for c in result.feasibility.checks)
        text = headline(data)
        fte = f"{result.feasibility.fte_offered:.1f} FTE"
        assert text.startswith("Service level 80% (answered within 20 s / offered) per week ")
        if result.cost_curves:  # the cost of the FTE on offer, read aloud
            millions = result.feasibility.fte_offered * cost_per_fte_year(scenario) / 1e6
            assert f"at {fte}, {millions:.2f} M EUR/yr" in text
        else:
            assert f"at {fte}" in text and "EUR" not in text
        if realistic:
            assert f" is realistic at {fte}" in text
        else:
            missed = [c for c in result.feasibility.checks if np.any(~c.met & measured)]
            assert missed and f" is not realistic at {fte}" in text
            binding = result.feasibility.binding["voice"]
            for c in missed:
                n_missed = int(np.sum(~c.met & measured))
                mark = " (the binding clause)" if c.clause == binding else ""
                what = "the service level" if c.clause == "service_level" else c.description
                assert f"{what}{mark} in {n_missed} of {int(measured.sum())} week" in text
            assert f"the plan needs {result.feasibility.fte_required:.1f} FTE" in text
    # The simulated risk beside the closed-form verdict: the worst clause and measured period.
    risks = [r for by_clause in full.clause_risks.values() for r in by_clause.values()]
    worst = max(risks, key=lambda r: r.worst_p_breach)
    text = headline(full.to_dict())
    if worst.worst_p_breach > 0:
        p = f"{100 * worst.worst_p_breach:.1f}%"
        period = worst.reporting_period
        assert f"; simulated, P(breach) reaches {p} in a {period} ({worst.description})" in text
    else:
        assert "P(breach) reaches" not in text
    # Staffing to the reporting period is offered with its own risk, from the comparison.
    edge = next(r for r in full.compare if r.current and r.staffing == "period_optimal")
    saving = full.period_optimal["voice"].saving_per_year
    if round(saving) > 0:  # (3 replications: the simulation's margins may eat the saving)
        assert f"every interval saves {float(f'{saving / 1e3:.3g}'):g} k EUR/yr" in text
        assert f"at a simulated P(breach) of up to {100 * edge.p_breach_worst:.1f}% per" in text
    else:
        assert "every interval saves" not in text
    data = full.to_dict()  # a riskier abandonment clause, and a larger value not measured
    abandon = data["breach_risk"]["voice"]["clauses"][1]
    abandon["periods"][0]["p_breach"] = 0.4
    abandon["periods"][1] |= {"p_breach": 0.9, "measured": False}
    expected = f"reaches 40.0% in a week ({abandon['standard']}); 85/30"
    assert abandon["standard"].startswith("abandonment") and expected in headline(data)
    assert " is realistic" in headline(full.to_dict())  # the plan's own staffing
    assert " is not realistic" in headline(short_of_staff.to_dict())


def test_the_headline_names_what_the_compared_standards_cost(full):
    rows = [r for r in full.compare if r.staffing == "per_interval" and not r.current]
    assert [r.standard for r in rows] == ["85/30", "90/15"]  # the scenario's compare_standards
    text = headline(full.to_dict())
    for r in rows:
        diff = r.cost_difference_per_year
        if abs(diff) < 0.5:
            assert f"; {r.standard} costs the same" in text
        else:
            assert 1e5 <= diff < 1e6  # three significant digits are the thousands
            assert f"; {r.standard} costs +{diff / 1e3:.0f} k EUR/yr" in text


def test_the_headline_and_tables_show_the_comparison(full, compared):
    data = with_comparison(full)
    text = headline(data)
    assert "; 90/15 costs +276 k EUR/yr" in text
    assert "80/20" not in text  # the current standard is the subject, period-optimal not a row
    assert text.endswith(
        "staffing to the reporting period rather than every interval saves 178 k EUR/yr."
    )
    page = compared
    compare = next(t for t in page.tables if t[0][0] == "Standard")
    assert compare[0][4:6] == ["Cost per year [EUR]", "Difference per year [EUR]"]
    assert compare[1][:3] == ["80/20 (current)", "every interval", "voice: abandonment"]
    assert compare[1][5] == "0"  # the current standard: no difference, and no sign
    assert compare[2] == [
        "90/15",
        "every interval",
        "voice: service level",
        "70.8",
        "4,768,900",
        "+276,037",
        "0.0%",
        "0.0",
        "0",
        "1,234",
    ]
    assert compare[3][:3] == ["80/20", "the reporting period", h.MISSING]
    assert compare[3][5] == "-177,863" and compare[3][7] == h.MISSING
    optimal = next(t for t in page.tables if t[0][-1] == "Saving per year [EUR]")
    assert optimal[1] == ["voice", "66.7", "64.0", "4,492,863", "4,315,000", "177,863"]
    assert "Method: greedy marginal allocation per reporting period." in page.visible
    allocation = next(t for t in page.tables if t[0][:3] == ["Channel", "FTE", "Share"])
    assert allocation[1][:3] == ["voice", "60.0", "90.0%"]


def test_numbers_and_headers_are_for_people(compared):
    page = compared
    assert not re.findall(r"\d\.\d{4,}", page.visible), "a raw float is shown"
    assert "nan" not in page.visible.lower().split()
    assert not [t for t in page.headers if "_" in t], "a snake_case header is shown"


def test_excluded_periods_show_as_not_measured(full, short_of_staff, document):
    voice = next(c for c in full.feasibility.checks if c.clause == "service_level")
    assert list(voice.periods) == ["2027-W01", "2027-W02"]
    assert np.isnan(voice.measured[1])  # the excluded week: nothing measured
    page = Page(document)
    clauses = next(t for t in page.tables if t[0][:2] == ["Period", "service level"])
    assert clauses[1][0] == "2027-W01" and clauses[1][1].endswith("met")
    assert clauses[2] == ["2027-W02", report.NOT_MEASURED, report.NOT_MEASURED]
    breach = next(t for t in page.tables if t[0][:2] == ["Week", "P(breach)"])
    assert breach[2][:2] == ["2027-W02", report.NOT_MEASURED]
    # A period the document flags `measured: false` is not measured whatever its value says
    # (drawn from the closed-form verdict: the same tables, no figures to draw).
    data = short_of_staff.to_dict()
    data["targets"][0]["periods"][0] |= {"measured": False, "met": False}
    page = Page(render_html(short_of_staff, data))
    clauses = next(t for t in page.tables if t[0][:2] == ["Period", "service level"])
    assert clauses[1][:2] == ["2027-W01", report.NOT_MEASURED]
    assert "missed in" not in page.tables[0][1][2]  # the targets table: not counted as missed
    assert page.tables[0][1][2] == report.NOT_MEASURED  # W02 is excluded: nothing measured
    assert "misses the service level" not in headline(data)
    assert "misses the service level" in headline(short_of_staff.to_dict())


def test_user_text_is_escaped(document):
    assert "O'Brien & Co" not in document and "<b>migration" not in document
    assert h.esc(HOSTILE) in document
    page = Page(document)
    assert "script" not in page.tags
    assert f"SLA verdict: {HOSTILE}" in page.visible  # shown as text, as typed


def test_write_report_writes_the_page_and_its_pdf(written, document):
    paths, out = written
    assert paths[0] == out / "report.html"
    assert document.startswith("<!DOCTYPE html>") and document.endswith("</html>\n")
    reason = report.pdf_unavailable_reason()
    if reason is None:
        pdf = (out / "report.pdf").read_bytes()
        assert paths == [out / "report.html", out / "report.pdf"]
        assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
        assert pdf.rstrip().endswith(b"%%EOF")  # written whole
    else:
        assert paths == [out / "report.html"] and reason.startswith("no PDF: ")
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no .tmp


def test_without_weasyprint_only_the_page_is_written(full, document, tmp_path, monkeypatch):
    monkeypatch.setattr(report, "pdf_unavailable_reason", lambda: "no PDF: test")
    monkeypatch.setattr(report, "render_html", lambda result, data=None, **_: document)
    assert write_report(full, tmp_path) == [tmp_path / "report.html"]
    assert not (tmp_path / "report.pdf").exists()


def test_a_partial_verdict_still_makes_a_report(short_of_staff, tmp_path):
    """The interrupted run's report: only the closed-form targets, no figures."""
    from dataclasses import replace

    partial = replace(short_of_staff, warnings=("interrupted: <sections> not computed",))
    written = write_report(partial, tmp_path)
    page = Page(written[0].read_text(encoding="utf-8"))
    assert not page.errors and not page.imgs
    assert "interrupted: <sections> not computed" in page.visible
    assert "No simulation in this report" in page.visible
    assert math.isclose(partial.feasibility.fte_offered, 55.0)


def test_the_breach_figure_draws_no_risk_for_an_excluded_period(full):
    risk = full.breach_risks["voice"]
    assert list(risk.counted) == [True, False]  # W02: excluded
    ax = report.breach_figure(risk).axes[0]
    heights = [bar.get_height() for bar in ax.patches]
    assert heights[0] == risk.p_breach[0] and np.isnan(heights[1])
    assert [t.get_text() for t in ax.texts] == ["not measured"]


def test_the_busiest_day_shows_its_intervals_when_the_document_has_them(full, short_of_staff):
    data = short_of_staff.to_dict()  # no figures to draw
    data["peak_day"] = full.to_dict()["peak_day"]
    data["peak_day"]["voice"]["intervals"] = [
        {"start": "08:15", "agents_erlang": 31, "sl_simulated": 0.78912, "mean_wait_s": 17.26},
        {"start": "08:30", "agents_erlang": 33, "sl_simulated": float("nan"), "mean_wait_s": 9.0},
    ]
    page = Page(render_html(short_of_staff, data))
    rows = next(t for t in page.tables if t[0][0] == "Start")
    assert rows == [
        ["Start", "Agents Erlang", "SL simulated", "Mean wait [s]"],
        ["08:15", "31", "78.9%", "17.3 s"],
        ["08:30", "33", h.MISSING, "9 s"],
    ]


def test_a_missed_period_says_by_how_much(short_of_staff):
    page = Page(render_html(short_of_staff))
    table = next(t for t in page.tables if t[0][:2] == ["Period", "service level"])
    for c in short_of_staff.feasibility.checks:
        column = table[0].index(report.CLAUSE_NAMES[c.clause])
        assert not c.met[0]  # 55 FTE miss every clause in the first week
        expected = f"{100 * c.measured[0]:.1f}% missed by {100 * c.gap[0]:.1f} pts"
        assert table[1][column] == expected
