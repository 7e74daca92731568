#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run a system from one device tree: nkhv, and one QEMU Linux VM for each
# VM node with nkhv,kind = "linux" (or named with --qemu). Process VMs join
# as usual (`earlydata --run-dir DIR produce ...`), or run as COMMAND.
# See docs/qemu-vms.md.
#
# Usage: scripts/vm/run-system.sh [OPTIONS] SYSTEM.dts [-- COMMAND...]
#   --run-dir DIR     nkhv's run directory, with the logs (default: a new
#                     /tmp/nkhv-vm.XXXXXX, printed)
#   --qemu ID         also run VM ID under QEMU (repeatable)
#   --arch ID=ARCH    VM ID is an amd64 (x86-64) or arm64 (aarch64) Linux
#                     VM; default: its node's nkhv,arch, else $VM_ARCH,
#                     else amd64 (repeatable)
#   --append ID=ARGS  kernel command-line words for VM ID, e.g.
#                     "ed.role=consume ed.channel=blk" (repeatable)
#   --delay ID=SECS   boot VM ID that long after nkhv is up
#   --boots N         most boots of a VM that reboots itself (default 20)
#   --hold            keep running when every QEMU VM has powered off,
#                     until SIGINT/SIGTERM
#   --hv-death        nkhv's end is expected: keep running and let the
#                     VMs notice it and end by themselves (without it the
#                     runner stops everything when nkhv exits)
# COMMAND runs once nkhv is up, with NKHV_RUN_DIR set (a process VM).
# The runner ends when every QEMU VM has powered off and COMMAND has
# ended; on SIGINT/SIGTERM it asks the VMs to stop, then stops everything.
# Exit status 0 when every QEMU VM powered off with a clean kernel log and
# COMMAND succeeded.
#
# DIR/vm<ID>/: console.<BOOT>.log (ttyS0: kernel and /init), out.log (ttyS1:
# the role's output, across boots), ctl.in (FIFO to ttyS2: write "stop" or
# "reboot", see scripts/vm/vm-control.sh), qemu.<BOOT>.log, result.
# DIR/nkhv.log: nkhv's log; DIR/nkhv.pid and DIR/vm<ID>/qemu.pid while they
# run.
#
# Environment: VM_BUILD (build tree, default build), VM_OUT (kernel and
# initramfs, default build/vm; those of arm64 VMs in VM_OUT/arm64), QEMU
# (default qemu-system-x86_64), QEMU_ARM64 (default qemu-system-aarch64),
# VM_ARCH (default amd64), VM_ARM64_CPU (default cortex-a57), VM_MEM
# (default 256M), VM_SMP (vCPUs per VM, default 1), VM_QEMU_OPTS (more
# QEMU options), VM_DEBUG_KERNEL (the debug kernel: scripts/vm/lib.sh),
# VM_NKHV_NICE (nkhv's nice value when run as root, default -10).
#
# amd64 VMs: -M q35, ttyS0..2 the PC's serial ports. arm64 VMs: -M virt
# with a GICv3 and its ITS (MSI-X of the ivshmem devices), TCG, the
# serial ports on PCI (pci-serial: virt has a single UART), the same
# ttyS0..2 in the guest. See docs/qemu-vms.md and docs/arm64.md.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '/^# Usage/,/^# Exit status/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

run=
system=
qemu_ids=()
hold=0
hv_death=0
boots_max=20
declare -A append delay arch_opt arch
while [ $# -gt 0 ]; do
	case $1 in
	--run-dir) run=$2; shift 2 ;;
	--qemu) qemu_ids+=("$2"); shift 2 ;;
	--arch) arch_opt[${2%%=*}]=${2#*=}; shift 2 ;;
	--append) append[${2%%=*}]="${append[${2%%=*}]:-} ${2#*=}"; shift 2 ;;
	--delay) delay[${2%%=*}]=${2#*=}; shift 2 ;;
	--boots) boots_max=$2; shift 2 ;;
	--hold) hold=1; shift ;;
	--hv-death) hv_death=1; shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) [ -z "$system" ] || vm_die "one system only ($system, $1)"
	   system=$1; shift ;;
	esac
done
[ -n "$system" ] || usage
[ -f "$system" ] || vm_die "$system: no such file"

