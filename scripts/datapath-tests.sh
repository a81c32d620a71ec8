#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The data-path tests (issue 4) in a guest of one kernel series: records
# against a userspace TLS implementation, bad input, socket options,
# bulk and many connections, OpenSSL 3.0 kTLS interop.
#
# usage: scripts/datapath-tests.sh [--stock] [--long] SERIES
#   --stock  serve the sockets with the in-tree tls.ko (validates the tests)
#            instead of this project's sm4ktls.ko
#   --long   1 GiB bulk and bigger transfers (about 15 min more under TCG)
# Ends with "N passed, N failed"; the guest log is in build/test-logs/.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
stock=0 long=0
while [ $# -gt 0 ]; do
	case $1 in
	--stock) stock=1; shift ;;
	--long) long=1; shift ;;
	*) break ;;
	esac
done
[ $# = 1 ] || { echo "usage: $0 [--stock] [--long] SERIES" >&2; exit 2; }
series=$1
mode=$([ $stock = 1 ] && echo stock || echo sm4ktls)
logs=$top/build/test-logs
log=$logs/datapath-$mode$([ $long = 1 ] && echo -long)-$series.log
mkdir -p "$logs"

make --no-print-directory modules SERIES="$series" >"$logs/datapath-build.log" 2>&1 &&
	make --no-print-directory -C selftests >>"$logs/datapath-build.log" 2>&1 ||
	{ tail -n 20 "$logs/datapath-build.log"; echo "0 passed, 1 failed"; exit 1; }

timeout=3600
[ $long = 1 ] && timeout=10800
scripts/vm.sh -t "$timeout" -l "$log" "$series" \
	"STOCK=$stock LONG=$long selftests/run-datapath.sh" >/dev/null 2>"$log.verdict"
vrc=$?

grep -aE '^not ok ' "$log" | sed "s/^/FAIL: [$series $mode] /"
grep -aE '^# (bulk|many)' "$log"
cat "$log.verdict"
pass=$(grep -aEc '^ok ' "$log")
skip=$(grep -aEc '^ok .*# SKIP' "$log")
fail=$(grep -aEc '^not ok ' "$log")
[ $vrc = 0 ] || fail=$((fail + 1))
echo "$((pass - skip)) passed, $fail failed$([ "$skip" = 0 ] || echo ", $skip skipped") (log: $log)"
[ "$fail" = 0 ] && [ "$skip" = 0 ]
