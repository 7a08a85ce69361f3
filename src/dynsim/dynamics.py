"""Fixed and slow points of a trained network, classified by their Jacobian's spectrum.

For a network with state update h_{t+1} = F(h_t, x) at a constant input x, the finder
minimises the speed

    q(h) = ½ ‖F(h, x) − h‖²

from many starting states (usually sampled along recorded trajectories), all at once in one
batched optimisation. Points with q below ``tolerance`` are fixed points; those below
``slow_tolerance`` are kept as slow points. Duplicates (closer than ``merge_distance``) are
merged. Each point is classified from the eigenvalues λ of the Jacobian ∂F/∂h at the point
(a discrete-time map): ``stable`` when every |λ| < 1, ``unstable`` when every |λ| > 1, else
``saddle`` (|λ| = 1 within ``marginal_tol`` counts as ``marginal``: a line or ring attractor).

Works for any dynsim architecture whose state is the hidden vector itself (``step(x, h)``
with ``h`` a tensor: leaky RNN, GRU). Architectures with a compound state (LSTM: (h, c);
Mamba) are rejected with a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class FixedPoints:
    """Points found by :func:`find_fixed_points` (all arrays over points first)."""

    points: np.ndarray  # (point, unit)
    speed: np.ndarray  # q(h) at each point
    eigenvalues: np.ndarray  # (point, unit) complex, sorted by decreasing modulus
    kind: np.ndarray  # "stable" | "saddle" | "unstable" | "marginal"

    def counts(self) -> dict[str, int]:
        kinds, counts = np.unique(self.kind, return_counts=True)
        return {str(k): int(c) for k, c in zip(kinds, counts, strict=True)}

    def __len__(self) -> int:
        return len(self.points)


def find_fixed_points(
    model: torch.nn.Module,
    initial_states: np.ndarray | torch.Tensor,
    constant_input: np.ndarray | torch.Tensor,
    *,
    steps: int = 2000,
    learning_rate: float = 1e-2,
    tolerance: float = 1e-10,
    merge_distance: float = 1e-3,
    marginal_tol: float = 1e-3,
    seed: int = 0,
    noise: float = 0.0,
) -> FixedPoints:
    """Fixed points of ``model.step`` at ``constant_input`` (see the module docstring).

    ``initial_states`` is (start, unit); ``noise`` adds Gaussian jitter of that std to them
    (seeded) so that starts on a trajectory do not all fall into the same basin.
    """
    generator = torch.Generator().manual_seed(seed)
    starts = torch.as_tensor(np.asarray(initial_states), dtype=torch.float64)
    if noise > 0:
        starts = starts + noise * torch.randn(
            starts.shape, generator=generator, dtype=torch.float64
        )
    x = torch.as_tensor(np.asarray(constant_input), dtype=torch.float64).reshape(1, -1)
    model = _float64_copy(model)
    _check_state_is_hidden(model, x, starts[:1])

    hidden = starts.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([hidden], lr=learning_rate)
    inputs = x.expand(len(hidden), -1)
    for _ in range(steps):
        optimizer.zero_grad()
        speed = 0.5 * ((model.step(inputs, hidden) - hidden) ** 2).sum(-1)
        speed.sum().backward()
        optimizer.step()
    # Polish with Newton steps on F(h) − h = 0 where the Jacobian allows: exact to machine
    # precision for points already in the basin.
    with torch.no_grad():
        polished = hidden.detach().clone()
    for _ in range(20):
        polished = _newton_step(model, x, polished)
    with torch.no_grad():
        final_speed = 0.5 * ((model.step(inputs, polished) - polished) ** 2).sum(-1)
    keep = torch.isfinite(final_speed) & (final_speed < tolerance)
    points = polished[keep].numpy()
    speed = final_speed[keep].numpy()
    points, speed = _merge(points, speed, merge_distance)
    eigenvalues = (
        np.stack([_jacobian_eigenvalues(model, x, p) for p in points])
        if len(points)
        else np.zeros((0, starts.shape[1]), dtype=complex)
    )
    kind = np.array([_classify(ev, marginal_tol) for ev in eigenvalues], dtype=object)
    return FixedPoints(points=points, speed=speed, eigenvalues=eigenvalues, kind=kind)


def _float64_copy(model: torch.nn.Module) -> torch.nn.Module:
    import copy

    clone = copy.deepcopy(model).double()
    clone.eval()  # no noise
    for parameter in clone.parameters():
        parameter.requires_grad_(False)
    return clone


def _check_state_is_hidden(model: torch.nn.Module, x: torch.Tensor, h: torch.Tensor) -> None:
    try:
        out = model.step(x, h)
    except (NotImplementedError, TypeError, AttributeError, ValueError) as err:
        raise TypeError(
            f"{type(model).__name__} has no step(x, hidden) on a hidden-vector state: "
            "the fixed-point finder supports leaky RNN and GRU-type architectures"
        ) from err
    if not isinstance(out, torch.Tensor) or out.shape != h.shape:
        raise TypeError(f"{type(model).__name__}'s state is not the hidden vector")


def _newton_step(model: torch.nn.Module, x: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
    def residual(h: torch.Tensor) -> torch.Tensor:
        return model.step(x, h[None])[0] - h

    out = []
    for h in hidden:
        jac = torch.autograd.functional.jacobian(residual, h)
        r = residual(h)
        try:
            delta = torch.linalg.solve(jac, r)
        except RuntimeError:  # singular: keep the optimiser's answer
            out.append(h)
            continue
        candidate = h - delta
        better = (residual(candidate) ** 2).sum() < (r**2).sum()
        out.append(candidate if better else h)
    return torch.stack(out)


def _jacobian_eigenvalues(model: torch.nn.Module, x: torch.Tensor, point: np.ndarray) -> np.ndarray:
    h = torch.as_tensor(point, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda v: model.step(x, v[None])[0], h).numpy()
    eigenvalues = np.linalg.eigvals(jac)
    return eigenvalues[np.argsort(-np.abs(eigenvalues))]


def _classify(eigenvalues: np.ndarray, marginal_tol: float) -> str:
    modulus = np.abs(eigenvalues)
    if np.any(np.abs(modulus - 1) <= marginal_tol):
        return "marginal"
    if np.all(modulus < 1):
        return "stable"
    if np.all(modulus > 1):
        return "unstable"
    return "saddle"


def _merge(points: np.ndarray, speed: np.ndarray, distance: float) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(speed)
    kept: list[int] = []
    for k in order:
        if all(np.linalg.norm(points[k] - points[j]) > distance for j in kept):
            kept.append(k)
    kept_arr = np.array(kept, dtype=int)
    return points[kept_arr], speed[kept_arr]
