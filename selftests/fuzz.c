// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded fuzzer for the "tls" ULP.
 *
 * Each iteration is planned entirely from (seed, iteration number), so
 * "fuzz -s SEED -i ITER" replays the same plan: the same sockets, keys
 * of the same cipher and version, the same operations with the same
 * arguments. Only the interleaving of the threads is left to the
 * scheduler, which is the point of running them.
 *
 * An iteration has two phases on one or two loopback TCP pairs. In each
 * pair "fd" is the end that gets the ULP and "peer" stays plain TCP and
 * speaks TLS records through tlsrec.c (OpenSSL/libgcrypt, never the
 * kernel): TLS 1.2 or 1.3, or with sm4ktls, for a third of the SM4-GCM
 * pairs, TLCP (record version 1.1).
 *
 *  1. Setup, one thread: TCP_ULP and SOL_TLS set/getsockopt with good
 *     and mutated arguments (every optlen from 0 to sizeof + 8, NULL and
 *     bad pointers, wrong versions and ciphers, second keys). Here the
 *     outcome is deterministic, so every errno is compared with a model
 *     of upstream net/tls (6.12; KeyUpdate as in mainline 6.14, EBUSY
 *     on the in-tree tls.ko of 6.1/6.12 when SM4KTLS_DP_MOD=tls).
 *  2. Chaos, 2-4 threads sharing the fds: send/sendmsg (record type
 *     cmsgs good and bad, MSG_MORE/DONTWAIT/EOR/OOB, bad iovecs),
 *     recvmsg (zero and small buffers, control buffers, PEEK, WAITALL),
 *     splice to and from pipes, sendfile from a memfd or a /tmp file,
 *     poll, shutdown, rekeys, close; and on the peer, well-formed
 *     records sealed with the right key, KeyUpdates, and mutated ones
 *     (bad lengths, versions, types, padding-only TLS 1.3 records, bit
 *     flips, truncated records followed by FIN or RST). Here errnos are
 *     checked against the set upstream can return for that call.
 *
 * What is checked besides errnos: every byte the kernel hands up
 * follows the pattern the peer sealed (one reader: exactly, in order;
 * several readers: within each chunk), every record the kernel sends
 * opens under one of the keys it was given, in sequence; no call blocks
 * far past SO_RCVTIMEO/SO_SNDTIMEO (a watchdog interrupts it with a
 * signal, and reports a hang with the kernel stacks of the stuck
 * threads if even that does not help); no fd is left open after an
 * iteration; at the end the module's refcount, its TlsCurr* counters
 * and the TCP socket count come back to where they started.
 *
 * Only failing iterations are logged, with their operation lists.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/sendfile.h>
#include <time.h>
#include <linux/sockios.h>

#include "helpers.h"

#ifndef TLS_TX_ZEROCOPY_RO
#define TLS_TX_ZEROCOPY_RO	3
#endif
#ifndef TLS_RX_EXPECT_NO_PAD
#define TLS_RX_EXPECT_NO_PAD	4
#endif
#ifndef TLS_CIPHER_ARIA_GCM_128
#define TLS_CIPHER_ARIA_GCM_128	57
#define TLS_CIPHER_ARIA_GCM_256	58
#endif

#define FZ_MAX_PAIRS	2
#define FZ_MAX_THREADS	4
#define FZ_MAX_OPS	40	/* per chaos thread */
#define FZ_MAX_SETUP	24
#define FZ_MAX_KEYS	16	/* key generations per direction */
#define FZ_BUF		(80 * 1024)
#define FZ_FILE		(256 * 1024)
#define FZ_DRAIN	(4 * TLSREC_MAX_RECORD + 65536)
#define FZ_MAX_FAILS	8
/* socket timeouts that bound every blocking call */
#define FZ_TIMEO_US	150000

/* The byte stream the peer seals: x -> 5x + 1 (mod 256) has period 256. */
static inline u8 pat_next(u8 x)
{
	return x * 5 + 1;
}

/* ---- deterministic randomness ---- */

