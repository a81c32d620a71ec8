// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace TLS record layer for the data-path tests (see tlsrec.h).
 *
 * Nonces: TLS 1.2 AES/SM4 GCM and CCM use salt || explicit nonce, the
 * explicit part travelling in the record (RFC 5288 3, RFC 6655 3);
 * ChaCha20-Poly1305 (RFC 7905 2) and every TLS 1.3 cipher (RFC 8446 5.3)
 * XOR the 64-bit sequence number into the last 8 bytes of the 12-byte IV.
 * AAD: TLS 1.2 seq || type || version || plaintext length (RFC 5246
 * 6.2.3.3); TLS 1.3 the record header itself (RFC 8446 5.2). TLCP
 * (GB/T 38636-2020 6.3.3.4, its GCM suites) is TLS 1.2 with version 1.1
 * in the header and the AAD.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gcrypt.h>
#include <openssl/evp.h>

#include "tlsrec.h"

#define SUITE(c, n, ci) {						\
	.name = n, .cipher = TLS_CIPHER_##c,				\
	.key_len = TLS_CIPHER_##c##_KEY_SIZE,				\
	.salt_len = TLS_CIPHER_##c##_SALT_SIZE,				\
	.iv_len = TLS_CIPHER_##c##_IV_SIZE,				\
	.info_len = sizeof(struct ci),					\
}

static const struct tlsrec_suite suites[] = {
	SUITE(AES_GCM_128, "aes-gcm-128", tls12_crypto_info_aes_gcm_128),
	SUITE(AES_GCM_256, "aes-gcm-256", tls12_crypto_info_aes_gcm_256),
	SUITE(AES_CCM_128, "aes-ccm-128", tls12_crypto_info_aes_ccm_128),
	SUITE(CHACHA20_POLY1305, "chacha20-poly1305",
	      tls12_crypto_info_chacha20_poly1305),
	SUITE(SM4_GCM, "sm4-gcm", tls12_crypto_info_sm4_gcm),
	SUITE(SM4_CCM, "sm4-ccm", tls12_crypto_info_sm4_ccm),
};

const struct tlsrec_suite *tlsrec_suite_by_cipher(u16 cipher)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suites); i++)
		if (suites[i].cipher == cipher)
			return &suites[i];
	return NULL;
}

int tlsrec_init(void)
{
	if (!gcry_check_version(NULL))
		return -1;
	gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	return 0;
}

void tlsrec_random(void *buf, size_t len)
{
	gcry_create_nonce(buf, len);
}

void tlsrec_key_random(struct tlsrec_key *k, const struct tlsrec_suite *s,
		       u16 version)
{
	memset(k, 0, sizeof(*k));
	k->suite = s;
	k->version = version;
	tlsrec_random(k->key, s->key_len);
	tlsrec_random(k->salt, s->salt_len);
	tlsrec_random(k->iv, s->iv_len);
	tlsrec_random(k->rec_seq, sizeof(k->rec_seq));
	/* A random start, but far from the 2^64 wrap. */
	k->rec_seq[0] &= 0x7f;
	k->iv[0] &= 0x7f;
}

size_t tlsrec_crypto_info(const struct tlsrec_key *k, void *info)
{
	const struct tlsrec_suite *s = k->suite;
	struct tls_crypto_info hdr = {
		.version = k->version, .cipher_type = s->cipher,
	};
	unsigned char *p = info;

	/* Every tls12_crypto_info_* is: info, iv, key, salt, rec_seq. */
	memcpy(p, &hdr, sizeof(hdr));
	p += sizeof(hdr);
	memcpy(p, k->iv, s->iv_len);
	p += s->iv_len;
	memcpy(p, k->key, s->key_len);
	p += s->key_len;
	memcpy(p, k->salt, s->salt_len);
	p += s->salt_len;
	memcpy(p, k->rec_seq, sizeof(k->rec_seq));
	p += sizeof(k->rec_seq);
	return p - (unsigned char *)info;
}

