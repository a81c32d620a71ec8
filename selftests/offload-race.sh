#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Device offload under churn, inside a guest (TAP output). Client threads
# in sa open connections to a server in sb as fast as they can; both ends
# attach the ULP and install keys (device mode through the simulated NIC
# sm4ktls_sim.ko when the route goes through it), send, and close in five
# ways (at once after the key, after data, after a reply, with a reset,
# MSG_MORE then shutdown). Meanwhile:
#   phase 1: the devices go down and up, routes flip between the sim pair
#            and the veth pair, the TX offload feature is switched off/on;
#   phase 2: rmmod sm4ktls_sim races the key installs and closes.
# After each phase: every byte the server and the clients got was right
# (the data is a known pattern; kTLS authenticated the records), no
# connection timed out or lost data, the device saw its connections
# (TlsTxDevice, TlsRxDevice moved) and gave every one back (ethtool -S
# tls_{tx,rx}_add == tls_{tx,rx}_del), TlsCurr{Tx,Rx}{Sw,Device} back to 0
# in both namespaces; rmmod succeeded at once, the driver is gone and
# sm4ktls's refcount is back. The VM harness fails the run on any splat.
#
#   sa (clients)                          sb (server)
#   10.8.0.1 on lo                        10.9.0.2 on lo
#   sm4sim0a 10.1.0.1  <-- sim pair -->   sm4sim0b 10.1.0.2   metric 10
#   va       10.2.0.1  <-- veth pair -->  vb       10.2.0.2   metric 20
#
# Knobs: SM4KTLS_OFFLOAD_RACE_SECS (15 s per phase),
# SM4KTLS_OFFLOAD_RACE_THREADS (8 client threads).
# Needs sm4ktls_crypto.ko and sm4ktls.ko loaded; loads sm4ktls_sim.ko.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
obj=$top/build/obj/$(uname -r)
secs=${SM4KTLS_OFFLOAD_RACE_SECS:-15}
threads=${SM4KTLS_OFFLOAD_RACE_THREADS:-8}
work=$(mktemp -d)
n=0
rc=0
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

# Phase 1's action: one disturbance after another for SECONDS.
flap() { # SECONDS
	local end=$(($(date +%s) + $1)) i=0
	while [ "$(date +%s)" -lt "$end" ]; do
		case $((i % 4)) in
		0)	# both devices down and up
			ip -n sa link set sm4sim0a down
			ip -n sb link set sm4sim0b down ;;
		1)	# routes flip to the veth pair and back
			ip -n sa route del 10.9.0.2/32 metric 10
			ip -n sb route del 10.8.0.1/32 metric 10 ;;
		2)	# the sending side's device only
			ip -n sa link set sm4sim0a down ;;
		3)	# new connections stay in software for a while
			sa ethtool -K sm4sim0a tls-hw-tx-offload off ;;
		esac
		sleep 0.2
		[ $((i % 4)) = 3 ] && sa ethtool -K sm4sim0a tls-hw-tx-offload on
		restore_routes
		sleep 0.2
		i=$((i + 1))
	done
	echo "# $i disturbances in $1 s"
}

# Phase 2's action: rmmod of the device driver under the churn.
rmmod_race() { # SECONDS
	local t0 t1
	sleep $(($1 / 3))
	t0=$(date +%s%N)
	timeout 60 rmmod sm4ktls_sim
	echo $? >"$work/rmmod.rc"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000)) >"$work/rmmod.ms"
	sleep $(($1 - $1 / 3))
}

cat >"$work/churn.py" <<'EOF'
# Both ends of the churn: "server ADDR PORT STOPFILE" in sb, "client ADDR
# PORT STOPFILE THREADS" in sa. A connection starts with 4 plain bytes
# (cipher, version, reply, mode; payload length) and a plain 1-byte ack
# once the server has its RX key (so the client cannot close before the
# server attaches: ENOTCONN), then kTLS.
import errno, os, random, socket, struct, sys, threading, time

TCP_ULP, SOL_TLS, TLS_TX, TLS_RX = 31, 282, 1, 2
CIPHERS = (51, 55)			# AES-GCM-128, SM4-GCM: same layout
VERSIONS = (0x0303, 0x0304)
PAT = bytes((i * 31 + (i >> 8) * 7) & 0xff for i in range(1 << 17))
RESET = 3

def info(c, v, d):
	iv = bytes((i * 3 + 9 + d) & 0xff for i in range(8))
	key = bytes((i * 7 + 1 + d) & 0xff for i in range(16))
	salt = bytes((i * 13 + 5 + d) & 0xff for i in range(4))
	return struct.pack('=HH', VERSIONS[v], CIPHERS[c]) + iv + key + salt + bytes(8)

class Stats:
	def __init__(self):
		self.lock = threading.Lock()
		self.c = {}
	def inc(self, k, n=1):
		with self.lock:
			self.c[k] = self.c.get(k, 0) + n
	def line(self):
		return ' '.join('%s=%d' % kv for kv in sorted(self.c.items()))

