# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Shared by the scripts of scripts/vm/ and tests/vm/ (sourced, not run):
# where the build puts things and how to find them.

# The repository root and the release build tree (nkhv, tools).
VM_SRC=${VM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VM_BUILD=${VM_BUILD:-$VM_SRC/build}
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

# scripts/build-modules.sh puts the modules and a static edcat here.
VM_MODULES=${VM_MODULES:-$VM_SRC/build-modules}

# Path of a project kernel module (nkddi, earlydata).
vm_module() {
	vm_first_file "$VM_MODULES/$1.ko"
}

# Path of a tool of the release build (nkhv, vlinkctl, earlydata, ...).
vm_tool() {
	case $1 in
	nkhv) vm_first_file "$VM_BUILD/hv/nkhv" ;;
	vlinkctl) vm_first_file "$VM_BUILD/tools/vlinkctl/vlinkctl" ;;
	earlydata) vm_first_file "$VM_BUILD/tools/earlydata/earlydata" ;;
	edcat) vm_first_file "$VM_MODULES/edcat" ;;
	*) vm_first_file "$VM_BUILD/tests/system/$1" ;;
	esac
}

# The kernel release a module was built for (from its vermagic).
vm_module_kver() {
	modinfo -F vermagic "$1" 2>/dev/null | cut -d' ' -f1
}

# Kernel-log lines that mean the guest kernel went wrong: print those of
# the console logs given (prefixed with the file name); fail if any.
vm_console_problems() {
	! grep -HnE -e 'WARNING:|BUG:|Oops|Call Trace|KASAN|general protection' \
		-e '[Ll]ockdep|[Kk]ernel panic|soft lockup|hung task' \
		-e 'blocked for more than [0-9]+ seconds' "$@"
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
