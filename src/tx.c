// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: the software TX path.
 *
 * Plaintext is copied straight into the open record's memory (pieces of
 * the socket's page frag, or whole pages), after room for the header and
 * explicit nonce, and sealed in place once the record is full (2^14
 * bytes) or the caller ends it (no MSG_MORE, MSG_EOR, a record type
 * change, splice EOF, shutdown, close). A sealed record is "pending"
 * until TCP has taken all of it; only one is pending at a time, so TCP's
 * send buffer is the queue and its limits apply.
 *
 * Everything sealing needs (the record's memory up to its tag; in device
 * mode, its bookkeeping) is taken before data is accepted: a record the
 * caller was told it sent is never lost to a failed allocation.
 */
#include <linux/highmem.h>
#include <linux/uio.h>
#include <net/tcp.h>

#include "sm4ktls.h"

#define SM4KTLS_TX_FLAGS (MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL | \
			  MSG_CMSG_COMPAT | MSG_SPLICE_PAGES | MSG_EOR | \
			  MSG_SENDPAGE_NOPOLICY)

/*
 * Device mode's connection, or NULL in software mode (offload.c). The
 * context outlives @tx; the socket's pointer to it does not (close).
 */
static struct sm4ktls_offload_conn *sm4ktls_tx_offload(struct sm4ktls_tx *tx)
{
	return tx->ctx->offload_tx;
}

/*
 * The piece holding record byte @pos: its page and @pos's offset there.
 * Returns how many of the @len bytes from @pos the piece holds.
 */
static u32 sm4ktls_rec_at(const struct sm4ktls_rec *rec, u32 pos, u32 len,
			  struct page **page, u32 *off)
{
	const struct bio_vec *bv = rec->segs;

	while (pos >= bv->bv_len)
		pos -= (bv++)->bv_len;
	*page = bv->bv_page;
	*off = bv->bv_offset + pos;
	return min_t(u32, len, bv->bv_len - pos);
}

static u8 *sm4ktls_rec_ptr(const struct sm4ktls_rec *rec, u32 pos)
{
	struct page *page;
	u32 off;

	sm4ktls_rec_at(rec, pos, 1, &page, &off);
	return page_address(page) + off;
}

/* Whether bytes at @off of @page would continue the record's last piece. */
static bool sm4ktls_rec_follows(const struct sm4ktls_rec *rec,
				struct page *page, u32 off)
{
	const struct bio_vec *last;

	if (!rec->nsegs)
		return false;
	last = &rec->segs[rec->nsegs - 1];
	return last->bv_page == page && last->bv_offset + last->bv_len == off;
}

/*
 * Append bytes [@off, @off + @len) of @page to the record: they extend
 * its last piece if they follow it, else become a piece of their own,
 * with a page reference. The caller charged them to the socket.
 */
static void sm4ktls_rec_add(struct sm4ktls_rec *rec, struct page *page,
			    u32 off, u32 len)
{
	if (sm4ktls_rec_follows(rec, page, off)) {
		rec->segs[rec->nsegs - 1].bv_len += len;
	} else {
		get_page(page);
		rec->segs[rec->nsegs++] = (struct bio_vec){
			.bv_page = page, .bv_offset = off, .bv_len = len,
		};
	}
	rec->size += len;
}

/*
 * Back record bytes from the socket's page frag, as TCP's own sendmsg
 * and upstream's open records do: a small record then costs its bytes,
 * not a page, and consecutive records share pages (and skb fragments).
 * Only while whole pages could still back the rest of the largest
 * record in the pieces left (so sm4ktls_rec_add_page() always has one).
 * Returns whether it backed any.
 */
static bool sm4ktls_rec_carve(struct sock *sk, struct sm4ktls_rec *rec,
			      u32 end)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	unsigned int pieces;
	u32 len;

	if (!sk_page_frag_refill(sk, pfrag))
		return false;
	len = min_t(u32, end - rec->size, pfrag->size - pfrag->offset);
	pieces = rec->nsegs +
		 !sm4ktls_rec_follows(rec, pfrag->page, pfrag->offset);
	if (pieces + DIV_ROUND_UP(SM4KTLS_MAX_WIRE - rec->size - len,
				  PAGE_SIZE) > SM4KTLS_REC_SEGS ||
	    !sk_wmem_schedule(sk, len))
		return false;
	sk_mem_charge(sk, len);
	sm4ktls_rec_add(rec, pfrag->page, pfrag->offset, len);
	pfrag->offset += len;
	return true;
}

