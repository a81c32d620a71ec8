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
# control. (TLCP is not here yet: see Documentation/tongsuo.md, "nginx".)
# SM4KTLS_TLS_STAT names the counter file, SM4KTLS_TONGSUO_BYTES the file
# size.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
stat=${SM4KTLS_TLS_STAT:-/proc/net/tls_stat}
size=${SM4KTLS_TONGSUO_BYTES:-16777216}
nginx=$top/build/nginx/sbin/nginx
ts=$top/build/tongsuo/8.5.0-pre2/bin/openssl
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
	printf '[req]\ndistinguished_name = dn\n[dn]\n' >"$work/req.cnf"
	OPENSSL_CONF=$work/req.cnf "$ts" req -x509 -newkey ec \
		-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
		-out "$work/cert.pem" -days 2 -subj /CN=localhost \
		>"$work/req.log" 2>&1 || return 1
	mkdir -p "$work/www" "$work/logs"
	head -c "$size" /dev/urandom >"$work/www/data.bin"
	sum=$(sha256sum <"$work/www/data.bin" | cut -d' ' -f1)
}

# nginx on PORT with SUITE, in the foreground of a background job.
start_nginx() { # PORT SUITE
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
			ssl_certificate $work/cert.pem;
			ssl_certificate_key $work/key.pem;
			ssl_protocols TLSv1.3;
			ssl_conf_command Ciphersuites $2;
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

fetch() { # NAME SUITE
	local port before after got
	port=$((20000 + RANDOM % 12000))
	if ! start_nginx "$port" "$2"; then
		sed 's/^/# nginx: /' "$work/logs/error.log"
		tap 1 "$1: nginx listening"
		stop_nginx
		return
	fi
	before=$(counters)
	printf 'GET /data.bin HTTP/1.0\r\nHost: localhost\r\n\r\n' |
		timeout 300 "$ts" s_client -connect "127.0.0.1:$port" -tls1_3 \
			-ciphersuites "$2" -quiet -nocommands \
			>"$work/down.out" 2>"$work/client.log"
	sleep 0.5
	after=$(counters)
	stop_nginx
	got=$(tail -c "$size" "$work/down.out" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$sum" ] && head -n 1 "$work/down.out" | grep -q ' 200 OK'
	tap $? "$1: $size bytes from nginx (sendfile), sha256 matches"
	set -- "$1" $before $after
	[ $(($4 - $2)) = 1 ] && [ $(($5 - $3)) = 1 ]
	tap $? "$1: nginx's socket in the kernel: kTLS TX +$(($4 - $2)), RX +$(($5 - $3)) (want +1, +1)"
}

[ -x "$nginx" ] && [ -x "$ts" ]
tap $? "nginx at ${nginx#"$top"/} (scripts/nginx.sh), Tongsuo at ${ts#"$top"/}"
[ -x "$nginx" ] && [ -x "$ts" ] || { echo "1..$n"; exit 1; }
"$nginx" -V 2>&1 | sed 's/^/# /'
setup
tap $? "certificate and ${size}-byte file"
fetch "nginx TLS 1.3 SM4-GCM" TLS_SM4_GCM_SM3
fetch "nginx TLS 1.3 SM4-CCM" TLS_SM4_CCM_SM3
fetch "nginx TLS 1.3 AES-128-GCM" TLS_AES_128_GCM_SHA256
echo "1..$n"
exit $rc
