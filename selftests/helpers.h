/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the sm4ktls selftests (one prefix: st_).
 */
#ifndef SM4KTLS_SELFTEST_HELPERS_H
#define SM4KTLS_SELFTEST_HELPERS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/tls.h>
#include <sys/uio.h>

#include "tlsrec.h"

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* The ULP name the module registered (module parameter ulp_name). */
static inline const char *st_ulp_name(void)
{
	const char *name = getenv("SM4KTLS_ULP");

	return name && *name ? name : "tls";
}

/* Module reference count, -1 if the module is not loaded. */
static inline int st_module_refcnt(const char *mod)
{
	char path[128];
	int val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

/* Socket options set before connect(); 0 leaves the default. */
struct st_pair_opt {
	int cli_mss;		/* TCP_MAXSEG of the client */
	int cli_rcvbuf;		/* SO_RCVBUF of the client */
	int srv_rcvbuf;		/* SO_RCVBUF of the server (its first window) */
};

static inline int st_setint(int fd, int level, int name, int val)
{
	return val ? setsockopt(fd, level, name, &val, sizeof(val)) : 0;
}

/* An established loopback TCP pair; returns 0 or -errno. @o may be NULL. */
static inline int st_tcp_pair_opt(int family, int *cfd, int *sfd,
				  const struct st_pair_opt *o)
{
	struct st_pair_opt none = {};
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len = family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					     sizeof(struct sockaddr_in);
	int lfd, err = 0;

	if (!o)
		o = &none;
	if (family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(family, SOCK_STREAM, 0);
	*cfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0 || *cfd < 0 ||
	    st_setint(lfd, SOL_SOCKET, SO_RCVBUF, o->srv_rcvbuf) ||
	    st_setint(*cfd, SOL_SOCKET, SO_RCVBUF, o->cli_rcvbuf) ||
	    st_setint(*cfd, SOL_TCP, TCP_MAXSEG, o->cli_mss) ||
	    bind(lfd, (struct sockaddr *)&ss, len) ||
	    listen(lfd, 8) ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len) ||
	    connect(*cfd, (struct sockaddr *)&ss, len))
		err = -errno;
	*sfd = err ? -1 : accept(lfd, NULL, NULL);
	if (!err && *sfd < 0)
		err = -errno;
	if (lfd >= 0)
		close(lfd);
	return err;
}

static inline int st_tcp_pair(int family, int *cfd, int *sfd)
{
	return st_tcp_pair_opt(family, cfd, sfd, NULL);
}

static inline int st_attach(int fd, const char *name)
{
	return setsockopt(fd, SOL_TCP, TCP_ULP, name, strlen(name));
}

/* Poll until the module's refcount drops to want; returns the last value. */
static inline int st_wait_refcnt(const char *mod, int want, int seconds)
{
	int i, val = -1;

	for (i = 0; i < seconds * 10; i++) {
		val = st_module_refcnt(mod);
		if (val == want)
			break;
		usleep(100000);
	}
	return val;
}

/* A one-slot BPF sockmap; returns its fd or -1 (errno set). */
static inline int st_sockmap_create(void)
{
	union bpf_attr attr = {
		.map_type = BPF_MAP_TYPE_SOCKMAP,
		.key_size = 4, .value_size = 4, .max_entries = 1,
	};

	return syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}

static inline int st_sockmap_add(int map, int fd)
{
	union bpf_attr attr = { .map_fd = map };
	int key = 0;

	attr.key = (unsigned long)&key;
	attr.value = (unsigned long)&fd;
	return syscall(__NR_bpf, BPF_MAP_UPDATE_ELEM, &attr, sizeof(attr));
}


/*
 * The data-path tests: attach the "tls" ULP and prove which module serves
 * it, install keys, send and receive with a record type in a control
 * message. SM4KTLS_DP_MOD names the module that must serve the sockets:
 * "tls" for the in-tree tls.ko, "sm4ktls" (the default) for this
 * project's ULP.
 */
static inline const char *st_served_module(void)
{
	const char *mod = getenv("SM4KTLS_DP_MOD");

	return mod && *mod ? mod : "sm4ktls";
}

/* The in-tree tls.ko serves the ULP (selftests/run-datapath.sh STOCK=1). */
static inline bool st_stock(void)
{
	return !strcmp(st_served_module(), "tls");
}

/*
 * Attach the ULP to fd and check the expected module took a reference
 * for it (so a silently missing or foreign ULP fails). 0 or -1.
 */
static inline int st_attach_served(int fd)
{
	int ref0 = st_module_refcnt(st_served_module());

	if (ref0 < 0) {
		fprintf(stderr, "# module %s is not loaded\n", st_served_module());
		return -1;
	}
	if (st_attach(fd, st_ulp_name())) {
		fprintf(stderr, "# TCP_ULP %s: %s\n", st_ulp_name(),
			strerror(errno));
		return -1;
	}
	if (st_module_refcnt(st_served_module()) != ref0 + 1) {
		fprintf(stderr, "# ULP %s is not served by %s\n",
			st_ulp_name(), st_served_module());
		return -1;
	}
	return 0;
}

/* setsockopt(SOL_TLS, TLS_TX or TLS_RX) with k; 0 or -errno. */
static inline int st_set_key(int fd, int dir, const struct tlsrec_key *k)
{
	unsigned char info[TLSREC_MAX_INFO];
	size_t len = tlsrec_crypto_info(k, info);

	return setsockopt(fd, SOL_TLS, dir, info, len) ? -errno : 0;
}

/* sendmsg() with a TLS_SET_RECORD_TYPE control message. */
static inline ssize_t st_send_type(int fd, u8 type, const void *buf,
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
static inline ssize_t st_recv_type(int fd, void *buf, size_t len, int flags,
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

/*
 * A counter of $SM4KTLS_TLS_STAT (default /proc/net/sm4ktls_stat; the
 * in-tree tls.ko's tls_stat has the same names), -1 if absent.
 */
static inline long st_stat(const char *name)
{
	const char *path = getenv("SM4KTLS_TLS_STAT");
	char key[64];
	long val, ret = -1;
	FILE *f;

	f = fopen(path && *path ? path : "/proc/net/sm4ktls_stat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &val) == 2)
		if (!strcmp(key, name))
			ret = val;
	fclose(f);
	return ret;
}

/* An unsigned number from the environment, or def. */
static inline unsigned long long st_env_num(const char *name,
					    unsigned long long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

#endif
