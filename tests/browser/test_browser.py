"""The browser tests, gathered in one module so that `make test` (pytest-xdist, `--dist loadfile`:
a file's tests run in one worker) runs all of them in one worker, beside one JupyterLab and one
Chromium (the session fixtures of conftest.py).  Each part is written in its own file:

* ``_formgrader.py``: the Formgrader page lists every assignment;
* ``_release_notebooks.py``: every release notebook, run as a student runs it;
* ``_solution_notebooks.py``: every solution notebook, its figures, widgets and practice questions.
"""

from __future__ import annotations

import pytest

from _formgrader import *  # noqa: F403
from _release_notebooks import *  # noqa: F403
from _solution_notebooks import *  # noqa: F403

pytestmark = [pytest.mark.browser, pytest.mark.slow]
