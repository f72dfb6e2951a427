"""Build the graded quiz notebooks ``solutions/quiz_N/quiz_N.ipynb`` from the question bank.

    python scripts/build_quizzes.py             # rebuild stale quizzes and re-execute them (`make quizzes`)
    python scripts/build_quizzes.py --check     # exit 1 if a committed quiz differs from the bank
    python scripts/build_quizzes.py --no-execute

The bank is ``quizzes/bank/NN_lesson.yaml`` (format: quizzes/README.md). Every question becomes
three cells: a locked markdown cell with the question, its snippet and the options; an answer
cell (an nbgrader solution cell: the key sits between the solution markers, so the release gets
nbgrader's stub); and a test cell worth one point. The test cell's visible part checks only the
format (``course_utils.quiz.check_answer``); its hidden parts print the explanation and check the
answer, so both reach the student only with the graded feedback.

The output is deterministic (fixed cell ids, sorted JSON keys): rebuilding an unchanged bank
changes nothing, and a quiz whose cells are unchanged is not re-executed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "quizzes" / "bank"
SOLUTIONS = ROOT / "solutions"

#: Which lessons each quiz covers (by the two-digit lesson number).
QUIZZES = {
    "quiz_1": ("01", "02", "03"),
    "quiz_2": ("04", "05", "06"),
    "quiz_3": ("07", "08", "09"),
}
LETTERS = ("A", "B", "C", "D")
KERNELSPEC = {"name": "gradclip", "display_name": "Python 3 (gradient clipping course)", "language": "python"}
REQUIRED = ("id", "lesson", "difficulty", "question", "options", "answer", "explanation")
OPTIONAL = ("snippet", "expect", "covers")

FORMAT_RULE = (
    "Set each answer variable to **one letter as a Python string**: `\"A\"`, `\"B\"`, `\"C\"` or `\"D\"`. "
    "Upper or lower case and spaces around the letter do not matter (`\"b\"` and `\" B \"` count as "
    "`\"B\"`). Anything else (a list such as `[\"B\"]`, two letters, `\"B)\"`, a number, `None`) is not a "
    "valid answer and scores no point."
)


def load_bank(bank: Path = BANK) -> list[dict]:
    """All questions of the bank, in file order (files sorted by name)."""
    questions = []
    for path in sorted(bank.glob("*.yaml")):
        items = yaml.safe_load(path.read_text()) or []
        if not isinstance(items, list):
            raise ValueError(f"{path.name}: the file must hold a list of questions")
        for q in items:
            if not isinstance(q, dict):
                raise ValueError(f"{path.name}: every question must be a mapping, got {q!r}")
            missing = [k for k in REQUIRED if k not in q]
            unknown = sorted(set(q) - set(REQUIRED) - set(OPTIONAL))
            if missing or unknown:
                raise ValueError(
                    f"{path.name}: question {q.get('id')!r}: missing {missing}, unknown {unknown}"
                )
            q = dict(q)
            q["file"] = path.name
            questions.append(q)
    return questions


def quiz_questions(questions: list[dict], quiz: str) -> list[dict]:
    return [q for q in questions if str(q["lesson"])[:2] in QUIZZES[quiz]]


def _meta(cell, grade_id: str, *, grade=False, solution=False, locked=True, points=None) -> None:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta


def _md(cells: list, cell_id: str, source: str) -> None:
    c = new_markdown_cell(source.strip("\n"))
    c.id = cell_id
    _meta(c, cell_id)
    cells.append(c)


def question_markdown(k: int, q: dict) -> str:
    parts = [f"## Question {k} (lesson {q['lesson']})", "", q["question"].strip()]
    if q.get("snippet"):
        parts += ["", "```python", q["snippet"].strip("\n"), "```"]
    parts += [""] + [f"- **{letter}.** {str(q['options'][letter]).strip()}" for letter in LETTERS]
    return "\n".join(parts)


def _py_str(text: str) -> str:
    """A Python string literal for ``text`` (JSON strings are valid Python literals)."""
    return json.dumps(text, ensure_ascii=False)


def test_source(k: int, q: dict) -> str:
    var = f"answer_q{k:02d}"
    explanation = " ".join(q["explanation"].split())
    key = q["answer"]
    return f'''### BEGIN HIDDEN TESTS
import builtins as _builtins
_builtins.print({_py_str(f"Question {k}: {explanation}")})
### END HIDDEN TESTS
from course_utils.quiz import check_answer
# Checks the format only (one letter A-D); whether the answer is right is checked when graded.
_letter_q{k:02d} = check_answer("{var}", globals())
### BEGIN HIDDEN TESTS
_str = "".__class__  # the real str and type, even if a submission rebinds or patches builtins
_given = {var}
assert _str.__class__(_given) is _str and \\
    _str.upper(_str.strip(_given)) == "{key}", "{var} is not the right option"
### END HIDDEN TESTS'''


def build_quiz(quiz: str, questions: list[dict]):
    """The source notebook of ``quiz`` (no outputs) built from its questions."""
    qs = quiz_questions(questions, quiz)
    if not qs:
        raise ValueError(f"{quiz}: the bank has no question for lessons {QUIZZES[quiz]}")
    number = quiz.split("_")[1]
    lessons = sorted({str(q["lesson"]) for q in qs})
    cells: list = []
    _md(
        cells,
        f"{quiz}-intro",
        f"""