nkhv=$(vm_tool nkhv) || vm_die "no nkhv in $VM_BUILD: run scripts/build.sh"
vlinkctl=$(vm_tool vlinkctl) || vm_die "no vlinkctl in $VM_BUILD"
linux_ids=$(vm_linux_vms "$system") || vm_die "$system: cannot read it"
ids=$(printf '%s\n' $linux_ids "${qemu_ids[@]}" | grep . | sort -nu | tr '\n' ' ')
ids=${ids% }
for id in $ids; do
	if [ -n "${arch_opt[$id]:-}" ]; then
		arch[$id]=$(vm_arch_name "${arch_opt[$id]}") ||
			vm_die "--arch $id=${arch_opt[$id]}: amd64 or arm64"
	else
		arch[$id]=$(vm_arch_of "$system" "$id" "${VM_ARCH:-amd64}") ||
			vm_die "vm$id: unknown architecture (nkhv,arch or VM_ARCH)"
	fi
	o=$(vm_out_dir "${arch[$id]}")
	[ -f "$o/kernel" ] && [ -f "$o/initramfs.cpio.gz" ] ||
		vm_die "no $o/kernel or $o/initramfs.cpio.gz: run scripts/vm/initramfs.sh --arch ${arch[$id]}"
	q=${QEMU:-qemu-system-x86_64}
	[ "${arch[$id]}" = arm64 ] && q=${QEMU_ARM64:-qemu-system-aarch64}
	command -v "$q" >/dev/null || vm_die "$q not found: scripts/deps.sh ${arch[$id]/amd64/kernel}"
done
if [ -z "$run" ]; then
	run=$(mktemp -d /tmp/nkhv-vm.XXXXXX)
else
	mkdir -p "$run"
fi
run=$(cd "$run" && pwd)
vms=
for id in $ids; do vms+=" $id (${arch[$id]})"; done
echo "run-system: run dir $run, QEMU VMs:${vms:- none}"

nkhv_pid=
cmd_pid=
cmd_rc=0
declare -A sup
stopping=0

# Boot VM $1 under QEMU again each time it reboots itself; record how it
# ended in DIR/vm<ID>/result.
supervise() {
	local id=$1 d=$run/vm$1 boot=1 con q rc end opt val devs=() machine=()
	local o kernel initrd
	o=$(vm_out_dir "${arch[$id]}")
	kernel=$o/kernel
	initrd=$o/initramfs.cpio.gz
	# A signal to the runner's process group must not end the
	# supervisor: the runner stops the VMs cleanly, then ends it.
	trap '' INT TERM
	while read -r opt val || [ -n "$opt" ]; do
		devs+=("$opt" "$val")
	done <"$d/qemu-args"
	sleep "${delay[$id]:-0}"
	while :; do
		# Control lines sent while the VM was down are dropped.
		dd if="$d/ctl.in" iflag=nonblock of=/dev/null status=none 2>/dev/null
		con=$d/console.$boot.log
		# ttyS0 the console, ttyS1 the role's output, ttyS2 control.
		case ${arch[$id]} in
		arm64)
			machine=(${QEMU_ARM64:-qemu-system-aarch64}
				-M virt,gic-version=3,its=on
				-cpu "${VM_ARM64_CPU:-cortex-a57}"
				-chardev "file,id=con,path=$con"
				-device pci-serial,chardev=con
				-chardev "file,id=out,path=$d/out.log,append=on"
				-device pci-serial,chardev=out
				-chardev "pipe,id=ctl,path=$d/ctl"
				-device pci-serial,chardev=ctl)
			;;
		*)
			machine=(${QEMU:-qemu-system-x86_64} -M q35
				-serial "file:$con"
				-chardev "file,id=out,path=$d/out.log,append=on"
				-serial chardev:out
				-chardev "pipe,id=ctl,path=$d/ctl" -serial chardev:ctl)
			;;
		esac
		# Its own session: a Ctrl-C of the runner reaches it as "stop".
		# shellcheck disable=SC2086
		setsid "${machine[@]}" -m "${VM_MEM:-256M}" -smp "${VM_SMP:-1}" -nodefaults \
			-nographic -no-reboot -name "vm$id" \
			-kernel "$kernel" -initrd "$initrd" \
			-append "console=ttyS0 panic=-1 quiet ed.vm=$id ed.boot=$boot ${append[$id]:-}" \
			"${devs[@]}" ${VM_QEMU_OPTS:-} \
			</dev/null >"$d/qemu.$boot.log" 2>&1 &
		q=$!
		echo $q >"$d/qemu.pid"
		wait $q
		rc=$?
		rm -f "$d/qemu.pid"
		if grep -q 'reboot: Restarting system' "$con" 2>/dev/null &&
			[ $boot -lt "$boots_max" ] && [ ! -e "$run/.stopping" ]; then
			boot=$((boot + 1))
			continue
		fi
		if grep -q 'reboot: Power down' "$con" 2>/dev/null; then
			end=poweroff
		elif grep -q 'reboot: Restarting system' "$con" 2>/dev/null; then
			end=reboot
		else
			end="qemu-exit-$rc"
		fi
		echo "$boot $end" >"$d/result"
		return 0
	done
}

# Ask the QEMU VMs still running to stop, give them time, then kill.
stop_vms() {
	local id alive
	touch "$run/.stopping"
	for id in $ids; do
		[ -e "$run/vm$id/qemu.pid" ] && echo stop >"$run/vm$id/ctl.in"
	done
	for _ in $(seq 100); do
		alive=0
		for id in $ids; do
			kill -0 "${sup[$id]}" 2>/dev/null && alive=1
		done
		[ $alive = 1 ] || break
		sleep 0.1
	done
	for id in $ids; do
		kill -KILL "${sup[$id]}" 2>/dev/null
		[ -e "$run/vm$id/qemu.pid" ] && kill "$(cat "$run/vm$id/qemu.pid")" 2>/dev/null
	done
	wait "${sup[@]}" 2>/dev/null
}

