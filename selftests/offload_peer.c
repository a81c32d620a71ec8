// SPDX-License-Identifier: GPL-2.0
/*
 * Both ends of the device-offload tests (offload.sh).
 *
 *   offload_peer send ADDR PORT CIPHER VERSION BYTES [SYNC_DIR]
 *	kTLS TX (sm4ktls): sends BYTES of a position-dependent pattern in
 *	chunks of varying size. With SYNC_DIR, stops halfway, creates
 *	SYNC_DIR/half and waits for SYNC_DIR/go, so the script can change
 *	the path mid-stream.
 *   offload_peer recv ADDR PORT CIPHER VERSION BYTES
 *	Plain TCP: opens every record with the userspace record layer
 *	(tlsrec.c, not the kernel) and checks every byte of the pattern.
 *   offload_peer usend ADDR PORT CIPHER VERSION BYTES [CORRUPT_AT]
 *	Plain TCP: seals the pattern into records in userspace; with
 *	CORRUPT_AT, flips a bit of the record holding that byte.
 *   offload_peer krecv ADDR PORT CIPHER VERSION BYTES [CORRUPT_AT]
 *	kTLS RX (sm4ktls): reads and checks every byte; with CORRUPT_AT,
 *	expects EBADMSG at that record and nothing wrong before it. With
 *	SM4KTLS_PEER_SYNC=DIR in the environment, pauses halfway as send
 *	does with SYNC_DIR.
 *
 *   offload_peer norcu ADDR PORT CIPHER VERSION 0 NETNS
 *	Run in ADDR's namespace, with peers connecting from NETNS (a path
 *	like /run/netns/sa): while sm4ktls_test.ko holds an RCU read-side
 *	section open, a socket with device-mode TX and RX keys is closed
 *	and another one gets both keys. Neither may wait for the grace
 *	period (exit 1 if they had not finished after 5 s).
 *   offload_peer attach ADDR PORT CIPHER VERSION N NETNS
 *	The same setup: N accepted sockets get the ULP and TX and RX keys
 *	from two threads at once, every other socket each. All of them
 *	must end in device mode both ways.
 *
 * CIPHER: aes128gcm, aes256gcm or sm4gcm; VERSION: 12, 13 or tlcp (TLCP,
 * SM4-GCM only). Both ends derive the same keys from fixed bytes. Exit
 * status 0 on success.
 */
#define _GNU_SOURCE	/* setns() */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>

#include "helpers.h"

static u8 pattern(unsigned long long i)
{
	return (i * 31 + (i >> 8) * 7) ^ (i >> 16) ^ 0x5a;
}

static int parse_key(struct tlsrec_key *k, const char *cipher, const char *ver)
{
	static const struct { const char *name; u16 id; } ciphers[] = {
		{ "aes128gcm", TLS_CIPHER_AES_GCM_128 },
		{ "aes256gcm", TLS_CIPHER_AES_GCM_256 },
		{ "sm4gcm", TLS_CIPHER_SM4_GCM },
	};
	const struct tlsrec_suite *s = NULL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ciphers); i++)
		if (!strcmp(cipher, ciphers[i].name))
			s = tlsrec_suite_by_cipher(ciphers[i].id);
	if (!s)
		return -1;
	memset(k, 0, sizeof(*k));
	k->suite = s;
	k->version = !strcmp(ver, "13") ? TLS_1_3_VERSION :
		     !strcmp(ver, "tlcp") ? SM4KTLS_TLCP_1_1_VERSION :
					    TLS_1_2_VERSION;
	for (i = 0; i < sizeof(k->key); i++)
		k->key[i] = i * 7 + 1;
	for (i = 0; i < sizeof(k->salt); i++)
		k->salt[i] = i * 13 + 5;
	for (i = 0; i < sizeof(k->iv); i++)
		k->iv[i] = i * 3 + 9;
	k->rec_seq[7] = 3;
	return 0;
}

