#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Earlydata with the Linux kernel driver in QEMU VMs (scripts/vm/), end to
# end: nkhv, process VMs and Linux VMs (TCG emulation, one CPU each).
#   backlog   a process VM produces from its start; a Linux VM boots later
#             and reads the backlog, then the live records; the driver's
#             sysfs files are those docs/ABI/sysfs-class-earlydata lists
#   reboot    the consumer VM is stopped (SIGTERM to the reader) and
#             rebooted mid-stream; nothing is lost or read twice
#   kernel    producer and consumer are both Linux VMs (the reader waits
#             in poll())
#   hostile   a hostile process VM corrupts the ring under the kernel
#             reader: faults are logged, the kernel survives, and records
#             flow again once a real producer is back
#   provider  nk_selftest.ko checks nkddi.ko's nkops in a Linux VM (two
#             vCPUs): XIRQ delivery, masking, detach (from a handler, two
#             handlers detaching each other on two CPUs, waiting for a
#             handler on another CPU), attach under rcu_read_lock(),
#             allocations, translations, atomics
#   unbind-region, unbind-pdev
#             the region devices (PMEM), or the PDEV device, are removed
#             through sysfs under a reader blocked in read(), a streaming
#             reader and a blocked writer: each ends with ENODEV, the
#             modules unload
#   unbind-rmmod
#             rmmod earlydata at the same time as the region devices go
#   unbind-xirq
#             the PDEV device is removed while a detach waits for a
#             handler running on the other CPU (nk_selftest.ko race=stop;
#             the module removes it)
#   typerace  a Linux VM (two vCPUs) writes records while another process
#             sets their type through ioctl() on the same open file; the
#             host reads every record, each of type 1 or 2 (under a KCSAN
#             kernel: no data race between the driver's write() and
#             ioctl())
#   checkers  (debug kernel only) nk_checkers.ko commits a use-after-free,
#             a lock inversion and a sleep under a spinlock: KASAN,
#             lockdep and DEBUG_ATOMIC_SLEEP must each report theirs (a
#             KCSAN kernel: a data race between two CPUs, KCSAN)
#   hvdeath   nkhv is killed (kill -9) under a Linux VM: nkddi.ko notices
#             within 100 ms of guest time; a reader blocked in read(), a
#             streaming reader and a blocked writer end saying nkhv is gone
#   dlt       edcat --dlt in a Linux VM: the kernel driver's records as a
#             DLT file with the channel's DLT ids (sysfs), read by
#             dlt-convert on the host, each record once, in order
#   mixedarch (VM_ARCH=arm64 only) a process VM writes the same records
#             into two channels, read at once by an arm64 Linux VM and an
#             x86-64 Linux VM (tests/vm/mixed-arch.dts)
# Every VM's console log must be free of kernel warnings, oopses, etc.,
# and, but in hvdeath, of nkddi's "nkhv is gone" (no false alarm of the
# heartbeat watch while the host is loaded by the VMs).
#
# Usage: tests/vm/test_vm.sh [BUILD_DIR]   (default build)
# Needs scripts/build.sh and scripts/build-modules.sh first; builds the
# initramfs. Environment: ONLY (run these tests, names separated by
# spaces), VM_TEST_TIMEOUT (seconds per test, default 180),
# HOSTILE_SECONDS (default 30), VM_ARCH=arm64 (the Linux VMs are arm64
# VMs, after scripts/build-modules.sh --arch arm64 and, for mixedarch,
# scripts/build-modules.sh too: docs/arm64.md). Logs of each test:
# BUILD_DIR/vm/test-logs/<test>/ (arm64: BUILD_DIR/vm/arm64/test-logs/).
set -uo pipefail
S=$(cd "$(dirname "$0")/../.." && pwd)
ONE=
if [ "${1:-}" = --one ]; then # internal: run test $2 only
	ONE=$2
	shift 2
