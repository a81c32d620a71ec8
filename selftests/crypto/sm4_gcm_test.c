// SPDX-License-Identifier: GPL-2.0
/*
 * Native tests of every SM4-GCM implementation in src/crypto/ that this CPU
 * can run: the standards' vectors, each assembly routine against its C
 * twin, and randomized comparisons with libgcrypt's SM4-GCM and SM4-CCM
 * (CCM composed here from our CTR32 routines and a C CBC-MAC).
 * Implementations the CPU lacks are reported as skipped.
 */
#include <gcrypt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kselftest_harness.h"
#include "test_util.h"
#include "sm4_gcm.h"

#define MAX_LEN 70000

/* One-shot GCM with the text fed in pieces of random size (0 = whole). */
static void gcm_crypt(const struct sm4ktls_impl *impl,
		      const struct sm4ktls_gcm_key *key, const u8 *iv,
		      const u8 *aad, size_t alen, u8 *dst, const u8 *src,
		      size_t len, bool enc, bool chunked, u8 *tag)
{
	struct sm4ktls_gcm_state st;
	size_t off = 0, a = chunked && alen ? rnd() % (alen + 1) : alen;

	sm4ktls_gcm_start(&st, key, impl, iv);
	sm4ktls_gcm_aad(&st, aad, a);
	sm4ktls_gcm_aad(&st, aad + a, alen - a);
	while (off < len) {
		size_t n = len - off;

		if (chunked && (rnd() & 3))
			n = rnd() % (rnd() & 1 ? 17 : 1500) % n + 1;
		if (enc)
			sm4ktls_gcm_encrypt(&st, dst + off, src + off, n);
		else
			sm4ktls_gcm_decrypt(&st, dst + off, src + off, n);
		off += n;
	}
	sm4ktls_gcm_finish(&st, tag);
}

FIXTURE(gcm) {
	const struct sm4ktls_impl *impl;
	struct sm4ktls_gcm_key key;
	u8 *pt, *ct, *ref, *out;
};

FIXTURE_VARIANT(gcm) {
	const char *impl;
};

FIXTURE_VARIANT_ADD(gcm, generic) { .impl = "gcm-sm4-sm4ktls-generic" };
FIXTURE_VARIANT_ADD(gcm, aesni_avx) { .impl = "gcm-sm4-sm4ktls-aesni-avx" };
FIXTURE_VARIANT_ADD(gcm, aesni_avx2) { .impl = "gcm-sm4-sm4ktls-aesni-avx2" };
FIXTURE_VARIANT_ADD(gcm, gfni_avx2) { .impl = "gcm-sm4-sm4ktls-gfni-avx2" };
FIXTURE_VARIANT_ADD(gcm, gfni_avx512) { .impl = "gcm-sm4-sm4ktls-gfni-avx512" };

FIXTURE_SETUP(gcm)
{
	self->impl = impl_by_name(variant->impl, false);
	ASSERT_NE(self->impl, NULL) TH_LOG("no implementation %s", variant->impl);
	if (!sm4ktls_native_cpu_has(self->impl->needs))
		SKIP(return, "CPU lacks the features %s needs", variant->impl);
	self->pt = malloc(MAX_LEN + 16);
	self->ct = malloc(MAX_LEN + 16);
	self->ref = malloc(MAX_LEN + 16);
	self->out = malloc(MAX_LEN + 16);
	ASSERT_TRUE(self->pt && self->ct && self->ref && self->out);
	ASSERT_NE(gcry_check_version(NULL), NULL);
	rng_state = (u64)time(NULL) * 0x9e3779b97f4a7c15ULL | 1;
	TH_LOG("random seed %#llx", (unsigned long long)rng_state);
}

FIXTURE_TEARDOWN(gcm)
{
	free(self->pt);
	free(self->ct);
	free(self->ref);
	free(self->out);
}

