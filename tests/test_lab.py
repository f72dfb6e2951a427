"""`make lab` serves JupyterLab on the course, with the nbgrader and ipywidgets extensions."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from support import ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (loopback only)
        return r.status, r.read().decode("utf-8", errors="replace")


def test_labextensions_for_widgets_and_nbgrader_are_enabled():
    out = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"],
                         capture_output=True, text=True, check=True)
    text = out.stdout + out.stderr
    for ext in ("@jupyter-widgets/jupyterlab-manager", "@jupyter/nbgrader"):
        line = next((l for l in text.splitlines() if ext in l), "")
        assert "enabled" in line and "OK" in line, f"{ext} is not enabled and OK:\n{text}"


def test_make_lab_serves_jupyterlab_and_formgrader():
    port, token = _free_port(), "gradclip-test-token"
    args = f"--no-browser --ip=127.0.0.1 --IdentityProvider.token={token}"
    proc = subprocess.Popen(["make", "lab", f"LAB_PORT={port}", f"LAB_ARGS={args}"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env=dict(os.environ))
    output = []
    try:
        deadline = time.monotonic() + 120
        url = None
        while time.monotonic() < deadline and url is None:
            line = proc.stdout.readline()
            if not line:
                if proc.poll() is not None:
                    break
                continue
            output.append(line)
            m = re.search(rf"(http://127\.0\.0\.1:{port}/lab\?token={token})", line)
            url = m.group(1) if m else None
        assert url, "make lab printed no URL to open:\n" + "".join(output)
        status, page = _get(url)
        assert status == 200 and "JupyterLab" in page
        status, specs = _get(f"http://127.0.0.1:{port}/api/kernelspecs?token={token}")
        assert "gradclip" in json.loads(specs)["kernelspecs"]
        status, _ = _get(f"http://127.0.0.1:{port}/formgrader?token={token}")
        assert status == 200
        status, tree = _get(f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}")
        assert "01_gradients" in tree
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Stop make and the JupyterLab it started (its whole process group)."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    if proc.stdout:
        proc.stdout.close()
