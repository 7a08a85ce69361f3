"""What a training run returns and what a checkpoint file holds: :class:`TrainingResult`.

Its own module so that the loop, the INSD deflation, recording and checkpoint IO can all name
it without importing one another.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from dynsim.spec import NetworkSpec

if TYPE_CHECKING:
    import torch


@dataclass
class TrainingResult:
    """What :func:`dynsim.training.train` returns; steps, snapshots and ``loss`` are of the
    recorded (last) phase.

    spec : the network trained.
    status : one of :data:`dynsim.spec.STATUSES`.
    final_step : optimizer steps run in the recorded phase (0 if untrained, or diverged in
        pretraining).
    snapshots : step → state dict (CPU tensors), every ``snapshot_every`` steps plus step 0 and
        ``final_step``.
    loss : the training loss at every step (NaN last if the run diverged).
    eval_steps, eval_accuracy : the steps at which the target task's accuracy was measured on
        its fixed evaluation batch, and that accuracy (fraction in [0, 1]).
    seconds : wall time of the run.
    phases : per phase: name, tasks, trainable, status, steps, loss, eval_steps, eval_accuracy
        (task → list) and, for an INSD link, penalty (one value per step); see
        :meth:`dynsim.training.PhaseLog.summary`.
    """

    spec: NetworkSpec
    status: str
    final_step: int
    snapshots: dict[int, dict[str, torch.Tensor]]
    loss: list[float]
    eval_steps: list[int]
    eval_accuracy: list[float]
    seconds: float
    # Empty in results written before curricula existed.
    phases: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain containers, numbers, strings and tensors only: what a checkpoint file holds
        (loadable with ``torch.load(..., weights_only=True)``)."""
        out = asdict(self)
        out["spec"] = self.spec.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingResult:
        """The inverse of :meth:`to_dict`."""
        data = dict(data)
        data["spec"] = NetworkSpec.from_dict(data["spec"])
        return cls(**data)
