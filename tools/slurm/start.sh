#!/usr/bin/env bash
# Start a throw-away single-node SLURM cluster (munged + slurmctld + slurmd, all as root) whose
# configuration, state, spool, logs, sockets and pid files all live under DIR. Nothing is written to
# /etc; the system munged/slurm (if any) is not touched.
#
#   tools/slurm/start.sh DIR     # prints `export SLURM_CONF=DIR/slurm.conf PATH=DIR/bin:$PATH`
#   eval "$(tools/slurm/start.sh /tmp/slurm)"; sbatch --wrap hostname; ...; tools/slurm/stop.sh /tmp/slurm
#
# Every client (sbatch, squeue, snakemake's slurm executor) must see SLURM_CONF=DIR/slurm.conf, and
# DIR/bin must come first on PATH (srun shim, see below).
# Waits (up to SLURM_START_TIMEOUT s, default 60) until `sinfo` shows the node idle. On any failure
# it stops what it started (tools/slurm/stop.sh DIR) and exits != 0 with the daemons' log tails.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "slurm/start: must run as root (slurmd runs jobs as root here)" >&2; exit 2; }
mkdir -p "$1"
D=$(cd "$1" && pwd)
chmod 700 "$D"
mkdir -p "$D"/{munge,state,spool,log,run,bin}
chmod 700 "$D"/munge

# A port is free when nothing accepts a connection on it.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ctld_port=${SLURM_CTLD_PORT:-6817}
while ! port_free "$ctld_port" || ! port_free $((ctld_port + 1)); do ctld_port=$((ctld_port + 2)); done
slurmd_port=$((ctld_port + 1))

node=$(hostname -s)
cpus=$(nproc)
# RealMemory must not exceed what slurmd measures, or the node is drained: take 90 % of MemTotal.
mem_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)

cat > "$D/slurm.conf" <<CONF
# Single-node test cluster written by tools/slurm/start.sh; everything lives under $D.
ClusterName=linrnn
SlurmctldHost=${node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${ctld_port}
SlurmdPort=${slurmd_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket.2
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups in a container: track processes by parent pid, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SwitchType=switch/none
# CPUs and memory are the consumable resources (so --mem and --cpus-per-task are honoured).
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
# No slurmdbd: sacct cannot answer, so snakemake must use --slurm-status-command squeue; squeue keeps
# finished jobs for MinJobAge seconds, which must exceed 3x the plugin's first status-check delay.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=3600
# A node that was down comes back by itself when slurmd registers with a valid configuration.
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
Waittime=0
NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

fail() {
  echo "slurm/start: $*" >&2
  for f in "$D"/log/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  "$here/stop.sh" "$D" >&2 || true
  exit 1
}

# snakemake-executor-plugin-slurm-jobstep (0.6.1) strips every SLURM_* variable, SLURM_CONF included,
# before the nested `srun` that runs a rule inside the job, so that srun cannot find a slurm.conf kept
# outside /etc/slurm ("Could not establish a configuration source"). Real clusters keep it in /etc/slurm;
# here an `srun` shim in DIR/bin (put first on PATH, which the plugin keeps) restores SLURM_CONF.
cat > "$D/bin/srun" <<SHIM
#!/bin/sh
export SLURM_CONF="$D/slurm.conf"
exec $(command -v srun) "\$@"
SHIM
chmod 755 "$D/bin/srun"

# Daemons carry this variable so stop.sh can find their (and slurmstepd's) pids even without pid files.
export LINRNN_SLURM_CLUSTER="$D"
export SLURM_CONF="$D/slurm.conf"

# munge: a fresh key per cluster, own socket, pid, log and seed files (nothing in /etc or /run).
[ -f "$D/munge/munge.key" ] || mungekey --create --keyfile="$D/munge/munge.key" 2>/dev/null \
  || dd if=/dev/urandom of="$D/munge/munge.key" bs=1 count=1024 status=none
chmod 600 "$D/munge/munge.key"
munged --force --key-file="$D/munge/munge.key" --socket="$D/munge/munge.socket.2" \
  --pid-file="$D/run/munged.pid" --log-file="$D/log/munged.log" --seed-file="$D/munge/munged.seed" \
  || fail "munged did not start"

slurmctld -c -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"

timeout=${SLURM_START_TIMEOUT:-60}
t0=$(date +%s)
until [ "$(sinfo -h -N -n "$node" -o '%t' 2>/dev/null)" = idle ]; do
  if [ $(($(date +%s) - t0)) -ge "$timeout" ]; then
    sinfo -N -l >&2 || true
    fail "node $node not idle after ${timeout}s"
  fi
  sleep 0.5
done
echo "slurm/start: node $node idle after $(($(date +%s) - t0))s (ports $ctld_port/$slurmd_port, dir $D)" >&2
echo "export SLURM_CONF=$SLURM_CONF PATH=$D/bin:\$PATH"
