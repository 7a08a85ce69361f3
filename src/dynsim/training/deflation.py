"""The INSD penalty inside training: link k of an Iterative Neural Similarity Deflation chain
(Qian & Pehlevan 2025; the maths is :mod:`dynsim.insd`) is trained on
L_task + λ Σ_{i<k} r²(R_k⊥ → R_i⊥), its earlier links running frozen, in eval mode, on the same
input batch at every step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from dynsim import models, tasks
from dynsim.insd.penalty import deflation_penalty, readout_null_space
from dynsim.regimes import insd_position
from dynsim.spec import InsdConfig, NetworkSpec

if TYPE_CHECKING:
    from dynsim.training.result import TrainingResult


class _Deflation:
    """The INSD penalty of one link against its chain's earlier links (frozen, eval mode)."""

    def __init__(self, config: InsdConfig, earlier: list[models.RecurrentNetwork]) -> None:
        self.config = config
        self.earlier = earlier
        self.bases = [readout_null_space(m.readout.weight) for m in earlier]

    def window(self, batch: tasks.TrialBatch, device: str) -> torch.Tensor:
        """Boolean (trial, time): the steps that enter the penalty."""
        keep = batch.mask.detach().to("cpu").numpy() > 0
        if self.config.window is not None:
            missing = [e for e in self.config.window if e not in batch.epochs]
            if missing:
                raise ValueError(f"INSD window: the task has no epoch(s) {missing}")
            labels = batch.epoch_labels()
            keep &= np.isin(labels, list(self.config.window))
        return torch.as_tensor(keep, device=device)

    def __call__(
        self, batch: tasks.TrialBatch, hidden: torch.Tensor, model: models.RecurrentNetwork
    ) -> torch.Tensor:
        keep = self.window(batch, hidden.device)
        if self.config.noise_free and model.training:
            model.eval()  # eval mode draws no noise, so the random stream is untouched
            try:
                hidden = model(batch.inputs)[1]
            finally:
                model.train()
        with torch.no_grad():
            old = [
                m(batch.inputs)[1][keep] @ basis
                for m, basis in zip(self.earlier, self.bases, strict=True)
            ]
        return deflation_penalty(
            hidden[keep],
            model.readout.weight,
            old,
            ridge=self.config.ridge,
            center=self.config.center,
        )


def _deflation(spec: NetworkSpec, previous: list[TrainingResult], device: str) -> _Deflation | None:
    """The penalty for an ``insd_<k>`` spec from its earlier links (None for link 0 and for
    every other regime); checks that ``previous`` are links 0..k−1 of a chain on the same task.

    Raises ValueError naming the specs when ``previous`` is not that chain, or one of them
    diverged.
    """
    k = insd_position(spec.regime)
    if k is None:
        if previous:
            raise ValueError(f"regime {spec.regime!r} takes no previous networks")
        return None
    positions = sorted(-1 if (j := insd_position(r.spec.regime)) is None else j for r in previous)
    if positions != list(range(k)):
        got = [r.spec.key for r in previous]
        wanted = [f"insd_{j}" for j in range(k)]
        raise ValueError(f"{spec.key} needs the earlier links {wanted} as previous; got {got}")
    for r in previous:
        if (r.spec.task, r.spec.task_params) != (spec.task, spec.task_params):
            raise ValueError(f"{r.spec.key} was trained on another task than {spec.key}")
        if r.spec.variant != spec.variant:
            raise ValueError(f"{r.spec.key} is of another grid variant than {spec.key}")
        if r.status == "diverged":
            raise ValueError(f"earlier link {r.spec.key} diverged; cannot deflate against it")
    if k == 0:
        return None
    earlier = []
    for r in sorted(previous, key=lambda r: insd_position(r.spec.regime)):
        model = r.spec.build_model()
        model.load_state_dict(r.snapshots[r.final_step])
        model.to(device).eval()
        for p in model.parameters():
            p.requires_grad_(False)
        earlier.append(model)
    return _Deflation(spec.insd or InsdConfig(), earlier)
