#!/usr/bin/env bash
# Earlydata on the IDCEvo-like system (examples/idcevo.dts):
#  - the RTOS VM (1) records boot milestones and vehicle signals from its
#    first moment, long before Linux exists;
#  - the Linux VM (2) boots 2 s later, gets the whole backlog in order, then
#    the live stream; it is killed (-9) mid-stream and restarted;
#  - the summary counts records produced, delivered, lost and duplicated.
# Usage: examples/earlydata-demo.sh BUILD_DIR RUN_DIR
set -euo pipefail
bin=$1
run=$2
ed="$bin/tools/earlydata/earlydata --run-dir $run"
out=$run/linux-received.jsonl
signals=${DEMO_SIGNALS:-400}

echo "== earlydata: RTOS VM 1 produces from boot, Linux VM 2 boots later"
"$bin/hv/nkhv" --run-dir "$run" examples/idcevo.dts 2>"$run.nkhv.log" &
nkhv=$!
trap 'kill $nkhv 2>/dev/null; wait 2>/dev/null; rm -f "$run.nkhv.log"' EXIT
for _ in $(seq 100); do [ -S "$run/nkhv.sock" ] && break; sleep 0.05; done

# The RTOS: boot milestones at once, then one vehicle signal every 10 ms.
{
	for m in hypervisor-up rtos-kernel-up can-bus-up rear-camera-up \
		 cluster-splash-shown audio-chime-ready; do
		echo "{\"channel\":\"boot\",\"type\":1,\"data\":\"$m\"}"
	done
	for i in $(seq "$signals"); do
		echo "{\"channel\":\"signals\",\"type\":2,\"data\":\"speed_kmh=$((i % 130)) gear=D tick=$i\"}"
		sleep 0.01
	done
} | $ed produce --vm 1 --channel boot --channel signals 2>"$run/rtos.log" &
rtos=$!

sleep 2
echo "-- t=2s: Linux VM 2 boots and consumes (backlog first)"
$ed consume --vm 2 --channel boot --channel signals --follow \
	--output "$out" 2>/dev/null &
linux=$!
sleep 1
echo "   first records received by Linux:"
head -n 8 "$out" | sed 's/^/   /'
$ed stat | sed 's/^/   /'
sleep 0.5
echo "-- kill -9 of the Linux consumer mid-stream, restart 0.5 s later"
{ kill -9 $linux && wait $linux; } 2>/dev/null || true
sleep 0.5
$ed consume --vm 2 --channel boot --channel signals --follow \
	--output "$out" 2>/dev/null &
linux=$!
wait $rtos
sleep 0.3
kill -TERM $linux
wait $linux 2>/dev/null || true
# Anything still in the rings (none, normally).
$ed consume --vm 2 --channel boot --channel signals --output "$out" 2>/dev/null
echo "   last records received:"
tail -n 3 "$out" | sed 's/^/   /'

produced=$(sed -n 's/.*produced \([0-9]*\) records.*/\1/p' "$run/rtos.log")
delivered=$(grep -c '"seq"' "$out" || true)
lost=$({ grep -o '"count":[0-9]*' "$out" || true; } |
	awk -F: '{s += $2} END {print s + 0}')
dups=$(grep -o '"channel":"[a-z]*","epoch":[0-9-]*,"seq":[0-9]*' "$out" |
	sort | uniq -d | wc -l)
echo
echo "summary: produced $produced, delivered $delivered, lost $lost, duplicated $dups"
[ "$produced" = "$delivered" ] && [ "$lost" = 0 ] && [ "$dups" = 0 ]
