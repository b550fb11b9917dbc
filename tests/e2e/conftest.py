"""One `streamlit run app.py` per test module and a Chromium driven by Playwright; an ``App``
helper that acts as a user would (click a page, fill a field, wait until the run is done).
Skipped, with a message, where Chromium or Playwright is missing."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).parents[2]
APP = ROOT / "app.py"

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
    """The app served from the repository root, as `make app` does (so `.streamlit/config.toml`
    is read)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
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


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(
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
        yield b
        b.close()


class App:
    """The app in one browser tab (a new Streamlit session), driven as a user would."""

    def __init__(self, page, url: str):
        self.page = page
        page.set_default_timeout(60_000)
        page.goto(url)
        self.wait()

    def wait(self, settle_ms: int = 300) -> None:
        """Until the script run triggered by the last action is over (no "Running" status,
        no stale elements)."""
        page = self.page
        page.wait_for_timeout(settle_ms)
        page.locator('[data-testid="stApp"]').wait_for()
        deadline = time.monotonic() + 120
        idle = 0  # consecutive idle looks: the status can blink off between two runs
        while time.monotonic() < deadline and idle < 3:
            running = page.locator('[data-testid="stStatusWidgetRunningIcon"]').count()
            stale = page.locator('[data-stale="true"]').count()
            idle = idle + 1 if not running and not stale and page.locator("h1").count() else 0
            page.wait_for_timeout(150)
        if idle < 3:
            raise AssertionError("the app kept running for 120 s")

    def goto(self, name: str) -> None:
        self.page.locator('[data-testid="stSidebar"]').get_by_text(name, exact=True).click()
        self.wait()
        assert self.page.locator("h1").first.inner_text().strip() == name

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()
        self.page.wait_for_timeout(300)

    def fill(self, label: str, value, nth: int = 0, enter: bool = True) -> None:
        box = self.page.get_by_label(label, exact=True).nth(nth)
        box.fill(str(value))
        if enter:
            box.press("Enter")
            self.wait()

    def value(self, label: str, nth: int = 0) -> str:
        return self.page.get_by_label(label, exact=True).nth(nth).input_value()

    def click(self, name: str, nth: int = 0) -> None:
        self.page.get_by_role("button", name=name, exact=True).nth(nth).click()
        self.wait()

    def choose(self, label: str, option: str) -> None:
        """Pick ``option`` in the select box ``label``."""
        self.page.get_by_label(label).first.click()
        self.page.get_by_role("option", name=option, exact=True).click()
        self.wait()

    def upload(self, label: str, path: Path) -> None:
        uploader = self.page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
        uploader.locator('input[type="file"]').set_input_files(str(path))
        self.wait(800)

    def download(self, name: str) -> Path:
        with self.page.expect_download() as info:
            self.page.get_by_role("button", name=name).first.click()
        path = info.value.path()
        self.wait()
        return Path(path)

    def text(self) -> str:
        return self.page.locator('[data-testid="stMain"]').inner_text()

    def sidebar(self) -> str:
        return self.page.locator('[data-testid="stSidebar"]').inner_text()

    def no_exception(self) -> None:
        assert self.page.locator('[data-testid="stException"]').count() == 0


@pytest.fixture
def app(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    yield App(page, app_url)
    context.close()
