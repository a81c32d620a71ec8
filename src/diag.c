// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: sock_diag INET_DIAG_ULP_INFO, what `ss -tie` prints after
 * the ULP name (which the TCP core reports itself).
 */
#include <linux/inet_diag.h>
#include <linux/tls.h>
#include <net/netlink.h>

#include "sm4ktls.h"

static u16 sm4ktls_user_conf(u8 conf)
{
	switch (conf) {
	case SM4KTLS_SW:
		return TLS_CONF_SW;
	case SM4KTLS_HW:
		return TLS_CONF_HW;
	case SM4KTLS_BASE:
	default:
		return TLS_CONF_BASE;
	}
}

static int sm4ktls_put_keyed(struct sk_buff *skb, const struct sm4ktls_ctx *ctx)
{
	if (nla_put_u16(skb, TLS_INFO_VERSION, ctx->version) ||
	    nla_put_u16(skb, TLS_INFO_CIPHER, ctx->cipher))
		return -EMSGSIZE;
	if (ctx->zc_ro && nla_put_flag(skb, TLS_INFO_ZC_RO_TX))
		return -EMSGSIZE;
	if (READ_ONCE(ctx->rx_no_pad) && nla_put_flag(skb, TLS_INFO_RX_NO_PAD))
		return -EMSGSIZE;
	return 0;
}

static int sm4ktls_put_info(struct sk_buff *skb, const struct sm4ktls_ctx *ctx)
{
	/* Version and cipher exist once a key is installed. */
	if (READ_ONCE(ctx->version) && sm4ktls_put_keyed(skb, ctx))
		return -EMSGSIZE;
	if (nla_put_u16(skb, TLS_INFO_TXCONF,
			sm4ktls_user_conf(READ_ONCE(ctx->tx_conf))) ||
	    nla_put_u16(skb, TLS_INFO_RXCONF,
			sm4ktls_user_conf(READ_ONCE(ctx->rx_conf))) ||
	    nla_put_u16(skb, TLS_INFO_TX_MAX_PAYLOAD_LEN,
			READ_ONCE(ctx->tx_max_payload)))
		return -EMSGSIZE;
	return 0;
}

int sm4ktls_get_info(struct sock *sk, struct sk_buff *skb)
{
	struct sm4ktls_ctx *ctx;
	struct nlattr *nest;
	int err = 0;

	nest = nla_nest_start_noflag(skb, INET_ULP_INFO_TLS);
	if (!nest)
		return -EMSGSIZE;
	/* Lockless: close() clears the pointer and frees ctx after RCU. */
	rcu_read_lock();
	ctx = rcu_dereference(inet_csk(sk)->icsk_ulp_data);
	if (ctx)
		err = sm4ktls_put_info(skb, ctx);
	rcu_read_unlock();
	if (err) {
		nla_nest_cancel(skb, nest);
		return err;
	}
	nla_nest_end(skb, nest);
	return 0;
}

size_t sm4ktls_get_info_size(const struct sock *sk)
{
	return nla_total_size(0) +		/* INET_ULP_INFO_TLS */
	       nla_total_size(sizeof(u16)) +	/* TLS_INFO_VERSION */
	       nla_total_size(sizeof(u16)) +	/* TLS_INFO_CIPHER */
	       nla_total_size(sizeof(u16)) +	/* TLS_INFO_TXCONF */
	       nla_total_size(sizeof(u16)) +	/* TLS_INFO_RXCONF */
	       nla_total_size(0) +		/* TLS_INFO_ZC_RO_TX */
	       nla_total_size(0) +		/* TLS_INFO_RX_NO_PAD */
	       nla_total_size(sizeof(u16));	/* TLS_INFO_TX_MAX_PAYLOAD_LEN */
}
