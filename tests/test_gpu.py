"""The GPU paths, run where CUDA is present (skipped elsewhere, with the reason).

What must hold on a GPU: training runs there and learns; K seeds stacked on the GPU follow the
same course as K single trainings on the GPU; a network trained on the GPU records and
compares like any other; DSA's alignment on the GPU reaches the CPU's distances; ``auto``
device selection picks the GPU; the training jobs' device policy picks it too.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device on this machine"
)


def _spec(arch: str, seed: int, max_steps: int = 12, **kw):
    from dynsim.training import NetworkSpec, TrainingConfig

    training = dict(max_steps=max_steps, batch_size=16, eval_every=4, eval_trials=32,
                    snapshot_every=3) | kw
    return NetworkSpec(task="pdm", arch=arch, seed=seed, regime="master", hidden_size=8,
                       training=TrainingConfig(**training))


def test_training_learns_on_cuda_and_records():
    from dynsim.training import record_activity, train

    spec = _spec("gru", 0, max_steps=300, batch_size=64, eval_every=25, snapshot_every=5,
                 learning_rate=0.01)
    result = train(spec, device="cuda")
    assert result.status in ("converged", "budget_exhausted")
    assert all(np.isfinite(result.loss))
    # learning happened: the last evaluation beats chance (0.5 for two choices) clearly
    assert result.eval_accuracy[-1] > 0.6, result.eval_accuracy
    # snapshots are CPU tensors (what checkpoints and recording read)
    state = result.snapshots[max(result.snapshots)]
    assert all(v.device.type == "cpu" for v in state.values())
    recording = record_activity(result, n_repeats=2)
    assert np.isfinite(recording["hidden"]).all()


@pytest.mark.parametrize("arch", ["leaky_rnn", "gru"])
def test_stacked_on_cuda_follows_single_trainings_on_cuda(arch):
    from dynsim.training import train, train_stacked

    specs = [_spec(arch, s) for s in range(3)]
    stacked = train_stacked(specs, device="cuda")
    for got, spec in zip(stacked, specs, strict=True):
        want = train(spec, device="cuda")
        assert (got.status, got.final_step) == (want.status, want.final_step)
        for step, state in want.snapshots.items():
            for name, value in state.items():
                torch.testing.assert_close(got.snapshots[step][name], value, atol=1e-4,
                                           rtol=1e-4)


def test_dsa_on_cuda_reaches_the_cpu_distances():
    from dynsim.metrics import DSA

    rng = np.random.default_rng(0)
    t = np.arange(400) * 0.05
    nets = []
    for k in range(4):
        freq = 1.0 + 0.2 * k
        latent = np.stack([np.sin(freq * t), np.cos(freq * t), np.sin(0.5 * freq * t)], -1)
        mix = rng.normal(size=(3, 12))
        nets.append(latent @ mix + 0.01 * rng.normal(size=(400, 12)))
    kw = dict(n_delays=8, delay_interval=1, rank=6)
    cpu = DSA(device="cpu", **kw)
    gpu = DSA(device="cuda", **kw)
    for i in range(len(nets)):
        for j in range(i + 1, len(nets)):
            d_cpu = cpu.score(nets[i], nets[j])
            d_gpu = gpu.score(nets[i], nets[j])
            # the alignment is a non-convex search: the GPU's answer must be as good (never a
            # larger distance than the CPU's beyond float tolerance), and close to it
            assert d_gpu <= d_cpu + 1e-4, (i, j, d_cpu, d_gpu)
            assert abs(d_gpu - d_cpu) < 1e-3, (i, j, d_cpu, d_gpu)


def test_auto_device_is_cuda():
    from dynsim.metrics.dsa.align import resolve_device
    from dynsim.training.jobs import _device

    assert str(resolve_device("auto")).startswith("cuda")
    assert _device() == "cuda"
