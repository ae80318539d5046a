#!/usr/bin/env bash
# cli_shared_cores.sh GROK_TRAIN GROK_PROBE WORK_DIR — a tool that would oversubscribe the cores
# restarts itself with OMP_WAIT_POLICY=PASSIVE, and only then. Seen from outside: libgomp's
# OMP_DISPLAY_ENV=verbose prints the spin count it runs with (300000 by default, 0 when passive).
# A live registry entry is another process holding its entry's lock (here a Python process with
# 64 threads written in it); a stale entry is the same file with nobody holding it.
set -uo pipefail
train=$1 probe=$2 work=$3
source "$(dirname "$0")/lib/checks.sh"
rm -rf "$work" && mkdir -p "$work"
export GROK_CORE_REGISTRY=$work/registry
mkdir -p "$GROK_CORE_REGISTRY"
tiny=(--p 5 --d-model 4 --n-heads 1 --d-head 4 --d-mlp 8 --threads 1 --steps 2 --quiet --force)

spin_count() {  # TOOL ARGS... -> the spin count libgomp reports (the last image's, after a restart)
  OMP_DISPLAY_ENV=verbose "$@" 2>&1 >/dev/null | sed -n "s/.*GOMP_SPINCOUNT = '\([0-9]*\)'.*/\1/p" | tail -1
}
expect() {  # WHAT EXPECTED ACTUAL
  count=$((count + 1))
  if [[ $2 == "$3" ]]; then echo "ok   $1: $3"; else echo "FAIL $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}

expect "alone: libgomp's default spinning" 300000 "$(spin_count "$train" "${tiny[@]}" --out "$work/a.h5")"
expect "alone: its entry is gone after exit" "" "$(ls "$GROK_CORE_REGISTRY")"

expect "grok-probe watch always waits passively" 0 "$(spin_count "$probe" watch "$work/a.h5")"
expect "grok-probe report --watch too" 0 "$(spin_count "$probe" report "$work/a.h5" --watch --out "$work/a.html")"
echo 64 >"$GROK_CORE_REGISTRY/stale"
expect "a stale entry does not count" 300000 "$(spin_count "$train" "${tiny[@]}" --out "$work/a.h5")"
expect "a stale entry is removed by whoever sees it" "" "$(ls "$GROK_CORE_REGISTRY")"

/usr/bin/python3 - "$GROK_CORE_REGISTRY/live" <<'PY' &
import fcntl, sys, time
f = open(sys.argv[1], "w")
fcntl.flock(f, fcntl.LOCK_EX)
f.write("64\n"); f.flush()
time.sleep(120)
PY
holder=$!
trap 'kill $holder 2>/dev/null' EXIT
for _ in $(seq 1 100); do [[ -s $GROK_CORE_REGISTRY/live ]] && break; sleep 0.1; done
expect "oversubscribed: grok-train restarts passive" 0 "$(spin_count "$train" "${tiny[@]}" --out "$work/b.h5")"
"$train" "${tiny[@]}" --out "$work/c.h5" >/dev/null; rc=$?
expect "oversubscribed: the run completes" 0 "$rc"
expect "oversubscribed: grok-probe restarts passive" 0 "$(spin_count "$probe" norms "$work/b.h5" --threads 1)"
expect "a wait policy the user chose is kept" 5000 "$(GOMP_SPINCOUNT=5000 spin_count "$train" "${tiny[@]}" --out "$work/d.h5")"
expect "OMP_WAIT_POLICY=ACTIVE is kept" 30000000000 "$(OMP_WAIT_POLICY=ACTIVE spin_count "$train" "${tiny[@]}" --out "$work/e.h5")"
expect "only the live entry is left" live "$(ls "$GROK_CORE_REGISTRY")"
kill $holder 2>/dev/null; wait $holder 2>/dev/null
expect "its holder gone, the machine is free again" 300000 "$(spin_count "$train" "${tiny[@]}" --out "$work/a.h5")"

echo "$((count - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