/* Back the next record bytes with a page of their own. */
static int sm4ktls_rec_add_page(struct sock *sk, struct sm4ktls_rec *rec)
{
	struct page *page;

	if (!sk_wmem_schedule(sk, PAGE_SIZE))
		return -ENOMEM;
	page = alloc_page(sk->sk_allocation | __GFP_NOWARN);
	if (!page)
		return -ENOMEM;
	sk_mem_charge(sk, PAGE_SIZE);
	sm4ktls_rec_add(rec, page, 0, PAGE_SIZE);
	put_page(page);		/* the record's reference is the one left */
	return 0;
}

/*
 * Make sure memory backs record bytes [0, @end). It is charged to the
 * socket as upstream charges its open records (sk_msg_alloc()): TCP's
 * memory accounting and the socket's memory cgroup see it, and TCP's
 * memory pressure limits it. Socket locked.
 */
static int sm4ktls_rec_grow(struct sock *sk, struct sm4ktls_rec *rec, u32 end)
{
	while (rec->size < end) {
		if (!sm4ktls_rec_carve(sk, rec, end) &&
		    sm4ktls_rec_add_page(sk, rec))
			return -ENOMEM;
	}
	return 0;
}

/* Socket locked: the charge goes back with the pieces. */
static void sm4ktls_rec_release(struct sock *sk, struct sm4ktls_rec *rec)
{
	unsigned int i;

	for (i = 0; i < rec->nsegs; i++)
		put_page(rec->segs[i].bv_page);
	sk_mem_uncharge(sk, rec->size);
	memset(rec, 0, sizeof(*rec));
}

/* Copy up to @n bytes of @from to record offset @pos; returns bytes copied. */
static size_t sm4ktls_rec_fill(struct sm4ktls_rec *rec, u32 pos,
			       struct iov_iter *from, size_t n)
{
	size_t done = 0;

	while (done < n) {
		struct page *page;
		size_t chunk, got;
		u32 off;

		chunk = sm4ktls_rec_at(rec, pos + done, n - done, &page, &off);
		got = copy_page_from_iter(page, off, chunk, from);
		done += got;
		if (got != chunk)
			break;
	}
	return done;
}

/* Zero record bytes [pos, pos + len), which may span pieces. */
static void sm4ktls_rec_zero(struct sm4ktls_rec *rec, u32 pos, u32 len)
{
	while (len) {
		struct page *page;
		u32 off, chunk;

		chunk = sm4ktls_rec_at(rec, pos, len, &page, &off);
		memset(page_address(page) + off, 0, chunk);
		pos += chunk;
		len -= chunk;
	}
}

/* Scatterlist entries for record bytes [pos, pos + len), from sg[0]. */
static unsigned int sm4ktls_rec_sg(struct sm4ktls_rec *rec,
				   struct scatterlist *sg, u32 pos, u32 len)
{
	unsigned int n = 0;

	while (len) {
		struct page *page;
		u32 off, chunk;

		chunk = sm4ktls_rec_at(rec, pos, len, &page, &off);
		sg_set_page(&sg[n++], page, chunk, off);
		pos += chunk;
		len -= chunk;
	}
	return n;
}

static void sm4ktls_rec_header(struct sm4ktls_cipher *c,
			       struct sm4ktls_rec *rec)
{
	u8 *hdr = sm4ktls_rec_ptr(rec, 0);
	u16 len = rec->wire - SM4KTLS_HDR_LEN;

	hdr[0] = c->version == TLS_1_3_VERSION ? SM4KTLS_TYPE_DATA : rec->type;
	hdr[1] = c->wire_version >> 8;
	hdr[2] = c->wire_version & 0xff;
	hdr[3] = len >> 8;
	hdr[4] = len & 0xff;
	/* TLS 1.2 GCM/CCM: the explicit nonce is the running iv. */
	memcpy(hdr + SM4KTLS_HDR_LEN, c->iv + c->desc->salt_len,
	       c->prepend - SM4KTLS_HDR_LEN);
}

