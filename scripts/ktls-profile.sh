#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Where a kTLS send() spends its instructions, the in-tree tls.ko beside
# sm4ktls: one guest under QEMU's -icount (the clock counts instructions)
# runs selftests/run-profile.sh, which times chosen functions below each
# ULP's sendmsg with ftrace's function_graph tracer. Figures, not a test.
#
# usage: scripts/ktls-profile.sh [-c CIPHER] [-w RECORD_BYTES] [SERIES]
#        (defaults: aes128gcm-1.3, 64, 6.12)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
cipher=aes128gcm-1.3
wsize=64
while getopts c:w: o; do
	case $o in
	c) cipher=$OPTARG ;;
	w) wsize=$OPTARG ;;
	*) echo "usage: $0 [-c CIPHER] [-w RECORD_BYTES] [SERIES]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
series=${1:-6.12}
# shellcheck source=scripts/bench-lib.sh
. "$top/scripts/bench-lib.sh"
log=$bench_logs/ktls-profile-$series.log
bench_build ktls-profile
scripts/vm.sh --icount 0 -t 900 -l "$log" "$series" \
	selftests/run-profile.sh "$cipher" "$wsize" >/dev/null
rc=$?
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(readlink "build/kernels/$series" || echo "$series"): scripts/ktls-profile.sh -c $cipher -w $wsize $series"
bench_report ktls-profile "$log" "$rc" '^=== '
