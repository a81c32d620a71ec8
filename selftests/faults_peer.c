// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures inside sm4ktls (run by faults.sh, which sets up
 * failslab and fail_page_alloc so that only allocations made under
 * sm4ktls.ko's code can fail: the stacktrace filter on the module's text).
 *
 * Each test sweeps one path: for N = 1, 2, ... it builds a fresh
 * connection, writes N to /proc/thread-self/fail-nth, makes the one
 * system call under test (the N-th allocation under the module in that
 * call fails), and stops at the first N where nothing was injected: every
 * allocation site the call reaches has then failed once. After each
 * injected failure the call must have ended the way upstream kTLS ends
 * it - success (the failure absorbed or retried), ENOMEM (setsockopt, a
 * send that consumed nothing, a recv that then reports an error for
 * good), a short send - and the connection must go on: a failed key
 * install leaves the socket plain (or a retried install works), a failed
 * rekey leaves the old key, a send's data arrives whole once resent, a
 * recv never returns wrong data or stalls with a record in TCP's queue.
 * The userspace end (tlsrec.c) opens every record and checks every byte.
 *
 *   faults_peer [-v VARIANT] [-t TEST]   (kselftest harness)
 *
 * Device tests (fixture "dev") need the namespaces "sa" and "sb" of
 * faults.sh/offload.sh joined by the sm4ktls_sim pair; they skip without.
 * SM4KTLS_FAULTS_MAX caps N (default 400); SM4KTLS_FAULTS_FROM=N starts
 * there (both N: the one run that failed, a reproducer).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "helpers.h"

#define STREAM_MAX	(4 * TLSREC_MAX_PLAIN)
#define RCV_TIMEO_S	2

static const u8 key_update_msg[5] = { 24, 0, 0, 1, 0 };

/* --- fail-nth of the calling thread --- */

static int fnth_fd = -1;

static int fnth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fnth_fd, buf, len, 0) == len ? 0 : -1;
}

/* After the call under test: was the fault injected? Disarms. */
static bool fnth_fired(void)
{
	char buf[16] = {};
	int left = -1;

	if (pread(fnth_fd, buf, sizeof(buf) - 1, 0) > 0)
		left = atoi(buf);
	fnth_set(0);
	return left == 0;
}

/* --- what happened, per test --- */

struct tally {
	int runs, fired;
	int ok;		/* the call succeeded anyway */
	int enomem;	/* it failed with ENOMEM */
	int shortw;	/* a send took part of the data */
	int aborts;	/* an in-place seal failed: EBADMSG, stream over */
	int hw, sw;	/* device tests: the mode a key ended in */
	bool last_fired;	/* the sweep stopped at the cap, not at its end */
};

static void tally_print(const char *name, const struct tally *t)
{
	printf("# %s: %d runs, %d faults injected: %d calls succeeded, %d ENOMEM, %d short sends",
	       name, t->runs, t->fired, t->ok, t->enomem, t->shortw);
	if (t->aborts)
		printf(", %d streams aborted (EBADMSG)", t->aborts);
	if (t->hw + t->sw)
		printf(", keys in device mode %d, software %d", t->hw, t->sw);
	printf("\n");
}

static unsigned int sweep_max(void)
{
	return st_env_num("SM4KTLS_FAULTS_MAX", 400);
}

/* SM4KTLS_FAULTS_FROM=N: start at the N-th allocation (a reproducer). */
static unsigned int sweep_from(void)
{
	return st_env_num("SM4KTLS_FAULTS_FROM", 1);
}

static u8 pattern(unsigned long long i)
{
	return (i * 31 + (i >> 8) * 7) ^ (i >> 16) ^ 0x5a;
}

static void fill(u8 *buf, unsigned long long from, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern(from + i);
}

static int check_pattern(const u8 *buf, unsigned long long from, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pattern(from + i))
			return -1;
	return 0;
}

static int set_timeo(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	       setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* poll() for POLLIN (or an error) up to the receive timeout: 1 if ready. */
static int poll_in(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, RCV_TIMEO_S * 1000);
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err;
}

/* The key of @dir the kernel reports, compared with @k: 0 if the same. */
static int key_is(int fd, int dir, const struct tlsrec_key *k)
{
	unsigned char want[TLSREC_MAX_INFO], got[TLSREC_MAX_INFO] = {};
	socklen_t len = tlsrec_crypto_info(k, want);
	const struct tlsrec_suite *s = k->suite;
	/* key, salt, iv, rec_seq: the key bytes follow the 4-byte header */
	size_t koff = sizeof(struct tls_crypto_info) +
		      (s->cipher == TLS_CIPHER_CHACHA20_POLY1305 ? s->iv_len : 8);

	if (getsockopt(fd, SOL_TLS, dir, got, &len))
		return -1;
	return memcmp(got + koff, want + koff, s->key_len) ? -1 : 0;
}

/* --- network namespaces of the device tests --- */

