// SPDX-License-Identifier: GPL-2.0
/* 6.0 onward: iov_iter_get_pages2() advances the iterator itself. */
#include <linux/uio.h>

ssize_t probe_get(struct iov_iter *i, struct page **pages, size_t *off);
ssize_t probe_get(struct iov_iter *i, struct page **pages, size_t *off)
{
	return iov_iter_get_pages2(i, pages, PAGE_SIZE, 1, off);
}