static u64 splitmix(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u32 rnd(u64 *s, u32 n)
{
	return n ? splitmix(s) % n : 0;
}

static bool chance(u64 *s, u32 percent)
{
	return rnd(s, 100) < percent;
}

/* ---- operations ---- */

enum fz_code {
	/* setup phase (exact errno model) */
	S_ULP, S_ULP_BAD, S_ULP_GET, S_ULP_UNCONN, S_SET_TX, S_SET_RX,
	S_GET_TX, S_GET_RX, S_ZC_SET, S_ZC_GET, S_NOPAD_SET, S_NOPAD_GET,
	S_UNKNOWN,
	/* chaos phase: the kTLS end */
	C_SEND, C_SENDMSG_CMSG, C_SENDMSG_IOV, C_RECV, C_SPLICE_OUT,
	C_SPLICE_IN, C_SPLICE_X, C_SENDFILE, C_POLL, C_SHUTDOWN, C_SETOPT,
	C_GETOPT, C_SOBUF, C_CLOSE,
	/* chaos phase: the plain peer */
	P_DATA, P_CTRL, P_KEYUPDATE, P_MUT, P_TRUNC, P_OOB, P_DRAIN, P_FIN,
	P_RST,
	FZ_NCODES
};

static const char *const fz_names[FZ_NCODES] = {
	[S_ULP] = "ulp", [S_ULP_BAD] = "ulp_bad", [S_ULP_GET] = "ulp_get",
	[S_ULP_UNCONN] = "ulp_unconn", [S_SET_TX] = "set_tx",
	[S_SET_RX] = "set_rx", [S_GET_TX] = "get_tx", [S_GET_RX] = "get_rx",
	[S_ZC_SET] = "zc_set", [S_ZC_GET] = "zc_get",
	[S_NOPAD_SET] = "nopad_set", [S_NOPAD_GET] = "nopad_get",
	[S_UNKNOWN] = "unknown_opt",
	[C_SEND] = "send", [C_SENDMSG_CMSG] = "sendmsg_cmsg",
	[C_SENDMSG_IOV] = "sendmsg_iov", [C_RECV] = "recv",
	[C_SPLICE_OUT] = "splice_out", [C_SPLICE_IN] = "splice_in",
	[C_SPLICE_X] = "splice_x", [C_SENDFILE] = "sendfile",
	[C_POLL] = "poll", [C_SHUTDOWN] = "shutdown", [C_SETOPT] = "setopt",
	[C_GETOPT] = "getopt", [C_SOBUF] = "sobuf", [C_CLOSE] = "close",
	[P_DATA] = "p_data", [P_CTRL] = "p_ctrl", [P_KEYUPDATE] = "p_keyupdate",
	[P_MUT] = "p_mut", [P_TRUNC] = "p_trunc", [P_OOB] = "p_oob",
	[P_DRAIN] = "p_drain", [P_FIN] = "p_fin", [P_RST] = "p_rst",
};

struct fz_op {
	u8 code, pair, v;
	u32 len, flags;
	u64 r;		/* more randomness, drawn from at run time */
	/* results */
	long ret;
	int err;
	int want;	/* setup: expected errno (-1: any of a set) */
	bool done;
};

struct fz_dir {
	bool set;
	u16 version, cipher;
};

struct fz_chain {
	struct tlsrec_key k[FZ_MAX_KEYS];
	u8 live[FZ_MAX_KEYS];	/* TX: 0 failed, 1 installed or pending */
	int n;
};

struct fz_pair {
	int fd, peer, family;
	/* the model of the kernel's view (setup phase) */
	bool ulp, zc_ro, no_pad;
	struct fz_dir tx, rx;
	u16 version;		/* what either direction installed */
	const struct tlsrec_suite *suite;	/* planned cipher */
	u16 pversion;				/* planned version */

	pthread_mutex_t lock;	/* peer writes, key chains, RX pattern */
	struct fz_chain rxc;	/* the kernel's RX keys, in order */
	int rx_cur;		/* installed in the kernel */
	int seal_gen;		/* the peer seals with rxc.k[seal_gen] */
	struct tlsrec_state seal;
	u8 gen;			/* next pattern byte the peer produces */
	u8 expect;		/* next byte the single reader expects */
	bool rx_keyed;		/* RX key installed during setup */
	bool tainted;		/* raw bytes may reach the reader */
	bool exact;		/* one reader thread: exact order */
	int reader;		/* that thread */

	pthread_mutex_t dlock;	/* the peer's reader: kernel TX records */
	pthread_mutex_t txkey;	/* TX rekeys: chain order = install order */
	struct fz_chain txc;
	bool tx_keyed, tx_lenient;
	int open_gen;
	struct tlsrec_state open;
	u8 *dbuf;
	size_t dlen;
	u64 tx_records;

	atomic_bool fd_closed, peer_closed;
};

struct fz_iter;

struct fz_thread {
	struct fz_iter *it;
	int idx;
	pthread_t pt;
	pid_t tid;
	struct fz_op *ops;
	int nops;
	int pipe[2];
	u8 *buf, *rbuf;
	atomic_llong start_ns;	/* of the running op, 0 when idle */
	atomic_int cur;
	atomic_int poked;
};

struct fz_iter {
	u64 seed;
	unsigned int no;
	int npairs, nthreads;
	struct fz_pair pair[FZ_MAX_PAIRS];
	struct fz_op setup[FZ_MAX_SETUP];
	int nsetup;
	struct fz_op ops[FZ_MAX_THREADS][FZ_MAX_OPS];
	struct fz_thread th[FZ_MAX_THREADS + 1];	/* + the setup thread */
	pthread_mutex_t flock;
	char fails[FZ_MAX_FAILS][256];
	int nfails;
};

/* ---- global state ---- */

static struct {
	bool stock;		/* the in-tree tls.ko serves the ULP */
	bool verbose;
	bool one_reader;	/* -1: never two readers on one socket */
	int poke_s, hang_s;
	long page;
	u8 *guard;		/* one RW page, then one PROT_NONE page */
	int memfd, tmpfd;
	atomic_ullong opcount[FZ_NCODES];
	atomic_ullong errcount[136];
	atomic_ullong nops;
	atomic_ullong rx_checked;	/* bytes handed up and checked */
	atomic_ullong rx_exact;		/* of which in exact order */
	atomic_ullong tx_opened;	/* kernel records opened by the peer */
	_Atomic(struct fz_iter *) cur;	/* for the watchdog */
	atomic_bool stop_watchdog;
} g;

static const char *errname(int e)
{
	static const struct { int e; const char *n; } t[] = {
		{ 0, "0" }, { EAGAIN, "EAGAIN" }, { EINVAL, "EINVAL" },
		{ EBADMSG, "EBADMSG" }, { EMSGSIZE, "EMSGSIZE" }, { EIO, "EIO" },
		{ EKEYEXPIRED, "EKEYEXPIRED" }, { ENOTCONN, "ENOTCONN" },
		{ ECONNRESET, "ECONNRESET" }, { EPIPE, "EPIPE" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { ENOPROTOOPT, "ENOPROTOOPT" },
		{ EEXIST, "EEXIST" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
		{ ENOMEM, "ENOMEM" }, { ENOBUFS, "ENOBUFS" },
		{ ETIMEDOUT, "ETIMEDOUT" }, { EBADF, "EBADF" },
		{ ENOSPC, "ENOSPC" }, { EPROTO, "EPROTO" },
		{ ESHUTDOWN, "ESHUTDOWN" }, { ENOKEY, "ENOKEY" },
	};
	static __thread char buf[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i].e == e)
			return t[i].n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void fail(struct fz_iter *it, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&it->flock);
	if (it->nfails < FZ_MAX_FAILS) {
		va_start(ap, fmt);
		vsnprintf(it->fails[it->nfails], sizeof(it->fails[0]), fmt, ap);
		va_end(ap);
	}
	it->nfails++;
	pthread_mutex_unlock(&it->flock);
}

static int fmt_op(char *s, size_t n, const struct fz_op *op)
{
	int k;

	k = snprintf(s, n, "%s p%u v%u l=%u f=%#x", fz_names[op->code],
		     op->pair, op->v, op->len, op->flags);
	if (!op->done)
		return k + snprintf(s + k, n - k, " (not run)");
	if (op->ret >= 0)
		k += snprintf(s + k, n - k, " =%ld", op->ret);
	else
		k += snprintf(s + k, n - k, " =-%s", errname(op->err));
	if (op->want >= 0 && op->code < C_SEND)
		k += snprintf(s + k, n - k, " want %s", op->want ?
			      errname(op->want) : "0");
	return k;
}

static void print_ops(const char *who, const struct fz_op *ops, int n)
{
	char line[1024], one[160];
	int i, len = 0;

	line[0] = 0;
	for (i = 0; i < n; i++) {
		fmt_op(one, sizeof(one), &ops[i]);
		if (len + strlen(one) + 3 > 100) {
			printf("#   %s: %s\n", who, line);
			len = 0;
			line[0] = 0;
		}
		len += snprintf(line + len, sizeof(line) - len, "%s%s",
				len ? "; " : "", one);
	}
	if (len || !n)
		printf("#   %s: %s\n", who, line);
}

static const char *version_name(u16 version)
{
	if (version == SM4KTLS_TLCP_1_1_VERSION)
		return "tlcp";
	return version == TLS_1_3_VERSION ? "tls1.3" : "tls1.2";
}

static void print_iter(struct fz_iter *it)
{
	char who[16];
	int t, p;

	for (p = 0; p < it->npairs; p++) {
		struct fz_pair *pr = &it->pair[p];

		printf("#   pair %d: ipv%d %s %s rx_keyed=%d tx_keyed=%d exact=%d(reader t%d) tainted=%d\n",
		       p, pr->family == AF_INET6 ? 6 : 4, pr->suite->name,
		       version_name(pr->pversion),
		       pr->rx_keyed, pr->tx_keyed, pr->exact, pr->reader,
		       pr->tainted);
	}
	print_ops("setup", it->setup, it->nsetup);
	for (t = 0; t < it->nthreads; t++) {
		snprintf(who, sizeof(who), "t%d", t);
		print_ops(who, it->ops[t], it->th[t].nops);
	}
}

/* ---- plan ---- */


/* TLCP (sm4ktls only) for a third of the SM4-GCM connections. */
static u16 rnd_version(u64 *s, const struct tlsrec_suite *suite)
{
	u16 version = chance(s, 50) ? TLS_1_3_VERSION : TLS_1_2_VERSION;

	if (chance(s, 33) && !g.stock && suite->cipher == TLS_CIPHER_SM4_GCM)
		version = SM4KTLS_TLCP_1_1_VERSION;
	return version;
}

static const u16 fz_ciphers[] = {
	TLS_CIPHER_AES_GCM_128, TLS_CIPHER_AES_GCM_256, TLS_CIPHER_AES_CCM_128,
	TLS_CIPHER_CHACHA20_POLY1305, TLS_CIPHER_SM4_GCM, TLS_CIPHER_SM4_CCM,
};

static const struct tlsrec_suite *rnd_suite(u64 *s)
{
	return tlsrec_suite_by_cipher(fz_ciphers[rnd(s, ARRAY_SIZE(fz_ciphers))]);
}

static void add_setup(struct fz_iter *it, u64 *s, u8 code, u8 pair)
{
	struct fz_op *op;

	if (it->nsetup >= FZ_MAX_SETUP)
		return;
	op = &it->setup[it->nsetup++];
	op->code = code;
	op->pair = pair;
	op->v = rnd(s, 8);
	op->len = rnd(s, 80);
	op->flags = 0;
	op->r = splitmix(s);
	op->want = -1;
}

static bool is_read_op(u8 code)
{
	return code == C_RECV || code == C_SPLICE_OUT || code == C_SPLICE_X;
}

/* One chaos op for thread t; weights favour the data path. */
static void plan_chaos_op(struct fz_iter *it, u64 *s, int t,
			  struct fz_op *op, bool late)
{
	static const struct { u8 code; u8 w; } tab[] = {
		{ C_SEND, 10 }, { C_SENDMSG_CMSG, 6 }, { C_SENDMSG_IOV, 3 },
		{ C_RECV, 14 }, { C_SPLICE_OUT, 4 }, { C_SPLICE_IN, 4 },
		{ C_SPLICE_X, 2 }, { C_SENDFILE, 4 }, { C_POLL, 4 },
		{ C_SHUTDOWN, 1 }, { C_SETOPT, 4 }, { C_GETOPT, 4 },
		{ C_SOBUF, 1 }, { C_CLOSE, 1 },
		{ P_DATA, 14 }, { P_CTRL, 3 }, { P_KEYUPDATE, 3 }, { P_MUT, 3 },
		{ P_TRUNC, 1 }, { P_OOB, 1 }, { P_DRAIN, 8 }, { P_FIN, 1 },
		{ P_RST, 1 },
	};
	unsigned int total = 0, x, i;
	struct fz_pair *p;

	for (i = 0; i < ARRAY_SIZE(tab); i++)
		total += tab[i].w;
	for (;;) {
		x = rnd(s, total);
		for (i = 0; x >= tab[i].w; i++)
			x -= tab[i].w;
		op->code = tab[i].code;
		op->pair = rnd(s, it->npairs);
		p = &it->pair[op->pair];
		/* Endings come late, or nothing would be left to fuzz. */
		if ((op->code == C_CLOSE || op->code == P_RST ||
		     op->code == P_FIN || op->code == P_TRUNC ||
		     op->code == C_SHUTDOWN) && !late)
			continue;
		if (op->code == C_SPLICE_X && (it->npairs < 2 || p->exact))
			continue;
		if (is_read_op(op->code) && p->exact && p->reader != t)
			continue;
		break;
	}
	op->v = rnd(s, 16);
	switch (rnd(s, 8)) {
	case 0:
		op->len = 0;
		break;
	case 1:
		op->len = 1 + rnd(s, 16);
		break;
	case 2:
		op->len = 16384 + rnd(s, 3) - 1;
		break;
	case 3:
		op->len = 1 + rnd(s, FZ_BUF - 1);
		break;
	default:
		op->len = 1 + rnd(s, 4096);
		break;
	}
	op->flags = rnd(s, 1u << 16);
	op->r = splitmix(s);
	op->want = -1;
}

static void plan(struct fz_iter *it, u64 seed, unsigned int no)
{
	u64 s = seed ^ (0xa0761d6478bd642fULL * (no + 1));
	int p, t, i, n;

	memset(it, 0, sizeof(*it));
	splitmix(&s);
	it->seed = seed;
	it->no = no;
	it->npairs = 1 + chance(&s, 35);
	it->nthreads = 2 + rnd(&s, 3);
	for (p = 0; p < it->npairs; p++) {
		struct fz_pair *pr = &it->pair[p];

		pr->family = chance(&s, 25) ? AF_INET6 : AF_INET;
		pr->suite = rnd_suite(&s);
		pr->pversion = rnd_version(&s, pr->suite);
		pr->exact = chance(&s, 50) || g.one_reader;
		pr->reader = rnd(&s, it->nthreads);
		pr->gen = rnd(&s, 256);
		pr->expect = pr->gen;
	}
	/* Setup: ULP, a random sequence of socket options, then keys. */
	for (p = 0; p < it->npairs; p++) {
		bool ulp = chance(&s, 94);
		int at = ulp ? rnd(&s, 3) : -1;

		n = 2 + rnd(&s, 9);
		for (i = 0; i < n; i++) {
			static const u8 codes[] = {
				S_SET_TX, S_SET_RX, S_SET_TX, S_SET_RX,
				S_GET_TX, S_GET_RX, S_ZC_SET, S_ZC_GET,
				S_NOPAD_SET, S_NOPAD_GET, S_UNKNOWN, S_ULP_GET,
				S_ULP_UNCONN,
			};

			if (i == at)
				add_setup(it, &s, S_ULP, p);
			if (chance(&s, 2))
				add_setup(it, &s, S_ULP_BAD, p);
			add_setup(it, &s, codes[rnd(&s, ARRAY_SIZE(codes))], p);
		}
		if (ulp && at >= n)
			add_setup(it, &s, S_ULP, p);
		if (chance(&s, 20))
			add_setup(it, &s, S_ULP, p);	/* EEXIST */
		/* v 0: the planned key; appended ones are the "handshake". */
		if (chance(&s, 85)) {
			add_setup(it, &s, S_SET_TX, p);
			it->setup[it->nsetup - 1].v = 0;
			it->setup[it->nsetup - 1].len = 0xffff;
		}
		if (chance(&s, 88)) {
			add_setup(it, &s, S_SET_RX, p);
			it->setup[it->nsetup - 1].v = 0;
			it->setup[it->nsetup - 1].len = 0xffff;
		}
		if (chance(&s, 30))
			add_setup(it, &s, S_NOPAD_SET, p);
		if (chance(&s, 30))
			add_setup(it, &s, S_ZC_SET, p);
	}
	for (t = 0; t < it->nthreads; t++) {
		n = 4 + rnd(&s, FZ_MAX_OPS - 4);
		it->th[t].nops = n;
		for (i = 0; i < n; i++)
			plan_chaos_op(it, &s, t, &it->ops[t][i], i > n * 2 / 3);
	}
}

/* ---- the upstream model for the setup phase ---- */

struct fz_desc {
	u16 cipher;
	unsigned int len;
};

static const struct fz_desc fz_descs[] = {
	{ TLS_CIPHER_AES_GCM_128, sizeof(struct tls12_crypto_info_aes_gcm_128) },
	{ TLS_CIPHER_AES_GCM_256, sizeof(struct tls12_crypto_info_aes_gcm_256) },
	{ TLS_CIPHER_AES_CCM_128, sizeof(struct tls12_crypto_info_aes_ccm_128) },
	{ TLS_CIPHER_CHACHA20_POLY1305,
	  sizeof(struct tls12_crypto_info_chacha20_poly1305) },
	{ TLS_CIPHER_SM4_GCM, sizeof(struct tls12_crypto_info_sm4_gcm) },
	{ TLS_CIPHER_SM4_CCM, sizeof(struct tls12_crypto_info_sm4_ccm) },
	{ TLS_CIPHER_ARIA_GCM_128, 40 },
	{ TLS_CIPHER_ARIA_GCM_256, 56 },
};

static const struct fz_desc *desc_find(u16 cipher)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fz_descs); i++)
		if (fz_descs[i].cipher == cipher)
			return &fz_descs[i];
	return NULL;
}

#define FZ_ARIA		1000	/* model: "EINVAL or ENOENT" (no gcm(aria)) */

/* SOL_TLS before the ULP: what TCP/IP says about an unknown level. */
static int pre_ulp(struct fz_pair *p, bool set)
{
	if (set)
		return ENOPROTOOPT;
	return p->family == AF_INET6 ? ENOPROTOOPT : EOPNOTSUPP;
}

struct fz_setspec {
	bool null, hdr_ok, body_ok;
	u16 version, cipher;
	unsigned int optlen;
};

/* do_tls_setsockopt_conf() of upstream, as a function of the state. */
static int model_set_conf(struct fz_pair *p, bool tx,
			  const struct fz_setspec *ss)
{
	struct fz_dir *cur = tx ? &p->tx : &p->rx;
	struct fz_dir *alt = tx ? &p->rx : &p->tx;
	const struct fz_desc *d;

	if (!p->ulp)
		return pre_ulp(p, true);
	if (ss->null || ss->optlen < sizeof(struct tls_crypto_info))
		return EINVAL;
	if (cur->set && (g.stock || cur->version != TLS_1_3_VERSION))
		return EBUSY;
	if (!ss->hdr_ok)
		return EFAULT;
	if (cur->set) {
		if (ss->version != cur->version || ss->cipher != cur->cipher)
			return EINVAL;
	} else {
		if (ss->version == SM4KTLS_TLCP_1_1_VERSION) {
			/* sm4ktls's TLCP: SM4-GCM only; tls.ko has none. */
			if (g.stock || ss->cipher != TLS_CIPHER_SM4_GCM)
				return EINVAL;
		} else if (ss->version != TLS_1_2_VERSION &&
			   ss->version != TLS_1_3_VERSION) {
			return EINVAL;
		}
		if (alt->set && (alt->version != ss->version ||
				 alt->cipher != ss->cipher))
			return EINVAL;
	}
	d = desc_find(ss->cipher);
	if (!d)
		return EINVAL;
	if (d->cipher == TLS_CIPHER_ARIA_GCM_128 ||
	    d->cipher == TLS_CIPHER_ARIA_GCM_256) {
		if (ss->version != TLS_1_2_VERSION || ss->optlen != d->len)
			return EINVAL;
		return ss->body_ok ? FZ_ARIA : EFAULT;
	}
	if (ss->optlen != d->len)
		return EINVAL;
	if (!ss->body_ok)
		return EFAULT;
	return 0;
}