static u32 sm4ktls_tx_wire(struct sm4ktls_cipher *c, u32 len)
{
	return c->prepend + len + c->tail + c->tag;
}

/*
 * Before the open record takes text up to @len bytes: the memory its
 * sealing will need, so that sealing cannot fail for memory.
 */
static int sm4ktls_tx_reserve(struct sock *sk, struct sm4ktls_tx *tx,
			      u32 len)
{
	if (sm4ktls_tx_offload(tx) && !tx->drec) {
		tx->drec = sm4ktls_drec_alloc(sk);
		if (!tx->drec)
			return -ENOMEM;
	}
	return sm4ktls_rec_grow(sk, &tx->open, sm4ktls_tx_wire(&tx->c, len));
}

/*
 * Size the open record and write its header (and, if the text is in the
 * record, the TLS 1.3 type byte after it), in memory reserved before.
 */
static void sm4ktls_tx_layout(struct sm4ktls_tx *tx, bool type_byte)
{
	struct sm4ktls_rec *rec = &tx->open;
	struct sm4ktls_cipher *c = &tx->c;

	rec->wire = sm4ktls_tx_wire(c, rec->len);
	if (c->tail && type_byte)
		*sm4ktls_rec_ptr(rec, c->prepend + rec->len) = rec->type;
	sm4ktls_rec_header(c, rec);
}

/*
 * Device mode: frame the open record for the device - header, nonce,
 * text, type byte, zeroed tag room - keep it until ACKed, make it pending.
 */
static void sm4ktls_tx_frame(struct sock *sk, struct sm4ktls_tx *tx)
{
	struct sm4ktls_rec *rec = &tx->open;
	struct sm4ktls_cipher *c = &tx->c;
	u32 text = rec->len + c->tail;

	sm4ktls_tx_layout(tx, true);
	sm4ktls_rec_zero(rec, c->prepend + text, c->tag);
	sm4ktls_offload_add_rec(sk, sm4ktls_tx_offload(tx), tx->drec, rec,
				sm4ktls_seq_get(c->seq));
	tx->drec = NULL;
	sm4ktls_stat_inc(sk, SM4KTLS_STAT_TX_DEVICE_RECORDS);
	sm4ktls_cipher_advance(c);
	tx->pending = *rec;
	memset(rec, 0, sizeof(*rec));
}

/*
 * Encrypt the open record in place and make it the pending one.
 * @src: the plaintext (AAD entry first) if not in the record already.
 */
static noinline_for_stack int sm4ktls_tx_seal(struct sock *sk,
					      struct sm4ktls_tx *tx,
					      struct scatterlist *src)
{
	struct scatterlist sg[SM4KTLS_REC_SEGS + 1];	/* AAD, record pieces */
	struct sm4ktls_rec *rec = &tx->open;
	struct sm4ktls_cipher *c = &tx->c;
	u32 text = rec->len + c->tail;
	unsigned int n;
	int err;

	if (sm4ktls_tx_offload(tx)) {
		/* The device seals it: check what sm4ktls_cipher_run() would. */
		if (unlikely(c->spent))
			return -EBADMSG;
		sm4ktls_tx_frame(sk, tx);
		return 0;
	}
	sm4ktls_tx_layout(tx, !src);
	sm4ktls_cipher_nonce(c, c->iv + c->desc->salt_len);
	sm4ktls_cipher_aad(c, *sm4ktls_rec_ptr(rec, 0), rec->len);

	sg_init_table(sg, ARRAY_SIZE(sg));
	sg_set_buf(&sg[0], c->aad, c->aad_len);
	n = sm4ktls_rec_sg(rec, &sg[1], c->prepend, text + c->tag);
	sg_mark_end(&sg[n]);
	if (src)
		sg_set_buf(&src[0], c->aad, c->aad_len);
	err = sm4ktls_cipher_run(c, src ? : sg, sg, text, true);
	if (err)
		return err;
	sm4ktls_cipher_advance(c);
	tx->pending = *rec;
	memset(rec, 0, sizeof(*rec));
	return 0;
}

