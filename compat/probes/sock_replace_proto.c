// SPDX-License-Identifier: GPL-2.0
/* 6.3 onward (and 6.1 by backport): swaps sk_prot and its SOCK_SUPPORT_ZC. */
#include <net/sock.h>

void probe_replace(struct sock *sk, struct proto *p);
void probe_replace(struct sock *sk, struct proto *p)
{
	sock_replace_proto(sk, p);
}
