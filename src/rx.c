// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: the software RX path.
 *
 * The kernel's strparser cuts the TCP byte stream into records (our
 * parse_msg reads the 5-byte header) and hands each one over as an skb.
 * The parser is paused while a parsed record waits, so TCP's receive
 * buffer and window do the flow control. recvmsg() decrypts records in
 * process context, out of place from where TCP left them: into the
 * reader's pages when it can (rx_zc.c), else into fresh pages it keeps on
 * the "plain" queue while they are partly read or only peeked.
 */
#include <linux/poll.h>
#include <linux/skbuff.h>
#include <linux/splice.h>
#include <net/tcp.h>

#include "sm4ktls.h"

static struct sm4ktls_rx *sm4ktls_strp_rx(struct strparser *strp)
{
	return container_of(strp, struct sm4ktls_rx, strp);
}

/* strparser: the record length from its header, 0 for "need more". */
static int sm4ktls_rx_parse(struct strparser *strp, struct sk_buff *skb)
{
	struct sm4ktls_cipher *c = &sm4ktls_strp_rx(strp)->c;
	struct strp_msg *rxm = strp_msg(skb);
	unsigned int overhead, len;
	u8 hdr[SM4KTLS_HDR_LEN];

	if (rxm->offset + SM4KTLS_HDR_LEN > skb->len)
		return 0;
	if (skb_copy_bits(skb, rxm->offset, hdr, sizeof(hdr)))
		return -EINVAL;
	len = hdr[3] << 8 | hdr[4];
	overhead = c->prepend - SM4KTLS_HDR_LEN + c->tag;
	if (len > SM4KTLS_MAX_PLAIN + overhead + c->tail)
		return -EMSGSIZE;
	if (len < overhead)
		return -EBADMSG;
	if ((hdr[1] << 8 | hdr[2]) != c->wire_version)
		return -EINVAL;
	return SM4KTLS_HDR_LEN + len;
}

static void sm4ktls_rx_rcv(struct strparser *strp, struct sk_buff *skb)
{
	struct sm4ktls_rx *rx = sm4ktls_strp_rx(strp);
	struct sock *sk = strp->sk;

	sm4ktls_rx_cb(skb)->decrypted = SM4KTLS_DECRYPTED_NONE;
	if (rx->offload)
		sm4ktls_rx_dev_rcv(sk, rx, skb);
	__skb_queue_tail(&rx->raw, skb);
	/* One parsed record at a time; the rest waits in TCP. */
	strp_pause(strp);
	sm4ktls_get_ctx(sk)->sk_data_ready(sk);
}

static void sm4ktls_rx_abort(struct strparser *strp, int err)
{
	struct sock *sk = strp->sk;

	/* strparser's SO_RCVTIMEO message timer: a slow peer is no error. */
	if (err == -ETIMEDOUT)
		return;
	strp_stop(strp);
	sm4ktls_err_abort(sk, err);
}

/*
 * Read TCP's queue directly: sock->ops may be ours, not TCP's.
 *
 * strparser refuses a message longer than sk_rcvbuf (EMSGSIZE), but a
 * TLS record may be 16 KiB + overhead whatever SO_RCVBUF says, and the
 * in-tree tls.ko takes such records. The parser moves bytes out of TCP's
 * queue (and out of its rcvbuf accounting) as they come, so a record
 * needs no rcvbuf room as a whole: lift the limit for the parser's read
 * alone. The socket is locked, so only tcp_read_sock()'s own window
 * update sees the lifted limit: with SO_RCVBUF below a record it may
 * offer the peer up to a record more than the buffer holds, which TCP
 * then prunes or drops (the peer retransmits). Nothing is lost.
 */
static int sm4ktls_rx_read_tcp(struct strparser *strp,
			       read_descriptor_t *desc,
			       sk_read_actor_t actor)
{
	struct sock *sk = strp->sk;
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	int ret;

	if (rcvbuf >= SM4KTLS_MAX_WIRE)
		return tcp_read_sock(sk, desc, actor);
	WRITE_ONCE(sk->sk_rcvbuf, SM4KTLS_MAX_WIRE);
	ret = tcp_read_sock(sk, desc, actor);
	/* An SO_RCVBUF set meanwhile stays. */
	cmpxchg(&sk->sk_rcvbuf, SM4KTLS_MAX_WIRE, rcvbuf);
	return ret;
}

