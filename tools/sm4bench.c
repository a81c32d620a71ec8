// SPDX-License-Identifier: GPL-2.0
/*
 * sm4bench: SM4-GCM throughput of every implementation in src/crypto/ this
 * CPU runs (built natively from the module's own sources), side by side
 * with libgcrypt's SM4-GCM, OpenSSL's AES-128-GCM and OpenSSL's SM4-CTR;
 * then SM4-CCM as the kernel's ccm template composes it over our ctr(sm4)
 * drivers (ccm_base(ctr-sm4-sm4ktls-*,cbcmac(sm4)): our CTR, a serial C
 * CBC-MAC), beside libgcrypt's SM4-CCM.
 *
 * Time comes from clock_gettime(CLOCK_MONOTONIC_RAW); cycles from a
 * measured core frequency: a chain of dependent register adds runs at one
 * add per cycle on any x86-64 core, so timing a known number of them gives
 * the real clock (the MHz in /proc/cpuinfo is the nominal one). Sharing
 * the core can only make a sample slower, so the fastest sample is the
 * clock. Each cell is the median of many timed batches. Pin it:
 * taskset -c 1 sm4bench.
 *
 * usage: sm4bench [repeats]
 */
#include <gcrypt.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sm4_ctr.h"
#include "sm4_gcm.h"
#include "sm4ktls_native.h"

#define AAD_LEN 13	/* a TLS 1.3 record header */

static const unsigned int sizes[] = { 64, 1024, 16384 };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * 8 * n dependent register-register adds: 8 * n cycles. (Not adds of an
 * immediate: recent Intel cores fold those at rename, several per cycle.)
 */
static void add_chain(unsigned long n)
{
	unsigned long x = 0, one = 1;

	__asm__ volatile("1:\n\t"
			 "add %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\t"
			 "add %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\t"
			 "dec %1\n\tjnz 1b"
			 : "+r"(x), "+r"(n) : "r"(one));
}

/*
 * The clock moves with the load on the other cores (turbo), so it is
 * measured right before and after each cell: the fastest of a few short
 * samples each time (sharing the core only slows a sample down).
 */
static double core_hz(void)
{
	const unsigned long n = 250000;
	double hz, best = 0;
	int i;

	for (i = 0; i < 20; i++) {
		double t = now();

		add_chain(n);
		hz = 8.0 * n / (now() - t);
		if (hz > best)
			best = hz;
	}
	return best;
}

struct bench {
	const char *name;
	const struct sm4ktls_impl *impl;	/* ours, or NULL */
	int (*run)(struct bench *b, u8 *dst, const u8 *src, unsigned int len,
		   bool enc);
	void *ctx;
};

static struct sm4ktls_gcm_key key;
static u8 iv[12], aad[AAD_LEN], tag[16];

static int run_ours(struct bench *b, u8 *dst, const u8 *src, unsigned int len,
		    bool enc)
{
	struct sm4ktls_gcm_state st;

	sm4ktls_gcm_start(&st, &key, b->impl, iv);
	sm4ktls_gcm_aad(&st, aad, AAD_LEN);
	if (enc)
		sm4ktls_gcm_encrypt(&st, dst, src, len);
	else
		sm4ktls_gcm_decrypt(&st, dst, src, len);
	sm4ktls_gcm_finish(&st, tag);
	return 0;
}

static int run_gcrypt(struct bench *b, u8 *dst, const u8 *src,
		      unsigned int len, bool enc)
{
	gcry_cipher_hd_t h = b->ctx;
	int err = gcry_cipher_setiv(h, iv, 12) || gcry_cipher_authenticate(h, aad, AAD_LEN);

	if (enc)
		err |= gcry_cipher_encrypt(h, dst, len, src, len) ||
		       gcry_cipher_gettag(h, tag, 16);
	else
		err |= gcry_cipher_decrypt(h, dst, len, src, len) ||
		       gcry_cipher_checktag(h, tag, 16) != 0;	/* tag mismatch: ignored */
	return 0;
}

static int run_evp_gcm(struct bench *b, u8 *dst, const u8 *src,
		       unsigned int len, bool enc)
{
	EVP_CIPHER_CTX *c = b->ctx;
	int n, ok;

	ok = EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, enc) &&
	     EVP_CipherUpdate(c, NULL, &n, aad, AAD_LEN) &&
	     EVP_CipherUpdate(c, dst, &n, src, len);
	if (!enc)
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag);
	EVP_CipherFinal_ex(c, dst + n, &n);	/* decrypt: wrong tag, ignored */
	if (enc)
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
	return !ok;
}

