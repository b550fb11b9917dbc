"""Import call-level history (one row per call) from a CSV export of a phone system.

A column mapping (``HistoryMapping``, from YAML/JSON or the built-in ``ANONYMOUS_BANK``) names
the file's columns for our fields, how times are written and which outcome codes mean what; a
mapping file gives only what differs from the bundled mapping it ``extends``
(``mapping_from_data``; ``BUNDLED_MAPPINGS``: ``bank-day``, ``technion``, ``generic-acd``).
Several files are read as one history; days without records between them are reported as gaps
(``ImportReport.warnings``). Spreadsheets are refused with a request to export CSV.
Every row ends up either *kept* (an offered call: queued and answered, queued and abandoned, or
put straight through to an agent) or *dropped* with exactly one reason, so that
``rows_in == kept + sum(dropped.values())`` always holds (``ImportReport``). A file that cannot
be read as mapped (a mapped column missing from the header, a time that does not parse, an
outcome code the mapping does not list) raises ``HistoryError`` naming the column and showing
the offending row: nothing is silently dropped.

Which calls count as offered (stated in ``ImportReport.definitions``):

* queued calls (a queue-entry time, or without that column: abandoned, or answered after a
  wait > 0) are offered at their queue entry; their wait is the queue time;
* answered calls that never queued were routed straight to a free agent: offered, answered with
  zero wait (as most WFM tools count them), at the start of service;
* abandoned calls that never queued ended in the IVR/VRU: they never reached the agents and are
  dropped as ``never_queued``;
* outcomes listed as ``other`` (e.g. the bank's ``PHANTOM`` "virtual calls") are dropped.

Drop reasons are checked in this order, and a row counts under the first that applies:
``other_outcome``, ``missing:<column>`` (an empty cell, or a not-applicable time where the call
needs one), ``never_queued``, ``negative:<duration>``, ``outside_dates`` (before ``date_from`` or
after ``date_to``). A wait or handle time longer than a day (86,400 s) is an error naming the
row, not a drop. Instants are seconds since local midnight
of the first day in the file (``CallRecords.origin``), in the mapping's ``timezone``.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from pydantic import Field, StringConstraints, ValidationError, field_validator

from .._base import StrictModel
from ..distributions import MAX_DURATION_S
from ..files import MAX_DATA_FILE_BYTES, DataFileError, csv_rows, read_limited
from ..io import ScenarioError, describe_validation_error, read_mapping
from ..scenario import FIRST_YEAR, LAST_YEAR

#: Outcome codes of ``CallRecords.outcome``.
ANSWERED, ABANDONED = 0, 1
#: Clock times earlier than the arrival by more than this have wrapped past midnight [s].
_WRAP_S = 12 * 3600.0
_TIME_FIELDS = ("arrival", "ivr_exit", "queue_entry", "queue_exit", "service_start", "service_end")
_DURATION_FIELDS = ("wait_s", "handle_s")
#: Longest span of history read at once [days]: ten years of calls. Longer spans are refused
#: (the per-interval statistics of 200 years took 1.3 GiB); ``date_from``/``date_to`` (the
#: CLI's ``--from``/``--to``) select a part.
MAX_HISTORY_DAYS = 3653


class HistoryError(ScenarioError):
    """A history file cannot be read as mapped; the message names the column and a row."""


class ColumnMap(StrictModel):
    """Our field -> the file's column name. Only ``arrival`` and ``outcome`` are required."""

    arrival: str
    """When the call reached the center (e.g. entered the IVR)."""
    outcome: str
    """Answered / abandoned / other code."""
    date: str | None = None
    """The date, when the time columns hold clock times only."""
    ivr_exit: str | None = None
    """When the call left the IVR (used only to check for negative IVR times)."""
    queue_entry: str | None = None
    """When the call joined the queue (a not-applicable time: never queued)."""
    queue_exit: str | None = None
    """When it left the queue (used when ``wait_s`` is not mapped)."""
    wait_s: str | None = None
    """Time in queue [s]."""
    service_start: str | None = None
    """When an agent picked the call up."""
    service_end: str | None = None
    """When service ended (used when ``handle_s`` is not mapped)."""
    handle_s: str | None = None
    """Recorded service (handle) time [s]."""
    agent: str | None = None
    """Agent id or name."""
    type: str | None = None
    """Call type, skill or queue (per-queue statistics)."""
    priority: str | None = None
    """Priority class of the caller (its share per queue is reported)."""


