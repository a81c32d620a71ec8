// SPDX-License-Identifier: GPL-2.0
/*
 * 6.0 onward: strparser reads through cb.read_sock when set. Before, it
 * calls sock->ops->read_sock, so that must stay TCP's.
 */
#include <net/strparser.h>

static int probe_read_sock(struct strparser *strp, read_descriptor_t *desc,
			   sk_read_actor_t actor)
{
	return 0;
}

struct strp_callbacks probe_cb = { .read_sock = probe_read_sock };
