#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the Linux guest side: nkddi.ko (guest/linux/, the NKDDI provider,
# when present), earlydata.ko (driver/kernel/) against its nkops symbol,
# and a static edcat for a minimal VM. Fails on any warning.
#
#	scripts/build-modules.sh [--out DIR] [--kdir DIR] [--w1] [--clean]
#
#	--out DIR	copy nkddi.ko, earlydata.ko and edcat there
#			(default: build-modules/)
#	--kdir DIR	kernel build tree (default: $KDIR, else the newest
#			/usr/src/linux-headers-*-amd64)
#	--w1		extra kernel warnings (W=1)
#	--clean		clean the module directories first
#
# The modules are built in their source directories (kbuild's way; every
# product is ignored by git) and copied to the output directory. The last
# lines printed are the paths of the results.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build-modules
kdir=${KDIR:-}
w1=
clean=

while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	--kdir) kdir=$2; shift 2 ;;
	--w1) w1=W=1; shift ;;
	--clean) clean=1; shift ;;
	*) echo "usage: $0 [--out DIR] [--kdir DIR] [--w1] [--clean]" >&2; exit 2 ;;
	esac
done
if [ -z "$kdir" ]; then
	kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
fi
if [ -z "$kdir" ] || [ ! -f "$kdir/Makefile" ]; then
	echo "build-modules: no kernel build tree (install linux-headers-amd64 or pass --kdir)" >&2
	exit 1
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$out/build.log
: >"$log"

# make -C KDIR M=DIR [args]: output to the log, fail on a failed make.
kbuild() {
	local dir=$1
	shift
	if [ -n "$clean" ]; then
		make -C "$kdir" M="$dir" clean >>"$log" 2>&1
	fi
	if ! make -C "$kdir" M="$dir" -j2 $w1 "$@" modules >>"$log" 2>&1; then
		cat "$log" >&2
		echo "build-modules: building $dir failed (log: $log)" >&2
		exit 1
	fi
}

nkddi=$root/guest/linux
symvers=${KBUILD_EXTRA_SYMBOLS:-}
if [ -f "$nkddi/Kbuild" ]; then
	kbuild "$nkddi"
	symvers=$nkddi/Module.symvers
fi
kbuild "$root/driver/kernel" ${symvers:+KBUILD_EXTRA_SYMBOLS="$symvers"}
# The provider's own checks (nk_selftest.ko), run by tests/vm/test_vm.sh.
if [ -f "$nkddi/test/Kbuild" ]; then
	kbuild "$nkddi/test" KBUILD_EXTRA_SYMBOLS="$symvers"
fi

cc=${CC:-gcc}
if ! $cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static \
	-I"$root/include" -o "$out/edcat" "$root/tools/edcat/edcat.c" >>"$log" 2>&1; then
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
	cp "$nkddi/nkddi.ko" "$nkddi/test/nk_selftest.ko" "$out/"
	results+=("$out/nkddi.ko" "$out/nk_selftest.ko")
fi
cp "$root/driver/kernel/earlydata.ko" "$out/"
results+=("$out/earlydata.ko" "$out/edcat")
echo "build-modules: kernel $(basename "$kdir"), log $log"
printf '%s\n' "${results[@]}"
