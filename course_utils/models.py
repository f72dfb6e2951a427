"""Models: a configurable MLP and a vanilla RNN for the gradient-clipping lessons."""

from __future__ import annotations

import math
from typing import Literal, cast

import torch
from torch import Tensor, nn

from ._validation import check_bool, check_choice, check_int, check_positive_finite

__all__ = ["MLP", "VanillaRNN", "count_parameters", "spectral_radius"]

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "identity": nn.Identity,
}
_GainName = Literal["tanh", "relu", "linear"]
_GAIN_NAME: dict[str, _GainName] = {"tanh": "tanh", "relu": "relu", "identity": "linear"}
_INITS = ("default", "xavier", "he", "normal")


class MLP(nn.Module):
    r"""A fully connected network with ``depth`` hidden layers of width ``hidden``.

    .. math::
        h_0 = x, \quad h_\ell = \phi(W_\ell h_{\ell-1} + b_\ell) \;(\ell = 1..L),
        \quad f(x) = W_{L+1} h_L + b_{L+1}

    with :math:`L` = ``depth`` and :math:`\phi` the activation (none after the
    output layer). ``depth=0`` is a single :class:`~torch.nn.Linear` layer.

    Weight initialisations (``init``), each followed by the factor
    ``init_scale`` on the weights:

    * ``"default"``: PyTorch's own :class:`~torch.nn.Linear` initialisation
      (biases kept as PyTorch draws them);
    * ``"xavier"``: :func:`torch.nn.init.xavier_normal_` with the gain of the
      activation that follows the layer (gain 1 for the output layer);
    * ``"he"``: :func:`torch.nn.init.kaiming_normal_` (fan-in mode) for the
      activation that follows the layer (``"linear"`` for the output layer);
    * ``"normal"``: :math:`W_{ij} \sim \mathcal{N}(0, (\text{init\_scale}/\sqrt{\text{fan\_in}})^2)`.

    Biases are zero for every initialisation except ``"default"``. With
    ``init="normal"`` and ``init_scale`` well above 1 (e.g. 3) the gradient
    norm grows layer after layer towards the input: exploding gradients.

    Args:
        in_features (int): input size, :math:`\ge 1`.
        out_features (int): output size, :math:`\ge 1`.
        hidden (int): width of each hidden layer, :math:`\ge 1`. Default: 32
        depth (int): number of hidden layers, :math:`\ge 0`. Default: 2
        activation (str): ``"tanh"``, ``"relu"`` or ``"identity"``. Default: ``"tanh"``
        init (str): ``"default"``, ``"xavier"``, ``"he"`` or ``"normal"``. Default: ``"default"``
        init_scale (float): positive finite factor on the initial weights. Default: 1.0

    Attributes:
        linears (nn.ModuleList): the ``depth + 1`` Linear layers, input to output.
        activation (nn.Module): the activation module.
    """

    linears: nn.ModuleList

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        hidden: int = 32,
        depth: int = 2,
        activation: str = "tanh",
        init: str = "default",
        init_scale: float = 1.0,
    ) -> None:
        super().__init__()
        in_features = check_int("in_features", in_features, minimum=1)
        out_features = check_int("out_features", out_features, minimum=1)
        hidden = check_int("hidden", hidden, minimum=1)
        depth = check_int("depth", depth, minimum=0)
        activation = check_choice("activation", activation, tuple(_ACTIVATIONS))
        init = check_choice("init", init, _INITS)
        init_scale = check_positive_finite("init_scale", init_scale)

        sizes = [in_features] + [hidden] * depth + [out_features]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.activation = _ACTIVATIONS[activation]()
        self.depth = depth
        self.activation_name = activation
        self.init = init
        self.init_scale = init_scale
        self._initialise(init, activation, init_scale)

    @torch.no_grad()
    def _initialise(self, init: str, activation: str, init_scale: float) -> None:
        last = len(self.linears) - 1
        for i, module in enumerate(self.linears):
            layer = cast(nn.Linear, module)
            w = layer.weight
            gain_name: _GainName = _GAIN_NAME[activation] if i < last else "linear"
            if init == "default":
                pass
            elif init == "xavier":
                nn.init.xavier_normal_(w, gain=nn.init.calculate_gain(gain_name))
            elif init == "he":
                nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity=gain_name)
            else:  # "normal"
                nn.init.normal_(w, mean=0.0, std=1.0 / math.sqrt(w.shape[1]))
            if init_scale != 1.0:
                w.mul_(init_scale)
            if init != "default":
                nn.init.zeros_(layer.bias)

    def forward(self, x: Tensor) -> Tensor:
        r"""Apply the network.

        Args:
            x (Tensor): inputs of shape ``(..., in_features)``.

        Returns:
            Outputs of shape ``(..., out_features)``.
        """
        last = len(self.linears) - 1
        for i, layer in enumerate(self.linears):
            x = layer(x)
            if i < last:
                x = self.activation(x)
        return x

    def extra_repr(self) -> str:
        """Return the depth and initialisation, shown in ``repr(model)``."""
        return f"depth={self.depth}, init={self.init!r}, init_scale={self.init_scale:g}"


