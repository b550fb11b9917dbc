"""Fuzz ``ccplan history`` in-process: a small call-level CSV with hostile cells (times with
offsets in year 1 or 9999, huge or negative durations, unbalanced quotes, unknown codes) and a
mapping with a random delimiter. Whatever the file: exit 0 or 2, one line on stderr, never a
traceback or a numpy warning, never a hang.
"""

from __future__ import annotations

import datetime as dt
import warnings

from hypothesis import given
from hypothesis import strategies as st

from .support import fuzz_settings
from .test_fuzz_cli import NUMBER_TEXT, check_outcome, run_cli

MAPPING = """columns: {arrival: arrival, outcome: outcome, wait_s: wait, service_start: start,
  handle_s: handle, agent: agent}
outcomes: {answered: [A], abandoned: [H]}
datetime_format: iso
timezone: Europe/Amsterdam
"""

STAMP_TEXT = st.sampled_from(
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "1899-12-31T23:00:00", "2201-01-01"]
    + ["2027-02-30T08:00", "2027-01-04T08:00Z", "", "0:00:00", '"2027-01-04T08:00', "x"]
) | st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31)).map(dt.datetime.isoformat)


@st.composite
def history_text(draw):
    """Calls every ~20 s from 2027-01-04 08:00; each cell replaced by a hostile one at
    random."""
    rows = ["arrival,outcome,wait,start,handle,agent"]
    at = dt.datetime(2027, 1, 4, 8)
    for i in range(draw(st.integers(1, 30))):
        at += dt.timedelta(seconds=20)
        answered = i % 5 != 0
        cells = [
            at.isoformat(),
            "A" if answered else "H",
            "15",
            (at + dt.timedelta(seconds=15)).isoformat() if answered else "",
            "180" if answered else "",
            f"ag{i % 4}" if answered else "",
        ]
        if draw(st.integers(0, 3)) == 0:
            k = draw(st.integers(0, 5))
            cells[k] = draw(
                STAMP_TEXT if k in (0, 3) else (NUMBER_TEXT if k in (2, 4) else st.text(max_size=4))
            )
        rows.append(",".join(cells))
    return "\n".join(rows) + "\n"


@given(
    text=history_text(),
    delimiter=st.none() | st.sampled_from([",", ";;", "", "\t", "a", '"']),
    window=st.sampled_from([[], ["--from", "2027-01-04"], ["--to", "2026-01-01"]]),
)
@fuzz_settings(40)
def test_hostile_history_file(tmp_path_factory, text, delimiter, window):
    directory = tmp_path_factory.mktemp("hist")
    (directory / "calls.csv").write_text(text, encoding="utf-8")
    mapping = MAPPING + ("" if delimiter is None else f"delimiter: {delimiter!r}\n")
    (directory / "mapping.yaml").write_text(mapping, encoding="utf-8")
    argv = ["history", str(directory / "calls.csv"), "--mapping", str(directory / "mapping.yaml")]
    argv += ["--replications", "0", "--format", "json", *window]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a numpy warning would reach stderr
        check_outcome(argv, *run_cli(argv))
