"""Angle codes of the Yang/Driscoll family: an angle θ (radians) and a strength s written into
a group of channels, and read back.

- ``ring`` (Yang et al. 2019): ``n_ring`` units with preferred angles 2πk/n_ring and Gaussian
  tuning on the circular distance d, s·exp(−d²/2w²);
- ``sincos`` (Driscoll et al. 2024): two channels s·(cos θ, sin θ).
"""

from __future__ import annotations

import math

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.base import TaskParameterError

ENCODINGS = ("ring", "sincos")
TWO_PI = 2 * math.pi


def encode_angle(
    angle: torch.Tensor,
    strength: torch.Tensor | float = 1.0,
    *,
    encoding: str = "ring",
    n_ring: int = 32,
    width: float = math.pi / 8,
) -> torch.Tensor:
    """Angles (…,) in radians and strengths (broadcastable) → codes (…, n_channels), float32.

    ``ring``: s·exp(−d²/2·width²) for each of ``n_ring`` preferred angles 2πk/n_ring, d the
    circular distance; ``sincos``: s·(cos θ, sin θ). A NaN angle (no stimulus) encodes to 0.
    """
    angle = torch.as_tensor(angle, dtype=torch.float64)
    strength = torch.as_tensor(strength, dtype=torch.float64).expand_as(angle)
    present = torch.isfinite(angle)
    angle = torch.where(present, angle, 0.0)
    strength = torch.where(present, strength, 0.0)
    if encoding == "sincos":
        code = torch.stack([torch.cos(angle), torch.sin(angle)], dim=-1)
    elif encoding == "ring":
        preferred = TWO_PI * torch.arange(n_ring, dtype=torch.float64) / n_ring
        distance = angular_distance(angle[..., None], preferred)
        code = torch.exp(-(distance**2) / (2 * width**2))
    else:
        raise TaskParameterError(
            "encoding", f"encoding must be one of {ENCODINGS}, got {encoding!r}"
        )
    return (strength[..., None] * code).float()


def decode_angle(code: torch.Tensor, *, encoding: str = "ring") -> torch.Tensor:
    """Codes (…, n_channels) → angles (…,) in [0, 2π): the population vector of a ring (its
    preferred angles are 2πk/n_channels) or atan2(sin, cos)."""
    if encoding == "sincos":
        cos, sin = code[..., 0], code[..., 1]
    elif encoding == "ring":
        n_ring = code.shape[-1]
        preferred = TWO_PI * torch.arange(n_ring, device=code.device, dtype=code.dtype) / n_ring
        cos = (code * torch.cos(preferred)).sum(-1)
        sin = (code * torch.sin(preferred)).sum(-1)
    else:
        raise TaskParameterError(
            "encoding", f"encoding must be one of {ENCODINGS}, got {encoding!r}"
        )
    angle = torch.remainder(torch.atan2(sin, cos), TWO_PI)
    return torch.where(angle >= TWO_PI, 0.0, angle)  # −tiny rounds up to 2π in float32


def angular_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """|a − b| on the circle, in [0, π]."""
    return (torch.remainder(a - b + math.pi, TWO_PI) - math.pi).abs()
