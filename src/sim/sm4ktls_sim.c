// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls_sim: a simulated TLS offload NIC, to exercise the provider
 * interface of sm4ktls (include/sm4ktls/offload.h) without hardware.
 *
 * Each pair sm4simNa <-> sm4simNb is a veth-like pair: what one end
 * transmits, the other receives. Both ends register as TLS offload
 * providers (ethtool -k: tls-hw-tx-offload, tls-hw-rx-offload) and, like
 * a NIC, encrypt the records of TX connections in their transmit path and
 * decrypt those of RX connections as they arrive (sim_rx.c), with their
 * own AEAD keyed from the crypto_info handed to add(). Knobs (module
 * parameters, writable at run time): refuse_add makes add() fail;
 * add_rendezvous makes add() calls leave the driver in pairs, at once;
 * rx_skip and drop_resync (sim_rx.c) make RX leave records to software;
 * wire_loss, wire_drop_every and wire_reorder impair the wire after the
 * device's crypto
 * (netem cannot: it orphans marked skbs, which the core then drops).
 * ethtool -S shows what the device did.
 *
 * The device also advertises NETIF_F_HW_TLS_TX/RX to the in-tree tls.ko,
 * which would call tlsdev_ops: those refuse, so tls.ko stays in software.
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/module.h>
#include <net/tcp.h>
#include <net/tls.h>

#include "compat_timer.h"
#include "sim.h"

static unsigned int nr_pairs = 1;
module_param(nr_pairs, uint, 0444);
MODULE_PARM_DESC(nr_pairs, "device pairs to create: sm4sim<N>a <-> sm4sim<N>b");

static bool refuse_add;
module_param(refuse_add, bool, 0644);
MODULE_PARM_DESC(refuse_add, "refuse every new offloaded connection");

static bool add_rendezvous;
module_param(add_rendezvous, bool, 0644);
MODULE_PARM_DESC(add_rendezvous, "add() waits (100 ms at most) for another add() and both return together");
static atomic_t sim_add_arrivals = ATOMIC_INIT(0);

/* A lossy, reordering wire, after the device's own crypto. */
static unsigned int wire_loss;
module_param(wire_loss, uint, 0644);
MODULE_PARM_DESC(wire_loss, "drop this many packets per 1000 on the wire");

static unsigned int wire_drop_every;
module_param(wire_drop_every, uint, 0644);
MODULE_PARM_DESC(wire_drop_every, "drop every Nth data-carrying packet on the wire (deterministic loss)");

static unsigned int wire_reorder;
module_param(wire_reorder, uint, 0644);
MODULE_PARM_DESC(wire_reorder, "hold back this many packets per 1000 behind the next one");

#define SIM_MAX_PAIRS	4

static const char sim_stat_names[SIM_NUM_STATS][ETH_GSTRING_LEN] = {
	"tls_tx_add", "tls_tx_refused", "tls_tx_del", "tls_tx_skbs",
	"tls_tx_records", "tls_tx_errors", "wire_dropped", "wire_reordered",
	"tls_rx_add", "tls_rx_del", "tls_rx_skbs_decrypted", "tls_rx_skbs_left",
	"tls_rx_records", "tls_rx_auth_failed", "tls_rx_resync_req",
	"tls_rx_resync", "tls_tx_tag_dirty", "tls_add_paired",
};

static struct net_device *sim_devs[SIM_MAX_PAIRS * 2];

/* Replace the payload of @skb (linear) from stream byte @seq on. */
static int sim_encrypt_payload(struct net_device *dev,
			       struct sm4ktls_offload_conn *conn,
			       struct sim_work *w, u8 *data, u32 seq, u32 len)
{
	struct sim_conn *sc = sm4ktls_offload_priv(conn);
	struct sm4ktls_offload_txrec rec;
	u32 done, off, n;
	int err;

	for (done = 0; done < len; done += n) {
		err = sm4ktls_offload_tx_record(conn, seq + done, &rec, w->rec);
		/* The stack promises zeroed tag room (include/sm4ktls/offload.h). */
		if (!err && memchr_inv(w->rec + rec.len - SIM_TAG, 0, SIM_TAG))
			sim_count(dev, SIM_TLS_TX_TAG_DIRTY);
		if (!err)
			err = sim_seal(sc, w, rec.len, rec.rec_seq);
		if (err)
			return err;
		off = seq + done - rec.tcp_seq;
		n = min(len - done, rec.len - off);
		memcpy(data + done, w->rec + off, n);
		if (off + n == rec.len)
			sim_count(dev, SIM_TLS_TX_RECORDS);
	}
	return 0;
}

