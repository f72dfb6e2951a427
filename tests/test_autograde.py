"""Autograde sample submissions of every lesson with nbgrader, in a throw-away course copy.

Each folder ``tests/submissions/<assignment>/`` holds sample answers (``<student>.py``: the code a
student put in the exercise cells) and ``expected_scores.csv``, the score each test cell must get.
In a notebook with one exercise cell the whole file is its answer; with several, the file is split
by lines ``# %% <grade_id>`` naming the exercise cell that the following code answers (cells not
named keep the release stub; a written answer, a hand-graded markdown cell, is filled the same
way, with text).  The student ``untouched`` hands in the release notebook as it is.  A sample with an infinite loop
is cut by nbgrader's per-cell timeout and must not hold up the others.  Grading goes through
``scripts/course.py autograde --jobs 2`` (nbgrader's API and the course's preprocessors, two
workers) with kernels forked from a server that has imported torch (``tests/kernel_zygote.py``):
a kernel started afresh spends seconds importing torch and torch._dynamo before a sample runs a
line, and 140 samples are graded here (quiz 1's 11 samples: 54.0 s with fresh kernels, 29.3 s
with forked ones, one at a time; 31.9 s and 20.8 s two at a time).  Those kernels run outside the sandbox
(``--unsafe-no-sandbox``); the same sample answers are graded in the sandbox by
``tests/test_tampering.py`` (each assignment's ``tamper_kernel`` must score its sample's row of
expected_scores.csv) and ``tests/test_workflow.py`` (lesson 01's samples).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kernel_zygote import Zygote
from support import (
    ROOT,
    cell_scores,
    grade_cells,
    make_course_copy,
    manual_cells,
    nbgrader_meta,
    read_nb,
    run_nbgrader,
)

pytestmark = pytest.mark.slow

SUBMISSIONS = ROOT / "tests" / "submissions"
#: Per-cell grading timeout for these tests (seconds): far above any lesson cell, and short
#: enough that a looping submission costs little.
CELL_TIMEOUT = 30


def sample_assignments() -> list[str]:
    return sorted(p.name for p in SUBMISSIONS.iterdir() if (p / "expected_scores.csv").exists())


def expected_scores(assignment: str) -> dict[str, dict[str, float]]:
    with open(SUBMISSIONS / assignment / "expected_scores.csv", newline="") as f:
        return {row.pop("student"): {k: float(v) for k, v in row.items()} for row in csv.DictReader(f)}


def solution_cell_ids(nb) -> list[str]:
    """The exercise cells: code solution cells, and written answers (graded markdown solution cells,
    which a sample fills with text under its own '# %% <grade_id>' marker)."""
    return [
        nbgrader_meta(c)["grade_id"]
        for c in nb.cells
        if nbgrader_meta(c).get("solution")
        and (c.cell_type == "code" or (c.cell_type == "markdown" and nbgrader_meta(c).get("grade")))
    ]


def split_answers(text: str, exercise_ids: list[str]) -> dict[str, str]:
    """Map exercise grade_id -> answer code from a sample file (see the module docstring)."""
    marker = re.compile(r"^# %% (\S+)\s*$", re.MULTILINE)
    parts = marker.split(text)
    if len(parts) == 1:
        assert len(exercise_ids) == 1, (
            f"a sample for a notebook with exercises {exercise_ids} needs '# %% <grade_id>' sections"
        )
        return {exercise_ids[0]: text}
    answers = {parts[i]: parts[i + 1].strip("\n") + "\n" for i in range(1, len(parts), 2)}
    unknown = set(answers) - set(exercise_ids)
    assert not unknown, f"sample answers name unknown exercise cells {sorted(unknown)}"
    return answers


def build_submission(release_nb: Path, sample: str | None, dest: Path) -> None:
    """The release notebook with its exercise cells replaced by the sample's answers."""
    nb = read_nb(release_nb)
    if sample is not None:
        answers = split_answers(sample, solution_cell_ids(nb))
        for cell in nb.cells:
            grade_id = nbgrader_meta(cell).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(dest))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def zygote(tmp_path_factory):
    """A running kernel fork server; the value is a JUPYTER_PATH whose course kernelspec uses it."""
    folder = tmp_path_factory.mktemp("zygote")
    spec = json.loads((ROOT / "solutions" / "01_gradients" / "01_gradients.ipynb").read_text())["metadata"][
        "kernelspec"
    ]
    with Zygote(folder) as z:
        z.install_kernelspec(folder / "jupyter", spec["name"], spec["display_name"])
        yield os.pathsep.join([str(folder / "jupyter"), os.environ.get("JUPYTER_PATH", "")])


