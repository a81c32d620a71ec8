// SPDX-License-Identifier: GPL-2.0
/*
 * SM4-GCM over linear buffers, and the portable C twins of the assembly:
 * a CTR32 keystream on the C SM4 core and a constant-time bitwise GHASH.
 * They are slow and meant to be: they are the reference every SIMD path is
 * compared with, and the fallback when the FPU may not be used.
 */
#include "sm4_gcm.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <string.h>
#endif

static u32 gcm_load_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static u64 gcm_load_be64(const u8 *p)
{
	return (u64)gcm_load_be32(p) << 32 | gcm_load_be32(p + 4);
}

static void gcm_store_be64(u8 *p, u64 v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v;
}

static void gcm_store_le64(u8 *p, u64 v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = v;
}

/* Eight bytes at a time: the keystream buffer serves whole short messages. */
static void gcm_xor(u8 *dst, const u8 *a, const u8 *b, size_t len)
{
	u64 x, y;

	for (; len >= 8; len -= 8, dst += 8, a += 8, b += 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		x ^= y;
		memcpy(dst, &x, 8);
	}
	while (len--)
		*dst++ = *a++ ^ *b++;
}

/* x = x * h in GF(2^128), GCM bit order, without secret-dependent branches. */
static void gcm_gf_mul(u8 *x, const u8 *h)
{
	u64 z0 = 0, z1 = 0, v0 = gcm_load_be64(h), v1 = gcm_load_be64(h + 8);
	unsigned int i;

	for (i = 0; i < 128; i++) {
		u64 bit = -(u64)((x[i / 8] >> (7 - i % 8)) & 1);
		u64 lsb = -(v1 & 1);

		z0 ^= v0 & bit;
		z1 ^= v1 & bit;
		v1 = v1 >> 1 | v0 << 63;
		v0 = v0 >> 1 ^ (0xe100000000000000ULL & lsb);
	}
	gcm_store_be64(x, z0);
	gcm_store_be64(x + 8, z1);
}

void sm4ktls_ghash_generic(const struct sm4ktls_ghash_key *key, u8 *state,
			   const u8 *src, unsigned int nblocks)
{
	for (; nblocks; nblocks--, src += 16) {
		gcm_xor(state, state, src, 16);
		gcm_gf_mul(state, key->h);
	}
}

void sm4ktls_ctr32_generic(const u32 *rk, u8 *dst, const u8 *src,
			   const u32 *ctrblk, unsigned int nblocks)
{
	unsigned int i, j;
	u8 blk[16];

	for (i = 0; i < nblocks; i++, src += 16, dst += 16) {
		for (j = 0; j < 4; j++) {
			u32 w = ctrblk[j] + (j == 3 ? i : 0);

			blk[4 * j] = w >> 24;
			blk[4 * j + 1] = w >> 16;
			blk[4 * j + 2] = w >> 8;
			blk[4 * j + 3] = w;
		}
		sm4ktls_sm4_crypt_block(rk, blk, blk);
		gcm_xor(dst, src, blk, 16);
	}
	memzero_explicit(blk, sizeof(blk));
}

void sm4ktls_ctr32_ghash_generic(const u32 *rk, u8 *dst, const u8 *src,
				 const u32 *ctrblk, unsigned int nblocks,
				 const u8 *hsrc,
				 const struct sm4ktls_ghash_key *key, u8 *state)
{
	const unsigned int batch = SM4KTLS_GCM_MAX_BATCH;
	u32 ctr[4] = { ctrblk[0], ctrblk[1], ctrblk[2], ctrblk[3] };
	unsigned int i;

	for (i = 0; i < nblocks; i += batch, ctr[3] += batch) {
		sm4ktls_ghash_generic(key, state, hsrc + 16 * i, batch);
		sm4ktls_ctr32_generic(rk, dst + 16 * i, src + 16 * i, ctr, batch);
	}
}

const struct sm4ktls_impl sm4ktls_impl_generic = {
	.name = "gcm-sm4-sm4ktls-generic",
	.ctr_name = "ctr-sm4-sm4ktls-generic",
	/* Level with the kernel's gcm(sm4) composition over our cipher. */
	.priority = 250,
	.batch = 1,
	.ctr32 = sm4ktls_ctr32_generic,
	.ghash = sm4ktls_ghash_generic,
};

