// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls_crypto through the kernel crypto API, from userspace (AF_ALG):
 * the "sm4" it registers is ours, ecb(sm4) gives GB/T 32907's answer, and
 * the kernel's gcm/ccm templates built on it pass the kernel's own RFC 8998
 * test vectors (testmgr) and ours (RFC 8998 A.1/A.2 over AF_ALG "aead"),
 * and the gcm(sm4)/ccm(sm4) the crypto API hands out is built on sm4ktls.
 *
 * AF_ALG AEAD: one sendmsg() carries AAD || text with ALG_SET_OP, ALG_SET_IV
 * and ALG_SET_AEAD_ASSOCLEN and no MSG_MORE; one recv() then returns
 * AAD || CT || tag (encrypt) or AAD || PT (decrypt). The receive buffer must
 * be exactly that long: aead_recvmsg() loops while the caller's buffer has
 * room, and once the request has consumed the sent data the next round
 * waits in af_alg_wait_for_data() for another sendmsg() -- forever, for a
 * blocking socket. MSG_DONTWAIT turns that wait into an early return.
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

#define AEAD_TAG 16
/*
 * The first gcm(sm4)/ccm(sm4) user autoloads gcm, ccm, ctr, ghash... over 9p
 * and runs testmgr on the new instances: under TCG on a busy host that can
 * take longer than the harness's default 30 s.
 */
#define INSTANTIATE_TIMEOUT 180

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

FIXTURE(instantiate) {
};

FIXTURE_SETUP(instantiate)
{
}

FIXTURE_TEARDOWN(instantiate)
{
}

TEST_F_TIMEOUT(instantiate, gcm_ccm_pass_kernel_testmgr, INSTANTIATE_TIMEOUT)
{
	ASSERT_EQ(alg_instantiate("aead", "gcm(sm4)"), 0);
	ASSERT_EQ(alg_instantiate("aead", "ccm(sm4)"), 0);
	EXPECT_TRUE(proc_crypto_has("gcm(sm4)", "gcm-sm4-sm4ktls-", "selftest", "passed"));
	EXPECT_TRUE(proc_crypto_has("ccm(sm4)", "sm4-sm4ktls-generic", "selftest", "passed"));
}

/* If line is "key : value" (/proc/crypto), copy value to val and return 1. */
static int crypto_field(const char *line, const char *key, char *val, size_t len)
{
	size_t n = strlen(key);
	const char *p;

	if (strncmp(line, key, n) || (line[n] != ' ' && line[n] != ':'))
		return 0;
	p = strchr(line + n, ':');
	if (!p)
		return 0;
	p += strspn(p + 1, " ") + 1;
	snprintf(val, len, "%.*s", (int)strcspn(p, "\n"), p);
	return 1;
}

/* Highest-priority aead called `name` in /proc/crypto: what the API serves. */
static int proc_crypto_serving(const char *name, char *drv, size_t len)
{
	char line[256], cur_name[128] = "", cur_drv[128] = "", type[32] = "", prio[16] = "";
	FILE *f = fopen("/proc/crypto", "r");
	int best = -1;

	if (!f)
		return -1;
	*drv = '\0';
	for (;;) {
		char *more = fgets(line, sizeof(line), f);

		if (!more || line[0] == '\n') {	/* end of one entry */
			if (!strcmp(cur_name, name) && !strcmp(type, "aead") &&
			    *prio && atoi(prio) > best) {
				best = atoi(prio);
				snprintf(drv, len, "%s", cur_drv);
			}
			memset(cur_name, 0, sizeof(cur_name));
			memset(cur_drv, 0, sizeof(cur_drv));
			memset(type, 0, sizeof(type));
			memset(prio, 0, sizeof(prio));
			if (!more)
				break;
			continue;
		}
		if (!crypto_field(line, "name", cur_name, sizeof(cur_name)) &&
		    !crypto_field(line, "driver", cur_drv, sizeof(cur_drv)) &&
		    !crypto_field(line, "type", type, sizeof(type)))
			crypto_field(line, "priority", prio, sizeof(prio));
	}
	fclose(f);
	return best;
}

struct aead_op {
	const char *name;
	const unsigned char *key, *iv, *in;
	size_t ivlen, inlen;		/* in: AAD || PT, or AAD || CT || tag */
	unsigned int assoclen;
	int decrypt;
};

