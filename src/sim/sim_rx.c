// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls_sim: RX offload, the way an inline-crypto NIC does it.
 *
 * The receiving end follows each offloaded flow's TCP stream: while it
 * sees bytes in order it knows where records start, decrypts their
 * payloads in place with the GCM keystream (CTR), keeps each record's
 * ciphertext to check its tag at the end, and marks an skb decrypted
 * when it decrypted all of it and every record ending in it
 * authenticated. A gap in the stream loses track of records: it looks
 * for something like a record header, follows records from there, and
 * asks the stack whether a record starts at that guess; once the stack
 * says yes (and with which sequence number), it decrypts again.
 * Knobs: rx_skip=N decrypts N in-order skbs of a flow, then leaves N as
 * they came, and so on (records reach the stack decrypted, partly and
 * not decrypted);
 * drop_resync ignores the stack's answers (software from then on).
 * IPv4 flows only.
 */
#include <linux/ip.h>
#include <linux/module.h>
#include <net/tcp.h>

#include "sim.h"

unsigned int rx_skip;
module_param(rx_skip, uint, 0644);
MODULE_PARM_DESC(rx_skip, "RX: decrypt N in-order skbs of a flow, leave N, and so on");

bool drop_resync;
module_param(drop_resync, bool, 0644);
MODULE_PARM_DESC(drop_resync, "RX: ignore resync answers from the stack");

/*
 * Unanswered guess: ask about a newer one. The stack answers when the
 * record reaches its parser, which on a slow kernel with large skbs can be
 * a dozen records behind the device: asking again sooner than that throws
 * away the guess the answer is about.
 */
#define SIM_REASK_RECS	32

static void sim_rx_ask(struct net_device *dev, struct sim_conn *sc, u32 seq)
{
	sc->state = SIM_RX_GUESS;
	sc->guess_seq = seq;
	sc->guess_recs = 0;
	sim_count(dev, SIM_TLS_RX_RESYNC_REQ);
	sm4ktls_offload_rx_resync_request(sc->conn, seq);
}

/*
 * The current record is complete, the next starts at @next. In step: a
 * false return means its tag did not check out.
 */
static bool sim_rx_rec_end(struct net_device *dev, struct sim_conn *sc,
			   struct sim_work *w, u32 next)
{
	bool ok = true;

	if (sc->state == SIM_RX_SYNCED) {
		memcpy(w->rec, sc->rec, sc->rec_len);
		ok = !sim_open(sc, w, sc->rec_len, sc->rec_seq);
		sim_count(dev, ok ? SIM_TLS_RX_RECORDS : SIM_TLS_RX_AUTH_FAILED);
		sc->rec_seq++;
	} else if (++sc->guess_recs >= SIM_REASK_RECS) {
		sim_rx_ask(dev, sc, next);
	}
	sc->rec_have = 0;
	sc->rec_len = 0;
	return ok;
}

static bool sim_rx_hdr_ok(const struct sim_conn *sc, const u8 *hdr)
{
	u32 len = SIM_HDR + (hdr[3] << 8 | hdr[4]);

	if ((hdr[1] << 8 | hdr[2]) != sc->wire_version ||
	    len > SM4KTLS_OFFLOAD_MAX_RECORD ||
	    len < sim_prepend(sc) + SIM_TAG)
		return false;
	return sc->tls13 ? hdr[0] == 23 : hdr[0] >= 20 && hdr[0] <= 23;
}

/* Header complete: the record's length, or lost if it is no header. */
static void sim_rx_rec_start(struct sim_conn *sc)
{
	if (!sim_rx_hdr_ok(sc, sc->rec)) {
		sc->state = SIM_RX_LOST;
		return;
	}
	sc->rec_len = SIM_HDR + (sc->rec[3] << 8 | sc->rec[4]);
}

/* Decrypt the payload bytes among record bytes [@pos, @pos + @n) at @buf. */
static int sim_rx_decrypt(struct sim_conn *sc, struct sim_work *w, u32 pos,
			  u8 *buf, u32 n)
{
	u32 pre = sim_prepend(sc), end = sc->rec_len - SIM_TAG;
	u32 a = max(pos, pre), b = min(pos + n, end);

	if (a >= b)
		return 0;
	memcpy(w->rec, sc->rec, pre);	/* the nonce comes from here */
	return sim_ctr(sc, w, sc->rec_seq, a - pre, buf + (a - pos), b - a);
}

