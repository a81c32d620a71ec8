// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: device offload - providers, and connections in device mode.
 *
 * A driver registers a net_device (include/sm4ktls/offload.h). When a
 * socket installs its TX key and the lowest device under its route has a
 * provider with NETIF_F_HW_TLS_TX set that takes the connection, records
 * are framed but not encrypted (tx.c) and pushed to TCP marked with
 * MSG_SENDPAGE_DECRYPTED. Each record is kept until TCP sees it ACKed
 * (icsk_clean_acked), because a marked skb may be retransmitted, and
 * every marked skb that leaves through some other device is encrypted
 * by the software fallback (fallback.c) in sk_validate_xmit_skb.
 *
 * The TX device state outlives close(): TCP still retransmits while the
 * socket lingers. It goes in the socket's sk_destruct, when no skb of
 * the socket is left, and holds a module reference until then.
 *
 * RX in device mode (rx.c) takes what the device already decrypted; the
 * connection object only carries the device binding and resync requests,
 * and goes at close.
 */
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <net/tcp.h>

#include "offload_priv.h"

/* One registered device. */
struct sm4ktls_provider {
	struct list_head list;
	struct net_device *dev;
	const struct sm4ktls_offload_ops *ops;
	struct sm4ktls_offload_caps caps;
};

/*
 * Writers (register, unregister, device events) exclude new connections
 * while they detach old ones; adding a connection holds it for reading,
 * so many sockets may attach at once. The list of attached connections
 * and each one's binding to its device change under the spinlock: a
 * socket going away unbinds without waiting for anybody.
 */
static DECLARE_RWSEM(sm4ktls_offload_sem);
static LIST_HEAD(sm4ktls_providers);
static DEFINE_SPINLOCK(sm4ktls_conns_lock);
static LIST_HEAD(sm4ktls_conns);	/* bound to a device */
static struct workqueue_struct *sm4ktls_offload_wq;

static const struct {
	u16 type;
	u32 cap;
} sm4ktls_offload_ciphers[] = {
	{ TLS_CIPHER_AES_GCM_128, SM4KTLS_OFFLOAD_AES_GCM_128 },
	{ TLS_CIPHER_AES_GCM_256, SM4KTLS_OFFLOAD_AES_GCM_256 },
	{ TLS_CIPHER_SM4_GCM, SM4KTLS_OFFLOAD_SM4_GCM },
	{ TLS_CIPHER_AES_CCM_128, SM4KTLS_OFFLOAD_AES_CCM_128 },
	{ TLS_CIPHER_SM4_CCM, SM4KTLS_OFFLOAD_SM4_CCM },
	{ TLS_CIPHER_CHACHA20_POLY1305, SM4KTLS_OFFLOAD_CHACHA20 },
};

static u8 sm4ktls_offload_version_cap(u16 version)
{
	switch (version) {
	case TLS_1_2_VERSION:
		return SM4KTLS_OFFLOAD_TLS12;
	case TLS_1_3_VERSION:
		return SM4KTLS_OFFLOAD_TLS13;
	case SM4KTLS_TLCP_1_1_VERSION:
		return SM4KTLS_OFFLOAD_TLCP;
	}
	return 0;
}

static bool sm4ktls_caps_allow(const struct sm4ktls_offload_caps *caps,
			       const struct tls_crypto_info *info,
			       enum sm4ktls_offload_dir dir)
{
	u8 ver = sm4ktls_offload_version_cap(info->version);
	unsigned int i;

	if (!(caps->dirs & BIT(dir)) || !(caps->versions & ver))
		return false;
	for (i = 0; i < ARRAY_SIZE(sm4ktls_offload_ciphers); i++)
		if (sm4ktls_offload_ciphers[i].type == info->cipher_type)
			return caps->ciphers & sm4ktls_offload_ciphers[i].cap;
	return false;
}

static struct sm4ktls_provider *sm4ktls_provider_find(struct net_device *dev)
{
	struct sm4ktls_provider *p;

	list_for_each_entry(p, &sm4ktls_providers, list)
		if (p->dev == dev)
			return p;
	return NULL;
}

