r"""Distributed demo: real ``torch.distributed`` processes on the CPU, and a sharded clip.

Two ideas of lesson 07b, shown with real processes (``gloo`` backend), not a simulation:

* **Data parallelism (DDP).** Every worker holds the whole model and computes the gradient
  :math:`g_r` of its own batch; DDP all-reduces them into the average
  :math:`\bar g = \frac{1}{W}\sum_r g_r` *during* ``backward()``. Every worker then clips the
  same vector :math:`\bar g`, so clipping needs no extra communication.
* **Sharded gradients (FSDP-style).** Worker :math:`r` holds only a shard :math:`s_r` of the
  gradient. The global :math:`p`-norm is

  .. math::
      \|g\|_p = \Big(\sum_r \sum_{i \in s_r} |g_i|^p\Big)^{1/p}, \qquad
      \|g\|_\infty = \max_r \max_{i \in s_r} |g_i|,

  so each worker sums :math:`|g_i|^p` over its shard and an all-reduce ``SUM`` (``MAX`` for
  :math:`p = \infty`) combines them. A *local* clip, with each shard's own norm, would scale
  the shards by different factors and change the gradient's direction.
* **FSDP2.** With :func:`torch.distributed.fsdp.fully_shard` the parameters and their
  gradients are ``DTensor`` shards, and :func:`torch.nn.utils.clip_grad_norm_` computes the
  global norm itself (the all-reduce above happens inside the DTensor operations); it returns
  the norm as a ``DTensor`` (``.full_tensor()`` gives a plain tensor to log).

Entry point: :func:`run_workers` starts ``world_size`` processes with the ``spawn`` start
method, runs a module-level ``worker(rank, world_size, *args)`` in each, and returns the
results ordered by rank. The demo workers :func:`ddp_demo`, :func:`sharded_demo`,
:func:`fsdp2_demo` and :func:`failing_demo` live here because ``spawn`` must import them by name (a function defined
in a notebook cannot be imported by a new process).
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import math
import multiprocessing
import multiprocessing.connection
import os
import pickle
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor, nn

from ._validation import check_choice, check_int, check_positive_finite, check_real

__all__ = [
    "WorkerError",
    "WorkerTimeoutError",
    "run_workers",
    "free_port",
    "clip_grad_norm_sharded_",
    "demo_gradient",
    "ddp_demo",
    "sharded_demo",
    "fsdp2_demo",
    "failing_demo",
]

#: The epsilon PyTorch adds to the total norm in the clip coefficient.
_EPS = 1e-6
_BACKENDS = ("gloo",)
#: Environment of the worker processes: one thread each, and torch's C++ logs (gloo's
#: connection messages, c10d warnings) silenced so that the notebook stays clean.
_CHILD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TORCH_CPP_LOG_LEVEL": "ERROR",
    "TORCH_DISTRIBUTED_DEBUG": "OFF",
    "PYTHONWARNINGS": "ignore",
}
#: How long the parent waits for a terminated worker before it kills it.
_GRACE_S = 2.0
#: At most this many characters of a failed worker's captured output go into the error.
_LOG_TAIL = 2000


class WorkerError(RuntimeError):
    r"""A worker started by :func:`run_workers` failed (raised, died or did not finish).

    Attributes:
        rank (int | None): the rank of the worker that failed first (``None`` if unknown).
        details (str): the worker's traceback text, or a description of how it ended.
    """

    def __init__(self, message: str, *, rank: int | None = None, details: str = "") -> None:
        super().__init__(message)
        self.rank = rank
        self.details = details


class WorkerTimeoutError(WorkerError, TimeoutError):
    r"""The workers started by :func:`run_workers` did not all finish within ``timeout`` seconds."""


# --------------------------------------------------------------------------- process launcher


def free_port(host: str = "127.0.0.1") -> int:
    r"""Return a TCP port on ``host`` that is free right now (the OS picks it).

    Args:
        host (str): the local address to probe. Default: ``"127.0.0.1"``

    Returns:
        The port number.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _check_worker(worker: Any) -> Callable[..., Any]:
    """Check that ``worker`` is a module-level function that a spawned process can import."""
    if not callable(worker):
        raise TypeError(f"worker must be a function, got {worker!r} of type {type(worker).__name__}")
    module = getattr(worker, "__module__", None)
    qualname = getattr(worker, "__qualname__", None)
    why = (
        "the 'spawn' start method imports the worker by module and name in each new process, "
        "so it must be a function defined at the top level of an importable .py module "
        "(e.g. course_utils.distributed.ddp_demo)"
    )
    if not isinstance(qualname, str) or not isinstance(module, str):
        raise TypeError(f"worker must be a module-level function, got {worker!r}: {why}")
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise TypeError(
            f"worker must be a module-level function, got {qualname!r} "
            f"(a lambda or a nested function) from module {module!r}: {why}"
        )
    if module in ("__main__", "__mp_main__"):
        raise TypeError(
            f"worker must be a module-level function of an importable module, got "
            f"{qualname!r} defined in {module!r} (a notebook or a script run "
            f"directly): {why}"
        )
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        found = None
    if found is not worker:
        raise TypeError(
            f"worker must be importable as {module}.{qualname}, but that name does not "
            f"give back {worker!r}: {why}"
        )
    return worker


