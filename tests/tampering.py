"""Tampered submissions built from a release notebook (the corpus of tests/test_tampering.py).

Three submissions per assignment, all graded in one autograde run:

* ``tamper_cells``: the untouched release (honest score 0 in every test cell) with a different
  tamper applied to each test cell, taken in turn from :data:`CELL_TAMPERS` (edited, deleted,
  re-typed, re-tagged, its nbgrader metadata changed) and, for every third test cell, from
  :data:`KERNEL_TAMPERS` (a cell before it that hides errors inside the kernel), starting at an
  offset per assignment so that the lessons with few test cells together cover every tamper.
* ``tamper_kernel``: a sample answer with known partial scores (tests/submissions) with a kernel
  tamper inserted before each test cell the sample fails, so that a working tamper would turn
  that 0 into full points.
* ``tamper_ungradable``: the release with one of :data:`UNGRADABLE_TAMPERS` (nbgrader refuses
  such a notebook before running it, so this costs no execution).
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from support import nbgrader_meta, read_nb


def _edit_pass(cell):
    cell.source = "pass"
    return [cell]


def _delete(cell):
    return []


def _points_up(cell):
    nbgrader_meta(cell)["points"] = 100
    cell.source = "pass"
    return [cell]


def _tag(tag):
    def tamper(cell):
        cell.metadata.setdefault("tags", []).append(tag)
        return [cell]

    return tamper


def _grade_false(cell):
    nbgrader_meta(cell)["grade"] = False
    cell.source = "pass"
    return [cell]


def _no_nbgrader_metadata(cell):
    del cell.metadata["nbgrader"]
    cell.source = "pass"
    return [cell]


def _rename_grade_id(cell):
    nbgrader_meta(cell)["grade_id"] += "_renamed"
    cell.source = "pass"
    return [cell]


def _retype(cell_type):
    def tamper(cell):
        new = (nbformat.v4.new_markdown_cell if cell_type == "markdown" else nbformat.v4.new_raw_cell)(
            cell.source, metadata=copy.deepcopy(cell.metadata)
        )
        return [new]

    return tamper


def _unlock_and_pass(cell):
    nbgrader_meta(cell)["locked"] = False
    cell.source = "pass"
    return [cell]


def _solution_and_pass(cell):
    nbgrader_meta(cell)["solution"] = True
    cell.source = "pass"
    return [cell]


def _add_fake_grade_cell(cell):
    return [cell, copy.deepcopy(FAKE_GRADE_CELL)]


#: A cell a student adds that claims to be a test cell worth points.
FAKE_GRADE_CELL = nbformat.v4.new_code_cell(
    "pass",
    metadata={
        "nbgrader": {
            "grade": True,
            "grade_id": "test_extra_points",
            "locked": True,
            "points": 50,
            "schema_version": 3,
            "solution": False,
            "task": False,
        }
    },
)

#: Tamper name -> function(test cell) -> the cells that replace it.  nbgrader grades a notebook
#: with these (OverwriteCells restores a locked cell's source, points and type).
CELL_TAMPERS = {
    "edit_to_pass": _edit_pass,
    "delete": _delete,
    "points_100": _points_up,
    "tag_skip_execution": _tag("skip-execution"),
    "tag_raises_exception": _tag("raises-exception"),
    "remove_nbgrader_metadata": _no_nbgrader_metadata,
    "to_markdown": _retype("markdown"),
    "to_raw": _retype("raw"),
    "unlock_and_pass": _unlock_and_pass,
}

#: Tampers that make nbgrader refuse the whole notebook (its metadata fails validation): the
#: submission is reported as ungradable (scripts/course.py lists it) and gets no score.  Each goes
#: in a notebook of its own, which costs no execution.
UNGRADABLE_TAMPERS = {
    "grade_false": _grade_false,
    "rename_grade_id": _rename_grade_id,
    "mark_as_solution": _solution_and_pass,
    "add_fake_grade_cell": _add_fake_grade_cell,
}

#: Tamper name -> the code of a cell that hides the next failing test's error inside the kernel.
KERNEL_TAMPERS = {
    "showtraceback_instance": "get_ipython().showtraceback = lambda *a, **k: None\n",
    "custom_exc_handler": ("get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n"),
    "ast_try_wrap": (
        "import ast\n"
        "class _Swallow(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n"
        "        handler = ast.ExceptHandler(type=ast.Name('BaseException', ast.Load()), name=None,\n"
        "                                    body=[ast.Pass()])\n"
        "        node.body = [ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[],\n"
        "                             finalbody=[])]\n"
        "        return ast.fix_missing_locations(node)\n"
        "get_ipython().ast_transformers.append(_Swallow())\n"
    ),
    "input_transformer_wrap": (
        "def _wrap(lines):\n"
        "    return ['try:\\n'] + ['    ' + l for l in lines] + ['\\n', 'except BaseException:\\n', '    pass\\n']\n"
        "get_ipython().input_transformers_post.append(_wrap)\n"
    ),
    "showtraceback_class_and_reply_ok": (
        "_ip = get_ipython()\n"
        "type(_ip).showtraceback = lambda *a, **k: None\n"
        "_kernel = _ip.kernel\n"
        "_orig_do_execute = type(_kernel).do_execute\n"
        "async def _do_execute(self, *a, **k):\n"
        "    reply = await _orig_do_execute(self, *a, **k)\n"
        "    if reply.get('status') == 'error':\n"
        "        reply = {'status': 'ok', 'execution_count': reply.get('execution_count'),\n"
        "                 'user_expressions': {}, 'payload': []}\n"
        "    return reply\n"
        "type(_kernel).do_execute = _do_execute\n"
    ),
    "pre_run_cell_hook": (
        "def _hide(*a, **k):\n"
        "    get_ipython().showtraceback = lambda *a, **k: None\n"
        "    get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n"
        "get_ipython().events.register('pre_run_cell', _hide)\n"
    ),
    # Patched after one execution, unpatched after the next: the patch is in place while a test
    # runs and gone when it has finished.
    "post_execute_toggle": (
        "_ip2 = get_ipython()\n"
        "def _toggle():\n"
        "    if 'showtraceback' in vars(_ip2):\n"
        "        del _ip2.showtraceback, _ip2.kernel.do_execute\n"
        "        return\n"
        "    _ip2.showtraceback = lambda *a, **k: None\n"
        "    _orig = type(_ip2.kernel).do_execute.__get__(_ip2.kernel)\n"
        "    async def _ok(*a, **k):\n"
        "        reply = await _orig(*a, **k)\n"
        "        return {**reply, 'status': 'ok'} if reply.get('status') == 'error' else reply\n"
        "    _ip2.kernel.do_execute = _ok\n"
        "_ip2.events.register('post_execute', _toggle)\n"
    ),
}


def grade_cell_ids(nb) -> list[str]:
    """The autograded test cells (a hand-graded written answer has no code to tamper with)."""
    return [
        nbgrader_meta(c)["grade_id"]
        for c in nb.cells
        if nbgrader_meta(c).get("grade") and c.cell_type == "code"
    ]


def cell_tamper_plan(grade_ids: list[str], offset: int) -> dict[str, str]:
    """grade_id -> name of the tamper applied to it in the release-based submission: cell tampers
    in turn, with every third test cell getting a kernel tamper instead."""
    cell_names, kernel_names = list(CELL_TAMPERS), list(KERNEL_TAMPERS)
    plan = {}
    for i, g in enumerate(grade_ids):
        if i % 3 == 2:
            plan[g] = kernel_names[(offset + i // 3) % len(kernel_names)]
        else:
            plan[g] = cell_names[(offset * 2 + i - i // 3) % len(cell_names)]
    return plan


def ungradable_plan(grade_ids: list[str], offset: int) -> dict[str, str]:
    """The ungradable tamper applied (to the first test cell) in this assignment's third submission."""
    names = list(UNGRADABLE_TAMPERS)
    return {grade_ids[0]: names[offset % len(names)]}


