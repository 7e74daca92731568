#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The user-space tests as aarch64 programs under qemu-user, then the mixed
# test (tests/arm64/test_mixed.sh): an x86-64 nkhv serving aarch64 and
# x86-64 earlydata processes on the same rings. See docs/arm64.md.
#
#	scripts/arm64/test.sh [ARM64_BUILD_DIR [X86_BUILD_DIR]]
#		(default build-arm64 and build; after scripts/build.sh arm64
#		and scripts/build.sh)
#
# ctest runs each test program through qemu-aarch64-static
# (CMAKE_CROSSCOMPILING_EMULATOR). Tests that start other programs of the
# build themselves (nkhv, earlydata, pingpong: the system tests) need the
# kernel to run aarch64 programs through qemu-user too: binfmt_misc's
# qemu-aarch64 entry, which scripts/deps.sh arm64 enables. Without it only
# the unit, device-tree and ring-threads tests run (and it says so).
# The tests/stress scripts (earlydata_stress*) are not run here: minutes of
# records under emulation, no more coverage than the system tests.
# Environment: HOSTILE_SECONDS (default 15), KILLS (default 100) for the
# Earlydata system test; CTEST_ARGS (more ctest options).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
a64=${1:-build-arm64}
x86=${2:-build}
jobs=$(nproc 2>/dev/null || echo 2)

[ -f "$a64/CTestTestfile.cmake" ] || { echo "arm64 test: no $a64: scripts/build.sh arm64" >&2; exit 1; }
if [ "$(head -n 1 /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null)" = enabled ]; then
	select=(-E '^earlydata_stress')
else
	echo "arm64 test: binfmt_misc has no enabled qemu-aarch64 entry: the tests that start other aarch64 programs (system tests) are skipped"
	select=(-R '^(earlydata_ring|earlydata_ring_races|earlydata_channel_config|nkhv_log_stamp|device_tree|stress_threads_.*)$')
fi
# shellcheck disable=SC2086
HOSTILE_SECONDS=${HOSTILE_SECONDS:-15} KILLS=${KILLS:-100} \
	ctest --test-dir "$a64" --output-on-failure -j"$jobs" "${select[@]}" ${CTEST_ARGS:-}

if [ -x "$x86/hv/nkhv" ]; then
	tests/arm64/test_mixed.sh "$x86" "$a64"
else
	echo "arm64 test: no x86-64 build in $x86: the mixed test is skipped" >&2
	exit 1
fi
