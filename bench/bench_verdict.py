"""Verdict speed: the cost curve (closed forms), period-optimal staffing, and the full
`ccplan check default` -- 30 replications of every breach-risk simulation, the inverse question,
the busiest day, period-optimal staffing and the comparison of three standards (80/20 with the
scenario's 85/30 and 90/15, each under per-interval and period-optimal staffing) -- run the way
a user runs it (the default executor: all cores; local threads for the compiled engine since
this session, worker processes before) and serially (so that wall and CPU time compare
across runs), with the time of each stage and the simulations run. Targets: the full check
under 3 s on 2 cores (issue 18, with the compiled engine), the cost curve well under a second.

"Before" is measured side by side with ``--before DIR`` on a checkout of the commit to compare
with (issue 18: ``git archive 523e8e6 | tar -x -C DIR``), which times the same command there in
a subprocess and prints the before/after ratio of every figure; without ``--before`` the
figures of commit 8b46607 measured earlier are printed as constants. Demand expansions,
channel plans and simulations (``simulator.replicate`` calls and replications) are counted on
both sides: a simulation repeated with the same configuration, replications and seed is
counted in "repeated simulations".

Each side runs in a new interpreter with its modules' bytecode written beforehand, as a user's
Python keeps it (``compile_tree``; this machine's shells turn bytecode caching off), and the
whole command a user types (imports, the check, its report) is timed beside the check itself.

The machine is shared, so wall time depends on what else runs: the CPU seconds are printed
beside it (of the serial run; of this process and of its worker processes, if any, for the
default run) with the load average at the end. With several workers the verdict's sections run
side by side, so the stages are timed on the serial run (each stage's own cost); with
``--no-serial`` they are the waits for each stage's result in order.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

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

#: Times the cost curve and the full check (with the default executor, then serially; each
#: stage of the serial run timed from the check's progress calls) and counts demand
#: expansions, channel plans and simulations in whatever ``scenarios`` is importable (this
#: tree, or the one given by ``--before``); prints one JSON line.
_MEASURE = r"""
import hashlib, json, pickle, re, resource, statistics, sys, time
import scenarios.demand, scenarios.pipeline
import scenarios.cli.check
import simulator
from scenarios.cli import build_parser
from scenarios.examples import load_example

counts = {"expand": 0, "plan_channel": 0, "simulations": 0, "replications": 0, "repeated": 0}
seen = set()
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
replicate = simulator.replicate
def replicate_counted(config, n, seed=None, **kwargs):
    key = (hashlib.sha256(pickle.dumps(config)).hexdigest(), n, repr(seed))
    counts["simulations"] += 1
    counts["replications"] += n
    counts["repeated"] += key in seen
    seen.add(key)
    return replicate(config, n, seed, **kwargs)
simulator.replicate = replicate_counted

from scenarios.verdict import cost_curve
scenario = load_example("default")
times = []
for _ in range(3):
    t0 = time.perf_counter()
    cost_curve(scenario, "voice")
    times.append(time.perf_counter() - t0)
curve_s = statistics.median(times)
check = scenarios.cli.check
figures, stages = {}, {}
for executor in EXECUTORS:
    # "default": no --executor, as a user types it (local threads / processes by the tree)
    chosen = [] if executor == "default" else ["--executor", executor]
    args = build_parser().parse_args(["check", "default", "--replications", REPLICATIONS, *chosen])
    for key in counts:
        counts[key] = 0
    seen.clear()
    marks = []
    def progress(text, _so_far, marks=marks):
        # "breach risk, voice (30 replications)" -> "breach risk"
        marks.append((re.split(r",| \(|:", text)[0], time.perf_counter()))
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with check._executor(args) as pool:
        t0, c0 = time.perf_counter(), time.process_time()
        check._check_verdict(args, pool, progress)
        end = time.perf_counter()
        own = time.process_time() - c0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, ended with the pool
    workers = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    figures[executor] = (end - t0, own, workers)
    marks.append(("end", end))
    stages[executor] = {}
    for (stage, start), (_, stop) in zip(marks, marks[1:]):
        stages[executor][stage] = stages[executor].get(stage, 0.0) + stop - start
print(json.dumps({
    "cost_curve_s": curve_s,
    "check_s": figures["default"][0],
    "check_parent_cpu_s": figures["default"][1],
    "check_workers_cpu_s": figures["default"][2],
    "check_serial_s": figures.get("serial", (None, None, None))[0],
    "check_cpu_s": figures.get("serial", (None, None, None))[1],
    "expand_calls": counts["expand"],
    "plan_channel_calls": counts["plan_channel"],
    "simulations": counts["simulations"],
    "replications": counts["replications"],
    "repeated_simulations": counts["repeated"],
    "stages_s": stages.get("serial", stages["default"]),
}))
"""


def _env(tree: str | None) -> dict:
    """The environment of a measured interpreter: ``tree`` first on the path, and bytecode
    cached as a user's Python does (this machine's shells set PYTHONDONTWRITEBYTECODE, which
    would compile every module of the project from source in every run: ~0.2 s more)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([tree, env.get("PYTHONPATH", "")])
    return env