/* ---- helpers ---- */

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_usec = FZ_TIMEO_US };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Replace fd by an unconnected socket: the file goes, the number stays. */
static void fd_swap_out(int fd, bool rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int ph = socket(AF_INET, SOCK_STREAM, 0);

	if (rst)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (ph >= 0) {
		dup2(ph, fd);
		close(ph);
	}
}

static void fill_pattern(u8 *buf, size_t len, u8 *state)
{
	size_t i;

	for (i = 0; i < len; i++) {
		buf[i] = *state;
		*state = pat_next(*state);
	}
}

/*
 * Check bytes the kernel handed up from pair p's RX. With one reader
 * they must continue the peer's stream exactly (MSG_PEEK: without
 * consuming); with several, each chunk must at least be in pattern.
 */
static void check_rx(struct fz_iter *it, struct fz_pair *p, int pi,
		     const u8 *buf, size_t len, bool peek, const char *what)
{
	u8 x;
	size_t i;

	if (!len)
		return;
	pthread_mutex_lock(&p->lock);
	/*
	 * Without an RX key this is TCP's recvmsg, which lets other readers
	 * in while one waits for more (a MSG_PEEK then even goes on from
	 * their new read position: tcp.c's "race in MSG_PEEK"): with
	 * several readers a call's bytes need not be one run of the stream.
	 */
	if (p->tainted || (!p->exact && !p->rx_keyed))
		goto out;
	atomic_fetch_add(&g.rx_checked, len);
	if (p->exact) {
		atomic_fetch_add(&g.rx_exact, len);
		x = p->expect;
		for (i = 0; i < len; i++, x = pat_next(x))
			if (buf[i] != x)
				break;
		if (i < len)
			fail(it, "pair %d: %s returned byte %zu of %zu = %#x, want %#x (out of order, lost or corrupt data)",
			     pi, what, i, len, buf[i], x);
		else if (!peek)
			p->expect = x;
	} else {
		for (i = 1; i < len; i++)
			if (buf[i] != pat_next(buf[i - 1]))
				break;
		if (i < len)
			fail(it, "pair %d: %s returned %zu bytes not in the sealed pattern at %zu (%#x after %#x)",
			     pi, what, len, i, buf[i], buf[i - 1]);
	}
out:
	pthread_mutex_unlock(&p->lock);
}

static bool in_set(int e, const int *set)
{
	for (; *set; set++)
		if (*set == e)
			return true;
	return false;
}

static const int ok_send[] = {
	EAGAIN, EPIPE, ECONNRESET, EINVAL, EOPNOTSUPP, EBADMSG, EMSGSIZE,
	ENOTCONN, 0
};

/* EPIPE: tcp_reset() on a socket in CLOSE_WAIT, as the in-tree tls.ko */
static const int ok_recv[] = {
	EAGAIN, EINVAL, EBADMSG, EMSGSIZE, EIO, EKEYEXPIRED, ENOTCONN,
	ECONNRESET, EPIPE, EOPNOTSUPP, 0
};

static const int ok_opt[] = {
	EINVAL, EBUSY, ENOPROTOOPT, EOPNOTSUPP, ENOENT, 0
};

/* A TX rekey first pushes the open record: TCP's errors come through. */
static const int ok_rekey_tx[] = {
	EINVAL, EBUSY, ENOPROTOOPT, EOPNOTSUPP, EPIPE, ECONNRESET, EAGAIN,
	EBADMSG, EMSGSIZE, 0
};

static const int ok_peer[] = {
	EAGAIN, EPIPE, ECONNRESET, ENOTCONN, 0
};

static const int ok_misc[] = {
	ENOTCONN, EINVAL, 0
};

/*
 * Judge one chaos op's errno. bad_ptr: the op handed the kernel an
 * address it cannot read or write. EINTR is the watchdog's doing.
 */
static void judge(struct fz_iter *it, struct fz_thread *th, struct fz_op *op,
		  const int *set, bool bad_ptr)
{
	if (op->ret >= 0)
		return;
	if (op->err == EFAULT && bad_ptr)
		return;
	if (op->err == EINTR && atomic_load(&th->poked))
		return;
	if (in_set(op->err, set))
		return;
	fail(it, "t%d %s p%u v%u l=%u f=%#x: unexpected errno %s",
	     th->idx, fz_names[op->code], op->pair, op->v, op->len, op->flags,
	     errname(op->err));
}

/* ---- the peer: TLS records into the plain end ---- */

static void key_at(struct fz_chain *c, int i, const struct tlsrec_suite *s,
		   u16 version)
{
	while (c->n <= i && c->n < FZ_MAX_KEYS) {
		tlsrec_key_random(&c->k[c->n], s, version);
		c->live[c->n] = 1;
		c->n++;
	}
}

static void seal_reset(struct fz_pair *p)
{
	tlsrec_state_init(&p->seal, &p->rxc.k[p->seal_gen]);
	/* The kernel takes TLS 1.2 explicit nonces from the wire. */
	tlsrec_random(&p->seal.explicit_nonce, sizeof(p->seal.explicit_nonce));
}

/*
 * Write all of buf to the peer; a write that took nothing rolls the
 * sealing state back (nothing reached the kernel), a partial one leaves
 * a broken stream, which is fine: nothing after it may be delivered.
 */
static long peer_write(struct fz_pair *p, const u8 *buf, size_t len,
		       struct tlsrec_state *saved, u8 saved_gen, int *err)
{
	size_t done = 0;
	ssize_t n;

	*err = 0;
	while (done < len) {
		n = send(p->peer, buf + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = n < 0 ? errno : EPIPE;
			break;
		}
		done += n;
	}
	if (!done && len && saved) {
		p->seal = *saved;
		p->gen = saved_gen;
	}
	return *err && !done ? -1 : (long)done;
}

/* Well-formed data or control records, sealed with the kernel's RX key. */
static void op_peer_records(struct fz_thread *th, struct fz_op *op, int pi)
{
	struct fz_pair *p = &th->it->pair[pi];
	u64 r = op->r;
	int nrec = op->code == P_DATA ? 1 + rnd(&r, 4) : 1, i, err;
	struct tlsrec_state saved;
	u8 saved_gen, type, pt[TLSREC_MAX_PLAIN];
	size_t off = 0, len, pad;
	long n;

	pthread_mutex_lock(&p->lock);
	saved = p->seal;
	saved_gen = p->gen;
	for (i = 0; i < nrec && off + TLSREC_MAX_RECORD <= FZ_BUF; i++) {
		len = rnd(&r, 4) ? rnd(&r, op->len % TLSREC_MAX_PLAIN + 1) :
				   TLSREC_MAX_PLAIN;
		type = TLSREC_TYPE_DATA;
		if (op->code == P_CTRL)
			type = rnd(&r, 2) ? TLSREC_TYPE_ALERT :
					    TLSREC_TYPE_HANDSHAKE;
		if (type == TLSREC_TYPE_HANDSHAKE && p->rx_keyed) {
			/*
			 * Handshake records are not pattern data (a first
			 * byte 24 is a KeyUpdate to the kernel): a
			 * ClientHello-looking blob, never checked.
			 */
			len = len > 64 ? 64 : len;
			memset(pt, 0, len);
			if (len)
				pt[0] = 1 + rnd(&r, 20);
			n = tlsrec_seal(&p->seal, type, pt, len, 0,
					th->buf + off);
			if (n < 0)
				break;
			off += n;
			continue;
		}
		if (!p->rx_keyed) {
			/* No RX key: the same stream, in the clear. */
			fill_pattern(th->buf + off, len, &p->gen);
			off += len;
			continue;
		}
		fill_pattern(pt, len, &p->gen);
		pad = 0;
		if (p->seal.k.version == TLS_1_3_VERSION && !rnd(&r, 4))
			pad = rnd(&r, TLSREC_MAX_PLAIN - len + 1);
		n = tlsrec_seal(&p->seal, type, pt, len, pad, th->buf + off);
		if (n < 0)
			break;
		off += n;
	}
	/* Split the writes so the kernel sees partial records. */
	n = 0;
	err = 0;
	if (off && rnd(&r, 3) == 0) {
		size_t cut = rnd(&r, off);

		n = peer_write(p, th->buf, cut, &saved, saved_gen, &err);
		if (!err) {
			usleep(rnd(&r, 2000));
			n = peer_write(p, th->buf + cut, off - cut, NULL, 0,
				       &err);
			n = n < 0 ? (long)cut : (long)cut + n;
		}
	} else {
		n = peer_write(p, th->buf, off, &saved, saved_gen, &err);
	}
	pthread_mutex_unlock(&p->lock);
	op->ret = n;
	op->err = err;
	if (n >= 0 && err)
		op->ret = -1;
}

/* TLS 1.3 KeyUpdate under the current key, then seal with the next. */
static void op_peer_keyupdate(struct fz_thread *th, struct fz_op *op, int pi)
{
	struct fz_pair *p = &th->it->pair[pi];
	u8 ku[5] = { 24, 0, 0, 1, op->v & 1 }, rec[64];
	struct tlsrec_state saved;
	int err = 0;
	long n;

	pthread_mutex_lock(&p->lock);
	if (!p->rx_keyed || p->seal.k.version != TLS_1_3_VERSION) {
		/* TLS 1.2 or no key: a handshake record that is no rekey. */
		pthread_mutex_unlock(&p->lock);
		op->ret = 0;
		return;
	}
	saved = p->seal;
	n = tlsrec_seal(&p->seal, TLSREC_TYPE_HANDSHAKE, ku, sizeof(ku), 0,
			rec);
	n = peer_write(p, rec, n, &saved, p->gen, &err);
	if (n > 0 && p->seal_gen + 1 < FZ_MAX_KEYS) {
		p->seal_gen++;
		key_at(&p->rxc, p->seal_gen, p->seal.k.suite,
		       p->seal.k.version);
		seal_reset(p);
	}
	pthread_mutex_unlock(&p->lock);
	op->ret = n;
	op->err = err;
}

/* A record header of type 23 and the connection's version. */
static void app_hdr(u8 *b, const struct tlsrec_state *st, size_t len)
{
	u16 v = tlsrec_wire_version(&st->k);

	b[0] = 23;
	b[1] = v >> 8;
	b[2] = v;
	b[3] = len >> 8;
	b[4] = len;
}

