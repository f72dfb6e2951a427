"""The instructor's term, end to end, with scripts/course.py on a class of sample students.

In a throw-away copy of the course: ``release``; the class's submissions of lesson 01 are collected
from a folder (``<student>/01_gradients/01_gradients.ipynb``) and, into a second copy, from an
LMS-style zip (``<student>_01_gradients.ipynb``), which must give the same submitted files;
``autograde``; ``feedback``; ``export --csv``.  The class mixes honest samples from
``tests/submissions/01_gradients`` with faulty submissions (built below from the release
notebook): one that raises, loops forever, kills its kernel, asks for an impossible amount of
memory, is corrupt JSON, is an empty file, misses its notebook, has cells deleted, duplicated or
reordered, and one whose correct answer triggers a library warning.  Each gets the exact score
in ``EXPECTED`` (what nbgrader 0.9.6 does, measured) or is reported as not gradable; every other
student is graded correctly; the submitted files are never modified; autograding twice gives the
same grades.
"""

from __future__ import annotations

import copy
import re
import csv
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from support import ROOT, make_course_copy, nbgrader_meta, read_nb
from test_autograde import CELL_TIMEOUT, SUBMISSIONS, build_submission

pytestmark = pytest.mark.slow

A = "01_gradients"
SAMPLES = SUBMISSIONS / A
COURSE_PY = ROOT / "scripts" / "course.py"
TESTS = [
    "test_global_norm_l2",
    "test_global_norm_inf",
    "test_global_norm_edge_cases",
    "test_global_norm_nonfinite_and_inf_edges",
]
CORRECT = (SAMPLES / "correct.py").read_text()

#: student -> (score of each test cell in TESTS order) or the reason the CLI must report.
EXPECTED: dict[str, tuple[float, ...] | str] = {
    "correct": (2, 1, 2, 1),
    "partial_forgets_none": (2, 1, 0, 0),
    "untouched": (0, 0, 0, 0),
    "raises": (0, 0, 0, 0),
}


