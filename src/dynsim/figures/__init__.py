"""Figures of an experiment, and the helpers every dynsim figure shares.

- :mod:`~dynsim.figures.common`: labels, filling a distance matrix, colours, text extents,
  saving (also used by the INSD battery's, the systems bench's and the task figures);
- :mod:`~dynsim.figures.data`: what the figures show, as plain data (varied factors, one
  network order for every metric, metric agreement, classical MDS, learning-curve groups,
  distance against accuracy difference) — tested without drawing;
- :mod:`~dynsim.figures.heatmap`: clustered heatmaps, one metric or all side by side;
- :mod:`~dynsim.figures.learning`: distances over learning by every varied factor;
- :mod:`~dynsim.figures.maps`: MDS maps, metric agreement, distance against accuracy.

Every figure is drawn with matplotlib's object-oriented API (:class:`matplotlib.figure.Figure`,
never pyplot), so no library module chooses a backend or keeps pyplot state:
:meth:`Figure.savefig` renders files with Agg whatever the session's backend, and nothing is
left open after a figure is written. Nothing here imports torch.
"""

from dynsim.figures.common import (
    LABELS,
    cluster_order,
    distance_cmap,
    factor_colours,
    fill_distance,
    model_labels,
    save_figure,
    text_width,
)
from dynsim.figures.data import (
    NetworkOrder,
    accuracy_pairs,
    classical_mds,
    factor_levels,
    is_square,
    learning_groups,
    metric_agreement,
    network_order,
    pair_distances,
    varied_factors,
)
from dynsim.figures.heatmap import checkpoint_phrase, heatmap_panel, similarity_heatmap
from dynsim.figures.learning import learning_curves
from dynsim.figures.maps import accuracy_figure, agreement_figure, mds_map

__all__ = [
    "LABELS",
    "NetworkOrder",
    "accuracy_figure",
    "accuracy_pairs",
    "agreement_figure",
    "checkpoint_phrase",
    "classical_mds",
    "cluster_order",
    "distance_cmap",
    "factor_colours",
    "factor_levels",
    "fill_distance",
    "heatmap_panel",
    "is_square",
    "learning_curves",
    "learning_groups",
    "mds_map",
    "metric_agreement",
    "model_labels",
    "network_order",
    "pair_distances",
    "save_figure",
    "similarity_heatmap",
    "text_width",
    "varied_factors",
]
