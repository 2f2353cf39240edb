"""Experiment engine: designs, runners (local pool, Dask), result store, sensitivity analysis."""
