/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which SM4 implementations this CPU may run (sm4_impl.c), decided once at
 * load for the gcm(sm4) and ctr(sm4) drivers built on each of them.
 */
#ifndef _SM4KTLS_SM4_IMPL_H
#define _SM4KTLS_SM4_IMPL_H

#include "sm4_gcm.h"

#define SM4KTLS_NR_IMPLS	5	/* the x86 ones and the C path */
/* Where a SIMD driver goes that loses to the C path (250) on this CPU. */
#define SM4KTLS_SLOW_PRIO	200
/* Bytes timed per driver at load (4 KiB): one bounded FPU section. */
#define SM4KTLS_TIME_LEN	4096

/* CPU features and CTR32 known answers of every x86 implementation. */
void sm4ktls_impls_probe(void);
/* After sm4ktls_impls_probe(): may impl serve? The C path always may. */
bool sm4ktls_impl_usable(const struct sm4ktls_impl *impl);
/*
 * A SIMD driver's priority from its load-time timing: @priority, or
 * SM4KTLS_SLOW_PRIO (logged) if it took longer than the C path here.
 */
int sm4ktls_impl_priority(const char *driver, int priority, u64 ns, u64 c_ns);

#endif /* _SM4KTLS_SM4_IMPL_H */
