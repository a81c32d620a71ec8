// SPDX-License-Identifier: GPL-2.0
/*
 * The sm4ktls ULP attaches, reports its name, passes plain TCP through
 * while no key is installed, and refuses what upstream kTLS refuses.
 * Every test checks that the ULP really is sm4ktls (the module refcount
 * moves): an ENOENT from TCP_ULP is a failure, never "test without tls".
 */
#include <linux/tls.h>

#include "kselftest_harness.h"
#include "helpers.h"

#define MOD "sm4ktls"

FIXTURE(ulp)
{
	int cfd, sfd;
	int ref0;
};

FIXTURE_VARIANT(ulp)
{
	int family;
};

FIXTURE_VARIANT_ADD(ulp, ipv4)
{
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(ulp, ipv6)
{
	.family = AF_INET6,
};

FIXTURE_SETUP(ulp)
{
	self->ref0 = st_module_refcnt(MOD);
	ASSERT_GE(self->ref0, 0) TH_LOG("module %s is not loaded", MOD);
	ASSERT_EQ(st_tcp_pair(variant->family, &self->cfd, &self->sfd), 0);
	ASSERT_EQ(st_attach(self->cfd, st_ulp_name()), 0)
		TH_LOG("TCP_ULP \"%s\": %s", st_ulp_name(), strerror(errno));
	ASSERT_EQ(st_attach(self->sfd, st_ulp_name()), 0);
	ASSERT_EQ(st_module_refcnt(MOD), self->ref0 + 2)
		TH_LOG("the ULP is not served by %s", MOD);
}

FIXTURE_TEARDOWN(ulp)
{
	close(self->cfd);
	close(self->sfd);
}

TEST_F(ulp, name)
{
	char buf[32] = {};
	socklen_t len = sizeof(buf);

	ASSERT_EQ(getsockopt(self->cfd, SOL_TCP, TCP_ULP, buf, &len), 0);
	EXPECT_STREQ(buf, st_ulp_name());
}

TEST_F(ulp, attach_twice)
{
	EXPECT_EQ(st_attach(self->cfd, st_ulp_name()), -1);
	EXPECT_EQ(errno, EEXIST);
	EXPECT_EQ(st_module_refcnt(MOD), self->ref0 + 2);
}

TEST_F(ulp, base_mode_passthrough)
{
	char msg[] = "plain bytes before any key", buf[64];
	size_t n = sizeof(msg);

	EXPECT_EQ(send(self->cfd, msg, n, 0), n);
	EXPECT_EQ(recv(self->sfd, buf, sizeof(buf), MSG_WAITALL | MSG_DONTWAIT), n);
	EXPECT_EQ(memcmp(msg, buf, n), 0);
	EXPECT_EQ(send(self->sfd, msg, n, 0), n);
	EXPECT_EQ(recv(self->cfd, buf, n, MSG_WAITALL), n);
	EXPECT_EQ(memcmp(msg, buf, n), 0);
}

TEST_F(ulp, tcp_options_passthrough)
{
	int one = 1, val = 0;
	socklen_t len = sizeof(val);

	ASSERT_EQ(setsockopt(self->cfd, SOL_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	ASSERT_EQ(getsockopt(self->cfd, SOL_TCP, TCP_NODELAY, &val, &len), 0);
	EXPECT_EQ(val, 1);
}

TEST_F(ulp, tls_getsockopt_without_key)
{
	struct tls12_crypto_info_aes_gcm_128 info;
	socklen_t len = sizeof(info);

	EXPECT_EQ(getsockopt(self->cfd, SOL_TLS, TLS_TX, &info, &len), -1);
	EXPECT_EQ(errno, EBUSY);
	EXPECT_EQ(getsockopt(self->cfd, SOL_TLS, TLS_RX, &info, &len), -1);
	EXPECT_EQ(errno, EBUSY);
	len = 2;
	EXPECT_EQ(getsockopt(self->cfd, SOL_TLS, TLS_TX, &info, &len), -1);
	EXPECT_EQ(errno, EINVAL);
	len = sizeof(info);
	EXPECT_EQ(getsockopt(self->cfd, SOL_TLS, 12345, &info, &len), -1);
	EXPECT_EQ(errno, ENOPROTOOPT);
}

TEST_F(ulp, disconnect_refused)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	EXPECT_EQ(connect(self->cfd, &unspec, sizeof(unspec)), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
}

TEST_F(ulp, close_with_ulp)
{
	char buf[8];

	ASSERT_EQ(send(self->cfd, "bye", 3, 0), 3);
	ASSERT_EQ(close(self->cfd), 0);
	self->cfd = -1;
	EXPECT_EQ(recv(self->sfd, buf, sizeof(buf), MSG_WAITALL), 3);
	EXPECT_EQ(recv(self->sfd, buf, sizeof(buf), 0), 0);
}

TEST_F(ulp, sockmap_after_ulp_refused)
{
	int map = st_sockmap_create();

	ASSERT_GE(map, 0) TH_LOG("sockmap: %s", strerror(errno));
	/* sk_psock_init() refuses every ULP socket. */
	EXPECT_EQ(st_sockmap_add(map, self->cfd), -1);
	EXPECT_EQ(errno, EINVAL);
	close(map);
}

FIXTURE(refuse)
{
	int cfd, sfd;
};

FIXTURE_VARIANT(refuse)
{
	int family;
};

FIXTURE_VARIANT_ADD(refuse, ipv4)
{
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(refuse, ipv6)
{
	.family = AF_INET6,
};

FIXTURE_SETUP(refuse)
{
	ASSERT_GE(st_module_refcnt(MOD), 0);
	ASSERT_EQ(st_tcp_pair(variant->family, &self->cfd, &self->sfd), 0);
}

FIXTURE_TEARDOWN(refuse)
{
	close(self->cfd);
	close(self->sfd);
}

TEST_F(refuse, not_connected)
{
	int fd = socket(variant->family, SOCK_STREAM, 0);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(st_attach(fd, st_ulp_name()), -1);
	EXPECT_EQ(errno, ENOTCONN);
	close(fd);
}

TEST_F(refuse, listening)
{
	int fd = socket(variant->family, SOCK_STREAM, 0);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(listen(fd, 1), 0);
	/* tcp_set_ulp() refuses a listener for a ULP without clone(). */
	EXPECT_EQ(st_attach(fd, st_ulp_name()), -1);
	EXPECT_EQ(errno, ENOTCONN);
	close(fd);
}

TEST_F(refuse, in_sockmap)
{
	int map = st_sockmap_create(), ref0 = st_module_refcnt(MOD);

	ASSERT_GE(map, 0) TH_LOG("sockmap: %s", strerror(errno));
	ASSERT_EQ(st_sockmap_add(map, self->cfd), 0);
	EXPECT_EQ(st_attach(self->cfd, st_ulp_name()), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
	EXPECT_EQ(st_module_refcnt(MOD), ref0);
	close(map);
}

TEST_F(refuse, unknown_ulp)
{
	EXPECT_EQ(st_attach(self->cfd, "no-such-ulp"), -1);
	EXPECT_EQ(errno, ENOENT);
}

TEST_HARNESS_MAIN
