"""`make lab` serves JupyterLab on the course, with the nbgrader and ipywidgets extensions."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from support import ROOT, free_port, process_group_alive, stop_process_group

pytestmark = pytest.mark.slow


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (loopback only)
        return r.status, r.read().decode("utf-8", errors="replace")


def _get_when_up(url: str, output: list[str], wait: float = 30.0) -> tuple[int, str]:
    """GET ``url``, retrying while the server does not accept connections yet."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return _get(url)
        except urllib.error.URLError as exc:
            if time.monotonic() > deadline:
                raise AssertionError(f"JupyterLab did not answer {url}: {exc}\n" + "".join(output)) from exc
            time.sleep(0.5)


def test_labextensions_for_widgets_and_nbgrader_are_enabled():
    out = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True, check=True
    )
    text = out.stdout + out.stderr
    for ext in ("@jupyter-widgets/jupyterlab-manager", "@jupyter/nbgrader"):
        line = next((l for l in text.splitlines() if ext in l), "")
        assert "enabled" in line and "OK" in line, f"{ext} is not enabled and OK:\n{text}"


def test_make_lab_serves_jupyterlab_and_formgrader():
    port, token = free_port(), "gradclip-test-token"
    args = f"--no-browser --ip=127.0.0.1 --IdentityProvider.token={token}"
    proc = subprocess.Popen(
        ["make", "lab", f"LAB_PORT={port}", f"LAB_ARGS={args}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env=dict(os.environ),
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout], daemon=True).start()
    output = []
    try:
        # Jupyter prints the URL to open; it masks a token given on the command line as "...".
        pattern = re.compile(rf"http://127\.0\.0\.1:{port}/lab\?token=(\.\.\.|{token})")
        deadline = time.monotonic() + 120
        served = False
        while time.monotonic() < deadline and not served and proc.poll() is None:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            output.append(line)
            served = bool(pattern.search(line))
        assert served, "make lab printed no URL to open:\n" + "".join(output)
        base = f"http://127.0.0.1:{port}"
        status, page = _get_when_up(f"{base}/lab?token={token}", output)
        assert status == 200 and "JupyterLab" in page
        status, specs = _get(f"{base}/api/kernelspecs?token={token}")
        assert "gradclip" in json.loads(specs)["kernelspecs"]
        status, _ = _get(f"{base}/formgrader?token={token}")
        assert status == 200
        status, tree = _get(f"{base}/api/contents/notebooks?token={token}")
        assert "01_gradients" in tree
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Stop make and the JupyterLab it started: their whole process group, SIGKILL if need be."""
    stop_process_group(proc)
    assert not process_group_alive(proc.pid), "JupyterLab outlived the test"