/*
 * Hand the pending record's pieces to TCP without blocking. TCP takes
 * its own page references. Returns 0 once all of it is in TCP. SIGPIPE is
 * the caller's business (sk_stream_error()), never TCP's here.
 */
static int sm4ktls_tx_push(struct sock *sk, struct sm4ktls_tx *tx, int flags)
{
	struct sm4ktls_rec *rec = &tx->pending;

	/* TCP marks the skbs; only the device or the fallback sends them. */
	if (sm4ktls_tx_offload(tx))
		flags |= MSG_SENDPAGE_DECRYPTED;

	while (rec->sent < rec->wire) {
		struct page *page;
		bool last;
		u32 off, chunk;
		int ret;

		chunk = sm4ktls_rec_at(rec, rec->sent, rec->wire - rec->sent,
				       &page, &off);
		last = rec->sent + chunk == rec->wire;
		ret = sm4ktls_compat_push_page(sk, page, off, chunk,
					       MSG_DONTWAIT | MSG_NOSIGNAL |
					       (last ? flags : SM4KTLS_NOTLAST |
						(flags & MSG_SENDPAGE_DECRYPTED)));
		if (ret <= 0)
			return ret ? : -EAGAIN;
		rec->sent += ret;
	}
	sm4ktls_rec_release(sk, rec);
	return 0;
}

/* Wait up to @timeo for TCP's send buffer, or a while for memory. */
static int sm4ktls_tx_wait(struct sock *sk, long *timeo)
{
	set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	return sk_stream_wait_memory(sk, timeo);
}

