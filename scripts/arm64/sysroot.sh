#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack the arm64 Debian packages that cannot be installed beside their
# amd64 versions (not Multi-Arch: same, or a kernel for another machine)
# into a directory of the build: fetched with `apt-get download`,
# unpacked with dpkg-deb, never installed. Run by scripts/deps.sh arm64.
#
#	scripts/arm64/sysroot.sh [--out DIR]   (default build-arm64-sysroot/)
#
# DIR/usr/include, DIR/usr/lib/aarch64-linux-gnu/libfdt.a  libfdt-dev:arm64
# DIR/bin/busybox                                          busybox-static:arm64
# DIR/usr/src/linux-headers-<ABI>-arm64    linux-headers-<ABI>-arm64:arm64,
#	its scripts/ and tools/ the host's linux-kbuild-6.1 (Multi-Arch:
#	foreign: built for cross-building; the package itself depends on
#	gcc-12:arm64, which would replace the host's compiler)
# DIR/boot/{vmlinuz,config,System.map}-<ABI>-arm64
#	                                    linux-image-<ABI>-arm64:arm64
# <ABI> is that of the newest /usr/src/linux-headers-*-amd64 (e.g.
# 6.1.0-56): the arm64 build of the same kernel version. A package
# already unpacked at its version is not fetched again.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build-arm64-sysroot
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	*) echo "usage: $0 [--out DIR]" >&2; exit 2 ;;
	esac
done
mkdir -p "$out/.debs"
out=$(cd "$out" && pwd)

die() {
	echo "sysroot: $*" >&2
	exit 1
}

# The candidate version of an arm64 package, or of the version given
# when it is available.
version_of() {
	local pkg=$1 want=${2:-} v
	if [ -n "$want" ] &&
		apt-cache madison "$pkg:arm64" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
		grep -qxF "$want"; then
		echo "$want"
		return
	fi
	v=$(apt-cache policy "$pkg:arm64" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	[ -n "$v" ] && [ "$v" != "(none)" ] || return 1
	echo "$v"
}

# fetch PKG [VERSION] [TAR MEMBERS...]: unpack the arm64 package (only
# the members named, if any) into DIR unless that version already is.
fetch() {
	local pkg=$1 want=${2:-} v deb stamp tmp
	shift 2 || shift $#
	stamp=$out/.debs/$pkg.unpacked
	[ -n "$want" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
	v=$(version_of "$pkg" "$want") || {
		apt-get update -qq 2>/dev/null || true
		v=$(version_of "$pkg" "$want")
	} || die "no arm64 package $pkg (is the arm64 architecture added? scripts/deps.sh arm64)"
	[ "$(cat "$stamp" 2>/dev/null)" = "$v" ] && return 0
	echo "sysroot: $pkg:arm64 $v"
	tmp=$(mktemp -d "$out/.debs/get.XXXXXX")
	# apt's download sandbox user cannot write in a private directory.
	chmod 755 "$tmp"
	(cd "$tmp" && apt-get download -qq "$pkg:arm64=$v" 2>/dev/null ||
		apt-get download -qq -o APT::Sandbox::User=root "$pkg:arm64=$v") ||
		{ rm -rf "$tmp"; die "apt-get download $pkg:arm64=$v failed"; }
	deb=$(ls "$tmp"/*.deb)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out" "$@" ||
		{ rm -rf "$tmp"; die "unpacking $deb failed"; }
	rm -rf "$tmp"
	echo "$v" >"$stamp"
}

fetch libfdt-dev "$(dpkg-query -W -f='${Version}' libfdt-dev 2>/dev/null || true)"
fetch busybox-static "$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || true)" \
	./bin/busybox

kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kdir" ] || die "no /usr/src/linux-headers-*-amd64: scripts/deps.sh kernel"
abi=${kdir##*/linux-headers-}
abi=${abi%-amd64}
kver=$abi-arm64
hver=$(dpkg-query -W -f='${Version}' "linux-headers-$abi-amd64")
kbuild=$(ls -d /usr/lib/linux-kbuild-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kbuild" ] || die "no /usr/lib/linux-kbuild-*: scripts/deps.sh kernel"

fetch "linux-headers-$kver" "$hver"
h=$out/usr/src/linux-headers-$kver
for l in scripts tools; do
	[ "$(readlink "$h/$l")" = "$kbuild/$l" ] || ln -sfn "$kbuild/$l" "$h/$l"
done
[ -d "/usr/src/linux-headers-$abi-common" ] ||
	die "/usr/src/linux-headers-$abi-common missing (it comes with linux-headers-$abi-amd64)"

fetch "linux-image-$kver" "$hver" ./boot
echo "sysroot: $out (kernel $kver)"
