// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.3 KeyUpdate (RFC 8446 4.6.3) on the project's "tls" ULP, with
 * the next keys derived in userspace as a real TLS stack does:
 *
 *   next secret = HKDF-Expand-Label(secret, "traffic upd", "", Hash.length)
 *   key         = HKDF-Expand-Label(secret, "key", "", key_len)
 *   iv          = HKDF-Expand-Label(secret, "iv", "", 12)
 *
 * (RFC 8446 7.1-7.3), HMAC from OpenSSL for SHA-256/SHA-384 and from
 * libgcrypt for SM3 (TLS_SM4_GCM_SM3 / TLS_SM4_CCM_SM3, RFC 8998). The
 * 12-byte iv is split into the uapi salt and iv fields.
 *
 * The peer is either the independent userspace record layer (tlsrec.c)
 * on a plain TCP socket, or a second kTLS socket (many_updates).
 * Counters are read from $SM4KTLS_TLS_STAT (/proc/net/sm4ktls_stat).
 */
#include <poll.h>
#include <pthread.h>
#include <sys/time.h>

#include <gcrypt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kselftest_harness.h"
#include "helpers.h"

#include "keysched.h"
}

enum { TX_OK, RX_OK, TX_ERR, RX_ERR, RX_RECV, NSTAT };
static const char * const stat_names[NSTAT] = {
	"TlsTxRekeyOk", "TlsRxRekeyOk", "TlsTxRekeyError", "TlsRxRekeyError",
	"TlsRxRekeyReceived",
};

static void stats_read(long *v)
{
	int i;

	for (i = 0; i < NSTAT; i++)
		v[i] = st_stat(stat_names[i]);
}

/* Every counter moved by exactly the given amount. */
#define EXPECT_STATS(before, tx_ok, rx_ok, tx_err, rx_err, rx_recv)	\
	do {								\
		long _now[NSTAT], _want[NSTAT] = {			\
			tx_ok, rx_ok, tx_err, rx_err, rx_recv };	\
		int _i;							\
		stats_read(_now);					\
		for (_i = 0; _i < NSTAT; _i++) {			\
			EXPECT_GE(before[_i], 0)			\
				TH_LOG("no counter %s", stat_names[_i]); \
			EXPECT_EQ(_now[_i] - before[_i], _want[_i])	\
				TH_LOG("%s", stat_names[_i]);		\
		}							\
	} while (0)

FIXTURE(rekey)
{
	int kfd, ufd;
	struct traffic ktx, krx;	/* the kernel's TX and RX secrets */
	struct tlsrec_state open;	/* opens the kernel's TX records */
	struct tlsrec_state seal;	/* seals records for the kernel's RX */
	u8 *buf, *buf2, *rec;
	long stats[NSTAT];
};

FIXTURE_VARIANT(rekey)
{
	u16 cipher;
	enum hash_alg hash;
	u16 other;	/* another cipher, for the refused rekey */
};

FIXTURE_VARIANT_ADD(rekey, 13_aes_gcm_128) {
	.cipher = TLS_CIPHER_AES_GCM_128, .hash = H_SHA256,
	.other = TLS_CIPHER_SM4_GCM,
};

FIXTURE_VARIANT_ADD(rekey, 13_aes_gcm_256) {
	.cipher = TLS_CIPHER_AES_GCM_256, .hash = H_SHA384,
	.other = TLS_CIPHER_AES_GCM_128,
};

FIXTURE_VARIANT_ADD(rekey, 13_chacha20_poly1305) {
	.cipher = TLS_CIPHER_CHACHA20_POLY1305, .hash = H_SHA256,
	.other = TLS_CIPHER_AES_GCM_128,
};

FIXTURE_VARIANT_ADD(rekey, 13_sm4_gcm) {
	.cipher = TLS_CIPHER_SM4_GCM, .hash = H_SM3,
	.other = TLS_CIPHER_AES_GCM_128,
};

FIXTURE_VARIANT_ADD(rekey, 13_sm4_ccm) {
	.cipher = TLS_CIPHER_SM4_CCM, .hash = H_SM3,
	.other = TLS_CIPHER_SM4_GCM,
};