static int ns_open(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* An sm4ktls counter of the namespace @nsfd, or -1. */
static long ns_counter(int nsfd, const char *name)
{
	char key[64];
	long val, ret = -1;
	FILE *f;

	if (setns(nsfd, CLONE_NEWNET))
		return -1;
	f = fopen("/proc/self/net/sm4ktls_stat", "r");
	while (f && fscanf(f, "%63s %ld", key, &val) == 2)
		if (!strcmp(key, name))
			ret = val;
	if (f)
		fclose(f);
	return ret;
}

/*
 * A TCP connection from 10.8.0.1 in @from_ns to 10.9.0.2 in @to_ns, which
 * the routes of faults.sh send over the sim pair: *cfd in @from_ns, *sfd
 * in @to_ns. 0 or -1.
 */
static int ns_pair(int from_ns, int to_ns, int *cfd, int *sfd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int lfd;

	*cfd = *sfd = -1;
	if (setns(to_ns, CLONE_NEWNET))
		return -1;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "10.9.0.2", &sa.sin_addr);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, len) ||
	    listen(lfd, 1) || getsockname(lfd, (struct sockaddr *)&sa, &len) ||
	    setns(from_ns, CLONE_NEWNET))
		goto out;
	*cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (*cfd < 0 || connect(*cfd, (struct sockaddr *)&sa, len))
		goto out;
	*sfd = accept(lfd, NULL, NULL);
out:
	if (lfd >= 0)
		close(lfd);
	return *sfd < 0 ? -1 : 0;
}

/* --- the fixture: kfd runs kTLS, ufd is plain TCP with tlsrec --- */

struct conn {
	int kfd, ufd;
	struct tlsrec_key tx0, tx1, rx0, rx1;	/* kfd's keys, and next ones */
	struct tlsrec_state open0, open1;	/* open kfd's records */
	struct tlsrec_state seal0, seal1;	/* seal records for kfd */
	u8 *buf, *rec, *pt;
	int ref0;
};

FIXTURE(faults) {
	struct conn c;
	struct tally t;
	int sa, sb;
};

FIXTURE_VARIANT(faults) {
	u16 cipher;
	u16 version;
	bool dev;	/* over the sim pair between namespaces sa and sb */
};

FIXTURE_VARIANT_ADD(faults, 12_aes_gcm) {
	.cipher = TLS_CIPHER_AES_GCM_128, .version = TLS_1_2_VERSION,
};

FIXTURE_VARIANT_ADD(faults, 13_aes_gcm) {
	.cipher = TLS_CIPHER_AES_GCM_128, .version = TLS_1_3_VERSION,
};

FIXTURE_VARIANT_ADD(faults, 12_sm4_gcm) {
	.cipher = TLS_CIPHER_SM4_GCM, .version = TLS_1_2_VERSION,
};

FIXTURE_VARIANT_ADD(faults, 13_sm4_gcm) {
	.cipher = TLS_CIPHER_SM4_GCM, .version = TLS_1_3_VERSION,
};

FIXTURE_VARIANT_ADD(faults, tlcp_sm4_gcm) {
	.cipher = TLS_CIPHER_SM4_GCM, .version = SM4KTLS_TLCP_1_1_VERSION,
};

FIXTURE_VARIANT_ADD(faults, 12_chacha) {
	.cipher = TLS_CIPHER_CHACHA20_POLY1305, .version = TLS_1_2_VERSION,
};

FIXTURE_VARIANT_ADD(faults, 13_chacha) {
	.cipher = TLS_CIPHER_CHACHA20_POLY1305, .version = TLS_1_3_VERSION,
};

FIXTURE_VARIANT_ADD(faults, dev_12_aes_gcm) {
	.cipher = TLS_CIPHER_AES_GCM_128, .version = TLS_1_2_VERSION,
	.dev = true,
};

FIXTURE_VARIANT_ADD(faults, dev_13_aes_gcm) {
	.cipher = TLS_CIPHER_AES_GCM_128, .version = TLS_1_3_VERSION,
	.dev = true,
};

FIXTURE_VARIANT_ADD(faults, dev_12_sm4_gcm) {
	.cipher = TLS_CIPHER_SM4_GCM, .version = TLS_1_2_VERSION,
	.dev = true,
};

FIXTURE_VARIANT_ADD(faults, dev_13_sm4_gcm) {
	.cipher = TLS_CIPHER_SM4_GCM, .version = TLS_1_3_VERSION,
	.dev = true,
};

FIXTURE_VARIANT_ADD(faults, dev_tlcp_sm4_gcm) {
	.cipher = TLS_CIPHER_SM4_GCM, .version = SM4KTLS_TLCP_1_1_VERSION,
	.dev = true,
};

FIXTURE_SETUP(faults)
{
	const struct tlsrec_suite *s = tlsrec_suite_by_cipher(variant->cipher);
	struct conn *c = &self->c;

	signal(SIGPIPE, SIG_IGN);
	ASSERT_NE(s, NULL);
	ASSERT_EQ(tlsrec_init(), 0);
	fnth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fnth_fd, 0) TH_LOG("no fail-nth: kernel without fault injection");
	memset(c, 0, sizeof(*c));
	c->kfd = -1;
	c->ufd = -1;
	c->buf = malloc(2 * STREAM_MAX);
	c->rec = malloc(TLSREC_MAX_RECORD * 2);
	c->pt = malloc(TLSREC_MAX_RECORD * 2);
	ASSERT_TRUE(c->buf && c->rec && c->pt);
	tlsrec_key_random(&c->tx0, s, variant->version);
	tlsrec_key_random(&c->tx1, s, variant->version);
	tlsrec_key_random(&c->rx0, s, variant->version);
	tlsrec_key_random(&c->rx1, s, variant->version);
	memset(&self->t, 0, sizeof(self->t));
	self->sa = -1;
	self->sb = -1;
	if (variant->dev) {
		self->sa = ns_open("sa");
		self->sb = ns_open("sb");
		if (self->sa < 0 || self->sb < 0 ||
		    access("/sys/module/sm4ktls_sim", F_OK))
			SKIP(return, "no namespaces sa/sb with the sim pair");
	}
}