/*
 * The parser ran out of memory. strparser retries from its worker when
 * it was called from data_ready, but not from __strp_unpause() (our
 * kick after each record): retry from the worker always, or no record
 * after this one would be parsed until the peer sends more.
 */
static int sm4ktls_rx_read_sock(struct strparser *strp,
				read_descriptor_t *desc,
				sk_read_actor_t actor)
{
	int ret = sm4ktls_rx_read_tcp(strp, desc, actor);

	if (desc->error == -ENOMEM)
		strp_check_rcv(strp);
	return ret;
}

static const struct strp_callbacks sm4ktls_strp_cb = {
	.parse_msg	= sm4ktls_rx_parse,
	.rcv_msg	= sm4ktls_rx_rcv,
	.abort_parser	= sm4ktls_rx_abort,
	SM4KTLS_STRP_CB_READ_SOCK
};

/*
 * strparser reads a message's missing bytes only once TCP holds all of
 * them. With a receive buffer too small for the rest of a record TCP
 * never will (its window closes first): then let it take what is there.
 */
static void sm4ktls_rx_strp_need(struct sock *sk, struct strparser *strp)
{
	if (strp->need_bytes && strp->need_bytes > tcp_full_space(sk) / 2)
		strp->need_bytes = 0;
}

static void sm4ktls_data_ready(struct sock *sk)
{
	struct strparser *strp = &sm4ktls_get_ctx(sk)->rx->strp;

	sm4ktls_rx_strp_need(sk, strp);
	strp_data_ready(strp);
}

/* Parse what TCP holds now; we own the socket lock. */
static void sm4ktls_rx_kick(struct sm4ktls_rx *rx)
{
	if (!rx->strp.stopped && skb_queue_empty(&rx->raw)) {
		sm4ktls_rx_strp_need(rx->strp.sk, &rx->strp);
		sm4ktls_compat_strp_unpause(&rx->strp);
	}
}

/*
 * One reader at a time, as upstream: recvmsg() and splice() release the
 * socket lock while they wait, and a second reader must not take records
 * from under the first (data out of order, or opened with a key a
 * KeyUpdate the other one read has retired). Socket locked; waits with
 * it released, up to the reader's timeout.
 */
static int sm4ktls_rx_reader_acquire(struct sock *sk, struct sm4ktls_rx *rx,
				     long timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	while (unlikely(rx->reader_present)) {
		if (!timeo)
			return -EAGAIN;
		if (signal_pending(current))
			return sock_intr_errno(timeo);
		rx->reader_contended = true;
		add_wait_queue(&rx->readers, &wait);
		sk_wait_event(sk, &timeo, !READ_ONCE(rx->reader_present),
			      &wait);
		remove_wait_queue(&rx->readers, &wait);
	}
	WRITE_ONCE(rx->reader_present, true);
	return 0;
}

/*
 * Decrypted records that wait in rx->plain once the reader leaves (partly
 * read, or peeked) or sleeps: count them in the socket's receive memory
 * like TCP's own queue, so ss -m, the memory cgroup and TCP's window see
 * them. Like TCP's in-order data they are charged even past the limit;
 * the window closes until they are read. A record the reader takes whole
 * is never charged (nor is it upstream): that would cost a raise and a
 * reclaim of the socket's forward allocation for every record. The ones
 * not charged yet are the newest, at the tail.
 */
static void sm4ktls_rx_charge(struct sock *sk, struct sm4ktls_rx *rx)
{
	struct sk_buff *skb;

	skb_queue_reverse_walk(&rx->plain, skb) {
		if (skb->sk)
			break;
		sk_rmem_schedule(sk, skb, skb->truesize);
		skb_set_owner_r(skb, sk);
	}
}

static void sm4ktls_rx_reader_release(struct sock *sk, struct sm4ktls_rx *rx)
{
	sm4ktls_rx_charge(sk, rx);
	if (unlikely(rx->reader_contended)) {
		if (wq_has_sleeper(&rx->readers))
			wake_up(&rx->readers);
		else
			rx->reader_contended = false;
	}
	/* The scratch is the reader's: an idle socket keeps none. */
	kfree(rx->scratch);
	rx->scratch = NULL;
	WRITE_ONCE(rx->reader_present, false);
}

