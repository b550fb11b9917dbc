"""Verdict speed: the cost curve (closed forms) and a full `ccplan check` of the default
scenario (one month, 30 replications of the breach-risk simulation, serial executor so that
wall and CPU time compare across runs), before and after the verdict was computed once from a
plan. Targets: < 2 s and < 60 s; the full check at least 2x faster than before.

"Before" is the verdict as of commit 5dba4d5 (it took the raw scenario and redid demand and
planning in every part). Its path was not kept (it would be a second copy of the verdict), so
the figures measured then are printed as constants beside the ones measured now; re-measure
them with ``--before DIR`` on a checkout of that commit (``git archive 5dba4d5 | tar -x -C
DIR``), which times the same calls there in a subprocess, side by side on this machine.
Demand expansions and channel plans are counted on both sides.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

#: Measured on commit 5dba4d5, 2026-11-30, on the project's 2-core machine (shared with other
#: test runs), median of 3 alternating runs (``--before``): the median of 3 cost curves, one
#: full check with the serial executor (wall and CPU time), and the calls it made.
BEFORE = {
    "commit": "5dba4d5",
    "cost_curve_s": 2.49,
    "check_s": 25.3,
    "check_cpu_s": 25.2,
    "expand_calls": 12,
    "plan_channel_calls": 56,
}

#: Times the full check and counts demand expansions and channel plans in whatever
#: ``scenarios`` is importable (this tree, or the one given by ``--before``); prints one line.
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
args = build_parser().parse_args(
    ["check", "default", "--replications", "30", "--executor", "serial"]
)
check = scenarios.cli.check
run = getattr(check, "_check_verdict", None) or getattr(check, "_check_data")
counts.update(expand=0, plan_channel=0)
with check._executor(args) as executor:
    t0, c0 = time.perf_counter(), time.process_time()
    run(args, executor)
    check_s, check_cpu_s = time.perf_counter() - t0, time.process_time() - c0
print(curve_s, check_s, check_cpu_s, counts["expand"], counts["plan_channel"])
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
    curve_s, check_s, check_cpu_s, expand_calls, plan_calls = out[-5:]
    return {
        "cost_curve_s": float(curve_s),
        "check_s": float(check_s),
        "check_cpu_s": float(check_cpu_s),
        "expand_calls": int(expand_calls),
        "plan_channel_calls": int(plan_calls),
    }


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
    print(f"{'':34}{'before (' + before['commit'] + ')':>28}{'after':>12}")
    rows = [
        ("cost curve, 48 standards [s]", "cost_curve_s", "{:.2f}"),
        ("full check, 30 replications [s]", "check_s", "{:.1f}"),
        ("  its CPU time [s]", "check_cpu_s", "{:.1f}"),
        ("demand expansions per check", "expand_calls", "{}"),
        ("channel plans per check", "plan_channel_calls", "{}"),
    ]
    for label, key, fmt in rows:
        print(f"{label:34}{fmt.format(before[key]):>28}{fmt.format(after[key]):>12}")
    speedup = before["check_s"] / after["check_s"]
    cpu = before["check_cpu_s"] / after["check_cpu_s"]
    print(
        f"full check {speedup:.2f}x faster, {cpu:.2f}x less CPU (target >= 2x); cost curve "
        f"{after['cost_curve_s']:.2f} s (target < 2 s); "
        f"full check {after['check_s']:.1f} s (target < 60 s)"
    )


if __name__ == "__main__":
    main()