FIXTURE_TEARDOWN(faults)
{
	if (self->c.kfd >= 0)
		close(self->c.kfd);
	if (self->c.ufd >= 0)
		close(self->c.ufd);
	free(self->c.buf);
	free(self->c.rec);
	free(self->c.pt);
}

/*
 * A fresh connection. @rx: the kTLS end receives (in device tests the
 * one in sb, behind the receiving sim device); else it sends (sa).
 */
static int conn_open(struct __test_metadata *_metadata,
		     FIXTURE_DATA(faults) *self,
		     const FIXTURE_VARIANT(faults) *variant, bool rx)
{
	struct conn *c = &self->c;
	int a, b;

	if (variant->dev) {
		if (ns_pair(self->sa, self->sb, &a, &b))
			return -1;
		c->kfd = rx ? b : a;
		c->ufd = rx ? a : b;
	} else if (st_tcp_pair(AF_INET, &c->kfd, &c->ufd)) {
		return -1;
	}
	if (set_timeo(c->kfd, RCV_TIMEO_S) || set_timeo(c->ufd, RCV_TIMEO_S))
		return -1;
	tlsrec_state_init(&c->open0, &c->tx0);
	tlsrec_state_init(&c->open1, &c->tx1);
	tlsrec_state_init(&c->seal0, &c->rx0);
	tlsrec_state_init(&c->seal1, &c->rx1);
	c->ref0 = st_module_refcnt("sm4ktls");
	return 0;
}

static void conn_close(struct conn *c)
{
	close(c->kfd);
	close(c->ufd);
	c->kfd = -1;
	c->ufd = -1;
}

/* kfd sends @len bytes of the pattern from @from as one record; the peer checks. */
static int tx_roundtrip(struct conn *c, struct tlsrec_state *st,
			unsigned long long from, size_t len)
{
	u8 type = 0;
	long n;

	fill(c->buf, from, len);
	if (send(c->kfd, c->buf, len, MSG_NOSIGNAL) != (ssize_t)len) {
		printf("# kTLS send: %s\n", strerror(errno));
		return -1;
	}
	n = tlsrec_read_record(c->ufd, c->rec, TLSREC_MAX_RECORD);
	if (n > 0)
		n = tlsrec_open(st, c->rec, n, &type, c->pt);
	if (n != (long)len || type != TLSREC_TYPE_DATA ||
	    check_pattern(c->pt, from, len)) {
		printf("# the peer did not get the record right (%ld)\n", n);
		return -1;
	}
	return 0;
}

/* The peer seals a record of @type (@len pattern bytes from @from). */
static int peer_seal(struct conn *c, struct tlsrec_state *st, u8 type,
		     unsigned long long from, size_t len)
{
	long n;

	if (type == TLSREC_TYPE_DATA)
		fill(c->pt, from, len);
	else
		memcpy(c->pt, key_update_msg, len);
	n = tlsrec_seal(st, type, c->pt, len, 0, c->rec);
	return n > 0 ? tlsrec_write_all(c->ufd, c->rec, n) : -1;
}

/* kfd receives @len bytes of the pattern from @from; 0 if right. */
static int rx_expect(struct conn *c, unsigned long long from, size_t len)
{
	ssize_t n = recv(c->kfd, c->buf, len, MSG_WAITALL);

	if (n != (ssize_t)len || check_pattern(c->buf, from, len)) {
		printf("# kTLS recv: %zd of %zu: %s\n", n, len,
		       n < 0 ? strerror(errno) : "short or wrong data");
		return -1;
	}
	return 0;
}

static int rx_roundtrip(struct conn *c, struct tlsrec_state *st,
			unsigned long long from, size_t len)
{
	if (peer_seal(c, st, TLSREC_TYPE_DATA, from, len))
		return -1;
	return rx_expect(c, from, len);
}

/*
 * Attach the ULP and check that sm4ktls serves it: the name, and the
 * in-tree tls.ko (if bonding or anything pulled it in) serving nothing.
 * Not by sm4ktls's reference count, as st_attach_served() does: device-mode
 * sockets of earlier runs give theirs back meanwhile.
 */
static int ulp_attach(int fd)
{
	int tls0 = st_module_refcnt("tls");
	char name[16] = {};
	socklen_t len = sizeof(name);

	/* A tls.ko serving nothing may hold sm4ktls's pin: count growth. */
	if (st_attach(fd, st_ulp_name()) ||
	    getsockopt(fd, SOL_TCP, TCP_ULP, name, &len) ||
	    strcmp(name, st_ulp_name()) || st_module_refcnt("tls") > tls0) {
		printf("# TCP_ULP %s not served by sm4ktls: %s\n", st_ulp_name(),
		       strerror(errno));
		return -1;
	}
	return 0;
}

