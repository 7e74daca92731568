#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the debug kernel of the Linux test VMs from Debian's
# linux-source-6.1 (scripts/deps.sh dbgkernel), from scratch each time:
# the kernel's tinyconfig, then scripts/vm/debug-kernel.config (what the
# VMs need, lockdep, DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS), then the
# variant's sanitizer. See docs/qemu-vms.md.
#
# Usage: scripts/vm/build-debug-kernel.sh [--variant kasan|kcsan] [--out DIR]
#   --variant V   kasan (default): KASAN (generic, inline) with lockdep;
#                 kcsan: KCSAN instead (the two exclude each other)
#   --out DIR     where (default: build-dbgkernel/, for kcsan
#                 build-dbgkernel-kcsan/); DIR/linux/ is the kernel tree,
#                 built in place, for scripts/build-modules.sh
#                 --debug-kernel DIR
# Writes DIR/linux/arch/x86/boot/bzImage (QEMU's -kernel), the tree for
# out-of-tree modules (Module.symvers), DIR/build-seconds (the whole
# run: unpacking, configuring, building). Runs make with -j${JOBS:-2}
# under nice.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
variant=kasan
out=
while [ $# -gt 0 ]; do
	case $1 in
	--variant) variant=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "usage: $0 [--variant kasan|kcsan] [--out DIR]" >&2; exit 2 ;;
	esac
done
case $variant in
kasan) out=${out:-$root/build-dbgkernel}
       extra=(CONFIG_KASAN=y CONFIG_KASAN_GENERIC=y CONFIG_KASAN_INLINE=y) ;;
kcsan) out=${out:-$root/build-dbgkernel-kcsan}
       # Races with interrupts on the same CPU too; reports are not
       # limited to changed values of plain writes: the strict mode.
       extra=(CONFIG_KCSAN=y CONFIG_KCSAN_INTERRUPT_WATCHER=y
              CONFIG_KCSAN_STRICT=y CONFIG_KCSAN_REPORT_ONCE_IN_MS=0) ;;
*) echo "build-debug-kernel: --variant kasan or kcsan, not $variant" >&2; exit 2 ;;
esac
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "build-debug-kernel: no $tarball (scripts/deps.sh dbgkernel)" >&2; exit 1; }

start=$SECONDS
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/linux" "$out/linux-source-6.1"
echo "build-debug-kernel: unpacking $tarball"
tar -xJf "$tarball" -C "$out"
mv "$out/linux-source-6.1" "$out/linux"
k=$out/linux

frag=$out/fragment.config
{
	cat "$root/scripts/vm/debug-kernel.config"
	printf '%s\n' "${extra[@]}"
	echo 'CONFIG_LOCALVERSION="-nkdbg-'"$variant"'"'
	echo '# CONFIG_LOCALVERSION_AUTO is not set'
} >"$frag"
m=(make -C "$k" ARCH=x86_64 -j"${JOBS:-2}")
"${m[@]}" -s tinyconfig
(cd "$k" && scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null)
"${m[@]}" -s olddefconfig
# Every option of the fragment must have survived (a dependency missing
# would drop it silently).
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) grep -qxF "$line" "$k/.config" ||
		{ echo "build-debug-kernel: $line did not take" >&2; bad=1; } ;;
	esac
done <"$frag"
[ $bad = 0 ] || exit 1

echo "build-debug-kernel: building $variant ($(nproc) CPUs, -j${JOBS:-2})"
if ! nice -n 10 "${m[@]}" bzImage modules >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "build-debug-kernel: failed (log: $out/build.log)" >&2
	exit 1
fi
echo $((SECONDS - start)) >"$out/build-seconds"
echo "build-debug-kernel: $k/arch/x86/boot/bzImage, $(make -s -C "$k" kernelrelease)," \
	"$(cat "$out/build-seconds") s"
