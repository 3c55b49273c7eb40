#!/usr/bin/env bash
# Install a single-node SLURM (Debian's slurm-wlm, 22.05 on Debian 12; it pulls slurmctld, slurmd
# and the client tools) and munge with apt-get. Idempotent; needs root (see tools/apt_install.sh).
set -euo pipefail
exec bash "$(dirname "$0")/../apt_install.sh" slurm/install \
  "munged mungekey slurmctld slurmd sbatch squeue sinfo scontrol scancel" "slurmd -V" slurm-wlm munge
