"""Tamper checks run by the grader: are the functions the hidden tests rely on still genuine?

This file is grader code, not part of ``course_utils``: :class:`grader.preprocessors.GuardedExecute`
sends its source into the grading kernel, where it runs (as a module of its own, kept out of
``sys.modules``) before the first cell of the submission.  A submission runs in the same Python
process as the tests, so it could replace what they call: ``torch.nn.utils.clip_grad_norm_`` (the
tests' reference), ``torch.allclose`` or ``math.isclose`` (the comparisons),
``course_utils.checks.as_float`` or ``forbid_functions`` (the helpers), a builtin such as
``abs``, a name in the notebook (``abs = lambda x: 0``, ``math = fake``), or a function that a
locked cell defined for the tests (``compare``, ``flat_params``).  Before and after every graded
cell the grader calls :func:`tampered`; whatever it names costs that cell its points, and the
student's feedback says what was replaced.

What counts as genuine: a curated list of functions (:data:`TARGETS`) is recorded when this code
first runs, before any student code.  At every check each one must still be the very same object,
with the same code (a function implemented in C must also carry its own name; a Python function
must have its code in its library's installed package).  Test helpers are the functions that a
locked cell of the notebook defines (:func:`trust_cell` records them, by the file name the kernel
compiled that cell under); a check covers those the checked cell uses, directly or through other
helpers.  The check costs about a millisecond and prints nothing.  It cannot stop a determined
attack from code that runs in the same process (code that targets this checker itself); it stops
every straightforward one (see ``tests/submissions/*/patch_library.py``).
"""

from __future__ import annotations

import ast
import builtins
import copy
import math
import os
import statistics
import sys
import types
from typing import Any

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

__all__ = ["TARGETS", "tampered", "trust_cell"]

#: Builtins the tests use; a notebook (or a course_utils module) must not rebind them.
BUILTIN_NAMES = (
    "abs",
    "all",
    "any",
    "bool",
    "callable",
    "dict",
    "enumerate",
    "float",
    "getattr",
    "hasattr",
    "id",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "range",
    "repr",
    "round",
    "set",
    "sorted",
    "str",
    "sum",
    "tuple",
    "type",
    "zip",
    "AssertionError",
    "ValueError",
    "TypeError",
    "RuntimeError",
    "NotImplementedError",
    "Exception",
)

#: (module, attribute names) of the library functions the hidden tests rely on.
TARGETS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (builtins, BUILTIN_NAMES + ("__import__", "compile", "exec", "eval", "globals", "setattr")),
    (
        math,
        (
            "isclose",
            "isfinite",
            "isnan",
            "isinf",
            "sqrt",
            "hypot",
            "prod",
            "fsum",
            "degrees",
            "radians",
            "acos",
            "atan",
        ),
    ),
    (statistics, ("median", "mean")),
    (copy, ("deepcopy", "copy")),  # reference models are deep copies: one returning its argument fools them
    (
        torch,
        (
            "allclose",
            "equal",
            "isclose",
            "isfinite",
            "isnan",
            "isinf",
            "sqrt",
            "stack",
            "cat",
            "tensor",
            "as_tensor",
            "zeros",
            "ones",
            "full_like",
            "norm",
            "nan_to_num",
            "where",
            "manual_seed",
            "randn",
            "randint",
            "from_numpy",
            "no_grad",
            "is_tensor",
            "full",
            "is_autocast_enabled",  # lesson 07's amp_step test: the forward pass stays under autocast
            "get_autocast_dtype",
        ),
    ),
    (torch.nn.Module, ("register_forward_pre_hook",)),  # tests that count or inspect forward passes
    (
        torch.Tensor,
        (
            "item",
            "tolist",
            "norm",
            "clone",
            "double",
            "float",
            "detach",
            "reshape",
            "numel",
            "dim",
            "abs",
            "sum",
            "max",
            "isnan",
            "isfinite",
            "nan_to_num",
            "equal",
            "allclose",
            "__eq__",
            "__ne__",
            "__sub__",
            "__abs__",
            "__float__",
            "__bool__",
            "__len__",
            "__iter__",
            "__torch_function__",
        ),
    ),
    (torch.linalg, ("vector_norm", "matrix_norm", "norm", "svdvals", "matrix_power")),
    (torch.testing, ("assert_close",)),
    (torch.nn.utils, ("clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_")),
    (
        torch.nn.utils.clip_grad,
        ("clip_grad_norm_", "clip_grad_value_", "_get_total_norm", "_clip_grads_with_norm_"),
    ),
    (torch.nn.functional, ("mse_loss", "cross_entropy", "cosine_similarity")),
    (torch.autograd.functional, ("jacobian",)),
    (_optimizer_module, ("register_optimizer_step_pre_hook",)),
    (
        numpy,
        (
            "allclose",
            "isclose",
            "array_equal",
            "isfinite",
            "isnan",
            "median",
            "mean",
            "asarray",
            "array",
            "flatnonzero",
            "argmax",
            "argmin",
        ),
    ),
    (numpy.testing, ("assert_allclose", "assert_array_equal")),
    (
        course_utils.checks,
        (
            "as_float",
            "expect_close",
            "forbid_functions",
            "uses_names",
            "params_with_grads",
            "check_global_norm",
            "_builtin_norm_targets",
        ),
    ),
    (course_utils.seeding, ("seed_everything",)),
)

