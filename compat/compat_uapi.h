/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls: what <linux/tls.h> of an older kernel (5.10) does not define
 * yet. These are upstream's uapi values and layouts, which applications
 * built against newer headers pass us; each block is keyed on the macro
 * that arrived with it, so a header that has it is used as it is.
 */
#ifndef _SM4KTLS_COMPAT_UAPI_H
#define _SM4KTLS_COMPAT_UAPI_H

#include <linux/tls.h>

#ifndef TLS_TX_ZEROCOPY_RO
#define TLS_TX_ZEROCOPY_RO	3
#define TLS_INFO_ZC_RO_TX	5
#endif

#ifndef TLS_RX_EXPECT_NO_PAD
#define TLS_RX_EXPECT_NO_PAD	4
#define TLS_INFO_RX_NO_PAD	6
#endif

#ifndef TLS_CIPHER_CHACHA20_POLY1305
#define TLS_CIPHER_CHACHA20_POLY1305			54
#define TLS_CIPHER_CHACHA20_POLY1305_IV_SIZE		12
#define TLS_CIPHER_CHACHA20_POLY1305_KEY_SIZE		32
#define TLS_CIPHER_CHACHA20_POLY1305_SALT_SIZE		0
#define TLS_CIPHER_CHACHA20_POLY1305_TAG_SIZE		16
#define TLS_CIPHER_CHACHA20_POLY1305_REC_SEQ_SIZE	8

struct tls12_crypto_info_chacha20_poly1305 {
	struct tls_crypto_info info;
	unsigned char iv[TLS_CIPHER_CHACHA20_POLY1305_IV_SIZE];
	unsigned char key[TLS_CIPHER_CHACHA20_POLY1305_KEY_SIZE];
	unsigned char salt[TLS_CIPHER_CHACHA20_POLY1305_SALT_SIZE];
	unsigned char rec_seq[TLS_CIPHER_CHACHA20_POLY1305_REC_SEQ_SIZE];
};
#endif

/* SM4-GCM, SM4-CCM, ARIA-GCM: one layout, RFC 5288's 4 + 8 byte nonce. */
#define SM4KTLS_UAPI_SALTED(name, key_size)				\
struct tls12_crypto_info_##name {					\
	struct tls_crypto_info info;					\
	unsigned char iv[8];						\
	unsigned char key[key_size];					\
	unsigned char salt[4];						\
	unsigned char rec_seq[8];					\
}

#ifndef TLS_CIPHER_SM4_GCM
#define TLS_CIPHER_SM4_GCM			55
#define TLS_CIPHER_SM4_GCM_IV_SIZE		8
#define TLS_CIPHER_SM4_GCM_KEY_SIZE		16
#define TLS_CIPHER_SM4_GCM_SALT_SIZE		4
#define TLS_CIPHER_SM4_GCM_TAG_SIZE		16
#define TLS_CIPHER_SM4_GCM_REC_SEQ_SIZE		8
#define TLS_CIPHER_SM4_CCM			56
#define TLS_CIPHER_SM4_CCM_IV_SIZE		8
#define TLS_CIPHER_SM4_CCM_KEY_SIZE		16
#define TLS_CIPHER_SM4_CCM_SALT_SIZE		4
#define TLS_CIPHER_SM4_CCM_TAG_SIZE		16
#define TLS_CIPHER_SM4_CCM_REC_SEQ_SIZE		8
SM4KTLS_UAPI_SALTED(sm4_gcm, 16);
SM4KTLS_UAPI_SALTED(sm4_ccm, 16);
#endif

#ifndef TLS_CIPHER_ARIA_GCM_128
#define TLS_CIPHER_ARIA_GCM_128			57
#define TLS_CIPHER_ARIA_GCM_128_IV_SIZE		8
#define TLS_CIPHER_ARIA_GCM_128_KEY_SIZE	16
#define TLS_CIPHER_ARIA_GCM_128_SALT_SIZE	4
#define TLS_CIPHER_ARIA_GCM_128_TAG_SIZE	16
#define TLS_CIPHER_ARIA_GCM_128_REC_SEQ_SIZE	8
#define TLS_CIPHER_ARIA_GCM_256			58
#define TLS_CIPHER_ARIA_GCM_256_IV_SIZE		8
#define TLS_CIPHER_ARIA_GCM_256_KEY_SIZE	32
#define TLS_CIPHER_ARIA_GCM_256_SALT_SIZE	4
#define TLS_CIPHER_ARIA_GCM_256_TAG_SIZE	16
#define TLS_CIPHER_ARIA_GCM_256_REC_SEQ_SIZE	8
SM4KTLS_UAPI_SALTED(aria_gcm_128, 16);
SM4KTLS_UAPI_SALTED(aria_gcm_256, 32);
#endif

#undef SM4KTLS_UAPI_SALTED

#endif /* _SM4KTLS_COMPAT_UAPI_H */