/* Push what is pending, waiting for TCP's send buffer up to @timeo. */
static int sm4ktls_tx_drain(struct sock *sk, struct sm4ktls_tx *tx,
			    long *timeo, int flags)
{
	int err;

	while (tx->pending.wire) {
		err = sm4ktls_tx_push(sk, tx, flags);
		if (err != -EAGAIN)
			return err;
		err = sm4ktls_tx_wait(sk, timeo);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A record failed to seal: the stream cannot go on without it. It may be
 * half encrypted in place, so it is dropped, never sealed again (its
 * nonce would repeat), and nothing after it is sent.
 */
static int sm4ktls_tx_fail(struct sock *sk, struct sm4ktls_tx *tx)
{
	tx->err = -EBADMSG;
	sm4ktls_rec_release(sk, &tx->open);
	sm4ktls_err_abort(sk, -EBADMSG);
	return -EBADMSG;
}

/* End the open record: seal it and start pushing it. */
static int sm4ktls_tx_close_rec(struct sock *sk, struct sm4ktls_tx *tx,
				long *timeo, int flags)
{
	int err;

	if (tx->err || !tx->open.len)
		return tx->err;
	err = sm4ktls_tx_drain(sk, tx, timeo, flags);
	if (err)
		return err;
	if (sm4ktls_tx_seal(sk, tx, NULL))
		return sm4ktls_tx_fail(sk, tx);
	err = sm4ktls_tx_push(sk, tx, flags);
	return err == -EAGAIN ? 0 : err;
}

/* Wait until nothing is pending and TCP accepts more; new data may go in. */
static int sm4ktls_tx_room(struct sock *sk, struct sm4ktls_tx *tx,
			   long *timeo, int flags)
{
	int err;

	for (;;) {
		if (tx->err)
			return tx->err;
		if (sk->sk_err)
			return -sk->sk_err;
		if (sk->sk_shutdown & SEND_SHUTDOWN)
			return -EPIPE;
		err = sm4ktls_tx_drain(sk, tx, timeo, flags);
		if (err || sk_stream_memory_free(sk))
			return err;
		err = sm4ktls_tx_wait(sk, timeo);
		if (err)
			return err;
	}
}

/* TLS_SET_RECORD_TYPE: ends the open record; the message is one type. */
static int sm4ktls_tx_cmsg(struct sock *sk, struct sm4ktls_tx *tx,
			   struct msghdr *msg, u8 *type, long *timeo, int flags)
{
	struct cmsghdr *cmsg;
	bool found = false;

	for_each_cmsghdr(cmsg, msg) {
		if (!CMSG_OK(msg, cmsg))
			return -EINVAL;
		if (cmsg->cmsg_level != SOL_TLS)
			continue;
		if (cmsg->cmsg_type != TLS_SET_RECORD_TYPE ||
		    cmsg->cmsg_len < CMSG_LEN(sizeof(*type)) ||
		    (msg->msg_flags & MSG_MORE))
			return -EINVAL;
		*type = *(u8 *)CMSG_DATA(cmsg);
		found = true;
	}
	/* Upstream refuses control data that holds no SOL_TLS message. */
	if (!found)
		return -EINVAL;
	return sm4ktls_tx_close_rec(sk, tx, timeo, flags);
}

/* Plaintext bytes a record may hold (TLS_TX_MAX_PAYLOAD_LEN). Locked. */
static size_t sm4ktls_tx_max(struct sock *sk)
{
	return sm4ktls_get_ctx(sk)->tx_max_payload;
}

/* Copy one chunk of the message into the open record. */
static int sm4ktls_tx_copy(struct sock *sk, struct sm4ktls_tx *tx,
			   struct msghdr *msg, u8 type, ssize_t *copied)
{
	struct sm4ktls_rec *rec = &tx->open;
	u32 pos = tx->c.prepend + rec->len;
	size_t n, got;
	int err;

	n = min_t(size_t, msg_data_left(msg), sm4ktls_tx_max(sk) - rec->len);
	err = sm4ktls_tx_reserve(sk, tx, rec->len + n);
	if (err)
		return err;
	rec->type = type;
	got = sm4ktls_rec_fill(rec, pos, &msg->msg_iter, n);
	rec->len += got;
	*copied += got;
	return got == n ? 0 : -EFAULT;
}

/*
 * Records up to this size are copied even when whole: pinning and
 * unpinning the sender's page costs more than the copy (ktls-bench -i,
 * 64 B records: about 1100 instructions a record less; 1 KiB: 180).
 */
#define SM4KTLS_TX_COPY_MAX	1024

/*
 * A whole record from user memory with nothing open can be sealed
 * straight from the sender's pages. Device records are kept until ACKed:
 * never in the sender's pages.
 */
static bool sm4ktls_tx_direct_ok(struct sock *sk, struct sm4ktls_tx *tx,
				 struct msghdr *msg, bool eor)
{
	size_t left = msg_data_left(msg);

	return !tx->open.len && !sm4ktls_tx_offload(tx) &&
	       user_backed_iter(&msg->msg_iter) &&
	       (left >= sm4ktls_tx_max(sk) ||
		(eor && left > SM4KTLS_TX_COPY_MAX));
}

/*
 * Pin @n bytes of the sender's and seal them as the open record: 0, the
 * seal's error, or 1 if they cannot be pinned. A frame of its own, so
 * the lists are gone before the record goes down TCP's stack.
 */
static noinline_for_stack int sm4ktls_tx_seal_user(struct sock *sk,
						   struct sm4ktls_tx *tx,
						   struct msghdr *msg,
						   size_t n, u8 type)
{
	struct scatterlist sg[SM4KTLS_ZC_PAGES + 2];	/* AAD, pages, type */
	struct page *pages[SM4KTLS_ZC_PAGES];
	int nsg, npages, err;

	sg_init_table(sg, ARRAY_SIZE(sg));
	nsg = sm4ktls_pin(&msg->msg_iter, n, pages, ARRAY_SIZE(pages), &sg[1],
			  &npages);
	if (nsg < 0)
		return 1;
	tx->zc_type = type;
	if (tx->c.tail)
		sg_set_buf(&sg[++nsg], &tx->zc_type, 1);
	sg_mark_end(&sg[nsg]);
	tx->open.len = n;
	tx->open.type = type;
	err = sm4ktls_tx_seal(sk, tx, sg);
	sm4ktls_unpin(pages, npages);
	return err;
}

/*
 * Seal one record straight from the sender's pages (no copy), or copy it
 * if they cannot be pinned.
 */
static int sm4ktls_tx_direct(struct sock *sk, struct sm4ktls_tx *tx,
			     struct msghdr *msg, u8 type, ssize_t *copied)
{
	size_t n = min_t(size_t, msg_data_left(msg), sm4ktls_tx_max(sk));
	int err;

	err = sm4ktls_tx_reserve(sk, tx, n);
	if (err)
		return err;
	err = sm4ktls_tx_seal_user(sk, tx, msg, n, type);
	if (err > 0)
		return sm4ktls_tx_copy(sk, tx, msg, type, copied);
	if (err) {
		iov_iter_revert(&msg->msg_iter, n);
		tx->open.len = 0;
		/*
		 * The plaintext is still the sender's: a transform that ran
		 * out of memory (skcipher_walk's bounce buffer) is retried.
		 */
		return err == -ENOMEM ? err : sm4ktls_tx_fail(sk, tx);
	}
	*copied += n;
	err = sm4ktls_tx_push(sk, tx, msg->msg_flags & MSG_MORE);
	return err == -EAGAIN ? 0 : err;
}

static int sm4ktls_tx_sendmsg_locked(struct sock *sk, struct sm4ktls_tx *tx,
				     struct msghdr *msg)
{
	long timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	bool eor = !(msg->msg_flags & MSG_MORE);
	int flags = msg->msg_flags & (MSG_MORE | MSG_DONTWAIT);
	u8 type = SM4KTLS_TYPE_DATA;
	ssize_t copied = 0;
	int err = 0;

	if (!eor && (msg->msg_flags & MSG_EOR))
		return -EINVAL;
	if (msg->msg_controllen)
		err = sm4ktls_tx_cmsg(sk, tx, msg, &type, &timeo, flags);
	while (!err && msg_data_left(msg)) {
		err = sm4ktls_tx_room(sk, tx, &timeo, flags);
		if (err)
			break;
		/* A record is full, or holds another type (left open by a
		 * non-blocking send that could not seal it): end it first.
		 */
		if (tx->open.len >= sm4ktls_tx_max(sk) ||
		    (tx->open.len && tx->open.type != type))
			err = sm4ktls_tx_close_rec(sk, tx, &timeo, flags);
		else if (sm4ktls_tx_direct_ok(sk, tx, msg, eor))
			err = sm4ktls_tx_direct(sk, tx, msg, type, &copied);
		else
			err = sm4ktls_tx_copy(sk, tx, msg, type, &copied);
		/* As upstream: memory comes back, or the timeout ends it. */
		if (err == -ENOMEM)
			err = sm4ktls_tx_wait(sk, &timeo);
	}
	if (!err && (eor || tx->open.len >= sm4ktls_tx_max(sk)))
		err = sm4ktls_tx_close_rec(sk, tx, &timeo, flags);
	/* Blocking callers return once TCP holds the whole record. */
	if (!err && timeo)
		err = sm4ktls_tx_drain(sk, tx, &timeo, flags);
	if (err)
		err = sk_stream_error(sk, msg->msg_flags, err);
	return copied > 0 ? copied : err;
}

/*
 * Drop the sender mutex. A push the write-space work could not do while
 * we held it is queued again now (see sm4ktls_tx_work()). Every holder
 * that may leave without pushing unlocks here.
 */
void sm4ktls_tx_unlock(struct sm4ktls_tx *tx)
{
	mutex_unlock(&tx->lock);
	/* Pairs with smp_mb__after_atomic() in sm4ktls_tx_work(). */
	smp_mb();
	if (test_bit(SM4KTLS_TX_PUSH_WANTED, &tx->flags))
		schedule_work(&tx->work);
}

static int sm4ktls_tx_sendmsg(struct sock *sk, struct msghdr *msg)
{
	struct sm4ktls_tx *tx = sm4ktls_get_ctx(sk)->tx;
	int ret;

	ret = mutex_lock_interruptible(&tx->lock);
	if (ret)
		return ret;
	lock_sock(sk);
	ret = sm4ktls_tx_sendmsg_locked(sk, tx, msg);
	release_sock(sk);
	sm4ktls_tx_unlock(tx);
	return ret;
}

int sm4ktls_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	if (msg->msg_flags & ~SM4KTLS_TX_FLAGS)
		return -EOPNOTSUPP;
	return sm4ktls_tx_sendmsg(sk, msg);
}

/* Kernels with proto.sendpage (6.1): sendfile and splice arrive here. */
int sm4ktls_sendpage(struct sock *sk, struct page *page, int offset,
		     size_t size, int flags)
{
	struct msghdr msg = {
		.msg_flags = flags & ~(SM4KTLS_SENDPAGE_NOTLAST |
				       SM4KTLS_SENDPAGE_IGNORED),
	};
	struct bio_vec bv;

	if (flags & ~(MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL |
		      SM4KTLS_SENDPAGE_FLAGS))
		return -EOPNOTSUPP;
	if (flags & SM4KTLS_SENDPAGE_NOTLAST)
		msg.msg_flags |= MSG_MORE;
	bvec_set_page(&bv, page, size, offset);
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv, 1, size);
	return sm4ktls_tx_sendmsg(sk, &msg);
}

