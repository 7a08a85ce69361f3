r"""Ground-truth bench: which similarity metric sees *dynamics*?

Five cases, each a labelled set of synthetic systems (:class:`CaseData`) with a known
expected structure, compared by every metric through :func:`dynsim.pairwise.compute`
(in-process), and scored by one number per metric against a pass criterion fixed in the code
(:data:`CRITERIA`):

1. **progression** (after Guilhot et al., Fig. 2). A = chaotic Lorenz (ρ = 40), B = a line
   attractor, and C = B + m·(Ã_s − A₀) for m ∈ {1, 0.5, 0.25}, where Ã_s = √(1−s²)A + sε is A
   with observation noise s and A₀ its initial state (per trial), for increasing s; all under
   one common embedding. The relative position of C on the A–B axis,
   p = d(C, B)/(d(C, A) + d(C, B)), should grow with m at every noise level. Score: R² of that
   expected ordering, 1 − Σ(p − p̂)²/Σ(p − p̄_s)², with p̂ the best non-decreasing function of
   m within each noise level s (isotonic regression) and p̄_s the level's mean: 1 when every
   level is ordered as expected, lower as more of the within-level variance contradicts it.
2. **regimes**. Many systems from six classes — Lorenz with one fixed point, with two stable
   fixed points and chaotic (ρ drawn from :data:`~dynsim.systems.flows.LORENZ_REGIMES`), line
   attractors, limit cycles and ring attractors (parameters drawn per system) — each with its
   own initial conditions, a random Gaussian embedding and observation noise. Score:
   leave-one-out nearest-neighbour accuracy of the class (and the silhouette, reported).
3. **motifs**. Systems composed of k of 5 motifs (:data:`MOTIFS`: limit cycle, line
   attractor, chaotic and bistable Lorenz, ring attractor) in separate subspaces: every
   k-subset, each in independent replicates (own initial conditions, embedding and noise).
   Score: Spearman correlation between the distance of two systems and the number of motifs
   they do not share, |S Δ T| (0 between replicates).
4. **geometry**. The same unit ring traversed by a rotation (a limit cycle started on it) and
   by noise-driven diffusion (a ring attractor started on it), from the same initial phases
   and under the same embedding: same geometry, different dynamics. Each replicate draws new
   initial phases and a new random embedding, so pairs of the same system across replicates
   are same dynamics, different embedding (and different initial conditions). Score:
   AUC = P(d(same dynamics) < d(same geometry, different dynamics)).
5. **noise**. Four reference systems observed with increasing noise s. Score: the noise
   tolerance — the largest s up to which every noisy system stays closer to its clean self
   than its clean self is to any other reference; also the Spearman correlation of distance
   with s (reported, and required to be high).

:func:`run_bench` writes ``results.csv`` (one row per case × metric × score; deterministic
given the seed), ``results.md`` (the pass table, generated from the run), ``distances.csv``
(every computed distance) and a multi-panel figure ``systems.png``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy.stats import spearmanr

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
    "procrustes": {"score": "angular"},
    "cka": {"score": "angular"},
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

# ---------------------------------------------------------------------------------------------
# Scores (pure functions of a distance matrix and the labels)
# ---------------------------------------------------------------------------------------------


def isotonic_fit(y: Sequence[float]) -> np.ndarray:
    """Least-squares non-decreasing fit to ``y`` (pool-adjacent-violators)."""
    blocks: list[list[float]] = []  # [sum, count] of each pooled block
    for v in np.asarray(y, dtype=float):
        blocks.append([float(v), 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return np.concatenate([np.full(int(c), t / c) for t, c in blocks])


def isotonic_r2(y: Sequence[float], x: Sequence[float], groups: Sequence[Any]) -> float:
    r"""R² of the expected ordering: y should increase with x within each group.

    Within each group g, ŷ is the best non-decreasing function of x (isotonic regression) and
    ȳ_g the group mean; R² = 1 − Σ(y − ŷ)²/Σ(y − ȳ_g)². It is 1 exactly when y is ordered as
    expected in every group and falls with the share of the within-group variance that
    contradicts the ordering (0 when every group is exactly reversed).
    """
    y, x, groups = (np.asarray(v) for v in (y, x, groups))
    ss_res = ss_tot = 0.0
    for g in np.unique(groups):
        sel = np.flatnonzero(groups == g)
        order = sel[np.argsort(x[sel], kind="stable")]
        yg = y[order].astype(float)
        ss_res += float(np.sum((yg - isotonic_fit(yg)) ** 2))
        ss_tot += float(np.sum((yg - yg.mean()) ** 2))
    if ss_tot == 0 or not np.isfinite(ss_tot):
        return float("nan")
    return 1.0 - ss_res / ss_tot


def nearest_neighbour_accuracy(distance: np.ndarray, labels: Sequence[Any]) -> float:
    """Leave-one-out 1-NN accuracy: the label of each system's nearest other system."""
    d = np.array(distance, dtype=float)
    d = np.where(np.isfinite(d), d, np.inf)
    np.fill_diagonal(d, np.inf)
    labels = np.asarray(labels)
    return float(np.mean(labels[np.argmin(d, axis=1)] == labels))


