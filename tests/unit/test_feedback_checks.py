"""course_utils.checks: feedback that says in words what is wrong and what was expected."""

from __future__ import annotations

import math

import pytest
import torch

from course_utils.checks import (
    as_float,
    check_global_norm,
    expect_close,
    forbid_functions,
    forbid_host_reads,
    params_with_grads,
    uses_names,
)


def right(parameters, norm_type=2.0):
    grads = [p.grad for p in parameters if p.grad is not None]
    flat = torch.cat([g.reshape(-1) for g in grads])
    return flat.abs().max() if norm_type == math.inf else flat.pow(2).sum().sqrt()


def sums_norms(parameters, norm_type=2.0):
    return sum(p.grad.norm() for p in parameters if p.grad is not None)


def no_sqrt(parameters, norm_type=2.0):
    return sum((p.grad**2).sum() for p in parameters if p.grad is not None)


def first_only(parameters, norm_type=2.0):
    return next(iter(parameters)).grad.norm()


def ignores_inf(parameters, norm_type=2.0):
    return right(parameters, 2.0)


def returns_list(parameters, norm_type=2.0):
    return [p.grad.norm() for p in parameters]


def forgets_return(parameters, norm_type=2.0):
    right(parameters, norm_type)


def calls_torch(parameters, norm_type=2.0):
    return torch.nn.utils.get_total_norm([p.grad for p in parameters], norm_type)


def test_a_right_function_passes_both_norms():
    check_global_norm(right, 2.0)
    check_global_norm(right, math.inf)


@pytest.mark.parametrize(
    "fn, norm_type, words",
    [
        (sums_norms, 2.0, "added the per-tensor norms"),
        (no_sqrt, 2.0, "square root"),
        (first_only, 2.0, "first tensor"),
        (ignores_inf, math.inf, "L2 norm"),
        (returns_list, 2.0, "expected a single number"),
        (forgets_return, 2.0, "forget to `return`"),
        (calls_torch, 2.0, "compute the norm yourself"),
    ],
)
def test_common_mistakes_get_a_hint_in_words(fn, norm_type, words):
    with pytest.raises(AssertionError) as info:
        check_global_norm(fn, norm_type)
    message = str(info.value)
    assert words in message
    if fn not in (returns_list, forgets_return, calls_torch):
        assert "expected" in message and "your norm is" in message


def test_a_library_call_hidden_in_an_alias_is_still_refused():
    norm = torch.nn.utils.get_total_norm

    def sneaky(parameters, norm_type=2.0):
        return norm([p.grad for p in parameters], norm_type)

    with pytest.raises(AssertionError, match="compute the norm yourself"):
        check_global_norm(sneaky, 2.0)


def test_an_object_that_equals_everything_cannot_pass():
    class Liar:
        def __eq__(self, other):
            return True

    with pytest.raises(AssertionError, match="type Liar"):
        check_global_norm(lambda params, norm_type=2.0: Liar(), 2.0)


def test_forbid_functions_restores_originals_even_after_errors():
    import torch.nn.utils as u

    original = u.get_total_norm
    with pytest.raises(AssertionError, match="nope"):
        with forbid_functions("nope", (u, "get_total_norm")):
            u.get_total_norm([torch.ones(2)])
    assert u.get_total_norm is original


@pytest.mark.parametrize(
    "read, name",
    [
        (lambda t: t.item(), ".item()"),
        (lambda t: float(t), "float(tensor)"),
        (lambda t: int(t), "int(tensor)"),
        (lambda t: t.tolist(), ".tolist()"),
        (lambda t: t.numpy(), ".numpy()"),
        (lambda t: 1 if t > 0 else 0, "bool(tensor)"),
        (lambda t: min(t, torch.tensor(1.0)), "bool(tensor)"),
        (lambda t: [0, 1, 2][t.long()], "index"),
    ],
)
def test_forbid_host_reads_records_every_read_and_changes_no_result(read, name):
    t = torch.tensor(2.0)
    expected = read(t)
    with forbid_host_reads() as seen:
        got = read(t)
    assert seen and name in seen.describe()
    assert type(got) is type(expected) and (
        got == expected if not hasattr(got, "shape") else (got == expected).all()
    )