def cli(course: Path, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, str(COURSE_PY), "--course", str(course), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        pytest.fail(f"course.py {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def _with_answer(release_nb: Path, answer: str):
    nb = read_nb(release_nb)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") == "global_grad_norm":
            cell.source = answer
    return nb


def _index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == grade_id)


def build_class(release_nb: Path, inbox: Path) -> dict[str, bytes | None]:
    """Write the class into ``inbox/<student>/01_gradients/``; return student -> notebook bytes."""
    files: dict[str, bytes | None] = {}

    def put(student: str, nb=None, raw: bytes | None = None, name: str = f"{A}.ipynb"):
        dest = inbox / student / A / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if nb is not None:
            nbformat.write(nb, str(dest))
        else:
            dest.write_bytes(raw)
        files[student] = dest.read_bytes() if name == f"{A}.ipynb" else None

    # Honest samples, built exactly as tests/test_autograde.py builds them.
    for student in ("correct", "partial_forgets_none", "untouched", "raises"):
        dest = inbox / student / A / f"{A}.ipynb"
        build_submission(
            release_nb, None if student == "untouched" else (SAMPLES / f"{student}.py").read_text(), dest
        )
        files[student] = dest.read_bytes()

    # Loops forever at the top of its answer cell, after a correct definition: the cell is cut by
    # the timeout (KeyboardInterrupt) and the function it had defined passes every test.
    put("loops_forever", _with_answer(release_nb, CORRECT + "\nwhile True:\n    pass\n"))
    # Kills its own kernel in the answer cell (after a correct definition).
    put("kernel_crash", _with_answer(release_nb, CORRECT + "\nimport os\nos.kill(os.getpid(), 9)\n"))
    # Asks for 40 PB on every inf-norm call: the allocation fails at once with a RuntimeError
    # (nothing is touched), the kernel lives on, the L2 parts still score.
    put(
        "out_of_memory",
        _with_answer(
            release_nb,
            CORRECT.replace(
                "    if isinstance(parameters, torch.Tensor):",
                "    if norm_type == math.inf:\n        torch.empty(10**16)\n"
                "    if isinstance(parameters, torch.Tensor):",
            ),
        ),
    )
    # Really fills memory on every inf-norm call: 200 MB tensors, written to, until 8 GB. The
    # grading kernel's heap limit (GRADING_MEMORY_GB in nbgrader_config.py, 4) stops it with a
    # RuntimeError in those cells; the kernel lives on and the L2 parts still score.
    put(
        "fills_memory",
        _with_answer(
            release_nb,
            CORRECT.replace(
                "    if isinstance(parameters, torch.Tensor):",
                "    if norm_type == math.inf:\n        hog = [torch.ones(50_000_000) for _ in range(40)]\n"
                "    if isinstance(parameters, torch.Tensor):",
            ),
        ),
    )
    good = _with_answer(release_nb, CORRECT)
    text = nbformat.writes(good).encode()
    put("corrupt_json", raw=text[: len(text) // 2])
    put("empty_file", raw=b"")
    # Handed in under another name: no 01_gradients.ipynb in the submission.
    put("missing_notebook", good, name="Untitled.ipynb")
    # A correct answer with the inf-norm test cell deleted.
    nb = copy.deepcopy(good)
    del nb.cells[_index(nb, "test_global_norm_inf")]
    put("cell_deleted", nb)
    # A correct answer with the L2 test cell and the answer cell duplicated.
    nb = copy.deepcopy(good)
    i = _index(nb, "test_global_norm_l2")
    nb.cells.insert(i + 1, copy.deepcopy(nb.cells[i]))
    j = _index(nb, "global_grad_norm")
    nb.cells.insert(j + 1, copy.deepcopy(nb.cells[j]))
    for k, cell in enumerate(nb.cells):  # nbformat 4.5 cell ids must stay unique
        cell["id"] = f"cell-{k}"
    put("cells_duplicated", nb)
    # A correct answer moved below its test cells: the tests run before the function exists.
    nb = copy.deepcopy(good)
    j = _index(nb, "global_grad_norm")
    answer = nb.cells.pop(j)
    nb.cells.insert(_index(nb, TESTS[-1]) + 1, answer)
    put("cells_reordered", nb)
    # A correct answer that makes torch emit a UserWarning (copy-constructing a tensor) when called
    # from the test cells.
    put(
        "library_warning",
        _with_answer(
            release_nb, CORRECT.replace("        g = p.grad.detach()", "        g = torch.tensor(p.grad)")
        ),
    )
    return files


# ------------------------------------------------------------------------------------------------
# What nbgrader 0.9.6 does with each fault (measured), as exact per-cell scores or a reported reason.

EXPECTED.update(
    {
        # The loop is interrupted after CELL_TIMEOUT s (KeyboardInterrupt in the answer cell, which
        # carries no points); the function defined before it passes every test.
        "loops_forever": (2, 1, 2, 1),
        # The kernel dies: nbgrader (nbclient DeadKernelError) grades nothing of the notebook.
        "kernel_crash": "kernel died",
        # RuntimeError (DefaultCPUAllocator) in the cells that call the inf-norm (the inf test, and the
        # hidden inf-norm checks of the edge-case and non-finite cells); the kernel survives.
        "out_of_memory": (2, 0, 0, 0),
        # The same cells fail (the heap limit), and no more: the memory is back once the call fails.
        "fills_memory": (2, 0, 0, 0),
        "corrupt_json": "not valid JSON",
        "empty_file": "empty file",
        "missing_notebook": "missing from the submission",
        # OverwriteCells.add_missing_cells is False by default: a deleted test cell is NOT restored and
        # scores 0; the other cells are graded.
        "cell_deleted": (2, 0, 2, 1),
        # DeduplicateIds strips the nbgrader metadata of all but the last copy, then nbgrader refuses
        # the notebook ("old version of the nbgrader metadata format"): reported, not graded.
        "cells_duplicated": "appears more than once",
        # Cells run in the submitted order: the tests run before the function exists (NameError).
        "cells_reordered": (0, 0, 0, 0),
        # The grading kernels ignore warnings (nbgrader_config.py): without that, the UserWarning torch
        # writes to stderr in every test cell would make each of them score 0 (determine_grade).
        "library_warning": (2, 1, 2, 1),
    }
)
GRADED = {s: v for s, v in EXPECTED.items() if isinstance(v, tuple)}
NOT_GRADED = {s: v for s, v in EXPECTED.items() if isinstance(v, str)}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): _digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def _csv_scores(path: Path) -> dict[str, float]:
    with open(path, newline="") as f:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(f) if row["assignment"] == A}


def _gradebook_scores(course: Path) -> dict[str, tuple[float, ...]]:
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in EXPECTED:
            try:
                sub = gb.find_submission(A, student)
            except MissingEntry:
                continue
            by_cell = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
            scores[student] = tuple(by_cell.get(t) for t in TESTS)
    return scores


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("term")
    course = make_course_copy(tmp / "course")
    # The heap limit at 1 GiB instead of 4 (lesson 01 peaks far below it): the fills_memory student
    # reaches it after five 200 MB tensors, well inside the cell timeout even on a busy machine.
    config = course / "nbgrader_config.py"
    text = config.read_text()
    assert "GRADING_MEMORY_GB = 4\n" in text
    config.write_text(text.replace("GRADING_MEMORY_GB = 4\n", "GRADING_MEMORY_GB = 1\n"))
    out = {"course": course, "release": cli(course, "release")}
    release_nb = course / "notebooks" / A / f"{A}.ipynb"

    inbox = tmp / "inbox"
    out["files"] = build_class(release_nb, inbox)
    out["inbox_before"] = _tree(inbox)
    out["collect"] = cli(course, "collect", "--from", str(inbox))

    # The same class as an LMS download: <student>_01_gradients.ipynb in a folder of the zip,
    # plus a file that is no submission.
    lms = tmp / "lms.zip"
    with zipfile.ZipFile(lms, "w") as zf:
        for p in sorted(inbox.glob(f"*/{A}/*")):
            zf.write(p, f"Assignment 1 download/{p.parts[-3]}_{p.name}")
        zf.writestr("Assignment 1 download/index.html", "<html></html>")
    course_zip = make_course_copy(tmp / "course-zip")
    cli(course_zip, "release", A)
    out["course_zip"] = course_zip
    out["collect_zip"] = cli(course_zip, "collect", "--zip", str(lms))

    submitted = course / "submitted"
    out["submitted_before"] = _tree(submitted)
    # Graded twice: two submissions at once, then one at a time; the grades must be the same.
    out["autograde"] = cli(course, "autograde", A, "--timeout", str(CELL_TIMEOUT), "--jobs", "2")
    out["scores"] = _gradebook_scores(course)
    out["feedback"] = cli(course, "feedback", A)
    out["export"] = cli(course, "export", "--csv", str(tmp / "grades.csv"))
    out["csv"] = _csv_scores(tmp / "grades.csv")
    out["autograde_2"] = cli(course, "autograde", A, "--timeout", str(CELL_TIMEOUT), "--jobs", "1")
    out["scores_2"] = _gradebook_scores(course)
    cli(course, "export", "--csv", str(tmp / "grades-2.csv"))
    out["csv_2"] = _csv_scores(tmp / "grades-2.csv")
    out["submitted_after"] = _tree(submitted)
    out["inbox_after"] = _tree(inbox)
    return out


def test_release_generates_every_assignment(term):
    from support import assignment_names

    for name in assignment_names():
        assert f"released {name}" in term["release"].stdout
        assert (term["course"] / "notebooks" / name / f"{name}.ipynb").exists()


def test_collect_from_folder_copies_the_files_unchanged(term):
    for student, data in term["files"].items():
        path = term["course"] / "submitted" / student / A / f"{A}.ipynb"
        if data is None:
            assert not path.exists()
        else:
            assert path.read_bytes() == data, student
    assert f"{len(EXPECTED)} student(s)" in term["collect"].stdout


def test_collect_from_lms_zip_gives_the_same_submissions(term):
    zipped = term["course_zip"] / "submitted"
    for student, data in term["files"].items():
        path = zipped / student / A / f"{A}.ipynb"
        if data is None:  # handed in as Untitled.ipynb: the LMS name matches no pattern
            assert not (zipped / student).exists()
            assert f"{student}_Untitled.ipynb" in term["collect_zip"].stdout
        else:
            assert path.read_bytes() == data, student
    assert "index.html" in term["collect_zip"].stdout


def test_every_graded_student_gets_the_expected_cell_scores(term):
    wrong = [
        f"{s}: got {term['scores'].get(s)}, expected {v}"
        for s, v in GRADED.items()
        if term["scores"].get(s) != tuple(float(x) for x in v)
    ]
    assert not wrong, "\n".join(wrong) + "\n" + term["autograde"].stdout


def test_autograde_prints_a_status_line_per_student_and_reports_the_ungradable(term):
    out = term["autograde"].stdout
    for student, cells in GRADED.items():
        assert re.search(rf"^{A}\s+{student}\s+graded\s+{sum(cells):g}/6$", out, re.M), (student, out)
    report = out.split("Could not be graded", 1)
    assert len(report) == 2, out
    for student, reason in NOT_GRADED.items():
        assert re.search(rf"^{A}\s+{student}\s+NOT GRADED: .*{reason}", out, re.M), (student, out)
        assert re.search(rf"^\s+- {student} / {A}: .*{reason}", report[1], re.M), (student, out)
    assert f"{len(NOT_GRADED)} could not be graded" in out


def test_export_csv_has_the_expected_totals(term):
    expected = {s: float(sum(v)) if isinstance(v, tuple) else 0.0 for s, v in EXPECTED.items()}
    assert term["csv"] == expected


def test_export_names_the_submissions_whose_zero_is_not_a_grade(term):
    listed = set(re.findall(rf"^  {A}  (\S+)$", term["export"].stdout, re.MULTILINE))
    collected = {s for s in NOT_GRADED if (term["course"] / "submitted" / s / A).is_dir()}
    assert collected, "some ungradable submissions were collected"
    assert listed == collected, term["export"].stdout
    assert "appear as 0 in the CSV" in term["export"].stdout


def test_feedback_html_for_every_graded_student(term):
    feedback = term["course"] / "feedback"
    for student in GRADED:
        assert (feedback / student / A / f"{A}.html").stat().st_size > 0, student
    for student in NOT_GRADED:
        assert not list((feedback / student).glob(f"{A}/*.html")), student


def _hidden_lines(notebook: Path) -> set[str]:
    """The substantial lines inside the hidden-test regions of an instructor notebook."""
    lines, hidden = set(), False
    for cell in read_nb(notebook).cells:
        for line in cell.source.splitlines():
            if line.strip() == "### BEGIN HIDDEN TESTS":
                hidden = True
            elif line.strip() == "### END HIDDEN TESTS":
                hidden = False
            elif hidden and len(line.strip()) >= 20:
                lines.add(line.strip())
    return lines


def test_feedback_says_what_failed_without_showing_hidden_tests(term):
    """Feedback shows each failing test's message, but no hidden test's source, not even in a traceback."""
    import html

    released = "\n".join(c.source for c in read_nb(ROOT / "notebooks" / A / f"{A}.ipynb").cells)
    secrets = {line for line in _hidden_lines(ROOT / "solutions" / A / f"{A}.ipynb") if line not in released}
    assert secrets, "lesson 01 has hidden tests to look for"
    for student in GRADED:
        page = html.unescape((term["course"] / "feedback" / student / A / f"{A}.html").read_text())
        text = re.sub(r"<[^>]+>", "", page)
        shown = sorted(line for line in secrets if line in text)
        assert not shown, f"{student}'s feedback shows hidden test lines: {shown[:3]}"
        assert "BEGIN HIDDEN TESTS" not in text, student
        if student == "untouched":  # every test fails on the stub: the feedback says so
            assert "NotImplementedError" in text, "the untouched student's feedback does not say what failed"


def test_autograding_twice_gives_the_same_grades(term):
    assert term["scores_2"] == term["scores"]
    assert term["csv_2"] == term["csv"]


def test_submitted_files_are_never_modified(term):
    assert term["submitted_after"] == term["submitted_before"]
    assert term["inbox_after"] == term["inbox_before"]


def test_loop_was_cut_by_the_timeout(term):
    nb = read_nb(term["course"] / "autograded" / "loops_forever" / A / f"{A}.ipynb")
    answer = nb.cells[_index(nb, "global_grad_norm")]
    enames = [o.get("ename") for o in answer.outputs if o.get("output_type") == "error"]
    assert set(enames) & {"KeyboardInterrupt", "CellTimeoutError"}, enames


def test_filling_the_memory_is_stopped_by_the_kernels_heap_limit(term):
    nb = read_nb(term["course"] / "autograded" / "fills_memory" / A / f"{A}.ipynb")
    errors = [
        (o.get("ename"), o.get("evalue", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors and all(
        name == "MemoryError" or "can't allocate memory" in value for name, value in errors
    ), errors


def test_the_library_warning_sample_really_warns_and_costs_nothing(term):
    import math
    import warnings

    import torch

    ns = {"torch": torch, "math": math}
    src = CORRECT.replace("        g = p.grad.detach()", "        g = torch.tensor(p.grad)")
    exec(compile(src, "library_warning", "exec"), ns)  # noqa: S102
    p = torch.nn.Parameter(torch.ones(3))
    p.grad = torch.full((3,), 2.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ns["global_grad_norm"]([p])
    assert any(issubclass(w.category, UserWarning) for w in caught), "the sample no longer warns"
    nb = read_nb(term["course"] / "autograded" / "library_warning" / A / f"{A}.ipynb")
    for t in TESTS:
        cell = nb.cells[_index(nb, t)]
        assert not [o for o in cell.outputs if o.get("name") == "stderr"], (t, cell.outputs)


@pytest.mark.parametrize(
    "args, message",
    [
        (["autograde", "no_such_lesson"], "unknown assignment(s) no_such_lesson"),
        (["collect", "--from", "/no/such/folder"], "does not exist"),
        (["collect", "--zip", "/no/such.zip"], "does not exist"),
        (["collect", "--zip", "{junk_zip}"], "no submission found in zip"),
        (["export", "--csv", "x.csv", "no_such_lesson"], "unknown assignment"),
    ],
)
def test_bad_input_is_a_clear_error(term, tmp_path, args, message):
    junk = tmp_path / "junk.zip"
    with zipfile.ZipFile(junk, "w") as zf:
        zf.writestr("alice_homework.ipynb", "{}")
        zf.writestr("notes.txt", "x")
    args = [a.replace("{junk_zip}", str(junk)) for a in args]
    proc = cli(term["course_zip"], *args, check=False)
    assert proc.returncode == 2, proc
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
