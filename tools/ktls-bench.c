// SPDX-License-Identifier: GPL-2.0
/*
 * ktls-bench: kTLS data path throughput over loopback TCP, one process.
 *
 * Cases (each a fresh connection, sender and receiver threads pinned to
 * different CPUs):
 *   send      kTLS TX, send() of -w bytes (one record each)  -> kTLS RX recv()
 *   sendfile  kTLS TX, sendfile() of -w bytes from a tmpfs file -> kTLS RX recv()
 *   recv      plain TCP send() of records sealed beforehand by the ULPs'
 *             TX (same keys, same -w byte records)            -> kTLS RX recv()
 *             (only the receiver does crypto: the RX cost alone)
 * ULP "none" is plain TCP both ends (a baseline; no keys).
 *
 * Every run checks the received bytes against what was sent (memcmp with
 * the pattern, plus the exact length and EOF), that getsockopt(TCP_ULP)
 * names the ULP on both sockets, and that installing the keys moved
 * TlsCurrTxSw/TlsCurrRxSw in one of /proc/net/{tls,sm4ktls}_stat (which
 * one is printed). The sealed stream of every ULP is also compared byte
 * for byte: the same keys and writes must give the same records.
 *
 * Runs are interleaved (repeat, cipher, case, then the ULPs in alternating
 * order) and medians printed, with each ULP's ratio to the first one.
 * Figures, not a pass/fail test; exit status 1 only when a check fails.
 *
 * -I SHIFT: the guest's clock counts instructions (QEMU -icount shift=SHIFT,
 * sleep=off: 2^SHIFT ns each, no time passes while idle), so a transfer's
 * time is the instructions all CPUs executed for it: the table gives
 * instructions per record and per byte, and how far the runs spread. With
 * /proc/sm4ktls_test_aead (the selftests' module) it also gives them less
 * the AEAD's seal and open of one record, timed alone in the kernel the
 * same way: what the two ULPs' record layers, TCP and the copies cost.
 *
 * usage: ktls-bench [-u ULP,..] [-c CIPHER,..] [-m CASE,..] [-s MiB] [-r N]
 *                   [-w BYTES] [-b BYTES] [-C TXCPU,RXCPU] [-I SHIFT] [-z]
 *                   [-n] [-v]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ktls-util.h"

#define PAT_LEN		(1u << 20)	/* pattern period */
#define PAT_SLACK	(1u << 20)	/* largest write or recv buffer */
#define MAX_ITEMS	16
#define REC_OVERHEAD	64		/* header + explicit iv + type + tag, rounded up */

enum bench_case { CASE_SEND, CASE_SENDFILE, CASE_RECV, NR_CASES };
static const char *const case_names[NR_CASES] = { "send", "sendfile", "recv" };

static struct {
	const char *ulps[MAX_ITEMS];
	int nr_ulps;
	const struct cipher *ciphers[MAX_ITEMS];
	int nr_ciphers;
	bool cases[NR_CASES];
	size_t total;
	int repeats;
	size_t wsize, rsize;
	int cpu_tx, cpu_rx;
	int icount;		/* -I SHIFT, or -1 */
	bool no_pad, verify, verbose;
} opt = {
	.total = 64u << 20,
	.repeats = 5,
	.wsize = 16384,
	.rsize = 16384,
	.cpu_tx = -1,
	.cpu_rx = -1,
	.icount = -1,
	.verify = true,
};

static unsigned char *pattern;	/* PAT_LEN + PAT_SLACK, periodic */
static int pattern_fd = -1;	/* tmpfs file holding the whole stream */

struct capture {
	unsigned char *buf;
	size_t len;
};

struct result {
	double mbps[MAX_RUNS];
	double cpu[MAX_RUNS];	/* ns of busy CPU (all CPUs) per byte */
	double insn[MAX_RUNS];	/* -I: instructions per record */
	int n;
};

