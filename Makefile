# Convenience targets; the README's two commands are the supported entry points.
.PHONY: baseline test bench lint

baseline:
	bash scripts/run_baseline.sh

test:
	bash scripts/test.sh

lint:
	.venv/bin/ruff check .

# Speed measurements: one JSON line per measurement (docs/performance.md).
bench:
	bash scripts/setup.sh
	cd benchmarks && for b in bench_*.py; do ../.venv/bin/python $$b || exit 1; done