/* Plain bytes both ways on a socket without keys (or without the ULP). */
static int plain_works(struct conn *c, bool tx, bool rx)
{
	static const char msg[] = "plain TCP still works";
	char got[sizeof(msg)] = {};

	if (tx && (send(c->kfd, msg, sizeof(msg), MSG_NOSIGNAL) != sizeof(msg) ||
		   recv(c->ufd, got, sizeof(got), MSG_WAITALL) != sizeof(got) ||
		   memcmp(got, msg, sizeof(msg))))
		return -1;
	if (rx && (send(c->ufd, msg, sizeof(msg), MSG_NOSIGNAL) != sizeof(msg) ||
		   recv(c->kfd, got, sizeof(got), MSG_WAITALL) != sizeof(got) ||
		   memcmp(got, msg, sizeof(msg))))
		return -1;
	return 0;
}

/* An errno a key install may fail with after an injected fault. */
#define EXPECT_ENOMEM(err, fired) do {					\
	EXPECT_TRUE(fired) TH_LOG("failed without an injected fault: %s", \
				   strerror(err));			\
	EXPECT_EQ(err, ENOMEM) TH_LOG("errno %d (%s), want ENOMEM",	\
				      err, strerror(err));		\
} while (0)

#define SWEEP_END(name) do {						\
	tally_print(name, &self->t);					\
	EXPECT_GT(self->t.fired, 0) TH_LOG("no fault was injected: filter?"); \
	if (!getenv("SM4KTLS_FAULTS_MAX"))				\
		EXPECT_FALSE(self->t.last_fired) TH_LOG("sweep not done"); \
} while (0)

/* --- TCP_ULP attach --- */

TEST_F_TIMEOUT(faults, ulp, 600)
{
	struct conn *c = &self->c;
	unsigned int n;
	char name[16];
	int r, err, base;
	socklen_t len;
	bool fired;

	base = st_module_refcnt("sm4ktls");
	for (n = sweep_from(); n <= sweep_max(); n++) {
		/* The last run's sockets are gone: the count is exact. */
		EXPECT_EQ(st_wait_refcnt("sm4ktls", base, 5), base)
			TH_LOG("sm4ktls references left after fault %u", n - 1);
		ASSERT_EQ(conn_open(_metadata, self, variant, false), 0);
		fnth_set(n);
		r = st_attach(c->kfd, st_ulp_name());
		err = errno;
		fired = fnth_fired();
		self->t.runs++;
		self->t.fired += fired;
		self->t.last_fired = fired;
		if (r) {
			self->t.enomem += err == ENOMEM;
			EXPECT_ENOMEM(err, fired);
			EXPECT_EQ(st_module_refcnt("sm4ktls"), c->ref0)
				TH_LOG("a failed attach kept a module reference");
			len = sizeof(name);
			EXPECT_EQ(getsockopt(c->kfd, SOL_TCP, TCP_ULP, name, &len), 0);
			EXPECT_EQ(len, 0) TH_LOG("a failed attach left a ULP");
			EXPECT_EQ(plain_works(c, true, true), 0);
			ASSERT_EQ(st_attach(c->kfd, st_ulp_name()), 0)
				TH_LOG("the retried attach: %s", strerror(errno));
		} else {
			self->t.ok += fired;
		}
		EXPECT_EQ(st_module_refcnt("sm4ktls"), c->ref0 + 1);
		ASSERT_EQ(st_set_key(c->kfd, TLS_TX, &c->tx0), 0);
		ASSERT_EQ(st_set_key(c->kfd, TLS_RX, &c->rx0), 0);
		EXPECT_EQ(tx_roundtrip(c, &c->open0, 0, 1000), 0);
		EXPECT_EQ(rx_roundtrip(c, &c->seal0, 0, 1000), 0);
		conn_close(c);
		if (!fired)
			break;
	}
	SWEEP_END("ulp attach");
}

/* --- key install: TLS_TX, TLS_RX --- */

/*
 * @queued: the peer's first record is in TCP's queue before TLS_RX (as
 * after a handshake), so the install also starts parsing it.
 */
