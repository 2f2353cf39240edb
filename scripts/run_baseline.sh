#!/usr/bin/env bash
# Set up (if needed) and run the baseline scenario with its figures into out/baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
exec .venv/bin/ftzsim run scenarios/baseline.toml --seed 2021 --replicates 40 --posterior --out out/baseline --overwrite --figures "$@"
