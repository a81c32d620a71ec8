// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: record protection shared by TX and RX - the cipher table of
 * <linux/tls.h>, key installation, per-record nonce and AAD (RFC 5288,
 * RFC 7905, RFC 8446 5.2-5.3, RFC 8998, GB/T 38636-2020 6.3.3) and one
 * synchronous AEAD call.
 */
#include <crypto/aead.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sm4ktls.h"

#define SM4KTLS_CCM_B0_FLAGS	2	/* L' = 3 - 1: 12-byte nonce */

#define SM4KTLS_CIPHER(name, ci, algname, expl, isccm) {		\
	.type = TLS_CIPHER_##name,					\
	.key_len = TLS_CIPHER_##name##_KEY_SIZE,			\
	.salt_len = TLS_CIPHER_##name##_SALT_SIZE,			\
	.iv_len = TLS_CIPHER_##name##_IV_SIZE,				\
	.explicit_len = (expl),						\
	.ccm = (isccm),							\
	.info_len = sizeof(struct ci),					\
	.key_off = offsetof(struct ci, key),				\
	.iv_off = offsetof(struct ci, iv),				\
	.salt_off = offsetof(struct ci, salt),				\
	.seq_off = offsetof(struct ci, rec_seq),			\
	.alg = (algname),						\
}

static const struct sm4ktls_cipher_desc sm4ktls_ciphers[] = {
	SM4KTLS_CIPHER(AES_GCM_128, tls12_crypto_info_aes_gcm_128,
		       "gcm(aes)", 8, 0),
	SM4KTLS_CIPHER(AES_GCM_256, tls12_crypto_info_aes_gcm_256,
		       "gcm(aes)", 8, 0),
	SM4KTLS_CIPHER(AES_CCM_128, tls12_crypto_info_aes_ccm_128,
		       "ccm(aes)", 8, 1),
	SM4KTLS_CIPHER(CHACHA20_POLY1305, tls12_crypto_info_chacha20_poly1305,
		       "rfc7539(chacha20,poly1305)", 0, 0),
	SM4KTLS_CIPHER(SM4_GCM, tls12_crypto_info_sm4_gcm, "gcm(sm4)", 8, 0),
	SM4KTLS_CIPHER(SM4_CCM, tls12_crypto_info_sm4_ccm, "ccm(sm4)", 8, 1),
	SM4KTLS_CIPHER(ARIA_GCM_128, tls12_crypto_info_aria_gcm_128,
		       "gcm(aria)", 8, 0),
	SM4KTLS_CIPHER(ARIA_GCM_256, tls12_crypto_info_aria_gcm_256,
		       "gcm(aria)", 8, 0),
};

const struct sm4ktls_cipher_desc *sm4ktls_cipher_find(u16 type)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(sm4ktls_ciphers); i++)
		if (sm4ktls_ciphers[i].type == type)
			return &sm4ktls_ciphers[i];
	return NULL;
}

static void sm4ktls_cipher_framing(struct sm4ktls_cipher *c)
{
	const struct sm4ktls_cipher_desc *d = c->desc;

	c->tag = TLS_CIPHER_AES_GCM_128_TAG_SIZE;	/* 16 for every cipher */
	if (c->version == TLS_1_3_VERSION) {
		c->prepend = SM4KTLS_HDR_LEN;
		c->tail = 1;
		c->aad_len = SM4KTLS_HDR_LEN;
	} else {
		c->prepend = SM4KTLS_HDR_LEN + d->explicit_len;
		c->tail = 0;
		c->aad_len = SM4KTLS_AAD12_LEN;
	}
}

static int sm4ktls_cipher_alloc(struct sm4ktls_cipher *c, const u8 *key,
				u32 mask)
{
	struct crypto_aead *aead;
	int err;

	aead = crypto_alloc_aead(c->desc->alg, 0, mask);
	if (IS_ERR(aead))
		return PTR_ERR(aead);
	err = crypto_aead_setkey(aead, key, c->desc->key_len);
	if (err)
		goto err_free;
	err = crypto_aead_setauthsize(aead, c->tag);
	if (err)
		goto err_free;
	c->req = kmalloc(sizeof(*c->req) + crypto_aead_reqsize(aead),
			 GFP_KERNEL);
	if (!c->req) {
		err = -ENOMEM;
		goto err_free;
	}
	aead_request_set_tfm(c->req, aead);
	c->aead = aead;
	return 0;

err_free:
	crypto_free_aead(aead);
	return err;
}

static int sm4ktls_cipher_setup(struct sm4ktls_cipher *c,
				const union sm4ktls_crypto_info *ci, u32 mask)
{
	const struct sm4ktls_cipher_desc *d;
	const u8 *raw = (const u8 *)ci;
	int err;

	d = sm4ktls_cipher_find(ci->info.cipher_type);
	if (!d)
		return -EINVAL;
	c->desc = d;
	c->version = ci->info.version;
	c->wire_version = sm4ktls_record_version(c->version);
	c->info = *ci;
	sm4ktls_cipher_framing(c);
	memcpy(c->iv, raw + d->salt_off, d->salt_len);
	memcpy(c->iv + d->salt_len, raw + d->iv_off, d->iv_len);
	memcpy(c->seq, raw + d->seq_off, SM4KTLS_SEQ_LEN);
	err = sm4ktls_cipher_alloc(c, raw + d->key_off, mask);
	/* c->info holds the key: no failure leaves it behind. */
	if (err)
		memzero_explicit(c, sizeof(*c));
	return err;
}

