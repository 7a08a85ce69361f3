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
from dynsim.pairwise.tiles import read_list  # noqa: E402
from dynsim.reproductions import guilhot2024 as g  # noqa: E402
from dynsim.store import network_labels, open_network  # noqa: E402

# One configuration = task × architecture × grid variant × seed (a seed replicates the
# paper's one-network-per-configuration design).
CONFIG_COLUMNS = ("task", "arch", "variant", "seed")


def load_hidden(path: str | Path, epoch: str = "stimulus") -> tuple[np.ndarray, dict[str, Any]]:
    """A store's hidden states at its last checkpoint, the ``epoch`` time steps only:
    ((trial, time, unit), labels). Raises ``ValueError`` naming the store if it has no such
    epoch."""
    ds = open_network(path)
    hidden = ds["hidden"].isel(checkpoint=-1)
    if "epoch" not in ds.coords:
        raise ValueError(f"{path}: no 'epoch' coordinate to select {epoch!r}")
    keep = np.asarray(ds["epoch"].values == epoch)
    if not keep.any():
        raise ValueError(f"{path}: no time step of epoch {epoch!r}")
    labels = {**network_labels(ds), "path": str(path)}
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
        ax.set_xticks(range(len(g.GROUPS)), [x.replace("_", "\n") for x in g.GROUPS],
                      fontsize=6)
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
) -> str:
    """The generated ``docs/guilhot2024.md``: protocol, per orientation and metric the group
    table and tests beside the paper's, the ordering verdict, and the attractor test case."""
    out = [
        "# Guilhot et al. 2024, reproduced",
        "",
        "Generated by the workflow (`workflow/rules/guilhot.smk`); do not edit by hand. "
        "Sources: " + ", ".join(f"{k}: `{v}`" for k, v in sources.items()) + ".",
        "",
        "Protocol: hidden states of the target task's test trials, stimulus epoch, last "
        "checkpoint; each network compared with `master` of its configuration (task × "
        "architecture × grid variant); DSA in radians (angular), CKA and Procrustes as "
        "1 − angular score (θ/(π/2)), as the authors reported them; Student t-tests between "
        "groups, Benjamini–Hochberg over the paper's four pairs. Orientation `correct`: "
        "(trial, time, unit); `guilhot2024`: first two axes swapped, as the authors passed "
        "their data to DSA (CKA and Procrustes are unchanged by it).",
        "",
        *(
            [f"Metric parameters of this run: `{json.dumps(metrics)}` (the paper: DSA "
             "n_delays 33, delay_interval 6, rank 50).", ""]
            if metrics
            else []
        ),
    ]
    for protocol, by_p in per.groupby("protocol", sort=False):
        for metric, sub in by_p.groupby("metric", sort=False):
            described, tests = g.group_statistics(sub)
            out += [
                f"## {metric}, orientation `{protocol}`",
                "",
                g.groups_markdown(described, tests, metric),
                "",
                f"Paper's DSA ordering untrained > master_frozen > partial > full frozen: "
                f"{g.ordering_verdict(described)}.",
                "",
            ]
    out += [
        "## Attractor test case",
        "",
        g.attractor_markdown(attractor_summary),
        "",
        "Reading the attractor numbers: the paper's noise test puts a line through the mean "
        "distance at s = 0.004, 0.002, 0.001; a distance exactly proportional to s gives "
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
        "--inputs-from", default=None, metavar="FILE",
        help="a file listing activation stores, one per line (after any STORES)",
    )
    gr.add_argument("--metrics-json", required=True)
    gr.add_argument("--protocols", default="correct,guilhot2024")
    gr.add_argument("--epoch", default="stimulus")
    gr.add_argument("-o", "--output", required=True)
    gr.add_argument("--figure", required=True)
    d = sub.add_parser("docs", help="the generated docs page")
    d.add_argument("--groups", required=True)
    d.add_argument("--attractor", required=True)
    d.add_argument("--metrics-json", default=None)
    d.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    if args.cmd == "attractor":
        outdir = Path(args.outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        size = gbench.AttractorSize(n_trials=args.n_trials, max_pairs=args.max_pairs)
        res = gbench.attractor_test_case(
            size, gbench.default_metrics(args.n_starts), args.seed,
            motif_systems=args.motif_systems,
        )
        for name, table in res.items():
            table.to_csv(outdir / f"{name}.csv", index=False)
        attractor_figure(res, outdir / "attractor.png")
    elif args.cmd == "groups":
        stores = list(args.stores)
        if args.inputs_from:
            try:
                stores += [str(p) for p in read_list(args.inputs_from)]
            except (OSError, ValueError) as err:  # names the list file
                parser.error(f"groups --inputs-from: {err}")
        if not stores:
            parser.error("groups: no inputs: give STORES or --inputs-from FILE")
        per = group_distances(
            stores, json.loads(args.metrics_json), args.protocols.split(","), args.epoch
        )
        per.to_csv(args.output, index=False)
        groups_figure(per, args.figure)
    else:
        page = docs_page(
            pd.read_csv(args.groups, keep_default_na=False, na_values=[""]),
            pd.read_csv(args.attractor),
            sources={"groups": args.groups, "attractor": args.attractor},
            metrics=json.loads(args.metrics_json) if args.metrics_json else None,
        )
        Path(args.output).write_text(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
