#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a fetched Debian kernel under QEMU with the host root shared
# read-only over virtio-9p, run COMMAND in it (from the project directory,
# as root), stream the console, and judge the run:
#   - exit status of COMMAND inside the guest,
#   - the guest must reach the end (a hung guest is killed by the timeout),
#   - no kernel splat (BUG/WARNING/Oops/...) in the guest's dmesg.
#
# usage: scripts/vm.sh [-t SECONDS] [-l LOG] [-m MiB] [--kvm | --icount SHIFT]
#                      SERIES COMMAND...
# SERIES is 6.1 or 6.12 (or a kernel release under build/kernels/).
# --icount SHIFT: the guest's clock counts instructions, 2^SHIFT ns each
# (QEMU -icount, one TCG thread; benchmarks, see scripts/ktls-bench.sh).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
timeout=900
log=
mem=2048
accel=tcg
icount=()
while [ $# -gt 0 ]; do
	case $1 in
	-t) timeout=$2; shift 2 ;;
	-l) log=$2; shift 2 ;;
	-m) mem=$2; shift 2 ;;
	--kvm) accel=kvm; shift ;;
	# sleep=off: idle time jumps to the next timer instead of passing in
	# real time; align=off: the guest never waits for the host's clock.
	--icount) icount=(-icount "shift=$2,sleep=off,align=off"); shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || { echo "usage: $0 [-t SECONDS] [-l LOG] [-m MiB] [--kvm | --icount SHIFT] SERIES COMMAND..." >&2; exit 2; }
series=$1
shift
cmd="$*"

kver=$(readlink "$top/build/kernels/$series" 2>/dev/null || echo "$series")
kroot=$top/build/kernels/$kver/root
vmlinuz=$kroot/boot/vmlinuz-$kver
[ -e "$vmlinuz" ] || { echo "vm: no kernel $series; run scripts/fetch-kernel.sh $series" >&2; exit 2; }

# Parameters a kernel build asks for (the sanitizer kernel's, see
# scripts/debug-kernel.sh).
extra=$(cat "$kroot/boot/sm4ktls-cmdline" 2>/dev/null)

work=$top/build/vm/$kver
mkdir -p "$work"
base=$work/base.cpio.gz
if [ ! -s "$base" ] || [ "$top/scripts/vm-initramfs-init" -nt "$base" ]; then
	"$top/scripts/mkinitramfs.sh" "$kroot" "$kver" "$base" || exit 2
fi

# A second cpio appended to the first adds /vm.conf for this run only.
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
printf 'VM_TOP=%q\nVM_CMD=%q\n' "$top" "$cmd" >"$run/vm.conf"
(cd "$run" && echo vm.conf | cpio -o -H newc --quiet | gzip -1 >"$run/conf.cpio.gz")
cat "$base" "$run/conf.cpio.gz" >"$run/initrd"
[ -n "$log" ] || log=$work/console.log

qemu() { # ACCEL: icount needs TCG's single thread for all vCPUs
	timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
		-accel "$1${icount[*]:+,thread=single}" "${icount[@]}" \
		-cpu max -m "$mem" -smp 2 \
		-display none -monitor none -serial stdio -no-reboot \
		-kernel "$vmlinuz" -initrd "$run/initrd" \
		-append "console=ttyS0 loglevel=5 panic=-1 oops=panic $extra" \
		-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=root,mount_tag=hostroot \
		-nic none </dev/null
}

# KVM is opt-in: nested virtualization hangs on some hosts, so a KVM boot
# that does not start the command falls back to TCG.
if [ "$accel" = kvm ]; then
	qemu kvm 2>&1 | tr -d '\r' | tee "$log"
	qrc=${PIPESTATUS[0]}
	grep -q '^SM4KTLS-VM: start' "$log" || { echo "vm: KVM boot failed, retrying with TCG" >&2; accel=tcg; }
fi
# QEMU's TCG can kill a boot before the command starts (seen: an int3
# Oops in sched_clock_cpu while two vCPUs patch kernel text, then a
# panic): that is no result of the test. Such a boot (10 s) is retried,
# at most four times (sid's 7.2 dies so in about one boot of three), and
# said so on stderr; a guest that reached the start marker, or hung (the
# timeout), never is.
boots=0
while [ "$accel" = tcg ]; do
	boots=$((boots + 1))
	qemu tcg 2>&1 | tr -d '\r' | tee "$log"
	qrc=${PIPESTATUS[0]}
	grep -q '^SM4KTLS-VM: start' "$log" && break
	[ "$qrc" != 124 ] && [ "$qrc" != 137 ] && [ $boots -lt 5 ] || break
	mv "$log" "$log.boot$boots"
	echo "vm: boot retry: the guest died before the start marker (log: $log.boot$boots)" >&2
done

exec "$top/scripts/vm-verdict.sh" "$log" "$qrc" "$timeout"