/* [cipher][case][ulp] */
static struct result results[MAX_ITEMS][NR_CASES][MAX_ITEMS];
static struct capture captures[MAX_ITEMS];		/* per cipher, for "recv" */
static char served_by[MAX_ITEMS][32];			/* stat file per ULP */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Busy time of all CPUs so far, in seconds (everything but idle/iowait). */
static double cpu_busy(void)
{
	unsigned long long v[10] = {}, busy = 0;
	FILE *f = fopen("/proc/stat", "r");
	int i, n;

	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]);
	fclose(f);
	for (i = 0; i < n && i < 8; i++)
		if (i != 3 && i != 4)	/* idle, iowait */
			busy += v[i];
	return (double)busy / sysconf(_SC_CLK_TCK);
}

/* ---- the data: a periodic pseudo-random pattern ---- */

static void pattern_init(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL);
	size_t i;

	pattern = malloc(PAT_LEN + PAT_SLACK);
	if (!pattern)
		die("malloc");
	for (i = 0; i < PAT_LEN; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(pattern + i, &x, 8);
	}
	memcpy(pattern + PAT_LEN, pattern, PAT_SLACK);
}

static const unsigned char *pattern_at(size_t off)
{
	return pattern + off % PAT_LEN;
}

/* The whole stream as a file for sendfile(): in $TMPDIR (tmpfs). */
static void pattern_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[256];
	size_t off;

	snprintf(path, sizeof(path), "%s/ktls-bench.XXXXXX", dir ? dir : "/tmp");
	pattern_fd = mkstemp(path);
	if (pattern_fd < 0)
		die("mkstemp %s", path);
	unlink(path);
	for (off = 0; off < opt.total; off += PAT_LEN) {
		size_t n = opt.total - off < PAT_LEN ? opt.total - off : PAT_LEN;

		if (write(pattern_fd, pattern_at(off), n) != (ssize_t)n)
			die("write %s", path);
	}
}

/* ---- sockets ---- */

static void tcp_pair(int *tx, int *rx)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (void *)&a, len) || listen(lfd, 1) ||
	    getsockname(lfd, (void *)&a, &len))
		die("listen");
	*tx = socket(AF_INET, SOCK_STREAM, 0);
	if (*tx < 0 || connect(*tx, (void *)&a, len))
		die("connect");
	*rx = accept(lfd, NULL, NULL);
	if (*rx < 0)
		die("accept");
	close(lfd);
}

/* One counter of /proc/net/NAME; -1 if the file or the line is absent. */
static long stat_read(const char *file, const char *key)
{
	char path[64], line[128], k[64];
	long v, ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/%s", file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", k, &v) == 2 && !strcmp(k, key))
			ret = v;
	fclose(f);
	return ret;
}

static const char *const stat_files[] = { "tls_stat", "sm4ktls_stat" };

struct stat_snap {
	long tx[2], rx[2];
};

static void stat_snap(struct stat_snap *s)
{
	int i;

	for (i = 0; i < 2; i++) {
		s->tx[i] = stat_read(stat_files[i], "TlsCurrTxSw");
		s->rx[i] = stat_read(stat_files[i], "TlsCurrRxSw");
	}
}

/* Which stat file counted our keys; the same one every run. */
static void stat_check(int u, const struct stat_snap *a,
		       const struct stat_snap *b, bool tx, bool rx)
{
	const char *file = NULL;
	int i;

	for (i = 0; i < 2; i++)
		if (a->tx[i] >= 0 && b->tx[i] - a->tx[i] == tx &&
		    b->rx[i] - a->rx[i] == rx && (tx || rx))
			file = stat_files[i];
	errno = 0;
	if (!file)
		die("ULP \"%s\": no /proc/net/*tls_stat counted TLS_TX/TLS_RX (not kTLS?)",
		    opt.ulps[u]);
	if (!served_by[u][0])
		snprintf(served_by[u], sizeof(served_by[u]), "%s", file);
	else if (strcmp(served_by[u], file))
		die("ULP \"%s\": counted in %s, earlier in %s", opt.ulps[u],
		    file, served_by[u]);
}

