"""Claims of lesson 04 (solutions/04_clip_norm), each rerun over several seeds."""

from __future__ import annotations

import math
import statistics
import time

import pytest
import torch

from lesson_settings import lesson_settings
from support import SEEDS
from course_utils import MLP, make_regression, seed_everything
from course_utils.checks import params_with_grads

# The lesson's settings, read from the lesson (tests/lesson_settings.py).
MAX_NORM = lesson_settings("04_clip_norm", "MAX_NORM")
LR, STEP_MAX_NORM = lesson_settings("04_clip_norm", "LR", "STEP_MAX_NORM")
N_LAYERS, WIDTH = lesson_settings("04_clip_norm", "N_LAYERS", "WIDTH")


def _mlp(seed: int) -> MLP:
    seed_everything(seed)
    X, y = make_regression(n_samples=256, n_features=8, seed=seed)
    model = MLP(8, 1, hidden=32, depth=2)
    torch.nn.functional.mse_loss(model(X), y).backward()
    return model


@pytest.mark.claim("04-direction-kept")
@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_keeps_the_direction_and_caps_the_norm(seed):
    for max_norm in (MAX_NORM, 0.01, 0.3):
        model = _mlp(seed)
        before = torch.cat([p.grad.reshape(-1) for p in model.parameters()]).double()
        returned = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        after = torch.cat([p.grad.reshape(-1) for p in model.parameters()]).double()
        assert returned.item() > max_norm, "the lesson's case must actually clip"
        cos = torch.nn.functional.cosine_similarity(before, after, dim=0).item()
        assert abs(1 - cos) < 1e-6
        assert after.norm().item() <= max_norm * (1 + 1e-6)
        assert after.norm().item() == pytest.approx(max_norm * 0.999999, rel=1e-5)


@pytest.mark.claim("04-torch-facts")
@pytest.mark.parametrize("seed", SEEDS)
def test_the_table_of_clip_grad_norm_facts(seed):
    def clip(grads, max_norm=1.0, **kw):
        ps = params_with_grads(*grads)
        return torch.nn.utils.clip_grad_norm_(ps, max_norm, **kw).item(), [p.grad for p in ps]

    total, (g,) = clip([[0.6, 0.8]])
    assert total == pytest.approx(1.0, abs=1e-6) and g.norm().item() == pytest.approx(0.999999, abs=2e-7)
    assert g.norm().item() < 1.0
    total, (g, none) = clip([[3.0, 4.0], None])
    assert total == pytest.approx(5.0) and none is None and torch.allclose(g, torch.tensor([0.6, 0.8]))
    total, (g,) = clip([[0.3, 0.4]])
    assert total == pytest.approx(0.5) and torch.equal(g, torch.tensor([0.3, 0.4]))
    total, (g,) = clip([[3.0, -4.0]], norm_type=math.inf)
    assert total == 4.0 and torch.allclose(g, torch.tensor([0.75, -1.0]))
    total, (g,) = clip([[math.inf, 1.0]])
    assert total == math.inf and math.isnan(g[0].item()) and g[1].item() == 0.0
    total, (g,) = clip([[math.nan, 1.0]])
    assert math.isnan(total) and bool(g.isnan().all())
    for bad in ([math.inf, 1.0], [math.nan, 1.0]):
        with pytest.raises(RuntimeError):
            clip([bad], error_if_nonfinite=True)
    assert torch.nn.utils.clip_grad_value_(params_with_grads([3.0, -4.0]), 1.0) is None
    # a random below-threshold case stays unchanged and a random above-threshold one is capped
    gen = torch.Generator().manual_seed(seed)
    small = torch.randn(5, generator=gen)
    total, (g,) = clip([small], max_norm=small.norm().item() * 2)
    assert torch.equal(g, small)


@pytest.mark.claim("04-no-branch")
@pytest.mark.parametrize("seed", SEEDS)
def test_no_branch_and_the_two_halves(seed):
    ps = params_with_grads([0.9999995], dtype=torch.float64)
    total = torch.nn.utils.clip_grad_norm_(ps, 1.0)
    assert total.item() < 1.0 and ps[0].grad.item() < 0.9999995 - 1e-7
    gen = torch.Generator().manual_seed(seed)
    grads = [
        torch.randn(4, 3, generator=gen) * 5,
        torch.randn(3, generator=gen),
        torch.randn(2, 2, generator=gen),
    ]
    one, two = params_with_grads(*grads), params_with_grads(*grads)
    r1 = torch.nn.utils.clip_grad_norm_(one, 1.0)
    r2 = torch.nn.utils.get_total_norm([p.grad for p in two])
    torch.nn.utils.clip_grads_with_norm_(two, 1.0, r2)
    assert torch.equal(r1, r2) and all(torch.equal(a.grad, b.grad) for a, b in zip(one, two))


