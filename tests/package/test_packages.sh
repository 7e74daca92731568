#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The Debian packages end to end, as root on a Debian 12 machine with
# scripts/deps.sh pkg installed:
#  1. dpkg-buildpackage -us -uc -b in a copy of the tree (a temporary
#     directory: the .deb files never land next to the repository);
#  2. lintian: no error and no warning;
#  3. apt-get install of the .deb files;
#  4. the installed programs: --version, the example system checked, the
#     Earlydata demo run from /usr/bin, a guest (the pingpong example of
#     libnkddi-dev) compiled and linked with `pkg-config nkddi` and run
#     against the installed nkhv, the unit's ExecStart line run;
#  5. DKMS: both modules built for the installed linux-headers-*-amd64
#     kernel, `dkms status` and `modinfo` of what it built;
#  6. every installed man page renders without warnings (MANWIDTH=80);
#  7. systemd-analyze verify accepts the unit (systemd need not run);
#  8. apt-get purge, then nothing of the packages is left: their files,
#     /etc/nkhv, /usr/src/earlydata-*, the DKMS tree, the group.
# The machine is left as it was found, also on failure (trap). It refuses
# to start when one of the packages is installed already.
#	tests/package/test_packages.sh
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
pkgs=(nkhv libnkddi0 libnkddi-dev earlydata-tools earlydata-dkms)
apt=(apt-get -y -qq -o DPkg::Lock::Timeout=300)
export DEBIAN_FRONTEND=noninteractive

die() {
	echo "test_packages: FAIL: $*" >&2
	exit 1
}
step() { # step NAME: the previous step's time, then NAME
	[ -n "${step_name:-}" ] &&
		echo "-- $step_name: $((SECONDS - step_start)) s"
	step_name=$1
	step_start=$SECONDS
	echo "-- $1"
}

[ "$(id -u)" = 0 ] || die "run as root (it installs and purges packages)"
for p in "${pkgs[@]}"; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
		die "$p is installed already; purge it first"
	fi
done
for d in /etc/nkhv /usr/src/earlydata-* /var/lib/dkms/earlydata; do
	[ ! -e "$d" ] || die "$d exists already"
done
had_group=0
getent group earlydata >/dev/null && had_group=1
# DKMS makes a module signing key on its first build: a key this test
# caused goes again with the packages.
had_mok=0
[ ! -e /var/lib/dkms/mok.key ] || had_mok=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/earlydata-pkg.XXXXXX")
installed=0
pids=()
cleanup() {
	local rc=$?
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ $installed = 1 ]; then
		"${apt[@]}" purge "${pkgs[@]}" >"$tmp/purge.log" 2>&1 &&
			installed=0 || cat "$tmp/purge.log" >&2
	fi
	if [ $had_mok = 0 ] && [ $installed = 0 ]; then
		rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	fi
	rm -rf "$tmp"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

step "build (dpkg-buildpackage in a copy of the tree)"
mkdir "$tmp/src"
if [ -e "$src/.git" ]; then
	git -C "$src" ls-files -z |
		(cd "$src" && tar --null -T - --ignore-failed-read -cf -) |
		tar -xf - -C "$tmp/src"
else
	(cd "$src" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$tmp/src"
fi
version=$("$tmp/src/scripts/version.sh")
if ! (cd "$tmp/src" && DEB_BUILD_OPTIONS=noddebs \
	dpkg-buildpackage -us -uc -b -j2) >"$tmp/build.log" 2>&1; then
	tail -n 40 "$tmp/build.log" >&2
	die "dpkg-buildpackage failed"
fi
debs=()
for p in "${pkgs[@]}"; do
	f=$(ls "$tmp"/"${p}"_"$version"_*.deb 2>/dev/null) ||
		die "no $p package of version $version"
	debs+=("$f")
done
echo "packages: ${debs[*]##*/}"

step "lintian"
lintian --fail-on error,warning "${debs[@]}" 2>&1 |
	grep -v 'running with root privileges' || true
lintian --fail-on error,warning "${debs[@]}" >/dev/null 2>&1 ||
	die "lintian reports errors or warnings"

step "install"
installed=1
if ! "${apt[@]}" install --no-install-recommends "${debs[@]}" \
	>"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log" >&2
	die "apt-get install failed"
fi
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Version}' "$p" | grep -qx "$version" ||
		die "$p $version is not installed"
