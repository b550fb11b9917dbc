"""Verdict speed: the cost curve (closed forms), period-optimal staffing, and the full
`ccplan check default` -- 30 replications of every breach-risk simulation, the inverse question,
the busiest day, period-optimal staffing and the comparison of three standards (80/20 with the
scenario's 85/30 and 90/15, each under per-interval and period-optimal staffing) -- run the way
a user runs it (local processes, all cores) and serially (so that wall and CPU time compare
across runs). Target: the full check under 20 s on 2 cores.

"Before" is the verdict of commit 8b46607 (no comparison, no period-optimal staffing, the SL
clause only): its figures measured then are printed as constants; re-measure them side by side
with ``--before DIR`` on a checkout of that commit (``git archive 8b46607 | tar -x -C DIR``),
which times the same command there in a subprocess. Demand expansions and channel plans are
counted on both sides.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

#: Measured on commit 8b46607 on the project's 2-core machine, 2026-11-30, side by side with
#: ``--before`` (one run each, nothing else running).
BEFORE = {
    "commit": "8b46607",
    "cost_curve_s": 1.56,
    "check_s": 7.9,
    "check_serial_s": 13.8,
    "check_cpu_s": 13.8,
    "expand_calls": 2,
    "plan_channel_calls": 6,
}

#: Times the cost curve and the full check (with the default executor, then serially) and
#: counts demand expansions and channel plans in whatever ``scenarios`` is importable (this tree,
#: or the one given by ``--before``); prints one line.
_MEASURE = r"""
import statistics, sys, time
import scenarios.demand, scenarios.pipeline
import scenarios.cli.check
from scenarios.cli import build_parser
from scenarios.examples import load_example

counts = {"expand": 0, "plan_channel": 0}
def counted(name, original):
    def wrapper(*args, **kwargs):
        counts[name] += 1
        return original(*args, **kwargs)
    return wrapper
for name, home in (("expand", scenarios.demand), ("plan_channel", scenarios.pipeline)):
    original = getattr(home, name)
    wrapper = counted(name, original)
    for mod_name, mod in list(sys.modules.items()):
        if mod_name.startswith("scenarios") and getattr(mod, name, None) is original:
            setattr(mod, name, wrapper)

from scenarios.verdict import cost_curve
scenario = load_example("default")
times = []
for _ in range(3):
    t0 = time.perf_counter()
    cost_curve(scenario, "voice")
    times.append(time.perf_counter() - t0)
curve_s = statistics.median(times)
check = scenarios.cli.check
figures = []
for executor in ("processes", "serial"):
    args = build_parser().parse_args(
        ["check", "default", "--replications", "30", "--executor", executor]
    )
    counts.update(expand=0, plan_channel=0)
    with check._executor(args) as pool:
        t0, c0 = time.perf_counter(), time.process_time()
        check._check_verdict(args, pool)
        figures += [time.perf_counter() - t0, time.process_time() - c0]
print(curve_s, figures[0], figures[2], figures[3], counts["expand"], counts["plan_channel"])
"""


def measure(tree: str | None) -> dict:
    """Cost-curve and full-check seconds and call counts, in a fresh interpreter importing
    ``scenarios`` from ``tree`` (default: this checkout)."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([tree, env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE],
        env=env,
        cwd=tree or None,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    curve_s, check_s, serial_s, cpu_s, expand_calls, plan_calls = out[-6:]
    return {
        "cost_curve_s": float(curve_s),
        "check_s": float(check_s),
        "check_serial_s": float(serial_s),
        "check_cpu_s": float(cpu_s),
        "expand_calls": int(expand_calls),
        "plan_channel_calls": int(plan_calls),
    }


def period_optimal_s() -> float:
    """Median of 3 period-optimal staffings of the default voice channel [s]."""
    import time

    from scenarios.examples import load_example
    from scenarios.pipeline import plan
    from scenarios.verdict import period_optimal

    result = plan(load_example("default"))
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        period_optimal(result, "voice")
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _median(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a checkout of the 'before' commit to time beside")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each side, alternating; medians shown"
    )
    args = parser.parse_args()
    runs = {"before": [], "after": []}
    for _ in range(args.repeat):  # alternating, so a change in the machine's load hits both
        if args.before:
            runs["before"].append(measure(args.before))
        runs["after"].append(measure(None))
    before = {**_median(runs["before"]), "commit": args.before} if args.before else BEFORE
    after = _median(runs["after"])
    print(f"{'':44}{'before (' + before['commit'] + ')':>28}{'after':>12}")
    rows = [
        ("cost curve, voice [s]", "cost_curve_s", "{:.2f}"),
        ("full check, 30 replications, processes [s]", "check_s", "{:.1f}"),
        ("full check, serial [s]", "check_serial_s", "{:.1f}"),
        ("  its CPU time [s]", "check_cpu_s", "{:.1f}"),
        ("demand expansions per check", "expand_calls", "{}"),
        ("channel plans per check", "plan_channel_calls", "{}"),
    ]
    for label, key, fmt in rows:
        print(f"{label:44}{fmt.format(before[key]):>28}{fmt.format(after[key]):>12}")
    print(
        f"period-optimal staffing, default voice: {period_optimal_s():.3f} s; full check "
        f"{after['check_s']:.1f} s on {os.cpu_count()} cores (target < 20 s), "
        f"{after['check_serial_s']:.1f} s serial"
    )


if __name__ == "__main__":
    main()
