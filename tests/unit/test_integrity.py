"""grader.integrity: the grader's check that the functions the hidden tests rely on are genuine.

Imported here as an ordinary module (the grader runs the same source inside each grading kernel,
before the submission's first cell); its record is taken at import, before any test patches.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import math
import time

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import course_utils.checks
import grader.integrity as integrity
from course_utils.checks import as_float
from grader.integrity import TARGETS, tampered, trust_cell

FLAT_TARGETS = [(owner, name) for owner, names in TARGETS for name in names if owner is not builtins]


@contextlib.contextmanager
def replaced(owner, name, value):
    """Set ``owner.name = value`` for the block, then put the original back (as it was found)."""
    had = name in vars(owner)
    old = vars(owner).get(name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        if had:
            setattr(owner, name, old)
        else:
            delattr(owner, name)


def test_a_clean_process_is_untampered_and_the_check_is_cheap_and_silent(capsys):
    assert tampered() == []
    start = time.perf_counter()
    for _ in range(20):
        assert tampered({"math": math, "torch": torch, "np": np, "abs": abs}) == []
    assert (time.perf_counter() - start) / 20 < 0.01
    assert capsys.readouterr() == ("", "")


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(FLAT_TARGETS), st.sampled_from(["lambda", "builtin", "none"]))
def test_replacing_any_target_is_named(target, kind):
    owner, name = target
    fake = {"lambda": lambda *a, **k: True, "builtin": len, "none": None}[kind]
    if fake is integrity._lookup(owner, name):
        fake = lambda *a, **k: True  # noqa: E731
    found = None
    with replaced(owner, name, fake):  # nothing that uses builtins (pytest, hypothesis) runs in here
        try:
            found = tampered()
        except Exception:
            pass
    assert found is not None and any(name in f for f in found)
    assert tampered() == []


@pytest.mark.parametrize("name", ["abs", "isinstance", "float", "len", "max", "all", "sum"])
def test_a_patched_builtin_fails_the_check(name):
    original = getattr(builtins, name)
    outcome = None
    builtins.__dict__[name] = lambda *a, **k: True  # pytest must not run until it is put back
    try:
        outcome = tampered() or None
    except BaseException as exc:  # a patched builtin may break the check instead: the cell fails too
        outcome = exc
    builtins.__dict__[name] = original
    assert outcome is not None


def test_swapping_the_code_of_a_genuine_function_is_found():
    inner = torch.nn.utils.clip_grad_norm_.__wrapped__
    code = inner.__code__
    inner.__code__ = (lambda *a, **k: None).__code__
    try:
        assert "torch.nn.utils.clip_grad_norm_ was replaced" in tampered()
    finally:
        inner.__code__ = code
    assert tampered() == []


def test_a_library_wrapping_its_own_function_is_accepted_but_a_fake_wrapper_is_not():
    original = torch.manual_seed

    @__import__("functools").wraps(original)
    def fake(*args, **kwargs):
        return original(*args, **kwargs)

    with replaced(torch, "manual_seed", fake):  # wraps it, but its code is in this file
        assert "torch.manual_seed was replaced" in tampered()
    importlib.import_module("torch._dynamo")  # wraps torch.manual_seed: a genuine library wrapper
    assert tampered() == []


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("abs", lambda x: 0.0, "rebinds the builtin `abs`"),
        ("isinstance", lambda *a: True, "rebinds the builtin `isinstance`"),
        ("math", type(math)("math"), "`math` is not the module math"),
        ("np", math, "`np` is not the module numpy"),
        ("as_float", lambda v, what="": 0.0, "`as_float` is not course_utils.checks.as_float"),
    ],
)
def test_names_shadowed_in_the_notebook_are_found_where_the_tests_read_them(name, value, message):
    cell = f"assert {name} is not None"  # a graded cell that reads the name
    assert any(message in f for f in tampered({name: value}, cell)), tampered({name: value}, cell)
    assert tampered({name: value}, "assert 1 + 1 == 2") == []  # one that never reads it
    assert tampered({"abs": abs, "math": math, "np": np, "as_float": as_float}, cell) == []


def test_a_name_shadowed_in_the_notebook_is_found_through_the_helpers_that_read_it():
    ns: dict = {}
    _cell(ns, "def compare(x):\n    return abs(x)\n", "<locked cell 11>")
    ns["abs"] = lambda x: 0.0
    assert "the notebook rebinds the builtin `abs`" in tampered(ns, "compare(-1)")
    assert tampered(ns, "print(1)") == []


def test_builtins_shadowed_inside_course_utils_or_patched_in_builtins_are_found():
    with replaced(course_utils.checks, "isinstance", lambda *a: True):
        assert "course_utils.checks.isinstance shadows the builtin isinstance" in tampered()
    with replaced(builtins, "abs", lambda x: 0.0):
        assert "builtins.abs was replaced" in tampered()
    assert tampered() == []


def test_a_replaced_module_in_sys_modules_is_found(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "math", type(math)("math"))
    assert "sys.modules['math'] was replaced" in tampered()


def _cell(ns: dict, source: str, filename: str) -> list[str]:
    """Run ``source`` as a notebook cell compiled under ``filename``; if it is a locked cell, the
    grader then records its functions (trust_cell)."""
    exec(compile(source, filename, "exec"), ns)
    return trust_cell(ns, source, filename)


def test_helpers_defined_by_a_locked_cell_are_trusted_and_checked_where_used():
    ns: dict = {}
    helpers = "def run_student(x):\n    return x\n\ndef compare(x):\n    return run_student(x)\n"
    assert _cell(ns, helpers, "<locked cell 3>") == []
    assert tampered(ns, "compare(1)") == []
    ns["compare"] = eval("lambda x: True")  # replaced by student code
    assert "the test helper `compare` was replaced" in tampered(ns, "compare(1)")
    assert tampered(ns, "print(1)") == []  # a cell that does not use it is not blamed
    ns["compare"] = eval("lambda x: True")
    exec(compile(helpers, "<locked cell 3>", "exec"), ns)  # the locked cell's own functions again
    ns["run_student"] = eval("lambda x: True")  # a helper that a used helper calls
    assert "the test helper `run_student` was replaced" in tampered(ns, "compare(1)")


def test_a_helper_rebound_while_its_locked_cell_ran_is_not_trusted():
    ns: dict = {}
    # The locked cell calls student code that rebinds the name the cell defines.
    ns["student"] = eval("lambda: globals().__setitem__('compare', lambda x: True)", ns)
    source = "def compare(x):\n    return x\nstudent()\n"
    found = _cell(ns, source, "<locked cell 4>")
    assert found == ["the test helper `compare` is not the one a test cell defined"]
    assert "the test helper `compare` is not the one a test cell defined" in tampered(ns, "compare(2)")


def test_another_cells_function_under_a_helpers_name_is_found():
    ns: dict = {}
    _cell(ns, "def flat_params(model):\n    return model\n", "<locked cell 5>")
    exec(compile("def flat_params(model):\n    return 0\n", "<student cell 6>", "exec"), ns)
    assert "the test helper `flat_params` was replaced" in tampered(ns, "flat_params(m)")


def test_a_c_function_must_carry_its_own_name():
    import operator

    assert integrity._looks_genuine(math.isclose, "isclose", integrity._home(math))
    assert not integrity._looks_genuine(operator.is_not, "isclose", integrity._home(math))
    assert integrity._looks_genuine(torch.linalg.vector_norm, "vector_norm", integrity._home(torch))
    with replaced(math, "isclose", operator.is_not):
        assert "math.isclose was replaced" in tampered()


class _AnyFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __float__(self):
        return 42.0


class _LyingTensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") == "item":
            return 42.0
        return super().__torch_function__(func, types, args, kwargs or {})


@given(st.floats(allow_nan=False))
def test_as_float_reads_the_stored_value_of_a_float_subclass(x):
    assert as_float(type("F", (_AnyFloat,), {})(x)) == x if x == x else True


def test_as_float_refuses_tensor_subclasses_but_takes_parameters():
    with pytest.raises(AssertionError, match="subclass of torch.Tensor"):
        as_float(torch.tensor(1.0).as_subclass(_LyingTensor))
    assert as_float(torch.nn.Parameter(torch.tensor(2.5))) == 2.5
    assert as_float(np.float64(1.5)) == 1.5 and type(as_float(np.float64(1.5))) is float


def test_a_decorated_helper_is_trusted_as_its_decorator_made_it():
    ns: dict = {"wrap": lambda f: lambda *a: f(*a)}
    assert _cell(ns, "@wrap\ndef compare(x):\n    return x\n", "<locked cell 9>") == []
    assert tampered(ns, "compare(1)") == []
    ns["compare"] = eval("lambda x: True")
    assert "the test helper `compare` was replaced" in tampered(ns, "compare(1)")
