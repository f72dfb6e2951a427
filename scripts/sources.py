"""The lessons' text sources: MyST Markdown files in lessons/, paired with solutions/ by jupytext.

    python scripts/sources.py build [LESSON ...]   # lessons/*.md -> solutions/*/*.ipynb (make execute runs it)
    python scripts/sources.py export [LESSON ...]  # solutions/*/*.ipynb -> lessons/*.md (after editing in Jupyter)
    python scripts/sources.py check                # exit 1 when a source and its notebook disagree

``lessons/<lesson>.md`` holds every cell of ``solutions/<lesson>/<lesson>.ipynb`` in order, with
its nbgrader metadata, and no outputs; it is what contributors edit and review.  It lives outside
``solutions/<lesson>/`` because nbgrader copies everything in an assignment folder into the
release.  The quizzes are not here: they are built whole from the question bank (quizzes/bank/).

``build`` writes the notebook from the source and keeps the stored outputs of every code cell
whose source, type and metadata are unchanged, so that only the cells you changed lose their
outputs until ``make execute`` (which runs ``build`` first) re-runs the notebook.  A cell's id is
its nbgrader ``grade_id`` (every lesson cell has one), so ids survive the round trip.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "lessons"
SOLUTIONS = ROOT / "solutions"
FORMAT = "md:myst"
#: What jupytext writes into a source: every cell's metadata, and of the notebook's only the kernel
#: (the language_info that Jupyter adds on a run is restored from the notebook on build).
_JUPYTEXT = {"notebook_metadata_filter": "kernelspec,-all", "cell_metadata_filter": "all"}
_LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": "3.11.7",
}


class SourceError(ValueError):
    pass


def lessons() -> list[str]:
    """The lesson assignments (solutions/NN_name/, not the quizzes)."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and p.name[:2].isdigit())


def source_path(lesson: str) -> Path:
    return SOURCES / f"{lesson}.md"


def notebook_path(lesson: str) -> Path:
    return SOLUTIONS / lesson / f"{lesson}.ipynb"


def to_text(nb: nbformat.NotebookNode) -> str:
    """The MyST source of a notebook: its cells and their metadata, without outputs."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata = nbformat.from_dict({"kernelspec": nb.metadata.get("kernelspec", {}), "jupytext": _JUPYTEXT})
    return jupytext.writes(nb, fmt=FORMAT)


def from_text(text: str, previous: nbformat.NotebookNode | None = None, name: str = "source"):
    """The notebook of a MyST source; outputs of unchanged code cells are taken from ``previous``."""
    nb = jupytext.reads(text, fmt=FORMAT)
    nb.metadata.pop("jupytext", None)
    old_meta = previous.metadata if previous is not None else {}
    nb.metadata["language_info"] = copy.deepcopy(old_meta.get("language_info", _LANGUAGE_INFO))
    kept = {}
    if previous is not None:
        kept = {c.get("id"): c for c in previous.cells}
    seen = set()
    for i, cell in enumerate(nb.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if not grade_id:
            raise SourceError(
                f"{name}: cell {i + 1} ({cell.cell_type}, starting {cell.source[:40]!r}) has no "
                "nbgrader grade_id; every lesson cell needs one (it is also the cell's id)"
            )
        if grade_id in seen:
            raise SourceError(f"{name}: two cells have grade_id {grade_id!r}")
        seen.add(grade_id)
        cell["id"] = grade_id
        old = kept.get(grade_id)
        if (
            cell.cell_type == "code"
            and old is not None
            and old.cell_type == "code"
            and old.source == cell.source
            and old.metadata == cell.metadata
        ):
            cell.outputs = copy.deepcopy(old.outputs)
            cell.execution_count = old.execution_count
    nbformat.validate(nb)
    return nb


def build(lesson: str) -> bool:
    """Write the lesson's notebook from its source; True when the notebook changed."""
    src, dest = source_path(lesson), notebook_path(lesson)
    if not src.exists():
        raise SourceError(f"{src.relative_to(ROOT)} is missing (python scripts/sources.py export {lesson})")
    previous = nbformat.read(str(dest), as_version=4) if dest.exists() else None
    nb = from_text(src.read_text(), previous, name=str(src.relative_to(ROOT)))
    text = nbformat.writes(nb)
    text = text if text.endswith("\n") else text + "\n"  # as nbformat.write ends a file
    if dest.exists() and dest.read_text() == text:
        return False
    dest.write_text(text)
    return True


def export(lesson: str) -> bool:
    """Write the lesson's source from its notebook; True when the source changed."""
    text = to_text(nbformat.read(str(notebook_path(lesson)), as_version=4))
    dest = source_path(lesson)
    if dest.exists() and dest.read_text() == text:
        return False
    dest.parent.mkdir(exist_ok=True)
    dest.write_text(text)
    return True


def compare(lesson: str, text: str, nb: nbformat.NotebookNode) -> list[str]:
    """What differs between a lesson's source text and its notebook: cells, order, types, sources
    and metadata (outputs are the notebook's own)."""
    try:
        rebuilt = from_text(text, nb, name=f"lessons/{lesson}.md")
    except SourceError as e:
        return [str(e)]
    want = [(c.get("id"), c.cell_type, c.source, c.metadata) for c in rebuilt.cells]
    have = [(c.get("id"), c.cell_type, c.source, c.metadata) for c in nb.cells]
    if [w[0] for w in want] != [h[0] for h in have]:
        return [
            f"{lesson}: the cells or their order differ (source: {', '.join(str(w[0]) for w in want)}; "
            f"notebook: {', '.join(str(h[0]) for h in have)})"
        ]
    problems = []
    for w, h in zip(want, have):
        if w != h:
            part = "type" if w[1] != h[1] else "source" if w[2] != h[2] else "metadata"
            problems.append(f"{lesson}: cell {w[0]} differs in its {part}")
    return problems


def disagreements() -> list[str]:
    """What differs between each lesson's source and its notebook (empty when all agree)."""
    problems = []
    for lesson in lessons():
        src = source_path(lesson)
        if not src.exists():
            problems.append(f"{lesson}: no source {src.relative_to(ROOT)}")
            continue
        problems += compare(lesson, src.read_text(), nbformat.read(str(notebook_path(lesson)), as_version=4))
    extra = (
        sorted(p.stem for p in SOURCES.glob("*.md") if p.stem not in lessons()) if SOURCES.exists() else []
    )
    problems += [f"lessons/{name}.md has no notebook solutions/{name}/" for name in extra]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["build", "export", "check"])
    parser.add_argument("lessons", nargs="*", help="lesson names (default: every lesson)")
    args = parser.parse_args(argv)
    names = args.lessons or lessons()
    unknown = sorted(set(names) - set(lessons()))
    if unknown:
        parser.error(f"unknown lesson(s) {', '.join(unknown)}; lessons: {', '.join(lessons())}")
    try:
        if args.command == "check":
            problems = disagreements()
            for line in problems:
                print(line)
            if problems:
                print(
                    "edit lessons/*.md and run `make execute` (or, after editing a notebook in Jupyter, "
                    "`python scripts/sources.py export`)"
                )
            return 1 if problems else 0
        step = build if args.command == "build" else export
        for name in names:
            changed = step(name)
            target = notebook_path(name) if args.command == "build" else source_path(name)
            print(f"{'wrote' if changed else 'unchanged'} {target.relative_to(ROOT)}")
    except SourceError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
