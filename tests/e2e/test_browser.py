"""The real app in a real browser: `streamlit run app.py` driven by Playwright in Debian's
headless Chromium. Skipped, with a message, where Chromium or Playwright is missing."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
APP = Path(__file__).parents[2] / "app.py"

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright missing: pip install -e '.[e2e]'"
)
if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
    pytest.skip("Chromium missing: apt-get install -y chromium", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_changing_a_target_changes_the_staffing_in_the_browser(app_url, tmp_path):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(app_url, timeout=60_000)
            page.get_by_text("Plan", exact=True).first.click(timeout=60_000)
            page.get_by_label("SL target for voice (fraction)").wait_for(timeout=60_000)
            page.wait_for_timeout(2000)  # the Plan page's run completes
            metric = page.locator('[data-testid="stMetricValue"]').first
            before = int(metric.inner_text())
            target = page.get_by_label("SL target for voice (fraction)")
            target.fill("0.95")
            target.press("Enter")
            deadline = time.monotonic() + 60
            after = before
            while time.monotonic() < deadline and after == before:
                page.wait_for_timeout(500)
                after = int(page.locator('[data-testid="stMetricValue"]').first.inner_text())
            # Let the run finish (elements of the previous run fade until then).
            page.wait_for_timeout(2000)
            page.screenshot(path=str(tmp_path / "plan_95.png"), full_page=True)
            assert after > before, f"staffing shown did not rise: {before} -> {after}"
            assert (tmp_path / "plan_95.png").stat().st_size > 10_000
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
