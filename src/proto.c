// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: the struct proto tables a ULP socket runs on.
 *
 * Tables are copies of the base TCP proto (per address family) with our
 * hooks patched in, one per (tx_conf, rx_conf). They are built the first
 * time a socket of that family attaches, and rebuilt if the base proto
 * ever differs (e.g. tcpv6_prot of a reloaded ipv6), as upstream does.
 */
#include <linux/mutex.h>
#include <net/sock.h>

#include "sm4ktls.h"

enum { SM4KTLS_V4, SM4KTLS_V6, SM4KTLS_NUM_FAMILIES };

struct sm4ktls_family {
	const struct proto *base;	/* what prot[][] was built from */
	struct proto prot[SM4KTLS_NUM_CONF][SM4KTLS_NUM_CONF];
};

static struct sm4ktls_family sm4ktls_families[SM4KTLS_NUM_FAMILIES];
static DEFINE_MUTEX(sm4ktls_build_lock);

static void sm4ktls_detach(struct sock *sk, struct sm4ktls_ctx *ctx)
{
	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, NULL);
	WRITE_ONCE(sk->sk_prot, ctx->sk_proto);
	write_unlock_bh(&sk->sk_callback_lock);
}

/*
 * Hand the socket back to TCP before TCP closes it: later callbacks
 * (timers, destroy) then never enter this module. The module reference
 * taken by tcp_set_ulp() is dropped when the socket is destroyed.
 */
static void sm4ktls_close(struct sock *sk, long timeout)
{
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);
	struct proto *base = ctx->sk_proto;

	lock_sock(sk);
	sm4ktls_detach(sk, ctx);
	release_sock(sk);
	base->close(sk, timeout);
	sm4ktls_ctx_free(ctx);
}

/* Like upstream: a TLS stream cannot be reused for another connection. */
static int sm4ktls_disconnect(struct sock *sk, int flags)
{
	return -EOPNOTSUPP;
}

static void sm4ktls_build_protos(struct sm4ktls_family *fam,
				 const struct proto *base)
{
	struct proto *p = &fam->prot[SM4KTLS_BASE][SM4KTLS_BASE];

	*p = *base;
	p->setsockopt = sm4ktls_setsockopt;
	p->getsockopt = sm4ktls_getsockopt;
	p->disconnect = sm4ktls_disconnect;
	p->close = sm4ktls_close;
}

static struct sm4ktls_family *sm4ktls_family_for(struct sock *sk)
{
	int idx = sk->sk_family == AF_INET6 ? SM4KTLS_V6 : SM4KTLS_V4;
	struct sm4ktls_family *fam = &sm4ktls_families[idx];
	const struct proto *base = READ_ONCE(sk->sk_prot);

	/* Pairs with the release below: a matching base means built tables. */
	if (likely(smp_load_acquire(&fam->base) == base))
		return fam;
	mutex_lock(&sm4ktls_build_lock);
	if (fam->base != base) {
		sm4ktls_build_protos(fam, base);
		/* Publish base only after the tables it names are complete. */
		smp_store_release(&fam->base, base);
	}
	mutex_unlock(&sm4ktls_build_lock);
	return fam;
}

static void sm4ktls_update_sk_prot(struct sock *sk, struct sm4ktls_family *fam,
				   struct sm4ktls_ctx *ctx)
{
	sock_replace_proto(sk, &fam->prot[ctx->tx_conf][ctx->rx_conf]);
}

void sm4ktls_proto_attach(struct sock *sk, struct sm4ktls_ctx *ctx)
{
	struct sm4ktls_family *fam = sm4ktls_family_for(sk);

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, ctx);
	sm4ktls_update_sk_prot(sk, fam, ctx);
	write_unlock_bh(&sk->sk_callback_lock);
}
