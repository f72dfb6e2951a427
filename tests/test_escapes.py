"""The escape corpus: submissions that try to break out of grading all fail in the sandbox.

``tests/escapes/01_gradients/`` holds sample submissions of lesson 01 that give the correct answer
and, in the same exercise cell, try to: read the instructor's files (solutions, quiz bank,
gradebook) and print them into their feedback (``read_secrets``), write into the course folder
and around it (``write_course_root``), overwrite other students' submissions
(``aa_overwrite_other_student``), change the gradebook (``tamper_gradebook``), kill the grader
(``kill_grader``), reach a server on this machine (``network``), leave processes running
(``outlive``), fork without bound (``fork_bomb``) and forge lines of the grading report
(``spoof_report``).  ``tests/escapes/run.py`` builds them in a
throw-away course copy with two honest students (``aaa_victim``, ``zzz_honest``: the correct
answers), records every file of the course folder, starts the server, and runs ``course.py
autograde --jobs 2`` and ``course.py feedback`` as the instructor would, sandboxed.

Checked: the grader exits 0 and grades every student; every escape ran to its end and achieved
nothing (no secret in any feedback or output, no file written or changed but nbgrader's own, the
gradebook holds the true scores, the server saw nothing, no process of the run is left, the fork
bomb hit the process limit); the honest students get full marks; each escape's honest answer
gets the scores in ``tests/escapes/01_gradients/expected_scores.csv``.  What the same corpus
achieves without the sandbox (``--unsafe-no-sandbox``) is measured by ``python
tests/escapes/run.py`` (the README's before/after table), not here: it really does it.
"""

from __future__ import annotations

import re

import pytest

from support import skip_or_fail_without

from escapes import run as corpus  # tests/escapes/run.py

# The whole corpus takes a few minutes to grade on two cores; more beside other work.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

A = corpus.A


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from grader.sandbox import check_available

    problem = check_available()
    skip_or_fail_without(
        problem and f"escape corpus skipped: {problem}",
        "escape corpus skipped: ",
        "install Debian's bubblewrap (apt-get install bubblewrap) and allow unprivileged user namespaces",
    )
    dest = tmp_path_factory.mktemp("escapes") / "course"
    return corpus.grade(dest, corpus.escape_names(), sandbox=True, jobs=2)


def _students():
    return [*corpus.escape_names(), *corpus.HONEST]


def test_the_corpus_has_every_escape():
    assert set(corpus.escape_names()) >= {
        "read_secrets",
        "write_course_root",
        "aa_overwrite_other_student",
        "tamper_gradebook",
        "kill_grader",
        "network",
        "outlive",
        "fork_bomb",
        "spoof_report",
    }
    # course.py grades in the order of the names: the overwriting escape comes before its victim.
    assert sorted(["aa_overwrite_other_student", corpus.VICTIM])[0] == "aa_overwrite_other_student"


def test_the_grader_exits_0_and_grades_every_student(graded):
    out = graded["autograde"]["output"]
    assert graded["autograde"]["rc"] == 0, out[-3000:]
    assert f"autograded {len(_students())} submission(s); 0 could not be graded" in out, out[-3000:]
    ungraded = [s for s in _students() if graded["scores"].get(s) is None]
    assert not ungraded, f"not in the gradebook: {ungraded}"
    assert graded["feedback"]["rc"] == 0, graded["feedback"]["output"][-3000:]


def test_no_submission_can_write_into_the_grading_report(graded):
    # spoof_report writes report lines to its kernel's file descriptors 1 and 2.
    forged = [ln for ln in graded["autograde"]["output"].splitlines() if f"forged {graded['marker']}" in ln]
    assert not forged, f"forged lines reached the grading report: {forged}"
    assert "spoof_report: done, 4 forged lines written" in (graded["outputs"].get("spoof_report") or "")


def test_every_escape_ran_to_its_end(graded):
    # Each sample prints "escape <name>: done, ..." after its last attempt: the attempts were
    # made (and the kernel was still alive after them).
    missing = [s for s in corpus.escape_names() if not corpus._escape_line(graded["outputs"].get(s), s)]
    shown = "\n".join(
        f"--- {s} printed:\n{(graded['outputs'].get(s) or '(no graded notebook)')[-2000:]}" for s in missing
    )
    assert not missing, f"escapes that did not run to their end: {missing}\n{shown}"


