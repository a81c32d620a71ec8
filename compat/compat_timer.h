/* SPDX-License-Identifier: GPL-2.0 */
/* sm4ktls: from_timer() became timer_container_of() in 6.16. See compat.h. */
#ifndef _SM4KTLS_COMPAT_TIMER_H
#define _SM4KTLS_COMPAT_TIMER_H

#include <linux/timer.h>

#include "sm4ktls_probes.h"

#ifndef SM4KTLS_HAVE_TIMER_CONTAINER_OF
#define timer_container_of(var, timer, field)	from_timer(var, timer, field)
#endif

#endif /* _SM4KTLS_COMPAT_TIMER_H */
