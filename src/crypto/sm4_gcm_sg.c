// SPDX-License-Identifier: GPL-2.0
/*
 * Walks an AEAD request's scatterlists and feeds sm4_gcm.c one mapped,
 * page-bounded piece at a time. The FPU is held for one piece only (at
 * most a page, 4 KiB), never across anything that may sleep.
 */
#include <asm/fpu/api.h>
#include <crypto/algapi.h>
#include <crypto/scatterwalk.h>

#include "compat_crypto.h"
#include "sm4_gcm_sg.h"

static void gcm_fpu_begin(const struct sm4ktls_impl *impl)
{
	if (impl->simd)
		kernel_fpu_begin();
}

static void gcm_fpu_end(const struct sm4ktls_impl *impl)
{
	if (impl->simd)
		kernel_fpu_end();
}

static void gcm_hash_aad(struct sm4ktls_gcm_state *st,
			 const struct sm4ktls_gcm_req *req)
{
	unsigned int left = req->assoclen, n;
	struct scatter_walk w;
	u8 *p;

	scatterwalk_start(&w, req->src);
	while (left) {
		p = sm4ktls_walk_next(&w, left, &n);
		gcm_fpu_begin(st->impl);
		sm4ktls_gcm_aad(st, p, n);
		gcm_fpu_end(st->impl);
		sm4ktls_walk_done(&w, p, n, false, left);
		left -= n;
	}
}

static void gcm_crypt_text(struct sm4ktls_gcm_state *st,
			   const struct sm4ktls_gcm_req *req)
{
	struct scatterlist sg_src[2], sg_dst[2], *src, *dst;
	unsigned int left = req->textlen, n, nd;
	struct scatter_walk ws, wd;
	u8 *ps, *pd;

	if (!left)
		return;
	src = scatterwalk_ffwd(sg_src, req->src, req->assoclen);
	dst = req->src == req->dst ? src :
	      scatterwalk_ffwd(sg_dst, req->dst, req->assoclen);
	scatterwalk_start(&ws, src);
	scatterwalk_start(&wd, dst);
	while (left) {
		ps = sm4ktls_walk_next(&ws, left, &n);
		pd = sm4ktls_walk_next(&wd, n, &nd);
		n = nd;
		gcm_fpu_begin(st->impl);
		if (req->encrypt)
			sm4ktls_gcm_encrypt(st, pd, ps, n);
		else
			sm4ktls_gcm_decrypt(st, pd, ps, n);
		gcm_fpu_end(st->impl);
		sm4ktls_walk_done(&wd, pd, n, true, left);
		sm4ktls_walk_done(&ws, ps, n, false, left);
		left -= n;
	}
}

int sm4ktls_gcm_crypt_sg(const struct sm4ktls_gcm_key *key,
			 const struct sm4ktls_impl *impl,
			 struct sm4ktls_gcm_state *st,
			 const struct sm4ktls_gcm_req *req)
{
	unsigned int tag_at = req->assoclen + req->textlen;
	u8 tag[SM4KTLS_GCM_TAG_SIZE], want[SM4KTLS_GCM_TAG_SIZE];
	int err = 0;

	gcm_fpu_begin(impl);
	sm4ktls_gcm_start(st, key, impl, req->iv);
	gcm_fpu_end(impl);
	gcm_hash_aad(st, req);
	gcm_crypt_text(st, req);
	gcm_fpu_begin(impl);
	sm4ktls_gcm_finish(st, tag);
	gcm_fpu_end(impl);
	if (req->encrypt) {
		scatterwalk_map_and_copy(tag, req->dst, tag_at, req->authsize, 1);
	} else {
		scatterwalk_map_and_copy(want, req->src, tag_at, req->authsize, 0);
		if (crypto_memneq(tag, want, req->authsize))
			err = -EBADMSG;
	}
	memzero_explicit(tag, sizeof(tag));
	return err;
}
