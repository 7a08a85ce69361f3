"""Iterative Neural Similarity Deflation (Qian & Pehlevan 2025): the penalty, differentiably.

Network k of a chain is trained on L_task + λ Σ_{i<k} r²(R_k⊥ → R_i⊥), where R⊥ is a
network's activity projected onto the null space of its own readout (the part that does not
drive the output) and r² is ridge linear predictivity from the new network to an old one:

    r²(X → Y) = ‖U Y‖²_F / ‖Y‖²_F,   U = X (XᵀX + ρ I)⁻¹ Xᵀ,

with X (n × p) the new network's and Y (n × q) the old one's activity on the same n samples
(trial × time in a window), optionally column-centred. U is never formed: with
C = XᵀX + ρI (p × p), U Y = X C⁻¹ (XᵀY), so the cost is O(n p² + n p q) and no n × n matrix
exists. The direction new → old matters: copying the old solution and adding junk dimensions
still predicts it perfectly, so it cannot lower the penalty.

The r² here (:func:`in_sample_r2`) is fitted and scored on the same samples, in closed form,
so that it can be differentiated during training. It is *not* the cross-validated metric
:class:`dynsim.metrics.LinearPredictivity` (registered as ``linear_predictivity``), which the
analysis battery uses to measure predictivity after training; the old name of this function,
``linear_predictivity``, is kept as a deprecated alias.
"""

from __future__ import annotations

import torch

__all__ = [
    "deflation_penalty",
    "in_sample_r2",
    "linear_predictivity",
    "project_null",
    "readout_null_space",
]


def readout_null_space(readout_weight: torch.Tensor, tol: float = 1e-10) -> torch.Tensor:
    """Orthonormal basis (unit × k) of the null space of a readout W (out × unit).

    Singular values below ``tol`` × the largest count as zero, so k = unit − rank(W).
    """
    _, singular, vh = torch.linalg.svd(readout_weight.detach(), full_matrices=True)
    rank = int((singular > tol * singular.max().clamp_min(1e-300)).sum())
    return vh[rank:].T


def project_null(hidden: torch.Tensor, readout_weight: torch.Tensor) -> torch.Tensor:
    """R⊥: activity (…, unit) projected onto the readout's null space, in those coordinates."""
    return hidden @ readout_null_space(readout_weight)


def in_sample_r2(
    new: torch.Tensor, old: torch.Tensor, ridge: float = 1e-3, center: bool = True
) -> torch.Tensor:
    """In-sample ridge r²(new → old) in closed form (module docstring); differentiable in
    ``new``. A scalar tensor in [0, 1].

    ``new`` (n × p) and ``old`` (n × q) are samples × units (flatten trial × time first).
    ``ridge`` is ρ > 0 relative to the mean eigenvalue of XᵀX, so it means the same at any
    activity scale. ``center`` removes each column's mean first. Raises ValueError for a
    ridge ≤ 0 or different sample counts.
    """
    if ridge <= 0:
        raise ValueError(f"ridge must be positive, got {ridge}")
    if new.shape[0] != old.shape[0]:
        raise ValueError(f"sample counts differ: {new.shape[0]} vs {old.shape[0]}")
    if center:
        new = new - new.mean(0, keepdim=True)
        old = old - old.mean(0, keepdim=True)
    gram = new.T @ new
    rho = ridge * torch.diagonal(gram).mean().clamp_min(1e-12)
    system = gram + rho * torch.eye(gram.shape[0], dtype=gram.dtype, device=gram.device)
    predicted = new @ torch.linalg.solve(system, new.T @ old)  # U Y without an n × n matrix
    return (predicted**2).sum() / (old**2).sum().clamp_min(1e-300)


#: Deprecated alias of :func:`in_sample_r2` (its name before 0.2, easily confused with the
#: cross-validated metric ``linear_predictivity``); remove after 0.2.
linear_predictivity = in_sample_r2


def deflation_penalty(
    new_hidden: torch.Tensor,
    new_readout: torch.Tensor,
    old_null_activity: list[torch.Tensor],
    ridge: float = 1e-3,
    center: bool = True,
) -> torch.Tensor:
    """Σ_i r²(R_new⊥ → R_i⊥) for the new network's hidden (trial, time, unit) against the
    earlier networks' fixed null-space activity (each (trial, time, k_i), no gradient).

    ``new_readout`` is the new network's readout weight (out × unit); ``ridge`` and
    ``center`` as in :func:`in_sample_r2`. A scalar tensor, differentiable in the new
    network's hidden activity (the null-space basis of its readout is held fixed).
    """
    null_new = project_null(new_hidden, new_readout)
    null_new = null_new.reshape(-1, null_new.shape[-1])
    total = new_hidden.new_zeros(())
    for old in old_null_activity:
        total = total + in_sample_r2(
            null_new, old.detach().reshape(-1, old.shape[-1]), ridge=ridge, center=center
        )
    return total
