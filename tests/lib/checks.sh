# checks.sh — shell helpers the end-to-end tests source: bad input, waiting for a run to start.
# The caller keeps `failures` (and optionally `count`); `set -u` safe.
failures=${failures:-0}
count=${count:-0}

# cpu_has FLAG — whether the kernel lists FLAG among the first CPU's flags in /proc/cpuinfo: the
# reading against which tests check our own CPU checks, and decide what a CPU can run.
cpu_has() { grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | tr ' \t' '\n\n' | grep -qx "$1"; }

# expect_one_line_error TOOL WHAT ARGS... — TOOL ARGS must exit 2 with exactly one line on stderr.
expect_one_line_error() {
  local tool=$1 what=$2
  shift 2
  count=$((count + 1))
  local err rc lines
  err=$("$tool" "$@" 2>&1 >/dev/null); rc=$?
  lines=$(printf '%s' "$err" | grep -c '')
  if [[ $rc -ne 2 || $lines -ne 1 ]]; then
    echo "FAIL $what: exit $rc, $lines stderr lines: $err"; failures=$((failures + 1))
  else
    echo "ok   $what: $err"
  fi
}

# wait_for_file PATH — until PATH exists (a run file appears, renamed from PATH.part, once
# grok-train writes it; on a loaded machine that takes longer than any fixed sleep). 60 s at most.
wait_for_file() { for _ in $(seq 1 600); do [[ -e $1 ]] && return 0; sleep 0.1; done; }

# wait_for_metric_rows RUN.h5 N — until the run file, read as an SWMR reader, has more than N
# metric rows (training is under way). 60 s at most.
wait_for_metric_rows() {
  local rows
  for _ in $(seq 1 300); do
    sleep 0.2
    rows=$(/usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1],'r',libver='latest',swmr=True); print(f['metrics/step'].shape[0])" "$1" 2>/dev/null || echo 0)
    [[ ${rows:-0} -gt $2 ]] && return 0
  done
}

# hold_writer_lock FILE SECONDS — a background process that takes FILE's writer lock as a live
# grok-train does (an OFD write lock on the whole file) and holds it for SECONDS; $! is that
# process (kill it to release the lock). Readers then take FILE for a run being written.
hold_writer_lock() {
  /usr/bin/python3 - "$1" "$2" <<'PY' &
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
F_OFD_SETLK = 37
fcntl.fcntl(fd, F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
time.sleep(float(sys.argv[2]))
PY
}
