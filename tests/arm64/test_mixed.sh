#!/usr/bin/env bash
# Mixed architectures on one system: an x86-64 nkhv serves aarch64
# `earlydata` processes (run under qemu-user) and x86-64 ones, on the same
# rings (tests/system/earlydata.dts). The ring's layout, the wire protocol
# and the PDEV are the same bytes for both.
#   a64-to-x86   aarch64 producer, x86-64 consumer (block: nothing lost)
#   x86-to-a64   x86-64 producer, aarch64 consumer
#   a64-lossy    aarch64 producer laps nobody on overwrite-oldest; the
#                x86-64 consumer reads what is left, losses exact
#   kill-a64     the aarch64 consumer killed with -9 again and again under
#                a live x86-64 producer: every record exactly once
# Usage: tests/arm64/test_mixed.sh X86_BUILD_DIR ARM64_BUILD_DIR
# Environment: KILLS (default 40), ONLY (one test), QEMU_AARCH64 (default
# qemu-aarch64-static: used directly, binfmt_misc is not needed).
set -uo pipefail
S=$(cd "$(dirname "$0")/../.." && pwd)
. "$S/tests/lib/nkhv.sh"
X=$(cd "$1" && pwd)
A=$(cd "$2" && pwd)
KILLS=${KILLS:-40}
QEMU=${QEMU_AARCH64:-qemu-aarch64-static}
command -v "$QEMU" >/dev/null || { echo "$QEMU not found: scripts/deps.sh arm64"; exit 1; }
VERIFY=$X/tests/system/verify_stream
W=$(mktemp -d "${TMPDIR:-/tmp}/ed-mixed.XXXXXX")
R=$W/run
NKHV_PID=
passed=0
failed=0

for f in "$X/hv/nkhv" "$X/tools/earlydata/earlydata" "$VERIFY" \
	"$A/tools/earlydata/earlydata"; do
	[ -x "$f" ] || { echo "$f missing"; exit 1; }
done
file -L "$A/tools/earlydata/earlydata" | grep -q aarch64 ||
	{ echo "$A/tools/earlydata/earlydata is not an aarch64 program"; exit 1; }

# The x86-64 and the aarch64 earlydata tool (arrays, not functions: a
# process started with & is then the tool itself, which kill reaches).
ed_x86=("$X/tools/earlydata/earlydata" --run-dir "$R")
ed_a64=("$QEMU" "$A/tools/earlydata/earlydata" --run-dir "$R")

stop_all() {
	local p
	for p in $(jobs -p); do
		[ "$p" = "$NKHV_PID" ] || kill -KILL "$p" 2>/dev/null
	done
	if [ -n "$NKHV_PID" ]; then
		kill "$NKHV_PID" 2>/dev/null
		wait "$NKHV_PID" 2>/dev/null
	fi
	wait 2>/dev/null
	NKHV_PID=
	rm -rf "$R"
}
trap 'stop_all; rm -rf "$W"' EXIT

start_nkhv() {
	stop_all
	nkhv_launch "$X/hv/nkhv" "$R" "$S/tests/system/earlydata.dts" \
		"$W/nkhv.log"
}

# Wait for a process to exit; its status.
wait_ok() {
	wait "$1" || { echo "     process $2 exited $?"; return 1; }
}

# Until the earlydata process of VM $1 serves its statistics (it has
# joined and set its SIGTERM handler), up to 20 s.
wait_serving() {
	local v
	for _ in $(seq 400); do
		v=$("${ed_x86[@]}" stat --vm "$1" --json 2>/dev/null |
			"$X/tests/system/json_get" 0.records 2>/dev/null)
		[ -n "$v" ] && return 0
		sleep 0.05
	done
	echo "     VM $1's process does not serve its statistics"
	return 1
}

verify() {
	local out
	out=$("$VERIFY" "$@") || { echo "     verify_stream: $out"; return 1; }
	echo "     $out"
}

t_a64_to_x86() {
	local p c
	start_nkhv || return 1
	"${ed_a64[@]}" produce --vm 1 --channel blk --generate 3000 2>"$W/p.err" &
	p=$!
	"${ed_x86[@]}" consume --vm 2 --channel blk --follow --count 3000 \
		--output "$W/a2x.out" 2>"$W/c.err" &
	c=$!
	wait_ok $p "aarch64 producer" || { cat "$W/p.err"; return 1; }
	wait_ok $c "x86-64 consumer" || { cat "$W/c.err"; return 1; }
	verify "$W/a2x.out" blk --n-is-seq --no-loss --records 3000
}

t_x86_to_a64() {
	local p c
	start_nkhv || return 1
	"${ed_x86[@]}" produce --vm 1 --channel blk --generate 3000 2>"$W/p.err" &
	p=$!
	"${ed_a64[@]}" consume --vm 2 --channel blk --follow --count 3000 \
		--output "$W/x2a.out" 2>"$W/c.err" &
	c=$!
	wait_ok $p "x86-64 producer" || { cat "$W/p.err"; return 1; }
	wait_ok $c "aarch64 consumer" || { cat "$W/c.err"; return 1; }
	verify "$W/x2a.out" blk --n-is-seq --no-loss --records 3000
}

t_a64_lossy() {
	local out
	start_nkhv || return 1
	"${ed_a64[@]}" produce --vm 1 --channel ovw --generate 2000 2>/dev/null || return 1
	"${ed_x86[@]}" consume --vm 2 --channel ovw --output "$W/ovw.out" 2>/dev/null || return 1
	out=$("$VERIFY" "$W/ovw.out" ovw --n-is-seq --reason overwritten) ||
		{ echo "     $out"; return 1; }
	echo "     $out"
	set -- $out
	[ $(($2 + $4)) -eq 2000 ] && [ "$4" -gt 0 ]
}

t_kill_a64() {
	local n=$((KILLS * 100)) i c p
	start_nkhv || return 1
	"${ed_x86[@]}" produce --vm 1 --channel blk --generate $n --rate 5000 2>/dev/null &
	p=$!
	for i in $(seq "$KILLS"); do
		"${ed_a64[@]}" consume --vm 2 --channel blk --follow --output "$W/kill.out" 2>/dev/null &
		c=$!
		sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
		kill -9 $c 2>/dev/null
		wait $c 2>/dev/null
	done
	# A last aarch64 consumer lets the blocked producer finish; once it
	# has, SIGTERM (the consumer flushes), then one more reads the rest.
	"${ed_a64[@]}" consume --vm 2 --channel blk --follow --output "$W/kill.out" \
		2>"$W/kill.err" &
	c=$!
	wait_serving 2 || { kill $c; cat "$W/kill.err"; return 1; }
	wait_ok $p "x86-64 producer" || { kill $c; return 1; }
	kill -TERM $c
	wait_ok $c "aarch64 consumer" || { cat "$W/kill.err"; return 1; }
	"${ed_a64[@]}" consume --vm 2 --channel blk --output "$W/kill.out" 2>"$W/kill.err" ||
		{ cat "$W/kill.err"; return 1; }
	verify "$W/kill.out" blk --n-is-seq --no-loss --records $n
}

for name in a64_to_x86 x86_to_a64 a64_lossy kill_a64; do
	[ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ] && continue
	t0=$SECONDS
	if "t_$name"; then
		passed=$((passed + 1)); echo "ok   $name ($((SECONDS - t0)) s)"
	else
		failed=$((failed + 1)); echo "FAIL $name ($((SECONDS - t0)) s)"
	fi
	stop_all
done
echo "mixed x86-64/aarch64: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
