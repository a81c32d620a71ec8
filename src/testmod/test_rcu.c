// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls_test: an RCU read-side section held open on demand.
 *
 * Nothing of a socket's close or key install may wait for an RCU grace
 * period under a lock other sockets need. Writing "1" to
 * /proc/sm4ktls_test_rcu_hold starts a thread that stays inside
 * rcu_read_lock() (no grace period can end) until "0" is written, or for
 * TEST_RCU_MAX at most; reading the file says "held", "expired" (the
 * limit ended it) or "idle".
 */
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/uaccess.h>

#include "test.h"

/* Under the RCU stall (21 s) and soft lockup (20 s) reports. */
#define TEST_RCU_MAX	(8 * HZ)

enum { TEST_RCU_IDLE, TEST_RCU_HELD, TEST_RCU_EXPIRED };

static DEFINE_MUTEX(test_rcu_lock);	/* starts and stops */
static struct task_struct *test_rcu_task;
static atomic_t test_rcu_state = ATOMIC_INIT(TEST_RCU_IDLE);

static int test_rcu_holder(void *arg)
{
	unsigned long end = jiffies + TEST_RCU_MAX;
	bool expired;

	rcu_read_lock();
	atomic_set(&test_rcu_state, TEST_RCU_HELD);
	while (!kthread_should_stop() && time_before(jiffies, end))
		cpu_relax();
	expired = !kthread_should_stop();
	rcu_read_unlock();
	atomic_set(&test_rcu_state, expired ? TEST_RCU_EXPIRED : TEST_RCU_IDLE);
	/* kthread_stop() expects us alive until it is called. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int test_rcu_start(void)
{
	struct task_struct *t;

	if (test_rcu_task)
		return -EBUSY;
	atomic_set(&test_rcu_state, TEST_RCU_IDLE);
	t = kthread_run(test_rcu_holder, NULL, "sm4ktls_rcu_hold");
	if (IS_ERR(t))
		return PTR_ERR(t);
	test_rcu_task = t;
	/* Return once the section is open. */
	while (atomic_read(&test_rcu_state) == TEST_RCU_IDLE)
		schedule_timeout_uninterruptible(1);
	return 0;
}

static void test_rcu_stop(void)
{
	if (!test_rcu_task)
		return;
	kthread_stop(test_rcu_task);
	test_rcu_task = NULL;
}

static ssize_t test_rcu_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char c;
	int err = 0;

	if (!count || get_user(c, ubuf))
		return -EINVAL;
	mutex_lock(&test_rcu_lock);
	if (c == '1')
		err = test_rcu_start();
	else if (c == '0')
		test_rcu_stop();
	else
		err = -EINVAL;
	mutex_unlock(&test_rcu_lock);
	return err ? err : count;
}

static ssize_t test_rcu_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	static const char *const names[] = {
		[TEST_RCU_IDLE] = "idle\n",
		[TEST_RCU_HELD] = "held\n",
		[TEST_RCU_EXPIRED] = "expired\n",
	};
	const char *s = names[atomic_read(&test_rcu_state)];

	return simple_read_from_buffer(ubuf, count, ppos, s, strlen(s));
}

static const struct proc_ops test_rcu_ops = {
	.proc_write	= test_rcu_write,
	.proc_read	= test_rcu_read,
	.proc_lseek	= default_llseek,
};

int test_rcu_init(void)
{
	if (!proc_create("sm4ktls_test_rcu_hold", 0600, NULL, &test_rcu_ops))
		return -ENOMEM;
	return 0;
}

void test_rcu_exit(void)
{
	remove_proc_entry("sm4ktls_test_rcu_hold", NULL);
	mutex_lock(&test_rcu_lock);
	test_rcu_stop();
	mutex_unlock(&test_rcu_lock);
}
