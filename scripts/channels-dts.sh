#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A system of N earlydata channels s0 ... s(N-1) from VM 1 (producer) to
# VM 2 (consumer) and nothing else, each block-policy with a 16 KiB ring
# (PMEM: 4 KiB of headers and the ring), as a .dts on standard output.
# Each VM's PDEV has 32 KiB and 1 KiB per channel (its system area holds
# the vlinks' descriptors).
# The channel-scale benchmark (bench/run.sh) and the channel-limit test
# (tests/system/test_earlydata.sh) run on it.
#
# Usage: scripts/channels-dts.sh N
set -euo pipefail
n=${1:-}
case $n in
'' | *[!0-9]*) echo "usage: $0 N" >&2; exit 2 ;;
esac
printf '/dts-v1/;\n/ {\n\tcompatible = "nkhv,system";\n'
printf '\tmodel = "earlydata-channels-%s";\n\tvms {\n' "$n"
for side in producer consumer; do
	id=1
	[ $side = consumer ] && id=2
	printf '\t\t%s {\n\t\t\tcompatible = "nkhv,vm";\n' $side
	printf '\t\t\tos-id = <%d>;\n\t\t\tpdev-size = <0x%x>;\n' $id \
		$(((0x8000 + n * 0x400 + 0xfff) & ~0xfff))
	for k in $(seq 0 $((n - 1))); do
		printf '\t\t\ts%d {\n\t\t\t\tcompatible = "nkhv,vlink";\n' "$k"
		printf '\t\t\t\tvlink-name = "earlydata";\n'
		printf '\t\t\t\tlink = <%d>;\n' $((k + 1))
		if [ $side = producer ]; then
			printf '\t\t\t\tserver;\n\t\t\t\tpmem-size = <0x5000>;\n'
			printf '\t\t\t\tinfo = "s%d,policy=block,record-max=1K,ring=16K";\n' "$k"
		else
			printf '\t\t\t\tclient;\n'
		fi
		printf '\t\t\t\txirqs = <1>;\n\t\t\t};\n'
	done
	printf '\t\t};\n'
done
printf '\t};\n};\n'
