#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tongsuo with kTLS end to end (TAP output): s_server -ktls -sendfile -WWW
# serves a file to s_client -ktls, TLS 1.3 TLS_SM4_GCM_SM3 and
# TLS_SM4_CCM_SM3 (RFC 8998), with TLS 1.3 AES-128-GCM and TLS 1.2
# ECDHE-ECDSA-AES128-GCM-SHA256 as the control. Tongsuo is built by
# scripts/tongsuo.sh: build/tongsuo/VERSION carries the project's patches
# (tools/tongsuo/VERSION), build/tongsuo/VERSION-unpatched does not.
#   - patched on both ends: both use the kernel for TX and RX (the kTLS
#     counters move by TX +2, RX +2 per transfer);
#   - patched against unpatched, each way: only the patched end uses the
#     kernel (+1, +1); the wire format is the library's own, so this
#     shows the kernel's records are the ones Tongsuo expects and makes.
# Every transfer is checked with sha256sum. SM4KTLS_TLS_STAT names the
# counter file, SM4KTLS_TONGSUO the version (8.5.0-pre2),
# SM4KTLS_TONGSUO_BYTES the file size (16 MiB).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
stat=${SM4KTLS_TLS_STAT:-/proc/net/tls_stat}
ver=${SM4KTLS_TONGSUO:-8.5.0-pre2}
size=${SM4KTLS_TONGSUO_BYTES:-16777216}
patched=$top/build/tongsuo/$ver/bin/openssl
unpatched=$top/build/tongsuo/$ver-unpatched/bin/openssl
work=$(mktemp -d)
n=0
rc=0
trap 'rm -rf "$work"' EXIT
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

snap() { # PREFIX: the counters into PREFIX_tx, PREFIX_rx, PREFIX_err
	eval "$1_tx=$(stat_counter "$stat" TlsTxSw) $1_rx=$(stat_counter "$stat" TlsRxSw) $1_err=$(stat_counter "$stat" TlsDecryptError)"
}

setup() {
	# req needs a configuration; the build's own is not in the guest.
	printf '[req]\ndistinguished_name = dn\n[dn]\n' >"$work/min.cnf"
	export OPENSSL_CONF=$work/min.cnf
	"$patched" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
		-subj /CN=localhost >"$work/req.log" 2>&1 || return 1
	mkdir -p "$work/www"
	head -c "$size" /dev/urandom >"$work/www/data.bin"
	sum=$(sha256sum <"$work/www/data.bin" | cut -d' ' -f1)
}

# One download: NAME SERVER CLIENT VERSION SUITE WANT_TX WANT_RX.
download() {
	local name=$1 srv=$2 cli=$3 proto port spid try got dtx drx derr
	if [ "$4" = 1.3 ]; then
		proto=(-tls1_3 -ciphersuites "$5")
	else
		proto=(-tls1_2 -cipher "$5")
	fi
	snap b
	for try in 1 2 3; do
		port=$((20000 + RANDOM % 12000))
		(cd "$work/www" && exec "$srv" s_server -accept "127.0.0.1:$port" \
			-cert "$work/cert.pem" -key "$work/key.pem" -naccept 1 \
			-quiet "${proto[@]}" -ktls -sendfile -WWW) \
			</dev/null >"$work/server.out" 2>"$work/server.log" &
		spid=$!
		wait_listen "$port" "$spid" && break
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		spid=
	done
	if [ -z "$spid" ]; then
		sed 's/^/# server: /' "$work/server.log"
		tap 1 "$name: server listening"
		return
	fi
	printf 'GET /data.bin HTTP/1.0\r\n\r\n' |
		timeout 300 "$cli" s_client -connect "127.0.0.1:$port" -nocommands \
			"${proto[@]}" -ktls -quiet >"$work/down.out" 2>"$work/client.log"
	wait "$spid"
	snap a
	got=$(tail -c "$size" "$work/down.out" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$sum" ] && head -n 1 "$work/down.out" | grep -q '^HTTP/1.0 200'
	tap $? "$name: $size bytes via s_server -ktls -sendfile -WWW, sha256 matches"
	dtx=$((a_tx - b_tx))
	drx=$((a_rx - b_rx))
	derr=$((a_err - b_err))
	[ "$dtx" = "$6" ] && [ "$drx" = "$7" ] && [ "$derr" = 0 ]
	tap $? "$name: kTLS TX +$dtx (want $6), RX +$drx (want $7), decrypt errors +$derr"
}

for b in "$patched" "$unpatched"; do
	[ -x "$b" ]
	tap $? "Tongsuo $ver at ${b#"$top"/} (scripts/tongsuo.sh)"
done
[ -x "$patched" ] && [ -x "$unpatched" ] || { echo "1..$n"; exit 1; }
[ -r "$stat" ]
tap $? "kTLS counter file $stat exists"
setup
s=$?
tap $s "self-signed certificate and ${size}-byte file"
[ $s = 0 ] || { echo "1..$n"; exit 1; }

# name version suite: patched on both ends, every direction in the kernel.
while read -r name v suite; do
	download "$name" "$patched" "$patched" "$v" "$suite" 2 2
done <<EOF
tls13-sm4-gcm 1.3 TLS_SM4_GCM_SM3
tls13-sm4-ccm 1.3 TLS_SM4_CCM_SM3
tls13-aes-128-gcm 1.3 TLS_AES_128_GCM_SHA256
tls12-aes-128-gcm 1.2 ECDHE-ECDSA-AES128-GCM-SHA256
EOF
# Against the unpatched library in user space, each way.
for suite in TLS_SM4_GCM_SM3 TLS_SM4_CCM_SM3; do
	download "$suite kTLS server, unpatched client" "$patched" "$unpatched" \
		1.3 "$suite" 1 1
	download "$suite unpatched server, kTLS client" "$unpatched" "$patched" \
		1.3 "$suite" 1 1
done
echo "1..$n"
exit $rc