/*
 * The CLMUL form of a power of H: byte-reversed (bit 127 = x^0), then
 * multiplied by x^-1, which is a left shift reduced by x^-1 = x^127 + x^6 +
 * x + 1, the constant 0xc2000000_00000000_00000000_00000001.
 */
static void gcm_clmul_form(u8 *out, const u8 *h)
{
	u64 hi = gcm_load_be64(h), lo = gcm_load_be64(h + 8);
	u64 carry = -(hi >> 63);

	hi = (hi << 1 | lo >> 63) ^ (0xc200000000000000ULL & carry);
	lo = (lo << 1) ^ (1 & carry);
	gcm_store_le64(out, lo);
	gcm_store_le64(out + 8, hi);
}

void sm4ktls_gcm_setkey(struct sm4ktls_gcm_key *key, const u8 *k)
{
	u8 p[16];
	unsigned int i;

	sm4ktls_sm4_expand_key(&key->sm4, k);
	memset(key->ghash.h, 0, 16);
	sm4ktls_sm4_crypt_block(key->sm4.rk_enc, key->ghash.h, key->ghash.h);
	memcpy(p, key->ghash.h, 16);
	for (i = 1; i <= SM4KTLS_GHASH_POWERS; i++) {
		gcm_clmul_form(key->ghash.hpow[SM4KTLS_GHASH_POWERS - i], p);
		gcm_gf_mul(p, key->ghash.h);
	}
	memzero_explicit(p, sizeof(p));
}

/*
 * The routine for a partial batch of want blocks: the narrowest that
 * holds them, the full batch included, so E_K(J0) and up to 63 text
 * blocks take one wide call rather than two narrower ones.
 */
static sm4ktls_ctr32_fn gcm_fit(const struct sm4ktls_impl *impl,
				unsigned int want, unsigned int *batch)
{
	sm4ktls_ctr32_fn fn = sm4ktls_ctr32_fit(impl, want, batch);

	if (*batch >= want || *batch >= impl->batch)
		return fn;
	*batch = impl->batch;
	return impl->ctr32;
}

/*
 * One partial batch, the narrowest that holds off + len bytes: ks[] is
 * off zero bytes (the tag mask's block, if off = 16), then src, then
 * zeros, encrypted in place; dst gets the text's part, ks[] keeps the
 * keystream after it. Bytes of src done (all of them if the widest
 * partial batch holds them).
 */
static size_t gcm_fill_ks(struct sm4ktls_gcm_state *st, u8 *dst,
			  const u8 *src, size_t len, unsigned int off)
{
	size_t want = min_t(size_t, (off + len + 15) / 16, SM4KTLS_GCM_MAX_BATCH);
	unsigned int batch;
	sm4ktls_ctr32_fn fn = gcm_fit(st->impl, want, &batch);
	size_t n = min_t(size_t, len, batch * 16 - off);

	memset(st->ks, 0, off);
	memcpy(st->ks + off, src, n);
	memset(st->ks + off + n, 0, batch * 16 - off - n);
	fn(st->key->sm4.rk_enc, st->ks, st->ks, st->ctrblk, batch);
	st->ctrblk[3] += batch;
	memcpy(dst, st->ks + off, n);
	st->ks_pos = off + n;
	st->ks_len = batch * 16;
	return n;
}

/* E_K(J0) rides in the first partial batch, beside up to len text bytes. */
static size_t gcm_fill_first(struct sm4ktls_gcm_state *st, u8 *dst,
			     const u8 *src, size_t len)
{
	size_t n = gcm_fill_ks(st, dst, src, len, 16);

	memcpy(st->tagmask, st->ks, 16);
	st->j0_pending = false;
	return n;
}

/*
 * E_K(J0) alone, in the narrowest routine, if that is a small part of a
 * batch (a latency-bound set, not a throughput-bound batch) and the text
 * fills a batch: the text then runs in whole batches straight from src
 * to dst, not copied through ks[] and with no ragged tail. The rest of
 * the narrow batch's keystream is dropped (and wiped at finish).
 */
