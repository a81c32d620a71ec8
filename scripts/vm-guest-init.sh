#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs as PID 1 in the guest, chrooted into the host root (read-only 9p).
# Makes the few writable places tests need, points module autoloading at
# the guest kernel's modules, runs the command from /vm.conf, dumps dmesg
# and powers off. The host (scripts/vm.sh) reads the markers below.
# VM_TOP and VM_CMD come from /vm.conf in the initramfs, through the environment.

mount -t devpts devpts /dev/pts 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
# The project may live under one of the directories tmpfs is about to hide
# (a CI clone in /tmp): keep a handle on it and bind it back.
mkdir -p /dev/.sm4ktls-top && mount --bind "$VM_TOP" /dev/.sm4ktls-top
for d in /tmp /run /root /var/tmp; do mount -t tmpfs tmpfs "$d"; done
if [ ! -e "$VM_TOP/scripts/vm-guest-init.sh" ]; then
	mkdir -p "$VM_TOP" && mount --bind /dev/.sm4ktls-top "$VM_TOP"
fi
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export TMPDIR=/tmp SM4KTLS_KVER=$(uname -r)

# The host has no /lib/modules; request_module() runs our wrapper instead.
echo "$VM_TOP/scripts/vm-modprobe" >/proc/sys/kernel/modprobe
ip link set lo up
echo 1 >/proc/sys/kernel/panic_on_oops
# The first TCP and UDP use of each family patches kernel text once
# (net_get_random_once()'s static keys: the hash secrets). Under QEMU's
# multi-threaded TCG that patching can die of an int3 Oops (testing.md,
# "Boots that TCG kills"); here, before the start marker, such a death is
# a boot vm.sh retries, not a test's crash.
python3 - <<'PY' 2>/dev/null
import socket
for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    try:
        lsn = socket.socket(fam)
        lsn.bind((host, 0))
        lsn.listen()
        cli = socket.create_connection(lsn.getsockname()[:2])
        srv = lsn.accept()[0]
        cli.sendall(b"x")
        srv.recv(1)
        socket.socket(fam, socket.SOCK_DGRAM).sendto(b"x", (host, 9))
    except OSError:
        pass
PY

# kmemleak (the sanitizer kernel): forget what boot left, so what the run
# leaks is what is reported; scanned again after the command.
leaks=/sys/kernel/debug/kmemleak
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if [ -e $leaks ]; then
	echo scan >$leaks
	echo "SM4KTLS-VM: kmemleak armed ($(grep -c '^unreferenced' $leaks) suspects from boot set aside)"
	echo clear >$leaks
fi

# The same marker in the kernel log: what the kernel reported before it
# is the boot's, before any module of ours (vm-verdict.sh).
echo "<5>SM4KTLS-VM: kernel-start" >/dev/kmsg
echo "SM4KTLS-VM: start $(uname -r)"
cd "$VM_TOP" || exit 1
bash -c "$VM_CMD"
rc=$?
if [ -e $leaks ]; then
	# An object is reported once it is unreferenced in a scan and older
	# than 5 s: scan, let the run's last frees (RCU, work) settle, scan.
	echo scan >$leaks
	sleep 6
	echo scan >$leaks
	sed 's/^/SM4KTLS-VM: kmemleak: /' $leaks
	echo "SM4KTLS-VM: kmemleak scanned"
fi
echo "SM4KTLS-VM: dmesg-begin"
dmesg --color=never
echo "SM4KTLS-VM: dmesg-end"
echo "SM4KTLS-VM: exit=$rc"
sync
echo o >/proc/sysrq-trigger
# Wait for the power-off with bash builtins only: an external sleep would be
# read from the 9p root that power-off is tearing down, fail, and let init
# exit (a panic the verdict would rightly count).
while :; do :; done
