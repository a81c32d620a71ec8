// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls_crypto: SM4 for the kernel crypto API on kernels built without it.
 *
 * Registers the "sm4" block cipher, so the kernel's own gcm/ccm/ctr
 * templates compose gcm(sm4) and ccm(sm4) for anyone who asks: our ULP,
 * the in-tree tls.ko, IPsec, AF_ALG. It is a module of its own so that it
 * serves them whether or not the sm4ktls ULP is loaded.
 */
#include <crypto/algapi.h>
#include <linux/crypto.h>
#include <linux/module.h>

#include "sm4_core.h"
#include "sm4_ctr.h"
#include "sm4_gcm_sg.h"
#include "sm4_impl.h"
#include "sm4_selftest.h"

static int sm4ktls_sm4_setkey(struct crypto_tfm *tfm, const u8 *key,
			      unsigned int len)
{
	if (len != SM4KTLS_SM4_KEY_SIZE)
		return -EINVAL;
	sm4ktls_sm4_expand_key(crypto_tfm_ctx(tfm), key);
	return 0;
}

static void sm4ktls_sm4_encrypt(struct crypto_tfm *tfm, u8 *out, const u8 *in)
{
	const struct sm4ktls_sm4_key *key = crypto_tfm_ctx(tfm);

	sm4ktls_sm4_crypt_block(key->rk_enc, out, in);
}

static void sm4ktls_sm4_decrypt(struct crypto_tfm *tfm, u8 *out, const u8 *in)
{
	const struct sm4ktls_sm4_key *key = crypto_tfm_ctx(tfm);

	sm4ktls_sm4_crypt_block(key->rk_dec, out, in);
}

static struct crypto_alg sm4ktls_sm4_alg = {
	.cra_name		= "sm4",
	.cra_driver_name	= "sm4-sm4ktls-generic",
	.cra_priority		= 100,
	.cra_flags		= CRYPTO_ALG_TYPE_CIPHER,
	.cra_blocksize		= SM4KTLS_SM4_BLOCK_SIZE,
	.cra_ctxsize		= sizeof(struct sm4ktls_sm4_key),
	.cra_module		= THIS_MODULE,
	.cra_u.cipher = {
		.cia_min_keysize	= SM4KTLS_SM4_KEY_SIZE,
		.cia_max_keysize	= SM4KTLS_SM4_KEY_SIZE,
		.cia_setkey		= sm4ktls_sm4_setkey,
		.cia_encrypt		= sm4ktls_sm4_encrypt,
		.cia_decrypt		= sm4ktls_sm4_decrypt,
	},
};

static int __init sm4ktls_crypto_init(void)
{
	int err;

	/* An implementation that gives wrong answers is never registered. */
	err = sm4ktls_sm4_selftest("sm4-sm4ktls-generic", sm4ktls_sm4_expand_key,
				   sm4ktls_sm4_crypt_block);
	if (err)
		return err;
	err = crypto_register_alg(&sm4ktls_sm4_alg);
	if (err) {
		pr_err("cannot register %s: %d\n", sm4ktls_sm4_alg.cra_driver_name, err);
		return err;
	}
	sm4ktls_impls_probe();
	err = sm4ktls_gcm_register();
	if (err)
		goto out_sm4;
	err = sm4ktls_ctr_register();
	if (err)
		goto out_gcm;
	return 0;

out_gcm:
	sm4ktls_gcm_unregister();
out_sm4:
	crypto_unregister_alg(&sm4ktls_sm4_alg);
	return err;
}

static void __exit sm4ktls_crypto_exit(void)
{
	sm4ktls_ctr_unregister();
	sm4ktls_gcm_unregister();
	crypto_unregister_alg(&sm4ktls_sm4_alg);
}

module_init(sm4ktls_crypto_init);
module_exit(sm4ktls_crypto_exit);
MODULE_VERSION(SM4KTLS_VERSION);
MODULE_DESCRIPTION("SM4 block cipher (GB/T 32907), SM4-GCM and SM4-CTR for the crypto API, from sm4ktls");
MODULE_LICENSE("GPL");
MODULE_ALIAS_CRYPTO("sm4");
MODULE_ALIAS_CRYPTO("sm4-sm4ktls-generic");
MODULE_ALIAS_CRYPTO("gcm(sm4)");
MODULE_ALIAS_CRYPTO("ctr(sm4)");
