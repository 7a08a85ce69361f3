"""Comparing tasks whose trials differ in length (issue 17): ``compare.time_normalize``
resamples each phase of a trial to a fixed number of steps, so samples correspond.

Values are checked by hand (linear interpolation at bin centres) and against an independent
``np.interp`` per trial and unit; the pair of stores is compared through ``dynsim compare``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

import dynsim.metrics as dm
from dynsim.cli import main
from dynsim.config import ConfigError, load
from dynsim.pairwise import Selection, SelectionError
from dynsim.pairwise.selection import normalize_time

ROOT = Path(__file__).resolve().parents[1]
PHASES = (("fixation", 2), ("stimulus+delay", 2), ("decision", 1))


def activity(epochs: list[str], values: np.ndarray) -> xr.DataArray:
    """(trial, time, unit) activity with an epoch coordinate along time."""
    return xr.DataArray(values, dims=("trial", "time", "unit"), coords={"epoch": ("time", epochs)})


def test_phases_are_resampled_at_bin_centres_by_hand():
    # A: fixation 2 steps, stimulus 4, decision 1; values = the time index.
    a = activity(["fixation"] * 2 + ["stimulus"] * 4 + ["decision"], np.arange(7.0)[None, :, None])
    # B: fixation 4, stimulus 1 + delay 1 (one phase of 2), decision 2; values 10 + index.
    b = activity(
        ["fixation"] * 4 + ["stimulus", "delay"] + ["decision"] * 2,
        10 + np.arange(8.0)[None, :, None],
    )
    # L steps → N: positions (k + 1/2)·L/N − 1/2. A: fixation L=2,N=2 → 0, 1; stimulus L=4,N=2
    # → 0.5, 2.5 of steps 2..5 → 2.5, 4.5; decision L=1 → 6. B: fixation L=4,N=2 → 0.5, 2.5 →
    # 10.5, 12.5; stimulus+delay L=2,N=2 → 14, 15; decision L=2,N=1 → 0.5 → 16.5.
    na, nb = normalize_time(a, PHASES), normalize_time(b, PHASES)
    assert na.values[0, :, 0].tolist() == [0.0, 1.0, 2.5, 4.5, 6.0]
    assert nb.values[0, :, 0].tolist() == [10.5, 12.5, 14.0, 15.0, 16.5]
    assert (
        na["epoch"].values.tolist()
        == nb["epoch"].values.tolist()
        == [
            "fixation",
            "fixation",
            "stimulus+delay",
            "stimulus+delay",
            "decision",
        ]
    )
    assert na["time_fraction"].values.tolist() == [0.25, 0.75, 0.25, 0.75, 0.5]
    # Upsampling clips at the ends: L=2 → N=4 at positions −0.25, 0.25, 0.75, 1.25 → clipped.
    up = normalize_time(a.isel(time=[0, 1]), (("fixation", 4),))
    assert up.values[0, :, 0].tolist() == [0.0, 0.25, 0.75, 1.0]


def test_epoch_labels_as_stored_stringdtype():
    """Labels read back from a dynsim store are NumPy StringDType; they work as str labels."""
    epochs = np.array(["fixation", "stimulus", "stimulus"], dtype=np.dtypes.StringDType())
    a = xr.DataArray(
        np.arange(3.0)[None, :, None],
        dims=("trial", "time", "unit"),
        coords={"epoch": ("time", epochs)},
    )
    assert normalize_time(a, (("fixation", 1), ("stimulus", 1))).values.ravel().tolist() == [
        0.0,
        1.5,
    ]


def _pair(rng: np.random.Generator) -> tuple[xr.DataArray, xr.DataArray]:
    """Two 'tasks' with 6 trials of 3 units: A 30 steps (fixation 5, stimulus 15,
    decision 10), B 40 steps (fixation 8, stimulus 6, delay 14, decision 12)."""
    a = activity(
        ["fixation"] * 5 + ["stimulus"] * 15 + ["decision"] * 10, rng.normal(size=(6, 30, 3))
    )
    b = activity(
        ["fixation"] * 8 + ["stimulus"] * 6 + ["delay"] * 14 + ["decision"] * 12,
        rng.normal(size=(6, 40, 3)),
    )
    return a, b


def _by_np_interp(x: xr.DataArray, spans: list[tuple[int, int, int]]) -> np.ndarray:
    """Independent reference: np.interp per trial and unit over each (start, stop, steps)."""
    out = []
    for start, stop, steps in spans:
        length = stop - start
        at = np.clip((np.arange(steps) + 0.5) * length / steps - 0.5, 0, length - 1)
        seg = x.values[:, start:stop]
        out.append(
            np.stack(
                [
                    np.stack([np.interp(at, np.arange(length), seg[t, :, u]) for u in range(3)], -1)
                    for t in range(seg.shape[0])
                ]
            )
        )
    return np.concatenate(out, axis=1)


def test_matches_an_independent_interpolation():
    a, b = _pair(np.random.default_rng(0))
    phases = (("fixation", 4), ("stimulus+delay", 6), ("decision", 5))
    np.testing.assert_allclose(
        normalize_time(a, phases).values,
        _by_np_interp(a, [(0, 5, 4), (5, 20, 6), (20, 30, 5)]),
        rtol=0,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        normalize_time(b, phases).values,
        _by_np_interp(b, [(0, 8, 4), (8, 28, 6), (28, 40, 5)]),
        rtol=0,
        atol=1e-12,
    )


def _write(tmp_path: Path, name: str, x: xr.DataArray) -> Path:
    path = tmp_path / f"{name}.zarr"
    xr.Dataset({"hidden": x}).to_zarr(path)
    return path


def test_the_option_makes_stores_of_different_lengths_comparable(tmp_path, capsys):
    """Without the option the pair is NaN (sample counts differ: 180 vs 240); with it, the
    distance equals the metric on the independently resampled arrays, and a network that is
    the other resampled in time and rotated is at distance 0."""
    rng = np.random.default_rng(1)
    a, b = _pair(rng)
    phases = ["fixation=4", "stimulus+delay=6", "decision=5"]
    pa, pb = _write(tmp_path, "a", a), _write(tmp_path, "b", b)

    assert main(
        [
            "compare",
            str(pa),
            str(pb),
            "--metric",
            "procrustes",
            "--allow-partial",
            "-o",
            str(tmp_path / "plain.zarr"),
        ]
    ) in (1, 3)
    plain = xr.open_zarr(tmp_path / "plain.zarr")
    assert np.isnan(plain["distance"].values[0, 1])
    assert "sample counts differ: 180 vs 240" in str(plain["status"].values[0, 1])

    for metric in ("procrustes", "cka"):
        out = tmp_path / f"{metric}.zarr"
        args = ["compare", str(pa), str(pb), "--metric", metric, "-o", str(out)]
        assert main(args + [f"--time-normalize={p}" for p in phases]) == 0
        got = float(xr.open_zarr(out)["distance"].values[0, 1])
        ra = _by_np_interp(a, [(0, 5, 4), (5, 20, 6), (20, 30, 5)])
        rb = _by_np_interp(b, [(0, 8, 4), (8, 28, 6), (28, 40, 5)])
        assert got == pytest.approx(dm.get(metric).score(ra, rb), abs=1e-10)
        assert 0.1 < got < np.pi / 2  # a real distance, not 0 or a placeholder

    # A "task" whose phases are linear in phase time, sampled with different step counts,
    # and a rotated copy: normalised, they are the same samples up to the rotation.
    def linear(lengths: list[int], names: list[str], slopes: np.ndarray) -> xr.DataArray:
        parts = []
        for length, (offset, slope) in zip(lengths, slopes, strict=True):
            fraction = (np.arange(length) + 0.5) / length
            parts.append(offset[:, None, :] + slope[:, None, :] * fraction[None, :, None])
        epochs = [n for length, n in zip(lengths, names, strict=True) for _ in range(length)]
        return activity(epochs, np.concatenate(parts, axis=1))

    slopes = rng.normal(size=(3, 2, 6, 3))  # phase, (offset, slope), trial, unit
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    short = linear([5, 15, 10], ["fixation", "stimulus", "decision"], slopes)
    long = linear([8, 20, 12], ["fixation", "stimulus", "decision"], slopes).copy()
    long.values[:] = long.values @ q
    ps, pl = _write(tmp_path, "short", short), _write(tmp_path, "long", long)
    out = tmp_path / "same.zarr"
    args = ["compare", str(ps), str(pl), "--metric", "procrustes", "-o", str(out)]
    assert (
        main(
            args
            + [
                "--time-normalize=fixation=4",
                "--time-normalize=stimulus=6",
                "--time-normalize=decision=5",
            ]
        )
        == 0
    )
    assert float(xr.open_zarr(out)["distance"].values[0, 1]) == pytest.approx(0.0, abs=1e-6)
    capsys.readouterr()


@pytest.mark.parametrize(
    ("phases", "message"),
    [
        ((("fixation", 0),), "steps must be an integer ≥ 1"),
        ((("a++b", 3),), "a phase is an epoch name"),
        ((("stimulus", 3), ("stimulus+delay", 2)), "epoch 'stimulus' is in two phases"),
    ],
)
def test_malformed_phases_are_refused(phases, message):
    with pytest.raises(SelectionError, match=message) as err:
        Selection(time_normalize=phases)
    assert err.value.field == "time_normalize"


def test_an_input_without_a_phase_is_named():
    a = activity(["fixation", "stimulus", "decision"], np.zeros((1, 3, 2)))
    with pytest.raises(SelectionError, match=r"net\.zarr: phase 'delay': no time step"):
        normalize_time(a, (("delay", 2),), source="net.zarr")
    with pytest.raises(SelectionError, match="list the phases in time order"):
        normalize_time(a, (("decision", 2), ("fixation", 2)))
    b = activity(["fixation", "stimulus", "fixation"], np.zeros((1, 3, 2)))
    with pytest.raises(SelectionError, match="not contiguous"):
        normalize_time(b, (("fixation", 2),))


def _yang(compare_overlay: str, tmp_path: Path, tasks: list[str] | None = None) -> dict:
    config = yaml.safe_load((ROOT / "config" / "yang2019.yaml").read_text())
    config["tasks"] = tasks or config["tasks"]
    config["compare"].update(yaml.safe_load(compare_overlay))
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))  # phases in time order
    return load([path], defaults=ROOT / "config.yaml")


@pytest.mark.parametrize(
    ("overlay", "key"),
    [
        ("time_normalize: {phases: {fixation: 0}}", "compare.time_normalize.phases.fixation"),
        ("time_normalize: {phases: {fixaton: 5}}", "compare.time_normalize.phases"),
        ("time_normalize: {phases: {decision: 5, fixation: 5}}", "compare.time_normalize.phases"),
        (
            "time_normalize: {phases: {fixation: 5}, metrics: [rsa]}",
            "compare.time_normalize.metrics",
        ),
        ("time_normalize: {phase: {fixation: 5}}", "compare.time_normalize.phase"),
        (
            "{time_normalize: {phases: {fixation: 5}}, trials: {stim1_strength_mod1: [1.0]},"
            " average_over: [stim1_angle, rule]}",
            None,
        ),
    ],
)
def test_config_errors_name_the_key(overlay, key, tmp_path):
    if key is None:  # a valid overlay: the yang2019 tasks all give 8 conditions
        _yang(overlay, tmp_path)
        return
    with pytest.raises(ConfigError) as err:
        _yang(overlay, tmp_path)
    assert str(err.value).startswith(f"config key '{key}'")


def test_yang2019_with_the_documented_option_is_valid(tmp_path):
    config = _yang(
        "time_normalize: {phases: {fixation: 5, stimulus+delay: 20, decision: 5},"
        " metrics: [procrustes, cka]}",
        tmp_path,
    )
    selection = Selection.from_config(config["compare"])
    assert selection.time_normalize == (("fixation", 5), ("stimulus+delay", 20), ("decision", 5))
    assert selection.to_dict()["time_normalize"] == [
        ["fixation", 5],
        ["stimulus+delay", 20],
        ["decision", 5],
    ]
    assert "time_normalize" not in Selection().to_dict()  # plans without it unchanged


def test_tasks_with_different_trial_counts_are_refused(tmp_path):
    """pdm's test set has 8 conditions × coherences, delay_pro's 32 trials: time
    normalisation cannot make their samples correspond; the error says what to do."""
    with pytest.raises(ConfigError) as err:
        _yang(
            "time_normalize: {phases: {fixation: 5, stimulus: 10}}",
            tmp_path,
            tasks=["pdm", "delay_pro"],
        )
    assert str(err.value).startswith("config key 'compare.time_normalize': the tasks give")
    assert "compare.average_over" in str(err.value)
