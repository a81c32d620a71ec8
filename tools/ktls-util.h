/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kTLS tools share: the ciphers they offer, crypto_info for them,
 * attaching a ULP (checked), and dying with a message.
 */
#ifndef KTLS_UTIL_H
#define KTLS_UTIL_H

#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Most runs a tool repeats a measurement. */
#define MAX_RUNS	101

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median of n <= MAX_RUNS values, 0 of none. Not inlined: GCC then sees
 * a copy of an n it cannot bound and warns of uninitialized use.
 */
static __attribute__((noinline, unused)) double median(const double *v, int n)
{
	double s[MAX_RUNS];

	if (!n)
		return 0;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Comma-separated items of s (modified) into out[max]; how many. */
static inline int split(char *s, const char **out, int max)
{
	int n = 0;
	char *t;

	for (t = strtok(s, ","); t && n < max; t = strtok(NULL, ","))
		out[n++] = t;
	return n;
}

/* The tools define _GNU_SOURCE: program_invocation_short_name. */
static inline void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (errno)
		fprintf(stderr, ": %s", strerror(errno));
	fprintf(stderr, "\n");
	exit(1);
}

struct cipher {
	const char *name;
	__u16 version;
	__u16 type;
	unsigned int key_len, iv_len, salt_len;
};

static const struct cipher ciphers[] = {
	{ "aes128gcm-1.3", TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, 16, 8, 4 },
	{ "aes128gcm-1.2", TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128, 16, 8, 4 },
	{ "aes256gcm-1.3", TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_256, 32, 8, 4 },
	{ "sm4gcm-1.3", TLS_1_3_VERSION, TLS_CIPHER_SM4_GCM, 16, 8, 4 },
	{ "sm4gcm-1.2", TLS_1_2_VERSION, TLS_CIPHER_SM4_GCM, 16, 8, 4 },
	{ "chacha-1.3", TLS_1_3_VERSION, TLS_CIPHER_CHACHA20_POLY1305, 32, 12, 0 },
	{ "chacha-1.2", TLS_1_2_VERSION, TLS_CIPHER_CHACHA20_POLY1305, 32, 12, 0 },
};

/* Every tls12_crypto_info_* is: info, iv, key, salt, rec_seq. */
struct crypto_blob {
	unsigned char buf[sizeof(struct tls_crypto_info) + 12 + 32 + 4 + 8];
	socklen_t len;
};

static inline const struct cipher *cipher_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ciphers); i++)
		if (!strcmp(name, ciphers[i].name))
			return &ciphers[i];
	return NULL;
}

static inline bool is_plain(const char *ulp)
{
	return !strcmp(ulp, "none");
}

static inline void crypto_blob(const struct cipher *c, struct crypto_blob *b)
{
	struct tls_crypto_info *info = (void *)b->buf;
	unsigned char *p = b->buf + sizeof(*info);
	unsigned int i;

	memset(b, 0, sizeof(*b));
	info->version = c->version;
	info->cipher_type = c->type;
	for (i = 0; i < c->iv_len; i++)
		*p++ = 0xa0 + i;
	for (i = 0; i < c->key_len; i++)
		*p++ = 0x11 * (i + 1);
	for (i = 0; i < c->salt_len; i++)
		*p++ = 0x5a ^ i;
	p += 8;			/* rec_seq 0 */
	b->len = p - b->buf;
}

static inline void attach(int fd, const char *ulp)
{
	char name[32] = {};
	socklen_t len = sizeof(name);

	if (setsockopt(fd, SOL_TCP, TCP_ULP, ulp, strlen(ulp)))
		die("setsockopt(TCP_ULP, \"%s\")", ulp);
	if (getsockopt(fd, SOL_TCP, TCP_ULP, name, &len))
		die("getsockopt(TCP_ULP)");
	if (strcmp(name, ulp)) {
		errno = 0;
		die("getsockopt(TCP_ULP) says \"%s\", not \"%s\"", name, ulp);
	}
}

#endif /* KTLS_UTIL_H */
