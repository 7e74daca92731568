#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A ring's identity survives nothing but itself: after nkhv is restarted
# (its PMEM lost), the producer formats a new ring whose epoch no earlier
# ring had, and `earlydata consume --output FILE`, which remembers the
# last (epoch, seq) it wrote, takes it for a new ring: a `reset` loss
# line, then every record of the new ring. With protocol 2.0 the new ring
# restarted at epoch 1 and 100 of 160 new records were skipped as "held".
# Usage: test_ring_identity.sh BUILD_DIR SRC_DIR
set -uo pipefail
B=$1
S=$2
. "$S/../lib/nkhv.sh"
ED=$B/tools/earlydata/earlydata
W=$(mktemp -d "${TMPDIR:-/tmp}/ed-identity.XXXXXX")
R=$W/run
OUT=$W/out.jsonl
NKHV_PID=

cleanup() {
	[ -n "$NKHV_PID" ] && kill "$NKHV_PID" 2>/dev/null &&
		wait "$NKHV_PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	echo "--- $OUT"
	cut -c1-160 "$OUT" 2>/dev/null | tail -n 20
	exit 1
}

start_nkhv() {
	nkhv_launch "$B/hv/nkhv" "$R" "$S/earlydata.dts" "$W/nkhv.log" ||
		fail "nkhv"
}

stop_nkhv() {
	kill "$NKHV_PID" && wait "$NKHV_PID" 2>/dev/null
	NKHV_PID=
	rm -rf "$R"
}

# One life of the system: N records produced, then all consumed into OUT.
life() {
	local n=$1
	start_nkhv
	"$ED" --run-dir "$R" produce --vm 1 --channel blk --generate "$n" \
		2>>"$W/tools.log" || fail "produce failed"
	"$ED" --run-dir "$R" consume --vm 2 --channel blk --output "$OUT" \
		2>>"$W/tools.log" || fail "consume failed"
	stop_nkhv
}

life 160
life 160
life 40

python3 - "$OUT" <<'EOF' || fail "the output file is not what three rings give"
import json, sys
rings, reset_pending = [], False
for j in map(json.loads, open(sys.argv[1])):
    if "loss" in j:
        l = j["loss"]
        assert l["reason"] == "reset" and l["count"] == 0, j
        assert rings and j["epoch"] != rings[-1]["epoch"], j
        assert l["first"] == len(rings[-1]["seqs"]), j
        reset_pending = True
        continue
    if not rings or j["epoch"] != rings[-1]["epoch"]:
        assert not rings or reset_pending, "a new ring without a reset: %s" % j
        rings.append({"epoch": j["epoch"], "seqs": []})
        reset_pending = False
    assert j["seq"] == len(rings[-1]["seqs"]), j
    rings[-1]["seqs"].append(j["seq"])
counts = [len(r["seqs"]) for r in rings]
epochs = [r["epoch"] for r in rings]
assert counts == [160, 160, 40], counts
assert len(set(epochs)) == 3, epochs
print("     3 rings, epochs distinct, records %s, 2 reset lines" % counts)
EOF
echo "ok   ring identity across nkhv restarts"
