#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Where a kTLS send() (or, -d rx, a recv()) spends its instructions, the
# in-tree tls.ko beside sm4ktls: one guest under QEMU's -icount (the clock
# counts instructions) runs selftests/run-profile.sh, which times chosen
# functions below each ULP's sendmsg (rx: its recvmsg and data_ready) with
# ftrace's function_graph tracer. Figures, not a test.
#
# usage: scripts/ktls-profile.sh [-d tx|rx] [-c CIPHER] [-w RECORD_BYTES] [SERIES]
#        (defaults: tx, aes128gcm-1.3, 64, 6.12)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
cipher=aes128gcm-1.3
wsize=64
dir=tx
while getopts c:d:w: o; do
	case $o in
	c) cipher=$OPTARG ;;
	d) dir=$OPTARG ;;
	w) wsize=$OPTARG ;;
	*) echo "usage: $0 [-d tx|rx] [-c CIPHER] [-w RECORD_BYTES] [SERIES]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $dir in tx|rx) ;; *) echo "$0: -d tx or rx" >&2; exit 2 ;; esac
series=${1:-6.12}
# shellcheck source=scripts/bench-lib.sh
. "$top/scripts/bench-lib.sh"
log=$bench_logs/ktls-profile-$series.log
bench_build ktls-profile
scripts/vm.sh --icount 0 -t 900 -l "$log" "$series" \
	selftests/run-profile.sh "$cipher" "$wsize" "$dir" >/dev/null
rc=$?
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(readlink "build/kernels/$series" || echo "$series"): scripts/ktls-profile.sh -d $dir -c $cipher -w $wsize $series"
bench_report ktls-profile "$log" "$rc" '^=== '