static int run_evp_ctr(struct bench *b, u8 *dst, const u8 *src,
		       unsigned int len, bool enc)
{
	EVP_CIPHER_CTX *c = b->ctx;
	int n;

	return !(EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, 1) &&
		 EVP_CipherUpdate(c, dst, &n, src, len));
}

/* CBC-MAC of len bytes (zero-padded) into mac, one C block at a time. */
static void cbcmac(u8 *mac, const u8 *p, unsigned int len)
{
	unsigned int i;

	for (; len; len -= i, p += i) {
		for (i = 0; i < 16 && i < len; i++)
			mac[i] ^= p[i];
		sm4ktls_sm4_crypt_block(key.sm4.rk_enc, mac, mac);
	}
}

/*
 * RFC 3610 with a 12-byte nonce and a 16-byte tag, as crypto/ccm.c runs
 * it: the MAC over B0, the AAD and the plaintext through the cipher, then
 * one ctr(sm4) request over the tag block (counter 0) and the text.
 */
static int run_ccm(struct bench *b, u8 *dst, const u8 *src, unsigned int len,
		   bool enc)
{
	static u8 buf[16 + 16384], ks[SM4KTLS_GCM_MAX_BATCH * 16];
	u8 ctr[16] = { 2 }, mac[16] = { 0x40 | 7 << 3 | 2 }, a[16] = { 0, AAD_LEN };

	memcpy(mac + 1, iv, 12);
	mac[14] = len >> 8;
	mac[15] = len;
	sm4ktls_sm4_crypt_block(key.sm4.rk_enc, mac, mac);
	memcpy(a + 2, aad, AAD_LEN);
	cbcmac(mac, a, 2 + AAD_LEN);
	memcpy(ctr + 1, iv, 12);
	memcpy(buf + 16, src, len);
	if (enc)
		cbcmac(mac, src, len);
	memcpy(buf, mac, 16);
	sm4ktls_ctr_crypt(b->impl, key.sm4.rk_enc, buf, buf, 16 + len, ctr, ks);
	if (!enc)
		cbcmac(mac, buf + 16, len);	/* the tag check is left out */
	memcpy(dst, buf + 16, len);
	memcpy(tag, buf, 16);
	return 0;
}

static int run_gcrypt_ccm(struct bench *b, u8 *dst, const u8 *src,
			  unsigned int len, bool enc)
{
	gcry_cipher_hd_t h = b->ctx;
	u64 params[3] = { len, AAD_LEN, 16 };

	gcry_cipher_setiv(h, iv, 12);
	gcry_cipher_ctl(h, GCRYCTL_SET_CCM_LENGTHS, params, sizeof(params));
	gcry_cipher_authenticate(h, aad, AAD_LEN);
	if (enc)
		gcry_cipher_encrypt(h, dst, len, src, len);
	else
		gcry_cipher_decrypt(h, dst, len, src, len);
	gcry_cipher_gettag(h, tag, 16);
	return 0;
}

/*
 * Seconds per message, median of `repeats` batches of ~256 KiB each, and
 * the clock around them in *hz.
 */
static double measure(struct bench *b, unsigned int len, bool enc, int repeats,
		      double *hz)
{
	unsigned int i, batch = 262144 / len;
	static u8 src[16384], dst[16384];
	double t[101];
	int r;

	for (i = 0; i < batch; i++)	/* warm up */
		b->run(b, dst, src, len, enc);
	*hz = core_hz();
	for (r = 0; r < repeats; r++) {
		double t0 = now();

		for (i = 0; i < batch; i++)
			b->run(b, dst, src, len, enc);
		t[r] = (now() - t0) / batch;
	}
	*hz = (*hz + core_hz()) / 2;
	return median(t, repeats);
}

static int add_ours(struct bench *b)
{
	int i, n = 0;

	for (i = 0; sm4ktls_x86_impls[i]; i++) {
		if (!sm4ktls_native_cpu_has(sm4ktls_x86_impls[i]->needs))
			continue;
		b[n].name = sm4ktls_x86_impls[i]->name + 4;	/* drop "gcm-" */
		b[n].impl = sm4ktls_x86_impls[i];
		b[n++].run = run_ours;
	}
	b[n].name = "sm4-sm4ktls-generic (C)";
	b[n].impl = &sm4ktls_impl_generic;
	b[n++].run = run_ours;
	return n;
}

