"""dynsim.training.train_stacked: K seeds trained together = K calls of training.train."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from dynsim.tasks.decision import PerceptualDecisionMaking
from dynsim.training import NetworkSpec, TrainingConfig, TrainingResult, train, train_stacked


def _specs(arch: str, seeds: range, **kw) -> list[NetworkSpec]:
    hidden = kw.pop("hidden_size", 8)
    regime = kw.pop("regime", "master")
    training = (
        dict(max_steps=12, batch_size=16, eval_every=4, eval_trials=32, snapshot_every=3) | kw
    )
    return [
        NetworkSpec(
            task="pdm",
            arch=arch,
            seed=s,
            regime=regime,
            hidden_size=hidden,
            training=TrainingConfig(**training),
        )
        for s in seeds
    ]


def _assert_same(got: TrainingResult, want: TrainingResult, atol: float = 1e-5) -> None:
    """Same course of training; weights and losses equal to float tolerance (relative too:
    a network about to diverge has huge weights and losses)."""
    assert got.spec == want.spec
    assert (got.status, got.final_step) == (want.status, want.final_step)
    assert got.eval_steps == want.eval_steps
    assert got.eval_accuracy == want.eval_accuracy
    assert sorted(got.snapshots) == sorted(want.snapshots)
    for step, state in want.snapshots.items():
        assert list(got.snapshots[step]) == list(state)  # same keys, same order
        for name, value in state.items():
            torch.testing.assert_close(
                got.snapshots[step][name], value, atol=atol, rtol=atol, equal_nan=True
            )
    assert len(got.loss) == len(want.loss)
    for a, b in zip(got.loss, want.loss, strict=True):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=atol, abs_tol=atol)
    assert got.phases[0].keys() == want.phases[0].keys()
    assert got.phases[0]["eval_accuracy"] == want.phases[0]["eval_accuracy"]


@pytest.mark.parametrize(
    ("arch", "kw"),
    [
        ("leaky_rnn", {}),  # batch · hidden a multiple of 16: noise drawn in one call a seed
        ("gru", {}),
        ("leaky_rnn", {"batch_size": 5, "hidden_size": 3, "regime": "master_gain1p5"}),
        ("gru", {"batch_size": 5, "hidden_size": 3}),  # noise drawn per time step
    ],
)
def test_matches_train_per_seed(arch: str, kw: dict) -> None:
    specs = _specs(arch, range(3), **kw)
    for got, want in zip(train_stacked(specs), [train(s) for s in specs], strict=True):
        _assert_same(got, want)


def test_converged_seeds_leave_the_stack() -> None:
    """Seeds that reach the criterion stop; the others go on (optimizer state carried over),
    each as it would alone."""
    converging = _specs("gru", range(4), max_steps=30, eval_every=5, learning_rate=3e-2)
    converging = [replace(s, training=replace(s.training, target_accuracy=0.5)) for s in converging]
    results = train_stacked(converging)
    steps = {r.final_step for r in results if r.status == "converged"}
    assert len(steps) >= 2 and any(r.status == "budget_exhausted" for r in results)
    for got, spec in zip(results, converging, strict=True):
        _assert_same(got, train(spec))


def test_diverged_seeds_leave_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    """A seed whose loss is not finite stops with NaN appended and its weights from before
    that step; the others go on. The loss is made NaN on a batch whose first four trials all
    go one way — a property of the seed's own batch stream, the same in both trainings (real
    blow-ups pass through float32 overflow, where rounding decides which step turns inf)."""
    loss = PerceptualDecisionMaking.loss

    def poisoned(self, outputs: torch.Tensor, batch) -> torch.Tensor:
        first = batch.conditions["direction"][:4]
        return loss(self, outputs, batch) * (math.nan if abs(first.sum()) == 4 else 1.0)

    monkeypatch.setattr(PerceptualDecisionMaking, "loss", poisoned)
    specs = _specs("leaky_rnn", range(6), max_steps=10, eval_every=5)
    results = train_stacked(specs)
    stopped = sorted(r.final_step for r in results if r.status == "diverged")
    assert len(set(stopped)) >= 2 and any(r.status == "budget_exhausted" for r in results)
    for got, spec in zip(results, specs, strict=True):
        _assert_same(got, train(spec))


def test_bitwise_deterministic() -> None:
    specs = _specs("leaky_rnn", range(2, 5), hidden_size=16)
    first, second = train_stacked(specs), train_stacked(specs)
    for a, b in zip(first, second, strict=True):
        assert a.loss == b.loss and a.eval_accuracy == b.eval_accuracy
        assert sorted(a.snapshots) == sorted(b.snapshots)
        for step in a.snapshots:
            assert all(
                torch.equal(a.snapshots[step][n], b.snapshots[step][n]) for n in a.snapshots[step]
            )


def test_rejects_what_it_cannot_stack() -> None:
    (spec,) = _specs("leaky_rnn", range(1))
    with pytest.raises(ValueError, match="more than its seed"):
        train_stacked([spec, replace(spec, seed=1, hidden_size=9)])
    with pytest.raises(ValueError, match="repeat"):
        train_stacked([spec, spec])
    with pytest.raises(ValueError, match="supports"):
        train_stacked([replace(spec, arch="lstm")])
    with pytest.raises(ValueError, match="supports"):
        train_stacked([replace(spec, regime="multitask")])
    with pytest.raises(ValueError, match="at least one"):
        train_stacked([])


def test_old_module_path_still_works() -> None:
    import dynsim.stacked

    assert dynsim.stacked.train_stacked is train_stacked