#define BUFSZ	(8 * TLSREC_MAX_RECORD)

FIXTURE_SETUP(rekey)
{
	struct timeval tv = { .tv_sec = 10 };

	ASSERT_EQ(tlsrec_init(), 0);
	self->buf = malloc(BUFSZ);
	self->buf2 = malloc(BUFSZ);
	self->rec = malloc(BUFSZ);
	ASSERT_TRUE(self->buf && self->buf2 && self->rec);
	ASSERT_EQ(st_tcp_pair(AF_INET, &self->kfd, &self->ufd), 0);
	ASSERT_EQ(setsockopt(self->kfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
			     sizeof(tv)), 0);
	ASSERT_EQ(setsockopt(self->ufd, SOL_SOCKET, SO_RCVTIMEO, &tv,
			     sizeof(tv)), 0);
	ASSERT_EQ(st_attach_served(self->kfd), 0);
	ASSERT_EQ(traffic_init(&self->ktx, variant->cipher, variant->hash), 0);
	ASSERT_EQ(traffic_init(&self->krx, variant->cipher, variant->hash), 0);
	ASSERT_EQ(st_set_key(self->kfd, TLS_TX, &self->ktx.k), 0);
	ASSERT_EQ(st_set_key(self->kfd, TLS_RX, &self->krx.k), 0);
	tlsrec_state_init(&self->open, &self->ktx.k);
	tlsrec_state_init(&self->seal, &self->krx.k);
	stats_read(self->stats);
}

FIXTURE_TEARDOWN(rekey)
{
	close(self->kfd);
	close(self->ufd);
	free(self->buf);
	free(self->buf2);
	free(self->rec);
}

/*
 * Read records from the kernel with st until len bytes of type arrived
 * (one record for a control type); compare with want. 0 or -1.
 */
static int user_read(struct __test_metadata *_metadata, int fd,
		     struct tlsrec_state *st, u8 type, const u8 *want,
		     size_t len, u8 *rec, u8 *pt)
{
	size_t got = 0;
	long rlen, n;
	u8 t = 0;

	while (got < len) {
		rlen = tlsrec_read_record(fd, rec, TLSREC_MAX_RECORD);
		EXPECT_GT(rlen, 0) TH_LOG("no record after %zu/%zu bytes",
					  got, len);
		if (rlen <= 0)
			return -1;
		n = tlsrec_open(st, rec, rlen, &t, pt);
		EXPECT_GE(n, 0) TH_LOG("record %llu does not open: %ld",
				       (unsigned long long)st->seq, n);
		EXPECT_EQ(t, type);
		if (n < 0 || t != type || got + n > len) {
			EXPECT_LE(got + n, len);
			return -1;
		}
		EXPECT_EQ(memcmp(pt, want + got, n), 0)
			TH_LOG("bytes %zu..%zu differ", got, got + n);
		if (memcmp(pt, want + got, n))
			return -1;
		got += n;
	}
	return 0;
}

/* recv exactly len bytes of type from a kTLS socket, compare. */
static int k_read(struct __test_metadata *_metadata, int fd, u8 type,
		  const u8 *want, size_t len, u8 *buf)
{
	int t;
	ssize_t n;

	n = st_recv_type(fd, buf, len, MSG_WAITALL, &t);
	EXPECT_EQ(n, (ssize_t)len) TH_LOG("recv: %s",
					  n < 0 ? strerror(errno) : "short");
	EXPECT_EQ(t, type);
	if (n != (ssize_t)len || t != type)
		return -1;
	EXPECT_EQ(memcmp(buf, want, len), 0);
	return memcmp(buf, want, len) ? -1 : 0;
}

/* The kernel's reader is stopped at a KeyUpdate: EKEYEXPIRED, no POLLIN. */
static void expect_key_expired(struct __test_metadata *_metadata, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	u8 b[16];
	int t;

	EXPECT_EQ(st_recv_type(fd, b, sizeof(b), MSG_DONTWAIT, &t), -1);
	EXPECT_EQ(errno, EKEYEXPIRED) TH_LOG("recv: %s", strerror(errno));
	/* A blocking read does not wait for data it could not decrypt. */
	EXPECT_EQ(st_recv_type(fd, b, sizeof(b), 0, &t), -1);
	EXPECT_EQ(errno, EKEYEXPIRED);
	EXPECT_EQ(poll(&pfd, 1, 50), 0) TH_LOG("revents %#x", pfd.revents);
}

