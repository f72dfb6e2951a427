"""Tests for course_utils.models."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from course_utils import MLP, VanillaRNN, count_parameters, spectral_radius


@pytest.mark.parametrize("depth", [0, 1, 3])
@pytest.mark.parametrize("activation", ["tanh", "relu", "identity"])
@pytest.mark.parametrize("init", ["default", "xavier", "he", "normal"])
def test_mlp_shapes_and_layers(depth: int, activation: str, init: str) -> None:
    torch.manual_seed(0)
    model = MLP(5, 3, hidden=7, depth=depth, activation=activation, init=init)
    assert isinstance(model.linears, nn.ModuleList)
    assert len(model.linears) == depth + 1
    assert all(isinstance(layer, nn.Linear) for layer in model.linears)
    assert model.linears[0].in_features == 5 and model.linears[-1].out_features == 3
    out = model(torch.randn(4, 5))
    assert out.shape == (4, 3)
    if init != "default":
        assert all(torch.equal(layer.bias, torch.zeros_like(layer.bias)) for layer in model.linears)


def test_depth_zero_is_a_single_linear_map() -> None:
    torch.manual_seed(0)
    model = MLP(4, 2, depth=0, activation="tanh")
    x = torch.randn(3, 4)
    layer = model.linears[0]
    assert torch.allclose(model(x), layer(x))


@pytest.mark.parametrize("init", ["default", "xavier", "he", "normal"])
def test_init_scale_multiplies_the_weights(init: str) -> None:
    torch.manual_seed(3)
    a = MLP(6, 2, depth=2, init=init)
    torch.manual_seed(3)
    b = MLP(6, 2, depth=2, init=init, init_scale=3.0)
    for la, lb in zip(a.linears, b.linears):
        assert torch.allclose(3.0 * la.weight, lb.weight)
        assert torch.equal(la.bias, lb.bias)


@pytest.mark.parametrize("seed", [0, 1])
def test_init_standard_deviations(seed: int) -> None:
    torch.manual_seed(seed)
    fan_in, width = 200, 300
    normal = MLP(fan_in, 1, hidden=width, depth=1, init="normal", init_scale=2.0)
    w = normal.linears[0].weight
    assert abs(w.std().item() / (2.0 / math.sqrt(fan_in)) - 1) < 0.05
    xavier = MLP(fan_in, 1, hidden=width, depth=1, activation="tanh", init="xavier")
    w = xavier.linears[0].weight
    expected = (5.0 / 3.0) * math.sqrt(2.0 / (fan_in + width))
    assert abs(w.std().item() / expected - 1) < 0.05
    he = MLP(fan_in, 1, hidden=width, depth=1, activation="relu", init="he")
    w = he.linears[0].weight
    assert abs(w.std().item() / math.sqrt(2.0 / fan_in) - 1) < 0.05


def _activation_variances(model: MLP, x: torch.Tensor) -> list[float]:
    out = []
    with torch.no_grad():
        for layer in model.linears[:-1]:
            x = model.activation(layer(x))
            out.append(x.pow(2).mean().item())
    return out


def _layer_grad_norms(model: MLP, x: torch.Tensor) -> list[float]:
    model.zero_grad()
    model(x).pow(2).mean().backward()
    return [layer.weight.grad.norm().item() for layer in model.linears]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_he_init_keeps_activation_variance_roughly_constant(seed: int) -> None:
    torch.manual_seed(seed)
    model = MLP(64, 1, hidden=64, depth=10, activation="relu", init="he")
    x = torch.randn(256, 64)
    var = _activation_variances(model, x)
    assert all(0.25 < v / var[0] < 4.0 for v in var)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_large_normal_init_explodes_gradients_with_depth(seed: int) -> None:
    x = torch.randn(256, 64, generator=torch.Generator().manual_seed(seed))
    torch.manual_seed(seed)
    steady = MLP(64, 1, hidden=64, depth=10, activation="tanh", init="he")
    torch.manual_seed(seed)
    wild = MLP(64, 1, hidden=64, depth=10, activation="tanh", init="normal", init_scale=3.0)
    g_steady = _layer_grad_norms(steady, x)[:-1]  # hidden layers, input side first
    g_wild = _layer_grad_norms(wild, x)[:-1]
    # "he": roughly the same gradient norm in every hidden layer
    assert 0.3 < g_steady[0] / g_steady[-1] < 2.0
    # init_scale 3: the gradient norm grows layer after layer towards the input
    assert g_wild[0] / g_wild[-1] > 3.0
    assert all(a > b for a, b in zip(g_wild[:6], g_wild[1:7]))
    assert g_wild[0] > 10 * g_steady[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("rho", [0.5, 1.0, 1.7])
def test_set_spectral_radius(seed: int, rho: float) -> None:
    torch.manual_seed(seed)
    model = VanillaRNN(2, 16, 1)
    model.set_spectral_radius(rho)
    w = model.rnn.weight_hh_l0
    assert abs(spectral_radius(w) - rho) < 1e-5
    eig = torch.linalg.eigvals(w.detach().double()).abs().max().item()
    assert abs(eig - rho) < 1e-5
    assert w.requires_grad and w.grad is None


def test_spectral_radius_at_construction() -> None:
    torch.manual_seed(0)
    model = VanillaRNN(2, 8, 1, spectral_radius=1.3, nonlinearity="relu")
    assert abs(spectral_radius(model.rnn.weight_hh_l0) - 1.3) < 1e-5


def test_zero_recurrent_matrix_cannot_be_rescaled() -> None:
    model = VanillaRNN(2, 4, 1)
    with torch.no_grad():
        model.rnn.weight_hh_l0.zero_()
    with pytest.raises(ValueError, match="spectral radius"):
        model.set_spectral_radius(1.0)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_forward_shapes_and_hidden_states(nonlinearity: str) -> None:
    torch.manual_seed(0)
    model = VanillaRNN(2, 8, 3, nonlinearity=nonlinearity)
    x = torch.randn(5, 7, 2)
    out = model(x)
    assert out.shape == (5, 3)
    out2, hidden = model(x, return_hidden=True)
    assert hidden.shape == (5, 7, 8)
    assert torch.allclose(out, out2, atol=1e-6)
    ref, _ = model.rnn(x)
    assert torch.allclose(hidden, ref, atol=1e-6)
    with torch.no_grad():
        out3, hidden3 = model(x, return_hidden=True)
    assert torch.allclose(out3, out, atol=1e-6) and torch.allclose(hidden3, ref, atol=1e-6)


def test_rnn_hidden_gradients_are_total_derivatives() -> None:
    torch.manual_seed(0)
    model = VanillaRNN(2, 6, 1, spectral_radius=0.9)
    x = torch.randn(4, 9, 2)
    y = torch.randn(4, 1)

    out, hidden = model(x, return_hidden=True)
    loss = (out - y).pow(2).mean()
    (g,) = torch.autograd.grad(loss, hidden, retain_graph=True)
    # last step: dL/dh_T = dL/dout @ W_head
    dout = 2 * (out - y) / out.numel()
    assert torch.allclose(g[:, -1], dout @ model.head.weight, atol=1e-6)
    # chain rule through the tanh recurrence: dL/dh_t = (dL/dh_{t+1} * (1 - h_{t+1}^2)) @ W_hh
    w_hh = model.rnn.weight_hh_l0
    for t in range(hidden.shape[1] - 1):
        expected = (g[:, t + 1] * (1 - hidden[:, t + 1].detach() ** 2)) @ w_hh
        assert torch.allclose(g[:, t], expected, atol=1e-6)
    assert g[:, 0].abs().sum() > 0

    # parameter gradients are the same as without return_hidden
    loss.backward()
    grads_probe = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    (model(x) - y).pow(2).mean().backward()
    for a, p in zip(grads_probe, model.parameters()):
        assert torch.allclose(a, p.grad, atol=1e-6)


def test_count_parameters() -> None:
    model = MLP(3, 2, hidden=4, depth=1)
    assert count_parameters(model) == (3 * 4 + 4) + (4 * 2 + 2)
    rnn = VanillaRNN(2, 5, 1)
    assert count_parameters(rnn) == sum(p.numel() for p in rnn.parameters())


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: MLP(0, 1), ValueError, "in_features"),
        (lambda: MLP(2, 0), ValueError, "out_features"),
        (lambda: MLP(2.0, 1), TypeError, "in_features"),
        (lambda: MLP(2, 1, hidden=0), ValueError, "hidden"),
        (lambda: MLP(2, 1, depth=-1), ValueError, "depth"),
        (lambda: MLP(2, 1, depth=True), TypeError, "depth"),
        (lambda: MLP(2, 1, activation="sigmoid"), ValueError, "activation"),
        (lambda: MLP(2, 1, activation=None), TypeError, "activation"),
        (lambda: MLP(2, 1, init="orthogonal"), ValueError, "init"),
        (lambda: MLP(2, 1, init_scale=0.0), ValueError, "init_scale"),
        (lambda: MLP(2, 1, init_scale=float("inf")), ValueError, "init_scale"),
        (lambda: VanillaRNN(0, 2, 1), ValueError, "input_size"),
        (lambda: VanillaRNN(1, 0, 1), ValueError, "hidden_size"),
        (lambda: VanillaRNN(1, 2, 0), ValueError, "output_size"),
        (lambda: VanillaRNN(1, 2, 1, nonlinearity="gelu"), ValueError, "nonlinearity"),
        (lambda: VanillaRNN(1, 2, 1, spectral_radius=-1.0), ValueError, "spectral_radius"),
        (lambda: VanillaRNN(1, 2, 1).set_spectral_radius(0.0), ValueError, "rho"),
        (lambda: VanillaRNN(1, 2, 1).set_spectral_radius("1"), TypeError, "rho"),
        (lambda: VanillaRNN(1, 2, 1)(torch.zeros(3, 2)), ValueError, "x"),
        (lambda: VanillaRNN(1, 2, 1)(torch.zeros(3, 2, 1), return_hidden=1), TypeError, "return_hidden"),
        (lambda: spectral_radius(torch.zeros(2, 3)), ValueError, "matrix"),
        (lambda: count_parameters("model"), TypeError, "model"),
    ],
)
def test_bad_arguments(call, exc: type[Exception], name: str) -> None:
    with pytest.raises(exc, match=name) as info:
        call()
    assert "got" in str(info.value)
