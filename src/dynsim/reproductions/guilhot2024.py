r"""Guilhot, Wójcik, Achterberg & Ponte Costa (arXiv 2410.24070): the group-to-master analysis
of the compositional RNNs, the authors' axis-orientation protocol, and the generated docs page.

Protocol (facts from the authors' code, qglht/RepAL): each network's hidden states on the
target task's test trials, stimulus epoch, last checkpoint; every network of a group is
compared with ``master`` *of the same hyperparameter configuration* (architecture ×
activation × hidden × lr × batch; here: task, architecture and grid variant); group
differences by two-sample Student t-tests, Benjamini–Hochberg corrected (:mod:`dynsim.stats`).

**Orientation.** dynsim's arrays are (trial, time, unit) and every metric reads them so
(``protocol="correct"``, the default). The authors' hidden states were (time, trial, unit) and
were handed to DSA, which reads axis 0 as trials: it delay-embedded, for each time step, the
sequence of *trials*. ``protocol="guilhot2024"`` reproduces that by swapping the first two
axes before any metric sees the data (:func:`orient`). CKA and Procrustes flatten (trial ×
time) into samples and permute both networks' samples alike, so they are unchanged by it;
DSA is not.

Groups (:func:`group_of`, from the regime name via :func:`dynsim.regimes.parse_regime`):
``untrained``; ``master_frozen``; ``partial_pretraining`` (``pretrain_<1 or 2 of basic, anti,
delay>_frozen``); ``full_pretraining_unfrozen`` (``pretrain_unfrozen``);
``full_pretraining_frozen`` (``pretrain_frozen``); ``master`` is the reference. Other regimes
(e.g. a partial unfrozen one) are outside the paper's groups (``None``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dynsim import stats
from dynsim.regimes import parse_regime

#: The orientation protocols (module doc).
PROTOCOLS: tuple[str, ...] = ("correct", "guilhot2024")

#: The paper's groups, in its order (most to least dissimilar to master in its Fig. 3).
GROUPS: tuple[str, ...] = (
    "untrained",
    "master_frozen",
    "partial_pretraining",
    "full_pretraining_unfrozen",
    "full_pretraining_frozen",
)

#: The authors' DSA dissimilarity to master per group, (mean, median) (issue 15, notebooks).
PAPER_DSA: dict[str, tuple[float, float]] = {
    "untrained": (0.61, 0.68),
    "master_frozen": (0.43, 0.36),
    "partial_pretraining": (0.32, 0.30),
    "full_pretraining_unfrozen": (0.31, 0.28),
    "full_pretraining_frozen": (0.27, 0.27),
}
#: The group pairs the paper tests, with its BH-adjusted p-values.
PAPER_TESTS: dict[tuple[str, str], float] = {
    ("untrained", "partial_pretraining"): 7e-20,
    ("master_frozen", "partial_pretraining"): 2e-4,
    ("partial_pretraining", "full_pretraining_frozen"): 0.016,
    ("full_pretraining_frozen", "full_pretraining_unfrozen"): 0.15,
}
#: "CKA and Procrustes: every group 0.40–0.45, no ordering" (1 − angular score scale).
PAPER_CKA_PROCRUSTES_RANGE = (0.40, 0.45)


def orient(x: np.ndarray, protocol: str = "correct") -> np.ndarray:
    """The array a metric sees under ``protocol``: x itself (``"correct"``, x is (trial, time,
    unit)) or x with its first two axes swapped (``"guilhot2024"``: (time, trial, unit) read as
    (trial, time, unit), as the authors passed it to DSA). Raises ``ValueError`` for another
    protocol or an array that is not 3-D."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"config key 'guilhot.protocols': unknown protocol {protocol!r}; "
                         f"expected one of {PROTOCOLS}")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"expected (trial, time, unit), got an array of shape {x.shape}")
    return x if protocol == "correct" else np.swapaxes(x, 0, 1)


def group_of(regime: str) -> str | None:
    """The paper's group of a regime name (module doc); ``"master"`` for the reference, None
    for a regime outside the paper's groups. Raises ``ValueError`` for an unknown regime."""
    parts = parse_regime(regime)
    if regime in ("master", "untrained", "master_frozen"):
        return regime
    if not regime.startswith("pretrain"):
        return None
    n = len(parts["pretrain"])
    if parts["frozen"]:
        return "full_pretraining_frozen" if n == 3 else "partial_pretraining"
    return "full_pretraining_unfrozen" if n == 3 else None