/* The present reader's lists for opening records, allocated on first use. */
struct sm4ktls_rx_scratch *sm4ktls_rx_scratch_get(struct sock *sk,
						  struct sm4ktls_rx *rx)
{
	if (!rx->scratch)
		rx->scratch = kmalloc(sizeof(*rx->scratch), sk->sk_allocation);
	return rx->scratch;
}

/*
 * TLS 1.3: strip the zero padding; the last non-zero byte is the type.
 * @skb is our plaintext (sm4ktls_rx_plain_skb: all in page frags, @len
 * bytes): scan its pages in place, from the end, no copy.
 */
static int sm4ktls_rx_inner_type(struct sk_buff *skb, u32 *len, u8 *type)
{
	int i = skb_shinfo(skb)->nr_frags;
	u32 end = *len, n;
	const u8 *p;

	if (skb_headlen(skb) || skb->len != *len)
		return -EBADMSG;
	while (end && i--) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

		n = skb_frag_size(frag);
		p = skb_frag_address(frag);
		end -= n;
		while (n--) {
			if (p[n]) {
				*type = p[n];
				*len = end + n;
				return 0;
			}
		}
	}
	return -EBADMSG;
}

/*
 * An skb of fresh pages to hold @len bytes of plaintext: in blocks of up
 * to 32 KiB where the allocator has them (falling back to single pages),
 * so a record is one or two frags to map, scan and copy out, not five.
 */
struct sk_buff *sm4ktls_rx_plain_skb(struct sock *sk, u32 len)
{
	struct sk_buff *skb;
	int err;

	skb = alloc_skb_with_frags(0, len, get_order(SZ_32K), &err,
				   sk->sk_allocation | __GFP_NOWARN);
	if (skb) {	/* frags filled, lengths left to the caller */
		skb->len = len;
		skb->data_len = len;
	}
	return skb;
}

/*
 * Open the record out of place, from where TCP left it (no copy, no
 * unsharing) into fresh pages; returns the plaintext skb.
 */
static struct sk_buff *sm4ktls_rx_open(struct sock *sk, struct sm4ktls_rx *rx,
				       struct sk_buff *skb, u32 off, u32 clen)
{
	struct sm4ktls_rx_scratch *s = sm4ktls_rx_scratch_get(sk, rx);
	struct sm4ktls_cipher *c = &rx->c;
	struct scatterlist *src, *dst;
	struct sk_buff *plain;
	int n, err;

	/* AAD and the plaintext's pages: always fits the list. */
	BUILD_BUG_ON(ARRAY_SIZE(s->out) < SM4KTLS_REC_PAGES + 1);
	if (!s)
		return ERR_PTR(-ENOMEM);
	n = sm4ktls_skb_nsg(skb, off, clen, 0);
	if (n < 0)
		return ERR_PTR(n);
	src = s->in;
	dst = s->out;
	/* A record in many tiny segments: a list of its own. */
	if (n + 1 > SM4KTLS_ZC_SG_IN)
		src = kmalloc_array(n + 1, sizeof(*src), sk->sk_allocation);
	plain = sm4ktls_rx_plain_skb(sk, clen - c->tag);
	if (!src || !plain) {
		err = -ENOMEM;
		goto out;
	}
	err = sm4ktls_skb_sg(c, src, n + 1, skb, off, clen);
	if (err)
		goto out;
	sg_init_table(dst, SM4KTLS_REC_PAGES + 1);
	sg_set_buf(&dst[0], c->aad, c->aad_len);
	err = skb_to_sgvec(plain, &dst[1], 0, plain->len);
	if (err < 0)
		goto out;
	err = sm4ktls_cipher_run(c, src, dst, clen, false);
out:
	if (src != s->in)
		kfree(src);
	if (err) {
		kfree_skb(plain);
		return ERR_PTR(err);
	}
	return plain;
}

/*
 * TLS 1.3 KeyUpdate (RFC 8446 4.6.3): the records behind it are under the
 * peer's next key, which only userspace can derive. Stop decrypting until
 * it installs that key.
 */
static void sm4ktls_rx_check_key_update(struct sock *sk, struct sm4ktls_rx *rx,
					struct sk_buff *skb)
{
	struct strp_msg *rxm = strp_msg(skb);
	u8 msg_type;

	if (rx->c.version != TLS_1_3_VERSION ||
	    sm4ktls_rx_cb(skb)->type != SM4KTLS_TYPE_HANDSHAKE ||
	    !rxm->full_len ||
	    skb_copy_bits(skb, rxm->offset, &msg_type, 1) ||
	    msg_type != SM4KTLS_HS_KEY_UPDATE)
		return;
	rx->key_expired = true;
	sm4ktls_stat_inc(sk, SM4KTLS_STAT_RX_REKEY_RECEIVED);
}

