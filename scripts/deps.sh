#!/usr/bin/env bash
# Install the Debian 12 packages this project needs, if any is missing.
# Usage: scripts/deps.sh [base|bench|kernel|dbgkernel|pkg|arm64|all]
#                                                      (default: base)
#
# dbgkernel: building the debug kernel of the Linux test VMs from
# linux-source-6.1 (scripts/vm/build-debug-kernel.sh), with the kernel
# group.
#
# pkg: building, checking, installing the Debian packages and their DKMS
# modules (tests/package/test_packages.sh), with the kernel group.
#
# arm64 (docs/arm64.md): the aarch64 cross compiler, the arm64 libraries
# through multiarch (dpkg --add-architecture arm64), qemu-user (with its
# binfmt_misc entry enabled where the kernel has binfmt_misc) and
# qemu-system-aarch64, plus what the kernel group installs; then
# scripts/arm64/sysroot.sh unpacks the arm64 packages that cannot be
# installed beside their amd64 versions (libfdt-dev, busybox-static, the
# arm64 kernel image and headers of the amd64 headers' ABI) into
# build-arm64-sysroot/.
set -euo pipefail

base=(build-essential cmake pkg-config device-tree-compiler libfdt-dev
      libcmocka-dev libjansson-dev clang libclang-rt-14-dev graphviz
      cppcheck spin python3
      dlt-daemon dlt-tools libdlt-dev dlt-viewer)
bench=(gnuplot-nox python3 libiceoryx-binding-c-dev libiceoryx-posh-dev
       libiceoryx-hoofs-dev iceoryx)
kernel=(linux-headers-amd64 linux-image-amd64 qemu-system-x86
        busybox-static cpio kmod xz-utils)
dbgkernel=(linux-source-6.1 bc bison flex libelf-dev libssl-dev xz-utils)
pkg=(debhelper dh-dkms dkms lintian scdoc man-db fakeroot dpkg-dev systemd
     adduser)
arm64=(gcc-aarch64-linux-gnu gcc-12-aarch64-linux-gnu libc6-dev-arm64-cross
       qemu-user-static
       binfmt-support qemu-system-arm libc6:arm64 libjansson-dev:arm64
       libcmocka-dev:arm64)

want=("${base[@]}")
case "${1:-base}" in
base) ;;
bench) want+=("${bench[@]}") ;;
kernel) want+=("${kernel[@]}") ;;
dbgkernel) want+=("${kernel[@]}" "${dbgkernel[@]}") ;;
pkg) want+=("${kernel[@]}" "${pkg[@]}") ;;
arm64) want+=("${kernel[@]}" "${arm64[@]}") ;;
all) want+=("${bench[@]}" "${kernel[@]}" "${dbgkernel[@]}" "${pkg[@]}"
	   "${arm64[@]}") ;;
*) echo "usage: $0 [base|bench|kernel|dbgkernel|pkg|arm64|all]" >&2; exit 2 ;;
esac

sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
export DEBIAN_FRONTEND=noninteractive

update=0
case "${1:-base}" in
arm64 | all)
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "deps: adding the arm64 architecture (multiarch)"
		$sudo dpkg --add-architecture arm64
		update=1
	fi
	;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	update=1
fi
[ $update = 1 ] && $sudo apt-get update -qq
[ ${#missing[@]} -eq 0 ] ||
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

case "${1:-base}" in
arm64 | all)
	# aarch64 programs run under qemu-user when executed (tests that
	# start other programs of the build need it); where the kernel has
	# no binfmt_misc, scripts/arm64/test.sh runs only what it can.
	if [ -d /proc/sys/fs/binfmt_misc ] &&
		[ "$(head -n 1 /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null)" != enabled ]; then
		$sudo update-binfmts --enable qemu-aarch64 ||
			echo "deps: binfmt_misc entry qemu-aarch64 not enabled" >&2
	fi
	"$(dirname "$0")/arm64/sysroot.sh"
	;;
esac
