// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: scatterlists over memory we do not copy - the caller's pages
 * (TX sealing straight from them, RX opening straight into them) and the
 * skbs TCP received (RX reading records where they lie).
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

/* Scatterlist entries skb_to_sgvec() needs for [off, off + len). */
int sm4ktls_skb_nsg(struct sk_buff *skb, int off, int len, int depth)
{
	int start = skb_headlen(skb), n = 0, i, end, take;
	struct sk_buff *frag;

	if (depth > 8)
		return -EMSGSIZE;
	if (off < start) {
		take = min(start - off, len);
		n++;
		off += take;
		len -= take;
	}
	for (i = 0; len && i < skb_shinfo(skb)->nr_frags; i++) {
		end = start + skb_frag_size(&skb_shinfo(skb)->frags[i]);
		if (off < end) {
			take = min(end - off, len);
			n++;
			off += take;
			len -= take;
		}
		start = end;
	}
	skb_walk_frags(skb, frag) {
		if (!len)
			break;
		end = start + frag->len;
		if (off < end) {
			take = min(end - off, len);
			i = sm4ktls_skb_nsg(frag, off - start, take, depth + 1);
			if (i < 0)
				return i;
			n += i;
			off += take;
			len -= take;
		}
		start = end;
	}
	return n;
}

/*
 * @sg = AAD, then [off, off + len) of @skb, read where it lies (cloned
 * skbs are fine: the AEAD only reads its source). -EMSGSIZE if that takes
 * more than @max entries.
 */
int sm4ktls_skb_sg(struct sm4ktls_cipher *c, struct scatterlist *sg, int max,
		   struct sk_buff *skb, u32 off, u32 len)
{
	int n = sm4ktls_skb_nsg(skb, off, len, 0);

	if (n < 0 || n + 1 > max)
		return -EMSGSIZE;
	sg_init_table(sg, n + 1);
	sg_set_buf(&sg[0], c->aad, c->aad_len);
	n = skb_to_sgvec(skb, &sg[1], off, len);
	return n < 0 ? n : 0;
}
