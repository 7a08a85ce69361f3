"""The torch-free spec layer: what a network is, its key and path, its regime and curriculum."""

import subprocess
import sys

import pytest

from dynsim import models
from dynsim.regimes import curriculum, regime_role
from dynsim.spec import (
    NetworkSpec,
    TrainingConfig,
    can_stack,
    group_key,
    group_path_pattern,
    network_key,
    path_pattern,
)


def _modules_after(code: str) -> set[str]:
    """The names in sys.modules whose import really ran (lazy placeholders excluded) after
    ``code``, in a fresh interpreter so other tests' imports do not count."""
    probe = (
        f"{code}\nimport sys, importlib.util\n"
        "print(' '.join(n for n, m in sys.modules.items() "
        "if type(m).__name__ != '_LazyModule'))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", ["dynsim.config", "dynsim.spec", "dynsim.regimes"])
def test_spec_layer_imports_no_torch(module):
    loaded = _modules_after(f"import {module}")
    assert "torch" not in loaded
    # Strictly absent, not even a lazy placeholder: these modules do not import the task code.
    out = subprocess.run(
        [sys.executable, "-c", f"import {module}, sys; assert 'torch' not in sys.modules"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr


def test_validating_and_fanning_out_the_default_config_runs_no_torch():
    code = (
        "import yaml, dynsim.config as c\n"
        "cfg = c.validate(yaml.safe_load(open('config.yaml')))\n"
        "specs = c.network_specs(cfg); c.training_sources(cfg); c.stacked_groups(cfg)\n"
        "assert len(specs) == 8, len(specs)"
    )
    assert "torch" not in _modules_after(code)


@pytest.mark.parametrize(
    "overlay", ["config/curricula.yaml", "config/guilhot2024.yaml", "config/insd.yaml"]
)
def test_validating_every_shipped_config_runs_no_torch(overlay):
    # insd.yaml's master_gain<g> regimes ask which architectures have an init_gain: the schema
    # answers (its keyword lists are tested against the classes), not the model classes.
    code = (
        "import dynsim.config as c\n"
        f"cfg = c.load([{overlay!r}])\n"
        "c.network_specs(cfg); c.training_sources(cfg); c.stacked_groups(cfg)"
    )
    assert "torch" not in _modules_after(code)


def test_architecture_names_match_the_classes():
    assert sorted(models.ARCHITECTURES) == models.available()
    assert all(cls.arch == name for name, cls in models.ARCHITECTURES.items())


def test_keys_paths_and_groups_agree():
    spec = NetworkSpec(task="pdm", arch="gru", seed=3, regime="master")
    assert spec.key == network_key("pdm", "gru", "master", 3) == "pdm/gru/master/seed3"
    assert path_pattern(False).format(task="pdm", arch="gru", regime="master", seed=3) == spec.key
    assert group_key(spec) == "pdm/gru/master"
    assert (
        group_path_pattern(False).format(task="pdm", arch="gru", regime="master")
        == "pdm/gru/master"
    )
    gridded = spec.with_variant({"hidden_size": 16})
    assert gridded.key == "pdm/gru/master/hidden_size16/seed3"
    assert group_key(gridded) == group_path_pattern(True).format(
        task="pdm", arch="gru", regime="master", variant="hidden_size16"
    )


def test_stackability_is_decided_from_specs_alone():
    base = NetworkSpec(task="pdm", arch="gru", seed=0, training=TrainingConfig(max_steps=5))
    seeds = [base, NetworkSpec(**{**base.__dict__, "seed": 1})]
    assert can_stack(seeds)
    assert not can_stack([base, base])  # repeated seed
    lstm = [NetworkSpec(**{**s.__dict__, "arch": "lstm"}) for s in seeds]
    assert not can_stack(lstm)


@pytest.mark.parametrize(
    ("regime", "role"),
    [
        ("master", "standard"),
        ("insd_0", "standard"),
        ("master_gain1p5", "standard"),
        ("insd_2", "alternative"),
        ("pretrain_frozen", "other"),
        ("untrained", "other"),
    ],
)
def test_regime_roles(regime, role):
    assert regime_role(regime) == role


def test_curriculum_of_a_partial_pretraining():
    spec = NetworkSpec(task="anti_pdm_delay", arch="gru", seed=0, regime="pretrain_anti_frozen")
    phases = curriculum(spec)
    assert [p.name for p in phases] == ["pretrain", "target"]
    assert phases[0].tasks == ("anti_pdm",) and phases[1].trainable == "input"
