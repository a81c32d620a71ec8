/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SM4KTLS_SM4_SELFTEST_H
#define _SM4KTLS_SM4_SELFTEST_H

#include "sm4_core.h"

typedef void (*sm4ktls_sm4_expand_fn)(struct sm4ktls_sm4_key *key, const u8 *in);
typedef void (*sm4ktls_sm4_block_fn)(const u32 *rk, u8 *out, const u8 *in);

int sm4ktls_sm4_selftest(const char *impl, sm4ktls_sm4_expand_fn expand,
			 sm4ktls_sm4_block_fn crypt);

#endif /* _SM4KTLS_SM4_SELFTEST_H */
