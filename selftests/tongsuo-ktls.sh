#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tongsuo with kTLS end to end (TAP output): s_server -ktls -sendfile -WWW
# serves a file to s_client -ktls, TLS 1.3 TLS_SM4_GCM_SM3 and
# TLS_SM4_CCM_SM3 (RFC 8998), with TLS 1.3 AES-128-GCM and TLS 1.2
# ECDHE-ECDSA-AES128-GCM-SHA256 as the control, and TLCP (GB/T 38636,
# record version 1.1) ECC-SM2-SM4-GCM-SM3 and ECDHE-SM2-SM4-GCM-SM3 with
# SM2 signing and encryption certificates (ECC-SM2-SM4-CBC-SM3, which
# kTLS cannot carry, as the control). Tongsuo is built by
# scripts/tongsuo.sh: build/tongsuo/VERSION carries the project's patches
# (tools/tongsuo/VERSION), build/tongsuo/VERSION-unpatched does not.
#   - patched on both ends: both use the kernel for TX and RX (the kTLS
#     counters move by TX +2, RX +2 per transfer);
#   - patched against unpatched, each way: only the patched end uses the
#     kernel (+1, +1); the wire format is the library's own, so this
#     shows the kernel's records are the ones Tongsuo expects and makes.
#   - KeyUpdate (sm4ktls only): s_server's "K" mid-stream, lines flowing
#     both ways; each end must rekey its TX (and, where the library has
#     kTLS RX, its RX) in the kernel.
#   - 8.4.0 hands the kernel TX only (OpenSSL 3.0 has no TLS 1.3 kTLS RX),
#     and its apps have no -ktls: the configuration turns kTLS on. It has
#     no TLCP patch: its TLCP download must stay in user space.
# Every transfer is checked with sha256sum. SM4KTLS_TLS_STAT names the
# counter file, SM4KTLS_TONGSUO_BYTES the file size (16 MiB).
#
# usage: tongsuo-ktls.sh [VERSION [PEER]]   (8.5.0-pre2, VERSION-unpatched)
# PEER is the build under build/tongsuo/ that plays the unpatched end.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
stat=${SM4KTLS_TLS_STAT:-/proc/net/tls_stat}
ver=${1:-8.5.0-pre2}
peer=${2:-$ver-unpatched}
size=${SM4KTLS_TONGSUO_BYTES:-16777216}
patched=$top/build/tongsuo/$ver/bin/openssl
unpatched=$top/build/tongsuo/$peer/bin/openssl
# What each release's patches hand the kernel: 8.4.0 (OpenSSL 3.0's record
# layer, no kTLS RX for TLS 1.3) sends TLS 1.3 through the kernel only,
# and has no TLCP patch. krx: the library's TLS 1.3 kTLS RX; ktlcp: its
# TLCP kTLS.
case $ver in
8.4.*)	krx=0 ktlcp=0 ;;
*)	krx=1 ktlcp=1 ;;
esac
stock=0
[ "${SM4KTLS_DP_MOD:-sm4ktls}" = tls ] && stock=1
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
	tls_certs "$patched" "$work" >"$work/req.log" 2>&1 || return 1
	# Releases without -ktls (8.4.0) take kTLS from the configuration.
	cat >"$work/ktls.cnf" <<-EOF
	openssl_conf = openssl_init
	[openssl_init]
	ssl_conf = ssl_sect
	[ssl_sect]
	system_default = ktls
	[ktls]
	Options = KTLS
	EOF
	export OPENSSL_CONF=$work/ktls.cnf
	mkdir -p "$work/www"
	head -c "$size" /dev/urandom >"$work/www/data.bin"
	sum=$(sha256sum <"$work/www/data.bin" | cut -d' ' -f1)
	kopt_p=$(ktls_opt "$patched")
	kopt_u=$(ktls_opt "$unpatched")
}

# -ktls, for the releases whose apps have it.
ktls_opt() { # BINARY
	"$1" s_server -help 2>&1 | grep -q '^ -ktls ' && echo -ktls
}

# The -ktls option for BINARY, one of the two builds.
kopt() { # BINARY
	if [ "$1" = "$patched" ]; then echo "$kopt_p"; else echo "$kopt_u"; fi
}

