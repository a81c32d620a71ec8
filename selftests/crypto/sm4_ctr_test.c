// SPDX-License-Identifier: GPL-2.0
/*
 * Native tests of ctr(sm4) as the module computes it (src/crypto/sm4_ctr.c)
 * on every implementation this CPU can run: the crypto API's 128-bit
 * big-endian counter on CTR32 routines that only add to its low 32-bit
 * word. Known vectors (the draft-ribose-cfrg-sm4 examples testmgr uses), a
 * block-by-block reference with its own 128-bit increment, and libgcrypt's
 * SM4-CTR, with counters just below the 2^32, 2^64 and 2^128 wraps, odd
 * lengths, in place and not, fed in walk-like steps. Implementations the
 * CPU lacks are reported as skipped.
 */
#include <gcrypt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kselftest_harness.h"
#include "test_util.h"
#include "sm4_ctr.h"

#define MAX_LEN 20000

/* The reference: one block at a time, the counter incremented bytewise. */
static void ref_inc(u8 *ctr)
{
	int i = 15;

	while (i >= 0 && !++ctr[i])
		i--;
}

static void ref_ctr(const u32 *rk, u8 *dst, const u8 *src, size_t len, u8 *ctr)
{
	u8 ks[16];
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i % 16)) {
			sm4ktls_sm4_crypt_block(rk, ks, ctr);
			ref_inc(ctr);
		}
		dst[i] = src[i] ^ ks[i % 16];
	}
}

/*
 * A counter block: random, or with its low 32, 64 or all 128 bits a few
 * blocks short of wrapping (kind 1, 2, 3).
 */
static void test_iv(u8 *iv, unsigned int kind, unsigned int short_by)
{
	static const unsigned int ones[] = { 0, 4, 8, 16 };
	unsigned int i;

	rnd_bytes(iv, 16);
	for (i = 16 - ones[kind]; i < 16; i++)
		iv[i] = 0xff;
	if (kind)
		iv[15] -= short_by;	/* 0xff - short_by: no borrow */
}

FIXTURE(ctr) {
	const struct sm4ktls_impl *impl;
	struct sm4ktls_sm4_key key;
	u8 *src, *out, *ref, *ks;
};

FIXTURE_VARIANT(ctr) {
	const char *impl;
};

FIXTURE_VARIANT_ADD(ctr, generic) { .impl = "ctr-sm4-sm4ktls-generic" };
FIXTURE_VARIANT_ADD(ctr, aesni_avx) { .impl = "ctr-sm4-sm4ktls-aesni-avx" };
FIXTURE_VARIANT_ADD(ctr, aesni_avx2) { .impl = "ctr-sm4-sm4ktls-aesni-avx2" };
FIXTURE_VARIANT_ADD(ctr, gfni_avx2) { .impl = "ctr-sm4-sm4ktls-gfni-avx2" };
FIXTURE_VARIANT_ADD(ctr, gfni_avx512) { .impl = "ctr-sm4-sm4ktls-gfni-avx512" };

FIXTURE_SETUP(ctr)
{
	self->impl = impl_by_name(variant->impl, true);
	ASSERT_NE(self->impl, NULL) TH_LOG("no implementation %s", variant->impl);
	if (!sm4ktls_native_cpu_has(self->impl->needs))
		SKIP(return, "CPU lacks the features %s needs", variant->impl);
	self->src = malloc(MAX_LEN);
	self->out = malloc(MAX_LEN);
	self->ref = malloc(MAX_LEN);
	self->ks = malloc(sm4ktls_ctr_ks_size(self->impl));
	ASSERT_TRUE(self->src && self->out && self->ref && self->ks);
	ASSERT_NE(gcry_check_version(NULL), NULL);
	rng_state = (u64)time(NULL) * 0x9e3779b97f4a7c15ULL | 1;
	TH_LOG("random seed %#llx", (unsigned long long)rng_state);
}

FIXTURE_TEARDOWN(ctr)
{
	free(self->src);
	free(self->out);
	free(self->ref);
	free(self->ks);
}

/*
 * sm4ktls_ctr_crypt() over len bytes as a walk feeds it: random whole
 * blocks per call, the rest in the last one (chunked), or all at once.
 */
static void ctr_steps(const struct sm4ktls_impl *impl, const u32 *rk,
		      u8 *dst, const u8 *src, size_t len, u8 *iv, u8 *ks,
		      bool chunked)
{
	size_t off = 0;

	while (off < len) {
		size_t n = len - off;

		if (chunked && n > 16 && (rnd() & 3))
			n = 16 * (rnd() % (n / 16) + 1);
		sm4ktls_ctr_crypt(impl, rk, dst + off, src + off, n, iv, ks);
		off += n;
	}
}