@contextlib.contextmanager
def _environ(update: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the processes started inside the block, then restore them."""
    old = {k: os.environ.get(k) for k in update}
    os.environ.update(update)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _child_main(
    worker: Callable[..., Any],
    rank: int,
    world_size: int,
    port: int,
    backend: str,
    timeout: float,
    args: tuple[Any, ...],
    conn: Any,
    log_path: str,
) -> None:
    """Body of a worker process: quiet output, join the group, run, send the result back."""
    # Send this process's stdout and stderr (C++ logs included) to a file, not the notebook.
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    import warnings

    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    message: tuple[Any, ...]
    try:
        dist.init_process_group(
            backend, rank=rank, world_size=world_size, timeout=datetime.timedelta(seconds=timeout)
        )
        result = worker(rank, world_size, *args)
        message = ("ok", time.time(), result)
    except BaseException as exc:  # noqa: BLE001 - every failure is reported to the parent
        first = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
        message = ("error", time.time(), first, traceback.format_exc())
    # Plain pickle, not multiprocessing's: torch's reducers would share tensors through file
    # descriptors that die with this process; pickle copies the data into the message.
    try:
        try:
            payload = pickle.dumps(message)
        except Exception as exc:  # the result cannot be pickled
            payload = pickle.dumps(
                (
                    "error",
                    time.time(),
                    f"the result of rank {rank} cannot be sent back: {type(exc).__name__}: {exc}",
                    traceback.format_exc(),
                )
            )
        conn.send_bytes(payload)
    finally:
        conn.close()
        if dist.is_initialized():
            with contextlib.suppress(Exception):
                dist.destroy_process_group()
        # The result is delivered: end now. A normal interpreter exit with torch loaded takes
        # seconds (module teardown), which every run would wait for.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0 if message[0] == "ok" else 1)


def _stop(processes: Sequence[Any]) -> None:
    """Terminate every live process (SIGTERM), then kill the ones that ignore it; join all."""
    for p in processes:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + _GRACE_S
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in processes:
        if p.is_alive():
            p.kill()
            p.join()


def _died(exitcode: int | None) -> str:
    return (
        f"the process ended (exit code {exitcode}) without sending a result (a script that "
        f"calls run_workers must do so under `if __name__ == \"__main__\":`)"
    )


def _tail(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return ""
    return text[-_LOG_TAIL:].strip()


def run_workers(
    worker: Callable[..., Any],
    world_size: int = 2,
    *,
    args: Iterable[Any] = (),
    timeout: float = 60.0,
    backend: str = "gloo",
    port: int | None = None,
) -> list[Any]:
    r"""Run ``worker(rank, world_size, *args)`` in ``world_size`` processes joined by ``torch.distributed``.

    Each process is started with the ``spawn`` start method (the same on Linux, macOS and
    from a Jupyter kernel), calls
    ``torch.distributed.init_process_group(backend, rank=rank, world_size=world_size)``
    with the rendezvous at ``127.0.0.1:port``, runs the worker, sends its (picklable)
    return value back through a pipe and destroys the process group. The workers run with one
    thread each; their stdout and stderr go to a temporary file, so nothing reaches the
    notebook unless a worker fails.

    If a worker raises, dies or the whole run takes longer than ``timeout`` seconds, the other
    workers (possibly blocked in a collective) are terminated, then killed, and every process
    is joined before the error is raised: no process is left behind and the port is released.

    Args:
        worker (Callable): a function defined at the top level of an importable module (not in
            a notebook, not a lambda), called as ``worker(rank, world_size, *args)``.
        world_size (int): number of processes, in ``[1, 16]``. Default: 2
        args (Iterable): extra picklable positional arguments for ``worker``. Default: ``()``
        timeout (float): positive finite limit in seconds for the whole run, also used as the
            process group's timeout. Default: 60.0
        backend (str): the ``torch.distributed`` backend; only ``"gloo"`` (CPU). Default: ``"gloo"``
        port (int, optional): the rendezvous port; ``None`` picks a free one. Default: ``None``

    Returns:
        The workers' return values, ordered by rank.

    Raises:
        WorkerError: a worker raised or died; the message names the rank and the error, and
            ``details`` holds the worker's traceback.
        WorkerTimeoutError: the workers did not all finish within ``timeout`` seconds.
    """
    worker = _check_worker(worker)
    world_size = check_int("world_size", world_size, minimum=1, maximum=16)
    if isinstance(args, (str, bytes)) or not isinstance(args, Iterable):
        raise TypeError(f"args must be a tuple of extra arguments for worker, got {args!r}")
    args = tuple(args)
    timeout = check_positive_finite("timeout", timeout)
    backend = check_choice("backend", backend, _BACKENDS)
    port = free_port() if port is None else check_int("port", port, minimum=1024, maximum=65535)

    ctx = multiprocessing.get_context("spawn")
    processes: list[Any] = []
    readers: list[Any] = []
    results: dict[int, Any] = {}
    with tempfile.TemporaryDirectory(prefix="course-utils-workers-") as logs:
        log_paths = [os.path.join(logs, f"rank{r}.log") for r in range(world_size)]
        try:
            with _environ(_CHILD_ENV):
                for rank in range(world_size):
                    reader, writer = ctx.Pipe(duplex=False)
                    p = ctx.Process(
                        target=_child_main,
                        name=f"course-utils-rank{rank}",
                        daemon=True,
                        args=(
                            worker,
                            rank,
                            world_size,
                            port,
                            backend,
                            timeout,
                            args,
                            writer,
                            log_paths[rank],
                        ),
                    )
                    p.start()
                    writer.close()
                    processes.append(p)
                    readers.append(reader)
            deadline = time.monotonic() + timeout
            pending = set(range(world_size))
            while pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    late = ", ".join(str(r) for r in sorted(pending))
                    raise WorkerTimeoutError(
                        f"rank(s) {late} did not finish within timeout={timeout:g} s "
                        f"(a worker stuck in a loop or waiting in a collective for a peer); "
                        f"all workers were stopped"
                    )
                waitables = [readers[r] for r in pending] + [processes[r].sentinel for r in pending]
                multiprocessing.connection.wait(waitables, timeout=left)
                errors: list[tuple[float, int, str, str]] = []
                for r in sorted(pending):
                    if not processes[r].is_alive():
                        processes[r].join(_GRACE_S)  # it may have sent its result just before exiting
                    if readers[r].poll():
                        try:
                            msg = pickle.loads(readers[r].recv_bytes())
                        except EOFError:  # the process died without a message
                            processes[r].join(_GRACE_S)
                            errors.append((time.time(), r, _died(processes[r].exitcode), ""))
                            continue
                        except Exception as exc:  # e.g. a result whose class the parent lacks
                            errors.append(
                                (
                                    time.time(),
                                    r,
                                    f"the result of rank {r} cannot be read "
                                    f"back: {type(exc).__name__}: {exc}",
                                    traceback.format_exc(),
                                )
                            )
                            continue
                        if msg[0] == "ok":
                            results[r] = msg[2]
                            pending.discard(r)
                        else:
                            errors.append((msg[1], r, msg[2], msg[3]))
                    elif not processes[r].is_alive():
                        errors.append((time.time(), r, _died(processes[r].exitcode), ""))
                if errors:
                    when, rank, first, details = min(errors)
                    log = _tail(log_paths[rank])
                    text = "\n".join(
                        x for x in (details.rstrip(), log and f"--- output of rank {rank} ---\n{log}") if x
                    )
                    raise WorkerError(
                        f"worker rank {rank} failed: {first}" + (f"\n{text}" if text else ""),
                        rank=rank,
                        details=text,
                    )
            for p in processes:
                p.join(_GRACE_S)
        finally:
            _stop(processes)
            for reader in readers:
                reader.close()
            for p in processes:
                with contextlib.suppress(Exception):
                    p.close()
    return [results[r] for r in range(world_size)]


# --------------------------------------------------------------------------- sharded clipping


def clip_grad_norm_sharded_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    group: Any = None,
) -> Tensor:
    r"""Clip a gradient that is sharded across processes by its *global* norm, in place.

    Each process holds some of the gradient's entries (its shard). The global norm is

    .. math::
        \|g\|_p = \Big(\operatorname{all\_reduce}_{\text{SUM}}\big(\textstyle\sum_{i \in
        \text{shard}} |g_i|^p\big)\Big)^{1/p}, \qquad
        \|g\|_\infty = \operatorname{all\_reduce}_{\text{MAX}}\big(\max_{i \in \text{shard}}
        |g_i|\big),

    and every process multiplies its shard by the coefficient PyTorch uses,
    :math:`c = \min\big(1, \text{max\_norm} / (\|g\|_p + 10^{-6})\big)`. The result equals
    :func:`torch.nn.utils.clip_grad_norm_` on the full gradient in one process (up to float
    rounding). Every process of ``group`` must call it, even one whose shard is empty.

    Args:
        parameters (Tensor or Iterable[Tensor]): this process's parameters (its shard); those
            whose ``.grad`` is ``None`` are skipped.
        max_norm (float): positive finite threshold on the global norm.
        norm_type (float): the :math:`p` of the norm, :math:`p > 0` or ``inf``. Default: 2.0
        group (ProcessGroup, optional): the process group; ``None`` is the default group.

    Returns:
        The global norm of the gradient before clipping (a 0-d tensor, the same on every process;
        reduced in float64, returned in the gradients' dtype).
    """
    grads, max_norm, p = _sharded_clip_args(parameters, max_norm, norm_type)
    # One number per worker, reduced in float64 so that every worker (even one without
    # gradients) sends the same dtype.
    zero = torch.zeros((), dtype=torch.float64)
    if math.isinf(p):
        per_tensor = [g.detach().abs().max().double() for g in grads if g.numel()]
        local = torch.stack([zero] + per_tensor).max()
        dist.all_reduce(local, op=dist.ReduceOp.MAX, group=group)  # the largest |g_i| anywhere
        total = local
    else:
        per_tensor = [torch.linalg.vector_norm(g.detach(), p).double() ** p for g in grads]
        local = torch.stack([zero] + per_tensor).sum()
        dist.all_reduce(local, op=dist.ReduceOp.SUM, group=group)  # sum of |g_i|^p over all shards
        total = local ** (1.0 / p)
    coef = torch.clamp(max_norm / (total + _EPS), max=1.0)  # PyTorch's coefficient
    for g in grads:
        g.detach().mul_(coef.to(g.dtype))
    return total.to(grads[0].dtype if grads else torch.get_default_dtype())


def _sharded_clip_args(parameters: Any, max_norm: Any, norm_type: Any) -> tuple[list[Tensor], float, float]:
    """Check the arguments of :func:`clip_grad_norm_sharded_`; return the gradients that exist."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, param in enumerate(params):
        if not isinstance(param, Tensor):
            raise TypeError(
                f"parameters must be tensors, got {param!r} of type {type(param).__name__} at position {i}"
            )
    max_norm = check_positive_finite("max_norm", max_norm)
    p = check_real("norm_type", norm_type)
    if not (p > 0):
        raise ValueError(f"norm_type must be a number > 0 or inf, got {norm_type!r}")
    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError(
            "clip_grad_norm_sharded_ needs an initialised torch.distributed process "
            "group: call it inside a worker started by course_utils.distributed."
            "run_workers (in one process, use torch.nn.utils.clip_grad_norm_)"
        )
    return [q.grad for q in params if q.grad is not None], max_norm, p


# --------------------------------------------------------------------------- demo workers


def demo_gradient(seed: int, n_samples: int = 64) -> Tensor:
    r"""The flat gradient of a small seeded model on a seeded batch (the sharded demo's gradient).

    A :class:`~course_utils.models.MLP` ``(8 -> 16 -> 16 -> 1)`` with tanh, seeded by ``seed``,
    on ``make_regression(n_samples, 8, seed=seed)`` with the mean squared error; the gradients
    of all parameters are concatenated into one vector (433 entries).

    Args:
        seed (int): seed, :math:`\ge 0`.
        n_samples (int): batch size, :math:`\ge 1`. Default: 64

    Returns:
        A 1-d ``float32`` tensor.
    """
    from .data import make_regression
    from .models import MLP

    seed = check_int("seed", seed, minimum=0)
    n_samples = check_int("n_samples", n_samples, minimum=1)
    torch.manual_seed(seed)
    model = MLP(8, 1, hidden=16, depth=2)
    X, y = make_regression(n_samples, 8, seed=seed)
    nn.functional.mse_loss(model(X), y).backward()
    return torch.cat([_grad(p).reshape(-1) for p in model.parameters()]).detach()


def _grad(p: Tensor) -> Tensor:
    """``p.grad``, which the demos' ``backward()`` has just filled."""
    if p.grad is None:
        raise RuntimeError("a parameter has no gradient after backward()")
    return p.grad


def ddp_demo(
    rank: int, world_size: int, seed: int = 0, max_norm: float = 1.0, batch: int = 32, use_ddp: bool = False
) -> dict[str, Any]:
    r"""Data-parallel worker: average the gradients over the ranks, then clip the average.

    All ranks build the same seeded :class:`~course_utils.models.MLP` (8 -> 16 -> 16 -> 1).
    Rank ``r`` takes rows ``[r*batch, (r+1)*batch)`` of ``make_regression(world_size*batch, 8,
    seed=seed)`` and computes the gradient :math:`g_r` of its own batch. The gradients are then
    averaged, :math:`\bar g = \frac{1}{W}\sum_r g_r`, and clipped with
    :func:`torch.nn.utils.clip_grad_norm_`.

    With ``use_ddp=False`` (the default, about a second faster to start) each gradient is
    divided by ``world_size`` and then all-reduced with ``SUM``, in the order
    :class:`~torch.nn.parallel.DistributedDataParallel` uses during ``backward()`` (it divides
    each gradient as it copies it into a bucket, then all-reduces the bucket). With
    ``use_ddp=True`` the model is wrapped in DDP: the own-batch gradient is computed under
    ``no_sync()`` and the average by DDP's own ``backward()``.

    Returns:
        A dict with ``rank``, ``local_norm`` (norm of this rank's own gradient), ``local``
        (that gradient, flat), ``total_norm`` (norm of the averaged gradient, returned by the
        clip) and ``clipped`` (the clipped averaged gradient, flat).
    """
    from .data import make_regression
    from .models import MLP

    torch.manual_seed(seed)
    model: nn.Module = MLP(8, 1, hidden=16, depth=2)
    X, y = make_regression(world_size * batch, 8, seed=seed)
    xb, yb = X[rank * batch : (rank + 1) * batch], y[rank * batch : (rank + 1) * batch]
    if use_ddp:
        from torch.nn.parallel import DistributedDataParallel as DDP

        model = DDP(model)
        with model.no_sync():
            nn.functional.mse_loss(model(xb), yb).backward()
        local = torch.cat([_grad(p).reshape(-1) for p in model.parameters()]).clone()
        model.zero_grad(set_to_none=True)
        nn.functional.mse_loss(model(xb), yb).backward()  # DDP all-reduces (averages) here
    else:
        nn.functional.mse_loss(model(xb), yb).backward()
        local = torch.cat([_grad(p).reshape(-1) for p in model.parameters()]).clone()
        for p in model.parameters():  # as DDP does: divide by the world size, then all-reduce SUM
            _grad(p).div_(world_size)
            dist.all_reduce(_grad(p), op=dist.ReduceOp.SUM)
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    clipped = torch.cat([_grad(p).reshape(-1) for p in model.parameters()]).clone()
    return {
        "rank": rank,
        "local_norm": float(local.norm()),
        "local": local,
        "total_norm": float(total),
        "clipped": clipped,
    }


def sharded_demo(
    rank: int,
    world_size: int,
    seed: int = 0,
    max_norm: float = 0.1,
    norm_types: Sequence[float] = (2.0, math.inf),
) -> dict[str, Any]:
    r"""Sharded worker: clip this rank's shard by its local norm, and by the global norm.

    The full gradient is :func:`demo_gradient` ``(seed)``; rank ``r`` keeps only the ``r``-th of
    ``world_size`` contiguous pieces (:func:`torch.tensor_split`), as FSDP keeps a shard of the
    flat parameters. For each ``p`` in ``norm_types`` it clips a copy of its shard with
    :func:`torch.nn.utils.clip_grad_norm_` (local norm: wrong) and another copy with
    :func:`clip_grad_norm_sharded_` (global norm).

    Returns:
        A dict with ``rank``, ``shard`` (the unclipped shard) and, for each ``p``, entries
        ``local[p] = (local_norm, clipped_shard)`` and ``global[p] = (global_norm, clipped_shard)``.
    """
    shard = torch.tensor_split(demo_gradient(seed), world_size)[rank].clone()
    out: dict[str, Any] = {"rank": rank, "shard": shard, "local": {}, "global": {}}
    for p in norm_types:
        loc = nn.Parameter(torch.zeros_like(shard))
        loc.grad = shard.clone()
        n_local = torch.nn.utils.clip_grad_norm_([loc], max_norm, norm_type=p)
        glob = nn.Parameter(torch.zeros_like(shard))
        glob.grad = shard.clone()
        n_global = clip_grad_norm_sharded_([glob], max_norm, norm_type=p)
        out["local"][float(p)] = (float(n_local), loc.grad.clone())
        out["global"][float(p)] = (float(n_global), glob.grad.clone())
    return out


def fsdp2_demo(
    rank: int, world_size: int, seed: int = 0, max_norm: float = 1.0, batch: int = 32
) -> dict[str, Any]:
    r"""FSDP2 worker: shard the model with ``fully_shard``, then clip with ``clip_grad_norm_``.

    All ranks build the seeded :class:`~course_utils.models.MLP` (8 -> 16 -> 16 -> 1) of
    :func:`ddp_demo` and shard it with :func:`torch.distributed.fsdp.fully_shard` on a CPU
    device mesh of ``world_size`` ranks: each ``Linear`` layer is one FSDP unit, then the root.
    Every parameter is then a :class:`~torch.distributed.tensor.DTensor` sharded on its first
    dimension, and rank ``r`` stores only its rows. Rank ``r`` runs forward and backward on rows
    ``[r*batch, (r+1)*batch)`` of ``make_regression(world_size*batch, 8, seed=seed)``; FSDP2
    reduce-scatters the gradients, so each rank ends with its shard of the *averaged* gradient
    (the gradient of the whole batch, the one :func:`ddp_demo` averages). Then
    :func:`torch.nn.utils.clip_grad_norm_` runs on the sharded parameters as in a
    single-process loop.

    Returns:
        A dict with ``rank``; ``grad_types`` (the class name of each parameter's gradient);
        ``local_shapes`` and ``full_shapes`` (per parameter, the shape this rank stores and the
        whole shape); ``local_norm`` (the 2-norm of this rank's local pieces, what a clip that
        ignored the sharding would see); ``total_type`` and ``total_placements`` (the class
        and placements of the norm ``clip_grad_norm_`` returned); ``total_norm`` (its
        ``full_tensor()``, a float); ``clipped`` (the clipped gradient gathered whole with
        ``full_tensor()``, flat, in parameter order).
    """
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard
    from torch.distributed.tensor import DTensor

    from .data import make_regression
    from .models import MLP

    seed = check_int("seed", seed, minimum=0)
    max_norm = check_positive_finite("max_norm", max_norm)
    batch = check_int("batch", batch, minimum=1)
    torch.manual_seed(seed)
    model: nn.Module = MLP(8, 1, hidden=16, depth=2)
    mesh = init_device_mesh("cpu", (world_size,))
    for module in model.modules():
        if isinstance(module, nn.Linear):
            fully_shard(module, mesh=mesh)
    fully_shard(model, mesh=mesh)
    X, y = make_regression(world_size * batch, 8, seed=seed)
    xb, yb = X[rank * batch : (rank + 1) * batch], y[rank * batch : (rank + 1) * batch]
    nn.functional.mse_loss(model(xb), yb).backward()  # FSDP2 reduce-scatters (averages) here
    grads = [_grad(p) for p in model.parameters()]
    local = [g.to_local() if isinstance(g, DTensor) else g for g in grads]
    local_norm = torch.linalg.vector_norm(torch.cat([t.reshape(-1) for t in local]))
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    full_total = total.full_tensor() if isinstance(total, DTensor) else total
    clipped = [
        g.full_tensor() if isinstance(g, DTensor) else g for g in (_grad(p) for p in model.parameters())
    ]
    return {
        "rank": rank,
        "grad_types": [type(g).__name__ for g in grads],
        "local_shapes": [tuple(t.shape) for t in local],
        "full_shapes": [tuple(g.shape) for g in grads],
        "local_norm": float(local_norm),
        "total_type": type(total).__name__,
        "total_placements": [repr(pl) for pl in total.placements] if isinstance(total, DTensor) else [],
        "total_norm": float(full_total),
        "clipped": torch.cat([c.detach().reshape(-1) for c in clipped]).clone(),
    }


def failing_demo(rank: int, world_size: int) -> None:
    r"""A worker that fails: the last rank meets a non-finite gradient, the others wait for it.

    Every rank but the last builds a finite gradient and waits in an ``all_reduce`` for its
    peers. The last rank's gradient holds a NaN and it calls
    :func:`torch.nn.utils.clip_grad_norm_` with ``error_if_nonfinite=True``, which raises. The
    others' ``all_reduce`` cannot complete: with gloo they fail with a secondary "Connection
    closed by peer" error once the last rank's process is gone (or wait until the process
    group's timeout). :func:`run_workers` reports the last rank's error, which came first, and
    stops the others.
    """
    grad = torch.ones(4)
    if rank == world_size - 1:
        grad[0] = float("nan")
        w = nn.Parameter(torch.zeros(4))
        w.grad = grad
        torch.nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    dist.all_reduce(grad)
