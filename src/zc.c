// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: pinning the caller's pages for zero-copy (TX sealing straight
 * from them, RX opening straight into them).
 */
#include <linux/mm.h>
#include <linux/uio.h>

#include "sm4ktls.h"

void sm4ktls_unpin(struct page **pages, int npages)
{
	while (npages--)
		put_page(pages[npages]);
}

/*
 * Pin exactly @len bytes of @iter into @pages (at most @max) and describe
 * them in @sg, which the caller has initialised. Returns the number of
 * entries used, or -EFAULT with nothing pinned and @iter unchanged.
 */
int sm4ktls_pin(struct iov_iter *iter, size_t len, struct page **pages,
		int max, struct scatterlist *sg, int *npages)
{
	struct scatterlist *s = sg;
	size_t got = 0, off, n;
	ssize_t ret;
	int i, first;

	*npages = 0;
	while (got < len && *npages < max) {
		first = *npages;
		ret = iov_iter_get_pages2(iter, &pages[first], len - got,
					  max - first, &off);
		if (ret <= 0)
			break;
		*npages += DIV_ROUND_UP(off + ret, PAGE_SIZE);
		for (i = first; i < *npages; i++, off = 0) {
			n = min_t(size_t, ret, PAGE_SIZE - off);
			sg_set_page(s++, pages[i], n, off);
			ret -= n;
			got += n;
		}
	}
	if (got == len)
		return s - sg;
	iov_iter_revert(iter, got);
	sm4ktls_unpin(pages, *npages);
	return -EFAULT;
}
