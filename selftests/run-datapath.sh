#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside a guest (scripts/datapath-tests.sh): the data-path tests (TAP 13).
# Loads sm4ktls_crypto.ko (SM4 for gcm(sm4)/ccm(sm4)), then the "tls" ULP:
#   STOCK=1   the in-tree tls.ko (modprobe), counters in /proc/net/tls_stat
#   default   this project's sm4ktls.ko (insmod), counters in
#             $SM4KTLS_TLS_STAT (default /proc/net/sm4ktls_stat)
# Every test checks the intended module serves its sockets (its refcount
# moves); at the end that module and sm4ktls_crypto must unload.
#   LONG=1    the long run: 1 GiB of AES-GCM bulk (512 MiB each way), more
#             records, bigger many-connection and OpenSSL transfers.
# Exit status: 0 if everything passed.
top=$(cd "$(dirname "$0")/.." && pwd)
obj=$top/build/obj/$(uname -r)
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"
bin=$top/build/selftests
rc=0

# SM4KTLS_DP_SKIP="bulk openssl-ktls.sh ...": tests left out of this run
# (make check's subset on the sanitizer kernel); each is said so. NAME:ARG
# leaves out only the run whose first argument is ARG.
run() { # COMMAND...
	local s t0
	case " ${SM4KTLS_DP_SKIP:-} " in
	*" $(basename "$1") "* | *" $(basename "$1"):${2:-} "*)
		echo "# === $* left out (SM4KTLS_DP_SKIP)"
		return ;;
	esac
	echo "# === $*"
	t0=$SECONDS
	"$@"
	s=$?
	# What each test costs, so CI's time budget can be kept.
	echo "# === $(basename "$1") took $((SECONDS - t0)) s"
	# kselftest exit 4 means all skipped: a hidden gap, not a pass.
	[ $s = 0 ] || { echo "# $* exited $s"; rc=1; }
}

if [ "${LONG:-0}" = 1 ]; then
	export SM4KTLS_BULK_BYTES=${SM4KTLS_BULK_BYTES:-536870912}
	export SM4KTLS_RECORDS=${SM4KTLS_RECORDS:-1000}
	export SM4KTLS_MANY_BYTES=${SM4KTLS_MANY_BYTES:-1048576}
	export SM4KTLS_OPENSSL_BYTES=${SM4KTLS_OPENSSL_BYTES:-67108864}
fi

# kat_million=0: the 1,000,000-iteration KATs run in selftests/run-guest.sh.
insmod "$obj/sm4ktls_crypto.ko" kat_million=0
tap $? "insmod sm4ktls_crypto.ko kat_million=0 on $(uname -r)"
loaded sm4ktls_crypto || exit 1

if [ "${STOCK:-0}" = 1 ]; then
	mod=tls
	export SM4KTLS_TLS_STAT=/proc/net/tls_stat
	! loaded sm4ktls
	tap $? "sm4ktls is not loaded (stock run)"
	"$(cat /proc/sys/kernel/modprobe)" tls
	tap $? "modprobe tls (the in-tree tls.ko)"
else
	mod=sm4ktls
	export SM4KTLS_TLS_STAT=${SM4KTLS_TLS_STAT:-/proc/net/sm4ktls_stat}
	! loaded tls
	tap $? "the in-tree tls.ko is not loaded"
	insmod "$obj/sm4ktls.ko"
	tap $? "insmod sm4ktls.ko"
fi
loaded "$mod" || exit 1
# In-kernel socket reads (read_sock) for records.c.
insmod "$obj/sm4ktls_test.ko"
tap $? "insmod sm4ktls_test.ko"
grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp
tap $? "ULP \"tls\" registered (by $mod)"
export SM4KTLS_DP_MOD=$mod

run "$bin/records"
run "$bin/sockopt"
run "$bin/bulk"
# Threads and sockets against each other (rekey cases skip on tls.ko).
run "$bin/stress"
# TLS 1.3 KeyUpdate: the in-tree tls.ko of 6.1/6.12 has no rekey (6.14+).
[ "$mod" = sm4ktls ] && run "$bin/rekey"
# tools/sm4ktls-status: names the module and the sockets it serves.
run "$top/selftests/status.sh"
# Device offload through the simulated NIC: sm4ktls's provider interface
# (Kbuild leaves it out for a kernel without the TLS_DEVICE hooks).
if [ "$mod" = sm4ktls ] && [ ! -e "$obj/sm4ktls_sim.ko" ]; then
	# Such a kernel (5.10: CONFIG_TLS off) gets no provider interface
	# that a driver could bind to, and the module says so.
	! grep -qw sm4ktls_offload_register /proc/kallsyms
	tap $? "no device offload on $(uname -r): no provider interface to register with"
	dmesg | grep -q "device offload not built: the kernel lacks CONFIG_TLS_DEVICE"
	tap $? "sm4ktls says device offload is not built for $(uname -r)"
elif [ "$mod" = sm4ktls ]; then
	run "$top/selftests/offload.sh"
	run "$top/selftests/offload-race.sh"
fi
# Allocation failures injected into the module, on kernels with fault
# injection (the sanitizer kernel); SM4KTLS_FAULTS=0 leaves them out.
if [ "$mod" = sm4ktls ] && [ "${SM4KTLS_FAULTS:-1}" = 1 ]; then
	if [ -d /sys/kernel/debug/failslab ]; then
		run "$top/selftests/faults.sh"
	else
		echo "ok - faults.sh # SKIP no fault injection in this kernel"
	fi
fi
run "$top/selftests/openssl-ktls.sh"
# Tongsuo (scripts/tongsuo.sh builds it) with SM4 in the kernel.
run "$top/selftests/tongsuo-ktls.sh" 8.5.0-pre2
# 8.4.0, the stable release (TX only); 8.5.0-pre2 as released is its peer.
run "$top/selftests/tongsuo-ktls.sh" 8.4.0 8.5.0-pre2-unpatched
# nginx (Debian's source, scripts/nginx.sh) on Tongsuo, sendfile over kTLS.
run "$top/selftests/nginx-ktls.sh"

# Nothing else may have served the sockets. (bonding.ko pulls in tls.ko,
# whose ULP registration then fails: loaded, serving nothing, and pinned
# by sm4ktls with one reference.)
if [ "$mod" = tls ]; then
	! loaded sm4ktls
else
	pin=0
	dmesg | grep -q 'tls.ko loaded without its ULP' && pin=1
	! loaded tls || [ "$(refcnt tls)" = $pin ]
fi
tap $? "only $mod served the ULP"
wait_unused "$mod"
tap $? "$mod refcount back to 0 after all sockets closed"
rmmod "$mod"
tap $? "rmmod $mod"
rmmod sm4ktls_crypto
tap $? "rmmod sm4ktls_crypto after all users are gone"
rmmod sm4ktls_test
tap $? "rmmod sm4ktls_test"
exit $rc
