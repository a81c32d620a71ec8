// SPDX-License-Identifier: GPL-2.0
/*
 * "gcm(sm4)" AEAD drivers, one per x86-64 implementation the CPU can run,
 * each registered only after its known-answer tests pass. The highest
 * priority wins in the crypto API; all stay visible in /proc/crypto.
 * When the FPU may not be used (crypto_simd_usable() is false), a request
 * takes the portable C path, which gives the same answers.
 *
 * CPUID says what the CPU can run, not how fast: under binary translation
 * (QEMU TCG) SIMD is emulated and an order of magnitude slower than the
 * portable C path. So, as lib/raid6 picks its algorithm, each driver is
 * timed at load against the C path, which is registered too (priority
 * 250), and one that loses is registered below it. (A registered
 * gcm(sm4) of any priority keeps the kernel from composing its own.)
 */
#include <asm/simd.h>
#include <crypto/gcm.h>
#include <crypto/internal/aead.h>
#include <crypto/internal/simd.h>
#include <linux/module.h>

#include "sm4_gcm_sg.h"
#include "sm4_impl.h"

static struct aead_alg sm4ktls_gcm_algs[SM4KTLS_NR_IMPLS];
static const struct sm4ktls_impl *sm4ktls_gcm_impls[SM4KTLS_NR_IMPLS];

static const struct sm4ktls_impl *gcm_impl(struct crypto_aead *tfm)
{
	struct aead_alg *alg = crypto_aead_alg(tfm);

	if (!crypto_simd_usable())
		return &sm4ktls_impl_generic;
	return sm4ktls_gcm_impls[alg - sm4ktls_gcm_algs];
}

static int gcm_setkey(struct crypto_aead *tfm, const u8 *key, unsigned int len)
{
	if (len != SM4KTLS_SM4_KEY_SIZE)
		return -EINVAL;
	sm4ktls_gcm_setkey(crypto_aead_ctx(tfm), key);
	return 0;
}

static int gcm_setauthsize(struct crypto_aead *tfm, unsigned int authsize)
{
	return crypto_gcm_check_authsize(authsize);
}

static int gcm_crypt(struct aead_request *areq, bool encrypt)
{
	struct crypto_aead *tfm = crypto_aead_reqtfm(areq);
	unsigned int authsize = crypto_aead_authsize(tfm);
	struct sm4ktls_gcm_req req = {
		.src = areq->src,
		.dst = areq->dst,
		.assoclen = areq->assoclen,
		.textlen = areq->cryptlen,
		.authsize = authsize,
		.iv = areq->iv,
		.encrypt = encrypt,
	};

	if (!encrypt) {
		if (areq->cryptlen < authsize)
			return -EINVAL;
		req.textlen -= authsize;
	}
	return sm4ktls_gcm_crypt_sg(crypto_aead_ctx(tfm), gcm_impl(tfm),
				    aead_request_ctx(areq), &req);
}

static int gcm_encrypt(struct aead_request *areq)
{
	return gcm_crypt(areq, true);
}

static int gcm_decrypt(struct aead_request *areq)
{
	return gcm_crypt(areq, false);
}

static int gcm_init_tfm(struct crypto_aead *tfm)
{
	crypto_aead_set_reqsize(tfm, sizeof(struct sm4ktls_gcm_state));
	return 0;
}

static void gcm_exit_tfm(struct crypto_aead *tfm)
{
	memzero_explicit(crypto_aead_ctx(tfm), sizeof(struct sm4ktls_gcm_key));
}

static int gcm_add(unsigned int slot, const struct sm4ktls_impl *impl,
		   int priority)
{
	struct aead_alg *alg = &sm4ktls_gcm_algs[slot];

	sm4ktls_gcm_impls[slot] = impl;
	strscpy(alg->base.cra_name, "gcm(sm4)", CRYPTO_MAX_ALG_NAME);
	strscpy(alg->base.cra_driver_name, impl->name, CRYPTO_MAX_ALG_NAME);
	alg->base.cra_priority = priority;
	alg->base.cra_blocksize = 1;
	alg->base.cra_ctxsize = sizeof(struct sm4ktls_gcm_key);
	alg->base.cra_module = THIS_MODULE;
	alg->setkey = gcm_setkey;
	alg->setauthsize = gcm_setauthsize;
	alg->encrypt = gcm_encrypt;
	alg->decrypt = gcm_decrypt;
	alg->init = gcm_init_tfm;
	alg->exit = gcm_exit_tfm;
	alg->ivsize = SM4KTLS_GCM_IV_SIZE;
	alg->maxauthsize = SM4KTLS_GCM_TAG_SIZE;
	alg->chunksize = SM4KTLS_SM4_BLOCK_SIZE;
	return crypto_register_aead(alg);
}

static void gcm_del(unsigned int slot)
{
	crypto_unregister_aead(&sm4ktls_gcm_algs[slot]);
}

/* Timing scratch: a key and one message of SM4KTLS_TIME_LEN bytes. */
struct gcm_timing {
	struct sm4ktls_gcm_key key;
	struct sm4ktls_gcm_state st;
	u8 buf[SM4KTLS_TIME_LEN];
	u8 tag[16];
};

static void gcm_time_one(void *scratch, const struct sm4ktls_impl *impl)
{
	static const u8 iv[SM4KTLS_GCM_IV_SIZE];
	struct gcm_timing *t = scratch;

	sm4ktls_gcm_start(&t->st, &t->key, impl, iv);
	sm4ktls_gcm_encrypt(&t->st, t->buf, t->buf, sizeof(t->buf));
	sm4ktls_gcm_finish(&t->st, t->tag);
}

static const char *gcm_name(const struct sm4ktls_impl *impl)
{
	return impl->name;
}

static const struct sm4ktls_driver_kind sm4ktls_gcm_kind = {
	.name = gcm_name,
	.selftest = sm4ktls_gcm_selftest,
	.timing_size = sizeof(struct gcm_timing),
	.time_one = gcm_time_one,
	.add = gcm_add,
	.del = gcm_del,
};

static struct sm4ktls_drivers sm4ktls_gcm_drivers = { .kind = &sm4ktls_gcm_kind };

int sm4ktls_gcm_register(void)
{
	return sm4ktls_drivers_register(&sm4ktls_gcm_drivers);
}

void sm4ktls_gcm_unregister(void)
{
	sm4ktls_drivers_unregister(&sm4ktls_gcm_drivers);
}
