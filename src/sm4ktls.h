/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls: kernel TLS ULP for stock kernels - internal interfaces.
 */
#ifndef _SM4KTLS_H
#define _SM4KTLS_H

#include <linux/bvec.h>
#include <linux/mutex.h>
#include <linux/skbuff.h>
#include <linux/tls.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/strparser.h>
#include <sm4ktls/offload.h>
#include <uapi/sm4ktls/tls.h>

#include "compat_uapi.h"

#include "sm4ktls_probes.h"

#define SM4KTLS_HDR_LEN		5	/* type, version, length */
#define SM4KTLS_MAX_PLAIN	16384	/* 2^14, RFC 8446 5.1 */
#define SM4KTLS_MIN_RECORD_LIMIT 64	/* RFC 8449 4: record_size_limit */
#define SM4KTLS_MAX_EXPLICIT	8	/* TLS 1.2 GCM/CCM explicit nonce */
#define SM4KTLS_MAX_TAG		16
#define SM4KTLS_MAX_IV		16	/* salt + iv; CCM adds a B0 byte */
#define SM4KTLS_SEQ_LEN		8
#define SM4KTLS_AAD12_LEN	13	/* seq, type, version, length */
#define SM4KTLS_TYPE_HANDSHAKE	22
#define SM4KTLS_TYPE_DATA	23	/* application_data */
#define SM4KTLS_HS_KEY_UPDATE	24	/* handshake message type */

/* Largest record on the wire: header, nonce, text, TLS 1.3 type, tag. */
#define SM4KTLS_MAX_WIRE	(SM4KTLS_HDR_LEN + SM4KTLS_MAX_EXPLICIT + \
				 SM4KTLS_MAX_PLAIN + 1 + SM4KTLS_MAX_TAG)
#define SM4KTLS_REC_PAGES	DIV_ROUND_UP(SM4KTLS_MAX_WIRE, PAGE_SIZE)

/*
 * How one direction of a socket is served. BASE passes data through to
 * TCP untouched (ULP attached, no key installed yet); SW encrypts or
 * decrypts records in software; HW frames records for a device that
 * encrypts them (offload.c), with the software fallback behind it.
 */
enum sm4ktls_conf {
	SM4KTLS_BASE,
	SM4KTLS_SW,
	SM4KTLS_HW,
	SM4KTLS_NUM_CONF,
};

/* What differs between the ciphers of <linux/tls.h>. */
struct sm4ktls_cipher_desc {
	u16 type;
	u8 key_len;
	u8 salt_len;
	u8 iv_len;		/* the crypto_info iv field */
	u8 explicit_len;	/* TLS 1.2 nonce carried in each record */
	u8 ccm;			/* the AEAD wants a CCM B0 flags byte */
	u16 info_len;		/* sizeof the uapi crypto_info struct */
	u8 key_off;
	u8 iv_off;
	u8 salt_off;
	u8 seq_off;
	const char *alg;
};

/* The largest crypto_info struct of the uapi. */
union sm4ktls_crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 aes_gcm_128;
	struct tls12_crypto_info_aes_gcm_256 aes_gcm_256;
	struct tls12_crypto_info_aes_ccm_128 aes_ccm_128;
	struct tls12_crypto_info_chacha20_poly1305 chacha20_poly1305;
	struct tls12_crypto_info_sm4_gcm sm4_gcm;
	struct tls12_crypto_info_sm4_ccm sm4_ccm;
	struct tls12_crypto_info_aria_gcm_128 aria_gcm_128;
	struct tls12_crypto_info_aria_gcm_256 aria_gcm_256;
};

/* One direction's record protection: key, nonce state, framing sizes. */
struct sm4ktls_cipher {
	const struct sm4ktls_cipher_desc *desc;
	struct crypto_aead *aead;
	struct aead_request *req;
	union sm4ktls_crypto_info info;	/* as installed, for getsockopt */
	u16 version;
	u16 wire_version;	/* in record headers and the 1.2 AAD */
	u8 prepend;		/* header + explicit nonce */
	u8 tail;		/* TLS 1.3 inner content type */
	u8 tag;
	u8 aad_len;
	bool spent;		/* the sequence number wrapped: no more records */
	u8 iv[SM4KTLS_MAX_IV];	/* salt || iv; the 1.2 explicit part counts */
	u8 seq[SM4KTLS_SEQ_LEN];
	/* Heap, not stack: scatterlists may not point into a vmapped stack. */
	u8 aad[SM4KTLS_AAD12_LEN];
	u8 nonce[SM4KTLS_MAX_IV];
};

