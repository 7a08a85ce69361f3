"""The update-gated leaky RNN (arch ``gated_leaky_rnn``, dynsim.models.GatedLeakyRNN): one step
against its update equations computed by hand in NumPy, its limits, the activation switch,
training through dynsim's loop, the checkpoint round trip and its config keys."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml

from dynsim import models
from dynsim.cli import main
from dynsim.config import ConfigError, load, schema
from dynsim.models.recurrent import ACTIVATIONS
from dynsim.training import NetworkSpec, TrainingConfig, load_training, save_training, train

N_IN, N_HID, N_OUT, TRIALS = 3, 5, 2, 4

# φ in NumPy, as torch defines each (softplus: log(1 + eˣ); leaky_relu: slope 0.01).
NUMPY_PHI = {
    "relu": lambda a: np.maximum(a, 0.0),
    "tanh": np.tanh,
    "softplus": lambda a: np.logaddexp(0.0, a),
    "leaky_relu": lambda a: np.where(a > 0, a, 0.01 * a),
}


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def network(activation: str = "relu", dt: float = 20.0, tau: float = 100.0, **kw):
    torch.manual_seed(0)
    net = models.build(
        "gated_leaky_rnn", N_IN, N_HID, N_OUT, dt=dt, tau=tau, activation=activation, **kw
    )
    return net.double()


def inputs(seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    x = torch.from_numpy(rng.normal(size=(TRIALS, N_IN)))
    h = torch.from_numpy(rng.normal(size=(TRIALS, N_HID)))
    return x, h


def by_hand(net, x: torch.Tensor, h: torch.Tensor, noise: np.ndarray | None = None) -> np.ndarray:
    """h + α z (φ(a_n) − h) written out from the module's weights (rows [z, n])."""
    w_in = net.input.weight.detach().numpy()
    b = net.input.bias.detach().numpy()
    w_rec = net.recurrent.weight.detach().numpy()
    x, h = x.numpy(), h.numpy()
    pre = x @ w_in.T + h @ w_rec.T + b
    pre_z, pre_n = pre[:, :N_HID], pre[:, N_HID:]
    if noise is not None:
        pre_n = pre_n + net.noise_std * np.sqrt(2 / net.alpha) * noise
    z = sigmoid(pre_z)
    h_leak = (1 - net.alpha) * h + net.alpha * NUMPY_PHI[net.activation_name](pre_n)
    return (1 - z) * h + z * h_leak


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_one_step_is_the_update_equations(activation):
    net = network(activation).eval()
    x, h = inputs()
    assert net.alpha == 20.0 / 100.0  # α = dt / τ, as the leaky RNN
    with torch.no_grad():
        got = net.step(x, h).numpy()
    np.testing.assert_allclose(got, by_hand(net, x, h), rtol=0, atol=1e-12)
    # Shapes: W_in (2·unit, input) with bias, W_rec (2·unit, unit) without; no reset block.
    assert net.input.weight.shape == (2 * N_HID, N_IN) and net.input.bias.shape == (2 * N_HID,)
    assert net.recurrent.weight.shape == (2 * N_HID, N_HID) and net.recurrent.bias is None
    assert net.input_parameters() == [net.input.weight, net.input.bias]


def test_training_noise_enters_the_drive_of_n_scaled_as_the_leaky_rnn():
    net = network("tanh", noise_std=0.3).train()
    x, h = inputs()
    torch.manual_seed(7)
    with torch.no_grad():
        got = net.step(x, h).numpy()
    torch.manual_seed(7)  # network_noise on the CPU is randn_like: the same draw
    eps = torch.randn(TRIALS, N_HID, dtype=torch.float64).numpy()
    np.testing.assert_allclose(got, by_hand(net, x, h, noise=eps), rtol=0, atol=1e-12)


def test_closed_update_gate_keeps_the_state():
    net = network("softplus").eval()
    with torch.no_grad():
        net.input.bias[:N_HID] = -1e3  # σ(−1000) underflows to 0 in float64: z = 0
    x, h = inputs()
    with torch.no_grad():
        np.testing.assert_allclose(net.step(x, h).numpy(), h.numpy(), rtol=0, atol=1e-15)


def test_open_gate_without_leak_is_phi_of_the_drive():
    net = network("tanh", dt=100.0, tau=100.0).eval()  # α = 1
    with torch.no_grad():
        net.input.bias[:N_HID] = 1e3  # z = 1
    x, h = inputs()
    w_in, b = net.input.weight.detach().numpy(), net.input.bias.detach().numpy()
    pre_n = (x.numpy() @ w_in.T + h.numpy() @ net.recurrent.weight.detach().numpy().T + b)[
        :, N_HID:
    ]
    with torch.no_grad():
        np.testing.assert_allclose(net.step(x, h).numpy(), np.tanh(pre_n), rtol=0, atol=1e-12)


