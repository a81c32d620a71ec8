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
 * This runs with bottom halves off: order-0 atomic allocations, per-CPU
 * scratch, a synchronous AEAD.
 */
#include <crypto/aead.h>
#include <linux/scatterlist.h>
#include <net/tcp.h>

#include "offload_priv.h"

/*
 * Scratch for sealing one record image, one per CPU: the fallback runs
 * with bottom halves off (validate_xmit_skb), so nothing else on this
 * CPU uses it meanwhile, and no atomic order-3 allocation is needed per
 * packet. Allocated at module load.
 */
struct sm4ktls_fb {
	u8 nonce[SM4KTLS_MAX_IV];
	u8 aad[SM4KTLS_AAD12_LEN];
	struct scatterlist sg[2];
	u8 rec[SM4KTLS_MAX_WIRE];
};

static DEFINE_PER_CPU(struct sm4ktls_fb *, sm4ktls_fb_scratch);

/* Seal the record image in fb->rec in place, as the device would have. */
static int sm4ktls_fb_seal(struct sm4ktls_cipher *c, struct sm4ktls_fb *fb,
			   struct aead_request *req,
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
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_crypt(req, fb->sg, fb->sg, text, fb->nonce);
	aead_request_set_ad(req, c->aad_len);
	return crypto_aead_encrypt(req);
}

/* Encrypt the payload of @nskb (from @hdr on), which starts at stream @seq. */
static int sm4ktls_fb_payload(struct sm4ktls_offload_conn *conn,
			      struct sk_buff *nskb, int hdr, u32 seq)
{
	struct sm4ktls_fb *fb = *this_cpu_ptr(&sm4ktls_fb_scratch);
	u32 len = nskb->len - hdr, done, off, n;
	struct aead_request *req;
	struct sm4ktls_drec *r;
	int err = 0;

	req = aead_request_alloc(conn->fb.aead, GFP_ATOMIC);
	if (!req)
		return -ENOMEM;
	for (done = 0; done < len; done += n) {
		r = sm4ktls_drec_get(conn, seq + done);
		if (!r) {
			err = -ENOENT;	/* ACKed meanwhile, or never ours */
			break;
		}
		sm4ktls_drec_copy(r, fb->rec);
		err = sm4ktls_fb_seal(&conn->fb, fb, req, r);
		off = seq + done - (r->end_seq - r->wire);
		n = min(len - done, r->wire - off);
		sm4ktls_drec_put(r);
		if (err)
			break;
		err = skb_store_bits(nskb, hdr + done, fb->rec + off, n);
		if (err)
			break;
	}
	aead_request_free(req);
	memzero_explicit(fb->rec, sizeof(fb->rec));
	return err;
}

/*
 * A copy of @skb to encrypt into: the headers linear as they were, the
 * payload in order-0 pages (a 64 KiB linear copy would need an order-4
 * atomic allocation, which fragmentation makes fail for every
 * retransmission alike).
 */
static struct sk_buff *sm4ktls_fb_copy(struct sk_buff *skb, int hdr)
{
	u32 len = skb->len - hdr;
	struct sk_buff *nskb;
	int err;

	if (DIV_ROUND_UP(len, PAGE_SIZE) > MAX_SKB_FRAGS)
		return skb_copy(skb, GFP_ATOMIC);	/* BIG TCP */
	nskb = alloc_skb_with_frags(skb_headroom(skb) + hdr, len, 0, &err,
				    GFP_ATOMIC | __GFP_NOWARN);
	if (!nskb)
		return NULL;
	skb_reserve(nskb, skb_headroom(skb));
	skb_put(nskb, hdr);
	nskb->len += len;	/* the frags: filled, left to us to count */
	nskb->data_len = len;
	if (skb_copy_bits(skb, 0, nskb->data, hdr)) {
		kfree_skb(nskb);
		return NULL;
	}
	/* Same headroom, same header bytes: every offset carries over. */
	skb_copy_header(nskb, skb);
	return nskb;
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
	struct sk_buff *nskb = sm4ktls_fb_copy(skb, hdr);

	if (!nskb)
		return NULL;
	if (sm4ktls_fb_payload(conn, nskb, hdr, ntohl(tcp_hdr(skb)->seq))) {
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

int sm4ktls_fallback_init(void)
{
	struct sm4ktls_fb *fb;
	int cpu;

	for_each_possible_cpu(cpu) {
		fb = kmalloc_node(sizeof(*fb), GFP_KERNEL, cpu_to_node(cpu));
		if (!fb) {
			sm4ktls_fallback_exit();
			return -ENOMEM;
		}
		per_cpu(sm4ktls_fb_scratch, cpu) = fb;
	}
	return 0;
}

void sm4ktls_fallback_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		kfree(per_cpu(sm4ktls_fb_scratch, cpu));
		per_cpu(sm4ktls_fb_scratch, cpu) = NULL;
	}
}