def _one_step(placement: str, seed: int) -> torch.Tensor:
    seed_everything(seed)
    X, y = make_regression(n_samples=256, n_features=8, seed=0)
    model = MLP(8, 1, hidden=32, depth=2)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.mse_loss(model(X), y)
    if placement == "before backward":
        torch.nn.utils.clip_grad_norm_(model.parameters(), STEP_MAX_NORM)
    loss.backward()
    if placement == "between":
        torch.nn.utils.clip_grad_norm_(model.parameters(), STEP_MAX_NORM)
    opt.step()
    if placement == "after step":
        torch.nn.utils.clip_grad_norm_(model.parameters(), STEP_MAX_NORM)
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


@pytest.mark.claim("04-placement")
@pytest.mark.parametrize("seed", SEEDS)
def test_only_the_clip_between_backward_and_step_changes_the_update(seed):
    unclipped = _one_step("none", seed)
    assert torch.equal(_one_step("before backward", seed), unclipped)
    assert torch.equal(_one_step("after step", seed), unclipped)
    assert not torch.allclose(_one_step("between", seed), unclipped)


def _deep_grads(seed: int) -> list[torch.Tensor]:
    seed_everything(seed)
    model = torch.nn.Sequential(*[torch.nn.Linear(WIDTH, WIDTH) for _ in range(N_LAYERS)])
    model(torch.randn(8, WIDTH)).pow(2).sum().backward()
    return [p.grad for p in model.parameters()]


def _norm_item_loop(grads):
    total = 0.0
    for g in grads:
        total += torch.linalg.vector_norm(g).item() ** 2
    return math.sqrt(total)


def _norm_vectorised(grads):
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))


@pytest.mark.claim("04-item-cpu-similar")
@pytest.mark.parametrize("seed", SEEDS)
def test_item_loop_and_vectorised_norm_take_similar_time_on_cpu(seed):
    grads = _deep_grads(seed)
    assert len(grads) == 2 * N_LAYERS
    fns = {"item": _norm_item_loop, "vec": _norm_vectorised, "torch": torch.nn.utils.get_total_norm}
    runs = {k: [] for k in fns}
    for _ in range(9):  # interleaved, so that a busy moment of the shared CPU hits all three alike
        for k, fn in fns.items():
            start = time.perf_counter()
            for _ in range(20):
                fn(grads)
            runs[k].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in runs.items()}
    assert 0.5 < med["item"] / med["vec"] < 2.0, med
    assert 0.5 < med["item"] / med["torch"] < 2.0, med


@pytest.mark.claim("04-no-branch")
@pytest.mark.parametrize("seed", SEEDS)
def test_only_a_nan_norm_tells_the_multiply_from_both_branches(seed):
    def always(grad, total):
        return grad * torch.clamp(1.0 / (total + 1e-6), max=1.0)

    def if_norm_above(grad, total):
        return grad * (1.0 / (total + 1e-6)) if total > 1.0 else grad

    def if_coef_below_one(grad, total):
        coef = 1.0 / (total + 1e-6)
        return grad * coef if coef < 1 else grad

    gen = torch.Generator().manual_seed(seed)
    direction = torch.randn(6, generator=gen, dtype=torch.float64)
    direction /= direction.norm()
    hair_below, at_threshold = direction * (1 - 5e-7), direction.clone()
    nan_grad = direction.clone()
    nan_grad[int(torch.randint(6, (1,), generator=gen))] = math.nan
    for grad in (hair_below, at_threshold, nan_grad):
        total = torch.nn.utils.get_total_norm([grad])
        ps = params_with_grads(grad.tolist(), dtype=torch.float64)
        torch.nn.utils.clip_grad_norm_(ps, 1.0)
        assert torch.equal(ps[0].grad.nan_to_num(), always(grad, total).nan_to_num())
        assert torch.equal(ps[0].grad.isnan(), always(grad, total).isnan())
    # Against `if total_norm > max_norm` the hair below and the threshold differ ...
    for grad in (hair_below, at_threshold):
        total = torch.nn.utils.get_total_norm([grad])
        assert torch.equal(if_norm_above(grad, total), grad)
        assert always(grad, total).norm().item() < grad.norm().item() - 4e-7
        # ... against `if clip_coef < 1` they do not.
        assert torch.equal(if_coef_below_one(grad, total), always(grad, total))
    # A NaN norm: both branches leave the gradient as it was, the multiply makes it all NaN.
    total = torch.nn.utils.get_total_norm([nan_grad])
    assert math.isnan(total.item())
    for branch in (if_norm_above, if_coef_below_one):
        assert branch(nan_grad, total) is nan_grad
    assert bool(always(nan_grad, total).isnan().all())


