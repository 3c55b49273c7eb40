#!/usr/bin/env bash
# Install a headless browser for the report tests: Debian's chromium and chromium-driver (apt-get).
# Idempotent: does nothing when both are already installed.
# Needs root (the CI machine and the dev machines run as root). Exit status != 0 when it cannot install.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  echo "browser/install: already installed ($(chromium --version 2>/dev/null), $(chromedriver --version 2>/dev/null | head -1))"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "browser/install: not root, cannot apt-get install chromium chromium-driver" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# --no-install-recommends: no desktop extras; chromium-driver pulls chromium.
apt-get install -y -q --no-install-recommends chromium chromium-driver
echo "browser/install: installed $(chromium --version 2>/dev/null), $(chromedriver --version 2>/dev/null | head -1)"
