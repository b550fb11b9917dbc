"""Erlang engine speed, and a comparison with pyworkforce's ErlangC; prints medians.

Figures (targets from the Erlang issue and issue 18):
1. one scalar staffing answer, 80/20 of offered, 1,200 calls/h, AHT 300 s: Erlang C < 1 ms and
   at least as fast as one pyworkforce ``ErlangC`` answer (issue 18), Erlang A (mean patience
   180 s) < 5 ms;
2. staffing for a year of 15-minute intervals (35,040) with an intraday curve peaking near
   1,200 calls/h, AHT 300 s, 80/20: Erlang C < 0.1 s and within 3x of a compiled loop (issue
   18: ``compiled_year`` below, numba, the same Erlang B walk per interval with nothing else
   -- no validation, no KPIs kept, no binding clause), Erlang A < 2 s;
3. pyworkforce 0.5.1 ``ErlangC`` on the same intervals: its time, the ratio (target: ours at
   least 5x faster) and every disagreement in agent counts, each explained.

How pyworkforce's parameters map onto ours (read from pyworkforce/queuing/erlang.py, 0.5.1):
``ErlangC(transactions, aht, asa, interval)`` takes contacts per interval, AHT in *minutes*,
the interval in minutes, and a parameter named ``asa`` [minutes] that its ``service_level``
uses as the SL *threshold* (``exp(-(n - A) * asa / aht)``), not as an average speed of answer.
So "80% within 20 s" is ``asa=20/60`` with ``required_positions(0.8)``; we pass contacts per
15-minute interval and ``interval=15``. It rejects zero volume (``transactions <= 0`` raises
ValueError), and its search starts at ``round(A + 1)`` agents and only counts upwards, so when
that start already meets the target it can return one agent more than needed. pyworkforce is
installed only in the bench environment (``bench/.venv-bench``, see the Makefile).

Erlang A closed forms (issue 18, "closed" part), in CPU seconds (``time.process_time``, medians;
the machine is shared, so wall time says little): one scalar ``erlang_a_kpis``, the KPIs of a
year of intervals, one scalar Erlang A staffing answer, the closed forms of ``ccplan check
default`` (plan, the cost curve of every channel with an SL target, feasibility) and the
app's Negotiate work after a target change (voice to 85/30: plan, feasibility with its clause
prices, period-optimal staffing from the closed forms). ``--before DIR`` times the same in a
checkout of the commit to compare with (``git archive <commit> | tar -x -C DIR``) in a
subprocess and prints the before/after ratios; ``--erlang-a`` prints these figures alone.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from erlang import erlang_c_kpis, required_agents

AHT_S, THRESHOLD_S, TARGET = 300.0, 20.0, 0.8


def median_time(func, repeat: int, clock=time.perf_counter) -> float:
    """Median seconds of ``func`` over ``repeat`` calls, on ``clock`` (wall time by default)."""
    times = []
    for _ in range(repeat):
        t0 = clock()
        func()
        times.append(clock() - t0)
    return statistics.median(times)


def year_of_intervals() -> np.ndarray:
    """Calls per hour for 365 days of 15-minute intervals: two daily peaks (the higher near
    1,200 calls/h), open 7:00-21:00, weekday factors, a mild seasonal swing; zero at night."""
    n = 365 * 96
    hour = (np.arange(n) % 96 + 0.5) / 4.0
    day = np.arange(n) // 96
    shape = np.exp(-0.5 * ((hour - 10.5) / 1.6) ** 2) + 0.8 * np.exp(
        -0.5 * ((hour - 15) / 1.8) ** 2
    )
    weekday = np.array([1.0, 0.95, 0.92, 0.92, 0.88, 0.55, 0.35])[day % 7]
    season = 1.0 + 0.08 * np.cos(2 * np.pi * day / 365.0)
    rate = 1200.0 * shape / shape.max() * weekday * season / 1.08
    return np.where((hour >= 7) & (hour < 21), rate, 0.0)


def ours(cph, patience_s=None):
    return required_agents(
        cph, AHT_S, patience_s=patience_s, service_level=TARGET, threshold_s=THRESHOLD_S
    )


def compiled_year():
    """The yardstick of issue 18: per interval, the smallest agent count meeting 80/20 by the
    Erlang B recursion (B(n) = a B(n-1) / (n + a B(n-1)), C from B, SL = 1 - C e^{-(n-a)T/h}),
    compiled with numba (cache=True; compiled once before timing). None without numba."""
    try:
        import numba
    except ImportError:
        return None
    import math

    @numba.njit(cache=True)
    def staff(cph, aht_s, target, threshold_s):
        out = np.zeros(cph.size, np.int64)
        for i in range(cph.size):
            a = cph[i] / 3600.0 * aht_s
            if a <= 0.0:
                continue
            b, n = 1.0, 0
            while True:
                n += 1
                b = a * b / (n + a * b)
                if n > a:
                    c = 1.0 / (1.0 + (n - a) / n * ((1.0 - b) / b))
                    if -math.expm1(math.log(c) - (n - a) * threshold_s / aht_s) >= target:
                        break
            out[i] = n
        return out

    return lambda cph: staff(cph, AHT_S, TARGET, THRESHOLD_S)


def pyworkforce_one(cph: float):
    """One pyworkforce ``ErlangC`` staffing answer at ``cph`` calls/h (15-minute interval)."""
    from pyworkforce.queuing import ErlangC

    erlang = ErlangC(transactions=cph / 4.0, aht=AHT_S / 60, asa=THRESHOLD_S / 60, interval=15)
    return erlang.required_positions(service_level=TARGET)["raw_positions"]


def pyworkforce_year(cph):
    """pyworkforce's staffing per interval (None where it refuses the input) and its time."""
    from pyworkforce.queuing import ErlangC

    per_interval = cph / 4.0  # contacts in a 15-minute interval
    answers = []
    t0 = time.perf_counter()
    for volume in per_interval:
        try:
            erlang = ErlangC(transactions=volume, aht=AHT_S / 60, asa=THRESHOLD_S / 60, interval=15)
            answers.append(erlang.required_positions(service_level=TARGET)["raw_positions"])
        except ValueError:
            answers.append(None)
    return answers, time.perf_counter() - t0