/* @ci has been validated against its cipher's uapi size by the caller. */
int sm4ktls_cipher_init(struct sm4ktls_cipher *c,
			const union sm4ktls_crypto_info *ci)
{
	return sm4ktls_cipher_setup(c, ci, 0);
}

/* For atomic context (the device fallback): never an async driver. */
int sm4ktls_cipher_init_sync(struct sm4ktls_cipher *c,
			     const union sm4ktls_crypto_info *ci)
{
	return sm4ktls_cipher_setup(c, ci, CRYPTO_ALG_ASYNC);
}

void sm4ktls_cipher_free(struct sm4ktls_cipher *c)
{
	kfree_sensitive(c->req);
	crypto_free_aead(c->aead);
	memzero_explicit(c, sizeof(*c));
}

/* What getsockopt reports: the installed info with today's iv/seq. */
void sm4ktls_cipher_export(const struct sm4ktls_cipher *c,
			   union sm4ktls_crypto_info *out)
{
	const struct sm4ktls_cipher_desc *d = c->desc;
	u8 *raw = (u8 *)out;

	*out = c->info;
	memcpy(raw + d->iv_off, c->iv + d->salt_len, d->iv_len);
	memcpy(raw + d->seq_off, c->seq, SM4KTLS_SEQ_LEN);
}

static bool sm4ktls_nonce_is_xor(const struct sm4ktls_cipher *c)
{
	return c->version == TLS_1_3_VERSION || !c->desc->explicit_len;
}

/*
 * The AEAD nonce of record @seq into @out. TLS 1.2 GCM/CCM: salt || the
 * explicit part carried in the record; otherwise the static iv XOR the
 * sequence number, right-aligned.
 */
void sm4ktls_cipher_nonce_of(const struct sm4ktls_cipher *c, const u8 *seq,
			     const u8 *explicit, u8 *out)
{
	const struct sm4ktls_cipher_desc *d = c->desc;
	unsigned int len = d->salt_len + d->iv_len;
	u8 *n = out;
	int i;

	memset(out, 0, SM4KTLS_MAX_IV);
	if (d->ccm)
		*n++ = SM4KTLS_CCM_B0_FLAGS;
	memcpy(n, c->iv, len);
	if (!sm4ktls_nonce_is_xor(c)) {
		memcpy(n + d->salt_len, explicit, d->explicit_len);
		return;
	}
	for (i = 0; i < SM4KTLS_SEQ_LEN; i++)
		n[len - SM4KTLS_SEQ_LEN + i] ^= seq[i];
}

void sm4ktls_cipher_nonce(struct sm4ktls_cipher *c, const u8 *explicit)
{
	sm4ktls_cipher_nonce_of(c, c->seq, explicit, c->nonce);
}

/*
 * The AAD of record @seq into @out. TLS 1.2: seq || type || version ||
 * plaintext length. TLS 1.3: the record header, whose length also counts
 * the inner type byte and the tag. @type is the outer (header) type.
 */
void sm4ktls_cipher_aad_of(const struct sm4ktls_cipher *c, const u8 *seq,
			   u8 type, u16 plain_len, u8 *out)
{
	u8 *p = out;

	if (c->version == TLS_1_3_VERSION) {
		plain_len += c->tail + c->tag;
	} else {
		memcpy(p, seq, SM4KTLS_SEQ_LEN);
		p += SM4KTLS_SEQ_LEN;
	}
	p[0] = type;
	p[1] = c->wire_version >> 8;
	p[2] = c->wire_version & 0xff;
	p[3] = plain_len >> 8;
	p[4] = plain_len & 0xff;
}

void sm4ktls_cipher_aad(struct sm4ktls_cipher *c, u8 type, u16 plain_len)
{
	sm4ktls_cipher_aad_of(c, c->seq, type, plain_len, c->aad);
}

/* Big-endian increment; true if it wrapped to zero. */
static bool sm4ktls_be_inc(u8 *p, unsigned int len)
{
	while (len--) {
		if (++p[len])
			return false;
	}
	return true;
}

/*
 * After each record: next sequence number, and next 1.2 explicit nonce.
 * The sequence number must not wrap (RFC 8446 5.3, RFC 5246 6.1): record
 * 0's nonce would come again under the same key. Once it has, no record
 * seals or opens (EBADMSG: upstream ends such a stream the same way).
 */
void sm4ktls_cipher_advance(struct sm4ktls_cipher *c)
{
	if (sm4ktls_be_inc(c->seq, SM4KTLS_SEQ_LEN))
		c->spent = true;
	if (!sm4ktls_nonce_is_xor(c))
		sm4ktls_be_inc(c->iv + c->desc->salt_len, c->desc->iv_len);
}

/*
 * Seal or open @src into @dst (the same list for in place). Both start
 * with the AAD; @len is the plaintext (seal) or ciphertext + tag (open)
 * that follows it. Waits for async drivers.
 */
int sm4ktls_cipher_run(struct sm4ktls_cipher *c, struct scatterlist *src,
		       struct scatterlist *dst, unsigned int len, bool enc)
{
	DECLARE_CRYPTO_WAIT(wait);
	struct aead_request *req = c->req;
	int err;

	if (unlikely(c->spent))
		return -EBADMSG;
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				  CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_crypt(req, src, dst, len, c->nonce);
	aead_request_set_ad(req, c->aad_len);
	err = enc ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	return crypto_wait_req(err, &wait);
}
