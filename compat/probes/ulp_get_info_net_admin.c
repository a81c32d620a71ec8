// SPDX-License-Identifier: GPL-2.0
/*
 * Linux 7.x (Debian sid 7.2): tcp_ulp_ops.get_info() and .get_info_size()
 * gained a "bool net_admin" argument. 6.1 and 6.12 take (sk, skb) / (sk).
 */
#include <net/tcp.h>

static int probe_get_info(struct sock *sk, struct sk_buff *skb, bool net_admin)
{
	return 0;
}

static size_t probe_get_info_size(const struct sock *sk, bool net_admin)
{
	return 0;
}

struct tcp_ulp_ops probe_ops = {
	.get_info = probe_get_info,
	.get_info_size = probe_get_info_size,
};
