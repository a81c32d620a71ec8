// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: the struct proto and proto_ops tables a ULP socket runs on.
 *
 * Tables are copies of the base TCP proto and socket ops (per address
 * family) with our hooks patched in, one per (tx_conf, rx_conf). They are
 * built the first time a socket of that family attaches, and rebuilt if
 * the base ever differs (e.g. tcpv6_prot of a reloaded ipv6), as
 * upstream does.
 */
#include <linux/mutex.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "sm4ktls.h"

enum { SM4KTLS_V4, SM4KTLS_V6, SM4KTLS_NUM_FAMILIES };

struct sm4ktls_family {
	const struct proto *base;	/* what the tables were built from */
	const struct proto_ops *base_ops;
	struct proto prot[SM4KTLS_NUM_CONF][SM4KTLS_NUM_CONF];
	struct proto_ops ops[SM4KTLS_NUM_CONF][SM4KTLS_NUM_CONF];
};

static struct sm4ktls_family sm4ktls_families[SM4KTLS_NUM_FAMILIES];
static DEFINE_MUTEX(sm4ktls_build_lock);

/*
 * Undo every hook; the socket is TCP's again. A device-mode socket keeps
 * its context: TCP may still retransmit records through the fallback,
 * and it goes with the socket (offload.c).
 */
static void sm4ktls_detach(struct sock *sk, struct sm4ktls_ctx *ctx)
{
	write_lock_bh(&sk->sk_callback_lock);
	if (!ctx->offload_tx)
		rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, NULL);
	WRITE_ONCE(sk->sk_prot, ctx->sk_proto);
	if (sk->sk_socket)
		WRITE_ONCE(sk->sk_socket->ops, ctx->sk_ops);
	if (ctx->rx)
		WRITE_ONCE(sk->sk_data_ready, ctx->sk_data_ready);
	if (ctx->tx)
		WRITE_ONCE(sk->sk_write_space, ctx->sk_write_space);
	write_unlock_bh(&sk->sk_callback_lock);
}

/*
 * Send what the application handed us, then give the socket back to
 * TCP before TCP closes it: later callbacks (timers, destroy) never enter
 * this module, but for device-mode TX (offload.c). The module reference
 * taken by tcp_set_ulp() is dropped when the socket is destroyed.
 */
static void sm4ktls_close(struct sock *sk, long timeout)
{
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);
	struct proto *base = ctx->sk_proto;
	/* Device-mode ctx may be gone once base->close() returns. */
	bool keep = ctx->offload_tx;

	if (ctx->tx)
		mutex_lock(&ctx->tx->lock);
	lock_sock(sk);
	if (ctx->tx)
		sm4ktls_tx_close(sk, ctx, timeout);
	if (ctx->rx)
		sm4ktls_rx_stop(sk, ctx);
	sm4ktls_detach(sk, ctx);
	release_sock(sk);
	if (ctx->tx) {
		mutex_unlock(&ctx->tx->lock);
		sm4ktls_tx_free(sk, ctx);
	}
	if (ctx->rx)
		sm4ktls_rx_free(sk, ctx);
	base->close(sk, timeout);
	if (!keep)
		sm4ktls_ctx_free(ctx);
}

/* Like upstream: a TLS stream cannot be reused for another connection. */
static int sm4ktls_disconnect(struct sock *sk, int flags)
{
	return -EOPNOTSUPP;
}

static void sm4ktls_build_proto(struct proto *p, const struct proto *base,
				int tx, int rx)
{
	*p = *base;
	p->setsockopt = sm4ktls_setsockopt;
	p->getsockopt = sm4ktls_getsockopt;
	p->disconnect = sm4ktls_disconnect;
	p->close = sm4ktls_close;
	if (tx != SM4KTLS_BASE) {
		p->sendmsg = sm4ktls_sendmsg;
		sm4ktls_compat_proto_splice_eof(p);
		sm4ktls_compat_proto_tx(p);
	}
	if (rx != SM4KTLS_BASE) {
		p->recvmsg = sm4ktls_compat_recvmsg;
		p->sock_is_readable = sm4ktls_sock_is_readable;
	}
}

