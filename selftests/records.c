// SPDX-License-Identifier: GPL-2.0
/*
 * TLS records between a kTLS socket and an independent userspace record
 * layer (tlsrec.c: OpenSSL for AES and ChaCha20, libgcrypt for SM4),
 * compared byte for byte, in both directions, for every cipher and both
 * TLS versions; then malformed records and the errors upstream reports.
 *
 * One end of a loopback TCP pair (kfd) runs kTLS with TX and RX keys; the
 * other (ufd) stays plain TCP and speaks records through tlsrec.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <linux/sock_diag.h>

#include "kselftest_harness.h"
#include "helpers.h"

#define NREC_DEFAULT	192

struct st_rec_pair {
	int kfd, ufd;
	struct tlsrec_key txk, rxk;	/* the kernel's TX and RX keys */
	struct tlsrec_state expect;	/* predicts the kernel's TX records */
	struct tlsrec_state open;	/* opens the kernel's TX records */
	struct tlsrec_state seal;	/* seals records for the kernel's RX */
	unsigned char *pt, *pt2, *rec;
};

/* The SM4 ciphers must come from the project's provider module. */
static int is_sm4(u16 cipher)
{
	return cipher == TLS_CIPHER_SM4_GCM || cipher == TLS_CIPHER_SM4_CCM;
}

/* Both keys start at record @seq (random if ~0). */
static void pair_setup_seq(struct __test_metadata *_metadata,
			   struct st_rec_pair *p, u16 cipher, u16 version,
			   u64 seq)
{
	const struct tlsrec_suite *s = tlsrec_suite_by_cipher(cipher);
	struct timeval tv = { .tv_sec = 10 };
	int cref = st_module_refcnt("sm4ktls_crypto");

	p->kfd = p->ufd = -1;
	p->pt = p->pt2 = p->rec = NULL;
	/* sockopt.c opt.tlcp_keys checks that tls.ko refuses it. */
	if (version == SM4KTLS_TLCP_1_1_VERSION && st_stock())
		SKIP(return, "the in-tree tls.ko has no TLCP");
	ASSERT_NE(s, NULL);
	ASSERT_EQ(tlsrec_init(), 0);
	p->pt = malloc(TLSREC_MAX_RECORD * 4);
	p->pt2 = malloc(TLSREC_MAX_RECORD * 4);
	p->rec = malloc(TLSREC_MAX_RECORD * 4);
	ASSERT_TRUE(p->pt && p->pt2 && p->rec);
	ASSERT_EQ(st_tcp_pair(AF_INET, &p->kfd, &p->ufd), 0);
	ASSERT_EQ(setsockopt(p->kfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ASSERT_EQ(setsockopt(p->ufd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ASSERT_EQ(st_attach_served(p->kfd), 0);

	tlsrec_key_random(&p->txk, s, version);
	tlsrec_key_random(&p->rxk, s, version);
	if (seq != ~0ULL) {
		tlsrec_put_be64(p->txk.rec_seq, seq);
		tlsrec_put_be64(p->rxk.rec_seq, seq);
	}
	ASSERT_EQ(st_set_key(p->kfd, TLS_TX, &p->txk), 0);
	ASSERT_EQ(st_set_key(p->kfd, TLS_RX, &p->rxk), 0);
	tlsrec_state_init(&p->expect, &p->txk);
	tlsrec_state_init(&p->open, &p->txk);
	tlsrec_state_init(&p->seal, &p->rxk);
	/* The kernel takes RX explicit nonces from the wire: use others. */
	tlsrec_random(&p->seal.explicit_nonce, sizeof(p->seal.explicit_nonce));
	if (is_sm4(cipher)) {
		ASSERT_GE(cref, 0) TH_LOG("sm4ktls_crypto is not loaded");
		ASSERT_GT(st_module_refcnt("sm4ktls_crypto"), cref)
			TH_LOG("gcm/ccm(sm4) does not use sm4ktls_crypto");
	}
}

static void pair_setup(struct __test_metadata *_metadata, struct st_rec_pair *p,
		       u16 cipher, u16 version)
{
	pair_setup_seq(_metadata, p, cipher, version, ~0ULL);
}

static void pair_teardown(struct st_rec_pair *p)
{
	close(p->kfd);
	close(p->ufd);
	free(p->pt);
	free(p->pt2);
	free(p->rec);
}

/*
 * Read the next record the kernel sent, compare it byte for byte with
 * the record tlsrec builds from the same plaintext, open it, and check
 * type and plaintext. 0 on success.
 */
static int check_tx_record(struct __test_metadata *_metadata,
			   struct st_rec_pair *p, u8 type, const void *pt,
			   size_t len)
{
	unsigned char *want = p->rec + TLSREC_MAX_RECORD;
	unsigned char *got = p->rec + 2 * TLSREC_MAX_RECORD;
	long wlen, glen, n;
	u8 gtype = 0;

	wlen = tlsrec_seal(&p->expect, type, pt, len, 0, want);
	glen = tlsrec_read_record(p->ufd, got, TLSREC_MAX_RECORD);
	EXPECT_EQ(glen, wlen) TH_LOG("record of %zu bytes, type %u", len, type);
	if (glen != wlen)
		return -1;
	EXPECT_EQ(memcmp(got, want, wlen), 0)
		TH_LOG("record of %zu bytes differs from tlsrec's", len);
	n = tlsrec_open(&p->open, got, glen, &gtype, p->pt2);
	EXPECT_EQ(n, (long)len);
	EXPECT_EQ(gtype, type);
	if (n != (long)len)
		return -1;
	EXPECT_EQ(memcmp(p->pt2, pt, len), 0);
	return __test_passed(_metadata) ? 0 : -1;
}

/* Seal one record for the kernel's RX and write it to the wire. */
static long send_rec(struct st_rec_pair *p, u8 type, const void *pt,
		     size_t len, size_t pad)
{
	long n = tlsrec_seal(&p->seal, type, pt, len, pad, p->rec);

	if (n < 0 || tlsrec_write_all(p->ufd, p->rec, n))
		return -1;
	return n;
}

/* recv exactly len bytes of type from the kernel and compare with pt. */
static void check_rx(struct __test_metadata *_metadata, struct st_rec_pair *p,
		     u8 type, const void *pt, size_t len)
{
	int got_type;
	ssize_t n;

	n = st_recv_type(p->kfd, p->pt2, len, MSG_WAITALL, &got_type);
	ASSERT_EQ(n, (ssize_t)len) TH_LOG("recv: %s", n < 0 ? strerror(errno) : "short");
	EXPECT_EQ(got_type, type);
	EXPECT_EQ(memcmp(p->pt2, pt, len), 0);
}

static size_t random_len(size_t max)
{
	u32 r;

	tlsrec_random(&r, sizeof(r));
	return 1 + r % max;
}

FIXTURE(rec)
{
	struct st_rec_pair p;
};

FIXTURE_VARIANT(rec)
{
	u16 cipher;
	u16 version;
};

#define REC_VARIANT(fix, name, c, v)					\
	FIXTURE_VARIANT_ADD(fix, name) {				\
		.cipher = TLS_CIPHER_##c, .version = TLS_##v##_VERSION,	\
	}

REC_VARIANT(rec, 12_aes_gcm_128, AES_GCM_128, 1_2);
REC_VARIANT(rec, 13_aes_gcm_128, AES_GCM_128, 1_3);
REC_VARIANT(rec, 12_aes_gcm_256, AES_GCM_256, 1_2);
REC_VARIANT(rec, 13_aes_gcm_256, AES_GCM_256, 1_3);
REC_VARIANT(rec, 12_aes_ccm_128, AES_CCM_128, 1_2);
REC_VARIANT(rec, 13_aes_ccm_128, AES_CCM_128, 1_3);
REC_VARIANT(rec, 12_chacha20_poly1305, CHACHA20_POLY1305, 1_2);
REC_VARIANT(rec, 13_chacha20_poly1305, CHACHA20_POLY1305, 1_3);
/* Upstream validate_crypto_info() accepts SM4 with TLS 1.2 as well. */
REC_VARIANT(rec, 12_sm4_gcm, SM4_GCM, 1_2);
REC_VARIANT(rec, 13_sm4_gcm, SM4_GCM, 1_3);
REC_VARIANT(rec, 12_sm4_ccm, SM4_CCM, 1_2);
REC_VARIANT(rec, 13_sm4_ccm, SM4_CCM, 1_3);
/* TLCP (GB/T 38636), sm4ktls only: <sm4ktls/tls.h>. */
FIXTURE_VARIANT_ADD(rec, tlcp_sm4_gcm) {
	.cipher = TLS_CIPHER_SM4_GCM, .version = SM4KTLS_TLCP_1_1_VERSION,
};

FIXTURE_SETUP(rec)
{
	pair_setup(_metadata, &self->p, variant->cipher, variant->version);
}

FIXTURE_TEARDOWN(rec)
{
	pair_teardown(&self->p);
}

/* Kernel TX: one send() per record, random sizes, 16384 and 1 included. */
TEST_F_TIMEOUT(rec, tx_records, 300)
{
	int i, nrec = st_env_num("SM4KTLS_RECORDS", NREC_DEFAULT);
	size_t len;

	for (i = 0; i < nrec; i++) {
		len = i == 0 ? TLSREC_MAX_PLAIN : i == 1 ? 1 :
		      random_len(TLSREC_MAX_PLAIN);
		tlsrec_random(self->p.pt, len);
		ASSERT_EQ(send(self->p.kfd, self->p.pt, len, 0), (ssize_t)len);
		ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_DATA,
					  self->p.pt, len), 0)
			TH_LOG("record %d", i);
	}
}

/* One large send() is cut into full 2^14 records and a remainder. */
TEST_F(rec, tx_split)
{
	size_t len = 2 * TLSREC_MAX_PLAIN + 1000;

	tlsrec_random(self->p.pt, len);
	ASSERT_EQ(send(self->p.kfd, self->p.pt, len, 0), (ssize_t)len);
	ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_DATA,
				  self->p.pt, TLSREC_MAX_PLAIN), 0);
	ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_DATA,
				  self->p.pt + TLSREC_MAX_PLAIN,
				  TLSREC_MAX_PLAIN), 0);
	ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_DATA,
				  self->p.pt + 2 * TLSREC_MAX_PLAIN, 1000), 0);
}

