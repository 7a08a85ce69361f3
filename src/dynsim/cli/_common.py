"""What every ``dynsim`` command shares: exit codes, the help layout, error reporting on stderr,
list files and the matrix-output check."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

#: ``dynsim compare`` exit status (see dynsim.cli.compare.COMPARE_EPILOG); every command exits
#: EXIT_INVALID on a ValueError / OSError / RuntimeError (dynsim.cli.main).
EXIT_COMPLETE, EXIT_PARTIAL, EXIT_INVALID, EXIT_NOTHING = 0, 1, 2, 3
#: At most this many distinct reasons are listed on stderr (the matrix's 'status' has all).
MAX_REASONS_LISTED = 20


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, except that a description or epilog written on several lines
    (sections, examples) is printed as written; a one-line text is wrapped to the terminal."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text.strip():
            # As argparse.RawDescriptionHelpFormatter does.
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command (``args.func``) and return its exit status; a ValueError,
    OSError (e.g. a file that cannot be written) or RuntimeError is printed on stderr as
    ``dynsim COMMAND: error: ...`` and exits EXIT_INVALID."""
    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError, RuntimeError) as err:
        print(f"dynsim {args.command}: error: {err}", file=sys.stderr)
        return EXIT_INVALID


def examples(*commands: str) -> str:
    """An ``examples:`` epilog, printed as written (HelpFormatter): one command per argument; a
    command's own line breaks are shown as shell continuations (`` \\``, indented)."""
    return "examples:\n" + "".join(
        "  " + " \\\n      ".join(command.split("\n")) + "\n" for command in commands
    )


def check_output(out: Path) -> None:
    """Refuse, before any work, a matrix output that could not be written: only .zarr or .nc,
    and no ancestor of it may be a file. Raises ValueError naming ``-o``."""
    if out.suffix not in (".zarr", ".nc"):
        raise ValueError(f"-o {out}: the matrix is written as .zarr or .nc, not {out.suffix!r}")
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            raise ValueError(f"-o {out}: {parent} is a file, not a directory")


def listed(paths: list[Path], listing: Path | None, option: str) -> list[Path]:
    """``paths`` followed by the paths listed in the file ``listing`` (one per line; see
    :func:`dynsim.pairwise.tiles.read_list`), for an ``OPTION`` / ``OPTION-from FILE`` pair.
    Raises FileNotFoundError / ValueError naming a missing or empty list file, ValueError
    naming ``option`` when neither gives a path."""
    from dynsim.pairwise.tiles import read_list

    paths = list(paths) + (read_list(listing) if listing is not None else [])
    if not paths:
        raise ValueError(f"no inputs: give {option} PATH ... or {option}-from FILE")
    return paths


def report_missing(metric: str, status: Any, n_entries: int, command: str = "compare") -> None:
    """On stderr: how many entries of a matrix have no value and each distinct reason (a
    reason names its network or pair) with its number of entries, at most MAX_REASONS_LISTED
    of them. ``status``: the matrix's 'status' values (str array, "" where computed)."""
    from dynsim.pairwise.core import REASON_SEPARATOR

    counts: dict[str, int] = {}
    for entry in status.ravel():
        for reason in str(entry).split(REASON_SEPARATOR) if entry else ():
            counts[reason] = counts.get(reason, 0) + 1
    n_missing = int((status != "").sum())
    lines = [f"dynsim {command}: {metric}: {n_missing} of {n_entries} entries have no value:"]
    for reason, count in list(counts.items())[:MAX_REASONS_LISTED]:
        lines.append(f"  {reason}  [{count} {'entry' if count == 1 else 'entries'}]")
    if len(counts) > MAX_REASONS_LISTED:
        lines.append(f"  … and {len(counts) - MAX_REASONS_LISTED} more reasons (see 'status')")
    print("\n".join(lines), file=sys.stderr)


def any_value(matrix: Any) -> bool:
    """Whether a matrix has a value anywhere but a network's trivial zero against itself."""
    off_diagonal = matrix["model_a"] != matrix["model_b"]
    return bool((matrix["distance"].notnull() & off_diagonal).any())
