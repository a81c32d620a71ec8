// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: module entry and the TCP ULP it registers.
 *
 * setsockopt(SOL_TCP, TCP_ULP, "tls") lands in sm4ktls_ulp_init(), which
 * hangs a context off the socket and swaps sk_prot for one of ours.
 */
#include <linux/module.h>
#include <linux/skmsg.h>
#include <net/tcp.h>

#include "sm4ktls.h"

static char *ulp_name = "tls";
module_param(ulp_name, charp, 0444);
MODULE_PARM_DESC(ulp_name,
		 "TCP ULP name to register (default \"tls\"; pick another to run beside the in-tree tls.ko)");

/* Contexts alive now; checked at unload so a leak shows in the log. */
static atomic_t sm4ktls_live_ctx = ATOMIC_INIT(0);

static struct sm4ktls_ctx *sm4ktls_ctx_alloc(struct sock *sk)
{
	struct sm4ktls_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return NULL;
	atomic_inc(&sm4ktls_live_ctx);
	ctx->sk_proto = READ_ONCE(sk->sk_prot);
	ctx->sk_ops = READ_ONCE(sk->sk_socket->ops);
	ctx->tx_conf = SM4KTLS_BASE;
	ctx->rx_conf = SM4KTLS_BASE;
	ctx->tx_max_payload = SM4KTLS_MAX_PLAIN;
	return ctx;
}

static void sm4ktls_ctx_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct sm4ktls_ctx, rcu));
	atomic_dec(&sm4ktls_live_ctx);
}

/* The stream is broken: report @err (negative) on the socket, as TCP would. */
void sm4ktls_err_abort(struct sock *sk, int err)
{
	WRITE_ONCE(sk->sk_err, -err);
	/* Paired with smp_rmb() in tcp_poll() */
	smp_wmb();
	sk_error_report(sk);
}

/* sock_diag may still be reading ctx under RCU. */
void sm4ktls_ctx_free(struct sm4ktls_ctx *ctx)
{
	call_rcu(&ctx->rcu, sm4ktls_ctx_free_rcu);
}

/*
 * Core code (tcp_bpf, skmsg, filter) reads icsk_ulp_data of a socket with a
 * psock as the in-tree struct tls_context, so sockmap sockets stay out.
 * The reverse order is refused by sk_psock_init() for any ULP socket.
 */
static bool sm4ktls_sk_in_sockmap(struct sock *sk)
{
	bool in_map;

	rcu_read_lock();
	in_map = !!sk_psock(sk);
	rcu_read_unlock();
	return in_map;
}

/* Called by tcp_set_ulp() with the socket locked, in process context. */
static int sm4ktls_ulp_init(struct sock *sk)
{
	struct sm4ktls_ctx *ctx;

	if (sk->sk_state != TCP_ESTABLISHED)
		return -ENOTCONN;
	/* Kernel-internal sockets without a struct socket are not served. */
	if (!sk->sk_socket)
		return -EINVAL;
	if (sm4ktls_sk_in_sockmap(sk))
		return -EOPNOTSUPP;

	ctx = sm4ktls_ctx_alloc(sk);
	if (!ctx)
		return -ENOMEM;
	sm4ktls_proto_attach(sk, ctx);
	return 0;
}

/* Someone underneath us (sockmap restore) replaced the base proto. */
static void sm4ktls_ulp_update(struct sock *sk, struct proto *p,
			       void (*write_space)(struct sock *sk))
{
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);

	if (!ctx) {
		sk->sk_write_space = write_space;
		WRITE_ONCE(sk->sk_prot, p);
		return;
	}
	ctx->sk_proto = p;
	/* With a TX key, ours stays in front of the new write_space. */
	if (ctx->tx)
		ctx->sk_write_space = write_space;
	else
		sk->sk_write_space = write_space;
}

static struct tcp_ulp_ops sm4ktls_ulp_ops __read_mostly = {
	.owner		= THIS_MODULE,
	.init		= sm4ktls_ulp_init,
	.update		= sm4ktls_ulp_update,
	.get_info	= sm4ktls_compat_get_info,
	.get_info_size	= sm4ktls_compat_get_info_size,
};