static int check_vector(const struct sm4ktls_impl *impl, const char *k,
			const char *iv, const char *aad, const char *pt,
			const char *ct, const char *tag)
{
	u8 kb[16], ivb[12], ab[64], pb[64], cb[64], tb[16], out[64], t[16];
	size_t alen = unhex(ab, aad), plen = unhex(pb, pt);
	struct sm4ktls_gcm_key key;

	unhex(kb, k);
	unhex(ivb, iv);
	unhex(cb, ct);
	unhex(tb, tag);
	sm4ktls_gcm_setkey(&key, kb);
	gcm_crypt(impl, &key, ivb, ab, alen, out, pb, plen, true, false, t);
	if (memcmp(out, cb, plen) || memcmp(t, tb, 16))
		return -1;
	gcm_crypt(impl, &key, ivb, ab, alen, out, cb, plen, false, false, t);
	if (memcmp(out, pb, plen) || memcmp(t, tb, 16))
		return -2;
	return 0;
}

TEST_F(gcm, rfc8998_a1)
{
	char pt[129], ct[129];

	/* Two halves each: long hex strings in one piece are hard to read. */
	snprintf(pt, sizeof(pt), "%s%s",
		 "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd",
		 "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa");
	snprintf(ct, sizeof(ct), "%s%s",
		 "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735",
		 "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d");
	EXPECT_EQ(check_vector(self->impl, "0123456789abcdeffedcba9876543210",
			       "00001234567800000000abcd",
			       "feedfacedeadbeeffeedfacedeadbeefabaddad2", pt, ct,
			       "83de3541e4c2b58177e065a9bf7b62ec"), 0);
}

TEST_F(gcm, gbt36624)
{
	const char *zero16 = "00000000000000000000000000000000";

	EXPECT_EQ(check_vector(self->impl, zero16, "000000000000000000000000", "",
			       "", "", "232f0cfe308b49ea6fc88229b5dc858d"), 0);
	EXPECT_EQ(check_vector(self->impl, zero16, "000000000000000000000000", "",
			       zero16, "7de2aa7f1110188218063be1bfeb6d89",
			       "b851b5f39493752be508f1bb4482c557"), 0);
}

/* Routine r of impl: 0 its ctr32, then its narrower ones; NULL past the end. */
static sm4ktls_ctr32_fn ctr32_nth(const struct sm4ktls_impl *impl, unsigned int r,
				  unsigned int *batch)
{
	if (!r) {
		*batch = impl->batch;
		return impl->ctr32;
	}
	if (r > SM4KTLS_MAX_TAILS || !impl->tails[r - 1].fn)
		return NULL;
	*batch = impl->tails[r - 1].batch;
	return impl->tails[r - 1].fn;
}

/*
 * GB/T 32907 example 2 through a CTR32 routine: block 0 of a batch is
 * E(counter block), so feeding each output back as the counter block
 * encrypts the key under itself 1,000,000 times. At load the module chains
 * only the narrowest routine (sm4ktls_ctr32_fit()); here every one, timed.
 */
