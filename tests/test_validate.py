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
    # One run answers both questions: with checksums checked, nbgrader reports "changed" cells
    # instead of failures when a locked cell differs from the release; otherwise every graded
    # cell either passed or failed, so all of them failing means none passed.
    results = Validator().validate(str(copy))
    assert not results.get("changed"), "the untouched release reports changed cells"
    assert not results.get("type_changed")
    failed = {f["source"] for f in results.get("failed", [])}
    graded = [
        c
        for c in read_nb(path).cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade") and c.cell_type == "code"
    ]
    assert len(graded) == len(grade_cells(read_nb(path)))
    passed = [c.source.strip()[:200] for c in graded if c.source.strip() not in failed]
    assert not passed, "graded tests pass on the untouched release:\n" + "\n\n".join(passed)


def test_every_lesson_has_a_release():
    assert [p.parent.name for p in source_notebooks()] == [p.parent.name for p in release_notebooks()]
    assert (ROOT / "notebooks").is_dir()
