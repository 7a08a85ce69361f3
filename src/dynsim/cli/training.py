"""``dynsim train``, ``train-seeds`` and ``record``: a network from its spec to its checkpoint
file, and from its checkpoint file to its activation store (the workflow's rules in
workflow/rules/train.smk run these)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from dynsim.cli._common import HelpFormatter, examples

if TYPE_CHECKING:
    from dynsim.training import NetworkSpec

_SPEC = '{"task": "pdm", "arch": "gru", "seed": 0}'


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``train``, ``train-seeds`` and ``record`` to the ``dynsim`` subcommands ``sub``."""
    p = sub.add_parser(
        "train",
        help="train one network and save its checkpoints (on Ray: see --ray)",
        description="Train one network, given as its spec, until its target accuracy or its "
        "last step, and save the snapshots at its checkpoint fractions of learning in one "
        "file (dynsim.training.train_network).",
        epilog=examples(
            f"dynsim train --spec '{_SPEC}' --out seed0.pt",
            f"dynsim train --spec '{_SPEC}' --out seed0.pt\n--ray never --threads 2",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("--spec", required=True, help="the network spec as JSON (see NetworkSpec)")
    p.add_argument("--out", required=True, type=Path, help="checkpoint file to write (.pt)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads for this job")
    p.add_argument("--ray-address", default=None, help="existing Ray cluster (else private)")
    p.add_argument(
        "--object-store-mb", type=int, default=256, help="Ray object store of a private session"
    )
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
        epilog=examples(
            'dynsim train-seeds --specs \'[{"task": "pdm", "arch": "gru", "seed": 0}, '
            '{"task": "pdm", "arch": "gru", "seed": 1}]\'\n--out seed0.pt seed1.pt',
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("--specs", required=True, help="the network specs as a JSON list")
    p.add_argument(
        "--out", required=True, nargs="+", type=Path, help="checkpoint files, one per spec"
    )
    p.add_argument("--threads", type=int, default=1, help="CPU threads for this job")
    p.set_defaults(func=_cmd_train_seeds)

    p = sub.add_parser(
        "record",
        help="record test-set activity at every checkpoint → Zarr",
        description="Run every snapshot of a checkpoint file written by `train` on the "
        "task's fixed test trials and store the hidden states with their trial labels, "
        "epochs and accuracy as an activation store (dynsim.store.record_network).",
        epilog=examples("dynsim record --checkpoint seed0.pt --out seed0.zarr"),
        formatter_class=HelpFormatter,
    )
    p.add_argument("--checkpoint", required=True, type=Path, help="file written by `train`")
    p.add_argument("--out", required=True, type=Path, help="activation store (.zarr)")
    p.add_argument("--n-repeats", type=int, default=4, help="repeats of each test condition")
    p.add_argument("--seed", type=int, default=0, help="seed of the test trials' noise")
    p.set_defaults(func=_cmd_record)


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
        raise ValueError(f"--same-training-as takes one checkpoint, got {len(sources)}")
    source, result = reuse_training(spec, sources[0], out)  # ValueError: printed, exit 2
    print(f"{spec.key}: the training of {source.spec.key} ({result.status}), not retrained")
    return 0


def _cmd_train_seeds(args: argparse.Namespace) -> int:
    from dynsim.training import NetworkSpec, train_seeds

    specs = [NetworkSpec.from_dict(d) for d in json.loads(args.specs)]
    if len(specs) != len(args.out):
        raise ValueError(f"{len(specs)} specs but {len(args.out)} --out files")
    for spec, result in zip(specs, train_seeds(specs, args.out, args.threads), strict=True):
        print(
            f"{spec.key}: {result.status} after {result.final_step} steps (stacked); "
            f"accuracy {result.eval_accuracy[-1:]}"
        )
    return 0


def _cmd_record(args: argparse.Namespace) -> int:
    from dynsim.store import network_key, record_network

    dataset = record_network(args.checkpoint, args.out, n_repeats=args.n_repeats, seed=args.seed)
    print(f"{network_key(dataset)}: {dataset['hidden'].shape} → {args.out}")
    return 0