class OutcomeCodes(StrictModel):
    """The file's outcome codes; a code in none of the lists is an error, not a drop."""

    answered: tuple[str, ...] = Field(min_length=1)
    abandoned: tuple[str, ...] = Field(min_length=1)
    other: tuple[str, ...] = ()
    """Codes to drop (counted as ``other_outcome``)."""


class HistoryMapping(StrictModel):
    """How to read one export format (a YAML/JSON file given to ``ccplan history --mapping``)."""

    columns: ColumnMap
    outcomes: OutcomeCodes
    date_format: str = "%Y-%m-%d"
    """``strptime`` format of the date column."""
    time_format: str = "%H:%M:%S"
    """``strptime`` format of the time columns when a date column is mapped."""
    datetime_format: str = "iso"
    """Without a date column: ``iso`` (ISO 8601, an offset or ``Z`` allowed) or a
    ``strptime`` format of the full date and time."""
    timezone: str = "UTC"
    """The center's time zone (IANA name): intervals are its local clock time. Timestamps with
    an offset are converted to it."""
    source_timezone: str | None = None
    """Zone of timestamps without an offset, when not ``timezone`` (e.g. ``UTC`` exports)."""
    not_applicable: tuple[str, ...] = ()
    """Time values meaning "did not happen" (the bank writes ``0:00:00``)."""
    no_agent: tuple[str, ...] = ()
    """Agent values meaning "no agent" (the bank writes ``NO_SERVER``)."""
    delimiter: Annotated[str, StringConstraints(strip_whitespace=False)] | None = None
    """Field separator (one character; a tab is kept, not stripped); None: detected from the
    header (comma, semicolon, tab or bar)."""

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value):
        if value is not None and (len(value) != 1 or value in '\r\n"' or value.isalnum()):
            raise ValueError(
                f"must be one character that is not a letter, digit, quote or line end, "
                f"got {value!r}"
            )
        return value

    @field_validator("timezone", "source_timezone")
    @classmethod
    def _zone(cls, value):
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value


#: The Technion "Anonymous Bank" export (the bundled sample ``bank-day``, ``samples.py``).
ANONYMOUS_BANK = HistoryMapping(
    columns=ColumnMap(
        arrival="vru_entry",
        outcome="outcome",
        date="date",
        ivr_exit="vru_exit",
        queue_entry="q_start",
        queue_exit="q_exit",
        wait_s="q_time",
        service_start="ser_start",
        service_end="ser_exit",
        handle_s="ser_time",
        agent="server",
        type="type",
        priority="priority",
    ),
    outcomes=OutcomeCodes(answered=("AGENT",), abandoned=("HANG",), other=("PHANTOM",)),
    timezone="Asia/Jerusalem",
    not_applicable=("0:00:00",),
    no_agent=("NO_SERVER",),
)


#: Example mappings that ship with the package (``--mapping NAME``): name -> file in
#: ``scenarios/history/mappings`` (``bank-day`` is ``ANONYMOUS_BANK``, the default).
BUNDLED_MAPPINGS = {
    "bank-day": None,
    "technion": "technion.yaml",
    "generic-acd": "generic-acd.yaml",
}
#: What a mapping extends when it does not say (``extends: none`` for a standalone one).
DEFAULT_MAPPING = "bank-day"
#: The entries a complete ``columns`` / ``outcomes`` block has; a block without them is a
#: partial one, merged into the base mapping's.
_COMPLETE = {"columns": ("arrival", "outcome"), "outcomes": ("answered", "abandoned")}


def bundled_mapping(name: str) -> HistoryMapping:
    """The bundled example mapping ``name`` (one of ``BUNDLED_MAPPINGS``)."""
    if name not in BUNDLED_MAPPINGS:
        raise HistoryError(
            f"unknown mapping {name!r}; bundled mappings: {', '.join(BUNDLED_MAPPINGS)}"
        )
    file = BUNDLED_MAPPINGS[name]
    if file is None:
        return ANONYMOUS_BANK
    path = Path(str(resources.files("scenarios.history") / "mappings" / file))
    return mapping_from_data(read_mapping(path), f"mapping {name!r}")


