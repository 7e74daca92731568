#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the Linux guest side: nkddi.ko (guest/linux/, the NKDDI provider,
# when present), earlydata.ko (driver/kernel/) against its nkops symbol,
# and a static edcat for a minimal VM. Fails on any warning.
#
#	scripts/build-modules.sh [--arch amd64|arm64] [--out DIR] [--kdir DIR]
#				 [--debug-kernel DIR] [--w1] [--clean]
#
#	--arch ARCH	the target: amd64 (default) or arm64, cross-compiled
#			with CROSS_COMPILE=aarch64-linux-gnu- ARCH=arm64
#			(docs/arm64.md)
#	--out DIR	copy nkddi.ko, earlydata.ko and edcat there
#			(default: build-modules/, for arm64 build-arm64-mod/)
#	--kdir DIR	kernel build tree (default: $KDIR, else the newest
#			/usr/src/linux-headers-*-amd64; for arm64 the newest
#			build-arm64-sysroot/usr/src/linux-headers-*-arm64 of
#			scripts/arm64/sysroot.sh)
#	--debug-kernel DIR
#			against the debug kernel of
#			scripts/vm/build-debug-kernel.sh --out DIR (default
#			build-dbgkernel/): --kdir DIR/linux --out DIR/modules
#	--w1		extra kernel warnings (W=1)
#	--clean		clean the module directories first
#
# For amd64 the modules are built in their source directories (kbuild's
# way; every product is ignored by git); for arm64 and the debug kernel
# in a copy of those sources in DIR/src/, so that builds for different
# kernels never share objects. The results
# are copied to the output directory. The last lines printed are their
# paths.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=
kdir=${KDIR:-}
w1=
clean=
arch=amd64
copy=

while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--kdir) kdir=$2; shift 2 ;;
	--debug-kernel)
		d=$(cd "$2" 2>/dev/null && pwd) ||
			{ echo "build-modules: no $2 (scripts/vm/build-debug-kernel.sh)" >&2; exit 1; }
		kdir=$d/linux
		out=${out:-$d/modules}
		copy=1
		shift 2 ;;
	--w1) w1=W=1; shift ;;
	--clean) clean=1; shift ;;
	*) echo "usage: $0 [--arch amd64|arm64] [--out DIR] [--kdir DIR] [--debug-kernel DIR] [--w1] [--clean]" >&2
	   exit 2 ;;
	esac
done
case $arch in
amd64)
	out=${out:-$root/build-modules}
	cross=()
	cc=${CC:-gcc}
	[ -n "$kdir" ] ||
		kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
	hint="install linux-headers-amd64 or pass --kdir"
	;;
arm64)
	out=${out:-$root/build-arm64-mod}
	cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	cc=aarch64-linux-gnu-gcc
	[ -n "$kdir" ] ||
		kdir=$(ls -d "$root"/build-arm64-sysroot/usr/src/linux-headers-*-arm64 \
			2>/dev/null | sort -V | tail -n 1)
	hint="scripts/deps.sh arm64, or pass --kdir"
	;;
*) echo "build-modules: --arch amd64 or arm64, not $arch" >&2; exit 2 ;;
esac
if [ -z "$kdir" ] || [ ! -f "$kdir/Makefile" ]; then
	echo "build-modules: no kernel build tree ($hint)" >&2
	exit 1
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$out/build.log
: >"$log"

# arm64, debug kernel: build in a copy of the module sources (DIR/src/,
# same layout, so that the relative paths of the Kbuild files hold). A
# file is copied only when it differs, with its time: kbuild rebuilds
# only what changed.
src=$root
if [ "$arch" != amd64 ] || [ -n "$copy" ]; then
	src=$out/src
	for d in include/nk include/nkhv include/nkddi include/earlydata \
		driver/core driver/kernel guest/linux guest/linux/test \
		tests/nkddi tests/compat; do
		mkdir -p "$src/$d"
		for f in "$root/$d"/*.[ch] "$root/$d"/Kbuild "$root/$d"/Makefile; do
			[ -f "$f" ] || continue
			cmp -s "$f" "$src/$d/${f##*/}" || cp -p "$f" "$src/$d/"
		done
	done
fi

# make -C KDIR M=DIR [args]: output to the log, fail on a failed make.
kbuild() {
	local dir=$1
	shift
	if [ -n "$clean" ]; then
		make -C "$kdir" M="$dir" "${cross[@]}" clean >>"$log" 2>&1
	fi
	if ! make -C "$kdir" M="$dir" -j2 "${cross[@]}" $w1 "$@" modules >>"$log" 2>&1; then
		cat "$log" >&2
		echo "build-modules: building $dir failed (log: $log)" >&2
		exit 1
	fi
}

nkddi=$src/guest/linux
symvers=${KBUILD_EXTRA_SYMBOLS:-}
if [ -f "$nkddi/Kbuild" ]; then
	kbuild "$nkddi"
	symvers=$nkddi/Module.symvers
fi
kbuild "$src/driver/kernel" ${symvers:+KBUILD_EXTRA_SYMBOLS="$symvers"}
# The provider's own checks (nk_selftest.ko, with the NKDDI conformance
# suite), run by tests/vm/test_vm.sh, nk_checkers.ko (bugs on purpose,
# for the debug kernel's checkers) and nk_compat.ko, the VLX-style
# drivers of tests/compat/ built as a module (a compile check).
if [ -f "$nkddi/test/Kbuild" ]; then
	kbuild "$nkddi/test" KBUILD_EXTRA_SYMBOLS="$symvers"
fi

if ! $cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static \
	-DNKHV_VERSION="\"$("$root/scripts/version.sh")\"" \
	-I"$root/include" -o "$out/edcat" "$root/tools/edcat/edcat.c" \
		"$root/tools/dlt/ed_dlt.c" >>"$log" 2>&1; then
	cat "$log" >&2
	echo "build-modules: static edcat failed (log: $log)" >&2
	exit 1
fi

# Warnings fail the build. Without any NKDDI provider symbols, modpost's
# note that nkops is undefined is expected (the module then needs the
# target's provider at load time) and is the only one let through.
allowed='^WARNING: modpost: "nkops" \[.*earlydata\.ko\] undefined!$'
if [ -n "$symvers" ]; then
	allowed='^$'
fi
if grep -i 'warning:' "$log" | grep -Ev "$allowed" >&2; then
	echo "build-modules: warnings (log: $log)" >&2
	exit 1
fi
if [ -z "$symvers" ]; then
	echo "build-modules: no NKDDI provider built: earlydata.ko needs one exporting nkops when loaded" >&2
fi

results=()
if [ -f "$nkddi/Kbuild" ]; then
	cp "$nkddi/nkddi.ko" "$nkddi/test/nk_selftest.ko" \
		"$nkddi/test/nk_checkers.ko" "$out/"
	results+=("$out/nkddi.ko" "$out/nk_selftest.ko" "$out/nk_checkers.ko")
fi
cp "$src/driver/kernel/earlydata.ko" "$out/"
results+=("$out/earlydata.ko" "$out/edcat")
echo "build-modules: $arch, kernel $(basename "$kdir"), log $log"
printf '%s\n' "${results[@]}"
