/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls: kernel TLS ULP for stock kernels - internal interfaces.
 */
#ifndef _SM4KTLS_H
#define _SM4KTLS_H

#include <linux/types.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>

/*
 * How one direction of a socket is served. BASE passes data through to
 * TCP untouched (ULP attached, no key installed yet).
 */
enum sm4ktls_conf {
	SM4KTLS_BASE,
	SM4KTLS_NUM_CONF,
};

/* Per-socket state, hung off icsk_ulp_data; freed after an RCU grace period. */
struct sm4ktls_ctx {
	struct proto *sk_proto;	/* the proto we replaced (TCP's) */
	u8 tx_conf;
	u8 rx_conf;
	struct rcu_head rcu;
};

static inline struct sm4ktls_ctx *sm4ktls_get_ctx(const struct sock *sk)
{
	/* Only valid while the ULP is attached and the socket is held. */
	return (__force struct sm4ktls_ctx *)
		rcu_access_pointer(inet_csk(sk)->icsk_ulp_data);
}

/* main.c */
void sm4ktls_ctx_free(struct sm4ktls_ctx *ctx);

/* proto.c */
void sm4ktls_proto_attach(struct sock *sk, struct sm4ktls_ctx *ctx);

/* sockopt.c */
int sm4ktls_setsockopt(struct sock *sk, int level, int optname,
		       sockptr_t optval, unsigned int optlen);
int sm4ktls_getsockopt(struct sock *sk, int level, int optname,
		       char __user *optval, int __user *optlen);

/* diag.c */
size_t sm4ktls_get_info_size(const struct sock *sk);
int sm4ktls_get_info(struct sock *sk, struct sk_buff *skb);

#include "compat.h"

#endif /* _SM4KTLS_H */