/*
 * Records built from small MSG_MORE sends while a plain TCP socket of
 * the same thread writes between them. Its data takes the same page frag
 * as the records' memory, so a record's pieces stop being contiguous
 * and, past a few, whole pages back the rest. Both streams arrive intact.
 */
TEST_F_TIMEOUT(rec, tx_frag_shared, 300)
{
	int i, a, b, nrec = st_env_num("SM4KTLS_RECORDS", NREC_DEFAULT) / 8 + 2;
	unsigned char *other = self->p.pt2 + TLSREC_MAX_RECORD;
	size_t len, done, chunk, n;

	ASSERT_EQ(st_tcp_pair(AF_INET, &a, &b), 0);
	for (i = 0; i < nrec; i++) {
		len = i == 0 ? TLSREC_MAX_PLAIN : random_len(TLSREC_MAX_PLAIN);
		tlsrec_random(self->p.pt, len);
		for (done = 0; done < len; done += chunk) {
			chunk = random_len(i & 1 ? 64 : 2048);
			if (chunk > len - done)
				chunk = len - done;
			ASSERT_EQ(send(self->p.kfd, self->p.pt + done, chunk,
				       done + chunk < len ? MSG_MORE : 0),
				  (ssize_t)chunk);
			n = random_len(256);
			tlsrec_random(other, n);
			ASSERT_EQ(send(a, other, n, 0), (ssize_t)n);
			ASSERT_EQ(recv(b, other + n, n, MSG_WAITALL), (ssize_t)n);
			ASSERT_EQ(memcmp(other, other + n, n), 0);
		}
		ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_DATA,
					  self->p.pt, len), 0)
			TH_LOG("record %d", i);
	}
	close(a);
	close(b);
}

