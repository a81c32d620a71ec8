// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime: sockets pin the module, rmmod is clean once they are
 * gone, and the ULP name can be moved aside for the in-tree tls.ko.
 * Tests run in order and leave sm4ktls loaded as they found it.
 * Needs SM4KTLS_KO (path of sm4ktls.ko) and root.
 */
#include <sys/klog.h>

#include "kselftest_harness.h"
#include "helpers.h"

#define MOD "sm4ktls"

static int st_load(const char *params)
{
	const char *ko = getenv("SM4KTLS_KO");
	int fd, ret;

	fd = ko ? open(ko, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, params, 0);
	close(fd);
	return ret;
}

static int st_unload(const char *mod)
{
	return syscall(__NR_delete_module, mod, O_NONBLOCK);
}

/* Does the kernel log (since boot) contain needle? */
static int st_klog_has(const char *needle)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf = malloc(len + 1);
	int found;

	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	buf[len > 0 ? len : 0] = '\0';
	found = strstr(buf, needle) != NULL;
	free(buf);
	return found;
}

TEST(rmmod_refused_while_in_use)
{
	int cfd, sfd;

	ASSERT_EQ(st_module_refcnt(MOD), 0) TH_LOG("%s must be idle", MOD);
	ASSERT_EQ(st_tcp_pair(AF_INET, &cfd, &sfd), 0);
	ASSERT_EQ(st_attach(cfd, st_ulp_name()), 0);
	EXPECT_EQ(st_module_refcnt(MOD), 1);
	EXPECT_EQ(st_unload(MOD), -1);
	EXPECT_EQ(errno, EWOULDBLOCK);
	close(cfd);
	close(sfd);
	/* The reference goes when TCP destroys the socket, after the FIN exchange. */
	ASSERT_EQ(st_wait_refcnt(MOD, 0, 10), 0);
	ASSERT_EQ(st_unload(MOD), 0) TH_LOG("rmmod: %s", strerror(errno));
	EXPECT_EQ(st_module_refcnt(MOD), -1);
	ASSERT_EQ(st_load(""), 0) TH_LOG("reload: %s", strerror(errno));
}

TEST(rmmod_with_many_sockets_closed)
{
	int fds[64][2], i;

	for (i = 0; i < 64; i++) {
		ASSERT_EQ(st_tcp_pair(i & 1 ? AF_INET6 : AF_INET, &fds[i][0], &fds[i][1]), 0);
		ASSERT_EQ(st_attach(fds[i][0], st_ulp_name()), 0);
		ASSERT_EQ(st_attach(fds[i][1], st_ulp_name()), 0);
	}
	EXPECT_EQ(st_module_refcnt(MOD), 128);
	for (i = 0; i < 64; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	ASSERT_EQ(st_wait_refcnt(MOD, 0, 10), 0);
	ASSERT_EQ(st_unload(MOD), 0);
	ASSERT_EQ(st_load(""), 0);
}

/*
 * With sm4ktls unloaded, TCP_ULP "tls" autoloads the in-tree tls.ko; then
 * sm4ktls cannot take the name and says how to fix it, but loads beside it
 * under another name.
 */
TEST(beside_in_tree_tls)
{
	int cfd, sfd, c2, s2;

	ASSERT_EQ(st_unload(MOD), 0);
	ASSERT_EQ(st_tcp_pair(AF_INET, &cfd, &sfd), 0);
	if (!st_env_num("SM4KTLS_INTREE_TLS", 1)) {
		/* A kernel built without CONFIG_TLS (Debian's 5.10). */
		EXPECT_EQ(st_attach(cfd, "tls"), -1);
		EXPECT_EQ(errno, ENOENT);
		close(cfd);
		close(sfd);
		ASSERT_EQ(st_load(""), 0);
		return;
	}
	ASSERT_EQ(st_attach(cfd, "tls"), 0) TH_LOG("in-tree tls: %s", strerror(errno));
	ASSERT_GE(st_module_refcnt("tls"), 1);

	/* Not EEXIST: modprobe would take that for "already loaded". */
	EXPECT_EQ(st_load(""), -1);
	EXPECT_EQ(errno, EBUSY);
	EXPECT_TRUE(st_klog_has("is already registered (in-tree tls.ko loaded?)"));

	ASSERT_EQ(st_load("ulp_name=sm4ktls"), 0);
	ASSERT_EQ(st_tcp_pair(AF_INET6, &c2, &s2), 0);
	EXPECT_EQ(st_attach(c2, "sm4ktls"), 0);
	EXPECT_EQ(st_module_refcnt(MOD), 1);

	close(cfd);
	close(sfd);
	close(c2);
	close(s2);
	ASSERT_EQ(st_wait_refcnt(MOD, 0, 10), 0);
	ASSERT_EQ(st_wait_refcnt("tls", 0, 10), 0);
	EXPECT_EQ(st_unload("tls"), 0);
	ASSERT_EQ(st_unload(MOD), 0);
	ASSERT_EQ(st_load(""), 0);
}

TEST(bad_ulp_name_param)
{
	ASSERT_EQ(st_unload(MOD), 0);
	EXPECT_EQ(st_load("ulp_name=this-name-is-too-long"), -1);
	EXPECT_EQ(errno, EINVAL);
	ASSERT_EQ(st_load(""), 0);
}

TEST_HARNESS_MAIN
