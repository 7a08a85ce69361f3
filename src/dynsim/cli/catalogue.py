"""``dynsim metrics``, ``tasks`` and ``task-plot``: what the library offers — its metrics with
their parameters, its tasks, and an example trial of a task."""

from __future__ import annotations

import argparse
import inspect
import re
from pathlib import Path

from dynsim.cli._common import HelpFormatter, examples


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``metrics``, ``tasks`` and ``task-plot`` to the ``dynsim`` subcommands ``sub``."""
    p = sub.add_parser(
        "metrics",
        help="list the available metrics (or describe one: dynsim metrics NAME)",
        description="Without NAME: every metric, its one-line summary and its parameters with "
        "their defaults. With NAME: that metric's documentation (maths, invariances, "
        "parameters and their accepted values).",
        epilog=examples("dynsim metrics", "dynsim metrics dsa"),
        formatter_class=HelpFormatter,
    )
    p.add_argument("name", nargs="?", default=None, help="a metric to describe")
    p.set_defaults(func=_cmd_list, what="metrics")
    p = sub.add_parser(
        "tasks",
        help="list the available tasks",
        description="List every task by the name a spec or config uses, with its one-line summary.",
        epilog=examples("dynsim tasks"),
        formatter_class=HelpFormatter,
    )
    p.set_defaults(func=_cmd_list, what="tasks")
    p = sub.add_parser(
        "task-plot",
        help="plot one example trial of a task (inputs, targets, epochs)",
        description="Plot one trial of a task: its input channels and its target over time, "
        "its epochs shaded and named (dynsim.tasks.plot.plot_trial).",
        epilog=examples(
            "dynsim task-plot pdm -o pdm.png",
            "dynsim task-plot memory_pro --mode train --trial 3 -o memory_pro.png",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("name", help="task name (`dynsim tasks` lists them)")
    p.add_argument("-o", "--out", required=True, type=Path, help="image file to write (.png)")
    p.add_argument("--mode", choices=["test", "train"], default="test", help="timing mode")
    p.add_argument("--trial", type=int, default=0, help="which trial of the batch")
    p.add_argument("--seed", type=int, default=0, help="seed of the trial's noise")
    p.add_argument("--dt", type=float, default=20.0, help="time step in ms")
    p.set_defaults(func=_cmd_task_plot)


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
