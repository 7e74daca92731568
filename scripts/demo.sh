#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine: install what is missing, build,
# then run two example systems under nkhv.
#  1. pingpong: a VLX-style driver in two VM processes, ping-pong over PMEM.
#  2. idcevo: the RTOS VM records early data before the Linux VM exists;
#     Linux boots later, gets the whole backlog in order, then live records.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh base
scripts/build.sh release >/dev/null

bin=build
run=$(mktemp -d "${TMPDIR:-/tmp}/nkhv-demo.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$run"
}
trap cleanup EXIT

start_nkhv() {
	"$bin/hv/nkhv" --run-dir "$run" "$1" &
	pids+=($!)
	for _ in $(seq 100); do
		[ -S "$run/nkhv.sock" ] && return 0
		sleep 0.05
	done
	echo "demo: nkhv did not start" >&2
	exit 1
}

stop_nkhv() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	pids=()
	rm -rf "${run:?}"/*
}

echo "== vlinkctl check examples/idcevo.dts"
"$bin/tools/vlinkctl/vlinkctl" check examples/idcevo.dts

echo
echo "== pingpong: 10000 round trips between VM 1 and VM 2"
start_nkhv examples/pingpong.dts
NK_VM_SOCKET=$run/vm2.sock "$bin/examples/pingpong" 10000 &
client=$!
NK_VM_SOCKET=$run/vm1.sock "$bin/examples/pingpong" 10000
wait "$client"
"$bin/tools/vlinkctl/vlinkctl" --run-dir "$run" list
stop_nkhv

if [ -x "$bin/tools/earlydata/earlydata" ] && [ -x examples/earlydata-demo.sh ]; then
	echo
	examples/earlydata-demo.sh "$bin" "$run"
fi
echo
echo "demo: done"
