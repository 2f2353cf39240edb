"""Analysis of results: figures (and, with the engine, sensitivity summaries)."""
