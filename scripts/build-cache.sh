# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the scripts that build third-party code into a cache outside
# the checkout (tongsuo.sh, nginx.sh); sourced. A build lives in
# CACHE/NAME-KEY (KEY: 16 hex digits over its inputs), its files under
# install/, and is copied to build/ where guests see it.

# Remove the builds of NAME in CACHE other than DEST.
cache_prune() { # CACHE NAME DEST
	local old

	for old in "$1/$2"-*; do
		[[ ${old##*/} =~ ^$2-[0-9a-f]{16}$ ]] && [ "$old" != "$3" ] &&
			rm -rf "$old"
	done
	return 0
}

# Copy DEST's install tree to OUT unless OUT already holds build KEY.
cache_publish() { # DEST OUT KEY
	[ -e "$2/.key-$3" ] && return 0
	rm -rf "$2" && mkdir -p "$2" && cp -a "$1/install/." "$2/" &&
		touch "$2/.key-$3"
}
