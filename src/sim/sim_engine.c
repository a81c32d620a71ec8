// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls_sim: the device's TLS record engine (GCM records, RFC 5288 for
 * TLS 1.2, RFC 8446 for TLS 1.3; SM4-GCM per RFC 8998), keyed from the
 * crypto_info handed to add(). It owns its AEAD, as a NIC owns its key
 * slots, so what the stack handed the device is checked on the wire.
 */
#include <linux/slab.h>
#include <net/tls.h>

#include "sim.h"

static const char *sim_alg(u16 cipher, bool ctr)
{
	switch (cipher) {
	case TLS_CIPHER_AES_GCM_128:
	case TLS_CIPHER_AES_GCM_256:
		return ctr ? "ctr(aes)" : "gcm(aes)";
	case TLS_CIPHER_SM4_GCM:
		return ctr ? "ctr(sm4)" : "gcm(sm4)";
	}
	return NULL;
}

static int sim_keys(struct sim_conn *sc, u16 cipher, const u8 *key,
		    unsigned int klen, bool rx)
{
	int err;

	sc->aead = crypto_alloc_aead(sim_alg(cipher, false), 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(sc->aead))
		return PTR_ERR(sc->aead);
	err = crypto_aead_setkey(sc->aead, key, klen);
	if (!err)
		err = crypto_aead_setauthsize(sc->aead, SIM_TAG);
	if (err || !rx)
		return err;
	/* RX decrypts pieces of records as they pass: plain CTR. */
	sc->ctr = crypto_alloc_skcipher(sim_alg(cipher, true), 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(sc->ctr)) {
		err = PTR_ERR(sc->ctr);
		sc->ctr = NULL;
		return err;
	}
	return crypto_skcipher_setkey(sc->ctr, key, klen);
}

static u64 sim_be64(const u8 *p)
{
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The GCM crypto_info structs share a layout: iv, key, salt, rec_seq. */
int sim_conn_key(struct sim_conn *sc, const struct tls_crypto_info *info,
		 bool rx)
{
	const struct tls12_crypto_info_aes_gcm_256 *g256 = (const void *)info;
	const struct tls12_crypto_info_aes_gcm_128 *g = (const void *)info;
	bool big = info->cipher_type == TLS_CIPHER_AES_GCM_256;
	int err;

	if (!sim_alg(info->cipher_type, false))
		return -EOPNOTSUPP;
	sc->tls13 = info->version == TLS_1_3_VERSION;
	sc->wire_version = sm4ktls_record_version(info->version);
	memcpy(sc->iv, big ? g256->salt : g->salt, SIM_SALT);
	memcpy(sc->iv + SIM_SALT, big ? g256->iv : g->iv, 8);
	sc->first_seq = sim_be64(big ? g256->rec_seq : g->rec_seq);
	err = sim_keys(sc, info->cipher_type, big ? g256->key : g->key,
		       big ? 32 : 16, rx);
	if (err)
		sim_conn_free(sc);
	return err;
}

void sim_conn_free(struct sim_conn *sc)
{
	if (!IS_ERR_OR_NULL(sc->aead))
		crypto_free_aead(sc->aead);
	if (sc->ctr)
		crypto_free_skcipher(sc->ctr);
	sc->aead = NULL;
	sc->ctr = NULL;
}

struct sim_work *sim_work_alloc(const struct sim_conn *sc)
{
	unsigned int req = crypto_aead_reqsize(sc->aead);

	if (sc->ctr)
		req = max(req, crypto_skcipher_reqsize(sc->ctr));
	return kmalloc(sizeof(struct sim_work) + req, GFP_ATOMIC);
}

/* Nonce (and AAD) of a record of @len bytes whose header is in w->rec. */
static void sim_nonce_aad(struct sim_conn *sc, struct sim_work *w, u32 len,
			  u64 rec_seq)
{
	u16 text = len - sim_prepend(sc) - SIM_TAG;
	int i;

	memcpy(w->nonce, sc->iv, sizeof(w->nonce));
	if (sc->tls13) {
		for (i = 0; i < 8; i++)
			w->nonce[4 + i] ^= rec_seq >> (56 - 8 * i);
		memcpy(w->aad, w->rec, SIM_HDR);
		return;
	}
	memcpy(w->nonce + SIM_SALT, w->rec + SIM_HDR, 8);	/* explicit */
	for (i = 0; i < 8; i++)
		w->aad[i] = rec_seq >> (56 - 8 * i);
	memcpy(w->aad + 8, w->rec, 3);
	w->aad[11] = text >> 8;
	w->aad[12] = text & 0xff;
}

/* Seal or open the record of @len bytes in w->rec, in place. */
static int sim_crypt(struct sim_conn *sc, struct sim_work *w, u32 len,
		     u64 rec_seq, bool enc)
{
	unsigned int pre = sim_prepend(sc), alen = sc->tls13 ? SIM_HDR : 13;
	unsigned int text = len - pre - SIM_TAG;

	sim_nonce_aad(sc, w, len, rec_seq);
	sg_init_table(w->sg, 2);
	sg_set_buf(&w->sg[0], w->aad, alen);
	sg_set_buf(&w->sg[1], w->rec + pre, text + SIM_TAG);
	aead_request_set_tfm(&w->req, sc->aead);
	aead_request_set_callback(&w->req, 0, NULL, NULL);
	aead_request_set_crypt(&w->req, w->sg, w->sg, enc ? text : text + SIM_TAG,
			       w->nonce);
	aead_request_set_ad(&w->req, alen);
	return enc ? crypto_aead_encrypt(&w->req) : crypto_aead_decrypt(&w->req);
}

int sim_seal(struct sim_conn *sc, struct sim_work *w, u32 len, u64 rec_seq)
{
	return sim_crypt(sc, w, len, rec_seq, true);
}

int sim_open(struct sim_conn *sc, struct sim_work *w, u32 len, u64 rec_seq)
{
	return sim_crypt(sc, w, len, rec_seq, false);
}

/*
 * XOR @n bytes at @buf with the GCM keystream from payload byte @off of
 * the record whose header (and explicit nonce) is in w->rec: counter
 * block inc32(J0) covers payload bytes 0..15 (NIST SP 800-38D 7.1).
 */
int sim_ctr(struct sim_conn *sc, struct sim_work *w, u64 rec_seq, u32 off,
	    u8 *buf, u32 n)
{
	u32 pad = off % 16, block = 2 + off / 16;
	struct scatterlist sg;
	int err;

	sim_nonce_aad(sc, w, SIM_HDR + 8 + SIM_TAG, rec_seq);
	memcpy(w->ctr_iv, w->nonce, 12);
	w->ctr_iv[12] = block >> 24;
	w->ctr_iv[13] = block >> 16;
	w->ctr_iv[14] = block >> 8;
	w->ctr_iv[15] = block;
	memset(w->ks, 0, pad);
	memcpy(w->ks + pad, buf, n);
	sg_init_one(&sg, w->ks, pad + n);
	skcipher_request_set_tfm(&w->sreq, sc->ctr);
	skcipher_request_set_callback(&w->sreq, 0, NULL, NULL);
	skcipher_request_set_crypt(&w->sreq, &sg, &sg, pad + n, w->ctr_iv);
	err = crypto_skcipher_encrypt(&w->sreq);
	if (!err)
		memcpy(buf, w->ks + pad, n);
	return err;
}
