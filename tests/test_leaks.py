"""Answer keys stay secret: nothing a student receives holds a solution or a hidden test."""

from __future__ import annotations

import ast
import re
import tomllib
import zipfile
from pathlib import Path

import pytest

from support import ROOT, nbgrader_meta, read_nb, release_notebooks, source_notebooks

import release  # scripts/release.py

MARKERS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS")


def _between(source: str, begin: str, end: str) -> list[str]:
    """The code lines strictly between ``### begin`` and ``### end`` markers."""
    out, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and line.strip():
            out.append(line.strip())
    return out


def _outside(source: str) -> list[str]:
    """The lines of a cell outside solution and hidden-test blocks (public anyway)."""
    out, inside = [], False
    for line in source.splitlines():
        if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
            inside = False
        elif not inside:
            out.append(line.strip())
    return out


def secret_lines() -> set[str]:
    """Every distinctive line of solution code and hidden tests in the instructor source."""
    lines: set[str] = set()
    public: set[str] = set()
    for path in source_notebooks():
        for cell in read_nb(path).cells:
            lines.update(_between(cell.source, "BEGIN SOLUTION", "END SOLUTION"))
            lines.update(_between(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
            public.update(_outside(cell.source))
    # Lines too generic to identify a solution (e.g. `return total`), or that also stand in the
    # public part of a lesson, are not secrets.
    return {
        l
        for l in lines - public
        if len(l) >= 25 and not l.startswith("#") and not any(l in p for p in public)
    }


def student_texts(pack_path: Path | None = None) -> dict[str, str]:
    """Every text a student receives: release notebooks, course_utils, and the student archive."""
    texts = {str(p.relative_to(ROOT)): p.read_text() for p in release_notebooks()}
    texts.update({str(p.relative_to(ROOT)): p.read_text() for p in (ROOT / "course_utils").rglob("*.py")})
    if pack_path is not None:
        with zipfile.ZipFile(pack_path) as zf:
            for name in zf.namelist():
                texts[f"zip:{name}"] = zf.read(name).decode("utf-8", errors="replace")
    return texts


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    return release.pack(tmp_path_factory.mktemp("pack") / "student.zip")


def test_there_are_secrets_to_look_for():
    assert len(secret_lines()) >= 5, "the leak test found no solution or hidden-test lines to look for"


def test_no_markers_or_secret_lines_reach_students(pack):
    secrets = secret_lines()
    leaks = []
    for name, text in student_texts(pack).items():
        if MARKERS.search(text):
            leaks.append(f"{name}: nbgrader solution/hidden-test marker")
        for line in secrets:
            if line in text:
                leaks.append(f"{name}: {line!r}")
    assert not leaks, "answer keys reach students:\n" + "\n".join(leaks)


def test_the_pack_holds_release_and_library_but_no_instructor_material(pack):
    with zipfile.ZipFile(pack) as zf:
        names = zf.namelist()
    assert any(n.endswith("notebooks/01_gradients/01_gradients.ipynb") for n in names)
    assert any(n.endswith("course_utils/checks.py") for n in names)
    forbidden = (
        "solutions/",
        "tests/",
        "gradebook.db",
        "submitted/",
        "autograded/",
        "feedback/",
        "nbgrader_config.py",
        "source_with_tests",
    )
    bad = [n for n in names if any(f in n for f in forbidden)]
    assert not bad, f"the student archive holds instructor material: {bad}"


# Grading and integrity machinery stays with instructors: the `grader` package, nbgrader's
# configuration and preprocessors, gradebooks, tampering tests.
INSTRUCTOR_PATH_PARTS = {"grader", "scripts", "tests", "solutions", "quizzes"}
INSTRUCTOR_FILE_NAME = re.compile(
    r"grader|grading|gradebook|tamper|integrity|guard|nbgrader_config", re.IGNORECASE
)
IMPORTS_GRADER = re.compile(r"""(?m)^[\s"']*(from\s+grader[\s.]|import\s+grader\b)""")


def instructor_definitions() -> set[str]:
    """Public top-level functions and classes of the instructor-only modules (grader/); private
    helpers such as ``_label`` are too generic to tell."""
    modules = sorted((ROOT / "grader").rglob("*.py"))
    names: set[str] = set()
    for py in modules:
        if py.is_file():
            names.update(
                n.name
                for n in ast.parse(py.read_text()).body
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and len(n.name) >= 6
                and not n.name.startswith("_")
            )
    return names


def instructor_material(
    files: dict[str, bytes], instructor_files: dict[str, bytes], definitions: set[str]
) -> list[str]:
    """What in an archive (``files``: path inside the archive -> bytes) is grading machinery."""
    found = []
    copies = {content: name for name, content in instructor_files.items() if content.strip()}
    for name, content in files.items():
        rel = name.split("/", 1)[1] if "/" in name else name  # below the archive's top folder
        parts = rel.split("/")
        if INSTRUCTOR_PATH_PARTS & set(parts[:-1]):
            found.append(f"{rel}: in an instructor folder")
        elif INSTRUCTOR_FILE_NAME.search(parts[-1]):
            found.append(f"{rel}: named like grading or integrity machinery")
        if content in copies:
            found.append(f"{rel}: a copy of {copies[content]}")
        text = content.decode("utf-8", errors="replace")
        if IMPORTS_GRADER.search(text):
            found.append(f"{rel}: imports the instructor package grader")
        if rel.endswith(".py"):
            defined = {n.group(1) for n in re.finditer(r"(?m)^(?:async\s+def|def|class)\s+(\w+)", text)}
            if defined & definitions:
                found.append(f"{rel}: defines instructor code {sorted(defined & definitions)}")
    return found


def _instructor_files() -> dict[str, bytes]:
    files = {
        str(p.relative_to(ROOT)): p.read_bytes()
        for p in (ROOT / "grader").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    return files


def test_the_pack_holds_no_grading_machinery(pack):
    with zipfile.ZipFile(pack) as zf:
        files = {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    found = instructor_material(files, _instructor_files(), instructor_definitions())
    assert not found, "the student archive holds grading machinery:\n" + "\n".join(found)
    pyproject = tomllib.loads(files["gradient-clipping/pyproject.toml"].decode())
    assert pyproject["tool"]["setuptools"]["packages"] == ["course_utils"]


def test_the_grading_machinery_check_finds_what_it_must():
    definitions = instructor_definitions() | {"autograde_submission"}
    honest = {"top/course_utils/checks.py": b"def check_global_norm(x): ...\n"}
    assert instructor_material(honest, {"grader/cli.py": b"x = 1\n"}, definitions) == []
    sneaked = {
        "top/grader/__init__.py": b"",
        "top/course_utils/grading.py": b"x = 2\n",
        "top/course_utils/integrity.py": b"x = 5\n",
        "top/course_utils/tampering.py": b"x = 3\n",
        "top/nbgrader_config.py": b"x = 4\n",
        "top/course_utils/helpers.py": b"x = 1\n",
        "top/course_utils/extra.py": b"from grader.cli import main\n",
        "top/course_utils/more.py": b"def autograde_submission():\n    pass\n",
    }
    found = instructor_material(sneaked, {"grader/cli.py": b"x = 1\n"}, definitions)
    for name in sneaked:
        assert any(f.startswith(name.split("/", 1)[1] + ":") for f in found), (name, found)


def test_solution_cells_in_the_release_are_stubs():
    for path in release_notebooks():
        for cell in read_nb(path).cells:
            if nbgrader_meta(cell).get("solution") and cell.cell_type == "code":
                assert "raise NotImplementedError()" in cell.source, (
                    f"{path.name}: solution cell is not a stub"
                )


def test_course_utils_defines_no_exercise_function():
    # No reference solution of a graded exercise lives in course_utils (students import it).
    exercise_names = set()
    for path in source_notebooks():
        for cell in read_nb(path).cells:
            if nbgrader_meta(cell).get("solution") and cell.cell_type == "code":
                tree = ast.parse(cell.source)
                exercise_names.update(
                    n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))
                )
    assert exercise_names, "found no exercise functions in the solutions"
    for py in (ROOT / "course_utils").rglob("*.py"):
        # Module-level functions and classes: what a student could import as a drop-in answer
        # (a method such as History.clip_rate works only on course_utils' own objects).
        defined = {
            n.name for n in ast.parse(py.read_text()).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
        }
        assert not (defined & exercise_names), (
            f"{py.name} defines exercise function(s) {defined & exercise_names}"
        )


def test_grading_artifacts_are_never_committed():
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    bad = [
        t
        for t in tracked
        if t.split("/")[0] in {"gradebook.db", "submitted", "autograded", "feedback", "source_with_tests"}
    ]
    assert not bad, f"grading artifacts are tracked by git: {bad}"
    ignored = (ROOT / ".gitignore").read_text().split()
    for name in ("gradebook.db", "submitted/", "autograded/", "feedback/"):
        assert name in ignored, f".gitignore does not ignore {name}"
