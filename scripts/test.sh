#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: install what is
# missing, build, run every test in the release build, check the
# Earlydata core against MISRA C:2012, model-check its protocol (SPIN:
# the good models pass, their mutants fail), then the Linux VM tests
# (tests/vm/: the kernel modules in QEMU VMs, a few minutes; VM_TESTS=0
# skips them), checkpatch of the kernel code, the debug kernel's part
# (built from linux-source-6.1, VM tests under KASAN and lockdep;
# DEBUG_KERNEL_TESTS=0 skips it: docs/qemu-vms.md), the arm64 part
# (cross-builds the tree for aarch64, runs its tests under qemu-user,
# and the backlog, hostile and mixed-architecture VM tests with arm64
# guests: ARM64_TESTS=0 skips it, ARM64_VM_ALL=1 runs every VM test on
# arm64), every test again under AddressSanitizer +
# UndefinedBehaviorSanitizer, the ring's thread stress under
# ThreadSanitizer, then each libFuzzer target briefly. Last, the Debian
# packages are built, installed, used and purged
# (tests/package/test_packages.sh, as root; PKG_TESTS=0 skips it). Each
# part prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

scripts/deps.sh base

part() { # part NAME: the previous part's time, then NAME
	[ -n "${part_name:-}" ] && echo "== $part_name: $((SECONDS - part_start)) s"
	part_name=$1
	part_start=$SECONDS
	echo "== $1"
}

part "release build and tests"
scripts/build.sh release
ctest --test-dir build --output-on-failure -j"$jobs"

part "MISRA C:2012 check of the Earlydata core"
scripts/misra.sh

part "SPIN models of the Earlydata protocol (docs/model)"
scripts/model-check.sh

if [ "${VM_TESTS:-1}" != 0 ]; then
	part "Linux VM tests (kernel modules under QEMU)"
	scripts/deps.sh kernel
	scripts/build-modules.sh
	tests/vm/test_vm.sh build
fi

# checkpatch (from linux-source-6.1) of the kernel code, then the debug
# kernel (docs/qemu-vms.md#the-debug-kernel): built from linux-source-6.1
# on every run (nothing is cached), and the VM tests of DEBUG_VM_TESTS
# under KASAN and lockdep (DEBUG_KERNEL_TESTS=0 skips them).
if [ "${VM_TESTS:-1}" != 0 ]; then
	part "checkpatch of the kernel code"
	scripts/deps.sh dbgkernel
	scripts/checkpatch.sh
fi
if [ "${VM_TESTS:-1}" != 0 ] && [ "${DEBUG_KERNEL_TESTS:-1}" != 0 ]; then
	part "debug kernel (KASAN, lockdep): build, Linux VM tests under it"
	scripts/vm/build-debug-kernel.sh
	scripts/build-modules.sh --debug-kernel build-dbgkernel
	VM_DEBUG_KERNEL=build-dbgkernel HOSTILE_SECONDS=${HOSTILE_SECONDS:-10} \
	ONLY=${DEBUG_VM_TESTS:-checkers provider backlog reboot hostile unbind-pdev} \
		tests/vm/test_vm.sh build
fi

if [ "${ARM64_TESTS:-1}" != 0 ]; then
	part "arm64: cross build, user-space tests under qemu-user"
	scripts/deps.sh arm64
	scripts/build.sh arm64
	scripts/arm64/test.sh build-arm64 build
	if [ "${VM_TESTS:-1}" != 0 ]; then
		part "arm64: kernel modules, Linux VM tests"
		scripts/build-modules.sh --arch arm64
		arm64_vm="backlog hostile mixedarch"
		[ "${ARM64_VM_ALL:-0}" = 1 ] && arm64_vm=
		VM_ARCH=arm64 ONLY=$arm64_vm tests/vm/test_vm.sh build
	fi
fi

part "ASan+UBSan build and tests"
scripts/build.sh sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-san --output-on-failure -j"$jobs"

part "ThreadSanitizer: the ring's threads stress"
cmake -S . -B build-tsan -DNKHV_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	>/dev/null
cmake --build build-tsan -j"$jobs" --target ring_threads
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	ctest --test-dir build-tsan --output-on-failure -R '^stress_threads'

part "fuzz targets (${FUZZ_SECONDS:-20}s each)"
scripts/build.sh fuzz
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

if [ "${PKG_TESTS:-1}" != 0 ]; then
	part "Debian packages: build, lintian, install, demo, DKMS, man, purge"
	scripts/deps.sh pkg
	if [ "$(id -u)" = 0 ]; then
		tests/package/test_packages.sh
	else
		sudo tests/package/test_packages.sh
	fi
fi

part "all tests passed"
echo "== total: $SECONDS s"
