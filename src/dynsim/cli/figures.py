"""``dynsim figure``: one figure of matrix stores written by ``compare`` (dynsim.figures; the
workflow's rules in workflow/rules/figures.smk run it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dynsim.cli._common import HelpFormatter, examples

#: What `dynsim figure --kind` draws (see dynsim.figures).
FIGURE_KINDS = ("auto", "heatmap", "panel", "learning", "mds", "agreement", "accuracy")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``figure`` to the ``dynsim`` subcommands ``sub``."""
    p = sub.add_parser(
        "figure",
        help="figures of distance matrices → PNG (heatmap, panel, learning, mds, agreement, "
        "accuracy)",
        description="Draw one figure from matrix stores written by `compare`. --kind auto: a "
        "learning matrix gives learning curves, any other a clustered heatmap.",
        epilog=examples(
            "dynsim figure cka.zarr -o cka.png",
            "dynsim figure cka.zarr --kind heatmap --order-from cka.zarr procrustes.zarr\n"
            "-o cka_heatmap.png",
            "dynsim figure cka.zarr procrustes.zarr dsa.zarr --kind agreement -o agreement.png",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "matrices",
        nargs="+",
        type=Path,
        metavar="MATRIX",
        help="matrix store(s) written by `compare` (several for panel, agreement, accuracy)",
    )
    p.add_argument(
        "-o", "--out", type=Path, required=True, help="figure to write (.png, .pdf, .svg, ...)"
    )
    p.add_argument(
        "--kind",
        choices=FIGURE_KINDS,
        default="auto",
        help="heatmap: one metric; panel: every metric side by side; learning: "
        "distance over training progress; mds: networks placed by classical MDS; "
        "agreement: Spearman ρ between metrics; accuracy: distance against accuracy "
        "difference",
    )
    p.add_argument(
        "--order-from",
        nargs="+",
        type=Path,
        default=None,
        metavar="MATRIX",
        help="heatmap/panel: order the networks by the clustering of these matrices "
        "(one: its clustering; several: their consensus), so every metric's heatmap "
        "shares one order",
    )
    p.set_defaults(func=_cmd_figure)


def _cmd_figure(args: argparse.Namespace) -> int:
    import dynsim.figures as figs
    from dynsim.store import open_matrix

    single = ("auto", "heatmap", "learning", "mds")
    if args.kind in single and len(args.matrices) != 1:
        raise ValueError(f"--kind {args.kind} draws one matrix, got {len(args.matrices)}")
    if args.kind == "agreement" and len(args.matrices) < 2:
        raise ValueError("--kind agreement needs at least two matrices (metrics)")
    if args.order_from and args.kind not in ("auto", "heatmap", "panel"):
        raise ValueError(f"--order-from applies to heatmap and panel figures, not {args.kind}")
    from matplotlib.figure import Figure

    formats = Figure().canvas.get_supported_filetypes()  # png, pdf, svg, ...
    if args.out.suffix.lower().lstrip(".") not in formats:
        raise ValueError(
            f"--out {args.out}: unknown figure format {args.out.suffix!r}; use one of "
            + ", ".join(f".{f}" for f in sorted(formats))
        )
    matrices = {}
    for path in args.matrices:
        matrix = open_matrix(path)
        name = str(matrix.attrs.get("metric", path.stem))
        learning = "progress" in matrix["distance"].dims
        if learning != (args.kind == "learning") and args.kind != "auto":
            what = "a learning matrix" if learning else "not a learning matrix"
            raise ValueError(f"{path}: {what}; --kind {args.kind} needs the other kind")
        if name in matrices:
            raise ValueError(f"{path}: metric {name!r} given twice")
        matrices[name] = matrix
    order = None
    if args.order_from:
        ordering = {}
        for path in args.order_from:
            matrix = open_matrix(path)
            if "progress" in matrix["distance"].dims:
                raise ValueError(f"--order-from {path}: a learning matrix; give final matrices")
            ordering[str(matrix.attrs.get("metric", path.stem))] = matrix
        order = figs.network_order(ordering)
    first, kind = next(iter(matrices.values())), args.kind
    if kind == "auto":
        kind = "learning" if "progress" in first["distance"].dims else "heatmap"
    if kind == "heatmap":
        figs.similarity_heatmap(first, args.out, order=order)
    elif kind == "learning":
        figs.learning_curves(first, args.out)
    elif kind == "mds":
        figs.mds_map(first, args.out)
    elif kind == "panel":
        figs.heatmap_panel(matrices, args.out, order=order)
    elif kind == "agreement":
        figs.agreement_figure(matrices, args.out)
    else:
        figs.accuracy_figure(matrices, args.out)
    print(f"figure → {args.out}")
    return 0
