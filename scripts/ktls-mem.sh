#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel memory per idle kTLS socket, sm4ktls against the in-tree tls.ko
# and plain TCP, in one guest boot (build/tools/ktls-mem, modules loaded
# as for scripts/ktls-bench.sh). Prints one table: bytes per socket from
# MemFree and from Slab, ratios to tls.ko, and the slab caches that grew.
# Figures, not a verdict; the guest has 2 GiB, enough for 10,000
# connections.
#
# -s: a stalled reader (ktls-mem -s): clients then send until blocked
# and servers never read; the peak a connection pins, 500 connections
# unless -n says otherwise.
#
# usage: scripts/ktls-mem.sh [-s] [-n CONNS] [-r RUNS] [-c CIPHER] [-w BYTES] [SERIES]
#        (defaults: 5000 connections = 10,000 sockets per ULP, 3 runs,
#         aes128gcm-1.3, one 100-byte record each way; SERIES 6.12)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
conns=
stall=
runs=3
cipher=aes128gcm-1.3
wsize=100
while [ $# -gt 0 ]; do
	case $1 in
	-s) stall=-s; shift ;;
	-n) conns=$2; shift 2 ;;
	-r) runs=$2; shift 2 ;;
	-c) cipher=$2; shift 2 ;;
	-w) wsize=$2; shift 2 ;;
	-*) echo "usage: $0 [-s] [-n CONNS] [-r RUNS] [-c CIPHER] [-w BYTES] [SERIES]" >&2; exit 2 ;;
	*) break ;;
	esac
done
series=${1:-6.12}
conns=${conns:-$([ -n "$stall" ] && echo 500 || echo 5000)}
# shellcheck source=scripts/bench-lib.sh
. "$top/scripts/bench-lib.sh"
log=$bench_logs/ktls-mem-$series.log
bench_build ktls-mem

start=$(date -u '+%Y-%m-%d %H:%M UTC')
scripts/vm.sh -t $((600 + conns * runs / 10)) -l "$log" "$series" \
	selftests/run-bench.sh -M $stall -u tls,sm4ktls,none -c "$cipher" \
	-n "$conns" -r "$runs" -w "$wsize" >/dev/null
rc=$?
echo "# $(date -u '+%Y-%m-%d %H:%M UTC') (started $start), kernel $(readlink "build/kernels/$series" || echo "$series")"
echo "# scripts/ktls-mem.sh${stall:+ -s} -n $conns -r $runs -c $cipher -w $wsize $series"
bench_report ktls-mem "$log" "$rc" '^# guest:'
