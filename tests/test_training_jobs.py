"""The train job (dynsim.training.train_network): in-process and as a task on a real, private
Ray instance, with an INSD link's earlier checkpoints crossing into the Ray worker."""

import torch

from dynsim.spec import InsdConfig, NetworkSpec, TrainingConfig
from dynsim.training import load_training, train_network


def _link(regime: str) -> NetworkSpec:
    return NetworkSpec(
        task="flipflop",
        arch="leaky_rnn",
        seed=0,
        regime=regime,
        hidden_size=8,
        task_params={"sigma": 0.0},
        training=TrainingConfig(max_steps=6, eval_every=3, snapshot_every=3),
        insd=InsdConfig(lam=0.5) if regime != "insd_0" else None,
    )


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_a_link_trained_on_ray_equals_the_link_trained_in_process(tmp_path):
    link0 = tmp_path / "link0.pt"
    _, on_ray = train_network(_link("insd_0"), link0, ray_mode="never")
    assert not on_ray
    local, on_ray = train_network(
        _link("insd_1"), tmp_path / "local.pt", previous=[link0], ray_mode="never"
    )
    assert not on_ray
    remote, on_ray = train_network(
        _link("insd_1"), tmp_path / "ray.pt", previous=[link0], ray_mode="always", ray_address=None
    )
    assert on_ray
    saved = load_training(tmp_path / "ray.pt")
    for result in (remote, saved):
        a, b = result.to_dict(), local.to_dict()
        a.pop("seconds"), b.pop("seconds")
        assert _same(a, b)
    # The penalty against link 0 was applied (it is recorded per step of the phase).
    assert len(local.phases[-1]["penalty"]) == 6