@pytest.fixture(scope="module", params=sample_assignments())
def graded(request, tmp_path_factory, zygote):
    assignment = request.param
    course = make_course_copy(tmp_path_factory.mktemp(f"course-{assignment}"))
    run_nbgrader(course, "generate_assignment", assignment, "--force", "--log-level=WARN")
    release_nb = course / "notebooks" / assignment / f"{assignment}.ipynb"
    students = expected_scores(assignment)
    digests = {}
    for student in students:
        sample = SUBMISSIONS / assignment / f"{student}.py"
        answer = None if student == "untouched" else sample.read_text()
        dest = course / "submitted" / student / assignment / f"{assignment}.ipynb"
        build_submission(release_nb, answer, dest)
        digests[dest] = _digest(dest)
    # Graded as an instructor grades: course.py autograde, two submissions at once, so these
    # expected tables also hold for parallel grading; each kernel is forked from the zygote
    # (tests/kernel_zygote.py) with torch already imported, outside the sandbox.
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "course.py"),
            "--course",
            str(course),
            "autograde",
            assignment,
            "--timeout",
            str(CELL_TIMEOUT),
            "--jobs",
            "2",
            "--unsafe-no-sandbox",
        ],
        capture_output=True,
        text=True,
        timeout=3600,
        env={**os.environ, "JUPYTER_PATH": zygote},
    )
    assert proc.returncode == 0 and "; 0 could not be graded" in proc.stdout, (
        f"course.py autograde exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    )
    scores = cell_scores(course, assignment, students)
    return dict(assignment=assignment, course=course, scores=scores, expected=students, digests=digests)


def test_scores_equal_the_expected_table(graded):
    lines = []
    for student, expected in graded["expected"].items():
        got = graded["scores"][student]
        for cell, points in expected.items():
            if got.get(cell) != points:
                lines.append(f"{student}: {cell} scored {got.get(cell)}, expected {points}")
    assert not lines, "autograde scores differ from expected_scores.csv:\n" + "\n".join(lines)


def test_expected_table_covers_every_graded_cell(graded):
    nb = read_nb(ROOT / "solutions" / graded["assignment"] / f"{graded['assignment']}.ipynb")
    graded_ids = {
        nbgrader_meta(c)["grade_id"]
        for c in nb.cells
        if nbgrader_meta(c).get("grade") and c.cell_type == "code"
    }
    for student, expected in graded["expected"].items():
        assert set(expected) - {"total"} == graded_ids, f"{student}: table columns != graded cells"
        total = sum(v for k, v in expected.items() if k != "total")
        assert expected["total"] == total


def test_infinite_loop_is_cut_by_the_timeout(graded):
    if "infinite_loop" not in graded["expected"]:
        pytest.skip("no infinite-loop sample for this assignment")
    a = graded["assignment"]
    autograded = read_nb(graded["course"] / "autograded" / "infinite_loop" / a / f"{a}.ipynb")
    errors = [
        o.get("ename")
        for c in autograded.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert any(e in ("KeyboardInterrupt", "CellTimeoutError") for e in errors), (
        f"no cell of the looping submission was interrupted; errors seen: {errors}"
    )
    # The cells after the interrupted one ran: the loop did not hold up the rest of the notebook,
    # and every other student was graded (test_scores_equal_the_expected_table). How long grading
    # takes is measured by `make bench`, not asserted here: a wall-clock budget fails on a busy CPU.
    last_error = max(
        i
        for i, c in enumerate(autograded.cells)
        if c.cell_type == "code"
        and any(
            o.get("output_type") == "error" and o.get("ename") in ("KeyboardInterrupt", "CellTimeoutError")
            for o in c.get("outputs", [])
        )
    )
    later = [c for c in autograded.cells[last_error + 1 :] if c.cell_type == "code" and c.source.strip()]
    assert all(c.get("execution_count") for c in later), "cells after the interrupted one did not run"


def test_submitted_files_are_not_modified(graded):
    for path, digest in graded["digests"].items():
        assert _digest(path) == digest, f"grading modified {path}"


def test_a_written_answer_waits_for_the_instructor(graded):
    """A hand-graded answer (a graded markdown solution cell) scores 0 when it was left as released
    ("YOUR ANSWER HERE"), and is flagged for a manual grade, with no automatic score, when it was
    written; the grade an instructor then gives counts in the submission's score."""
    from nbgrader.api import Gradebook

    a = graded["assignment"]
    manual = manual_cells(read_nb(ROOT / "solutions" / a / f"{a}.ipynb"))
    if not manual:
        pytest.skip("no hand-graded answer in this assignment")
    answers = {
        student: set(
            split_answers(
                (SUBMISSIONS / a / f"{student}.py").read_text(),
                solution_cell_ids(read_nb(ROOT / "solutions" / a / f"{a}.ipynb")),
            )
        )
        if student != "untouched"
        else set()
        for student in graded["expected"]
    }
    assert any(manual.keys() & ids for ids in answers.values()), "no sample writes the answer"
    with Gradebook(f"sqlite:///{graded['course'] / 'gradebook.db'}") as gb:
        for student, ids in answers.items():
            sub = gb.find_submission(a, student)
            assert sub.max_score == sum(
                grade_cells(read_nb(ROOT / "solutions" / a / f"{a}.ipynb")).values()
            ) + sum(manual.values())
            for cell, points in manual.items():
                grade = gb.find_grade(cell, a, a, student)
                assert grade.max_score == points
                if cell in ids:
                    assert grade.needs_manual_grade and grade.auto_score is None, (student, cell)
                else:
                    assert not grade.needs_manual_grade and grade.auto_score == 0, (student, cell)
        # The instructor grades one written answer by hand: it counts in the submission's score.
        student = next(s for s, ids in answers.items() if manual.keys() & ids)
        cell = next(iter(manual.keys() & answers[student]))
        before = gb.find_submission(a, student).score
        grade = gb.find_grade(cell, a, a, student)
        grade.manual_score = 2.5
        gb.db.commit()
        assert gb.find_submission(a, student).score == pytest.approx(before + 2.5)
