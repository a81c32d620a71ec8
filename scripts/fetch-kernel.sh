#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch a stock Debian kernel (image + headers + kbuild) into the build tree.
# Nothing is installed system-wide: packages are downloaded with apt-get
# download and unpacked with dpkg-deb -x under build/kernels/KVER/root.
# Kernels of another Debian release come from that suite through a private
# apt state under build/apt/SUITE; their modules are built with that
# release's compiler (scripts/kchroot.sh), so KVER/suite names it.
#
# usage: scripts/fetch-kernel.sh [-k KVER] SERIES
#   SERIES  5.10 (bullseye), 6.1 (bookworm), 6.12 (bookworm, 6.12.x+deb12),
#           7.2 (sid), or 6.12-debug: the sanitizer kernel built by
#           scripts/debug-kernel.sh
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
5.10) pattern='^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$' ;;
6.1)  pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
7.2)  pattern='^linux-image-7\.2\.[0-9]+\+deb14-amd64$' ;;
*)    echo "unknown series '$series' (want 5.10, 6.1, 6.12 or 7.2)" >&2; exit 2 ;;
esac

log() { echo "fetch-kernel: $*" >&2; }

# shellcheck source=scripts/apt-suite.sh
. "$top/scripts/apt-suite.sh"
apt_opts=()
suite=$(series_suite "$series")
[ -z "$suite" ] || apt_suite_opts "$suite"
apt_cache() { apt-cache "${apt_opts[@]}" "$@"; }

newest_kver() {
	apt_cache search --names-only "$pattern" | awk '{print $1}' |
		sed -e 's/^linux-image-//' -e 's/-unsigned$//' | sort -V | tail -n 1
}

# Since 6.16 Debian splits the image: the kernel (linux-binary-*), its
# modules and its base files are packages of their own.
image_pkgs() {
	if apt_cache show "linux-image-$1-unsigned" >/dev/null 2>&1; then
		echo "linux-image-$1-unsigned"
	else
		echo "linux-binary-unsigned-$1 linux-modules-$1 linux-base-$1"
	fi
}

# The headers package names its -common and kbuild companions in Depends.
header_deps() {
	apt_cache show "linux-headers-$1" | sed -n 's/^Depends: //p' | head -n 1 |
		tr ',|' '\n\n' | awk '{print $1}' | grep -E '^linux-(headers|kbuild)-' |
		sort -u
}

# One layout for every release: /boot/vmlinuz-KVER, plain .ko files (the
# guest's busybox modprobe reads no .ko.xz), headers found where unpacked.
normalize_tree() { # ROOT KVER
	local root=$1 kver=$2 hdr=$1/usr/src/linux-headers-$2

	# A merged-/usr package ships usr/lib/modules only.
	[ -e "$root/lib" ] || ln -s usr/lib "$root/lib"
	[ -e "$root/boot/vmlinuz-$kver" ] || {
		mkdir -p "$root/boot"
		ln -s "../lib/modules/$kver/vmlinuz.unsigned" "$root/boot/vmlinuz-$kver"
	}
	find "$root/lib/modules/$kver/" -name '*.ko.xz' -exec xz -d {} +
	# The arch headers include the -common tree by its installed path.
	sed -i -e "s|^include /usr/src/|include $root/usr/src/|" \
		-e "s|^KBUILD_OUTPUT=/usr/src/|KBUILD_OUTPUT=$root/usr/src/|" \
		"$hdr/Makefile"
	depmod -b "$root" "$kver"
}

if [ -z "$kver" ]; then
	kver=$(newest_kver)
	if [ -z "$kver" ]; then
		log "no package matches $pattern; running apt-get update"
		if [ -n "$suite" ]; then apt_suite_update; else flock /var/lock/sm4ktls-apt.lock apt-get update -qq >&2; fi
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
	pkgs="$(image_pkgs "$kver") linux-headers-$kver $(header_deps "$kver")"
	# apt-get download writes into the current directory.
	(cd "$dest/debs" && apt-get "${apt_opts[@]}" download -q $pkgs >&2)
	for deb in "$dest"/debs/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	normalize_tree "$root" "$kver"
	[ -z "$suite" ] || echo "$suite" >"$dest/suite"
	touch "$stamp"
fi
ln -sfn "$kver" "$top/build/kernels/$series"
echo "$kver"