/* Seal pt into records at out; returns the bytes written, 0 on error. */
static size_t seal_all(struct __test_metadata *_metadata,
		       struct tlsrec_state *st, u8 type, const u8 *pt,
		       size_t len, u8 *out)
{
	size_t off = 0, n, total = 0;
	long r;

	do {
		n = len - off < TLSREC_MAX_PLAIN ? len - off : TLSREC_MAX_PLAIN;
		r = tlsrec_seal(st, type, pt + off, n, 0, out + total);
		EXPECT_GT(r, 0);
		if (r <= 0)
			return 0;
		total += r;
		off += n;
	} while (off < len);
	return total;
}

/*
 * Kernel TX: data, a KeyUpdate, TLS_TX with the next key (rec_seq 0),
 * more data; userspace opens the first part with the old key and the
 * rest only with the key it derived itself.
 */
TEST_F(rekey, tx_key_update)
{
	size_t a = 20000, b = 3000;
	struct tlsrec_state old;
	u8 t;

	tlsrec_random(self->buf, a + b);
	ASSERT_EQ(send(self->kfd, self->buf, a, 0), (ssize_t)a);
	ASSERT_EQ(st_send_type(self->kfd, TLSREC_TYPE_HANDSHAKE,
			       key_update_msg, KU_LEN, 0), KU_LEN);
	ASSERT_EQ(traffic_next(&self->ktx), 0);
	ASSERT_EQ(st_set_key(self->kfd, TLS_TX, &self->ktx.k), 0);
	ASSERT_EQ(send(self->kfd, self->buf + a, b, 0), (ssize_t)b);

	ASSERT_EQ(user_read(_metadata, self->ufd, &self->open,
			    TLSREC_TYPE_DATA, self->buf, a, self->rec,
			    self->buf2), 0);
	ASSERT_EQ(user_read(_metadata, self->ufd, &self->open,
			    TLSREC_TYPE_HANDSHAKE, key_update_msg, KU_LEN,
			    self->rec, self->buf2), 0);
	/* The next record is not under the old key... */
	old = self->open;
	ASSERT_GT(tlsrec_read_record(self->ufd, self->rec, TLSREC_MAX_RECORD), 0);
	EXPECT_EQ(tlsrec_open(&old, self->rec, ((size_t)self->rec[3] << 8 |
						 self->rec[4]) + TLSREC_HDR,
			      &t, self->buf2), -EBADMSG);
	/* ...but under the derived one, from sequence number 0. */
	tlsrec_state_init(&self->open, &self->ktx.k);
	ASSERT_EQ(tlsrec_open(&self->open, self->rec,
			      ((size_t)self->rec[3] << 8 | self->rec[4]) +
			      TLSREC_HDR, &t, self->buf2), (long)b);
	EXPECT_EQ(t, TLSREC_TYPE_DATA);
	EXPECT_EQ(memcmp(self->buf2, self->buf + a, b), 0);
	EXPECT_STATS(self->stats, 1, 0, 0, 0, 0);
}

/*
 * Kernel RX: data, KeyUpdate and data under the next key in one write,
 * so they arrive together; the reader gets the data, the KeyUpdate, then
 * EKEYEXPIRED until it installs the derived key, then the rest.
 */
