// SPDX-License-Identifier: GPL-2.0
/*
 * ktls-mem: kernel memory per idle kTLS socket, each ULP in the same boot.
 *
 * A run opens -n loopback TCP connections, puts the ULP on both ends with
 * TX and RX keys (2n kTLS sockets), sends one -w byte record each way and
 * reads it, so every socket has set up both directions, and then measures
 * against the moment before: MemFree (everything the kernel took: slab,
 * pages of skbs and records, page tables) and Slab, and per slab cache the
 * bytes of its objects, divided by the sockets. The connections are then
 * reset (no TIME_WAIT) and the next ULP runs. ULPs alternate in order run
 * by run; medians are printed, with each ULP's ratio to the first.
 *
 * "none" is plain TCP: what the socket costs without any ULP.
 *
 * -s, a stalled reader: then each connection's client sends 16 KiB
 * records without blocking until its socket takes no more, and the
 * server never reads. What is measured is the peak a connection can pin
 * (the sender's queue and records, the receiver's queue and parser),
 * with the bytes sent per connection; TCP's buffer limits bound it.
 *
 * usage: ktls-mem [-s] [-u ULP,..] [-c CIPHER] [-n CONNS] [-r RUNS] [-w BYTES]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ktls-util.h"

#define MAX_ULPS	8
#define MAX_CACHES	512
#define TOP_CACHES	6

struct mem_snap {
	long free_kb, slab_kb;
	int nr;
	struct {
		char name[48];
		long bytes;
	} cache[MAX_CACHES];
};

/* What a run measures: bytes per socket; -s: unread bytes per connection. */
enum { M_TOTAL, M_SLAB, M_QUEUED, M_NR };

static struct {
	const char *ulps[MAX_ULPS];
	int nr_ulps;
	const struct cipher *cipher;
	int conns, runs;
	size_t wsize;
	bool stall;
} opt = { .conns = 2000, .runs = 3, .wsize = 100 };

static double results[MAX_ULPS][MAX_RUNS][M_NR];
/* Per ULP, the slab caches that grew most in its last run, bytes per socket. */
static struct {
	char name[48];
	double per_sock;
} top[MAX_ULPS][TOP_CACHES];

static long meminfo_kb(const char *key)
{
	char line[128];
	long v = -1, x;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) &&
		    sscanf(line + strlen(key), ": %ld", &x) == 1)
			v = x;
	fclose(f);
	if (v < 0)
		die("no %s in /proc/meminfo", key);
	return v;
}

/* Bytes of every slab cache's objects (all of them: the slabs' pages). */
static void slab_read(struct mem_snap *s)
{
	char line[512], name[48];
	long active, num, size;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		die("/proc/slabinfo (root only)");
	s->nr = 0;
	while (fgets(line, sizeof(line), f) && s->nr < MAX_CACHES) {
		if (sscanf(line, "%47s %ld %ld %ld", name, &active, &num,
			   &size) != 4)
			continue;
		strcpy(s->cache[s->nr].name, name);
		s->cache[s->nr++].bytes = num * size;
	}
	fclose(f);
}

static void snap(struct mem_snap *s)
{
	/* Let RCU-freed sockets and deferred frees of the last run land. */
	usleep(200000);
	s->free_kb = meminfo_kb("MemFree");
	s->slab_kb = meminfo_kb("Slab");
	slab_read(s);
}

static long cache_before(const struct mem_snap *a, const char *name)
{
	int i;

	for (i = 0; i < a->nr; i++)
		if (!strcmp(a->cache[i].name, name))
			return a->cache[i].bytes;
	return 0;
}

static void top_caches(int u, const struct mem_snap *a,
		       const struct mem_snap *b, int socks)
{
	int i, j, k;

	memset(top[u], 0, sizeof(top[u]));
	for (i = 0; i < b->nr; i++) {
		double d = (double)(b->cache[i].bytes -
				    cache_before(a, b->cache[i].name)) / socks;

		for (j = 0; j < TOP_CACHES && top[u][j].per_sock >= d; j++)
			;
		if (j == TOP_CACHES || d <= 0)
			continue;
		for (k = TOP_CACHES - 1; k > j; k--)
			top[u][k] = top[u][k - 1];
		strcpy(top[u][j].name, b->cache[i].name);
		top[u][j].per_sock = d;
	}
}