/* Attach the ULP and install keys: TX on @tx if @ktx, RX on @rx if @krx. */
static void setup(int u, const struct cipher *c, int tx, int rx, bool ktx,
		  bool krx)
{
	const char *ulp = opt.ulps[u];
	struct stat_snap a, b;
	struct crypto_blob blob;
	int one = 1;

	if (is_plain(ulp))
		return;
	crypto_blob(c, &blob);
	stat_snap(&a);
	if (ktx) {
		attach(tx, ulp);
		if (setsockopt(tx, SOL_TLS, TLS_TX, blob.buf, blob.len))
			die("%s %s: setsockopt(TLS_TX)", ulp, c->name);
	}
	if (krx) {
		attach(rx, ulp);
		if (setsockopt(rx, SOL_TLS, TLS_RX, blob.buf, blob.len))
			die("%s %s: setsockopt(TLS_RX)", ulp, c->name);
		if (opt.no_pad && c->version == TLS_1_3_VERSION &&
		    setsockopt(rx, SOL_TLS, TLS_RX_EXPECT_NO_PAD, &one,
			       sizeof(one)))
			die("%s: setsockopt(TLS_RX_EXPECT_NO_PAD)", ulp);
	}
	stat_snap(&b);
	stat_check(u, &a, &b, ktx, krx);
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* ---- one transfer ---- */

struct xfer {
	enum bench_case bcase;
	int fd;
	const struct capture *replay;	/* CASE_RECV: bytes to send */
	struct capture *capture;	/* receiver keeps raw bytes here */
	pthread_barrier_t *go;
	double t_start, t_end;
	const char *err;
	int err_no;
};

static void *sender(void *arg)
{
	struct xfer *x = arg;
	size_t off = 0, len = opt.total;
	ssize_t n;

	pin(opt.cpu_tx);
	pthread_barrier_wait(x->go);
	x->t_start = now();
	/* plain TCP in "recv": the sealed records, or the pattern for "none" */
	if (x->bcase == CASE_RECV && x->replay)
		len = x->replay->len;
	while (off < len) {
		size_t want = len - off;

		switch (x->bcase) {
		case CASE_SEND:
			if (want > opt.wsize)
				want = opt.wsize;
			n = send(x->fd, pattern_at(off), want, 0);
			break;
		case CASE_SENDFILE: {
			off_t pos = off;

			/* -w bytes a call, as send(): one record each */
			if (want > opt.wsize)
				want = opt.wsize;
			n = sendfile(x->fd, pattern_fd, &pos, want);
			break;
		}
		default:
			if (want > 65536)
				want = 65536;
			n = send(x->fd, x->replay ? x->replay->buf + off :
				 pattern_at(off), want, 0);
			break;
		}
		if (n <= 0) {
			x->err = "send";
			x->err_no = n ? errno : 0;
			break;
		}
		off += n;
	}
	shutdown(x->fd, SHUT_WR);
	return NULL;
}

static void *receiver(void *arg)
{
	struct xfer *x = arg;
	size_t cap = x->capture ? x->capture->len : opt.total;
	unsigned char *buf = malloc(opt.rsize);
	size_t off = 0;
	ssize_t n;

	pin(opt.cpu_rx);
	if (!buf) {
		x->err = "malloc";
		pthread_barrier_wait(x->go);
		return NULL;
	}
	pthread_barrier_wait(x->go);
	for (;;) {
		size_t want = opt.rsize;

		if (x->capture) {
			if (off + want > cap)
				want = cap - off;
			if (!want) {
				x->err = "more bytes than records could hold";
				break;
			}
			n = recv(x->fd, x->capture->buf + off, want, 0);
		} else {
			n = recv(x->fd, buf, want, 0);
		}
		if (n < 0) {
			x->err = "recv";
			x->err_no = errno;
			break;
		}
		if (n == 0)
			break;
		if (!x->capture && opt.verify &&
		    (off + n > opt.total || memcmp(buf, pattern_at(off), n))) {
			x->err = "received data differs from what was sent";
			break;
		}
		off += n;
		if (!x->capture && off == opt.total)
			x->t_end = now();
	}
	if (x->capture) {
		x->capture->len = off;
		x->t_end = now();
	} else if (!x->err && off != opt.total) {
		x->err = "stream length differs from what was sent";
	}
	free(buf);
	return NULL;
}

/* Returns seconds; *cpu gets busy CPU seconds (all CPUs). */
static double transfer(int u, const struct cipher *c, enum bench_case bcase,
		       const struct capture *replay, struct capture *capture,
		       double *cpu)
{
	pthread_barrier_t go;
	struct xfer tx = { .bcase = bcase, .go = &go };
	struct xfer rx = { .bcase = bcase, .capture = capture, .go = &go };
	pthread_t tt, rt;
	double busy;

	if (bcase == CASE_RECV && !is_plain(opt.ulps[u]))
		tx.replay = replay;
	tcp_pair(&tx.fd, &rx.fd);
	if (capture)	/* sealed by the ULP's TX, kept raw */
		setup(u, c, tx.fd, rx.fd, true, false);
	else
		setup(u, c, tx.fd, rx.fd, bcase != CASE_RECV, true);
	pthread_barrier_init(&go, NULL, 3);
	if (pthread_create(&rt, NULL, receiver, &rx) ||
	    pthread_create(&tt, NULL, sender, &tx))
		die("pthread_create");
	busy = cpu_busy();
	pthread_barrier_wait(&go);
	pthread_join(tt, NULL);
	pthread_join(rt, NULL);
	*cpu = cpu_busy() - busy;
	pthread_barrier_destroy(&go);
	close(tx.fd);
	close(rx.fd);
	if (tx.err) {
		errno = tx.err_no;
		die("%s %s %s: sender: %s", opt.ulps[u], c->name,
		    case_names[bcase], tx.err);
	}
	if (rx.err) {
		errno = rx.err_no;
		die("%s %s %s: receiver: %s", opt.ulps[u], c->name,
		    case_names[bcase], rx.err);
	}
	return rx.t_end - tx.t_start;
}

/* Bytes of a record that are not application data. */
static size_t rec_overhead(const struct cipher *c)
{
	if (c->version == TLS_1_3_VERSION)
		return 5 + 1 + 16;
	return 5 + (c->type == TLS_CIPHER_CHACHA20_POLY1305 ? 0 : 8) + 16;
}

/*
 * Seal the stream with ULP @u's TX (send() of -w bytes, as in "send") and
 * keep the wire bytes for the "recv" case: they must be TLS records
 * carrying exactly the stream, not in the clear, and the same bytes from
 * every ULP (same keys, same writes).
 */
static void capture_stream(int u, const struct cipher *c, struct capture *cap)
{
	size_t records = opt.total / (opt.wsize < 16384 ? opt.wsize : 16384) + 2;
	size_t off = 0, plain = 0, ovh = rec_overhead(c);
	double cpu;

	cap->len = opt.total + records * REC_OVERHEAD;
	cap->buf = malloc(cap->len);
	if (!cap->buf)
		die("malloc %zu", cap->len);
	transfer(u, c, CASE_SEND, NULL, cap, &cpu);
	errno = 0;
	while (off < cap->len) {
		const unsigned char *h = cap->buf + off;
		size_t rl;

		if (cap->len - off < 5 || h[0] != 0x17 || h[1] != 3 || h[2] != 3)
			die("%s %s: no TLS application_data record at %zu",
			    opt.ulps[u], c->name, off);
		rl = h[3] << 8 | h[4];
		if (off + 5 + rl > cap->len || 5 + rl <= ovh)
			die("%s %s: bad record length %zu at %zu", opt.ulps[u],
			    c->name, rl, off);
		if (!memcmp(h + 5, pattern_at(plain), 16) ||
		    !memcmp(h + 13, pattern_at(plain), 16))
			die("%s %s: record at %zu is in the clear", opt.ulps[u],
			    c->name, off);
		plain += 5 + rl - ovh;
		off += 5 + rl;
	}
	if (plain != opt.total)
		die("%s %s: records carry %zu bytes, not %zu", opt.ulps[u],
		    c->name, plain, opt.total);
}

/* The sealed stream of cipher @c for the "recv" case, from every ULP. */
static void capture_all(const struct cipher *c, struct capture *keep)
{
	struct capture other;
	int u;

	keep->buf = NULL;
	for (u = 0; u < opt.nr_ulps; u++) {
		if (is_plain(opt.ulps[u]))
			continue;
		if (!keep->buf) {
			capture_stream(u, c, keep);
			continue;
		}
		capture_stream(u, c, &other);
		errno = 0;
		if (other.len != keep->len ||
		    memcmp(other.buf, keep->buf, keep->len))
			die("%s: the records of \"%s\" and \"%s\" differ",
			    c->name, opt.ulps[0], opt.ulps[u]);
		free(other.buf);
	}
}

static double minmax(const double *v, int n, bool max)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (max ? v[i] > m : v[i] < m)
			m = v[i];
	return m;
}