static double million_via(struct __test_metadata *_metadata, const u32 *rk,
			  u8 *out, u8 *zero, sm4ktls_ctr32_fn fn, unsigned int batch)
{
	u32 ctrblk[4] = { 0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210 };
	struct timespec t0, t1;
	u8 want[16];
	int i, j;

	unhex(want, "595298c7c6fd271f0402f804c33d3f66");
	memset(zero, 0, batch * 16);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 1000000; i++) {
		fn(rk, out, zero, ctrblk, batch);
		for (j = 0; j < 4; j++)
			ctrblk[j] = (u32)out[4 * j] << 24 | out[4 * j + 1] << 16 |
				    out[4 * j + 2] << 8 | out[4 * j + 3];
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_EQ(memcmp(out, want, 16), 0) TH_LOG("%u-block routine", batch);
	return (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
}

TEST_F(gcm, gbt32907_million_via_ctr32)
{
	const struct sm4ktls_impl *impl = self->impl;
	unsigned int r, batch;
	sm4ktls_ctr32_fn fn;
	u8 k[16];

	unhex(k, "0123456789abcdeffedcba9876543210");
	sm4ktls_sm4_expand_key(&self->key.sm4, k);
	for (r = 0; (fn = ctr32_nth(impl, r, &batch)); r++)
		TH_LOG("%s: %u-block routine%s %.0f ms", impl->name, batch,
		       r == 1 ? " (chained at load)" : "",
		       million_via(_metadata, self->key.sm4.rk_enc, self->out,
				   self->pt, fn, batch));
}

/* The CTR32 routine against its C twin, counters near the 2^32 wrap too. */
TEST_F(gcm, ctr32_vs_c_twin)
{
	const struct sm4ktls_impl *impl = self->impl;
	unsigned int batch;
	sm4ktls_ctr32_fn fn;
	u8 k[16];
	u32 ctrblk[4];
	int i;

	for (i = 0; i < 2000; i++) {
		unsigned int n;

		fn = ctr32_nth(impl, i % (1 + SM4KTLS_MAX_TAILS), &batch);
		if (!fn)
			continue;
		n = batch * (1 + rnd() % 8);

		rnd_bytes(k, 16);
		rnd_bytes((u8 *)ctrblk, 16);
		if (i & 1)
			ctrblk[3] = -(u32)(rnd() % (n + 2));
		sm4ktls_sm4_expand_key(&self->key.sm4, k);
		rnd_bytes(self->pt, n * 16);
		fn(self->key.sm4.rk_enc, self->out, self->pt, ctrblk, n);
		sm4ktls_ctr32_generic(self->key.sm4.rk_enc, self->ref, self->pt, ctrblk, n);
		ASSERT_EQ(memcmp(self->out, self->ref, n * 16), 0)
			TH_LOG("case %d, %u blocks, counter %#x", i, n, ctrblk[3]);
	}
}

/* The GHASH routine against its C twin, every block count up to 80. */
TEST_F(gcm, ghash_vs_c_twin)
{
	const struct sm4ktls_impl *impl = self->impl;
	u8 k[16], s1[16], s2[16];
	int i;

	for (i = 0; i < 4000; i++) {
		unsigned int n = i % 81;

		rnd_bytes(k, 16);
		rnd_bytes(s1, 16);
		memcpy(s2, s1, 16);
		sm4ktls_gcm_setkey(&self->key, k);
		rnd_bytes(self->pt, n * 16);
		impl->ghash(&self->key.ghash, s1, self->pt, n);
		sm4ktls_ghash_generic(&self->key.ghash, s2, self->pt, n);
		ASSERT_EQ(memcmp(s1, s2, 16), 0) TH_LOG("case %d, %u blocks", i, n);
	}
}

/*
 * The fused CTR+GHASH routine (widest path only) against its C twin: as
 * decryption uses it (hash the input, in place or not) and as encryption
 * does (hash the previous batch's output).
 */
TEST_F(gcm, ctr32_ghash_vs_c_twin)
{
	const struct sm4ktls_impl *impl = self->impl;
	size_t bytes = impl->batch * 16;
	u8 k[16], s1[16], s2[16];
	u32 ctrblk[4];
	int i;

	if (!impl->ctr32_ghash)
		return;	/* not every implementation fuses */
	ASSERT_EQ(impl->batch, SM4KTLS_GCM_MAX_BATCH);
	for (i = 0; i < 300; i++) {
		unsigned int n = impl->batch * (1 + rnd() % 4), mode = i % 3;
		size_t len = bytes + n * 16;
		u8 *a = self->out, *b = self->ref;

		rnd_bytes(k, 16);
		rnd_bytes(s1, 16);
		memcpy(s2, s1, 16);
		rnd_bytes((u8 *)ctrblk, 16);
		sm4ktls_gcm_setkey(&self->key, k);
		rnd_bytes(a, len);
		memcpy(b, a, len);
		rnd_bytes(self->pt, n * 16);
		if (mode == 0) {	/* encrypt: hash the batch before */
			impl->ctr32_ghash(self->key.sm4.rk_enc, a + bytes, self->pt, ctrblk,
					  n, a, &self->key.ghash, s1);
			sm4ktls_ctr32_ghash_generic(self->key.sm4.rk_enc, b + bytes, self->pt,
						    ctrblk, n, b, &self->key.ghash, s2);
		} else {		/* decrypt, in place (1) or not (2) */
			const u8 *src1 = mode == 1 ? a : self->pt;
			const u8 *src2 = mode == 1 ? b : self->pt;

			impl->ctr32_ghash(self->key.sm4.rk_enc, a, src1, ctrblk, n, src1,
					  &self->key.ghash, s1);
			sm4ktls_ctr32_ghash_generic(self->key.sm4.rk_enc, b, src2, ctrblk,
						    n, src2, &self->key.ghash, s2);
		}
		ASSERT_EQ(memcmp(a, b, len), 0) TH_LOG("case %d, mode %u, %u blocks", i, mode, n);
		ASSERT_EQ(memcmp(s1, s2, 16), 0) TH_LOG("GHASH, case %d, mode %u", i, mode);
	}
}

/* 0..300 exhaustively, then edges and random lengths up to 70000. */
static size_t sample_len(unsigned int i)
{
	static const size_t edges[] = {
		511, 512, 513, 1023, 1024, 4095, 4096, 4097, 16383, 16384, 16385,
		16400, 65535, 65536, 65537, 69999, 70000,
	};

	if (i <= 300)
		return i;
	if (i - 301 < ARRAY_SIZE(edges))
		return edges[i - 301];
	return rnd() % (rnd() & 1 ? 2048 : MAX_LEN + 1);
}

#define NCASES 480

static gcry_cipher_hd_t lg_open(int mode, const u8 *k)
{
	gcry_cipher_hd_t h;

	if (gcry_cipher_open(&h, GCRY_CIPHER_SM4, mode, 0) ||
	    gcry_cipher_setkey(h, k, 16))
		return NULL;
	return h;
}

TEST_F(gcm, gcm_vs_libgcrypt)
{
	u8 k[16], iv[12], aad[64], tag[16], reftag[16];
	gcry_cipher_hd_t h;
	unsigned int i;

	for (i = 0; i < NCASES; i++) {
		size_t len = sample_len(i), alen = rnd() % 65;

		rnd_bytes(k, 16);
		rnd_bytes(iv, 12);
		rnd_bytes(aad, alen);
		rnd_bytes(self->pt, len);
		h = lg_open(GCRY_CIPHER_MODE_GCM, k);
		ASSERT_NE(h, NULL);
		ASSERT_EQ(gcry_cipher_setiv(h, iv, 12), 0);
		ASSERT_EQ(gcry_cipher_authenticate(h, aad, alen), 0);
		ASSERT_EQ(gcry_cipher_encrypt(h, self->ref, len, self->pt, len), 0);
		ASSERT_EQ(gcry_cipher_gettag(h, reftag, 16), 0);
		gcry_cipher_close(h);

		sm4ktls_gcm_setkey(&self->key, k);
		gcm_crypt(self->impl, &self->key, iv, aad, alen, self->ct, self->pt,
			  len, true, i & 1, tag);
		ASSERT_EQ(memcmp(self->ct, self->ref, len), 0)
			TH_LOG("encrypt, case %u, len %zu, aad %zu", i, len, alen);
		ASSERT_EQ(memcmp(tag, reftag, 16), 0)
			TH_LOG("tag, case %u, len %zu, aad %zu", i, len, alen);
		/* Decrypt in place half of the time. */
		u8 *out = i & 2 ? self->ct : self->out;

		gcm_crypt(self->impl, &self->key, iv, aad, alen, out, self->ct, len,
			  false, !(i & 1), tag);
		ASSERT_EQ(memcmp(out, self->pt, len), 0)
			TH_LOG("decrypt, case %u, len %zu, aad %zu", i, len, alen);
		ASSERT_EQ(memcmp(tag, reftag, 16), 0)
			TH_LOG("decrypt tag, case %u, len %zu", i, len);
	}
}

/* CCM (RFC 3610), 12-byte nonce (L = 3), 16-byte tag, on impl->ctr32. */
static void ccm_block(u8 *a, u8 flags, const u8 *nonce, u32 n)
{
	a[0] = flags;
	memcpy(a + 1, nonce, 12);
	a[13] = n >> 16;
	a[14] = n >> 8;
	a[15] = n;
}

static void ccm_ctr(const struct sm4ktls_impl *impl, const u32 *rk,
		    const u8 *a, u8 *dst, const u8 *src, size_t len)
{
	u8 buf[SM4KTLS_GCM_MAX_BATCH * 16];
	size_t bytes = impl->batch * 16, full = len / bytes * bytes;
	u32 ctrblk[4];
	int i;

	for (i = 0; i < 4; i++)
		ctrblk[i] = (u32)a[4 * i] << 24 | a[4 * i + 1] << 16 |
			    a[4 * i + 2] << 8 | a[4 * i + 3];
	if (full)
		impl->ctr32(rk, dst, src, ctrblk, full / 16);
	ctrblk[3] += full / 16;
	memset(buf, 0, bytes);
	memcpy(buf, src + full, len - full);
	impl->ctr32(rk, buf, buf, ctrblk, impl->batch);
	memcpy(dst + full, buf, len - full);
}

static void cbcmac(const u32 *rk, u8 *mac, const u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		mac[i % 16] ^= p[i];
		if (i % 16 == 15 || i == len - 1)
			sm4ktls_sm4_crypt_block(rk, mac, mac);
	}
}