def silhouette(distance: np.ndarray, labels: Sequence[Any]) -> float:
    r"""Mean silhouette s_i = (b_i − a_i)/max(a_i, b_i) from a precomputed distance matrix.

    a_i is the mean distance to the other members of i's class, b_i the smallest mean distance
    to another class; s_i = 0 for a class of one member (as in scikit-learn).
    """
    d = np.asarray(distance, dtype=float)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    scores = []
    for i in range(len(labels)):
        same = (labels == labels[i]) & (np.arange(len(labels)) != i)
        if not same.any():
            scores.append(0.0)
            continue
        a = np.nanmean(d[i, same])
        b = min(np.nanmean(d[i, labels == c]) for c in classes if c != labels[i])
        scores.append((b - a) / max(a, b) if max(a, b) > 0 else 0.0)
    return float(np.mean(scores))


def auc(lower: Sequence[float], higher: Sequence[float]) -> float:
    """P(x < y) + ½P(x = y) for x from ``lower`` and y from ``higher`` (NaNs dropped)."""
    x = np.asarray(lower, dtype=float)
    y = np.asarray(higher, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if not len(x) or not len(y):
        return float("nan")
    diff = y[None, :] - x[:, None]
    return float(np.mean((diff > 0) + 0.5 * (diff == 0)))


def _spearman(x: Sequence[float], y: Sequence[float]) -> float:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return float("nan")
    return float(spearmanr(x[ok], y[ok]).statistic)


def _matrix(ds: xr.Dataset) -> pd.DataFrame:
    return ds["distance"].to_pandas()


def score_progression(ds: xr.Dataset, data: CaseData) -> tuple[dict[str, float], pd.DataFrame]:
    d = _matrix(ds)
    rows = data.labels.dropna(subset=["m"]).copy()
    rows["d_A"] = [d.loc[n, "A"] for n in rows.index]
    rows["d_B"] = [d.loc[n, "B"] for n in rows.index]
    rows["position"] = rows["d_B"] / (rows["d_A"] + rows["d_B"])
    levels = rows["noise"].to_numpy()
    per_level = [_spearman(sub["m"], sub["position"]) for _, sub in rows.groupby("noise")]
    scores = {
        "r2": isotonic_r2(rows["position"].to_numpy(), rows["m"].to_numpy(), levels),
        "spearman": float(np.nanmean(per_level)),
    }
    return scores, rows


def score_regimes(ds: xr.Dataset, data: CaseData) -> tuple[dict[str, float], pd.DataFrame]:
    d = _matrix(ds)
    names = list(d.index)
    labels = data.labels.loc[names, "class"].to_numpy()
    full = _symmetrise(d.to_numpy())
    scores = {
        "nn_accuracy": nearest_neighbour_accuracy(full, labels),
        "silhouette": silhouette(full, labels),
    }
    return scores, pd.DataFrame(full, index=names, columns=names)


def score_motifs(ds: xr.Dataset, data: CaseData) -> tuple[dict[str, float], pd.DataFrame]:
    d = _matrix(ds)
    sets = {n: set(data.labels.loc[n, "motifs"].split(",")) for n in d.index}
    rows = [
        {"a": a, "b": b, "not_shared": len(sets[a] ^ sets[b]), "distance": d.loc[a, b]}
        for a, b in combinations(d.index, 2)
    ]
    pairs = pd.DataFrame(rows)
    return {"spearman": _spearman(pairs["not_shared"], pairs["distance"])}, pairs


def score_geometry(ds: xr.Dataset, data: CaseData) -> tuple[dict[str, float], pd.DataFrame]:
    d = _matrix(ds)
    lab = data.labels
    rows = []
    for a, b in combinations(d.index, 2):
        same_dyn = lab.loc[a, "dynamics"] == lab.loc[b, "dynamics"]
        same_emb = lab.loc[a, "embedding"] == lab.loc[b, "embedding"]
        if same_dyn:
            kind = "same dynamics, other embedding"
        elif same_emb:
            kind = "same geometry, other dynamics"
        else:
            kind = "other dynamics, other embedding"
        rows.append({"a": a, "b": b, "kind": kind, "distance": d.loc[a, b]})
    pairs = pd.DataFrame(rows)
    same_dyn = pairs.loc[pairs["kind"] == "same dynamics, other embedding", "distance"]
    same_geom = pairs.loc[pairs["kind"] == "same geometry, other dynamics", "distance"]
    ratio = (
        float(np.median(same_geom) / np.median(same_dyn))
        if np.median(same_dyn) > 0
        else (float("inf"))
    )
    return {"auc": auc(same_dyn, same_geom), "ratio": ratio}, pairs


def score_noise(ds: xr.Dataset, data: CaseData) -> tuple[dict[str, float], pd.DataFrame]:
    d = _matrix(ds)  # every system × the clean references
    lab = data.labels
    clean_of = {lab.loc[c, "reference"]: c for c in d.columns}
    tolerances, rhos, rows = [], [], []
    for ref, clean in clean_of.items():
        others = [d.loc[clean, c] for c in d.columns if c != clean]
        threshold = float(np.nanmin(others))
        sub = lab[lab["reference"] == ref].sort_values("noise")
        dist = np.array([d.loc[n, clean] for n in sub.index])
        levels = sub["noise"].to_numpy()
        below = np.cumprod(dist < threshold).astype(bool)  # still recognised up to here
        tolerances.append(float(levels[below].max()) if below.any() else 0.0)
        rhos.append(_spearman(levels, dist))
        rows += [
            {"reference": ref, "noise": s, "distance": v, "threshold": threshold}
            for s, v in zip(levels, dist, strict=True)
        ]
    return {"tolerance": float(min(tolerances)), "spearman": float(np.nanmean(rhos))}, pd.DataFrame(
        rows
    )


SCORERS: dict[str, Callable[[xr.Dataset, CaseData], tuple[dict[str, float], pd.DataFrame]]] = {
    "progression": score_progression,
    "regimes": score_regimes,
    "motifs": score_motifs,
    "geometry": score_geometry,
    "noise": score_noise,
}


def _symmetrise(d: np.ndarray) -> np.ndarray:
    d = np.array(d, dtype=float)
    filled = np.where(np.isfinite(d), d, d.T)
    np.fill_diagonal(filled, 0.0)
    return filled


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


@dataclass
class CaseResult:
    case: str
    metric: str
    matrix: xr.Dataset
    scores: dict[str, float]
    passed: bool
    detail: pd.DataFrame
    seconds: float


@dataclass
class BenchResult:
    size: str
    seed: int
    metrics: dict[str, dict[str, Any]]
    results: list[CaseResult] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, CaseData] = field(default_factory=dict)
    seconds: float = 0.0

    def table(self) -> pd.DataFrame:
        """One row per case × metric × score (the content of results.csv)."""
        rows = []
        for r in self.results:
            crit = CRITERIA[r.case]
            for score, value in r.scores.items():
                decisive = score == crit.score
                rows.append(
                    {
                        "case": r.case,
                        "metric": r.metric,
                        "score": score,
                        "value": round(float(value), 6),
                        "threshold": crit.threshold if decisive else np.nan,
                        "passed": r.passed if decisive else None,
                    }
                )
        return pd.DataFrame(
            rows, columns=["case", "metric", "score", "value", "threshold", "passed"]
        )

    def get(self, case: str, metric: str) -> CaseResult:
        for r in self.results:
            if r.case == case and r.metric == metric:
                return r
        raise KeyError((case, metric))


