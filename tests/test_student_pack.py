"""The student archive sets up like the repository (`make lab`, `make test`) and holds only course_utils.

The slow test does what a student does: unzip the archive in an empty folder and run `make test`,
which builds .venv from requirements.lock with the system's python3.11 and runs the archive's own
check (check_setup.py): the environment imports, and lesson 01 runs up to its first exercise stub.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

from support import ROOT, nbgrader_meta, read_nb

import release  # scripts/release.py

TOP = "gradient-clipping"
#: Where Jupyter, IPython and matplotlib would write (see the root conftest.py).
STATE_DIRS = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR")
LESSON = "notebooks/01_gradients/01_gradients.ipynb"


def _with_instructor_package(text: str) -> str:
    """The repository's pyproject with more instructor material: package data and entry points."""
    old = 'packages = ["course_utils", "grader"]'
    assert old in text, "the test's edit no longer applies to pyproject.toml"
    return (
        text.replace(
            old,
            'packages = ["course_utils", "grader"]\n'
            'package-data = {grader = ["*.json"], course_utils = ["*.txt"]}',
        )
        + '\n[project.scripts]\ngradclip-grade = "grader.cli:main"\ngradclip-hello = "course_utils.hello:main"\n'
    )


def test_pack_pyproject_installs_only_course_utils():
    repo = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for text in (
        (ROOT / "pyproject.toml").read_text(),
        _with_instructor_package((ROOT / "pyproject.toml").read_text()),
    ):
        pack = tomllib.loads(release.student_pyproject(text))
        assert pack["tool"]["setuptools"]["packages"] == ["course_utils"]
        assert pack["build-system"] == repo["build-system"]
        assert {k: v for k, v in pack["project"].items() if k != "scripts"} == repo["project"]
        assert set(pack["tool"]) == {"setuptools"}, (
            "the pack's pyproject keeps the repository's tool settings"
        )
    assert pack["tool"]["setuptools"]["package-data"] == {"course_utils": ["*.txt"]}
    assert pack["project"]["scripts"] == {"gradclip-hello": "course_utils.hello:main"}


def test_pack_has_its_own_makefile_readme_and_check(tmp_path):
    with zipfile.ZipFile(release.pack(tmp_path / "student.zip")) as zf:
        names = set(zf.namelist())
        makefile = zf.read(f"{TOP}/Makefile").decode()
        readme = zf.read(f"{TOP}/README.md").decode()
    for name in ("Makefile", "README.md", "check_setup.py", "pyproject.toml", "requirements.lock", LESSON):
        assert f"{TOP}/{name}" in names
    for target in ("help:", "setup:", "lab:", "test:"):
        assert f"\n{target}" in makefile
    assert "make lab" in readme and "make test" in readme
    for internal in ("nbgrader", "nbval", "pytest", "solutions/", "tests/", "grader"):
        assert internal not in readme, f"the student README mentions {internal!r}"


def _student_env(tmp: Path) -> dict[str, str]:
    """A student's shell: no course .venv on PATH, and $HOME and Jupyter's folders in ``tmp``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    course_bin = Path(sys.prefix).resolve()
    env["PATH"] = os.pathsep.join(
        p for p in env["PATH"].split(os.pathsep) if p and not Path(p).resolve().is_relative_to(course_bin)
    )
    env["HOME"] = str(tmp / "home")
    # The root conftest.py already put Jupyter's, IPython's and matplotlib's folders (and their
    # other settings) into os.environ; the student's get folders of their own.
    for key in STATE_DIRS:
        env[key] = str(tmp / "state" / key.lower())
    for key in ("HOME", *STATE_DIRS):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    return env


def _make(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(["make", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_a_student_unzips_the_pack_and_make_test_passes(tmp_path):
    archive = release.pack(tmp_path / "student.zip")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "unpacked")
        shipped_lesson = zf.read(f"{TOP}/{LESSON}")
    pack = tmp_path / "unpacked" / TOP
    env = _student_env(tmp_path)

    start = time.monotonic()
    proc = _make(["test"], pack, env, timeout=2000)
    took = time.monotonic() - start
    out = proc.stdout + proc.stderr
    print(f"\nfirst `make test` in the unpacked pack (fresh .venv from the lock + check): {took:.0f} s")
    assert proc.returncode == 0, f"`make test` failed in the student pack:\n{out}"

    # Lesson 01 stopped exactly at its first exercise stub (in the first cell that calls it), and at
    # nothing before it.
    nb = read_nb(pack / LESSON)
    first = next(
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and nbgrader_meta(c).get("solution")
    )
    assert "raise NotImplementedError()" in nb.cells[first].source
    caller = next(i for i, c in enumerate(nb.cells) if i > first and c.cell_type == "code")
    code_before = sum(c.cell_type == "code" for c in nb.cells[:caller])
    expected = (
        f"ok    lesson 01 ran {code_before} code cells without an error up to its first exercise "
        f"'{nbgrader_meta(nb.cells[first])['grade_id']}' (cell {first + 1}); cell {caller + 1} calls it "
        "and gets NotImplementedError"
    )
    assert expected in out, f"lesson 01 did not stop at its first exercise stub:\n{out}"
    for line in (
        "ok    Python 3.11",
        "ok    PyTorch 2.13.0",
        "ok    course_utils 0.1.0 imported from course_utils/",
        "ok    Jupyter kernel 'gradclip'",
        "Everything works.",
    ):
        assert line in out, f"missing {line!r} in:\n{out}"
    assert (pack / LESSON).read_bytes() == shipped_lesson, "the check changed the student's notebook"

    # The environment is the pack's own: built with a system Python, course_utils installed from the
    # pack (imported here from another folder), no grader.
    venv_python = pack / ".venv" / "bin" / "python"
    cfg = (pack / ".venv" / "pyvenv.cfg").read_text()
    assert "version = 3.11" in cfg and str(Path(sys.prefix)) not in cfg
    probe = subprocess.run(
        [
            str(venv_python),
            "-c",
            "import importlib.util as u, course_utils, torch; "
            "print(u.find_spec('grader'), course_utils.__file__, torch.__version__)",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tmp_path,
    )
    grader, where, torch_version = probe.stdout.split()
    assert grader == "None" and where == str(pack / "course_utils" / "__init__.py"), probe.stdout
    assert torch_version.split("+")[0] == "2.13.0", probe.stdout

    # Set up once: nothing to rebuild, until the lock changes.
    assert _make(["-q", "setup"], pack, env).returncode == 0, "a second `make setup` would reinstall"
    lock = pack / "requirements.lock"
    os.utime(lock, (time.time() + 60, time.time() + 60))
    assert _make(["-q", "setup"], pack, env).returncode == 1, "a changed lock does not rebuild .venv"

    # `make lab` starts JupyterLab on the lessons, with the course's conventions; `make help` lists both.
    lab = _make(["-n", "lab"], pack, env).stdout
    assert "jupyter lab --notebook-dir=notebooks" in lab, lab
    assert ("--allow-root" in lab) == (os.getuid() == 0), lab
    helptext = _make(["help"], pack, env).stdout
    assert "make lab" in helptext and "make test" in helptext
