"""Tampering with the notebook must not gain a single point (issue 7).

For every graded assignment, two tampered submissions (built by tests/tampering.py) are
autograded in one nbgrader run:

* ``tamper_cells``: the untouched release with each test cell tampered differently (edited to
  ``pass``, deleted, points raised, tagged ``skip-execution``, nbgrader metadata changed or
  removed, turned into markdown, ...) and a fake test cell added.  Its honest score is 0.
* ``tamper_kernel``: a sample answer with known partial scores (tests/submissions) with a cell
  before each failing test that hides errors inside the kernel (``showtraceback`` replaced, a
  custom exception handler, a ``try/except`` AST or input transformer, ...).  Its honest score
  is the sample's row of expected_scores.csv.

* ``tamper_ungradable``: the release with one tamper that makes nbgrader refuse the notebook
  (a test cell's ``grade`` set to false, its grade_id renamed, ...); every cell is recorded as
  ``-1`` (ungradable: no score, and scripts/course.py lists the submission).

``tests/tampering_expected.csv`` holds the exact score of every test cell (and the tamper applied
to it, so that the table and the generator cannot drift apart; an empty tamper is an untampered
cell); ``before_fix`` records what nbgrader 0.9.6's own Execute gave, measured when the table was
written (a kernel tamper then also hid the errors of the later test cells of its notebook).  It is empty
for 09_modern and quiz_3's questions 11-18, added after the fix (there was no unfixed grader to
measure them on), and for the rows whose tamper or honest score changed when lesson 07 was split into
07_pitfalls and 07b_production (07's cells, 07b, and the quiz_3 rows of the questions that moved).
Run ``python tests/test_tampering.py ASSIGNMENT...`` to print the rows of a fresh grading run.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, cell_scores, make_course_copy, read_nb, run_nbgrader
from tampering import (
    cell_tamper_plan,
    grade_cell_ids,
    kernel_tamper_plan,
    tamper_cells,
    tamper_kernel,
    ungradable_plan,
    write,
)
from test_autograde import CELL_TIMEOUT, SUBMISSIONS, build_submission, expected_scores

EXPECTED = ROOT / "tests" / "tampering_expected.csv"
ASSIGNMENTS = [
    "01_gradients",
    "02_exploding",
    "03_rnn",
    "04_clip_norm",
    "05_clip_value",
    "06_threshold",
    "07_pitfalls",
    "08_capstone",
    "quiz_1",
    "quiz_2",
    "quiz_3",
    "09_modern",
    "07b_production",  # new assignments go last: each assignment's tampers rotate by its place in this list
]
#: The sample (tests/submissions/<assignment>/<name>.py) each kernel-tamper submission is built on:
#: an honest answer that passes some test cells and fails several others.
KERNEL_BASES = {
    "01_gradients": "partial_ignores_norm_type",
    "02_exploding": "layers_sum_abs",
    "03_rnn": "clip_before_backward",
    "04_clip_norm": "per_tensor_norm",
    "05_clip_value": "angle_per_tensor",
    "06_threshold": "keeps_nonfinite",
    "07_pitfalls": "fixes_only_train_step",
    "07b_production": "unscale_after_clip",
    "08_capstone": "clip_after_step",
    "09_modern": "pe_batch_clip",
    "quiz_1": "five_right",
    "quiz_2": "five_right",
    "quiz_3": "five_right",
}


def kernel_base(assignment: str) -> tuple[str, dict[str, float]]:
    """The base sample's name and its honest per-cell scores (its row of expected_scores.csv)."""
    student = KERNEL_BASES[assignment]
    row = expected_scores(assignment)[student]
    return student, {k: v for k, v in row.items() if k != "total"}


def build_corpus(assignment: str, course: Path) -> dict[str, dict]:
    """Write the tampered submissions into ``course/submitted``; return their plans."""
    offset = ASSIGNMENTS.index(assignment)
    release_nb = course / "notebooks" / assignment / f"{assignment}.ipynb"
    nb = read_nb(release_nb)
    ids = grade_cell_ids(nb)
    cell_plan = cell_tamper_plan(ids, offset)
    write(
        tamper_cells(nb, cell_plan),
        course / "submitted" / "tamper_cells" / assignment / f"{assignment}.ipynb",
    )

    base, honest = kernel_base(assignment)
    sample_nb = course / "tmp" / f"{assignment}.ipynb"
    build_submission(release_nb, (SUBMISSIONS / assignment / f"{base}.py").read_text(), sample_nb)
    kernel_plan = kernel_tamper_plan([g for g in ids if honest[g] == 0], offset)
    write(
        tamper_kernel(read_nb(sample_nb), kernel_plan),
        course / "submitted" / "tamper_kernel" / assignment / f"{assignment}.ipynb",
    )
    bad_plan = ungradable_plan(ids, offset)
    write(
        tamper_cells(nb, bad_plan),
        course / "submitted" / "tamper_ungradable" / assignment / f"{assignment}.ipynb",
    )
    return {
        "tamper_cells": {"plan": cell_plan, "honest": {g: 0.0 for g in ids}, "base": "untouched"},
        "tamper_kernel": {"plan": kernel_plan, "honest": honest, "base": base},
        "tamper_ungradable": {"plan": bad_plan, "honest": {g: 0.0 for g in ids}, "base": "untouched"},
    }


