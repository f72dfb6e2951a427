"""Tests for course_utils.grading: the tampering defences nbgrader_config.py puts into autograde."""

from __future__ import annotations

import nbformat
import pytest
from nbgrader.utils import determine_grade

from grader.preprocessors import (
    GuardedExecute,
    parse_guard_reply,
    strip_execution_control_tags,
    tamper_error_output,
)


def _grade_cell(source, **extra):
    return nbformat.v4.new_code_cell(
        source,
        metadata={
            "nbgrader": {
                "grade": True,
                "grade_id": "test_x",
                "locked": True,
                "points": 2,
                "schema_version": 3,
                "solution": False,
                "task": False,
            },
            **extra,
        },
    )


def test_execution_control_tags_are_stripped_and_other_tags_kept():
    nb = nbformat.v4.new_notebook(
        cells=[
            _grade_cell("1", tags=["skip-execution", "keep-me", "raises-exception"]),
            nbformat.v4.new_markdown_cell("x", metadata={"tags": ["my-skip"]}),
            nbformat.v4.new_code_cell("2"),
        ]
    )
    removed = strip_execution_control_tags(nb, ["my-skip"])
    assert removed == [(0, "skip-execution"), (0, "raises-exception"), (1, "my-skip")]
    assert nb.cells[0].metadata.tags == ["keep-me"]
    assert nb.cells[1].metadata.tags == []
    assert "tags" not in nb.cells[2].metadata


def test_the_tamper_error_output_costs_the_cell_its_points():
    cell = _grade_cell("pass")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ok\n")]
    assert determine_grade(cell) == (2, 2)
    cell.outputs.append(tamper_error_output(["showtraceback", "showtraceback"]))
    assert determine_grade(cell) == (0, 2)
    assert "showtraceback" in cell.outputs[-1].evalue


@pytest.mark.parametrize(
    "reply, expected",
    [
        (
            {
                "content": {
                    "status": "ok",
                    "user_expressions": {"guard": {"status": "ok", "data": {"text/plain": "[]"}}},
                }
            },
            [],
        ),
        (
            {
                "content": {
                    "status": "ok",
                    "user_expressions": {
                        "guard": {"status": "ok", "data": {"text/plain": "['custom_exceptions', 'CustomTB']"}}
                    },
                }
            },
            ["custom_exceptions", "CustomTB"],
        ),
        (
            {
                "content": {
                    "status": "ok",
                    "user_expressions": {"guard": {"status": "error", "ename": "KeyError"}},
                }
            },
            None,
        ),
        (
            {
                "content": {
                    "status": "ok",
                    "user_expressions": {
                        "guard": {"status": "ok", "data": {"text/plain": "<object at 0x1>"}}
                    },
                }
            },
            None,
        ),
        ({"content": {"status": "error"}}, None),
        (None, None),
    ],
)
def test_guard_replies_are_parsed(reply, expected):
    assert parse_guard_reply(reply) == expected