TEST_F(rekey, rx_key_update)
{
	size_t a = 20000, b = 40000, off = 0;
	struct pollfd pfd = { .fd = self->kfd, .events = POLLIN };

	tlsrec_random(self->buf, a + b);
	off += seal_all(_metadata, &self->seal, TLSREC_TYPE_DATA, self->buf,
			a, self->rec + off);
	off += seal_all(_metadata, &self->seal, TLSREC_TYPE_HANDSHAKE,
			key_update_msg, KU_LEN, self->rec + off);
	ASSERT_EQ(traffic_next(&self->krx), 0);
	tlsrec_state_init(&self->seal, &self->krx.k);
	off += seal_all(_metadata, &self->seal, TLSREC_TYPE_DATA,
			self->buf + a, b, self->rec + off);
	ASSERT_EQ(tlsrec_write_all(self->ufd, self->rec, off), 0);

	ASSERT_EQ(k_read(_metadata, self->kfd, TLSREC_TYPE_DATA, self->buf, a,
			 self->buf2), 0);
	ASSERT_EQ(k_read(_metadata, self->kfd, TLSREC_TYPE_HANDSHAKE,
			 key_update_msg, KU_LEN, self->buf2), 0);
	expect_key_expired(_metadata, self->kfd);
	EXPECT_STATS(self->stats, 0, 0, 0, 0, 1);

	ASSERT_EQ(st_set_key(self->kfd, TLS_RX, &self->krx.k), 0);
	EXPECT_EQ(poll(&pfd, 1, 5000), 1);
	EXPECT_TRUE(pfd.revents & POLLIN);
	ASSERT_EQ(k_read(_metadata, self->kfd, TLSREC_TYPE_DATA, self->buf + a,
			 b, self->buf2), 0);
	EXPECT_STATS(self->stats, 0, 1, 0, 0, 1);
}

/*
 * The peer is mid-record under the new key when the reader installs it:
 * the split falls inside the header, inside the body, before the last
 * byte. Every piece of data arrives exactly once.
 */
TEST_F(rekey, rx_mid_record)
{
	static const size_t splits[] = { 3, 7, 5000, 0 /* len - 1 */ };
	size_t len = 9000, rlen, cut;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(splits); i++) {
		/* Data, KeyUpdate under the current key. */
		tlsrec_random(self->buf, 2 * len);
		rlen = seal_all(_metadata, &self->seal, TLSREC_TYPE_DATA,
				self->buf, len, self->rec);
		rlen += seal_all(_metadata, &self->seal, TLSREC_TYPE_HANDSHAKE,
				 key_update_msg, KU_LEN, self->rec + rlen);
		ASSERT_EQ(tlsrec_write_all(self->ufd, self->rec, rlen), 0);
		ASSERT_EQ(k_read(_metadata, self->kfd, TLSREC_TYPE_DATA,
				 self->buf, len, self->buf2), 0);
		ASSERT_EQ(k_read(_metadata, self->kfd, TLSREC_TYPE_HANDSHAKE,
				 key_update_msg, KU_LEN, self->buf2), 0);

		/* Part of a record under the next key, then the new key. */
		ASSERT_EQ(traffic_next(&self->krx), 0);
		tlsrec_state_init(&self->seal, &self->krx.k);
		rlen = seal_all(_metadata, &self->seal, TLSREC_TYPE_DATA,
				self->buf + len, len, self->rec);
		cut = splits[i] ? splits[i] : rlen - 1;
		ASSERT_EQ(tlsrec_write_all(self->ufd, self->rec, cut), 0);
		usleep(20000);
		expect_key_expired(_metadata, self->kfd);
		ASSERT_EQ(st_set_key(self->kfd, TLS_RX, &self->krx.k), 0);
		/* Nothing to read yet: the record is incomplete. */
		EXPECT_EQ(recv(self->kfd, self->buf2, len, MSG_DONTWAIT), -1);
		EXPECT_EQ(errno, EAGAIN);
		ASSERT_EQ(tlsrec_write_all(self->ufd, self->rec + cut,
					   rlen - cut), 0);
		ASSERT_EQ(k_read(_metadata, self->kfd, TLSREC_TYPE_DATA,
				 self->buf + len, len, self->buf2), 0)
			TH_LOG("split at %zu of %zu", cut, rlen);
	}
	EXPECT_STATS(self->stats, 0, ARRAY_SIZE(splits), 0, 0,
		     ARRAY_SIZE(splits));
}

/*
 * TX rekey while a MSG_MORE record is open: that record goes out under
 * the old key, at once, and what follows under the new key.
 */
