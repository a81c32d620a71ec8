#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the kselftest harness and the upstream tls selftest from Debian's
# linux-source-SERIES package into build/ksft/SERIES/ (nothing is vendored
# into the repository). Our own selftests build against this harness, and
# scripts/checkpatch.sh uses its checkpatch.pl.
#
# usage: scripts/fetch-ksft.sh SERIES      (5.10, 6.1, 6.12 or 7.2)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=${1:?usage: $0 SERIES}
dest=$top/build/ksft/$series
[ -e "$dest/.complete" ] && exit 0

# shellcheck source=scripts/apt-suite.sh
. "$top/scripts/apt-suite.sh"
apt_opts=()
suite=$(series_suite "$series")
[ -z "$suite" ] || apt_suite_opts "$suite"
dl=$top/build/src
mkdir -p "$dl"
if ! ls "$dl"/linux-source-"$series"_*.deb >/dev/null 2>&1; then
	(cd "$dl" && apt-get "${apt_opts[@]}" download -q "linux-source-$series" >&2) || {
		if [ -n "$suite" ]; then apt_suite_update; else apt-get update -qq >&2; fi
		(cd "$dl" && apt-get "${apt_opts[@]}" download -q "linux-source-$series" >&2)
	}
fi
deb=$(ls "$dl"/linux-source-"$series"_*.deb | sort -V | tail -n 1)

rm -rf "$dest"
mkdir -p "$dest"
# The .deb holds one big tarball; stream it and keep only what we need.
dpkg-deb --fsys-tarfile "$deb" |
	tar -xO --wildcards '*/linux-source-*.tar.xz' |
	tar -xJ -C "$dest" --strip-components=1 --wildcards \
		'*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/net/tls.c' \
		'*/include/uapi/linux/tls.h' \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
touch "$dest/.complete"
