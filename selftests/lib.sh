# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shell helpers of the guest-side test scripts; sourced, after the script
# set `top` (the checkout). A script that prints its own plan numbers its
# TAP lines: it sets n=0 before sourcing this; the others print "ok - ..."
# lines that join a list made elsewhere. Every failure sets rc=1.

# shellcheck disable=SC2034
rc=${rc:-0}

tap() { # STATUS DESCRIPTION
	local id=-

	if [ -n "${n+set}" ]; then
		n=$((n + 1))
		id=$n
	fi
	if [ "$1" = 0 ]; then echo "ok $id $2"; else echo "not ok $id $2"; rc=1; fi
}

loaded() { grep -q "^$1 " /proc/modules; }

refcnt() { cat "/sys/module/$1/refcnt" 2>/dev/null || echo -1; }

# Wait for a module's sockets to be gone (closing is asynchronous).
wait_unused() { # MODULE
	local i

	for i in $(seq 100); do
		[ "$(refcnt "$1")" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# A counter of a /proc/net/*_stat file; -1 if it has none of that name.
stat_counter() { # FILE NAME
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print -1 }' "$1"
}

# An sm4ktls counter of network namespace NS ("": this one); -1 if absent.
ns_counter() { # NS NAME
	local run=()

	[ -n "$1" ] && run=(ip netns exec "$1")
	"${run[@]}" awk -v k="$2" \
		'$1 == k { print $2; f = 1 } END { if (!f) print -1 }' \
		/proc/net/sm4ktls_stat
}

# The namespaces of the device tests (offload.sh): sender and receiver.
sa() { ip netns exec sa "$@"; }
sb() { ip netns exec sb "$@"; }

# Wait until something listens on PORT (in network namespace NS, if
# given), as long as PID lives.
wait_listen() { # PORT PID [NS]
	local i ns=()

	[ -n "${3:-}" ] && ns=(ip netns exec "$3")
	for i in $(seq 150); do
		[ -n "$("${ns[@]}" ss -Hltn "sport = :$1")" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
