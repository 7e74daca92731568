# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the roles that use /dev/earlydata/$ED_CHANNEL.

# Wait until the channel's device exists (the driver creates it when it
# finds the channel's vlink); fail with a message after $ED_WAIT seconds.
wait_device() {
	local n=0 max=$((${ED_WAIT:-60} * 10))

	if [ -z "${ED_CHANNEL:-}" ]; then
		echo "role: no ed.channel= on the kernel command line" >&2
		return 1
	fi
	while [ ! -e "/dev/earlydata/$ED_CHANNEL" ]; do
		n=$((n + 1))
		if [ $n -gt $max ]; then
			echo "role: no /dev/earlydata/$ED_CHANNEL after ${ED_WAIT:-60} s" \
				"(have: $(ls /dev/earlydata 2>/dev/null | tr '\n' ' '))" >&2
			return 1
		fi
		sleep 0.1
	done
}

# The channel's counters and last fault (sysfs), on one line of the
# console: what the driver saw, for the test logs.
channel_stats() {
	local d=/sys/class/earlydata/$ED_CHANNEL f line=

	[ -d "$d" ] || return 0
	for f in "$d"/stats/*; do
		line="$line ${f##*/}=$(cat "$f")"
	done
	echo "ed-stats: $ED_CHANNEL:$line" >&2
	line=
	for f in "$d"/last_fault/*; do
		line="$line ${f##*/}=$(cat "$f")"
	done
	echo "ed-stats: $ED_CHANNEL: last_fault:$line" >&2
	# The driver's attribute files (not the driver core's dev, uevent,
	# power/), checked against docs/ABI/sysfs-class-earlydata.
	line=
	for f in "$d"/* "$d"/last_fault/* "$d"/stats/*; do
		[ -f "$f" ] || continue
		f=${f#"$d"/}
		case $f in dev | uevent) continue ;; esac
		line="$line $f"
	done
	echo "ed-attrs:$line" >&2
}
