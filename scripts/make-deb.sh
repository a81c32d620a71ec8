#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Debian packages (debian/): sm4ktls-dkms, the modules' sources
# with their dkms.conf, and sm4ktls-tools (sm4ktls-status), from the
# files git tracks, into build/deb/. The package version is VERSION's.
#
# usage: scripts/make-deb.sh          (prints the .deb paths)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/install-deps.sh" debhelper dh-dkms dpkg-dev >&2

ver=$(cat VERSION)
[ "$(dpkg-parsechangelog -S Version)" = "$ver" ] || {
	echo "make-deb: debian/changelog is at $(dpkg-parsechangelog -S Version), VERSION at $ver" >&2
	exit 1
}
out=$top/build/deb
rm -rf "$out"
mkdir -p "$out/sm4ktls-$ver"
# What git tracks, as committed or changed in the work tree.
git ls-files -z | xargs -0 tar -cf - | tar -xf - -C "$out/sm4ktls-$ver"
(cd "$out/sm4ktls-$ver" && dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1) || {
	tail -n 30 "$out/build.log" >&2
	exit 1
}
ls "$out"/*.deb
