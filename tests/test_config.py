"""The config schema: defaults, errors that name the key, registries in sync with the schema."""

import copy
import re
import warnings
from pathlib import Path

import pytest
import yaml

from dynsim import grid, metrics, models, tasks
from dynsim.config import ConfigError, network_path, network_specs, schema, validate

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
        (lambda c: c.__setitem__("grid", {"hidden_sise": [8]}), "grid.hidden_sise"),
        (lambda c: c.__setitem__("grid", {"hidden_size": []}), "grid.hidden_size"),
        (lambda c: c.__setitem__("grid", {"hidden_size": 64}), "grid.hidden_size"),
        (lambda c: c.__setitem__("grid", {"hidden_size": [8, 8]}), "grid.hidden_size"),
        (lambda c: c.__setitem__("grid", {"learning_rate": ["fast"]}), "grid.learning_rate.0"),
        (lambda c: c.__setitem__("grid", {"batch_size": [0]}), "grid.batch_size.0"),
        (lambda c: c.__setitem__("grid", {"activation": ["sigmoid"]}), "grid.activation.0"),
        (lambda c: c.__setitem__("grid", [8, 16]), "grid"),
        # config.yaml has a GRU, which has no activation / initial gain to vary.
        (lambda c: c.__setitem__("grid", {"activation": ["relu", "tanh"]}), "grid.activation"),
        (lambda c: c.__setitem__("grid", {"init_gain": [0.5, 1.5]}), "grid.init_gain"),
        # Metric parameters are checked by building the metric, before any job.
        (lambda c: c["compare"]["metrics"].__setitem__("dsa", {"rank": -3}), "compare.metrics.dsa"),
        (lambda c: c["compare"]["metrics"].__setitem__("cka", {"bogus": 1}), "compare.metrics.cka"),
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


# -- hyperparameter grids -------------------------------------------------------------------------
def test_grid_multiplies_the_fan_out_and_wins_over_other_settings(config):
    config["grid"] = {"learning_rate": [0.01, 1e-5], "hidden_size": [8, 12]}
    validate(config)
    specs = network_specs(config)
    base = len(config["tasks"]) * len(config["architectures"]) * len(config["seeds"])
    assert len(specs) == 4 * base
    assert network_path(config) == "{task}/{arch}/{regime}/{variant}/seed{seed}"
    names = {s.variant_name for s in specs}
    assert names == {
        "hidden_size8-learning_rate0.01",
        "hidden_size8-learning_rate0.00001",
        "hidden_size12-learning_rate0.01",
        "hidden_size12-learning_rate0.00001",
    }
    for s in specs:
        assert s.key == f"{s.task}/{s.arch}/master/{s.variant_name}/seed{s.seed}"
        # The grid's values are in the spec (and win over model.hidden_size = 32 and
        # training.learning_rate of config.yaml), so training uses them.
        assert s.hidden_size == s.variant["hidden_size"] != config["model"]["hidden_size"]
        assert s.training.learning_rate == s.variant["learning_rate"]
        assert s.build_model().n_hidden == s.hidden_size
    assert len({s.key for s in specs}) == len({s.config_hash() for s in specs}) == len(specs)
    # Deterministic: the same config gives the same specs in the same order.
    assert [s.to_dict() for s in network_specs(config)] == [s.to_dict() for s in specs]


def test_model_grid_hyperparameters_reach_the_model(config):
    config.update(architectures=["leaky_rnn"], seeds=[0])
    config["grid"] = {"activation": ["tanh", "softplus"], "init_gain": [0.5]}
    validate(config)
    specs = network_specs(config)
    assert [s.variant_name for s in specs if s.task == "pdm"] == [
        "activationtanh-init_gain0.5",
        "activationsoftplus-init_gain0.5",
    ]
    for s in specs:
        assert s.model_params["activation"] == s.variant["activation"]  # over relu of config
        assert s.build_model().activation_name == s.variant["activation"]
        assert s.model_params["init_gain"] == 0.5