TEST_F(rekey, tx_open_record)
{
	size_t a = 1000, a2 = 700, b = 2000;

	tlsrec_random(self->buf, a + a2 + b);
	ASSERT_EQ(send(self->kfd, self->buf, a, MSG_MORE), (ssize_t)a);
	ASSERT_EQ(send(self->kfd, self->buf + a, a2, MSG_MORE), (ssize_t)a2);
	ASSERT_EQ(traffic_next(&self->ktx), 0);
	ASSERT_EQ(st_set_key(self->kfd, TLS_TX, &self->ktx.k), 0);
	/* One record of a + a2 bytes under the old key, sent by the rekey. */
	ASSERT_GT(tlsrec_read_record(self->ufd, self->rec, TLSREC_MAX_RECORD),
		  0);
	{
		size_t rlen = ((size_t)self->rec[3] << 8 | self->rec[4]) +
			      TLSREC_HDR;
		struct tlsrec_state next;
		u8 t = 0;

		tlsrec_state_init(&next, &self->ktx.k);
		EXPECT_EQ(tlsrec_open(&next, self->rec, rlen, &t, self->buf2),
			  -EBADMSG) TH_LOG("the open record used the new key");
		ASSERT_EQ(tlsrec_open(&self->open, self->rec, rlen, &t,
				      self->buf2), (long)(a + a2));
		EXPECT_EQ(t, TLSREC_TYPE_DATA);
		EXPECT_EQ(memcmp(self->buf2, self->buf, a + a2), 0);
	}
	ASSERT_EQ(send(self->kfd, self->buf + a + a2, b, 0), (ssize_t)b);
	tlsrec_state_init(&self->open, &self->ktx.k);
	ASSERT_EQ(user_read(_metadata, self->ufd, &self->open,
			    TLSREC_TYPE_DATA, self->buf + a + a2, b, self->rec,
			    self->buf2), 0);
	EXPECT_STATS(self->stats, 1, 0, 0, 0, 0);
}

/*
 * A refused rekey (other cipher, other version: EINVAL) counts an error
 * and leaves the old keys working in both directions.
 */
TEST_F(rekey, refused)
{
	struct traffic bad;
	long n;

	ASSERT_EQ(traffic_init(&bad, variant->other, H_SHA256), 0);
	EXPECT_EQ(st_set_key(self->kfd, TLS_TX, &bad.k), -EINVAL);
	EXPECT_EQ(st_set_key(self->kfd, TLS_RX, &bad.k), -EINVAL);
	bad = self->ktx;
	bad.k.version = TLS_1_2_VERSION;
	EXPECT_EQ(st_set_key(self->kfd, TLS_TX, &bad.k), -EINVAL);
	EXPECT_STATS(self->stats, 0, 0, 2, 1, 0);

	tlsrec_random(self->buf, 4000);
	ASSERT_EQ(send(self->kfd, self->buf, 4000, 0), 4000);
	ASSERT_EQ(user_read(_metadata, self->ufd, &self->open,
			    TLSREC_TYPE_DATA, self->buf, 4000, self->rec,
			    self->buf2), 0);
	n = tlsrec_seal(&self->seal, TLSREC_TYPE_DATA, self->buf, 3000, 0,
			self->rec);
	ASSERT_GT(n, 0);
	ASSERT_EQ(tlsrec_write_all(self->ufd, self->rec, n), 0);
	ASSERT_EQ(k_read(_metadata, self->kfd, TLSREC_TYPE_DATA, self->buf,
			 3000, self->buf2), 0);
}