fi
export VM_BUILD=${1:-${VM_BUILD:-$S/build}}
VM_BUILD=$(cd "$VM_BUILD" && pwd)
. "$S/scripts/vm/lib.sh"
T=$S/tests/vm
RUNNER=$S/scripts/vm/run-system.sh
ED=$VM_BUILD/tools/earlydata/earlydata
VERIFY=$VM_BUILD/tests/system/verify_stream
HOSTILE=$VM_BUILD/tests/system/hostile_producer
VLINKCTL=$VM_BUILD/tools/vlinkctl/vlinkctl
export VM_ARCH=${VM_ARCH:-amd64}
VM_ARCH=$(vm_arch_name "$VM_ARCH") || vm_die "VM_ARCH: amd64 or arm64"
LOGS=$(vm_out_dir "$VM_ARCH")/test-logs
HOSTILE_SECONDS=${HOSTILE_SECONDS:-30}

R= # run dir of the test under way
runner_pid=
bg_pids=()

# Start the runner on a system in the background: start DTS [OPTIONS].
start() {
	local dts=$1
	shift
	"$RUNNER" --run-dir "$R" "$@" "$dts" >"$R.runner" 2>&1 &
	runner_pid=$!
	for _ in $(seq 200); do
		[ -S "$R/nkhv.sock" ] && return 0
		kill -0 $runner_pid 2>/dev/null || break
		sleep 0.05
	done
	echo "runner did not start nkhv:"
	cat "$R.runner"
	return 1
}

# A process VM in the background: the earlydata tool with these options.
ed_bg() {
	"$ED" --run-dir "$R" "$@" 2>>"$R.process-vms" &
	bg_pids+=($!)
}

# Wait until FILE has N lines (the records a VM read), up to SECS.
wait_lines() {
	local file=$1 n=$2 secs=$3 have=0
	for _ in $(seq $((secs * 5))); do
		have=$(wc -l 2>/dev/null <"$file" || echo 0)
		[ "$have" -ge "$n" ] && return 0
		kill -0 $runner_pid 2>/dev/null || break
		sleep 0.2
	done
	echo "$file: $have of $n lines"
	return 1
}

# Stop the VMs named and wait for the runner: it must report every VM
# powered off with a clean kernel log.
stop_and_wait() {
	local id
	for id in "$@"; do
		"$S/scripts/vm/vm-control.sh" "$R" "$id" stop || return 1
	done
	for _ in $(seq 300); do
		kill -0 $runner_pid 2>/dev/null || break
		sleep 0.1
	done
	kill -0 $runner_pid 2>/dev/null &&
		{ echo "the VMs did not power off within 30 s"; return 1; }
	wait $runner_pid
	local rc=$?
	runner_pid=
	grep -v '^run-system: run dir' "$R.runner" | sed 's/^/     /'
	[ $rc -eq 0 ] || { echo "runner exited $rc"; return 1; }
}

# Every console log of the run is free of kernel problems, and nkddi.ko
# never thought nkhv gone (its heartbeat watch raised no false alarm).
logs_clean() {
	vm_console_problems "$R"/vm*/console.*.log || return 1
	if grep -Hn 'nkddi: nkhv is gone' "$R"/vm*/console.*.log; then
		echo "nkddi.ko took nkhv for gone while it ran"
		# nkhv logs its own late beats: a loaded host, not the guest
		grep -H 'heartbeat: ' "$R/nkhv.log" 2>/dev/null | tail -n 5
		return 1
	fi
}

# A value of VM $1 in nkhv's status document (vlinkctl vm), e.g.
# port.first_hello_ns; fails unless it is a number.
vm_time() {
	local v
	v=$("$VLINKCTL" --run-dir "$R" vm "$1" "$2") || return 1
	case $v in
	'' | *[!0-9]*) echo "vm $1: $2 is $v"; return 1 ;;
	esac
	echo "$v"
}

# After the last record came: a while for anything read twice or late
# to show up in the output before the VMs stop (no event marks "nothing
# more will come").
quiet_period() {
	sleep 1
}

# Records in the output of a VM check out.
verify() {
	local out
	out=$("$VERIFY" "$@") || { echo "verify_stream: $out"; return 1; }
	echo "     $out"
}

