"""``dynsim compare``: one metric's distance matrix between networks (its options are checked in
dynsim.cli.compare_options; the engine is dynsim.pairwise)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dynsim.cli._common import (
    EXIT_COMPLETE,
    EXIT_NOTHING,
    EXIT_PARTIAL,
    HelpFormatter,
    any_value,
    check_output,
    report_missing,
)
from dynsim.cli.compare_options import (
    option_of,
    over_learning_arg,
    parse_params,
    selection_arg,
    tile_arg,
)

COMPARE_EPILOG = """\
inputs:
  *.zarr       dynsim activation stores (variable 'hidden'; the selected checkpoint is used),
               or any Zarr/NetCDF dataset with a variable named by --var whose dims include
               'time' and 'unit' (and optionally 'trial')
  *.nc         NetCDF, read with xarray, same rules as Zarr
  *.npy        a plain array; say its axis order with --dims (default trial,time,unit)

examples:
  dynsim compare results/default/activations/*/*/*/seed*.zarr --metric cka -o cka.zarr
  dynsim compare results/sweep/activations/*/*/*/*/seed*.zarr --metric cka   # with a grid
  dynsim compare a.npy b.npy --dims time,unit --metric procrustes --param score_method=euclidean
  dynsim compare run1.nc run2.nc --metric procrustes --epoch stimulus -o out.nc

selection (--checkpoint, --epoch, --trials, --average-over, --time-normalize) applies to
  every input that has what it selects on: a 'checkpoint' dimension (or a scalar 'checkpoint'
  label), an 'epoch' coordinate along 'time', trial labels along 'trial'; an input without it
  refuses the option (exit 2) rather than silently comparing something else.

exit status:
  0  every entry of the matrix was computed
  1  only part could be computed: the networks and pairs without a value and why are listed
     on stderr; the matrix (NaN there, with the reason in 'status') is still written to -o
     or printed (0 instead with --allow-partial, e.g. when diverged networks are expected)
  2  an invalid option or input (named in the message); nothing was computed or written
  3  nothing could be computed (no pair has a value); reasons listed, matrix still written
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``compare`` to the ``dynsim`` subcommands ``sub``."""
    p = sub.add_parser(
        "compare",
        help="distance matrix between networks for one metric",
        description="Compare every pair of networks with one metric and write a labelled "
        "distance matrix (0 = identical) with a per-pair status.",
        epilog=COMPARE_EPILOG,
        formatter_class=HelpFormatter,
    )
    p.add_argument("paths", nargs="*", type=Path, help="activity files (see 'inputs' below)")
    p.add_argument(
        "--inputs-from",
        type=Path,
        default=None,
        metavar="FILE",
        help="a file listing the inputs, one per line (after any PATHS); keeps the command "
        "line short however many networks there are",
    )
    p.add_argument(
        "--tile",
        type=int,
        default=None,
        metavar="K",
        help="compute only tile K (from 0) of the matrix: its share of the pairs, in tiles of "
        "--tile-pairs pairs; written as .npz; `dynsim merge` joins the tiles",
    )
    p.add_argument("--tile-pairs", type=int, default=None, help="pairs per tile (see --tile)")
    p.add_argument("--metric", required=True, help="metric name (`dynsim metrics` lists them)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="metric parameter (repeatable); values are parsed as JSON when possible",
    )
    p.add_argument("--params-json", default=None, help="all metric parameters as one JSON object")
    p.add_argument(
        "-o",
        "--out",
        type=Path,
        default=None,
        help="output .zarr or .nc (default: print the matrix)",
    )
    p.add_argument(
        "--checkpoint",
        default="final",
        help="'final', a checkpoint index, or a progress fraction like 0.5",
    )
    p.add_argument(
        "--epoch",
        action="append",
        default=None,
        help="keep only time steps of this epoch (repeatable)",
    )
    p.add_argument(
        "--trials",
        action="append",
        default=[],
        metavar="LABEL=V1,V2",
        help="keep only trials whose condition LABEL is one of the values (repeatable)",
    )
    p.add_argument(
        "--average-over",
        action="append",
        default=[],
        metavar="LABEL",
        help="average trials sharing these condition labels (repeatable)",
    )
    p.add_argument(
        "--time-normalize",
        action="append",
        default=[],
        metavar="PHASE=STEPS",
        help="resample each phase (an epoch, or consecutive epochs joined by '+') to STEPS "
        "time steps, in time order; steps outside every phase are dropped (repeatable; "
        "compare.time_normalize, README 'Comparing different tasks')",
    )
    p.add_argument(
        "--over-learning",
        default=None,
        metavar="P1,P2,...",
        help="training-progress fractions: one matrix per fraction, stacked on 'progress' "
        "(networks matched by progress: inputs need a 'checkpoint' dim with a 'progress' "
        "coordinate, as dynsim stores have; --checkpoint is not used)",
    )
    p.add_argument("--var", default="hidden", help="variable holding activity (Zarr/NetCDF)")
    p.add_argument("--dims", default="trial,time,unit", help="axis order of .npy inputs")
    p.add_argument(
        "--backend",
        choices=["auto", "inprocess", "ray"],
        default="auto",
        help="where pairs run: auto moves to Ray only when measured to be faster",
    )
    p.add_argument("--batch-size", type=int, default=512, help="pairs per task (Ray) or batch")
    p.add_argument("--threads", type=int, default=None, help="CPUs for Ray (default: all)")
    p.add_argument(
        "--partial-dir",
        type=Path,
        default=None,
        help="keep finished batches here so a killed run resumes",
    )
    p.add_argument("--ray-address", default=None, help="existing Ray cluster (else private)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument(
        "--allow-partial",
        action="store_true",
        help="exit 0 when only part of the matrix could be computed (e.g. some networks "
        "diverged); the entries without a value are still listed on stderr",
    )
    p.set_defaults(func=_cmd_compare)


def _cmd_compare(args: argparse.Namespace) -> int:
    """``dynsim compare``; exit status as COMPARE_EPILOG documents. Every option is checked
    before any input is read; errors name the option (or the file)."""
    from dynsim.pairwise import compare_files
    from dynsim.pairwise.engine import make_metric
    from dynsim.pairwise.files import parse_dims
    from dynsim.pairwise.tiles import compare_tile, read_list

    paths = list(args.paths) + (read_list(args.inputs_from) if args.inputs_from else [])
    if not paths:
        raise ValueError("no inputs: give activity files or --inputs-from FILE")
    tile = tile_arg(args)
    selection = selection_arg(args)
    over_learning = over_learning_arg(args)
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.out is not None and tile is None:
        check_output(args.out)
    if args.threads is not None and args.threads < 1:
        raise ValueError(f"--threads must be at least 1, got {args.threads}")
    parse_dims(args.dims)  # names --dims if it names an axis the engine does not know
    params = parse_params(args.param, args.params_json)
    try:
        make_metric(args.metric, params)  # unknown metric, parameter or value: before any work
    except ValueError as err:
        from dynsim import metrics

        option = "--param" if args.metric in metrics.available() else "--metric"
        raise ValueError(f"{option}: {err}") from err

    common = dict(
        var=args.var,
        dims=args.dims,
        selection=selection,
        metric_params=params,
        out=args.out,
        backend=args.backend,
        batch_size=args.batch_size,
        num_cpus=args.threads,
        ray_address=args.ray_address,
    )
    try:
        if tile is not None:
            content = compare_tile(paths, args.metric, tile, args.tile_pairs, **common)
            n_missing = int((content["reasons"] != "").sum())
            print(
                f"{args.metric}: tile {tile}, {len(content['values'])} pairs → {args.out}"
                + (f" ({n_missing} without a value)" if n_missing else "")
            )
            return EXIT_COMPLETE  # the merge reports and judges missing values
        result = compare_files(
            paths,
            args.metric,
            over_learning=over_learning,
            partial_dir=args.partial_dir,
            progress=not args.no_progress,
            **common,
        )
    except (ValueError, RuntimeError) as err:
        option = option_of(err)
        if option is None:
            raise
        raise ValueError(f"{option}: {err}") from err

    if args.out is None:
        _print_matrix(result)
    status = result["status"].values
    n_missing, n_entries = int((status != "").sum()), status.size
    if args.out is not None:
        print(
            f"{args.metric}: {result.sizes['model_a']}×{result.sizes['model_b']} → {args.out}"
            + (f" ({n_missing} entries without a value; see 'status')" if n_missing else "")
        )
    if not n_missing:
        return EXIT_COMPLETE
    report_missing(args.metric, status, n_entries)
    # Nothing computed: no entry has a value but a network's trivial zero against itself.
    if not any_value(result):
        return EXIT_NOTHING
    return EXIT_COMPLETE if args.allow_partial else EXIT_PARTIAL


def _print_matrix(result: Any) -> None:
    """The matrix on stdout: one table, or one per progress point for ``--over-learning``."""
    if "progress" in result.dims:
        for point in result["progress"].values:
            print(f"progress {float(point):g}:")
            print(result["distance"].sel(progress=point).to_pandas().to_string())
        return
    print(result["distance"].to_pandas().to_string())