def resolve_metrics(
    metrics: Sequence[str] | Mapping[str, Mapping[str, Any]] | None,
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The metrics to run (name → params) and those skipped (name → reason)."""
    from dynsim import metrics as registry

    if metrics is None:
        wanted: dict[str, dict[str, Any]] = {k: dict(v) for k, v in DEFAULT_METRICS.items()}
    elif isinstance(metrics, Mapping):
        wanted = {k: dict(v or {}) for k, v in metrics.items()}
    else:
        wanted = {k: dict(DEFAULT_METRICS.get(k, {})) for k in metrics}
    available = set(registry.available())
    run, skipped = {}, {}
    for name, params in wanted.items():
        if name not in available:
            skipped[name] = "not registered in dynsim.metrics (not available in this version)"
            continue
        try:
            registry.get(name, **params)
        except (TypeError, ValueError) as err:
            skipped[name] = f"cannot be constructed with {params}: {err}"
            continue
        run[name] = params
    return run, skipped


def run_case(case: str, data: CaseData, metric: str, params: Mapping[str, Any]) -> CaseResult:
    """Distances (via the pairwise engine, in-process) and scores of one metric on one case."""
    from dynsim.pairwise import compute

    start = time.perf_counter()
    other = None if data.reference is None else data.arrays(data.reference)
    matrix = compute(
        metric,
        data.arrays(),
        other,
        metric_params=dict(params),
        backend="inprocess",
        progress=False,
    )
    scores, detail = SCORERS[case](matrix, data)
    seconds = time.perf_counter() - start
    return CaseResult(case, metric, matrix, scores, CRITERIA[case].passes(scores), detail, seconds)


def run_bench(
    out_dir: str | Path | None,
    size: str | BenchSize = "default",
    seed: int = 0,
    metrics: Sequence[str] | Mapping[str, Mapping[str, Any]] | None = None,
    *,
    cases: Sequence[str] | None = None,
    figure: bool = True,
    docs: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> BenchResult:
    """Run the bench and (when ``out_dir`` is given) write its files there.

    size : "default" (≤ a few minutes on 2 CPU cores), "small" (seconds; for tests) or a
        :class:`BenchSize`.
    metrics : names (parameters from :data:`DEFAULT_METRICS`) or name → parameters; default:
        procrustes, cka, dsa and dsa_wasserstein. A metric that is not registered (e.g. DSA
        in a dynsim without it) is skipped with a message, and listed in results.md.
    cases : a subset of :data:`CASES` (default: all).
    docs : also write the documentation page (:func:`docs_markdown`) to this path.
    """
    say = log or (lambda msg: print(msg, file=sys.stderr))
    spec = SIZES[size] if isinstance(size, str) else size
    size_name = size if isinstance(size, str) else "custom"
    run, skipped = resolve_metrics(metrics)
    for name, reason in skipped.items():
        say(f"systems-bench: skipping metric {name!r}: {reason}")
    if not run:
        raise ValueError(f"no metric can be run (skipped: {skipped})")
    chosen = list(CASES) if cases is None else list(cases)
    unknown = set(chosen) - set(CASES)
    if unknown:
        raise ValueError(f"unknown case(s) {sorted(unknown)}; choose from {CASES}")

    start = time.perf_counter()
    result = BenchResult(size=size_name, seed=seed, metrics=run, skipped=skipped)
    for case in chosen:
        t0 = time.perf_counter()
        data = BUILDERS[case](spec, seed)
        result.datasets[case] = data
        say(
            f"systems-bench: {case}: {len(data.systems)} systems built in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        for metric, params in run.items():
            res = run_case(case, data, metric, params)
            result.results.append(res)
            crit = CRITERIA[case]
            say(
                f"systems-bench: {case} × {metric}: {crit.score} = "
                f"{res.scores[crit.score]:.3f} ({'pass' if res.passed else 'fail'}; "
                f"{res.seconds:.1f} s)"
            )
    result.seconds = time.perf_counter() - start
    if out_dir is not None:
        write_outputs(result, Path(out_dir), spec, figure=figure)
    if docs is not None:
        Path(docs).parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(Path(docs), docs_markdown(result, spec))
    return result


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------


def write_outputs(result: BenchResult, out: Path, spec: BenchSize, figure: bool = True) -> None:
    """results.csv, distances.csv, results.md and (optionally) systems.png in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(out / "results.csv", result.table().to_csv(index=False, lineterminator="\n"))
    _atomic_write(
        out / "distances.csv", _distances(result).to_csv(index=False, lineterminator="\n")
    )
    _atomic_write(out / "results.md", results_markdown(result, spec))
    if figure:
        from dynsim.systems.bench_figure import bench_figure

        tmp = out / ".systems.tmp.png"
        bench_figure(result, tmp)
        tmp.replace(out / "systems.png")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _distances(result: BenchResult) -> pd.DataFrame:
    rows = []
    for r in result.results:
        dist = r.matrix["distance"].values
        status = r.matrix["status"].values
        names_a = [str(v) for v in r.matrix["model_a"].values]
        names_b = [str(v) for v in r.matrix["model_b"].values]
        square = names_a == names_b
        for i, a in enumerate(names_a):
            for j, b in enumerate(names_b):
                if square and j <= i:
                    continue
                rows.append(
                    {
                        "case": r.case,
                        "metric": r.metric,
                        "model_a": a,
                        "model_b": b,
                        "distance": round(float(dist[i, j]), 8),
                        "status": status[i, j],
                    }
                )
    return pd.DataFrame(rows)


CASE_EXPLANATIONS: dict[str, str] = {
    "progression": (
        "A is a chaotic Lorenz system (ρ = 40), B a line attractor, and each third system is "
        "C = B + m·(Ã − A₀): B plus a share m ∈ {1, ½, ¼} of A's displacement from its initial "
        "state, where Ã is A with observation noise s mixed in (x ← √(1−s²)x + sε), for "
        "increasing s. All systems share one random embedding. A metric passes when the "
        "relative position d(C,B)/(d(C,A) + d(C,B)) grows with m at every noise level; the score "
        "is the R² of that expected ordering (isotonic regression within each noise level), so "
        "uneven spacing costs nothing and every inversion costs its share of the variance."
    ),
    "regimes": (
        "Six classes — Lorenz with one stable fixed point (ρ ∈ {0.25, 0.5, 0.75}), with two "
        "stable fixed points (ρ ∈ {5, 10, 15}) and chaotic (ρ ∈ {30, 40, 50}), line attractors, "
        "limit cycles and ring attractors with parameters drawn per system — each system with "
        "its own initial conditions, its own random Gaussian embedding and the default "
        "observation noise. Nothing but the dynamics is shared within a class. Scores: "
        "leave-one-out nearest-neighbour accuracy of the class (decisive) and the silhouette."
    ),
    "motifs": (
        "Each system is made of k of five motifs (limit cycle, line attractor, chaotic Lorenz, "
        "bistable Lorenz, ring attractor) placed in separate subspaces, then embedded and noised; "
        "every k-subset appears in independent replicates. Distance should grow with the "
        "number of motifs two systems do not share (0 for replicates); the score is the "
        "Spearman correlation over all pairs. Motifs differ in how different they are from each "
        "other, which caps the correlation even for a metric that sees every motif."
    ),
    "geometry": (
        "The same unit ring is traversed by a rotation (a limit cycle started on it) or by "
        "noise-driven diffusion (a ring attractor started on it), from the same initial phases "
        "and under the same embedding: same geometry, different dynamics. Replicates draw new "
        "phases and a new random embedding, giving pairs with the same dynamics under different "
        "embeddings. The score is the AUC for telling the two kinds of pair apart "
        "(P(same-dynamics distance < same-geometry distance)); 0.5 is chance, below 0.5 means "
        "the metric calls the same geometry more similar than the same dynamics."
    ),
    "noise": (
        "Four reference systems (chaotic and bistable Lorenz, a limit cycle, a line attractor), "
        "each observed with increasing noise s. The tolerance is the largest s up to which every "
        "noisy system is still closer to its own clean version than that clean version is to "
        "any other reference; the distance should also grow steadily with s "
        "(mean Spearman over references ≥ 0.9). For metrics that match samples one to one, "
        "references with independent initial conditions sit near their largest possible "
        "distance from each other, which makes the threshold lenient for them."
    ),
}


def docs_markdown(result: BenchResult, spec: BenchSize, command: str | None = None) -> str:
    """The documentation page: what each case tests, then the generated results."""
    command = command or (
        f"dynsim systems-bench --out results/systems --size {result.size} --seed {result.seed} "
        "--docs docs/systems_bench.md"
    )
    lines = [
        "# The systems bench: which metric sees dynamics?",
        "",
        "Synthetic dynamical systems with known ground truth (`dynsim.systems`) are compared by "
        "each metric, and each metric is scored on five cases with a pass criterion fixed in "
        "the code (`dynsim.systems.bench.CRITERIA`). Everything below the case descriptions is "
        "generated by the run; regenerate this page with",
        "",
        "```bash",
        command,
        "```",
        "",
        "or run the workflow target `snakemake --cores 2 systems_bench`.",
        "",
        "## The cases",
        "",
    ]
    for case in CASES:
        lines += [f"**{CASE_TITLES[case]}.** {CASE_EXPLANATIONS[case]}", ""]
    body = results_markdown(result, spec).split("\n", 1)[1]  # drop the results.md title
    body = "\n" + body.lstrip("\n")
    return "\n".join([*lines, "## Results", body.replace("\n## ", "\n### ")])


def results_markdown(result: BenchResult, spec: BenchSize) -> str:
    """The pass table and every score, generated from the run (no hand-edited numbers)."""
    metrics = list(result.metrics)
    lines = [
        "# Systems bench: which metric sees dynamics?",
        "",
        f"Generated by `dynsim systems-bench` (size `{result.size}`, seed {result.seed}); "
        "every number below comes from this run.",
        "",
        "## Which metric passes which case",
        "",
        "| case | criterion | " + " | ".join(metrics) + " |",
        "|---|---|" + "---|" * len(metrics),
    ]
    cases = [c for c in CASES if any(r.case == c for r in result.results)]
    for case in cases:
        crit = CRITERIA[case]
        cells = []
        for m in metrics:
            r = result.get(case, m)
            cells.append(f"{r.scores[crit.score]:.3f} {'✅' if r.passed else '❌'}")
        lines.append(f"| {CASE_TITLES[case]} | {crit.text} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## All scores",
        "",
        "| case | score | " + " | ".join(metrics) + " |",
        "|---|---|" + "---|" * len(metrics),
    ]
    for case in cases:
        for score in result.get(case, metrics[0]).scores:
            vals = [f"{result.get(case, m).scores[score]:.3f}" for m in metrics]
            lines.append(f"| {case} | {score} | " + " | ".join(vals) + " |")
    lines += ["", "## Run", ""]
    for case in cases:
        data = result.datasets.get(case)
        n = len(data.systems) if data is not None else 0
        secs = ", ".join(f"{m} {result.get(case, m).seconds:.1f} s" for m in metrics)
        lines.append(f"- {case}: {n} systems; {secs}")
    lines.append(f"- total: {result.seconds:.1f} s")
    lines.append(
        f"- size: {spec.n_trials} trials × {spec.n_steps} steps (dt {spec.dt}), "
        f"{spec.n_units} units, default observation noise s = {spec.noise}"
    )
    for m, params in result.metrics.items():
        lines.append(f"- {m}: {params}")
    for m, reason in result.skipped.items():
        lines.append(f"- **{m} skipped**: {reason}")
    return "\n".join(lines) + "\n"
