#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The packages installed the way an operator installs them. For each
# kernel series, a fresh debootstrap'd system of the kernel's Debian
# release (bookworm for 6.1 and 6.12, bullseye for 5.10, sid for 7.2)
# gets the kernel's image and headers packages (as fetch-kernel.sh
# downloaded them) and then sm4ktls-dkms and sm4ktls-tools with apt: the package's postinst
# builds and installs the modules through that release's DKMS. A guest of
# the kernel loads the installed modules with the installed modprobe
# configuration and sm4ktls-status (selftests/run-dkms.sh). apt purge must
# leave no module, DKMS state, source or configuration behind. TAP lines,
# then "N passed, N failed". Needs deb.debian.org (debootstrap, apt).
#
# usage: scripts/deb-test.sh [SERIES...]     (default 6.12)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
series=${*:-6.12}
n=0
rc=0
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"
pkg_test_start deb-make.log debootstrap
debs=$top/build/deb

in_root() { # CMD...: in the installed system, as apt runs there
	scripts/kchroot.sh -r "$root" -- env DEBIAN_FRONTEND=noninteractive \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

apt_install() { # LOG PACKAGE|DEB...
	local log=$1
	shift
	in_root apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1
}

# A system from before goes, and whatever a failed debootstrap left
# mounted in it first.
gone() { # ROOT
	local m

	for m in dev/pts dev sys proc; do
		! mountpoint -q "$1/$m" || umount -l "$1/$m"
	done
	rm -rf "$1"
}

# What the package left: modules, DKMS state, sources, configuration.
leftovers() { # KVER
	ls -d "$root/lib/modules/$1/updates/dkms"/sm4ktls* \
		"$root/var/lib/dkms/sm4ktls" "$root/usr/src/sm4ktls-$ver" \
		"$root/etc/modprobe.d/sm4ktls-dkms.conf" \
		"$root/usr/sbin/sm4ktls-status" 2>/dev/null | sed "s|^$root||"
}

for s in $series; do
	make --no-print-directory kernels SERIES="$s" >/dev/null 2>&1
	k=$(readlink "build/kernels/$s")
	suite=$(cat "build/kernels/$k/suite" 2>/dev/null || echo bookworm)
	root=$top/build/deb-test/$s
	log=$logs/deb-install-$s.log
	: >"$log"
	gone "$root"
	mkdir -p "$root"
	start=$(date +%s)
	debootstrap --variant=minbase "$suite" "$root" http://deb.debian.org/debian \
		>>"$log" 2>&1
	res $? "$suite installed fresh ($(($(date +%s) - start)) s)"
	start=$(date +%s)
	apt_install "$log" "$top/build/kernels/$k/debs"/*.deb
	res $? "apt install the kernel $k and its headers ($(($(date +%s) - start)) s)"
	start=$(date +%s)
	apt_install "$log" "$debs/sm4ktls-dkms_${ver}_all.deb" \
		"$debs/sm4ktls-tools_${ver}_all.deb"
	res $? "apt install sm4ktls-dkms sm4ktls-tools: postinst built for $k ($(($(date +%s) - start)) s)"
	in_root dkms status >"$log.status" 2>&1
	sed 's/^/# /' "$log.status"
	# DKMS 3 says "sm4ktls/VER, KVER, ...", bullseye's 2.8 "sm4ktls, VER, ...".
	grep -Fxq -e "sm4ktls/$ver, $k, x86_64: installed" \
		-e "sm4ktls, $ver, $k, x86_64: installed" "$log.status"
	res $? "dkms status: sm4ktls/$ver installed for $k"
	mods=$root/lib/modules/$k/updates/dkms
	# Compressed (.ko.xz) where the kernel's configuration says so.
	got=$(ls "$mods" 2>/dev/null | sed 's/\.ko.*//' | tr '\n' ' ')
	[ "$got" = "$(wanted_modules "$root/usr/src/linux-headers-$k" "")" ]
	res $? "installed in /lib/modules/$k/updates/dkms: $(ls "$mods" 2>/dev/null | tr '\n' ' ')"
	glog=$logs/deb-guest-$s.log
	scripts/vm.sh -t 900 -l "$glog" "$s" selftests/run-dkms.sh "$mods" \
		"$root/etc/modprobe.d/sm4ktls-dkms.conf" "$ver" \
		"$root/usr/sbin/sm4ktls-status" >/dev/null 2>"$glog.verdict"
	res $? "guest $s with the installed modules: finished, no splat, runner exit 0"
	cat "$glog.verdict"
	count "$glog"
	in_root apt-get purge -y -q sm4ktls-dkms sm4ktls-tools >>"$log" 2>&1
	res $? "apt purge sm4ktls-dkms sm4ktls-tools"
	left=$(leftovers "$k" | tr '\n' ' ')
	[ -z "$left" ]
	res $? "nothing of the packages left ($left)"
	gone "$root"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
