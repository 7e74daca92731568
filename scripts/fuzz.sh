#!/usr/bin/env bash
# Run every libFuzzer target of build-fuzz/ for N seconds (default 20),
# starting from its seed corpus. A crash fails the run and keeps the input
# (build-fuzz/fuzz/crash-<target>-*); each target's log is
# build-fuzz/fuzz/<target>.log.
# Each run starts from the seeds alone, in a corpus of its own, so that it
# does not depend on what earlier runs found. FUZZ_CORPUS_DIR=DIR keeps a
# corpus per target in DIR/<target> instead, grown from run to run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
found=0
[ -d build-fuzz/fuzz ] || { echo "fuzz: no build-fuzz/fuzz: run scripts/build.sh fuzz" >&2; exit 1; }
work=$(mktemp -d build-fuzz/fuzz/run.XXXXXX)
trap 'rm -rf "$work"' EXIT
for t in build-fuzz/fuzz/fuzz_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=$(basename "$t")
	if [ -n "${FUZZ_CORPUS_DIR:-}" ]; then
		corpus=$FUZZ_CORPUS_DIR/$name
	else
		corpus=$work/$name
	fi
	mkdir -p "$corpus"
	seeds=fuzz/corpus/${name#fuzz_}
	[ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
	[ -d "build-fuzz/fuzz/seeds-${name#fuzz_}" ] &&
		cp -n "build-fuzz/fuzz/seeds-${name#fuzz_}"/* "$corpus"/ 2>/dev/null || true
	echo "fuzz: $name for ${secs}s"
	"$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix=build-fuzz/fuzz/crash-"$name"- "$corpus" \
		2>build-fuzz/fuzz/"$name".log || {
		tail -n 40 build-fuzz/fuzz/"$name".log
		echo "fuzz: $name FAILED" >&2
		exit 1
	}
	grep -E 'stat::number_of_executed_units' build-fuzz/fuzz/"$name".log || true
	found=$((found + 1))
done
[ $found -gt 0 ] || { echo "fuzz: no targets built" >&2; exit 1; }
echo "fuzz: $found targets ran clean"