#: Names of modules a notebook imports, and the module each must still be.
MODULE_ALIASES = {
    "math": math,
    "np": numpy,
    "numpy": numpy,
    "torch": torch,
    "F": torch.nn.functional,
    "statistics": statistics,
    "copy": copy,
}

#: course_utils.checks helpers the tests import into the notebook under their own names.
HELPER_NAMES = (
    "as_float",
    "expect_close",
    "forbid_functions",
    "uses_names",
    "params_with_grads",
    "check_global_norm",
    "_builtin_norm_targets",
)

_C_TYPES = (
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.ClassMethodDescriptorType,
    types.MethodWrapperType,
    numpy.ufunc,
)


def _package_dir(module: Any) -> str:
    return os.path.dirname(os.path.realpath(module.__file__))


_HOMES = tuple(
    d + os.sep for d in (_package_dir(torch), _package_dir(numpy), _package_dir(course_utils.checks))
)
_STDLIB = os.path.dirname(os.path.realpath(statistics.__file__)) + os.sep
_WATCHED_MODULES = {m.__name__: m for m, _ in TARGETS if isinstance(m, types.ModuleType)}
_WATCHED_MODULES.update(
    {"course_utils.checks": course_utils.checks, "course_utils.seeding": course_utils.seeding}
)


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


def _c_name_ok(obj: Any, name: str) -> bool:
    """A C function carries its own name (torch's linalg functions and dunder aliases are named
    ``linalg_vector_norm``, ``abs``): ``math.isclose = operator.is_not`` is not genuine."""
    own = getattr(obj, "__name__", None)
    return own in (name, name.strip("_"), "linalg_" + name)


def _looks_genuine(obj: Any, name: str, home: tuple[str, ...]) -> bool:
    """A C function or descriptor with its own name, a class, or Python code whose every file lies
    in ``home``."""
    if isinstance(obj, type):
        return True
    if isinstance(obj, _C_TYPES):
        return _c_name_ok(obj, name)
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
            snap[(id(owner), name)] = (owner, obj, _codes(obj), _looks_genuine(obj, name, _home(owner)))
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
    return (
        f"{getattr(owner, '__module__', '') + '.' if isinstance(owner, type) else ''}{owner.__name__}.{name}"
    )


_SNAPSHOT = _snapshot()
_BUILTINS = {name: getattr(builtins, name) for name in BUILTIN_NAMES}
_HELPERS = {name: getattr(course_utils.checks, name) for name in HELPER_NAMES}
#: name -> (function, its code) of every test helper a locked cell defined; None where the name a
#: locked cell defined was bound to something else when that cell ended.
_TRUSTED: dict[str, tuple[Any, Any] | None] = {}


