#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build for a kernel of another Debian release with that release's own
# toolchain. fetch-kernel.sh leaves build/kernels/KVER/suite for such a
# kernel; this script keeps a debootstrap'd chroot of the suite under
# build/chroots/SUITE holding the compiler and libraries the kernel's
# headers and kbuild packages depend on (gcc-10 for bullseye's 5.10,
# gcc-16 for sid's 7.2), and runs CMD inside it with the checkout
# bind-mounted at its own path, in a mount namespace of its own (nothing
# stays mounted after CMD).
#
# usage: scripts/kchroot.sh [-p PKG]... KVER [-- CMD ...]
#        scripts/kchroot.sh -r ROOT -- CMD ...
#   -p PKG   also install PKG in the chroot (dkms for scripts/dkms-test.sh)
#   -r ROOT  run CMD the same way in the system at ROOT, as it is
#            (scripts/deb-test.sh)
#   Without CMD, only prepares the chroot and prints its path.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
extra= chroot=
while getopts p:r: opt; do
	case $opt in
	p) extra="$extra $OPTARG" ;;
	r) chroot=$(cd "$OPTARG" && pwd) ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))

log() { echo "kchroot: $*" >&2; }

# What the headers and kbuild packages need to run, less the kernel's own
# packages (already unpacked under build/kernels): the compiler first.
needed_pkgs() {
	local deb

	for deb in "$kdir"/debs/linux-headers-"$kver"_*.deb "$kdir"/debs/linux-kbuild-*.deb; do
		dpkg-deb -f "$deb" Depends
	done | tr ',|' '\n\n' | awk '{print $1}' |
		grep -Ev '^(linux-(headers|kbuild|base)-|$)' | sed 's/:any$//' | sort -u
	echo make libc6-dev $extra
}

prepare() {
	local pkgs have=

	pkgs=$(needed_pkgs | tr ' ' '\n' | sort -u | tr '\n' ' ')
	[ -e "$chroot/.sm4ktls-pkgs" ] && have=$(cat "$chroot/.sm4ktls-pkgs")
	# A chroot holding more (dkms) serves a build that needs less.
	[ -n "$(comm -23 <(echo "$pkgs" | tr ' ' '\n' | sort) \
		<(echo "$have" | tr ' ' '\n' | sort) | grep .)" ] || return 0
	"$top/scripts/install-deps.sh" debootstrap
	exec 8>"$top/build/chroots/.$suite.lock"
	flock 8
	if [ ! -e "$chroot/.sm4ktls-base" ]; then
		log "debootstrap $suite into $chroot"
		rm -rf "$chroot"
		debootstrap --variant=minbase --include="${pkgs// /,}" "$suite" \
			"$chroot" http://deb.debian.org/debian >"$chroot.log" 2>&1 ||
			{ tail -n 20 "$chroot.log" >&2; exit 1; }
		touch "$chroot/.sm4ktls-base"
	else
		log "adding $pkgs to $chroot"
		DEBIAN_FRONTEND=noninteractive chroot "$chroot" \
			apt-get install -y -q --no-install-recommends $pkgs >&2
	fi
	echo "$have $pkgs" | tr ' ' '\n' | grep . | sort -u | tr '\n' ' ' \
		>"$chroot/.sm4ktls-pkgs"
}

if [ -z "$chroot" ]; then
	kver=${1:?usage: $0 [-p PKG]... KVER [-- CMD ...]}
	shift
	kdir=$top/build/kernels/$kver
	suite=$(cat "$kdir/suite" 2>/dev/null) ||
		{ echo "kchroot: $kver is not a fetched kernel of another release" >&2; exit 2; }
	chroot=$top/build/chroots/$suite
	mkdir -p "$top/build/chroots"
	prepare
fi
[ "${1:-}" != -- ] || shift
if [ $# -eq 0 ]; then
	echo "$chroot"
	exit 0
fi
# The checkout appears at the same path inside, so KDIR, M= and the
# headers' include lines keep working unchanged.
mkdir -p "$chroot$top"
exec unshare -m sh -ec '
	mount --bind "$1" "$2$1"
	mount -t proc proc "$2/proc"
	root=$2 dir=$3
	shift 3
	exec chroot "$root" sh -c "cd \"\$0\" && exec \"\$@\"" "$dir" "$@"' \
	sh "$top" "$chroot" "$PWD" "$@"
