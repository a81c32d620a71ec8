#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build nginx from Debian 12's source package against the patched Tongsuo
# 8.5.0-pre2 (scripts/tongsuo.sh), for selftests/nginx-ktls.sh: static
# Tongsuo, the SSL module, nothing that needs other libraries.
#
# The source comes from Debian's archive (apt-get source, with a private
# deb-src list: the machine's own apt configuration is left alone) and is
# unpacked with Debian's patches. The build lives in a cache keyed by the
# Tongsuo build and the recipe below; the installed tree is copied to
# build/nginx, where guests see it.
#
# usage: scripts/nginx.sh        (prints the install dir)
# SM4KTLS_CACHE  cache root (default /var/cache/sm4ktls)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/build-cache.sh
. "$top/scripts/build-cache.sh"
cache=${SM4KTLS_CACHE:-/var/cache/sm4ktls}/nginx
out=$top/build/nginx

log() { echo "nginx: $*" >&2; }

ts=$("$top/scripts/tongsuo.sh" 8.5.0-pre2)
"$top/scripts/install-deps.sh" dpkg-dev gcc make >&2

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# Bump when the steps below change what they produce.
recipe=1
key=$( (echo "recipe $recipe"; ls -a "$ts" | grep '^\.key-') | sha256sum |
	cut -c1-16)
dest=$cache/nginx-$key
if [ ! -e "$dest/.complete" ]; then
	log "building (key $key)"
	rm -rf "$dest"
	mkdir -p "$dest/apt/sources" "$dest/apt/lists/partial" "$dest/src"
	cat >"$dest/apt/sources/debian-src.sources" <<-SRC
	Types: deb-src
	URIs: http://deb.debian.org/debian
	Suites: bookworm
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	SRC
	apt=(-o Dir::Etc::sourcelist=/dev/null
	     -o Dir::Etc::sourceparts="$dest/apt/sources"
	     -o Dir::State::Lists="$dest/apt/lists")
	apt-get "${apt[@]}" update >&2
	(
		cd "$dest/src"
		apt-get "${apt[@]}" source --download-only nginx >&2
		dpkg-source -x nginx_*.dsc nginx >&2
		cd nginx
		./configure --prefix="$dest/install" --with-http_ssl_module \
			--without-http_rewrite_module --without-http_gzip_module \
			--without-pcre --with-cc-opt="-I$ts/include" \
			--with-ld-opt="-L$ts/lib -ldl -lpthread" >&2
		make -j"$(nproc)" >&2
		make install >&2
		dpkg-parsechangelog -S Version >"$dest/install/DEBIAN-VERSION"
	)
	rm -rf "$dest/src" "$dest/apt"
	touch "$dest/.complete"
	cache_prune "$cache" nginx "$dest"
fi
cache_publish "$dest" "$out" "$key" || exit 1
echo "$out"