@pytest.mark.slow
def test_a_tagged_test_runs_and_a_suppressed_error_still_counts():
    """One kernel: a skip-execution tag is ignored, hidden errors still fail their tests, a test
    that ran with altered hooks scores 0, and honest cells (also a locked cell that registers an
    event hook, as matplotlib does) get no tamper output."""
    failing = "raise AssertionError('wrong answer')"
    locked = nbformat.v4.new_code_cell(
        "get_ipython().events.register('post_execute', lambda: None)",
        metadata={
            "nbgrader": {
                "grade": False,
                "grade_id": "setup",
                "locked": True,
                "schema_version": 3,
                "solution": False,
                "task": False,
            }
        },
    )
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1"),
            locked,
            _grade_cell("assert x == 1"),  # honest, passes
            _grade_cell(failing, tags=["skip-execution"]),  # would have been skipped
            nbformat.v4.new_code_cell("get_ipython().showtraceback = lambda *a, **k: None"),
            _grade_cell(failing),  # traceback would be hidden
            nbformat.v4.new_code_cell(
                "get_ipython().events.register('pre_run_cell', lambda *a: get_ipython()"
                ".ast_transformers.append(__import__('ast').NodeTransformer()))"
            ),
            _grade_cell("assert x == 1"),  # the hook is gone: honest again
            # hooks altered while a test runs (as a thread could): the test cannot be trusted
            _grade_cell("get_ipython().input_transformers_post.append(lambda lines: lines)"),
            _grade_cell("assert x == 1"),  # restored before it ran
            # shadowing builtins in the notebook's namespace does not break the guard; the integrity
            # check names a rebound builtin only in a test that reads it
            nbformat.v4.new_code_cell(
                "type = list = vars = str = len = lambda *a: 0\n__import__ = getattr = setattr = print = None"
            ),
            _grade_cell("assert x == 1"),
            _grade_cell("assert len([1, 2]) == 2"),
        ]
    )
    GuardedExecute(kernel_name="python3", timeout=60).preprocess(nb, {})
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [determine_grade(c)[0] for c in graded] == [2, 0, 0, 2, 0, 2, 2, 0]
    tamper_outputs = [any(o.get("ename") == "GradingTamperError" for o in c.outputs) for c in graded]
    assert tamper_outputs == [False, False, False, False, True, False, False, True]
    assert "the notebook rebinds the builtin `len`" in graded[-1].outputs[-1].evalue


@pytest.mark.slow
def test_the_grader_checks_the_tests_tools_before_and_after_every_graded_cell():
    """The record of genuine functions is taken before the submission's first cell (a patch in an
    inserted top cell is caught); test helpers come from the locked cells that define them."""
    locked_helpers = nbformat.v4.new_code_cell(
        "def compare(a, b):\n    return math.isclose(a, b)",
        metadata={
            "nbgrader": {
                "grade": False,
                "grade_id": "helpers",
                "locked": True,
                "schema_version": 3,
                "solution": False,
                "task": False,
            }
        },
    )
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import math, operator\n_real = math.isclose\nmath.isclose = operator.is_not"
            ),
            _grade_cell("assert not math.isclose(1.0, 2.0)"),  # the patch makes it pass
            nbformat.v4.new_code_cell("math.isclose = _real"),
            locked_helpers,
            _grade_cell("assert compare(1.0, 1.0)"),  # honest
            nbformat.v4.new_code_cell("compare = lambda a, b: True"),
            _grade_cell("assert compare(1.0, 2.0)"),  # would pass with the fake
            _grade_cell("assert 1 + 1 == 2"),  # does not use the fake: honest
        ]
    )
    GuardedExecute(kernel_name="python3", timeout=60).preprocess(nb, {})
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [determine_grade(c)[0] for c in graded] == [0, 2, 0, 2]
    messages = [
        " ".join(o.get("evalue", "") for o in c.outputs if o.get("ename") == "GradingTamperError")
        for c in graded
    ]
    assert "math.isclose was replaced" in messages[0]
    assert messages[1] == "" and messages[3] == ""
    assert "the test helper `compare` was replaced" in messages[2]


def test_every_nbgrader_entry_point_grades_in_the_sandbox():
    """nbgrader autograde, the Formgrader and course.py all load nbgrader_config.py: its Execute is
    GuardedExecute, whose kernels are sandboxed unless the configuration says otherwise."""
    from pathlib import Path

    from traitlets.config.loader import PyFileConfigLoader

    from grader.sandbox import SandboxedKernelManager

    root = Path(__file__).resolve().parents[2]
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    assert cfg.Autograde.autograde_preprocessors[0] is GuardedExecute
    execute = GuardedExecute(config=cfg)
    assert execute.kernel_manager_class is SandboxedKernelManager
    km = execute.kernel_manager_class(kernel_name="python3", config=cfg)
    assert km.enabled and km.memory_gb == 4
    cfg.SandboxedKernelManager.enabled = False  # --unsafe-no-sandbox
    assert not SandboxedKernelManager(kernel_name="python3", config=cfg).enabled
