"""Recurrent networks that return their whole hidden trajectory.

Every architecture maps inputs (trial, time, input) to ``(outputs, hidden)`` with outputs
(trial, time, output) from a linear readout of the hidden state and hidden (trial, time, unit),
and names its input weights (:meth:`RecurrentNetwork.input_parameters`). Architectures:
``leaky_rnn``, ``gru`` (leaky), ``lstm`` (leaky) and ``mamba`` (selective state-space model in
plain PyTorch; see :mod:`dynsim.models.mamba` for which state counts as hidden).
"""

from __future__ import annotations

from typing import Any

from dynsim.models.base import RecurrentNetwork
from dynsim.models.mamba import Mamba
from dynsim.models.recurrent import ACTIVATIONS, LeakyGRU, LeakyLSTM, LeakyRNN

ARCHITECTURES: dict[str, type[RecurrentNetwork]] = {
    cls.arch: cls for cls in (LeakyRNN, LeakyGRU, LeakyLSTM, Mamba)
}


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


__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURES",
    "LeakyGRU",
    "LeakyLSTM",
    "LeakyRNN",
    "Mamba",
    "RecurrentNetwork",
    "available",
    "build",
]
