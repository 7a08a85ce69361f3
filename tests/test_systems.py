"""Synthetic systems: ground truth of every generator, observation, determinism, the bench."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dynsim import bench, metrics
from dynsim.systems import (
    LORENZ_REGIMES,
    CompositeSystem,
    HopfOscillator,
    LinearSystem,
    Lorenz,
    RingAttractor,
    add_noise,
    compose,
    embed,
    embedding_matrix,
    line_attractor,
    line_direction,
    lorenz_regime,
    normalize,
    observe,
    stable_fixed_point,
    stable_focus,
    unstable_fixed_point,
)


def numerical_jacobian(system, x, h=1e-6):
    cols = []
    for k in range(system.dim):
        e = np.zeros(system.dim)
        e[k] = h
        cols.append((system.vector_field(x + e) - system.vector_field(x - e)) / (2 * h))
    return np.stack(cols, axis=1)


def euler_map_eigenvalues(data: np.ndarray, rank: int) -> np.ndarray:
    """Eigenvalues of the least-squares one-step linear map of (trial, time, unit) data,
    computed in the data's top-``rank`` principal subspace."""
    flat = data.reshape(-1, data.shape[-1])
    _, _, vt = np.linalg.svd(flat - 0.0, full_matrices=False)
    z = data @ vt[:rank].T
    past, future = z[:, :-1].reshape(-1, rank), z[:, 1:].reshape(-1, rank)
    M = np.linalg.lstsq(past, future, rcond=None)[0].T
    return np.sort_complex(np.linalg.eigvals(M))


# -- Lorenz ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rho", "regime", "kinds"),
    [
        (0.5, "one_fixed_point", ["stable"]),
        (10.0, "two_stable_fixed_points", ["saddle", "stable", "stable"]),
        (40.0, "chaotic", ["saddle", "saddle", "saddle"]),
    ],
)
def test_lorenz_regime_fixed_points(rho, regime, kinds):
    lorenz = Lorenz(rho)
    assert lorenz.regime == regime == lorenz_regime(rho)
    fps = lorenz.fixed_points()
    assert [fp.kind for fp in fps] == kinds
    for fp in fps:
        assert np.allclose(lorenz.vector_field(fp.location), 0.0, atol=1e-12)
        assert np.allclose(fp.jacobian, numerical_jacobian(lorenz, fp.location), atol=1e-6)
    if rho > 1:
        c = np.sqrt(8 / 3 * (rho - 1))
        assert np.allclose(fps[1].location, [c, c, rho - 1])
        assert np.allclose(fps[2].location, [-c, -c, rho - 1])
        # C± lose stability through a complex pair crossing the imaginary axis at ρ_H.
        lead = fps[1].eigenvalues[0]
        assert abs(lead.imag) > 0 and (lead.real < 0) == (rho < lorenz.rho_hopf)


def test_lorenz_regime_boundaries():
    assert Lorenz().rho_hopf == pytest.approx(470 / 19)  # σ(σ+β+3)/(σ−β−1) ≈ 24.74
    for regime, rhos in LORENZ_REGIMES.items():
        assert {lorenz_regime(r) for r in rhos} == {regime}


def test_lorenz_trajectories_follow_their_regime():
    n = 12
    one = Lorenz(0.5).simulate(n, 2000, 0.01, seed=1).latent[:, -1]
    assert np.abs(one).max() < 1e-2  # everything collapses onto the origin
    two = Lorenz(10.0)
    end = two.simulate(n, 2000, 0.01, seed=1).latent[:, -1]
    c_plus, c_minus = (fp.location for fp in two.fixed_points()[1:])
    nearest = np.minimum(
        np.linalg.norm(end - c_plus, axis=1), np.linalg.norm(end - c_minus, axis=1)
    )
    assert nearest.max() < 1e-2  # every trajectory settles on C+ or C−
    chaotic = Lorenz(40.0)
    end = chaotic.simulate(n, 2000, 0.01, seed=1).latent[:, -1]
    dist = np.min(
        [np.linalg.norm(end - fp.location, axis=1) for fp in chaotic.fixed_points()], axis=0
    )
    assert np.median(dist) > 1.0  # no fixed point attracts
    # Sensitive dependence: two initial conditions 1e-8 apart separate to O(1).
    x0 = np.array([[1.0, 1.0, 20.0], [1.0, 1.0, 20.0 + 1e-8]])
    pair = chaotic.simulate(2, 1500, 0.01, x0=x0).latent
    assert np.linalg.norm(pair[0, -1] - pair[1, -1]) > 1.0


