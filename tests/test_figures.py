"""dynsim.figures: the figure data (order, bands, agreement, MDS, learning groups, accuracy)
checked on hand-built matrices against scipy, and every figure rendered at two sizes."""

from __future__ import annotations

import itertools
import warnings

import matplotlib.image as mpimg
import numpy as np
import pytest
import xarray as xr
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial import procrustes
from scipy.spatial.distance import pdist, squareform
from scipy.stats import rankdata, spearmanr

import dynsim.figures as figs
from dynsim.cli import main


def make_matrix(
    distance: np.ndarray,
    labels: dict[str, list],
    *,
    metric: str = "cka",
    accuracy: list[float] | None = None,
    progress: list[float] | None = None,
) -> xr.Dataset:
    """A matrix as the pairwise engine writes it: distance (model_a, model_b) (or (progress,
    model_a, model_b)), <label>_a/_b coordinates, a status, the metric's attributes."""
    n = len(next(iter(labels.values())))
    names = ["/".join(str(labels[k][i]) for k in labels) for i in range(n)]

    def array(values):  # strings as objects: variable-length strings in Zarr, as the engine's
        values = np.asarray(values)
        return values.astype(object) if values.dtype.kind == "U" else values

    coords: dict = {"model_a": array(names), "model_b": array(names)}
    for key, values in labels.items():
        coords[f"{key}_a"] = ("model_a", array(values))
        coords[f"{key}_b"] = ("model_b", array(values))
    if accuracy is not None:
        coords["accuracy_a"] = ("model_a", accuracy)
        coords["accuracy_b"] = ("model_b", accuracy)
    dims: tuple[str, ...] = ("model_a", "model_b")
    if progress is not None:
        coords["progress"] = progress
        dims = ("progress", *dims)
    status = np.full(distance.shape, "", dtype=object)
    return xr.Dataset(
        {"distance": (dims, distance), "status": (dims, status)},
        coords=coords,
        attrs={"metric": metric, "score_method": "angular", "checkpoint": "final", "epoch": "null"},
    )


def factorial(
    tasks=("pdm", "anti_pdm"), archs=("gru", "leaky_rnn"), seeds=(0, 1), regimes=("master",)
) -> dict[str, list]:
    rows = list(itertools.product(tasks, archs, regimes, seeds))
    return {k: [r[i] for r in rows] for i, k in enumerate(("task", "arch", "regime", "seed"))}


def block_distance(
    groups: list[int], within: float = 0.1, between: float = 1.0, seed: int = 0
) -> np.ndarray:
    """A symmetric distance with small distances within groups and large between them."""
    rng = np.random.default_rng(seed)
    g = np.asarray(groups)
    d = np.where(g[:, None] == g[None, :], within, between) + rng.uniform(0, 0.05, (g.size,) * 2)
    d = 0.5 * (d + d.T)
    np.fill_diagonal(d, 0.0)
    return d


# -- data ------------------------------------------------------------------------------------
def test_varied_factors_are_the_coordinates_with_more_than_one_value():
    m = make_matrix(np.zeros((8, 8)), factorial())
    assert figs.varied_factors(m) == ["task", "arch", "seed"]  # regime has one level
    assert list(figs.factor_levels(m, "task")[:4]) == ["pdm"] * 4
    with pytest.raises(ValueError, match="variant_a"):
        figs.factor_levels(m, "variant")


def test_network_order_is_scipy_average_linkage_and_keeps_clusters_together():
    labels = factorial()
    groups = [0, 1, 0, 1, 2, 3, 2, 3]  # task×arch blocks are not contiguous in storage
    d = block_distance(groups)
    order = figs.network_order(make_matrix(d, labels))
    expected = leaves_list(linkage(squareform(d), method="average", optimal_ordering=True))
    np.testing.assert_array_equal(order.order, expected)
    shown = [groups[k] for k in order.order]
    # every cluster is contiguous in the displayed order
    assert all(len({*shown[i : i + 2]}) == 1 for i in range(0, 8, 2))
    assert order.ordered == [order.models[k] for k in order.order]
    assert order.linkage.shape == (7, 4)


