// SPDX-License-Identifier: GPL-2.0
/* 5.19 to 6.x: proto.recvmsg(sk, msg, len, flags, addr_len); 7.x drops addr_len. */
#include <net/sock.h>

static int probe_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			 int flags, int *addr_len)
{
	return 0;
}

struct proto probe_proto = { .recvmsg = probe_recvmsg };
