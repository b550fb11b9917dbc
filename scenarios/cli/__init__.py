"""``ccplan``: the command line (parser and ``main``; one module per command beside it).

Readable tables on the terminal, ``--format json`` for scripts.

Every error is one line on stderr and exit status 2; no traceback reaches the user. A stop
signal ends a run with one line and ``128 + signal``: Ctrl-C 130, SIGHUP 129, SIGTERM 143
(worker processes stopped, finished results saved, no temporary file left). Output cut short
by a closed pipe (``ccplan ... | head -1``) ends quietly with 141, as other tools do.
"""

from __future__ import annotations

import argparse
import os
import select
import sys

from erlang import SLDefinition
from simulator.executors import ExecutorError

from ..interrupts import describe, disarm, stop_signal, stop_signals
from ..io import ScenarioError
from ._common import EXIT_INTERNAL, EXIT_USAGE, MAX_REPLICATIONS, CliError, _end_bar
from .check import cmd_check
from .erlang import cmd_erlang
from .examples import cmd_examples
from .forecast import cmd_forecast
from .hiring import cmd_hiring
from .history import cmd_history
from .plan import cmd_plan
from .price import cmd_price
from .roster import cmd_roster
from .simulate import cmd_simulate
from .skills import cmd_skills
from .sweep import cmd_sweep
from .validate import cmd_validate

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool cut off by `| head`


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse's own convention)
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ccplan", description="Contact-center capacity planner.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def fmt(p, choices=("table", "json")):
        p.add_argument("--format", choices=choices, default="table", help="output format")

    def executor_options(p):
        g = p.add_argument_group("where the work runs")
        g.add_argument(
            "--executor",
            choices=("serial", "local", "threads", "processes", "dask"),
            help="default: dask when a scheduler address is given (--scheduler or "
            "DASK_SCHEDULER_ADDRESS), else local: threads for the compiled engine's "
            "replications (it releases the GIL), worker processes for SimPy's",
        )
        g.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="Dask scheduler address")
        g.add_argument(
            "--workers",
            type=int,
            metavar="N",
            help="local worker threads or processes (default and maximum: the cores available)",
        )
        g.add_argument(
            "--force-workers",
            action="store_true",
            help="allow --workers above the cores available (up to 256)",
        )

    def replications(p, default, minimum=2, what="simulation replications"):
        p.add_argument(
            "--replications",
            type=_count("--replications", minimum, MAX_REPLICATIONS),
            default=default,
            help=f"{what} ({minimum} to {MAX_REPLICATIONS:,}"
            + (f"; default {default})" if default is not None else ")"),
        )

    def force(p, what="replace outputs in a folder that has no record of a ccplan run"):
        p.add_argument("--force", action="store_true", help=what)

    e = sub.add_parser("erlang", help="quick Erlang C / Erlang A calculator")
    vol = e.add_mutually_exclusive_group(required=True)
    vol.add_argument("--calls-per-hour", type=float)
    vol.add_argument("--calls-per-interval", type=float)
    e.add_argument("--interval-minutes", type=int, default=30, choices=(15, 30, 60))
    e.add_argument("--aht-s", type=float, required=True, help="average handle time [s]")
    e.add_argument("--patience-s", type=float, help="mean patience [s] (adds Erlang A)")
    e.add_argument("--agents", type=int, help="KPIs at this many agents")
    e.add_argument("--service-level", type=float, help="target as a fraction, e.g. 0.8")
    e.add_argument("--threshold-s", type=float, help="SL threshold [s], e.g. 20")
    e.add_argument("--sl-definition", choices=[d.value for d in SLDefinition], default="of_offered")
    e.add_argument("--max-asa-s", type=float)
    e.add_argument("--max-abandon", type=float)
    e.add_argument("--max-occupancy", type=float)
    fmt(e)
    e.set_defaults(func=cmd_erlang)

    v = sub.add_parser("validate", help="check a scenario file")
    v.add_argument("file", help="scenario file or bundled example name")
    fmt(v)
    v.set_defaults(func=cmd_validate)

    p = sub.add_parser("plan", help="staffing, FTE and cost for a scenario")
    p.add_argument("file", help="scenario file or bundled example name")
    p.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    p.add_argument(
        "--out",
        help="directory to write CSV, JSON and PNG results to (the previous run's are removed)",
    )
    force(p)
    fmt(p, ("table", "csv", "json"))
    p.set_defaults(func=cmd_plan)

    pr = sub.add_parser("price", help="pricing models under volume risk; the contract term")
    pr.add_argument("file", help="scenario file or bundled example name")
    pr.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    pr.add_argument("--plot", metavar="FILE.png", help="write the pricing plot to this file")
    force(pr, "overwrite an existing --plot file")
    fmt(pr)
    pr.set_defaults(func=cmd_price)

    s = sub.add_parser("simulate", help="simulate the planned staffing (replications)")
    s.add_argument("file", help="scenario file or bundled example name")
    replications(s, 10)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    s.add_argument("--progress", action="store_true", help="show the progress bar even when piped")
    s.add_argument(
        "--out",
        help="directory for replications.csv and summary.json (written even when interrupted)",
    )
    force(s)
    fmt(s)
    executor_options(s)
    s.set_defaults(func=cmd_simulate)

    c = sub.add_parser("check", help="the SLA verdict: targets, their price, cost, breach risk")
    c.add_argument("file", help="scenario file or bundled example name")
    offer = c.add_mutually_exclusive_group()
    offer.add_argument("--fte", type=float, help="headcount on offer [FTE] (default: the plan's)")
    offer.add_argument("--budget", type=float, help="budget over the horizon (workforce currency)")
    c.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    replications(c, 30)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--max-p-breach", type=float, default=0.1, help="risk for the inverse question")
    c.add_argument(
        "--compare",
        type=_standards,
        help="standards side by side, e.g. 80/20,85/30,90/15 (SL%%/threshold_s; default: the "
        "scenario's compare_standards)",
    )
    c.add_argument(
        "--risk-optimal",
        action="store_true",
        help="also search the period-optimal staffing whose P(breach) <= --max-p-breach "
        "(many simulations: minutes)",
    )
    c.add_argument(
        "--roster",
        action="store_true",
        help="also roster the shifts under both objectives and report their cost (seconds to "
        "minutes: an integer program per week and channel)",
    )
    c.add_argument("--report", help="directory to write the HTML report (and PDF) to")
    force(c)
    c.add_argument("--progress", action="store_true", help="name each stage on stderr")
    fmt(c)
    executor_options(c)
    c.set_defaults(func=cmd_check)

    w = sub.add_parser("sweep", help="plan a grid of scenario variants; one tidy table + plots")
    w.add_argument("file", help="scenario file or bundled example name")
    w.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="PATH=VALUES",
        help="a field and its values: targets.voice.service_level=0.7:0.95:0.05 (start:stop:step,"
        " stop included) or workforce.max_occupancy=0.8,0.85 (a list); repeat for a grid",
    )
    w.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    replications(w, None, what="also simulate the breach risk with this many replications")
    w.add_argument("--seed", type=int, default=1)
    w.add_argument("--out", help="directory to write sweep.csv, sweep.parquet and PNG plots to")
    force(w)
    w.add_argument("--progress", action="store_true", help="show the progress bar even when piped")
    fmt(w)
    executor_options(w)
    w.set_defaults(func=cmd_sweep)

    hi = sub.add_parser("history", help="import call records: statistics, patience, backtest")
    hi.add_argument(
        "file",
        nargs="+",
        help="call-level CSV export(s) (one row per call; several files are read as one "
        "history), or a bundled sample: bank-day",
    )
    hi.add_argument(
        "--mapping",
        help="YAML/JSON column mapping, or a bundled one: bank-day (the default), technion "
        "(tab separated, YYMMDD dates), generic-acd; a mapping may give only what differs",
    )
    hi.add_argument(
        "--from", dest="date_from", type=_date, metavar="YYYY-MM-DD", help="first day to read"
    )
    hi.add_argument(
        "--to", dest="date_to", type=_date, metavar="YYYY-MM-DD", help="last day to read"
    )
    hi.add_argument("--interval-minutes", type=int, default=30, choices=(15, 30, 60))
    hi.add_argument("--threshold-s", type=float, default=20.0, help="SL threshold [s]")
    hi.add_argument(
        "--busy-min-offered", type=int, default=30, help="offered calls in a busy interval"
    )
    replications(hi, 5, minimum=0, what="simulation replications, 0: none")
    hi.add_argument(
        "--schedule",
        help="CSV of the agents on duty per interval (columns start, agents) for the "
        "prediction intervals (default: the in-sample estimate from the records)",
    )
    hi.add_argument(
        "--level",
        type=_fraction("--level"),
        default=0.8,
        help="probability of the prediction intervals, between 0 and 1 (default 0.8)",
    )
    hi.add_argument(
        "--prediction-replications",
        type=_count("--prediction-replications", 0, MAX_REPLICATIONS),
        default=40,
        help="simulation replications for the prediction intervals (10 or more; 0: none; "
        "default 40)",
    )
    hi.add_argument(
        "--per-day", action="store_true", help="one row per day instead of per busy interval"
    )
    hi.add_argument("--seed", type=int, default=1)
    hi.add_argument("--plots", help="directory to write backtest, staffing and patience PNGs to")
    hi.add_argument("--scenario-out", help="write the calibrated scenario (YAML or JSON) here")
    force(hi, "overwrite an existing --scenario-out file, replace outputs in --plots")
    fmt(hi)
    hi.set_defaults(func=cmd_history)

    hr = sub.add_parser("hiring", help="the hiring plan month by month, or the smallest one")
    hr.add_argument("file", help="scenario file or bundled example name (with a `hiring` section)")
    hr.add_argument(
        "--optimize",
        action="store_true",
        help="add the smallest classes (one a month) that cover every month's requirement",
    )
    hr.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    replications(hr, 30, minimum=0, what="replications simulating P(breach), 0: none")
    hr.add_argument("--seed", type=int, default=1)
    hr.add_argument("--plot", metavar="FILE.png", help="write the plan's plot (PNG) here")
    force(hr, "overwrite an existing --plot file")
    executor_options(hr)
    fmt(hr)
    hr.set_defaults(func=cmd_hiring)
    fo = sub.add_parser("forecast", help="forecast volumes from history: CSV, scenario, accuracy")
    fo.add_argument(
        "file",
        help="volume CSV (start/DateTime, volume/Calls, optional channel) or a bundled sample: "
        "bank-5min; with --records a call-level export",
    )
    fo.add_argument("--horizon", default="8w", help="days or weeks to forecast: 56d, 8w")
    fo.add_argument("--interval-minutes", type=int, default=15, choices=(15, 30, 60))
    fo.add_argument("--start", type=_date, metavar="YYYY-MM-DD", help="first forecast day")
    fo.add_argument("--country", help="ISO country code for public holidays (US, GB, DE, IL)")
    fo.add_argument(
        "--holiday-factor",
        type=float,
        help="holiday volume / ordinary day (default: learned, else 0 = closed)",
    )
    fo.add_argument(
        "--special", action="append", metavar="DATE=FACTOR", help="a special day (repeatable)"
    )
    fo.add_argument("--records", action="store_true", help="FILE is a call-level export")
    fo.add_argument("--mapping", help="column mapping for --records (default: Anonymous Bank)")
    fo.add_argument("--aht-s", type=float, default=300.0, help="scenario's mean handle time [s]")
    fo.add_argument(
        "--patience-s", type=float, default=180.0, help="scenario's mean patience [s] (0: none)"
    )
    fo.add_argument("--service-level", type=float, default=0.8, help="scenario's SL target")
    fo.add_argument("--threshold-s", type=float, default=20.0, help="SL threshold [s]")
    fo.add_argument("--out", help="directory for the volume CSV, scenario.yaml, plot and JSON")
    force(fo, "replace outputs in --out")
    fmt(fo)
    fo.set_defaults(func=cmd_forecast)
    r = sub.add_parser("roster", help="minimum-cost shift roster: shifts, coverage, cost")
    r.add_argument("file", help="scenario file or bundled example name")
    r.add_argument("--channel", action="append", help="a channel to roster (default: all)")
    r.add_argument(
        "--objective",
        choices=("cover_intervals", "period_clauses"),
        help="cover every interval's requirement, or meet each clause per reporting period "
        "(default: the scenario's roster.objective)",
    )
    r.add_argument(
        "--margin", type=float, default=0.0, help="period_clauses: SL head-room, e.g. 0.01"
    )
    r.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    r.add_argument("--simulate", action="store_true", help="simulate the roster: breach risk")
    replications(r, 30)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--out", help="directory for shifts.csv, coverage.csv, roster.json, PNGs")
    force(r)
    r.add_argument("--progress", action="store_true", help="name each stage on stderr")
    fmt(r, ("table", "csv", "json"))
    r.set_defaults(func=cmd_roster)

    sk = sub.add_parser(
        "skills", help="multi-skill design: clauses, breach risk, cost; pooling gain (search)"
    )
    sk.add_argument("file", help="scenario file or bundled example name (with `skills:`)")
    sk.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    sk.add_argument(
        "--standard", action="append", metavar="SL/T", help="also at this standard (repeatable)"
    )
    sk.add_argument("--compare", action="store_true", help="also at the compare_standards")
    sk.add_argument(
        "--no-search", action="store_true", help="the design as given only (no sizing search)"
    )
    replications(sk, 20)
    sk.add_argument("--seed", type=int, default=1)
    executor_options(sk)
    fmt(sk)
    sk.add_argument("--json", dest="format", action="store_const", const="json", help="JSON")
    sk.set_defaults(func=cmd_skills)

    x = sub.add_parser("examples", help="list the bundled scenarios")
    x.add_argument("--copy", nargs=2, metavar=("NAME", "DIR"), help="write one out to edit")
    force(x, "overwrite the file --copy would write")
    fmt(x)
    x.set_defaults(func=cmd_examples)
    return parser


