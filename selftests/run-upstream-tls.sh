#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside a guest (scripts/vm.sh): run upstream's tls selftest
# (build/selftests/upstream-tls-SERIES) against either the project's ULP
# (sm4ktls.ko, serving the name "tls") or the in-tree tls.ko (--stock), with
# sm4ktls_crypto.ko providing gcm(sm4)/ccm(sm4) in both cases.
#
# Upstream's suite "tests without tls" and passes when TCP_ULP fails, so a
# green run proves nothing by itself. Besides its TAP lines this prints TAP
# lines of its own that prove the intended module served the sockets:
#   - the serving module is loaded and the other one is not, before and
#     after (only one "tls" ULP can exist, so every successful TCP_ULP "tls"
#     went to it);
#   - an LD_PRELOAD audit (build/selftests/ulp-audit.so) of the suite's
#     setsockopt() calls: no TCP_ULP "tls" failed with ENOENT (no "testing
#     without tls"), and every passed case of fixture "tls" attached the ULP
#     on both sockets and installed a TX key;
#   - with --stock, tls.ko's own counter agrees: /proc/net/tls_stat TlsTxSw
#     grew by at least one per passed "tls" case.
#
# usage: run-upstream-tls.sh [--stock] [--bin PATH] [--variants A,B]
#        [--tests A,B] [--exclude A,B] [--exclude-rekey] [--list]
# Lists are comma-separated shell globs (--exclude 'mutliproc_*').
# Exit status: 0 if every selected test and every check passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
obj=$top/build/obj/$(uname -r)
bin=$top/build/selftests/upstream-tls-6.12
auditso=$top/build/selftests/ulp-audit.so
stock=0 variants= tests= exclude= norekey=0 listonly=0
while [ $# -gt 0 ]; do
	case $1 in
	--stock) stock=1; shift ;;
	--bin) bin=$2; shift 2 ;;
	--variants) variants=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	--exclude) exclude=$2; shift 2 ;;
	--exclude-rekey) norekey=1; shift ;;
	--list) listonly=1; shift ;;
	*) echo "run-upstream-tls: unknown argument $1" >&2; exit 2 ;;
	esac
done
rc=0
loaded=()
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

# Counter NAME of a /proc/net/*_stat file, 0 if absent.
stat_of() { # FILE NAME
	awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }' "$1" 2>/dev/null || echo 0
}

# "fixture variant test" triples (variant "-" when none) from the harness's
# -l table: fixed columns %-20s %-25s %s, variants and tests listed side by
# side, fixture name on the first row of each block.
list_cases() {
	"$bin" -l 2>&1 | awk '
	function flush(  i, j) {
		if (f == "") return
		if (nv == 0) { nv = 1; v[1] = "-" }
		for (i = 1; i <= nv; i++) for (j = 1; j <= nt; j++)
			print f, v[i], t[j]
	}
	/^# FIXTURE/ { next }
	/^----/ { flush(); f = ""; nv = nt = 0; next }
	{
		ff = substr($0, 1, 20); vv = substr($0, 22, 25); tt = substr($0, 48)
		gsub(/ /, "", ff); gsub(/ /, "", vv); gsub(/ /, "", tt)
		if (ff != "") f = ff
		if (vv != "") v[++nv] = vv
		if (tt != "") t[++nt] = tt
	}
	END { flush() }'
}

in_list() { # WORD COMMA-LIST-OF-GLOBS
	local pat pats

	IFS=, read -ra pats <<<"$2"
	for pat in "${pats[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == $pat ]] && return 0
	done
	return 1
}

# -r arguments for the selected cases, one per line.
select_cases() {
	local f v t
	list_cases | while read -r f v t; do
		[ -z "$variants" ] || in_list "$v" "$variants" || continue
		[ -z "$tests" ] || in_list "$t" "$tests" || continue
		[ -z "$exclude" ] || ! in_list "$t" "$exclude" || continue
		[ $norekey = 0 ] || [[ $t != *rekey* ]] || continue
		if [ "$v" = - ]; then echo "$f.$t"; else echo "$f.$v.$t"; fi
	done
}

for f in "$bin" "$auditso"; do
	[ -e "$f" ] || { echo "not ok - upstream-tls: $f missing (make -C selftests upstream)"; exit 1; }
done
# (No process substitution: the guest has no /dev/fd.)
sel=$(select_cases)
if [ $listonly = 1 ]; then
	[ -z "$sel" ] || echo "$sel"
	exit 0
