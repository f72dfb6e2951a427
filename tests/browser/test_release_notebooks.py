"""Every student release notebook, run in JupyterLab in Chromium the way a student runs it.

Run All stops at the first error, as it does for a student; the test then runs the rest from
the next cell on (Run > Run Selected Cell and All Below), until every code cell has run.

Which errors are expected, precisely (everything else fails the test):

1. ``NotImplementedError``: the exercise stubs raise it, in every cell that calls them.
2. In a quiz, ``NameError: name 'answer_qNN' is not defined`` in the format-check cell right
   after the answer cell of question NN, when that answer cell raised the stub's
   ``NotImplementedError``: the stub raises before the variable is assigned.
3. In a lesson, an error *caused by a stub* in a cell downstream of it: the cell reads a
   "tainted" name, that is an exercise function (a ``def`` in a cell that raises
   ``NotImplementedError``), a name assigned by a cell that raised ``NotImplementedError``
   (``model0, clipped0 = train_capstone(0)`` leaves ``clipped0`` undefined; a sweep loop
   that stops at its first call leaves its dict empty), or a function defined by a cell that
   reads a tainted name (a visible test's helper that calls the exercise). A ``NameError`` must
   moreover name a tainted variable. Examples seen: lesson 07's visible test turns the stub's
   ``NotImplementedError`` (a ``RuntimeError``) into "safe_step raised RuntimeError ...";
   lesson 08's later cells meet ``NameError: clipped0`` and ``KeyError: 0.001``.
   The same cells must run without any error in the solution notebooks
   (test_solution_notebooks.py), so a cell that fails for another reason is caught there.
"""
from __future__ import annotations

import ast
import re

import pytest

from _lab import error_outputs
from support import release_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RELEASE = release_notebooks()
ANSWER_VAR = re.compile(r"check_choice\((answer_q\d+)\b")
STUB = re.compile(r"#\s*YOUR CODE HERE\s*\n\s*raise NotImplementedError\(\)")


def _names(source: str) -> tuple[set[str], set[str], set[str]]:
    """(names read, names bound, functions defined) by a cell's code."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax: read every identifier, bind nothing
        return set(re.findall(r"[A-Za-z_]\w*", source)), set(), set()
    read, bound, defined = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
    return read, bound, defined


def _raised(cell: dict, ename: str) -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") == ename for o in cell["outputs"])


def unexpected_errors(cells: list[dict]) -> list[str]:
    code = [c for c in cells if c["type"] == "code"]
    tainted: set[str] = set()
    bad = []
    previous = None
    for cell in code:
        read, bound, defined = _names(cell["source"])
        stub_cell = bool(STUB.search(cell["source"]))
        uses_taint = bool(read & tainted)
        for o in cell["outputs"]:
            if o.get("output_type") != "error" or o.get("ename") == "NotImplementedError":
                continue
            ename, evalue = o.get("ename", ""), o.get("evalue", "")
            m = ANSWER_VAR.search(cell["source"])
            if (ename == "NameError" and m and evalue == f"name '{m.group(1)}' is not defined"
                    and previous is not None and STUB.search(previous["source"])
                    and _raised(previous, "NotImplementedError")):
                continue  # rule 2
            if uses_taint:
                name = re.fullmatch(r"name '(\w+)' is not defined", evalue)
                if ename != "NameError" or (name and name.group(1) in tainted):
                    continue  # rule 3
            bad.append(f"cell {cell['index']}: {ename}: {evalue}")
        if stub_cell:
            tainted |= defined
        if _raised(cell, "NotImplementedError"):
            tainted |= bound | defined
        if uses_taint:
            tainted |= defined
        previous = cell
    return bad


@pytest.mark.parametrize("notebook", RELEASE, ids=[p.stem for p in RELEASE])
def test_release_notebook_runs_with_only_the_stub_errors(lab_page, notebook):
    path = lab_page.copy(notebook, "release")
    lab_page.open(path)
    try:
        lab_page.run_all(continue_after_errors=True)
        cells = lab_page.cells()
        assert not lab_page.unexecuted_code_cells(), "some code cells never ran"
        errors = error_outputs(cells)
        stubs = sum(1 for _, ename, _ in errors if ename == "NotImplementedError")
        assert stubs >= 1, f"{notebook.name}: no exercise stub raised NotImplementedError"
        assert not unexpected_errors(cells), (
            f"{notebook.name}: unexpected errors: {unexpected_errors(cells)}")
        # The page shows the tracebacks too, not only the model.
        shown = lab_page.page.locator(
            f"#{lab_page.panel_id()} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert shown.count() >= len(errors), "error outputs in the model are missing from the page"
        lab_page.screenshot(f"release-{notebook.stem}")
    finally:
        lab_page.close()
