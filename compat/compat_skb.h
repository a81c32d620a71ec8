/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls: the skb mark of device-mode records (skb->decrypted), for the
 * module and for drivers built with it (the simulated NIC). See compat.h.
 */
#ifndef _SM4KTLS_COMPAT_SKB_H
#define _SM4KTLS_COMPAT_SKB_H

#include <linux/skbuff.h>

#include "sm4ktls_probes.h"

/* Device mode only: Kbuild builds it with the kernel's TLS_DEVICE hooks. */
#ifndef SM4KTLS_HAVE_TLS_DEVICE_HOOKS
#error "device offload needs a kernel with CONFIG_TLS_DEVICE and CONFIG_SOCK_VALIDATE_XMIT"
#endif

static inline bool sm4ktls_skb_marked(const struct sk_buff *skb)
{
	return skb->decrypted;
}

static inline void sm4ktls_skb_mark(struct sk_buff *skb)
{
	skb->decrypted = 1;
}

static inline void sm4ktls_skb_unmark(struct sk_buff *skb)
{
	skb->decrypted = 0;
}

#endif /* _SM4KTLS_COMPAT_SKB_H */
