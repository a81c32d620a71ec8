/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls: device mode's own state, shared by offload.c (connections,
 * records kept until ACKed, providers) and fallback.c (software
 * encryption of what the device did not take). Nothing else includes it.
 */
#ifndef _SM4KTLS_OFFLOAD_PRIV_H
#define _SM4KTLS_OFFLOAD_PRIV_H

#include "sm4ktls.h"

/* A device-mode TX record, kept for the fallback until TCP has it ACKed. */
struct sm4ktls_drec {
	struct list_head list;
	refcount_t ref;
	u32 end_seq;		/* TCP sequence number after the record */
	u32 wire;		/* record bytes */
	u64 seq;		/* TLS record sequence number */
	struct bio_vec segs[SM4KTLS_REC_SEGS];	/* the record's pieces */
};

#define SM4KTLS_CONN_RESYNC	0	/* flags: RX device asked for a resync */

/* One direction of a socket in device mode (offload.c). */
struct sm4ktls_offload_conn {
	struct list_head list;		/* attached connections */
	enum sm4ktls_offload_dir dir;
	unsigned long flags;
	u32 resync_seq;			/* RX: where the device asks */
	struct net_device __rcu *netdev;	/* NULL: fallback only */
	const struct sm4ktls_offload_ops *ops;
	void *priv;			/* the driver's */
	struct sock *sk;
	struct sm4ktls_ctx *ctx;
	/* TX only: records until ACKed, and the fallback's own AEAD. */
	spinlock_t lock;		/* recs */
	struct list_head recs;		/* oldest first */
	struct sm4ktls_cipher fb;
	void (*sk_destruct)(struct sock *sk);
	struct work_struct free_work;
	/* The socket's, and while bound to a device, the binding's. */
	refcount_t ref;
	struct net_device *gone_dev;	/* unbound, del() not yet called */
	struct rcu_work rwork;		/* del() a grace period after unbinding */
};

/* offload.c */
struct sm4ktls_drec *sm4ktls_drec_get(struct sm4ktls_offload_conn *conn,
				      u32 seq);
void sm4ktls_drec_put(struct sm4ktls_drec *r);
void sm4ktls_drec_copy(const struct sm4ktls_drec *r, u8 *buf);

/* fallback.c */
int sm4ktls_fallback_init(void);
void sm4ktls_fallback_exit(void);
struct sk_buff *sm4ktls_fallback_xmit(struct sock *sk,
				      struct sm4ktls_offload_conn *conn,
				      struct sk_buff *skb);

/* The other way of sm4ktls_seq_get(). */
static inline void sm4ktls_seq_put(u8 *p, u64 v)
{
	int i;

	for (i = SM4KTLS_SEQ_LEN - 1; i >= 0; i--, v >>= 8)
		p[i] = v;
}

#endif /* _SM4KTLS_OFFLOAD_PRIV_H */
