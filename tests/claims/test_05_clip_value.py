"""Claims of lesson 05 (solutions/05_clip_value), each rerun over several seeds."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from lesson_settings import lesson_settings
from support import SEEDS
from course_utils.checks import params_with_grads

# The lesson's settings, read from the lesson (tests/lesson_settings.py).
CLIP, DIM, N_GRADS = lesson_settings("05_clip_value", "CLIP", "DIM", "N_GRADS")
C_OVER_RMS = lesson_settings("05_clip_value", "C_OVER_RMS")
N_CURVE = lesson_settings("05_clip_value", "N_CURVE")


def angle_deg(a: torch.Tensor, b: torch.Tensor) -> float:
    cos = F.cosine_similarity(a.double(), b.double(), dim=0).clamp(-1.0, 1.0)
    return math.degrees(math.acos(cos.item()))


def random_gradients(n: int, dim: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """The lesson's random gradients: Gaussian and Student-t with 2 degrees of freedom."""
    gauss = torch.randn(n, dim, generator=generator)
    normal = torch.randn(n, dim, generator=generator)
    chi2 = (torch.randn(n, dim, 2, generator=generator) ** 2).sum(-1)
    return {"Gaussian": gauss, "heavy-tailed": normal / torch.sqrt(chi2 / 2)}


def mean_angles(grads: torch.Tensor, c_over_rms: torch.Tensor) -> list[float]:
    rms = grads.pow(2).mean(dim=1, keepdim=True).sqrt()
    out = []
    for r in c_over_rms.tolist():
        clipped = torch.maximum(torch.minimum(grads, r * rms), -r * rms)
        out.append(sum(angle_deg(a, b) for a, b in zip(grads, clipped)) / len(grads))
    return out


@pytest.mark.claim("05-example-angle")
@pytest.mark.parametrize("seed", SEEDS)
def test_the_example_turns_by_a_few_degrees_under_value_clipping_only(seed):
    scale = 0.1 + 10 * torch.rand((), generator=torch.Generator().manual_seed(seed)).item()
    g = torch.tensor([3.0, 0.1]) * scale  # the lesson's example, at any scale with c scaled alike
    c = CLIP * scale
    by_value = g.clamp(-c, c)
    assert torch.allclose(by_value, torch.tensor([1.0, 0.1]) * scale)
    assert 3.0 < angle_deg(g, by_value) < 5.0  # measured 3.8 degrees, not 16
    assert angle_deg(g, g * (c / g.norm())) < 1e-4


@pytest.mark.claim("05-inplace-none")
@pytest.mark.parametrize("seed", SEEDS)
def test_clip_grad_value_is_in_place_returns_none_and_skips_none(seed):
    gen = torch.Generator().manual_seed(seed)
    grads = [3 * torch.randn(4, generator=gen), None, 3 * torch.randn(2, 3, generator=gen)]
    params = params_with_grads(*grads)
    objects = [p.grad for p in params]
    assert torch.nn.utils.clip_grad_value_(params, clip_value=CLIP) is None
    assert params[1].grad is None
    for p, obj, g in zip(params, objects, grads):
        if g is not None:
            assert p.grad is obj and torch.equal(p.grad, g.clamp(-CLIP, CLIP))
            assert not torch.equal(p.grad, g)  # something was clipped, so in place really changed it