UNGRADABLE = -1.0  # the score recorded for every cell of a notebook nbgrader refused to grade


def grade_corpus(assignment: str, course: Path) -> tuple[dict, dict[str, dict[str, float]]]:
    run_nbgrader(course, "generate_assignment", assignment, "--force", "--log-level=WARN")
    corpus = build_corpus(assignment, course)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "autograde",
            assignment,
            "--create",
            "--force",
            "--log-level=WARN",
            f"--Execute.timeout={CELL_TIMEOUT}",
        ],
        cwd=course,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=900,
    )
    refused = set(re.findall(r"error processing assignment '[^']+' for student '([^']+)'", proc.stderr))
    unexpected = refused - {"tamper_ungradable"}
    if unexpected or proc.returncode not in (0, 1) or (proc.returncode == 1) != bool(refused):
        pytest.fail(
            f"nbgrader autograde exited {proc.returncode}, refusing {sorted(refused)}:\n"
            f"{proc.stdout}\n{proc.stderr}"
        )
    scores = cell_scores(course, assignment, corpus)
    for student in refused:
        assert not (course / "autograded" / student / assignment).exists()
        scores[student] = {k: UNGRADABLE for k in scores[student]}
    return corpus, scores


def read_expected() -> dict[tuple[str, str, str], dict[str, str]]:
    with open(EXPECTED, newline="") as f:
        return {(r["assignment"], r["student"], r["grade_id"]): r for r in csv.DictReader(f)}


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    assignment = request.param
    course = make_course_copy(tmp_path_factory.mktemp(f"tamper-{assignment}"))
    corpus, scores = grade_corpus(assignment, course)
    return dict(assignment=assignment, corpus=corpus, scores=scores)


@pytest.mark.slow
def test_no_tamper_gains_a_point(graded):
    gains = []
    for student, info in graded["corpus"].items():
        got = graded["scores"][student]
        for grade_id, honest in info["honest"].items():
            if got.get(grade_id, 0.0) > honest:  # an ungradable notebook scores UNGRADABLE < 0
                tamper = info["plan"].get(grade_id, "(earlier tamper)")
                gains.append(f"{student}: {grade_id} [{tamper}] scored {got.get(grade_id)}, honest {honest}")
        honest_total = sum(info["honest"].values())
        if got["total"] > honest_total:
            gains.append(f"{student}: total {got['total']} > honest {honest_total}")
    assert not gains, "tampering gained points:\n" + "\n".join(gains)


@pytest.mark.slow
def test_scores_equal_the_expected_table(graded):
    a = graded["assignment"]
    expected = {k: v for k, v in read_expected().items() if k[0] == a}
    lines = []
    seen = set()
    for student, info in graded["corpus"].items():
        for grade_id in list(info["honest"]) + ["total"]:
            key = (a, student, grade_id)
            seen.add(key)
            row = expected.get(key)
            if row is None:
                lines.append(f"{student}: {grade_id} missing from {EXPECTED.name}")
                continue
            tamper = info["plan"].get(grade_id, "")
            if row["tamper"] != tamper or row["base"] != info["base"]:
                lines.append(
                    f"{student}: {grade_id} is tampered '{tamper}' on '{info['base']}', "
                    f"the table says '{row['tamper']}' on '{row['base']}'"
                )
            got = graded["scores"][student].get(grade_id)
            if got != float(row["expected"]):
                lines.append(f"{student}: {grade_id} [{tamper}] scored {got}, expected {row['expected']}")
    lines += [f"{k[1]}: {k[2]} in the table but not graded" for k in sorted(set(expected) - seen)]
    assert not lines, f"tampering scores differ from {EXPECTED.name}:\n" + "\n".join(lines)


def test_expected_table_covers_every_tamper_and_assignment():
    from tampering import CELL_TAMPERS, KERNEL_TAMPERS, UNGRADABLE_TAMPERS

    rows = list(read_expected().values())
    assert {r["assignment"] for r in rows} == set(ASSIGNMENTS)
    used = {r["tamper"] for r in rows}
    every = set(CELL_TAMPERS) | set(KERNEL_TAMPERS) | set(UNGRADABLE_TAMPERS)
    assert every <= used, f"tampers never applied: {sorted(every - used)}"
    for r in rows:
        if r["grade_id"] != "total":
            assert float(r["expected"]) <= float(r["honest"]), r


if __name__ == "__main__":  # print fresh rows: python tests/test_tampering.py 01_gradients ...
    import tempfile

    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "scripts")]
    writer = csv.writer(sys.stdout)
    writer.writerow(["assignment", "student", "base", "grade_id", "tamper", "honest", "expected"])
    for assignment in sys.argv[1:] or ASSIGNMENTS:
        with tempfile.TemporaryDirectory() as tmp:
            corpus, scores = grade_corpus(assignment, make_course_copy(Path(tmp)))
        for student, info in corpus.items():
            for grade_id, honest in info["honest"].items():
                writer.writerow(
                    [
                        assignment,
                        student,
                        info["base"],
                        grade_id,
                        info["plan"].get(grade_id, ""),
                        honest,
                        scores[student].get(grade_id),
                    ]
                )
            writer.writerow(
                [
                    assignment,
                    student,
                    info["base"],
                    "total",
                    "",
                    sum(info["honest"].values()),
                    scores[student]["total"],
                ]
            )
        sys.stdout.flush()
