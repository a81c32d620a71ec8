// SPDX-License-Identifier: GPL-2.0
/* 5.18 onward: check_zeroed_sockptr(). */
#include <linux/sockptr.h>

int probe_zeroed(sockptr_t p);
int probe_zeroed(sockptr_t p)
{
	return check_zeroed_sockptr(p, 4, 4);
}
