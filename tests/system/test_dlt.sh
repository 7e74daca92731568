#!/usr/bin/env bash
# Earlydata into DLT, checked with the real COVESA tools of Debian:
# `earlydata consume --dlt` files read by dlt-convert and by DLT Viewer's
# command line (CSV export, Qt offscreen), exactly once across kill -9,
# loss warnings in place, pass-through messages, a hostile record stream;
# `earlydata dlt-forward` into a real dlt-daemon, read back with
# dlt-receive, across a daemon restart (when the tool was built).
# Usage: test_dlt.sh BUILD_DIR SRC_DIR
# Environment: ONLY=NAME... (these tests), KEEP=1 (keep the files), SEED.
set -uo pipefail
B=$1
S=$2
. "$S/../lib/nkhv.sh"
ED=$B/tools/earlydata/earlydata
RECS=$B/tests/system/dlt_records
KILLSHIM=$B/tests/system/libdlt_kill.so
CHECK=$S/dlt_check.py
W=$(mktemp -d "${TMPDIR:-/tmp}/ed-dlt.XXXXXX")
R=$W/run
NKHV_PID=
DAEMON_PID=
RECEIVE_PID=
passed=0
failed=0
export TZ=UTC QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$W

for t in dlt-convert dlt-viewer; do
	command -v $t >/dev/null || { echo "test_dlt: $t missing (scripts/deps.sh)"; exit 1; }
done

cleanup() {
	[ -n "${KEEP:-}" ] && { stop_all; echo "test_dlt: kept $W"; return; }
	stop_all
	rm -rf "$W"
}
trap cleanup EXIT

stop_all() {
	pkill -KILL -f "$ED --run-dir $R" 2>/dev/null
	pkill -KILL -f "$RECS $R" 2>/dev/null
	[ -n "$RECEIVE_PID" ] && kill "$RECEIVE_PID" 2>/dev/null
	RECEIVE_PID=
	stop_daemon
	[ -n "$NKHV_PID" ] && kill "$NKHV_PID" 2>/dev/null && wait "$NKHV_PID" 2>/dev/null
	NKHV_PID=
	rm -rf "$R"
}

start_nkhv() {
	stop_all
	nkhv_launch "$B/hv/nkhv" "$R" "$S/dlt.dts" "$W/nkhv.log"
}

ed() { "$ED" --run-dir "$R" "$@"; }

# DLT Viewer's CSV export of a DLT file: viewer_csv FILE.dlt OUT.csv.
viewer_csv() {
	rm -f "$2"
	dlt-viewer -s -csv -c "$1" "$2" >"$W/viewer.log" 2>&1
	[ -s "$2" ] || { echo "     dlt-viewer wrote no $2:"; tail -n 5 "$W/viewer.log"; return 1; }
}

# dlt-convert's count of the messages of a DLT file.
convert_count() {
	dlt-convert -c "$1" 2>&1 | sed -n 's/^Total number of messages: //p'
}

# Both tools read FILE and find N messages: both_read FILE N.
both_read() {
	local c v
	c=$(convert_count "$1")
	dlt-convert -a "$1" >"$W/convert.txt" 2>&1 || { echo "     dlt-convert -a failed"; return 1; }
	viewer_csv "$1" "$W/both.csv" || return 1
	# DLT Viewer's text conversion too: one line per message.
	rm -f "$W/both.txt"
	dlt-viewer -s -c "$1" "$W/both.txt" >"$W/viewer.log" 2>&1
	v=$(grep -c '' "$W/both.txt" 2>/dev/null)
	[ "$v" = "$2" ] || { echo "     dlt-viewer -s -c wrote ${v:-no} lines, not $2"; return 1; }
	v=$(python3 "$CHECK" csv "$W/both.csv" | wc -l)
	[ "$c" = "$2" ] && [ "$v" = "$2" ] ||
		{ echo "     $1: dlt-convert counts ${c:-nothing}, DLT Viewer $v, not $2"; return 1; }
}

