"""``dynsim check-config``: an experiment config validated as the workflow validates it, before
any job (dynsim.config; workflow/rules/common.smk)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dynsim.cli._common import HelpFormatter, examples


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``check-config`` to the ``dynsim`` subcommands ``sub``."""
    p = sub.add_parser(
        "check-config",
        help="validate an experiment config (merged as the workflow merges it) and list its "
        "networks",
        description="Validate what `snakemake --configfile FILE ...` would run: the FILEs "
        "merged together and over the workflow's default config (nested keys merged key by "
        "key, as Snakemake does), every key and value checked as the workflow checks it "
        "before any job.",
        epilog=examples(
            "dynsim check-config my.yaml",
            "dynsim check-config config/insd.yaml --defaults none",
        ),
        formatter_class=HelpFormatter,
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