@pytest.mark.claim("05-bounded")
@pytest.mark.parametrize("seed", SEEDS)
def test_value_clipping_bounds_every_element(seed):
    for grads in random_gradients(N_GRADS // 2, DIM, torch.Generator().manual_seed(seed)).values():
        assert grads.abs().max() > CLIP
        params = params_with_grads(*grads)
        torch.nn.utils.clip_grad_value_(params, CLIP)
        assert max(p.grad.abs().max().item() for p in params) <= CLIP


@pytest.mark.claim("05-descent")
@pytest.mark.parametrize("seed", SEEDS)
def test_clipped_gradient_is_a_descent_direction_but_turned(seed):
    angles = {}
    for kind, grads in random_gradients(N_GRADS // 2, DIM, torch.Generator().manual_seed(seed)).items():
        clipped = grads.clamp(-CLIP, CLIP)
        assert bool(((grads * clipped).sum(dim=1) > 0).all())
        angles[kind] = torch.tensor([angle_deg(a, b) for a, b in zip(grads, clipped)])
    assert angles["Gaussian"].min() > 10 and angles["Gaussian"].max() < 30
    assert angles["heavy-tailed"].min() > angles["Gaussian"].max()
    assert angles["heavy-tailed"].max() < 90


@pytest.mark.claim("05-angle-zero-or-positive")
@pytest.mark.parametrize("seed", SEEDS)
def test_angle_is_zero_without_clipping_and_positive_with_partial_clipping(seed):
    gen = torch.Generator().manual_seed(seed)
    grads = random_gradients(N_CURVE, DIM, gen)
    for g in grads["Gaussian"][:5]:
        largest = g.abs().max()
        assert angle_deg(g, g.clamp(-largest, largest)) == 0.0
        assert angle_deg(g, g.clamp(-2 * largest, 2 * largest)) == 0.0
        c = g.abs().median()  # about half the elements are cut, half are not
        assert 0 < int((g.abs() > c).sum()) < g.numel()
        assert angle_deg(g, g.clamp(-c, c)) > 1.0
    gauss, heavy = mean_angles(grads["Gaussian"], C_OVER_RMS), mean_angles(grads["heavy-tailed"], C_OVER_RMS)
    assert all(h > g for h, g in zip(heavy, gauss))
    assert all(a >= b for a, b in zip(gauss, gauss[1:]))  # the turn shrinks as c grows


@pytest.mark.claim("05-sign-limit")
@pytest.mark.parametrize("seed", SEEDS)
def test_tiny_c_gives_the_sign_vector_about_37_degrees_for_gaussian(seed):
    grads = random_gradients(N_CURVE, DIM, torch.Generator().manual_seed(seed))["Gaussian"]
    to_sign = [angle_deg(g, g.sign()) for g in grads]
    assert all(35.0 < a < 39.5 for a in to_sign)  # arccos(sqrt(2/pi)) = 37.0 degrees in the limit
    tiny = mean_angles(grads, torch.tensor([1e-4]))[0]
    assert abs(tiny - sum(to_sign) / len(to_sign)) < 0.1
    assert abs(mean_angles(grads, C_OVER_RMS[:1])[0] - tiny) < 3.0


@pytest.mark.claim("05-norm-keeps-direction")
@pytest.mark.parametrize("seed", SEEDS)
def test_norm_clipping_keeps_the_direction(seed):
    for grads in random_gradients(N_CURVE, DIM, torch.Generator().manual_seed(seed)).values():
        for fraction in (0.01, 0.5, 0.99):
            params = params_with_grads(*grads)
            for p, g in zip(params, grads):
                torch.nn.utils.clip_grad_norm_([p], max_norm=fraction * g.norm().item())
                assert not torch.equal(p.grad, g)
                cos = F.cosine_similarity(p.grad.double(), g.double(), dim=0).item()
                assert abs(cos - 1.0) < 1e-6


@pytest.mark.claim("05-layer-ratio")
@pytest.mark.parametrize("seed", SEEDS)
def test_one_value_bound_changes_the_layer_ratio_norm_clipping_keeps_it(seed):
    gen = torch.Generator().manual_seed(seed)
    big, small, c = torch.randn(DIM, generator=gen), 0.01 * torch.randn(DIM, generator=gen), 0.1
    assert (big.abs() > c).float().mean() > 0.8 and not bool((small.abs() > c).any())
    before = (big.norm() / small.norm()).item()
    after_value = (big.clamp(-c, c).norm() / small.clamp(-c, c).norm()).item()
    scale = min(1.0, 1.0 / torch.cat([big, small]).norm().item())
    after_norm = ((big * scale).norm() / (small * scale).norm()).item()
    assert 80 < before < 125 and after_value < 15
    assert math.isclose(after_norm, before, rel_tol=1e-5)


@pytest.mark.claim("05-ball-box")
@pytest.mark.parametrize("seed", SEEDS)
def test_norm_clipping_lands_on_the_circle_value_clipping_on_the_box(seed):
    gen = torch.Generator().manual_seed(seed)
    points = 3 * torch.randn(200, 2, generator=gen, dtype=torch.float64)
    norms = points.norm(dim=1, keepdim=True)
    by_norm = points * torch.clamp(CLIP / norms, max=1.0)
    by_value = points.clamp(-CLIP, CLIP)
    outside_ball = norms.squeeze(1) > CLIP
    outside_box = points.abs().max(dim=1).values > CLIP
    assert outside_ball.any() and outside_box.any()
    # norm clipping: onto the circle along the same ray; points inside the ball untouched
    assert torch.allclose(
        by_norm[outside_ball].norm(dim=1), torch.ones(int(outside_ball.sum()), dtype=torch.float64)
    )
    assert all(angle_deg(p, q) < 1e-4 for p, q in zip(points, by_norm))
    assert torch.equal(by_norm[~outside_ball], points[~outside_ball])
    # value clipping: onto the box's boundary; points inside the box untouched
    assert torch.allclose(
        by_value[outside_box].abs().max(dim=1).values, torch.ones(int(outside_box.sum()), dtype=torch.float64)
    )
    assert torch.equal(by_value[~outside_box], points[~outside_box])
    # inside the box but outside the ball: only norm clipping changes the point
    between = outside_ball & ~outside_box
    assert between.any()
    assert torch.equal(by_value[between], points[between])
    assert bool((by_norm[between].norm(dim=1) < points[between].norm(dim=1)).all())
    # a gradient on a diagonal or an axis keeps its direction under value clipping
    for p in (torch.tensor([1.5, 1.5]) * (1 + seed), torch.tensor([0.0, -2.0 - seed])):
        assert angle_deg(p, p.clamp(-CLIP, CLIP)) < 1e-4
