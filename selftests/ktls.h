/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the data-path selftests: attach the "tls" ULP and prove
 * which module serves it, install keys, send and receive with a record
 * type in a control message.
 *
 * SM4KTLS_DP_MOD names the module that must serve the sockets: "tls" for
 * the in-tree tls.ko, "sm4ktls" (the default) for this project's ULP.
 */
#ifndef SM4KTLS_SELFTEST_KTLS_H
#define SM4KTLS_SELFTEST_KTLS_H

#include <linux/tls.h>
#include <sys/uio.h>

#include "helpers.h"
#include "tlsrec.h"

static inline const char *dp_module(void)
{
	const char *mod = getenv("SM4KTLS_DP_MOD");

	return mod && *mod ? mod : "sm4ktls";
}

/*
 * Attach the ULP to fd and check the expected module took a reference
 * for it (so a silently missing or foreign ULP fails). 0 or -1.
 */
static inline int dp_attach(int fd)
{
	int ref0 = st_module_refcnt(dp_module());

	if (ref0 < 0) {
		fprintf(stderr, "# module %s is not loaded\n", dp_module());
		return -1;
	}
	if (st_attach(fd, st_ulp_name())) {
		fprintf(stderr, "# TCP_ULP %s: %s\n", st_ulp_name(),
			strerror(errno));
		return -1;
	}
	if (st_module_refcnt(dp_module()) != ref0 + 1) {
		fprintf(stderr, "# ULP %s is not served by %s\n",
			st_ulp_name(), dp_module());
		return -1;
	}
	return 0;
}

/* setsockopt(SOL_TLS, TLS_TX or TLS_RX) with k; 0 or -errno. */
static inline int dp_set_key(int fd, int dir, const struct tlsrec_key *k)
{
	unsigned char info[TLSREC_MAX_INFO];
	size_t len = tlsrec_crypto_info(k, info);

	return setsockopt(fd, SOL_TLS, dir, info, len) ? -errno : 0;
}

/* sendmsg() with a TLS_SET_RECORD_TYPE control message. */
static inline ssize_t dp_send_type(int fd, u8 type, const void *buf,
				   size_t len, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(type))] = {};
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_TLS;
	cmsg->cmsg_type = TLS_SET_RECORD_TYPE;
	cmsg->cmsg_len = CMSG_LEN(sizeof(type));
	memcpy(CMSG_DATA(cmsg), &type, sizeof(type));
	return sendmsg(fd, &msg, flags);
}

/*
 * recvmsg() with room for a TLS_GET_RECORD_TYPE control message; *type
 * is the type reported, or -1 when the kernel reported none.
 */
static inline ssize_t dp_recv_type(int fd, void *buf, size_t len, int flags,
				   int *type)
{
	char cbuf[CMSG_SPACE(sizeof(u8))] = {};
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	*type = -1;
	n = recvmsg(fd, &msg, flags);
	if (n < 0)
		return n;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_level == SOL_TLS &&
		    cmsg->cmsg_type == TLS_GET_RECORD_TYPE)
			*type = *(u8 *)CMSG_DATA(cmsg);
	return n;
}

/* An unsigned number from the environment, or def. */
static inline unsigned long long dp_env_num(const char *name,
					    unsigned long long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

#endif