def kernel_tamper_plan(failing_ids: list[str], offset: int) -> dict[str, str]:
    """grade_id of a failing test cell -> name of the kernel tamper inserted before it."""
    names = list(KERNEL_TAMPERS)
    return {g: names[(offset + i) % len(names)] for i, g in enumerate(failing_ids)}


def tamper_cells(nb, plan: dict[str, str]):
    """A copy of ``nb`` with each planned test cell tampered: ``plan`` maps a grade_id to the
    name of a cell tamper, an ungradable tamper or a kernel tamper (inserted before the cell)."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        name = plan.get(nbgrader_meta(cell).get("grade_id"))
        if name in KERNEL_TAMPERS:
            cells += [nbformat.v4.new_code_cell(KERNEL_TAMPERS[name]), cell]
        elif name is not None:
            cells += {**CELL_TAMPERS, **UNGRADABLE_TAMPERS}[name](cell)
        else:
            cells.append(cell)
    nb.cells = cells
    return nb


def tamper_kernel(nb, plan: dict[str, str]):
    """A copy of ``nb`` with the planned kernel tamper inserted before each planned test cell."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in plan:
            cells.append(nbformat.v4.new_code_cell(KERNEL_TAMPERS[plan[grade_id]]))
        cells.append(cell)
    nb.cells = cells
    return nb


def write(nb, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(dest))


__all__ = [
    "CELL_TAMPERS",
    "KERNEL_TAMPERS",
    "UNGRADABLE_TAMPERS",
    "FAKE_GRADE_CELL",
    "cell_tamper_plan",
    "kernel_tamper_plan",
    "ungradable_plan",
    "tamper_cells",
    "tamper_kernel",
    "grade_cell_ids",
    "read_nb",
    "write",
]