def test_open_gate_is_the_leaky_rnn():
    """With z ≡ 1 the cell is dynsim's LeakyRNN step with the same n-block weights."""
    gated = network("relu").eval()
    with torch.no_grad():
        gated.input.bias[:N_HID] = 1e3
    plain = models.build("leaky_rnn", N_IN, N_HID, N_OUT, activation="relu").double().eval()
    with torch.no_grad():
        plain.input.weight.copy_(gated.input.weight[N_HID:])
        plain.input.bias.copy_(gated.input.bias[N_HID:])
        plain.recurrent.weight.copy_(gated.recurrent.weight[N_HID:])
        x, h = inputs()
        torch.testing.assert_close(gated.step(x, h), plain.step(x, h), rtol=0, atol=1e-15)


def test_activation_switch_changes_the_output():
    relu = network("relu").eval()
    tanh = network("tanh").eval()
    tanh.load_state_dict(relu.state_dict())  # same weights, only φ differs
    generator = torch.Generator().manual_seed(3)
    seq = torch.randn(TRIALS, 6, N_IN, dtype=torch.float64, generator=generator)
    with torch.no_grad():
        out_relu, hid_relu = relu(seq)
        out_tanh, hid_tanh = tanh(seq)
    assert out_relu.shape == (TRIALS, 6, N_OUT) and hid_relu.shape == (TRIALS, 6, N_HID)
    assert (hid_relu - hid_tanh).abs().max() > 1e-3
    assert (out_relu - out_tanh).abs().max() > 1e-4
    torch.testing.assert_close(out_relu, relu.readout(hid_relu))  # the shared linear readout


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="activation must be one of .*'sigmoid'"):
        models.build("gated_leaky_rnn", N_IN, N_HID, N_OUT, activation="sigmoid")


def test_one_training_step_through_the_loop_and_checkpoint_round_trip(tmp_path):
    torch.set_num_threads(1)
    spec = NetworkSpec(
        task="pdm",
        arch="gated_leaky_rnn",
        seed=2,
        hidden_size=6,
        model_params={"activation": "softplus"},
        training=TrainingConfig(
            max_steps=1, batch_size=4, eval_every=1, eval_trials=8, snapshot_every=1
        ),
    )
    result = train(spec)
    assert result.final_step == 1 and len(result.loss) == 1 and np.isfinite(result.loss[0])
    before, after = result.snapshots[0], result.snapshots[1]
    assert set(before) == {"readout.weight", "readout.bias", "input.weight", "input.bias",
                           "recurrent.weight"}  # fmt: skip
    for name in ("input.weight", "recurrent.weight", "readout.weight"):
        assert not torch.equal(before[name], after[name]), name  # AdamW moved every matrix
    loaded = load_training(save_training(result, tmp_path / "net.pt"))
    assert loaded.spec == spec and list(loaded.snapshots) == list(result.snapshots)
    net_a, net_b = spec.build_model(), loaded.spec.build_model()
    assert net_b.activation_name == "softplus"
    net_a.load_state_dict(result.snapshots[1])
    net_b.load_state_dict(loaded.snapshots[1])
    seq = torch.randn(2, 5, net_a.n_input, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a, b = net_a.eval()(seq), net_b.eval()(seq)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_schema_activation_choices_are_the_models():
    params = schema()["properties"]["model"]["properties"]["params"]["properties"]
    assert sorted(params["gated_leaky_rnn"]["properties"]["activation"]["enum"]) == sorted(
        ACTIVATIONS
    )


def _config(tmp_path, **extra) -> str:
    config = {"experiment": "g", "tasks": ["pdm"], "architectures": ["leaky_rnn",
              "gated_leaky_rnn"], "seeds": [0], **extra}  # fmt: skip
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def test_check_config_accepts_an_activation_grid_and_model_activation(tmp_path, capsys):
    path = _config(
        tmp_path,
        grid={"activation": ["relu", "softplus"]},
        model={"params": {"gated_leaky_rnn": {"activation": "tanh", "noise_std": 0.1}}},
    )
    assert main(["check-config", path, "--defaults", "none"]) == 0
    out = capsys.readouterr().out
    assert "4 networks" in out
    assert "pdm/gated_leaky_rnn/master/activationsoftplus/seed0" in out


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"grid": {"activation": ["relu", "sigmoid"]}}, "grid.activation.1"),
        (
            {"model": {"params": {"gated_leaky_rnn": {"activation": "sigmoid"}}}},
            "model.params.gated_leaky_rnn.activation",
        ),
        # no initial-gain parameter (see GatedLeakyRNN's initialisation)
        (
            {"model": {"params": {"gated_leaky_rnn": {"init_gain": 2}}}},
            "model.params.gated_leaky_rnn",
        ),
    ],
)
def test_bad_activation_names_the_key(tmp_path, capsys, extra, named):
    path = _config(tmp_path, **extra)
    with pytest.raises(ConfigError, match=f"'{named}"):
        load([path], defaults=None)
    assert main(["check-config", path, "--defaults", "none"]) == 2
    assert named in capsys.readouterr().err