/*
 * @n stream bytes from @seq at @buf: follow the records, decrypting their
 * payloads in place if @decrypt and in step. False if the skb must not
 * be marked.
 */
static bool sim_rx_feed(struct net_device *dev, struct sim_conn *sc,
			struct sim_work *w, u8 *buf, u32 seq, u32 n,
			bool decrypt)
{
	bool ok = decrypt && sc->state == SIM_RX_SYNCED;
	u32 k;

	while (n && sc->state != SIM_RX_LOST) {
		if (sc->rec_have < SIM_HDR)
			k = min(n, SIM_HDR - sc->rec_have);
		else
			k = min(n, sc->rec_len - sc->rec_have);
		memcpy(sc->rec + sc->rec_have, buf, k);
		if (ok && sc->rec_len && sim_rx_decrypt(sc, w, sc->rec_have, buf, k))
			ok = false;
		sc->rec_have += k;
		buf += k;
		seq += k;
		n -= k;
		if (sc->rec_have == SIM_HDR && !sc->rec_len)
			sim_rx_rec_start(sc);
		else if (sc->rec_len && sc->rec_have == sc->rec_len)
			ok &= sim_rx_rec_end(dev, sc, w, seq);
	}
	return ok && sc->state == SIM_RX_SYNCED;
}

/* Lost: guess a record start in these bytes and follow records from it. */
static void sim_rx_guess(struct net_device *dev, struct sim_conn *sc,
			 struct sim_work *w, u8 *buf, u32 seq, u32 n)
{
	u32 p;

	for (p = 0; p + SIM_HDR <= n; p++)
		if (sim_rx_hdr_ok(sc, buf + p))
			break;
	if (p + SIM_HDR > n)
		return;
	sc->rec_have = 0;
	sc->rec_len = 0;
	sim_rx_ask(dev, sc, seq + p);
	sim_rx_feed(dev, sc, w, buf + p, seq + p, n - p, false);
}

/*
 * One skb of an offloaded flow, its payload at @buf (a private copy).
 * True if the copy is to go up decrypted.
 */
static bool sim_rx_flow(struct net_device *dev, struct sim_conn *sc,
			struct sim_work *w, u8 *buf, u32 seq, u32 n)
{
	u32 end = seq + n, skip = READ_ONCE(rx_skip);
	bool decrypt;

	if (sc->state != SIM_RX_LOST && after(seq, sc->next_seq))
		sc->state = SIM_RX_LOST;	/* a gap: boundaries unknown */
	if (sc->state == SIM_RX_LOST) {
		sc->next_seq = end;
		sim_rx_guess(dev, sc, w, buf, seq, n);
		return false;
	}
	if (!after(end, sc->next_seq))
		return false;		/* seen already (retransmission) */
	/* Overlapping what was seen: follow the new bytes, leave the skb. */
	decrypt = seq == sc->next_seq && !(skip && sc->skbs++ / skip % 2);
	buf += sc->next_seq - seq;
	n = end - sc->next_seq;
	seq = sc->next_seq;
	sc->next_seq = end;
	return sim_rx_feed(dev, sc, w, buf, seq, n, decrypt);
}

static struct sim_conn *sim_rx_find(struct sim_priv *priv,
				    const struct iphdr *iph,
				    const struct tcphdr *th)
{
	struct sim_conn *sc;

	list_for_each_entry(sc, &priv->rx_conns, list)
		if (sc->raddr == iph->saddr && sc->laddr == iph->daddr &&
		    sc->rport == th->source && sc->lport == th->dest)
			return sc;
	return NULL;
}

/* Decrypt a private copy of @skb under the lock; NULL to pass @skb on. */
static struct sk_buff *sim_rx_locked(struct net_device *dev,
				     struct sim_conn *sc, struct sk_buff *skb,
				     u32 off, u32 n)
{
	struct sk_buff *nskb = skb_copy(skb, GFP_ATOMIC);
	struct sim_work *w = sim_work_alloc(sc);
	bool marked = false;

	if (nskb && w)
		marked = sim_rx_flow(dev, sc, w, nskb->data + off,
				     ntohl(tcp_hdr(skb)->seq), n);
	kfree_sensitive(w);
	if (marked)
		return nskb;
	kfree_skb(nskb);
	return NULL;
}