/* TLS_SET_RECORD_TYPE: alert and handshake records between data. */
TEST_F(rec, tx_control)
{
	unsigned char alert[2] = { 1, 0 }, hs[300];

	tlsrec_random(hs, sizeof(hs));
	ASSERT_EQ(send(self->p.kfd, "data", 4, 0), 4);
	ASSERT_EQ(st_send_type(self->p.kfd, TLSREC_TYPE_HANDSHAKE, hs,
			       sizeof(hs), 0), sizeof(hs));
	ASSERT_EQ(st_send_type(self->p.kfd, TLSREC_TYPE_ALERT, alert,
			       sizeof(alert), 0), sizeof(alert));
	ASSERT_EQ(st_send_type(self->p.kfd, TLSREC_TYPE_DATA, "more", 4, 0), 4);
	ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_DATA,
				  "data", 4), 0);
	ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_HANDSHAKE,
				  hs, sizeof(hs)), 0);
	ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_ALERT,
				  alert, sizeof(alert)), 0);
	ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_DATA,
				  "more", 4), 0);
}

/* A zero-length send() puts no record on the wire. */
TEST_F(rec, tx_zero_length)
{
	ASSERT_EQ(send(self->p.kfd, "", 0, 0), 0);
	ASSERT_EQ(send(self->p.kfd, "after", 5, 0), 5);
	ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_DATA,
				  "after", 5), 0);
}

/* getsockopt(TLS_TX/RX) reports the advancing rec_seq (and TLS 1.2 iv). */
TEST_F(rec, getsockopt_seq)
{
	unsigned char info[TLSREC_MAX_INFO], *iv, *seq;
	const struct tlsrec_suite *s = self->p.txk.suite;
	socklen_t len = s->info_len;
	int i, n = 37;
	u64 want_iv;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(send(self->p.kfd, "x", 1, 0), 1);
		ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_DATA,
					  "x", 1), 0);
		ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "y", 1, 0), 0);
		check_rx(_metadata, &self->p, TLSREC_TYPE_DATA, "y", 1);
	}
	ASSERT_EQ(getsockopt(self->p.kfd, SOL_TLS, TLS_TX, info, &len), 0);
	ASSERT_EQ(len, s->info_len);
	iv = info + sizeof(struct tls_crypto_info);
	seq = iv + s->iv_len + s->key_len + s->salt_len;
	EXPECT_EQ(tlsrec_get_be64(seq), tlsrec_get_be64(self->p.txk.rec_seq) + n);
	/* TLS 1.2 AES/SM4 TX: the uapi iv is the next explicit nonce. */
	want_iv = tlsrec_get_be64(self->p.txk.iv);
	if (tlsrec_has_explicit_nonce(&self->p.txk))
		want_iv += n;
	EXPECT_EQ(tlsrec_get_be64(iv), want_iv);
	EXPECT_EQ(memcmp(iv + 8, self->p.txk.iv + 8, s->iv_len - 8), 0);
	EXPECT_EQ(memcmp(iv + s->iv_len, self->p.txk.key, s->key_len), 0);
	ASSERT_EQ(getsockopt(self->p.kfd, SOL_TLS, TLS_RX, info, &len), 0);
	EXPECT_EQ(tlsrec_get_be64(seq), tlsrec_get_be64(self->p.rxk.rec_seq) + n);
}

/*
 * The record sequence number must not wrap (RFC 8446 5.3): it would bring
 * record 0's nonce back under the same key. Keys installed at 2^64 - 2
 * carry two records; the third send fails with EBADMSG (or the one after
 * it, if it counted its byte as taken) and puts nothing on the wire, and reading the record the peer sealed with the wrapped
 * number 0 fails with EBADMSG too. The in-tree tls.ko WARNs there.
 */
static void wrap_setup(struct __test_metadata *_metadata,
		       FIXTURE_DATA(rec) *self,
		       const FIXTURE_VARIANT(rec) *variant)
{
	pair_teardown(&self->p);
	pair_setup_seq(_metadata, &self->p, variant->cipher, variant->version,
		       ~0ULL - 1);
}

TEST_F(rec, seq_wrap_tx)
{
	char buf[16];
	ssize_t n;
	int i;

	if (st_stock())
		SKIP(return, "tls.ko WARNs when the sequence number wraps");
	wrap_setup(_metadata, self, variant);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(send(self->p.kfd, "x", 1, 0), 1);
		ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_DATA,
					  "x", 1), 0);
	}
	/* Its byte may count as taken, as upstream's: the next send tells. */
	n = send(self->p.kfd, "x", 1, MSG_NOSIGNAL);
	if (n == 1)
		n = send(self->p.kfd, "x", 1, MSG_NOSIGNAL);
	EXPECT_EQ(n, -1);
	EXPECT_EQ(errno, EBADMSG);
	usleep(100000);
	EXPECT_EQ(recv(self->p.ufd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	EXPECT_EQ(errno, EAGAIN) TH_LOG("a record after the wrap");
}

TEST_F(rec, seq_wrap_rx)
{
	char buf[16];
	int i;

	if (st_stock())
		SKIP(return, "tls.ko WARNs when the sequence number wraps");
	wrap_setup(_metadata, self, variant);
	for (i = 0; i < 3; i++)
		ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "y", 1, 0), 0);
	for (i = 0; i < 2; i++)
		check_rx(_metadata, &self->p, TLSREC_TYPE_DATA, "y", 1);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
}

/* Kernel RX: records of random sizes, 16384 and 1 included. */
TEST_F_TIMEOUT(rec, rx_records, 300)
{
	int i, nrec = st_env_num("SM4KTLS_RECORDS", NREC_DEFAULT);
	size_t len;

	for (i = 0; i < nrec; i++) {
		len = i == 0 ? TLSREC_MAX_PLAIN : i == 1 ? 1 :
		      random_len(TLSREC_MAX_PLAIN);
		tlsrec_random(self->p.pt, len);
		ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, self->p.pt, len, 0), 0);
		check_rx(_metadata, &self->p, TLSREC_TYPE_DATA, self->p.pt, len);
		ASSERT_TRUE(__test_passed(_metadata)) TH_LOG("record %d, %zu bytes", i, len);
	}
}

