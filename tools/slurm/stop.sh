#!/usr/bin/env bash
# Stop the cluster started by tools/slurm/start.sh DIR and leave nothing running:
#  1. cancel every job still known to this cluster's slurmctld and wait (<= 20 s) for them to end;
#  2. stop slurmd, slurmctld and munged by their pid files (TERM, then KILL after 10 s);
#  3. safety net: KILL any process still carrying LINRNN_SLURM_CLUSTER=DIR in its environment (the
#     daemons and their slurmstepd) together with its descendants, by pid.
# Safe to run twice, or on a half-started cluster. The DIR itself is left for the caller to remove.
set -u  # no pipefail: `producer | grep -q` must not fail on SIGPIPE
export PATH="$PATH:/usr/sbin:/sbin"
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
[ -d "$1" ] || { echo "slurm/stop: no such directory $1" >&2; exit 0; }
D=$(cd "$1" && pwd)
unset LINRNN_SLURM_CLUSTER
export SLURM_CONF="$D/slurm.conf"

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { [ -s "$D/run/$1.pid" ] && tr -dc 0-9 < "$D/run/$1.pid"; }

ctld=$(pid_of slurmctld || true)
if alive "$ctld" && [ -f "$SLURM_CONF" ]; then
  jobs=$(timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    echo "slurm/stop: cancelling jobs $jobs" >&2
    # shellcheck disable=SC2086
    timeout 10 scancel $jobs 2>/dev/null || true
    for _ in $(seq 40); do
      [ -z "$(timeout 10 squeue -h -t PD,R,CG,S -o %A 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
fi

stop_pid() {  # name pid
  local name=$1 pid=$2
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 40); do alive "$pid" || { echo "slurm/stop: stopped $name ($pid)" >&2; return 0; }; sleep 0.25; done
  kill -KILL "$pid" 2>/dev/null
  echo "slurm/stop: killed $name ($pid)" >&2
}
for name in slurmd slurmctld munged; do
  stop_pid "$name" "$(pid_of "$name" || true)"
done

# Safety net. A leftover is a process carrying LINRNN_SLURM_CLUSTER=DIR (set by start.sh for the
# daemons) or a slurmstepd of this cluster (its environment is cleared, but its cwd and its log fd are
# under DIR). Ancestors of this script (which may have inherited the variable) are spared.
declare -A spare=()
p=$$
while [ -n "$p" ] && [ "$p" -gt 1 ]; do
  spare[$p]=1
  p=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f2)
done
left=()
for proc in /proc/[0-9]*; do
  pid=${proc#/proc/}
  [ -n "${spare[$pid]:-}" ] && continue
  if { tr '\0' '\n' < "$proc/environ" | grep -qxF "LINRNN_SLURM_CLUSTER=$D"; } 2>/dev/null; then
    left+=("$pid")
  elif [ "$(cat "$proc/comm" 2>/dev/null)" = slurmstepd ] \
    && { readlink "$proc/cwd"; ls -l "$proc/fd/"; } 2>/dev/null | grep -qF "$D/"; then
    left+=("$pid")
  fi
done
if [ ${#left[@]} -gt 0 ]; then
  # add descendants (job processes under slurmstepd)
  all=("${left[@]}")
  frontier=("${left[@]}")
  declare -A children=()  # ppid -> "pid pid ..." from /proc (no procps needed)
  for st in /proc/[0-9]*/stat; do
    read -r cpid _ < "$st" 2>/dev/null || continue
    # field 4 (ppid) follows the ")" that closes the command name
    rest=$(sed 's/^.*) //' "$st" 2>/dev/null) || continue
    set -- $rest
    [ $# -ge 2 ] && children[$2]+="$cpid "
  done
  while [ ${#frontier[@]} -gt 0 ]; do
    next=()
    for pp in "${frontier[@]}"; do
      for c in ${children[$pp]:-}; do next+=("$c"); done
    done
    all+=("${next[@]}")
    frontier=("${next[@]}")
  done
  echo "slurm/stop: killing leftover processes ${all[*]}" >&2
  kill -KILL "${all[@]}" 2>/dev/null || true
fi
exit 0