static struct sk_buff *sim_encrypt(struct net_device *dev,
				   struct sm4ktls_offload_conn *conn,
				   struct sk_buff *skb)
{
	struct sim_conn *sc = sm4ktls_offload_priv(conn);
	int hdr = skb_tcp_all_headers(skb), err = -ENOMEM;
	struct sk_buff *nskb;
	struct sim_work *w;

	w = sim_work_alloc(sc);
	/* The skb's pages are TCP's retransmit copy: encrypt a private one. */
	nskb = w ? skb_copy(skb, GFP_ATOMIC) : NULL;
	if (nskb)
		err = sim_encrypt_payload(dev, conn, w, nskb->data + hdr,
					  ntohl(tcp_hdr(skb)->seq),
					  skb->len - hdr);
	kfree_sensitive(w);
	consume_skb(skb);
	if (err) {
		kfree_skb(nskb);
		return NULL;
	}
	sm4ktls_skb_unmark(nskb);
	return nskb;
}

/* --- the provider ops --- */

/*
 * Two key installs on two CPUs leave add() within a few instructions of
 * each other, so whatever the stack does after add() runs on both at
 * once (offload.sh case_attach_race). Arrivals pair up by ticket.
 */
static void sim_add_rendezvous(struct net_device *dev)
{
	int want = round_up(atomic_inc_return(&sim_add_arrivals), 2);
	unsigned long end = jiffies + msecs_to_jiffies(100);

	while (atomic_read(&sim_add_arrivals) < want) {
		if (time_after(jiffies, end))
			return;
		cond_resched();
		cpu_relax();
	}
	sim_count(dev, SIM_TLS_ADD_PAIRED);
}

static int sim_tx_add(struct net_device *dev, struct sm4ktls_offload_conn *conn,
		      const struct tls_crypto_info *info)
{
	struct sim_conn *sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	int err;

	if (!sc)
		return -ENOMEM;
	err = sim_conn_key(sc, info, false);
	if (err) {
		kfree_sensitive(sc);
		return err;
	}
	sm4ktls_offload_set_priv(conn, sc);
	sim_count(dev, SIM_TLS_TX_ADD);
	return 0;
}

static int sim_add(struct net_device *dev, struct sm4ktls_offload_conn *conn,
		   enum sm4ktls_offload_dir dir,
		   const struct tls_crypto_info *info, u32 tcp_seq)
{
	int err;

	if (READ_ONCE(refuse_add)) {
		sim_count(dev, SIM_TLS_TX_REFUSED);
		return -EBUSY;
	}
	if (dir == SM4KTLS_OFFLOAD_RX)
		err = sim_rx_add(dev, conn, info, tcp_seq);
	else
		err = sim_tx_add(dev, conn, info);
	if (!err && READ_ONCE(add_rendezvous))
		sim_add_rendezvous(dev);
	return err;
}

static void sim_del(struct net_device *dev, struct sm4ktls_offload_conn *conn,
		    enum sm4ktls_offload_dir dir)
{
	struct sim_conn *sc = sm4ktls_offload_priv(conn);

	if (dir == SM4KTLS_OFFLOAD_RX) {
		sim_rx_del(dev, conn);
		return;
	}
	sim_conn_free(sc);
	kfree_sensitive(sc);
	sm4ktls_offload_set_priv(conn, NULL);
	sim_count(dev, SIM_TLS_TX_DEL);
}

static const struct sm4ktls_offload_ops sim_offload_ops = {
	.add = sim_add,
	.del = sim_del,
	.resync = sim_rx_resync,
};

static const struct sm4ktls_offload_caps sim_caps = {
	.ciphers = SM4KTLS_OFFLOAD_AES_GCM_128 | SM4KTLS_OFFLOAD_AES_GCM_256 |
		   SM4KTLS_OFFLOAD_SM4_GCM,
	.versions = SM4KTLS_OFFLOAD_TLS12 | SM4KTLS_OFFLOAD_TLS13 |
		    SM4KTLS_OFFLOAD_TLCP,
	.dirs = BIT(SM4KTLS_OFFLOAD_TX) | BIT(SM4KTLS_OFFLOAD_RX),
};

/* The in-tree tls.ko reads NETIF_F_HW_TLS_TX too: it gets a refusal. */
static int sim_tls_dev_add(struct net_device *dev, struct sock *sk,
			   enum tls_offload_ctx_dir dir,
			   struct tls_crypto_info *info, u32 tcp_seq)
{
	return -EOPNOTSUPP;
}

