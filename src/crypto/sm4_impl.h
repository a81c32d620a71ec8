/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which SM4 implementations this CPU may run (sm4_impl.c), decided once at
 * load, and the registration both driver kinds built on each of them
 * (gcm(sm4), ctr(sm4)) share.
 */
#ifndef _SM4KTLS_SM4_IMPL_H
#define _SM4KTLS_SM4_IMPL_H

#include <asm/fpu/api.h>

#include "sm4_gcm.h"

#define SM4KTLS_NR_IMPLS	5	/* the x86 ones and the C path */
/*
 * Where a SIMD driver goes that loses to the C path (250) on this CPU, or
 * that uses 512-bit vectors on a CPU they downclock.
 */
#define SM4KTLS_SLOW_PRIO	200
/* Bytes timed per driver at load (4 KiB): one bounded FPU section. */
#define SM4KTLS_TIME_LEN	4096

/* CPU features and CTR32 known answers of every x86 implementation. */
void sm4ktls_impls_probe(void);
/* After sm4ktls_impls_probe(): may impl serve? The C path always may. */
bool sm4ktls_impl_usable(const struct sm4ktls_impl *impl);

static inline void sm4ktls_fpu_begin(const struct sm4ktls_impl *impl)
{
	if (impl->simd)
		kernel_fpu_begin();
}

static inline void sm4ktls_fpu_end(const struct sm4ktls_impl *impl)
{
	if (impl->simd)
		kernel_fpu_end();
}

/*
 * One kind of crypto API driver over every implementation: what differs
 * between gcm(sm4) and ctr(sm4). sm4ktls_drivers_register() does the rest.
 */
struct sm4ktls_driver_kind {
	const char *(*name)(const struct sm4ktls_impl *impl);
	int (*selftest)(const struct sm4ktls_impl *impl);
	/* Optional: can this kernel take the driver? (logs why not) */
	bool (*fits)(const struct sm4ktls_impl *impl);
	/* Encrypt SM4KTLS_TIME_LEN bytes with scratch of timing_size. */
	size_t timing_size;
	void (*time_one)(void *scratch, const struct sm4ktls_impl *impl);
	int (*add)(unsigned int slot, const struct sm4ktls_impl *impl,
		   int priority);
	void (*del)(unsigned int slot);
};

struct sm4ktls_drivers {
	const struct sm4ktls_driver_kind *kind;
	bool registered[SM4KTLS_NR_IMPLS];
};

/*
 * Each usable implementation that passes its kind's self-test, in slot
 * order, at its priority (lowered if it loses to the C path here); the C
 * path last. Fails only if the C path itself fails its self-test.
 */
int sm4ktls_drivers_register(struct sm4ktls_drivers *d);
void sm4ktls_drivers_unregister(struct sm4ktls_drivers *d);

#endif /* _SM4KTLS_SM4_IMPL_H */
