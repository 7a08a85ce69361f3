"""The tasks of the INSD study (Qian & Pehlevan 2025): regression targets, masked MSE.

Three tasks, each a seeded, vectorised batch generator with targets of shape
(trial, time, output), a loss mask over (trial, time), named epochs and per-trial condition
labels:

- ``flipflop`` — N-bit flip-flop (Sussillo & Barak 2013): :mod:`dynsim.tasks.insd.flipflop`;
- ``cdi`` — context-dependent integration (Mante et al. 2013): :mod:`dynsim.tasks.insd.cdi`;
- ``memorypro_analog`` — MemoryPro with an analog readout (Driscoll, Shenoy & Sussillo 2024):
  :mod:`dynsim.tasks.insd.memorypro`.

Their base classes (:class:`InsdTask`; the epoch tasks' ``_InsdEpochTask``) live in
:mod:`dynsim.tasks.insd.regression`.

Loss (all three): squared error averaged over outputs, weighted by the mask (× the decision
weight in the decision epoch of ``cdi`` and ``memorypro_analog``; 5 by default, as Yang et al.
2019 weight the response period) and normalised by the sum of weights.

Each task's ``ood_variants`` (a hook declared on :class:`~dynsim.tasks.base.Task`) names its
out-of-distribution versions (more noise, longer trials or delays, higher load) as parameter
overrides for :meth:`InsdTask.variant`.
"""

from dynsim.tasks.insd.cdi import ContextDependentIntegration
from dynsim.tasks.insd.flipflop import FlipFlop
from dynsim.tasks.insd.memorypro import MemoryProAnalog
from dynsim.tasks.insd.regression import EPOCHS, InsdTask

__all__ = [
    "EPOCHS",
    "ContextDependentIntegration",
    "FlipFlop",
    "InsdTask",
    "MemoryProAnalog",
]