def mapping_from_data(data, source: str) -> HistoryMapping:
    """A mapping from its raw data: what it gives overrides the mapping it ``extends``.

    ``extends`` names a bundled mapping (default ``bank-day``; ``none`` for a standalone
    mapping). Top-level fields replace the base's. A ``columns`` block with both ``arrival``
    and ``outcome`` (an ``outcomes`` block with ``answered`` and ``abandoned``) is complete and
    replaces the base's; a block without them changes only the entries it names, and an entry
    set to null removes it. So ``date_format: '%y%m%d'`` alone is the bundled format with
    short dates.
    """
    if not isinstance(data, dict):
        raise HistoryError(f"{source}: expected a mapping with `columns` and `outcomes`")
    data = dict(data)
    base_name = data.pop("extends", DEFAULT_MAPPING)
    if base_name in (None, "none"):
        merged: dict = {}
    elif isinstance(base_name, str) and base_name in BUNDLED_MAPPINGS:
        merged = bundled_mapping(base_name).model_dump()
    else:
        raise HistoryError(
            f"{source}: extends: {base_name!r} is not a bundled mapping; one of "
            f"{', '.join(BUNDLED_MAPPINGS)}, or none"
        )
    for key, value in data.items():
        complete = _COMPLETE.get(key)
        if complete and isinstance(value, dict) and not all(k in value for k in complete):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    try:
        return HistoryMapping.model_validate(merged)
    except ValidationError as err:
        raise HistoryError(f"{source}: " + "; ".join(describe_validation_error(err))) from None


def load_mapping(path_or_name) -> HistoryMapping:
    """A mapping from a YAML or JSON file, or a bundled one by name when no such file exists
    (``BUNDLED_MAPPINGS``); errors name the field (``HistoryError``)."""
    path = Path(path_or_name)
    if not path.exists() and str(path_or_name) in BUNDLED_MAPPINGS:
        return bundled_mapping(str(path_or_name))
    if not path.exists():
        raise HistoryError(
            f"{path}: no such mapping file; bundled mappings: {', '.join(BUNDLED_MAPPINGS)}"
        )
    return mapping_from_data(read_mapping(path), str(path))


