#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine:
# install what is missing, build, run every test in the release build and
# again under AddressSanitizer + UndefinedBehaviorSanitizer, then run each
# libFuzzer target briefly. After the release tests, the Linux VM tests
# (tests/vm/: the kernel modules in QEMU VMs, a few minutes); VM_TESTS=0
# skips them.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

scripts/deps.sh base

echo "== release build and tests"
scripts/build.sh release
ctest --test-dir build --output-on-failure -j"$jobs"

if [ "${VM_TESTS:-1}" != 0 ]; then
	echo "== Linux VM tests (kernel modules under QEMU)"
	scripts/deps.sh kernel
	scripts/build-modules.sh
	tests/vm/test_vm.sh build
fi

echo "== ASan+UBSan build and tests"
scripts/build.sh sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-san --output-on-failure -j"$jobs"

echo "== fuzz targets (${FUZZ_SECONDS:-20}s each)"
scripts/build.sh fuzz
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

echo "== all tests passed"
