"""Fixed and slow points of trained networks, classified by their Jacobian's spectrum.

:func:`find_fixed_points` is the finder for one model (moved here from ``dynsim.dynamics``);
:func:`fixed_point_analysis` is the battery's analysis: every network's fixed points at each
of its task's constant inputs (:meth:`dynsim.tasks.Task.fixed_point_inputs`), from states
sampled along its test trajectories, counted by stability.

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

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import xarray as xr

from dynsim import tasks
from dynsim.insd.networks import Network, network_coords

__all__ = [
    "KINDS",
    "FixedPoints",
    "find_fixed_points",
    "fixed_point_analysis",
    "fixed_point_inputs",
]

#: The stability classes of a fixed point, in the order of the analysis' counts.
KINDS: tuple[str, ...] = ("stable", "saddle", "unstable", "marginal")


@dataclass
class FixedPoints:
    """Points found by :func:`find_fixed_points` (all arrays over points first)."""

    points: np.ndarray  # (point, unit)
    speed: np.ndarray  # q(h) at each point
    eigenvalues: np.ndarray  # (point, unit) complex, sorted by decreasing modulus
    kind: np.ndarray  # "stable" | "saddle" | "unstable" | "marginal"

    def counts(self) -> dict[str, int]:
        """Number of points of each kind found (kinds with none are absent)."""
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

    ``initial_states`` is (start, unit); ``constant_input`` is (input,); ``noise`` adds
    Gaussian jitter of that std to the starts (seeded) so that starts on a trajectory do not
    all fall into the same basin. Optimises in float64 on a copy of the model in eval mode
    (Adam, ``steps`` steps at ``learning_rate``, then Newton polishing). Raises TypeError
    for an architecture whose state is not the hidden vector (LSTM, Mamba).
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


# -- the battery's analysis ------------------------------------------------------------------
def fixed_point_inputs(task: tasks.Task) -> dict[str, np.ndarray]:
    """The task's constant inputs for the finder: :meth:`dynsim.tasks.Task.fixed_point_inputs`
    (its own, else all zeros)."""
    return task.fixed_point_inputs()


def fixed_point_analysis(
    networks: Sequence[Network],
    *,
    n_starts: int = 128,
    steps: int = 500,
    learning_rate: float = 1e-2,
    noise: float = 0.0,
    tolerance: float = 1e-10,
    n_repeats: int = 4,
    seed: int = 0,
) -> xr.Dataset:
    """Fixed points of every network at each of its task's constant inputs.

    Starts: ``n_starts`` hidden states drawn (seeded) from the test-set trajectories. Returns
    ``count`` (network, input, kind) and, in long form over ``point``, every point with its
    network, input, kind, speed q and largest eigenvalue modulus. Architectures whose state
    is not the hidden vector (LSTM, Mamba) get NaN counts and a ``status``.
    """
    rng = np.random.default_rng(seed)
    input_names = sorted({k for n in networks for k in fixed_point_inputs(n.task())})
    counts = np.full((len(networks), len(input_names), len(KINDS)), np.nan)
    status = np.full(len(networks), "", dtype=object)
    rows: dict[str, list[Any]] = {k: [] for k in ("network", "input", "kind", "speed", "radius")}
    points: list[np.ndarray] = []
    for i, net in enumerate(networks):
        hidden = net.activity(n_repeats, seed)["hidden"].reshape(-1, net.spec.hidden_size)
        picks = rng.choice(len(hidden), size=min(n_starts, len(hidden)), replace=False)
        for name, x in fixed_point_inputs(net.task()).items():
            try:
                found = find_fixed_points(
                    net.model(),
                    hidden[picks],
                    x,
                    steps=steps,
                    learning_rate=learning_rate,
                    tolerance=tolerance,
                    noise=noise,
                    seed=seed,
                )
            except TypeError as err:
                status[i] = str(err)
                break
            c = found.counts()
            counts[i, input_names.index(name)] = [c.get(k, 0) for k in KINDS]
            for p, q, ev, kind in zip(
                found.points, found.speed, found.eigenvalues, found.kind, strict=True
            ):
                points.append(p)
                rows["network"].append(net.name)
                rows["input"].append(name)
                rows["kind"].append(str(kind))
                rows["speed"].append(float(q))
                rows["radius"].append(float(np.abs(ev).max()))
    width = max([len(p) for p in points], default=1)
    point_array = np.full((len(points), width), np.nan)
    for k, p in enumerate(points):
        point_array[k, : len(p)] = p
    return xr.Dataset(
        {
            "count": (("network", "input", "kind"), counts),
            "status": ("network", status),
            "points": (("point", "unit"), point_array),
            "speed": ("point", np.array(rows["speed"], dtype=float)),
            "radius": ("point", np.array(rows["radius"], dtype=float)),
        },
        coords={
            "network": np.array([n.name for n in networks], dtype=object),
            "input": np.array(input_names, dtype=object),
            "kind": np.array(KINDS, dtype=object),
            "point_network": ("point", np.array(rows["network"], dtype=object)),
            "point_input": ("point", np.array(rows["input"], dtype=object)),
            "point_kind": ("point", np.array(rows["kind"], dtype=object)),
            **network_coords(networks, "network"),
        },
        attrs={
            "analysis": "fixed_points",
            "n_starts": n_starts,
            "steps": steps,
            "learning_rate": learning_rate,
            "tolerance": tolerance,
            "n_repeats": n_repeats,
            "seed": seed,
        },
    )
