#!/usr/bin/env bash
# The test command (README): bootstrap the venv, then run the default test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