static void sim_tls_dev_del(struct net_device *dev, struct tls_context *ctx,
			    enum tls_offload_ctx_dir dir)
{
}

static int sim_tls_dev_resync(struct net_device *dev, struct sock *sk,
			      u32 seq, u8 *rcd_sn, enum tls_offload_ctx_dir dir)
{
	return -EOPNOTSUPP;
}

static const struct tlsdev_ops sim_tlsdev_ops = {
	.tls_dev_add = sim_tls_dev_add,
	.tls_dev_del = sim_tls_dev_del,
	.tls_dev_resync = sim_tls_dev_resync,
};

/* --- the wire --- */

static void sim_deliver(struct net_device *dev, struct sk_buff *skb)
{
	struct sim_priv *priv = netdev_priv(dev);
	struct net_device *peer;

	rcu_read_lock();
	peer = rcu_dereference(priv->peer);
	/* The receiving end decrypts what it can before the stack sees it. */
	if (peer && netif_running(peer))
		dev_forward_skb(peer, sim_rx(peer, skb));	/* frees on failure */
	else
		kfree_skb(skb);
	rcu_read_unlock();
}

static struct sk_buff *sim_unhold(struct sim_priv *priv)
{
	struct sk_buff *skb;

	spin_lock_bh(&priv->wire_lock);
	skb = priv->held;
	priv->held = NULL;
	spin_unlock_bh(&priv->wire_lock);
	return skb;
}

static void sim_wire_timer(struct timer_list *t)
{
	struct sim_priv *priv = timer_container_of(priv, t, wire_timer);
	struct sk_buff *skb = sim_unhold(priv);

	if (skb)
		sim_deliver(skb->dev, skb);
}

/* wire_drop_every: is this the Nth packet bigger than a bare ACK? */
static bool sim_wire_nth(struct sim_priv *priv, const struct sk_buff *skb)
{
	unsigned int n = READ_ONCE(wire_drop_every);

	return n && skb->len > 128 &&
	       atomic_inc_return(&priv->wire_seen) % n == 0;
}

/* Lose, hold back or deliver @skb, as the knobs say. */
static void sim_wire(struct net_device *dev, struct sk_buff *skb)
{
	struct sim_priv *priv = netdev_priv(dev);
	struct sk_buff *held;

	if (get_random_u32_below(1000) < READ_ONCE(wire_loss) ||
	    sim_wire_nth(priv, skb)) {
		sim_count(dev, SIM_WIRE_DROPPED);
		kfree_skb(skb);
		return;
	}
	held = sim_unhold(priv);
	if (!held && get_random_u32_below(1000) < READ_ONCE(wire_reorder)) {
		spin_lock_bh(&priv->wire_lock);
		priv->held = skb;
		spin_unlock_bh(&priv->wire_lock);
		sim_count(dev, SIM_WIRE_REORDERED);
		mod_timer(&priv->wire_timer, jiffies + 2);
		return;
	}
	sim_deliver(dev, skb);
	if (held)
		sim_deliver(dev, held);
}

/* --- the net_device --- */

static netdev_tx_t sim_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct sm4ktls_offload_conn *conn;

	conn = sm4ktls_offload_skb_conn(skb, dev);
	if (conn) {
		sim_count(dev, SIM_TLS_TX_SKBS);
		skb = sim_encrypt(dev, conn, skb);
	} else if (sm4ktls_skb_marked(skb)) {
		/* Plaintext records without a key here: never to the wire. */
		kfree_skb(skb);
		skb = NULL;
	}
	if (!skb) {
		sim_count(dev, SIM_TLS_TX_ERRORS);
		return NETDEV_TX_OK;
	}
	skb_tx_timestamp(skb);
	sim_wire(dev, skb);
	return NETDEV_TX_OK;
}

static int sim_ndo_open(struct net_device *dev)
{
	netif_carrier_on(dev);
	return 0;
}

static int sim_ndo_stop(struct net_device *dev)
{
	struct sim_priv *priv = netdev_priv(dev);

	netif_carrier_off(dev);
	timer_delete_sync(&priv->wire_timer);
	kfree_skb(sim_unhold(priv));
	return 0;
}

static const struct net_device_ops sim_netdev_ops = {
	.ndo_open = sim_ndo_open,
	.ndo_stop = sim_ndo_stop,
	.ndo_start_xmit = sim_xmit,
	.ndo_set_mac_address = eth_mac_addr,
};

static void sim_get_drvinfo(struct net_device *dev,
			    struct ethtool_drvinfo *info)
{
	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
}

