#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# nkhv --persist DIR: kill -9 of nkhv mid-stream, then a restart with the
# same DIR and device tree. The tools of both VMs exit 1 when nkhv dies
# (saying so); started again, the producer goes on in the same ring and
# the consumer (--output FILE) goes on from its read position: every
# record produced in either life is in FILE once, in order, with no loss
# and no new ring. Without --persist the same restart gives a new ring,
# which the consumer reports as a reset.
# Usage: test_persist.sh BUILD_DIR SRC_DIR
set -uo pipefail
B=$1
S=$2
. "$S/../lib/nkhv.sh"
ED=$B/tools/earlydata/earlydata
VERIFY=$B/tests/system/verify_stream
W=$(mktemp -d "${TMPDIR:-/tmp}/nkhv-persist.XXXXXX")
R=$W/run
P=$W/persist
NKHV_PID=

cleanup() {
	[ -n "$NKHV_PID" ] && kill -9 "$NKHV_PID" 2>/dev/null
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	tail -n 5 "$W/nkhv.log" "$W"/*.err 2>/dev/null
	exit 1
}

records() { grep -c '"seq"' "$1" 2>/dev/null || true; }

# One run: nkhv (with the given options), a following consumer and a
# producer of N records at RATE/s; nkhv is killed after KILL_MS (0: not
# killed; the consumer stops once OUT holds WANT records).
life() {
	local opts=$1 n=$2 rate=$3 kill_ms=$4 want=$5 out=$6 tag=$7 p c
	# shellcheck disable=SC2086 # opts: words
	nkhv_launch "$B/hv/nkhv" "$R" "$S/earlydata.dts" "$W/nkhv.log" \
		$opts || fail "nkhv"
	"$ED" --run-dir "$R" consume --vm 2 --channel blk --follow \
		--output "$out" 2>"$W/c.$tag.err" &
	c=$!
	"$ED" --run-dir "$R" produce --vm 1 --channel blk --generate "$n" \
		--rate "$rate" 2>"$W/p.$tag.err" &
	p=$!
	if [ "$kill_ms" -gt 0 ]; then
		sleep "$(printf '0.%03d' "$kill_ms")"
		kill -9 "$NKHV_PID"
		wait "$NKHV_PID" 2>/dev/null
		NKHV_PID=
		rm -rf "$R" # its stale sockets
		wait $p && fail "$tag: the producer exited 0 after nkhv died"
		wait $c && fail "$tag: the consumer exited 0 after nkhv died"
		grep -q 'nkhv is gone' "$W/p.$tag.err" ||
			fail "$tag: producer: $(cat "$W/p.$tag.err")"
		return 0
	fi
	wait $p || fail "$tag: producer failed"
	for _ in $(seq 1000); do
		[ "$(records "$out")" -ge "$want" ] && break
		sleep 0.01
	done
	kill $c
	wait $c
	kill "$NKHV_PID"
	wait "$NKHV_PID"
	NKHV_PID=
}

produced() { sed -n 's/.*produced \([0-9]*\) records.*/\1/p' "$1"; }

# With --persist: the stream survives nkhv's death.
life "--persist $P" 4000 4000 400 0 "$W/out" first
n1=$(produced "$W/p.first.err")
[ -n "$n1" ] && [ "$n1" -gt 0 ] && [ "$n1" -lt 4000 ] ||
	fail "first life produced '$n1' records, want some, not all"
life "--persist $P" 500 0 0 $((n1 + 500)) "$W/out" second
"$VERIFY" "$W/out" blk --no-loss --records $((n1 + 500)) ||
	fail "after the restart: not every record exactly once"
grep -q '"reset"' "$W/out" && fail "a new ring after a restart with --persist"
grep -q 'persist.*: [1-9][0-9]* labelled allocations restored' "$W/nkhv.log" ||
	fail "no labelled allocation restored: $(grep restored "$W/nkhv.log")"
echo "     --persist: $n1 records before kill -9 of nkhv, 500 after; all once"

# DIR/labels read as untrusted: a copy of a PMEM label under a new id
# would overlap the first (every label must be its region's next carve),
# so the replay stops there and keeps the labels before it.
labels=$(grep -o '[0-9]* labelled allocations restored' "$W/nkhv.log" | tail -n 1 | cut -d' ' -f1)
python3 - "$P/labels" <<'PY' || fail "no PMEM label in $P/labels"
import struct, sys
path = sys.argv[1]
data = open(path, "rb").read()
for i in range(0, len(data) - 47, 48):
    magic, vlink, lid, kind, vm, value, size, asked = struct.unpack_from("<QIIIIQQQ", data, i)
    if kind == 0:
        copy = struct.pack("<QIIIIQQQ", magic, vlink, lid + 1000, kind, vm, value, size, asked)
        open(path, "ab").write(copy)
        sys.exit(0)
sys.exit(1)
PY
: >"$W/nkhv.log"
nkhv_launch "$B/hv/nkhv" "$R" "$S/earlydata.dts" "$W/nkhv.log" --persist "$P" || fail "nkhv"
kill "$NKHV_PID"
wait "$NKHV_PID"
NKHV_PID=
grep -q "label $labels does not fit the system" "$W/nkhv.log" &&
	grep -q ": $labels labelled allocations restored" "$W/nkhv.log" ||
	fail "an overlapping label in $P/labels: $(grep -E 'label|restored' "$W/nkhv.log")"
echo "     an overlapping label appended to DIR/labels: refused, $labels kept"

# Without it, the restart is a new ring, and the consumer says so.
life "" 200 0 0 200 "$W/out2" third
life "" 200 0 0 400 "$W/out2" fourth
grep -q '"reset"' "$W/out2" || fail "no reset line for the new ring"
echo "PASS: nkhv --persist"