# -- limit cycle, ring, line, fixed points ---------------------------------------------------


def test_limit_cycle_period_and_radius_from_the_trajectory():
    hopf = HopfOscillator(mu=0.5, omega=3.0, ic="disc")
    traj = hopf.simulate(8, 3000, 0.01, seed=2).latent
    late = traj[:, 1000:]
    assert np.allclose(np.linalg.norm(late[:, -500:], axis=-1), hopf.radius_euler(0.01), atol=1e-7)
    assert hopf.radius_euler(0.01) == pytest.approx(hopf.radius, rel=0.05)  # √μ up to O(h)
    fine = HopfOscillator(mu=0.5, omega=3.0).simulate(2, 3000, 0.01, seed=2, substeps=20)
    end = np.linalg.norm(fine.latent[:, -1], axis=-1)
    assert end == pytest.approx(hopf.radius_euler(0.01, substeps=20), rel=1e-7)
    assert end == pytest.approx(hopf.radius, rel=5e-3)  # finer steps: closer to √μ
    # Period from upward zero crossings of the first coordinate (linear interpolation).
    x = late[0, :, 0]
    idx = np.flatnonzero((x[:-1] < 0) & (x[1:] >= 0))
    crossings = idx + (-x[idx]) / (x[idx + 1] - x[idx])
    measured = np.mean(np.diff(crossings)) * 0.01
    assert measured == pytest.approx(hopf.period_euler(0.01), rel=1e-5)
    assert measured == pytest.approx(hopf.period, rel=5e-3)  # 2π/ω up to Euler's O(dt²)
    (origin,) = hopf.fixed_points()
    assert origin.kind == "unstable"
    assert np.allclose(sorted(origin.eigenvalues, key=lambda v: v.imag), [0.5 - 3j, 0.5 + 3j])
    assert hopf.ground_truth()["period"] == pytest.approx(2 * np.pi / 3)


def test_ring_attractor_neutral_direction_and_phase_diffusion():
    ring = RingAttractor(k=5.0, noise_std=0.4)
    origin, *on_ring = ring.fixed_points()
    assert origin.kind == "unstable"
    for fp in on_ring:
        assert np.linalg.norm(fp.location) == pytest.approx(1.0)
        assert np.allclose(ring.vector_field(fp.location), 0.0)
        assert np.allclose(np.sort(fp.eigenvalues.real), [-10.0, 0.0], atol=1e-12)
        tangent = np.array([-fp.location[1], fp.location[0]])
        assert np.allclose(fp.jacobian @ tangent, 0.0, atol=1e-12)  # neutral along the ring
    traj = ring.simulate(2000, 101, 0.01, seed=3).latent
    assert np.allclose(np.linalg.norm(traj, axis=-1).mean(), 1.0, atol=0.01)
    theta = np.unwrap(np.arctan2(traj[..., 1], traj[..., 0]), axis=1)
    var = np.var(theta[:, -1] - theta[:, 0])
    assert var == pytest.approx(ring.phase_diffusion * 1.0, rel=0.1)  # σ²t with t = 1


def test_line_attractor_zero_eigenvalue_and_relaxation():
    line = line_attractor(3, [1.0, 3.0], seed=4)
    eig = line.eigenvalues
    assert np.allclose(np.sort(eig.real), [-3.0, -1.0, 0.0], atol=1e-10)
    v = line_direction(line)
    assert np.allclose(line.A @ v, 0.0, atol=1e-10)
    assert line.fixed_points()[0].kind == "marginal"
    assert line.attractor == "line"
    traj = line.simulate(10, 1500, 0.01, seed=5).latent
    off_line = traj[:, -1] - np.outer(traj[:, -1] @ v, v)
    assert np.abs(off_line).max() < 1e-5  # states relax onto the line …
    along_start, along_end = traj[:, 0] @ v, traj[:, -1] @ v
    assert np.allclose(along_start, along_end, atol=1e-9)  # … without moving along it
    noisy = line_attractor(3, [1.0, 3.0], seed=4, noise_std=0.5)
    walk = noisy.simulate(2000, 101, 0.01, seed=6).latent @ v
    assert np.var(walk[:, -1] - walk[:, 0]) == pytest.approx(0.25, rel=0.1)  # σ²t along v
    with pytest.raises(ValueError):
        line_direction(stable_fixed_point(3))


