"""Guilhot et al. 2024 beyond the final group-to-master table: the paper's configuration
filters, dissimilarity over learning, dissimilarity against accuracy difference, and the
per-architecture-family (Mamba versus RNN) tables. Pure table functions (pandas / xarray in,
tidy pandas out); the figures and the workflow's jobs are in
:mod:`dynsim.reproductions.guilhot_run`.

Facts from the authors' code (qglht/RepAL, issue 15): the figures keep the relu and softplus
activations and the hyperparameter configurations whose ``master`` reached accuracy 1; the
pretrained groups are followed over learning against master; Mamba's groups show no
compositional ordering (DSA to master: partial 0.43, unfrozen 0.45, untrained 0.46, full 0.47,
master & frozen 0.61).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats as sps

from dynsim.reproductions import guilhot2024 as g

#: The groups followed over learning (the pretrained ones).
PRETRAINED_GROUPS: tuple[str, ...] = (
    "partial_pretraining",
    "full_pretraining_unfrozen",
    "full_pretraining_frozen",
)
#: The activations the paper's figures keep.
PAPER_ACTIVATIONS: tuple[str, ...] = ("relu", "softplus")
#: Master's accuracy a configuration needs in the paper's figures.
PAPER_MASTER_ACCURACY = 1.0
#: The authors' Mamba DSA dissimilarity to master per group (means; issue 15, notebooks).
PAPER_MAMBA_DSA: dict[str, float] = {
    "partial_pretraining": 0.43,
    "full_pretraining_unfrozen": 0.45,
    "untrained": 0.46,
    "full_pretraining_frozen": 0.47,
    "master_frozen": 0.61,
}


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")


def filter_configurations(
    per_network: pd.DataFrame,
    *,
    master_accuracy: float | None = PAPER_MASTER_ACCURACY,
    activations: Sequence[str] | None = PAPER_ACTIVATIONS,
    config_columns: Sequence[str] = ("config",),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The paper's two configuration filters, applied in turn: (1) activation in
    ``activations`` (a configuration without an ``activation`` label, e.g. a Mamba or GRU one,
    passes: the filter is about the leaky RNN's nonlinearity); (2) master's accuracy ≥
    ``master_accuracy`` (``master_accuracy`` column of
    :func:`dynsim.reproductions.guilhot2024.distances_to_master`: the lowest final accuracy of
    the configuration's masters). ``None`` switches a filter off.

    per_network : rows of ``distances_to_master`` (any number of metrics/protocols).
    Returns (kept rows, one row per configuration: its ``config_columns``, ``activation``,
    ``master_accuracy``, ``n_master``, ``kept`` and ``reason``: "kept", "activation <a> not
    kept", "no master", "master accuracy <a> < <threshold>"). A configuration without a master,
    or whose master missed the threshold, is in that table, never silently gone. Raises
    ``ValueError`` if a needed column is missing.
    """
    cols = list(config_columns)
    _require(per_network, [*cols, "n_master"], "the per-network table")
    if master_accuracy is not None:
        _require(per_network, ["master_accuracy"], "the per-network table (master filter)")
    table = per_network.copy()
    if "activation" not in table.columns:
        table["activation"] = ""
    if "master_accuracy" not in table.columns:
        table["master_accuracy"] = np.nan
    key = table[cols].astype(str).agg("|".join, axis=1)
    rows = []
    for k, sub in table.groupby(key, sort=True):
        first = sub.iloc[0]
        act = first["activation"]
        act = "" if pd.isna(act) else str(act)
        acc = float(first["master_accuracy"])
        n_master = int(first["n_master"])
        if activations is not None and act and act not in activations:
            reason = f"activation {act} not kept"
        elif master_accuracy is not None and n_master == 0:
            reason = "no master"
        elif master_accuracy is not None and not acc >= master_accuracy:  # NaN fails too
            reason = f"master accuracy {acc:.3f} < {master_accuracy:g}"
        else:
            reason = "kept"
        rows.append({**{c: first[c] for c in cols}, "activation": act, "master_accuracy": acc,
                     "n_master": n_master, "kept": reason == "kept", "reason": reason,
                     "_key": k})
    report = pd.DataFrame(rows)
    kept_keys = set(report.loc[report["kept"], "_key"]) if len(report) else set()
    kept = per_network[key.isin(kept_keys).to_numpy()].reset_index(drop=True)
    return kept, report.drop(columns="_key")


def filter_summary(report: pd.DataFrame) -> pd.DataFrame:
    """How many configurations each filter dropped and how many remain: rows ``filter``,
    ``dropped``, ``remaining`` for the activation filter, the "no master" case and the master
    accuracy threshold, in the order :func:`filter_configurations` applies them."""
    n = len(report)
    reasons = report["reason"].astype(str) if n else pd.Series(dtype=str)
    rows, remaining = [], n
    for name, hit in (
        ("activation", reasons.str.startswith("activation")),
        ("no master", reasons == "no master"),
        ("master accuracy", reasons.str.startswith("master accuracy")),
    ):
        dropped = int(hit.sum())
        remaining -= dropped
        rows.append({"filter": name, "dropped": dropped, "remaining": remaining})
    return pd.DataFrame([{"filter": "configurations", "dropped": 0, "remaining": n}, *rows])