cleanup() {
	trap '' INT TERM
	[ $stopping = 1 ] || stop_vms
	if [ -n "$cmd_pid" ] && kill -0 "$cmd_pid" 2>/dev/null; then
		kill "$cmd_pid" 2>/dev/null
		wait "$cmd_pid" 2>/dev/null
	fi
	if [ -n "$nkhv_pid" ]; then
		kill "$nkhv_pid" 2>/dev/null
		wait "$nkhv_pid" 2>/dev/null
	fi
	rm -f "$run/.stopping" "$run/nkhv.pid"
}
on_signal() {
	echo "run-system: $1, stopping"
	cleanup
	stopping=1
	exit "$2"
}
trap cleanup EXIT
trap 'on_signal SIGINT 130' INT
trap 'on_signal SIGTERM 143' TERM

rm -f "$run/.stopping"
setsid "$nkhv" --run-dir "$run" "$system" 2>"$run/nkhv.log" &
nkhv_pid=$!
echo $nkhv_pid >"$run/nkhv.pid"
# nkhv stands for the hypervisor, which runs above its guests: where we
# may (root), give it more CPU weight than the QEMU processes, its own
# session's scheduling group included (autogroup), so that a loaded host
# does not hold its heartbeat up past what the guests take for its death
# (docs/qemu-vms.md#when-nkhv-dies). VM_NKHV_NICE (default -10).
if [ "$(id -u)" = 0 ]; then
	renice -n "${VM_NKHV_NICE:--10}" -p $nkhv_pid >/dev/null 2>&1
	[ -w "/proc/$nkhv_pid/autogroup" ] &&
		echo "${VM_NKHV_NICE:--10}" >"/proc/$nkhv_pid/autogroup" 2>/dev/null
fi
for _ in $(seq 200); do
	[ -S "$run/nkhv.sock" ] && break
	kill -0 $nkhv_pid 2>/dev/null || break
	sleep 0.05
done
[ -S "$run/nkhv.sock" ] || { cat "$run/nkhv.log" >&2; vm_die "nkhv did not start"; }

for id in $ids; do
	d=$run/vm$id
	mkdir -p "$d"
	rm -f "$d"/console.*.log "$d"/qemu.*.log "$d/out.log" "$d/result" \
		"$d/ctl.in" "$d/ctl.out"
	"$vlinkctl" qemu-args "$system" "$id" "$run" >"$d/qemu-args" ||
		vm_die "vlinkctl qemu-args $system $id failed"
	mkfifo "$d/ctl.in"
	: >"$d/ctl.out"
	# Held open so that writers never block, even between boots.
	# shellcheck disable=SC2034
	exec {fd}<>"$d/ctl.in"
	supervise "$id" &
	sup[$id]=$!
done

if [ $# -gt 0 ]; then
	NKHV_RUN_DIR=$run "$@" &
	cmd_pid=$!
fi

# Until every VM is done (and COMMAND), or nkhv dies.
while :; do
	if [ -n "$nkhv_pid" ] && ! kill -0 $nkhv_pid 2>/dev/null; then
		echo "run-system: nkhv exited:"
		tail -n 20 "$run/nkhv.log"
		[ $hv_death = 1 ] || exit 1
		# The VMs are left to notice it and end by themselves.
		nkhv_pid=
		rm -f "$run/nkhv.pid"
	fi
	busy=0
	for id in $ids; do
		kill -0 "${sup[$id]}" 2>/dev/null && busy=1
	done
	if [ -n "$cmd_pid" ] && ! kill -0 "$cmd_pid" 2>/dev/null; then
		wait "$cmd_pid"
		cmd_rc=$?
		cmd_pid=
		[ $cmd_rc = 0 ] || echo "run-system: COMMAND exited $cmd_rc"
	fi
	[ -n "$cmd_pid" ] && busy=1
	[ $busy = 0 ] && [ $hold = 0 ] && break
	sleep 0.2
done
stopping=1

rc=$cmd_rc
for id in $ids; do
	d=$run/vm$id
	read -r boots end <"$d/result" 2>/dev/null || { boots="?"; end=unknown; }
	# How the role of the last boot ended, as /init logged it.
	role=$(sed -n 's/^ed-init: \(role .* exited [0-9]*\).*/\1/p' \
		"$d/console.$boots.log" 2>/dev/null | tail -n 1)
	end="${role:+$role, }$end"
	if problems=$(vm_console_problems "$d"/console.*.log); then
		echo "run-system: vm$id: $boots boot(s), $end, kernel log clean"
	else
		echo "run-system: vm$id: $boots boot(s), $end, kernel log problems:"
		echo "$problems" | head -n 20
		rc=1
	fi
	case $end in *poweroff) ;; *) rc=1 ;; esac
done
exit $rc
