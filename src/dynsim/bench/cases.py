"""The systems bench's cases: sizes (:data:`SIZES`), pass criteria (:data:`CRITERIA`), and the
builders of each case's labelled set of systems (:data:`BUILDERS`); the cases themselves are
described in :mod:`dynsim.bench`. Every case draws from its own seeded streams, so the cases
never share draws and a seed fixes every system.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from dynsim.systems.base import DynamicalSystem, Trajectories
from dynsim.systems.flows import (
    LORENZ_REGIMES,
    HopfOscillator,
    Lorenz,
    RingAttractor,
    line_attractor,
    stable_focus,
)
from dynsim.systems.observe import add_noise, compose, embed, normalize, observe

# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------

#: Metric parameters used by the bench (the DSA ones are shared by both DSA variants).
DSA_PARAMS: dict[str, Any] = {"n_delays": 10, "delay_interval": 2, "rank": 20}
DEFAULT_METRICS: dict[str, dict[str, Any]] = {
    "procrustes": {"score_method": "angular"},
    "cka": {"score_method": "angular"},
    "dsa": dict(DSA_PARAMS),
    "dsa_wasserstein": dict(DSA_PARAMS),
}


@dataclass(frozen=True)
class BenchSize:
    """How big each case is.

    n_trials, n_steps, dt : trajectories per system (initial conditions), samples per
        trajectory and the time step (Euler).
    n_units : units every system is embedded into.
    noise : the default observation noise s (regimes, motifs, geometry).
    progression_noise : the noise levels s of case 1.
    regime_per_class : systems per class in case 2.
    motif_k, motif_replicates, n_motifs : case 3 uses every ``motif_k``-subset of the first
        ``n_motifs`` motifs, each in ``motif_replicates`` independent realisations.
    geometry_replicates : embeddings (each with a rotation and a diffusion system) in case 4.
    noise_levels : the noise levels s of case 5 (must include 0, the clean reference).
    """

    n_trials: int
    n_steps: int
    n_units: int
    progression_noise: tuple[float, ...]
    regime_per_class: int
    motif_k: int
    motif_replicates: int
    geometry_replicates: int
    noise_levels: tuple[float, ...]
    n_motifs: int = 5
    dt: float = 0.01
    noise: float = 0.1


SIZES: dict[str, BenchSize] = {
    "default": BenchSize(
        n_trials=100,
        n_steps=200,
        n_units=12,
        progression_noise=(0.0, 0.2, 0.4, 0.6, 0.8, 0.9),
        regime_per_class=8,
        motif_k=3,
        motif_replicates=2,
        geometry_replicates=4,
        noise_levels=(0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7),
    ),
    "small": BenchSize(
        n_trials=20,
        n_steps=200,
        n_units=8,
        progression_noise=(0.0, 0.4, 0.8),
        regime_per_class=3,
        motif_k=2,
        motif_replicates=2,
        geometry_replicates=3,
        noise_levels=(0.0, 0.1, 0.3, 0.6),
        n_motifs=4,
    ),
}


@dataclass(frozen=True)
class Criterion:
    """The score that decides whether a metric passes a case, and its threshold."""

    score: str
    threshold: float
    text: str

    def passes(self, scores: Mapping[str, float]) -> bool:
        value = scores.get(self.score, np.nan)
        ok = bool(np.isfinite(value) and value >= self.threshold)
        if self.score == "tolerance":  # the distance must also grow with the noise
            ok = ok and bool(scores.get("spearman", np.nan) >= 0.9)
        return ok


CRITERIA: dict[str, Criterion] = {
    "progression": Criterion("r2", 0.9, "R² of the expected ordering ≥ 0.9"),
    "regimes": Criterion("nn_accuracy", 0.9, "nearest-neighbour accuracy ≥ 0.9"),
    "motifs": Criterion("spearman", 0.5, "Spearman(distance, motifs not shared) ≥ 0.5"),
    "geometry": Criterion("auc", 0.9, "AUC(same dynamics < same geometry) ≥ 0.9"),
    "noise": Criterion("tolerance", 0.2, "noise tolerance ≥ 0.2 and Spearman(d, s) ≥ 0.9"),
}

CASE_TITLES: dict[str, str] = {
    "progression": "1 · progression B → A",
    "regimes": "2 · regime identification",
    "motifs": "3 · shared motifs",
    "geometry": "4 · geometry vs dynamics",
    "noise": "5 · noise robustness",
}
CASES: tuple[str, ...] = tuple(CASE_TITLES)
_CASE_KEYS = {name: k + 1 for k, name in enumerate(CASES)}


def _rng(seed: int, case: str, *keys: int) -> np.random.Generator:
    """An independent stream for (bench seed, case, keys…): cases never share draws."""
    return np.random.default_rng([int(seed), _CASE_KEYS[case], *map(int, keys)])


def _sub_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**63 - 1))


# ---------------------------------------------------------------------------------------------
# Datasets
# ---------------------------------------------------------------------------------------------


@dataclass
class CaseData:
    """One case's systems (name → trajectories) and their labels (one row per system)."""

    case: str
    systems: dict[str, Trajectories]
    labels: pd.DataFrame
    #: Names of a second set the metrics compare every system against (None: all pairs).
    reference: list[str] | None = None

    def arrays(self, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
        names = list(self.systems) if names is None else list(names)
        return {n: self.systems[n].data for n in names}


def _simulate(
    system: DynamicalSystem, size: BenchSize, rng: np.random.Generator, **kwargs: Any
) -> Trajectories:
    return system.simulate(size.n_trials, size.n_steps, size.dt, _sub_seed(rng), **kwargs)


REGIME_CLASSES: tuple[str, ...] = (
    "lorenz_one_fixed_point",
    "lorenz_two_stable_fixed_points",
    "lorenz_chaotic",
    "line_attractor",
    "limit_cycle",
    "ring_attractor",
)


def regime_system(cls: str, rng: np.random.Generator) -> DynamicalSystem:
    """A system of class ``cls`` with parameters drawn from ``rng`` (see the module doc)."""
    if cls.startswith("lorenz_"):
        rhos = LORENZ_REGIMES[cls.removeprefix("lorenz_")]
        return Lorenz(rho=float(rng.choice(rhos)))
    if cls == "line_attractor":
        rates = rng.uniform(0.5, 3.0, size=2)
        return line_attractor(3, rates, seed=_sub_seed(rng), noise_std=0.3)
    if cls == "limit_cycle":
        return HopfOscillator(mu=1.0, omega=float(rng.uniform(1.5, 2.5) * np.pi), ic="disc")
    if cls == "ring_attractor":
        return RingAttractor(
            k=float(rng.uniform(3.0, 8.0)), noise_std=float(rng.uniform(0.3, 0.6)), ic="disc"
        )
    raise ValueError(f"unknown class {cls!r}; expected one of {REGIME_CLASSES}")


#: The motif library of case 3: five qualitatively different attractors.
MOTIFS: tuple[str, ...] = (
    "limit_cycle",
    "line_attractor",
    "lorenz_chaotic",
    "lorenz_bistable",
    "ring_attractor",
)


def motif_system(name: str) -> DynamicalSystem:
    """The fixed system behind each motif of the shared-motif case (and two spares)."""
    if name == "limit_cycle":
        return HopfOscillator(mu=1.0, omega=2 * np.pi, ic="disc")
    if name == "line_attractor":
        return line_attractor(2, [2.0], seed=11, noise_std=0.3)
    if name == "lorenz_chaotic":
        return Lorenz(rho=40.0)
    if name == "lorenz_bistable":
        return Lorenz(rho=10.0)
    if name == "ring_attractor":
        return RingAttractor(k=5.0, noise_std=0.5, ic="disc")
    if name == "stable_focus":
        return stable_focus(rate=1.0, frequency=4 * np.pi, seed=12, ic_scale=1.0)
    if name == "fast_cycle":
        return HopfOscillator(mu=1.0, omega=6 * np.pi, ic="disc")
    raise ValueError(f"unknown motif {name!r}; expected one of {MOTIFS}")


def build_progression(size: BenchSize, seed: int = 0) -> CaseData:
    """Case 1: A, B and C = B + m·(Ã_s − A₀) under one common embedding (module doc)."""
    rng = _rng(seed, "progression")
    A = normalize(_simulate(Lorenz(rho=40.0), size, rng))
    B = normalize(
        _simulate(line_attractor(3, [1.0, 2.0], seed=_sub_seed(rng), noise_std=0.3), size, rng)
    )
    A0 = A.data[:, :1, :]
    emb_seed = _sub_seed(rng)
    systems: dict[str, Trajectories] = {}
    rows = []

    def add(name: str, traj: Trajectories, m: float, s: float) -> None:
        systems[name] = normalize(embed(traj, size.n_units, "gaussian", emb_seed))
        rows.append({"name": name, "m": m, "noise": s})

    add("A", A, np.nan, np.nan)
    add("B", B, np.nan, np.nan)
    for k, s in enumerate(size.progression_noise):
        noisy_A = add_noise(A, s, _sub_seed(_rng(seed, "progression", 1, k)))
        for m in (1.0, 0.5, 0.25):
            C = B.with_data(B.data + m * (noisy_A.data - A0), labels={"m": m, "noise": s})
            add(f"C_m{m:g}_s{s:g}", C, m, s)
    labels = pd.DataFrame(rows).set_index("name")
    return CaseData("progression", systems, labels, reference=["A", "B"])


def build_regimes(size: BenchSize, seed: int = 0) -> CaseData:
    """Case 2: ``regime_per_class`` systems per class, each with its own embedding."""
    systems: dict[str, Trajectories] = {}
    rows = []
    for c, cls in enumerate(REGIME_CLASSES):
        for k in range(size.regime_per_class):
            rng = _rng(seed, "regimes", c, k)
            system = regime_system(cls, rng)
            traj = _simulate(system, size, rng)
            name = f"{cls}_{k}"
            systems[name] = observe(
                traj, size.n_units, embedding="gaussian", noise=size.noise, seed=_sub_seed(rng)
            )
            rows.append({"name": name, "class": cls, "params": repr(system)})
    return CaseData("regimes", systems, pd.DataFrame(rows).set_index("name"))


def build_motifs(size: BenchSize, seed: int = 0) -> CaseData:
    """Case 3: every k-subset of the motif library, each in ``motif_replicates`` independent
    realisations (own initial conditions, embedding and noise), composed and embedded."""
    systems: dict[str, Trajectories] = {}
    rows = []
    library = MOTIFS[: size.n_motifs]
    for idx, subset in enumerate(combinations(range(len(library)), size.motif_k)):
        for rep in range(size.motif_replicates):
            rng = _rng(seed, "motifs", idx, rep)
            parts = [_simulate(motif_system(library[i]), size, rng) for i in subset]
            name = "+".join(library[i] for i in subset) + f"#{rep}"
            systems[name] = observe(
                compose(parts),
                size.n_units,
                embedding="gaussian",
                noise=size.noise,
                seed=_sub_seed(rng),
            )
            rows.append({"name": name, "motifs": ",".join(map(str, subset)), "replicate": rep})
    return CaseData("motifs", systems, pd.DataFrame(rows).set_index("name"))


def build_geometry(size: BenchSize, seed: int = 0) -> CaseData:
    """Case 4: rotation vs diffusion on the same unit ring, replicated over embeddings."""
    rotation = HopfOscillator(mu=1.0, omega=np.pi, ic="cycle")  # one turn per 2 time units
    diffusion = RingAttractor(k=20.0, noise_std=1.0, ic="ring")
    systems: dict[str, Trajectories] = {}
    rows = []
    for r in range(size.geometry_replicates):
        rng_r = _rng(seed, "geometry", r)
        phases = rng_r.uniform(0, 2 * np.pi, size=size.n_trials)
        x0 = np.stack([np.cos(phases), np.sin(phases)], axis=-1)
        emb_seed, noise_seed = _sub_seed(rng_r), _sub_seed(rng_r)
        for dyn, system in (("rotation", rotation), ("diffusion", diffusion)):
            traj = system.simulate(size.n_trials, size.n_steps, size.dt, _sub_seed(rng_r), x0=x0)
            traj = normalize(embed(normalize(traj), size.n_units, "gaussian", emb_seed))
            name = f"{dyn}_{r}"
            systems[name] = add_noise(traj, size.noise, noise_seed + (dyn == "diffusion"))
            rows.append({"name": name, "dynamics": dyn, "embedding": r})
    return CaseData("geometry", systems, pd.DataFrame(rows).set_index("name"))


NOISE_REFERENCES: dict[str, Callable[[], DynamicalSystem]] = {
    "lorenz_chaotic": lambda: Lorenz(rho=40.0),
    "lorenz_two_stable_fixed_points": lambda: Lorenz(rho=10.0),
    "limit_cycle": lambda: HopfOscillator(mu=1.0, omega=2 * np.pi, ic="disc"),
    "line_attractor": lambda: line_attractor(3, [1.0, 2.0], seed=5, noise_std=0.3),
}


def build_noise(size: BenchSize, seed: int = 0) -> CaseData:
    """Case 5: each reference system clean and under increasing observation noise."""
    systems: dict[str, Trajectories] = {}
    rows = []
    clean = []
    for r, (ref, make) in enumerate(NOISE_REFERENCES.items()):
        rng = _rng(seed, "noise", r)
        base = observe(
            _simulate(make(), size, rng), size.n_units, embedding="gaussian", seed=_sub_seed(rng)
        )
        for k, s in enumerate(size.noise_levels):
            name = f"{ref}_s{s:g}"
            systems[name] = add_noise(base, s, _sub_seed(_rng(seed, "noise", r, k + 1)))
            rows.append({"name": name, "reference": ref, "noise": s})
            if s == 0:
                clean.append(name)
    if len(clean) != len(NOISE_REFERENCES):
        raise ValueError("noise_levels must include 0 (the clean reference)")
    return CaseData("noise", systems, pd.DataFrame(rows).set_index("name"), reference=clean)


BUILDERS: dict[str, Callable[[BenchSize, int], CaseData]] = {
    "progression": build_progression,
    "regimes": build_regimes,
    "motifs": build_motifs,
    "geometry": build_geometry,
    "noise": build_noise,
}
