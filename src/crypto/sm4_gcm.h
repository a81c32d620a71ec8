/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SM4-GCM (GB/T 36624, RFC 8998) over linear buffers, shared by the kernel
 * AEAD (sm4_gcm_glue.c walks scatterlists and feeds it) and the native tests
 * and benchmark. It drives one implementation: a CTR32 keystream routine and
 * a GHASH routine, either the portable C twins below or x86-64 assembly.
 *
 * Nothing here touches the FPU state: a caller using a SIMD implementation
 * brackets these calls with kernel_fpu_begin()/kernel_fpu_end().
 */
#ifndef _SM4KTLS_SM4_GCM_H
#define _SM4KTLS_SM4_GCM_H

#include "sm4_core.h"

#define SM4KTLS_GCM_IV_SIZE	12
#define SM4KTLS_GCM_TAG_SIZE	16
/* Widest batch of any implementation (GFNI/AVX-512: 64 blocks). */
#define SM4KTLS_GCM_MAX_BATCH	64
/*
 * Powers of H kept for aggregated CLMUL GHASH: one per block of the widest
 * batch, which the fused CTR+GHASH routine hashes with one reduction.
 * The assembly's NPOW must match.
 */
#define SM4KTLS_GHASH_POWERS	64
/* Narrower CTR32 routines an implementation may have (8 to 48 blocks). */
#define SM4KTLS_MAX_TAILS	4

/*
 * GHASH key. hpow[i] holds H^(64 - i) for the CLMUL code: the block read as
 * a byte-reversed 128-bit little-endian integer (so bit 127 is the GCM x^0
 * coefficient) and multiplied by x^-1, which absorbs the one-bit offset of a
 * carry-less product of bit-reflected operands. The assembly depends on this
 * layout: hpow at offset 0, h (plain GCM bytes, for the C twin) after it.
 */
struct sm4ktls_ghash_key {
	u8 hpow[SM4KTLS_GHASH_POWERS][16];
	u8 h[16];
};

struct sm4ktls_gcm_key {
	struct sm4ktls_ghash_key ghash;
	struct sm4ktls_sm4_key sm4;
};

/*
 * Keystream: for each of nblocks blocks i, dst = src ^ SM4(ctrblk[0..2],
 * ctrblk[3] + i), the counter word wrapping modulo 2^32 as GCM requires.
 * ctrblk holds the counter block as four native-endian words. nblocks is a
 * multiple of the implementation's batch.
 */
typedef void (*sm4ktls_ctr32_fn)(const u32 *rk, u8 *dst, const u8 *src,
				 const u32 *ctrblk, unsigned int nblocks);
/* state = GHASH_H(state, src[0..16 * nblocks)), state in GCM byte order. */
typedef void (*sm4ktls_ghash_fn)(const struct sm4ktls_ghash_key *key,
				 u8 *state, const u8 *src, unsigned int nblocks);

/*
 * Optional, widest path: ctr32 of nblocks (a multiple of the batch) and,
 * for each batch i, GHASH of the batch-size blocks at hsrc + 16 * batch * i,
 * all read before batch i is written (so decryption passes hsrc = src,
 * encryption the previous batch's output).
 */
typedef void (*sm4ktls_ctr32_ghash_fn)(const u32 *rk, u8 *dst, const u8 *src,
				       const u32 *ctrblk, unsigned int nblocks,
				       const u8 *hsrc,
				       const struct sm4ktls_ghash_key *key,
				       u8 *state);

/* CPU features an implementation needs (checked by kernel glue or test). */
enum {
	SM4KTLS_NEED_AESNI_AVX		= 1 << 0,
	SM4KTLS_NEED_AVX2		= 1 << 1,
	SM4KTLS_NEED_GFNI		= 1 << 2,
	SM4KTLS_NEED_AVX512		= 1 << 3,	/* F, BW, VL */
	SM4KTLS_NEED_VPCLMULQDQ		= 1 << 4,
};

struct sm4ktls_impl {
	const char *name;	/* crypto API driver name of its gcm(sm4) */
	const char *ctr_name;	/* and of its ctr(sm4) */
	int priority;		/* of both */
	unsigned int needs;	/* SM4KTLS_NEED_* */
	unsigned int batch;	/* blocks per ctr32 step */
	bool simd;		/* uses FPU registers */
	sm4ktls_ctr32_fn ctr32;
	sm4ktls_ghash_fn ghash;
	sm4ktls_ctr32_ghash_fn ctr32_ghash;	/* or NULL */
	/*
	 * Optional narrower ctr32 routines, narrowest first, for what does not
	 * fill a batch (short messages, tails): a wide batch is wasted there.
	 */
	struct sm4ktls_ctr32_tail {
		sm4ktls_ctr32_fn fn;	/* NULL ends the list */
		unsigned int batch;
	} tails[SM4KTLS_MAX_TAILS];
};

/*
 * The narrowest routine whose batch holds nblocks; if none does, the
 * widest narrow one (ctr32 if there are none). So nblocks = 1 gives the
 * narrowest routine, SM4KTLS_CTR32_WIDEST the widest for partial batches.
 */
