/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls: the one place kernel-version differences live.
 *
 * Each SM4KTLS_HAVE_* comes from a try-compile probe in compat/probes/
 * (see scripts/probe-kernel.sh) run against the target's headers, never
 * from version arithmetic: distribution kernels backport.
 */
#ifndef _SM4KTLS_COMPAT_H
#define _SM4KTLS_COMPAT_H

#include "sm4ktls_probes.h"

#ifdef SM4KTLS_HAVE_ULP_GET_INFO_NET_ADMIN
static inline int sm4ktls_compat_get_info(struct sock *sk, struct sk_buff *skb,
					  bool net_admin)
{
	return sm4ktls_get_info(sk, skb);
}

static inline size_t sm4ktls_compat_get_info_size(const struct sock *sk,
						  bool net_admin)
{
	return sm4ktls_get_info_size(sk);
}
#else
#define sm4ktls_compat_get_info		sm4ktls_get_info
#define sm4ktls_compat_get_info_size	sm4ktls_get_info_size
#endif

#endif /* _SM4KTLS_COMPAT_H */