def test_one_order_for_every_metric_by_reference_or_consensus():
    labels = factorial()
    d = block_distance([0, 1, 0, 1, 2, 3, 2, 3])
    a = make_matrix(d, labels, metric="procrustes")
    # a monotone transform ranks pairs identically: the consensus (mean rank) is a's ranks
    b = make_matrix(10 * d**2, labels, metric="cka")
    names = list(a["model_a"].values)
    shuffled = [names[k] for k in (3, 0, 7, 1, 6, 2, 5, 4)]
    b = b.sel(model_a=shuffled, model_b=shuffled)  # stored in another order: aligned by name
    consensus = figs.network_order({"procrustes": a, "cka": b})
    ranks = rankdata(squareform(d)) / 28
    expected = leaves_list(linkage(ranks, method="average", optimal_ordering=True))
    assert consensus.ordered == [names[k] for k in expected]
    assert "consensus" in consensus.source
    by_ref = figs.network_order({"procrustes": a, "cka": b}, reference="cka")
    assert by_ref.models == tuple(shuffled) and "cka" in by_ref.source
    assert set(by_ref.ordered) == set(names)
    with pytest.raises(ValueError, match="reference metric 'dsa'"):
        figs.network_order({"procrustes": a}, reference="dsa")
    other = make_matrix(d[:4, :4], {k: v[:4] for k, v in labels.items()}, metric="dsa")
    with pytest.raises(ValueError, match="'dsa' has other networks"):
        figs.network_order({"procrustes": a, "dsa": other})


def test_bands_follow_the_order_with_one_colour_per_level():
    labels = factorial()
    m = make_matrix(block_distance([0, 1, 0, 1, 2, 3, 2, 3]), labels)
    order = figs.network_order(m)
    bands = figs.factor_levels(m.sel(model_a=order.ordered), "task")
    stored = dict(zip(m["model_a"].values, labels["task"], strict=True))
    assert list(bands) == [stored[name] for name in order.ordered]
    colours = figs.factor_colours("task", ["pdm", "anti_pdm"])
    assert len(set(colours.values())) == 2
    many = figs.factor_colours("task", [f"t{k}" for k in range(15)])  # past tab10's 10
    assert len(set(many.values())) == 15
    assert set(colours.values()).isdisjoint(figs.factor_colours("arch", ["a", "b"]).values())


def test_metric_agreement_is_scipy_spearman_over_common_pairs():
    rng = np.random.default_rng(1)
    labels = factorial()
    raw = {name: squareform(rng.uniform(0.1, 1.0, 28)) for name in ("procrustes", "cka", "dsa")}
    raw["cka"] = squareform(squareform(raw["procrustes"], checks=False) ** 3)  # monotone
    raw["dsa"][1, 2] = np.nan  # one pair without a value, one triangle only: mirrored
    raw["dsa"][3, 5] = raw["dsa"][5, 3] = np.nan  # one pair missing both ways
    matrices = {k: make_matrix(v, labels, metric=k) for k, v in raw.items()}
    agreement = figs.metric_agreement(matrices)
    iu = np.triu_indices(8, k=1)
    p, d = raw["procrustes"][iu], raw["dsa"].copy()
    d[1, 2] = d[2, 1]
    d = d[iu]
    ok = np.isfinite(d)
    assert agreement["rho"].sel(metric="procrustes", metric_other="cka") == pytest.approx(1.0)
    expected = spearmanr(p[ok], d[ok]).statistic
    assert float(agreement["rho"].sel(metric="procrustes", metric_other="dsa")) == pytest.approx(
        expected
    )
    assert int(agreement["n"].sel(metric="procrustes", metric_other="dsa")) == 27
    assert int(agreement["n"].sel(metric="procrustes", metric_other="cka")) == 28
    np.testing.assert_allclose(agreement["rho"].values, agreement["rho"].values.T)
    np.testing.assert_array_equal(np.diag(agreement["rho"].values), 1.0)
    with pytest.raises(ValueError, match="at least two metrics"):
        figs.metric_agreement({"cka": matrices["cka"]})