#define SM4KTLS_CTR32_WIDEST	(~0U)
static inline sm4ktls_ctr32_fn
sm4ktls_ctr32_fit(const struct sm4ktls_impl *impl, unsigned int nblocks,
		  unsigned int *batch)
{
	const struct sm4ktls_ctr32_tail *t = impl->tails;

	if (!t->fn) {
		*batch = impl->batch;
		return impl->ctr32;
	}
	while (t + 1 < impl->tails + SM4KTLS_MAX_TAILS && t[1].fn &&
	       t->batch < nblocks)
		t++;
	*batch = t->batch;
	return t->fn;
}

extern const struct sm4ktls_impl sm4ktls_impl_generic;
/* x86-64 implementations, best first; NULL-terminated. */
extern const struct sm4ktls_impl *const sm4ktls_x86_impls[];

/* One message in flight: keystream and GHASH carry across chunk edges. */
struct sm4ktls_gcm_state {
	const struct sm4ktls_gcm_key *key;
	const struct sm4ktls_impl *impl;
	u32 ctrblk[4];			/* next counter block to generate */
	unsigned int ks_pos;		/* consumed bytes of ks[] */
	unsigned int ks_len;		/* valid bytes of ks[] */
	unsigned int gbuf_len;		/* bytes waiting in gbuf[] */
	u64 aad_len;
	u64 text_len;
	u8 ghash[16];
	u8 gbuf[16];
	bool j0_pending;		/* tagmask not computed yet */
	u8 tagmask[16];			/* E_K(J0) */
	u8 ks[SM4KTLS_GCM_MAX_BATCH * 16];
};

void sm4ktls_ctr32_generic(const u32 *rk, u8 *dst, const u8 *src,
			   const u32 *ctrblk, unsigned int nblocks);
void sm4ktls_ghash_generic(const struct sm4ktls_ghash_key *key, u8 *state,
			   const u8 *src, unsigned int nblocks);
/* C twin of the fused routines, for a batch of SM4KTLS_GCM_MAX_BATCH. */
void sm4ktls_ctr32_ghash_generic(const u32 *rk, u8 *dst, const u8 *src,
				 const u32 *ctrblk, unsigned int nblocks,
				 const u8 *hsrc,
				 const struct sm4ktls_ghash_key *key, u8 *state);

/* x86-64 assembly: sm4_avx_asm.S, sm4_avx512_asm.S, ghash_clmul_asm.S. */
void sm4ktls_ctr32_aesni_avx(const u32 *rk, u8 *dst, const u8 *src,
			     const u32 *ctrblk, unsigned int nblocks);
void sm4ktls_ctr32_aesni_avx2(const u32 *rk, u8 *dst, const u8 *src,
			      const u32 *ctrblk, unsigned int nblocks);
void sm4ktls_ctr32_gfni_avx2(const u32 *rk, u8 *dst, const u8 *src,
			     const u32 *ctrblk, unsigned int nblocks);
void sm4ktls_ctr32_gfni_avx512(const u32 *rk, u8 *dst, const u8 *src,
			       const u32 *ctrblk, unsigned int nblocks);
void sm4ktls_ghash_vpclmul_avx512(const struct sm4ktls_ghash_key *key,
				  u8 *state, const u8 *src,
				  unsigned int nblocks);
void sm4ktls_ctr32_gfni_avx512_x48(const u32 *rk, u8 *dst, const u8 *src,
				   const u32 *ctrblk, unsigned int nblocks);
void sm4ktls_ctr32_gfni_avx512_x32(const u32 *rk, u8 *dst, const u8 *src,
				   const u32 *ctrblk, unsigned int nblocks);
void sm4ktls_ctr32_gfni_avx512_x8(const u32 *rk, u8 *dst, const u8 *src,
				  const u32 *ctrblk, unsigned int nblocks);
void sm4ktls_ctr32_gfni_avx512_x16(const u32 *rk, u8 *dst, const u8 *src,
				   const u32 *ctrblk, unsigned int nblocks);
void sm4ktls_ctr32_ghash_gfni_avx512(const u32 *rk, u8 *dst, const u8 *src,
				     const u32 *ctrblk, unsigned int nblocks,
				     const u8 *hsrc,
				     const struct sm4ktls_ghash_key *key,
				     u8 *state);
void sm4ktls_ghash_clmul_avx(const struct sm4ktls_ghash_key *key, u8 *state,
			     const u8 *src, unsigned int nblocks);

/* Expands the SM4 key and derives H and its powers (C only, no FPU). */
void sm4ktls_gcm_setkey(struct sm4ktls_gcm_key *key, const u8 *k);
void sm4ktls_gcm_start(struct sm4ktls_gcm_state *st,
		       const struct sm4ktls_gcm_key *key,
		       const struct sm4ktls_impl *impl, const u8 *iv);
/* All AAD goes in (any chunking) before the first text chunk. */
void sm4ktls_gcm_aad(struct sm4ktls_gcm_state *st, const u8 *aad, size_t len);
void sm4ktls_gcm_encrypt(struct sm4ktls_gcm_state *st, u8 *dst, const u8 *src,
			 size_t len);
void sm4ktls_gcm_decrypt(struct sm4ktls_gcm_state *st, u8 *dst, const u8 *src,
			 size_t len);
void sm4ktls_gcm_finish(struct sm4ktls_gcm_state *st, u8 *tag);

#endif /* _SM4KTLS_SM4_GCM_H */
