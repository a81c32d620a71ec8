// SPDX-License-Identifier: GPL-2.0
/* 6.3 onward (and 6.1 by backport): bvec_set_page(). */
#include <linux/bvec.h>

void probe_bvec(struct bio_vec *bv, struct page *page);
void probe_bvec(struct bio_vec *bv, struct page *page)
{
	bvec_set_page(bv, page, 1, 0);
}