static void aead_cmsgs(struct msghdr *msg, const struct aead_op *op)
{
	struct cmsghdr *c = CMSG_FIRSTHDR(msg);
	struct af_alg_iv *iv;

	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(4);
	*(__u32 *)CMSG_DATA(c) = op->decrypt ? ALG_OP_DECRYPT : ALG_OP_ENCRYPT;
	c = CMSG_NXTHDR(msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*iv) + op->ivlen);
	iv = (void *)CMSG_DATA(c);
	iv->ivlen = op->ivlen;
	memcpy(iv->iv, op->iv, op->ivlen);
	c = CMSG_NXTHDR(msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	c->cmsg_len = CMSG_LEN(4);
	*(__u32 *)CMSG_DATA(c) = op->assoclen;
}

/* One AF_ALG AEAD operation with a 16-byte key and tag; length or -errno. */
static ssize_t alg_aead(const struct aead_op *op, unsigned char *out)
{
	size_t clen = 2 * CMSG_SPACE(4) + CMSG_SPACE(sizeof(struct af_alg_iv) + op->ivlen);
	size_t outlen = op->decrypt ? op->inlen - AEAD_TAG : op->inlen + AEAD_TAG;
	struct iovec io = { (void *)op->in, op->inlen };
	struct msghdr msg = { .msg_iov = &io, .msg_iovlen = 1 };
	int tfm = alg_socket("aead", op->name), fd = -1;
	ssize_t ret = -1;

	if (tfm < 0)
		return tfm;
	msg.msg_control = calloc(1, clen);
	msg.msg_controllen = clen;
	aead_cmsgs(&msg, op);
	if (!setsockopt(tfm, SOL_ALG, ALG_SET_KEY, op->key, 16) &&
	    !setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, AEAD_TAG))
		fd = accept(tfm, NULL, NULL);
	if (fd >= 0 && sendmsg(fd, &msg, 0) == (ssize_t)op->inlen)
		ret = recv(fd, out, outlen, MSG_DONTWAIT);	/* exact length, see top */
	ret = ret < 0 ? -errno : ret;
	if (fd >= 0)
		close(fd);
	close(tfm);
	free(msg.msg_control);
	return ret;
}

/* RFC 8998 appendix A: A.1 SM4-GCM and A.2 SM4-CCM share key, nonce, AAD, PT. */
#define RFC8998_KEY	"0123456789abcdeffedcba9876543210"
#define RFC8998_NONCE	"00001234567800000000abcd"
#define RFC8998_AAD	"feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define RFC8998_PT	"aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd" \
			"eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"

FIXTURE(rfc8998) {
	unsigned char key[16], iv[16], aad[20], pt[64], ct[64], tag[16];
	unsigned char in[20 + 64 + 16], out[20 + 64 + 16];
	size_t ivlen;
};

FIXTURE_VARIANT(rfc8998) {
	const char *name, *ct, *tag;
	int ccm;
};

FIXTURE_VARIANT_ADD(rfc8998, gcm) {
	.name = "gcm(sm4)",
	.ct = "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
	      "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d",
	.tag = "83de3541e4c2b58177e065a9bf7b62ec",
};

FIXTURE_VARIANT_ADD(rfc8998, ccm) {
	.name = "ccm(sm4)",
	.ct = "48af93501fa62adbcd414cce6034d895dda1bf8f132f042098661572e7483094"
	      "fd12e518ce062c98acee28d95df4416bed31a2f04476c18bb40c84a74b97dc5b",
	.tag = "16842d4fa186f56ab33256971fa110f4",
	.ccm = 1,
};

FIXTURE_SETUP(rfc8998)
{
	unhex(self->key, RFC8998_KEY);
	unhex(self->aad, RFC8998_AAD);
	unhex(self->pt, RFC8998_PT);
	unhex(self->ct, variant->ct);
	unhex(self->tag, variant->tag);
	memset(self->iv, 0, sizeof(self->iv));
	if (variant->ccm) {
		/* CCM takes the 16-byte counter block: L' = L - 1, nonce, counter 0. */
		self->iv[0] = 15 - 12 - 1;
		unhex(self->iv + 1, RFC8998_NONCE);
		self->ivlen = 16;
	} else {
		unhex(self->iv, RFC8998_NONCE);
		self->ivlen = 12;
	}
}

FIXTURE_TEARDOWN(rfc8998)
{
}

/* AAD || text into self->in; returns the request. */
static struct aead_op rfc8998_op(FIXTURE_DATA(rfc8998) *self, const char *name,
				 const unsigned char *text, size_t len, int decrypt)
{
	struct aead_op op = {
		.name = name, .key = self->key, .iv = self->iv, .ivlen = self->ivlen,
		.in = self->in, .inlen = sizeof(self->aad) + len,
		.assoclen = sizeof(self->aad), .decrypt = decrypt,
	};

	memcpy(self->in, self->aad, sizeof(self->aad));
	memcpy(self->in + sizeof(self->aad), text, len);
	return op;
}