/* TLS 1.2 has no KeyUpdate: a second key is EBUSY, the first one stays. */
TEST_F(rekey, tls12_busy)
{
	const struct tlsrec_suite *s = tlsrec_suite_by_cipher(variant->cipher);
	struct tlsrec_key tx, rx, tx2;
	struct tlsrec_state open, seal;
	struct timeval tv = { .tv_sec = 10 };
	int kfd, ufd;
	long before[NSTAT];
	long n;

	ASSERT_EQ(st_tcp_pair(AF_INET, &kfd, &ufd), 0);
	ASSERT_EQ(setsockopt(kfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ASSERT_EQ(setsockopt(ufd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ASSERT_EQ(st_attach_served(kfd), 0);
	tlsrec_key_random(&tx, s, TLS_1_2_VERSION);
	tlsrec_key_random(&rx, s, TLS_1_2_VERSION);
	tlsrec_key_random(&tx2, s, TLS_1_2_VERSION);
	ASSERT_EQ(st_set_key(kfd, TLS_TX, &tx), 0);
	ASSERT_EQ(st_set_key(kfd, TLS_RX, &rx), 0);
	stats_read(before);
	EXPECT_EQ(st_set_key(kfd, TLS_TX, &tx2), -EBUSY);
	EXPECT_EQ(st_set_key(kfd, TLS_RX, &tx2), -EBUSY);
	EXPECT_STATS(before, 0, 0, 0, 0, 0);

	tlsrec_state_init(&open, &tx);
	tlsrec_state_init(&seal, &rx);
	tlsrec_random(&seal.explicit_nonce, sizeof(seal.explicit_nonce));
	tlsrec_random(self->buf, 5000);
	ASSERT_EQ(send(kfd, self->buf, 5000, 0), 5000);
	EXPECT_EQ(user_read(_metadata, ufd, &open, TLSREC_TYPE_DATA, self->buf,
			    5000, self->rec, self->buf2), 0);
	n = tlsrec_seal(&seal, TLSREC_TYPE_DATA, self->buf, 5000, 0, self->rec);
	ASSERT_GT(n, 0);
	ASSERT_EQ(tlsrec_write_all(ufd, self->rec, n), 0);
	EXPECT_EQ(k_read(_metadata, kfd, TLSREC_TYPE_DATA, self->buf, 5000,
			 self->buf2), 0);
	close(kfd);
	close(ufd);
}

/* kTLS to kTLS: many KeyUpdates in one long checksummed transfer. */
struct many {
	int fd;
	struct traffic t;
	const u8 *data;
	size_t len, chunk;
	unsigned int updates;
	int err;
	char msg[128];
};

static u64 fnv1a(u64 h, const u8 *p, size_t len)
{
	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static void *many_send(void *arg)
{
	struct many *m = arg;
	size_t off = 0, n;
	unsigned int i;
	ssize_t r;

	for (i = 0; i <= m->updates; i++) {
		n = i == m->updates ? m->len - off : m->chunk;
		for (; n; n -= r, off += r) {
			r = send(m->fd, m->data + off, n, 0);
			if (r <= 0) {
				snprintf(m->msg, sizeof(m->msg),
					 "send at %zu: %s", off, strerror(errno));
				goto fail;
			}
		}
		if (i == m->updates)
			break;
		if (st_send_type(m->fd, TLSREC_TYPE_HANDSHAKE, key_update_msg,
				 KU_LEN, 0) != KU_LEN ||
		    traffic_next(&m->t) || st_set_key(m->fd, TLS_TX, &m->t.k)) {
			snprintf(m->msg, sizeof(m->msg), "update %u: %s", i,
				 strerror(errno));
			goto fail;
		}
	}
	return NULL;
fail:
	m->err = -1;
	return NULL;
}

TEST_F_TIMEOUT(rekey, many_updates, 600)
{
	size_t len = st_env_num("SM4KTLS_REKEY_BYTES", 4 << 20);
	unsigned int updates = st_env_num("SM4KTLS_REKEY_UPDATES", 50), got = 0;
	struct many m = { .fd = self->kfd, .t = self->ktx, .len = len,
			  .updates = updates, .chunk = len / (updates + 1) };
	struct traffic rx;
	size_t off = 0, end;
	u64 sum_tx, sum_rx = 0xcbf29ce484222325ULL;
	u8 *data, *out;
	pthread_t th;
	ssize_t n;
	int t;

	/* The peer end becomes kTLS too, with the mirror keys. */
	ASSERT_EQ(st_attach_served(self->ufd), 0);
	ASSERT_EQ(st_set_key(self->ufd, TLS_TX, &self->krx.k), 0);
	ASSERT_EQ(st_set_key(self->ufd, TLS_RX, &self->ktx.k), 0);
	rx = self->ktx;
	data = malloc(len);
	out = malloc(len);
	ASSERT_TRUE(data && out);
	tlsrec_random(data, len);
	sum_tx = fnv1a(0xcbf29ce484222325ULL, data, len);
	m.data = data;
	ASSERT_EQ(pthread_create(&th, NULL, many_send, &m), 0);

	while (off < len) {
		end = got < updates ? (got + 1) * m.chunk : len;
		n = st_recv_type(self->ufd, out + off, end - off, 0, &t);
		if (n <= 0) {
			EXPECT_GT(n, 0) TH_LOG("recv at %zu: %s", off,
					       strerror(errno));
			break;
		}
		EXPECT_EQ(t, TLSREC_TYPE_DATA);
		if (t != TLSREC_TYPE_DATA)
			break;
		sum_rx = fnv1a(sum_rx, out + off, n);
		off += n;
		if (off != end || got == updates)
			continue;
		/* Chunk done: the KeyUpdate, then nothing until the key. */
		n = st_recv_type(self->ufd, self->buf2, 64, 0, &t);
		EXPECT_EQ(n, KU_LEN) TH_LOG("update %u at %zu: %s", got, off,
					    n < 0 ? strerror(errno) : "");
		EXPECT_EQ(t, TLSREC_TYPE_HANDSHAKE);
		if (n != KU_LEN || t != TLSREC_TYPE_HANDSHAKE ||
		    memcmp(self->buf2, key_update_msg, KU_LEN))
			break;
		EXPECT_EQ(recv(self->ufd, self->buf2, 64, MSG_DONTWAIT), -1);
		EXPECT_EQ(errno, EKEYEXPIRED);
		ASSERT_EQ(traffic_next(&rx), 0);
		ASSERT_EQ(st_set_key(self->ufd, TLS_RX, &rx.k), 0);
		got++;
	}
	if (off < len)
		shutdown(self->ufd, SHUT_RDWR);
	pthread_join(th, NULL);
	EXPECT_EQ(m.err, 0) TH_LOG("sender: %s", m.msg);
	EXPECT_EQ(off, len);
	EXPECT_EQ(got, updates);
	EXPECT_EQ(sum_rx, sum_tx);
	EXPECT_EQ(memcmp(out, data, len), 0);
	TH_LOG("%zu bytes, %u KeyUpdates, fnv1a %016llx", off, got,
	       (unsigned long long)sum_rx);
	EXPECT_STATS(self->stats, updates, updates, 0, 0, updates);
	free(data);
	free(out);
}

/* The key schedule itself, against RFC 8448 and OpenSSL's HKDF (SM3). */
static int unhex(const char *s, u8 *out)
{
	size_t i, n = strlen(s) / 2;
	unsigned int v;

	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = v;
	}
	return n;
}

TEST(hkdf_expand_label_kat)
{
	/* RFC 8448 3: server handshake traffic secret -> key, iv. */
	static const char *secret =
		"b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";
	static const struct {
		enum hash_alg h;
		const char *label, *out;
	} kat[] = {
		{ H_SHA256, "key", "3fce516009c21727d0f2e4e86ee403bc" },
		{ H_SHA256, "iv", "5d313eb2671276ee13000b30" },
		{ H_SHA256, "traffic upd",
		  "c5847ffa1bfea2d5c409eee45d2813181327a78a52ee6d02d8a5e10fbf0fface" },
		{ H_SM3, "key", "d28c458122f046e88a72bbf973dcb3f9" },
		{ H_SM3, "iv", "7023b25dc1e773b8aa53a1bf" },
		{ H_SM3, "traffic upd",
		  "bd8f87b752e2cbbed372f28c1c39637ec7a517d06fe413bbfb862da674469dc0" },
	};
	u8 s[32], want[32], got[32];
	unsigned int i;
	int n;

	ASSERT_EQ(tlsrec_init(), 0);
	ASSERT_EQ(unhex(secret, s), 32);
	for (i = 0; i < ARRAY_SIZE(kat); i++) {
		n = unhex(kat[i].out, want);
		ASSERT_EQ(hkdf_expand_label(kat[i].h, s, kat[i].label, got, n),
			  0);
		EXPECT_EQ(memcmp(got, want, n), 0)
			TH_LOG("%s %s", kat[i].h == H_SM3 ? "SM3" : "SHA-256",
			       kat[i].label);
	}
}

TEST_HARNESS_MAIN
