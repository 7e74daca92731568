#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the Linux test VMs (scripts/vm/initramfs.sh): mount the kernel
# file systems, load the modules, run the role named on the kernel command
# line, then power off (or reboot).
#
# Kernel command line:
#   ed.role=NAME     run /roles/NAME (default: idle)
#   ed.after=WHAT    when the role ends: poweroff (default) or reboot
#   ed.boot=N        which boot of this VM it is (set by the runner)
#   ed.KEY=VALUE     given to the role as $ED_KEY (ed.channel -> ED_CHANNEL)
# Serial ports: ttyS0 the console (kernel messages and this script's),
# ttyS1 the role's standard output (raw), ttyS2 control lines from the
# host: "stop" or "reboot" ends the role with SIGTERM (so that it flushes
# what it has read) and then powers off or reboots.
PATH=/bin
export PATH

log() {
	echo "ed-init: $*"
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1

# Boot was quiet: show what it warned about, then every kernel message.
dmesg -r | grep '^<[0-4]>'
dmesg -n 8

for w in $(cat /proc/cmdline); do
	case $w in
	ed.*=*)
		k=${w%%=*}
		k=${k#ed.}
		case $k in *[!a-z0-9_-]* | '') continue ;; esac
		export "ED_$(echo "$k" | tr 'a-z-' 'A-Z_')=${w#*=}"
		;;
	esac
done
role=${ED_ROLE:-idle}
log "boot ${ED_BOOT:-1}, role $role, up $(cut -d' ' -f1 /proc/uptime) s"

ok=1
for m in $(cat /lib/modules/order); do
	insmod "/lib/modules/$m.ko" || {
		log "FAILED to load $m"
		ok=0
		break
	}
done

# The role's output: raw, nothing added or translated.
exec 3>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo

# Control lines from the host; the role runs in its own process group.
control() {
	stty -F /dev/ttyS2 -echo icanon
	while read -r cmd; do
		case $cmd in
		stop | reboot)
			echo "$cmd" >/run/control
			log "control: $cmd"
			kill -TERM "-$1"
			# A role that does not end within 20 s is killed.
			(sleep 20 && kill -0 "-$1" 2>/dev/null &&
				log "role did not stop: killed" &&
				kill -KILL "-$1") &
			;;
		?*) log "control: unknown command '$cmd'" ;;
		esac
	done </dev/ttyS2
}

rc=1
if [ $ok = 1 ] && [ -x "/roles/$role" ]; then
	setsid "/roles/$role" >&3 &
	pid=$!
	control $pid 3>&- &
	ctl=$!
	wait $pid
	rc=$?
	# The role's children (a reader it started) finish flushing too.
	n=0
	while kill -0 "-$pid" 2>/dev/null && [ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ $n -lt 300 ] || log "processes of role $role still running"
	kill $ctl 2>/dev/null
elif [ $ok = 1 ]; then
	log "no role '$role' (have: $(cd /roles && for r in *; do [ -x "$r" ] && printf '%s ' "$r"; done))"
fi
log "role $role exited $rc"

# Closing the last descriptor of ttyS1 waits until it is all sent.
exec 3>&-
sync
what=${ED_AFTER:-poweroff}
[ "$(cat /run/control 2>/dev/null)" = reboot ] && what=reboot
[ "$(cat /run/control 2>/dev/null)" = stop ] && what=poweroff
log "$what"
if [ "$what" = reboot ]; then
	reboot -f
else
	poweroff -f
fi
sleep 5
log "still running after $what"
while :; do sleep 60; done