/* Records that must never reach the reader: the kernel refuses them. */
static void op_peer_mut(struct fz_thread *th, struct fz_op *op, int pi)
{
	static const u8 bad_minor[] = { 0, 1, 2, 4, 0xff };
	static const u8 bad_types[] = { 0, 20, 21, 22, 24, 99, 255 };
	struct fz_pair *p = &th->it->pair[pi];
	u64 r = op->r;
	u8 *b = th->buf, pt[64], saved_gen;
	struct tlsrec_state st, saved;
	size_t len = 0, i;
	int err, m = op->v % 10;
	long n;

	pthread_mutex_lock(&p->lock);
	if (!p->rx_keyed)
		p->tainted = true;	/* raw bytes are plaintext here */
	st = p->seal;
	saved_gen = p->gen;
	memset(pt, 0x5a, sizeof(pt));
	switch (m) {
	case 0:	/* header with length 0 */
		app_hdr(b, &st, 0);
		len = 5;
		break;
	case 1:	/* longer than 2^14 + 256 + overhead */
		n = TLSREC_MAX_PLAIN + 256 + TLSREC_TAG + 8 + 1 + rnd(&r, 0xbe00);
		app_hdr(b, &st, n);
		tlsrec_random(b + 5, 64);
		len = 5 + 64;
		break;
	case 2:	/* a random length and random body */
		n = rnd(&r, 600);
		app_hdr(b, &st, n);
		tlsrec_random(b + 5, n);
		len = 5 + n;
		break;
	case 3:	/* wrong version */
		n = tlsrec_seal(&st, 23, pt, rnd(&r, 40), 0, b);
		b[1] = rnd(&r, 2) ? 3 : rnd(&r, 256);
		b[2] = bad_minor[rnd(&r, ARRAY_SIZE(bad_minor))];
		/* 3.3 to TLCP, 1.1 to TLS: the other protocol's version. */
		if (!rnd(&r, 4)) {
			b[1] = st.k.version == SM4KTLS_TLCP_1_1_VERSION ? 3 : 1;
			b[2] = b[1];
		}
		if ((b[1] << 8 | b[2]) == tlsrec_wire_version(&st.k))
			b[1] ^= 0x40;
		len = n;
		break;
	case 4:	/* wrong outer type */
		len = rnd(&r, 40);
		if (st.k.version == TLS_1_3_VERSION) {
			/*
			 * Not authenticated in TLS 1.3 (the AAD says 23
			 * whatever came): upstream opens it, so it is data.
			 */
			fill_pattern(pt, len, &p->gen);
		}
		n = tlsrec_seal(&st, 23, pt, len, 0, b);
		b[0] = bad_types[rnd(&r, ARRAY_SIZE(bad_types))];
		len = n;
		break;
	case 5:	/* one bit flipped past the header */
		n = tlsrec_seal(&st, 23, pt, rnd(&r, 64), 0, b);
		i = 5 + rnd(&r, n - 5);
		b[i] ^= 1 << rnd(&r, 8);
		len = n;
		break;
	case 6:	/* TLS 1.3: padding only, no content type */
		if (st.k.version == TLS_1_3_VERSION) {
			n = tlsrec_seal(&st, 0, pt, 0, 1 + rnd(&r, 300), b);
		} else {	/* TLS 1.2: a wrong MAC instead */
			n = tlsrec_seal(&st, 23, pt, 10, 0, b);
			b[n - 1] ^= 0x80;
		}
		len = n;
		break;
	case 7:	/* shorter than the tag */
		n = 1 + rnd(&r, 16);
		app_hdr(b, &st, n);
		tlsrec_random(b + 5, n);
		len = 5 + n;
		break;
	case 8:	/* a good record (pattern data), then the same again */
		len = rnd(&r, sizeof(pt));
		fill_pattern(pt, len, &p->gen);
		n = tlsrec_seal(&st, 23, pt, len, 0, b);
		memcpy(b + n, b, n);
		len = 2 * n;
		break;
	default:	/* garbage */
		len = 1 + rnd(&r, 64);
		tlsrec_random(b, len);
		break;
	}
	/* The sealing state moves on as if the record were good. */
	saved = p->seal;
	p->seal = st;
	n = peer_write(p, b, len, &saved, saved_gen, &err);
	pthread_mutex_unlock(&p->lock);
	op->ret = n;
	op->err = err;
}

/* A record cut short, then FIN or (v odd) RST. */
static void op_peer_trunc(struct fz_thread *th, struct fz_op *op, int pi)
{
	struct fz_pair *p = &th->it->pair[pi];
	u64 r = op->r;
	u8 pt[256];
	long n;
	int err = 0;

	memset(pt, 0xa5, sizeof(pt));
	pthread_mutex_lock(&p->lock);
	if (!p->rx_keyed)
		p->tainted = true;
	n = tlsrec_seal(&p->seal, 23, pt, rnd(&r, sizeof(pt)), 0, th->buf);
	n = peer_write(p, th->buf, 1 + rnd(&r, n - 1), NULL, 0, &err);
	if (op->v & 1) {
		atomic_store(&p->peer_closed, true);
		fd_swap_out(p->peer, true);
	} else {
		shutdown(p->peer, SHUT_WR);
	}
	pthread_mutex_unlock(&p->lock);
	op->ret = n;
	op->err = err;
}

/*
 * Read what the kernel sent and open every whole record under the
 * kernel's TX key, or the next one it was given (a rekey).
 */
static int drain_peer(struct fz_iter *it, int pi, int *err)
{
	struct fz_pair *p = &it->pair[pi];
	size_t off = 0, rlen;
	struct tlsrec_state st;
	u8 type, *pt;
	long n = 0, got = 0;
	int gen;

	*err = 0;
	pthread_mutex_lock(&p->dlock);
	while (p->dlen < FZ_DRAIN) {
		n = recv(p->peer, p->dbuf + p->dlen, FZ_DRAIN - p->dlen,
			 MSG_DONTWAIT);
		if (n <= 0)
			break;
		p->dlen += n;
		got += n;
	}
	if (n < 0 && errno != EAGAIN)
		*err = errno;
	if (!p->tx_keyed || p->tx_lenient) {
		p->dlen = 0;
		goto out;
	}
	pt = malloc(TLSREC_MAX_RECORD);
	while (pt && p->dlen - off >= TLSREC_HDR) {
		const u8 *h = p->dbuf + off;

		rlen = TLSREC_HDR + ((size_t)h[3] << 8 | h[4]);
		if (rlen > TLSREC_HDR + TLSREC_MAX_PLAIN + 256 + 8 + TLSREC_TAG ||
		    (h[1] << 8 | h[2]) != tlsrec_wire_version(&p->txc.k[0])) {
			fail(it, "pair %d: kernel TX record %llu has a bad header %02x %02x %02x %02x %02x",
			     pi, (unsigned long long)p->tx_records, h[0], h[1],
			     h[2], h[3], h[4]);
			p->tx_lenient = true;
			break;
		}
		if (p->dlen - off < rlen)
			break;
		for (gen = p->open_gen; gen < p->txc.n; gen++) {
			if (!p->txc.live[gen])
				continue;
			if (gen == p->open_gen)
				st = p->open;
			else
				tlsrec_state_init(&st, &p->txc.k[gen]);
			if (tlsrec_open(&st, h, rlen, &type, pt) >= 0)
				break;
		}
		if (gen >= p->txc.n) {
			fail(it, "pair %d: kernel TX record %llu (%zu bytes, type %u) opens under none of keys %d..%d",
			     pi, (unsigned long long)p->tx_records, rlen, h[0],
			     p->open_gen, p->txc.n - 1);
			p->tx_lenient = true;
			break;
		}
		p->open_gen = gen;
		p->open = st;
		p->tx_records++;
		atomic_fetch_add(&g.tx_opened, 1);
		off += rlen;
	}
	free(pt);
	memmove(p->dbuf, p->dbuf + off, p->dlen - off);
	p->dlen -= off;
out:
	pthread_mutex_unlock(&p->dlock);
	return got;
}

/* ---- the kTLS end ---- */

static void op_send(struct fz_thread *th, struct fz_op *op, struct fz_pair *p)
{
	static const int fl[] = { MSG_MORE, MSG_DONTWAIT, MSG_EOR, MSG_OOB };
	int flags = MSG_NOSIGNAL, i;
	bool bad = (op->v == 15);
	u8 st = op->r;

	for (i = 0; i < 4; i++)
		if (op->flags & (1 << i) && (i != 3 || !(op->flags & 0x300)))
			flags |= fl[i];
	op->flags = flags;
	fill_pattern(th->buf, op->len, &st);
	op->ret = send(p->fd, bad ? g.guard + g.page - 7 : (void *)th->buf,
		       op->len, flags);
	op->err = errno;
	judge(th->it, th, op, ok_send, bad);
}

/* sendmsg with TLS_SET_RECORD_TYPE cmsgs: good, bad level/type/len. */
static void op_sendmsg_cmsg(struct fz_thread *th, struct fz_op *op,
			    struct fz_pair *p)
{
	union {
		char buf[CMSG_SPACE(8) * 2];
		struct cmsghdr align;
	} c = {};
	struct iovec iov = { th->buf, op->len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = c.buf, .msg_controllen = CMSG_SPACE(1),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	static const u8 types[] = { 21, 22, 23, 23, 0, 20, 24, 255 };
	u64 r = op->r;
	u8 type = types[op->v & 7], st = r;
	int flags = MSG_NOSIGNAL;

	fill_pattern(th->buf, op->len, &st);
	if (op->flags & 1)
		flags |= MSG_MORE;
	if (op->flags & 2)
		flags |= MSG_DONTWAIT;
	if (op->flags & 4)
		flags |= MSG_EOR;
	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(1);
	*CMSG_DATA(cm) = type;
	switch ((op->flags >> 3) & 7) {
	case 1:
		cm->cmsg_level = rnd(&r, 2) ? SOL_TCP : 12345;
		break;
	case 2:
		cm->cmsg_type = rnd(&r, 2) ? 0 : TLS_GET_RECORD_TYPE + 1;
		break;
	case 3:
		cm->cmsg_len = rnd(&r, CMSG_LEN(1));
		break;
	case 4: {	/* two: the last one wins */
		struct cmsghdr *c2;

		msg.msg_controllen = CMSG_SPACE(1) * 2;
		c2 = CMSG_NXTHDR(&msg, cm);
		c2->cmsg_level = SOL_TLS;
		c2->cmsg_type = TLS_SET_RECORD_TYPE;
		c2->cmsg_len = CMSG_LEN(1);
		*CMSG_DATA(c2) = types[rnd(&r, 4)];
		break;
	}
	case 5:
		msg.msg_controllen = rnd(&r, CMSG_SPACE(1) + 1);
		break;
	default:
		break;
	}
	/* 1.3 inner type 0 is indistinguishable from padding to the peer. */
	if (type == 0 && p->txc.k[0].version == TLS_1_3_VERSION)
		p->tx_lenient = true;
	op->flags = flags | ((op->flags >> 3) & 7) << 24;
	op->ret = sendmsg(p->fd, &msg, flags);
	op->err = errno;
	judge(th->it, th, op, ok_send, false);
}

/* Several iovecs, some empty, maybe one that points nowhere. */
static void op_sendmsg_iov(struct fz_thread *th, struct fz_op *op,
			   struct fz_pair *p)
{
	struct iovec iov[8];
	struct msghdr msg = { .msg_iov = iov };
	u64 r = op->r;
	size_t off = 0, n;
	bool bad = false;
	u8 st = r;
	int i;

	fill_pattern(th->buf, FZ_BUF, &st);
	msg.msg_iovlen = 1 + rnd(&r, 8);
	for (i = 0; i < (int)msg.msg_iovlen; i++) {
		n = rnd(&r, 3) ? rnd(&r, op->len + 1) : 0;
		if (off + n > FZ_BUF)
			n = FZ_BUF - off;
		iov[i].iov_base = th->buf + off;
		iov[i].iov_len = n;
		off += n;
		if (op->v == 15 && i == (int)msg.msg_iovlen / 2) {
			iov[i].iov_base = g.guard + g.page - rnd(&r, 16);
			iov[i].iov_len = n + 16;
			bad = true;
		}
	}
	op->ret = sendmsg(p->fd, &msg, MSG_NOSIGNAL |
			  (op->flags & 1 ? MSG_MORE : 0) |
			  (op->flags & 2 ? MSG_DONTWAIT : 0));
	op->err = errno;
	judge(th->it, th, op, ok_send, bad);
}

static void op_recv(struct fz_thread *th, struct fz_op *op, struct fz_pair *p,
		    int pi)
{
	union {
		char buf[256];
		struct cmsghdr align;
	} c;
	static const size_t clens[] = { 0, 1, CMSG_SPACE(1), 256 };
	struct iovec iov[2];
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	u64 r = op->r;
	int flags = 0, type = -1;
	bool bad = op->v == 15;
	size_t len = op->len > FZ_BUF ? FZ_BUF : op->len;

	if (op->flags & 1)
		flags |= MSG_PEEK;
	if (op->flags & 2)
		flags |= MSG_DONTWAIT;
	if (op->flags & 4)
		flags |= MSG_WAITALL;
	if ((op->flags & 0x1f8) == 0x1f8)
		flags |= MSG_OOB;
	if ((op->flags & 0x3f0) == 0x200)
		flags |= MSG_ERRQUEUE;
	iov[0].iov_base = bad ? g.guard + g.page - 5 : (void *)th->rbuf;
	iov[0].iov_len = len;
	if (op->v == 14 && len > 1) {	/* split over two iovecs */
		iov[0].iov_len = len / 2;
		iov[1].iov_base = th->rbuf + len / 2;
		iov[1].iov_len = len - len / 2;
		msg.msg_iovlen = 2;
	}
	msg.msg_control = c.buf;
	msg.msg_controllen = clens[rnd(&r, 4)];
	if (!msg.msg_controllen)
		msg.msg_control = NULL;
	op->flags = flags;
	op->ret = recvmsg(p->fd, &msg, flags);
	op->err = errno;
	judge(th->it, th, op, ok_recv, bad);
	if (op->ret > (long)len)
		fail(th->it, "pair %d: recv of %zu returned %ld", pi, len,
		     op->ret);
	if (bad && op->ret != 0 && p->exact) {
		/* What went to the bad address can't be checked: lost. */
		pthread_mutex_lock(&p->lock);
		p->exact = false;
		pthread_mutex_unlock(&p->lock);
	}
	/* Upstream's recvmsg ignores MSG_OOB: it reads records as usual. */
	if (op->ret <= 0 || bad || (flags & MSG_ERRQUEUE))
		return;
	if (msg.msg_controllen)
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_TLS &&
			    cm->cmsg_type == TLS_GET_RECORD_TYPE)
				type = *CMSG_DATA(cm);
	/* KeyUpdates and the peer's handshake blobs are no pattern data. */
	if (type == TLSREC_TYPE_HANDSHAKE)
		return;
	if (type != -1 && type != TLSREC_TYPE_DATA &&
	    type != TLSREC_TYPE_ALERT && type != TLSREC_TYPE_HANDSHAKE)
		fail(th->it, "pair %d: recv reported record type %d", pi,
		     type);
	check_rx(th->it, p, pi, th->rbuf, op->ret, flags & MSG_PEEK, "recv");
}

