"""course_utils.integrity: the hidden tests' check that the functions they rely on are genuine."""
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
import course_utils.integrity as integrity
from course_utils.checks import as_float
from course_utils.integrity import TARGETS, check_untampered, keep_helpers, tampered

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
        check_untampered({"math": math, "torch": torch, "np": np, "abs": abs})
    assert (time.perf_counter() - start) / 20 < 0.01
    assert capsys.readouterr() == ("", "")


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(FLAT_TARGETS), st.sampled_from(["lambda", "builtin", "none"]))
def test_replacing_any_target_is_named(target, kind):
    owner, name = target
    fake = {"lambda": lambda *a, **k: True, "builtin": len, "none": None}[kind]
    if fake is integrity._lookup(owner, name):
        fake = lambda *a, **k: True  # noqa: E731
    found = raised = None
    with replaced(owner, name, fake):  # nothing that uses builtins (pytest, hypothesis) runs in here
        try:
            found = tampered()
        except Exception:
            pass
        try:
            check_untampered()
        except Exception as exc:
            raised = exc
    assert type(raised) is AssertionError and name in str(raised)
    assert any(name in f for f in found)
    assert tampered() == []


@pytest.mark.parametrize("name", ["abs", "isinstance", "float", "len", "max", "all", "sum"])
def test_a_patched_builtin_fails_the_check(name):
    original = getattr(builtins, name)
    outcome = None
    builtins.__dict__[name] = lambda *a, **k: True  # pytest must not run until it is put back
    try:
        check_untampered()
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


@pytest.mark.parametrize("name, value, message", [
    ("abs", lambda x: 0.0, "rebinds the builtin `abs`"),
    ("isinstance", lambda *a: True, "rebinds the builtin `isinstance`"),
    ("math", type(math)("math"), "`math` is not the module math"),
    ("np", math, "`np` is not the module numpy"),
    ("as_float", lambda v, what="": 0.0, "`as_float` is not course_utils.checks.as_float"),
])
def test_names_shadowed_in_the_notebook_are_found(name, value, message):
    with pytest.raises(AssertionError, match=message.replace("(", r"\(")):
        check_untampered({name: value})
    check_untampered({"abs": abs, "math": math, "np": np, "as_float": as_float})


def test_builtins_shadowed_inside_course_utils_or_patched_in_builtins_are_found():
    with replaced(course_utils.checks, "isinstance", lambda *a: True):
        assert "course_utils.checks.isinstance shadows the builtin isinstance" in tampered()
    with replaced(builtins, "abs", lambda x: 0.0):
        assert "builtins.abs was replaced" in tampered()
    assert tampered() == []


def test_a_replaced_module_in_sys_modules_is_found(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "math", type(math)("math"))
    assert "sys.modules['math'] was replaced" in tampered()


def test_helpers_must_come_from_a_test_cell():
    def compare(x):
        return x

    ns = {"compare": eval("lambda x: True")}            # made by student code, never by a test cell
    with pytest.raises(AssertionError, match="`compare` is not the one a test cell defined"):
        check_untampered(ns, helpers=("compare",))
    ns["compare"] = compare
    check_untampered(ns, helpers=("compare",))          # defined by the calling "cell" (this file)
    ns["compare"] = eval("lambda x: True")             # then replaced by student code
    with pytest.raises(AssertionError, match="`compare` was replaced"):
        check_untampered(ns, helpers=("compare",))

    ns = {}
    cell = "<test cell 7>"                              # a helper defined by an earlier test cell ...
    exec(compile("def check(): import course_utils.integrity as i; i.check_untampered({})", cell, "exec"), ns)
    ns["check"]()                                       # ... that called the check (as test cells do)
    exec(compile("def compare(x):\n    return x", cell, "exec"), ns)
    check_untampered(ns, helpers=("compare",))          # is trusted by later cells, and recorded
    exec(compile("def compare(x):\n    return -x", "<test cell 8>", "exec"), ns)
    with pytest.raises(AssertionError, match="`compare` was replaced"):  # so another cell's is not
        check_untampered(ns, helpers=("compare",))


def test_keep_helpers_records_once():
    def flat_params(model):
        return model

    ns = {"flat_params": flat_params}
    keep_helpers(ns, "flat_params")
    ns["flat_params"] = eval("lambda model: 0")
    keep_helpers(ns, "flat_params")                     # a second record does not replace the first
    with pytest.raises(AssertionError, match="`flat_params` was replaced"):
        check_untampered(ns, helpers=("flat_params",))


def test_the_inline_guard_of_the_hidden_tests_holds_for_the_genuine_checker():
    assert check_untampered.__code__.co_filename == integrity.__file__
    fake = eval("lambda namespace=None, helpers=(): None")
    assert fake.__code__.co_filename != integrity.__file__


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
