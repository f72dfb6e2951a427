"""Tamper checks for the hidden tests: are the functions the tests rely on still the genuine ones?

A submission runs in the same Python process as the tests, so it can replace what the tests call:
``torch.nn.utils.clip_grad_norm_`` (the tests' reference), ``torch.allclose`` or ``math.isclose``
(the comparisons), ``course_utils.checks.as_float`` or ``forbid_functions`` (the helpers), a
builtin such as ``abs``, or a name in the notebook (``abs = lambda x: 0``, ``math = fake``).  Every
autograded test cell calls :func:`check_untampered` at its start and at its end; it raises
``AssertionError`` naming what was replaced, so that the cell scores 0.

What counts as genuine: a curated list of functions (:data:`TARGETS`) is recorded when this module
is first imported (the notebook's first cell imports ``course_utils``, before any student code).
At every check each one must still be the very same object, with the same code, and look like what
it claims to be: a function implemented in C whose ``__name__`` is its own, or a Python function whose
code lies in its library's installed package.  The check is cheap (about a millisecond) and prints
nothing.  It cannot stop a determined attack from code that runs in the same process; it stops
every straightforward one (see ``tests/submissions/*/patch_library.py``).
"""
from __future__ import annotations

import builtins
import copy
import math
import os
import statistics
import sys
import types
from typing import Any, Iterable

import numpy
import numpy.testing
import torch
import torch.autograd.functional
import torch.nn.functional
import torch.nn.utils
import torch.nn.utils.clip_grad
# torch.optim deletes its `optimizer` attribute: the module is reached by this import only.
from torch.optim import optimizer as _optimizer_module
import torch.testing

import course_utils.checks
import course_utils.seeding

__all__ = ["TARGETS", "check_untampered", "keep_helpers", "tampered"]

#: Builtins the tests use; a notebook (or a course_utils module) must not rebind them.
BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "callable", "dict", "enumerate", "float", "getattr", "hasattr", "id",
    "int", "isinstance", "issubclass", "iter", "len", "list", "map", "max", "min", "next", "range",
    "repr", "round", "set", "sorted", "str", "sum", "tuple", "type", "zip", "AssertionError",
    "ValueError", "TypeError", "RuntimeError", "NotImplementedError", "Exception",
)

#: (module, attribute names) of the library functions the hidden tests rely on.
TARGETS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (builtins, BUILTIN_NAMES + ("__import__", "compile", "exec", "eval", "globals", "setattr")),
    (math, ("isclose", "isfinite", "isnan", "isinf", "sqrt", "hypot", "prod", "fsum", "degrees",
            "radians", "acos", "atan")),
    (statistics, ("median", "mean")),
    (copy, ("deepcopy", "copy")),  # reference models are deep copies: one returning its argument fools them
    (torch, ("allclose", "equal", "isclose", "isfinite", "isnan", "isinf", "sqrt", "stack", "cat",
             "tensor", "as_tensor", "zeros", "ones", "full_like", "norm", "nan_to_num", "where",
             "manual_seed", "randn", "randint", "from_numpy", "no_grad", "is_tensor")),
    (torch.Tensor, ("item", "tolist", "norm", "clone", "double", "float", "detach", "reshape", "numel",
                    "dim", "abs", "sum", "max", "isnan", "isfinite", "nan_to_num", "equal", "allclose",
                    "__eq__", "__ne__", "__sub__", "__abs__", "__float__", "__bool__", "__len__",
                    "__iter__", "__torch_function__")),
    (torch.linalg, ("vector_norm", "matrix_norm", "norm", "svdvals", "matrix_power")),
    (torch.testing, ("assert_close",)),
    (torch.nn.utils, ("clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_")),
    (torch.nn.utils.clip_grad, ("clip_grad_norm_", "clip_grad_value_", "_get_total_norm",
                                "_clip_grads_with_norm_")),
    (torch.nn.functional, ("mse_loss", "cross_entropy", "cosine_similarity")),
    (torch.autograd.functional, ("jacobian",)),
    (_optimizer_module, ("register_optimizer_step_pre_hook",)),
    (numpy, ("allclose", "isclose", "array_equal", "isfinite", "isnan", "median", "mean", "asarray",
             "array", "flatnonzero", "argmax", "argmin")),
    (numpy.testing, ("assert_allclose", "assert_array_equal")),
    (course_utils.checks, ("as_float", "expect_close", "forbid_functions", "uses_names", "params_with_grads",
                           "check_global_norm", "_builtin_norm_targets")),
    (course_utils.seeding, ("seed_everything",)),
)

