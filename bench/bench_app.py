"""App responsiveness with streamlit.testing's AppTest (script re-run time, no browser).

Targets (app issue): a calculator input change re-renders in under 300 ms; the Plan page on the
default scenario in under 1.5 s. Prints medians of repeated runs.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[1] / "app.py")


def timed(action, repeat=7):
    times = []
    for i in range(repeat):
        t0 = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    at = AppTest.from_file(APP, default_timeout=120).run()
    calc = timed(lambda i: at.number_input(key="calc_cph").set_value(1000.0 + 10 * i).run())
    print(f"calculator: input change -> re-render median {calc * 1e3:.0f} ms (target < 300 ms)")
    at.sidebar.radio(key="page").set_value("Plan").run()
    plan = timed(lambda i: at.number_input(key="plan_target").set_value(0.80 + 0.01 * i).run())
    print(f"plan page: target change -> re-render median {plan:.2f} s (target < 1.5 s)")
    at.sidebar.radio(key="page").set_value("SLA check").run()
    first = timed(lambda i: at.number_input(key="check_fte").set_value(60.0 + i).run())
    again = timed(lambda i: at.number_input(key="check_fte").set_value(60.0 + i).run())
    print(
        f"SLA check page: new FTE on offer -> re-render median {first:.2f} s; "
        f"an FTE seen before (cached) {again:.2f} s"
    )


if __name__ == "__main__":
    main()