/* Records in a run: every send() of -w bytes is one (the last may be short). */
static double records(void)
{
	return (double)((opt.total + opt.wsize - 1) / opt.wsize);
}

/* -I: the instructions that @ns nanoseconds of the guest's clock were. */
static double insn_of_ns(double ns)
{
	return ns / (double)(1ULL << opt.icount);
}

/* -I: a transfer of @t seconds of the instruction clock, per record. */
static double insn_per_record(double t)
{
	if (opt.icount < 0)
		return 0;
	return insn_of_ns(t * 1e9) / records();
}

static void bench(void)
{
	int r, ci, k, i, u;
	double cpu, t;

	for (ci = 0; ci < opt.nr_ciphers && opt.cases[CASE_RECV]; ci++)
		capture_all(opt.ciphers[ci], &captures[ci]);
	for (r = 0; r < opt.repeats; r++)
		for (ci = 0; ci < opt.nr_ciphers; ci++)
			for (k = 0; k < NR_CASES; k++) {
				if (!opt.cases[k])
					continue;
				for (i = 0; i < opt.nr_ulps; i++) {
					struct result *res;

					/* ABBA: drift hits every ULP alike */
					u = r % 2 ? opt.nr_ulps - 1 - i : i;
					res = &results[ci][k][u];
					t = transfer(u, opt.ciphers[ci], k,
						     &captures[ci], NULL, &cpu);
					res->mbps[res->n] = opt.total / t / 1e6;
					res->cpu[res->n] = cpu * 1e9 / opt.total;
					res->insn[res->n] = insn_per_record(t);
					if (opt.verbose)
						printf("# run %d %-14s %-8s %-10s %8.1f MB/s %7.2f ns/B\n",
						       r + 1, opt.ciphers[ci]->name,
						       case_names[k], opt.ulps[u],
						       res->mbps[res->n],
						       res->cpu[res->n]);
					res->n++;
				}
			}
}

