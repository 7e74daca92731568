# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Shared by the scripts of scripts/vm/ and tests/vm/ (sourced, not run):
# where the build puts things and how to find them.

# The repository root and the release build tree (nkhv, tools).
VM_SRC=${VM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VM_BUILD=${VM_BUILD:-$VM_SRC/build}
# VM_DEBUG_KERNEL=DIR: the amd64 VMs boot the debug kernel of
# scripts/vm/build-debug-kernel.sh --out DIR (its bzImage), with the
# modules of scripts/build-modules.sh --debug-kernel DIR (DIR/modules/);
# initramfs, kernel and test logs then go to DIR/vm/.
VM_DEBUG_KERNEL=${VM_DEBUG_KERNEL:-}
if [ -n "$VM_DEBUG_KERNEL" ]; then
	VM_DEBUG_KERNEL=$(cd "$VM_DEBUG_KERNEL" && pwd) ||
		{ echo "VM_DEBUG_KERNEL: no such directory" >&2; exit 1; }
	VM_MODULES=${VM_MODULES:-$VM_DEBUG_KERNEL/modules}
	VM_OUT=${VM_OUT:-$VM_DEBUG_KERNEL/vm}
fi
# The initramfs, the kernel to boot and test logs go here.
VM_OUT=${VM_OUT:-$VM_BUILD/vm}

vm_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# The first existing file among the arguments.
vm_first_file() {
	local f
	for f in "$@"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# scripts/build-modules.sh puts the modules and a static edcat here;
# scripts/build-modules.sh --arch arm64 those of arm64 guests.
VM_MODULES=${VM_MODULES:-$VM_SRC/build-modules}
VM_MODULES_ARM64=${VM_MODULES_ARM64:-$VM_SRC/build-arm64-mod}
# The arm64 kernel and busybox (scripts/arm64/sysroot.sh).
VM_SYSROOT_ARM64=${VM_SYSROOT_ARM64:-$VM_SRC/build-arm64-sysroot}

# Where the modules of guests of architecture $1 (amd64, arm64) are.
vm_modules_dir() {
	case ${1:-amd64} in
	arm64) echo "$VM_MODULES_ARM64" ;;
	*) echo "$VM_MODULES" ;;
	esac
}

# Where the kernel and initramfs of guests of architecture $1 go.
vm_out_dir() {
	case ${1:-amd64} in
	arm64) echo "$VM_OUT/arm64" ;;
	*) echo "$VM_OUT" ;;
	esac
}

# The architecture name of the scripts (amd64, arm64) for a spelling of
# it (aarch64, arm64, x86_64, x86-64, amd64); fails on anything else.
vm_arch_name() {
	case $1 in
	arm64 | aarch64) echo arm64 ;;
	amd64 | x86_64 | x86-64) echo amd64 ;;
	*) return 1 ;;
	esac
}

# Path of a project kernel module (nkddi, earlydata) for architecture $2
# (default amd64).
vm_module() {
	vm_first_file "$(vm_modules_dir "${2:-amd64}")/$1.ko"
}

# Path of a tool of the release build (nkhv, vlinkctl, earlydata, ...).
vm_tool() {
	case $1 in
	nkhv) vm_first_file "$VM_BUILD/hv/nkhv" ;;
	vlinkctl) vm_first_file "$VM_BUILD/tools/vlinkctl/vlinkctl" ;;
	earlydata) vm_first_file "$VM_BUILD/tools/earlydata/earlydata" ;;
	edcat) vm_first_file "$VM_MODULES/edcat" ;;
	edcat-arm64) vm_first_file "$VM_MODULES_ARM64/edcat" ;;
	*) vm_first_file "$VM_BUILD/tests/system/$1" ;;
	esac
}

# The kernel release a module was built for (from its vermagic).
vm_module_kver() {
	modinfo -F vermagic "$1" 2>/dev/null | cut -d' ' -f1
}

# Kernel-log lines that mean the guest kernel went wrong: print those of
# the console logs given (prefixed with the file name and line); fail if
# any. One report is not the project's: Linux 6.1's power-off path reads
# the mask of CPUs to stop while they clear it (a KCSAN kernel on two
# vCPUs reports it at random, "data-race in _find_first_bit" from
# native_stop_other_cpus); such a report's BUG line is left out, and
# any other line of it still counts.
vm_console_problems() {
	local f bad=0
	for f in "$@"; do
		awk '
			function flush() {
				if (n && blk !~ /native_stop_other_cpus/)
					printf "%s", keep
				n = 0; blk = ""; keep = ""
			}
			/BUG: KCSAN: / { flush(); n = 1 }
			n { blk = blk $0 "\n"; keep = keep FNR ":" $0 "\n"
			    if (n++ > 1 && /=====/) flush(); next }
			{ print FNR ":" $0 }
			END { flush() }' "$f" |
			grep -E -e 'WARNING:|BUG:|Oops|Call Trace|KASAN|general protection' \
				-e '[Ll]ockdep|[Kk]ernel panic|soft lockup|hung task' \
				-e 'blocked for more than [0-9]+ seconds' |
			sed "s|^|$f:|" | grep . && bad=1
	done
	[ $bad = 0 ]
}

# VM ids of a system description whose node says nkhv,kind = "linux".
vm_linux_vms() {
	local dtb node
	dtb=$(mktemp "${TMPDIR:-/tmp}/vm-dtb.XXXXXX")
	case $1 in
	*.dtb) cp "$1" "$dtb" ;;
	*) dtc -q -I dts -O dtb -o "$dtb" "$1" || { rm -f "$dtb"; return 1; } ;;
	esac
	for node in $(fdtget -l "$dtb" /vms); do
		[ "$(fdtget -t s "$dtb" "/vms/$node" nkhv,kind 2>/dev/null)" = linux ] &&
			fdtget -t u "$dtb" "/vms/$node" os-id
	done
	rm -f "$dtb"
	return 0
}

# The architecture of VM $2 of a system description: its node's
# nkhv,arch ("arm64" or "amd64", also spelt aarch64, x86_64), else $3
# (default amd64). Fails on an architecture it does not know.
vm_arch_of() {
	local dtb node a=
	dtb=$(mktemp "${TMPDIR:-/tmp}/vm-dtb.XXXXXX")
	case $1 in
	*.dtb) cp "$1" "$dtb" ;;
	*) dtc -q -I dts -O dtb -o "$dtb" "$1" || { rm -f "$dtb"; return 1; } ;;
	esac
	for node in $(fdtget -l "$dtb" /vms); do
		[ "$(fdtget -t u "$dtb" "/vms/$node" os-id 2>/dev/null)" = "$2" ] || continue
		a=$(fdtget -t s "$dtb" "/vms/$node" nkhv,arch 2>/dev/null)
	done
	rm -f "$dtb"
	vm_arch_name "${a:-${3:-amd64}}"
}
