#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A functional smoke of the Earlydata benchmark programs as aarch64
# binaries under qemu-user (`make bench-arm64-smoke`): the aarch64 nkhv
# (bench/bench.dts), then each Earlydata row of bench/run.sh once, with
# few records: throughput (copy, peek, batch), latency (sleep, poll),
# latency under load, 8 channels at once (scripts/channels-dts.sh), the
# XIRQ path, the backlog drain, plus hw_limits (the CRC32C + copy into a
# ring and from a large source among them), lat_raw's bare shared line
# and ring_cpu (the ring core on one CPU). It checks that every program
# runs to its end and prints its JSON result lines; it reports no figure:
# emulated timings say nothing of an arm64 CPU. Figures need arm64
# hardware: `make bench` there (docs/benchmarks.md, docs/arm64.md).
#
#	scripts/arm64/bench-smoke.sh [ARM64_BUILD_DIR]   (default build-arm64)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$root/build-arm64}" && pwd)
BB=$B/bench
QEMU=${QEMU_AARCH64:-qemu-aarch64-static}
W=$(mktemp -d "${TMPDIR:-/tmp}/ed-bench-a64.XXXXXX")
NKHV_PID=

for p in "$B/hv/nkhv" "$BB/tput_earlydata" "$BB/lat_earlydata" \
	"$BB/drain_earlydata" "$BB/lat_xirq" "$BB/hw_limits" \
	"$BB/load_earlydata" "$BB/scale_earlydata" "$BB/lat_raw" \
	"$BB/ring_cpu"; do
	[ -x "$p" ] || { echo "bench-smoke: $p missing: scripts/build.sh arm64" >&2; exit 1; }
done

stop_nkhv() {
	if [ -n "$NKHV_PID" ]; then
		kill "$NKHV_PID" 2>/dev/null || true
		wait "$NKHV_PID" 2>/dev/null || true
	fi
	NKHV_PID=
	rm -rf "$W/run"
}
trap 'stop_nkhv; rm -rf "$W"' EXIT

# A fresh nkhv on bench/bench.dts, or on the system SYSTEM if given.
start_nkhv() {
	stop_nkhv
	"$QEMU" "$B/hv/nkhv" --run-dir "$W/run" "${1:-$root/bench/bench.dts}" 2>>"$W/nkhv.log" &
	NKHV_PID=$!
	for _ in $(seq 500); do
		[ -S "$W/run/nkhv.sock" ] && return 0
		kill -0 "$NKHV_PID" 2>/dev/null || break
		sleep 0.02
	done
	echo "bench-smoke: nkhv did not start:" >&2
	cat "$W/nkhv.log" >&2
	exit 1
}

ran=0
# run [nkhv[=SYSTEM]] PROGRAM ARGS...: one program (a fresh nkhv first if
# asked), bounded; it must exit 0 and print at least one JSON object.
run() {
	local fresh=0 sys= out
	case $1 in
	nkhv) fresh=1; shift ;;
	nkhv=*) fresh=1; sys=${1#nkhv=}; shift ;;
	esac
	[ $fresh = 1 ] && start_nkhv ${sys:+"$sys"}
	if ! out=$(timeout 300 "$QEMU" "$@" 2>>"$W/errors.log"); then
		echo "bench-smoke: failed: ${*#"$BB"/}" >&2
		tail -5 "$W/errors.log" >&2
		exit 1
	fi
	printf '%s\n' "$out" | grep -q '^{' ||
		{ echo "bench-smoke: no result from ${*#"$BB"/}" >&2; exit 1; }
	[ $fresh = 1 ] && stop_nkhv
	ran=$((ran + 1))
	echo "ok   ${*#"$BB"/}"
}

for s in 64 1K; do
	run nkhv "$BB/tput_earlydata" "$W/run" copy $s 20000
	run nkhv "$BB/tput_earlydata" "$W/run" peek $s 20000
	run nkhv "$BB/tput_earlydata" "$W/run" batch $s 20000
	run nkhv "$BB/lat_earlydata" "$W/run" sleep $s 200
	run nkhv "$BB/lat_earlydata" "$W/run" poll $s 200
	run nkhv "$BB/drain_earlydata" "$W/run" copy $s $((1 << 20))
	run nkhv "$BB/drain_earlydata" "$W/run" peek $s $((1 << 20))
done
run nkhv "$BB/lat_xirq" "$W/run" 200
run nkhv "$BB/load_earlydata" "$W/run" load 200
"$root/scripts/channels-dts.sh" 8 >"$W/scale-8.dts"
run nkhv="$W/scale-8.dts" "$BB/scale_earlydata" "$W/run" 8 20000 200
run "$BB/hw_limits" memcpy 1K ring:2M $((16 << 20))
run "$BB/hw_limits" crc 1K $((16 << 20))
run "$BB/hw_limits" crccopy 1K 2M $((16 << 20))
run "$BB/hw_limits" crccopy 1K large:4M $((16 << 20))
run "$BB/hw_limits" pingpong 2000
run "$BB/lat_raw" shm poll 64 200
run "$BB/ring_cpu" single 64 20000
run "$BB/ring_cpu" batch 1K 20000
echo "bench-smoke: $ran aarch64 benchmark programs ran under qemu-user (functional only: no figures from emulation)"