static void gcm_fill_j0(struct sm4ktls_gcm_state *st, size_t len)
{
	unsigned int batch;

	sm4ktls_ctr32_fit(st->impl, 1, &batch);
	if (len < st->impl->batch * 16 || batch * 8 > st->impl->batch)
		return;
	gcm_fill_first(st, st->gbuf, st->gbuf, 0);	/* no text: any buffer */
	st->ctrblk[3] = 2;	/* the text starts after J0, on a new batch */
	st->ks_pos = st->ks_len;
}

/* Whole batches of fn straight from src to dst; bytes done. */
static size_t gcm_ctr_batches(struct sm4ktls_gcm_state *st, sm4ktls_ctr32_fn fn,
			      unsigned int batch, u8 *dst, const u8 *src,
			      size_t len)
{
	unsigned int nblocks = len / (batch * 16) * batch;

	if (nblocks) {
		fn(st->key->sm4.rk_enc, dst, src, st->ctrblk, nblocks);
		st->ctrblk[3] += nblocks;
	}
	return nblocks * 16;
}

/*
 * J0 = IV || 1: the tag mask E_K(J0) is counter 1, the text starts at 2.
 * It is computed with the first text (or at the end), in a batch sized
 * to that text, or alone if the text fills a wide batch (gcm_fill_j0()).
 */
void sm4ktls_gcm_start(struct sm4ktls_gcm_state *st,
		       const struct sm4ktls_gcm_key *key,
		       const struct sm4ktls_impl *impl, const u8 *iv)
{
	st->key = key;
	st->impl = impl;
	st->ctrblk[0] = gcm_load_be32(iv);
	st->ctrblk[1] = gcm_load_be32(iv + 4);
	st->ctrblk[2] = gcm_load_be32(iv + 8);
	st->ctrblk[3] = 1;
	st->ks_pos = 0;
	st->ks_len = 0;
	st->gbuf_len = 0;
	st->aad_len = 0;
	st->text_len = 0;
	st->j0_pending = true;
	memset(st->ghash, 0, 16);
}

/* dst = src ^ keystream, continuing where the previous chunk stopped. */
static void gcm_ctr(struct sm4ktls_gcm_state *st, u8 *dst, const u8 *src,
		    size_t len)
{
	size_t n = min_t(size_t, len, st->ks_len - st->ks_pos);
	unsigned int tail_batch;
	sm4ktls_ctr32_fn tail;

	if (!len)
		return;
	tail = sm4ktls_ctr32_fit(st->impl, SM4KTLS_CTR32_WIDEST, &tail_batch);
	if (st->j0_pending) {
		n = gcm_fill_first(st, dst, src, len);
	} else {
		gcm_xor(dst, src, st->ks + st->ks_pos, n);
		st->ks_pos += n;
	}
	n += gcm_ctr_batches(st, st->impl->ctr32, st->impl->batch, dst + n,
			     src + n, len - n);
	n += gcm_ctr_batches(st, tail, tail_batch, dst + n, src + n, len - n);
	if (len > n)
		gcm_fill_ks(st, dst + n, src + n, len - n, 0);
}

static void gcm_ghash(struct sm4ktls_gcm_state *st, const u8 *p, size_t len)
{
	if (st->gbuf_len) {
		size_t n = min_t(size_t, 16 - st->gbuf_len, len);

		memcpy(st->gbuf + st->gbuf_len, p, n);
		st->gbuf_len += n;
		p += n;
		len -= n;
		if (st->gbuf_len < 16)
			return;
		st->impl->ghash(&st->key->ghash, st->ghash, st->gbuf, 1);
		st->gbuf_len = 0;
	}
	if (len >= 16)
		st->impl->ghash(&st->key->ghash, st->ghash, p, len / 16);
	p += len & ~(size_t)15;
	len &= 15;
	memcpy(st->gbuf, p, len);
	st->gbuf_len = len;
}

/* GHASH pads the AAD and the text each to a whole block. */
static void gcm_ghash_pad(struct sm4ktls_gcm_state *st)
{
	if (!st->gbuf_len)
		return;
	memset(st->gbuf + st->gbuf_len, 0, 16 - st->gbuf_len);
	st->impl->ghash(&st->key->ghash, st->ghash, st->gbuf, 1);
	st->gbuf_len = 0;
}

