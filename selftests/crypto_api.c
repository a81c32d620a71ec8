// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls_crypto through the kernel crypto API, from userspace (AF_ALG):
 * the "sm4" it registers is ours, ecb(sm4) gives GB/T 32907's answer, and
 * the kernel's gcm/ccm templates built on it pass the kernel's own RFC 8998
 * test vectors (testmgr).
 */
#include <linux/if_alg.h>

#include "kselftest_harness.h"
#include "helpers.h"

#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef SOL_ALG
#define SOL_ALG 279
#endif

static size_t unhex(unsigned char *out, const char *hex)
{
	size_t n = 0;

	while (hex[0] && hex[1] && sscanf(hex, "%2hhx", out + n) == 1) {
		n++;
		hex += 2;
	}
	return n;
}

struct alg_req {
	const char *type, *name;
	const unsigned char *key, *iv, *in;
	size_t keylen, ivlen, inlen;
	unsigned int assoclen, authsize;
	int decrypt;
};

static void alg_cmsg_setup(struct msghdr *msg, char *cbuf, size_t clen,
			  const struct alg_req *r)
{
	struct af_alg_iv *iv;
	struct cmsghdr *c;

	memset(cbuf, 0, clen);
	msg->msg_control = cbuf;
	msg->msg_controllen = clen;
	c = CMSG_FIRSTHDR(msg);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(4);
	*(__u32 *)CMSG_DATA(c) = r->decrypt ? ALG_OP_DECRYPT : ALG_OP_ENCRYPT;
	c = CMSG_NXTHDR(msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*iv) + r->ivlen);
	iv = (void *)CMSG_DATA(c);
	iv->ivlen = r->ivlen;
	memcpy(iv->iv, r->iv, r->ivlen);
	c = CMSG_NXTHDR(msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	c->cmsg_len = CMSG_LEN(4);
	*(__u32 *)CMSG_DATA(c) = r->assoclen;
	/* af_alg rejects trailing space that is not a valid cmsg. */
	msg->msg_controllen = CMSG_SPACE(4) * 2 +
			      CMSG_SPACE(sizeof(*iv) + r->ivlen);
}

/* One AF_ALG operation; returns the output length or -errno. */
static ssize_t alg_run(const struct alg_req *r, unsigned char *out, size_t outlen)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG };
	struct iovec io = { (void *)r->in, r->inlen };
	struct msghdr msg = { .msg_iov = &io, .msg_iovlen = 1 };
	char cbuf[CMSG_SPACE(4) * 2 + CMSG_SPACE(sizeof(struct af_alg_iv) + 16)];
	int tfm, op = -1;
	ssize_t ret = -1;

	strcpy((char *)sa.salg_type, r->type);
	strcpy((char *)sa.salg_name, r->name);
	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0 || bind(tfm, (void *)&sa, sizeof(sa)) ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_KEY, r->key, r->keylen) ||
	    (r->authsize &&
	     setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, r->authsize)))
		goto out;
	op = accept(tfm, NULL, NULL);
	alg_cmsg_setup(&msg, cbuf, sizeof(cbuf), r);
	if (op < 0 || sendmsg(op, &msg, 0) != (ssize_t)r->inlen)
		goto out;
	ret = read(op, out, outlen);
out:
	ret = ret < 0 ? -errno : ret;
	if (op >= 0)
		close(op);
	if (tfm >= 0)
		close(tfm);
	return ret;
}

/*
 * Does /proc/crypto list `name` with a driver containing `driver_part` and a
 * line starting with `field` that contains `value`?
 */
static int proc_crypto_has(const char *name, const char *driver_part,
			   const char *field, const char *value)
{
	char line[256], cur_name[128] = "", cur_drv[128] = "";
	FILE *f = fopen("/proc/crypto", "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		sscanf(line, "name : %127s", cur_name);
		sscanf(line, "driver : %127s", cur_drv);
		if (!strncmp(line, field, strlen(field)) && !strcmp(cur_name, name) &&
		    strstr(cur_drv, driver_part) && strstr(line, value))
			found = 1;
	}
	fclose(f);
	return found;
}

TEST(sm4_is_ours)
{
	EXPECT_TRUE(proc_crypto_has("sm4", "sm4-sm4ktls-generic", "module", "sm4ktls_crypto"));
}

TEST(ecb_gbt32907)
{
	unsigned char key[16], out[16], want[16];
	struct alg_req r = { "skcipher", "ecb(sm4)", key, NULL, key, 16, 0, 16 };

	unhex(key, "0123456789abcdeffedcba9876543210");
	unhex(want, "681edf34d206965e86b3e94f536e4246");
	ASSERT_EQ(alg_run(&r, out, sizeof(out)), 16);
	EXPECT_EQ(memcmp(out, want, 16), 0);
}

/*
 * Binding an AF_ALG socket makes the crypto API instantiate the template on
 * our "sm4"; the kernel's testmgr then runs its gcm(sm4)/ccm(sm4) vectors
 * (RFC 8998) on that instance before anyone may use it.
 */
static int alg_bind(const char *type, const char *name)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG };
	int fd = socket(AF_ALG, SOCK_SEQPACKET, 0), ret;

	strcpy((char *)sa.salg_type, type);
	strcpy((char *)sa.salg_name, name);
	ret = fd < 0 ? -1 : bind(fd, (void *)&sa, sizeof(sa));
	ret = ret ? -errno : 0;
	if (fd >= 0)
		close(fd);
	return ret;
}

TEST(gcm_ccm_pass_kernel_testmgr)
{
	ASSERT_EQ(alg_bind("aead", "gcm(sm4)"), 0);
	ASSERT_EQ(alg_bind("aead", "ccm(sm4)"), 0);
	EXPECT_TRUE(proc_crypto_has("gcm(sm4)", "sm4-sm4ktls-generic", "selftest", "passed"));
	EXPECT_TRUE(proc_crypto_has("ccm(sm4)", "sm4-sm4ktls-generic", "selftest", "passed"));
}

TEST_HARNESS_MAIN