@pytest.mark.parametrize(
    ("system", "kind", "grows"),
    [
        (stable_fixed_point(3, seed=1), "stable", False),
        (unstable_fixed_point(2, seed=1), "unstable", True),
        (stable_focus(rate=0.5, frequency=5.0), "stable", False),
        (LinearSystem.from_spectrum([1.0, -2.0], seed=3, basis="random"), "saddle", True),
    ],
)
def test_fixed_point_stability_from_the_jacobian(system, kind, grows):
    (fp,) = system.fixed_points()
    assert fp.kind == kind
    assert fp.stable == (kind == "stable")
    traj = system.simulate(20, 300, 0.01, seed=7).latent
    ratio = np.linalg.norm(traj[:, -1], axis=1) / np.linalg.norm(traj[:, 0], axis=1)
    assert (np.median(ratio) > 1) == grows


def test_linear_system_spectrum_and_euler_map():
    spectrum = [complex(-0.5, 4.0), complex(-0.5, -4.0), -1.0, -3.0]
    system = LinearSystem.from_spectrum(spectrum, seed=8, basis="random")
    assert np.allclose(np.sort_complex(system.eigenvalues), np.sort_complex(spectrum))
    traj = system.simulate(30, 100, 0.01, seed=9)
    expected = np.sort_complex(1 + 0.01 * np.asarray(spectrum))
    assert np.allclose(euler_map_eigenvalues(traj.data, 4), expected, atol=1e-8)
    with pytest.raises(ValueError, match="conjugate"):
        LinearSystem.from_spectrum([complex(0, 1)])


# -- observation -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["orthogonal", "gaussian"])
def test_embedding_preserves_the_dynamics_up_to_the_map(kind):
    spectrum = [complex(-0.2, 3.0), complex(-0.2, -3.0), -2.0]
    system = LinearSystem.from_spectrum(spectrum, seed=10)
    traj = system.simulate(20, 150, 0.01, seed=11)
    obs = embed(traj, 9, kind, seed=12)
    W = obs.embedding
    assert W.shape == (3, 9) and obs.data.shape == (20, 150, 9)
    assert np.allclose(obs.data, traj.latent @ W)
    assert np.allclose(obs.data @ np.linalg.pinv(W), traj.latent)  # the map is invertible
    if kind == "orthogonal":
        assert np.allclose(W @ W.T, np.eye(3))
        assert np.allclose(np.linalg.norm(obs.data, axis=-1), np.linalg.norm(traj.latent, axis=-1))
    # Same spectrum seen in unit space: the map x ← (I + dtA)x is conjugated, not changed.
    expected = np.sort_complex(1 + 0.01 * np.asarray(spectrum))
    assert np.allclose(euler_map_eigenvalues(obs.data, 3), expected, atol=1e-8)
    # The embedded trajectory obeys ẏ = f(yW⁺)W (checked on one Euler step).
    y = obs.data[:, 0]
    step = y + 0.01 * system.vector_field(y @ np.linalg.pinv(W)) @ W
    assert np.allclose(step, obs.data[:, 1])
    with pytest.raises(ValueError):
        embedding_matrix(5, 3)


def test_normalize_and_noise_mixing():
    traj = normalize(Lorenz(40.0).simulate(50, 200, 0.01, seed=13))
    flat = traj.data.reshape(-1, 3)
    assert np.allclose(flat.mean(axis=0), 0.0, atol=1e-12)
    assert np.mean(flat**2) == pytest.approx(1.0)
    for s in (0.0, 0.3, 0.8):
        noisy = add_noise(traj, s, seed=14)
        assert noisy.noise == pytest.approx(s)
        assert np.mean(noisy.data**2) == pytest.approx(1.0, rel=0.02)  # variance preserved
        corr = np.corrcoef(noisy.data.ravel(), traj.data.ravel())[0, 1]
        assert corr == pytest.approx(np.sqrt(1 - s * s), abs=0.01)
    assert np.array_equal(add_noise(traj, 0.0).data, traj.data)
    twice = add_noise(add_noise(traj, 0.3, seed=1), 0.4, seed=2)
    assert twice.noise == pytest.approx(np.sqrt(1 - (1 - 0.09) * (1 - 0.16)))
    with pytest.raises(ValueError):
        add_noise(traj, 1.5)