/* Through VLANs and bonds (per flow) to the device that sends. */
static struct net_device *sm4ktls_lowest_dev(struct net_device *dev,
					     const struct sock *sk)
{
	struct net_device *lower;

	for (;;) {
		if (is_vlan_dev(dev)) {
			dev = vlan_dev_real_dev(dev);
			continue;
		}
		lower = netdev_sk_get_lowest_dev(dev, (struct sock *)sk);
		if (lower == dev)
			return dev;
		dev = lower;
	}
}

void sm4ktls_offload_set_priv(struct sm4ktls_offload_conn *conn, void *priv)
{
	conn->priv = priv;
}
EXPORT_SYMBOL_GPL(sm4ktls_offload_set_priv);

void *sm4ktls_offload_priv(const struct sm4ktls_offload_conn *conn)
{
	return conn->priv;
}
EXPORT_SYMBOL_GPL(sm4ktls_offload_priv);

struct sock *sm4ktls_offload_conn_sk(const struct sm4ktls_offload_conn *conn)
{
	return conn->sk;
}
EXPORT_SYMBOL_GPL(sm4ktls_offload_conn_sk);

void sm4ktls_offload_rx_resync_request(struct sm4ktls_offload_conn *conn,
				       u32 tcp_seq)
{
	WRITE_ONCE(conn->resync_seq, tcp_seq);
	/* Pairs with the test in sm4ktls_offload_rx_resync(). */
	smp_mb__before_atomic();
	set_bit(SM4KTLS_CONN_RESYNC, &conn->flags);
}
EXPORT_SYMBOL_GPL(sm4ktls_offload_rx_resync_request);

/*
 * RX: a record with TLS sequence number @rec_seq starts at @tcp_seq. If
 * the device asked about that position, tell it; a question about a
 * position already behind us is dropped. True if the device was told.
 */
bool sm4ktls_offload_rx_resync(struct sm4ktls_offload_conn *conn, u32 tcp_seq,
			       u64 rec_seq)
{
	struct net_device *dev;
	u32 asked;

	if (!test_bit(SM4KTLS_CONN_RESYNC, &conn->flags))
		return false;
	/* The question's position was written before its flag was set. */
	smp_mb__after_atomic();
	asked = READ_ONCE(conn->resync_seq);
	if (asked != tcp_seq) {
		if (before(asked, tcp_seq))
			clear_bit(SM4KTLS_CONN_RESYNC, &conn->flags);
		return false;
	}
	clear_bit(SM4KTLS_CONN_RESYNC, &conn->flags);
	rcu_read_lock();
	dev = rcu_dereference(conn->netdev);
	if (dev)
		conn->ops->resync(dev, conn, tcp_seq, rec_seq);
	rcu_read_unlock();
	return dev;
}

/* --- records kept until ACKed --- */

void sm4ktls_drec_put(struct sm4ktls_drec *r)
{
	unsigned int i;

	if (!refcount_dec_and_test(&r->ref))
		return;
	for (i = 0; i < SM4KTLS_REC_SEGS; i++)
		if (r->segs[i].bv_page)
			put_page(r->segs[i].bv_page);
	kfree(r);
}

