"""The student release: deterministic, fresh, and graded the way nbgrader sees it."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from support import ROOT, assignment_names, grade_cells, nbgrader_meta, read_nb

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
        if meta.get("grade") or (meta and not meta.get("solution")):
            assert meta.get("locked"), f"cell {meta.get('grade_id')} should be locked in the release"


def test_release_folders_hold_only_notebooks():
    # nbgrader copies everything in an assignment's source folder into the release.
    for name in assignment_names():
        files = _tree(ROOT / "solutions" / name)
        assert all(f.endswith(".ipynb") for f in files), f"solutions/{name} holds non-notebook files {files}"