/*
 * Runs r of two ULPs were back to back: the median of the per-run ratios
 * cancels the drift of a shared host better than a ratio of medians.
 */
static double paired_ratio(const double *v, const double *base, int n)
{
	double q[MAX_RUNS];
	int i;

	for (i = 0; i < n; i++)
		q[i] = base[i] > 0 ? v[i] / base[i] : 0;
	return median(q, n);
}

/*
 * The AEAD alone per record, sealed and opened: instructions under -I,
 * nanoseconds on the wall clock.
 */
struct aead_cost {
	double seal, open;
};

static struct aead_cost aead_costs[MAX_ITEMS];	/* per cipher; 0: unknown */

static const char *aead_alg(const struct cipher *c)
{
	switch (c->type) {
	case TLS_CIPHER_SM4_GCM:
		return "gcm(sm4)";
	case TLS_CIPHER_CHACHA20_POLY1305:
		return "rfc7539(chacha20,poly1305)";
	default:
		return "gcm(aes)";
	}
}

/*
 * A record's AEAD as kTLS calls it: AAD of 13 bytes (TLS 1.2) or 5, the
 * text and, under TLS 1.3, the type byte.
 */
static void aead_measure(const struct cipher *c, struct aead_cost *cost)
{
	unsigned int runs = opt.wsize < 4096 ? 400 : 40;
	bool tls13 = c->version == TLS_1_3_VERSION;
	unsigned long long seal, open;
	char cmd[128];
	FILE *f;
	int n;

	f = fopen("/proc/sm4ktls_test_aead", "w");
	if (!f)
		return;
	n = snprintf(cmd, sizeof(cmd), "%s %u %u %zu %u", aead_alg(c),
		     c->key_len, tls13 ? 5 : 13, opt.wsize + tls13, runs);
	n = fwrite(cmd, 1, n, f) == (size_t)n;
	if (fclose(f) || !n)
		return;
	f = fopen("/proc/sm4ktls_test_aead", "r");
	if (!f)
		return;
	if (fscanf(f, "%llu %llu", &seal, &open) == 2) {
		cost->seal = (opt.icount < 0 ? seal : insn_of_ns(seal)) / runs;
		cost->open = (opt.icount < 0 ? open : insn_of_ns(open)) / runs;
	}
	fclose(f);
}

