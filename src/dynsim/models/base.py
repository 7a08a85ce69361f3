"""The interface every architecture shares."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn


class RecurrentNetwork(nn.Module):
    """Shared interface: ``forward(inputs) -> (outputs, hidden)``; a ``readout`` layer.

    Inputs are (trial, time, input); outputs (trial, time, output) are a linear readout of the
    hidden state; hidden is (trial, time, unit). Step-by-step architectures implement
    :meth:`step` on a state (by default the hidden vector itself; architectures with more state,
    such as the LSTM, override :meth:`initial_state` and :meth:`observe`). Architectures that
    process whole sequences (Mamba) override :meth:`forward` instead.

    :meth:`input_parameters` names the parameters that map inputs into the network: the only
    ones trained in the "frozen" regimes.
    """

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

    def initial_state(self, inputs: torch.Tensor) -> Any:
        """The state before the first step (zeros)."""
        return inputs.new_zeros(inputs.shape[0], self.n_hidden)

    def step(self, x: torch.Tensor, state: Any) -> Any:
        """One time step: input (trial, input) and state → new state."""
        raise NotImplementedError

    def observe(self, state: Any) -> torch.Tensor:
        """The hidden vector (trial, unit) of a state: what is recorded and read out."""
        return state

    def input_parameters(self) -> list[nn.Parameter]:
        """The parameters that map inputs into the network (trainable in 'frozen' regimes)."""
        raise NotImplementedError

    def forward(
        self, inputs: torch.Tensor, hidden0: Any = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        state = self.initial_state(inputs) if hidden0 is None else hidden0
        trajectory = []
        for t in range(inputs.shape[1]):
            state = self.step(inputs[:, t], state)
            trajectory.append(self.observe(state))
        states = torch.stack(trajectory, dim=1)
        return self.readout(states), states
