#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The QEMU harness must fail when it should: a failing command, a kernel
# WARNING in the guest, a module that does not load, a hung guest.
# usage: scripts/test-harness.sh SERIES
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
series=$1
rc=0

expect() { # WANT(0|1) NAME TIMEOUT COMMAND
	local want=$1 name=$2 t=$3 got=0
	shift 3
	"$top/scripts/vm.sh" -t "$t" -l "$top/build/test-logs/harness-$name.log" \
		"$series" "$@" >/dev/null 2>&1 || got=1
	if [ "$got" = "$want" ]; then echo "PASS: harness $name"; else echo "FAIL: harness $name"; rc=1; fi
}

expect 0 clean-run 120 'true'
expect 1 command-fails 120 'exit 3'
expect 1 kernel-warning 120 'echo "<4>WARNING: CPU: 0 PID: 1 at harness-check" >/dev/kmsg'
expect 1 module-not-loaded 120 'insmod /nonexistent/sm4ktls.ko'
expect 1 hung-guest 30 'sleep 600'
exit $rc
