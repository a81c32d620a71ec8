// SPDX-License-Identifier: GPL-2.0
/* 7.x: clean_acked_data_enable()/_disable() take the tcp_sock. */
#include <net/tcp.h>

static void probe_acked(struct sock *sk, u32 seq)
{
}

void probe_enable(struct sock *sk);
void probe_enable(struct sock *sk)
{
	clean_acked_data_enable(tcp_sk(sk), probe_acked);
	clean_acked_data_disable(tcp_sk(sk));
}
