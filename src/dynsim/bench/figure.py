"""The systems bench's multi-panel figure: one row per case, one column per metric.

Drawn with matplotlib's object-oriented API (:class:`matplotlib.figure.Figure`; no pyplot, no
backend chosen) and saved with :func:`dynsim.figures.save_figure`.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dynsim.bench.cases import CASE_TITLES, CASES, CRITERIA
from dynsim.bench.result import BenchResult, CaseResult
from dynsim.figures import save_figure


def bench_figure(result: BenchResult, path: str | os.PathLike[str]) -> Path:
    """Write the figure (rows: cases, columns: metrics) to ``path`` (PNG) and return it."""
    metrics = list(result.metrics)
    cases = [c for c in CASES if any(r.case == c for r in result.results)]
    fig = Figure(figsize=(3.3 * len(metrics), 2.9 * len(cases)))
    axes = fig.subplots(len(cases), len(metrics), squeeze=False)
    for i, case in enumerate(cases):
        for j, metric in enumerate(metrics):
            ax = axes[i, j]
            res = result.get(case, metric)
            _PANELS[case](ax, res, result)
            crit = CRITERIA[case]
            mark = "pass" if res.passed else "fail"
            ax.set_title(
                f"{metric}: {crit.score} {res.scores[crit.score]:.2f} ({mark})",
                fontsize=9,
                color="tab:green" if res.passed else "tab:red",
            )
            ax.tick_params(labelsize=7)
            if j == 0:
                ax.annotate(
                    CASE_TITLES[case],
                    xy=(-0.42, 0.5),
                    xycoords="axes fraction",
                    rotation=90,
                    va="center",
                    ha="center",
                    fontsize=10,
                    fontweight="bold",
                )
    fig.suptitle(f"systems bench (size {result.size}, seed {result.seed})", fontsize=12)
    fig.tight_layout(rect=(0.03, 0, 1, 0.97))
    return save_figure(fig, path, dpi=90, format="png")


def _progression(ax: Axes, res: CaseResult, result: BenchResult) -> None:
    rows = res.detail
    cmap = mpl.colormaps["viridis"]
    levels = sorted(rows["noise"].unique())
    for k, s in enumerate(levels):
        sub = rows[rows["noise"] == s].sort_values("m")
        ax.plot(
            sub["m"],
            sub["position"],
            "o-",
            ms=3,
            lw=1,
            color=cmap(k / max(len(levels) - 1, 1)),
            label=f"s={s:g}",
        )
    ax.set_xscale("log", base=2)
    ax.set_xticks([0.25, 0.5, 1.0], ["¼", "½", "1"])
    ax.set_xlabel("m (share of A)", fontsize=8)
    ax.set_ylabel("position d(C,B)/(d(C,A)+d(C,B))", fontsize=7)
    ax.legend(fontsize=6, ncol=2)


def _regimes(ax: Axes, res: CaseResult, result: BenchResult) -> None:
    d = res.detail
    labels = result.datasets["regimes"].labels.loc[d.index, "class"].to_numpy()
    ax.imshow(d.to_numpy(), cmap="viridis", interpolation="nearest")
    edges = [k for k in range(1, len(labels)) if labels[k] != labels[k - 1]]
    for e in edges:
        ax.axhline(e - 0.5, color="w", lw=0.6)
        ax.axvline(e - 0.5, color="w", lw=0.6)
    starts = [0, *edges]
    ends = [*edges, len(labels)]
    ax.set_yticks(
        [(a + b - 1) / 2 for a, b in zip(starts, ends, strict=True)],
        [_short(labels[a]) for a in starts],
        fontsize=6,
    )
    ax.set_xticks([])
    ax.set_xlabel(f"silhouette {res.scores['silhouette']:.2f}", fontsize=8)


def _short(label: str) -> str:
    return (
        label.replace("lorenz_", "L:")
        .replace("two_stable_fixed_points", "2 fp")
        .replace("one_fixed_point", "1 fp")
        .replace("_attractor", "")
        .replace("_", " ")
    )


def _motifs(ax: Axes, res: CaseResult, result: BenchResult) -> None:
    pairs = res.detail
    rng = np.random.default_rng(0)
    x = pairs["not_shared"].to_numpy(float)
    ax.scatter(x + rng.uniform(-0.15, 0.15, len(x)), pairs["distance"], s=5, alpha=0.6)
    means = pairs.groupby("not_shared")["distance"].mean()
    ax.plot(means.index, means.values, "k-", lw=1)
    ax.set_xlabel("motifs not shared", fontsize=8)
    ax.set_ylabel("distance", fontsize=8)


def _geometry(ax: Axes, res: CaseResult, result: BenchResult) -> None:
    pairs = res.detail
    kinds = [
        "same dynamics, other embedding",
        "same geometry, other dynamics",
        "other dynamics, other embedding",
    ]
    for k, kind in enumerate(kinds):
        vals = pairs.loc[pairs["kind"] == kind, "distance"].to_numpy()
        ax.scatter(np.full(len(vals), k) + np.linspace(-0.2, 0.2, len(vals)), vals, s=8)
    ax.set_xticks(
        range(3),
        ["same dyn.\nother emb.", "same geom.\nother dyn.", "other dyn.\nother emb."],
        fontsize=6,
    )
    ax.set_ylabel("distance", fontsize=8)
    ax.set_ylim(bottom=0)


def _noise(ax: Axes, res: CaseResult, result: BenchResult) -> None:
    rows = res.detail
    for k, (ref, sub) in enumerate(rows.groupby("reference", sort=False)):
        color = f"C{k}"
        ax.plot(
            sub["noise"], sub["distance"], "o-", ms=3, lw=1, color=color, label=_short(str(ref))
        )
        ax.axhline(sub["threshold"].iloc[0], color=color, ls=":", lw=0.8)
    ax.set_xlabel("observation noise s", fontsize=8)
    ax.set_ylabel("distance to clean", fontsize=8)
    ax.legend(fontsize=6)


_PANELS = {
    "progression": _progression,
    "regimes": _regimes,
    "motifs": _motifs,
    "geometry": _geometry,
    "noise": _noise,
}
