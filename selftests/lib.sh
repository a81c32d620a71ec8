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

# Host-side runners (dkms-test.sh, deb-test.sh) tally pass and fail: res
# is tap, counted; count adds a guest log's TAP lines and shows them.
res() { # STATUS DESCRIPTION
	tap "$@"
	if [ "$1" = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

count() { # LOG
	pass=$((pass + $(grep -aEc '^ok ' "$1")))
	fail=$((fail + $(grep -aEc '^not ok ' "$1")))
	grep -aE '^(not )?ok |^# ' "$1" | sed 's/^/  /'
}

# The modules a package build must give for the kernel whose headers are
# at HDR, each name followed by SUFFIX and a space: the simulated NIC only
# where the kernel has the TLS_DEVICE hooks.
wanted_modules() { # HDR SUFFIX
	local m

	for m in sm4ktls sm4ktls_crypto sm4ktls_sim; do
		[ $m != sm4ktls_sim ] || grep -qx 'CONFIG_TLS_DEVICE=y' "$1/.config" ||
			continue
		printf '%s%s ' $m "$2"
	done
}

# The start of a package test: tallies at 0, logs in $logs, PKG...
# installed on the host, the packages made (counted), their version in
# $ver.
pkg_test_start() { # LOGNAME PKG...
	local log=$1

	shift
	pass=0 fail=0
	logs=$top/build/test-logs
	mkdir -p "$logs"
	"$top/scripts/install-deps.sh" "$@" >&2
	ver=$(cat "$top/VERSION")
	"$top/scripts/make-deb.sh" >"$logs/$log" 2>&1
	res $? "make deb: sm4ktls-dkms and sm4ktls-tools $ver"
}

# A TAP line for whether CONDITION... holds.
check() { # DESCRIPTION CONDITION...
	local what=$1
	shift
	"$@"
	tap $? "$what"
}

loaded() { grep -q "^$1 " /proc/modules; }

# Does the running kernel ship the in-tree tls.ko? Debian 11's 5.10 is
# built without CONFIG_TLS: there sm4ktls is the only kTLS there is.
intree_tls() {
	local k
	k=$(uname -r)
	grep -q '/net/tls/tls\.ko:' "$top/build/kernels/$k/root/lib/modules/$k/modules.dep"
}

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

# sa and sb afresh, joined by a veth pair (software path, metric 20) and
# by the sim pair (sm4ktls_sim.ko loaded; the device path, preferred);
# offload.sh draws them.
net_setup() {
	ip netns del sa 2>/dev/null
	ip netns del sb 2>/dev/null
	ip netns add sa && ip netns add sb || return 1
	sa ip link set lo up && sb ip link set lo up &&
	sa ip addr add 10.8.0.1/32 dev lo && sb ip addr add 10.9.0.2/32 dev lo &&
	ip link add va netns sa type veth peer name vb netns sb &&
	sa ip addr add 10.2.0.1/24 dev va && sb ip addr add 10.2.0.2/24 dev vb &&
	sa ip link set va up && sb ip link set vb up &&
	sa ip route add 10.9.0.2/32 via 10.2.0.2 dev va src 10.8.0.1 metric 20 &&
	sb ip route add 10.8.0.1/32 via 10.2.0.1 dev vb metric 20 &&
	ip link set sm4sim0a netns sa && ip link set sm4sim0b netns sb &&
	sa ip addr add 10.1.0.1/24 dev sm4sim0a &&
	sb ip addr add 10.1.0.2/24 dev sm4sim0b &&
	restore_routes
}

# The sim pair up and preferred again (a device going down takes its routes).
restore_routes() {
	sa ip link set sm4sim0a up 2>/dev/null
	sb ip link set sm4sim0b up 2>/dev/null
	sa ip route replace 10.9.0.2/32 via 10.1.0.2 dev sm4sim0a src 10.8.0.1 metric 10 &&
	sb ip route replace 10.8.0.1/32 via 10.1.0.1 dev sm4sim0b metric 10
}

# The sim pair's routes gone: the stream takes the veth pair.
to_veth() {
	sa ip route del 10.9.0.2/32 metric 10
	sb ip route del 10.8.0.1/32 metric 10
}

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

simstat() { # NS DEV NAME: an ethtool -S counter of a sim device
	ip netns exec "$1" ethtool -S "$2" 2>/dev/null |
		awk -v k="$3:" '$1 == k { print $2 }'
}

# Retry CONDITION... every 0.5 s for up to SECONDS.
wait_for() { # SECONDS CONDITION...
	local i t=$1
	shift
	for i in $(seq $((t * 2))); do
		"$@" && return 0
		sleep 0.5
	done
	"$@"
}

# Certificates for the TLS library tests, made with OPENSSL (Tongsuo) in
# DIR: cert.pem/key.pem (P-256, CN localhost) for TLS, and for TLCP a
# signing and an encryption SM2 certificate for each end from one CA,
# ca.crt (GB/T 38636 6.4.5.3): {server,client}-{sign,enc}.{crt,key}.
tls_certs() { # OPENSSL DIR
	local t=$1 d=$2 who use
	local OPENSSL_CONF=$d/certs.cnf

	cat >"$OPENSSL_CONF" <<-CNF
	[req]
	distinguished_name = dn
	[dn]
	[v3_ca]
	basicConstraints = critical,CA:true
	keyUsage = critical,keyCertSign,cRLSign
	[v3_sign]
	basicConstraints = critical,CA:false
	keyUsage = critical,digitalSignature,nonRepudiation
	[v3_enc]
	basicConstraints = critical,CA:false
	keyUsage = critical,keyEncipherment,dataEncipherment,keyAgreement
	CNF
	export OPENSSL_CONF
	"$t" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/key.pem" -out "$d/cert.pem" -days 2 \
		-subj /CN=localhost || return 1
	"$t" ecparam -name SM2 -genkey -noout -out "$d/ca.key" &&
		"$t" req -new -x509 -sm3 -key "$d/ca.key" -days 2 \
			-subj /CN=sm4ktls-test-CA -extensions v3_ca \
			-out "$d/ca.crt" || return 1
	for who in server client; do
		for use in sign enc; do
			"$t" ecparam -name SM2 -genkey -noout \
				-out "$d/$who-$use.key" &&
				"$t" req -new -sm3 -key "$d/$who-$use.key" \
					-subj "/CN=$who $use" \
					-out "$d/$who-$use.csr" &&
				"$t" x509 -req -sm3 -in "$d/$who-$use.csr" \
					-CA "$d/ca.crt" -CAkey "$d/ca.key" \
					-CAcreateserial -days 2 \
					-extfile "$OPENSSL_CONF" \
					-extensions "v3_$use" \
					-out "$d/$who-$use.crt" || return 1
		done
	done
}
