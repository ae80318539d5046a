#!/usr/bin/env bash
# fetch-debs.sh — run on the Debian 12 CPU machine before a GPU session. The GPU machine's image
# (Ubuntu 24.04, PyTorch 2.11) lacks Boost.Program_options' library and has Catch2 v3 where we use
# v2 (shared/toolchain-notes.md, "The GPU machine"), and may lack libdeflate's and SLEEF's headers; it has no
# network. This downloads Debian 12's packages (about 11 MB) into .gpu-debs/ (git-ignored); the
# device call carries them:
#   carry: [".gpu-debs", "data/report/node_modules"]   command: bash bench/gpu/build.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu-debs
cd .gpu-debs
apt-get download libboost-program-options1.74.0 libboost-program-options1.74-dev libboost1.74-dev catch2 \
  libdeflate0 libdeflate-dev libsleef3 libsleef-dev
ls -la
