#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job in one command: fetch Debian's 6.1 kernel, build sm4ktls
# for it, boot it under QEMU, load the module and show a socket it serves.
# usage: scripts/demo.sh [SERIES]     (default 6.1)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
series=${1:-6.1}
scripts/install-deps.sh
make --no-print-directory modules SERIES="$series"
make --no-print-directory -C tools
scripts/vm.sh -t 300 "$series" '
	insmod build/obj/$(uname -r)/sm4ktls.ko &&
	grep "sm4ktls" /proc/modules &&
	build/tools/ktls-demo &&
	rmmod sm4ktls' | sed -e '/dmesg-begin/,/dmesg-end/d' -e '/^\[ *[0-9]/d'