static void drain_pipe(struct fz_thread *th, struct fz_pair *p, int pi,
		       bool check)
{
	ssize_t n;

	while ((n = read(th->pipe[0], th->rbuf, FZ_BUF)) > 0)
		if (check)
			check_rx(th->it, p, pi, th->rbuf, n, false, "splice");
}

static void op_splice_out(struct fz_thread *th, struct fz_op *op,
			  struct fz_pair *p, int pi)
{
	unsigned int fl = (op->flags & 1 ? SPLICE_F_NONBLOCK : 0) |
			  (op->flags & 2 ? SPLICE_F_MORE : 0);

	op->ret = splice(p->fd, NULL, th->pipe[1], NULL, op->len, fl);
	op->err = errno;
	/* A full pipe is EAGAIN: the pipe is O_NONBLOCK. */
	judge(th->it, th, op, ok_recv, false);
	drain_pipe(th, p, pi, true);
}

static void op_splice_in(struct fz_thread *th, struct fz_op *op,
			 struct fz_pair *p, int pi)
{
	unsigned int fl = (op->flags & 1 ? SPLICE_F_NONBLOCK : 0) |
			  (op->flags & 2 ? SPLICE_F_MORE : 0);
	size_t len = op->len > 65536 ? 65536 : op->len;
	u8 st = op->r;
	ssize_t n;

	fill_pattern(th->buf, len, &st);
	n = write(th->pipe[1], th->buf, len);
	op->ret = splice(th->pipe[0], NULL, p->fd, NULL,
			 n > 0 ? n + (op->v & 3) : 1, fl);
	op->err = errno;
	judge(th->it, th, op, ok_send, false);
	drain_pipe(th, p, pi, false);
}

/* From one kTLS socket's RX through a pipe into the other's TX. */
static void op_splice_x(struct fz_thread *th, struct fz_op *op)
{
	struct fz_pair *a = &th->it->pair[op->pair];
	struct fz_pair *b = &th->it->pair[!op->pair];
	ssize_t n;

	n = splice(a->fd, NULL, th->pipe[1], NULL, op->len,
		   SPLICE_F_NONBLOCK);
	op->ret = n;
	op->err = errno;
	judge(th->it, th, op, ok_recv, false);
	if (n > 0) {
		op->ret = splice(th->pipe[0], NULL, b->fd, NULL, n,
				 op->flags & 1 ? SPLICE_F_MORE : 0);
		op->err = errno;
		judge(th->it, th, op, ok_send, false);
	}
	drain_pipe(th, a, op->pair, false);
}

static void op_sendfile(struct fz_thread *th, struct fz_op *op,
			struct fz_pair *p)
{
	int src = op->v & 1 ? g.tmpfd : g.memfd;
	off_t size = op->v & 1 ? 65536 : FZ_FILE;
	off_t off = rnd(&op->r, size + 16);

	op->ret = sendfile(p->fd, src, &off, op->len);
	op->err = errno;
	judge(th->it, th, op, ok_send, false);
}

static void op_poll(struct fz_thread *th, struct fz_op *op, struct fz_pair *p)
{
	struct pollfd pfd = {
		.fd = p->fd, .events = POLLIN | POLLOUT | POLLRDHUP | POLLPRI,
	};

	if (op->flags & 1)
		pfd.events &= ~POLLOUT;
	op->ret = poll(&pfd, 1, op->v * 3);
	op->err = errno;
	if (op->ret > 0)
		op->ret = pfd.revents;
	judge(th->it, th, op, ok_misc, false);
}

static void op_shutdown(struct fz_thread *th, struct fz_op *op,
			struct fz_pair *p)
{
	static const int how[] = { SHUT_RD, SHUT_WR, SHUT_RDWR };

	op->ret = shutdown(p->fd, how[op->v % 3]);
	op->err = errno;
	judge(th->it, th, op, ok_misc, false);
}

static void op_close(struct fz_thread *th, struct fz_op *op, struct fz_pair *p)
{
	atomic_store(&p->fd_closed, true);
	fd_swap_out(p->fd, op->v & 1);
	op->ret = 0;
}

/* Rekeys, mutated keys, the two flags: chaos-phase setsockopt. */
/*
 * TLS_TX_MAX_PAYLOAD_LEN (RFC 8449): a limit at the edges of its range or
 * any __u16, in an option of any length up to 8. Records only get
 * smaller, which the TX follower takes as it comes.
 */
static void op_set_max_payload(struct fz_op *op, struct fz_pair *p)
{
	static const u16 edge[] = { 0, 63, 64, 1000, 16384, 16385 };
	unsigned char buf[8] = {};
	socklen_t len;
	u16 lim;

	lim = op->flags & 8 ? edge[(op->flags >> 4) % ARRAY_SIZE(edge)] :
			      rnd(&op->r, 1 << 16);
	len = op->flags & 4 ? sizeof(lim) : rnd(&op->r, sizeof(buf) + 1);
	memcpy(buf, &lim, sizeof(lim));
	op->ret = setsockopt(p->fd, SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN, buf, len);
	op->err = errno;
}

static void op_setopt(struct fz_thread *th, struct fz_op *op,
		      struct fz_pair *p)
{
	unsigned char info[TLSREC_MAX_INFO + 16];
	struct tlsrec_key k;
	unsigned int val;
	socklen_t len;
	int gen = -1;
	bool tx = op->flags & 1;

	switch (op->v % 7) {
	case 0:	/* TX: the next key (mainline: TLS 1.3 KeyUpdate) */
	case 1:
		if (!p->tx_keyed)
			return;
		pthread_mutex_lock(&p->txkey);
		pthread_mutex_lock(&p->dlock);
		gen = p->txc.n;
		key_at(&p->txc, gen, p->txc.k[0].suite, p->txc.k[0].version);
		k = p->txc.k[gen < FZ_MAX_KEYS ? gen : FZ_MAX_KEYS - 1];
		pthread_mutex_unlock(&p->dlock);
		len = tlsrec_crypto_info(&k, info);
		op->ret = setsockopt(p->fd, SOL_TLS, TLS_TX, info, len);
		op->err = errno;
		if (op->ret && gen < FZ_MAX_KEYS) {
			pthread_mutex_lock(&p->dlock);
			p->txc.live[gen] = 0;
			pthread_mutex_unlock(&p->dlock);
		}
		if (gen >= FZ_MAX_KEYS && !op->ret)
			p->tx_lenient = true;
		pthread_mutex_unlock(&p->txkey);
		op->flags = gen;
		judge(th->it, th, op, ok_rekey_tx, false);
		return;
	case 2:	/* RX: the next key of the chain the peer walks */
		if (!p->rx_keyed)
			return;
		pthread_mutex_lock(&p->lock);
		gen = p->rx_cur + 1;
		if (gen >= FZ_MAX_KEYS) {
			pthread_mutex_unlock(&p->lock);
			return;
		}
		key_at(&p->rxc, gen, p->rxc.k[0].suite, p->rxc.k[0].version);
		k = p->rxc.k[gen];
		pthread_mutex_unlock(&p->lock);
		len = tlsrec_crypto_info(&k, info);
		op->ret = setsockopt(p->fd, SOL_TLS, TLS_RX, info, len);
		op->err = errno;
		if (!op->ret) {
			pthread_mutex_lock(&p->lock);
			if (p->rx_cur < gen)
				p->rx_cur = gen;
			pthread_mutex_unlock(&p->lock);
		}
		op->flags = gen;
		break;
	case 3:	/* a mutated key: any length from 0 to sizeof + 8 */
		tlsrec_key_random(&k, p->txc.n ? p->txc.k[0].suite : p->suite,
				  op->flags & 2 ? TLS_1_3_VERSION :
						  TLS_1_2_VERSION);
		len = tlsrec_crypto_info(&k, info);
		/*
		 * Of the right size it may go in: a key no one keeps, so
		 * the kernel's TX can't be followed from before the call.
		 */
		val = rnd(&op->r, len + 9);
		if (tx && val == len) {
			pthread_mutex_lock(&p->dlock);
			p->tx_lenient = true;
			pthread_mutex_unlock(&p->dlock);
		}
		len = val;
		op->ret = setsockopt(p->fd, SOL_TLS, tx ? TLS_TX : TLS_RX,
				     info, len);
		op->err = errno;
		op->flags = len;
		break;
	case 4:
		val = op->flags >> 4 & 3;
		op->ret = setsockopt(p->fd, SOL_TLS, TLS_TX_ZEROCOPY_RO, &val,
				     sizeof(val));
		op->err = errno;
		break;
	case 5:
		val = op->flags >> 4 & 3;
		op->ret = setsockopt(p->fd, SOL_TLS, TLS_RX_EXPECT_NO_PAD, &val,
				     sizeof(val));
		op->err = errno;
		break;
	default:
		op_set_max_payload(op, p);
		break;
	}
	judge(th->it, th, op, ok_opt, false);
}

static void op_getopt(struct fz_thread *th, struct fz_op *op,
		      struct fz_pair *p, int pi)
{
	unsigned char info[TLSREC_MAX_INFO + 16];
	socklen_t len = sizeof(info);
	struct tcp_info ti;
	char name[16] = "";
	int val;

	switch (op->v % 8) {
	case 0:
	case 1: {
		struct tls_crypto_info *ci = (void *)info;
		bool tx = op->v & 1;
		struct fz_dir *d = tx ? &p->tx : &p->rx;

		len = sizeof(*ci);
		op->ret = getsockopt(p->fd, SOL_TLS, tx ? TLS_TX : TLS_RX, info,
				     &len);
		op->err = errno;
		if (!op->ret && !atomic_load(&p->fd_closed) && d->set &&
		    (ci->version != d->version || ci->cipher_type != d->cipher))
			fail(th->it, "pair %d: getsockopt(%s) says version %#x cipher %u, want %#x %u",
			     pi, tx ? "TLS_TX" : "TLS_RX", ci->version,
			     ci->cipher_type, d->version, d->cipher);
		break;
	}
	case 2:
		len = sizeof(val);
		op->ret = getsockopt(p->fd, SOL_TLS, TLS_TX_ZEROCOPY_RO, &val,
				     &len);
		op->err = errno;
		break;
	case 3:
		len = sizeof(val);
		op->ret = getsockopt(p->fd, SOL_TLS, TLS_RX_EXPECT_NO_PAD, &val,
				     &len);
		op->err = errno;
		break;
	case 4:
		len = sizeof(name);
		op->ret = getsockopt(p->fd, SOL_TCP, TCP_ULP, name, &len);
		op->err = errno;
		if (!op->ret && p->ulp && !atomic_load(&p->fd_closed) &&
		    strcmp(name, st_ulp_name()))
			fail(th->it, "pair %d: TCP_ULP reads \"%s\"", pi, name);
		break;
	case 5:
		len = sizeof(ti);
		op->ret = getsockopt(p->fd, SOL_TCP, TCP_INFO, &ti, &len);
		op->err = errno;
		break;
	case 6: {
		u16 lim = 0;

		len = op->flags & 4 ? sizeof(lim) : rnd(&op->r, sizeof(lim) + 1);
		op->ret = getsockopt(p->fd, SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN,
				     &lim, &len);
		op->err = errno;
		if (!op->ret && (lim < 63 || lim > 16384))
			fail(th->it, "pair %d: TLS_TX_MAX_PAYLOAD_LEN reads %u",
			     pi, lim);
		break;
	}
	default:
		op->ret = ioctl(p->fd, op->flags & 1 ? SIOCINQ : SIOCOUTQ, &val);
		op->err = errno;
		if (!op->ret)
			op->ret = val;
		break;
	}
	judge(th->it, th, op, ok_opt, false);
}