# Quiz {number}: lessons {", ".join(l.split("_")[0] for l in lessons)}

{len(qs)} multiple-choice questions on {", ".join(f"`{l}`" for l in lessons)}, one point each. Exactly one
option of each question is right.

**How to answer.** Under each question is an answer cell: replace its two placeholder lines by one line
`answer_qNN = "<letter>"`, with the question's number for `NN` and the letter you choose. {FORMAT_RULE}

**What the test cells check.** The cell under each answer checks only the *format* of your answer, so that
a typing slip does not cost you a point; it does not tell you whether the answer is right. That is checked
when your notebook is graded, and the feedback you get back then explains every question.
""",
    )
    c = new_code_cell("from course_utils.quiz import check_answer")
    c.id = f"{quiz}-imports"
    _meta(c, c.id)
    cells.append(c)
    for k, q in enumerate(qs, start=1):
        _md(cells, f"{quiz}-q{k:02d}-question", question_markdown(k, q))
        c = new_code_cell(
            f'# Question {k}: one of "A", "B", "C", "D"\n'
            f'### BEGIN SOLUTION\nanswer_q{k:02d} = "{q["answer"]}"\n### END SOLUTION'
        )
        c.id = f"answer_q{k:02d}"
        _meta(c, c.id, solution=True, locked=False)
        cells.append(c)
        c = new_code_cell(test_source(k, q))
        c.id = f"test_q{k:02d}"
        _meta(c, c.id, grade=True, points=1)
        cells.append(c)
    _md(
        cells,
        f"{quiz}-end",
        f"""
That was the last question of quiz {number}. Before handing in, run every cell from the top
(*Run All*) and check that no test cell above reports a format error.
""",
    )
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


def _skeleton(nb) -> list:
    """What the bank determines: each cell's id, type, source and metadata (not outputs)."""
    return [
        (c.get("id"), c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in nb.cells
    ] + [json.dumps({k: v for k, v in nb.metadata.items() if k in ("kernelspec",)}, sort_keys=True)]


def stale_quizzes(questions: list[dict] | None = None) -> list[str]:
    """Quizzes whose committed source notebook does not match the bank (missing ones included)."""
    questions = load_bank() if questions is None else questions
    stale = []
    for quiz in QUIZZES:
        path = SOLUTIONS / quiz / f"{quiz}.ipynb"
        if not path.exists() or _skeleton(nbformat.read(str(path), as_version=4)) != _skeleton(
            build_quiz(quiz, questions)
        ):
            stale.append(quiz)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale quizzes (exit 1 if any)")
    parser.add_argument("--no-execute", action="store_true", help="write without storing outputs")
    parser.add_argument("--force", action="store_true", help="rebuild every quiz, stale or not")
    args = parser.parse_args(argv)
    questions = load_bank()
    stale = list(QUIZZES) if args.force else stale_quizzes(questions)
    if args.check:
        print("stale quizzes: " + (", ".join(stale) if stale else "none"))
        return 1 if stale else 0
    for quiz in stale:
        path = SOLUTIONS / quiz / f"{quiz}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(build_quiz(quiz, questions), str(path))
        if not args.no_execute:
            sys.path.insert(0, str(ROOT / "scripts"))
            import execute  # scripts/execute.py

            execute.execute(path)
        print(f"built {path.relative_to(ROOT)}")
    if not stale:
        print("quizzes are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
