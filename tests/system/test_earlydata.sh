#!/usr/bin/env bash
# Earlydata end to end, with real processes: nkhv, `earlydata produce` in
# VM 1 and `earlydata consume` in VM 2 (tests/system/earlydata.dts).
# Usage: test_earlydata.sh BUILD_DIR SRC_DIR
# Environment: KILLS (default 200), HOSTILE_SECONDS (default 60),
#              ONLY (run one test by name).
set -uo pipefail
B=$1
S=$2
. "$S/../lib/nkhv.sh"
KILLS=${KILLS:-200}
HOSTILE_SECONDS=${HOSTILE_SECONDS:-60}
ED=$B/tools/earlydata/earlydata
VERIFY=$B/tests/system/verify_stream
JSON_GET=$B/tests/system/json_get
HOSTILE=$B/tests/system/hostile_producer
W=$(mktemp -d "${TMPDIR:-/tmp}/ed-test.XXXXXX")
R=$W/run
NKHV_PID=
passed=0
failed=0

cleanup() {
	stop_all
	rm -rf "$W"
}
trap cleanup EXIT

stop_all() {
	pkill -KILL -f "$ED --run-dir $R" 2>/dev/null
	pkill -KILL -f "$HOSTILE $R" 2>/dev/null
	[ -n "$NKHV_PID" ] && kill "$NKHV_PID" 2>/dev/null && wait "$NKHV_PID" 2>/dev/null
	NKHV_PID=
	rm -rf "$R"
}

start_nkhv() {
	stop_all
	nkhv_launch "$B/hv/nkhv" "$R" "$S/earlydata.dts" "$W/nkhv.log"
}

ed() { "$ED" --run-dir "$R" "$@"; }

# A value of the statistics of VM $1's earlydata process (`earlydata
# stat --json`): ed_stat VM PATH, PATH as json_get takes it.
ed_stat() {
	"$ED" --run-dir "$R" stat --vm "$1" --json 2>/dev/null |
		"$JSON_GET" "$2" 2>/dev/null
}

# Wait (up to 20 s) until a statistic compares to a number:
# wait_stat VM PATH -ge|-eq|... N.
wait_stat() {
	local vm=$1 path=$2 op=$3 n=$4 v= i
	for i in $(seq 400); do
		v=$(ed_stat "$vm" "$path")
		[ -n "$v" ] && [ "$v" "$op" "$n" ] 2>/dev/null && return 0
		sleep 0.05
	done
	echo "earlydata stat, VM $vm: $path is ${v:-absent}, not $op $n"
	return 1
}

# Wait until the earlydata process of VM $1 serves its statistics: it has
# joined, and a SIGTERM now makes it flush and exit 0 (its handler is set
# before), where one sent earlier kills it.
wait_serving() {
	wait_stat "$1" 0.records -ge 0
}

