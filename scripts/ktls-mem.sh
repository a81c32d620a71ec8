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
# usage: scripts/ktls-mem.sh [-n CONNS] [-r RUNS] [-c CIPHER] [-w BYTES] [SERIES]
#        (defaults: 5000 connections = 10,000 sockets per ULP, 3 runs,
#         aes128gcm-1.3, one 100-byte record each way; SERIES 6.12)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
conns=5000
runs=3
cipher=aes128gcm-1.3
wsize=100
while [ $# -gt 0 ]; do
	case $1 in
	-n) conns=$2; shift 2 ;;
	-r) runs=$2; shift 2 ;;
	-c) cipher=$2; shift 2 ;;
	-w) wsize=$2; shift 2 ;;
	-*) echo "usage: $0 [-n CONNS] [-r RUNS] [-c CIPHER] [-w BYTES] [SERIES]" >&2; exit 2 ;;
	*) break ;;
	esac
done
series=${1:-6.12}
logs=$top/build/bench-logs
mkdir -p "$logs"
log=$logs/ktls-mem-$series.log

make --no-print-directory modules SERIES="$series" >"$logs/build-$series.log" 2>&1 ||
	{ tail -n 30 "$logs/build-$series.log"; echo "ktls-mem: module build failed" >&2; exit 1; }
make --no-print-directory -C tools >>"$logs/build-$series.log" 2>&1 ||
	{ tail -n 30 "$logs/build-$series.log"; echo "ktls-mem: tools build failed" >&2; exit 1; }

start=$(date -u '+%Y-%m-%d %H:%M UTC')
scripts/vm.sh -t $((600 + conns * runs / 10)) -l "$log" "$series" \
	selftests/run-bench.sh -M -u tls,sm4ktls,none -c "$cipher" \
	-n "$conns" -r "$runs" -w "$wsize" >/dev/null
rc=$?
echo "# $(date -u '+%Y-%m-%d %H:%M UTC') (started $start), kernel $(readlink "build/kernels/$series" || echo "$series")"
echo "# scripts/ktls-mem.sh -n $conns -r $runs -c $cipher -w $wsize $series"
sed -n -e '/^# guest:/,/^SM4KTLS-VM: dmesg-begin/{/^SM4KTLS-VM/d;/^\[/d;p}' "$log"
grep -E '^(ktls-mem|insmod|modprobe|rmmod):' "$log"
[ $rc = 0 ] || echo "ktls-mem: guest run failed (exit $rc), console log: $log" >&2
exit $rc
