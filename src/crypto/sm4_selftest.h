/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SM4KTLS_SM4_SELFTEST_H
#define _SM4KTLS_SM4_SELFTEST_H

#include "sm4_gcm.h"

typedef void (*sm4ktls_sm4_expand_fn)(struct sm4ktls_sm4_key *key, const u8 *in);
typedef void (*sm4ktls_sm4_block_fn)(const u32 *rk, u8 *out, const u8 *in);

int sm4ktls_sm4_selftest(const char *impl, sm4ktls_sm4_expand_fn expand,
			 sm4ktls_sm4_block_fn crypt);

/* GB/T 32907 example 1 through each CTR32 routine of impl; 0 if right. */
int sm4ktls_ctr32_kat_once(const struct sm4ktls_impl *impl);
/*
 * Example 2, 1,000,000 chained encryptions, through impl's narrowest CTR32
 * routine (sm4ktls_ctr32_fit(impl, 1, ...)); 0 if right. Seconds natively, minutes
 * under binary translation.
 */
int sm4ktls_ctr32_kat_million(const struct sm4ktls_impl *impl);

#endif /* _SM4KTLS_SM4_SELFTEST_H */