/* ---- the connections ---- */

static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a->sin_family = AF_INET;
	a->sin_port = 0;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (void *)a, len) || listen(fd, 4096) ||
	    getsockname(fd, (void *)a, &len))
		die("listen");
	return fd;
}

static void keys(int fd, const char *ulp)
{
	struct crypto_blob b;

	if (is_plain(ulp))
		return;
	attach(fd, ulp);
	crypto_blob(opt.cipher, &b);
	if (setsockopt(fd, SOL_TLS, TLS_TX, b.buf, b.len) ||
	    setsockopt(fd, SOL_TLS, TLS_RX, b.buf, b.len))
		die("setsockopt(SOL_TLS) on \"%s\"", ulp);
}

/* One -w byte record from @from to @to, read whole. */
static void exchange(int from, int to)
{
	static char out[16384], in[16384];
	size_t got = 0;
	ssize_t n;

	memset(out, 0x5a, opt.wsize);
	if (send(from, out, opt.wsize, 0) != (ssize_t)opt.wsize)
		die("send");
	while (got < opt.wsize) {
		n = recv(to, in + got, opt.wsize - got, 0);
		if (n <= 0)
			die("recv (%zd)", n);
		got += n;
	}
	if (memcmp(in, out, opt.wsize)) {
		errno = 0;
		die("data differ");
	}
}

/*
 * -s: send from @fd until its socket takes no more (the peer never
 * reads); a few short waits let a record the ULP still pushes land.
 */