/* The record holding stream byte @seq, with a reference, or NULL. */
struct sm4ktls_drec *sm4ktls_drec_get(struct sm4ktls_offload_conn *conn,
				      u32 seq)
{
	struct sm4ktls_drec *r, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	list_for_each_entry(r, &conn->recs, list) {
		if (before(seq, r->end_seq)) {
			if (!before(seq, r->end_seq - r->wire)) {
				refcount_inc(&r->ref);
				found = r;
			}
			break;
		}
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	return found;
}

void sm4ktls_drec_copy(const struct sm4ktls_drec *r, u8 *buf)
{
	const struct bio_vec *bv = r->segs;
	u32 pos, chunk;

	for (pos = 0; pos < r->wire; pos += chunk, bv++) {
		chunk = min_t(u32, r->wire - pos, bv->bv_len);
		memcpy(buf + pos, page_address(bv->bv_page) + bv->bv_offset,
		       chunk);
	}
}

int sm4ktls_offload_tx_record(struct sm4ktls_offload_conn *conn, u32 tcp_seq,
			      struct sm4ktls_offload_txrec *rec, u8 *buf)
{
	struct sm4ktls_drec *r = sm4ktls_drec_get(conn, tcp_seq);

	if (!r)
		return -ENOENT;
	rec->tcp_seq = r->end_seq - r->wire;
	rec->len = r->wire;
	rec->rec_seq = r->seq;
	sm4ktls_drec_copy(r, buf);
	sm4ktls_drec_put(r);
	return 0;
}
EXPORT_SYMBOL_GPL(sm4ktls_offload_tx_record);

/* Taken when a record opens, so that framing it cannot fail. */
struct sm4ktls_drec *sm4ktls_drec_alloc(struct sock *sk)
{
	return kzalloc(sizeof(struct sm4ktls_drec),
		       sk->sk_allocation | __GFP_NOWARN);
}

/*
 * A framed record (@rec's wire bytes) starts at TCP's write_seq: the
 * caller holds the socket and has nothing else queued for TCP. @r is
 * from sm4ktls_drec_alloc(); the connection owns it from now on, with
 * its own references to the pieces holding the record.
 */
void sm4ktls_offload_add_rec(struct sock *sk, struct sm4ktls_offload_conn *conn,
			     struct sm4ktls_drec *r,
			     const struct sm4ktls_rec *rec, u64 seq)
{
	unsigned long flags;
	unsigned int i;
	u32 pos;

	refcount_set(&r->ref, 1);
	r->wire = rec->wire;
	r->seq = seq;
	r->end_seq = tcp_sk(sk)->write_seq + rec->wire;
	for (i = 0, pos = 0; pos < rec->wire; pos += rec->segs[i++].bv_len) {
		get_page(rec->segs[i].bv_page);
		r->segs[i] = rec->segs[i];
	}
	spin_lock_irqsave(&conn->lock, flags);
	list_add_tail(&r->list, &conn->recs);
	spin_unlock_irqrestore(&conn->lock, flags);
}

/* TCP: everything before @acked_seq is ACKed (socket locked, softirq). */
static void sm4ktls_clean_acked(struct sock *sk, u32 acked_seq)
{
	struct sm4ktls_offload_conn *conn = sm4ktls_get_ctx(sk)->offload_tx;
	struct sm4ktls_drec *r, *tmp;
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&conn->lock, flags);
	list_for_each_entry_safe(r, tmp, &conn->recs, list) {
		if (after(r->end_seq, acked_seq))
			break;
		list_move_tail(&r->list, &done);
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	list_for_each_entry_safe(r, tmp, &done, list)
		sm4ktls_drec_put(r);
}

static void sm4ktls_drecs_free(struct sm4ktls_offload_conn *conn)
{
	struct sm4ktls_drec *r, *tmp;

	list_for_each_entry_safe(r, tmp, &conn->recs, list)
		sm4ktls_drec_put(r);
	INIT_LIST_HEAD(&conn->recs);
}

/* --- the transmit hook --- */

/* Does a packet leaving through @dev reach the offloading device? */
static bool sm4ktls_dev_reaches(struct net_device *dev,
				struct net_device *target)
{
	if (!target)
		return false;
	if (dev == target || netif_is_bond_master(dev))
		return true;
	while (is_vlan_dev(dev))
		dev = vlan_dev_real_dev(dev);
	return dev == target || netif_is_bond_master(dev);
}

static struct sk_buff *sm4ktls_validate_xmit(struct sock *sk,
					     struct net_device *dev,
					     struct sk_buff *skb)
{
	struct sm4ktls_offload_conn *conn = sm4ktls_get_ctx(sk)->offload_tx;

	if (!sm4ktls_skb_marked(skb))
		return skb;
	if (sm4ktls_dev_reaches(dev, rcu_dereference_bh(conn->netdev)))
		return skb;
	return sm4ktls_fallback_xmit(sk, conn, skb);
}

struct sm4ktls_offload_conn *
sm4ktls_offload_skb_conn(const struct sk_buff *skb, struct net_device *dev)
{
	struct sock *sk = skb->sk;
	struct sm4ktls_offload_conn *conn;

	if (!sk || !sk_fullsock(sk) || !sm4ktls_skb_marked(skb) ||
	    READ_ONCE(sk->sk_validate_xmit_skb) != sm4ktls_validate_xmit)
		return NULL;
	conn = sm4ktls_get_ctx(sk)->offload_tx;
	return rcu_access_pointer(conn->netdev) == dev ? conn : NULL;
}
EXPORT_SYMBOL_GPL(sm4ktls_offload_skb_conn);

/* --- attaching and detaching connections --- */

/*
 * A connection has one reference for its socket and one while it is
 * bound to a device; whoever unbinds it owns the second one and gives it
 * back after the device's del(), a grace period after the unbinding.
 */
static void sm4ktls_conn_free(struct sm4ktls_offload_conn *conn)
{
	sm4ktls_drecs_free(conn);
	sm4ktls_cipher_free(&conn->fb);
	kfree(conn);
}

static void sm4ktls_conn_put(struct sm4ktls_offload_conn *conn)
{
	if (refcount_dec_and_test(&conn->ref))
		sm4ktls_conn_free(conn);
}

/* Take the device binding of @conn, if it still has one. */
static struct net_device *sm4ktls_conn_unbind(struct sm4ktls_offload_conn *conn)
{
	struct net_device *dev;

	spin_lock_bh(&sm4ktls_conns_lock);
	dev = rcu_dereference_protected(conn->netdev,
					lockdep_is_held(&sm4ktls_conns_lock));
	if (dev) {
		/* From now on packets of @conn go to the fallback. */
		rcu_assign_pointer(conn->netdev, NULL);
		conn->gone_dev = dev;
		list_del_init(&conn->list);
	}
	spin_unlock_bh(&sm4ktls_conns_lock);
	return dev;
}

/* A grace period after the unbinding: the device may forget @conn. */
static void sm4ktls_conn_release(struct sm4ktls_offload_conn *conn)
{
	struct net_device *dev = conn->gone_dev;

	list_del_init(&conn->list);
	conn->ops->del(dev, conn, conn->dir);
	dev_put(dev);
	sm4ktls_conn_put(conn);
}

static void sm4ktls_conn_release_work(struct work_struct *work)
{
	sm4ktls_conn_release(container_of(to_rcu_work(work),
					  struct sm4ktls_offload_conn, rwork));
}

/*
 * The socket is done with @conn: unbind it without waiting for a grace
 * period (the device forgets it from a worker), drop the socket's ref.
 */
static void sm4ktls_conn_retire(struct sm4ktls_offload_conn *conn)
{
	if (sm4ktls_conn_unbind(conn))
		queue_rcu_work(sm4ktls_offload_wq, &conn->rwork);
	sm4ktls_conn_put(conn);
}

/* Every connection of @dev, with one grace period for all; rwsem held. */
static void sm4ktls_detach_dev(struct net_device *dev)
{
	struct sm4ktls_offload_conn *conn, *tmp;
	LIST_HEAD(gone);

	spin_lock_bh(&sm4ktls_conns_lock);
	list_for_each_entry_safe(conn, tmp, &sm4ktls_conns, list) {
		if (rcu_access_pointer(conn->netdev) != dev)
			continue;
		rcu_assign_pointer(conn->netdev, NULL);
		conn->gone_dev = dev;
		list_move(&conn->list, &gone);
	}
	spin_unlock_bh(&sm4ktls_conns_lock);
	if (list_empty(&gone))
		return;
	/* No xmit may still hold a marked skb of these connections. */
	synchronize_net();
	list_for_each_entry_safe(conn, tmp, &gone, list)
		sm4ktls_conn_release(conn);
}

/* The device for @sk's route, if it offers TX for @info; rwsem held. */
static struct sm4ktls_provider *
sm4ktls_pick_provider(struct sock *sk, const struct tls_crypto_info *info,
		      enum sm4ktls_offload_dir dir)
{
	netdev_features_t feature = dir == SM4KTLS_OFFLOAD_TX ?
				    NETIF_F_HW_TLS_TX : NETIF_F_HW_TLS_RX;
	struct dst_entry *dst = __sk_dst_get(sk);
	struct sm4ktls_provider *p;
	struct net_device *dev;

	/* Like upstream, RX too goes by the route: the device replies leave. */
	if (!dst || !dst->dev)
		return NULL;
	dev = sm4ktls_lowest_dev(dst->dev, sk);
	p = sm4ktls_provider_find(dev);
	if (!p || !netif_running(dev) || !(dev->features & feature) ||
	    !sm4ktls_caps_allow(&p->caps, info, dir))
		return NULL;
	return p;
}

static void sm4ktls_conn_free_work(struct work_struct *work)
{
	struct sm4ktls_offload_conn *conn =
		container_of(work, struct sm4ktls_offload_conn, free_work);

	sm4ktls_ctx_free(conn->ctx);
	sm4ktls_conn_retire(conn);
	/* Module exit waits for RCU and drains this workqueue. */
	module_put(THIS_MODULE);
}

/* The last skb of the socket is gone: nothing can reach conn any more. */
static void sm4ktls_sk_destruct(struct sock *sk)
{
	struct sm4ktls_ctx *ctx = sm4ktls_get_ctx(sk);
	struct sm4ktls_offload_conn *conn = ctx->offload_tx;

	sk->sk_destruct = conn->sk_destruct;
	clean_acked_data_disable(sm4ktls_clean_acked_sk(sk));
	rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, NULL);
	sk->sk_destruct(sk);
	/* driver del() may sleep; sk_destruct may run in softirq. */
	queue_work(sm4ktls_offload_wq, &conn->free_work);
}

