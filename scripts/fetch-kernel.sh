#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch a stock Debian kernel (image + headers + kbuild) into the build tree.
# Nothing is installed system-wide: packages are downloaded with apt-get
# download and unpacked with dpkg-deb -x under build/kernels/KVER/root.
#
# usage: scripts/fetch-kernel.sh [-k KVER] SERIES
#   SERIES  6.1 (bookworm) or 6.12 (bookworm, 6.12.x+deb12), or 6.12-debug:
#           the sanitizer kernel built by scripts/debug-kernel.sh
#   -k KVER pin a kernel release (e.g. 6.1.0-56-amd64); default: newest offered
# Prints the kernel release it prepared. build/kernels/SERIES links to it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=
while getopts k: opt; do
	case $opt in
	k) kver=$OPTARG ;;
	*) echo "usage: $0 [-k KVER] SERIES" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
series=${1:?usage: $0 [-k KVER] SERIES}

case $series in
6.12-debug) exec "$top/scripts/debug-kernel.sh" ;;
6.1)  pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
*)    echo "unknown series '$series' (want 6.1 or 6.12)" >&2; exit 2 ;;
esac

log() { echo "fetch-kernel: $*" >&2; }

newest_kver() {
	apt-cache search --names-only "$pattern" | awk '{print $1}' |
		sed -e 's/^linux-image-//' -e 's/-unsigned$//' | sort -V | tail -n 1
}

# The headers package names its -common and kbuild companions in Depends.
header_deps() {
	apt-cache show "linux-headers-$1" | sed -n 's/^Depends: //p' | head -n 1 |
		tr ',|' '\n\n' | awk '{print $1}' | grep -E '^linux-(headers|kbuild)-' |
		sort -u
}

if [ -z "$kver" ]; then
	kver=$(newest_kver)
	if [ -z "$kver" ]; then
		log "no package matches $pattern; running apt-get update"
		apt-get update -qq >&2
		kver=$(newest_kver)
	fi
	[ -n "$kver" ] || { log "no $series kernel offered by the registry"; exit 1; }
fi

dest=$top/build/kernels/$kver
root=$dest/root
stamp=$dest/.complete
if [ ! -e "$stamp" ]; then
	log "fetching $kver"
	rm -rf "$dest"
	mkdir -p "$dest/debs" "$root"
	pkgs="linux-image-$kver-unsigned linux-headers-$kver $(header_deps "$kver")"
	# apt-get download writes into the current directory.
	(cd "$dest/debs" && apt-get download -q $pkgs >&2)
	for deb in "$dest"/debs/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	# The arch headers include the -common tree by its installed path.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$root/usr/src/linux-headers-$kver/Makefile"
	depmod -b "$root" "$kver"
	touch "$stamp"
fi
ln -sfn "$kver" "$top/build/kernels/$series"
echo "$kver"
