// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: SOL_TLS socket options; everything else goes to TCP.
 */
#include <linux/tls.h>
#include <net/sock.h>

#include "sm4ktls.h"

/*
 * No key can be installed yet: the record layer is not part of this
 * module version, so TLS_TX/TLS_RX are refused as unknown options.
 */
static int sm4ktls_do_setsockopt(struct sock *sk, int optname,
				 sockptr_t optval, unsigned int optlen)
{
	return -ENOPROTOOPT;
}

int sm4ktls_setsockopt(struct sock *sk, int level, int optname,
		       sockptr_t optval, unsigned int optlen)
{
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);

	if (level != SOL_TLS)
		return ctx->sk_proto->setsockopt(sk, level, optname, optval,
						 optlen);
	return sm4ktls_do_setsockopt(sk, optname, optval, optlen);
}

/* Upstream: short buffer -EINVAL, no key installed in that direction -EBUSY. */
static int sm4ktls_get_conf(struct sock *sk, int __user *optlen)
{
	int len;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len < sizeof(struct tls_crypto_info))
		return -EINVAL;
	return -EBUSY;
}

int sm4ktls_getsockopt(struct sock *sk, int level, int optname,
		       char __user *optval, int __user *optlen)
{
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);

	if (level != SOL_TLS)
		return ctx->sk_proto->getsockopt(sk, level, optname, optval,
						 optlen);
	switch (optname) {
	case TLS_TX:
	case TLS_RX:
		return sm4ktls_get_conf(sk, optlen);
	default:
		return -ENOPROTOOPT;
	}
}