/* What the AEAD does for one record of case @k. */
static double aead_per_record(int ci, int k)
{
	const struct aead_cost *a = &aead_costs[ci];

	return k == CASE_RECV ? a->open : a->seal + a->open;
}

/*
 * ULP @u's instructions per record in case @k less the AEAD's; 0 if that
 * is unknown. Not less plain TCP's: a kTLS receiver that decrypts into the
 * user's buffer saves the copy plain TCP makes, so that difference would
 * not be the record layer's alone.
 */
static double sans_aead(int ci, int k, int u, int run)
{
	double a = aead_per_record(ci, k);

	if (!a || is_plain(opt.ulps[u]))
		return 0;
	return results[ci][k][u].insn[run] - a;
}

static double sans_aead_median(int ci, int k, int u, double *ratio)
{
	double v[MAX_RUNS], base[MAX_RUNS];
	int i, n = results[ci][k][u].n;

	for (i = 0; i < n; i++) {
		v[i] = sans_aead(ci, k, u, i);
		base[i] = sans_aead(ci, k, 0, i);
	}
	*ratio = paired_ratio(v, base, n);
	return median(v, n);
}

/*
 * Wall clock: the MB/s the AEAD alone allows case @k, sender and receiver
 * each on its CPU (the slower of seal and open; open alone for recv).
 */
static double aead_mbps(int ci, int k)
{
	const struct aead_cost *a = &aead_costs[ci];
	double ns = a->open;

	if (k != CASE_RECV && a->seal > ns)
		ns = a->seal;
	return ns > 0 ? opt.wsize * 1e3 / ns : 0;
}

/* One line of the table: a ULP's medians, ratios to the first ULP's. */
static void row_wall(int ci, int k, int u)
{
	struct result *res = &results[ci][k][u], *base = &results[ci][k][0];
	double mbps = median(res->mbps, res->n), aead = aead_mbps(ci, k);

	printf("%-14s %-8s %-10s %8.1f %8.1f %8.1f %8.1f",
	       opt.ciphers[ci]->name, case_names[k], opt.ulps[u], mbps,
	       minmax(res->mbps, res->n, false),
	       minmax(res->mbps, res->n, true), median(res->cpu, res->n));
	if (u)
		printf(" %7.2f %7.2f",
		       paired_ratio(res->mbps, base->mbps, res->n),
		       paired_ratio(res->cpu, base->cpu, res->n));
	else
		printf(" %7s %7s", "-", "-");
	if (aead && !is_plain(opt.ulps[u]))
		printf(" %8.2f\n", mbps / aead);
	else
		printf(" %8s\n", "-");
}

