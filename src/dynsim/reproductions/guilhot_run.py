"""The Guilhot et al. 2024 reproduction's jobs, as the workflow runs them
(``python -m dynsim.reproductions.guilhot_run {attractor|groups|docs} …``; rules in
``workflow/rules/guilhot.smk``). Library functions first, a thin argument parser last.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import dynsim.metrics as dm  # noqa: E402
from dynsim.bench import guilhot as gbench  # noqa: E402
from dynsim.pairwise import Selection, compute_over_learning  # noqa: E402
from dynsim.pairwise.tiles import read_list  # noqa: E402
from dynsim.reproductions import guilhot2024 as g  # noqa: E402
from dynsim.reproductions import guilhot_analyses as ga  # noqa: E402
from dynsim.reproductions import guilhot_figures as gf  # noqa: E402
from dynsim.store import network_labels, open_network  # noqa: E402

# One configuration = task × architecture × grid variant × seed (a seed replicates the
# paper's one-network-per-configuration design).
CONFIG_COLUMNS = ("task", "arch", "variant", "seed")


def load_hidden(path: str | Path, epoch: str = "stimulus") -> tuple[np.ndarray, dict[str, Any]]:
    """A store's hidden states at its last checkpoint, the ``epoch`` time steps only:
    ((trial, time, unit), labels incl. ``accuracy`` at that checkpoint). Raises
    ``ValueError`` naming the store if it has no such epoch."""
    ds = open_network(path)
    hidden = ds["hidden"].isel(checkpoint=-1)
    if "epoch" not in ds.coords:
        raise ValueError(f"{path}: no 'epoch' coordinate to select {epoch!r}")
    keep = np.asarray(ds["epoch"].values == epoch)
    if not keep.any():
        raise ValueError(f"{path}: no time step of epoch {epoch!r}")
    labels = {**network_labels(ds), "path": str(path)}
    labels["accuracy"] = float(ds["accuracy"].isel(checkpoint=-1))  # the master filter's
    labels.setdefault("variant", "")
    return np.asarray(hidden.isel(time=np.flatnonzero(keep)).values), labels


def group_distances(
    stores: Sequence[str | Path],
    metrics: dict[str, dict[str, Any]],
    protocols: Sequence[str] = g.PROTOCOLS,
    epoch: str = "stimulus",
) -> pd.DataFrame:
    """Every network's distance to master of its configuration, per metric and protocol:
    rows of :func:`dynsim.reproductions.guilhot2024.distances_to_master` plus ``metric``,
    ``protocol``. CKA and Procrustes on the paper's scale (θ/(π/2)), DSA in radians."""
    for p in protocols:
        g.orient(np.zeros((1, 1, 1)), p)  # refuse an unknown protocol before any work
    loaded = [load_hidden(s, epoch) for s in stores]
    nets = pd.DataFrame([labels for _, labels in loaded])
    tables = []
    for protocol in protocols:
        data = {labels["path"]: g.orient(x, protocol) for x, labels in loaded}
        for metric, params in metrics.items():
            matrix = dm.pairwise(data, metric, **params).values
            per = g.distances_to_master(
                gbench.paper_scale(metric, matrix), nets, config_columns=CONFIG_COLUMNS
            )
            tables.append(per.assign(metric=metric, protocol=protocol))
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def learning_distances(
    stores: Sequence[str | Path],
    metrics: dict[str, dict[str, Any]],
    progress: Sequence[float],
    epoch: str = "stimulus",
) -> pd.DataFrame:
    """Dissimilarity over learning of the pretrained groups against master: per configuration,
    :func:`dynsim.pairwise.compute_over_learning` of its pretrained networks (at each
    ``progress`` point, checkpoints matched by training progress) versus its master's final
    state (``reference``), then :func:`~dynsim.reproductions.guilhot_analyses.
    learning_to_master`. Orientation ``correct`` only; CKA and Procrustes on the paper's scale.
    Returns tidy rows with ``metric``."""
    labels = []
    for path in stores:
        lab = {**network_labels(open_network(path)), "path": str(path)}
        lab.setdefault("variant", "")
        labels.append(lab)
    nets = pd.DataFrame(labels)
    nets["group"] = [g.group_of(r) for r in nets["regime"]]
    key = nets[list(CONFIG_COLUMNS)].astype(str).agg("|".join, axis=1)
    tables = []
    for _, sub in nets.groupby(key, sort=True):
        masters = sub.loc[sub.group == "master", "path"].tolist()
        learners = sub.loc[sub.group.isin(ga.PRETRAINED_GROUPS), "path"].tolist()
        if not masters or not learners:
            continue  # no master: distances_to_master's NaN rows already report it
        for metric, params in metrics.items():
            ds = compute_over_learning(
                metric,
                learners,
                list(progress),
                reference=masters,
                selection=Selection(epoch=epoch),
                metric_params=params,
                progress=False,
            )
            tidy = ga.learning_to_master(ds)
            tidy["d"] = gbench.paper_scale(metric, tidy["d"].to_numpy())
            tables.append(tidy.assign(metric=metric))
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def read_families(own: str | Path, families_from: dict[str, str]) -> tuple[pd.DataFrame, list]:
    """This experiment's group table plus the other families' (``guilhot.families_from``):
    (rows, [(family, path) of the tables not found]). A missing table is named, not an
    error (that experiment may not have run yet)."""
    tables, missing = [_read_groups(own)], []
    for family, path in families_from.items():
        if Path(path).is_file():
            tables.append(_read_groups(path))
        else:
            missing.append((family, str(path)))
    return pd.concat(tables, ignore_index=True), missing


