"""``dynsim merge``: the tiles written by ``dynsim compare --tile`` joined into one matrix store
(dynsim.pairwise.tiles; the workflow's tiled compare in workflow/rules/compare.smk)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dynsim.cli._common import (
    EXIT_COMPLETE,
    EXIT_NOTHING,
    HelpFormatter,
    any_value,
    check_output,
    examples,
    report_missing,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``merge`` to the ``dynsim`` subcommands ``sub``."""
    p = sub.add_parser(
        "merge",
        help="join the tiles of `compare --tile` into one matrix store",
        description="Join the tiles DIR/tile<k>.npz written by `dynsim compare --tile` into "
        "the matrix store an untiled `compare` writes (the same values bit for bit, statuses "
        "and labels). Refuses, naming them, tiles that are missing or of another run. Exit "
        "status as `compare --allow-partial`: 3 when no pair has a value.",
        epilog=examples(
            "dynsim compare a.npy b.npy c.npy d.npy --metric cka --batch-size 3\n"
            "--tile-pairs 3 --tile 0 -o tiles/tile0.npz",
            "dynsim compare a.npy b.npy c.npy d.npy --metric cka --batch-size 3\n"
            "--tile-pairs 3 --tile 1 -o tiles/tile1.npz",
            "dynsim merge tiles -o cka.zarr",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("directory", type=Path, help="directory of the tiles")
    p.add_argument("-o", "--out", required=True, type=Path, help="output .zarr")
    p.set_defaults(func=_cmd_merge)


def _cmd_merge(args: argparse.Namespace) -> int:
    """``dynsim merge``: the tiles of ``compare --tile`` as one matrix store."""
    from dynsim.pairwise.tiles import merge_tiles

    if args.out.suffix != ".zarr":
        raise ValueError(f"-o {args.out}: the merged matrix is written as a .zarr store")
    check_output(args.out)
    merged = merge_tiles(args.directory, args.out)
    status = merged["status"].values
    n_missing = int((status != "").sum())
    print(
        f"{args.directory} → {args.out} ({merged.sizes['model_a']}×{merged.sizes['model_b']}"
        + (f", {n_missing} entries without a value; see 'status')" if n_missing else ")")
    )
    if not n_missing:
        return EXIT_COMPLETE
    report_missing(str(merged.attrs.get("metric", "merge")), status, status.size, "merge")
    # As an untiled compare with --allow-partial: only a matrix without any value fails.
    return EXIT_COMPLETE if any_value(merged) else EXIT_NOTHING
