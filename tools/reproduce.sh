#!/usr/bin/env bash
# Reproduce every figure, table and the report from scratch (README "Reproduce").
# Usage: bash tools/reproduce.sh [extra snakemake arguments, e.g. --configfile config/test.yaml]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh
.venv/bin/python -m snakemake --cores "${CORES:-2}" "$@"
.venv/bin/python -m snakemake --cores 1 --report results/report.html "$@"
echo "Figures: results/figures/   Tables: results/tables/   Report: results/report.html"
