#!/usr/bin/env bash
# Earlydata under stress, with real processes: nkhv, `earlydata produce`
# and `earlydata consume`.
#
# policies: one channel per overflow policy on the smallest ring a channel
#   may have (8 KiB) with the largest record-max it allows (2 KiB, a
#   quarter of the ring; tests/stress/stress.dts). For STRESS_SECONDS each, a producer at full
#   speed (`produce --generate N`, or `produce --raw` fed by stress_gen
#   with records up to record_max) and a consumer `consume --follow
#   --output FILE`; the consumer is paused (SIGSTOP/SIGCONT), killed -9
#   and restarted at random, the producer too. Then the ring is drained, a
#   last clean producer run of FINAL records written and drained. FILE
#   must hold every sequence number exactly once, as a record (intact, in
#   order) or in an exact loss event of the policy's reason (none for
#   block), ending with that last run; no fault on either side, no link
#   reset.
#   Then, deterministically, the consumer killed -9 as it is about to
#   write a loss line, and between a record's line and its commit (an
#   LD_PRELOAD shim, kill_at_write.c); the file must stay exact.
# examples: the scenario of the issue on every Earlydata channel of
#   examples/*.dts: `consume --follow --json` (and, separately, `consume
#   --follow --output FILE`) while `produce --generate 300000` writes at
#   full speed. 0 faults, 0 link resets, the link ON/ON at the end, every
#   record intact and in order, losses adding up to exactly 300,000 with
#   the records.
#
# Usage: test_stress.sh BUILD_DIR SRC_DIR [SECONDS] [policies|examples|all]
#                      [RECORDS]
# Environment: STRESS_SECONDS (per policy; default SECONDS, else 10),
#   STRESS_EXAMPLE_RECORDS (default RECORDS, else 300000), STRESS_SEED (replay the random
#   actions), ONLY (one policy, channel or example file name),
#   STRESS_KEEP=1 (keep the logs and output files).
set -uo pipefail
B=$1
S=$2
SRC=$(cd "$S" && pwd)
. "$SRC/tests/lib/nkhv.sh"
SECS=${STRESS_SECONDS:-${3:-10}}
MODE=${4:-all}
NREC=${STRESS_EXAMPLE_RECORDS:-${5:-300000}}
FINAL=16
SEED=${STRESS_SEED:-$((SRANDOM % 1000000))}
RANDOM=$SEED
ED=$B/tools/earlydata/earlydata
VLINKCTL=$B/tools/vlinkctl/vlinkctl
VERIFY=$B/tests/system/verify_stream
SV=$B/tests/stress/stress_verify
GEN=$B/tests/stress/stress_gen
SJ=$B/tests/stress/stress_json
KILLSHIM=$B/tests/stress/libstress_kill_at_write.so
W=$(mktemp -d "${TMPDIR:-/tmp}/ed-stress.XXXXXX")
R=$W/run
NKHV_PID=
CONS=
PROD=
GENP=
passed=0
failed=0