static int sock_addr(const char *addr, const char *port,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;

	if (getaddrinfo(addr, port, &hints, &ai))
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int wait_file(const char *dir, const char *name)
{
	char path[512];
	struct stat st;
	int i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (i = 0; i < 2400; i++) {
		if (!stat(path, &st))
			return 0;
		usleep(50000);
	}
	return -1;
}

static int touch_file(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	return f ? fclose(f) : -1;
}

/*
 * How much the next send() takes. OFFLOAD_SWEEP="LO-HI" sends records of
 * every length from LO to HI in turn (e.g. where the tag room of a
 * device-mode record crosses a page end); otherwise sizes that vary.
 */
static size_t next_len(unsigned long long pos)
{
	static unsigned long lo, hi, k;
	const char *sweep = getenv("OFFLOAD_SWEEP");

	if (sweep && !hi && sscanf(sweep, "%lu-%lu", &lo, &hi) != 2)
		hi = 0;
	if (hi >= lo && hi && hi < 70000)
		return lo + k++ % (hi - lo + 1);
	return 1000 + (pos * 7919) % (70000 - 1000);
}

static int send_range(int fd, unsigned long long from, unsigned long long to)
{
	static u8 buf[70000];
	unsigned long long pos = from, j;
	size_t n;

	while (pos < to) {
		n = next_len(pos);
		if (n > to - pos)
			n = to - pos;
		for (j = 0; j < n; j++)
			buf[j] = pattern(pos + j);
		if (tlsrec_write_all(fd, buf, n)) {
			perror("# send");
			return -1;
		}
		pos += n;
	}
	return 0;
}

static int connect_to(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (sock_addr(argv[2], argv[3], &ss, &len))
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len)) {
		perror("# connect");
		return -1;
	}
	return fd;
}

static int accept_from(char **argv)
{
	struct sockaddr_storage ss;
	int lfd, fd, one = 1;
	socklen_t len;

	if (sock_addr(argv[2], argv[3], &ss, &len))
		return -1;
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 1)) {
		perror("# listen");
		return -1;
	}
	fd = accept(lfd, NULL, NULL);
	close(lfd);
	return fd;
}

static int do_send(int argc, char **argv, const struct tlsrec_key *k,
		   unsigned long long bytes)
{
	int fd = connect_to(argv), err;

	if (fd < 0 || st_attach_served(fd))
		return 1;
	err = st_set_key(fd, TLS_TX, k);
	if (err) {
		fprintf(stderr, "# TLS_TX: %s\n", strerror(-err));
		return 1;
	}
	if (argc > 7) {
		if (send_range(fd, 0, bytes / 2) || touch_file(argv[7], "half") ||
		    wait_file(argv[7], "go"))
			return 1;
		err = send_range(fd, bytes / 2, bytes);
	} else {
		err = send_range(fd, 0, bytes);
	}
	return close(fd) || err ? 1 : 0;
}

/* Write @len bytes of @buf in pieces that cut records anywhere. */
static int write_pieces(int fd, const u8 *buf, size_t len)
{
	size_t done, n;

	for (done = 0; done < len; done += n) {
		n = 1000 + (done * 7919) % 9000;
		if (n > len - done)
			n = len - done;
		if (tlsrec_write_all(fd, buf + done, n))
			return -1;
	}
	return 0;
}

/* Userspace records of the pattern, the tag of the one at @corrupt_at flipped. */
static int do_usend(char **argv, const struct tlsrec_key *k,
		    unsigned long long bytes, long long corrupt_at)
{
	static u8 pt[TLSREC_MAX_PLAIN], out[8 * TLSREC_MAX_RECORD];
	unsigned long long pos = 0, j;
	struct tlsrec_state st;
	int fd = connect_to(argv);
	size_t n, have = 0;
	long len;

	if (fd < 0)
		return 1;
	tlsrec_state_init(&st, k);
	while (pos < bytes) {
		n = 1 + (pos * 7919) % TLSREC_MAX_PLAIN;
		if (n > bytes - pos)
			n = bytes - pos;
		for (j = 0; j < n; j++)
			pt[j] = pattern(pos + j);
		len = tlsrec_seal(&st, TLSREC_TYPE_DATA, pt, n, 0, out + have);
		if (len < 0)
			return 1;
		if (corrupt_at >= 0 && (unsigned long long)corrupt_at >= pos &&
		    (unsigned long long)corrupt_at < pos + n)
			out[have + len - 1] ^= 0x20;	/* the tag */
		have += len;
		pos += n;
		if (have > sizeof(out) - TLSREC_MAX_RECORD || pos == bytes) {
			if (write_pieces(fd, out, have))
				return 1;
			have = 0;
		}
	}
	return close(fd) ? 1 : 0;
}

