/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SM4 block cipher (GB/T 32907-2016), portable C reference.
 *
 * This is the reference every optimized implementation is checked against,
 * in the kernel at load and natively in userspace (selftests/crypto/), so
 * it depends on nothing but <linux/types.h>.
 */
#ifndef _SM4KTLS_SM4_CORE_H
#define _SM4KTLS_SM4_CORE_H

#include <linux/types.h>

#define SM4KTLS_SM4_KEY_SIZE	16
#define SM4KTLS_SM4_BLOCK_SIZE	16
#define SM4KTLS_SM4_ROUNDS	32

struct sm4ktls_sm4_key {
	u32 rk_enc[SM4KTLS_SM4_ROUNDS];
	u32 rk_dec[SM4KTLS_SM4_ROUNDS];	/* rk_enc reversed */
};

void sm4ktls_sm4_expand_key(struct sm4ktls_sm4_key *key, const u8 *in);
void sm4ktls_sm4_crypt_block(const u32 *rk, u8 *out, const u8 *in);

#endif /* _SM4KTLS_SM4_CORE_H */