/*
 * Zero-copy: user pages pinned per record (src/zc.c), skb fragments. The
 * lists are sized for the common case (a 16 KiB record is 5 pages of a
 * flat buffer, a dozen MSS segments); a record needing more takes the
 * copying path. TX keeps them on the sender's stack (like splice's page
 * arrays), RX's reader allocates them per call (struct
 * sm4ktls_rx_scratch): an idle socket carries none.
 */
#define SM4KTLS_ZC_PAGES	8
#define SM4KTLS_ZC_SG_IN	24

/*
 * A TX record: plaintext collected in place, then sealed and pushed. Its
 * bytes are pieces carved from the socket's page frag (small records
 * share pages, as TCP's own data does) or whole pages, one page reference
 * each. One piece more than whole pages would need leaves room for a
 * carved start; tx.c carves only while whole pages could still back the
 * largest record.
 */
#define SM4KTLS_REC_SEGS	(SM4KTLS_REC_PAGES + 1)

struct sm4ktls_rec {
	struct bio_vec segs[SM4KTLS_REC_SEGS];
	u32 size;		/* bytes backed (and charged to the socket) */
	u32 len;		/* plaintext bytes */
	u32 wire;		/* record bytes once sealed */
	u32 sent;		/* wire bytes handed to TCP */
	u8 nsegs;
	u8 type;
};

/* Device mode (offload.c): opaque outside offload.c and fallback.c. */
struct sm4ktls_offload_conn;
struct sm4ktls_drec;

#define SM4KTLS_TX_PUSH_WANTED	0	/* tx->flags: the work found the mutex held */

struct sm4ktls_tx {
	struct sm4ktls_cipher c;
	struct mutex lock;		/* one sender at a time, across waits */
	struct work_struct work;	/* push when TCP has room again */
	unsigned long flags;
	int err;			/* sticky: a record failed to seal */
	struct sock *sk;
	struct sm4ktls_ctx *ctx;	/* outlives us */
	struct sm4ktls_rec open;	/* collecting plaintext */
	struct sm4ktls_rec pending;	/* sealed, not fully in TCP yet */
	struct sm4ktls_drec *drec;	/* device mode: the open record's */
	u8 zc_type;	/* sealing from the sender's pages: TLS 1.3's type */
};

/*
 * The lists a record is opened through: the ciphertext's skb fragments,
 * then AAD and plaintext (fresh pages, rx.c, or the reader's pinned
 * pages, rx_zc.c). A reader's call owns them: allocated at its first
 * record, freed when it returns, so an idle socket holds none of this.
 */
struct sm4ktls_rx_scratch {
	struct page *pages[SM4KTLS_ZC_PAGES];
	struct scatterlist in[SM4KTLS_ZC_SG_IN];
	struct scatterlist out[SM4KTLS_ZC_PAGES + 2];
	u8 tail[1 + SM4KTLS_MAX_TAG];	/* TLS 1.3 type byte, then tag */
};

struct sm4ktls_rx {
	struct sm4ktls_cipher c;
	struct sm4ktls_rx_scratch *scratch;	/* the present reader's */
	struct strparser strp;
	struct sk_buff_head raw;	/* parsed records, still encrypted */
	struct sk_buff_head plain;	/* decrypted, not yet fully read */
	int err;			/* sticky: a record failed to open */
	bool key_expired;		/* KeyUpdate read, new key not yet in */
	/* One reader at a time, across its waits (rx.c, reader_acquire). */
	bool reader_present;
	bool reader_contended;
	wait_queue_head_t readers;
	/* Device mode (rx_dev.c): the device, where the next record starts. */
	struct sm4ktls_offload_conn *offload;
	u32 tcp_next;
	u64 rcv_seq;			/* TLS sequence number of that record */
};

/* Our bytes of a record skb's cb: strparser keeps its state further on. */
struct sm4ktls_rx_cb {
	u8 type;
	u8 decrypted;	/* device mode: SM4KTLS_DECRYPTED_* */
};

static inline struct sm4ktls_rx_cb *sm4ktls_rx_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct sm4ktls_rx_cb) >
		     offsetof(struct sk_skb_cb, strp));
	return (struct sm4ktls_rx_cb *)skb->cb;
}

