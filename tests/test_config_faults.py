"""Malformed configs are refused before any job, naming the key (issue 13, acceptance 2).

Each row of :data:`FAULTS` is an overlay, written as a user would write a ``--configfile``
(YAML text, so that ``.nan``, ``.inf`` and ``1e20`` are what YAML makes of them), merged over
the workflow's default ``config.yaml``, and the key (or file) the error must name. Every row
is checked through :func:`dynsim.config.load` and through ``dynsim check-config``; a
representative handful through ``snakemake -n`` (about 2 s each), which must fail before any
job and write nothing under ``results/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import snakemake

from dynsim import config as dconfig
from dynsim.cli import main
from dynsim.config import ConfigError, load, merge

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = ROOT / "config.yaml"

# (id, overlay YAML, text the first line of the error must contain)
FAULTS: list[tuple[str, str, str]] = [
    # top level and names
    ("top-level typo", "trainig: {max_steps: 5}", "config key 'trainig'"),
    ("unknown task", "tasks: [pdm_typo]", "config key 'tasks.0'"),
    ("unknown architecture", "architectures: [transformer]", "config key 'architectures.0'"),
    ("negative seed", "seeds: [-1]", "config key 'seeds.0'"),
    ("seed 1e20 (YAML: a string)", "seeds: [1e20]", "config key 'seeds.0'"),
    ("seed beyond 2**32-1", "seeds: [4294967296]", "config key 'seeds.0'"),
    ("fractional seed", "seeds: [0.5]", "config key 'seeds.0'"),
    ("regime typo", "regimes: [mastr]", "config key 'regimes.0'"),
    ("experiment with a space", "experiment: 'a b'", "config key 'experiment'"),
    ("empty task list", "tasks: []", "config key 'tasks'"),
    # model
    (
        "hidden_size 1000000000",
        "model: {hidden_size: 1000000000}",
        "config key 'model.hidden_size'",
    ),
    ("hidden_size 1e9 (a string)", "model: {hidden_size: 1e9}", "config key 'model.hidden_size'"),
    ("tau inf", "model: {tau_ms: .inf}", "config key 'model.tau_ms'"),
    ("tau NaN", "model: {tau_ms: .nan}", "config key 'model.tau_ms'"),
    ("tau below dt", "model: {tau_ms: 10}", "config key 'model.tau_ms'"),
    ("arch tau below dt", "model: {params: {gru: {tau: 5}}}", "config key 'model.params.gru.tau'"),
    (
        "gru key typo",
        "model: {params: {gru: {noise_stdd: 0.1}}}",
        "config key 'model.params.gru.noise_stdd'",
    ),
    ("dt in model params", "model: {params: {gru: {dt: 10}}}", "config key 'model.params.gru.dt'"),
    (
        "negative noise",
        "model: {params: {lstm: {noise_std: -1}}}",
        "config key 'model.params.lstm.noise_std'",
    ),
    (
        "mamba hidden choice",
        "model: {params: {mamba: {hidden: cell}}}",
        "config key 'model.params.mamba.hidden'",
    ),
    (
        "unknown activation",
        "model: {params: {leaky_rnn: {activation: banana}}}",
        "config key 'model.params.leaky_rnn.activation'",
    ),
    (
        "unknown architecture's params",
        "model: {params: {transfomer: {}}}",
        "config key 'model.params.transfomer'",
    ),
    (
        "gru noise NaN",
        "model: {params: {gru: {noise_std: .nan}}}",
        "config key 'model.params.gru.noise_std'",
    ),
    # training
    ("learning rate NaN", "training: {learning_rate: .nan}", "config key 'training.learning_rate'"),
    ("learning rate inf", "training: {learning_rate: .inf}", "config key 'training.learning_rate'"),
    (
        "learning rate -inf",
        "training: {learning_rate: -.inf}",
        "config key 'training.learning_rate'",
    ),
    ("weight decay NaN", "training: {weight_decay: .nan}", "config key 'training.weight_decay'"),
    ("grad clip inf", "training: {grad_clip: .inf}", "config key 'training.grad_clip'"),
    (
        "target accuracy 1.5",
        "training: {target_accuracy: 1.5}",
        "config key 'training.target_accuracy'",
    ),
    ("max_steps typo", "training: {max_stepz: 10}", "config key 'training.max_stepz'"),
    ("max_steps 0", "training: {max_steps: 0}", "config key 'training.max_steps'"),
    (
        "checkpoints descending",
        "training: {checkpoints: [1.0, 0.5, 0.0]}",
        "config key 'training.checkpoints.1'",
    ),
    (
        "checkpoints repeated",
        "training: {checkpoints: [0.0, 0.5, 0.5, 1.0]}",
        "config key 'training.checkpoints.2'",
    ),
    (
        "checkpoint 1.5",
        "training: {checkpoints: [0.0, 1.5]}",
        "config key 'training.checkpoints.1'",
    ),
    (
        "checkpoint NaN",
        "training: {checkpoints: [0.0, .nan]}",
        "config key 'training.checkpoints.1'",
    ),
    # task
    ("dt longer than an epoch", "task: {dt: 1000}", "config key 'task.dt': task"),
    ("dt NaN", "task: {dt: .nan}", "config key 'task.dt'"),
    ("negative sigma", "task: {sigma: -1}", "config key 'task.sigma'"),
    ("coherence inf", "task: {coherences: [0.1, .inf]}", "config key 'task.coherences.1'"),
    (
        "test epoch shorter than dt",
        "task: {test_timing: {fixation: 10}}",
        "config key 'task.test_timing.fixation'",
    ),
    (
        "train epoch shorter than dt",
        "task: {train_timing: {fixation: [5, 10]}}",
        "config key 'task.train_timing.fixation'",
    ),
    (
        "per-task dt longer than an epoch",
        "task: {params: {pdm: {dt: 1000}}}",
        "config key 'task.params.pdm.dt'",
    ),
    ("learning progress not recorded", "compare: {learning: [0.0, 0.25]}",
     "config key 'compare.learning.1'"),
    ("timing epoch typo", "task: {train_timing: {fixaton: [100, 200]}}", "config key 'task'"),
    (
        "task param typo",
        "task: {params: {pdm: {coherencez: [0.1]}}}",
        "config key 'task.params.pdm.coherencez'",
    ),
    (
        "go/no-go param typo (**params)",
        "tasks: [gonogo]\ntask: {params: {gonogo: {sigmaa: 0.1}}}",
        "config key 'task.params.gonogo.sigmaa'",
    ),
    (
        "param typo of a task not in the fan-out",
        "task: {params: {flipflop: {n_bitz: 3}}}",
        "config key 'task.params.flipflop.n_bitz'",
    ),
    ("params of an unknown task", "task: {params: {pdmm: {}}}", "config key 'task.params'"),
    (
        "flip-flop pulse shorter than dt",
        "tasks: [flipflop]\ntask: {dt: 50}",
        "config key 'task.dt': task 'flipflop': flipflop's pulse_ms lasts 40 ms",
    ),
    # compare: metrics
    (
        "DSA n_delay typo",
        "compare: {metrics: {dsa: {n_delay: 5}}}",
        "config key 'compare.metrics.dsa'",
    ),
    ("DSA rank 0", "compare: {metrics: {dsa: {rank: 0}}}", "config key 'compare.metrics.dsa'"),
    (
        "DSA n_delays -3",
        "compare: {metrics: {dsa: {n_delays: -3}}}",
        "config key 'compare.metrics.dsa'",
    ),
    (
        "score banana (deprecated key)",
        "compare: {metrics: {rsa: {score: banana}}}",
        "config key 'compare.metrics.rsa': score_method must be one of",
    ),
    (
        "score_method banana",
        "compare: {metrics: {cka: {score_method: banana}}}",
        "config key 'compare.metrics.cka'",
    ),
    ("unknown metric", "compare: {metrics: {nope: {}}}", "config key 'compare.metrics'"),
    ("empty metrics overlay", "compare: {metrics: {}}", "config key 'compare.metrics'"),
    # compare: selection
    ("checkpoint index 99", "compare: {checkpoint: 99}", "config key 'compare.checkpoint'"),
    (
        "checkpoint index -7 of 3",
        "training: {checkpoints: [0.0, 0.5, 1.0]}\ncompare: {checkpoint: -7, learning: [0.0]}",
        "config key 'compare.checkpoint'",
    ),
    (
        "checkpoint fraction not recorded",
        "compare: {checkpoint: 0.33}",
        "config key 'compare.checkpoint'",
    ),
    ("compare checkpoint 1.5", "compare: {checkpoint: 1.5}", "config key 'compare.checkpoint'"),
    ("checkpoint 'latest'", "compare: {checkpoint: latest}", "config key 'compare.checkpoint'"),
    ("epoch typo", "compare: {epoch: stimuls}", "config key 'compare.epoch'"),
    ("epoch typo in a list", "compare: {epoch: [stimulus, decison]}", "config key 'compare.epoch'"),
    ("trials label typo", "compare: {trials: {coherense: [0.2]}}", "config key 'compare.trials'"),
    (
        "trials value never recorded",
        "compare: {trials: {coherence: [0.3]}}",
        "config key 'compare.trials.coherence'",
    ),
    (
        "trials matching nothing together",
        "compare: {trials: {direction: [1], correct_choice: [1]}}",
        "config key 'compare.trials'",
    ),
    (
        "average_over typo",
        "compare: {average_over: [coherense]}",
        "config key 'compare.average_over'",
    ),
    ("backend typo", "compare: {backend: dask}", "config key 'compare.backend'"),
    ("threads 0", "compare: {threads: 0}", "config key 'compare.threads'"),
    ("learning fraction 2", "compare: {learning: [0.0, 2.0]}", "config key 'compare.learning.1'"),
    # grid, record, insd, systems, ray
    (
        "grid hidden size too large",
        "grid: {hidden_size: [8, 100000]}",
        "config key 'grid.hidden_size.1'",
    ),
    (
        "grid learning rate NaN",
        "grid: {learning_rate: [.nan]}",
        "config key 'grid.learning_rate.0'",
    ),
    ("grid key typo", "grid: {hidden_sise: [8]}", "config key 'grid.hidden_sise'"),
    ("n_repeats 0", "record: {n_repeats: 0}", "config key 'record.n_repeats'"),
    ("insd lambda inf", "insd: {lambda: .inf}", "config key 'insd.lambda'"),
    ("insd window typo", "insd: {enabled: true, window: stimuls}", "config key 'insd.window'"),
    (
        "battery key typo",
        "insd: {battery: {decoding: {n_fold: 3}}}",
        "config key 'insd.battery.decoding.n_fold'",
    ),
    ("systems size", "systems: {size: huge}", "config key 'systems.size'"),
    (
        "DSA delays longer than the compared epoch",
        "compare: {epoch: stimulus, metrics: {dsa: {n_delays: 40, delay_interval: 10}}}",
        "config key 'compare.metrics.dsa.n_delays': n_delays 40",
    ),
    (
        "Guilhot activation the grid never trains",
        "architectures: [leaky_rnn]\ngrid: {activation: [relu]}\n"
        "guilhot: {activations: [relu, sigmoid]}",
        "config key 'guilhot.activations': ['sigmoid']",
    ),
    ("object store too small", "ray: {object_store_mb: 10}", "config key 'ray.object_store_mb'"),
    # the file itself
    ("YAML syntax error", "experiment: t\ntasks: [pdm\nseeds: [0]\n", "bad.yaml, line 3"),
    ("top level a list", "- pdm\n- gru\n", "bad.yaml: the top level must be a mapping"),
]

# A handful through `snakemake -n`, one of each kind (schema, NaN, file, built classes,
# selection, ordering, overlay): each run costs about 2 s.
SNAKEMAKE_FAULTS = [
    "top-level typo",
    "learning rate NaN",
    "checkpoints descending",
    "gru key typo",
    "DSA n_delay typo",
    "checkpoint index 99",
    "trials value never recorded",
    "dt longer than an epoch",
    "empty metrics overlay",
    "seed 1e20 (YAML: a string)",
]


def test_the_table_is_large_and_unique():
    assert len(FAULTS) >= 50
    assert len({name for name, _, _ in FAULTS}) == len(FAULTS)
    assert set(SNAKEMAKE_FAULTS) <= {name for name, _, _ in FAULTS}


def overlay_file(tmp_path: Path, text: str) -> Path:
    # An experiment name of its own, so that a config that got through would write elsewhere.
    path = tmp_path / "bad.yaml"
    path.write_text(
        text if "experiment:" in text or text.startswith("-") else f"experiment: faults\n{text}\n"
    )
    return path


@pytest.mark.parametrize(("name", "text", "named"), FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_is_rejected_naming_the_key(tmp_path, capsys, name, text, named):
    path = overlay_file(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load([path], defaults=DEFAULTS)
    first = str(info.value).splitlines()[0]
    assert named in first, str(info.value)
    # The command line: the same merge and validation, exit 2, the message on stderr.
    assert main(["check-config", str(path), "--defaults", str(DEFAULTS)]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err


@pytest.mark.parametrize("name", SNAKEMAKE_FAULTS)
def test_fault_fails_the_dry_run_before_any_job(tmp_path, name):
    text, named = next((t, n) for f, t, n in FAULTS if f == name)
    path = overlay_file(tmp_path, text)
    workdir = tmp_path / "work"
    workdir.mkdir()
    out = snakemake("-n", "--cores", "1", "--configfile", str(path), cwd=workdir, timeout=300)
    text_out = out.stdout + out.stderr
    assert out.returncode != 0
    assert named in text_out
    # Snakemake's two lines of preamble, then our one-line message: no traceback after it.
    assert len(text_out.splitlines()) <= 3, text_out
    assert text_out.splitlines()[-1].startswith("ConfigError: config key"), text_out
    assert 'File "' not in text_out, text_out
    assert not (workdir / "results").exists()


def test_merge_is_snakemakes_update_config():
    """dynsim.config.merge agrees with snakemake.utils.update_config, nested keys included."""
    from snakemake.utils import update_config

    base = yaml.safe_load(DEFAULTS.read_text())
    overlays = [
        yaml.safe_load((ROOT / ".test" / "config.yaml").read_text()),
        {"compare": {"metrics": {"cka": {"score_method": "one_minus"}}, "epoch": ["stimulus"]}},
        {"model": {"params": {"gru": None}}, "grid": {"hidden_size": [8]}},
        {"model": {"params": {"gru": {"noise_std": 0.0}}}, "seeds": [3]},
    ]
    for overlay in overlays:
        expected = yaml.safe_load(DEFAULTS.read_text())
        update_config(expected, overlay)
        assert merge(base, overlay) == expected
    assert base == yaml.safe_load(DEFAULTS.read_text())  # unchanged


def test_check_config_accepts_a_three_line_overlay(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    path.write_text("experiment: mine\nseeds: [0, 1, 2]\ntraining: {max_steps: 100}\n")
    assert main(["check-config", str(path), "--defaults", str(DEFAULTS)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    # 2 tasks × 2 architectures × 3 seeds, the default config's metrics.
    assert "valid; 12 networks (12 trained), metrics: procrustes, cka, dsa" in first
    # Alone, it lacks the required keys (as before): named.
    assert main(["check-config", str(path), "--defaults", "none"]) == 2
    assert "config key '<root>': 'tasks' is a required property" in capsys.readouterr().err


def test_check_config_reports_what_the_workflow_runs_for_the_ci_config(capsys):
    """.test/config.yaml lists no metrics: the workflow runs the default config's three."""
    path = ROOT / ".test" / "config.yaml"
    assert main(["check-config", str(path), "--defaults", str(DEFAULTS)]) == 0
    assert "metrics: procrustes, cka, dsa" in capsys.readouterr().out
    config = load([path], defaults=DEFAULTS)
    assert config["training"]["checkpoints"] == [0.0, 0.5, 1.0]
    assert config["model"]["params"]["leaky_rnn"]["activation"] == "relu"