static struct sm4ktls_offload_conn *
sm4ktls_conn_alloc(struct sock *sk, const union sm4ktls_crypto_info *ci,
		   enum sm4ktls_offload_dir dir)
{
	struct sm4ktls_offload_conn *conn = kzalloc(sizeof(*conn), GFP_KERNEL);

	if (!conn)
		return NULL;
	refcount_set(&conn->ref, 1);
	INIT_LIST_HEAD(&conn->list);
	INIT_LIST_HEAD(&conn->recs);
	spin_lock_init(&conn->lock);
	INIT_WORK(&conn->free_work, sm4ktls_conn_free_work);
	INIT_RCU_WORK(&conn->rwork, sm4ktls_conn_release_work);
	conn->sk = sk;
	conn->dir = dir;
	/* The TX fallback runs in softirq: only synchronous AEADs. */
	if (dir == SM4KTLS_OFFLOAD_TX && sm4ktls_cipher_init_sync(&conn->fb, ci)) {
		kfree(conn);
		return NULL;
	}
	return conn;
}

/*
 * Offer the connection to the device; rwsem held for reading. @tcp_seq:
 * where the first record under this key starts.
 */
static int sm4ktls_conn_attach(struct sock *sk,
			       struct sm4ktls_offload_conn *conn,
			       const union sm4ktls_crypto_info *ci, u32 tcp_seq)
{
	struct sm4ktls_provider *p;
	int err;

	p = sm4ktls_pick_provider(sk, &ci->info, conn->dir);
	if (!p)
		return -ENODEV;
	if (conn->dir == SM4KTLS_OFFLOAD_RX && !p->ops->resync)
		return -EOPNOTSUPP;
	conn->ops = p->ops;
	err = p->ops->add(p->dev, conn, conn->dir, &ci->info, tcp_seq);
	if (err)
		return err;
	dev_hold(p->dev);
	refcount_inc(&conn->ref);	/* the binding's */
	spin_lock_bh(&sm4ktls_conns_lock);
	rcu_assign_pointer(conn->netdev, p->dev);
	list_add(&conn->list, &sm4ktls_conns);
	spin_unlock_bh(&sm4ktls_conns_lock);
	return 0;
}