def explain(cph, ours_n, theirs_n, target=TARGET, threshold_s=THRESHOLD_S) -> str:
    """Check a disagreement with our own KPIs and say which side is right."""
    sl = {n: erlang_c_kpis(cph, AHT_S, n, threshold_s).service_level for n in {ours_n - 1, ours_n}}
    if ours_n == 0:
        sl[-1] = 0.0
    if theirs_n == ours_n + 1 and sl[ours_n] >= target > sl[ours_n - 1]:
        load = cph * AHT_S / 3600
        return (
            f"pyworkforce over-staffs by one: {ours_n} agents already give SL {sl[ours_n]:.4f} "
            f">= {target} and {ours_n - 1} give {sl[ours_n - 1]:.4f}; its search starts at "
            f"round(A + 1) = {round(load + 1)} and never looks below"
        )
    return f"unexplained: ours {ours_n} (SL {sl[ours_n]:.4f}), pyworkforce {theirs_n}"


def cpu_median(func, repeat: int) -> float:
    """Median CPU seconds of ``func`` (this process)."""
    return median_time(func, repeat, clock=time.process_time)


def erlang_a_figures() -> dict:
    """The Erlang A figures of the module docstring [CPU s], in whatever ``erlang`` and
    ``scenarios`` are importable (this tree, or the one ``--before`` puts first)."""
    from erlang import erlang_a_kpis
    from scenarios.examples import load_example
    from scenarios.overrides import apply_overrides
    from scenarios.pipeline import plan
    from scenarios.verdict import cost_curve, feasibility
    from scenarios.verdict.optimal import period_optimal

    cph = year_of_intervals()
    agents = np.ceil(cph * AHT_S / 3600 + np.sqrt(cph * AHT_S / 3600)).astype(np.int64)
    scenario = load_example("default")
    voice = next(k for k, t in enumerate(scenario.targets) if t.channel == "voice")
    changed = apply_overrides(
        scenario,
        {f"targets[{voice}].service_level": 0.85, f"targets[{voice}].threshold_s": 30.0},
    )

    def check_closed_forms():
        result = plan(scenario, "erlang_a")
        for target in result.scenario.targets:
            if target.service_level is not None:
                cost_curve(result, target.channel)
        feasibility(result)

    def target_change():
        result = plan(changed, "erlang_a")
        feasibility(result)
        period_optimal(result, "voice")

    return {
        "kpis_scalar_ms": 1e3 * cpu_median(lambda: erlang_a_kpis(1200, 300, 180, 105, 20), 200),
        "kpis_year_s": cpu_median(lambda: erlang_a_kpis(cph, AHT_S, 180.0, agents, 20.0), 5),
        "staffing_scalar_ms": 1e3 * cpu_median(lambda: ours(1200.0, 180.0), 100),
        "staffing_year_s": cpu_median(lambda: ours(cph, 180.0), 3),
        "check_closed_forms_s": cpu_median(check_closed_forms, 5),
        "target_change_s": cpu_median(target_change, 7),
    }


_LABELS = {
    "kpis_scalar_ms": "one erlang_a_kpis (scalar) [ms]",
    "kpis_year_s": "erlang_a_kpis, a year of 15-minute intervals [s]",
    "staffing_scalar_ms": "one Erlang A staffing answer (80/20, patience 180 s) [ms]",
    "staffing_year_s": "Erlang A staffing, a year of intervals [s]",
    "check_closed_forms_s": "check default's closed forms (plan, cost curves, feasibility) [s]",
    "target_change_s": "Negotiate after a target change (plan, feasibility, optimal) [s]",
}


def print_erlang_a(before_dir: str | None) -> None:
    after = erlang_a_figures()
    before = None
    if before_dir:
        env = dict(os.environ, PYTHONPATH=os.path.abspath(before_dir))
        out = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--figures-json"],
            env=env,
            cwd=before_dir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        before = json.loads(out[-1])
    print("Erlang A closed forms (CPU seconds of this process, medians)")
    for key, label in _LABELS.items():
        line = f"  {label}: {after[key]:.4g}"
        if before is not None:
            line += f" (before {before[key]:.4g}: {before[key] / after[key]:.2f}x)"
        print(line)