/* Open the record, in software or (device mode) however it came in. */
static struct sk_buff *sm4ktls_rx_open_any(struct sock *sk,
					   struct sm4ktls_rx *rx,
					   struct sk_buff **pskb, u32 clen)
{
	u8 decrypted = sm4ktls_rx_cb(*pskb)->decrypted;
	struct sm4ktls_cipher *c = &rx->c;
	u32 off = strp_msg(*pskb)->offset + c->prepend;
	int err;

	if (decrypted == SM4KTLS_DECRYPTED_ALL) {
		/* No sm4ktls_cipher_run() to check the sequence: as it would. */
		if (unlikely(c->spent))
			return ERR_PTR(-EBADMSG);
		sm4ktls_stat_inc(sk, SM4KTLS_STAT_RX_DEVICE_RECORDS);
		return sm4ktls_rx_dev_plain(sk, *pskb, off, clen - c->tag);
	}
	if (decrypted == SM4KTLS_DECRYPTED_MIXED) {
		sm4ktls_stat_inc(sk, SM4KTLS_STAT_RX_DEVICE_REENCRYPT);
		err = sm4ktls_rx_dev_restore(sk, rx, pskb);
		if (err)
			return ERR_PTR(err);
		off = c->prepend;
	} else if (rx->offload) {
		sm4ktls_stat_inc(sk, SM4KTLS_STAT_RX_DEVICE_SW);
	}
	return sm4ktls_rx_open(sk, rx, *pskb, off, clen);
}

/*
 * Decrypt a parsed record. On success *@pskb is the plaintext (the
 * record's skb is freed). On -ENOMEM it is the record, unused, the key
 * where it was; on other failures, the record or its bad plaintext.
 */
static int sm4ktls_rx_decrypt(struct sock *sk, struct sm4ktls_rx *rx,
			      struct sk_buff **pskb)
{
	u8 hdr[SM4KTLS_HDR_LEN + SM4KTLS_MAX_EXPLICIT];
	struct strp_msg *rxm = strp_msg(*pskb);
	struct sm4ktls_cipher *c = &rx->c;
	u32 clen = rxm->full_len - c->prepend;
	u32 len = clen - c->tag;
	struct sk_buff *skb;
	int err = 0;

	if (skb_copy_bits(*pskb, rxm->offset, hdr, c->prepend))
		return -EBADMSG;
	sm4ktls_cipher_nonce(c, hdr + SM4KTLS_HDR_LEN);
	sm4ktls_cipher_aad(c, hdr[0], len - c->tail);
	skb = sm4ktls_rx_open_any(sk, rx, pskb, clen);
	if (IS_ERR(skb))
		return PTR_ERR(skb);
	consume_skb(*pskb);
	*pskb = skb;
	sm4ktls_cipher_advance(c);
	sm4ktls_rx_cb(skb)->type = hdr[0];
	if (c->tail)
		err = sm4ktls_rx_inner_type(skb, &len,
					    &sm4ktls_rx_cb(skb)->type);
	strp_msg(skb)->offset = 0;
	strp_msg(skb)->full_len = len;
	if (!err)
		sm4ktls_rx_check_key_update(sk, rx, skb);
	return err;
}

/* The stream is broken for good: abort the connection, as upstream. */
static void sm4ktls_rx_break(struct sock *sk, struct sm4ktls_rx *rx, int err)
{
	rx->err = err;
	if (err == -EBADMSG)
		sm4ktls_stat_inc(sk, SM4KTLS_STAT_DECRYPT_ERROR);
	sm4ktls_err_abort(sk, -EBADMSG);
}

/*
 * @skb, off rx->raw, failed to open. Out of memory nothing of it was used
 * and the key has not moved on: it goes back to the head of the queue for
 * the next call. Any other error breaks the stream.
 */
static int sm4ktls_rx_fail(struct sock *sk, struct sm4ktls_rx *rx,
			   struct sk_buff *skb, int err)
{
	if (err == -ENOMEM) {
		__skb_queue_head(&rx->raw, skb);
		return err;
	}
	kfree_skb(skb);
	sm4ktls_rx_break(sk, rx, err);
	return err;
}