def recv_exact(s, n):
	b = b''
	while len(b) < n:
		d = s.recv(n - len(b))
		if not d:
			break
		b += d
	return b

def oserror(st, e):
	if isinstance(e, socket.timeout):
		st.inc('timeout')
		return
	name = errno.errorcode.get(e.errno, str(e.errno))
	st.inc(name)
	if e.errno == errno.EBADMSG:
		st.inc('bad')

def ulp(s, st):
	try:
		s.setsockopt(socket.SOL_TCP, TCP_ULP, b'tls')
	except OSError as e:
		if e.errno == errno.ENOENT:
			st.inc('noulp')
		raise

def serve(c, st):
	mode = -1
	try:
		c.settimeout(20)
		h = recv_exact(c, 4)
		if len(h) < 4:
			st.inc('nohdr')
			return
		ci, v, reply, mode = h[0] & 1, h[0] >> 1 & 1, h[0] >> 2 & 1, h[0] >> 3
		n = int.from_bytes(h[1:], 'big')
		ulp(c, st)
		c.setsockopt(SOL_TLS, TLS_RX, info(ci, v, 0))
		c.sendall(b'k')		# no TX key yet: plain
		if reply:
			c.setsockopt(SOL_TLS, TLS_TX, info(ci, v, 1))
		got = 0
		while True:	# to the client's close, even with nothing to read
			d = c.recv(65536)
			if not d:
				break
			if d != PAT[got:got + len(d)] or got + len(d) > n:
				st.inc('bad')
				return
			got += len(d)
			if reply and got == n:
				c.sendall(PAT[:n % 4096 + 1])
		st.inc('bytes', got)
		if got < n and mode != RESET:
			st.inc('lost')
		st.inc('done')
	except socket.timeout:
		# A reset is sent once: if a device going away drops it, the
		# server waits for nothing. Any other silence is a stall.
		st.inc('timeout_after_reset' if mode == RESET else 'timeout')
	except OSError as e:
		oserror(st, e)
	finally:
		c.close()

def server(addr, port, stop):
	st = Stats()
	ls = socket.socket()
	ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	ls.bind((addr, port))
	ls.listen(256)
	ls.settimeout(0.5)
	ths = []
	while not os.path.exists(stop):
		try:
			c, _ = ls.accept()
		except socket.timeout:
			continue
		st.inc('conns')
		t = threading.Thread(target=serve, args=(c, st))
		t.start()
		ths = [x for x in ths if x.is_alive()] + [t]
	ls.close()
	for t in ths:
		t.join(30)
	stuck = sum(t.is_alive() for t in ths)
	print('# churn server: %s stuck=%d' % (st.line(), stuck), flush=True)
	bad = sum(st.c.get(k, 0) for k in ('bad', 'lost', 'noulp', 'timeout'))
	os._exit(1 if bad or stuck or not st.c.get('done') else 0)

def client(addr, port, stop, tid, st):
	rnd = random.Random(tid * 7919 + os.getpid())
	while not os.path.exists(stop):
		ci, v, mode = rnd.randrange(2), rnd.randrange(2), rnd.randrange(5)
		n = rnd.randrange(1, 1 << 16) if mode else 0
		reply = mode == 2
		s = socket.socket()
		try:
			s.settimeout(20)
			s.connect((addr, port))
			s.sendall(bytes([ci | v << 1 | reply << 2 | mode << 3]) +
				  n.to_bytes(3, 'big'))
			if recv_exact(s, 1) != b'k':
				st.inc('noack')
				continue
			ulp(s, st)
			s.setsockopt(SOL_TLS, TLS_TX, info(ci, v, 0))
			if reply:
				s.setsockopt(SOL_TLS, TLS_RX, info(ci, v, 1))
			if mode == RESET:
				s.sendall(PAT[:n])
				s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
					     struct.pack('ii', 1, 0))
			elif mode == 4:
				s.sendall(PAT[:n], socket.MSG_MORE)
				s.shutdown(socket.SHUT_WR)
			elif mode:
				s.sendall(PAT[:n])
			if reply:
				m = n % 4096 + 1
				if recv_exact(s, m) != PAT[:m]:
					st.inc('bad')
			st.inc('mode%d' % mode)
		except OSError as e:
			oserror(st, e)
		finally:
			s.close()

def clients(addr, port, stop, nthreads):
	st = Stats()
	ths = [threading.Thread(target=client, args=(addr, port, stop, i, st))
	       for i in range(nthreads)]
	for t in ths:
		t.start()
	for t in ths:
		t.join(60)
	stuck = sum(t.is_alive() for t in ths)
	print('# churn clients: %s stuck=%d' % (st.line(), stuck), flush=True)
	bad = sum(st.c.get(k, 0) for k in ('bad', 'noulp', 'timeout'))
	os._exit(1 if bad or stuck else 0)

if sys.argv[1] == 'server':
	server(sys.argv[2], int(sys.argv[3]), sys.argv[4])