def test_the_honest_students_get_full_marks_and_their_files_are_untouched(graded):
    for student in corpus.HONEST:
        assert graded["scores"][student] == corpus.correct_scores(), student
    touched = [p for p in graded["changed"] if p.startswith("submitted/")]
    assert not touched, f"submitted files changed by grading: {touched}"


def test_each_escape_keeps_the_scores_of_its_honest_answer(graded):
    expected = corpus.expected_scores()
    assert set(expected) == set(corpus.escape_names()), "expected_scores.csv lists every escape"
    wrong = [
        f"{s}: got {graded['scores'].get(s)}, expected {cells}"
        for s, cells in expected.items()
        if graded["scores"].get(s) != cells
    ]
    assert not wrong, "\n".join(wrong)


def test_no_secret_reaches_any_feedback_or_output(graded):
    # The detector finds each kind of secret in the files themselves ...
    secrets = {
        "solution code / hidden tests": corpus.solution_secret_lines(),
        "quiz key": corpus.quiz_secret_lines(),
    }
    assert all(secrets.values()), "no secret lines to look for"
    solution = (corpus.ROOT / "solutions" / A / f"{A}.ipynb").read_text()
    bank = (corpus.ROOT / "quizzes" / "bank" / f"{A}.yaml").read_text()
    assert corpus.leaks(solution, "", secrets) == ["solution code / hidden tests"]
    assert corpus.leaks(bank, "", secrets) == ["quiz key"]
    assert corpus.leaks("b'SQLite format 3\\x00'", "", secrets) == ["gradebook file"]
    # ... and in no feedback page and no output of a student's cell.
    shown = {s: kinds for s, kinds in graded["leaks"].items() if kinds}
    assert not shown, f"secrets shown to students: {shown}"
    assert "done, 0 instructor file(s) read" in graded["outputs"]["read_secrets"]


def test_nothing_is_written_in_or_around_the_course_but_by_nbgrader(graded):
    assert not graded["changed"], f"files changed in the course folder: {graded['changed']}"
    assert not graded["new"], f"files added to the course folder: {graded['new']}"
    assert not graded["outside"], f"files written outside it: {graded['outside']}"
    config = (graded["course"] / "nbgrader_config.py").read_text()
    assert graded["marker"] not in config


def test_the_gradebook_holds_the_true_scores(graded):
    for student in corpus.HONEST:
        assert graded["scores"][student] == corpus.correct_scores(), student
    assert not graded["over_max"], graded["over_max"]
    assert not graded["triggers"], f"triggers installed in the gradebook: {graded['triggers']}"
    # Nothing deleted: every student has as many grades and comments as an honest one.
    rows = graded["rows"]
    assert all(rows[s] == rows[corpus.VICTIM] for s in _students()), rows


def test_the_server_receives_nothing(graded):
    assert not graded["connections"], graded["connections"]
    assert "cannot reach: TCP 127.0.0.1:" in graded["outputs"]["network"]


def test_no_process_of_the_run_is_left(graded):
    # Checked after grading: no process whose command line holds the run's marker, none that runs
    # as a sandbox uid of this run's workers, none of those seen descended from the grader.
    assert graded["sandbox_uids"], "the monitor saw no grading worker"
    assert not graded["leftovers"], f"processes left after grading: {graded['leftovers']}"
    assert "double-fork daemon" in corpus._escape_line(graded["outputs"]["outlive"], "outlive"), (
        "the outlive escape did not start its daemon: the test proves nothing"
    )


def test_the_fork_bomb_stops_at_the_process_limit(graded):
    from grader.sandbox import SandboxedKernelManager

    line = corpus._escape_line(graded["outputs"]["fork_bomb"], "fork_bomb")
    found = re.match(r"(\d+) children", line)
    assert found, f"the fork bomb did not report its children; it printed:\n{graded['outputs']['fork_bomb']}"
    children = int(found.group(1))
    assert children < SandboxedKernelManager.max_processes.default_value, line