#: Names of modules a notebook imports, and the module each must still be.
MODULE_ALIASES = {"math": math, "np": numpy, "numpy": numpy, "torch": torch, "F": torch.nn.functional,
                  "statistics": statistics, "copy": copy}

#: course_utils.checks helpers the tests import into the notebook under their own names.
HELPER_NAMES = ("as_float", "expect_close", "forbid_functions", "uses_names", "params_with_grads",
                "check_global_norm", "_builtin_norm_targets")

_C_TYPES = (types.BuiltinFunctionType, types.MethodDescriptorType, types.WrapperDescriptorType,
            types.ClassMethodDescriptorType, types.MethodWrapperType, numpy.ufunc)


def _package_dir(module: Any) -> str:
    return os.path.dirname(os.path.realpath(module.__file__))


_HOMES = tuple(d + os.sep for d in (_package_dir(torch), _package_dir(numpy), _package_dir(course_utils.checks)))
_STDLIB = os.path.dirname(os.path.realpath(statistics.__file__)) + os.sep
_WATCHED_MODULES = {m.__name__: m for m, _ in TARGETS if isinstance(m, types.ModuleType)}
_WATCHED_MODULES.update({"course_utils.checks": course_utils.checks, "course_utils.seeding": course_utils.seeding,
                         "course_utils.integrity": sys.modules[__name__]})


def _codes(obj: Any) -> tuple[Any, ...]:
    """The code objects (and defaults) of a Python function and of what it wraps."""
    out: list[Any] = []
    for _ in range(5):
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        impl = getattr(type(obj), "__name__", "") == "_ArrayFunctionDispatcher"
        if impl:
            obj = obj._implementation
        if not isinstance(obj, types.FunctionType):
            break
        out += [obj.__code__, obj.__defaults__, obj.__kwdefaults__]
        obj = obj.__dict__.get("__wrapped__")
        if obj is None:
            break
    return tuple(out)


def _looks_genuine(obj: Any, home: tuple[str, ...]) -> bool:
    """A C function/descriptor or a class, or Python code whose every file lies in ``home``."""
    if isinstance(obj, _C_TYPES) or isinstance(obj, type):
        return True
    codes = [c for c in _codes(obj) if isinstance(c, types.CodeType)]
    if not codes:
        return type(obj).__name__ in ("_ArrayFunctionDispatcher", "method") and callable(obj)
    return all(os.path.realpath(c.co_filename).startswith(home) for c in codes)


def _home(owner: Any) -> tuple[str, ...]:
    return _HOMES + (_STDLIB,)  # decorators (contextlib, functools) wrap library functions


def _lookup(owner: Any, name: str) -> Any:
    """``owner.name``; for a class, its own ``__dict__`` entry first (a classmethod stays one object)."""
    if isinstance(owner, type):
        for klass in owner.__mro__:
            if name in vars(klass):
                return vars(klass)[name]
    return getattr(owner, name, None)


def _snapshot() -> dict[tuple[int, str], tuple[Any, Any, tuple[Any, ...], bool]]:
    snap = {}
    for owner, names in TARGETS:
        for name in names:
            obj = _lookup(owner, name)
            snap[(id(owner), name)] = (owner, obj, _codes(obj), _looks_genuine(obj, _home(owner)))
    return snap


def _wraps(wrapper: Any, obj: Any) -> bool:
    """Whether ``obj`` is found along ``wrapper.__wrapped__`` (a decorator applied by a library)."""
    for _ in range(5):
        wrapper = getattr(wrapper, "__dict__", {}).get("__wrapped__")
        if wrapper is None:
            return False
        if wrapper is obj:
            return True
    return False


def _label(owner: Any, name: str) -> str:
    return f"{getattr(owner, '__module__', '') + '.' if isinstance(owner, type) else ''}{owner.__name__}.{name}"


