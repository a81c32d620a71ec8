#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream's kTLS selftest (tools/testing/selftests/net/tls.c, Debian's
# copy, built by `make -C selftests upstream`) against the project's ULP in
# a QEMU guest of SERIES. sm4ktls_crypto is loaded first (gcm(sm4)/ccm(sm4)),
# then sm4ktls serving "tls" (default) or the in-tree tls.ko (--stock, the
# reference the project must match). The guest side
# (selftests/run-upstream-tls.sh) proves the intended module served the
# sockets; see there.
#
# usage: scripts/upstream-tls.sh [--stock] [--copy 6.1|6.12] [--variants A,B]
#        [--tests A,B] [--exclude A,B] [--exclude-rekey] [-t SECONDS] [-l LOG]
#        SERIES
#   --copy       whose tls.c to run (default: the kernel's own series)
#   --variants   variant names (13_sm4_gcm,...): every fixture's cases of them
#   --tests      test names (sendfile,...); with --variants: both must match
#   --exclude    test names to leave out (upstream's own failures)
# Prints the TAP stream and ends with "N passed, N failed"; exit 0 if green.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
gargs=() copy= timeout=3600 log= mode=sm4ktls
while [ $# -gt 1 ]; do
	case $1 in
	--stock) gargs+=(--stock); mode=stock; shift ;;
	--exclude-rekey) gargs+=("$1"); shift ;;
	--variants | --tests | --exclude) gargs+=("$1" "$2"); shift 2 ;;
	--copy) copy=$2; shift 2 ;;
	-t) timeout=$2; shift 2 ;;
	-l) log=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# = 1 ] || { sed -n '/^# usage/,/^# Prints/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
series=$1
copy=${copy:-$series}
bin=build/selftests/upstream-tls-$copy
mkdir -p build/test-logs
log=${log:-build/test-logs/upstream-tls-$series-$mode-copy$copy.log}

make --no-print-directory modules SERIES="$series" >build/test-logs/upstream-build-$series.log 2>&1 &&
	make --no-print-directory -C selftests "$top/$bin" "$top/build/selftests/ulp-audit.so" >>build/test-logs/upstream-build-$series.log 2>&1 || {
	tail -n 20 build/test-logs/upstream-build-$series.log
	echo "0 passed, 1 failed"
	exit 1
}

start=$(date +%s)
scripts/vm.sh -t "$timeout" -l "$log" "$series" \
	selftests/run-upstream-tls.sh --bin "$top/$bin" "${gargs[@]}" >/dev/null 2>"$log.verdict"
vrc=$?
secs=$(($(date +%s) - start))

grep -E '^(ok|not ok) |^# upstream-tls:' "$log"
cat "$log.verdict"
pass=$(grep -Ec '^ok ' "$log")
skip=$(grep -Ec '^ok .*# SKIP' "$log")
fail=$(grep -Ec '^not ok ' "$log")
[ $vrc = 0 ] || fail=$((fail + 1))
echo "# upstream-tls $series ($mode, tls.c of $copy): guest ${secs}s, log $log"
if [ "$skip" -gt 0 ]; then
	echo "$((pass - skip)) passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