check() { # name, then the command that must succeed
	local name=$1; shift
	if "$@"; then passed=$((passed + 1)); echo "ok   $name"
	else failed=$((failed + 1)); echo "FAIL $name"; fi
}

# Boot milestones: each record one message with the channel's DLT ids,
# the level of its type, the producer's time stamp in both places.
t_milestones() {
	start_nkhv || return 1
	printf '%s\n' \
		'{"channel":"boot","type":20,"data":"hypervisor-up"}' \
		'{"channel":"boot","type":20,"data":"rtos-kernel-up"}' \
		'{"channel":"boot","type":19,"data":"can-bus-late"}' \
		'{"channel":"boot","type":18,"data":"camera-error"}' \
		'{"channel":"boot","type":1,"data":"cluster-splash-shown"}' |
		ed produce --vm 1 --channel boot 2>/dev/null || return 1
	ed consume --vm 2 --channel boot --dlt "$W/m.dlt" --dlt-ecu IDC1 \
		--dlt-clock uptime --output "$W/m.jsonl" 2>/dev/null || return 1
	both_read "$W/m.dlt" 5 || return 1
	python3 "$CHECK" stamps "$W/both.csv" "$W/m.jsonl" || return 1
	# dlt-convert: ECU, application, context, type and level.
	local want=(
		"IDC1 RTOS BOOT log info V 1 \[hypervisor-up\]"
		"IDC1 RTOS BOOT log info V 1 \[rtos-kernel-up\]"
		"IDC1 RTOS BOOT log warn V 1 \[can-bus-late\]"
		"IDC1 RTOS BOOT log error V 1 \[camera-error\]"
		"IDC1 RTOS BOOT log info V 1 \[cluster-splash-shown\]") i
	for i in 0 1 2 3 4; do
		sed -n "$((i + 1))p" "$W/convert.txt" | grep -q "${want[$i]}" ||
			{ echo "     line $((i + 1)) is not '${want[$i]}':"; cat "$W/convert.txt"; return 1; }
	done
	# Default ids: application EDAT, context the channel's name.
	echo '{"channel":"lossy","data":"x"}' | ed produce --vm 1 --channel lossy 2>/dev/null || return 1
	ed consume --vm 2 --channel lossy --dlt "$W/d.dlt" 2>/dev/null || return 1
	grep -q "ECU1 EDAT loss log info V 1 \[x\]" <(dlt-convert -a "$W/d.dlt" 2>/dev/null) ||
		{ dlt-convert -a "$W/d.dlt"; return 1; }
}

# Drop-new overflow before the consumer: the warning where records went.
t_overflow() {
	local out
	start_nkhv || return 1
	ed produce --vm 1 --channel lossy --generate 400 2>/dev/null || return 1
	ed consume --vm 2 --channel lossy --dlt "$W/o.dlt" 2>/dev/null || return 1
	viewer_csv "$W/o.dlt" "$W/o.csv" || return 1
	out=$(python3 "$CHECK" losses "$W/o.csv" 400 dropped) || { echo "     $out"; return 1; }
	echo "     $out"
	grep -q "ECU1 EDAT loss log warn V 1 \[earlydata: channel lossy lost" <(dlt-convert -a "$W/o.dlt" 2>/dev/null) ||
		{ echo "     dlt-convert shows no loss warning"; return 1; }
}