done

step "the installed programs (demo, guest, unit)"
for t in nkhv vlinkctl earlydata edcat; do
	[ "$(command -v $t)" = "/usr/bin/$t" ] || die "$t is not /usr/bin/$t"
	[ "$("/usr/bin/$t" --version)" = "$t $version" ] ||
		die "$t --version: '$(/usr/bin/$t --version)', not '$t $version'"
done
/usr/bin/vlinkctl check /etc/nkhv/example.dts >"$tmp/check.txt" ||
	die "vlinkctl check /etc/nkhv/example.dts failed"
mkdir "$tmp/demo"
(cd "$tmp/demo" && DEMO_DLT=$tmp/demo/boot.dlt \
	/usr/share/nkhv/examples/earlydata-demo.sh /usr/bin "$tmp/demo/run") \
	>"$tmp/demo.log" 2>&1 || {
	cat "$tmp/demo.log" >&2
	die "the Earlydata demo from /usr/bin failed"
}
grep 'summary:' "$tmp/demo.log"

# A guest built against the installed library only.
ex=/usr/share/doc/libnkddi-dev/examples
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/pingpong" "$ex/pingpong.c" \
	$(pkg-config --cflags --libs nkddi) || die "pingpong does not build"
ldd "$tmp/pingpong" | grep -Eq "libnkddi\.so\.0 => (/usr)?/lib/" ||
	die "pingpong is not linked with the installed libnkddi"
run=$tmp/pp
/usr/bin/nkhv --run-dir "$run" "$ex/pingpong.dts" 2>"$tmp/pp.log" &
pids+=($!)
for _ in $(seq 100); do [ -S "$run/nkhv.sock" ] && break; sleep 0.05; done
NK_VM_SOCKET=$run/vm2.sock "$tmp/pingpong" 1000 >"$tmp/pp2.out" &
client=$!
NK_VM_SOCKET=$run/vm1.sock "$tmp/pingpong" 1000 >"$tmp/pp1.out" ||
	die "pingpong server failed"
wait $client || die "pingpong client failed"
grep -q 'server done, 1000 rounds' "$tmp/pp1.out" "$tmp/pp2.out" ||
	die "pingpong did not finish its rounds"
kill "${pids[@]}" && wait "${pids[@]}" 2>/dev/null || true
pids=()
echo "pingpong: 1000 rounds with the installed libnkddi"

# The unit's command line, %i = example, its run directory in $tmp.
unit=/lib/systemd/system/nkhv@.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ -n "$exec_start" ] || die "$unit: no ExecStart"
exec_start=${exec_start//\/run\/nkhv\/%i/$tmp/svc}
exec_start=${exec_start//%i/example}
mkdir -m 0700 "$tmp/svc"
$exec_start 2>"$tmp/svc.log" &
pids+=($!)
for _ in $(seq 100); do [ -S "$tmp/svc/nkhv.sock" ] && break; sleep 0.05; done
/usr/bin/vlinkctl --run-dir "$tmp/svc" list >/dev/null ||
	die "the unit's ExecStart ($exec_start) does not serve"
/usr/bin/earlydata --run-dir "$tmp/svc" produce --vm 1 --channel boot \
	--generate 10 2>/dev/null || die "earlydata produce in the unit's system"
got=$(/usr/bin/earlydata --run-dir "$tmp/svc" consume --vm 2 --channel boot \
	--json 2>/dev/null | grep -c '"seq"') || true
[ "$got" = 10 ] || die "earlydata consume in the unit's system: $got of 10"
kill "${pids[@]}" && wait "${pids[@]}" 2>/dev/null || true
pids=()

step "DKMS: both modules for the installed kernel headers"
kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kdir" ] || die "no linux-headers-*-amd64 (scripts/deps.sh pkg)"
kver=${kdir#/usr/src/linux-headers-}
status=$(dkms status -m earlydata -v "$version" -k "$kver")
case $status in
*": built"* | *": installed"*) ;;
*)
	dkms build -m earlydata -v "$version" -k "$kver" >"$tmp/dkms.log" 2>&1 || {
		cat "$tmp/dkms.log" >&2
		cat "/var/lib/dkms/earlydata/$version/build/make.log" >&2 || true
		die "dkms build for $kver failed"
	}
	status=$(dkms status -m earlydata -v "$version" -k "$kver")
	;;
esac
echo "dkms status: $status"
case $status in
*": built"* | *": installed"*) ;;
*) die "dkms status: not built for $kver: '$status'" ;;
esac
moddir=/var/lib/dkms/earlydata/$version/$kver/$(uname -m)/module
for m in nkddi earlydata; do
	ko=$(ls "$moddir/$m.ko"* 2>/dev/null | head -n 1)
	[ -n "$ko" ] || die "DKMS built no $m.ko in $moddir"
	[ "$(modinfo -F name "$ko")" = "$m" ] || die "$ko: modinfo name"
	modinfo -F vermagic "$ko" | grep -q "^$kver " ||
		die "$ko: vermagic $(modinfo -F vermagic "$ko"), not $kver"
	echo "modinfo $m: $(modinfo -F vermagic "$ko" | cut -d' ' -f1)," \
		"depends '$(modinfo -F depends "$ko")'"
