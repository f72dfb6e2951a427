"""Unit tests of course_utils.distributed: the process launcher, the sharded clip and the demo workers.

Each run_workers call spawns processes that import torch (about 2 s on this machine), so the
runs are few and shared through module-scope fixtures.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import socket
import time

import psutil
import pytest
import torch

from course_utils import distributed as D
from course_utils.distributed import WorkerError, WorkerTimeoutError, run_workers

SEEDS = (0, 1, 2, 3, 4)
NORM_TYPES = (2.0, math.inf, 1.0, 3.0)


# ----------------------------------------------------------------- workers the tests spawn
# (module level, so that the spawned processes can import them by name)


def _sharded_cases(rank: int, world_size: int, seeds, norm_types, max_norm):
    """For each seed and p: a seeded list of gradients split across ranks, clipped globally."""
    out = []
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        grads = [
            torch.randn(5, 3, generator=g) * 3,
            torch.randn(7, generator=g),
            torch.randn(2, 2, generator=g),
        ]
        mine = [x for i, x in enumerate(grads) if i % world_size == rank]
        for p in norm_types:
            params = []
            for x in mine:
                w = torch.nn.Parameter(torch.zeros_like(x))
                w.grad = x.clone()
                params.append(w)
            params.append(torch.nn.Parameter(torch.zeros(3)))  # no .grad: skipped
            total = D.clip_grad_norm_sharded_(params, max_norm, norm_type=p)
            out.append((seed, p, float(total), [w.grad.clone() for w in params[:-1]]))
    # A rank with an empty shard must still take part in the all-reduce.
    empty = [torch.nn.Parameter(torch.zeros(2))] if rank == 0 else []
    if rank == 0:
        empty[0].grad = torch.tensor([3.0, 4.0])
    total = D.clip_grad_norm_sharded_(empty, 1.0)
    return {"cases": out, "empty_total": float(total), "empty_grads": [w.grad.clone() for w in empty]}


def _hang(rank: int, world_size: int) -> None:
    """A worker that never finishes."""
    time.sleep(3600)


def _ddp_both_ways(rank: int, world_size: int):
    """The data-parallel demo with the written-out all-reduce, and with real DDP."""
    return D.ddp_demo(rank, world_size, 0, 1.0), D.ddp_demo(rank, world_size, 0, 1.0, use_ddp=True)


def _unpicklable(rank: int, world_size: int):
    return lambda: rank


def _dies(rank: int, world_size: int) -> None:
    """A worker whose process ends abruptly, without raising (as if killed)."""
    print("about to exit", flush=True)
    os._exit(3)


# ----------------------------------------------------------------- helpers


def _children() -> set[int]:
    return {c.pid for c in psutil.Process().children(recursive=True)}


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen(1)
        except OSError:
            return False
    return True


# ----------------------------------------------------------------- argument validation


def _nested():
    def inner(rank, world_size):
        return rank

    return inner


def test_run_workers_rejects_functions_that_spawn_cannot_import():
    with pytest.raises(TypeError, match="lambda"):
        run_workers(lambda rank, world_size: rank)
    with pytest.raises(TypeError, match="module-level"):
        run_workers(_nested())

    def notebook_fn(rank, world_size):
        return rank

    notebook_fn.__module__ = "__main__"
    notebook_fn.__qualname__ = "notebook_fn"
    with pytest.raises(TypeError, match=r"'__main__'.*spawn"):
        run_workers(notebook_fn)
    with pytest.raises(TypeError, match="worker must be a function, got 3"):
        run_workers(3)


@pytest.mark.parametrize(
    "kwargs, exc, text",
    [
        ({"world_size": 0}, ValueError, "world_size must be an int in [1, 16], got 0"),
        ({"world_size": 17}, ValueError, "got 17"),
        ({"world_size": True}, TypeError, "world_size must be an int, got True"),
        ({"timeout": -1.0}, ValueError, "timeout must be a positive finite number, got -1.0"),
        ({"timeout": math.inf}, ValueError, "got inf"),
        ({"backend": "nccl"}, ValueError, "backend must be one of 'gloo', got 'nccl'"),
        ({"args": "abc"}, TypeError, "args must be a tuple"),
        ({"args": 5}, TypeError, "args must be a tuple"),
        ({"port": 80}, ValueError, "port must be an int in [1024, 65535], got 80"),
    ],
)
def test_run_workers_validates_its_arguments(kwargs, exc, text):
    before = _children()
    with pytest.raises(exc) as info:
        run_workers(D.ddp_demo, **kwargs)
    assert text in str(info.value)
    assert _children() == before  # nothing was started


def test_sharded_clip_validates_and_needs_a_process_group():
    w = torch.nn.Parameter(torch.zeros(3))
    w.grad = torch.ones(3)
    with pytest.raises(ValueError, match="max_norm must be a positive finite number, got -1"):
        D.clip_grad_norm_sharded_([w], -1)
    with pytest.raises(ValueError, match="norm_type must be a number > 0 or inf, got 0"):
        D.clip_grad_norm_sharded_([w], 1.0, norm_type=0)
    with pytest.raises(TypeError, match="norm_type must be a real number"):
        D.clip_grad_norm_sharded_([w], 1.0, norm_type="2")
    with pytest.raises(TypeError, match="parameters must be tensors"):
        D.clip_grad_norm_sharded_([w, "x"], 1.0)
    with pytest.raises(RuntimeError, match="process group.*run_workers"):
        D.clip_grad_norm_sharded_(w, 1.0)
    assert torch.equal(w.grad, torch.ones(3))  # untouched


def test_free_port_can_be_bound():
    assert _port_is_free(D.free_port())


def test_demo_gradient_is_seeded():
    a, b, c = D.demo_gradient(0), D.demo_gradient(0), D.demo_gradient(1)
    assert a.shape == (433,) and torch.equal(a, b) and not torch.equal(a, c)


# ----------------------------------------------------------------- real processes (2 gloo workers)


@pytest.fixture(scope="module")
def ddp_run():
    port = D.free_port()
    return run_workers(_ddp_both_ways, 2, timeout=60, port=port), port


@pytest.fixture(scope="module")
def ddp_both_ways(ddp_run):
    return ddp_run[0]


def test_after_a_normal_run_no_process_is_left_and_the_port_is_free(ddp_run):
    assert multiprocessing.active_children() == []
    assert _port_is_free(ddp_run[1])


@pytest.fixture(scope="module")
def ddp_results(ddp_both_ways):
    return [manual for manual, _ in ddp_both_ways]


@pytest.fixture(scope="module")
def sharded_results():
    return run_workers(_sharded_cases, 2, args=(SEEDS, NORM_TYPES, 0.5), timeout=60)


def test_ddp_demo_every_rank_clips_the_same_averaged_vector(ddp_results):
    r0, r1 = ddp_results
    assert [r0["rank"], r1["rank"]] == [0, 1]  # ordered by rank
    assert not torch.allclose(r0["local"], r1["local"])  # different batches
    avg = (r0["local"] + r1["local"]) / 2
    assert r0["total_norm"] == r1["total_norm"]
    assert math.isclose(r0["total_norm"], float(avg.norm()), rel_tol=1e-5)
    assert torch.equal(r0["clipped"], r1["clipped"])
    expected = avg * min(1.0, 1.0 / (float(avg.norm()) + 1e-6))
    assert torch.allclose(r0["clipped"], expected, rtol=1e-5, atol=1e-7)
    assert r0["total_norm"] > 1.0  # the clip was active


def test_the_written_out_all_reduce_is_what_ddp_does(ddp_both_ways):
    for manual, real in ddp_both_ways:
        assert torch.equal(manual["local"], real["local"])
        assert math.isclose(manual["total_norm"], real["total_norm"], rel_tol=1e-6)
        assert torch.allclose(manual["clipped"], real["clipped"], rtol=1e-6, atol=1e-8)


def test_sharded_clip_equals_clip_grad_norm_on_the_full_gradient(sharded_results):
    r0, r1 = sharded_results
    assert len(r0["cases"]) == len(SEEDS) * len(NORM_TYPES)
    for (seed, p, total0, mine0), (_, _, total1, mine1) in zip(r0["cases"], r1["cases"]):
        g = torch.Generator().manual_seed(seed)
        grads = [
            torch.randn(5, 3, generator=g) * 3,
            torch.randn(7, generator=g),
            torch.randn(2, 2, generator=g),
        ]
        params = []
        for x in grads:
            w = torch.nn.Parameter(torch.zeros_like(x))
            w.grad = x.clone()
            params.append(w)
        ref = float(torch.nn.utils.clip_grad_norm_(params, 0.5, norm_type=p))
        assert total0 == total1  # every rank gets the same global norm
        assert math.isclose(total0, ref, rel_tol=1e-5), (seed, p, total0, ref)
        got = {0: mine0[0], 2: mine0[1], 1: mine1[0]}  # rank 0 holds tensors 0 and 2, rank 1 tensor 1
        for i, w in enumerate(params):
            assert torch.allclose(got[i], w.grad, rtol=1e-5, atol=1e-7), (seed, p, i)


def test_sharded_clip_with_an_empty_shard(sharded_results):
    r0, r1 = sharded_results
    assert r0["empty_total"] == pytest.approx(5.0) and r1["empty_total"] == pytest.approx(5.0)
    assert torch.allclose(r0["empty_grads"][0], torch.tensor([0.6, 0.8]), atol=1e-6)
    assert r1["empty_grads"] == []


def test_a_failing_worker_is_reported_and_everything_is_cleaned_up():
    before = _children()
    port = D.free_port()
    with pytest.raises(WorkerError) as info:
        run_workers(D.failing_demo, 2, port=port, timeout=60)
    err = info.value
    first = str(err).splitlines()[0]
    assert first.startswith("worker rank 1 failed: RuntimeError: The total norm of order 2.0")
    assert err.rank == 1
    assert "Traceback" in err.details and "failing_demo" in err.details
    assert not isinstance(err, WorkerTimeoutError)
    assert multiprocessing.active_children() == []
    assert _children() == before
    assert _port_is_free(port)


def test_a_hanging_worker_times_out_and_is_killed():
    before = _children()
    port = D.free_port()
    start = time.monotonic()
    with pytest.raises(WorkerTimeoutError, match=r"rank\(s\) 0, 1 did not finish within timeout=4 s"):
        run_workers(_hang, 2, port=port, timeout=4)
    assert time.monotonic() - start < 15
    assert multiprocessing.active_children() == []
    assert _children() == before
    assert _port_is_free(port)


def test_an_unpicklable_result_is_an_error_not_a_hang():
    with pytest.raises(WorkerError, match="worker rank 0 failed: the result of rank 0 cannot be sent back"):
        run_workers(_unpicklable, 1, timeout=60)
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_is_reported_with_its_exit_code_and_output():
    with pytest.raises(WorkerError) as info:
        run_workers(_dies, 1, timeout=60)
    assert str(info.value).startswith(
        "worker rank 0 failed: the process ended (exit code 3) without sending a result"
    )
    assert "about to exit" in info.value.details  # the worker's own output, captured in a file
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize(
    "kwargs, exc, text",
    [
        ({"seed": -1}, ValueError, "seed must be"),
        ({"max_norm": 0.0}, ValueError, "max_norm must be a positive finite number, got 0.0"),
        ({"max_norm": math.inf}, ValueError, "max_norm must be a positive finite number"),
        ({"batch": 0}, ValueError, "batch must be"),
        ({"seed": 1.5}, TypeError, "seed must be an int, got 1.5"),
    ],
)
def test_fsdp2_demo_checks_its_arguments_before_it_builds_a_mesh(kwargs, exc, text):
    # No process group is needed to be told what is wrong with an argument.
    with pytest.raises(exc, match=text):
        D.fsdp2_demo(0, 2, **kwargs)
