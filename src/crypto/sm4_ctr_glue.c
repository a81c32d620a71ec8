// SPDX-License-Identifier: GPL-2.0
/*
 * "ctr(sm4)" skcipher drivers: one per x86-64 implementation the CPU can
 * run, at the priority of the gcm(sm4) driver on the same routines, and one
 * on the portable C path (250), each registered after its known-answer
 * tests pass and, like the gcm(sm4) ones, timed against the C path at load
 * and registered below it (200) if slower. With a ctr(sm4) registered, the
 * kernel's ccm template composes ccm(sm4) as ccm_base(<ours>,cbcmac(sm4)):
 * its keystream runs on SIMD, its CBC-MAC stays serial C.
 *
 * To the API, CTR is a stream cipher: blocksize 1, chunksize 16, a 16-byte
 * IV that is a 128-bit big-endian counter (sm4_ctr.c). When the FPU may not
 * be used (crypto_simd_usable() is false) a request takes the C path.
 */
#include <asm/simd.h>
#include <crypto/internal/simd.h>
#include <crypto/internal/skcipher.h>
#include <linux/module.h>

#include "compat_crypto.h"
#include "sm4_ctr.h"
#include "sm4_impl.h"

/*
 * The request context holds a narrow batch of keystream: 768 bytes for
 * GFNI/AVX-512, more than crypto_alloc_sync_skcipher() users may put on
 * their stack (MAX_SYNC_SKCIPHER_REQSIZE). Kernels with
 * CRYPTO_ALG_SKCIPHER_REQSIZE_LARGE keep such drivers from them; on the
 * others (compat_crypto.h) such a driver is not registered.
 */

static struct skcipher_alg sm4ktls_ctr_algs[SM4KTLS_NR_IMPLS];
static const struct sm4ktls_impl *sm4ktls_ctr_impls[SM4KTLS_NR_IMPLS];

static const struct sm4ktls_impl *ctr_alg_impl(struct crypto_skcipher *tfm)
{
	struct skcipher_alg *alg = crypto_skcipher_alg(tfm);

	return sm4ktls_ctr_impls[alg - sm4ktls_ctr_algs];
}

static int ctr_setkey(struct crypto_skcipher *tfm, const u8 *key,
		      unsigned int len)
{
	if (len != SM4KTLS_SM4_KEY_SIZE)
		return -EINVAL;
	sm4ktls_sm4_expand_key(crypto_skcipher_ctx(tfm), key);
	return 0;
}

/*
 * One walk step at a time: at most a page, so the FPU is held for a
 * bounded time, and never across skcipher_walk_done(), which may sleep.
 * A step before the last is cut to whole blocks (no keystream is carried
 * from one step to the next); the walk hands the rest over again.
 */
static int ctr_crypt(struct skcipher_request *req)
{
	struct crypto_skcipher *tfm = crypto_skcipher_reqtfm(req);
	const struct sm4ktls_sm4_key *key = crypto_skcipher_ctx(tfm);
	const struct sm4ktls_impl *impl = crypto_simd_usable() ?
		ctr_alg_impl(tfm) : &sm4ktls_impl_generic;
	struct skcipher_walk walk;
	int err = skcipher_walk_virt(&walk, req, false);

	while (walk.nbytes) {
		unsigned int n = walk.nbytes;

		if (n < walk.total)
			n = round_down(n, SM4KTLS_SM4_BLOCK_SIZE);
		sm4ktls_fpu_begin(impl);
		sm4ktls_ctr_crypt(impl, key->rk_enc, walk.dst.virt.addr,
				  walk.src.virt.addr, n, walk.iv,
				  skcipher_request_ctx(req));
		sm4ktls_fpu_end(impl);
		err = skcipher_walk_done(&walk, walk.nbytes - n);
	}
	return err;
}

/* Keystream scratch for the C path too, which needs less. */
static int ctr_init_tfm(struct crypto_skcipher *tfm)
{
	crypto_skcipher_set_reqsize(tfm, sm4ktls_ctr_ks_size(ctr_alg_impl(tfm)));
	return 0;
}