def spectral_radius(matrix: Tensor) -> float:
    r"""Compute the spectral radius :math:`\rho(W) = \max_i |\lambda_i(W)|` of a square matrix.

    The eigenvalues are computed with :func:`torch.linalg.eigvals` in double
    precision.

    Args:
        matrix (Tensor): a square 2-D tensor.

    Returns:
        The largest eigenvalue modulus, as a Python float.
    """
    if not isinstance(matrix, Tensor):
        raise TypeError(f"matrix must be a torch.Tensor, got {type(matrix).__name__}")
    if matrix.dim() != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be a square 2-D tensor, got shape {tuple(matrix.shape)}")
    with torch.no_grad():
        eig = torch.linalg.eigvals(matrix.detach().to(torch.float64))
        return float(eig.abs().max().item())


class VanillaRNN(nn.Module):
    r"""An Elman RNN with a linear read-out of the last hidden state.

    .. math::
        h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}), \quad h_0 = 0,
        \quad \hat y = W_{out} h_T + b_{out}

    with :math:`\phi` = ``tanh`` or ``relu``. The recurrence is an
    :class:`~torch.nn.RNN` with ``batch_first=True`` (attribute ``rnn``), the
    read-out an :class:`~torch.nn.Linear` (attribute ``head``). The spectral
    radius of :math:`W_{hh}` controls whether gradients through time vanish
    (:math:`\rho < 1`) or can explode (:math:`\rho > 1`).

    Args:
        input_size (int): features per time step, :math:`\ge 1`.
        hidden_size (int): size of the hidden state, :math:`\ge 1`.
        output_size (int): size of the output, :math:`\ge 1`.
        nonlinearity (str): ``"tanh"`` or ``"relu"``. Default: ``"tanh"``
        spectral_radius (float, optional): if given, :math:`W_{hh}` is rescaled
            at construction so that its spectral radius is this positive
            finite number (see :meth:`set_spectral_radius`). Default: ``None``
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        *,
        nonlinearity: str = "tanh",
        spectral_radius: float | None = None,
    ) -> None:
        super().__init__()
        input_size = check_int("input_size", input_size, minimum=1)
        hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        output_size = check_int("output_size", output_size, minimum=1)
        nonlinearity = check_choice("nonlinearity", nonlinearity, ("tanh", "relu"))
        if spectral_radius is not None:
            check_positive_finite("spectral_radius", spectral_radius)
        self.rnn = nn.RNN(input_size, hidden_size, nonlinearity=nonlinearity, batch_first=True)
        self.head = nn.Linear(hidden_size, output_size)
        self.nonlinearity = nonlinearity
        if spectral_radius is not None:
            self.set_spectral_radius(spectral_radius)

    def set_spectral_radius(self, rho: float) -> None:
        r"""Rescale the recurrent matrix in place so that its spectral radius is ``rho``.

        .. math::
            W_{hh} \leftarrow \frac{\rho}{\max_i |\lambda_i(W_{hh})|} W_{hh}

        The eigenvalues are computed with :func:`torch.linalg.eigvals`; the
        update runs under :func:`torch.no_grad`.

        Args:
            rho (float): the target spectral radius, positive and finite.

        Returns:
            None
        """
        rho = check_positive_finite("rho", rho)
        w = cast(Tensor, self.rnn.weight_hh_l0)
        current = spectral_radius(w)
        if not (current > 0.0 and math.isfinite(current)):
            raise ValueError(
                f"cannot rescale rnn.weight_hh_l0 to spectral radius {rho}: "
                f"its current spectral radius is {current}"
            )
        with torch.no_grad():
            w.mul_(rho / current)

    def forward(self, x: Tensor, return_hidden: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        r"""Run the RNN over the sequences and read out the last hidden state.

        Args:
            x (Tensor): inputs of shape ``(batch, T, input_size)``.
            return_hidden (bool): also return the hidden states
                :math:`h_1, \dots, h_T`. Default: ``False``

        Returns:
            The output of shape ``(batch, output_size)``; with
            ``return_hidden=True`` the pair ``(output, hidden)`` where
            ``hidden`` has shape ``(batch, T, hidden_size)``.

            When gradients are enabled, ``hidden`` is a leaf tensor wired into
            the recurrence so that its gradient is the *total* derivative
            :math:`\partial L / \partial h_t` (through all later time steps):
            after ``loss.backward()``, ``hidden.grad[:, t]`` holds it, and
            ``torch.autograd.grad(loss, hidden)`` returns it. Parameter
            gradients are the same as without ``return_hidden``. (The
            recurrence then runs step by step in Python, which is slower.)
        """
        check_bool("return_hidden", return_hidden)
        if not isinstance(x, Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        if x.dim() != 3:
            raise ValueError(f"x must have shape (batch, T, input_size), got shape {tuple(x.shape)}")
        if not return_hidden:
            out, _ = self.rnn(x)
            return self.head(out[:, -1])
        if not torch.is_grad_enabled():
            out, _ = self.rnn(x)
            return self.head(out[:, -1]), out
        return self._forward_with_probes(x)

    def _forward_with_probes(self, x: Tensor) -> tuple[Tensor, Tensor]:
        # Pass 1 (no graph): the hidden state values. Pass 2: the same
        # recurrence with a zero-valued "probe" (probe - probe.detach()) added
        # to each h_t; the gradient reaching the probe leaf is dL/dh_t.
        cell = self._step
        with torch.no_grad():
            h = x.new_zeros(x.shape[0], self.rnn.hidden_size)
            values = []
            for t in range(x.shape[1]):
                h = cell(x[:, t], h)
                values.append(h)
            hidden = torch.stack(values, dim=1)
        hidden.requires_grad_(True)
        h = x.new_zeros(x.shape[0], self.rnn.hidden_size)
        for t in range(x.shape[1]):
            probe = hidden[:, t]
            h = cell(x[:, t], h) + (probe - probe.detach())
        return self.head(h), hidden

    def _step(self, x_t: Tensor, h: Tensor) -> Tensor:
        rnn = self.rnn
        w_ih, b_ih = cast(Tensor, rnn.weight_ih_l0), cast(Tensor, rnn.bias_ih_l0)
        w_hh, b_hh = cast(Tensor, rnn.weight_hh_l0), cast(Tensor, rnn.bias_hh_l0)
        pre = nn.functional.linear(x_t, w_ih, b_ih)
        pre = pre + nn.functional.linear(h, w_hh, b_hh)
        return torch.tanh(pre) if self.nonlinearity == "tanh" else torch.relu(pre)


def count_parameters(model: nn.Module) -> int:
    r"""Count the scalar parameters of a model, :math:`\sum_p \text{numel}(p)`.

    Args:
        model (nn.Module): the model.

    Returns:
        The total number of elements of all of ``model.parameters()``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters())