/* -I: instructions per record and per byte, the runs' spread, ratios. */
static void row_icount(int ci, int k, int u)
{
	struct result *res = &results[ci][k][u], *base = &results[ci][k][0];
	double m = median(res->insn, res->n), lr, l;

	printf("%-14s %-8s %-10s %6zu %10.0f %9.2f %8.2f",
	       opt.ciphers[ci]->name, case_names[k], opt.ulps[u], opt.wsize,
	       m, m / opt.wsize, 100 * (minmax(res->insn, res->n, true) -
					minmax(res->insn, res->n, false)) / m);
	l = sans_aead_median(ci, k, u, &lr);
	if (u)
		printf(" %7.3f", paired_ratio(res->insn, base->insn, res->n));
	else
		printf(" %7s", "-");
	if (l && u)
		printf(" %9.0f %7.3f\n", l, lr);
	else if (l)
		printf(" %9.0f %7s\n", l, "-");
	else
		printf(" %9s %7s\n", "-", "-");
}

static void legend_icount(void)
{
	int ci;

	printf("# instructions of all CPUs per record of %zu B (median of %d runs), per byte; spread = (max - min) / median\n"
	       "# ratio = this ULP / %s: median of the ratios of back-to-back runs\n"
	       "# w/o AEAD = insn/rec less the AEAD's alone (seal and open: send, sendfile; open: recv); its ratio likewise\n",
	       opt.wsize, opt.repeats, opt.ulps[0]);
	for (ci = 0; ci < opt.nr_ciphers; ci++)
		if (aead_costs[ci].seal)
			printf("# AEAD alone, %s, %zu B: seal %.0f, open %.0f\n",
			       opt.ciphers[ci]->name, opt.wsize,
			       aead_costs[ci].seal, aead_costs[ci].open);
}

static void legend_wall(void)
{
	int ci;

	printf("# MB/s = 10^6 B/s, median (min, max) of %d runs; cpu ns/B = busy time of all CPUs per byte, median\n"
	       "# ratio, cpu = this ULP / %s for MB/s and cpu ns/B: median of the ratios of back-to-back runs\n"
	       "# of AEAD = MB/s / the MB/s of the AEAD alone, seal and open each on its CPU (recv: open), timed once before the runs\n",
	       opt.repeats, opt.ulps[0]);
	for (ci = 0; ci < opt.nr_ciphers; ci++)
		if (aead_costs[ci].seal)
			printf("# AEAD alone, %s, %zu B: seal %.1f MB/s, open %.1f MB/s\n",
			       opt.ciphers[ci]->name, opt.wsize,
			       opt.wsize * 1e3 / aead_costs[ci].seal,
			       opt.wsize * 1e3 / aead_costs[ci].open);
}

static void report(void)
{
	void (*row)(int ci, int k, int u) = opt.icount < 0 ? row_wall : row_icount;
	int ci, k, u;

	if (opt.icount < 0)
		printf("%-14s %-8s %-10s %8s %8s %8s %8s %7s %7s %8s\n", "cipher",
		       "case", "ulp", "MB/s", "min", "max", "cpu ns/B", "ratio",
		       "cpu", "of AEAD");
	else
		printf("%-14s %-8s %-10s %6s %10s %9s %8s %7s %9s %7s\n",
		       "cipher", "case", "ulp", "record", "insn/rec", "insn/B",
		       "spread%", "ratio", "w/o AEAD", "ratio");
	for (ci = 0; ci < opt.nr_ciphers; ci++)
		for (k = 0; k < NR_CASES; k++)
			for (u = 0; opt.cases[k] && u < opt.nr_ulps; u++)
				row(ci, k, u);
}

