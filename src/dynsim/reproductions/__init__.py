"""Reproductions of published studies from dynsim's workflow outputs: one module per paper
(:mod:`dynsim.reproductions.guilhot2024`). Analysis level: may use the store, the metrics, the
pairwise engine, the bench and :mod:`dynsim.stats`; imported only by the CLI and the workflow.
"""
