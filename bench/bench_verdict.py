"""Verdict speed: the cost curve (closed forms) and a full `ccplan check` of the default
scenario (one month, 30 replications of the breach-risk simulation). Targets: < 2 s and < 60 s.
"""

from __future__ import annotations

import statistics
import time

from scenarios.cli import build_parser
from scenarios.cli.check import _check_data
from scenarios.examples import load_example
from scenarios.verdict import cost_curve


def main() -> None:
    scenario = load_example("default")
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        curve = cost_curve(scenario, "voice")
        times.append(time.perf_counter() - t0)
    print(
        f"cost curve, {curve.cost.size} standards (SL x threshold) for the default scenario: "
        f"median {statistics.median(times):.2f} s (target < 2 s)"
    )
    args = build_parser().parse_args(["check", "default", "--replications", "30"])
    t0 = time.perf_counter()
    _check_data(args)
    print(
        f"full verdict (feasibility, clause prices, cost curve, breach risk and the inverse "
        f"question with 30 replications of {scenario.days} days, busiest-day peak check): "
        f"{time.perf_counter() - t0:.1f} s (target < 60 s)"
    )


if __name__ == "__main__":
    main()
