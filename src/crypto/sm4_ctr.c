// SPDX-License-Identifier: GPL-2.0
/*
 * SM4-CTR with the crypto API's full 128-bit counter on CTR32 routines,
 * which only add to the low 32-bit word (as GCM wants). A message is cut
 * where that word wraps: each segment runs on the routines, and the carry
 * into the upper 96 bits is done here, between segments.
 */
#include "sm4_ctr.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <string.h>
#endif

static u32 ctr_load_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* iv += n, iv a 128-bit big-endian integer (wrapping at 2^128). */
static void ctr_add(u8 *iv, u64 n)
{
	int i;

	for (i = SM4KTLS_CTR_IV_SIZE - 1; i >= 0 && n; i--) {
		n += iv[i];
		iv[i] = n;
		n >>= 8;
	}
}

/* Blocks until the low 32-bit word of the counter wraps to 0. */
static u64 ctr_room(const u8 *iv)
{
	return (1ULL << 32) - ctr_load_be32(iv + 12);
}

/* Whole batches of fn at ctr[], advancing ctr[3]; blocks done. */
static unsigned int ctr_batches(sm4ktls_ctr32_fn fn, unsigned int batch,
				const u32 *rk, u8 *dst, const u8 *src,
				u32 *ctr, unsigned int nblocks)
{
	unsigned int n = nblocks / batch * batch;

	if (n) {
		fn(rk, dst, src, ctr, n);
		ctr[3] += n;
	}
	return n;
}

/*
 * One segment, over which the low counter word does not wrap: wide
 * batches, the widest narrow batches, then what is left (fewer blocks
 * than that, maybe a partial one) through the narrowest routine that
 * holds it, in scratch.
 */
static void ctr_segment(const struct sm4ktls_impl *impl, const u32 *rk,
			u8 *dst, const u8 *src, unsigned int len,
			const u8 *iv, u8 *ks)
{
	u32 ctr[4] = {
		ctr_load_be32(iv), ctr_load_be32(iv + 4),
		ctr_load_be32(iv + 8), ctr_load_be32(iv + 12),
	};
	unsigned int batch, n;
	sm4ktls_ctr32_fn fn = sm4ktls_ctr32_fit(impl, SM4KTLS_CTR32_WIDEST, &batch);

	n = ctr_batches(impl->ctr32, impl->batch, rk, dst, src, ctr, len / 16);
	n += ctr_batches(fn, batch, rk, dst + 16 * n, src + 16 * n, ctr,
			 len / 16 - n);
	len -= 16 * n;
	if (!len)
		return;
	fn = sm4ktls_ctr32_fit(impl, (len + 15) / 16, &batch);
	memcpy(ks, src + 16 * n, len);
	memset(ks + len, 0, 16 * batch - len);
	fn(rk, ks, ks, ctr, batch);
	memcpy(dst + 16 * n, ks, len);
	/* The rest of ks is keystream of blocks not yet used. */
	memzero_explicit(ks, 16 * batch);
}

void sm4ktls_ctr_crypt(const struct sm4ktls_impl *impl, const u32 *rk,
		       u8 *dst, const u8 *src, unsigned int len, u8 *iv, u8 *ks)
{
	while (len) {
		unsigned int n = min_t(u64, len, 16 * ctr_room(iv));

		ctr_segment(impl, rk, dst, src, n, iv, ks);
		ctr_add(iv, (n + 15) / 16);
		dst += n;
		src += n;
		len -= n;
	}
}