/* How much of a parsed record the device decrypted (rx_dev.c, in cb). */
enum {
	SM4KTLS_DECRYPTED_NONE,
	SM4KTLS_DECRYPTED_ALL,
	SM4KTLS_DECRYPTED_NOT_ALL,	/* scan bit: some bytes not decrypted */
	SM4KTLS_DECRYPTED_MIXED,
};

/* Per-socket state, hung off icsk_ulp_data; freed after an RCU grace period. */
struct sm4ktls_ctx {
	struct proto *sk_proto;	/* the proto we replaced (TCP's) */
	const struct proto_ops *sk_ops;	/* the socket ops we replaced */
	void (*sk_data_ready)(struct sock *sk);
	void (*sk_write_space)(struct sock *sk);
	struct sm4ktls_tx *tx;
	struct sm4ktls_rx *rx;
	/* Device-mode TX (offload.c): keeps ctx alive until the socket's
	 * destruct, for retransmissions through the fallback.
	 */
	struct sm4ktls_offload_conn *offload_tx;
	u16 version;		/* of the first key installed, for diag */
	u16 cipher;
	u8 tx_conf;
	u8 rx_conf;
	u16 tx_max_payload;	/* TLS_TX_MAX_PAYLOAD_LEN, plaintext a record */
	u8 zc_ro;		/* TLS_TX_ZEROCOPY_RO as set by the user */
	u8 rx_no_pad;		/* TLS_RX_EXPECT_NO_PAD as set by the user */
	struct rcu_head rcu;
};

static inline struct sm4ktls_ctx *sm4ktls_get_ctx(const struct sock *sk)
{
	/* Only valid while the ULP is attached and the socket is held. */
	return (__force struct sm4ktls_ctx *)
		rcu_access_pointer(inet_csk(sk)->icsk_ulp_data);
}

/* main.c */
void sm4ktls_ctx_free(struct sm4ktls_ctx *ctx);
void sm4ktls_err_abort(struct sock *sk, int err);

/* proto.c */
void sm4ktls_proto_attach(struct sock *sk, struct sm4ktls_ctx *ctx);
void sm4ktls_proto_update(struct sock *sk, struct sm4ktls_ctx *ctx);

/* sockopt.c */
int sm4ktls_setsockopt(struct sock *sk, int level, int optname,
		       sockptr_t optval, unsigned int optlen);
int sm4ktls_getsockopt(struct sock *sk, int level, int optname,
		       char __user *optval, int __user *optlen);

/* cipher.c */
const struct sm4ktls_cipher_desc *sm4ktls_cipher_find(u16 type);
int sm4ktls_cipher_init(struct sm4ktls_cipher *c,
			const union sm4ktls_crypto_info *ci);
int sm4ktls_cipher_init_sync(struct sm4ktls_cipher *c,
			     const union sm4ktls_crypto_info *ci);
void sm4ktls_cipher_free(struct sm4ktls_cipher *c);
void sm4ktls_cipher_export(const struct sm4ktls_cipher *c,
			   union sm4ktls_crypto_info *out);
void sm4ktls_cipher_nonce(struct sm4ktls_cipher *c, const u8 *explicit);
void sm4ktls_cipher_nonce_of(const struct sm4ktls_cipher *c, const u8 *seq,
			     const u8 *explicit, u8 *out);
void sm4ktls_cipher_aad(struct sm4ktls_cipher *c, u8 type, u16 plain_len);
void sm4ktls_cipher_aad_of(const struct sm4ktls_cipher *c, const u8 *seq,
			   u8 type, u16 plain_len, u8 *out);
void sm4ktls_cipher_advance(struct sm4ktls_cipher *c);
int sm4ktls_cipher_run(struct sm4ktls_cipher *c, struct scatterlist *src,
		       struct scatterlist *dst, unsigned int len, bool enc);

/* TLS sequence numbers travel big-endian (RFC 5246 6.2.3.3). */
static inline u64 sm4ktls_seq_get(const u8 *p)
{
	u64 v = 0;
	int i;

	for (i = 0; i < SM4KTLS_SEQ_LEN; i++)
		v = v << 8 | p[i];
	return v;
}

/* tx.c */
int sm4ktls_tx_init(struct sock *sk, struct sm4ktls_ctx *ctx,
		    const union sm4ktls_crypto_info *ci);
