/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sm4ktls additions to <linux/tls.h>, for applications.
 *
 * TLCP (GB/T 38636-2020), record version 1.1. Install keys as for TLS
 * 1.2 (struct tls12_crypto_info_sm4_gcm, TLS_CIPHER_SM4_GCM) with
 * crypto_info.version = SM4KTLS_TLCP_1_1_VERSION. Records are TLS 1.2's
 * AEAD records (8-byte explicit nonce, AAD seq || type || 01 01 ||
 * length) with 01 01 in the header. Only SM4-GCM: TLCP defines no other
 * AEAD suite. There is no KeyUpdate, as in TLS 1.2.
 *
 * The in-tree tls.ko does not know this version: its setsockopt(TLS_TX /
 * TLS_RX) fails with EINVAL. See Documentation/architecture.md, "Keys".
 */
#ifndef _UAPI_SM4KTLS_TLS_H
#define _UAPI_SM4KTLS_TLS_H

#include <linux/tls.h>

#define SM4KTLS_TLCP_1_1_VERSION_MAJOR	0x1
#define SM4KTLS_TLCP_1_1_VERSION_MINOR	0x1
#define SM4KTLS_TLCP_1_1_VERSION	TLS_VERSION_NUMBER(SM4KTLS_TLCP_1_1)

/*
 * Linux 6.19's RFC 8449 record size limit, which sm4ktls serves on every
 * kernel: SOL_TLS option (a __u16, the most plaintext a record we send
 * carries, 64..16384; TLS 1.3 from 63) and its sock_diag attribute. For
 * applications built against older headers.
 */
#ifndef TLS_TX_MAX_PAYLOAD_LEN
#define TLS_TX_MAX_PAYLOAD_LEN		5
#define TLS_INFO_TX_MAX_PAYLOAD_LEN	7
#endif

#endif /* _UAPI_SM4KTLS_TLS_H */
