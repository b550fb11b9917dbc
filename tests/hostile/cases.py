"""The hostile-input corpus: each case is an input (a file in ``files/`` and a ``ccplan``
command line, or a Python API call) and what it must get.

``refused`` cases expect exit status 2 (CLI) or a ``ValueError`` (API) whose one-line message
contains every string of ``says`` (the field, the line, the rule). ``answered`` cases are run by
``test_corpus.py`` beside an independently computed value. ``{files}`` in an argv is this
folder's ``files`` directory; ``{tmp}`` a fresh temporary folder for files made at run time
(too large to commit, or special: FIFOs).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refused:
    """``argv`` (``ccplan`` arguments) must exit 2 with one stderr line containing ``says``."""

    name: str
    argv: tuple[str, ...]
    says: tuple[str, ...]


def _r(name, argv, *says):
    return Refused(name, tuple(argv.split()), says)


F = "{files}"

#: Scenario files: ``ccplan plan`` (which validates, expands the demand and plans).
SCENARIO_CASES = [
    _r("start date 9999-12-31", f"plan {F}/start_date_9999.yaml", "start_date", "2200-12-31"),
    _r("start date before 1900", f"plan {F}/start_date_1899.yaml", "start_date", "1900-01-01"),
    _r("days: true", f"plan {F}/days_true.yaml", "days", "not true/false"),
    _r("a day factor true", f"plan {F}/factor_true.yaml", "day_of_week_factors", "true/false"),
    _r("hourly cost 1e308", f"plan {F}/hourly_cost_1e308.yaml", "workforce.hourly_cost"),
    _r("price 1e308", f"plan {F}/pricing_1e308.yaml", "pricing.per_contact"),
    _r("penalty 1e308", f"plan {F}/penalty_1e308.yaml", "penalty.per_breached_period"),
    _r("name in Markdown", f"plan {F}/name_markdown.yaml", "name:", "letters, digits"),
    _r("name in HTML", f"plan {F}/name_script.yaml", "name:", "letters, digits"),
    _r("name a formula", f"plan {F}/name_formula.yaml", "name:", "letters, digits"),
    _r("currency a formula", f"plan {F}/currency_formula.yaml", "workforce.currency"),
    _r("empirical value 1e12 s", f"plan {F}/empirical_1e12.yaml", "values_s", "86,400"),
    _r("patience 1e16 s", f"plan {F}/patience_1e16.yaml", "patience.mean_s"),
    _r("date 2027-02-30", f"plan {F}/date_invalid.yaml", "not valid YAML", "out of range"),
    _r("a Python object tag", f"validate {F}/yaml_tag.yaml", "not valid YAML", "line 2"),
    _r("an alias bomb", f"validate {F}/alias_bomb.yaml", "unknown field"),
    _r("/dev/zero as the scenario", "validate /dev/zero", "/dev/zero", "not a regular file"),
    _r("volume file a device", f"plan {F}/csv_device.yaml", "/dev/zero", "not a regular file"),
    _r("volume file outside", f"plan {F}/csv_outside.yaml", "leaves the scenario's folder"),
    _r(
        "volume row twice",
        f"plan {F}/csv_duplicate.yaml",
        "volumes_duplicate.csv line 4",
        "already given on line 2",
    ),
    _r(
        "volumes outside the horizon",
        f"plan {F}/csv_outside_horizon.yaml",
        "volumes_outside_horizon.csv",
        "none of its 2 rows",
    ),
    _r("volume time with offset", f"plan {F}/csv_offset.yaml", "line 2", "time-zone offset"),
    _r("volume unbalanced quote", f"plan {F}/csv_quote.yaml", "line 3", "unbalanced quote"),
    _r("scenario too large", "validate {tmp}/large.yaml", "large.yaml", "larger than"),
    _r("nested 100,000 deep", "validate {tmp}/deep.yaml", "nested too deeply"),
    _r("scenario a FIFO", "validate {tmp}/fifo.yaml", "not a regular file"),
]

#: Call-level history files and mappings: ``ccplan history``.
HISTORY_CASES = [
    _r(
        "handle time 1e12 s",
        f"history {F}/history_handle_1e12.csv --replications 0",
        "line 20",
        "'ser_time'",
        "longer than a day",
    ),
    _r(
        "history over 200 years",
        f"history {F}/history_span.csv --replications 0",
        "72,685 days",
        "--from/--to",
    ),
    _r(
        "history unbalanced quote",
        f"history {F}/history_quote.csv --replications 0",
        "history_quote.csv line 4",
        "unbalanced quote",
    ),
    _r(
        "year 1 at +14:00",
        f"history {F}/history_year1.csv --mapping {F}/mapping_iso.yaml --replications 0",
        "line 2",
        "'arrival'",
    ),
    _r(
        "two-character delimiter",
        f"history {F}/history_plain.csv --mapping {F}/mapping_delimiter.yaml",
        "delimiter",
        "one character",
    ),
    _r("history a device", "history /dev/zero", "/dev/zero", "not a regular file"),
    _r("history a FIFO", "history {tmp}/fifo.csv", "not a regular file"),
    _r("history too large", "history {tmp}/large.csv", "larger than 200 MB"),
    _r("--from not a date", "history bank-day --from 2027-02-30", "--from", "not a date"),
    _r("--to in year 9999", "history bank-day --to 9999-01-01", "--to", "1900 .. 2200"),
]

#: Command-line numbers.
ARGUMENT_CASES = [
    *(
        _r(f"--fte {v}", f"check {F}/base.yaml --fte={v} --replications 2", "`fte`", "1,000,000")
        for v in ("nan", "inf", "-inf", "1e300", "-1")
    ),
    *(
        _r(f"--budget {v}", f"check {F}/base.yaml --budget={v} --replications 2", "`budget`")
        for v in ("nan", "inf", "1e300")
    ),
    _r(
        "erlang --patience-s 1e16",
        "erlang --calls-per-hour 3000 --aht-s 300 --patience-s 1e16 --service-level 0.8 "
        "--threshold-s 20",
        "`patience_s`",
        "Erlang C",
    ),
    _r(
        "sweep a currency formula",
        f"sweep {F}/base.yaml --vary workforce.currency==2+5",
        "workforce.currency",
    ),
]

CLI_CASES = SCENARIO_CASES + HISTORY_CASES + ARGUMENT_CASES
