"""Practice questions inside the lessons: present, ungraded, and no copy of a graded quiz question."""

from __future__ import annotations

import ast
import difflib

import pytest

from support import SOLUTIONS, nbgrader_meta, read_nb

import build_quizzes  # scripts/build_quizzes.py

BANK = build_quizzes.load_bank()
#: Every lesson (a numbered assignment, not a quiz) must hold at least one practice question.
LESSONS_WITH_PRACTICE = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and p.name[:2].isdigit())
MAX_SIMILARITY = 0.6


def practice_calls(path) -> list[dict]:
    """Literal arguments of every ``practice_question(...)`` call in a notebook's code cells."""
    calls = []
    for cell in read_nb(path).cells:
        if cell.cell_type != "code" or "practice_question" not in cell.source:
            continue
        # A widget's output is a model id that changes every run: nbval must not compare it. The
        # cell tag says so without a tooling comment in the students' code.
        assert "nbval-ignore-output" in cell.metadata.get("tags", []), (
            f"{path.name}/{cell.id}: widget cell without the nbval-ignore-output tag"
        )
        assert "NBVAL" not in cell.source, f"{path.name}/{cell.id}: a test-tool marker in the students' code"
        assert not nbgrader_meta(cell).get("grade") and not nbgrader_meta(cell).get("solution"), (
            f"{path.name}/{cell.id}: practice questions are not graded"
        )
        for node in ast.walk(ast.parse(cell.source)):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "practice_question"
            ):
                names = ["question", "options", "answer", "explanation"]
                args = dict(zip(names, node.args)) | {k.arg: k.value for k in node.keywords}
                calls.append(
                    {k: ast.literal_eval(v) for k, v in args.items()}
                    | {"where": f"{path.parent.name}/{cell.id}"}
                )
    return calls


def all_practice() -> list[dict]:
    return [c for p in sorted(SOLUTIONS.glob("*/*.ipynb")) for c in practice_calls(p)]


@pytest.mark.parametrize("lesson", LESSONS_WITH_PRACTICE)
def test_lesson_has_practice_questions(lesson):
    calls = practice_calls(SOLUTIONS / lesson / f"{lesson}.ipynb")
    assert 1 <= len(calls) <= 3, f"{lesson}: {len(calls)} practice questions"


def _similarity(a: str, b: str) -> float:
    a, b = " ".join(a.lower().split()), " ".join(b.lower().split())
    return difflib.SequenceMatcher(None, a, b).ratio()


def test_practice_questions_do_not_duplicate_graded_questions():
    practice = all_practice()
    assert practice, "found no practice questions"
    close = []
    for p in practice:
        for q in BANK:
            r = _similarity(p["question"], q["question"])
            if r >= MAX_SIMILARITY:
                close.append(f"{p['where']} resembles {q['id']} (ratio {r:.2f})")
            shared = {o.strip().lower() for o in p["options"]} & {
                str(o).strip().lower() for o in q["options"].values()
            }
            if len(shared) >= 2:
                close.append(f"{p['where']} shares options {shared} with {q['id']}")
    assert not close, "practice questions too close to graded ones:\n" + "\n".join(close)


def test_the_similarity_check_can_fail():
    q = BANK[0]["question"]
    assert _similarity(q, q.replace("?", " ?")) >= MAX_SIMILARITY
