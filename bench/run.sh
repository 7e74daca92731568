#!/usr/bin/env bash
# Run every benchmark comparison on this machine and write the report:
#   bench/results/<UTC time>/{report.md,results.json,raw.jsonl,*.png}
# Usage: bench/run.sh [BUILD_DIR]   (default: build)
# Environment: BENCH_RUNS (default 5; 3 with BENCH_QUICK=1), BENCH_QUICK=1
# (a smoke run of about a minute: fewer records and samples),
# BENCH_OUT=DIR (output directory), BENCH_PUBLISH=1 (also copy the report
# to docs/benchmarks.md and its plots to docs/benchmarks/).
set -euo pipefail
S=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$S")
B=$(cd "${1:-$TOP/build}" && pwd)
BB=$B/bench
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then RUNS=${BENCH_RUNS:-3}; else RUNS=${BENCH_RUNS:-5}; fi
OUT=${BENCH_OUT:-}
W=$(mktemp -d "${TMPDIR:-/tmp}/nkhv-bench.XXXXXX")
RAW=$OUT/raw.jsonl
NKHV_PID=
ROUDI_PID=

for p in hw_limits ring_cpu tput_socket lat_raw tput_earlydata lat_earlydata \
	drain_earlydata lat_xirq bench_iceoryx scale_earlydata load_earlydata; do
	[ -x "$BB/$p" ] || { echo "run.sh: $BB/$p missing: build first (scripts/build.sh release)" >&2; exit 1; }
done
for t in iox-roudi gnuplot python3; do
	command -v $t >/dev/null || { echo "run.sh: $t missing: run scripts/deps.sh bench" >&2; exit 1; }
done

# Record counts: one run of each comparison takes well under a second.
if [ "$QUICK" = 1 ]; then
	N64=40000 N1K=20000 N64K=2000 SAMPLES=1000 PINGS=20000 DRAIN=$((16 << 20))
	HW=$((256 << 20))
else
	N64=400000 N1K=200000 N64K=20000 SAMPLES=5000 PINGS=100000 DRAIN=$((64 << 20))
	HW=$((1 << 30))
fi
count() { case $1 in 64) echo $N64 ;; 1K) echo $N1K ;; 64K) echo $N64K ;; esac; }
SIZES="64 1K 64K"
# Channels at once in the scale runs (scripts/channels-dts.sh writes each
# system; the driver takes at most ED_MAX_CHANNELS, 64, in a VM: a count
# above is reported as refused).
SCALE="1 8 16 64"

stop_nkhv() {
	if [ -n "$NKHV_PID" ]; then
		kill "$NKHV_PID" 2>/dev/null || true
		wait "$NKHV_PID" 2>/dev/null || true
	fi
	NKHV_PID=
	rm -rf "$W/run"
}
cleanup() {
	stop_nkhv
	if [ -n "$ROUDI_PID" ]; then
		kill "$ROUDI_PID" 2>/dev/null || true
		wait "$ROUDI_PID" 2>/dev/null || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh nkhv (empty PMEM) for each Earlydata program; the system is
# bench/bench.dts unless another is given.
start_nkhv() {
	stop_nkhv
	"$B/hv/nkhv" --run-dir "$W/run" "${1:-$S/bench.dts}" 2>>"$W/nkhv.log" &
	NKHV_PID=$!
	for _ in $(seq 250); do
		[ -S "$W/run/nkhv.sock" ] && return 0
		sleep 0.02
	done
	echo "run.sh: nkhv did not start:" >&2
	cat "$W/nkhv.log" >&2
	exit 1
}

start_roudi() {
	if pgrep -x iox-roudi >/dev/null; then
		echo "run.sh: an iox-roudi is already running; stop it first" >&2
		exit 1
	fi
	iox-roudi -c "$S/roudi.toml" -m off -l info >"$W/roudi.log" 2>&1 &
	ROUDI_PID=$!
	for _ in $(seq 500); do
		grep -q "ready for clients" "$W/roudi.log" && return 0
		sleep 0.02
	done
	echo "run.sh: iox-roudi did not start:" >&2
	cat "$W/roudi.log" >&2
	exit 1
}

# Run one program (bounded), tagging its JSON lines with the run number.
# A failed program is run once more (iceoryx 2.0's runtime sometimes
# fails its own termination handshake with RouDi); a second failure ends
# the whole run.
RUN=0
bench() {
	local out
	if ! out=$(timeout 120 "$@" 2>>"$W/errors.log"); then
		echo "run.sh: failed once, again: ${*#"$BB"/}" >&2
		tail -2 "$W/errors.log" >&2
		if ! out=$(timeout 120 "$@" 2>>"$W/errors.log"); then
			echo "run.sh: failed: ${*#"$BB"/}" >&2
			tail -5 "$W/errors.log" >&2
			exit 1
		fi
	fi
	[ -n "$out" ] && printf '%s\n' "$out" | sed "s/^{/{\"run\":$RUN,/" >>"$RAW"
	return 0
}
ed_bench() {
	start_nkhv
	bench "$@"
	stop_nkhv
}

# CPU ticks of the whole machine: busy (user, nice, system, irq, softirq)
# and stolen by the hypervisor, and the uptime in seconds.
cpu_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8, $9}' /proc/stat; cut -d' ' -f1 /proc/uptime; }