# kill -9 at the worst moments (after the DLT message, after its journal
# line), then at random ones under a live producer: each record once.
t_restart() {
	local at i c p rc
	start_nkhv || return 1
	ed produce --vm 1 --channel boot --generate 60 2>/dev/null || return 1
	for at in dlt:10 journal:10 dlt:1 journal:3; do
		{ DLT_KILL_AT=$at LD_PRELOAD=$KILLSHIM \
			ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
			"$ED" --run-dir "$R" \
			consume --vm 2 --channel boot --dlt "$W/r.dlt"; rc=$?; } 2>/dev/null
		[ $rc = 137 ] || { echo "     not killed at $at"; return 1; }
	done
	ed consume --vm 2 --channel boot --dlt "$W/r.dlt" 2>/dev/null || return 1
	viewer_csv "$W/r.dlt" "$W/r.csv" || return 1
	python3 "$CHECK" once "$W/r.csv" 60 || return 1
	[ "$(convert_count "$W/r.dlt")" = 60 ] || return 1

	start_nkhv || return 1
	"$ED" --run-dir "$R" produce --vm 1 --channel boot --generate 3000 --rate 3000 2>/dev/null &
	p=$!
	for i in 1 2 3 4 5 6 7 8; do
		"$ED" --run-dir "$R" consume --vm 2 --channel boot --follow \
			--dlt "$W/k.dlt" --output "$W/k.jsonl" 2>/dev/null &
		c=$!
		sleep "0.$((RANDOM % 3 + 1))"
		kill -9 $c 2>/dev/null
		wait $c 2>/dev/null
	done
	# The producer blocks on a full ring: drain until it is done.
	while kill -0 $p 2>/dev/null; do
		ed consume --vm 2 --channel boot --dlt "$W/k.dlt" --output "$W/k.jsonl" 2>/dev/null || return 1
	done
	wait $p || return 1
	ed consume --vm 2 --channel boot --dlt "$W/k.dlt" --output "$W/k.jsonl" 2>/dev/null || return 1
	viewer_csv "$W/k.dlt" "$W/k.csv" || return 1
	python3 "$CHECK" once "$W/k.csv" 3000 || return 1
	[ "$(grep -c '"seq"' "$W/k.jsonl")" = 3000 ] || { echo "     the JSON file is not exact"; return 1; }
	# A DLT file emptied by hand starts over; one cut short is refused.
	: >"$W/k.dlt"
	ed consume --vm 2 --channel boot --dlt "$W/k.dlt" 2>/dev/null || return 1
	[ ! -s "$W/k.dlt.pos" ] || { echo "     journal of an emptied file kept"; return 1; }
	ed consume --vm 2 --channel boot --dlt "$W/r.dlt" --from-start 2>/dev/null || return 1
	truncate -s 100 "$W/r.dlt"
	ed consume --vm 2 --channel boot --dlt "$W/r.dlt" 2>"$W/short.err" && return 1
	grep -q "shorter than" "$W/short.err" || { cat "$W/short.err"; return 1; }
}

# RTOS DLT messages pass through unchanged, with their own ids and time.
t_passthrough() {
	start_nkhv || return 1
	"$RECS" "$R" 1 pass passthrough >/dev/null || return 1
	ed consume --vm 2 --channel pass --dlt "$W/p.dlt" --dlt-ecu IDC1 2>/dev/null || return 1
	both_read "$W/p.dlt" 3 || return 1
	# (dlt-convert shows the context id "LOG\0" as LOG-.)
	grep -q " 42 007 RTOS RTOS LOG- log info V 1 \[rtos: bootloader done\]" "$W/convert.txt" &&
	grep -q " 42 007 RTOS RTOS LOG- log warn V 2 \[rtos: sensor late ms=17\]" "$W/convert.txt" &&
	grep -q " 42 007 RTOS RTOS LOG- log info N 0 \[4660, ab cd\]" "$W/convert.txt" ||
		{ echo "     dlt-convert shows:"; cat "$W/convert.txt"; return 1; }
}

