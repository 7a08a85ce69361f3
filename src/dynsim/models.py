"""Recurrent networks that return their whole hidden trajectory.

Every architecture maps inputs (trial, time, input) to ``(outputs, hidden)`` with outputs
(trial, time, output) from a linear readout of the hidden state and hidden (trial, time, unit).
Time constants: α = dt / τ is the fraction of the state updated per step (α = 1: no leak).
Noise is added only in training mode (``model.train()``), so recordings are deterministic.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import torch
from torch import nn

ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "softplus": nn.functional.softplus,
    "leaky_relu": nn.functional.leaky_relu,
}


class RecurrentNetwork(nn.Module):
    """Shared interface: ``forward(inputs) -> (outputs, hidden)``; a ``readout`` layer."""

    arch: ClassVar[str] = "recurrent"

    def __init__(self, n_input: int, n_hidden: int, n_output: int, dt: float, tau: float) -> None:
        super().__init__()
        if min(n_input, n_hidden, n_output) < 1:
            raise ValueError("layer sizes must be positive")
        if not 0 < dt <= tau:
            raise ValueError(f"need 0 < dt ≤ tau, got dt={dt}, tau={tau}")
        self.n_input, self.n_hidden, self.n_output = n_input, n_hidden, n_output
        self.alpha = dt / tau
        self.readout = nn.Linear(n_hidden, n_output)

    def step(self, x: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def input_parameters(self) -> list[nn.Parameter]:
        """The parameters that map inputs into the network (trainable in 'frozen' regimes)."""
        raise NotImplementedError

    def forward(
        self, inputs: torch.Tensor, hidden0: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        n_trials, n_steps, _ = inputs.shape
        hidden = inputs.new_zeros(n_trials, self.n_hidden) if hidden0 is None else hidden0
        trajectory = []
        for t in range(n_steps):
            hidden = self.step(inputs[:, t], hidden)
            trajectory.append(hidden)
        states = torch.stack(trajectory, dim=1)
        return self.readout(states), states


class LeakyRNN(RecurrentNetwork):
    """h ← (1 − α) h + α f(W_in x + W_rec h + b + σ_rec √(2/α) ε).

    W_rec is initialised as ``init_gain`` · N(0, 1/n_hidden) (gain 1 is at the edge of chaos
    for tanh). The √(2/α) scaling keeps the stationary noise level independent of dt, as in
    Yang et al. (2019).
    """

    arch = "leaky_rnn"

    def __init__(
        self,
        n_input: int,
        n_hidden: int,
        n_output: int,
        *,
        dt: float = 20.0,
        tau: float = 100.0,
        activation: str = "relu",
        noise_std: float = 0.05,
        init_gain: float = 1.0,
    ) -> None:
        super().__init__(n_input, n_hidden, n_output, dt, tau)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.activation_name = activation
        self.activation = ACTIVATIONS[activation]
        self.noise_std = float(noise_std)
        self.input = nn.Linear(n_input, n_hidden)
        self.recurrent = nn.Linear(n_hidden, n_hidden, bias=False)
        with torch.no_grad():
            self.recurrent.weight.normal_(0.0, init_gain / math.sqrt(n_hidden))

    def step(self, x: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        drive = self.input(x) + self.recurrent(hidden)
        if self.training and self.noise_std > 0:
            drive = drive + self.noise_std * math.sqrt(2 / self.alpha) * torch.randn_like(drive)
        return (1 - self.alpha) * hidden + self.alpha * self.activation(drive)

    def input_parameters(self) -> list[nn.Parameter]:
        return list(self.input.parameters())


class LeakyGRU(RecurrentNetwork):
    """A GRU cell whose new state is mixed in at rate α: h ← (1 − α) h + α GRU(x, h)."""

    arch = "gru"

    def __init__(
        self,
        n_input: int,
        n_hidden: int,
        n_output: int,
        *,
        dt: float = 20.0,
        tau: float = 100.0,
        noise_std: float = 0.05,
    ) -> None:
        super().__init__(n_input, n_hidden, n_output, dt, tau)
        self.noise_std = float(noise_std)
        self.cell = nn.GRUCell(n_input, n_hidden)

    def step(self, x: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        new = self.cell(x, hidden)
        if self.training and self.noise_std > 0:
            new = new + self.noise_std * torch.randn_like(new)
        return (1 - self.alpha) * hidden + self.alpha * new

    def input_parameters(self) -> list[nn.Parameter]:
        return [self.cell.weight_ih, self.cell.bias_ih]


ARCHITECTURES: dict[str, type[RecurrentNetwork]] = {cls.arch: cls for cls in (LeakyRNN, LeakyGRU)}


def available() -> list[str]:
    return sorted(ARCHITECTURES)


def build(arch: str, n_input: int, n_hidden: int, n_output: int, **params: Any) -> RecurrentNetwork:
    """A network by architecture name; ``params`` are that architecture's keyword arguments."""
    try:
        cls = ARCHITECTURES[arch]
    except KeyError:
        raise ValueError(
            f"unknown architecture {arch!r}; available: {', '.join(available())}"
        ) from None
    return cls(n_input, n_hidden, n_output, **params)
