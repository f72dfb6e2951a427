"""Shared helpers for the course's tests (the root conftest.py isolates $HOME; pytest puts tests/ and scripts/ on sys.path)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_utils.distributed import free_port  # noqa: F401 (re-exported for the tests)

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
RELEASE = ROOT / "notebooks"
#: Seeds over which every claim about training behaviour is checked.
SEEDS = (0, 1, 2, 3, 4)


def assignment_names() -> list[str]:
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def source_notebooks() -> list[Path]:
    return sorted(SOLUTIONS.glob("*/*.ipynb"))


def release_notebooks() -> list[Path]:
    return sorted(RELEASE.glob("*/*.ipynb"))


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_cells(nb) -> dict[str, float]:
    """grade_id -> points of every autograded test cell of a notebook (graded code cells; a
    hand-graded written answer, see ``manual_cells``, is not one)."""
    return {
        nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
        for c in nb.cells
        if nbgrader_meta(c).get("grade") and c.cell_type == "code"
    }


def manual_cells(nb) -> dict[str, float]:
    """grade_id -> points of every answer the instructor grades by hand: a graded markdown cell
    that is also a solution cell (nbgrader releases it as "YOUR ANSWER HERE")."""
    return {
        nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
        for c in nb.cells
        if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution") and c.cell_type == "markdown"
    }


def make_course_copy(dest: Path) -> Path:
    """A throw-away copy of the course (instructor source and config) to run nbgrader in."""
    shutil.copytree(
        SOLUTIONS, dest / "solutions", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    )
    shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    return dest


def run_nbgrader(course: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``python -m nbgrader ARGS`` in ``course``; fail the test with its output on error."""
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        pytest.fail(f"nbgrader {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def read_nb(path: Path):
    return nbformat.read(str(path), as_version=4)


def process_group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def stop_process_group(proc: subprocess.Popen) -> None:
    """Stop ``proc`` (started with ``start_new_session=True``) and its whole process group:
    SIGTERM, then SIGKILL if it is still there."""
    pgid = proc.pid
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
        if not process_group_alive(pgid):
            break
        os.killpg(pgid, sig)
        deadline = time.monotonic() + wait
        while process_group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.2)
    proc.wait(timeout=10)


def under_ci() -> bool:
    """Whether the tests run under CI (``CI=true``, as ``.ci/run`` and CI services set it)."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def skip_or_fail_without(reason: str | None, prefix: str, install_hint: str) -> None:
    """Skip with ``reason`` when a program the tests need is missing; under CI, fail instead.

    ``reason`` is ``None`` when nothing is missing. ``prefix`` is the start of ``reason`` that the
    CI message drops (e.g. ``"browser tests skipped: "``); ``install_hint`` says what CI must do.
    """
    if not reason:
        return
    if under_ci():
        pytest.fail(f"CI=true but {reason.removeprefix(prefix)}: {install_hint}", pytrace=False)
    pytest.skip(reason)


def cell_scores(course: Path, assignment: str, students) -> dict[str, dict[str, float]]:
    """student -> {grade_id: score of each autograded code cell, "total": score} from the course's
    SQLite gradebook (every student must have a submission there)."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            sub = gb.find_submission(assignment, student)
            scores[student] = {
                g.name: g.score
                for nb in sub.notebooks
                for g in nb.grades
                if g.max_score > 0 and g.cell_type == "code"
            }
            scores[student]["total"] = sub.score
    return scores
