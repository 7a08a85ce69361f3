"""A Mamba-style selective state-space model in plain PyTorch (runs on CPU; no CUDA kernels).

Our own implementation of the architecture of Gu & Dao (2023), small and readable rather than
fast. Per time step t and channel i of a block, with input u_t (trial, d_model):

    x_t, z_t   = split(W_in · RMSNorm(u_t))               (each d_inner = expand · d_model)
    x_t        = SiLU(causal depthwise conv over time of x, kernel d_conv)
    Δ_t, B_t, C_t = softplus(W_Δ · W_x x_t + b_Δ), W_B x_t, W_C x_t      (selective: depend on x)
    s_t[i]     = exp(Δ_t[i] A[i]) ⊙ s_{t−1}[i] + Δ_t[i] B_t x_t[i]     (A[i] < 0, d_state values)
    y_t[i]     = ⟨C_t, s_t[i]⟩ + D[i] x_t[i]
    u_{t+1}    = u_t + W_out (y_t ⊙ SiLU(z_t))                          (residual stream)

Layers are stacked; the network input is first embedded by a linear map (``embed``) and the
readout reads RMSNorm of the last residual stream.

Which internal state is "hidden" (the (trial, time, unit) trajectory this network returns):
by default (``hidden="output"``) the normalised residual stream after the last block, i.e. the
d_model-dimensional vector the linear readout reads — the analogue of an RNN's hidden state and
what Guilhot et al. compared. With ``hidden="ssm_state"`` it is the last block's selective-scan
state s_t flattened to d_inner · d_state units (the model's true recurrent memory; the readout
still reads the residual stream). The conv buffer (the last d_conv − 1 inputs) is not recorded.

The discretisation step Δ is learned and input dependent; the task's dt and τ do not enter
(they are accepted for the shared interface). Input weights (trainable in "frozen" regimes):
the embedding ``embed``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from dynsim.models.base import RecurrentNetwork

HIDDEN_CHOICES = ("output", "ssm_state")


class RMSNorm(nn.Module):
    """x / rms(x) · g, with a learned gain g per feature."""

    def __init__(self, n: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class SelectiveSSMBlock(nn.Module):
    """One pre-norm residual block: gated selective scan (see the module docstring)."""

    def __init__(
        self,
        d_model: int,
        d_state: int = 16,
        d_conv: int = 4,
        expand: int = 2,
        dt_min: float = 1e-3,
        dt_max: float = 0.1,
    ) -> None:
        super().__init__()
        if min(d_state, d_conv, expand) < 1:
            raise ValueError("d_state, d_conv and expand must be ≥ 1")
        if not 0 < dt_min <= dt_max:
            raise ValueError(f"need 0 < dt_min ≤ dt_max, got {dt_min}, {dt_max}")
        d_inner = expand * d_model
        self.d_inner, self.d_state, self.d_conv = d_inner, d_state, d_conv
        self.dt_rank = max(1, math.ceil(d_model / 16))
        self.norm = RMSNorm(d_model)
        self.in_proj = nn.Linear(d_model, 2 * d_inner, bias=False)
        self.conv = nn.Conv1d(d_inner, d_inner, d_conv, groups=d_inner, padding=d_conv - 1)
        self.x_proj = nn.Linear(d_inner, self.dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(self.dt_rank, d_inner)
        # Δ starts log-uniform in [dt_min, dt_max]: the bias is softplus⁻¹ of the drawn value.
        with torch.no_grad():
            dt = torch.exp(
                torch.rand(d_inner) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)
            )
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))
        # A[i, n] = −(n + 1): a spread of decay rates per channel (S4D-real initialisation).
        a = torch.arange(1, d_state + 1, dtype=torch.float32).repeat(d_inner, 1)
        self.A_log = nn.Parameter(torch.log(a))
        self.D = nn.Parameter(torch.ones(d_inner))
        self.out_proj = nn.Linear(d_inner, d_model, bias=False)

    def forward(
        self, u: torch.Tensor, keep_state: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """u (trial, time, d_model) → (u + block(u), SSM states (trial, time, d_inner, d_state)
        if ``keep_state`` else None)."""
        n_steps = u.shape[1]
        x, z = self.in_proj(self.norm(u)).chunk(2, dim=-1)
        x = F.silu(self.conv(x.transpose(1, 2))[..., :n_steps].transpose(1, 2))
        dt_low, b, c = self.x_proj(x).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = F.softplus(self.dt_proj(dt_low))  # (trial, time, d_inner)
        a = -torch.exp(self.A_log)  # (d_inner, d_state)
        decay = torch.exp(delta[..., None] * a)  # (trial, time, d_inner, d_state)
        drive = (delta * x)[..., None] * b[:, :, None, :]
        state = u.new_zeros(u.shape[0], self.d_inner, self.d_state)
        ys, states = [], []
        # unbind (not indexing) so that the backward pass stacks gradients once instead of
        # scattering each step's gradient into a full-size zero tensor (quadratic in time).
        for decay_t, drive_t, c_t in zip(
            decay.unbind(1), drive.unbind(1), c[:, :, None, :].unbind(1), strict=True
        ):
            state = decay_t * state + drive_t
            ys.append((state * c_t).sum(-1))
            if keep_state:
                states.append(state)
        y = torch.stack(ys, dim=1) + self.D * x
        out = u + self.out_proj(y * F.silu(z))
        return out, (torch.stack(states, dim=1) if keep_state else None)


class Mamba(RecurrentNetwork):
    """Embedding → ``n_layers`` selective SSM blocks → RMSNorm → linear readout.

    ``n_hidden`` is d_model (the residual stream's width). See the module docstring for the
    equations and for which state is returned as "hidden" (``hidden``).
    """

    arch = "mamba"

    def __init__(
        self,
        n_input: int,
        n_hidden: int,
        n_output: int,
        *,
        dt: float = 20.0,
        tau: float = 100.0,
        n_layers: int = 1,
        d_state: int = 16,
        d_conv: int = 4,
        expand: int = 2,
        hidden: str = "output",
    ) -> None:
        super().__init__(n_input, n_hidden, n_output, dt, tau)
        if n_layers < 1:
            raise ValueError(f"n_layers must be ≥ 1, got {n_layers}")
        if hidden not in HIDDEN_CHOICES:
            raise ValueError(f"hidden must be one of {HIDDEN_CHOICES}, got {hidden!r}")
        self.hidden_kind = hidden
        self.embed = nn.Linear(n_input, n_hidden)
        self.layers = nn.ModuleList(
            SelectiveSSMBlock(n_hidden, d_state=d_state, d_conv=d_conv, expand=expand)
            for _ in range(n_layers)
        )
        self.norm_f = RMSNorm(n_hidden)

    def forward(
        self, inputs: torch.Tensor, hidden0: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if hidden0 is not None:
            raise ValueError("Mamba starts from a zero state; hidden0 is not supported")
        u = self.embed(inputs)
        ssm_state = None
        for k, layer in enumerate(self.layers):
            last = k == len(self.layers) - 1
            u, ssm_state = layer(u, keep_state=last and self.hidden_kind == "ssm_state")
        features = self.norm_f(u)
        outputs = self.readout(features)
        if ssm_state is not None:
            return outputs, ssm_state.flatten(2)
        return outputs, features

    def input_parameters(self) -> list[nn.Parameter]:
        return list(self.embed.parameters())