def test_classical_mds_recovers_a_known_configuration_up_to_rotation():
    rng = np.random.default_rng(2)
    points = rng.normal(size=(7, 2)) * [3.0, 1.0]
    rotation = np.array([[np.cos(0.7), -np.sin(0.7)], [np.sin(0.7), np.cos(0.7)]])
    d = squareform(pdist(points @ rotation + 5.0))
    coords, explained = figs.classical_mds(d)
    # the distances are reproduced exactly, and the configuration matches up to a similarity
    np.testing.assert_allclose(squareform(pdist(coords)), d, atol=1e-10)
    _, _, disparity = procrustes(points, coords)
    assert disparity < 1e-20
    assert explained.sum() == pytest.approx(1.0) and explained[0] > explained[1]
    coords3, explained3 = figs.classical_mds(d[:2, :2], n_components=3)  # fewer points
    assert coords3.shape == (2, 3) and explained3.shape == (3,)
    with pytest.raises(ValueError, match="square"):
        figs.classical_mds(np.zeros((3, 4)))


def test_learning_groups_use_every_varied_factor_matched_on_the_others():
    labels = factorial(archs=("gru",), regimes=("master", "untrained"))  # task × regime × seed
    n = 8
    m = make_matrix(np.zeros((3, n, n)), labels, progress=[0.0, 0.5, 1.0])
    groups, how = figs.learning_groups(m, "regime")
    assert how == "matched on task"
    assert list(groups) == ["master – master", "master – untrained", "untrained – untrained"]
    # per task: 2 master × 2 untrained networks across; 1 seed pair within each regime
    assert [int(g.sum()) for g in groups.values()] == [2, 8, 2]
    task = np.array(labels["task"])
    for mask in groups.values():
        i, j = np.nonzero(mask)
        assert (i < j).all() and (task[i] == task[j]).all()
    many = factorial(tasks=[f"t{k}" for k in range(5)], archs=("gru",), seeds=(0,))
    mm = make_matrix(np.zeros((5, 5)), many)
    groups, how = figs.learning_groups(mm, "task")  # 15 level pairs > 10 lines
    assert list(groups) == ["other task"] and how == "" and int(groups["other task"].sum()) == 10


def test_learning_groups_pool_when_nothing_is_matched():
    # task and arch confounded (pdm always gru): no task pair shares the architecture
    labels = {"task": ["pdm", "anti_pdm"], "arch": ["gru", "leaky_rnn"], "seed": [0, 0]}
    groups, how = figs.learning_groups(make_matrix(np.zeros((2, 2)), labels), "task")
    assert how == "pooled over arch" and int(groups["pdm – anti_pdm"].sum()) == 1


def test_accuracy_pairs_take_the_final_accuracy_coordinate():
    d = np.array([[0.0, 0.2, 0.4], [0.2, 0.0, np.nan], [0.4, np.nan, 0.0]])
    labels = {"task": ["a", "b", "c"], "seed": [0, 0, 0]}
    frame = figs.accuracy_pairs(make_matrix(d, labels, accuracy=[0.9, 0.5, 0.75]))
    assert list(frame["model_a"]) == ["a/0", "a/0"] and list(frame["model_b"]) == ["b/0", "c/0"]
    np.testing.assert_allclose(frame["distance"], [0.2, 0.4])
    np.testing.assert_allclose(frame["accuracy_difference"], [0.4, 0.15])
    with pytest.raises(ValueError, match="accuracy_a"):
        figs.accuracy_pairs(make_matrix(d, labels))


# -- rendering -------------------------------------------------------------------------------
def _pixels(path) -> tuple[int, int]:
    image = mpimg.imread(path)
    return image.shape[1], image.shape[0]  # width, height


