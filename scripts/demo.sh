#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job in one command: fetch Debian's 6.1 kernel, build sm4ktls
# for it, boot it under QEMU, load the modules and show an SM4-GCM kTLS
# socket they serve, and what tools/sm4ktls-status says about it.
# usage: scripts/demo.sh [SERIES]     (default 6.1)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
series=${1:-6.1}
scripts/install-deps.sh
make --no-print-directory modules SERIES="$series"
make --no-print-directory -C tools
# kat_million=0: the SIMD paths' 1,000,000-iteration KATs would add ~17 s
# of emulated SIMD to the load (Documentation/crypto.md).
scripts/vm.sh -t 300 "$series" '
	insmod build/obj/$(uname -r)/sm4ktls_crypto.ko kat_million=0 &&
	insmod build/obj/$(uname -r)/sm4ktls.ko &&
	grep "sm4ktls" /proc/modules &&
	build/tools/ktls-demo tls tools/sm4ktls-status &&
	echo "\$ grep -A1 \"name *: gcm(sm4)\" /proc/crypto" &&
	grep -A1 "^name *: gcm(sm4)" /proc/crypto &&
	rmmod sm4ktls && rmmod sm4ktls_crypto' | sed -e '/dmesg-begin/,/dmesg-end/d' -e '/^\[ *[0-9]/d'
