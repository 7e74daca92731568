#!/usr/bin/env bash
# The demo's Earlydata scenario (examples/earlydata-demo.sh) as a test:
# its summary holds (produced = delivered, nothing lost or duplicated,
# the cluster's overwritten records accounted for), and its DLT file
# shows the RTOS boot milestones in order with the time stamps of their
# records, and the cluster's loss warning; in DLT Viewer's CSV export,
# every record and loss of each channel is its message, in order, with
# its time stamp.
# Usage: test_demo_dlt.sh BUILD_DIR SRC_DIR
set -uo pipefail
B=$1
S=$2
W=$(mktemp -d "${TMPDIR:-/tmp}/ed-demo.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir "$W/run"
DEMO_DLT=$W/boot.dlt "$S/../../examples/earlydata-demo.sh" "$B" "$W/run" >"$W/demo.out" 2>&1 ||
	{ cat "$W/demo.out"; echo "FAIL: the demo failed"; exit 1; }
grep -q "show it all with:  dlt-convert -a $W/boot.dlt" "$W/demo.out" ||
	{ cat "$W/demo.out"; echo "FAIL: the demo does not print the command"; exit 1; }
dlt-convert -a "$W/boot.dlt" >"$W/boot.txt" 2>/dev/null || { echo "FAIL: dlt-convert -a"; exit 1; }

# The milestones, in order, each with its record's time stamp (0.1 ms).
want="hypervisor-up rtos-kernel-up can-bus-up rear-camera-up cluster-splash-shown audio-chime-ready"
got=$(grep ' RTOS BOOT log info V 1 \[' "$W/boot.txt" | sed 's/.*\[\(.*\)\]$/\1/' | tr '\n' ' ')
[ "$got" = "$want " ] || { echo "FAIL: milestones '$got'"; exit 1; }
stamps=$(grep ' RTOS BOOT ' "$W/boot.txt" | awk '{print $4}' | tr '\n' ' ')
records=
for ts in $(grep '"channel":"boot".*"seq"' "$W/run/linux-received.jsonl" |
	sed 's/.*"ts_ns":\([0-9]*\).*/\1/'); do
	records+="$((ts / 100000 % 4294967296)) "
done
[ "$stamps" = "$records" ] || { echo "FAIL: time stamps '$stamps', records '$records'"; exit 1; }

# The cluster's burst: one loss warning, in the stream before its records.
grep -q ' CLU- FRM- log warn V 1 \[earlydata: channel cluster lost [0-9]* records, seq 0\.\.[0-9]* (overwritten)\]' "$W/boot.txt" ||
	{ echo "FAIL: no loss warning"; exit 1; }
first_warn=$(grep -n ' CLU- FRM- log warn ' "$W/boot.txt" | head -n 1 | cut -d: -f1)
first_frame=$(grep -n ' CLU- FRM- log debug ' "$W/boot.txt" | head -n 1 | cut -d: -f1)
[ "$first_warn" -lt "$first_frame" ] || { echo "FAIL: the warning is not before the frames"; exit 1; }
# DLT Viewer's CSV export: every record and loss of each channel, in
# order, with its time stamp; the text conversion reads it too.
export QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$W TZ=UTC
dlt-viewer -s -csv -c "$W/boot.dlt" "$W/boot.csv" >"$W/viewer.log" 2>&1
python3 "$S/dlt_check.py" channels "$W/boot.csv" "$W/run/linux-received.jsonl" \
	boot=BOOT signals=SIG cluster=FRM || exit 1
dlt-viewer -s -c "$W/boot.dlt" "$W/boot.viewer.txt" >"$W/viewer.log" 2>&1
[ "$(grep -c '' "$W/boot.viewer.txt")" = "$(grep -c '' "$W/boot.txt")" ] ||
	{ echo "FAIL: dlt-viewer -s -c and dlt-convert -a count different messages"; exit 1; }
echo "ok   the demo's boot.dlt: $(grep -c '' "$W/boot.txt") messages, milestones and loss warning as recorded"