/*
 * Wait for a parsed record. Returns 1 when one is queued, 0 at end of
 * stream, or an error (-EAGAIN, timeout, signal, socket error).
 */
static int sm4ktls_rx_wait(struct sock *sk, struct sm4ktls_rx *rx,
			   long *timeo, bool copied)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	for (;;) {
		sm4ktls_rx_kick(rx);
		if (!skb_queue_empty(&rx->raw))
			return 1;
		if (sk->sk_err)
			return copied ? -READ_ONCE(sk->sk_err) : sock_error(sk);
		if ((sk->sk_shutdown & RCV_SHUTDOWN) ||
		    sock_flag(sk, SOCK_DONE))
			return 0;
		if (!*timeo)
			return -EAGAIN;
		if (signal_pending(current))
			return sock_intr_errno(*timeo);
		add_wait_queue(sk_sleep(sk), &wait);
		sk_set_bit(SOCKWQ_ASYNC_WAITDATA, sk);
		sk_wait_event(sk, timeo, !skb_queue_empty_lockless(&rx->raw) ||
			      READ_ONCE(sk->sk_err) ||
			      (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN),
			      &wait);
		sk_clear_bit(SOCKWQ_ASYNC_WAITDATA, sk);
		remove_wait_queue(sk_sleep(sk), &wait);
	}
}

static int sm4ktls_rx_type(struct msghdr *msg, u8 type, u8 *control);

struct sm4ktls_rx_req {
	struct msghdr *msg;
	size_t len;
	size_t copied;
	int target;
	long timeo;
	bool peek;
	bool no_pad;		/* the reader promised TLS 1.3 without padding */
	bool direct;		/* the last record went straight to the reader */
	u8 control;
};

/*
 * Only recvmsg() without MSG_PEEK reads records straight into the
 * reader's buffer; one the device opened already is copied instead, and
 * so is TLS 1.3 unless the reader promised no padding (rx_zc.c).
 */
static bool sm4ktls_rx_direct_ok(struct sm4ktls_rx *rx,
				 struct sm4ktls_rx_req *r, struct sk_buff *skb)
{
	return r && !r->peek && (!rx->c.tail || r->no_pad) &&
	       sm4ktls_rx_cb(skb)->decrypted == SM4KTLS_DECRYPTED_NONE;
}

/*
 * Open the next record straight into the reader's buffer if rx_zc.c can;
 * r->direct says whether it did.
 */
static int sm4ktls_rx_direct(struct sock *sk, struct sm4ktls_rx *rx,
			     struct sm4ktls_rx_req *r, struct sk_buff *skb)
{
	int n;

	n = sm4ktls_rx_zc(sk, rx, skb, &r->msg->msg_iter, r->len - r->copied);
	if (!n)
		return 0;
	__skb_unlink(skb, &rx->raw);
	sm4ktls_rx_kick(rx);
	if (n < 0)
		return sm4ktls_rx_fail(sk, rx, skb, n);
	consume_skb(skb);
	if (rx->offload)
		sm4ktls_stat_inc(sk, SM4KTLS_STAT_RX_DEVICE_SW);
	sm4ktls_rx_type(r->msg, SM4KTLS_TYPE_DATA, &r->control);
	r->msg->msg_flags |= MSG_EOR;
	r->copied += n;
	r->direct = true;
	return 0;
}

/*
 * The decrypted record to read after @prev (the first one if NULL),
 * decrypting the next parsed record when needed. With @wait, blocks for
 * one per @timeo. NULL: nothing more now (or end of stream), or, if
 * @r->direct is set, the record went straight to @r's reader.
 */