/*
 * kTLS RX: every byte checked; returns the bytes read or -errno. With
 * @sync, pauses as the sender does once @half bytes are in.
 */
static long long read_stream(int fd, const char *sync, unsigned long long half)
{
	static u8 buf[65536];
	unsigned long long pos = 0;
	ssize_t n, i;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		if (sync && pos >= half) {
			if (touch_file(sync, "half") || wait_file(sync, "go"))
				return -ETIMEDOUT;
			sync = NULL;
		}
		for (i = 0; i < n; i++, pos++) {
			if (buf[i] != pattern(pos)) {
				fprintf(stderr, "# byte %llu differs\n", pos);
				return -EILSEQ;
			}
		}
	}
	if (n < 0) {
		printf("# recv after %llu bytes: %s\n", pos, strerror(errno));
		return -errno;
	}
	return pos;
}

static int do_krecv(char **argv, const struct tlsrec_key *k,
		    unsigned long long bytes, long long corrupt_at)
{
	const char *sync = getenv("SM4KTLS_PEER_SYNC");
	int fd = accept_from(argv), err;
	long long got;

	if (fd < 0 || st_attach_served(fd))
		return 1;
	err = st_set_key(fd, TLS_RX, k);
	if (err) {
		fprintf(stderr, "# TLS_RX: %s\n", strerror(-err));
		return 1;
	}
	if (sync && !*sync)
		sync = NULL;
	got = read_stream(fd, sync, bytes / 2);
	printf("# kTLS RX read and checked %lld of %llu bytes\n", got, bytes);
	if (corrupt_at >= 0)
		return got == -EBADMSG ? 0 : 1;
	return got == (long long)bytes ? 0 : 1;
}

/* Open every record and check its bytes; returns the bytes checked. */
static long long check_stream(int fd, struct tlsrec_state *st)
{
	static u8 rec[TLSREC_MAX_RECORD], pt[TLSREC_MAX_RECORD];
	unsigned long long pos = 0;
	long n, i;
	u8 type;

	/* A clean end of stream falls between records. */
	while (recv(fd, rec, 1, MSG_PEEK | MSG_WAITALL) == 1) {
		n = tlsrec_read_record(fd, rec, sizeof(rec));
		if (n > 0)
			n = tlsrec_open(st, rec, n, &type, pt);
		if (n < 0 || type != TLSREC_TYPE_DATA) {
			fprintf(stderr, "# record at byte %llu: %s\n", pos,
				n < 0 ? strerror(-n) : "not application data");
			return -1;
		}
		for (i = 0; i < n; i++, pos++) {
			if (pt[i] != pattern(pos)) {
				fprintf(stderr, "# byte %llu differs\n", pos);
				return -1;
			}
		}
	}
	return pos;
}

static int do_recv(char **argv, const struct tlsrec_key *k,
		   unsigned long long bytes)
{
	struct tlsrec_state st;
	int fd = accept_from(argv);
	long long got;

	if (fd < 0)
		return 1;
	tlsrec_state_init(&st, k);
	got = check_stream(fd, &st);
	printf("# received and checked %lld of %llu bytes\n", got, bytes);
	return got == (long long)bytes ? 0 : 1;
}

/* --- sockets connected from another namespace (norcu, attach) --- */

struct nsconn {
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd, netns, home;
};