static void op_sobuf(struct fz_thread *th, struct fz_op *op, struct fz_pair *p)
{
	static const int names[] = { SO_RCVBUF, SO_SNDBUF, SO_RCVLOWAT };
	int val = op->v & 1 ? 1 + rnd(&op->r, 4096) : 1 + rnd(&op->r, 1 << 20);

	op->ret = setsockopt(p->fd, SOL_SOCKET, names[op->flags % 3], &val,
			     sizeof(val));
	op->err = errno;
	op->flags = names[op->flags % 3];
	judge(th->it, th, op, ok_misc, false);
}

static void run_chaos_op(struct fz_thread *th, struct fz_op *op)
{
	struct fz_pair *p = &th->it->pair[op->pair];
	int pi = op->pair, err;

	errno = 0;
	switch (op->code) {
	case C_SEND:
		op_send(th, op, p);
		break;
	case C_SENDMSG_CMSG:
		op_sendmsg_cmsg(th, op, p);
		break;
	case C_SENDMSG_IOV:
		op_sendmsg_iov(th, op, p);
		break;
	case C_RECV:
		op_recv(th, op, p, pi);
		break;
	case C_SPLICE_OUT:
		op_splice_out(th, op, p, pi);
		break;
	case C_SPLICE_IN:
		op_splice_in(th, op, p, pi);
		break;
	case C_SPLICE_X:
		op_splice_x(th, op);
		break;
	case C_SENDFILE:
		op_sendfile(th, op, p);
		break;
	case C_POLL:
		op_poll(th, op, p);
		break;
	case C_SHUTDOWN:
		op_shutdown(th, op, p);
		break;
	case C_SETOPT:
		op_setopt(th, op, p);
		break;
	case C_GETOPT:
		op_getopt(th, op, p, pi);
		break;
	case C_SOBUF:
		op_sobuf(th, op, p);
		break;
	case C_CLOSE:
		op_close(th, op, p);
		break;
	case P_DATA:
	case P_CTRL:
		op_peer_records(th, op, pi);
		judge(th->it, th, op, ok_peer, false);
		break;
	case P_KEYUPDATE:
		op_peer_keyupdate(th, op, pi);
		judge(th->it, th, op, ok_peer, false);
		break;
	case P_MUT:
		op_peer_mut(th, op, pi);
		judge(th->it, th, op, ok_peer, false);
		break;
	case P_TRUNC:
		op_peer_trunc(th, op, pi);
		judge(th->it, th, op, ok_peer, false);
		break;
	case P_OOB:
		pthread_mutex_lock(&p->lock);
		if (!p->rx_keyed)
			p->tainted = true;
		op->ret = send(p->peer, "!", 1, MSG_OOB | MSG_NOSIGNAL);
		op->err = errno;
		pthread_mutex_unlock(&p->lock);
		judge(th->it, th, op, ok_peer, false);
		break;
	case P_DRAIN:
		op->ret = drain_peer(th->it, pi, &err);
		op->err = err;
		if (err)
			op->ret = -1;
		judge(th->it, th, op, ok_peer, false);
		break;
	case P_FIN:
		op->ret = shutdown(p->peer, SHUT_WR);
		op->err = errno;
		judge(th->it, th, op, ok_misc, false);
		break;
	case P_RST:
		atomic_store(&p->peer_closed, true);
		fd_swap_out(p->peer, true);
		op->ret = 0;
		break;
	}
	/* After a close anything goes: the fd is a fresh unconnected socket. */
	op->done = true;
	atomic_fetch_add(&g.opcount[op->code], 1);
	atomic_fetch_add(&g.errcount[op->ret < 0 ? (op->err < 135 ? op->err : 135) : 0], 1);
	atomic_fetch_add(&g.nops, 1);
}

/* ---- the setup phase ---- */

/* crypto_info placed so that only its first `readable' bytes are mapped. */
static void *edge_copy(const void *info, size_t len, size_t readable)
{
	u8 *dst = g.guard + g.page - readable;

	memcpy(dst, info, readable < len ? readable : len);
	return dst;
}

static void setup_set(struct fz_iter *it, struct fz_op *op, struct fz_pair *p)
{
	bool tx = op->code == S_SET_TX;
	struct fz_dir *d = tx ? &p->tx : &p->rx;
	struct fz_dir *alt = tx ? &p->rx : &p->tx;
	unsigned char info[TLSREC_MAX_INFO + 16] = {};
	struct tls_crypto_info *ci = (void *)info;
	struct fz_setspec ss = { .hdr_ok = true, .body_ok = true };
	struct fz_chain *c = tx ? &p->txc : &p->rxc;
	static const u16 bad_versions[] = {
		0, 0x0300, 0x0301, 0x0302, 0x0305, 0x0403, 0xffff,
	};
	static const u16 bad_ciphers[] = {
		0, 50, 59, 99, 0xffff, TLS_CIPHER_ARIA_GCM_128,
		TLS_CIPHER_ARIA_GCM_256,
	};
	const struct tlsrec_suite *s = p->suite;
	u16 version = p->pversion;
	struct tlsrec_key k;
	u64 r = op->r;
	const void *ptr;
	int want;
	size_t len;

	/* Once set, keys keep their direction's cipher and version. */
	if (d->set || alt->set) {
		s = tlsrec_suite_by_cipher(d->set ? d->cipher : alt->cipher);
		version = d->set ? d->version : alt->version;
	}
	if (op->v == 1) {	/* a good key of another kind */
		s = rnd_suite(&r);
		version = rnd(&r, 2) ? TLS_1_3_VERSION : TLS_1_2_VERSION;
		if (!rnd(&r, 4))	/* TLCP, with any cipher */
			version = SM4KTLS_TLCP_1_1_VERSION;
	}
	tlsrec_key_random(&k, s, version);
	len = tlsrec_crypto_info(&k, info);
	ss.optlen = len;
	ptr = info;
	switch (op->v) {
	case 2:		/* every optlen from 0 to sizeof + 8 */
		ss.optlen = op->len % (len + 9);
		break;
	case 3:
		ptr = NULL;
		ss.null = true;
		ss.optlen = rnd(&r, 2) ? len : op->len % (len + 9);
		break;
	case 4:		/* nothing readable at all */
		ptr = (void *)8;
		ss.hdr_ok = false;
		ss.body_ok = false;
		break;
	case 5:		/* the header readable, the rest not */
		ss.body_ok = false;
		ptr = edge_copy(info, len, sizeof(*ci) + rnd(&r, len - 4));
		break;
	case 6:
		ci->version = bad_versions[rnd(&r, ARRAY_SIZE(bad_versions))];
		break;
	case 7:
		ci->cipher_type = bad_ciphers[rnd(&r, ARRAY_SIZE(bad_ciphers))];
		if (desc_find(ci->cipher_type) && rnd(&r, 2))
			ss.optlen = desc_find(ci->cipher_type)->len;
		break;
	default:
		break;
	}
	ss.version = ci->version;
	ss.cipher = ci->cipher_type;
	want = model_set_conf(p, tx, &ss);
	op->want = want == FZ_ARIA ? -1 : want;
	op->flags = ss.optlen;
	op->ret = setsockopt(p->fd, SOL_TLS, tx ? TLS_TX : TLS_RX, ptr,
			     ss.optlen);
	op->err = op->ret ? errno : 0;
	if (want == FZ_ARIA) {
		if (op->err != EINVAL && op->err != ENOENT)
			fail(it, "setup %s p%u v%u: ARIA gave %s, want EINVAL or ENOENT (no gcm(aria))",
			     fz_names[op->code], op->pair, op->v,
			     errname(op->err));
	} else if (op->err != want) {
		fail(it, "setup %s p%u v%u optlen=%u: %s, upstream gives %s",
		     fz_names[op->code], op->pair, op->v, ss.optlen,
		     errname(op->err), want ? errname(want) : "0");
	}
	if (op->ret)
		return;
	/* Installed: the key is the connection's, or its next one. */
	if (!d->set) {
		c->n = 0;
		key_at(c, 0, s, version);
		c->k[0] = k;
	} else if (c->n < FZ_MAX_KEYS) {
		c->k[c->n] = k;
		c->live[c->n] = 1;
		c->n++;
	}
	d->set = true;
	d->version = version;
	d->cipher = s->cipher;
	p->version = version;
	if (tx) {
		p->tx_keyed = true;
		if (c->n == 1) {
			p->open_gen = 0;
			tlsrec_state_init(&p->open, &c->k[0]);
		}
	} else {
		/* Nothing was sent yet: the peer starts under this key. */
		p->rx_keyed = true;
		p->rx_cur = c->n - 1;
		p->seal_gen = c->n - 1;
		seal_reset(p);
	}
}

/* Lengths for getsockopt: exact, short, long, negative. */
static int rnd_getlen(u64 *r, int exact)
{
	switch (rnd(r, 5)) {
	case 0:
		return exact;
	case 1:
		return rnd(r, exact + 9);
	case 2:
		return -1;
	case 3:
		return sizeof(struct tls_crypto_info);
	default:
		return exact + rnd(r, 3) - 1;
	}
}

static void setup_get(struct fz_iter *it, struct fz_op *op, struct fz_pair *p)
{
	bool tx = op->code == S_GET_TX;
	struct fz_dir *d = tx ? &p->tx : &p->rx;
	unsigned char out[TLSREC_MAX_INFO + 16], want_info[TLSREC_MAX_INFO];
	const struct fz_desc *dd = d->set ? desc_find(d->cipher) : NULL;
	int *lenp = (int *)(g.guard + g.page - 64);
	u64 r = op->r;
	void *optval = out;
	int want, len;
	size_t wlen = 0;

	len = rnd_getlen(&r, dd ? dd->len : 40);
	*lenp = len;
	if (op->v == 1)
		optval = NULL;
	if (op->v == 2)
		optval = (void *)8;
	if (op->v == 3)
		lenp = (int *)(g.guard + g.page);	/* unmapped */
	op->len = len;
	if (!p->ulp)
		want = pre_ulp(p, false);
	else if (op->v == 3)
		want = EFAULT;
	else if (!optval || (unsigned int)len < sizeof(struct tls_crypto_info))
		want = EINVAL;
	else if (!d->set)
		want = EBUSY;
	else if (len == sizeof(struct tls_crypto_info))
		want = optval == out ? 0 : EFAULT;
	else if ((unsigned int)len != dd->len)
		want = EINVAL;
	else
		want = optval == out ? 0 : EFAULT;
	op->want = want;
	memset(out, 0, sizeof(out));
	op->ret = getsockopt(p->fd, SOL_TLS, tx ? TLS_TX : TLS_RX, optval,
			     (socklen_t *)lenp);
	op->err = op->ret ? errno : 0;
	if (op->err != want) {
		fail(it, "setup %s p%u v%u len=%d: %s, upstream gives %s",
		     fz_names[op->code], op->pair, op->v, len,
		     errname(op->err), want ? errname(want) : "0");
		return;
	}
	if (op->ret)
		return;
	/* No record went yet: what comes back is what went in. */
	if (tx)
		wlen = tlsrec_crypto_info(&p->txc.k[p->txc.n - 1], want_info);
	else
		wlen = tlsrec_crypto_info(&p->rxc.k[p->rx_cur], want_info);
	if ((size_t)len < wlen)
		wlen = len;
	if (memcmp(out, want_info, wlen))
		fail(it, "setup %s p%u: getsockopt returned other key material than was set",
		     fz_names[op->code], op->pair);
}