# The sysfs files the driver has (the role's ed-attrs line) are exactly
# those docs/ABI/sysfs-class-earlydata describes.
abi_documented() {
	local have doc
	have=$(tr -d '\r' <"$1" | sed -n 's/^ed-attrs: //p' | head -n 1 |
		tr ' ' '\n' | sort)
	[ -n "$have" ] || { echo "no ed-attrs line on the console"; return 1; }
	doc=$(sed -n 's|^What:.*/<device>/||p' "$S/docs/ABI/sysfs-class-earlydata" | sort)
	[ "$have" = "$doc" ] || {
		echo "sysfs and docs/ABI/sysfs-class-earlydata differ (< sysfs, > docs):"
		diff <(echo "$have") <(echo "$doc") | grep '^[<>]'
		return 1
	}
	echo "     $(echo "$have" | wc -l) sysfs files, each in docs/ABI"
}

# (a) backlog then live records, read by a Linux VM booted later.
t_backlog() {
	local n=3000
	start "$T/mixed.dts" --delay 2=3 \
		--append 2="ed.role=consume ed.channel=blk" || return 1
	ed_bg produce --vm 1 --channel blk --generate $n --rate 150
	wait_lines "$R/vm2/out.log" $n 150 || return 1
	# When the guest's provider first said HELLO to nkhv (ns of the host's
	# CLOCK_MONOTONIC, which also stamps the records): records stamped
	# before it are the backlog the Linux VM found.
	local t
	t=$(vm_time 2 port.first_hello_ns) || { echo "$t"; return 1; }
	quiet_period
	stop_and_wait 2 || return 1
	wait "${bg_pids[@]}" || { echo "producer failed"; return 1; }
	logs_clean || return 1
	abi_documented "$R/vm2/console.1.log" || return 1
	verify "$R/vm2/out.log" blk --n-is-seq --no-loss --records $n \
		--backlog-before "$t"
}

# Once VM 2 has read N records, reboot it and wait for boot B.
reboot_at() {
	local n=$1 b=$2
	wait_lines "$R/vm2/out.log" "$n" 120 || return 1
	"$S/scripts/vm/vm-control.sh" "$R" 2 reboot || return 1
	for _ in $(seq 300); do
		[ -f "$R/vm2/console.$b.log" ] && break
		sleep 0.1
	done
	[ -f "$R/vm2/console.$b.log" ] || { echo "vm2 did not reboot"; return 1; }
	grep -q 'control: reboot' "$R/vm2/console.$((b - 1)).log" || return 1
	echo "     boot $((b - 1)) ended, $(wc -l <"$R/vm2/out.log") records read so far"
}

# (b) the consumer VM reboots twice mid-stream: its boots together read
# every record exactly once.
t_reboot() {
	local n=3000
	start "$T/mixed.dts" --append 2="ed.role=consume ed.channel=blk" ||
		return 1
	ed_bg produce --vm 1 --channel blk --generate $n --rate 100
	reboot_at 600 2 || return 1
	reboot_at 1500 3 || return 1
	wait_lines "$R/vm2/out.log" $n 150 || return 1
	quiet_period
	stop_and_wait 2 || return 1
	wait "${bg_pids[@]}" || { echo "producer failed"; return 1; }
	logs_clean || return 1
	verify "$R/vm2/out.log" blk --n-is-seq --no-loss --records $n
}

# (c) producer and consumer both in kernel space, in two Linux VMs.
t_kernel() {
	local n=2000
	start "$T/linux-pair.dts" \
		--append 1="ed.role=produce ed.channel=blk ed.count=$n ed.rate=200 ed.linger=1" \
		--append 2="ed.role=consume ed.channel=blk ed.mode=poll" || return 1
	wait_lines "$R/vm2/out.log" $n 150 || return 1
	quiet_period
	stop_and_wait 1 2 || return 1
	grep -q "edwrite: blk: $n records" "$R/vm1/console.1.log" ||
		{ echo "vm1 did not write $n records"; return 1; }
	logs_clean || return 1
	verify "$R/vm2/out.log" blk --n-is-seq --no-loss --records $n
}

