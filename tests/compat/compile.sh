#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The VLX-style compatibility drivers (tests/compat/*.c) against
# include/nk/, freestanding, for a 64-bit and a 32-bit x86 guest (and an
# aarch64 one when its cross compiler is installed), or for the target of
# CC when it is not x86 (the arm64 cross build). The kernel-module
# build of the same sources is nk_compat.ko (guest/linux/test/).
#	compile.sh CC SOURCE_DIR
set -eu
cc=$1
root=$2
flags="-std=gnu11 -ffreestanding -Wall -Wextra -Werror -Wmissing-prototypes
	-fsyntax-only -I$root/include -I$root/tests/compat"
n=0
run() {
	for f in "$root"/tests/compat/vlx_*.c; do
		# shellcheck disable=SC2086
		"$@" $flags "$f" || { echo "compat: $* $f failed" >&2; exit 1; }
		n=$((n + 1))
	done
}
# CC's own target: x86 (both widths), or what it is (the arm64 build).
case $("$cc" -dumpmachine) in
x86_64* | i?86*)
	run "$cc" -m64
	run "$cc" -m32
	if command -v aarch64-linux-gnu-gcc >/dev/null; then
		run aarch64-linux-gnu-gcc
	fi
	;;
*) run "$cc" ;;
esac
echo "compat: $n compilations passed"