/* Many small records in one burst: data records merge in one recv. */
TEST_F(rec, rx_burst)
{
	size_t len, total = 0, got = 0;
	int i, type;
	ssize_t n;

	for (i = 0; i < 1000; i++) {
		len = random_len(48);
		tlsrec_random(self->p.pt + total, len);
		ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA,
				   self->p.pt + total, len, 0), 0);
		total += len;
	}
	while (got < total) {
		n = st_recv_type(self->p.kfd, self->p.pt2 + got, total - got, 0,
				 &type);
		ASSERT_GT(n, 0) TH_LOG("recv at %zu of %zu: %s", got, total,
				       strerror(errno));
		EXPECT_EQ(type, TLSREC_TYPE_DATA);
		got += n;
	}
	EXPECT_EQ(memcmp(self->p.pt, self->p.pt2, total), 0);
}

/*
 * Control records are returned one per recvmsg() with their type in a
 * TLS_GET_RECORD_TYPE cmsg, never merged with data; a recv() without
 * room for the cmsg fails with EIO.
 */
TEST_F(rec, rx_control)
{
	unsigned char alert[2] = { 2, 40 }, hs[77];
	char buf[128];
	int type;

	tlsrec_random(hs, sizeof(hs));
	/* Any handshake type but KeyUpdate (24), which TLS 1.3 acts on. */
	hs[0] = 4;
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "ab", 2, 0), 0);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_ALERT, alert, 2, 0), 0);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_HANDSHAKE, hs, sizeof(hs), 0), 0);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "cd", 2, 0), 0);
	usleep(100000);

	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), 0), 2);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EIO);
	EXPECT_EQ(st_recv_type(self->p.kfd, buf, sizeof(buf), 0, &type), 2);
	EXPECT_EQ(type, TLSREC_TYPE_ALERT);
	EXPECT_EQ(memcmp(buf, alert, 2), 0);
	EXPECT_EQ(st_recv_type(self->p.kfd, buf, sizeof(buf), 0, &type),
		  sizeof(hs));
	EXPECT_EQ(type, TLSREC_TYPE_HANDSHAKE);
	EXPECT_EQ(memcmp(buf, hs, sizeof(hs)), 0);
	EXPECT_EQ(st_recv_type(self->p.kfd, buf, sizeof(buf), 0, &type), 2);
	EXPECT_EQ(type, TLSREC_TYPE_DATA);
	EXPECT_EQ(memcmp(buf, "cd", 2), 0);
}

/* A zero-length data record is consumed without ending the stream. */
TEST_F(rec, rx_zero_length)
{
	char buf[16];

	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "", 0, 0), 0);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "next", 4, 0), 0);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), MSG_WAITALL | MSG_DONTWAIT), 4);
}

/* splice() skips an empty data record: it is no end of stream. */
TEST_F(rec, rx_zero_length_splice)
{
	int pfd[2];
	char buf[16];

	ASSERT_EQ(pipe(pfd), 0);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "", 0, 0), 0);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "next", 4, 0), 0);
	EXPECT_EQ(splice(self->p.kfd, NULL, pfd[1], NULL, sizeof(buf), 0), 4);
	EXPECT_EQ(read(pfd[0], buf, sizeof(buf)), 4);
	EXPECT_EQ(memcmp(buf, "next", 4), 0);
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * Whole 16 KiB records reach a reader whose SO_RCVBUF (set before connect,
 * so TCP's window is small from the start) is smaller than a record, as
 * with the in-tree tls.ko: the parser takes the record's bytes out of
 * TCP's queue as they come, so the window keeps opening.
 */
/*
 * Tests that make their own sockets. The first key a kernel sees may load
 * and self-test its AEAD modules: under KASAN and lockdep that alone can
 * take longer than the harness's default 30 s.
 */
FIXTURE(own) {};
FIXTURE_SETUP(own) {}
FIXTURE_TEARDOWN(own) {}

TEST_F_TIMEOUT(own, rx_record_over_rcvbuf, 300)
{
	const struct tlsrec_suite *s = tlsrec_suite_by_cipher(TLS_CIPHER_AES_GCM_128);
	int sizes[] = { 2048, 4096, 8192, 16384 }, i, j, kfd, ufd;
	struct timeval tv = { .tv_sec = 10 };
	struct tlsrec_state seal;
	struct tlsrec_key k;
	u8 *pt, *rec, *got;
	long n;

	ASSERT_EQ(tlsrec_init(), 0);
	pt = malloc(TLSREC_MAX_PLAIN);
	got = malloc(TLSREC_MAX_PLAIN);
	rec = malloc(TLSREC_MAX_RECORD);
	ASSERT_TRUE(pt && got && rec);
	for (i = 0; i < 4; i++) {
		struct st_pair_opt o = { .cli_rcvbuf = sizes[i] };

		ASSERT_EQ(st_tcp_pair_opt(AF_INET, &kfd, &ufd, &o), 0);
		ASSERT_EQ(setsockopt(kfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				     sizeof(tv)), 0);
		/* The writer must not wait for the reader it runs before. */
		ASSERT_EQ(st_setint(ufd, SOL_SOCKET, SO_SNDBUF, 1 << 20), 0);
		ASSERT_EQ(st_attach_served(kfd), 0);
		tlsrec_key_random(&k, s, TLS_1_3_VERSION);
		ASSERT_EQ(st_set_key(kfd, TLS_RX, &k), 0);
		tlsrec_state_init(&seal, &k);
		for (j = 0; j < 3; j++) {
			tlsrec_random(pt, TLSREC_MAX_PLAIN);
			n = tlsrec_seal(&seal, TLSREC_TYPE_DATA, pt,
					TLSREC_MAX_PLAIN, 0, rec);
			ASSERT_GT(n, 0);
			ASSERT_EQ(tlsrec_write_all(ufd, rec, n), 0);
			EXPECT_EQ(recv(kfd, got, TLSREC_MAX_PLAIN, MSG_WAITALL),
				  TLSREC_MAX_PLAIN)
				TH_LOG("SO_RCVBUF %d, record %d: %s", sizes[i],
				       j, strerror(errno));
			EXPECT_EQ(memcmp(got, pt, TLSREC_MAX_PLAIN), 0);
		}
		close(kfd);
		close(ufd);
	}
	free(pt);
	free(got);
	free(rec);
}

/*
 * In-kernel readers (sock->ops->read_sock, as nvme-tcp uses it) get the
 * plaintext of data records, through the selftests' helper module.
 */
TEST_F(rec, rx_read_sock)
{
	struct pollfd pfd = { .fd = self->p.kfd, .events = POLLIN };
	char cmd[32], buf[64] = {};
	int f, n;

	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "hello ", 6, 0), 0);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "", 0, 0), 0);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "world", 5, 0), 0);
	ASSERT_EQ(poll(&pfd, 1, 5000), 1);
	f = open("/proc/sm4ktls_test_read_sock", O_RDWR);
	ASSERT_GE(f, 0) TH_LOG("sm4ktls_test.ko not loaded: %s", strerror(errno));
	/* The records behind the first are parsed and opened on demand. */
	n = snprintf(cmd, sizeof(cmd), "%d 64", self->p.kfd);
	ASSERT_EQ(write(f, cmd, n), n) TH_LOG("read_sock: %s", strerror(errno));
	EXPECT_EQ(read(f, buf, sizeof(buf) - 1), 11);
	EXPECT_STREQ(buf, "hello world");
	close(f);
}

