// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls_test: the AEAD alone, timed in the kernel, so that the kTLS
 * benchmark can subtract the cipher from a record's cost and compare
 * record layers (tools/ktls-bench -I: under QEMU's -icount the kernel's
 * clock counts instructions).
 *
 * Writing "ALG KEYLEN AADLEN SIZE COUNT" to /proc/sm4ktls_test_aead, e.g.
 * "gcm(aes) 16 13 16384 100", seals SIZE bytes COUNT times and opens the
 * sealed record COUNT times through a transform of ALG allocated as kTLS
 * allocates it; reading the file gives "SEAL_NS OPEN_NS" for all COUNT.
 */
#include <crypto/aead.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "test.h"

#define TEST_AEAD_TAG	16
#define TEST_AEAD_MAX	(16384 + 256)
#define TEST_AEAD_RUNS	100000

struct test_aead {
	struct crypto_aead *tfm;
	struct aead_request *req;
	u8 *ct, *pt;		/* AAD || text (|| tag) */
	unsigned int aad, size;
};

static DEFINE_MUTEX(test_aead_lock);	/* the last result */
static u64 test_seal_ns, test_open_ns;

/* One seal (@pt into @ct) or open (@ct into @pt) of the record. */
static int test_aead_once(struct test_aead *t, bool seal)
{
	unsigned int n = t->aad + t->size + TEST_AEAD_TAG;
	struct scatterlist src, dst;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[16] = {};

	/* CCM's IV starts with L - 1: 2, as kTLS sets it. */
	if (crypto_aead_ivsize(t->tfm) == 16)
		iv[0] = 2;
	sg_init_one(&src, seal ? t->pt : t->ct, n);
	sg_init_one(&dst, seal ? t->ct : t->pt, n);
	aead_request_set_callback(t->req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &wait);
	aead_request_set_crypt(t->req, &src, &dst,
			       t->size + (seal ? 0 : TEST_AEAD_TAG), iv);
	aead_request_set_ad(t->req, t->aad);
	return crypto_wait_req(seal ? crypto_aead_encrypt(t->req) :
				      crypto_aead_decrypt(t->req), &wait);
}

/* @count seals or opens; their time in *@ns. */
static int test_aead_time(struct test_aead *t, bool seal, unsigned int count,
			  u64 *ns)
{
	u64 t0 = ktime_get_ns();
	unsigned int i;
	int err = 0;

	for (i = 0; i < count && !err; i++)
		err = test_aead_once(t, seal);
	*ns = ktime_get_ns() - t0;
	return err;
}

static int test_aead_run(const char *alg, unsigned int keylen,
			 struct test_aead *t, unsigned int count)
{
	u8 key[32];
	int err;

	t->tfm = crypto_alloc_aead(alg, 0, 0);
	if (IS_ERR(t->tfm))
		return PTR_ERR(t->tfm);
	get_random_bytes(key, keylen);
	err = crypto_aead_setkey(t->tfm, key, keylen) ?:
	      crypto_aead_setauthsize(t->tfm, TEST_AEAD_TAG);
	memzero_explicit(key, sizeof(key));
	if (err)
		goto out_tfm;
	err = -ENOMEM;
	t->req = aead_request_alloc(t->tfm, GFP_KERNEL);
	t->ct = kzalloc(TEST_AEAD_MAX + 64, GFP_KERNEL);
	t->pt = kzalloc(TEST_AEAD_MAX + 64, GFP_KERNEL);
	if (!t->req || !t->ct || !t->pt)
		goto out_mem;
	/* A record to open first, then the clock. */
	err = test_aead_once(t, true) ?:
	      test_aead_time(t, true, count, &test_seal_ns) ?:
	      test_aead_time(t, false, count, &test_open_ns);
out_mem:
	kfree(t->pt);
	kfree(t->ct);
	aead_request_free(t->req);
out_tfm:
	crypto_free_aead(t->tfm);
	return err;
}

static ssize_t test_aead_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	unsigned int keylen, runs;
	struct test_aead t = {};
	char cmd[96] = {}, alg[64];
	int err;

	if (count >= sizeof(cmd) || copy_from_user(cmd, ubuf, count))
		return -EINVAL;
	if (sscanf(cmd, "%63s %u %u %u %u", alg, &keylen, &t.aad, &t.size,
		   &runs) != 5 || keylen > 32 || t.aad > 64 ||
	    t.size > TEST_AEAD_MAX || !runs || runs > TEST_AEAD_RUNS)
		return -EINVAL;
	mutex_lock(&test_aead_lock);
	test_seal_ns = 0;
	test_open_ns = 0;
	err = test_aead_run(alg, keylen, &t, runs);
	mutex_unlock(&test_aead_lock);
	return err ? err : count;
}

static ssize_t test_aead_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char out[48];
	int n;

	mutex_lock(&test_aead_lock);
	n = scnprintf(out, sizeof(out), "%llu %llu\n", test_seal_ns,
		      test_open_ns);
	mutex_unlock(&test_aead_lock);
	return simple_read_from_buffer(ubuf, count, ppos, out, n);
}

static const struct proc_ops test_aead_ops = {
	.proc_write	= test_aead_write,
	.proc_read	= test_aead_read,
	.proc_lseek	= default_llseek,
};

int test_aead_init(void)
{
	if (!proc_create("sm4ktls_test_aead", 0600, NULL, &test_aead_ops))
		return -ENOMEM;
	return 0;
}

void test_aead_exit(void)
{
	remove_proc_entry("sm4ktls_test_aead", NULL);
}
