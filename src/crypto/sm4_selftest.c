// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer tests run at load, before an SM4 implementation is
 * registered: GB/T 32907-2016 Appendix A, examples 1 and 2.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sm4_selftest.h"

static const u8 sm4ktls_kat_key[16] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};

static const u8 sm4ktls_kat_once[16] = {
	0x68, 0x1e, 0xdf, 0x34, 0xd2, 0x06, 0x96, 0x5e,
	0x86, 0xb3, 0xe9, 0x4f, 0x53, 0x6e, 0x42, 0x46,
};

static const u8 sm4ktls_kat_million[16] = {
	0x59, 0x52, 0x98, 0xc7, 0xc6, 0xfd, 0x27, 0x1f,
	0x04, 0x02, 0xf8, 0x04, 0xc3, 0x3d, 0x3f, 0x66,
};

/* Encrypt the key with itself n times; then decrypt back n times. */
static int sm4ktls_kat_iterate(const struct sm4ktls_sm4_key *key,
			       sm4ktls_sm4_block_fn crypt, unsigned int n,
			       const u8 *want)
{
	u8 b[16];
	unsigned int i;

	memcpy(b, sm4ktls_kat_key, 16);
	for (i = 0; i < n; i++) {
		crypt(key->rk_enc, b, b);
		if (!(i & 0xffff))
			cond_resched();
	}
	if (memcmp(b, want, 16))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		crypt(key->rk_dec, b, b);
		if (!(i & 0xffff))
			cond_resched();
	}
	return memcmp(b, sm4ktls_kat_key, 16) ? -EINVAL : 0;
}

static const struct {
	const char *name;
	unsigned int iterations;
	const u8 *want;
} sm4ktls_kats[] = {
	{ "GB/T 32907 example 1", 1, sm4ktls_kat_once },
	{ "GB/T 32907 example 2", 1000000, sm4ktls_kat_million },
};

int sm4ktls_sm4_selftest(const char *impl, sm4ktls_sm4_expand_fn expand,
			 sm4ktls_sm4_block_fn crypt)
{
	struct sm4ktls_sm4_key *key = kmalloc(sizeof(*key), GFP_KERNEL);
	unsigned int i;
	int err = 0;

	if (!key)
		return -ENOMEM;
	expand(key, sm4ktls_kat_key);
	for (i = 0; i < ARRAY_SIZE(sm4ktls_kats) && !err; i++) {
		err = sm4ktls_kat_iterate(key, crypt, sm4ktls_kats[i].iterations,
					  sm4ktls_kats[i].want);
		if (err)
			pr_err("%s: %s failed, not registered\n", impl,
			       sm4ktls_kats[i].name);
	}
	kfree_sensitive(key);
	return err;
}
