// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: RX in device mode.
 *
 * The device decrypts record payloads in place and marks the skbs it
 * fully decrypted (skb->decrypted; TCP never merges marked with unmarked
 * data). A parsed record is then one of three kinds:
 *   all of it in marked skbs - the device opened and authenticated it:
 *	copy the plaintext out;
 *   none of it - open it in software, as in software mode;
 *   some of each - put back the ciphertext of the marked parts (encrypting
 *	the record once gives the keystream under every byte, and the
 *	plaintext parts turn back into ciphertext), then open the record in
 *	software, tag check included.
 * A device that lost the stream asks whether a record starts where it
 * guesses one does; each record handed over answers that if it is the one.
 */
#include <linux/scatterlist.h>
#include <net/tcp.h>

#include "sm4ktls.h"

/* Bytes of @skb itself, without its frag_list. */
static u32 sm4ktls_own_len(struct sk_buff *skb)
{
	struct sk_buff *f;
	u32 n = skb->len;

	skb_walk_frags(skb, f)
		n -= f->len;
	return n;
}

typedef void (*sm4ktls_range_fn)(void *arg, u32 pos, u32 len, bool marked);

/*
 * Call @fn for each piece of bytes [@off, @off + @len) of @skb, in the
 * order skb_copy_bits() reads them, with whether its skb is marked.
 * @pos counts the bytes passed so far.
 */
static void sm4ktls_ranges(struct sk_buff *skb, u32 off, u32 len, u32 *pos,
			   sm4ktls_range_fn fn, void *arg)
{
	u32 own = sm4ktls_own_len(skb), n;
	struct sk_buff *f;

	if (off < own) {
		n = min(len, own - off);
		fn(arg, *pos, n, sm4ktls_skb_marked(skb));
		*pos += n;
		len -= n;
		off = 0;
	} else {
		off -= own;
	}
	skb_walk_frags(skb, f) {
		if (!len)
			break;
		if (off >= f->len) {
			off -= f->len;
			continue;
		}
		n = min(len, f->len - off);
		sm4ktls_ranges(f, off, n, pos, fn, arg);
		len -= n;
		off = 0;
	}
}

static void sm4ktls_seen(void *arg, u32 pos, u32 len, bool marked)
{
	*(u8 *)arg |= marked ? SM4KTLS_DECRYPTED_ALL : SM4KTLS_DECRYPTED_NOT_ALL;
}

/* How much of a just-parsed record the device decrypted. */
static u8 sm4ktls_rx_dev_state(struct sk_buff *skb)
{
	struct strp_msg *rxm = strp_msg(skb);
	u32 pos = 0;
	u8 seen = 0;

	sm4ktls_ranges(skb, rxm->offset, rxm->full_len, &pos, sm4ktls_seen,
		       &seen);
	if (seen == SM4KTLS_DECRYPTED_ALL)
		return SM4KTLS_DECRYPTED_ALL;
	return seen & SM4KTLS_DECRYPTED_ALL ? SM4KTLS_DECRYPTED_MIXED : SM4KTLS_DECRYPTED_NONE;
}

/* Every byte was decrypted by the device: copy the plaintext out. */
struct sk_buff *sm4ktls_rx_dev_plain(struct sock *sk, struct sk_buff *skb,
				     u32 off, u32 len)
{
	struct sk_buff *plain = sm4ktls_rx_plain_skb(sk, len);
	u32 done, n;
	int i;

	if (!plain)
		return ERR_PTR(-ENOMEM);
	for (i = 0, done = 0; done < len; i++, done += n) {
		n = skb_frag_size(&skb_shinfo(plain)->frags[i]);
		if (skb_copy_bits(skb, off + done,
				  page_address(skb_frag_page(&skb_shinfo(plain)->frags[i])),
				  n)) {
			kfree_skb(plain);
			return ERR_PTR(-EBADMSG);
		}
	}
	return plain;
}

struct sm4ktls_restore {
	u8 *ct;		/* the record text as received */
	const u8 *ks;	/* the same bytes encrypted once more */
};