static void sm4ktls_build_ops(struct proto_ops *ops,
			      const struct proto_ops *base, int tx, int rx)
{
	*ops = *base;
	if (tx != SM4KTLS_BASE)
		ops->shutdown = sm4ktls_sock_shutdown;
	if (rx != SM4KTLS_BASE) {
		ops->poll = sm4ktls_poll;
		ops->splice_read = sm4ktls_splice_read;
		ops->read_sock = sm4ktls_read_sock;
	}
}

static void sm4ktls_build(struct sm4ktls_family *fam, const struct proto *base,
			  const struct proto_ops *base_ops)
{
	int tx, rx;

	for (tx = 0; tx < SM4KTLS_NUM_CONF; tx++) {
		for (rx = 0; rx < SM4KTLS_NUM_CONF; rx++) {
			sm4ktls_build_proto(&fam->prot[tx][rx], base, tx, rx);
			sm4ktls_build_ops(&fam->ops[tx][rx], base_ops, tx, rx);
		}
	}
}

/* The tables for @sk's family, built on first use. Sleeps. */
static struct sm4ktls_family *sm4ktls_family_for(struct sock *sk,
						 struct sm4ktls_ctx *ctx)
{
	int idx = sk->sk_family == AF_INET6 ? SM4KTLS_V6 : SM4KTLS_V4;
	struct sm4ktls_family *fam = &sm4ktls_families[idx];
	const struct proto *base = ctx->sk_proto;

	might_sleep();
	/* Pairs with the release below: a matching base means built tables. */
	if (likely(smp_load_acquire(&fam->base) == base &&
		   fam->base_ops == ctx->sk_ops))
		return fam;
	mutex_lock(&sm4ktls_build_lock);
	if (fam->base != base || fam->base_ops != ctx->sk_ops) {
		WRITE_ONCE(fam->base, NULL);
		sm4ktls_build(fam, base, ctx->sk_ops);
		fam->base_ops = ctx->sk_ops;
		/* Publish base only after the tables it names are complete. */
		smp_store_release(&fam->base, base);
	}
	mutex_unlock(&sm4ktls_build_lock);
	return fam;
}

/* Callback lock held; @fam built before it was taken (building sleeps). */
static void sm4ktls_set_tables(struct sock *sk, struct sm4ktls_ctx *ctx,
			       struct sm4ktls_family *fam)
{
	sock_replace_proto(sk, &fam->prot[ctx->tx_conf][ctx->rx_conf]);
	if (sk->sk_socket)
		WRITE_ONCE(sk->sk_socket->ops,
			   &fam->ops[ctx->tx_conf][ctx->rx_conf]);
}

void sm4ktls_proto_attach(struct sock *sk, struct sm4ktls_ctx *ctx)
{
	struct sm4ktls_family *fam = sm4ktls_family_for(sk, ctx);

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, ctx);
	sm4ktls_set_tables(sk, ctx, fam);
	write_unlock_bh(&sk->sk_callback_lock);
}

/* A key was installed: switch tables, hook TX's write_space once. */
void sm4ktls_proto_update(struct sock *sk, struct sm4ktls_ctx *ctx)
{
	struct sm4ktls_family *fam = sm4ktls_family_for(sk, ctx);

	write_lock_bh(&sk->sk_callback_lock);
	sm4ktls_set_tables(sk, ctx, fam);
	if (ctx->tx && sk->sk_write_space != sm4ktls_write_space) {
		ctx->sk_write_space = sk->sk_write_space;
		WRITE_ONCE(sk->sk_write_space, sm4ktls_write_space);
	}
	write_unlock_bh(&sk->sk_callback_lock);
}