struct sk_buff *sim_rx(struct net_device *dev, struct sk_buff *skb)
{
	struct sim_priv *priv = netdev_priv(dev);
	struct sk_buff *nskb = NULL;
	struct sim_conn *sc;
	u32 off, n;

	if (list_empty(&priv->rx_conns) || skb->protocol != htons(ETH_P_IP) ||
	    ip_hdr(skb)->protocol != IPPROTO_TCP)
		return skb;
	off = skb_transport_offset(skb) + tcp_hdrlen(skb);
	n = skb->len - off;
	if (!n)
		return skb;
	spin_lock_bh(&priv->rx_lock);
	sc = sim_rx_find(priv, ip_hdr(skb), tcp_hdr(skb));
	if (sc)
		nskb = sim_rx_locked(dev, sc, skb, off, n);
	spin_unlock_bh(&priv->rx_lock);
	if (!sc)
		return skb;
	sim_count(dev, nskb ? SIM_TLS_RX_SKBS_DECRYPTED : SIM_TLS_RX_SKBS_LEFT);
	if (!nskb)
		return skb;
	consume_skb(skb);
	sm4ktls_skb_mark(nskb);
	return nskb;
}

int sim_rx_add(struct net_device *dev, struct sm4ktls_offload_conn *conn,
	       const struct tls_crypto_info *info, u32 tcp_seq)
{
	struct sock *sk = sm4ktls_offload_conn_sk(conn);
	struct sim_priv *priv = netdev_priv(dev);
	struct sim_conn *sc;
	int err;

	if (sk->sk_family != AF_INET)
		return -EOPNOTSUPP;
	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc)
		return -ENOMEM;
	sc->rec = kmalloc(SM4KTLS_OFFLOAD_MAX_RECORD, GFP_KERNEL);
	err = sc->rec ? sim_conn_key(sc, info, true) : -ENOMEM;
	if (err) {
		kfree(sc->rec);
		kfree_sensitive(sc);
		return err;
	}
	sc->conn = conn;
	sc->raddr = inet_sk(sk)->inet_daddr;
	sc->laddr = inet_sk(sk)->inet_saddr;
	sc->rport = inet_sk(sk)->inet_dport;
	sc->lport = inet_sk(sk)->inet_sport;
	sc->state = SIM_RX_SYNCED;
	sc->next_seq = tcp_seq;
	sc->rec_seq = sc->first_seq;
	sm4ktls_offload_set_priv(conn, sc);
	spin_lock_bh(&priv->rx_lock);
	list_add(&sc->list, &priv->rx_conns);
	spin_unlock_bh(&priv->rx_lock);
	sim_count(dev, SIM_TLS_RX_ADD);
	return 0;
}

void sim_rx_del(struct net_device *dev, struct sm4ktls_offload_conn *conn)
{
	struct sim_conn *sc = sm4ktls_offload_priv(conn);
	struct sim_priv *priv = netdev_priv(dev);

	spin_lock_bh(&priv->rx_lock);
	list_del(&sc->list);
	spin_unlock_bh(&priv->rx_lock);
	sim_conn_free(sc);
	kfree_sensitive(sc->rec);
	kfree_sensitive(sc);
	sim_count(dev, SIM_TLS_RX_DEL);
}

void sim_rx_resync(struct net_device *dev, struct sm4ktls_offload_conn *conn,
		   u32 tcp_seq, u64 rec_seq)
{
	struct sim_conn *sc = sm4ktls_offload_priv(conn);
	struct sim_priv *priv = netdev_priv(dev);

	if (READ_ONCE(drop_resync))
		return;
	spin_lock_bh(&priv->rx_lock);
	if (sc->state == SIM_RX_GUESS && sc->guess_seq == tcp_seq) {
		/* The guess was right: the records followed since count. */
		sc->rec_seq = rec_seq + sc->guess_recs;
		sc->state = SIM_RX_SYNCED;
		sim_count(dev, SIM_TLS_RX_RESYNC);
	}
	spin_unlock_bh(&priv->rx_lock);
}