int sm4ktls_tx_rekey(struct sock *sk, struct sm4ktls_ctx *ctx,
		     const union sm4ktls_crypto_info *ci);
void sm4ktls_tx_close(struct sock *sk, struct sm4ktls_ctx *ctx, long timeout);
void sm4ktls_tx_free(struct sock *sk, struct sm4ktls_ctx *ctx);
void sm4ktls_tx_unlock(struct sm4ktls_tx *tx);
int sm4ktls_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
int sm4ktls_sendpage(struct sock *sk, struct page *page, int offset,
		     size_t size, int flags);
void sm4ktls_splice_eof(struct socket *sock);
int sm4ktls_sock_shutdown(struct socket *sock, int how);
void sm4ktls_write_space(struct sock *sk);

/* rx.c */
int sm4ktls_rx_init(struct sock *sk, struct sm4ktls_ctx *ctx,
		    const union sm4ktls_crypto_info *ci);
int sm4ktls_rx_rekey(struct sock *sk, struct sm4ktls_ctx *ctx,
		     const union sm4ktls_crypto_info *ci);
void sm4ktls_rx_start(struct sock *sk, struct sm4ktls_ctx *ctx);
void sm4ktls_rx_stop(struct sock *sk, struct sm4ktls_ctx *ctx);
void sm4ktls_rx_free(struct sock *sk, struct sm4ktls_ctx *ctx);
int sm4ktls_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		    int flags);
bool sm4ktls_sock_is_readable(struct sock *sk);
int sm4ktls_read_sock(struct sock *sk, read_descriptor_t *desc,
		      sk_read_actor_t actor);
__poll_t sm4ktls_poll(struct file *file, struct socket *sock,
		      struct poll_table_struct *wait);
ssize_t sm4ktls_splice_read(struct socket *sock, loff_t *ppos,
			    struct pipe_inode_info *pipe, size_t len,
			    unsigned int flags);
struct sk_buff *sm4ktls_rx_plain_skb(struct sock *sk, u32 len);
struct sm4ktls_rx_scratch *sm4ktls_rx_scratch_get(struct sock *sk,
						  struct sm4ktls_rx *rx);

#ifdef SM4KTLS_HAVE_TLS_DEVICE_HOOKS
/* offload.c */
int sm4ktls_offload_init(void);
void sm4ktls_offload_exit(void);
struct sm4ktls_offload_conn *
sm4ktls_offload_tx_start(struct sock *sk, struct sm4ktls_ctx *ctx,
			 const union sm4ktls_crypto_info *ci);
struct sm4ktls_drec *sm4ktls_drec_alloc(struct sock *sk);
void sm4ktls_offload_add_rec(struct sock *sk, struct sm4ktls_offload_conn *conn,
			     struct sm4ktls_drec *r,
			     const struct sm4ktls_rec *rec, u64 seq);
struct sm4ktls_offload_conn *
sm4ktls_offload_rx_start(struct sock *sk, const union sm4ktls_crypto_info *ci);
void sm4ktls_offload_rx_stop(struct sm4ktls_offload_conn *conn);
bool sm4ktls_offload_rx_resync(struct sm4ktls_offload_conn *conn, u32 tcp_seq,
			       u64 rec_seq);

/* rx_dev.c */
struct sk_buff *sm4ktls_rx_dev_plain(struct sock *sk, struct sk_buff *skb,
				     u32 off, u32 len);
int sm4ktls_rx_dev_restore(struct sock *sk, struct sm4ktls_rx *rx,
			   struct sk_buff **pskb);
void sm4ktls_rx_dev_rcv(struct sock *sk, struct sm4ktls_rx *rx,
			struct sk_buff *skb);
bool sm4ktls_rx_dev_start(struct sock *sk, struct sm4ktls_rx *rx,
			  const union sm4ktls_crypto_info *ci);
#else
/*
 * A kernel without the TLS_DEVICE hooks: software only. No connection is
 * ever in device mode, so the device paths below are never reached.
 */
static inline int sm4ktls_offload_init(void)
{
	pr_info("device offload not built: the kernel lacks CONFIG_TLS_DEVICE\n");
	return 0;
}

static inline void sm4ktls_offload_exit(void)
{
}

