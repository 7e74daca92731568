# SPDX-License-Identifier: GPL-2.0-only
# Shell helpers of the tests that run a real nkhv (sourced).

# nkhv_launch NKHV RUN_DIR DTS LOG [OPTION...]: start nkhv in the
# background (its pid in NKHV_PID, its stderr appended to LOG) and wait
# until its socket is there, up to 10 s. Returns 1, saying why, if it died
# or did not come up.
nkhv_launch() {
	local bin=$1 run=$2 dts=$3 log=$4 i
	shift 4
	"$bin" --run-dir "$run" "$@" "$dts" 2>>"$log" &
	NKHV_PID=$!
	for i in $(seq 1000); do
		[ -S "$run/nkhv.sock" ] && return 0
		kill -0 "$NKHV_PID" 2>/dev/null || break
		sleep 0.01
	done
	echo "     nkhv did not start: $(tail -n 3 "$log")"
	return 1
}