fi
cases=()
[ -z "$sel" ] || mapfile -t cases <<<"$sel"
[ ${#cases[@]} -gt 0 ]
tap $? "upstream-tls: ${#cases[@]} cases selected from $(basename "$bin")"
[ ${#cases[@]} -gt 0 ] || exit 1

if [ $stock = 1 ]; then
	serve=tls other=sm4ktls
else
	serve=sm4ktls other=tls
fi
statfile=
[ $stock = 1 ] && statfile=/proc/net/tls_stat

# Load sm4ktls_crypto, then the serving ULP; remember what we loaded.
# kat_million=0: the 1,000,000-iteration KATs run in selftests/run-guest.sh.
if ! loaded sm4ktls_crypto; then
	insmod "$obj/sm4ktls_crypto.ko" kat_million=0 && loaded+=(sm4ktls_crypto)
fi
loaded sm4ktls_crypto
tap $? "upstream-tls: sm4ktls_crypto loaded (gcm(sm4)/ccm(sm4) provider)"
! loaded $other
tap $? "upstream-tls: $other.ko not loaded (it would own the ULP name \"tls\")"
if ! loaded $serve; then
	if [ $stock = 1 ]; then
		"$top/scripts/vm-modprobe" tls
	else
		insmod "$obj/sm4ktls.ko"
	fi && loaded+=("$serve")
fi
loaded $serve
tap $? "upstream-tls: $serve loaded to serve TCP_ULP \"tls\""
[ $rc = 0 ] || exit 1

# The first use of an AEAD autoloads gcm/ccm/ghash modules over 9p and runs
# the kernel's self-tests on the new instance: under TCG on a busy host that
# can eat most of the first test's 30 s. Instantiate every kTLS cipher first.
python3 - <<'EOF'
import socket
for name in ("gcm(aes)", "ccm(aes)", "gcm(sm4)", "ccm(sm4)",
             "rfc7539(chacha20,poly1305)", "gcm(aria)"):
    try:
        socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET).bind(("aead", name))
    except OSError:
        pass
EOF

# Peak refcount of the serving module while the suite runs.
peakfile=$(mktemp)
(
	peak=0
	while :; do
		v=$(refcnt $serve)
		[ "$v" -gt "$peak" ] 2>/dev/null && { peak=$v; echo "$peak" >"$peakfile"; }
		sleep 0.2
	done
) &
sampler=$!
tx0=0
[ -n "$statfile" ] && tx0=$(stat_of $statfile TlsTxSw)

out=$(mktemp)
audit=$(mktemp)
args=()
for c in "${cases[@]}"; do args+=(-r "$c"); done
start=$(date +%s)
SM4KTLS_AUDIT=$audit LD_PRELOAD=$auditso "$bin" "${args[@]}" 2>&1 | tee "$out"
brc=${PIPESTATUS[0]}
secs=$(($(date +%s) - start))
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null

ran=$(grep -Ec '^(ok|not ok) [0-9]+ ' "$out")
passed=$(grep -Ec '^ok [0-9]+ ' "$out")
echo "# upstream-tls: $ran cases in ${secs}s on $(uname -r) via $serve"
[ "$ran" = ${#cases[@]} ]
tap $? "upstream-tls: all ${#cases[@]} selected cases reported ($ran)"
if [ "$passed" = "$ran" ]; then
	[ $brc = 0 ]
	tap $? "upstream-tls: $(basename "$bin") exit status $brc"
fi
want=$(grep -Ec '^ok [0-9]+ tls\.' "$out")
notls=$(grep -c 'testing without tls' "$out")
enoent=$(grep -c '^ulp tls -2$' "$audit")
[ "$notls" = 0 ] && [ "$enoent" = 0 ]
tap $? "upstream-tls: no case ran without tls (ENOENT $enoent, fallbacks $notls)"
ulps=$(grep -c '^ulp tls 0$' "$audit")
[ "$ulps" -gt 0 ] && [ "$ulps" -ge $((2 * want)) ]
tap $? "upstream-tls: TCP_ULP \"tls\" attached $ulps times, >= 2 per passed tls.* case ($want)"
txs=$(grep -c '^tx [0-9]* 0$' "$audit")
[ "$txs" -ge "$want" ]
tap $? "upstream-tls: TLS_TX installed $txs times, >= $want"
loaded $serve && ! loaded $other
tap $? "upstream-tls: $serve still loaded, $other never loaded"
peak=$(cat "$peakfile" 2>/dev/null)
echo "# upstream-tls: peak $serve refcount seen while running: ${peak:-0} (sampled, informative)"
if [ -n "$statfile" ]; then
	tx=$(($(stat_of $statfile TlsTxSw) - tx0))
	[ "$tx" -ge "$want" ] && [ "$tx" -gt 0 ]
	tap $? "upstream-tls: $statfile TlsTxSw +$tx >= $want passed tls.* cases"
fi
rm -f "$audit"
rm -f "$out" "$peakfile"

# Unload what we loaded, newest first; sockets may linger in TIME_WAIT-less
# close for a moment, so give the refcount time to drop.
for ((i = ${#loaded[@]} - 1; i >= 0; i--)); do
	m=${loaded[i]}
	for _ in $(seq 50); do [ "$(refcnt "$m")" = 0 ] && break; sleep 0.2; done
	rmmod "$m"
	tap $? "upstream-tls: rmmod $m"
done
exit $rc
