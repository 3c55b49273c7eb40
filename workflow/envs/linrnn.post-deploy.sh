#!/usr/bin/env bash
# Run by Snakemake (--sdm conda) once after creating the rule environment, from the working
# directory (the repository root when run as documented): install linrnn without touching deps.
set -euo pipefail
python -m pip install --no-deps -e .
