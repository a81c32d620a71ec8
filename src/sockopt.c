// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: SOL_TLS socket options; everything else goes to TCP.
 *
 * The errno of every refusal is the one upstream net/tls returns, so
 * applications written against it see no difference.
 */
#include <linux/tls.h>
#include <net/sock.h>

#include "sm4ktls.h"

static struct sm4ktls_cipher *sm4ktls_dir_cipher(struct sm4ktls_ctx *ctx,
						 bool tx)
{
	if (tx)
		return ctx->tx ? &ctx->tx->c : NULL;
	return ctx->rx ? &ctx->rx->c : NULL;
}

/* ARIA is TLS 1.2 only (RFC 6209); TLCP defines SM4-GCM alone as AEAD. */
static bool sm4ktls_version_ok(const struct tls_crypto_info *info)
{
	switch (info->version) {
	case TLS_1_2_VERSION:
		return true;
	case TLS_1_3_VERSION:
		return info->cipher_type != TLS_CIPHER_ARIA_GCM_128 &&
		       info->cipher_type != TLS_CIPHER_ARIA_GCM_256;
	case SM4KTLS_TLCP_1_1_VERSION:
		return info->cipher_type == TLS_CIPHER_SM4_GCM;
	}
	return false;
}

/* Both directions of a connection run one version and one cipher. */
static int sm4ktls_check_info(struct sm4ktls_ctx *ctx,
			      const struct tls_crypto_info *info, bool tx)
{
	struct sm4ktls_cipher *other = sm4ktls_dir_cipher(ctx, !tx);

	if (!sm4ktls_version_ok(info))
		return -EINVAL;
	if (other && (other->version != info->version ||
		      other->desc->type != info->cipher_type))
		return -EINVAL;
	return 0;
}

/* Read and validate a crypto_info of exactly its cipher's uapi size. */
static int sm4ktls_read_info(struct sm4ktls_ctx *ctx,
			     union sm4ktls_crypto_info *ci, sockptr_t optval,
			     unsigned int optlen, bool tx)
{
	const struct sm4ktls_cipher_desc *d;
	int err;

	struct sm4ktls_cipher *cur = sm4ktls_dir_cipher(ctx, tx);

	if (sockptr_is_null(optval) || optlen < sizeof(ci->info))
		return -EINVAL;
	/* Only TLS 1.3 has KeyUpdate; a TLS 1.2 key stays for good. */
	if (cur && cur->version != TLS_1_3_VERSION)
		return -EBUSY;
	if (copy_from_sockptr(&ci->info, optval, sizeof(ci->info)))
		return -EFAULT;
	err = sm4ktls_check_info(ctx, &ci->info, tx);
	if (err)
		return err;
	/* The next key of a connection: same version, same cipher. */
	if (cur && (cur->version != ci->info.version ||
		    cur->desc->type != ci->info.cipher_type))
		return -EINVAL;
	d = sm4ktls_cipher_find(ci->info.cipher_type);
	if (!d || optlen != d->info_len)
		return -EINVAL;
	if (copy_from_sockptr(ci, optval, optlen))
		return -EFAULT;
	return 0;
}

static int sm4ktls_install(struct sock *sk, struct sm4ktls_ctx *ctx,
			   const union sm4ktls_crypto_info *ci, bool tx)
{
	int err;

	err = tx ? sm4ktls_tx_init(sk, ctx, ci) : sm4ktls_rx_init(sk, ctx, ci);
	if (err)
		return err;
	/* Both directions agree (sm4ktls_check_info), so either will do. */
	ctx->version = ci->info.version;
	ctx->cipher = ci->info.cipher_type;
	sm4ktls_proto_update(sk, ctx);
	if (!tx)
		sm4ktls_rx_start(sk, ctx);
	return 0;
}

static int sm4ktls_rekey(struct sock *sk, struct sm4ktls_ctx *ctx,
			 const union sm4ktls_crypto_info *ci, bool tx)
{
	int err;

	err = tx ? sm4ktls_tx_rekey(sk, ctx, ci) : sm4ktls_rx_rekey(sk, ctx, ci);
	if (tx)
		sm4ktls_stat_inc(sk, err ? SM4KTLS_STAT_TX_REKEY_ERROR :
					   SM4KTLS_STAT_TX_REKEY_OK);
	else
		sm4ktls_stat_inc(sk, err ? SM4KTLS_STAT_RX_REKEY_ERROR :
					   SM4KTLS_STAT_RX_REKEY_OK);
	return err;
}

