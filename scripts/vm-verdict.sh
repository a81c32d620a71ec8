#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge a guest console log written by scripts/vm.sh.
# usage: scripts/vm-verdict.sh LOG QEMU_STATUS TIMEOUT
# Exit 0 only if the guest finished, its command exited 0 and the kernel
# logged no splat.
set -u
log=$1
qrc=$2
timeout=$3

# Kernel lines carry a printk timestamp; only those are searched, so test
# output that mentions these words is not mistaken for a splat. Besides
# the stock kernels' BUG/WARNING/Oops family, the sanitizer kernel's
# reports: KASAN, KFENCE, UBSAN, lockdep, DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS
# (ODEBUG), kmemleak (its scan at the end of the run, see
# vm-guest-init.sh, is printed with an SM4KTLS-VM: kmemleak: prefix; what
# boot itself leaked is set aside there, before the command runs).
splat='BUG:|WARNING:|Oops|general protection|refcount_t|underflow|KASAN|KFENCE|UBSAN|ODEBUG|unreferenced object|Kernel panic|Call Trace|kernel BUG|soft lockup|hung_task|blocked for more than|list_(add|del) corruption|sleeping function called|scheduling while atomic|possible (circular|recursive) locking|inconsistent lock state|lock inversion|held when returning|sm4ktls: .*leak'
# A report the kernel logged before the guest's start marker came from the
# boot itself, before any module of ours was loaded: printed, not counted
# (seen: a KASAN wild-memory-access in do_raw_spin_lock from an interrupt
# QEMU's TCG delivered during identify_cpu, PID 0, untainted, once in
# dozens of boots of the sanitizer kernel). Without the marker (the guest
# died in boot) everything counts.
t0=$(sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\] SM4KTLS-VM: kernel-start.*/\1/p' "$log" | head -n 1)
kernel_lines() { # before|after
	grep -aE '^\[ *[0-9]+\.[0-9]+\]' "$log" | grep -E "$splat" |
		awk -v t0="${t0:-0}" -v want="$1" '{
			t = substr($0, 2, index($0, "]") - 2) + 0
			if ((want == "before") == (t < t0)) print }' | sort -u
}
boot=$(kernel_lines before)
if [ -n "$boot" ]; then
	echo "vm: note: kernel report(s) during boot, before any module of ours (not counted):" >&2
	echo "$boot" | head -n 10 >&2
fi
splats=$( (kernel_lines after
	grep -a '^SM4KTLS-VM: kmemleak: unreferenced' "$log") )

fail=0
if [ -n "$splats" ]; then
	echo "vm: FAIL: kernel splat in guest log:" >&2
	echo "$splats" | head -n 40 >&2
	fail=1
fi
exitline=$(grep -a '^SM4KTLS-VM: exit=' "$log" | tail -n 1)
if [ -z "$exitline" ]; then
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		echo "vm: FAIL: guest killed after ${timeout}s timeout (hung?)" >&2
	else
		echo "vm: FAIL: guest did not finish (qemu status $qrc)" >&2
	fi
	exit 1
fi
rc=${exitline#SM4KTLS-VM: exit=}
if [ "$rc" != 0 ]; then
	echo "vm: FAIL: guest command exited $rc" >&2
	fail=1
fi
exit $fail