/*
 * How long a send nobody made in send() (splice EOF, shutdown, rekey)
 * may wait for TCP's room: the send timeout, none on a non-blocking file.
 */
static long sm4ktls_tx_timeo(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;

	return sock_sndtimeo(sk, sock && sock->file &&
			     (sock->file->f_flags & O_NONBLOCK));
}

/* Seal and push the open record, waiting for TCP's room up to @timeo. */
static void sm4ktls_tx_flush(struct sock *sk, struct sm4ktls_tx *tx, long timeo)
{
	/* Nobody asked for this send: no SIGPIPE from it. */
	if (!sm4ktls_tx_close_rec(sk, tx, &timeo, MSG_NOSIGNAL))
		sm4ktls_tx_drain(sk, tx, &timeo, MSG_NOSIGNAL);
}

/*
 * What send() accepted reaches the peer after close() or shutdown(), as
 * what TCP's own buffer holds does: a record TCP took only part of (its
 * buffer filled mid-record) and the open one go in past the buffer's
 * limits, a record or two at most. Only memory TCP cannot charge drops
 * them; a cut record would end the peer's stream in a protocol error.
 */
static void sm4ktls_tx_flush_all(struct sock *sk, struct sm4ktls_tx *tx)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 lowat = tp->notsent_lowat;
	int sndbuf = sk->sk_sndbuf;

	WRITE_ONCE(sk->sk_sndbuf, INT_MAX);
	WRITE_ONCE(tp->notsent_lowat, UINT_MAX);
	sm4ktls_tx_flush(sk, tx, 0);
	WRITE_ONCE(tp->notsent_lowat, lowat);
	/* Unless memory pressure moderated it meanwhile: that one stands. */
	if (READ_ONCE(sk->sk_sndbuf) == INT_MAX)
		WRITE_ONCE(sk->sk_sndbuf, sndbuf);
}