def _date(text: str):
    """``--from 2027-01-31`` -> a date (years 1900 .. 2200, like a scenario's)."""
    import datetime as dt

    from ..scenario import FIRST_YEAR, LAST_YEAR

    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"{text}: give a date in {FIRST_YEAR} .. {LAST_YEAR}")
    return day


def _fraction(option: str):
    """An argparse type: a number strictly between 0 and 1 (a probability)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not 0 < value < 1:
            raise argparse.ArgumentTypeError(
                f"must be a number between 0 and 1 (0.8 for 80%), got {text!r}"
            )
        return value

    return parse


def _count(option: str, minimum: int, maximum: int):
    """An argparse type: a whole number in [minimum, maximum], else one line naming the
    range after argparse's "argument OPTION:" (``--replications 10**12`` would otherwise
    exhaust memory)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {minimum:,} to {maximum:,}, got {text!r}"
            )
        return value

    parse.__name__ = option  # argparse names the type in some messages
    return parse


def _standards(text: str) -> list[str]:
    """``--compare 80/20,85/30`` -> ["80/20", "85/30"], each checked by ``parse_standard``."""
    import argparse

    from ..scenario import parse_standard

    standards = [part.strip() for part in text.split(",") if part.strip()]
    if not standards:
        raise argparse.ArgumentTypeError("give standards like 80/20,85/30")
    for standard in standards:
        try:
            parse_standard(standard)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    return standards


