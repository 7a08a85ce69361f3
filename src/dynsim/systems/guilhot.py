r"""The attractor test case of Guilhot, Wójcik, Achterberg & Ponte Costa (arXiv 2410.24070),
built as the authors' public code (qglht/RepAL, ``dsa_analysis/`` and the Lorenz notebooks)
builds it. Re-implemented from their description, vectorised over trials and seeded.

Their constructions, all on arrays shaped (trial, time, 3):

- **Lorenz** ẋ = σ(y − x), ẏ = ρx − y − xz, ż = xy − βz with σ = 10, β = 2.667 (their
  constant, not 8/3), forward Euler with dt = 0.01, the first sample being the initial
  condition, drawn uniform in [0, 1)³ per trial; then *each trajectory* is min–max scaled
  into the unit volume over all its samples and coordinates:
  x ← (x − min x)/(max x − min x) (:func:`unit_volume`).
- **Line**: x_{t+1} = x_t + t·d from a uniform [0, 1)³ start, d = g·(±1, ±1, ±1) with one of
  the last two axes flipped and g ~ N(0, 1) per trial, then unit-volume scaled. (Their
  helper rescales one shared direction array in place, so d's magnitude is a running product
  over trials; after the per-trajectory scaling only its signs matter, which this keeps.)
- **Observation noise** x ← √(1 − s²)x + sε, ε ~ N(0, 1) per sample and coordinate
  (:func:`mix_noise`), applied to the unit-volume data (their s: 0.004, 0.002, 0.001).
- **Mixing** C = B + m·(Ã − Ã₀): the trajectory of B plus m times the displacement of a noisy
  A from its own first sample, per trial (:func:`mix`).
- **Attaching motifs** (the shared-motif case): trajectories concatenated in time, each next
  motif continuing from the last sample by its own increments, then every k-th sample kept
  (k = number of motifs, so the length is unchanged) and the result unit-volume scaled per
  trial (:func:`attach`).

This module is a leaf: NumPy only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: σ and β of the authors' Lorenz steps (β = 2.667 as they wrote it).
GUILHOT_SIGMA = 10.0
GUILHOT_BETA = 2.667
#: ρ of each regime in their config (one attractor, two stable, chaotic).
GUILHOT_RHOS: dict[str, tuple[float, ...]] = {
    "one_fixed_point": (0.25, 0.5, 0.75),
    "two_stable_fixed_points": (5.0, 10.0, 15.0),
    "chaotic": (30.0, 40.0, 50.0),
}


def unit_volume(x: np.ndarray) -> np.ndarray:
    """Min–max scale each trial (axis 0) into [0, 1] over all its samples and coordinates.

    x : (trial, time, unit). Returns a new array of the same shape. A constant trial is
    returned as zeros (its range is 0; the authors' later helper adds 1e-6 to the range).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 3:
        raise ValueError(f"expected (trial, time, unit), got shape {x.shape}")
    lo = x.min(axis=(1, 2), keepdims=True)
    span = x.max(axis=(1, 2), keepdims=True) - lo
    return np.divide(x - lo, span, out=np.zeros_like(x), where=span > 0)


def lorenz_euler(
    rho: float,
    x0: np.ndarray,
    n_steps: int = 200,
    dt: float = 0.01,
    *,
    sigma: float = GUILHOT_SIGMA,
    beta: float = GUILHOT_BETA,
) -> np.ndarray:
    """Forward-Euler Lorenz trajectories, unscaled: (trial, n_steps, 3), sample 0 = ``x0``.

    x0 : (trial, 3) initial conditions. Raises ``ValueError`` for a wrong shape, n_steps < 1
    or dt ≤ 0.
    """
    x = np.array(x0, dtype=float)
    if x.ndim != 2 or x.shape[1] != 3:
        raise ValueError(f"x0 must be shaped (trial, 3), got {x.shape}")
    if n_steps < 1 or not dt > 0:
        raise ValueError(f"need n_steps ≥ 1 and dt > 0, got {n_steps}, {dt}")
    out = np.empty((x.shape[0], n_steps, 3))
    for t in range(n_steps):
        out[:, t] = x
        dx = np.stack(
            [
                sigma * (x[:, 1] - x[:, 0]),
                rho * x[:, 0] - x[:, 1] - x[:, 0] * x[:, 2],
                x[:, 0] * x[:, 1] - beta * x[:, 2],
            ],
            axis=1,
        )
        x = x + dt * dx
    return out


def lorenz_trials(
    rho: float,
    n_trials: int = 200,
    n_steps: int = 200,
    dt: float = 0.01,
    rng: np.random.Generator | int = 0,
) -> np.ndarray:
    """The authors' Lorenz system: uniform [0, 1)³ starts, Euler, per-trial unit volume."""
    rng = np.random.default_rng(rng)
    return unit_volume(lorenz_euler(rho, rng.random((n_trials, 3)), n_steps, dt))


def line_trials(
    n_trials: int = 200, n_steps: int = 200, rng: np.random.Generator | int = 0
) -> np.ndarray:
    """The authors' line motif (module doc): x_{t+1} = x_t + t·d, unit-volume scaled."""
    rng = np.random.default_rng(rng)
    x0 = rng.random((n_trials, 3))
    signs = np.ones((n_trials, 3))
    signs[np.arange(n_trials), rng.integers(1, 3, size=n_trials)] = -1.0
    d = rng.normal(size=(n_trials, 1)) * signs
    steps = np.arange(n_steps, dtype=float)
    # x_t = x_0 + d·Σ_{i<t} i = x_0 + d·t(t−1)/2
    x = x0[:, None, :] + d[:, None, :] * (steps * (steps - 1) / 2)[None, :, None]
    return unit_volume(x)


def mix_noise(x: np.ndarray, s: float, rng: np.random.Generator | int = 0) -> np.ndarray:
    """x ← √(1 − s²)x + sε with ε ~ N(0, 1) i.i.d.; s ∈ [0, 1] (``ValueError`` otherwise)."""
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"noise s must be in [0, 1], got {s}")
    rng = np.random.default_rng(rng)
    return np.sqrt(1.0 - s * s) * np.asarray(x, dtype=float) + s * rng.normal(size=np.shape(x))


def mix(b: np.ndarray, a: np.ndarray, m: float) -> np.ndarray:
    """C = B + m·(A − A[:, :1]): B plus m times A's displacement from its first sample."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"A and B must have one shape, got {a.shape} and {b.shape}")
    return b + m * (a - a[:, :1])


def attach(motifs: Sequence[np.ndarray]) -> np.ndarray:
    """Concatenate motifs in time, each continuing from the last sample by its own increments
    (the first increment of a joint is 1e-4 × the previous motif's last increment, as in the
    authors' code), keep every k-th sample (k = len(motifs)) and unit-volume scale per trial.

    motifs : k arrays of one shape (trial, time, unit). Returns (trial, time, unit).
    """
    if len(motifs) < 2:
        raise ValueError("attach needs at least two motifs")
    shape = np.shape(motifs[0])
    if any(np.shape(m) != shape for m in motifs):
        raise ValueError("every motif must have the same (trial, time, unit) shape")
    out = np.asarray(motifs[0], dtype=float)
    for nxt in motifs[1:]:
        nxt = np.asarray(nxt, dtype=float)
        joint = out[:, -1:] + 1e-4 * (out[:, -1:] - out[:, -2:-1])
        tail = joint + np.cumsum(np.diff(nxt, axis=1), axis=1)
        out = np.concatenate([out, joint, tail], axis=1)
    return unit_volume(out[:, :: len(motifs)])