def _experiment(n_tasks: int, seeds=(0, 1), long: bool = False) -> dict[str, xr.Dataset]:
    tasks = [
        f"task{k}" + ("_with_a_really_long_descriptive_name" if long else "")
        for k in range(n_tasks)
    ]
    labels = factorial(tasks=tasks, seeds=seeds)
    n = len(labels["task"])
    groups = [labels["task"].index(t) for t in labels["task"]]
    d = block_distance(groups)
    acc = list(np.linspace(0.5, 1.0, n))
    return {
        "procrustes": make_matrix(d, labels, metric="procrustes", accuracy=acc),
        "cka": make_matrix(np.sqrt(d), labels, metric="cka", accuracy=acc),
    }


def test_heatmaps_render_and_grow_with_networks_and_labels(tmp_path):
    small, large = _experiment(1), _experiment(4)  # 4 and 16 networks
    order = figs.network_order(small["procrustes"])
    paths = {
        "small": figs.similarity_heatmap(small["cka"], tmp_path / "s.png", order=order),
        "large": figs.similarity_heatmap(large["cka"], tmp_path / "l.png"),
        "long": figs.similarity_heatmap(_experiment(4, long=True)["cka"], tmp_path / "g.png"),
    }
    sizes = {k: _pixels(p) for k, p in paths.items()}
    assert sizes["large"][0] > sizes["small"][0] and sizes["large"][1] > sizes["small"][1]
    # the long labels' extra width (both margins) is in the file, not squeezed out of the matrix
    extra = figs.text_width(["task0_with_a_really_long_descriptive_name · gru · s0"], 9)
    extra -= figs.text_width(["task0 · gru · s0"], 9)
    grown = np.subtract(sizes["long"], sizes["large"]) / 150  # inches at 150 dpi
    assert (grown > 0.9 * extra).all(), (grown, extra)
    missing = large["cka"].copy(deep=True)
    missing["distance"][0, 1] = np.nan
    assert figs.similarity_heatmap(missing, tmp_path / "m.png").stat().st_size > 10_000
    with pytest.raises(ValueError, match="lacks networks"):
        figs.similarity_heatmap(large["cka"], tmp_path / "x.png", order=order)
    # a matrix between two sets of networks: drawn unclustered, not refused
    names = list(large["cka"]["model_a"].values)
    two_sets = large["cka"].isel(model_a=slice(0, 3))
    assert not figs.is_square(two_sets) and figs.is_square(large["cka"].sel(model_b=names[::-1]))
    assert figs.similarity_heatmap(two_sets, tmp_path / "r.png").stat().st_size > 10_000
    with pytest.raises(ValueError, match="not square over one set"):
        figs.network_order(two_sets)


def test_panel_learning_maps_agreement_accuracy_render(tmp_path):
    small, large = _experiment(1), _experiment(4)
    widths = [
        _pixels(figs.heatmap_panel(e, tmp_path / f"p{k}.png"))[0]
        for k, e in enumerate((small, large))
    ]
    assert widths[1] > widths[0]
    assert figs.mds_map(large["cka"], tmp_path / "mds.png").stat().st_size > 10_000
    assert figs.agreement_figure(large, tmp_path / "agree.png").stat().st_size > 10_000
    assert figs.accuracy_figure(large, tmp_path / "acc.png").stat().st_size > 10_000
    labels = factorial(
        tasks=("anti_pdm_delay",),
        archs=("gru",),
        seeds=(0,),
        regimes=("master", "pretrain", "unfrozen", "untrained"),
    )
    learning = make_matrix(
        np.random.default_rng(3).uniform(0, 1, (3, 4, 4)), labels, progress=[0.0, 0.5, 1.0]
    )
    assert figs.learning_curves(learning, tmp_path / "l.png").stat().st_size > 10_000
    groups, how = figs.learning_groups(learning, "regime")  # only the regime varies
    assert how == "" and len(groups) == 6 and all(int(g.sum()) == 1 for g in groups.values())
    learning["distance"][1] = np.nan  # a progress point without any value: a gap, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figs.learning_curves(learning, tmp_path / "gap.png")
    with pytest.raises(ValueError, match="progress"):
        figs.learning_curves(large["cka"], tmp_path / "x.png")


