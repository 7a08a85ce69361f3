r"""The interface shared by every synthetic system: a vector field with known ground truth.

A :class:`DynamicalSystem` is an autonomous stochastic differential equation

.. math::
    dx = f(x)\,dt + \sigma\,dW_t, \qquad x \in \mathbb{R}^d,

simulated with the Euler (σ = 0) or Euler–Maruyama scheme on ``substeps`` internal steps per
recorded sample,

.. math::
    x_{k+1} = x_k + h\,f(x_k) + \sigma\sqrt{h}\,\xi_k, \qquad h = dt/\text{substeps},\;
    \xi_k \sim \mathcal N(0, I).

Every system exposes its ground truth as plain attributes and methods: ``vector_field``,
``jacobian``, ``fixed_points()`` (each with its Jacobian eigenvalues and stability) and a
``ground_truth()`` summary; subclasses add what is specific to them (a limit cycle's period, a
line attractor's direction, a Lorenz system's regime). :meth:`DynamicalSystem.simulate` returns
:class:`Trajectories` shaped (trial, time, unit) that carry the system with them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

Seed = int | np.random.Generator | np.random.SeedSequence | None


def make_rng(seed: Seed) -> np.random.Generator:
    """A NumPy generator from an int, a SeedSequence or a generator (returned unchanged)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


