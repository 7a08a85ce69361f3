"""The ``dynsim`` command line: thin shells over the library (the workflow calls these too).

Run ``dynsim --help`` or ``dynsim COMMAND --help``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dynsim.training import NetworkSpec

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

#: ``dynsim compare`` exit status (see COMPARE_EPILOG).
EXIT_COMPLETE, EXIT_PARTIAL, EXIT_INVALID, EXIT_NOTHING = 0, 1, 2, 3
#: At most this many distinct reasons are listed on stderr (the matrix's 'status' has all).
MAX_REASONS_LISTED = 20
#: What `dynsim figure --kind` draws (see dynsim.figures).
FIGURE_KINDS = ("auto", "heatmap", "panel", "learning", "mds", "agreement", "accuracy")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="dynsim",
        description="Train recurrent networks on neuroscience tasks and compare their "
        "computations (Procrustes, CKA, DSA, ...). Most users run the Snakemake workflow "
        "(`snakemake --cores N`); these commands are its building blocks and work on your "
        "own recordings too.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "train", help="train one network and save its checkpoints (on Ray: see --ray)"
    )
    p.add_argument("--spec", required=True, help="the network spec as JSON (see NetworkSpec)")
    p.add_argument("--out", required=True, type=Path, help="checkpoint file to write (.pt)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads for this job")
    p.add_argument("--ray-address", default=None, help="existing Ray cluster (else private)")
    p.add_argument("--object-store-mb", type=int, default=256)
    p.add_argument(
        "--ray",
        choices=["auto", "always", "never"],
        default="auto",
        help="run training as a Ray task: always; never; or auto = when a cluster "
        "is named or this machine has a GPU (a private Ray instance costs more "
        "than training a small network on a CPU)",
    )
    p.add_argument(
        "--previous",
        nargs="*",
        type=Path,
        default=[],
        metavar="CHECKPOINT",
        help="for an insd_<k> regime: the checkpoint files of links 0..k-1 of its chain",
    )
    p.add_argument(
        "--same-training-as",
        nargs="*",
        type=Path,
        default=[],
        metavar="CHECKPOINT",
        help="do not train: reuse this checkpoint of a network that trains identically and "
        "differs only in the task it is recorded on (a Yang-family multitask network)",
    )
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser(
        "train-seeds",
        help="train several seeds of one network together (stacked weights), in-process",
        description="Train networks whose specs differ only in their seed at once, their "
        "weights stacked (dynsim.training.train_stacked: leaky_rnn and gru; master and "
        "master_gain<g>), and save one checkpoint file per seed, as `train` would.",
    )
    p.add_argument("--specs", required=True, help="the network specs as a JSON list")
    p.add_argument(
        "--out", required=True, nargs="+", type=Path, help="checkpoint files, one per spec"
    )
    p.add_argument("--threads", type=int, default=1, help="CPU threads for this job")
    p.set_defaults(func=_cmd_train_seeds)

    p = sub.add_parser("record", help="record test-set activity at every checkpoint → Zarr")
    p.add_argument("--checkpoint", required=True, type=Path, help="file written by `train`")
    p.add_argument("--out", required=True, type=Path, help="activation store (.zarr)")
    p.add_argument("--n-repeats", type=int, default=4, help="repeats of each test condition")
    p.add_argument("--seed", type=int, default=0, help="seed of the test trials' noise")
    p.set_defaults(func=_cmd_record)

    p = sub.add_parser(
        "compare",
        help="distance matrix between networks for one metric",
        description="Compare every pair of networks with one metric and write a labelled "
        "distance matrix (0 = identical) with a per-pair status.",
        epilog=COMPARE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    p.add_argument("--backend", choices=["auto", "inprocess", "ray"], default="auto")
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--threads", type=int, default=None, help="CPUs for Ray (default: all)")
    p.add_argument(
        "--partial-dir",
        type=Path,
        default=None,
        help="keep finished batches here so a killed run resumes",
    )
    p.add_argument("--ray-address", default=None)
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--allow-partial",
        action="store_true",
        help="exit 0 when only part of the matrix could be computed (e.g. some networks "
        "diverged); the entries without a value are still listed on stderr",
    )
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser(
        "merge",
        help="join the tiles of `compare --tile` into one matrix store",
        description="Join the tiles DIR/tile<k>.npz written by `dynsim compare --tile` into "
        "the matrix store an untiled `compare` writes (the same values bit for bit, statuses "
        "and labels). Refuses, naming them, tiles that are missing or of another run. Exit "
        "status as `compare --allow-partial`: 3 when no pair has a value.",
    )
    p.add_argument("directory", type=Path, help="directory of the tiles")
    p.add_argument("-o", "--out", required=True, type=Path, help="output .zarr")
    p.set_defaults(func=_cmd_merge)

    p = sub.add_parser(
        "figure",
        help="figures of distance matrices → PNG (heatmap, panel, learning, mds, agreement, "
        "accuracy)",
        description="Draw one figure from matrix stores written by `compare`. --kind auto: a "
        "learning matrix gives learning curves, any other a clustered heatmap.",
    )
    p.add_argument(
        "matrices",
        nargs="+",
        type=Path,
        metavar="MATRIX",
        help="matrix store(s) written by `compare` (several for panel, agreement, accuracy)",
    )
    p.add_argument(
        "-o", "--out", type=Path, required=True, help="figure to write (.png, .pdf, .svg, ...)"
    )
    p.add_argument(
        "--kind",
        choices=FIGURE_KINDS,
        default="auto",
        help="heatmap: one metric; panel: every metric side by side; learning: "
        "distance over training progress; mds: networks placed by classical MDS; "
        "agreement: Spearman ρ between metrics; accuracy: distance against accuracy "
        "difference",
    )
    p.add_argument(
        "--order-from",
        nargs="+",
        type=Path,
        default=None,
        metavar="MATRIX",
        help="heatmap/panel: order the networks by the clustering of these matrices "
        "(one: its clustering; several: their consensus), so every metric's heatmap "
        "shares one order",
    )
    p.set_defaults(func=_cmd_figure)

    p = sub.add_parser("summary", help="Markdown summary of an experiment's networks and matrices")
    p.add_argument("--networks", nargs="*", type=Path, default=[], help="activation stores")
    p.add_argument(
        "--networks-from",
        type=Path,
        default=None,
        metavar="FILE",
        help="a file listing activation stores, one per line (after any --networks), as "
        "compare's --inputs-from: the command line stays short however many networks",
    )
    p.add_argument("--matrices", nargs="+", type=Path, required=True)
    p.add_argument("-o", "--out", type=Path, required=True)
    p.add_argument(
        "--html",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the summary as an HTML page with real tables (the Snakemake report's)",
    )
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser(
        "check-config",
        help="validate an experiment config (merged as the workflow merges it) and list its "
        "networks",
        description="Validate what `snakemake --configfile FILE ...` would run: the FILEs "
        "merged together and over the workflow's default config (nested keys merged key by "
        "key, as Snakemake does), every key and value checked as the workflow checks it "
        "before any job.",
    )
    p.add_argument("config", type=Path, nargs="+", metavar="FILE", help="config file(s)")
    p.add_argument(
        "--defaults",
        default="config.yaml",
        metavar="PATH",
        help="the workflow's default config the FILEs are merged over (default: config.yaml "
        "of the current directory, when it exists); 'none' validates the FILEs alone",
    )
    p.set_defaults(func=_cmd_check_config)

    p = sub.add_parser(
        "metrics",
        help="list the available metrics (or describe one: dynsim metrics NAME)",
        description="Without NAME: every metric, its one-line summary and its parameters with "
        "their defaults. With NAME: that metric's documentation (maths, invariances, "
        "parameters and their accepted values).",
    )
    p.add_argument("name", nargs="?", default=None, help="a metric to describe")
    p.set_defaults(func=_cmd_list, what="metrics")
    p = sub.add_parser("tasks", help="list the available tasks")
    p.set_defaults(func=_cmd_list, what="tasks")
    p = sub.add_parser(
        "task-plot", help="plot one example trial of a task (inputs, targets, epochs)"
    )
    p.add_argument("name", help="task name (`dynsim tasks` lists them)")
    p.add_argument("-o", "--out", required=True, type=Path, help="image file to write (.png)")
    p.add_argument("--mode", choices=["test", "train"], default="test", help="timing mode")
    p.add_argument("--trial", type=int, default=0, help="which trial of the batch")
    p.add_argument("--seed", type=int, default=0, help="seed of the trial's noise")
    p.add_argument("--dt", type=float, default=20.0, help="time step in ms")
    p.set_defaults(func=_cmd_task_plot)

    p = sub.add_parser(
        "systems-bench",
        help="ground-truth bench: which metric sees dynamics on synthetic systems",
        description="Run the synthetic-systems bench (progression, regime identification, "
        "shared motifs, geometry vs dynamics, noise robustness) and write results.csv, "
        "results.md, distances.csv and systems.png to --out.",
    )
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument("--size", choices=["small", "default"], default="default")
    p.add_argument("--seed", type=int, default=0)
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

    p = sub.add_parser(
        "battery",
        help="INSD analysis battery: one analysis over trained networks → data + figure",
        description="Run one analysis of the INSD battery (dynsim.insd) over networks "
        "given as checkpoint files, write its data (.zarr) and its figure (.png). "
        "'similarity' takes matrices written by `compare` instead; 'summary' takes the "
        "other analyses' data and writes Markdown.",
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

    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError, RuntimeError) as err:  # OSError: a file that cannot be written
        print(f"dynsim {args.command}: error: {err}", file=sys.stderr)
        return 2


def _check_output(out: Path) -> None:
    """Refuse, before any work, a matrix output that could not be written: only .zarr or .nc,
    and no ancestor of it may be a file."""
    if out.suffix not in (".zarr", ".nc"):
        raise ValueError(f"-o {out}: the matrix is written as .zarr or .nc, not {out.suffix!r}")
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            raise ValueError(f"-o {out}: {parent} is a file, not a directory")


def _version() -> str:
    import dynsim

    return f"dynsim {dynsim.__version__}"


def _cmd_train(args: argparse.Namespace) -> int:
    from dynsim.training import NetworkSpec, train_network

    spec = NetworkSpec.from_dict(json.loads(args.spec))
    if args.same_training_as:
        return _reuse_training(spec, args.same_training_as, args.out)
    result, on_ray = train_network(
        spec,
        args.out,
        threads=args.threads,
        previous=args.previous,
        ray_mode=args.ray,
        ray_address=args.ray_address,
        object_store_mb=args.object_store_mb,
    )
    print(
        f"{spec.key}: {result.status} after {result.final_step} steps "
        f"({result.seconds:.1f} s{', on Ray' if on_ray else ''}); "
        f"accuracy {result.eval_accuracy[-1:]}"
    )
    return 0


def _reuse_training(spec: NetworkSpec, sources: list[Path], out: Path) -> int:
    from dynsim.training import reuse_training

    if len(sources) != 1:
        raise SystemExit(f"error: --same-training-as takes one checkpoint, got {len(sources)}")
    try:
        source, result = reuse_training(spec, sources[0], out)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    print(f"{spec.key}: the training of {source.spec.key} ({result.status}), not retrained")
    return 0


def _cmd_train_seeds(args: argparse.Namespace) -> int:
    from dynsim.training import NetworkSpec, train_seeds

    specs = [NetworkSpec.from_dict(d) for d in json.loads(args.specs)]
    if len(specs) != len(args.out):
        raise SystemExit(f"error: {len(specs)} specs but {len(args.out)} --out files")
    for spec, result in zip(specs, train_seeds(specs, args.out, args.threads), strict=True):
        print(
            f"{spec.key}: {result.status} after {result.final_step} steps (stacked); "
            f"accuracy {result.eval_accuracy[-1:]}"
        )
    return 0


def _cmd_task_plot(args: argparse.Namespace) -> int:
    from dynsim import tasks
    from dynsim.tasks.plot import plot_trial

    fig = plot_trial(
        tasks.get(args.name, dt=args.dt), trial=args.trial, mode=args.mode, seed=args.seed
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f"{args.name}: example {args.mode} trial {args.trial} → {args.out}")
    return 0


def _cmd_record(args: argparse.Namespace) -> int:
    from dynsim.store import network_key, record_network

    dataset = record_network(args.checkpoint, args.out, n_repeats=args.n_repeats, seed=args.seed)
    print(f"{network_key(dataset)}: {dataset['hidden'].shape} → {args.out}")
    return 0


def _parse_params(pairs: list[str], as_json: str | None) -> dict[str, Any]:
    """Metric parameters from ``--params-json`` and ``--param KEY=VALUE`` (values as JSON
    when they parse). Raises ValueError naming the option."""
    params: dict[str, Any] = {}
    if as_json:
        try:
            params = json.loads(as_json)
        except json.JSONDecodeError as err:
            raise ValueError(f"--params-json is not valid JSON: {err}") from None
        if not isinstance(params, dict):
            raise ValueError(f"--params-json must be a JSON object, got {as_json!r}")
    for item in pairs:
        if "=" not in item:
            raise ValueError(f"--param expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _checkpoint_arg(text: str) -> int | float | str:
    """``--checkpoint``: "final", an integer index or a progress fraction (validated by
    :class:`~dynsim.pairwise.Selection`). Raises ValueError naming the option."""
    if text == "final":
        return text
    try:
        return (
            float(text)
            if any(c in text for c in ".eE") or text.lower() in ("nan", "inf")
            else int(text)
        )
    except ValueError:
        raise ValueError(
            f"--checkpoint {text!r}: not 'final', an integer index or a progress fraction in [0, 1]"
        ) from None


def _option_of(err: BaseException) -> str | None:
    """The ``dynsim compare`` option behind a selection error (``--checkpoint`` …), found on
    the error or its causes (the engine wraps a store's in a StoreError naming the store)."""
    from dynsim.pairwise import SelectionError

    while err is not None:
        if isinstance(err, SelectionError):
            return "--" + err.field.replace("_", "-")
        err = err.__cause__
    return None


def _tile_arg(args: argparse.Namespace) -> int | None:
    """``--tile K`` (with ``--tile-pairs``), checked; errors name the option."""
    if args.tile is None:
        if args.tile_pairs is not None:
            raise ValueError("--tile-pairs is given without --tile K")
        return None
    if args.tile < 0:
        raise ValueError(f"--tile must be a tile index from 0, got {args.tile}")
    if args.tile_pairs is None or args.tile_pairs < 1:
        raise ValueError(f"--tile needs --tile-pairs of at least 1, got {args.tile_pairs}")
    if args.over_learning:
        raise ValueError("--tile cannot be combined with --over-learning")
    if args.out is None or args.out.suffix != ".npz":
        raise ValueError(f"--tile: -o must name the tile's .npz file, got {args.out}")
    return args.tile


def _cmd_merge(args: argparse.Namespace) -> int:
    """``dynsim merge``: the tiles of ``compare --tile`` as one matrix store."""
    from dynsim.pairwise.tiles import merge_tiles

    if args.out.suffix != ".zarr":
        raise ValueError(f"-o {args.out}: the merged matrix is written as a .zarr store")
    _check_output(args.out)
    merged = merge_tiles(args.directory, args.out)
    status = merged["status"].values
    n_missing = int((status != "").sum())
    print(
        f"{args.directory} → {args.out} ({merged.sizes['model_a']}×{merged.sizes['model_b']}"
        + (f", {n_missing} entries without a value; see 'status')" if n_missing else ")")
    )
    if not n_missing:
        return EXIT_COMPLETE
    _report_missing(str(merged.attrs.get("metric", "merge")), status, status.size)
    # As an untiled compare with --allow-partial: only a matrix without any value fails.
    off_diagonal = merged["model_a"] != merged["model_b"]
    computed = bool((merged["distance"].notnull() & off_diagonal).any())
    return EXIT_COMPLETE if computed else EXIT_NOTHING


def _cmd_compare(args: argparse.Namespace) -> int:
    """``dynsim compare``; exit status as COMPARE_EPILOG documents. Every option is checked
    before any input is read; errors name the option (or the file)."""
    from dynsim.pairwise import Selection, compare_files
    from dynsim.pairwise.engine import make_metric
    from dynsim.pairwise.files import parse_dims
    from dynsim.pairwise.tiles import compare_tile, read_list

    paths = list(args.paths) + (read_list(args.inputs_from) if args.inputs_from else [])
    if not paths:
        raise ValueError("no inputs: give activity files or --inputs-from FILE")
    tile = _tile_arg(args)

    trials = {}
    for item in args.trials:
        label, eq, values = item.partition("=")
        if not eq or not label or not values:
            raise ValueError(f"--trials expects LABEL=V1,V2,..., got {item!r}")
        trials[label] = [_parse_value(v) for v in values.split(",") if v]
    phases: dict[str, int] = {}
    for item in args.time_normalize:
        phase, eq, steps = item.partition("=")
        if not eq or not phase or not steps.strip().isdigit():
            raise ValueError(f"--time-normalize expects PHASE=STEPS (STEPS ≥ 1), got {item!r}")
        phases[phase] = int(steps)
    try:
        selection = Selection.from_config(
            {
                "checkpoint": _checkpoint_arg(args.checkpoint),
                "epoch": args.epoch
                if args.epoch and len(args.epoch) > 1
                else (args.epoch or [None])[0],
                "trials": trials,
                "average_over": args.average_over,
                "time_normalize": {"phases": phases},
            }
        )
    except ValueError as err:
        option = _option_of(err) or "--checkpoint"
        message = str(err)
        raise ValueError(message if message.startswith(option) else f"{option}: {message}") from err
    over_learning = None
    if args.over_learning:
        if args.checkpoint != "final":
            # Not an error: the workflow passes compare.checkpoint to every compare job.
            print(
                f"dynsim compare: note: --checkpoint {args.checkpoint} is not used with "
                "--over-learning (each progress point selects its own checkpoint)",
                file=sys.stderr,
            )
        try:
            over_learning = [float(p) for p in args.over_learning.split(",")]
            for point in over_learning:
                Selection(checkpoint=point)  # a fraction in [0, 1]
        except ValueError as err:
            raise ValueError(f"--over-learning {args.over_learning!r}: {err}") from None
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.out is not None and tile is None:
        _check_output(args.out)
    if args.threads is not None and args.threads < 1:
        raise ValueError(f"--threads must be at least 1, got {args.threads}")
    parse_dims(args.dims)  # names --dims if it names an axis the engine does not know
    params = _parse_params(args.param, args.params_json)
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
        option = _option_of(err)
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
    _report_missing(args.metric, status, n_entries)
    # Nothing computed: no entry has a value but a network's trivial zero against itself.
    off_diagonal = result["model_a"] != result["model_b"]
    computed = bool((result["distance"].notnull() & off_diagonal).any())
    if not computed:
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


def _report_missing(metric: str, status: Any, n_entries: int) -> None:
    """On stderr: how many entries have no value and each distinct reason (a reason names
    its network or pair) with its number of entries, at most MAX_REASONS_LISTED of them."""
    from dynsim.pairwise.core import REASON_SEPARATOR

    counts: dict[str, int] = {}
    for entry in status.ravel():
        for reason in str(entry).split(REASON_SEPARATOR) if entry else ():
            counts[reason] = counts.get(reason, 0) + 1
    n_missing = int((status != "").sum())
    lines = [f"dynsim compare: {metric}: {n_missing} of {n_entries} entries have no value:"]
    for reason, count in list(counts.items())[:MAX_REASONS_LISTED]:
        lines.append(f"  {reason}  [{count} {'entry' if count == 1 else 'entries'}]")
    if len(counts) > MAX_REASONS_LISTED:
        lines.append(f"  … and {len(counts) - MAX_REASONS_LISTED} more reasons (see 'status')")
    print("\n".join(lines), file=sys.stderr)


def _cmd_figure(args: argparse.Namespace) -> int:
    import dynsim.figures as figs
    from dynsim.store import open_matrix

    single = ("auto", "heatmap", "learning", "mds")
    if args.kind in single and len(args.matrices) != 1:
        raise ValueError(f"--kind {args.kind} draws one matrix, got {len(args.matrices)}")
    if args.kind == "agreement" and len(args.matrices) < 2:
        raise ValueError("--kind agreement needs at least two matrices (metrics)")
    if args.order_from and args.kind not in ("auto", "heatmap", "panel"):
        raise ValueError(f"--order-from applies to heatmap and panel figures, not {args.kind}")
    from matplotlib.figure import Figure

    formats = Figure().canvas.get_supported_filetypes()  # png, pdf, svg, ...
    if args.out.suffix.lower().lstrip(".") not in formats:
        raise ValueError(
            f"--out {args.out}: unknown figure format {args.out.suffix!r}; use one of "
            + ", ".join(f".{f}" for f in sorted(formats))
        )
    matrices = {}
    for path in args.matrices:
        matrix = open_matrix(path)
        name = str(matrix.attrs.get("metric", path.stem))
        learning = "progress" in matrix["distance"].dims
        if learning != (args.kind == "learning") and args.kind != "auto":
            what = "a learning matrix" if learning else "not a learning matrix"
            raise ValueError(f"{path}: {what}; --kind {args.kind} needs the other kind")
        if name in matrices:
            raise ValueError(f"{path}: metric {name!r} given twice")
        matrices[name] = matrix
    order = None
    if args.order_from:
        ordering = {}
        for path in args.order_from:
            matrix = open_matrix(path)
            if "progress" in matrix["distance"].dims:
                raise ValueError(f"--order-from {path}: a learning matrix; give final matrices")
            ordering[str(matrix.attrs.get("metric", path.stem))] = matrix
        order = figs.network_order(ordering)
    first, kind = next(iter(matrices.values())), args.kind
    if kind == "auto":
        kind = "learning" if "progress" in first["distance"].dims else "heatmap"
    if kind == "heatmap":
        figs.similarity_heatmap(first, args.out, order=order)
    elif kind == "learning":
        figs.learning_curves(first, args.out)
    elif kind == "mds":
        figs.mds_map(first, args.out)
    elif kind == "panel":
        figs.heatmap_panel(matrices, args.out, order=order)
    elif kind == "agreement":
        figs.agreement_figure(matrices, args.out)
    else:
        figs.accuracy_figure(matrices, args.out)
    print(f"figure → {args.out}")
    return 0


def _listed(paths: list[Path], listing: Path | None, option: str) -> list[Path]:
    """``paths`` followed by the paths listed in the file ``listing`` (one per line; see
    :func:`dynsim.pairwise.tiles.read_list`), for an ``OPTION`` / ``OPTION-from FILE`` pair.
    Raises FileNotFoundError / ValueError naming a missing or empty list file, ValueError
    naming ``option`` when neither gives a path."""
    from dynsim.pairwise.tiles import read_list

    paths = list(paths) + (read_list(listing) if listing is not None else [])
    if not paths:
        raise ValueError(f"no inputs: give {option} PATH ... or {option}-from FILE")
    return paths


def _cmd_summary(args: argparse.Namespace) -> int:
    from dynsim.analysis import experiment_summary, summary_html

    networks = _listed(args.networks, args.networks_from, "--networks")
    text = experiment_summary(networks, args.matrices)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"summary → {args.out}")
    if args.html is not None:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(summary_html(text), encoding="utf-8")
        print(f"summary (HTML) → {args.html}")
    return 0


