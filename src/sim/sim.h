/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls_sim internals: the simulated NIC (sm4ktls_sim.c), its TLS
 * record engine (sim_engine.c) and its RX stream tracker (sim_rx.c).
 */
#ifndef _SM4KTLS_SIM_H
#define _SM4KTLS_SIM_H

#include <crypto/aead.h>
#include <crypto/skcipher.h>
#include <linux/netdevice.h>
#include <linux/scatterlist.h>
#include <sm4ktls/offload.h>

#include "compat_skb.h"

#define SIM_TAG		16
#define SIM_SALT	4
#define SIM_HDR		5

enum sim_stat {
	SIM_TLS_TX_ADD,
	SIM_TLS_TX_REFUSED,
	SIM_TLS_TX_DEL,
	SIM_TLS_TX_SKBS,
	SIM_TLS_TX_RECORDS,	/* tags put on the wire */
	SIM_TLS_TX_ERRORS,
	SIM_WIRE_DROPPED,
	SIM_WIRE_REORDERED,
	SIM_TLS_RX_ADD,
	SIM_TLS_RX_DEL,
	SIM_TLS_RX_SKBS_DECRYPTED,
	SIM_TLS_RX_SKBS_LEFT,	/* of offloaded flows, passed as they came */
	SIM_TLS_RX_RECORDS,	/* authenticated by the device */
	SIM_TLS_RX_AUTH_FAILED,
	SIM_TLS_RX_RESYNC_REQ,
	SIM_TLS_RX_RESYNC,	/* answers used to get back in step */
	SIM_TLS_TX_TAG_DIRTY,	/* records whose tag room was not zeroed */
	SIM_TLS_ADD_PAIRED,	/* add() calls that left together (add_rendezvous) */
	SIM_NUM_STATS,
};

struct sim_priv {
	struct net_device __rcu *peer;
	spinlock_t wire_lock;		/* held */
	struct sk_buff *held;		/* reordered: goes after the next */
	struct timer_list wire_timer;	/* or on its own, shortly */
	atomic_t wire_seen;		/* data packets, for wire_drop_every */
	spinlock_t rx_lock;		/* rx_conns and their stream state */
	struct list_head rx_conns;
	atomic64_t stats[SIM_NUM_STATS];
};

/* The device's per-connection engine state. */
struct sim_conn {
	struct crypto_aead *aead;
	bool tls13;
	u16 wire_version;	/* 0x0303, or TLCP's 0x0101 */
	u8 iv[SIM_SALT + 8];	/* salt || iv: the TLS 1.3 static iv */
	u64 first_seq;		/* rec_seq at add() */
	/* RX only: the flow, and where the device is in its stream. */
	struct crypto_skcipher *ctr;
	struct sm4ktls_offload_conn *conn;
	struct list_head list;
	__be32 raddr, laddr;
	__be16 rport, lport;
	enum { SIM_RX_LOST, SIM_RX_GUESS, SIM_RX_SYNCED } state;
	u32 next_seq;		/* next stream byte expected */
	u32 guess_seq;		/* a record start asked about */
	u32 guess_recs;		/* records followed since guess_seq */
	u64 rec_seq;		/* SYNCED: TLS sequence number of the record */
	u32 rec_have;		/* bytes of the current record so far */
	u32 rec_len;		/* its length once the header is in */
	unsigned int skbs;
	u8 *rec;		/* the current record as received */
};

/* One record in flight through the engine. */
struct sim_work {
	u8 nonce[12];
	u8 aad[13];
	u8 ctr_iv[16];
	struct scatterlist sg[2];
	u8 rec[SM4KTLS_OFFLOAD_MAX_RECORD + SIM_TAG];
	u8 ks[SM4KTLS_OFFLOAD_MAX_RECORD + 16];	/* CTR: pad, then bytes */
	union {
		struct aead_request req;	/* followed by its context */
		struct skcipher_request sreq;
	};
};

static inline void sim_count(struct net_device *dev, enum sim_stat s)
{
	struct sim_priv *priv = netdev_priv(dev);

	atomic64_inc(&priv->stats[s]);
}

static inline unsigned int sim_prepend(const struct sim_conn *sc)
{
	return sc->tls13 ? SIM_HDR : SIM_HDR + 8;
}

/* sim_engine.c */
int sim_conn_key(struct sim_conn *sc, const struct tls_crypto_info *info,
		 bool rx);
void sim_conn_free(struct sim_conn *sc);
struct sim_work *sim_work_alloc(const struct sim_conn *sc);
int sim_seal(struct sim_conn *sc, struct sim_work *w, u32 len, u64 rec_seq);
int sim_open(struct sim_conn *sc, struct sim_work *w, u32 len, u64 rec_seq);
int sim_ctr(struct sim_conn *sc, struct sim_work *w, u64 rec_seq, u32 off,
	    u8 *buf, u32 n);

/* sim_rx.c */
extern unsigned int rx_skip;
extern bool drop_resync;
struct sk_buff *sim_rx(struct net_device *dev, struct sk_buff *skb);
int sim_rx_add(struct net_device *dev, struct sm4ktls_offload_conn *conn,
	       const struct tls_crypto_info *info, u32 tcp_seq);
void sim_rx_del(struct net_device *dev, struct sm4ktls_offload_conn *conn);
void sim_rx_resync(struct net_device *dev, struct sm4ktls_offload_conn *conn,
		   u32 tcp_seq, u64 rec_seq);

#endif /* _SM4KTLS_SIM_H */
