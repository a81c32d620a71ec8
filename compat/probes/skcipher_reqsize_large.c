// SPDX-License-Identifier: GPL-2.0
/*
 * 6.12 onward (and backports): an skcipher may need a request context
 * larger than MAX_SYNC_SKCIPHER_REQSIZE if it says so with this flag.
 */
#include <crypto/skcipher.h>

unsigned int probe_reqsize_large(void);
unsigned int probe_reqsize_large(void)
{
	return CRYPTO_ALG_SKCIPHER_REQSIZE_LARGE;
}
