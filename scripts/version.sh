#!/bin/sh
# Print the project's version: the first entry of debian/changelog (the
# one place it is set; cmake/version.cmake reads the same line).
set -eu
line=$(head -n 1 "$(dirname "$0")/../debian/changelog")
v=$(printf '%s\n' "$line" | sed -n 's/^[a-z0-9.+-]* (\([0-9]*\.[0-9]*\.[0-9]*\)[^)]*).*/\1/p')
if [ -z "$v" ]; then
	echo "version: debian/changelog: no version in '$line'" >&2
	exit 1
fi
echo "$v"