static int add_others(struct bench *b, const u8 *k)
{
	static const u8 k128[16] = { 1, 2, 3 };
	EVP_CIPHER_CTX *aes = EVP_CIPHER_CTX_new(), *ctr = EVP_CIPHER_CTX_new();
	gcry_cipher_hd_t h;

	if (!gcry_check_version(NULL) ||
	    gcry_cipher_open(&h, GCRY_CIPHER_SM4, GCRY_CIPHER_MODE_GCM, 0) ||
	    gcry_cipher_setkey(h, k, 16) ||
	    !EVP_CipherInit_ex(aes, EVP_aes_128_gcm(), NULL, k128, iv, 1) ||
	    !EVP_CipherInit_ex(ctr, EVP_sm4_ctr(), NULL, k, iv, 1))
		return -1;
	b[0] = (struct bench){ "libgcrypt " GCRYPT_VERSION " SM4-GCM", NULL, run_gcrypt, h };
	b[1] = (struct bench){ "OpenSSL AES-128-GCM", NULL, run_evp_gcm, aes };
	b[2] = (struct bench){ "OpenSSL SM4-CTR (no GHASH)", NULL, run_evp_ctr, ctr };
	return 3;
}

/* CCM over each of our ctr(sm4) implementations, then libgcrypt's. */
static int add_ccm(struct bench *b, const u8 *k)
{
	static char names[8][40];
	int i, n = 0;
	gcry_cipher_hd_t h;

	for (i = 0; sm4ktls_x86_impls[i]; i++) {
		if (!sm4ktls_native_cpu_has(sm4ktls_x86_impls[i]->needs))
			continue;
		/* "ctr-sm4-sm4ktls-aesni-avx2" -> "ccm over aesni-avx2" */
		snprintf(names[n], sizeof(names[n]), "ccm over %s",
			 sm4ktls_x86_impls[i]->ctr_name + 16);
		b[n] = (struct bench){ names[n], sm4ktls_x86_impls[i], run_ccm, NULL };
		n++;
	}
	b[n++] = (struct bench){ "ccm over generic (C)", &sm4ktls_impl_generic, run_ccm, NULL };
	if (gcry_cipher_open(&h, GCRY_CIPHER_SM4, GCRY_CIPHER_MODE_CCM, 0) ||
	    gcry_cipher_setkey(h, k, 16))
		return -1;
	b[n++] = (struct bench){ "libgcrypt " GCRYPT_VERSION " SM4-CCM", NULL, run_gcrypt_ccm, h };
	return n;
}

int main(int argc, char **argv)
{
	int repeats = argc > 1 ? atoi(argv[1]) : 31, n, i, j;
	static const u8 k[16] = { 0x01, 0x23, 0x45, 0x67 };
	struct bench b[24];
	double hz, hz_lo = 1e12, hz_hi = 0;

	if (repeats < 1 || repeats > 101)
		repeats = 31;
	sm4ktls_gcm_setkey(&key, k);
	n = add_ours(b);
	i = add_others(b + n, k);
	if (i < 0) {
		fprintf(stderr, "sm4bench: cannot set up libgcrypt/OpenSSL\n");
		return 1;
	}
	n += i;
	i = add_ccm(b + n, k);
	if (i < 0) {
		fprintf(stderr, "sm4bench: cannot set up libgcrypt SM4-CCM\n");
		return 1;
	}
	n += i;
	printf("median of %d batches, AAD %d B, clock measured around each cell\n",
	       repeats, AAD_LEN);
	printf("%-34s", "cycles/byte | GB/s");
	for (j = 0; j < 3; j++)
		printf(" | %5u B enc   | %5u B dec  ", sizes[j], sizes[j]);
	printf("\n");
	for (i = 0; i < n; i++) {
		printf("%-34s", b[i].name);
		for (j = 0; j < 3; j++) {
			double he, hd, e = measure(&b[i], sizes[j], true, repeats, &he);
			double d = measure(&b[i], sizes[j], false, repeats, &hd);

			printf(" | %6.2f %5.2f | %6.2f %5.2f", e * he / sizes[j],
			       sizes[j] / e / 1e9, d * hd / sizes[j], sizes[j] / d / 1e9);
			hz = fmin(he, hd);
			hz_lo = fmin(hz_lo, hz);
			hz_hi = fmax(hz_hi, fmax(he, hd));
		}
		printf("\n");
		fflush(stdout);
	}
	printf("core clock measured %.2f .. %.2f GHz\n", hz_lo / 1e9, hz_hi / 1e9);
	return 0;
}
