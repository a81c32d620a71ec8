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

/* A bound AF_ALG transform socket, or -errno. */
static int alg_socket(const char *type, const char *name)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG };
	int fd = socket(AF_ALG, SOCK_SEQPACKET, 0);

	strcpy((char *)sa.salg_type, type);
	strcpy((char *)sa.salg_name, name);
	if (fd < 0 || bind(fd, (void *)&sa, sizeof(sa))) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

/* Encrypt with an AF_ALG skcipher that takes no IV; output length or -errno. */
static ssize_t alg_encrypt(const char *name, const unsigned char *key, size_t keylen,
			   const unsigned char *in, size_t inlen,
			   unsigned char *out, size_t outlen)
{
	char cbuf[CMSG_SPACE(4)] = {};
	struct iovec io = { (void *)in, inlen };
	struct msghdr msg = {
		.msg_iov = &io, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int tfm = alg_socket("skcipher", name), op = -1;
	ssize_t ret = -1;

	if (tfm < 0)
		return tfm;
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(4);
	*(__u32 *)CMSG_DATA(c) = ALG_OP_ENCRYPT;
	if (!setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, keylen))
		op = accept(tfm, NULL, NULL);
	if (op >= 0 && sendmsg(op, &msg, 0) == (ssize_t)inlen)
		ret = read(op, out, outlen);
	ret = ret < 0 ? -errno : ret;
	if (op >= 0)
		close(op);
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

	unhex(key, "0123456789abcdeffedcba9876543210");
	unhex(want, "681edf34d206965e86b3e94f536e4246");
	/* GB/T 32907 example 1: the key encrypted under itself. */
	ASSERT_EQ(alg_encrypt("ecb(sm4)", key, 16, key, 16, out, sizeof(out)), 16);
	EXPECT_EQ(memcmp(out, want, 16), 0);
}

/*
 * Binding an AF_ALG socket makes the crypto API instantiate the template on
 * our "sm4"; the kernel's testmgr then runs its gcm(sm4)/ccm(sm4) vectors
 * (RFC 8998) on that instance before anyone may use it.
 */
static int alg_instantiate(const char *type, const char *name)
{
	int fd = alg_socket(type, name);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

TEST(gcm_ccm_pass_kernel_testmgr)
{
	ASSERT_EQ(alg_instantiate("aead", "gcm(sm4)"), 0);
	ASSERT_EQ(alg_instantiate("aead", "ccm(sm4)"), 0);
	EXPECT_TRUE(proc_crypto_has("gcm(sm4)", "gcm-sm4-sm4ktls-", "selftest", "passed"));
	EXPECT_TRUE(proc_crypto_has("ccm(sm4)", "sm4-sm4ktls-generic", "selftest", "passed"));
}

/*
 * The driver the crypto API picks for `name`: the highest-priority entry
 * in /proc/crypto (entries list name, driver, module, priority in order).
 */
static int proc_crypto_best(const char *name, char *driver, size_t size)
{
	char line[256], cur_name[128] = "", cur_drv[128] = "";
	FILE *f = fopen("/proc/crypto", "r");
	int prio, best = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "name : %127s", cur_name);
		sscanf(line, "driver : %127s", cur_drv);
		if (sscanf(line, "priority : %d", &prio) == 1 &&
		    !strcmp(cur_name, name) && prio > best) {
			best = prio;
			snprintf(driver, size, "%s", cur_drv);
		}
	}
	fclose(f);
	return best;
}

/*
 * gcm(sm4) resolves to one of our SIMD drivers, ahead of the template
 * composition (priority 250): under QEMU TCG (AES-NI, AVX2, no GFNI) that
 * is the AES-NI/AVX2 one; the AVX one is registered below it.
 */
TEST(gcm_sm4_is_our_simd_driver)
{
	char driver[128] = "";

	ASSERT_EQ(alg_instantiate("aead", "gcm(sm4)"), 0);
	EXPECT_GT(proc_crypto_best("gcm(sm4)", driver, sizeof(driver)), 250);
	EXPECT_EQ(strncmp(driver, "gcm-sm4-sm4ktls-", 16), 0) TH_LOG("best: %s", driver);
	EXPECT_TRUE(proc_crypto_has("gcm(sm4)", "gcm-sm4-sm4ktls-aesni-avx2", "priority", "400"));
	EXPECT_TRUE(proc_crypto_has("gcm(sm4)", "gcm-sm4-sm4ktls-aesni-avx", "priority", "300"));
	EXPECT_TRUE(proc_crypto_has("gcm(sm4)", driver, "selftest", "passed"));
	EXPECT_TRUE(proc_crypto_has("gcm(sm4)", driver, "module", "sm4ktls_crypto"));
}

TEST_HARNESS_MAIN