def _cmd_check_config(args: argparse.Namespace) -> int:
    from dynsim.config import load, network_specs, training_sources

    defaults = None if args.defaults.lower() == "none" else Path(args.defaults)
    if defaults is not None and not defaults.is_file():
        if args.defaults != "config.yaml":  # named explicitly: it must exist
            raise FileNotFoundError(f"--defaults: no config file {defaults}")
        defaults = None
    # The same merge and validation as the workflow's parse (workflow/rules/common.smk).
    config = load(args.config, defaults=defaults)
    specs = network_specs(config)
    sources = training_sources(config)
    files = ", ".join(map(str, args.config))
    over = f" (merged over {defaults})" if defaults is not None else ""
    print(
        f"{files}{over}: valid; {len(specs)} networks ({len(specs) - len(sources)} trained), "
        f"metrics: {', '.join(config['compare']['metrics'])}"
    )
    for spec in specs:
        reuse = f"   (the training of {sources[spec.key]})" if spec.key in sources else ""
        print(f"  {spec.key}{reuse}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    if args.what == "metrics":
        from dynsim import metrics

        if args.name is not None:
            if args.name not in metrics.available():
                raise ValueError(
                    f"unknown metric {args.name!r}; available: {', '.join(metrics.available())}"
                )
            cls = type(metrics.get(args.name))
            print(f"{args.name} ({cls.__name__})\n")
            print(inspect.cleandoc(cls.__doc__ or ""))
            print("\nparameters (name=default, accepted values):")
            for param in cls.parameters().values():
                print(f"  {param.describe()}")
            return 0
        for name in metrics.available():
            cls = type(metrics.get(name))
            doc = (cls.__doc__ or "").strip().splitlines()[0]
            # Sphinx roles (:class:`~.cca.CCA`) read as their last name on a terminal.
            doc = re.sub(r":\w+:`~?\.?([\w.]*?)([\w]+)`", r"\2", doc)
            print(f"{name:22s} {doc}")
            params = ", ".join(f"{k}={p.default!r}" for k, p in cls.parameters().items())
            print(f"{'':22s}   parameters: {params}")
    else:
        from dynsim import tasks

        for name in tasks.available():
            doc = tasks.TASKS[name].__doc__ or tasks.TASKS[name].__mro__[1].__doc__ or ""
            print(f"{name:22s} {doc.strip().splitlines()[0] if doc.strip() else ''}")
    return 0


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


def _cmd_battery(args: argparse.Namespace) -> int:
    from dynsim.insd.battery import run_analysis, write_summary

    if args.analysis == "summary":
        write_summary(args.data, args.out)
        print(f"battery summary → {args.out}")
        return 0
    checkpoints = list(args.checkpoints)
    if args.checkpoints_from is not None:
        checkpoints = _listed(checkpoints, args.checkpoints_from, "--checkpoints")
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


if __name__ == "__main__":
    raise SystemExit(main())
