#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures injected into sm4ktls, inside a guest (TAP output).
# Needs a kernel with fault injection (the 6.12-debug series: failslab,
# fail_page_alloc, their debugfs knobs and the stacktrace filter); on any
# other kernel it prints one SKIP line.
#
# Only allocations made under sm4ktls.ko's code fail: require-start/end of
# failslab and fail_page_alloc are set to the module's text (from
# /proc/kallsyms, the last function's size from nm). Slab caches of the
# sanitizers themselves (kmemleak, debug objects) are kept out with the
# cache filter. GFP_KERNEL allocations are included (ignore-gfp-wait=N),
# and order-0 pages (min-order=0).
#
# 1. Sweeps (build/selftests/faults_peer, one run per path and cipher):
#    for N = 1, 2, ... the N-th allocation of one system call fails
#    (/proc/thread-self/fail-nth): TCP_ULP attach, TLS_TX/TLS_RX install,
#    TLS 1.3 rekey, send, recv, and over the sim pair device-mode installs
#    (TX and RX), sends and receives. Every outcome must be clean (see
#    faults_peer.c), every byte checked by the userspace end.
# 2. The device fallback (namespaces and sim pair of offload.sh): a
#    device-mode stream moved to the veth mid-stream
#    - with every order >= 2 page allocation under the module failing
#      (fail_page_alloc min-order=2): the fallback must not need one;
#    - with one atomic allocation in 25 under the module failing at random: the
#      fallback drops the packet and TCP retransmits it, the stream
#      arrives whole.
# At the end the module's socket counts and reference count must be back.
#
# SM4KTLS_FAULTS_ONLY="sweep tx_key 13_aes_gcm;fallback_order2 sm4gcm 13"
# runs chosen cases; SM4KTLS_FAULTS_OBJ=DIR loads the modules from DIR (an
# older build) when they are not loaded yet; SM4KTLS_FAULTS_VERBOSE=2 has
# the kernel log each injected failure with its call trace (the harness
# then fails the run on "Call Trace": for reproducers only);
# "sweep TEST VARIANT N" fails only the N-th allocation (a reproducer);
# SM4KTLS_FAULTS_VARIANTS/_DEV_VARIANTS take fewer ciphers.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
obj=${SM4KTLS_FAULTS_OBJ:-$top/build/obj/$(uname -r)}
bin=$top/build/selftests
dbg=/sys/kernel/debug
bytes=${SM4KTLS_FAULTS_BYTES:-524288}
# A fallback transfer that takes longer has stalled.
xfer_timeout=${SM4KTLS_FAULTS_TIMEOUT:-120}
big=1000000000
n=0
rc=0
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

if [ ! -d "$dbg/failslab" ] || [ ! -d "$dbg/fail_page_alloc" ]; then
	echo "ok 1 # SKIP no fault injection in this kernel"
	echo "1..1"
	exit 0
fi

# Load what is missing (standalone runs); unload it again at the end.
ours=()
for m in sm4ktls_crypto sm4ktls sm4ktls_sim; do
	loaded "$m" && continue
	args=()
	[ "$m" = sm4ktls_crypto ] && args=(kat_million=0)
	insmod "$obj/$m.ko" "${args[@]}"
	tap $? "insmod $m.ko"
	ours=("$m" "${ours[@]}")
done
loaded sm4ktls && loaded sm4ktls_sim || { echo "1..$n"; exit 1; }

# --- the module's text ---

text_range() { # prints START END (hex) of sm4ktls.ko's text
	local first last lastname size ko
	# (no process substitution: the guest has no /dev/fd)
	read -r first last lastname <<<"$(
		awk '$4 == "[sm4ktls]" && ($2 == "t" || $2 == "T") { print $1, $3 }' \
			/proc/kallsyms | sort |
		awk 'NR == 1 { f = $1 } { l = $1; ln = $2 } END { print f, l, ln }')"
	[ -n "${first:-}" ] || return 1
	ko=$(modinfo -n sm4ktls 2>/dev/null)
	[ -e "$ko" ] || ko=$obj/sm4ktls.ko
	size=$(nm -S --defined-only "$ko" 2>/dev/null |
		awk -v s="$lastname" '$4 == s { print $2; exit }')
	# Without a size: the rest of its page (text is page-aligned).
	if [ -n "$size" ]; then
		printf '0x%s 0x%x\n' "$first" $((0x$last + 0x$size))
	else
		printf '0x%s 0x%x\n' "$first" $(((0x$last + 4096) & ~4095))
	fi
}