static struct sk_buff *sm4ktls_rx_get(struct sock *sk, struct sm4ktls_rx *rx,
				      struct sk_buff *prev, long *timeo,
				      bool wait, struct sm4ktls_rx_req *r)
{
	bool copied = r && r->copied;
	struct sk_buff *skb;
	int err;

	skb = prev ? skb_peek_next(prev, &rx->plain) : skb_peek(&rx->plain);
	if (skb)
		return skb;
	if (rx->err)
		return ERR_PTR(rx->err);
	if (rx->key_expired)
		return ERR_PTR(-EKEYEXPIRED);
	sm4ktls_rx_kick(rx);
	if (skb_queue_empty(&rx->raw)) {
		if (!wait)
			return NULL;
		/* Peeked records wait with us: TCP's window must see them. */
		sm4ktls_rx_charge(sk, rx);
		err = sm4ktls_rx_wait(sk, rx, timeo, copied);
		if (err <= 0)
			return err ? ERR_PTR(err) : NULL;
	}
	skb = skb_peek(&rx->raw);
	if (sm4ktls_rx_direct_ok(rx, r, skb)) {
		err = sm4ktls_rx_direct(sk, rx, r, skb);
		if (err || r->direct)
			return err ? ERR_PTR(err) : NULL;
	}
	skb = __skb_dequeue(&rx->raw);
	/* Let the parser fetch the next record while we decrypt. */
	sm4ktls_rx_kick(rx);
	err = sm4ktls_rx_decrypt(sk, rx, &skb);
	if (err)
		return ERR_PTR(sm4ktls_rx_fail(sk, rx, skb, err));
	/* Charged when the reader leaves it there (sm4ktls_rx_charge). */
	__skb_queue_tail(&rx->plain, skb);
	return skb;
}

/* Consume @n bytes of a decrypted record; drop it once fully read. */
static bool sm4ktls_rx_consume(struct sm4ktls_rx *rx, struct sk_buff *skb,
			       u32 n)
{
	struct strp_msg *rxm = strp_msg(skb);

	rxm->offset += n;
	rxm->full_len -= n;
	if (rxm->full_len)
		return false;
	__skb_unlink(skb, &rx->plain);
	consume_skb(skb);
	return true;
}

/*
 * Records of one type per call: the first record read decides, and is
 * reported with TLS_GET_RECORD_TYPE. A control record needs room for
 * that cmsg, else -EIO. Returns 1 to go on, 0 to stop before @type.
 */
static int sm4ktls_rx_type(struct msghdr *msg, u8 type, u8 *control)
{
	int err;

	if (*control)
		return *control == type;
	/* No record type is 0 (RFC 8446 5.1): upstream's EBADMSG. */
	if (!type)
		return -EBADMSG;
	*control = type;
	err = put_cmsg(msg, SOL_TLS, TLS_GET_RECORD_TYPE, sizeof(type), &type);
	if (type != SM4KTLS_TYPE_DATA && (err || msg->msg_flags & MSG_CTRUNC))
		return -EIO;
	return 1;
}

/* Copy from one decrypted record. Returns 1 to go on, 0 to stop. */
static int sm4ktls_rx_copy(struct sm4ktls_rx *rx, struct sm4ktls_rx_req *r,
			   struct sk_buff *skb)
{
	struct strp_msg *rxm = strp_msg(skb);
	u32 n = min_t(size_t, r->len - r->copied, rxm->full_len);
	int err;

	err = sm4ktls_rx_type(r->msg, sm4ktls_rx_cb(skb)->type, &r->control);
	if (err <= 0)
		return err;
	err = skb_copy_datagram_msg(skb, rxm->offset, r->msg, n);
	if (err)
		return err;
	r->copied += n;
	if (!r->peek && sm4ktls_rx_consume(rx, skb, n))
		r->msg->msg_flags |= MSG_EOR;
	/* A control record goes up alone. */
	return r->control == SM4KTLS_TYPE_DATA && r->copied < r->len;
}

static int sm4ktls_rx_recv_locked(struct sock *sk, struct sm4ktls_rx *rx,
				  struct sm4ktls_rx_req *r)
{
	struct sk_buff *skb, *prev = NULL;
	int ret;

	do {
		r->direct = false;
		skb = sm4ktls_rx_get(sk, rx, prev, &r->timeo,
				     r->copied < r->target, r);
		if (r->direct) {
			ret = r->copied < r->len;
			continue;
		}
		if (IS_ERR_OR_NULL(skb))
			return PTR_ERR_OR_ZERO(skb);
		ret = sm4ktls_rx_copy(rx, r, skb);
		prev = r->peek ? skb : NULL;
	} while (ret > 0);
	return ret;
}

