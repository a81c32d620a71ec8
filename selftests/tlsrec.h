/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small userspace TLS record layer, independent of the kernel: it seals
 * and opens TLS 1.2/1.3 records the way RFC 5288 (GCM), RFC 6655 (CCM),
 * RFC 7905 (ChaCha20-Poly1305), RFC 8446 (TLS 1.3), RFC 8998 (SM4) and
 * GB/T 38636-2020 6.3.3 (TLCP: TLS 1.2's AEAD records, version 1.1)
 * specify, with the key material laid out as in <linux/tls.h>.
 * The AEADs come from OpenSSL libcrypto (AES, ChaCha20) and libgcrypt
 * (SM4), never from the kernel.
 */
#ifndef SM4KTLS_TLSREC_H
#define SM4KTLS_TLSREC_H

#include <stddef.h>
#include <linux/tls.h>
#include <linux/types.h>
#include <sm4ktls/tls.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define TLSREC_HDR		5
#define TLSREC_TAG		16
#define TLSREC_MAX_PLAIN	16384
#define TLSREC_MAX_INFO		64	/* largest struct tls12_crypto_info_* */
/* header + explicit nonce + max plaintext + inner type + tag */
#define TLSREC_MAX_RECORD	(TLSREC_HDR + 8 + TLSREC_MAX_PLAIN + 256 + TLSREC_TAG)

#define TLSREC_TYPE_ALERT	21
#define TLSREC_TYPE_HANDSHAKE	22
#define TLSREC_TYPE_DATA	23

struct tlsrec_suite {
	const char *name;
	u16 cipher;	/* TLS_CIPHER_* */
	unsigned int key_len;
	unsigned int salt_len;
	unsigned int iv_len;	/* the uapi "iv" field: 8, or 12 for ChaCha */
	unsigned int info_len;	/* sizeof(struct tls12_crypto_info_*) */
};

/* One direction's keys, as handed to setsockopt(SOL_TLS, TLS_TX/TLS_RX). */
struct tlsrec_key {
	const struct tlsrec_suite *suite;
	u16 version;	/* TLS_1_{2,3}_VERSION or SM4KTLS_TLCP_1_1_VERSION */
	unsigned char key[32];
	unsigned char salt[4];
	unsigned char iv[12];
	unsigned char rec_seq[8];
};

/* The userspace end of one direction: keys and the running counters. */
struct tlsrec_state {
	struct tlsrec_key k;
	u64 seq;		/* record sequence number of the next record */
	u64 explicit_nonce; /* TLS 1.2 AES/SM4: sent with the next record */
};

const struct tlsrec_suite *tlsrec_suite_by_cipher(u16 cipher);
int tlsrec_init(void);

void tlsrec_random(void *buf, size_t len);
void tlsrec_key_random(struct tlsrec_key *k, const struct tlsrec_suite *s,
		       u16 version);
/* Lay out k as the uapi struct; returns its length. */
size_t tlsrec_crypto_info(const struct tlsrec_key *k, void *info);
void tlsrec_state_init(struct tlsrec_state *st, const struct tlsrec_key *k);
/* The uapi's rec_seq and 1.2 iv are big-endian counters. */
u64 tlsrec_get_be64(const unsigned char *p);
void tlsrec_put_be64(unsigned char *p, u64 v);

u16 tlsrec_wire_version(const struct tlsrec_key *k);
int tlsrec_has_explicit_nonce(const struct tlsrec_key *k);
/* Bytes a record adds to its plaintext (without TLS 1.3 padding). */
size_t tlsrec_overhead(const struct tlsrec_key *k);

/*
 * Seal one record of type with len bytes of plaintext (+ pad zero bytes
 * of TLS 1.3 padding) into out; returns the record length, -1 on error.
 */
long tlsrec_seal(struct tlsrec_state *st, u8 type, const void *pt,
		 size_t len, size_t pad, void *out);
/*
 * Open one whole record; on success returns the plaintext length and the
 * real content type, and advances the sequence number. Returns -EBADMSG
 * on an authentication failure, -EINVAL on a malformed record.
 */
long tlsrec_open(struct tlsrec_state *st, const void *rec, size_t len,
		 u8 *type, void *pt);

/* Raw AEAD with a 12-byte nonce and 16-byte tag: 0 or -EBADMSG. */
int tlsrec_aead(const struct tlsrec_suite *s, int enc, const unsigned char *key,
		const unsigned char *nonce, const void *aad, size_t aad_len,
		const void *in, size_t len, void *out, unsigned char *tag);

/* Read exactly one record from a plain TCP socket; returns its length. */
long tlsrec_read_record(int fd, void *buf, size_t cap);
/* write() all of buf; returns 0 or -1. */
int tlsrec_write_all(int fd, const void *buf, size_t len);

#endif