static void key_sweep(struct __test_metadata *_metadata,
		      FIXTURE_DATA(faults) *self,
		      const FIXTURE_VARIANT(faults) *variant, int dir,
		      bool queued)
{
	struct conn *c = &self->c;
	long cur0 = -1, cur1;
	const char *mode;
	unsigned int n;
	int r, other;
	bool fired;

	mode = dir == TLS_TX ? "TlsCurrTxDevice" : "TlsCurrRxDevice";
	for (n = sweep_from(); n <= sweep_max(); n++) {
		ASSERT_EQ(conn_open(_metadata, self, variant, dir == TLS_RX), 0);
		ASSERT_EQ(ulp_attach(c->kfd), 0);
		if (queued)
			ASSERT_EQ(peer_seal(c, &c->seal0, TLSREC_TYPE_DATA, 0, 1000), 0);
		if (variant->dev)
			cur0 = ns_counter(dir == TLS_TX ? self->sa : self->sb, mode);
		fnth_set(n);
		r = st_set_key(c->kfd, dir, dir == TLS_TX ? &c->tx0 : &c->rx0);
		fired = fnth_fired();
		self->t.runs++;
		self->t.fired += fired;
		self->t.last_fired = fired;
		if (r) {
			self->t.enomem += r == -ENOMEM;
			EXPECT_ENOMEM(-r, fired);
			EXPECT_TRUE(getsockopt(c->kfd, SOL_TLS, dir, c->pt,
					       &(socklen_t){ TLSREC_MAX_INFO }) &&
				    errno == EBUSY)
				TH_LOG("a failed install left a key");
			if (!queued)
				EXPECT_EQ(plain_works(c, dir == TLS_TX,
						      dir == TLS_RX), 0)
					TH_LOG("plain mode after a failed install");
			if (variant->dev)
				cur0 = ns_counter(dir == TLS_TX ? self->sa : self->sb,
						  mode);
			r = st_set_key(c->kfd, dir, dir == TLS_TX ? &c->tx0 : &c->rx0);
			ASSERT_EQ(r, 0) TH_LOG("the retried install: %s", strerror(-r));
		} else {
			self->t.ok += fired;
		}
		if (variant->dev) {
			cur1 = ns_counter(dir == TLS_TX ? self->sa : self->sb, mode);
			if (cur1 > cur0)
				self->t.hw++;
			else
				self->t.sw++;
			/* Without a fault, the device takes the connection. */
			if (!fired)
				EXPECT_GT(cur1, cur0) TH_LOG("not in device mode");
		}
		/* The other direction's key still goes in. */
		other = dir == TLS_TX ? TLS_RX : TLS_TX;
		ASSERT_EQ(st_set_key(c->kfd, other,
				     dir == TLS_TX ? &c->rx0 : &c->tx0), 0);
		if (dir == TLS_TX) {
			EXPECT_EQ(tx_roundtrip(c, &c->open0, 0, 1000), 0);
			EXPECT_EQ(tx_roundtrip(c, &c->open0, 1000, 16384), 0);
		} else {
			/* An event loop polls first: the queued record is there. */
			if (queued)
				EXPECT_EQ(poll_in(c->kfd), 1)
					TH_LOG("stall: no POLLIN for the queued record (fault %u)",
					       n);
			if (queued)
				EXPECT_EQ(rx_expect(c, 0, 1000), 0);
			EXPECT_EQ(rx_roundtrip(c, &c->seal0, 1000, 16384), 0);
		}
		conn_close(c);
		if (!fired)
			break;
	}
	SWEEP_END(dir == TLS_TX ? "TLS_TX install" :
		  queued ? "TLS_RX install, record queued" : "TLS_RX install");
}

TEST_F_TIMEOUT(faults, tx_key, 600)
{
	key_sweep(_metadata, self, variant, TLS_TX, false);
}

TEST_F_TIMEOUT(faults, rx_key, 600)
{
	key_sweep(_metadata, self, variant, TLS_RX, false);
}

TEST_F_TIMEOUT(faults, rx_key_queued, 600)
{
	if (variant->dev)
		SKIP(return, "the device test sends after the key");
	key_sweep(_metadata, self, variant, TLS_RX, true);
}

/* --- TLS 1.3 KeyUpdate: TLS_TX, TLS_RX again --- */

/*
 * Records under the first key, then under the next: each record opens
 * under the key in force or, once, under the next one. Returns the stream
 * bytes read to EOF (all checked) and where the next key began.
 */
static long long peer_read_stream(struct conn *c, long long *switched)
{
	struct tlsrec_state *st = &c->open0;
	unsigned long long pos = 0;
	long n, len;
	u8 type;

	*switched = -1;
	while (recv(c->ufd, c->rec, 1, MSG_PEEK | MSG_WAITALL) == 1) {
		len = tlsrec_read_record(c->ufd, c->rec, TLSREC_MAX_RECORD);
		if (len < 0)
			return -1;
		n = tlsrec_open(st, c->rec, len, &type, c->pt);
		if (n == -EBADMSG && st == &c->open0) {
			st = &c->open1;
			*switched = pos;
			n = tlsrec_open(st, c->rec, len, &type, c->pt);
		}
		if (n < 0 || type != TLSREC_TYPE_DATA) {
			printf("# record at byte %llu: %s\n", pos,
			       n < 0 ? strerror(-n) : "not data");
			return -1;
		}
		if (check_pattern(c->pt, pos, n)) {
			printf("# wrong bytes in the record at %llu\n", pos);
			return -1;
		}
		pos += n;
	}
	return pos;
}

