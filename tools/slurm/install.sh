#!/usr/bin/env bash
# Install a single-node SLURM (Debian's slurm-wlm, 22.05 on Debian 12) and munge with apt-get.
# Idempotent: does nothing when the daemons and client commands are already installed.
# Needs root (the CI machine and the dev machines run as root). Exit status != 0 when it cannot install.
set -euo pipefail
need=(munged mungekey slurmctld slurmd sbatch squeue sinfo scontrol scancel)
missing=0
for c in "${need[@]}"; do
  command -v "$c" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$c" >/dev/null 2>&1 || missing=1
done
if [ "$missing" = 0 ]; then
  echo "slurm/install: slurm-wlm and munge already installed ($(PATH="$PATH:/usr/sbin" slurmd -V))"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "slurm/install: not root, cannot apt-get install slurm-wlm munge" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# --no-install-recommends: no mail server, no docs; slurm-wlm pulls slurmctld, slurmd and the client tools.
apt-get install -y -q --no-install-recommends slurm-wlm munge
echo "slurm/install: installed $(PATH="$PATH:/usr/sbin" slurmd -V)"