# What other processes and the hypervisor took of the CPUs during the run:
# the machine's busy time less this script and its children (every
# benchmark program, nkhv: `times` in this shell, into $W/times) and
# RouDi, as a share of all CPUs.
outside_load() {
	local hz own roudi
	hz=$(getconf CLK_TCK)
	own=$(awk '{ for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } } END { print s }' "$W/times")
	roudi=0
	[ -n "$ROUDI_PID" ] && roudi=$(awk -v hz="$hz" '{print ($14 + $15) / hz}' "/proc/$ROUDI_PID/stat" 2>/dev/null || echo 0)
	# shellcheck disable=SC2086
	set -- $TICKS0 $(cpu_ticks)
	awk -v b0="$1" -v s0="$2" -v u0="$3" -v b1="$4" -v s1="$5" -v u1="$6" \
		-v hz="$hz" -v own="$own" -v roudi="$roudi" -v n="$(nproc)" 'BEGIN {
		t = (u1 - u0) * n
		o = (b1 - b0) / hz - own - roudi
		printf "\"other_cpu\":\"%.1f %%\", \"steal\":\"%.1f %%\"", (o < 0 ? 0 : o) * 100 / t, (s1 - s0) / hz * 100 / t
	}'
}

machine_info() {
	local cflags type cc
	type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$B/CMakeCache.txt")
	cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$B/CMakeCache.txt")
	cflags=$(sed -n "s/^CMAKE_C_FLAGS_${type^^}:[A-Z]*=//p" "$B/CMakeCache.txt")
	cat <<JSON
{"cpu":"$(lscpu | sed -n 's/^Model name: *//p' | head -1)",
 "cores":$(nproc),
 "threads_per_core":"$(lscpu | sed -n 's/^Thread(s) per core: *//p')",
 "hypervisor":"$(lscpu | sed -n 's/^Hypervisor vendor: *//p')",
 "caches":"$(lscpu | sed -n 's/^\(L[123][di]* cache\): *\(.*\)/\1 \2/p' | paste -sd ';' | sed 's/ cache/:/g')",
 "kernel":"$(uname -sr)",
 "os":"$(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)",
 "compiler":"$($cc --version | head -1)",
 "crc32c":"$("$BB/hw_limits" crcimpl)",
 "build_type":"$type",
 "cflags":"$cflags -Wall -Wextra -Werror -D_GNU_SOURCE -std=c11",
 "iceoryx":"$(dpkg-query -W -f='${Version}' iceoryx 2>/dev/null || echo unknown)",
 "revision":"$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)",
 "date":"$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "runs":$RUNS, "quick":$QUICK,
 "records":{"64":$N64,"1K":$N1K,"64K":$N64K}, "samples":$SAMPLES,
 "drain_bytes":$DRAIN,
 "scale_channels":"$SCALE",
 "loadavg_before":"$LOAD0",
 "loadavg_after":"$(cut -d' ' -f1-3 /proc/loadavg)",
 $(outside_load),
 "seconds":$(($(date +%s) - T0))}
JSON
}

if [ -z "$OUT" ]; then
	# A directory of this run's own, also when another starts in the
	# same second.
	OUT=$S/results/$(date -u +%Y%m%dT%H%M%SZ)
	mkdir -p "$S/results"
	mkdir "$OUT" 2>/dev/null || OUT=$(mktemp -d "$OUT-XXXX")
	RAW=$OUT/raw.jsonl