TEST_F_TIMEOUT(faults, tx_rekey, 600)
{
	struct conn *c = &self->c;
	long long got, switched;
	bool fired, failed;
	unsigned int n;
	int r;

	if (variant->version != TLS_1_3_VERSION || variant->dev)
		SKIP(return, "KeyUpdate: TLS 1.3, software only");
	for (n = sweep_from(); n <= sweep_max(); n++) {
		ASSERT_EQ(conn_open(_metadata, self, variant, false), 0);
		ASSERT_EQ(ulp_attach(c->kfd), 0);
		ASSERT_EQ(st_set_key(c->kfd, TLS_TX, &c->tx0), 0);
		fill(c->buf, 0, 1500);
		ASSERT_EQ(send(c->kfd, c->buf, 1000, 0), 1000);
		/* Open at the rekey: sealed under the old key by it. */
		ASSERT_EQ(send(c->kfd, c->buf + 1000, 500, MSG_MORE), 500);
		fnth_set(n);
		r = st_set_key(c->kfd, TLS_TX, &c->tx1);
		fired = fnth_fired();
		failed = r;
		self->t.runs++;
		self->t.fired += fired;
		self->t.last_fired = fired;
		if (failed) {
			self->t.enomem += r == -ENOMEM;
			EXPECT_ENOMEM(-r, fired);
			EXPECT_EQ(key_is(c->kfd, TLS_TX, &c->tx0), 0)
				TH_LOG("a failed rekey did not keep the old key");
			/* Still under the old key: */
			fill(c->buf, 1500, 700);
			EXPECT_EQ(send(c->kfd, c->buf, 700, 0), 700);
			r = st_set_key(c->kfd, TLS_TX, &c->tx1);
			ASSERT_EQ(r, 0) TH_LOG("the retried rekey: %s", strerror(-r));
		} else {
			self->t.ok += fired;
			fill(c->buf, 1500, 700);
			EXPECT_EQ(send(c->kfd, c->buf, 700, 0), 700);
		}
		EXPECT_EQ(key_is(c->kfd, TLS_TX, &c->tx1), 0);
		fill(c->buf, 2200, 3000);
		EXPECT_EQ(send(c->kfd, c->buf, 3000, 0), 3000);
		EXPECT_EQ(shutdown(c->kfd, SHUT_WR), 0);
		got = peer_read_stream(c, &switched);
		EXPECT_EQ(got, 5200);
		/* The open record went out under the old key. */
		EXPECT_EQ(switched, failed ? 2200 : 1500)
			TH_LOG("the next key began at byte %lld", switched);
		conn_close(c);
		if (!fired)
			break;
	}
	SWEEP_END("TLS_TX rekey");
}

TEST_F_TIMEOUT(faults, rx_rekey, 600)
{
	struct conn *c = &self->c;
	unsigned int n;
	ssize_t got;
	bool fired;
	int r, type;

	if (variant->version != TLS_1_3_VERSION || variant->dev)
		SKIP(return, "KeyUpdate: TLS 1.3, software only");
	for (n = sweep_from(); n <= sweep_max(); n++) {
		ASSERT_EQ(conn_open(_metadata, self, variant, true), 0);
		ASSERT_EQ(ulp_attach(c->kfd), 0);
		ASSERT_EQ(st_set_key(c->kfd, TLS_RX, &c->rx0), 0);
		ASSERT_EQ(peer_seal(c, &c->seal0, TLSREC_TYPE_DATA, 0, 1000), 0);
		ASSERT_EQ(peer_seal(c, &c->seal0, TLSREC_TYPE_HANDSHAKE, 0, 5), 0);
		/* Two records under the next key wait behind the KeyUpdate. */
		ASSERT_EQ(peer_seal(c, &c->seal1, TLSREC_TYPE_DATA, 1000, 3000), 0);
		ASSERT_EQ(peer_seal(c, &c->seal1, TLSREC_TYPE_DATA, 4000, 16384), 0);
		ASSERT_EQ(rx_expect(c, 0, 1000), 0);
		got = st_recv_type(c->kfd, c->buf, 100, 0, &type);
		ASSERT_EQ(got, 5);
		ASSERT_EQ(type, TLSREC_TYPE_HANDSHAKE);
		ASSERT_EQ(recv(c->kfd, c->buf, 100, MSG_DONTWAIT), -1);
		ASSERT_EQ(errno, EKEYEXPIRED);
		fnth_set(n);
		r = st_set_key(c->kfd, TLS_RX, &c->rx1);
		fired = fnth_fired();
		self->t.runs++;
		self->t.fired += fired;
		self->t.last_fired = fired;
		if (r) {
			self->t.enomem += r == -ENOMEM;
			EXPECT_ENOMEM(-r, fired);
			EXPECT_EQ(key_is(c->kfd, TLS_RX, &c->rx0), 0);
			EXPECT_EQ(recv(c->kfd, c->buf, 100, MSG_DONTWAIT), -1);
			EXPECT_EQ(errno, EKEYEXPIRED)
				TH_LOG("after a failed rekey: %s", strerror(errno));
			r = st_set_key(c->kfd, TLS_RX, &c->rx1);
			ASSERT_EQ(r, 0) TH_LOG("the retried rekey: %s", strerror(-r));
		} else {
			self->t.ok += fired;
		}
		/* The records behind the KeyUpdate are readable now. */
		EXPECT_EQ(poll_in(c->kfd), 1)
			TH_LOG("stall: no POLLIN after the rekey (fault %u)", n);
		EXPECT_EQ(rx_expect(c, 1000, 3000 + 16384), 0);
		EXPECT_EQ(rx_roundtrip(c, &c->seal1, 20384, 2000), 0);
		conn_close(c);
		if (!fired)
			break;
	}
	SWEEP_END("TLS_RX rekey");
}

/* --- send: record pages, sealing, TCP under the push --- */

/*
 * A seal in place whose transform failed (skcipher_walk's bounce buffer):
 * as upstream, the stream ends with EBADMSG. It must stay ended, and the
 * peer must have got only whole, right records before the lost one.
 */
static bool send_aborted(struct __test_metadata *_metadata,
			 FIXTURE_DATA(faults) *self, int err, int died,
			 int soerr, long long got, size_t before)
{
	struct conn *c = &self->c;

	/* The call may have taken its bytes: then SO_ERROR tells. */
	if (err != EBADMSG && died != EBADMSG && soerr != EBADMSG)
		return false;
	self->t.aborts++;
	EXPECT_TRUE(self->t.last_fired);
	EXPECT_GE(got, 0) TH_LOG("a wrong record reached the peer after the abort");
	EXPECT_LE(got, (long long)before);
	EXPECT_EQ(send(c->kfd, "x", 1, MSG_NOSIGNAL), -1);
	EXPECT_EQ(errno, EBADMSG) TH_LOG("after the abort: %s", strerror(errno));
	return true;
}

