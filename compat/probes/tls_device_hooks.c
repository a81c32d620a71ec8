// SPDX-License-Identifier: GPL-2.0
/*
 * Device-mode TX needs what CONFIG_TLS_DEVICE and CONFIG_SOCK_VALIDATE_XMIT
 * give the core: a per-socket validate hook, the skb mark TCP keeps apart
 * when collapsing, and a callback when data is ACKed.
 */
#include <net/tcp.h>

static struct sk_buff *probe_validate(struct sock *sk, struct net_device *dev,
				      struct sk_buff *skb)
{
	return skb->decrypted ? skb : NULL;
}

void probe_hooks(struct sock *sk);
void probe_hooks(struct sock *sk)
{
	sk->sk_validate_xmit_skb = probe_validate;
}

/* Its argument changed in 7.x (clean_acked_tcp_sock.c); it is there. */
void *probe_acked = clean_acked_data_enable;

int probe_flag = MSG_SENDPAGE_DECRYPTED;