# (d) a hostile producer VM scribbles on the ring while the kernel reads.
t_hostile() {
	local before faults seed=$RANDOM
	start "$T/hostile.dts" --append 2="ed.role=consume ed.channel=blk" ||
		return 1
	"$ED" --run-dir "$R" produce --vm 1 --channel blk --generate 20 \
		2>>"$R.process-vms" || return 1
	wait_lines "$R/vm2/out.log" 20 120 || return 1
	echo "     hostile producer seed $seed"
	"$HOSTILE" "$R" 1 "$HOSTILE_SECONDS" $seed 2>>"$R.process-vms" ||
		{ echo "hostile producer failed"; return 1; }
	[ -e "$R/vm2/qemu.pid" ] || { echo "vm2 is down"; return 1; }
	faults=$(grep -c 'peer fault' "$R/vm2/console.1.log")
	echo "     $faults fault lines in the kernel log"
	[ "$faults" -gt 0 ] || return 1
	# A real producer again: the reader gets its records (n 0..19).
	before=$(wc -l <"$R/vm2/out.log")
	"$ED" --run-dir "$R" produce --vm 1 --channel blk --generate 20 \
		2>>"$R.process-vms" || return 1
	for _ in $(seq 300); do
		tail -n +$((before + 1)) "$R/vm2/out.log" | grep -qF '\"n\":19' &&
			break
		sleep 0.2
	done
	tail -n +$((before + 1)) "$R/vm2/out.log" | grep -qF '\"n\":19' ||
		{ echo "no records after the hostile phase"; return 1; }
	grep -q 'role consume exited' "$R/vm2/console.1.log" &&
		{ echo "the reader ended early"; return 1; }
	stop_and_wait 2 || return 1
	logs_clean
}

# (e) the NKDDI provider's own checks; the VM powers off when they end.
t_provider() {
	VM_SMP=2 start "$T/provider.dts" --append 2="ed.role=selftest" || return 1
	for _ in $(seq 600); do
		kill -0 $runner_pid 2>/dev/null || break
		sleep 0.2
	done
	kill -0 $runner_pid 2>/dev/null && { echo "the VM did not end"; return 1; }
	wait $runner_pid
	runner_pid=
	grep 'nk_selftest:' "$R/vm2/out.log" | sed 's/^/     /'
	grep -qx 'selftest: passed' "$R/vm2/out.log" ||
		{ echo "selftest did not pass"; return 1; }
	logs_clean
}

# (f) one producer, two Linux VMs of two architectures reading at once.
t_mixedarch() {
	local n=2000
	start "$T/mixed-arch.dts" \
		--append 2="ed.role=consume ed.channel=a64" \
		--append 3="ed.role=consume ed.channel=x86" || return 1
	grep -q 'QEMU VMs: 2 (arm64) 3 (amd64)' "$R.runner" ||
		{ echo "not an arm64 and an amd64 VM:"; head -n 1 "$R.runner"; return 1; }
	ed_bg produce --vm 1 --channel a64 --channel x86 --generate $n --rate 150
	wait_lines "$R/vm2/out.log" $n 150 || return 1
	wait_lines "$R/vm3/out.log" $n 150 || return 1
	quiet_period
	stop_and_wait 2 3 || return 1
	wait "${bg_pids[@]}" || { echo "producer failed"; return 1; }
	logs_clean || return 1
	verify "$R/vm2/out.log" a64 --n-is-seq --no-loss --records $n || return 1
	verify "$R/vm3/out.log" x86 --n-is-seq --no-loss --records $n
}

