#!/usr/bin/env bash
# cli_shared_cores.sh GROK_TRAIN GROK_PROBE WORK_DIR — a tool whose threads and those of the other
# registered processes oversubscribe the cores throttles its OpenMP waits, and only then; the
# process is not restarted. Seen from outside: grok-train --verbose ends with a "cores:" line, and
# libgomp's OMP_DISPLAY_ENV=verbose prints the spin count it was loaded with (once per image).
# A live registry entry is another process holding its entry's lock (here a Python process with
# 4096 threads written in it, more than any machine has cores); a stale entry is the same file with nobody holding it.
set -uo pipefail
train=$1 probe=$2 work=$3
source "$(dirname "$0")/lib/checks.sh"
rm -rf "$work" && mkdir -p "$work"
export GROK_CORE_REGISTRY=$work/registry
mkdir -p "$GROK_CORE_REGISTRY"
tiny=(--p 5 --d-model 4 --n-heads 1 --d-head 4 --d-mlp 8 --threads 1 --steps 2 --quiet --force --verbose)

cores_line() {  # ARGS... -> grok-train's "cores:" line, up to its first number
  "$train" "${tiny[@]}" "$@" 2>&1 >/dev/null | grep '^cores:' | sed 's/ for [0-9].*//'
}
expect() {  # WHAT EXPECTED ACTUAL
  count=$((count + 1))
  if [[ $2 == "$3" ]]; then echo "ok   $1: $3"; else echo "FAIL $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}
shared="cores: shared with other grokscope processes"

expect "alone: not shared" "cores: not shared" "$(cores_line --out "$work/a.h5")"
expect "alone: its entry is gone after exit" "" "$(ls "$GROK_CORE_REGISTRY")"
echo 4096 >"$GROK_CORE_REGISTRY/stale"
expect "a stale entry does not count" "cores: not shared" "$(cores_line --out "$work/a.h5")"
expect "a stale entry is removed by whoever sees it" "" "$(ls "$GROK_CORE_REGISTRY")"

/usr/bin/python3 - "$GROK_CORE_REGISTRY/live" <<'PY' &
import fcntl, sys, time
f = open(sys.argv[1], "w")
fcntl.flock(f, fcntl.LOCK_EX)
f.write("4096\n"); f.flush()
time.sleep(120)
PY
holder=$!
trap 'kill $holder 2>/dev/null' EXIT
for _ in $(seq 1 100); do [[ -s $GROK_CORE_REGISTRY/live ]] && break; sleep 0.1; done
expect "oversubscribed: grok-train throttled" "$shared" "$(cores_line --out "$work/b.h5")"
images=$(OMP_DISPLAY_ENV=true "$train" "${tiny[@]}" --out "$work/c.h5" 2>&1 | grep -c 'OPENMP DISPLAY ENVIRONMENT BEGIN')
expect "oversubscribed: the process is not restarted (libgomp loaded once)" 1 "$images"
"$train" "${tiny[@]}" --out "$work/c.h5" >/dev/null 2>&1; rc=$?
expect "oversubscribed: the run completes" 0 "$rc"
"$probe" norms "$work/b.h5" --threads 1 >/dev/null 2>&1; rc=$?
expect "oversubscribed: grok-probe completes" 0 "$rc"
expect "a wait policy the user chose is left alone" "cores: OpenMP wait policy set by the environment; not watched" \
  "$(GOMP_SPINCOUNT=5000 cores_line --out "$work/d.h5")"
spin=$(GOMP_SPINCOUNT=5000 OMP_DISPLAY_ENV=verbose "$train" "${tiny[@]}" --out "$work/d.h5" 2>&1 >/dev/null |
  sed -n "s/.*GOMP_SPINCOUNT = '\([0-9]*\)'.*/\1/p")
expect "... and libgomp runs with it" 5000 "$spin"
expect "only the live entry is left" live "$(ls "$GROK_CORE_REGISTRY")"
kill $holder 2>/dev/null; wait $holder 2>/dev/null
expect "its holder gone, the machine is free again" "cores: not shared" "$(cores_line --out "$work/a.h5")"

echo "$((count - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