static void ccm_tag(const u32 *rk, const u8 *nonce, const u8 *aad, size_t alen,
		    const u8 *pt, size_t len, u8 *mac)
{
	u8 hdr[2 + 64];

	ccm_block(mac, (alen ? 0x40 : 0) | ((16 - 2) / 2) << 3 | 2, nonce, len);
	sm4ktls_sm4_crypt_block(rk, mac, mac);
	if (alen) {
		hdr[0] = alen >> 8;
		hdr[1] = alen;
		memcpy(hdr + 2, aad, alen);
		cbcmac(rk, mac, hdr, alen + 2);
	}
	cbcmac(rk, mac, pt, len);
}

static void ccm_crypt(const struct sm4ktls_impl *impl, const u32 *rk,
		      const u8 *nonce, const u8 *aad, size_t alen, u8 *dst,
		      const u8 *src, size_t len, bool enc, u8 *tag)
{
	u8 a[16], s0[16] = {};

	if (enc)
		ccm_tag(rk, nonce, aad, alen, src, len, tag);
	ccm_block(a, 2, nonce, 1);
	ccm_ctr(impl, rk, a, dst, src, len);
	if (!enc)
		ccm_tag(rk, nonce, aad, alen, dst, len, tag);
	ccm_block(a, 2, nonce, 0);
	ccm_ctr(impl, rk, a, s0, s0, 16);
	for (int i = 0; i < 16; i++)
		tag[i] ^= s0[i];
}

