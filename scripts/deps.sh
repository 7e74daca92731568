#!/usr/bin/env bash
# Install the Debian 12 packages this project needs, if any is missing.
# Usage: scripts/deps.sh [base|bench|kernel|all]   (default: base)
set -euo pipefail

base=(build-essential cmake pkg-config device-tree-compiler libfdt-dev
      libcmocka-dev libjansson-dev clang libclang-rt-14-dev graphviz
      cppcheck spin)
bench=(gnuplot-nox python3 libiceoryx-binding-c-dev libiceoryx-posh-dev
       libiceoryx-hoofs-dev iceoryx)
kernel=(linux-headers-amd64 linux-image-amd64 qemu-system-x86
        busybox-static cpio kmod xz-utils)

want=("${base[@]}")
case "${1:-base}" in
base) ;;
bench) want+=("${bench[@]}") ;;
kernel) want+=("${kernel[@]}") ;;
all) want+=("${bench[@]}" "${kernel[@]}") ;;
*) echo "usage: $0 [base|bench|kernel|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
