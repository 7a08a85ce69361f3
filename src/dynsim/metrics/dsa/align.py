r"""The alignment optimiser of DSA: max_{C ∈ O(r)} ⟨A, C B Cᵀ⟩ for batches of operator pairs.

The problem is non-convex with many local optima (a few tens among a hundred random starts
for unrelated rank-20 operators). :func:`align_operators` uses closed-form starts that are
exact for conjugate pairs (B = QᵀAQ) plus seeded random starts, optimises all pairs × starts
together as one batched tensor program on the orthogonal group (both determinants) by a
Riemannian L-BFGS ascent (:func:`_maximise`), and keeps the best.

This module imports torch at module level; :mod:`dynsim.metrics.dsa` imports it only when an
alignment is computed, so that ``import dynsim.metrics`` stays torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

# Elements (pairs × starts) × r² processed per tensor program on CPU (keeps tensors in cache).
_CPU_CHUNK_FLOATS = 1 << 19
_GPU_CHUNK_FLOATS = 1 << 26
# Stopping rules of the float32 search and of the float64 polish; starts polished per pair.
_SEARCH = {"gtol": 1e-5, "ftol": 1e-5, "stall": 5}
_N_REFINE = 4
_REFINE = {"gtol": 1e-6, "ftol": 1e-8, "stall": 15}
_POLISH = {"ftol": 1e-12, "stall": 10}
_POLISH_MAX_ITER = 100


def _bdot(X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Frobenius inner products of two (N, r, r) stacks → (N,)."""
    n = X.shape[0]
    return torch.linalg.vecdot(X.reshape(n, -1), Y.reshape(n, -1))