static void ctr_exit_tfm(struct crypto_skcipher *tfm)
{
	memzero_explicit(crypto_skcipher_ctx(tfm), sizeof(struct sm4ktls_sm4_key));
}

static int ctr_add(unsigned int slot, const struct sm4ktls_impl *impl,
		   int priority)
{
	struct skcipher_alg *alg = &sm4ktls_ctr_algs[slot];
	unsigned int ks = sm4ktls_ctr_ks_size(impl);

	sm4ktls_ctr_impls[slot] = impl;
	strscpy(alg->base.cra_name, "ctr(sm4)", CRYPTO_MAX_ALG_NAME);
	strscpy(alg->base.cra_driver_name, impl->ctr_name, CRYPTO_MAX_ALG_NAME);
	alg->base.cra_priority = priority;
	alg->base.cra_blocksize = 1;
	alg->base.cra_ctxsize = sizeof(struct sm4ktls_sm4_key);
	alg->base.cra_module = THIS_MODULE;
	if (ks > MAX_SYNC_SKCIPHER_REQSIZE)
		alg->base.cra_flags |= SM4KTLS_SKCIPHER_REQSIZE_LARGE;
	alg->min_keysize = SM4KTLS_SM4_KEY_SIZE;
	alg->max_keysize = SM4KTLS_SM4_KEY_SIZE;
	alg->ivsize = SM4KTLS_CTR_IV_SIZE;
	alg->chunksize = SM4KTLS_SM4_BLOCK_SIZE;
	/* Gather scattered pieces into a narrow batch (the API caps it). */
	alg->walksize = min_t(unsigned int, ks, PAGE_SIZE / 8);
	alg->setkey = ctr_setkey;
	alg->encrypt = ctr_crypt;
	alg->decrypt = ctr_crypt;
	alg->init = ctr_init_tfm;
	alg->exit = ctr_exit_tfm;
	return crypto_register_skcipher(alg);
}

static void ctr_del(unsigned int slot)
{
	crypto_unregister_skcipher(&sm4ktls_ctr_algs[slot]);
}

/* Timing scratch: a key, a counter, keystream and the bytes encrypted. */
struct ctr_timing {
	struct sm4ktls_sm4_key key;
	u8 iv[SM4KTLS_CTR_IV_SIZE];
	u8 ks[SM4KTLS_GCM_MAX_BATCH * SM4KTLS_SM4_BLOCK_SIZE];
	u8 buf[SM4KTLS_TIME_LEN];
};

static void ctr_time_one(void *scratch, const struct sm4ktls_impl *impl)
{
	struct ctr_timing *t = scratch;

	sm4ktls_ctr_crypt(impl, t->key.rk_enc, t->buf, t->buf, sizeof(t->buf),
			  t->iv, t->ks);
}

static const char *ctr_name(const struct sm4ktls_impl *impl)
{
	return impl->ctr_name;
}

/* Can this kernel keep the driver from on-stack (sync) requests? */
static bool ctr_fits(const struct sm4ktls_impl *impl)
{
	unsigned int ks = sm4ktls_ctr_ks_size(impl);

	if (ks <= MAX_SYNC_SKCIPHER_REQSIZE || SM4KTLS_SKCIPHER_REQSIZE_LARGE)
		return true;
	pr_info("%s: %u-byte request context and no CRYPTO_ALG_SKCIPHER_REQSIZE_LARGE in this kernel, not registered\n",
		impl->ctr_name, ks);
	return false;
}

static const struct sm4ktls_driver_kind sm4ktls_ctr_kind = {
	.name = ctr_name,
	.selftest = sm4ktls_ctr_selftest,
	.fits = ctr_fits,
	.timing_size = sizeof(struct ctr_timing),
	.time_one = ctr_time_one,
	.add = ctr_add,
	.del = ctr_del,
};

static struct sm4ktls_drivers sm4ktls_ctr_drivers = { .kind = &sm4ktls_ctr_kind };

int sm4ktls_ctr_register(void)
{
	return sm4ktls_drivers_register(&sm4ktls_ctr_drivers);
}

void sm4ktls_ctr_unregister(void)
{
	sm4ktls_drivers_unregister(&sm4ktls_ctr_drivers);
}