/*
 * @pre bytes sent with MSG_MORE first (a record left open), then the
 * call under test sends @len more (@flags). Whatever it took, the rest is
 * sent again; the peer must get the stream whole. With @inplace the call
 * seals a record in place, so EBADMSG may end it (send_aborted()).
 */
static void send_sweep(struct __test_metadata *_metadata,
		       FIXTURE_DATA(faults) *self,
		       const FIXTURE_VARIANT(faults) *variant, const char *name,
		       size_t pre, size_t len, int flags, bool inplace)
{
	struct conn *c = &self->c;
	size_t total = pre + len, pos;
	int err, died, shut, soerr;
	long long got, switched;
	bool fired, pending;
	long cur0 = 0;
	unsigned int n;
	ssize_t r, r0;

	fill(c->buf, 0, total);
	for (n = sweep_from(); n <= sweep_max(); n++) {
		ASSERT_EQ(conn_open(_metadata, self, variant, false), 0);
		ASSERT_EQ(ulp_attach(c->kfd), 0);
		if (variant->dev)
			cur0 = ns_counter(self->sa, "TlsCurrTxDevice");
		ASSERT_EQ(st_set_key(c->kfd, TLS_TX, &c->tx0), 0);
		if (variant->dev)
			ASSERT_GT(ns_counter(self->sa, "TlsCurrTxDevice"), cur0)
				TH_LOG("not in device mode");
		if (pre)
			ASSERT_EQ(send(c->kfd, c->buf, pre, MSG_MORE), (ssize_t)pre);
		fnth_set(n);
		r = send(c->kfd, c->buf + pre, len, flags | MSG_NOSIGNAL);
		err = errno;
		fired = fnth_fired();
		self->t.runs++;
		self->t.fired += fired;
		self->t.last_fired = fired;
		pos = pre + (r > 0 ? r : 0);
		if (r == (ssize_t)len) {
			self->t.ok += fired;
		} else if (r > 0) {
			self->t.shortw++;
		} else {
			self->t.enomem += err == ENOMEM;
			EXPECT_TRUE(fired);
			if (!inplace || err != EBADMSG)
				EXPECT_EQ(err, ENOMEM) TH_LOG("send: %s", strerror(err));
		}
		if (!fired)
			EXPECT_EQ(r, (ssize_t)len);
		/* An error the socket holds now (poll() leaves it there). */
		pending = poll(&(struct pollfd){ .fd = c->kfd }, 1, 0) == 1;
		r0 = r;
		/* The rest goes out on a connection that must still work. */
		died = 0;
		while (pos < total) {
			r = send(c->kfd, c->buf + pos, total - pos, MSG_NOSIGNAL);
			if (r <= 0) {
				died = errno;
				break;
			}
			pos += r;
		}
		shut = shutdown(c->kfd, SHUT_WR) ? errno : 0;
		got = peer_read_stream(c, &switched);
		soerr = sock_error(c->kfd);
		if (inplace && send_aborted(_metadata, self, r0 < 0 ? err : 0,
					    died, soerr, got, 0)) {
			conn_close(c);
			continue;
		}
		EXPECT_EQ(died, 0)
			TH_LOG("fault %u: the connection died: send returned %zd%s%s, then the rest: %s",
			       n, r0, r0 < 0 ? " " : "", r0 < 0 ? strerror(err) : "",
			       strerror(died));
		EXPECT_EQ(got, (long long)total)
			TH_LOG("fault %u: the peer got %lld of %zu bytes and EOF", n, got, total);
		if (got != (long long)total && !died && !shut && !soerr)
			TH_LOG("fault %u: silent loss: send() returned %zd (all of it), shutdown() 0, SO_ERROR 0%s",
			       n, r0, pending ? " (POLLERR was up after the send)" : "");
		EXPECT_EQ(soerr, 0) TH_LOG("SO_ERROR %s", strerror(soerr));
		conn_close(c);
		if (!fired)
			break;
	}
	SWEEP_END(name);
}

/* One record, ended by the call: the no-copy path from user pages. */
TEST_F_TIMEOUT(faults, send_small, 600)
{
	send_sweep(_metadata, self, variant, "send 1000", 0, 1000, 0, false);
}

/* Two full records and a part: 40000 bytes in one call. */
TEST_F_TIMEOUT(faults, send_big, 600)
{
	send_sweep(_metadata, self, variant, "send 40000", 0, 40000, 0, false);
}

/*
 * A record left open with 4079 bytes, then one more byte ends it: its
 * tag room lies on a page the record does not have yet (prepend + 4080
 * fits one page for every cipher and version, the tag does not).
 */
TEST_F_TIMEOUT(faults, send_tag_page, 600)
{
	send_sweep(_metadata, self, variant, "send 4079+1, tag on a new page",
		   4079, 1, 0, false);
}

/* Copies into an open record (MSG_MORE) and a full record sealed then. */
TEST_F_TIMEOUT(faults, send_more, 600)
{
	send_sweep(_metadata, self, variant, "send 20000 MSG_MORE, then end",
		   0, 20000, MSG_MORE, false);
}