def test_a_valid_selection_is_accepted():
    config = load([], defaults=DEFAULTS)
    config["compare"].update(
        checkpoint=-10,
        epoch=["stimulus", "decision"],
        trials={"coherence": [0.2, 0.4, 0.4 + 1e-9]},  # 0.400000001 is not recorded...
        average_over=["coherence", "direction"],
    )
    with pytest.raises(ConfigError, match=r"compare.trials.coherence'.*0.400000001"):
        dconfig.validate(config)
    config["compare"]["trials"] = {"coherence": [0.2, 0.4]}  # ...0.2 and 0.4 are
    for checkpoint in ("final", 0, 9, -1, -10, 0.0, 0.75, 1.0):
        config["compare"]["checkpoint"] = checkpoint
        dconfig.validate(config)


@pytest.mark.parametrize("dt", [float("nan"), float("inf"), 0.0, -5.0])
def test_a_task_refuses_a_dt_that_is_not_a_positive_finite_number(dt):
    from dynsim import tasks

    with pytest.raises(ValueError, match="dt must be (a )?positive"):
        tasks.get("pdm", dt=dt)


def test_task_errors_name_their_parameter_and_gonogo_refuses_unknown_keywords():
    """Library calls, not only configs: a task's range error names the constructor parameter
    (what the config check turns into the key), and no task constructor swallows a typo."""
    from dynsim import tasks
    from dynsim.tasks.base import TaskParameterError

    cases = [
        ("pdm", {"dt": 1000}, "dt"),
        ("pdm", {"test_timing": {"fixation": 10}}, "test_timing.fixation"),
        ("pdm", {"coherences": [0.1, -0.2]}, "coherences"),
        ("gonogo", {"sigma": -1.0}, "sigma"),
    ]
    for name, params, parameter in cases:
        with pytest.raises(TaskParameterError) as info:
            tasks.get(name, **params)
        assert info.value.parameter == parameter, (name, params)
    for name in tasks.available():
        with pytest.raises(TypeError, match="bogus_keyword"):
            tasks.get(name, bogus_keyword=1)