TEST_F(gcm, ccm_vs_libgcrypt)
{
	u8 k[16], nonce[12], aad[64], tag[16], reftag[16];
	gcry_cipher_hd_t h;
	unsigned int i;

	for (i = 0; i < NCASES; i++) {
		size_t len = sample_len(i), alen = rnd() % 65;
		u64 lens[3] = { len, alen, 16 };

		rnd_bytes(k, 16);
		rnd_bytes(nonce, 12);
		rnd_bytes(aad, alen);
		rnd_bytes(self->pt, len);
		h = lg_open(GCRY_CIPHER_MODE_CCM, k);
		ASSERT_NE(h, NULL);
		ASSERT_EQ(gcry_cipher_setiv(h, nonce, 12), 0);
		ASSERT_EQ(gcry_cipher_ctl(h, GCRYCTL_SET_CCM_LENGTHS, lens, sizeof(lens)), 0);
		ASSERT_EQ(gcry_cipher_authenticate(h, aad, alen), 0);
		ASSERT_EQ(gcry_cipher_encrypt(h, self->ref, len, self->pt, len), 0);
		ASSERT_EQ(gcry_cipher_gettag(h, reftag, 16), 0);
		gcry_cipher_close(h);

		sm4ktls_sm4_expand_key(&self->key.sm4, k);
		ccm_crypt(self->impl, self->key.sm4.rk_enc, nonce, aad, alen,
			  self->ct, self->pt, len, true, tag);
		ASSERT_EQ(memcmp(self->ct, self->ref, len), 0)
			TH_LOG("encrypt, case %u, len %zu, aad %zu", i, len, alen);
		ASSERT_EQ(memcmp(tag, reftag, 16), 0) TH_LOG("tag, case %u", i);
		ccm_crypt(self->impl, self->key.sm4.rk_enc, nonce, aad, alen,
			  self->out, self->ct, len, false, tag);
		ASSERT_EQ(memcmp(self->out, self->pt, len), 0)
			TH_LOG("decrypt, case %u, len %zu", i, len);
		ASSERT_EQ(memcmp(tag, reftag, 16), 0) TH_LOG("decrypt tag, case %u", i);
	}
}

TEST_HARNESS_MAIN