/*
 * A record of 6000 bytes collected with MSG_MORE, ended by one more byte:
 * sealed in place across a page boundary, where a block straddles two
 * pages and the transform may allocate.
 */
TEST_F_TIMEOUT(faults, send_span, 600)
{
	send_sweep(_metadata, self, variant, "send 6000 MSG_MORE, then 1 byte",
		   6000, 1, 0, true);
}

/* --- recv: decrypt into fresh pages or the reader's, parsing --- */

#define RX_TOTAL (1000 + 3000 + 16384)

/*
 * The peer queues three records; the call under test reads @len (with
 * @flags); then the rest is read. Bytes read must be the stream's. A
 * failure may only be ENOMEM that used nothing: the next call goes on
 * where it stopped, and the whole stream arrives (upstream aborts the
 * connection instead; sm4ktls loses nothing). Never a stall or a gap.
 */
static void recv_sweep(struct __test_metadata *_metadata,
		       FIXTURE_DATA(faults) *self,
		       const FIXTURE_VARIANT(faults) *variant, const char *name,
		       size_t len, int flags, bool use_poll)
{
	struct pollfd pfd = { .events = POLLIN };
	struct conn *c = &self->c;
	unsigned long long pos;
	int err, stalls = 0;
	unsigned int n;
	bool fired;
	ssize_t r;

	for (n = sweep_from(); n <= sweep_max(); n++) {
		ASSERT_EQ(conn_open(_metadata, self, variant, true), 0);
		ASSERT_EQ(ulp_attach(c->kfd), 0);
		ASSERT_EQ(st_set_key(c->kfd, TLS_RX, &c->rx0), 0);
		ASSERT_EQ(peer_seal(c, &c->seal0, TLSREC_TYPE_DATA, 0, 1000), 0);
		ASSERT_EQ(peer_seal(c, &c->seal0, TLSREC_TYPE_DATA, 1000, 3000), 0);
		ASSERT_EQ(peer_seal(c, &c->seal0, TLSREC_TYPE_DATA, 4000, 16384), 0);
		ASSERT_EQ(poll_in(c->kfd), 1);
		pos = 0;
		fnth_set(n);
		r = recv(c->kfd, c->buf, len, flags);
		err = r < 0 ? errno : 0;
		fired = fnth_fired();
		self->t.runs++;
		self->t.fired += fired;
		self->t.last_fired = fired;
		if (r > 0) {
			self->t.ok += fired;
			EXPECT_EQ(check_pattern(c->buf, 0, r), 0)
				TH_LOG("wrong data after fault %u", n);
			if (!(flags & MSG_PEEK))
				pos = r;
		}
		if (err) {
			self->t.enomem += err == ENOMEM;
			EXPECT_TRUE(fired) TH_LOG("recv: %s without a fault",
						  strerror(err));
			EXPECT_EQ(err, ENOMEM) TH_LOG("recv: %s", strerror(err));
		}
		/*
		 * An event loop polls before it reads: the next record is
		 * in TCP's queue (or back in ours), so it must be readable.
		 */
		if (use_poll || err) {
			pfd.fd = c->kfd;
			EXPECT_EQ(poll(&pfd, 1, RCV_TIMEO_S * 1000), 1)
				TH_LOG("stall: no POLLIN with %llu of %u bytes read, the rest in TCP's queue (fault %u)",
				       pos, RX_TOTAL, n);
			stalls += !pfd.revents;
		}
		/* The rest of the stream, whole. */
		err = 0;
		while (pos < RX_TOTAL) {
			r = recv(c->kfd, c->buf, RX_TOTAL - pos, 0);
			if (r <= 0) {
				err = r ? errno : -1;
				break;
			}
			EXPECT_EQ(check_pattern(c->buf, pos, r), 0)
				TH_LOG("wrong data at %llu after fault %u", pos, n);
			pos += r;
		}
		EXPECT_EQ(err, 0)
			TH_LOG("%s with %llu of %u bytes read (fault %u)",
			       err > 0 ? strerror(err) : "EOF", pos, RX_TOTAL, n);
		stalls += err == EAGAIN;
		EXPECT_EQ(pos, RX_TOTAL);
		conn_close(c);
		if (!fired)
			break;
	}
	if (stalls)
		printf("# %s: %d stalls\n", name, stalls);
	SWEEP_END(name);
}

/* Part of a record: it is opened into fresh pages, the rest kept. */
TEST_F_TIMEOUT(faults, recv_part, 600)
{
	recv_sweep(_metadata, self, variant, "recv 100 of a record", 100, 0,
		   false);
}

TEST_F_TIMEOUT(faults, recv_peek, 600)
{
	recv_sweep(_metadata, self, variant, "recv MSG_PEEK", 500, MSG_PEEK,
		   false);
}

/* Whole records into the reader's buffer; the parser fetches the next. */
TEST_F_TIMEOUT(faults, recv_all, 600)
{
	recv_sweep(_metadata, self, variant, "recv all three records",
		   RX_TOTAL, 0, false);
}

/* The first record exactly, then poll() for the next one. */
TEST_F_TIMEOUT(faults, recv_poll, 600)
{
	recv_sweep(_metadata, self, variant, "recv one record, then poll",
		   1000, 0, true);
}

TEST_HARNESS_MAIN