@dataclass(frozen=True)
class FixedPoint:
    r"""A fixed point x* (f(x*) = 0) with the Jacobian J = ∂f/∂x at x*.

    Stability follows from the eigenvalues λ of J (continuous time): *stable* when every
    Re λ < 0, *unstable* when some Re λ > 0 (a *saddle* when there are eigenvalues on both
    sides), *marginal* otherwise (e.g. the zero eigenvalue along a line or ring attractor).
    """

    location: np.ndarray
    jacobian: np.ndarray
    tol: float = 1e-9

    @property
    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of the Jacobian, sorted by decreasing real part."""
        eig = np.linalg.eigvals(self.jacobian)
        return eig[np.lexsort((-eig.imag, -eig.real))]

    @property
    def stable(self) -> bool:
        return bool(np.all(self.eigenvalues.real < -self.tol))

    @property
    def kind(self) -> str:
        """ "stable", "unstable", "saddle" or "marginal" (from the eigenvalues' real parts)."""
        re = self.eigenvalues.real
        pos, neg = np.any(re > self.tol), np.any(re < -self.tol)
        if pos and neg:
            return "saddle"
        if pos:
            return "unstable"
        if neg and not np.any(np.abs(re) <= self.tol):
            return "stable"
        return "marginal"

    def summary(self) -> dict[str, Any]:
        return {
            "location": np.round(self.location, 6).tolist(),
            "eigenvalues": [format_complex(v) for v in self.eigenvalues],
            "kind": self.kind,
        }


def format_complex(value: complex) -> str:
    value = complex(value)
    if abs(value.imag) < 1e-12:
        return f"{value.real:.6g}"
    return f"{value.real:.6g}{value.imag:+.6g}j"


class DynamicalSystem(ABC):
    """An autonomous (stochastic) flow with known ground truth; subclasses define ``f``."""

    #: Short name used as a label.
    name: str = "system"
    #: Kind of attractor, e.g. "fixed_point", "line", "ring", "limit_cycle", "chaotic".
    attractor: str = "unknown"

    def __init__(self, dim: int, noise_std: float = 0.0) -> None:
        if noise_std < 0:
            raise ValueError(f"noise_std must be ≥ 0, got {noise_std}")
        self.dim = int(dim)
        self.noise_std = float(noise_std)

    # -- the flow ------------------------------------------------------------------------
    @abstractmethod
    def vector_field(self, x: np.ndarray) -> np.ndarray:
        """f(x) for states ``x`` shaped (..., dim)."""

    @abstractmethod
    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """∂f/∂x at one state ``x`` (dim,), shaped (dim, dim)."""

    def fixed_points(self) -> list[FixedPoint]:
        """The isolated fixed points (a continuum is represented by sample points on it)."""
        return []

    def initial_conditions(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Default initial conditions: standard normal, shaped (n, dim)."""
        return rng.normal(size=(n, self.dim))

    def params(self) -> dict[str, Any]:
        """The parameters that define the system (for labels and reports)."""
        return {"noise_std": self.noise_std}

    def ground_truth(self) -> dict[str, Any]:
        """A JSON-friendly summary of what is known exactly about this system."""
        return {
            "system": self.name,
            "attractor": self.attractor,
            "params": self.params(),
            "fixed_points": [fp.summary() for fp in self.fixed_points()],
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

    # -- simulation ----------------------------------------------------------------------
    def simulate(
        self,
        n_trials: int = 200,
        n_steps: int = 200,
        dt: float = 0.01,
        seed: Seed = 0,
        *,
        x0: np.ndarray | None = None,
        substeps: int = 1,
        burn_in: int = 0,
    ) -> Trajectories:
        """Simulate ``n_trials`` trajectories of ``n_steps`` samples, dt apart.

        The first sample is the initial condition (after ``burn_in`` discarded samples).
        ``x0`` (n_trials, dim) overrides :meth:`initial_conditions`. Deterministic given
        ``seed`` (initial conditions are drawn first, then the process noise).
        """
        if n_trials < 1 or n_steps < 1:
            raise ValueError("n_trials and n_steps must be ≥ 1")
        if dt <= 0 or substeps < 1 or burn_in < 0:
            raise ValueError("dt must be > 0, substeps ≥ 1 and burn_in ≥ 0")
        rng = make_rng(seed)
        x = self.initial_conditions(n_trials, rng) if x0 is None else np.array(x0, dtype=float)
        if x.shape != (n_trials, self.dim):
            raise ValueError(f"x0 must be shaped {(n_trials, self.dim)}, got {x.shape}")
        h = dt / substeps
        amp = self.noise_std * np.sqrt(h)
        out = np.empty((n_trials, n_steps, self.dim))
        for k in range(burn_in + n_steps):
            if k >= burn_in:
                out[:, k - burn_in] = x
            if k == burn_in + n_steps - 1:
                break
            for _ in range(substeps):
                x = x + h * self.vector_field(x)
                if amp > 0:
                    x = x + amp * rng.normal(size=x.shape)
        if not np.all(np.isfinite(out)):
            raise FloatingPointError(f"{self!r} diverged (non-finite states); reduce dt")
        return Trajectories(data=out, latent=out.copy(), dt=dt, system=self)


@dataclass
class Trajectories:
    """Simulated activity with its provenance.

    data : (trial, time, unit) — what a metric sees.
    latent : (trial, time, dim) — the clean states of the system, before any normalisation,
        embedding or observation noise.
    embedding : (dim, unit) linear map applied by :func:`~dynsim.systems.observe.embed`, or
        None. Without normalisation or noise, ``data = latent @ embedding`` exactly; after
        :func:`~dynsim.systems.observe.normalize` the map is affine,
        ``data = (latent − mean) @ embedding / scale``.
    noise : the observation-noise fraction s mixed in as x ← √(1−s²)x + sε.
    scale : the factor data were divided by when normalised (1 if never).
    labels : free-form labels (regime, motifs, seeds …) carried to reports.
    """

    data: np.ndarray
    latent: np.ndarray
    dt: float
    system: Any
    embedding: np.ndarray | None = None
    noise: float = 0.0
    scale: float = 1.0
    labels: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.data.shape  # type: ignore[return-value]

    @property
    def n_units(self) -> int:
        return int(self.data.shape[-1])

    def with_data(self, data: np.ndarray, **changes: Any) -> Trajectories:
        """A copy with new observed ``data`` (and any other field changed)."""
        labels = dict(changes.pop("labels", self.labels))
        return replace(self, data=data, labels=labels, **changes)

    def to_dataarray(self, name: str | None = None) -> Any:
        """The observed data as an :class:`xarray.DataArray` with dims (trial, time, unit)."""
        import xarray as xr

        n_trial, n_time, n_unit = self.data.shape
        attrs = {k: v for k, v in self.labels.items() if isinstance(v, (str, int, float, bool))}
        attrs.update(dt=self.dt, noise=self.noise, system=getattr(self.system, "name", ""))
        return xr.DataArray(
            self.data,
            dims=("trial", "time", "unit"),
            coords={"time": np.arange(n_time) * self.dt},
            name=name or str(self.labels.get("name", attrs["system"])),
            attrs=attrs,
        )
