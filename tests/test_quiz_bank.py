"""The quiz question bank (quizzes/bank/*.yaml): well formed, complete, balanced, and true.

Each code snippet is run, and its output must be what the key says: the ``expect`` field when
the question has one, otherwise the text of the correct option. The built quiz notebooks must
match the bank (``make quizzes`` rebuilds them) and building is deterministic.
"""
from __future__ import annotations

import collections
import json
import os
import re
import subprocess
import sys

import nbformat
import pytest

from support import ROOT, SOLUTIONS

import build_quizzes  # scripts/build_quizzes.py

QUESTIONS = build_quizzes.load_bank()
BY_ID = {q["id"]: q for q in QUESTIONS}
SNIPPETS = [q for q in QUESTIONS if q.get("snippet")]
#: The points the curriculum's "Graded quizzes" section requires, as tags used in ``covers``.
REQUIRED_POINTS = {
    "purpose", "functions", "snippet-small-max-norm", "bug-clip-before-backward", "rnn-order",
    "myth-direction", "myth-always-needed", "myth-interchangeable", "myth-fixes-everything",
    "nan-scenario", "read-norm-table",
}
#: Lessons of the course, by number (07 and 08 may be written after their questions).
LESSON_NAMES = {"01": "01_gradients", "02": "02_exploding", "03": "03_rnn", "04": "04_clip_norm",
                "05": "05_clip_value", "06": "06_threshold", "07": "07_pitfalls", "08": "08_capstone"}


def test_bank_has_enough_questions_for_every_lesson():
    assert len(QUESTIONS) >= 30, f"the bank holds {len(QUESTIONS)} questions, at least 30 are required"
    per_lesson = collections.Counter(str(q["lesson"])[:2] for q in QUESTIONS)
    missing = [n for n in LESSON_NAMES if per_lesson[n] < 2]
    assert not missing, f"lessons with fewer than 2 questions: {missing} (counts {dict(per_lesson)})"


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q["id"])
def test_question_schema(q):
    assert re.fullmatch(r"q\d\d-[a-z0-9-]+", q["id"]), f"bad id {q['id']!r}"
    lesson = str(q["lesson"])
    assert lesson[:2] in LESSON_NAMES and q["id"][1:3] == lesson[:2], f"{q['id']}: lesson {lesson!r}"
    folders = [p.name for p in SOLUTIONS.glob(f"{lesson[:2]}_*") if p.is_dir()]
    # The lesson must exist under that name (07 and 08 may not be written yet).
    assert lesson in folders or (not folders and lesson == LESSON_NAMES[lesson[:2]]), \
        f"{q['id']}: lesson {lesson!r} not among {folders or LESSON_NAMES[lesson[:2]]}"
    assert q["file"] == f"{lesson}.yaml", f"{q['id']} is in {q['file']}, expected {lesson}.yaml"
    assert isinstance(q["question"], str) and q["question"].strip()
    opts = q["options"]
    assert isinstance(opts, dict) and sorted(opts) == ["A", "B", "C", "D"], f"{q['id']}: options {opts}"
    texts = [str(opts[k]).strip() for k in "ABCD"]
    assert all(texts), f"{q['id']}: an option is empty"
    assert len({t.lower() for t in texts}) == 4, f"{q['id']}: duplicate options {texts}"
    assert q["answer"] in ("A", "B", "C", "D"), f"{q['id']}: answer {q['answer']!r}"
    assert isinstance(q["explanation"], str) and len(q["explanation"].split()) >= 8, \
        f"{q['id']}: the explanation is missing or too short"
    assert set(q.get("covers") or []) <= REQUIRED_POINTS, f"{q['id']}: unknown covers tags"
    if "expect" in q:
        assert q.get("snippet"), f"{q['id']}: 'expect' without a snippet"


def test_ids_and_question_texts_are_unique():
    ids = [q["id"] for q in QUESTIONS]
    assert len(ids) == len(set(ids)), f"duplicate ids: {[i for i in ids if ids.count(i) > 1]}"
    texts = [" ".join(q["question"].split()) for q in QUESTIONS]
    assert len(texts) == len(set(texts)), "two questions have the same text"