done
modinfo -F depends "$moddir/earlydata.ko"* | grep -qw nkddi ||
	die "earlydata.ko does not depend on nkddi (nkops unresolved)"

step "man pages (MANWIDTH=80 man --warnings)"
pages=$(dpkg -L "${pkgs[@]}" | grep '^/usr/share/man/man[1-8]/.*\.gz$')
n=0
for page in $pages; do
	warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) || true
	[ -z "$warn" ] || die "$page: $warn"
	n=$((n + 1))
done
[ $n -ge 7 ] || die "only $n man pages installed"
for page in 8/nkhv 8/vlinkctl 1/earlydata 1/edcat 3/nkddi 4/earlydata \
	5/nkhv-dts; do
	man -w "${page%/*}" "${page#*/}" >/dev/null || die "man ${page/\// } not found"
done
echo "$n man pages render without warnings"

step "systemd-analyze verify"
if ! systemd-analyze verify "$unit" >"$tmp/verify.log" 2>&1; then
	cat "$tmp/verify.log" >&2
	die "systemd-analyze verify $unit"
fi
udev_rule=/lib/udev/rules.d/60-earlydata-dkms.rules
grep -q 'GROUP="earlydata"' "$udev_rule" || die "$udev_rule: no group"
getent group earlydata >/dev/null || die "no group earlydata"

step "purge: nothing left behind"
files=$(dpkg -L "${pkgs[@]}" | sort -u)
installed=0
if ! "${apt[@]}" purge "${pkgs[@]}" >"$tmp/purge.log" 2>&1; then
	cat "$tmp/purge.log" >&2
	die "apt-get purge failed"
fi
for p in "${pkgs[@]}"; do
	! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed ||
		die "$p is still installed"
done
left=0
for f in $files; do
	[ -d "$f" ] && continue # shared directories (/usr/bin ...) stay
	if [ -e "$f" ] || [ -L "$f" ]; then
		echo "left behind: $f" >&2
		left=1
	fi
done
for d in /etc/nkhv /usr/src/earlydata-"$version" /var/lib/dkms/earlydata \
	/usr/share/nkhv; do
	if [ -e "$d" ]; then
		echo "left behind: $d" >&2
		left=1
	fi
done
if ls /lib/modules/*/updates/dkms/nkddi.ko* \
	/lib/modules/*/updates/dkms/earlydata.ko* >/dev/null 2>&1; then
	echo "left behind: modules in /lib/modules/*/updates/dkms" >&2
	left=1
fi
if [ $had_group = 0 ] && getent group earlydata >/dev/null; then
	echo "left behind: group earlydata" >&2
	left=1
fi
[ $left = 0 ] || die "the purge left files behind"
step "done"
echo "test_packages: ok"
