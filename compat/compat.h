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
#include <linux/sockptr.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <net/strparser.h>
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

/*
 * proto.recvmsg: (noblock, flags, addr_len) up to 5.18, (flags, addr_len)
 * to 6.x, (flags) in 7.x. The address is TCP's business: never filled.
 */
#if defined(SM4KTLS_HAVE_PROTO_RECVMSG_NOBLOCK)
static inline int sm4ktls_compat_recvmsg(struct sock *sk, struct msghdr *msg,
					 size_t len, int noblock, int flags,
					 int *addr_len)
{
	return sm4ktls_recvmsg(sk, msg, len, flags | (noblock ? MSG_DONTWAIT : 0));
}
#elif defined(SM4KTLS_HAVE_PROTO_RECVMSG_ADDR_LEN)
static inline int sm4ktls_compat_recvmsg(struct sock *sk, struct msghdr *msg,
					 size_t len, int flags, int *addr_len)
{
	return sm4ktls_recvmsg(sk, msg, len, flags);
}
#else
#define sm4ktls_compat_recvmsg	sm4ktls_recvmsg
#endif

/*
 * Without proto.splice_eof (5.10) nothing flushes a record when a splice
 * ends: there sendpage ends the record unless NOTLAST says more pages of
 * this splice follow, whatever MSG_MORE says, as 5.10's tls did.
 */
#ifdef SM4KTLS_HAVE_PROTO_SPLICE_EOF
#define SM4KTLS_SENDPAGE_IGNORED	0

static inline void sm4ktls_compat_proto_splice_eof(struct proto *p)
{
	p->splice_eof = sm4ktls_splice_eof;
}
#else
#define SM4KTLS_SENDPAGE_IGNORED	MSG_MORE

static inline void sm4ktls_compat_proto_splice_eof(struct proto *p)
{
}
#endif

#ifndef SM4KTLS_HAVE_SOCK_REPLACE_PROTO
/* Before 6.3 no proto advertised zerocopy through a socket flag. */
static inline void sock_replace_proto(struct sock *sk, struct proto *proto)
{
	WRITE_ONCE(sk->sk_prot, proto);
}
#endif

#ifndef SM4KTLS_HAVE_SK_ERROR_REPORT
static inline void sk_error_report(struct sock *sk)
{
	sk->sk_error_report(sk);
}
#endif

#ifndef SM4KTLS_HAVE_USER_BACKED_ITER
/* No ITER_UBUF before 6.0: only iovecs carry user memory. */
static inline bool user_backed_iter(const struct iov_iter *i)
{
	return iter_is_iovec(i);
}
#endif

#ifndef SM4KTLS_HAVE_CHECK_ZEROED_SOCKPTR
static inline int check_zeroed_sockptr(sockptr_t src, size_t offset,
				       size_t size)
{
	if (!sockptr_is_kernel(src))
		return check_zeroed_user(src.user + offset, size);
	return !memchr_inv(src.kernel + offset, 0, size);
}
#endif

#ifndef SM4KTLS_HAVE_BVEC_SET_PAGE
static inline void bvec_set_page(struct bio_vec *bv, struct page *page,
				 unsigned int len, unsigned int offset)
{
	bv->bv_page = page;
	bv->bv_len = len;
	bv->bv_offset = offset;
}
#endif

#ifndef SM4KTLS_HAVE_IOV_ITER_GET_PAGES2
/* The 6.0 form: takes page references and advances past what it pinned. */
static inline ssize_t iov_iter_get_pages2(struct iov_iter *i,
					  struct page **pages, size_t maxsize,
					  unsigned int maxpages, size_t *start)
{
	ssize_t ret = iov_iter_get_pages(i, pages, maxsize, maxpages, start);

	if (ret > 0)
		iov_iter_advance(i, ret);
	return ret;
}
#endif

#ifndef MSG_SPLICE_PAGES
/* No splice through sendmsg before 6.5: such a flag never arrives. */
#define MSG_SPLICE_PAGES	0
#endif

/*
 * strparser reads through cb.read_sock from 6.0. Before, it calls
 * sock->ops->read_sock, ours, with itself in desc->arg.data: that call
 * is the parser's, not an in-kernel reader's.
 */
#ifdef SM4KTLS_HAVE_STRP_READ_SOCK_CB
/* In rx.c's strp_callbacks. */
#define SM4KTLS_STRP_CB_READ_SOCK	.read_sock = sm4ktls_rx_read_sock,

static inline bool sm4ktls_compat_strp_reads(const read_descriptor_t *desc,
					     const struct strparser *strp)
{
	return false;
}
#else
#define SM4KTLS_STRP_CB_READ_SOCK

static inline bool sm4ktls_compat_strp_reads(const read_descriptor_t *desc,
					     const struct strparser *strp)
{
	return desc->arg.data == strp;
}
#endif

/*
 * Parse the next record under the socket lock we hold: __strp_unpause().
 * 7.x does without it: do its work through strp_process(), the export
 * strparser's own reader wraps (its errors stay inside, so bytes it left
 * in TCP go to strparser's worker; strp_unpause() alone would parse only
 * there, after this reader has returned).
 */
#ifdef SM4KTLS_HAVE_STRP_UNPAUSE_LOCKED
static inline void sm4ktls_compat_strp_unpause(struct strparser *strp)
{
	__strp_unpause(strp);
}
#else
static inline int sm4ktls_compat_strp_actor(read_descriptor_t *desc,
					    struct sk_buff *skb,
					    unsigned int offset, size_t len)
{
	struct strparser *strp = desc->arg.data;

	return strp_process(strp, skb, offset, len,
			    READ_ONCE(strp->sk->sk_rcvbuf),
			    READ_ONCE(strp->sk->sk_rcvtimeo));
}

static inline void sm4ktls_compat_strp_unpause(struct strparser *strp)
{
	read_descriptor_t desc = { .arg.data = strp, .count = 1 };

	strp->paused = 0;
	if (strp->need_bytes && tcp_inq(strp->sk) < strp->need_bytes)
		return;
	strp->cb.read_sock(strp, &desc, sm4ktls_compat_strp_actor);
	if (!strp->paused && tcp_inq(strp->sk))
		strp_check_rcv(strp);
}
#endif

#ifdef SM4KTLS_HAVE_TLS_DEVICE_HOOKS
#include "compat_skb.h"

/* 7.x hands TCP's ACK callback the tcp_sock, earlier the connection sock. */
#ifdef SM4KTLS_HAVE_CLEAN_ACKED_TCP_SOCK
#define sm4ktls_clean_acked_sk(sk)	tcp_sk(sk)
#else
#define sm4ktls_clean_acked_sk(sk)	inet_csk(sk)
#endif
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
