#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the initramfs and pick the kernel of the Linux VMs run under QEMU.
#
# Usage: scripts/vm/initramfs.sh [--arch amd64|arm64] [--out DIR]
#                                [--module FILE.ko]... [--bin FILE]...
#   --arch ARCH    the guests' architecture (default amd64); arm64 takes
#                  the modules and edcat of build-arm64-mod/, busybox and
#                  the kernel from build-arm64-sysroot/ (docs/arm64.md)
#   --out DIR      where to write (default build/vm, for arm64
#                  build/vm/arm64)
#   --module FILE  a kernel module to load at boot, in this order
#                  (default: nkddi.ko then earlydata.ko of
#                  scripts/build-modules.sh, in build-modules/)
#   --bin FILE     a static program for /bin (default: edcat of
#                  scripts/build-modules.sh, and edwrite, which this
#                  script builds from tests/vm/edwrite.c into DIR)
# Writes DIR/initramfs.cpio.gz and DIR/kernel (the kernel the modules were
# built for, from /boot, uncompressed when it can boot directly as PVH,
# which saves seconds of decompression under emulation; arm64: the Image,
# uncompressed if it was not).
#
# The initramfs holds busybox (static), the modules and the in-tree
# modules they depend on, the programs, /init (scripts/vm/init.sh) and
# the boot roles (scripts/vm/roles/). See docs/qemu-vms.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=
arch=amd64
modules=()
bins=()
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$(vm_arch_name "$2") || vm_die "unknown architecture $2"; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--module) modules+=("$2"); shift 2 ;;
	--bin) bins+=("$2"); shift 2 ;;
	*) echo "usage: $0 [--arch amd64|arm64] [--out DIR] [--module FILE.ko]... [--bin FILE]..." >&2
	   exit 2 ;;
	esac
done
out=${out:-$(vm_out_dir $arch)}
# What differs between the architectures: the compiler of edwrite, where
# the kernel, busybox and the modules come from, how to run busybox here.
case $arch in
amd64)
	cc=${CC:-gcc}
	sysroot=
	edcat=edcat
	busybox_sources=(/bin/busybox /usr/bin/busybox)
	run_target=()
	bm_opts=
	;;
arm64)
	cc=aarch64-linux-gnu-gcc
	sysroot=$VM_SYSROOT_ARM64
	edcat=edcat-arm64
	busybox_sources=("$sysroot/bin/busybox")
	run_target=(qemu-aarch64-static)
	bm_opts=" --arch arm64"
	;;