/*
 * close() with a record only partly in TCP (a non-blocking sender, a peer
 * that does not read) returns at once, like upstream's: it waits for the
 * peer only as long as SO_LINGER says. Small segments and a small window
 * make TCP stop taking bytes in the middle of a record.
 */
TEST_F_TIMEOUT(own, close_partial_record, 300)
{
	const struct tlsrec_suite *s = tlsrec_suite_by_cipher(TLS_CIPHER_AES_GCM_128);
	struct timeval t0, t1;
	int kfd, ufd, snd = 4096, i;
	struct tlsrec_key k;
	char *buf;

	ASSERT_EQ(tlsrec_init(), 0);
	struct st_pair_opt small = { .cli_mss = 536, .srv_rcvbuf = 2048 };

	ASSERT_EQ(st_tcp_pair_opt(AF_INET, &kfd, &ufd, &small), 0);
	ASSERT_EQ(st_attach_served(kfd), 0);
	tlsrec_key_random(&k, s, TLS_1_3_VERSION);
	ASSERT_EQ(st_set_key(kfd, TLS_TX, &k), 0);
	ASSERT_EQ(setsockopt(kfd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)), 0);
	buf = calloc(1, TLSREC_MAX_PLAIN);
	ASSERT_NE(buf, NULL);
	for (i = 0; i < 1000; i++)
		if (send(kfd, buf, TLSREC_MAX_PLAIN, MSG_DONTWAIT) < 0)
			break;
	ASSERT_EQ(errno, EAGAIN);
	/* And a MSG_MORE record open: close() seals and pushes it. */
	send(kfd, buf, 100, MSG_DONTWAIT | MSG_MORE);
	gettimeofday(&t0, NULL);
	EXPECT_EQ(close(kfd), 0);
	gettimeofday(&t1, NULL);
	EXPECT_LT(t1.tv_sec - t0.tv_sec, 2);
	close(ufd);
	free(buf);
}

/* One of @fd's SK_MEMINFO_* figures (what ss -m shows), -1 on error. */
static long meminfo(int fd, int what)
{
	__u32 mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		return -1;
	return mem[what];
}

/* The receive memory of @fd: SK_MEMINFO_RMEM_ALLOC, what ss -m shows as r. */
static int rmem_alloc(int fd)
{
	return meminfo(fd, SK_MEMINFO_RMEM_ALLOC);
}

/*
 * A decrypted record waiting to be read (here: peeked) is the socket's
 * receive memory, as TCP's own queue is, and the charge goes when it is
 * read.
 */
TEST_F(rec, rx_parked_record_charged)
{
	tlsrec_random(self->p.pt, TLSREC_MAX_PLAIN);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, self->p.pt,
			   TLSREC_MAX_PLAIN, 0), 0);
	ASSERT_EQ(recv(self->p.kfd, self->p.pt2, TLSREC_MAX_PLAIN,
		       MSG_PEEK | MSG_WAITALL), TLSREC_MAX_PLAIN);
	EXPECT_GE(rmem_alloc(self->p.kfd), TLSREC_MAX_PLAIN);
	check_rx(_metadata, &self->p, TLSREC_TYPE_DATA, self->p.pt,
		 TLSREC_MAX_PLAIN);
	EXPECT_EQ(rmem_alloc(self->p.kfd), 0);
}

/*
 * The rest of a record read in part waits in the socket: it is charged
 * too, and the charge goes with the last byte. (tls.ko charges no
 * decrypted record.)
 */
TEST_F(rec, rx_partly_read_record_charged)
{
	if (st_stock())
		SKIP(return, "tls.ko charges no decrypted record");
	tlsrec_random(self->p.pt, TLSREC_MAX_PLAIN);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, self->p.pt,
			   TLSREC_MAX_PLAIN, 0), 0);
	ASSERT_EQ(recv(self->p.kfd, self->p.pt2, 100, 0), 100);
	EXPECT_EQ(memcmp(self->p.pt2, self->p.pt, 100), 0);
	EXPECT_GE(rmem_alloc(self->p.kfd), TLSREC_MAX_PLAIN - 100);
	check_rx(_metadata, &self->p, TLSREC_TYPE_DATA, self->p.pt + 100,
		 TLSREC_MAX_PLAIN - 100);
	EXPECT_EQ(rmem_alloc(self->p.kfd), 0);
}

struct peek_waiter {
	int fd;
	void *buf;
	size_t len;
	ssize_t got;
};

static void *peek_waiter_run(void *arg)
{
	struct peek_waiter *w = arg;

	w->got = recv(w->fd, w->buf, w->len, MSG_PEEK | MSG_WAITALL);
	return NULL;
}

/*
 * A MSG_PEEK | MSG_WAITALL reader sleeps holding the records it peeked:
 * they are charged while it sleeps, so TCP's window sees them. The
 * record has left TCP's queue once it is decrypted, so without the
 * charge the socket would show nothing.
 */
