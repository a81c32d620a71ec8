#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the sanitizer kernel for the QEMU harness from Debian's
# linux-source-6.12: allnoconfig + the kernel's kvm_guest.config +
# scripts/debug-kernel/sanitizers.config (KASAN, KFENCE, lockdep,
# DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS, kmemleak, UBSAN, fault injection).
#
# The result lives in a cache outside the checkout, keyed by the source
# package version, the config fragment and this script, so a clean clone
# on the same machine reuses it and any change rebuilds it. It is laid out
# like a fetched Debian kernel (root/boot, root/lib/modules,
# root/usr/src/linux-headers-KVER) and linked as build/kernels/6.12-debug,
# so vm.sh, the module build and the suites treat it as one more series.
#
# usage: scripts/debug-kernel.sh            (prints the kernel release)
# SM4KTLS_CACHE  cache root (default /var/cache/sm4ktls)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SM4KTLS_CACHE:-/var/cache/sm4ktls}/debug-kernel
frag=$top/scripts/debug-kernel/sanitizers.config
jobs=$(nproc)

log() { echo "debug-kernel: $*" >&2; }

"$top/scripts/install-deps.sh" linux-source-6.12 bc flex bison libelf-dev \
	libssl-dev gcc-12 make kmod cpio xz-utils dwarves >&2

# One build at a time per machine: a second caller waits for the first
# and then finds its result (builds share the unpacked source tree).
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# Bump when the build steps below change what they produce; the key
# covers that, the source package and the fragment, nothing else (editing
# a comment here rebuilds nothing).
recipe=1
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$( (echo "$srcver recipe $recipe"; cat "$frag") | sha256sum | cut -c1-16)
dest=$cache/$key
if [ ! -e "$dest/.complete" ]; then
	log "building (linux-source-6.12 $srcver, key $key); ~25 min on 2 cores"
	rm -rf "$dest"
	mkdir -p "$dest/obj" "$dest/root/boot"
	src=$cache/src-$srcver
	if [ ! -e "$src/.complete" ]; then
		rm -rf "$src"
		mkdir -p "$src"
		tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$src" \
			--strip-components=1
		touch "$src/.complete"
	fi
	k=(make -C "$src" O="$dest/obj" -j"$jobs")
	"${k[@]}" allnoconfig >&2
	"$src/scripts/kconfig/merge_config.sh" -m -O "$dest/obj" \
		"$dest/obj/.config" "$src/kernel/configs/kvm_guest.config" \
		"$frag" >&2
	"${k[@]}" olddefconfig >&2
	# merge_config warns; a sanitizer silently dropped is an error here.
	for opt in $(grep -oE '^CONFIG_[A-Z0-9_]+=[ym]' "$frag"); do
		grep -qE "^${opt%=*}=[ym]" "$dest/obj/.config" ||
			{ log "config lost $opt"; exit 1; }
	done
	"${k[@]}" bzImage modules >&2
	"${k[@]}" INSTALL_MOD_PATH="$dest/root" modules_install >&2
	kver=$("${k[@]}" -s kernelrelease)
	cp "$dest/obj/arch/x86/boot/bzImage" "$dest/root/boot/vmlinuz-$kver"
	mkdir -p "$dest/root/usr/src"
	ln -sfn "$dest/obj" "$dest/root/usr/src/linux-headers-$kver"
	# The tree under lib/modules points back at the sources: not needed.
	rm -f "$dest/root/lib/modules/$kver/build"
	echo "$kver" >"$dest/kver"
	touch "$dest/.complete"
	# Older builds of other keys are dead weight.
	find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" \
		! -name "src-$srcver" -exec rm -rf {} +
fi
kver=$(cat "$dest/kver")
# Boot parameters the harness adds (scripts/vm.sh): not part of the build.
cp "$top/scripts/debug-kernel/cmdline" "$dest/root/boot/sm4ktls-cmdline"
mkdir -p "$top/build/kernels"
ln -sfn "$dest" "$top/build/kernels/$kver"
ln -sfn "$kver" "$top/build/kernels/6.12-debug"
echo "$kver"