# Binary, NULs, broken UTF-8, empty and 256 KiB records, random types,
# malformed pass-through records: a file both tools read, one message
# each, the huge ones cut with a note.
t_hostile() {
	local n=300 c
	start_nkhv || return 1
	"$ED" --run-dir "$R" consume --vm 2 --channel big --follow --count $n \
		--dlt "$W/h.dlt" 2>/dev/null &
	c=$!
	"$RECS" "$R" 1 big hostile $n "${SEED:-$RANDOM}" >/dev/null || { kill $c; return 1; }
	wait $c || return 1
	both_read "$W/h.dlt" $n || return 1
	grep -q "\[cut: 65[0-9]* of 262144 bytes shown\]" "$W/convert.txt" || { echo "     no cut note"; return 1; }
	grep -q "not a DLT message: length field" "$W/convert.txt" || { echo "     no malformed note"; return 1; }
	grep -q "RTOS RTOS LOG- log info V 1 \[well formed\]" "$W/convert.txt" || return 1
}

# A dlt-daemon of our own: its configuration, FIFO directory, control
# socket and port, nothing in /tmp. The contexts' level is verbose, so
# that it lets every record through.
DAEMONS=0
start_daemon() {
	DAEMONS=$((DAEMONS + 1))
	DAEMON_LOG=$W/daemon$DAEMONS.log
	mkdir -p "$W/dltstore"
	cat >"$W/dlt.conf" <<-EOF
		SendContextRegistration = 1
		PersistanceStoragePath = $W/dltstore
		ContextLogLevel = 6
		ControlSocketPath = $W/dlt-ctrl.sock
	EOF
	dlt-daemon -c "$W/dlt.conf" -t "$W/dltfifo" -p "$DLT_PORT" >"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	wait_until grep -q "Activate connection type: 6" "$DAEMON_LOG" ||
		{ echo "     dlt-daemon did not start: $(tail -n 3 "$DAEMON_LOG")"; return 1; }
}

stop_daemon() {
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}

# A dlt-receive of our daemon writing FILE, once it is connected.
start_receive() {
	dlt-receive -o "$1" -p "$DLT_PORT" localhost >/dev/null 2>&1 &
	RECEIVE_PID=$!
	wait_until grep -q "Switched to send direct state" "$DAEMON_LOG"
}

