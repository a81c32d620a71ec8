// SPDX-License-Identifier: GPL-2.0
/* 6.8 onward: TCP offers a helper to stop appending to the queued tail. */
#include <net/tcp.h>

void probe_fence(struct sock *sk);
void probe_fence(struct sock *sk)
{
	tcp_write_collapse_fence(sk);
}
