// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer tests run at load on each SM4-GCM implementation before its
 * driver is registered (its CTR32 routines have passed GB/T 32907's
 * examples by then, see sm4_impl.c): RFC 8998 A.1 and GB/T 36624 vectors,
 * then long and odd lengths compared with the portable C path, over
 * scattered buffers, in place and out of place, and a decryption with one
 * tag bit flipped, which must fail with -EBADMSG.
 */
#include <linux/kernel.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "compat_hex.h"
#include "sm4_gcm_sg.h"

#define KAT_MAX_AAD	61
#define KAT_MAX_TEXT	16411	/* a TLS record's 16 KiB and an odd tail */
#define KAT_BUF		(KAT_MAX_AAD + KAT_MAX_TEXT + SM4KTLS_GCM_TAG_SIZE)
#define KAT_MAX_SG	64

/* Hex strings; the text comes in lines of at most 32 bytes. */
struct gcm_kat_vec {
	const char *name;
	const char *key, *iv, *aad, *tag;
	const char *pt[3], *ct[3];
};

static const struct gcm_kat_vec gcm_kat_vecs[] = {
	{
		.name = "RFC 8998 A.1",
		.key = "0123456789abcdeffedcba9876543210",
		.iv = "00001234567800000000abcd",
		.aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2",
		.pt = { "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd",
			"eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa" },
		.ct = { "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735",
			"d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d" },
		.tag = "83de3541e4c2b58177e065a9bf7b62ec",
	}, {
		.name = "GB/T 36624 empty text",
		.key = "00000000000000000000000000000000",
		.iv = "000000000000000000000000",
		.aad = "",
		.tag = "232f0cfe308b49ea6fc88229b5dc858d",
	}, {
		.name = "GB/T 36624 one block",
		.key = "00000000000000000000000000000000",
		.iv = "000000000000000000000000",
		.aad = "",
		.pt = { "00000000000000000000000000000000" },
		.ct = { "7de2aa7f1110188218063be1bfeb6d89" },
		.tag = "b851b5f39493752be508f1bb4482c557",
	},
};

/* One test message: key, IV and lengths; the bytes live in the buffers. */
struct gcm_kat {
	const struct sm4ktls_impl *impl;
	struct sm4ktls_gcm_key key;
	struct sm4ktls_gcm_state st;
	struct scatterlist sg_src[KAT_MAX_SG], sg_dst[KAT_MAX_SG];
	u8 iv[SM4KTLS_GCM_IV_SIZE];
	u8 *msg;	/* AAD | plaintext */
	u8 *want;	/* AAD | ciphertext | tag */
	u8 *src, *dst;
	unsigned int alen, len, authsize;
};

/* Cut buf into pieces of varying sizes (pattern 0: one piece). */
static void gcm_kat_sg(struct scatterlist *sg, u8 *buf, unsigned int len,
		       unsigned int pattern)
{
	static const unsigned short pieces[] = { 1, 15, 16, 17, 64, 1000, 4096, 3 };
	unsigned int n = 0, off = 0;

	sg_init_table(sg, KAT_MAX_SG);
	while (off < len && n < KAT_MAX_SG - 1) {
		unsigned int p = pattern ? pieces[(pattern + n) % ARRAY_SIZE(pieces)] : len;

		p = min(p, len - off);
		sg_set_buf(&sg[n++], buf + off, p);
		off += p;
	}
	if (off < len)
		sg_set_buf(&sg[n++], buf + off, len - off);
	if (!n)
		sg_set_buf(&sg[n++], buf, 0);
	sg_mark_end(&sg[n - 1]);
}

/* Run one direction through the scatterlist path; in place if !oop. */
static int gcm_kat_run(struct gcm_kat *k, bool encrypt, bool oop,
		       unsigned int pattern)
{
	unsigned int total = k->alen + k->len + k->authsize;
	struct sm4ktls_gcm_req req = {
		.src = k->sg_src,
		.dst = oop ? k->sg_dst : k->sg_src,
		.assoclen = k->alen,
		.textlen = k->len,
		.authsize = k->authsize,
		.iv = k->iv,
		.encrypt = encrypt,
	};

	gcm_kat_sg(k->sg_src, k->src, total, pattern);
	gcm_kat_sg(k->sg_dst, k->dst, total, pattern ? pattern + 3 : 0);
	return sm4ktls_gcm_crypt_sg(&k->key, k->impl, &k->st, &req);
}

/* Encrypt, decrypt, then decrypt with a flipped tag bit. */
static const char *gcm_kat_check(struct gcm_kat *k, bool oop,
				 unsigned int pattern)
{
	unsigned int at = k->alen + k->len, total = at + k->authsize;
	u8 *out = oop ? k->dst : k->src;

	memcpy(k->src, k->msg, at);
	memcpy(k->dst, k->msg, k->alen);	/* out of place: AAD not copied */
	if (gcm_kat_run(k, true, oop, pattern) || memcmp(out, k->want, total))
		return "encryption gives a wrong answer";
	memcpy(k->src, k->want, total);
	if (gcm_kat_run(k, false, oop, pattern) || memcmp(out, k->msg, at))
		return "decryption gives a wrong answer";
	memcpy(k->src, k->want, total);
	k->src[at + (k->len % k->authsize)] ^= 0x10;
	if (gcm_kat_run(k, false, oop, pattern) != -EBADMSG)
		return "a flipped tag bit is not -EBADMSG";
	return NULL;
}

