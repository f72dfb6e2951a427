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
for _key in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
             "MPLCONFIGDIR"):
    os.makedirs(os.environ[_key], exist_ok=True)
