"""The ``dynsim`` command line: thin shells over the library (the workflow calls these too).

Run ``dynsim --help`` or ``dynsim COMMAND --help``. One module per family of commands, each
adding its parsers (``add_parser`` / ``add_parsers``) and holding their handlers:

=====================  ================================================
``training``           train, train-seeds, record
``compare``            compare (its options: ``compare_options``)
``merge``              merge (the tiles of ``compare --tile``)
``figures``            figure
``summary``            summary
``check_config``       check-config
``catalogue``          metrics, tasks, task-plot
``bench``              systems-bench
``insd``               battery
``_common``            exit codes, help layout, error reporting, list files
=====================  ================================================
"""

from __future__ import annotations

import argparse

from dynsim.cli import (
    bench,
    catalogue,
    check_config,
    compare,
    figures,
    insd,
    merge,
    summary,
    training,
)
from dynsim.cli._common import (
    EXIT_COMPLETE,
    EXIT_INVALID,
    EXIT_NOTHING,
    EXIT_PARTIAL,
    MAX_REASONS_LISTED,
    run_command,
)
from dynsim.cli.compare import COMPARE_EPILOG
from dynsim.cli.figures import FIGURE_KINDS

__all__ = [
    "COMPARE_EPILOG",
    "EXIT_COMPLETE",
    "EXIT_INVALID",
    "EXIT_NOTHING",
    "EXIT_PARTIAL",
    "FIGURE_KINDS",
    "MAX_REASONS_LISTED",
    "build_parser",
    "main",
]


def build_parser() -> argparse.ArgumentParser:
    """The ``dynsim`` parser with every subcommand, in the order ``dynsim --help`` lists them;
    each subcommand's parser sets ``func``, its handler (args → exit status)."""
    parser = argparse.ArgumentParser(
        prog="dynsim",
        description="Train recurrent networks on neuroscience tasks and compare their "
        "computations (Procrustes, CKA, DSA, ...). Most users run the Snakemake workflow "
        "(`snakemake --cores N`); these commands are its building blocks and work on your "
        "own recordings too.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    training.add_parsers(sub)  # train, train-seeds, record
    compare.add_parser(sub)
    merge.add_parser(sub)
    figures.add_parser(sub)
    summary.add_parser(sub)
    check_config.add_parser(sub)
    catalogue.add_parsers(sub)  # metrics, tasks, task-plot
    bench.add_parser(sub)  # systems-bench
    insd.add_parser(sub)  # battery
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``dynsim`` with the arguments ``argv`` (default: the command line) and return its
    exit status: the command's (``dynsim compare``: COMPARE_EPILOG), EXIT_INVALID (2) for an
    invalid option or input, named on stderr (argparse's own usage errors exit 2 too)."""
    return run_command(build_parser().parse_args(argv))


def _version() -> str:
    import dynsim

    return f"dynsim {dynsim.__version__}"