def distances_to_master(
    matrix: np.ndarray, networks: pd.DataFrame, *, config_columns: Sequence[str] = ("config",)
) -> pd.DataFrame:
    """Each network's dissimilarity to ``master`` of the same hyperparameter configuration.

    matrix : (n, n) distances, rows/columns in the order of ``networks``' rows.
    networks : one row per network with a ``regime`` column and the ``config_columns`` that
        together name its configuration (e.g. task, arch, variant).
    Returns one row per network in a paper group (master excluded): the network's columns,
    ``group`` and ``d`` = the mean distance to the master networks of its configuration (one
    master per configuration in the paper; the mean over seeds here if there are several) and
    ``n_master``; if ``networks`` has an ``accuracy`` column (final accuracy), also
    ``master_accuracy`` = the lowest accuracy of those masters (the paper's filter keeps a
    configuration only if its master reached accuracy 1). A configuration without a master
    gives NaN. Raises ``ValueError`` if the matrix is not (n, n) or a column is missing.
    """
    m = np.asarray(matrix, dtype=float)
    n = len(networks)
    if m.shape != (n, n):
        raise ValueError(f"matrix must be ({n}, {n}) for {n} networks, got {m.shape}")
    missing = [c for c in ("regime", *config_columns) if c not in networks.columns]
    if missing:
        raise ValueError(f"networks lacks columns {missing}")
    nets = networks.reset_index(drop=True).copy()
    nets["group"] = [group_of(r) for r in nets["regime"]]
    config = nets[list(config_columns)].astype(str).agg("|".join, axis=1)
    rows = []
    for i, row in nets.iterrows():
        if pd.isna(row["group"]) or row["group"] == "master":  # outside the groups, reference
            continue
        masters = np.flatnonzero((nets["group"] == "master") & (config == config[i]))
        d = float(np.nanmean(m[i, masters])) if masters.size else float("nan")
        extra = {}
        if "accuracy" in nets.columns:
            acc = nets.loc[masters, "accuracy"].astype(float)
            extra["master_accuracy"] = float(acc.min()) if masters.size else float("nan")
        rows.append({**row.to_dict(), "d": d, "n_master": int(masters.size), **extra})
    return pd.DataFrame(rows)


def group_statistics(
    per_network: pd.DataFrame,
    *,
    pairs: Sequence[tuple[str, str]] | None = None,
    n_resamples: int = 9999,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(describe table, tests table) of ``d`` per group (:func:`dynsim.stats.describe`;
    :func:`dynsim.stats.compare_groups` with ``test="student"``, BH over ``pairs``, by default
    the paper's four, :data:`PAPER_TESTS`). Groups absent from the data are skipped; a pair
    with an absent group gets NaN (not counted in the correction)."""
    groups = {g: per_network.loc[per_network["group"] == g, "d"].to_numpy() for g in GROUPS}
    groups = {g: v for g, v in groups.items() if v.size}
    described = stats.describe(groups, n_resamples=n_resamples, seed=seed)
    chosen = list(pairs) if pairs is not None else list(PAPER_TESTS)
    full = {g: groups.get(g, np.array([])) for g in {x for p in chosen for x in p}}
    tests = stats.compare_groups(full, pairs=chosen, test="student", seed=seed)
    return described, tests


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, float) and 0 < abs(value) < 10 ** -digits:
        return f"{value:.1e}"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def groups_markdown(described: pd.DataFrame, tests: pd.DataFrame, metric: str) -> str:
    """Markdown tables of one metric under one protocol, the paper's values beside."""
    lines = [
        "| group | n | mean | median | 95% CI of the mean | paper mean (median) |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in described.iterrows():
        if metric == "dsa":
            paper = "{:.2f} ({:.2f})".format(*PAPER_DSA[r["group"]])
        else:
            paper = "0.40–0.45"
        ci = f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
        lines.append(
            f"| {r['group']} | {r['n']} | {_fmt(r['mean'])} | {_fmt(r['median'])} | {ci} | "
            f"{paper} |"
        )
    lines += [
        "",
        "| test (Student t, BH) | n | difference of means | t | p | p (BH) | paper p (BH) |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, r in tests.iterrows():
        paper = PAPER_TESTS.get((r["group_a"], r["group_b"])) if metric == "dsa" else None
        lines.append(
            f"| {r['group_a']} – {r['group_b']} | {r['n_a']}, {r['n_b']} | "
            f"{_fmt(r['difference'])} | {_fmt(r['statistic'], 2)} | {_fmt(r['p'])} | "
            f"{_fmt(r['p_bh'])} | {_fmt(paper) if paper is not None else '–'} |"
        )
    return "\n".join(lines)


def attractor_markdown(summary: pd.DataFrame) -> str:
    """The attractor test case's summary (``dynsim.bench.guilhot.summarise``) as a table."""
    lines = ["| test | score | metric | dynsim | paper |", "|---|---|---|---|---|"]
    for _, r in summary.iterrows():
        lines.append(
            f"| {r['test']} | {r['score']} | {r['metric']} | {_fmt(float(r['dynsim']))} | "
            f"{_fmt(float(r['paper']))} |"
        )
    return "\n".join(lines)


def ordering_verdict(described: pd.DataFrame) -> str:
    """Whether the group means fall in the paper's DSA order untrained > master_frozen >
    partial_pretraining > full_pretraining_frozen (the chain its significant tests support;
    full_pretraining_unfrozen is left out: the paper finds it not different from frozen),
    stated with every group's mean."""
    means = described.set_index("group")["mean"]
    chain = [means[g] for g in (*GROUPS[:3], GROUPS[4]) if g in means]
    holds = len(chain) > 1 and all(a > b for a, b in zip(chain, chain[1:], strict=False))
    text = ", ".join(f"{g} {means[g]:.3f}" for g in means.index)
    return f"{'holds' if holds else 'does not hold'} ({text})"