def test_forbid_host_reads_sees_reads_a_try_hides_and_restores_the_methods():
    originals = {name: getattr(torch.Tensor, name) for name in ("item", "__bool__", "__float__")}

    def hides_its_read(t):
        try:
            return t.item()
        except Exception:
            return 0.0

    with forbid_host_reads() as seen:
        hides_its_read(torch.tensor(3.0))
    assert seen.reads == ["item"]
    assert all(getattr(torch.Tensor, k) is v for k, v in originals.items())
    with pytest.raises(ZeroDivisionError):
        with forbid_host_reads():
            1 / 0
    assert all(getattr(torch.Tensor, k) is v for k, v in originals.items())


def test_forbid_host_reads_passes_vectorised_clipping():
    ps = params_with_grads([3.0, 4.0], [[1.0, -2.0]], None)
    with forbid_host_reads() as seen:
        grads = [p.grad for p in ps if p.grad is not None]
        total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
        coef = torch.clamp(1.0 / (total + 1e-6), max=1.0)
        torch._foreach_mul_(grads, coef)
        torch.nn.utils.clip_grad_norm_(ps, 1.0)
    assert not seen, seen.describe()


def test_uses_names_looks_into_nested_functions():
    def outer(params):
        def inner():
            return torch.nn.utils.clip_grad_norm_(params, 1.0)

        return inner()

    assert uses_names(outer, ["clip_grad_norm_"]) == ["clip_grad_norm_"]
    assert uses_names(len, ["x"]) == []


def test_as_float_and_expect_close():
    assert as_float(torch.tensor(2.5)) == 2.5
    assert as_float(3) == 3.0
    for bad, words in [
        (None, "None"),
        (True, "bool"),
        (torch.ones(2), "shape"),
        ([1.0], "list"),
        ("1", "type str"),
    ]:
        with pytest.raises(AssertionError, match=words):
            as_float(bad)
    assert math.isnan(expect_close(float("nan"), float("nan"), what="x"))
    expect_close(math.inf, math.inf, what="x")
    with pytest.raises(AssertionError, match="x is 1, expected 2: hint"):
        expect_close(1.0, 2.0, what="x", hint="hint")
    with pytest.raises(AssertionError):
        expect_close(-math.inf, math.inf, what="x")


def test_params_with_grads():
    ps = params_with_grads([3.0, 4.0], None, [[1.0]], dtype=torch.float64)
    assert ps[0].grad.tolist() == [3.0, 4.0] and ps[1].grad is None
    assert ps[2].grad.dtype == torch.float64
    with pytest.raises(TypeError, match=r"grads\[0\]"):
        params_with_grads(object())


def test_check_global_norm_validates_its_arguments():
    with pytest.raises(TypeError, match="fn must be your function"):
        check_global_norm(42)
    with pytest.raises(ValueError, match="norm_type must be 2.0 or math.inf, got 3"):
        check_global_norm(right, 3)


@pytest.mark.parametrize(
    "make",
    [
        # PyTorch's function under its private name in torch.nn.utils.clip_grad
        lambda: lambda ps, nt=2.0: torch.nn.utils.clip_grad._get_total_norm([p.grad for p in ps], nt),
        # bound as a default argument
        lambda: lambda ps, nt=2.0, _f=torch.nn.utils.get_total_norm: _f([p.grad for p in ps], nt),
        # kept in a container
        lambda: lambda ps, nt=2.0, _t={"f": torch.nn.utils.get_total_norm}: _t["f"]([p.grad for p in ps], nt),
    ],
)
def test_library_norms_reached_by_other_routes_are_refused(make):
    with pytest.raises(AssertionError, match="compute the norm yourself"):
        check_global_norm(make(), 2.0)
