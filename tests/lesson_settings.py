"""A lesson's settings, read from the lesson itself: the one place they are written.

A *setting* is a top-level assignment to UPPER_CASE names in a code cell of the solution notebook
``solutions/<lesson>/<lesson>.ipynb``, such as ``MAX_NORM, LR = 1.0, 0.1`` or
``SWEEP = (0.01, 0.1, 1.0)``.  The claim tests (tests/claims) take every value they share with a
lesson from here, so that changing a setting in the lesson reruns every claim with the new value,
and a setting the lesson no longer has fails with a clear error instead of a stale copy.

    MAX_NORM, LR = lesson_settings("08_capstone", "MAX_NORM", "LR")
"""

from __future__ import annotations

import ast
import functools
import math

import nbformat
import torch

from support import ROOT

#: What a setting's expression may use besides builtins and the lesson's earlier settings (the
#: solution notebooks are the course's own files: their expressions are evaluated as written).
_NAMES = {"math": math, "torch": torch}


class MissingSetting(LookupError):
    pass


def _targets(node: ast.Assign) -> list[str] | None:
    """The names an assignment binds if all are UPPER_CASE names (single or a tuple), else None."""
    names: list[str] = []
    for target in node.targets:
        elts = target.elts if isinstance(target, ast.Tuple) else [target]
        for elt in elts:
            if not (isinstance(elt, ast.Name) and elt.id.isupper() and elt.id[0].isalpha()):
                return None
            names.append(elt.id)
    return names


@functools.cache
def all_settings(lesson: str) -> dict[str, object]:
    """Every setting of ``lesson`` (see :func:`notebook_settings`)."""
    return notebook_settings(ROOT / "solutions" / lesson / f"{lesson}.ipynb")


def notebook_settings(path) -> dict[str, object]:
    """Every setting of the notebook at ``path`` whose value can be computed from literals,
    builtins, ``math``, ``torch`` and the notebook's earlier settings, in notebook order (a later
    assignment wins)."""
    nb = nbformat.read(path, as_version=4)
    found: dict[str, object] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: no settings in such cells
            continue
        for node in tree.body:
            if not isinstance(node, ast.Assign) or (names := _targets(node)) is None:
                continue
            try:
                value = eval(
                    compile(ast.Expression(node.value), "<setting>", "eval"),  # noqa: S307
                    {**_NAMES, **found},
                )
            except Exception:  # depends on lesson state (data, models): not a setting
                continue
            if len(names) == 1:
                found[names[0]] = value
            else:
                values = tuple(value)
                if len(values) != len(names):
                    continue
                found.update(zip(names, values))
    return found


def lesson_settings(lesson: str, *names: str):
    """The values of ``names`` in ``lesson`` (one value for one name, else a tuple)."""
    found = all_settings(lesson)
    missing = [n for n in names if n not in found]
    if missing:
        raise MissingSetting(
            f"solutions/{lesson}/{lesson}.ipynb sets no {', '.join(missing)} (settings found: "
            f"{', '.join(sorted(found)) or 'none'}); the claim tests read their settings from the lesson"
        )
    values = tuple(found[n] for n in names)
    return values[0] if len(values) == 1 else values


@functools.cache
def _code_trees(lesson: str) -> tuple[ast.Module, ...]:
    """The parsed code cells of the solution notebook of ``lesson`` (cells with IPython magics,
    which are not Python, left out)."""
    nb = nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    trees = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            try:
                trees.append(ast.parse(cell.source))
            except SyntaxError:
                continue
    return tuple(trees)


@functools.cache
def _lesson_namespace(lesson: str) -> dict[str, object]:
    """The namespace in which the functions of ``lesson`` are defined: every top-level import of
    its code cells and its settings (the functions themselves are added by :func:`lesson_functions`)."""
    namespace: dict[str, object] = {"__name__": f"lesson_{lesson}"}
    for tree in _code_trees(lesson):
        imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        exec(compile(ast.Module(body=imports, type_ignores=[]), f"<{lesson} imports>", "exec"), namespace)  # noqa: S102
    namespace.update(all_settings(lesson))
    return namespace


def lesson_functions(lesson: str, *names: str):
    """The functions ``names`` as the solution notebook of ``lesson`` defines them (top-level
    ``def``s of its code cells, the graded solutions included), in one namespace with the lesson's
    imports and settings, so that they may call each other.  One function for one name, else a tuple.
    """
    namespace = dict(_lesson_namespace(lesson))
    found: set[str] = set()
    for tree in _code_trees(lesson):
        defs = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in names]
        if defs:
            exec(compile(ast.Module(body=defs, type_ignores=[]), f"<{lesson} functions>", "exec"), namespace)  # noqa: S102
            found.update(d.name for d in defs)
    missing = [n for n in names if n not in found]
    if missing:
        raise MissingSetting(f"solutions/{lesson}/{lesson}.ipynb defines no function {', '.join(missing)}")
    values = tuple(namespace[n] for n in names)
    return values[0] if len(values) == 1 else values
