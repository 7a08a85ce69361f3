"""Synthetic dynamical systems with known ground truth, and a bench of metrics on them.

>>> from dynsim.systems import Lorenz, observe
>>> lorenz = Lorenz(rho=10.0)
>>> lorenz.regime, [fp.kind for fp in lorenz.fixed_points()]
('two_stable_fixed_points', ['saddle', 'stable', 'stable'])
>>> traj = observe(lorenz.simulate(n_trials=20, seed=0), n_units=10, noise=0.1, seed=1)
>>> traj.data.shape                                   # (trial, time, unit)
(20, 200, 10)

Generators (see :mod:`dynsim.systems.flows`): :class:`Lorenz` (three regimes,
:data:`LORENZ_REGIMES`), :class:`LinearSystem` with a chosen spectrum
(:meth:`LinearSystem.from_spectrum`), :func:`stable_fixed_point`, :func:`unstable_fixed_point`,
:func:`stable_focus`, :func:`line_attractor`, :class:`RingAttractor`, :class:`HopfOscillator`
(limit cycle). Observation (:mod:`dynsim.systems.observe`): :func:`normalize`, :func:`embed`,
:func:`add_noise`, :func:`observe`, :func:`compose`. Network-like test data:
:func:`tanh_linear_networks` (:mod:`dynsim.systems.networks`). The bench of metrics on these
systems is the package :mod:`dynsim.bench` (``dynsim systems-bench`` on the command line).

This package is a leaf of dynsim: it depends on NumPy and SciPy only and imports nothing else
from dynsim (the import-linter contract in pyproject.toml keeps it so). ``dynsim.systems.bench``
is gone: import the bench from :mod:`dynsim.bench`.
"""

from __future__ import annotations

from dynsim.systems.base import DynamicalSystem, FixedPoint, Trajectories, make_rng
from dynsim.systems.flows import (
    LORENZ_REGIMES,
    HopfOscillator,
    LinearSystem,
    Lorenz,
    RingAttractor,
    line_attractor,
    line_direction,
    lorenz_regime,
    random_orthogonal,
    stable_fixed_point,
    stable_focus,
    unstable_fixed_point,
)
from dynsim.systems.networks import tanh_linear_networks
from dynsim.systems.observe import (
    EMBEDDINGS,
    CompositeSystem,
    add_noise,
    compose,
    embed,
    embedding_matrix,
    normalize,
    observe,
)

__all__ = [
    "EMBEDDINGS",
    "LORENZ_REGIMES",
    "CompositeSystem",
    "DynamicalSystem",
    "FixedPoint",
    "HopfOscillator",
    "LinearSystem",
    "Lorenz",
    "RingAttractor",
    "Trajectories",
    "add_noise",
    "compose",
    "embed",
    "embedding_matrix",
    "line_attractor",
    "line_direction",
    "lorenz_regime",
    "make_rng",
    "normalize",
    "observe",
    "random_orthogonal",
    "stable_fixed_point",
    "stable_focus",
    "tanh_linear_networks",
    "unstable_fixed_point",
]
