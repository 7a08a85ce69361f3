"""``dynsim systems-bench``: the ground-truth bench of the metrics on synthetic systems
(dynsim.bench; workflow/rules/systems.smk runs it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dynsim.cli._common import HelpFormatter, examples


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``systems-bench`` to the ``dynsim`` subcommands ``sub``."""
    p = sub.add_parser(
        "systems-bench",
        help="ground-truth bench: which metric sees dynamics on synthetic systems",
        description="Run the synthetic-systems bench (progression, regime identification, "
        "shared motifs, geometry vs dynamics, noise robustness) and write results.csv, "
        "results.md, distances.csv and systems.png to --out.",
        epilog=examples(
            "dynsim systems-bench --out bench --size small",
            "dynsim systems-bench --out bench --metrics procrustes cka --no-figure",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument(
        "--size",
        choices=["small", "default"],
        default="default",
        help="systems and trajectory lengths: small (seconds, for a first look) or default",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic systems")
    p.add_argument(
        "--metrics",
        nargs="+",
        default=None,
        metavar="NAME",
        help="metrics to run (default: procrustes cka dsa dsa_wasserstein; unavailable ones "
        "are skipped with a message)",
    )
    p.add_argument("--no-figure", action="store_true", help="skip systems.png")
    p.add_argument("--docs", type=Path, default=None, help="also write the docs page here")
    p.set_defaults(func=_cmd_systems_bench)


def _cmd_systems_bench(args: argparse.Namespace) -> int:
    from dynsim.bench import CRITERIA, run_bench

    result = run_bench(
        args.out,
        size=args.size,
        seed=args.seed,
        metrics=args.metrics,
        figure=not args.no_figure,
        docs=args.docs,
    )
    for metric in result.metrics:
        passed = [r.case for r in result.results if r.metric == metric and r.passed]
        print(f"{metric:18s} passes {len(passed)}/{len(CRITERIA)}: {', '.join(passed) or '-'}")
    print(f"systems bench ({args.size}, seed {args.seed}, {result.seconds:.0f} s) → {args.out}")
    return 0