/* Allocate and attach, or NULL: the direction stays in software. */
static struct sm4ktls_offload_conn *
sm4ktls_conn_start(struct sock *sk, const union sm4ktls_crypto_info *ci,
		   enum sm4ktls_offload_dir dir, u32 tcp_seq)
{
	struct sm4ktls_offload_conn *conn;
	int err;

	if (list_empty(&sm4ktls_providers))
		return NULL;
	conn = sm4ktls_conn_alloc(sk, ci, dir);
	if (!conn)
		return NULL;
	down_read(&sm4ktls_offload_sem);
	err = sm4ktls_conn_attach(sk, conn, ci, tcp_seq);
	up_read(&sm4ktls_offload_sem);
	if (err) {
		sm4ktls_conn_put(conn);
		return NULL;
	}
	return conn;
}

/* TLS_RX: device mode if the device takes it; NULL means software. */
struct sm4ktls_offload_conn *
sm4ktls_offload_rx_start(struct sock *sk, const union sm4ktls_crypto_info *ci)
{
	return sm4ktls_conn_start(sk, ci, SM4KTLS_OFFLOAD_RX,
				  tcp_sk(sk)->copied_seq);
}

/* close(): RX needs the device no longer. Never waits. */
void sm4ktls_offload_rx_stop(struct sm4ktls_offload_conn *conn)
{
	sm4ktls_conn_retire(conn);
}