u64 tlsrec_get_be64(const unsigned char *p)
{
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void tlsrec_put_be64(unsigned char *p, u64 v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

void tlsrec_state_init(struct tlsrec_state *st, const struct tlsrec_key *k)
{
	st->k = *k;
	st->seq = tlsrec_get_be64(k->rec_seq);
	/* Like kTLS TX: the uapi iv is the first explicit nonce. */
	st->explicit_nonce = tlsrec_get_be64(k->iv);
}

/* In record headers (and the 1.2 AAD): 3.3 for TLS 1.2 and 1.3, 1.1 for TLCP. */
u16 tlsrec_wire_version(const struct tlsrec_key *k)
{
	return k->version == SM4KTLS_TLCP_1_1_VERSION ? k->version :
							TLS_1_2_VERSION;
}

int tlsrec_has_explicit_nonce(const struct tlsrec_key *k)
{
	return k->version != TLS_1_3_VERSION &&
	       k->suite->cipher != TLS_CIPHER_CHACHA20_POLY1305;
}

size_t tlsrec_overhead(const struct tlsrec_key *k)
{
	size_t n = TLSREC_HDR + TLSREC_TAG;

	if (tlsrec_has_explicit_nonce(k))
		n += 8;
	if (k->version == TLS_1_3_VERSION)
		n += 1;
	return n;
}

static void make_nonce(const struct tlsrec_state *st,
		       const unsigned char *explicit, unsigned char *nonce)
{
	const struct tlsrec_key *k = &st->k;
	unsigned char seq[8];
	int i;

	memcpy(nonce, k->salt, k->suite->salt_len);
	if (tlsrec_has_explicit_nonce(k)) {
		memcpy(nonce + 4, explicit, 8);
		return;
	}
	memcpy(nonce + k->suite->salt_len, k->iv, k->suite->iv_len);
	tlsrec_put_be64(seq, st->seq);
	for (i = 0; i < 8; i++)
		nonce[4 + i] ^= seq[i];
}

static size_t make_aad(const struct tlsrec_state *st, u8 type,
		       size_t len, unsigned char *aad)
{
	unsigned char *p = aad;

	if (st->k.version != TLS_1_3_VERSION) {
		tlsrec_put_be64(p, st->seq);
		p += 8;
		*p++ = type;
	} else {
		*p++ = TLSREC_TYPE_DATA;
		len += TLSREC_TAG;	/* the record header's length */
	}
	*p++ = tlsrec_wire_version(&st->k) >> 8;
	*p++ = tlsrec_wire_version(&st->k) & 0xff;
	*p++ = len >> 8;
	*p++ = len & 0xff;
	return p - aad;
}

long tlsrec_seal(struct tlsrec_state *st, u8 type, const void *pt,
		 size_t len, size_t pad, void *out)
{
	const struct tlsrec_key *k = &st->k;
	unsigned char *o = out, *body, nonce[12], aad[13], explicit[8];
	size_t inner = len, rlen;

	if (k->version == TLS_1_3_VERSION)
		inner += 1 + pad;
	else if (pad)
		return -1;
	body = o + TLSREC_HDR;
	if (tlsrec_has_explicit_nonce(k)) {
		tlsrec_put_be64(explicit, st->explicit_nonce++);
		memcpy(body, explicit, 8);
		body += 8;
	}
	memmove(body, pt, len);
	if (k->version == TLS_1_3_VERSION) {
		body[len] = type;
		memset(body + len + 1, 0, pad);
	}
	rlen = body - o + inner + TLSREC_TAG;
	o[0] = k->version == TLS_1_3_VERSION ? TLSREC_TYPE_DATA : type;
	o[1] = tlsrec_wire_version(k) >> 8;
	o[2] = tlsrec_wire_version(k) & 0xff;
	o[3] = (rlen - TLSREC_HDR) >> 8;
	o[4] = (rlen - TLSREC_HDR) & 0xff;
	make_nonce(st, explicit, nonce);
	if (tlsrec_aead(k->suite, 1, k->key, nonce, aad,
			make_aad(st, type, inner, aad), body, inner, body,
			body + inner))
		return -1;
	st->seq++;
	return rlen;
}

/* TLS 1.3: the real type is the last non-zero byte; returns its index. */
static long strip_padding(const unsigned char *pt, size_t len)
{
	while (len > 0 && pt[len - 1] == 0)
		len--;
	return len ? (long)len - 1 : -EBADMSG;
}

long tlsrec_open(struct tlsrec_state *st, const void *rec, size_t len,
		 u8 *type, void *pt)
{
	const struct tlsrec_key *k = &st->k;
	const unsigned char *r = rec, *body = r + TLSREC_HDR, *explicit = NULL;
	unsigned char nonce[12], aad[13];
	size_t clen;
	long n;

	if (len < TLSREC_HDR || (r[1] << 8 | r[2]) != tlsrec_wire_version(k) ||
	    ((size_t)r[3] << 8 | r[4]) != len - TLSREC_HDR)
		return -EINVAL;
	if (len < tlsrec_overhead(k))
		return -EINVAL;
	if (tlsrec_has_explicit_nonce(k)) {
		explicit = body;
		body += 8;
	}
	clen = len - (body - r) - TLSREC_TAG;
	make_nonce(st, explicit, nonce);
	if (tlsrec_aead(k->suite, 0, k->key, nonce, aad,
			make_aad(st, r[0], clen, aad), body, clen, pt,
			(unsigned char *)body + clen))
		return -EBADMSG;
	st->seq++;
	if (k->version != TLS_1_3_VERSION) {
		*type = r[0];
		return clen;
	}
	n = strip_padding(pt, clen);
	if (n >= 0)
		*type = ((unsigned char *)pt)[n];
	return n;
}

static const EVP_CIPHER *evp_cipher(u16 cipher)
{
	switch (cipher) {
	case TLS_CIPHER_AES_GCM_128:
		return EVP_aes_128_gcm();
	case TLS_CIPHER_AES_GCM_256:
		return EVP_aes_256_gcm();
	case TLS_CIPHER_AES_CCM_128:
		return EVP_aes_128_ccm();
	case TLS_CIPHER_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	}
	return NULL;
}

/* OpenSSL EVP; CCM wants the tag before the key and the length first. */
static int aead_openssl(const struct tlsrec_suite *s, int enc,
			const unsigned char *key, const unsigned char *nonce,
			const void *aad, size_t aad_len, const void *in,
			size_t len, void *out, unsigned char *tag)
{
	int ccm = s->cipher == TLS_CIPHER_AES_CCM_128, ok, n;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	unsigned char dummy[1];

	ok = c && EVP_CipherInit_ex(c, evp_cipher(s->cipher), NULL, NULL,
				    NULL, enc) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL);
	if (ok && (ccm || !enc))
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TLSREC_TAG,
					 enc ? NULL : tag);
	ok = ok && EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc);
	if (ok && ccm)
		ok = EVP_CipherUpdate(c, NULL, &n, NULL, len);
	ok = ok && EVP_CipherUpdate(c, NULL, &n, aad, aad_len);
	/* CCM checks the tag in its one payload update, even an empty one. */
	if (ok && (len || ccm))
		ok = EVP_CipherUpdate(c, len ? out : dummy, &n,
				      len ? in : dummy, len) > 0;
	if (ok && !ccm)
		ok = EVP_CipherFinal_ex(c, dummy, &n) > 0;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TLSREC_TAG,
					 tag);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -EBADMSG;
}

