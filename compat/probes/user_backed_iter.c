// SPDX-License-Identifier: GPL-2.0
/* 6.0 onward: user_backed_iter() covers ITER_UBUF as well as iovecs. */
#include <linux/uio.h>

bool probe_user(const struct iov_iter *i);
bool probe_user(const struct iov_iter *i)
{
	return user_backed_iter(i);
}
