"""Small stand-ins for recorded networks: tanh read-outs of noisy stable linear systems.

Used where a test or benchmark needs a handful of network-like trajectories that DSA can fit
quickly (tests/test_dsa.py, benchmarks/dsa_determinism.py). A leaf like the rest of
:mod:`dynsim.systems`: NumPy only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["tanh_linear_networks"]


def tanh_linear_networks(n: int, seed: int = 0) -> list[np.ndarray]:
    """``n`` small nonlinear "networks", each (trial, time, unit) = (8, 50, 10), float64.

    Network k: a random 6 × 6 linear map A rescaled to a spectral radius drawn uniformly from
    [0.7, 0.98] (stable), run for 50 steps from 8 standard-normal initial states as
    zₜ₊₁ = A zₜ + 0.1 εₜ (ε standard normal), and read out as tanh(z W) with W a random
    6 × 10 matrix. All draws come from one ``numpy.random.default_rng(seed)`` in a fixed
    order, so the same ``(n, seed)`` gives the same arrays bit for bit, and the first m of
    ``n`` networks are those of ``(m, seed)``.
    """
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        A = rng.normal(size=(6, 6))
        A *= rng.uniform(0.7, 0.98) / np.max(np.abs(np.linalg.eigvals(A)))
        x, z = np.empty((8, 50, 6)), rng.normal(size=(8, 6))
        for t in range(50):
            z = z @ A.T + 0.1 * rng.normal(size=z.shape)
            x[:, t] = z
        out.append(np.tanh(x @ rng.normal(size=(6, 10))))
    return out