else:
	clients(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
EOF

snap() { # PREFIX: device-mode totals of both namespaces
	eval "${1}_txdev=$(ns_counter sa TlsTxDevice) ${1}_rxdev=$(ns_counter sb TlsRxDevice)"
}

# Every TlsCurr* counter of both namespaces is 0.
curr_zero() {
	local ns c v
	for ns in sa sb; do
		for c in TlsCurrTxSw TlsCurrRxSw TlsCurrTxDevice TlsCurrRxDevice; do
			v=$(ns_counter $ns $c)
			[ "$v" = 0 ] || { echo "# $ns $c = $v"; return 1; }
		done
	done
}

# Every connection a device took it has given back.
released() {
	local ns dev dir add del d
	for d in "sa sm4sim0a" "sb sm4sim0b"; do
		read -r ns dev <<<"$d"
		for dir in tx rx; do
			add=$(simstat "$ns" "$dev" "tls_${dir}_add")
			del=$(simstat "$ns" "$dev" "tls_${dir}_del")
			[ -n "$add" ] && [ "$add" = "$del" ] || return 1
		done
	done
}

released_line() {
	local ns dev dir d line=
	for d in "sa sm4sim0a" "sb sm4sim0b"; do
		read -r ns dev <<<"$d"
		for dir in tx rx; do
			line="$line $dev $dir $(simstat "$ns" "$dev" "tls_${dir}_add")/$(simstat "$ns" "$dev" "tls_${dir}_del")"
		done
	done
	echo "add/del:$line"
}

# One phase: NAME ACTION. The churn runs for $secs s while ACTION runs.
phase() {
	local name=$1 action=$2 port spid cpid s c
	port=$((20000 + RANDOM % 12000))
	rm -f "$work/stop"
	snap b
	sb timeout $((secs + 120)) python3 "$work/churn.py" server 10.9.0.2 "$port" \
		"$work/stop" >"$work/server.log" 2>&1 &
	spid=$!
	if ! wait_listen "$port" "$spid" sb; then
		tap 1 "$name: churn server listening"
		cat "$work/server.log"
		return 1
	fi
	sa timeout $((secs + 120)) python3 "$work/churn.py" client 10.9.0.2 "$port" \
		"$work/stop" "$threads" >"$work/client.log" 2>&1 &
	cpid=$!
	$action "$secs"
	touch "$work/stop"
	wait $cpid
	c=$?
	wait $spid
	s=$?
	cat "$work/client.log" "$work/server.log"
	tap $c "$name: $threads client threads: data right, no timeout, nothing stuck"
	tap $s "$name: server: data right, nothing lost or timed out"
	snap a
}

cleanup() {
	ip netns del sa 2>/dev/null
	ip netns del sb 2>/dev/null
	grep -q '^sm4ktls_sim ' /proc/modules && rmmod sm4ktls_sim
	rm -rf "$work"
}
trap cleanup EXIT

ref0=$(refcnt sm4ktls)
insmod "$obj/sm4ktls_sim.ko"
tap $? "insmod sm4ktls_sim.ko"
grep -q '^sm4ktls_sim ' /proc/modules || exit 1
net_setup
tap $? "namespaces, sim pair and veth pair set up"

start=$(date +%s)
phase "flapping devices and routes" flap
check "flapping: connections went through the devices (TlsTxDevice +$((a_txdev - b_txdev)), TlsRxDevice +$((a_rxdev - b_rxdev)))" \
	test $((a_txdev - b_txdev)) -gt 0 -a $((a_rxdev - b_rxdev)) -gt 0
check "flapping: TlsCurr{Tx,Rx}{Sw,Device} back to 0 in sa and sb" wait_for 30 curr_zero
wait_for 30 released
tap $? "flapping: the devices gave every connection back ($(released_line))"

phase "rmmod sm4ktls_sim under the churn" rmmod_race
rmrc=$(cat "$work/rmmod.rc" 2>/dev/null || echo none)
rmms=$(cat "$work/rmmod.ms" 2>/dev/null || echo 0)
check "rmmod sm4ktls_sim with connections being set up and closed: exit $rmrc, $rmms ms" \
	test "$rmrc" = 0 -a "$rmms" -lt 10000
! grep -q '^sm4ktls_sim ' /proc/modules
tap $? "sm4ktls_sim is gone"
check "rmmod: connections went through the devices before it (TlsTxDevice +$((a_txdev - b_txdev)))" \
	test $((a_txdev - b_txdev)) -gt 0
check "rmmod: TlsCurr{Tx,Rx}{Sw,Device} back to 0 in sa and sb" wait_for 30 curr_zero
ref_back() { [ "$(refcnt sm4ktls)" = "$ref0" ]; }
wait_for 30 ref_back
tap $? "sm4ktls refcount back to $ref0 after the churn ($(refcnt sm4ktls))"
echo "# offload-race: $(($(date +%s) - start)) s"
echo "1..$n"
exit $rc
