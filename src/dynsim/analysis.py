"""Experiment-level summaries built from the stores (no training, no metrics maths here)."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from dynsim import stats
from dynsim.store import network_labels, open_matrices, open_network

#: Network labels the summary splits pairs by (when they vary in the experiment).
SUMMARY_FACTORS = ("task", "arch", "regime", "variant", "seed")


def experiment_summary(
    network_paths: Sequence[str | os.PathLike[str]],
    matrix_paths: Sequence[str | os.PathLike[str]],
) -> str:
    """A Markdown report: each network's outcome, and for each metric the distances within and
    between the levels of every factor that varies (task, architecture, regime, variant, seed)
    with pair counts, spread, bootstrap CIs over networks and permutation tests,
    Benjamini–Hochberg corrected (:func:`distance_section`).

    A network's status is decided during training on its evaluation trials
    (``training.eval_trials`` trials with training timings, the same trials at every
    evaluation), so the table shows that accuracy next to it (*evaluation accuracy*, the last
    evaluation: a converged network's is ≥ its target, on the very trials the status was
    decided on) and, separately, the *test accuracy* on the recorded test trials (fixed
    timings, ``record.n_repeats`` repeats of each condition) whose activity is compared — a
    different, usually smaller sample, so the two differ. For classification tasks with a
    fixation output the fraction of test trials without a choice is shown per checkpoint: such
    a trial counts as an error, which is why a network that still fixates through the decision
    epoch (typically mid-training) has test accuracy exactly 0.

    Raises :class:`dynsim.store.StoreError` naming a store that is missing or damaged.
    """
    lines = ["# dynsim experiment summary", "", "## Networks", ""]
    lines += [
        "*status* is decided on the training's evaluation trials (training.eval_trials, training"
        " timings): *evaluation accuracy* is the last of those evaluations, at the final step,"
        " against the *target*. *test accuracy* is on the recorded test trials (fixed timings,"
        " record.n_repeats per condition) at the final checkpoint, a different sample;"
        " *by checkpoint* lists it at every recorded checkpoint as *progress: accuracy*"
        " (progress 0 → 1: the checkpoint's step over the final step; fractions of"
        " training.checkpoints that fell on one step are one checkpoint) with, in"
        " brackets, the fraction of test trials without a choice (decision-epoch output largest"
        " for fixation: an error, so all-fixating networks score exactly 0). *note* flags a"
        " network whose two accuracies fall on different sides of its target, so a status"
        " never stands unexplained beside an accuracy that contradicts it.",
        "",
        "| network | status | steps | target | evaluation accuracy | test accuracy"
        " | by checkpoint (no choice) | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for path in network_paths:
        ds = open_network(path)
        labels = network_labels(ds)
        variant = f" / {labels['variant']}" if labels.get("variant") else ""
        name = (
            f"{labels['task']} / {labels['arch']} / {labels['regime']}{variant} "
            f"/ seed {labels['seed']}"
        )
        test = ds["accuracy"].values
        no_choice = _no_choice(ds)
        progress = ds["progress"].values if "progress" in ds.coords else [None] * len(test)
        by_checkpoint = ", ".join(
            ("" if p is None else f"{float(p):.2f}: ")
            + f"{a:.3f}"
            + (f" ({n:.2f})" if no_choice is not None else "")
            for p, a, n in zip(
                progress, test, no_choice if no_choice is not None else test, strict=True
            )
        )
        lines.append(
            f"| {name} | {ds.attrs.get('status', '?')} | {ds.attrs.get('final_step', '?')} "
            f"| {_target(ds)} | {_evaluation_accuracy(ds)} | {float(test[-1]):.3f} "
            f"| {by_checkpoint} | {_agreement_note(ds, float(test[-1]))} |"
        )
    lines += distance_section(open_matrices(matrix_paths))
    return "\n".join(lines) + "\n"


#: Borders and spacing for the summary's tables in a browser (the report shows the page in a
#: frame of its own, without the report's style sheet).
_SUMMARY_CSS = (
    "body{font-family:sans-serif;font-size:14px;margin:1em}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
    "th,td{border:1px solid #bbb;padding:0.25em 0.5em;text-align:left;vertical-align:top}"
    "th{background:#eee}"
)


def summary_html(markdown_text: str, title: str = "dynsim experiment summary") -> str:
    """The summary (:func:`experiment_summary`'s Markdown) as a standalone HTML page whose
    tables are ``<table>`` elements, for the Snakemake report (which shows an HTML result in
    a frame; Markdown would show as source text).

    Converted by Python-Markdown (the engine the documentation site, mkdocs, renders
    Markdown with) and its ``tables`` extension (PHP Markdown Extra pipe tables, the syntax
    the summary writes). Network and metric names are the config's (letters, digits, ``_``),
    so the page holds no markup beyond the conversion's.
    """
    import markdown  # only the summary rule needs it

    body = markdown.markdown(markdown_text, extensions=["tables"], output_format="html")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_SUMMARY_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _agreement_note(ds: xr.Dataset, test_accuracy: float) -> str:
    """Why a status and the test accuracy beside it may seem to disagree (issue 13, item 9):
    the status is decided on the evaluation trials, so a converged network can fall under
    its target on the test trials, and one that ran out of budget can reach it there.
    Empty when they agree or the target is unknown."""
    try:
        target = float(json.loads(ds.attrs["spec"])["training"]["target_accuracy"])
    except (KeyError, TypeError, ValueError):
        return ""
    status = ds.attrs.get("status")
    if status == "converged" and test_accuracy < target:
        return (
            f"converged on evaluation trials; test accuracy {test_accuracy:.3f} below "
            f"target {target:g}"
        )
    if status == "budget_exhausted" and test_accuracy >= target:
        return (
            f"not converged on evaluation trials; test accuracy {test_accuracy:.3f} reaches "
            f"target {target:g}"
        )
    return ""


def _evaluation_accuracy(ds: xr.Dataset) -> str:
    """The last training evaluation's accuracy (the one the status was decided on), or "—"
    when the network was never evaluated (diverged before its first evaluation)."""
    if "eval_accuracy" not in ds or ds.sizes.get("eval_step", 0) == 0:
        return "—"
    return f"{float(ds['eval_accuracy'].values[-1]):.3f}"


def _target(ds: xr.Dataset) -> str:
    """The target accuracy of the network's training (from its spec), or "?" without one."""
    try:
        return f"{float(json.loads(ds.attrs['spec'])['training']['target_accuracy']):g}"
    except (KeyError, TypeError, ValueError):
        return "?"


def _no_choice(ds: xr.Dataset) -> np.ndarray | None:
    """Per checkpoint, the fraction of test trials whose choice is "fixate": the output with
    the largest mean over the decision epoch, as the tasks choose (class-index targets, output
    0 named "fixate"). None for tasks without such a choice (regression targets, no decision
    epoch or no fixation output)."""
    if "output" not in ds or "target" not in ds or ds["target"].dims != ("trial", "time"):
        return None
    names = [str(n) for n in ds["out"].values] if "out" in ds.coords else []
    decision = np.asarray(ds["epoch"].values == "decision") if "epoch" in ds.coords else None
    if not names or names[0] != "fixate" or decision is None or not decision.any():
        return None
    output = ds["output"].values[:, :, decision]  # (checkpoint, trial, time, out)
    choice = output.mean(axis=2).argmax(axis=-1)  # (checkpoint, trial)
    return (choice == 0).mean(axis=1)


#: Confidence level of every interval in the summary, and the resampling budget (fixed
#: seed: the summary is the same every time it is built).
CONFIDENCE = 0.95
N_RESAMPLES = 9999
SEED = 0


def _pair_mask(distance: np.ndarray) -> tuple[np.ndarray, str]:
    """Pairs that count, each once: the upper triangle of a symmetric matrix (pairs), every
    off-diagonal entry of an asymmetric one (ordered pairs); finite entries only."""
    n = distance.shape[0]
    symmetric = np.allclose(distance, distance.T, equal_nan=True, rtol=1e-9, atol=1e-12)
    keep = np.triu(np.ones((n, n), dtype=bool), k=1) if symmetric else ~np.eye(n, dtype=bool)
    return keep & np.isfinite(distance), "pairs" if symmetric else "ordered pairs"


def _varying_factors(ds: xr.Dataset) -> list[str]:
    return [
        f
        for f in SUMMARY_FACTORS
        if f"{f}_a" in ds.coords and len(set(ds[f"{f}_a"].values.tolist())) > 1
    ]


def same_different_table(ds: xr.Dataset) -> pd.DataFrame:
    """For every factor that varies in similarity matrix ``ds`` (one metric): the pairs of
    networks that share the factor's level (*same*) and those that differ (*different*) —
    each pair once (upper triangle; ordered pairs for an asymmetric metric), pairs without a
    value left out — with per cell the pair count ``n``, the mean and standard deviation
    (ddof 1) of the pair distances, and a bootstrap CI of the mean over **networks**
    (:func:`dynsim.stats.bootstrap_ci`, BCa, on each network's mean distance to its partners
    in the cell: the pairs are not independent, as every network is in many of them, so the
    networks — seeds and the other factors' levels — are the resampled units); then the
    difference (different − same) and its two-sided p-value from a permutation of the
    networks' labels (:func:`dynsim.stats.label_permutation_test`), not of the pairs.

    ``ds``: a matrix store (``distance`` (model_a, model_b), label coordinates
    ``<factor>_a``/``<factor>_b``) of the same networks along both dims. Returns one row per
    factor, columns: factor, unit ("pairs" / "ordered pairs"), n_same, mean_same, std_same,
    ci_low_same, ci_high_same, n_networks_same, the same for ``different``, difference,
    p. NaN where a value is undefined (the summary says why). The Benjamini–Hochberg
    correction is applied across metrics and factors by :func:`distance_section`.
    """
    distance = np.asarray(ds["distance"].values, dtype=float)
    valid, unit = _pair_mask(distance)
    rows = []
    for factor in _varying_factors(ds):
        labels = ds[f"{factor}_a"].values
        same, different = stats.same_different_masks(labels, valid)
        row: dict[str, object] = {"factor": factor, "unit": unit}
        for name, mask in (("same", same), ("different", different)):
            values = distance[mask]
            per_network = stats.per_unit_means(distance, mask)
            low, high = stats.bootstrap_ci(
                per_network, confidence=CONFIDENCE, n_resamples=N_RESAMPLES, seed=SEED
            )
            row |= {
                f"n_{name}": int(values.size),
                f"mean_{name}": float(values.mean()) if values.size else np.nan,
                f"std_{name}": float(values.std(ddof=1)) if values.size > 1 else np.nan,
                f"ci_low_{name}": low,
                f"ci_high_{name}": high,
                f"n_networks_{name}": int(per_network.size),
                f"spread_{name}": bool(per_network.size > 1 and np.ptp(per_network) > 0),
            }
        statistic, p = stats.label_permutation_test(
            distance, labels, valid=valid, n_resamples=N_RESAMPLES, seed=SEED
        )
        row |= {"difference": statistic, "p": p}
        rows.append(row)
    return pd.DataFrame(rows)


def group_table(ds: xr.Dataset) -> pd.DataFrame:
    """Per level of every varying factor (*group*): its networks' mean distance to the other
    networks of the group (*within*) with a bootstrap CI over the group's networks (one value
    per network, :func:`dynsim.stats.per_unit_means`), and for each pair of groups a
    permutation test of equal means on those per-network values
    (:func:`dynsim.stats.compare_groups`; the networks of two groups are disjoint). Columns:
    factor, group, n_networks, mean, ci_low, ci_high, and a ``tests`` attribute: the
    compare_groups table of each factor (p-values uncorrected; :func:`distance_section`
    corrects the whole family)."""
    distance = np.asarray(ds["distance"].values, dtype=float)
    valid, _ = _pair_mask(distance)
    rows, tests = [], []
    for factor in _varying_factors(ds):
        labels = np.asarray(ds[f"{factor}_a"].values).astype(str)
        same, _ = stats.same_different_masks(labels, valid)
        groups = {}
        for level in sorted(set(labels.tolist())):
            inside = labels == level
            mask = same & inside[:, None] & inside[None, :]
            groups[level] = stats.per_unit_means(distance, mask)
        described = stats.describe(
            groups, confidence=CONFIDENCE, n_resamples=N_RESAMPLES, seed=SEED
        )
        described.insert(0, "factor", factor)
        described["n_level"] = [int(np.sum(labels == g)) for g in described["group"]]
        rows.append(described)
        compared = stats.compare_groups(groups, n_resamples=N_RESAMPLES, seed=SEED)
        compared.insert(0, "factor", factor)
        tests.append(compared)
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    table.attrs["tests"] = pd.concat(tests, ignore_index=True) if tests else pd.DataFrame()
    return table


def distance_section(matrices: dict[str, xr.Dataset]) -> list[str]:
    """The summary's distance section (Markdown lines): per metric and factor the
    same-vs-different table, then per group the within-group means and the tests between
    groups. Every p-value is shown raw and Benjamini–Hochberg adjusted
    (:func:`dynsim.stats.bh_adjust`) over its table's whole family (all metrics and
    factors): many tests are read together. An undefined number is never a bare NaN: the
    cell says why (no pair, n = 1, one network per level, no spread)."""
    lines = ["", "## Distances (0 = identical)", ""]
    lines += [
        "Pairs of networks that share a factor's level (*same*) and pairs that differ in it"
        " (*different*), for every factor that varies; each pair once, pairs without a value"
        " left out. Per cell: *n* pairs, mean ± standard deviation of the pair distances,"
        f" and the {CONFIDENCE:.0%} bootstrap CI of the mean **over networks** (BCa,"
        f" {N_RESAMPLES} resamples, on each network's mean distance to its partners in the cell:"
        " pairs share networks and are not independent, so networks — seeds and the other"
        " factors' levels — are resampled, not pairs). *p*: two-sided permutation test of"
        " different − same, permuting the networks' labels (not the pairs);"
        " *p (BH)*: Benjamini–Hochberg adjusted over every row of the table.",
        "",
        "| metric | factor | same | different | different − same | p | p (BH) "
        "| pairs without value |",
        "|---|---|---|---|---|---|---|---|",
    ]
    tables = {}
    for metric, ds in matrices.items():
        missing = int(np.sum(ds["status"].values != ""))
        if not _square(ds):
            lines.append(
                f"| {metric} | — | not a matrix of one set of networks | | | | | {missing} |"
            )
            continue
        table = same_different_table(ds)
        if table.empty:
            distance = np.asarray(ds["distance"].values, dtype=float)
            valid, unit = _pair_mask(distance)
            lines.append(
                f"| {metric} | (none varies) | {_cell(distance[valid], distance, valid, unit)} "
                f"| | | | | {missing} |"
            )
        tables[metric] = (table, missing)
    everything = pd.concat([t for t, _ in tables.values()], ignore_index=True) if tables else None
    adjusted = iter(stats.bh_adjust(everything["p"].to_numpy()) if everything is not None else [])
    for metric, (table, missing) in tables.items():
        for row in table.to_dict("records"):
            p_bh = next(adjusted)
            why = _why_no_test(row)
            lines.append(
                f"| {metric} | {row['factor']} | {_summary_cell(row, 'same')} "
                f"| {_summary_cell(row, 'different')} | {_number(row['difference'], why)} "
                f"| {_number(row['p'], why)} | {_number(p_bh, why)} | {missing} |"
            )
    lines += _group_lines(matrices)
    return lines


def _group_lines(matrices: dict[str, xr.Dataset]) -> list[str]:
    """The per-group table and the tests between groups (see :func:`group_table`)."""
    lines = [
        "",
        "### Per group",
        "",
        "Per level of each varying factor: the mean distance between networks of that level"
        f" (the mean of each network's mean distance to the others of its level) and its"
        f" {CONFIDENCE:.0%} bootstrap CI over those networks (BCa).",
        "",
        "| metric | factor | group | networks | mean within group [CI] |",
        "|---|---|---|---|---|",
    ]
    tests = []
    for metric, ds in matrices.items():
        if not _square(ds):
            continue
        table = group_table(ds)
        for row in table.to_dict("records"):
            lines.append(
                f"| {metric} | {row['factor']} | {row['group']} | {row['n_level']} "
                f"| {_group_cell(row)} |"
            )
        if not table.attrs["tests"].empty:
            tests.append(table.attrs["tests"].assign(metric=metric))
    lines += [
        "",
        "Between groups: two-sided permutation test of equal means of the per-network"
        " within-group distances (networks of two levels are disjoint sets);"
        " *p (BH)* adjusted over every row of this table.",
        "",
        "| metric | factor | groups | difference of means | p | p (BH) |",
        "|---|---|---|---|---|---|",
    ]
    if tests:
        family = pd.concat(tests, ignore_index=True)
        family["p_bh"] = stats.bh_adjust(family["p"].to_numpy())
        for row in family.to_dict("records"):
            why = (
                "no test: a group has < 2 networks with a partner in it"
                if min(row["n_a"], row["n_b"]) < 2
                else "no test"
            )
            lines.append(
                f"| {row['metric']} | {row['factor']} | {row['group_a']} vs {row['group_b']} "
                f"| {_number(row['difference'], 'no value: a group has no pair')} "
                f"| {_number(row['p'], why)} | {_number(row['p_bh'], why)} |"
            )
    return lines


def _square(ds: xr.Dataset) -> bool:
    """Whether the matrix is one set of networks against itself (the statistics need it)."""
    dims = ds["distance"].dims
    a, b = (ds[d].values for d in dims)
    return len(dims) == 2 and len(a) == len(b) and bool(np.all(a == b))


def _number(value: float, why: str) -> str:
    """A value to 3 decimals (3 significant digits below 0.001), or why there is none —
    never a bare NaN."""
    if not np.isfinite(value):
        return f"— ({why})"
    return f"{value:.3g}" if 0 < abs(value) < 1e-3 else f"{value:.3f}"


def _why_no_test(row: dict) -> str:
    if row["n_same"] == 0:
        return "no pair shares the level: one network per level"
    if row["n_different"] == 0:
        return "no pair differs"
    return "no test"


def _ci(low: float, high: float, n_networks: int, spread: bool) -> str:
    if np.isfinite(low):
        return f"[{low:.3f}, {high:.3f}]"
    if n_networks < 2:
        return f"CI: {n_networks} network{'s' if n_networks != 1 else ''}"
    return "CI: no spread" if not spread else "CI: —"


def _summary_cell(row: dict, name: str) -> str:
    n = row[f"n_{name}"]
    if n == 0:
        return "no pair (one network per level)" if name == "same" else "no pair"
    std = f" ± {row[f'std_{name}']:.3f}" if n > 1 else " (n = 1: no spread)"
    ci = _ci(
        row[f"ci_low_{name}"],
        row[f"ci_high_{name}"],
        row[f"n_networks_{name}"],
        row[f"spread_{name}"],
    )
    return f"n = {n}: {row[f'mean_{name}']:.3f}{std} {ci}"


def _cell(values: np.ndarray, distance: np.ndarray, valid: np.ndarray, unit: str) -> str:
    """A cell over all pairs (no factor varies)."""
    per_network = stats.per_unit_means(distance, valid)
    low, high = stats.bootstrap_ci(
        per_network, confidence=CONFIDENCE, n_resamples=N_RESAMPLES, seed=SEED
    )
    row = {
        "n_all": int(values.size),
        "mean_all": float(values.mean()) if values.size else np.nan,
        "std_all": float(values.std(ddof=1)) if values.size > 1 else np.nan,
        "ci_low_all": low,
        "ci_high_all": high,
        "n_networks_all": int(per_network.size),
        "spread_all": bool(per_network.size > 1 and np.ptp(per_network) > 0),
    }
    return _summary_cell(row, "all") if values.size else f"no {unit} with a value"


def _group_cell(row: dict) -> str:
    n = row["n"]
    if n == 0:
        return (
            "— (one network in this group: no pair)"
            if row["n_level"] < 2
            else "— (no pair with a value)"
        )
    ci = _ci(
        row["ci_low"], row["ci_high"], n, bool(n > 1 and np.isfinite(row["std"]) and row["std"] > 0)
    )
    return f"{row['mean']:.3f} {ci}"
