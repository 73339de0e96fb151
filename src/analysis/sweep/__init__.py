"""Sweeps: many independent seeded reruns of the analyses, on one machine or on a Dask cluster.

``engine`` runs the tasks (serially, on a local cluster, on an existing scheduler or on Slurm) with
seeds that make the results independent of the number of workers; the robustness sweep and the Monte
Carlo recovery study are built on it.
"""
