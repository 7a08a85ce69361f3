"""The attractor test case of Guilhot et al. 2024: construction facts with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from dynsim.bench import guilhot as gb
from dynsim.systems import guilhot as gs


def test_lorenz_euler_reaches_the_known_fixed_points():
    beta = gs.GUILHOT_BETA
    x0 = np.array([[0.3, 0.2, 0.1], [1.0, 1.0, 1.0], [-1.0, -1.0, 1.0]])
    # ρ < 1: the origin is the only fixed point and it is globally stable
    end = gs.lorenz_euler(0.5, x0, n_steps=5000, dt=0.01)[:, -1]
    np.testing.assert_allclose(end, 0.0, atol=1e-6)
    # 1 < ρ < ρ_H: two stable fixed points C± = (±√(β(ρ−1)), ±√(β(ρ−1)), ρ−1)
    rho = 10.0
    c = np.sqrt(beta * (rho - 1))
    end = gs.lorenz_euler(rho, x0[1:], n_steps=20000, dt=0.01)[:, -1]
    np.testing.assert_allclose(np.abs(end[:, :2]), c, atol=1e-5)
    np.testing.assert_allclose(end[:, 2], rho - 1, atol=1e-5)
    assert np.sign(end[0, 0]) == 1 and np.sign(end[1, 0]) == -1  # each start its own wing


def test_first_sample_is_the_start_and_one_euler_step():
    x0 = np.array([[1.0, 2.0, 3.0]])
    traj = gs.lorenz_euler(28.0, x0, n_steps=2, dt=0.01, sigma=10.0, beta=2.0)
    np.testing.assert_array_equal(traj[0, 0], x0[0])
    dx = np.array([10 * (2 - 1), 28 * 1 - 2 - 1 * 3, 1 * 2 - 2 * 3])
    np.testing.assert_allclose(traj[0, 1], x0[0] + 0.01 * dx)


def test_regime_assignment_of_the_papers_rhos():
    for regime, rhos in gs.GUILHOT_RHOS.items():
        assert gb.regime_labels(rhos) == [regime] * 3


def test_unit_volume_per_trial():
    x = np.random.default_rng(0).normal(size=(4, 10, 3)) * np.arange(1, 5)[:, None, None]
    u = gs.unit_volume(x)
    np.testing.assert_allclose(u.min(axis=(1, 2)), 0.0)
    np.testing.assert_allclose(u.max(axis=(1, 2)), 1.0)
    traj = gs.lorenz_trials(40.0, n_trials=5, n_steps=50, rng=1)
    assert traj.shape == (5, 50, 3)
    np.testing.assert_allclose(traj.max(axis=(1, 2)), 1.0)
    with pytest.raises(ValueError, match="trial, time, unit"):
        gs.unit_volume(np.zeros((3, 4)))


def test_noise_and_mixing_constructions():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 30, 40, 3))
    np.testing.assert_array_equal(gs.mix_noise(a, 0.0, 1), a)
    big = rng.normal(size=(200, 200, 3))
    assert gs.mix_noise(big, 0.6, 2).var() == pytest.approx(1.0, abs=0.01)  # variance kept
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        gs.mix_noise(a, 1.5)
    c = gs.mix(b, a, 0.5)
    np.testing.assert_allclose(c - b, 0.5 * (a - a[:, :1]))
    np.testing.assert_array_equal(c[:, 0], b[:, 0])  # no displacement at the first sample
    np.testing.assert_array_equal(gs.mix(b, a, 0.0), b)


def test_attach_continues_each_motif_from_the_last_sample():
    t = np.arange(6, dtype=float)
    up = np.stack([t, t, t], axis=-1)[None]  # slope +1 on every axis
    down = -up  # slope −1
    raw_len = 12
    out = gs.attach([up, down])
    assert out.shape == (1, raw_len // 2, 3)
    # raw: 0..5, then 5 + 1e-4, then falling by 1 per sample for 5 samples; keep every 2nd
    raw = np.concatenate([t, [5 + 1e-4], 5 + 1e-4 - np.arange(1, 6)])
    kept = raw[::2]
    expected = (kept - kept.min()) / (kept.max() - kept.min())  # scaled after downsampling
    np.testing.assert_allclose(out[0, :, 0], expected)


def test_trend_r2_is_linregress_r_squared():
    assert gb.trend_r2([1.0, 2.0, 3.0]) == pytest.approx(1.0)
    assert gb.trend_r2([1.0, 3.0, 2.0]) == pytest.approx(0.25)
    # a distance exactly proportional to the paper's noise levels (0.004, 0.002, 0.001) scores
    # 0.964 — the value the authors print for CKA and Procrustes
    assert gb.trend_r2(np.array(gb.NOISE_LEVELS) * 7.0) == pytest.approx(0.964, abs=5e-4)
    v = [0.31, 0.29, 0.24]
    assert gb.trend_r2(v) == pytest.approx(sps.linregress([1, 2, 3], v).rvalue ** 2)


def test_paper_scale():
    assert gb.paper_scale("dsa", 0.3) == 0.3
    assert float(gb.paper_scale("cka", np.pi / 4)) == pytest.approx(0.5)


def test_summarise_on_hand_built_tables():
    nm = pd.DataFrame(
        [
            {"test": "noise", "metric": "dsa", "epoch": e, "d_mean": d, "d_sem": 0, "n_pairs": 1}
            for e, d in zip((1, 2, 3), (0.5, 0.4, 0.3), strict=True)
        ]
    )
    regimes = pd.DataFrame(
        {"metric": "cka", "within": [True, True, True, False, False],
         "d": [0.1, 0.2, 0.9, 0.5, 0.7]}
    )
    motifs = pd.DataFrame({"metric": "dsa", "shared": [1, 1, 2, 3], "d": [0.8, 0.6, 0.5, 0.1]})
    s = gb.summarise(nm, regimes, motifs).set_index(["test", "score", "metric"])["dynsim"]
    assert s[("noise", "r2", "dsa")] == pytest.approx(1.0)
    assert s[("noise", "gap", "dsa")] == pytest.approx(0.2)
    assert s[("regimes", "within_median", "cka")] == pytest.approx(0.2)
    assert s[("regimes", "across_median", "cka")] == pytest.approx(0.6)
    assert s[("motifs", "mean_shared1", "dsa")] == pytest.approx(0.7)
    assert s[("motifs", "mean_shared3", "dsa")] == pytest.approx(0.1)


def test_small_run_has_every_test_and_the_papers_numbers_beside():
    out = gb.attractor_test_case(
        gb.AttractorSize(n_trials=12, n_steps=200, max_pairs=1),
        {"cka": {"score_method": "angular"}, "procrustes": {"score_method": "angular"}},
        tests=("noise_mixing", "regimes"),
    )
    s = out["summary"]
    assert set(s.test) == {"noise", "mixing", "regimes"}
    row = s[(s.test == "regimes") & (s.score == "within_median") & (s.metric == "cka")]
    assert row.paper.item() == 0.80
    assert len(out["regimes"]) == 2 * 36  # 9 systems, all pairs, two metrics
    assert out["regimes"].within.sum() == 2 * 9  # three regimes × three pairs each
    with pytest.raises(ValueError, match="unknown tests"):
        gb.attractor_test_case(tests=("nope",))


def test_shared_motif_construction_and_the_trial_mean_degeneracy():
    size = gb.AttractorSize(n_trials=10)
    lib = gb.motif_library(size)
    assert set(lib) == set(gb.MOTIF_NAMES)
    assert all(v.shape == (10, 200, 3) for v in lib.values())
    out = gb.shared_motif_test(
        size,
        {"dsa": {"n_delays": 33, "delay_interval": 6, "rank": 50, "n_starts": 4}},
        motif_dsa_input="trial_mean",
        dsa_overrides={"ridge": 1e-8},
        n_systems=4,
    )
    assert len(out) == 4 * 3 and set(out.shared) <= {1, 2, 3}
    # 200 steps, 33 delays 6 apart: 8 delay vectors, so every fitted operator is the same
    # shift map in its own orthonormal basis — all conjugate, DSA distance 0
    np.testing.assert_allclose(out.d, 0.0, atol=1e-6)
    with pytest.raises(ValueError, match="motif_dsa_input"):
        gb.shared_motif_test(size, {}, motif_dsa_input="median")
