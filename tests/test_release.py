"""The student release: deterministic, fresh, and graded the way nbgrader sees it."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from support import ROOT, assignment_names, grade_cells, manual_cells, nbgrader_meta, read_nb

import release  # scripts/release.py

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory) -> Path:
    return release.generate_into(tmp_path_factory.mktemp("fresh"))


def _tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def test_committed_release_equals_a_fresh_generation(fresh_release):
    committed = ROOT / "notebooks"
    assert _tree(committed) == _tree(fresh_release), (
        "notebooks/ does not hold the same files as a fresh `make release`"
    )
    stale = [f for f in _tree(committed) if not filecmp.cmp(committed / f, fresh_release / f, shallow=False)]
    assert not stale, f"notebooks/ is stale for {stale}: run `make release` and commit the result"


def test_generation_is_deterministic(fresh_release, tmp_path):
    again = release.generate_into(tmp_path)
    for f in _tree(fresh_release):
        assert (fresh_release / f).read_bytes() == (again / f).read_bytes(), f"{f} differs between two runs"


@pytest.mark.parametrize("name", assignment_names())
def test_release_keeps_every_graded_cell_with_its_points(name):
    source = read_nb(ROOT / "solutions" / name / f"{name}.ipynb")
    released = read_nb(ROOT / "notebooks" / name / f"{name}.ipynb")
    assert grade_cells(released) == grade_cells(source)
    assert sum(grade_cells(source).values()) > 0
    for cell in released.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code":
            assert not cell.get("outputs"), "release notebooks must carry no outputs"
        if meta and not meta.get("solution"):  # every test cell and every instruction
            assert meta.get("locked"), f"cell {meta.get('grade_id')} should be locked in the release"


def test_release_folders_hold_only_notebooks():
    # nbgrader copies everything in an assignment's source folder into the release.
    for name in assignment_names():
        files = _tree(ROOT / "solutions" / name)
        assert all(f.endswith(".ipynb") for f in files), f"solutions/{name} holds non-notebook files {files}"


@pytest.mark.parametrize("name", assignment_names())
def test_the_release_drops_the_claim_markers_and_nothing_else_of_the_text(name):
    from grader.preprocessors import strip_claim_markers

    source = {
        nbgrader_meta(c).get("grade_id"): c
        for c in read_nb(ROOT / "solutions" / name / f"{name}.ipynb").cells
    }
    released = [
        c for c in read_nb(ROOT / "notebooks" / name / f"{name}.ipynb").cells if c.cell_type == "markdown"
    ]
    assert not [c for c in released if "<!-- claim:" in c.source], (
        f"{name}: a claim marker reached the release"
    )
    for cell in released:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            continue  # an answer cell: nbgrader puts its stub there
        assert cell.source == strip_claim_markers(source[meta.get("grade_id")].source), meta.get("grade_id")


def test_strip_claim_markers_keeps_lines_and_indentation():
    from grader.preprocessors import strip_claim_markers

    assert strip_claim_markers("a b. <!-- claim: 01-x --> (c d") == "a b. (c d"
    assert strip_claim_markers("end. <!-- claim: 01-x -->\nnext") == "end.\nnext"
    assert strip_claim_markers("one\n<!-- claim: 01-x -->\ntwo") == "one\ntwo"
    assert strip_claim_markers("<!-- claim: 01-x --> This is\n") == "This is\n"
    assert strip_claim_markers("  <!-- claim: a-b --> lead") == "  lead"
    assert strip_claim_markers("no <!-- other comment --> here") == "no <!-- other comment --> here"


def test_generate_assignment_runs_nbgraders_preprocessors_and_the_marker_strip_before_checksums():
    from nbgrader.converters import GenerateAssignment
    from traitlets.config.loader import PyFileConfigLoader

    from grader.preprocessors import StripClaimMarkers

    ours = (
        PyFileConfigLoader("nbgrader_config.py", path=str(ROOT))
        .load_config()
        .GenerateAssignment.preprocessors
    )
    default = list(GenerateAssignment().preprocessors)  # nbgrader 0.9.6's own list
    assert [p for p in ours if p is not StripClaimMarkers] == default
    names = [p.__name__ for p in ours]
    assert names.index("StripClaimMarkers") < names.index("ComputeChecksums") < names.index("SaveCells")


@pytest.mark.parametrize("name", assignment_names())
def test_a_hand_graded_answer_is_released_empty_and_its_rubric_stays_with_the_instructor(name):
    source = read_nb(ROOT / "solutions" / name / f"{name}.ipynb")
    released = read_nb(ROOT / "notebooks" / name / f"{name}.ipynb")
    assert manual_cells(released) == manual_cells(source)
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in released.cells}
    release_text = "\n".join(c.source for c in released.cells)
    for c in source.cells:
        grade_id = nbgrader_meta(c).get("grade_id")
        if grade_id not in manual_cells(source):
            continue
        out = by_id[grade_id]
        assert out.source == "YOUR ANSWER HERE" and not nbgrader_meta(out).get("locked")
        # the instructor's model answer and rubric are in the source cell and nowhere in the release
        assert "Rubric" in c.source and "Model answer" in c.source
        for line in (ln.strip() for ln in c.source.splitlines()):
            if len(line) > 30:
                assert line not in release_text, f"{name}: the release shows the instructor's {line!r}"
        # the student's instructions name the criteria and say that the answer is graded by hand
        before = released.cells[released.cells.index(out) - 1]
        assert "graded by hand" in before.source.lower() or "grades it by hand" in before.source


def test_the_capstone_has_a_hand_graded_written_answer():
    assert manual_cells(read_nb(ROOT / "solutions" / "08_capstone" / "08_capstone.ipynb")) == {
        "tradeoff_answer": 3.0
    }