TEST_F(rec, rx_peek_sleeping_charged)
{
	struct peek_waiter w = {
		.fd = self->p.kfd, .buf = self->p.pt2,
		.len = 2 * TLSREC_MAX_PLAIN,
	};
	pthread_t t;

	if (st_stock())
		SKIP(return, "tls.ko charges no decrypted record");
	tlsrec_random(self->p.pt, 2 * TLSREC_MAX_PLAIN);
	ASSERT_EQ(pthread_create(&t, NULL, peek_waiter_run, &w), 0);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, self->p.pt,
			   TLSREC_MAX_PLAIN, 0), 0);
	usleep(200000);
	EXPECT_GE(rmem_alloc(self->p.kfd), TLSREC_MAX_PLAIN);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA,
			   self->p.pt + TLSREC_MAX_PLAIN, TLSREC_MAX_PLAIN, 0), 0);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_EQ(w.got, 2 * TLSREC_MAX_PLAIN);
	EXPECT_EQ(memcmp(self->p.pt2, self->p.pt, 2 * TLSREC_MAX_PLAIN), 0);
	check_rx(_metadata, &self->p, TLSREC_TYPE_DATA, self->p.pt,
		 2 * TLSREC_MAX_PLAIN);
	EXPECT_EQ(rmem_alloc(self->p.kfd), 0);
}

/* A record replayed (wrong sequence number) fails authentication. */
TEST_F(rec, rx_replay)
{
	char buf[16];
	long n;

	n = send_rec(&self->p, TLSREC_TYPE_DATA, "once", 4, 0);
	ASSERT_GT(n, 0);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), 0), 4);
	ASSERT_EQ(tlsrec_write_all(self->p.ufd, self->p.rec, n), 0);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
}

/* SO_ERROR, read (and cleared) after a failed recv. */
static int so_error(int fd)
{
	int err = -1;
	socklen_t len = sizeof(err);

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err;
}

/* A broken tag: EBADMSG, and the socket stays broken. */
TEST_F(rec, bad_tag)
{
	char buf[64];
	long n;

	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "good", 4, 0), 0);
	n = tlsrec_seal(&self->p.seal, TLSREC_TYPE_DATA, "evil", 4, 0,
			self->p.rec);
	ASSERT_GT(n, 0);
	self->p.rec[n - 1] ^= 1;
	ASSERT_EQ(tlsrec_write_all(self->p.ufd, self->p.rec, n), 0);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "late", 4, 0), 0);

	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), 0), 4);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
	EXPECT_EQ(so_error(self->p.kfd), EBADMSG);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	EXPECT_EQ(errno, EBADMSG);
}

/*
 * Write a record header claiming len bytes, with enough body for the
 * kernel to parse the header, then check recv's errno and that the
 * parser stopped (nothing more to read).
 */
static void bad_header(struct __test_metadata *_metadata, struct st_rec_pair *p,
		       u8 major, u8 minor, size_t len, int want)
{
	unsigned char hdr[TLSREC_HDR + 32] = {
		TLSREC_TYPE_DATA, major, minor, len >> 8, len & 0xff,
	};
	char buf[64];

	memset(hdr + TLSREC_HDR, 0xa5, sizeof(hdr) - TLSREC_HDR);
	ASSERT_GT(send_rec(p, TLSREC_TYPE_DATA, "good", 4, 0), 0);
	ASSERT_EQ(tlsrec_write_all(p->ufd, hdr, sizeof(hdr)), 0);
	EXPECT_EQ(recv(p->kfd, buf, sizeof(buf), 0), 4);
	EXPECT_EQ(recv(p->kfd, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, want) TH_LOG("got %s", strerror(errno));
	EXPECT_EQ(so_error(p->kfd), 0);
	EXPECT_EQ(recv(p->kfd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	EXPECT_EQ(errno, EAGAIN);
}

/* Ciphertext bytes a record carries besides its data (upstream's limit). */
static size_t cipher_overhead(const struct tlsrec_key *k)
{
	return TLSREC_TAG + (tlsrec_has_explicit_nonce(k) ? 8 : 0);
}

/*
 * TLS 1.2 and TLCP name the record type in the header, under the tag: a
 * record of type 0 (none is, RFC 5246 6.2.1) opens, but is refused with
 * EBADMSG, as upstream does, call after call; what came before it reads.
 */
TEST_F(rec, bad_type_zero)
{
	char buf[64];

	if (variant->version == TLS_1_3_VERSION)
		SKIP(return, "TLS 1.3 has the type inside: bad_no_content_type");
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "ab", 2, 0), 0);
	ASSERT_GT(send_rec(&self->p, 0, "xy", 2, 0), 0);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "cd", 2, 0), 0);
	usleep(100000);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), 0), 2);
	EXPECT_EQ(memcmp(buf, "ab", 2), 0);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	EXPECT_EQ(errno, EBADMSG);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	EXPECT_EQ(errno, EBADMSG);
}

TEST_F(rec, bad_too_long)
{
	size_t max = TLSREC_MAX_PLAIN + cipher_overhead(&self->p.rxk) +
		     (variant->version == TLS_1_3_VERSION);

	bad_header(_metadata, &self->p, 3, 3, max + 1, EMSGSIZE);
}

TEST_F(rec, bad_too_short)
{
	bad_header(_metadata, &self->p, 3, 3,
		   cipher_overhead(&self->p.rxk) - 1, EBADMSG);
}

TEST_F(rec, bad_version)
{
	bad_header(_metadata, &self->p, 3, 1, 64, EINVAL);
}

/* TLCP's 1.1 on a TLS socket, TLS's 3.3 on a TLCP socket. */
TEST_F(rec, bad_version_other_protocol)
{
	if (self->p.rxk.version == SM4KTLS_TLCP_1_1_VERSION)
		bad_header(_metadata, &self->p, 3, 3, 64, EINVAL);
	else
		bad_header(_metadata, &self->p, 1, 1, 64, EINVAL);
}

/* The largest record upstream accepts: 2^14 data (+ TLS 1.3 inner type). */
TEST_F(rec, rx_max_record)
{
	tlsrec_random(self->p.pt, TLSREC_MAX_PLAIN);
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, self->p.pt,
			   TLSREC_MAX_PLAIN, 0), 0);
	check_rx(_metadata, &self->p, TLSREC_TYPE_DATA, self->p.pt,
		 TLSREC_MAX_PLAIN);
}

/* TLS 1.3 only: padding and the inner content type. */
FIXTURE(rec13)
{
	struct st_rec_pair p;
};

FIXTURE_VARIANT(rec13)
{
	u16 cipher;
	u16 version;
};

