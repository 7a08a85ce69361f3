r"""The systems of the bench, each with its ground truth in closed form.

========================  ===================================================================
system                    ground truth
========================  ===================================================================
:class:`Lorenz`           fixed points 0 and C± = (±√(β(ρ−1)), ±√(β(ρ−1)), ρ−1) with their
                          Jacobians; regime from ρ: one stable fixed point (ρ < 1), two stable
                          fixed points (1 < ρ < ρ_H), chaotic (ρ > ρ_H ≈ 24.74)
:class:`LinearSystem`     ẋ = Ax with a chosen spectrum; one fixed point at 0 whose Jacobian
                          is A (stable, unstable, saddle or marginal)
:func:`line_attractor`    a linear system with one zero eigenvalue: every point on the line
                          through 0 along ``direction`` is a fixed point
:class:`RingAttractor`    a ring of fixed points of radius 1 (Jacobian eigenvalues 0 along the
                          ring, −2k across it); noise makes the phase diffuse with variance
                          σ²t
:class:`HopfOscillator`   Hopf normal form: a limit cycle of radius √μ and period 2π/ω, an
                          unstable focus at 0 (eigenvalues μ ± iω)
========================  ===================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dynsim.systems.base import DynamicalSystem, FixedPoint, Seed, format_complex, make_rng

#: The three Lorenz regimes of Guilhot et al. and the values of ρ used for each.
LORENZ_REGIMES: dict[str, tuple[float, ...]] = {
    "one_fixed_point": (0.25, 0.5, 0.75),
    "two_stable_fixed_points": (5.0, 10.0, 15.0),
    "chaotic": (30.0, 40.0, 50.0),
}


class Lorenz(DynamicalSystem):
    r"""The Lorenz system

    .. math::
        \dot x = \sigma(y - x), \quad \dot y = x(\rho - z) - y, \quad \dot z = xy - \beta z,

    with Jacobian

    .. math::
        J(x, y, z) = \begin{pmatrix} -\sigma & \sigma & 0\\ \rho - z & -1 & -x\\
                     y & x & -\beta \end{pmatrix}.

    Fixed points: the origin (stable for ρ < 1, a saddle for ρ > 1) and, for ρ > 1,
    C± = (±c, ±c, ρ − 1) with c = √(β(ρ − 1)), stable for ρ < ρ_H = σ(σ + β + 3)/(σ − β − 1)
    (≈ 24.74 for σ = 10, β = 8/3; a subcritical Hopf bifurcation) and unstable above, where the
    flow is chaotic. Initial conditions are uniform in ``ic_box`` (default
    [−15, 15]² × [0, 40], which holds the attractors for ρ ≤ 50).
    """

    name = "lorenz"

    def __init__(
        self,
        rho: float = 28.0,
        sigma: float = 10.0,
        beta: float = 8.0 / 3.0,
        noise_std: float = 0.0,
        ic_box: Sequence[tuple[float, float]] = ((-15.0, 15.0), (-15.0, 15.0), (0.0, 40.0)),
    ) -> None:
        super().__init__(3, noise_std)
        if rho <= 0 or sigma <= 0 or beta <= 0:
            raise ValueError("rho, sigma and beta must be positive")
        self.rho, self.sigma, self.beta = float(rho), float(sigma), float(beta)
        self.ic_box = np.asarray(ic_box, dtype=float)

    @property
    def rho_hopf(self) -> float:
        """ρ_H = σ(σ + β + 3)/(σ − β − 1): above it C± are unstable (inf when σ ≤ β + 1)."""
        s, b = self.sigma, self.beta
        return s * (s + b + 3.0) / (s - b - 1.0) if s > b + 1.0 else float("inf")

    @property
    def regime(self) -> str:
        """ "one_fixed_point", "two_stable_fixed_points" or "chaotic" (from ρ)."""
        if self.rho < 1.0:
            return "one_fixed_point"
        if self.rho < self.rho_hopf:
            return "two_stable_fixed_points"
        return "chaotic"

    @property
    def attractor(self) -> str:  # type: ignore[override]
        return {
            "one_fixed_point": "fixed_point",
            "two_stable_fixed_points": "two_fixed_points",
            "chaotic": "chaotic",
        }[self.regime]

    def vector_field(self, x: np.ndarray) -> np.ndarray:
        X, Y, Z = x[..., 0], x[..., 1], x[..., 2]
        return np.stack(
            [self.sigma * (Y - X), X * (self.rho - Z) - Y, X * Y - self.beta * Z], axis=-1
        )

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        X, Y, Z = np.asarray(x, dtype=float)
        return np.array(
            [[-self.sigma, self.sigma, 0.0], [self.rho - Z, -1.0, -X], [Y, X, -self.beta]]
        )

    def fixed_points(self) -> list[FixedPoint]:
        points = [np.zeros(3)]
        if self.rho > 1.0:
            c = np.sqrt(self.beta * (self.rho - 1.0))
            points += [np.array([c, c, self.rho - 1.0]), np.array([-c, -c, self.rho - 1.0])]
        return [FixedPoint(p, self.jacobian(p)) for p in points]

    def initial_conditions(self, n: int, rng: np.random.Generator) -> np.ndarray:
        lo, hi = self.ic_box[:, 0], self.ic_box[:, 1]
        return lo + (hi - lo) * rng.uniform(size=(n, 3))

    def params(self) -> dict[str, Any]:
        return {"rho": self.rho, "sigma": self.sigma, "beta": self.beta, **super().params()}

    def ground_truth(self) -> dict[str, Any]:
        return {**super().ground_truth(), "regime": self.regime, "rho_hopf": self.rho_hopf}


def lorenz_regime(rho: float, sigma: float = 10.0, beta: float = 8.0 / 3.0) -> str:
    """The regime of the Lorenz system at ``rho`` (see :attr:`Lorenz.regime`)."""
    return Lorenz(rho, sigma, beta).regime


class LinearSystem(DynamicalSystem):
    r"""ẋ = A x: one fixed point at the origin whose Jacobian is A everywhere.

    Build one with a chosen spectrum with :meth:`from_spectrum`. Its kind (stable node or
    focus, unstable, saddle, marginal) follows from the eigenvalues of A. With Euler steps of
    size h the sampled map is x ← (I + hA)x, whose eigenvalues are exactly 1 + hλ.
    Initial conditions are standard normal scaled by ``ic_scale``.
    """

    name = "linear"

    def __init__(
        self,
        A: np.ndarray,
        noise_std: float = 0.0,
        ic_scale: float = 1.0,
        name: str | None = None,
        attractor: str | None = None,
    ) -> None:
        A = np.asarray(A, dtype=float)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be square, got shape {A.shape}")
        super().__init__(A.shape[0], noise_std)
        self.A = A
        self.ic_scale = float(ic_scale)
        #: The basis V of A = VΛV⁻¹ when built by :meth:`from_spectrum`.
        self.basis: np.ndarray | None = None
        self._attractor = attractor
        if name is not None:
            self.name = name

    @classmethod
    def from_spectrum(
        cls,
        eigenvalues: Sequence[complex],
        seed: Seed = 0,
        *,
        basis: str | np.ndarray = "orthogonal",
        **kwargs: Any,
    ) -> LinearSystem:
        r"""A = V Λ V⁻¹ with the given eigenvalues (complex ones come in conjugate pairs).

        Λ is real block-diagonal: a real eigenvalue λ is a 1×1 block, a pair a ± ib the block
        [[a, −b], [b, a]]. ``basis`` is "identity", "orthogonal" (random, so A is normal),
        "random" (a random well-conditioned non-orthogonal V) or an explicit matrix V.
        """
        blocks = _real_blocks(eigenvalues)
        dim = sum(b.shape[0] for b in blocks)
        Lam = np.zeros((dim, dim))
        k = 0
        for b in blocks:
            n = b.shape[0]
            Lam[k : k + n, k : k + n] = b
            k += n
        rng = make_rng(seed)
        if isinstance(basis, np.ndarray):
            V = np.asarray(basis, dtype=float)
        elif basis == "identity":
            V = np.eye(dim)
        elif basis == "orthogonal":
            V = random_orthogonal(dim, rng)
        elif basis == "random":
            # Orthogonal × diagonal in [1, 2] × orthogonal: condition number at most 2.
            V = random_orthogonal(dim, rng) @ np.diag(rng.uniform(1, 2, dim))
            V = V @ random_orthogonal(dim, rng)
        else:
            raise ValueError("basis must be 'identity', 'orthogonal', 'random' or an array")
        system = cls(V @ Lam @ np.linalg.inv(V), **kwargs)
        system.basis = V
        return system

    @property
    def eigenvalues(self) -> np.ndarray:
        eig = np.linalg.eigvals(self.A)
        return eig[np.lexsort((-eig.imag, -eig.real))]

    @property
    def attractor(self) -> str:  # type: ignore[override]
        if self._attractor is not None:
            return self._attractor
        return {
            "stable": "fixed_point",
            "unstable": "unstable_fixed_point",
            "saddle": "saddle",
            "marginal": "marginal",
        }[self.fixed_points()[0].kind]

    def vector_field(self, x: np.ndarray) -> np.ndarray:
        return x @ self.A.T

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return self.A.copy()

    def fixed_points(self) -> list[FixedPoint]:
        return [FixedPoint(np.zeros(self.dim), self.A.copy())]

    def initial_conditions(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.ic_scale * rng.normal(size=(n, self.dim))

    def params(self) -> dict[str, Any]:
        return {
            "eigenvalues": [format_complex(v) for v in self.eigenvalues],
            "ic_scale": self.ic_scale,
            **super().params(),
        }


def _real_blocks(eigenvalues: Sequence[complex]) -> list[np.ndarray]:
    values = [complex(v) for v in eigenvalues]
    blocks: list[np.ndarray] = []
    used = [False] * len(values)
    for i, v in enumerate(values):
        if used[i]:
            continue
        used[i] = True
        if abs(v.imag) < 1e-12:
            blocks.append(np.array([[v.real]]))
            continue
        partner = next(
            (
                j
                for j in range(i + 1, len(values))
                if not used[j] and abs(values[j] - v.conjugate()) < 1e-9
            ),
            None,
        )
        if partner is None:
            raise ValueError(f"complex eigenvalue {v} needs its conjugate in the spectrum")
        used[partner] = True
        a, b = v.real, abs(v.imag)
        blocks.append(np.array([[a, -b], [b, a]]))
    return blocks


def random_orthogonal(n: int, seed: Seed = 0) -> np.ndarray:
    """A Haar-distributed random orthogonal n×n matrix (QR with sign correction)."""
    rng = make_rng(seed)
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    return q * np.sign(np.diag(r))


def stable_fixed_point(
    dim: int = 2, rates: Sequence[float] | None = None, seed: Seed = 0, **kwargs: Any
) -> LinearSystem:
    """A stable node: eigenvalues −``rates`` (default −1, −2, …, −dim) in a random basis."""
    rates = list(rates) if rates is not None else [float(k + 1) for k in range(dim)]
    if len(rates) != dim or min(rates) <= 0:
        raise ValueError("rates must be dim positive numbers")
    return LinearSystem.from_spectrum(
        [-r for r in rates], seed, name="stable_fixed_point", **kwargs
    )


def unstable_fixed_point(
    dim: int = 2, rates: Sequence[float] | None = None, seed: Seed = 0, **kwargs: Any
) -> LinearSystem:
    """A repelling node: eigenvalues +``rates`` (default 0.5, 1, …) in a random basis."""
    rates = list(rates) if rates is not None else [0.5 * (k + 1) for k in range(dim)]
    if len(rates) != dim or min(rates) <= 0:
        raise ValueError("rates must be dim positive numbers")
    return LinearSystem.from_spectrum(list(rates), seed, name="unstable_fixed_point", **kwargs)


def stable_focus(
    rate: float = 1.0, frequency: float = 2 * np.pi, seed: Seed = 0, **kwargs: Any
) -> LinearSystem:
    """A stable spiral in 2-D: eigenvalues −rate ± i·frequency."""
    return LinearSystem.from_spectrum(
        [complex(-rate, frequency), complex(-rate, -frequency)],
        seed,
        name="stable_focus",
        **kwargs,
    )


def line_attractor(
    dim: int = 3, rates: Sequence[float] | None = None, seed: Seed = 0, **kwargs: Any
) -> LinearSystem:
    r"""A line attractor: a linear system with eigenvalues 0, −r₂, …, −r_d.

    Every point on the line {c·v} (v = ``system.direction``, the eigenvector of 0) is a fixed
    point; off the line states relax onto it at the rates r. With process noise, the position
    along the line diffuses (variance σ²t along v) while the other directions stay bounded.
    """
    rates = list(rates) if rates is not None else [float(k + 1) for k in range(dim - 1)]
    if len(rates) != dim - 1 or min(rates, default=1.0) <= 0:
        raise ValueError("rates must be dim − 1 positive numbers")
    return LinearSystem.from_spectrum(
        [0.0, *[-r for r in rates]], seed, name="line_attractor", attractor="line", **kwargs
    )


def line_direction(system: LinearSystem) -> np.ndarray:
    """Unit vector spanning the kernel of A (the line of fixed points of a line attractor)."""
    _, s, vt = np.linalg.svd(system.A)
    if s[-1] > 1e-9 * max(s[0], 1.0):
        raise ValueError("A has no zero eigenvalue: not a line attractor")
    v = vt[-1]
    return v * np.sign(v[np.argmax(np.abs(v))])


class RingAttractor(DynamicalSystem):
    r"""A ring of fixed points in 2-D, with noise-driven diffusion along it.

    .. math::
        \dot{\mathbf x} = k\,(1 - |\mathbf x|^2)\,\mathbf x  \quad(+\ \sigma\,d\mathbf W),

    i.e. ṙ = k r(1 − r²), θ̇ = 0. Every point of the unit circle is a fixed point with
    Jacobian J = −2k p pᵀ: eigenvalue 0 along the ring (neutral) and −2k across it. The origin
    is an unstable node (eigenvalues k, k). With isotropic noise σ the phase on the ring is a
    random walk, Var[θ_t − θ_0] ≈ σ² t (diffusion coefficient σ²/2). Initial conditions lie on
    the ring at uniform phases (``ic="ring"``) or uniformly in the unit disc (``ic="disc"``).
    """

    name = "ring_attractor"
    attractor = "ring"

    def __init__(self, k: float = 5.0, noise_std: float = 0.5, ic: str = "ring") -> None:
        super().__init__(2, noise_std)
        if k <= 0:
            raise ValueError("k must be positive")
        if ic not in ("ring", "disc"):
            raise ValueError("ic must be 'ring' or 'disc'")
        self.k = float(k)
        self.ic = ic

    @property
    def radius(self) -> float:
        return 1.0

    @property
    def phase_diffusion(self) -> float:
        """d Var[θ]/dt = σ² on the unit ring."""
        return self.noise_std**2

    def vector_field(self, x: np.ndarray) -> np.ndarray:
        r2 = np.sum(x * x, axis=-1, keepdims=True)
        return self.k * (1.0 - r2) * x

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return self.k * ((1.0 - x @ x) * np.eye(2) - 2.0 * np.outer(x, x))

    def fixed_points(self) -> list[FixedPoint]:
        """The origin and eight sample points of the ring (every ring point is fixed)."""
        phases = np.arange(8) * np.pi / 4
        ring = [np.array([np.cos(p), np.sin(p)]) for p in phases]
        return [FixedPoint(p, self.jacobian(p)) for p in [np.zeros(2), *ring]]

    def initial_conditions(self, n: int, rng: np.random.Generator) -> np.ndarray:
        theta = rng.uniform(0, 2 * np.pi, size=n)
        r = np.ones(n) if self.ic == "ring" else np.sqrt(rng.uniform(size=n))
        return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=-1)

    def params(self) -> dict[str, Any]:
        return {"k": self.k, "ic": self.ic, **super().params()}

    def ground_truth(self) -> dict[str, Any]:
        return {**super().ground_truth(), "radius": 1.0, "phase_diffusion": self.phase_diffusion}


class HopfOscillator(DynamicalSystem):
    r"""Hopf normal form (supercritical): a stable limit cycle of known period.

    .. math::
        \dot x = (\mu - r^2)x - \omega y, \qquad \dot y = (\mu - r^2)y + \omega x,

    i.e. ṙ = r(μ − r²), θ̇ = ω. For μ > 0 the circle r = √μ is a stable limit cycle of period
    T = 2π/ω (Floquet exponent −2μ across it) around an unstable focus at the origin
    (eigenvalues μ ± iω). The Euler map with step h (|ω|h < 1) has its own invariant circle:
    on it 1 + h(μ − r²) = √(1 − ω²h²), so its radius is √(μ + (1 − √(1 − ω²h²))/h)
    (``radius_euler``, ≈ √(μ + ω²h/2)) and it turns by arcsin(ωh) per step, a period of
    2πh/arcsin(|ω|h) (``period_euler``, within (ωh)²/6 of T). Initial conditions are on the
    cycle at uniform phases (``ic="cycle"``) or uniform in the disc of radius 1.5√μ
    (``ic="disc"``).
    """

    name = "limit_cycle"
    attractor = "limit_cycle"

    def __init__(
        self,
        mu: float = 1.0,
        omega: float = 2 * np.pi,
        noise_std: float = 0.0,
        ic: str = "disc",
    ) -> None:
        super().__init__(2, noise_std)
        if mu <= 0 or omega == 0:
            raise ValueError("mu must be > 0 and omega ≠ 0 for a limit cycle")
        if ic not in ("cycle", "disc"):
            raise ValueError("ic must be 'cycle' or 'disc'")
        self.mu, self.omega, self.ic = float(mu), float(omega), ic

    @property
    def period(self) -> float:
        """T = 2π/|ω| (continuous time)."""
        return 2 * np.pi / abs(self.omega)

    def period_euler(self, dt: float, substeps: int = 1) -> float:
        """Period of the Euler-sampled cycle: 2πh/arcsin(|ω|h) with h = dt/substeps."""
        h = self._euler_step(dt, substeps)
        return 2 * np.pi * h / np.arcsin(abs(self.omega) * h)

    def radius_euler(self, dt: float, substeps: int = 1) -> float:
        """Radius of the Euler map's invariant circle: √(μ + (1 − √(1 − ω²h²))/h)."""
        h = self._euler_step(dt, substeps)
        return float(np.sqrt(self.mu + (1.0 - np.sqrt(1.0 - (self.omega * h) ** 2)) / h))

    def _euler_step(self, dt: float, substeps: int) -> float:
        h = dt / substeps
        if abs(self.omega) * h >= 1:
            raise ValueError("|ω|·h must be < 1 for the Euler map to have an invariant circle")
        return h

    @property
    def radius(self) -> float:
        return float(np.sqrt(self.mu))

    @property
    def floquet_exponent(self) -> float:
        """Rate of attraction onto the cycle, −2μ."""
        return -2.0 * self.mu

    def vector_field(self, x: np.ndarray) -> np.ndarray:
        X, Y = x[..., 0], x[..., 1]
        g = self.mu - (X * X + Y * Y)
        return np.stack([g * X - self.omega * Y, g * Y + self.omega * X], axis=-1)

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        X, Y = np.asarray(x, dtype=float)
        g = self.mu - (X * X + Y * Y)
        return np.array(
            [[g - 2 * X * X, -2 * X * Y - self.omega], [-2 * X * Y + self.omega, g - 2 * Y * Y]]
        )

    def fixed_points(self) -> list[FixedPoint]:
        return [FixedPoint(np.zeros(2), self.jacobian(np.zeros(2)))]

    def initial_conditions(self, n: int, rng: np.random.Generator) -> np.ndarray:
        theta = rng.uniform(0, 2 * np.pi, size=n)
        if self.ic == "cycle":
            r = np.full(n, self.radius)
        else:
            r = 1.5 * self.radius * np.sqrt(rng.uniform(size=n))
        return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=-1)

    def params(self) -> dict[str, Any]:
        return {"mu": self.mu, "omega": self.omega, "ic": self.ic, **super().params()}

    def ground_truth(self) -> dict[str, Any]:
        return {
            **super().ground_truth(),
            "period": self.period,
            "radius": self.radius,
            "floquet_exponent": self.floquet_exponent,
        }
