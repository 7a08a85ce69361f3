r"""Ground-truth bench: which similarity metric sees *dynamics*?

Five cases, each a labelled set of synthetic systems
(:class:`~dynsim.bench.cases.CaseData`) with a known expected structure, compared by every
metric through :func:`dynsim.pairwise.compute` (in-process), and scored by one number per
metric against a pass criterion fixed in the code (:data:`~dynsim.bench.cases.CRITERIA`):

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

Modules: :mod:`~dynsim.bench.cases` (sizes, criteria, case builders),
:mod:`~dynsim.bench.scoring` (scores from a distance matrix), :mod:`~dynsim.bench.run` (the
runner), :mod:`~dynsim.bench.result` (what a run returns), :mod:`~dynsim.bench.report` (CSV,
Markdown and the docs page) and :mod:`~dynsim.bench.figure`. The systems themselves come from
the leaf package :mod:`dynsim.systems`; the bench adds the metrics and the pairwise engine.
Command line: ``dynsim systems-bench``; workflow: ``snakemake systems_bench``.
"""

from __future__ import annotations

from dynsim.bench.cases import (
    BUILDERS,
    CASE_TITLES,
    CASES,
    CRITERIA,
    DEFAULT_METRICS,
    DSA_PARAMS,
    MOTIFS,
    NOISE_REFERENCES,
    REGIME_CLASSES,
    SIZES,
    BenchSize,
    CaseData,
    Criterion,
    build_geometry,
    build_motifs,
    build_noise,
    build_progression,
    build_regimes,
    motif_system,
    regime_system,
)
from dynsim.bench.figure import bench_figure
from dynsim.bench.report import (
    CASE_EXPLANATIONS,
    docs_markdown,
    results_markdown,
    write_docs,
    write_outputs,
)
from dynsim.bench.result import BenchResult, CaseResult
from dynsim.bench.run import resolve_metrics, run_bench, run_case
from dynsim.bench.scoring import (
    SCORERS,
    auc,
    isotonic_fit,
    isotonic_r2,
    nearest_neighbour_accuracy,
    score_geometry,
    score_motifs,
    score_noise,
    score_progression,
    score_regimes,
    silhouette,
)

__all__ = [
    "BUILDERS",
    "CASES",
    "CASE_EXPLANATIONS",
    "CASE_TITLES",
    "CRITERIA",
    "DEFAULT_METRICS",
    "DSA_PARAMS",
    "MOTIFS",
    "NOISE_REFERENCES",
    "REGIME_CLASSES",
    "SCORERS",
    "SIZES",
    "BenchResult",
    "BenchSize",
    "CaseData",
    "CaseResult",
    "Criterion",
    "auc",
    "bench_figure",
    "build_geometry",
    "build_motifs",
    "build_noise",
    "build_progression",
    "build_regimes",
    "docs_markdown",
    "isotonic_fit",
    "isotonic_r2",
    "motif_system",
    "nearest_neighbour_accuracy",
    "regime_system",
    "resolve_metrics",
    "results_markdown",
    "run_bench",
    "run_case",
    "score_geometry",
    "score_motifs",
    "score_noise",
    "score_progression",
    "score_regimes",
    "silhouette",
    "write_docs",
    "write_outputs",
]
