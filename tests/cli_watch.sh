#!/usr/bin/env bash
# cli_watch.sh GROK_TRAIN GROK_PROBE DIR — `grok-probe watch` follows a training run: under a
# pseudo-terminal (script) it redraws frames with sparklines, the phase reached and the key
# frequencies, and ends with the story when the run completes; piped, it prints plain lines;
# on a run whose writer was killed it says so and exits 1 instead of waiting forever; a file refused
# for a moment (as when the writer closes it) is waited out.
# `grok-probe report --watch` writes pages that reload themselves until the run stops.
set -uo pipefail
train=$1 probe=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir"
failures=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }
source "$(dirname "$0")/lib/checks.sh"

"$train" --preset demo --threads 1 --out "$dir/tty.h5" --quiet >/dev/null 2>&1 &
wait_for_file "$dir/tty.h5"
timeout 120 script -qfec "stty cols 100 rows 30; $probe watch $dir/tty.h5 --interval 0.5 --threads 1" /dev/null \
  >"$dir/tty.log" 2>&1
check "watch on a terminal exits 0 when the run completes" "[[ $? -eq 0 ]]"
wait
frames=$(grep -o $'\e\[H\e\[2J' "$dir/tty.log" | wc -l)
check "it redrew the frame ($frames times)" "[[ $frames -ge 3 ]]"
check "sparklines drawn" "grep -q '▁' '$dir/tty.log' && grep -q '█' '$dir/tty.log'"
check "phase reached and key frequencies shown" "grep -q 'phase reached    generalised' '$dir/tty.log' && grep -q 'key frequencies  {' '$dir/tty.log'"
check "the story at the end" "grep -q 'The run is complete. Memorised the training set' '$dir/tty.log'"

"$train" --preset demo --threads 1 --out "$dir/plain.h5" --quiet >/dev/null 2>&1 &
wait_for_file "$dir/plain.h5"
timeout 120 "$probe" watch "$dir/plain.h5" --interval 0.5 --threads 1 >"$dir/plain.log" 2>&1
check "piped: exits 0" "[[ $? -eq 0 ]]"
wait
check "piped: plain lines, no escape codes" "! grep -q $'\e' '$dir/plain.log' && grep -q '^step .* phase .* \[running\]$' '$dir/plain.log'"

# report --watch: pages that reload themselves while the run trains, a final one that does not.
"$train" --preset demo --threads 1 --out "$dir/page.h5" --quiet >/dev/null 2>&1 &
wait_for_file "$dir/page.h5"
"$probe" report "$dir/page.h5" --watch --interval 0.5 --threads 1 -o "$dir/page.html" >"$dir/page.log" 2>&1 &
reporter=$!
wait_for_file "$dir/page.html"  # its first page: over 2.5 s on a slower CPU under a full ctest
check "report --watch: a live page reloads itself" "grep -q 'http-equiv=\"refresh\"' '$dir/page.html'"
wait "$reporter"
check "report --watch: the final page (run complete) does not" \
  "! grep -q 'http-equiv' '$dir/page.html' && grep -q 'run complete' '$dir/page.log'"
wait

# When a run ends, its writer leaves SWMR mode and closes the file, and a reader opening it just
# then is refused: watch must wait that out, not report a damaged file (it did, once, in CI).
# Played here without timing luck: a file marked running whose writer lock is held, made
# unreadable (truncated in place) for 2 s, then holding the completed run.
cp "$dir/plain.h5" "$dir/done.h5" && cp "$dir/plain.h5" "$dir/live.h5" && head -c 20000 "$dir/plain.h5" >"$dir/cut.h5"
/usr/bin/python3 -c "import h5py, sys; h5py.File(sys.argv[1], 'r+').attrs['status'] = 'running'" "$dir/live.h5"
hold_writer_lock "$dir/live.h5" 60
holder=$!
sleep 1
timeout 60 "$probe" watch "$dir/live.h5" --interval 0.5 --threads 1 >"$dir/live.log" 2>&1 &
watcher=$!
for _ in $(seq 1 300); do grep -q 'running\]$' "$dir/live.log" && break; sleep 0.1; done  # its first frame
cat "$dir/cut.h5" >"$dir/live.h5"  # in place: the lock stays on the file
sleep 2
cat "$dir/done.h5" >"$dir/live.h5"
wait "$watcher"
check "a file refused for a moment at the end of a run: watch waits, exits 0 with the story" \
  "[[ $? -eq 0 ]] && grep -q 'The run is complete.' '$dir/live.log' && ! grep -q 'cannot be opened' '$dir/live.log'"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null

"$train" --preset demo --threads 1 --stop-after-grok -1 --out "$dir/killed.h5" --quiet >/dev/null 2>&1 &
writer=$!
sleep 2
kill -9 "$writer"; wait "$writer" 2>/dev/null
timeout 60 "$probe" watch "$dir/killed.h5" --interval 0.5 --threads 1 >"$dir/killed.log" 2>&1
check "a killed writer: exit 1 and a hint to resume" "[[ $? -eq 1 ]] && grep -q 'grok-train --resume' '$dir/killed.log'"
echo "$((11 - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
