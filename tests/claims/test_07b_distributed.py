"""Claims of lesson 07b's distributed section (solutions/07b_production), rerun with 2 real gloo processes.

One ``run_workers`` call (2 processes) computes every seed's data-parallel and sharded demos, so the
5 seeds cost one process start (about 3 s), not five.
"""

from __future__ import annotations

import math
import multiprocessing
import socket

from lesson_settings import lesson_settings
import pytest
import torch

from support import SEEDS
from course_utils.distributed import (
    WorkerError,
    ddp_demo,
    demo_gradient,
    failing_demo,
    free_port,
    fsdp2_demo,
    run_workers,
    sharded_demo,
)

# The lesson's settings (distributed section), read from the lesson (tests/lesson_settings.py).
DIST_WORKERS, DDP_MAX_NORM = lesson_settings("07b_production", "DIST_WORKERS", "DDP_MAX_NORM")
SHARD_MAX_NORM, SHARD_NORM_TYPES = lesson_settings("07b_production", "SHARD_MAX_NORM", "SHARD_NORM_TYPES")


def _lesson_runs(rank: int, world_size: int, seeds):
    """Worker (imported by name in the spawned processes): the lesson's demos for every seed."""
    return {
        seed: {
            "ddp": ddp_demo(rank, world_size, seed, DDP_MAX_NORM),
            "real_ddp": ddp_demo(rank, world_size, seed, DDP_MAX_NORM, use_ddp=True),
            "sharded": sharded_demo(rank, world_size, seed, SHARD_MAX_NORM, SHARD_NORM_TYPES),
            "fsdp2": fsdp2_demo(rank, world_size, seed, DDP_MAX_NORM),
        }
        for seed in seeds
    }


@pytest.fixture(scope="module")
def runs():
    return run_workers(_lesson_runs, DIST_WORKERS, args=(SEEDS,), timeout=120)


def _reference_clip(grad, max_norm, norm_type):
    w = torch.nn.Parameter(torch.zeros_like(grad))
    w.grad = grad.clone()
    norm = torch.nn.utils.clip_grad_norm_([w], max_norm, norm_type=norm_type)
    return norm.item(), w.grad


def _factors(results, kind, p):
    return [(r[kind][p][1].norm() / r["shard"].norm()).item() for r in results]


@pytest.mark.claim("07-ddp-same-clip")
@pytest.mark.parametrize("seed", SEEDS)
def test_every_worker_clips_the_same_averaged_gradient(runs, seed):
    r0, r1 = (run[seed]["ddp"] for run in runs)
    assert abs(r0["local_norm"] - r1["local_norm"]) > 1e-3 * r0["local_norm"]  # different batches
    average = (r0["local"] + r1["local"]) / 2
    assert r0["total_norm"] == r1["total_norm"]
    assert math.isclose(r0["total_norm"], average.norm().item(), rel_tol=1e-5)
    assert r0["total_norm"] > DDP_MAX_NORM  # the clip is active
    assert torch.equal(r0["clipped"], r1["clipped"])
    assert math.isclose(r0["clipped"].norm().item(), DDP_MAX_NORM, rel_tol=1e-4)
    # The same with the model wrapped in real DDP (use_ddp=True), whose backward() averages.
    d0, d1 = (run[seed]["real_ddp"] for run in runs)
    assert torch.equal(d0["clipped"], d1["clipped"])
    assert torch.allclose(d0["clipped"], r0["clipped"], rtol=1e-5, atol=1e-8)


@pytest.mark.claim("07-sharded-local-wrong")
@pytest.mark.parametrize("seed", SEEDS)
def test_local_norms_scale_the_shards_differently(runs, seed):
    results = [run[seed]["sharded"] for run in runs]
    full = demo_gradient(seed)
    for p in SHARD_NORM_TYPES:
        _, ref = _reference_clip(full, SHARD_MAX_NORM, p)
        local = _factors(results, "local", p)
        assert abs(local[0] - local[1]) > 0.05 * max(local), (p, local)
        assert not torch.allclose(torch.cat([r["local"][p][1] for r in results]), ref, rtol=1e-3)
        if math.isinf(p):  # the half holding the largest entry gets the right factor, the other not
            right = _factors(results, "global", p)[0]
            assert sum(math.isclose(f, right, rel_tol=1e-4) for f in local) == 1


