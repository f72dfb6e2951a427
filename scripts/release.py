"""Generate the student release ``notebooks/`` from the instructor source ``solutions/``.

    python scripts/release.py                 # regenerate notebooks/ (what `make release` runs)
    python scripts/release.py --pack FILE.zip # also build the archive students receive

Each assignment folder ``solutions/NAME/`` becomes ``notebooks/NAME/`` through nbgrader's
``generate_assignment`` (solutions replaced by stubs, hidden tests removed, outputs cleared,
cells locked and checksummed).  The output is deterministic: running it twice gives the same
bytes, and tests/test_release.py fails when the committed notebooks/ are stale.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What a student receives besides the release notebooks: the helper library and the files that
# install the environment.  Nothing here may hold a solution, a hidden test, an answer key or
# grading code (tests/test_leaks.py checks the archive).
STUDENT_FILES = ["course_utils", "requirements.in", "requirements.lock", "environment.yml"]
# The archive's own set-up (Makefile, check_setup.py for `make test`) and README, written for
# students; its pyproject.toml is derived from the repository's by student_pyproject().
STUDENT_PACK = ROOT / "student_pack"
PACK_OWN_FILES = ["README.md", "Makefile", "check_setup.py"]
#: The only package the archive installs (the repository's pyproject may list instructor packages).
STUDENT_PACKAGE = "course_utils"


def _is_student_target(value: str) -> bool:
    """Whether an entry point such as ``course_utils.cli:main`` lives in the student package."""
    module = value.split(":")[0].strip()
    return module == STUDENT_PACKAGE or module.startswith(STUDENT_PACKAGE + ".")


def student_pyproject_data(data: dict) -> dict:
    """The archive's pyproject: the repository's build system and project metadata, installing
    only ``course_utils`` (never an instructor package), without the repository's tool settings
    (pytest and the like) that point at files the archive does not hold."""
    out = {"build-system": data["build-system"], "project": dict(data["project"])}
    project = out["project"]
    for group in ("scripts", "gui-scripts"):
        if group in project:
            kept = {k: v for k, v in project[group].items() if _is_student_target(v)}
            if kept:
                project[group] = kept
            else:
                del project[group]
    if "entry-points" in project:
        kept = {
            g: {k: v for k, v in eps.items() if _is_student_target(v)}
            for g, eps in project["entry-points"].items()
        }
        kept = {g: eps for g, eps in kept.items() if eps}
        if kept:
            project["entry-points"] = kept
        else:
            del project["entry-points"]
    setuptools = dict(data.get("tool", {}).get("setuptools", {}))
    setuptools["packages"] = [STUDENT_PACKAGE]
    for key in ("package-data", "exclude-package-data", "package-dir"):
        if key in setuptools:
            kept = {
                k: v
                for k, v in setuptools[key].items()
                if k in ("", "*") or k == STUDENT_PACKAGE or k.startswith(STUDENT_PACKAGE + ".")
            }
            if kept:
                setuptools[key] = kept
            else:
                del setuptools[key]
    setuptools.pop("py-modules", None)
    out["tool"] = {"setuptools": setuptools}
    return out


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as TOML")


def _toml_table(name: str, table: dict, lines: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in table.items() if isinstance(v, dict)}
    if scalars or not tables:
        lines += ["", f"[{name}]"] if lines else [f"[{name}]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in scalars.items()]
    for key, sub in tables.items():
        _toml_table(f"{name}.{_toml_key(key)}", sub, lines)


def dump_toml(data: dict) -> str:
    """A small TOML writer for pyproject data (tables, strings, numbers, booleans, lists)."""
    lines: list[str] = []
    for name, table in data.items():
        _toml_table(_toml_key(name), table, lines)
    text = "\n".join(lines) + "\n"
    if tomllib.loads(text) != data:
        raise ValueError("the TOML writer did not round-trip the student pyproject")
    return text


def student_pyproject(text: str) -> str:
    """The archive's pyproject.toml, derived from the text of the repository's."""
    header = (
        "# Installs the course's helper library course_utils (`make setup` does it).\n"
        "# Exact versions of everything else live in requirements.lock.\n"
    )
    return header + dump_toml(student_pyproject_data(tomllib.loads(text)))


def assignments(source: Path) -> list[str]:
    """Names of the assignment folders under ``source`` (folders holding notebooks)."""
    return sorted(
        p.name
        for p in source.iterdir()
        if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb"))
    )


def generate(course_root: Path, names: list[str] | None = None) -> None:
    """Run nbgrader generate_assignment for ``names`` (default: all) in ``course_root``."""
    names = names or assignments(course_root / "solutions")
    env = dict(os.environ)
    for name in names:
        # --no-db: the release does not depend on (or write) an instructor's gradebook.
        cmd = [
            sys.executable,
            "-m",
            "nbgrader",
            "generate_assignment",
            name,
            "--force",
            "--no-db",
            "--log-level=WARN",
        ]
        proc = subprocess.run(cmd, cwd=course_root, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{proc.stdout}{proc.stderr}")


def generate_into(dest: Path) -> Path:
    """Generate a fresh release from a copy of the course; return the copy's ``notebooks/``."""
    shutil.copytree(
        ROOT / "solutions",
        dest / "solutions",
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    generate(dest)
    return dest / "notebooks"


def pack(archive: Path) -> Path:
    """Write the zip a student receives: release notebooks, course_utils, environment files, and
    the archive's own README, Makefile, check_setup.py and pyproject.toml."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    top = "gradient-clipping"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in PACK_OWN_FILES:
            zf.write(STUDENT_PACK / name, f"{top}/{name}")
        zf.writestr(f"{top}/pyproject.toml", student_pyproject((ROOT / "pyproject.toml").read_text()))
        for rel in ["notebooks", *STUDENT_FILES]:
            path = ROOT / rel
            files = [path] if path.is_file() else sorted(path.rglob("*"))
            for f in files:
                name = f.relative_to(ROOT).as_posix()
                if (
                    f.is_file()
                    and "__pycache__" not in f.parts
                    and ".ipynb_checkpoints" not in f.parts
                    and not f.name.endswith(".egg-info")
                ):
                    zf.write(f, f"{top}/{name}")
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, help="also write the student archive to this path")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate_into(Path(tmp))
        target = ROOT / "notebooks"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(fresh, target)
    print(
        f"release regenerated in {target.relative_to(ROOT)}/: " + ", ".join(assignments(ROOT / "solutions"))
    )
    if args.pack:
        print(f"student archive: {pack(args.pack)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
