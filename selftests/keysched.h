/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TLS 1.3 key schedule of KeyUpdate (RFC 8446 7.2: HKDF-Expand-Label
 * "traffic upd", then key and iv), SHA-256/384 via OpenSSL, SM3 via
 * libgcrypt; shared by rekey.c and stress.c.
 */
#ifndef SM4KTLS_SELFTEST_KEYSCHED_H
#define SM4KTLS_SELFTEST_KEYSCHED_H

#include "helpers.h"

#define MAX_HASH	48
#define KU_LEN		5
/* KeyUpdate, length 1, update_not_requested */
static const u8 key_update_msg[KU_LEN] = { 24, 0, 0, 1, 0 };

enum hash_alg { H_SHA256, H_SHA384, H_SM3 };

static unsigned int hash_len(enum hash_alg h)
{
	return h == H_SHA384 ? 48 : 32;
}

/* HMAC(key, a || b || c); 0 or -1. */
static int hmac3(enum hash_alg h, const u8 *key, size_t klen,
		 const u8 *a, size_t alen, const u8 *b, size_t blen,
		 const u8 *c, size_t clen, u8 *out)
{
	u8 buf[MAX_HASH + 600];
	unsigned int olen = 0;
	gcry_md_hd_t md;

	if (alen + blen + clen > sizeof(buf))
		return -1;
	memcpy(buf, a, alen);
	memcpy(buf + alen, b, blen);
	memcpy(buf + alen + blen, c, clen);
	if (h != H_SM3)
		return HMAC(h == H_SHA384 ? EVP_sha384() : EVP_sha256(), key,
			    klen, buf, alen + blen + clen, out, &olen) &&
		       olen == hash_len(h) ? 0 : -1;
	if (gcry_md_open(&md, GCRY_MD_SM3, GCRY_MD_FLAG_HMAC))
		return -1;
	if (gcry_md_setkey(md, key, klen)) {
		gcry_md_close(md);
		return -1;
	}
	gcry_md_write(md, buf, alen + blen + clen);
	memcpy(out, gcry_md_read(md, GCRY_MD_SM3), 32);
	gcry_md_close(md);
	return 0;
}

/* RFC 5869 HKDF-Expand with RFC 8446 7.1's HkdfLabel, empty context. */
static int hkdf_expand_label(enum hash_alg h, const u8 *secret,
			     const char *label, u8 *out, size_t len)
{
	u8 info[2 + 1 + 255 + 1], t[MAX_HASH], ctr;
	size_t hl = hash_len(h), llen = 6 + strlen(label), ilen, done, tlen = 0;

	if (llen > 255 || len > 255 * hl)
		return -1;
	info[0] = len >> 8;
	info[1] = len & 0xff;
	info[2] = llen;
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, llen - 6);
	info[3 + llen] = 0;
	ilen = 4 + llen;
	for (done = 0, ctr = 1; done < len; ctr++) {
		if (hmac3(h, secret, hl, t, tlen, info, ilen, &ctr, 1, t))
			return -1;
		tlen = hl;
		memcpy(out + done, t, len - done < hl ? len - done : hl);
		done += hl;
	}
	return 0;
}

/* One direction's traffic secret and the kTLS key it gives. */
struct traffic {
	enum hash_alg h;
	u8 secret[MAX_HASH];
	struct tlsrec_key k;
};

static int traffic_keys(struct traffic *t)
{
	const struct tlsrec_suite *s = t->k.suite;
	u8 iv[12];

	if (hkdf_expand_label(t->h, t->secret, "key", t->k.key, s->key_len) ||
	    hkdf_expand_label(t->h, t->secret, "iv", iv, sizeof(iv)))
		return -1;
	/* salt || iv is the 12-byte TLS 1.3 write_iv. */
	memcpy(t->k.salt, iv, s->salt_len);
	memcpy(t->k.iv, iv + s->salt_len, 12 - s->salt_len);
	memset(t->k.rec_seq, 0, sizeof(t->k.rec_seq));
	return 0;
}

static int traffic_init(struct traffic *t, u16 cipher, enum hash_alg h)
{
	memset(t, 0, sizeof(*t));
	t->h = h;
	t->k.suite = tlsrec_suite_by_cipher(cipher);
	t->k.version = TLS_1_3_VERSION;
	if (!t->k.suite)
		return -1;
	tlsrec_random(t->secret, hash_len(h));
	return traffic_keys(t);
}

/* application_traffic_secret_N+1, and its keys. */
static int traffic_next(struct traffic *t)
{
	u8 next[MAX_HASH];

	if (hkdf_expand_label(t->h, t->secret, "traffic upd", next,
			      hash_len(t->h)))
		return -1;
	memcpy(t->secret, next, hash_len(t->h));
	return traffic_keys(t);

#endif /* SM4KTLS_SELFTEST_KEYSCHED_H */