def test_without_grid_specs_are_unchanged(config):
    validate(config)
    before = [s.to_dict() for s in network_specs(config)]
    assert all("variant" not in d for d in before)
    assert network_path(config) == "{task}/{arch}/{regime}/seed{seed}"
    config["grid"] = {}
    assert [s.to_dict() for s in network_specs(validate(config))] == before


def test_variant_names_are_readable_safe_and_canonical():
    a = grid.variant_name({"learning_rate": 1e-4, "hidden_size": 64, "activation": "tanh"})
    b = grid.variant_name({"hidden_size": 64, "activation": "tanh", "learning_rate": 0.0001})
    assert a == b == "hidden_size64-activationtanh-learning_rate0.0001"
    assert grid.variant_name({"weight_decay": 1e-7}) == "weight_decay0.0000001"
    assert grid.variant_name({}) == ""
    values = {"hidden_size": [1, 256], "init_gain": [0.0, 1.5, 2], "learning_rate": [3e-10, 1.0]}
    for variant in grid.variants(values):
        assert re.fullmatch(grid.VARIANT_PATTERN, grid.variant_name(variant))
    assert len(grid.variants(values)) == 12 and grid.variants(None) == [{}]


def test_schema_grid_matches_the_code():
    props = schema()["properties"]["grid"]["properties"]
    assert list(props) == list(grid.GRID_PARAMETERS)
    assert sorted(props["activation"]["items"]["enum"]) == sorted(models.ACTIVATIONS)


def test_stack_seeds_schedules_training_without_changing_any_network(config):
    from dynsim.config import stacked_groups

    config["architectures"] = ["leaky_rnn", "gru", "lstm"]
    config["regimes"] = ["master", "untrained"]
    plain = network_specs(validate(copy.deepcopy(config)))
    assert stacked_groups(validate(copy.deepcopy(config))) == {}
    config["training"]["stack_seeds"] = True
    config = validate(config)
    assert [s.config_hash() for s in network_specs(config)] == [s.config_hash() for s in plain]
    groups = stacked_groups(config)
    expected = {f"{t}/{a}/master" for t in config["tasks"] for a in ("leaky_rnn", "gru")}
    assert set(groups) == expected
    for specs in groups.values():
        assert [s.seed for s in specs] == sorted(config["seeds"])
    config["seeds"] = [0]
    assert stacked_groups(validate(config)) == {}  # one seed: nothing to stack


# -- metric parameters ----------------------------------------------------------------------------
SHIPPED = ["config.yaml", *sorted(p.name for p in (ROOT / "config").glob("*.yaml"))]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_configs_use_the_current_metric_parameter_names(name):
    path = ROOT / name if (ROOT / name).exists() else ROOT / "config" / name
    compare = (yaml.safe_load(path.read_text()) or {}).get("compare") or {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # a deprecated key would raise here
        for metric, params in (compare.get("metrics") or {}).items():
            metrics.get(metric, **(params or {}))


def test_old_metric_key_in_a_config_is_accepted_with_a_warning_naming_the_new_key(config):
    config["compare"]["metrics"] = {
        "procrustes": {"score": "euclidean"},
        "rsa": {"compare": "tau_a"},
    }
    validate(config)  # the schema accepts the old keys
    with pytest.warns(FutureWarning, match="compare.metrics.procrustes.score_method"):
        procrustes = metrics.get("procrustes", **config["compare"]["metrics"]["procrustes"])
    with pytest.warns(FutureWarning, match="compare.metrics.rsa.compare_method"):
        rsa = metrics.get("rsa", **config["compare"]["metrics"]["rsa"])
    assert procrustes.score_method == "euclidean" and rsa.compare_method == "tau_a"


@pytest.mark.parametrize(
    ("task", "message"),
    [
        # one task of each family: decision, go/no-go, Yang/Driscoll, INSD (epochs, flip-flop)
        ("pdm", "epoch 'fixation' (test_timing) lasts 200 ms"),
        ("gonogo", "epoch 'fixation' (test_timing) lasts 200 ms"),
        ("delay_pro", "epoch 'fixation' (test_timing) lasts 500 ms"),
        ("react_pro", "epoch 'decision' (test_timing) lasts 500 ms"),
        ("cdi", "epoch 'fixation' (test_timing) lasts 200 ms"),
        ("flipflop", "flipflop's pulse_ms lasts 40 ms"),
    ],
)
def test_dt_longer_than_an_epoch_is_an_error_naming_it(task, message):
    """Issue 13, item 7: dt = 1000 used to make every epoch one 1000 ms step."""
    with pytest.raises(ValueError, match=re.escape(message) + r".*dt = 1000 ms"):
        tasks.get(task, dt=1000)
    # A train range entirely below one step is refused too; one starting below it is not
    # (cdi's delay is drawn from [0, 300] ms at dt = 20).
    if task == "pdm":
        with pytest.raises(
            ValueError, match=r"epoch 'stimulus' \(train_timing, at most\) lasts 15"
        ):
            tasks.get(task, train_timing={"stimulus": [5, 15]})
    tasks.get(task, dt=10).test_batch()  # shorter steps than the default stay valid


def test_every_task_keeps_its_default_timing():
    """The dt check leaves the defaults (dt = 20 ms) of every task valid."""
    for name in tasks.available():
        tasks.get(name)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("learning_rate", float("nan")),
        ("learning_rate", float("inf")),
        ("grad_clip", float("nan")),
        ("weight_decay", float("inf")),
        ("target_accuracy", float("nan")),
        ("checkpoints", (1.0, 0.5, 0.0)),
        ("checkpoints", (0.0, 0.5, 0.5)),
    ],
)
def test_training_config_refuses_nan_inf_and_unsorted_checkpoints(field, value):
    """The spec refuses them too (a spec JSON written by hand, not only through a config)."""
    from dynsim.spec import TrainingConfig

    with pytest.raises(ValueError, match=field if field != "checkpoints" else "increasing"):
        TrainingConfig(**{field: value})