/* Decode hex lines into out; the byte count, or -EINVAL. */
static int gcm_kat_unhex(u8 *out, const char *const *lines, unsigned int nlines)
{
	unsigned int i, n = 0;

	for (i = 0; i < nlines && lines[i]; i++) {
		unsigned int len = strlen(lines[i]) / 2;

		if (hex2bin(out + n, lines[i], len))
			return -EINVAL;
		n += len;
	}
	return n;
}

static const char *gcm_kat_vector(struct gcm_kat *k, const struct gcm_kat_vec *v)
{
	u8 key[SM4KTLS_SM4_KEY_SIZE];
	int len, clen;
	const char *why;

	k->alen = strlen(v->aad) / 2;
	k->authsize = SM4KTLS_GCM_TAG_SIZE;
	len = gcm_kat_unhex(k->msg + k->alen, v->pt, ARRAY_SIZE(v->pt));
	clen = gcm_kat_unhex(k->want + k->alen, v->ct, ARRAY_SIZE(v->ct));
	if (len < 0 || len != clen || hex2bin(key, v->key, sizeof(key)) ||
	    hex2bin(k->iv, v->iv, 12) || hex2bin(k->msg, v->aad, k->alen) ||
	    hex2bin(k->want, v->aad, k->alen) ||
	    hex2bin(k->want + k->alen + len, v->tag, 16))
		return "bad vector";
	k->len = len;
	sm4ktls_gcm_setkey(&k->key, key);
	why = gcm_kat_check(k, false, 0);
	return why ?: gcm_kat_check(k, true, 5);
}

/* Expected output from the portable C path over linear buffers. */
static void gcm_kat_reference(struct gcm_kat *k)
{
	u8 *ct = k->want + k->alen, tag[SM4KTLS_GCM_TAG_SIZE];

	memcpy(k->want, k->msg, k->alen);
	sm4ktls_gcm_start(&k->st, &k->key, &sm4ktls_impl_generic, k->iv);
	sm4ktls_gcm_aad(&k->st, k->msg, k->alen);
	sm4ktls_gcm_encrypt(&k->st, ct, k->msg + k->alen, k->len);
	sm4ktls_gcm_finish(&k->st, tag);
	memcpy(ct + k->len, tag, k->authsize);
}

static const struct {
	unsigned short len, alen, authsize;
} gcm_kat_lengths[] = {
	{ 1, 13, 16 }, { 15, 0, 16 }, { 17, 61, 12 }, { 255, 13, 16 },
	{ 513, 1, 8 }, { 4097, 13, 16 }, { 8190, 20, 4 }, { KAT_MAX_TEXT, 13, 16 },
};

static const char *gcm_kat_lengths_run(struct gcm_kat *k, unsigned int i)
{
	u8 key[SM4KTLS_SM4_KEY_SIZE];
	unsigned int j;
	const char *why;

	k->len = gcm_kat_lengths[i].len;
	k->alen = gcm_kat_lengths[i].alen;
	k->authsize = gcm_kat_lengths[i].authsize;
	for (j = 0; j < sizeof(key); j++)
		key[j] = j * 29 + i;
	for (j = 0; j < sizeof(k->iv); j++)
		k->iv[j] = j * 7 + i;
	for (j = 0; j < k->alen + k->len; j++)
		k->msg[j] = j * 131 + i;
	sm4ktls_gcm_setkey(&k->key, key);
	gcm_kat_reference(k);
	why = gcm_kat_check(k, i & 1, i);
	return why ?: gcm_kat_check(k, !(i & 1), 0);
}

static const char *gcm_kat_all(struct gcm_kat *k, const char **which)
{
	const char *why = NULL;
	unsigned int i;

	for (i = 0; !why && i < ARRAY_SIZE(gcm_kat_vecs); i++) {
		*which = gcm_kat_vecs[i].name;
		why = gcm_kat_vector(k, &gcm_kat_vecs[i]);
	}
	for (i = 0; !why && i < ARRAY_SIZE(gcm_kat_lengths); i++) {
		*which = "long/odd lengths vs the C path";
		why = gcm_kat_lengths_run(k, i);
	}
	return why;
}

int sm4ktls_gcm_selftest(const struct sm4ktls_impl *impl)
{
	struct gcm_kat *k = kzalloc(sizeof(*k), GFP_KERNEL);
	const char *why = "out of memory", *which = "setup";

	if (k) {
		k->impl = impl;
		k->msg = kmalloc(KAT_BUF, GFP_KERNEL);
		k->want = kmalloc(KAT_BUF, GFP_KERNEL);
		k->src = kmalloc(KAT_BUF, GFP_KERNEL);
		k->dst = kmalloc(KAT_BUF, GFP_KERNEL);
		if (k->msg && k->want && k->src && k->dst)
			why = gcm_kat_all(k, &which);
		kfree(k->msg);
		kfree(k->want);
		kfree(k->src);
		kfree(k->dst);
		kfree_sensitive(k);
	}
	if (why)
		pr_err("%s: %s: %s, not registered\n", impl->name, which, why);
	return why ? -EINVAL : 0;
}
