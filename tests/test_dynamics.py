"""The fixed-point finder on hand-built systems with known fixed points."""

import numpy as np
import pytest
import torch

from dynsim import models
from dynsim.insd.fixed_points import find_fixed_points


class CubicMap(torch.nn.Module):
    """h ← h + a(h − h³) per unit: fixed points at every h ∈ {−1, 0, 1}ⁿ (3ⁿ of them);
    Jacobian diag(1 + a(1 − 3h²)): stable at ±1 (|1 − 2a| < 1), unstable at 0 (1 + a > 1)."""

    def __init__(self, a: float = 0.2) -> None:
        super().__init__()
        self.a = a

    def step(self, x: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        return hidden + self.a * (hidden - hidden**3)


def test_finds_all_fixed_points_of_a_known_map_exactly():
    rng = np.random.default_rng(0)
    starts = rng.uniform(-1.5, 1.5, size=(400, 2))
    found = find_fixed_points(CubicMap(), starts, np.zeros(1), steps=300, learning_rate=0.05)
    expected = {(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)}
    assert {tuple(np.round(p).astype(int)) for p in found.points} == expected
    assert len(found) == 9
    for point, kind in zip(found.points, found.kind, strict=True):
        np.testing.assert_allclose(point, np.round(point), atol=1e-9)
        n_zero = int(np.sum(np.abs(point) < 0.5))
        assert kind == {0: "stable", 1: "saddle", 2: "unstable"}[n_zero]
    assert found.counts() == {"stable": 4, "saddle": 4, "unstable": 1}


def test_linear_rnn_has_one_fixed_point_with_known_spectrum():
    torch.manual_seed(0)
    model = models.build(
        "leaky_rnn", 3, 5, 2, dt=20, tau=100, activation="tanh", noise_std=0.0, init_gain=0.5
    )
    found = find_fixed_points(
        model,
        np.random.default_rng(1).normal(size=(20, 5)),
        np.zeros(3),
        steps=500,
        learning_rate=0.05,
    )
    assert len(found) == 1 and found.kind[0] == "stable"
    h = torch.as_tensor(found.points[0]).double()
    with torch.no_grad():
        step = model.double().eval().step(torch.zeros(1, 3).double(), h[None])[0]
    np.testing.assert_allclose(step.numpy(), found.points[0], atol=1e-10)


def test_compound_state_is_rejected_clearly():
    model = models.build("lstm", 3, 4, 2) if "lstm" in models.available() else None
    if model is None:
        pytest.skip("no LSTM architecture registered")
    with pytest.raises(TypeError, match="hidden"):
        find_fixed_points(model, np.zeros((2, 4)), np.zeros(3), steps=1)
