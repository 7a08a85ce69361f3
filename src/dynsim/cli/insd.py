"""``dynsim battery``: one analysis of the INSD battery over trained networks (dynsim.insd;
workflow/rules/insd.smk runs it)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dynsim.cli._common import HelpFormatter, examples, listed


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``battery`` to the ``dynsim`` subcommands ``sub``."""
    p = sub.add_parser(
        "battery",
        help="INSD analysis battery: one analysis over trained networks → data + figure",
        description="Run one analysis of the INSD battery (dynsim.insd) over networks "
        "given as checkpoint files, write its data (.zarr) and its figure (.png). "
        "'similarity' takes matrices written by `compare` instead; 'summary' takes the "
        "other analyses' data and writes Markdown.",
        epilog=examples(
            "dynsim battery decoding --checkpoints seed0.pt seed1.pt --out decoding.zarr\n"
            "--figure decoding.png",
            "dynsim battery similarity --matrices cka.zarr procrustes.zarr --out similarity.zarr",
            "dynsim battery summary --data decoding.zarr similarity.zarr --out battery.md",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "analysis",
        choices=["predictivity", "similarity", "fixed_points", "decoding", "ood", "summary"],
    )
    p.add_argument("--checkpoints", nargs="*", type=Path, default=[], help="from `train`")
    p.add_argument(
        "--checkpoints-from",
        type=Path,
        default=None,
        metavar="FILE",
        help="a file listing checkpoints, one per line (after any --checkpoints), as "
        "compare's --inputs-from: the command line stays short however many networks",
    )
    p.add_argument("--matrices", nargs="*", type=Path, default=[], help="from `compare`")
    p.add_argument(
        "--data", nargs="*", type=Path, default=[], help="summary: the analyses' .zarr outputs"
    )
    p.add_argument("--params-json", default=None, help="the analysis' parameters as JSON")
    p.add_argument("--n-repeats", type=int, default=4, help="repeats of each test condition")
    p.add_argument("--seed", type=int, default=0, help="seed of the test trials' noise")
    p.add_argument("--out", required=True, type=Path, help="data (.zarr), or .md for summary")
    p.add_argument("--figure", type=Path, default=None, help="figure to write (.png)")
    p.set_defaults(func=_cmd_battery)


def _cmd_battery(args: argparse.Namespace) -> int:
    from dynsim.insd.battery import run_analysis, write_summary

    if args.analysis == "summary":
        write_summary(args.data, args.out)
        print(f"battery summary → {args.out}")
        return 0
    checkpoints = list(args.checkpoints)
    if args.checkpoints_from is not None:
        checkpoints = listed(checkpoints, args.checkpoints_from, "--checkpoints")
    run_analysis(
        args.analysis,
        checkpoints=checkpoints,
        matrices=args.matrices,
        params=json.loads(args.params_json) if args.params_json else {},
        n_repeats=args.n_repeats,
        seed=args.seed,
        out=args.out,
        figure=args.figure,
    )
    print(f"battery {args.analysis} → {args.out}" + (f", {args.figure}" if args.figure else ""))
    return 0
