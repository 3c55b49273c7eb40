#!/usr/bin/env bash
# Install Debian packages with apt-get unless the commands they provide are already there.
#   bash tools/apt_install.sh NAME "CMD1 CMD2 ..." "VERSION COMMAND" PACKAGE...
# NAME labels the messages; the CMDs are looked up on PATH and in /usr/sbin, /sbin; VERSION COMMAND
# is printed after a successful check or install. Idempotent: does nothing when every CMD exists.
# Needs root (the CI machine and the dev machines run as root): exit status 2 when not root.
set -euo pipefail
name=$1 need=$2 version=$3
shift 3
export PATH="$PATH:/usr/sbin:/sbin"
missing=0
for c in $need; do
  command -v "$c" >/dev/null 2>&1 || missing=1
done
if [ "$missing" = 0 ]; then
  echo "$name: already installed ($(eval "$version" 2>/dev/null | head -1))"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "$name: not root, cannot apt-get install $*" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# --no-install-recommends: no desktop extras, mail server or docs.
apt-get install -y -q --no-install-recommends "$@"
echo "$name: installed $(eval "$version" 2>/dev/null | head -1)"
