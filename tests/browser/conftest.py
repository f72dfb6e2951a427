"""Fixtures of the browser tests: one JupyterLab (started like `make lab`) and one headless Chromium.

JupyterLab runs on a free port with a token, the repository as its root folder and the course
kernel; its settings, workspaces and everything Jupyter writes go to throw-away folders (the
root conftest.py already isolates $HOME). Notebooks are run on copies under
test-artifacts/browser-run/ (gitignored), so nothing tracked changes.

Without Chromium at /usr/bin/chromium (or without Playwright) every browser test is skipped with
one reason; under CI (CI=true) they fail instead, so that CI always runs them.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from _lab import RUN_DIR, SCREENSHOTS, LabPage
from support import ROOT, free_port, skip_or_fail_without, stop_process_group

CHROMIUM = os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium")
SKIP_REASON = f"browser tests skipped: Chromium not found at {CHROMIUM}; install Debian's chromium package"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "gradclip-browser-test-token"


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return SKIP_REASON
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests skipped: the Python package playwright is not installed; run `make setup`"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Report every browser-test skip at one place, so that `pytest -rs` (and `make test`,
    whose -ra includes skips) prints the reason on one line, not once per test."""
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and isinstance(report.longrepr, tuple)
        and "browser tests skipped" in report.longrepr[2]
    ):
        report.longrepr = (__file__, _SKIP_LINE, report.longrepr[2])


@pytest.fixture(scope="session")
def browser_available():
    skip_or_fail_without(
        _missing(), "browser tests skipped: ", "CI must run the browser tests (.ci/run installs Chromium)"
    )


_SKIP_LINE = pytest_runtest_makereport.__code__.co_firstlineno  # any fixed line of this file


def _write_settings(folder: Path) -> None:
    """User settings of the test Lab: every cell stays in the page, no news or update checks."""

    def put(plugin: str, settings: dict) -> None:
        package, name = plugin.split(":")
        path = folder / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))

    put("@jupyterlab/notebook-extension:tracker", {"windowingMode": "none"})
    put("@jupyterlab/apputils-extension:notification", {"fetchNews": "false", "checkForUpdates": False})


@pytest.fixture(scope="session")
def lab(browser_available):
    """A JupyterLab started with `make lab` on a free port; yields its base URL (token included)."""
    port = free_port()
    state = Path(tempfile.mkdtemp(prefix="gradclip-browser-lab-"))
    _write_settings(state / "settings")
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
    )
    args = (
        f"--no-browser --ip=127.0.0.1 --IdentityProvider.token={TOKEN} "
        f"--LabApp.expose_app_in_browser=True --ServerApp.open_browser=False"
    )
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    RUN_DIR.mkdir(parents=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        ["make", "lab", f"LAB_PORT={port}", f"LAB_ARGS={args}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout], daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        up = False
        while time.monotonic() < deadline and proc.poll() is None and not up:
            try:
                output.append(lines.get(timeout=1))
            except queue.Empty:
                pass
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5) as r:
                    up = r.status == 200
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
        if not up:
            pytest.fail("JupyterLab did not start:\n" + "".join(output), pytrace=False)
        yield {"base": base, "token": TOKEN, "output": output}
    finally:
        try:  # the server's own shutdown (kernels included) is quicker than signals
            request = urllib.request.Request(
                f"{base}/api/shutdown", method="POST", headers={"Authorization": f"token {TOKEN}"}
            )
            urllib.request.urlopen(request, timeout=10).close()
            proc.wait(timeout=20)
        except (urllib.error.URLError, OSError, subprocess.TimeoutExpired):
            pass
        stop_process_group(proc)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(browser_available):
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="gradclip-chromium-") as profile:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 1000},
            )
            context.set_default_timeout(60_000)
            try:
                yield context
            finally:
                context.close()


@pytest.fixture(scope="session")
def lab_page(lab, browser):
    """One JupyterLab tab, loaded and restored, shared by the notebook tests."""
    page = browser.new_page()
    lab_page = LabPage(page, lab["base"], lab["token"])
    lab_page.load()
    yield lab_page
    page.close()
