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
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What a student receives besides the release notebooks: the helper library and the files that
# install the environment.  Nothing here may hold a solution, a hidden test or an answer key
# (tests/test_leaks.py checks the archive).
STUDENT_FILES = ["course_utils", "pyproject.toml", "requirements.in", "requirements.lock",
                 "environment.yml"]
STUDENT_README = """\
# Gradient clipping in PyTorch: student materials

Set up once (Python 3.11):

    python3.11 -m venv .venv
    .venv/bin/pip install -r requirements.lock
    .venv/bin/pip install --no-deps --no-build-isolation -e .
    .venv/bin/python -m ipykernel install --sys-prefix --name gradclip
    .venv/bin/jupyter lab notebooks

Open the lessons in order (notebooks/01_gradients first), fill in the cells marked
`YOUR CODE HERE`, and run the test cells below them for feedback.  Hand in the notebooks
as your instructor tells you.
"""


def assignments(source: Path) -> list[str]:
    """Names of the assignment folders under ``source`` (folders holding notebooks)."""
    return sorted(p.name for p in source.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb")))


def generate(course_root: Path, names: list[str] | None = None) -> None:
    """Run nbgrader generate_assignment for ``names`` (default: all) in ``course_root``."""
    names = names or assignments(course_root / "solutions")
    env = dict(os.environ)
    for name in names:
        # --no-db: the release does not depend on (or write) an instructor's gradebook.
        cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force",
               "--no-db", "--log-level=WARN"]
        proc = subprocess.run(cmd, cwd=course_root, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{proc.stdout}{proc.stderr}")


def generate_into(dest: Path) -> Path:
    """Generate a fresh release from a copy of the course; return the copy's ``notebooks/``."""
    shutil.copytree(ROOT / "solutions", dest / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    generate(dest)
    return dest / "notebooks"


def pack(archive: Path) -> Path:
    """Write the zip a student receives: release notebooks, course_utils, environment files."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    top = "gradient-clipping"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{top}/README.md", STUDENT_README)
        for rel in ["notebooks", *STUDENT_FILES]:
            path = ROOT / rel
            files = [path] if path.is_file() else sorted(path.rglob("*"))
            for f in files:
                if f.is_file() and "__pycache__" not in f.parts and ".ipynb_checkpoints" not in f.parts \
                        and not f.name.endswith(".egg-info"):
                    zf.write(f, f"{top}/{f.relative_to(ROOT)}")
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
    print(f"release regenerated in {target.relative_to(ROOT)}/: "
          + ", ".join(assignments(ROOT / "solutions")))
    if args.pack:
        print(f"student archive: {pack(args.pack)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