static inline struct sm4ktls_offload_conn *
sm4ktls_offload_tx_start(struct sock *sk, struct sm4ktls_ctx *ctx,
			 const union sm4ktls_crypto_info *ci)
{
	return NULL;
}

static inline struct sm4ktls_drec *sm4ktls_drec_alloc(struct sock *sk)
{
	return NULL;
}

static inline void
sm4ktls_offload_add_rec(struct sock *sk, struct sm4ktls_offload_conn *conn,
			struct sm4ktls_drec *r, const struct sm4ktls_rec *rec,
			u64 seq)
{
}

static inline void sm4ktls_offload_rx_stop(struct sm4ktls_offload_conn *conn)
{
}

static inline struct sk_buff *
sm4ktls_rx_dev_plain(struct sock *sk, struct sk_buff *skb, u32 off, u32 len)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline int sm4ktls_rx_dev_restore(struct sock *sk, struct sm4ktls_rx *rx,
					 struct sk_buff **pskb)
{
	return -EOPNOTSUPP;
}

static inline void sm4ktls_rx_dev_rcv(struct sock *sk, struct sm4ktls_rx *rx,
				      struct sk_buff *skb)
{
}

static inline bool sm4ktls_rx_dev_start(struct sock *sk, struct sm4ktls_rx *rx,
					const union sm4ktls_crypto_info *ci)
{
	return false;
}
#endif

/* zc.c */
void sm4ktls_unpin(struct page **pages, int npages);
int sm4ktls_pin(struct iov_iter *iter, size_t len, struct page **pages,
		int max, struct scatterlist *sg, int *npages);
int sm4ktls_skb_nsg(struct sk_buff *skb, int off, int len, int depth);
int sm4ktls_skb_sg(struct sm4ktls_cipher *c, struct scatterlist *sg, int max,
		   struct sk_buff *skb, u32 off, u32 len);

/* rx_zc.c */
int sm4ktls_rx_zc(struct sock *sk, struct sm4ktls_rx *rx, struct sk_buff *skb,
		  struct iov_iter *iter, size_t room);

/* stats.c */
enum sm4ktls_stat {
	SM4KTLS_STAT_CURR_TX_SW,
	SM4KTLS_STAT_CURR_RX_SW,
	SM4KTLS_STAT_CURR_TX_DEVICE,
	SM4KTLS_STAT_CURR_RX_DEVICE,
	SM4KTLS_STAT_TX_SW,
	SM4KTLS_STAT_RX_SW,
	SM4KTLS_STAT_TX_DEVICE,
	SM4KTLS_STAT_RX_DEVICE,
	SM4KTLS_STAT_DECRYPT_ERROR,
	SM4KTLS_STAT_RX_DEVICE_RESYNC,
	SM4KTLS_STAT_DECRYPT_RETRY,
	SM4KTLS_STAT_RX_NO_PAD_VIOLATION,
	SM4KTLS_STAT_TX_REKEY_OK,
	SM4KTLS_STAT_RX_REKEY_OK,
	SM4KTLS_STAT_TX_REKEY_ERROR,
	SM4KTLS_STAT_RX_REKEY_ERROR,
	SM4KTLS_STAT_RX_REKEY_RECEIVED,
	SM4KTLS_STAT_TX_DEVICE_RECORDS,
	SM4KTLS_STAT_TX_FALLBACK,
	SM4KTLS_STAT_TX_FALLBACK_ERROR,
	SM4KTLS_STAT_RX_DEVICE_RECORDS,
	SM4KTLS_STAT_RX_DEVICE_REENCRYPT,
	SM4KTLS_STAT_RX_DEVICE_SW,
	SM4KTLS_NUM_STATS,
};

void sm4ktls_stat_add(struct sock *sk, enum sm4ktls_stat stat, long delta);
void sm4ktls_stat_start(struct sock *sk, bool tx, u8 conf);
void sm4ktls_stat_stop(struct sock *sk, bool tx, u8 conf);
int sm4ktls_stats_init(void);
void sm4ktls_stats_exit(void);

static inline void sm4ktls_stat_inc(struct sock *sk, enum sm4ktls_stat stat)
{
	sm4ktls_stat_add(sk, stat, 1);
}

/* diag.c */
size_t sm4ktls_get_info_size(const struct sock *sk);
int sm4ktls_get_info(struct sock *sk, struct sk_buff *skb);

#include "compat.h"

#endif /* _SM4KTLS_H */
