#!/usr/bin/env bash
# kill_resume.sh [KILLS] — the crash-safety tally: kill grok-train (kill -9, and SIGTERM every
# fourth time) at KILLS random moments (default 50), during training and during --resume (and
# grok-probe while it writes its probe file, every third time), then
# recover, resume and compare with an uninterrupted run bit for bit (tests/cli_kill_resume.sh).
# Run on an idle machine after a build; prints "kills survived: N of KILLS".
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash tests/cli_kill_resume.sh "$PWD/build/grok-train" "$PWD/build/grok-probe" "${TMPDIR:-/tmp}/grokscope-kill-resume" "${1:-50}"