@dataclass(frozen=True)
class ImportReport:
    """What happened to every row.

    ``rows_in`` data rows read; ``kept`` offered calls, split in ``kept_by_kind``
    (``queued_answered``, ``queued_abandoned``, ``direct_answered``); ``dropped`` counts per
    reason and ``first_dropped_line`` the file line of the first row dropped for it;
    ``definitions`` states what counts as offered. ``rows_in == kept + sum(dropped)``.
    """

    source: str
    rows_in: int
    kept: int
    kept_by_kind: dict[str, int]
    dropped: dict[str, int]
    first_dropped_line: dict[str, int]
    definitions: tuple[str, ...]
    first_dropped_file: dict[str, str] = field(default_factory=dict)
    """The file of ``first_dropped_line`` (the first file that dropped a row for the reason)."""
    files: tuple[dict, ...] = ()
    """Per file read: ``source``, ``rows_in``, ``kept``."""
    warnings: tuple[str, ...] = ()
    """What a planner must know about the history (gaps between days with records)."""

    @property
    def reconciles(self) -> bool:
        return self.rows_in == self.kept + sum(self.dropped.values())

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "rows_in": self.rows_in,
            "kept": self.kept,
            "kept_by_kind": dict(self.kept_by_kind),
            "dropped": dict(self.dropped),
            "first_dropped_line": dict(self.first_dropped_line),
            "first_dropped_file": dict(self.first_dropped_file),
            "files": [dict(f) for f in self.files],
            "reconciles": self.reconciles,
            "definitions": list(self.definitions),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class CallRecords:
    """The kept (offered) calls, one element per call, in file order.

    Instants ``*_at_s`` are seconds since ``origin`` (local midnight of the first day, in
    ``timezone``); durations ``*_s`` are seconds. ``outcome`` is ``ANSWERED`` (0) or
    ``ABANDONED`` (1); ``queued`` is False for calls put straight through (wait 0).
    ``handle_s``, ``service_start_at_s`` and ``service_end_at_s`` are NaN for abandoned calls
    (and ``service_*`` also where the file has no service times). ``agent`` is ``""`` where
    no agent is named; ``call_type`` and ``priority`` ``""`` where the file has no such column.
    """

    origin: dt.date
    timezone: str
    offered_at_s: np.ndarray
    wait_s: np.ndarray
    outcome: np.ndarray
    queued: np.ndarray
    handle_s: np.ndarray
    service_start_at_s: np.ndarray
    service_end_at_s: np.ndarray
    agent: np.ndarray
    call_type: np.ndarray
    report: ImportReport = field(repr=False)
    priority: np.ndarray | None = None
    """The caller's priority class as written (``""`` where not mapped); None: all ``""``."""

    def __post_init__(self):
        if self.priority is None:
            object.__setattr__(self, "priority", np.full(self.offered_at_s.size, "", dtype=str))

    @property
    def size(self) -> int:
        return int(self.offered_at_s.size)

    @property
    def n_days(self) -> int:
        """Days covered, from ``origin`` to the last offered call."""
        return int(self.offered_at_s.max() // 86_400) + 1 if self.size else 1

    def subset(self, mask) -> CallRecords:
        """The calls where ``mask`` is True (the report still describes the whole file)."""
        arrays = {
            k: getattr(self, k)[mask]
            for k in (
                "offered_at_s",
                "wait_s",
                "outcome",
                "queued",
                "handle_s",
                "service_start_at_s",
                "service_end_at_s",
                "agent",
                "call_type",
                "priority",
            )
        }
        return CallRecords(self.origin, self.timezone, report=self.report, **arrays)


class _Reader:
    """Parses the cells of one row according to the mapping; raises ``HistoryError``."""

    def __init__(self, mapping: HistoryMapping, source: str, header: list[str]):
        self.m = mapping
        self.source = source
        self.zone = ZoneInfo(mapping.timezone)
        self.source_zone = ZoneInfo(mapping.source_timezone) if mapping.source_timezone else None
        cols = mapping.columns.model_dump()
        missing = [(f, c) for f, c in cols.items() if c is not None and c not in header]
        if missing:
            names = ", ".join(f"{c!r} (for {f})" for f, c in missing)
            raise HistoryError(
                f"{source}: column {names} not in the file's header; "
                f"the header is: {','.join(header)} (map each field to one of these, or to "
                "null to leave it out: a mapping inherits the columns of the one it extends)"
            )
        self.index = {f: header.index(c) for f, c in cols.items() if c is not None}
        self.column = {f: c for f, c in cols.items() if c is not None}
        self.codes = {}
        for kind in ("answered", "abandoned", "other"):
            for code in getattr(mapping.outcomes, kind):
                self.codes[code] = kind
        self._dates: dict[str, dt.date] = {}

    def fail(self, fld: str, value: str, line: int, raw: list[str], why: str):
        delim = self.m.delimiter or ","
        raise HistoryError(
            f"{self.source} line {line}, column {self.column[fld]!r}: {value!r} {why}; "
            f"row: {delim.join(raw)}"
        )

    def cell(self, fld: str, row: list[str]) -> str | None:
        """Stripped cell text, None where the field is not mapped."""
        i = self.index.get(fld)
        if i is None:
            return None
        return row[i].strip() if i < len(row) else ""

    def _date(self, text, line, raw) -> dt.date:
        d = self._dates.get(text)
        if d is None:
            try:
                d = dt.datetime.strptime(text, self.m.date_format).date()
            except ValueError:
                self.fail("date", text, line, raw, f"is not a date in format {self.m.date_format}")
            self._dates[text] = d
        return d

    def instant(self, fld, text, day_text, line, raw) -> dt.datetime:
        """Naive local date-time of a time cell (the date column supplies the day)."""
        # The date is parsed on its own, outside the time's try: its error (a HistoryError,
        # itself a ValueError) must name the date column, not the time column being read.
        day = self._date(day_text, line, raw) if day_text is not None else None
        try:
            if day is not None:
                clock = dt.datetime.strptime(text, self.m.time_format).time()
                stamp = dt.datetime.combine(day, clock)
            elif self.m.datetime_format == "iso":
                text_iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
                stamp = dt.datetime.fromisoformat(text_iso)
            else:
                stamp = dt.datetime.strptime(text, self.m.datetime_format)
        except ValueError:
            fmt = (
                self.m.time_format
                if day is not None
                else ("ISO 8601" if self.m.datetime_format == "iso" else self.m.datetime_format)
            )
            self.fail(fld, text, line, raw, f"is not a time in format {fmt}")
        if stamp.tzinfo is None and self.source_zone is not None:
            stamp = stamp.replace(tzinfo=self.source_zone)
        if stamp.tzinfo is not None:
            try:
                stamp = stamp.astimezone(self.zone).replace(tzinfo=None)
            except OverflowError:  # year 1 at +14:00 (or 9999 at -12:00) leaves datetime's range
                self.fail(fld, text, line, raw, "is outside the years 1 .. 9999 in the time zone")
        if not FIRST_YEAR <= stamp.year <= LAST_YEAR:
            self.fail(fld, text, line, raw, f"is outside the years {FIRST_YEAR} .. {LAST_YEAR}")
        return stamp

    def duration(self, fld, text, line, raw) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not np.isfinite(value):
            self.fail(fld, text, line, raw, "is not a duration in seconds")
        if value > MAX_DURATION_S:
            self.fail(fld, text, line, raw, f"is longer than a day ({MAX_DURATION_S:,.0f} s)")
        return value


def _sniff(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=counts.get)


_DEFINITIONS = (
    "offered = calls that reached the agents' queue or were put straight through to an agent",
    "queued calls are offered at queue entry, their wait is the recorded time in queue",
    "answered calls that never queued count as offered and answered with zero wait",
    "abandoned calls that never queued ended in the IVR: dropped (never_queued)",
    "a row is dropped for the first reason that applies: other_outcome, missing:<column>, "
    "never_queued, negative:<duration>, outside_dates",
)


#: Leading bytes of spreadsheet files: ODS and XLSX are zip archives, XLS an OLE2 compound file.
_SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_SPREADSHEET_SUFFIXES = (".ods", ".xlsx", ".xls", ".xlsm", ".numbers")


def _text_of(path: Path) -> str:
    """The file's text; a spreadsheet or a non-UTF-8 file is refused with what to do."""
    source = str(path)
    try:
        data = read_limited(path, "history file", MAX_DATA_FILE_BYTES)
    except DataFileError as err:
        raise HistoryError(str(err)) from None
    except OSError as err:
        raise HistoryError(f"{source}: cannot read the file ({err})") from None
    if data.startswith(_SPREADSHEET_MAGIC) or path.suffix.lower() in _SPREADSHEET_SUFFIXES:
        raise HistoryError(
            f"{source}: this is a spreadsheet (ODS/XLSX/XLS), not a text export; open it in "
            "the spreadsheet program and export (save as) CSV, one row per call"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise HistoryError(
            f"{source}: not UTF-8 text (byte offset {err.start}); export it as CSV in UTF-8"
        ) from None


@dataclass
class _FileRows:
    """What one file contributed: the kept calls' fields (lists) and the row accounting."""

    source: str
    out: dict
    rows_in: int = 0
    dropped: dict = field(default_factory=dict)
    first_line: dict = field(default_factory=dict)
    kinds: dict = field(
        default_factory=lambda: {"queued_answered": 0, "queued_abandoned": 0, "direct_answered": 0}
    )

    def drop(self, reason: str, line: int) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1
        self.first_line.setdefault(reason, line)


def _read_file(path: Path, m: HistoryMapping, date_from, date_to) -> _FileRows:
    """Parse one export under the mapping ``m`` (``HistoryError`` on anything unreadable)."""
    source = str(path)
    text = _text_of(path)
    first = text.split("\n", 1)[0]
    delimiter = m.delimiter or _sniff(first)
    m = HistoryMapping.model_validate({**m.model_dump(), "delimiter": delimiter})
    rows = csv_rows(source, csv.reader(text.splitlines(), delimiter=delimiter))
    try:
        header = [h.strip() for h in next(rows, (1, []))[1]]
    except ValueError as err:
        raise HistoryError(str(err)) from None
    if not any(header):
        raise HistoryError(f"{source}: the file is empty (no header row)")
    reader = _Reader(m, source, header)
    keys = ("offered", "wait", "outcome", "queued", "handle", "s0", "s1", "agent", "call_type")
    got = _FileRows(source, {k: [] for k in (*keys, "priority", "arrival")})
    try:
        for line, raw in rows:
            if not raw or all(not c.strip() for c in raw):
                continue  # blank lines are not rows
            got.rows_in += 1
            kept = _parse_row(reader, raw, line, got.drop)
            if kept is None:
                continue
            arrival_dt, row = kept
            day = arrival_dt.date()
            if (date_from and day < date_from) or (date_to and day > date_to):
                got.drop("outside_dates", line)
                continue
            got.kinds[row.pop("kind")] += 1
            got.out["arrival"].append(arrival_dt)
            for k, v in row.items():
                got.out[k].append(v)
    except HistoryError:
        raise
    except ValueError as err:  # an unreadable CSV row (csv_rows names the line)
        raise HistoryError(str(err)) from None
    return got


def _days_of(arrivals) -> set[dt.date]:
    return {a.date() for a in arrivals}


def _gap_warnings(days: set[dt.date]) -> list[str]:
    """Runs of days without a single kept call between the first and the last day."""
    if not days:
        return []
    first, last = min(days), max(days)
    missing = [
        first + dt.timedelta(days=d)
        for d in range((last - first).days + 1)
        if first + dt.timedelta(days=d) not in days
    ]
    if not missing:
        return []
    runs, start = [], missing[0]
    for prev, cur in zip(missing, [*missing[1:], None], strict=True):
        if cur is None or (cur - prev).days != 1:
            runs.append(f"{start}" if start == prev else f"{start} .. {prev}")
            start = cur
    shown = ", ".join(runs[:5]) + (f" and {len(runs) - 5} more" if len(runs) > 5 else "")
    return [
        f"{len(missing)} day(s) between {first} and {last} have no records ({shown}): they are "
        "gaps in the history, not days without calls, and are left out of daily volumes, "
        "profiles and factors"
    ]


def read_history(
    path,
    mapping: HistoryMapping | None = None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> CallRecords:
    """Read call-level CSV exports; the import report is ``records.report``.

    Parameters
    ----------
    path : str or Path, or a list of them
        The CSV file(s) (header row; comma, semicolon, tab or bar separated; any line ends),
        each a regular file of at most ``files.MAX_DATA_FILE_BYTES``. Several files (e.g. one
        export per month) are read as one history (files sharing days are warned about in
        ``report.warnings``: they double count if they repeat calls). Spreadsheets (ODS,
        XLSX, XLS) are refused with a request to export CSV.
    mapping : HistoryMapping, optional
        Column mapping and formats; default ``ANONYMOUS_BANK``.
    date_from, date_to : datetime.date, optional
        Keep only calls arriving on these days (inclusive); the others are dropped as
        ``outside_dates``. The calls kept may span at most ``MAX_HISTORY_DAYS``.

    Raises
    ------
    HistoryError
        A file cannot be read, a mapped column is not in the header, a cell does not
        parse, a duration is longer than a day, or the calls span more than ten years; the
        message names the file, the column, the line and shows the row.
    """
    m = mapping or ANONYMOUS_BANK
    paths = [Path(p) for p in path] if isinstance(path, (list, tuple)) else [Path(path)]
    if not paths:
        raise HistoryError("no history file given")
    parts = [_read_file(p, m, date_from, date_to) for p in paths]
    source = ", ".join(part.source for part in parts)
    out = {k: [v for part in parts for v in part.out[k]] for k in parts[0].out}
    rows_in = sum(part.rows_in for part in parts)
    dropped: dict[str, int] = {}
    first_line: dict[str, int] = {}
    first_file: dict[str, str] = {}
    kinds = {k: sum(part.kinds[k] for part in parts) for k in parts[0].kinds}
    for part in parts:
        for reason, count in part.dropped.items():
            dropped[reason] = dropped.get(reason, 0) + count
            if reason not in first_line:
                first_line[reason] = part.first_line[reason]
                first_file[reason] = part.source
    if out["arrival"]:
        _check_span(source, min(out["arrival"]), max(out["arrival"]))
    origin = min(out["arrival"]).date() if out["arrival"] else dt.date(1970, 1, 1)
    base = dt.datetime.combine(origin, dt.time())
    shift = np.array([(a - base).total_seconds() for a in out["arrival"]], dtype=float)
    kept_n = len(out["arrival"])
    report = ImportReport(
        source=source,
        rows_in=rows_in,
        kept=kept_n,
        kept_by_kind=kinds,
        dropped=dict(sorted(dropped.items())),
        first_dropped_line={k: first_line[k] for k in sorted(first_line)},
        definitions=_DEFINITIONS,
        first_dropped_file={k: first_file[k] for k in sorted(first_file)},
        files=tuple(
            {"source": p.source, "rows_in": p.rows_in, "kept": len(p.out["arrival"])} for p in parts
        ),
        warnings=tuple(_overlap_warnings(parts) + _gap_warnings(_days_of(out["arrival"]))),
    )
    if kept_n == 0:
        raise HistoryError(
            f"{source}: no offered calls among {rows_in} rows "
            f"(dropped: {', '.join(f'{k} {v}' for k, v in sorted(dropped.items())) or 'none'})"
        )

    def rel(name):  # instants relative to the row's arrival -> seconds since origin
        return shift + np.asarray(out[name], dtype=float)

    return CallRecords(
        origin=origin,
        timezone=m.timezone,
        offered_at_s=rel("offered"),
        wait_s=np.asarray(out["wait"], dtype=float),
        outcome=np.asarray(out["outcome"], dtype=np.int8),
        queued=np.asarray(out["queued"], dtype=bool),
        handle_s=np.asarray(out["handle"], dtype=float),
        service_start_at_s=rel("s0"),
        service_end_at_s=rel("s1"),
        agent=np.asarray(out["agent"], dtype=str),
        call_type=np.asarray(out["call_type"], dtype=str),
        priority=np.asarray(out["priority"], dtype=str),
        report=report,
    )


def _overlap_warnings(parts: list[_FileRows]) -> list[str]:
    """Files holding calls of the same days: fine when they split the calls (one file per
    queue), double counting when they repeat them; the planner is told which."""
    out = []
    days = [_days_of(part.out["arrival"]) for part in parts]
    pairs = [(i, j) for i in range(len(parts)) for j in range(i + 1, len(parts))]
    for i, j in pairs:
        common = days[i] & days[j]
        if common:
            out.append(
                f"{parts[i].source} and {parts[j].source} both have calls on {len(common)} "
                f"day(s) ({min(common)} .. {max(common)}): read as separate calls (e.g. one "
                "file per queue); if the files repeat the same calls, they count twice"
            )
    return out


def _check_span(source: str, first: dt.datetime, last: dt.datetime) -> None:
    """The kept calls span at most ``MAX_HISTORY_DAYS``."""
    days = (last.date() - first.date()).days + 1
    if days > MAX_HISTORY_DAYS:
        raise HistoryError(
            f"{source}: the calls span {days:,} days ({first:%Y-%m-%d} .. {last:%Y-%m-%d}); "
            f"at most {MAX_HISTORY_DAYS:,} (ten years) are read at once: choose a part with "
            "--from/--to (date_from/date_to in Python)"
        )


def _values(r: _Reader, raw, line, day) -> tuple[dt.datetime | None, dict]:
    """Arrival date-time, and every other mapped time or duration field in seconds (times
    relative to the arrival): None where not applicable, NaN where the cell is empty."""
    vals: dict[str, float | None] = {}
    arrival = None
    for fld in _TIME_FIELDS:
        text = r.cell(fld, raw)
        if text is None:
            continue
        if text in r.m.not_applicable or text == "":
            vals[fld] = None if text else float("nan")
            continue
        stamp = r.instant(fld, text, day, line, raw)
        if fld == "arrival":
            arrival, vals[fld] = stamp, 0.0
            continue
        offset = (stamp - arrival).total_seconds() if arrival is not None else float("nan")
        if day is not None and offset < -_WRAP_S:  # a clock time past midnight
            offset += 86_400.0
        if abs(offset) > MAX_DURATION_S:  # a call's times lie within a day of its arrival
            r.fail(fld, text, line, raw, "is more than a day away from the call's arrival")
        vals[fld] = offset
    for fld in _DURATION_FIELDS:
        text = r.cell(fld, raw)
        if text is not None:
            vals[fld] = r.duration(fld, text, line, raw) if text else float("nan")
    return arrival, vals


def _parse_row(r: _Reader, raw: list[str], line: int, drop):
    """One row -> (arrival date-time, the call's fields) or None (dropped, counted)."""
    code = r.cell("outcome", raw)
    kind = r.codes.get(code)
    if code and kind is None:
        listed = "; ".join(
            f"{k}: {', '.join(getattr(r.m.outcomes, k)) or '-'}"
            for k in ("answered", "abandoned", "other")
        )
        r.fail("outcome", code, line, raw, f"is not an outcome code of the mapping ({listed})")
    if kind == "other":
        drop("other_outcome", line)
        return None
    day = r.cell("date", raw)
    if day == "" or not code:
        drop(f"missing:{r.column['date' if code else 'outcome']}", line)
        return None
    arrival, vals = _values(r, raw, line, day)

    def present(fld):
        v = vals.get(fld)
        return v is not None and v == v

    answered = kind == "answered"
    if "queue_entry" in r.column:
        queued = vals["queue_entry"] is not None  # empty (NaN) = queued, time missing
    else:
        queued = not answered or (present("wait_s") and vals["wait_s"] > 0)
    needed = ["arrival"]
    if queued:
        needed += ["queue_entry", "wait_s" if "wait_s" in r.column else "queue_exit"]
    if answered:
        needed += ["service_start", "handle_s" if "handle_s" in r.column else "service_end"]
    for fld in needed:
        if fld in r.column and not present(fld):
            drop(f"missing:{r.column[fld]}", line)
            return None
    if not queued and not answered:
        drop("never_queued", line)
        return None
    entry = vals.get("queue_entry") or 0.0
    wait = 0.0
    if queued:
        wait = vals["wait_s"] if "wait_s" in r.column else vals.get("queue_exit", entry) - entry
    handle = float("nan")
    if answered:
        if "handle_s" in r.column:
            handle = vals["handle_s"]
        elif "service_start" in r.column:
            handle = vals["service_end"] - vals["service_start"]
    c = r.column
    for name, value in (
        (f"{c.get('ivr_exit')}-{c['arrival']}", vals.get("ivr_exit") if present("ivr_exit") else 0),
        (c.get("wait_s") or f"{c.get('queue_exit')}-{c.get('queue_entry')}", wait),
        (c.get("handle_s") or f"{c.get('service_end')}-{c.get('service_start')}", handle),
    ):
        if value < 0:  # NaN compares False
            drop(f"negative:{name}", line)
            return None
        if value > MAX_DURATION_S:  # one bad row would make the statistics loop for hours
            raise HistoryError(
                f"{r.source} line {line}, {name}: {value:g} s is longer than a day "
                f"({MAX_DURATION_S:,.0f} s); row: {(r.m.delimiter or ',').join(raw)}"
            )
    ivr = vals["ivr_exit"] if present("ivr_exit") else 0.0
    s0 = vals["service_start"] if answered and present("service_start") else float("nan")
    if queued:
        offered = vals["queue_entry"] if "queue_entry" in c else ivr
    else:
        offered = s0 if s0 == s0 else ivr
    agent = r.cell("agent", raw) or ""
    return arrival, {
        "kind": ("queued_" if queued else "direct_") + ("answered" if answered else "abandoned"),
        "offered": offered,
        "wait": wait,
        "outcome": ANSWERED if answered else ABANDONED,
        "queued": queued,
        "handle": handle,
        "s0": s0,
        "s1": s0 + handle,
        "agent": "" if agent in r.m.no_agent else agent,
        "call_type": r.cell("type", raw) or "",
        "priority": r.cell("priority", raw) or "",
    }