static int sim_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? SIM_NUM_STATS : -EOPNOTSUPP;
}

static void sim_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	if (sset == ETH_SS_STATS)
		memcpy(buf, sim_stat_names, sizeof(sim_stat_names));
}

static void sim_get_ethtool_stats(struct net_device *dev,
				  struct ethtool_stats *es, u64 *data)
{
	struct sim_priv *priv = netdev_priv(dev);
	int i;

	for (i = 0; i < SIM_NUM_STATS; i++)
		data[i] = atomic64_read(&priv->stats[i]);
}

static const struct ethtool_ops sim_ethtool_ops = {
	.get_drvinfo = sim_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = sim_get_sset_count,
	.get_strings = sim_get_strings,
	.get_ethtool_stats = sim_get_ethtool_stats,
};

static void sim_setup(struct net_device *dev)
{
	netdev_features_t f = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM |
			      NETIF_F_HIGHDMA | NETIF_F_GSO_SOFTWARE;

	ether_setup(dev);
	dev->netdev_ops = &sim_netdev_ops;
	dev->ethtool_ops = &sim_ethtool_ops;
	dev->tlsdev_ops = &sim_tlsdev_ops;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->features = f | NETIF_F_HW_TLS_TX | NETIF_F_HW_TLS_RX;
	dev->hw_features = f | NETIF_F_HW_TLS_TX | NETIF_F_HW_TLS_RX;
	dev->vlan_features = f;
	dev->max_mtu = ETH_MAX_MTU;
	eth_hw_addr_random(dev);
}

static void sim_init_priv(struct net_device *dev)
{
	struct sim_priv *priv = netdev_priv(dev);

	spin_lock_init(&priv->wire_lock);
	timer_setup(&priv->wire_timer, sim_wire_timer, 0);
	spin_lock_init(&priv->rx_lock);
	INIT_LIST_HEAD(&priv->rx_conns);
}

static struct net_device *sim_create(unsigned int pair, char end)
{
	char name[IFNAMSIZ];
	struct net_device *dev;

	snprintf(name, sizeof(name), "sm4sim%u%c", pair, end);
	dev = alloc_netdev(sizeof(struct sim_priv), name, NET_NAME_USER,
			   sim_setup);
	if (!dev)
		return NULL;
	sim_init_priv(dev);
	if (register_netdev(dev)) {
		free_netdev(dev);
		return NULL;
	}
	if (sm4ktls_offload_register(dev, &sim_offload_ops, &sim_caps)) {
		unregister_netdev(dev);
		free_netdev(dev);
		return NULL;
	}
	return dev;
}

static void sim_destroy(struct net_device *dev)
{
	/* Connections go on in software before the device goes away. */
	sm4ktls_offload_unregister(dev);
	unregister_netdev(dev);
	free_netdev(dev);
}

static void sim_link(struct net_device *a, struct net_device *b)
{
	struct sim_priv *pa = netdev_priv(a), *pb = netdev_priv(b);

	rcu_assign_pointer(pa->peer, b);
	rcu_assign_pointer(pb->peer, a);
}

static void sim_destroy_all(void)
{
	struct sim_priv *priv;
	int i;

	for (i = 0; i < ARRAY_SIZE(sim_devs); i++) {
		if (!sim_devs[i])
			continue;
		priv = netdev_priv(sim_devs[i]);
		RCU_INIT_POINTER(priv->peer, NULL);
	}
	synchronize_net();	/* no xmit still forwards to a peer */
	for (i = 0; i < ARRAY_SIZE(sim_devs); i++) {
		if (sim_devs[i])
			sim_destroy(sim_devs[i]);
		sim_devs[i] = NULL;
	}
}

static int __init sim_init(void)
{
	unsigned int i;

	if (nr_pairs > SIM_MAX_PAIRS)
		return -EINVAL;
	for (i = 0; i < nr_pairs; i++) {
		sim_devs[2 * i] = sim_create(i, 'a');
		sim_devs[2 * i + 1] = sim_create(i, 'b');
		if (!sim_devs[2 * i] || !sim_devs[2 * i + 1]) {
			sim_destroy_all();
			return -ENOMEM;
		}
		sim_link(sim_devs[2 * i], sim_devs[2 * i + 1]);
	}
	return 0;
}

static void __exit sim_exit(void)
{
	sim_destroy_all();
}

module_init(sim_init);
module_exit(sim_exit);
MODULE_VERSION(SM4KTLS_VERSION);
MODULE_DESCRIPTION("Simulated TLS offload NIC pairs for sm4ktls's provider interface");
MODULE_LICENSE("GPL");
