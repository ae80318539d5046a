#!/usr/bin/env bash
# cluster.sh up|down DIR — a real single-node Slurm (Debian slurm-wlm + munge) that lives in DIR,
# for tests: `eval "$(cluster.sh up DIR)"` starts munged, slurmctld and slurmd with their own key,
# socket, free ports, state, spool, pids and logs all in DIR, waits until the node is idle and
# prints `export SLURM_CONF=DIR/slurm.conf`; `cluster.sh down DIR` stops them (safe to repeat,
# and after a failed up). Clusters in different DIRs do not share anything, so parallel test runs
# and a stale cluster left by a killed test do not collide. Needs root (slurmd runs jobs as the
# submitting user, and munged must own its key): exits 77 ("skipped: ...") where it cannot run.
set -euo pipefail
usage() { echo "usage: $0 up|down DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2
PATH=$PATH:/usr/sbin:/sbin
skip() { echo "skipped: $*" >&2; exit 77; }

# stop NAME...: TERM each pid in DIR/NAME.pid that is still ours (NAME and DIR in its command
# line, so a reused pid is left alone), wait up to 10 s for them all to exit, then KILL.
stop() {
  local name pid args pids=()
  for name in "$@"; do
    [[ -s $dir/$name.pid ]] || continue
    pid=$(<"$dir/$name.pid")
    args=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)
    [[ $args == *"$name "*"$dir/"* ]] && kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  for _ in $(seq 100); do
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && { sleep 0.1; continue 2; }; done
    break
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for name in "$@"; do rm -f "$dir/$name.pid"; done
}

down() {
  [[ -d $dir ]] || return 0
  dir=$(cd "$dir" && pwd)
  # Jobs first, while slurmctld still answers: their slurmstepd would outlive slurmd.
  if [[ -f $dir/slurm.conf && -s $dir/slurmctld.pid ]]; then
    export SLURM_CONF=$dir/slurm.conf
    if timeout 5 scancel --user="$(id -un)" 2>/dev/null; then
      for _ in $(seq 50); do [[ -z $(timeout 5 squeue -h 2>/dev/null) ]] && break; sleep 0.1; done
    fi
  fi
  stop slurmd slurmctld munged
}

up() {
  [[ $(id -u) -eq 0 ]] || skip "a local Slurm needs root (slurmd, munged)"
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge; }
    } >/dev/null 2>&1 || skip "slurm-wlm and munge are not installed and cannot be installed"
  fi
  down  # a cluster still running from an earlier up in this DIR
  rm -rf "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
  mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
  dir=$(cd "$dir" && pwd)
  # munged wants root to own its key; --force makes "not everyone can reach the socket" (a DIR
  # under /root, a mktemp -d) a warning: only root talks to it here.
  head -c 1024 /dev/urandom >"$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  local sock=$dir/munge/munge.socket
  (( ${#sock} < 100 )) || { echo "cluster.sh: DIR is too long for a unix socket path: $sock" >&2; exit 1; }
  /usr/sbin/munged --force --socket="$sock" --key-file="$dir/munge/munge.key" --pid-file="$dir/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" ||
    { echo "cluster.sh: munged did not start:" >&2; tail -3 "$dir/log/munged.log" >&2; exit 1; }

  # Two free ports from the kernel (so neither a parallel run nor a stale cluster holds them).
  local ports host mem_mb
  ports=$(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
  host=$(hostname -s)
  mem_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 ))
  cat >"$dir/slurm.conf" <<EOF
# written by tests/slurm/cluster.sh up
ClusterName=grokscope-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=${ports% *}
SlurmdPort=${ports#* }
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
# Start jobs on the next scheduler pass (~1 s) instead of batching them for 3 s: arrays finish ~2.5x sooner.
SchedulerParameters=batch_sched_delay=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$(( mem_mb > 2048 ? mem_mb - 1024 : mem_mb / 2 )) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$dir/slurm.conf
  { slurmctld -f "$SLURM_CONF" && slurmd -f "$SLURM_CONF"; } ||
    { echo "cluster.sh: slurmctld/slurmd did not start; logs in $dir/log" >&2; down; exit 1; }
  local state="" deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    state=$(timeout 5 sinfo -h -N -o %t 2>/dev/null || true)
    [[ $state == idle || $state == inval || $state == drain ]] && break  # the last two stay
    sleep 0.1
  done
  if [[ $state != idle ]]; then
    echo "cluster.sh: node not idle (state '${state:-none}'); last log lines:" >&2
    tail -n 5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
    down
    exit 1
  fi
  printf 'export SLURM_CONF=%q\n' "$SLURM_CONF"
}

case $cmd in
  up) up ;;
  down) down ;;
  *) usage ;;
esac
