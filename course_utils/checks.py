"""Student-feedback checks: say in words what is wrong and what was expected.

Each ``check_*`` function runs a student's function on small cases, compares the result with
PyTorch's own implementation, and raises ``AssertionError`` with a message that names the case,
the value received, the value expected and, where the wrong value matches a common mistake, a
hint about that mistake.  Nothing here is a reference solution of an exercise: the expected
values come from PyTorch.
"""

from __future__ import annotations

import contextlib
import functools
import math
import types
from typing import Any, Callable, Iterator, Sequence

import torch
from torch import Tensor

__all__ = [
    "params_with_grads",
    "as_float",
    "expect_close",
    "forbid_functions",
    "HostReads",
    "forbid_host_reads",
    "uses_names",
    "check_global_norm",
    "require_names",
]


def params_with_grads(
    *grads: Sequence[float] | Tensor | None, dtype: torch.dtype = torch.float32
) -> list[torch.nn.Parameter]:
    """Make parameters whose ``.grad`` are the given values (``None`` leaves ``.grad`` unset).

    >>> ps = params_with_grads([3.0, 4.0], None, [[1.0, 2.0]])
    >>> [None if p.grad is None else p.grad.tolist() for p in ps]
    [[3.0, 4.0], None, [[1.0, 2.0]]]
    """
    params = []
    for i, g in enumerate(grads):
        if g is None:
            params.append(torch.nn.Parameter(torch.zeros(1, dtype=dtype)))
            continue
        try:
            t = torch.as_tensor(g, dtype=dtype).clone()
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(
                f"grads[{i}] must be a tensor, a (nested) list of numbers or None, got {type(g).__name__}"
            ) from exc
        p = torch.nn.Parameter(torch.zeros_like(t))
        p.grad = t
        params.append(p)
    return params


def as_float(value: Any, what: str = "your function's result") -> float:
    """Convert a number or a one-element tensor to ``float``, or fail with a clear message.

    Converting (rather than comparing with ``==``) means an object that claims to equal
    everything cannot pass a check; a tensor subclass (which could override any method) is refused,
    and a float or int subclass is read through ``float``'s and ``int``'s own conversion.
    """
    if value is None:
        raise AssertionError(f"{what} is None: did you forget to `return` the value?")
    if isinstance(value, bool):
        raise AssertionError(f"{what} is a bool ({value}); expected a number")
    if isinstance(value, Tensor):
        if type(value) not in (Tensor, torch.nn.Parameter):  # a subclass can override any method
            raise AssertionError(
                f"{what} is a {type(value).__name__}, a subclass of torch.Tensor; "
                "return a plain tensor or a float"
            )
        if value.numel() != 1:
            raise AssertionError(
                f"{what} is a tensor of shape {tuple(value.shape)}; "
                "expected a single number (a 0-dim tensor or a float)"
            )
        return float(value.detach().reshape(()).item())
    if isinstance(value, float):
        return float.__float__(value)  # the stored value, whatever a subclass's __float__ says
    if isinstance(value, int):
        return int.__float__(value)
    if isinstance(value, (list, tuple)):
        raise AssertionError(
            f"{what} is a {type(value).__name__} of {len(value)} items; "
            "expected a single number (a 0-dim tensor or a float)"
        )
    raise AssertionError(
        f"{what} has type {type(value).__name__}; expected a number (a 0-dim tensor or a float)"
    )


def expect_close(
    got: Any, expected: float, *, what: str, rtol: float = 1e-5, atol: float = 1e-7, hint: str = ""
) -> float:
    """Assert ``got`` is numerically ``expected`` (NaN matches NaN, inf matches inf of the same sign).

    Returns ``got`` as a float so that callers can reuse it.
    """
    value = as_float(got, what)
    if math.isnan(expected):
        ok = math.isnan(value)
    elif math.isinf(expected):
        ok = value == expected
    else:
        ok = math.isfinite(value) and abs(value - expected) <= atol + rtol * abs(expected)
    if not ok:
        message = f"{what} is {value:.6g}, expected {expected:.6g}"
        raise AssertionError(message + (f": {hint}" if hint else ""))
    return value


