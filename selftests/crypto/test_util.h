/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the native crypto tests: hex vectors, a reproducible
 * xorshift generator, and implementations looked up by driver name.
 */
#ifndef _SM4KTLS_TEST_UTIL_H
#define _SM4KTLS_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

#include "sm4_gcm.h"
#include "sm4ktls_native.h"

static inline size_t unhex(u8 *out, const char *hex)
{
	size_t n = 0;

	while (hex[0] && hex[1] && sscanf(hex, "%2hhx", out + n) == 1) {
		n++;
		hex += 2;
	}
	return n;
}

static u64 rng_state;

static inline u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static inline void rnd_bytes(u8 *p, size_t n)
{
	while (n--)
		*p++ = rnd();
}

/* By gcm(sm4) driver name, or with @ctr by ctr(sm4) driver name. */
static inline const struct sm4ktls_impl *impl_by_name(const char *name,
						      bool ctr)
{
	const struct sm4ktls_impl *impl = &sm4ktls_impl_generic;
	int i;

	for (i = -1; impl; impl = sm4ktls_x86_impls[++i])
		if (!strcmp(ctr ? impl->ctr_name : impl->name, name))
			return impl;
	return NULL;
}

#endif /* _SM4KTLS_TEST_UTIL_H */