/* Listen on ADDR PORT (argv[2], argv[3]) for peers in NETNS (argv[7]). */
static int nsconn_listen(struct nsconn *c, char **argv, int backlog)
{
	int one = 1;

	c->home = open("/proc/self/ns/net", O_RDONLY);
	c->netns = open(argv[7], O_RDONLY);
	if (c->home < 0 || c->netns < 0 ||
	    sock_addr(argv[2], argv[3], &c->ss, &c->len))
		return -1;
	c->lfd = socket(c->ss.ss_family, SOCK_STREAM, 0);
	setsockopt(c->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (c->lfd < 0 || bind(c->lfd, (struct sockaddr *)&c->ss, c->len) ||
	    listen(c->lfd, backlog)) {
		perror("# listen");
		return -1;
	}
	return 0;
}

/* Connect from the peer's namespace; the accepted socket, or -1. */
static int nsconn_accept(struct nsconn *c, int *peer)
{
	if (setns(c->netns, CLONE_NEWNET))
		return -1;
	*peer = socket(c->ss.ss_family, SOCK_STREAM, 0);
	if (setns(c->home, CLONE_NEWNET) || *peer < 0 ||
	    connect(*peer, (struct sockaddr *)&c->ss, c->len))
		return -1;
	return accept(c->lfd, NULL, NULL);
}

/*
 * The ULP and both keys on @fd. Not st_attach_served(): the module's
 * reference count moves under it while other sockets come and go; the
 * device-mode counters (st_stat()) show whose sockets these are.
 */
static int keys_both_ways(int fd, const struct tlsrec_key *k)
{
	return st_attach(fd, st_ulp_name()) || st_set_key(fd, TLS_TX, k) ||
	       st_set_key(fd, TLS_RX, k) ? -1 : 0;
}

/* --- norcu: nothing of close or install waits for a grace period --- */

#define RCU_HOLD "/proc/sm4ktls_test_rcu_hold"

struct norcu {
	struct nsconn nc;
	const struct tlsrec_key *k;
	int a, b, peer_a, peer_b;
	volatile bool done;
};

static int rcu_hold(const char *what)
{
	int fd = open(RCU_HOLD, O_WRONLY), ret = -1;

	if (fd >= 0) {
		ret = write(fd, what, 1) == 1 ? 0 : -1;
		close(fd);
	}
	return ret;
}

static bool rcu_held(void)
{
	char buf[16] = "";
	int fd = open(RCU_HOLD, O_RDONLY);

	if (fd < 0)
		return false;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return !strcmp(buf, "held\n");
}

/* A connection whose accepted end has TX and RX keys, or -1. */
static int norcu_pair(struct norcu *c, int *peer)
{
	int fd = nsconn_accept(&c->nc, peer);

	if (fd < 0 || keys_both_ways(fd, c->k))
		return -1;
	return fd;
}

static void *norcu_fn(void *arg)
{
	struct norcu *c = arg;

	close(c->a);
	c->b = norcu_pair(c, &c->peer_b);
	c->done = true;
	return NULL;
}

static int do_norcu(char **argv, const struct tlsrec_key *k)
{
	struct norcu c = { .k = k, .b = -1 };
	long tx0 = st_stat("TlsTxDevice"), rx0 = st_stat("TlsRxDevice");
	bool held = false;
	pthread_t th;
	int i;

	if (nsconn_listen(&c.nc, argv, 2))
		return 1;
	c.a = norcu_pair(&c, &c.peer_a);
	if (c.a < 0 || st_stat("TlsTxDevice") != tx0 + 1 ||
	    st_stat("TlsRxDevice") != rx0 + 1) {
		fprintf(stderr, "# the first socket is not in device mode both ways\n");
		return 1;
	}
	if (rcu_hold("1")) {
		perror("# " RCU_HOLD);
		return 1;
	}
	if (pthread_create(&th, NULL, norcu_fn, &c)) {
		rcu_hold("0");
		return 1;
	}
	for (i = 0; i < 500 && !c.done; i++)
		usleep(10000);
	held = rcu_held();
	rcu_hold("0");
	pthread_join(th, NULL);
	printf("# close() and a device-mode install %s%s\n",
	       i < 500 ? "finished" : "had not finished after 5 s",
	       held ? " with the grace period held open" :
		      ", but the RCU section had ended");
	if (c.b < 0 || st_stat("TlsTxDevice") != tx0 + 2 ||
	    st_stat("TlsRxDevice") != rx0 + 2) {
		fprintf(stderr, "# the second socket is not in device mode both ways\n");
		return 1;
	}
	close(c.b);
	close(c.peer_a);
	close(c.peer_b);
	return i < 500 && held ? 0 : 1;
}

/* --- attach: device-mode key installs on two CPUs at once --- */

#define ATTACH_MAX 256

struct attach {
	const struct tlsrec_key *k;
	int fd[ATTACH_MAX], peer[ATTACH_MAX];
	int n;
};

struct attach_half {
	struct attach *a;
	int first, failed;
};

/* Every other socket, in step with the other half (the sim pairs adds). */
static void *attach_fn(void *arg)
{
	struct attach_half *h = arg;
	int i;

	for (i = h->first; i < h->a->n; i += 2)
		h->failed += keys_both_ways(h->a->fd[i], h->a->k) != 0;
	return NULL;
}

static int do_attach(char **argv, const struct tlsrec_key *k, int n)
{
	long tx0 = st_stat("TlsTxDevice"), rx0 = st_stat("TlsRxDevice");
	struct attach_half h[2];
	static struct attach a;
	struct nsconn nc;
	pthread_t th[2];
	int i, ret = 0;

	a.k = k;
	a.n = n;
	if (n < 2 || n > ATTACH_MAX || nsconn_listen(&nc, argv, n))
		return 1;
	for (i = 0; i < n; i++) {
		a.fd[i] = nsconn_accept(&nc, &a.peer[i]);
		if (a.fd[i] < 0)
			return 1;
	}
	for (i = 0; i < 2; i++) {
		h[i] = (struct attach_half){ .a = &a, .first = i };
		if (pthread_create(&th[i], NULL, attach_fn, &h[i]))
			return 1;
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("# %d sockets got both keys from two threads (%d failed): TlsTxDevice +%ld, TlsRxDevice +%ld\n",
	       n, h[0].failed + h[1].failed, st_stat("TlsTxDevice") - tx0,
	       st_stat("TlsRxDevice") - rx0);
	if (h[0].failed + h[1].failed || st_stat("TlsTxDevice") != tx0 + n ||
	    st_stat("TlsRxDevice") != rx0 + n)
		ret = 1;
	for (i = 0; i < n; i++) {
		close(a.fd[i]);
		close(a.peer[i]);
	}
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long long bytes;
	long long corrupt_at;
	struct tlsrec_key k;

	if (argc < 7 || tlsrec_init() || parse_key(&k, argv[4], argv[5])) {
		fprintf(stderr, "usage: %s send|recv|usend|krecv|norcu|attach ADDR PORT CIPHER 12|13|tlcp BYTES [SYNC_DIR|CORRUPT_AT|NETNS]\n",
			argv[0]);
		return 2;
	}
	bytes = strtoull(argv[6], NULL, 0);
	corrupt_at = argc > 7 ? strtoll(argv[7], NULL, 0) : -1;
	if (!strcmp(argv[1], "send"))
		return do_send(argc, argv, &k, bytes);
	if (!strcmp(argv[1], "usend"))
		return do_usend(argv, &k, bytes, corrupt_at);
	if (!strcmp(argv[1], "krecv"))
		return do_krecv(argv, &k, bytes, corrupt_at);
	if (!strcmp(argv[1], "norcu") && argc > 7)
		return do_norcu(argv, &k);
	if (!strcmp(argv[1], "attach") && argc > 7)
		return do_attach(argv, &k, bytes);
	return do_recv(argv, &k, bytes);
}