static void usage(void)
{
	size_t i;

	fprintf(stderr,
		"Usage: ktls-bench [-u ULP,..] [-c CIPHER,..] [-m CASE,..] [-s MiB] [-r N]\n"
		"                  [-w BYTES] [-b BYTES] [-C TXCPU,RXCPU] [-I SHIFT] [-z] [-n] [-v]\n"
		"  -u  TCP ULP names, first is the reference for ratios; \"none\" = plain TCP (tls)\n"
		"  -c  ciphers (aes128gcm-1.3):");
	for (i = 0; i < ARRAY_SIZE(ciphers); i++)
		fprintf(stderr, " %s", ciphers[i].name);
	fprintf(stderr,
		"\n  -m  cases: send, sendfile, recv (all)\n"
		"  -s  MiB per run (64)   -r  runs per case (5)\n"
		"  -w  send() size = record size in \"send\" (16384)   -b  recv() size (16384)\n"
		"  -C  CPUs of the sender and receiver threads (0,1 if there are two)\n"
		"  -I  the clock counts instructions, 2^SHIFT ns each (QEMU -icount): report those\n"
		"  -z  TLS_RX_EXPECT_NO_PAD on TLS 1.3 receivers   -n  no data check   -v  every run\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	const char *names[MAX_ITEMS];
	char *ulps = "tls", *cs = "aes128gcm-1.3", *ms = "send,sendfile,recv";
	int o, i, n;
	size_t j;

	while ((o = getopt(argc, argv, "u:c:m:s:r:w:b:C:I:znvh")) != -1) {
		switch (o) {
		case 'u':
			ulps = optarg;
			break;
		case 'c':
			cs = optarg;
			break;
		case 'm':
			ms = optarg;
			break;
		case 's':
			opt.total = strtoull(optarg, NULL, 0) << 20;
			break;
		case 'r':
			opt.repeats = atoi(optarg);
			break;
		case 'w':
			opt.wsize = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			opt.rsize = strtoul(optarg, NULL, 0);
			break;
		case 'C':
			if (sscanf(optarg, "%d,%d", &opt.cpu_tx, &opt.cpu_rx) != 2)
				usage();
			break;
		case 'I':
			opt.icount = atoi(optarg);
			if (opt.icount < 0 || opt.icount > 10)
				usage();
			break;
		case 'z':
			opt.no_pad = true;
			break;
		case 'n':
			opt.verify = false;
			break;
		case 'v':
			opt.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !opt.total || opt.repeats < 1 ||
	    opt.repeats > MAX_RUNS || !opt.wsize || opt.wsize > PAT_SLACK ||
	    !opt.rsize || opt.rsize > PAT_SLACK)
		usage();
	opt.nr_ulps = split(strdup(ulps), opt.ulps, MAX_ITEMS);
	n = split(strdup(cs), names, MAX_ITEMS);
	for (i = 0; i < n; i++) {
		opt.ciphers[i] = cipher_by_name(names[i]);
		if (!opt.ciphers[i])
			usage();
		opt.nr_ciphers++;
	}
	n = split(strdup(ms), names, MAX_ITEMS);
	for (i = 0; i < n; i++) {
		for (j = 0; j < NR_CASES; j++)
			if (!strcmp(names[i], case_names[j]))
				opt.cases[j] = true;
	}
	if (!opt.nr_ulps || !opt.nr_ciphers)
		usage();
	if (opt.cpu_tx < 0 && sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		opt.cpu_tx = 0;
		opt.cpu_rx = 1;
	}
}

int main(int argc, char **argv)
{
	struct utsname uts;
	int u;

	parse_args(argc, argv);
	uname(&uts);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pattern_init();
	if (opt.cases[CASE_SENDFILE])
		pattern_file();
	printf("# ktls-bench on %s: %zu MiB x %d runs, send() %zu B, recv() %zu B, cpus tx=%d rx=%d%s%s\n",
	       uts.release, opt.total >> 20, opt.repeats, opt.wsize, opt.rsize,
	       opt.cpu_tx, opt.cpu_rx, opt.no_pad ? ", rx_no_pad" : "",
	       opt.verify ? "" : ", data NOT checked");
	for (u = 0; u < opt.nr_ciphers; u++)
		aead_measure(opt.ciphers[u], &aead_costs[u]);
	bench();
	for (u = 0; u < opt.nr_ulps; u++)
		if (!is_plain(opt.ulps[u]))
			printf("# ULP \"%s\": getsockopt(TCP_ULP) = \"%s\", keys counted in /proc/net/%s\n",
			       opt.ulps[u], opt.ulps[u], served_by[u]);
	if (opt.icount < 0)
		legend_wall();
	else
		legend_icount();
	report();
	return 0;
}
