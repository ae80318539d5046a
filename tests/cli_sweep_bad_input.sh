#!/usr/bin/env bash
# cli_sweep_bad_input.sh GROK_PROBE SWEEP_DIR OUT_DIR — grok-probe sweep and report answer a bad file or
# option with one line and exit 2; the text view of a good sweep (named by its directory) is complete.
set -uo pipefail
probe=$1 sweep=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir"
failures=0
count=0
source "$(dirname "$0")/lib/checks.sh"
expect_bad() { expect_one_line_error "$probe" "$@"; }
echo "not hdf5" > "$dir/text.h5"
/usr/bin/python3 -c "import h5py; h5py.File('$dir/foreign.h5', 'w').create_dataset('x', data=[1, 2])"
run="$sweep/runs/r0000.h5"
expect_bad "sweep on a run file"        sweep "$run"
expect_bad "sweep on a missing file"    sweep "$dir/none.h5"
expect_bad "sweep on a text file"       sweep "$dir/text.h5"
expect_bad "sweep on foreign HDF5"      sweep "$dir/foreign.h5"
expect_bad "report on foreign HDF5"     report "$dir/foreign.h5"
expect_bad "summary on a sweep file"    summary "$sweep/sweep.h5"
expect_bad "inspect on a sweep file"    inspect "$sweep/sweep.h5"
expect_bad "report --watch on a sweep"  report "$sweep/sweep.h5" --watch
expect_bad "--x the seed axis"          sweep "$sweep" --x seed
expect_bad "--x not an axis"            sweep "$sweep" --x lr
expect_bad "--y not an axis (report)"   report "$sweep/sweep.h5" --y lr -o "$dir/r.html"
expect_bad "--x and --y the same"       sweep "$sweep" --x d_mlp --y d_mlp
expect_bad "--gap 0"                    sweep "$sweep" --gap 0
expect_bad "--accuracy 0"               sweep "$sweep" --accuracy 0
expect_bad "--accuracy 1.5"             sweep "$sweep" --accuracy 1.5
# Another --accuracy re-reads the run files: without them, one line.
mkdir -p "$dir/moved" && cp "$sweep/sweep.h5" "$dir/moved/"
expect_bad "--accuracy without run files" sweep "$dir/moved" --accuracy 0.5

count=$((count + 1))
if text=$("$probe" sweep "$sweep") && grep -q "^rows:" <<<"$text" && grep -q "^cells" <<<"$text" \
   && grep -q "^phase diagram" <<<"$text" && grep -q "cells: " <<<"$text"; then
  echo "ok   sweep DIR prints the rows, the cells, the phase diagram and the headline"
else
  echo "FAIL sweep DIR: $text"; failures=$((failures + 1))
fi
echo "$((count - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