def test_composite_system_is_block_diagonal():
    parts = [HopfOscillator(omega=2.0), line_attractor(2, [1.0], seed=1), stable_fixed_point(1)]
    comp = CompositeSystem(parts)
    assert comp.dim == 5
    x = np.arange(5, dtype=float) / 10
    assert np.allclose(comp.jacobian(x), numerical_jacobian(comp, x), atol=1e-6)
    fps = comp.fixed_points()
    assert len(fps) == 1
    expected = np.concatenate([fp.eigenvalues for p in parts for fp in p.fixed_points()])
    assert np.allclose(np.sort_complex(fps[0].eigenvalues), np.sort_complex(expected))
    traj = comp.simulate(4, 50, 0.01, seed=2)
    assert traj.data.shape == (4, 50, 5)

    runs = [p.simulate(6, 40, 0.01, seed=k) for k, p in enumerate(parts)]
    composed = compose(runs)
    assert composed.data.shape == (6, 40, 5)
    # Each motif is normalised on its own, so each carries the same variance.
    split = np.split(composed.data, [2, 4], axis=-1)
    assert [np.sum(block**2) / block[..., 0].size for block in split] == pytest.approx(
        [2.0, 2.0, 1.0]
    )
    assert composed.labels["motifs"] == [p.name for p in parts]


def test_generators_are_deterministic_given_the_seed():
    for system in (
        Lorenz(10.0),
        RingAttractor(),
        line_attractor(3, seed=1, noise_std=0.2),
        HopfOscillator(noise_std=0.1),
    ):
        a = observe(system.simulate(5, 50, 0.01, seed=3), 7, noise=0.2, seed=4).data
        b = observe(system.simulate(5, 50, 0.01, seed=3), 7, noise=0.2, seed=4).data
        c = observe(system.simulate(5, 50, 0.01, seed=5), 7, noise=0.2, seed=4).data
        assert np.array_equal(a, b)
        assert not np.array_equal(a, c)
    size = bench.SIZES["small"]
    for case, build in bench.BUILDERS.items():
        first, second = build(size, 1), build(size, 1)
        assert list(first.systems) == list(second.systems), case
        for name in first.systems:
            assert np.array_equal(first.systems[name].data, second.systems[name].data), name
        other = build(size, 2)
        assert any(
            not np.array_equal(first.systems[n].data, other.systems[n].data) for n in first.systems
        ), case


def test_ground_truth_summaries_are_json():
    import json

    systems = [
        Lorenz(10.0),
        HopfOscillator(),
        RingAttractor(),
        line_attractor(3),
        stable_focus(),
        unstable_fixed_point(2),
        CompositeSystem([Lorenz(0.5), HopfOscillator()]),
    ]
    for system in systems:
        truth = json.loads(json.dumps(system.ground_truth()))
        assert truth["system"] == system.name
        assert truth["attractor"] == system.attractor
    assert HopfOscillator(omega=4.0).ground_truth()["period"] == pytest.approx(np.pi / 2)
    assert Lorenz(40.0).ground_truth()["regime"] == "chaotic"


def test_trajectories_to_dataarray():
    traj = observe(Lorenz(10.0).simulate(3, 20, 0.01, seed=0), 4, seed=1)
    da = traj.to_dataarray("x")
    assert da.dims == ("trial", "time", "unit") and da.shape == (3, 20, 4)
    assert da["time"].values[1] == pytest.approx(0.01)
    assert metrics.get("procrustes").score(da, traj.data) == pytest.approx(0.0, abs=1e-7)


# -- scores ----------------------------------------------------------------------------------


def test_score_functions():
    assert np.allclose(bench.isotonic_fit([1.0, 3.0, 2.0, 4.0]), [1.0, 2.5, 2.5, 4.0])
    assert np.allclose(bench.isotonic_fit([3.0, 2.0, 1.0]), [2.0, 2.0, 2.0])
    x = np.array([1, 2, 3, 1, 2, 3], dtype=float)
    groups = np.array([0, 0, 0, 1, 1, 1])
    y = x**2 + np.array([0, 0, 0, 5, 5, 5])  # ordered, not linear, shifted per group
    assert bench.isotonic_r2(y, x, groups) == pytest.approx(1.0)
    assert bench.isotonic_r2(-y, x, groups) == pytest.approx(0.0)
    y_swap = np.array([1.0, 3.0, 2.0, 1.0, 2.0, 3.0])  # one group has its top two swapped
    assert bench.isotonic_r2(y_swap, x, groups) == pytest.approx(1 - 0.5 / 4)
    d = np.array([[0, 1, 5, 5], [1, 0, 5, 5], [5, 5, 0, 1], [5, 5, 1, 0]], dtype=float)
    labels = ["a", "a", "b", "b"]
    assert bench.nearest_neighbour_accuracy(d, labels) == 1.0
    assert bench.nearest_neighbour_accuracy(d, ["a", "b", "a", "b"]) == 0.0
    assert bench.silhouette(d, labels) == pytest.approx(0.8)
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(12, 3))
    full = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    lab = np.repeat([0, 1, 2], 4)
    assert bench.silhouette(full, lab) == pytest.approx(
        sklearn_metrics.silhouette_score(full, lab, metric="precomputed")
    )
    assert bench.auc([0, 1], [2, 3]) == 1.0
    assert bench.auc([0, 2], [1, 2]) == pytest.approx(0.625)


