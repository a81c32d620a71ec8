#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kTLS data path benchmark, sm4ktls against the in-tree tls.ko, in one
# guest boot: sm4ktls_crypto.ko (so gcm(sm4) exists), the in-tree tls.ko
# (ULP "tls") and sm4ktls.ko with ulp_name=sm4ktls side by side, then
# build/tools/ktls-bench with both ULPs interleaved run by run. Prints one
# table; "ratio" is sm4ktls / in-tree. Figures, not a pass/fail verdict:
# the exit status only says whether the runs completed and checked out.
#
# The guest is TCG-emulated (2 vCPUs) on a shared host: compare ratios,
# not absolute numbers.
#
# -i, deterministic: the guest runs under QEMU's -icount (shift 0, sleep
# off), so its clock counts the instructions its CPUs execute, whatever
# the host's load; one table per record size (-W) gives instructions per
# record and per byte. Emulated SIMD instructions count one each: what
# costs time on hardware and what does not differ from the wall-clock
# mode, which stays the measure of throughput.
#
# usage: scripts/ktls-bench.sh [-i] [-s MiB] [-r RUNS] [-c CIPHERS]
#                              [-m CASES] [-W SIZES]
#                              [-x 'EXTRA ktls-bench ARGS'] [SERIES]
#        (defaults: 8 MiB, 11 runs, aes128gcm-1.3,aes128gcm-1.2,sm4gcm-1.3,
#         send,sendfile,recv, 16384-byte records; SERIES 6.12. With -i:
#         1 MiB, 3 runs, also sm4gcm-1.2, records of 64,1024,4096,16384)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
size=
runs=
ciphers=
cases=send,sendfile,recv
sizes=
extra=
icount=
while [ $# -gt 0 ]; do
	case $1 in
	-i) icount=0; shift ;;
	-s) size=$2; shift 2 ;;
	-r) runs=$2; shift 2 ;;
	-c) ciphers=$2; shift 2 ;;
	-m) cases=$2; shift 2 ;;
	-W) sizes=$2; shift 2 ;;
	-x) extra=$2; shift 2 ;;
	-*) echo "usage: $0 [-i] [-s MiB] [-r RUNS] [-c CIPHERS] [-m CASES] [-W SIZES] [-x ARGS] [SERIES]" >&2; exit 2 ;;
	*) break ;;
	esac
done
asked=$extra
if [ -n "$icount" ]; then
	# Runs agree to a fraction of a percent: three are plenty.
	: "${size:=1}" "${runs:=3}" "${sizes:=64,1024,4096,16384}"
	: "${ciphers:=aes128gcm-1.3,aes128gcm-1.2,sm4gcm-1.3,sm4gcm-1.2}"
	# Plain TCP ("none") for reference: what TCP and the copies cost.
	extra="-I $icount -u tls,sm4ktls,none $extra"
fi
: "${size:=8}" "${runs:=11}" "${sizes:=16384}"
: "${ciphers:=aes128gcm-1.3,aes128gcm-1.2,sm4gcm-1.3}"
series=${1:-6.12}
# shellcheck source=scripts/bench-lib.sh
. "$top/scripts/bench-lib.sh"
log=$bench_logs/ktls-bench-$series.log
bench_build ktls-bench

start=$(date -u '+%Y-%m-%d %H:%M UTC')
# Under TCG on a busy 2-CPU host a transfer moves ~2 MB/s all told; there
# are (3 ciphers x 3 cases x 2 ULPs) x runs + 6 of them. This only stops a
# hung guest.
nsizes=$(echo "$sizes" | tr ',' '\n' | grep -c .)
timeout=$((600 + 24 * runs * size * nsizes))
# Progress (every run, as the console log fills) on stderr; the table is
# cut from the console log.
# shellcheck disable=SC2086 # EXTRA is a list of options
scripts/vm.sh ${icount:+--icount $icount} -t "$timeout" -l "$log" "$series" \
	selftests/run-bench.sh -W "$sizes" \
	-c "$ciphers" -m "$cases" -s "$size" -r "$runs" -v $extra |
	grep --line-buffered -E '^# run |^ktls-bench:' >&2
rc=${PIPESTATUS[0]}
echo "# $(date -u '+%Y-%m-%d %H:%M UTC') (started $start), kernel $(readlink "build/kernels/$series" || echo "$series")"
echo "# host: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# scripts/ktls-bench.sh${icount:+ -i} -s $size -r $runs -c $ciphers -m $cases -W $sizes${asked:+ -x '$asked'} $series"
echo "# ratio = sm4ktls / in-tree tls.ko (medians of back-to-back run pairs)"
bench_report ktls-bench "$log" "$rc" '^# guest:'
