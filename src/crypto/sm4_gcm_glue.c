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
#include <asm/fpu/api.h>
#include <asm/simd.h>
#include <crypto/gcm.h>
#include <crypto/internal/aead.h>
#include <crypto/internal/simd.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "sm4_gcm_sg.h"
#include "sm4_impl.h"

struct sm4ktls_gcm_alg {
	struct aead_alg alg;
	const struct sm4ktls_impl *impl;
	bool registered;
};

static struct sm4ktls_gcm_alg sm4ktls_gcm_algs[SM4KTLS_NR_IMPLS];

static const struct sm4ktls_impl *gcm_impl(struct crypto_aead *tfm)
{
	struct aead_alg *alg = crypto_aead_alg(tfm);

	if (!crypto_simd_usable())
		return &sm4ktls_impl_generic;
	return container_of(alg, struct sm4ktls_gcm_alg, alg)->impl;
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

static void gcm_fill_alg(struct sm4ktls_gcm_alg *a,
			 const struct sm4ktls_impl *impl, int priority)
{
	struct aead_alg *alg = &a->alg;

	a->impl = impl;
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
}

/* Time buffers: a key and one message of SM4KTLS_TIME_LEN bytes. */
struct gcm_timing {
	struct sm4ktls_gcm_key key;
	struct sm4ktls_gcm_state st;
	u8 buf[SM4KTLS_TIME_LEN];
	u8 tag[16];
};

/* Best of a few runs of one 4 KiB encryption, in ns. */
static u64 gcm_time(struct gcm_timing *t, const struct sm4ktls_impl *impl)
{
	static const u8 iv[SM4KTLS_GCM_IV_SIZE];
	u64 best = U64_MAX, start;
	int i;

	for (i = 0; i < 3; i++) {
		start = ktime_get_ns();
		if (impl->simd)
			kernel_fpu_begin();
		sm4ktls_gcm_start(&t->st, &t->key, impl, iv);
		sm4ktls_gcm_encrypt(&t->st, t->buf, t->buf, sizeof(t->buf));
		sm4ktls_gcm_finish(&t->st, t->tag);
		if (impl->simd)
			kernel_fpu_end();
		best = min(best, ktime_get_ns() - start);
	}
	return best;
}

/* @impl's priority, or under the C path's if that beats it here. */
static int gcm_priority(struct gcm_timing *t, u64 c_ns,
			const struct sm4ktls_impl *impl)
{
	if (!t)
		return impl->priority;
	return sm4ktls_impl_priority(impl->name, impl->priority,
				     gcm_time(t, impl), c_ns);
}

/* Test, then register, one implementation; a failure only skips it. */
static void gcm_try_register(struct sm4ktls_gcm_alg *a,
			     const struct sm4ktls_impl *impl,
			     struct gcm_timing *t, u64 c_ns)
{
	int err;

	if (!sm4ktls_impl_usable(impl))
		return;	/* sm4ktls_impls_probe() said why */
	if (sm4ktls_gcm_selftest(impl))
		return;	/* the self-test said which test failed */
	gcm_fill_alg(a, impl, gcm_priority(t, c_ns, impl));
	err = crypto_register_aead(&a->alg);
	if (err) {
		pr_err("%s: cannot register: %d\n", impl->name, err);
		return;
	}
	a->registered = true;
	pr_info("%s: registered, priority %d\n", impl->name,
		a->alg.base.cra_priority);
}

/* The C path is every driver's fallback: without it, nothing registers. */
int sm4ktls_gcm_register(void)
{
	struct gcm_timing *t;
	u64 c_ns = 0;
	int i;

	if (sm4ktls_gcm_selftest(&sm4ktls_impl_generic))
		return -EINVAL;
	/* Without memory to time them, drivers keep their nominal order. */
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (t) {
		sm4ktls_gcm_setkey(&t->key, t->buf);
		c_ns = gcm_time(t, &sm4ktls_impl_generic);
	}
	for (i = 0; sm4ktls_x86_impls[i]; i++) {
		if (WARN_ON(i + 1 >= SM4KTLS_NR_IMPLS))
			break;
		gcm_try_register(&sm4ktls_gcm_algs[i], sm4ktls_x86_impls[i],
				 t, c_ns);
	}
	gcm_try_register(&sm4ktls_gcm_algs[i], &sm4ktls_impl_generic, NULL, 0);
	kfree_sensitive(t);
	return 0;
}

void sm4ktls_gcm_unregister(void)
{
	int i;

	for (i = 0; i < SM4KTLS_NR_IMPLS; i++) {
		if (sm4ktls_gcm_algs[i].registered)
			crypto_unregister_aead(&sm4ktls_gcm_algs[i].alg);
		sm4ktls_gcm_algs[i].registered = false;
	}
}
