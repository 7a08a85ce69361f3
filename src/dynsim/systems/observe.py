r"""How a system is *observed*: normalisation, embedding into units, noise, composition.

All functions take and return :class:`~dynsim.systems.base.Trajectories` and never modify
their input.

* :func:`normalize` — x ← (x − x̄)/c with x̄ the mean state over trials and time and c the
  root-mean-square of the centred activity, so that the mean variance per unit is 1.
* :func:`embed` — y = x W with W (latent dim × units) a random *orthogonal* embedding
  (W Wᵀ = I: distances and angles preserved) or a random *Gaussian* one (any full-rank linear
  map; W_ij ~ N(0, 1/units)). The dynamics are preserved up to the map: if ẋ = f(x) then
  y = xW obeys ẏ = f(y W⁺) W on the image of W (W⁺ the pseudo-inverse), and a linear
  system's spectrum is unchanged.
* :func:`add_noise` — x ← √(1 − s²) x + s ε with ε ~ N(0, I) i.i.d. over trials, time and
  units: for normalised data s² is the fraction of variance that is noise (s = 0: clean,
  s = 1: pure noise).
* :func:`compose` — motifs in separate subspaces: the latent states of several systems,
  each normalised, are concatenated unit-wise (a block-diagonal system), so each motif lives
  in its own coordinates before any embedding.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product
from typing import Any

import numpy as np
from scipy.linalg import block_diag

from dynsim.systems.base import DynamicalSystem, FixedPoint, Seed, Trajectories, make_rng
from dynsim.systems.flows import random_orthogonal

EMBEDDINGS = ("orthogonal", "gaussian")


def embedding_matrix(dim: int, n_units: int, kind: str = "gaussian", seed: Seed = 0) -> np.ndarray:
    """A random (dim × n_units) embedding: ``"orthogonal"`` rows or i.i.d. ``"gaussian"``."""
    if n_units < dim:
        raise ValueError(f"cannot embed {dim} dimensions into {n_units} units")
    rng = make_rng(seed)
    if kind == "orthogonal":
        return random_orthogonal(n_units, rng)[:dim]
    if kind == "gaussian":
        W = rng.normal(scale=1.0 / np.sqrt(n_units), size=(dim, n_units))
        if np.linalg.matrix_rank(W) < dim:  # probability zero; kept for safety
            raise np.linalg.LinAlgError("random embedding is rank-deficient")
        return W
    raise ValueError(f"embedding kind must be one of {EMBEDDINGS}, got {kind!r}")


def normalize(traj: Trajectories, center: bool = True) -> Trajectories:
    """Centre (optionally) and scale to unit mean variance per unit (see module docstring)."""
    data = traj.data
    if center:
        data = data - data.reshape(-1, data.shape[-1]).mean(axis=0)
    rms = float(np.sqrt(np.mean(data * data)))
    if rms == 0 or not np.isfinite(rms):
        raise ValueError("cannot normalise activity with zero or non-finite variance")
    return traj.with_data(data / rms, scale=traj.scale * rms)


def embed(traj: Trajectories, n_units: int, kind: str = "gaussian", seed: Seed = 0) -> Trajectories:
    """Map the observed data into ``n_units`` units through a random embedding."""
    W = embedding_matrix(traj.n_units, n_units, kind, seed)
    total = W if traj.embedding is None else traj.embedding @ W
    labels = {**traj.labels, "embedding": kind}
    return traj.with_data(traj.data @ W, embedding=total, labels=labels)


def add_noise(traj: Trajectories, s: float, seed: Seed = 0) -> Trajectories:
    """Mix in observation noise: x ← √(1 − s²) x + s ε (see module docstring)."""
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"noise fraction s must be in [0, 1], got {s}")
    if s == 0:
        return traj.with_data(traj.data.copy())
    eps = make_rng(seed).normal(size=traj.data.shape)
    noise = float(np.sqrt(1.0 - (1.0 - traj.noise**2) * (1.0 - s * s)))  # compounded fraction
    return traj.with_data(np.sqrt(1.0 - s * s) * traj.data + s * eps, noise=noise)


def observe(
    traj: Trajectories,
    n_units: int | None = None,
    *,
    embedding: str | None = "gaussian",
    noise: float = 0.0,
    seed: Seed = 0,
) -> Trajectories:
    """The usual observation pipeline: normalise → embed → normalise → add noise.

    With ``embedding=None`` (or ``n_units=None``) the latent coordinates are the units.
    The embedding and the noise draw from independent streams of ``seed``.
    """
    rng = make_rng(seed)
    emb_seed, noise_seed = rng.integers(0, 2**63 - 1, size=2)
    out = normalize(traj)
    if embedding is not None and n_units is not None:
        out = normalize(embed(out, n_units, embedding, int(emb_seed)))
    return add_noise(out, noise, int(noise_seed))


class CompositeSystem(DynamicalSystem):
    r"""Several systems side by side in separate coordinates (a block-diagonal flow).

    With x = (x₁, …, x_K), f(x) = (f₁(x₁), …, f_K(x_K)) and the Jacobian is block-diagonal,
    so the fixed points are the Cartesian product of the parts' fixed points and their
    Jacobian eigenvalues are the union of the parts' eigenvalues.
    """

    name = "composite"
    attractor = "composite"

    def __init__(self, parts: Sequence[DynamicalSystem]) -> None:
        if not parts:
            raise ValueError("a composite system needs at least one part")
        self.parts = list(parts)
        self.sizes = [p.dim for p in self.parts]
        super().__init__(sum(self.sizes), 0.0)
        self.name = "+".join(p.name for p in self.parts)

    def _split(self, x: np.ndarray) -> list[np.ndarray]:
        return np.split(x, np.cumsum(self.sizes)[:-1], axis=-1)

    def vector_field(self, x: np.ndarray) -> np.ndarray:
        return np.concatenate(
            [p.vector_field(xi) for p, xi in zip(self.parts, self._split(x), strict=True)],
            axis=-1,
        )

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return block_diag(
            *[p.jacobian(xi) for p, xi in zip(self.parts, self._split(np.asarray(x)), strict=True)]
        )

    def fixed_points(self) -> list[FixedPoint]:
        per_part = [p.fixed_points() for p in self.parts]
        if any(not fps for fps in per_part) or np.prod([len(f) for f in per_part]) > 256:
            return []
        return [
            FixedPoint(
                np.concatenate([fp.location for fp in combo]),
                block_diag(*[fp.jacobian for fp in combo]),
            )
            for combo in product(*per_part)
        ]

    def initial_conditions(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.concatenate([p.initial_conditions(n, rng) for p in self.parts], axis=-1)

    def params(self) -> dict[str, Any]:
        return {"parts": [repr(p) for p in self.parts]}

    def simulate(
        self,
        n_trials: int = 200,
        n_steps: int = 200,
        dt: float = 0.01,
        seed: Seed = 0,
        **kwargs: Any,
    ) -> Trajectories:
        """Each part simulated with its own noise stream (``kwargs`` as for every system);
        the latent states are concatenated without normalisation (see :func:`compose`)."""
        rng = make_rng(seed)
        seeds = rng.integers(0, 2**63 - 1, size=len(self.parts))
        runs = [
            p.simulate(n_trials, n_steps, dt, int(s), **kwargs)
            for p, s in zip(self.parts, seeds, strict=True)
        ]
        data = np.concatenate([r.data for r in runs], axis=-1)
        return Trajectories(data=data, latent=data.copy(), dt=dt, system=self)


def compose(parts: Sequence[Trajectories], normalise_parts: bool = True) -> Trajectories:
    """Motifs in separate subspaces: concatenate (normalised) parts along the unit axis.

    Every part must have the same number of trials and time steps and the same dt. With
    ``normalise_parts`` each part is centred and scaled first so that each motif carries the
    same variance. The result's ``system`` is a :class:`CompositeSystem` of the parts'
    systems and its ``latent`` the concatenated latent states.
    """
    if not parts:
        raise ValueError("nothing to compose")
    shapes = {p.data.shape[:2] for p in parts}
    dts = {p.dt for p in parts}
    if len(shapes) != 1 or len(dts) != 1:
        raise ValueError(f"parts differ in (trial, time) {shapes} or dt {dts}")
    scaled = [normalize(p) if normalise_parts else p for p in parts]
    data = np.concatenate([p.data for p in scaled], axis=-1)
    latent = np.concatenate([p.latent for p in parts], axis=-1)
    return Trajectories(
        data=data,
        latent=latent,
        dt=parts[0].dt,
        system=CompositeSystem([p.system for p in parts]),
        labels={"motifs": [p.system.name for p in parts]},
    )