/* A splice ended without SPLICE_F_MORE: do not sit on an open record. */
void sm4ktls_splice_eof(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct sm4ktls_tx *tx = sm4ktls_get_ctx(sk)->tx;

	if (!READ_ONCE(tx->open.len))
		return;
	mutex_lock(&tx->lock);
	lock_sock(sk);
	sm4ktls_tx_flush(sk, tx, sm4ktls_tx_timeo(sk));
	release_sock(sk);
	sm4ktls_tx_unlock(tx);
}

/*
 * shutdown(SHUT_WR) must not strand a MSG_MORE record nor cut one TCP
 * took only part of: what send() accepted goes to TCP before the FIN, as
 * at close(), without waiting (TCP's shutdown() never blocks, and it is
 * how a thread unsticks a connection whose peer stopped reading). This
 * runs before inet_shutdown() marks the socket, while TCP still takes
 * data.
 */
int sm4ktls_sock_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);
	struct sm4ktls_tx *tx = ctx->tx;

	/*
	 * shutdown() is how another thread wakes a sender blocked in send(),
	 * which holds the mutex: never wait for it. That sender's data is
	 * then refused with EPIPE, as TCP's is.
	 */
	if ((how == SHUT_WR || how == SHUT_RDWR) && mutex_trylock(&tx->lock)) {
		lock_sock(sk);
		sm4ktls_tx_flush_all(sk, tx);
		release_sock(sk);
		sm4ktls_tx_unlock(tx);
	}
	return ctx->sk_ops->shutdown(sock, how);
}

/*
 * TCP has room again: push the pending record. If a sender holds the
 * mutex, it may be on its way out without pushing; the flag makes its
 * sm4ktls_tx_unlock() queue this work again, so no push is lost.
 */
