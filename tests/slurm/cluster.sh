#!/usr/bin/env bash
# A private one-machine Slurm cluster for tests and benchmarks (Debian's slurm-wlm and munge,
# installed by scripts/install-deps.sh; this script installs nothing).
#
#   tests/slurm/cluster.sh start DIR [CPUS]   starts munged, slurmctld and slurmd with their
#                                             configuration, state, logs and sockets in DIR
#                                             (created; must be empty or absent), waits until
#                                             the node is idle, prints `SLURM_CONF=DIR/slurm.conf`
#   tests/slurm/cluster.sh stop DIR           cancels every job, stops the daemons (TERM, then
#                                             KILL after 10 s) and removes DIR
#   tests/slurm/cluster.sh run DIR [CPUS]     start, then stop once stdin reaches its end: a
#                                             test holds the pipe, so the cluster goes away
#                                             with the test however it ends (kill -9 included)
#
# Ports are picked free at start, so clusters started by tests running side by side do not
# meet. Daemons run in the foreground (-D) as children of this script's caller's session;
# their pids are in DIR/pids. A start that fails stops what it started.
set -euo pipefail

command=${1:?usage: cluster.sh start|stop DIR [CPUS]}
dir=${2:?usage: cluster.sh start|stop DIR [CPUS]}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_cluster() {
  [ -d "$dir" ] || return 0
  if [ -f "$dir/slurm.conf" ] && [ -f "$dir/pids" ]; then
    SLURM_CONF="$dir/slurm.conf" timeout 10 scancel --quiet --full --user="$(id -un)" 2>/dev/null || true
  fi
  if [ -f "$dir/pids" ]; then
    pids=$(cat "$dir/pids")
    # slurmd first: it ends its steps; then the controller, then munge.
    for pid in $(echo "$pids" | tac); do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 100); do
      alive=0
      for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" = 0 ] && break
      sleep 0.1
    done
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
  fi
  rm -rf "$dir"
}

case "$command" in
  stop)
    stop_cluster
    exit 0
    ;;
  start | run) ;;
  *)
    echo "usage: cluster.sh start|stop|run DIR [CPUS]" >&2
    exit 2
    ;;
esac

cpus=${3:-$(nproc)}
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
  echo "cluster.sh: $dir is not empty" >&2
  exit 1
fi
mkdir -p "$dir"/{munge,state,spool,log}
dir=$(cd "$dir" && pwd)
trap 'status=$?; [ $status = 0 ] || { cat "$dir"/log/*.log >&2 2>/dev/null; stop_cluster; }' EXIT
user=$(id -un)
memory=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)

dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
ctld_port=$(free_port)
slurmd_port=$(free_port)
while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done

cat >"$dir/slurm.conf" <<CONF
ClusterName=anneal$ctld_port
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
MinJobAge=30
KillWait=5
ReturnToService=2
MpiDefault=none
NodeName=c1 NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=c1 Default=YES MaxTime=INFINITE State=UP
CONF

export SLURM_CONF="$dir/slurm.conf"
: >"$dir/pids"
munged -F --force --socket="$dir/munge/munge.sock" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munge.seed" \
  --log-file="$dir/log/munged.log" </dev/null >>"$dir/log/munged.log" 2>&1 &
echo $! >>"$dir/pids"
for _ in $(seq 50); do [ -S "$dir/munge/munge.sock" ] && break; sleep 0.05; done
slurmctld -D -i </dev/null >>"$dir/log/slurmctld.out" 2>&1 &
echo $! >>"$dir/pids"
slurmd -D -N c1 </dev/null >>"$dir/log/slurmd.out" 2>&1 &
echo $! >>"$dir/pids"
for _ in $(seq 300); do
  state=$(sinfo -h -n c1 -o %t 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.05
done
if [ "$state" != idle ]; then
  echo "cluster.sh: the node did not become idle (state: ${state:-none})" >&2
  exit 1
fi
echo "SLURM_CONF=$SLURM_CONF"
if [ "$command" = run ]; then
  trap 'stop_cluster' EXIT
  trap 'exit 0' TERM INT HUP
  # In the background so that a TERM is handled at once (bash runs traps between commands);
  # its stdin given explicitly, or a background job would read /dev/null.
  cat <&0 >/dev/null &
  wait $! || true
fi