/*
 * TLS_TX: try device mode. The connection if the socket's TX now runs on
 * the device (@ctx owns it from here on), NULL for software mode.
 */
struct sm4ktls_offload_conn *
sm4ktls_offload_tx_start(struct sock *sk, struct sm4ktls_ctx *ctx,
			 const union sm4ktls_crypto_info *ci)
{
	struct sm4ktls_offload_conn *conn;

	conn = sm4ktls_conn_start(sk, ci, SM4KTLS_OFFLOAD_TX,
				  tcp_sk(sk)->write_seq);
	if (!conn)
		return NULL;
	__module_get(THIS_MODULE);
	conn->ctx = ctx;
	ctx->offload_tx = conn;
	/* Data queued before the key stays apart from marked skbs. */
	sm4ktls_compat_collapse_fence(sk);
	clean_acked_data_enable(sm4ktls_clean_acked_sk(sk), sm4ktls_clean_acked);
	conn->sk_destruct = sk->sk_destruct;
	/* Publish each hook only after what it reads is in place. */
	smp_store_release(&sk->sk_destruct, sm4ktls_sk_destruct);
	/* Ditto: ctx->offload_tx is set, and read by sm4ktls_validate_xmit(). */
	smp_store_release(&sk->sk_validate_xmit_skb, sm4ktls_validate_xmit);
	return conn;
}

/* --- providers --- */

int sm4ktls_offload_register(struct net_device *dev,
			     const struct sm4ktls_offload_ops *ops,
			     const struct sm4ktls_offload_caps *caps)
{
	struct sm4ktls_provider *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int err = 0;

	if (!p)
		return -ENOMEM;
	p->dev = dev;
	p->ops = ops;
	p->caps = *caps;
	down_write(&sm4ktls_offload_sem);
	if (sm4ktls_provider_find(dev))
		err = -EEXIST;
	else
		list_add_tail(&p->list, &sm4ktls_providers);
	up_write(&sm4ktls_offload_sem);
	if (err)
		kfree(p);
	return err;
}
EXPORT_SYMBOL_GPL(sm4ktls_offload_register);

void sm4ktls_offload_unregister(struct net_device *dev)
{
	struct sm4ktls_provider *p;

	down_write(&sm4ktls_offload_sem);
	sm4ktls_detach_dev(dev);
	p = sm4ktls_provider_find(dev);
	if (p)
		list_del(&p->list);
	up_write(&sm4ktls_offload_sem);
	kfree(p);
	/* Closed sockets' del() calls are in flight: the driver may go after them. */
	rcu_barrier();
	flush_workqueue(sm4ktls_offload_wq);
}
EXPORT_SYMBOL_GPL(sm4ktls_offload_unregister);

/* A device that goes down or away takes no more packets: fall back. */
static int sm4ktls_netdev_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event != NETDEV_DOWN && event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	down_write(&sm4ktls_offload_sem);
	sm4ktls_detach_dev(dev);
	up_write(&sm4ktls_offload_sem);
	return NOTIFY_DONE;
}

static struct notifier_block sm4ktls_netdev_nb = {
	.notifier_call = sm4ktls_netdev_event,
};

int sm4ktls_offload_init(void)
{
	int err;

	err = sm4ktls_fallback_init();
	if (err)
		return err;
	err = -ENOMEM;
	/* Nothing queued wants one CPU's cache (7.x warns without a choice). */
	sm4ktls_offload_wq = alloc_workqueue("sm4ktls_offload", WQ_UNBOUND, 0);
	if (!sm4ktls_offload_wq)
		goto out_fallback;
	err = register_netdevice_notifier(&sm4ktls_netdev_nb);
	if (err)
		goto out_wq;
	return 0;

out_wq:
	destroy_workqueue(sm4ktls_offload_wq);
out_fallback:
	sm4ktls_fallback_exit();
	return err;
}

void sm4ktls_offload_exit(void)
{
	unregister_netdevice_notifier(&sm4ktls_netdev_nb);
	/* queue_rcu_work() queues from an RCU callback: let those run first. */
	rcu_barrier();
	destroy_workqueue(sm4ktls_offload_wq);
	sm4ktls_fallback_exit();
}
