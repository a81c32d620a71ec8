#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/sm4ktls-status in the guest (TAP output), with kTLS sockets open:
# an SM4-GCM TLS 1.3 pair (TX and RX keys on one end) and, with sm4ktls, a
# TLCP one (TX only). The tool must say which module serves "tls"
# (SM4KTLS_DP_MOD), list both sockets with version, cipher and direction
# modes from sock_diag, show gcm(sm4) and the counters, exit 0 with
# sm4ktls, and exit 1 with "tls.ko owns the ULP" when the in-tree tls.ko
# serves it; a second network namespace's counters come on their own.
# Its JSON and its human output are both checked.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
mod=${SM4KTLS_DP_MOD:-sm4ktls}
tool=$top/tools/sm4ktls-status
work=$(mktemp -d)
n=0
rc=0
hpid=
cleanup() {
	[ -z "$hpid" ] || kill "$hpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

python3 "$top/selftests/ktls_hold.py" $([ "$mod" = sm4ktls ] && echo --tlcp) \
	>"$work/ready" 2>"$work/hold.err" &
hpid=$!
wait_for 20 grep -q ready "$work/ready"
grep -q ready "$work/ready" || sed 's/^/# /' "$work/hold.err"
check "kTLS sockets open (SM4-GCM 1.3$([ "$mod" = sm4ktls ] && echo ", TLCP"))" \
	grep -q ready "$work/ready"
read -r _ p13 ptlcp <"$work/ready"

# A second network namespace: its counters are listed on their own.
ip netns add sm4st 2>/dev/null
"$tool" >"$work/human" 2>&1
hs=$?
sed 's/^/# /' "$work/human"
"$tool" --json >"$work/json" 2>"$work/json.err"
js=$?
ip netns del sm4st
want=0
[ "$mod" = sm4ktls ] || want=1
[ $hs = $want ] && [ $js = $want ]
tap $? "exit status $hs (human), $js (--json), want $want"

# One check per line of the JSON that matters: "ok" or "not ok" + why.
python3 - "$work/json" "$mod" "$p13" "${ptlcp:-}" >"$work/checks" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
mod, p13, ptlcp = sys.argv[2], sys.argv[3], sys.argv[4]
def check(ok, what):
    print(("ok" if ok else "not ok") + " " + what)
owner = st["ulp"]["tls_owner"]
check(owner == mod, f"ULP \"tls\" owner {owner}, want {mod}")
gcm = st["crypto"]["gcm(sm4)"]
check(gcm and all("selftest" in d for d in gcm),
      f"gcm(sm4) drivers listed: {[d['driver'] for d in gcm]}")
socks = {s["local"].rsplit(":", 1)[1]: s for s in st["sockets"] or []}
s = socks.get(p13, {})
check((s.get("version"), s.get("cipher"), s.get("tx"), s.get("rx")) ==
      ("TLS 1.3", "SM4-GCM", "sw", "sw"),
      f"socket :{p13}: {s.get('version')} {s.get('cipher')} tx {s.get('tx')} rx {s.get('rx')}, want TLS 1.3 SM4-GCM sw sw")
if mod == "sm4ktls":
    s = socks.get(ptlcp, {})
    check((s.get("version"), s.get("cipher"), s.get("tx"), s.get("rx")) ==
          ("TLCP 1.1", "SM4-GCM", "sw", "none"),
          f"socket :{ptlcp}: {s.get('version')} {s.get('cipher')} tx {s.get('tx')} rx {s.get('rx')}, want TLCP 1.1 SM4-GCM sw none")
    check(s.get("tx_max_payload") == 4096 and
          socks.get(p13, {}).get("tx_max_payload") == 16384,
          f"TLS_TX_MAX_PAYLOAD_LEN {s.get('tx_max_payload')} on :{ptlcp} (want 4096), "
          f"{socks.get(p13, {}).get('tx_max_payload')} on :{p13} (want 16384)")
    c = st["counters"][""]
    check(c.get("TlsCurrTxSw", 0) >= 2 and c.get("TlsCurrRxSw", 0) >= 1,
          f"counters TlsCurrTxSw {c.get('TlsCurrTxSw')} (>= 2), TlsCurrRxSw {c.get('TlsCurrRxSw')} (>= 1)")
    o = st["counters"].get("sm4st", {})
    check(o.get("TlsCurrTxSw") == 0 and o.get("TlsTxSw") == 0,
          f"namespace sm4st listed apart, nothing open there: {o.get('TlsCurrTxSw')}, {o.get('TlsTxSw')}")
    check(st["problems"] == [], f"no problems: {st['problems']}")
else:
    check(st["problems"][:1] == ["tls.ko owns the ULP: sm4ktls not in use"],
          f"first problem: {st['problems'][:1]}")
PY
while read -r status what; do
	if [ "$status" = ok ]; then tap 0 "$what"; else tap 1 "${what#ok }"; fi
done <"$work/checks"
[ -s "$work/checks" ]
tap $? "the JSON parsed ($(wc -l <"$work/checks") checks)"
if [ "$mod" = sm4ktls ]; then
	grep -q '^ULP "tls": sm4ktls' "$work/human" &&
		grep -q 'TLCP 1.1 *SM4-GCM.*max_payload 4096' "$work/human" &&
		grep -q '^ok: sm4ktls serves' "$work/human"
else
	grep -q '^ULP "tls": tls.ko' "$work/human" &&
		grep -q '^problem: tls.ko owns the ULP' "$work/human"
fi
tap $? "human output names the owner$([ "$mod" = sm4ktls ] && echo ", TLCP with its record limit and the verdict" || echo " and the problem")"
echo "1..$n"
exit $rc
