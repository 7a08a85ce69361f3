"""Leaky recurrent architectures stepped in time: leaky RNN, update-gated leaky RNN, leaky GRU,
leaky LSTM.

Time constants: α = dt / τ is the fraction of the state updated per step (α = 1: no leak).
Noise is added only in training mode (``model.train()``), so recordings are deterministic.
It is drawn from torch's CPU generator on every device (:func:`network_noise`), so a seed gives
the same noise stream on CPU and GPU, and K seeds trained together
(:func:`dynsim.training.train_stacked`, which replays that stream) follow K single trainings
on a GPU as on the CPU.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dynsim.models.base import RecurrentNetwork


def network_noise(like: torch.Tensor) -> torch.Tensor:
    """Standard-normal noise shaped like ``like``, drawn from torch's global CPU generator and
    moved to ``like``'s device. On the CPU this is ``torch.randn_like`` itself (same numbers).
    Why not the device's own generator: CUDA's stream differs from the CPU's for the same seed,
    so GPU training would depend on where it ran, and stacked training (which replays the CPU
    stream per seed) would no longer equal single trainings there (measured on an H200: weight
    differences up to 1e-2 after 12 steps)."""
    if like.device.type == "cpu":
        return torch.randn_like(like)
    return torch.randn(like.shape, dtype=like.dtype).to(like.device)


ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "softplus": nn.functional.softplus,
    "leaky_relu": nn.functional.leaky_relu,
}


class _RateNetwork(RecurrentNetwork):
    """What the leaky RNN and the gated leaky RNN share: the activation φ, recurrent noise
    σ_rec √(2/α) ε added to the drive of φ (the √(2/α) keeps the stationary noise level
    independent of dt, as in Yang et al. 2019), W_in and b (``input``, ``blocks`` × unit rows)
    as torch's ``nn.Linear`` default, W_rec (``recurrent``, no bias) ``init_gain`` ·
    N(0, 1/unit). Raises ``ValueError`` for an activation not in :data:`ACTIVATIONS`."""

    def __init__(
        self,
        n_input: int,
        n_hidden: int,
        n_output: int,
        *,
        dt: float,
        tau: float,
        activation: str,
        noise_std: float,
        init_gain: float = 1.0,
        blocks: int = 1,
    ) -> None:
        super().__init__(n_input, n_hidden, n_output, dt, tau)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.activation_name = activation
        self.activation = ACTIVATIONS[activation]
        self.noise_std = float(noise_std)
        self.input = nn.Linear(n_input, blocks * n_hidden)
        self.recurrent = nn.Linear(n_hidden, blocks * n_hidden, bias=False)
        with torch.no_grad():
            self.recurrent.weight.normal_(0.0, init_gain / math.sqrt(n_hidden))

    def noisy(self, drive: torch.Tensor) -> torch.Tensor:
        """``drive`` plus the recurrent noise while training (unchanged in evaluation)."""
        if self.training and self.noise_std > 0:
            return drive + self.noise_std * math.sqrt(2 / self.alpha) * network_noise(drive)
        return drive

    def input_parameters(self) -> list[nn.Parameter]:
        return list(self.input.parameters())


class LeakyRNN(_RateNetwork):
    """h ← (1 − α) h + α f(W_in x + W_rec h + b + σ_rec √(2/α) ε).

    W_rec is initialised as ``init_gain`` · N(0, 1/n_hidden) (gain 1 is at the edge of chaos
    for tanh). The √(2/α) scaling keeps the stationary noise level independent of dt, as in
    Yang et al. (2019). Input weights: ``input`` (W_in and b).
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
        super().__init__(
            n_input,
            n_hidden,
            n_output,
            dt=dt,
            tau=tau,
            activation=activation,
            noise_std=noise_std,
            init_gain=init_gain,
        )

    def step(self, x: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        drive = self.noisy(self.input(x) + self.recurrent(hidden))
        return (1 - self.alpha) * hidden + self.alpha * self.activation(drive)


class GatedLeakyRNN(_RateNetwork):
    """A leaky RNN whose leak is gated per unit by a learned update gate.

    With x (trial, input) and h (trial, unit), one step is::

        [a_z, a_n] = W_in x + W_rec h + b              a_z, a_n: (trial, unit)
        z      = σ(a_z)                                 update gate, σ the logistic sigmoid
        n      = φ(a_n + σ_rec √(2/α) ε)                 φ = ``activation``; ε ~ N(0, 1), train only
        h_leak = (1 − α) h + α n                        dynsim's leaky-RNN step, α = dt / τ
        h      ← (1 − z) h + z h_leak  =  h + α z (n − h)

    W_in (2·unit, input) with bias b (2·unit,) and W_rec (2·unit, unit), rows in the block order
    [z, n]. With z ≡ 1 this is :class:`LeakyRNN` exactly (same drive, noise and leak); z ≡ 0
    keeps h. The noise is :class:`LeakyRNN`'s (in the drive of n, scaled √(2/α), drawn by
    :func:`network_noise`).

    Source: what Guilhot, Wójcik, Achterberg & Ponte Costa (2024, arXiv 2410.24070) train as
    their "leaky GRU" — the authors' ``LeakyGRUCell`` (github.com/qglht/RepAL): one affine map
    of input and hidden state split into reset, update and new blocks, n = φ(new block), and
    h ← (1 − z) h + z (d h + (1 − d) n) with their decay d. They set d = exp(−dt/τ) (their
    ``set_hyperparameters``, with 1 − dt/τ as the commented alternative), for their leaky RNN
    too; here d = 1 − α, the Euler leak of dynsim's :class:`LeakyRNN`, so that both rnn types
    share one discretisation (at dt = 20 ms, τ = 100 ms: d = 0.8 against exp(−0.2) ≈ 0.819).
    Their reset gate is computed but never used, so its block is omitted
    here: its weights reach no output and get no gradient, and would only be dead parameters
    (counted among the input weights, shrunk by weight decay). This is not dynsim's ``gru``
    (:class:`LeakyGRU`: torch's standard GRU cell, reset gate inside a tanh candidate n and
    h' = z h + (1 − z) n, leaked at rate α afterwards); here φ is configurable, as in the
    paper's grid, and there is no reset gate.

    Initialisation (dynsim's :class:`LeakyRNN` convention): W_in and b as torch's ``nn.Linear``
    default, U(−1/√input, 1/√input); W_rec (both blocks) N(0, 1/unit), gain 1; no recurrent
    bias. Input weights: ``input`` (W_in and b of both blocks).

    Raises ``ValueError`` for an activation not in :data:`ACTIVATIONS` (or bad sizes/dt, tau).
    """

    arch = "gated_leaky_rnn"

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
    ) -> None:
        super().__init__(
            n_input,
            n_hidden,
            n_output,
            dt=dt,
            tau=tau,
            activation=activation,
            noise_std=noise_std,
            blocks=2,  # rows [z, n]
        )

    def step(self, x: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        pre_z, pre_n = (self.input(x) + self.recurrent(hidden)).chunk(2, dim=-1)
        z = torch.sigmoid(pre_z)
        leaked = (1 - self.alpha) * hidden + self.alpha * self.activation(self.noisy(pre_n))
        return (1 - z) * hidden + z * leaked


class LeakyGRU(RecurrentNetwork):
    """A GRU cell whose new state is mixed in at rate α: h ← (1 − α) h + α GRU(x, h).

    Input weights: the cell's input-to-hidden weights and biases of all three gates.
    """

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
            new = new + self.noise_std * network_noise(new)
        return (1 - self.alpha) * hidden + self.alpha * new

    def input_parameters(self) -> list[nn.Parameter]:
        return [self.cell.weight_ih, self.cell.bias_ih]


class LeakyLSTM(RecurrentNetwork):
    """An LSTM cell whose new state is mixed in at rate α, for both h and the cell state c.

    (h, c) ← (1 − α)(h, c) + α LSTM(x, (h, c)). The recorded hidden state is h (the
    output the readout sees), not the cell state c. The forget gate's bias starts at 1 (a
    common choice that eases learning of long memories). Input weights: the cell's
    input-to-hidden weights and biases of all four gates.
    """

    arch = "lstm"

    def __init__(
        self,
        n_input: int,
        n_hidden: int,
        n_output: int,
        *,
        dt: float = 20.0,
        tau: float = 100.0,
        noise_std: float = 0.05,
        forget_bias: float = 1.0,
    ) -> None:
        super().__init__(n_input, n_hidden, n_output, dt, tau)
        self.noise_std = float(noise_std)
        self.cell = nn.LSTMCell(n_input, n_hidden)
        with torch.no_grad():  # gate order in PyTorch: input, forget, cell, output
            self.cell.bias_hh[n_hidden : 2 * n_hidden].fill_(float(forget_bias))
            self.cell.bias_ih[n_hidden : 2 * n_hidden].zero_()

    def initial_state(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        zeros = inputs.new_zeros(inputs.shape[0], self.n_hidden)
        return zeros, zeros.clone()

    def step(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h, c = state
        new_h, new_c = self.cell(x, (h, c))
        if self.training and self.noise_std > 0:
            new_h = new_h + self.noise_std * network_noise(new_h)
        a = self.alpha
        return (1 - a) * h + a * new_h, (1 - a) * c + a * new_c

    def observe(self, state: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return state[0]

    def input_parameters(self) -> list[nn.Parameter]:
        return [self.cell.weight_ih, self.cell.bias_ih]
