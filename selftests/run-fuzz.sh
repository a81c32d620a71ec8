#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside a guest (`make fuzz`, scripts/vm.sh): the seeded ULP fuzzer
# (selftests/fuzz.c), TAP 13. Loads sm4ktls_crypto (kat_million=0: the
# long KATs belong to run-guest.sh) and sm4ktls, runs build/selftests/fuzz
# for FUZZ_SECONDS with FUZZ_SEED, then checks both modules unload.
#   FUZZ_SECONDS  time bound (default 60)
#   FUZZ_SEED     seed (default: from the clock; the fuzzer prints it)
#   FUZZ_ARGS     more fuzz options (e.g. "-i 17" to replay one iteration)
#   STOCK=1       serve the ULP with the in-tree tls.ko instead: checks
#                 the fuzzer's model of upstream against upstream itself
# Exit status: 0 if everything passed.
top=$(cd "$(dirname "$0")/.." && pwd)
obj=$top/build/obj/$(uname -r)
rc=0
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

insmod "$obj/sm4ktls_crypto.ko" kat_million=0
tap $? "insmod sm4ktls_crypto.ko kat_million=0 on $(uname -r)"
loaded sm4ktls_crypto || exit 1
if [ "${STOCK:-0}" = 1 ]; then
	mod=tls
	export SM4KTLS_TLS_STAT=/proc/net/tls_stat
	"$(cat /proc/sys/kernel/modprobe)" tls
	tap $? "modprobe tls (the in-tree tls.ko)"
else
	mod=sm4ktls
	export SM4KTLS_TLS_STAT=/proc/net/sm4ktls_stat
	insmod "$obj/sm4ktls.ko"
	tap $? "insmod sm4ktls.ko"
fi
loaded "$mod" || exit 1
export SM4KTLS_DP_MOD=$mod

# The fuzzer's three TAP lines pass through (its header and plan do not:
# this script's lines and its make up one list).
args=(-t "${FUZZ_SECONDS:-60}")
[ -n "${FUZZ_SEED:-}" ] && args+=(-s "$FUZZ_SEED")
# shellcheck disable=SC2206
[ -n "${FUZZ_ARGS:-}" ] && args+=($FUZZ_ARGS)
echo "# === fuzz ${args[*]}"
"$top/build/selftests/fuzz" "${args[@]}" 2>&1 | grep -v -e '^TAP version' -e '^1\.\.'
s=${PIPESTATUS[0]}
[ "$s" = 0 ] || echo "# fuzz exited $s"

wait_unused "$mod"
tap $? "$mod refcount back to 0 after the fuzzer"
rmmod "$mod"
tap $? "rmmod $mod"
rmmod sm4ktls_crypto
tap $? "rmmod sm4ktls_crypto"
! loaded "$mod" && ! loaded sm4ktls_crypto
tap $? "both modules unloaded"
[ "$s" = 0 ] || rc=1
exit $rc
