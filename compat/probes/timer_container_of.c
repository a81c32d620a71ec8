// SPDX-License-Identifier: GPL-2.0
/* 6.16 onward: from_timer() is called timer_container_of(). */
#include <linux/timer.h>

struct probe_owner {
	struct timer_list t;
};

struct probe_owner *probe_owner(struct timer_list *t);
struct probe_owner *probe_owner(struct timer_list *t)
{
	struct probe_owner *o = timer_container_of(o, t, t);

	return o;
}