# One download: NAME SERVER CLIENT VERSION SUITE WANT_TX WANT_RX.
download() {
	local name=$1 srv=$2 cli=$3 proto port spid try got dtx drx derr
	local scert=(-cert "$work/cert.pem" -key "$work/key.pem") ccert=()
	case $4 in
	1.3)	proto=(-tls1_3 -ciphersuites "$5") ;;
	1.2)	proto=(-tls1_2 -cipher "$5") ;;
	tlcp)	proto=(-enable_ntls -ntls -cipher "$5")
		scert=(-sign_cert "$work/server-sign.crt"
		       -sign_key "$work/server-sign.key"
		       -enc_cert "$work/server-enc.crt"
		       -enc_key "$work/server-enc.key")
		ccert=(-CAfile "$work/ca.crt" -verify_return_error
		       -sign_cert "$work/client-sign.crt"
		       -sign_key "$work/client-sign.key"
		       -enc_cert "$work/client-enc.crt"
		       -enc_key "$work/client-enc.key") ;;
	esac
	snap b
	for try in 1 2 3; do
		port=$((20000 + RANDOM % 12000))
		(cd "$work/www" && exec "$srv" s_server -accept "127.0.0.1:$port" \
			"${scert[@]}" -naccept 1 \
			-quiet "${proto[@]}" $(kopt "$srv") -sendfile -WWW) \
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
			"${proto[@]}" "${ccert[@]}" $(kopt "$cli") -quiet \
			>"$work/down.out" 2>"$work/client.log"
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

# Lines of a stream: PREFIX COUNT, each "PREFIX-N <64 hex digits>".
lines() {
	od -An -vtx1 -w32 -N $(($2 * 32)) /dev/urandom | tr -d ' ' |
		awk -v p="$1" '{ printf "%s-%05d %s\n", p, NR, $0 }'
}

# Every line of FILE, in order, among the lines of OUTPUT (which has more).
in_order() { # FILE OUTPUT
	grep -Fxf "$1" "$2" | cmp -s - "$1"
}

# A TLS 1.3 KeyUpdate mid-stream with kTLS on both ends: "K" on
# s_server's stdin updates its sending key and requests the client's, so
# each end replaces its TX and its RX key once while lines flow both
# ways, before and after. Both libraries patched: NAME SUITE.
keyupdate() {
	local name=$1 port spid b_ktx b_krx b_krecv dk
	lines s 2000 >"$work/s1"
	lines t 2000 >"$work/s2"
	lines c 2000 >"$work/c1"
	lines d 2000 >"$work/c2"
	snap b
	b_ktx=$(stat_counter "$stat" TlsTxRekeyOk)
	b_krx=$(stat_counter "$stat" TlsRxRekeyOk)
	b_krecv=$(stat_counter "$stat" TlsRxRekeyReceived)
	port=$((20000 + RANDOM % 12000))
	{ sleep 3; cat "$work/s1"; sleep 3; echo K; sleep 3; cat "$work/s2"
	  sleep 8; } | "$patched" s_server -accept "127.0.0.1:$port" \
		-cert "$work/cert.pem" -key "$work/key.pem" -naccept 1 \
		-tls1_3 -ciphersuites "$2" $kopt_p \
		>"$work/ku-server.out" \
		2>"$work/ku-server.log" &
	spid=$!
	if ! wait_listen "$port" "$spid"; then
		tap 1 "$name: server listening"
		return
	fi
	{ sleep 1; cat "$work/c1"; sleep 8; cat "$work/c2"; } |
		timeout 120 "$patched" s_client -connect "127.0.0.1:$port" \
			-tls1_3 -ciphersuites "$2" $kopt_p -quiet \
			>"$work/ku-client.out" 2>"$work/ku-client.log"
	wait "$spid"
	snap a
	cat "$work/s1" "$work/s2" >"$work/s-all"
	cat "$work/c1" "$work/c2" >"$work/c-all"
	in_order "$work/s-all" "$work/ku-client.out"
	tap $? "$name: 4000 server lines reached the client, in order, around a KeyUpdate"
	in_order "$work/c-all" "$work/ku-server.out"
	tap $? "$name: 4000 client lines reached the server, in order, around a KeyUpdate"
	dk="TX $(($(stat_counter "$stat" TlsTxRekeyOk) - b_ktx)), RX $(($(stat_counter "$stat" TlsRxRekeyOk) - b_krx)), KeyUpdates received $(($(stat_counter "$stat" TlsRxRekeyReceived) - b_krecv))"
	[ "$dk" = "TX 2, RX $((2 * krx)), KeyUpdates received $((2 * krx))" ] &&
		[ $((a_tx - b_tx)) = 2 ] && [ $((a_rx - b_rx)) = $((2 * krx)) ] &&
		[ $((a_err - b_err)) = 0 ]
	tap $? "$name: both ends rekeyed in the kernel ($dk, want TX 2, RX $((2 * krx)); kTLS TX +$((a_tx - b_tx)) RX +$((a_rx - b_rx)))"
	grep -q 'SSL_do_handshake -> 1' "$work/ku-server.out"
	tap $? "$name: s_server's KeyUpdate went through"
}