def compile_tree(tree: str | None) -> None:
    """Write the bytecode of ``tree``'s modules (default: this checkout) before timing."""
    root = tree or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-x", r"[/\\]\.(venv|git)", root],
        env=_env(tree),
        capture_output=True,
        check=False,  # a file that does not compile is the tests' business, not the bench's
    )


def command_s(tree: str | None, replications: int = 30) -> float:
    """Wall seconds of the whole ``ccplan check default`` command as a user types it (a new
    interpreter: imports, the check with the default executor, its report)."""
    code = "import sys; from scenarios.cli import main; sys.exit(main())"
    argv = ["check", "default", "--replications", str(replications)]
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, *argv],
        env=_env(tree),
        cwd=tree or None,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - t0


def measure(tree: str | None, replications: int = 30, serial: bool = True) -> dict:
    """Cost-curve and full-check seconds, per-stage seconds and call counts, in a fresh
    interpreter importing ``scenarios`` from ``tree`` (default: this checkout); the check with
    ``replications``, with the default executor and (``serial``) serially; and the whole
    command's seconds (``command_s``)."""
    env = _env(tree)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"REPLICATIONS = {str(replications)!r}\n"
            f"EXECUTORS = {('default', 'serial') if serial else ('default',)!r}\n" + _MEASURE,
        ],
        env=env,
        cwd=tree or None,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return {**json.loads(out[-1]), "command_s": command_s(tree, replications)}


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
    out = {}
    for key in runs[0]:
        if isinstance(runs[0][key], dict):
            out[key] = _median([run[key] for run in runs])
        elif runs[0][key] is None:  # not measured (--no-serial)
            out[key] = None
        else:
            out[key] = statistics.median(run[key] for run in runs)
    return out


def _ratio(before, after) -> str:
    return f"{before / after:.2f}x" if isinstance(before, (int, float)) and after else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a checkout of the 'before' commit to time beside")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each side, alternating; medians shown"
    )
    parser.add_argument("--replications", type=int, default=30, help="of the check (30)")
    parser.add_argument(
        "--no-serial", action="store_true", help="only the check with the default executor"
    )
    args = parser.parse_args()
    runs = {"before": [], "after": []}
    for tree in ([args.before] if args.before else []) + [None]:
        compile_tree(tree)
    for _ in range(args.repeat):  # alternating, so a change in the machine's load hits both
        if args.before:
            runs["before"].append(measure(args.before, args.replications, not args.no_serial))
        runs["after"].append(measure(None, args.replications, not args.no_serial))
    before = {**_median(runs["before"]), "commit": args.before} if args.before else BEFORE
    after = _median(runs["after"])
    print(f"{'':48}{'before (' + str(before['commit']) + ')':>28}{'after':>10}{'ratio':>9}")
    rows = [
        ("cost curve, voice [s]", "cost_curve_s", "{:.2f}"),
        (f"full check, {args.replications} replications, default [s]", "check_s", "{:.1f}"),
        ("  CPU of this process [s]", "check_parent_cpu_s", "{:.1f}"),
        ("  CPU of its worker processes, if any [s]", "check_workers_cpu_s", "{:.1f}"),
        ("the whole command (imports, check, report) [s]", "command_s", "{:.1f}"),
        ("full check, serial [s]", "check_serial_s", "{:.1f}"),
        ("  its CPU time [s]", "check_cpu_s", "{:.1f}"),
        ("demand expansions per check", "expand_calls", "{}"),
        ("channel plans per check", "plan_channel_calls", "{}"),
        ("simulations per check (replicate calls)", "simulations", "{}"),
        ("  replications in them", "replications", "{}"),
        ("  repeated (same config, replications, seed)", "repeated_simulations", "{}"),
    ]

    def show(label, b, a, fmt):
        left = "-" if b is None else fmt.format(b)
        right = "-" if a is None else fmt.format(a)
        print(f"{label:48}{left:>28}{right:>10}{_ratio(b, a):>9}")

    for label, key, fmt in rows:
        show(label, before.get(key), after[key], fmt)
    # With several workers the sections run side by side: the time between two stage marks
    # is then the wait for that stage's result, not its cost; the serial run's are its cost.
    print(f"stages of the check, {'default' if args.no_serial else 'serial'} [s]:")
    for stage, seconds in after["stages_s"].items():
        show(f"  {stage}", before.get("stages_s", {}).get(stage), seconds, "{:.2f}")
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}, {os.cpu_count()} cores")
    print(
        f"period-optimal staffing, default voice: {period_optimal_s():.3f} s; full check "
        f"{after['check_s']:.1f} s on {os.cpu_count()} cores with {args.replications} "
        "replications (target < 3 s at 30)"
    )


if __name__ == "__main__":
    main()