# Wait (up to 20 s) until a command succeeds: wait_until CMD [ARGS...].
wait_until() {
	local i
	for i in $(seq 400); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# Wait (up to 20 s) until pid exits; fail if it does not, or not with 0.
wait_exit() {
	local pid=$1 i rc
	for i in $(seq 2000); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			rc=$?
			[ $rc -eq 0 ] || echo "process $pid exited $rc"
			return $rc
		fi
		sleep 0.01
	done
	echo "process $pid did not finish"; kill -9 "$pid"; return 99
}

check() { # name, then the command that must succeed
	local name=$1; shift
	if "$@"; then passed=$((passed + 1)); echo "ok   $name"
	else failed=$((failed + 1)); echo "FAIL $name"; fi
}

# The consumer may come long after the producer: it gets the whole backlog.
t_backlog() {
	start_nkhv || return 1
	ed produce --vm 1 --channel blk --generate 120 2>/dev/null || return 1
	ed consume --vm 2 --channel blk --output "$W/backlog.out" 2>/dev/null || return 1
	"$VERIFY" "$W/backlog.out" blk --n-is-seq --no-loss --records 120
}

# Block: the producer waits for the consumer; nothing is lost.
t_block() {
	start_nkhv || return 1
	"$ED" --run-dir "$R" produce --vm 1 --channel blk --generate 5000 2>/dev/null &
	local p=$!
	# The ring is full and the producer waits, before any consumer.
	wait_stat 1 channel=blk.blocked -ge 1 || { kill $p; return 1; }
	"$ED" --run-dir "$R" consume --vm 2 --channel blk --follow --count 5000 --output "$W/block.out" 2>/dev/null &
	local c=$!
	wait_exit $p || return 1
	wait_exit $c || return 1
	"$VERIFY" "$W/block.out" blk --n-is-seq --no-loss --records 5000
}

# Drop-new and overwrite-oldest with no consumer: exact loss accounting.
t_lossy() {
	local ch=$1 reason=$2 out
	start_nkhv || return 1
	ed produce --vm 1 --channel "$ch" --generate 2000 2>"$W/$ch.prod" || return 1
	ed consume --vm 2 --channel "$ch" --output "$W/$ch.out" 2>/dev/null || return 1
	out=$("$VERIFY" "$W/$ch.out" "$ch" --n-is-seq --reason "$reason") || { echo "$out"; return 1; }
	echo "     $ch: $out"
	# Every sequence number is delivered or reported lost.
	set -- $out
	[ $(($2 + $4)) -eq 2000 ] && [ "$4" -gt 0 ] || return 1
	if [ "$ch" = drop ]; then
		grep -q "($4 dropped" "$W/$ch.prod" || { cat "$W/$ch.prod"; return 1; }
	fi
}

# kill -9 of the consumer at random moments: 0 lost, 0 duplicated.
t_kill_consumer() {
	local n=$((KILLS * 50)) i c p
	start_nkhv || return 1
	"$ED" --run-dir "$R" produce --vm 1 --channel blk --generate $n --rate 20000 2>/dev/null &
	p=$!
	for i in $(seq "$KILLS"); do
		"$ED" --run-dir "$R" consume --vm 2 --channel blk --follow --output "$W/kc.out" 2>/dev/null &
		c=$!
		sleep "0.0$((RANDOM % 25))"
		kill -9 $c 2>/dev/null
		wait $c 2>/dev/null
	done
	# A last consumer lets a blocked producer finish, then drains.
	"$ED" --run-dir "$R" consume --vm 2 --channel blk --follow --output "$W/kc.out" 2>"$W/kc.err" &
	c=$!
	wait_serving 2 || { cat "$W/kc.err"; return 1; }
	wait_exit $p || return 1
	kill -TERM $c
	wait_exit $c || return 1
	ed consume --vm 2 --channel blk --output "$W/kc.out" 2>"$W/kc.err" || { cat "$W/kc.err"; return 1; }
	"$VERIFY" "$W/kc.out" blk --n-is-seq --no-loss --records $n || { tail -3 "$W/kc.out"; return 1; }
}

# kill -9 of the producer at random moments: nothing torn or corrupt is
# delivered, sequence numbers continue, nothing is lost.
t_kill_producer() {
	local i c p
	start_nkhv || return 1
	"$ED" --run-dir "$R" consume --vm 2 --channel blk --follow --output "$W/kp.out" 2>"$W/kp.err" &
	c=$!
	wait_serving 2 || { cat "$W/kp.err"; return 1; }
	for i in $(seq "$KILLS"); do
		"$ED" --run-dir "$R" produce --vm 1 --channel blk --generate 100000 2>/dev/null &
		p=$!
		sleep "0.0$((RANDOM % 25))"
		kill -9 $p 2>/dev/null
		wait $p 2>/dev/null
	done
	# A last producer stays until the consumer has all of its records:
	# the consumer's read position, committed once the line is written,
	# reaches the producer's head (its backlog is 0).
	"$ED" --run-dir "$R" produce --vm 1 --channel blk --generate 10 --linger \
		2>"$W/kp.prod" &
	p=$!
	if ! wait_stat 1 channel=blk.records -ge 10 ||
		! wait_stat 1 channel=blk.backlog_bytes -eq 0; then
		kill $p 2>/dev/null; wait $p; cat "$W/kp.prod"; return 1
	fi
	kill -TERM $p
	wait $p
	kill -TERM $c
	wait_exit $c || return 1
	grep -q "fault" "$W/kp.err" && { cat "$W/kp.err"; return 1; }
	"$VERIFY" "$W/kp.out" blk --no-loss || { tail -3 "$W/kp.out"; return 1; }
}

# Both sides restart in every order; the stream stays exact.
t_restart_orders() {
	local k=0 order
	start_nkhv || return 1
	for order in PC CP PPC CCP PCPC; do
		local i
		for ((i = 0; i < ${#order}; i++)); do
			if [ "${order:$i:1}" = P ]; then
				ed produce --vm 1 --channel blk --generate 50 2>/dev/null || return 1
				k=$((k + 50))
			else
				ed consume --vm 2 --channel blk --output "$W/ro.out" 2>/dev/null || return 1
			fi
		done
	done
	ed consume --vm 2 --channel blk --output "$W/ro.out" 2>/dev/null || return 1
	# Restarted producers number their payloads from 0: check seqs only.
	"$VERIFY" "$W/ro.out" blk --no-loss --records $k
}

# The output after its first $1 lines holds the record with payload n=19.
has_n19_after() {
	tail -n +$(($1 + 1)) "$W/h.out" | grep -qF '\"n\":19'
}

# A hostile producer scribbles on the rings: the consumer reports, never
# crashes or hangs, and recovers when a real producer comes back.
t_hostile() {
	local c h before seed=$RANDOM
	start_nkhv || return 1
	ed produce --vm 1 --generate 20 2>/dev/null || return 1
	"$ED" --run-dir "$R" consume --vm 2 --follow --json >"$W/h.out" 2>"$W/h.err" &
	c=$!
	wait_serving 2 || { cat "$W/h.err"; return 1; }
	echo "     hostile: seed $seed"
	"$HOSTILE" "$R" 1 "$HOSTILE_SECONDS" $seed &
	h=$!
	wait_exit_long $h $((HOSTILE_SECONDS + 30)) || return 1
	kill -0 $c || { echo "consumer died"; tail "$W/h.err"; return 1; }
	# A real producer again: it repairs or reformats, the consumer follows
	# (its records n 0..19 come after what it printed so far).
	before=$(wc -l <"$W/h.out")
	ed produce --vm 1 --channel blk --generate 20 2>/dev/null || return 1
	wait_until has_n19_after "$before" ||
		{ echo "no records after the hostile phase"; tail -n 3 "$W/h.out"; return 1; }
	kill -TERM $c
	wait_exit $c || { echo "consumer did not exit"; return 1; }
	echo "     hostile: $(grep -c fault "$W/h.err") faults reported"
	grep -q fault "$W/h.err" || return 1
}

wait_exit_long() {
	local pid=$1 secs=$2 i
	for i in $(seq $((secs * 10))); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid"; return $?; }
		sleep 0.1
	done
	kill -9 "$pid"; return 99
}

# As many channels as the driver takes in a VM (ED_MAX_CHANNELS, 64):
# every one carries its records, the last one too; one more channel and
# the driver refuses the VM's channels, naming the limit.
t_channel_limit() {
	local n=64 out err
	stop_all
	"$S/../../scripts/channels-dts.sh" $n >"$W/ch$n.dts" || return 1
	"$S/../../scripts/channels-dts.sh" $((n + 1)) >"$W/ch$((n + 1)).dts" || return 1
	nkhv_launch "$B/hv/nkhv" "$R" "$W/ch$n.dts" "$W/nkhv.log" || return 1
	ed produce --vm 1 --channel s0 --channel s$((n / 2)) --channel s$((n - 1)) \
		--generate 50 2>"$W/limit.err" || { cat "$W/limit.err"; return 1; }
	for ch in s0 s$((n / 2)) s$((n - 1)); do
		ed consume --vm 2 --channel $ch --output "$W/$ch.out" 2>/dev/null || return 1
		out=$("$VERIFY" "$W/$ch.out" $ch --n-is-seq --no-loss --records 50) ||
			{ echo "     $ch: $out"; return 1; }
	done
	stop_all
	nkhv_launch "$B/hv/nkhv" "$R" "$W/ch$((n + 1)).dts" "$W/nkhv.log" || return 1
	if ed produce --vm 1 --channel s0 --generate 1 2>"$W/limit.err"; then
		echo "     $((n + 1)) channels were taken"
		return 1
	fi
	err=$(cat "$W/limit.err")
	case $err in
	*"more than $n earlydata channels in this VM"*) ;;
	*) echo "     not the limit's error: $err"; return 1 ;;
	esac
}

run() {
	[ -n "${ONLY:-}" ] && [ "$ONLY" != "$1" ] && return 0
	check "$@"
}

run backlog t_backlog
run block t_block
run drop-new t_lossy drop dropped
run overwrite-oldest t_lossy ovw overwritten
run restart-orders t_restart_orders
run kill-consumer t_kill_consumer
run kill-producer t_kill_producer
run hostile t_hostile
run channel-limit t_channel_limit
echo "earlydata system tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
