// SPDX-License-Identifier: GPL-2.0
/* 6.5 onward (and 6.1 by backport): proto.splice_eof flushes at splice end. */
#include <net/sock.h>

static void probe_splice_eof(struct socket *sock)
{
}

struct proto probe_proto = { .splice_eof = probe_splice_eof };
