#!/usr/bin/env bash
# Every tool's --version prints "TOOL VERSION", VERSION being the one of
# debian/changelog (scripts/version.sh); nkddi.pc and the library's file
# name carry the same.
#	test_version.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
want=$("$src/scripts/version.sh")
fail=0

for t in hv/nkhv tools/vlinkctl/vlinkctl tools/earlydata/earlydata \
	tools/edcat/edcat; do
	name=${t##*/}
	got=$("$build/$t" --version) || {
		echo "FAIL: $name --version exited with $?"
		fail=1
		continue
	}
	if [ "$got" != "$name $want" ]; then
		echo "FAIL: $name --version printed '$got', expected '$name $want'"
		fail=1
	else
		echo "ok: $got"
	fi
done

pc=$build/guest/nkddi.pc
if ! grep -qx "Version: $want" "$pc"; then
	echo "FAIL: $pc: no 'Version: $want'"
	fail=1
fi
if [ ! -e "$build/guest/libnkddi.so.$want" ]; then
	echo "FAIL: $build/guest/libnkddi.so.$want missing"
	fail=1
fi
exit $fail
