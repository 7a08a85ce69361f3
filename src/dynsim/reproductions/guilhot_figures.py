"""Figures of the Guilhot et al. 2024 extensions (over learning, against accuracy difference,
per architecture family), drawn from the tidy tables of
:mod:`dynsim.reproductions.guilhot_analyses`. Matplotlib (Agg) only."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dynsim.reproductions import guilhot2024 as g  # noqa: E402
from dynsim.reproductions import guilhot_analyses as ga  # noqa: E402


def _panels(n: int, width: float = 3.4) -> tuple[plt.Figure, np.ndarray]:
    fig, axes = plt.subplots(1, max(n, 1), figsize=(width * max(n, 1), 3.5), squeeze=False)
    return fig, axes[0]


def learning_figure(tidy: pd.DataFrame, path: str | Path) -> None:
    """Mean ± SEM dissimilarity to master against training progress, one line per pretrained
    group, one panel per metric (rows of ``learning_to_master`` with a ``metric`` column)."""
    metrics = sorted(tidy["metric"].unique()) if len(tidy) else []
    fig, axes = _panels(len(metrics))
    for ax, metric in zip(axes, metrics, strict=False):
        sub = tidy[tidy.metric == metric]
        for group in ga.PRETRAINED_GROUPS:
            s = sub[sub.group == group].groupby("progress")["d"]
            if not len(sub[sub.group == group]):
                continue
            mean, sem = s.mean(), s.sem()
            ax.errorbar(mean.index, mean.values, sem.values, marker="o", label=group, ms=3)
        ax.set(title=metric, xlabel="training progress", ylabel="dissimilarity to master")
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def accuracy_figure(rel: pd.DataFrame, rho: pd.DataFrame, path: str | Path) -> None:
    """Distance to master against |accuracy − master accuracy|, one panel per (protocol,
    metric), coloured by group, Spearman's ρ in the title."""
    keys = sorted({(p, m) for p, m in zip(rel.protocol, rel.metric, strict=True)})
    fig, axes = _panels(len(keys))
    for ax, (protocol, metric) in zip(axes, keys, strict=False):
        sub = rel[(rel.protocol == protocol) & (rel.metric == metric)]
        for group in g.GROUPS:
            s = sub[sub.group == group]
            ax.scatter(s["accuracy_difference"], s["d"], s=10, alpha=0.7, label=group)
        r = rho[(rho.protocol == protocol) & (rho.metric == metric)]
        text = f"ρ = {r['rho'].item():.2f}, n = {r['n'].item()}" if len(r) else ""
        ax.set(title=f"{metric} ({protocol}) {text}", xlabel="|accuracy − master accuracy|",
               ylabel="dissimilarity to master")
        ax.title.set_fontsize(8)
        ax.legend(fontsize=5)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def families_figure(per: pd.DataFrame, path: str | Path, family_column: str = "arch") -> None:
    """Group means ± SEM of the dissimilarity to master per architecture family, one panel per
    (protocol, metric)."""
    keys = sorted({(p, m) for p, m in zip(per.protocol, per.metric, strict=True)})
    fig, axes = _panels(len(keys))
    families = sorted(per[family_column].astype(str).unique()) if len(per) else []
    for ax, (protocol, metric) in zip(axes, keys, strict=False):
        sub = per[(per.protocol == protocol) & (per.metric == metric)]
        for k, family in enumerate(families):
            s = sub[sub[family_column].astype(str) == family].groupby("group")["d"]
            mean, sem = s.mean().reindex(g.GROUPS), s.sem().reindex(g.GROUPS)
            x = np.arange(len(g.GROUPS)) + 0.15 * (k - (len(families) - 1) / 2)
            ax.errorbar(x, mean.values, sem.values, fmt="o", label=family, ms=4)
        ax.set_xticks(range(len(g.GROUPS)), [x.replace("_", "\n") for x in g.GROUPS],
                      fontsize=6)
        ax.set_title(f"{metric} ({protocol})", fontsize=9)
        ax.legend(fontsize=6)
    axes[0].set_ylabel("dissimilarity to master")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
