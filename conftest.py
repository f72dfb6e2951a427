"""Test-session set-up shared by tests/ and the nbval run over solutions/.

Everything Jupyter, IPython and matplotlib would write under $HOME (config, data, runtime files,
IPython history, the font cache) goes to a throw-away folder instead, for this process and every
kernel it starts.  Progress bars are silenced.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

_STATE = tempfile.mkdtemp(prefix="gradclip-test-home-")
atexit.register(shutil.rmtree, _STATE, ignore_errors=True)

ISOLATED_ENV = {
    "JUPYTER_CONFIG_DIR": os.path.join(_STATE, "jupyter-config"),
    "JUPYTER_DATA_DIR": os.path.join(_STATE, "jupyter-data"),
    "JUPYTER_RUNTIME_DIR": os.path.join(_STATE, "jupyter-runtime"),
    "IPYTHONDIR": os.path.join(_STATE, "ipython"),
    "MPLCONFIGDIR": os.path.join(_STATE, "matplotlib"),
    "JUPYTER_PLATFORM_DIRS": "1",
    "JUPYTER_ALLOW_INSECURE_WRITES": "0",
    "COURSE_UTILS_PROGRESS": "0",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
# nbgrader runs tools such as `alembic` from PATH: make the environment's own bin folder first.
_BIN = os.path.dirname(sys.executable)
if os.environ.get("PATH", "").split(os.pathsep)[0] != _BIN:
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")
for _key, _value in ISOLATED_ENV.items():
    os.environ[_key] = _value
for _key in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
    os.makedirs(os.environ[_key], exist_ok=True)


import pytest  # noqa: E402


#: Test folders where any warning fails the test: the teaching library must run warning-free,
#: since students would see every warning it raises.  (Integration tests drive nbgrader and
#: Jupyter, whose own deprecation warnings are not ours to fix.)
WARNINGS_ARE_ERRORS = (("tests", "unit"),)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """In WARNINGS_ARE_ERRORS, any warning fails the test.

    (`make test` runs pytest-xdist with `--dist loadfile`: every file's tests run in one worker,
    so that module-scoped fixtures, such as a graded course copy, are built once; nbval's items of
    one notebook stay together, as its cells must run in order in one kernel; and the browser
    tests are gathered in one module, tests/browser/test_browser.py, to share one JupyterLab.)"""
    for item in items:
        if any(_relative(config, item).parts[: len(folder)] == folder for folder in WARNINGS_ARE_ERRORS):
            item.add_marker(pytest.mark.filterwarnings("error"))
    # Longest files first (each takes minutes; measured in test-artifacts/durations.txt), so that
    # two workers end together instead of one running the autograde file alone at the end.
    first = {name: rank for rank, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: first.get(_relative(config, item).as_posix(), len(first)))


#: Files that take minutes each, in the order `make test` starts them (the rest follow in
#: collection order: `--no-loadscope-reorder` keeps this order under xdist).
LONGEST_FIRST = (
    "tests/test_autograde.py",
    "tests/test_tampering.py",
    "tests/browser/test_browser.py",
    "tests/test_workflow.py",
    "tests/test_postgres.py",
    "tests/test_student_pack.py",
    "tests/test_escapes.py",
    "tests/test_validate.py",
)


def _relative(config, item):
    return item.path.relative_to(config.rootpath) if item.path.is_relative_to(config.rootpath) else item.path


_DURATIONS: list[tuple[float, str, str]] = []


def pytest_runtest_logreport(report):
    """Record how long every test phase took (under xdist, on the controller: workers report to it)."""
    if report.duration >= 0.5:
        _DURATIONS.append((report.duration, report.when, report.nodeid))


def pytest_sessionfinish(session, exitstatus):
    """Write the slowest test phases to test-artifacts/durations.txt (not from xdist workers)."""
    if hasattr(session.config, "workerinput") or not _DURATIONS:
        return
    import time

    folder = session.config.rootpath / "test-artifacts"
    folder.mkdir(exist_ok=True)
    start = getattr(session.config, "_gradclip_start", None)
    wall = f"{time.time() - start:.0f} s" if start else "unknown"
    lines = [
        f"# slowest test phases of the last run (wall time {wall}; "
        f"{session.testscollected} tests collected; exit status {int(exitstatus)})"
    ]
    lines += [f"{d:8.1f}s {when:<8} {nodeid}" for d, when, nodeid in sorted(_DURATIONS, reverse=True)[:60]]
    (folder / "durations.txt").write_text("\n".join(lines) + "\n")


def pytest_configure(config):
    import time

    config._gradclip_start = time.time()
