// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: software fallback for device-mode TX.
 *
 * A marked skb (plaintext records) that leaves through a device other
 * than the offloading one - route change, bond failover, the device gone
 * down - is encrypted here, in sk_validate_xmit_skb, before it reaches
 * that device. Any slice of the stream may show up, retransmissions
 * included, so each record the skb touches is sealed whole from the copy
 * kept until ACK (offload.c) and the skb's slice of it copied out.
 * This runs in softirq context: atomic allocations, synchronous AEAD.
 */
#include <crypto/aead.h>
#include <linux/scatterlist.h>
#include <net/tcp.h>

#include "sm4ktls.h"

/* Per call: one record image and the AEAD request for it. */
struct sm4ktls_fb {
	u8 nonce[SM4KTLS_MAX_IV];
	u8 aad[SM4KTLS_AAD12_LEN];
	struct scatterlist sg[2];
	u8 rec[SM4KTLS_MAX_WIRE];
	struct aead_request req;	/* followed by the request context */
};

/* Seal the record image in fb->rec in place, as the device would have. */
static int sm4ktls_fb_seal(struct sm4ktls_cipher *c, struct sm4ktls_fb *fb,
			   const struct sm4ktls_drec *r)
{
	u32 text = r->wire - c->prepend - c->tag;
	u8 seq[SM4KTLS_SEQ_LEN];

	sm4ktls_seq_put(seq, r->seq);
	sm4ktls_cipher_nonce_of(c, seq, fb->rec + SM4KTLS_HDR_LEN, fb->nonce);
	sm4ktls_cipher_aad_of(c, seq, fb->rec[0], text - c->tail, fb->aad);
	sg_init_table(fb->sg, ARRAY_SIZE(fb->sg));
	sg_set_buf(&fb->sg[0], fb->aad, c->aad_len);
	sg_set_buf(&fb->sg[1], fb->rec + c->prepend, text + c->tag);
	aead_request_set_tfm(&fb->req, c->aead);
	aead_request_set_callback(&fb->req, 0, NULL, NULL);
	aead_request_set_crypt(&fb->req, fb->sg, fb->sg, text, fb->nonce);
	aead_request_set_ad(&fb->req, c->aad_len);
	return crypto_aead_encrypt(&fb->req);
}

/* Encrypt the payload of @nskb (linear), which starts at stream @seq. */
static int sm4ktls_fb_payload(struct sm4ktls_offload_conn *conn,
			      struct sm4ktls_fb *fb, u8 *data, u32 seq, u32 len)
{
	struct sm4ktls_drec *r;
	u32 done, off, n;
	int err;

	for (done = 0; done < len; done += n) {
		r = sm4ktls_drec_get(conn, seq + done);
		if (!r)
			return -ENOENT;	/* ACKed meanwhile, or never ours */
		sm4ktls_drec_copy(r, fb->rec);
		err = sm4ktls_fb_seal(&conn->fb, fb, r);
		off = seq + done - (r->end_seq - r->wire);
		n = min(len - done, r->wire - off);
		if (!err)
			memcpy(data + done, fb->rec + off, n);
		sm4ktls_drec_put(r);
		if (err)
			return err;
	}
	return 0;
}

/* @nskb replaces @skb: it takes over the socket's send accounting. */
static void sm4ktls_fb_own(struct sk_buff *nskb, struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	int delta;

	nskb->sk = sk;
	nskb->destructor = skb->destructor;
	skb->sk = NULL;
	skb->destructor = NULL;
	/* skb_orphan_partial() left a socket reference, not send memory. */
	if (!sk || nskb->destructor == sock_efree)
		return;
	delta = nskb->truesize - skb->truesize;
	if (delta > 0)
		refcount_add(delta, &sk->sk_wmem_alloc);
	else if (delta < 0 && refcount_sub_and_test(-delta, &sk->sk_wmem_alloc))
		pr_err_ratelimited("fallback: send memory accounting underflow\n");
}

static struct sk_buff *sm4ktls_fb_encrypt(struct sm4ktls_offload_conn *conn,
					  struct sk_buff *skb, int hdr)
{
	struct crypto_aead *aead = conn->fb.aead;
	struct sm4ktls_fb *fb;
	struct sk_buff *nskb;
	int err = -ENOMEM;

	fb = kmalloc(sizeof(*fb) + crypto_aead_reqsize(aead), GFP_ATOMIC);
	nskb = fb ? skb_copy(skb, GFP_ATOMIC) : NULL;
	if (nskb)
		err = sm4ktls_fb_payload(conn, fb, nskb->data + hdr,
					 ntohl(tcp_hdr(skb)->seq),
					 skb->len - hdr);
	kfree_sensitive(fb);
	if (err) {
		kfree_skb(nskb);
		return NULL;
	}
	sm4ktls_skb_unmark(nskb);
	sm4ktls_fb_own(nskb, skb);
	/* validate_xmit_skb_list() expects an unsegmented skb's prev. */
	nskb->prev = nskb;
	return nskb;
}

struct sk_buff *sm4ktls_fallback_xmit(struct sock *sk,
				      struct sm4ktls_offload_conn *conn,
				      struct sk_buff *skb)
{
	int hdr = skb_tcp_all_headers(skb);
	struct sk_buff *nskb;

	if (skb->len == hdr) {
		sm4ktls_skb_unmark(skb);	/* nothing to encrypt */
		return skb;
	}
	/* TCP leaves the checksum to later; we only change payload bytes. */
	nskb = skb->ip_summed == CHECKSUM_PARTIAL ?
	       sm4ktls_fb_encrypt(conn, skb, hdr) : NULL;
	if (!nskb) {
		sm4ktls_stat_inc(sk, SM4KTLS_STAT_TX_FALLBACK_ERROR);
		kfree_skb(skb);	/* TCP sends it again */
		return NULL;
	}
	sm4ktls_stat_inc(sk, SM4KTLS_STAT_TX_FALLBACK);
	consume_skb(skb);
	return nskb;
}