def _say(line: str) -> None:
    """One line on stderr, which may itself be a closed pipe (``2>&1 | head``)."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (BrokenPipeError, ValueError):  # ValueError: stderr closed
        pass


def _stdout_closed() -> bool:
    """Whether stdout is a pipe whose reader has gone (poll reports POLLERR): the one
    BrokenPipeError to end quietly on (a broken socket elsewhere is an error to report)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # replaced (tests) or closed
        return True
    if not hasattr(select, "poll"):
        return True
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush of what is still
    buffered does not print "Exception ignored ... BrokenPipeError" (Python's documented
    recipe, in the ``signal`` module's notes on SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, ValueError, OSError):  # stdout is not a file descriptor
        pass


def main(argv=None) -> int:
    """Run one ``ccplan`` command; returns the exit status (see the module docstring)."""
    try:
        with stop_signals():
            code = _run(argv)
            signum = stop_signal()
            if signum is not None and code < 128:  # a library swallowed the KeyboardInterrupt
                _end_bar()
                _say(f"ccplan{_command_name(argv)}: {describe(signum)}")
                code = 128 + signum
    except KeyboardInterrupt:  # Ctrl-C as the handlers were being set or put back
        _say(f"ccplan{_command_name(argv)}: interrupted")
        code = 130
    return code


def _command_name(argv) -> str:
    args = sys.argv[1:] if argv is None else argv
    return f" {args[0]}" if args and not str(args[0]).startswith("-") else ""


def _stopped(command: str) -> int:
    """One line for a stop signal (Ctrl-C if none was recorded), and its exit status."""
    disarm()
    _end_bar()
    signum = stop_signal() or 2  # SIGINT: a KeyboardInterrupt raised by Python's own handler
    _say(f"ccplan{command}: {describe(signum)}")
    return 128 + signum


def _run(argv) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # usage errors (one line, status 2) and --help (status 0)
        return int(exit_.code or 0)
    except KeyboardInterrupt:  # Ctrl-C before the command even started: still one line
        return _stopped("")
    except BrokenPipeError:  # --help into `| head`
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    command = f" {args.command}"
    try:
        args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
    except BrokenPipeError as err:
        if not _stdout_closed():
            _end_bar()
            _say(f"ccplan{command}: {err}")
            return EXIT_USAGE
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except (CliError, ScenarioError, ValueError, OSError, ExecutorError) as err:
        _end_bar()
        _say(f"ccplan{command}: {err}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return _stopped(command)
    except Exception as err:  # a bug: still one line, never a traceback (the fuzz tests fail on it)
        _end_bar()
        _say(
            f"ccplan{command}: internal error ({type(err).__name__}: {err}); please "
            "report it with the command and the file"
        )
        return EXIT_INTERNAL
    return 0