def _read_groups(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def attractor_figure(out: dict[str, pd.DataFrame], path: str | Path) -> None:
    """Noise and mixing curves (mean d per epoch) and the shared-motif means, per metric."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    nm = out.get("noise_mixing")
    for ax, test in zip(axes[:2], ("noise", "mixing"), strict=True):
        if nm is not None and len(nm):
            for metric, sub in nm[nm.test == test].groupby("metric"):
                sub = sub.sort_values("epoch")
                ax.errorbar(sub.epoch, sub.d_mean, sub.d_sem, label=metric, marker="o")
        ax.set(title=f"{test} test", xlabel="epoch (noise ↓ / mixing ↓)", ylabel="dissimilarity")
        ax.legend(fontsize=7)
    motifs = out.get("motifs")
    if motifs is not None and len(motifs):
        for metric, sub in motifs.groupby("metric"):
            means = sub.groupby("shared")["d"].mean()
            axes[2].plot(means.index, means.values, marker="o", label=metric)
    axes[2].set(title="shared motifs", xlabel="motifs shared", ylabel="mean dissimilarity")
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def groups_figure(per: pd.DataFrame, path: str | Path) -> None:
    """Dissimilarity to master per group: one panel per (protocol, metric), points + means."""
    keys = sorted({(p, m) for p, m in zip(per.protocol, per.metric, strict=True)})
    fig, axes = plt.subplots(1, max(len(keys), 1), figsize=(3.2 * max(len(keys), 1), 3.5))
    for ax, (protocol, metric) in zip(np.atleast_1d(axes), keys, strict=False):
        sub = per[(per.protocol == protocol) & (per.metric == metric)]
        for k, group in enumerate(g.GROUPS):
            d = sub.loc[sub.group == group, "d"].to_numpy()
            ax.scatter(np.full(d.size, k), d, s=10, alpha=0.6)
            if d.size:
                ax.hlines(np.nanmean(d), k - 0.3, k + 0.3, color="k")
        ax.set_xticks(range(len(g.GROUPS)), [x.replace("_", "\n") for x in g.GROUPS], fontsize=6)
        ax.set_title(f"{metric} ({protocol})", fontsize=9)
    np.atleast_1d(axes)[0].set_ylabel("dissimilarity to master")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def docs_page(
    per: pd.DataFrame,
    attractor_summary: pd.DataFrame,
    *,
    sources: dict[str, str],
    metrics: dict[str, Any] | None = None,
    master_accuracy: float | None = None,
    activations: Sequence[str] | None = None,
    learning: pd.DataFrame | None = None,
    missing_families: Sequence[tuple[str, str]] = (),
) -> str:
    """The generated ``docs/guilhot2024.md``: protocol, the configuration filters (what each
    kept and dropped, every dropped configuration named), per orientation and metric the group
    table and tests beside the paper's (per architecture family when there are several), the
    ordering verdict, dissimilarity over learning, Spearman's ρ of dissimilarity against
    accuracy difference, and the attractor test case. ``per`` holds every family's rows."""
    all_rows, report = per, None
    if master_accuracy is not None or activations is not None:  # the workflow passes both
        per, report = ga.filter_configurations(
            per,
            master_accuracy=master_accuracy,
            activations=activations,
            config_columns=CONFIG_COLUMNS,
        )
    if report is not None and learning is not None and len(learning):
        # Over learning: the same configurations as the group tables (the filters' kept ones).
        cols = [c for c in CONFIG_COLUMNS if c in learning.columns and c in per.columns]
        if cols:  # a table without configuration labels is shown as it is
            kept = set(per[cols].astype(str).itertuples(index=False, name=None))
            learning = learning[learning[cols].astype(str).apply(tuple, axis=1).isin(kept)]
    if "arch" not in per.columns:  # one family (a table without architecture labels)
        per = per.assign(arch="")
    out = [
        "# Guilhot et al. 2024, reproduced",
        "",
        "Generated by the workflow (`workflow/rules/guilhot.smk`); do not edit by hand. "
        "Sources: " + ", ".join(f"{k}: `{v}`" for k, v in sources.items()) + ".",
        "",
        "Protocol: hidden states of the target task's test trials, stimulus epoch, last "
        "checkpoint; each network compared with `master` of its configuration (task × "
        "architecture × grid variant); DSA as its angular distance θ in radians; CKA and "
        "Procrustes as θ/(π/2) ∈ [0, 1] (dynsim's angular distance in radians divided by π/2, "
        "which is the authors' 1 − angular score, the scale they reported); Student t-tests "
        "between groups, Benjamini–Hochberg over the paper's four pairs. Orientation `correct`: "
        "(trial, time, unit); `guilhot2024`: first two axes swapped, as the authors passed "
        "their data to DSA (CKA and Procrustes are unchanged by it).",
        "",
        *(
            [
                f"Metric parameters of this run: `{json.dumps(metrics)}` (the paper: DSA "
                "n_delays 33, delay_interval 6, rank 50).",
                "",
            ]
            if metrics
            else []
        ),
    ]
    if report is not None:
        out += _filters_markdown(report, master_accuracy, activations, all_rows)
    else:
        out += ["No configuration filter (every configuration kept).", ""]
    families = sorted(per["arch"].astype(str).unique()) if len(per) else []
    for protocol, by_p in per.groupby("protocol", sort=False):
        for metric, sub in by_p.groupby("metric", sort=False):
            for family, (described, tests) in ga.by_family(sub).items():
                title = f" — family `{family}`" if len(families) > 1 else ""
                out += [
                    f"## {metric}, orientation `{protocol}`{title}",
                    "",
                    g.groups_markdown(described, tests, metric),
                    "",
                    (
                        "The order the paper reports for DSA (untrained > master_frozen >"
                        " partial_pretraining > full_pretraining_frozen; full_pretraining_"
                        "unfrozen is not part of it), in this metric's group means (the tests"
                        f" above say which differences are significant): "
                        f"{g.ordering_verdict(described)}"
                        + (
                            "."
                            if metric.startswith("dsa")
                            else " (the paper reports no ordering for this metric: every"
                            " group 0.40–0.45)."
                        )
                    ),
                    "",
                ]
                if family == "mamba" and metric.startswith("dsa"):
                    out += [
                        "Paper's Mamba DSA means: "
                        + ", ".join(f"{k} {v:.2f}" for k, v in ga.PAPER_MAMBA_DSA.items())
                        + ".",
                        "",
                    ]
    for family, path in missing_families:
        out += [
            f"Family `{family}`: its table `{path}` does not exist (run its experiment "
            "first); not in the tables above.",
            "",
        ]
    out += _learning_markdown(learning)
    out += _accuracy_markdown(per)
    out += [
        "## Attractor test case",
        "",
        g.attractor_markdown(attractor_summary),
        "",
        "Reading the attractor numbers: the paper's noise test puts a line through the mean "
        "distance at s = 0.004, 0.002, 0.001 against the level's index 1, 2, 3 (as the "
        "authors' notebook fits it; s halves at each step); a distance exactly proportional "
        "to s gives "
        "R² 0.964, so CKA's and Procrustes' 0.964 means they are proportional to the noise, and "
        "DSA's higher R² comes from an s-independent floor, not from robustness. In the "
        "shared-motif test the authors gave DSA the trial-averaged trajectory: with 33 delays "
        "6 apart a 200-step series has 8 delay vectors, every operator is then the same shift "
        "map in its own basis, and the exact DSA distance between any two systems is 0 "
        "(`motif_dsa_input='trial_mean'`); their nonzero values are the reference optimiser's "
        "residual. `motif_dsa_input='trials'` gives DSA every trial instead.",
        "",
    ]
    return "\n".join(out)


def _filters_markdown(
    report: pd.DataFrame,
    master_accuracy: float | None,
    activations: Sequence[str] | None,
    rows: pd.DataFrame,
) -> list[str]:
    summary = ga.filter_summary(report)
    out = [
        "## Configurations kept",
        "",
        f"The paper's filters: activation in {list(activations) if activations else 'any'}; "
        f"master's final accuracy ≥ {master_accuracy if master_accuracy is not None else '–'} "
        "(`guilhot.activations`, `guilhot.master_accuracy`). "
        f"{len(rows)} rows of distances before the filters.",
        "",
        "| filter | configurations dropped | remaining |",
        "|---|---|---|",
        *[f"| {r['filter']} | {r['dropped']} | {r['remaining']} |" for _, r in summary.iterrows()],
        "",
    ]
    dropped = report[~report["kept"]]
    if len(dropped):
        out += ["| dropped configuration | master accuracy | reason |", "|---|---|---|"]
        for _, r in dropped.iterrows():
            name = "/".join(str(r[c]) for c in CONFIG_COLUMNS if str(r[c]))
            out.append(f"| {name} | {g._fmt(float(r['master_accuracy']))} | {r['reason']} |")
        out.append("")
    return out


def _learning_markdown(learning: pd.DataFrame | None) -> list[str]:
    if learning is None or not len(learning):
        return []
    out = [
        "## Dissimilarity over learning (pretrained groups against master)",
        "",
        "Each network at each training-progress point (checkpoints matched by progress) "
        "against its master's final state, orientation `correct`, in the configurations the "
        "filters kept; mean (n).",
        "",
    ]
    table = learning.groupby(["metric", "group", "progress"])["d"].agg(["mean", "count"])
    points = sorted(learning["progress"].unique())
    out += [
        "| metric | group | " + " | ".join(f"progress {p:g}" for p in points) + " |",
        "|---|---|" + "---|" * len(points),
    ]
    for (metric, group), sub in table.groupby(level=[0, 1]):
        sub = sub.droplevel([0, 1])
        cells = [
            f"{g._fmt(float(sub.at[p, 'mean']))} ({int(sub.at[p, 'count'])})"
            if p in sub.index
            else "–"
            for p in points
        ]
        out.append(f"| {metric} | {group} | " + " | ".join(cells) + " |")
    return [*out, ""]


def _accuracy_markdown(per: pd.DataFrame) -> list[str]:
    if not {"accuracy", "master_accuracy"} <= set(per.columns) or not len(per):
        return []
    rho = ga.accuracy_spearman(ga.accuracy_relevance(per))
    out = [
        "## Dissimilarity against accuracy difference",
        "",
        "Spearman's ρ (scipy) between each network's distance to its master and |accuracy − "
        "master accuracy| at the final checkpoint, over the kept configurations.",
        "",
        "| orientation | metric | n | ρ | p |",
        "|---|---|---|---|---|",
    ]
    for _, r in rho.iterrows():
        out.append(
            f"| {r['protocol']} | {r['metric']} | {r['n']} | {g._fmt(r['rho'])} | "
            f"{g._fmt(r['p'])} |"
        )
    return [*out, ""]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dynsim.reproductions.guilhot_run")
    sub = parser.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("attractor", help="the attractor test case → CSVs + figure")
    a.add_argument("--n-trials", type=int, default=200)
    a.add_argument("--max-pairs", type=int, default=None)
    a.add_argument("--n-starts", type=int, default=24)
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--motif-systems", type=int, default=None)
    a.add_argument("--outdir", required=True)
    gr = sub.add_parser("groups", help="distances to master per group → CSV + figure")
    gr.add_argument("stores", nargs="*")
    gr.add_argument(
        "--inputs-from",
        default=None,
        metavar="FILE",
        help="a file listing activation stores, one per line (after any STORES)",
    )
    gr.add_argument("--metrics-json", required=True)
    gr.add_argument("--protocols", default="correct,guilhot2024")
    gr.add_argument("--epoch", default="stimulus")
    gr.add_argument("-o", "--output", required=True)
    gr.add_argument("--figure", required=True)
    le = sub.add_parser("learning", help="pretrained groups against master over learning")
    le.add_argument("stores", nargs="*")
    le.add_argument(
        "--inputs-from",
        default=None,
        metavar="FILE",
        help="a file listing activation stores, one per line (after any STORES)",
    )
    le.add_argument("--metrics-json", required=True)
    le.add_argument("--progress", required=True, help="comma-separated fractions")
    le.add_argument("--epoch", default="stimulus")
    le.add_argument("-o", "--output", required=True)
    le.add_argument("--figure", required=True)
    ac = sub.add_parser("accuracy", help="distance to master against accuracy difference")
    fa = sub.add_parser("families", help="group-to-master per architecture family")
    d = sub.add_parser("docs", help="the generated docs page")
    for p in (ac, fa, d):
        p.add_argument("--groups", required=True)
        p.add_argument("--master-accuracy", type=float, default=None)
        p.add_argument("--activations", default=None, help="comma-separated; none = all")
        p.add_argument("--families-json", default="{}")
    for p in (ac, fa):
        p.add_argument("-o", "--output", required=True)
        p.add_argument("--figure", required=True)
    d.add_argument("--attractor", required=True)
    d.add_argument("--learning", default=None)
    d.add_argument("--metrics-json", default=None)
    d.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    if args.cmd in ("accuracy", "families", "docs"):
        per, missing = read_families(args.groups, json.loads(args.families_json))
        activations = args.activations.split(",") if args.activations else None
        kept, _ = ga.filter_configurations(
            per,
            master_accuracy=args.master_accuracy,
            activations=activations,
            config_columns=CONFIG_COLUMNS,
        )
    if args.cmd in ("groups", "learning"):
        stores = list(args.stores)
        if args.inputs_from:
            try:
                stores += [str(p) for p in read_list(args.inputs_from)]
            except (OSError, ValueError) as err:  # names the list file
                parser.error(f"{args.cmd} --inputs-from: {err}")
        if not stores:
            parser.error(f"{args.cmd}: no inputs: give STORES or --inputs-from FILE")
    if args.cmd == "attractor":
        outdir = Path(args.outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        size = gbench.AttractorSize(n_trials=args.n_trials, max_pairs=args.max_pairs)
        res = gbench.attractor_test_case(
            size,
            gbench.default_metrics(args.n_starts),
            args.seed,
            motif_systems=args.motif_systems,
        )
        for name, table in res.items():
            table.to_csv(outdir / f"{name}.csv", index=False)
        attractor_figure(res, outdir / "attractor.png")
    elif args.cmd == "groups":
        per = group_distances(
            stores, json.loads(args.metrics_json), args.protocols.split(","), args.epoch
        )
        per.to_csv(args.output, index=False)
        groups_figure(per, args.figure)
    elif args.cmd == "learning":
        tidy = learning_distances(
            stores,
            json.loads(args.metrics_json),
            [float(x) for x in args.progress.split(",")],
            args.epoch,
        )
        tidy.to_csv(args.output, index=False)
        gf.learning_figure(tidy, args.figure)
    elif args.cmd == "accuracy":
        rel = ga.accuracy_relevance(kept)
        rho = ga.accuracy_spearman(rel)
        rho.to_csv(args.output, index=False)
        gf.accuracy_figure(rel, rho, args.figure)
    elif args.cmd == "families":
        rows = []
        for (protocol, metric), sub in kept.groupby(["protocol", "metric"], sort=False):
            for family, (described, _) in ga.by_family(sub).items():
                rows.append(described.assign(protocol=protocol, metric=metric, family=family))
        (pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()).to_csv(
            args.output, index=False
        )
        gf.families_figure(kept, args.figure)
    else:
        sources = {"groups": args.groups, "attractor": args.attractor}
        learning = None
        if args.learning:
            sources["learning"] = args.learning
            learning = (
                _read_groups(args.learning) if Path(args.learning).stat().st_size > 1 else None
            )
        page = docs_page(
            per,
            pd.read_csv(args.attractor),
            sources=sources,
            metrics=json.loads(args.metrics_json) if args.metrics_json else None,
            master_accuracy=args.master_accuracy,
            activations=activations,
            learning=learning,
            missing_families=missing,
        )
        Path(args.output).write_text(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
