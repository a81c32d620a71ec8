/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SM4-CTR as the crypto API's ctr(sm4) defines it, over linear buffers, on
 * any implementation's CTR32 routines (sm4_gcm.h). Shared by the kernel
 * skcipher (sm4_ctr_glue.c feeds it one walk step at a time) and the
 * native tests and benchmark.
 *
 * Nothing here touches the FPU state: a caller using a SIMD implementation
 * brackets these calls with kernel_fpu_begin()/kernel_fpu_end().
 */
#ifndef _SM4KTLS_SM4_CTR_H
#define _SM4KTLS_SM4_CTR_H

#include "sm4_gcm.h"

#define SM4KTLS_CTR_IV_SIZE	16

/* Scratch sm4ktls_ctr_crypt() needs: its widest partial batch of keystream. */
static inline unsigned int
sm4ktls_ctr_ks_size(const struct sm4ktls_impl *impl)
{
	unsigned int batch;

	sm4ktls_ctr32_fit(impl, SM4KTLS_CTR32_WIDEST, &batch);
	return batch * SM4KTLS_SM4_BLOCK_SIZE;
}

/*
 * dst = src ^ keystream for len bytes. iv is the 16-byte counter block, a
 * 128-bit big-endian integer incremented once per block, a final partial
 * block included; on return it holds the counter of the next block. Only
 * the last call of a message may have a len that is not a multiple of 16.
 * ks is sm4ktls_ctr_ks_size(impl) bytes of scratch, wiped after use.
 */
void sm4ktls_ctr_crypt(const struct sm4ktls_impl *impl, const u32 *rk,
		       u8 *dst, const u8 *src, unsigned int len, u8 *iv, u8 *ks);

/* Kernel side: sm4_ctr_selftest.c, sm4_ctr_glue.c. */
int sm4ktls_ctr_selftest(const struct sm4ktls_impl *impl);
int sm4ktls_ctr_register(void);
void sm4ktls_ctr_unregister(void);

#endif /* _SM4KTLS_SM4_CTR_H */