static int sm4ktls_set_conf(struct sock *sk, struct sm4ktls_ctx *ctx,
			    sockptr_t optval, unsigned int optlen, bool tx)
{
	bool rekey = sm4ktls_dir_cipher(ctx, tx);
	union sm4ktls_crypto_info ci;
	int err;

	err = sm4ktls_read_info(ctx, &ci, optval, optlen, tx);
	if (err) {
		if (rekey && err != -EBUSY)
			sm4ktls_stat_inc(sk, tx ? SM4KTLS_STAT_TX_REKEY_ERROR :
						  SM4KTLS_STAT_RX_REKEY_ERROR);
		goto out;
	}
	if (rekey)
		err = sm4ktls_rekey(sk, ctx, &ci, tx);
	else
		err = sm4ktls_install(sk, ctx, &ci, tx);
out:
	memzero_explicit(&ci, sizeof(ci));
	return err;
}

static int sm4ktls_read_flag(sockptr_t optval, unsigned int optlen,
			     unsigned int *val)
{
	if (sockptr_is_null(optval) || optlen < sizeof(*val))
		return -EINVAL;
	if (copy_from_sockptr(val, optval, sizeof(*val)))
		return -EFAULT;
	return *val > 1 ? -EINVAL : 0;
}

static int sm4ktls_set_zc_ro(struct sm4ktls_ctx *ctx, sockptr_t optval,
			     unsigned int optlen)
{
	unsigned int val;
	int err;

	if (optlen != sizeof(val))
		return -EINVAL;
	err = sm4ktls_read_flag(optval, optlen, &val);
	if (err)
		return err;
	ctx->zc_ro = val;
	return 0;
}

/* Opportunistic zero-copy RX promise; TLS 1.3 only, RX key required. */
static int sm4ktls_set_no_pad(struct sm4ktls_ctx *ctx, sockptr_t optval,
			      unsigned int optlen)
{
	unsigned int val;
	int err;

	if (ctx->version != TLS_1_3_VERSION)
		return -EINVAL;
	err = sm4ktls_read_flag(optval, optlen, &val);
	if (err)
		return err;
	/* Upstream: bytes past the flag must be zero. */
	err = check_zeroed_sockptr(optval, sizeof(val), optlen - sizeof(val));
	if (err < 0)
		return err;
	if (!err)
		return -EINVAL;
	if (!ctx->rx)
		return -EINVAL;
	ctx->rx_no_pad = val;
	return 0;
}

/*
 * RFC 8449's record_size_limit of the peer, for the records we send: not
 * while one is open. TLS 1.3's limit counts the content type byte.
 */
static int sm4ktls_set_tx_max(struct sm4ktls_ctx *ctx, sockptr_t optval,
			      unsigned int optlen)
{
	u16 val, min = SM4KTLS_MIN_RECORD_LIMIT;

	if (ctx->version == TLS_1_3_VERSION)
		min--;
	if (ctx->tx && ctx->tx->open.len)
		return -EBUSY;
	if (sockptr_is_null(optval) || optlen != sizeof(val))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	if (val < min || val > SM4KTLS_MAX_PLAIN)
		return -EINVAL;
	/* diag reads it without the socket lock. */
	WRITE_ONCE(ctx->tx_max_payload, val);
	return 0;
}

static int sm4ktls_do_setsockopt(struct sock *sk, int optname,
				 sockptr_t optval, unsigned int optlen)
{
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);

	switch (optname) {
	case TLS_TX:
	case TLS_RX:
		return sm4ktls_set_conf(sk, ctx, optval, optlen,
					optname == TLS_TX);
	case TLS_TX_ZEROCOPY_RO:
		return sm4ktls_set_zc_ro(ctx, optval, optlen);
	case TLS_RX_EXPECT_NO_PAD:
		return sm4ktls_set_no_pad(ctx, optval, optlen);
	case TLS_TX_MAX_PAYLOAD_LEN:
		return sm4ktls_set_tx_max(ctx, optval, optlen);
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * A TX rekey must not race a sender sleeping on an open record: take the
 * sender mutex (before the socket lock) whenever a TX key exists.
 */
static int sm4ktls_set_tx(struct sock *sk, struct sm4ktls_ctx *ctx,
			  sockptr_t optval, unsigned int optlen)
{
	struct sm4ktls_tx *tx;
	int err;

	/* ctx->tx is set once and then stays: at most one retry. */
	for (;;) {
		tx = READ_ONCE(ctx->tx);
		if (tx)
			mutex_lock(&tx->lock);
		lock_sock(sk);
		if (ctx->tx == tx)
			break;
		release_sock(sk);
	}
	err = sm4ktls_do_setsockopt(sk, TLS_TX, optval, optlen);
	release_sock(sk);
	if (tx)
		sm4ktls_tx_unlock(tx);
	return err;
}

int sm4ktls_setsockopt(struct sock *sk, int level, int optname,
		       sockptr_t optval, unsigned int optlen)
{
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);
	int err;

	if (level != SOL_TLS)
		return ctx->sk_proto->setsockopt(sk, level, optname, optval,
						 optlen);
	if (optname == TLS_TX)
		return sm4ktls_set_tx(sk, ctx, optval, optlen);
	lock_sock(sk);
	err = sm4ktls_do_setsockopt(sk, optname, optval, optlen);
	release_sock(sk);
	return err;
}