# (g) nkhv is killed (kill -9) under a Linux VM (role hvdeath): nkddi.ko
# says so once, within 100 ms of guest time after nkhv's last beat (the
# bound its line gives, from the guest's clock); the reader blocked in
# read(), the streaming reader and the writer blocked on a full ring end
# with a non-zero status saying nkhv is gone; hv_lost reads 1; the VM then
# powers off by itself with a clean kernel log.
t_hvdeath() {
	local con=$R/vm2/console.1.log log line bound t0 t1 k0 k1 k2 name rc
	start "$T/hvdeath.dts" --hv-death --append 2="ed.role=hvdeath" ||
		return 1
	ed_bg produce --vm 1 --channel live --generate 1000000 --rate 200
	wait_lines "$R/vm2/out.log" 200 120 || return 1
	grep -q '^hvdeath: started' "$con" || { echo "the role did not start"; return 1; }
	grep -q 'nkhv is gone' "$con" &&
		{ echo "nkhv taken for gone while it ran"; return 1; }
	t0=$(date +%s%N)
	kill -9 "$(cat "$R/nkhv.pid")" || return 1
	for _ in $(seq 1000); do
		grep -q 'nkddi: nkhv is gone' "$con" && break
		sleep 0.01
	done
	t1=$(date +%s%N)
	for _ in $(seq 300); do
		kill -0 $runner_pid 2>/dev/null || break
		sleep 0.1
	done
	kill -0 $runner_pid 2>/dev/null &&
		{ echo "the VM did not power off within 30 s of nkhv's death"; return 1; }
	wait $runner_pid
	rc=$?
	runner_pid=
	grep -v '^run-system: run dir' "$R.runner" | grep -v '^\[' | sed 's/^/     /'
	[ $rc -eq 0 ] || { echo "runner exited $rc"; return 1; }
	# The serial console ends its lines with CR.
	log=$(tr -d '\r' <"$con")
	[ "$(echo "$log" | grep -c 'nkddi: nkhv is gone')" = 1 ] ||
		{ echo "not exactly one 'nkhv is gone' line from nkddi"; return 1; }
	line=$(echo "$log" | grep 'nkddi: nkhv is gone')
	echo "     ${line#*] }" | cut -c1-150
	bound=$(echo "$line" | sed -n 's/.*at most \([0-9]*\) ms ago.*/\1/p')
	[ -n "$bound" ] || { echo "no bound in: $line"; return 1; }
	# Guest time from the loss line (kernel time stamp) to the blocked
	# reader's end and to the last end (uptime, 10 ms steps, as the role
	# noticed them).
	k0=$(echo "$line" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	k1=$(echo "$log" | sed -n 's/^hvdeath: idle exited [0-9]* at \([0-9.]*\) s$/\1/p')
	k2=$(echo "$log" | sed -n 's/^hvdeath: up exited [0-9]* at \([0-9.]*\) s$/\1/p')
	echo "     guest: nkhv lost at most $bound ms after its last beat;" \
		"the blocked reader ended within $(awk -v a="$k0" -v b="$k1" \
		'BEGIN { printf "%d", (b - a) * 1000 + 10 }') ms of that, all three within" \
		"$(awk -v a="$k0" -v b="$k2" 'BEGIN { printf "%d", (b - a) * 1000 + 10 }') ms;" \
		"host: the line on the console $(((t1 - t0) / 1000000)) ms after kill -9"
	[ "$bound" -le 100 ] || { echo "detected after more than 100 ms"; return 1; }
	for name in idle live up; do
		echo "$log" | grep -Eq "^hvdeath: $name exited [1-9][0-9]* at" ||
			{ echo "$name did not end with an error:"; echo "$log" | grep "hvdeath: $name"; return 1; }
	done
	echo "$log" | grep -q '^edcat: /dev/earlydata/idle: nkhv is gone' &&
		echo "$log" | grep -q '^edcat: /dev/earlydata/live: nkhv is gone' &&
		echo "$log" | grep -q '^edwrite: /dev/earlydata/up: nkhv is gone' ||
		{ echo "a reader or the writer did not say nkhv is gone"; return 1; }
	echo "$log" | grep -qx 'hvdeath: hv_lost=1' || { echo "hv_lost is not 1"; return 1; }
	grep -q 'nkhv is gone' "$R.process-vms" ||
		{ echo "the process VM did not say nkhv is gone"; return 1; }
	vm_console_problems "$R"/vm*/console.*.log
}

# Wait for the runner to end by itself (the role powered the VM off).
wait_runner() {
	for _ in $(seq "$1"); do
		kill -0 $runner_pid 2>/dev/null || break
		sleep 0.1
	done
	kill -0 $runner_pid 2>/dev/null && { echo "the VM did not power off"; return 1; }
	wait $runner_pid
	local rc=$?
	runner_pid=
	[ $rc -eq 0 ] || { echo "runner exited $rc"; grep -v '^run-system: run dir' "$R.runner"; return 1; }
}

# (h) devices of nkddi.ko removed under earlydata's users (role unbind,
# ed.mode=$1): a blocked reader, a streaming reader and a blocked writer
# each end with ENODEV; then both modules unload; the log is clean.
unbind_users() {
	local con=$R/vm2/console.1.log log name
	start "$T/hvdeath.dts" --append 2="ed.role=unbind ed.mode=$1" || return 1
	ed_bg produce --vm 1 --channel live --generate 1000000 --rate 200
	wait_runner 1200 || return 1
	log=$(tr -d '\r' <"$con")
	echo "$log" | grep '^unbind: ' | sed 's/^/     /'
	for name in idle live up; do
		echo "$log" | grep -Eq "^unbind: $name exited [1-9]" ||
			{ echo "$name did not end with an error"; return 1; }
	done
	[ "$(echo "$log" | grep -Ec '^ed(cat|write): .*No such device')" = 3 ] ||
		{ echo "not three 'No such device' from edcat/edwrite"; return 1; }
	echo "$log" | grep -qx 'unbind: rmmod earlydata: 0' &&
		echo "$log" | grep -qx 'unbind: rmmod nkddi: 0' ||
		{ echo "a module did not unload"; return 1; }
	echo "$log" | grep -qx 'unbind: done' || { echo "the role did not end"; return 1; }
	vm_console_problems "$R"/vm*/console.*.log
}
t_unbind-region() { unbind_users region; }
t_unbind-pdev() { unbind_users pdev; }

t_unbind-rmmod() {
	local log
	start "$T/hvdeath.dts" --append 2="ed.role=unbind ed.mode=rmmod" || return 1
	wait_runner 1200 || return 1
	log=$(tr -d '\r' <"$R/vm2/console.1.log")
	echo "$log" | grep '^unbind: ' | sed 's/^/     /'
	echo "$log" | grep -qx 'unbind: rmmod earlydata: 0' &&
		echo "$log" | grep -qx 'unbind: rmmod nkddi: 0' &&
		echo "$log" | grep -qx 'unbind: done' ||
		{ echo "the modules did not unload"; return 1; }
	vm_console_problems "$R"/vm*/console.*.log
}

t_unbind-xirq() {
	local log
	VM_SMP=2 start "$T/provider.dts" --append 2="ed.role=unbind ed.mode=xirq" ||
		return 1
	wait_runner 1200 || return 1
	log=$(tr -d '\r' <"$R/vm2/console.1.log")
	echo "$log" | grep -E '^unbind: |^\[.*nk_selftest: race' | sed 's/^/     /'
	echo "$log" | grep -q 'nk_selftest: race stop: handler running on the other CPU: 1' &&
		echo "$log" | grep -q 'nk_selftest: race stop: PDEV device removed: 1' &&
		echo "$log" | grep -q 'nk_selftest: race stop: detach returned (handler done: 1)' ||
		{ echo "the detach did not wait for the running handler"; return 1; }
	echo "$log" | grep -qx 'unbind: rmmod nkddi: 0' &&
		echo "$log" | grep -qx 'unbind: done' ||
		{ echo "the modules did not unload"; return 1; }
	vm_console_problems "$R"/vm*/console.*.log
}

# (j) the record type is set from one CPU while the other writes
# records: every record arrives once, in order, of type 1 or 2, both
# types seen, and the console is clean (a KCSAN kernel would report a
# plain access to the type shared by ioctl() and write()).
t_typerace() {
	local n=20000 out=$R.records types
	VM_SMP=2 start "$T/typerace.dts" \
		--append 2="ed.role=produce ed.channel=up ed.count=$n ed.flip=1 ed.linger=1" ||
		return 1
	"$ED" --run-dir "$R" consume --vm 1 --channel up --follow --json --count $n \
		--timeout 120000 >"$out" 2>>"$R.process-vms" ||
		{ echo "the host did not read $n records:"; tail -n 3 "$R.process-vms"; return 1; }
	quiet_period
	stop_and_wait 2 || return 1
	grep -q "edwrite: up: $n records" "$R/vm2/console.1.log" ||
		{ echo "vm2 did not write $n records"; return 1; }
	logs_clean || return 1
	types=$(grep -o '"type":[0-9]*' "$out" | cut -d: -f2 | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
	echo "     record types (type:count): $types"
	case $types in
	"1:"*" 2:"*" ") ;;
	*) echo "not types 1 and 2 only, both seen"; return 1 ;;
	esac
	verify "$out" up --n-is-seq --no-loss --records $n
}

