#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside a guest (scripts/trinity.sh): Debian's trinity against TCP with
# sm4ktls_crypto and sm4ktls loaded, as nobody, over IPv4 then IPv6; TAP
# lines for the module's reference count coming back and the modules
# unloading. trinity's own verdict is the kernel's: scripts/vm.sh fails
# the run on any splat.
# /tmp is a tmpfs (trinity writes its logs into its cwd); -T: only taint
# flags a kernel bug sets (loading our out-of-tree module already set O and
# E, which trinity would otherwise stop on); -P INET and INET6: TCP is
# where the ULP lives.
#
# usage: run-trinity.sh SECONDS CHILDREN OPS SEED CALL...
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
obj=$top/build/obj/$(uname -r)
secs=$1 children=$2 ops=$3 seed=$4
shift 4
cargs=()
for c in "$@"; do cargs+=(-c "$c"); done

insmod "$obj/sm4ktls_crypto.ko" kat_million=0 && insmod "$obj/sm4ktls.ko" || exit 1
echo "ok - modules loaded: $(grep -E '^sm4ktls' /proc/modules | cut -d' ' -f1 | tr '\n' ' ')"
ref0=$(cat /sys/module/sm4ktls/refcnt)
mkdir -p /tmp/trinity && chmod 777 /tmp/trinity && cd /tmp/trinity || exit 1
for dom in INET INET6; do
	echo "# === trinity -P $dom"
	timeout -k 10 "$secs" setpriv --reuid=65534 --regid=65534 --clear-groups \
		trinity -a 64 -C "$children" -N $((ops / 2)) -s "$seed" -P "$dom" \
			-T DIE,WARN,BAD_PAGE,MACHINE_CHECK --stats -l off "${cargs[@]}" 2>&1 |
		tail -n 60
	echo "# trinity -P $dom exited ${PIPESTATUS[0]}"
done
cd "$top" || exit 1
sleep 1
ref1=$(cat /sys/module/sm4ktls/refcnt)
if [ "$ref1" = "$ref0" ]; then
	echo "ok - sm4ktls refcount $ref0 -> $ref1"
else
	echo "not ok - sm4ktls refcount $ref0 -> $ref1"
fi
if rmmod sm4ktls && rmmod sm4ktls_crypto; then
	echo 'ok - modules unload'
else
	echo 'not ok - modules unload'
fi
exit 0