esac
if [ ${#modules[@]} -eq 0 ]; then
	for m in nkddi earlydata; do
		f=$(vm_module $m $arch) ||
			vm_die "$m.ko not found: run scripts/build-modules.sh$bm_opts"
		modules+=("$f")
	done
fi
# Everything is made in a directory of this run, then renamed into
# place: runs at the same time never see each other's half-written files.
mkdir -p "$out"
tmp=$(mktemp -d "$out/.initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ ${#bins[@]} -eq 0 ]; then
	f=$(vm_tool $edcat) || vm_die "edcat not found: run scripts/build-modules.sh$bm_opts"
	bins+=("$f")
	src=$VM_SRC/tests/vm/edwrite.c
	if [ ! -x "$out/edwrite" ] || [ "$src" -nt "$out/edwrite" ] ||
		[ "$VM_SRC/include/earlydata/ed_chardev.h" -nt "$out/edwrite" ] ||
		[ "$VM_SRC/include/earlydata/ed_generate.h" -nt "$out/edwrite" ]; then
		$cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static \
			-I"$VM_SRC/include" -o "$tmp/edwrite" "$src" ||
			vm_die "building $src failed"
		mv "$tmp/edwrite" "$out/edwrite"
	fi
	bins+=("$out/edwrite")
fi

busybox=$(vm_first_file "${busybox_sources[@]}") ||
	vm_die "busybox not found: scripts/deps.sh ${arch/amd64/kernel}"
kver=$(vm_module_kver "${modules[0]}")
[ -n "$kver" ] || vm_die "${modules[0]}: no vermagic"
for m in "${modules[@]}"; do
	[ "$(vm_module_kver "$m")" = "$kver" ] ||
		vm_die "$m: built for $(vm_module_kver "$m"), not $kver"
done
config=$sysroot/boot/config-$kver
vmlinuz=$sysroot/boot/vmlinuz-$kver
moddir=$sysroot/lib/modules/$kver
# The debug kernel (VM_DEBUG_KERNEL, scripts/vm/lib.sh): its build tree;
# everything it has is built in.
dbg=
if [ $arch = amd64 ] && [ -n "$VM_DEBUG_KERNEL" ]; then
	dbg=$VM_DEBUG_KERNEL/linux
	config=$dbg/.config
	vmlinuz=$dbg/arch/x86/boot/bzImage
	moddir=$dbg
	[ "$(cat "$dbg/include/config/kernel.release" 2>/dev/null)" = "$kver" ] ||
		vm_die "${modules[0]} is for $kver, not the debug kernel of $VM_DEBUG_KERNEL: scripts/build-modules.sh --debug-kernel $VM_DEBUG_KERNEL"
fi
[ -f "$vmlinuz" ] || vm_die "$vmlinuz missing: install linux-image-$kver${sysroot:+ (scripts/deps.sh arm64)}"
[ -f "$config" ] || vm_die "$config missing"

# What the VM needs from the kernel itself: it cannot load modules before
# /init, and the ivshmem devices need PCI with MSI-X. The arm64 VMs
# (QEMU virt) have their PCIe host bridge from the device tree, MSI-X
# through the GICv3 ITS, and their serial ports on PCI (virt has one
# UART).
opts=(BLK_DEV_INITRD RD_GZIP DEVTMPFS PCI PCI_MSI SERIAL_8250
      SERIAL_8250_CONSOLE PROC_FS SYSFS MODULES)
[ $arch = arm64 ] &&
	opts+=(PCI_HOST_GENERIC ARM_GIC_V3_ITS ARM_GIC_V3_ITS_PCI SERIAL_8250_PCI)
for opt in "${opts[@]}"; do
	grep -qx "CONFIG_$opt=y" "$config" ||
		vm_die "$config: CONFIG_$opt is not built in"
done

# Is a static program? (The initramfs has no C library.)
is_static() {
	readelf -h "$1" >/dev/null 2>&1 && ! readelf -l "$1" | grep -q INTERP
}

# In-tree modules a module needs, dependencies first (from modules.dep);
# prints nothing and fails if one is not there.
in_tree_deps() {
	local name=$1 rel dep
	rel=$(grep -E "(^|/)${name//_/[-_]}\.ko(\.[a-z]+)?:" "$moddir/modules.dep" |
		head -1) || return 1
	for dep in ${rel#*:}; do
		dep=${dep##*/}
		in_tree_deps "${dep%%.ko*}" || return 1
	done
	echo "${rel%%:*}"
}

# Copy an in-tree module, uncompressed (busybox insmod may not inflate).
copy_in_tree() {
	local rel=$1 dst=$2
	case $rel in
	*.ko.xz) xz -dc "$moddir/$rel" >"$dst" ;;
	*.ko.zst) zstd -qdc "$moddir/$rel" >"$dst" ;;
	*.ko.gz) gzip -dc "$moddir/$rel" >"$dst" ;;
	*) cp "$moddir/$rel" "$dst" ;;
	esac
}

# One newc cpio entry for a character device (so that /dev/console exists
# before devtmpfs is mounted), written by hand: no root needed to build.
cpio_chardev() {
	local name=$1 mode=$2 major=$3 minor=$4 len pad
	len=$((${#name} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		900001 $((0x2000 | mode)) 0 0 1 0 0 0 0 "$major" "$minor" \
		"$len" 0
	printf '%s\0' "$name"
	pad=$(((4 - (110 + len) % 4) % 4))
	head -c $pad /dev/zero
}

cpio_trailer() {
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 0 0 0 1 0 0 0 0 0 0 11 0
	printf 'TRAILER!!!\0'
	head -c 3 /dev/zero
}

root=$tmp/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,roles,lib/modules}

cp "$busybox" "$root/bin/busybox"
is_static "$root/bin/busybox" || vm_die "$busybox is not static (busybox-static)"
for a in $("${run_target[@]}" "$busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done

: >"$root/lib/modules/order"
for m in "${modules[@]}"; do
	name=$(modinfo -F name "$m")
	deps=$(modinfo -F depends "$m" | tr , ' ')
	for d in $deps; do
		[ -f "$root/lib/modules/$d.ko" ] && continue
		grep -q "^$d\$" "$root/lib/modules/order" && continue
		rels=$(in_tree_deps "$d") ||
			vm_die "$m needs $d, not found in $moddir/modules.dep"
		for rel in $rels; do
			base=${rel##*/}
			base=${base%%.ko*}
			base=${base//-/_}
			grep -q "^$base\$" "$root/lib/modules/order" && continue
			copy_in_tree "$rel" "$root/lib/modules/$base.ko"
			echo "$base" >>"$root/lib/modules/order"
		done
	done
	cp "$m" "$root/lib/modules/$name.ko"
	echo "$name" >>"$root/lib/modules/order"
done

for b in "${bins[@]}"; do
	is_static "$b" || vm_die "$b is not a static executable"
	cp "$b" "$root/bin/"
done
# Modules a role loads itself (not at boot): the provider's self-test,
# the bugs on purpose of the checkers test.
mkdir -p "$root/lib/modules/extra"
for m in nk_selftest nk_checkers; do
	if f=$(vm_module $m $arch); then
		cp "$f" "$root/lib/modules/extra/"
	fi
done
cp "$VM_SRC/scripts/vm/init.sh" "$root/init"
cp -p "$VM_SRC"/scripts/vm/roles/* "$root/roles/"
chmod 755 "$root/init"

{
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet)
	cpio_chardev dev/console 0600 5 1
	cpio_trailer
} | gzip -6 >"$tmp/initramfs.cpio.gz"
mv "$tmp/initramfs.cpio.gz" "$out/initramfs.cpio.gz"

# The kernel: its vmlinux, extracted, boots as PVH without decompressing
# itself; otherwise the bzImage as is.
extract_vmlinux() {
	local magic tool off
	while read -r magic tool; do
		off=$(LC_ALL=C grep -obUaP "$magic" "$vmlinuz" | head -1 |
			cut -d: -f1)
		[ -n "$off" ] || continue
		tail -c +$((off + 1)) "$vmlinuz" | $tool -dc >"$1" 2>/dev/null
		[ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] &&
			return 0
	done <<-'EOF'
		\xfd7zXZ\x00 xz
		\x28\xb5\x2f\xfd zstd
		\x1f\x8b\x08 gzip
	EOF
	return 1
}
if [ ! -f "$out/kernel" ] || [ "$(cat "$out/kernel.release" 2>/dev/null)" != "$kver" ] ||
	[ "$vmlinuz" -nt "$out/kernel" ]; then
	if [ -n "$dbg" ]; then
		cp "$vmlinuz" "$tmp/kernel" # its bzImage (docs/qemu-vms.md)
	elif [ $arch = arm64 ]; then
		# Debian's arm64 vmlinuz is the Image, gzipped on some releases.
		if [ "$(head -c 2 "$vmlinuz" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
			gzip -dc "$vmlinuz" >"$tmp/kernel"
		else
			cp "$vmlinuz" "$tmp/kernel"
		fi
	elif grep -qx CONFIG_PVH=y "$config" && extract_vmlinux "$tmp/kernel"; then
		:
	else
		cp "$vmlinuz" "$tmp/kernel"
	fi
	echo "$kver" >"$tmp/kernel.release"
	mv "$tmp/kernel" "$out/kernel"
	mv "$tmp/kernel.release" "$out/kernel.release"
fi
echo "initramfs: $out/initramfs.cpio.gz ($(du -k "$out/initramfs.cpio.gz" | cut -f1) KiB," \
	"modules: $(paste -sd' ' "$root/lib/modules/order")), kernel $kver"
