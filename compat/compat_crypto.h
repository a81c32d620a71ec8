/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls_crypto: the crypto API's differences between kernels, decided
 * by the probes as in compat.h.
 */
#ifndef _SM4KTLS_COMPAT_CRYPTO_H
#define _SM4KTLS_COMPAT_CRYPTO_H

#include <crypto/skcipher.h>

#include "sm4ktls_probes.h"

/*
 * Without the flag (6.1), a request context past MAX_SYNC_SKCIPHER_REQSIZE
 * makes the allocation WARN: such a driver is not registered there.
 */
#ifdef SM4KTLS_HAVE_SKCIPHER_REQSIZE_LARGE
#define SM4KTLS_SKCIPHER_REQSIZE_LARGE	CRYPTO_ALG_SKCIPHER_REQSIZE_LARGE
#else
#define SM4KTLS_SKCIPHER_REQSIZE_LARGE	0
#endif

#endif /* _SM4KTLS_COMPAT_CRYPTO_H */
