// SPDX-License-Identifier: GPL-2.0
/*
 * Volume through kTLS on both ends of loopback connections, with a
 * checksum of the byte stream on each end:
 *   - bulk: one connection, both directions at once, half of each
 *     direction with send() and half with sendfile(); reports MB/s.
 *     Bytes per direction: SM4KTLS_BULK_BYTES (default 64 MiB) for
 *     AES-GCM-128, a quarter of it for the other ciphers.
 *   - many: 100 connections (200 kTLS sockets), every cipher and version
 *     in turn, all exchanging SM4KTLS_MANY_BYTES (default 128 KiB) per
 *     direction concurrently from one poll() loop.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/sendfile.h>
#include <time.h>

#include "kselftest_harness.h"
#include "helpers.h"

#define CHUNK		65536
#define FILE_BYTES	(4u << 20)

/* A position-dependent 64-bit checksum of a byte stream. */
struct cks {
	u64 h, w, total;
	unsigned int n;
};

static void cks_init(struct cks *c)
{
	memset(c, 0, sizeof(*c));
	c->h = 0xcbf29ce484222325ULL;
}

static void cks_mix(struct cks *c)
{
	c->h = (c->h ^ c->w) * 0x9e3779b97f4a7c15ULL;
	c->h ^= c->h >> 29;
	c->w = 0;
	c->n = 0;
}

static void cks_update(struct cks *c, const unsigned char *p, size_t len)
{
	c->total += len;
	while (len && c->n) {
		c->w |= (u64)*p++ << (8 * c->n);
		len--;
		if (++c->n == 8)
			cks_mix(c);
	}
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&c->w, p, 8);
		cks_mix(c);
	}
	while (len--) {
		c->w |= (u64)*p++ << (8 * c->n);
		c->n++;
	}
}

static u64 cks_final(struct cks *c)
{
	c->w ^= c->total;
	cks_mix(c);
	return c->h;
}

