// SPDX-License-Identifier: GPL-2.0
/*
 * The x86-64 SM4-GCM implementations: which assembly routines each one
 * pairs and what it needs from the CPU. Shared by the kernel glue (which
 * checks the features at load) and the native tests and benchmark.
 */
#include "sm4_gcm.h"

static const struct sm4ktls_impl sm4ktls_gcm_aesni_avx = {
	.name = "gcm-sm4-sm4ktls-aesni-avx",
	.ctr_name = "ctr-sm4-sm4ktls-aesni-avx",
	.priority = 300,
	.needs = SM4KTLS_NEED_AESNI_AVX,
	.batch = 12,
	.simd = true,
	.ctr32 = sm4ktls_ctr32_aesni_avx,
	.ghash = sm4ktls_ghash_clmul_avx,
};

static const struct sm4ktls_impl sm4ktls_gcm_aesni_avx2 = {
	.name = "gcm-sm4-sm4ktls-aesni-avx2",
	.ctr_name = "ctr-sm4-sm4ktls-aesni-avx2",
	.priority = 400,
	.needs = SM4KTLS_NEED_AESNI_AVX | SM4KTLS_NEED_AVX2,
	.batch = 24,
	.simd = true,
	.ctr32 = sm4ktls_ctr32_aesni_avx2,
	.ghash = sm4ktls_ghash_clmul_avx,
	/* Short messages and tails: 12 AVX blocks beat a half-empty 24. */
	.tails = { { sm4ktls_ctr32_aesni_avx, 12 } },
};

static const struct sm4ktls_impl sm4ktls_gcm_gfni_avx2 = {
	.name = "gcm-sm4-sm4ktls-gfni-avx2",
	.ctr_name = "ctr-sm4-sm4ktls-gfni-avx2",
	.priority = 450,
	.needs = SM4KTLS_NEED_AESNI_AVX | SM4KTLS_NEED_AVX2 |
		 SM4KTLS_NEED_GFNI,
	.batch = 24,
	.simd = true,
	.ctr32 = sm4ktls_ctr32_gfni_avx2,
	.ghash = sm4ktls_ghash_clmul_avx,
};

static const struct sm4ktls_impl sm4ktls_gcm_gfni_avx512 = {
	.name = "gcm-sm4-sm4ktls-gfni-avx512",
	.ctr_name = "ctr-sm4-sm4ktls-gfni-avx512",
	.priority = 500,
	.needs = SM4KTLS_NEED_AESNI_AVX | SM4KTLS_NEED_AVX2 |
		 SM4KTLS_NEED_GFNI | SM4KTLS_NEED_AVX512 |
		 SM4KTLS_NEED_VPCLMULQDQ,
	.batch = 64,
	.simd = true,
	.ctr32 = sm4ktls_ctr32_gfni_avx512,
	.ghash = sm4ktls_ghash_vpclmul_avx512,
	.ctr32_ghash = sm4ktls_ctr32_ghash_gfni_avx512,
	.tails = {
		{ sm4ktls_ctr32_gfni_avx512_x8, 8 },
		{ sm4ktls_ctr32_gfni_avx512_x16, 16 },
		{ sm4ktls_ctr32_gfni_avx512_x32, 32 },
		{ sm4ktls_ctr32_gfni_avx512_x48, 48 },
	},
};

const struct sm4ktls_impl *const sm4ktls_x86_impls[] = {
	&sm4ktls_gcm_gfni_avx512,
	&sm4ktls_gcm_gfni_avx2,
	&sm4ktls_gcm_aesni_avx2,
	&sm4ktls_gcm_aesni_avx,
	NULL,
};
