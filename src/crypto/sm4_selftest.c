// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer tests run at load, before an SM4 implementation is
 * registered: GB/T 32907-2016 Appendix A, examples 1 and 2, on the portable
 * block cipher and through the CTR32 keystream routines of the SIMD paths.
 */
#include <asm/fpu/api.h>
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

#define SM4KTLS_KAT_MILLION	1000000

static const struct {
	const char *name;
	unsigned int iterations;
	const u8 *want;
} sm4ktls_kats[] = {
	{ "GB/T 32907 example 1", 1, sm4ktls_kat_once },
	{ "GB/T 32907 example 2", SM4KTLS_KAT_MILLION, sm4ktls_kat_million },
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

/*
 * Through a CTR32 routine, E(x) is block 0 of a keystream batch whose
 * counter block is x (the source all zero), and feeding each such block
 * back as the next counter block encrypts the key under itself over and
 * over: GB/T 32907's examples without a single-block entry point. Under
 * binary translation a 12-block batch costs ~17 us (the chain ~17 s), so
 * it holds the FPU for bounded steps and yields between them.
 */
#define SM4KTLS_KAT_CHAIN_STEP	1024	/* encryptions per FPU section */

struct sm4ktls_kat_chain {
	struct sm4ktls_sm4_key key;
	sm4ktls_ctr32_fn fn;
	unsigned int batch;
	u32 x[4];		/* counter block: the value to encrypt next */
	u8 *zero, *out;		/* batch * 16 bytes each */
};

static u32 sm4ktls_kat_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static void sm4ktls_kat_set_x(struct sm4ktls_kat_chain *c, const u8 *blk)
{
	int i;

	for (i = 0; i < 4; i++)
		c->x[i] = sm4ktls_kat_be32(blk + 4 * i);
}

/* n chained encryptions of c->x; the last one is left in c->out[0..16). */
static void sm4ktls_kat_chain_run(struct sm4ktls_kat_chain *c, unsigned int n)
{
	kernel_fpu_begin();
	while (n--) {
		c->fn(c->key.rk_enc, c->out, c->zero, c->x, c->batch);
		sm4ktls_kat_set_x(c, c->out);
	}
	kernel_fpu_end();
}

/* Encrypt the key under itself n times through fn; 0 if it gives want. */
static int sm4ktls_kat_chain(struct sm4ktls_kat_chain *c, sm4ktls_ctr32_fn fn,
			     unsigned int batch, unsigned int n, const u8 *want)
{
	unsigned int step;

	c->fn = fn;
	c->batch = batch;
	sm4ktls_kat_set_x(c, sm4ktls_kat_key);
	for (; n; n -= step) {
		step = min_t(unsigned int, n, SM4KTLS_KAT_CHAIN_STEP);
		sm4ktls_kat_chain_run(c, step);
		cond_resched();
	}
	return memcmp(c->out, want, 16) ? -EINVAL : 0;
}

static struct sm4ktls_kat_chain *sm4ktls_kat_chain_alloc(void)
{
	size_t bytes = SM4KTLS_GCM_MAX_BATCH * 16;
	struct sm4ktls_kat_chain *c = kzalloc(sizeof(*c) + 2 * bytes, GFP_KERNEL);

	if (!c)
		return NULL;
	c->zero = (u8 *)(c + 1);
	c->out = c->zero + bytes;
	sm4ktls_sm4_expand_key(&c->key, sm4ktls_kat_key);
	return c;
}

int sm4ktls_ctr32_kat_once(const struct sm4ktls_impl *impl)
{
	struct sm4ktls_kat_chain *c = sm4ktls_kat_chain_alloc();
	const struct sm4ktls_ctr32_tail *t = impl->tails;
	int err;

	if (!c)
		return -ENOMEM;
	err = sm4ktls_kat_chain(c, impl->ctr32, impl->batch, 1, sm4ktls_kat_once);
	for (; !err && t < impl->tails + SM4KTLS_MAX_TAILS && t->fn; t++)
		err = sm4ktls_kat_chain(c, t->fn, t->batch, 1, sm4ktls_kat_once);
	kfree_sensitive(c);
	return err;
}

/* The narrowest routine: a million batches of it are the cheapest chain. */
int sm4ktls_ctr32_kat_million(const struct sm4ktls_impl *impl)
{
	struct sm4ktls_kat_chain *c = sm4ktls_kat_chain_alloc();
	unsigned int batch;
	sm4ktls_ctr32_fn fn = sm4ktls_ctr32_fit(impl, 1, &batch);
	int err;

	if (!c)
		return -ENOMEM;
	err = sm4ktls_kat_chain(c, fn, batch, SM4KTLS_KAT_MILLION,
				sm4ktls_kat_million);
	kfree_sensitive(c);
	return err;
}
