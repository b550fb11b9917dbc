"""Fuzz ``ccplan`` in-process: random argv and malformed CSV volume files.

Whatever the input: exit status 0 or 2, never a traceback; on 2, exactly one line on stderr
that starts with ``ccplan``; on 0 with ``--format json``, strict JSON on stdout.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json

import numpy as np
import yaml
from hypothesis import given
from hypothesis import strategies as st

from scenarios.cli import main

from .support import fuzz_settings, hang_guard
from .values import DEFAULT_DATA

NUMBER_TEXT = (
    st.sampled_from(
        ["0", "-1", "1", "0.5", "80", "1e6", "1e308", "1e999", "-1e999", "nan", "inf", "-inf"]
        + ["", "abc", "1,5", "0x10", "99999999999999999999", "1e-320", "--", "-0"]
    )
    | st.floats().map(repr)
    | st.integers(-(10**6), 10**6).map(str)
)


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with hang_guard(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # --help / --version style exits inside main
            code = exit_.code or 0
    return code, out.getvalue(), err.getvalue()


def check_outcome(argv, code, out, err):
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in out + err, (argv, err)
    if code == 2:
        assert err.endswith("\n") and err.count("\n") == 1, (argv, err)
        assert err.startswith("ccplan"), (argv, err)
    elif "--format" in argv and argv[argv.index("--format") + 1 :][:1] == ["json"]:
        json.loads(out, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))


# ----- erlang: the calculator takes raw numbers -------------------------------------------------
ERLANG_OPTIONS = {
    "--calls-per-hour": NUMBER_TEXT,
    "--calls-per-interval": NUMBER_TEXT,
    "--interval-minutes": st.sampled_from(["15", "30", "60", "7", "x"]),
    "--aht-s": NUMBER_TEXT,
    "--patience-s": NUMBER_TEXT,
    "--agents": NUMBER_TEXT,
    "--service-level": NUMBER_TEXT,
    "--threshold-s": NUMBER_TEXT,
    "--sl-definition": st.sampled_from(["of_offered", "of_answered", "bogus"]),
    "--max-asa-s": NUMBER_TEXT,
    "--max-abandon": NUMBER_TEXT,
    "--max-occupancy": NUMBER_TEXT,
    "--format": st.sampled_from(["table", "json", "xml"]),
}


@st.composite
def erlang_argv(draw):
    names = draw(st.lists(st.sampled_from(sorted(ERLANG_OPTIONS)), max_size=7, unique=True))
    if draw(st.booleans()):  # mostly the required options, to get past argparse
        names = ["--calls-per-hour", "--aht-s", *[n for n in names if n not in ("--aht-s",)]]
        names = [n for n in names if n != "--calls-per-interval"]
    argv = ["erlang"]
    for name in names:
        argv += [name, draw(ERLANG_OPTIONS[name])]
    return argv


@given(argv=erlang_argv())
@fuzz_settings(400)
def test_erlang_calculator(argv):
    check_outcome(argv, *run_cli(argv))


# ----- any command, random tokens ---------------------------------------------------------------
TOKENS = st.sampled_from(
    ["erlang", "validate", "plan", "simulate", "check", "sweep", "examples", "default", "--help"]
    + ["--format", "json", "table", "csv", "--model", "erlang_c", "--copy", "--out", "-x", ""]
) | st.text(max_size=8)


@given(argv=st.lists(TOKENS, max_size=5))
@fuzz_settings(300)
def test_random_tokens(argv, tmp_path_factory):
    # Commands that write (--out, --copy) write under a fresh directory.
    directory = tmp_path_factory.mktemp("cli")
    argv = [str(directory / a) if a.startswith("/") else a for a in argv]
    if any(a in argv for a in ("simulate", "check", "sweep")):
        argv = [a for a in argv if a not in ("simulate", "check", "sweep")] or ["validate"]
    with contextlib.chdir(directory):
        check_outcome(argv, *run_cli(argv))


# ----- scenario commands on a small scenario ----------------------------------------------------
def small_scenario(directory, *, csv: str | None = None):
    data = copy.deepcopy(DEFAULT_DATA)
    data["days"] = 1
    data["channels"] = data["channels"][:1]
    data["channels"][0]["demand"]["volume_per_day"] = 200
    data["targets"] = data["targets"][:1]
    if csv is not None:
        demand = data["channels"][0]["demand"]
        for key in ("volume_per_day", "intraday_profile", "day_of_week_factors"):
            demand.pop(key, None)
        demand["csv"] = "volumes.csv"
        (directory / "volumes.csv").write_bytes(csv.encode("utf-8", "surrogatepass"))
    path = directory / "small.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@given(
    command=st.sampled_from(["validate", "plan", "simulate", "check"]),
    model=st.sampled_from(["erlang_a", "erlang_c", "erlang_x"]),
    replications=st.integers(-2, 2).map(str) | st.sampled_from(["x", "1.5", "nan"]),
    seed=NUMBER_TEXT,
    fmt=st.sampled_from(["table", "json", "csv"]),
    fte=st.none() | NUMBER_TEXT,
    max_p_breach=st.none() | NUMBER_TEXT,
)
@fuzz_settings(120)
def test_scenario_commands(
    tmp_path_factory, command, model, replications, seed, fmt, fte, max_p_breach
):
    directory = tmp_path_factory.mktemp("cmd")
    argv = [command, str(small_scenario(directory)), "--format", fmt]
    if command != "validate":
        argv += ["--model", model]
    if command in ("simulate", "check"):
        argv += ["--replications", replications, "--seed", seed, "--executor", "serial"]
    if command == "check":
        argv += [] if fte is None else ["--fte", fte]
        argv += [] if max_p_breach is None else ["--max-p-breach", max_p_breach]
    check_outcome(argv, *run_cli(argv))


# ----- malformed CSV volume files ---------------------------------------------------------------
GRID_STARTS = [f"2027-01-04T{h:02d}:{m:02d}" for h in range(24) for m in (0, 15, 30, 45)]
START_TEXT = (
    st.sampled_from(GRID_STARTS)
    | st.sampled_from(
        ["2027-01-04T07:07", "2027-13-01T00:00", "yesterday", "", "2027-01-04 08:00+02:00"]
        + ["0001-01-01T00:00", "9999-12-31T23:45", "2027-01-04T08:00:00.5", "2027-01-05T00:00"]
    )
    | st.text(max_size=12)
)
CELL = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=10)


@st.composite
def csv_text(draw):
    header = draw(
        st.sampled_from(["start,volume", "volume,start", "start", "start,volume,extra", ""])
        | st.text(max_size=15)
    )
    rows = draw(
        st.lists(
            st.tuples(START_TEXT, NUMBER_TEXT, st.lists(CELL, max_size=2)),
            max_size=12,
        )
    )
    cols = header.split(",")
    lines = [header]
    for start, volume, extra in rows:
        cells = {"start": start, "volume": volume}
        line = [cells.get(c, draw(CELL)) for c in cols] + extra
        if draw(st.integers(0, 9)) == 0:
            line = line[: draw(st.integers(0, len(line)))]  # a short row
        lines.append(",".join(line))
    sep = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return ("\ufeff" if draw(st.booleans()) else "") + sep.join(lines)


@given(text=csv_text(), fmt=st.sampled_from(["json", "csv", "table"]))
@fuzz_settings(300)
def test_malformed_volume_csv(tmp_path_factory, text, fmt):
    directory = tmp_path_factory.mktemp("csv")
    argv = ["plan", str(small_scenario(directory, csv=text)), "--format", fmt]
    code, out, err = run_cli(argv)
    check_outcome(argv, code, out, err)
    if code == 0 and fmt == "json":
        total = json.loads(out)["total"]
        for key, values in total.items():
            if isinstance(values, list) and values and isinstance(values[0], float):
                assert np.all(np.isfinite(values)), key


@given(data=st.binary(max_size=200))
@fuzz_settings(100)
def test_binary_volume_csv(tmp_path_factory, data):
    directory = tmp_path_factory.mktemp("bin")
    path = small_scenario(directory, csv="")
    (directory / "volumes.csv").write_bytes(data)
    argv = ["plan", str(path), "--format", "json"]
    check_outcome(argv, *run_cli(argv))