static size_t stall(int fd)
{
	static char buf[16384];
	size_t sent = 0;
	int waits = 0;
	ssize_t n;

	memset(buf, 0x5a, sizeof(buf));
	while (waits < 3) {
		n = send(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			sent += n;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			die("send (stalled reader)");
		waits++;
		usleep(2000);
	}
	return sent;
}

static void reset(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static void run(int u, int r, struct mem_snap *a, struct mem_snap *b)
{
	const char *ulp = opt.ulps[u];
	int *fds = calloc(2 * opt.conns, sizeof(*fds));
	struct sockaddr_in addr;
	int lfd, i, socks = 2 * opt.conns;
	double queued = 0;

	if (!fds)
		die("calloc");
	lfd = listener(&addr);
	snap(a);
	for (i = 0; i < opt.conns; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		if (c < 0 || connect(c, (void *)&addr, sizeof(addr)))
			die("connect %d", i);
		fds[2 * i] = c;
		fds[2 * i + 1] = accept(lfd, NULL, NULL);
		if (fds[2 * i + 1] < 0)
			die("accept %d", i);
		keys(c, ulp);
		keys(fds[2 * i + 1], ulp);
		exchange(c, fds[2 * i + 1]);
		exchange(fds[2 * i + 1], c);
	}
	for (i = 0; opt.stall && i < opt.conns; i++)
		queued += stall(fds[2 * i]);
	close(lfd);
	snap(b);
	results[u][r][M_TOTAL] = (a->free_kb - b->free_kb) * 1024.0 / socks;
	results[u][r][M_SLAB] = (b->slab_kb - a->slab_kb) * 1024.0 / socks;
	results[u][r][M_QUEUED] = queued / opt.conns;
	top_caches(u, a, b, socks);
	for (i = 0; i < socks; i++)
		reset(fds[i]);
	free(fds);
}

/* ---- report ---- */

static double median_of(int u, int m)
{
	double v[MAX_RUNS];
	int r;

	for (r = 0; r < opt.runs; r++)
		v[r] = results[u][r][m];
	return median(v, opt.runs);
}

static void report(void)
{
	double t0 = median_of(0, M_TOTAL);
	double s0 = median_of(0, M_SLAB);
	int u, j, r;

	printf("%-10s %12s %8s %12s %8s %s  runs (total B/socket)\n", "ulp",
	       "total B/sock", "ratio", "slab B/sock", "ratio",
	       opt.stall ? " unread B/conn" : "");
	for (u = 0; u < opt.nr_ulps; u++) {
		double t = median_of(u, M_TOTAL);
		double s = median_of(u, M_SLAB);

		printf("%-10s %12.0f %8.2f %12.0f %8.2f ", opt.ulps[u], t,
		       t0 > 0 ? t / t0 : 0, s, s0 > 0 ? s / s0 : 0);
		if (opt.stall)
			printf(" %14.0f", median_of(u, M_QUEUED));
		printf(" ");
		for (r = 0; r < opt.runs; r++)
			printf(" %.0f", results[u][r][M_TOTAL]);
		printf("\n");
	}
	printf("# slab caches that grew most (last run, B/socket):\n");
	for (u = 0; u < opt.nr_ulps; u++) {
		printf("# %-8s", opt.ulps[u]);
		for (j = 0; j < TOP_CACHES && top[u][j].per_sock > 0; j++)
			printf(" %s %.0f", top[u][j].name, top[u][j].per_sock);
		printf("\n");
	}
}

static void usage(void)
{
	size_t i;

	fprintf(stderr,
		"Usage: ktls-mem [-s] [-u ULP,..] [-c CIPHER] [-n CONNS] [-r RUNS] [-w BYTES]\n"
		"  -s  a stalled reader: clients send until blocked, servers never read\n"
		"  -u  ULPs, first is the reference for ratios; \"none\" = plain TCP (tls)\n"
		"  -c  cipher (aes128gcm-1.3):");
	for (i = 0; i < ARRAY_SIZE(ciphers); i++)
		fprintf(stderr, " %s", ciphers[i].name);
	fprintf(stderr,
		"\n  -n  connections, 2 kTLS sockets each (2000)   -r  runs (3)\n"
		"  -w  bytes of the record sent each way (100)\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	char *ulps = "tls";
	const char *cs = "aes128gcm-1.3";
	int o;

	while ((o = getopt(argc, argv, "su:c:n:r:w:h")) != -1) {
		switch (o) {
		case 's':
			opt.stall = true;
			break;
		case 'u':
			ulps = optarg;
			break;
		case 'c':
			cs = optarg;
			break;
		case 'n':
			opt.conns = atoi(optarg);
			break;
		case 'r':
			opt.runs = atoi(optarg);
			break;
		case 'w':
			opt.wsize = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	opt.cipher = cipher_by_name(cs);
	opt.nr_ulps = split(strdup(ulps), opt.ulps, MAX_ULPS);
	if (optind != argc || !opt.cipher || !opt.nr_ulps || opt.conns < 1 ||
	    opt.runs < 1 || opt.runs > MAX_RUNS || !opt.wsize ||
	    opt.wsize > 16384)
		usage();
}

int main(int argc, char **argv)
{
	struct rlimit rl = { .rlim_cur = 65536, .rlim_max = 65536 };
	static struct mem_snap a, b;
	int r, i, u;

	parse_args(argc, argv);
	if ((rlim_t)2 * opt.conns + 16 > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max = 2 * opt.conns + 16;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(NOFILE, %ld)", (long)rl.rlim_cur);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# ktls-mem: %d connections (%d sockets) x %d runs, %s, one %zu-byte record each way%s\n",
	       opt.conns, 2 * opt.conns, opt.runs, opt.cipher->name, opt.wsize,
	       opt.stall ? ", then a stalled reader" : "");
	for (r = 0; r < opt.runs; r++) {
		for (i = 0; i < opt.nr_ulps; i++) {
			u = r & 1 ? opt.nr_ulps - 1 - i : i;
			run(u, r, &a, &b);
		}
	}
	report();
	return 0;
}