int sm4ktls_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		    int flags)
{
	struct sm4ktls_rx *rx = sm4ktls_get_ctx(sk)->rx;
	struct sm4ktls_rx_req r = {
		.msg = msg,
		.len = len,
		.peek = flags & MSG_PEEK,
		.no_pad = READ_ONCE(sm4ktls_get_ctx(sk)->rx_no_pad),
	};
	int err;

	if (unlikely(flags & MSG_ERRQUEUE))
		return sock_recv_errqueue(sk, msg, len, SOL_IP, IP_RECVERR);
	lock_sock(sk);
	r.timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	r.target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	err = sm4ktls_rx_reader_acquire(sk, rx, r.timeo);
	if (!err) {
		err = sm4ktls_rx_recv_locked(sk, rx, &r);
		sm4ktls_rx_reader_release(sk, rx);
	}
	release_sock(sk);
	return r.copied ? r.copied : err;
}

/* One record per call, data records only, like upstream. */
ssize_t sm4ktls_splice_read(struct socket *sock, loff_t *ppos,
			    struct pipe_inode_info *pipe, size_t len,
			    unsigned int flags)
{
	struct sock *sk = sock->sk;
	struct sm4ktls_rx *rx = sm4ktls_get_ctx(sk)->rx;
	struct sk_buff *skb;
	long timeo;
	int n;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & SPLICE_F_NONBLOCK);
	n = sm4ktls_rx_reader_acquire(sk, rx, timeo);
	if (n) {
		release_sock(sk);
		return n;
	}
	skb = sm4ktls_rx_get(sk, rx, NULL, &timeo, true, NULL);
	/* An empty data record moves nothing: skip it, never return 0 (EOF). */
	while (!IS_ERR_OR_NULL(skb) && !strp_msg(skb)->full_len &&
	       sm4ktls_rx_cb(skb)->type == SM4KTLS_TYPE_DATA) {
		sm4ktls_rx_consume(rx, skb, 0);
		skb = sm4ktls_rx_get(sk, rx, NULL, &timeo, true, NULL);
	}
	if (IS_ERR_OR_NULL(skb)) {
		n = PTR_ERR_OR_ZERO(skb);
	} else if (sm4ktls_rx_cb(skb)->type != SM4KTLS_TYPE_DATA) {
		n = -EINVAL;
	} else {
		n = min_t(size_t, len, strp_msg(skb)->full_len);
		n = skb_splice_bits(skb, sk, strp_msg(skb)->offset, pipe, n,
				    flags);
		if (n > 0)
			sm4ktls_rx_consume(rx, skb, n);
	}
	sm4ktls_rx_reader_release(sk, rx);
	release_sock(sk);
	return n;
}

/*
 * proto_ops.read_sock, for in-kernel readers (nvme-tcp and the like): the
 * plaintext of data records, as upstream gives it; never ciphertext, and
 * never TCP's queue behind the parser's back. The caller holds the socket
 * lock; nothing waits.
 */
int sm4ktls_read_sock(struct sock *sk, read_descriptor_t *desc,
		      sk_read_actor_t actor)
{
	struct sm4ktls_rx *rx = sm4ktls_get_ctx(sk)->rx;
	struct sk_buff *skb;
	int copied = 0, used;
	long timeo = 0;

	if (sm4ktls_compat_strp_reads(desc, &rx->strp))
		return sm4ktls_rx_read_sock(&rx->strp, desc, actor);
	used = sm4ktls_rx_reader_acquire(sk, rx, 0);
	if (used)
		return used;
	while (desc->count) {
		skb = sm4ktls_rx_get(sk, rx, NULL, &timeo, false, NULL);
		if (IS_ERR_OR_NULL(skb)) {
			used = PTR_ERR_OR_ZERO(skb);
			/* An in-kernel reader has no call to retry in: as upstream. */
			if (used == -ENOMEM)
				sm4ktls_rx_break(sk, rx, used);
			break;
		}
		/* Like upstream: no way to hand over a record type. */
		if (sm4ktls_rx_cb(skb)->type != SM4KTLS_TYPE_DATA) {
			used = -EINVAL;
			break;
		}
		used = 0;
		if (strp_msg(skb)->full_len)
			used = actor(desc, skb, strp_msg(skb)->offset,
				     strp_msg(skb)->full_len);
		if (used < 0 || (!used && strp_msg(skb)->full_len))
			break;
		copied += used;
		sm4ktls_rx_consume(rx, skb, used);
	}
	sm4ktls_rx_reader_release(sk, rx);
	return copied ? : used;
}

static bool sm4ktls_rx_ready(struct sm4ktls_rx *rx)
{
	return !skb_queue_empty_lockless(&rx->plain) ||
	       (!skb_queue_empty_lockless(&rx->raw) &&
		!READ_ONCE(rx->key_expired)) || READ_ONCE(rx->err);
}