def _value_and_gradient(
    A: torch.Tensor, B: torch.Tensor, C: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """f = ⟨A, CBCᵀ⟩ and g = −Ω, minus its Riemannian gradient for the update C ← exp(tΩ)C.

    With M = CBCᵀ, Ω = skew(AMᵀ − MᵀA); with G = MAᵀ + MᵀA, Ω = (Gᵀ − G)/2 and
    f = tr(G)/2.
    """
    M = torch.bmm(torch.bmm(C, B), C.transpose(-1, -2))
    G = torch.baddbmm(torch.bmm(M, A.transpose(-1, -2)), M.transpose(-1, -2), A)
    f = 0.5 * torch.diagonal(G, dim1=-2, dim2=-1).sum(-1)
    return f, torch.sub(G, G.transpose(-1, -2)).mul_(0.5)


def _newton_schulz(Y: torch.Tensor, steps: int) -> torch.Tensor:
    """Polar factor of a nearly orthogonal Y: Y ← Y(3I − YᵀY)/2 (quadratic convergence)."""
    for _ in range(steps):
        Y = torch.baddbmm(Y, Y, torch.bmm(Y.transpose(-1, -2), Y), beta=1.5, alpha=-0.5)
    return Y


def _polar(C: torch.Tensor) -> torch.Tensor:
    U, _, Vh = torch.linalg.svd(C)
    return U @ Vh


def _blend(mask: torch.Tensor, new: torch.Tensor, old: torch.Tensor) -> torch.Tensor:
    """where(mask, new, old) over the leading dim, skipping the work when mask is uniform."""
    if bool(mask.all()):
        return new
    if not bool(mask.any()):
        return old
    return torch.where(mask.view((-1,) + (1,) * (new.ndim - 1)), new, old)


def _keep_rejected(mask: torch.Tensor, new: torch.Tensor, old: torch.Tensor) -> torch.Tensor:
    """where(mask, new, old) by patching the (usually few) rows of ``new`` where mask is False.

    ``new`` is modified in place and returned.
    """
    if bool(mask.all()):
        return new
    rej = torch.nonzero(~mask).flatten()
    return new.index_copy_(0, rej, old.index_select(0, rej))


def _shift_in(
    hist: list[torch.Tensor], new: torch.Tensor, mask: torch.Tensor
) -> list[torch.Tensor]:
    """A history (oldest first) with ``new`` appended and its oldest entry dropped in the
    rows where ``mask`` holds; the other rows keep their entries in their places.

    Tensors of ``hist`` (from the second on) and ``new`` are modified in place and reused.
    """
    out = [*hist[1:], new]
    if bool(mask.all()):
        return out
    rej = torch.nonzero(~mask).flatten()
    kept = [t.index_select(0, rej) for t in hist]  # before any tensor is overwritten
    for t, rows in zip(out, kept, strict=True):
        t.index_copy_(0, rej, rows)
    return out


def _maximise(
    A: torch.Tensor,
    B: torch.Tensor,
    C: torch.Tensor,
    *,
    max_iter: int,
    gtol: float,
    ftol: float,
    stall: int,
    memory: int = 4,
    max_step: float = 0.5,
    check_every: int = 5,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Batched Riemannian L-BFGS ascent of f(C) = ⟨A, CBCᵀ⟩ over C ∈ O(r).

    A, B, C are (N, r, r) of one dtype; each of the N problems runs independently (its own
    history, step and stopping rule); finished problems leave the batch. Steps are
    C ← polar((I + X)C) with X skew (a second-order retraction; the polar factor by
    Newton–Schulz, accurate to the working precision since ‖X‖_F ≤ ``max_step``), accepted
    under an Armijo condition, else shortened. Gradients at different points are compared in
    the common left-trivialised frame (skew matrices). A problem stops when ‖Ω‖_F < gtol, when
    f has not risen by more than ftol·(1 + |f|) for ``stall`` iterations, or after
    ``max_iter`` iterations. Returns (C, f, iterations).
    """
    N = A.shape[0]
    dev, dt = A.device, A.dtype
    out_C = C.clone()
    out_f = torch.empty(N, dtype=dt, device=dev)
    out_it = torch.zeros(N, dtype=torch.long, device=dev)
    if N == 0:
        return out_C, out_f, out_it
    idx = torch.arange(N, device=dev)
    f, g = _value_and_gradient(A, B, C)  # g: gradient of F = −f, which is minimised
    # History of steps s and gradient changes y, newest last, with ρ = 1/⟨s, y⟩.
    S_hist: list[torch.Tensor] = []
    Y_hist: list[torch.Tensor] = []
    rho: list[torch.Tensor] = []
    gamma = torch.full((N,), 0.5, dtype=dt, device=dev)
    tau = torch.ones(N, dtype=dt, device=dev)
    D = g  # D = H g, H the L-BFGS inverse-Hessian estimate; the step is −τD
    newdir = torch.ones(N, dtype=torch.bool, device=dev)
    best = f.clone()
    since = torch.zeros(N, dtype=torch.long, device=dev)
    it = 0
    while idx.numel() > 0:
        it += 1
        # --- L-BFGS direction (two-loop recursion), where the last step was accepted.
        if S_hist:
            q = g
            alphas = []
            newest_first = zip(reversed(S_hist), reversed(Y_hist), reversed(rho), strict=True)
            for k, (s_k, y_k, rho_k) in enumerate(newest_first):
                a = rho_k * _bdot(s_k, q)
                if k == 0:
                    q = torch.addcmul(g, a.view(-1, 1, 1), y_k, value=-1.0)
                else:
                    q.addcmul_(a.view(-1, 1, 1), y_k, value=-1.0)
                alphas.append(a)
            q.mul_(gamma.view(-1, 1, 1))
            oldest_first = zip(S_hist, Y_hist, rho, reversed(alphas), strict=True)
            for s_k, y_k, rho_k, a in oldest_first:
                b = rho_k * _bdot(y_k, q)
                q.addcmul_((a - b).view(-1, 1, 1), s_k)
            downhill = _bdot(g, q) > 0
            if not bool(downhill.all()):
                q = torch.where(downhill.view(-1, 1, 1), q, gamma.view(-1, 1, 1) * g)
        else:
            q = gamma.view(-1, 1, 1) * g
        D = _blend(newdir, q, D)
        tau = _blend(newdir, torch.ones_like(tau), tau)
        slope = -_bdot(g, D)  # dF/dτ along −D, < 0
        # --- step, capped so that the retraction stays accurate.
        dnorm = torch.linalg.vector_norm(D.reshape(D.shape[0], -1), dim=1)
        tau = torch.minimum(tau, max_step / dnorm.clamp_min(1e-30))
        X = D * (-tau).view(-1, 1, 1)
        xn2 = (tau * dnorm) ** 2
        Cn = _newton_schulz(torch.baddbmm(C, X, C), 1)
        # Extra Newton–Schulz steps per problem, decided by its own step length: a count
        # taken from the batch (e.g. its largest step) would make a pair's result depend on
        # which other pairs share its batch.
        more = xn2 > 2e-3
        if bool(more.any()):
            Cn[more] = _newton_schulz(Cn[more], 1)
            most = xn2 >= 0.05
            if bool(most.any()):
                Cn[most] = _newton_schulz(Cn[most], 1)
        fn, gn = _value_and_gradient(A, B, Cn)
        ok = fn >= f - 1e-4 * tau * slope  # Armijo on F = −f
        # --- history update (accepted steps with positive curvature).
        y = gn.sub(g)
        sy = _bdot(X, y)
        yy = _bdot(y, y)
        upd = ok & (sy > 1e-12 * torch.sqrt(xn2 * yy))
        if bool(upd.any()):
            # Each problem keeps its own newest-``memory`` history: where this step is not
            # stored the problem's history stays exactly as it was, so a problem's path is
            # the same whichever problems share its batch (a slot of zeros, ρ = 0, is an exact
            # no-op in the two-loop recursion).
            if len(S_hist) < memory:
                S_hist.insert(0, torch.zeros_like(X))
                Y_hist.insert(0, torch.zeros_like(y))
                rho.insert(0, torch.zeros_like(sy))
            S_hist = _shift_in(S_hist, X, upd)
            Y_hist = _shift_in(Y_hist, y, upd)
            rho = _shift_in(rho, 1.0 / torch.where(upd, sy, 1.0), upd)
            gamma = torch.where(upd, sy / yy.clamp_min(1e-30), gamma)
        C = _keep_rejected(ok, Cn, C)
        g = _keep_rejected(ok, gn, g)
        f = torch.where(ok, fn, f)
        newdir = ok
        tau = torch.where(ok, tau, 0.25 * tau)
        improved = f > best + ftol * (1.0 + best.abs())
        best = torch.maximum(best, f)
        since = torch.where(improved, torch.zeros_like(since), since + 1)
        if it % check_every == 0 or it >= max_iter:
            gnorm = torch.linalg.vector_norm(g.reshape(g.shape[0], -1), dim=1)
            done = (gnorm < gtol) | (since >= stall)
            if it >= max_iter:
                done = torch.ones_like(done)
            if bool(done.any()):
                di = idx[done]
                out_C[di] = C[done]
                out_f[di] = f[done]
                out_it[di] = it
                keep = ~done
                idx = idx[keep]
                A, B, C, f, g, D = A[keep], B[keep], C[keep], f[keep], g[keep], D[keep]
                S_hist = [t[keep] for t in S_hist]
                Y_hist = [t[keep] for t in Y_hist]
                rho = [t[keep] for t in rho]
                gamma, tau, newdir = gamma[keep], tau[keep], newdir[keep]
                best, since = best[keep], since[keep]
    return out_C, out_f, out_it


def _sign_fix(At: torch.Tensor, Bt: torch.Tensor) -> torch.Tensor:
    """Signs d ∈ {±1}^r (approximately) maximising Σ_ij At_ij Bt_ij d_i d_j, batched.

    Spectral relaxation (sign of the leading eigenvector of the symmetrised W = At∘Bt, which
    is exact when W = D|W|D with |W| irreducible, i.e. for conjugate pairs), then greedy
    single flips while any improves the objective.
    """
    W = At * Bt
    W = 0.5 * (W + W.transpose(-1, -2))
    W = W - torch.diag_embed(torch.diagonal(W, dim1=-2, dim2=-1))
    _, vecs = torch.linalg.eigh(W)
    d = torch.where(vecs[..., -1] >= 0, 1.0, -1.0).to(At.dtype)
    rows = torch.arange(d.shape[0], device=d.device)
    for _ in range(d.shape[-1]):
        gain = -4.0 * d * torch.bmm(W, d.unsqueeze(-1)).squeeze(-1)
        best_gain, i = gain.max(dim=-1)
        act = best_gain > 1e-12
        if not bool(act.any()):
            break
        d[rows[act], i[act]] *= -1.0
    return d


def _eigenbases(ops: torch.Tensor) -> torch.Tensor:
    """(3, U, r, r): for each operator A of ``ops`` (U, r, r), the eigenvectors (ascending
    eigenvalues) of the symmetric matrices (A + Aᵀ)/2, AᵀA and AAᵀ — per-network quantities,
    computed once per distinct operator by :func:`align_operators`."""
    At = ops.transpose(-1, -2)
    return torch.stack([torch.linalg.eigh(m)[1] for m in (0.5 * (ops + At), At @ ops, ops @ At)])


def _structured_starts(
    A: torch.Tensor, B: torch.Tensor, bases_a: torch.Tensor, bases_b: torch.Tensor
) -> list[torch.Tensor]:
    """Structured starts C (each (P, r, r)): I, a reflection, a signed identity, and three
    that are exact for conjugate pairs.

    For B = QᵀAQ every symmetric matrix built from A and Aᵀ transforms alike
    (P(B) = Qᵀ P(A) Q), so with eigenbases P(A) = U_A Λ U_Aᵀ, P(B) = U_B Λ U_Bᵀ (distinct
    eigenvalues, same ascending order) Q = U_A D U_Bᵀ for a diagonal sign matrix D; D is read
    off the rest of the operator, since (U_AᵀAU_A)_ij = d_i d_j (U_BᵀBU_B)_ij. The symmetric
    matrices used are (A + Aᵀ)/2, AᵀA and AAᵀ (their eigenvectors ``bases_a``/``bases_b``,
    (3, P, r, r), from :func:`_eigenbases`); for non-conjugate pairs the first start also
    maximises the symmetric part of the objective exactly (von Neumann's trace inequality).
    """
    P, r, _ = A.shape
    eye = torch.eye(r, dtype=A.dtype, device=A.device).expand(P, r, r)
    refl = torch.eye(r, dtype=A.dtype, device=A.device)
    refl[0, 0] = -1.0
    starts = [eye.clone(), refl.expand(P, r, r).clone()]
    # Identity up to signs: HAVOK operators live in Hankel-SVD coordinates ordered by
    # variance, whose signs are arbitrary; similar systems then align near a signed identity.
    starts.append(torch.diag_embed(_sign_fix(A, B)))
    for UA, UB in zip(bases_a, bases_b, strict=True):
        d = _sign_fix(UA.transpose(-1, -2) @ A @ UA, UB.transpose(-1, -2) @ B @ UB)
        starts.append((UA * d.unsqueeze(-2)) @ UB.transpose(-1, -2))
    return starts


def _random_orthogonal(r: int, k: int, seed: int, dtype: torch.dtype) -> torch.Tensor:
    """k Haar-random orthogonal r×r matrices (CPU, float64 draw), alternating det +1 / −1."""
    gen = torch.Generator().manual_seed(int(seed) * 1_000_003 + r)
    Z = torch.randn(k, r, r, generator=gen, dtype=torch.float64)
    Q, R = torch.linalg.qr(Z)
    Q = Q * torch.sign(torch.diagonal(R, dim1=-2, dim2=-1)).unsqueeze(-2)
    want = torch.tensor([1.0 if i % 2 == 0 else -1.0 for i in range(k)], dtype=torch.float64)
    flip = torch.where(torch.linalg.det(Q) * want < 0, -1.0, 1.0)
    Q[:, :, 0] *= flip.unsqueeze(-1)
    return Q.to(dtype)


@dataclass(frozen=True)
class Alignment:
    """Result of :func:`align_operators` for P pairs (operators scaled to unit norm).

    ``similarity`` is max_C ⟨Â, C B̂ Cᵀ⟩ ∈ [−1, 1]; ``transform`` the maximising C (P, r, r);
    ``start`` the index of the start that won (0 identity, 1 reflection, 2 signed identity,
    3–5 closed-form eigenbasis starts, ≥ 6 random); ``iterations`` the search iterations of
    the winner.
    """

    similarity: np.ndarray
    transform: np.ndarray
    start: np.ndarray
    iterations: np.ndarray


def resolve_device(device: str | torch.device) -> torch.device:
    """ "auto" → CUDA when available, else CPU; "cuda" fails loudly when unavailable."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device='cuda' requested but CUDA is not available")
    return dev


def _as_float64_tensor(x: np.ndarray | torch.Tensor, dev: torch.device) -> torch.Tensor:
    """A float64 copy on ``dev`` (never a view of the caller's array)."""
    if torch.is_tensor(x):
        return x.detach().to(dev, torch.float64).clone()
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=torch.float64, device=dev)


_N_STRUCTURED = 6


def _align_chunk(
    A: torch.Tensor,
    B: torch.Tensor,
    n_starts: int,
    rand: torch.Tensor | None,
    *,
    max_iter: int,
    tol: float,
    bases_a: torch.Tensor,
    bases_b: torch.Tensor,
    extra: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Steps 1–4 of :func:`align_operators` for one chunk of unit-norm pairs (float64);
    ``bases_a``/``bases_b`` (3, P, r, r): the operators' :func:`_eigenbases`; ``extra``
    (P, k, r, r): the caller's own starts, placed after the standard ones."""
    P, r, _ = A.shape
    dev = A.device
    parts = []
    if n_starts > 0:
        structured = _structured_starts(A, B, bases_a, bases_b)
        assert len(structured) == _N_STRUCTURED
        parts.append(torch.stack(structured[:n_starts], dim=1))  # (P, s, r, r)
    if rand is not None:
        parts.append(rand.unsqueeze(0).expand(P, -1, -1, -1))
    if extra is not None:
        parts.append(extra)
    starts = torch.cat(parts, dim=1)
    S = starts.shape[1]
    A_e = A.unsqueeze(1).expand(P, S, r, r).reshape(P * S, r, r)
    B_e = B.unsqueeze(1).expand(P, S, r, r).reshape(P * S, r, r)
    # 1. Exact value of every start.
    C0 = starts.reshape(P * S, r, r)
    f0 = _bdot(A_e, torch.bmm(torch.bmm(C0, B_e), C0.transpose(-1, -2))).view(P, S)
    best_f, best_s = f0.max(dim=1)
    best_C = starts[torch.arange(P, device=dev), best_s]
    best_it = torch.zeros(P, dtype=torch.long, device=dev)
    sel = torch.nonzero(best_f < 1.0 - 1e-12).flatten()  # not yet certainly optimal
    k = sel.numel()
    if k == 0:
        return best_f, best_C, best_s, best_it
    # 2. Search (float32), all starts of the open pairs as one batch.
    flat_sel = (sel.unsqueeze(1) * S + torch.arange(S, device=dev)).flatten()
    A32, B32 = A_e[flat_sel].float(), B_e[flat_sel].float()
    C_s, f_s, it_s = _maximise(A32, B32, C0[flat_sel].float(), max_iter=max_iter, **_SEARCH)
    # 3. Refine the leading starts of each pair (float32, tight stopping rule).
    rows = torch.arange(k, device=dev)
    n_ref = min(_N_REFINE, S)
    top = f_s.view(k, S).topk(n_ref, dim=1).indices  # (k, n_ref)
    flat = (top + S * rows.unsqueeze(1)).flatten()
    C_ref, f_ref, _ = _maximise(A32[flat], B32[flat], C_s[flat], max_iter=max_iter, **_REFINE)
    j = f_ref.view(k, n_ref).argmax(dim=1)
    win = top[rows, j]
    # 4. Polish the best in float64 from an exactly orthogonal start; exact final value.
    A_sel, B_sel = A[sel], B[sel]
    C_pol, _, _ = _maximise(
        A_sel,
        B_sel,
        _polar(C_ref.view(k, n_ref, r, r)[rows, j].double()),
        max_iter=_POLISH_MAX_ITER,
        gtol=tol,
        **_POLISH,
    )
    C_pol = _polar(C_pol)
    f_pol = _bdot(A_sel, torch.bmm(torch.bmm(C_pol, B_sel), C_pol.transpose(-1, -2)))
    better = f_pol > best_f[sel]
    if bool(better.any()):
        tgt = sel[better]
        best_f[tgt] = f_pol[better]
        best_C[tgt] = C_pol[better]
        best_s[tgt] = win[better]
        best_it[tgt] = it_s.view(k, S)[rows, win][better]
    return best_f, best_C, best_s, best_it


def align_operators(
    A: np.ndarray | torch.Tensor,
    B: np.ndarray | torch.Tensor,
    *,
    n_starts: int = 24,
    max_iter: int = 1000,
    tol: float = 1e-9,
    seed: int = 0,
    device: str | torch.device = "auto",
    extra_starts: np.ndarray | torch.Tensor | None = None,
) -> Alignment:
    r"""Solve max_{C ∈ O(r)} ⟨Â, C B̂ Cᵀ⟩ for a batch of P pairs of r×r operators.

    Â = A/‖A‖_F and B̂ = B/‖B‖_F (new arrays; the inputs are never modified). A and B are
    (P, r, r) or (r, r). Each pair gets ``n_starts`` ≥ 1 starts: identity, a reflection
    (det −1), the identity with signs fitted to the pair, three closed-form eigenbasis starts
    (:func:`_structured_starts`; exact for conjugate pairs B = QᵀAQ) and seeded Haar-random
    rotations alternating det ±1 (the same for every pair of a given r, so a pair's result
    does not depend on the rest of the batch).

    1. Every start is evaluated exactly (float64). A pair whose best start reaches
       ⟨Â, CB̂Cᵀ⟩ ≥ 1 − 1e-12 is done: the global maximum is 1 (Cauchy–Schwarz).
    2. Search: all remaining pairs × starts run together as one (P·S, r, r) float32 tensor
       program, a Riemannian L-BFGS ascent on O(r) (:func:`_maximise`), each start until
       its value stalls (relative gain < 1e-5 over 5 iterations) or its gradient vanishes.
    3. Refine: the four best starts of each pair continue with a tight stopping rule.
    4. Polish: the best of them is re-orthonormalised (SVD) and polished in float64
       (gradient norm < ``tol`` or stalled, at most 100 iterations); its value, computed
       exactly from an orthogonal C, is kept if it beats step 1.

    ``extra_starts`` (P, k, r, r), optional: k more starts per pair of the caller's (e.g.
    alignments composed through other networks, C_ij ≈ C_ikᵀ C_kj), projected onto O(r)
    (SVD polar factor) and placed after the ``n_starts`` standard ones (``start`` indices
    ≥ ``n_starts``); ``n_starts`` may then be 0.

    ``max_iter`` caps the iterations of steps 2 and 3. Deterministic for a fixed ``seed``:
    on CPU the same pairs give the same bits, in any process and whichever other pairs share
    the batch (every problem of the batched search keeps its own L-BFGS history and
    retraction; benchmarks/dsa_determinism.py checks this).
    Runs on ``device`` ("auto": CUDA when available). Chunks of pairs bound the memory.
    """
    dev = resolve_device(device)
    A_t = _as_float64_tensor(A, dev)
    B_t = _as_float64_tensor(B, dev)
    if A_t.ndim == 2:
        A_t, B_t = A_t[None], B_t[None]
    if A_t.shape != B_t.shape or A_t.shape[-1] != A_t.shape[-2]:
        raise ValueError(f"A and B must be (P, r, r) of equal shape; got {A_t.shape}, {B_t.shape}")
    P, r, _ = A_t.shape
    extra = None
    if extra_starts is not None:
        extra = _as_float64_tensor(extra_starts, dev)
        if extra.ndim != 4 or extra.shape[0] != P or extra.shape[2:] != (r, r):
            raise ValueError(
                f"extra_starts must be (P, k, r, r) = ({P}, k, {r}, {r}); got {tuple(extra.shape)}"
            )
        extra = _polar(extra) if extra.shape[1] > 0 else None
    if n_starts < 0 or (n_starts == 0 and extra is None):
        raise ValueError("n_starts must be ≥ 1 (≥ 0 with extra_starts)")
    norm_a = torch.linalg.matrix_norm(A_t).view(P, 1, 1)
    norm_b = torch.linalg.matrix_norm(B_t).view(P, 1, 1)
    if bool((norm_a == 0).any()) or bool((norm_b == 0).any()):
        raise ValueError("operators must be non-zero")
    A_t = A_t / norm_a
    B_t = B_t / norm_b

    rand = None
    n_random = n_starts - min(n_starts, _N_STRUCTURED)
    if n_random > 0:
        rand = _random_orthogonal(r, n_random, seed, torch.float64).to(dev)
    chunk_floats = _GPU_CHUNK_FLOATS if dev.type == "cuda" else _CPU_CHUNK_FLOATS
    total_starts = n_starts + (0 if extra is None else extra.shape[1])
    pairs_per_chunk = max(1, chunk_floats // (total_starts * r * r))
    best_f = torch.empty(P, dtype=torch.float64, device=dev)
    best_C = torch.empty(P, r, r, dtype=torch.float64, device=dev)
    best_s = torch.empty(P, dtype=torch.long, device=dev)
    best_it = torch.zeros(P, dtype=torch.long, device=dev)
    # Eigenbases are per-network quantities: one eigh per distinct operator, not per pair.
    distinct, which = torch.unique(
        torch.cat([A_t, B_t]).reshape(2 * P, -1), dim=0, return_inverse=True
    )
    bases = _eigenbases(distinct.view(-1, r, r))
    for lo in range(0, P, pairs_per_chunk):
        part = slice(lo, lo + pairs_per_chunk)
        best_f[part], best_C[part], best_s[part], best_it[part] = _align_chunk(
            A_t[part],
            B_t[part],
            n_starts,
            rand,
            max_iter=max_iter,
            tol=tol,
            bases_a=bases[:, which[:P][part]],
            bases_b=bases[:, which[P:][part]],
            extra=None if extra is None else extra[part],
        )
    return Alignment(
        similarity=best_f.clamp(-1.0, 1.0).cpu().numpy(),
        transform=best_C.cpu().numpy(),
        start=best_s.cpu().numpy(),
        iterations=best_it.cpu().numpy(),
    )
