"""The experiment config: defaults, validation against the JSON schema, and the fan-out.

The schema (``workflow/schemas/config.schema.yaml``, shipped inside the package too) is the
one definition of what a config may say. Unknown keys, unknown task/architecture/metric names
and out-of-range values fail before any job starts, with the offending key in the message.
"""

from __future__ import annotations

import copy
import itertools
from importlib import resources
from typing import Any

import jsonschema
import yaml

from dynsim import metrics, models, tasks
from dynsim.training import NetworkSpec, TrainingConfig, parse_regime


class ConfigError(ValueError):
    """The config does not match the schema; the message names the key."""


def schema() -> dict[str, Any]:
    text = resources.files("dynsim").joinpath("schemas/config.schema.yaml").read_text()
    return yaml.safe_load(text)


def validate(config: dict[str, Any]) -> dict[str, Any]:
    """Validate ``config`` against the schema, fill defaults and check registry names."""
    errors = sorted(
        _DefaultFillingValidator(schema()).iter_errors(config), key=lambda e: list(e.path)
    )
    if errors:
        lines = [f"config key '{_path(e)}': {e.message}" for e in errors]
        raise ConfigError("invalid config:\n  " + "\n  ".join(lines))
    checks = [
        ("tasks", config.get("tasks", []), tasks.available()),
        ("architectures", config.get("architectures", []), models.available()),
        (
            "compare.metrics",
            list(config.get("compare", {}).get("metrics", {})),
            metrics.available(),
        ),
    ]
    for key, names, known in checks:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(
                f"config key '{key}': unknown name(s) {unknown}; available: {', '.join(known)}"
            )
    _check_regimes(config)
    return config


def _check_regimes(config: dict[str, Any]) -> None:
    """Regime names parse, and curricula that need a task family get tasks that have one."""
    for index, regime in enumerate(config.get("regimes", [])):
        try:
            parse_regime(regime)
        except ValueError as err:
            raise ConfigError(f"config key 'regimes.{index}': {err}") from None
        if regime.startswith("pretrain") or regime == "multitask":
            orphans = [t for t in config.get("tasks", []) if tasks.family(t) is None]
            if orphans:
                raise ConfigError(
                    f"config key 'regimes.{index}': regime {regime!r} needs tasks of a "
                    f"compositional family ({', '.join(sorted(tasks.FAMILIES))}); "
                    f"{orphans} belong to none"
                )


def _fill_defaults(validator_class: type) -> type:
    """A validator that sets each missing property's ``default`` before validating it."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):  # noqa: ANN001
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


_DefaultFillingValidator = _fill_defaults(jsonschema.Draft202012Validator)


def _path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "additionalProperties":
        # The offending key is in the message; name it in the path as well.
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        parts += extra[:1]
    return ".".join(parts) or "<root>"


def network_specs(config: dict[str, Any]) -> list[NetworkSpec]:
    """Every network of the fan-out: task × architecture × seed × regime."""
    training = TrainingConfig(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in config["training"].items()}
    )
    specs = []
    for task, arch, seed, regime in itertools.product(
        config["tasks"], config["architectures"], config["seeds"], config["regimes"]
    ):
        model_params = dict(config["model"].get("params", {}).get(arch, {}))
        model_params.setdefault("tau", config["model"]["tau_ms"])
        specs.append(
            NetworkSpec(
                task=task,
                arch=arch,
                seed=int(seed),
                regime=regime,
                hidden_size=int(config["model"]["hidden_size"]),
                task_params=dict(config["task"]),
                model_params=model_params,
                training=training,
            )
        )
    return specs
