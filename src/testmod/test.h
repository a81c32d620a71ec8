/* SPDX-License-Identifier: GPL-2.0 */
/* sm4ktls_test: the parts of the selftests' helper module. */
#ifndef SM4KTLS_TEST_H
#define SM4KTLS_TEST_H

int test_rcu_init(void);
void test_rcu_exit(void);
int test_scan_init(void);
void test_scan_exit(void);
int test_aead_init(void);
void test_aead_exit(void);

#endif