/*
 * Upstream: short buffer -EINVAL, no key in that direction -EBUSY, the
 * bare header on request, else the whole struct of exactly its size.
 */
static int sm4ktls_get_conf(struct sm4ktls_ctx *ctx, char __user *optval,
			    int __user *optlen, bool tx)
{
	struct sm4ktls_cipher *c = sm4ktls_dir_cipher(ctx, tx);
	union sm4ktls_crypto_info ci;
	int len, err = 0;

	if (get_user(len, optlen))
		return -EFAULT;
	if (!optval || len < sizeof(ci.info))
		return -EINVAL;
	if (!c)
		return -EBUSY;
	sm4ktls_cipher_export(c, &ci);
	if (len != sizeof(ci.info) && len != c->desc->info_len)
		err = -EINVAL;
	else if (copy_to_user(optval, &ci, len))
		err = -EFAULT;
	memzero_explicit(&ci, sizeof(ci));
	return err;
}

/*
 * An option's value of @size bytes; @exact: no longer buffer either.
 * @size is unsigned, as upstream's sizeof(): a negative length passes.
 */
static int sm4ktls_put_opt(char __user *optval, int __user *optlen,
			   const void *val, unsigned int size, bool exact)
{
	int len;

	if (get_user(len, optlen))
		return -EFAULT;
	if (exact ? len != size : len < size)
		return -EINVAL;
	if (put_user(size, optlen) || copy_to_user(optval, val, size))
		return -EFAULT;
	return 0;
}

static int sm4ktls_get_flag(char __user *optval, int __user *optlen,
			    unsigned int val, bool exact)
{
	return sm4ktls_put_opt(optval, optlen, &val, sizeof(val), exact);
}

/* Upstream's order of refusals: version, unreadable length, no RX key. */
static int sm4ktls_get_no_pad(struct sm4ktls_ctx *ctx, char __user *optval,
			      int __user *optlen)
{
	int len;

	if (ctx->version != TLS_1_3_VERSION)
		return -EINVAL;
	if (get_user(len, optlen))
		return -EFAULT;
	if (!ctx->rx)
		return -EINVAL;
	return sm4ktls_get_flag(optval, optlen, ctx->rx_no_pad, false);
}

static int sm4ktls_do_getsockopt(struct sm4ktls_ctx *ctx, int optname,
				 char __user *optval, int __user *optlen)
{
	switch (optname) {
	case TLS_TX:
	case TLS_RX:
		return sm4ktls_get_conf(ctx, optval, optlen, optname == TLS_TX);
	case TLS_TX_ZEROCOPY_RO:
		return sm4ktls_get_flag(optval, optlen, ctx->zc_ro, true);
	case TLS_RX_EXPECT_NO_PAD:
		return sm4ktls_get_no_pad(ctx, optval, optlen);
	case TLS_TX_MAX_PAYLOAD_LEN:
		return sm4ktls_put_opt(optval, optlen, &ctx->tx_max_payload,
				       sizeof(ctx->tx_max_payload), false);
	default:
		return -ENOPROTOOPT;
	}
}

int sm4ktls_getsockopt(struct sock *sk, int level, int optname,
		       char __user *optval, int __user *optlen)
{
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);
	int err;

	if (level != SOL_TLS)
		return ctx->sk_proto->getsockopt(sk, level, optname, optval,
						 optlen);
	lock_sock(sk);
	err = sm4ktls_do_getsockopt(ctx, optname, optval, optlen);
	release_sock(sk);
	return err;
}
