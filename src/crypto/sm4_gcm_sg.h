/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SM4-GCM on scatterlists, the kernel side of sm4_gcm.h: what the AEAD
 * driver calls for each request, and what the load-time KATs exercise
 * before a driver is registered.
 */
#ifndef _SM4KTLS_SM4_GCM_SG_H
#define _SM4KTLS_SM4_GCM_SG_H

#include <linux/scatterlist.h>

#include "sm4_gcm.h"

struct sm4ktls_gcm_req {
	struct scatterlist *src;
	struct scatterlist *dst;
	unsigned int assoclen;
	unsigned int textlen;	/* without the tag */
	unsigned int authsize;
	const u8 *iv;
	bool encrypt;
};

/* 0, or -EBADMSG when a decryption's tag does not match. */
int sm4ktls_gcm_crypt_sg(const struct sm4ktls_gcm_key *key,
			 const struct sm4ktls_impl *impl,
			 struct sm4ktls_gcm_state *st,
			 const struct sm4ktls_gcm_req *req);

/* Load-time known-answer tests of one implementation; 0 if it passed. */
int sm4ktls_gcm_selftest(const struct sm4ktls_impl *impl);

int sm4ktls_gcm_register(void);
void sm4ktls_gcm_unregister(void);

#endif /* _SM4KTLS_SM4_GCM_SG_H */
