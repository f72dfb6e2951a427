"""The quizzes' answer key and explanations reach students only in the feedback after grading.

Checked: the release notebooks, course_utils and the student archive hold no explanation, no key
assignment and no hash of a choice; the released answer and test cells of every question are the
same text up to the question number (so they cannot encode the key); nbgrader's checksums are
computed from the released cells alone; and after autograde + generate_feedback the explanations
are in the feedback HTML.
"""

from __future__ import annotations

import hashlib
import html
import re
import zipfile

import nbformat
import pytest
from nbgrader.utils import compute_checksum

from support import RELEASE, ROOT, make_course_copy, nbgrader_meta, read_nb, run_nbgrader

import build_quizzes  # scripts/build_quizzes.py
import release  # scripts/release.py

QUESTIONS = build_quizzes.load_bank()
QUIZZES = list(build_quizzes.QUIZZES)
KEY_ASSIGNMENT = re.compile(r"answer_q\d+\s*=\s*\S")


def _norm(text: str) -> str:
    return " ".join(text.split())


def _fragments(text: str, size: int = 60) -> list[str]:
    """Overlapping pieces of an explanation, so that a partial copy is caught too."""
    words = _norm(text)
    return [words[i : i + size] for i in range(0, max(1, len(words) - size + 1), size // 2)]


def _hashes() -> set[str]:
    """Hex digests a key could be hidden as: of each letter, and of each question's id with it."""
    out = set()
    values = [c for k in "ABCD" for c in (k, k.lower())]
    values += [f"{q['id']}{sep}{k}" for q in QUESTIONS for k in "ABCD" for sep in ("", ":", "-", " ")]
    for v in values:
        for algo in ("md5", "sha1", "sha256", "sha512", "blake2b"):
            out.add(hashlib.new(algo, v.encode()).hexdigest())
    return out


@pytest.fixture(scope="module")
def student_texts(tmp_path_factory) -> dict[str, str]:
    pack = release.pack(tmp_path_factory.mktemp("quizpack") / "student.zip")
    texts = {str(p.relative_to(ROOT)): p.read_text() for p in RELEASE.glob("*/*.ipynb")}
    texts.update({str(p.relative_to(ROOT)): p.read_text() for p in (ROOT / "course_utils").rglob("*.py")})
    with zipfile.ZipFile(pack) as zf:
        for name in zf.namelist():
            texts[f"zip:{name}"] = zf.read(name).decode("utf-8", errors="replace")
    return texts


def _searchable(text: str) -> str:
    # Notebook JSON escapes quotes and newlines: search the decoded, whitespace-normalised text too.
    return _norm(text) + "\n" + _norm(text.replace("\\n", " ").replace('\\"', '"'))


def test_every_quiz_is_released():
    for quiz in QUIZZES:
        assert (RELEASE / quiz / f"{quiz}.ipynb").exists(), f"notebooks/{quiz} is missing: run `make release`"


def test_no_explanation_reaches_students(student_texts):
    leaks = []
    for name, text in student_texts.items():
        hay = _searchable(text)
        for q in QUESTIONS:
            if any(f in hay for f in _fragments(q["explanation"])):
                leaks.append(f"{name}: explanation of {q['id']}")
    assert not leaks, "quiz explanations reach students before grading:\n" + "\n".join(leaks)


def test_no_key_assignment_or_key_line_reaches_students(student_texts):
    leaks = []
    for name, text in student_texts.items():
        hay = _searchable(text)
        if KEY_ASSIGNMENT.search(hay):
            leaks.append(f"{name}: an answer_qNN assignment")
        if re.search(r"the answer is [A-D]\b", hay) and "quiz_" in name:
            leaks.append(f"{name}: 'the answer is X'")
    assert not leaks, "\n".join(leaks)


def test_no_hash_of_a_choice_reaches_students(student_texts):
    digests = _hashes()
    leaks = [
        f"{name}: {d[:12]}..."
        for name, text in student_texts.items()
        for d in re.findall(r"[0-9a-f]{32,128}", text.lower())
        if d in digests
    ]
    assert not leaks, "hashes of quiz choices reach students:\n" + "\n".join(leaks)


@pytest.mark.parametrize("quiz", QUIZZES)
def test_released_quiz_cells_cannot_encode_the_key(quiz):
    nb = read_nb(RELEASE / quiz / f"{quiz}.ipynb")
    answers, tests = set(), set()
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        # nbgrader's checksum is computed from the released cell itself (no hidden part).
        if "checksum" in meta:
            assert meta["checksum"] == compute_checksum(cell), (
                f"{quiz}/{meta['grade_id']}: checksum of hidden content"
            )
        allowed = {
            "grade",
            "grade_id",
            "locked",
            "schema_version",
            "solution",
            "task",
            "points",
            "checksum",
            "cell_type",
        }
        assert set(meta) <= allowed, (
            f"{quiz}/{cell.get('id')}: unexpected nbgrader metadata {set(meta) - allowed}"
        )
        assert set(cell.metadata) <= {"nbgrader", "deletable", "editable"}, (
            f"{quiz}: metadata {cell.metadata}"
        )
        # Up to the question number, every released answer cell and every test cell is the same text.
        if meta.get("solution"):
            answers.add(re.sub(r"\d+", "N", cell.source))
        elif meta.get("grade"):
            tests.add(re.sub(r"\d+", "N", cell.source))
    n = len(build_quizzes.quiz_questions(QUESTIONS, quiz))
    assert len(answers) == 1 and len(tests) == 1, (
        f"{quiz}: released answer/test cells differ between questions beyond their number"
    )
    assert "raise NotImplementedError()" in answers.pop()
    assert n == len([c for c in nb.cells if nbgrader_meta(c).get("grade")])


def test_feedback_after_grading_holds_the_explanations(tmp_path):
    """Autograde one sample of the smallest quiz, generate feedback, and find every explanation in it."""
    sizes = {quiz: len(build_quizzes.quiz_questions(QUESTIONS, quiz)) for quiz in QUIZZES}
    quiz = min(sizes, key=sizes.get)
    course = make_course_copy(tmp_path)
    run_nbgrader(course, "generate_assignment", quiz, "--force", "--log-level=WARN")
    released = course / "notebooks" / quiz / f"{quiz}.ipynb"
    nb = read_nb(released)
    keys = [q["answer"] for q in build_quizzes.quiz_questions(QUESTIONS, quiz)]
    for cell in nb.cells:  # a student who gets every other question right, in lower case
        gid = nbgrader_meta(cell).get("grade_id", "")
        if nbgrader_meta(cell).get("solution"):
            k = int(gid[-2:])
            letter = keys[k - 1] if k % 2 else "ABCD"[("ABCD".index(keys[k - 1]) + 1) % 4]
            cell.source = f'{gid} = "{letter.lower()}"'
    dest = course / "submitted" / "student1" / quiz / f"{quiz}.ipynb"
    dest.parent.mkdir(parents=True)
    nbformat.write(nb, str(dest))
    run_nbgrader(course, "autograde", quiz, "--create", "--force", "--log-level=WARN")
    run_nbgrader(course, "generate_feedback", quiz, "--force", "--log-level=WARN")
    page = html.unescape((course / "feedback" / "student1" / quiz / f"{quiz}.html").read_text())
    page = _norm(re.sub(r"<[^>]+>", " ", page))
    for q in build_quizzes.quiz_questions(QUESTIONS, quiz):
        assert _norm(q["explanation"])[:80] in page, f"the feedback lacks the explanation of {q['id']}"
    # What failed and why, but not the hidden checks' source nor the key spelled out.
    assert "is not the right option" in page, "the feedback does not say which answers were wrong"
    for secret in ("BEGIN HIDDEN", "END HIDDEN", "_str.upper("):
        assert secret not in page, f"the feedback shows {secret!r}"
    assert not re.search(r"answer is [A-D]\b", page), "the feedback spells out a key"
    assert (
        f"Score: {(sizes[quiz] + 1) // 2}" in page or f"{(sizes[quiz] + 1) // 2}.0 / {sizes[quiz]}" in page
    ), "the feedback does not show the expected score"
