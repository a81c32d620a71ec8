// SPDX-License-Identifier: GPL-2.0
/* Up to 5.18: proto.recvmsg takes "noblock" apart from the flags. */
#include <net/sock.h>

static int probe_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			 int noblock, int flags, int *addr_len)
{
	return 0;
}

struct proto probe_proto = { .recvmsg = probe_recvmsg };
