#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build Tongsuo (the SM2/SM3/SM4 OpenSSL fork) from the offline tarball in
# ../shared/third_party/, with the project's patches from
# tools/tongsuo/VERSION/ applied in order (--unpatched: none), static
# libraries and apps, enable-ktls enable-ntls.
#
# The build lives in a cache outside the checkout, keyed by the tarball,
# the patches and the recipe below, so a clean clone on the same machine
# reuses it; the installed tree is copied to build/tongsuo/NAME (NAME is
# VERSION or VERSION-unpatched), where guests see it through the 9p share.
#
# usage: scripts/tongsuo.sh [--unpatched] VERSION   (prints the install dir)
# SM4KTLS_CACHE  cache root (default /var/cache/sm4ktls)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/build-cache.sh
. "$top/scripts/build-cache.sh"
cache=${SM4KTLS_CACHE:-/var/cache/sm4ktls}/tongsuo
patched=1
if [ "${1:-}" = --unpatched ]; then
	patched=0
	shift
fi
ver=${1:?usage: $0 [--unpatched] VERSION}
tarball=$top/../shared/third_party/tongsuo-$ver.tar.xz
patches=()
if [ $patched = 1 ] && [ -d "$top/tools/tongsuo/$ver" ]; then
	mapfile -t patches < <(find "$top/tools/tongsuo/$ver" -name '*.patch' | sort)
fi
name=$ver$([ $patched = 1 ] || echo -unpatched)
out=$top/build/tongsuo/$name

log() { echo "tongsuo: $*" >&2; }

[ -r "$tarball" ] || { log "no $tarball"; exit 1; }
"$top/scripts/install-deps.sh" gcc make perl patch xz-utils >&2

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# Bump when the steps below change what they produce.
recipe=1
key=$( (echo "recipe $recipe"; sha256sum "$tarball" | cut -d' ' -f1;
	[ ${#patches[@]} = 0 ] || cat "${patches[@]}") | sha256sum | cut -c1-16)
dest=$cache/$name-$key
if [ ! -e "$dest/.complete" ]; then
	log "building $name (key $key, ${#patches[@]} patches); ~15 min on 2 cores"
	rm -rf "$dest"
	mkdir -p "$dest/src"
	tar -xJf "$tarball" -C "$dest/src" --strip-components=1
	for p in "${patches[@]}"; do
		log "applying ${p##*/}"
		patch -d "$dest/src" -p1 --quiet <"$p" >&2
	done
	(
		cd "$dest/src"
		./config --prefix="$dest/install" --libdir=lib enable-ktls \
			enable-ntls no-shared no-tests >&2
		# Two calls: one make of both races on apps/lib (8.5.0-pre2).
		make -j"$(nproc)" build_libs >&2
		make -j"$(nproc)" build_programs >&2
		make install_sw >&2
	)
	rm -rf "$dest/src"
	touch "$dest/.complete"
	cache_prune "$cache" "$name" "$dest"
fi
cache_publish "$dest" "$out" "$key" || exit 1
echo "$out"