read -r tstart tend <<<"$(text_range)"
[ -n "${tstart:-}" ]
tap $? "sm4ktls.ko text: ${tstart:-?} - ${tend:-?} ($(( ${tend:-0} - ${tstart:-0} )) bytes, from /proc/kallsyms)"
[ -n "${tstart:-}" ] || { echo "1..$n"; exit 1; }

# TCP gives up a FIN for good when its atomic allocation fails
# (tcp_send_fin() returns; nothing retries, the socket sits in FIN-WAIT-1
# and the peer never sees the end of the stream). That is TCP's own
# behaviour, reached here because our close() calls tcp_close(): kept
# out with the reject range, or it stalls the fallback transfers.
sym_range() { # NAME: prints START END (hex) of a kernel function
	sort /proc/kallsyms | awk -v s="$1" \
		'f { print "0x" a, "0x" $1; exit }
		 $3 == s && ($2 == "t" || $2 == "T") { a = $1; f = 1 }'
}

read -r rstart rend <<<"$(sym_range tcp_send_fin)"
[ -n "${rstart:-}" ]
tap $? "tcp_send_fin: ${rstart:-?} - ${rend:-?} never fails (the reject range)"

fi_set() { # ATTR KNOB VALUE
	echo "$3" >"$dbg/$1/$2" || { echo "# cannot set $1/$2=$3"; return 1; }
}

fi_get() { cat "$dbg/$1/$2"; }

# Slab caches that may fail: all but the sanitizers' own bookkeeping,
# whose failures only disable a sanitizer (kmemleak falls back to its
# pool; debug objects' pool runs dry).
slab_filter() { # 1 or 0
	local c name
	for c in /sys/kernel/slab/*/failslab; do
		name=${c%/failslab}
		name=${name##*/}
		case $name in
		kmemleak_* | debug_objects_cache) echo 0 >"$c" ;;
		*) echo "$1" >"$c" 2>/dev/null ;;
		esac
	done
}

fi_base() { # the sweep configuration: fail-nth only
	local a
	for a in failslab fail_page_alloc; do
		fi_set $a verbose "${SM4KTLS_FAULTS_VERBOSE:-0}"
		fi_set $a probability 0
		fi_set $a interval 1
		fi_set $a space 0
		fi_set $a times $big
		fi_set $a task-filter N
		fi_set $a stacktrace-depth 32
		fi_set $a require-start "$tstart"
		fi_set $a require-end "$tend"
		fi_set $a reject-start "${rstart:-0}"
		fi_set $a reject-end "${rend:-0}"
		fi_set $a ignore-gfp-wait N
	done
	fi_set fail_page_alloc min-order 0
	fi_set fail_page_alloc ignore-gfp-highmem Y
	fi_set failslab cache-filter Y
}

# The kernel's defaults (lib/fault-inject.c, mm/fail*.c), as found.
fi_reset() {
	local a
	for a in failslab fail_page_alloc; do
		fi_set $a probability 0
		fi_set $a times 1
		fi_set $a interval 1
		fi_set $a require-start 0
		fi_set $a require-end 18446744073709551615
		fi_set $a reject-start 0
		fi_set $a reject-end 0
		fi_set $a ignore-gfp-wait Y
		fi_set $a verbose 2
	done
	fi_set fail_page_alloc min-order 1
	fi_set failslab cache-filter N
	slab_filter 0
}

slab_filter 1
fi_base
tap $? "failslab and fail_page_alloc limited to sm4ktls.ko's text"

injected() { # ATTR: faults injected so far
	echo $((big - $(fi_get "$1" times)))
}

# --- counters ---

curr() { # the module's live sockets, per namespace: "init sa sb"
	local ns out=
	for ns in "" sa sb; do
		[ -n "$ns" ] && [ ! -e "/run/netns/$ns" ] && continue
		out+="$(ns_counter "$ns" TlsCurrTxSw)/$(ns_counter "$ns" TlsCurrRxSw)/"
		out+="$(ns_counter "$ns" TlsCurrTxDevice)/$(ns_counter "$ns" TlsCurrRxDevice) "
	done
	echo "$out"
}