@pytest.mark.claim("07-sharded-equals-full")
@pytest.mark.parametrize("seed", SEEDS)
def test_global_norm_clip_equals_clip_grad_norm_on_the_full_gradient(runs, seed):
    results = [run[seed]["sharded"] for run in runs]
    full = demo_gradient(seed)
    assert torch.equal(torch.cat([r["shard"] for r in results]), full)
    ddp0, ddp1 = (run[seed]["ddp"] for run in runs)  # the gradient the data-parallel workers averaged
    assert torch.allclose((ddp0["local"] + ddp1["local"]) / 2, full, rtol=1e-5, atol=1e-7)
    for p in SHARD_NORM_TYPES:
        ref_norm, ref = _reference_clip(full, SHARD_MAX_NORM, p)
        norms = [r["global"][p][0] for r in results]
        assert norms[0] == norms[1] and math.isclose(norms[0], ref_norm, rel_tol=1e-5)
        factors = _factors(results, "global", p)
        assert math.isclose(factors[0], factors[1], rel_tol=1e-4)
        assert torch.allclose(torch.cat([r["global"][p][1] for r in results]), ref, rtol=1e-5, atol=1e-8)


@pytest.mark.claim("07-worker-failure-reported")
def test_a_failing_worker_is_reported_and_no_process_is_left():
    # failing_demo has no randomness: one run (2 processes) checks the claim.
    port = free_port()
    with pytest.raises(WorkerError) as info:
        run_workers(failing_demo, DIST_WORKERS, port=port, timeout=60)
    first = str(info.value).splitlines()[0]
    assert info.value.rank == 1
    assert first.startswith("worker rank 1 failed: RuntimeError:") and "non-finite" in first
    assert len(info.value.details.splitlines()) > 3
    assert multiprocessing.active_children() == []
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))  # the rendezvous port was released


@pytest.mark.claim("07-fsdp2-global-norm")
@pytest.mark.parametrize("seed", SEEDS)
def test_fsdp2_clip_grad_norm_on_dtensor_shards_is_the_global_clip(runs, seed):
    r0, r1 = (run[seed]["fsdp2"] for run in runs)
    assert set(r0["grad_types"]) == {"DTensor"} and r0["total_type"] == "DTensor"
    assert r0["total_placements"] == ["Replicate()"]
    assert r1["local_shapes"][-2:] == [(0, 16), (0,)], "rank 1 holds no row of the one-row output layer"
    ref_norm, ref = _reference_clip(demo_gradient(seed), DDP_MAX_NORM, 2.0)
    # neither rank's pieces carry the whole norm; the squares of the pieces add up to it
    assert max(r0["local_norm"], r1["local_norm"]) < ref_norm * (1 - 1e-3)
    assert math.hypot(r0["local_norm"], r1["local_norm"]) == pytest.approx(ref_norm, rel=1e-5)
    assert r0["total_norm"] == r1["total_norm"] == pytest.approx(ref_norm, rel=1e-5)
    assert ref_norm > DDP_MAX_NORM  # the clip is active
    assert torch.allclose(r0["clipped"], ref, rtol=1e-5, atol=1e-8)
    assert torch.equal(r0["clipped"], r1["clipped"])
    # the same clip as data parallelism: FSDP2's gradient is the average of the ranks' gradients
    assert torch.allclose(r0["clipped"], run_ddp_clipped(runs, seed), rtol=1e-5, atol=1e-8)
    if seed == 0:
        assert (round(r0["local_norm"], 3), round(r1["local_norm"], 3), round(r0["total_norm"], 3)) == (
            1.9,
            1.196,
            2.245,
        )


def run_ddp_clipped(runs, seed):
    return runs[0][seed]["ddp"]["clipped"]