def test_mds_map_widens_for_long_level_names_instead_of_squeezing_the_map(tmp_path):
    # curricula's regimes (e.g. "pretrain_basic_anti_frozen") once squeezed the map to a
    # narrow strip beside its legend: the extra legend width must be added to the file
    def mds_width(regimes: tuple[str, ...], name: str) -> int:
        labels = factorial(tasks=("anti_pdm_delay",), archs=("gru",), seeds=(0,), regimes=regimes)
        matrix = make_matrix(block_distance([0, 0, 1, 1]), labels)
        return _pixels(figs.mds_map(matrix, tmp_path / name))[0]

    short = ("a", "b", "c", "d")
    long = ("master", "pretrain_basic_anti_frozen", "pretrain_unfrozen", "untrained")
    extra = figs.text_width(["pretrain_basic_anti_frozen"], 8) - figs.text_width(["regime"], 8)
    grown = (mds_width(long, "long.png") - mds_width(short, "short.png")) / 150  # in, 150 dpi
    assert grown > 0.9 * extra, (grown, extra)


def test_cli_figure_kinds_and_clear_errors(tmp_path, capsys):
    stores = []
    for name, matrix in _experiment(2).items():
        stores.append(str(tmp_path / f"{name}.zarr"))
        matrix.to_zarr(stores[-1], consolidated=False)
    out = tmp_path / "fig"
    assert main(["figure", stores[1], "--order-from", stores[0], "-o", f"{out}_h.png"]) == 0
    assert main(["figure", *stores, "--kind", "panel", "-o", f"{out}_p.png"]) == 0
    assert main(["figure", *stores, "--kind", "agreement", "-o", f"{out}_a.png"]) == 0
    assert main(["figure", stores[0], "--kind", "mds", "-o", f"{out}_m.png"]) == 0
    assert main(["figure", *stores, "--kind", "accuracy", "-o", f"{out}_c.png"]) == 0
    capsys.readouterr()
    assert main(["figure", *stores, "--kind", "heatmap", "-o", f"{out}_x.png"]) == 2
    assert "--kind heatmap draws one matrix" in capsys.readouterr().err
    assert main(["figure", stores[0], "--kind", "learning", "-o", f"{out}_x.png"]) == 2
    assert "not a learning matrix" in capsys.readouterr().err
    assert main(["figure", stores[0], "--kind", "agreement", "-o", f"{out}_x.png"]) == 2
    assert main(["figure", stores[0], "-o", f"{out}_x.docx"]) == 2
    assert "unknown figure format '.docx'" in capsys.readouterr().err
    assert main(["figure", stores[0], "-o", f"{out}_v.pdf"]) == 0  # vector formats for slides
    assert not list(tmp_path.glob("fig_x*"))


def test_figures_import_without_torch():
    import subprocess
    import sys

    code = "import sys, dynsim.figures; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_summary_caption_renders_and_points_at_the_tables(tmp_path):
    # The report's Summary item is summary.html (shown in a frame; tests/test_workflow.py's
    # end-to-end run checks its tables); its caption (workflow/report/summary.rst) describes
    # it and names summary.md as the source, without pasting the Markdown into the page.
    # Rendered as snakemake.report.ReportObject.render does: Jinja, then docutils to HTML.
    from pathlib import Path
    from types import SimpleNamespace

    import jinja2
    from docutils.core import publish_parts

    summary = tmp_path / "summary.md"
    summary.write_text(
        "# dynsim experiment summary\n\n| metric | p (BH) |\n|---|---|\n| cka | 0.064 |\n",
        encoding="utf-8",
    )
    caption = Path(__file__).parents[1] / "workflow" / "report" / "summary.rst"
    rst = jinja2.Environment().from_string(caption.read_text(encoding="utf-8"))
    html = publish_parts(
        rst.render(snakemake=SimpleNamespace(output=[str(summary)])), writer="html"
    )["body"]
    assert "summary.md" in html and "eye button" in html
    assert "| cka | 0.064 |" not in html and "# dynsim experiment summary" not in html