TEST_F_TIMEOUT(rfc8998, encrypt, INSTANTIATE_TIMEOUT)
{
	struct aead_op op = rfc8998_op(self, variant->name, self->pt, 64, 0);

	ASSERT_EQ(alg_aead(&op, self->out), 20 + 64 + 16);
	EXPECT_EQ(memcmp(self->out, self->aad, 20), 0);
	EXPECT_EQ(memcmp(self->out + 20, self->ct, 64), 0);
	EXPECT_EQ(memcmp(self->out + 20 + 64, self->tag, 16), 0);
}

TEST_F_TIMEOUT(rfc8998, decrypt, INSTANTIATE_TIMEOUT)
{
	unsigned char ct_tag[64 + 16];
	struct aead_op op;

	memcpy(ct_tag, self->ct, 64);
	memcpy(ct_tag + 64, self->tag, 16);
	op = rfc8998_op(self, variant->name, ct_tag, sizeof(ct_tag), 1);
	ASSERT_EQ(alg_aead(&op, self->out), 20 + 64);
	EXPECT_EQ(memcmp(self->out, self->aad, 20), 0);
	EXPECT_EQ(memcmp(self->out + 20, self->pt, 64), 0);
}

TEST_F_TIMEOUT(rfc8998, flipped_tag_bit_is_ebadmsg, INSTANTIATE_TIMEOUT)
{
	unsigned char ct_tag[64 + 16];
	struct aead_op op;

	memcpy(ct_tag, self->ct, 64);
	memcpy(ct_tag + 64, self->tag, 16);
	ct_tag[64 + 15] ^= 0x01;
	op = rfc8998_op(self, variant->name, ct_tag, sizeof(ct_tag), 1);
	EXPECT_EQ(alg_aead(&op, self->out), -EBADMSG);
}

/*
 * Nothing else in these kernels provides SM4, yet check it by name: the
 * instance the API picks (highest priority) is the template over our cipher
 * ("gcm_base(ctr(sm4-sm4ktls-generic),...)") or a dedicated sm4ktls driver.
 */
TEST_F_TIMEOUT(rfc8998, served_by_sm4ktls, INSTANTIATE_TIMEOUT)
{
	char drv[128];

	ASSERT_EQ(alg_instantiate("aead", variant->name), 0);
	ASSERT_GE(proc_crypto_serving(variant->name, drv, sizeof(drv)), 0);
	EXPECT_NE(strstr(drv, "sm4ktls"), NULL) TH_LOG("%s served by %s", variant->name, drv);
	TH_LOG("%s: %s", variant->name, drv);
}

/*
 * The SIMD drivers (under QEMU TCG: AES-NI/AVX2 and AES-NI/AVX, no GFNI)
 * are registered after their self-tests, and gcm(sm4) is served by one of
 * ours. Which one depends on the load-time timing against our C path
 * (gcm-sm4-sm4ktls-generic, 250): under TCG's emulated SIMD the C path
 * wins and the SIMD drivers sit at 200; on real CPUs they keep 400/300.
 */
static void simd_driver_ok(struct __test_metadata *_metadata,
			   const char *driver, const char *nominal)
{
	EXPECT_TRUE(proc_crypto_has("gcm(sm4)", driver, "selftest", "passed"));
	EXPECT_TRUE(proc_crypto_has("gcm(sm4)", driver, "module", "sm4ktls_crypto"));
	EXPECT_TRUE(proc_crypto_has("gcm(sm4)", driver, "priority", nominal) ||
		    proc_crypto_has("gcm(sm4)", driver, "priority", "200"));
}

TEST(gcm_sm4_is_our_simd_driver)
{
	char driver[128] = "";
	int prio;

	ASSERT_EQ(alg_instantiate("aead", "gcm(sm4)"), 0);
	prio = proc_crypto_serving("gcm(sm4)", driver, sizeof(driver));
	EXPECT_GE(prio, 250);
	EXPECT_TRUE(proc_crypto_has("gcm(sm4)", "gcm-sm4-sm4ktls-generic", "priority", "250"));
	EXPECT_NE(strstr(driver, "sm4ktls"), NULL) TH_LOG("best: %s", driver);
	TH_LOG("gcm(sm4) served by %s, priority %d", driver, prio);
	simd_driver_ok(_metadata, "gcm-sm4-sm4ktls-aesni-avx2", "400");
	simd_driver_ok(_metadata, "gcm-sm4-sm4ktls-aesni-avx", "300");
}

TEST_HARNESS_MAIN
