#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside a guest under QEMU's -icount (scripts/ktls-profile.sh): where a
# kTLS send() spends its instructions, for the in-tree tls.ko and sm4ktls
# side by side. ftrace's function_graph tracer times each call of a chosen
# set of functions below the ULP's sendmsg (both ULPs' own, and the
# kernel's page, memory, pinning, crypto and TCP entry points); with "rx",
# below its recvmsg, data_ready and parser work (ktls-bench's "recv" case:
# plain TCP sends the sealed records), per record opened; the guest
# clock counts instructions, so a duration is an instruction count. Each
# traced call adds the tracer's own few hundred instructions: compare the
# two ULPs' tables and the shares within one, not the totals with
# ktls-bench's.
#
# usage: run-profile.sh CIPHER RECORD_BYTES [tx|rx]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cipher=${1:-aes128gcm-1.3} wsize=${2:-64} dir=${3:-tx}
obj=$top/build/obj/$(uname -r)
mods=$top/build/kernels/$(uname -r)/root
T=/sys/kernel/tracing

for m in aesni_intel ghash_clmulni_intel; do
	modprobe -d "$mods" "$m" || echo "# no $m"
done
insmod "$obj/sm4ktls_crypto.ko" kat_million=0 || exit 1
modprobe -d "$mods" tls || exit 1
insmod "$obj/sm4ktls.ko" ulp_name=sm4ktls || exit 1
mountpoint -q $T || mount -t tracefs nodev $T || exit 1

# The functions timed: globs of the ULPs' own, then the kernel's.
funcs="sm4ktls_* tls_* sk_msg_* tcp_sendmsg_locked tcp_push
	__tcp_push_pending_frames tcp_write_xmit alloc_pages_noprof
	__alloc_pages_noprof free_unref_page __kmalloc_noprof kfree
	sk_page_frag_refill skb_page_frag_refill __sk_mem_schedule
	tcp_stream_memory_free sk_stream_wait_memory iov_iter_get_pages2
	iov_iter_extract_pages crypto_aead_encrypt lock_sock_nested
	release_sock copy_page_from_iter"
graph="tls_sw_sendmsg sm4ktls_sendmsg"
case=send per=sendmsg bufkb=16384
if [ "$dir" = rx ]; then
	funcs="sm4ktls_* tls_* strp_* __strp_* skb_copy_datagram_iter
	skb_copy_bits crypto_aead_decrypt crypto_gcm_* generic_gcmaes_*
	gcmaes_* gcm_* aes_gcm_* aesni_gcm_* tcp_read_sock tcp_recv_skb
	tcp_rcv_space_adjust tcp_cleanup_rbuf kfree_skb* consume_skb
	__kfree_skb skb_clone __alloc_skb alloc_skb_with_frags
	alloc_pages_noprof __alloc_pages_noprof free_unref_page
	__kmalloc_noprof kfree kmem_cache_alloc_noprof kmem_cache_free
	skb_to_sgvec skb_to_sgvec_nomark sg_init_table put_cmsg
	lock_sock_nested release_sock __release_sock __skb_datagram_iter
	sock_rfree tcp_v4_do_rcv iov_iter_get_pages2 iov_iter_extract_pages
	__sk_mem_schedule __sk_mem_raise_allocated __sk_mem_reclaim
	__sk_mem_reduce_allocated mem_cgroup_*_skmem"
	graph="tls_sw_recvmsg sm4ktls_recvmsg tls_data_ready sm4ktls_data_ready
	tls_strp_work strp_work"
	case=recv per=record bufkb=131072
fi

trace_setup() {
	local f

	echo 0 >$T/tracing_on
	echo nop >$T/current_tracer
	echo >$T/trace
	: >$T/set_ftrace_filter
	for f in $funcs; do
		echo "$f" >>$T/set_ftrace_filter 2>/dev/null
	done
	: >$T/set_graph_function
	untraced=
	for f in $graph; do
		echo "$f" >>$T/set_graph_function 2>/dev/null || untraced+=" $f"
	done
	echo 0 >$T/max_graph_depth
	echo $bufkb >$T/buffer_size_kb
	echo function_graph >$T/current_tracer
	echo 1 >$T/options/funcgraph-tail
	echo 0 >$T/options/funcgraph-irqs
}

# Per call of the ULP's sendmsg (rx: per record, i.e. outermost
# crypto_aead_decrypt call): instructions inside each function
# (inclusive of what it calls), calls, the depth it was seen at and the
# traced calls below each call (each adds the tracer's cost to it); rx
# also the graph's entry points.
summary() { # ULP
	awk -v ulp="$1" -v per=$per '
	/\|/ {
		split($0, a, "|")
		d = a[1]
		cpu = d
		sub(/\).*/, "", cpu)
		ind = match(a[2], /[^ ]/) - 1
		if (a[2] ~ /\{ *$/)
			start[cpu, ind] = ncl[cpu]
		if (d !~ /us/)
			next
		sub(/^ *[0-9]+\) */, "", d)
		sub(/^[ +!#*@$]*/, "", d)
		below = 0
		if (a[2] ~ /\} \/\* / && (cpu, ind) in start)
			below = ncl[cpu] - start[cpu, ind]
		ncl[cpu]++
		name = a[2]
		if (name ~ /\} \/\* /) {
			sub(/.*\/\* /, "", name)
			sub(/ \*\/.*/, "", name)
		} else {
			sub(/^ */, "", name)
			sub(/\(\);.*/, "", name)
		}
		if (ind <= 2) {
			top += d
			ntop++
			tsum[name] += d
			tcnt[name]++
		} else {
			sum[name] += d
			cnt[name]++
			nbelow[name] += below
			dep[name] = ind / 2 - 1
			# records: the outermost AEAD calls (simd wraps one more)
			if (name == "crypto_aead_decrypt" && (!amin || ind <= amin)) {
				if (ind < amin)
					nrec = 0
				amin = ind
				nrec++
			}
		}
	}
	END {
		n = per == "record" ? nrec : ntop
		if (!n)
			exit 1
		printf("# %s: %d %s, %.0f instructions each (traced)\n", ulp, n, per, top * 1000 / n)
		if (per == "record")
			for (f in tsum)
				printf("# entry %-20s %6.2f calls, %8.0f insn per record\n", f, tcnt[f] / n, tsum[f] * 1000 / n)
		printf("%10s %6s %5s %6s  %s\n", "insn/" per, "calls", "depth", "below", "function")
		for (f in sum)
			printf("%10.0f %6.2f %5d %6.1f  %s\n", sum[f] * 1000 / n, cnt[f] / n, dep[f], nbelow[f] / cnt[f], f) | "sort -rn | head -" (per == "record" ? 45 : 30)
	}' $T/trace
}

rc=0
for u in tls sm4ktls; do
	trace_setup
	echo 1 >$T/tracing_on
	"$top/build/tools/ktls-bench" -u $u -c "$cipher" -m $case -s 1 -r 1 \
		-w "$wsize" -I 0 >/dev/null || rc=1
	echo 0 >$T/tracing_on
	echo "=== $u, $cipher, $case() of $wsize B records"
	[ -z "$untraced" ] || echo "# not traceable:$untraced"
	awk '/^overrun/ { n += $2 } END { if (n) print "# trace overrun: " n " events lost" }' $T/per_cpu/cpu*/stats
	summary $u || rc=1
done
echo nop >$T/current_tracer
rmmod sm4ktls && rmmod tls && rmmod sm4ktls_crypto || rc=1
exit $rc
