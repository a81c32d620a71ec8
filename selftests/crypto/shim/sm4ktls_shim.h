/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included into the module's crypto C sources when they build as a
 * userspace library: the few kernel helpers they use.
 */
#ifndef SM4KTLS_SHIM_H
#define SM4KTLS_SHIM_H

#ifndef __ASSEMBLER__
#include <linux/types.h>
#include <string.h>

#define min_t(type, a, b) ({ type _a = (a), _b = (b); _a < _b ? _a : _b; })

static inline void memzero_explicit(void *p, size_t n)
{
	memset(p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
#endif /* __ASSEMBLER__ */

#endif