# (i) the debug kernel's checkers are on: each bug committed on purpose
# is reported (this test's console log is the only one meant to be dirty).
t_checkers() {
	local log
	if grep -qx CONFIG_KCSAN=y "$VM_DEBUG_KERNEL/linux/.config"; then
		VM_SMP=2 start "$T/provider.dts" \
			--append 2="ed.role=checkers ed.bugs=race" || return 1
		wait_runner 1200
		log=$(tr -d '\r' <"$R/vm2/console.1.log")
		echo "$log" | grep -qx 'checkers: done' || { echo "the role did not end"; return 1; }
		echo "$log" | grep -q 'BUG: KCSAN: data-race in ck_racer' ||
			{ echo "KCSAN did not report the data race"; return 1; }
		echo "     KCSAN reported the data race"
		return 0
	fi
	start "$T/provider.dts" --append 2="ed.role=checkers" || return 1
	wait_runner 1200
	log=$(tr -d '\r' <"$R/vm2/console.1.log")
	echo "$log" | grep -qx 'checkers: done' || { echo "the role did not end"; return 1; }
	echo "$log" | grep -q 'BUG: KASAN: .*use-after-free in ck_uaf' ||
		{ echo "KASAN did not report the use-after-free"; return 1; }
	echo "$log" | grep -q 'WARNING: possible circular locking dependency detected' ||
		{ echo "lockdep did not report the inversion"; return 1; }
	echo "$log" | grep -q 'BUG: sleeping function called from invalid context' ||
		{ echo "DEBUG_ATOMIC_SLEEP did not report the sleep"; return 1; }
	echo "     KASAN, lockdep and DEBUG_ATOMIC_SLEEP each reported their bug"
}