static void sm4ktls_tx_work(struct work_struct *work)
{
	struct sm4ktls_tx *tx = container_of(work, struct sm4ktls_tx, work);
	struct sock *sk = tx->sk;

	set_bit(SM4KTLS_TX_PUSH_WANTED, &tx->flags);
	/* Pairs with smp_mb() in sm4ktls_tx_unlock(). */
	smp_mb__after_atomic();
	if (!mutex_trylock(&tx->lock))
		return;
	clear_bit(SM4KTLS_TX_PUSH_WANTED, &tx->flags);
	lock_sock(sk);
	if (tx->pending.wire)
		sm4ktls_tx_push(sk, tx, 0);
	release_sock(sk);
	mutex_unlock(&tx->lock);
}

void sm4ktls_write_space(struct sock *sk)
{
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);

	if (ctx->tx && READ_ONCE(ctx->tx->pending.wire))
		schedule_work(&ctx->tx->work);
	ctx->sk_write_space(sk);
}

int sm4ktls_tx_init(struct sock *sk, struct sm4ktls_ctx *ctx,
		    const union sm4ktls_crypto_info *ci)
{
	struct sm4ktls_tx *tx;
	int err;

	tx = kzalloc(sizeof(*tx), GFP_KERNEL);
	if (!tx)
		return -ENOMEM;
	err = sm4ktls_cipher_init(&tx->c, ci);
	if (err) {
		kfree(tx);
		return err;
	}
	mutex_init(&tx->lock);
	INIT_WORK(&tx->work, sm4ktls_tx_work);
	tx->sk = sk;
	tx->ctx = ctx;
	ctx->tx = tx;
	/* The device if it takes the connection, else software: both work. */
	ctx->tx_conf = sm4ktls_offload_tx_start(sk, ctx, ci) ? SM4KTLS_HW :
							       SM4KTLS_SW;
	sm4ktls_stat_start(sk, true, ctx->tx_conf);
	return 0;
}

/*
 * TLS 1.3 KeyUpdate, socket locked and sender mutex held: what the
 * application gave us so far is sealed under the old key first.
 */
int sm4ktls_tx_rekey(struct sock *sk, struct sm4ktls_ctx *ctx,
		     const union sm4ktls_crypto_info *ci)
{
	struct sm4ktls_tx *tx = ctx->tx;
	long timeo = sm4ktls_tx_timeo(sk);
	struct sm4ktls_cipher next = {};
	int err;

	/* As upstream: a device holds one key for the connection's life. */
	if (sm4ktls_tx_offload(tx))
		return -EOPNOTSUPP;
	err = sm4ktls_tx_close_rec(sk, tx, &timeo, MSG_NOSIGNAL);
	if (err)
		return err;
	err = sm4ktls_cipher_init(&next, ci);
	if (err)
		return err;
	sm4ktls_cipher_free(&tx->c);
	tx->c = next;
	memzero_explicit(&next, sizeof(next));
	return 0;
}

/*
 * Socket locked, sender mutex held: the last data goes to TCP within
 * @timeout (SO_LINGER's, as TCP's close gets) as it makes room, and what
 * is left past its limits (sm4ktls_tx_flush_all()). Like upstream,
 * close() never waits for a peer that does not read.
 */
void sm4ktls_tx_close(struct sock *sk, struct sm4ktls_ctx *ctx, long timeout)
{
	struct sm4ktls_tx *tx = ctx->tx;

	sm4ktls_tx_flush(sk, tx, timeout);
	sm4ktls_tx_flush_all(sk, tx);
	/* What TCP could not charge even so is dropped, socket held. */
	sm4ktls_rec_release(sk, &tx->open);
	sm4ktls_rec_release(sk, &tx->pending);
}

/* After the ULP is detached: nothing can reach @ctx->tx any more. */
void sm4ktls_tx_free(struct sock *sk, struct sm4ktls_ctx *ctx)
{
	struct sm4ktls_tx *tx = ctx->tx;

	cancel_work_sync(&tx->work);
	kfree(tx->drec);	/* reserved, never on the device's list */
	sm4ktls_cipher_free(&tx->c);
	kfree(tx);
	ctx->tx = NULL;
	sm4ktls_stat_stop(sk, true, ctx->tx_conf);
}