bool sm4ktls_sock_is_readable(struct sock *sk)
{
	return sm4ktls_rx_ready(sm4ktls_get_ctx(sk)->rx);
}

/* Bytes in TCP's queue are not readable until they make a whole record. */
__poll_t sm4ktls_poll(struct file *file, struct socket *sock,
		      struct poll_table_struct *wait)
{
	struct sock *sk = sock->sk;
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);
	__poll_t mask = ctx->sk_ops->poll(file, sock, wait);

	if (inet_sk_state_load(sk) != TCP_ESTABLISHED ||
	    (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
		return mask;
	if (!sm4ktls_rx_ready(ctx->rx))
		mask &= ~(EPOLLIN | EPOLLRDNORM);
	return mask;
}

int sm4ktls_rx_init(struct sock *sk, struct sm4ktls_ctx *ctx,
		    const union sm4ktls_crypto_info *ci)
{
	struct sm4ktls_rx *rx;
	int err;

	rx = kzalloc(sizeof(*rx), GFP_KERNEL);
	if (!rx)
		return -ENOMEM;
	err = sm4ktls_cipher_init(&rx->c, ci);
	if (err)
		goto err_free;
	err = strp_init(&rx->strp, sk, &sm4ktls_strp_cb);
	if (err)
		goto err_cipher;
	skb_queue_head_init(&rx->raw);
	skb_queue_head_init(&rx->plain);
	init_waitqueue_head(&rx->readers);
	ctx->rx = rx;
	ctx->rx_conf = sm4ktls_rx_dev_start(sk, rx, ci) ? SM4KTLS_HW :
							  SM4KTLS_SW;
	sm4ktls_stat_start(sk, false, ctx->rx_conf);
	return 0;

err_cipher:
	sm4ktls_cipher_free(&rx->c);
err_free:
	kfree(rx);
	return err;
}

/*
 * TLS 1.3: the peer's next key. Records already decrypted stay as they
 * are; parsed ones behind the KeyUpdate are opened with the new key.
 */
int sm4ktls_rx_rekey(struct sock *sk, struct sm4ktls_ctx *ctx,
		     const union sm4ktls_crypto_info *ci)
{
	struct sm4ktls_rx *rx = ctx->rx;
	struct sm4ktls_cipher next = {};
	int err;

	/* As upstream: a device holds one key for the connection's life. */
	if (rx->offload)
		return -EOPNOTSUPP;
	err = sm4ktls_cipher_init(&next, ci);
	if (err)
		return err;
	sm4ktls_cipher_free(&rx->c);
	rx->c = next;
	memzero_explicit(&next, sizeof(next));
	rx->key_expired = false;
	sm4ktls_rx_kick(rx);
	/* Readers and pollers parked on the old key may go on now. */
	if (sm4ktls_rx_ready(rx))
		ctx->sk_data_ready(sk);
	return 0;
}

/* Socket locked: hook data_ready and parse what already arrived. */
void sm4ktls_rx_start(struct sock *sk, struct sm4ktls_ctx *ctx)
{
	write_lock_bh(&sk->sk_callback_lock);
	ctx->sk_data_ready = sk->sk_data_ready;
	WRITE_ONCE(sk->sk_data_ready, sm4ktls_data_ready);
	write_unlock_bh(&sk->sk_callback_lock);
	sm4ktls_rx_kick(ctx->rx);
}

/*
 * Socket locked, at close: no more parsing; unread plaintext goes, and
 * its receive memory with it (uncharging needs the socket lock).
 */
void sm4ktls_rx_stop(struct sock *sk, struct sm4ktls_ctx *ctx)
{
	strp_stop(&ctx->rx->strp);
	__skb_queue_purge(&ctx->rx->plain);
}

/* After the ULP is detached and the socket unlocked. */
void sm4ktls_rx_free(struct sock *sk, struct sm4ktls_ctx *ctx)
{
	struct sm4ktls_rx *rx = ctx->rx;

	strp_done(&rx->strp);
	if (rx->offload)
		sm4ktls_offload_rx_stop(rx->offload);
	__skb_queue_purge(&rx->raw);
	__skb_queue_purge(&rx->plain);
	sm4ktls_cipher_free(&rx->c);
	kfree(rx);
	ctx->rx = NULL;
	sm4ktls_stat_stop(sk, false, ctx->rx_conf);
}