static void setup_flag(struct fz_iter *it, struct fz_op *op, struct fz_pair *p)
{
	bool set = op->code == S_ZC_SET || op->code == S_NOPAD_SET;
	bool zc = op->code == S_ZC_SET || op->code == S_ZC_GET;
	int name = zc ? TLS_TX_ZEROCOPY_RO : TLS_RX_EXPECT_NO_PAD;
	u8 *buf = g.guard + g.page - 16;
	unsigned int val, *vp;
	u64 r = op->r;
	int want, len = 4;
	void *ptr = buf;
	bool tail_zero = true, readable = true;

	memset(buf, 0, 16);
	val = rnd(&r, 4) ? rnd(&r, 2) : rnd(&r, 2) ? 2 : (u32)splitmix(&r);
	switch (op->v) {
	case 0:
	case 1:
	case 2:
		break;
	case 3:
		len = rnd(&r, 13);
		break;
	case 4:
		len = 4 + rnd(&r, 9);
		tail_zero = len == 4 || rnd(&r, 2);
		break;
	case 5:
		ptr = NULL;
		break;
	case 6:
		ptr = (void *)8;
		readable = false;
		break;
	default:
		len = set ? len : -1;
		break;
	}
	if (set) {
		if (len > 4)	/* the tail must be mapped to be read */
			ptr = ptr == buf ? g.guard + g.page - 16 - 12 : ptr;
		if (ptr && readable) {
			memset(ptr, 0, 16);
			memcpy(ptr, &val, 4);
			if (!tail_zero)
				((u8 *)ptr)[4 + rnd(&r, len - 4)] = 1;
		}
		if (!p->ulp)
			want = pre_ulp(p, true);
		else if (zc)
			want = !ptr || len != 4 ? EINVAL : !readable ? EFAULT :
			       val > 1 ? EINVAL : 0;
		else if (p->version != TLS_1_3_VERSION || !ptr || len < 4)
			want = EINVAL;
		else if (!readable)
			want = EFAULT;
		else if (val > 1 || !tail_zero || !p->rx.set)
			want = EINVAL;
		else
			want = 0;
		op->len = len;
		op->flags = val;
		op->want = want;
		op->ret = setsockopt(p->fd, SOL_TLS, name, ptr, len);
	} else {
		vp = (unsigned int *)(g.guard + g.page - 8);
		*(int *)vp = len;
		ptr = op->v == 6 ? (void *)8 : g.guard + g.page - 16;
		if (op->v == 5)
			vp = (unsigned int *)(g.guard + g.page);  /* unmapped */
		if (!p->ulp)
			want = pre_ulp(p, false);
		else if (zc)
			want = op->v == 5 ? EFAULT : len != 4 ? EINVAL :
			       op->v == 6 ? EFAULT : 0;
		else if (p->version != TLS_1_3_VERSION)
			want = EINVAL;
		else if (op->v == 5)
			want = EFAULT;
		else if ((unsigned int)len < 4 || !p->rx.set)
			want = EINVAL;
		else
			want = op->v == 6 ? EFAULT : 0;
		op->len = len;
		op->want = want;
		op->ret = getsockopt(p->fd, SOL_TLS, name, ptr, (socklen_t *)vp);
		val = *(unsigned int *)(g.guard + g.page - 16);
		if (!op->ret && val != (zc ? p->zc_ro : p->no_pad))
			fail(it, "setup %s p%u: reads %u, want %u",
			     fz_names[op->code], op->pair, val,
			     zc ? p->zc_ro : p->no_pad);
	}
	op->err = op->ret ? errno : 0;
	if (op->err != want)
		fail(it, "setup %s p%u v%u len=%d val=%u: %s, upstream gives %s",
		     fz_names[op->code], op->pair, op->v, len, val,
		     errname(op->err), want ? errname(want) : "0");
	if (set && !op->ret) {
		if (zc)
			p->zc_ro = val;
		else
			p->no_pad = val;
	}
}

static void run_setup_op(struct fz_iter *it, struct fz_op *op)
{
	static const int unknown[] = { 0, 6, 8, 99, 0x7fffffff };
	struct fz_pair *p = &it->pair[op->pair];
	char name[16] = "";
	socklen_t len;
	int want, fd, v;

	errno = 0;
	switch (op->code) {
	case S_ULP:
		want = p->ulp ? EEXIST : 0;
		op->ret = st_attach(p->fd, st_ulp_name());
		op->err = op->ret ? errno : 0;
		if (!op->ret)
			p->ulp = true;
		break;
	case S_ULP_BAD:	/* no such ULP (costs a modprobe in the guest) */
		want = ENOENT;	/* tcp_set_ulp() looks the name up first */
		op->ret = setsockopt(p->fd, SOL_TCP, TCP_ULP, "tlz", 3);
		op->err = op->ret ? errno : 0;
		break;
	case S_ULP_GET:
		want = 0;
		len = sizeof(name);
		op->ret = getsockopt(p->fd, SOL_TCP, TCP_ULP, name, &len);
		op->err = op->ret ? errno : 0;
		if (!op->ret && strcmp(name, p->ulp ? st_ulp_name() : ""))
			fail(it, "setup ulp_get p%u: \"%s\"", op->pair, name);
		break;
	case S_ULP_UNCONN:	/* not established: listening or fresh */
		want = ENOTCONN;
		fd = socket(p->family, SOCK_STREAM, 0);
		if (op->v & 1) {
			struct sockaddr_storage ss = { .ss_family = p->family };

			bind(fd, (struct sockaddr *)&ss, p->family == AF_INET6 ?
			     sizeof(struct sockaddr_in6) :
			     sizeof(struct sockaddr_in));
			listen(fd, 1);
		}
		op->ret = st_attach(fd, st_ulp_name());
		op->err = op->ret ? errno : 0;
		close(fd);
		break;
	case S_SET_TX:
	case S_SET_RX:
		setup_set(it, op, p);
		goto out;
	case S_GET_TX:
	case S_GET_RX:
		setup_get(it, op, p);
		goto out;
	case S_ZC_SET:
	case S_ZC_GET:
	case S_NOPAD_SET:
	case S_NOPAD_GET:
		setup_flag(it, op, p);
		goto out;
	default:	/* an optname upstream does not know */
		v = 0;
		len = sizeof(v);
		op->len = unknown[op->v % ARRAY_SIZE(unknown)];
		if (op->v & 8) {
			op->ret = getsockopt(p->fd, SOL_TLS, op->len, &v, &len);
			want = p->ulp ? ENOPROTOOPT : pre_ulp(p, false);
		} else {
			op->ret = setsockopt(p->fd, SOL_TLS, op->len, &v, len);
			want = p->ulp ? ENOPROTOOPT : pre_ulp(p, true);
		}
		op->err = op->ret ? errno : 0;
		break;
	}
	op->want = want;
	if (op->err != want)
		fail(it, "setup %s p%u v%u: %s, want %s", fz_names[op->code],
		     op->pair, op->v, errname(op->err),
		     want ? errname(want) : "0");
out:
	op->done = true;
	atomic_fetch_add(&g.opcount[op->code], 1);
	atomic_fetch_add(&g.errcount[op->ret < 0 ? (op->err < 135 ? op->err : 135) : 0], 1);
	atomic_fetch_add(&g.nops, 1);
}

/* ---- threads and the watchdog ---- */

static void on_poke(int sig)
{
	(void)sig;
}

static void *chaos_thread(void *arg)
{
	struct fz_thread *th = arg;
	int i;

	th->tid = gettid();
	for (i = 0; i < th->nops; i++) {
		atomic_store(&th->cur, i);
		atomic_store(&th->poked, 0);
		atomic_store(&th->start_ns, now_ns());
		run_chaos_op(th, &th->ops[i]);
		atomic_store(&th->start_ns, 0);
	}
	return NULL;
}

/* Kernel stacks of a stuck thread (root, CONFIG_STACKTRACE). */
static void dump_task(pid_t tid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", tid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(line, sizeof(line), f))
			printf("#   tid %d wchan %s\n", tid, line);
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", tid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("#   tid %d: %s", tid, line);
	fclose(f);
}

static void hang_report(struct fz_iter *it, struct fz_thread *th)
{
	int fd, t;

	printf("# HANG seed=%llu iter=%u: t%d stuck in op %d for %d s (even after a signal)\n",
	       (unsigned long long)it->seed, it->no, th->idx,
	       atomic_load(&th->cur), g.hang_s);
	printf("# reproduce: fuzz -s %llu -i %u%s\n",
	       (unsigned long long)it->seed, it->no, g.one_reader ? " -1" : "");
	print_iter(it);
	for (t = 0; t <= FZ_MAX_THREADS; t++)
		if (it->th[t].tid && atomic_load(&it->th[t].start_ns))
			dump_task(it->th[t].tid);
	/* Blocked tasks into the kernel log, where vm.sh finds them. */
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "w", 1) < 0)
			perror("sysrq");
		close(fd);
	}
	printf("not ok 1 fuzz seed=%llu hang in iteration %u\n",
	       (unsigned long long)it->seed, it->no);
	fflush(stdout);
	_exit(3);
}

static void *watchdog(void *arg)
{
	struct fz_iter *it;
	struct fz_thread *th;
	long long st, age;
	int t;

	(void)arg;
	while (!atomic_load(&g.stop_watchdog)) {
		usleep(200000);
		it = atomic_load(&g.cur);
		if (!it)
			continue;
		for (t = 0; t <= FZ_MAX_THREADS; t++) {
			th = &it->th[t];
			st = atomic_load(&th->start_ns);
			if (!st || !th->tid)
				continue;
			age = (now_ns() - st) / 1000000000LL;
			if (age >= g.hang_s)
				hang_report(it, th);
			/*
			 * Setup ops have no socket timeout to keep: a first
			 * key may load and self-test crypto modules (slow
			 * under KASAN). Only a hang counts there.
			 */
			if (t == FZ_MAX_THREADS)
				continue;
			if (age >= g.poke_s && atomic_load(&th->poked) <
			    1 + (age - g.poke_s) / 2) {
				if (!atomic_load(&th->poked)) {
					struct fz_op *op =
						&th->ops[atomic_load(&th->cur)];

					fail(it, "t%d %s p%u v%u l=%u blocked %d s, past every socket timeout",
					     t, fz_names[op->code], op->pair,
					     op->v, op->len, g.poke_s);
				}
				atomic_fetch_add(&th->poked, 1);
				pthread_kill(th->pt, SIGUSR1);
			}
		}
	}
	return NULL;
}

/* ---- one iteration ---- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory itself */
}

static int open_pair(struct fz_iter *it, int pi)
{
	struct fz_pair *p = &it->pair[pi];
	int err;

	err = st_tcp_pair(p->family, &p->fd, &p->peer);
	if (err && p->family == AF_INET6) {	/* no IPv6 in this netns */
		p->family = AF_INET;
		err = st_tcp_pair(p->family, &p->fd, &p->peer);
	}
	if (err)
		return err;
	set_timeouts(p->fd);
	set_timeouts(p->peer);
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->dlock, NULL);
	pthread_mutex_init(&p->txkey, NULL);
	p->dbuf = malloc(FZ_DRAIN);
	/* Keys exist before the setup installs them (rx chain k[0]). */
	key_at(&p->rxc, 0, p->suite, p->pversion);
	key_at(&p->txc, 0, p->suite, p->pversion);
	seal_reset(p);
	return p->dbuf ? 0 : -ENOMEM;
}

static void close_pair(struct fz_pair *p, u64 *s)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	close(p->fd);
	if (chance(s, 30))
		setsockopt(p->peer, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(p->peer);
	free(p->dbuf);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->dlock);
	pthread_mutex_destroy(&p->txkey);
}