wait_until() { # up to 20 s
	local i
	for i in $(seq 400); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# Records VM 2's earlydata process has taken from channel fwd.
fwd_taken() {
	"$ED" --run-dir "$R" stat --vm 2 --json 2>/dev/null |
		"$B/tests/system/json_get" channel=fwd.records 2>/dev/null
}


fwd_backlog() {
	"$ED" --run-dir "$R" stat --vm 2 --json 2>/dev/null |
		"$B/tests/system/json_get" channel=fwd.backlog_bytes 2>/dev/null
}

fwd_at_least() { local v; v=$(fwd_taken); [ -n "$v" ] && [ "$v" -ge "$1" ]; }

# The forwarder has taken everything: the producer is done, it has taken
# something and nothing is left in the ring.
fwd_drained() { [ "$(fwd_backlog)" = 0 ] && fwd_at_least 1; }

# Messages of context FWD in the receivers' files.
fwd_received_count() {
	cat "$W"/f[0-9].dlt >"$W/fr.dlt" 2>/dev/null
	dlt-convert -a "$W/fr.dlt" 2>/dev/null | grep -c ' FWD- '
}

# The receivers' files hold N messages of context FWD: fwd_received N.
fwd_received() { [ "$(fwd_received_count)" -ge "$1" ]; }

# Records the producer (VM 1) has written into fwd.
fwd_written() {
	"$ED" --run-dir "$R" stat --vm 1 --json 2>/dev/null |
		"$B/tests/system/json_get" channel=fwd.records 2>/dev/null
}

fwd_written_at_least() { local v; v=$(fwd_written); [ -n "$v" ] && [ "$v" -ge "$1" ]; }

# dlt-forward: the backlog then live records into a running dlt-daemon,
# the producer's time stamps kept; the daemon restarts mid-stream, then
# again while the forwarder is killed (kill -9) with the daemon away:
# every record arrives once, in order, but for what sat in the daemon's
# FIFO when it stopped (lost with the daemon: at most 4 here).
t_forward() {
	local f p n=800
	ldd "$ED" 2>/dev/null | grep libdlt >/dev/null || { echo "     skipped: earlydata built without libdlt"; return 0; }
	# A TCP port free now, for the daemon.
	DLT_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
	mkdir -p "$W/dltfifo"
	start_nkhv || return 1
	# 200 records a second for 4 s: the first second is the backlog.
	"$ED" --run-dir "$R" produce --vm 1 --channel fwd --generate $n --rate 200 2>/dev/null &
	p=$!
	sleep 1
	start_daemon || return 1
	start_receive "$W/f1.dlt" || { echo "     dlt-receive did not connect"; return 1; }
	DLT_PIPE_DIR=$W/dltfifo "$ED" --run-dir "$R" dlt-forward --vm 2 --channel fwd >"$W/fwd.out" 2>"$W/fwd.log" &
	f=$!
	wait_until fwd_at_least 300 || { echo "     nothing forwarded: $(cat "$W/fwd.log")"; kill $f; return 1; }
	# The daemon restarts under the running forwarder.
	stop_daemon
	kill $RECEIVE_PID 2>/dev/null; wait $RECEIVE_PID 2>/dev/null
	start_daemon || return 1
	start_receive "$W/f2.dlt" || { echo "     dlt-receive did not connect again"; return 1; }
	wait_until fwd_at_least 450 || { echo "     not forwarding after the restart: $(cat "$W/fwd.log")"; kill $f; return 1; }
	# The daemon goes away; 40 records later the forwarder is killed.
	stop_daemon
	kill $RECEIVE_PID 2>/dev/null; wait $RECEIVE_PID 2>/dev/null
	local w0
	w0=$(fwd_written)
	wait_until fwd_written_at_least $((${w0:-0} + 40)) || { echo "     the producer stopped"; return 1; }
	kill -9 $f; wait $f 2>/dev/null
	start_daemon || return 1
	start_receive "$W/f3.dlt" || { echo "     dlt-receive did not connect a third time"; return 1; }
	DLT_PIPE_DIR=$W/dltfifo "$ED" --run-dir "$R" dlt-forward --vm 2 --channel fwd >>"$W/fwd.out" 2>>"$W/fwd.log" &
	f=$!
	wait $p || return 1
	wait_until fwd_drained || { echo "     the ring was not drained: $(cat "$W/fwd.log")"; kill $f; return 1; }
	# What was in the daemon's FIFO when it stopped is lost with it (its
	# two stops: a few messages at most); nothing else may be.
	wait_until fwd_received $((n - 4)) ||
		echo "     the receivers got $(fwd_received_count) of $n messages"
	sleep 1 # the last ones still on their way
	kill -TERM $f; wait $f || { cat "$W/fwd.log"; return 1; }
	kill $RECEIVE_PID 2>/dev/null; wait $RECEIVE_PID 2>/dev/null
	stop_daemon
	cat "$W/f1.dlt" "$W/f2.dlt" "$W/f3.dlt" >"$W/f.dlt"
	viewer_csv "$W/f.dlt" "$W/f.csv" || return 1
	python3 "$CHECK" ordered "$W/f.csv" $n 4 FWD || return 1
	python3 "$CHECK" predates "$W/f.csv" FWD "ApplicationID 'RTOS' registered" || return 1
	grep -q " RTOS FWD- log info V 1 \\[{\"ch\":\"fwd\",\"n\":0," <(dlt-convert -a "$W/f.dlt" 2>/dev/null) ||
		{ echo "     dlt-convert does not show the first record"; return 1; }
}

run() {
	local name=$1; shift
	case " ${ONLY:-$name} " in *" $name "*) check "$name" "$@" ;; esac
}

run milestones t_milestones
run overflow t_overflow
run restart t_restart
run passthrough t_passthrough
run hostile t_hostile
run forward t_forward
echo "DLT tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