# Inner process: stop what the test started.
stop_test() {
	local p
	if [ -n "$runner_pid" ]; then
		kill "$runner_pid" 2>/dev/null
		wait "$runner_pid" 2>/dev/null
	fi
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}

# Outer process, after the test: end what a killed runner left running
# (by the pids it recorded), keep the logs, remove the run directory.
sweep() {
	local name=$1 w=$2 f d
	for f in "$w"/run/vm*/qemu.pid "$w"/run/nkhv.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	rm -rf "${LOGS:?}/$name"
	mkdir -p "$LOGS/$name"
	cp "$w"/run.runner "$w"/run.process-vms "$w/run/nkhv.log" \
		"$LOGS/$name/" 2>/dev/null
	for d in "$w"/run/vm*/; do
		[ -d "$d" ] || continue
		mkdir -p "$LOGS/$name/$(basename "$d")"
		cp "$d"/*.log "$d"/result "$LOGS/$name/$(basename "$d")/" \
			2>/dev/null
	done
	rm -rf "$w"
}

# (f) edcat --dlt: the backlog and live records of the kernel driver as
# a DLT file (the role prints it base64 encoded), its application and
# context ids from the channel's info string through sysfs.
t_dlt() {
	local n=400 f=$R.dlt got
	start "$T/dlt.dts" --delay 2=2 \
		--append 2="ed.role=dlt ed.channel=blk ed.count=$n" || return 1
	ed_bg produce --vm 1 --channel blk --generate $n --rate 200
	for _ in $(seq 750); do
		grep -q '^dlt-file-end' "$R/vm2/out.log" 2>/dev/null && break
		kill -0 $runner_pid 2>/dev/null || break
		sleep 0.2
	done
	grep -q '^dlt-file-end' "$R/vm2/out.log" || { echo "no DLT file from vm2"; return 1; }
	# The role ended: the VM powers off, and the runner with it.
	for _ in $(seq 300); do
		kill -0 $runner_pid 2>/dev/null || break
		sleep 0.1
	done
	wait $runner_pid || { echo "runner failed"; return 1; }
	runner_pid=
	wait "${bg_pids[@]}" || { echo "producer failed"; return 1; }
	logs_clean || return 1
	sed -n '/^dlt-file-begin/,/^dlt-file-end/p' "$R/vm2/out.log" |
		sed '1d;$d' | tr -d '\r' | base64 -d >"$f" || { echo "bad base64"; return 1; }
	got=$(dlt-convert -c "$f" 2>&1 | sed -n 's/^Total number of messages: //p')
	[ "$got" = $n ] || { echo "$f: ${got:-no} DLT messages, not $n"; return 1; }
	dlt-convert -a "$f" >"$f.txt" 2>&1 || return 1
	got=$(grep -c ' LNX1 RTOS BLK- log info V 1 \[{"ch":"blk","n":' "$f.txt")
	[ "$got" = $n ] || { echo "$got of $n messages with the channel's ids:"; head -n 3 "$f.txt"; return 1; }
	grep -o '"n":[0-9]*' "$f.txt" | cut -d: -f2 | diff -q - <(seq 0 $((n - 1))) >/dev/null ||
		{ echo "the records are not n = 0..$((n - 1)), each once, in order"; return 1; }
	echo "     $n records as DLT messages, ids RTOS/BLK from sysfs"
}

# One test, in its own process under a timeout (run dir $VM_TEST_RUN).
if [ -n "$ONE" ]; then
	R=$VM_TEST_RUN
	trap stop_test EXIT
	trap 'exit 143' TERM INT
	"t_$ONE"
	exit
fi

for f in "$ED" "$VERIFY" "$HOSTILE" "$VLINKCTL"; do
	[ -x "$f" ] || vm_die "$f missing: run scripts/build.sh"
done
tests="backlog reboot kernel hostile provider hvdeath dlt"
tests+=" unbind-region unbind-pdev unbind-rmmod unbind-xirq typerace"
[ -n "$VM_DEBUG_KERNEL" ] && tests+=" checkers"
[ "$VM_ARCH" = arm64 ] && tests+=" mixedarch"
archs=$VM_ARCH
case " ${ONLY:-$tests} " in *" mixedarch "*) archs="arm64 amd64" ;; esac
for a in $archs; do
	"$S/scripts/vm/initramfs.sh" --arch "$a" || exit 1
done
echo "Linux VMs: $VM_ARCH"
passed=0
failed=0
for name in $tests; do
	case " ${ONLY:-$tests} " in *" $name "*) ;; *) continue ;; esac
	start_s=$SECONDS
	w=$(mktemp -d /tmp/ed-vm.XXXXXX)
	VM_TEST_RUN=$w/run timeout -k 30 "${VM_TEST_TIMEOUT:-180}" \
		"$0" --one $name "$VM_BUILD"
	rc=$?
	sweep $name "$w"
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok   $name ($((SECONDS - start_s)) s)"
	else
		failed=$((failed + 1))
		[ $rc -eq 124 ] && echo "     timed out"
		echo "FAIL $name ($((SECONDS - start_s)) s), logs in $LOGS/$name"
	fi
done
echo "VM tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
