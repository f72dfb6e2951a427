"""Package-level tests: exports, docstrings and type annotations of course_utils."""

from __future__ import annotations

import importlib
import inspect

import pytest

import course_utils

MODULES = ["seeding", "data", "models", "training", "monitoring", "plotting", "progress"]


def test_top_level_exports_resolve() -> None:
    for name in course_utils.__all__:
        assert getattr(course_utils, name) is not None, name
    for mod_name in MODULES:
        mod = importlib.import_module(f"course_utils.{mod_name}")
        for name in mod.__all__:
            assert name in course_utils.__all__, f"{mod_name}.{name} not re-exported"


def _public_callables():
    for mod_name in MODULES:
        mod = importlib.import_module(f"course_utils.{mod_name}")
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj):
                yield f"{mod_name}.{name}", obj
            elif inspect.isclass(obj):
                yield f"{mod_name}.{name}", obj
                for meth_name, meth in vars(obj).items():
                    if isinstance(meth, property):
                        meth = meth.fget
                    if inspect.isfunction(meth) and (
                        not meth_name.startswith("_") or meth_name in ("__init__", "__call__")
                    ):
                        yield f"{mod_name}.{name}.{meth_name}", meth


@pytest.mark.parametrize(("qualname", "obj"), [pytest.param(q, o, id=q) for q, o in _public_callables()])
def test_public_api_is_documented_and_annotated(qualname: str, obj) -> None:
    if inspect.isclass(obj):
        assert obj.__doc__ and obj.__doc__.strip(), qualname
        return
    name = obj.__name__
    if name != "__init__":
        assert obj.__doc__ and obj.__doc__.strip(), qualname
    sig = inspect.signature(obj)
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        assert p.annotation is not inspect.Parameter.empty, f"{qualname}({p.name})"
    assert sig.return_annotation is not inspect.Signature.empty, qualname


def test_course_utils_is_teaching_code_only_and_imports_nothing_grader_side() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(course_utils.__file__).parent
    assert not (root / "integrity.py").exists() and not (root / "grading.py").exists()
    code = (
        "import sys, course_utils, course_utils.checks, course_utils.quiz\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('grader', 'nbgrader') "
        "or 'integrity' in m or 'grading' in m))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
    for py in root.rglob("*.py"):
        text = py.read_text()
        assert "import grader" not in text and "from grader" not in text, py.name
