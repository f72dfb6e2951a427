"""Each lesson's settings live in the lesson: the claim tests read them, never copy them."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from lesson_settings import MissingSetting, all_settings, lesson_settings, notebook_settings
from support import ROOT

CLAIMS = ROOT / "tests" / "claims"
LESSONS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.name[:2].isdigit())


def lesson_of(module: Path) -> str:
    number = module.stem.split("_")[1]  # test_07b_distributed.py -> 07b
    (lesson,) = [name for name in LESSONS if name.startswith(number + "_")]
    return lesson


def _bound_names(node: ast.Assign) -> list[str]:
    return [
        e.id
        for t in node.targets
        for e in (t.elts if isinstance(t, ast.Tuple) else [t])
        if isinstance(e, ast.Name)
    ]


def _reads_the_lesson(value: ast.expr) -> bool:
    return any(
        isinstance(n, ast.Call) and getattr(n.func, "id", None) == "lesson_settings" for n in ast.walk(value)
    )


CLAIM_MODULES = sorted(p for p in CLAIMS.glob("test_[0-9][0-9]*_*.py"))


@pytest.mark.parametrize("module", CLAIM_MODULES, ids=lambda p: p.name)
def test_claim_tests_read_every_lesson_setting_from_the_lesson(module):
    settings = all_settings(lesson_of(module))
    copies = []
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, ast.Assign):
            shared = [n for n in _bound_names(node) if n in settings]
            if shared and not _reads_the_lesson(node.value):
                copies.append(f"line {node.lineno}: {', '.join(shared)}")
    assert not copies, (
        f"{module.name} writes its own value of a setting of {lesson_of(module)}: "
        + "; ".join(copies)
        + " (use lesson_settings(...))"
    )


@pytest.mark.parametrize("module", CLAIM_MODULES, ids=lambda p: p.name)
def test_claim_tests_read_settings_the_lesson_has(module):
    # Running the module's top level runs its lesson_settings(...) calls; a setting the lesson no
    # longer has raises MissingSetting here.
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_settings_check_{module.stem}", module)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


def test_every_lesson_has_settings():
    for lesson in LESSONS:
        assert all_settings(lesson), f"{lesson}: no UPPER_CASE settings found"


def _notebook(tmp_path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_settings_are_read_as_written_and_a_change_is_seen(tmp_path):
    path = _notebook(
        tmp_path,
        "MAX_NORM, LR = 1.0, 0.1\nmodel = make()\n",
        "%matplotlib inline",
        "STEPS = int(10 / LR)\nX = data.x\nSWEEP = tuple(range(3))\nlower = 5",
    )
    assert notebook_settings(path) == {"MAX_NORM": 1.0, "LR": 0.1, "STEPS": 100, "SWEEP": (0, 1, 2)}
    path = _notebook(tmp_path, "MAX_NORM, LR = 2.0, 0.1\n")
    assert notebook_settings(path)["MAX_NORM"] == 2.0


def test_a_setting_the_lesson_lacks_is_a_clear_error():
    with pytest.raises(
        MissingSetting, match=r"solutions/08_capstone/08_capstone.ipynb sets no NOT_A_SETTING"
    ):
        lesson_settings("08_capstone", "MAX_NORM", "NOT_A_SETTING")


def test_the_copy_check_can_fail(tmp_path):
    module = tmp_path / "test_08_capstone.py"
    module.write_text('MAX_NORM = 1.0\nLR = lesson_settings("08_capstone", "LR")\n')
    with pytest.raises(AssertionError, match="line 1: MAX_NORM"):
        test_claim_tests_read_every_lesson_setting_from_the_lesson(module)


def test_lesson_functions_are_the_lessons_own_and_a_missing_one_is_a_clear_error():
    from lesson_settings import lesson_functions

    spike_action = lesson_functions("09_modern", "spike_action")
    assert spike_action(2.5, [0.5] * 30) == "skip" and spike_action(0.6, [0.5] * 30) == "step"
    with pytest.raises(MissingSetting, match="defines no function not_a_function"):
        lesson_functions("09_modern", "spike_action", "not_a_function")