def test_unavailable_metric_is_skipped_with_a_reason():
    run, skipped = bench.resolve_metrics(["procrustes", "no_such_metric"])
    assert list(run) == ["procrustes"]
    assert "not registered" in skipped["no_such_metric"]
    with pytest.raises(ValueError, match="no metric"):
        bench.run_bench(None, "small", metrics=["no_such_metric"], log=lambda m: None)


# -- the bench -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_bench(tmp_path_factory):
    """The small bench through the command line, with the default metrics (DSA if present)."""
    from dynsim.cli import main

    out = tmp_path_factory.mktemp("systems")
    docs = out / "docs" / "systems_bench.md"
    args = ["systems-bench", "--out", str(out), "--size", "small", "--seed", "0", "--docs"]
    assert main([*args, str(docs)]) == 0
    return out


def test_small_bench_writes_the_table(small_bench):
    for name in ("results.csv", "results.md", "systems.png", "distances.csv"):
        assert (small_bench / name).stat().st_size > 0, name
    table = pd.read_csv(small_bench / "results.csv")
    assert set(table["case"]) == set(bench.CASES)
    assert {"procrustes", "cka"} <= set(table["metric"])
    decisive = table.dropna(subset=["threshold"])
    assert len(decisive) == len(bench.CASES) * table["metric"].nunique()
    md = (small_bench / "results.md").read_text()
    for metric in table["metric"].unique():
        assert metric in md
    # The Markdown pass table is generated from the same numbers as the CSV.
    for _, row in decisive.iterrows():
        assert f"{row['value']:.3f}" in md
    if "dsa" not in metrics.available():
        assert "dsa skipped" in md
    assert (small_bench / "systems.png").read_bytes()[:4] == b"\x89PNG"
    docs = (small_bench / "docs" / "systems_bench.md").read_text()
    for case in bench.CASES:
        assert bench.CASE_TITLES[case] in docs
    assert md.split("## Which metric passes which case", 1)[1] in docs.replace("### ", "## ")


def test_bench_is_deterministic_given_the_seed(small_bench):
    again = bench.run_bench(
        None,
        "small",
        seed=0,
        metrics=["procrustes"],
        cases=["regimes", "geometry"],
        log=lambda m: None,
    )
    first = pd.read_csv(small_bench / "results.csv")
    first = first[(first["metric"] == "procrustes") & first["case"].isin(["regimes", "geometry"])]
    table = again.table()
    assert np.allclose(first["value"].to_numpy(), table["value"].to_numpy(), atol=1e-6)


def test_bench_known_answers_for_geometry_metrics(small_bench):
    table = pd.read_csv(small_bench / "results.csv").set_index(["case", "metric", "score"])
    # A metric with rotation invariance sees a system as itself at zero noise.
    for metric in ("procrustes", "cka"):
        assert table.loc[("noise", metric, "spearman"), "value"] > 0.9
        assert table.loc[("progression", metric, "spearman"), "value"] > 0


@pytest.mark.skipif("dsa" not in metrics.available(), reason="metric 'dsa' is not available yet")
def test_dsa_identifies_regimes_under_random_embeddings():
    """Acceptance 2: DSA ≥ 0.9 nearest-neighbour accuracy at the default noise (fewer systems
    and trials than the default bench, the same noise, embedding and DSA parameters)."""
    default = bench.SIZES["default"]
    size = bench.BenchSize(
        n_trials=40,
        n_steps=default.n_steps,
        n_units=default.n_units,
        progression_noise=(0.0,),
        regime_per_class=4,
        motif_k=2,
        motif_replicates=1,
        geometry_replicates=2,
        noise_levels=(0.0,),
        noise=default.noise,
    )
    data = bench.build_regimes(size, seed=0)
    result = bench.run_case("regimes", data, "dsa", bench.DEFAULT_METRICS["dsa"])
    assert result.scores["nn_accuracy"] >= 0.9, result.scores
