// SPDX-License-Identifier: GPL-2.0
/*
 * Native tests of the SM4 sources in src/crypto/: the standard's vectors,
 * and a randomized comparison with libgcrypt (an independent SM4).
 */
#include <gcrypt.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "sm4_core.h"

static void unhex(u8 *out, const char *hex)
{
	while (hex[0] && hex[1] && sscanf(hex, "%2hhx", out) == 1) {
		out++;
		hex += 2;
	}
}

/* GB/T 32907-2016 Appendix A, example 1: key = plaintext. */
TEST(gbt32907_single_block)
{
	struct sm4ktls_sm4_key key;
	u8 k[16], ct[16], want[16], pt[16];

	unhex(k, "0123456789abcdeffedcba9876543210");
	unhex(want, "681edf34d206965e86b3e94f536e4246");
	sm4ktls_sm4_expand_key(&key, k);
	sm4ktls_sm4_crypt_block(key.rk_enc, ct, k);
	EXPECT_EQ(memcmp(ct, want, 16), 0);
	sm4ktls_sm4_crypt_block(key.rk_dec, pt, ct);
	EXPECT_EQ(memcmp(pt, k, 16), 0);
}

/* Example 2: the same block encrypted 1,000,000 times, in place. */
TEST(gbt32907_million)
{
	struct sm4ktls_sm4_key key;
	u8 k[16], b[16], want[16];
	int i;

	unhex(k, "0123456789abcdeffedcba9876543210");
	unhex(want, "595298c7c6fd271f0402f804c33d3f66");
	memcpy(b, k, 16);
	sm4ktls_sm4_expand_key(&key, k);
	for (i = 0; i < 1000000; i++)
		sm4ktls_sm4_crypt_block(key.rk_enc, b, b);
	EXPECT_EQ(memcmp(b, want, 16), 0);
}

/* Random keys and blocks, both directions, against libgcrypt's SM4-ECB. */
TEST(random_vs_libgcrypt)
{
	struct sm4ktls_sm4_key key;
	gcry_cipher_hd_t h;
	u8 k[16], pt[16], ours[16], ref[16];
	int i;

	ASSERT_NE(gcry_check_version(NULL), NULL);
	ASSERT_EQ(gcry_cipher_open(&h, GCRY_CIPHER_SM4, GCRY_CIPHER_MODE_ECB, 0), 0);
	for (i = 0; i < 20000; i++) {
		gcry_create_nonce(k, 16);
		gcry_create_nonce(pt, 16);
		sm4ktls_sm4_expand_key(&key, k);
		ASSERT_EQ(gcry_cipher_setkey(h, k, 16), 0);
		sm4ktls_sm4_crypt_block(key.rk_enc, ours, pt);
		ASSERT_EQ(gcry_cipher_encrypt(h, ref, 16, pt, 16), 0);
		ASSERT_EQ(memcmp(ours, ref, 16), 0) TH_LOG("encrypt, case %d", i);
		sm4ktls_sm4_crypt_block(key.rk_dec, ours, ref);
		ASSERT_EQ(memcmp(ours, pt, 16), 0) TH_LOG("decrypt, case %d", i);
	}
	gcry_cipher_close(h);
}

TEST_HARNESS_MAIN
