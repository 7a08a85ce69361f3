"""The config schema: defaults, errors that name the key, registries in sync with the schema."""

import copy
from pathlib import Path

import pytest
import yaml

from dynsim import metrics, models, tasks
from dynsim.config import ConfigError, network_specs, schema, validate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_default_config_is_valid_and_fans_out(config):
    validate(config)
    specs = network_specs(config)
    assert len(specs) == len(config["tasks"]) * len(config["architectures"]) * len(config["seeds"])
    assert {s.key for s in specs} == {
        f"{t}/{a}/master/seed{s}"
        for t in config["tasks"]
        for a in config["architectures"]
        for s in config["seeds"]
    }


def test_defaults_are_filled():
    config = validate({"experiment": "x", "tasks": ["pdm"], "architectures": ["gru"], "seeds": [0]})
    assert config["training"]["max_steps"] == 2000
    assert config["compare"]["metrics"] == {"procrustes": {}, "cka": {}}
    assert config["regimes"] == ["master"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda c: c["tasks"].append("pdm_typo"), "tasks.2"),
        (lambda c: c["architectures"].append("transformer"), "architectures.2"),
        (lambda c: c.__setitem__("trainig", {}), "trainig"),
        (lambda c: c["model"].__setitem__("hidden_size", -4), "model.hidden_size"),
        (lambda c: c["training"].__setitem__("learning_rate", 0), "training.learning_rate"),
        (lambda c: c["compare"]["metrics"].__setitem__("nope", {}), "compare.metrics"),
        (lambda c: c["training"].__setitem__("checkpoints", [0.5, 1.5]), "training.checkpoints.1"),
    ],
)
def test_invalid_config_names_the_key(config, change, named):
    bad = copy.deepcopy(config)
    change(bad)
    with pytest.raises(ConfigError, match=f"'{named}'"):
        validate(bad)


def test_schema_enums_match_registries():
    props = schema()["properties"]
    assert sorted(props["tasks"]["items"]["enum"]) == tasks.available()
    assert sorted(props["architectures"]["items"]["enum"]) == models.available()
    assert metrics.available()  # metrics are checked against the registry at validation


def test_workflow_schema_is_the_package_schema():
    workflow_schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert workflow_schema == schema()
