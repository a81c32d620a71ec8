#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing need on a Debian 12 machine (root).
# Kernels themselves are fetched into the build tree by fetch-kernel.sh.
# With arguments, only those packages (what one script needs).
#
# usage: scripts/install-deps.sh [PACKAGE...]
set -euo pipefail

pkgs=(
	gcc-12 make libc6-dev dwarves xz-utils	# out-of-tree module build (+BTF)
	qemu-system-x86 busybox-static cpio kmod	# guests and their initramfs
	iproute2 util-linux ethtool		# ip, tc, dmesg, ethtool -k/-S inside the guest
	python3					# AF_ALG warm-up in run-upstream-tls.sh
	libgcrypt20-dev				# independent SM4 for native tests
	libssl-dev openssl			# TLS records, kTLS interop, sm4bench
)
[ $# -eq 0 ] || pkgs=("$@")
# make check's lanes run side by side and each installs what it needs:
# one apt at a time on the machine, the second finding the first's work.
# (fetch-kernel.sh's apt-get update takes the same lock.)
exec 8>/var/lock/sm4ktls-apt.lock
flock 8
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
