"""The experiment config: defaults, validation against the JSON schema, and the fan-out.

The schema (``workflow/schemas/config.schema.yaml``, shipped inside the package too) is the
one definition of what a config may say. Unknown keys, unknown task/architecture/metric names
and out-of-range values fail before any job starts, with the offending key in the message.

Modules: :mod:`~dynsim.config.files` (read, merge, load), :mod:`~dynsim.config.checks` (the
schema and every nested check), :mod:`~dynsim.config.fanout` (the networks a config trains).
"""

from dynsim.config.checks import (
    DEFAULT_CONFIG,
    MAX_SEED,
    ConfigError,
    architecture_parameters,
    schema,
    validate,
)
from dynsim.config.fanout import (
    has_grid,
    insd_enabled,
    network_path,
    network_specs,
    previous_links,
    regimes,
    stacked_groups,
    training_sources,
)
from dynsim.config.files import check_overlays, load, merge, read

__all__ = [
    "DEFAULT_CONFIG",
    "MAX_SEED",
    "ConfigError",
    "architecture_parameters",
    "check_overlays",
    "has_grid",
    "insd_enabled",
    "load",
    "merge",
    "network_path",
    "network_specs",
    "previous_links",
    "read",
    "regimes",
    "schema",
    "stacked_groups",
    "training_sources",
    "validate",
]