/* libgcrypt for SM4 (OpenSSL 3.0 has no SM4-GCM/CCM). */
static int aead_gcrypt(const struct tlsrec_suite *s, int enc,
		       const unsigned char *key, const unsigned char *nonce,
		       const void *aad, size_t aad_len, const void *in,
		       size_t len, void *out, unsigned char *tag)
{
	int mode = s->cipher == TLS_CIPHER_SM4_CCM ? GCRY_CIPHER_MODE_CCM :
						     GCRY_CIPHER_MODE_GCM;
	u64 lens[3] = { len, aad_len, TLSREC_TAG };
	gcry_cipher_hd_t h;
	gcry_error_t e;

	if (gcry_cipher_open(&h, GCRY_CIPHER_SM4, mode, 0))
		return -EINVAL;
	e = gcry_cipher_setkey(h, key, s->key_len);
	if (!e)
		e = gcry_cipher_setiv(h, nonce, 12);
	if (!e && mode == GCRY_CIPHER_MODE_CCM)
		e = gcry_cipher_ctl(h, GCRYCTL_SET_CCM_LENGTHS, lens,
				    sizeof(lens));
	if (!e)
		e = gcry_cipher_authenticate(h, aad, aad_len);
	if (!e && enc)
		e = gcry_cipher_encrypt(h, out, len, in, len);
	else if (!e)
		e = gcry_cipher_decrypt(h, out, len, in, len);
	if (!e && enc)
		e = gcry_cipher_gettag(h, tag, TLSREC_TAG);
	else if (!e)
		e = gcry_cipher_checktag(h, tag, TLSREC_TAG);
	gcry_cipher_close(h);
	return e ? -EBADMSG : 0;
}

int tlsrec_aead(const struct tlsrec_suite *s, int enc, const unsigned char *key,
		const unsigned char *nonce, const void *aad, size_t aad_len,
		const void *in, size_t len, void *out, unsigned char *tag)
{
	if (s->cipher == TLS_CIPHER_SM4_GCM || s->cipher == TLS_CIPHER_SM4_CCM)
		return aead_gcrypt(s, enc, key, nonce, aad, aad_len, in, len,
				   out, tag);
	return aead_openssl(s, enc, key, nonce, aad, aad_len, in, len, out,
			    tag);
}

static int read_full(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

long tlsrec_read_record(int fd, void *buf, size_t cap)
{
	unsigned char *p = buf;
	size_t len;

	if (cap < TLSREC_HDR || read_full(fd, p, TLSREC_HDR))
		return -1;
	len = (size_t)p[3] << 8 | p[4];
	if (len > cap - TLSREC_HDR || read_full(fd, p + TLSREC_HDR, len))
		return -1;
	return TLSREC_HDR + len;
}

int tlsrec_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}