# Two of our CPUs: the consumer runs on one, the producer on the other, so
# that they truly run at the same time (on one CPU a 300,000-record burst
# may well finish before the reader gets to run, and nothing is lapped).
cpu_list() {
	local part out=
	for part in ${1//,/ }; do
		if [[ $part == *-* ]]; then
			out+=" $(seq -s ' ' "${part%-*}" "${part#*-}")"
		else
			out+=" $part"
		fi
	done
	echo $out
}
PIN_C=()
PIN_P=()
read -r cpu_a cpu_b _ <<<"$(cpu_list "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)")"
if command -v taskset >/dev/null && [ -n "${cpu_b:-}" ]; then
	PIN_C=(taskset -c "$cpu_a")
	PIN_P=(taskset -c "$cpu_b")
fi

# Only the processes this script started, by pid.
reap() {
	local p
	for p in "$@"; do
		[ -n "$p" ] || continue
		kill -CONT "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}

stop_nkhv() {
	reap "$CONS" "$PROD" "$GENP"
	CONS= PROD= GENP=
	if [ -n "$NKHV_PID" ]; then
		kill "$NKHV_PID" 2>/dev/null
		wait "$NKHV_PID" 2>/dev/null
	fi
	NKHV_PID=
	rm -rf "$R"
}

cleanup() {
	stop_nkhv
	if [ -n "${STRESS_KEEP:-}" ]; then
		echo "logs and output files kept in $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT

start_nkhv() {
	stop_nkhv
	nkhv_launch "$B/hv/nkhv" "$R" "$1" "$W/nkhv.log"
}

# Milliseconds of a monotonic clock (CLOCK_BOOTTIME, in 10 ms steps): a
# step of the time of day does not stretch or cut the runs.
now_ms() {
	local up
	read -r up _ </proc/uptime
	up=${up/./}
	echo $((10#$up * 10))
}

# Sleep 0..$1 ms: how long a pause lasts, or how long things run.
nap() {
	sleep "$(printf '0.%03d' $((RANDOM % $1)))"
}

# One channel's counters in a running `earlydata` of VM $1:
# FAULTS LINK_RESETS STATE PEER_STATE RECORDS LOST DROPPED BACKLOG
stat_of() {
	timeout 10 "$ED" --run-dir "$R" stat --vm "$1" --json 2>/dev/null |
		"$SJ" stat "$2"
}

# Faults an `earlydata` printed to its stderr (it shows at most 10 a
# second and then counts the others).
count_faults() {
	awk '/peer fault:/ { n++ }
	     /more faults not shown/ { for (i = 1; i <= NF; i++)
					if ($i == "more") n += $(i - 1) }
	     END { print n + 0 }' "$@" 2>/dev/null
}

# Sanitizer reports in stderr logs (a TSan build's processes go on).
sanitizer_reports() {
	local l
	while IFS= read -r l; do
		problems+=("sanitizer: ${l//$SRC\//}")
	done < <(grep -h -E "^SUMMARY: [A-Za-z]+Sanitizer|runtime error:" "$@" 2>/dev/null | sort | uniq -c | head -n 8)
}

# Add the first faults printed to problems.
first_faults() {
	local l
	while IFS= read -r l; do
		problems+=("  $l")
	done < <(grep -h "peer fault:" "$@" 2>/dev/null | head -n 3)
}

# --- policies ----------------------------------------------------------

start_consumer() {
	"${PIN_C[@]}" "$ED" --run-dir "$R" consume --vm "$cvm" --channel "$ch" \
		--follow --output "$out" 2>>"$cerr" &
	CONS=$!
	c_starts=$((c_starts + 1))
}

start_producer() {
	local n=$((1000 + RANDOM * 8))
	run=$((run + 1))
	if ((RANDOM % 2)); then
		"${PIN_P[@]}" "$ED" --run-dir "$R" produce --vm "$pvm" \
			--channel "$ch" --generate "$n" 2>>"$perr" &
		PROD=$!
		GENP=
	else
		rm -f "$W/fifo"
		mkfifo "$W/fifo"
		"${PIN_P[@]}" "$GEN" "$ch" "$run" "$rmax" "$n" >"$W/fifo" &
		GENP=$!
		"${PIN_P[@]}" "$ED" --run-dir "$R" produce --vm "$pvm" \
			--channel "$ch" --raw <"$W/fifo" 2>>"$perr" &
		PROD=$!
	fi
}

# Counters of a live process before it is killed: its faults and resets.
sample() {
	local vm=$1 f r rest
	read -r f r rest <<<"$(stat_of "$vm" "$ch")"
	[ -n "${f:-}" ] || return 0
	if [ "$vm" = "$pvm" ]; then
		p_faults=$((p_faults + f))
		p_resets=$((p_resets + r))
	else
		c_faults=$((c_faults + f))
		c_resets=$((c_resets + r))
	fi
}

# Did the producer finish a run? Then check how, and start the next.
producer_check() {
	local st
	kill -0 "$PROD" 2>/dev/null && return 0
	wait "$PROD"
	st=$?
	reap "$GENP"
	if [ "$st" -ne 0 ]; then
		problems+=("producer run $run exited with status $st: $(tail -n 1 "$perr")")
	fi
	clean_runs=$((clean_runs + 1))
	start_producer
}

consumer_check() {
	local st
	kill -0 "$CONS" 2>/dev/null && return 0
	wait "$CONS"
	st=$?
	problems+=("consumer exited by itself with status $st: $(tail -n 2 "$cerr" | tr '\n' ' ')")
	start_consumer
}

# Problems, at most 15 lines of them.
show_problems() {
	local n=${#problems[@]}
	[ "$n" -gt 0 ] || return 0
	printf '     %s\n' "${problems[@]:0:15}"
	[ "$n" -le 15 ] || echo "     ... and $((n - 15)) more problems"
	return 1
}

t_policy() {
	local ch=$1 policy=$2 rmax=$3 ring=$4 pvm=$5 cvm=$6
	local out=$W/$ch.out cerr=$W/$ch.cons.err perr=$W/$ch.prod.err
	local run=0 c_starts=0 clean_runs=0 c_kills=0 p_kills=0 c_stops=0
	local p_stops=0 c_faults=0 p_faults=0 c_resets=0 p_resets=0 end a
	local vs sv cf pf stale fin
	local -a problems=() vargs=()

	start_nkhv "$S/tests/stress/stress.dts" || return 1
	start_consumer
	start_producer
	end=$(($(now_ms) + SECS * 1000))
	while [ "$(now_ms)" -lt "$end" ] && [ ${#problems[@]} -lt 20 ]; do
		producer_check
		consumer_check
		a=$((RANDOM % 100))
		if [ $a -lt 25 ]; then
			kill -STOP "$CONS" 2>/dev/null
			nap 200
			kill -CONT "$CONS" 2>/dev/null
			c_stops=$((c_stops + 1))
		elif [ $a -lt 40 ]; then
			sample "$cvm"
			reap "$CONS"
			c_kills=$((c_kills + 1))
			start_consumer
		elif [ $a -lt 48 ]; then
			sample "$pvm"
			reap "$PROD" "$GENP"
			p_kills=$((p_kills + 1))
			start_producer
		elif [ $a -lt 55 ]; then
			kill -STOP "$PROD" 2>/dev/null
			nap 100
			kill -CONT "$PROD" 2>/dev/null
			p_stops=$((p_stops + 1))
		else
			nap 100
		fi
	done
	kill -0 "$CONS" 2>/dev/null && sample "$cvm"
	kill -0 "$PROD" 2>/dev/null && sample "$pvm"
	reap "$PROD" "$GENP" "$CONS"
	PROD= GENP= CONS=
	# Drain, one last clean producer run, drain: the stream must end there.
	timeout -s KILL 60 "$ED" --run-dir "$R" consume --vm "$cvm" --channel "$ch" \
		--output "$out" 2>>"$cerr" ||
		problems+=("draining consumer failed (status $?): $(tail -n 1 "$cerr")")
	timeout -s KILL 60 "$ED" --run-dir "$R" produce --vm "$pvm" --channel "$ch" \
		--generate "$FINAL" 2>"$W/final.err"
	fin=$(tail -n 1 "$W/final.err")
	cat "$W/final.err" >>"$perr"
	case "$fin" in
	*"produced $FINAL records (0 dropped, 0 refused)"*) ;;
	*) problems+=("last producer run of $FINAL records on a drained ring: '$fin'") ;;
	esac
	timeout -s KILL 60 "$ED" --run-dir "$R" consume --vm "$cvm" --channel "$ch" \
		--output "$out" 2>>"$cerr" ||
		problems+=("last draining consumer failed (status $?): $(tail -n 1 "$cerr")")
	stop_nkhv

	case $policy in
	block) vargs=(--no-loss) ;;
	drop-new) vargs=(--reason dropped) ;;
	*) vargs=(--reason overwritten) ;;
	esac
	vs=$("$VERIFY" "$out" "$ch" "${vargs[@]}") ||
		problems+=("verify_stream ${vargs[*]}: $vs")
	sv=$("$SV" "$out" "$ch" --policy "$policy" --record-max "$rmax" \
		--final-run "$FINAL")
	if [ $? -ne 0 ]; then
		problems+=("stress_verify: the stream in the output file is wrong:")
		while IFS= read -r a; do problems+=("  $a"); done <<<"$sv"
	fi
	cf=$(count_faults "$cerr")
	pf=$(count_faults "$perr")
	stale=$(grep -c "overwritten while in use" "$cerr")
	if [ $((cf + c_faults)) -ne 0 ]; then
		problems+=("consumer faults: $cf printed, $c_faults counted by stat before kills; the first:")
		first_faults "$cerr"
	fi
	sanitizer_reports "$cerr" "$perr"
	if [ $((pf + p_faults)) -ne 0 ]; then
		problems+=("producer faults: $pf printed, $p_faults counted by stat before kills; the first:")
		first_faults "$perr"
	fi
	[ $((c_resets + p_resets)) -eq 0 ] ||
		problems+=("link resets after faults: consumer $c_resets, producer $p_resets")
	echo "     $ch ($policy, ring $ring, record-max $rmax): ${SECS}s, producer runs $run ($p_kills killed -9, $clean_runs ended, $p_stops paused), consumer runs $c_starts ($c_kills killed -9, $c_stops paused); $(tail -n 1 <<<"$sv"); faults $cf+$c_faults/$pf+$p_faults, link resets $c_resets/$p_resets, 'overwritten while in use' $stale"
	show_problems
}

# --- crash points --------------------------------------------------------

# The consumer killed -9 at the worst moments of `consume --output`, each
# deterministically (kill_at_write.c): as it is about to write a loss line
# (the driver has taken the loss), and right after a record's line (before
# its commit), the producer overflowing the ring meanwhile. A consumer
# started again must leave FILE exact: no loss line missing, none
# overlapping the record already written.
t_crash() {
	local ch=$1 policy=$2 rmax=$3 ring=$4 pvm=$5 cvm=$6 at=$7
	local out=$W/$ch.crash-$at.out err=$W/$ch.crash-$at.err st sv n
	local -a problems=()

	# Enough records to overflow the ring (block: what fits, with room
	# for the last run; generated records take at most 136 bytes).
	n=$((ring / 32))
	[ "$policy" = block ] && n=$((ring / 136 - FINAL - 2))
	start_nkhv "$S/tests/stress/stress.dts" || return 1
	timeout -s KILL 60 "$ED" --run-dir "$R" produce --vm "$pvm" \
		--channel "$ch" --generate "$n" 2>>"$err" ||
		problems+=("producer of $n records failed: $(tail -n 1 "$err")")
	# (In the background: the shell reports a foreground job it sees killed.)
	STRESS_KILL_AT=$at LD_PRELOAD=$KILLSHIM \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		timeout -s KILL 60 "$ED" --run-dir "$R" consume --vm "$cvm" \
		--channel "$ch" --output "$out" 2>>"$err" &
	wait $! 2>/dev/null
	st=$?
	[ $st -eq 137 ] ||
		problems+=("the consumer was to be killed at a $at line, it exited with status $st")
	# The ring overflows while no consumer runs (block: it cannot).
	if [ "$policy" != block ]; then
		timeout -s KILL 60 "$ED" --run-dir "$R" produce --vm "$pvm" \
			--channel "$ch" --generate "$n" 2>>"$err" ||
			problems+=("producer of $n records failed: $(tail -n 1 "$err")")
		timeout -s KILL 60 "$ED" --run-dir "$R" consume --vm "$cvm" \
			--channel "$ch" --output "$out" 2>>"$err" ||
			problems+=("consumer failed: $(tail -n 1 "$err")")
	fi
	timeout -s KILL 60 "$ED" --run-dir "$R" produce --vm "$pvm" \
		--channel "$ch" --generate "$FINAL" 2>>"$err" ||
		problems+=("producer of $FINAL records failed: $(tail -n 1 "$err")")
	timeout -s KILL 60 "$ED" --run-dir "$R" consume --vm "$cvm" \
		--channel "$ch" --output "$out" 2>>"$err" ||
		problems+=("consumer failed: $(tail -n 1 "$err")")
	stop_nkhv
	sanitizer_reports "$err"
	sv=$("$SV" "$out" "$ch" --policy "$policy" --record-max "$rmax" \
		--final-run "$FINAL")
	if [ $? -ne 0 ]; then
		problems+=("stress_verify: the stream in the output file is wrong:")
		while IFS= read -r n; do problems+=("  $n"); done <<<"$sv"
	fi
	echo "     $ch ($policy): killed at a $at line; $(tail -n 1 <<<"$sv")"
	show_problems
}

# --- examples ----------------------------------------------------------

# Wait until FILE has a line matching PATTERN (process $3 still alive).
wait_line() {
	local file=$1 pat=$2 pid=$3 secs=$4 i
	for i in $(seq $((secs * 100))); do
		grep -q "$pat" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { grep -q "$pat" "$file"; return; }
		sleep 0.01
	done
	return 1
}

t_example() {
	local dts=$1 name=$2 policy=$3 rmax=$4 ring=$5 pvm=$6 cvm=$7 how=$8
	local tag out cerr perr i f r st pst rec lost dr bl acc last=-1 same=0
	local pf pr pst2 ppst rest vs sv cf pfl dropped=
	local -a problems=() vargs=() svargs=()

	tag=$(basename "$dts" .dts)-$name-${how#--}
	out=$W/$tag.out cerr=$W/$tag.cons.err perr=$W/$tag.prod.err
	start_nkhv "$dts" || return 1
	if [ "$how" = --json ]; then
		"${PIN_C[@]}" "$ED" --run-dir "$R" consume --vm "$cvm" \
			--channel "$name" --follow --json >"$out" 2>"$cerr" &
	else
		"${PIN_C[@]}" "$ED" --run-dir "$R" consume --vm "$cvm" \
			--channel "$name" --follow --output "$out" 2>"$cerr" &
	fi
	CONS=$!
	# As in the issue: the consumer follows when the producer starts.
	for i in $(seq 1000); do
		[ -n "$(stat_of "$cvm" "$name")" ] && break
		kill -0 "$CONS" 2>/dev/null || break
		sleep 0.01
	done
	[ -n "$(stat_of "$cvm" "$name")" ] ||
		problems+=("the consumer did not come up: $(tail -n 2 "$cerr" | tr '\n' ' ')")
	"${PIN_P[@]}" "$ED" --run-dir "$R" produce --vm "$pvm" \
		--channel "$name" --generate "$NREC" --linger 2>"$perr" &
	PROD=$!
	if ! wait_line "$perr" "produced" "$PROD" 120; then
		problems+=("the producer did not finish $NREC records in 120 s: $(tail -n 1 "$perr")")
	else
		dropped=$(sed -n 's/.*produced [0-9]* records (\([0-9]*\) dropped.*/\1/p' "$perr")
	fi
	# The consumer accounts for every record, as delivered or lost.
	for i in $(seq 600); do
		kill -0 "$CONS" 2>/dev/null || break
		read -r f r st pst rec lost dr bl <<<"$(stat_of "$cvm" "$name")"
		[ -n "${f:-}" ] || { sleep 0.05; continue; }
		acc=$((rec + lost))
		[ "$acc" -ge "$NREC" ] && break
		if [ "$acc" = "$last" ] && [ "$bl" = 0 ]; then
			same=$((same + 1))
			[ $same -ge 40 ] && break
		else
			same=0
		fi
		last=$acc
		sleep 0.05
	done
	f= r= st= pst= rec= lost=
	if kill -0 "$CONS" 2>/dev/null; then
		read -r f r st pst rec lost dr bl <<<"$(stat_of "$cvm" "$name")"
	else
		wait "$CONS"
		problems+=("the consumer died (status $?): $(tail -n 2 "$cerr" | tr '\n' ' ')")
	fi
	read -r pf pr pst2 ppst rest <<<"$(stat_of "$pvm" "$name")"
	kill -TERM "$CONS" 2>/dev/null
	for i in $(seq 1000); do
		kill -0 "$CONS" 2>/dev/null || break
		sleep 0.01
	done
	reap "$CONS" "$PROD"
	CONS= PROD=
	stop_nkhv
	[ "${f:-}" = 0 ] || problems+=("consumer faults (stat): ${f:-no answer}")
	[ "${pf:-}" = 0 ] || problems+=("producer faults (stat): ${pf:-no answer}")
	[ "${r:-}" = 0 ] && [ "${pr:-}" = 0 ] ||
		problems+=("link resets after faults (stat): consumer ${r:-?}, producer ${pr:-?}")
	[ "${st:-}/${pst:-}" = ON/ON ] && [ "${pst2:-}/${ppst:-}" = ON/ON ] ||
		problems+=("link state at the end: consumer ${st:-?}/${pst:-?}, producer ${pst2:-?}/${ppst:-?} (own/peer), want ON/ON")
	[ "$((${rec:-0} + ${lost:-0}))" = "$NREC" ] ||
		problems+=("consumer counters: ${rec:-?} records + ${lost:-?} lost != $NREC produced")
	case $policy in
	block) vargs=(--no-loss --records "$NREC") svargs=(--records "$NREC") ;;
	drop-new) vargs=(--reason dropped) svargs=(--dropped "${dropped:--1}") ;;
	*) vargs=(--reason overwritten) ;;
	esac
	vs=$("$VERIFY" "$out" "$name" --n-is-seq "${vargs[@]}") ||
		problems+=("verify_stream --n-is-seq ${vargs[*]}: $vs")
	sv=$("$SV" "$out" "$name" --policy "$policy" --end "$NREC" \
		"${svargs[@]}")
	if [ $? -ne 0 ]; then
		problems+=("stress_verify: the stream is wrong:")
		while IFS= read -r i; do problems+=("  $i"); done <<<"$sv"
	fi
	cf=$(count_faults "$cerr")
	pfl=$(count_faults "$perr")
	sanitizer_reports "$cerr" "$perr"
	if [ "$cf" != 0 ] || [ "$pfl" != 0 ]; then
		problems+=("faults printed: consumer $cf, producer $pfl; the first:")
		first_faults "$cerr" "$perr"
	fi
	echo "     $(basename "$dts") $name ($policy, record-max $rmax, ring $ring) consume $how: $(tail -n 1 <<<"$sv"); faults ${f:-?}/${pf:-?}, link resets ${r:-?}/${pr:-?}, link ${st:-?}/${pst:-?}"
	show_problems
}

check() { # name, then the command that must succeed
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok   $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name"
	fi
}

selected() { # any of the names given is ONLY (or ONLY is unset)
	local n
	[ -z "${ONLY:-}" ] && return 0
	for n in "$@"; do [ "$n" = "$ONLY" ] && return 0; done
	return 1
}

echo "earlydata stress: seed $SEED (STRESS_SEED=$SEED replays the actions); consumer and producer pinned: ${PIN_C[*]:-no} / ${PIN_P[*]:-no}"
if [ "$MODE" = policies ] || [ "$MODE" = all ]; then
	# The stress channels as the driver reads them: name, policy, sizes.
	start_nkhv "$S/tests/stress/stress.dts" &&
		chans=$("$VLINKCTL" --run-dir "$R" list --json | "$SJ" channels) ||
		{ echo "FAIL stress.dts: cannot start it or list its channels"; failed=$((failed + 1)); chans=; }
	stop_nkhv
	while read -r name policy rmax ring pvm cvm; do
		[ -n "$name" ] || continue
		selected "$name" "$policy" || continue
		check "$policy under stress (channel $name)" \
			t_policy "$name" "$policy" "$rmax" "$ring" "$pvm" "$cvm"
		[ "$policy" = block ] ||
			check "$policy: consume --output killed as it writes a loss line" \
				t_crash "$name" "$policy" "$rmax" "$ring" "$pvm" "$cvm" loss
		check "$policy: consume --output killed between a record's line and its commit" \
			t_crash "$name" "$policy" "$rmax" "$ring" "$pvm" "$cvm" record
	done <<<"$chans"
fi
if [ "$MODE" = examples ] || [ "$MODE" = all ]; then
	for dts in "$S"/examples/*.dts; do
		start_nkhv "$dts" || { failed=$((failed + 1)); continue; }
		chans=$("$VLINKCTL" --run-dir "$R" list --json | "$SJ" channels) ||
			{ echo "FAIL $(basename "$dts"): cannot list its channels"; failed=$((failed + 1)); }
		stop_nkhv
		while read -r name policy rmax ring pvm cvm; do
			[ -n "$name" ] || continue
			selected "$name" "$policy" "$(basename "$dts")" || continue
			for how in --json --output; do
				check "$(basename "$dts") $name ($policy, ring $ring): $NREC records at full speed, consume --follow $how" \
					t_example "$dts" "$name" "$policy" "$rmax" "$ring" "$pvm" "$cvm" "$how"
			done
		done <<<"$chans"
	done
fi
echo "earlydata stress tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
