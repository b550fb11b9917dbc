"""App responsiveness, in a real browser and with streamlit.testing's AppTest. Prints medians.

Targets (app issue): cold open under 3 s, page switch under 1 s, the negotiator's table for
the default scenario under 2 s (closed forms; simulation on demand). Issue 18: the negotiator's
table re-rendered under 0.5 s after a target change (closed forms, cached plan); the breach
risk of one standard (SLA check) and the comparison of three standards (Negotiate: 80/20
proposed, 85/30 and 90/15) streamed as they finish and complete under 2 s once the compiled
engine is in (the time to the first result shown is printed beside the total; on Negotiate
the three compared standards apart from the email channel's risk and the proposed standard's
period-optimal check that follow them). Beside each interaction's wall time, the CPU time of
the server and its worker processes (``tree_cpu_s``): on a machine shared with other work the
wall time is inflated, the CPU time is not; note the load (``uptime``) with the figures.

Browser (Playwright driving /usr/bin/chromium against `streamlit run app.py` from the
repository root): "cold open" is a new tab (a new session) until the first page's answer is
on screen and the run is over, on a fresh server (its first session pays the imports) and on
a warm one; "page switch" is a click in the sidebar until the new page's run is over.
AppTest (script runs, no browser): the first run of a fresh AppTest, a page switch, the
negotiator's page with its caches cleared (what a new scenario costs), a calculator input
change (< 300 ms) and a Plan target change (< 1.5 s).

    .venv/bin/python bench/bench_app.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

APP = str(ROOT / "app.py")
SWITCHES = ("Plan", "SLA check", "Scenario", "Negotiate", "Simulate", "Quick calculator")


def median_ms(times) -> str:
    return f"{statistics.median(times) * 1e3:,.0f} ms (n={len(times)})"


def bench_apptest(repeat: int) -> None:
    from streamlit.testing.v1 import AppTest

    cold, switch, table, calc, target = [], [], [], [], []
    for _ in range(repeat):
        at = AppTest.from_file(APP, default_timeout=120)
        t0 = time.perf_counter()
        at.run()
        cold.append(time.perf_counter() - t0)
        for page in SWITCHES:
            t0 = time.perf_counter()
            at.sidebar.radio(key="page").set_value(page).run()
            switch.append(time.perf_counter() - t0)
        import streamlit as st

        st.cache_data.clear()  # a new scenario: nothing planned yet
        t0 = time.perf_counter()
        at.sidebar.radio(key="page").set_value("Negotiate").run()
        table.append(time.perf_counter() - t0)
        at.sidebar.radio(key="page").set_value("Quick calculator").run()
        for i in range(3):
            t0 = time.perf_counter()
            at.number_input(key="calc_volume").set_value(1000.0 + 10 * i).run()
            calc.append(time.perf_counter() - t0)
        at.sidebar.radio(key="page").set_value("Plan").run()
        for i in range(3):
            box = next(w for w in at.number_input if w.label == "Service level [%]")
            t0 = time.perf_counter()
            box.set_value(81.0 + i).run()
            target.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    print("AppTest (script runs, no browser):")
    print(f"  first run (Negotiate, default scenario): {median_ms(cold)}  (target < 3 s)")
    print(f"  page switch (after the first visit):      {median_ms(switch)}  (target < 1 s)")
    print(f"  negotiator's table, caches cleared:       {median_ms(table)}  (target < 2 s)")
    print(f"  calculator input change:                  {median_ms(calc)}  (target < 300 ms)")
    print(f"  Plan: service level changed (a what-if):  {median_ms(target)}  (target < 1.5 s)")


def bench_browser(repeat: int) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    import socket
    import subprocess
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            opens, switches, first = [], [], None
            for k in range(repeat + 1):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                t0 = time.perf_counter()
                page.goto(url)
                page.get_by_text("on offer the standards of").wait_for(timeout=120_000)
                idle(page)
                elapsed = time.perf_counter() - t0
                if k == 0:
                    first, first_shown = elapsed, time.perf_counter()
                else:
                    opens.append(elapsed)
                if k == 1:
                    bench_interactions(page, repeat, server.pid, first_shown)
                if k:
                    for name in SWITCHES:
                        t0 = time.perf_counter()
                        page.locator('[data-testid="stSidebar"]').get_by_text(
                            name, exact=True
                        ).click()
                        page.locator("h1", has_text=name).wait_for()
                        idle(page)
                        switches.append(time.perf_counter() - t0)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    print("Browser (Chromium, streamlit run from the repository root):")
    print(f"  cold open, fresh server (imports):  {first * 1e3:,.0f} ms  (target < 3 s)")
    print(f"  cold open, new session:             {median_ms(opens)}  (target < 3 s)")
    print(f"  page switch:                        {median_ms(switches)}  (target < 1 s)")


def bench_interactions(page, repeat: int, server_pid: int, first_shown: float) -> None:
    """On an open Negotiate page: target changes, the three standards' breach risks, then the
    SLA check's breach risk of one standard. Each with the CPU time the server and its
    worker processes spent (``tree_cpu_s``): on a shared machine the wall time is inflated by
    the other processes, the CPU time is not. The target changes start once the workers'
    warm-up (after the server's first page, at ``first_shown``) is over: a change times the
    page, not a one-off start-up running beside it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    quiet(server_pid, first_shown)
    change, change_first, change_cpu = [], [], []
    box = page.get_by_label("Service level [%]", exact=True).first
    for k in range(repeat):
        value = 81 + k % 5
        cpu = tree_cpu_s(server_pid)
        t0 = time.perf_counter()
        box.fill(str(value))
        box.press("Enter")
        # The table naming the new standard on screen, then the end of the run. An edit sent
        # while Streamlit reruns is sometimes dropped (seen 2 times in 9 runs): sent again
        # then, and the time counted from the first attempt.
        table = page.locator("table", has_text=f"{value}/20 (proposed)")
        for attempt in range(3):
            try:
                table.wait_for(timeout=30_000)
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
                step(f"target change to {value} not seen in 30 s: sent again")
                box.fill(str(value))
                box.press("Enter")
        change_first.append(time.perf_counter() - t0)
        idle(page)
        change.append(time.perf_counter() - t0)
        change_cpu.append(tree_cpu_s(server_pid) - cpu)
    box.fill("80")
    box.press("Enter")
    page.locator("table", has_text="80/20 (proposed)").wait_for(timeout=120_000)
    idle(page)
    step("target changes timed")
    page.wait_for_timeout(3000)  # the workers' warm-up (after the first page) is over
    main = page.locator('[data-testid="stMain"]')
    cpu = tree_cpu_s(server_pid)
    t0 = time.perf_counter()
    main.get_by_role("button", name="Estimate breach risk (simulation)").click()
    # The progress bar counts the compared standards whose rows are filled in. Two finish
    # almost together (one per worker): the browser may draw "2 of 3" without ever drawing
    # "1 of 3" (the bench waited for it forever, seen 3 times in 6 runs).
    first_done = re.compile(r"[123] of 3 compared standards simulated")
    page.get_by_text(first_done).first.wait_for(timeout=900_000)
    first_std = time.perf_counter() - t0
    step("first standard shown")
    page.get_by_text("3 of 3 compared standards simulated").first.wait_for(timeout=900_000)
    three_std = time.perf_counter() - t0
    three_cpu = tree_cpu_s(server_pid) - cpu
    step("three standards shown")
    page.get_by_text("measured per").first.wait_for(timeout=900_000)  # after the rerun
    idle(page, timeout_s=900)
    all_std = time.perf_counter() - t0
    all_cpu = tree_cpu_s(server_pid) - cpu
    step("Negotiate's breach risk complete")
    page.locator('[data-testid="stSidebar"]').get_by_text("SLA check", exact=True).click()
    page.locator("h1", has_text="SLA check").wait_for()
    idle(page)
    cpu = tree_cpu_s(server_pid)
    t0 = time.perf_counter()
    main.get_by_role("button", name="Estimate breach risk (simulation)").click()
    page.get_by_text(re.compile(r"\d+ of \d+ simulated runs")).first.wait_for(timeout=900_000)
    first_batch = time.perf_counter() - t0
    idle(page, timeout_s=900)
    one_std = time.perf_counter() - t0
    one_cpu = tree_cpu_s(server_pid) - cpu
    print("Browser, interactions (default scenario):")
    print(
        f"  negotiator's table after a target change: shown {median_ms(change_first)}, "
        f"complete {median_ms(change)}, CPU {median_ms(change_cpu)}  (target < 0.5 s)"
    )
    print(
        f"  three standards' breach risk (Negotiate, 20 runs each): first standard shown "
        f"{first_std * 1e3:,.0f} ms, three compared {three_std * 1e3:,.0f} ms (CPU "
        f"{three_cpu * 1e3:,.0f} ms)  (target < 2 s); "
        f"with email's and the proposed one's period-optimal staffing checked "
        f"{all_std * 1e3:,.0f} ms, CPU {all_cpu * 1e3:,.0f} ms"
    )
    print(
        f"  one standard's breach risk (SLA check, 10 runs): first batch shown "
        f"{first_batch * 1e3:,.0f} ms, complete {one_std * 1e3:,.0f} ms, CPU "
        f"{one_cpu * 1e3:,.0f} ms  (target < 2 s)"
    )


def step(text: str) -> None:
    """Progress on stderr (a run takes minutes)."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def quiet(pid: int, first_shown: float, timeout_s: float = 60.0) -> None:
    """Until the server and its workers are idle: past the workers' warm-up (started
    ``WARM_UP_DELAY_S`` after the first page was shown, at ``first_shown``) and no CPU time
    spent (``tree_cpu_s``) for half a second."""
    from ui.state import WARM_UP_DELAY_S

    time.sleep(max(0.0, first_shown + WARM_UP_DELAY_S + 0.5 - time.perf_counter()))
    end = time.perf_counter() + timeout_s
    while time.perf_counter() < end:
        before = tree_cpu_s(pid)
        time.sleep(0.5)
        if tree_cpu_s(pid) - before < 0.02:
            return


def tree_cpu_s(pid: int) -> float:
    """CPU time [s] (user + system) of process ``pid`` and its live descendants (Linux
    ``/proc``): the server, its forkserver and the simulation workers."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, cpu = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {pid}, True
    while grew:
        more = {p for p, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(cpu.get(p, 0.0) for p in tree)


def idle(page, timeout_s: float = 60.0) -> None:
    """Until the run is over: no running indicator, no stale (fading) elements."""
    page.wait_for_timeout(50)
    for _ in range(int(timeout_s / 0.025)):
        running = page.locator('[data-testid="stStatusWidgetRunningIcon"]').count()
        if not running and not page.locator('[data-stale="true"]').count():
            return
        page.wait_for_timeout(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser-only", action="store_true", help="skip the AppTest part")
    args = parser.parse_args()
    bench_browser(args.repeat)
    if not args.browser_only:
        bench_apptest(args.repeat)


if __name__ == "__main__":
    main()