static int sm4ktls_register_ulp(void)
{
	int err;

	if (strscpy(sm4ktls_ulp_ops.name, ulp_name,
		    sizeof(sm4ktls_ulp_ops.name)) <= 0) {
		pr_err("ulp_name=\"%s\" must be 1..%zu characters\n", ulp_name,
		       sizeof(sm4ktls_ulp_ops.name) - 1);
		return -EINVAL;
	}
	err = tcp_register_ulp(&sm4ktls_ulp_ops);
	if (err != -EEXIST)
		return err;
	/* -EEXIST from init reads as "already loaded" to modprobe. */
	pr_err("TCP ULP \"%s\" is already registered (in-tree tls.ko loaded?): run 'rmmod tls' and load sm4ktls first from then on (modprobe.d: 'blacklist tls' and 'softdep tls pre: sm4ktls'), or load sm4ktls with ulp_name=<other>\n",
	       ulp_name);
	return -EBUSY;
}

/* Set once our ULP is linked; the notifier below acts only then. */
static bool sm4ktls_ulp_linked;

/*
 * tls.ko loaded while we hold the name "tls" (bonding depends on it, and
 * a softdep loads us first) fails to link its ULP and ignores that, but
 * its exit unlinks the ULP all the same: list corruption, a BUG. Pin it
 * for good, so that "rmmod tls" is refused instead. The reference is
 * never dropped: such a tls.ko must not go away, with us or without.
 * A tls.ko that went live before our ULP was linked owns the name (ours
 * then failed) and is left alone.
 */
static int sm4ktls_module_event(struct notifier_block *nb,
				unsigned long state, void *data)
{
	struct module *mod = data;

	if (state == MODULE_STATE_LIVE && READ_ONCE(sm4ktls_ulp_linked) &&
	    !strcmp(mod->name, "tls") &&
	    !strcmp(sm4ktls_ulp_ops.name, "tls") && try_module_get(mod))
		pr_info("tls.ko loaded without its ULP (sm4ktls has \"tls\"): pinned, it cannot be unloaded safely\n");
	return NOTIFY_DONE;
}

static struct notifier_block sm4ktls_module_nb = {
	.notifier_call = sm4ktls_module_event,
};

static int __init sm4ktls_init(void)
{
	int err;

	err = sm4ktls_stats_init();
	if (err)
		return err;
	err = sm4ktls_offload_init();
	if (err)
		goto out_stats;
	/* Watch before linking: no tls.ko can go live unseen after it. */
	err = register_module_notifier(&sm4ktls_module_nb);
	if (err)
		goto out_offload;
	err = sm4ktls_register_ulp();
	if (err)
		goto out_notifier;
	WRITE_ONCE(sm4ktls_ulp_linked, true);
	pr_info("TCP ULP \"%s\" registered\n", sm4ktls_ulp_ops.name);
	return 0;

out_notifier:
	unregister_module_notifier(&sm4ktls_module_nb);
out_offload:
	sm4ktls_offload_exit();
out_stats:
	sm4ktls_stats_exit();
	return err;
}

static void __exit sm4ktls_exit(void)
{
	unregister_module_notifier(&sm4ktls_module_nb);
	tcp_unregister_ulp(&sm4ktls_ulp_ops);
	/* Device-mode sockets hold the module: their frees are done. */
	sm4ktls_offload_exit();
	/* Wait for the RCU frees of contexts of closed sockets. */
	rcu_barrier();
	sm4ktls_stats_exit();
	if (atomic_read(&sm4ktls_live_ctx))
		pr_err("leak: %d socket contexts not freed at unload\n",
		       atomic_read(&sm4ktls_live_ctx));
}

module_init(sm4ktls_init);
module_exit(sm4ktls_exit);
/*
 * setsockopt(TCP_ULP, "tls") asks for "tcp-ulp-tls" when no "tls" is
 * registered; a modprobe configuration that keeps tls.ko out of alias
 * lookups (debian/sm4ktls-dkms.modprobe) then loads this module instead.
 */
MODULE_ALIAS("tcp-ulp-tls");
MODULE_VERSION(SM4KTLS_VERSION);
MODULE_DESCRIPTION("Kernel TLS with SM4-GCM for stock kernels");
MODULE_LICENSE("GPL");
