"""Recurrent networks that return their whole hidden trajectory.

Every architecture maps inputs (trial, time, input) to ``(outputs, hidden)`` with outputs
(trial, time, output) from a linear readout of the hidden state and hidden (trial, time, unit),
and names its input weights (:meth:`RecurrentNetwork.input_parameters`). Architectures:
``leaky_rnn``, ``gated_leaky_rnn`` (a leaky RNN with an update gate: Guilhot et al. 2024's
"leaky GRU"), ``gru`` (leaky), ``lstm`` (leaky) and ``mamba`` (selective state-space model in
plain PyTorch; see :mod:`dynsim.models.mamba` for which state counts as hidden).

The names (:data:`ARCHITECTURE_NAMES`, :func:`available`) are known without importing torch, so
that config validation stays light; the classes, :data:`ARCHITECTURES` and :func:`build` import
the model modules (and torch) on first use (PEP 562 module ``__getattr__`` via ``lazy_loader``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import lazy_loader

if TYPE_CHECKING:
    from dynsim.models.base import RecurrentNetwork

# Architecture name → (module, class); each class's ``arch`` attribute is its name (tested).
_REGISTRY: dict[str, tuple[str, str]] = {
    "leaky_rnn": ("recurrent", "LeakyRNN"),
    "gated_leaky_rnn": ("recurrent", "GatedLeakyRNN"),
    "gru": ("recurrent", "LeakyGRU"),
    "lstm": ("recurrent", "LeakyLSTM"),
    "mamba": ("mamba", "Mamba"),
}
ARCHITECTURE_NAMES: tuple[str, ...] = tuple(_REGISTRY)

_lazy_getattr, __dir__, _ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "base": ["RecurrentNetwork"],
        "mamba": ["Mamba"],
        "recurrent": ["ACTIVATIONS", "GatedLeakyRNN", "LeakyGRU", "LeakyLSTM", "LeakyRNN"],
    },
)


def __getattr__(name: str) -> Any:
    if name == "ARCHITECTURES":  # name → class, built (and torch imported) on first use
        return {arch: _lazy_getattr(cls) for arch, (_, cls) in _REGISTRY.items()}
    return _lazy_getattr(name)


def available() -> list[str]:
    """The architecture names, sorted."""
    return sorted(ARCHITECTURE_NAMES)


def build(arch: str, n_input: int, n_hidden: int, n_output: int, **params: Any) -> RecurrentNetwork:
    """A network by architecture name; ``params`` are that architecture's keyword arguments.

    Raises ``ValueError`` for an unknown name."""
    if arch not in _REGISTRY:
        raise ValueError(f"unknown architecture {arch!r}; available: {', '.join(available())}")
    cls = _lazy_getattr(_REGISTRY[arch][1])
    return cls(n_input, n_hidden, n_output, **params)


__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURES",
    "ARCHITECTURE_NAMES",
    "GatedLeakyRNN",
    "LeakyGRU",
    "LeakyLSTM",
    "LeakyRNN",
    "Mamba",
    "RecurrentNetwork",
    "available",
    "build",
]