static void sm4ktls_restore_range(void *arg, u32 pos, u32 len, bool marked)
{
	struct sm4ktls_restore *r = arg;

	if (marked)
		memcpy(r->ct + pos, r->ks + pos, len);
}

/* Encrypt @text bytes of @buf (after the AAD) into @out: keystream XOR. */
static int sm4ktls_rx_dev_reseal(struct sm4ktls_rx *rx, u8 *buf, u8 *out,
				 u32 text)
{
	struct sm4ktls_cipher *c = &rx->c;
	struct scatterlist src[2], dst[2];

	sg_init_table(src, 2);
	sg_init_table(dst, 2);
	sg_set_buf(&src[0], c->aad, c->aad_len);
	sg_set_buf(&src[1], buf, text);
	sg_set_buf(&dst[0], c->aad, c->aad_len);
	sg_set_buf(&dst[1], out, text + c->tag);
	return sm4ktls_cipher_run(c, src, dst, text, true);
}

/*
 * Some of the record was decrypted by the device: replace *@pskb by a
 * linear copy of the record as it was on the wire. The record's nonce and
 * AAD are set up already.
 */
int sm4ktls_rx_dev_restore(struct sock *sk, struct sm4ktls_rx *rx,
			   struct sk_buff **pskb)
{
	struct strp_msg *rxm = strp_msg(*pskb);
	struct sm4ktls_cipher *c = &rx->c;
	u32 full = rxm->full_len, text = full - c->prepend - c->tag, pos = 0;
	struct sm4ktls_restore r;
	struct sk_buff *nskb;
	u8 *ks;
	int err;

	nskb = alloc_skb(full, sk->sk_allocation);
	ks = kmalloc(text + c->tag, sk->sk_allocation);
	if (!nskb || !ks) {
		err = -ENOMEM;
		goto err_free;
	}
	err = skb_copy_bits(*pskb, rxm->offset, skb_put(nskb, full), full);
	if (err)
		goto err_free;
	err = sm4ktls_rx_dev_reseal(rx, nskb->data + c->prepend, ks, text);
	if (err)
		goto err_free;
	r.ct = nskb->data + c->prepend;
	r.ks = ks;
	sm4ktls_ranges(*pskb, rxm->offset + c->prepend, text, &pos,
		       sm4ktls_restore_range, &r);
	kfree_sensitive(ks);
	strp_msg(nskb)->offset = 0;
	strp_msg(nskb)->full_len = full;
	/* All ciphertext now, should the software open have to be retried. */
	sm4ktls_rx_cb(nskb)->decrypted = SM4KTLS_DECRYPTED_NONE;
	consume_skb(*pskb);
	*pskb = nskb;
	return 0;

err_free:
	kfree_sensitive(ks);
	kfree_skb(nskb);
	return err;
}

/* strparser handed over a record: how it came in, resync, next position. */
void sm4ktls_rx_dev_rcv(struct sock *sk, struct sm4ktls_rx *rx,
			struct sk_buff *skb)
{
	sm4ktls_rx_cb(skb)->decrypted = sm4ktls_rx_dev_state(skb);
	if (sm4ktls_offload_rx_resync(rx->offload, rx->tcp_next, rx->rcv_seq))
		sm4ktls_stat_inc(sk, SM4KTLS_STAT_RX_DEVICE_RESYNC);
	rx->tcp_next += strp_msg(skb)->full_len;
	rx->rcv_seq++;
}

/* TLS_RX: offer the connection to the device under the route. */
bool sm4ktls_rx_dev_start(struct sock *sk, struct sm4ktls_rx *rx,
			  const union sm4ktls_crypto_info *ci)
{
	rx->offload = sm4ktls_offload_rx_start(sk, ci);
	if (!rx->offload)
		return false;
	/* Records under this key start where the reader stands. */
	rx->tcp_next = tcp_sk(sk)->copied_seq;
	rx->rcv_seq = sm4ktls_seq_get(rx->c.seq);
	return true;
}