def test_every_curriculum_point_is_covered():
    covered = set().union(*(set(q.get("covers") or []) for q in QUESTIONS))
    assert REQUIRED_POINTS <= covered, f"curriculum points without a question: {REQUIRED_POINTS - covered}"


def test_answers_are_spread_over_the_letters():
    counts = collections.Counter(q["answer"] for q in QUESTIONS)
    expected = len(QUESTIONS) / 4
    assert all(abs(counts[k] - expected) <= 2 for k in "ABCD"), f"unbalanced answer key: {dict(counts)}"
    for quiz in build_quizzes.QUIZZES:
        keys = [q["answer"] for q in build_quizzes.quiz_questions(QUESTIONS, quiz)]
        assert len(set(keys)) == 4, f"{quiz} does not use every letter as an answer: {keys}"


RUNNER = r"""
import contextlib, io, json, sys, traceback
out = {}
for qid, src in json.load(sys.stdin):
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(src, qid, "exec"), {"__name__": "__snippet__"})
        out[qid] = {"stdout": buf.getvalue()}
    except Exception:
        out[qid] = {"stdout": buf.getvalue(), "error": traceback.format_exc()}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def snippet_outputs() -> dict:
    """Run every snippet once, each in a fresh namespace, in one subprocess (one torch import)."""
    payload = json.dumps([(q["id"], q["snippet"]) for q in SNIPPETS])
    proc = subprocess.run([sys.executable, "-c", RUNNER], input=payload, capture_output=True, text=True,
                          timeout=180, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", f"snippets wrote to stderr (warnings?):\n{proc.stderr}"
    return json.loads(proc.stdout)


def test_there_are_code_reading_questions():
    assert len(SNIPPETS) >= 8


@pytest.mark.parametrize("q", SNIPPETS, ids=lambda q: q["id"])
def test_snippet_prints_what_the_key_says(q, snippet_outputs):
    got = snippet_outputs[q["id"]]
    assert "error" not in got, f"{q['id']}: the snippet raised:\n{got['error']}"
    stdout = got["stdout"].strip()
    expected = str(q["expect"]).strip() if "expect" in q else str(q["options"][q["answer"]]).strip()
    assert stdout == expected, f"{q['id']}: the snippet prints {stdout!r}, the key says {expected!r}"
    # No other option may be exactly what the snippet prints.
    others = [k for k in "ABCD" if k != q["answer"] and str(q["options"][k]).strip() == stdout]
    assert not others, f"{q['id']}: option(s) {others} also match the output"


def test_committed_quiz_notebooks_are_built_from_the_bank():
    stale = build_quizzes.stale_quizzes(QUESTIONS)
    assert not stale, f"quiz notebooks {stale} are stale: run `make quizzes` (then `make release`)"


def test_building_is_deterministic():
    for quiz in build_quizzes.QUIZZES:
        a = nbformat.writes(build_quizzes.build_quiz(quiz, build_quizzes.load_bank()))
        b = nbformat.writes(build_quizzes.build_quiz(quiz, build_quizzes.load_bank()))
        assert a == b, f"{quiz}: two builds differ"


def test_quiz_notebooks_hold_every_question_once_with_one_point():
    seen = 0
    for quiz in build_quizzes.QUIZZES:
        nb = nbformat.read(str(SOLUTIONS / quiz / f"{quiz}.ipynb"), as_version=4)
        qs = build_quizzes.quiz_questions(QUESTIONS, quiz)
        tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert len(tests) == len(qs) and all(c.metadata["nbgrader"]["points"] == 1 for c in tests)
        seen += len(qs)
        # Stored outputs: the explanation printed by each (hidden) test, nothing on stderr.
        for c in tests:
            streams = [o for o in c.get("outputs", []) if o.get("output_type") == "stream"]
            assert streams and all(o["name"] == "stdout" for o in streams), f"{quiz}/{c.id}: outputs {c.outputs}"
    assert seen == len(QUESTIONS), "some bank questions belong to no quiz"
