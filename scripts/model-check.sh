#!/usr/bin/env bash
# Model check of the Earlydata protocol with SPIN (docs/model/README.md).
#
# Runs every model of docs/model/ that must hold (0 errors) and every
# mutant and finding that must not (errors > 0, with a counter-example
# trail), prints for each the states stored, depth, memory and time, and
# exits non-zero if a model fails, a mutant passes, a search is cut
# short, or the rule table of the README cites a line that moved.
#
# Usage: scripts/model-check.sh [--short] [--keep] [NAME...]
#   --short  breadth-first search for the runs that must fail: shortest
#            counter-examples, slower
#   --keep   keep the work directory (trails: spin -t -p -g -l FILE)
#   NAME     run only the runs whose name contains NAME
# Needs spin and a C compiler (Debian: spin, build-essential); it installs
# nothing itself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
models=$root/docs/model
short=0
keep=0
only=()
for a in "$@"; do
	case "$a" in
	--short) short=1 ;;
	--keep) keep=1 ;;
	-h | --help)
		sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "model-check: unknown option $a" >&2
		exit 2
		;;
	*) only+=("$a") ;;
	esac
done

for tool in spin cc; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "model-check: $tool not found (Debian: apt-get install spin build-essential)" >&2
		exit 2
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/model-check.XXXXXX")
cleanup() {
	if [ "$keep" = 1 ]; then
		echo "model-check: work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

now() { date +%s.%N; }
t_start=$(now)
failures=0

# ---- the rule table of README.md: every file:line it cites must still
# carry the marker of its row ([R1] ... [F6], [A1] ...) ----
check_table() { # check_table DOC: the rows of DOC's rule table
	local doc=$1 line id ref file n bad=0
	while IFS= read -r line; do
		id=$(sed -E 's/^\| *\*{0,2}([RAF][0-9]+).*/\1/' <<<"$line")
		while IFS= read -r ref; do
			file=${ref%%:*}
			n=${ref##*:}
			if [ ! -f "$models/$file" ] ||
				! sed -n "${n}p" "$models/$file" | grep -qF "[$id]"; then
				echo "model-check: $(basename "$doc") row $id cites $ref, which has no [$id]" >&2
				bad=1
			fi
		done < <(grep -oE '[a-z]+\.pml:[0-9]+' <<<"$line")
	done < <(grep -E '^\| *\*{0,2}[RAF][0-9]+' "$doc")
	return $bad
}
if check_table "$models/README.md" &&
	check_table "$models/../earlydata-protocol.md"; then
	echo "rule tables of docs/model/README.md and docs/earlydata-protocol.md: line references up to date"
else
	failures=$((failures + 1))
fi

# ---- runs: name | expect (pass/fail) | model | spin -D defines ----
runs=(
	# the data path: three policies, 3 slots, 4 records, both ends crash
	# and restart
	"ring-block|pass|ring.pml|-DPOLICY=0"
	"ring-dropnew|pass|ring.pml|-DPOLICY=1"
	"ring-overwrite|pass|ring.pml|-DPOLICY=2"
	# 2 slots, 4 records, two rewinds (private replays), a repair, the
	# consumer crashes
	"ring-block-rewind|pass|ring.pml|-DPOLICY=0 -DN=2 -DPCRASH=0 -DREWIND=2 -DREPAIR=1"
	"ring-dropnew-rewind|pass|ring.pml|-DPOLICY=1 -DN=2 -DPCRASH=0 -DREWIND=2 -DREPAIR=1"
	"ring-overwrite-rewind|pass|ring.pml|-DPOLICY=2 -DN=2 -DPCRASH=0 -DREWIND=2 -DREPAIR=1"
	# the header rewrite against attach, under reordering
	"header|pass|header.pml|-DNWRITES=3"
	# wake-ups: no timeout; N=4 exercises the half-ring threshold
	"notify-block|pass|notify.pml|-DPOLICY=0 -DN=4 -DNREC=6"
	"notify-block-pcrash|pass|notify.pml|-DPOLICY=0 -DN=2 -DNREC=3 -DPCRASH=1"
	"notify-block-ccrash|pass|notify.pml|-DPOLICY=0 -DN=2 -DNREC=3 -DCCRASH=1"
	"notify-dropnew|pass|notify.pml|-DPOLICY=1 -DN=2 -DNREC=4"
	"notify-dropnew-pcrash|pass|notify.pml|-DPOLICY=1 -DN=2 -DNREC=3 -DPCRASH=1"
	"notify-dropnew-ccrash|pass|notify.pml|-DPOLICY=1 -DN=2 -DNREC=3 -DCCRASH=1"
	# the link handshake: faults, a crash and restart, a spurious SYSCONF
	"link|pass|link.pml|"
	"link-liveness|pass|link.pml|-DCRASHES=0 @NP"

	# findings (README.md, Findings): the design as first described (F1
	# to F6), or the code where it still differs from the models (F6
	# half fix, F7, F8)
	"F1-snapshot-overwrite|fail|ring.pml|-DPOLICY=2 -DN=2 -DNREC=3 -DNOFIX_SNAPSHOT"
	"F1-snapshot-reformat|fail|ring.pml|-DPOLICY=0 -DN=2 -DNREC=3 -DNOFIX_SNAPSHOT"
	"F1-snapshot-magic|fail|header.pml|-DNWRITES=2 -DNOFIX_SNAPSHOT_MAGIC"
	"F2-rewind-public|fail|ring.pml|-DPOLICY=0 -DN=2 -DPCRASH=0 -DREWIND=1 -DNOFIX_REWIND"
	"F3-caught-up|fail|ring.pml|-DPOLICY=1 -DN=2 -DNREC=3 -DNOFIX_CAUGHT_UP"
	"F5-attach-seqcount|fail|header.pml|-DNWRITES=2 -DNOFIX_SEQCOUNT"
	"F6-link-handler|fail|link.pml|-DNOFIX_LINK"
	"F6-link-half-fix|fail|link.pml|-DHALF_FIX_LINK"
	"F7-overtaken-tail|fail|ring.pml|-DPOLICY=2 -DN=2 -DNREC=3 -DNOFIX_OVERTAKEN_TAIL"
	"F8-repair-resume|fail|ring.pml|-DPOLICY=0 -DN=2 -DNREC=3 -DPCRASH=0 -DREPAIR=1 -DNOFIX_REPAIR_RESUME"

	# mutants: each must fail
	"mutant-lapping|fail|ring.pml|-DPOLICY=2 -DN=2 -DNREC=3 -DMUTANT_LAPPING"
	"mutant-no-epoch-recheck|fail|ring.pml|-DPOLICY=0 -DN=2 -DNREC=3 -DMUTANT_NO_EPOCH_RECHECK"
	"mutant-replay-no-tail|fail|ring.pml|-DPOLICY=0 -DN=2 -DPCRASH=0 -DREWIND=1 -DMUTANT_REPLAY_NO_TAIL"
	"mutant-no-data-barrier|fail|notify.pml|-DPOLICY=0 -DN=2 -DNREC=3 -DMUTANT_NO_DATA_BARRIER"
	"mutant-no-arm-recheck|fail|notify.pml|-DPOLICY=1 -DN=2 -DNREC=3 -DMUTANT_NO_ARM_RECHECK"
	"mutant-no-space-recheck|fail|notify.pml|-DPOLICY=0 -DN=2 -DNREC=4 -DMUTANT_NO_SPACE_RECHECK"
	"mutant-header-no-recheck|fail|header.pml|-DNWRITES=2 -DMUTANT_NO_RECHECK"
	"mutant-header-epoch-plain|fail|header.pml|-DNWRITES=2 -DMUTANT_EPOCH_PLAIN"
	"mutant-link-no-answer|fail|link.pml|-DMUTANT_NO_ANSWER"
)

printf '%-26s %-6s %-7s %10s %6s %8s %7s  %s\n' run expect result states depth "mem MB" "time s" detail

run_one() {
	local name=$1 expect=$2 model=$3 defs=$4 dir np=0 cflags popts
	local t0 out errs states depth mem secs result detail first where
	if [[ "$defs" == *@NP* ]]; then
		np=1
		defs=${defs//@NP/}
	fi
	dir=$work/$name
	mkdir -p "$dir"
	cp "$models/$model" "$dir/"
	t0=$(now)
	# shellcheck disable=SC2086 # defs: several -D words
	(cd "$dir" && spin -a $defs "$model" >spin.out 2>&1) || {
		printf '%-26s %-6s %-7s  spin -a failed: %s\n' "$name" "$expect" ERROR \
			"$(head -1 "$dir/spin.out")"
		failures=$((failures + 1))
		return
	}
	# -DCOLLAPSE: exact state compression. Runs that must pass are
	# exhaustive (no bitstate); a search cut short by the depth or the
	# memory bound counts as a failure.
	cflags="-O1 -DCOLLAPSE -DMEMLIM=1024"
	popts="-m200000 -w22"
	if [ "$np" = 1 ]; then
		cflags="$cflags -DNP"
		popts="$popts -l"
	else
		cflags="$cflags -DSAFETY"
	fi
	if [ "$expect" = fail ]; then
		cflags=${cflags/-O1/-O0}
		[ "$short" = 1 ] && cflags="$cflags -DBFS"
	fi
	# shellcheck disable=SC2086
	(cd "$dir" && cc $cflags -o pan pan.c >cc.out 2>&1) || {
		printf '%-26s %-6s %-7s  cc failed: %s\n' "$name" "$expect" ERROR \
			"$(grep -m1 error "$dir/cc.out")"
		failures=$((failures + 1))
		return
	}
	# shellcheck disable=SC2086
	(cd "$dir" && ./pan $popts >pan.out 2>&1) || true
	secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	out=$dir/pan.out
	errs=$(sed -nE 's/.*errors: ([0-9]+).*/\1/p' "$out" | head -1)
	states=$(awk '/states, stored/ { print $1; exit }' "$out")
	depth=$(sed -nE 's/.*depth reached ([0-9]+).*/\1/p' "$out" | head -1)
	mem=$(awk '/total actual memory usage/ { print $1; exit }' "$out")
	errs=${errs:-?}
	detail=""
	if grep -qE 'max search depth too small|reached -DMEMLIM bound|out of memory' "$out"; then
		result=CUT
		detail="search cut short: $(grep -m1 -E 'depth too small|MEMLIM|out of memory' "$out")"
	elif [ "$errs" = 0 ]; then
		result=pass
	elif [ "$errs" = "?" ]; then
		result=ERROR
		detail="no verdict from pan: $(tail -1 "$out")"
	else
		result=fail
		first=$(grep -m1 '^pan:1:' "$out" | sed -E 's/^pan:1: //;
			s/ \(at depth ([0-9]+)\)$/, trail of \1 steps/')
		# shellcheck disable=SC2086
		(cd "$dir" && spin -t $defs "$model" >trail.txt 2>&1) || true
		where=$(sed -nE 's/^spin: ([a-z]+\.pml:[0-9]+), Error: assertion violated.*/at \1/p' \
			"$dir/trail.txt" | head -1)
		if [ -z "$where" ]; then
			# an invalid end state: the processes that are stuck
			where=$(grep -E '^ *[0-9]+:\s+proc ' "$dir/trail.txt" |
				grep -v 'valid end state' |
				sed -E 's/.*\(([a-z_]+):[0-9]+\) *([a-z]+\.pml:[0-9]+)?.*/\1 stuck \2/' |
				sed -E 's/ stuck ([a-z])/ stuck at \1/; s/ stuck $/ stuck/' |
				paste -sd ',' - | sed 's/,/, /g')
		fi
		detail="$first; $where"
	fi
	printf '%-26s %-6s %-7s %10s %6s %8s %7s  %s\n' "$name" "$expect" "$result" \
		"${states:-?}" "${depth:-?}" "${mem:-?}" "$secs" "$detail"
	if [ "$result" != "$expect" ]; then
		failures=$((failures + 1))
	fi
}

for r in "${runs[@]}"; do
	IFS='|' read -r name expect model defs <<<"$r"
	if [ ${#only[@]} -gt 0 ]; then
		hit=0
		for o in "${only[@]}"; do
			[[ "$name" == *"$o"* ]] && hit=1
		done
		[ "$hit" = 1 ] || continue
	fi
	run_one "$name" "$expect" "$model" "$defs"
done

total=$(awk -v a="$t_start" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }')
if [ "$failures" -gt 0 ]; then
	echo "model-check: $failures unexpected result(s), ${total}s"
	exit 1
fi
echo "model-check: every run as expected (models hold; mutants and findings fail), ${total}s"
