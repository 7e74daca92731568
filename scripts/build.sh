#!/usr/bin/env bash
# Configure and build one flavour of the project.
# Usage: scripts/build.sh [release|sanitize|tsan|fuzz|arm64]   (default: release)
# Build trees: build/ (release), build-san/ (ASan+UBSan), build-tsan/
# (ThreadSanitizer), build-fuzz/ (clang), build-arm64/ (cross build for
# aarch64, cmake/aarch64-linux-gnu.cmake, after scripts/deps.sh arm64;
# also the Earlydata core freestanding for aarch64: docs/arm64.md).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

case "${1:-release}" in
release) dir=build; opts=() ;;
sanitize) dir=build-san; opts=(-DNKHV_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
tsan) dir=build-tsan; opts=(-DNKHV_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
fuzz) dir=build-fuzz
      opts=(-DCMAKE_C_COMPILER=clang -DNKHV_FUZZ=ON -DNKHV_TESTS=OFF) ;;
arm64) dir=build-arm64
       opts=(-DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/aarch64-linux-gnu.cmake") ;;
*) echo "usage: $0 [release|sanitize|tsan|fuzz|arm64]" >&2; exit 2 ;;
esac

cmake -S . -B "$dir" "${opts[@]}" >/dev/null
cmake --build "$dir" -j"$jobs"
if [ "${1:-release}" = arm64 ]; then
	scripts/arm64/core-freestanding.sh "$dir/freestanding"
fi