void sm4ktls_gcm_aad(struct sm4ktls_gcm_state *st, const u8 *aad, size_t len)
{
	gcm_ghash(st, aad, len);
	st->aad_len += len;
}

/*
 * Whole batches through the fused CTR+GHASH routine, if the implementation
 * has one and the keystream and GHASH buffers are empty; bytes done.
 * Encryption hashes each batch's output during the next batch: the first
 * batch runs alone, the last is hashed after.
 */
static size_t gcm_fused(struct sm4ktls_gcm_state *st, u8 *dst, const u8 *src,
			size_t len, bool enc)
{
	const struct sm4ktls_impl *impl = st->impl;
	const struct sm4ktls_gcm_key *key = st->key;
	size_t bytes = impl->batch * 16, n = len / bytes * bytes;
	unsigned int nblocks = n / 16, first = enc ? impl->batch : 0;

	if (!impl->ctr32_ghash || st->j0_pending || st->ks_pos != st->ks_len ||
	    st->gbuf_len || nblocks <= first)
		return 0;
	if (enc)
		impl->ctr32(key->sm4.rk_enc, dst, src, st->ctrblk, first);
	st->ctrblk[3] += first;
	impl->ctr32_ghash(key->sm4.rk_enc, dst + 16 * first, src + 16 * first,
			  st->ctrblk, nblocks - first, enc ? dst : src,
			  &key->ghash, st->ghash);
	st->ctrblk[3] += nblocks - first;
	if (enc)
		impl->ghash(&key->ghash, st->ghash, dst + n - bytes, impl->batch);
	return n;
}

/* Hash before decrypting: in place, dst overwrites the ciphertext. */
static void gcm_crypt_part(struct sm4ktls_gcm_state *st, u8 *dst,
			   const u8 *src, size_t len, bool enc)
{
	if (!enc)
		gcm_ghash(st, src, len);
	gcm_ctr(st, dst, src, len);
	if (enc)
		gcm_ghash(st, dst, len);
}

/*
 * Bytes the next chunk takes from a partial batch before whole batches
 * may run: the buffered keystream, or the first batch (with E_K(J0)).
 */
static size_t gcm_partial_room(const struct sm4ktls_gcm_state *st)
{
	unsigned int batch;

	if (!st->j0_pending)
		return st->ks_len - st->ks_pos;
	gcm_fit(st->impl, SM4KTLS_CTR32_WIDEST, &batch);
	return batch * 16 - 16;
}

/* Partial batch first, then whole batches fused if possible, then the rest. */
static void gcm_crypt(struct sm4ktls_gcm_state *st, u8 *dst, const u8 *src,
		      size_t len, bool enc)
{
	size_t n;

	if (st->j0_pending)
		gcm_fill_j0(st, len);
	n = min_t(size_t, len, gcm_partial_room(st));
	if (!st->text_len)
		gcm_ghash_pad(st);
	st->text_len += len;
	gcm_crypt_part(st, dst, src, n, enc);
	n += gcm_fused(st, dst + n, src + n, len - n, enc);
	gcm_crypt_part(st, dst + n, src + n, len - n, enc);
}

void sm4ktls_gcm_encrypt(struct sm4ktls_gcm_state *st, u8 *dst, const u8 *src,
			 size_t len)
{
	gcm_crypt(st, dst, src, len, true);
}

void sm4ktls_gcm_decrypt(struct sm4ktls_gcm_state *st, u8 *dst, const u8 *src,
			 size_t len)
{
	gcm_crypt(st, dst, src, len, false);
}

void sm4ktls_gcm_finish(struct sm4ktls_gcm_state *st, u8 *tag)
{
	u8 lens[16];

	if (st->j0_pending)	/* no text: any buffer will do */
		gcm_fill_first(st, st->gbuf, st->gbuf, 0);
	gcm_ghash_pad(st);
	gcm_store_be64(lens, st->aad_len * 8);
	gcm_store_be64(lens + 8, st->text_len * 8);
	st->impl->ghash(&st->key->ghash, st->ghash, lens, 1);
	gcm_xor(tag, st->ghash, st->tagmask, 16);
	memzero_explicit(st->ks, st->ks_len);
	memzero_explicit(st->tagmask, sizeof(st->tagmask));
	memzero_explicit(st->gbuf, sizeof(st->gbuf));
}
