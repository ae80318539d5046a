#!/usr/bin/env bash
# keep_corpus.sh TARGET N — after `.ci/fuzz SECONDS TARGET`: merge what the fuzzer found
# (build-asan/fuzz/TARGET/corpus) into the kept corpus tests/fuzz/corpus/TARGET with libFuzzer's
# -merge=1 (only inputs that add coverage), keeping at most N new files, the largest first (the
# repository stays small: run files are ~250 KB each). Run from the repository root.
set -euo pipefail
t=$1 n=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source .ci/sanitizer-env
export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
# The kept corpus first, so that only what adds to it is merged in.
mkdir -p "$tmp/base" "$tmp/new"
cp tests/fuzz/corpus/"$t"/* "$tmp/base/"
./build-asan/tests/fuzz/fuzz_"$t" -merge=1 -timeout=5 "$tmp/base" build-asan/fuzz/"$t"/corpus >"$tmp/log" 2>&1
for f in "$tmp"/base/*; do [[ -e tests/fuzz/corpus/$t/$(basename "$f") ]] || mv "$f" "$tmp/new/"; done
kept=0
for f in $(ls -S "$tmp/new"); do
  ((kept < n)) || break
  cp "$tmp/new/$f" tests/fuzz/corpus/"$t"/"$f"
  kept=$((kept + 1))
done
echo "$t: $(ls "$tmp/new" | wc -l) inputs add coverage; kept $kept; corpus now $(ls tests/fuzz/corpus/"$t" | wc -l) files, $(du -sb tests/fuzz/corpus/"$t" | cut -f1) bytes"
