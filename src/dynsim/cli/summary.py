"""``dynsim summary``: the experiment's Markdown summary of its networks and matrices
(dynsim.analysis.experiment_summary; workflow/rules/figures.smk runs it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dynsim.cli._common import HelpFormatter, examples, listed


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``summary`` to the ``dynsim`` subcommands ``sub``."""
    p = sub.add_parser(
        "summary",
        help="summary of an experiment's networks and matrices (Markdown, and HTML with --html)",
        description="Write the experiment's summary as Markdown (and, with --html, as an HTML "
        "page with the same tables): each network's outcome "
        "(status, evaluation and test accuracy, from its activation store) and, for each "
        "matrix written by `compare`, the distances within and between the levels of every "
        "factor that varies, with bootstrap CIs and permutation tests "
        "(dynsim.analysis.experiment_summary).",
        epilog=examples(
            "dynsim summary --networks a.zarr b.zarr c.zarr --matrices cka.zarr "
            "procrustes.zarr\n-o summary.md",
            "dynsim summary --networks-from networks.txt --matrices *.zarr -o summary.md",
            "dynsim summary --networks-from networks.txt --matrices *.zarr -o summary.md\n"
            "--html summary.html",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("--networks", nargs="*", type=Path, default=[], help="activation stores")
    p.add_argument(
        "--networks-from",
        type=Path,
        default=None,
        metavar="FILE",
        help="a file listing activation stores, one per line (after any --networks), as "
        "compare's --inputs-from: the command line stays short however many networks",
    )
    p.add_argument(
        "--matrices", nargs="+", type=Path, required=True, help="matrix stores from `compare`"
    )
    p.add_argument("-o", "--out", type=Path, required=True, help="summary to write (.md)")
    p.add_argument(
        "--html",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the summary as an HTML page with real tables (the Snakemake report's)",
    )
    p.set_defaults(func=_cmd_summary)


def _cmd_summary(args: argparse.Namespace) -> int:
    from dynsim.analysis import experiment_summary, summary_html

    networks = listed(args.networks, args.networks_from, "--networks")
    text = experiment_summary(networks, args.matrices)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"summary → {args.out}")
    if args.html is not None:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(summary_html(text), encoding="utf-8")
        print(f"summary (HTML) → {args.html}")
    return 0
