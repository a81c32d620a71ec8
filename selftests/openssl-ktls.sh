#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Interop with Debian's OpenSSL 3.0 using kTLS (TAP output). OpenSSL 3.0
# has no -ktls switch: kTLS is enabled by "Options = KTLS" in the
# system_default section of an openssl.cnf (OPENSSL_CONF).
#   download: s_server -WWW -sendfile serves a file to s_client
#             (server TX through kTLS with SSL_sendfile; client RX too
#             for TLS 1.2)
#   upload:   s_client sends a file to s_server (client TX through kTLS;
#             server RX too for TLS 1.2)
# Both ends run kTLS TX; OpenSSL 3.0 enables kTLS RX only for TLS 1.2.
# Each transfer is checked with sha256sum, and the kTLS counters must
# move as expected: SM4KTLS_TLS_STAT names the counter file (default
# /proc/net/tls_stat of the in-tree tls.ko; the same counter names are
# expected from the project's file). Needs openssl, ss, sha256sum.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
stat=${SM4KTLS_TLS_STAT:-/proc/net/tls_stat}
size=${SM4KTLS_OPENSSL_BYTES:-4194304}
work=$(mktemp -d)
n=0
rc=0
trap 'rm -rf "$work"' EXIT
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

snap() { # PREFIX: save the counters into PREFIX_tx, PREFIX_rx, PREFIX_err
	eval "$1_tx=$(stat_counter "$stat" TlsTxSw) $1_rx=$(stat_counter "$stat" TlsRxSw) $1_err=$(stat_counter "$stat" TlsDecryptError)"
}

# Start "${srv[@]}" (set up by cmds) with stdin/stdout redirected as
# given, on a fresh port from below the ephemeral range, retrying on
# another port if it does not come up; sets spid and port. The last
# server's log is shown when all attempts fail.
start_server() { # VERSION CIPHER STDIN STDOUT [ARGS...]
	local ver=$1 cipher=$2 in=$3 out=$4 try
	shift 4
	for try in 1 2 3; do
		port=$((20000 + RANDOM % 12000))
		cmds "$port" "$ver" "$cipher"
		(cd "$work/www" && exec "${srv[@]}" "$@") <"$in" >"$out" \
			2>"$work/server.log" &
		spid=$!
		wait_listen "$port" "$spid" && return 0
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		echo "# server on port $port did not listen (try $try)"
	done
	sed 's/^/# server: /' "$work/server.log"
	return 1
}

setup() {
	cat >"$work/openssl.cnf" <<-EOF
	openssl_conf = openssl_init
	[openssl_init]
	ssl_conf = ssl_sect
	[ssl_sect]
	system_default = system_default_sect
	[system_default_sect]
	Options = KTLS
	EOF
	export OPENSSL_CONF=$work/openssl.cnf
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
		-subj /CN=localhost >/dev/null 2>&1 || return 1
	mkdir -p "$work/www"
	head -c "$size" /dev/urandom >"$work/www/data.bin"
	sum=$(sha256sum <"$work/www/data.bin" | cut -d' ' -f1)
}

# Command lines of both ends for a case: PORT VERSION CIPHER.
cmds() {
	local proto
	if [ "$2" = 1.3 ]; then
		proto=(-tls1_3 -ciphersuites "$3")
	else
		proto=(-tls1_2 -cipher "$3")
	fi
	srv=(openssl s_server -accept "127.0.0.1:$1" -cert "$work/cert.pem"
	     -key "$work/key.pem" -naccept 1 -quiet "${proto[@]}")
	cli=(timeout 300 openssl s_client -connect "127.0.0.1:$1" -nocommands
	     "${proto[@]}")
}

# Check the counters moved by exactly TX and RX and no decrypt error.
check_counters() { # NAME TX RX
	local dtx=$((a_tx - b_tx)) drx=$((a_rx - b_rx)) derr=$((a_err - b_err))
	[ "$dtx" = "$2" ] && [ "$drx" = "$3" ] && [ "$derr" = 0 ]
	tap $? "$1: kTLS sockets TX +$dtx (want $2), RX +$drx (want $3), decrypt errors +$derr"
}

download() { # NAME VERSION CIPHER WANT_TX WANT_RX
	local port spid got out=$work/down.out
	snap b
	start_server "$2" "$3" /dev/null "$work/server.out" -WWW -sendfile ||
		{ tap 1 "$1 download: server listening"; return; }
	printf 'GET /data.bin HTTP/1.0\r\n\r\n' |
		"${cli[@]}" -quiet >"$out" 2>"$work/client.log"
	wait "$spid"
	snap a
	got=$(tail -c "$size" "$out" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$sum" ] && head -n 1 "$out" | grep -q '^HTTP/1.0 200'
	tap $? "$1 download: $size bytes via s_server -WWW -sendfile, sha256 matches"
	! grep -qi 'ktls is not available' "$work/server.log" "$work/server.out"
	tap $? "$1 download: s_server did not fall back from kTLS sendfile"
	check_counters "$1 download" "$4" "$5"
}

upload() { # NAME VERSION CIPHER WANT_TX WANT_RX
	local port spid got
	snap b
	# s_server reads its stdin too: keep it open (and silent) meanwhile.
	rm -f "$work/stdin" && mkfifo "$work/stdin"
	exec 4<>"$work/stdin"
	start_server "$2" "$3" "$work/stdin" "$work/up.out" ||
		{ tap 1 "$1 upload: server listening"; exec 4>&-; return; }
	"${cli[@]}" -quiet -no_ign_eof <"$work/www/data.bin" >/dev/null \
		2>"$work/client.log"
	for _ in $(seq 100); do
		[ "$(stat -c %s "$work/up.out")" -ge "$size" ] && break
		sleep 0.2
	done
	exec 4>&-
	wait "$spid"
	snap a
	got=$(head -c "$size" "$work/up.out" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$sum" ]
	tap $? "$1 upload: $size bytes s_client to s_server, sha256 matches"
	check_counters "$1 upload" "$4" "$5"
}

# Without the counter file every counter check below fails too.
[ -r "$stat" ]
tap $? "kTLS counter file $stat exists"
setup
s=$?
tap $s "self-signed certificate and ${size}-byte file"
[ $s = 0 ] || exit 1

# name version cipher: TLS 1.2 both ends TX and RX (4 sockets-directions);
# TLS 1.3 both ends TX only.
while read -r name ver cipher tx rx; do
	download "$name" "$ver" "$cipher" "$tx" "$rx"
	upload "$name" "$ver" "$cipher" "$tx" "$rx"
done <<EOF
tls12-aes-128-gcm 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 2 2
tls12-aes-256-gcm 1.2 ECDHE-ECDSA-AES256-GCM-SHA384 2 2
tls12-chacha20 1.2 ECDHE-ECDSA-CHACHA20-POLY1305 2 2
tls13-aes-128-gcm 1.3 TLS_AES_128_GCM_SHA256 2 0
tls13-aes-256-gcm 1.3 TLS_AES_256_GCM_SHA384 2 0
tls13-chacha20 1.3 TLS_CHACHA20_POLY1305_SHA256 2 0
EOF
echo "1..$n"
exit $rc