def main() -> None:
    print("Erlang engine (medians; 80% answered within 20 s / offered, AHT 300 s)")
    t_c = median_time(lambda: ours(1200.0), 200)
    t_a = median_time(lambda: ours(1200.0, 180.0), 100)
    print(f"  scalar staffing, Erlang C: {t_c * 1e3:.3f} ms (target < 1 ms)")
    print(f"  scalar staffing, Erlang A: {t_a * 1e3:.3f} ms (target < 5 ms)")

    cph = year_of_intervals()
    print(f"  year of 15-minute intervals: {cph.size:,} intervals, peak {cph.max():,.0f} calls/h")
    t_year_c = median_time(lambda: ours(cph), 5)
    t_year_a = median_time(lambda: ours(cph, 180.0), 3)
    print(f"  year, Erlang C: {t_year_c:.3f} s (target < 0.1 s)")
    print(f"  year, Erlang A: {t_year_a:.3f} s (target < 2 s)")
    agents = ours(cph).agents
    compiled = compiled_year()
    if compiled is None:
        print("  compiled loop skipped: numba is not installed (pip install numba)")
    else:
        t0 = time.perf_counter()
        same = bool(np.array_equal(compiled(cph), agents))  # compiles (or loads the cache)
        t_compile = time.perf_counter() - t0
        t_compiled = median_time(lambda: compiled(cph), 5)
        print(
            f"  year, compiled numba loop (yardstick): {t_compiled:.3f} s (first call with "
            f"compilation {t_compile:.2f} s); ours / compiled = {t_year_c / t_compiled:.1f}x "
            f"(target <= 3x); same agents: {same}"
        )

    try:
        import pyworkforce  # noqa: F401
    except ImportError as err:
        print(
            f"pyworkforce comparison skipped: cannot import pyworkforce ({err}); "
            "run `make bench`, which installs it in bench/.venv-bench"
        )
        return
    t_one = median_time(lambda: pyworkforce_one(1200.0), 200)
    assert pyworkforce_one(1200.0) == ours(1200.0).agents
    print(
        f"pyworkforce 0.5.1 ErlangC, one scalar answer: {t_one * 1e3:.3f} ms; ours "
        f"{t_c * 1e3:.3f} ms: ours is {t_one / t_c:.1f}x as fast (target >= 1x)"
    )
    theirs, t_theirs = pyworkforce_year(cph)
    print(f"pyworkforce 0.5.1 ErlangC, same year, one interval at a time: {t_theirs:.2f} s")
    print(f"  ratio: ours (Erlang C) is {t_theirs / t_year_c:,.0f}x faster (target >= 5x)")
    refused = [i for i, v in enumerate(theirs) if v is None]
    print(
        f"  intervals pyworkforce refuses (zero volume raises ValueError): {len(refused):,}; "
        f"ours answers 0 agents there: {bool(np.all(agents[refused] == 0))}"
    )
    differ = [i for i, v in enumerate(theirs) if v is not None and v != agents[i]]
    print(
        f"  disagreements on the {cph.size - len(refused):,} intervals both answer: {len(differ):,}"
    )
    reasons = {}
    for i in differ:
        reason = explain(cph[i], int(agents[i]), int(theirs[i]))
        key = reason.split(":")[0]
        reasons.setdefault(key, []).append((i, reason))
    for key, rows in reasons.items():
        print(f"  {len(rows):,} x {key}; e.g. interval {rows[0][0]}: {rows[0][1]}")

    # Its quirks show at small loads and looser targets: a grid of 600 loads x 4 standards.
    from pyworkforce.queuing import ErlangC

    print("pyworkforce vs ours on loads 0.05..30 erlangs x targets 80/20, 50/20, 80/60, 70/30:")
    found = 0
    for load in np.arange(1, 601) * 0.05:
        for target, threshold_s in ((0.8, 20.0), (0.5, 20.0), (0.8, 60.0), (0.7, 30.0)):
            rate = load * 3600 / AHT_S
            theirs_n = ErlangC(
                transactions=rate / 4, aht=AHT_S / 60, asa=threshold_s / 60, interval=15
            ).required_positions(service_level=target)["raw_positions"]
            ours_n = required_agents(
                rate, AHT_S, service_level=target, threshold_s=threshold_s
            ).agents
            if theirs_n != ours_n:
                found += 1
                print(
                    f"  {load:.2f} erlangs, {target:.0%} within {threshold_s:g} s: ours "
                    f"{ours_n}, pyworkforce {theirs_n}: "
                    f"{explain(rate, ours_n, theirs_n, target, threshold_s)}"
                )
    print(f"  {found} disagreement(s) in 2,400 cases")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a checkout of the 'before' commit to time beside")
    parser.add_argument("--erlang-a", action="store_true", help="the Erlang A figures alone")
    parser.add_argument("--figures-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.figures_json:
        print(json.dumps(erlang_a_figures()))
    else:
        if not args.erlang_a:
            main()
        print_erlang_a(args.before)
