#!/usr/bin/env bash
# cli_install.sh BUILD_DIR RUN.h5 DIR — `cmake --install` gives working tools: the installed
# grok-probe, run from elsewhere with the source tree out of reach, writes a full report.
set -euo pipefail
build=$1 run=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir/elsewhere"
cmake --install "$build" --prefix "$dir/prefix" >/dev/null
cd "$dir/elsewhere"
"$dir/prefix/bin/grok-train" --list-presets | grep -q nanda2023
"$dir/prefix/bin/grok-probe" report "$run" -o report.html >/dev/null
size=$(stat -c %s report.html)
grep -q 'vegaEmbed' report.html && grep -q 'window.grokCharts' report.html && [[ $size -gt 500000 ]]
echo "installed grok-train and grok-probe work from $dir/elsewhere; report $size bytes (bundles inlined)"
