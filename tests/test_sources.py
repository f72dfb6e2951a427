"""Every lesson notebook has a MyST text source in lessons/ that agrees with it (scripts/sources.py)."""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

import sources  # scripts/sources.py
from support import ROOT

LESSON = "01_gradients"


@pytest.fixture(scope="module")
def lesson():
    text = sources.source_path(LESSON).read_text()
    nb = nbformat.read(str(sources.notebook_path(LESSON)), as_version=4)
    return text, nb


def _cells(nb):
    return [json.dumps(c, sort_keys=True) for c in nb.cells]


def test_every_lesson_notebook_has_its_source_and_they_agree():
    assert sources.lessons() == sorted(p.name for p in (ROOT / "solutions").iterdir() if p.name[:2].isdigit())
    problems = sources.disagreements()
    assert not problems, "\n".join(problems)


def test_sources_are_outside_the_assignment_folders():
    # nbgrader copies everything in solutions/<assignment>/ into the release
    assert not list((ROOT / "solutions").rglob("*.md"))
    assert sources.SOURCES == ROOT / "lessons"


def test_an_unchanged_source_rebuilds_the_notebook_byte_for_byte(lesson):
    text, nb = lesson
    rebuilt = sources.from_text(text, nb)
    assert nbformat.writes(rebuilt) == nbformat.writes(nb)


def test_editing_one_markdown_line_changes_exactly_that_cell(lesson):
    text, nb = lesson
    line = "Helpers come from `course_utils` (the module is named in each cell). Run the cells in order."
    assert text.count(line) == 1
    rebuilt = sources.from_text(text.replace(line, line + " (edited)"), nb)
    changed = [i for i, (a, b) in enumerate(zip(_cells(nb), _cells(rebuilt))) if a != b]
    assert len(rebuilt.cells) == len(nb.cells) and len(changed) == 1
    cell = rebuilt.cells[changed[0]]
    assert cell.cell_type == "markdown" and cell.source.endswith("(edited)")
    assert nb.cells[changed[0]].source + " (edited)" == cell.source


def test_editing_a_code_cell_drops_only_its_outputs(lesson):
    text, nb = lesson
    code = next(c for c in nb.cells if c.cell_type == "code" and c.outputs)
    rebuilt = sources.from_text(text.replace(code.source, code.source + "\n# edited"), nb)
    changed = [
        c
        for a, c in zip(nb.cells, rebuilt.cells)
        if json.dumps(a, sort_keys=True) != json.dumps(c, sort_keys=True)
    ]
    assert [c.id for c in changed] == [code.id]
    assert changed[0].outputs == [] and changed[0].execution_count is None


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda nb: nb.cells.reverse(), "order differ"),
        (lambda nb: nb.cells.pop(3), "order differ"),
        (lambda nb: nb.cells[2].metadata["nbgrader"].update(points=5), "cell l01-03 differs in its metadata"),
        (
            lambda nb: setattr(nb.cells[2], "source", nb.cells[2].source + "!"),
            "cell l01-03 differs in its source",
        ),
    ],
    ids=["reordered", "deleted", "metadata", "source"],
)
def test_the_check_finds_every_kind_of_disagreement(lesson, change, words):
    text, nb = lesson
    nb = copy.deepcopy(nb)
    change(nb)
    problems = sources.compare(LESSON, text, nb)
    assert problems and any(words in p for p in problems), problems


def test_a_cell_without_a_grade_id_is_a_clear_error(lesson):
    text, _ = lesson
    broken = text.replace('"grade_id": "l01-03", ', "", 1)
    with pytest.raises(sources.SourceError, match="has no nbgrader grade_id"):
        sources.from_text(broken)
