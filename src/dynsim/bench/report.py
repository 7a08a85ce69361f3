"""The systems bench's files: results.csv, distances.csv, results.md, the figure, and the
documentation page (``docs/systems_bench.md``), all generated from a run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dynsim.bench.cases import CASE_TITLES, CASES, CRITERIA, BenchSize
from dynsim.bench.figure import bench_figure
from dynsim.bench.result import BenchResult


def write_outputs(result: BenchResult, out: Path, spec: BenchSize, figure: bool = True) -> None:
    """results.csv, distances.csv, results.md and (optionally) systems.png in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(out / "results.csv", result.table().to_csv(index=False, lineterminator="\n"))
    _atomic_write(
        out / "distances.csv", _distances(result).to_csv(index=False, lineterminator="\n")
    )
    _atomic_write(out / "results.md", results_markdown(result, spec))
    if figure:
        tmp = out / ".systems.tmp.png"
        bench_figure(result, tmp)
        tmp.replace(out / "systems.png")


def write_docs(result: BenchResult, spec: BenchSize, path: str | Path) -> Path:
    """Write the documentation page (:func:`docs_markdown`) to ``path``, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, docs_markdown(result, spec))
    return path


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
        "other, which caps the correlation even for a metric that sees every motif. The "
        "paper's version (Guilhot et al. 2024; `dynsim.bench.guilhot.shared_motif_test`) is "
        "different: motifs attached one after the other in time, not in separate subspaces, "
        "and DSA fed the trial-averaged trajectory; with their 33 delays 6 steps apart a "
        "200-step series has only 8 delay vectors, so at full rank every fitted operator is "
        "the same shift map in its own basis and all are orthogonally conjugate (true DSA "
        "distance 0; see docs/guilhot2024.md)."
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
        "distance from each other, which makes the threshold lenient for them. The paper's "
        "noise test (`dynsim.bench.guilhot.noise_mixing_test`) asks something else: the R² of "
        "a line through the mean distance between two noisy copies at three levels "
        "s = 0.004, 0.002, 0.001 of unit-volume data — far below this case's levels. A "
        "distance exactly proportional to s scores R² 0.964 there (the value printed for CKA "
        "and Procrustes); a distance with a large s-independent floor (DSA's finite-sample "
        "fit error) scores nearer 1, so that R² rewards the floor, not robustness."
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
        "the code (`dynsim.bench.CRITERIA`). Everything below the case descriptions is "
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