def _norm_function_objects(names: Sequence[str]) -> dict[int, str]:
    """id -> public name of PyTorch's functions called ``names`` (and their private aliases)."""
    import torch.nn.utils as nn_utils
    import torch.nn.utils.clip_grad as clip_grad

    known: dict[int, str] = {}
    for name in names:
        for mod in (nn_utils, clip_grad):
            obj = getattr(mod, name, None)
            while obj is not None:
                known[id(obj)] = name
                obj = getattr(obj, "__wrapped__", None)
    for mod in (nn_utils, clip_grad):  # the same objects under other names (e.g. _get_total_norm)
        for attr in dir(mod):
            obj = getattr(mod, attr, None)
            if id(obj) in known:
                continue
            inner = getattr(obj, "__wrapped__", None)
            if inner is not None and id(inner) in known:
                known[id(obj)] = known[id(inner)]
    return known


def uses_names(fn: Callable[..., Any], names: Sequence[str], *, _depth: int = 3) -> list[str]:
    """The names among ``names`` (PyTorch functions) that ``fn`` refers to, directly or not.

    Looks at the names ``fn``'s code (nested functions included) uses, and at the objects ``fn``
    can reach: its globals, closure, default arguments, containers among those, and
    ``functools.partial`` objects; a PyTorch function is recognised by identity, whatever it is
    called (``norm = torch.nn.utils.get_total_norm`` is found).  Functions ``fn`` calls that are
    defined in Python are searched too, a few levels deep.
    """
    found: set[str] = set()
    seen: set[int] = set()
    known = _norm_function_objects(names)

    def inspect_object(obj: Any, depth: int, nested: int = 0) -> None:
        if id(obj) in known:
            found.add(known[id(obj)])
        elif callable(obj) and getattr(obj, "__name__", None) in names:
            found.add(obj.__name__)
        elif isinstance(obj, types.FunctionType):
            visit(obj, depth - 1)
        elif isinstance(obj, functools.partial):
            inspect_object(obj.func, depth, nested)
        elif nested < 2 and isinstance(obj, (list, tuple, set, frozenset)):
            for item in list(obj)[:1000]:
                inspect_object(item, depth, nested + 1)
        elif nested < 2 and isinstance(obj, dict):
            for item in list(obj.values())[:1000]:
                inspect_object(item, depth, nested + 1)

    def visit(f: Any, depth: int) -> None:
        code = getattr(f, "__code__", None)
        if code is None or id(code) in seen or depth < 0:
            return
        seen.add(id(code))
        reachable: list[Any] = []
        glb = getattr(f, "__globals__", {})
        stack = [code]
        while stack:
            c = stack.pop()
            found.update(n for n in c.co_names if n in names)
            reachable.extend(glb[n] for n in c.co_names if n in glb)
            stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
        for cell in getattr(f, "__closure__", None) or ():
            try:
                reachable.append(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
        reachable.extend(getattr(f, "__defaults__", None) or ())
        reachable.extend((getattr(f, "__kwdefaults__", None) or {}).values())
        for obj in reachable:
            inspect_object(obj, depth)

    visit(fn, _depth)
    return sorted(found)


@contextlib.contextmanager
def forbid_functions(reason: str, *targets: tuple[Any, str]) -> Iterator[None]:
    """Within the block, calling any ``getattr(obj, name)`` of ``targets`` raises ``AssertionError``.

    Used to make sure an exercise that asks for a computation by hand does not call the library
    function that does it.  The originals are restored on exit, even after an error.
    """
    saved = [(obj, name, getattr(obj, name)) for obj, name in targets]

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(reason)

    try:
        for obj, name, _ in saved:
            setattr(obj, name, refuse)
        yield
    finally:
        for obj, name, original in saved:
            setattr(obj, name, original)


#: The ``torch.Tensor`` methods that copy a tensor's value into Python.  On a GPU each waits
#: until every queued operation has finished (a device sync); ``bool`` is what ``if tensor:`` and
#: ``if a > b:`` call.
HOST_READS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__", "__complex__")


class HostReads:
    """What :func:`forbid_host_reads` saw: ``reads`` lists the methods called, in order."""

    def __init__(self) -> None:
        self.reads: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.reads)

    def describe(self) -> str:
        names = {
            "__bool__": "bool(tensor) (an `if`, `and`, `or`, `not`, `min` or `max` on a tensor)",
            "__float__": "float(tensor) (also math functions of a tensor)",
            "item": ".item() (also printing or formatting a tensor)",
            "__int__": "int(tensor)",
            "__index__": "a tensor used as an index or range bound",
            "__complex__": "complex(tensor)",
        }
        seen = list(dict.fromkeys(self.reads))
        return ", ".join(names.get(r, f".{r}()") for r in seen)


