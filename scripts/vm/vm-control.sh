#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Send a control line to a QEMU VM of scripts/vm/run-system.sh (its ttyS2):
#   stop    end the role with SIGTERM, then power off
#   reboot  end the role with SIGTERM, then reboot (the runner boots it
#           again, with ed.boot one higher)
# Usage: scripts/vm/vm-control.sh RUN-DIR VM-ID stop|reboot
set -euo pipefail
[ $# -eq 3 ] && { [ "$3" = stop ] || [ "$3" = reboot ]; } ||
	{ echo "usage: $0 RUN-DIR VM-ID stop|reboot" >&2; exit 2; }
fifo=$1/vm$2/ctl.in
[ -p "$fifo" ] || { echo "$0: $fifo: no such VM control FIFO" >&2; exit 1; }
# The runner holds the FIFO open; if it is gone, do not wait for a reader.
timeout 5 sh -c 'echo "$1" >"$2"' sh "$3" "$fifo" ||
	{ echo "$0: nobody reads $fifo (is the runner still there?)" >&2; exit 1; }
