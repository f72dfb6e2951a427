"""nbgrader's Validator: every solution passes all its tests; every untouched release fails them.

(`nbgrader validate` exits 0 even when tests fail, so this uses the Validator class in code.)
"""

from __future__ import annotations

import shutil

import pytest
from nbgrader.validator import Validator

from support import ROOT, grade_cells, read_nb, release_notebooks, source_notebooks

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("path", source_notebooks(), ids=lambda p: p.parent.name)
def test_solution_notebook_passes_every_test(path, tmp_path):
    copy = tmp_path / path.name
    shutil.copy2(path, copy)
    results = Validator(ignore_checksums=True).validate(str(copy))
    failed = results.get("failed", [])
    assert not failed, "solution fails:\n" + "\n\n".join(f["raw_error"] for f in failed)
    assert not results.get("type_changed")


@pytest.mark.parametrize("path", release_notebooks(), ids=lambda p: p.parent.name)
def test_untouched_release_fails_every_graded_test(path, tmp_path):
    copy = tmp_path / path.name
    shutil.copy2(path, copy)
    results = Validator(invert=True).validate(str(copy))
    assert not results.get("changed"), "the untouched release reports changed cells"
    passed = results.get("passed", [])
    assert not passed, "graded tests pass on the untouched release:\n" + "\n\n".join(
        p["source"][:200] for p in passed
    )
    results = Validator().validate(str(copy))
    assert len(results.get("failed", [])) == len(grade_cells(read_nb(path)))


def test_every_lesson_has_a_release():
    assert [p.parent.name for p in source_notebooks()] == [p.parent.name for p in release_notebooks()]
    assert (ROOT / "notebooks").is_dir()
