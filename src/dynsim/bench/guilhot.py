r"""The attractor test case of Guilhot et al. 2024 (arXiv 2410.24070), as the authors built it
(systems: :mod:`dynsim.systems.guilhot`), scored as they scored it, beside their printed numbers.

Four tests (:func:`attractor_test_case` runs them and returns one tidy table):

- **noise** and **mixing** (their ``analysis_lorenz_2`` notebook). Seven patterns (Lorenz
  ρ = 0.5, 5, 10, 15, 30, 40, 50, each with its own 200 starts). For every ordered pair
  (A, B), A ≠ B, and every "epoch" e = 1, 2, 3 with noise s_e = 0.004, 0.002, 0.001 and mixing
  m_e = 1, 0.5, 0.25: model 1 and model 2 are independent noisy copies of A, model 3 is
  B + m_e·(Ã − Ã₀) with Ã a third noisy copy. Noise test: d(model 1, model 2) per epoch;
  mixing test: d(model 2, model 3). Each curve is averaged over the pairs and its linearity in e
  is R² = r² of the least-squares line through (e, mean d) (:func:`trend_r2`, = scipy's
  ``linregress(...).rvalue ** 2``); the "gap" is |d₃ − d₁|.
- **regimes** (``analysis_lorenz_1``): the nine Lorenz systems, each with its own starts; the
  median distance within a regime (pairs of the same regime) and across regimes.
- **motifs** (``compositional`` notebook): five elementary motifs (line, ρ = 0.5, ρ = 5,
  ρ = 15, and line–curve–line–curve attached from the line, the ρ = 0.5 system and both
  with their trials in reverse order); every ordered triple of distinct motifs attached
  (60 systems); mean distance over ordered pairs grouped by the number of motifs the two
  sets share (1, 2, 3). The authors fed DSA the *trial-averaged* trajectory and CKA and
  Procrustes all trials (``motif_dsa_input``).

Scales as the authors reported: DSA the angular score in radians; CKA and Procrustes as
"1 − angular score" of the similarity repository, i.e. the angle divided by π/2 (in [0, 1]).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations, permutations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

import dynsim.metrics as dm
from dynsim.systems.flows import lorenz_regime
from dynsim.systems.guilhot import (
    GUILHOT_RHOS,
    attach,
    line_trials,
    lorenz_trials,
    mix,
    mix_noise,
)

#: The authors' printed numbers (notebooks of qglht/RepAL; DESIGN.md §1; issue 15).
PAPER: dict[tuple[str, str, str], float] = {
    ("noise", "r2", "dsa"): 0.982, ("noise", "r2", "cka"): 0.964,
    ("noise", "r2", "procrustes"): 0.964,
    ("noise", "gap", "dsa"): 0.025, ("noise", "gap", "cka"): 0.018,
    ("noise", "gap", "procrustes"): 0.016,
    ("mixing", "r2", "dsa"): 1.000, ("mixing", "r2", "cka"): 0.999,
    ("mixing", "r2", "procrustes"): 0.997,
    ("mixing", "gap", "dsa"): 0.056, ("mixing", "gap", "cka"): 0.337,
    ("mixing", "gap", "procrustes"): 0.287,
    ("regimes", "within_median", "dsa"): 0.22, ("regimes", "across_median", "dsa"): 0.47,
    ("regimes", "within_median", "cka"): 0.80, ("regimes", "across_median", "cka"): 0.91,
    ("regimes", "within_median", "procrustes"): 0.67,
    ("regimes", "across_median", "procrustes"): 0.79,
    ("motifs", "mean_shared1", "dsa"): 0.765, ("motifs", "mean_shared2", "dsa"): 0.628,
    ("motifs", "mean_shared3", "dsa"): 0.361,
    ("motifs", "mean_shared1", "dsa_trial_mean"): 0.765,
    ("motifs", "mean_shared2", "dsa_trial_mean"): 0.628,
    ("motifs", "mean_shared3", "dsa_trial_mean"): 0.361,
}

#: The patterns of the noise/mixing tests (their "curve" is ρ = 0.5).
PATTERN_RHOS: tuple[float, ...] = (0.5, 5.0, 10.0, 15.0, 30.0, 40.0, 50.0)
NOISE_LEVELS: tuple[float, ...] = (0.004, 0.002, 0.001)
MIXING_LEVELS: tuple[float, ...] = (1.0, 0.5, 0.25)
MOTIF_NAMES: tuple[str, ...] = ("line", "curve", "pattern1", "pattern2", "line_curve_line_curve")


@dataclass(frozen=True)
class AttractorSize:
    """n_trials starts per system, n_steps Euler steps of dt; max_pairs caps the ordered
    pattern pairs of the noise/mixing tests (None: all 42, the paper's)."""

    n_trials: int = 200
    n_steps: int = 200
    dt: float = 0.01
    max_pairs: int | None = None


def default_metrics(n_starts: int = 24) -> dict[str, dict[str, Any]]:
    """The authors' settings per test: DSA 33/6 with rank 50 (noise, mixing, motifs) or 20
    (regimes); CKA and Procrustes angular (rescaled by :func:`paper_scale`)."""
    dsa = {"n_delays": 33, "delay_interval": 6, "score_method": "angular", "n_starts": n_starts}
    return {
        "dsa": {**dsa, "rank": 50},
        "dsa_rank20": {**dsa, "rank": 20},
        "cka": {"score_method": "angular"},
        "procrustes": {"score_method": "angular"},
    }


def paper_scale(metric: str, value: float | np.ndarray) -> Any:
    """DSA stays in radians; CKA/Procrustes angles become 1 − angular score = θ/(π/2)."""
    return value if metric.startswith("dsa") else np.asarray(value) / (np.pi / 2)


def trend_r2(values: np.ndarray | list[float]) -> float:
    """R² of the least-squares line through (1, v₁), …, (k, v_k): the squared Pearson r
    (what sklearn's LinearRegression + r2_score print in the authors' notebook)."""
    v = np.asarray(values, dtype=float)
    return float(sps.linregress(np.arange(1, v.size + 1), v).rvalue ** 2)


def regime_labels(rhos: list[float] | tuple[float, ...]) -> list[str]:
    """The Lorenz regime of each ρ (σ = 10, β = 8/3; :func:`dynsim.systems.lorenz_regime`)."""
    return [lorenz_regime(float(r)) for r in rhos]


def _distance(metric: str, params: dict[str, Any], x: Any, y: Any) -> float:
    m = dm.get(metric.removesuffix("_rank20"), **params)
    return float(paper_scale(metric, m.compare(x, y)))


@dataclass
class _Prepared:
    metrics: dict[str, dict[str, Any]]
    cache: dict[tuple[str, int], Any] = field(default_factory=dict)

    def get(self, metric: str, key: int, data: np.ndarray) -> Any:
        if (metric, key) not in self.cache:
            m = dm.get(metric.removesuffix("_rank20"), **self.metrics[metric])
            self.cache[(metric, key)] = m.prepare(data)
        return self.cache[(metric, key)]


def noise_mixing_test(
    size: AttractorSize, metrics: dict[str, dict[str, Any]], seed: int = 0
) -> pd.DataFrame:
    """The noise and mixing tests (module doc). Returns rows (test, metric, epoch, d_mean,
    d_sem, n_pairs) with d on the paper's scale; metrics: name → parameters (``dsa_rank20``
    is not used here)."""
    rng = np.random.default_rng([seed, 1])
    patterns = {
        rho: lorenz_trials(rho, size.n_trials, size.n_steps, size.dt, rng) for rho in PATTERN_RHOS
    }
    pairs = [(a, b) for a in PATTERN_RHOS for b in PATTERN_RHOS if a != b]
    if size.max_pairs is not None:
        pick = np.random.default_rng([seed, 2]).permutation(len(pairs))[: size.max_pairs]
        pairs = [pairs[i] for i in sorted(pick)]
    used = [m for m in metrics if m != "dsa_rank20"]
    values: dict[tuple[str, str, int], list[float]] = {}
    for a, b in pairs:
        for e, (s, m) in enumerate(zip(NOISE_LEVELS, MIXING_LEVELS, strict=True), start=1):
            m1, m2, noisy = (mix_noise(patterns[a], s, rng) for _ in range(3))
            m3 = mix(patterns[b], noisy, m)
            for metric in used:
                params = metrics[metric]
                met = dm.get(metric, **params)
                p1, p2, p3 = met.prepare(m1), met.prepare(m2), met.prepare(m3)
                values.setdefault(("noise", metric, e), []).append(
                    float(paper_scale(metric, met.compare(p1, p2)))
                )
                values.setdefault(("mixing", metric, e), []).append(
                    float(paper_scale(metric, met.compare(p2, p3)))
                )
    rows = [
        {
            "test": test, "metric": metric, "epoch": e, "d_mean": float(np.mean(v)),
            "d_sem": float(np.std(v) / np.sqrt(len(v))), "n_pairs": len(v),
        }
        for (test, metric, e), v in values.items()
    ]
    return pd.DataFrame(rows)


def regime_test(
    size: AttractorSize, metrics: dict[str, dict[str, Any]], seed: int = 0
) -> pd.DataFrame:
    """Within- vs across-regime distances of the nine Lorenz systems. Returns one row per
    unordered pair (metric, a, b, regime_a, regime_b, within, d) on the paper's scale. DSA
    uses ``dsa_rank20`` (the authors' rank for this test) when given."""
    rng = np.random.default_rng([seed, 3])
    rhos = [r for group in GUILHOT_RHOS.values() for r in group]
    labels = regime_labels(rhos)
    data = [lorenz_trials(r, size.n_trials, size.n_steps, size.dt, rng) for r in rhos]
    used = [m for m in metrics if not (m == "dsa" and "dsa_rank20" in metrics)]
    rows = []
    for metric in used:
        prep = _Prepared(metrics)
        for i, j in combinations(range(len(rhos)), 2):
            d = _distance(
                metric, metrics[metric], prep.get(metric, i, data[i]), prep.get(metric, j, data[j])
            )
            rows.append(
                {
                    "metric": metric.removesuffix("_rank20"), "a": rhos[i], "b": rhos[j],
                    "regime_a": labels[i], "regime_b": labels[j],
                    "within": labels[i] == labels[j], "d": d,
                }
            )
    return pd.DataFrame(rows)


def motif_library(size: AttractorSize, seed: int = 0) -> dict[str, np.ndarray]:
    """The five elementary motifs of the shared-motif test, (trial, time, 3) each."""
    rng = np.random.default_rng([seed, 4])
    n, t, dt = size.n_trials, size.n_steps, size.dt
    line = line_trials(n, t, rng)
    curve = lorenz_trials(0.5, n, t, dt, rng)
    lib = {
        "line": line,
        "curve": curve,
        "pattern1": lorenz_trials(5.0, n, t, dt, rng),
        "pattern2": lorenz_trials(15.0, n, t, dt, rng),
    }
    lib["line_curve_line_curve"] = attach([line, curve, line[::-1], curve[::-1]])
    return lib


def shared_motif_test(
    size: AttractorSize,
    metrics: dict[str, dict[str, Any]],
    seed: int = 0,
    *,
    motif_dsa_input: str = "trial_mean",
    dsa_overrides: dict[str, Any] | None = None,
    n_systems: int | None = None,
) -> pd.DataFrame:
    """Every ordered triple of distinct motifs attached (60 systems); one row per ordered pair
    i ≠ j (metric, a, b, shared, d), shared = |set(a) ∩ set(b)| ∈ {1, 2, 3}.

    motif_dsa_input : ``"trial_mean"`` (the authors': DSA sees the trial-averaged trajectory,
    (1, time, 3); an integer DSA rank above that trajectory's delay embedding is clamped to
    the embedding's size, as the authors' package does silently) or ``"trials"`` (every
    trial, as CKA and Procrustes do).
    dsa_overrides : DSA parameters changed for this test only (e.g. ``{"ridge": 1e-6}``: with
    n_delays 33 and delay_interval 6 a 200-step trajectory has 8 delay vectors, too few for
    an unregularised rank-8 fit, which dynsim refuses — NaN with the reason — where the
    reference implementation returns the minimum-norm solution).
    n_systems : a seeded subset of the 60 triples (None: all, the paper's).
    """
    if motif_dsa_input not in ("trial_mean", "trials"):
        raise ValueError(
            f"motif_dsa_input must be 'trial_mean' or 'trials', got {motif_dsa_input!r}"
        )
    lib = motif_library(size, seed)
    triples = list(permutations(MOTIF_NAMES, 3))
    if n_systems is not None:
        pick = np.random.default_rng([seed, 5]).permutation(len(triples))[:n_systems]
        triples = [triples[i] for i in sorted(pick)]
    systems = {"+".join(t): attach([lib[k] for k in t]) for t in triples}
    rows = []
    for metric, params in metrics.items():
        if metric == "dsa_rank20":
            continue
        data = systems
        if metric == "dsa":
            params = {**params, **(dsa_overrides or {})}
        if metric == "dsa" and motif_dsa_input == "trial_mean":
            data = {k: v.mean(axis=0, keepdims=True) for k, v in systems.items()}
            # The authors' rank 50 exceeds what one 200-step trajectory embeds (8 delay
            # vectors at 33 delays 6 apart); their package clamps it silently, dynsim refuses
            # it, so this reproduction clamps explicitly to the embedding's size.
            n_time, n_units = next(iter(data.values())).shape[1:]
            span = (params.get("n_delays", 1) - 1) * params.get("delay_interval", 1)
            embedded = min(n_time - span, params.get("n_delays", 1) * n_units)
            if isinstance(params.get("rank"), int) and params["rank"] > embedded:
                params = {**params, "rank": embedded}
        mat = paper_scale(metric, dm.pairwise(data, metric, **params).values)
        for i, j in permutations(range(len(triples)), 2):
            shared = len(set(triples[i]) & set(triples[j]))
            rows.append(
                {"metric": metric, "a": "+".join(triples[i]), "b": "+".join(triples[j]),
                 "shared": shared, "d": float(mat[i, j])}
            )
    return pd.DataFrame(rows)


def summarise(
    noise_mixing: pd.DataFrame | None = None,
    regimes: pd.DataFrame | None = None,
    motifs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (test, score, metric): dynsim's value beside the paper's (NaN if none)."""
    rows: list[dict[str, Any]] = []

    def add(test: str, score: str, metric: str, value: float) -> None:
        rows.append({"test": test, "score": score, "metric": metric, "dynsim": value,
                     "paper": PAPER.get((test, score, metric), np.nan)})

    if noise_mixing is not None and len(noise_mixing):
        for (test, metric), g in noise_mixing.groupby(["test", "metric"], sort=False):
            curve = g.sort_values("epoch")["d_mean"].to_numpy()
            add(test, "r2", metric, trend_r2(curve))
            add(test, "gap", metric, float(abs(curve[-1] - curve[0])))
            for e, v in enumerate(curve, start=1):
                add(test, f"mean_epoch{e}", metric, float(v))
    if regimes is not None and len(regimes):
        for metric, g in regimes.groupby("metric", sort=False):
            add("regimes", "within_median", metric, float(g.loc[g.within, "d"].median()))
            add("regimes", "across_median", metric, float(g.loc[~g.within, "d"].median()))
    if motifs is not None and len(motifs):
        for metric, g in motifs.groupby("metric", sort=False):
            for k, v in g.groupby("shared")["d"].mean().items():
                add("motifs", f"mean_shared{k}", metric, float(v))
            rho = sps.spearmanr(g["shared"], g["d"]).statistic
            add("motifs", "spearman_shared", metric, float(rho))
    return pd.DataFrame(rows)


def attractor_test_case(
    size: AttractorSize | None = None,
    metrics: dict[str, dict[str, Any]] | None = None,
    seed: int = 0,
    *,
    tests: tuple[str, ...] = ("noise_mixing", "regimes", "motifs"),
    motif_systems: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the chosen tests; returns ``{"summary": …, "noise_mixing": …, "regimes": …,
    "motifs": …}`` (raw tables and :func:`summarise`'s table). Deterministic given ``seed``.

    The shared-motif test runs DSA twice: as the authors did, on the trial-averaged
    trajectory (metric ``dsa_trial_mean``, with a ridge of 1e-8 so the underdetermined fit
    has an answer), and on every trial (``dsa``; on ``motif_systems`` of the 60 systems when
    given, since rank-50 alignments of all 1770 pairs take long); CKA and Procrustes on every
    trial of all 60 systems."""
    size = size or AttractorSize()
    metrics = metrics or default_metrics()
    unknown = set(tests) - {"noise_mixing", "regimes", "motifs"}
    if unknown:
        raise ValueError(f"unknown tests {sorted(unknown)}; use noise_mixing, regimes, motifs")
    out: dict[str, pd.DataFrame] = {}
    if "noise_mixing" in tests:
        out["noise_mixing"] = noise_mixing_test(size, metrics, seed)
    if "regimes" in tests:
        out["regimes"] = regime_test(size, metrics, seed)
    if "motifs" in tests:
        parts = []
        if "dsa" in metrics:
            mean = shared_motif_test(
                size, {"dsa": metrics["dsa"]}, seed, motif_dsa_input="trial_mean",
                dsa_overrides={"ridge": 1e-8},
            )
            parts.append(mean.assign(metric="dsa_trial_mean"))
            parts.append(
                shared_motif_test(
                    size, {"dsa": metrics["dsa"]}, seed, motif_dsa_input="trials",
                    n_systems=motif_systems,
                )
            )
        others = {k: v for k, v in metrics.items() if not k.startswith("dsa")}
        if others:
            parts.append(shared_motif_test(size, others, seed))
        out["motifs"] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out["summary"] = summarise(out.get("noise_mixing"), out.get("regimes"), out.get("motifs"))
    return out