@pytest.mark.parametrize(("field", "value"), [("lam", float("nan")), ("ridge", float("inf"))])
def test_insd_config_refuses_nan_and_inf(field, value):
    from dynsim.spec import InsdConfig

    with pytest.raises(ValueError, match=field):
        InsdConfig(**{field: value})


def test_yaml_syntax_error_names_file_and_line(tmp_path, capsys):
    from dynsim.cli import main

    path = tmp_path / "broken.yaml"
    path.write_text("experiment: x\ntasks: [pdm\nseeds: [0]\n")
    assert main(["check-config", str(path), "--defaults", "none"]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml, line 3, column 6: YAML syntax error" in err and "Traceback" not in err


def test_schema_model_params_match_the_classes():
    """model.params.<arch> lists exactly each class's keywords (less the layer sizes and dt,
    which is the task's), and its enums the classes' choices: the schema cannot drift."""
    import inspect

    from dynsim.models.mamba import HIDDEN_CHOICES
    from dynsim.models.recurrent import ACTIVATIONS

    per_arch = schema()["properties"]["model"]["properties"]["params"]["properties"]
    assert sorted(per_arch) == models.available()
    for arch, cls in models.ARCHITECTURES.items():
        keywords = set(inspect.signature(cls).parameters) - {"n_input", "n_hidden", "n_output"}
        assert set(per_arch[arch]["properties"]) == keywords - {"dt"}, arch
    assert sorted(per_arch["leaky_rnn"]["properties"]["activation"]["enum"]) == sorted(ACTIVATIONS)
    assert sorted(schema()["properties"]["grid"]["properties"]["activation"]["items"]["enum"]) == (
        sorted(ACTIVATIONS)
    )
    assert tuple(per_arch["mamba"]["properties"]["hidden"]["enum"]) == HIDDEN_CHOICES


def test_epoch_names_are_the_recorded_test_epochs():
    """The config check answers compare.epoch from a task's epoch_names without generating
    trials (no torch); that holds only if every test trial runs through all of them."""
    from dynsim import tasks

    for name in tasks.available():
        task = tasks.get(name)
        if getattr(task, "epoch_names", None) is None:
            continue
        batch = task.test_batch(n_repeats=1, seed=0)
        for labels in batch.epoch_labels():
            assert {str(e) for e in labels if e} == set(task.epoch_names), name
