#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The QEMU harness must fail when it should: a failing command, a kernel
# WARNING in the guest, a module that does not load, a hung guest, and a
# log with any kind of report the sanitizer kernel prints; with
# --sanitizers (on that kernel), a real kmemleak report.
# usage: scripts/test-harness.sh [--sanitizers] SERIES
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
sanitizers=0
[ "${1:-}" = --sanitizers ] && { sanitizers=1; shift; }
series=$1
rc=0

expect() { # WANT(0|1) NAME TIMEOUT COMMAND
	local want=$1 name=$2 t=$3 got=0
	shift 3
	"$top/scripts/vm.sh" -t "$t" -l "$top/build/test-logs/harness-$name.log" \
		"$series" "$@" >/dev/null 2>&1 || got=1
	if [ "$got" = "$want" ]; then echo "PASS: harness $name"; else echo "FAIL: harness $name"; rc=1; fi
}

# The verdict on a console log holding one kernel line, as the guest
# prints it after dmesg: WANT(0|1) NAME LINE. Needs no guest; the path
# from the kernel log to the console is proved by kernel-warning below.
verdict() {
	local want=$1 name=$2 log=$top/build/test-logs/verdict-$2.log got=0
	local line=$3

	# LINE is one kernel line, or lines that carry their own timestamps.
	[ "${line:0:1}" = "[" ] || line="[   12.345678] $line"
	printf 'SM4KTLS-VM: start\nSM4KTLS-VM: dmesg-begin\n%s\nSM4KTLS-VM: dmesg-end\nSM4KTLS-VM: exit=0\n' \
		"$line" >"$log"
	"$top/scripts/vm-verdict.sh" "$log" 0 60 >/dev/null 2>&1 || got=1
	if [ "$got" = "$want" ]; then echo "PASS: verdict $name"; else echo "FAIL: verdict $name"; rc=1; fi
}

if [ $sanitizers = 1 ]; then
	# kmemleak for real: the kernel's sample module leaks on purpose.
	expect 1 kmemleak 300 '"$(cat /proc/sys/kernel/modprobe)" kmemleak-test'
	expect 0 kmemleak-clean 300 'true'
	exit $rc
fi

# The first line of each kind of report the sanitizer kernel prints.
verdict 0 clean 'virtio-pci 0000:00:03.0: enabling device'
verdict 0 kmemleak-init 'kmemleak: Kernel memory leak detector initialized (mem pool available: 64396)'
verdict 1 kasan 'BUG: KASAN: slab-use-after-free in harness_check+0x1/0x2'
verdict 1 kfence 'BUG: KFENCE: out-of-bounds write in harness_check+0x1/0x2'
verdict 1 ubsan 'UBSAN: shift-out-of-bounds in harness.c:1:2'
verdict 1 lockdep 'WARNING: possible circular locking dependency detected'
verdict 1 lockdep-state 'WARNING: inconsistent lock state'
verdict 1 atomic-sleep 'BUG: sleeping function called from invalid context at harness.c:1'
verdict 1 sched-atomic 'BUG: scheduling while atomic: harness/1/0x00000002'
verdict 1 odebug 'ODEBUG: free active (active state 0) object: 00000000 object type: work_struct hint: harness'
verdict 1 list-corruption 'list_add corruption. prev->next should be next (ffff), but was 0000. (prev=ffff).'
verdict 1 hung-task 'INFO: task harness:1 blocked for more than 120 seconds.'
# A report before the guest's kernel-start marker is the boot's: noted,
# not counted; the same report after the marker fails.
verdict 0 boot-report-before-start '[    0.004965] BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x10d/0x240
[    9.000000] SM4KTLS-VM: kernel-start'
verdict 1 report-after-start '[    9.000000] SM4KTLS-VM: kernel-start
[   13.000000] BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x10d/0x240'

expect 0 clean-run 120 'true'
expect 1 command-fails 120 'exit 3'
expect 1 kernel-warning 120 'echo "<4>WARNING: CPU: 0 PID: 1 at harness-check" >/dev/kmsg'
expect 1 module-not-loaded 120 'insmod /nonexistent/sm4ktls.ko'
expect 1 hung-guest 30 'sleep 600'
exit $rc
