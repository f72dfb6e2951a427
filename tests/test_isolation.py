"""Tests keep Jupyter, IPython and matplotlib configuration out of $HOME."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook


def _files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


@pytest.mark.slow
def test_kernel_jupyter_and_matplotlib_write_nothing_under_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    nb = new_notebook(
        cells=[
            new_code_cell(
                "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\nplt.show()"
            ),
            new_code_cell("import course_utils, torch\nget_ipython().run_line_magic('history', '-l 1')"),
        ]
    )
    NotebookClient(
        nb, timeout=120, kernel_name="gradclip", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    # Jupyter's own command-line tools, as the Makefile and nbgrader call them.
    subprocess.run([sys.executable, "-m", "jupyter", "--paths"], check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "jupyter", "kernelspec", "list"], check=True, capture_output=True)
    assert _files_under(home) == [], f"files written under $HOME: {_files_under(home)}"
