#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside a guest (scripts/ktls-bench.sh): sm4ktls_crypto, the in-tree
# tls.ko (ULP "tls") and sm4ktls.ko as ULP "sm4ktls" side by side, then
# build/tools/ktls-bench over both ULPs with ARGS. Fails early if any
# module is missing, so a "tls" that is not the in-tree module can never
# be measured as such. Prints the gcm()/rfc7539() drivers the crypto API
# picked. sm4ktls_test is loaded for its AEAD timing (ktls-bench -I).
#
# usage: run-bench.sh [-W SIZE,...] KTLS-BENCH-ARG...
#        run-bench.sh -M KTLS-MEM-ARG...
#   -W: one ktls-bench run per record size (its -w; default 16384),
#   modules loaded once
#   -M: build/tools/ktls-mem instead (memory per socket)
set -u
sizes=16384
tool=ktls-bench
if [ "${1:-}" = -W ]; then
	sizes=$(echo "$2" | tr ',' ' ')
	shift 2
elif [ "${1:-}" = -M ]; then
	tool=ktls-mem
	shift
fi
top=$(cd "$(dirname "$0")/.." && pwd)
obj=$top/build/obj/$(uname -r)
mods=$top/build/kernels/$(uname -r)/root
# What udev loads on a real machine with these CPU features (no udev
# here): without them gcm(aes) would be aes-generic for both ULPs.
for m in aesni_intel ghash_clmulni_intel chacha_x86_64 poly1305_x86_64; do
	modprobe -d "$mods" "$m" || echo "# no $m"
done
insmod "$obj/sm4ktls_crypto.ko" kat_million=0 || exit 1
modprobe -d "$mods" tls || exit 1
insmod "$obj/sm4ktls.ko" ulp_name=sm4ktls || exit 1
# /proc/sm4ktls_test_aead: the AEAD timed alone (ktls-bench -I).
insmod "$obj/sm4ktls_test.ko" || exit 1
grep -E '^(sm4ktls|sm4ktls_crypto|tls) ' /proc/modules || exit 1
echo "# guest: $(nproc) vCPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), modules: $(cut -d' ' -f1 /proc/modules | grep -E '^(sm4ktls|sm4ktls_crypto|tls)$' | tr '\n' ' ')"
rc=0
if [ $tool = ktls-mem ]; then
	"$top/build/tools/ktls-mem" "$@" || rc=1
else
	for w in $sizes; do
		"$top/build/tools/ktls-bench" -u tls,sm4ktls -w "$w" "$@" || rc=1
	done
fi
awk '/^name/ { n = $3 } /^driver/ && n ~ /^(gcm|rfc7539)\(/ { print "# crypto: " n " = " $3 }' /proc/crypto
rmmod sm4ktls_test && rmmod sm4ktls && rmmod tls && rmmod sm4ktls_crypto || rc=1
exit $rc
