// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls_test: the selftests' helper module; here, an in-kernel socket
 * reader (test_rcu.c holds RCU read-side sections open, test_scan.c looks
 * for keys in RAM, test_aead.c times the AEAD alone for the benchmark).
 *
 * nvme-tcp and other kernel users read a socket through
 * sock->ops->read_sock() with the socket locked. Writing "FD LEN" to
 * /proc/sm4ktls_test_read_sock reads up to LEN bytes of the writer's
 * socket FD that way; the write fails with the errno read_sock() gave,
 * and reading the file returns the bytes it got.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/proc_fs.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <net/sock.h>

#include "test.h"

#define TEST_MAX	SZ_1M

static DEFINE_MUTEX(test_lock);	/* the last result */
static u8 *test_buf;
static size_t test_len;

static int test_actor(read_descriptor_t *desc, struct sk_buff *skb,
		      unsigned int off, size_t len)
{
	size_t n = min_t(size_t, len, desc->count);

	if (skb_copy_bits(skb, off, test_buf + test_len, n))
		return -EFAULT;
	test_len += n;
	desc->count -= n;
	return n;
}

static int test_read_sock(int fd, size_t max)
{
	read_descriptor_t desc = { .count = max };
	struct socket *sock;
	int err;

	sock = sockfd_lookup(fd, &err);
	if (!sock)
		return err;
	err = -EOPNOTSUPP;
	if (sock->ops->read_sock) {
		lock_sock(sock->sk);
		err = sock->ops->read_sock(sock->sk, &desc, test_actor);
		release_sock(sock->sk);
	}
	sockfd_put(sock);
	return err < 0 ? err : 0;
}

static ssize_t test_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	char cmd[32] = {};
	unsigned int len;
	int fd, err;

	if (count >= sizeof(cmd) || copy_from_user(cmd, ubuf, count))
		return -EINVAL;
	if (sscanf(cmd, "%d %u", &fd, &len) != 2 || len > TEST_MAX)
		return -EINVAL;
	mutex_lock(&test_lock);
	test_len = 0;
	err = test_read_sock(fd, len);
	mutex_unlock(&test_lock);
	return err ? err : count;
}

static ssize_t test_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&test_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, test_buf, test_len);
	mutex_unlock(&test_lock);
	return ret;
}

static const struct proc_ops test_ops = {
	.proc_write	= test_write,
	.proc_read	= test_read,
	.proc_lseek	= default_llseek,
};

static int __init test_init(void)
{
	int err = -ENOMEM;

	test_buf = vmalloc(TEST_MAX);
	if (!test_buf)
		return -ENOMEM;
	if (!proc_create("sm4ktls_test_read_sock", 0600, NULL, &test_ops))
		goto err_buf;
	err = test_rcu_init();
	if (err)
		goto err_proc;
	err = test_scan_init();
	if (err)
		goto err_rcu;
	err = test_aead_init();
	if (err)
		goto err_scan;
	return 0;

err_scan:
	test_scan_exit();
err_rcu:
	test_rcu_exit();
err_proc:
	remove_proc_entry("sm4ktls_test_read_sock", NULL);
err_buf:
	vfree(test_buf);
	return err;
}

static void __exit test_exit(void)
{
	test_aead_exit();
	test_scan_exit();
	test_rcu_exit();
	remove_proc_entry("sm4ktls_test_read_sock", NULL);
	vfree(test_buf);
}

module_init(test_init);
module_exit(test_exit);
MODULE_DESCRIPTION("sm4ktls selftests: in-kernel socket reads, RCU held open, key scans, AEAD timing");
MODULE_LICENSE("GPL");
