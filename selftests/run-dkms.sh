#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside a guest (scripts/dkms-test.sh): the modules DKMS built from the
# sm4ktls-dkms package, loaded the way a machine with the package loads
# them: put in the kernel's module tree (updates/dkms, a copy of the tree
# in tmpfs, depmod), with the package's modprobe configuration, and no
# insmod. TAP output.
#   - setsockopt(TCP_ULP, "tls") loads sm4ktls, not tls.ko; an SM4-GCM
#     key loads sm4ktls_crypto (gcm(sm4)); sm4ktls-status agrees and
#     reports the package's version; ktls-demo's socket is sm4ktls's.
#   - modprobe bonding (which depends on tls.ko) loads sm4ktls first, so
#     bonding works and "tls" is still sm4ktls's; that tls.ko, without its
#     ULP, is pinned (rmmod refused: its exit would corrupt the ULP list).
#
# usage: run-dkms.sh MODULE_DIR MODPROBE_CONF VERSION [SM4KTLS_STATUS]
#   (scripts/deb-test.sh passes the installed sm4ktls-status)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
moddir=$1 conf=$2 ver=$3 status=${4:-$top/tools/sm4ktls-status}
kver=$(uname -r)
n=0
rc=0
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

tree=/tmp/modtree
mkdir -p "$tree/lib/modules"
cp -as "$top/build/kernels/$kver/root/lib/modules/$kver" "$tree/lib/modules/"
rm -f "$tree/lib/modules/$kver"/modules.*
mkdir -p "$tree/lib/modules/$kver/updates/dkms"
cp "$moddir"/*.ko* "$tree/lib/modules/$kver/updates/dkms/"
depmod -b "$tree" "$kver"
tap $? "depmod over the kernel's modules and $(ls "$moddir" | tr '\n' ' ')"
cat >/tmp/modprobe-helper <<SH
#!/bin/sh
exec /sbin/modprobe -d $tree -C $conf "\$@"
SH
chmod +x /tmp/modprobe-helper
echo /tmp/modprobe-helper >/proc/sys/kernel/modprobe

none_loaded() { ! grep -qE '^(sm4ktls|sm4ktls_crypto|tls|bonding) ' /proc/modules; }
check "nothing of ours or tls.ko loaded at the start" none_loaded

# An unmodified program: the ULP by name, then SM4-GCM keys; then
# sm4ktls-status while the socket is open.
python3 "$top/selftests/ktls_hold.py" >/tmp/hold.out 2>&1 &
hpid=$!
wait_for 20 grep -q ready /tmp/hold.out
"$status" --json >/dev/null 2>&1
s=$?
kill "$hpid"
wait "$hpid" 2>/dev/null
sed 's/^/# /' /tmp/hold.out
check "setsockopt(TCP_ULP, \"tls\") and SM4-GCM keys, no insmod" \
	grep -q ready /tmp/hold.out
check "sm4ktls autoloaded for \"tls\", tls.ko not" \
	bash -c "grep -q '^sm4ktls ' /proc/modules && ! grep -q '^tls ' /proc/modules"
check "sm4ktls_crypto autoloaded for gcm(sm4)" grep -q '^sm4ktls_crypto ' /proc/modules
tap $s "sm4ktls-status exit $s with the socket open"
for m in sm4ktls sm4ktls_crypto; do
	check "$m version $(cat /sys/module/$m/version 2>/dev/null) (package $ver)" \
		test "$(cat /sys/module/$m/version 2>/dev/null)" = "$ver"
done
"$top/build/tools/ktls-demo" >/tmp/demo.out 2>&1
check "ktls-demo: served by sm4ktls" grep -q "served by sm4ktls" /tmp/demo.out
wait_unused sm4ktls
rmmod sm4ktls sm4ktls_crypto
check "modules unload" none_loaded

# ktls-demo with bonding loaded: its socket must be sm4ktls's.
demo_beside_bonding() {
	"$top/build/tools/ktls-demo" >/tmp/demo.out 2>&1
	check "ktls-demo beside bonding: served by sm4ktls" \
		grep -q "served by sm4ktls" /tmp/demo.out
}

# Unload bonding and ours, give the kernel its module loader back, end.
finish() { # WHAT_STAYS
	wait_unused sm4ktls
	rmmod bonding && rmmod sm4ktls && rmmod sm4ktls_crypto
	tap $? "bonding, sm4ktls and sm4ktls_crypto unload$1"
	echo "$top/scripts/vm-modprobe" >/proc/sys/kernel/modprobe
	echo "1..$n"
	exit $rc
}

# A kernel without tls.ko (5.10): bonding needs no tls.ko there.
if ! intree_tls; then
	/tmp/modprobe-helper bonding
	check "modprobe bonding works (no tls.ko in $kver)" grep -q '^bonding ' /proc/modules
	# Bonding brought nothing of ours: the first demo's ULP autoloads
	# sm4ktls, the second sees its sockets counted.
	"$top/build/tools/ktls-demo" >/dev/null 2>&1
	demo_beside_bonding
	finish ""
fi
# bonding depends on tls.ko: the softdep puts sm4ktls in front of it.
/tmp/modprobe-helper bonding
check "modprobe bonding works" grep -q '^bonding ' /proc/modules
check "sm4ktls and tls.ko loaded with it" \
	bash -c "grep -q '^sm4ktls ' /proc/modules && grep -q '^tls ' /proc/modules"
"$status" >/tmp/status2.out 2>&1
s=$?
sed 's/^/# /' /tmp/status2.out | grep -E 'ULP|tls.ko|problem|ok:'
check "\"tls\" is sm4ktls's beside tls.ko (status exit $s)" \
	grep -q '^ULP "tls": sm4ktls' /tmp/status2.out
ip link add sm4bond0 type bond
check "a bond device can be made" ip link show sm4bond0
ip link del sm4bond0
demo_beside_bonding
! rmmod tls 2>/dev/null && grep -q '^tls ' /proc/modules
tap $? "tls.ko without its ULP is pinned: rmmod tls refused"
finish " (tls.ko stays)"