def _defined_names(source: str) -> list[tuple[str, bool]]:
    """(name, decorated) of the functions a cell's source defines at its top level."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [
        (n.name, bool(n.decorator_list))
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]


def _used_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _code_names(code: Any, out: set[str]) -> set[str]:
    out.update(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_names(const, out)
    return out


def trust_cell(namespace: dict, source: str, filename: str) -> list[str]:
    """Record the functions that a locked cell (``source``, compiled as ``filename``) defines as test
    helpers.  Returns what is wrong already: a name the cell defines that is bound, when the cell
    has run, to something that is not that cell's function (the submission rebound it)."""
    found = []
    for name, decorated in _defined_names(source):
        obj = namespace.get(name)
        code = getattr(obj, "__code__", None)
        if type(obj) is types.FunctionType and code is not None and code.co_filename == filename:
            _TRUSTED[name] = (obj, code)
        elif decorated and name in namespace:
            # What a decorator made of it (a Hypothesis strategy, a wrapper): trusted as it is.
            _TRUSTED[name] = (obj, None)
        else:
            _TRUSTED[name] = None
            found.append(f"the test helper `{name}` is not the one a test cell defined")
    return found


def _helpers_used(namespace: dict, source: str) -> list[str]:
    """The trusted helpers that ``source`` uses, directly or through other trusted helpers."""
    todo = [n for n in _used_names(source) if n in _TRUSTED]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        record = _TRUSTED[name]
        if record is not None and record[1] is not None:
            todo += [n for n in _code_names(record[1], set()) if n in _TRUSTED and n not in seen]
    return sorted(seen)


def tampered(namespace: dict | None = None, source: str = "") -> list[str]:
    """What was replaced, in words (empty when nothing was).

    ``namespace`` (the notebook's globals) is also checked for rebound builtins, modules and
    course_utils.checks helpers, and for the test helpers that ``source`` (a graded cell) uses."""
    found = []
    for (_, name), (owner, obj, codes, genuine) in _SNAPSHOT.items():
        now = _lookup(owner, name)
        if now is obj:
            same = _codes(now) == codes
        else:  # PyTorch itself wraps some functions later (torch._dynamo wraps torch.manual_seed)
            same = _wraps(now, obj) and _codes(obj) == codes and _looks_genuine(now, name, _home(owner))
        if not (same and genuine):
            found.append(f"{_label(owner, name)} was replaced")
    for modname, module in _WATCHED_MODULES.items():
        if sys.modules.get(modname) is not module:
            found.append(f"sys.modules[{modname!r}] was replaced")
    for modname in ("course_utils.checks", "course_utils.seeding"):
        module = _WATCHED_MODULES[modname]
        shadows = [n for n in BUILTIN_NAMES if n in vars(module) and vars(module)[n] is not _BUILTINS[n]]
        found += [f"{modname}.{n} shadows the builtin {n}" for n in shadows]
    if (tampered.__code__, trust_cell.__code__) != _OWN_CODE:
        found.append("the grader's integrity check itself was changed")
    if namespace is not None:
        # Names of the notebook that the graded cell reads, itself or through its helpers: a
        # builtin, module or checks helper rebound there would change what the tests see.  (A name
        # the tests never read is the submission's own business: quiz tests read no builtin.)
        helpers = _helpers_used(namespace, source)
        used = _used_names(source)
        for name in helpers:
            record = _TRUSTED[name]
            if record is not None and record[1] is not None:
                _code_names(record[1], used)
        found += [
            f"the notebook rebinds the builtin `{n}`"
            for n in BUILTIN_NAMES
            if n in used and n in namespace and namespace[n] is not _BUILTINS[n]
        ]
        found += [
            f"the notebook's `{n}` is not the module {m.__name__}"
            for n, m in MODULE_ALIASES.items()
            if n in used and n in namespace and namespace[n] is not m
        ]
        found += [
            f"the notebook's `{n}` is not course_utils.checks.{n}"
            for n, f in _HELPERS.items()
            if n in used and n in namespace and namespace[n] is not f
        ]
        for name in helpers:
            record, obj = _TRUSTED[name], namespace.get(name)
            if record is None:
                found.append(f"the test helper `{name}` is not the one a test cell defined")
            elif obj is not record[0] or (
                record[1] is not None and getattr(obj, "__code__", None) is not record[1]
            ):
                found.append(f"the test helper `{name}` was replaced")
    return list(dict.fromkeys(found))


_OWN_CODE = (tampered.__code__, trust_cell.__code__)
