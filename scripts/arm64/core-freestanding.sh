#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the OS-agnostic Earlydata core (driver/core/) for aarch64 as an
# RTOS producer would: freestanding, no C library, -Wall -Wextra -Werror,
# linked into one relocatable object whose undefined symbols must all be
# ones an RTOS provides: nkops (its NKDDI) and memcpy/memset (which the
# compiler may call for __builtin_memcpy/__builtin_memset).
#
#	scripts/arm64/core-freestanding.sh [OUT_DIR]   (default build-arm64/freestanding)
#
# CROSS_COMPILE (default aarch64-linux-gnu-) picks the toolchain; CFLAGS
# adds options (e.g. -mcpu=cortex-r82). Prints the object and its size.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build-arm64/freestanding}
cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
mkdir -p "$out"

# The core has no read-modify-write atomics (GCC's aarch64 default would
# make them calls to libgcc's outline-atomics helpers, which an RTOS and
# the kernel lack): the symbol check below proves it.
flags=(-std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib
       -fno-common -mgeneral-regs-only
       -I"$root/include" ${CFLAGS:-})
objs=()
for src in "$root"/driver/core/*.c; do
	o=$out/$(basename "${src%.c}").o
	"${cross}gcc" "${flags[@]}" -c -o "$o" "$src"
	objs+=("$o")
done
"${cross}ld" -r -o "$out/earlydata_core.o" "${objs[@]}"

allowed='^(nkops|memcpy|memset)$'
bad=$("${cross}nm" -u "$out/earlydata_core.o" | awk '{print $2}' | grep -Ev "$allowed" || true)
if [ -n "$bad" ]; then
	echo "core-freestanding: undefined symbols an RTOS does not provide:" >&2
	echo "$bad" >&2
	exit 1
fi
echo "core-freestanding: $out/earlydata_core.o ($("${cross}size" "$out/earlydata_core.o" | awk 'NR==2 {print $1 " B text, " $2 " B data, " $4 " B total"}'); needs: $("${cross}nm" -u "$out/earlydata_core.o" | awk '{print $2}' | paste -sd' '))"