for b in "$patched" "$unpatched"; do
	[ -x "$b" ]
	tap $? "Tongsuo at ${b#"$top"/} (scripts/tongsuo.sh)"
done
[ -x "$patched" ] && [ -x "$unpatched" ] || { echo "1..$n"; exit 1; }
[ -r "$stat" ]
tap $? "kTLS counter file $stat exists"
setup
s=$?
tap $s "certificates (P-256; SM2 CA, signing and encryption) and ${size}-byte file"
[ $s = 0 ] || { echo "1..$n"; exit 1; }

# name version suite: patched on both ends, in the kernel wherever the
# library hands it the keys.
while read -r name v suite; do
	# krx is about TLS 1.3: every release has TLS 1.2 kTLS RX.
	rx=$((2 * krx))
	[ "$v" = 1.2 ] && rx=2
	download "$name" "$patched" "$patched" "$v" "$suite" 2 $rx
done <<EOF
tls13-sm4-gcm 1.3 TLS_SM4_GCM_SM3
tls13-sm4-ccm 1.3 TLS_SM4_CCM_SM3
tls13-aes-128-gcm 1.3 TLS_AES_128_GCM_SHA256
tls12-aes-128-gcm 1.2 ECDHE-ECDSA-AES128-GCM-SHA256
EOF
# TLCP (GB/T 38636) needs the module's version 0x0101: with tls.ko, which
# refuses it, the library stays in user space. CBC stays there anyway.
tlcp=$((ktlcp && !stock))
if [ $ktlcp = 1 ]; then
	for suite in ECC-SM2-SM4-GCM-SM3 ECDHE-SM2-SM4-GCM-SM3; do
		download "tlcp $suite" "$patched" "$patched" tlcp "$suite" \
			$((2 * tlcp)) $((2 * tlcp))
	done
	download "tlcp ECC-SM2-SM4-CBC-SM3 (user space)" "$patched" "$patched" \
		tlcp ECC-SM2-SM4-CBC-SM3 0 0
else
	download "tlcp ECC-SM2-SM4-GCM-SM3 (user space: no TLCP kTLS patch for $ver)" \
		"$patched" "$patched" tlcp ECC-SM2-SM4-GCM-SM3 0 0
fi
if [ $stock = 1 ]; then
	# Debian's tls.ko (6.1, 6.12) refuses a second key: EBUSY.
	echo "ok $((n += 1)) KeyUpdate cases # SKIP the in-tree tls.ko has no rekey"
else
	keyupdate "tls13-sm4-gcm KeyUpdate" TLS_SM4_GCM_SM3
	[ $krx = 0 ] ||
		keyupdate "tls13-aes-128-gcm KeyUpdate" TLS_AES_128_GCM_SHA256
fi
# Against the unpatched library in user space, each way.
while read -r v suite want; do
	[ "$v" != tlcp ] || [ $ktlcp = 1 ] || continue
	download "$suite kTLS server, $peer client" "$patched" "$unpatched" \
		"$v" "$suite" "$want" $((want * krx))
	download "$suite $peer server, kTLS client" "$unpatched" "$patched" \
		"$v" "$suite" "$want" $((want * krx))
done <<EOF
1.3 TLS_SM4_GCM_SM3 1
1.3 TLS_SM4_CCM_SM3 1
tlcp ECC-SM2-SM4-GCM-SM3 $tlcp
tlcp ECDHE-SM2-SM4-GCM-SM3 $tlcp
EOF
echo "1..$n"
exit $rc
