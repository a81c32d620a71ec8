// SPDX-License-Identifier: GPL-2.0
/* Kernels up to 6.4: splice/sendfile reach a socket through proto.sendpage. */
#include <net/sock.h>

static int probe_sendpage(struct sock *sk, struct page *page, int offset,
			  size_t size, int flags)
{
	return 0;
}

struct proto probe_proto = { .sendpage = probe_sendpage };
