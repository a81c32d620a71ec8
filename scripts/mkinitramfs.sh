#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the small initramfs that boots a Debian kernel far enough to mount
# the host's root read-only over virtio-9p: busybox-static plus the virtio
# and 9p modules of that kernel (decompressed), and scripts/vm-initramfs-init.
#
# usage: scripts/mkinitramfs.sh KROOT KVER OUT.cpio.gz
set -euo pipefail

kroot=$1
kver=$2
out=$3
top=$(cd "$(dirname "$0")/.." && pwd)
bb=/bin/busybox
[ -x "$bb" ] && "$bb" --list >/dev/null 2>&1 || { echo "need busybox-static (apt-get install busybox-static)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules}
cp "$bb" "$stage/bin/busybox"
# "busybox" itself is in --list: linking it would clobber the binary.
for applet in $("$bb" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done

# Module load order as modprobe resolves it; some are built in on one kernel.
n=0
for mod in virtio_pci 9pnet_virtio 9p; do
	modprobe -d "$kroot" -S "$kver" --show-depends "$mod" 2>/dev/null |
		awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' | while read -r path; do
	n=$((n + 1))
	dst=$stage/modules/$(printf '%02d' $n)-$(basename "${path%.xz}")
	case $path in
	*.xz) xz -dc "$path" >"$dst" ;;
	*) cp "$path" "$dst" ;;
	esac
done

cp "$top/scripts/vm-initramfs-init" "$stage/init"
chmod +x "$stage/init"
(cd "$stage" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
