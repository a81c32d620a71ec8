/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Native (userspace) builds of the crypto sources: can this CPU run an
 * implementation? The kernel answers the same from boot_cpu_has() in
 * src/crypto/sm4_impl.c. Shared by the native tests and tools/sm4bench.
 */
#ifndef _SM4KTLS_NATIVE_H
#define _SM4KTLS_NATIVE_H

#include <stdbool.h>

#include "sm4_gcm.h"

static inline bool sm4ktls_native_cpu_has(unsigned int needs)
{
	__builtin_cpu_init();
	if ((needs & SM4KTLS_NEED_AESNI_AVX) &&
	    !(__builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul") &&
	      __builtin_cpu_supports("avx")))
		return false;
	if ((needs & SM4KTLS_NEED_AVX2) && !__builtin_cpu_supports("avx2"))
		return false;
	if ((needs & SM4KTLS_NEED_GFNI) && !__builtin_cpu_supports("gfni"))
		return false;
	if ((needs & SM4KTLS_NEED_AVX512) &&
	    !(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	      __builtin_cpu_supports("avx512vl")))
		return false;
	return !(needs & SM4KTLS_NEED_VPCLMULQDQ) ||
	       __builtin_cpu_supports("vpclmulqdq");
}

#endif /* _SM4KTLS_NATIVE_H */
