// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer tests run at load on each ctr(sm4) implementation before its
 * driver is registered: draft-ribose-cfrg-sm4 A.2.5.1 (testmgr's first
 * ctr(sm4) vector), output counter included; then odd and long lengths,
 * counters just below the 2^32, 2^64 and 2^128 wraps, against a reference
 * built from the C block cipher and the kernel's own crypto_inc(), fed
 * whole and in walk-like steps, in place and out of place.
 */
#include <asm/fpu/api.h>
#include <crypto/algapi.h>
#include <linux/kernel.h>
#include <linux/slab.h>

#include "compat_hex.h"
#include "sm4_ctr.h"

#define KAT_MAX_LEN	(16 * 64 * 3 + 13)

struct ctr_kat {
	const struct sm4ktls_impl *impl;
	struct sm4ktls_sm4_key key;
	u8 iv[SM4KTLS_CTR_IV_SIZE];
	u8 want_iv[SM4KTLS_CTR_IV_SIZE];
	u8 *src, *want, *out, *ks;
};

/* iv: the counter; step: bytes per call (whole blocks), the last the rest. */
static void ctr_kat_run(struct ctr_kat *k, u8 *dst, const u8 *src,
			unsigned int len, unsigned int step)
{
	unsigned int off, n;

	for (off = 0; off < len; off += n) {
		n = min(len - off, step);
		if (k->impl->simd)
			kernel_fpu_begin();
		sm4ktls_ctr_crypt(k->impl, k->key.rk_enc, dst + off, src + off, n,
				  k->iv, k->ks);
		if (k->impl->simd)
			kernel_fpu_end();
	}
}

/* Out of place, then in place; 0 if both give want and want_iv. */
static int ctr_kat_check(struct ctr_kat *k, const u8 *iv, unsigned int len,
			 unsigned int step)
{
	memcpy(k->iv, iv, sizeof(k->iv));
	ctr_kat_run(k, k->out, k->src, len, step);
	if (memcmp(k->out, k->want, len) || memcmp(k->iv, k->want_iv, 16))
		return -EINVAL;
	memcpy(k->iv, iv, sizeof(k->iv));
	memcpy(k->out, k->src, len);
	ctr_kat_run(k, k->out, k->out, len, step);
	if (memcmp(k->out, k->want, len) || memcmp(k->iv, k->want_iv, 16))
		return -EINVAL;
	return 0;
}

static const char *ctr_kat_vector(struct ctr_kat *k)
{
	static const char *const ct[] = {
		"ac3236cb970cc20791364c395a1342d1a3cbc1878c6f30cd074cce385cdd70c7",
		"f234bc0e24c11980fd1286310ce37b926e02fcd0faa0baf38b2933851d824514",
	};
	static const char *const pt[] = {
		"aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd",
		"eeeeeeeeeeeeeeeeffffffffffffffffaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb",
	};
	u8 key[SM4KTLS_SM4_KEY_SIZE], iv[SM4KTLS_CTR_IV_SIZE];

	if (hex2bin(key, "0123456789abcdeffedcba9876543210", 16) ||
	    hex2bin(iv, "000102030405060708090a0b0c0d0e0f", 16) ||
	    hex2bin(k->want_iv, "000102030405060708090a0b0c0d0e13", 16) ||
	    hex2bin(k->src, pt[0], 32) || hex2bin(k->src + 32, pt[1], 32) ||
	    hex2bin(k->want, ct[0], 32) || hex2bin(k->want + 32, ct[1], 32))
		return "bad vector";
	sm4ktls_sm4_expand_key(&k->key, key);
	if (ctr_kat_check(k, iv, 64, 64) || ctr_kat_check(k, iv, 64, 16))
		return "wrong answer";
	return NULL;
}

/* Expected output and counter: one block at a time, crypto_inc() between. */
static void ctr_kat_reference(struct ctr_kat *k, const u8 *iv, unsigned int len)
{
	u8 blk[SM4KTLS_SM4_BLOCK_SIZE];
	unsigned int off;

	memcpy(k->want_iv, iv, sizeof(k->want_iv));
	for (off = 0; off < len; off += 16) {
		sm4ktls_sm4_crypt_block(k->key.rk_enc, blk, k->want_iv);
		crypto_inc(k->want_iv, sizeof(k->want_iv));
		crypto_xor_cpy(k->want + off, k->src + off, blk, min(16U, len - off));
	}
	memzero_explicit(blk, sizeof(blk));
}

static const unsigned short ctr_kat_lengths[] = {
	1, 15, 16, 17, 191, 16 * 24 + 5, 16 * 48 + 1, 16 * 76 + 3, KAT_MAX_LEN,
};

/*
 * Case i: a counter whose low 32, 64 or 128 bits (i % 4: 1, 2, 3; 0: none)
 * are all ones but for i % 5 in the last byte, so the wrap falls inside
 * the first batches; fed whole and in steps of 5 and of 77 blocks.
 */
static const char *ctr_kat_case(struct ctr_kat *k, unsigned int i)
{
	static const unsigned char ones[] = { 0, 4, 8, 16 };
	unsigned int len = ctr_kat_lengths[i], j;
	u8 key[SM4KTLS_SM4_KEY_SIZE], iv[SM4KTLS_CTR_IV_SIZE];

	for (j = 0; j < sizeof(key); j++)
		key[j] = j * 37 + i;
	for (j = 0; j < sizeof(iv); j++)
		iv[j] = j < 16 - ones[i % 4] ? j * 11 + i : 0xff;
	iv[15] -= i % 5;
	for (j = 0; j < len; j++)
		k->src[j] = j * 151 + i;
	sm4ktls_sm4_expand_key(&k->key, key);
	ctr_kat_reference(k, iv, len);
	if (ctr_kat_check(k, iv, len, len) || ctr_kat_check(k, iv, len, 16 * 5) ||
	    ctr_kat_check(k, iv, len, 16 * 77))
		return "wrong answer or counter";
	return NULL;
}

static const char *ctr_kat_all(struct ctr_kat *k, const char **which)
{
	const char *why;
	unsigned int i;

	*which = "draft-ribose-cfrg-sm4 A.2.5.1";
	why = ctr_kat_vector(k);
	for (i = 0; !why && i < ARRAY_SIZE(ctr_kat_lengths); i++) {
		*which = "odd lengths and counter wraps vs the C block cipher";
		why = ctr_kat_case(k, i);
	}
	return why;
}

int sm4ktls_ctr_selftest(const struct sm4ktls_impl *impl)
{
	struct ctr_kat *k = kzalloc(sizeof(*k), GFP_KERNEL);
	const char *why = "out of memory", *which = "setup";

	if (k) {
		k->impl = impl;
		k->src = kmalloc(KAT_MAX_LEN, GFP_KERNEL);
		k->want = kmalloc(KAT_MAX_LEN, GFP_KERNEL);
		k->out = kmalloc(KAT_MAX_LEN, GFP_KERNEL);
		k->ks = kmalloc(sm4ktls_ctr_ks_size(impl), GFP_KERNEL);
		if (k->src && k->want && k->out && k->ks)
			why = ctr_kat_all(k, &which);
		kfree(k->src);
		kfree(k->want);
		kfree(k->out);
		kfree(k->ks);
		kfree_sensitive(k);
	}
	if (why)
		pr_err("%s: %s: %s, not registered\n", impl->ctr_name, which, why);
	return why ? -EINVAL : 0;
}
