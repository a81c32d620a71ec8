#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside a guest under QEMU's -icount (scripts/ktls-profile.sh): where a
# kTLS send() spends its instructions, for the in-tree tls.ko and sm4ktls
# side by side. ftrace's function_graph tracer times each call of a chosen
# set of functions below the ULP's sendmsg (both ULPs' own, and the
# kernel's page, memory, pinning, crypto and TCP entry points); the guest
# clock counts instructions, so a duration is an instruction count. Each
# traced call adds the tracer's own few hundred instructions: compare the
# two ULPs' tables and the shares within one, not the totals with
# ktls-bench's.
#
# usage: run-profile.sh CIPHER RECORD_BYTES
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cipher=${1:-aes128gcm-1.3} wsize=${2:-64}
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

trace_setup() {
	local f

	echo 0 >$T/tracing_on
	echo nop >$T/current_tracer
	echo >$T/trace
	: >$T/set_ftrace_filter
	for f in $funcs; do
		echo "$f" >>$T/set_ftrace_filter 2>/dev/null
	done
	echo "tls_sw_sendmsg sm4ktls_sendmsg" >$T/set_graph_function
	echo 0 >$T/max_graph_depth
	echo 16384 >$T/buffer_size_kb
	echo function_graph >$T/current_tracer
	echo 1 >$T/options/funcgraph-tail
	echo 0 >$T/options/funcgraph-irqs
}

# Per call of the ULP's sendmsg: instructions inside each function
# (inclusive of what it calls), calls, and the depth it was seen at.
summary() { # ULP
	awk -v ulp="$1" '
	/\|/ {
		split($0, a, "|")
		d = a[1]
		if (d !~ /us/)
			next
		sub(/^ *[0-9]+\) */, "", d)
		sub(/^[ +!#*@$]*/, "", d)
		ind = match(a[2], /[^ ]/) - 1
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
		} else {
			sum[name] += d
			cnt[name]++
			dep[name] = ind / 2 - 1
		}
	}
	END {
		if (!ntop)
			exit 1
		printf("# %s: %d sendmsg calls, %.0f instructions each (traced)\n", ulp, ntop, top * 1000 / ntop)
		printf("%10s %6s %5s  %s\n", "insn/call", "calls", "depth", "function")
		for (f in sum)
			printf("%10.0f %6.2f %5d  %s\n", sum[f] * 1000 / ntop, cnt[f] / ntop, dep[f], f) | "sort -rn | head -30"
	}' $T/trace
}

rc=0
for u in tls sm4ktls; do
	trace_setup
	echo 1 >$T/tracing_on
	"$top/build/tools/ktls-bench" -u $u -c "$cipher" -m send -s 1 -r 1 \
		-w "$wsize" -I 0 >/dev/null || rc=1
	echo 0 >$T/tracing_on
	echo "=== $u, $cipher, send() of $wsize B records"
	summary $u || rc=1
done
echo nop >$T/current_tracer
rmmod sm4ktls && rmmod tls && rmmod sm4ktls_crypto || rc=1
exit $rc
