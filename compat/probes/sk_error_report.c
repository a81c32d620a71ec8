// SPDX-License-Identifier: GPL-2.0
/* 5.13 onward: sk_error_report() also tells BPF; 5.10 calls the hook only. */
#include <net/sock.h>

void probe_report(struct sock *sk);
void probe_report(struct sock *sk)
{
	sk_error_report(sk);
}
