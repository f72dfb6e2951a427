"""Every claim tagged in a lesson has a claim test, and every claim test belongs to a lesson."""

from __future__ import annotations

import re
from pathlib import Path

from support import read_nb, source_notebooks

TAG = re.compile(r"<!--\s*claim:\s*([0-9]{2}-[a-z0-9-]+)\s*-->")
MARK = re.compile(r"""@pytest\.mark\.claim\(\s*["']([0-9]{2}-[a-z0-9-]+)["']""")
HERE = Path(__file__).parent


def lesson_claims() -> dict[str, str]:
    claims = {}
    for path in source_notebooks():
        for cell in read_nb(path).cells:
            if cell.cell_type == "markdown":
                for claim in TAG.findall(cell.source):
                    claims[claim] = path.name
    return claims


def claims_with_tests() -> set[str]:
    return {m for f in HERE.glob("test_*.py") for m in MARK.findall(f.read_text())}


def test_every_lesson_claim_has_a_test():
    missing = sorted(set(lesson_claims()) - claims_with_tests())
    assert not missing, f"claims without a claim test: {missing}"


def test_every_claim_test_belongs_to_a_lesson_claim():
    orphans = sorted(claims_with_tests() - set(lesson_claims()))
    assert not orphans, f"claim tests whose claim no lesson makes: {orphans}"


def test_every_lesson_makes_at_least_one_tagged_claim():
    # Lessons are the numbered assignments (NN_name); the quizzes (quiz_N) make no claims.
    lessons = {p.name for p in source_notebooks() if p.parent.name[:2].isdigit()}
    with_claims = set(lesson_claims().values())
    assert lessons <= with_claims, f"lessons without tagged claims: {sorted(lessons - with_claims)}"