def _networks(da: xr.DataArray, side: str) -> pd.DataFrame:
    """The label table of one side (``a`` or ``b``) of a labelled matrix."""
    dim = f"model_{side}"
    out = {"model": np.asarray(da[dim].values, dtype=object)}
    for name, coord in da.coords.items():
        if coord.dims == (dim,) and str(name).endswith(f"_{side}") and name != dim:
            out[str(name)[: -len(side) - 1]] = np.asarray(coord.values)
    nets = pd.DataFrame(out)
    if "variant" not in nets.columns:
        nets["variant"] = ""
    return nets


def learning_to_master(
    matrices: xr.Dataset | xr.DataArray,
    *,
    config_columns: Sequence[str] = ("task", "arch", "variant", "seed"),
    groups: Sequence[str] = PRETRAINED_GROUPS,
) -> pd.DataFrame:
    """Each network's dissimilarity to master of its configuration at each training-progress
    point, from matrices over learning (:func:`dynsim.pairwise.compute_over_learning`: dims
    (progress, model_a, model_b), label coordinates ``<label>_a``/``<label>_b``; either all
    networks versus all, both at the same progress, or networks versus a master ``reference``).

    Returns tidy rows (``progress``, ``model``, the ``config_columns``, ``regime``, ``group``,
    ``d``, ``n_master``) for the networks of ``groups``; ``d`` is the mean over the
    configuration's masters (NaN if it has none). Raises ``ValueError`` for matrices without
    a ``progress`` dimension or a missing label.
    """
    da = matrices["distance"] if isinstance(matrices, xr.Dataset) else matrices
    if "progress" not in da.dims:
        raise ValueError(f"expected a 'progress' dimension (matrices over learning), got {da.dims}")
    nets_a, nets_b = _networks(da, "a"), _networks(da, "b")
    for nets, side in ((nets_a, "a"), (nets_b, "b")):
        _require(nets, ["regime", *config_columns], f"the matrices' model_{side} labels")
    key_a = nets_a[list(config_columns)].astype(str).agg("|".join, axis=1)
    key_b = nets_b[list(config_columns)].astype(str).agg("|".join, axis=1)
    group_a = [g.group_of(r) for r in nets_a["regime"]]
    is_master_b = np.asarray([g.group_of(r) == "master" for r in nets_b["regime"]])
    rows = []
    for progress in da["progress"].values:
        m = np.asarray(da.sel(progress=progress).transpose("model_a", "model_b").values, float)
        for i, group in enumerate(group_a):
            if group not in groups:
                continue
            masters = np.flatnonzero(is_master_b & (key_b == key_a[i]).to_numpy())
            d = float(np.nanmean(m[i, masters])) if masters.size else float("nan")
            rows.append({"progress": float(progress),
                         **{c: nets_a.at[i, c] for c in ("model", "regime", *config_columns)},
                         "group": group, "d": d, "n_master": int(masters.size)})
    return pd.DataFrame(rows)


def accuracy_relevance(per_network: pd.DataFrame) -> pd.DataFrame:
    """Per network: its distance to master ``d`` and ``accuracy_difference`` = |accuracy −
    master accuracy| (final checkpoint), from rows of ``distances_to_master`` whose networks
    carried an ``accuracy``. Rows without both accuracies are dropped. Raises ``ValueError``
    if a column is missing."""
    _require(per_network, ["d", "accuracy", "master_accuracy"], "the per-network table")
    out = per_network.copy()
    out["accuracy_difference"] = (
        out["accuracy"].astype(float) - out["master_accuracy"].astype(float)
    ).abs()
    return out[np.isfinite(out["accuracy_difference"]) & np.isfinite(out["d"])].reset_index(
        drop=True
    )


def accuracy_spearman(
    relevance: pd.DataFrame, by: Sequence[str] = ("protocol", "metric")
) -> pd.DataFrame:
    """Spearman's rank correlation (``scipy.stats.spearmanr``, two-sided p) between ``d`` and
    ``accuracy_difference`` per ``by`` group: rows ``by``…, ``n``, ``rho``, ``p``. Fewer than
    3 networks or a constant variable give NaN (scipy's own answer for the latter)."""
    cols = [c for c in by if c in relevance.columns]
    rows = []
    for key, sub in relevance.groupby(cols, sort=False) if cols else [((), relevance)]:
        key = key if isinstance(key, tuple) else (key,)
        n = len(sub)
        if n >= 3 and sub["d"].nunique() > 1 and sub["accuracy_difference"].nunique() > 1:
            res = sps.spearmanr(sub["d"], sub["accuracy_difference"])
            rho, p = float(res.statistic), float(res.pvalue)
        else:
            rho = p = float("nan")
        rows.append({**dict(zip(cols, key, strict=True)), "n": n, "rho": rho, "p": p})
    return pd.DataFrame(rows)


def by_family(
    per_network: pd.DataFrame, *, family_column: str = "arch", **kwargs: object
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """The group-to-master statistics (:func:`dynsim.reproductions.guilhot2024.
    group_statistics`: describe table, BH-corrected tests) per architecture family (the
    ``family_column``, by default the network's architecture), for one metric and protocol's
    rows. Since each network is compared with master of its own configuration, which includes
    the architecture, no cross-family distance enters. Raises ``ValueError`` if the column is
    missing."""
    _require(per_network, [family_column, "group", "d"], "the per-network table")
    return {
        str(family): g.group_statistics(sub, **kwargs)  # type: ignore[arg-type]
        for family, sub in per_network.groupby(family_column, sort=True)
    }
