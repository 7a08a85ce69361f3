"""No job's command line grows with the number of networks (issue 14, acceptance 2).

A rule that reads every network (compare, summary, the INSD battery, the Guilhot groups)
gets the list in a file (`--inputs-from`, `--networks-from`, `--checkpoints-from`) instead
of one argument per network. Checked on real Snakemake dry runs (`snakemake -n -p` prints
every job's shell command): the same configs at two sizes, the larger ~2,000 networks, must
give every rule the same longest command, to the character. Seeds are numbered from 1000
in both so that a network's own key has the same length at both sizes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, snakemake

pytestmark = pytest.mark.slow


def longest_commands(out: str) -> dict[str, int]:
    """Per rule, the length (characters) of the longest shell command in the output of
    ``snakemake -n -p``: a job's block starts with ``rule NAME:`` (``localrule NAME:``) and
    its command runs from ``Shell command:`` to the next blank line (or the closing job
    statistics); ``Shell command: None`` (a ``run:`` rule) is no command."""
    longest: dict[str, int] = {}
    rule = None
    command: list[str] | None = None
    for line in out.splitlines():
        if command is not None:
            if line.strip() and not line.startswith("Job stats:"):
                command.append(line)
                continue
            longest[rule] = max(longest.get(rule, 0), len("\n".join(command)))
            command = None
        match = re.match(r"(?:local)?rule (\w+):$", line)
        if match:
            rule = match.group(1)
        elif line.startswith("Shell command: ") and line != "Shell command: None":
            assert rule is not None, line
            command = [line.removeprefix("Shell command: ")]
    if command is not None:
        longest[rule] = max(longest.get(rule, 0), len("\n".join(command)))
    return longest


def dry_run(tmp_path: Path, name: str, base: list[Path], over: dict) -> dict[str, int]:
    """The longest command per rule of a dry run of ``base`` config files + ``over``."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(over))
    run = tmp_path / name
    run.mkdir()
    out = snakemake(
        "-n", "-p", "--cores", "2", "--configfile", *map(str, base), str(path), cwd=run
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return longest_commands(out.stdout)


def test_longest_command_parser():
    out = (
        "rule a:\n    output: x\nShell command: echo 1234\n\n"
        "localrule b:\n    output: y\nShell command: echo 1\n  more\n\n"
        "rule a:\nShell command: echo 12\n\n"
        "localrule all:\n    input: x, y\nShell command: None\nJob stats:\njob  count\n"
    )
    assert longest_commands(out) == {"a": len("echo 1234"), "b": len("echo 1\n  more")}


# (name, config files the override is merged over, networks per seed, seeds small / large)
STUDIES = [
    # 2 tasks x 2 architectures; tiled compare, so compare_tile and merge_tiles are checked.
    ("default", [], 4, 10, 500),
    # one flip-flop INSD chain of 3 links + 2 controls per seed, and the analysis battery.
    ("insd", [ROOT / "config" / "insd.yaml"], 5, 2, 80),
    # 7 regimes x 2 activations per seed, and the Guilhot groups table.
    ("guilhot", [ROOT / "config" / "guilhot2024_laptop.yaml"], 14, 2, 20),
]


@pytest.mark.parametrize("name, base, per_seed, small, large", STUDIES, ids=[s[0] for s in STUDIES])
def test_no_command_line_grows_with_the_networks(tmp_path, name, base, per_seed, small, large):
    sizes = {}
    for n_seeds in (small, large):
        # One experiment name at both sizes (each run has its own directory), seeds of four
        # digits: a network's paths are as long at both sizes, so lengths must be equal.
        over = {"experiment": f"scale_{name}", "seeds": list(range(1000, 1000 + n_seeds))}
        if name == "default":
            # ~2M pairs at the large size: 8 tiles (one digit in a tile's name, as at 1 tile).
            over["compare"] = {"tile_pairs": 250_000}
        sizes[n_seeds * per_seed] = dry_run(tmp_path, f"{name}{n_seeds}", base, over)
    (n_small, few), (n_large, many) = sizes.items()
    assert n_large >= 40 * n_small or n_large >= 280
    # Every rule that reads all networks is there (and so checked) at both sizes.
    readers = {
        "default": {"compare_tile", "merge_tiles", "compare_learning", "summary"},
        "insd": {"insd_analysis", "summary"},
        "guilhot": {"guilhot_groups", "summary"},
    }[name]
    assert readers <= set(few) & set(many), sorted(set(few) & set(many))
    assert set(few) == set(many)
    assert many == few, {rule: (few[rule], many[rule]) for rule in few if few[rule] != many[rule]}
    assert max(many.values()) < 4096, many


# -- the list-file options themselves ------------------------------------------------------------
def test_list_file_options_fail_naming_the_file_or_option(tmp_path, capsys):
    from dynsim import cli

    missing, empty = tmp_path / "missing.txt", tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    out = str(tmp_path / "x")
    cases = [
        (["summary", "--networks-from", str(missing), "--matrices", "m.zarr", "-o", out], missing),
        (["summary", "--networks-from", str(empty), "--matrices", "m.zarr", "-o", out], empty),
        (["summary", "--matrices", "m.zarr", "-o", out], "--networks-from"),
        (["battery", "ood", "--checkpoints-from", str(missing), "--out", out], missing),
        (["battery", "ood", "--checkpoints-from", str(empty), "--out", out], empty),
    ]
    for argv, named in cases:
        assert cli.main(argv) == 2, argv
        assert str(named) in capsys.readouterr().err, argv
    assert not (tmp_path / "x").exists()


def test_guilhot_groups_list_file_errors_name_the_file(tmp_path, capsys):
    from dynsim.reproductions import guilhot_run

    missing = tmp_path / "missing.txt"
    rest = ["--metrics-json", "{}", "-o", str(tmp_path / "g.csv"), "--figure", "g.png"]
    for argv, named in (
        (["groups", "--inputs-from", str(missing), *rest], str(missing)),
        (["groups", *rest], "--inputs-from"),
    ):
        with pytest.raises(SystemExit) as exit_:
            guilhot_run.main(argv)
        assert exit_.value.code == 2 and named in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


def test_checkpoints_from_a_list_equal_checkpoints_as_arguments(tmp_path):
    """`battery ood --checkpoints-from FILE` = `--checkpoints A B` on two tiny trained
    flip-flop networks (data identical, value by value)."""
    import torch
    import xarray as xr

    from dynsim import cli
    from dynsim.training import NetworkSpec, TrainingConfig, train

    torch.set_num_threads(1)
    paths = []
    for seed in (0, 1):
        spec = NetworkSpec(
            task="flipflop", arch="leaky_rnn", seed=seed, regime="master", hidden_size=8,
            task_params={"sigma": 0.0}, model_params={"activation": "tanh"},
            training=TrainingConfig(max_steps=5, eval_every=5, snapshot_every=5),
        )
        paths.append(tmp_path / f"net{seed}.pt")
        torch.save(train(spec).to_dict(), paths[-1])
    listing = tmp_path / "checkpoints.txt"
    listing.write_text(f"{paths[0]}\n\n# a comment\n{paths[1]}\n")
    common = ["--n-repeats", "1", "--seed", "3"]
    by_args, by_list = tmp_path / "args.zarr", tmp_path / "list.zarr"
    argv = ["battery", "ood", "--checkpoints", *map(str, paths), *common, "--out", str(by_args)]
    assert cli.main(argv) == 0
    argv = ["battery", "ood", "--checkpoints-from", str(listing), *common, "--out", str(by_list)]
    assert cli.main(argv) == 0
    a, b = xr.open_zarr(by_args).load(), xr.open_zarr(by_list).load()
    xr.testing.assert_identical(a, b)
    # In the listed order, blank line and comment skipped.
    assert list(a["seed"].values) == [0, 1] and a.sizes == {"network": 2, "condition": 4}
