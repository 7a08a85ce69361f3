"""``dynsim compare``'s options turned into the pairwise engine's arguments, each checked before
any input is read; every error names its option."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def selection_arg(args: argparse.Namespace) -> Any:
    """The :class:`~dynsim.pairwise.Selection` of ``--checkpoint``, ``--epoch``, ``--trials``,
    ``--average-over`` and ``--time-normalize``. Raises ValueError naming the option."""
    from dynsim.pairwise import Selection

    trials = {}
    for item in args.trials:
        label, eq, values = item.partition("=")
        if not eq or not label or not values:
            raise ValueError(f"--trials expects LABEL=V1,V2,..., got {item!r}")
        trials[label] = [parse_value(v) for v in values.split(",") if v]
    phases: dict[str, int] = {}
    for item in args.time_normalize:
        phase, eq, steps = item.partition("=")
        if not eq or not phase or not steps.strip().isdigit():
            raise ValueError(f"--time-normalize expects PHASE=STEPS (STEPS ≥ 1), got {item!r}")
        phases[phase] = int(steps)
    try:
        return Selection.from_config(
            {
                "checkpoint": checkpoint_arg(args.checkpoint),
                "epoch": args.epoch
                if args.epoch and len(args.epoch) > 1
                else (args.epoch or [None])[0],
                "trials": trials,
                "average_over": args.average_over,
                "time_normalize": {"phases": phases},
            }
        )
    except ValueError as err:
        option = option_of(err) or "--checkpoint"
        message = str(err)
        raise ValueError(message if message.startswith(option) else f"{option}: {message}") from err


def over_learning_arg(args: argparse.Namespace) -> list[float] | None:
    """``--over-learning P1,P2,...``: the progress fractions (each in [0, 1]), or None. A
    --checkpoint other than 'final' is noted on stderr, not refused: the workflow passes
    compare.checkpoint to every compare job. Raises ValueError naming the option."""
    from dynsim.pairwise import Selection

    if not args.over_learning:
        return None
    if args.checkpoint != "final":
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
    return over_learning


def parse_params(pairs: list[str], as_json: str | None) -> dict[str, Any]:
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


def parse_value(text: str) -> Any:
    """A label value as JSON when it parses (``1`` → 1), else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def checkpoint_arg(text: str) -> int | float | str:
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


def option_of(err: BaseException) -> str | None:
    """The ``dynsim compare`` option behind a selection error (``--checkpoint`` …), found on
    the error or its causes (the engine wraps a store's in a StoreError naming the store)."""
    from dynsim.pairwise import SelectionError

    while err is not None:
        if isinstance(err, SelectionError):
            return "--" + err.field.replace("_", "-")
        err = err.__cause__
    return None


def tile_arg(args: argparse.Namespace) -> int | None:
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
