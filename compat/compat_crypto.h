/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls_crypto: the crypto API's differences between kernels, decided
 * by the probes as in compat.h.
 */
#ifndef _SM4KTLS_COMPAT_CRYPTO_H
#define _SM4KTLS_COMPAT_CRYPTO_H

#include <crypto/scatterwalk.h>
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

/*
 * One mapped piece of a scatterlist walk, at most a page: 6.15 folded
 * clamp, map, advance and done into scatterwalk_next() and
 * scatterwalk_done_src/dst(). @left counts from the piece's start.
 */
#ifdef SM4KTLS_HAVE_SCATTERWALK_NEXT
static inline u8 *sm4ktls_walk_next(struct scatter_walk *w, unsigned int left,
				    unsigned int *n)
{
	*n = scatterwalk_next(w, left);
	return w->addr;
}

static inline void sm4ktls_walk_done(struct scatter_walk *w, u8 *p,
				     unsigned int n, bool out,
				     unsigned int left)
{
	if (out)
		scatterwalk_done_dst(w, n);
	else
		scatterwalk_done_src(w, n);
}
#else
static inline u8 *sm4ktls_walk_next(struct scatter_walk *w, unsigned int left,
				    unsigned int *n)
{
	/* Step over exhausted (and empty) entries. */
	while (!(*n = scatterwalk_clamp(w, left)))
		scatterwalk_start(w, sg_next(w->sg));
	return scatterwalk_map(w);
}

static inline void sm4ktls_walk_done(struct scatter_walk *w, u8 *p,
				     unsigned int n, bool out,
				     unsigned int left)
{
	scatterwalk_unmap(p);
	scatterwalk_advance(w, n);
	scatterwalk_done(w, out, left - n);
}
#endif

#endif /* _SM4KTLS_COMPAT_CRYPTO_H */