/* Returns the number of failures of this iteration. */
static int run_iteration(struct fz_iter *it, u64 seed, unsigned int no,
			 int fd_base, u8 **bufs)
{
	struct fz_thread *sth = &it->th[FZ_MAX_THREADS];
	u64 s = seed ^ no;
	int i, t, n, err;

	plan(it, seed, no);
	pthread_mutex_init(&it->flock, NULL);
	for (i = 0; i < it->npairs; i++) {
		err = open_pair(it, i);
		if (err) {
			printf("# iteration %u: TCP pair: %s\n", no,
			       strerror(-err));
			return 1;
		}
	}
	/* Setup, watched like the threads. */
	sth->it = it;
	sth->idx = FZ_MAX_THREADS;
	sth->pt = pthread_self();
	sth->tid = gettid();
	atomic_store(&g.cur, it);
	for (i = 0; i < it->nsetup; i++) {
		atomic_store(&sth->cur, i);
		atomic_store(&sth->start_ns, now_ns());
		run_setup_op(it, &it->setup[i]);
		atomic_store(&sth->start_ns, 0);
	}
	for (i = 0; i < it->npairs; i++) {
		struct fz_pair *p = &it->pair[i];

		/* Nothing sent in the clear can be told from records. */
		if (!p->ulp)
			p->tx_keyed = false;
	}
	for (t = 0; t < it->nthreads; t++) {
		struct fz_thread *th = &it->th[t];

		th->it = it;
		th->idx = t;
		th->ops = it->ops[t];
		th->buf = bufs[2 * t];
		th->rbuf = bufs[2 * t + 1];
		if (pipe2(th->pipe, O_NONBLOCK)) {
			perror("pipe2");
			exit(1);
		}
	}
	for (t = 0; t < it->nthreads; t++)
		pthread_create(&it->th[t].pt, NULL, chaos_thread, &it->th[t]);
	for (t = 0; t < it->nthreads; t++)
		pthread_join(it->th[t].pt, NULL);
	/* Whatever the kernel still sends must open too. */
	for (i = 0; i < it->npairs; i++)
		if (!atomic_load(&it->pair[i].peer_closed))
			drain_peer(it, i, &err);
	atomic_store(&g.cur, NULL);
	for (t = 0; t < it->nthreads; t++) {
		close(it->th[t].pipe[0]);
		close(it->th[t].pipe[1]);
	}
	for (i = 0; i < it->npairs; i++)
		close_pair(&it->pair[i], &s);
	n = count_fds();
	if (n != fd_base)
		fail(it, "%d fds open after the iteration, %d before", n,
		     fd_base);
	if (it->nfails || g.verbose) {
		if (it->nfails)
			printf("# FAIL seed=%llu iter=%u: %d failure(s)\n",
			       (unsigned long long)seed, no, it->nfails);
		else
			printf("# iteration %u\n", no);
		for (i = 0; i < it->nfails && i < FZ_MAX_FAILS; i++)
			printf("#   %s\n", it->fails[i]);
		printf("# reproduce: fuzz -s %llu -i %u%s\n",
		       (unsigned long long)seed, no, g.one_reader ? " -1" : "");
		print_iter(it);
		fflush(stdout);
	}
	pthread_mutex_destroy(&it->flock);
	return it->nfails;
}

/*
 * Install every cipher once, both versions, before the clock starts: the
 * first key of a cipher loads and self-tests crypto modules (seconds
 * under TCG, more under KASAN), which is no finding.
 */
static void warm_up(void)
{
	struct tlsrec_key k;
	size_t i, v;
	int a, b;

	for (i = 0; i < ARRAY_SIZE(fz_ciphers); i++) {
		for (v = 0; v < 2; v++) {
			if (st_tcp_pair(AF_INET, &a, &b))
				continue;
			tlsrec_key_random(&k, tlsrec_suite_by_cipher(fz_ciphers[i]),
					  v ? TLS_1_3_VERSION : TLS_1_2_VERSION);
			if (!st_attach(a, st_ulp_name()) &&
			    (st_set_key(a, TLS_TX, &k) || st_set_key(a, TLS_RX, &k)))
				printf("# warm-up: %s %s: %s\n", k.suite->name,
				       v ? "1.3" : "1.2", strerror(errno));
			close(a);
			close(b);
		}
	}
}

/* ---- the kernel's view at the end ---- */

static long stat_value(const char *name)
{
	const char *path = getenv("SM4KTLS_TLS_STAT");
	char key[64];
	long v, r = -1;
	FILE *f;

	if (!path || !*path)
		path = g.stock ? "/proc/net/tls_stat" : "/proc/net/sm4ktls_stat";
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			r = v;
	fclose(f);
	return r;
}

static long tcp_inuse(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/net/sockstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TCP: inuse %ld", &v) == 1)
			break;
	fclose(f);
	f = fopen("/proc/net/sockstat6", "r");
	if (f) {
		long v6;

		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "TCP6: inuse %ld", &v6) == 1)
				v += v6;
		fclose(f);
	}
	return v;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-s SEED] [-i ITER] [-n ITERATIONS] [-t SECONDS] [-v]\n"
		"  -s SEED   seed (default: from the clock; printed)\n"
		"  -i ITER   replay iteration ITER (and -n N - 1 after it)\n"
		"  -n N      at most N iterations\n"
		"  -t S      stop starting iterations after S seconds (default 60)\n"
		"  -v        log every iteration's operations\n"
		"  -w S      watchdog: interrupt an op after S s (10), hang after 6*S\n"
		"  -1        one reader thread per socket (no concurrent recv)\n"
		"env: SM4KTLS_DP_MOD (module serving the ULP, default sm4ktls),\n"
		"     SM4KTLS_ULP (ULP name), SM4KTLS_TLS_STAT (counters file)\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	u64 seed = (u64)time(NULL) * 1000003ULL ^ getpid();
	long long t0, limit_ns = 60LL * 1000000000LL;
	unsigned long long iters = 0, max_iters = ~0ULL;
	unsigned int start = 0, no;
	int opt, fd_base, ref0, ref1, fails = 0, fdfails = 0, i;
	long curtx0, currx0, inuse0, v;
	bool only_one = false, back;
	struct sigaction sa = { .sa_handler = on_poke };
	pthread_t wd;
	struct fz_iter *it;
	u8 *bufs[2 * FZ_MAX_THREADS];
	u8 st = 0;
	char *filebuf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	g.poke_s = 10;
	while ((opt = getopt(argc, argv, "s:i:n:t:vw:1h")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'i':
			start = strtoul(optarg, NULL, 0);
			only_one = true;
			break;
		case 'n':
			max_iters = strtoull(optarg, NULL, 0);
			break;
		case 't':
			limit_ns = strtoll(optarg, NULL, 0) * 1000000000LL;
			break;
		case 'v':
			g.verbose = true;
			break;
		case 'w':
			g.poke_s = atoi(optarg);
			break;
		case '1':
			g.one_reader = true;
			break;
		default:
			usage(argv[0]);
		}
	}
	/* -i replays one iteration (-n more), whatever -t says. */
	if (only_one && max_iters == ~0ULL)
		max_iters = 1;
	g.hang_s = g.poke_s * 6;
	g.stock = !strcmp(st_served_module(), "tls");
	g.page = sysconf(_SC_PAGESIZE);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: calls see EINTR */

	printf("TAP version 13\n1..3\n");
	printf("# fuzz seed=%llu start=%u module=%s ulp=%s%s%s\n",
	       (unsigned long long)seed, start, st_served_module(), st_ulp_name(),
	       g.stock ? " (stock model: no KeyUpdate)" : "",
	       g.one_reader ? " one reader per socket" : "");
	if (tlsrec_init()) {
		printf("Bail out! libgcrypt\n");
		return 1;
	}
	ref0 = st_module_refcnt(st_served_module());
	if (ref0 < 0) {
		printf("Bail out! module %s is not loaded\n", st_served_module());
		return 1;
	}
	g.guard = mmap(NULL, 2 * g.page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g.guard == MAP_FAILED || mprotect(g.guard + g.page, g.page,
					      PROT_NONE)) {
		printf("Bail out! mmap\n");
		return 1;
	}
	/* sendfile sources: a memfd and a file in /tmp (tmpfs in the guest). */
	filebuf = malloc(FZ_FILE);
	fill_pattern((u8 *)filebuf, FZ_FILE, &st);
	g.memfd = memfd_create("fuzz", 0);
	g.tmpfd = open(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		       O_TMPFILE | O_RDWR, 0600);
	if (g.memfd < 0 || g.tmpfd < 0 ||
	    write(g.memfd, filebuf, FZ_FILE) != FZ_FILE ||
	    write(g.tmpfd, filebuf, 65536) != 65536) {
		printf("Bail out! sendfile sources: %s\n", strerror(errno));
		return 1;
	}
	free(filebuf);
	for (i = 0; i < 2 * FZ_MAX_THREADS; i++)
		bufs[i] = malloc(FZ_BUF + 64);
	it = calloc(1, sizeof(*it));
	warm_up();
	st_wait_refcnt(st_served_module(), ref0, 10);
	curtx0 = stat_value("TlsCurrTxSw");
	currx0 = stat_value("TlsCurrRxSw");
	inuse0 = tcp_inuse();
	fd_base = count_fds();
	pthread_create(&wd, NULL, watchdog, NULL);

	t0 = now_ns();
	for (no = start; iters < max_iters && now_ns() - t0 < limit_ns; no++) {
		int f = run_iteration(it, seed, no, fd_base, bufs);

		fails += f;
		for (i = 0; i < it->nfails && i < FZ_MAX_FAILS; i++)
			if (strstr(it->fails[i], "fds open"))
				fdfails++;
		iters++;
	}
	atomic_store(&g.stop_watchdog, true);
	pthread_join(wd, NULL);

	printf("%s 1 fuzz seed=%llu iterations=%llu ops=%llu seconds=%.1f failures=%d\n",
	       fails ? "not ok" : "ok", (unsigned long long)seed, iters,
	       (unsigned long long)atomic_load(&g.nops),
	       (now_ns() - t0) / 1e9, fails);
	printf("%s 2 no fd left open after any iteration\n",
	       fdfails ? "not ok" : "ok");

	/* Sockets go away asynchronously: give them a few seconds. */
	ref1 = st_wait_refcnt(st_served_module(), ref0, 10);
	for (i = 0; i < 50 && (stat_value("TlsCurrTxSw") != curtx0 ||
			       stat_value("TlsCurrRxSw") != currx0 ||
			       tcp_inuse() > inuse0); i++)
		usleep(100000);
	v = stat_value("TlsCurrTxSw");
	printf("# %s refcount %d -> %d, TlsCurrTxSw %ld -> %ld, TlsCurrRxSw %ld -> %ld, TCP inuse %ld -> %ld\n",
	       st_served_module(), ref0, ref1, curtx0, v, currx0,
	       stat_value("TlsCurrRxSw"), inuse0, tcp_inuse());
	/* Fewer than at the start: sockets of an earlier test went away. */
	back = ref1 == ref0 && v <= curtx0 &&
	       stat_value("TlsCurrRxSw") <= currx0 && tcp_inuse() <= inuse0;
	printf("%s 3 module refcount, TlsCurr* and TCP sockets back to where they started\n",
	       back ? "ok" : "not ok");

	printf("# op counts:");
	for (i = 0; i < FZ_NCODES; i++)
		if (atomic_load(&g.opcount[i]))
			printf(" %s=%llu", fz_names[i],
			       (unsigned long long)atomic_load(&g.opcount[i]));
	printf("\n# results:");
	for (i = 0; i < 136; i++)
		if (atomic_load(&g.errcount[i]))
			printf(" %s=%llu", i ? errname(i) : "ok",
			       (unsigned long long)atomic_load(&g.errcount[i]));
	printf("\n# data: %llu bytes from the kernel checked against the sealed stream (%llu in exact order), %llu kernel TX records opened\n",
	       (unsigned long long)atomic_load(&g.rx_checked),
	       (unsigned long long)atomic_load(&g.rx_exact),
	       (unsigned long long)atomic_load(&g.tx_opened));
	printf("# summary: seed=%llu iterations=%llu ops=%llu failures=%d\n",
	       (unsigned long long)seed, iters,
	       (unsigned long long)atomic_load(&g.nops), fails);
	return fails || fdfails || !back ? 1 : 0;
}
