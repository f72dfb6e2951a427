"""Every student release notebook, run in JupyterLab in Chromium the way a student runs it.

Run All stops at the first error, as it does for a student; the test then runs the rest from
the next cell on (Run > Run Selected Cell and All Below), until every code cell has run.

The only errors allowed are the exercise stubs' ``NotImplementedError``, in the stub's own cell
and in every cell that needs what the exercise makes: those cells raise ``NotImplementedError``
too, either because they call the exercise or because they check first that its results exist
(``course_utils.checks.require_names``; a quiz's format check ``course_utils.quiz.check_answer``
does the same for an unanswered question). Any other error (a ``NameError``, ``KeyError``...)
fails the test. The same cells must run without any error in the solution notebooks
(_solution_notebooks.py).
"""

from __future__ import annotations

import pytest

from _lab import error_outputs
from support import release_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RELEASE = release_notebooks()


def unexpected_errors(cells: list[dict]) -> list[str]:
    """Every error output that is not a ``NotImplementedError``, as "cell N: Name: value"."""
    return [
        f"cell {cell['index']}: {o.get('ename')}: {o.get('evalue')}"
        for cell in cells
        if cell["type"] == "code"
        for o in cell["outputs"]
        if o.get("output_type") == "error" and o.get("ename") != "NotImplementedError"
    ]


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
        assert not unexpected_errors(cells), f"{notebook.name}: unexpected errors: {unexpected_errors(cells)}"
        # The page shows the tracebacks too, not only the model.
        shown = lab_page.page.locator(
            f"#{lab_page.panel_id()} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        )
        assert shown.count() >= len(errors), "error outputs in the model are missing from the page"
        lab_page.screenshot(f"release-{notebook.stem}")
    finally:
        lab_page.close()
