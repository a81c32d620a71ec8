#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nginx with kTLS end to end (TAP output): nginx from Debian 12's source
# package, built on the patched Tongsuo 8.5.0-pre2 (scripts/nginx.sh),
# serves a 16 MiB static file with sendfile over TLS 1.3 with
# "ssl_conf_command Options KTLS". The client, Tongsuo's s_client without
# kTLS, checks the bytes (sha256); the kTLS counters must then move by TX
# +1 and RX +1: nginx's socket alone, in the kernel both ways. TLS 1.3
# TLS_SM4_GCM_SM3 and TLS_SM4_CCM_SM3, with TLS_AES_128_GCM_SHA256 as the
# control, and TLCP ECC-SM2-SM4-GCM-SM3 and ECDHE-SM2-SM4-GCM-SM3, which
# stock nginx serves through Tongsuo's SSL_CONF commands: a TLCP-only
# server (Enable_force_ntls), and one port for TLS and TLCP (Enable_ntls),
# where only TX may use the kernel (see tools/tongsuo/8.5.0-pre2/0003).
# With the in-tree tls.ko, which refuses TLCP, TLCP stays in user space.
# SM4KTLS_TLS_STAT names the counter file, SM4KTLS_TONGSUO_BYTES the file
# size.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
stat=${SM4KTLS_TLS_STAT:-/proc/net/tls_stat}
size=${SM4KTLS_TONGSUO_BYTES:-16777216}
nginx=$top/build/nginx/sbin/nginx
ts=$top/build/tongsuo/8.5.0-pre2/bin/openssl
stock=0
[ "${SM4KTLS_DP_MOD:-sm4ktls}" = tls ] && stock=1
work=$(mktemp -d)
n=0
rc=0
npid=
cleanup() {
	[ -z "$npid" ] || kill "$npid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

counters() { # the kTLS TX and RX socket counters
	echo "$(stat_counter "$stat" TlsTxSw) $(stat_counter "$stat" TlsRxSw)"
}

setup() {
	tls_certs "$ts" "$work" >"$work/req.log" 2>&1 || return 1
	mkdir -p "$work/www" "$work/logs"
	head -c "$size" /dev/urandom >"$work/www/data.bin"
	sum=$(sha256sum <"$work/www/data.bin" | cut -d' ' -f1)
}

# The server block's TLS lines for VERSION and SUITE: TLS 1.3, TLCP only
# (tlcp) or TLS and TLCP on one port (dual).
tls_conf() { # VERSION SUITE
	if [ "$1" = 1.3 ]; then
		cat <<-CONF
		ssl_certificate $work/cert.pem;
		ssl_certificate_key $work/key.pem;
		ssl_protocols TLSv1.3;
		ssl_conf_command Ciphersuites $2;
		CONF
		return
	fi
	# nginx's protocol list must leave NTLS a version below TLS 1.2.
	cat <<-CONF
	ssl_certificate $work/server-sign.crt;
	ssl_certificate_key $work/server-sign.key;
	ssl_protocols TLSv1.1 TLSv1.2 TLSv1.3;
	ssl_ciphers $2;
	ssl_conf_command $([ "$1" = dual ] && echo Enable_ntls || echo Enable_force_ntls) on;
	ssl_conf_command SignCertificate $work/server-sign.crt;
	ssl_conf_command SignPrivateKey $work/server-sign.key;
	ssl_conf_command EncCertificate $work/server-enc.crt;
	ssl_conf_command EncPrivateKey $work/server-enc.key;
	CONF
}

# nginx on PORT with VERSION and SUITE, in the foreground of a background
# job.
start_nginx() { # PORT VERSION SUITE
	cat >"$work/nginx.conf" <<-CONF
	user root;
	worker_processes 1;
	daemon off;
	pid $work/nginx.pid;
	error_log $work/logs/error.log info;
	events { worker_connections 64; }
	http {
		access_log off;
		sendfile on;
		server {
			listen 127.0.0.1:$1 ssl;
			$(tls_conf "$2" "$3")
			ssl_conf_command Options KTLS;
			root $work/www;
		}
	}
	CONF
	"$nginx" -p "$work" -e "$work/logs/error.log" -c "$work/nginx.conf" &
	npid=$!
	wait_listen "$1" "$npid"
}

stop_nginx() {
	kill "$npid" 2>/dev/null
	wait "$npid" 2>/dev/null
	npid=
}

# s_client's options for VERSION and SUITE. TLCP's ECDHE suites want the
# client's signing and encryption certificates too.
client_opts() { # VERSION SUITE
	local who

	if [ "$1" = 1.3 ]; then
		echo "-tls1_3 -ciphersuites $2"
		return
	fi
	echo "-enable_ntls -ntls -cipher $2 -CAfile $work/ca.crt -verify_return_error"
	for who in sign enc; do
		echo "-${who}_cert $work/client-$who.crt -${who}_key $work/client-$who.key"
	done
}

fetch() { # NAME VERSION SUITE
	local port before after got tx=1 rx=1

	# A server that takes TLS and TLCP on one port reads ahead while it
	# learns the version: the client's Finished, sent with its CCS, is
	# then in user space when the read key comes, and Tongsuo (0003)
	# keeps RX there.
	[ "$2" = dual ] && rx=0
	# The in-tree tls.ko refuses TLCP: nginx stays in user space.
	[ "$2" != 1.3 ] && [ $stock = 1 ] && tx=0 rx=0
	port=$((20000 + RANDOM % 12000))
	if ! start_nginx "$port" "$2" "$3"; then
		sed 's/^/# nginx: /' "$work/logs/error.log"
		tap 1 "$1: nginx listening"
		stop_nginx
		return
	fi
	before=$(counters)
	# shellcheck disable=SC2046 # client_opts is a word list
	printf 'GET /data.bin HTTP/1.0\r\nHost: localhost\r\n\r\n' |
		timeout 300 "$ts" s_client -connect "127.0.0.1:$port" \
			$(client_opts "$2" "$3") -quiet -nocommands \
			>"$work/down.out" 2>"$work/client.log"
	sleep 0.5
	after=$(counters)
	stop_nginx
	got=$(tail -c "$size" "$work/down.out" | sha256sum | cut -d' ' -f1)
	if ! [ "$got" = "$sum" ] || ! head -n 1 "$work/down.out" | grep -q ' 200 OK'; then
		tail -n 5 "$work/client.log" | sed 's/^/# s_client: /'
		tail -n 5 "$work/logs/error.log" | sed 's/^/# nginx: /'
		tap 1 "$1: $size bytes from nginx (sendfile), sha256 matches"
	else
		tap 0 "$1: $size bytes from nginx (sendfile), sha256 matches"
	fi
	set -- "$1" $before $after
	[ $(($4 - $2)) = $tx ] && [ $(($5 - $3)) = $rx ]
	tap $? "$1: nginx's socket: kTLS TX +$(($4 - $2)), RX +$(($5 - $3)) (want +$tx, +$rx)"
}

[ -x "$nginx" ] && [ -x "$ts" ]
tap $? "nginx at ${nginx#"$top"/} (scripts/nginx.sh), Tongsuo at ${ts#"$top"/}"
[ -x "$nginx" ] && [ -x "$ts" ] || { echo "1..$n"; exit 1; }
"$nginx" -V 2>&1 | sed 's/^/# /'
setup
tap $? "certificates (P-256; SM2 CA, signing and encryption) and ${size}-byte file"
fetch "nginx TLS 1.3 SM4-GCM" 1.3 TLS_SM4_GCM_SM3
fetch "nginx TLS 1.3 SM4-CCM" 1.3 TLS_SM4_CCM_SM3
fetch "nginx TLS 1.3 AES-128-GCM" 1.3 TLS_AES_128_GCM_SHA256
fetch "nginx TLCP ECC-SM2-SM4-GCM-SM3" tlcp ECC-SM2-SM4-GCM-SM3
fetch "nginx TLCP ECDHE-SM2-SM4-GCM-SM3" tlcp ECDHE-SM2-SM4-GCM-SM3
fetch "nginx TLS+TLCP port, TLCP ECC-SM2-SM4-GCM-SM3" dual ECC-SM2-SM4-GCM-SM3
echo "1..$n"
exit $rc