REC_VARIANT(rec13, aes_gcm_128, AES_GCM_128, 1_3);
REC_VARIANT(rec13, aes_gcm_256, AES_GCM_256, 1_3);
REC_VARIANT(rec13, aes_ccm_128, AES_CCM_128, 1_3);
REC_VARIANT(rec13, chacha20_poly1305, CHACHA20_POLY1305, 1_3);
REC_VARIANT(rec13, sm4_gcm, SM4_GCM, 1_3);
REC_VARIANT(rec13, sm4_ccm, SM4_CCM, 1_3);

FIXTURE_SETUP(rec13)
{
	pair_setup(_metadata, &self->p, variant->cipher, variant->version);
}

FIXTURE_TEARDOWN(rec13)
{
	pair_teardown(&self->p);
}

/* Padded records: the kernel strips the zeros and finds the type. */
TEST_F(rec13, rx_padding)
{
	static const size_t pads[] = { 1, 2, 15, 16, 17, 255, 1000, 8000 };
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(pads); i++) {
		len = random_len(TLSREC_MAX_PLAIN - pads[i]);
		tlsrec_random(self->p.pt, len);
		ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, self->p.pt, len,
				   pads[i]), 0);
		check_rx(_metadata, &self->p, TLSREC_TYPE_DATA, self->p.pt, len);
		ASSERT_TRUE(__test_passed(_metadata)) TH_LOG("pad %zu", pads[i]);
	}
	/* Padding up to the 2^14 + 1 inner plaintext limit. */
	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_DATA, "z", 1,
			   TLSREC_MAX_PLAIN - 1), 0);
	check_rx(_metadata, &self->p, TLSREC_TYPE_DATA, "z", 1);
}

/* A padded alert: type from inside the record, not from the header. */
TEST_F(rec13, rx_padded_control)
{
	unsigned char alert[2] = { 1, 0 };
	char buf[16];
	int type;

	ASSERT_GT(send_rec(&self->p, TLSREC_TYPE_ALERT, alert, 2, 100), 0);
	EXPECT_EQ(st_recv_type(self->p.kfd, buf, sizeof(buf), 0, &type), 2);
	EXPECT_EQ(type, TLSREC_TYPE_ALERT);
	EXPECT_EQ(memcmp(buf, alert, 2), 0);
}

/* A record that is all padding (no content type) is refused. */
TEST_F(rec13, bad_no_content_type)
{
	unsigned char zero[32] = {};
	char buf[64];
	long n;

	/* Seal 32 zero bytes "of type 0": the inner plaintext is all zeros. */
	n = tlsrec_seal(&self->p.seal, 0, zero, sizeof(zero), 0, self->p.rec);
	ASSERT_GT(n, 0);
	ASSERT_EQ(tlsrec_write_all(self->p.ufd, self->p.rec, n), 0);
	EXPECT_EQ(recv(self->p.kfd, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
}

/* The TLS 1.3 outer header of kernel records is always application_data. */
TEST_F(rec13, tx_outer_type)
{
	unsigned char *r = self->p.rec + 2 * TLSREC_MAX_RECORD;

	ASSERT_EQ(st_send_type(self->p.kfd, TLSREC_TYPE_HANDSHAKE, "hs", 2, 0), 2);
	ASSERT_EQ(check_tx_record(_metadata, &self->p, TLSREC_TYPE_HANDSHAKE,
				  "hs", 2), 0);
	EXPECT_EQ(r[0], TLSREC_TYPE_DATA);
}

/* The userspace oracle itself, on RFC 8998 Appendix A (SM4-GCM/CCM). */
static void hex(const char *s, unsigned char *out)
{
	for (; s[0] && s[1] && sscanf(s, "%2hhx", out) == 1; s += 2)
		out++;
}

TEST(oracle_rfc8998)
{
	static const char *pt_hex =
		"aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccddddddddddddddddeeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa";
	static const char *gcm_hex =
		"17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d83de3541e4c2b58177e065a9bf7b62ec";
	static const char *ccm_hex =
		"48af93501fa62adbcd414cce6034d895dda1bf8f132f042098661572e7483094fd12e518ce062c98acee28d95df4416bed31a2f04476c18bb40c84a74b97dc5b16842d4fa186f56ab33256971fa110f4";
	unsigned char key[16], iv[12], aad[20], pt[64], out[80], want[80];

	ASSERT_EQ(tlsrec_init(), 0);
	hex("0123456789abcdeffedcba9876543210", key);
	hex("00001234567800000000abcd", iv);
	hex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad);
	hex(pt_hex, pt);
	hex(gcm_hex, want);
	ASSERT_EQ(tlsrec_aead(tlsrec_suite_by_cipher(TLS_CIPHER_SM4_GCM), 1,
			      key, iv, aad, 20, pt, 64, out, out + 64), 0);
	EXPECT_EQ(memcmp(out, want, 80), 0);
	hex(ccm_hex, want);
	ASSERT_EQ(tlsrec_aead(tlsrec_suite_by_cipher(TLS_CIPHER_SM4_CCM), 1,
			      key, iv, aad, 20, pt, 64, out, out + 64), 0);
	EXPECT_EQ(memcmp(out, want, 80), 0);
	ASSERT_EQ(tlsrec_aead(tlsrec_suite_by_cipher(TLS_CIPHER_SM4_CCM), 0,
			      key, iv, aad, 20, want, 64, out, want + 64), 0);
	EXPECT_EQ(memcmp(out, pt, 64), 0);
	want[0] ^= 1;
	EXPECT_EQ(tlsrec_aead(tlsrec_suite_by_cipher(TLS_CIPHER_SM4_CCM), 0,
			      key, iv, aad, 20, want, 64, out, want + 64),
		  -EBADMSG);
}

/* The oracle round-trips every suite with empty and odd lengths. */
TEST(oracle_roundtrip)
{
	static const u16 ciphers[] = {
		TLS_CIPHER_AES_GCM_128, TLS_CIPHER_AES_GCM_256,
		TLS_CIPHER_AES_CCM_128, TLS_CIPHER_CHACHA20_POLY1305,
		TLS_CIPHER_SM4_GCM, TLS_CIPHER_SM4_CCM,
	};
	static const size_t lens[] = { 0, 1, 17, 4096 };
	unsigned char rec[8192], pt[4096], out[4096];
	struct tlsrec_state a, b;
	struct tlsrec_key k;
	size_t c, i;
	u8 type;
	long n = 0;

	ASSERT_EQ(tlsrec_init(), 0);
	for (c = 0; c < ARRAY_SIZE(ciphers); c++) {
		tlsrec_key_random(&k, tlsrec_suite_by_cipher(ciphers[c]),
				  TLS_1_2_VERSION);
		tlsrec_state_init(&a, &k);
		tlsrec_state_init(&b, &k);
		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			tlsrec_random(pt, lens[i]);
			n = tlsrec_seal(&a, TLSREC_TYPE_DATA, pt, lens[i], 0, rec);
			ASSERT_GT(n, 0);
			EXPECT_EQ(tlsrec_open(&b, rec, n, &type, out), (long)lens[i])
				TH_LOG("cipher %u len %zu", ciphers[c], lens[i]);
			EXPECT_EQ(memcmp(out, pt, lens[i]), 0);
		}
		rec[n - 1] ^= 1;
		b.seq--;
		EXPECT_EQ(tlsrec_open(&b, rec, n, &type, out), -EBADMSG);
	}
}

