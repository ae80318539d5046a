#!/usr/bin/env bash
# cli_bad_input.sh GROK_TRAIN DIR — bad input gets one line on stderr, exit 2, and nothing written or damaged.
set -uo pipefail
train=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir"
failures=0
source "$(dirname "$0")/lib/checks.sh"
expect_bad() { expect_one_line_error "$train" "$@"; }  # expect_bad "what" args...

expect_bad "unknown option"        --out "$dir/a.h5" --no-such-option 3
expect_bad "non-numeric value"     --out "$dir/a.h5" --p abc
expect_bad "frac_train = 0"        --out "$dir/a.h5" --frac-train 0
expect_bad "frac_train = 1.5"      --out "$dir/a.h5" --frac-train 1.5
expect_bad "p < 2"                 --out "$dir/a.h5" --p 1
expect_bad "unknown task"          --out "$dir/a.h5" --task addition
expect_bad "unknown preset"        --out "$dir/a.h5" --preset nanda2024
expect_bad "division by composite" --out "$dir/a.h5" --task div --p 100
expect_bad "group task, other p"   --out "$dir/a.h5" --task s5 --p 113
expect_bad "group too large"       --out "$dir/a.h5" --task s6
expect_bad "E[a] + E[b] on S4"     --out "$dir/a.h5" --task s4 --model mlp --mlp-input embed
expect_bad "unknown hook"          --out "$dir/a.h5" --hooks blocks.0.hook_nope
expect_bad "unknown model"         --out "$dir/a.h5" --model lstm
expect_bad "missing config file"   --out "$dir/a.h5" --config "$dir/none.ini"
expect_bad "unwritable path"       --out /proc/grokscope/run.h5 --steps 1
expect_bad "label_noise < 0"       --out "$dir/a.h5" --label-noise -0.1
expect_bad "label_noise = 1"       --out "$dir/a.h5" --label-noise 1.0
expect_bad "unknown loss"          --out "$dir/a.h5" --loss foo
expect_bad "random_features, transformer" --out "$dir/a.h5" --model transformer --random-features true
expect_bad "min_norm with ce"      --out "$dir/a.h5" --model mlp --random-features true --solver min_norm --loss ce
expect_bad "resume missing file"   --resume "$dir/none.h5"
echo "not hdf5" > "$dir/text.h5"
expect_bad "resume a text file"    --resume "$dir/text.h5"

if compgen -G "$dir/a.h5*" >/dev/null; then echo "FAIL: bad input left $dir/a.h5 behind"; failures=$((failures + 1)); fi

# An existing file is neither overwritten nor damaged without --force.
echo "precious" > "$dir/existing.h5"
expect_bad "existing output"       --out "$dir/existing.h5" --steps 1
[[ $(cat "$dir/existing.h5") == precious ]] || { echo "FAIL: existing file changed"; failures=$((failures + 1)); }

# Good input next to it: a bare file name (no directory part) in the working directory.
if (cd "$dir" && "$train" --out bare.h5 --steps 2 --quiet >/dev/null 2>&1) && [[ -f "$dir/bare.h5" ]]; then
  echo "ok   bare output file name"
else
  echo "FAIL bare output file name: $(cd "$dir" && "$train" --out bare.h5 --steps 2 --quiet --force 2>&1 | tail -1)"
  failures=$((failures + 1))
fi

echo "$((20 + 1 - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
