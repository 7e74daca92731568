#!/usr/bin/env bash
# Earlydata on the IDCEvo-like system (examples/idcevo.dts):
#  - the RTOS VM (1) records boot milestones and vehicle signals from its
#    first moment, long before Linux exists;
#  - the Linux VM (2) boots 2 s later, gets the whole backlog in order, then
#    the live stream; it is killed (-9) mid-stream and restarted;
#  - the cluster VM (3) writes a burst of frame records into its small
#    overwrite-oldest ring before Linux reads it: the oldest are lost;
#  - Linux writes everything it receives, exactly once, to a JSON lines
#    file and to the DLT file BUILD_DIR/boot.dlt (DEMO_DLT), the RTOS
#    milestones with their original time stamps and a loss warning where
#    the cluster's records were overwritten (docs/earlydata-dlt.md);
#  - the summary counts records produced, delivered, lost and duplicated.
# Usage: examples/earlydata-demo.sh BUILD_DIR RUN_DIR
set -euo pipefail
bin=$1
run=$2
# BUILD_DIR is a build tree, or the directory of the installed programs
# (/usr/bin: the DLT file then goes to the current directory); the system
# is the idcevo.dts next to this script.
here=$(cd "$(dirname "$0")" && pwd)
hv_bin=$bin/hv/nkhv
ed_bin=$bin/tools/earlydata/earlydata
if [ ! -x "$hv_bin" ]; then
	hv_bin=$bin/nkhv
	ed_bin=$bin/earlydata
	DEMO_DLT=${DEMO_DLT:-$PWD/boot.dlt}
fi
ed="$ed_bin --run-dir $run"
out=$run/linux-received.jsonl
signals=${DEMO_SIGNALS:-400}
dlt=${DEMO_DLT:-$bin/boot.dlt}
rm -f "$dlt" "$dlt.pos"

echo "== earlydata: RTOS VM 1 produces from boot, Linux VM 2 boots later"
"$hv_bin" --run-dir "$run" "$here/idcevo.dts" 2>"$run.nkhv.log" &
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
# The cluster: 2000 frame records at once into its 64 KiB ring.
seq 2000 | sed 's/.*/{"channel":"cluster","type":21,"data":"frame=& fps=60"}/' |
	$ed produce --vm 3 --channel cluster 2>/dev/null

sleep 2
echo "-- t=2s: Linux VM 2 boots and consumes (backlog first)"
$ed consume --vm 2 --channel boot --channel signals --channel cluster \
	--follow --output "$out" --dlt "$dlt" 2>/dev/null &
linux=$!
sleep 1
echo "   first records received by Linux:"
head -n 8 "$out" | sed 's/^/   /'
$ed stat | sed 's/^/   /'
sleep 0.5
echo "-- kill -9 of the Linux consumer mid-stream, restart 0.5 s later"
{ kill -9 $linux && wait $linux; } 2>/dev/null || true
sleep 0.5
$ed consume --vm 2 --channel boot --channel signals --channel cluster \
	--follow --output "$out" --dlt "$dlt" 2>/dev/null &
linux=$!
wait $rtos
sleep 0.3
kill -TERM $linux
wait $linux 2>/dev/null || true
# Anything still in the rings (none, normally).
$ed consume --vm 2 --channel boot --channel signals --channel cluster \
	--output "$out" --dlt "$dlt" 2>/dev/null
echo "   last records received:"
tail -n 3 "$out" | sed 's/^/   /'

echo
echo "== boot.dlt: what Linux received, as DLT messages (the first lines"
echo "   and the cluster's loss warning)"
dlt-convert -a "$dlt" >"$run/boot.txt"
head -n 7 "$run/boot.txt" | sed 's/^/   /'
head -n 7 "$run/boot.txt" | grep -q ' log warn ' ||
	grep -m 1 ' log warn ' "$run/boot.txt" | sed 's/^/   /'
echo "   show it all with:  dlt-convert -a $dlt"

rtos_out=$(grep -v '"channel":"cluster"' "$out")
produced=$(sed -n 's/.*produced \([0-9]*\) records.*/\1/p' "$run/rtos.log")
delivered=$(grep -c '"seq"' <<<"$rtos_out" || true)
lost=$({ grep -o '"count":[0-9]*' <<<"$rtos_out" || true; } |
	awk -F: '{s += $2} END {print s + 0}')
dups=$(grep -o '"channel":"[a-z]*","epoch":[0-9-]*,"seq":[0-9]*' "$out" |
	sort | uniq -d | wc -l)
cl_delivered=$(grep -c '"channel":"cluster".*"seq"' "$out" || true)
cl_lost=$({ grep '"channel":"cluster"' "$out" | grep -o '"count":[0-9]*' || true; } |
	awk -F: '{s += $2} END {print s + 0}')
losses=$(grep -c '"loss"' "$out" || true)
messages=$(dlt-convert -c "$dlt" | sed -n 's/^Total number of messages: //p')
echo
echo "summary: RTOS produced $produced, delivered $delivered, lost $lost, duplicated $dups"
echo "         cluster produced 2000, delivered $cl_delivered, overwritten $cl_lost"
echo "         boot.dlt: $messages DLT messages"
[ "$produced" = "$delivered" ] && [ "$lost" = 0 ] && [ "$dups" = 0 ] &&
	[ $((cl_delivered + cl_lost)) = 2000 ] && [ "$cl_lost" -gt 0 ] &&
	[ "$messages" = $((delivered + cl_delivered + losses)) ]
