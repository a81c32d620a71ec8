#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, tested as an operator uses them: make deb, then
# DKMS (Debian's dkms, in trees under build/dkms-test so the host's own
# /var/lib/dkms and /lib/modules stay untouched) adds the sm4ktls-dkms
# sources and builds them for each kernel series against its fetched
# headers (a kernel of another Debian release, 5.10 or 7.2, with that
# release's dkms and compiler, in its chroot: scripts/kchroot.sh); a
# guest of that kernel loads the DKMS-built modules through
# its module tree with the package's modprobe configuration
# (selftests/run-dkms.sh: autoload, bonding); dkms remove must leave
# nothing behind. TAP lines, then "N passed, N failed".
#
# usage: scripts/dkms-test.sh [SERIES...]     (default 6.1 6.12)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
series=${*:-6.1 6.12}
n=0
rc=0
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"
pkg_test_start dkms-deb.log dkms
t=$top/build/dkms-test
rm -rf "$t"
mkdir -p "$t/root" "$t/dkms"
dpkg-deb -x "build/deb/sm4ktls-dkms_${ver}_all.deb" "$t/root" &&
	dpkg-deb -x "build/deb/sm4ktls-tools_${ver}_all.deb" "$t/root"
res $? "packages unpacked"
dk=(dkms --dkmstree "$t/dkms" --sourcetree "$t/root/usr/src")
"${dk[@]}" add -m sm4ktls -v "$ver" >"$logs/dkms-add.log" 2>&1
res $? "dkms add sm4ktls/$ver"
for s in $series; do
	make --no-print-directory kernels SERIES="$s" >/dev/null 2>&1
	k=$(readlink "build/kernels/$s")
	hdr=$top/build/kernels/$k/root/usr/src/linux-headers-$k
	run=() flags=()
	if [ -e "build/kernels/$k/suite" ]; then
		run=(scripts/kchroot.sh -p dkms "$k" --)
		# bullseye's dkms 2.8 "prepares" a kernel named with
		# --kernelsourcedir (make mrproper: our fetched headers).
		! grep -q -- '--no-prepare-kernel)' "$(scripts/kchroot.sh -p dkms "$k")/usr/sbin/dkms" ||
			flags=(--no-prepare-kernel --no-clean-kernel)
	fi
	start=$(date +%s)
	"${run[@]}" "${dk[@]}" build "${flags[@]}" -m sm4ktls -v "$ver" -k "$k" \
		--kernelsourcedir "$hdr" >"$logs/dkms-build-$s.log" 2>&1
	res $? "dkms build for $k ($(($(date +%s) - start)) s)"
	mods=$t/dkms/sm4ktls/$ver/$k/x86_64/module
	[ "$(ls "$mods" 2>/dev/null | tr '\n' ' ')" = "$(wanted_modules "$hdr" .ko)" ]
	res $? "built: $(ls "$mods" 2>/dev/null | tr '\n' ' ')"
	log=$logs/dkms-guest-$s.log
	scripts/vm.sh -t 900 -l "$log" "$s" selftests/run-dkms.sh "$mods" \
		"$t/root/etc/modprobe.d/sm4ktls-dkms.conf" "$ver" \
		>/dev/null 2>"$log.verdict"
	res $? "guest $s with the DKMS-built modules: finished, no splat, runner exit 0"
	cat "$log.verdict"
	count "$log"
done
"${dk[@]}" remove -m sm4ktls -v "$ver" --all >"$logs/dkms-remove.log" 2>&1
res $? "dkms remove sm4ktls/$ver --all"
[ -z "$(ls -A "$t/dkms" 2>/dev/null)" ]
res $? "nothing left in the DKMS tree ($(ls -A "$t/dkms" | tr '\n' ' '))"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
