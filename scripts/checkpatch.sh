#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# checkpatch (the kernel's, from Debian's linux-source-6.1: scripts/deps.sh
# dbgkernel) over the kernel code: guest/linux/ (with its test modules)
# and driver/kernel/. Fails on any report but those docs/nkddi-linux.md
# justifies (#checkpatch), listed here as FILE:TYPE.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "checkpatch: no $tarball (scripts/deps.sh dbgkernel)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$tarball" -C "$tmp" --strip-components=1 \
	linux-source-6.1/scripts/checkpatch.pl \
	linux-source-6.1/scripts/spelling.txt \
	linux-source-6.1/scripts/const_structs.checkpatch
allowed=(
	driver/kernel/ed_kfile.c:CONSTANT_COMPARISON
	driver/kernel/ed_kmod.c:CONSTANT_COMPARISON
	driver/kernel/ed_kmod.c:LINUX_VERSION_CODE
	guest/linux/ops.c:SPACING
	guest/linux/ops.c:VOLATILE
	guest/linux/test/nk_pingpong.c:VOLATILE
	guest/linux/test/nk_selftest.c:VOLATILE
	guest/linux/test/nk_selftest.c:MACRO_WITH_FLOW_CONTROL
)
cd "$root"
bad=0
n=0
for f in guest/linux/*.[ch] guest/linux/test/*.c driver/kernel/*.[ch]; do
	case $f in *.mod.c) continue ;; esac
	n=$((n + 1))
	while IFS= read -r line; do
		type=$(echo "$line" | sed -n 's/^[^:]*:[0-9]*: [A-Z]*:\([A-Z_]*\):.*/\1/p')
		[ -n "$type" ] || continue
		case " ${allowed[*]} " in
		*" $f:$type "*) ;;
		*) echo "$line"; bad=1 ;;
		esac
	done < <(perl "$tmp/scripts/checkpatch.pl" --no-tree --terse --show-types \
		-f "$f" 2>/dev/null || true)
done
[ $bad = 0 ] || { echo "checkpatch: reports not justified in docs/nkddi-linux.md" >&2; exit 1; }
echo "checkpatch: $n files, no report but the ${#allowed[@]} justified kinds"
