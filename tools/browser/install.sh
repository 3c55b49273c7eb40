#!/usr/bin/env bash
# Install a headless browser for the report tests: Debian's chromium and chromium-driver (apt-get;
# chromium-driver pulls chromium). Idempotent; needs root (see tools/apt_install.sh).
set -euo pipefail
exec bash "$(dirname "$0")/../apt_install.sh" browser/install "chromium chromedriver" \
  'echo "$(chromium --version), $(chromedriver --version)"' chromium chromium-driver