fi
mkdir -p "$OUT"
: >"$RAW"
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
TICKS0=$(cpu_ticks | paste -sd' ')
echo "bench: $RUNS runs$([ "$QUICK" = 1 ] && echo ' (quick)') into $OUT"
for n in $SCALE; do "$S/../scripts/channels-dts.sh" "$n" >"$W/scale-$n.dts"; done
start_roudi
for RUN in $(seq "$RUNS"); do
	echo "bench: run $RUN/$RUNS: hardware limits"
	for s in $SIZES; do
		bench "$BB/hw_limits" memcpy "$s" ring:2M $((2 * HW))
		bench "$BB/hw_limits" memcpy "$s" hot $((2 * HW))
		bench "$BB/hw_limits" memcpy "$s" large:$DRAIN "$HW"
		bench "$BB/hw_limits" xcore "$s" 2M "$HW"
		bench "$BB/hw_limits" crc "$s" "$HW"
		bench "$BB/hw_limits" crccopy "$s" 2M "$HW"
		bench "$BB/hw_limits" crccopy "$s" large:$DRAIN "$HW"
	done
	bench "$BB/hw_limits" pingpong "$PINGS"
	bench "$BB/hw_limits" clock 2000000
	echo "bench: run $RUN/$RUNS: throughput"
	for s in $SIZES; do
		n=$(count "$s")
		ed_bench "$BB/tput_earlydata" "$W/run" copy "$s" "$n"
		ed_bench "$BB/tput_earlydata" "$W/run" peek "$s" "$n"
		ed_bench "$BB/tput_earlydata" "$W/run" batch "$s" "$n"
		# one CPU, no crossing: 4 times the records, 50 slices, fastest
		bench "$BB/ring_cpu" single "$s" $((4 * n))
		bench "$BB/ring_cpu" batch "$s" $((4 * n))
		for k in pipe stream seqpacket; do
			bench "$BB/tput_socket" "$k" "$s" "$n"
		done
		bench "$BB/bench_iceoryx" tput copy "$s" "$n"
		bench "$BB/bench_iceoryx" tput peek "$s" "$n"
	done
	echo "bench: run $RUN/$RUNS: latency"
	bench "$BB/lat_raw" eventfd sleep 64 "$SAMPLES"
	bench "$BB/lat_raw" eventfd-poll sleep 64 "$SAMPLES"
	bench "$BB/lat_raw" eventfd poll 64 "$SAMPLES"
	bench "$BB/lat_raw" futex sleep 64 "$SAMPLES"
	bench "$BB/lat_raw" shm poll 64 "$SAMPLES"
	bench "$BB/lat_raw" shm poll-hot 64 "$SAMPLES"
	ed_bench "$BB/lat_earlydata" "$W/run" poll-hot 64 "$SAMPLES"
	ed_bench "$BB/lat_xirq" "$W/run" "$SAMPLES"
	for s in $SIZES; do
		for m in sleep poll; do
			ed_bench "$BB/lat_earlydata" "$W/run" "$m" "$s" "$SAMPLES"
			bench "$BB/lat_raw" pipe "$m" "$s" "$SAMPLES"
			bench "$BB/bench_iceoryx" lat "$m" "$s" "$SAMPLES"
		done
	done
	echo "bench: run $RUN/$RUNS: latency under load"
	ed_bench "$BB/load_earlydata" "$W/run" idle "$SAMPLES"
	ed_bench "$BB/load_earlydata" "$W/run" load "$SAMPLES"
	echo "bench: run $RUN/$RUNS: backlog drain"
	for s in $SIZES; do
		ed_bench "$BB/drain_earlydata" "$W/run" copy "$s" "$DRAIN"
		ed_bench "$BB/drain_earlydata" "$W/run" peek "$s" "$DRAIN"
	done
	echo "bench: run $RUN/$RUNS: channels at once"
	for n in $SCALE; do
		start_nkhv "$W/scale-$n.dts"
		bench "$BB/scale_earlydata" "$W/run" "$n" "$N64" "$SAMPLES"
		stop_nkhv
	done
done
times >"$W/times" # here: a subshell would not see the children
machine_info >"$OUT/machine.json"
python3 "$S/report.py" "$OUT"
(cd "$OUT" && gnuplot plots.gp)
if [ "${BENCH_PUBLISH:-0}" = 1 ]; then
	mkdir -p "$TOP/docs/benchmarks"
	cp "$OUT"/*.png "$OUT/results.json" "$TOP/docs/benchmarks/"
	sed 's#](\([a-z_]*\.png\))#](benchmarks/\1)#; s#](results.json)#](benchmarks/results.json)#' \
		"$OUT/report.md" >"$TOP/docs/benchmarks.md"
fi
echo "bench: done in $(($(date +%s) - T0)) s: $OUT/report.md"