/* --- memory: TX records charged to the socket's memory cgroup --- */

#define CG_ROOT "/sys/fs/cgroup"
#define CG_TEST CG_ROOT "/sm4ktls-records"
#define CHARGE_SOCKS 128

static int cg_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = -1;

	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) == (ssize_t)strlen(val))
		ret = 0;
	close(fd);
	return ret;
}

/* memory.stat's "sock" of the test cgroup, in bytes; -1 if unreadable. */
static long cg_sock_bytes(void)
{
	FILE *f = fopen(CG_TEST "/memory.stat", "r");
	char line[128];
	long v = -1;

	if (!f)
		return -1;
	/* The kernel flushes cgroup statistics every 2 s at the latest. */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "sock %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static long cg_sock_settled(void)
{
	sleep(3);
	return cg_sock_bytes();
}

/*
 * How far memory.stat may lag: kernels before 5.13 fold a CPU's updates
 * in only once they pass 32 pages, and TCP before 5.19 keeps reclaimed
 * socket memory as forward allocation (counted apart, below).
 */
static long cg_stat_slack(void)
{
	return 32L * 4096 * sysconf(_SC_NPROCESSORS_ONLN);
}

/* Memory TCP keeps charged to @fds for their next buffers. */
static long fwd_alloc_sum(const int *fds, int n)
{
	long sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += meminfo(fds[i], SK_MEMINFO_FWD_ALLOC);
	return sum;
}

/*
 * Plaintext held in open records (MSG_MORE, nothing for TCP yet) must
 * be charged like TCP's own buffers (defect 9 of issue 10): the memory
 * cgroup of the sockets sees it, and the charge goes back once the
 * records are sent and read. The in-tree tls.ko charges them too.
 */
TEST_F_TIMEOUT(own, tx_open_records_charged, 300)
{
	const struct tlsrec_suite *s = tlsrec_suite_by_cipher(TLS_CIPHER_AES_GCM_128);
	int kfd[CHARGE_SOCKS], ufd[CHARGE_SOCKS], i;
	size_t len = 16000, got;
	long base, held, after, fwd;
	struct tlsrec_key k;
	char pid[32], *buf;
	ssize_t n;

	if (access(CG_ROOT "/cgroup.subtree_control", W_OK) ||
	    cg_write(CG_ROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no cgroup v2 memory controller");
	ASSERT_TRUE(!mkdir(CG_TEST, 0755) || errno == EEXIST);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(cg_write(CG_TEST "/cgroup.procs", pid), 0);
	ASSERT_EQ(tlsrec_init(), 0);
	buf = calloc(1, len);
	ASSERT_NE(buf, NULL);
	tlsrec_key_random(&k, s, TLS_1_3_VERSION);
	for (i = 0; i < CHARGE_SOCKS; i++) {
		ASSERT_EQ(st_tcp_pair(AF_INET, &kfd[i], &ufd[i]), 0);
		ASSERT_EQ(st_attach_served(kfd[i]), 0);
		ASSERT_EQ(st_set_key(kfd[i], TLS_TX, &k), 0);
	}
	base = cg_sock_settled();
	ASSERT_GE(base, 0);
	for (i = 0; i < CHARGE_SOCKS; i++)
		ASSERT_EQ(send(kfd[i], buf, len, MSG_MORE), (ssize_t)len);
	held = cg_sock_settled();
	/* Each record needs at least len bytes of pages. */
	EXPECT_GE(held - base, (long)(CHARGE_SOCKS * len) - cg_stat_slack())
		TH_LOG("%d open records of %zu bytes: cgroup sock %ld -> %ld",
		       CHARGE_SOCKS, len, base, held);
	for (i = 0; i < CHARGE_SOCKS; i++) {
		ASSERT_EQ(send(kfd[i], buf, 1, 0), 1);
		/* One record: header, text, TLS 1.3 type byte, tag. */
		for (got = 0; got < 5 + len + 1 + 1 + 16; got += n) {
			n = recv(ufd[i], buf, len, 0);
			ASSERT_GT(n, 0);
		}
	}
	after = cg_sock_settled();
	fwd = fwd_alloc_sum(kfd, CHARGE_SOCKS) + fwd_alloc_sum(ufd, CHARGE_SOCKS);
	/* What stays is TCP's forward allocation, not our records. */
	EXPECT_LT(after - fwd - base,
		  (long)(CHARGE_SOCKS * len / 4) + cg_stat_slack())
		TH_LOG("records sent and read: cgroup sock %ld -> %ld -> %ld",
		       base, held, after);
	TH_LOG("cgroup sock: %ld before, %ld with %d open records of %zu bytes, %ld after (TCP's forward allocation %ld)",
	       base, held, CHARGE_SOCKS, len, after, fwd);
	for (i = 0; i < CHARGE_SOCKS; i++) {
		close(kfd[i]);
		close(ufd[i]);
	}
	free(buf);
	cg_write(CG_ROOT "/cgroup.procs", pid);
	rmdir(CG_TEST);
}

TEST_HARNESS_MAIN
