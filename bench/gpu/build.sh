#!/usr/bin/env bash
# build.sh — run ON the lent GPU machine: builds grokscope into build-gpu/ against the CUDA LibTorch
# inside PyTorch (find_package(Torch) via torch.utils.cmake_prefix_path), with the Debian 12 packages
# that bench/gpu/fetch-debs.sh fetched unpacked into a private prefix (never into /).
# The sources need no GPU-only changes: c10::NoGradGuard (not at::NoGradGuard, gone from LibTorch 2.x)
# and fmt header-only (PyTorch ships fmt headers of its own) keep one tree building against both.
set -euo pipefail
cd "$(dirname "$0")/../.."
ls .gpu-debs/*.deb >/dev/null 2>&1 || { echo "build.sh: no .gpu-debs/*.deb (run bench/gpu/fetch-debs.sh here and carry .gpu-debs)"; exit 2; }
prefix=$PWD/.gpu-prefix
rm -rf "$prefix"
for deb in .gpu-debs/*.deb; do dpkg -x "$deb" "$prefix"; done
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$prefix/usr" -DPython3_EXECUTABLE="$(command -v python3)"
cmake --build build-gpu -j "$(nproc)"
echo "built: build-gpu/grok-train build-gpu/grok-probe build-gpu/tests/test_core build-gpu/tests/test_torch"