@contextlib.contextmanager
def forbid_host_reads() -> Iterator[HostReads]:
    """Within the block, record every call that copies a tensor's value into Python.

    The calls listed in :data:`HOST_READS` still work (so a submission cannot tell it is
    watched by a changed result), but each is recorded in the yielded :class:`HostReads`, which
    the caller checks after the block: recording rather than raising means a ``try``/``except``
    in the checked code cannot hide a read.  The originals are restored on exit, even after an
    error.  On a CPU this stands in for ``torch.cuda.set_sync_debug_mode("error")``, which on a
    GPU catches device syncs: these reads among them, and others (``.cpu()``, ``nonzero``) that
    this does not record.
    """
    seen = HostReads()
    saved = {name: getattr(torch.Tensor, name) for name in HOST_READS}
    # Methods torch.Tensor inherits (from torch._C.TensorBase) are removed again on exit, not copied in.
    own = {name for name in HOST_READS if name in vars(torch.Tensor)}

    def recording(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def wrapper(self: Tensor, *args: Any, **kwargs: Any) -> Any:
            seen.reads.append(name)
            return original(self, *args, **kwargs)

        return wrapper

    try:
        for name, original in saved.items():
            setattr(torch.Tensor, name, recording(name, original))
        yield seen
    finally:
        for name, original in saved.items():
            if name in own:
                setattr(torch.Tensor, name, original)
            else:
                delattr(torch.Tensor, name)


_BUILTIN_NORMS = ("get_total_norm", "clip_grad_norm_", "clip_grad_norm", "clip_grads_with_norm_")


def _builtin_norm_targets() -> list[tuple[Any, str]]:
    """Every (module, attribute) of torch.nn.utils(.clip_grad) bound to one of PyTorch's norm
    functions, under its public or a private name (e.g. ``clip_grad._get_total_norm``)."""
    import torch.nn.utils as nn_utils
    import torch.nn.utils.clip_grad as clip_grad

    known = _norm_function_objects(_BUILTIN_NORMS)
    return [
        (mod, attr)
        for mod in (nn_utils, clip_grad)
        for attr in dir(mod)
        if id(getattr(mod, attr, None)) in known
    ]


def _mistakes(grads: list[Tensor], norm_type: float) -> list[tuple[float, str]]:
    """Values that common wrong implementations give on ``grads``, with a hint for each."""
    per = [g.detach().double().norm(2).item() for g in grads]
    absmax = [g.detach().double().abs().max().item() if g.numel() else 0.0 for g in grads]
    # The global norms themselves come from PyTorch: this module holds no answer to the exercise.
    doubles = [g.detach().double() for g in grads]
    l2 = torch.nn.utils.get_total_norm(doubles, 2.0).item() if grads else 0.0
    linf = torch.nn.utils.get_total_norm(doubles, math.inf).item() if grads else 0.0
    total_sq = l2 * l2
    out = []
    if norm_type == 2.0:
        out += [
            (
                sum(per),
                "you added the per-tensor norms. The global norm is the norm of the vector "
                "of per-tensor norms: the square root of the sum of their squares",
            ),
            (total_sq, "this is the sum of squares: take its square root"),
            (
                max(per, default=0.0),
                "this is the largest per-tensor norm; the global norm combines every tensor",
            ),
            (
                per[0] if per else 0.0,
                "this is the first tensor's norm only: loop over every parameter that has a gradient",
            ),
            (linf, "this is the inf-norm (largest |element|): with norm_type=2 take the L2 norm"),
        ]
        if per:
            out.append((math.sqrt(total_sq / len(per)), "you averaged over tensors; sum instead"))
    else:
        out += [
            (
                l2,
                "this is the L2 norm: with norm_type=inf take the largest absolute element over all tensors",
            ),
            (sum(absmax), "you added the per-tensor maxima; the inf-norm is their maximum"),
            (
                max((g.detach().double().max().item() for g in grads if g.numel()), default=0.0),
                "this is the largest element, not the largest absolute element",
            ),
        ]
    return out


def _hint(value: float, grads: list[Tensor], norm_type: float, expected: float) -> str:
    for candidate, hint in _mistakes(grads, norm_type):
        if (
            math.isfinite(candidate)
            and abs(candidate - expected) > 1e-6 * max(1.0, abs(expected))
            and abs(value - candidate) <= 1e-5 * max(1.0, abs(candidate))
        ):
            return hint
    return ""


def check_global_norm(fn: Callable[..., Any], norm_type: float = 2.0) -> None:
    """Check a student's ``fn(parameters, norm_type)`` against ``torch.nn.utils.get_total_norm``.

    Runs a handful of ordinary cases (several parameters of different shapes, float32, every
    ``.grad`` set: parameters without gradients are the lesson's own visible test) for the
    given ``norm_type`` and raises ``AssertionError`` with a message in words on the first
    mismatch.  Also fails if ``fn`` calls PyTorch's own norm or clipping functions.
    """
    if not callable(fn):
        raise TypeError(f"fn must be your function, got {type(fn).__name__}")
    if not (norm_type == 2.0 or norm_type == math.inf):
        raise ValueError(f"norm_type must be 2.0 or math.inf, got {norm_type!r}")
    used = uses_names(fn, _BUILTIN_NORMS)
    if used:
        raise AssertionError(
            f"your function calls {', '.join(used)}: the exercise asks you to "
            "compute the norm yourself from the gradients"
        )
    cases: dict[str, list[Any]] = {
        "one parameter with gradient [3, 4]": [[3.0, 4.0]],
        "two parameters with gradients [3, 0] and [[0, 4]]": [[3.0, 0.0], [[0.0, 4.0]]],
        "a 2x3 weight and a bias of 3": [[[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]], [0.25, -0.5, 2.0]],
        "three parameters with negative entries": [[-7.0], [[1.0, -1.0], [2.0, -2.0]], [0.0, -0.5]],
    }
    reason = (
        "your function calls one of PyTorch's norm functions: compute the norm yourself from the gradients"
    )
    for label, grads in cases.items():
        params = params_with_grads(*grads)
        tensors = [p.grad for p in params if p.grad is not None]
        expected = torch.nn.utils.get_total_norm(tensors, norm_type).item()
        with forbid_functions(reason, *_builtin_norm_targets()):
            got = fn(params, norm_type)
        value = as_float(got, f"for {label}, your result")
        hint = _hint(value, tensors, norm_type, expected)
        expect_close(
            value,
            expected,
            what=f"for {label} (norm_type={norm_type}), your norm",
            hint=hint or "compare your steps with the definition above",
        )


def require_names(namespace: Any, *names: str, made_by: str) -> None:
    """Raise ``NotImplementedError`` unless every one of ``names`` is set in ``namespace``.

    For a lesson cell that uses the results of an exercise: while the exercise is still a stub,
    the cell that should have made them raised ``NotImplementedError`` and they do not exist.
    This says so, and which cell makes them, instead of a ``NameError`` that looks like a bug.

    Args:
        namespace (Mapping[str, Any]): where to look: the notebook's ``globals()``.
        *names (str): the variables the cell needs (at least one).
        made_by (str): what makes them, e.g. ``"train_capstone(0), two cells above"``.

    Raises:
        NotImplementedError: some of ``names`` are not set; the message lists them.
        TypeError: bad arguments.

    >>> require_names({"model": 1}, "model", made_by="the cell above")
    >>> require_names({}, "model", made_by="the cell above")
    Traceback (most recent call last):
    ...
    NotImplementedError: model is not set yet: it comes from the cell above. Finish the exercise it calls, then run that cell and this one again.
    """
    from collections.abc import Mapping

    if not isinstance(namespace, Mapping):
        raise TypeError(f"namespace must be a mapping such as globals(), got {type(namespace).__name__}")
    if not names:
        raise TypeError("give at least one variable name to require")
    for name in names:
        if type(name) is not str or not name.isidentifier():
            raise TypeError(f"each name must be a variable name as a str, got {name!r}")
    if type(made_by) is not str or not made_by.strip():
        raise TypeError(f"made_by must say which cell makes the variables, got {made_by!r}")
    missing = [n for n in names if n not in namespace]
    if missing:
        verb, pronoun = ("is", "it comes") if len(missing) == 1 else ("are", "they come")
        raise NotImplementedError(
            f"{', '.join(missing)} {verb} not set yet: {pronoun} from {made_by}. "
            "Finish the exercise it calls, then run that cell and this one again."
        )