_SNAPSHOT = _snapshot()
_BUILTINS = {name: getattr(builtins, name) for name in BUILTIN_NAMES}
_HELPERS = {name: getattr(course_utils.checks, name) for name in HELPER_NAMES}
_REGISTERED: dict[int, tuple[dict, dict[str, Any]]] = {}
#: Files (notebook cells) that called check_untampered: the test cells, whose functions are trusted.
_TEST_FILES: set[str] = set()


def tampered(namespace: dict | None = None, helpers: Iterable[str] = (), _caller_file: str = "") -> list[str]:
    """What was replaced, in words (empty when nothing was); :func:`check_untampered` explains."""
    found = []
    for (_, name), (owner, obj, codes, genuine) in _SNAPSHOT.items():
        now = _lookup(owner, name)
        if now is obj:
            same = _codes(now) == codes
        else:  # PyTorch itself wraps some functions later (torch._dynamo wraps torch.manual_seed)
            same = _wraps(now, obj) and _codes(obj) == codes and _looks_genuine(now, _home(owner))
        if not (same and genuine):
            found.append(f"{_label(owner, name)} was replaced")
    for modname, module in _WATCHED_MODULES.items():
        if sys.modules.get(modname) is not module:
            found.append(f"sys.modules[{modname!r}] was replaced")
    for modname in ("course_utils.checks", "course_utils.integrity", "course_utils.seeding"):
        module = _WATCHED_MODULES[modname]
        shadows = [n for n in BUILTIN_NAMES if n in vars(module) and vars(module)[n] is not _BUILTINS[n]]
        found += [f"{modname}.{n} shadows the builtin {n}" for n in shadows]
    if (check_untampered.__code__, tampered.__code__) != _OWN_CODE:
        found.append("course_utils.integrity itself was changed")
    if namespace is not None:
        found += [f"the notebook rebinds the builtin `{n}`" for n in BUILTIN_NAMES
                  if n in namespace and namespace[n] is not _BUILTINS[n]]
        found += [f"the notebook's `{n}` is not the module {m.__name__}" for n, m in MODULE_ALIASES.items()
                  if n in namespace and namespace[n] is not m]
        found += [f"the notebook's `{n}` is not course_utils.checks.{n}" for n, f in _HELPERS.items()
                  if n in namespace and namespace[n] is not f]
        _, known = _REGISTERED.setdefault(id(namespace), (namespace, {}))
        if _caller_file:
            _TEST_FILES.add(_caller_file)
        for name in helpers:
            obj = namespace.get(name)
            code = getattr(obj, "__code__", None)
            from_test_cell = type(obj) is types.FunctionType and code.co_filename in _TEST_FILES
            if from_test_cell and (code.co_filename == _caller_file or name not in known):
                known[name] = (obj, code)  # defined by the calling test cell, or first seen: record it
            elif name not in known:
                found.append(f"the test helper `{name}` is not the one a test cell defined")
            elif obj is not known[name][0] or code is not known[name][1]:
                found.append(f"the test helper `{name}` was replaced")
    return found


def keep_helpers(namespace: dict, *names: str) -> None:
    """Record the notebook functions ``names`` that tests use (from a locked cell that runs before any
    student code); a later ``check_untampered(namespace, helpers=...)`` requires they are unchanged.
    A name already recorded keeps its first record."""
    _, known = _REGISTERED.setdefault(id(namespace), (namespace, {}))
    for name in names:
        obj = namespace[name]
        known.setdefault(name, (obj, getattr(obj, "__code__", None)))


def check_untampered(namespace: dict | None = None, helpers: Iterable[str] = ()) -> None:
    """Raise ``AssertionError`` if a function the tests rely on was replaced.

    ``namespace`` (the notebook's ``globals()``) is also checked for rebound builtins, modules and
    course_utils.checks helpers.  ``helpers``: names of the notebook functions the calling cell
    uses.  Each must be a function defined by a test cell (a cell that called this check, the
    calling one included: ipykernel compiles each cell under its own file name); the first one seen
    is recorded, and later calls require that same function unless the calling cell redefines it.
    Functions of other cells can be recorded beforehand with :func:`keep_helpers`.
    """
    caller = sys._getframe(1).f_code.co_filename
    found = tampered(namespace, helpers, _caller_file=caller)
    if found:
        raise AssertionError("the tests cannot trust their tools, so this test scores 0: "
                             + "; ".join(dict.fromkeys(found)))


_OWN_CODE = (check_untampered.__code__, tampered.__code__)
