// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls_test: is a key anywhere in RAM?
 *
 * Key material must not outlive its socket or a failed install, in freed
 * memory or on a stack. Writing a key in hex to
 * /proc/sm4ktls_test_memscan counts the places in RAM that hold it (every
 * page through the direct map, read without faulting); reading the file
 * gives that count. The key is kept inverted here, so the scan does not
 * find its own copy.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

#include "compat_hex.h"
#include "test.h"

#define TEST_SCAN_MAX	32	/* bytes of key */

static DEFINE_MUTEX(test_scan_lock);
static unsigned long test_scan_found;
/*
 * Where each page is copied to, taken at load: one allocated per scan
 * could be the very object freed with the key in it.
 */
static struct page *test_scan_buf;

/* Occurrences of the key (given inverted, @inv) in one page copy. */
static unsigned long test_scan_page(const u8 *p, const u8 *inv, size_t len)
{
	unsigned long n = 0;
	size_t i, j;

	for (i = 0; i + len <= PAGE_SIZE; i++) {
		if ((u8)~p[i] != inv[0])
			continue;
		for (j = 1; j < len && (u8)~p[i + j] == inv[j]; j++)
			;
		n += j == len;
	}
	return n;
}

static unsigned long test_scan_ram(const u8 *inv, size_t len)
{
	u8 *buf = page_address(test_scan_buf);
	unsigned long pfn, found = 0;
	struct sysinfo si;

	si_meminfo(&si);
	/* RAM may have holes: twice its size in frames covers it here. */
	for (pfn = 0; pfn < 2 * si.totalram; pfn++) {
		/* Our copy of the page before: counted there already. */
		if (!pfn_valid(pfn) || pfn == page_to_pfn(test_scan_buf))
			continue;
		if (copy_from_kernel_nofault(buf, page_address(pfn_to_page(pfn)),
					     PAGE_SIZE))
			continue;
		found += test_scan_page(buf, inv, len);
		cond_resched();
	}
	memzero_explicit(buf, PAGE_SIZE);
	return found;
}

/* Hex to inverted bytes, nibble by nibble: no plain copy of the key. */
static int test_scan_parse(const char *hex, size_t n, u8 *inv)
{
	size_t i;
	int hi, lo;

	if (n % 2 || !n || n / 2 > TEST_SCAN_MAX)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		hi = hex_to_bin(hex[2 * i]);
		lo = hex_to_bin(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		inv[i] = ~(hi << 4 | lo);
	}
	return n / 2;
}

static ssize_t test_scan_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char hex[2 * TEST_SCAN_MAX + 2];
	u8 inv[TEST_SCAN_MAX];
	int len;

	if (count >= sizeof(hex) || copy_from_user(hex, ubuf, count))
		return -EINVAL;
	hex[count] = '\0';
	len = test_scan_parse(hex, strcspn(hex, "\n"), inv);
	if (len < 0)
		return len;
	mutex_lock(&test_scan_lock);
	test_scan_found = test_scan_ram(inv, len);
	mutex_unlock(&test_scan_lock);
	return count;
}

static ssize_t test_scan_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char s[24];
	int n;

	mutex_lock(&test_scan_lock);
	n = scnprintf(s, sizeof(s), "%lu\n", test_scan_found);
	mutex_unlock(&test_scan_lock);
	return simple_read_from_buffer(ubuf, count, ppos, s, n);
}

static const struct proc_ops test_scan_ops = {
	.proc_write	= test_scan_write,
	.proc_read	= test_scan_read,
	.proc_lseek	= default_llseek,
};

int test_scan_init(void)
{
	test_scan_buf = alloc_page(GFP_KERNEL);
	if (!test_scan_buf)
		return -ENOMEM;
	if (!proc_create("sm4ktls_test_memscan", 0600, NULL, &test_scan_ops)) {
		__free_page(test_scan_buf);
		return -ENOMEM;
	}
	return 0;
}

void test_scan_exit(void)
{
	remove_proc_entry("sm4ktls_test_memscan", NULL);
	__free_page(test_scan_buf);
}