static u64 xorshift(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(u64 *rng, unsigned char *buf, size_t len)
{
	u64 v;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		v = xorshift(rng);
		memcpy(buf + i, &v, 8);
	}
	for (v = xorshift(rng); i < len; i++, v >>= 8)
		buf[i] = v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Keys for a connection: a's TX is b's RX and the other way round. */
static int ktls_connect(int a, int b, const struct tlsrec_suite *s,
			u16 version)
{
	struct tlsrec_key ab, ba;

	tlsrec_key_random(&ab, s, version);
	tlsrec_key_random(&ba, s, version);
	if (st_attach_served(a) || st_attach_served(b))
		return -1;
	if (st_set_key(a, TLS_TX, &ab) || st_set_key(b, TLS_RX, &ab) ||
	    st_set_key(b, TLS_TX, &ba) || st_set_key(a, TLS_RX, &ba)) {
		fprintf(stderr, "# SOL_TLS: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* One direction of the bulk test. */
struct flow {
	int out, in;		/* sending and receiving socket */
	int file;		/* sendfile() source, FILE_BYTES long */
	const unsigned char *file_data;
	u64 bytes, seed;
	struct cks sent, got;
	int err;
	double t0, t1;
};

static int send_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, p, len, 0);
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* sendfile() exactly len bytes of the file from off. */
static int sendfile_all(struct flow *f, off_t off, size_t len)
{
	ssize_t n;

	cks_update(&f->sent, f->file_data + off, len);
	while (len) {
		n = sendfile(f->out, f->file, &off, len);
		if (n <= 0)
			return -1;
		len -= n;
	}
	return 0;
}

static void *flow_sender(void *arg)
{
	struct flow *f = arg;
	unsigned char *buf = malloc(CHUNK);
	u64 rng = f->seed, left = f->bytes / 2, len;
	off_t off = 0;

	/* First half with send() of random sizes. */
	while (buf && left && !f->err) {
		len = 1 + xorshift(&rng) % CHUNK;
		len = len < left ? len : left;
		fill(&rng, buf, len);
		cks_update(&f->sent, buf, len);
		f->err = send_all(f->out, buf, len);
		left -= len;
	}
	/* Second half with sendfile() of the file, piece by piece. */
	left = f->bytes - f->bytes / 2;
	while (buf && left && !f->err) {
		len = 1 + xorshift(&rng) % (FILE_BYTES / 2);
		len = len < left ? len : left;
		if (off + len > FILE_BYTES)
			off = 0;
		f->err = sendfile_all(f, off, len);
		off += len;
		left -= len;
	}
	if (!buf)
		f->err = -1;
	free(buf);
	return NULL;
}

static void *flow_receiver(void *arg)
{
	struct flow *f = arg;
	unsigned char *buf = malloc(CHUNK);
	ssize_t n;

	f->t0 = now();
	while (buf && f->got.total < f->bytes) {
		n = recv(f->in, buf, CHUNK, 0);
		if (n <= 0) {
			fprintf(stderr, "# recv after %llu bytes: %s\n",
				(unsigned long long)f->got.total,
				n ? strerror(errno) : "EOF");
			f->err = -1;
			break;
		}
		cks_update(&f->got, buf, n);
	}
	f->t1 = now();
	free(buf);
	return NULL;
}

/* A tmpfs file of FILE_BYTES pseudo-random bytes; also kept in memory. */
static int make_file(unsigned char **data, u64 seed)
{
	char path[] = "/tmp/sm4ktls-bulk-XXXXXX";
	int fd = mkstemp(path);

	*data = malloc(FILE_BYTES);
	if (fd < 0 || !*data)
		return -1;
	unlink(path);
	fill(&seed, *data, FILE_BYTES);
	if (tlsrec_write_all(fd, *data, FILE_BYTES))
		return -1;
	return fd;
}

FIXTURE(bulk)
{
	int a, b;
	struct flow f[2];
	unsigned char *data[2];
};

FIXTURE_VARIANT(bulk)
{
	u16 cipher;
	u16 version;
	unsigned int share;	/* this variant moves SM4KTLS_BULK_BYTES / share */
};

FIXTURE_VARIANT_ADD(bulk, 13_aes_gcm_128)
{
	.cipher = TLS_CIPHER_AES_GCM_128, .version = TLS_1_3_VERSION,
	.share = 1,
};

FIXTURE_VARIANT_ADD(bulk, 12_aes_gcm_256)
{
	.cipher = TLS_CIPHER_AES_GCM_256, .version = TLS_1_2_VERSION,
	.share = 4,
};

FIXTURE_VARIANT_ADD(bulk, 13_chacha20_poly1305)
{
	.cipher = TLS_CIPHER_CHACHA20_POLY1305, .version = TLS_1_3_VERSION,
	.share = 4,
};

FIXTURE_VARIANT_ADD(bulk, 13_sm4_gcm)
{
	.cipher = TLS_CIPHER_SM4_GCM, .version = TLS_1_3_VERSION,
	.share = 4,
};

/* TLCP (GB/T 38636): sm4ktls only. */
FIXTURE_VARIANT_ADD(bulk, tlcp_sm4_gcm)
{
	.cipher = TLS_CIPHER_SM4_GCM, .version = SM4KTLS_TLCP_1_1_VERSION,
	.share = 4,
};

FIXTURE_SETUP(bulk)
{
	u64 bytes = st_env_num("SM4KTLS_BULK_BYTES", 64ULL << 20) /
			 variant->share;
	int i;

	self->a = self->b = -1;
	self->f[0].file = self->f[1].file = -1;
	self->data[0] = self->data[1] = NULL;
	if (variant->version == SM4KTLS_TLCP_1_1_VERSION && st_stock())
		SKIP(return, "the in-tree tls.ko has no TLCP");
	ASSERT_EQ(tlsrec_init(), 0);
	ASSERT_EQ(st_tcp_pair(AF_INET, &self->a, &self->b), 0);
	ASSERT_EQ(ktls_connect(self->a, self->b,
			       tlsrec_suite_by_cipher(variant->cipher),
			       variant->version), 0);
	for (i = 0; i < 2; i++) {
		memset(&self->f[i], 0, sizeof(self->f[i]));
		self->f[i].out = i ? self->b : self->a;
		self->f[i].in = i ? self->a : self->b;
		self->f[i].bytes = bytes;
		tlsrec_random(&self->f[i].seed, sizeof(self->f[i].seed));
		self->f[i].seed |= 1;
		cks_init(&self->f[i].sent);
		cks_init(&self->f[i].got);
		self->f[i].file = make_file(&self->data[i], self->f[i].seed);
		ASSERT_GE(self->f[i].file, 0);
		self->f[i].file_data = self->data[i];
	}
}

FIXTURE_TEARDOWN(bulk)
{
	close(self->a);
	close(self->b);
	close(self->f[0].file);
	close(self->f[1].file);
	free(self->data[0]);
	free(self->data[1]);
}

TEST_F_TIMEOUT(bulk, both_directions, 7200)
{
	pthread_t th[4];
	double t0 = now(), secs;
	int i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pthread_create(&th[2 * i], NULL, flow_sender, &self->f[i]), 0);
		ASSERT_EQ(pthread_create(&th[2 * i + 1], NULL, flow_receiver,
					 &self->f[i]), 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	secs = now() - t0;
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(self->f[i].err, 0);
		EXPECT_EQ(self->f[i].sent.total, self->f[i].bytes);
		EXPECT_EQ(self->f[i].got.total, self->f[i].bytes);
		EXPECT_EQ(cks_final(&self->f[i].sent), cks_final(&self->f[i].got))
			TH_LOG("direction %d: checksum differs", i);
	}
	ksft_print_msg("bulk %s: 2 x %llu bytes in %.2f s, %.1f MB/s total\n",
		       tlsrec_suite_by_cipher(variant->cipher)->name,
		       (unsigned long long)self->f[0].bytes, secs,
		       2.0 * self->f[0].bytes / secs / 1e6);
}

/* The many-connections test: one end of one connection. */
struct end {
	int fd;
	u64 rng, tx_left, rx_left;
	struct cks sent, got;
	unsigned char buf[16384];
	size_t off, len;	/* unsent part of buf */
};

#define NPAIRS 100

/* Send what fd takes now; 0, or -1 on a real error. */
static int end_send(struct end *e)
{
	ssize_t n;

	if (!e->len && e->tx_left) {
		e->len = 1 + xorshift(&e->rng) % sizeof(e->buf);
		e->len = e->len < e->tx_left ? e->len : e->tx_left;
		e->off = 0;
		fill(&e->rng, e->buf, e->len);
	}
	if (!e->len)
		return 0;
	n = send(e->fd, e->buf + e->off, e->len, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	cks_update(&e->sent, e->buf + e->off, n);
	e->off += n;
	e->len -= n;
	e->tx_left -= n;
	return 0;
}

static int end_recv(struct end *e)
{
	unsigned char buf[16384];
	ssize_t n;

	n = recv(e->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	cks_update(&e->got, buf, n);
	e->rx_left -= n < (ssize_t)e->rx_left ? n : e->rx_left;
	return 0;
}

static const struct {
	u16 cipher, version;
} combos[] = {
	{ TLS_CIPHER_AES_GCM_128, TLS_1_2_VERSION },
	{ TLS_CIPHER_AES_GCM_128, TLS_1_3_VERSION },
	{ TLS_CIPHER_AES_GCM_256, TLS_1_2_VERSION },
	{ TLS_CIPHER_AES_GCM_256, TLS_1_3_VERSION },
	{ TLS_CIPHER_AES_CCM_128, TLS_1_2_VERSION },
	{ TLS_CIPHER_AES_CCM_128, TLS_1_3_VERSION },
	{ TLS_CIPHER_CHACHA20_POLY1305, TLS_1_2_VERSION },
	{ TLS_CIPHER_CHACHA20_POLY1305, TLS_1_3_VERSION },
	{ TLS_CIPHER_SM4_GCM, TLS_1_2_VERSION },
	{ TLS_CIPHER_SM4_GCM, TLS_1_3_VERSION },
	{ TLS_CIPHER_SM4_CCM, TLS_1_2_VERSION },
	{ TLS_CIPHER_SM4_CCM, TLS_1_3_VERSION },
};

#define NCOMBOS (ARRAY_SIZE(combos))

/* One round of poll(); returns the number of ends still busy, -1 on error. */
static int many_round(struct end *e, struct pollfd *pfd, int n)
{
	int i, busy = 0;

	for (i = 0; i < n; i++) {
		pfd[i].fd = e[i].fd;
		pfd[i].events = POLLIN | (e[i].tx_left ? POLLOUT : 0);
		busy += e[i].tx_left || e[i].rx_left;
	}
	if (!busy)
		return 0;
	if (poll(pfd, n, 20000) <= 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (pfd[i].revents & (POLLERR | POLLNVAL))
			return -1;
		if ((pfd[i].revents & POLLOUT) && end_send(&e[i]))
			return -1;
		if ((pfd[i].revents & POLLIN) && end_recv(&e[i]))
			return -1;
	}
	return busy;
}

FIXTURE(many)
{
};

FIXTURE_SETUP(many)
{
}

FIXTURE_TEARDOWN(many)
{
}

TEST_F_TIMEOUT(many, pairs_100, 1800)
{
	u64 bytes = st_env_num("SM4KTLS_MANY_BYTES", 128 << 10);
	int i, n = 2 * NPAIRS, ref0, rc;
	struct pollfd *pfd = calloc(n, sizeof(*pfd));
	struct end *e = calloc(n, sizeof(*e));
	double t0;

	ASSERT_TRUE(pfd && e);
	ASSERT_EQ(tlsrec_init(), 0);
	ref0 = st_module_refcnt(st_served_module());
	for (i = 0; i < n; i += 2) {
		ASSERT_EQ(st_tcp_pair(AF_INET, &e[i].fd, &e[i + 1].fd), 0);
		ASSERT_EQ(ktls_connect(e[i].fd, e[i + 1].fd,
				       tlsrec_suite_by_cipher(combos[i / 2 % NCOMBOS].cipher),
				       combos[i / 2 % NCOMBOS].version), 0)
			TH_LOG("pair %d", i / 2);
	}
	ASSERT_EQ(st_module_refcnt(st_served_module()), ref0 + n);
	for (i = 0; i < n; i++) {
		tlsrec_random(&e[i].rng, sizeof(e[i].rng));
		e[i].rng |= 1;
		e[i].tx_left = bytes;
		e[i].rx_left = bytes;
		cks_init(&e[i].sent);
		cks_init(&e[i].got);
	}
	t0 = now();
	do {
		rc = many_round(e, pfd, n);
	} while (rc > 0);
	ASSERT_EQ(rc, 0) TH_LOG("poll loop: %s", strerror(errno));
	ksft_print_msg("many: %d sockets, %llu bytes each way each, %.2f s\n",
		       n, (unsigned long long)bytes, now() - t0);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(e[i].got.total, bytes);
		EXPECT_EQ(cks_final(&e[i].sent), cks_final(&e[i ^ 1].got))
			TH_LOG("socket %d to %d: checksum differs", i, i ^ 1);
	}
	for (i = 0; i < n; i++)
		close(e[i].fd);
	EXPECT_EQ(st_wait_refcnt(st_served_module(), ref0, 10), ref0);
	free(pfd);
	free(e);
}

TEST_HARNESS_MAIN