@pytest.mark.claim("04-foreach")
@pytest.mark.parametrize("seed", SEEDS)
def test_foreach_groups_by_dtype_and_matches_the_loop(seed):
    from torch.utils._foreach_utils import _group_tensors_by_device_and_dtype

    seed_everything(seed)
    mixed = [torch.randn(4, 3), torch.randn(5, dtype=torch.float64), torch.randn(3)]
    groups = _group_tensors_by_device_and_dtype([mixed])
    assert sorted(str(dtype) for _, dtype in groups) == ["torch.float32", "torch.float64"]
    for (_, _), ([tensors], _) in groups.items():
        for n, g in zip(torch._foreach_norm(tensors, 2.0), tensors):
            assert torch.equal(n, torch.linalg.vector_norm(g))
    by_foreach = torch.nn.utils.get_total_norm(mixed, foreach=True)
    by_loop = torch.nn.utils.get_total_norm(mixed, foreach=False)
    assert torch.equal(by_foreach, by_loop) and by_foreach.dtype == torch.float64
    one, two = params_with_grads(*mixed), params_with_grads(*mixed)
    torch.nn.utils.clip_grad_norm_(one, 0.5, foreach=True)
    torch.nn.utils.clip_grad_norm_(two, 0.5, foreach=False)
    assert all(torch.equal(a.grad, b.grad) for a, b in zip(one, two))


OPT_LR, OPT_STEPS, OPT_MAX_NORMS = lesson_settings("04_clip_norm", "OPT_LR", "OPT_STEPS", "OPT_MAX_NORMS")


def _last_clipped_step(optimizer_cls, max_norm, seed, **kwargs):
    """The lesson's run: OPT_STEPS clipped full-batch steps; the last step's length and cosine."""
    seed_everything(seed)
    X, y = make_regression(n_samples=256, n_features=8, seed=0)
    model = MLP(8, 1, hidden=32, depth=2)
    opt = optimizer_cls(model.parameters(), lr=OPT_LR, **kwargs)

    def flat(ts):
        return torch.cat([t.detach().reshape(-1) for t in ts]).double()

    n_clipped = 0
    for _ in range(OPT_STEPS):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(X), y).backward()
        n_clipped += int(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm) > max_norm)
        g, before = flat(p.grad for p in model.parameters()), flat(model.parameters())
        opt.step()
    step = flat(model.parameters()) - before
    cos = torch.nn.functional.cosine_similarity(step, -g, dim=0).item()
    return step.norm().item() / (OPT_LR * max_norm), cos, n_clipped


@pytest.mark.claim("04-optimizer-steps")
@pytest.mark.parametrize("seed", SEEDS)
def test_what_sgd_momentum_and_adam_make_of_the_clipped_gradient(seed):
    bound = (1 - 0.9**OPT_STEPS) / (1 - 0.9)
    adam = {}
    for max_norm in OPT_MAX_NORMS:
        ratio, cos, n = _last_clipped_step(torch.optim.SGD, max_norm, seed)
        assert n == OPT_STEPS, "the lesson's runs clip every step"
        # The step is new minus old float32 weights: rounding leaves the cosine 1 to about 2e-6.
        assert ratio == pytest.approx(1.0, abs=1e-5) and cos > 1 - 1e-5
        ratio, cos, n = _last_clipped_step(torch.optim.SGD, max_norm, seed, momentum=0.9)
        # Measured on seeds 0-4: 6.17-6.29 x at max_norm 0.5 (cosine 0.91-0.95), 6.51 x at 0.05.
        assert n == OPT_STEPS and 5.0 < ratio <= bound * (1 + 1e-6) and cos < 1 - 1e-4
        ratio, cos, n = _last_clipped_step(torch.optim.Adam, max_norm, seed)
        # Measured on seeds 0-4: 17.7-25.5 x lr*max_norm at 0.5, cosine 0.005-0.37.
        assert n == OPT_STEPS and ratio > 10 and cos < 0.5
        adam[max_norm] = ratio * OPT_LR * max_norm
    lengths = list(adam.values())
    assert max(lengths) == pytest.approx(min(lengths), rel=1e-3), adam