wait_ref() { # REFCNT
	local i
	for i in $(seq 100); do
		[ "$(refcnt sm4ktls)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

work=$(mktemp -d)
cleanup() {
	fi_reset >/dev/null 2>&1
	ip netns del sa 2>/dev/null
	ip netns del sb 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

ref0=$(refcnt sm4ktls)
net_setup
tap $? "namespaces sa/sb, sim pair (device path) and veth pair set up"
curr0=$(curr)

# --- 1. sweeps ---

sweep() { # TEST VARIANT [N: only the N-th allocation, a reproducer]
	local s0 p0 s1 p1 out st t0 one=()
	[ -n "${3:-}" ] && one=(env SM4KTLS_FAULTS_FROM="$3" SM4KTLS_FAULTS_MAX="$3")
	s0=$(injected failslab)
	p0=$(injected fail_page_alloc)
	t0=$SECONDS
	out=$("${one[@]}" "$bin/faults_peer" -r "faults.$2.$1" 2>&1)
	st=$?
	s1=$(injected failslab)
	p1=$(injected fail_page_alloc)
	echo "$out" | grep -v '^ok \|^not ok \|^TAP version\|^1\.\.' | sed 's/^#* */# /'
	# kselftest exit 4: skipped
	if [ $st = 4 ] || echo "$out" | grep -q '^ok .* # SKIP'; then
		echo "ok $((n + 1)) $1 $2 # SKIP $(echo "$out" | sed -n 's/^ok .* # SKIP *//p' | head -n 1)"
		n=$((n + 1))
		return
	fi
	tap $st "$1 $2: $((s1 - s0 + p1 - p0)) faults injected (failslab $((s1 - s0)), fail_page_alloc $((p1 - p0))) in $((SECONDS - t0)) s"
}

# SM4KTLS_FAULTS_VARIANTS / _DEV_VARIANTS: fewer ciphers, a shorter run.
variants=${SM4KTLS_FAULTS_VARIANTS:-12_aes_gcm 13_aes_gcm 12_sm4_gcm 13_sm4_gcm tlcp_sm4_gcm 12_chacha 13_chacha}
dev_variants=${SM4KTLS_FAULTS_DEV_VARIANTS:-dev_12_aes_gcm dev_13_aes_gcm dev_12_sm4_gcm dev_13_sm4_gcm dev_tlcp_sm4_gcm}

sweeps() {
	local v t
	sweep ulp 13_aes_gcm
	for v in $variants; do
		for t in tx_key rx_key rx_key_queued tx_rekey rx_rekey \
			 send_small send_big send_tag_page send_more send_span \
			 recv_part recv_peek recv_all recv_poll; do
			case $t in
			tx_rekey | rx_rekey) [[ $v == 13_* ]] || continue ;;
			esac
			sweep "$t" "$v"
		done
	done
	for v in $dev_variants; do
		for t in tx_key rx_key send_small send_big send_tag_page \
			 send_more send_span recv_part recv_all recv_poll; do
			sweep "$t" "$v"
		done
	done
}

# --- 2. the device fallback ---

retrans() {
	sa nstat -az TcpRetransSegs | awk '$1 == "TcpRetransSegs" { print $2 }'
}

# A device-mode stream moved to the veth halfway: CIPHER VERSION.
# Sets fb_dev, fb_skbs, fb_errors, fb_retrans; returns the transfer status.
fb_xfer() {
	local port rpid spid s r i d0 k0 e0 r0
	port=$((20000 + RANDOM % 12000))
	rm -f "$work/half" "$work/go"
	restore_routes
	d0=$(ns_counter sa TlsTxDevice)
	k0=$(ns_counter sa TlsTxFallbackSkbs)
	e0=$(ns_counter sa TlsTxFallbackErrors)
	r0=$(retrans)
	sb timeout "$xfer_timeout" "$bin/offload_peer" recv 10.9.0.2 "$port" "$1" "$2" "$bytes" \
		>"$work/recv.log" 2>&1 &
	rpid=$!
	wait_listen "$port" "$rpid" sb || { kill "$rpid" 2>/dev/null; return 1; }
	sa timeout "$xfer_timeout" "$bin/offload_peer" send 10.9.0.2 "$port" "$1" "$2" "$bytes" "$work" \
		>"$work/send.log" 2>&1 &
	spid=$!
	for i in $(seq 600); do
		[ -e "$work/half" ] || ! kill -0 "$spid" 2>/dev/null && break
		sleep 0.1
	done
	to_veth
	touch "$work/go"
	wait "$spid"
	s=$?
	wait "$rpid"
	r=$?
	sed 's/^/# /' "$work/send.log" "$work/recv.log"
	[ $s = 0 ] || echo "# sender exited $s"
	[ $r = 0 ] || echo "# receiver exited $r"
	fb_dev=$(( $(ns_counter sa TlsTxDevice) - d0 ))
	fb_skbs=$(( $(ns_counter sa TlsTxFallbackSkbs) - k0 ))
	fb_errors=$(( $(ns_counter sa TlsTxFallbackErrors) - e0 ))
	fb_retrans=$(( $(retrans) - r0 ))
	restore_routes
	return $((s | r))
}

# Every order >= 2 page allocation under the module fails, in any
# context: the fallback allocates order-0 pages only (91dbba4; before it,
# order-3 scratch and an order-4 skb_copy() per packet failed here for
# every packet and retransmission alike).
fallback_order2() { # CIPHER VERSION
	local t="$1 TLS1.$(( $2 - 10 )) fallback with order>=2 allocations failing" p0 st
	fi_set fail_page_alloc min-order 2
	fi_set fail_page_alloc probability 100
	p0=$(injected fail_page_alloc)
	fb_xfer "$1" "$2"
	st=$?
	fi_set fail_page_alloc probability 0
	fi_set fail_page_alloc min-order 0
	tap $st "$t: $bytes bytes, every byte checked; $(( $(injected fail_page_alloc) - p0 )) faults injected"
	test "$fb_dev" = 1 -a "$fb_skbs" -gt 0 -a "$fb_errors" = 0
	tap $? "$t: device mode, then $fb_skbs skbs through the fallback, $fb_errors errors"
}

# One atomic allocation in 25 under the module fails, at random (the
# fallback's skb, pages and AEAD request, and what the stack allocates
# under our push): each failure drops a packet, TCP sends it again. Not
# every 25th: a retransmission that makes the same allocations each time
# could then fail every time, which no real memory shortage does.
fallback_atomic() { # CIPHER VERSION
	local t="$1 TLS1.$(( $2 - 10 )) fallback with atomic allocations failing" s0 p0 st a
	for a in failslab fail_page_alloc; do
		fi_set $a ignore-gfp-wait Y
		fi_set $a probability 4
	done
	s0=$(injected failslab)
	p0=$(injected fail_page_alloc)
	fb_xfer "$1" "$2"
	st=$?
	for a in failslab fail_page_alloc; do
		fi_set $a probability 0
		fi_set $a interval 1
		fi_set $a ignore-gfp-wait N
	done
	tap $st "$t: $bytes bytes, every byte checked; $(( $(injected failslab) - s0 )) slab and $(( $(injected fail_page_alloc) - p0 )) page faults injected"
	test "$fb_dev" = 1 -a "$fb_skbs" -gt 0 -a "$fb_errors" -gt 0 -a "$fb_retrans" -gt 0
	tap $? "$t: $fb_errors fallback skbs dropped of $fb_skbs, $fb_retrans segments retransmitted"
}

# SM4KTLS_FAULTS_FALLBACK: which fallback cases run, KIND/CIPHER/VERSION
# (KIND order2 or atomic); each is a transfer of $bytes, about two
# minutes on the sanitizer kernel.
fallbacks() {
	local c k v

	for c in ${SM4KTLS_FAULTS_FALLBACK:-order2/aes128gcm/12 order2/sm4gcm/13 atomic/sm4gcm/12 atomic/aes128gcm/13}; do
		IFS=/ read -r k c v <<<"$c"
		"fallback_$k" "$c" "$v"
	done
}

if [ -n "${SM4KTLS_FAULTS_ONLY:-}" ]; then
	IFS=';' read -ra only <<<"$SM4KTLS_FAULTS_ONLY"
	for c in "${only[@]}"; do $c; done
else
	sweeps
	fallbacks
fi

total_s=$(injected failslab)
total_p=$(injected fail_page_alloc)
fi_reset
echo "# faults injected in all: failslab $total_s, fail_page_alloc $total_p"

# Nothing left behind: sockets gone, counts and references back.
wait_ref "$ref0"
tap $? "sm4ktls reference count back to $ref0 ($(refcnt sm4ktls))"
sleep 1
[ "$(curr)" = "$curr0" ]
tap $? "live socket counts back (tx-sw/rx-sw/tx-dev/rx-dev per namespace: $(curr))"

ip netns del sa
ip netns del sb
for m in "${ours[@]}"; do
	# Device state goes back to the sim at close, asynchronously.
	for _ in $(seq 50); do rmmod "$m" 2>/dev/null && break; sleep 0.2; done
	! loaded "$m"
	tap $? "rmmod $m"
done
echo "1..$n"
exit $rc
