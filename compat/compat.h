/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls: the one place kernel-version differences live.
 *
 * Each SM4KTLS_HAVE_* comes from a try-compile probe in compat/probes/
 * (see scripts/probe-kernel.sh) run against the target's headers, never
 * from version arithmetic: distribution kernels backport.
 */
#ifndef _SM4KTLS_COMPAT_H
#define _SM4KTLS_COMPAT_H

#include <linux/bvec.h>
#include <linux/uio.h>
#include <net/tcp.h>

#include "sm4ktls_probes.h"

#ifdef SM4KTLS_HAVE_ULP_GET_INFO_NET_ADMIN
static inline int sm4ktls_compat_get_info(struct sock *sk, struct sk_buff *skb,
					  bool net_admin)
{
	return sm4ktls_get_info(sk, skb);
}

static inline size_t sm4ktls_compat_get_info_size(const struct sock *sk,
						  bool net_admin)
{
	return sm4ktls_get_info_size(sk);
}
#else
#define sm4ktls_compat_get_info		sm4ktls_get_info
#define sm4ktls_compat_get_info_size	sm4ktls_get_info_size
#endif

/*
 * How sealed record pages reach TCP, and how splice reaches us: through
 * sendpage (6.1), or through sendmsg(MSG_SPLICE_PAGES) (6.5 onward).
 */
#ifdef SM4KTLS_HAVE_PROTO_SENDPAGE
#define SM4KTLS_NOTLAST		MSG_SENDPAGE_NOTLAST
#define SM4KTLS_SENDPAGE_NOTLAST MSG_SENDPAGE_NOTLAST
#define SM4KTLS_SENDPAGE_FLAGS	(MSG_SENDPAGE_NOTLAST | \
				 MSG_SENDPAGE_NOPOLICY | MSG_NO_SHARED_FRAGS)

static inline int sm4ktls_compat_push_page(struct sock *sk, struct page *page,
					   int offset, size_t size, int flags)
{
	return do_tcp_sendpages(sk, page, offset, size, flags);
}

static inline void sm4ktls_compat_proto_tx(struct proto *p)
{
	p->sendpage = sm4ktls_sendpage;
}
#else
#define SM4KTLS_NOTLAST		MSG_MORE
#define SM4KTLS_SENDPAGE_NOTLAST 0
#define SM4KTLS_SENDPAGE_FLAGS	0

static inline int sm4ktls_compat_push_page(struct sock *sk, struct page *page,
					   int offset, size_t size, int flags)
{
	struct msghdr msg = { .msg_flags = MSG_SPLICE_PAGES | flags };
	struct bio_vec bv;

	bvec_set_page(&bv, page, size, offset);
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv, 1, size);
	return tcp_sendmsg_locked(sk, &msg, size);
}

static inline void sm4ktls_compat_proto_tx(struct proto *p)
{
}
#endif

#ifdef SM4KTLS_HAVE_TLS_DEVICE_HOOKS
#include "compat_skb.h"
#endif

/* Data queued before the key must not share an skb with marked data. */
static inline void sm4ktls_compat_collapse_fence(struct sock *sk)
{
#ifdef SM4KTLS_HAVE_TCP_WRITE_COLLAPSE_FENCE
	tcp_write_collapse_fence(sk);
#else
	struct sk_buff *skb = tcp_write_queue_tail(sk);

	if (skb)
		TCP_SKB_CB(skb)->eor = 1;
#endif
}

#endif /* _SM4KTLS_COMPAT_H */
