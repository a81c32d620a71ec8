/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls device-offload provider interface.
 *
 * NIC drivers written for the in-tree tls.ko bind to its symbols and
 * struct layout, so sm4ktls has its own interface: a driver registers a
 * net_device with ops and capabilities; when a socket installs a key and
 * its egress (lowest) device has a provider that accepts the connection,
 * that direction of the socket runs in device mode. Anything the device
 * does not get to do is done in software, without the application seeing
 * a difference. See Documentation/offload.md.
 *
 * TX: records are framed in the kernel and handed to TCP as plaintext
 * (header, explicit nonce, text, TLS 1.3 type byte, and 16 zeroed
 * placeholder tag bytes). skbs carrying them are marked (skb->decrypted) and reach
 * the driver's xmit only through the registered device; the driver
 * finds the connection of such an skb with sm4ktls_offload_skb_conn()
 * and the records under its payload with sm4ktls_offload_tx_record(),
 * and must put ciphertext and tag on the wire.
 *
 * RX: the device decrypts record payloads in place as they arrive
 * (header, explicit nonce and tag bytes untouched) and sets
 * skb->decrypted on an skb only if it decrypted every record byte in it
 * and authenticated each record that ends in it. Records in skbs it
 * left alone are opened in software, records split between both kinds
 * are restored to ciphertext and opened in software. A device that lost
 * track of the stream finds what looks like a record header at TCP
 * sequence number S, follows records from there and calls
 * sm4ktls_offload_rx_resync_request(conn, S); when the stack reaches a
 * record starting at S it answers with ops->resync(S, its TLS sequence
 * number). A guess the stack never reaches gets no answer.
 */
#ifndef _SM4KTLS_OFFLOAD_H
#define _SM4KTLS_OFFLOAD_H

#include <linux/netdevice.h>
#include <linux/tls.h>
#include <linux/types.h>
#include <uapi/sm4ktls/tls.h>

enum sm4ktls_offload_dir {
	SM4KTLS_OFFLOAD_TX,
	SM4KTLS_OFFLOAD_RX,
};

/* Capability bits: which ciphers, versions and directions a device takes. */
#define SM4KTLS_OFFLOAD_AES_GCM_128	BIT(0)
#define SM4KTLS_OFFLOAD_AES_GCM_256	BIT(1)
#define SM4KTLS_OFFLOAD_SM4_GCM		BIT(2)
#define SM4KTLS_OFFLOAD_AES_CCM_128	BIT(3)
#define SM4KTLS_OFFLOAD_SM4_CCM		BIT(4)
#define SM4KTLS_OFFLOAD_CHACHA20	BIT(5)

#define SM4KTLS_OFFLOAD_TLS12		BIT(0)
#define SM4KTLS_OFFLOAD_TLS13		BIT(1)
#define SM4KTLS_OFFLOAD_TLCP		BIT(2)	/* GB/T 38636, record version 1.1 */

/*
 * The version in the record headers (and TLS 1.2's AAD) of a connection
 * whose crypto_info says @version: TLS 1.2 and 1.3 records both carry
 * 3.3, TLCP's carry 1.1.
 */
static inline u16 sm4ktls_record_version(u16 version)
{
	return version == SM4KTLS_TLCP_1_1_VERSION ? version : TLS_1_2_VERSION;
}

struct sm4ktls_offload_caps {
	u32 ciphers;		/* SM4KTLS_OFFLOAD_<cipher> bits */
	u8 versions;		/* SM4KTLS_OFFLOAD_{TLS12,TLS13,TLCP} */
	u8 dirs;		/* BIT(SM4KTLS_OFFLOAD_TX) | BIT(..._RX) */
};

/* One offloaded direction of one socket, as the driver sees it. */
struct sm4ktls_offload_conn;

struct sm4ktls_offload_ops {
	/*
	 * Take a connection: @info is the uapi crypto_info (key, salt, iv,
	 * rec_seq of the next record), @tcp_seq the TCP sequence number at
	 * which that record starts. Process context, may sleep. A non-zero
	 * return leaves the socket in software mode.
	 */
	int (*add)(struct net_device *dev, struct sm4ktls_offload_conn *conn,
		   enum sm4ktls_offload_dir dir,
		   const struct tls_crypto_info *info, u32 tcp_seq);
	/*
	 * Forget a connection. Called once per successful add, in process
	 * context, after the stack stopped handing the device packets of it.
	 */
	void (*del)(struct net_device *dev, struct sm4ktls_offload_conn *conn,
		    enum sm4ktls_offload_dir dir);
	/*
	 * RX, answering a resync request for @tcp_seq: the record starting
	 * there has TLS sequence number @rec_seq. Softirq or process
	 * context; must not sleep.
	 */
	void (*resync)(struct net_device *dev, struct sm4ktls_offload_conn *conn,
		       u32 tcp_seq, u64 rec_seq);
};

int sm4ktls_offload_register(struct net_device *dev,
			     const struct sm4ktls_offload_ops *ops,
			     const struct sm4ktls_offload_caps *caps);
/* Detaches every connection of @dev (they go on in software). Sleeps. */
void sm4ktls_offload_unregister(struct net_device *dev);

/* The driver's per-connection data, set in add(). */
void sm4ktls_offload_set_priv(struct sm4ktls_offload_conn *conn, void *priv);
void *sm4ktls_offload_priv(const struct sm4ktls_offload_conn *conn);
/* The socket of a connection, e.g. to match RX flows by address. */
struct sock *sm4ktls_offload_conn_sk(const struct sm4ktls_offload_conn *conn);
/* RX: "does a record start at @tcp_seq?" Replaces an earlier question. */
void sm4ktls_offload_rx_resync_request(struct sm4ktls_offload_conn *conn,
				       u32 tcp_seq);

/*
 * TX: the connection of a marked skb in ndo_start_xmit, or NULL if the
 * skb carries no plaintext records for @dev. Valid until xmit returns.
 */
struct sm4ktls_offload_conn *
sm4ktls_offload_skb_conn(const struct sk_buff *skb, struct net_device *dev);

/* Largest record image sm4ktls_offload_tx_record() copies out. */
#define SM4KTLS_OFFLOAD_MAX_RECORD	(5 + 8 + 16384 + 1 + 16)

struct sm4ktls_offload_txrec {
	u32 tcp_seq;		/* where the record starts in the stream */
	u32 len;		/* record bytes on the wire, header included */
	u64 rec_seq;		/* TLS record sequence number */
};

/*
 * TX: the record holding stream byte @tcp_seq: its position and, in @buf
 * (SM4KTLS_OFFLOAD_MAX_RECORD bytes), its plaintext image. -ENOENT if no
 * such record is kept (acknowledged already, or sent before the key).
 * Any context.
 */
int sm4ktls_offload_tx_record(struct sm4ktls_offload_conn *conn, u32 tcp_seq,
			      struct sm4ktls_offload_txrec *rec, u8 *buf);

#endif /* _SM4KTLS_OFFLOAD_H */
