#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's trinity (system-call fuzzer) in a guest with sm4ktls_crypto and
# sm4ktls loaded, restricted to the socket calls a kTLS socket sees. A
# complement to selftests/fuzz.c, not a substitute: trinity's sockets are
# its own (socket() with random families, rarely connected), so its
# setsockopt(TCP_ULP) calls meet unconnected sockets and random names, and
# it never gets a socket with keys installed. What it does cover is the
# module being loaded while random socket calls hit TCP (the ULP's
# registration, the proto tables it does not own) and that the kernel
# stays clean under that load.
#
# usage: scripts/trinity.sh [-N OPS] [-C CHILDREN] [-s SEED] [-t SECONDS] [SERIES]
#   -N  syscalls in all (default 20000)      -C  child processes (default 2)
#   -s  trinity seed (default: from the clock)
#   -t  wall-clock bound for trinity inside the guest (default 300)
#   SERIES  default 6.12-debug if built, else 6.12
# trinity refuses to run as root without --dangerous: it runs as nobody.
# Ends with "N passed, N failed"; the guest log is in build/test-logs/.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
ops=20000 children=2 seed=$(date +%s) secs=300
while getopts N:C:s:t: opt; do
	case $opt in
	N) ops=$OPTARG ;;
	C) children=$OPTARG ;;
	s) seed=$OPTARG ;;
	t) secs=$OPTARG ;;
	*) echo "usage: $0 [-N OPS] [-C CHILDREN] [-s SEED] [-t SECONDS] [SERIES]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
series=${1:-$([ -e build/kernels/6.12-debug ] && echo 6.12-debug || echo 6.12)}

if ! command -v trinity >/dev/null; then
	apt-get install -y -q trinity >&2 ||
		{ apt-get update -qq >&2 && apt-get install -y -q trinity >&2; } ||
		{ echo "0 passed, 1 failed (no trinity)"; exit 1; }
fi

logs=$top/build/test-logs
log=$logs/trinity-$series-$seed.log
mkdir -p "$logs"
# A kernel already fetched or built is used as it is (`make modules` would
# refresh it: for 6.12-debug, rebuild the sanitizer kernel).
k=$(readlink "build/kernels/$series")
if [ -n "$k" ]; then
	make --no-print-directory module \
		KDIR="$top/build/kernels/$k/root/usr/src/linux-headers-$k"
else
	make --no-print-directory modules SERIES="$series"
fi >"$logs/trinity-build.log" 2>&1 ||
	{ tail -n 20 "$logs/trinity-build.log"; echo "0 passed, 1 failed"; exit 1; }

calls="setsockopt getsockopt sendmsg recvmsg sendto recvfrom splice sendfile socket connect accept close shutdown poll"
echo "trinity: $series, seed $seed, $ops syscalls, $children children; log $log"
scripts/vm.sh -t $((2 * secs + 600)) -l "$log" "$series" \
	selftests/run-trinity.sh "$secs" "$children" "$ops" "$seed" $calls \
	>/dev/null 2>"$log.verdict"
vrc=$?
grep -aE '^(not )?ok |^# |^\[[a-z]|[Ss]yscall|errno|taint' "$log" | grep -av '^\[ *[0-9]' | head -n 120
cat "$log.verdict"
pass=$(grep -aEc '^ok ' "$log")
fail=$(grep -aEc '^not ok ' "$log")
[ $vrc = 0 ] || fail=$((fail + 1))
echo "$pass passed, $fail failed (log: $log)"
[ "$fail" = 0 ]