/* draft-ribose-cfrg-sm4 A.2.5.1 and A.2.5.2 (testmgr's ctr(sm4) vectors). */
TEST_F(ctr, draft_vectors)
{
	static const struct {
		const char *key, *ct[2];
	} v[] = {
		{ "0123456789abcdeffedcba9876543210",
		  { "ac3236cb970cc20791364c395a1342d1a3cbc1878c6f30cd074cce385cdd70c7",
		    "f234bc0e24c11980fd1286310ce37b926e02fcd0faa0baf38b2933851d824514" } },
		{ "fedcba98765432100123456789abcdef",
		  { "5dcccd25b95ab07417a08512ee160e2f8f661521cbbab44cc87138445bc29e5c",
		    "0ae0297205d62704173b21239b887f6c8cb5b800917a2488284bde9e16ea2906" } },
	};
	u8 k[16], iv[16], want_iv[16], pt[64], ct[64];
	unsigned int i;

	unhex(pt, "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd");
	unhex(pt + 32, "eeeeeeeeeeeeeeeeffffffffffffffffaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb");
	unhex(want_iv, "000102030405060708090a0b0c0d0e13");
	for (i = 0; i < 2; i++) {
		unhex(k, v[i].key);
		unhex(ct, v[i].ct[0]);
		unhex(ct + 32, v[i].ct[1]);
		unhex(iv, "000102030405060708090a0b0c0d0e0f");
		sm4ktls_sm4_expand_key(&self->key, k);
		sm4ktls_ctr_crypt(self->impl, self->key.rk_enc, self->out, pt, 64, iv,
				  self->ks);
		EXPECT_EQ(memcmp(self->out, ct, 64), 0) TH_LOG("A.2.5.%u", i + 1);
		EXPECT_EQ(memcmp(iv, want_iv, 16), 0) TH_LOG("A.2.5.%u: output IV", i + 1);
	}
}

/* Hand-checked carries: the output IV after a few blocks across a wrap. */
TEST_F(ctr, counter_carry)
{
	static const struct {
		const char *iv, *iv_out;
		unsigned int len;
	} v[] = {
		{ "000000000000000000000000fffffffe", "00000000000000000000000100000001", 48 },
		{ "0123456789abcdef01234567ffffffff", "0123456789abcdef0123456800000000", 1 },
		{ "0000000000000000ffffffffffffffff", "00000000000000010000000000000010", 257 },
		{ "ffffffffffffffffffffffffffffffff", "00000000000000000000000000000000", 16 },
		{ "fffffffffffffffffffffffffffffffd", "00000000000000000000000000000029", 700 },
		{ "00000000000000000000000000000000", "00000000000000000000000000000001", 3 },
	};
	u8 k[16], iv[16], ref_iv[16], want[16];
	unsigned int i;

	rnd_bytes(k, 16);
	sm4ktls_sm4_expand_key(&self->key, k);
	rnd_bytes(self->src, 1024);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		unhex(iv, v[i].iv);
		unhex(ref_iv, v[i].iv);
		unhex(want, v[i].iv_out);
		sm4ktls_ctr_crypt(self->impl, self->key.rk_enc, self->out, self->src,
				  v[i].len, iv, self->ks);
		ref_ctr(self->key.rk_enc, self->ref, self->src, v[i].len, ref_iv);
		EXPECT_EQ(memcmp(iv, want, 16), 0) TH_LOG("case %u: output IV", i);
		EXPECT_EQ(memcmp(ref_iv, want, 16), 0) TH_LOG("case %u: reference IV", i);
		EXPECT_EQ(memcmp(self->out, self->ref, v[i].len), 0) TH_LOG("case %u", i);
	}
}

/* 0..600 bytes every length, then random up to MAX_LEN. */
static size_t sample_len(unsigned int i)
{
	return i <= 600 ? i : rnd() % MAX_LEN;
}

TEST_F(ctr, vs_block_reference)
{
	u8 k[16], iv[16], ref_iv[16];
	unsigned int i;

	for (i = 0; i < 1500; i++) {
		size_t len = sample_len(i);
		bool in_place = rnd() & 1;

		rnd_bytes(k, 16);
		sm4ktls_sm4_expand_key(&self->key, k);
		test_iv(iv, i % 4, rnd() % 40);
		memcpy(ref_iv, iv, 16);
		rnd_bytes(self->src, len);
		ref_ctr(self->key.rk_enc, self->ref, self->src, len, ref_iv);
		if (in_place)
			memcpy(self->out, self->src, len);
		ctr_steps(self->impl, self->key.rk_enc, self->out,
			  in_place ? self->out : self->src, len, iv, self->ks, i & 1);
		ASSERT_EQ(memcmp(self->out, self->ref, len), 0)
			TH_LOG("case %u, %zu bytes, IV kind %u", i, len, i % 4);
		ASSERT_EQ(memcmp(iv, ref_iv, 16), 0)
			TH_LOG("case %u, %zu bytes: output IV", i, len);
	}
}

/* libgcrypt's SM4-CTR also counts in all 128 bits. */
TEST_F(ctr, vs_libgcrypt)
{
	u8 k[16], iv[16];
	gcry_cipher_hd_t h;
	unsigned int i;

	for (i = 0; i < 600; i++) {
		size_t len = i < 300 ? i : rnd() % MAX_LEN;

		rnd_bytes(k, 16);
		test_iv(iv, i % 4, rnd() % 40);
		rnd_bytes(self->src, len);
		ASSERT_EQ(gcry_cipher_open(&h, GCRY_CIPHER_SM4, GCRY_CIPHER_MODE_CTR, 0), 0);
		ASSERT_EQ(gcry_cipher_setkey(h, k, 16), 0);
		ASSERT_EQ(gcry_cipher_setctr(h, iv, 16), 0);
		ASSERT_EQ(gcry_cipher_encrypt(h, self->ref, len, self->src, len), 0);
		gcry_cipher_close(h);
		sm4ktls_sm4_expand_key(&self->key, k);
		ctr_steps(self->impl, self->key.rk_enc, self->out, self->src, len, iv,
			  self->ks, i & 1);
		ASSERT_EQ(memcmp(self->out, self->ref, len), 0)
			TH_LOG("case %u, %zu bytes, IV kind %u", i, len, i % 4);
	}
}

TEST_HARNESS_MAIN
