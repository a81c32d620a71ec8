// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: RX straight into the reader's buffer.
 *
 * When a whole data record fits what recvmsg() still wants and the buffer
 * is user memory, the record is opened out of place: from the skb TCP
 * filled (not copied, not made writable) into the reader's pinned pages,
 * saving two copies. TLS 1.2 knows the plaintext length and type from the
 * header. TLS 1.3 hides both; only with TLS_RX_EXPECT_NO_PAD may we assume
 * "data, no padding", and if the record proves otherwise the reader's
 * bytes are discarded and the record takes the normal path (a retry, as
 * upstream counts it).
 */
#include <linux/uio.h>

#include "sm4ktls.h"

/* Open into the pinned pages; 0, -EBADMSG, or 1 for "not data after all". */
static int sm4ktls_zc_open(struct sm4ktls_cipher *c,
			   struct sm4ktls_rx_scratch *zc, int nsg, u32 clen)
{
	int err;

	sg_set_buf(&zc->out[nsg], zc->tail, c->tail + c->tag);
	sg_mark_end(&zc->out[nsg]);
	sg_set_buf(&zc->out[0], c->aad, c->aad_len);
	err = sm4ktls_cipher_run(c, zc->in, zc->out, clen, false);
	if (err)
		return err;
	return c->tail && zc->tail[0] != SM4KTLS_TYPE_DATA;
}

/*
 * Try the record at the head of rx->raw; under TLS 1.3 the caller has
 * checked that the reader promised no padding. Returns the plaintext
 * length once it is in @iter (the caller consumes the skb), 0 to take the
 * normal path, or the error of a record that failed to open.
 */
int sm4ktls_rx_zc(struct sock *sk, struct sm4ktls_rx *rx, struct sk_buff *skb,
		  struct iov_iter *iter, size_t room)
{
	u8 hdr[SM4KTLS_HDR_LEN + SM4KTLS_MAX_EXPLICIT];
	struct strp_msg *rxm = strp_msg(skb);
	struct sm4ktls_cipher *c = &rx->c;
	u32 clen = rxm->full_len - c->prepend;
	u32 len = clen - c->tag - c->tail;
	struct sm4ktls_rx_scratch *zc;
	int nsg, npages, err;

	if (!user_backed_iter(iter) || !len || len > room ||
	    skb_copy_bits(skb, rxm->offset, hdr, c->prepend) ||
	    hdr[0] != SM4KTLS_TYPE_DATA)
		return 0;
	/* Without the lists, the normal path reports the failure. */
	zc = sm4ktls_rx_scratch_get(sk, rx);
	if (!zc || sm4ktls_skb_sg(c, zc->in, SM4KTLS_ZC_SG_IN, skb,
				  rxm->offset + c->prepend, clen))
		return 0;
	/* Clear end marks a previous record left in the list. */
	sg_init_table(zc->out, ARRAY_SIZE(zc->out));
	nsg = sm4ktls_pin(iter, len, zc->pages, SM4KTLS_ZC_PAGES, &zc->out[1],
			  &npages);
	if (nsg < 0)
		return 0;
	nsg++;	/* the AAD entry in front */
	sm4ktls_cipher_nonce(c, hdr + SM4KTLS_HDR_LEN);
	sm4ktls_cipher_aad(c, hdr[0], len);
	err = sm4ktls_zc_open(c, zc, nsg, clen);
	sm4ktls_unpin(zc->pages, npages);
	/* Not read here after all: the reader's iterator as it was. */
	if (err)
		iov_iter_revert(iter, len);
	if (err < 0)
		return err;	/* ENOMEM is retried */
	if (err) {
		/* TLS 1.3 padding or a control record: the normal path. */
		sm4ktls_stat_inc(sk, SM4KTLS_STAT_RX_NO_PAD_VIOLATION);
		sm4ktls_stat_inc(sk, SM4KTLS_STAT_DECRYPT_RETRY);
		return 0;
	}
	sm4ktls_cipher_advance(c);
	return len;
}
