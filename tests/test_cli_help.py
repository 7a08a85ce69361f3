"""`dynsim --help` and `dynsim COMMAND --help`: every command says what it does and shows how it
is run; sections and examples print as written, prose wraps to the terminal; both module entry
points run the same command line."""

import subprocess
import sys

import pytest

from dynsim.cli import COMPARE_EPILOG, main

COMMANDS = [
    "train",
    "train-seeds",
    "record",
    "compare",
    "merge",
    "figure",
    "summary",
    "check-config",
    "metrics",
    "tasks",
    "task-plot",
    "systems-bench",
    "battery",
]


def _help(argv, capsys, monkeypatch, columns=100):
    monkeypatch.setenv("COLUMNS", str(columns))
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_lists_every_command_in_order(capsys, monkeypatch):
    text = _help([], capsys, monkeypatch)
    positions = [text.index(f"\n    {command}") for command in COMMANDS]
    assert positions == sorted(positions)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_description_and_examples(command, capsys, monkeypatch):
    text = _help([command], capsys, monkeypatch)
    usage, description = text.split("\n\n")[:2]
    assert usage.startswith(f"usage: dynsim {command} ")
    # A sentence of prose between the usage and the argument lists.
    assert not description.startswith(("positional arguments:", "options:"))
    assert description.rstrip().endswith(".")
    examples = text.split("\nexamples:\n")[1].split("\n\n")[0].splitlines()
    commands = [line for line in examples if not line.startswith("      ")]
    assert all(line.startswith("  dynsim ") for line in commands)  # merge's start at compare
    assert any(f"{line} ".startswith(f"  dynsim {command} ") for line in commands)
    # A continued example ends its line with a shell continuation, the next is indented.
    for line, following in zip(examples, examples[1:], strict=False):
        assert line.endswith(" \\") == following.startswith("      ")


@pytest.mark.parametrize("columns", [60, 100])
def test_prose_wraps_and_sections_print_as_written(columns, capsys, monkeypatch):
    text = _help(["compare"], capsys, monkeypatch, columns=columns)
    assert COMPARE_EPILOG in text  # sections and examples, byte for byte
    prose = text[: text.index("positional arguments:")].split("\n\n")[1]
    assert prose.replace("\n", " ") == (
        "Compare every pair of networks with one metric and write a labelled distance matrix "
        "(0 = identical) with a per-pair status."
    )
    assert max(map(len, prose.splitlines())) <= columns - 2


@pytest.mark.parametrize("module", ["dynsim", "dynsim.cli"])
def test_module_entry_points(module):
    run = subprocess.run(
        [sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("dynsim ")
    run = subprocess.run(
        [sys.executable, "-m", module, "no-such-command"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "invalid choice: 'no-such-command'" in run.stderr
